//! Two fleet runs compared (`azl-compat fleet diff`): per host, the findings matched by their
//! stable key as `diff` matches two reports ([`super::diff::match_findings`]), verdicts and
//! package fates; for the fleet, the hosts unblocked and newly blocked and how many hosts each
//! blocker cause affects before and after.
//!
//! A side is the hosts of one run id in a store, or each host's latest run in a store
//! ([`StoreSide`], read host by host so memory does not grow with the fleet), or a [`Snapshot`]
//! in memory. Hosts present on one side only are listed, not compared: their findings are not new
//! (there is nothing to compare them with) and never fail the diff.

use super::diff::{Change, DiffFinding, any_at_or_above, by_severity, changes, match_findings};
use super::store::{HostSnapshot, SideIndex, Snapshot, Store, StoreError, cause_of};
use crate::report::policy::FailOn;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Version of the `fleet diff --format json` shape (docs/fleet.md).
pub const FLEET_DIFF_VERSION: u32 = 1;

/// The comparison of two fleet runs.
#[derive(Clone, Debug, Serialize)]
pub struct FleetDiff {
    pub fleet_diff_version: u32,
    pub old: String,
    pub new: String,
    pub counts: FleetCounts,
    /// Hosts in the old side only, then in the new side only.
    pub hosts_only_old: Vec<String>,
    pub hosts_only_new: Vec<String>,
    /// Blocker causes whose number of hosts changed, the largest change first.
    pub blockers: Vec<CauseChange>,
    /// Hosts in both runs with a new or resolved finding, or a changed verdict or package fate.
    pub hosts: Vec<HostDiff>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct FleetCounts {
    pub hosts_old: usize,
    pub hosts_new: usize,
    /// Hosts in both runs.
    pub hosts_compared: usize,
    /// Hosts in both runs with any change.
    pub hosts_changed: usize,
    /// Hosts blocked before and not after.
    pub unblocked: usize,
    /// Hosts not blocked before and blocked after.
    pub newly_blocked: usize,
    /// Findings over the compared hosts.
    pub new: usize,
    pub resolved: usize,
    pub unchanged: usize,
    pub new_by_severity: BTreeMap<String, usize>,
    pub packages_changed: usize,
}

/// A blocker cause (`CODE SUBJECT`, as `fleet summary` ranks them) and the hosts it blocks on
/// each side (all hosts of the side, compared or not).
#[derive(Clone, Debug, Serialize)]
pub struct CauseChange {
    pub cause: String,
    pub old_hosts: usize,
    pub new_hosts: usize,
}

/// One compared host that changed.
#[derive(Clone, Debug, Serialize)]
pub struct HostDiff {
    pub host: String,
    pub old_verdict: String,
    pub new_verdict: String,
    pub new_findings: Vec<DiffFinding>,
    pub resolved_findings: Vec<DiffFinding>,
    /// Packages whose fate changed (`where` is empty: the store keeps the name and the fate).
    pub packages: Vec<Change>,
}

/// One side of a comparison: its hosts with their verdicts, each host read when it is compared
/// (a store side reads one host's findings at a time, so memory stays one host's worth).
pub trait Side {
    /// Host -> verdict.
    fn verdicts(&self) -> BTreeMap<String, String>;
    fn host(&self, host: &str) -> Result<HostSnapshot, StoreError>;
}

impl Side for Snapshot {
    fn verdicts(&self) -> BTreeMap<String, String> {
        self.hosts
            .iter()
            .map(|(h, s)| (h.clone(), s.verdict.clone()))
            .collect()
    }
    fn host(&self, host: &str) -> Result<HostSnapshot, StoreError> {
        Ok(self.hosts.get(host).cloned().unwrap_or_default())
    }
}

/// A side read from a store, host by host.
pub struct StoreSide<'a> {
    pub store: &'a Store,
    pub index: SideIndex,
}

impl Side for StoreSide<'_> {
    fn verdicts(&self) -> BTreeMap<String, String> {
        self.index
            .hosts
            .iter()
            .map(|(h, (_, v))| (h.clone(), v.clone()))
            .collect()
    }
    fn host(&self, host: &str) -> Result<HostSnapshot, StoreError> {
        match self.index.hosts.get(host) {
            Some((id, verdict)) => self.store.host_snapshot(*id, verdict),
            None => Ok(HostSnapshot::default()),
        }
    }
}

/// Count the blocker causes of one host into `out` (each cause once per host).
fn add_blocker_causes(h: &HostSnapshot, out: &mut BTreeMap<String, usize>) {
    let causes: BTreeSet<String> = h
        .findings
        .iter()
        .filter(|f| f.severity == crate::findings::Severity::Blocker)
        .map(|f| cause_of(f.code.as_str(), f.subject.as_deref(), &f.path))
        .collect();
    for c in causes {
        *out.entry(c).or_default() += 1;
    }
}

/// Compare two in-memory sides; `old_name`/`new_name` say what each side is (shown as they are).
pub fn compare(old: &Snapshot, new: &Snapshot, old_name: &str, new_name: &str) -> FleetDiff {
    match compare_sides(old, new, old_name, new_name) {
        Ok(d) => d,
        Err(e) => unreachable!("an in-memory side cannot fail: {e}"),
    }
}

/// Compare two sides host by host: only one host of each side is in memory at a time, besides
/// the hosts that changed (the result).
pub fn compare_sides(
    old: &dyn Side,
    new: &dyn Side,
    old_name: &str,
    new_name: &str,
) -> Result<FleetDiff, StoreError> {
    let (ov, nv) = (old.verdicts(), new.verdicts());
    let mut d = FleetDiff {
        fleet_diff_version: FLEET_DIFF_VERSION,
        old: old_name.to_string(),
        new: new_name.to_string(),
        counts: FleetCounts {
            hosts_old: ov.len(),
            hosts_new: nv.len(),
            ..FleetCounts::default()
        },
        hosts_only_old: ov
            .keys()
            .filter(|h| !nv.contains_key(*h))
            .cloned()
            .collect(),
        hosts_only_new: nv
            .keys()
            .filter(|h| !ov.contains_key(*h))
            .cloned()
            .collect(),
        blockers: Vec::new(),
        hosts: Vec::new(),
    };
    let (mut causes_old, mut causes_new) = (BTreeMap::new(), BTreeMap::new());
    let mut all_new = Vec::new();
    let every: BTreeSet<&String> = ov.keys().chain(nv.keys()).collect();
    for host in every {
        let a = ov.contains_key(host).then(|| old.host(host)).transpose()?;
        let b = nv.contains_key(host).then(|| new.host(host)).transpose()?;
        if let Some(a) = &a {
            add_blocker_causes(a, &mut causes_old);
        }
        if let Some(b) = &b {
            add_blocker_causes(b, &mut causes_new);
        }
        let (Some(a), Some(b)) = (a, b) else {
            continue;
        };
        d.counts.hosts_compared += 1;
        let m = match_findings(&a.findings, &b.findings);
        let keyed = |p: &BTreeMap<String, String>| {
            p.iter()
                .map(|(n, f)| ((n.clone(), String::new()), f.clone()))
                .collect()
        };
        let packages = changes(keyed(&a.packages), keyed(&b.packages));
        d.counts.new += m.new.len();
        d.counts.resolved += m.resolved.len();
        d.counts.unchanged += m.unchanged.len();
        d.counts.packages_changed += packages.len();
        match (a.verdict == "blocked", b.verdict == "blocked") {
            (true, false) => d.counts.unblocked += 1,
            (false, true) => d.counts.newly_blocked += 1,
            _ => {}
        }
        if m.new.is_empty()
            && m.resolved.is_empty()
            && packages.is_empty()
            && a.verdict == b.verdict
        {
            continue;
        }
        all_new.extend(m.new.iter().cloned());
        d.hosts.push(HostDiff {
            host: host.clone(),
            old_verdict: a.verdict.clone(),
            new_verdict: b.verdict.clone(),
            new_findings: m.new,
            resolved_findings: m.resolved,
            packages,
        });
    }
    d.counts.hosts_changed = d.hosts.len();
    d.counts.new_by_severity = by_severity(&all_new);
    let causes: BTreeSet<&String> = causes_old.keys().chain(causes_new.keys()).collect();
    d.blockers = causes
        .into_iter()
        .map(|c| CauseChange {
            cause: c.clone(),
            old_hosts: causes_old.get(c).copied().unwrap_or(0),
            new_hosts: causes_new.get(c).copied().unwrap_or(0),
        })
        .filter(|c| c.old_hosts != c.new_hosts)
        .collect();
    d.blockers.sort_by(|x, y| {
        let delta = |c: &CauseChange| c.old_hosts.abs_diff(c.new_hosts);
        delta(y).cmp(&delta(x)).then(x.cause.cmp(&y.cause))
    });
    Ok(d)
}

impl FleetDiff {
    /// Whether a compared host has a new, unwaived finding at or above `fail_on`.
    pub fn fails(&self, fail_on: FailOn) -> bool {
        self.hosts
            .iter()
            .any(|h| any_at_or_above(&h.new_findings, fail_on))
    }

    /// The diff as text: counts, blocker causes that changed, then each changed host.
    pub fn render_text(&self, top: usize) -> String {
        use crate::report::escape::visible;
        let c = &self.counts;
        let mut s = format!(
            "fleet diff {} -> {}\n",
            visible(&self.old),
            visible(&self.new)
        );
        s.push_str(&format!(
            "hosts: {} compared ({} changed), {} only in the old run, {} only in the new run\n",
            c.hosts_compared,
            c.hosts_changed,
            self.hosts_only_old.len(),
            self.hosts_only_new.len()
        ));
        s.push_str(&format!(
            "unblocked: {}, newly blocked: {}; findings: {} new, {} resolved, {} unchanged; packages whose fate changed: {}\n",
            c.unblocked, c.newly_blocked, c.new, c.resolved, c.unchanged, c.packages_changed
        ));
        if !self.blockers.is_empty() {
            s.push_str(&format!(
                "\nblocker causes whose hosts changed ({}):\n",
                self.blockers.len()
            ));
            for b in self.blockers.iter().take(top) {
                s.push_str(&format!(
                    "  {:>6} -> {:<6} {}\n",
                    b.old_hosts,
                    b.new_hosts,
                    visible(&b.cause)
                ));
            }
        }
        if !self.hosts.is_empty() {
            s.push_str(&format!("\nhosts that changed ({}):\n", self.hosts.len()));
            for h in self.hosts.iter().take(top) {
                s.push_str(&format!(
                    "  {}: {} -> {}; {} new, {} resolved\n",
                    visible(&h.host),
                    h.old_verdict,
                    h.new_verdict,
                    h.new_findings.len(),
                    h.resolved_findings.len()
                ));
                for f in &h.new_findings {
                    let subject = f
                        .key
                        .subject
                        .as_deref()
                        .map(|x| format!(" [{}]", visible(x)))
                        .unwrap_or_default();
                    s.push_str(&format!(
                        "    new {:<8} {} {}{subject}\n",
                        f.severity.as_str(),
                        f.key.code.as_str(),
                        visible(&f.key.path)
                    ));
                }
            }
        }
        let only = |s: &mut String, title: &str, hs: &[String]| {
            if !hs.is_empty() {
                let shown: Vec<String> = hs
                    .iter()
                    .take(top)
                    .map(|h| visible(h).into_owned())
                    .collect();
                let more = hs.len().saturating_sub(top);
                s.push_str(&format!(
                    "\n{title} ({}): {}{}\n",
                    hs.len(),
                    shown.join(", "),
                    if more > 0 {
                        format!(", ... {more} more")
                    } else {
                        String::new()
                    }
                ));
            }
        };
        only(&mut s, "only in the old run", &self.hosts_only_old);
        only(&mut s, "only in the new run", &self.hosts_only_new);
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::{Code, Finding, Severity};
    use crate::fleet::store::HostSnapshot;

    fn code(s: Severity) -> Code {
        *Code::ALL.iter().find(|c| c.severity() == s).unwrap()
    }

    fn host(verdict: &str, findings: &[(Severity, &str, &str)]) -> HostSnapshot {
        HostSnapshot {
            verdict: verdict.into(),
            findings: findings
                .iter()
                .map(|(s, p, subj)| Finding::new(code(*s), *p).severity(*s).subject(*subj))
                .collect(),
            packages: BTreeMap::new(),
        }
    }

    fn snap(hosts: Vec<(&str, HostSnapshot)>) -> Snapshot {
        Snapshot {
            hosts: hosts.into_iter().map(|(h, s)| (h.to_string(), s)).collect(),
        }
    }

    #[test]
    fn a_fixed_cause_unblocks_hosts_and_a_new_blocker_fails() {
        let b = Severity::Blocker;
        let old = snap(vec![
            ("a", host("blocked", &[(b, "/opt/x", "libfoo.so.1")])),
            ("b", host("blocked", &[(b, "/opt/x", "libfoo.so.1")])),
            ("c", host("ready", &[])),
            ("gone", host("ready", &[])),
        ]);
        let new = snap(vec![
            ("a", host("ready", &[])),
            ("b", host("ready", &[])),
            ("c", host("blocked", &[(b, "/opt/y", "libbar.so.2")])),
            ("fresh", host("blocked", &[(b, "/opt/z", "libbaz.so.3")])),
        ]);
        let d = compare(&old, &new, "r1", "r2");
        assert_eq!(d.counts.hosts_compared, 3);
        assert_eq!((d.counts.unblocked, d.counts.newly_blocked), (2, 1));
        assert_eq!((d.counts.new, d.counts.resolved), (1, 2));
        assert_eq!(d.hosts_only_old, ["gone"]);
        assert_eq!(d.hosts_only_new, ["fresh"]);
        let foo = format!("{} libfoo.so.1", code(b).as_str());
        assert_eq!(d.blockers[0].cause, foo);
        assert_eq!((d.blockers[0].old_hosts, d.blockers[0].new_hosts), (2, 0));
        assert!(d.fails(FailOn::Blocker));
        // The new host's blocker is not "new": there is nothing to compare it with.
        assert!(
            d.hosts
                .iter()
                .all(|h| h.host != "fresh" && h.host != "gone")
        );
        let text = d.render_text(20);
        assert!(text.contains("unblocked: 2, newly blocked: 1"), "{text}");
    }

    #[test]
    fn the_same_run_twice_has_no_change_and_does_not_fail() {
        let s = snap(vec![(
            "a",
            host(
                "blocked",
                &[
                    (Severity::Blocker, "/a", "s"),
                    (Severity::Blocker, "/a", "s"),
                ],
            ),
        )]);
        let d = compare(&s, &s, "r", "r");
        assert!(d.hosts.is_empty() && d.blockers.is_empty());
        assert_eq!(d.counts.unchanged, 2);
        assert!(!d.fails(FailOn::Info));
    }
}
