//! Language runtimes of the target, as the pack has them.
//!
//! Which packages are which runtime is a small hand-kept table
//! (knowledge/platform/runtimes.tsv, with a source per row); their versions and channels come
//! from the pack's package list, never from constants in code. Removed standard-library modules
//! are knowledge/platform/python-removed-modules.tsv (copied from the knowledge sources).

use super::{Channel, Pack};
use std::sync::OnceLock;

const RUNTIMES: &str = include_str!("../../knowledge/platform/runtimes.tsv");
const REMOVED: &str = include_str!("../../knowledge/platform/python-removed-modules.tsv");

/// One interpreter the target ships.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interpreter {
    /// `(major, minor)`.
    pub version: (u32, u32),
    /// The Azure Linux package that ships it.
    pub package: String,
    pub channel: Channel,
    /// Whether it owns the unversioned command (`/usr/bin/python3`).
    pub default: bool,
    /// The full version as the pack has it (`22.22.0`); empty when only the table's major is
    /// known.
    pub full_version: String,
    /// The binary interface number (Node.js NODE_MODULE_VERSION), where the table gives one.
    pub abi: Option<u32>,
}

impl Interpreter {
    pub fn version_str(&self) -> String {
        format!("{}.{}", self.version.0, self.version.1)
    }
}

fn rows(text: &str) -> impl Iterator<Item = Vec<&str>> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.split('\t').collect())
}

/// `major.minor` of a version string (`3.14.3` -> (3, 14)).
pub fn major_minor(v: &str) -> Option<(u32, u32)> {
    let mut it = v.split('.');
    let a = it.next()?.parse().ok()?;
    let b = it
        .next()?
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .ok()?;
    Some((a, b))
}

/// A row of the table for `runtime`.
struct Row {
    role: &'static str,
    package: &'static str,
    version: &'static str,
    abi: Option<u32>,
}

fn table(runtime: &str) -> Vec<Row> {
    rows(RUNTIMES)
        .filter(|f| f.len() >= 6 && f[0] == runtime)
        .map(|f| Row {
            role: f[1],
            package: f[2],
            version: f[3],
            abi: f[4].parse().ok(),
        })
        .collect()
}

/// The interpreters of `runtime` the target ships (published channels only), newest first.
pub fn interpreters(pack: &Pack, runtime: &str) -> Vec<Interpreter> {
    let mut out: Vec<Interpreter> = Vec::new();
    for row in table(runtime) {
        let pat = row.package;
        let matches: Vec<&super::Package> = match pat.strip_suffix('*') {
            Some(prefix) => pack
                .packages()
                .filter(|p| p.name.starts_with(prefix))
                .collect(),
            None => pack.package(pat).into_iter().collect(),
        };
        for p in matches {
            if !p.channel.shipped() {
                continue;
            }
            // The pack's version, else the table's (a major alone: `24` -> (24, 0)).
            let (version, full) = match major_minor(p.version) {
                Some(v) => (v, p.version.to_string()),
                None => match row.version.parse::<u32>() {
                    Ok(m) => ((m, 0), String::new()),
                    Err(_) => match major_minor(row.version) {
                        Some(v) => (v, String::new()),
                        None => continue,
                    },
                },
            };
            // `python3.*` rows: the name must be the interpreter itself (python3.9, not
            // python3.9-devel).
            if pat.ends_with('*')
                && p.name
                    .rsplit('.')
                    .next()
                    .is_none_or(|m| m.parse::<u32>().is_err())
            {
                continue;
            }
            if out.iter().any(|i| i.package == p.name) {
                continue;
            }
            out.push(Interpreter {
                version,
                package: p.name.to_string(),
                channel: p.channel,
                default: row.role == "default",
                full_version: full,
                abi: row.abi,
            });
        }
    }
    out.sort_by(|a, b| b.version.cmp(&a.version).then(a.package.cmp(&b.package)));
    out
}

/// The interpreter owning the unversioned command, if the table and pack name one.
pub fn default_interpreter(pack: &Pack, runtime: &str) -> Option<Interpreter> {
    interpreters(pack, runtime).into_iter().find(|i| i.default)
}

/// The best shipped interpreter of `runtime` at `version` (base before sdk).
pub fn interpreter_for(pack: &Pack, runtime: &str, version: (u32, u32)) -> Option<Interpreter> {
    let mut v: Vec<Interpreter> = interpreters(pack, runtime)
        .into_iter()
        .filter(|i| i.version == version)
        .collect();
    v.sort_by_key(|i| (i.channel.preference(), !i.default));
    v.into_iter().next()
}

/// The target's glibc version, `(2, 42)`, from the pack's glibc package.
pub fn glibc_version(pack: &Pack) -> Option<(u32, u32)> {
    interpreters(pack, "glibc").first().map(|i| i.version)
}

/// A standard-library module removed between some Python and the target's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemovedModule {
    /// The dotted module name (`imp`, `tkinter.tix`, `typing.io`).
    pub module: String,
    pub removed_in: (u32, u32),
    pub deprecated_in: String,
    pub reference: String,
    pub replacement: String,
    pub source: String,
}

/// Module names in the `module_or_api` column: `crypt (and _crypt)` -> crypt, _crypt;
/// `typing.io / typing.re` -> both; `lib2to3 (and the 2to3 program)` -> lib2to3.
fn module_names(cell: &str) -> Vec<String> {
    let mut out = Vec::new();
    let (main, paren) = match cell.split_once('(') {
        Some((m, p)) => (m, Some(p.trim_end_matches(')'))),
        None => (cell, None),
    };
    for part in main.split('/') {
        let n = part.trim();
        if is_dotted_name(n) {
            out.push(n.to_string());
        }
    }
    if let Some(p) = paren
        && let Some(rest) = p.trim().strip_prefix("and ")
        && is_dotted_name(rest.trim())
    {
        out.push(rest.trim().to_string());
    }
    out
}

fn is_dotted_name(s: &str) -> bool {
    !s.is_empty()
        && s.split('.').all(|p| {
            !p.is_empty()
                && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !p.starts_with(|c: char| c.is_ascii_digit())
        })
}

/// Every removed module of the table (rows of kind `module`, `module+tool`, `namespace`).
pub fn removed_modules() -> &'static [RemovedModule] {
    static R: OnceLock<Vec<RemovedModule>> = OnceLock::new();
    R.get_or_init(|| {
        let mut v = Vec::new();
        for f in rows(REMOVED).skip(1) {
            if f.len() < 7 || !matches!(f[1], "module" | "module+tool" | "namespace") {
                continue;
            }
            let Some(removed_in) = major_minor(f[2].trim()) else {
                continue;
            };
            for m in module_names(f[0]) {
                v.push(RemovedModule {
                    module: m,
                    removed_in,
                    deprecated_in: f[3].to_string(),
                    reference: f[4].to_string(),
                    replacement: f[5].to_string(),
                    source: f[6].to_string(),
                });
            }
        }
        v
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_cells_become_names() {
        assert_eq!(module_names("crypt (and _crypt)"), ["crypt", "_crypt"]);
        assert_eq!(
            module_names("typing.io / typing.re"),
            ["typing.io", "typing.re"]
        );
        assert_eq!(module_names("lib2to3 (and the 2to3 program)"), ["lib2to3"]);
        assert_eq!(module_names("tkinter.tix"), ["tkinter.tix"]);
    }

    #[test]
    fn the_removed_module_table_reads() {
        let r = removed_modules();
        let names: Vec<&str> = r.iter().map(|m| m.module.as_str()).collect();
        for n in [
            "distutils",
            "imp",
            "asyncore",
            "telnetlib",
            "_crypt",
            "typing.re",
        ] {
            assert!(names.contains(&n), "{n} missing from {names:?}");
        }
        // API rows are not modules.
        assert!(!names.iter().any(|n| n.starts_with("ssl")));
        let imp = r.iter().find(|m| m.module == "imp").unwrap();
        assert_eq!(imp.removed_in, (3, 12));
        assert_eq!(imp.replacement, "importlib");
    }

    #[test]
    fn interpreters_come_from_the_pack() {
        let pack = crate::knowledge::Pack::builtin();
        let py = interpreters(pack, "python");
        let d = default_interpreter(pack, "python").expect("default python");
        assert_eq!(d.package, "python3");
        assert!(d.channel.supported());
        // Every python3.X row is an interpreter package of that version.
        for i in py.iter().filter(|i| !i.default) {
            assert_eq!(i.package, format!("python3.{}", i.version.1));
        }
        assert!(glibc_version(pack).is_some());
        // Node.js: the default from the pack (its version), the other from the table's major.
        let node = interpreters(pack, "nodejs");
        let d = node.iter().find(|i| i.default).expect("default node");
        assert_eq!(d.package, "nodejs");
        assert!(!d.full_version.is_empty());
        assert!(d.abi.is_some());
    }
}
