//! Reports always open (issue 16): a scan with more than 200,000 findings gives an HTML page
//! under 10 MB and Markdown/text lists cut with "and N more", while the JSON keeps every finding.
//! The tree is built by benches/many-findings-tree.sh (gcc; 6,100 copies of one program that needs
//! 40 libraries the target does not have) in a temporary directory, then scanned once by the
//! debug binary; the human renderings come from `report` on the saved JSON.

mod common;

use std::path::Path;
use std::process::Command;

fn azl(args: &[&str]) -> std::process::Output {
    let out = Command::new(env!("CARGO_BIN_EXE_azl-compat"))
        .args(args)
        .output()
        .expect("run azl-compat");
    // 0 = clean, 1 = blockers found; anything else is a failure.
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "azl-compat {args:?}: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[test]
fn two_hundred_thousand_findings_keep_every_human_report_small() {
    common::require_tool("gcc");
    let dir = tempfile::tempdir().expect("tempdir");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/many-findings-tree.sh");
    let built = Command::new("bash")
        .arg(&script)
        .arg(dir.path())
        .arg("6100")
        .output()
        .expect("run benches/many-findings-tree.sh");
    assert!(
        built.status.success(),
        "many-findings-tree.sh: {}",
        String::from_utf8_lossy(&built.stderr)
    );
    let root = dir.path().join("root");
    let json = dir.path().join("report.json");
    let s = |p: &Path| p.to_str().unwrap().to_string();
    azl(&[
        "scan",
        &s(&root),
        "--format",
        "json",
        "-o",
        &s(&json),
        "--quiet",
    ]);

    // The JSON keeps everything.
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json).unwrap()).expect("JSON report");
    let findings = report["findings"].as_array().expect("findings").len();
    assert!(findings >= 200_000, "only {findings} findings");
    assert_eq!(report["binaries"].as_array().unwrap().len(), 6100);

    // HTML: under 10 MB, and it says where the rest is.
    let html = dir.path().join("report.html");
    azl(&["report", &s(&json), "--format", "html", "-o", &s(&html)]);
    let size = std::fs::metadata(&html).unwrap().len();
    assert!(size < 10_000_000, "HTML is {size} bytes");
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        page.contains("class=\"cut\""),
        "the HTML says that a table was cut"
    );
    assert!(page.contains("Showing the first 2000 of 6100 binaries and scripts"));
    assert!(page.contains(&format!("Showing the first 2000 of {findings} findings")));

    // Markdown: tables of at most 200 rows, with "and N more rows".
    let md = String::from_utf8(azl(&["report", &s(&json), "--format", "md"]).stdout).unwrap();
    assert!(md.len() < 1_000_000, "Markdown is {} bytes", md.len());
    assert!(md.contains("... and 5900 more rows"), "{}", tail(&md));
    assert!(md.contains(&format!("... and {} more rows", findings - 200)));

    // Text: lists of at most 40 entries, with "and N more".
    let text = String::from_utf8(azl(&["report", &s(&json), "--format", "text"]).stdout).unwrap();
    assert!(text.len() < 200_000, "text is {} bytes", text.len());
    assert!(
        text.contains("  ... and 6060 more (see --format json"),
        "{}",
        tail(&text)
    );
    assert!(text.lines().count() < 2_000);
}

fn tail(s: &str) -> &str {
    &s[s.len().saturating_sub(3000)..]
}

/// `report --progress` says on stderr what it reads, renders and writes (a terminal gets the same
/// lines without the option); the JSONL rendering of a saved report has one line per finding.
#[test]
fn report_says_its_steps_and_renders_jsonl() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/report-apptree.json");
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&fixture).unwrap()).unwrap();
    let n = saved["findings"].as_array().unwrap().len();
    let out = azl(&[
        "report",
        fixture.to_str().unwrap(),
        "--format",
        "jsonl",
        "--progress",
    ]);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("azl-compat report: reading "), "{stderr}");
    assert!(
        stderr.contains(&format!("rendering {n} findings and ")) && stderr.contains(" as jsonl"),
        "{stderr}"
    );
    assert!(stderr.contains("azl-compat report: wrote "), "{stderr}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let records: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object a line"))
        .collect();
    assert_eq!(records[0]["record"], "header");
    let findings = records.iter().filter(|r| r["record"] == "finding").count();
    assert_eq!(findings, n);
    assert_eq!(records.last().unwrap()["record"], "trailer");
    assert_eq!(records.last().unwrap()["findings"], n);
    // Without --progress and with stderr not a terminal, nothing is said.
    let quiet = azl(&["report", fixture.to_str().unwrap(), "--format", "jsonl"]);
    assert!(
        quiet.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&quiet.stderr)
    );
}
