//! Host configuration that does not carry over (issue 14), end to end through the CLI on the two
//! roots `corpora/hostconf/build.sh` builds (RHEL-like and Ubuntu-like): every `host-` code is
//! reported with its file, line, fact, source and confidence, and what must not be reported
//! (a good certificate, an encrypted key, a generated trust bundle, a link) is not.

mod common;

use assert_cmd::Command;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn build_fixture(out: &Path) -> (PathBuf, PathBuf) {
    common::require_tool("openssl");
    common::require_tool("gpg");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora/hostconf/build.sh");
    let st = std::process::Command::new("bash")
        .arg(&script)
        .arg(out)
        .status()
        .expect("run corpora/hostconf/build.sh (needs bash and openssl)");
    assert!(st.success(), "corpora/hostconf/build.sh failed");
    (out.join("rhel"), out.join("ubuntu"))
}

fn scan(root: &Path) -> Value {
    let out = Command::cargo_bin("azl-compat")
        .unwrap()
        .arg("scan")
        .arg(root)
        .args(["--format", "json", "--quiet"])
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0) | Some(1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    common::assert_valid_report(&r);
    r
}

fn host_findings(r: &Value) -> Vec<&Value> {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"].as_str().unwrap().starts_with("host-"))
        .collect()
}

/// The finding of a code at a path (and subject, when given); fails when there is none.
fn find<'a>(fs: &[&'a Value], code: &str, path: &str, subject: Option<&str>) -> &'a Value {
    fs.iter()
        .copied()
        .find(|f| {
            f["code"] == code
                && f["path"] == path
                && subject.is_none_or(|s| f["subject"].as_str() == Some(s))
        })
        .unwrap_or_else(|| {
            panic!(
                "no {code} at {path} ({subject:?}); host findings: {:#?}",
                fs.iter()
                    .map(|f| format!("{} {} {}", f["code"], f["path"], f["subject"]))
                    .collect::<Vec<_>>()
            )
        })
}

#[test]
fn host_roots_report_every_host_code_with_file_line_and_provenance() {
    let dir = tempfile::tempdir().unwrap();
    let (rhel, ubuntu) = build_fixture(dir.path());
    let r = scan(&rhel);
    let u = scan(&ubuntu);
    let rf = host_findings(&r);
    let uf = host_findings(&u);

    // Every host code appears in one of the two roots.
    let seen: BTreeSet<&str> = rf
        .iter()
        .chain(&uf)
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    for c in azl_compat::findings::Code::ALL {
        if c.as_str().starts_with("host-") {
            assert!(seen.contains(c.as_str()), "no fixture exercises {c}");
        }
    }
    // Every host finding has why, fix and the provenance of its fact.
    for f in rf.iter().chain(&uf) {
        for k in ["message", "why", "fix"] {
            assert!(
                !f[k].as_str().unwrap_or("").is_empty(),
                "{k} empty in {f:#}"
            );
        }
        assert!(f["evidence"]["source"].is_string(), "no source in {f:#}");
        assert!(
            ["high", "medium", "inferred", "unknown"]
                .contains(&f["evidence"]["confidence"].as_str().unwrap()),
            "{f:#}"
        );
    }

    // FIPS: the grub line (not the comment above it) and /etc/system-fips; the target's
    // validation cannot be established, and the finding says so.
    let g = find(&rf, "host-fips-mode", "/etc/default/grub", Some("fips=1"));
    assert_eq!(g["line"], 4);
    assert_eq!(g["evidence"]["confidence"], "unknown");
    assert!(g["why"].as_str().unwrap().contains("FIPS 140-3"));
    find(&rf, "host-fips-mode", "/etc/system-fips", None);
    assert!(
        !uf.iter().any(|f| f["code"] == "host-fips-mode"),
        "the Ubuntu root is not in FIPS mode"
    );

    // Crypto policy: LEGACY, the custom subpolicy and its module.
    let l = find(
        &rf,
        "host-crypto-policy",
        "/etc/crypto-policies/config",
        Some("LEGACY"),
    );
    assert_eq!(l["line"], 1);
    assert!(
        l["evidence"]["source"]
            .as_str()
            .unwrap()
            .contains("fedora-changes.md")
    );
    find(
        &rf,
        "host-crypto-policy",
        "/etc/crypto-policies/config",
        Some("ACME-TLS"),
    );
    let m = find(
        &rf,
        "host-crypto-policy",
        "/etc/crypto-policies/policies/modules/ACME-TLS.pmod",
        None,
    );
    assert_eq!(m["severity"], "info");

    // Keys: a 1024-bit RSA certificate and key, a 1024-bit DSA PKCS#8 key, 1024-bit DH
    // parameters; not the encrypted key, not the 3072-bit one, not the generated trust bundles.
    let c = find(
        &rf,
        "host-cert-weak-key",
        "/etc/pki/tls/certs/legacy.crt",
        Some("CN=legacy.acme.example"),
    );
    assert_eq!(c["evidence"]["bits"], "1024");
    assert_eq!(c["evidence"]["algorithm"], "RSA");
    assert_eq!(c["line"], 1);
    find(
        &rf,
        "host-cert-weak-key",
        "/etc/pki/tls/private/legacy.key",
        None,
    );
    let d = find(
        &rf,
        "host-cert-weak-key",
        "/opt/acme/conf/signing-dsa.key",
        None,
    );
    assert_eq!(d["evidence"]["algorithm"], "DSA");
    let dh = find(&uf, "host-cert-weak-key", "/srv/www/tls/dhparams.pem", None);
    assert_eq!(dh["evidence"]["algorithm"], "DH");
    assert_eq!(dh["evidence"]["bits"], "1024");
    for (fs, p) in [
        (&rf, "/opt/acme/conf/encrypted.key"),
        (&rf, "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem"),
        (&rf, "/opt/acme/certs/README.pem"),
        (&rf, "/opt/acme/certs/roots.pem"),
        (&rf, "/opt/acme/lib/python3/test/badkey.pem"),
        (&rf, "/opt/acme/certs/good.csr.pem"),
        (&uf, "/etc/ssl/certs/ca-certificates.crt"),
        (&uf, "/etc/ssl/private/www.key"),
        (&uf, "/etc/ssl/certs/www.pem"),
        (&uf, "/etc/ssl/certs/0a1b2c3d.0"),
    ] {
        assert!(
            !fs.iter().any(|f| f["path"] == p),
            "{p} must not be reported"
        );
    }

    // Signatures: the SHA-1 leaf in DER (no line); the self-signed 1024-bit one is not a
    // signature finding.
    let s = find(
        &rf,
        "host-cert-weak-signature",
        "/opt/acme/certs/partner.der",
        Some("CN=sha1-leaf"),
    );
    assert_eq!(s["evidence"]["hash"], "SHA-1");
    assert!(s.get("line").is_none());
    assert!(
        !rf.iter().any(|f| f["code"] == "host-cert-weak-signature"
            && f["path"] != "/opt/acme/certs/partner.der")
    );

    // Expiry: the second certificate of a chain (line 18 is its BEGIN line; the first is good),
    // and one that expired in 2020.
    let e = find(
        &rf,
        "host-cert-expiry",
        "/opt/acme/certs/chain.pem",
        Some("CN=soon"),
    );
    assert_eq!(e["evidence"]["expired"], "false");
    assert!(e["line"].as_u64().unwrap() > 1);
    assert!(!rf.iter().any(|f| f["subject"] == "CN=good"));
    let x = find(
        &uf,
        "host-cert-expiry",
        "/etc/ssl/certs/www-old.pem",
        Some("CN=www-old"),
    );
    assert_eq!(x["evidence"]["expired"], "true");
    assert_eq!(x["evidence"]["not_after"], "2020-02-01");

    // Keystores are named, not read.
    find(
        &rf,
        "host-keystore-not-checked",
        "/opt/acme/conf/partners.jks",
        None,
    );

    // openssl.cnf: TLS 1.0, RC4 (not the excluded IDEA), @SECLEVEL lowered (info).
    let p = find(
        &rf,
        "host-openssl-config",
        "/etc/pki/tls/openssl.cnf",
        Some("MinProtocol = TLSv1"),
    );
    assert_eq!(p["line"], 10);
    assert_eq!(p["evidence"]["section"], "system_default_sect");
    let rc4 = rf
        .iter()
        .find(|f| {
            f["code"] == "host-openssl-config"
                && f["message"].as_str().unwrap().contains("names RC4")
        })
        .expect("RC4 in CipherString");
    assert!(!rc4["message"].as_str().unwrap().contains("IDEA"));
    let lvl = find(
        &uf,
        "host-openssl-config",
        "/etc/ssl/openssl.cnf",
        Some("@SECLEVEL=0"),
    );
    assert_eq!(lvl["severity"], "info");
    assert!(
        !uf.iter().any(|f| f["subject"]
            .as_str()
            .unwrap_or("")
            .starts_with("MinProtocol")),
        "TLSv1.2 is fine"
    );
    // Nothing the host checks read was unreadable.
    assert_eq!(
        r["diagnostics"].as_array().unwrap().len(),
        0,
        "{:#}",
        r["diagnostics"]
    );
}

#[test]
fn crypto_policy_variants() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    let cp = root.join("etc/crypto-policies");
    std::fs::create_dir_all(&cp).unwrap();
    std::fs::write(cp.join("config"), "# admin\nDEFAULT:SHA1:NO-SUCH-MODULE\n").unwrap();
    let r = scan(&root);
    let fs = host_findings(&r);
    let sha1 = find(
        &fs,
        "host-crypto-policy",
        "/etc/crypto-policies/config",
        Some("SHA1"),
    );
    assert_eq!(sha1["line"], 2);
    assert_eq!(sha1["evidence"]["confidence"], "medium");
    let unknown = find(
        &fs,
        "host-crypto-policy",
        "/etc/crypto-policies/config",
        Some("NO-SUCH-MODULE"),
    );
    assert_eq!(unknown["evidence"]["confidence"], "unknown");
    // DEFAULT itself is no finding.
    assert_eq!(fs.len(), 2, "{fs:#?}");

    // The FIPS policy marks FIPS mode.
    std::fs::write(cp.join("config"), "FIPS\n").unwrap();
    let r = scan(&root);
    let fs = host_findings(&r);
    find(
        &fs,
        "host-fips-mode",
        "/etc/crypto-policies/config",
        Some("FIPS"),
    );
    assert_eq!(fs.len(), 1, "{fs:#?}");
}

#[test]
fn package_sources_are_named_with_what_exists_for_the_target() {
    let dir = tempfile::tempdir().unwrap();
    let (rhel, ubuntu) = build_fixture(dir.path());
    let r = scan(&rhel);
    let u = scan(&ubuntu);
    let rf = host_findings(&r);
    let uf = host_findings(&u);
    let status = |f: &Value| f["evidence"]["status"].as_str().unwrap().to_string();

    // yum: the distribution's own repository is replaced (info), with its line and key.
    let rh = find(
        &rf,
        "host-package-source",
        "/etc/yum.repos.d/redhat.repo",
        Some("rhel-9-for-x86_64-baseos-rpms"),
    );
    assert_eq!(
        (rh["line"].as_u64(), rh["severity"].as_str()),
        (Some(4), Some("info"))
    );
    assert_eq!(status(rh), "replaced");
    assert!(
        rh["evidence"]["signing_key"]
            .as_str()
            .unwrap()
            .contains("redhat-release")
    );
    // EPEL: no counterpart, and the sources cannot say more (confidence unknown); the disabled
    // testing repository is info.
    let epel = find(
        &rf,
        "host-package-source",
        "/etc/yum.repos.d/epel.repo",
        Some("epel"),
    );
    assert_eq!(
        (status(epel).as_str(), epel["severity"].as_str()),
        ("none", Some("warning"))
    );
    assert_eq!(epel["evidence"]["confidence"], "unknown");
    let t = find(
        &rf,
        "host-package-source",
        "/etc/yum.repos.d/epel.repo",
        Some("epel-testing"),
    );
    assert_eq!(
        (t["line"].as_u64(), t["severity"].as_str()),
        (Some(8), Some("info"))
    );
    assert_eq!(t["evidence"]["enabled"], "false");
    // Fedora's own repository; a third-party one and its $releasever; the target's own is not
    // reported.
    let fe = find(
        &rf,
        "host-package-source",
        "/etc/yum.repos.d/extras.repo",
        Some("fedora-everything"),
    );
    assert_eq!(status(fe), "fedora");
    assert!(!rf.iter().any(|f| f["subject"] == "azurelinux-base"));
    let d = find(
        &rf,
        "host-package-source",
        "/etc/yum.repos.d/docker-ce.repo",
        Some("docker-ce-stable"),
    );
    assert_eq!(status(d), "third-party");
    let rv = find(
        &rf,
        "host-package-source",
        "/etc/yum.repos.d/docker-ce.repo",
        Some("docker-ce-stable $releasever"),
    );
    assert!(rv["why"].as_str().unwrap().contains("4.0"));
    assert!(
        !rf.iter()
            .any(|f| f["subject"] == "rhel-9-for-x86_64-baseos-rpms $releasever"),
        "the replaced repository needs no $releasever finding"
    );

    // dnf: dropped options with their lines (not the kept ones), plugins, version locks.
    let dr = find(
        &rf,
        "host-dnf-config",
        "/etc/dnf/dnf.conf",
        Some("deltarpm"),
    );
    assert_eq!(dr["line"], 5);
    find(
        &rf,
        "host-dnf-config",
        "/etc/dnf/dnf.conf",
        Some("metadata_timer_sync"),
    );
    assert!(!rf.iter().any(|f| f["subject"] == "installonly_limit"));
    let vl = find(
        &rf,
        "host-dnf-config",
        "/etc/dnf/plugins/versionlock.list",
        Some("versionlock"),
    );
    assert_eq!(vl["evidence"]["locks"], "2");
    let fm = find(
        &rf,
        "host-dnf-config",
        "/etc/yum/pluginconf.d/fastestmirror.conf",
        Some("plugin fastestmirror"),
    );
    assert_eq!(fm["severity"], "info");
    find(
        &rf,
        "host-dnf-config",
        "/etc/dnf/plugins/versionlock.conf",
        Some("plugin versionlock"),
    );

    // apt: the archive in deb822 (replaced), the commented-out backports line (info), a PPA
    // (none, a stated fact), Docker's repository with its key (third-party).
    let arch: Vec<&&Value> = uf
        .iter()
        .filter(|f| f["path"] == "/etc/apt/sources.list.d/ubuntu.sources")
        .collect();
    assert_eq!(arch.len(), 1);
    assert_eq!(status(arch[0]), "replaced");
    assert_eq!(arch[0]["line"], 1);
    let bp: Vec<&&Value> = uf
        .iter()
        .filter(|f| f["path"] == "/etc/apt/sources.list")
        .collect();
    assert_eq!(bp.len(), 1);
    assert_eq!(
        (bp[0]["line"].as_u64(), bp[0]["severity"].as_str()),
        (Some(2), Some("info"))
    );
    let ppa = uf
        .iter()
        .find(|f| f["path"] == "/etc/apt/sources.list.d/acme-ubuntu-tools-noble.list")
        .expect("PPA");
    assert_eq!(
        (status(ppa).as_str(), ppa["severity"].as_str()),
        ("none", Some("warning"))
    );
    assert_eq!(ppa["evidence"]["confidence"], "high");
    let dk = uf
        .iter()
        .find(|f| f["path"] == "/etc/apt/sources.list.d/docker.list")
        .expect("docker");
    assert_eq!(status(dk), "third-party");
    assert_eq!(
        dk["evidence"]["signing_key"],
        "/etc/apt/keyrings/docker.asc"
    );
    assert_eq!(dk["evidence"]["manager"], "apt");
    // The key file is read: its fingerprint (as gpg computes it) is named for comparison with
    // the vendor's RPM key.
    let fpr = std::fs::read_to_string(dir.path().join(".build/docker.fpr")).unwrap();
    assert_eq!(fpr.trim().len(), 40, "{fpr}");
    assert_eq!(
        dk["evidence"]["signing_keys"],
        format!(
            "/etc/apt/keyrings/docker.asc: {} (Acme Docker Stand-in <pkg@acme.example>)",
            fpr.trim()
        )
    );
    assert!(dk["fix"].as_str().unwrap().contains("rpm --import"));
    // EPEL's key file is named but not in the tree.
    let epel = find(
        &rf,
        "host-package-source",
        "/etc/yum.repos.d/epel.repo",
        Some("epel"),
    );
    assert_eq!(
        epel["evidence"]["signing_key_missing"],
        "/etc/pki/rpm-gpg/RPM-GPG-KEY-EPEL-9"
    );
}

/// A root holding only `files` (relative path as bytes, text).
fn small_root(files: &[(&[u8], &str)]) -> tempfile::TempDir {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    for (rel, text) in files {
        let p = dir.path().join(std::ffi::OsStr::from_bytes(rel));
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

/// A configuration file whose name is not UTF-8 is listed, read and named in its escaped form.
#[test]
fn configuration_files_with_names_that_are_not_utf8_are_read() {
    let dir = small_root(&[(
        b"etc/yum.repos.d/acme\xff.repo",
        "[acme]\nname=Acme\nbaseurl=https://rpm.acme.example/el9/\nenabled=1\n",
    )]);
    let r = scan(dir.path());
    let fs = host_findings(&r);
    let f = find(
        &fs,
        "host-package-source",
        "/etc/yum.repos.d/acme\\xff.repo",
        Some("acme"),
    );
    assert_eq!(f["evidence"]["status"], "third-party");
    assert!(
        r["diagnostics"].as_array().unwrap().is_empty(),
        "{:#}",
        r["diagnostics"]
    );
}

/// /etc/resolv.conf written by NetworkManager (a file, or a link to its own) is named: the
/// target's systemd-resolved manages name resolution.
#[test]
fn resolv_conf_written_by_networkmanager() {
    for link in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let etc = dir.path().join("etc");
        std::fs::create_dir_all(&etc).unwrap();
        let text = "# Generated by NetworkManager\nsearch corp.example\nnameserver 10.1.1.1\n";
        if link {
            let run = dir.path().join("run/NetworkManager");
            std::fs::create_dir_all(&run).unwrap();
            std::fs::write(run.join("resolv.conf"), text).unwrap();
            std::os::unix::fs::symlink(
                "../run/NetworkManager/resolv.conf",
                etc.join("resolv.conf"),
            )
            .unwrap();
        } else {
            std::fs::write(etc.join("resolv.conf"), text).unwrap();
        }
        let r = scan(dir.path());
        let fs = host_findings(&r);
        let f = find(
            &fs,
            "host-dns-config",
            "/etc/resolv.conf",
            Some("NetworkManager"),
        );
        assert_eq!(f["severity"], "info");
        assert_eq!(f["evidence"]["confidence"], "inferred");
        assert!(
            !fs.iter().any(|f| f["subject"] == "nameserver"),
            "a managed file is not also a hand-written one"
        );
    }
}

/// zypper's repositories (SUSE) are read like yum's.
#[test]
fn zypper_repositories_are_named() {
    let dir = small_root(&[
        (
            b"etc/zypp/repos.d/repo-oss.repo",
            "[repo-oss]\nname=Main Repository\nenabled=1\nautorefresh=1\nbaseurl=http://download.opensuse.org/distribution/leap/$releasever/repo/oss/\ntype=rpm-md\n",
        ),
        (
            b"etc/zypp/repos.d/home_acme.repo",
            "[home_acme]\nname=acme tools (15.6)\ntype=rpm-md\nbaseurl=https://download.opensuse.org/repositories/home:/acme/15.6/\ngpgcheck=1\ngpgkey=https://download.opensuse.org/repositories/home:/acme/15.6/repodata/repomd.xml.key\nenabled=1\n",
        ),
    ]);
    let r = scan(dir.path());
    let fs = host_findings(&r);
    let oss = find(
        &fs,
        "host-package-source",
        "/etc/zypp/repos.d/repo-oss.repo",
        Some("repo-oss"),
    );
    assert_eq!(oss["evidence"]["manager"], "zypper");
    assert_eq!(oss["evidence"]["status"], "replaced");
    let obs = find(
        &fs,
        "host-package-source",
        "/etc/zypp/repos.d/home_acme.repo",
        Some("home_acme"),
    );
    assert_eq!(obs["evidence"]["status"], "third-party");
    assert_eq!(obs["severity"], "warning");
}

#[test]
fn security_modules_apparmor_and_selinux() {
    let dir = tempfile::tempdir().unwrap();
    let (rhel, ubuntu) = build_fixture(dir.path());
    let r = scan(&rhel);
    let u = scan(&ubuntu);
    let rf = host_findings(&r);
    let uf = host_findings(&u);

    // AppArmor: the confined programs are listed; complain and disabled are info.
    let a = find(
        &uf,
        "host-apparmor-profile",
        "/etc/apparmor.d/usr.sbin.acmed",
        Some("/usr/sbin/acmed"),
    );
    assert_eq!(
        (a["line"].as_u64(), a["severity"].as_str()),
        (Some(3), Some("warning"))
    );
    assert_eq!(a["evidence"]["apparmor_shipped"], "false");
    assert_eq!(a["evidence"]["confidence"], "high");
    let w = find(
        &uf,
        "host-apparmor-profile",
        "/etc/apparmor.d/acme-worker",
        Some("/opt/acme/bin/worker"),
    );
    assert_eq!(
        (w["severity"].as_str(), w["evidence"]["mode"].as_str()),
        (Some("info"), Some("complain"))
    );
    let o = find(
        &uf,
        "host-apparmor-profile",
        "/etc/apparmor.d/usr.sbin.oldd",
        Some("/usr/sbin/oldd"),
    );
    assert_eq!(o["evidence"]["mode"], "disabled");
    assert_eq!(
        uf.iter()
            .filter(|f| f["code"] == "host-apparmor-profile")
            .count(),
        3,
        "abstractions, tunables and disable/ hold no profiles of their own"
    );

    // SELinux: SELINUX=disabled with the kernel fact; targeted is fine.
    let c = find(
        &rf,
        "host-selinux-config",
        "/etc/selinux/config",
        Some("SELINUX=disabled"),
    );
    assert_eq!(c["line"], 2);
    assert!(c["why"].as_str().unwrap().contains("selinux=0"));
    assert!(
        c["evidence"]["source"]
            .as_str()
            .unwrap()
            .contains("kernel-changes.md")
    );
    assert_eq!(
        rf.iter()
            .filter(|f| f["code"] == "host-selinux-config")
            .count(),
        1
    );
    // Local customizations, each once; not the distribution's priority-100 module.
    let store = "/var/lib/selinux/targeted/active";
    find(
        &rf,
        "host-selinux-local",
        &format!("{store}/modules/400/acme_app"),
        Some("module acme_app"),
    );
    let b = find(
        &rf,
        "host-selinux-local",
        &format!("{store}/booleans.local"),
        Some("boolean httpd_can_network_connect"),
    );
    assert_eq!(b["line"], 1);
    let fc = find(
        &rf,
        "host-selinux-local",
        &format!("{store}/file_contexts.local"),
        Some("file context /srv/acme(/.*)?"),
    );
    assert_eq!(fc["line"], 2);
    find(
        &rf,
        "host-selinux-local",
        &format!("{store}/ports.local"),
        None,
    );
    assert_eq!(
        rf.iter()
            .filter(|f| f["code"] == "host-selinux-local")
            .count(),
        4,
        "{:#?}",
        rf.iter()
            .filter(|f| f["code"] == "host-selinux-local")
            .collect::<Vec<_>>()
    );
}

#[test]
fn selinux_policy_type_the_target_does_not_support() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    std::fs::create_dir_all(root.join("etc/selinux")).unwrap();
    std::fs::write(
        root.join("etc/selinux/config"),
        "SELINUX=enforcing\nSELINUXTYPE=minimum\n",
    )
    .unwrap();
    let r = scan(&root);
    let fs = host_findings(&r);
    let t = find(
        &fs,
        "host-selinux-config",
        "/etc/selinux/config",
        Some("SELINUXTYPE=minimum"),
    );
    assert_eq!(t["line"], 2);
    assert_eq!(t["evidence"]["package"], "selinux-policy-minimum");
    assert!(t["message"].as_str().unwrap().contains("unsupported"));
    assert_eq!(fs.len(), 1, "{fs:#?}");
}

#[test]
fn services_whose_configuration_moves() {
    let dir = tempfile::tempdir().unwrap();
    let (rhel, ubuntu) = build_fixture(dir.path());
    let r = scan(&rhel);
    let u = scan(&ubuntu);
    let rf = host_findings(&r);
    let uf = host_findings(&u);

    let a = find(&uf, "host-service-config", "/etc/apache2", Some("apache2"));
    assert_eq!(a["evidence"]["target_path"], "/etc/httpd");
    assert_eq!(a["evidence"]["target_user"], "apache");
    assert_eq!(a["evidence"]["target_unit"], "httpd.service");
    assert_eq!(a["evidence"]["confidence"], "inferred");
    assert!(
        a["message"]
            .as_str()
            .unwrap()
            .contains("runs as apache (not www-data)")
    );
    let n = find(
        &uf,
        "host-service-config",
        "/etc/nginx/sites-enabled",
        Some("nginx"),
    );
    assert_eq!(n["evidence"]["target_path"], "/etc/nginx/conf.d");
    find(
        &uf,
        "host-service-config",
        "/etc/php/8.3/fpm/pool.d",
        Some("php-fpm"),
    );
    find(
        &uf,
        "host-service-config",
        "/etc/postgresql",
        Some("postgresql"),
    );
    let v = find(&uf, "host-service-config", "/etc/redis", Some("redis"));
    assert_eq!(v["evidence"]["target_package"], "valkey");
    assert!(v["evidence"]["target_evr"].is_string());
    assert_eq!(
        uf.iter()
            .filter(|f| f["code"] == "host-service-config")
            .count(),
        5,
        "bind9, mariadb, samba and docker have no configuration in the Ubuntu root"
    );
    assert!(
        !rf.iter().any(|f| f["code"] == "host-service-config"),
        "a RHEL host keeps samba where it is"
    );

    // PostgreSQL data directories of another major version, on both families.
    let pu = find(
        &uf,
        "host-postgresql-data",
        "/var/lib/postgresql/16/main/PG_VERSION",
        Some("PostgreSQL 16"),
    );
    assert_eq!(
        pu["evidence"]["data_directory"],
        "/var/lib/postgresql/16/main"
    );
    assert_ne!(pu["evidence"]["target_major"], "16");
    let pr = find(
        &rf,
        "host-postgresql-data",
        "/var/lib/pgsql/data/PG_VERSION",
        Some("PostgreSQL 13"),
    );
    assert_eq!(pr["line"], 1);
}

#[test]
fn cron_sudoers_logrotate_and_profile_programs_the_target_lacks() {
    let dir = tempfile::tempdir().unwrap();
    let (rhel, ubuntu) = build_fixture(dir.path());
    let r = scan(&rhel);
    let u = scan(&ubuntu);
    let rf = host_findings(&r);
    let uf = host_findings(&u);
    let missing = |fs: &[&Value]| -> Vec<String> {
        fs.iter()
            .filter(|f| f["code"] == "host-program-missing")
            .map(|f| {
                format!(
                    "{}:{} {}",
                    f["path"].as_str().unwrap(),
                    f["line"],
                    f["subject"].as_str().unwrap()
                )
            })
            .collect()
    };
    assert_eq!(
        missing(&rf),
        [
            "/etc/cron.d/acme:4 ntpdate",
            "/etc/sudoers.d/acme:1 /usr/sbin/ntpdate",
            "/var/spool/cron/acme:1 /opt/acme/bin/gone-tool",
        ],
        "the carried script, logger and service exist"
    );
    assert_eq!(
        missing(&uf),
        [
            "/etc/logrotate.d/acme:5 invoke-rc.d",
            "/etc/profile.d/acme.sh:2 /usr/bin/landscape-sysinfo",
        ]
    );
    let c = find(
        &rf,
        "host-program-missing",
        "/etc/cron.d/acme",
        Some("ntpdate"),
    );
    assert_eq!(c["evidence"]["kind"], "cron job");
    assert!(
        c["evidence"]["text"]
            .as_str()
            .unwrap()
            .starts_with("ntpdate -s")
    );
}

#[test]
fn networking_name_resolution_and_firewalls() {
    let dir = tempfile::tempdir().unwrap();
    let (rhel, ubuntu) = build_fixture(dir.path());
    let r = scan(&rhel);
    let u = scan(&ubuntu);
    let rf = host_findings(&r);
    let uf = host_findings(&u);

    // ifcfg: every interface is a finding with the files generated for it; the settings no
    // generated file says are listed with their lines.
    let e0 = find(
        &rf,
        "host-network-config",
        "/etc/sysconfig/network-scripts/ifcfg-eth0",
        Some("eth0"),
    );
    assert_eq!(e0["severity"], "warning");
    assert_eq!(e0["evidence"]["format"], "ifcfg");
    assert_eq!(e0["evidence"]["confidence"], "high");
    assert_eq!(
        e0["evidence"]["generated"],
        "/etc/NetworkManager/system-connections/eth0.nmconnection /etc/systemd/network/10-eth0.network"
    );
    assert_eq!(
        e0["evidence"]["not_converted"],
        "16: ETHTOOL_OPTS=\"-K eth0 tso off\""
    );
    assert!(
        e0["evidence"]["notes"]
            .as_str()
            .unwrap()
            .contains("zone=internal")
    );
    assert!(e0["why"].as_str().unwrap().contains("ifcfg-rh"));
    let fix = e0["fix"].as_str().unwrap();
    assert!(
        fix.contains("--write-fixes writes /etc/systemd/network/10-eth0.network"),
        "{fix}"
    );
    assert!(fix.contains("dnf install NetworkManager"), "{fix}");
    assert!(fix.contains("nmcli connection migrate"), "{fix}");
    let e1 = find(
        &rf,
        "host-network-config",
        "/etc/sysconfig/network-scripts/ifcfg-eth1",
        Some("eth1"),
    );
    assert_eq!(e1["severity"], "info", "ONBOOT=no");
    let b = find(
        &rf,
        "host-network-config",
        "/etc/sysconfig/network-scripts/ifcfg-bond0",
        Some("bond0"),
    );
    assert_eq!(b["evidence"]["kind"], "bond");
    assert!(b["fix"].as_str().unwrap().contains("10-bond0.netdev"));
    let port = find(
        &rf,
        "host-network-config",
        "/etc/sysconfig/network-scripts/ifcfg-eth2",
        Some("eth2"),
    );
    assert!(port["message"].as_str().unwrap().contains("port of bond0"));
    assert!(
        port["evidence"]["notes"]
            .as_str()
            .unwrap()
            .contains("00:0d:3a:00:00:02")
    );
    // A RHEL 9 keyfile: converted for systemd-networkd only (the keyfile itself carries over).
    let kf5 = find(
        &rf,
        "host-network-config",
        "/etc/NetworkManager/system-connections/eth5.nmconnection",
        Some("eth5"),
    );
    assert_eq!(kf5["evidence"]["format"], "keyfile");
    assert_eq!(
        kf5["evidence"]["generated"],
        "/etc/systemd/network/10-eth5.network"
    );
    assert_eq!(
        kf5["evidence"]["not_converted"],
        "16: [ethtool] (not converted)"
    );
    assert!(kf5["fix"].as_str().unwrap().contains("keep the profile"));
    let team = find(
        &rf,
        "host-network-config",
        "/etc/sysconfig/network-scripts/ifcfg-team0",
        Some("team0"),
    );
    assert!(team["evidence"]["generated"].is_null());
    assert!(team["fix"].as_str().unwrap().contains("bond"));
    assert!(
        !rf.iter()
            .any(|f| f["path"].as_str().unwrap().ends_with("ifcfg-lo")),
        "the loopback is not reported"
    );
    let generated = |r: &Value, path: &str| -> String {
        let g = r["generated"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["path"] == path)
            .unwrap_or_else(|| panic!("{path} not generated"));
        // The diff creates the file: its added lines are the file.
        g["diff"]
            .as_str()
            .unwrap()
            .lines()
            .filter(|l| l.starts_with('+') && !l.starts_with("+++"))
            .map(|l| format!("{}\n", &l[1..]))
            .collect()
    };
    assert_eq!(
        generated(&r, "/etc/systemd/network/10-eth0.network"),
        "[Match]\nName=eth0\n\n[Network]\nIPv6AcceptRA=no\nAddress=2001:db8:20::5/64\nAddress=10.20.0.5/24\nGateway=10.20.0.1\nGateway=2001:db8:20::1\nDNS=10.20.0.2\nDomains=corp.example\n\n[Route]\nDestination=172.16.0.0/12\nGateway=10.20.0.254\n\n[Route]\nDestination=192.168.77.0/24\nGateway=10.20.0.254\nMetric=20\n\n[Route]\nDestination=2001:db8:99::/48\nGateway=2001:db8:20::fe\n"
    );
    assert_eq!(
        generated(&r, "/etc/systemd/network/10-bond0.netdev"),
        "[NetDev]\nName=bond0\nKind=bond\nMTUBytes=9000\n\n[Bond]\nMode=802.3ad\nMIIMonitorSec=100ms\nLACPTransmitRate=fast\nTransmitHashPolicy=layer3+4\n"
    );
    assert!(
        generated(&r, "/etc/systemd/network/10-bond0.network")
            .contains("DHCP=ipv4\nVLAN=bond0.120\n")
    );
    assert!(generated(&r, "/etc/systemd/network/10-eth4.network").contains("Bridge=br0\n"));
    // The global GATEWAY of /etc/sysconfig/network goes to the interface whose network holds it.
    assert!(
        generated(&r, "/etc/systemd/network/10-bond0.120.network")
            .contains("Address=10.120.0.5/24\nGateway=10.120.0.1\n")
    );
    assert_eq!(
        generated(&r, "/etc/systemd/network/10-eth5.network"),
        "[Match]\nName=eth5\n\n[Network]\nLinkLocalAddressing=ipv4\nIPv6AcceptRA=no\nAddress=10.55.0.5/24\nGateway=10.55.0.1\nDNS=10.55.0.2\n\n[Route]\nDestination=10.66.0.0/16\nGateway=10.55.0.254\n"
    );
    let kf = generated(
        &r,
        "/etc/NetworkManager/system-connections/eth0.nmconnection",
    );
    assert!(kf.contains("[ipv6]\naddress1=2001:db8:20::5/64,2001:db8:20::1\nmethod=manual\nroute1=2001:db8:99::/48,2001:db8:20::fe\n"), "{kf}");
    assert!(r["generated"].as_array().unwrap().iter().all(|g| g["mode"]
        == if g["manager"] == "NetworkManager" {
            "0600"
        } else {
            "0644"
        }));

    // ifupdown stanzas, with their lines.
    let e2 = find(
        &uf,
        "host-network-config",
        "/etc/network/interfaces",
        Some("eth2"),
    );
    assert_eq!(e2["line"], 5);
    assert_eq!(
        e2["evidence"]["not_converted"],
        "11: post-up /usr/local/sbin/acme-tune eth2 (a command run at ifup)"
    );
    assert!(
        generated(&u, "/etc/systemd/network/10-eth2.network")
            .contains("Address=10.40.0.4/24\nAddress=2001:db8:40::4/64\nGateway=10.40.0.1\nGateway=2001:db8:40::1\nDNS=10.40.0.2\n\n[Route]\nDestination=172.20.0.0/16\nGateway=10.40.0.254\n")
    );
    let br = find(
        &uf,
        "host-network-config",
        "/etc/network/interfaces",
        Some("br0"),
    );
    assert_eq!(br["line"], 18);
    assert_eq!(br["evidence"]["kind"], "bridge");
    assert_eq!(br["evidence"]["not_converted"], "22: bridge_maxwait 0");
    assert_eq!(
        generated(&u, "/etc/systemd/network/10-br0.netdev"),
        "[NetDev]\nName=br0\nKind=bridge\n\n[Bridge]\nSTP=no\nForwardDelaySec=0\n"
    );
    let eth3 = find(
        &uf,
        "host-network-config",
        "/etc/network/interfaces",
        Some("eth3"),
    );
    assert!(eth3["message"].as_str().unwrap().contains("port of br0"));

    // netplan: cloud-init's own file is info and generates nothing; the other file's
    // interfaces are converted one by one, and its Wi-Fi section is listed with its line.
    let ci = find(
        &uf,
        "host-network-config",
        "/etc/netplan/50-cloud-init.yaml",
        None,
    );
    assert_eq!(ci["severity"], "info");
    assert_eq!(ci["evidence"]["written_by"], "cloud-init");
    assert!(
        !u["generated"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["from"] == "/etc/netplan/50-cloud-init.yaml")
    );
    let ens5 = find(
        &uf,
        "host-network-config",
        "/etc/netplan/60-acme.yaml",
        Some("ens5"),
    );
    assert_eq!(ens5["line"], 4);
    assert_eq!(ens5["evidence"]["format"], "netplan");
    assert!(ens5["why"].as_str().unwrap().contains("netplan"));
    assert!(
        generated(&u, "/etc/NetworkManager/system-connections/ens5.nmconnection").contains(
            "[ipv4]\naddress1=10.50.0.4/24,10.50.0.1\ndns=10.50.0.2;\ndns-search=corp.example;\nmethod=manual\nroute1=10.60.0.0/16,10.50.0.254,100\n"
        )
    );
    assert!(generated(&u, "/etc/systemd/network/10-ens5.network").contains("VLAN=vlan20\n"));
    assert!(
        generated(&u, "/etc/systemd/network/10-ens6.network")
            .contains("Bond=bond1\nPrimarySlave=true\n")
    );
    assert!(generated(&u, "/etc/systemd/network/10-vlan20.netdev").contains("[VLAN]\nId=20\n"));
    // A name pattern is kept as one; a definition matched by MAC alone says so.
    assert_eq!(
        generated(&u, "/etc/systemd/network/10-lan.network"),
        "[Match]\nName=enp*\n\n[Network]\nDHCP=ipv4\n\n[DHCPv4]\nHostname=acme-web1\n"
    );
    let lan = generated(
        &u,
        "/etc/NetworkManager/system-connections/lan.nmconnection",
    );
    assert!(
        lan.contains("[match]\ninterface-name=enp*;\n") && !lan.contains("\ninterface-name=lan"),
        "{lan}"
    );
    assert!(lan.contains("dhcp-hostname=acme-web1\n"), "{lan}");
    let nic2 = find(
        &uf,
        "host-network-config",
        "/etc/netplan/70-lan.yaml",
        Some("nic2"),
    );
    assert!(
        nic2["evidence"]["not_converted"]
            .as_str()
            .unwrap()
            .starts_with("12: match macaddress 00:0d:3a:00:00:09 only"),
        "{nic2:#}"
    );
    assert!(
        generated(
            &r,
            "/etc/NetworkManager/system-connections/eth1.nmconnection"
        )
        .contains("dhcp-hostname=acme-db1\n")
    );
    let wifi = find(
        &uf,
        "host-network-config",
        "/etc/netplan/60-acme.yaml",
        Some("wlan0"),
    );
    assert_eq!(
        wifi["evidence"]["not_converted"],
        "38: wifis: wlan0 (not converted)"
    );
    assert!(wifi["evidence"]["generated"].is_null());
    let nm = find(
        &uf,
        "host-network-config",
        "/etc/NetworkManager/system-connections/acme-vpn.nmconnection",
        Some("acme-vpn"),
    );
    assert_eq!(nm["evidence"]["type"], "wireguard");
    assert!(
        !uf.iter().any(|f| f["path"]
            .as_str()
            .unwrap()
            .starts_with("/etc/systemd/network")),
        "systemd-networkd files carry over"
    );

    // Name resolution.
    let inet6 = find(
        &rf,
        "host-dns-config",
        "/etc/resolv.conf",
        Some("options inet6"),
    );
    assert_eq!(inet6["line"], 3);
    assert_eq!(inet6["severity"], "warning");
    let ns = find(
        &rf,
        "host-dns-config",
        "/etc/resolv.conf",
        Some("nameserver"),
    );
    assert_eq!(ns["severity"], "info");
    assert_eq!(ns["evidence"]["confidence"], "inferred");
    let rc = find(
        &uf,
        "host-dns-config",
        "/etc/resolv.conf",
        Some("resolvconf"),
    );
    assert_eq!(rc["evidence"]["link"], "../run/resolvconf/resolv.conf");

    // Firewalls.
    let ufw = find(&uf, "host-firewall-rules", "/etc/ufw/ufw.conf", Some("ufw"));
    assert_eq!(ufw["evidence"]["rules"], "2");
    assert!(ufw["fix"].as_str().unwrap().contains("firewall-cmd"));
    let v4 = find(
        &uf,
        "host-firewall-rules",
        "/etc/iptables/rules.v4",
        Some("iptables-persistent"),
    );
    assert_eq!(v4["evidence"]["rules"], "1");
    let nft = find(
        &uf,
        "host-firewall-rules",
        "/etc/nftables.conf",
        Some("nftables"),
    );
    assert_eq!(nft["evidence"]["confidence"], "medium");
    let ipt = find(
        &rf,
        "host-firewall-rules",
        "/etc/sysconfig/iptables",
        Some("iptables-services"),
    );
    assert_eq!(ipt["severity"], "info");
    assert_eq!(ipt["evidence"]["rules"], "2");
    // firewalld carries over; what its 2.x release dropped is named with its line.
    let zones = find(
        &rf,
        "host-firewall-rules",
        "/etc/firewalld",
        Some("firewalld"),
    );
    assert_eq!(zones["severity"], "info");
    assert_eq!(zones["evidence"]["rules"], "3");
    assert_eq!(zones["evidence"]["confidence"], "high");
    assert!(
        zones["fix"]
            .as_str()
            .unwrap()
            .contains("firewall-offline-cmd --check-config")
    );
    let backend = find(
        &rf,
        "host-firewall-rules",
        "/etc/firewalld/firewalld.conf",
        Some("FirewallBackend"),
    );
    assert_eq!(backend["line"], 2);
    assert_eq!(backend["evidence"]["confidence"], "inferred");
    let drift = find(
        &rf,
        "host-firewall-rules",
        "/etc/firewalld/firewalld.conf",
        Some("AllowZoneDrifting"),
    );
    assert_eq!(drift["line"], 3);
    assert!(drift["why"].as_str().unwrap().contains("2.0 removed"));
    let direct = find(
        &rf,
        "host-firewall-rules",
        "/etc/firewalld/direct.xml",
        Some("direct"),
    );
    assert_eq!(direct["evidence"]["rules"], "1");
}

/// `--write-fixes` writes every generated file with its mode; each NetworkManager keyfile loads
/// with `nmcli --offline` (NetworkManager's own keyfile parser, Debian's network-manager) and
/// keeps every setting it was given; the reports show the files as diffs.
#[test]
fn generated_network_files_are_written_and_load_in_networkmanager() {
    common::require_tool("nmcli");
    let dir = tempfile::tempdir().unwrap();
    let (rhel, ubuntu) = build_fixture(dir.path());
    for (root, min) in [(&rhel, 8), (&ubuntu, 6)] {
        let out = dir.path().join(format!(
            "fixes-{}",
            root.file_name().unwrap().to_string_lossy()
        ));
        let json = dir.path().join("r.json");
        let st = Command::cargo_bin("azl-compat")
            .unwrap()
            .arg("scan")
            .arg(root)
            .args(["--format", "json", "--quiet", "--write-fixes"])
            .arg(&out)
            .arg("-o")
            .arg(&json)
            .output()
            .unwrap();
        assert!(matches!(st.status.code(), Some(0 | 1)), "{st:?}");
        let r: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
        let gen_files = r["generated"].as_array().unwrap();
        let mut keyfiles = 0;
        for g in gen_files {
            let path = out.join(g["path"].as_str().unwrap().trim_start_matches('/'));
            let meta = std::fs::metadata(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
            let mode = std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o777;
            assert_eq!(
                format!("{mode:04o}"),
                g["mode"].as_str().unwrap(),
                "{path:?}"
            );
            if g["manager"] != "NetworkManager" {
                continue;
            }
            keyfiles += 1;
            let text = std::fs::read_to_string(&path).unwrap();
            common::assert_nmcli_loads(&text, &[], &format!("{path:?}"));
        }
        assert!(keyfiles >= min, "{root:?}: {keyfiles} keyfiles");
        // The reports show the generated files as diffs.
        let md = Command::cargo_bin("azl-compat")
            .unwrap()
            .args(["report", "--format", "md"])
            .arg(&json)
            .output()
            .unwrap();
        let md = String::from_utf8_lossy(&md.stdout);
        assert!(md.contains("## Generated configuration ("), "{md}");
        assert!(md.contains("+++ b/etc/systemd/network/"), "{md}");
        let html = Command::cargo_bin("azl-compat")
            .unwrap()
            .args(["report", "--format", "html"])
            .arg(&json)
            .output()
            .unwrap();
        assert!(String::from_utf8_lossy(&html.stdout).contains("<section id=\"generated\">"));
    }
}

/// Host findings are their own readiness area (declared by the host checks in the registry),
/// in the CSV column and the Markdown area table.
#[test]
fn host_findings_are_the_host_area() {
    let dir = tempfile::tempdir().unwrap();
    let (rhel, _) = build_fixture(dir.path());
    let csv = Command::cargo_bin("azl-compat")
        .unwrap()
        .arg("scan")
        .arg(&rhel)
        .args(["--format", "csv", "--quiet"])
        .output()
        .unwrap();
    let text = String::from_utf8(csv.stdout).unwrap();
    let rows = common::parse_csv(&text);
    let header = &rows[0];
    let code = header.iter().position(|h| h == "code").unwrap();
    let area = header.iter().position(|h| h == "area").unwrap();
    let host: Vec<&Vec<String>> = rows[1..]
        .iter()
        .filter(|r| r[code].starts_with("host-"))
        .collect();
    assert!(host.len() > 10, "{text}");
    for r in host {
        assert_eq!(r[area], "host", "{r:?}");
    }
    let md = Command::cargo_bin("azl-compat")
        .unwrap()
        .arg("scan")
        .arg(&rhel)
        .args(["--format", "md", "--quiet"])
        .output()
        .unwrap();
    let md = String::from_utf8(md.stdout).unwrap();
    assert!(md.lines().any(|l| l.starts_with("| host ")), "{md}");
}
