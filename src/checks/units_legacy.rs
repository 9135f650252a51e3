//! Legacy interfaces a unit relies on, in its own lines, in its `EnvironmentFile=` files and in
//! the scripts it runs: cgroup v1 paths (gone in 258), `/var/run` paths (rewritten), `/run/lock`
//! (deprecated), SysV runlevel commands (`telinit`, `runlevel`, `initctl`, `init N`, removed in
//! 258), `systemctl reboot ARG`, boot flag files (`/forcefsck` ...), and tty tools whose default
//! permissions changed. The text scanners are shared with the SysV, rc.local and host checks.

use super::interface::{Area, Check, Input, Meta, Needs, Sink};
use super::units::{Op, Proposal, RowWhy, UnitCtx, at, row, specifiers};
use super::units_directives::{EXEC_KEYS, exec_prefix};
use crate::findings::{Code, Finding, Severity};
use crate::inventory::ObjectKind;
use crate::inventory::systemd::{Directive, Unit, words};
use crate::knowledge::Pack;
use std::collections::BTreeSet;

/// The check: legacy paths, cgroup v1 and removed commands in units and the scripts they run.
pub static CHECK: Check = Check {
    meta: Meta {
        id: "unit-legacy",
        summary: "legacy paths, cgroup v1 interfaces, removed commands and legacy files in units and the scripts they run",
        area: Area::Units,
        needs: Needs::Unit,
        codes: &[
            Code::UnitLegacyPath,
            Code::UnitLegacyCgroup,
            Code::UnitRemovedCommand,
            Code::SystemdLegacyFile,
            Code::SystemdBehaviourChange,
        ],
        reuses: &[],
        file: "src/checks/units_legacy.rs",
    },
    run,
};

fn run(input: &Input, out: &mut Sink) {
    if let Input::Unit { uc, unit } = input {
        out.propose_all(check(uc, unit));
    }
}

const ROW_CGROUP: &str = "cgroup-v1";
const ROW_VAR_RUN: &str = "var-run-path";
const ROW_RUN_LOCK: &str = "run-lock";
const ROW_TELINIT: &str = "sysv-commands";
const ROW_REBOOT: &str = "reboot-positional-argument";
const ROW_FSCK: &str = "forcefsck-file";
const ROW_QUOTA: &str = "forcequotacheck-file";
const ROW_TTY: &str = "tty-default-mode";

/// cgroup v1 controller hierarchies (and the v1 `name=systemd` and hybrid `unified` mounts).
const V1_HIERARCHIES: &[&str] = &[
    "memory",
    "cpu",
    "cpuacct",
    "cpu,cpuacct",
    "cpuacct,cpu",
    "cpuset",
    "blkio",
    "devices",
    "freezer",
    "net_cls",
    "net_prio",
    "net_cls,net_prio",
    "net_prio,net_cls",
    "perf_event",
    "hugetlb",
    "pids",
    "rdma",
    "misc",
    "systemd",
    "unified",
];

/// Interface files that exist only in cgroup v1.
const V1_FILES: &[&str] = &[
    "memory.limit_in_bytes",
    "memory.usage_in_bytes",
    "memory.max_usage_in_bytes",
    "memory.memsw.limit_in_bytes",
    "memory.soft_limit_in_bytes",
    "cpu.cfs_quota_us",
    "cpu.cfs_period_us",
    "cpu.shares",
    "cpuacct.usage",
    "cpuacct.stat",
    "blkio.throttle.read_bps_device",
    "blkio.weight",
];

/// Kernel command line / environment switches that forced cgroup v1 (no longer honoured).
const V1_SWITCHES: &[&str] = &[
    "systemd.unified_cgroup_hierarchy=0",
    "systemd.unified_cgroup_hierarchy=false",
    "systemd.unified_cgroup_hierarchy=no",
    "systemd.legacy_systemd_cgroup_controller",
    "SYSTEMD_CGROUP_ENABLE_LEGACY_FORCE",
];

/// Markers of code that also knows cgroup v2 (a fallback may exist).
const V2_MARKERS: &[&str] = &["memory.max", "cgroup.controllers", "cgroup2", "cpu.max"];

/// A legacy interface found in a line of text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Hit {
    pub code: Code,
    pub row: &'static str,
    /// What was found (`/sys/fs/cgroup/memory`, `telinit`).
    pub subject: String,
    pub message: String,
    pub fix: String,
    pub severity: Option<Severity>,
}

/// What kind of text is scanned (which rules apply).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A shell script (init script, rc.local, a program a unit runs).
    Script,
    /// An `EnvironmentFile=` or other configuration text.
    Config,
}

/// cgroup v1 interfaces in a text fragment.
pub(crate) fn cgroup_v1(text: &str) -> Vec<String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(i) = rest.find("/sys/fs/cgroup/") {
        let tail = &rest[i + "/sys/fs/cgroup/".len()..];
        let comp: String = tail
            .chars()
            .take_while(|c| {
                !matches!(
                    c,
                    '/' | '"' | '\'' | '`' | ';' | ')' | '$' | '}' | ':' | '*'
                ) && !c.is_whitespace()
            })
            .collect();
        if V1_HIERARCHIES.contains(&comp.as_str()) {
            out.insert(format!("/sys/fs/cgroup/{comp}"));
        }
        rest = &rest[i + 1..];
    }
    for f in V1_FILES.iter().chain(V1_SWITCHES) {
        if contains_word(text, f) {
            out.insert((*f).to_string());
        }
    }
    out.into_iter().collect()
}

/// `needle` occurs in `text` not as part of a longer name.
fn contains_word(text: &str, needle: &str) -> bool {
    let ok =
        |c: Option<char>| c.is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'));
    let mut start = 0;
    while let Some(i) = text[start..].find(needle) {
        let a = start + i;
        let b = a + needle.len();
        if ok(text[..a].chars().next_back()) && ok(text[b..].chars().next()) {
            return true;
        }
        start = a + 1;
    }
    false
}

/// The commands of one shell line: (command basename, its arguments). A crude tokenizer:
/// segments split at `;`, `&&`, `||`, `|`, `&`, `$(`, backticks and parentheses; leading
/// keywords, `sudo`/`exec`/`command`/`nohup`, and `VAR=value` assignments are skipped.
pub(crate) fn shell_commands(line: &str) -> Vec<(String, Vec<String>)> {
    let code = strip_comment(line);
    let mut segs: Vec<String> = vec![String::new()];
    let mut chars = code.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            ';' | '|' | '&' | '`' | '(' | ')' | '{' | '}' => segs.push(String::new()),
            '$' if chars.peek() == Some(&'(') => {
                chars.next();
                segs.push(String::new());
            }
            c => segs.last_mut().expect("one").push(c),
        }
    }
    let skip = [
        "then", "do", "else", "elif", "if", "while", "until", "!", "exec", "sudo", "command",
        "nohup", "time", "env", "-",
    ];
    let mut out = Vec::new();
    for s in segs {
        let mut w: Vec<&str> = s.split_whitespace().collect();
        while let Some(first) = w.first() {
            let is_assign = first.split_once('=').is_some_and(|(k, _)| {
                !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            });
            if skip.contains(first) || is_assign {
                w.remove(0);
            } else {
                break;
            }
        }
        let Some(first) = w.first() else { continue };
        let base = first.rsplit('/').next().unwrap_or(first).to_string();
        out.push((base, w[1..].iter().map(|s| s.to_string()).collect()));
    }
    out
}

fn strip_comment(line: &str) -> &str {
    let t = line.trim_start();
    if t.starts_with('#') {
        return "";
    }
    // ` #` starts a comment (outside quotes; quotes are not tracked exactly).
    match line.find(" #") {
        Some(i) if !line[..i].contains(['"', '\'']) => &line[..i],
        _ => line,
    }
}

/// Legacy interfaces in one line of a script (or a unit's command line); messages cite the
/// target's systemd and the directive rows of `pack`.
pub(crate) fn scan_line(line: &str, kind: Kind, v2_aware: bool, pack: &Pack) -> Vec<Hit> {
    let sd = pack.target.systemd();
    let mut hits = Vec::new();
    let code_part = if kind == Kind::Script {
        strip_comment(line)
    } else {
        let t = line.trim_start();
        if t.starts_with('#') || t.starts_with(';') {
            ""
        } else {
            line
        }
    };
    if code_part.trim().is_empty() {
        return hits;
    }
    for s in cgroup_v1(code_part) {
        hits.push(Hit {
            code: Code::UnitLegacyCgroup,
            row: ROW_CGROUP,
            message: if v2_aware {
                format!("uses the cgroup v1 interface {s}; it also refers to cgroup v2 files, so it may have a fallback")
            } else {
                format!("uses the cgroup v1 interface {s}, which does not exist on systemd {sd} (cgroup v2 only)")
            },
            fix: "use the cgroup v2 interface (/sys/fs/cgroup/<unit cgroup>/memory.max, cpu.max, io.max ...) or systemd's resource-control settings (MemoryMax=, CPUQuota=, IOWeight=)".into(),
            severity: v2_aware.then_some(Severity::Warning),
            subject: s,
        });
    }
    if code_part.contains("/run/lock/") || code_part.contains("/var/lock/") {
        hits.push(Hit {
            code: Code::UnitLegacyPath,
            row: ROW_RUN_LOCK,
            subject: "/run/lock".into(),
            message: format!(
                // Upstream history (the row's `since`), not the target's systemd: systemd's
                // own release names (v258).
                "writes lock files below /run/lock (or /var/lock), deprecated since systemd v{}",
                pack.units().directive(ROW_RUN_LOCK).map_or(sd, |r| r.since.as_str())
            ),
            fix: "use RuntimeDirectory= (a private /run/<name>) or flock on the device; or ship a tmpfiles.d entry that creates /run/lock".into(),
            severity: None,
        });
    }
    for (flag, row) in [
        ("/forcefsck", ROW_FSCK),
        ("/fastboot", ROW_FSCK),
        ("/forcequotacheck", ROW_QUOTA),
    ] {
        if contains_path(code_part, flag) {
            hits.push(Hit {
                code: Code::SystemdLegacyFile,
                row,
                subject: flag.into(),
                message: format!("uses the boot flag file {flag}, which systemd {sd} ignores"),
                fix: if flag == "/forcequotacheck" {
                    "use the quotacheck.mode= kernel command line option or credential".into()
                } else {
                    "use the fsck.mode= kernel command line option (or credential): fsck.mode=force, fsck.mode=skip".into()
                },
                severity: None,
            });
        }
    }
    if code_part.contains("/dev/initctl") {
        hits.push(removed_cmd(
            "/dev/initctl",
            ROW_TELINIT,
            &format!("writes to /dev/initctl, which systemd {sd} no longer provides"),
        ));
    }
    for (cmd, args) in shell_commands(code_part) {
        match cmd.as_str() {
            "telinit" | "runlevel" | "initctl" => hits.push(removed_cmd(
                &cmd,
                ROW_TELINIT,
                &format!("runs `{cmd}`, which systemd {sd} removed (SysV/upstart runlevel interface)"),
            )),
            "init"
                if args.first().is_some_and(|a| {
                    a.len() == 1 && "0123456sSqQuU".contains(a.as_str())
                }) =>
            {
                hits.push(removed_cmd(
                    "init N",
                    ROW_TELINIT,
                    &format!("runs `init {}`, which systemd {sd} no longer honours", args[0]),
                ))
            }
            "systemctl" => {
                let mut it = args.iter().filter(|a| !a.starts_with('-'));
                if it.next().is_some_and(|v| v == "reboot")
                    && let Some(arg) = it.next() {
                        hits.push(removed_cmd(
                            "systemctl reboot ARG",
                            ROW_REBOOT,
                            &format!("runs `systemctl reboot {arg}`: the positional argument was removed in systemd 253"),
                        ));
                    }
            }
            "wall" | "write" | "talk" | "mesg" => hits.push(Hit {
                code: Code::SystemdBehaviourChange,
                row: ROW_TTY,
                subject: cmd.clone(),
                message: format!("runs `{cmd}`: terminals are mode 0600 by default on systemd {sd}, so messages to other users' terminals are refused unless sent as root"),
                fix: "send notifications through the journal, logind or email; or run the tool as root".into(),
                severity: Some(Severity::Info),
            }),
            _ => {}
        }
    }
    hits
}

fn contains_path(text: &str, path: &str) -> bool {
    let mut start = 0;
    while let Some(i) = text[start..].find(path) {
        let a = start + i;
        let b = a + path.len();
        let before = text[..a].chars().next_back();
        let after = text[b..].chars().next();
        let ok_before =
            before.is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '/' || c == '_' || c == '.'));
        let ok_after =
            after.is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '/'));
        if ok_before && ok_after {
            return true;
        }
        start = a + 1;
    }
    false
}

fn removed_cmd(subject: &str, row: &'static str, message: &str) -> Hit {
    let fix = if row == ROW_REBOOT {
        "use `systemctl reboot --reboot-argument=ARG`".to_string()
    } else {
        "use systemctl: `systemctl isolate multi-user.target` (runlevel 3), `graphical.target` (5), `rescue.target` (1), `systemctl poweroff`/`reboot`; `systemctl get-default` instead of `runlevel`".to_string()
    };
    Hit {
        code: Code::UnitRemovedCommand,
        row,
        subject: subject.to_string(),
        message: message.to_string(),
        fix,
        severity: None,
    }
}

/// Findings for a whole text file (script or configuration), one per hit, with `line`.
pub(crate) fn scan_file(uc: &UnitCtx, path: &str, text: &str, kind: Kind) -> Vec<Finding> {
    let v2 = V2_MARKERS.iter().any(|m| text.contains(m));
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        for h in scan_line(line, kind, v2, uc.ctx.pack) {
            out.push(hit_finding(uc, h, path, i + 1, line.trim()));
        }
    }
    out
}

pub(crate) fn hit_finding(uc: &UnitCtx, h: Hit, path: &str, line: usize, text: &str) -> Finding {
    let mut f = Finding::new(h.code, path)
        .subject(&h.subject)
        .message(h.message)
        .row_why(uc, h.row, "")
        .fix(h.fix)
        .evidence("line", line.to_string())
        .evidence("text", truncate(text))
        .evidence("directive_row", row(uc, h.row));
    if let Some(s) = h.severity {
        f.severity = s;
    }
    f
}

fn truncate(s: &str) -> String {
    if s.chars().count() <= 160 {
        return s.to_string();
    }
    let mut t: String = s.chars().take(160).collect();
    t.push('…');
    t
}

/// Check one unit: its directives, its environment files, the scripts it runs.
fn check(uc: &UnitCtx, u: &Unit) -> Vec<Proposal> {
    let mut out = Vec::new();
    let v2 = u
        .directives
        .iter()
        .any(|d| V2_MARKERS.iter().any(|m| d.value.contains(m)));
    for d in &u.directives {
        out.extend(directive(uc, d, v2));
    }
    // Environment files.
    let mut seen = BTreeSet::new();
    for d in u.effective("Service", "EnvironmentFile") {
        let p = d.value.trim_start_matches('-');
        let Some(p) = specifiers(u, p) else { continue };
        if !p.starts_with('/') || !seen.insert(p.clone()) {
            continue;
        }
        if let Some(text) = uc.read(&p) {
            for f in scan_file(uc, &p, &text, Kind::Config) {
                out.push(Proposal::new(f.evidence("environment_file_of", &d.file)));
            }
        }
    }
    // Carried-over scripts the unit runs.
    for key in EXEC_KEYS {
        for d in u.effective(section_of_exec(u), key) {
            for cmd in commands(&d.value) {
                let Some(prog) = cmd.first().and_then(|p| specifiers(u, p)) else {
                    continue;
                };
                if !prog.starts_with('/') || !seen.insert(prog.clone()) {
                    continue;
                }
                let Some(id) = uc.ctx.inv.object_at(&prog) else {
                    continue;
                };
                let obj = &uc.ctx.inv.objects[id];
                if !obj.carried_over() || !matches!(obj.kind, ObjectKind::Script(_)) {
                    continue;
                }
                if let Some(text) = uc.read(&obj.path) {
                    for f in scan_file(uc, &obj.path, &text, Kind::Script) {
                        out.push(Proposal::new(f.evidence("run_by", &d.file)));
                    }
                }
            }
        }
    }
    out
}

/// The section holding a unit's Exec lines.
pub(crate) fn section_of_exec(u: &Unit) -> &'static str {
    match u.unit_type() {
        "socket" => "Socket",
        "mount" => "Mount",
        "swap" => "Swap",
        _ => "Service",
    }
}

/// The commands of an Exec value (words, prefixes removed), split at lone `;`.
pub(crate) fn commands(value: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut cur: Vec<String> = Vec::new();
    for w in words(value) {
        if w == ";" {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        if cur.is_empty() {
            let (_, rest) = exec_prefix(&w);
            if rest.is_empty() {
                continue;
            }
            cur.push(rest.to_string());
        } else {
            cur.push(w);
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn directive(uc: &UnitCtx, d: &Directive, v2: bool) -> Vec<Proposal> {
    let mut out = Vec::new();
    let k = d.key.as_str();
    // /var/run paths systemd rewrites.
    let path_key = k == "PIDFile" || (d.section == "Socket" && k.starts_with("Listen"));
    if path_key && d.value.contains("/var/run/") {
        out.push(
            Proposal::new(
                at(Code::UnitLegacyPath, d, row(uc, ROW_VAR_RUN))
                    .subject(format!("{k}="))
                    .message(format!(
                        "{k}={} is below /var/run: systemd rewrites it to /run and logs a notice",
                        d.value
                    ))
                    .row_why(uc, ROW_VAR_RUN, "")
                    .fix(format!(
                        "use {k}={} (the diff does it)",
                        d.value.replace("/var/run/", "/run/")
                    )),
            )
            .edit(d, Op::Map(Box::new(|v| v.replace("/var/run/", "/run/")))),
        );
    }
    let is_exec = EXEC_KEYS.contains(&k);
    let mut hits: Vec<Hit> = Vec::new();
    if is_exec {
        for cmd in commands(&d.value) {
            let base = cmd[0].rsplit('/').next().unwrap_or(&cmd[0]).to_string();
            let line = std::iter::once(base.clone())
                .chain(cmd[1..].iter().cloned())
                .collect::<Vec<_>>()
                .join(" ");
            hits.extend(scan_line(&line, Kind::Script, v2, uc.ctx.pack));
            // `sh -c '...'`: the script text is an argument.
            if matches!(base.as_str(), "sh" | "bash" | "dash" | "ksh" | "zsh")
                && let Some(i) = cmd.iter().position(|a| a == "-c")
                && let Some(script) = cmd.get(i + 1)
            {
                hits.extend(scan_line(script, Kind::Script, v2, uc.ctx.pack));
            }
        }
    } else {
        hits.extend(
            scan_line(&d.value, Kind::Config, v2, uc.ctx.pack)
                .into_iter()
                .filter(|h| {
                    h.code != Code::SystemdBehaviourChange && h.code != Code::UnitRemovedCommand
                }),
        );
    }
    hits.sort_by(|a, b| (a.code, &a.subject).cmp(&(b.code, &b.subject)));
    hits.dedup_by(|a, b| a.code == b.code && a.subject == b.subject);
    for h in hits {
        let mut f = at(h.code, d, row(uc, h.row))
            .subject(&h.subject)
            .message(format!("{k}=: {}", h.message))
            .row_why(uc, h.row, "")
            .fix(h.fix);
        if let Some(s) = h.severity {
            f.severity = s;
        }
        out.push(Proposal::new(f));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cgroup_v1_paths_and_switches() {
        assert_eq!(
            cgroup_v1("cat /sys/fs/cgroup/memory/app/memory.limit_in_bytes"),
            ["/sys/fs/cgroup/memory", "memory.limit_in_bytes"]
        );
        assert_eq!(
            cgroup_v1("X=/sys/fs/cgroup/cpu,cpuacct/x"),
            ["/sys/fs/cgroup/cpu,cpuacct"]
        );
        assert!(cgroup_v1("cat /sys/fs/cgroup/memory.max").is_empty());
        assert!(cgroup_v1("/sys/fs/cgroup/system.slice/x").is_empty());
        assert_eq!(
            cgroup_v1("GRUB_CMDLINE_LINUX=\"quiet systemd.unified_cgroup_hierarchy=0\""),
            ["systemd.unified_cgroup_hierarchy=0"]
        );
    }

    #[test]
    fn shell_commands_find_command_positions() {
        let c =
            shell_commands("if [ \"$(runlevel)\" = x ]; then sudo /sbin/telinit 3; fi # init 5");
        let names: Vec<&str> = c.iter().map(|(n, _)| n.as_str()).collect();
        assert!(names.contains(&"runlevel"));
        assert!(names.contains(&"telinit"));
        assert!(!names.contains(&"init"));
        assert!(shell_commands("# telinit 3").is_empty());
        let c = shell_commands("FOO=1 exec init 3");
        assert_eq!(c[0], ("init".to_string(), vec!["3".to_string()]));
        // Words in strings are not commands.
        let hits = scan_line(
            "echo \"the runlevel is\"",
            Kind::Script,
            false,
            Pack::builtin(),
        );
        assert!(hits.is_empty(), "{hits:?}");
        let hits = scan_line("systemctl reboot now", Kind::Script, false, Pack::builtin());
        assert_eq!(hits[0].row, ROW_REBOOT);
        assert!(
            scan_line(
                "systemctl reboot --force",
                Kind::Script,
                false,
                Pack::builtin()
            )
            .is_empty()
        );
        assert_eq!(
            scan_line("touch /forcefsck", Kind::Script, false, Pack::builtin())[0].row,
            ROW_FSCK
        );
        assert!(scan_line("touch /forcefsckx", Kind::Script, false, Pack::builtin()).is_empty());
    }

    #[test]
    fn exec_commands_split() {
        assert_eq!(
            commands("-/bin/a x ; !!/bin/b"),
            [
                vec!["/bin/a".to_string(), "x".to_string()],
                vec!["/bin/b".to_string()]
            ]
        );
    }
}
