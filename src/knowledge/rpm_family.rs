//! rpm-family soname evidence: which sonames rpm packages of a given name provide on real
//! Fedora-family (and other rpm) systems, used by the builder to cross-check the sonames
//! that `sonames-resolved.tsv` derived from Debian builds (docs/knowledge.md, "rpm-family
//! cross-check").
//!
//! The evidence is data committed under `knowledge/rpm-family/` with its provenance:
//! - `provides.tsv` is extracted by [`extract`] from the real rpm databases and `.rpm` files
//!   of the shared corpora (`tests/rpm_family.rs` regenerates it with
//!   `UPDATE_KNOWLEDGE=1` and fails when the committed file differs from the extraction);
//! - `upstream.tsv` is hand-maintained: sonames an upstream project sets that Debian patches
//!   away, each row citing where the upstream name comes from.
//!
//! Both have the columns `package  version  soname  distro  lineage  released  source`
//! (`version`: the package's upstream version there); `soname` is empty on a row that only
//! says the package exists there (and provides no soname).

use super::names::library_name;
use crate::inventory::packages::{InstalledPackage, read_rpm_database, read_rpm_file};
use crate::source::DirSource;
use anyhow::{Context, Result, anyhow, bail};
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The committed evidence, embedded so that `knowledge build` is reproducible from the
/// repository alone (its sha256 goes into the pack's provenance).
pub const PROVIDES_TSV: &str = include_str!("../../knowledge/rpm-family/provides.tsv");
pub const UPSTREAM_TSV: &str = include_str!("../../knowledge/rpm-family/upstream.tsv");
/// Their names in the pack's provenance (`sha256:rpm-family/<file>`).
pub const PROVIDES_REL: &str = "rpm-family/provides.tsv";
pub const UPSTREAM_REL: &str = "rpm-family/upstream.tsv";
pub const COLUMNS: &[&str] = &[
    "package", "version", "soname", "distro", "lineage", "released", "source",
];

/// Lineage of a Fedora-derived distribution (and of upstream facts that Fedora follows):
/// its evidence outranks the others'.
pub const FEDORA_FAMILY: &str = "fedora-family";

/// The corpus distributions whose packages count as evidence: MANIFEST.tsv `distro` prefix,
/// the name written to the table, the lineage and the release year (newer evidence of the
/// same lineage wins). CBL-Mariner 2.0 and SLE have their own spec lineages: they count only
/// where no Fedora-derived distribution has the package.
const CORPUS_DISTROS: &[(&str, &str, &str, u16)] = &[
    ("CentOS 5", "centos-5", FEDORA_FAMILY, 2007),
    ("CentOS 6", "centos-6", FEDORA_FAMILY, 2011),
    ("CentOS 7", "centos-7", FEDORA_FAMILY, 2014),
    ("CentOS/RHEL 7", "centos-7", FEDORA_FAMILY, 2014),
    ("EPEL 7", "epel-7", FEDORA_FAMILY, 2014),
    ("RHEL/UBI 8", "rhel-8", FEDORA_FAMILY, 2019),
    ("SLE 15", "sle-15", "suse", 2018),
    ("CBL-Mariner 2.0", "cbl-mariner-2.0", "mariner", 2022),
];

/// MANIFEST kinds read: well-formed rpm databases and `.rpm` files.
const KINDS: &[&str] = &[
    "rpmdb-sqlite",
    "rpmdb-bdb",
    "rpmdb-ndb",
    "rpm-file-v4",
    "rpm-file-v6",
    "rpm-file-v3",
];

/// One row of the evidence.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Row {
    pub package: String,
    /// The package's upstream version in that distribution.
    pub version: String,
    /// Empty: the package exists there and provides no soname.
    pub soname: String,
    pub distro: String,
    pub lineage: String,
    pub released: u16,
    pub source: String,
}

/// The soname of a 64-bit automatic provide (`libbz2.so.1()(64bit)`); version-node provides
/// (`libz.so.1(ZLIB_1.2.0)(64bit)`) and 32-bit ones are not sonames of a 64-bit library.
pub fn provide_soname(provide: &str) -> Option<&str> {
    let s = provide.strip_suffix("()(64bit)")?;
    // Python extension modules (`bz2.so()(64bit)` on CentOS 5/6) are no libraries.
    (!s.contains(['(', ')', ' ', '/'])
        && (s.starts_with("lib") || s.contains(".so."))
        && library_name(s).is_some_and(|l| !l.is_empty()))
    .then_some(s)
}

/// Extract the evidence from a corpus directory laid out as the shared corpora
/// (`MANIFEST.tsv` with `file`, `kind`, `distro` columns): every package of every listed
/// rpm database and `.rpm` file of a known distribution, with its 64-bit soname provides.
/// The output is sorted TSV with a header, byte-identical for the same corpus.
pub fn extract(corpora: &Path) -> Result<String> {
    let manifest = std::fs::read_to_string(corpora.join("MANIFEST.tsv"))
        .with_context(|| format!("cannot read {}/MANIFEST.tsv", corpora.display()))?;
    let mut lines = manifest.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split('\t').collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .ok_or_else(|| anyhow!("MANIFEST.tsv has no `{name}` column"))
    };
    let (fi, ki, di) = (col("file")?, col("kind")?, col("distro")?);
    // (package, soname, distro) -> row; the first source in file order is kept.
    let mut rows: BTreeMap<(String, String, String, String), Row> = BTreeMap::new();
    let mut entries: Vec<(&str, &str, &str)> = lines
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            Some((*f.get(fi)?, *f.get(ki)?, *f.get(di)?))
        })
        .collect();
    entries.sort();
    for (file, kind, distro) in entries {
        if !KINDS.contains(&kind) {
            continue;
        }
        let Some(&(_, name, lineage, released)) =
            CORPUS_DISTROS.iter().find(|(p, ..)| distro.starts_with(p))
        else {
            continue;
        };
        let path = corpora.join(file);
        let packages: Vec<InstalledPackage> = if kind.starts_with("rpm-file") {
            let bytes =
                std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
            vec![read_rpm_file(&bytes, file).map_err(|e| anyhow!("{file}: {e}"))?]
        } else {
            let dir = path
                .parent()
                .ok_or_else(|| anyhow!("{file}: no directory"))?;
            let base = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            let source = DirSource::new(dir, false)
                .with_context(|| format!("cannot open {}", dir.display()))?;
            let db = read_rpm_database(&source, &format!("/{base}"));
            if !db.diagnostics.is_empty() && db.packages.is_empty() {
                bail!("{file}: no packages read");
            }
            db.packages
        };
        for p in packages {
            if p.name == "gpg-pubkey" {
                continue;
            }
            let mut sonames: BTreeSet<&str> = p
                .provides
                .iter()
                .filter_map(|d| provide_soname(&d.name))
                .collect();
            if sonames.is_empty() {
                sonames.insert("");
            }
            for s in sonames {
                let key = (
                    p.name.clone(),
                    p.version.clone(),
                    s.to_string(),
                    name.to_string(),
                );
                rows.entry(key).or_insert_with(|| Row {
                    package: p.name.clone(),
                    version: p.version.clone(),
                    soname: s.to_string(),
                    distro: name.to_string(),
                    lineage: lineage.to_string(),
                    released,
                    source: file.to_string(),
                });
            }
        }
    }
    let mut out = COLUMNS.join("\t");
    out.push('\n');
    for r in rows.values() {
        out.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
            r.package, r.version, r.soname, r.distro, r.lineage, r.released, r.source
        ));
    }
    Ok(out)
}

/// Parse an evidence table (either file); `rel` names it in errors.
pub fn parse(rel: &str, text: &str) -> Result<Vec<Row>> {
    let mut lines = text.lines();
    let header = lines.next().unwrap_or_default();
    if header.split('\t').collect::<Vec<_>>() != COLUMNS {
        bail!("{rel}: header is not `{}`", COLUMNS.join(" "));
    }
    let mut out = Vec::new();
    for (i, line) in lines.enumerate() {
        if line.is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() != COLUMNS.len() || f[0].is_empty() || f[3].is_empty() {
            bail!("{rel}:{}: malformed row", i + 2);
        }
        if !f[2].is_empty() && library_name(f[2]).is_none() {
            bail!("{rel}:{}: `{}` is no soname", i + 2, f[2]);
        }
        out.push(Row {
            package: f[0].to_string(),
            version: f[1].to_string(),
            soname: f[2].to_string(),
            distro: f[3].to_string(),
            lineage: f[4].to_string(),
            released: f[5]
                .parse()
                .map_err(|_| anyhow!("{rel}:{}: bad year `{}`", i + 2, f[5]))?,
            source: f[6].to_string(),
        });
    }
    Ok(out)
}

/// The evidence indexed by package name.
#[derive(Debug, Default)]
pub struct Evidence {
    by_package: BTreeMap<String, Vec<Row>>,
}

/// What the evidence says about one Debian-derived soname row of a package.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// No rpm-family package of that name is known.
    Unknown,
    /// The package is known and provides this very soname.
    Confirmed(Row),
    /// The package provides another soname of the same library that wins: the same major
    /// with other digits (`libbz2.so.1` for `libbz2.so.1.0`), or a later major already in an
    /// older rpm build (`libsasl2.so.3` for `libsasl2.so.2`).
    Replaced(Row),
    /// The package provides the library only under an earlier soname (an older upstream ABI:
    /// the Debian row, from the same version as Azure Linux, stands).
    Older(Row),
    /// The package is known and provides no soname of this library.
    Absent { distros: Vec<String> },
}

impl Evidence {
    pub fn new(rows: Vec<Row>) -> Self {
        let mut by_package: BTreeMap<String, Vec<Row>> = BTreeMap::new();
        for r in rows {
            by_package.entry(r.package.clone()).or_default().push(r);
        }
        for v in by_package.values_mut() {
            // Best evidence first: Fedora family, then newest, then name.
            v.sort_by(|a, b| {
                (b.lineage == FEDORA_FAMILY)
                    .cmp(&(a.lineage == FEDORA_FAMILY))
                    .then(b.released.cmp(&a.released))
                    .then(a.cmp(b))
            });
        }
        Evidence { by_package }
    }

    /// The committed evidence (both files).
    pub fn builtin() -> Result<Self> {
        let mut rows = parse(PROVIDES_REL, PROVIDES_TSV)?;
        rows.extend(parse(UPSTREAM_REL, UPSTREAM_TSV)?);
        Ok(Self::new(rows))
    }

    /// Judge `soname` of `package`, whose version on the target is `version` (see
    /// [`Verdict`]). Only evidence from the same major upstream version counts: another
    /// major version may have another ABI (openssl 1.0 `libssl.so.10` against 3.x) or other
    /// libraries (systemd 219 had no `libnss_systemd`).
    pub fn judge(&self, package: &str, version: &str, soname: &str) -> Verdict {
        let want = version_major(version);
        let rows: Vec<&Row> = self
            .by_package
            .get(package)
            .map(|v| {
                v.iter()
                    .filter(|r| want.is_none() || version_major(&r.version) == want)
                    .collect()
            })
            .unwrap_or_default();
        if rows.is_empty() {
            return Verdict::Unknown;
        }
        let lib = library_name(soname);
        // The best distribution that has the library decides.
        let Some(best) = rows
            .iter()
            .find(|r| !r.soname.is_empty() && library_name(&r.soname) == lib)
        else {
            let mut distros: Vec<String> = rows.iter().map(|r| r.distro.clone()).collect();
            distros.sort();
            distros.dedup();
            return Verdict::Absent { distros };
        };
        let mut same_distro = rows
            .iter()
            .filter(|r| r.distro == best.distro && library_name(&r.soname) == lib);
        if let Some(r) = same_distro.clone().find(|r| r.soname == soname) {
            return Verdict::Confirmed(Row::clone(r));
        }
        // The latest soname that distribution has for the library.
        let best = same_distro
            .by_ref()
            .max_by(|a, b| compare_versions(&a.soname, &b.soname))
            .unwrap_or(best);
        match (major(&best.soname), major(soname)) {
            (Some(r), Some(d)) if r < d => Verdict::Older(Row::clone(best)),
            _ => Verdict::Replaced(Row::clone(best)),
        }
    }
}

/// The first number of an upstream version (`1` for `1.0.8`).
fn version_major(v: &str) -> Option<u64> {
    v.split(|c: char| !c.is_ascii_digit())
        .find(|s| !s.is_empty())
        .and_then(|s| s.parse().ok())
}

/// The numbers after `.so.` (`[1, 0]` for `libbz2.so.1.0`); empty when there are none.
fn version_numbers(soname: &str) -> Vec<u64> {
    let Some(lib) = library_name(soname) else {
        return Vec::new();
    };
    soname[lib.len() + 3..]
        .split('.')
        .filter(|s| !s.is_empty())
        .map_while(|s| s.parse().ok())
        .collect()
}

fn major(soname: &str) -> Option<u64> {
    version_numbers(soname).first().copied()
}

fn compare_versions(a: &str, b: &str) -> Ordering {
    version_numbers(a).cmp(&version_numbers(b)).then(a.cmp(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(p: &str, s: &str, d: &str, lineage: &str, year: u16) -> Row {
        Row {
            package: p.into(),
            version: "1.0".into(),
            soname: s.into(),
            distro: d.into(),
            lineage: lineage.into(),
            released: year,
            source: "x".into(),
        }
    }

    impl Evidence {
        fn judge1(&self, p: &str, s: &str) -> Verdict {
            self.judge(p, "1.2", s)
        }
    }

    #[test]
    fn other_major_versions_are_no_evidence() {
        let e = Evidence::new(vec![row(
            "openssl-libs",
            "libssl.so.10",
            "centos-7",
            FEDORA_FAMILY,
            2014,
        )]);
        assert_eq!(
            e.judge("openssl-libs", "3.5.4", "libssl.so.3"),
            Verdict::Unknown
        );
        assert!(matches!(
            e.judge("openssl-libs", "1.1", "libssl.so.11"),
            Verdict::Older(_)
        ));
    }

    #[test]
    fn provides_to_sonames() {
        assert_eq!(provide_soname("libbz2.so.1()(64bit)"), Some("libbz2.so.1"));
        assert_eq!(
            provide_soname("liblua-5.1.so()(64bit)"),
            Some("liblua-5.1.so")
        );
        assert_eq!(provide_soname("libz.so.1(ZLIB_1.2.0)(64bit)"), None);
        assert_eq!(provide_soname("libbz2.so.1"), None);
        assert_eq!(provide_soname("bzip2-libs(x86-64)"), None);
        assert_eq!(provide_soname("bz2.so()(64bit)"), None);
    }

    #[test]
    fn fedora_family_newest_wins_and_versions_never_go_back() {
        let e = Evidence::new(vec![
            row("bzip2-libs", "libbz2.so.1", "centos-7", FEDORA_FAMILY, 2014),
            row(
                "bzip2-libs",
                "libbz2.so.1.0",
                "cbl-mariner-2.0",
                "mariner",
                2022,
            ),
            row(
                "cyrus-sasl-lib",
                "libsasl2.so.2",
                "centos-6",
                FEDORA_FAMILY,
                2011,
            ),
            row(
                "cyrus-sasl-lib",
                "libsasl2.so.3",
                "centos-7",
                FEDORA_FAMILY,
                2014,
            ),
            row(
                "ncurses-libs",
                "libncurses.so.5",
                "centos-7",
                FEDORA_FAMILY,
                2014,
            ),
            row("curl", "", "centos-7", FEDORA_FAMILY, 2014),
        ]);
        // Fedora-derived evidence outranks the newer Mariner build (which keeps Debian's name).
        assert!(matches!(e.judge1("bzip2-libs", "libbz2.so.1.0"),
            Verdict::Replaced(r) if r.soname == "libbz2.so.1" && r.distro == "centos-7"));
        assert!(matches!(
            e.judge1("bzip2-libs", "libbz2.so.1"),
            Verdict::Confirmed(_)
        ));
        // The newest Fedora-family build decides: CentOS 7 has .so.3, CentOS 6 had .so.2.
        assert!(matches!(e.judge1("cyrus-sasl-lib", "libsasl2.so.2"),
            Verdict::Replaced(r) if r.soname == "libsasl2.so.3"));
        // An older ABI in an older distribution does not overrule a newer soname.
        assert!(matches!(
            e.judge1("ncurses-libs", "libncurses.so.6"),
            Verdict::Older(_)
        ));
        assert_eq!(
            e.judge1("curl", "libcurl-gnutls.so.4"),
            Verdict::Absent {
                distros: vec!["centos-7".into()]
            }
        );
        assert_eq!(e.judge1("nothing", "libx.so.1"), Verdict::Unknown);
    }

    #[test]
    fn parse_checks_rows() {
        let ok = format!(
            "{}\nbzip2-libs\t1.0.6\tlibbz2.so.1\tcentos-7\tfedora-family\t2014\tf\n",
            COLUMNS.join("\t")
        );
        assert_eq!(parse("t", &ok).unwrap().len(), 1);
        assert!(parse("t", "a\tb\n").is_err());
        let bad = format!(
            "{}\nx\t1\tnot-a-soname\tc\tl\t2014\tf\n",
            COLUMNS.join("\t")
        );
        assert!(parse("t", &bad).is_err());
        let year = format!("{}\nx\t1\t\tc\tl\tsoon\tf\n", COLUMNS.join("\t"));
        assert!(parse("t", &year).is_err());
    }

    #[test]
    fn builtin_evidence_parses() {
        let e = Evidence::builtin().unwrap();
        assert!(!e.by_package.is_empty());
    }
}
