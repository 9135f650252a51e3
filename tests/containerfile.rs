//! `scan --containerfile`: a multi-stage Containerfile's final stage is rebased onto the
//! target's container image, its package installs onto the target's package manager with names
//! the pack ships; the diff `--write-fixes` writes applies with `patch`.

mod common;

use azl_compat::checks::containerfile::parse;
use azl_compat::knowledge::Pack;
use azl_compat::knowledge::which::Status;
use std::process::Command;

const CONTAINERFILE: &str = "# syntax=docker/dockerfile:1
FROM --platform=linux/amd64 golang:1.22 AS build
RUN apt-get update && apt-get install -y --no-install-recommends make libssl-dev
COPY . /src
RUN cd /src && make

FROM debian:bookworm-slim AS base
RUN apt-get update \\
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \\
      # the tools the entrypoint runs
      ca-certificates curl=7.88.1-10 python3 libxml2 \\
      no-such-package-xyz \\
 && apt-get clean \\
 && rm -rf /var/lib/apt/lists/*

FROM base
RUN yum install -y jq openssl && yum clean all
COPY --from=build /src/app /usr/local/bin/app
ENTRYPOINT [\"/usr/local/bin/app\"]
";

fn azl(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_azl-compat"))
        .args(args)
        .output()
        .unwrap()
}

/// The packages the `dnf install` commands of `instructions` install.
fn installed(text: &str, from_line: usize) -> Vec<String> {
    let pack = Pack::builtin();
    let install = format!("{} -y ", pack.target.install_command);
    let mut out = Vec::new();
    for i in parse(text).into_iter().filter(|i| i.first >= from_line) {
        if i.keyword != "RUN" {
            continue;
        }
        for cmd in i.args.split("&&") {
            // After any leading `VAR=value` words.
            if let Some(at) = cmd.find(&install) {
                let rest = &cmd[at + install.len()..];
                out.extend(rest.split_whitespace().map(str::to_string));
            }
        }
    }
    out
}

#[test]
fn the_migrated_containerfile_applies_and_installs_only_shipped_packages() {
    common::require_tool("patch");
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    std::fs::create_dir_all(root.join("etc")).unwrap();
    let work = dir.path().join("work");
    std::fs::create_dir(&work).unwrap();
    let file = work.join("Containerfile");
    std::fs::write(&file, CONTAINERFILE).unwrap();
    let fixes = dir.path().join("fixes");
    let out = azl(&[
        "scan",
        root.to_str().unwrap(),
        "--containerfile",
        file.to_str().unwrap(),
        "--format",
        "json",
        "--write-fixes",
        fixes.to_str().unwrap(),
    ]);
    // The unmapped package is a blocker: exit status 1.
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    common::assert_valid_report(&report);
    let findings = report["findings"].as_array().unwrap();
    let of = |code: &str| -> Vec<&serde_json::Value> {
        findings.iter().filter(|f| f["code"] == code).collect()
    };
    // The final stage derives from `base`: that stage is rebased, `build` is a build-time need.
    let base = of("containerfile-base-image");
    assert_eq!(base.len(), 1, "{findings:#?}");
    assert_eq!(base[0]["line"], 7);
    assert_eq!(base[0]["evidence"]["from"], "debian:bookworm-slim");
    let build = of("containerfile-build-stage");
    assert_eq!(build.len(), 1, "{findings:#?}");
    assert_eq!(build[0]["evidence"]["from"], "golang:1.22");
    let unmapped = of("containerfile-package-unmapped");
    assert_eq!(unmapped.len(), 1, "{findings:#?}");
    assert_eq!(unmapped[0]["subject"], "no-such-package-xyz");
    assert_eq!(
        of("containerfile-package-manager").len(),
        2,
        "{findings:#?}"
    );
    assert!(findings.iter().all(|f| f["path"] == file.to_str().unwrap()));

    // The diff applies with patch to a copy.
    let diff = fixes.join("Containerfile.diff");
    let copy = dir.path().join("copy");
    std::fs::create_dir(&copy).unwrap();
    std::fs::write(copy.join("Containerfile"), CONTAINERFILE).unwrap();
    let p = Command::new("patch")
        .args(["-p1", "--batch", "-i"])
        .arg(&diff)
        .current_dir(&copy)
        .output()
        .unwrap();
    assert!(p.status.success(), "{p:?}");
    let migrated = std::fs::read_to_string(copy.join("Containerfile")).unwrap();

    // The build stage is unchanged; no source package manager is left after it.
    let build_end = CONTAINERFILE
        .lines()
        .position(|l| l.contains("make"))
        .unwrap();
    assert!(migrated.contains(CONTAINERFILE.lines().nth(build_end).unwrap()));
    let after = migrated.find("AS base").unwrap();
    for m in ["apt-get", "yum "] {
        assert!(!migrated[after..].contains(m), "{m} left:\n{migrated}");
    }
    assert!(!migrated.contains("debian:bookworm-slim"), "{migrated}");
    let pack = Pack::builtin();
    let image = pack
        .profiles()
        .find(|p| p.name == base[0]["evidence"]["profile"])
        .unwrap();
    assert!(
        image.description.contains(
            migrated
                .lines()
                .find(|l| l.contains("AS base"))
                .unwrap()
                .split_whitespace()
                .nth(1)
                .unwrap()
        )
    );

    // Every package the migrated stages install is one the pack ships under that name.
    let from = migrated
        .lines()
        .position(|l| l.contains("AS base"))
        .unwrap()
        + 1;
    let names = installed(&migrated, from);
    for expected in ["ca-certificates", "curl", "jq", "openssl"] {
        assert!(names.iter().any(|n| n == expected), "{expected}: {names:?}");
    }
    assert!(names.len() >= 6, "{names:?}\n{migrated}");
    for n in &names {
        let a = pack.which(n).unwrap();
        assert_eq!(a.status, Status::Shipped, "{n}: {a:?}");
        assert!(a.packages.iter().any(|p| &p.name == n), "{n}: {a:?}");
    }
    assert!(!names.iter().any(|n| n.contains("no-such")), "{names:?}");
    assert!(
        migrated.contains("left out: no-such-package-xyz"),
        "{migrated}"
    );
}

#[test]
fn a_containerfile_on_the_target_needs_no_diff() {
    let pack = Pack::builtin();
    let image = pack
        .profiles()
        .find_map(|p| p.description.strip_prefix("container image "))
        .and_then(|d| d.split_whitespace().next())
        .unwrap()
        .to_string();
    let text = format!("FROM {image}\nRUN {} -y jq\n", pack.target.install_command);
    let m = azl_compat::checks::containerfile::migrate(pack, "Containerfile", &text);
    assert_eq!(m.migrated, text);
    assert!(m.findings.is_empty(), "{:?}", m.findings);
}

#[test]
fn a_containerfile_with_several_roots_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("Containerfile");
    std::fs::write(&file, "FROM ubuntu:22.04\n").unwrap();
    let d = dir.path().to_str().unwrap();
    let out = azl(&["scan", d, d, "--containerfile", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--containerfile"));
}
