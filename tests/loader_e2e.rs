//! End to end: the loader beyond the plain search path (`corpora/loader/build.sh`: `$ORIGIN` in
//! DT_NEEDED, an off-path library that breaks, LD_LIBRARY_PATH from units and launchers, file
//! names that are not UTF-8), and what is not workload (a Debian root's dpkg state, git hook
//! samples, documentation, `--exclude`, the policy's `exclude`).
//!
//! The loader fixture needs `gcc`; without it the test fails, it never skips.

mod common;

use assert_cmd::Command;
use serde_json::Value;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

struct Tree {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

fn build_loader_tree() -> Tree {
    let dir = common::build_corpus_tree("loader");
    let root = dir.path().join("root");
    Tree { _dir: dir, root }
}

use common::scan_json;

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v.get(k).and_then(Value::as_str).unwrap_or("")
}

fn verdict<'a>(r: &'a Value, path: &str) -> &'a str {
    r["binaries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| s(b, "path") == path)
        .map(|b| s(b, "verdict"))
        .unwrap_or_else(|| panic!("{path} not judged"))
}

fn findings<'a>(r: &'a Value, path: &str) -> Vec<&'a Value> {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| s(f, "path") == path)
        .collect()
}

fn codes(r: &Value, path: &str) -> Vec<String> {
    let mut v: Vec<String> = findings(r, path)
        .iter()
        .map(|f| s(f, "code").to_string())
        .collect();
    v.sort();
    v
}

fn finding<'a>(r: &'a Value, path: &str, code: &str) -> &'a Value {
    findings(r, path)
        .into_iter()
        .find(|f| s(f, "code") == code)
        .unwrap_or_else(|| panic!("no {code} on {path}: {:#?}", findings(r, path)))
}

#[test]
fn loader_follows_origin_paths_off_path_breaks_launch_environments_and_bytes() {
    let t = build_loader_tree();
    let (code, r, text) = scan_json(&t.root, &[]);
    assert_eq!(code, 1, "blockers exist");

    // `$ORIGIN/../lib/libx.so.1` is a path: judged through the library it names.
    assert_eq!(verdict(&r, "/opt/o/bin/origin-ok"), "ok");
    assert!(codes(&r, "/opt/o/bin/origin-ok").is_empty());
    let loads: Vec<&str> = r["binaries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| s(b, "path") == "/opt/o/bin/origin-ok")
        .and_then(|b| b["loads"].as_array())
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    assert_eq!(loads, vec!["/opt/o/lib/libx.so.1"]);
    // ... and a library named that way that breaks makes the program break.
    assert_eq!(verdict(&r, "/opt/o/bin/origin-broken"), "breaks");
    let f = finding(&r, "/opt/o/bin/origin-broken", "elf-dependency-breaks");
    assert_eq!(s(f, "subject"), "/opt/o/lib/liby.so.1");
    // A needed path that does not exist is missing, named as the file needs it.
    let f = finding(&r, "/opt/o/bin/origin-absent", "elf-library-missing");
    assert_eq!(s(f, "subject"), "$ORIGIN/../lib/libgone.so.1");
    assert_eq!(
        s(&f["evidence"], "search_path"),
        "/opt/o/bin/../lib/libgone.so.1"
    );

    // Off the search path and broken itself: breaks, not unknown.
    assert_eq!(verdict(&r, "/opt/off/bin/off-broken"), "breaks");
    let f = finding(&r, "/opt/off/bin/off-broken", "elf-dependency-breaks");
    assert_eq!(s(f, "subject"), "/opt/off/lib/libz9.so.1");
    assert_eq!(s(&f["evidence"], "soname"), "libz9.so.1");
    assert!(codes(&r, "/opt/off/bin/off-broken").contains(&"elf-library-off-search-path".into()));
    // Waiving the library's own blocker leaves the program undecided, not broken.
    let pol_dir = tempfile::tempdir().unwrap();
    let pol = pol_dir.path().join("policy.toml");
    std::fs::write(
        &pol,
        "[[waiver]]\ncode = \"elf-library-missing\"\npath = \"/opt/off/lib/libz9.so.1\"\nowner = \"ops\"\njustification = \"ICU 72 is installed alongside\"\n",
    )
    .unwrap();
    let (_, waived, _) = scan_json(&t.root, &["--policy", pol.to_str().unwrap()]);
    assert_eq!(verdict(&waived, "/opt/off/bin/off-broken"), "unknown");

    // LD_LIBRARY_PATH set by the tree: found, and the finding says who set it.
    for (prog, lib, set_by) in [
        (
            "/opt/svc/bin/svcd",
            "/opt/svc/lib/libsvc.so.1",
            "/etc/systemd/system/svcd.service:5 (Environment=)",
        ),
        (
            "/opt/svc/bin/svc2d",
            "/opt/svc/lib2/libsvc2.so.1",
            "/etc/default/svc2d:2 (EnvironmentFile= of /etc/systemd/system/svc2d.service)",
        ),
        (
            "/opt/app/bin/app.bin",
            "/opt/app/lib/libapp.so.1",
            "/opt/app/bin/app:4 (export LD_LIBRARY_PATH=)",
        ),
        (
            "/opt/app3/bin/app3.bin",
            "/opt/app3/lib/libapp3.so.1",
            "/etc/systemd/system/app3.service:2 (Environment=) via /opt/app3/bin/start",
        ),
    ] {
        assert_eq!(verdict(&r, prog), "ok", "{prog}");
        assert_eq!(
            codes(&r, prog),
            vec!["elf-library-via-ld-library-path"],
            "{prog}"
        );
        let f = finding(&r, prog, "elf-library-via-ld-library-path");
        assert_eq!(s(f, "severity"), "info");
        assert_eq!(s(&f["evidence"], "found_at"), lib, "{prog}");
        assert_eq!(
            s(&f["evidence"], "ld_library_path_set_by"),
            set_by,
            "{prog}"
        );
        assert!(s(f, "message").contains(set_by), "{prog}");
    }

    // A value that depends on the caller's environment is not guessed (and the unit's own
    // value, which the launcher replaces, does not count).
    assert_eq!(verdict(&r, "/opt/app4/bin/app4.bin"), "unknown");
    assert_eq!(
        codes(&r, "/opt/app4/bin/app4.bin"),
        vec!["elf-library-off-search-path"]
    );

    // File names are bytes: libq\xff.so.1 is not libq\xfe.so.1; libr\xff.so.1 is itself.
    assert_eq!(verdict(&r, "/opt/q/bin/q-bytes"), "breaks");
    let f = finding(&r, "/opt/q/bin/q-bytes", "elf-library-missing");
    assert_eq!(s(f, "subject"), "libq\\xff.so.1");
    assert_eq!(verdict(&r, "/opt/q/bin/r-bytes"), "ok");
    assert_eq!(verdict(&r, "/opt/q/lib/libq\\xfe.so.1"), "ok");
    assert_eq!(verdict(&r, "/opt/q/lib/libr\\xff.so.1"), "ok");
    assert!(!text.contains('\u{fffd}'), "a name lost its bytes");
    // The escaped form in the JSON text: the backslash itself is escaped by JSON.
    assert!(text.contains(r#""/opt/q/lib/libq\\xfe.so.1""#));
}

// ---- what is not workload ---------------------------------------------------------------

fn write(root: &Path, rel: &str, text: &str, mode: u32) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, text).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// A Debian server root as debootstrap leaves it, reduced to what matters here: os-release,
/// dpkg's status and file lists, its maintainer scripts (`#!/bin/dash`, executable), apt's
/// cache, documentation examples, a git repository's hook samples, and one workload script.
fn debian_root() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    write(
        r,
        "etc/os-release",
        "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n",
        0o644,
    );
    let mut status = String::new();
    for (pkg, ver) in [
        ("dash", "0.5.12-2"),
        ("coreutils", "9.1-1"),
        ("debconf", "1.5.82"),
    ] {
        status.push_str(&format!(
            "Package: {pkg}\nStatus: install ok installed\nPriority: required\nMaintainer: Debian Developers <debian-devel@lists.debian.org>\nArchitecture: amd64\nVersion: {ver}\nDescription: {pkg}\n\n"
        ));
        write(
            r,
            &format!("var/lib/dpkg/info/{pkg}.postinst"),
            "#!/bin/dash\nset -e\n# Automatically added by dh_installdeb\n",
            0o755,
        );
        write(
            r,
            &format!("var/lib/dpkg/info/{pkg}.prerm"),
            "#!/bin/dash\nset -e\n",
            0o755,
        );
    }
    write(r, "var/lib/dpkg/status", &status, 0o644);
    write(
        r,
        "var/lib/dpkg/info/dash.list",
        "/.\n/bin\n/bin/dash\n/usr/share/doc/dash\n",
        0o644,
    );
    write(
        r,
        "var/lib/dpkg/info/coreutils.list",
        "/.\n/bin\n/bin/ls\n",
        0o644,
    );
    write(
        r,
        "var/lib/dpkg/info/debconf.list",
        "/.\n/usr/share/debconf\n",
        0o644,
    );
    write(
        r,
        "var/cache/apt/archives/partial/hook.sh",
        "#!/usr/bin/tclsh8.4\n",
        0o755,
    );
    write(r, "var/lib/apt/lists/lock", "", 0o640);
    write(
        r,
        "usr/share/doc/dash/examples/dectobin",
        "#!/bin/dash\necho example\n",
        0o755,
    );
    write(
        r,
        "srv/repo/.git/hooks/pre-commit.sample",
        "#!/usr/bin/perl5.8\n",
        0o755,
    );
    write(
        r,
        "srv/repo/.git/hooks/post-update.sample",
        "#!/bin/dash\n",
        0o755,
    );
    write(r, "opt/tool/run.sh", "#!/bin/sh\necho hello\n", 0o755);
    dir
}

fn excluded(r: &Value) -> Vec<(String, String, String)> {
    r["source"]["excluded"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|x| {
                    (
                        s(x, "path").to_string(),
                        s(x, "origin").to_string(),
                        s(x, "reason").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn debian_root_is_not_blocked_by_package_manager_state_hook_samples_or_docs() {
    let root = debian_root();
    let (code, r, _) = scan_json(root.path(), &[]);
    let blockers: Vec<&Value> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| s(f, "severity") == "blocker")
        .collect();
    assert!(blockers.is_empty(), "blockers: {blockers:#?}");
    assert_eq!(code, 0);
    // Only the workload is judged.
    let judged: Vec<&str> = r["binaries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| s(b, "path"))
        .collect();
    assert_eq!(judged, vec!["/opt/tool/run.sh"]);
    // The packages are still read from dpkg's database.
    let pkgs: Vec<&str> = r["packages"]
        .as_array()
        .map(|a| a.iter().map(|p| s(p, "name")).collect())
        .unwrap_or_default();
    assert_eq!(pkgs, vec!["coreutils", "dash", "debconf"]);
    // What was left out, and why.
    let x = excluded(&r);
    let paths: Vec<&str> = x.iter().map(|(p, _, _)| p.as_str()).collect();
    assert_eq!(
        paths,
        vec![
            "/srv/repo/.git/hooks/post-update.sample",
            "/srv/repo/.git/hooks/pre-commit.sample",
            "/usr/share/doc",
            "/var/cache/apt",
            "/var/lib/apt",
            "/var/lib/dpkg",
        ]
    );
    assert!(x.iter().all(|(_, o, _)| o == "built-in"));
    let dpkg = x.iter().find(|(p, _, _)| p == "/var/lib/dpkg").unwrap();
    assert!(dpkg.2.contains("maintainer scripts"), "{}", dpkg.2);
    // The text report says so too.
    let out = Command::cargo_bin("azl-compat")
        .unwrap()
        .arg("scan")
        .arg(root.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Left out (not workload)"), "{text}");
    assert!(
        text.contains("/var/lib/dpkg: package-manager state"),
        "{text}"
    );
}

#[test]
fn exclude_option_and_policy_leave_out_what_the_user_names() {
    let root = debian_root();
    write(root.path(), "opt/legacy/start", "#!/bin/dash\n", 0o755);
    write(root.path(), "opt/tool/old.bak", "#!/bin/dash\n", 0o755);
    // Without exclusions the legacy script blocks.
    let (code, r, _) = scan_json(root.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(verdict(&r, "/opt/legacy/start"), "breaks");
    // --exclude (repeatable).
    let (code, r, _) = scan_json(
        root.path(),
        &["--exclude", "/opt/legacy", "--exclude", "*.bak"],
    );
    assert_eq!(code, 0);
    let x = excluded(&r);
    assert!(x.contains(&(
        "/opt/legacy".into(),
        "option".into(),
        "excluded by --exclude".into()
    )));
    assert!(
        x.iter()
            .any(|(p, o, _)| p == "/opt/tool/old.bak" && o == "option")
    );
    // The policy's exclude, with its own reason.
    let pol_dir = tempfile::tempdir().unwrap();
    let pol = pol_dir.path().join("policy.toml");
    std::fs::write(
        &pol,
        "exclude = [\"/opt/tool/*.bak\", { pattern = \"/opt/legacy\", reason = \"retired, not migrated\" }]\n",
    )
    .unwrap();
    let (code, r, _) = scan_json(root.path(), &["--policy", pol.to_str().unwrap()]);
    assert_eq!(code, 0);
    let x = excluded(&r);
    assert!(x.contains(&(
        "/opt/legacy".into(),
        "policy".into(),
        "retired, not migrated".into()
    )));
    // A bad pattern is a usage error, not a silent no-op.
    let out = Command::cargo_bin("azl-compat")
        .unwrap()
        .arg("scan")
        .arg(root.path())
        .args(["--exclude", "/opt/[bad"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
