//! Java in the tree: JDK and JRE installs, found by their `release` file beside `bin/java`
//! (`JAVA_VERSION="1.8.0_362"`, `"11.0.15"`, `"17.0.2"`). The JVM itself is ELF and is judged
//! as any program; this adds what its version means on the target.

use super::ownership::{Origin, Ownership};
use super::{Inventory, file_name, parent_dir};
use crate::findings::Diagnostic;
use crate::source::Source;

/// `release` files are read up to this many bytes.
pub const MAX_RELEASE: u64 = 64 << 10;

/// Whether the walk notes a regular file for this module (by its target path; cheap).
pub fn noted(path: &str) -> bool {
    file_name(path) == "release"
}

/// A JDK or JRE install.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JavaInstall {
    /// The install directory (`JAVA_HOME`).
    pub home: String,
    /// `JAVA_VERSION` as written.
    pub version_text: String,
    /// (feature, update): `1.8.0_362` -> (8, 362); `11.0.16` -> (11, 16); `17.0.2` -> (17, 2).
    pub version: Option<(u32, u32)>,
    pub implementor: Option<String>,
}

/// A `JAVA_HOME` the tree sets: in a unit's `Environment=`, a file of its `EnvironmentFile=`,
/// or a shell script (`export JAVA_HOME=/usr/lib/jvm/java-11-openjdk`). Only literal absolute
/// values count; a value built from variables is never guessed.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct JavaHome {
    /// The file that sets it.
    pub file: String,
    /// 1-based line in `file`.
    pub line: u32,
    /// `Environment=`, `EnvironmentFile= of UNIT`, `script`.
    pub how: String,
    pub value: String,
}

#[derive(Clone, Debug, Default)]
pub struct JavaInventory {
    pub installs: Vec<JavaInstall>,
    /// `JAVA_HOME` settings of units and scripts (filled by `checks::java::java_homes`).
    pub homes: Vec<JavaHome>,
    pub diagnostics: Vec<Diagnostic>,
}

/// `JAVA_VERSION` to (feature release, update).
pub fn parse_java_version(v: &str) -> Option<(u32, u32)> {
    let v = v.trim().trim_matches('"');
    if let Some(rest) = v.strip_prefix("1.") {
        // 1.8.0_362
        let (main, update) = rest.split_once('_').unwrap_or((rest, "0"));
        let feature = main.split('.').next()?.parse().ok()?;
        let update = update
            .chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .unwrap_or(0);
        return Some((feature, update));
    }
    let mut it = v.split(['.', '+', '-']);
    let feature = it.next()?.parse().ok()?;
    let _interim = it.next();
    let update = it.next().and_then(|u| u.parse().ok()).unwrap_or(0);
    Some((feature, update))
}

/// Read the `release` files that sit beside a `bin/java`.
pub fn collect(source: &dyn Source, inv: &Inventory, own: &Ownership) -> JavaInventory {
    let mut out = JavaInventory::default();
    for path in inv.runtime_files.iter().filter(|p| noted(p)) {
        let home = parent_dir(path);
        let java = format!("{home}/bin/java");
        if !inv.nodes.contains_key(&java)
            || own.owner(path).is_some_and(|o| o.origin == Origin::Distro)
        {
            continue;
        }
        let text = match source
            .open(&super::names::to_path(path))
            .and_then(|o| o.read_prefix(MAX_RELEASE))
        {
            Ok(v) => String::from_utf8_lossy(&v).into_owned(),
            Err(e) => {
                out.diagnostics
                    .push(Diagnostic::unread(path, "cannot read file", &e));
                continue;
            }
        };
        let field = |k: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(k)?.strip_prefix('='))
                .map(|v| v.trim().trim_matches('"').to_string())
        };
        let Some(version_text) = field("JAVA_VERSION") else {
            continue;
        };
        out.installs.push(JavaInstall {
            home,
            version: parse_java_version(&version_text),
            version_text,
            implementor: field("IMPLEMENTOR"),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_versions() {
        assert_eq!(parse_java_version("\"1.8.0_362\""), Some((8, 362)));
        assert_eq!(parse_java_version("1.8.0_292-b10"), Some((8, 292)));
        assert_eq!(parse_java_version("11.0.15"), Some((11, 15)));
        assert_eq!(parse_java_version("17.0.2"), Some((17, 2)));
        assert_eq!(parse_java_version("21"), Some((21, 0)));
        assert_eq!(parse_java_version("nope"), None);
    }
}
