//! The committed knowledge pack: it must equal a fresh build from the sources, and the embedded
//! copy must answer the facts the checks rely on.
//!
//! Regenerate the pack after the sources change with
//! `cargo test --test knowledge_pack -- --ignored regenerate_pack`.

mod common;

use azl_compat::knowledge::builder::build::build;
use azl_compat::knowledge::builder::manifest;
use azl_compat::knowledge::target::DEFAULT_TARGET as PACK_ID;
use azl_compat::knowledge::{BUILTIN, Channel, Pack};
use std::path::{Path, PathBuf};
use std::time::Instant;

fn committed_pack() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("knowledge")
        .join(PACK_ID)
}

/// The target's manifest (knowledge/targets/<id>/manifest.toml).
fn target_manifest() -> PathBuf {
    manifest::in_checkout(Path::new(env!("CARGO_MANIFEST_DIR")), PACK_ID)
}

/// The knowledge sources under the shared-data rule of tests/common (fail in CI, loud skip in a
/// fresh clone).
fn sources() -> Option<PathBuf> {
    common::knowledge_sources_dir(PACK_ID)
}

fn pack_files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn committed_pack_equals_a_fresh_build() {
    let Some(src) = sources() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let summary = build(&target_manifest(), &src, tmp.path()).expect("build from sources");
    eprintln!("{summary}");
    let committed = committed_pack();
    assert_eq!(
        pack_files(&committed),
        pack_files(tmp.path()),
        "file sets differ"
    );
    for file in pack_files(tmp.path()) {
        let fresh = std::fs::read(tmp.path().join(&file)).unwrap();
        let old = std::fs::read(committed.join(&file)).unwrap();
        assert!(
            fresh == old,
            "knowledge/{PACK_ID}/{file} is stale; regenerate with \
             `cargo test --test knowledge_pack -- --ignored regenerate_pack`"
        );
    }
    // A second build is byte-identical (determinism).
    let tmp2 = tempfile::tempdir().unwrap();
    build(&target_manifest(), &src, tmp2.path()).unwrap();
    for file in pack_files(tmp.path()) {
        assert_eq!(
            std::fs::read(tmp.path().join(&file)).unwrap(),
            std::fs::read(tmp2.path().join(&file)).unwrap(),
            "{file} differs between two builds"
        );
    }
}

/// Writes the pack into knowledge/azurelinux-4.0/ (run on purpose, with --ignored).
#[test]
#[ignore = "regenerates the committed pack"]
fn regenerate_pack() {
    let src = sources().expect("knowledge sources not found");
    let summary = build(&target_manifest(), &src, &committed_pack()).expect("build from sources");
    eprintln!("{summary}");
}

#[test]
fn load_time() {
    // Pack::builtin() parses BUILTIN once per process (other tests may already have done it),
    // so time the same parse directly.
    let t = Instant::now();
    let parsed = Pack::parse("builtin:azurelinux-4.0", &BUILTIN).expect("parse the embedded pack");
    let builtin_ms = t.elapsed().as_secs_f64() * 1e3;
    let t = Instant::now();
    let loaded = Pack::load(&committed_pack()).expect("load the committed pack");
    let load_ms = t.elapsed().as_secs_f64() * 1e3;
    eprintln!(
        "knowledge pack load time: embedded {builtin_ms:.1} ms, from directory {load_ms:.1} ms \
         ({} build)",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    );
    assert_eq!(loaded.id, parsed.id);
    assert_eq!(Pack::builtin().id, parsed.id);
    // Every call returns the same parsed pack.
    assert!(std::ptr::eq(Pack::builtin(), Pack::builtin()));
}

#[test]
fn builtin_pack_metadata() {
    let p = Pack::builtin();
    assert_eq!(p.id, "azurelinux-4.0");
    assert_eq!(p.name, "Azure Linux");
    assert_eq!(p.version, "4.0");
    assert_eq!(p.arches, ["x86_64", "aarch64"]);
    assert_eq!(p.baseline_packages, ["glibc"]);
    assert_eq!(
        p.provenance.get("upstream_commit").map(String::as_str),
        Some("afd2c0a114bf7233b17d9753bbaff3ae831a9bdb")
    );
    assert_eq!(
        p.provenance.get("upstream_branch").map(String::as_str),
        Some("tomls/base/main")
    );
    assert!(
        p.provenance
            .contains_key("sha256:azurelinux-4.0/packages.tsv")
    );
    for arch in ["x86_64", "aarch64"] {
        assert_eq!(p.default_search_dirs[arch], ["/lib64", "/usr/lib64"]);
    }
}

#[test]
fn builtin_pack_packages_and_sonames() {
    let p = Pack::builtin();
    let ssl = p.soname_providers("libssl.so.3");
    assert_eq!(ssl[0].package, "openssl-libs");
    assert!(!ssl[0].glob);
    let pkg = p.package("openssl-libs").unwrap();
    assert_eq!(pkg.channel, Channel::Base);
    assert_eq!(pkg.evr(), "1:3.5.4-3.azl4");
    assert_eq!(
        p.soname_providers("libcrypto.so.3")[0].package,
        "openssl-libs"
    );

    assert!(p.is_baseline_soname("libc.so.6"));
    assert!(p.is_baseline_soname("ld-linux-x86-64.so.2"));
    assert!(p.is_baseline_soname("ld-linux-aarch64.so.1"));
    assert!(!p.is_baseline_soname("libssl.so.3"));
    assert!(
        !p.is_baseline_soname("libnsl.so.1"),
        "libnsl is its own package"
    );

    let aio = p.soname_providers("libaio.so.1");
    assert!(!aio.is_empty(), "libaio.so.1 must be found");
    assert_eq!(aio[0].package, "libaio");
    assert!(p.soname_providers("libaio.so.1t64").is_empty());
    assert!(p.soname_providers("libssl.so.1.1").is_empty());
    assert!(p.package("compat-openssl11").is_none());

    // provides.tsv truncates to the first number; the resolved soname wins.
    assert_eq!(
        p.soname_providers("libpython3.14.so.1.0")[0].package,
        "python3-libs"
    );
    assert!(p.soname_providers("libpython3.14.so.1").is_empty());

    let py39 = p.package("python3.9").unwrap();
    assert_eq!(py39.channel, Channel::Sdk);
    assert!(py39.channel.shipped() && !py39.channel.supported());
    let java21 = p.package("java-21-openjdk").unwrap();
    assert_eq!(java21.channel, Channel::Unlisted);
    assert!(!java21.channel.shipped());

    // Unexpanded macros never become package names.
    assert!(p.package("%{source_name}-fonts-all").is_none());
}

#[test]
fn builtin_pack_paths() {
    let p = Pack::builtin();
    for q in ["/usr/sbin/sshd", "/sbin/sshd", "/usr/bin/sshd"] {
        let v = p.path_providers(q);
        assert_eq!(v.first().map(|x| x.package), Some("openssh-server"), "{q}");
    }
    assert_eq!(p.path_providers("/usr/bin/python3")[0].package, "python3");
    assert!(p.path_providers("/usr/bin/python2").is_empty());
    assert_eq!(p.path_providers("/bin/sh")[0].package, "bash");
    assert_eq!(p.path_providers("/usr/bin/env")[0].package, "coreutils");
    for (arch, interp) in [
        ("x86_64", "/lib64/ld-linux-x86-64.so.2"),
        ("aarch64", "/lib/ld-linux-aarch64.so.1"),
    ] {
        assert_eq!(p.dynamic_loaders[arch], interp);
        let v = p.path_providers(interp);
        assert_eq!(v[0].package, "glibc", "{interp}");
        assert_eq!(v[0].method, "abi", "{interp}");
    }
}

#[test]
fn builtin_pack_version_nodes() {
    let p = Pack::builtin();
    let libc = p.version_nodes("libc.so.6", "x86_64").unwrap();
    assert!(libc.nodes.contains("GLIBC_2.34"));
    assert!(libc.nodes.contains("GLIBC_2.2.5"));
    assert!(libc.nodes.contains("GLIBC_PRIVATE"));
    assert!(libc.nodes.contains("GLIBC_ABI_DT_RELR"));
    assert!(!libc.nodes.contains("GLIBC_2.99"));
    let libc_arm = p.version_nodes("libc.so.6", "aarch64").unwrap();
    assert!(libc_arm.nodes.contains("GLIBC_2.17"));
    assert!(!libc_arm.nodes.contains("GLIBC_2.2.5"));
    assert!(
        p.version_nodes("libpthread.so.0", "x86_64")
            .unwrap()
            .nodes
            .contains("GLIBC_PRIVATE")
    );

    let cxx = p.version_nodes("libstdc++.so.6", "x86_64").unwrap();
    assert!(cxx.nodes.contains("GLIBCXX_3.4.34"));
    assert!(cxx.nodes.contains("CXXABI_1.3.15"));
    assert!(!cxx.nodes.contains("GLIBCXX_3.4.35"));
    assert!(
        p.version_nodes("libgcc_s.so.1", "aarch64")
            .unwrap()
            .nodes
            .contains("GCC_3.0")
    );

    for arch in ["x86_64", "aarch64"] {
        let crypto = p.version_nodes("libcrypto.so.3", arch).unwrap();
        assert!(crypto.nodes.contains("OPENSSL_3.5.0"));
        assert!(crypto.nodes.contains("OPENSSL_3.0.0"));
        // Acceptance (issue 3): openssl-libs' libssl.so.3 defines OPENSSL_3.5.0.
        let ssl = p.version_nodes("libssl.so.3", arch).unwrap();
        assert!(ssl.nodes.contains("OPENSSL_3.5.0"), "{arch}");
    }
    // From the distro facts (arch `*`), with their status.
    let any = p
        .version_nodes("libOpenCL.so.1", "x86_64")
        .expect("libOpenCL.so.1 nodes");
    assert!(any.nodes.contains("OPENCL_1.0"));
    assert_eq!(
        p.version_node_status("libOpenCL.so.1", "aarch64", "OPENCL_1.0"),
        Some("exact")
    );
}
