//! End-to-end tests of the command line: exit statuses, the JSON schema, determinism, and a
//! scan of a real tree of this machine.

mod common;

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

fn cmd() -> Command {
    Command::cargo_bin("azl-compat").expect("binary")
}

fn schema() -> Value {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/report.schema.json"),
    )
    .expect("docs/report.schema.json");
    serde_json::from_str(&text).expect("schema is JSON")
}

fn scan_json(root: &Path, extra: &[&str]) -> (Value, i32) {
    let out = cmd()
        .arg("scan")
        .arg(root)
        .args(["--format", "json"])
        .args(extra)
        .output()
        .expect("run");
    let code = out.status.code().expect("exit code");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (v, code)
}

#[test]
fn schema_lists_exactly_the_codes_of_the_tool() {
    let schema = schema();
    let mut in_schema: Vec<String> = schema["$defs"]["code"]["enum"]
        .as_array()
        .expect("code enum")
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    in_schema.sort();
    let mut in_tool: Vec<String> = azl_compat::findings::Code::ALL
        .iter()
        .map(|c| c.as_str().to_string())
        .collect();
    in_tool.sort();
    assert_eq!(in_schema, in_tool);
}

#[test]
fn missing_root_is_a_fatal_error_with_status_2() {
    cmd()
        .args(["scan", "/nonexistent/azl-compat-test-root"])
        .assert()
        .code(2)
        .stderr(predicates_contains("cannot scan"));
}

#[test]
fn unreadable_knowledge_pack_is_a_fatal_error() {
    let dir = tempfile::tempdir().unwrap();
    cmd()
        .arg("scan")
        .arg(dir.path())
        .args(["--knowledge", "/nonexistent/azl-pack"])
        .assert()
        .code(2)
        .stderr(predicates_contains("knowledge pack"));
}

#[test]
fn usage_error_has_status_2() {
    cmd()
        .args(["scan", "--format", "yaml", "/"])
        .assert()
        .code(2);
    cmd().args(["explain", "no-such-code"]).assert().code(2);
}

#[test]
fn explain_matches_codes_case_insensitively_and_suggests_the_nearest() {
    let upper = cmd()
        .args(["explain", "ELF-LIBRARY-MISSING"])
        .output()
        .unwrap();
    let lower = cmd()
        .args(["explain", "elf-library-missing"])
        .output()
        .unwrap();
    assert!(upper.status.success());
    assert_eq!(upper.stdout, lower.stdout);
    let out = cmd()
        .args(["explain", "elf-libary-missing"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("did you mean `elf-library-missing`"), "{err}");
}

/// `knowledge info` states one number per fact, or says what each counts: the row counts it
/// prints next to names are the builder's counts of pack.json.
#[test]
fn knowledge_info_says_what_each_number_counts() {
    let out = cmd().args(["knowledge", "info"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let pack: Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge/azurelinux-4.0/pack.json"),
        )
        .unwrap(),
    )
    .unwrap();
    for (label, key) in [
        ("packages", "packages"),
        ("sonames", "sonames_concrete"),
        ("paths", "paths_concrete"),
    ] {
        let line = text
            .lines()
            .find(|l| l.starts_with(label))
            .unwrap_or_else(|| panic!("no {label} line:\n{text}"));
        let rows = pack["counts"][key].as_u64().unwrap();
        assert!(line.contains(&format!(" in {rows} rows")), "{line}");
    }
    assert!(!text.contains("counts (pack.json):"), "{text}");
}

#[test]
fn explain_prints_the_documented_section() {
    let out = cmd()
        .args(["explain", "elf-library-missing"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Severity: blocker"), "{text}");
    assert!(text.contains("RUNPATH"), "{text}");
    // The check that emits it, from the registry.
    assert!(
        text.contains("Emitted by check `elf-libraries` (src/checks/elf_libraries.rs)"),
        "{text}"
    );
    let out = cmd()
        .args(["explain", "systemd-legacy-file"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Emitted by check `unit-legacy`"), "{text}");
    assert!(text.contains("Also reported by `sysv-scripts`"), "{text}");
}

#[test]
fn scripts_tree_report_is_valid_deterministic_and_sets_the_exit_status() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("opt/app/bin")).unwrap();
    std::fs::write(
        root.join("opt/app/bin/old.py"),
        "#!/usr/bin/python2\nprint 'x'\n",
    )
    .unwrap();
    std::fs::write(
        root.join("opt/app/bin/new.py"),
        "#!/usr/bin/env python3\nprint('x')\n",
    )
    .unwrap();
    std::fs::write(root.join("opt/app/README"), "not a script").unwrap();
    use std::os::unix::fs::PermissionsExt;
    for s in ["old.py", "new.py"] {
        let p = root.join("opt/app/bin").join(s);
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let (a, code) = scan_json(root, &[]);
    assert_eq!(code, 1, "a python2 script is a blocker");
    common::assert_valid_report(&a);
    let (b, _) = scan_json(root, &[]);
    assert_eq!(a, b, "two scans of one tree give the same report");
    let bins = a["binaries"].as_array().unwrap();
    let verdict = |p: &str| {
        bins.iter()
            .find(|b| b["path"] == p)
            .unwrap_or_else(|| panic!("{p} not judged: {a}"))["verdict"]
            .clone()
    };
    assert_eq!(verdict("/opt/app/bin/old.py"), "breaks");
    assert_eq!(verdict("/opt/app/bin/new.py"), "needs-packages");
    assert_eq!(a["summary"]["binaries"]["total"], 2);
    // Thresholds.
    let (_, code) = scan_json(root, &["--fail-on", "never"]);
    assert_eq!(code, 0);
    // -o writes the same document.
    let out = root.join("../report.json");
    cmd()
        .arg("scan")
        .arg(root)
        .args(["--format", "json", "-o"])
        .arg(&out)
        .assert()
        .code(1);
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(written, a);
    std::fs::remove_file(out).ok();
}

/// A real tree of this machine: every ELF file of /usr/bin is read and judged, and the report
/// validates (the files are not owned by a package database inside the scanned root).
#[test]
fn real_tree_usr_bin_scans_and_validates() {
    let (v, code) = scan_json(Path::new("/usr/bin"), &["--quiet"]);
    assert!(code == 0 || code == 1, "exit status {code}");
    common::assert_valid_report(&v);
    let elf = v["source"]["elf_files"].as_u64().unwrap();
    assert!(elf > 50, "expected many ELF files in /usr/bin, got {elf}");
    let judged = v["binaries"].as_array().unwrap().len() as u64;
    assert!(
        judged >= elf,
        "every ELF file and script is judged ({judged} < {elf})"
    );
    // glibc is always there: nothing reports libc.so.6 as missing.
    assert!(
        !v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["subject"] == "libc.so.6" && f["code"] == "elf-library-missing"),
        "libc.so.6 reported missing"
    );
    // And the text summary renders.
    let out = cmd()
        .args(["scan", "/usr/bin", "--quiet"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Verdict:"), "{text}");
}

fn predicates_contains(s: &'static str) -> impl predicates::Predicate<[u8]> {
    use predicates::prelude::*;
    predicate::str::contains(s).from_utf8()
}

/// `azl-compat explain | head -1` and the like: when the reader of standard output goes away,
/// every command stops writing quietly (no panic, no message) and keeps its own exit status,
/// as other Unix tools do. Standard output here is a pipe whose reading end is closed before
/// the command starts, so its first write fails with EPIPE.
#[test]
fn closed_stdout_pipe_ends_output_quietly() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/report-apptree.json");
    let empty = tempfile::tempdir().expect("tempdir");
    let fixture = fixture.to_str().unwrap();
    let root = empty.path().to_str().unwrap();
    let cases: Vec<(Vec<&str>, i32)> = vec![
        (vec!["explain"], 0),
        (vec!["explain", "elf-library-missing"], 0),
        (vec!["explain", "sdk"], 0),
        (vec!["knowledge", "info"], 0),
        (vec!["knowledge", "lint"], 0),
        (vec!["which", "libssl.so.3"], 0),
        (vec!["which", "libssl.so.3", "--format", "json"], 0),
        (vec!["report", fixture], 1),
        (vec!["report", fixture, "--format", "html"], 1),
        (vec!["scan", root, "--quiet"], 0),
        (vec!["scan", root, "--quiet", "--format", "json"], 0),
    ];
    for (args, want) in cases {
        let (reader, writer) = std::io::pipe().expect("pipe");
        drop(reader);
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_azl-compat"))
            .args(&args)
            .stdout(writer)
            .output()
            .expect("run azl-compat");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(want),
            "azl-compat {args:?} with a closed stdout: {:?}\n{stderr}",
            out.status
        );
        assert!(
            stderr.is_empty(),
            "azl-compat {args:?} said something on a closed stdout:\n{stderr}"
        );
    }
}
