//! Honest about what could not be read (docs/security.md "Incomplete scans"): trees built here
//! that the scanning user cannot fully read (the scan drops to user `nobody` when the tests
//! run as root, since root reads everything), a root that cannot be listed, a tree deeper than
//! PATH_MAX, errors said once, and `-o` checked before the scan.
//!
//! Needs `gcc` (the bundled library fixture); without it the test fails, it never skips.

mod common;

use serde_json::Value;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const NOBODY: u32 = 65534;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_azl-compat"))
}

fn is_root() -> bool {
    // SAFETY: no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// Run as `nobody` when we are root (an unprivileged user already is one).
fn unprivileged(mut c: Command) -> Output {
    if is_root() {
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            c.pre_exec(|| {
                if libc::setgroups(0, std::ptr::null()) != 0
                    || libc::setgid(NOBODY) != 0
                    || libc::setuid(NOBODY) != 0
                {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    c.output().expect("run azl-compat")
}

fn chmod(p: &Path, mode: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn gcc(args: &[&str], cwd: &Path) {
    let out = Command::new("gcc")
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("gcc is required (apt-get install gcc)");
    assert!(
        out.status.success(),
        "gcc {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A tree with an app whose bundled library, a subtree, the dpkg database and a unit file are
/// unreadable (mode 000) to anyone but root.
struct Tree {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

fn partly_unreadable_tree() -> Tree {
    let dir = tempfile::tempdir().unwrap();
    chmod(dir.path(), 0o755);
    let root = dir.path().join("root");
    for d in [
        "opt/app/bin",
        "opt/app/lib",
        "opt/secret",
        "var/lib/dpkg",
        "etc/systemd/system",
    ] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    let src = dir.path();
    std::fs::write(src.join("l.c"), "int f(void) { return 0; }\n").unwrap();
    std::fs::write(
        src.join("m.c"),
        "int f(void);\nint main(void) { return f(); }\n",
    )
    .unwrap();
    gcc(
        &[
            "-shared",
            "-fPIC",
            "-Wl,-soname,libhostile.so.1",
            "-o",
            "root/opt/app/lib/libhostile.so.1",
            "l.c",
        ],
        src,
    );
    gcc(
        &[
            "-o",
            "root/opt/app/bin/hello",
            "m.c",
            "root/opt/app/lib/libhostile.so.1",
            "-Wl,-rpath,$ORIGIN/../lib",
        ],
        src,
    );
    std::fs::copy(
        root.join("opt/app/bin/hello"),
        root.join("opt/secret/hello"),
    )
    .unwrap();
    // A script whose bundled interpreter is in the unreadable subtree.
    let run = root.join("opt/app/bin/run");
    std::fs::write(&run, "#!/opt/secret/python\nprint(1)\n").unwrap();
    chmod(&run, 0o755);
    std::fs::write(
        root.join("var/lib/dpkg/status"),
        "Package: acme\nStatus: install ok installed\nMaintainer: Acme <a@example.com>\n\
         Version: 1.0\nArchitecture: amd64\nDescription: acme\n",
    )
    .unwrap();
    std::fs::write(
        root.join("etc/systemd/system/acme.service"),
        "[Service]\nExecStart=/opt/app/bin/hello\n",
    )
    .unwrap();
    for p in [
        "opt/app/lib/libhostile.so.1",
        "opt/secret",
        "var/lib/dpkg/status",
        "etc/systemd/system/acme.service",
    ] {
        chmod(&root.join(p), 0o000);
    }
    Tree { _dir: dir, root }
}

fn scan(root: &Path, format: &str, as_nobody: bool) -> Output {
    let mut c = bin();
    c.arg("scan").arg(root).args(["--format", format]);
    if as_nobody {
        unprivileged(c)
    } else {
        c.output().unwrap()
    }
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)))
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

#[test]
fn unreadable_parts_make_the_verdict_incomplete_never_ready() {
    let t = partly_unreadable_tree();
    let out = scan(&t.root, "json", true);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = json_of(&out);
    common::assert_valid_report(&r);
    assert_eq!(r["summary"]["incomplete"], true, "{:#}", r["summary"]);
    let unread: Vec<&str> = r["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["unread"] == true)
        .map(|d| d["path"].as_str().unwrap())
        .collect();
    for p in [
        "/opt/app/lib/libhostile.so.1",
        "/opt/secret",
        "/var/lib/dpkg/status",
        "/etc/systemd/system/acme.service",
    ] {
        assert!(unread.contains(&p), "{p} not marked unread: {unread:?}");
    }
    assert_eq!(r["summary"]["unread"], unread.len());
    // The unreadable bundled library is not "not bundled".
    let findings = r["findings"].as_array().unwrap();
    let on_hello: Vec<&Value> = findings
        .iter()
        .filter(|f| f["path"] == "/opt/app/bin/hello")
        .collect();
    assert!(
        !on_hello.iter().any(|f| f["code"] == "elf-library-missing"),
        "an unreadable library reported missing: {on_hello:#?}"
    );
    let f = on_hello
        .iter()
        .find(|f| f["code"] == "elf-library-unreadable")
        .expect("elf-library-unreadable on hello");
    assert_eq!(f["subject"], "libhostile.so.1");
    assert_eq!(
        f["evidence"]["unreadable"],
        "/opt/app/bin/../lib/libhostile.so.1"
    );
    let hello = r["binaries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["path"] == "/opt/app/bin/hello")
        .expect("hello judged");
    assert_eq!(hello["verdict"], "unknown");
    // Nor is an interpreter in an unreadable directory "missing".
    let on_run: Vec<&Value> = findings
        .iter()
        .filter(|f| f["path"] == "/opt/app/bin/run")
        .collect();
    assert_eq!(on_run.len(), 1, "{on_run:#?}");
    assert_eq!(on_run[0]["code"], "script-interpreter-unreadable");
    assert_eq!(on_run[0]["evidence"]["unreadable"], "/opt/secret/python");

    // Every rendering says so.
    let text = stdout(&scan(&t.root, "text", true));
    assert!(
        text.contains("Verdict: INCOMPLETE: 4 paths could not be read"),
        "{text}"
    );
    assert!(
        !text.contains("READY") && !text.contains("100/100"),
        "{text}"
    );
    let md = stdout(&scan(&t.root, "md", true));
    assert!(
        md.contains("**Verdict: Incomplete: 4 paths could not be read"),
        "{md}"
    );
    assert!(md.contains("Readiness score: n/a (incomplete scan"), "{md}");
    assert_eq!(md.matches("**not read:** ").count(), 4, "{md}");
    let html = stdout(&scan(&t.root, "html", true));
    assert!(
        html.contains("data-status=\"incomplete\""),
        "verdict not incomplete in HTML"
    );
    assert!(
        html.contains("id=\"count-unread\""),
        "no unread count in HTML"
    );
    assert_eq!(
        html.matches(">not read</span>").count(),
        4,
        "unread diagnostics not marked"
    );
    let sarif: Value = serde_json::from_slice(&scan(&t.root, "sarif", true).stdout).unwrap();
    let props = &sarif["runs"][0]["properties"];
    assert_eq!(props["verdict"], "incomplete");
    assert_eq!(props["incomplete"], true);
    assert_eq!(props["unreadPaths"], 4);
    assert!(props.get("readinessScore").is_none(), "{props:#}");

    // Control: root reads everything, so the same tree is complete.
    if is_root() {
        let r = json_of(&scan(&t.root, "json", false));
        assert!(
            r["summary"].get("incomplete").is_none(),
            "{:#}",
            r["summary"]
        );
        assert!(
            !r["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["code"] == "elf-library-unreadable")
        );
    }
}

#[test]
fn a_blocked_scan_with_unread_parts_says_both() {
    let t = partly_unreadable_tree();
    let app = t.root.join("opt/app/bin/broken.sh");
    std::fs::write(&app, "#!/usr/bin/python2\n").unwrap();
    chmod(&app, 0o755);
    let out = scan(&t.root, "text", true);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains("Verdict: BLOCKED by 1 issue: 1 of 3 binaries and scripts would break (incomplete: 4 paths could not be read)"),
        "{text}"
    );
    assert!(
        text.contains("readiness score n/a (incomplete scan)"),
        "{text}"
    );
}

#[test]
fn a_root_that_cannot_be_read_is_a_fatal_error() {
    let t = partly_unreadable_tree();
    chmod(&t.root, 0o000);
    let out = scan(&t.root, "json", true);
    chmod(&t.root, 0o755);
    if !is_root() {
        return assert_eq!(out.status.code(), Some(2));
    }
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot scan") && err.contains("Permission denied"),
        "{err}"
    );
    assert_eq!(err.matches("Permission denied").count(), 1, "{err}");
}

const DEEP_NAME: &str = "deep";

/// Make `depth` nested directories `NAME` below `top` through directory fds (their paths are
/// longer than PATH_MAX), with an executable script and a link to it at the bottom.
fn deep_tree(top: &Path, depth: usize) {
    let name = DEEP_NAME;
    use std::ffi::CString;
    let c = |s: &str| CString::new(s).unwrap();
    let top = c(top.to_str().unwrap());
    // SAFETY: plain fd calls on NUL-terminated names; every fd is closed.
    unsafe {
        let mut fd = libc::open(top.as_ptr(), libc::O_RDONLY | libc::O_DIRECTORY);
        assert!(fd >= 0);
        for _ in 0..depth {
            assert_eq!(libc::mkdirat(fd, c(name).as_ptr(), 0o755), 0);
            let next = libc::openat(fd, c(name).as_ptr(), libc::O_RDONLY | libc::O_DIRECTORY);
            assert!(next >= 0);
            libc::close(fd);
            fd = next;
        }
        let f = libc::openat(
            fd,
            c("deep.sh").as_ptr(),
            libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL,
            0o755,
        );
        assert!(f >= 0);
        let body = b"#!/usr/bin/python2\n";
        assert_eq!(
            libc::write(f, body.as_ptr().cast(), body.len()),
            body.len() as isize
        );
        libc::close(f);
        // A link down there is read relative to its directory too.
        assert_eq!(
            libc::symlinkat(c("deep.sh").as_ptr(), fd, c("link").as_ptr()),
            0
        );
        libc::close(fd);
    }
}

#[test]
fn a_tree_deeper_than_path_max_is_walked_to_the_bottom() {
    let dir = tempfile::tempdir().unwrap();
    // 2,000 levels of 4-byte names: paths of 10,000 bytes, 2.4 x PATH_MAX (the walk's code path
    // is the same at any depth past PATH_MAX; a 10,000-level tree also works, but deleting it
    // takes half a minute on a plain ext4 disk).
    let depth = 2_000;
    deep_tree(dir.path(), depth);
    let out = scan(dir.path(), "json", false);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = json_of(&out);
    assert!(
        r["summary"].get("incomplete").is_none(),
        "deep tree not walked: {:?}",
        r["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["reason"].as_str().unwrap())
            .collect::<Vec<_>>()
    );
    let paths: Vec<&str> = r["binaries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["path"].as_str().unwrap())
        .collect();
    let want = format!("{}/deep.sh", format!("/{DEEP_NAME}").repeat(depth));
    assert!(want.len() > 2 * libc::PATH_MAX as usize);
    assert_eq!(paths, vec![want.as_str()]);
    assert_eq!(r["source"]["directories"], depth as u64 + 1);
    assert_eq!(r["source"]["symlinks"], 1);
}

#[test]
fn errors_say_each_thing_once() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing");
    let report = dir.path().join("r.json");
    std::fs::write(&report, "{}").unwrap();
    let cases: Vec<Vec<std::ffi::OsString>> = vec![
        vec!["scan".into(), missing.clone().into()],
        vec!["report".into(), missing.clone().into()],
        vec![
            "scan".into(),
            dir.path().into(),
            "--policy".into(),
            missing.clone().into(),
        ],
        vec![
            "scan".into(),
            dir.path().into(),
            "--knowledge".into(),
            missing.clone().into(),
        ],
        vec![
            "report".into(),
            report.clone().into(),
            "--policy".into(),
            missing.clone().into(),
        ],
    ];
    for args in cases {
        let out = bin().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            err.matches("No such file or directory").count(),
            1,
            "{args:?}: {err}"
        );
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
    }
}

#[test]
fn output_file_is_checked_before_the_scan_starts() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    std::fs::create_dir(&root).unwrap();
    let file = dir.path().join("file");
    std::fs::write(&file, "").unwrap();
    let bad: Vec<(PathBuf, &str)> = vec![
        (dir.path().to_path_buf(), "is a directory"),
        (
            dir.path().join("no/such/dir/r.json"),
            "No such file or directory",
        ),
        (file.join("r.json"), "Not a directory"),
    ];
    for (o, why) in &bad {
        // The root does not exist: the `-o` error comes first, so `-o` is checked before it.
        let out = bin()
            .arg("scan")
            .arg(dir.path().join("missing-root"))
            .arg("-o")
            .arg(o)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&format!("cannot write {}", o.display())) && err.contains(why),
            "{err}"
        );
        let out = bin()
            .arg("report")
            .arg(&file)
            .arg("-o")
            .arg(o)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains(why));
    }
    // A good `-o` still works.
    let out = bin()
        .arg("scan")
        .arg(&root)
        .arg("-o")
        .arg(dir.path().join("ok.txt"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        std::fs::read_to_string(dir.path().join("ok.txt"))
            .unwrap()
            .contains("Verdict:")
    );
}
