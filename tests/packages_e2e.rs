//! End to end through the CLI: a host root with a real rpm database (the complete CentOS 7
//! package set), a workload script and third-party `.rpm` files in the tree. Checks package
//! fates, what moving files need, third-party requirements and the report's packages section.

mod common;

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    std::fs::copy(from, to).unwrap_or_else(|e| panic!("copy {}: {e}", from.display()));
}

fn package<'a>(r: &'a Value, name: &str, manager: &str) -> &'a Value {
    r["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name && p["manager"] == manager)
        .unwrap_or_else(|| panic!("package {name} ({manager}) not in the report"))
}

#[test]
fn centos7_host_package_fates_and_third_party_requirements() {
    let Some(corpora) = common::corpora_dir() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    copy(
        &corpora.join("rpmdb-derived/centos7-from-blobs/rpmdb.sqlite"),
        &root.join("var/lib/rpm/rpmdb.sqlite"),
    );
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::write(
        root.join("etc/os-release"),
        "NAME=\"CentOS Linux\"\nID=\"centos\"\nVERSION_ID=\"7\"\n",
    )
    .unwrap();
    // A workload script run by the distro's python (2.7), and an installer carried in the tree.
    std::fs::create_dir_all(root.join("opt/app/bin")).unwrap();
    std::fs::write(
        root.join("opt/app/bin/report"),
        "#!/usr/bin/python2\nprint 1\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(
        root.join("opt/app/bin/report"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    copy(
        &corpora.join(
            "rpmfile/fossas__fossa-cli/test/Discovery/testdata/curl-7.29.0-59.el7.x86_64.rpm",
        ),
        &root.join("opt/app/installers/curl-7.29.0-59.el7.x86_64.rpm"),
    );

    let out = Command::cargo_bin("azl-compat")
        .unwrap()
        .arg("scan")
        .arg(root)
        .args(["--format", "json", "--quiet"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    common::assert_valid_report(&r);

    assert_eq!(r["source"]["distro"], "centos");
    assert_eq!(r["source"]["package_managers"], serde_json::json!(["rpm"]));
    let pc = &r["summary"]["packages"];
    assert_eq!(
        pc["distro"], 144,
        "MANIFEST.tsv: 144 installed packages: {pc}"
    );
    assert_eq!(pc["third_party"], 1, "the .rpm file in the tree: {pc}");

    // Fates.
    assert_eq!(package(&r, "openssl-libs", "rpm")["fate"], "shipped");
    // The source's own package machinery is replaced by the target's: nothing to install.
    let yum = package(&r, "yum", "rpm");
    assert_eq!(yum["fate"], "replaced-by-package-manager", "{yum}");
    assert_eq!(yum["azl_packages"], serde_json::json!([]));
    assert_eq!(
        package(&r, "centos-release", "rpm")["fate"],
        "replaced-by-package-manager"
    );
    // python 2.7 is needed by the moving script, and Azure Linux's "python" is 3.x.
    let python = package(&r, "python", "rpm");
    assert!(
        python["needed_by"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p == "/opt/app/bin/report"),
        "{python}"
    );
    assert!(
        python["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == "pkg-major-version-change"),
        "{python}"
    );
    // The carried installer: its requirements on CentOS 7 libraries cannot be met.
    let curl = package(&r, "curl", "rpm-file");
    assert_eq!(curl["origin"], "third-party");
    assert_eq!(curl["fate"], "carried");
    let unsat: Vec<&Value> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            f["code"] == "pkg-requirement-unsatisfied" && f["evidence"]["package"] == "curl"
        })
        .collect();
    assert!(
        unsat.iter().any(|f| f["evidence"]["requirement"]
            .as_str()
            .unwrap()
            .starts_with("libcurl = 7.29.0")),
        "curl requires libcurl = 7.29.0-59.el7, which Azure Linux's libcurl 8 does not satisfy: {unsat:?}"
    );
    assert!(
        unsat.iter().all(|f| f["severity"] == "blocker"
            && f["path"] == "/opt/app/installers/curl-7.29.0-59.el7.x86_64.rpm"),
        "{unsat:?}"
    );
    // What it needs that Azure Linux does have is not reported.
    assert!(
        !unsat
            .iter()
            .any(|f| f["evidence"]["requirement"] == "libc.so.6()(64bit)"),
        "{unsat:?}"
    );
    // Findings name the way Azure Linux differs (an id `azl-compat explain` accepts).
    let difference = |code: &str, subject: &str| {
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["code"] == code && f["subject"] == subject)
            .unwrap_or_else(|| panic!("no {code} for {subject}"))["evidence"]["difference"]
            .clone()
    };
    assert_eq!(difference("pkg-not-shipped", "ustr"), "absent");
    assert_eq!(
        difference("pkg-major-version-change", "python"),
        "other-version"
    );
    assert_eq!(difference("pkg-replaced", "zlib"), "replaced");
    // One dnf command for the host, without the source's package machinery.
    let cmd = r["summary"]["install_command"].as_str().unwrap();
    assert!(
        cmd.starts_with("dnf install ") && cmd.contains(" openssl-libs ") && !cmd.contains("yum"),
        "{cmd}"
    );
}

/// A Debian/Ubuntu image root with only a dpkg status file (no file lists): every installed
/// package is counted (dpkg-query's count) and mapped through the pack's Debian map.
#[test]
fn debian_status_only_root_maps_every_package() {
    let Some(corpora) = common::corpora_dir() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    copy(
        &corpora.join("dpkg/aquasecurity__trivy/pkg/fanal/analyzer/pkg/dpkg/testdata/dpkg"),
        &root.join("var/lib/dpkg/status"),
    );
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::write(
        root.join("etc/os-release"),
        "ID=debian\nVERSION_ID=\"10\"\n",
    )
    .unwrap();
    let out = Command::cargo_bin("azl-compat")
        .unwrap()
        .arg("scan")
        .arg(root)
        .args(["--format", "json", "--quiet", "--fail-on", "never"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    common::assert_valid_report(&r);
    // MANIFEST.tsv: dpkg-query counts 90 installed packages in this status file.
    assert_eq!(
        r["summary"]["packages"]["total"], 90,
        "{}",
        r["summary"]["packages"]
    );
    let coreutils = package(&r, "coreutils", "dpkg");
    assert_eq!(coreutils["origin"], "distro");
    assert_eq!(coreutils["fate"], "shipped");
    assert_eq!(coreutils["basis"], "debian-map");
    // apt is the source's package manager: replaced by the target's (dnf5), not installed.
    let apt = package(&r, "apt", "dpkg");
    assert_eq!(apt["fate"], "replaced-by-package-manager", "{apt}");
    assert_eq!(apt["basis"], "package-role", "{apt}");
    let mawk = package(&r, "mawk", "dpkg");
    assert_eq!(mawk["fate"], "not-shipped", "{mawk}");
    // Nothing moves here, so nothing missing is a blocker.
    assert_eq!(r["summary"]["findings"]["blocker"], 0);
}

/// The packages table of the CSV rendering has one row per package of the report.
#[test]
fn csv_packages_table_has_one_row_per_package() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/report-packages.json");
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&fixture).unwrap()).unwrap();
    let out = Command::cargo_bin("azl-compat")
        .unwrap()
        .args(["report", "--format", "csv-packages", "--fail-on", "never"])
        .arg(&fixture)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    let n = report["packages"].as_array().unwrap().len();
    assert!(n > 0);
    assert_eq!(
        rows.len(),
        n + 1,
        "header plus one row per package:\n{text}"
    );
    assert!(rows[0].starts_with("name,evr,arch,manager,origin,location,fate"));
}
