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
//! [--platform=P] IMAGE [AS NAME]` starts a stage. `RUN` comes in three forms, all judged alike:
//! shell form (`RUN apt-get install -y curl`), exec form (`RUN ["apt-get", "install", "curl"]`,
//! a JSON array; `["sh", "-c", "SCRIPT"]` judges the script) and BuildKit heredocs (`RUN <<EOF`,
//! `RUN <<-EOF`, `RUN bash <<'EOF'`: the body, up to the line that is the delimiter — with
//! `<<-` after leading tabs —, is a shell script). Each is rewritten in its own form. A
//! package-manager command that cannot be rewritten safely (the manager or a package named
//! through a variable, quoted words, `sh -c` inside a shell-form line, a heredoc fed to
//! something else) is reported as such, with its line, and kept.

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
            Code::ContainerfileSmallerProfile,
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
    /// The heredocs the instruction opens (`<<EOF`), in order; their bodies follow the
    /// instruction's own lines and are not part of `args`.
    pub heredocs: Vec<Heredoc>,
}

/// A heredoc of an instruction: its delimiter, whether `<<-` strips leading tabs, whether the
/// delimiter was quoted, and its body lines (1-based `first..=last`, the terminator after them;
/// `first > last` for an empty body).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Heredoc {
    pub delimiter: String,
    pub strip_tabs: bool,
    pub quoted: bool,
    pub body: Vec<String>,
    pub first: usize,
    pub last: usize,
}

/// The heredoc markers of an instruction line (`<<EOF`, `<<-EOF`, `<<'EOF'`, `<<"EOF"`) outside
/// quotes, with the byte range each spans: `(delimiter, strip_tabs, quoted, start, end)`.
fn heredoc_markers(line: &str) -> Vec<(String, bool, bool, usize, usize)> {
    let b = line.as_bytes();
    let mut out = Vec::new();
    let (mut sq, mut dq) = (false, false);
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' if !sq => {
                i += 2;
                continue;
            }
            b'\'' if !dq => sq = !sq,
            b'"' if !sq => dq = !dq,
            // A here-string (`<<<word`) is not a heredoc.
            b'<' if !sq && !dq && b[i..].starts_with(b"<<<") => {
                i += 3;
                continue;
            }
            b'<' if !sq && !dq && b.get(i + 1) == Some(&b'<') => {
                let start = i;
                let mut j = i + 2;
                let strip = b.get(j) == Some(&b'-');
                if strip {
                    j += 1;
                }
                let quote = b.get(j).copied().filter(|c| *c == b'\'' || *c == b'"');
                if quote.is_some() {
                    j += 1;
                }
                let w = j;
                while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                    j += 1;
                }
                let word = &line[w..j];
                let closed = match quote {
                    Some(q) => b.get(j) == Some(&q),
                    None => true,
                };
                if !word.is_empty() && closed {
                    if quote.is_some() {
                        j += 1;
                    }
                    out.push((word.to_string(), strip, quote.is_some(), start, j));
                    i = j;
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
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
        let args = args.trim().to_string();
        // Heredoc bodies follow the instruction, one after the other (exec form has none).
        let mut heredocs = Vec::new();
        if !args.starts_with('[') {
            for (delimiter, strip_tabs, quoted, _, _) in heredoc_markers(&args) {
                let start = i + 1;
                let mut j = start;
                let mut body = Vec::new();
                while j < lines.len() {
                    let l = lines[j];
                    let l = if strip_tabs {
                        l.trim_start_matches('\t')
                    } else {
                        l
                    };
                    if l == delimiter {
                        break;
                    }
                    body.push(l.to_string());
                    j += 1;
                }
                heredocs.push(Heredoc {
                    delimiter,
                    strip_tabs,
                    quoted,
                    body,
                    first: start + 1,
                    last: j,
                });
                // The terminator line (or the end of the text when it is missing).
                i = j.min(lines.len().saturating_sub(1));
            }
        }
        out.push(Instruction {
            keyword: kw.to_ascii_uppercase(),
            args,
            first: first + 1,
            last: i + 1,
            heredocs,
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
        st[s]
            .body
            .iter()
            .any(|&b| ins[b].keyword == "RUN" && runs_package_manager(&ins[b]))
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
    let mut installed = Vec::new();
    for &sn in &chain {
        if !target_on_chain {
            break;
        }
        for &b in &st[sn].body {
            let i = &ins[b];
            if i.keyword != "RUN" {
                continue;
            }
            if let Some(new) = migrate_run(
                pack,
                path,
                text,
                i,
                &mut cache,
                &mut m.findings,
                &mut installed,
            ) {
                replace.insert(b, new);
            }
        }
    }
    // The profile the final stage runs on: the one it is rebased on, or the one whose image
    // it already names.
    let current = if replace.contains_key(&st[root].from) {
        target.map(|t| t.profile)
    } else if on_target(&st[root].base) {
        let repo = |s: &str| s.rsplit_once(':').map_or(s, |(r, _)| r).to_string();
        pack.profiles()
            .find(|p| image_of(&p.description).is_some_and(|i| repo(i) == repo(&st[root].base)))
            .map(|p| p.name.clone())
    } else {
        None
    };
    if let Some(current) = current {
        let runs: Vec<&Instruction> = chain
            .iter()
            .flat_map(|&s| st[s].body.iter().map(|&b| &ins[b]))
            .filter(|i| i.keyword == "RUN")
            .collect();
        let only_packages = runs.iter().all(|i| only_package_commands(i));
        if let Some(f) = smaller_profile(
            pack,
            path,
            &ins[st[root].from],
            &current,
            &installed,
            runs_manager,
            only_packages,
        ) {
            m.findings.push(f);
        }
    }
    m.migrated = render(text, &ins, &replace);
    m
}

/// Whether a `RUN` does nothing but package-manager commands and cleanups (`rm`, `set`,
/// `true`, `:`): what an image without a shell could take from a build stage.
fn only_package_commands(i: &Instruction) -> bool {
    if matches!(run_form(i), RunForm::OtherHeredoc) {
        return false;
    }
    let (_, args) = run_flags(&i.args);
    run_scripts(i).iter().all(|s| {
        // The instruction line of a heredoc RUN names only the shell.
        if !i.heredocs.is_empty() && s == args {
            return true;
        }
        let t = s.trim_start();
        t.is_empty()
            || t.starts_with('#')
            || split_commands(t).iter().all(|(c, _)| {
                pm_command(c).is_some()
                    || c.is_empty()
                    || matches!(
                        c.split_whitespace().next(),
                        Some("rm" | "set" | "true" | ":")
                    )
            })
    })
}

/// The info finding for a smaller container profile than `current` that would do for the final
/// stage (whose `FROM` is `from`), installing `installed`: every package is in it or installable.
/// A profile without a package manager ranks below one with, and is named only when the stage's
/// `RUN` lines are package-manager commands alone (`only_packages`): its missing packages then
/// move to a build stage based on the current image.
fn smaller_profile(
    pack: &Pack,
    path: &str,
    from: &Instruction,
    current: &str,
    installed: &[String],
    runs_manager: bool,
    only_packages: bool,
) -> Option<Finding> {
    let facts = &pack.target;
    let rank = |p: &crate::knowledge::profiles::Profile| {
        (
            pack.profile_has_package_manager(p),
            p.package_names().len(),
            p.name.clone(),
        )
    };
    let cur = pack.profiles().find(|p| p.name == current)?;
    let cur_image = image_of(&cur.description)?.to_string();
    let cur_rank = rank(cur);
    let q = pack
        .profiles()
        .filter(|p| image_of(&p.description).is_some() && rank(p) < cur_rank)
        .filter(|p| pack.profile_has_package_manager(p) || !runs_manager || only_packages)
        .min_by_key(|p| rank(p))?;
    let image = image_of(&q.description)?.to_string();
    let names = q.package_names();
    let (present, missing): (Vec<&String>, Vec<&String>) =
        installed.iter().partition(|n| names.contains(&n.as_str()));
    let join = |v: &[&String]| v.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ");
    let has_pm = pack.profile_has_package_manager(q);
    let mut f = Finding::new(Code::ContainerfileSmallerProfile, path);
    f.line = Some(from.first as u32);
    f.subject = Some(q.name.clone());
    f.message = facts.fill(&format!(
        "the smaller {} profile ({image}) would do for the final stage",
        q.name
    ));
    let what = if installed.is_empty() {
        "the stage installs no package".to_string()
    } else if missing.is_empty() {
        format!(
            "every package the stage installs is already in it ({})",
            join(&present)
        )
    } else if present.is_empty() {
        format!(
            "every package the stage installs is installable ({})",
            join(&missing)
        )
    } else {
        format!(
            "of the packages the stage installs, {} are in it and {} are installable",
            join(&present),
            join(&missing)
        )
    };
    f.why = format!(
        "A smaller base keeps the image small: the {} profile ranks below {current} (its image {}, {} packages in the pack's list against {}); {what}.",
        q.name,
        if has_pm {
            "has the package manager"
        } else {
            "has no package manager and no shell tools"
        },
        names.len(),
        cur.package_names().len()
    );
    f.fix = if has_pm || !runs_manager {
        format!("FROM {image}")
    } else if missing.is_empty() {
        format!(
            "FROM {image}, and drop the package-manager RUN lines: the image has every package they install"
        )
    } else {
        let step = format!(
            "{} --installroot=/rootfs",
            facts.install_yes(&[] as &[&str])
        );
        format!(
            "move the installs to a build stage: `FROM {cur_image} AS rootfs` with `RUN {} {}`, then `FROM {image}` and `COPY --from=rootfs /rootfs /`",
            step.trim_end(),
            join(&missing)
        )
    };
    f.evidence.insert("profile".into(), q.name.clone());
    f.evidence.insert("image".into(), image);
    f.evidence
        .insert("from_profile".into(), current.to_string());
    f.evidence.insert("present".into(), join(&present));
    f.evidence.insert("missing".into(), join(&missing));
    Some(f)
}

/// Shells whose `-c` argument or standard input is a script.
const SHELLS: &[&str] = &["sh", "bash", "dash", "ash", "zsh"];

/// Sub-commands that install, remove or refresh packages (a manager named through a variable,
/// or hidden in an `sh -c` string, followed by one of them is a package-manager command).
const PM_VERBS: &[&str] = &[
    "install",
    "add",
    "reinstall",
    "remove",
    "erase",
    "purge",
    "del",
    "update",
    "upgrade",
    "makecache",
];

fn basename(w: &str) -> &str {
    w.rsplit('/').next().unwrap_or(w)
}

/// The JSON array of an exec-form `RUN`, or `None` for shell form (an argument that does not
/// parse as a JSON array of strings is shell form, as in the Dockerfile reference).
pub fn exec_argv(args: &str) -> Option<Vec<String>> {
    if !args.starts_with('[') {
        return None;
    }
    serde_json::from_str(args).ok()
}

/// The index of the script argument of `sh -c SCRIPT` (also `bash -ec SCRIPT`).
fn shell_c_script(argv: &[String]) -> Option<usize> {
    if !SHELLS.contains(&basename(argv.first()?)) {
        return None;
    }
    let k = argv[1..]
        .iter()
        .position(|a| a.starts_with('-') && !a.starts_with("--") && a.contains('c'))?
        + 1;
    (k + 1 < argv.len()).then_some(k + 1)
}

/// How a `RUN` runs: the shell command text of its shell form, its exec-form argv, or a heredoc
/// body that is a shell script.
enum RunForm {
    Shell,
    Exec(Vec<String>),
    /// The heredoc whose body is a script (the command before it is empty or a shell).
    Heredoc,
    /// Heredocs fed to something else, several of them, or a command beside the heredoc.
    OtherHeredoc,
}

/// A `RUN`'s own flags (`--mount=...`, `--network=...`, `--security=...`) and the command after
/// them.
fn run_flags(args: &str) -> (&str, &str) {
    let mut rest = args;
    while rest.starts_with("--") {
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        rest = rest[end..].trim_start();
    }
    (args[..args.len() - rest.len()].trim_end(), rest)
}

fn run_form(i: &Instruction) -> RunForm {
    let (_, args) = run_flags(&i.args);
    if let Some(argv) = exec_argv(args) {
        return RunForm::Exec(argv);
    }
    if i.heredocs.is_empty() {
        return RunForm::Shell;
    }
    let mut cmd = args.to_string();
    for (.., start, end) in heredoc_markers(args).into_iter().rev() {
        cmd.replace_range(start..end, "");
    }
    let words: Vec<&str> = cmd.split_whitespace().collect();
    let shell = match words.first() {
        None => true,
        Some(w) => {
            SHELLS.contains(&basename(w))
                && !words[1..]
                    .iter()
                    .any(|a| a.starts_with('-') && a.contains('c') && !a.starts_with("--"))
        }
    };
    if i.heredocs.len() == 1 && shell {
        RunForm::Heredoc
    } else {
        RunForm::OtherHeredoc
    }
}

/// The logical lines of a heredoc script (`\` continues a line): each with the body indices it
/// spans.
fn script_lines(body: &[String]) -> Vec<(String, usize, usize)> {
    let mut out = Vec::new();
    let mut k = 0;
    while k < body.len() {
        let start = k;
        let mut joined = String::new();
        loop {
            let l = body[k].trim_end();
            match l.strip_suffix('\\') {
                Some(cont) if k + 1 < body.len() => {
                    joined.push_str(cont);
                    joined.push(' ');
                    k += 1;
                }
                _ => {
                    joined.push_str(l);
                    break;
                }
            }
        }
        out.push((joined, start, k));
        k += 1;
    }
    out
}

/// The shell scripts a `RUN` runs, as far as they can be read (for whether a stage runs a
/// package manager).
fn run_scripts(i: &Instruction) -> Vec<String> {
    match run_form(i) {
        RunForm::Shell => vec![run_flags(&i.args).1.to_string()],
        RunForm::Exec(argv) => match shell_c_script(&argv) {
            Some(k) => vec![argv[k].clone()],
            None => vec![argv.join(" ")],
        },
        RunForm::Heredoc | RunForm::OtherHeredoc => {
            let mut v = vec![run_flags(&i.args).1.to_string()];
            for h in &i.heredocs {
                v.extend(script_lines(&h.body).into_iter().map(|(l, ..)| l));
            }
            v
        }
    }
}

fn runs_package_manager(i: &Instruction) -> bool {
    run_scripts(i).iter().any(|s| {
        split_commands(s)
            .iter()
            .any(|(c, _)| pm_command(c).is_some() || hidden_manager(c).is_some())
    })
}

/// Why a command that is not a plain package-manager command still runs one: the manager named
/// through a variable (`$PM install`), or inside a string or another command (`sh -c "apt-get
/// install ..."`, `env apt-get install`).
fn hidden_manager(cmd: &str) -> Option<&'static str> {
    let words: Vec<&str> = cmd
        .split_whitespace()
        .skip_while(|w| w.contains('=') && !w.starts_with('-') && !w.starts_with('='))
        .collect();
    let first = words.first()?;
    if first.starts_with('$') && words.get(1).is_some_and(|w| PM_VERBS.contains(w)) {
        return Some("the package manager is named through a variable");
    }
    // Commands that only print, log or compare their words never run them.
    if matches!(
        basename(first),
        "echo" | "printf" | "logger" | "grep" | "egrep" | "fgrep" | "test" | "[" | ":" | "true"
    ) {
        return None;
    }
    let clean = |w: &str| w.trim_matches(['"', '\'', '(', ')', '`']).to_string();
    for (k, w) in words.iter().enumerate().skip(1) {
        let w = clean(w);
        if MANAGERS.contains(&basename(&w))
            && words
                .get(k + 1..)
                .into_iter()
                .flatten()
                .find(|x| !x.starts_with('-'))
                .is_some_and(|x| PM_VERBS.contains(&clean(x).as_str()))
        {
            return Some("the package manager runs inside another command or a quoted string");
        }
    }
    None
}

/// What the rewrite of one `RUN` collects: the findings, the package names left out and the
/// source managers seen.
struct Ctx<'a> {
    pack: &'a Pack,
    path: &'a str,
    line: usize,
    cache: &'a mut BTreeMap<String, Mapped>,
    findings: &'a mut Vec<Finding>,
    /// The target packages the commands install (rewritten or not).
    installed: &'a mut Vec<String>,
    dropped: Vec<String>,
    managers: Vec<String>,
}

impl Ctx<'_> {
    /// A package-manager command kept because it cannot be rewritten safely.
    fn unsafe_command(&mut self, cmd: &str, form: &str, reason: &str) {
        let facts = &self.pack.target;
        let mut f = Finding::new(Code::ContainerfilePackageManager, self.path);
        f.line = Some(self.line as u32);
        // One finding per command and line (the report keeps one finding per subject).
        f.subject = Some(format!("{cmd} (line {})", self.line));
        f.message = facts.fill(&format!(
            "`{cmd}` cannot be rewritten to {{package_manager}} safely"
        ));
        f.why = facts.fill(&format!(
            "{reason}: azl-compat cannot tell which packages it installs, so the {form} command is kept as it is and would run a package manager that {{target}} images may not have."
        ));
        f.fix = facts.fill(&format!(
            "Rewrite it by hand with `{}`, naming the {{name}} packages (`azl-compat which NAME`).",
            facts.install_yes(&["PACKAGES"])
        ));
        f.evidence.insert("command".into(), cmd.to_string());
        f.evidence.insert("form".into(), form.to_string());
        f.evidence.insert("reason".into(), reason.to_string());
        self.findings.push(f);
    }

    /// The commands of the shell script `script` (one logical line) with its package-manager
    /// commands rewritten, or `None` when none changes.
    fn rewrite_script(&mut self, script: &str, form: &str) -> Option<Vec<(String, &'static str)>> {
        let mut changed = false;
        let mut parts = Vec::new();
        for (cmd, sep) in split_commands(script) {
            match self.rewrite_command(&cmd, form) {
                Some(new) => {
                    changed |= new != cmd;
                    parts.push((new, sep));
                }
                None => parts.push((cmd, sep)),
            }
        }
        changed.then_some(parts)
    }

    /// One command rewritten (`true` when nothing is left to install), or `None` when it is
    /// kept.
    fn rewrite_command(&mut self, cmd: &str, form: &str) -> Option<String> {
        let pack = self.pack;
        let facts = &pack.target;
        let Some(c) = pm_command(cmd) else {
            if let Some(reason) = hidden_manager(cmd) {
                self.unsafe_command(cmd, form, reason);
            }
            return None;
        };
        if !self.managers.iter().any(|m| m == c.manager) {
            self.managers.push(c.manager.to_string());
        }
        let sub = c.sub.unwrap_or("");
        if c.packages
            .iter()
            .chain(c.sub.iter())
            .any(|w| w.contains(['$', '`', '"', '\'', '(', ')', '{', '}', '<', '>', '|']))
        {
            self.unsafe_command(
                cmd,
                form,
                "a package is named through a variable, a substitution or quoted words",
            );
            return None;
        }
        let installs = matches!(sub, "install" | "add" | "reinstall");
        let removes = matches!(sub, "remove" | "erase" | "purge" | "del" | "autoremove");
        let mut mapped: Vec<String> = Vec::new();
        if installs || removes {
            for w in &c.packages {
                let name = bare_name(w);
                match resolve(pack, name, self.cache) {
                    Some(to) => {
                        if installs && !self.installed.contains(&to) {
                            self.installed.push(to.clone());
                        }
                        if !mapped.contains(&to) {
                            mapped.push(to);
                        }
                    }
                    None if installs => {
                        let status = match self.cache.get(name) {
                            Some(Mapped::Unmapped(s)) => *s,
                            _ => Status::NotShipped,
                        };
                        let mut f = Finding::new(Code::ContainerfilePackageUnmapped, self.path);
                        f.line = Some(self.line as u32);
                        f.subject = Some(name.to_string());
                        f.message = facts.fill(&format!(
                            "package {name} installed by the Containerfile is not in {{target}}"
                        ));
                        f.why = facts.fill(&format!(
                            "`which {name}` finds no supported {{name}} package of that name, providing it, or mapped to it ({}): `{}` would fail the build.",
                            status.as_str(),
                            facts.install(&[name])
                        ));
                        f.fix = format!(
                            "Left out of the migrated line: carry what the workload needs from {name} (build it in a build stage and COPY it), or drop it if the image does not need it."
                        );
                        f.evidence.insert("package".into(), name.to_string());
                        f.evidence.insert("manager".into(), c.manager.to_string());
                        f.evidence.insert("status".into(), status.as_str().into());
                        self.findings.push(f);
                        self.dropped.push(name.to_string());
                    }
                    None => {}
                }
            }
        }
        let new = if installs {
            (!mapped.is_empty()).then(|| facts.install_yes(&mapped))
        } else if removes {
            (!mapped.is_empty()).then(|| format!("{} {}", facts.remove_command, mapped.join(" ")))
        } else {
            match (c.manager, sub) {
                ("apt-get" | "apt" | "apk", "update") | (_, "makecache") => {
                    Some(facts.refresh_command.clone())
                }
                (_, "update" | "upgrade" | "dist-upgrade" | "full-upgrade") => {
                    Some(facts.upgrade_command.clone())
                }
                (_, "clean") | ("apk", "cache") => Some(facts.clean_command.clone()),
                _ => {
                    let mut f = Finding::new(Code::ContainerfilePackageManager, self.path);
                    f.line = Some(self.line as u32);
                    f.subject = Some(format!("{} {sub} (line {})", c.manager, self.line));
                    f.message = facts.fill(&format!(
                        "`{} {sub}` has no rewrite to {{package_manager}}",
                        c.manager
                    ));
                    f.why = facts.fill(&format!(
                        "{{target}} images have {{package_manager}}, not {}; the command is kept as it is.",
                        c.manager
                    ));
                    f.fix = facts.fill("Rewrite the command by hand with {package_manager}.");
                    f.evidence.insert("command".into(), cmd.to_string());
                    self.findings.push(f);
                    return None;
                }
            }
        };
        // Nothing left to install: the command becomes a no-op.
        let Some(new) = new else {
            return Some("true".into());
        };
        let mut words: Vec<&str> = c.env.clone();
        words.push(&new);
        Some(words.join(" "))
    }
}

/// Commands joined back with their separators, on one line or continued over several.
fn join_parts(parts: &[(String, &'static str)], multi: bool, indent: &str) -> String {
    let mut s = String::new();
    for (cmd, sep) in parts {
        s.push_str(cmd);
        if !sep.is_empty() {
            if multi {
                s.push_str(&format!(" \\\n{indent}    {sep} "));
            } else {
                s.push_str(&format!(" {sep} "));
            }
        }
    }
    s
}

/// An argv as an exec-form JSON array.
fn exec_json(argv: &[String]) -> String {
    let words: Vec<String> = argv
        .iter()
        .map(|a| serde_json::to_string(a).unwrap_or_default())
        .collect();
    format!("[{}]", words.join(", "))
}

/// The `RUN` instruction `i` with its package-manager commands rewritten in its own form, or
/// `None` when it stays as it is.
fn migrate_run(
    pack: &Pack,
    path: &str,
    text: &str,
    i: &Instruction,
    cache: &mut BTreeMap<String, Mapped>,
    findings: &mut Vec<Finding>,
    installed: &mut Vec<String>,
) -> Option<String> {
    let facts = &pack.target;
    let mut ctx = Ctx {
        pack,
        path,
        line: i.first,
        cache,
        findings,
        installed,
        dropped: Vec::new(),
        managers: Vec::new(),
    };
    let (flags, args) = run_flags(&i.args);
    let (body, form) = match run_form(i) {
        RunForm::Shell => {
            let parts = ctx.rewrite_script(args, "shell-form")?;
            (join_parts(&parts, i.last > i.first, ""), "shell-form")
        }
        RunForm::Exec(argv) => {
            if let Some(k) = shell_c_script(&argv) {
                let parts = ctx.rewrite_script(&argv[k], "exec-form")?;
                let mut new = argv.clone();
                new[k] = join_parts(&parts, false, "");
                (exec_json(&new), "exec-form")
            } else if MANAGERS.contains(&basename(argv.first()?)) {
                let joined = argv.join(" ");
                if argv.iter().any(|a| {
                    a.is_empty() || a.contains(char::is_whitespace) || a.contains(['&', '|', ';'])
                }) {
                    ctx.unsafe_command(
                        &joined,
                        "exec-form",
                        "an argument holds spaces or shell separators",
                    );
                    return None;
                }
                let new = ctx.rewrite_command(&joined, "exec-form")?;
                let argv: Vec<String> = new.split_whitespace().map(str::to_string).collect();
                (exec_json(&argv), "exec-form")
            } else {
                if let Some(reason) = hidden_manager(&argv.join(" ")) {
                    ctx.unsafe_command(&argv.join(" "), "exec-form", reason);
                }
                return None;
            }
        }
        RunForm::Heredoc => {
            let h = &i.heredocs[0];
            let lines: Vec<&str> = text.lines().collect();
            // The body as written (`<<-` strips tabs when it runs, the rewrite keeps them).
            let raw: Vec<String> = (h.first..=h.last)
                .map(|n| lines[n - 1].to_string())
                .collect();
            let mut body = raw.clone();
            let mut changed = false;
            for (script, a, b) in script_lines(&raw).into_iter().rev() {
                let t = script.trim_start();
                if t.is_empty() || t.starts_with('#') {
                    continue;
                }
                ctx.line = h.first + a;
                let Some(parts) = ctx.rewrite_script(t, "heredoc") else {
                    continue;
                };
                changed = true;
                let indent: String = raw[a].chars().take_while(|c| c.is_whitespace()).collect();
                let new = format!("{indent}{}", join_parts(&parts, b > a, &indent));
                body.splice(a..=b, new.lines().map(str::to_string));
            }
            ctx.line = i.first;
            if !changed {
                return None;
            }
            // The instruction's own lines as they are, the new body, the terminator.
            let mut s = lines[i.first - 1..h.first - 1].join("\n");
            for l in &body {
                s.push('\n');
                s.push_str(l);
            }
            if i.last > h.last {
                s.push('\n');
                s.push_str(lines[i.last - 1]);
            }
            (s, "heredoc")
        }
        RunForm::OtherHeredoc => {
            for script in run_scripts(i) {
                for (cmd, _) in split_commands(&script) {
                    if pm_command(&cmd).is_some() || hidden_manager(&cmd).is_some() {
                        ctx.unsafe_command(&cmd, "heredoc", "the heredoc is not a single shell script (fed to another command, several heredocs, or a command beside it)");
                    }
                }
            }
            return None;
        }
    };
    let mut s = String::new();
    if !ctx.dropped.is_empty() {
        s.push_str(&facts.fill(&format!(
            "# azl-compat: not in {{target}}, left out: {}\n",
            ctx.dropped.join(" ")
        )));
    }
    if form != "heredoc" {
        s.push_str("RUN ");
        if !flags.is_empty() {
            s.push_str(flags);
            s.push(' ');
        }
    }
    s.push_str(&body);
    let mut f = Finding::new(Code::ContainerfilePackageManager, path);
    f.line = Some(i.first as u32);
    // One finding per line (the report keeps one finding per subject).
    f.subject = Some(format!("{} (line {})", ctx.managers.join(" "), i.first));
    f.message = facts.fill("RUN line rewritten to {package_manager}");
    f.why = facts.fill(
        "{target} images have {package_manager}; the line's package names are answered by `which` (the pack's names, Provides, the Debian map).",
    );
    f.fix = s.clone();
    f.evidence.insert("form".into(), form.into());
    ctx.findings.push(f);
    Some(s)
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

    #[test]
    fn heredocs_parse_with_their_terminator_rules() {
        let t = "FROM ubuntu:24.04\nRUN <<EOF\napt-get update\nFROM not-a-stage\nEOF\nRUN <<-'END' bash\n\tapt-get install -y curl\n\tEND\nRUN cat <<A >a && cat <<\"B\" >b\n1\nA\n2\nB\nCOPY <<EOF /etc/x\nEOF\nRUN echo '<<NOT' <<<here\n";
        let ins = parse(t);
        let kws: Vec<&str> = ins.iter().map(|i| i.keyword.as_str()).collect();
        assert_eq!(
            kws,
            ["FROM", "RUN", "RUN", "RUN", "COPY", "RUN"],
            "{ins:#?}"
        );
        assert_eq!(stages(&ins).len(), 1);
        let h = &ins[1].heredocs[0];
        assert_eq!(
            (h.delimiter.as_str(), h.strip_tabs, h.quoted),
            ("EOF", false, false)
        );
        assert_eq!(h.body, ["apt-get update", "FROM not-a-stage"]);
        assert_eq!((h.first, h.last, ins[1].last), (3, 4, 5));
        let h = &ins[2].heredocs[0];
        assert_eq!(
            (h.delimiter.as_str(), h.strip_tabs, h.quoted),
            ("END", true, true)
        );
        assert_eq!(h.body, ["apt-get install -y curl"]);
        assert_eq!(ins[2].last, 8);
        assert_eq!(ins[3].heredocs.len(), 2);
        assert_eq!(ins[3].heredocs[1].body, ["2"]);
        assert_eq!((ins[3].first, ins[3].last), (9, 13));
        assert_eq!(ins[4].heredocs[0].body, Vec::<String>::new());
        assert!(ins[5].heredocs.is_empty(), "{:?}", ins[5]);
        // A missing terminator takes the body to the end.
        let ins = parse("RUN <<EOF\napt-get update\n");
        assert_eq!(ins.len(), 1);
        assert_eq!(ins[0].heredocs[0].body, ["apt-get update"]);
    }

    #[test]
    fn exec_form_is_a_json_array_with_escapes() {
        assert_eq!(
            exec_argv(r#"["sh", "-c", "echo \"a\\tb\" && apt-get install -y curl"]"#).unwrap(),
            ["sh", "-c", "echo \"a\\tb\" && apt-get install -y curl"]
        );
        assert_eq!(exec_argv("[\"a\",]"), None);
        assert_eq!(exec_argv("apt-get install"), None);
        assert_eq!(
            shell_c_script(&["/bin/bash".into(), "-ec".into(), "x".into()]),
            Some(2)
        );
    }

    fn migrated(t: &str) -> Migration {
        migrate(Pack::builtin(), "Containerfile", t)
    }

    #[test]
    fn exec_form_and_heredoc_runs_are_rewritten_in_their_form() {
        let facts = &Pack::builtin().target;
        let t = "FROM ubuntu:24.04\nRUN [\"apt-get\", \"install\", \"-y\", \"curl\"]\nRUN [\"/bin/sh\", \"-c\", \"apt-get update && apt-get install -y jq\"]\nRUN <<EOF\nset -e\napt-get update\napt-get install -y \\\n    ca-certificates \\\n    openssl\necho done\nEOF\nRUN bash <<'SCRIPT'\n\tapt-get install -y jq\nSCRIPT\n";
        let m = migrated(t);
        let y = facts.install_yes(&["curl"]);
        let argv: Vec<String> = y.split_whitespace().map(|w| format!("{w:?}")).collect();
        assert!(
            m.migrated.contains(&format!("RUN [{}]", argv.join(", "))),
            "{}",
            m.migrated
        );
        assert!(
            m.migrated.contains(&format!(
                "\"-c\", \"{} && {}\"]",
                facts.refresh_command,
                facts.install_yes(&["jq"])
            )),
            "{}",
            m.migrated
        );
        // The heredoc keeps its delimiter and the lines that install nothing.
        assert!(m.migrated.contains("RUN <<EOF\nset -e\n"), "{}", m.migrated);
        assert!(m.migrated.contains("echo done\nEOF\n"), "{}", m.migrated);
        assert!(
            m.migrated
                .contains(&format!("\n{}\n", facts.refresh_command)),
            "{}",
            m.migrated
        );
        assert!(
            m.migrated.contains(
                &facts
                    .install_yes(&["ca-certificates", "openssl"])
                    .to_string()
            ),
            "{}",
            m.migrated
        );
        assert!(
            m.migrated.contains(&format!(
                "RUN bash <<'SCRIPT'\n\t{}\nSCRIPT\n",
                facts.install_yes(&["jq"])
            )),
            "{}",
            m.migrated
        );
        assert!(!m.migrated.contains("apt-get"), "{}", m.migrated);
        let rewritten: Vec<&str> = m
            .findings
            .iter()
            .filter(|f| f.code == Code::ContainerfilePackageManager)
            .map(|f| f.evidence["form"].as_str())
            .collect();
        assert_eq!(rewritten, ["exec-form", "exec-form", "heredoc", "heredoc"]);
        // Parsing the output again finds the same instructions.
        assert_eq!(parse(&m.migrated).len(), parse(t).len());
    }

    #[test]
    fn what_cannot_be_rewritten_safely_is_a_finding_with_its_line() {
        let t = "FROM ubuntu:24.04\nARG PM=apt-get\nRUN $PM install -y curl\nRUN apt-get install -y $PKGS\nRUN sh -c 'apt-get update && apt-get install -y \"curl\"'\nRUN [\"apt-get\", \"install\", \"-y\", \"curl jq\"]\nRUN cat > /setup.sh <<EOF\napt-get install -y curl\nEOF\nRUN python3 -c 'print(1)'\nRUN echo \"run apt-get install -y curl to add curl\" && printf '%s\\n' 'yum install jq'\n";
        let m = migrated(t);
        let unsafe_lines: Vec<(u32, &str)> = m
            .findings
            .iter()
            .filter(|f| f.evidence.contains_key("reason"))
            .map(|f| (f.line.unwrap(), f.evidence["form"].as_str()))
            .collect();
        assert_eq!(
            unsafe_lines,
            [
                (3, "shell-form"),
                (4, "shell-form"),
                (5, "shell-form"),
                (6, "exec-form"),
                (7, "heredoc")
            ],
            "{:#?}",
            m.findings
        );
        // Kept as they are, and no package is called unmapped for it.
        for l in t.lines().skip(2) {
            assert!(m.migrated.contains(l), "{l}\n{}", m.migrated);
        }
        assert!(
            !m.findings
                .iter()
                .any(|f| f.code == Code::ContainerfilePackageUnmapped)
        );
    }
}
