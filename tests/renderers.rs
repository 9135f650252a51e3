//! The renderings for people and dashboards (docs/reports.md), all made from one report model:
//! snapshots of every format on the same fixture report, the HTML opened in headless Chromium,
//! SARIF validated against the SARIF 2.1.0 schema, CSV parsed back, Markdown counts, the policy
//! (waivers, expiry, overrides) in the library and end to end through the CLI.
//!
//! Snapshots are compared byte for byte with `tests/snapshots/*`; `UPDATE_SNAPSHOTS=1` rewrites
//! them. The fixture report and the SARIF schema are described in `tests/fixtures/SOURCES.md`.
//! The Chromium test needs `/usr/bin/chromium` (Debian package `chromium`, installed by scripts/test);
//! without it the test fails, it never skips.

mod common;

use assert_cmd::Command;
use azl_compat::checks::Verdict;
use azl_compat::findings::{Code, Severity, WaiverStatus};
use azl_compat::report::policy::{self, Date, FailOn, Policy};
use azl_compat::report::readiness::{self, Readiness};
use azl_compat::report::{self, Report, csv, html, load, markdown, sarif, text};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn manifest() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn fixture_path() -> PathBuf {
    manifest().join("tests/fixtures/report-apptree.json")
}

/// The app-tree report (tests/fixtures/SOURCES.md).
fn fixture() -> Report {
    let text = std::fs::read_to_string(fixture_path()).expect("fixture report");
    load::from_json(&text).expect("fixture report reads")
}

/// A policy with an override up, an override down, an active waiver on a bundled library's
/// cause, an expired waiver, a waiver without subject or expiry, and one that matches nothing.
const POLICY: &str = r#"
fail_on = "blocker"

[overrides]
elf-glibc-private = "blocker"
elf-library-sdk-only = "info"

[[waiver]]
code = "elf-library-missing"
path = "/opt/acme/lib/libbroken.so.1"
subject = "libacme-gone.so.3"
owner = "acme-platform"
justification = "libacme-gone ships in the acme-runtime RPM installed alongside"
expires = 2026-12-31

[[waiver]]
code = "elf-library-missing"
path = "/opt/acme/bin/needs-vanished"
owner = "acme-legacy"
justification = "to be removed in release 5"
expires = "2026-03-31"

[[waiver]]
code = "script-interpreter-missing"
path = "/opt/acme/scripts/legacy-report.py"
owner = "acme-reports"
justification = "not deployed on Azure Linux hosts"

[[waiver]]
code = "elf-library-missing"
path = "/opt/acme/bin/removed-long-ago"
owner = "nobody"
justification = "stale"
"#;

/// The day the snapshots are judged on.
const TODAY: &str = "2026-06-01";

fn policy() -> Policy {
    Policy::from_toml(POLICY).expect("policy parses")
}

fn with_policy(today: &str) -> Report {
    let mut r = fixture();
    policy::apply_policy(&mut r, &policy(), Date::parse(today).unwrap());
    r
}

/// Compare with `tests/snapshots/NAME` byte for byte, or rewrite it with UPDATE_SNAPSHOTS=1.
fn snapshot(name: &str, actual: &str) {
    let path = manifest().join("tests/snapshots").join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; create it with UPDATE_SNAPSHOTS=1", path.display()));
    if expected != actual {
        let line = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()));
        panic!(
            "{} differs from the rendering at line {}:\n  snapshot: {:?}\n  rendered: {:?}\n\
             (UPDATE_SNAPSHOTS=1 rewrites the snapshot after a deliberate change)",
            path.display(),
            line + 1,
            expected.lines().nth(line),
            actual.lines().nth(line)
        );
    }
}

// ---- snapshots ------------------------------------------------------------------------------

#[test]
fn snapshot_text() {
    snapshot("apptree.txt", &text::render(&fixture()));
}

#[test]
fn snapshot_text_with_colours() {
    let s = text::render_styled(&fixture(), true);
    assert!(s.contains("\x1b[1;31mBLOCKED"), "{s}");
    snapshot("apptree.ansi.txt", &s);
}

#[test]
fn snapshot_html() {
    snapshot("apptree.html", &html::render(&fixture()));
}

#[test]
fn snapshot_markdown() {
    snapshot("apptree.md", &markdown::render(&fixture()));
}

#[test]
fn snapshot_csv() {
    snapshot("apptree.csv", &csv::render(&fixture()));
}

#[test]
fn snapshot_sarif() {
    snapshot("apptree.sarif", &sarif::render(&fixture()));
}

#[test]
fn snapshot_json_round_trips_the_fixture() {
    let text = std::fs::read_to_string(fixture_path()).unwrap();
    assert_eq!(report::json::render(&fixture()), text);
}

#[test]
fn snapshots_with_policy() {
    let r = with_policy(TODAY);
    snapshot("apptree-policy.json", &report::json::render(&r));
    snapshot("apptree-policy.txt", &text::render(&r));
    snapshot("apptree-policy.md", &markdown::render(&r));
    snapshot("apptree-policy.html", &html::render(&r));
    snapshot("apptree-policy.csv", &csv::render(&r));
    snapshot("apptree-policy.sarif", &sarif::render(&r));
}

// ---- one model, the same numbers ------------------------------------------------------------

#[test]
fn verdict_and_score_of_the_fixture() {
    let r = fixture();
    let rd = Readiness::of(&r);
    assert_eq!(rd.status, readiness::Status::Blocked);
    // 10 distinct blocker causes; uses-broken's dependency break counts with libbroken's cause.
    assert_eq!(rd.headline(&r), "Blocked by 10 issues");
    // 12 breaks (0), 3 unknown (1/2), 4 run with a warning (3/4), 19 run clean (1):
    // 23.5 / 38 = 61.8 -> 61 (docs/reports.md).
    assert_eq!(rd.score, Some(61));
}

/// `| label | n |` rows of a Markdown table.
fn md_count(md: &str, label: &str) -> u64 {
    let prefix = format!("| {label} | ");
    let line = md
        .lines()
        .find(|l| l.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no `{prefix}` row in:\n{md}"));
    line[prefix.len()..]
        .trim_end_matches(" |")
        .parse()
        .unwrap_or_else(|e| panic!("{line}: {e}"))
}

#[test]
fn markdown_shows_the_same_counts() {
    for r in [fixture(), with_policy(TODAY)] {
        let md = markdown::render(&r);
        let s = &r.summary;
        assert_eq!(md_count(&md, "judged"), s.binaries.total);
        assert_eq!(md_count(&md, "ok"), s.binaries.ok);
        assert_eq!(md_count(&md, "needs packages"), s.binaries.needs_packages);
        assert_eq!(md_count(&md, "would break"), s.binaries.breaks);
        assert_eq!(md_count(&md, "unknown"), s.binaries.unknown);
        assert_eq!(md_count(&md, "blocker"), s.findings.blocker);
        assert_eq!(md_count(&md, "warning"), s.findings.warning);
        assert_eq!(md_count(&md, "info"), s.findings.info);
        assert_eq!(md_count(&md, "diagnostics"), s.diagnostics);
        let rd = Readiness::of(&r);
        assert!(md.contains(&format!("**Verdict: {}.**", rd.headline(&r))));
        assert!(md.contains(&format!("Readiness score: **{}/100**", rd.score.unwrap())));
        assert!(md.contains(s.install_command.as_deref().unwrap()));
        // The text rendering says the same.
        let t = text::render(&r);
        assert!(
            t.contains(&format!("would break     {:>6}", s.binaries.breaks)),
            "{t}"
        );
        assert!(t.contains(&format!("readiness score {}/100", rd.score.unwrap())));
    }
}

#[test]
fn csv_parses_with_one_row_per_finding() {
    for r in [fixture(), with_policy(TODAY)] {
        let rows = common::parse_csv(&csv::render(&r));
        assert_eq!(rows[0], csv::COLUMNS);
        assert_eq!(rows.len() - 1, r.findings.len());
        for (row, f) in rows[1..].iter().zip(&r.findings) {
            assert_eq!(row.len(), csv::COLUMNS.len());
            assert_eq!(row[0], f.code.as_str());
            assert_eq!(row[1], f.severity.as_str());
            assert_eq!(row[2], f.path);
            assert_eq!(row[3], f.subject.clone().unwrap_or_default());
            assert_eq!(row[4], f.message);
            assert_eq!(row[6], f.fix);
            assert_eq!(row[7], readiness::evidence_string(f));
        }
    }
    // Quoting: a field with a comma, quotes and a line break survives.
    let mut r = fixture();
    r.findings[0].message = "a, \"b\"\nc".into();
    let rows = common::parse_csv(&csv::render(&r));
    assert_eq!(rows[1][4], "a, \"b\"\nc");
}

fn sarif_validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(manifest().join("tests/fixtures/sarif-schema-2.1.0.json"))
        .expect("SARIF schema");
    let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("valid schema")
}

#[test]
fn sarif_validates_against_the_2_1_0_schema() {
    let validator = sarif_validator();
    for r in [fixture(), with_policy(TODAY)] {
        let log: Value = serde_json::from_str(&sarif::render(&r)).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&log)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "SARIF invalid:\n{}", errors.join("\n"));
        assert_eq!(log["version"], "2.1.0");
        let run = &log["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        assert_eq!(rules.len(), Code::ALL.len());
        assert!(
            rules[0]["help"]["text"]
                .as_str()
                .unwrap()
                .contains("DT_NEEDED")
        );
        let results = run["results"].as_array().unwrap();
        assert_eq!(results.len(), r.findings.len());
        for (res, f) in results.iter().zip(&r.findings) {
            assert_eq!(res["ruleId"], f.code.as_str());
            assert_eq!(
                rules[res["ruleIndex"].as_u64().unwrap() as usize]["id"],
                f.code.as_str()
            );
            let loc = &res["locations"][0]["physicalLocation"]["artifactLocation"];
            assert_eq!(loc["uriBaseId"], sarif::URI_BASE_ID);
            let uri = loc["uri"].as_str().unwrap();
            assert!(!uri.starts_with('/') && !uri.starts_with("file:"), "{uri}");
            assert_eq!(uri, sarif::relative_uri(&f.path));
            let level = match f.severity {
                Severity::Blocker => "error",
                Severity::Warning => "warning",
                Severity::Info => "note",
            };
            assert_eq!(res["level"], level);
            assert_eq!(res.get("suppressions").is_some(), f.is_waived());
        }
    }
}

// ---- HTML -----------------------------------------------------------------------------------

#[test]
fn html_is_self_contained() {
    for r in [fixture(), with_policy(TODAY), units_fixture()] {
        let page = html::render(&r);
        assert!(page.contains(
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
             style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">"
        ));
        let lower = page.to_ascii_lowercase();
        for bad in [
            "http://", "https://", "<link", "<iframe", "<img", "@import", "url(", " src=",
        ] {
            assert!(!lower.contains(bad), "the page contains `{bad}`");
        }
        // Every href stays inside the page.
        for part in lower.split("href=\"").skip(1) {
            assert!(
                part.starts_with('#'),
                "href to {}",
                &part[..part.len().min(40)]
            );
        }
        assert_eq!(lower.matches("<script>").count(), 1);
        assert_eq!(lower.matches("<style>").count(), 1);
    }
}

#[test]
fn html_escapes_everything_from_the_report() {
    let mut r = fixture();
    r.findings[0].message = "<script>alert(1)</script>".into();
    r.binaries[0].path = "/opt/<b>\"x\"".into();
    let page = html::render(&r);
    assert!(!page.contains("<script>alert"));
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(page.contains("/opt/&lt;b&gt;&quot;x&quot;"));
    let md = markdown::render(&r);
    assert!(!md.contains("<script>alert"));
}

/// Render the page in headless Chromium; return the DOM after its script ran and the URLs of
/// the network requests the page made (from Chromium's net log: requests whose network
/// isolation key is the page's `file://` origin; the browser's own background requests are
/// not the page's). Host names never resolve (`--host-resolver-rules`), so nothing leaves the
/// machine whatever the page or the browser tries.
fn chromium(page: &str) -> (String, Vec<String>) {
    chromium_at(page, &[])
}

/// `chromium`, with extra arguments (a window size).
fn chromium_at(page: &str, extra: &[&str]) -> (String, Vec<String>) {
    let chromium = Path::new("/usr/bin/chromium");
    common::require_tool("/usr/bin/chromium");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.html");
    std::fs::write(&file, page).unwrap();
    let profile = dir.path().join("profile");
    let net_log = dir.path().join("net-log.json");
    let out = std::process::Command::new("timeout")
        .arg("120")
        .arg(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-dev-shm-usage",
            "--disable-extensions",
            "--no-pings",
            "--host-resolver-rules=MAP * ~NOTFOUND",
        ])
        .args(extra)
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--log-net-log={}", net_log.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", file.display()))
        .output()
        .expect("run chromium");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dom = String::from_utf8(out.stdout).expect("DOM is UTF-8");
    let log: Value = serde_json::from_str(&std::fs::read_to_string(&net_log).expect("net log"))
        .expect("net log is JSON");
    let start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
        .as_u64()
        .expect("URL_REQUEST_START_JOB event type");
    let requests = log["events"]
        .as_array()
        .expect("net log events")
        .iter()
        .filter(|e| e["type"].as_u64() == Some(start_job))
        .map(|e| &e["params"])
        .filter(|p| {
            p["network_isolation_key"]
                .as_str()
                .is_some_and(|k| k.starts_with("file://"))
        })
        .filter_map(|p| p["url"].as_str())
        .filter(|u| !u.starts_with("file:") && !u.starts_with("data:"))
        .map(String::from)
        .collect();
    (dom, requests)
}

/// The text content of the element with `id` (up to its closing tag).
fn element_text(dom: &str, id: &str) -> String {
    let at = dom
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no element #{id} in the DOM"));
    let start = at + dom[at..].find('>').unwrap() + 1;
    let end = start + dom[start..].find("</").unwrap();
    dom[start..end].to_string()
}

#[test]
fn html_opens_in_headless_chromium() {
    let r = fixture();
    let (dom, requests) = chromium(&html::render(&r));
    assert!(requests.is_empty(), "the page made requests: {requests:?}");
    // The inline script ran under the page's CSP.
    assert!(
        dom.contains("data-js=\"ready\""),
        "the inline script did not run"
    );
    assert!(
        dom.contains("38 of 38 shown"),
        "the filter script did not run"
    );
    assert_eq!(element_text(&dom, "verdict"), "Blocked by 10 issues");
    let s = &r.summary;
    for (id, n) in [
        ("count-total", s.binaries.total),
        ("count-ok", s.binaries.ok),
        ("count-needs-packages", s.binaries.needs_packages),
        ("count-breaks", s.binaries.breaks),
        ("count-unknown", s.binaries.unknown),
        ("count-blocker", s.findings.blocker),
        ("count-warning", s.findings.warning),
        ("count-info", s.findings.info),
    ] {
        assert_eq!(element_text(&dom, id), n.to_string(), "#{id}");
    }
    assert!(dom.contains("data-score=\"61\""));
    // A blocker with its fix, and the install command.
    let top = &dom[dom.find("id=\"top-blockers\"").unwrap()..dom.find("id=\"why\"").unwrap()];
    assert!(top.contains("libssl.so.1.1"), "{top}");
    assert!(top.contains("rebuild against libssl.so.3"), "{top}");
    assert!(top.contains(s.install_command.as_deref().unwrap()));
    // The why section explains a code present.
    assert!(dom.contains("id=\"why-elf-library-missing\""));
}

#[test]
fn the_request_check_sees_requests_of_a_page_that_makes_them() {
    let (_, requests) = chromium(
        "<!DOCTYPE html><html><body><img src=\"http://example.invalid/x.png\"></body></html>",
    );
    assert_eq!(requests, ["http://example.invalid/x.png"]);
}

// ---- policy ---------------------------------------------------------------------------------

fn binary<'a>(r: &'a Report, path: &str) -> &'a report::Binary {
    r.binaries
        .iter()
        .find(|b| b.path == path)
        .unwrap_or_else(|| panic!("no binary {path}"))
}

fn finding<'a>(r: &'a Report, code: Code, path: &str) -> &'a azl_compat::findings::Finding {
    r.findings
        .iter()
        .find(|f| f.code == code && f.path == path)
        .unwrap_or_else(|| panic!("no {code} on {path}"))
}

#[test]
fn an_empty_policy_changes_no_verdict_or_count() {
    let before = fixture();
    let mut after = fixture();
    policy::apply_policy(&mut after, &Policy::default(), Date::parse(TODAY).unwrap());
    assert_eq!(
        serde_json::to_value(&before.binaries).unwrap(),
        serde_json::to_value(&after.binaries).unwrap()
    );
    assert_eq!(
        serde_json::to_value(&before.summary).unwrap(),
        serde_json::to_value(&after.summary).unwrap()
    );
    let p = after.policy.as_ref().unwrap();
    assert_eq!((p.waived, p.expired, p.waivers), (0, 0, 0));
}

#[test]
fn recomputing_every_verdict_agrees_with_the_scanner() {
    // A report that already carries a policy is recomputed in full on the next application:
    // with an empty policy that must give back exactly the scanner's verdicts.
    let before = fixture();
    let mut r = with_policy(TODAY);
    policy::apply_policy(&mut r, &Policy::default(), Date::parse(TODAY).unwrap());
    for (a, b) in before.binaries.iter().zip(&r.binaries) {
        assert_eq!(a.verdict, b.verdict, "{}", a.path);
    }
    assert_eq!(
        serde_json::to_value(&before.summary).unwrap(),
        serde_json::to_value(&r.summary).unwrap()
    );
    assert!(
        r.findings
            .iter()
            .all(|f| f.waiver.is_none() && f.overridden_from.is_none())
    );
}

#[test]
fn policy_waives_expires_and_overrides() {
    let before = fixture();
    let r = with_policy(TODAY);
    // Active waiver on a bundled library's cause: the library and its loader no longer break.
    let f = finding(&r, Code::ElfLibraryMissing, "/opt/acme/lib/libbroken.so.1");
    let w = f.waiver.as_ref().unwrap();
    assert_eq!(w.status, WaiverStatus::Active);
    assert_eq!(w.owner, "acme-platform");
    assert_eq!(w.expires.as_deref(), Some("2026-12-31"));
    assert_eq!(
        binary(&r, "/opt/acme/lib/libbroken.so.1").verdict,
        Verdict::Ok
    );
    assert_eq!(binary(&r, "/opt/acme/bin/uses-broken").verdict, Verdict::Ok);
    let dep = finding(&r, Code::ElfDependencyBreaks, "/opt/acme/bin/uses-broken");
    assert!(dep.is_waived());
    assert_eq!(
        dep.waiver.as_ref().unwrap().via.as_deref(),
        Some("/opt/acme/lib/libbroken.so.1")
    );
    // Waiver without subject or expiry.
    assert!(
        finding(
            &r,
            Code::ScriptInterpreterMissing,
            "/opt/acme/scripts/legacy-report.py"
        )
        .is_waived()
    );
    assert_ne!(
        binary(&r, "/opt/acme/scripts/legacy-report.py").verdict,
        Verdict::Breaks
    );
    // Expired waiver: recorded, says so, does not apply.
    let f = finding(&r, Code::ElfLibraryMissing, "/opt/acme/bin/needs-vanished");
    assert_eq!(f.waiver.as_ref().unwrap().status, WaiverStatus::Expired);
    assert!(!f.is_waived());
    assert_eq!(
        binary(&r, "/opt/acme/bin/needs-vanished").verdict,
        Verdict::Breaks
    );
    assert!(text::render(&r).contains("expired on 2026-03-31 (no longer applies)"));
    // Override up: a warning-only file now breaks.
    let f = finding(
        &r,
        Code::ElfGlibcPrivate,
        "/opt/acme/bin/uses-glibc-private",
    );
    assert_eq!(
        (f.severity, f.overridden_from),
        (Severity::Blocker, Some(Severity::Warning))
    );
    assert_eq!(
        binary(&r, "/opt/acme/bin/uses-glibc-private").verdict,
        Verdict::Breaks
    );
    // Override down: still needs its package, no warning left on it.
    let f = finding(&r, Code::ElfLibrarySdkOnly, "/opt/acme/bin/needs-python312");
    assert_eq!(f.severity, Severity::Info);
    assert_eq!(
        binary(&r, "/opt/acme/bin/needs-python312").verdict,
        Verdict::NeedsPackages
    );
    // Summary recomputed: 12 - 3 waived + 1 overridden breaks.
    let b = &r.summary.binaries;
    assert_eq!((b.total, b.breaks), (38, 10));
    assert_eq!(b.ok, before.summary.binaries.ok + 3 - 1);
    assert_eq!(
        r.summary.findings.blocker,
        before.summary.findings.blocker - 3 + 1
    );
    assert!(
        r.summary
            .top_causes
            .iter()
            .all(|c| c.subject != "libacme-gone.so.3")
    );
    let p = r.policy.as_ref().unwrap();
    assert_eq!((p.waivers, p.waived, p.expired), (4, 3, 1));
    assert_eq!(p.today, TODAY);
    assert_eq!(
        p.unmatched_waivers,
        ["elf-library-missing /opt/acme/bin/removed-long-ago"]
    );
    assert!(policy::fails(&r, FailOn::Blocker));
    assert!(!policy::fails(&r, FailOn::Never));
    // Before its expiry date the same waiver applies.
    let earlier = with_policy("2026-03-31");
    assert!(
        finding(
            &earlier,
            Code::ElfLibraryMissing,
            "/opt/acme/bin/needs-vanished"
        )
        .is_waived()
    );
    assert_ne!(
        binary(&earlier, "/opt/acme/bin/needs-vanished").verdict,
        Verdict::Breaks
    );
}

#[test]
fn a_report_with_a_policy_still_matches_the_json_schema() {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(manifest().join("docs/report.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let v = serde_json::to_value(with_policy(TODAY)).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&v)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    // And reads back as the same report.
    let back = load::from_json(&report::json::render(&with_policy(TODAY))).unwrap();
    assert_eq!(
        serde_json::to_value(back).unwrap(),
        serde_json::to_value(with_policy(TODAY)).unwrap()
    );
}

// ---- the command line -----------------------------------------------------------------------

fn cmd() -> Command {
    let mut c = Command::cargo_bin("azl-compat").expect("binary");
    c.env_remove("NO_COLOR").env_remove("AZL_COMPAT_TODAY");
    c
}

#[test]
fn report_renders_every_format_as_the_library_does() {
    let r = fixture();
    let dir = tempfile::tempdir().unwrap();
    for (format, expected) in [
        ("text", text::render(&r)),
        ("json", report::json::render(&r)),
        ("html", html::render(&r)),
        ("md", markdown::render(&r)),
        ("markdown", markdown::render(&r)),
        ("csv", csv::render(&r)),
        ("sarif", sarif::render(&r)),
    ] {
        let out = dir.path().join(format!("out.{format}"));
        cmd()
            .arg("report")
            .arg(fixture_path())
            .args(["--format", format, "-o"])
            .arg(&out)
            .assert()
            .code(1)
            .stdout("");
        assert_eq!(std::fs::read_to_string(&out).unwrap(), expected, "{format}");
    }
    // Piped text has no colours; standard input is read with `-`.
    let out = cmd()
        .args(["report", "-", "--fail-on", "never"])
        .write_stdin(std::fs::read(fixture_path()).unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8(out.stdout).unwrap(), text::render(&r));
}

#[test]
fn report_refuses_a_newer_schema_and_reads_the_current_one() {
    let dir = tempfile::tempdir().unwrap();
    let mut v: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture_path()).unwrap()).unwrap();
    v["schema_version"] = Value::from(report::SCHEMA_VERSION + 1);
    let newer = dir.path().join("newer.json");
    std::fs::write(&newer, v.to_string()).unwrap();
    let out = cmd().arg("report").arg(&newer).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "schema_version {}, newer than this azl-compat",
            report::SCHEMA_VERSION + 1
        )),
        "{err}"
    );
    assert!(out.stdout.is_empty());
    // Not a report, not JSON, missing file: status 2 with a message.
    let junk = dir.path().join("junk.json");
    std::fs::write(&junk, "{\"hello\": 1}").unwrap();
    for path in [junk.clone(), dir.path().join("missing.json")] {
        let out = cmd().arg("report").arg(&path).output().unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(!out.stderr.is_empty());
    }
    // The current version, without fields added later to version 1 (`policy`), reads.
    cmd()
        .arg("report")
        .arg(fixture_path())
        .args(["--fail-on", "never"])
        .assert()
        .code(0);
}

#[test]
fn policy_end_to_end_through_report() {
    let dir = tempfile::tempdir().unwrap();
    let policy_file = dir.path().join("policy.toml");
    std::fs::write(&policy_file, POLICY).unwrap();
    let run = |today: &str, extra: &[&str]| {
        let out = cmd()
            .env("AZL_COMPAT_TODAY", today)
            .arg("report")
            .arg(fixture_path())
            .arg("--policy")
            .arg(&policy_file)
            .args(["--format", "json"])
            .args(extra)
            .output()
            .unwrap();
        let v: Report = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
        (v, out.status.code().unwrap())
    };
    let (r, code) = run(TODAY, &[]);
    assert_eq!(code, 1, "unwaived blockers remain");
    assert_eq!(
        serde_json::to_value(&r).unwrap(),
        serde_json::to_value(with_policy(TODAY)).unwrap()
    );
    let (_, code) = run(TODAY, &["--fail-on", "never"]);
    assert_eq!(code, 0);
    // A bad date in the environment or a bad policy is a fatal error.
    cmd()
        .env("AZL_COMPAT_TODAY", "01/06/2026")
        .arg("report")
        .arg(fixture_path())
        .arg("--policy")
        .arg(&policy_file)
        .assert()
        .code(2);
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[overrides]\nelf-no-such-code = \"info\"\n").unwrap();
    let out = cmd()
        .arg("report")
        .arg(fixture_path())
        .arg("--policy")
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("elf-no-such-code"));
}

#[test]
fn policy_end_to_end_through_scan_sets_the_exit_status() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    std::fs::create_dir_all(root.join("opt/app/bin")).unwrap();
    for (name, body) in [
        ("old.py", "#!/usr/bin/python2\nprint 'x'\n"),
        ("new.py", "#!/usr/bin/python3\nprint('x')\n"),
    ] {
        let p = root.join("opt/app/bin").join(name);
        std::fs::write(&p, body).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let write_policy = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let waiver = |expires: &str| {
        format!(
            "[[waiver]]\ncode = \"script-interpreter-missing\"\npath = \"/opt/app/bin/old.py\"\n\
             subject = \"/usr/bin/python2\"\nowner = \"app team\"\n\
             justification = \"old.py is not deployed\"\nexpires = {expires}\n"
        )
    };
    let scan = |policy: &Path, extra: &[&str]| {
        let out = cmd()
            .env("AZL_COMPAT_TODAY", TODAY)
            .arg("scan")
            .arg(&root)
            .arg("--policy")
            .arg(policy)
            .arg("--quiet")
            .args(extra)
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8(out.stdout).unwrap(),
        )
    };
    // Without a policy the python2 script fails the scan.
    cmd().arg("scan").arg(&root).arg("--quiet").assert().code(1);
    // Waived: exit 0, still shown as waived.
    let active = write_policy("active.toml", &waiver("2026-12-31"));
    let (code, out) = scan(&active, &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("waived by app team until 2026-12-31"), "{out}");
    assert!(!out.contains('\x1b'), "colours in piped output");
    // Expired: the waiver no longer applies and says so.
    let expired = write_policy("expired.toml", &waiver("2026-05-31"));
    let (code, out) = scan(&expired, &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("expired on 2026-05-31"), "{out}");
    // An override raises the python3 script's info finding to a warning; the policy's fail_on
    // makes warnings fail, and `--fail-on` on the command line wins over the policy.
    let strict = write_policy(
        "strict.toml",
        &format!(
            "fail_on = \"warning\"\n[overrides]\nscript-interpreter-from-package = \"warning\"\n{}",
            waiver("2026-12-31")
        ),
    );
    let (code, out) = scan(&strict, &[]);
    assert_eq!(code, 1, "{out}");
    let (code, _) = scan(&strict, &["--fail-on", "blocker"]);
    assert_eq!(code, 0);
    // The same through the HTML: waived findings visible as waived.
    let html_out = dir.path().join("r.html");
    let (code, _) = scan(
        &active,
        &["--format", "html", "-o", html_out.to_str().unwrap()],
    );
    assert_eq!(code, 0);
    let page = std::fs::read_to_string(&html_out).unwrap();
    assert!(page.contains("data-waiver=\"waived\""));
}

// ---- a report with installed packages -------------------------------------------------------

/// A CentOS 7 host with 10 packages, a python2 script and a third-party `.rpm`
/// (tests/fixtures/SOURCES.md).
fn packages_fixture() -> Report {
    let text = std::fs::read_to_string(manifest().join("tests/fixtures/report-packages.json"))
        .expect("packages fixture");
    load::from_json(&text).expect("packages fixture reads")
}

#[test]
fn packages_are_rendered_and_scored() {
    let r = packages_fixture();
    assert_eq!(r.packages.len(), 11);
    // Two parts weigh the same: the script breaks (0); packages: curl has a blocker (0), six
    // have warnings (6 x 3/4), four nothing above info (4 x 1; centos-release is replaced by the
    // package manager's release package): 8.5/11. (0 + 0.77) / 2.
    assert_eq!(
        readiness::score_parts(&r),
        [("binaries and scripts", 0, 1), ("packages", 34, 11)]
    );
    assert_eq!(readiness::score(&r), Some(38));
    let page = html::render(&r);
    assert!(page.contains("id=\"packages-table\""));
    assert_eq!(page.matches("<tr data-fate=").count(), 11);
    assert!(page.contains("id=\"chart-packages\""));
    assert!(page.contains("id=\"count-installed-packages\">11<"));
    let md = markdown::render(&r);
    assert!(
        md.contains("## Installed packages that need attention (10 of 11;"),
        "{md}"
    );
    assert!(md.contains("| packages | 1 | 6 | 4 |"), "{md}");
    assert_eq!(
        common::parse_csv(&csv::render(&r)).len() - 1,
        r.findings.len(),
        "one CSV row per finding"
    );
    // The why section counts packages, not the database file they were read from.
    let why = readiness::why(&r);
    let w = why.iter().find(|w| w.code == Code::PkgNotShipped).unwrap();
    assert_eq!((w.items, w.item_word), (1, "package"));
}

#[test]
fn packages_in_sarif_are_logical_locations_and_validate() {
    let r = packages_fixture();
    let log: Value = serde_json::from_str(&sarif::render(&r)).unwrap();
    let errors: Vec<String> = sarif_validator()
        .iter_errors(&log)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "SARIF invalid:\n{}", errors.join("\n"));
    let results = log["runs"][0]["results"].as_array().unwrap();
    let curl = results
        .iter()
        .find(|x| x["ruleId"] == "pkg-requirement-unsatisfied")
        .unwrap();
    let logical = &curl["locations"][0]["logicalLocations"][0];
    assert_eq!(logical["name"], "curl");
    assert_eq!(logical["kind"], "package");
}

#[test]
fn a_waived_package_blocker_no_longer_blocks() {
    let mut r = packages_fixture();
    assert_eq!(r.summary.packages.as_ref().unwrap().blocking, ["curl"]);
    let p = Policy::from_toml(
        r#"
[[waiver]]
code = "pkg-requirement-unsatisfied"
path = "/opt/app/installers/curl-7.29.0-59.el7.x86_64.rpm"
owner = "ops"
justification = "the curl rpm is not installed on the target"

[[waiver]]
code = "script-interpreter-missing"
path = "/opt/app/bin/report"
owner = "ops"
justification = "the report script is retired"
"#,
    )
    .unwrap();
    policy::apply_policy(&mut r, &p, Date::parse(TODAY).unwrap());
    assert!(r.summary.packages.as_ref().unwrap().blocking.is_empty());
    assert_eq!(r.summary.findings.blocker, 0);
    assert!(!policy::fails(&r, FailOn::Blocker));
    assert!(policy::fails(&r, FailOn::Warning));
    let rd = Readiness::of(&r);
    assert_ne!(rd.status, readiness::Status::Blocked);
}

// ---- a report with systemd units ------------------------------------------------------------

/// The units fixture (`corpora/units`): systemd units, drop-ins, SysV scripts, rc.local, three
/// Debian packages (tests/fixtures/SOURCES.md).
fn units_fixture_path() -> PathBuf {
    manifest().join("tests/fixtures/report-units.json")
}

fn units_fixture() -> Report {
    let text = std::fs::read_to_string(units_fixture_path()).expect("units fixture");
    load::from_json(&text).expect("units fixture reads")
}

#[test]
fn snapshots_of_the_units_report() {
    let r = units_fixture();
    snapshot("units.txt", &text::render(&r));
    snapshot("units.html", &html::render(&r));
    snapshot("units.md", &markdown::render(&r));
    snapshot("units.sarif", &sarif::render(&r));
    snapshot("units.csv", &csv::render(&r));
    let text = std::fs::read_to_string(units_fixture_path()).unwrap();
    assert_eq!(report::json::render(&r), text, "the fixture round-trips");
}

/// Configuration files generated for the target (network interfaces) are shown as diffs in
/// Markdown and HTML (escaped), counted in the text report, and kept in the JSON.
#[test]
fn snapshots_of_generated_files() {
    use azl_compat::report::model::GeneratedFile;
    let mut r = units_fixture();
    r.generated.push(GeneratedFile::new(
        "/etc/systemd/network/10-eth0.network",
        "/etc/sysconfig/network-scripts/ifcfg-eth0<b>",
        "systemd-networkd",
        0o644,
        "[Match]\nName=eth0\n\n[Network]\nDHCP=ipv4\n".into(),
    ));
    r.generated.push(GeneratedFile::new(
        "/etc/NetworkManager/system-connections/eth0.nmconnection",
        "/etc/sysconfig/network-scripts/ifcfg-eth0<b>",
        "NetworkManager",
        0o600,
        "[connection]\nid=eth0\ntype=ethernet\ninterface-name=eth0\n\n[ipv4]\nmethod=auto\n".into(),
    ));
    let section = |doc: &str, start: &str, end: &str| -> String {
        let a = doc.find(start).unwrap_or_else(|| panic!("no {start:?}"));
        let b = doc[a + start.len()..]
            .find(end)
            .map_or(doc.len(), |b| a + start.len() + b);
        doc[a..b].to_string()
    };
    let md = markdown::render(&r);
    snapshot(
        "generated.md",
        &section(&md, "## Generated configuration", "\n## "),
    );
    let page = html::render(&r);
    let h = section(&page, "<section id=\"generated\">", "</section>");
    assert!(!h.contains("<b>") && h.contains("&lt;b&gt;"), "{h}");
    snapshot("generated.html", &h);
    assert!(text::render(&r).contains("generated configuration: 2 file(s) for 1 interface(s)"));
    let back = load::from_json(&report::json::render(&r)).unwrap();
    assert_eq!(back.generated.len(), 2);
    assert_eq!(back.generated[1].mode, "0600");
    assert_eq!(back.generated[0].diff, r.generated[0].diff);
    assert!(r.generated[0].diff.starts_with(
        "--- /dev/null\n+++ b/etc/systemd/network/10-eth0.network\n@@ -0,0 +1,5 @@\n+[Match]\n"
    ));
}

#[test]
fn units_are_scored_like_binaries() {
    let r = units_fixture();
    // Binaries and scripts: 5 run (a unit finding in a script counts against its unit, not the
    // script), 1 breaks: 20/24. Packages: two warnings, a note: 10/12. Workload units (18; the 3
    // distro units are not scored): 9 break (0), 5 run with a warning (5 x 3/4), 4 run clean
    // (one of them masked): 31/72. (0.833 + 0.833 + 0.431) / 3 = 0.699 -> 69.
    assert_eq!(
        readiness::score_parts(&r),
        [
            ("binaries and scripts", 20, 6),
            ("packages", 10, 3),
            ("units", 31, 18)
        ]
    );
    assert_eq!(readiness::score(&r), Some(69));
    let rd = Readiness::of(&r);
    assert_eq!(rd.status, readiness::Status::Blocked);
    assert!(
        rd.detail(&r)
            .contains("9 of 18 workload units would break, 0 need packages, 0 undecided, 9 run"),
        "{}",
        rd.detail(&r)
    );
    // `systemd-` codes are in the units area, with the `unit-` codes.
    let areas = readiness::by_area(&r);
    assert_eq!(areas[&readiness::Area::Units], [20, 25, 42]);
    // The why section counts units, and files for findings about no unit.
    let why = readiness::why(&r);
    let w = why
        .iter()
        .find(|w| w.code == Code::UnitLimitIgnored)
        .unwrap();
    assert_eq!((w.items, w.item_word), (7, "units"));
    let w = why
        .iter()
        .find(|w| w.code == Code::UnitLegacyCgroup)
        .unwrap();
    assert_eq!((w.items, w.item_word), (3, "units and files"));
}

#[test]
fn a_waived_unit_blocker_raises_the_score() {
    let mut r = units_fixture();
    let unit = |r: &Report, name: &str| {
        let u = r.units.iter().find(|u| u.unit == name).unwrap().clone();
        readiness::unit_verdict(r, &u)
    };
    assert_eq!(unit(&r, "acme-include.service"), Verdict::Breaks);
    let p = Policy::from_toml(
        r#"
[overrides]
unit-limit-ignored = "blocker"

[[waiver]]
code = "unit-directive-removed"
path = "/etc/systemd/system/acme-include.service"
owner = "ops"
justification = "the included settings are defaults"
"#,
    )
    .unwrap();
    policy::apply_policy(&mut r, &p, Date::parse(TODAY).unwrap());
    // The waived blocker no longer breaks its unit; the override makes lost limits break theirs.
    assert_eq!(unit(&r, "acme-include.service"), Verdict::Ok);
    assert_eq!(unit(&r, "acme-limits.service"), Verdict::Breaks);
    assert_eq!(unit(&r, "acme-legacy.service"), Verdict::Ok);
    let units = readiness::score_parts(&r)[2];
    // An override sets every finding of its code: acme.slice's note on a slice default breaks
    // it too. Breaks: 9 - 1 + 6 (acme-cont, -limits, -static, -tpl@, -agent, acme.slice); run
    // clean: acme-include, acme-legacy, acme-linked, acme-masked.
    assert_eq!(unit(&r, "acme.slice"), Verdict::Breaks);
    assert_eq!(units, ("units", 4 * 4, 18));
    let page = html::render(&r);
    assert!(page.contains("<del title=\"waived\"><code>unit-directive-removed</code></del>"));
    assert!(page.contains("id=\"count-units-breaks\">14<"));
}

#[test]
fn units_in_html() {
    let r = units_fixture();
    let page = html::render(&r);
    assert!(page.contains("id=\"count-units\">18<"));
    assert!(page.contains("id=\"count-units-breaks\">9<"));
    assert!(page.contains("id=\"count-unit-fixes\">12<"));
    assert!(page.contains("id=\"chart-units\""));
    // The area chart counts `unit-` and `systemd-` findings as units.
    let chart = &page[page.find("id=\"chart-area\"").unwrap()..];
    let chart = &chart[..chart.find("</figure>").unwrap()];
    assert!(chart.contains("units 87"), "{chart}");
    // One row per unit, workload units first, with filters by origin, verdict, enabled, scope.
    let table = &page[page.find("<table id=\"units-table\"").unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    let rows: Vec<&str> = table.split("<tr data-origin=\"").skip(1).collect();
    assert_eq!(rows.len(), r.units.len());
    let distro_from = rows.iter().position(|r| r.starts_with("distro")).unwrap();
    assert_eq!(distro_from, 18);
    assert!(rows[distro_from..].iter().all(|r| r.starts_with("distro")));
    assert!(page.contains("data-table=\"units-table\""));
    assert!(page.contains("<option>masked</option>"));
    // Diffs: collapsible, lines coloured by their kind, a shared drop-in's change shown once.
    assert_eq!(page.matches("<details class=\"diff\"").count(), 11);
    assert_eq!(page.matches("class=\"diff-same\"").count(), 1);
    assert!(page.contains("<span class=\"d-del\">-MemoryLimit=512M\n</span>"));
    assert!(page.contains("<span class=\"d-add\">+MemoryMax=512M\n</span>"));
    assert!(page.contains("<span class=\"d-hunk\">@@ -3,16 +3,15 @@\n</span>"));
    // Every row's diff link lands on a diff.
    for part in page.split("<a href=\"#diff-").skip(1) {
        let id = &part[..part.find('"').unwrap()];
        assert!(page.contains(&format!("id=\"diff-{id}\"")), "diff-{id}");
    }
    // The score's parts are listed under its formula.
    assert!(
        page.contains("<tr><td>units</td><td class=\"num\">18</td><td class=\"num\">7.75</td>")
    );
}

#[test]
fn unit_diffs_are_escaped() {
    let mut r = units_fixture();
    let u = r.units.iter_mut().find(|u| u.diff.is_some()).unwrap();
    u.diff = Some(
        "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-<script>alert(1)</script>\n+Exec=\"&'\n````\n".into(),
    );
    let page = html::render(&r);
    assert!(!page.contains("<script>alert"));
    assert!(page.contains("<span class=\"d-del\">-&lt;script&gt;alert(1)&lt;/script&gt;\n</span>"));
    assert!(page.contains("<span class=\"d-add\">+Exec=&quot;&amp;&#39;\n</span>"));
    // Markdown: the fence is longer than any backtick run in the diff.
    let md = markdown::render(&r);
    assert!(md.contains("`````diff\n--- a/x\n"), "{md}");
    assert!(md.contains("\n````\n`````\n"), "{md}");
}

#[test]
fn units_in_markdown() {
    let r = units_fixture();
    let md = markdown::render(&r);
    assert_eq!(md_count(&md, "all units"), 21);
    assert_eq!(md_count(&md, "workload units"), 18);
    assert_eq!(md_count(&md, "workload units that would break"), 9);
    assert_eq!(md_count(&md, "workload units that run as they are"), 9);
    assert_eq!(md_count(&md, "enabled units"), 11);
    assert_eq!(md_count(&md, "units with a migrated unit"), 12);
    assert!(md.contains("| units | 20 | 25 | 42 |"), "{md}");
    // Workload units first; a distro unit is listed only with a warning (nginx: its presets).
    let section = &md[md
        .find("## systemd units (19 of 21;")
        .expect("units section")..];
    let section = &section[..section.find("\n\n## ").unwrap()];
    let rows: Vec<&str> = section.lines().filter(|l| l.starts_with("| `")).collect();
    assert_eq!(rows.len(), 19);
    assert!(rows[..18].iter().all(|l| l.contains("| workload |")));
    assert!(rows[18].starts_with("| `nginx.service` |"));
    // The diffs in fenced `diff` blocks, a shared drop-in's once.
    assert_eq!(md.matches("```diff\n").count(), 11);
    assert!(md.contains("The same change as `acme-tpl@alpha.service`."));
    assert!(md.contains("```diff\n--- a/etc/systemd/system/acme-cont.service\n"));
}

#[test]
fn units_in_sarif_have_their_file_and_line() {
    let r = units_fixture();
    let log: Value = serde_json::from_str(&sarif::render(&r)).unwrap();
    let errors: Vec<String> = sarif_validator()
        .iter_errors(&log)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "SARIF invalid:\n{}", errors.join("\n"));
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), r.findings.len());
    for (res, f) in results.iter().zip(&r.findings) {
        let loc = &res["locations"][0];
        let physical = &loc["physicalLocation"];
        assert_eq!(
            physical["artifactLocation"]["uri"],
            sarif::relative_uri(&f.path).as_str(),
            "{f:?}"
        );
        match f.evidence.get("line") {
            Some(line) => assert_eq!(
                physical["region"]["startLine"].as_u64(),
                Some(line.parse().unwrap()),
                "{f:?}"
            ),
            None => assert!(physical.get("region").is_none()),
        }
        match f.evidence.get("unit") {
            Some(unit) if readiness::Area::of(f.code) == readiness::Area::Units => {
                assert_eq!(loc["logicalLocations"][0]["name"], unit.as_str());
                assert_eq!(loc["logicalLocations"][0]["kind"], "unit");
            }
            _ if readiness::Area::of(f.code) == readiness::Area::Packages => {
                assert_eq!(loc["logicalLocations"][0]["kind"], "package");
            }
            _ => assert!(loc.get("logicalLocations").is_none(), "{f:?}"),
        }
    }
    // A finding in a drop-in points at the drop-in's line, named after its unit.
    let dropin = results
        .iter()
        .find(|x| {
            x["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                == "etc/systemd/system/acme-static.service.d/10-override.conf"
        })
        .unwrap();
    assert_eq!(
        dropin["locations"][0]["physicalLocation"]["region"]["startLine"],
        4
    );
    assert_eq!(
        dropin["locations"][0]["logicalLocations"][0]["name"],
        "acme-static.service"
    );
}

#[test]
fn units_report_opens_in_headless_chromium() {
    let r = units_fixture();
    let (dom, requests) = chromium(&html::render(&r));
    assert!(requests.is_empty(), "the page made requests: {requests:?}");
    assert_eq!(element_text(&dom, "verdict"), "Blocked by 17 issues");
    assert_eq!(element_text(&dom, "count-units"), "18");
    assert!(
        dom.contains("21 of 21 shown"),
        "the units filter did not run"
    );
    assert!(dom.contains("data-score=\"69\""));
}

// ---- layout ---------------------------------------------------------------------------------

/// The page's width facts at a 1280 px wide window: the page with its CSP removed and a probe
/// script appended that writes `scrollWidth clientWidth` of the document into the DOM.
fn widths_at_1280(page: &str) -> (u64, u64) {
    let csp_start = page
        .find("<meta http-equiv=\"Content-Security-Policy\"")
        .expect("CSP");
    let csp_end = csp_start + page[csp_start..].find('>').unwrap() + 1;
    let probe = "<script>document.body.setAttribute('data-widths', \
                 document.documentElement.scrollWidth + ' ' + \
                 document.documentElement.clientWidth);</script></body>";
    let page = format!("{}{}", &page[..csp_start], &page[csp_end..]).replace("</body>", probe);
    let (dom, _) = chromium_at(&page, &["--window-size=1280,900", "--hide-scrollbars"]);
    let at = dom.find("data-widths=\"").expect("the probe ran") + "data-widths=\"".len();
    let v: Vec<u64> = dom[at..at + dom[at..].find('"').unwrap()]
        .split(' ')
        .map(|n| n.parse().unwrap())
        .collect();
    (v[0], v[1])
}

/// The largest fixture report (units), and the same with a finding on a 400-character path and a
/// long unbroken message, render without horizontal scrolling at 1280 px.
#[test]
fn html_does_not_scroll_sideways_at_1280_px() {
    let r = units_fixture();
    let (scroll, client) = widths_at_1280(&html::render(&r));
    assert!(
        client > 1000,
        "window not 1280 px wide: clientWidth {client}"
    );
    assert!(
        scroll <= client,
        "units report scrolls sideways: {scroll} > {client}"
    );

    let mut r = units_fixture();
    let long = format!("/opt/{}/bin/tool", "very-long-directory-name".repeat(16));
    let f = &mut r.findings[0];
    f.path = long.clone();
    f.message = format!("{} needs libsomething.so.1", "x".repeat(300));
    f.evidence
        .insert("search_path".into(), format!("{long}:{long}"));
    let page = html::render(&r);
    assert!(page.contains(&long));
    let (scroll, client) = widths_at_1280(&page);
    assert!(
        scroll <= client,
        "a long path scrolls the page sideways: {scroll} > {client}"
    );
}

// ---- words a customer reads -----------------------------------------------------------------

/// Every text, Markdown and HTML rendering of every fixture report is free of research-note
/// wording (the rule of `knowledge::wording`, which `knowledge lint` applies to the pack).
#[test]
fn renderings_hold_no_research_notes() {
    use azl_compat::knowledge::wording::research_note;
    let mut bad = Vec::new();
    for (name, r) in [
        ("apptree", fixture()),
        ("apptree-policy", with_policy(TODAY)),
        ("units", units_fixture()),
        ("packages", packages_fixture()),
    ] {
        for (format, page) in [
            ("txt", text::render(&r)),
            ("md", markdown::render(&r)),
            ("html", html::render(&r)),
        ] {
            for (i, line) in page.lines().enumerate() {
                // Evidence is provenance: it may name where a fact comes from.
                let line = without_evidence(line)
                    .replace("&#39;", "'")
                    .replace("&quot;", "\"")
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&amp;", "&");
                if let Some((rule, words)) = research_note(&line) {
                    bad.push(format!("{name}.{format}:{}: {rule}: `{words}`", i + 1));
                }
            }
        }
    }
    assert!(bad.is_empty(), "research-note wording:\n{}", bad.join("\n"));
    // The rule does find what it is for, in a rendering.
    let mut r = units_fixture();
    r.findings[0].why = "see PR systemd/systemd#37026".into();
    assert!(
        html::render(&r)
            .lines()
            .any(|l| research_note(&without_evidence(l)).is_some())
    );
}

/// A rendered line without its HTML evidence cells (`<td class="evidence">...</td>`).
fn without_evidence(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(at) = rest.find("class=\"evidence\">") {
        out.push_str(&rest[..at]);
        rest = rest[at..].find("</td>").map_or("", |e| &rest[at + e..]);
    }
    out.push_str(rest);
    out
}

/// Counts of one are written with a singular noun, in the text and the Markdown.
#[test]
fn counts_of_one_are_singular() {
    let mut r = with_policy(TODAY);
    r.source.files = 1;
    r.source.scripts = 1;
    r.summary.diagnostics = 1;
    let p = r.policy.as_mut().expect("policy applied");
    p.waived = 1;
    p.expired = 1;
    let t = text::render(&r);
    for want in [
        "scanned 1 file: ",
        ", 1 script",
        "; 1 diagnostic\n",
        ": 1 finding waived, 1 waiver expired",
    ] {
        assert!(t.contains(want), "{want:?} not in:\n{t}");
    }
    for wrong in [
        "1 files",
        "1 scripts",
        "1 diagnostics",
        "1 findings",
        "1 waivers",
    ] {
        assert!(!t.contains(wrong), "{wrong:?} in:\n{t}");
    }
    let md = markdown::render(&r);
    assert!(md.contains("1 finding waived, 1 waiver expired"), "{md}");
    assert!(md.contains(" ELF, 1 script, "), "{md}");
    assert!(html::render(&r).contains("1 file, "));
}
