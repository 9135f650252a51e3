//! Policy: waivers, severity overrides and the failure threshold (docs/reports.md).
//!
//! A policy is read from TOML ([`Policy::from_toml`]) and applied to a report in place
//! ([`apply_policy`]): overrides change a finding's severity (the old one is kept in
//! `overridden_from`), waivers are recorded on the findings they match (an expired waiver is
//! recorded too, and does not apply), the verdicts of the binaries are recomputed from the
//! findings that still count, and so are the summary counts. Applying a policy to a report that
//! already carries one replaces it.

use super::{Binary, Report, SeverityCounts, VerdictCounts};
use crate::findings::Verdict;
use crate::findings::{Code, Finding, Severity, Waiver, WaiverStatus};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

/// A calendar date (proleptic Gregorian), as in `YYYY-MM-DD`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: i32,
    month: u32,
    day: u32,
}

impl Date {
    /// A valid date, or `None`.
    pub fn new(year: i32, month: u32, day: u32) -> Option<Date> {
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        (1..=days)
            .contains(&day)
            .then_some(Date { year, month, day })
    }

    /// Parse exactly `YYYY-MM-DD`.
    pub fn parse(s: &str) -> Option<Date> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let digits = |r: std::ops::Range<usize>| {
            let part = &s[r];
            part.bytes()
                .all(|c| c.is_ascii_digit())
                .then(|| part.parse::<u32>().ok())
                .flatten()
        };
        Date::new(digits(0..4)? as i32, digits(5..7)?, digits(8..10)?)
    }

    /// The date `days` days after 1970-01-01.
    pub fn from_unix_days(days: i64) -> Date {
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }

    /// Today in UTC, from the system clock.
    pub fn today_utc() -> Date {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        Date::from_unix_days(secs.div_euclid(86_400))
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// Lowest severity that fails a run (exit status 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FailOn {
    Blocker,
    Warning,
    Info,
    Never,
}

impl FailOn {
    pub fn as_str(self) -> &'static str {
        match self {
            FailOn::Blocker => "blocker",
            FailOn::Warning => "warning",
            FailOn::Info => "info",
            FailOn::Never => "never",
        }
    }

    /// The severity at or above which an unwaived finding fails the run (`None`: never).
    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Blocker => Some(Severity::Blocker),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Info => Some(Severity::Info),
            FailOn::Never => None,
        }
    }
}

/// Whether an unwaived finding at or above `fail_on` remains (exit status 1).
pub fn fails(report: &Report, fail_on: FailOn) -> bool {
    let Some(threshold) = fail_on.threshold() else {
        return false;
    };
    report
        .findings
        .iter()
        .any(|f| !f.is_waived() && f.severity >= threshold)
}

/// One waiver of a policy: the stable key of the findings it waives, who owns it, why, until when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WaiverRule {
    pub code: Code,
    /// The finding's path, exactly.
    pub path: String,
    /// The finding's subject; `None` waives every subject of the code on that path.
    pub subject: Option<String>,
    pub owner: String,
    pub justification: String,
    /// Last day the waiver applies; it has expired from the next day on.
    pub expires: Option<Date>,
}

impl WaiverRule {
    fn matches(&self, f: &Finding) -> bool {
        f.code == self.code
            && f.path == self.path
            && self
                .subject
                .as_deref()
                .is_none_or(|s| f.subject.as_deref() == Some(s))
    }

    fn is_active(&self, today: Date) -> bool {
        self.expires.is_none_or(|e| today <= e)
    }

    /// `code path [subject]`, as listed among unmatched waivers.
    fn key(&self) -> String {
        match &self.subject {
            Some(s) => format!("{} {} {s}", self.code, self.path),
            None => format!("{} {}", self.code, self.path),
        }
    }
}

/// A policy: the failure threshold, severity overrides per code, waivers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Policy {
    pub fail_on: Option<FailOn>,
    pub overrides: BTreeMap<Code, Severity>,
    pub waivers: Vec<WaiverRule>,
    /// Paths that are not workload, left out of the scan (`exclude`; applied by `scan` only).
    pub exclude: Vec<ExcludeRule>,
}

/// One `exclude` entry of a policy: a pattern (syntax in `inventory::exclude`) and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExcludeRule {
    pub pattern: String,
    pub reason: Option<String>,
}

/// `exclude = ["GLOB", { pattern = "GLOB", reason = "..." }]`.
#[derive(Deserialize)]
#[serde(untagged)]
enum RawExclude {
    Pattern(String),
    Rule {
        pattern: String,
        #[serde(default)]
        reason: Option<String>,
    },
}

/// A policy file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// The I/O error is part of the message, not a `source()` (said once).
    #[error("cannot read policy {path}: {error}")]
    Read { path: String, error: std::io::Error },
    #[error("invalid policy{}: {message}", .path.as_ref().map(|p| format!(" {p}")).unwrap_or_default())]
    Invalid {
        path: Option<String>,
        message: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    #[serde(default)]
    fail_on: Option<FailOn>,
    #[serde(default)]
    overrides: BTreeMap<String, Severity>,
    #[serde(default, rename = "waiver")]
    waivers: Vec<RawWaiver>,
    #[serde(default)]
    exclude: Vec<RawExclude>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWaiver {
    code: String,
    path: String,
    #[serde(default)]
    subject: Option<String>,
    owner: String,
    justification: String,
    /// A TOML date (`2026-12-31`) or a string (`"2026-12-31"`).
    #[serde(default)]
    expires: Option<toml::Value>,
}

impl Policy {
    /// Parse a policy from TOML (format in docs/reports.md).
    pub fn from_toml(text: &str) -> Result<Policy, PolicyError> {
        let invalid = |message: String| PolicyError::Invalid {
            path: None,
            message,
        };
        let raw: RawPolicy = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
        let mut overrides = BTreeMap::new();
        for (code, sev) in raw.overrides {
            let code: Code = code
                .parse()
                .map_err(|e: String| invalid(format!("[overrides]: {e}")))?;
            overrides.insert(code, sev);
        }
        let mut waivers = Vec::new();
        for (i, w) in raw.waivers.into_iter().enumerate() {
            let at = format!("[[waiver]] #{}", i + 1);
            let code: Code = w
                .code
                .parse()
                .map_err(|e: String| invalid(format!("{at}: {e}")))?;
            for (name, value) in [
                ("path", &w.path),
                ("owner", &w.owner),
                ("justification", &w.justification),
            ] {
                if value.trim().is_empty() {
                    return Err(invalid(format!("{at}: `{name}` must not be empty")));
                }
            }
            let expires = match &w.expires {
                None => None,
                Some(v) => {
                    let text = match v {
                        toml::Value::String(s) => s.clone(),
                        toml::Value::Datetime(d) => d.to_string(),
                        other => format!("a {}", other.type_str()),
                    };
                    Some(Date::parse(&text).ok_or_else(|| {
                        invalid(format!(
                            "{at}: `expires` must be a date YYYY-MM-DD, not {text}"
                        ))
                    })?)
                }
            };
            waivers.push(WaiverRule {
                code,
                path: w.path,
                subject: w.subject.filter(|s| !s.is_empty()),
                owner: w.owner,
                justification: w.justification,
                expires,
            });
        }
        let mut exclude = Vec::new();
        let mut check = crate::inventory::exclude::Exclusions::none();
        for x in raw.exclude {
            let (pattern, reason) = match x {
                RawExclude::Pattern(p) => (p, None),
                RawExclude::Rule { pattern, reason } => (pattern, reason),
            };
            check
                .add(&pattern, "", crate::inventory::exclude::RuleOrigin::Policy)
                .map_err(|e| invalid(format!("exclude: {e}")))?;
            exclude.push(ExcludeRule {
                pattern,
                reason: reason.filter(|r| !r.trim().is_empty()),
            });
        }
        Ok(Policy {
            fail_on: raw.fail_on,
            overrides,
            waivers,
            exclude,
        })
    }

    /// Read and parse a policy file.
    pub fn load(path: &Path) -> Result<Policy, PolicyError> {
        let text = crate::source::user_file::read(path, crate::source::user_file::MAX_POLICY)
            .map_err(|error| PolicyError::Read {
                path: path.display().to_string(),
                error,
            })?;
        Policy::from_toml(&text).map_err(|e| match e {
            PolicyError::Invalid { message, .. } => PolicyError::Invalid {
                path: Some(path.display().to_string()),
                message,
            },
            other => other,
        })
    }
}

/// What a policy did to a report (the report's `policy` field).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliedPolicy {
    /// The date waiver expiry was judged against.
    pub today: String,
    /// The policy's failure threshold, if it sets one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_on: Option<FailOn>,
    /// Severity overrides per code.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub overrides: BTreeMap<Code, Severity>,
    /// Number of waivers in the policy.
    pub waivers: u64,
    /// Findings waived (an active waiver, or following from a file that no longer breaks).
    pub waived: u64,
    /// Findings whose waiver has expired: they count again.
    pub expired: u64,
    /// Waivers that matched no finding (`code path [subject]`): stale, or mistyped.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unmatched_waivers: Vec<String>,
}

/// Codes whose findings only follow from another file's breakage (named by the subject).
fn is_derived(code: Code) -> bool {
    matches!(
        code,
        Code::ElfDependencyBreaks | Code::ScriptInterpreterBreaks
    )
}

/// Apply `policy` to `report` as of `today`: overrides, waivers, verdicts, summary.
pub fn apply_policy(report: &mut Report, policy: &Policy, today: Date) {
    // An earlier policy's effects are undone first, so that applying is idempotent.
    let reapplied = report.policy.is_some();
    for f in &mut report.findings {
        if let Some(s) = f.overridden_from.take() {
            f.severity = s;
        }
        f.waiver = None;
    }
    let mut touched: BTreeSet<String> = BTreeSet::new();
    for f in &mut report.findings {
        if let Some(&s) = policy.overrides.get(&f.code)
            && s != f.severity
        {
            f.overridden_from = Some(f.severity);
            f.severity = s;
            touched.insert(f.path.clone());
        }
    }
    let mut matched = vec![false; policy.waivers.len()];
    for f in &mut report.findings {
        // An active waiver wins over an expired one, a waiver naming the subject over one that
        // does not, the earlier over the later.
        let best = policy
            .waivers
            .iter()
            .enumerate()
            .filter(|(_, w)| w.matches(f))
            .min_by_key(|(i, w)| (!w.is_active(today), w.subject.is_none(), *i));
        let Some((i, w)) = best else { continue };
        matched[i] = true;
        let active = w.is_active(today);
        f.waiver = Some(Waiver {
            status: if active {
                WaiverStatus::Active
            } else {
                WaiverStatus::Expired
            },
            owner: w.owner.clone(),
            justification: w.justification.clone(),
            expires: w.expires.map(|d| d.to_string()),
            via: None,
        });
        if active {
            touched.insert(f.path.clone());
        }
    }
    recompute_verdicts(report, &touched, reapplied);
    recompute_summary(report);
    report.policy = Some(AppliedPolicy {
        today: today.to_string(),
        fail_on: policy.fail_on,
        overrides: policy.overrides.clone(),
        waivers: policy.waivers.len() as u64,
        waived: report.findings.iter().filter(|f| f.is_waived()).count() as u64,
        expired: report
            .findings
            .iter()
            .filter(|f| {
                f.waiver
                    .as_ref()
                    .is_some_and(|w| w.status == WaiverStatus::Expired)
            })
            .count() as u64,
        unmatched_waivers: policy
            .waivers
            .iter()
            .zip(&matched)
            .filter(|(_, m)| !**m)
            .map(|(w, _)| w.key())
            .collect(),
    });
    recompute_units(report);
}

/// Verdicts from the findings that still count, with the rule of docs/findings.md: an unwaived
/// blocker -> `breaks`; else an unwaived `elf-library-off-search-path` -> `unknown`; else a
/// package needed -> `needs-packages`; else `ok`. A file also takes on `unknown` from what it
/// loads; a derived finding (`elf-dependency-breaks`, `script-interpreter-breaks`) counts only
/// while the file it names still breaks, and is waived `via` that file otherwise.
///
/// Only binaries that the policy touched (their findings, or those of what they load) are
/// recomputed, unless `all`: the others keep the checker's verdict.
struct Verdicts<'a> {
    binaries: &'a [Binary],
    index: HashMap<&'a str, usize>,
    findings: HashMap<&'a str, Vec<&'a Finding>>,
    touched: &'a BTreeSet<String>,
    all: bool,
    affected: HashMap<usize, bool>,
    verdicts: HashMap<usize, Verdict>,
    /// Cycle guards (loads never form a cycle in a checker's report; a hand-edited one might).
    visiting_affected: BTreeSet<usize>,
    visiting: BTreeSet<usize>,
}

impl<'a> Verdicts<'a> {
    fn new(
        binaries: &'a [Binary],
        findings: &'a [Finding],
        touched: &'a BTreeSet<String>,
        all: bool,
    ) -> Self {
        let index = binaries
            .iter()
            .enumerate()
            .map(|(i, b)| (b.path.as_str(), i))
            .collect();
        let mut by_path: HashMap<&str, Vec<&Finding>> = HashMap::new();
        for f in findings {
            by_path.entry(f.path.as_str()).or_default().push(f);
        }
        Verdicts {
            binaries,
            index,
            findings: by_path,
            touched,
            all,
            affected: HashMap::new(),
            verdicts: HashMap::new(),
            visiting_affected: BTreeSet::new(),
            visiting: BTreeSet::new(),
        }
    }

    /// The binaries whose verdicts follow from binary `i`'s: what it loads, what it derives from.
    fn dependencies(&self, i: usize) -> Vec<usize> {
        let b = &self.binaries[i];
        let derived = self
            .findings
            .get(b.path.as_str())
            .into_iter()
            .flatten()
            .filter(|f| is_derived(f.code))
            .filter_map(|f| f.subject.as_deref());
        b.loads
            .iter()
            .map(String::as_str)
            .chain(derived)
            .filter_map(|p| self.index.get(p).copied())
            .filter(|&d| d != i)
            .collect()
    }

    fn affected(&mut self, i: usize) -> bool {
        if self.all {
            return true;
        }
        if let Some(&a) = self.affected.get(&i) {
            return a;
        }
        if !self.visiting_affected.insert(i) {
            return false;
        }
        let mut a = self.touched.contains(&self.binaries[i].path);
        for d in self.dependencies(i) {
            a |= self.affected(d);
        }
        self.visiting_affected.remove(&i);
        self.affected.insert(i, a);
        a
    }

    fn verdict(&mut self, i: usize) -> Verdict {
        if let Some(&v) = self.verdicts.get(&i) {
            return v;
        }
        let b = &self.binaries[i];
        if !self.affected(i) || !self.visiting.insert(i) {
            return b.verdict;
        }
        let fs: Vec<&Finding> = self
            .findings
            .get(b.path.as_str())
            .cloned()
            .unwrap_or_default();
        let mut blocker = false;
        let mut off_path = false;
        for f in fs.iter().filter(|f| !f.is_waived()) {
            if f.severity == Severity::Blocker {
                blocker |= !is_derived(f.code) || self.cause_breaks(f);
            }
            off_path |= matches!(
                f.code,
                Code::ElfLibraryOffSearchPath
                    | Code::ElfLibraryUnreadable
                    | Code::ScriptInterpreterUnreadable
            );
        }
        let mut v = if blocker {
            Verdict::Breaks
        } else if off_path {
            Verdict::Unknown
        } else if !b.packages.is_empty() {
            Verdict::NeedsPackages
        } else {
            Verdict::Ok
        };
        let loads: Vec<usize> = b
            .loads
            .iter()
            .filter_map(|p| self.index.get(p.as_str()).copied())
            .collect();
        for l in loads {
            if l != i && self.verdict(l) == Verdict::Unknown {
                v = v.max(Verdict::Unknown);
            }
        }
        self.visiting.remove(&i);
        self.verdicts.insert(i, v);
        v
    }

    /// Whether the file a derived finding names still breaks (unknown files: assume it does).
    fn cause_breaks(&mut self, f: &Finding) -> bool {
        match f
            .subject
            .as_deref()
            .and_then(|s| self.index.get(s).copied())
        {
            Some(c) => self.verdict(c) == Verdict::Breaks,
            None => true,
        }
    }
}

fn recompute_verdicts(report: &mut Report, touched: &BTreeSet<String>, all: bool) {
    let (new_verdicts, resolved): (Vec<Verdict>, Vec<(usize, String)>) = {
        let mut v = Verdicts::new(&report.binaries, &report.findings, touched, all);
        let verdicts = (0..report.binaries.len()).map(|i| v.verdict(i)).collect();
        // Derived findings whose cause no longer breaks.
        let mut resolved = Vec::new();
        for (fi, f) in report.findings.iter().enumerate() {
            if !is_derived(f.code) || f.is_waived() {
                continue;
            }
            let (Some(&owner), Some(cause)) = (
                v.index.get(f.path.as_str()),
                f.subject.as_deref().and_then(|s| v.index.get(s).copied()),
            ) else {
                continue;
            };
            if v.affected(owner) && v.verdict(cause) != Verdict::Breaks {
                resolved.push((fi, report.binaries[cause].path.clone()));
            }
        }
        (verdicts, resolved)
    };
    for (b, v) in report.binaries.iter_mut().zip(new_verdicts) {
        b.verdict = v;
    }
    for (fi, cause) in resolved {
        let f = &mut report.findings[fi];
        f.waiver = Some(Waiver {
            status: WaiverStatus::Active,
            owner: "policy".into(),
            justification: format!("follows from {cause}, which no longer breaks under the policy"),
            expires: None,
            via: Some(cause),
        });
    }
}

/// Summary counts from the verdicts and the findings that still count.
fn recompute_summary(report: &mut Report) {
    let mut counts = VerdictCounts::default();
    for b in &report.binaries {
        counts.total += 1;
        match b.verdict {
            Verdict::Ok => counts.ok += 1,
            Verdict::NeedsPackages => counts.needs_packages += 1,
            Verdict::Breaks => counts.breaks += 1,
            Verdict::Unknown => counts.unknown += 1,
        }
    }
    let mut sev = SeverityCounts::default();
    for f in report.findings.iter().filter(|f| !f.is_waived()) {
        match f.severity {
            Severity::Blocker => sev.blocker += 1,
            Severity::Warning => sev.warning += 1,
            Severity::Info => sev.info += 1,
        }
    }
    report.summary.binaries = counts;
    report.summary.findings = sev;
    report.summary.top_causes = super::top_causes(&report.findings, &report.target_facts());
    if let Some(pc) = &mut report.summary.packages {
        let blocking: BTreeSet<&String> = report
            .findings
            .iter()
            .filter(|f| !f.is_waived() && f.severity == Severity::Blocker)
            .filter(|f| super::readiness::Area::of(f.code) == super::readiness::Area::Packages)
            .filter_map(|f| f.evidence.get("package"))
            .collect();
        pc.blocking = blocking.into_iter().cloned().collect();
    }
}

/// Unit verdicts after the policy (a unit whose blockers are all waived runs), and their counts.
fn recompute_units(report: &mut Report) {
    let verdicts: Vec<Verdict> = report
        .units
        .iter()
        .map(|u| super::readiness::unit_verdict(report, u))
        .collect();
    let mut by_verdict: BTreeMap<String, u64> = BTreeMap::new();
    for (u, v) in report.units.iter_mut().zip(verdicts) {
        u.verdict = v;
        if u.origin != "distro" {
            *by_verdict.entry(v.as_str().to_string()).or_default() += 1;
        }
    }
    if let Some(uc) = &mut report.summary.units {
        uc.by_verdict = by_verdict;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_strictly_and_compare() {
        assert_eq!(Date::parse("2026-02-28").unwrap().to_string(), "2026-02-28");
        assert!(Date::parse("2028-02-29").is_some());
        assert!(Date::parse("2026-02-29").is_none());
        assert!(Date::parse("2026-13-01").is_none());
        assert!(Date::parse("2026-1-01").is_none());
        assert!(Date::parse("+026-01-01").is_none());
        assert!(Date::parse("2026-01-01T00:00").is_none());
        assert!(Date::parse("2026-01-31") < Date::parse("2026-02-01"));
        assert_eq!(Date::from_unix_days(0).to_string(), "1970-01-01");
        assert_eq!(Date::from_unix_days(20_454).to_string(), "2026-01-01");
        assert_eq!(Date::from_unix_days(-1).to_string(), "1969-12-31");
        assert_eq!(Date::from_unix_days(11_016).to_string(), "2000-02-29");
    }

    #[test]
    fn policy_parses_dates_in_both_spellings_and_rejects_mistakes() {
        let p = Policy::from_toml(
            r#"
fail_on = "warning"
[overrides]
elf-glibc-private = "blocker"
[[waiver]]
code = "elf-library-missing"
path = "/opt/a"
owner = "me"
justification = "why"
expires = 2026-12-31
[[waiver]]
code = "elf-library-missing"
path = "/opt/b"
subject = "libx.so.1"
owner = "me"
justification = "why"
expires = "2027-01-01"
"#,
        )
        .unwrap();
        assert_eq!(p.fail_on, Some(FailOn::Warning));
        assert_eq!(p.overrides[&Code::ElfGlibcPrivate], Severity::Blocker);
        assert_eq!(p.waivers[0].expires, Date::parse("2026-12-31"));
        assert_eq!(p.waivers[1].expires, Date::parse("2027-01-01"));
        for bad in [
            "fail_on = \"sometimes\"",
            "[overrides]\nno-such-code = \"info\"",
            "[overrides]\nelf-glibc-private = \"fatal\"",
            "[[waiver]]\ncode = \"elf-library-missing\"\npath = \"/a\"\nowner = \"\"\njustification = \"j\"",
            "[[waiver]]\ncode = \"elf-library-missing\"\npath = \"/a\"\nowner = \"o\"\njustification = \"j\"\nexpires = \"31/12/2026\"",
            "[[waiver]]\ncode = \"elf-library-missing\"\npath = \"/a\"\nowner = \"o\"\njustification = \"j\"\nexpire = \"2026-12-31\"",
            "[[waivers]]\ncode = \"elf-library-missing\"",
        ] {
            assert!(Policy::from_toml(bad).is_err(), "accepted: {bad}");
        }
    }

    #[test]
    fn a_waiver_expires_after_its_last_day() {
        let w = WaiverRule {
            code: Code::ElfLibraryMissing,
            path: "/a".into(),
            subject: None,
            owner: "o".into(),
            justification: "j".into(),
            expires: Date::parse("2026-06-30"),
        };
        assert!(w.is_active(Date::parse("2026-06-30").unwrap()));
        assert!(!w.is_active(Date::parse("2026-07-01").unwrap()));
    }
}
