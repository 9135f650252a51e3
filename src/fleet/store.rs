//! The fleet store: many hosts' reports in one SQLite file (`azl-compat fleet ingest`), and
//! what a migration team asks of it (`fleet summary`, `fleet export`).
//!
//! Schema (versioned with `PRAGMA user_version`, migrated forward on open; a newer store is
//! refused): one row per (host, run) in `runs`, its tags, its unwaived findings and its
//! packages' fates. Ingesting the same host and run again replaces that run (idempotent); each
//! ingest is one transaction and the store is in WAL mode (crash-safe, readers never blocked).
//! Summaries read each host's latest run.

use crate::findings::Severity;
use crate::report::Report;
use rusqlite::{Connection, params};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

/// The schema this azl-compat writes.
pub const SCHEMA_VERSION: i64 = 1;

const SCHEMA_V1: &str = "
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    host TEXT NOT NULL,
    run TEXT NOT NULL,
    hostname TEXT,
    machine_id TEXT,
    root TEXT NOT NULL,
    distro TEXT,
    distro_version TEXT,
    verdict TEXT NOT NULL,
    blockers INTEGER NOT NULL,
    warnings INTEGER NOT NULL,
    knowledge TEXT NOT NULL,
    tool_version TEXT NOT NULL,
    ingested INTEGER NOT NULL,
    UNIQUE (host, run)
);
CREATE TABLE tags (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (run_id, key)
);
CREATE TABLE findings (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    severity TEXT NOT NULL,
    path TEXT NOT NULL,
    subject TEXT,
    cause TEXT NOT NULL
);
CREATE INDEX findings_run ON findings(run_id);
CREATE TABLE packages (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    fate TEXT NOT NULL
);
CREATE INDEX packages_run ON packages(run_id);
";

/// Why the store cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0}")]
    Sql(#[from] rusqlite::Error),
    #[error(
        "the store has schema version {0}, newer than this azl-compat writes ({SCHEMA_VERSION}); use a newer azl-compat"
    )]
    Newer(i64),
    #[error("the store holds {0}")]
    Row(String),
}

/// Hosts of one run (or each host's latest run), by host.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    pub hosts: BTreeMap<String, HostSnapshot>,
}

/// The hosts of one side of a comparison in a store: host -> (run row id, verdict).
#[derive(Clone, Debug, Default)]
pub struct SideIndex {
    pub hosts: BTreeMap<String, (i64, String)>,
}

/// One host in a [`Snapshot`]: its verdict, unwaived findings (no message: the store keeps
/// none) and package fates by name.
#[derive(Clone, Debug, Default)]
pub struct HostSnapshot {
    pub verdict: String,
    pub findings: Vec<crate::findings::Finding>,
    pub packages: BTreeMap<String, String>,
}

/// An open fleet store.
pub struct Store {
    conn: Connection,
}

/// One host's run, as ingested.
#[derive(Clone, Debug)]
pub struct Ingest<'a> {
    /// Who the host is: its machine-id, else its hostname, else the file's name.
    pub host: String,
    pub hostname: Option<String>,
    pub machine_id: Option<String>,
    /// The run: given at ingest, else the SHA-256 of the ingested file (the same file again is
    /// the same run).
    pub run: String,
    pub tags: &'a BTreeMap<String, String>,
    pub report: &'a Report,
}

/// A host's verdict in the fleet: `blocked` (an unwaived blocker), `warnings` (no blocker, an
/// unwaived warning), `ready`.
pub fn host_verdict(r: &Report) -> &'static str {
    let worst = r
        .findings
        .iter()
        .filter(|f| !f.is_waived())
        .map(|f| f.severity)
        .max();
    match worst {
        Some(Severity::Blocker) => "blocked",
        Some(Severity::Warning) => "warnings",
        _ => "ready",
    }
}

/// What a finding's fix is about, across hosts: its code and subject (the soname, the
/// interpreter, the package), or its code and path when it has no subject.
pub fn cause_of(code: &str, subject: Option<&str>, path: &str) -> String {
    match subject {
        Some(s) => format!("{code} {s}"),
        None => format!("{code} {path}"),
    }
}

impl Store {
    /// Open (creating or migrating) a store.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::Newer(version));
        }
        if version < 1 {
            let tx = conn.unchecked_transaction()?;
            tx.execute_batch(SCHEMA_V1)?;
            tx.pragma_update(None, "user_version", 1)?;
            tx.commit()?;
        }
        // Later versions migrate here, one step at a time.
        Ok(Store { conn })
    }

    /// Ingest runs in one transaction; a run already there (same host and run) is replaced.
    pub fn ingest(&mut self, runs: &[Ingest]) -> Result<(), StoreError> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        let tx = self.conn.transaction()?;
        {
            let mut del = tx.prepare("DELETE FROM runs WHERE host = ?1 AND run = ?2")?;
            let mut run = tx.prepare(
                "INSERT INTO runs (host, run, hostname, machine_id, root, distro, distro_version,
                 verdict, blockers, warnings, knowledge, tool_version, ingested)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            )?;
            let mut tag = tx.prepare("INSERT INTO tags VALUES (?1, ?2, ?3)")?;
            let mut finding = tx.prepare("INSERT INTO findings VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?;
            let mut package = tx.prepare("INSERT INTO packages VALUES (?1, ?2, ?3)")?;
            for i in runs {
                let r = i.report;
                del.execute(params![i.host, i.run])?;
                let live = r.findings.iter().filter(|f| !f.is_waived());
                let count = |s: Severity| live.clone().filter(|f| f.severity == s).count() as i64;
                run.execute(params![
                    i.host,
                    i.run,
                    i.hostname,
                    i.machine_id,
                    r.source.root,
                    r.source.distro,
                    r.source.version,
                    host_verdict(r),
                    count(Severity::Blocker),
                    count(Severity::Warning),
                    r.knowledge.id,
                    r.tool.version,
                    now
                ])?;
                let id = tx.last_insert_rowid();
                for (k, v) in i.tags {
                    tag.execute(params![id, k, v])?;
                }
                for f in live {
                    let code = f.code.as_str();
                    finding.execute(params![
                        id,
                        code,
                        f.severity.as_str(),
                        f.path,
                        f.subject,
                        cause_of(code, f.subject.as_deref(), &f.path)
                    ])?;
                }
                for p in &r.packages {
                    package.execute(params![id, p.name, p.fate])?;
                }
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Each host's latest run matching every tag filter: (run id, host, hostname, distro,
    /// version, verdict, blockers, warnings, tags).
    fn latest(&self, filter: &BTreeMap<String, String>) -> Result<Vec<HostRow>, StoreError> {
        let mut st = self.conn.prepare(
            "SELECT r.id, r.host, r.hostname, r.machine_id, r.root, r.distro, r.distro_version,
                    r.verdict, r.blockers, r.warnings, r.run
             FROM runs r
             WHERE r.id = (SELECT r2.id FROM runs r2 WHERE r2.host = r.host
                           ORDER BY r2.ingested DESC, r2.id DESC LIMIT 1)
             ORDER BY r.host",
        )?;
        let rows = st.query_map([], |row| {
            Ok(HostRow {
                run_id: row.get(0)?,
                host: row.get(1)?,
                hostname: row.get(2)?,
                machine_id: row.get(3)?,
                root: row.get(4)?,
                distro: row.get(5)?,
                distro_version: row.get(6)?,
                verdict: row.get(7)?,
                blockers: row.get(8)?,
                warnings: row.get(9)?,
                run: row.get(10)?,
                tags: BTreeMap::new(),
            })
        })?;
        let mut hosts: Vec<HostRow> = rows.collect::<Result<_, _>>()?;
        let mut tags: HashMap<i64, BTreeMap<String, String>> = HashMap::new();
        let mut st = self.conn.prepare("SELECT run_id, key, value FROM tags")?;
        for t in st.query_map([], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get(2)?))
        })? {
            let (id, k, v) = t?;
            tags.entry(id).or_default().insert(k, v);
        }
        for h in &mut hosts {
            h.tags = tags.remove(&h.run_id).unwrap_or_default();
        }
        hosts.retain(|h| filter.iter().all(|(k, v)| h.tags.get(k) == Some(v)));
        Ok(hosts)
    }

    fn findings_of(&self, runs: &BTreeSet<i64>) -> Result<Vec<FindingRow>, StoreError> {
        let mut st = self.conn.prepare(
            "SELECT run_id, code, severity, path, subject, cause FROM findings ORDER BY rowid",
        )?;
        let rows = st.query_map([], |r| {
            Ok(FindingRow {
                run_id: r.get(0)?,
                code: r.get(1)?,
                severity: r.get(2)?,
                path: r.get(3)?,
                subject: r.get(4)?,
                cause: r.get(5)?,
            })
        })?;
        let mut out = Vec::new();
        for f in rows {
            let f = f?;
            if runs.contains(&f.run_id) {
                out.push(f);
            }
        }
        Ok(out)
    }

    /// The fleet summary over each host's latest run (filtered by tags).
    pub fn summary(&self, filter: &BTreeMap<String, String>) -> Result<Summary, StoreError> {
        let hosts = self.latest(filter)?;
        let runs: BTreeSet<i64> = hosts.iter().map(|h| h.run_id).collect();
        let findings = self.findings_of(&runs)?;
        let mut s = Summary {
            summary_version: 1,
            hosts: hosts.len(),
            ..Summary::default()
        };
        for h in &hosts {
            *s.by_verdict.entry(h.verdict.clone()).or_default() += 1;
            let d = format!(
                "{} {}",
                h.distro.as_deref().unwrap_or("unknown"),
                h.distro_version.as_deref().unwrap_or("")
            )
            .trim()
            .to_string();
            *s.by_distro.entry(d).or_default() += 1;
        }
        // Blocker causes per host.
        let mut causes: BTreeMap<String, BTreeSet<i64>> = BTreeMap::new();
        let mut per_host: BTreeMap<i64, BTreeSet<String>> = BTreeMap::new();
        let mut code_of: BTreeMap<String, String> = BTreeMap::new();
        for f in findings.iter().filter(|f| f.severity == "blocker") {
            causes.entry(f.cause.clone()).or_default().insert(f.run_id);
            per_host
                .entry(f.run_id)
                .or_default()
                .insert(f.cause.clone());
            code_of.insert(f.cause.clone(), f.code.clone());
        }
        let mut ranked: Vec<RankedCause> = causes
            .iter()
            .map(|(c, hs)| RankedCause {
                cause: c.clone(),
                code: code_of[c].clone(),
                hosts: hs.len(),
                only_blocker_on: hs.iter().filter(|h| per_host[h].len() == 1).count(),
            })
            .collect();
        ranked.sort_by(|a, b| b.hosts.cmp(&a.hosts).then(a.cause.cmp(&b.cause)));
        s.blockers = ranked;
        // Packages not shipped, by hosts.
        let mut st = self
            .conn
            .prepare("SELECT run_id, name, fate FROM packages WHERE fate IN ('not-shipped', 'not-published')")?;
        let mut pk: BTreeMap<(String, String), BTreeSet<i64>> = BTreeMap::new();
        for r in st.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })? {
            let (id, name, fate) = r?;
            if runs.contains(&id) {
                pk.entry((name, fate)).or_default().insert(id);
            }
        }
        let mut pk: Vec<PackageRank> = pk
            .into_iter()
            .map(|((name, fate), hs)| PackageRank {
                name,
                fate,
                hosts: hs.len(),
            })
            .collect();
        pk.sort_by(|a, b| b.hosts.cmp(&a.hosts).then(a.name.cmp(&b.name)));
        s.packages_not_shipped = pk;
        s.unblock_plan = greedy(per_host);
        s.ready_now = hosts
            .iter()
            .filter(|h| h.verdict != "blocked")
            .map(|h| h.host.clone())
            .collect();
        Ok(s)
    }

    /// The hosts of one side (a run id, or each host's latest run) with their run row and
    /// verdict; their findings are read one host at a time ([`Store::host_snapshot`]).
    pub fn side(&self, run: Option<&str>) -> Result<SideIndex, StoreError> {
        let mut side = SideIndex::default();
        match run {
            None => {
                for h in self.latest(&BTreeMap::new())? {
                    side.hosts.insert(h.host, (h.run_id, h.verdict));
                }
            }
            Some(run) => {
                let mut st = self
                    .conn
                    .prepare("SELECT id, host, verdict FROM runs WHERE run = ?1 ORDER BY host")?;
                for r in st.query_map([run], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))? {
                    let (id, host, verdict): (i64, String, String) = r?;
                    side.hosts.insert(host, (id, verdict));
                }
            }
        }
        Ok(side)
    }

    /// One host's run: its verdict, unwaived findings and package fates (indexed reads).
    pub fn host_snapshot(&self, run_id: i64, verdict: &str) -> Result<HostSnapshot, StoreError> {
        let mut h = HostSnapshot {
            verdict: verdict.to_string(),
            ..HostSnapshot::default()
        };
        let mut st = self.conn.prepare(
            "SELECT code, severity, path, subject FROM findings WHERE run_id = ?1 ORDER BY rowid",
        )?;
        let rows = st.query_map([run_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
            ))
        })?;
        for row in rows {
            let (code, severity, path, subject) = row?;
            let code = code.parse().map_err(|e: String| {
                StoreError::Row(format!("{e} (a newer azl-compat wrote it)"))
            })?;
            let severity = match severity.as_str() {
                "blocker" => Severity::Blocker,
                "warning" => Severity::Warning,
                "info" => Severity::Info,
                other => return Err(StoreError::Row(format!("unknown severity `{other}`"))),
            };
            let mut finding = crate::findings::Finding::new(code, path).severity(severity);
            finding.subject = subject;
            h.findings.push(finding);
        }
        let mut st = self
            .conn
            .prepare("SELECT name, fate FROM packages WHERE run_id = ?1")?;
        for r in st.query_map([run_id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })? {
            let (name, fate) = r?;
            h.packages.insert(name, fate);
        }
        Ok(h)
    }

    /// A whole side in memory (tests and small stores; `fleet diff` reads host by host).
    pub fn snapshot(&self, run: Option<&str>) -> Result<Snapshot, StoreError> {
        let side = self.side(run)?;
        let mut snap = Snapshot::default();
        for (host, (id, verdict)) in &side.hosts {
            snap.hosts
                .insert(host.clone(), self.host_snapshot(*id, verdict)?);
        }
        Ok(snap)
    }

    /// One JSON object per line: a `host` record per host (latest run), then a `finding`
    /// record per finding of those runs (docs/fleet.md).
    pub fn export_jsonl(
        &self,
        filter: &BTreeMap<String, String>,
        out: &mut dyn std::io::Write,
    ) -> Result<(), Box<dyn std::error::Error>> {
        let hosts = self.latest(filter)?;
        let runs: BTreeSet<i64> = hosts.iter().map(|h| h.run_id).collect();
        let name: HashMap<i64, &str> = hosts.iter().map(|h| (h.run_id, h.host.as_str())).collect();
        for h in &hosts {
            let v = serde_json::json!({
                "record": "host",
                "host": h.host,
                "run": h.run,
                "hostname": h.hostname,
                "machine_id": h.machine_id,
                "root": h.root,
                "distro": h.distro,
                "distro_version": h.distro_version,
                "verdict": h.verdict,
                "blockers": h.blockers,
                "warnings": h.warnings,
                "tags": h.tags,
            });
            writeln!(out, "{v}")?;
        }
        for f in self.findings_of(&runs)? {
            let v = serde_json::json!({
                "record": "finding",
                "host": name[&f.run_id],
                "code": f.code,
                "severity": f.severity,
                "path": f.path,
                "subject": f.subject,
                "cause": f.cause,
            });
            writeln!(out, "{v}")?;
        }
        Ok(())
    }
}

struct HostRow {
    run_id: i64,
    host: String,
    hostname: Option<String>,
    machine_id: Option<String>,
    root: String,
    distro: Option<String>,
    distro_version: Option<String>,
    verdict: String,
    blockers: i64,
    warnings: i64,
    run: String,
    tags: BTreeMap<String, String>,
}

struct FindingRow {
    run_id: i64,
    code: String,
    severity: String,
    path: String,
    subject: Option<String>,
    cause: String,
}

/// The answer of `fleet summary --format json` (docs/fleet.md).
#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    pub summary_version: u32,
    pub hosts: usize,
    pub by_verdict: BTreeMap<String, usize>,
    /// `ID VERSION` of os-release (`unknown` without one).
    pub by_distro: BTreeMap<String, usize>,
    /// Blocker causes, most hosts first.
    pub blockers: Vec<RankedCause>,
    pub packages_not_shipped: Vec<PackageRank>,
    /// Fix these causes in this order: each step unblocks `unblocks` more hosts.
    pub unblock_plan: Vec<PlanStep>,
    /// Hosts with no unwaived blocker: they can move now.
    pub ready_now: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct RankedCause {
    /// `CODE SUBJECT` (or `CODE PATH` when the finding has no subject).
    pub cause: String,
    pub code: String,
    /// Hosts it blocks.
    pub hosts: usize,
    /// Hosts on which it is the only blocker.
    pub only_blocker_on: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct PackageRank {
    pub name: String,
    pub fate: String,
    pub hosts: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct PlanStep {
    pub cause: String,
    /// Hosts this step unblocks (their last blocker cause is fixed by it).
    pub unblocks: usize,
    /// Hosts unblocked after this step, in all.
    pub unblocked_total: usize,
}

/// Greedy over blocker causes: at each step fix the cause that unblocks the most hosts now (its
/// hosts whose only remaining blocker it is); when none unblocks a host by itself, the cause on
/// the most still-blocked hosts. Ties go to the cause on more hosts, then by name.
fn greedy(mut per_host: BTreeMap<i64, BTreeSet<String>>) -> Vec<PlanStep> {
    let mut plan = Vec::new();
    let mut total = 0;
    while !per_host.is_empty() {
        let mut score: BTreeMap<&String, (usize, usize)> = BTreeMap::new();
        for cs in per_host.values() {
            for c in cs {
                let e = score.entry(c).or_default();
                e.1 += 1;
                if cs.len() == 1 {
                    e.0 += 1;
                }
            }
        }
        let Some((best, _)) = score
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
            .map(|(c, s)| ((*c).clone(), *s))
        else {
            break;
        };
        let before = per_host.len();
        for cs in per_host.values_mut() {
            cs.remove(&best);
        }
        per_host.retain(|_, cs| !cs.is_empty());
        let unblocks = before - per_host.len();
        total += unblocks;
        plan.push(PlanStep {
            cause: best,
            unblocks,
            unblocked_total: total,
        });
    }
    plan
}

impl Summary {
    pub fn render_text(&self, top: usize) -> String {
        use crate::report::escape::visible;
        let mut s = format!("fleet: {} hosts\n", self.hosts);
        let line = |m: &BTreeMap<String, usize>| {
            m.iter()
                .map(|(k, v)| format!("{v} {}", visible(k)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        s.push_str(&format!("by verdict: {}\n", line(&self.by_verdict)));
        s.push_str(&format!(
            "by source distribution: {}\n",
            line(&self.by_distro)
        ));
        s.push_str(&format!("ready now: {} hosts\n", self.ready_now.len()));
        s.push_str("\nblockers by hosts affected:\n");
        for b in self.blockers.iter().take(top) {
            s.push_str(&format!(
                "  {:>6} hosts  {} (only blocker on {})\n",
                b.hosts,
                visible(&b.cause),
                b.only_blocker_on
            ));
        }
        s.push_str("\nfix this cause, unblocks N more hosts:\n");
        for p in self.unblock_plan.iter().take(top) {
            s.push_str(&format!(
                "  +{:<6} (total {:>6})  {}\n",
                p.unblocks,
                p.unblocked_total,
                visible(&p.cause)
            ));
        }
        s.push_str("\npackages not shipped by hosts:\n");
        for p in self.packages_not_shipped.iter().take(top) {
            s.push_str(&format!(
                "  {:>6} hosts  {} ({})\n",
                p.hosts,
                visible(&p.name),
                p.fate
            ));
        }
        s
    }

    /// CSV: one row per table line (`table,key,hosts,extra`).
    pub fn render_csv(&self) -> String {
        use crate::report::escape::csv_cell;
        let mut s = String::from("table,key,hosts,extra\n");
        let mut row = |t: &str, k: &str, n: usize, e: &str| {
            s.push_str(&format!("{t},{},{n},{}\n", csv_cell(k), csv_cell(e)));
        };
        for (k, v) in &self.by_verdict {
            row("verdict", k, *v, "");
        }
        for (k, v) in &self.by_distro {
            row("distro", k, *v, "");
        }
        for b in &self.blockers {
            row(
                "blocker",
                &b.cause,
                b.hosts,
                &format!("only-blocker-on={}", b.only_blocker_on),
            );
        }
        for p in &self.unblock_plan {
            row(
                "unblock-plan",
                &p.cause,
                p.unblocks,
                &format!("total={}", p.unblocked_total),
            );
        }
        for p in &self.packages_not_shipped {
            row("package-not-shipped", &p.name, p.hosts, &p.fate);
        }
        s
    }

    /// One self-contained HTML page (no script, no external resource).
    pub fn render_html(&self, top: usize) -> String {
        use crate::report::html::esc;
        let mut s = String::from(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>azl-compat fleet summary</title>\
             <style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:1.5em}\
             td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}td.n{text-align:right}</style></head><body>\n",
        );
        s.push_str(&format!(
            "<h1>Fleet summary: {} hosts</h1>\n<p>Ready now: <strong id=\"ready-now\">{}</strong> hosts</p>\n",
            self.hosts,
            self.ready_now.len()
        ));
        let table =
            |s: &mut String, id: &str, title: &str, head: &[&str], rows: Vec<Vec<String>>| {
                s.push_str(&format!("<h2>{title}</h2>\n<table id=\"{id}\"><tr>"));
                for h in head {
                    s.push_str(&format!("<th>{h}</th>"));
                }
                s.push_str("</tr>\n");
                for r in rows {
                    s.push_str("<tr>");
                    for (i, c) in r.iter().enumerate() {
                        let class = if i > 0 && c.parse::<u64>().is_ok() {
                            " class=\"n\""
                        } else {
                            ""
                        };
                        s.push_str(&format!("<td{class}>{}</td>", esc(c)));
                    }
                    s.push_str("</tr>\n");
                }
                s.push_str("</table>\n");
            };
        let kv = |m: &BTreeMap<String, usize>| {
            m.iter()
                .map(|(k, v)| vec![k.clone(), v.to_string()])
                .collect()
        };
        table(
            &mut s,
            "by-verdict",
            "Hosts by verdict",
            &["verdict", "hosts"],
            kv(&self.by_verdict),
        );
        table(
            &mut s,
            "by-distro",
            "Hosts by source distribution",
            &["distribution", "hosts"],
            kv(&self.by_distro),
        );
        table(
            &mut s,
            "blockers",
            "Blockers ranked by hosts affected",
            &["cause", "hosts", "only blocker on"],
            self.blockers
                .iter()
                .take(top)
                .map(|b| {
                    vec![
                        b.cause.clone(),
                        b.hosts.to_string(),
                        b.only_blocker_on.to_string(),
                    ]
                })
                .collect(),
        );
        table(
            &mut s,
            "unblock-plan",
            "Fix this cause, unblocks N more hosts",
            &["fix", "unblocks", "unblocked in all"],
            self.unblock_plan
                .iter()
                .take(top)
                .map(|p| {
                    vec![
                        p.cause.clone(),
                        p.unblocks.to_string(),
                        p.unblocked_total.to_string(),
                    ]
                })
                .collect(),
        );
        table(
            &mut s,
            "packages-not-shipped",
            "Packages not shipped, ranked by hosts",
            &["package", "fate", "hosts"],
            self.packages_not_shipped
                .iter()
                .take(top)
                .map(|p| vec![p.name.clone(), p.fate.clone(), p.hosts.to_string()])
                .collect(),
        );
        s.push_str("</body></html>\n");
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(v: &[(i64, &[&str])]) -> BTreeMap<i64, BTreeSet<String>> {
        v.iter()
            .map(|(h, cs)| (*h, cs.iter().map(|c| c.to_string()).collect()))
            .collect()
    }

    #[test]
    fn greedy_fixes_what_unblocks_most_first() {
        // a blocks 3 hosts but is alone on none; b alone on two; c alone on one.
        let plan = greedy(hosts(&[
            (1, &["b"]),
            (2, &["b"]),
            (3, &["c"]),
            (4, &["a", "d"]),
            (5, &["a", "d"]),
            (6, &["a", "c"]),
        ]));
        let steps: Vec<(&str, usize)> = plan
            .iter()
            .map(|p| (p.cause.as_str(), p.unblocks))
            .collect();
        assert_eq!(steps[0], ("b", 2));
        assert_eq!(steps[1], ("c", 1));
        // Then a (on 3 hosts) unblocks host 6; d unblocks 4 and 5.
        assert_eq!(steps[2], ("a", 1));
        assert_eq!(steps[3], ("d", 2));
        assert_eq!(plan.last().unwrap().unblocked_total, 6);
    }

    #[test]
    fn newer_store_is_refused_and_schema_is_versioned() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.db");
        drop(Store::open(&p).unwrap());
        let c = Connection::open(&p).unwrap();
        let v: i64 = c
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v, SCHEMA_VERSION);
        let mode: String = c
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        c.pragma_update(None, "user_version", 99).unwrap();
        drop(c);
        assert!(matches!(Store::open(&p), Err(StoreError::Newer(99))));
    }
}
