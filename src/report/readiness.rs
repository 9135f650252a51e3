//! What every rendering for people says the same way: the verdict, the readiness score
//! (docs/reports.md), areas, and the explanations of the codes present. Computed from the
//! report model only.

use super::Report;
use super::model::UnitReport;
use crate::findings::Verdict;
use crate::findings::{Code, Finding, Severity};
use std::collections::{BTreeMap, BTreeSet};

/// The part of a workload a finding concerns: the area its check declares (`checks::registry`).
pub use crate::checks::Area;

/// The overall verdict of a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Unwaived blockers remain.
    Blocked,
    /// No blocker, but some files cannot be decided from the tree alone.
    Undecided,
    /// Runs once packages are installed.
    ReadyAfterPackages,
    /// Runs as it is.
    Ready,
    /// Nothing was judged.
    NothingToJudge,
    /// No blocker in what was read, but parts of the tree could not be read (diagnostics marked
    /// `unread`): no verdict on what they hold, never "ready".
    Incomplete,
}

impl Status {
    /// A stable lowercase id (CSS classes, SARIF properties).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Blocked => "blocked",
            Status::Undecided => "undecided",
            Status::ReadyAfterPackages => "ready-after-packages",
            Status::Ready => "ready",
            Status::NothingToJudge => "nothing-to-judge",
            Status::Incomplete => "incomplete",
        }
    }
}

/// The verdict, its numbers and the score.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Readiness {
    pub status: Status,
    /// Distinct causes of unwaived blockers (code and subject; dependency breaks not counted
    /// apart from their cause).
    pub blocking_issues: u64,
    /// Packages to install.
    pub packages: u64,
    /// 0..=100, `None` when nothing was judged or the scan is incomplete (formula:
    /// docs/reports.md).
    pub score: Option<u32>,
    /// Paths that could not be read ([`unread`]); non-zero makes the verdict incomplete.
    pub unread: u64,
}

/// How many paths of the tree could not be read: diagnostics marked `unread` (or the summary's
/// count, whichever is larger).
pub fn unread(r: &Report) -> u64 {
    let marked = r.diagnostics.iter().filter(|d| d.unread).count() as u64;
    marked.max(r.summary.unread)
}

/// `1 file`, `2 files`: a count with the noun that agrees with it (every renderer uses it).
pub fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

impl Readiness {
    pub fn of(r: &Report) -> Readiness {
        let b = &r.summary.binaries;
        let causes: BTreeSet<(Code, Option<&str>)> = r
            .findings
            .iter()
            .filter(|f| counts(f) && f.severity == Severity::Blocker)
            .filter(|f| {
                !matches!(
                    f.code,
                    Code::ElfDependencyBreaks | Code::ScriptInterpreterBreaks
                )
            })
            .map(|f| (f.code, f.subject.as_deref()))
            .collect();
        let mut blocking_issues = causes.len() as u64;
        if blocking_issues == 0 {
            blocking_issues = r.summary.findings.blocker;
        }
        let unread = unread(r);
        let status = if r.summary.findings.blocker > 0 || b.breaks > 0 {
            blocking_issues = blocking_issues.max(1);
            Status::Blocked
        } else if unread > 0 {
            Status::Incomplete
        } else if b.unknown > 0 {
            Status::Undecided
        } else if !r.summary.packages_to_install.is_empty() {
            Status::ReadyAfterPackages
        } else if b.total == 0 && r.packages.is_empty() && workload_units(r).next().is_none() {
            Status::NothingToJudge
        } else {
            Status::Ready
        };
        Readiness {
            status,
            blocking_issues,
            packages: r.summary.packages_to_install.len() as u64,
            score: if unread > 0 { None } else { score(r) },
            unread,
        }
    }

    /// "N paths could not be read" (for the incomplete verdict).
    pub fn unread_text(&self) -> String {
        format!("{} could not be read", plural(self.unread, "path", "paths"))
    }

    /// "Blocked by 3 issues", "Ready after installing 2 packages", ...
    pub fn headline(&self, r: &Report) -> String {
        match self.status {
            Status::Blocked if self.unread > 0 => format!(
                "Blocked by {} (incomplete: {})",
                plural(self.blocking_issues, "issue", "issues"),
                self.unread_text()
            ),
            Status::Blocked => format!(
                "Blocked by {}",
                plural(self.blocking_issues, "issue", "issues")
            ),
            Status::Incomplete => format!(
                "Incomplete: {}; no verdict on what they hold",
                self.unread_text()
            ),
            Status::Undecided => format!(
                "Undecided: {} cannot be decided from the tree alone",
                plural(
                    r.summary.binaries.unknown,
                    "binary or script",
                    "binaries and scripts"
                )
            ),
            Status::ReadyAfterPackages => format!(
                "Ready after installing {}",
                plural(self.packages, "package", "packages")
            ),
            Status::Ready => "Ready: everything runs as it is".into(),
            Status::NothingToJudge => {
                "Nothing to judge: no carried-over ELF files or scripts found".into()
            }
        }
    }

    /// One sentence under the headline.
    pub fn detail(&self, r: &Report) -> String {
        let b = &r.summary.binaries;
        let mut s = format!(
            "{} of {} would break, {}, {} undecided, {}.",
            b.breaks,
            plural(b.total, "binary or script", "binaries and scripts"),
            plural(b.needs_packages, "needs packages", "need packages"),
            b.unknown,
            plural(b.ok, "runs as it is", "run as they are")
        );
        let units: Vec<Verdict> = workload_units(r).map(|u| unit_verdict(r, u)).collect();
        if !units.is_empty() {
            let n = |v: Verdict| units.iter().filter(|&&x| x == v).count() as u64;
            s.push_str(&format!(
                " {} of {} would break, {}, {} undecided, {}.",
                n(Verdict::Breaks),
                plural(units.len() as u64, "workload unit", "workload units"),
                plural(n(Verdict::NeedsPackages), "needs packages", "need packages"),
                n(Verdict::Unknown),
                plural(n(Verdict::Ok), "runs as it is", "run as they are")
            ));
        }
        if let Some(p) = &r.policy
            && (p.waived > 0 || p.expired > 0)
        {
            s.push_str(&format!(
                " Policy as of {}: {} waived, {}.",
                p.today,
                plural(p.waived, "finding", "findings"),
                plural(p.expired, "waiver expired", "waivers expired")
            ));
        }
        s
    }
}

/// Whether a finding counts (it is not waived).
pub fn counts(f: &Finding) -> bool {
    !f.is_waived()
}

/// What one finding is about, for counting: a file (binaries, scripts), a package (its name,
/// in the `package` evidence), a unit (its name, in the `unit` evidence; a finding of the units
/// area about no unit, such as a boot flag file, is about its file).
pub fn item(f: &Finding) -> (Area, &str) {
    let area = Area::of(f.code);
    let key = match area {
        Area::Packages => f
            .evidence
            .get("package")
            .map(String::as_str)
            .or(f.subject.as_deref()),
        Area::Units => f.evidence.get("unit").map(String::as_str),
        _ => None,
    };
    (area, key.unwrap_or(f.path.as_str()))
}

/// Whether [`item`] of this finding is a unit (rather than a file or a package).
pub fn item_is_unit(f: &Finding) -> bool {
    Area::of(f.code) == Area::Units && f.evidence.contains_key("unit")
}

/// The units of the workload: those of no package and of third-party packages (distro units are
/// replaced by Azure Linux's packages, not judged).
pub fn workload_units(r: &Report) -> impl Iterator<Item = &UnitReport> {
    r.units.iter().filter(|u| u.origin != "distro")
}

/// The findings about a unit: those naming it (evidence `unit`) with one of its codes.
pub fn unit_findings<'a>(r: &'a Report, u: &'a UnitReport) -> impl Iterator<Item = &'a Finding> {
    r.findings.iter().filter(move |f| {
        f.evidence.get("unit").map(String::as_str) == Some(u.unit.as_str())
            && u.findings.contains(&f.code)
    })
}

/// A unit's verdict after the policy: `breaks` while an unwaived blocker names it; a unit the
/// scanner judged `breaks` whose blockers are all waived or overridden down runs (needing its
/// packages, if any); otherwise the scanner's verdict. A masked unit is `ok`.
pub fn unit_verdict(r: &Report, u: &UnitReport) -> Verdict {
    if u.masked {
        return Verdict::Ok;
    }
    let mut blocker_seen = false;
    for f in unit_findings(r, u) {
        if counts(f) && f.severity == Severity::Blocker {
            return Verdict::Breaks;
        }
        blocker_seen |=
            f.severity == Severity::Blocker || f.overridden_from == Some(Severity::Blocker);
    }
    match u.verdict {
        // The blockers that made it break no longer count (a policy waived or downgraded them).
        Verdict::Breaks if r.policy.is_some() && blocker_seen => {
            if u.packages.is_empty() {
                Verdict::Ok
            } else {
                Verdict::NeedsPackages
            }
        }
        v => v,
    }
}

/// "file"/"files", "package"/"packages", "unit"/"units" (the units area counts units; see
/// [`why`] for findings about files there).
pub fn item_word(area: Area, n: u64) -> &'static str {
    match (area, n == 1) {
        (Area::Packages, true) => "package",
        (Area::Packages, false) => "packages",
        (Area::Units, true) => "unit",
        (Area::Units, false) => "units",
        (_, true) => "file",
        (_, false) => "files",
    }
}

/// Points of one item, in quarters, from the worst unwaived finding on it: a blocker 0, a
/// warning 3, else 4.
fn quarters_by_findings<'a>(findings: impl Iterator<Item = &'a Finding>) -> u64 {
    match findings.filter(|f| counts(f)).map(|f| f.severity).max() {
        Some(Severity::Blocker) => 0,
        Some(Severity::Warning) => 3,
        _ => 4,
    }
}

/// The parts of the score (docs/reports.md): (name, points in quarters, items), for each part
/// of the workload the report judged.
pub fn score_parts(r: &Report) -> Vec<(&'static str, u64, u64)> {
    let mut parts = Vec::new();
    if !r.binaries.is_empty() {
        // Warnings of the binaries and scripts areas; a unit finding in a script (a cgroup v1
        // path it writes) counts against the unit that runs it.
        let warned: BTreeSet<&str> = r
            .findings
            .iter()
            .filter(|f| counts(f) && f.severity == Severity::Warning)
            .filter(|f| matches!(Area::of(f.code), Area::Binaries | Area::Scripts))
            .map(|f| f.path.as_str())
            .collect();
        let quarters: u64 = r
            .binaries
            .iter()
            .map(|b| match b.verdict {
                Verdict::Breaks => 0,
                Verdict::Unknown => 2,
                Verdict::Ok | Verdict::NeedsPackages if warned.contains(b.path.as_str()) => 3,
                Verdict::Ok | Verdict::NeedsPackages => 4,
            })
            .sum();
        parts.push(("binaries and scripts", quarters, r.binaries.len() as u64));
    }
    if !r.packages.is_empty() {
        let mut by_package: BTreeMap<(&str, &str), Vec<&Finding>> = BTreeMap::new();
        for f in r
            .findings
            .iter()
            .filter(|f| Area::of(f.code) == Area::Packages)
        {
            if let Some(p) = f.evidence.get("package") {
                by_package
                    .entry((f.path.as_str(), p.as_str()))
                    .or_default()
                    .push(f);
            }
        }
        let quarters: u64 = r
            .packages
            .iter()
            .map(|p| {
                let fs = by_package.get(&(p.location.as_str(), p.name.as_str()));
                quarters_by_findings(fs.into_iter().flatten().copied())
            })
            .sum();
        parts.push(("packages", quarters, r.packages.len() as u64));
    }
    let units: Vec<&UnitReport> = workload_units(r).collect();
    if !units.is_empty() {
        let quarters: u64 = units
            .iter()
            .map(|u| {
                let warned =
                    unit_findings(r, u).any(|f| counts(f) && f.severity == Severity::Warning);
                match unit_verdict(r, u) {
                    Verdict::Breaks => 0,
                    Verdict::Unknown => 2,
                    Verdict::Ok | Verdict::NeedsPackages if warned => 3,
                    Verdict::Ok | Verdict::NeedsPackages => 4,
                }
            })
            .sum();
        parts.push(("units", quarters, units.len() as u64));
    }
    parts
}

/// The readiness score, 0..=100: for each judged part of the workload (binaries and scripts;
/// installed packages; workload units), the mean of its items' points; then the mean of the
/// parts; times 100, rounded down. A file or a workload unit that breaks scores 0, an undecided
/// one 1/2, one that runs (as it is or after installing packages) 1, or 3/4 when an unwaived
/// warning remains on it; a package 0 with an unwaived blocker, 3/4 with an unwaived warning,
/// else 1. `None` when nothing was judged.
pub fn score(r: &Report) -> Option<u32> {
    let parts = score_parts(r);
    if parts.is_empty() {
        return None;
    }
    // Exact in integers: sum over parts of q_i / (4 n_i), over the number of parts.
    let denominator: u128 = parts.iter().map(|p| u128::from(p.2)).product();
    let numerator: u128 = parts
        .iter()
        .map(|&(_, q, n)| u128::from(q) * denominator / u128::from(n))
        .sum();
    let parts_n = parts.len() as u128;
    Some((numerator * 100 / (4 * denominator * parts_n)) as u32)
}

/// Unwaived findings per area and severity, for every area with findings.
pub fn by_area(r: &Report) -> BTreeMap<Area, [u64; 3]> {
    let mut m: BTreeMap<Area, [u64; 3]> = BTreeMap::new();
    for f in r.findings.iter().filter(|f| counts(f)) {
        let e = m.entry(Area::of(f.code)).or_default();
        e[severity_index(f.severity)] += 1;
    }
    m
}

/// 0 blocker, 1 warning, 2 info.
pub fn severity_index(s: Severity) -> usize {
    match s {
        Severity::Blocker => 0,
        Severity::Warning => 1,
        Severity::Info => 2,
    }
}

/// A code's documentation split into its parts (docs/findings.md).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Explanation {
    /// What the code means (inline Markdown: `code` spans).
    pub description: String,
    /// The evidence keys (inline Markdown), may be empty.
    pub evidence: String,
    /// The generic fix (inline Markdown), may be empty.
    pub fix: String,
}

/// Split [`Code::explanation`] into description, evidence and fix, each on one line.
pub fn explain(code: Code) -> Explanation {
    let text = code.explanation();
    let (mut description, mut evidence, mut fix) = (Vec::new(), Vec::new(), Vec::new());
    let mut part = 0;
    for line in text.lines().map(str::trim) {
        if line.starts_with("Severity:") {
            continue;
        }
        if let Some(rest) = line.strip_prefix("Evidence:") {
            part = 1;
            evidence.push(rest.trim());
            continue;
        }
        if let Some(rest) = line.strip_prefix("Fix:") {
            part = 2;
            fix.push(rest.trim());
            continue;
        }
        match part {
            0 => description.push(line),
            1 => evidence.push(line),
            _ => fix.push(line),
        }
    }
    let join = |v: Vec<&str>| {
        v.into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    };
    Explanation {
        description: join(description),
        evidence: join(evidence),
        fix: join(fix),
    }
}

/// One code present in the report, for "why Azure Linux 4.0 is not a drop-in Fedora".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Why {
    pub code: Code,
    pub severity: Severity,
    /// Unwaived findings with this code.
    pub findings: u64,
    /// Files, packages or units they are about ([`item`]).
    pub items: u64,
    /// The word for them ([`item_word`]).
    pub item_word: &'static str,
    /// Up to five distinct subjects, sorted.
    pub subjects: Vec<String>,
    pub explanation: Explanation,
}

/// The codes of the unwaived findings, worst first (then in documentation order).
pub fn why(r: &Report) -> Vec<Why> {
    struct Acc<'a> {
        severity: Severity,
        findings: u64,
        items: BTreeSet<&'a str>,
        subjects: BTreeSet<&'a str>,
        /// Units area: items that are units, items that are files.
        units: bool,
        files: bool,
    }
    let mut m: BTreeMap<Code, Acc> = BTreeMap::new();
    for f in r.findings.iter().filter(|f| counts(f)) {
        let e = m.entry(f.code).or_insert(Acc {
            severity: f.severity,
            findings: 0,
            items: BTreeSet::new(),
            subjects: BTreeSet::new(),
            units: false,
            files: false,
        });
        e.units |= item_is_unit(f);
        e.files |= !item_is_unit(f);
        e.severity = e.severity.max(f.severity);
        e.findings += 1;
        e.items.insert(item(f).1);
        if let Some(s) = f.subject.as_deref() {
            e.subjects.insert(s);
        }
    }
    let order = |c: &Code| Code::ALL.iter().position(|x| x == c).unwrap_or(usize::MAX);
    let mut v: Vec<Why> = m
        .into_iter()
        .map(|(code, a)| Why {
            code,
            severity: a.severity,
            findings: a.findings,
            items: a.items.len() as u64,
            item_word: match (Area::of(code), a.units, a.files) {
                (Area::Units, true, true) => "units and files",
                (Area::Units, false, _) => item_word(Area::Other, a.items.len() as u64),
                (area, _, _) => item_word(area, a.items.len() as u64),
            },
            subjects: a.subjects.into_iter().take(5).map(String::from).collect(),
            explanation: explain(code),
        })
        .collect();
    v.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(order(&a.code).cmp(&order(&b.code)))
    });
    v
}

/// The evidence map as `k=v;k=v`, with `\`, `;` and `=` in keys and values escaped by `\`.
pub fn evidence_string(f: &Finding) -> String {
    let esc = |s: &str| {
        let mut o = String::with_capacity(s.len());
        for c in s.chars() {
            if matches!(c, '\\' | ';' | '=') {
                o.push('\\');
            }
            o.push(c);
        }
        o
    };
    f.evidence
        .iter()
        .map(|(k, v)| format!("{}={}", esc(k), esc(v)))
        .collect::<Vec<_>>()
        .join(";")
}

/// How a finding's waiver reads: "waived by OWNER until DATE: WHY", "waiver expired on DATE ...".
pub fn waiver_text(f: &Finding) -> Option<String> {
    use crate::findings::WaiverStatus;
    let w = f.waiver.as_ref()?;
    let until = w
        .expires
        .as_deref()
        .map(|d| format!(" until {d}"))
        .unwrap_or_default();
    Some(match w.status {
        WaiverStatus::Active => format!("waived by {}{until}: {}", w.owner, w.justification),
        WaiverStatus::Expired => format!(
            "waiver by {} expired on {} (no longer applies): {}",
            w.owner,
            w.expires.as_deref().unwrap_or("?"),
            w.justification
        ),
    })
}

/// Verdicts worst first, as tables list them.
pub fn verdict_rank(v: Verdict) -> u8 {
    match v {
        Verdict::Breaks => 0,
        Verdict::Unknown => 1,
        Verdict::NeedsPackages => 2,
        Verdict::Ok => 3,
    }
}

/// The columns of the installed-packages table, for every renderer that has one.
pub const PACKAGE_COLUMNS: &[&str] = &[
    "package",
    "version",
    "origin",
    "fate",
    "on the target",
    "why",
    "findings",
];

/// Fates in the order a reader cares about (worst first); unknown fates sort last.
pub const FATES: &[&str] = &[
    "not-shipped",
    "not-published",
    "sdk-only",
    "obsoleted-by",
    "provided-by",
    "shipped",
    "carried",
];

/// A fate's place in [`FATES`].
pub fn fate_rank(fate: &str) -> usize {
    FATES.iter().position(|f| *f == fate).unwrap_or(FATES.len())
}

/// The installed packages in the order every renderer lists them (the report's: by name).
pub fn package_order(r: &Report) -> impl Iterator<Item = &crate::checks::packages::PackageReport> {
    r.packages.iter()
}

/// The units in the order every renderer lists them: workload and third-party units first,
/// then by verdict (worst first), scope, name and path.
pub fn unit_order(r: &Report) -> Vec<(&UnitReport, Verdict)> {
    let mut v: Vec<(&UnitReport, Verdict)> =
        r.units.iter().map(|u| (u, unit_verdict(r, u))).collect();
    v.sort_by(|a, b| {
        (
            a.0.origin == "distro",
            verdict_rank(a.1),
            &a.0.scope,
            &a.0.unit,
            &a.0.path,
        )
            .cmp(&(
                b.0.origin == "distro",
                verdict_rank(b.1),
                &b.0.scope,
                &b.0.unit,
                &b.0.path,
            ))
    });
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn areas_follow_code_prefixes() {
        assert_eq!(Area::of(Code::ElfLibraryMissing), Area::Binaries);
        assert_eq!(Area::of(Code::ScriptInterpreterMissing), Area::Scripts);
        assert_eq!(Area::of(Code::UnitLimitIgnored), Area::Units);
        assert_eq!(Area::of(Code::SystemdLegacyFile), Area::Units);
    }

    #[test]
    fn every_code_has_a_description_and_a_fix() {
        for &c in Code::ALL {
            let e = explain(c);
            assert!(!e.description.is_empty(), "{c}");
            assert!(!e.fix.is_empty(), "{c}");
            assert!(!e.description.contains("Severity:"), "{c}");
        }
    }

    #[test]
    fn evidence_is_escaped() {
        let f = Finding::new(Code::ElfDependencyBreaks, "/a")
            .evidence("causes", "a; b=c\\d")
            .evidence("library", "/l");
        assert_eq!(evidence_string(&f), "causes=a\\; b\\=c\\\\d;library=/l");
    }
}
