//! The Debian/Ubuntu package map (`debian-map.tsv`): for every Debian bookworm and trixie binary
//! package (and a few Ubuntu-only names), the Azure Linux packages that replace it, with how that
//! was derived. Built from `azurelinux-4.0/debian-map.tsv` of the knowledge sources; looked up by
//! `azl-compat which`.
//!
//! The table is big (77k rows, 7 MB) and only `which` needs it, so a loaded pack keeps its text
//! and indexes the lines on first use; rows are parsed (and checked) when they are read.
//! `azl-compat knowledge lint` checks every row.

use super::{Channel, Confidence, Pack, PackError, format};
use serde::Serialize;
use std::collections::HashSet;
use std::sync::OnceLock;

/// The source file (in `<sources>/azurelinux-4.0/`) and the columns read from it.
pub const SOURCE_FILE: &str = "debian-map.tsv";
pub const SOURCE_COLUMNS: &[&str] = &[
    "debian_package",
    "debian_source",
    "suites",
    "azl4_packages",
    "method",
    "confidence",
    "azl4_channel",
    "evidence",
];

/// How a mapping was derived, strongest first (the source README, "Method"): shared sonames,
/// shared executables, the same name (or a naming convention or an explicit `Provides:`), a
/// Python module, a systemd unit, the source package's counterpart, or nothing (`none`).
pub const METHODS: &[&str] = &[
    "soname",
    "executable",
    "same-name",
    "python-module",
    "unit",
    "source-alias",
    "none",
];

/// Values of the `suites` column (comma-separated).
pub const SUITES: &[&str] = &["bookworm", "trixie", "ubuntu-only"];

/// One Debian/Ubuntu package and its Azure Linux counterparts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DebianMapping {
    pub debian_package: String,
    pub debian_source: String,
    /// `bookworm`, `trixie`, `ubuntu-only`.
    pub suites: Vec<String>,
    /// Azure Linux packages, best first; empty when method is `none`.
    pub packages: Vec<String>,
    pub method: String,
    pub confidence: Confidence,
    /// Channel of the best package; `None` when there is none.
    pub channel: Option<Channel>,
    /// Why (the libraries or executables compared, or why nothing matches).
    pub evidence: String,
}

/// Check one row of the pack's table (fields in [`format::DEBIAN_MAP_COLUMNS`] order); `known`
/// says whether an Azure Linux package exists. Used by the builder (on source rows), the loader
/// and the lint.
pub fn check_row(f: &[&str], known: &dyn Fn(&str) -> bool) -> Result<DebianMapping, String> {
    let [
        name,
        source,
        suites,
        packages,
        method,
        confidence,
        channel,
        evidence,
    ] = f
    else {
        return Err(format!(
            "expected {} fields",
            format::DEBIAN_MAP_COLUMNS.len()
        ));
    };
    if name.is_empty() {
        return Err("empty debian_package".into());
    }
    if name.contains("%{") {
        return Err(format!("unexpanded macro in `{name}`"));
    }
    let suites: Vec<String> = suites.split(',').map(str::to_string).collect();
    if let Some(bad) = suites.iter().find(|s| !SUITES.contains(&s.as_str())) {
        return Err(format!("unknown suite `{bad}`"));
    }
    if !METHODS.contains(method) {
        return Err(format!("unknown method `{method}`"));
    }
    let confidence = Confidence::parse(confidence)
        .ok_or_else(|| format!("unknown confidence `{confidence}`"))?;
    let packages: Vec<String> = if packages.is_empty() {
        Vec::new()
    } else {
        packages.split(',').map(str::to_string).collect()
    };
    if let Some(p) = packages.iter().find(|p| !known(p)) {
        return Err(format!("package `{p}` is not in {}", format::PACKAGES));
    }
    let channel = if channel.is_empty() {
        None
    } else {
        Some(Channel::parse(channel).ok_or_else(|| format!("unknown channel `{channel}`"))?)
    };
    match (*method == "none", packages.is_empty(), channel.is_some()) {
        (true, true, false) | (false, false, true) => {}
        (true, _, _) => return Err("method `none` with packages or a channel".into()),
        (false, true, _) => return Err(format!("method `{method}` without packages")),
        (false, false, false) => return Err("packages without a channel".into()),
    }
    Ok(DebianMapping {
        debian_package: name.to_string(),
        debian_source: source.to_string(),
        suites,
        packages,
        method: method.to_string(),
        confidence,
        channel,
        evidence: evidence.to_string(),
    })
}

/// The table as loaded: its text, with the line index built on first use.
#[derive(Debug, Default)]
pub(super) struct DebianTable {
    /// `<origin>/debian-map.tsv`, for errors.
    path: String,
    /// The pack's text, not copied (the rows are neither split nor counted at load).
    text: &'static str,
    /// The row count `pack.json` states, checked when the index is built.
    expected_rows: Option<u64>,
    /// Byte offset of every row (the header excluded), sorted by debian_package; or why the
    /// table is invalid.
    lines: OnceLock<Result<Vec<u32>, String>>,
}

impl DebianTable {
    /// Check the header; the row count (against `pack.json`'s count, when given) is checked
    /// when the index is built, on first use, and rows when they are read: loading a pack does
    /// not pay for a table only `which` reads.
    pub(super) fn new(
        origin: &str,
        text: &'static str,
        expected_rows: Option<u64>,
    ) -> Result<DebianTable, PackError> {
        let path = format!("{origin}/{}", format::DEBIAN_MAP);
        let invalid = |reason: String| PackError::Invalid {
            path: path.clone(),
            reason,
        };
        let header = text.split('\n').next().unwrap_or("");
        if !header
            .split('\t')
            .eq(format::DEBIAN_MAP_COLUMNS.iter().copied())
        {
            return Err(invalid(format!(
                "line 1: header is `{}`, expected `{}`",
                header.replace('\t', " "),
                format::DEBIAN_MAP_COLUMNS.join(" ")
            )));
        }
        if u32::try_from(text.len()).is_err() {
            return Err(invalid("larger than 4 GiB".into()));
        }
        Ok(DebianTable {
            path,
            text,
            expected_rows,
            lines: OnceLock::new(),
        })
    }

    fn lines(&self) -> Result<&[u32], PackError> {
        let built = self.lines.get_or_init(|| {
            let text: &str = self.text;
            let mut v = Vec::with_capacity(text.len() / 80);
            let mut start = 0usize;
            for (i, b) in text.bytes().enumerate() {
                if b == b'\n' {
                    if start > 0 && i > start {
                        v.push(start as u32);
                    }
                    start = i + 1;
                }
            }
            if start > 0 && start < text.len() {
                v.push(start as u32);
            }
            match self.expected_rows {
                Some(want) if want != v.len() as u64 => Err(format!(
                    "{} rows, but pack.json counts {want} (truncated or edited table?)",
                    v.len()
                )),
                _ => Ok(v),
            }
        });
        built.as_deref().map_err(|reason| PackError::Invalid {
            path: self.path.clone(),
            reason: reason.clone(),
        })
    }

    fn line(&self, start: u32) -> &str {
        let rest = &self.text[start as usize..];
        rest.split('\n').next().unwrap_or("")
    }

    fn key(&self, start: u32) -> &str {
        self.line(start).split('\t').next().unwrap_or("")
    }

    /// The row of a Debian/Ubuntu package name, if the map has it.
    pub(super) fn get(
        &self,
        name: &str,
        known: &dyn Fn(&str) -> bool,
    ) -> Result<Option<DebianMapping>, PackError> {
        let lines = self.lines()?;
        let Ok(i) = lines.binary_search_by(|&s| self.key(s).cmp(name)) else {
            return Ok(None);
        };
        let start = lines[i];
        let fields: Vec<&str> = self.line(start).split('\t').collect();
        check_row(&fields, known).map(Some).map_err(|reason| {
            let lineno = self.text[..start as usize].matches('\n').count() + 1;
            PackError::Invalid {
                path: self.path.clone(),
                reason: format!("line {lineno}: {reason}"),
            }
        })
    }

    /// Every Debian name whose row lists `package` among its Azure Linux packages (a full scan;
    /// empty when the table is invalid).
    pub(super) fn debian_names_for(&self, package: &str) -> Vec<String> {
        let mut out: Vec<String> = self
            .lines()
            .unwrap_or(&[])
            .iter()
            .filter_map(|&s| {
                let mut f = self.line(s).split('\t');
                let name = f.next()?;
                let pkgs = f.nth(2)?;
                pkgs.split(',')
                    .any(|p| p == package)
                    .then(|| name.to_string())
            })
            .collect();
        out.sort();
        out
    }
}

impl Pack {
    /// Whether the pack has a Debian/Ubuntu map (packs imported from repository metadata do not).
    pub fn has_debian_map(&self) -> bool {
        self.debian_map.is_some()
    }

    /// The Azure Linux counterparts of a Debian/Ubuntu package name; `Ok(None)` when the map
    /// does not list the name (or the pack has no map). The row is checked when read.
    pub fn debian_mapping(&self, name: &str) -> Result<Option<DebianMapping>, PackError> {
        match &self.debian_map {
            Some(t) => t.get(name, &|p| self.packages.contains(p)),
            None => Ok(None),
        }
    }

    /// The Debian/Ubuntu names mapped to an Azure Linux package (scans the whole map).
    pub fn debian_names_for(&self, package: &str) -> Vec<String> {
        self.debian_map
            .as_ref()
            .map_or_else(Vec::new, |t| t.debian_names_for(package))
    }
}

/// Turn the source's rows into the pack's (same columns, reordered; sorted). `known` is the set
/// of Azure Linux package names the pack has.
pub(super) fn pack_rows(
    source_rows: Vec<Vec<String>>,
    known: &HashSet<String>,
) -> Result<Vec<Vec<String>>, String> {
    let mut out = Vec::with_capacity(source_rows.len());
    for row in source_rows {
        let f: Vec<&str> = row.iter().map(String::as_str).collect();
        check_row(&f, &|p| known.contains(p)).map_err(|e| format!("{}: {e}", f[0]))?;
        out.push(row);
    }
    out.sort();
    out.dedup();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &str = "debian_package\tdebian_source\tsuites\tpackages\tmethod\tconfidence\tchannel\tevidence\n\
        apache2\tapache2\tbookworm,trixie\thttpd,httpd-core\tsource-alias\thigh\tbase\tcurated\n\
        libssl3\topenssl\tbookworm\topenssl-libs\tsoname\thigh\tbase\tlibssl.so.3\n\
        ntp\tntpsec\tbookworm\t\tnone\thigh\t\tnot in AZL4\n";

    fn known(p: &str) -> bool {
        ["httpd", "httpd-core", "openssl-libs"].contains(&p)
    }

    #[test]
    fn lookup_by_binary_search() {
        let t = DebianTable::new("t", TABLE, Some(3)).unwrap();
        let m = t.get("libssl3", &known).unwrap().unwrap();
        assert_eq!(m.packages, ["openssl-libs"]);
        assert_eq!(m.channel, Some(Channel::Base));
        let a = t.get("apache2", &known).unwrap().unwrap();
        assert_eq!(a.packages, ["httpd", "httpd-core"]);
        assert_eq!(a.suites, ["bookworm", "trixie"]);
        let n = t.get("ntp", &known).unwrap().unwrap();
        assert!(n.packages.is_empty() && n.channel.is_none());
        assert!(t.get("nope", &known).unwrap().is_none());
        assert!(t.get("", &known).unwrap().is_none());
        assert_eq!(t.debian_names_for("httpd-core"), ["apache2"]);
    }

    #[test]
    fn bad_rows_and_counts_are_invalid() {
        let t = DebianTable::new("t", TABLE, Some(4)).unwrap();
        match t.get("apache2", &known) {
            Err(PackError::Invalid { reason, .. }) => assert!(reason.contains("counts 4")),
            other => panic!("{other:?}"),
        }
        assert!(DebianTable::new("t", "a\tb\n", None).is_err());
        let bad = TABLE.replace("source-alias", "guess");
        let t = DebianTable::new("t", bad.leak(), None).unwrap();
        match t.get("apache2", &known) {
            Err(PackError::Invalid { reason, .. }) => assert!(reason.starts_with("line 2:")),
            other => panic!("{other:?}"),
        }
        assert!(check_row(&["x", "x", "sid", "", "none", "low", "", ""], &known).is_err());
        assert!(
            check_row(
                &["x", "x", "trixie", "nope", "soname", "low", "base", ""],
                &known
            )
            .is_err()
        );
        assert!(check_row(&["x", "x", "trixie", "", "soname", "low", "", ""], &known).is_err());
    }
}
