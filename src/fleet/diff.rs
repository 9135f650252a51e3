//! Two reports of the same root compared: which findings are new, which are resolved, which
//! remain, and which packages, units and binaries changed verdict (`azl-compat diff`).
//!
//! Findings are matched by their stable key ([`FindingKey`]): code, path and subject — what a
//! policy waiver matches too — never the message, the line or the evidence, which change with
//! the wording or an unrelated edit of the file. When a report holds several findings with the
//! same key they are matched in order (the n-th of the old with the n-th of the new).

use crate::findings::{Code, Finding, Severity};
use crate::report::Report;
use crate::report::policy::FailOn;
use serde::Serialize;
use std::collections::BTreeMap;

/// What identifies a finding across runs.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct FindingKey {
    pub code: Code,
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// 0 for the first finding with this code, path and subject; 1 for a second one ...
    #[serde(skip_serializing_if = "is_zero")]
    pub occurrence: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// One finding of the diff, as the report that has it says.
#[derive(Clone, Debug, Serialize)]
pub struct DiffFinding {
    #[serde(flatten)]
    pub key: FindingKey,
    pub severity: Severity,
    /// Waived by an active policy waiver (does not fail the diff).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub waived: bool,
    /// Absent in `fleet diff`: the store keeps no message.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub message: String,
}

/// Something that changed verdict between the two runs (a package's fate, a unit's or a
/// binary's verdict); `old`/`new` absent when it is only in one of the reports.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Change {
    /// The package name, unit name or binary path.
    pub name: String,
    /// Where it lives: the package's manager and location, the unit's path, the binary's kind.
    pub r#where: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<String>,
}

/// The comparison of two reports (the JSON of `azl-compat diff --format json`).
#[derive(Clone, Debug, Serialize)]
pub struct Diff {
    /// Version of this JSON shape (docs/fleet.md).
    pub diff_version: u32,
    pub old: Side,
    pub new: Side,
    pub counts: Counts,
    pub new_findings: Vec<DiffFinding>,
    pub resolved_findings: Vec<DiffFinding>,
    pub unchanged_findings: Vec<DiffFinding>,
    pub packages: Vec<Change>,
    pub units: Vec<Change>,
    pub binaries: Vec<Change>,
}

/// Which report a side of the diff is.
#[derive(Clone, Debug, Serialize)]
pub struct Side {
    pub root: String,
    pub knowledge: String,
    pub tool_version: String,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Counts {
    pub new: usize,
    pub resolved: usize,
    pub unchanged: usize,
    /// New findings by severity (blocker, warning, info).
    pub new_by_severity: BTreeMap<String, usize>,
    pub packages_changed: usize,
    pub units_changed: usize,
    pub binaries_changed: usize,
}

pub const DIFF_VERSION: u32 = 1;

fn keyed(findings: &[Finding]) -> BTreeMap<FindingKey, &Finding> {
    let mut seen: BTreeMap<(Code, &str, Option<&str>), u32> = BTreeMap::new();
    let mut out = BTreeMap::new();
    for f in findings {
        let n = seen
            .entry((f.code, f.path.as_str(), f.subject.as_deref()))
            .or_insert(0);
        let key = FindingKey {
            code: f.code,
            path: f.path.clone(),
            subject: f.subject.clone(),
            occurrence: *n,
        };
        *n += 1;
        out.insert(key, f);
    }
    out
}

fn entry(key: &FindingKey, f: &Finding) -> DiffFinding {
    DiffFinding {
        key: key.clone(),
        severity: f.severity,
        waived: f.is_waived(),
        message: f.message.clone(),
    }
}

/// Findings of two runs matched by key: new, resolved, unchanged (each sorted by key).
#[derive(Clone, Debug, Default)]
pub struct Matched {
    pub new: Vec<DiffFinding>,
    pub resolved: Vec<DiffFinding>,
    pub unchanged: Vec<DiffFinding>,
}

/// Match the findings of an old and a new run by [`FindingKey`] (repeated keys in order). Used
/// by `diff` of two reports and by `fleet diff` for each host in both runs.
pub fn match_findings(old: &[Finding], new: &[Finding]) -> Matched {
    let (a, b) = (keyed(old), keyed(new));
    let mut m = Matched::default();
    for (k, f) in &b {
        match a.contains_key(k) {
            true => m.unchanged.push(entry(k, f)),
            false => m.new.push(entry(k, f)),
        }
    }
    for (k, f) in &a {
        if !b.contains_key(k) {
            m.resolved.push(entry(k, f));
        }
    }
    m
}

/// New findings by severity, waived ones left out.
pub fn by_severity(new: &[DiffFinding]) -> BTreeMap<String, usize> {
    new.iter()
        .filter(|f| !f.waived)
        .fold(BTreeMap::new(), |mut m, f| {
            *m.entry(f.severity.as_str().to_string()).or_insert(0) += 1;
            m
        })
}

/// Whether one of these (new) findings is unwaived and at or above `fail_on`.
pub fn any_at_or_above(new: &[DiffFinding], fail_on: FailOn) -> bool {
    let Some(t) = fail_on.threshold() else {
        return false;
    };
    new.iter().any(|f| !f.waived && f.severity >= t)
}

/// Name-keyed verdicts compared: what changed, with `old`/`new` absent when only one side has it.
pub fn changes(
    old: BTreeMap<(String, String), String>,
    new: BTreeMap<(String, String), String>,
) -> Vec<Change> {
    let mut out = Vec::new();
    let keys: std::collections::BTreeSet<_> = old.keys().chain(new.keys()).cloned().collect();
    for k in keys {
        let (o, n) = (old.get(&k), new.get(&k));
        if o != n {
            out.push(Change {
                name: k.0,
                r#where: k.1,
                old: o.cloned(),
                new: n.cloned(),
            });
        }
    }
    out
}

/// Compare two reports of the same root (`old` before, `new` after).
pub fn diff(old: &Report, new: &Report) -> Diff {
    let mut d = Diff {
        diff_version: DIFF_VERSION,
        old: side(old),
        new: side(new),
        counts: Counts::default(),
        new_findings: Vec::new(),
        resolved_findings: Vec::new(),
        unchanged_findings: Vec::new(),
        packages: Vec::new(),
        units: Vec::new(),
        binaries: Vec::new(),
    };
    let m = match_findings(&old.findings, &new.findings);
    (d.new_findings, d.resolved_findings, d.unchanged_findings) = (m.new, m.resolved, m.unchanged);
    let pkgs = |r: &Report| {
        r.packages
            .iter()
            .map(|p| {
                let arch = p
                    .arch
                    .as_deref()
                    .map(|a| format!(".{a}"))
                    .unwrap_or_default();
                (
                    (
                        format!("{}{arch}", p.name),
                        format!("{} {}", p.manager, p.location),
                    ),
                    p.fate.clone(),
                )
            })
            .collect()
    };
    d.packages = changes(pkgs(old), pkgs(new));
    let units = |r: &Report| {
        r.units
            .iter()
            .map(|u| {
                (
                    (u.unit.clone(), format!("{} {}", u.scope, u.path)),
                    u.verdict.as_str().to_string(),
                )
            })
            .collect()
    };
    d.units = changes(units(old), units(new));
    let bins = |r: &Report| {
        r.binaries
            .iter()
            .map(|b| {
                (
                    (b.path.clone(), b.kind.clone()),
                    b.verdict.as_str().to_string(),
                )
            })
            .collect()
    };
    d.binaries = changes(bins(old), bins(new));
    d.counts = Counts {
        new: d.new_findings.len(),
        resolved: d.resolved_findings.len(),
        unchanged: d.unchanged_findings.len(),
        new_by_severity: by_severity(&d.new_findings),
        packages_changed: d.packages.len(),
        units_changed: d.units.len(),
        binaries_changed: d.binaries.len(),
    };
    d
}

fn side(r: &Report) -> Side {
    Side {
        root: r.source.root.clone(),
        knowledge: r.knowledge.id.clone(),
        tool_version: r.tool.version.clone(),
    }
}

impl Diff {
    /// Whether a new, unwaived finding is at or above `fail_on` (exit status 1), the same
    /// threshold `scan --fail-on` applies to all findings.
    pub fn fails(&self, fail_on: FailOn) -> bool {
        any_at_or_above(&self.new_findings, fail_on)
    }

    /// The diff as text, for a terminal or a CI log (names escaped like every rendering).
    pub fn render_text(&self) -> String {
        use crate::report::escape::visible;
        let mut s = String::new();
        s.push_str(&format!(
            "diff {} -> {}\n",
            visible(&self.old.root),
            visible(&self.new.root)
        ));
        let c = &self.counts;
        s.push_str(&format!(
            "findings: {} new, {} resolved, {} unchanged; changed verdicts: {} packages, {} units, {} binaries\n",
            c.new, c.resolved, c.unchanged, c.packages_changed, c.units_changed, c.binaries_changed
        ));
        let list = |s: &mut String, title: &str, fs: &[DiffFinding]| {
            if fs.is_empty() {
                return;
            }
            s.push_str(&format!("\n{title} ({}):\n", fs.len()));
            for f in fs {
                let subject = f
                    .key
                    .subject
                    .as_deref()
                    .map(|x| format!(" [{}]", visible(x)))
                    .unwrap_or_default();
                let waived = if f.waived { " (waived)" } else { "" };
                s.push_str(&format!(
                    "  {:<8} {} {}{subject}{waived}\n",
                    f.severity.as_str(),
                    f.key.code.as_str(),
                    visible(&f.key.path)
                ));
            }
        };
        list(&mut s, "new", &self.new_findings);
        list(&mut s, "resolved", &self.resolved_findings);
        let changed = |s: &mut String, title: &str, cs: &[Change]| {
            if cs.is_empty() {
                return;
            }
            s.push_str(&format!("\n{title} ({}):\n", cs.len()));
            for c in cs {
                s.push_str(&format!(
                    "  {} ({}): {} -> {}\n",
                    visible(&c.name),
                    visible(&c.r#where),
                    c.old.as_deref().unwrap_or("absent"),
                    c.new.as_deref().unwrap_or("absent")
                ));
            }
        };
        changed(&mut s, "packages whose fate changed", &self.packages);
        changed(&mut s, "units whose verdict changed", &self.units);
        changed(&mut s, "binaries whose verdict changed", &self.binaries);
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(findings: Vec<Finding>) -> Report {
        let text = include_str!("../../tests/fixtures/report-apptree.json");
        let mut r = crate::report::load::from_json(text).unwrap();
        r.findings = findings;
        r
    }

    fn f(code: Code, path: &str, subject: &str, message: &str) -> Finding {
        let mut f = Finding::new(code, path).subject(subject);
        f.message = message.into();
        f
    }

    #[test]
    fn findings_match_by_key_not_by_message_or_line() {
        let c = Code::ALL[0];
        let mut moved = f(c, "/opt/a", "libx.so.1", "reworded");
        moved.line = Some(40);
        let old = report(vec![
            f(c, "/opt/a", "libx.so.1", "old words"),
            f(c, "/opt/b", "liby.so.2", "gone"),
        ]);
        let new = report(vec![moved, f(c, "/opt/c", "libz.so.3", "fresh")]);
        let d = diff(&old, &new);
        assert_eq!(d.unchanged_findings.len(), 1);
        assert_eq!(d.unchanged_findings[0].key.path, "/opt/a");
        assert_eq!(d.new_findings.len(), 1);
        assert_eq!(d.new_findings[0].key.path, "/opt/c");
        assert_eq!(d.resolved_findings.len(), 1);
        assert_eq!(d.resolved_findings[0].key.path, "/opt/b");
    }

    #[test]
    fn repeated_keys_are_matched_in_order() {
        let c = Code::ALL[0];
        let old = report(vec![f(c, "/a", "s", "1")]);
        let new = report(vec![f(c, "/a", "s", "1"), f(c, "/a", "s", "2")]);
        let d = diff(&old, &new);
        assert_eq!((d.counts.new, d.counts.unchanged), (1, 1));
        assert_eq!(d.new_findings[0].key.occurrence, 1);
    }

    #[test]
    fn fail_on_counts_only_new_unwaived_findings_at_or_above() {
        let blocker = *Code::ALL
            .iter()
            .find(|c| c.severity() == Severity::Blocker)
            .unwrap();
        let warning = *Code::ALL
            .iter()
            .find(|c| c.severity() == Severity::Warning)
            .unwrap();
        let old = report(vec![f(blocker, "/a", "s", "")]);
        let new = report(vec![f(blocker, "/a", "s", ""), f(warning, "/b", "t", "")]);
        let d = diff(&old, &new);
        assert!(!d.fails(FailOn::Blocker));
        assert!(d.fails(FailOn::Warning));
        assert!(!d.fails(FailOn::Never));
    }

    #[test]
    fn identical_reports_have_nothing_new() {
        let text = include_str!("../../tests/fixtures/report-packages.json");
        let r = crate::report::load::from_json(text).unwrap();
        let d = diff(&r, &r);
        assert_eq!(d.counts.new + d.counts.resolved, 0);
        assert_eq!(d.counts.unchanged, r.findings.len());
        assert!(d.packages.is_empty() && d.units.is_empty() && d.binaries.is_empty());
    }
}
