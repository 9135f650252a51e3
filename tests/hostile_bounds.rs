//! Bounded (docs/security.md, "Bounded"): every read of tree content and of user-named files
//! has a cap; exceeding it is a diagnostic (or, for user files, an error) naming the file, and
//! no hostile input costs memory or output out of proportion. Big inputs are sparse files, so
//! the tests stay small on disk; every child's peak memory is checked (`RUSAGE_CHILDREN`).

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;
use std::time::Duration;

/// Peak resident memory any scan of these tests may reach (a small scan takes ~25 MB).
const MAX_RSS_KB: i64 = 300 * 1024;

fn assert_children_bounded() {
    // SAFETY: an out-parameter of the right type.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    assert_eq!(
        unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut ru) },
        0
    );
    assert!(
        ru.ru_maxrss < MAX_RSS_KB,
        "a child used {} kB of memory",
        ru.ru_maxrss
    );
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// A sparse file of `len` bytes (zeros), optionally starting with `head`.
fn sparse(path: &Path, head: &[u8], len: u64) {
    write(path, head);
    std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .unwrap()
        .set_len(len)
        .unwrap();
}

fn azl() -> Command {
    let mut c = Command::cargo_bin("azl-compat").unwrap();
    // A hang (reading a FIFO or /dev/zero) fails the test instead of blocking it.
    c.timeout(Duration::from_secs(120));
    c
}

fn scan(root: &Path) -> (Value, usize) {
    let out = azl()
        .args(["scan", "--quiet", "--format", "json"])
        .arg(root)
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert_children_bounded();
    (
        serde_json::from_slice(&out.stdout).unwrap(),
        out.stdout.len(),
    )
}

fn diagnostic<'a>(r: &'a Value, path: &str) -> Vec<&'a str> {
    r["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["path"] == path)
        .map(|d| d["reason"].as_str().unwrap())
        .collect()
}

#[test]
fn oversized_tree_files_are_diagnostics_not_reads() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path();
    sparse(&root.join("etc/os-release"), b"ID=fedora\n", 1 << 30);
    sparse(&root.join("etc/ld.so.conf"), b"include ", 1 << 30);
    sparse(&root.join("var/lib/dpkg/status"), b"", 100 << 20);
    sparse(
        &root.join("var/lib/rpm/rpmdb.sqlite"),
        b"SQLite format 3\0",
        8 << 30,
    );
    sparse(
        &root.join("etc/systemd/system/big.service"),
        b"[Service]\n",
        1 << 30,
    );
    let (r, _) = scan(root);
    for (path, want) in [
        ("/etc/os-release", "limit 65536"),
        ("/etc/ld.so.conf", "limit 1048576"),
        ("/var/lib/dpkg/status", "limit 67108864"),
        ("/var/lib/rpm/rpmdb.sqlite", "limit 536870912"),
    ] {
        let d = diagnostic(&r, path);
        assert!(d.iter().any(|d| d.contains(want)), "{path}: {d:?}");
    }
    let units = r["diagnostics"].to_string();
    assert!(units.contains("big.service"), "{units}");
}

#[test]
fn a_database_of_zeros_is_refused_after_its_first_page() {
    let t = tempfile::tempdir().unwrap();
    sparse(&t.path().join("var/lib/rpm/rpmdb.sqlite"), b"", 1 << 29);
    let (r, _) = scan(t.path());
    let d = diagnostic(&r, "/var/lib/rpm/rpmdb.sqlite");
    assert!(d.iter().any(|d| d.contains("not read further")), "{d:?}");
}

#[test]
fn hostile_content_below_the_caps_stays_small() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path();
    // A dpkg status of NULs: one diagnostic, its quoted content cut.
    write(&root.join("var/lib/dpkg/status"), &vec![0u8; 4 << 20]);
    // ld.so.conf: 100,000 directories, then 100,000 include patterns.
    write(
        &root.join("etc/ld.so.conf"),
        b"include /etc/ld.so.conf.d/*.conf\n",
    );
    let mut dirs = String::new();
    for i in 0..100_000 {
        dirs.push_str(&format!("/d{i}\n"));
    }
    write(&root.join("etc/ld.so.conf.d/many.conf"), dirs.as_bytes());
    let mut storm = String::from("include");
    for i in 0..100_000 {
        storm.push_str(&format!(" /x{i}*"));
    }
    storm.push('\n');
    write(&root.join("etc/ld.so.conf.d/storm.conf"), storm.as_bytes());
    // A unit whose one directive is continued over 400,000 lines (linear, not quadratic).
    let mut unit = String::from("[Unit]\nDescription=long\n[Service]\nExecStart=/bin/true");
    for _ in 0..400_000 {
        unit.push_str(" \\\nx");
    }
    unit.push_str("\nMemoryLimit=1G\n");
    write(
        &root.join("etc/systemd/system/cont.service"),
        unit.as_bytes(),
    );
    let (r, size) = scan(root);
    let d = diagnostic(&r, "/var/lib/dpkg/status");
    assert_eq!(d.len(), 1, "{d:?}");
    assert!(d[0].len() < 1200, "{} bytes", d[0].len());
    let d = diagnostic(&r, "/etc/ld.so.conf.d/many.conf");
    assert!(
        d.iter().any(|d| d.contains("more than 4096 directories")),
        "{d:?}"
    );
    let d = diagnostic(&r, "/etc/ld.so.conf.d/storm.conf");
    assert!(
        d.iter()
            .any(|d| d.contains("more than 1024 included files")),
        "{d:?}"
    );
    assert!(
        r["units"].to_string().contains("cont.service"),
        "the continued unit was read"
    );
    assert!(size < 4 << 20, "report of {size} bytes");
}

/// A section-less x86-64 shared object with `needed` distinct DT_NEEDED entries.
fn elf_with_needed(needed: usize) -> Vec<u8> {
    let mut strtab = vec![0u8];
    let mut offs = Vec::with_capacity(needed);
    for i in 0..needed {
        offs.push(strtab.len() as u64);
        strtab.extend_from_slice(format!("l{i:x}.so").as_bytes());
        strtab.push(0);
    }
    let str_off = 64 + 2 * 56u64;
    let dyn_off = (str_off + strtab.len() as u64).next_multiple_of(8);
    // DT_STRTAB and DT_STRSZ first: the parser reads a bounded number of entries.
    let mut dynamic: Vec<(u64, u64)> = vec![(5, str_off), (10, strtab.len() as u64)];
    dynamic.extend(offs.iter().map(|&o| (1u64, o)));
    dynamic.push((0, 0));
    let len = dyn_off + dynamic.len() as u64 * 16;
    let mut b = Vec::with_capacity(len as usize);
    b.extend_from_slice(b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0");
    for (v, w) in [
        (3u64, 2),
        (62, 2),
        (1, 4),
        (0, 8),
        (64, 8),
        (0, 8),
        (0, 4),
        (64, 2),
        (56, 2),
        (2, 2),
        (64, 2),
        (0, 2),
        (0, 2),
    ] {
        b.extend_from_slice(&v.to_le_bytes()[..w]);
    }
    let phdr = |b: &mut Vec<u8>, kind: u32, flags: u32, off: u64, size: u64, align: u64| {
        b.extend_from_slice(&kind.to_le_bytes());
        b.extend_from_slice(&flags.to_le_bytes());
        for v in [off, off, off, size, size, align] {
            b.extend_from_slice(&v.to_le_bytes());
        }
    };
    phdr(&mut b, 1, 5, 0, len, 0x1000);
    phdr(&mut b, 2, 6, dyn_off, len - dyn_off, 8);
    b.extend_from_slice(&strtab);
    b.resize(dyn_off as usize, 0);
    for (tag, val) in dynamic {
        b.extend_from_slice(&tag.to_le_bytes());
        b.extend_from_slice(&val.to_le_bytes());
    }
    b
}

#[test]
fn an_elf_with_200k_needed_entries_gives_a_bounded_report() {
    let t = tempfile::tempdir().unwrap();
    write(
        &t.path().join("opt/app/libhuge.so"),
        &elf_with_needed(200_000),
    );
    let (r, size) = scan(t.path());
    let mine: Vec<&Value> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["path"] == "/opt/app/libhuge.so")
        .collect();
    assert!(
        mine.len() > 10 && mine.len() < 100,
        "{} findings",
        mine.len()
    );
    // The first 1024 entries are judged, their findings folded beyond 32; the rest is said.
    let folded: u64 = mine
        .iter()
        .filter_map(|f| f["evidence"]["folded"].as_str())
        .map(|n| n.parse::<u64>().unwrap())
        .sum();
    assert!(folded >= 1024 - 32, "folded {folded}");
    let d = diagnostic(&r, "/opt/app/libhuge.so");
    assert!(
        d.iter()
            .any(|d| d.contains("DT_NEEDED entries beyond the first 1024")),
        "{d:?}"
    );
    assert!(size < 1 << 20, "report of {size} bytes");
    let sarif = azl()
        .args(["scan", "--quiet", "--format", "sarif"])
        .arg(t.path())
        .output()
        .unwrap();
    assert!(sarif.stdout.len() < 1 << 20);
    assert_children_bounded();
}

#[test]
fn user_files_are_capped_and_fifos_and_devices_refused_at_once() {
    let t = tempfile::tempdir().unwrap();
    let fifo = t.path().join("fifo");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let big = t.path().join("big.json");
    sparse(&big, b"{", 1 << 40);
    let root = t.path().join("root");
    std::fs::create_dir_all(&root).unwrap();
    let pack = t.path().join("pack");
    std::fs::create_dir_all(&pack).unwrap();
    std::os::unix::fs::symlink("/dev/zero", pack.join("pack.json")).unwrap();
    let cases: Vec<(Vec<std::ffi::OsString>, &str)> = vec![
        (vec!["report".into(), fifo.clone().into()], "FIFO"),
        (
            vec!["report".into(), "/dev/zero".into()],
            "character device",
        ),
        (vec!["report".into(), big.clone().into()], "limit"),
        (
            vec![
                "scan".into(),
                root.clone().into(),
                "--policy".into(),
                fifo.clone().into(),
            ],
            "FIFO",
        ),
        (
            vec![
                "scan".into(),
                root.clone().into(),
                "--policy".into(),
                "/dev/zero".into(),
            ],
            "character device",
        ),
        (
            vec![
                "scan".into(),
                root.clone().into(),
                "--knowledge".into(),
                pack.clone().into(),
            ],
            "character device",
        ),
    ];
    for (args, want) in cases {
        let out = azl().args(&args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
    }
    // Standard input: a device is refused; a pipe is read up to the cap.
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("azl-compat"))
        .args(["report", "-"])
        .stdin(std::fs::File::open("/dev/zero").unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("character device"));
    assert_children_bounded();
}
