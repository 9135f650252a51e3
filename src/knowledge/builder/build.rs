//! Generating a pack from knowledge sources (`azl-compat knowledge build --sources DIR --out DIR`).
//!
//! Reads the derived facts in `<sources>/azurelinux-4.0/` and `<sources>/platform/` (their
//! READMEs explain every column) and writes the compact, sorted, deterministic tables described
//! in docs/knowledge.md. The same sources always give byte-identical output: nothing depends on
//! the clock, the machine or hash-map order.

use super::manifest::TargetManifest;
use super::sha256::sha256_hex;
use crate::knowledge::format::{self, Manifest};
use crate::knowledge::names::{is_glob, library_name, normalize_path};
use crate::knowledge::{Channel, Confidence};
use anyhow::{Context, Result, anyhow, bail};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;
use std::path::Path;

const GENERATOR: &str = "azl-compat knowledge build";

/// Version nodes glibc defines that the abilists leave out (platform/glibc-changes.md, "How to
/// use the data files"): GLIBC_PRIVATE in every glibc library, and the GLIBC_ABI_DT_RELR marker
/// in libc.so.6 (elf/Versions, `libc { GLIBC_ABI_DT_RELR }`, since 2.36) that binaries linked
/// with `-z pack-relative-relocs` require.
const GLIBC_PRIVATE_NODE: &str = "GLIBC_PRIVATE";
const GLIBC_LIBC_EXTRA_NODES: &[&str] = &["GLIBC_ABI_DT_RELR"];
const GLIBC_LIBC: &str = "libc.so.6";

// Methods and confidences given to facts the sources state without a method column.
/// A path or soname spelled out in a spec's `%files` (provides.tsv kinds bin, libexec, soname,
/// soname_unversioned).
const M_SPEC_FILES: &str = "spec-files";
/// An explicit `Provides:` of an absolute path (e.g. bash `Provides: /bin/sh`).
const M_SPEC_PROVIDES: &str = "spec-provides";
/// A `%files` glob (provides.tsv kinds soname_glob, bin_glob, libexec_glob).
const M_FILES_GLOB: &str = "files-glob";
/// A fact of the platform ABI (the dynamic loader's path and soname).
const M_ABI: &str = "abi";
/// A Debian-derived soname replaced by the soname an rpm package of the same name provides
/// (knowledge/rpm-family, src/knowledge/rpm_family.rs).
const M_RPM_FAMILY: &str = "rpm-family";
/// The marker of sonames-resolved.tsv rows whose package was matched by name only.
const HEURISTIC_MARK: &str = "package by name heuristic";

/// When two rows state the same fact (same key, package and glob flag), the stronger is kept:
/// higher confidence, then the first method in this list, then the method name.
const METHOD_PRIORITY: &[&str] = &[
    M_ABI,
    M_SPEC_FILES,
    M_SPEC_PROVIDES,
    M_RPM_FAMILY,
    "spec",
    "upstream-rule",
    "upstream-convention",
    "debian-same-version",
    "debian-near-version+version-rule",
    "debian-near-version",
    M_FILES_GLOB,
];

/// What a build produced and dropped.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BuildSummary {
    pub packages: usize,
    /// Package rows whose name holds an unexpanded macro (`%{source_name}-fonts-all`).
    pub packages_dropped_macro: usize,
    pub sonames: usize,
    pub soname_globs: usize,
    /// provides.tsv `soname` rows replaced by a sonames-resolved.tsv row for the same package
    /// and library (provides keeps only the first number after `.so.`).
    pub sonames_superseded: usize,
    /// provides.tsv `soname_glob` rows replaced by resolved sonames of the same package and library.
    pub soname_globs_superseded: usize,
    pub paths: usize,
    pub path_globs: usize,
    /// Path globs queries ignore (`/usr/bin/*`: no literal part beyond a shared directory).
    pub path_globs_too_broad: usize,
    /// The rpm-family cross-check of Debian-derived resolved rows: confirmed (the same
    /// soname), replaced (another soname wins), older (an earlier soname only: kept), absent
    /// (a non-heuristic row whose library the rpm package lacks: kept), heuristic rows dropped
    /// (the rpm package is known and lacks the library), heuristic rows without rpm evidence.
    pub rpm_family: BTreeMap<&'static str, usize>,
    /// Provides/supplement rows dropped for an unexpanded macro (mostly mingw tool paths).
    pub rows_dropped_macro: usize,
    /// files-supplement.tsv unit rows (not paths; not part of this pack yet).
    pub unit_rows_skipped: usize,
    pub version_node_lists: usize,
    pub version_nodes: usize,
    pub capabilities: usize,
    /// debian-map.tsv rows, and how many of them name Azure Linux packages.
    pub debian_map_rows: usize,
    pub debian_map_mapped: usize,
    /// overlays.tsv rows (customized components).
    pub overlays: usize,
    /// Target profiles (images) and their profiles.tsv rows.
    pub profiles: usize,
    pub profile_rows: usize,
    /// Image entries no package answers (`vm-base: shim[aarch64]`).
    pub profile_entries_unresolved: Vec<String>,
}

impl fmt::Display for BuildSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "packages: {} ({} dropped: unexpanded macro in the name)",
            self.packages, self.packages_dropped_macro
        )?;
        writeln!(
            f,
            "sonames: {} concrete, {} globs ({} provides sonames and {} globs superseded by resolved sonames)",
            self.sonames, self.soname_globs, self.sonames_superseded, self.soname_globs_superseded
        )?;
        let rf: Vec<String> = self
            .rpm_family
            .iter()
            .map(|(k, v)| format!("{v} {k}"))
            .collect();
        writeln!(
            f,
            "rpm-family cross-check of Debian-derived sonames: {}",
            rf.join(", ")
        )?;
        writeln!(
            f,
            "paths: {} concrete, {} globs ({} too broad to match)",
            self.paths, self.path_globs, self.path_globs_too_broad
        )?;
        writeln!(
            f,
            "version nodes: {} in {} lists",
            self.version_nodes, self.version_node_lists
        )?;
        writeln!(f, "capabilities: {}", self.capabilities)?;
        writeln!(
            f,
            "debian map: {} Debian/Ubuntu packages ({} mapped); overlays: {} components",
            self.debian_map_rows, self.debian_map_mapped, self.overlays
        )?;
        writeln!(
            f,
            "profiles: {} ({} rows; unresolved image entries: {})",
            self.profiles,
            self.profile_rows,
            if self.profile_entries_unresolved.is_empty() {
                "none".to_string()
            } else {
                self.profile_entries_unresolved.join(", ")
            }
        )?;
        write!(
            f,
            "dropped: {} rows with an unexpanded macro, {} unit rows",
            self.rows_dropped_macro, self.unit_rows_skipped
        )
    }
}

/// Read the target manifest at `manifest` (knowledge/targets/<id>/manifest.toml) and the sources
/// in `sources`, and write a pack to `out` (created if needed; the pack's files are overwritten,
/// other files are left alone).
pub fn build(manifest: &Path, sources: &Path, out: &Path) -> Result<BuildSummary> {
    let target = TargetManifest::read(manifest)?;
    let mut b = Builder::new(sources, target);
    let sha = sha256_hex(b.target.text.as_bytes());
    b.read
        .insert(format!("target/{}", super::manifest::FILE), sha);
    b.run()?;
    b.write(out)?;
    Ok(b.summary)
}

/// One source file, read and checksummed.
struct Source {
    rel: String,
    text: String,
}

impl Source {
    /// Call `f(line, fields)` for every row, with `fields` holding the `columns` asked for, in
    /// that order (columns are found by header name, so reordered sources still work).
    fn rows<'a>(
        &'a self,
        columns: &[&str],
        mut f: impl FnMut(usize, &[&'a str]) -> Result<()>,
    ) -> Result<()> {
        let mut lines = self.text.lines();
        let header: Vec<&str> = lines
            .next()
            .ok_or_else(|| anyhow!("{}: empty file", self.rel))?
            .split('\t')
            .collect();
        let idx: Vec<usize> = columns
            .iter()
            .map(|c| {
                header
                    .iter()
                    .position(|h| h == c)
                    .ok_or_else(|| anyhow!("{}: no column `{c}` in the header", self.rel))
            })
            .collect::<Result<_>>()?;
        let mut picked: Vec<&'a str> = Vec::with_capacity(columns.len());
        for (i, line) in lines.enumerate() {
            let lineno = i + 2;
            if line.is_empty() {
                continue;
            }
            let fields: Vec<&str> = line.split('\t').collect();
            if fields.len() != header.len() {
                bail!(
                    "{}:{lineno}: {} fields, the header has {}",
                    self.rel,
                    fields.len(),
                    header.len()
                );
            }
            picked.clear();
            picked.extend(idx.iter().map(|&j| fields[j].trim()));
            f(lineno, &picked).with_context(|| format!("{}:{lineno}", self.rel))?;
        }
        Ok(())
    }
}

/// A provider row before de-duplication.
#[derive(Clone, Debug)]
struct Fact {
    kind: String,
    method: String,
    confidence: Confidence,
}

fn method_rank(m: &str) -> usize {
    METHOD_PRIORITY
        .iter()
        .position(|x| *x == m)
        .unwrap_or(METHOD_PRIORITY.len())
}

fn stronger(a: &Fact, b: &Fact) -> bool {
    (a.confidence, std::cmp::Reverse(method_rank(&a.method)))
        > (b.confidence, std::cmp::Reverse(method_rank(&b.method)))
        || (a.confidence == b.confidence
            && method_rank(&a.method) == method_rank(&b.method)
            && a.method < b.method)
}

/// (key, package, glob) -> strongest fact.
type FactMap = BTreeMap<(String, String, bool), Fact>;

fn add_fact(map: &mut FactMap, key: String, package: &str, glob: bool, fact: Fact) {
    match map.entry((key, package.to_string(), glob)) {
        std::collections::btree_map::Entry::Vacant(v) => {
            v.insert(fact);
        }
        std::collections::btree_map::Entry::Occupied(mut o) => {
            if stronger(&fact, o.get()) {
                o.insert(fact);
            }
        }
    }
}

fn parse_confidence(s: &str) -> Result<Confidence> {
    Confidence::parse(s).ok_or_else(|| anyhow!("unknown confidence `{s}`"))
}

fn parse_channel(s: &str) -> Result<Channel> {
    Channel::parse(s).ok_or_else(|| anyhow!("unknown channel `{s}`"))
}

fn has_macro(s: &str) -> bool {
    s.contains("%{")
}

fn nonempty<'a>(what: &str, s: &'a str) -> Result<&'a str> {
    if s.is_empty() {
        bail!("empty {what}");
    }
    Ok(s)
}

/// What the rpm-family cross-check does with one Debian-derived resolved row.
enum CrossCheck {
    /// Keep the row as it is; the tally key says why.
    Keep(&'static str),
    /// Keep a heuristic row the rpm evidence confirms, at medium confidence at least.
    Raise,
    /// Replace the soname with the rpm-family one.
    Replace(crate::knowledge::rpm_family::Row),
    /// Drop a heuristic row, for the reason given.
    Drop(String),
}

/// The library a heuristic row's soname is a build flavour of: its library name is another
/// library name the same component ships on better evidence, plus `-letters`
/// (`libcurl-gnutls` of `libcurl`: Debian builds curl once per TLS library, Azure Linux once).
/// `_suffix` names are distinct upstream libraries (`libarrow_compute`), never flavours.
fn flavour_of<'a>(
    soname: &str,
    component: &str,
    strong: &HashSet<(&str, &'a str)>,
) -> Option<&'a str> {
    let lib = library_name(soname)?;
    strong
        .iter()
        .filter(|(c, base)| {
            *c == component
                && lib.len() > base.len() + 1
                && lib.starts_with(base)
                && lib.as_bytes()[base.len()] == b'-'
                && lib[base.len() + 1..]
                    .bytes()
                    .all(|b| b.is_ascii_alphabetic())
        })
        .map(|(_, base)| *base)
        .min()
}

/// The rpm-family cross-check of one Debian-derived row (docs/knowledge.md).
fn rpm_family_decision(
    evidence: &crate::knowledge::rpm_family::Evidence,
    package: &str,
    version: &str,
    soname: &str,
    heuristic: bool,
) -> CrossCheck {
    use crate::knowledge::rpm_family::Verdict;
    match evidence.judge(package, version, soname) {
        Verdict::Confirmed(_) if heuristic => CrossCheck::Raise,
        Verdict::Confirmed(_) => CrossCheck::Keep("confirmed"),
        Verdict::Replaced(row) => CrossCheck::Replace(row),
        Verdict::Older(_) => CrossCheck::Keep("older"),
        Verdict::Absent { distros } if heuristic => CrossCheck::Drop(format!(
            "{package} {} of {} provides no {} library",
            version_major_text(version),
            distros.join(", "),
            library_name(soname).unwrap_or(soname)
        )),
        Verdict::Absent { .. } => CrossCheck::Keep("absent_kept"),
        Verdict::Unknown if heuristic => CrossCheck::Keep("heuristic_unverified"),
        Verdict::Unknown => CrossCheck::Keep("unknown"),
    }
}

/// `2.x` for `2.45.1`: the version range whose evidence counted.
fn version_major_text(v: &str) -> String {
    match v.split('.').next() {
        Some(m) if !m.is_empty() => format!("{m}.x"),
        _ => "(any version)".into(),
    }
}

/// `libstdc++.so.6` for the file name `libstdc++.so.6.0.34`: a library's soname is its name up
/// to the first number after `.so.` (true for libstdc++ and libgcc_s, the only users).
fn soname_of_file(file: &str) -> String {
    if let Some(i) = file.find(".so.") {
        let rest = &file[i + 4..];
        let major: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
        if !major.is_empty() {
            return format!("{}.so.{major}", &file[..i]);
        }
    }
    file.to_string()
}

struct Builder<'s> {
    sources: &'s Path,
    /// The target manifest: what the pack is of, and where its sources are.
    target: TargetManifest,
    read: BTreeMap<String, String>,
    summary: BuildSummary,
    manifest: Manifest,
    packages: Vec<[String; 7]>,
    package_names: HashSet<String>,
    sonames: FactMap,
    paths: FactMap,
    /// (soname, arch, node) -> (status, source)
    nodes: BTreeMap<(String, String, String), (String, String)>,
    capabilities: BTreeSet<[String; 5]>,
    /// debian-map.tsv and overlays.tsv rows in pack column order, sorted.
    debian_map: Vec<Vec<String>>,
    overlays: Vec<Vec<String>>,
    /// The unit tables (src/knowledge/units.rs).
    units: UnitRows,
    /// profiles.tsv rows, sorted.
    profiles: Vec<Vec<String>>,
    /// Debian sonames the rpm-family cross-check replaced or dropped: their Debian version
    /// nodes describe a library the target does not have.
    cross_checked_out: BTreeSet<String>,
}

impl<'s> Builder<'s> {
    fn new(sources: &'s Path, target: TargetManifest) -> Self {
        Builder {
            sources,
            target,
            read: BTreeMap::new(),
            summary: BuildSummary::default(),
            manifest: Manifest::default(),
            packages: Vec::new(),
            package_names: HashSet::new(),
            sonames: FactMap::new(),
            paths: FactMap::new(),
            nodes: BTreeMap::new(),
            capabilities: BTreeSet::new(),
            debian_map: Vec::new(),
            overlays: Vec::new(),
            units: UnitRows::default(),
            profiles: Vec::new(),
            cross_checked_out: BTreeSet::new(),
        }
    }

    fn source(&mut self, dir: &str, file: &str) -> Result<Source> {
        let rel = format!("{dir}/{file}");
        let path = self.sources.join(dir).join(file);
        let bytes = std::fs::read(&path)
            .with_context(|| format!("cannot read knowledge source {}", path.display()))?;
        self.read.insert(rel.clone(), sha256_hex(&bytes));
        let text = String::from_utf8(bytes).map_err(|_| anyhow!("{rel}: not UTF-8"))?;
        Ok(Source { rel, text })
    }

    /// A file of the target's distro facts (`<sources>/azurelinux-4.0/`).
    fn distro(&mut self, file: &str) -> Result<Source> {
        let dir = self.target.sources.distro_dir.clone();
        self.source(&dir, file)
    }

    /// A table of the target's own, beside its manifest (knowledge/targets/<id>/).
    fn own(&mut self, file: &str) -> Result<Source> {
        let rel = format!("target/{file}");
        let path = self.target.dir.join(file);
        let bytes = std::fs::read(&path)
            .with_context(|| format!("cannot read target table {}", path.display()))?;
        self.read.insert(rel.clone(), sha256_hex(&bytes));
        let text = String::from_utf8(bytes).map_err(|_| anyhow!("{rel}: not UTF-8"))?;
        Ok(Source { rel, text })
    }

    /// A file of the platform facts (`<sources>/platform/`).
    fn platform(&mut self, file: &str) -> Result<Source> {
        let dir = self.target.sources.platform_dir.clone();
        self.source(&dir, file)
    }

    fn run(&mut self) -> Result<()> {
        self.provenance()?;
        self.packages()?;
        self.sonames_and_paths()?;
        self.loaders();
        self.version_nodes()?;
        self.debian_map_and_overlays()?;
        self.unit_tables()?;
        self.profiles()?;
        self.finish_manifest();
        Ok(())
    }

    /// Provenance from the Provenance table of azurelinux-4.0/README.md.
    fn provenance(&mut self) -> Result<()> {
        let readme = self.distro("README.md")?;
        let cell = |item: &str| -> Result<String> {
            let prefix = format!("| {item} |");
            let line = readme
                .text
                .lines()
                .find(|l| l.starts_with(&prefix))
                .ok_or_else(|| {
                    anyhow!("{}: no `{item}` row in the Provenance table", readme.rel)
                })?;
            Ok(line[prefix.len()..]
                .trim()
                .trim_end_matches('|')
                .trim()
                .replace('`', ""))
        };
        let repo = cell("upstream repo")?;
        let branch = cell("branch")?;
        let commit_cell = cell("commit")?;
        let commit = commit_cell
            .split_whitespace()
            .next()
            .filter(|c| c.len() == 40 && c.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(|| anyhow!("{}: no commit hash in `{commit_cell}`", readme.rel))?
            .to_string();
        let commit_date = commit_cell
            .split_once("(committed ")
            .and_then(|(_, r)| r.split_once(')'))
            .map(|(d, _)| d.trim().to_string())
            .ok_or_else(|| anyhow!("{}: no commit date in `{commit_cell}`", readme.rel))?;
        let fedora = cell("upstream Fedora base")?;
        let fedora = fedora
            .split_once(" (")
            .map_or(fedora.as_str(), |(a, _)| a)
            .to_string();
        let extraction = cell("extraction date")?;
        let p = &mut self.manifest.provenance;
        p.insert("upstream_repo".into(), repo);
        p.insert("upstream_branch".into(), branch);
        p.insert("upstream_commit".into(), commit);
        p.insert("upstream_commit_date".into(), commit_date);
        p.insert("fedora_base".into(), fedora);
        p.insert("extraction_date".into(), extraction);
        p.insert("generator".into(), GENERATOR.into());
        Ok(())
    }

    fn packages(&mut self) -> Result<()> {
        let src = self.distro("packages.tsv")?;
        let cols = [
            "package",
            "epoch",
            "version",
            "release",
            "arch",
            "channel",
            "component",
        ];
        let mut rows = Vec::new();
        let mut dropped = 0;
        src.rows(&cols, |_, f| {
            let name = nonempty("package name", f[0])?;
            if has_macro(name) {
                dropped += 1;
                return Ok(());
            }
            let epoch: u32 = if f[1].is_empty() {
                0
            } else {
                f[1].parse().map_err(|_| anyhow!("bad epoch `{}`", f[1]))?
            };
            parse_channel(f[5])?;
            rows.push([
                name.to_string(),
                epoch.to_string(),
                f[2].to_string(),
                f[3].to_string(),
                nonempty("arch", f[4])?.to_string(),
                f[5].to_string(),
                nonempty("component", f[6])?.to_string(),
            ]);
            Ok(())
        })?;
        rows.sort();
        rows.dedup();
        self.package_names = rows.iter().map(|r| r[0].clone()).collect();
        self.summary.packages = rows.len();
        self.summary.packages_dropped_macro = dropped;
        self.packages = rows;
        Ok(())
    }

    fn known(&self, package: &str) -> Result<()> {
        if self.package_names.contains(package) {
            Ok(())
        } else {
            bail!("package `{package}` is not in packages.tsv")
        }
    }

    fn sonames_and_paths(&mut self) -> Result<()> {
        // sonames-resolved.tsv first: real DT_SONAMEs, with method and confidence.
        let resolved = self.distro("sonames-resolved.tsv")?;
        // (package, library name) -> resolved sonames
        let mut resolved_libs: HashMap<(String, String), BTreeSet<String>> = HashMap::new();
        let mut facts = Vec::new();
        let evidence = crate::knowledge::rpm_family::Evidence::builtin()?;
        for (rel, text) in [
            (
                crate::knowledge::rpm_family::PROVIDES_REL,
                crate::knowledge::rpm_family::PROVIDES_TSV,
            ),
            (
                crate::knowledge::rpm_family::UPSTREAM_REL,
                crate::knowledge::rpm_family::UPSTREAM_TSV,
            ),
        ] {
            self.read
                .insert(rel.to_string(), sha256_hex(text.as_bytes()));
        }
        let mut tally: BTreeMap<&'static str, usize> = BTreeMap::new();
        let mut decisions: BTreeMap<String, String> = BTreeMap::new();
        // (soname, package) put in by the cross-check.
        let mut replacements: Vec<(String, String)> = Vec::new();
        let versions: HashMap<&str, &str> = self
            .packages
            .iter()
            .map(|r| (r[0].as_str(), r[2].as_str()))
            .collect();
        // (package, soname, method, confidence, evidence, component), read first: the flavour
        // rule below looks at every row of a component.
        let mut raw: Vec<[String; 6]> = Vec::new();
        resolved.rows(
            &[
                "package",
                "soname",
                "method",
                "confidence",
                "evidence",
                "component",
            ],
            |_, f| {
                let package = nonempty("package", f[0])?;
                nonempty("soname", f[1])?;
                nonempty("method", f[2])?;
                self.known(package)?;
                raw.push(std::array::from_fn(|i| f[i].to_string()));
                Ok(())
            },
        )?;
        // Libraries a component ships on evidence better than the name heuristic.
        let strong_libs: HashSet<(&str, &str)> = raw
            .iter()
            .filter(|r| !r[4].contains(HEURISTIC_MARK))
            .filter_map(|r| Some((r[5].as_str(), library_name(&r[1])?)))
            .collect();
        for [
            package,
            soname,
            method,
            confidence,
            evidence_text,
            component,
        ] in &raw
        {
            let mut soname = soname.clone();
            let mut fact = Fact {
                kind: String::new(),
                method: method.clone(),
                confidence: parse_confidence(confidence)
                    .with_context(|| format!("{}: {package} {soname}", resolved.rel))?,
            };
            if fact.method.starts_with("debian") {
                let heuristic = evidence_text.contains(HEURISTIC_MARK);
                let key = format!("{soname} {package}");
                let version = versions.get(package.as_str()).copied().unwrap_or("");
                let flavour = heuristic
                    .then(|| flavour_of(&soname, component, &strong_libs))
                    .flatten();
                let decision = match flavour {
                    Some(base) => CrossCheck::Drop(format!(
                        "a build flavour of {base}, which {component} ships once under its own name"
                    )),
                    None => rpm_family_decision(&evidence, package, version, &soname, heuristic),
                };
                match decision {
                    CrossCheck::Keep(what) => *tally.entry(what).or_default() += 1,
                    CrossCheck::Raise => {
                        *tally.entry("heuristic_confirmed").or_default() += 1;
                        fact.confidence = fact.confidence.max(Confidence::Medium);
                    }
                    CrossCheck::Replace(row) => {
                        *tally.entry("replaced").or_default() += 1;
                        decisions.insert(
                            key,
                            format!(
                                "replaced by {} ({package} {} of {} provides it: {})",
                                row.soname, row.version, row.distro, row.source
                            ),
                        );
                        self.cross_checked_out.insert(soname.clone());
                        soname = row.soname;
                        replacements.push((soname.clone(), package.clone()));
                        fact.method = M_RPM_FAMILY.to_string();
                        fact.confidence = Confidence::Medium;
                    }
                    CrossCheck::Drop(why) => {
                        *tally.entry("heuristic_dropped").or_default() += 1;
                        self.cross_checked_out.insert(soname.clone());
                        decisions.insert(
                            key,
                            format!("dropped: matched by package name only, and {why}"),
                        );
                        continue;
                    }
                }
            }
            if let Some(lib) = library_name(&soname) {
                resolved_libs
                    .entry((package.to_string(), lib.to_string()))
                    .or_default()
                    .insert(soname.clone());
            }
            let glob = is_glob(&soname);
            facts.push((soname, package.to_string(), glob, fact));
        }
        for (soname, package, glob, fact) in facts {
            add_fact(&mut self.sonames, soname, &package, glob, fact);
        }
        let still: HashSet<&str> = self.sonames.keys().map(|(s, _, _)| s.as_str()).collect();
        self.cross_checked_out
            .retain(|s| !still.contains(s.as_str()));
        self.summary.rpm_family = tally;
        self.manifest.soname_cross_check = decisions;

        // provides.tsv: sonames, soname globs, paths, capabilities.
        let provides = self.distro("provides.tsv")?;
        let mut sonames = Vec::new();
        let mut paths = Vec::new();
        let mut caps = Vec::new();
        let (mut superseded, mut globs_superseded, mut dropped) = (0, 0, 0);
        provides.rows(
            &["package", "capability", "kind", "op", "version"],
            |_, f| {
                let (package, cap, kind) = (
                    nonempty("package", f[0])?,
                    nonempty("capability", f[1])?,
                    f[2],
                );
                self.known(package)?;
                if has_macro(cap) || has_macro(f[4]) {
                    dropped += 1;
                    return Ok(());
                }
                let fact = |method: &str, confidence| Fact {
                    kind: String::new(),
                    method: method.to_string(),
                    confidence,
                };
                let path_fact = |kind: &str, method: &str, confidence| Fact {
                    kind: kind.to_string(),
                    method: method.to_string(),
                    confidence,
                };
                match kind {
                    "soname" | "soname_unversioned" => {
                        let soname = cap.strip_suffix("()(64bit)").unwrap_or(cap);
                        if kind == "soname" {
                            // provides keeps only the first number after `.so.`: a resolved soname
                            // of the same package and library is the real one.
                            if let Some(lib) = library_name(soname) {
                                let key = (package.to_string(), lib.to_string());
                                if resolved_libs.get(&key).is_some_and(|s| !s.contains(soname)) {
                                    superseded += 1;
                                    return Ok(());
                                }
                            }
                        }
                        // The truncated major of a `soname` row makes it an inference (medium); an
                        // unversioned `.so` in a runtime package is the file name itself (high).
                        let conf = if kind == "soname" {
                            Confidence::Medium
                        } else {
                            Confidence::High
                        };
                        sonames.push((
                            soname.to_string(),
                            package.to_string(),
                            false,
                            fact(M_SPEC_FILES, conf),
                        ));
                    }
                    "soname_glob" => {
                        if let Some(lib) = library_name(cap)
                            && resolved_libs.contains_key(&(package.to_string(), lib.to_string()))
                        {
                            globs_superseded += 1;
                            return Ok(());
                        }
                        sonames.push((
                            cap.to_string(),
                            package.to_string(),
                            true,
                            fact(M_FILES_GLOB, Confidence::Low),
                        ));
                    }
                    "bin" | "libexec" => paths.push((
                        normalize_path(cap),
                        package.to_string(),
                        false,
                        path_fact(kind, M_SPEC_FILES, Confidence::High),
                    )),
                    "bin_glob" | "libexec_glob" => paths.push((
                        normalize_path(cap),
                        package.to_string(),
                        true,
                        path_fact(
                            kind.trim_end_matches("_glob"),
                            M_FILES_GLOB,
                            Confidence::Low,
                        ),
                    )),
                    "explicit" | "obsoletes" | "python_module" | "python_dist" => {
                        if kind == "explicit" && cap.starts_with('/') {
                            paths.push((
                                normalize_path(cap),
                                package.to_string(),
                                is_glob(cap),
                                path_fact("provides", M_SPEC_PROVIDES, Confidence::High),
                            ));
                        }
                        caps.push([
                            cap.to_string(),
                            kind.to_string(),
                            package.to_string(),
                            f[3].to_string(),
                            f[4].to_string(),
                        ]);
                    }
                    other => bail!("unknown provides kind `{other}`"),
                }
                Ok(())
            },
        )?;

        // files-supplement.tsv: executables behind generated file lists.
        let supplement = self.distro("files-supplement.tsv")?;
        let mut units = 0;
        supplement.rows(
            &["package", "path", "kind", "method", "confidence"],
            |_, f| {
                let (package, path, kind) =
                    (nonempty("package", f[0])?, nonempty("path", f[1])?, f[2]);
                self.known(package)?;
                match kind {
                    "unit" | "user-unit" => {
                        units += 1;
                        return Ok(());
                    }
                    "bin" | "libexec" | "generator" => {}
                    other => bail!("unknown files-supplement kind `{other}`"),
                }
                if has_macro(path) {
                    dropped += 1;
                    return Ok(());
                }
                if !path.starts_with('/') {
                    bail!("path `{path}` is not absolute");
                }
                paths.push((
                    normalize_path(path),
                    package.to_string(),
                    is_glob(path),
                    Fact {
                        kind: kind.to_string(),
                        method: nonempty("method", f[3])?.to_string(),
                        confidence: parse_confidence(f[4])?,
                    },
                ));
                Ok(())
            },
        )?;

        for (k, p, g, fact) in sonames {
            add_fact(&mut self.sonames, k, &p, g, fact);
        }
        // A replacement the spec's `%files` also names (first number only there): two sources
        // agree on a real soname, so the row is the rpm-family one, high.
        for (soname, package) in replacements {
            if let Some(f) = self.sonames.get_mut(&(soname, package, false))
                && f.method == M_SPEC_FILES
            {
                f.method = M_RPM_FAMILY.to_string();
                f.confidence = Confidence::High;
                *self
                    .summary
                    .rpm_family
                    .entry("replaced_spec_agrees")
                    .or_default() += 1;
            }
        }
        for (k, p, g, fact) in paths {
            add_fact(&mut self.paths, k, &p, g, fact);
        }
        self.capabilities.extend(caps);
        self.summary.sonames_superseded = superseded;
        self.summary.soname_globs_superseded = globs_superseded;
        self.summary.rows_dropped_macro = dropped;
        self.summary.unit_rows_skipped = units;
        Ok(())
    }

    /// The dynamic loaders: PT_INTERP paths and their sonames, shipped by the manifest's loader
    /// package.
    fn loaders(&mut self) {
        let package = self.target.packages.loader.clone();
        for a in self.target.arch.values() {
            let (interp, soname) = (&a.loader, &a.loader_soname);
            let fact = |kind: &str| Fact {
                kind: kind.to_string(),
                method: M_ABI.to_string(),
                confidence: Confidence::High,
            };
            add_fact(
                &mut self.paths,
                normalize_path(interp),
                &package,
                false,
                fact("loader"),
            );
            add_fact(
                &mut self.sonames,
                soname.to_string(),
                &package,
                false,
                fact(""),
            );
        }
    }

    fn add_node(&mut self, soname: &str, arch: &str, node: &str, status: &str, source: &str) {
        self.nodes
            .entry((soname.to_string(), arch.to_string(), node.to_string()))
            .or_insert_with(|| (status.to_string(), source.to_string()));
    }

    fn version_nodes(&mut self) -> Result<()> {
        // glibc, per arch and soname, plus the nodes the abilists leave out.
        let glibc = self.platform(&self.target.sources.glibc_version_nodes.clone())?;
        let mut rows = Vec::new();
        glibc.rows(&["arch", "soname", "version_node"], |_, f| {
            rows.push((
                nonempty("arch", f[0])?.to_string(),
                nonempty("soname", f[1])?.to_string(),
                nonempty("version_node", f[2])?.to_string(),
            ));
            Ok(())
        })?;
        let src_glibc = self.target.node_source("glibc").to_string();
        let src_glibc_extra = self.target.node_source("glibc_extra").to_string();
        let mut libs = BTreeSet::new();
        for (arch, soname, node) in &rows {
            if !self.target.packages.arches.contains(arch) {
                bail!("{}: unknown arch `{arch}`", glibc.rel);
            }
            self.add_node(soname, arch, node, "exact", &src_glibc);
            libs.insert((arch.clone(), soname.clone()));
        }
        for (arch, soname) in &libs {
            self.add_node(soname, arch, GLIBC_PRIVATE_NODE, "exact", &src_glibc_extra);
            if soname == GLIBC_LIBC {
                for node in GLIBC_LIBC_EXTRA_NODES {
                    self.add_node(soname, arch, node, "exact", &src_glibc_extra);
                }
            }
        }

        // libstdc++ and libgcc_s; the soname column holds the file name (libstdc++.so.6.0.34).
        let gcc = self.platform(&self.target.sources.gcc_version_nodes.clone())?;
        let src_libstdcxx = self.target.node_source("libstdcxx").to_string();
        let src_libgcc = self.target.node_source("libgcc").to_string();
        let mut rows = Vec::new();
        gcc.rows(
            &["library", "soname", "arch", "version_node", "evidence"],
            |_, f| {
                let soname = soname_of_file(nonempty("soname", f[1])?);
                let (source, status) = match f[0] {
                    "libstdc++" => (src_libstdcxx.as_str(), "exact"),
                    "libgcc_s" if f[4].contains("superset") => {
                        (src_libgcc.as_str(), "declared-superset")
                    }
                    "libgcc_s" => (src_libgcc.as_str(), "declared"),
                    other => bail!("unknown library `{other}`"),
                };
                rows.push((
                    soname,
                    nonempty("arch", f[2])?.to_string(),
                    nonempty("version_node", f[3])?.to_string(),
                    status,
                    source,
                ));
                Ok(())
            },
        )?;
        for (soname, arch, node, status, source) in rows {
            self.add_node(&soname, &arch, &node, status, source);
        }

        // OpenSSL: the same on every Linux arch.
        let openssl = self.platform(&self.target.sources.openssl_symbols.clone())?;
        let mut rows = BTreeSet::new();
        openssl.rows(&["soname", "version_node", "exists_on_linux"], |_, f| {
            if f[2] == "yes" {
                rows.insert((
                    nonempty("soname", f[0])?.to_string(),
                    nonempty("version_node", f[1])?.to_string(),
                ));
            }
            Ok(())
        })?;
        let src_openssl = self.target.node_source("openssl").to_string();
        for (soname, node) in rows {
            self.add_node(&soname, "*", &node, "exact", &src_openssl);
        }

        // Everything else the distro facts resolved (x86_64 Debian builds; arch `*`).
        let distro = self.distro("version-nodes.tsv")?;
        let mut rows = Vec::new();
        distro.rows(&["soname", "version_node", "node_status"], |_, f| {
            rows.push((
                nonempty("soname", f[0])?.to_string(),
                nonempty("version_node", f[1])?.to_string(),
                nonempty("node_status", f[2])?.to_string(),
            ));
            Ok(())
        })?;
        let src_distro = self.target.node_source("distro").to_string();
        for (soname, node, status) in rows {
            if self.cross_checked_out.contains(&soname) {
                *self
                    .summary
                    .rpm_family
                    .entry("version_nodes_dropped")
                    .or_default() += 1;
                continue;
            }
            self.add_node(&soname, "*", &node, &status, &src_distro);
        }

        let lists: BTreeSet<(&str, &str)> = self
            .nodes
            .keys()
            .map(|(s, a, _)| (s.as_str(), a.as_str()))
            .collect();
        self.summary.version_node_lists = lists.len();
        self.summary.version_nodes = self.nodes.len();
        Ok(())
    }

    fn finish_manifest(&mut self) {
        let s = &mut self.summary;
        s.sonames = self.sonames.keys().filter(|k| !k.2).count();
        s.soname_globs = self.sonames.len() - s.sonames;
        s.paths = self.paths.keys().filter(|k| !k.2).count();
        s.path_globs = self.paths.len() - s.paths;
        s.path_globs_too_broad = self
            .paths
            .keys()
            .filter(|k| k.2 && !crate::knowledge::names::path_glob_is_specific(&k.0))
            .count();
        s.capabilities = self.capabilities.len();

        let m = &mut self.manifest;
        m.format_version = format::FORMAT_VERSION;
        let t = &self.target;
        m.id = t.target.id.clone();
        m.name = t.target.name.clone();
        m.version = t.target.version.clone();
        m.arches = t.packages.arches.clone();
        m.target = t.facts();
        m.notes = t.notes.clone();
        m.command_path = t.commands.path.clone();
        for (rel, sha) in &self.read {
            m.provenance.insert(format!("sha256:{rel}"), sha.clone());
        }
        let counts: [(&str, usize); 26] = [
            ("packages", s.packages),
            (
                "packages_dropped_unexpanded_macro",
                s.packages_dropped_macro,
            ),
            ("soname_rows", self.sonames.len()),
            ("sonames_concrete", s.sonames),
            ("soname_globs", s.soname_globs),
            ("provides_sonames_superseded", s.sonames_superseded),
            (
                "rpm_family_confirmed",
                s.rpm_family.get("confirmed").copied().unwrap_or(0),
            ),
            (
                "rpm_family_replaced",
                s.rpm_family.get("replaced").copied().unwrap_or(0),
            ),
            (
                "rpm_family_older",
                s.rpm_family.get("older").copied().unwrap_or(0),
            ),
            (
                "rpm_family_absent_kept",
                s.rpm_family.get("absent_kept").copied().unwrap_or(0),
            ),
            (
                "rpm_family_heuristic_confirmed",
                s.rpm_family
                    .get("heuristic_confirmed")
                    .copied()
                    .unwrap_or(0),
            ),
            (
                "rpm_family_heuristic_dropped",
                s.rpm_family.get("heuristic_dropped").copied().unwrap_or(0),
            ),
            (
                "rpm_family_replaced_spec_agrees",
                s.rpm_family
                    .get("replaced_spec_agrees")
                    .copied()
                    .unwrap_or(0),
            ),
            (
                "rpm_family_version_nodes_dropped",
                s.rpm_family
                    .get("version_nodes_dropped")
                    .copied()
                    .unwrap_or(0),
            ),
            (
                "rpm_family_heuristic_unverified",
                s.rpm_family
                    .get("heuristic_unverified")
                    .copied()
                    .unwrap_or(0),
            ),
            ("soname_globs_superseded", s.soname_globs_superseded),
            ("path_rows", self.paths.len()),
            ("paths_concrete", s.paths),
            ("path_globs", s.path_globs),
            ("path_globs_too_broad", s.path_globs_too_broad),
            ("rows_dropped_unexpanded_macro", s.rows_dropped_macro),
            ("unit_rows_skipped", s.unit_rows_skipped),
            ("version_node_rows", s.version_nodes),
            ("version_node_lists", s.version_node_lists),
            ("capability_rows", s.capabilities),
            (
                "packages_base",
                self.packages.iter().filter(|r| r[5] == "base").count(),
            ),
        ];
        m.counts = counts
            .iter()
            .map(|(k, v)| (k.to_string(), *v as u64))
            .collect();
        m.counts
            .insert("debian_map_rows".into(), s.debian_map_rows as u64);
        m.counts
            .insert("debian_map_mapped".into(), s.debian_map_mapped as u64);
        m.counts.insert("overlay_rows".into(), s.overlays as u64);
        m.counts.extend(self.units.counts());
        m.counts
            .insert("profile_rows".into(), s.profile_rows as u64);
        m.counts.insert(
            "profile_entries_unresolved".into(),
            s.profile_entries_unresolved.len() as u64,
        );
        m.baseline_packages = t.packages.baseline.clone();
        m.default_search_dirs = t
            .arch
            .iter()
            .map(|(a, x)| (a.clone(), x.search_dirs.clone()))
            .collect();
        m.dynamic_loaders = t
            .arch
            .iter()
            .map(|(a, x)| (a.clone(), x.loader.clone()))
            .collect();
        m.version_node_sources = t
            .version_node_sources
            .values()
            .map(|s| (s.key.clone(), s.about.clone()))
            .collect();
        m.tables = format::TABLES
            .iter()
            .map(|(f, c)| (f.to_string(), c.iter().map(|x| x.to_string()).collect()))
            .collect();
    }

    fn write(&self, out: &Path) -> Result<()> {
        std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
        let put = |name: &str, text: String| -> Result<()> {
            let path = out.join(name);
            std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))
        };
        let mut json = serde_json::to_string_pretty(&self.manifest)?;
        json.push('\n');
        put(format::PACK_JSON, json)?;

        put(
            format::PACKAGES,
            tsv(
                format::PACKAGES_COLUMNS,
                self.packages.iter().map(|r| r.to_vec()),
            ),
        )?;
        let facts = |map: &FactMap, with_kind: bool| {
            map.iter()
                .map(|((key, package, glob), f)| {
                    let mut row = vec![key.clone(), package.clone()];
                    if with_kind {
                        row.push(f.kind.clone());
                    }
                    row.push(if *glob { "yes" } else { "no" }.to_string());
                    row.push(f.method.clone());
                    row.push(f.confidence.as_str().to_string());
                    row
                })
                .collect::<Vec<_>>()
        };
        put(
            format::SONAMES,
            tsv(format::SONAMES_COLUMNS, facts(&self.sonames, false)),
        )?;
        put(
            format::PATHS,
            tsv(format::PATHS_COLUMNS, facts(&self.paths, true)),
        )?;
        put(
            format::VERSION_NODES,
            tsv(
                format::VERSION_NODES_COLUMNS,
                self.nodes.iter().map(|((s, a, n), (st, src))| {
                    vec![s.clone(), a.clone(), n.clone(), st.clone(), src.clone()]
                }),
            ),
        )?;
        put(
            format::CAPABILITIES,
            tsv(
                format::CAPABILITIES_COLUMNS,
                self.capabilities.iter().map(|r| r.to_vec()),
            ),
        )?;
        put(
            format::DEBIAN_MAP,
            tsv(format::DEBIAN_MAP_COLUMNS, &self.debian_map),
        )?;
        put(
            format::OVERLAYS,
            tsv(format::OVERLAYS_COLUMNS, &self.overlays),
        )?;
        for (file, columns, rows) in self.units.tables() {
            put(file, tsv(columns, rows))?;
        }
        put(
            format::PROFILES,
            tsv(format::PROFILES_COLUMNS, &self.profiles),
        )?;
        put(format::README, self.readme())?;
        Ok(())
    }

    fn readme(&self) -> String {
        let p = &self.manifest.provenance;
        let get = |k: &str| p.get(k).map(String::as_str).unwrap_or("?");
        let mut s = String::new();
        s.push_str(&format!(
            "# Knowledge pack `{}` ({} {})\n\n",
            self.manifest.id, self.manifest.name, self.manifest.version
        ));
        s.push_str("Generated by `azl-compat knowledge build`; do not edit by hand. The format, the meaning of every\n");
        s.push_str("column and how to refresh the pack are in docs/knowledge.md.\n\n");
        s.push_str(&format!(
            "Facts derived from {} branch `{}` at commit `{}` ({}), {}, extracted {}.\n",
            get("upstream_repo"),
            get("upstream_branch"),
            get("upstream_commit"),
            get("upstream_commit_date"),
            get("fedora_base"),
            get("extraction_date"),
        ));
        s.push_str("Checksums of every source file read are in `pack.json` (`provenance`).\n\n");
        s.push_str("| table | rows |\n|---|---|\n");
        for (file, key) in format::COUNT_KEYS {
            let n = self.manifest.counts.get(*key).copied().unwrap_or(0);
            s.push_str(&format!("| `{file}` | {n} |\n"));
        }
        s
    }
}

impl Builder<'_> {
    /// debian-map.tsv (Debian/Ubuntu package -> Azure Linux packages) and overlays.tsv (Azure
    /// changes per component), checked against packages.tsv (src/knowledge/debian.rs, overlays.rs).
    fn debian_map_and_overlays(&mut self) -> Result<()> {
        let read = |src: &Source, columns: &[&str]| -> Result<Vec<Vec<String>>> {
            let mut rows = Vec::new();
            src.rows(columns, |_, f| {
                rows.push(f.iter().map(|s| s.to_string()).collect());
                Ok(())
            })?;
            Ok(rows)
        };
        let src = self.distro(crate::knowledge::debian::SOURCE_FILE)?;
        let rows = read(&src, crate::knowledge::debian::SOURCE_COLUMNS)?;
        self.debian_map = crate::knowledge::debian::pack_rows(rows, &self.package_names)
            .map_err(|e| anyhow!("{}: {e}", src.rel))?;
        self.summary.debian_map_rows = self.debian_map.len();
        self.summary.debian_map_mapped =
            self.debian_map.iter().filter(|r| !r[3].is_empty()).count();

        let src = self.distro(crate::knowledge::overlays::SOURCE_FILE)?;
        let rows = read(&src, crate::knowledge::overlays::SOURCE_COLUMNS)?;
        let components: HashSet<String> = self.packages.iter().map(|r| r[6].clone()).collect();
        self.overlays = crate::knowledge::overlays::pack_rows(rows, &components)
            .map_err(|e| anyhow!("{}: {e}", src.rel))?;
        self.summary.overlays = self.overlays.len();
        Ok(())
    }
}

/// A unit table to write: file, columns, rows.
type UnitTable<'a> = (&'static str, &'static [&'static str], &'a [Vec<String>]);

/// The unit tables, in pack column order and sorted.
#[derive(Default)]
struct UnitRows {
    units: Vec<Vec<String>>,
    presets: Vec<Vec<String>>,
    directives: Vec<Vec<String>>,
    replacements: Vec<Vec<String>>,
    /// Supplement rows dropped because the platform facts say systemd 258 lacks the unit.
    contradicted: usize,
}

impl UnitRows {
    fn counts(&self) -> Vec<(String, u64)> {
        [
            ("unit_rows", self.units.len()),
            ("unit_preset_rows", self.presets.len()),
            ("unit_directive_rows", self.directives.len()),
            ("unit_replacement_rows", self.replacements.len()),
            ("unit_rows_contradicted", self.contradicted),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), *v as u64))
        .collect()
    }

    fn tables(&self) -> [UnitTable<'_>; 4] {
        [
            (format::UNITS, format::UNITS_COLUMNS, &self.units),
            (
                format::UNIT_PRESETS,
                format::UNIT_PRESETS_COLUMNS,
                &self.presets,
            ),
            (
                format::UNIT_DIRECTIVES,
                format::UNIT_DIRECTIVES_COLUMNS,
                &self.directives,
            ),
            (
                format::UNIT_REPLACEMENTS,
                format::UNIT_REPLACEMENTS_COLUMNS,
                &self.replacements,
            ),
        ]
    }
}

impl Builder<'_> {
    /// units.tsv (from azurelinux-4.0/units.tsv and units-supplement.tsv), unit-presets.tsv
    /// (defaults.md), unit-directives.tsv (platform/units-directives.tsv, verbatim) and
    /// unit-replacements.tsv (units::REPLACEMENTS, checked against the unit rows).
    fn unit_tables(&mut self) -> Result<()> {
        use crate::knowledge::units::{ReplacementKind, Scope};
        // The target's own unit facts, beside its manifest.
        let contradicted_src = self.own(&self.target.sources.contradicted_units.clone())?;
        let mut contradicted_units: HashSet<String> = HashSet::new();
        contradicted_src.rows(&["unit", "reason"], |_, f| {
            nonempty("reason", f[1])?;
            contradicted_units.insert(nonempty("unit", f[0])?.to_string());
            Ok(())
        })?;
        // (unit, package, scope, glob) -> strongest fact
        let mut units: BTreeMap<(String, String, String, bool), Fact> = BTreeMap::new();
        let mut add = |unit: &str, package: &str, scope: &str, glob: bool, fact: Fact| {
            let key = (
                unit.to_string(),
                package.to_string(),
                scope.to_string(),
                glob,
            );
            match units.get(&key) {
                Some(old) if !stronger(&fact, old) => {}
                _ => {
                    units.insert(key, fact);
                }
            }
        };
        let yes_no = |s: &str| match s {
            "yes" => Ok(true),
            "no" => Ok(false),
            o => Err(anyhow!("glob must be yes or no, not `{o}`")),
        };
        let src = self.distro("units.tsv")?;
        src.rows(&["package", "unit", "scope", "glob"], |_, f| {
            let package = nonempty("package", f[0])?;
            self.known(package)?;
            let unit = nonempty("unit", f[1])?;
            Scope::parse(f[2]).ok_or_else(|| anyhow!("unknown scope `{}`", f[2]))?;
            let glob = yes_no(f[3])?;
            let (method, confidence) = if glob {
                (M_FILES_GLOB, Confidence::Low)
            } else {
                (M_SPEC_FILES, Confidence::High)
            };
            add(
                unit,
                package,
                f[2],
                glob,
                Fact {
                    kind: String::new(),
                    method: method.into(),
                    confidence,
                },
            );
            Ok(())
        })?;
        let src = self.distro("units-supplement.tsv")?;
        let mut contradicted = 0;
        src.rows(
            &["package", "unit", "scope", "glob", "method", "confidence"],
            |_, f| {
                let package = nonempty("package", f[0])?;
                self.known(package)?;
                // `cvs\@.service`: an escaped `@` copied from a spec.
                let unit = nonempty("unit", f[1])?.replace("\\@", "@");
                if contradicted_units.contains(&unit) {
                    contradicted += 1;
                    return Ok(());
                }
                Scope::parse(f[2]).ok_or_else(|| anyhow!("unknown scope `{}`", f[2]))?;
                add(
                    &unit,
                    package,
                    f[2],
                    yes_no(f[3])? || is_glob(&unit),
                    Fact {
                        kind: String::new(),
                        method: nonempty("method", f[4])?.to_string(),
                        confidence: parse_confidence(f[5])?,
                    },
                );
                Ok(())
            },
        )?;
        let names: HashSet<String> = units.keys().map(|k| k.0.clone()).collect();
        self.units.units = units
            .into_iter()
            .map(|((unit, package, scope, glob), f)| {
                let glob = if glob { "yes" } else { "no" };
                vec![
                    unit,
                    package,
                    scope,
                    glob.to_string(),
                    f.method,
                    f.confidence.as_str().to_string(),
                ]
            })
            .collect();
        self.units.contradicted = contradicted;

        let defaults = self.distro("defaults.md")?;
        self.units.presets = crate::knowledge::units::presets_from_defaults(&defaults.text)
            .map_err(|e| anyhow!("{}: {e}", defaults.rel))?
            .into_iter()
            .map(|r| r.to_vec())
            .collect();
        // Sorted on all columns: the order column is numeric, so pad-free sorting would put
        // 10 before 2; sort by (scope, order) instead, which is the evaluation order.
        self.units
            .presets
            .sort_by_key(|r| (r[0].clone(), r[1].parse::<u32>().unwrap_or(u32::MAX)));

        let src = self.platform(&self.target.sources.unit_directives.clone())?;
        let mut seen = HashSet::new();
        let mut directives = Vec::new();
        src.rows(
            &[
                "directive",
                "section",
                self.target.sources.unit_directives_status_column.as_str(),
                "replacement",
                "systemd_version",
                "fact",
                "source",
            ],
            |_, f| {
                let d = nonempty("directive", f[0])?;
                if !seen.insert(d.to_string()) {
                    bail!("directive `{d}` listed twice");
                }
                directives.push(f.iter().map(|s| s.to_string()).collect::<Vec<_>>());
                Ok(())
            },
        )?;
        // How the checks cover each row (our own table beside the manifest): a stable id the
        // checks and the findings' `directive_row` use, the codes that report it, and what is
        // reported or why nothing is. Joined as the pack's last three columns.
        let coverage_src = self.own(&self.target.sources.unit_directive_rows.clone())?;
        let mut coverage: HashMap<String, [String; 3]> = HashMap::new();
        let mut ids = HashSet::new();
        coverage_src.rows(&["directive", "id", "codes", "coverage"], |_, f| {
            let d = nonempty("directive", f[0])?;
            let id = nonempty("id", f[1])?;
            if !id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            {
                bail!("row id `{id}` is not kebab-case");
            }
            if !ids.insert(id.to_string()) {
                bail!("row id `{id}` used twice");
            }
            for c in f[2].split(',').filter(|c| !c.is_empty()) {
                c.parse::<crate::findings::Code>()
                    .map_err(|_| anyhow!("row `{d}`: unknown code `{c}`"))?;
            }
            let note = nonempty("coverage", f[3])?;
            if coverage
                .insert(
                    d.to_string(),
                    [id.to_string(), f[2].to_string(), note.to_string()],
                )
                .is_some()
            {
                bail!("directive `{d}` listed twice");
            }
            Ok(())
        })?;
        for row in &mut directives {
            let Some(c) = coverage.remove(&row[0]) else {
                bail!(
                    "{}: the row `{}` of {} has no id and codes",
                    coverage_src.rel,
                    row[0],
                    src.rel
                );
            };
            row.extend(c);
        }
        if let Some(d) = coverage.keys().next() {
            bail!("{}: `{d}` is not a row of {}", coverage_src.rel, src.rel);
        }
        directives.sort();
        self.units.directives = directives;

        let mut replacements = Vec::new();
        let replacements_src = self.own(&self.target.sources.unit_replacements.clone())?;
        let facts = self.target.facts();
        let mut rows: Vec<[String; 5]> = Vec::new();
        replacements_src.rows(
            &["unit", "kind", "replacement", "reason", "source"],
            |_, f| {
                rows.push([
                    nonempty("unit", f[0])?.to_string(),
                    f[1].to_string(),
                    f[2].to_string(),
                    // Reasons name the target through placeholders ({target}).
                    facts.fill(nonempty("reason", f[3])?),
                    f[4].to_string(),
                ]);
                Ok(())
            },
        )?;
        for [unit, kind, replacement, reason, source] in &rows {
            let (unit, kind, replacement) = (unit.as_str(), kind.as_str(), replacement.as_str());
            let k = ReplacementKind::parse(kind)
                .ok_or_else(|| anyhow!("unit replacement {unit}: unknown kind `{kind}`"))?;
            match k {
                ReplacementKind::Replaced
                | ReplacementKind::Removed
                | ReplacementKind::Obsolete
                    if names.contains(unit) =>
                {
                    bail!("unit replacement {unit} ({kind}): the unit tables list {unit}")
                }
                ReplacementKind::Replaced => {
                    if !names.contains(replacement) {
                        bail!("unit replacement {unit}: {replacement} is not in the unit tables");
                    }
                }
                ReplacementKind::Shipped => {
                    if replacement != unit && !names.contains(replacement) {
                        bail!("unit replacement {unit}: {replacement} is not in the unit tables");
                    }
                }
                ReplacementKind::Removed | ReplacementKind::Obsolete => {
                    if !replacement.is_empty() {
                        bail!("unit replacement {unit} ({kind}) names a replacement");
                    }
                }
            }
            replacements.push(vec![
                unit.to_string(),
                kind.to_string(),
                replacement.to_string(),
                reason.to_string(),
                source.to_string(),
            ]);
        }
        replacements.sort();
        self.units.replacements = replacements;
        Ok(())
    }
}

impl Builder<'_> {
    /// profiles.tsv and pack.json `profiles` from the image package lists of defaults.md
    /// (src/knowledge/profiles.rs). An entry is the package of that name, else (for the arch
    /// the sources cover) the shipped package whose explicit `Provides:` names it (`zlib` is
    /// zlib-ng-compat); entries nothing answers are counted, not written.
    fn profiles(&mut self) -> Result<()> {
        let defaults = self.distro("defaults.md")?;
        let images = crate::knowledge::profiles::images_from_defaults(&defaults.text)
            .map_err(|e| anyhow!("{}: {e}", defaults.rel))?;
        let channel: HashMap<&str, u8> = self
            .packages
            .iter()
            .filter_map(|r| Some((r[0].as_str(), Channel::parse(&r[5])?.preference())))
            .collect();
        let resolve = |name: &str, arch: &str| -> Option<String> {
            if self.package_names.contains(name) {
                return Some(name.to_string());
            }
            if arch != "*" && arch != self.target.sources.provides_arch {
                return None;
            }
            self.capabilities
                .iter()
                .filter(|r| r[0] == name && r[1] == "explicit")
                .filter_map(|r| Some((*channel.get(r[2].as_str())?, &r[2])))
                .filter(|(pref, _)| *pref < Channel::Unlisted.preference())
                .min()
                .map(|(_, p)| p.clone())
        };
        let rows = crate::knowledge::profiles::pack_rows(&images, &resolve);
        self.summary.profiles = images.descriptions.len();
        self.summary.profile_rows = rows.rows.len();
        self.summary.profile_entries_unresolved = rows.unresolved;
        self.profiles = rows.rows;
        self.manifest.profiles = images.descriptions;
        Ok(())
    }
}

/// Render a TSV table: header, then rows (already sorted by the caller).
pub(super) fn tsv<I, R>(columns: &[&str], rows: I) -> String
where
    I: IntoIterator<Item = R>,
    R: AsRef<[String]>,
{
    let mut s = columns.join("\t");
    s.push('\n');
    for row in rows {
        let row = row.as_ref();
        debug_assert_eq!(row.len(), columns.len());
        for (i, field) in row.iter().enumerate() {
            if i > 0 {
                s.push('\t');
            }
            s.push_str(field);
        }
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::names::glob_prefix;

    #[test]
    fn real_file_names_map_to_sonames() {
        assert_eq!(soname_of_file("libstdc++.so.6.0.34"), "libstdc++.so.6");
        assert_eq!(soname_of_file("libgcc_s.so.1"), "libgcc_s.so.1");
        assert_eq!(soname_of_file("libfoo.so"), "libfoo.so");
    }

    #[test]
    fn stronger_evidence_wins() {
        let f = |m: &str, c| Fact {
            kind: String::new(),
            method: m.into(),
            confidence: c,
        };
        assert!(stronger(
            &f("debian-near-version", Confidence::High),
            &f(M_SPEC_FILES, Confidence::Medium)
        ));
        assert!(stronger(
            &f(M_ABI, Confidence::High),
            &f(M_SPEC_PROVIDES, Confidence::High)
        ));
        assert!(!stronger(
            &f(M_FILES_GLOB, Confidence::Low),
            &f("debian-near-version", Confidence::Low)
        ));
        assert!(stronger(
            &f("a-new", Confidence::Low),
            &f("b-new", Confidence::Low)
        ));
    }

    #[test]
    fn glob_prefixes_used_for_superseding() {
        assert_eq!(glob_prefix("libaio.so.*"), "libaio.so.");
        assert_eq!(library_name("libaio.so.*"), Some("libaio"));
    }
}
