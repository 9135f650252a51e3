//! Every target fact a message cites comes from the pack: a second pack, built from a copy of the
//! target's own sources whose manifest says another snapshot (another name, version, systemd,
//! install command, package-manager commands and flags), changes every message, why and fix of
//! a scan and every line of a Containerfile's rewrite, with no code change.

mod common;

use azl_compat::knowledge::builder::build::build;
use azl_compat::knowledge::builder::manifest;
use azl_compat::knowledge::target::DEFAULT_TARGET;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_azl-compat"))
}

/// `(old, new)` pairs: what the committed manifest says and what the second one says.
struct Snapshot {
    edits: Vec<(String, String)>,
}

/// Copy knowledge/targets/<id>/ and change its manifest: name, version, pretty name, systemd
/// and the release that drops the SysV generator, the install command.
fn second_manifest(dir: &Path) -> (PathBuf, Snapshot) {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let src = manifest::in_checkout(repo, DEFAULT_TARGET);
    let from = src.parent().unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
    }
    let m = manifest::TargetManifest::read(&src).unwrap();
    let sd = m.versions["systemd"].clone();
    let sysv = m.versions["systemd_sysv_removal"].clone();
    let pm = &m.package_manager;
    let quoted = |v: &[String]| {
        v.iter()
            .map(|c| format!("\"{c}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let pairs: Vec<(String, String, String, String)> = vec![
        // (key line as written, its new line, old text in messages, new text in messages)
        // The whole commands first: the flag and the sub-commands only change inside them.
        (
            format!("assume_yes = \"{}\"", pm.assume_yes),
            "assume_yes = \"--assumeyes\"".into(),
            format!("{} {}", pm.install, pm.assume_yes),
            "contoso-pm add --assumeyes".into(),
        ),
        (
            format!("refresh = \"{}\"", pm.refresh),
            "refresh = \"contoso-pm refresh\"".into(),
            pm.refresh.clone(),
            "contoso-pm refresh".into(),
        ),
        (
            format!("upgrade = \"{}\"", pm.upgrade),
            "upgrade = \"contoso-pm update --assumeyes\"".into(),
            pm.upgrade.clone(),
            "contoso-pm update --assumeyes".into(),
        ),
        (
            format!("remove = \"{}\"", pm.remove),
            "remove = \"contoso-pm drop --assumeyes\"".into(),
            pm.remove.clone(),
            "contoso-pm drop --assumeyes".into(),
        ),
        (
            format!("clean = \"{}\"", pm.clean),
            "clean = \"contoso-pm clean --all\"".into(),
            pm.clean.clone(),
            "contoso-pm clean --all".into(),
        ),
        (
            format!("commands = [{}]", quoted(&pm.commands)),
            "commands = [\"/usr/bin/contoso-pm\"]".into(),
            String::new(),
            String::new(),
        ),
        (
            format!("pretty_name = \"{}\"", m.target.pretty_name),
            "pretty_name = \"Contoso Linux 9.7\"".into(),
            m.target.pretty_name.clone(),
            "Contoso Linux 9.7".into(),
        ),
        (
            format!("name = \"{}\"", m.target.name),
            "name = \"Contoso Linux\"".into(),
            m.target.name.clone(),
            "Contoso Linux".into(),
        ),
        (
            format!("version = \"{}\"", m.target.version),
            "version = \"9.7\"".into(),
            String::new(),
            String::new(),
        ),
        (
            format!("systemd = \"{sd}\""),
            "systemd = \"259\"".into(),
            format!("systemd {sd}"),
            "systemd 259".into(),
        ),
        (
            format!("systemd_sysv_removal = \"{sysv}\""),
            "systemd_sysv_removal = \"261\"".into(),
            format!("systemd {sysv}"),
            "systemd 261".into(),
        ),
        (
            format!("install = \"{}\"", m.package_manager.install),
            "install = \"contoso-pm add\"".into(),
            m.package_manager.install.clone(),
            "contoso-pm add".into(),
        ),
        (
            format!("name = \"{}\"", m.package_manager.name),
            "name = \"contoso-pm\"".into(),
            String::new(),
            String::new(),
        ),
    ];
    let mut text = m.text.clone();
    let mut edits = Vec::new();
    for (line, new_line, old, new) in pairs {
        // Each key is changed where it first appears after its table header; `name = ` is in
        // [target] first and in [package_manager] second.
        let at = text
            .find(&format!("\n{line}\n"))
            .unwrap_or_else(|| panic!("manifest has no line `{line}`"));
        text.replace_range(at + 1..at + 1 + line.len(), &new_line);
        if !old.is_empty() {
            edits.push((old, new));
        }
    }
    let path = dir.join(manifest::FILE);
    std::fs::write(&path, text).unwrap();
    (path, Snapshot { edits })
}

fn build_tree(script: &str, dir: &Path) -> PathBuf {
    common::require_tool("gcc");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join(script);
    let out = Command::new("bash").arg(&script).arg(dir).output().unwrap();
    assert!(
        out.status.success(),
        "{} failed:\n{}",
        script.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    dir.join("root")
}

fn scan(root: &Path, knowledge: Option<&Path>) -> Value {
    let mut c = bin();
    c.args(["scan", root.to_str().unwrap(), "--format", "json"]);
    if let Some(k) = knowledge {
        c.args(["--knowledge", k.to_str().unwrap()]);
    }
    let out = c.output().unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "scan failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// code, path, subject -> message, why, fix (and the units' drafts and the install line).
fn texts(r: &Value) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    for f in r["findings"].as_array().unwrap() {
        let key = format!("{} {} {}", f["code"], f["path"], f["subject"]);
        for field in ["message", "why", "fix"] {
            m.insert(
                format!("{key} {field}"),
                f[field].as_str().unwrap_or("").to_string(),
            );
        }
    }
    for u in r["units"].as_array().into_iter().flatten() {
        if let Some(d) = u["diff"].as_str() {
            m.insert(format!("unit {} diff", u["unit"]), d.to_string());
        }
    }
    for k in ["install_command", "install_step"] {
        if let Some(s) = r["summary"][k].as_str() {
            m.insert(format!("summary {k}"), s.to_string());
        }
    }
    m
}

#[test]
fn every_message_follows_the_manifest() {
    let Some(sources) = common::knowledge_sources_dir(DEFAULT_TARGET) else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let own = tmp.path().join("target");
    std::fs::create_dir(&own).unwrap();
    let (manifest, snap) = second_manifest(&own);
    let pack = tmp.path().join("pack");
    build(&manifest, &sources, &pack).expect("build the second pack");

    let mut compared = 0;
    let mut changed = 0;
    let mut wrong = Vec::new();
    for script in ["corpora/units/build.sh", "corpora/apptree/build.sh"] {
        let tree = tempfile::tempdir().unwrap();
        let root = build_tree(script, tree.path());
        let a = scan(&root, None);
        let b = scan(&root, Some(&pack));
        assert_eq!(b["target"]["name"], "Contoso Linux");
        assert_eq!(b["target"]["version"], "9.7");
        let (ta, tb) = (texts(&a), texts(&b));
        assert_eq!(
            ta.keys().collect::<Vec<_>>(),
            tb.keys().collect::<Vec<_>>(),
            "{script}: the second pack changed which findings there are, not only their texts"
        );
        for (k, old) in &ta {
            let mut expected = old.clone();
            for (from, to) in &snap.edits {
                expected = expected.replace(from.as_str(), to);
            }
            let new = &tb[k];
            compared += 1;
            changed += usize::from(new != old);
            if *new != expected {
                wrong.push(format!("{script}: {k}\n  first:  {old}\n  second: {new}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "texts that did not follow the manifest ({} of {compared}):\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    // The fixtures cite the target's name, systemd and install command in many texts.
    assert!(changed > 20, "only {changed} of {compared} texts changed");

    // A Containerfile's rewrite: every command and flag it writes, in every RUN form.
    let m = manifest::TargetManifest::read(&manifest::in_checkout(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        DEFAULT_TARGET,
    ))
    .unwrap();
    let (a, b) = (
        containerfile_scan(tmp.path(), None),
        containerfile_scan(tmp.path(), Some(&pack)),
    );
    let (ta, tb) = (texts(&a), texts(&b));
    assert_eq!(ta.keys().collect::<Vec<_>>(), tb.keys().collect::<Vec<_>>());
    let mut wrong = Vec::new();
    for (k, old) in &ta {
        // The name with its article first (`an Azure Linux image` -> `a Contoso Linux image`).
        let mut expected = old.replace(&m.facts().a_name(), "a Contoso Linux");
        // Exec-form argv (`"dnf", "install", "-y"`) as well as the command line.
        let argv = |s: &str| s.split_whitespace().collect::<Vec<_>>().join("\", \"");
        for (from, to) in &snap.edits {
            expected = expected.replace(&argv(from), &argv(to));
            expected = expected.replace(from.as_str(), to);
        }
        // The package manager's name where a text names it alone (`rewritten to dnf`).
        let expected = replace_word(&expected, &m.package_manager.name, "contoso-pm");
        if tb[k] != expected {
            wrong.push(format!("{k}\n  first:  {old}\n  second: {}", tb[k]));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    let fixes: String = tb
        .iter()
        .filter(|(k, _)| k.ends_with(" fix"))
        .map(|(_, v)| v.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    for w in [
        "contoso-pm add --assumeyes",
        "contoso-pm refresh",
        "contoso-pm update --assumeyes",
        "contoso-pm drop --assumeyes",
        "contoso-pm clean --all",
        "[\"contoso-pm\", \"add\", \"--assumeyes\"",
    ] {
        assert!(fixes.contains(w), "{w} not in the rewrite:\n{fixes}");
    }
}

/// A Containerfile that makes the rewrite write each command of the package manager, in
/// shell form, exec form and a heredoc.
const CONTAINERFILE: &str = "FROM ubuntu:24.04
RUN apt-get update && apt-get upgrade -y && apt-get install -y curl && apt-get clean
RUN [\"apt-get\", \"install\", \"-y\", \"jq\"]
RUN <<EOF
apt-get remove -y curl
apt-get install -y no-such-package-xyz
EOF
RUN $PM install -y openssl
";

fn containerfile_scan(dir: &Path, knowledge: Option<&Path>) -> Value {
    let root = dir.join("cf-root");
    std::fs::create_dir_all(root.join("etc")).unwrap();
    let file = dir.join("Containerfile");
    std::fs::write(&file, CONTAINERFILE).unwrap();
    let mut c = bin();
    c.args(["scan", root.to_str().unwrap(), "--format", "json"]);
    c.args(["--containerfile", file.to_str().unwrap()]);
    if let Some(k) = knowledge {
        c.args(["--knowledge", k.to_str().unwrap()]);
    }
    let out = c.output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `text` with `word` replaced where it stands alone (not inside `dnf5` or `microdnf`).
fn replace_word(text: &str, word: &str, by: &str) -> String {
    let part = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || "-_/".contains(c));
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find(word) {
        let before = if i == 0 {
            out.chars().next_back()
        } else {
            rest[..i].chars().next_back()
        };
        let after = rest[i + word.len()..].chars().next();
        out.push_str(&rest[..i]);
        if part(before) || part(after) {
            out.push_str(word);
        } else {
            out.push_str(by);
        }
        rest = &rest[i + word.len()..];
    }
    out.push_str(rest);
    out
}
