//! `azl-compat fleet ingest | summary | export`: a small fleet made from the saved reports.

mod common;

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn bin() -> Command {
    Command::cargo_bin("azl-compat").unwrap()
}

fn report(name: &str) -> Value {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

/// A fleet: 3 hosts like the apptree report, 2 like the packages report, 1 with no finding.
fn fleet(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut write = |name: &str, v: &Value| {
        let p = dir.join(format!("{name}.json"));
        std::fs::write(&p, serde_json::to_string(v).unwrap()).unwrap();
        files.push(p);
    };
    let app = report("report-apptree.json");
    let pkgs = report("report-packages.json");
    for h in ["app-1", "app-2", "app-3"] {
        write(h, &app);
    }
    for h in ["pkg-1", "pkg-2"] {
        write(h, &pkgs);
    }
    let mut clean = pkgs.clone();
    clean["findings"] = Value::Array(vec![]);
    clean["packages"] = Value::Array(vec![]);
    write("clean-1", &clean);
    files
}

fn summary(store: &Path, extra: &[&str]) -> Value {
    let out = bin()
        .args(["fleet", "summary"])
        .arg(store)
        .args(["--format", "json"])
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn blocker_hosts(v: &Value) -> Vec<(String, u64)> {
    v["blockers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["cause"].as_str().unwrap().to_string(),
                b["hosts"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn ingest_is_idempotent_and_summary_ranks_blockers_by_hosts() {
    let dir = tempfile::tempdir().unwrap();
    let files = fleet(dir.path());
    let store = dir.path().join("fleet.db");
    let ingest = |files: &[PathBuf], tag: &str| {
        bin()
            .args(["fleet", "ingest"])
            .arg(&store)
            .args(files)
            .args(["--tag", tag])
            .assert()
            .success();
    };
    ingest(&files[..3], "env=prod");
    ingest(&files[3..], "env=test");
    // The same files again: the same runs, replaced, not added.
    ingest(&files[..3], "env=prod");
    let s = summary(&store, &[]);
    assert_eq!(s["hosts"], 6);
    assert_eq!(s["by_verdict"]["blocked"], 5);
    assert_eq!(s["ready_now"], serde_json::json!(["clean-1"]));
    let app = report("report-apptree.json");
    let app_blockers: std::collections::BTreeSet<String> = app["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "blocker")
        .map(|f| {
            format!(
                "{} {}",
                f["code"].as_str().unwrap(),
                f["subject"].as_str().or(f["path"].as_str()).unwrap()
            )
        })
        .collect();
    let ranked = blocker_hosts(&s);
    assert!(!ranked.is_empty());
    assert!(
        ranked.windows(2).all(|w| w[0].1 >= w[1].1),
        "ranked: {ranked:?}"
    );
    for (cause, hosts) in &ranked {
        if app_blockers.contains(cause) {
            assert!(*hosts >= 3, "{cause} is on the three app hosts: {hosts}");
        }
    }
    // The greedy plan unblocks every blocked host, in steps whose counts add up.
    let plan = s["unblock_plan"].as_array().unwrap();
    let total: u64 = plan.iter().map(|p| p["unblocks"].as_u64().unwrap()).sum();
    assert_eq!(total, 5);
    assert_eq!(plan.last().unwrap()["unblocked_total"], 5);
    // Tags filter.
    let prod = summary(&store, &["--tag", "env=prod"]);
    assert_eq!(prod["hosts"], 3);
    assert_eq!(summary(&store, &["--tag", "env=none"])["hosts"], 0);
    // Packages not shipped come from the packages report, on its two hosts.
    let not_shipped = s["packages_not_shipped"].as_array().unwrap();
    assert!(
        not_shipped.iter().all(|p| p["hosts"] == 2),
        "{not_shipped:?}"
    );

    // Text, CSV and HTML carry the same tables.
    for (format, needle) in [
        ("text", "unblocks N more hosts"),
        ("csv", "unblock-plan,"),
        ("html", "id=\"unblock-plan\""),
    ] {
        let out = bin()
            .args(["fleet", "summary"])
            .arg(&store)
            .args(["--format", format])
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains(needle), "{format}: {text}");
        assert!(
            text.contains(&ranked[0].0),
            "{format} names the top blocker"
        );
    }
}

#[test]
fn a_list_on_standard_input_and_facts_files_are_ingested() {
    common::require_tool("gcc");
    let dir = tempfile::tempdir().unwrap();
    let files = fleet(dir.path());
    let store = dir.path().join("fleet.db");
    let list: String = files.iter().map(|p| format!("{}\n", p.display())).collect();
    bin()
        .args(["fleet", "ingest"])
        .arg(&store)
        .arg("-")
        .write_stdin(list)
        .assert()
        .success();
    // A facts file: judged at ingest, its identity names the host.
    let build = dir.path().join("units");
    let ok = std::process::Command::new("bash")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora/units/build.sh"))
        .arg(&build)
        .output()
        .unwrap();
    assert!(ok.status.success());
    std::fs::create_dir_all(build.join("root/etc")).unwrap();
    std::fs::write(build.join("root/etc/hostname"), "units-host\n").unwrap();
    let facts = dir.path().join("u.facts");
    bin()
        .arg("collect")
        .arg(build.join("root"))
        .arg("-o")
        .arg(&facts)
        .assert()
        .success();
    bin()
        .args(["fleet", "ingest"])
        .arg(&store)
        .arg(&facts)
        .args(["--run", "nightly-1"])
        .assert()
        .success();
    // A bad file is reported by name; the rest goes on (exit status 1).
    let bad = dir.path().join("broken.json");
    std::fs::write(&bad, "{ not json").unwrap();
    let out = bin()
        .args(["fleet", "ingest"])
        .arg(&store)
        .arg(&bad)
        .arg(&files[0])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("broken.json"));
    let s = summary(&store, &[]);
    assert_eq!(s["hosts"], 7);
    let mut jsonl = Vec::new();
    let out = bin()
        .args(["fleet", "export"])
        .arg(&store)
        .output()
        .unwrap();
    jsonl.extend(out.stdout);
    let text = String::from_utf8(jsonl).unwrap();
    let hosts: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| v["record"] == "host")
        .collect();
    assert_eq!(hosts.len(), 7);
    assert!(
        hosts
            .iter()
            .any(|h| h["host"] == "units-host" && h["run"] == "nightly-1")
    );
}

#[test]
fn duckdb_reads_the_export_and_finds_the_same_top_blockers() {
    common::require_tool("python3");
    let dir = tempfile::tempdir().unwrap();
    let files = fleet(dir.path());
    let store = dir.path().join("fleet.db");
    bin()
        .args(["fleet", "ingest"])
        .arg(&store)
        .args(&files)
        .assert()
        .success();
    let export = dir.path().join("fleet.jsonl");
    bin()
        .args(["fleet", "export"])
        .arg(&store)
        .args(["--format", "jsonl", "-o"])
        .arg(&export)
        .assert()
        .success();
    let py = r#"
import duckdb, json, sys
rows = duckdb.sql(f"""
  SELECT cause, count(DISTINCT host) AS hosts
  FROM read_json_auto('{sys.argv[1]}', format='newline_delimited', union_by_name=true)
  WHERE record = 'finding' AND severity = 'blocker'
  GROUP BY cause ORDER BY hosts DESC, cause LIMIT 5""").fetchall()
print(json.dumps([[c, h] for c, h in rows]))
"#;
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(py)
        .arg(&export)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "DuckDB (pip install duckdb; scripts/test installs it): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let duck: Vec<(String, u64)> = serde_json::from_slice(&out.stdout).unwrap();
    let ours: Vec<(String, u64)> = blocker_hosts(&summary(&store, &[]))
        .into_iter()
        .take(5)
        .collect();
    assert_eq!(duck, ours);
}

#[test]
fn html_summary_renders_in_headless_chromium_with_the_ranked_tables() {
    common::require_tool("/usr/bin/chromium");
    let dir = tempfile::tempdir().unwrap();
    let files = fleet(dir.path());
    let store = dir.path().join("fleet.db");
    bin()
        .args(["fleet", "ingest"])
        .arg(&store)
        .args(&files)
        .assert()
        .success();
    let page = dir.path().join("fleet.html");
    bin()
        .args(["fleet", "summary"])
        .arg(&store)
        .args(["--format", "html", "-o"])
        .arg(&page)
        .assert()
        .success();
    let out = std::process::Command::new("timeout")
        .arg("120")
        .arg("/usr/bin/chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--disable-extensions",
            "--host-resolver-rules=MAP * ~NOTFOUND",
        ])
        .arg(format!(
            "--user-data-dir={}",
            dir.path().join("profile").display()
        ))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dom = String::from_utf8(out.stdout).unwrap();
    let top = &blocker_hosts(&summary(&store, &[]))[0];
    // The parsed DOM holds both tables, the top blocker with its host count, and the plan.
    let table = |id: &str| {
        let start = dom
            .find(&format!("<table id=\"{id}\""))
            .unwrap_or_else(|| panic!("{id}: {dom}"));
        let end = start + dom[start..].find("</table>").unwrap();
        dom[start..end].to_string()
    };
    let blockers = table("blockers");
    let first_row = blockers.split("<tr>").nth(2).unwrap();
    assert!(first_row.contains(&top.0), "{first_row}");
    assert!(first_row.contains(&format!(">{}<", top.1)), "{first_row}");
    let plan = table("unblock-plan");
    assert!(plan.matches("<tr>").count() > 1, "{plan}");
    assert!(dom.contains("id=\"ready-now\">1<"), "ready now: 1 host");
}

#[test]
fn fleet_diff_compares_two_runs_host_by_host_and_two_stores() {
    let dir = tempfile::tempdir().unwrap();
    let files = fleet(dir.path());
    let store = dir.path().join("fleet.db");
    let ingest = |store: &Path, files: &[PathBuf], run: &str| {
        bin()
            .args(["fleet", "ingest"])
            .arg(store)
            .args(files)
            .args(["--run", run])
            .assert()
            .success();
    };
    ingest(&store, &files, "r1");
    // The second run: app-1 is fixed, clean-1 gains the packages report's findings.
    let later = dir.path().join("later");
    std::fs::create_dir(&later).unwrap();
    let mut second = Vec::new();
    for f in &files {
        let name = f.file_name().unwrap();
        let mut v: Value = serde_json::from_slice(&std::fs::read(f).unwrap()).unwrap();
        if name == "app-1.json" {
            v["findings"] = Value::Array(vec![]);
        }
        if name == "clean-1.json" {
            v = report("report-packages.json");
        }
        let p = later.join(name);
        std::fs::write(&p, serde_json::to_string(&v).unwrap()).unwrap();
        second.push(p);
    }
    ingest(&store, &second, "r2");
    let run = |args: &[&str]| {
        bin()
            .args(["fleet", "diff"])
            .args(args)
            .args(["--format", "json"])
            .output()
            .unwrap()
    };
    let s = store.to_str().unwrap();
    let out = run(&[s, "r1", "r2"]);
    // clean-1 has new blockers: exit status 1.
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let d: Value = serde_json::from_slice(&out.stdout).unwrap();
    let app = report("report-apptree.json");
    let pkgs = report("report-packages.json");
    let unwaived = |r: &Value| {
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f.get("waived").is_none_or(|w| w.is_null()))
            .count() as u64
    };
    assert_eq!(d["counts"]["hosts_compared"], 6);
    assert_eq!(d["counts"]["hosts_changed"], 2);
    assert_eq!(d["counts"]["unblocked"], 1);
    assert_eq!(d["counts"]["newly_blocked"], 1);
    assert_eq!(d["counts"]["resolved"], unwaived(&app));
    assert_eq!(d["counts"]["new"], unwaived(&pkgs));
    let hosts: Vec<&str> = d["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["host"].as_str().unwrap())
        .collect();
    assert_eq!(hosts, ["app-1", "clean-1"]);
    // A blocker cause of the app report now blocks 2 hosts instead of 3.
    assert!(
        d["blockers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["old_hosts"] == 3 && c["new_hosts"] == 2),
        "{}",
        d["blockers"]
    );
    // The same run on both sides: nothing changed, exit 0.
    let same = run(&[s, "r1", "r1"]);
    assert_eq!(same.status.code(), Some(0));
    let same: Value = serde_json::from_slice(&same.stdout).unwrap();
    assert_eq!(same["counts"]["hosts_changed"], 0);
    // A run that is not there is an error, not an empty diff.
    let missing = run(&[s, "r1", "r9"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("r9"));
    // Two stores: each host's latest run in each.
    let store2 = dir.path().join("second.db");
    ingest(&store2, &second, "r2");
    let two = run(&[s, store2.to_str().unwrap()]);
    let two: Value = serde_json::from_slice(&two.stdout).unwrap();
    // The first store's latest runs are r2 too: no change.
    assert_eq!(two["counts"]["hosts_compared"], 6);
    assert_eq!(two["counts"]["hosts_changed"], 0);
    let store1 = dir.path().join("first.db");
    ingest(&store1, &files, "r1");
    let text = bin()
        .args(["fleet", "diff"])
        .arg(&store1)
        .arg(&store2)
        .output()
        .unwrap();
    assert_eq!(text.status.code(), Some(1));
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("unblocked: 1, newly blocked: 1"), "{text}");
    assert!(text.contains("app-1: blocked -> ready"), "{text}");
}
