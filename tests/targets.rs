//! Targets and profiles: every embedded pack parses and lints clean, the image profiles hold
//! what defaults.md lists, `--target ID[:PROFILE]` changes which packages count as installed
//! (end to end on a tiny tree), and unknown targets or profiles are usage errors (exit 2).

mod common;

use assert_cmd::Command;
use azl_compat::knowledge::builder::lint;
use azl_compat::knowledge::target::{self, DEFAULT_TARGET, TargetError};
use azl_compat::knowledge::{BUILTIN, Pack};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn run(args: &[&str]) -> (String, String, i32) {
    let out = Command::cargo_bin("azl-compat")
        .expect("binary")
        .args(args)
        .output()
        .expect("run");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().expect("exit code"),
    )
}

fn committed_pack() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge/azurelinux-4.0")
}

#[test]
fn every_embedded_pack_parses_and_lints_clean() {
    let targets = Pack::targets();
    assert!(targets.contains(&DEFAULT_TARGET), "{targets:?}");
    for id in targets {
        let p = Pack::builtin_by_id(id).expect("embedded");
        assert_eq!(p.id, id, "knowledge/{id}/pack.json has another id");
        // Parsed once: the same pack every time.
        assert!(std::ptr::eq(p, Pack::builtin_by_id(id).unwrap()));
        let report = lint::lint_builtin_id(id).expect("embedded");
        assert!(report.is_clean(), "{}", report.render_text());
    }
    assert!(Pack::builtin_by_id("fedora-43").is_none());
    assert!(std::ptr::eq(
        Pack::builtin(),
        Pack::builtin_by_id(DEFAULT_TARGET).unwrap()
    ));
}

#[test]
fn image_profiles_hold_the_image_package_lists() {
    let p = Pack::builtin();
    let names: Vec<&str> = p.profiles().map(|x| x.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "core",
            "distroless-base",
            "distroless-debug",
            "distroless-minimal",
            "vm-base"
        ]
    );
    let pkgs = |name: &str| {
        p.profiles()
            .find(|x| x.name == name)
            .unwrap()
            .package_names()
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
    };
    // defaults.md, container-base.kiwi: core = filesystem, bash, azurelinux-release-container.
    assert_eq!(
        pkgs("core"),
        ["azurelinux-release-container", "bash", "filesystem"]
    );
    // distroless-base adds glibc, libgcc, openssl-libs, setup to the distroless keep list;
    // the bootstrap busybox is autoremoved (only distroless-debug lists it as an image package).
    assert_eq!(
        pkgs("distroless-base"),
        [
            "azurelinux-release-container",
            "filesystem",
            "glibc",
            "libgcc",
            "openssl-libs",
            "setup",
            "tzdata"
        ]
    );
    assert!(pkgs("distroless-debug").contains(&"busybox".to_string()));
    assert!(!pkgs("distroless-minimal").contains(&"glibc".to_string()));
    // vm-base.kiwi: entries answered by a Provides: (zlib, wget, grub2, shim[x86_64]).
    let vm = pkgs("vm-base");
    for want in [
        "openssh-server",
        "dnf5",
        "zlib-ng-compat",
        "wget2-wget",
        "shim-x64",
        "kernel",
    ] {
        assert!(vm.contains(&want.to_string()), "vm-base lacks {want}");
    }
    let core = p.profiles().find(|x| x.name == "core").unwrap();
    assert!(
        core.description
            .contains("microsoft/azurelinux/base/core:4.0")
    );
}

#[test]
fn a_profile_extends_the_baseline_packages() {
    let plain = Pack::builtin();
    assert!(plain.profile().is_none());
    assert!(!plain.is_baseline_soname("libssl.so.3"));
    let p = Pack::parse("builtin:azurelinux-4.0", &BUILTIN)
        .unwrap()
        .with_profile("distroless-base")
        .unwrap();
    assert_eq!(p.profile().unwrap().name, "distroless-base");
    assert!(p.is_baseline_soname("libssl.so.3"));
    assert!(p.is_baseline_soname("libc.so.6"));
    assert!(p.in_profile("openssl-libs") && !p.in_profile("bash"));
    assert_eq!(
        p.baseline_packages.iter().filter(|b| *b == "glibc").count(),
        1
    );
    match Pack::parse("builtin:azurelinux-4.0", &BUILTIN)
        .unwrap()
        .with_profile("nope")
    {
        Err(TargetError::UnknownProfile { known, .. }) => {
            assert!(known.contains(&"distroless-base".to_string()))
        }
        other => panic!("expected UnknownProfile, got {other:?}"),
    }
    // --knowledge DIR with a target: the id must match, the profile applies.
    let dir = committed_pack();
    let p = target::select(Some("azurelinux-4.0:core"), Some(&dir)).unwrap();
    assert!(p.in_profile("bash"));
    let e = target::select(Some("other-4.0"), Some(&dir)).unwrap_err();
    assert!(matches!(e, TargetError::Mismatch { .. }), "{e}");
}

/// A tiny tree: `/opt/app/bin/run.sh` (`#!/bin/bash`) and `/opt/app/bin/needs-openssl3` (needs
/// libssl.so.3 with OPENSSL_3.0.0), the latter from the corpora/apptree fixture builder.
fn tiny_tree() -> tempfile::TempDir {
    let build = common::build_corpus_tree("apptree");
    let tree = tempfile::tempdir().unwrap();
    let bin = tree.path().join("opt/app/bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::copy(
        build.path().join("root/opt/acme/bin/needs-openssl3"),
        bin.join("needs-openssl3"),
    )
    .unwrap();
    std::fs::write(bin.join("run.sh"), "#!/bin/bash\nexec ./needs-openssl3\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(bin.join("run.sh"), std::fs::Permissions::from_mode(0o755)).unwrap();
    tree
}

fn scan(root: &Path, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["scan", root.to_str().unwrap(), "--format", "json", "-q"];
    args.extend_from_slice(extra);
    let (stdout, stderr, code) = run(&args);
    let v = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}), exit {code}: {stderr}\n{stdout}"));
    (code, v)
}

/// path -> (verdict, packages) of the report's binaries.
fn verdicts(v: &Value) -> Vec<(String, String, Vec<String>)> {
    v["binaries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            let pk = b["packages"]
                .as_array()
                .map(|a| a.iter().map(|p| p.as_str().unwrap().to_string()).collect())
                .unwrap_or_default();
            (
                b["path"].as_str().unwrap().to_string(),
                b["verdict"].as_str().unwrap().to_string(),
                pk,
            )
        })
        .collect()
}

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

#[test]
fn scan_with_a_profile_counts_the_image_packages_as_installed() {
    let tree = tiny_tree();
    let root = tree.path();
    let exe = "/opt/app/bin/needs-openssl3".to_string();
    let sh = "/opt/app/bin/run.sh".to_string();

    let (code, plain) = scan(root, &[]);
    assert_eq!(code, 0, "needs-packages is not a blocker");
    assert!(
        plain["target"].get("profile").is_none(),
        "{}",
        plain["target"]
    );
    assert_eq!(
        verdicts(&plain),
        [
            (exe.clone(), "needs-packages".into(), s(&["openssl-libs"])),
            (sh.clone(), "needs-packages".into(), s(&["bash"])),
        ]
    );
    assert_eq!(
        plain["summary"]["packages_to_install"],
        serde_json::json!(["bash", "openssl-libs"])
    );
    // --target with the default id is the plain target.
    let (_, same) = scan(root, &["--target", DEFAULT_TARGET]);
    assert_eq!(same, plain);

    // distroless-base has openssl-libs (and no bash).
    let (code, distroless) = scan(root, &["--target", "azurelinux-4.0:distroless-base"]);
    assert_eq!(code, 0);
    common::assert_valid_report(&distroless);
    assert_eq!(distroless["target"]["profile"], "distroless-base");
    assert_eq!(
        verdicts(&distroless),
        [
            (exe.clone(), "ok".into(), vec![]),
            (sh.clone(), "needs-packages".into(), s(&["bash"])),
        ]
    );
    assert_eq!(
        distroless["summary"]["packages_to_install"],
        serde_json::json!(["bash"])
    );
    // The distroless image has no package manager: the image build adds the package.
    let step = distroless["summary"]["install_step"].as_str().unwrap();
    assert!(step.starts_with("add bash in the image build"), "{step}");
    assert!(plain["summary"]["install_step"].is_null());
    // Every fix on that profile names the image build, never a `dnf install` run in the image.
    let install = &plain["target"]["facts"]["install_command"];
    let install = install.as_str().unwrap_or("dnf install");
    for f in distroless["findings"].as_array().unwrap() {
        let fix = f["fix"].as_str().unwrap_or("");
        assert!(
            !fix.starts_with(install),
            "{}: fix runs `{install}` in an image without a package manager: {fix}",
            f["code"]
        );
    }
    let sh_fix = distroless["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == sh.as_str())
        .and_then(|f| f["fix"].as_str())
        .unwrap();
    assert!(sh_fix.contains("add bash in the image build"), "{sh_fix}");
    // Each renderer shows the build step instead of the install line.
    for format in ["text", "markdown", "html"] {
        let (out, _, _) = run(&[
            "scan",
            root.to_str().unwrap(),
            "-q",
            "--format",
            format,
            "--target",
            "azurelinux-4.0:distroless-base",
        ]);
        assert!(
            out.contains("add bash in the image build"),
            "{format}: {out}"
        );
        assert!(!out.contains(&format!("{install} bash")), "{format}: {out}");
    }

    // core has bash (and no openssl-libs).
    let (_, core) = scan(root, &["--target", "azurelinux-4.0:core"]);
    assert_eq!(
        verdicts(&core),
        [
            (exe, "needs-packages".into(), s(&["openssl-libs"])),
            (sh, "ok".into(), vec![]),
        ]
    );

    // The text report names the profile.
    let (text, _, _) = run(&[
        "scan",
        root.to_str().unwrap(),
        "-q",
        "--target",
        "azurelinux-4.0:core",
    ]);
    assert!(text.contains("(x86_64), profile core"), "{text}");
}

#[test]
fn unknown_targets_and_profiles_exit_2_with_the_known_ones() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_str().unwrap();
    let (_, err, code) = run(&["scan", root, "--target", "azurelinux-4.0:nope"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("no profile `nope`") && err.contains("distroless-base, distroless-debug"),
        "{err}"
    );
    let (_, err, code) = run(&["scan", root, "--target", "fedora-43"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("unknown target `fedora-43`; known targets: azurelinux-4.0"),
        "{err}"
    );
    for args in [
        &["which", "bash", "--target", "fedora-43"][..],
        &["which", "bash", "--target", "azurelinux-4.0:nope"],
        &["knowledge", "info", "--target", "fedora-43"],
        &["knowledge", "lint", "--target", "fedora-43"],
    ] {
        let (_, err, code) = run(args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains("azurelinux-4.0"), "{args:?}: {err}");
    }
    // A pack directory of another id.
    let pack = committed_pack();
    let (_, err, code) = run(&[
        "which",
        "bash",
        "--knowledge",
        pack.to_str().unwrap(),
        "--target",
        "other-1",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("is `azurelinux-4.0`, not `other-1`"), "{err}");
}

#[test]
fn info_which_and_lint_take_a_target() {
    let (out, _, code) = run(&["knowledge", "info"]);
    assert_eq!(code, 0);
    assert!(
        out.starts_with("targets     azurelinux-4.0 (default)\n"),
        "{out}"
    );
    for want in [
        "profiles    core: 3 packages, container image microsoft/azurelinux/base/core:4.0",
        "distroless-base: 7 packages",
        "vm-base: ",
    ] {
        assert!(out.contains(want), "missing `{want}` in:\n{out}");
    }
    assert!(!out.contains("\nprofile     "), "{out}");
    let (out, _, code) = run(&["knowledge", "info", "--target", "azurelinux-4.0:core"]);
    assert_eq!(code, 0);
    assert!(
        out.contains(
            "\nprofile     core (installed: azurelinux-release-container, bash, filesystem)\n"
        ),
        "{out}"
    );

    let which = |extra: &[&str]| {
        let mut args = vec!["which", "libssl.so.3", "--format", "json"];
        args.extend_from_slice(extra);
        let (out, err, code) = run(&args);
        assert_eq!(code, 0, "{err}");
        serde_json::from_str::<Value>(&out).unwrap()["reason"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(!which(&[]).contains("installed"));
    let r = which(&["--target", "azurelinux-4.0:distroless-base"]);
    assert!(
        r.contains("provided by openssl-libs, installed in the distroless-base image"),
        "{r}"
    );

    let (out, _, code) = run(&["knowledge", "lint", "--target", DEFAULT_TARGET]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("builtin:azurelinux-4.0: 12 tables"), "{out}");
}
