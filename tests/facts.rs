//! `collect` + `analyze` give the report `scan` gives, byte for byte, on every fixture root:
//! corpora/apptree, corpora/units, corpora/loader, the packages fixture of
//! scripts/regenerate-fixtures, and roots made of the corpora's package databases.

mod common;

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn bin() -> Command {
    Command::cargo_bin("azl-compat").unwrap()
}

/// Build a corpora/NAME fixture with its build.sh into a fresh directory; returns (dir, root).
fn built(name: &str) -> (tempfile::TempDir, PathBuf) {
    common::require_tool("gcc");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("corpora/{name}/build.sh"));
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new("bash")
        .arg(&script)
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{name}/build.sh failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let root = dir.path().join("root");
    assert!(
        std::fs::read_dir(&root).unwrap().next().is_some(),
        "{name}: empty root"
    );
    (dir, root)
}

/// scan ROOT and collect + analyze ROOT: the two JSON reports, which must be equal bytes.
fn assert_analyze_equals_scan(root: &Path) {
    let work = tempfile::tempdir().unwrap();
    let (scanned, facts, analyzed) = (
        work.path().join("scan.json"),
        work.path().join("host.facts"),
        work.path().join("analyze.json"),
    );
    let s = bin()
        .arg("scan")
        .arg(root)
        .args(["--format", "json", "-q", "-o"])
        .arg(&scanned)
        .output()
        .unwrap();
    let c = bin()
        .arg("collect")
        .arg(root)
        .args(["-q", "-o"])
        .arg(&facts)
        .output()
        .unwrap();
    assert_eq!(
        c.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&c.stderr)
    );
    let a = bin()
        .arg("analyze")
        .arg(&facts)
        .args(["--format", "json", "-o"])
        .arg(&analyzed)
        .output()
        .unwrap();
    assert_eq!(
        s.status.code(),
        a.status.code(),
        "exit status of scan and analyze"
    );
    let (s, a) = (
        std::fs::read_to_string(&scanned).unwrap(),
        std::fs::read_to_string(&analyzed).unwrap(),
    );
    assert!(s.len() > 100, "scan wrote a report");
    if s != a {
        let d = similar::TextDiff::from_lines(&s, &a);
        panic!(
            "analyze differs from scan for {}:\n{}",
            root.display(),
            d.unified_diff().context_radius(2)
        );
    }
    // The facts are facts, not the tree: no larger than the report plus its inventory would be.
    let size = std::fs::metadata(&facts).unwrap().len();
    assert!(size > 0 && size < 8 << 20, "facts are {size} bytes");
}

#[test]
fn apptree_units_and_loader_analyze_like_scan() {
    for name in ["apptree", "units", "loader"] {
        let (_d, root) = built(name);
        assert_analyze_equals_scan(&root);
    }
}

#[test]
fn package_database_roots_analyze_like_scan() {
    let Some(corpora) = common::corpora_dir() else {
        return;
    };
    // The packages fixture of scripts/regenerate-fixtures (whole database): an rpm database, a
    // python2 script, an .rpm installer.
    for (set, id, version) in [
        ("centos7-from-blobs", "centos", "7"),
        ("centos6-from-blobs", "centos", "6"),
        ("centos5-from-blobs", "centos", "5"),
    ] {
        let t = tempfile::tempdir().unwrap();
        let r = t.path();
        for d in ["var/lib/rpm", "etc", "opt/app/bin", "opt/app/installers"] {
            std::fs::create_dir_all(r.join(d)).unwrap();
        }
        std::fs::copy(
            corpora.join("rpmdb-derived").join(set).join("rpmdb.sqlite"),
            r.join("var/lib/rpm/rpmdb.sqlite"),
        )
        .unwrap();
        std::fs::write(
            r.join("etc/os-release"),
            format!("NAME=\"CentOS Linux\"\nID=\"{id}\"\nVERSION_ID=\"{version}\"\n"),
        )
        .unwrap();
        std::fs::write(r.join("etc/hostname"), format!("{set}.example\n")).unwrap();
        let script = r.join("opt/app/bin/report");
        std::fs::write(&script, "#!/usr/bin/python2\nprint 1\n").unwrap();
        std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        std::fs::copy(
            corpora.join(
                "rpmfile/fossas__fossa-cli/test/Discovery/testdata/curl-7.29.0-59.el7.x86_64.rpm",
            ),
            r.join("opt/app/installers/curl-7.29.0-59.el7.x86_64.rpm"),
        )
        .unwrap();
        assert_analyze_equals_scan(r);
    }
    // dpkg: an Ubuntu image's status file, and a distroless status.d.
    for (file, status_d) in [
        (
            "dpkg/aquasecurity__trivy/pkg/fanal/analyzer/pkg/dpkg/testdata/dpkg",
            false,
        ),
        (
            "dpkg/anchore__syft/syft/pkg/cataloger/debian/testdata/var/lib/dpkg/status.d/coreutils-relationships",
            true,
        ),
    ] {
        let t = tempfile::tempdir().unwrap();
        let admin = t.path().join("var/lib/dpkg");
        let dest = if status_d {
            std::fs::create_dir_all(admin.join("status.d")).unwrap();
            admin.join("status.d/coreutils")
        } else {
            std::fs::create_dir_all(&admin).unwrap();
            admin.join("status")
        };
        std::fs::copy(corpora.join(file), dest).unwrap();
        std::fs::create_dir_all(t.path().join("etc")).unwrap();
        std::fs::write(
            t.path().join("etc/os-release"),
            "ID=ubuntu\nVERSION_ID=\"22.04\"\n",
        )
        .unwrap();
        assert_analyze_equals_scan(t.path());
    }
}

#[test]
fn facts_carry_identity_and_no_program_content() {
    let (_d, root) = built("apptree");
    std::fs::write(root.join("etc/hostname"), "web-01\n").unwrap();
    std::fs::write(
        root.join("etc/machine-id"),
        "0123456789abcdef0123456789abcdef\n",
    )
    .unwrap();
    let work = tempfile::tempdir().unwrap();
    let facts = work.path().join("h.facts");
    bin()
        .arg("collect")
        .arg(&root)
        .arg("-o")
        .arg(&facts)
        .assert()
        .success();
    let bytes = std::fs::read(&facts).unwrap();
    assert_eq!(&bytes[..4], &[0x28, 0xb5, 0x2f, 0xfd], "zstd frame");
    let json = zstd::decode_all(&bytes[..]).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(v["facts_version"], 1);
    assert_eq!(v["identity"]["hostname"], "web-01");
    assert_eq!(
        v["identity"]["machine_id"],
        "0123456789abcdef0123456789abcdef"
    );
    assert!(!v["objects"].as_array().unwrap().is_empty());
    // No ELF file's content is in the facts: at most the stand-in.
    for (path, read) in v["reads"]["files"].as_object().unwrap() {
        let content = read["ok"]["content"].as_str().unwrap_or("");
        assert!(
            !content.starts_with("x:7f454c4602") && !content.starts_with("x:7f454c4601"),
            "{path}: ELF content recorded"
        );
    }
}

#[test]
fn bad_facts_are_an_error_naming_the_file() {
    let work = tempfile::tempdir().unwrap();
    let f = work.path().join("x.facts");
    std::fs::write(&f, b"not zstd at all").unwrap();
    let out = bin().arg("analyze").arg(&f).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("x.facts"), "{err}");
}

#[test]
fn scan_takes_several_roots_and_facts_files_each_with_its_report() {
    let (_a, apptree) = built("apptree");
    let (_u, units) = built("units");
    let work = tempfile::tempdir().unwrap();
    let facts = work.path().join("web-01.facts");
    bin()
        .arg("collect")
        .arg(&units)
        .arg("-o")
        .arg(&facts)
        .assert()
        .success();
    let out = work.path().join("reports");
    let s = bin()
        .arg("scan")
        .arg(&apptree)
        .arg(&units)
        .arg(&facts)
        .args(["--format", "json", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    // apptree has blockers: the worst exit status wins.
    assert_eq!(
        s.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&s.stderr)
    );
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["01-root.json", "02-root.json", "03-web-01.json"]);
    let read = |n: &str| std::fs::read_to_string(out.join(n)).unwrap();
    // The units root scanned and its facts analyzed in the same run: the same report.
    assert_eq!(read("02-root.json"), read("03-web-01.json"));
    let v: serde_json::Value = serde_json::from_str(&read("01-root.json")).unwrap();
    assert!(!v["findings"].as_array().unwrap().is_empty());
    // Several roots need a directory.
    let s = bin()
        .arg("scan")
        .arg(&apptree)
        .arg(&units)
        .output()
        .unwrap();
    assert_eq!(s.status.code(), Some(2));
}
