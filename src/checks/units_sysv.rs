//! SysV leftovers: init scripts and rc.local (still run by systemd 258's generators, which
//! systemd 260 removes), and dependencies on or enablement through the `runlevelN.target`
//! aliases that 258 removed. Offers a native `.service` draft for each script.

use super::interface::{Area, Check, Input, Meta, Needs, Output, Sink};
use super::units::{Op, Origin, Proposal, RowWhy, UnitCtx, UnitOutcome, at, row};
use super::units_deps::{is_runlevel_target, replace_word};
use super::units_directives;
use super::units_legacy::{Kind, scan_file};
use crate::findings::{Code, Finding};
use crate::inventory::systemd::{InitHeader, SysvScript, Unit, words};
use crate::knowledge::format::TargetFacts;
use crate::knowledge::units::Scope;

/// The check: units hooked to the removed runlevel targets.
pub static RUNLEVELS: Check = Check {
    meta: Meta {
        id: "unit-runlevels",
        summary: "units installed into, depending on or ordered against a runlevelN.target",
        area: Area::Units,
        needs: Needs::Unit,
        codes: &[Code::UnitRunlevelTarget],
        reuses: &[Code::UnitDirectiveDeprecated],
        file: "src/checks/units_sysv.rs",
    },
    run: run_runlevels,
};

fn run_runlevels(input: &Input, out: &mut Sink) {
    if let Input::Unit { uc, unit } = input {
        out.propose_all(check_unit(uc, unit));
    }
}

/// The check: SysV init scripts and rc.local, each reported as the unit the generator makes
/// of it, with a native draft.
pub static SYSV_SCRIPTS: Check = Check {
    meta: Meta {
        id: "sysv-scripts",
        summary: "SysV init scripts and rc.local, whose compatibility generators upstream systemd is removing",
        area: Area::Units,
        needs: Needs::Units,
        codes: &[Code::UnitSysvScript, Code::UnitRcLocal],
        reuses: &[
            Code::UnitLegacyPath,
            Code::UnitLegacyCgroup,
            Code::UnitRemovedCommand,
            Code::SystemdLegacyFile,
            Code::SystemdBehaviourChange,
        ],
        file: "src/checks/units_sysv.rs",
    },
    run: run_sysv_scripts,
};

fn run_sysv_scripts(input: &Input, out: &mut Sink) {
    if let Input::Units { uc } = input {
        for (row, outcome) in check_scripts(uc) {
            out.output(Output::UnitRow(row, outcome));
        }
    }
}

const ROW_RUNLEVEL: &str = "runlevel-target";
const ROW_SYSV: &str = "sysv-init-script";
const ROW_RC_LOCAL: &str = "rc-local";

/// The target that replaces a runlevel.
pub fn runlevel_replacement(level: char) -> &'static str {
    match level {
        '0' => "poweroff.target",
        '1' => "rescue.target",
        '5' => "graphical.target",
        '6' => "reboot.target",
        _ => "multi-user.target",
    }
}

fn runlevel_of(name: &str) -> char {
    name.chars().nth("runlevel".len()).unwrap_or('3')
}

/// Hard relations: the unit fails, or is never started, without the target.
const HARD: &[(&str, &str)] = &[
    ("Install", "WantedBy"),
    ("Install", "RequiredBy"),
    ("Install", "UpheldBy"),
    ("Unit", "Requires"),
    ("Unit", "Requisite"),
    ("Unit", "BindsTo"),
];
const SOFT: &[(&str, &str)] = &[
    ("Unit", "After"),
    ("Unit", "Before"),
    ("Unit", "Wants"),
    ("Unit", "PartOf"),
    ("Unit", "Conflicts"),
];

/// Runlevel targets in a unit's dependencies and enablement links.
fn check_unit(uc: &UnitCtx, u: &Unit) -> Vec<Proposal> {
    let mut out = Vec::new();
    for d in &u.directives {
        let hard = HARD.iter().any(|(s, k)| d.section == *s && d.key == *k);
        let soft = SOFT.iter().any(|(s, k)| d.section == *s && d.key == *k);
        if !(hard || soft) {
            continue;
        }
        for name in words(&d.value) {
            if !is_runlevel_target(&name) {
                continue;
            }
            let new = runlevel_replacement(runlevel_of(&name));
            let from = name.clone();
            let to = new.to_string();
            let base = if hard {
                at(Code::UnitRunlevelTarget, d, row(uc, ROW_RUNLEVEL))
            } else {
                units_directives::deprecated_at(d, row(uc, ROW_RUNLEVEL))
            };
            let effect = if d.section == "Install" {
                format!(
                    "`systemctl enable {}` creates a want in {name}, which never starts: the unit does not start at boot",
                    u.name
                )
            } else if hard {
                format!("{} fails: {name} cannot be loaded", u.name)
            } else {
                format!("the {} ordering against {name} is a no-op", d.key)
            };
            out.push(
                Proposal::new(
                    base.subject(format!("{}={name}", d.key))
                        .message(format!(
                            "{}={name}: the runlevel targets are gone in systemd {}; {effect}",
                            d.key,
                            uc.systemd()
                        ))
                        .row_why(uc, ROW_RUNLEVEL, "")
                        .fix(format!(
                            "use {}={new} (the diff does it), then `systemctl reenable {}`",
                            d.key, u.name
                        ))
                        .evidence("replacement", new),
                )
                .edit(d, Op::Map(Box::new(move |v| replace_word(v, &from, &to)))),
            );
        }
    }
    for e in &u.enabled_by {
        if !is_runlevel_target(&e.by) {
            continue;
        }
        let new = runlevel_replacement(runlevel_of(&e.by));
        out.push(Proposal::new(
            Finding::new(Code::UnitRunlevelTarget, &e.link)
                .subject(format!("{}.{}/{}", e.by, e.kind, u.name))
                .message(format!(
                    "{} is enabled through {}, a {} link of {}, which does not exist on systemd {}: it will not start at boot",
                    u.name,
                    e.link,
                    e.kind,
                    e.by,
                    uc.systemd()
                ))
                .row_why(uc, ROW_RUNLEVEL, "")
                .fix(format!("`systemctl enable {}` with WantedBy={new} in its [Install] section (the link farm of {} is not read any more)", u.name, e.by))
                .evidence("link", &e.link)
                .evidence("directive_row", row(uc, ROW_RUNLEVEL))
                .evidence("replacement", new),
        ));
    }
    out
}

/// A SysV script or rc.local as a report row: (unit, path, scope, origin, enabled, draft).
pub(crate) type ScriptRow = (
    String,
    String,
    Scope,
    Origin,
    bool,
    Option<(String, String)>,
);

/// SysV init scripts and rc.local.
fn check_scripts(uc: &UnitCtx) -> Vec<(ScriptRow, UnitOutcome)> {
    let mut out = Vec::new();
    for s in &uc.units.sysv {
        if s.shadowed || !s.executable {
            continue;
        }
        let mut o = UnitOutcome::default();
        let unit = format!("{}.service", s.name);
        let draft_path = format!("/etc/systemd/system/{unit}");
        let text = uc.read(&s.path).unwrap_or_default();
        let draft = sysv_draft(s, &text, &uc.ctx.pack.target);
        o.proposals.push(Proposal::new(
            Finding::new(Code::UnitSysvScript, &s.path)
                .subject(&unit)
                .message(format!(
                    "SysV init script {}: systemd {} still runs it through systemd-sysv-generator as {unit}; systemd {} removes the generator",
                    s.path,
                    uc.systemd(),
                    uc.ctx.pack.target.version("systemd_sysv_removal")
                ))
                .row_why(uc, ROW_SYSV, "")
                .fix(format!(
                    "install a native unit: a draft {draft_path} wraps the script the way the generator does (--write-fixes writes it); better, start the daemon directly (Type=simple or notify)"
                ))
                .evidence("directive_row", row(uc, ROW_SYSV))
                .evidence("runlevels", s.start_runlevels.iter().collect::<String>())
                .evidence("draft", &draft_path),
        ));
        o.proposals.extend(
            scan_file(uc, &s.path, &text, Kind::Script)
                .into_iter()
                .map(Proposal::new),
        );
        out.push((
            (
                unit,
                s.path.clone(),
                Scope::System,
                uc.file_origin(&s.path),
                !s.start_runlevels.is_empty(),
                Some((draft_path, draft)),
            ),
            o,
        ));
    }
    for r in &uc.units.rc_local {
        if !r.executable || !r.has_commands {
            continue;
        }
        let mut o = UnitOutcome::default();
        let draft_path = "/etc/systemd/system/rc-local-migrated.service".to_string();
        let text = uc.read(&r.path).unwrap_or_default();
        o.proposals.push(Proposal::new(
            Finding::new(Code::UnitRcLocal, &r.path)
                .subject("rc-local.service")
                .message(format!(
                    "{} is run at boot by rc-local.service (systemd-rc-local-generator); systemd {} removes it",
                    r.path,
                    uc.ctx.pack.target.version("systemd_sysv_removal")
                ))
                .row_why(uc, ROW_RC_LOCAL, "")
                .fix(format!(
                    "move the commands into a native unit; a draft {draft_path} runs the file the same way (--write-fixes writes it)"
                ))
                .evidence("directive_row", row(uc, ROW_RC_LOCAL))
                .evidence("draft", &draft_path),
        ));
        o.proposals.extend(
            scan_file(uc, &r.path, &text, Kind::Script)
                .into_iter()
                .map(Proposal::new),
        );
        out.push((
            (
                "rc-local.service".to_string(),
                r.path.clone(),
                Scope::System,
                uc.file_origin(&r.path),
                true,
                Some((draft_path, rc_local_draft(&r.path, &uc.ctx.pack.target))),
            ),
            o,
        ));
    }
    out
}

/// LSB facilities as systemd-sysv-generator maps them: (facility, unit, also Wants=).
const FACILITIES: &[(&str, &str, bool)] = &[
    ("$local_fs", "local-fs.target", false),
    ("$network", "network-online.target", true),
    ("$named", "nss-lookup.target", false),
    ("$portmap", "rpcbind.target", false),
    ("$remote_fs", "remote-fs.target", false),
    ("$time", "time-sync.target", false),
];

/// A native unit that runs the script the way systemd-sysv-generator's generated unit does
/// (Type=forking, RemainAfterExit=yes, KillMode=process, GuessMainPID=no ...), so it keeps
/// working once the generator is gone.
pub fn sysv_draft(s: &SysvScript, text: &str, t: &TargetFacts) -> String {
    let h: &InitHeader = &s.header;
    let desc = h
        .short_description
        .clone()
        .or_else(|| h.description.clone())
        .map(|d| format!("LSB: {d}"))
        .unwrap_or_else(|| format!("SysV: {}", s.name));
    let mut after: Vec<String> = Vec::new();
    let mut wants: Vec<String> = Vec::new();
    for f in h.required_start.iter().chain(&h.should_start) {
        if f == "$syslog" || f == "$all" {
            continue;
        }
        if let Some((_, unit, w)) = FACILITIES.iter().find(|(n, _, _)| n == f) {
            after.push(unit.to_string());
            if *w {
                wants.push(unit.to_string());
            }
        } else if !f.starts_with('$') && !f.is_empty() {
            after.push(format!("{f}.service"));
        }
    }
    after.dedup();
    let reload = ["reload)", "reload|", "|reload", "reload )"]
        .iter()
        .any(|p| text.contains(p));
    let mut levels: Vec<char> = s.start_runlevels.clone();
    for l in &h.default_start {
        if let Some(c) = l.chars().next()
            && !levels.contains(&c)
        {
            levels.push(c);
        }
    }
    let wanted_by = if levels.iter().any(|l| matches!(l, '2' | '3' | '4')) {
        Some("multi-user.target")
    } else if levels.contains(&'5') {
        Some("graphical.target")
    } else {
        None
    };
    let mut u = String::new();
    u.push_str(&format!(
        "# Native unit drafted by azl-compat from the SysV init script {}.\n\
         # systemd {} runs the script through systemd-sysv-generator; systemd {} removes the\n\
         # generator. This unit runs the script the way the generated unit did. Review it, and\n\
         # prefer starting the daemon directly (Type=simple or Type=notify) when you can.\n",
        s.path,
        t.systemd(),
        t.version("systemd_sysv_removal")
    ));
    u.push_str("[Unit]\n");
    u.push_str(&format!("Description={desc}\n"));
    u.push_str(&format!("SourcePath={}\n", s.path));
    if !wants.is_empty() {
        u.push_str(&format!("Wants={}\n", wants.join(" ")));
    }
    if !after.is_empty() {
        u.push_str(&format!("After={}\n", after.join(" ")));
    }
    u.push_str("\n[Service]\nType=forking\nRestart=no\nTimeoutSec=5min\nIgnoreSIGPIPE=no\nKillMode=process\nGuessMainPID=no\nRemainAfterExit=yes\nSuccessExitStatus=5 6\n");
    if let Some(pid) = &h.pidfile {
        u.push_str(&format!("PIDFile={}\n", pid.replace("/var/run/", "/run/")));
    }
    u.push_str(&format!("ExecStart={} start\n", s.path));
    u.push_str(&format!("ExecStop={} stop\n", s.path));
    if reload {
        u.push_str(&format!("ExecReload={} reload\n", s.path));
    }
    if let Some(t) = wanted_by {
        u.push_str(&format!("\n[Install]\nWantedBy={t}\n"));
    }
    u
}

/// A native unit that runs rc.local the way rc-local.service does.
pub fn rc_local_draft(path: &str, t: &TargetFacts) -> String {
    let (sd, removal) = (t.systemd(), t.version("systemd_sysv_removal"));
    format!(
        "# Native unit drafted by azl-compat for {path}.\n\
         # systemd {sd} runs it through rc-local.service (systemd-rc-local-generator), which\n\
         # systemd {removal} removes. Better: move each command into its own unit.\n\
         [Unit]\n\
         Description=Commands of {path} (was rc-local.service)\n\
         ConditionFileIsExecutable={path}\n\
         Wants=network-online.target\n\
         After=network-online.target\n\
         \n\
         [Service]\n\
         Type=forking\n\
         ExecStart={path} start\n\
         TimeoutSec=0\n\
         RemainAfterExit=yes\n\
         GuessMainPID=no\n\
         \n\
         [Install]\n\
         WantedBy=multi-user.target\n"
    )
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{scan, with_code};
    use crate::findings::Code;
    use crate::source::MemorySource;

    /// A script or rc.local the checks cannot read (over the read cap, not UTF-8) is an unread
    /// diagnostic (the verdict is incomplete), never a silent skip.
    #[test]
    fn an_unreadable_init_script_is_a_diagnostic_not_a_silent_skip() {
        let mut big = b"#!/bin/sh\n".to_vec();
        big.resize(5 << 20, b'#');
        let src = MemorySource::new()
            .exe("/etc/rc.d/init.d/huge", big)
            .symlink("/etc/rc.d/rc3.d/S90huge", "../init.d/huge")
            .exe("/etc/rc.d/rc.local", b"#!/bin/sh\n\xff\xfe\n");
        let r = scan(&src);
        for (path, why) in [
            ("/etc/rc.d/init.d/huge", "larger than"),
            ("/etc/rc.d/rc.local", "not UTF-8"),
        ] {
            let d = r
                .diagnostics
                .iter()
                .find(|d| d.path == path)
                .unwrap_or_else(|| panic!("no diagnostic for {path}: {:#?}", r.diagnostics));
            assert!(d.reason.contains(why), "{d:?}");
            assert!(d.unread, "{d:?}");
        }
    }

    #[test]
    fn sysv_scripts_rc_local_and_runlevel_targets_are_reported_with_drafts() {
        let init = "#!/bin/sh\n### BEGIN INIT INFO\n# Provides: legacyd\n# Default-Start: 3 5\n# Default-Stop: 0 1 6\n### END INIT INFO\ncase \"$1\" in start) /opt/legacyd ;; esac\n";
        let src = MemorySource::new()
            .exe("/etc/rc.d/init.d/legacyd", init)
            .symlink("/etc/rc.d/rc3.d/S90legacyd", "../init.d/legacyd")
            .exe(
                "/etc/rc.d/rc.local",
                "#!/bin/sh\ntouch /var/lock/subsys/local\n",
            )
            .text(
                "/etc/systemd/system/app.service",
                "[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=runlevel3.target\n",
            );
        let r = scan(&src);
        let sysv = with_code(&r, Code::UnitSysvScript);
        assert_eq!(sysv.len(), 1, "{:#?}", r.findings);
        assert_eq!(sysv[0].subject.as_deref(), Some("legacyd.service"));
        assert_eq!(
            sysv[0].evidence["draft"],
            "/etc/systemd/system/legacyd.service"
        );
        assert_eq!(
            with_code(&r, Code::UnitRcLocal).len(),
            1,
            "{:#?}",
            r.findings
        );
        let rl = with_code(&r, Code::UnitRunlevelTarget);
        assert_eq!(rl.len(), 1, "{:#?}", r.findings);
        assert_eq!(rl[0].evidence["replacement"], "multi-user.target");
        // The script's unit carries a native draft.
        let unit = r
            .units
            .iter()
            .find(|u| u.unit == "legacyd.service")
            .unwrap();
        assert!(
            unit.migrated
                .iter()
                .any(|(p, d)| p.ends_with("legacyd.service") && d.contains("ExecStart="))
        );
    }
}
