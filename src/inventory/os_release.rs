//! `/etc/os-release` (or `/usr/lib/os-release`): which distribution the tree is.

use super::ownership::read_text;
use crate::findings::Diagnostic;
use crate::source::Source;
use std::collections::BTreeMap;

/// Largest os-release read (systemd's own files are a few hundred bytes).
pub const MAX_OS_RELEASE: u64 = 64 * 1024;

/// Read the tree's os-release, if any. A file above [`MAX_OS_RELEASE`] is a diagnostic.
pub fn read(source: &dyn Source) -> BTreeMap<String, String> {
    read_with_diagnostics(source, &mut Vec::new())
}

/// [`read`], with the reasons an os-release was not read pushed to `diags`.
pub fn read_with_diagnostics(
    source: &dyn Source,
    diags: &mut Vec<Diagnostic>,
) -> BTreeMap<String, String> {
    for path in ["/etc/os-release", "/usr/lib/os-release"] {
        match read_text(source, path, MAX_OS_RELEASE) {
            Ok(text) => return parse(&text),
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                diags.push(Diagnostic::new(path, format!("not read: {e}")))
            }
            Err(_) => {}
        }
    }
    BTreeMap::new()
}

/// Parse os-release's `KEY=value` lines (values optionally quoted).
pub fn parse(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|l| {
            let l = l.trim();
            if l.starts_with('#') {
                return None;
            }
            let (k, v) = l.split_once('=')?;
            let v = v.trim();
            let v = v
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .or_else(|| v.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
                .unwrap_or(v);
            Some((k.trim().to_string(), v.replace("\\\"", "\"")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn parses_quoted_values() {
        let m = super::parse("NAME=\"Red Hat Enterprise Linux\"\nID=rhel\n# c\nVERSION_ID='8.9'\n");
        assert_eq!(m["NAME"], "Red Hat Enterprise Linux");
        assert_eq!(m["ID"], "rhel");
        assert_eq!(m["VERSION_ID"], "8.9");
    }
}
