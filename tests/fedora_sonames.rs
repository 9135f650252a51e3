//! Fedora-family sonames, never Debian's (issue 9): probe programs built here with `gcc`
//! need the sonames Fedora-family packages ship (`libbz2.so.1`, `libsasl2.so.3`,
//! `libpcap.so.1`) and are not "breaks"; the Debian-only names (`libbz2.so.1.0`,
//! `libcurl-gnutls.so.4`) are. Stub libraries with those sonames are linked in a build
//! directory outside the scanned tree, so only the DT_NEEDED entries move.
//!
//! Needs `gcc`; without it the test fails, it never skips.

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;
use std::process::Command as Proc;

fn run(cmd: &mut Proc) {
    let out = cmd.output().expect("run gcc");
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Build `root/opt/probe/bin/<name>`, linked against a stub library whose soname is `soname`.
fn probe(build: &Path, root: &Path, name: &str, soname: &str) {
    let c = build.join(format!("{name}.c"));
    std::fs::write(build.join("stub.c"), "int stub_fn(void) { return 0; }\n").unwrap();
    std::fs::write(
        &c,
        "int stub_fn(void);\nint main(void) { return stub_fn(); }\n",
    )
    .unwrap();
    let lib_dir = build.join(name);
    std::fs::create_dir_all(&lib_dir).unwrap();
    run(Proc::new("gcc")
        .args(["-shared", "-fPIC", "-o"])
        .arg(lib_dir.join("libstub.so"))
        .arg(format!("-Wl,-soname,{soname}"))
        .arg(build.join("stub.c")));
    let bin = root.join("opt/probe/bin");
    std::fs::create_dir_all(&bin).unwrap();
    run(Proc::new("gcc")
        .arg("-o")
        .arg(bin.join(name))
        .arg(&c)
        .arg("-L")
        .arg(&lib_dir)
        .arg("-lstub"));
}

#[test]
fn fedora_family_sonames_resolve_and_debian_only_ones_break() {
    let dir = tempfile::tempdir().unwrap();
    let (build, root) = (dir.path().join("build"), dir.path().join("root"));
    std::fs::create_dir_all(&build).unwrap();
    // (program, soname it needs, expected verdict)
    let cases = [
        ("needs-bz2", "libbz2.so.1", "needs-packages"),
        ("needs-sasl", "libsasl2.so.3", "needs-packages"),
        ("needs-pcap", "libpcap.so.1", "needs-packages"),
        // Debian's names: Fedora-family packages do not have them.
        ("needs-bz2-debian", "libbz2.so.1.0", "breaks"),
        ("needs-sasl-debian", "libsasl2.so.2", "breaks"),
        ("needs-pcap-debian", "libpcap.so.0.8", "breaks"),
        // Debian's GnuTLS build of curl: no Azure Linux package provides it.
        ("needs-curl-gnutls", "libcurl-gnutls.so.4", "breaks"),
        // The same library under its Fedora name is shipped.
        ("needs-curl", "libcurl.so.4", "needs-packages"),
    ];
    for (name, soname, _) in cases {
        probe(&build, &root, name, soname);
    }
    let out = Command::cargo_bin("azl-compat")
        .unwrap()
        .arg("scan")
        .arg(&root)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON report on stdout");
    let binaries = report["binaries"].as_array().expect("binaries");
    for (name, soname, verdict) in cases {
        let path = format!("/opt/probe/bin/{name}");
        let b = binaries
            .iter()
            .find(|b| b["path"] == path.as_str())
            .unwrap_or_else(|| panic!("{path} not judged"));
        assert_eq!(b["verdict"], verdict, "{path} (needs {soname}): {b}");
    }
    // The fix for a Debian-only name names the Fedora-family one, a real soname.
    let findings = report["findings"].as_array().expect("findings");
    let fix_of = |path: &str| {
        findings
            .iter()
            .find(|f| f["path"] == path && f["code"] == "elf-library-missing")
            .and_then(|f| f["fix"].as_str())
            .unwrap_or_default()
            .to_string()
    };
    assert!(
        fix_of("/opt/probe/bin/needs-bz2-debian").contains("libbz2.so.1 (bzip2-libs"),
        "{}",
        fix_of("/opt/probe/bin/needs-bz2-debian")
    );
    assert!(
        fix_of("/opt/probe/bin/needs-sasl-debian").contains("libsasl2.so.3 (cyrus-sasl-lib"),
        "{}",
        fix_of("/opt/probe/bin/needs-sasl-debian")
    );
}
