//! Package fates of real rpm package sets (issue 9): the SLE 15 SP3 BCI and CentOS 7 databases
//! of the shared corpora (the corpora hold no SLES 12 set; SLE 15 is the SUSE one). rpm
//! packages are judged by their own name, the target's explicit Provides/Obsoletes, then their
//! own Provides and files, never the Debian map or Python module names. Every not-shipped
//! verdict is listed below and was checked by hand against packages.tsv.

mod common;

use assert_cmd::Command;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// Scan a tree holding only `db` at `/var/lib/rpm/<name>`; package name -> report entry.
fn fates(db: &Path) -> BTreeMap<String, Value> {
    scan_db(db).1
}

/// The report of that scan, and its packages by name.
fn scan_db(db: &Path) -> (Value, BTreeMap<String, Value>) {
    let dir = tempfile::tempdir().unwrap();
    let rpm = dir.path().join("var/lib/rpm");
    std::fs::create_dir_all(&rpm).unwrap();
    std::fs::copy(db, rpm.join(db.file_name().unwrap())).unwrap();
    let out = Command::cargo_bin("azl-compat")
        .unwrap()
        .arg("scan")
        .arg(dir.path())
        .args(["--format", "json"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    common::assert_valid_report(&report);
    let by_name = report["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["name"].as_str().unwrap().to_string(), p.clone()))
        .collect();
    (report, by_name)
}

fn not_shipped(f: &BTreeMap<String, Value>) -> Vec<&str> {
    f.iter()
        .filter(|(_, p)| p["fate"] == "not-shipped")
        .map(|(n, _)| n.as_str())
        .collect()
}

fn assert_fate(f: &BTreeMap<String, Value>, name: &str, fate: &str, basis: &str, azl: &str) {
    let p = &f[name];
    assert_eq!(
        (p["fate"].as_str(), p["basis"].as_str()),
        (Some(fate), Some(basis)),
        "{name}: {p}"
    );
    let first = p["azl_packages"].get(0).and_then(|a| a["name"].as_str());
    assert_eq!(first.unwrap_or(""), azl, "{name}: {p}");
}

#[test]
fn sle15_fates_come_from_the_packages_own_provides() {
    let Some(c) = common::corpora_dir() else {
        return;
    };
    let f = fates(&c.join("rpmdb/knqyf263__go-rpmdb/pkg/testdata/sle15-bci/Packages.db"));
    assert_eq!(f.len(), 35, "rpm -qa count of the SLE 15 BCI database");
    // SUSE's library packages are named after the soname; their own Provides find the
    // Fedora-family package (the Debian map called them not-shipped).
    for (name, azl) in [
        ("libz1", "zlib-ng-compat"),
        ("libbz2-1", "bzip2-libs"),
        ("libgcc_s1", "libgcc"),
        ("libstdc++6", "libstdc++"),
        ("liblzma5", "xz-libs"),
        ("libselinux1", "libselinux"),
    ] {
        assert_fate(&f, name, "provided-by", "own-provides", azl);
    }
    // Built only in the unsupported sdk channel: said so.
    assert_fate(&f, "libpcre1", "sdk-only", "own-provides", "pcre");
    // Renamed in Fedora (knowledge/source-distros/package-fates.tsv).
    assert_fate(&f, "terminfo-base", "provided-by", "rename", "ncurses-base");
    // The source's own machinery: nothing to install.
    assert_fate(
        &f,
        "sles-release",
        "replaced-by-package-manager",
        "package-role",
        "",
    );
    assert_eq!(
        not_shipped(&f),
        [
            // elfutils backends (libebl_<arch>-0.168.so): merged into libdw.so.1 since
            // elfutils 0.178; Azure Linux has no libebl_* library.
            "libebl-plugins",
            // liblua5.3.so.5 (Lua 5.3): Azure Linux ships Lua 5.4 (liblua-5.4.so) only.
            "liblua5_3-5",
            // libreadline.so.7 / libhistory.so.7: Azure Linux has readline 8 (.so.8) only.
            "libreadline7",
        ]
    );
}

#[test]
fn centos7_fates_come_from_the_packages_own_names_and_provides() {
    let Some(c) = common::corpora_dir() else {
        return;
    };
    let (report, f) = scan_db(&c.join("rpmdb-derived/centos7-from-blobs/rpmdb.sqlite"));
    // sdk-channel packages are listed apart, not in the dnf line.
    let unsupported = &report["summary"]["packages_unsupported"];
    assert!(
        unsupported.as_array().unwrap().iter().any(|p| p == "pcre"),
        "{unsupported}"
    );
    let cmd = report["summary"]["install_command"].as_str().unwrap();
    assert!(!cmd.split(' ').any(|p| p == "pcre"), "{cmd}");
    assert!(cmd.split(' ').any(|p| p == "bzip2-libs"), "{cmd}");
    assert_eq!(
        f.len(),
        144,
        "rpm -qa count of the CentOS 7 database (no gpg-pubkey)"
    );
    assert_fate(&f, "bzip2-libs", "shipped", "same-name", "bzip2-libs");
    assert_fate(&f, "yum", "replaced-by-package-manager", "package-role", "");
    assert_fate(
        &f,
        "centos-release",
        "replaced-by-package-manager",
        "package-role",
        "",
    );
    assert_fate(&f, "pcre", "sdk-only", "same-name", "pcre");
    // No rpm package is judged through the Debian map or Python module names.
    for (n, p) in &f {
        let basis = p["basis"].as_str().unwrap();
        assert!(
            !["debian-map", "host-content"].contains(&basis),
            "{n}: basis {basis}"
        );
    }
    assert_eq!(
        not_shipped(&f),
        [
            // Python 2 bindings (CentOS 7's python is 2.7); Azure Linux has no Python 2.
            // The Python 3 counterpart python3-dbus exists but is another interpreter's module.
            "dbus-python",
            // Fedora's elfutils-default-yama-scope: not built for Azure Linux 4.0.
            "elfutils-default-yama-scope",
            // Python 2 bindings of libxml2.
            "libxml2-python",
            // nss-pem: retired from Fedora (PEM reader for NSS); not in Azure Linux.
            "nss-pem",
            // GNU pth: retired from Fedora; not in Azure Linux.
            "pth",
            // Python 2 modules (yum's stack): no Python 2 on Azure Linux.
            "pygpgme",
            "pyliblzma",
            "python-gobject-base",
            "python-iniparse",
            "python-kitchen",
            // libpython2.7.so.1.0: no Python 2 on Azure Linux.
            "python-libs",
            "python-pycurl",
            "pyxattr",
            // rpm's Python 2 bindings (python3-rpm exists, for Python 3).
            "rpm-python",
            // ustr (libustr-1.0.so.1): retired from Fedora; not in Azure Linux.
            "ustr",
        ]
    );
}

/// rpm's `gpg-pubkey` entries are signing keys: listed with key id and user id, never counted
/// as packages. The database is made here: a key generated by `gpg`, imported by `rpm
/// --import` into an empty SQLite rpmdb (needs `gpg` and `rpm`; skips without them unless
/// `AZL_COMPAT_CORPORA` is set).
#[test]
fn gpg_pubkey_entries_are_listed_as_signing_keys() {
    use std::process::Command as Proc;
    let have = |tool: &str| {
        Proc::new(tool)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !(have("gpg") && have("rpm")) {
        assert!(
            std::env::var_os("AZL_COMPAT_CORPORA").is_none(),
            "gpg and rpm are required (AZL_COMPAT_CORPORA is set)"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("gnupg");
    std::fs::create_dir(&home).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    let run = |cmd: &mut Proc| {
        let out = cmd.env("GNUPGHOME", &home).output().unwrap();
        assert!(
            out.status.success(),
            "{cmd:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    run(Proc::new("gpg").args([
        "--batch",
        "--passphrase",
        "",
        "--quick-gen-key",
        "Acme Repo Key <repo@acme.example>",
        "ed25519",
        "sign",
        "never",
    ]));
    let key = run(Proc::new("gpg").args(["--armor", "--export", "repo@acme.example"]));
    let asc = dir.path().join("key.asc");
    std::fs::write(&asc, key).unwrap();
    let root = dir.path().join("root");
    let db = root.join("var/lib/rpm");
    std::fs::create_dir_all(&db).unwrap();
    let rpm = |args: &[&std::ffi::OsStr]| {
        let mut c = Proc::new("rpm");
        c.arg("--dbpath")
            .arg(&db)
            .args(["--define", "_db_backend sqlite"])
            .args(args);
        run(&mut c)
    };
    rpm(&["--initdb".as_ref()]);
    rpm(&["--import".as_ref(), asc.as_os_str()]);
    let id = String::from_utf8(rpm(&[
        "-q".as_ref(),
        "--qf".as_ref(),
        "%{VERSION}".as_ref(),
        "gpg-pubkey".as_ref(),
    ]))
    .unwrap();

    let out = Command::cargo_bin("azl-compat")
        .unwrap()
        .arg("scan")
        .arg(&root)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    common::assert_valid_report(&report);
    let keys = report["signing_keys"].as_array().expect("signing_keys");
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert_eq!(keys[0]["key_id"], id.as_str());
    assert!(
        keys[0]["summary"]
            .as_str()
            .unwrap()
            .contains("Acme Repo Key"),
        "{keys:?}"
    );
    // Not a package: `rpm -qa` minus the keys is zero packages.
    assert!(report["packages"].as_array().is_none_or(|p| p.is_empty()));
    assert_eq!(
        report["summary"]["packages"]["total"].as_u64().unwrap_or(0),
        0
    );
}
