//! Helpers shared by the integration tests.
//!
//! One rule for what a test needs from outside the repository:
//! - **Tools** (`require_tool`): a missing tool always fails the test. `scripts/test` installs
//!   every tool the tests use, so there is no reason to skip.
//! - **Shared data** (`corpora_dir`, `knowledge_sources_dir`): keyed on `AZL_COMPAT_CORPORA`.
//!   When it is set (CI sets it), the data must be there or the test fails. When it is unset,
//!   `../shared` beside the checkout is used if present; otherwise (a fresh clone) the test
//!   prints a loud `AZL-COMPAT-SKIP` line on stderr (not captured by the test harness) and, when
//!   `AZL_COMPAT_SKIP_LOG` names a file, appends the test's name to it so `scripts/test` can say
//!   at the end how many corpus tests did not run and why. Nothing is skipped silently.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};

/// Fail unless `tool` is on PATH (or is an existing path).
pub fn require_tool(tool: &str) {
    let found = if tool.contains('/') {
        Path::new(tool).is_file()
    } else {
        std::env::var_os("PATH").is_some_and(|p| {
            std::env::split_paths(&p).any(|d| {
                let f = d.join(tool);
                f.is_file()
                    && std::fs::metadata(&f).is_ok_and(|m| {
                        std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o111 != 0
                    })
            })
        })
    };
    assert!(
        found,
        "{tool} is needed by this test and is not installed: run scripts/test, which installs \
         every tool the tests need (a missing tool fails, it never skips)"
    );
}

/// The shared corpus directory: `$AZL_COMPAT_CORPORA` (must exist), else `../shared/corpora`
/// beside the checkout, else `None` after a loud skip line (see the module's rule).
pub fn corpora_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("AZL_COMPAT_CORPORA") {
        let dir = PathBuf::from(dir);
        assert!(
            dir.join("MANIFEST.tsv").is_file(),
            "AZL_COMPAT_CORPORA={} is set but has no MANIFEST.tsv",
            dir.display()
        );
        return Some(dir);
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora");
    if dir.join("MANIFEST.tsv").is_file() {
        Some(dir)
    } else {
        skipped(&format!("no shared corpus at {}", dir.display()));
        None
    }
}

/// The knowledge sources (`$AZL_COMPAT_CORPORA/../knowledge-sources`, else
/// `../shared/knowledge-sources`) holding `pack_id`, under the same rule as `corpora_dir`.
pub fn knowledge_sources_dir(pack_id: &str) -> Option<PathBuf> {
    if let Some(corpora) = std::env::var_os("AZL_COMPAT_CORPORA") {
        let dir = PathBuf::from(corpora).join("..").join("knowledge-sources");
        assert!(
            dir.join(pack_id).is_dir(),
            "AZL_COMPAT_CORPORA is set but the knowledge sources are missing: {}",
            dir.display()
        );
        return Some(dir);
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/knowledge-sources");
    if dir.join(pack_id).is_dir() {
        Some(dir)
    } else {
        skipped(&format!("no knowledge sources at {}", dir.display()));
        None
    }
}

/// Say loudly that the current test did not run, and record it for `scripts/test`.
fn skipped(why: &str) {
    let name = std::thread::current()
        .name()
        .unwrap_or("<unnamed test>")
        .to_string();
    let line = format!(
        "AZL-COMPAT-SKIP {name}: {why} (AZL_COMPAT_CORPORA unset); this corpus test did NOT run\n"
    );
    // Straight to the process's stderr: the harness captures eprintln! of passing tests.
    let _ = std::io::stderr().write_all(line.as_bytes());
    if let Some(log) = std::env::var_os("AZL_COMPAT_SKIP_LOG")
        && let Ok(mut f) = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(log)
    {
        let _ = f.write_all(line.as_bytes());
    }
}

/// Validate a JSON report against docs/report.schema.json, listing every error.
pub fn assert_valid_report(report: &serde_json::Value) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/report.schema.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("schema"))
            .expect("schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("valid schema");
    let errors: Vec<String> = validator
        .iter_errors(report)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "report does not match docs/report.schema.json:\n{}",
        errors.join("\n")
    );
}

/// Build a fixture tree with `corpora/NAME/build.sh` into a new temporary directory (the scan
/// root is its `root/`); gcc is required. Fails with the script's output when it fails.
pub fn build_corpus_tree(name: &str) -> tempfile::TempDir {
    build_corpus_tree_env(name, &[])
}

/// [`build_corpus_tree`] with environment variables for the script (a download cache).
pub fn build_corpus_tree_env(name: &str, env: &[(&str, &Path)]) -> tempfile::TempDir {
    require_tool("gcc");
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpora")
        .join(name)
        .join("build.sh");
    let dir = tempfile::tempdir().expect("tempdir");
    let out = std::process::Command::new("bash")
        .arg(&script)
        .arg(dir.path())
        .envs(env.iter().copied())
        .output()
        .unwrap_or_else(|e| panic!("run bash corpora/{name}/build.sh: {e}"));
    assert!(
        out.status.success(),
        "corpora/{name}/build.sh failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

/// `azl-compat scan ROOT --format json -o FILE [extra]`: (exit code, the report checked against
/// the schema, its raw JSON text). Fails with stderr when no report was written.
pub fn scan_json(root: &Path, extra: &[&str]) -> (i32, serde_json::Value, String) {
    let out_dir = tempfile::tempdir().expect("tempdir");
    let file = out_dir.path().join("report.json");
    let out = assert_cmd::Command::cargo_bin("azl-compat")
        .expect("azl-compat binary")
        .arg("scan")
        .arg(root)
        .args(["--format", "json", "-o"])
        .arg(&file)
        .args(extra)
        .output()
        .expect("run azl-compat");
    let code = out.status.code().expect("exit code");
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| {
        panic!(
            "no report ({e}); exit {code}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let json: serde_json::Value = serde_json::from_str(&text).expect("report is JSON");
    assert_valid_report(&json);
    (code, json, text)
}

/// Parse RFC 4180 text strictly (CRLF records, quoted fields that may hold commas, quotes and
/// line breaks; a bare CR or LF outside quotes fails) into records of fields.
pub fn parse_csv(s: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut chars = s.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => quoted = true,
            ',' => row.push(std::mem::take(&mut field)),
            '\r' => {
                assert_eq!(chars.next(), Some('\n'), "bare CR");
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            '\n' => panic!("record ends without CRLF"),
            _ => field.push(c),
        }
    }
    assert!(!quoted, "unterminated quoted field");
    assert!(
        field.is_empty() && row.is_empty(),
        "last record without CRLF"
    );
    rows
}

/// Load a NetworkManager keyfile with `nmcli --offline` (NetworkManager's own keyfile parser)
/// and assert that it is accepted without a warning and that NetworkManager keeps every key the
/// file sets (an unknown key would be dropped; a key at NetworkManager's default value may be
/// left out of its output when listed in `defaults` as `section.key=value`). `what` names the
/// file in failures.
#[allow(dead_code)]
pub fn assert_nmcli_loads(text: &str, defaults: &[&str], what: &str) {
    require_tool("nmcli");
    let id = text
        .lines()
        .find_map(|l| l.strip_prefix("id="))
        .unwrap_or_else(|| panic!("{what}: no id= line"))
        .to_string();
    let mut child = std::process::Command::new("nmcli")
        .args(["--offline", "connection", "modify", "connection.id", &id])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run nmcli");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success() && stderr.trim().is_empty(),
        "{what}: nmcli --offline refuses it: {stderr}\n{text}"
    );
    let kept = keyfile_keys(&stdout);
    for (k, v) in keyfile_keys(text) {
        if defaults.contains(&format!("{k}={v}").as_str()) && !kept.contains_key(&k) {
            continue;
        }
        assert_eq!(
            kept.get(&k),
            Some(&v),
            "{what}: NetworkManager does not keep {k}={v}\n{text}\n---\n{stdout}"
        );
    }
}

/// `section.key` -> value of a keyfile.
#[allow(dead_code)]
pub fn keyfile_keys(text: &str) -> std::collections::BTreeMap<String, String> {
    let mut section = String::new();
    let mut m = std::collections::BTreeMap::new();
    for l in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if let Some(s) = l.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = s.to_string();
        } else if let Some((k, v)) = l.split_once('=') {
            m.insert(format!("{section}.{k}"), v.to_string());
        }
    }
    m
}
