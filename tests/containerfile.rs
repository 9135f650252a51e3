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
    // Only the advice that a smaller (distroless) image would do, with a build stage.
    assert!(
        m.findings
            .iter()
            .all(|f| f.code == azl_compat::findings::Code::ContainerfileSmallerProfile),
        "{:?}",
        m.findings
    );
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

/// Realistic Containerfiles: multi-stage Go, Node and Python builds, an Ubuntu one with apt-get
/// in heredocs and `RUN --mount`, a RHEL UBI one with microdnf.
const GO: &str = "FROM golang:1.22-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -o /out/server ./cmd/server

FROM debian:bookworm-slim
RUN apt-get update \\
 && apt-get install -y --no-install-recommends ca-certificates tzdata \\
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/server /usr/local/bin/server
USER 65532:65532
ENTRYPOINT [\"/usr/local/bin/server\"]
";

const NODE: &str = "FROM node:20-bookworm AS deps
WORKDIR /app
COPY package*.json ./
RUN npm ci --omit=dev

FROM node:20-bookworm-slim
RUN [\"apt-get\", \"update\"]
RUN [\"apt-get\", \"install\", \"-y\", \"--no-install-recommends\", \"curl\", \"nodejs\"]
RUN [\"/bin/sh\", \"-c\", \"apt-get clean && rm -rf /var/lib/apt/lists/*\"]
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY . .
CMD [\"node\", \"server.js\"]
";

const PYTHON: &str = "FROM python:3.12-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends gcc libpq-dev
COPY requirements.txt .
RUN pip wheel --wheel-dir /wheels -r requirements.txt

FROM python:3.12-slim
RUN <<EOF
set -eux
apt-get update
apt-get install -y --no-install-recommends libpq5 curl
rm -rf /var/lib/apt/lists/*
EOF
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*
CMD [\"python\", \"-m\", \"app\"]
";

const UBUNTU: &str = "# syntax=docker/dockerfile:1.7
FROM ubuntu:24.04
ARG DEBIAN_FRONTEND=noninteractive
RUN --mount=type=cache,target=/var/cache/apt <<-EOT bash
\tset -e
\tapt-get update
\tapt-get install -y \\
\t    nginx \\
\t    openssl
\tapt-get clean
\tEOT
COPY <<EOF /etc/nginx/conf.d/default.conf
server { listen 80; }
FROM inside-a-file
EOF
RUN bash <<'EOF'
apt-get install -y python3 python3-pip
echo \"apt-get is named here only as text\"
EOF
RUN cat > /usr/local/bin/setup <<'EOF'
apt-get install -y jq
EOF
CMD [\"nginx\", \"-g\", \"daemon off;\"]
";

const UBI: &str = "FROM registry.access.redhat.com/ubi9/ubi-minimal:9.4
RUN microdnf install -y --setopt=install_weak_deps=0 --nodocs shadow-utils procps-ng jq \\
 && microdnf clean all
RUN microdnf update -y && microdnf remove -y vim-minimal
USER 1001
";

/// Scan `text` as a Containerfile, apply the diff `--write-fixes` writes and return the report
/// and the migrated text (checked against the library's own migration).
fn migrate_cli(text: &str) -> (serde_json::Value, String) {
    common::require_tool("patch");
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    std::fs::create_dir_all(root.join("etc")).unwrap();
    let file = dir.path().join("Containerfile");
    std::fs::write(&file, text).unwrap();
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
    assert!(matches!(out.status.code(), Some(0 | 1)), "{out:?}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    common::assert_valid_report(&report);
    let copy = dir.path().join("copy");
    std::fs::create_dir(&copy).unwrap();
    std::fs::write(copy.join("Containerfile"), text).unwrap();
    let p = Command::new("patch")
        .args(["-p1", "--batch", "-i"])
        .arg(fixes.join("Containerfile.diff"))
        .current_dir(&copy)
        .output()
        .unwrap();
    assert!(p.status.success(), "{p:?}");
    let migrated = std::fs::read_to_string(copy.join("Containerfile")).unwrap();
    let lib = azl_compat::checks::containerfile::migrate(Pack::builtin(), "Containerfile", text);
    assert_eq!(migrated, lib.migrated);
    (report, migrated)
}

/// The packages the target's install command installs anywhere in `text` (shell form, exec
/// form, heredoc bodies).
fn all_installed(text: &str) -> Vec<String> {
    let pack = Pack::builtin();
    let install = format!("{} ", pack.target.install_yes(&[] as &[&str]));
    let flat = text
        .replace("\", \"", " ")
        .replace("[\"", " ")
        .replace("\"]", " ");
    let mut out = Vec::new();
    for (at, _) in flat.match_indices(&install) {
        let rest = &flat[at + install.len()..];
        let end = rest
            .find(['&', ';', '|', '\\', '\n', '"'])
            .unwrap_or(rest.len());
        out.extend(rest[..end].split_whitespace().map(str::to_string));
    }
    out
}

/// What every realistic Containerfile must show: the final stage rebased, each package the
/// rewrite installs shipped under that name, no source package manager left after the final
/// `FROM` except on lines a finding names as not rewritten, the migrated text parsed alike.
fn check_realistic(name: &str, text: &str) -> (Vec<serde_json::Value>, String) {
    let (report, migrated) = migrate_cli(text);
    let findings = report["findings"].as_array().unwrap().clone();
    let pack = Pack::builtin();
    let base: Vec<_> = findings
        .iter()
        .filter(|f| f["code"] == "containerfile-base-image")
        .collect();
    assert_eq!(base.len(), 1, "{name}: {findings:#?}");
    let image = base[0]["evidence"]["image"].as_str().unwrap();
    assert!(
        migrated.contains(&format!("FROM {image}")),
        "{name}:\n{migrated}"
    );
    assert_eq!(
        parse(&migrated).len(),
        parse(text).len(),
        "{name}:\n{migrated}"
    );
    let names = all_installed(&migrated);
    assert!(!names.is_empty(), "{name}:\n{migrated}");
    for n in &names {
        let a = pack.which(n).unwrap();
        assert_eq!(a.status, Status::Shipped, "{name}: {n}: {a:?}");
    }
    let kept: Vec<u64> = findings
        .iter()
        .filter(|f| f["evidence"]["reason"].is_string())
        .map(|f| f["line"].as_u64().unwrap())
        .collect();
    let ins = parse(&migrated);
    let last_from = ins.iter().rposition(|i| i.keyword == "FROM").unwrap();
    let src_ins = parse(text);
    let src_last_from = src_ins.iter().rposition(|i| i.keyword == "FROM").unwrap();
    for (i, orig) in ins[last_from..].iter().zip(&src_ins[src_last_from..]) {
        if i.keyword != "RUN" || kept.contains(&(orig.first as u64)) {
            continue;
        }
        let body: Vec<&str> = i
            .heredocs
            .iter()
            .flat_map(|h| h.body.iter().map(String::as_str))
            .collect();
        let all = format!("{} {}", i.args, body.join("\n"));
        for m in [
            "apt-get install",
            "apt-get update",
            "microdnf",
            "yum ",
            "apk add",
        ] {
            assert!(!all.contains(m), "{name}: {m} left in {i:?}\n{migrated}");
        }
    }
    (findings, migrated)
}

#[test]
fn realistic_containerfiles_migrate_in_every_run_form() {
    let pack = Pack::builtin();
    let t = &pack.target;

    let (f, go) = check_realistic("go", GO);
    // The final stage only installs packages: a distroless image would do, with the installs
    // in a build stage on the rebased image.
    let smaller: Vec<_> = f
        .iter()
        .filter(|f| f["code"] == "containerfile-smaller-profile")
        .collect();
    assert_eq!(smaller.len(), 1, "{f:#?}");
    let q = pack
        .profiles()
        .find(|p| p.name == smaller[0]["evidence"]["profile"])
        .unwrap();
    assert!(!pack.profile_has_package_manager(q));
    assert!(
        q.description
            .contains(smaller[0]["evidence"]["image"].as_str().unwrap())
    );
    let fix = smaller[0]["fix"].as_str().unwrap();
    assert!(
        fix.contains("build stage") && fix.contains("--installroot"),
        "{fix}"
    );
    assert!(
        smaller[0]["evidence"]["missing"]
            .as_str()
            .unwrap()
            .contains("ca-certificates"),
        "{smaller:#?}"
    );
    assert!(go.contains("golang:1.22-bookworm AS build"), "{go}");
    assert!(go.contains("RUN CGO_ENABLED=0 go build"), "{go}");
    assert!(go.contains(&t.refresh_command), "{go}");

    let (f, node) = check_realistic("node", NODE);
    let exec: Vec<&str> = t.refresh_command.split_whitespace().collect();
    assert!(
        node.contains(&format!("RUN [\"{}\"]", exec.join("\", \""))),
        "{node}"
    );
    assert!(node.contains("\"-c\", \""), "{node}");
    assert!(node.contains(&t.clean_command), "{node}");
    assert!(
        f.iter()
            .filter(|f| f["code"] == "containerfile-package-manager")
            .all(|f| f["evidence"]["form"] == "exec-form"),
        "{f:#?}"
    );

    let (f, python) = check_realistic("python", PYTHON);
    assert!(python.contains("RUN <<EOF\nset -eux\n"), "{python}");
    assert!(
        python.contains("rm -rf /var/lib/apt/lists/*\nEOF\n"),
        "{python}"
    );
    assert!(
        f.iter()
            .any(|f| f["code"] == "containerfile-package-manager"
                && f["evidence"]["form"] == "heredoc"),
        "{f:#?}"
    );
    // `pip install` needs the image's shell and tools: no distroless advice.
    assert!(
        !f.iter()
            .any(|f| f["code"] == "containerfile-smaller-profile"),
        "{f:#?}"
    );
    // The build stage keeps its apt-get.
    assert!(python.contains("apt-get install -y --no-install-recommends gcc libpq-dev"));

    let (f, ubuntu) = check_realistic("ubuntu", UBUNTU);
    assert!(
        ubuntu.contains("RUN --mount=type=cache,target=/var/cache/apt <<-EOT bash\n\tset -e\n"),
        "{ubuntu}"
    );
    assert!(
        ubuntu.contains(&format!("\t{}\n", t.install_yes(&["nginx", "openssl"]))),
        "{ubuntu}"
    );
    assert!(ubuntu.contains("\tEOT\n"), "{ubuntu}");
    // A file written by COPY or by `cat` is not a script of the image build.
    assert!(
        ubuntu.contains("server { listen 80; }\nFROM inside-a-file\nEOF\n"),
        "{ubuntu}"
    );
    assert!(
        ubuntu.contains("echo \"apt-get is named here only as text\""),
        "{ubuntu}"
    );
    let kept: Vec<&serde_json::Value> = f
        .iter()
        .filter(|f| f["evidence"]["reason"].is_string())
        .collect();
    assert_eq!(kept.len(), 1, "{kept:#?}");
    assert_eq!(kept[0]["line"], 20);
    assert!(
        ubuntu.contains("RUN cat > /usr/local/bin/setup <<'EOF'\napt-get install -y jq\nEOF\n")
    );

    let (_, ubi) = check_realistic("ubi", UBI);
    assert!(ubi.contains(&t.clean_command), "{ubi}");
    assert!(ubi.contains(&t.upgrade_command), "{ubi}");
    assert!(!ubi.contains("ubi-minimal"), "{ubi}");
}
