//! End to end: build the `corpora/apptree` fixture (small C programs, libraries and scripts laid
//! out like a target filesystem), scan it through the CLI and check every verdict and every
//! finding code. `corpora/apptree/README.md` lists what each file exercises.
//!
//! Needs `gcc` and GNU `ld` (CI installs them); without them the test fails, it never skips.

mod common;

use assert_cmd::Command;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every finding code and its severity (the contract; `docs/findings.md` documents them).
const ALL_CODES: &[(&str, &str)] = &[
    ("elf-library-missing", "blocker"),
    ("elf-library-from-package", "info"),
    ("elf-library-sdk-only", "warning"),
    ("elf-library-weak-evidence", "warning"),
    ("elf-library-off-search-path", "warning"),
    ("elf-version-missing", "blocker"),
    ("elf-versions-unknown", "info"),
    ("elf-glibc-private", "warning"),
    ("elf-interpreter-missing", "blocker"),
    ("elf-unsupported-arch", "blocker"),
    ("elf-dependency-breaks", "blocker"),
    ("script-interpreter-missing", "blocker"),
    ("script-interpreter-from-package", "info"),
    ("script-interpreter-sdk-only", "warning"),
    ("script-interpreter-breaks", "blocker"),
];

/// What the report must say about one judged file.
struct Expect {
    path: &'static str,
    kind: &'static str,
    verdict: &'static str,
    /// Exactly the codes of the findings on this file.
    codes: &'static [&'static str],
    /// Packages the file needs: exactly these for ELF; at least these for scripts (the
    /// package of `/usr/bin/env` itself may be listed too).
    packages: &'static [&'static str],
    /// (code, field, value): a finding on this file with that code whose `field` is `value`.
    /// field `subject` is the finding's subject, `*` means "the finding mentions value
    /// anywhere", any other field is an `evidence` key.
    evidence: &'static [(&'static str, &'static str, &'static str)],
}

const fn e(
    path: &'static str,
    kind: &'static str,
    verdict: &'static str,
    codes: &'static [&'static str],
    packages: &'static [&'static str],
    evidence: &'static [(&'static str, &'static str, &'static str)],
) -> Expect {
    Expect {
        path,
        kind,
        verdict,
        codes,
        packages,
        evidence,
    }
}

const OK: &str = "ok";
const NEEDS: &str = "needs-packages";
const BREAKS: &str = "breaks";
const UNKNOWN: &str = "unknown";

#[rustfmt::skip]
const EXPECTED: &[Expect] = &[
    // ---- programs ------------------------------------------------------------------------
    e("/opt/acme/bin/hello", "elf", OK, &[], &[], &[]),
    e("/opt/acme/bin/hello-static", "elf", OK, &[], &[], &[]),
    e("/opt/acme/bin/uses-bundled", "elf", OK, &[], &[], &[]),
    e("/opt/acme/bin/uses-abs-symlink", "elf", OK, &[], &[], &[]),
    e("/opt/acme/bin/uses-ldconf", "elf", OK, &[], &[], &[]),
    e("/opt/acme/bin/acme-tool", "elf", OK, &[], &[], &[]),
    e("/opt/acme/bin/no-rpath", "elf", UNKNOWN, &["elf-library-off-search-path"], &[], &[
        ("elf-library-off-search-path", "subject", "libacme-core.so.1"),
        ("elf-library-off-search-path", "*", "/opt/acme/lib/libacme-core.so.1"),
    ]),
    e("/opt/acme/bin/needs-openssl3", "elf", NEEDS, &["elf-library-from-package"], &["openssl-libs"], &[
        ("elf-library-from-package", "subject", "libssl.so.3"),
        ("elf-library-from-package", "package", "openssl-libs"),
    ]),
    e("/opt/acme/bin/needs-openssl11", "elf", BREAKS, &["elf-library-missing"], &[], &[
        ("elf-library-missing", "subject", "libssl.so.1.1"),
    ]),
    e("/opt/acme/bin/needs-vanished", "elf", BREAKS, &["elf-library-missing"], &[], &[
        ("elf-library-missing", "subject", "libacme-vanished.so.4"),
    ]),
    e("/opt/acme/bin/needs-python312", "elf", NEEDS, &["elf-library-sdk-only"], &["python3.12-libs"], &[
        ("elf-library-sdk-only", "subject", "libpython3.12.so.1.0"),
        ("elf-library-sdk-only", "package", "python3.12-libs"),
    ]),
    e("/opt/acme/bin/needs-varlink", "elf", NEEDS, &["elf-library-weak-evidence"], &["libvarlink"], &[
        ("elf-library-weak-evidence", "subject", "libvarlink.so.0"),
        ("elf-library-weak-evidence", "package", "libvarlink"),
    ]),
    e("/opt/acme/bin/needs-libxml2", "elf", NEEDS, &["elf-library-from-package", "elf-versions-unknown"], &["libxml2"], &[
        ("elf-library-from-package", "package", "libxml2"),
        ("elf-versions-unknown", "*", "LIBXML2_2.6.0"),
    ]),
    e("/opt/acme/bin/needs-glibc-2.99", "elf", BREAKS, &["elf-version-missing"], &[], &[
        ("elf-version-missing", "*", "GLIBC_2.99"),
        ("elf-version-missing", "*", "libc.so.6"),
    ]),
    e("/opt/acme/bin/uses-glibc-private", "elf", OK, &["elf-glibc-private"], &[], &[
        ("elf-glibc-private", "*", "GLIBC_PRIVATE"),
    ]),
    e("/opt/acme/bin/needs-newer-bundled", "elf", BREAKS, &["elf-version-missing"], &[], &[
        ("elf-version-missing", "*", "ACME_2.0"),
        ("elf-version-missing", "*", "libacme-ver.so.1"),
    ]),
    e("/opt/acme/bin/musl-interp", "elf", BREAKS, &["elf-interpreter-missing"], &[], &[
        ("elf-interpreter-missing", "subject", "/lib/ld-musl-x86_64.so.1"),
    ]),
    e("/opt/acme/bin/i386-prog", "elf", BREAKS, &["elf-unsupported-arch"], &[], &[
        ("elf-unsupported-arch", "*", "i386"),
    ]),
    e("/opt/acme/bin/uses-broken", "elf", BREAKS, &["elf-dependency-breaks"], &[], &[
        ("elf-dependency-breaks", "*", "libbroken.so.1"),
    ]),
    e("/opt/acme/bin/rpath-inherit", "elf", OK, &[], &[], &[]),
    // No finding of its own, but the library it loads is `unknown`, so it is too.
    e("/opt/acme/bin/runpath-noinherit", "elf", UNKNOWN, &[], &[], &[]),
    e("/opt/acme/bin/acme-interp", "elf", BREAKS, &["elf-library-missing"], &[], &[
        ("elf-library-missing", "subject", "libacme-interp-rt.so.1"),
    ]),
    // ---- bundled libraries -----------------------------------------------------------------
    e("/opt/acme/lib/libacme-core.so.1.2.3", "elf", OK, &[], &[], &[]),
    e("/opt/acme/lib/libacme-ver.so.1", "elf", OK, &[], &[], &[]),
    e("/opt/acme/lib/libbroken.so.1", "elf", BREAKS, &["elf-library-missing"], &[], &[
        ("elf-library-missing", "subject", "libacme-gone.so.3"),
    ]),
    e("/opt/acme/syslib/libacme-sys.so.1", "elf", OK, &[], &[], &[]),
    e("/opt/acme/libs/libinh-a.so.1", "elf", OK, &[], &[], &[]),
    e("/opt/acme/libs/libinh-b.so.1", "elf", OK, &[], &[], &[]),
    e("/opt/acme/libs-runpath/libnoinh-a.so.1", "elf", UNKNOWN, &["elf-library-off-search-path"], &[], &[
        ("elf-library-off-search-path", "subject", "libnoinh-b.so.1"),
        ("elf-library-off-search-path", "*", "/opt/acme/libs-runpath/libnoinh-b.so.1"),
    ]),
    e("/opt/acme/libs-runpath/libnoinh-b.so.1", "elf", OK, &[], &[], &[]),
    // Plugin whose need is met by a library the tree's programs load (dlopen finds it by soname).
    e("/opt/acme/plugins/acme-plugin-host.so", "elf", OK, &[], &[], &[]),
    e("/opt/acme/plugins/acme-plugin-foo.so", "elf", BREAKS, &["elf-library-missing"], &[], &[
        ("elf-library-missing", "subject", "libacme-plugin-rt.so.2"),
    ]),
    // ---- scripts ---------------------------------------------------------------------------
    e("/opt/acme/scripts/legacy-report.py", "script", BREAKS, &["script-interpreter-missing"], &[], &[
        ("script-interpreter-missing", "*", "/usr/bin/python2"),
    ]),
    e("/opt/acme/scripts/acme-tool.py", "script", NEEDS, &["script-interpreter-from-package"], &["python3"], &[
        ("script-interpreter-from-package", "package", "python3"),
    ]),
    e("/opt/acme/scripts/pinned-py39.py", "script", NEEDS, &["script-interpreter-sdk-only"], &["python3.9"], &[
        ("script-interpreter-sdk-only", "package", "python3.9"),
    ]),
    e("/opt/acme/scripts/report.pl", "script", NEEDS, &["script-interpreter-from-package"], &["perl-interpreter"], &[
        ("script-interpreter-from-package", "package", "perl-interpreter"),
    ]),
    e("/opt/acme/scripts/start.sh", "script", NEEDS, &["script-interpreter-from-package"], &["bash"], &[
        ("script-interpreter-from-package", "package", "bash"),
    ]),
    e("/opt/acme/scripts/uses-acme-interp", "script", BREAKS, &["script-interpreter-breaks"], &[], &[
        ("script-interpreter-breaks", "*", "/opt/acme/bin/acme-interp"),
    ]),
];

/// Paths that must not be `binaries` entries: the second name of the hardlink pair, symlinks,
/// files that are neither ELF nor script, the loader configuration.
const NOT_JUDGED: &[&str] = &[
    "/opt/acme/bin/acme-tool-hardlink",
    "/opt/acme/lib/libacme-core.so.1",
    "/opt/acme/compat/libacme-core.so.1",
    "/opt/acme/share/data.bin",
    "/opt/acme/share/README.txt",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d/acme.conf",
];

/// Bad input: each must be named by a `diagnostics` entry (any of the alternatives).
const DIAGNOSED: &[&[&str]] = &[
    &["/opt/acme/bin/truncated-elf"],
    &["/opt/acme/bin/truncated-header"],
    &["/opt/acme/run/acme.fifo"],
    &["/opt/acme/lib/loop-a.so", "/opt/acme/lib/loop-b.so"],
];

/// Files that must appear in neither `binaries` nor `diagnostics`.
const IGNORED: &[&str] = &["/opt/acme/share/data.bin", "/opt/acme/share/README.txt"];

// ---- harness ----------------------------------------------------------------------------------

/// The built fixture; the temporary directory lives as long as this value.
struct Tree {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

fn build_tree() -> Tree {
    let dir = common::build_corpus_tree("apptree");
    let root = dir.path().join("root");
    assert!(
        root.join("opt/acme/bin/hello").is_file(),
        "build.sh did not produce root/opt/acme"
    );
    Tree { _dir: dir, root }
}

/// Run `azl-compat scan ROOT --format json -o FILE [extra]`; returns (exit code, report).
fn scan_json(root: &Path, extra: &[&str]) -> (i32, Value) {
    let out_dir = tempfile::tempdir().expect("tempdir");
    let file = out_dir.path().join("report.json");
    let out = Command::cargo_bin("azl-compat")
        .expect("azl-compat binary")
        .arg("scan")
        .arg(root)
        .args(["--format", "json", "-o"])
        .arg(&file)
        .args(extra)
        .output()
        .expect("run azl-compat");
    let code = out.status.code().expect("exit code");
    let text = std::fs::read_to_string(&file).unwrap_or_else(|err| {
        panic!(
            "no JSON report at {} ({err}); exit {code}\nstdout:\n{}\nstderr:\n{}",
            file.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let json = serde_json::from_str(&text)
        .unwrap_or_else(|err| panic!("report is not JSON: {err}\n{text}"));
    (code, json)
}

/// A finding on a script about `/usr/bin/env` itself coming from a package.
fn is_env_finding(f: &Value) -> bool {
    str_of(f, "code") == "script-interpreter-from-package" && str_of(f, "subject") == "/usr/bin/env"
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

fn strings(v: &Value, key: &str) -> Vec<String> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn array<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn sorted_set(v: impl IntoIterator<Item = String>) -> BTreeSet<String> {
    v.into_iter().collect()
}

fn set_of(v: &[&str]) -> BTreeSet<String> {
    v.iter().map(|s| s.to_string()).collect()
}

// ---- tests ------------------------------------------------------------------------------------

#[test]
fn apptree_every_verdict_and_code() {
    let tree = build_tree();
    let (code, report) = scan_json(&tree.root, &[]);
    // The report covers every code, so validating it exercises the whole schema.
    common::assert_valid_report(&report);
    // The same pack loaded from its directory gives the same report.
    let pack_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge/azurelinux-4.0");
    let (_, from_dir) = scan_json(&tree.root, &["--knowledge", pack_dir.to_str().unwrap()]);
    assert_eq!(
        from_dir, report,
        "--knowledge DIR and the built-in pack disagree"
    );
    let mut fails: Vec<String> = Vec::new();
    let mut check = |ok: bool, msg: String| {
        if !ok {
            fails.push(msg);
        }
    };

    check(
        code == 1,
        format!("exit status {code}, expected 1 (blockers found)"),
    );

    // Header.
    for key in [
        "schema_version",
        "tool",
        "knowledge",
        "target",
        "summary",
        "binaries",
        "findings",
        "diagnostics",
    ] {
        check(report.get(key).is_some(), format!("report has no `{key}`"));
    }
    check(
        str_of(&report["tool"], "name") == "azl-compat",
        format!("tool.name = {:?}", report["tool"]["name"]),
    );
    check(
        !str_of(&report["knowledge"], "id").is_empty(),
        "knowledge.id is empty".into(),
    );
    check(
        str_of(&report["target"], "version") == "4.0",
        format!("target.version = {:?}", report["target"]["version"]),
    );
    check(
        str_of(&report["target"], "arch") == "x86_64",
        format!("target.arch = {:?}", report["target"]["arch"]),
    );

    // No host path leaks into the judgements: every path is as on the target (only the
    // report's header may name the scanned directory).
    let root_str = tree.root.to_string_lossy().to_string();
    for key in ["binaries", "findings", "diagnostics"] {
        check(
            !report[key].to_string().contains(&root_str),
            format!("`{key}` mentions the scan root {root_str}"),
        );
    }

    let binaries: BTreeMap<String, &Value> = array(&report, "binaries")
        .iter()
        .map(|b| (str_of(b, "path").to_string(), b))
        .collect();
    check(
        binaries.len() == array(&report, "binaries").len(),
        "a path appears twice in `binaries`".into(),
    );
    let findings = array(&report, "findings");
    let findings_on = |path: &str| -> Vec<&Value> {
        findings
            .iter()
            .filter(|f| str_of(f, "path") == path)
            .collect()
    };

    // Every expected file: kind, verdict, codes, packages, key evidence.
    for x in EXPECTED {
        let Some(b) = binaries.get(x.path) else {
            check(false, format!("{}: not in `binaries`", x.path));
            continue;
        };
        check(
            str_of(b, "kind") == x.kind,
            format!("{}: kind {:?}, expected {}", x.path, b["kind"], x.kind),
        );
        check(
            str_of(b, "verdict") == x.verdict,
            format!(
                "{}: verdict {:?}, expected {}",
                x.path, b["verdict"], x.verdict
            ),
        );
        let codes = sorted_set(strings(b, "findings"));
        let top = findings_on(x.path);
        let top_codes = sorted_set(top.iter().map(|f| str_of(f, "code").to_string()));
        check(
            top_codes == codes,
            format!(
                "{}: `findings` has codes {top_codes:?} but the binaries entry lists {codes:?}",
                x.path
            ),
        );
        // `#!/usr/bin/env NAME` scripts may also get a finding about `env` itself (coreutils);
        // the table only names the findings about NAME.
        let judged_codes = sorted_set(
            top.iter()
                .filter(|f| !is_env_finding(f))
                .map(|f| str_of(f, "code").to_string()),
        );
        check(
            judged_codes == set_of(x.codes),
            format!("{}: codes {codes:?}, expected {:?}", x.path, x.codes),
        );
        let packages = sorted_set(strings(b, "packages"));
        let want = set_of(x.packages);
        let pkg_ok = if x.kind == "script" {
            want.is_subset(&packages)
        } else {
            packages == want
        };
        check(
            pkg_ok,
            format!("{}: packages {packages:?}, expected {want:?}", x.path),
        );
        for &(code, field, value) in x.evidence {
            let hit = top
                .iter()
                .filter(|f| str_of(f, "code") == code)
                .any(|f| match field {
                    "*" => f.to_string().contains(value),
                    "subject" => str_of(f, "subject") == value,
                    k => f.get("evidence").map(|ev| str_of(ev, k)) == Some(value),
                });
            check(
                hit,
                format!(
                    "{}: no `{code}` finding with {field} = {value:?}; findings: {}",
                    x.path,
                    serde_json::to_string(&top).unwrap_or_default()
                ),
            );
        }
        for f in &top {
            check(
                ["message", "why", "fix"]
                    .iter()
                    .all(|k| !str_of(f, k).is_empty()),
                format!(
                    "{}: a `{}` finding lacks message/why/fix",
                    x.path,
                    str_of(f, "code")
                ),
            );
        }
    }

    // Nothing else is judged (no stub leaked into the tree); a truncated ELF may be listed,
    // but only as `unknown`, never judged `ok`.
    let expected_paths: BTreeSet<&str> = EXPECTED.iter().map(|x| x.path).collect();
    for (path, b) in &binaries {
        let allowed = expected_paths.contains(path.as_str())
            || (path.starts_with("/opt/acme/bin/truncated-") && str_of(b, "verdict") == UNKNOWN);
        check(allowed, format!("unexpected `binaries` entry {path}: {b}"));
    }
    for p in NOT_JUDGED {
        check(
            !binaries.contains_key(*p),
            format!("{p} must not be a `binaries` entry"),
        );
    }
    // The hardlink pair is judged once, under the smaller path.
    let pair = [
        "/opt/acme/bin/acme-tool",
        "/opt/acme/bin/acme-tool-hardlink",
    ];
    let listed = pair.iter().filter(|p| binaries.contains_key(**p)).count();
    check(
        listed == 1,
        format!("hardlink pair listed {listed} times in `binaries`"),
    );

    // Bad input is reported, and the scan went on (everything above was judged).
    let diagnostics = array(&report, "diagnostics");
    let diag_paths: BTreeSet<&str> = diagnostics.iter().map(|d| str_of(d, "path")).collect();
    for alternatives in DIAGNOSED {
        check(
            alternatives.iter().any(|p| diag_paths.contains(p)),
            format!("no diagnostic for {alternatives:?}; diagnostics: {diag_paths:?}"),
        );
    }
    for d in diagnostics {
        check(
            !str_of(d, "reason").is_empty(),
            format!("diagnostic without a reason: {d}"),
        );
    }
    for p in IGNORED {
        check(
            !diag_paths.contains(p),
            format!("{p} is neither ELF nor script and must be ignored, not diagnosed"),
        );
    }

    // Codes: the report uses every code, only known codes, each with its severity.
    let severity: BTreeMap<&str, &str> = ALL_CODES.iter().copied().collect();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for f in findings {
        let c = str_of(f, "code");
        seen.insert(c.to_string());
        match severity.get(c) {
            None => check(false, format!("unknown code {c:?} in {f}")),
            Some(s) => check(
                str_of(f, "severity") == *s,
                format!("{c} has severity {:?}, expected {s}", f["severity"]),
            ),
        }
    }
    let all: BTreeSet<String> = ALL_CODES.iter().map(|(c, _)| c.to_string()).collect();
    let unseen: Vec<&String> = all.difference(&seen).collect();
    check(
        unseen.is_empty(),
        format!("codes never produced by the apptree: {unseen:?}"),
    );
    // Every verdict is produced too.
    let verdicts: BTreeSet<&str> = binaries.values().map(|b| str_of(b, "verdict")).collect();
    check(
        verdicts == BTreeSet::from([OK, NEEDS, BREAKS, UNKNOWN]),
        format!("verdicts seen: {verdicts:?}"),
    );

    assert!(
        fails.is_empty(),
        "{} apptree mismatches:\n  {}",
        fails.len(),
        fails.join("\n  ")
    );
}

#[test]
fn apptree_text_report_and_exit_thresholds() {
    let tree = build_tree();
    let (code, report) = scan_json(&tree.root, &[]);
    assert_eq!(code, 1, "blockers found: exit 1");
    let binaries = array(&report, "binaries");
    let breaks = binaries
        .iter()
        .filter(|b| str_of(b, "verdict") == BREAKS)
        .count();

    let out = Command::cargo_bin("azl-compat")
        .unwrap()
        .arg("scan")
        .arg(&tree.root)
        .args(["--format", "text", "--fail-on", "never"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "--fail-on never exits 0\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains(&binaries.len().to_string()),
        "text report does not mention the {} judged files:\n{text}",
        binaries.len()
    );
    assert!(
        text.contains(&breaks.to_string()),
        "text report does not mention the {breaks} that break:\n{text}"
    );
    assert!(
        text.contains("/opt/acme/bin/needs-openssl11"),
        "text report does not name a breaking file:\n{text}"
    );

    // Text is the default format; blockers exit 1.
    let out = Command::cargo_bin("azl-compat")
        .unwrap()
        .arg("scan")
        .arg(&tree.root)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "default threshold is blocker");
    let default_text = String::from_utf8_lossy(&out.stdout);
    assert!(
        default_text.contains("/opt/acme/bin/needs-openssl11"),
        "text is the default format:\n{default_text}"
    );

    let (code, _) = scan_json(&tree.root, &["--fail-on", "warning"]);
    assert_eq!(code, 1, "--fail-on warning exits 1");

    let out = Command::cargo_bin("azl-compat")
        .unwrap()
        .args(["scan", "/nonexistent/apptree/root"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "a missing root is a fatal error (exit 2)"
    );
}
