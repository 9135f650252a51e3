//! Read-only (docs/security.md, "Read-only"): nothing is written into the scanned tree, not by
//! reading an rpmdb.sqlite with a WAL (no temporary copy, even with `$TMPDIR` inside the
//! tree), and not by `--write-fixes` (planted symlinks and hardlinks in the output folder,
//! existing files without `--force`, an output folder resolving into the tree).

use assert_cmd::Command;
use azl_compat::checks::units_write::{WriteOptions, write_fixes};
use std::collections::BTreeMap;
use std::os::unix::fs::{MetadataExt, symlink};
use std::path::{Path, PathBuf};

const UNIT: &str = "[Unit]\nDescription=acme\n[Service]\nExecStart=/bin/true\nMemoryLimit=1G\n\
                    [Install]\nWantedBy=multi-user.target\n";
const FIXED: &str = "etc/systemd/system/acme.service";

/// Every entry below `root`: kind, size, mode, mtime and inode (what a write would change).
fn snapshot(root: &Path) -> BTreeMap<PathBuf, (u32, u64, i64, i64, u64)> {
    let mut out = BTreeMap::new();
    let mut todo = vec![root.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let m = std::fs::symlink_metadata(&p).unwrap();
            out.insert(
                p.clone(),
                (m.mode(), m.size(), m.mtime(), m.mtime_nsec(), m.ino()),
            );
            if m.is_dir() {
                todo.push(p);
            }
        }
    }
    out
}

fn tree() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    std::fs::create_dir_all(root.join("etc/systemd/system")).unwrap();
    std::fs::write(root.join(FIXED), UNIT).unwrap();
    (dir, root)
}

fn scan_fixes(root: &Path, out: &Path, force: bool) -> (i32, String) {
    let mut cmd = Command::cargo_bin("azl-compat").unwrap();
    cmd.arg("scan")
        .arg(root)
        .args(["--quiet", "--write-fixes"])
        .arg(out);
    if force {
        cmd.arg("--force");
    }
    let o = cmd.output().unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn fixes_are_written_and_never_replace_a_file_without_force() {
    let (dir, root) = tree();
    let out = dir.path().join("fixes");
    assert_eq!(scan_fixes(&root, &out, false).0, 0);
    let written = std::fs::read_to_string(out.join(FIXED)).unwrap();
    assert!(written.contains("MemoryMax=1G"), "{written}");
    std::fs::write(out.join(FIXED), "mine").unwrap();
    let (code, err) = scan_fixes(&root, &out, false);
    assert_eq!(code, 2);
    assert!(err.contains("already exists (use --force"), "{err}");
    assert_eq!(std::fs::read_to_string(out.join(FIXED)).unwrap(), "mine");
    assert_eq!(scan_fixes(&root, &out, true).0, 0);
    assert_eq!(std::fs::read_to_string(out.join(FIXED)).unwrap(), written);
}

#[test]
fn planted_symlinks_and_hardlinks_in_the_output_never_reach_the_tree() {
    let (dir, root) = tree();
    let before = snapshot(&root);
    // A directory of the output planted as a symlink into the scanned tree.
    let out = dir.path().join("dirlink");
    std::fs::create_dir_all(out.join("etc/systemd")).unwrap();
    symlink(
        root.join("etc/systemd/system"),
        out.join("etc/systemd/system"),
    )
    .unwrap();
    for force in [false, true] {
        let (code, err) = scan_fixes(&root, &out, force);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("a symlink is never followed"), "{err}");
    }
    // The file itself planted as a symlink, then as a hardlink to the tree's unit.
    let out = dir.path().join("filelink");
    std::fs::create_dir_all(out.join("etc/systemd/system")).unwrap();
    symlink(root.join(FIXED), out.join(FIXED)).unwrap();
    assert_eq!(scan_fixes(&root, &out, false).0, 2);
    assert_eq!(scan_fixes(&root, &out, true).0, 0);
    assert!(
        !std::fs::symlink_metadata(out.join(FIXED))
            .unwrap()
            .is_symlink()
    );
    let out = dir.path().join("hardlink");
    std::fs::create_dir_all(out.join("etc/systemd/system")).unwrap();
    std::fs::hard_link(root.join(FIXED), out.join(FIXED)).unwrap();
    assert_eq!(scan_fixes(&root, &out, false).0, 2);
    assert_eq!(scan_fixes(&root, &out, true).0, 0);
    assert!(
        std::fs::read_to_string(out.join(FIXED))
            .unwrap()
            .contains("MemoryMax")
    );
    // The scanned tree never changed (the hardlink's count aside, which the test made).
    assert_eq!(std::fs::read_to_string(root.join(FIXED)).unwrap(), UNIT);
    let after = snapshot(&root);
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>()
    );
}

#[test]
fn output_resolving_into_the_scanned_tree_is_refused() {
    let (dir, root) = tree();
    std::fs::create_dir_all(root.join("opt")).unwrap();
    let before = snapshot(&root);
    // By path, and through a symlink outside the tree pointing into it.
    let link = dir.path().join("into-tree");
    symlink(root.join("opt"), &link).unwrap();
    for out in [root.join("fixes"), link.join("fixes"), link.clone()] {
        let (code, err) = scan_fixes(&root, &out, true);
        assert_eq!(code, 2, "{}", out.display());
        assert!(err.contains("inside the scanned tree"), "{err}");
    }
    // The library checks the opened directory itself (by its `..` chain), not the name.
    let opts = WriteOptions {
        root: Some(&root),
        force: true,
    };
    let e = write_fixes(&[], &[], &link, opts).unwrap_err();
    assert!(e.to_string().contains("inside the scanned tree"), "{e}");
    assert!(write_fixes(&[], &[], &dir.path().join("elsewhere"), opts).is_ok());
    assert_eq!(before, snapshot(&root));
}

#[test]
fn rpmdb_with_a_wal_is_read_in_memory_and_nothing_is_written() {
    let (_dir, root) = tree();
    let rpm = root.join("var/lib/rpm");
    std::fs::create_dir_all(&rpm).unwrap();
    let tmp = root.join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    // Record 1 is checkpointed into the database, record 2 lives only in the WAL. Both are
    // junk headers: their diagnostics show which records were read.
    let conn = rusqlite::Connection::open(rpm.join("rpmdb.sqlite")).unwrap();
    conn.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0;
         CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL);
         INSERT INTO Packages(blob) VALUES (x'00010203');
         PRAGMA wal_checkpoint(TRUNCATE);
         INSERT INTO Packages(blob) VALUES (x'0405');",
    )
    .unwrap();
    std::mem::forget(conn); // keep the WAL un-checkpointed
    assert!(
        std::fs::metadata(rpm.join("rpmdb.sqlite-wal"))
            .unwrap()
            .len()
            > 0
    );
    let before = snapshot(&root);
    let out = Command::cargo_bin("azl-compat")
        .unwrap()
        .arg("scan")
        .arg(&root)
        .args(["--quiet", "--format", "json"])
        .env("TMPDIR", &tmp)
        .output()
        .unwrap();
    assert!(matches!(out.status.code(), Some(0 | 1)));
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(report.contains("record 1:"), "{report}");
    assert!(
        report.contains("record 2:"),
        "the WAL was not applied: {report}"
    );
    assert_eq!(before, snapshot(&root), "the scan changed the tree");
}
