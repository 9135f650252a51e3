//! A Containerfile (Dockerfile) rebased onto the target's container images (docs/images.md,
//! "Containerfiles"): the final stage's `FROM` becomes the image of the target profile that
//! fits (the pack's profiles name their images), its `RUN` package-manager commands become the
//! target's package manager with each package name answered by `which` (the pack's own names,
//! `Provides:`/`Obsoletes:`, the Debian map); names the target lacks are left out of the line
//! and flagged. Build stages (every stage the final one does not derive from) stay as they are
//! and are reported as build-time needs.
//!
//! The parser follows the Dockerfile rules that matter here: `\` continues a line, a `#` line is
//! a comment (also inside a continued instruction), keywords are case-insensitive, `FROM
//! [--platform=P] IMAGE [AS NAME]` starts a stage. Shell-form `RUN` only: exec-form and heredoc
//! `RUN`s are left as they are.

use super::interface::{Area, Check, Input, Meta, Needs, Sink};
use crate::findings::{Code, Finding};
use crate::knowledge::Pack;
use crate::knowledge::which::Status;
use std::collections::BTreeMap;

/// The check: a Containerfile's base images and package-manager commands.
pub static CHECK: Check = Check {
    meta: Meta {
        id: "containerfile",
        summary: "a Containerfile's base images and package installs rebased onto the target",
        area: Area::Packages,
        needs: Needs::Containerfile,
        codes: &[
            Code::ContainerfileBaseImage,
            Code::ContainerfileBuildStage,
            Code::ContainerfilePackageManager,
            Code::ContainerfilePackageUnmapped,
        ],
        reuses: &[],
        file: "src/checks/containerfile.rs",
    },
    run,
};

fn run(input: &Input, out: &mut Sink) {
    if let Input::Containerfile { pack, path, text } = input {
        out.extend(migrate(pack, path, text).findings);
    }
}

/// Judge the Containerfile `text` (shown as `path`) through the registered checks.
pub fn judge(pack: &Pack, path: &str, text: &str) -> Vec<Finding> {
    let input = Input::Containerfile { pack, path, text };
    super::registry::run(&input)
        .into_iter()
        .flat_map(|s| s.findings())
        .collect()
}

/// The largest Containerfile read.
pub const MAX_BYTES: u64 = 1 << 20;

/// One instruction: its keyword (upper case), its arguments (continuations joined) and the
/// 1-based lines it spans.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instruction {
    pub keyword: String,
    pub args: String,
    pub first: usize,
    pub last: usize,
}

/// Split `text` into instructions.
pub fn parse(text: &str) -> Vec<Instruction> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let t = lines[i].trim();
        if t.is_empty() || t.starts_with('#') {
            i += 1;
            continue;
        }
        let first = i;
        let mut joined = String::new();
        loop {
            let l = lines[i].trim_end();
            let inner = l.trim_start();
            if i != first && inner.starts_with('#') {
                // A comment inside a continued instruction is dropped.
            } else if let Some(cont) = l.strip_suffix('\\') {
                joined.push_str(cont);
                joined.push(' ');
            } else {
                joined.push_str(l);
                break;
            }
            if i + 1 >= lines.len() {
                break;
            }
            i += 1;
        }
        let joined = joined.trim();
        let (kw, args) = joined
            .split_once(char::is_whitespace)
            .unwrap_or((joined, ""));
        out.push(Instruction {
            keyword: kw.to_ascii_uppercase(),
            args: args.trim().to_string(),
            first: first + 1,
            last: i + 1,
        });
        i += 1;
    }
    out
}

/// A stage: its `FROM` instruction, base image and name.
#[derive(Clone, Debug)]
struct Stage {
    from: usize,
    base: String,
    alias: Option<String>,
    /// Indices of its instructions (after the FROM).
    body: Vec<usize>,
}

fn stages(ins: &[Instruction]) -> Vec<Stage> {
    let mut out: Vec<Stage> = Vec::new();
    for (n, i) in ins.iter().enumerate() {
        if i.keyword == "FROM" {
            let words: Vec<&str> = i
                .args
                .split_whitespace()
                .filter(|w| !w.starts_with("--"))
                .collect();
            let base = words.first().copied().unwrap_or("").to_string();
            let alias = match words.get(1..3) {
                Some([a, name]) if a.eq_ignore_ascii_case("as") => Some(name.to_ascii_lowercase()),
                _ => None,
            };
            out.push(Stage {
                from: n,
                base,
                alias,
                body: Vec::new(),
            });
        } else if let Some(s) = out.last_mut() {
            s.body.push(n);
        }
    }
    out
}

/// A container profile of the target: its name, image reference and whether it has a package
/// manager.
struct Target {
    profile: String,
    image: String,
}

/// The container image a profile's description names (`container image REF (...)`).
fn image_of(description: &str) -> Option<&str> {
    description
        .strip_prefix("container image ")?
        .split_whitespace()
        .next()
}

/// The smallest container profile that fits: with a package manager when the stage runs one.
fn fitting_profile(pack: &Pack, needs_manager: bool) -> Option<Target> {
    pack.profiles()
        .filter_map(|p| image_of(&p.description).map(|img| (p, img)))
        .filter(|(p, _)| !needs_manager || pack.profile_has_package_manager(p))
        .min_by_key(|(p, _)| (p.packages.len(), p.name.clone()))
        .map(|(p, img)| Target {
            profile: p.name.clone(),
            image: img.to_string(),
        })
}

/// The package managers of the source distributions a `RUN` line may call.
const MANAGERS: &[&str] = &["yum", "dnf", "microdnf", "tdnf", "apt-get", "apt", "apk"];

/// Options of those managers that take the next word as their value.
const OPTIONS_WITH_VALUE: &[&str] = &[
    "-o",
    "-t",
    "--target-release",
    "-c",
    "--config",
    "--virtual",
    "-X",
    "--repository",
    "--enablerepo",
    "--disablerepo",
    "--setopt",
    "--releasever",
    "--installroot",
];

/// The result of migrating a Containerfile.
#[derive(Clone, Debug, Default)]
pub struct Migration {
    pub findings: Vec<Finding>,
    /// The migrated text (equal to the input when nothing changes).
    pub migrated: String,
}

/// What a package name became.
enum Mapped {
    To(String),
    Unmapped(Status),
}

/// A package word without a version constraint (`curl=7.88.1-10`, `musl>1.2`).
fn bare_name(word: &str) -> &str {
    let end = word.find(['=', '>', '<', '~']).unwrap_or(word.len());
    &word[..end]
}

/// Shell separators that split a `RUN` line into commands.
fn split_commands(cmd: &str) -> Vec<(String, &'static str)> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let (mut sq, mut dq) = (false, false);
    let chars: Vec<char> = cmd.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            '\'' if !dq => sq = !sq,
            '"' if !sq => dq = !dq,
            _ => {}
        }
        let sep: Option<&'static str> = if sq || dq {
            None
        } else if c == '&' && next == Some('&') {
            Some("&&")
        } else if c == '|' && next == Some('|') {
            Some("||")
        } else if c == ';' {
            Some(";")
        } else {
            None
        };
        match sep {
            Some(s) => {
                out.push((cur.trim().to_string(), s));
                cur.clear();
                i += s.len();
            }
            None => {
                cur.push(c);
                i += 1;
            }
        }
    }
    out.push((cur.trim().to_string(), ""));
    out
}

/// A package-manager command of a `RUN` line.
struct PmCommand<'a> {
    /// Leading `VAR=value` words kept as they are (`DEBIAN_FRONTEND=noninteractive`).
    env: Vec<&'a str>,
    manager: &'a str,
    sub: Option<&'a str>,
    packages: Vec<&'a str>,
}

fn pm_command(cmd: &str) -> Option<PmCommand<'_>> {
    let mut words = cmd.split_whitespace().peekable();
    let mut env = Vec::new();
    while let Some(w) = words.peek() {
        if w.contains('=') && !w.starts_with('-') && !w.starts_with('=') {
            env.push(*w);
            words.next();
        } else {
            break;
        }
    }
    let first = words.next()?;
    let manager = first.rsplit('/').next().unwrap_or(first);
    if !MANAGERS.contains(&manager) {
        return None;
    }
    let mut sub = None;
    let mut packages = Vec::new();
    let mut skip = false;
    for w in words {
        if skip {
            skip = false;
            continue;
        }
        if w.starts_with('-') {
            skip = OPTIONS_WITH_VALUE.contains(&w);
            continue;
        }
        if sub.is_none() {
            sub = Some(w);
        } else {
            packages.push(w);
        }
    }
    Some(PmCommand {
        env,
        manager,
        sub,
        packages,
    })
}

/// Migrate the Containerfile `text`, shown as `path`.
pub fn migrate(pack: &Pack, path: &str, text: &str) -> Migration {
    let ins = parse(text);
    let st = stages(&ins);
    let mut m = Migration {
        findings: Vec::new(),
        migrated: String::new(),
    };
    let Some(final_idx) = st.len().checked_sub(1) else {
        m.migrated = text.to_string();
        return m;
    };
    // The chain of stages the final stage derives from (`FROM builder` names an earlier stage).
    let mut chain = vec![final_idx];
    let mut cur = final_idx;
    while let Some(prev) = st[..cur]
        .iter()
        .rposition(|s| s.alias.as_deref() == Some(&st[cur].base.to_ascii_lowercase()))
    {
        chain.push(prev);
        cur = prev;
    }
    let root = cur;
    let facts = &pack.target;
    let is_alias = |n: usize| {
        st[..n]
            .iter()
            .any(|s| s.alias.as_deref() == Some(&st[n].base.to_ascii_lowercase()))
    };
    let runs_manager = chain.iter().any(|&s| {
        st[s].body.iter().any(|&b| {
            ins[b].keyword == "RUN"
                && split_commands(&ins[b].args)
                    .iter()
                    .any(|(c, _)| pm_command(c).is_some())
        })
    });
    let target = fitting_profile(pack, runs_manager);
    let known_images: Vec<String> = pack
        .profiles()
        .filter_map(|p| image_of(&p.description).map(str::to_string))
        .collect();
    let on_target = |base: &str| {
        let repo = base.rsplit_once(':').map_or(base, |(r, _)| r);
        known_images
            .iter()
            .any(|i| i.rsplit_once(':').map_or(i.as_str(), |(r, _)| r) == repo)
    };
    // Replacement text per instruction index.
    let mut replace: BTreeMap<usize, String> = BTreeMap::new();
    let mut cache = BTreeMap::new();
    for (n, s) in st.iter().enumerate() {
        let i = &ins[s.from];
        if is_alias(n) || s.base.eq_ignore_ascii_case("scratch") {
            continue;
        }
        let mut f = Finding::new(
            if n == root {
                Code::ContainerfileBaseImage
            } else {
                Code::ContainerfileBuildStage
            },
            path,
        );
        f.line = Some(i.first as u32);
        f.subject = Some(s.base.clone());
        f.evidence.insert("from".into(), s.base.clone());
        if let Some(a) = &s.alias {
            f.evidence.insert("stage".into(), a.clone());
        }
        if n != root {
            f.message = format!("build stage based on {}", s.base);
            f.why = facts.fill(
                "Only the final stage's base becomes the image that runs on {target}; this stage runs at build time only.",
            );
            f.fix = "Keep it: the build host needs this image; what it copies into the final stage is judged when the image is scanned.".into();
            m.findings.push(f);
            continue;
        }
        if on_target(&s.base) {
            continue;
        }
        let Some(t) = &target else { continue };
        f.message = facts.fill(&format!("base image {} is not {{a_name}} image", s.base));
        f.why = facts.fill(&format!(
            "The final stage's base is what the container runs on; the {} profile's image is the smallest {{target}} image that fits{}.",
            t.profile,
            if runs_manager {
                " and has the package manager the stage's RUN lines use"
            } else {
                ""
            }
        ));
        f.fix = format!("FROM {}", t.image);
        f.evidence.insert("profile".into(), t.profile.clone());
        f.evidence.insert("image".into(), t.image.clone());
        m.findings.push(f);
        // Rewrite the image word only, keeping options and the stage name.
        let new_args = i.args.replacen(&s.base, &t.image, 1);
        replace.insert(s.from, format!("FROM {new_args}"));
    }
    let target_on_chain = on_target(&st[root].base) || replace.contains_key(&st[root].from);
    for &sn in &chain {
        if !target_on_chain {
            break;
        }
        for &b in &st[sn].body {
            let i = &ins[b];
            if i.keyword != "RUN" || i.args.starts_with('[') || i.args.contains("<<") {
                continue;
            }
            if let Some(new) = migrate_run(pack, path, i, &mut cache, &mut m.findings) {
                replace.insert(b, new);
            }
        }
    }
    m.migrated = render(text, &ins, &replace);
    m
}

/// The `RUN` instruction `i` with its package-manager commands rewritten, or `None` when it
/// stays as it is.
fn migrate_run(
    pack: &Pack,
    path: &str,
    i: &Instruction,
    cache: &mut BTreeMap<String, Mapped>,
    findings: &mut Vec<Finding>,
) -> Option<String> {
    let facts = &pack.target;
    let pm = facts.package_manager.as_str();
    let mut changed = false;
    let mut dropped: Vec<String> = Vec::new();
    let mut parts: Vec<(String, &'static str)> = Vec::new();
    for (cmd, sep) in split_commands(&i.args) {
        let Some(c) = pm_command(&cmd) else {
            parts.push((cmd, sep));
            continue;
        };
        let sub = c.sub.unwrap_or("");
        let mut mapped: Vec<String> = Vec::new();
        let installs = matches!(sub, "install" | "add" | "reinstall");
        let removes = matches!(sub, "remove" | "erase" | "purge" | "del" | "autoremove");
        if installs || removes {
            for w in &c.packages {
                let name = bare_name(w);
                match resolve(pack, name, cache) {
                    Some(to) => {
                        if !mapped.contains(&to) {
                            mapped.push(to);
                        }
                    }
                    None => {
                        if installs {
                            let status = match cache.get(name) {
                                Some(Mapped::Unmapped(s)) => *s,
                                _ => Status::NotShipped,
                            };
                            let mut f = Finding::new(Code::ContainerfilePackageUnmapped, path);
                            f.line = Some(i.first as u32);
                            f.subject = Some(name.to_string());
                            f.message = facts.fill(&format!(
                                "package {name} installed by the Containerfile is not in {{target}}"
                            ));
                            f.why = facts.fill(&format!(
                                "`which {name}` finds no supported {{name}} package of that name, providing it, or mapped to it ({}): `{pm} install` would fail the build.",
                                status.as_str()
                            ));
                            f.fix = format!(
                                "Left out of the migrated line: carry what the workload needs from {name} (build it in a build stage and COPY it), or drop it if the image does not need it."
                            );
                            f.evidence.insert("package".into(), name.to_string());
                            f.evidence.insert("manager".into(), c.manager.to_string());
                            f.evidence.insert("status".into(), status.as_str().into());
                            findings.push(f);
                            dropped.push(name.to_string());
                        }
                    }
                }
            }
        }
        let mut words: Vec<String> = c.env.iter().map(|s| s.to_string()).collect();
        let new = if installs {
            if mapped.is_empty() {
                None
            } else {
                let mut args = vec!["-y".to_string()];
                args.extend(mapped.iter().cloned());
                Some(facts.install(&args))
            }
        } else if removes {
            (!mapped.is_empty()).then(|| format!("{pm} remove -y {}", mapped.join(" ")))
        } else {
            match (c.manager, sub) {
                ("apt-get" | "apt" | "apk", "update") => Some(format!("{pm} makecache")),
                (_, "makecache") => Some(format!("{pm} makecache")),
                (_, "update" | "upgrade" | "dist-upgrade" | "full-upgrade") => {
                    Some(format!("{pm} upgrade -y"))
                }
                (_, "clean") | ("apk", "cache") => Some(format!("{pm} clean all")),
                _ => {
                    let mut f = Finding::new(Code::ContainerfilePackageManager, path);
                    f.line = Some(i.first as u32);
                    f.subject = Some(c.manager.to_string());
                    f.message = facts.fill(&format!(
                        "`{} {sub}` has no rewrite to {{package_manager}}",
                        c.manager
                    ));
                    f.why = facts.fill(&format!(
                        "{{target}} images have {{package_manager}}, not {}; the command is kept as it is.",
                        c.manager
                    ));
                    f.fix = facts.fill("Rewrite the command by hand with {package_manager}.");
                    f.evidence.insert("command".into(), cmd.clone());
                    findings.push(f);
                    parts.push((cmd, sep));
                    continue;
                }
            }
        };
        let Some(new) = new else {
            // Nothing left to install: the command becomes a no-op.
            changed = true;
            parts.push(("true".into(), sep));
            continue;
        };
        words.push(new);
        let new = words.join(" ");
        if new != cmd {
            changed = true;
        }
        parts.push((new, sep));
    }
    if !changed {
        return None;
    }
    let multi = i.last > i.first;
    let mut s = String::new();
    if !dropped.is_empty() {
        s.push_str(&facts.fill(&format!(
            "# azl-compat: not in {{target}}, left out: {}\n",
            dropped.join(" ")
        )));
    }
    s.push_str("RUN ");
    for (cmd, sep) in &parts {
        s.push_str(cmd);
        if !sep.is_empty() {
            if multi {
                s.push_str(&format!(" \\\n    {sep} "));
            } else {
                s.push_str(&format!(" {sep} "));
            }
        }
    }
    let mut f = Finding::new(Code::ContainerfilePackageManager, path);
    f.line = Some(i.first as u32);
    f.subject = Some(pm_managers(&i.args).first().cloned().unwrap_or_default());
    f.message = facts.fill("RUN line rewritten to {package_manager}");
    f.why = facts.fill(
        "{target} images have {package_manager}; the line's package names are answered by `which` (the pack's names, Provides, the Debian map).",
    );
    f.fix = s.clone();
    findings.push(f);
    Some(s)
}

fn pm_managers(args: &str) -> Vec<String> {
    split_commands(args)
        .iter()
        .filter_map(|(c, _)| pm_command(c).map(|p| p.manager.to_string()))
        .collect()
}

/// The target package that answers `name`, or `None` when none does.
fn resolve(pack: &Pack, name: &str, cache: &mut BTreeMap<String, Mapped>) -> Option<String> {
    if name.is_empty() || name.contains(['$', '*', '?', '`']) {
        return None;
    }
    let m = cache
        .entry(name.to_string())
        .or_insert_with(|| match pack.which(name) {
            Ok(a) => match a.status {
                Status::Shipped | Status::ProvidedBy | Status::ObsoletedBy => {
                    match a.packages.first() {
                        Some(p) => Mapped::To(p.name.clone()),
                        None => Mapped::Unmapped(a.status),
                    }
                }
                s => Mapped::Unmapped(s),
            },
            Err(_) => Mapped::Unmapped(Status::NotShipped),
        });
    match m {
        Mapped::To(n) => Some(n.clone()),
        Mapped::Unmapped(_) => None,
    }
}

/// `text` with the instructions in `replace` replaced (their lines).
fn render(text: &str, ins: &[Instruction], replace: &BTreeMap<usize, String>) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = String::with_capacity(text.len());
    let mut line = 1;
    for (n, new) in replace {
        let i = &ins[*n];
        while line < i.first {
            out.push_str(lines[line - 1]);
            out.push('\n');
            line += 1;
        }
        out.push_str(new);
        out.push('\n');
        line = i.last + 1;
    }
    while line <= lines.len() {
        out.push_str(lines[line - 1]);
        out.push('\n');
        line += 1;
    }
    if !text.ends_with('\n') && out.ends_with('\n') && replace.is_empty() {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continuations_comments_and_stages_parse() {
        let t = "# c\nFROM golang:1.22 AS build\nRUN a \\\n  # inner\n  b\nFROM ubuntu:22.04\n";
        let ins = parse(t);
        assert_eq!(ins.len(), 3);
        assert_eq!(ins[1].args, "a    b");
        assert_eq!((ins[1].first, ins[1].last), (3, 5));
        let st = stages(&ins);
        assert_eq!(st[0].alias.as_deref(), Some("build"));
        assert_eq!(st[1].base, "ubuntu:22.04");
    }

    #[test]
    fn package_manager_commands_split() {
        let c = pm_command("DEBIAN_FRONTEND=noninteractive apt-get install -y -o A=B --no-install-recommends curl ca-certificates").unwrap();
        assert_eq!(c.manager, "apt-get");
        assert_eq!(c.sub, Some("install"));
        assert_eq!(c.packages, ["curl", "ca-certificates"]);
        assert_eq!(c.env, ["DEBIAN_FRONTEND=noninteractive"]);
        assert!(pm_command("make install").is_none());
        let parts = split_commands("a && b 'x && y' ; c");
        assert_eq!(parts.len(), 3);
    }

    #[test]
    fn final_stage_is_rebased_and_build_stages_kept() {
        let pack = Pack::builtin();
        let t = "FROM debian:bookworm AS build\nRUN apt-get install -y gcc\nFROM ubuntu:22.04\nRUN apt-get update && apt-get install -y curl no-such-package-xyz\n";
        let m = migrate(pack, "Containerfile", t);
        assert!(
            m.migrated.contains("RUN apt-get install -y gcc"),
            "{}",
            m.migrated
        );
        assert!(!m.migrated.contains("ubuntu:22.04"), "{}", m.migrated);
        assert!(
            m.migrated.contains("dnf makecache && dnf install -y curl"),
            "{}",
            m.migrated
        );
        let codes: Vec<Code> = m.findings.iter().map(|f| f.code).collect();
        assert!(codes.contains(&Code::ContainerfileBuildStage));
        assert!(codes.contains(&Code::ContainerfileBaseImage));
        assert!(codes.contains(&Code::ContainerfilePackageUnmapped));
    }
}
