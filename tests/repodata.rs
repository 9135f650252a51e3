//! `azl-compat knowledge import --repodata`: end to end from real RPM packages, built here with
//! rpmbuild (shared libraries compiled with gcc, so sonames and version nodes come from rpm's
//! own dependency generator), indexed with createrepo_c (gzip and xz; zstd by recompressing),
//! imported into a pack that must lint clean and answer `which` like the built-in pack for what
//! both know.
//!
//! Needs `rpmbuild` (Debian package `rpm`), `createrepo_c` (`createrepo-c`), `gcc` and `zstd`.
//! `scripts/test` installs them; a missing one fails the tests, never skips them.

mod common;

use assert_cmd::Command;
use azl_compat::knowledge::Pack;
use azl_compat::knowledge::builder::repodata::{ImportOptions, RepoSpec, import};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The tools the fixture needs; a missing one fails the test (tests/common).
fn require_tools() {
    for tool in ["rpmbuild", "createrepo_c", "gcc", "zstd", "sha256sum"] {
        common::require_tool(tool);
    }
}

fn sh(dir: &Path, script: &str) {
    let out = std::process::Command::new("sh")
        .args(["-c", script])
        .current_dir(dir)
        .output()
        .expect("sh");
    assert!(
        out.status.success(),
        "`{script}` failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A binary package: the spec's `%package -n NAME` of source `src`.
struct Rpm {
    src: &'static str,
    name: &'static str,
    epoch: u32,
    version: &'static str,
    release: &'static str,
    /// Extra preamble lines of the subpackage (Provides, Obsoletes).
    tags: &'static [&'static str],
    /// Shared libraries: (file in %{_libdir}, soname, version nodes).
    libs: &'static [(&'static str, &'static str, &'static [&'static str])],
    /// Scripts to install (absolute paths).
    scripts: &'static [&'static str],
}

/// Facts shaped like Azure Linux 4.0's (same names, EVRs, sonames, nodes and capabilities as
/// the knowledge sources), so both packs can be asked the same questions.
const BASE: &[Rpm] = &[
    Rpm {
        src: "glibc",
        name: "glibc",
        epoch: 0,
        version: "2.42",
        release: "10.azl4",
        tags: &[],
        libs: &[
            ("libc.so.6", "libc.so.6", &["GLIBC_2.2.5", "GLIBC_2.34"]),
            ("ld-linux-x86-64.so.2", "ld-linux-x86-64.so.2", &[]),
        ],
        scripts: &["/usr/sbin/ldconfig"],
    },
    Rpm {
        src: "openssl",
        name: "openssl-libs",
        epoch: 1,
        version: "3.5.4",
        release: "3.azl4",
        tags: &[],
        libs: &[
            (
                "libssl.so.3",
                "libssl.so.3",
                &["OPENSSL_3.0.0", "OPENSSL_3.5.0"],
            ),
            ("libcrypto.so.3", "libcrypto.so.3", &["OPENSSL_3.0.0"]),
        ],
        scripts: &[],
    },
    Rpm {
        src: "dnf5",
        name: "dnf5",
        epoch: 0,
        version: "5.2.18.0",
        release: "2.azl4",
        tags: &[
            "Provides: dnf = %{version}-%{release}",
            "Provides: yum = %{version}-%{release}",
            "Provides: tdnf = %{version}-%{release}",
            "Obsoletes: dnf < 5",
            "Obsoletes: yum < 5",
        ],
        libs: &[],
        scripts: &["/usr/bin/dnf5", "/usr/bin/dnf", "/usr/bin/yum"],
    },
    Rpm {
        src: "initscripts",
        name: "initscripts",
        epoch: 0,
        version: "10.27",
        release: "2.azl4",
        tags: &["Obsoletes: network-scripts < 10.25-1"],
        libs: &[],
        scripts: &["/usr/libexec/initscripts/legacy-actions"],
    },
    Rpm {
        src: "openssh",
        name: "openssh-server",
        epoch: 0,
        version: "10.0p1",
        release: "7.azl4",
        tags: &[],
        libs: &[],
        scripts: &["/usr/sbin/sshd"],
    },
];

const SDK: &[Rpm] = &[Rpm {
    src: "python3.9",
    name: "python3.9",
    epoch: 0,
    version: "3.9.25",
    release: "7.azl4",
    tags: &[],
    libs: &[],
    scripts: &["/usr/bin/python3.9"],
}];

fn spec(r: &Rpm) -> String {
    let epoch = if r.epoch > 0 {
        format!("Epoch: {}\n", r.epoch)
    } else {
        String::new()
    };
    let head = format!(
        "Name: {}\nVersion: {}\nRelease: {}\n{epoch}Summary: test\nLicense: MIT\n",
        r.src, r.version, r.release
    );
    // The binary package is the main one, or a `-n` subpackage (then the main package has no
    // %files and is not built).
    let (files_of, mut s) = if r.name == r.src {
        (
            String::new(),
            format!("{head}{}\n%description\ntest\n", r.tags.join("\n")),
        )
    } else {
        (
            format!(" -n {}", r.name),
            format!(
                "{head}%description\ntest\n%package -n {}\nSummary: test\n{}\n\
                 %description -n {}\ntest\n",
                r.name,
                r.tags.join("\n"),
                r.name
            ),
        )
    };
    s.push_str("%prep\n%build\n");
    for (file, soname, nodes) in r.libs {
        // One exported function per node, each node inheriting the previous one.
        let mut map = String::new();
        let mut c = String::from("int base_fn(void){return 0;}\n");
        let mut prev = String::new();
        for (i, n) in nodes.iter().enumerate() {
            map.push_str(&format!(
                "{n} {{ global: f{i}; {}}} {prev};\n",
                if i == 0 { "local: *; " } else { "" }
            ));
            c.push_str(&format!("int f{i}(void){{return {i};}}\n"));
            prev = n.to_string();
        }
        let vs = if nodes.is_empty() {
            String::new()
        } else {
            s.push_str(&format!("cat > {file}.map <<'EOF'\n{map}EOF\n"));
            format!(" -Wl,--version-script={file}.map")
        };
        s.push_str(&format!(
            "cat > {file}.c <<'EOF'\n{c}EOF\ngcc -shared -fPIC -nostdlib -Wl,-soname,{soname}{vs} -o {file} {file}.c\n"
        ));
    }
    s.push_str("%install\nmkdir -p %{buildroot}%{_libdir}\n");
    for (file, _, _) in r.libs {
        s.push_str(&format!(
            "install -m755 {file} %{{buildroot}}%{{_libdir}}/{file}\n"
        ));
    }
    for path in r.scripts {
        s.push_str(&format!(
            "mkdir -p %{{buildroot}}$(dirname {path})\nprintf '#!/bin/sh\\nexit 0\\n' > %{{buildroot}}{path}\nchmod 755 %{{buildroot}}{path}\n"
        ));
    }
    s.push_str(&format!("%files{files_of}\n"));
    for (file, _, _) in r.libs {
        s.push_str(&format!("%{{_libdir}}/{file}\n"));
    }
    for path in r.scripts {
        s.push_str(&format!("{path}\n"));
    }
    s
}

/// Build the RPMs of `rpms` into `dir/<repo>/` and index them with createrepo_c.
fn make_repo(dir: &Path, repo: &str, rpms: &[Rpm], createrepo_args: &str) -> PathBuf {
    let top = dir.join("top");
    let out = dir.join(repo);
    std::fs::create_dir_all(&out).unwrap();
    for r in rpms {
        let spec_path = dir.join(format!("{}.spec", r.name));
        std::fs::write(&spec_path, spec(r)).unwrap();
        sh(
            dir,
            &format!(
                "rpmbuild -bb --quiet --define '_topdir {}' --define 'debug_package %{{nil}}' \
                 --define '_build_id_links none' {} && mv {}/RPMS/*/{}-*.rpm {}/",
                top.display(),
                spec_path.display(),
                top.display(),
                r.name,
                out.display()
            ),
        );
    }
    sh(
        dir,
        &format!(
            "createrepo_c --quiet --no-database {createrepo_args} {}",
            out.display()
        ),
    );
    out
}

struct Fixture {
    _tmp: tempfile::TempDir,
    base: PathBuf,
    sdk: PathBuf,
    /// The base repository with primary and filelists recompressed with zstd.
    base_zstd: PathBuf,
    /// The pack imported from `base` (gzip) and `sdk=` (xz).
    pack: PathBuf,
}

/// Built once for all tests of this file.
fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        require_tools();
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path().to_path_buf();
        let base = make_repo(&d, "base", BASE, "");
        let sdk = make_repo(&d, "sdk", SDK, "--general-compress-type=xz");
        // zstd: createrepo_c 0.17 cannot write it; recompress and fix repomd.xml.
        let base_zstd = d.join("base-zstd");
        sh(
            &d,
            &format!("cp -r {} {}", base.display(), base_zstd.display()),
        );
        let repodata = base_zstd.join("repodata");
        let mut repomd = std::fs::read_to_string(repodata.join("repomd.xml")).unwrap();
        for kind in ["primary", "filelists"] {
            let gz = std::fs::read_dir(&repodata)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .find(|n| n.ends_with(&format!("-{kind}.xml.gz")))
                .unwrap();
            let zst = format!("{kind}.xml.zst");
            sh(
                &repodata,
                &format!("gzip -dc {gz} | zstd -q -o {zst} && rm {gz}"),
            );
            let out = std::process::Command::new("sha256sum")
                .arg(repodata.join(&zst))
                .output()
                .unwrap();
            let sum = String::from_utf8_lossy(&out.stdout)
                .split_whitespace()
                .next()
                .unwrap()
                .to_string();
            let old_sum = gz.split('-').next().unwrap().to_string();
            repomd = repomd
                .replace(&format!("repodata/{gz}"), &format!("repodata/{zst}"))
                .replace(&format!(">{old_sum}<"), &format!(">{sum}<"));
        }
        std::fs::write(repodata.join("repomd.xml"), repomd).unwrap();

        let pack = d.join("pack");
        let (out, err, code) = run(&[
            "knowledge",
            "import",
            "--repodata",
            base.to_str().unwrap(),
            &format!("sdk={}", sdk.display()),
            "--out",
            pack.to_str().unwrap(),
            "--id",
            "test-repos",
        ]);
        assert_eq!(code, 0, "import failed: {out}{err}");
        assert!(out.contains("6 packages"), "{out}");
        Fixture {
            _tmp: tmp,
            base,
            sdk,
            base_zstd,
            pack,
        }
    })
}

fn run(args: &[&str]) -> (String, String, i32) {
    let out = Command::cargo_bin("azl-compat")
        .unwrap()
        .args(args)
        .output()
        .unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap(),
    )
}

fn opts(id: &str) -> ImportOptions {
    ImportOptions::like(id, azl_compat::knowledge::Pack::builtin())
}

#[test]
fn imported_pack_lints_clean_and_holds_the_rpm_facts() {
    let f = fixture();
    let (out, _, code) = run(&["knowledge", "lint", "--knowledge", f.pack.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(": 5 tables, ") && out.contains(": 0 errors, 0 warnings"),
        "{out}"
    );

    let pack = Pack::load(&f.pack).expect("load the imported pack");
    assert_eq!(pack.id, "test-repos");
    let arch = pack.arches[0].clone();
    let ssl = pack.package("openssl-libs").unwrap();
    assert_eq!(ssl.evr(), "1:3.5.4-3.azl4");
    assert_eq!(ssl.component, "openssl");
    assert_eq!(pack.package("python3.9").unwrap().channel.as_str(), "sdk");
    let nodes = pack.version_nodes("libssl.so.3", &arch).unwrap();
    assert!(nodes.nodes.contains("OPENSSL_3.5.0"), "{nodes:?}");
    assert_eq!(nodes.source, "repodata");
    assert!(
        pack.version_nodes("libc.so.6", &arch)
            .unwrap()
            .nodes
            .contains("GLIBC_2.34")
    );
    assert!(pack.is_baseline_soname("libc.so.6"));
    assert_eq!(pack.loader_paths(), ["/usr/lib64/ld-linux-x86-64.so.2"]);
    let caps = pack.capabilities("yum");
    assert!(
        caps.iter()
            .any(|c| c.kind == "explicit" && c.package == "dnf5")
    );
    assert!(
        caps.iter()
            .any(|c| c.kind == "obsoletes" && c.op == "<" && c.version == "5")
    );
    // Version-less self provides and rpmlib() requires are not capabilities.
    assert!(pack.capabilities("openssl-libs").is_empty());
    assert!(!pack.has_debian_map());
}

/// What `which` says, reduced to what both packs can know.
fn essence(v: &Value) -> String {
    let first = &v["packages"][0];
    format!(
        "{} {} {} {} {} alt={}",
        v["status"].as_str().unwrap(),
        v["kind"].as_str().unwrap(),
        first["name"].as_str().unwrap_or("-"),
        first["evr"].as_str().unwrap_or("-"),
        first["channel"].as_str().unwrap_or("-"),
        v["alternatives"][0]["name"].as_str().unwrap_or("-"),
    )
}

#[test]
fn which_answers_alike_from_the_builtin_and_the_imported_pack() {
    let f = fixture();
    let builtin = Pack::builtin();
    let imported = Pack::load(&f.pack).unwrap();
    let mut diffs = Vec::new();
    for term in [
        "openssl-libs",
        "libssl.so.3",
        "libcrypto.so.3",
        "libc.so.6",
        "yum",
        "dnf",
        "tdnf",
        "network-scripts",
        "/usr/sbin/sshd",
        "sshd",
        "python3.9",
        "libssl.so.1.1",
        "compat-openssl11",
        "/usr/sbin/ntpd",
    ] {
        let a = serde_json::to_value(builtin.which(term).unwrap()).unwrap();
        let b = serde_json::to_value(imported.which(term).unwrap()).unwrap();
        if essence(&a) != essence(&b) {
            diffs.push(format!(
                "{term}: builtin `{}`, imported `{}`",
                essence(&a),
                essence(&b)
            ));
        }
    }
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));

    // The same through the command line, with exit statuses.
    let dir = f.pack.to_str().unwrap();
    let (out, _, code) = run(&[
        "which",
        "libssl.so.1.1",
        "--knowledge",
        dir,
        "--format",
        "json",
    ]);
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["pack"], "test-repos");
    assert_eq!(v["alternatives"][0]["name"], "libssl.so.3");
    let (_, _, code) = run(&["which", "network-scripts", "--knowledge", dir]);
    assert_eq!(code, 0);
}

/// The pack's tables (pack.json aside: its provenance names the metadata files).
fn tables(dir: &Path) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "tsv"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn gzip_xz_and_zstd_metadata_give_the_same_pack() {
    let f = fixture();
    let tmp = tempfile::tempdir().unwrap();
    let sdk = RepoSpec::parse(&format!("sdk={}", f.sdk.display()));
    let gz = tmp.path().join("gz");
    let zst = tmp.path().join("zst");
    let again = tmp.path().join("again");
    let base = RepoSpec::parse(f.base.to_str().unwrap());
    let s1 = import(&[base.clone(), sdk.clone()], &gz, &opts("test-repos")).unwrap();
    // The repodata directory and the repomd.xml file name the repository too.
    let zstd_repomd = RepoSpec::parse(f.base_zstd.join("repodata/repomd.xml").to_str().unwrap());
    let s2 = import(&[zstd_repomd, sdk.clone()], &zst, &opts("test-repos")).unwrap();
    assert_eq!(s1, s2);
    assert_eq!(tables(&gz), tables(&zst));
    assert_eq!(tables(&gz), tables(&f.pack));
    // Deterministic: byte-identical pack.json too.
    let base_dir = RepoSpec::parse(f.base.join("repodata").to_str().unwrap());
    import(&[base_dir, sdk], &again, &opts("test-repos")).unwrap();
    assert_eq!(
        std::fs::read(gz.join("pack.json")).unwrap(),
        std::fs::read(again.join("pack.json")).unwrap()
    );
    assert!(Pack::load(&zst).is_ok());
}

#[test]
fn corrupt_metadata_is_refused() {
    let f = fixture();
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join("repo");
    sh(
        tmp.path(),
        &format!("cp -r {} {}", f.base.display(), copy.display()),
    );
    let repodata = copy.join("repodata");
    let primary = std::fs::read_dir(&repodata)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with("-primary.xml.gz"))
        .unwrap();
    let mut bytes = std::fs::read(&primary).unwrap();
    let n = bytes.len();
    bytes[n - 10] ^= 0xff;
    std::fs::write(&primary, bytes).unwrap();
    let (_, err, code) = run(&[
        "knowledge",
        "import",
        "--repodata",
        copy.to_str().unwrap(),
        "--out",
        tmp.path().join("out").to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("sha256"), "{err}");
    let (_, err, code) = run(&[
        "knowledge",
        "import",
        "--repodata",
        tmp.path().join("nothing").to_str().unwrap(),
        "--out",
        tmp.path().join("out").to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("repomd.xml"), "{err}");
}
