//! Output that cannot be turned against its reader (docs/security.md "Output escaping"):
//! hostile names from a tree we build here, and hostile strings in every field of saved
//! reports, rendered in every format. No rendering for people carries a raw control or
//! bidirectional character, no line can be forged, and no CSV cell starts a formula.

mod common;

use assert_cmd::Command;
use azl_compat::report::escape::is_hostile;
use serde_json::Value;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

fn cmd() -> Command {
    Command::cargo_bin("azl-compat").expect("binary")
}

/// What a hostile name starts with: CSV formulas, a forged verdict line, terminal sequences
/// (window title, screen clear), bidirectional overrides and isolates, C1 and DEL.
const HOSTILE: &[&str] = &[
    "=HYPERLINK(\"http://evil\")",
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\tTAB",
    "\r=CR",
    "x\nVerdict: READY: everything runs as it is\n",
    "\x1b]0;owned\x07title",
    "\x1b[2J\x1b[31mred",
    "gpj\u{202e}exe.",
    "\u{2066}iso\u{2069}\u{202a}\u{202b}\u{202c}\u{202d}",
    "c1\u{9b}31m\u{7f}\u{85}",
    "ls\u{2028}ps\u{2029}",
];

/// An executable `#!` script with a missing interpreter: a blocker whose path is its name.
fn script(dir: &Path, name: &str, interpreter: &str) {
    let p = dir.join(name);
    std::fs::write(&p, format!("#!{interpreter}\n")).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn hostile_tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("opt/app");
    std::fs::create_dir_all(&app).unwrap();
    for (i, h) in HOSTILE.iter().enumerate() {
        // Names cannot hold '/' or NUL; everything else goes.
        script(&app, &h.replace('/', "_"), "/usr/bin/python2");
        // The interpreter line itself comes from the tree too (subject, message, evidence).
        script(
            &app,
            &format!("shebang-{i}"),
            &format!("/opt/{}", h.replace('\n', "")),
        );
    }
    // A name that is only a formula, at the start of the `path` column's last component.
    let formula = dir.path().join("=1+1");
    std::fs::create_dir_all(&formula).unwrap();
    script(&formula, "@x", "/usr/bin/python2");
    // A unit whose name forges lines: its migrated unit's diff header must stay one line.
    let units = dir.path().join("etc/systemd/system");
    std::fs::create_dir_all(&units).unwrap();
    std::fs::write(
        units.join("a\nVerdict: READY\x1b[2J\u{202e}.service"),
        "[Service]\nExecStart=/opt/app/run\nCPUShares=100\n",
    )
    .unwrap();
    dir
}

fn first_hostile(s: &str, allowed: &[char]) -> Option<(usize, char)> {
    s.char_indices()
        .find(|&(_, c)| is_hostile(c) && !allowed.contains(&c))
}

fn assert_no_hostile(format: &str, out: &str, allowed: &[char]) {
    if let Some((i, c)) = first_hostile(out, allowed) {
        let from = out[..i].char_indices().rev().nth(60).map_or(0, |x| x.0);
        panic!(
            "{format}: raw {c:?} at byte {i}: {:?}",
            &out[from..(i + 4).min(out.len())]
        );
    }
}

/// Every rule for one rendering.
fn check_rendering(format: &str, out: &str) {
    match format {
        "text" => {
            assert_no_hostile(format, out, &['\n']);
            let verdicts = out.lines().filter(|l| l.starts_with("Verdict:")).count();
            assert_eq!(verdicts, 1, "a forged verdict line:\n{out}");
        }
        "md" => {
            // TAB only inside fenced diffs (layout of unit files), never in a line we write.
            assert_no_hostile(format, out, &['\n', '\t']);
            let verdicts = out
                .lines()
                .filter(|l| l.trim_start_matches('*').starts_with("Verdict"))
                .count();
            assert_eq!(verdicts, 1, "a forged verdict line:\n{out}");
        }
        "html" => assert_no_hostile(format, out, &['\n', '\t']),
        "csv" | "csv-packages" => {
            assert_no_hostile(format, out, &['\n', '\r', '\t']);
            let rows = common::parse_csv(out);
            let width = rows[0].len();
            for (n, r) in rows.iter().enumerate() {
                assert_eq!(r.len(), width, "{format} row {n} has {} fields", r.len());
                for cell in r {
                    assert!(
                        !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                        "{format} row {n}: a cell starts a formula: {cell:?}"
                    );
                }
            }
        }
        "sarif" => {
            let v: Value = serde_json::from_str(out).expect("SARIF is JSON");
            for r in v["runs"][0]["results"].as_array().expect("results") {
                let text = r["message"]["text"].as_str().expect("message text");
                assert_no_hostile("sarif message", text, &[]);
            }
        }
        _ => unreachable!(),
    }
}

const FORMATS: &[&str] = &["text", "md", "html", "csv", "csv-packages", "sarif"];

fn render(report: &Path, format: &str, env: &[(&str, &str)]) -> String {
    let out = cmd()
        .arg("report")
        .arg(report)
        .args(["--format", format])
        .envs(env.iter().copied())
        .output()
        .expect("run");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "report --format {format}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

#[test]
fn hostile_file_names_are_escaped_in_every_rendering_and_kept_in_json() {
    let tree = hostile_tree();
    let out_dir = tempfile::tempdir().unwrap();
    let json = out_dir.path().join("r.json");
    let st = cmd()
        .arg("scan")
        .arg(tree.path())
        .args(["--format", "json", "-o"])
        .arg(&json)
        .output()
        .unwrap();
    assert_eq!(
        st.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let diff = v["units"][0]["diff"].as_str().expect("a migrated unit");
    assert!(
        diff.starts_with(
            "--- \"a/etc/systemd/system/a\\nVerdict: READY\\033[2J\\342\\200\\256.service\"\n"
        ),
        "{diff}"
    );
    // JSON is data: the names are kept exactly.
    let paths: Vec<&str> = v["binaries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["path"].as_str().unwrap())
        .collect();
    for h in HOSTILE {
        let want = format!("/opt/app/{}", h.replace('/', "_"));
        assert!(paths.contains(&want.as_str()), "{want:?} not in {paths:?}");
    }
    for format in FORMATS {
        let out = render(&json, format, &[]);
        check_rendering(format, &out);
        if *format == "text" || *format == "md" {
            // Shown escaped, not dropped: the reader still sees which file it is.
            // (Markdown doubles the backslash outside code spans.)
            for shown in [
                "\\x1b]0;owned\\x07title",
                "gpj\\u{202e}exe.",
                "x\\nVerdict: READY",
            ] {
                let doubled = shown.replace('\\', "\\\\");
                assert!(
                    out.contains(shown) || (*format == "md" && out.contains(&doubled)),
                    "{format}: {shown:?} not shown"
                );
            }
        }
    }
    // Without colours (NO_COLOR) the same holds: escaping never depends on styling.
    let out = cmd()
        .arg("scan")
        .arg(tree.path())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    check_rendering("text", &String::from_utf8(out.stdout).unwrap());
}

/// Put a hostile prefix on every free-text string of a saved report (names, paths, messages,
/// evidence values, list items), leaving the enumerations (codes, severities, verdicts, fates)
/// valid so the report still loads.
fn poison(v: &mut Value, key: &str, n: &mut usize) {
    const ENUMS: &[&str] = &[
        "code",
        "severity",
        "verdict",
        "kind",
        "fate",
        "origin",
        "manager",
        "basis",
        "confidence",
        "channel",
        "scope",
        "status",
        "overridden_from",
        "findings",
        "today",
        "expires",
        "fail_on",
        "arch",
        "id",
        "version",
        "schema_version",
    ];
    match v {
        Value::String(s) if !ENUMS.contains(&key) => {
            let h = HOSTILE[*n % HOSTILE.len()];
            *n += 1;
            // A diff is multi-line by nature (shown in a fenced block): its LFs are layout.
            let h = if key == "diff" {
                h.replace('\n', "")
            } else {
                h.to_string()
            };
            *s = format!("{h}{s}");
        }
        Value::Array(a) => a.iter_mut().for_each(|x| poison(x, key, n)),
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                poison(x, k, n);
            }
        }
        _ => {}
    }
}

#[test]
fn hostile_strings_in_every_field_of_saved_reports_are_neutralised() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "report-apptree.json",
        "report-packages.json",
        "report-units.json",
    ] {
        let mut v: Value =
            serde_json::from_str(&std::fs::read_to_string(fixtures.join(name)).unwrap()).unwrap();
        let mut n = 0;
        poison(&mut v, "", &mut n);
        assert!(n > 50, "{name}: only {n} strings poisoned");
        let file = dir.path().join(name);
        std::fs::write(&file, serde_json::to_string(&v).unwrap()).unwrap();
        for format in FORMATS {
            let out = render(&file, format, &[]);
            check_rendering(format, &out);
            if *format == "csv" || (*format == "csv-packages" && name == "report-packages.json") {
                // Neutralised, not dropped.
                assert!(
                    out.contains("'=HYPERLINK") && out.contains("'@SUM"),
                    "{out}"
                );
            }
        }
    }
}
