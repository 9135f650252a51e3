//! Facts about the source side that are not in the generated pack: who the source
//! distributions' packagers are (knowledge/source-distros/vendors.tsv) and which `rpmlib(...)`
//! features the target's RPM provides (knowledge/platform/rpmlib-features.tsv). Both are
//! hand-maintained tables with their sources in their headers, embedded in the binary.

use std::sync::OnceLock;

const VENDORS: &str = include_str!("../../knowledge/source-distros/vendors.tsv");
const RPMLIB: &str = include_str!("../../knowledge/platform/rpmlib-features.tsv");
const PACKAGE_FATES: &str = include_str!("../../knowledge/source-distros/package-fates.tsv");

/// A source-distribution package whose fate is decided by what it is
/// (knowledge/source-distros/package-fates.tsv).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FixedFate {
    /// `package-manager` (the source's own package, subscription or release machinery: the
    /// target has its own) or `renamed` (the same software under the target's name).
    pub fate: &'static str,
    /// The target's name of a `renamed` package; empty otherwise.
    pub target: &'static str,
    pub reason: &'static str,
}

/// The fixed fate of a source package, if the table names it (exactly, or by a `prefix*`).
pub fn fixed_fate(package: &str) -> Option<FixedFate> {
    static T: OnceLock<Vec<(&'static str, FixedFate)>> = OnceLock::new();
    T.get_or_init(|| {
        rows(PACKAGE_FATES)
            .filter(|f| f.len() >= 4)
            .map(|f| {
                (
                    f[0],
                    FixedFate {
                        fate: f[1],
                        target: f[2],
                        reason: f[3],
                    },
                )
            })
            .collect()
    })
    .iter()
    .find(|(p, _)| match p.strip_suffix('*') {
        Some(prefix) => package.starts_with(prefix),
        None => *p == package,
    })
    .map(|(_, f)| f.clone())
}

/// One marker of a distribution's own packages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Marker {
    /// `vendor`, `packager` or `maintainer`.
    pub field: String,
    pub distro: String,
    /// A substring of the field's value.
    pub text: String,
}

fn rows(text: &str) -> impl Iterator<Item = Vec<&str>> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.split('\t').collect())
}

/// The markers of the source distributions' own packages.
pub fn markers() -> &'static [Marker] {
    static M: OnceLock<Vec<Marker>> = OnceLock::new();
    M.get_or_init(|| {
        rows(VENDORS)
            .filter(|f| f.len() >= 3)
            .map(|f| Marker {
                field: f[0].to_string(),
                distro: f[1].to_string(),
                text: f[2].to_string(),
            })
            .collect()
    })
}

/// The distribution whose marker a field value carries, if any.
pub fn distro_of(field: &str, value: &str) -> Option<&'static str> {
    markers()
        .iter()
        .find(|m| m.field == field && value.contains(&m.text))
        .map(|m| m.distro.as_str())
}

/// Whether the target's RPM provides an `rpmlib(...)` feature.
pub fn rpmlib_provides(feature: &str) -> bool {
    static F: OnceLock<Vec<String>> = OnceLock::new();
    F.get_or_init(|| {
        rows(RPMLIB)
            .filter_map(|f| f.first().map(|s| s.to_string()))
            .collect()
    })
    .iter()
    .any(|f| f == feature)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_parse() {
        assert_eq!(distro_of("vendor", "Red Hat, Inc."), Some("rhel"));
        assert_eq!(
            distro_of("packager", "CentOS BuildSystem <http://bugs.centos.org>"),
            Some("centos")
        );
        assert_eq!(
            distro_of(
                "maintainer",
                "Debian X Strike Force <debian-x@lists.debian.org>"
            ),
            Some("debian")
        );
        assert_eq!(distro_of("vendor", "Acme Corp"), None);
        assert!(rpmlib_provides("rpmlib(RichDependencies)"));
        assert!(!rpmlib_provides("rpmlib(NoSuchFeature)"));
        assert_eq!(fixed_fate("dpkg").unwrap().fate, "package-manager");
        assert_eq!(
            fixed_fate("libapt-pkg6.0t64").unwrap().fate,
            "package-manager"
        );
        assert_eq!(
            fixed_fate("python3-pip-wheel").unwrap().target,
            "python-pip-wheel"
        );
        assert_eq!(fixed_fate("bash"), None);
    }
}
