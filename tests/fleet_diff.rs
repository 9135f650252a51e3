//! `azl-compat diff OLD.json NEW.json`: end to end on the saved reports.

use assert_cmd::Command;
use serde_json::Value;

fn fixture() -> Value {
    serde_json::from_str(include_str!("fixtures/report-apptree.json")).unwrap()
}

fn write(dir: &tempfile::TempDir, name: &str, v: &Value) -> std::path::PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, serde_json::to_string_pretty(v).unwrap()).unwrap();
    p
}

fn run(args: &[&std::ffi::OsStr]) -> (i32, String) {
    let out = Command::cargo_bin("azl-compat")
        .unwrap()
        .arg("diff")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
    )
}

#[test]
fn same_report_twice_has_nothing_new_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(&dir, "a.json", &fixture());
    let (code, out) = run(&[
        a.as_os_str(),
        a.as_os_str(),
        "--format".as_ref(),
        "json".as_ref(),
    ]);
    assert_eq!(code, 0);
    let d: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(d["counts"]["new"], 0);
    assert_eq!(d["counts"]["resolved"], 0);
    assert_eq!(
        d["counts"]["unchanged"].as_u64().unwrap() as usize,
        fixture()["findings"].as_array().unwrap().len()
    );
}

#[test]
fn a_fixed_blocker_is_resolved_and_a_new_one_fails_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let old = fixture();
    let mut new = old.clone();
    let findings = new["findings"].as_array_mut().unwrap();
    let i = findings
        .iter()
        .position(|f| f["severity"] == "blocker")
        .unwrap();
    let fixed = findings.remove(i);
    // Reworded and moved to another line: still the same finding.
    findings[0]["message"] = "other words".into();
    findings[0]["line"] = 99.into();
    let (o, n) = (write(&dir, "old.json", &old), write(&dir, "new.json", &new));
    let (code, out) = run(&[
        o.as_os_str(),
        n.as_os_str(),
        "--format".as_ref(),
        "json".as_ref(),
    ]);
    assert_eq!(code, 0, "nothing new: {out}");
    let d: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(d["counts"]["new"], 0);
    assert_eq!(d["counts"]["resolved"], 1);
    assert_eq!(d["resolved_findings"][0]["code"], fixed["code"]);
    assert_eq!(d["resolved_findings"][0]["path"], fixed["path"]);

    // The other way round the blocker is new: exit 1 at blocker, and at warning; 0 at never.
    let (code, text) = run(&[n.as_os_str(), o.as_os_str()]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("new (1):"), "{text}");
    assert!(text.contains(fixed["path"].as_str().unwrap()), "{text}");
    let (code, _) = run(&[
        n.as_os_str(),
        o.as_os_str(),
        "--fail-on".as_ref(),
        "never".as_ref(),
    ]);
    assert_eq!(code, 0);
}

#[test]
fn changed_verdicts_of_packages_units_and_binaries_are_listed() {
    let dir = tempfile::tempdir().unwrap();
    let old: Value = serde_json::from_str(include_str!("fixtures/report-packages.json")).unwrap();
    let mut new = old.clone();
    let p = &mut new["packages"][0];
    let name = p["name"].as_str().unwrap().to_string();
    p["fate"] = if p["fate"] == "shipped" {
        "not-shipped"
    } else {
        "shipped"
    }
    .into();
    new["binaries"][0]["verdict"] = if new["binaries"][0]["verdict"] == "ok" {
        "breaks"
    } else {
        "ok"
    }
    .into();
    let (o, n) = (write(&dir, "old.json", &old), write(&dir, "new.json", &new));
    let (_, out) = run(&[
        o.as_os_str(),
        n.as_os_str(),
        "--format".as_ref(),
        "json".as_ref(),
    ]);
    let d: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(d["packages"].as_array().unwrap().len(), 1);
    assert!(
        d["packages"][0]["name"]
            .as_str()
            .unwrap()
            .starts_with(&name)
    );
    assert_eq!(d["binaries"].as_array().unwrap().len(), 1);
    assert_eq!(d["units"].as_array().unwrap().len(), 0);
}

#[test]
fn unreadable_input_is_an_error_with_status_2() {
    let (code, _) = run(&[
        "/nonexistent/a.json".as_ref(),
        "/nonexistent/b.json".as_ref(),
    ]);
    assert_eq!(code, 2);
}
