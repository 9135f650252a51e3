//! systemd units end to end through the CLI: the units section of the JSON report (valid
//! against the schema), a unit whose program breaks, and `--write-fixes` (into a separate
//! directory, never into the scanned tree).

mod common;

use assert_cmd::Command;
use serde_json::Value;

#[test]
fn scan_reports_units_and_writes_fixes_outside_the_tree() {
    let dir = common::build_corpus_tree("units");
    let root = dir.path().join("root");
    let fixes = dir.path().join("fixes");
    let out = Command::cargo_bin("azl-compat")
        .unwrap()
        .arg("scan")
        .arg(&root)
        .args(["--format", "json", "--quiet", "--write-fixes"])
        .arg(&fixes)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    common::assert_valid_report(&r);
    let units = r["units"].as_array().expect("units section");
    assert!(!units.is_empty());
    let uc = &r["summary"]["units"];
    assert_eq!(uc["total"].as_u64().unwrap() as usize, units.len());
    // A unit whose ExecStart= program would break carries the break in its own verdict.
    assert!(
        units.iter().any(|u| u["verdict"] == "breaks"
            && u["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c == "unit-exec-breaks")),
        "no unit breaks through its program"
    );
    // Every unit with a diff has its migrated file written under the fixes directory.
    let with_diff: Vec<&Value> = units.iter().filter(|u| u["diff"].is_string()).collect();
    assert!(!with_diff.is_empty());
    assert_eq!(uc["with_fixes"].as_u64().unwrap() as usize, with_diff.len());
    // Every file a diff changes is written, migrated, under the fixes directory.
    for u in &with_diff {
        for line in u["diff"].as_str().unwrap().lines() {
            if let Some(rel) = line.strip_prefix("+++ b/") {
                let rel = rel.split('\t').next().unwrap().trim();
                assert!(
                    fixes.join(rel).is_file(),
                    "no migrated file for /{rel} (unit {}) under {}",
                    u["unit"],
                    fixes.display()
                );
            }
        }
    }
    // Unit findings about a line carry it.
    assert!(
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["code"] == "unit-limit-ignored")
            .all(|f| f["evidence"]["line"]
                .as_str()
                .is_some_and(|l| l.parse::<u32>().is_ok()))
    );

    // Fixes are never written into the scanned tree.
    let inside = root.join("fixes");
    Command::cargo_bin("azl-compat")
        .unwrap()
        .arg("scan")
        .arg(&root)
        .args(["--quiet", "--write-fixes"])
        .arg(&inside)
        .assert()
        .code(2);
    assert!(!inside.exists());
}
