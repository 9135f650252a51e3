//! Confinement (docs/security.md, "Confined"): nothing outside the scanned root reaches the
//! report, even when directories are swapped for symlinks to outside while scans run, and
//! kernel pseudo filesystems are refused as roots.
//!
//! Needs `gcc` (a shared library with a sentinel DT_NEEDED); without it the test fails.

use assert_cmd::Command;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A shared library needing `needed` (a soname no system has), compiled with gcc.
fn library(out: &Path, needed: &str) {
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    std::fs::write(w.join("n.c"), "int n(void) { return 0; }\n").unwrap();
    std::fs::write(w.join("a.c"), "int a(void) { return 1; }\n").unwrap();
    let sh = format!(
        "gcc -shared -fPIC -nostdlib -Wl,-soname,{needed} -o {needed} n.c && \
         gcc -shared -fPIC -nostdlib -Wl,--no-as-needed -o app.so a.c ./{needed}"
    );
    let st = std::process::Command::new("sh")
        .args(["-c", &sh])
        .current_dir(w)
        .status()
        .expect("gcc is required (apt-get install gcc)");
    assert!(st.success(), "gcc failed");
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    std::fs::copy(w.join("app.so"), out).unwrap();
}

/// The same tree shape with `word` in every file that reaches a report: os-release,
/// ld.so.conf.d, a unit, the dpkg database and file list, and an ELF's needed soname.
fn tree(root: &Path, word: &str) {
    write(
        &root.join("etc/os-release"),
        &format!("ID=debian\nVERSION_ID=12\nPRETTY_NAME=\"{word} linux\"\n"),
    );
    write(
        &root.join("etc/ld.so.conf"),
        "include /etc/ld.so.conf.d/*.conf\n",
    );
    write(
        &root.join("etc/ld.so.conf.d/app.conf"),
        &format!("/opt/{word}/lib\n"),
    );
    write(
        &root.join("etc/systemd/system/app.service"),
        &format!(
            "[Unit]\nDescription={word}\n[Service]\nExecStart=/opt/{word}/bin/run\n\
             PermissionsStartOnly=yes\n[Install]\nWantedBy=multi-user.target\n"
        ),
    );
    write(
        &root.join("var/lib/dpkg/status"),
        &format!(
            "Package: {word}-tool\nStatus: install ok installed\nVersion: 1.0\n\
             Architecture: amd64\nMaintainer: {word} <x@example.com>\nDepends: lib{word}9\n\n"
        ),
    );
    write(
        &root.join(format!("var/lib/dpkg/info/{word}-tool.list")),
        &format!("/opt/{word}/bin/run\n"),
    );
    library(
        &root.join("opt/app/libapp.so"),
        &format!("lib{word}needed.so.1"),
    );
}

/// The directories swapped for symlinks to the outside tree.
const SWAPPED: &[&str] = &["etc", "etc/systemd", "var/lib/dpkg", "opt/app"];

fn scan(root: &Path, fallback: bool) -> String {
    let mut cmd = Command::cargo_bin("azl-compat").unwrap();
    cmd.args(["scan", "--quiet", "--format", "json"]).arg(root);
    if fallback {
        cmd.env("AZL_COMPAT_NO_OPENAT2", "1");
    }
    let out = cmd.output().unwrap();
    let code = out.status.code();
    assert!(
        matches!(code, Some(0 | 1)),
        "scan failed ({code:?}): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn exchange(a: &Path, b: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let a = std::ffi::CString::new(a.as_os_str().as_bytes()).unwrap();
    let b = std::ffi::CString::new(b.as_os_str().as_bytes()).unwrap();
    // SAFETY: two NUL-terminated paths.
    let r = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    assert_eq!(r, 0, "renameat2: {}", std::io::Error::last_os_error());
}

struct Trees {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

/// An inside tree, an outside tree with the sentinel, and beside each swapped directory
/// `D` a symlink `D.swap` to the outside's `D` (exchanged with `D` to swap).
fn trees() -> Trees {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    let outside = dir.path().join("outside");
    tree(&root, "inside");
    tree(&outside, "sentinel");
    for d in SWAPPED {
        std::os::unix::fs::symlink(outside.join(d), root.join(format!("{d}.swap"))).unwrap();
    }
    Trees { _dir: dir, root }
}

fn assert_no_sentinel(report: &str, when: &str) {
    assert!(
        !report.to_lowercase().contains("sentinel"),
        "{when}: content from outside the root reached the report"
    );
}

#[test]
fn unswapped_tree_reports_its_own_content() {
    // The fixture is meaningful: every reader reports its word when nothing is swapped.
    let t = trees();
    for fallback in [false, true] {
        let r = scan(&t.root, fallback);
        for part in [
            "inside linux",
            "libinsideneeded.so.1",
            "inside-tool",
            "app.service",
        ] {
            assert!(r.contains(part), "{part} missing (fallback {fallback})");
        }
        assert_no_sentinel(&r, "unswapped");
    }
}

#[test]
fn directories_swapped_for_symlinks_to_outside_are_never_followed() {
    let t = trees();
    // Statically swapped: every reader finds a symlink to outside where a directory was.
    for d in SWAPPED {
        exchange(&t.root.join(d), &t.root.join(format!("{d}.swap")));
        for fallback in [false, true] {
            assert_no_sentinel(&scan(&t.root, fallback), &format!("{d} swapped"));
        }
        exchange(&t.root.join(d), &t.root.join(format!("{d}.swap")));
    }
    // Swapped in a loop while scans run: between the walk and every later read.
    let stop = Arc::new(AtomicBool::new(false));
    let swapper = {
        let stop = stop.clone();
        let root = t.root.clone();
        std::thread::spawn(move || {
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                // One directory out at a time (a swapped `etc` hides `etc/systemd.swap`).
                for d in SWAPPED {
                    exchange(&root.join(d), &root.join(format!("{d}.swap")));
                    std::thread::yield_now();
                    exchange(&root.join(d), &root.join(format!("{d}.swap")));
                }
                n += 1;
            }
            n
        })
    };
    for i in 0..12 {
        let fallback = i % 2 == 1;
        assert_no_sentinel(&scan(&t.root, fallback), &format!("racing scan {i}"));
    }
    stop.store(true, Ordering::Relaxed);
    let swaps = swapper.join().unwrap();
    assert!(swaps > 12, "the swapper barely ran ({swaps} rounds)");
}

fn is_devtmpfs(path: &str) -> bool {
    let info = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    info.lines().any(|l| {
        let f: Vec<&str> = l.split(' ').collect();
        f.get(4) == Some(&path)
            && l.split(" - ")
                .nth(1)
                .is_some_and(|t| t.starts_with("devtmpfs "))
    })
}

#[test]
fn pseudo_filesystems_as_the_root_are_refused_with_status_2() {
    // /proc/self/task is refused too: by file system, not by name.
    let mut roots = vec!["/proc", "/sys", "/proc/self/task", "/sys/kernel"];
    if is_devtmpfs("/dev") {
        roots.push("/dev");
    }
    for root in roots {
        let out = Command::cargo_bin("azl-compat")
            .unwrap()
            .args(["scan", "--quiet", root])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{root}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("pseudo filesystem"), "{root}: {err}");
        assert!(out.stdout.is_empty(), "{root}");
    }
}
