//! The report model (what every renderer reads) and its renderers, one file each.

pub mod bounds;
pub mod csv;
pub mod escape;
pub mod html;
pub mod json;
pub mod jsonl;
pub mod load;
pub mod markdown;
pub mod model;
pub mod policy;
pub mod readiness;
pub mod sarif;
pub mod text;

use crate::engine::Outcome;
use crate::findings::Verdict;
use crate::findings::{Code, Diagnostic, Finding, Severity};
use crate::inventory::{Inventory, ObjectKind, WalkStats};
use crate::knowledge::Pack;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Version of the JSON report format; bumped on any incompatible change (docs/json-report.md).
pub const SCHEMA_VERSION: u32 = 1;

/// A complete scan report. Serialized as the JSON output; all other renderings read it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool: Tool,
    pub knowledge: KnowledgeInfo,
    pub target: Target,
    pub source: SourceInfo,
    pub summary: Summary,
    pub binaries: Vec<Binary>,
    /// Installed packages and `.rpm` files in the tree, with their fate (absent when the tree
    /// has no package database).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub packages: Vec<crate::report::model::PackageReport>,
    /// OpenPGP keys imported into the rpm database (`gpg-pubkey` entries): listed here, not
    /// counted as packages, so package counts match `rpm -qa` minus the keys.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signing_keys: Vec<crate::report::model::SigningKey>,
    /// systemd units, SysV init scripts and rc.local, with their verdict and migration diff
    /// (absent when the tree has none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub units: Vec<crate::report::model::UnitReport>,
    /// Configuration files generated for the target from the host's own (network interfaces),
    /// as diffs; `--write-fixes` writes them (absent when there are none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub generated: Vec<crate::report::model::GeneratedFile>,
    pub findings: Vec<Finding>,
    pub diagnostics: Vec<Diagnostic>,
    /// The policy applied (waivers, overrides), if any (docs/reports.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<policy::AppliedPolicy>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct KnowledgeInfo {
    pub id: String,
    pub provenance: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Target {
    pub name: String,
    pub version: String,
    pub arch: String,
    /// The target profile (`--target ID:PROFILE`: an image whose packages count as installed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// The target facts the texts cite (the pack's `target`: pretty name, base distribution,
    /// platform versions, install command); renderers fill the codes' titles from them.
    #[serde(default)]
    pub facts: crate::knowledge::format::TargetFacts,
}

impl Report {
    /// The target facts to fill texts with: the report's own, else (a report saved before they
    /// were recorded) those of the built-in pack it was made with.
    pub fn target_facts(&self) -> crate::knowledge::format::TargetFacts {
        if !self.target.facts.pretty_name.is_empty() {
            return self.target.facts.clone();
        }
        crate::knowledge::Pack::builtin_by_id(&self.knowledge.id)
            .map(|p| p.target.clone())
            .unwrap_or_else(|| crate::knowledge::format::TargetFacts {
                name: self.target.name.clone(),
                version: self.target.version.clone(),
                pretty_name: format!("{} {}", self.target.name, self.target.version),
                ..Default::default()
            })
    }
}

/// What was scanned.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SourceInfo {
    /// The scanned directory on the scanning host.
    pub root: String,
    /// The source distribution (os-release ID), if the tree has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distro: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pretty_name: Option<String>,
    /// Package managers whose file lists were read (files they own are replaced, not moved).
    pub package_managers: Vec<String>,
    pub files: u64,
    pub directories: u64,
    pub symlinks: u64,
    pub elf_files: u64,
    pub scripts: u64,
    /// ELF files and scripts owned by the source distribution's packages (not judged here).
    pub distro_owned: u64,
    /// Directories not entered, with the reason.
    pub skipped: Vec<String>,
    /// Paths left out because they are not workload (package-manager state, git hook samples,
    /// documentation, `--exclude`, the policy's `exclude`), with the rule and the reason.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub excluded: Vec<crate::inventory::exclude::Excluded>,
    /// Set when the source is a container image: its format, layers and config
    /// (docs/images.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<crate::source::image::ImageReport>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct VerdictCounts {
    pub total: u64,
    pub ok: u64,
    pub needs_packages: u64,
    pub breaks: u64,
    pub unknown: u64,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct SeverityCounts {
    pub blocker: u64,
    pub warning: u64,
    pub info: u64,
}

/// One recurring cause of trouble, counted over the objects it affects.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Cause {
    pub code: Code,
    pub severity: Severity,
    pub subject: String,
    /// Number of files affected.
    pub count: u64,
    pub fix: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Summary {
    pub binaries: VerdictCounts,
    pub findings: SeverityCounts,
    /// Azure Linux packages to install for everything that moves, sorted.
    pub packages_to_install: Vec<String>,
    /// One `dnf install` line for them (absent when none is needed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub install_command: Option<String>,
    /// On a target profile without a package manager (distroless images): the image build
    /// step that adds the packages (`install_command` is then what that build stage runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub install_step: Option<String>,
    /// The packages of `packages_to_install` that only the unsupported sdk channels have:
    /// listed apart, not in `install_command`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub packages_unsupported: Vec<String>,
    /// The most frequent blocker and warning causes, worst first.
    pub top_causes: Vec<Cause>,
    /// Counts of installed packages by fate (absent without a package database).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub packages: Option<PackageCounts>,
    /// Counts of units by origin and verdict (absent when the tree has none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub units: Option<UnitCounts>,
    pub diagnostics: u64,
    /// Diagnostics marked `unread`: paths that could not be read (absent when none).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub unread: u64,
    /// Set when `unread` is not zero: the verdict covers only what could be read (absent when
    /// the scan read everything it entered).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub incomplete: bool,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Installed packages by origin and fate.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct PackageCounts {
    pub total: u64,
    pub distro: u64,
    pub third_party: u64,
    /// Fate -> number of packages (`shipped`, `provided-by`, `obsoleted-by`, `sdk-only`,
    /// `not-published`, `not-shipped`, `carried`).
    pub by_fate: BTreeMap<String, u64>,
    /// Packages with a blocker finding, sorted.
    pub blocking: Vec<String>,
}

/// systemd units by origin and verdict.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct UnitCounts {
    pub total: u64,
    /// Units of the workload and of third-party packages (judged at blocker level).
    pub workload: u64,
    pub enabled: u64,
    /// Verdict -> number of workload units.
    pub by_verdict: BTreeMap<String, u64>,
    /// Units with a diff (a migrated unit is offered).
    pub with_fixes: u64,
}

/// One ELF file or script judged.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Binary {
    pub path: String,
    /// `elf` or `script`.
    pub kind: String,
    pub verdict: Verdict,
    /// The object's architecture (ELF only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arch: Option<String>,
    /// The interpreter line (scripts only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interpreter: Option<String>,
    /// Azure Linux packages it needs installed.
    pub packages: Vec<String>,
    /// Codes of the findings on this file, sorted.
    pub findings: Vec<Code>,
    /// Bundled libraries (or the bundled interpreter) it loads.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub loads: Vec<String>,
    /// Objects that load this library.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub loaded_by: Vec<String>,
    /// Other paths of the same file.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hardlinks: Vec<String>,
}

/// Assemble the report from the inventory and the checks' outcome.
pub fn build(
    root: &str,
    inv: &Inventory,
    pack: &Pack,
    outcome: Outcome,
    package_managers: Vec<String>,
) -> Report {
    let mut codes_by_path: BTreeMap<&str, BTreeSet<Code>> = BTreeMap::new();
    for f in &outcome.findings {
        codes_by_path
            .entry(f.path.as_str())
            .or_default()
            .insert(f.code);
    }
    let mut counts = VerdictCounts::default();
    let mut to_install = BTreeSet::new();
    let binaries: Vec<Binary> = outcome
        .judged
        .iter()
        .map(|j| {
            let o = &inv.objects[j.id];
            counts.total += 1;
            match j.verdict {
                Verdict::Ok => counts.ok += 1,
                Verdict::NeedsPackages => counts.needs_packages += 1,
                Verdict::Breaks => counts.breaks += 1,
                Verdict::Unknown => counts.unknown += 1,
            }
            to_install.extend(j.packages.iter().cloned());
            let (kind, arch, interpreter) = match &o.kind {
                ObjectKind::Elf(e) => ("elf", Some(e.arch_name()), None),
                ObjectKind::Script(s) => (
                    "script",
                    None,
                    Some(
                        format!("{} {}", s.interpreter, s.args.join(" "))
                            .trim_end()
                            .to_string(),
                    ),
                ),
            };
            Binary {
                path: o.path.clone(),
                kind: kind.into(),
                verdict: j.verdict,
                arch,
                interpreter,
                packages: j.packages.iter().cloned().collect(),
                findings: codes_by_path
                    .get(o.path.as_str())
                    .map(|s| s.iter().copied().collect())
                    .unwrap_or_default(),
                loads: j
                    .libraries
                    .iter()
                    .map(|&i| inv.objects[i].path.clone())
                    .collect(),
                loaded_by: j
                    .loaded_by
                    .iter()
                    .map(|&i| inv.objects[i].path.clone())
                    .collect(),
                hardlinks: o.hardlinks.clone(),
            }
        })
        .collect();
    let mut sev = SeverityCounts::default();
    for f in &outcome.findings {
        match f.severity {
            Severity::Blocker => sev.blocker += 1,
            Severity::Warning => sev.warning += 1,
            Severity::Info => sev.info += 1,
        }
    }
    let packages_to_install: Vec<String> = to_install.into_iter().collect();
    // Set with the packages' channels by `finish_install`, once everything that moves is known.
    let install_command = None;
    let stats: &WalkStats = &inv.stats;
    let os = &inv.os_release;
    let mut report = Report {
        schema_version: SCHEMA_VERSION,
        tool: Tool {
            name: env!("CARGO_PKG_NAME").into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        knowledge: KnowledgeInfo {
            id: pack.id.clone(),
            provenance: pack.provenance.clone(),
        },
        target: Target {
            name: pack.name.clone(),
            version: pack.version.clone(),
            arch: outcome.arch.clone(),
            profile: pack.profile().map(|p| p.name.clone()),
            facts: pack.target.clone(),
        },
        source: SourceInfo {
            root: root.to_string(),
            distro: os.get("ID").cloned(),
            version: os.get("VERSION_ID").cloned(),
            pretty_name: os.get("PRETTY_NAME").cloned(),
            package_managers,
            files: stats.files,
            directories: stats.directories,
            symlinks: stats.symlinks,
            elf_files: stats.elf_files,
            scripts: stats.scripts,
            distro_owned: stats.distro_owned,
            skipped: stats.skipped_mounts.clone(),
            excluded: stats.excluded.clone(),
            image: None,
        },
        summary: Summary {
            binaries: counts,
            findings: sev,
            packages_to_install,
            install_command,
            install_step: None,
            packages_unsupported: Vec::new(),
            top_causes: top_causes(&outcome.findings, &pack.target),
            packages: None,
            units: None,
            diagnostics: inv.diagnostics.len() as u64,
            unread: 0,
            incomplete: false,
        },
        binaries,
        packages: Vec::new(),
        signing_keys: Vec::new(),
        units: Vec::new(),
        generated: Vec::new(),
        findings: outcome.findings,
        diagnostics: inv.diagnostics.clone(),
        policy: None,
    };
    recount(&mut report);
    report
}

impl Report {
    /// Whether a package of the report has an unwaived blocker (matched by name and location,
    /// so an installed package and a `.rpm` file of the same name stay apart).
    pub fn package_blocks(&self, p: &crate::report::model::PackageReport) -> bool {
        self.findings.iter().any(|f| {
            f.severity == Severity::Blocker
                && !f.is_waived()
                && f.path == p.location
                && f.evidence.get("package") == Some(&p.name)
        })
    }

    /// Findings whose waiver has expired (they count again), in report order.
    pub fn expired_waivers(&self) -> Vec<&Finding> {
        self.findings
            .iter()
            .filter(|f| {
                f.waiver
                    .as_ref()
                    .is_some_and(|w| w.status == crate::findings::WaiverStatus::Expired)
            })
            .collect()
    }
}

/// Add the package checks' outcome to a report: the packages, their findings, the packages to
/// install, and the recomputed summary.
pub fn attach_packages(
    report: &mut Report,
    out: crate::engine::PackagesOutcome,
    managers: &[String],
) {
    let mut counts = PackageCounts::default();
    let mut blocking = BTreeSet::new();
    for p in &out.packages {
        counts.total += 1;
        if p.origin == "distro" {
            counts.distro += 1;
        } else {
            counts.third_party += 1;
        }
        *counts.by_fate.entry(p.fate.clone()).or_default() += 1;
    }
    for f in out
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Blocker)
    {
        if let Some(p) = f.evidence.get("package") {
            blocking.insert(p.clone());
        }
    }
    counts.blocking = blocking.into_iter().collect();
    if !out.packages.is_empty() || !managers.is_empty() {
        report.summary.packages = Some(counts);
    }
    report.packages = out.packages;
    report.signing_keys = out.signing_keys;
    report.findings.extend(out.findings);
    report.findings.sort();
    report.findings.dedup_by(|a, b| a.key() == b.key());
    let mut install: BTreeSet<String> =
        report.summary.packages_to_install.iter().cloned().collect();
    install.extend(out.to_install);
    report.summary.packages_to_install = install.into_iter().collect();
    recount(report);
}

/// The one place that turns the packages to install into the install line: packages only in
/// the sdk channels are listed apart (unsupported), not in the line; the line is the target's
/// install command (the pack's `target`); on an image without a package manager the packages are
/// added by the image build (`install_step`). Call it after every `attach_*`.
pub fn finish_install(report: &mut Report, pack: &crate::knowledge::Pack) {
    let (unsupported, supported): (Vec<String>, Vec<String>) = report
        .summary
        .packages_to_install
        .iter()
        .cloned()
        .partition(|n| {
            pack.package(n)
                .is_some_and(|p| !p.channel.supported() && p.channel.shipped())
        });
    report.summary.install_command = pack.install_command(&supported);
    report.summary.packages_unsupported = unsupported;
    report.summary.install_step = None;
    if report.summary.install_command.is_some() && pack.profile_lacks_package_manager() {
        report.summary.install_step = Some(pack.install_step(&supported));
    }
}

/// Name, for each signing key, the repositories of the tree whose key file holds it (matched as
/// rpm names the `gpg-pubkey` entry: key id and creation time) and those files.
pub fn attach_key_repositories(
    report: &mut Report,
    files: &[crate::inventory::hostconf::repos::KeyFile],
) {
    for k in &mut report.signing_keys {
        let created = Some(k.created.as_str()).filter(|c| !c.is_empty());
        for f in files {
            if f.keys.iter().any(|p| p.is_rpm_entry(&k.key_id, created)) {
                k.repositories.extend(f.repositories.iter().cloned());
                k.key_files.push(f.path.clone());
            }
        }
        k.repositories.sort();
        k.repositories.dedup();
    }
}

/// Add the unit checks' outcome to a report: the units, their findings and diagnostics, the
/// packages their programs need, and the recomputed summary.
pub fn attach_units(
    report: &mut Report,
    units: Vec<crate::report::model::UnitReport>,
    findings: Vec<Finding>,
    diagnostics: Vec<Diagnostic>,
) {
    if !units.is_empty() {
        let mut c = UnitCounts::default();
        for u in &units {
            c.total += 1;
            c.enabled += u64::from(u.enabled);
            c.with_fixes += u64::from(u.diff.is_some());
            if u.origin != "distro" {
                c.workload += 1;
                *c.by_verdict
                    .entry(u.verdict.as_str().to_string())
                    .or_default() += 1;
            }
        }
        report.summary.units = Some(c);
    }
    let mut install: BTreeSet<String> =
        report.summary.packages_to_install.iter().cloned().collect();
    for u in units.iter().filter(|u| u.origin != "distro") {
        install.extend(u.packages.iter().cloned());
    }
    report.summary.packages_to_install = install.into_iter().collect();
    report.units = units;
    report.findings.extend(findings);
    report.findings.sort();
    report.findings.dedup_by(|a, b| a.key() == b.key());
    report.diagnostics.extend(diagnostics);
    report.diagnostics.sort();
    report.diagnostics.dedup();
    // A path the walk could not read is said once, not again by each reader that tried it.
    report
        .diagnostics
        .dedup_by(|b, a| a.unread && b.unread && a.path == b.path);
    report.summary.diagnostics = report.diagnostics.len() as u64;
    recount(report);
}

/// Add the host-configuration findings and the diagnostics of the files they read.
pub fn attach_host(report: &mut Report, findings: Vec<Finding>, diagnostics: Vec<Diagnostic>) {
    report.findings.extend(findings);
    report.findings.sort();
    report.findings.dedup_by(|a, b| a.key() == b.key());
    report.diagnostics.extend(diagnostics);
    report.diagnostics.sort();
    report.diagnostics.dedup();
    report.summary.diagnostics = report.diagnostics.len() as u64;
    recount(report);
}

/// Recompute the finding counts and top causes from the report's findings.
pub fn recount(report: &mut Report) {
    let mut sev = SeverityCounts::default();
    for f in &report.findings {
        match f.severity {
            Severity::Blocker => sev.blocker += 1,
            Severity::Warning => sev.warning += 1,
            Severity::Info => sev.info += 1,
        }
    }
    report.summary.findings = sev;
    report.summary.top_causes = top_causes(&report.findings, &report.target_facts());
    report.summary.unread = report.diagnostics.iter().filter(|d| d.unread).count() as u64;
    report.summary.incomplete = report.summary.unread > 0;
}

/// The most frequent blocker and warning causes: grouped by code and subject, counting files.
/// Waived findings are left out.
pub(crate) fn top_causes(
    findings: &[Finding],
    facts: &crate::knowledge::format::TargetFacts,
) -> Vec<Cause> {
    // (code, subject) -> (severity, things affected, fix, subjects grouped)
    type Group<'a> = (Severity, BTreeSet<&'a str>, &'a str, BTreeSet<&'a str>);
    let mut groups: BTreeMap<(Code, String), Group> = BTreeMap::new();
    for f in findings
        .iter()
        .filter(|f| f.severity >= Severity::Warning && !f.is_waived())
    {
        // Dependency breaks are consequences; the library's own finding is the cause.
        if f.code == Code::ElfDependencyBreaks || f.code == Code::ScriptInterpreterBreaks {
            continue;
        }
        // Package warnings are one cause each per code (each package is its own subject).
        let per_package = crate::checks::Area::of(f.code) == crate::checks::Area::Packages
            && f.severity < Severity::Blocker;
        let subject = f.subject.as_deref().unwrap_or("");
        let key = if per_package {
            String::new()
        } else {
            subject.to_string()
        };
        let e = groups.entry((f.code, key)).or_insert((
            f.severity,
            BTreeSet::new(),
            f.fix.as_str(),
            BTreeSet::new(),
        ));
        e.1.insert(if per_package {
            subject
        } else {
            f.path.as_str()
        });
        if per_package {
            e.3.insert(subject);
        }
    }
    let mut v: Vec<Cause> = groups
        .into_iter()
        .map(|((code, subject), (severity, things, fix, grouped))| {
            let (subject, fix) = if grouped.is_empty() {
                (subject, fix.to_string())
            } else {
                let names: Vec<&str> = grouped.iter().take(4).copied().collect();
                let more = if grouped.len() > 4 { ", ..." } else { "" };
                (
                    format!("{} packages: {}{more}", grouped.len(), names.join(", ")),
                    format!("see each package in the report ({})", code.title(facts)),
                )
            };
            Cause {
                code,
                severity,
                subject,
                count: things.len() as u64,
                fix,
            }
        })
        .collect();
    v.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(b.count.cmp(&a.count))
            .then(a.code.cmp(&b.code))
            .then(a.subject.cmp(&b.subject))
    });
    v.truncate(10);
    v
}
