//! `LD_LIBRARY_PATH` that the tree itself sets for a program: the `Environment=` and
//! `EnvironmentFile=` of the systemd unit that starts it, and `export LD_LIBRARY_PATH=` (or a
//! `LD_LIBRARY_PATH=... cmd` prefix) in a launcher script that runs it. The loader model puts
//! those directories where glibc does (after the DT_RPATH chain, before DT_RUNPATH), and the
//! findings say which file set them. Nothing is executed: launcher scripts are read, and only
//! the shapes launchers use are understood (`$0`, `dirname`, `readlink -f`, `realpath`,
//! `cd ... && pwd`, `${0%/*}`, `${VAR}`, `${VAR:+...}`, `${VAR:-...}`, quotes); anything else
//! leaves a value unknown, and an unknown value is never guessed.

use crate::findings::Diagnostic;
use crate::inventory::systemd::{self, Units};
use crate::inventory::{Inventory, ObjectId, ObjectKind, parent_dir};
use crate::source::Source;
use std::collections::{BTreeMap, HashMap};

/// The variable.
const VAR: &str = "LD_LIBRARY_PATH";

/// Scripts longer than this are not read as launchers.
const MAX_SCRIPT: usize = 256 << 10;

/// `LD_LIBRARY_PATH` as the tree sets it for one program.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LaunchEnv {
    /// Who sets it: `FILE:LINE (how)`, e.g. `/etc/systemd/system/app.service:7 (Environment=)`.
    pub set_by: String,
    /// The value as it would be at run time (`$ORIGIN` left for the loader to expand).
    pub value: String,
}

impl LaunchEnv {
    /// The absolute directories of the value, in order (empty and relative entries depend on
    /// the working directory and are left out).
    pub fn dirs(&self) -> Vec<&str> {
        self.value
            .split(':')
            .filter(|d| {
                d.starts_with('/') || d.starts_with("$ORIGIN") || d.starts_with("${ORIGIN}")
            })
            .collect()
    }
}

/// Every carried-over program started with an `LD_LIBRARY_PATH` the tree sets, each with the
/// settings found (sorted), and a diagnostic for each launcher script or environment file that
/// could not be read (what it sets is not known, so it is said, never silently left out).
pub fn collect(
    inv: &Inventory,
    source: &dyn Source,
    units: &Units,
) -> (HashMap<ObjectId, Vec<LaunchEnv>>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut out: BTreeMap<ObjectId, Vec<LaunchEnv>> = BTreeMap::new();
    // Launcher scripts: what they run, with the value they set (or none).
    let mut launchers: HashMap<ObjectId, Vec<(ObjectId, Set)>> = HashMap::new();
    for (id, o) in inv.objects.iter().enumerate() {
        let ObjectKind::Script(sb) = &o.kind else {
            continue;
        };
        if !o.carried_over() || !is_shell(sb) {
            continue;
        }
        let text = match systemd::read_text(source, inv, &o.path) {
            Ok(t) => t,
            Err(e) => {
                diags.push(Diagnostic::new(
                    &o.path,
                    format!("shell script not read as a launcher ({e}): an LD_LIBRARY_PATH it sets is not known"),
                ));
                continue;
            }
        };
        if text.len() > MAX_SCRIPT {
            diags.push(Diagnostic::new(
                &o.path,
                format!(
                    "shell script of {} bytes, over the {MAX_SCRIPT} read as launchers: an LD_LIBRARY_PATH it sets is not known",
                    text.len()
                ),
            ));
            continue;
        }
        let runs = launcher(inv, &o.path, &text);
        for (target, env) in &runs {
            if let Set::To(e) = env
                && !e.dirs().is_empty()
            {
                out.entry(*target).or_default().push(e.clone());
            }
        }
        launchers.insert(id, runs);
    }
    // Units: the programs of their Exec lines, directly or through a launcher.
    for u in &units.units {
        if u.masked {
            continue;
        }
        let Some(env) = unit_env(inv, source, u, &mut diags) else {
            continue;
        };
        for key in ["ExecStartPre", "ExecStart", "ExecStartPost", "ExecReload"] {
            for d in u.effective("Service", key) {
                for cmd in super::units_legacy::commands(&d.value) {
                    let Some(prog) = cmd.first().and_then(|p| super::units::specifiers(u, p))
                    else {
                        continue;
                    };
                    if !prog.starts_with('/') {
                        continue;
                    }
                    let Some(id) = inv.object_at(&prog) else {
                        continue;
                    };
                    match &inv.objects[id].kind {
                        ObjectKind::Elf(_) => out.entry(id).or_default().push(env.clone()),
                        ObjectKind::Script(_) => {
                            // A launcher that sets nothing itself passes the unit's on.
                            for (target, own) in launchers.get(&id).into_iter().flatten() {
                                if *own == Set::Inherited {
                                    out.entry(*target).or_default().push(LaunchEnv {
                                        set_by: format!(
                                            "{} via {}",
                                            env.set_by, inv.objects[id].path
                                        ),
                                        value: env.value.clone(),
                                    });
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    let map = out
        .into_iter()
        .map(|(k, mut v)| {
            v.sort();
            v.dedup();
            (k, v)
        })
        .collect();
    diags.sort();
    diags.dedup();
    (map, diags)
}

fn is_shell(sb: &crate::inventory::Shebang) -> bool {
    let prog = sb.program().unwrap_or(&sb.interpreter);
    matches!(
        crate::inventory::file_name(prog),
        "sh" | "bash" | "dash" | "ksh" | "mksh" | "zsh" | "ash" | "busybox"
    )
}

/// The `LD_LIBRARY_PATH` a unit sets: `EnvironmentFile=` settings override `Environment=` ones.
fn unit_env(
    inv: &Inventory,
    source: &dyn Source,
    u: &systemd::Unit,
    diags: &mut Vec<Diagnostic>,
) -> Option<LaunchEnv> {
    let mut found: Option<LaunchEnv> = None;
    for d in u.effective("Service", "Environment") {
        for w in systemd::parse::words(&d.value) {
            if let Some(v) = w.strip_prefix("LD_LIBRARY_PATH=") {
                found = Some(LaunchEnv {
                    set_by: format!("{}:{} (Environment=)", d.file, d.line),
                    value: v.to_string(),
                });
            }
        }
    }
    for d in u.effective("Service", "EnvironmentFile") {
        let p = d.value.trim_start_matches('-');
        let Some(p) = super::units::specifiers(u, p) else {
            continue;
        };
        if !p.starts_with('/') {
            continue;
        }
        let text = match systemd::read_text(source, inv, &p) {
            Ok(t) => t,
            // A missing file is the unit checks' to report.
            Err(e) if e == systemd::NOT_FOUND => continue,
            Err(e) => {
                diags.push(Diagnostic::new(
                    &p,
                    format!(
                        "EnvironmentFile of {} not read ({e}): an LD_LIBRARY_PATH it sets is not known",
                        u.name
                    ),
                ));
                continue;
            }
        };
        for (i, line) in text.lines().enumerate() {
            let l = line.trim();
            if l.starts_with('#') || l.starts_with(';') {
                continue;
            }
            let l = l.strip_prefix("export ").map(str::trim_start).unwrap_or(l);
            if let Some(v) = l.strip_prefix("LD_LIBRARY_PATH=") {
                let v = v.trim();
                let v = unquote(v);
                found = Some(LaunchEnv {
                    set_by: format!("{p}:{} (EnvironmentFile= of {})", i + 1, d.file),
                    value: v,
                });
            }
        }
    }
    found.filter(|e| !e.dirs().is_empty())
}

fn unquote(v: &str) -> String {
    for q in ['"', '\''] {
        if v.len() >= 2 && v.starts_with(q) && v.ends_with(q) {
            return v[1..v.len() - 1].to_string();
        }
    }
    v.to_string()
}

/// What a launcher does to `LD_LIBRARY_PATH` before it runs a program.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Set {
    /// Nothing: the program gets what the launcher got.
    Inherited,
    /// Set to something that depends on what the scan cannot see.
    Unknown,
    To(LaunchEnv),
}

/// What a launcher script runs: each carried-over ELF program it execs or runs, with what it
/// does to `LD_LIBRARY_PATH` for it.
fn launcher(inv: &Inventory, path: &str, text: &str) -> Vec<(ObjectId, Set)> {
    let mut sh = Shell {
        inv,
        vars: HashMap::new(),
        script: path,
    };
    let mut llp = Set::Inherited;
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate().skip(1) {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some(words) = split_words(line) else {
            continue;
        };
        let mut words: &[String] = &words;
        if words
            .first()
            .is_some_and(|w| w == "export" || w == "readonly")
        {
            words = &words[1..];
        }
        // Leading assignments: for the shell (no command) or for one command.
        let mut assigned: Vec<(String, Option<String>)> = Vec::new();
        while let Some((name, value)) = words.first().and_then(|w| assignment(w)) {
            assigned.push((name.to_string(), sh.eval(value)));
            words = &words[1..];
        }
        let cmd_llp = |own: &Set, assigned: &[(String, Option<String>)]| match assigned
            .iter()
            .rev()
            .find(|(n, _)| n == VAR)
        {
            Some((_, Some(v))) => Set::To(LaunchEnv {
                set_by: format!("{path}:{} ({VAR}= before the command)", i + 1),
                value: v.clone(),
            }),
            Some((_, None)) => Set::Unknown,
            None => own.clone(),
        };
        if words.is_empty() {
            for (n, v) in assigned {
                if n == VAR {
                    llp = match &v {
                        Some(value) => Set::To(LaunchEnv {
                            set_by: format!("{path}:{} (export {VAR}=)", i + 1),
                            value: value.clone(),
                        }),
                        None => Set::Unknown,
                    };
                }
                sh.vars.insert(n, v);
            }
            continue;
        }
        let mut cmd = words;
        if cmd.first().is_some_and(|w| w == "exec") {
            cmd = &cmd[1..];
            while cmd.first().is_some_and(|w| w.starts_with('-')) {
                cmd = &cmd[1..];
            }
        }
        let Some(first) = cmd.first().and_then(|w| sh.eval(w)) else {
            continue;
        };
        if !first.starts_with('/') {
            continue;
        }
        let Some(id) = inv.object_at(&first) else {
            continue;
        };
        if matches!(inv.objects[id].kind, ObjectKind::Elf(_)) && inv.objects[id].carried_over() {
            out.push((id, cmd_llp(&llp, &assigned)));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// `NAME=VALUE` (a shell assignment word).
fn assignment(w: &str) -> Option<(&str, &str)> {
    let (n, v) = w.split_once('=')?;
    (!n.is_empty()
        && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !n.starts_with(|c: char| c.is_ascii_digit()))
    .then_some((n, v))
}

/// Split a line into shell words, keeping quotes and expansions inside each word (they are
/// evaluated later). `None` for what this reader does not follow (pipes, `&&` chains are cut
/// at the operator; here-documents and the like end the word list).
fn split_words(line: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = line.chars().peekable();
    let mut depth = 0usize; // inside $( ... )
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q && depth == 0 => {
                quote = None;
                cur.push(c);
            }
            (Some('\''), c) => cur.push(c),
            (_, '\\') => {
                cur.push(c);
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            (_, '$') if chars.peek() == Some(&'(') => {
                cur.push('$');
                cur.push(chars.next().unwrap_or('('));
                depth += 1;
            }
            (_, '(') if depth > 0 => {
                depth += 1;
                cur.push(c);
            }
            (_, ')') if depth > 0 => {
                depth -= 1;
                cur.push(c);
            }
            (None, '"' | '\'') => {
                quote = Some(c);
                cur.push(c);
            }
            (None, ' ' | '\t') if depth == 0 => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            (None, ';' | '&' | '|' | '#') if depth == 0 => {
                if c == '#' && !cur.is_empty() {
                    cur.push(c);
                    continue;
                }
                break;
            }
            _ => cur.push(c),
        }
    }
    if quote.is_some() || depth > 0 {
        return None;
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    Some(out)
}

/// A very small shell evaluator for launcher scripts.
struct Shell<'a> {
    inv: &'a Inventory,
    /// Variables set by the script (`None`: set to something not known).
    vars: HashMap<String, Option<String>>,
    script: &'a str,
}

impl Shell<'_> {
    /// The value of one word, or `None` when it depends on something not known.
    fn eval(&self, w: &str) -> Option<String> {
        let b: Vec<char> = w.chars().collect();
        let mut out = String::new();
        let mut i = 0;
        let mut quote: Option<char> = None;
        while i < b.len() {
            let c = b[i];
            match (quote, c) {
                (Some(q), c) if c == q => {
                    quote = None;
                    i += 1;
                }
                (Some('\''), c) => {
                    out.push(c);
                    i += 1;
                }
                (None, '"' | '\'') => {
                    quote = Some(c);
                    i += 1;
                }
                (_, '\\') => {
                    if let Some(&n) = b.get(i + 1) {
                        out.push(n);
                    }
                    i += 2;
                }
                (_, '$') => {
                    let (v, used) = self.expansion(&b[i..])?;
                    out.push_str(&v);
                    i += used;
                }
                (_, '`') => return None,
                _ => {
                    out.push(c);
                    i += 1;
                }
            }
        }
        Some(out)
    }

    /// Expand the `$...` at the start of `b`; returns the value and the characters used.
    fn expansion(&self, b: &[char]) -> Option<(String, usize)> {
        match b.get(1) {
            Some('(') => {
                let end = matching(b, 1)?;
                let inner: String = b[2..end].iter().collect();
                Some((self.command(inner.trim())?, end + 1))
            }
            Some('{') => {
                let end = b.iter().position(|&c| c == '}')?;
                let body: String = b[2..end].iter().collect();
                Some((self.braced(&body)?, end + 1))
            }
            Some(c) if c.is_ascii_alphabetic() || *c == '_' => {
                let n = b[1..]
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric() || **c == '_')
                    .count();
                let name: String = b[1..1 + n].iter().collect();
                Some((self.var(&name)?, 1 + n))
            }
            Some('0') => Some((self.script.to_string(), 2)),
            _ => None,
        }
    }

    fn var(&self, name: &str) -> Option<String> {
        match self.vars.get(name) {
            Some(v) => v.clone(),
            // Inherited from the caller: an inherited LD_LIBRARY_PATH adds nothing the tree
            // sets; anything else is not known.
            None if name == VAR => Some(String::new()),
            None => None,
        }
    }

    fn braced(&self, body: &str) -> Option<String> {
        if body == "0%/*" {
            return Some(parent_dir(self.script));
        }
        if let Some((name, word)) = body.split_once(":+").or_else(|| body.split_once('+')) {
            let v = self.var(name)?;
            return if v.is_empty() {
                Some(String::new())
            } else {
                self.eval(word)
            };
        }
        if let Some((name, word)) = body.split_once(":-").or_else(|| body.split_once('-')) {
            let v = self.var(name)?;
            return if v.is_empty() {
                self.eval(word)
            } else {
                Some(v)
            };
        }
        if body == "0" {
            return Some(self.script.to_string());
        }
        self.var(body)
    }

    /// `$( ... )`: the commands launchers use to find their own directory.
    fn command(&self, cmd: &str) -> Option<String> {
        // `cd DIR && pwd` / `cd DIR; pwd` (with -P or not).
        for sep in ["&&", ";"] {
            if let Some((a, b)) = cmd.split_once(sep) {
                let b = b.trim();
                if b == "pwd" || b == "pwd -P" {
                    let w = split_words(a.trim())?;
                    let args: Vec<&String> = w
                        .iter()
                        .skip(1)
                        .filter(|a| *a != "-P" && *a != "--")
                        .collect();
                    if w.first().map(String::as_str) == Some("cd") && args.len() == 1 {
                        return self.eval(args[0]).filter(|d| d.starts_with('/'));
                    }
                }
                return None;
            }
        }
        let w = split_words(cmd)?;
        let args: Vec<&String> = w.iter().skip(1).filter(|a| !a.starts_with('-')).collect();
        if args.len() != 1 {
            return None;
        }
        let arg = self.eval(args[0])?;
        match w.first().map(String::as_str)? {
            "dirname" => Some(parent_dir(&arg)),
            "readlink" | "realpath" => Some(self.inv.resolve(&arg).map(|(p, _)| p).unwrap_or(arg)),
            _ => None,
        }
    }
}

/// Index of the `)` closing the `(` at `b[open]`.
fn matching(b: &[char], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, &c) in b.iter().enumerate().skip(open) {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shell(inv: &Inventory) -> Shell<'_> {
        Shell {
            inv,
            vars: HashMap::new(),
            script: "/opt/app/bin/run",
        }
    }

    #[test]
    fn a_launcher_too_large_to_read_is_a_diagnostic() {
        use crate::source::MemorySource;
        let big = format!(
            "#!/bin/sh\nexport LD_LIBRARY_PATH=/opt/app/lib\nexec /opt/app/bin/app\n{}",
            "# padding\n".repeat(30_000)
        );
        let src = MemorySource::new().exe("/opt/app/bin/run", big);
        let r = crate::checks::testkit::scan(&src);
        let d = r
            .diagnostics
            .iter()
            .find(|d| d.path == "/opt/app/bin/run")
            .expect("a diagnostic names the launcher");
        assert!(
            d.reason.contains("LD_LIBRARY_PATH it sets is not known"),
            "{d:?}"
        );
        assert!(!d.unread);
    }

    #[test]
    fn launchers_find_their_own_directory() {
        let inv = Inventory::default();
        let sh = shell(&inv);
        for w in [
            r#""$(dirname "$0")""#,
            r#""$(dirname "$(readlink -f "$0")")""#,
            r#"$(cd "$(dirname "$0")" && pwd)"#,
            r#"$(cd -P -- "$(dirname -- "$0")"; pwd -P)"#,
            r#""${0%/*}""#,
        ] {
            assert_eq!(sh.eval(w).as_deref(), Some("/opt/app/bin"), "{w}");
        }
    }

    #[test]
    fn variables_and_defaults_expand_and_unknowns_stay_unknown() {
        let inv = Inventory::default();
        let mut sh = shell(&inv);
        sh.vars.insert("HERE".into(), Some("/opt/app".into()));
        assert_eq!(
            sh.eval(r#""$HERE/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}""#)
                .as_deref(),
            Some("/opt/app/lib")
        );
        assert_eq!(
            sh.eval("${HERE}/lib:$LD_LIBRARY_PATH").as_deref(),
            Some("/opt/app/lib:")
        );
        assert_eq!(sh.eval("${NOPE:-/usr/lib}"), None);
        assert_eq!(sh.eval("$SNAP/lib"), None);
        assert_eq!(sh.eval("$(uname -m)"), None);
        assert_eq!(sh.eval("`dirname $0`"), None);
        assert_eq!(sh.eval("'$HERE'").as_deref(), Some("$HERE"));
    }

    #[test]
    fn words_keep_quotes_and_stop_at_operators() {
        assert_eq!(
            split_words(r#"exec "$HERE/bin/app" "$@" # run"#).unwrap(),
            vec![r#"exec"#, r#""$HERE/bin/app""#, r#""$@""#]
        );
        assert_eq!(
            split_words(r#"X="$(dirname "$0")"; Y=1"#).unwrap(),
            vec![r#"X="$(dirname "$0")""#]
        );
        assert!(split_words(r#"echo "unclosed"#).is_none());
        assert_eq!(
            assignment("LD_LIBRARY_PATH=/a"),
            Some(("LD_LIBRARY_PATH", "/a"))
        );
        assert_eq!(assignment("1X=/a"), None);
        assert_eq!(assignment("--opt=x"), None);
    }

    #[test]
    fn only_absolute_and_origin_entries_are_directories() {
        let e = LaunchEnv {
            set_by: "x".into(),
            value: "/a::rel:$ORIGIN/../lib:/b".into(),
        };
        assert_eq!(e.dirs(), vec!["/a", "$ORIGIN/../lib", "/b"]);
    }
}
