//! Verdicts do not move when the scanner is made faster (issue 16): each fixture tree with a
//! saved report in tests/fixtures is built again, scanned, and its verdicts and findings are
//! compared with the saved ones: every binary's and unit's verdict, every package's fate and
//! every finding's code, severity, path and subject. Messages and the scan's metadata (root,
//! time, tool version) are left out: the renderer snapshots cover the wording.
//!
//! `bash scripts/regenerate-fixtures` rewrites the saved reports; a change it makes to them is a
//! change of verdicts, to be explained in the commit that makes it.

mod common;

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// What must not change: one sorted line per verdict, fate and finding.
fn verdicts(r: &Value) -> Vec<String> {
    let s = |v: &Value| v.as_str().unwrap_or("").to_string();
    let mut out = Vec::new();
    for b in r["binaries"].as_array().into_iter().flatten() {
        out.push(format!("binary {} {}", s(&b["path"]), s(&b["verdict"])));
    }
    for u in r["units"].as_array().into_iter().flatten() {
        out.push(format!(
            "unit {} {} {}",
            s(&u["path"]),
            s(&u["unit"]),
            s(&u["verdict"])
        ));
    }
    for p in r["packages"].as_array().into_iter().flatten() {
        out.push(format!(
            "package {} {} {} {}",
            s(&p["name"]),
            s(&p["arch"]),
            s(&p["manager"]),
            s(&p["fate"])
        ));
    }
    let mut findings: BTreeMap<String, usize> = BTreeMap::new();
    for f in r["findings"].as_array().into_iter().flatten() {
        let key = format!(
            "finding {} {} {} {}",
            s(&f["code"]),
            s(&f["severity"]),
            s(&f["path"]),
            s(&f["subject"])
        );
        *findings.entry(key).or_default() += 1;
    }
    out.extend(findings.into_iter().map(|(k, n)| format!("{k} x{n}")));
    out.sort();
    out
}

fn scan_json(root: &Path) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_azl-compat"))
        .arg("scan")
        .arg(root)
        .args(["--format", "json", "--quiet"])
        .output()
        .expect("run azl-compat");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "scan {}: {}\n{}",
        root.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON report")
}

fn saved(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).expect("saved report")).expect("JSON")
}

fn assert_same(corpus: &str, fixture: &str) {
    let tree = common::build_corpus_tree(corpus);
    let now = verdicts(&scan_json(&tree.path().join("root")));
    let then = verdicts(&saved(fixture));
    assert!(then.len() > 3, "{fixture} holds verdicts");
    let gone: Vec<&String> = then.iter().filter(|l| !now.contains(l)).collect();
    let new: Vec<&String> = now.iter().filter(|l| !then.contains(l)).collect();
    assert!(
        gone.is_empty() && new.is_empty(),
        "verdicts of corpora/{corpus} differ from tests/fixtures/{fixture}\n\
         only in the saved report:\n  {}\nonly in a new scan:\n  {}",
        gone.iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n  "),
        new.iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n  ")
    );
}

#[test]
fn apptree_verdicts_match_the_saved_report() {
    assert_same("apptree", "report-apptree.json");
}

#[test]
fn units_verdicts_match_the_saved_report() {
    assert_same("units", "report-units.json");
}
