//! systemd units end to end: build `corpora/units` (units, drop-ins, SysV scripts, rc.local and
//! host files covering every row of platform/units-directives.tsv), scan it through the library
//! and check loading, every finding (file and line), verdicts, diffs (applied with `patch`),
//! the migrated units (`systemd-analyze verify`), drafts, and the shared unit corpus.
//!
//! Needs `gcc`, `patch`, and `systemd-analyze` (Debian package `systemd`), which `scripts/test`
//! installs; a missing tool fails the test, never skips it.

mod common;

use azl_compat::checks::units::UnitReport;
use azl_compat::checks::units_write::{fixes_dir_allowed, write_fixes};
use azl_compat::checks::{self, Context, Verdict};
use azl_compat::engine::units::check_loaded;
use azl_compat::findings::{Code, Finding, Severity};
use azl_compat::inventory::systemd::{self, Units, parse};
use azl_compat::inventory::walk::{self, NoProgress};
use azl_compat::inventory::{Inventory, ld_so_conf, ownership, packages};
use azl_compat::knowledge::Pack;
use azl_compat::knowledge::units::Scope;
use azl_compat::source::DirSource;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

struct Scan {
    /// The built fixture (OUTDIR); the root is OUTDIR/root.
    _dir: tempfile::TempDir,
    root: PathBuf,
    units: Units,
    reports: Vec<UnitReport>,
    findings: Vec<Finding>,
    diagnostics: Vec<azl_compat::findings::Diagnostic>,
}

fn build_fixture() -> tempfile::TempDir {
    common::build_corpus_tree("units")
}

/// Scan a root the way `scan.rs` does, then the unit checks.
fn scan_root(
    root: &Path,
) -> (
    Inventory,
    Units,
    Vec<UnitReport>,
    Vec<Finding>,
    Vec<azl_compat::findings::Diagnostic>,
) {
    let source = DirSource::new(root, false).unwrap();
    let mut inv = walk::walk(&source, &NoProgress);
    let db = packages::read_installed(&source);
    let pack = Pack::builtin();
    let is_debian_name = |n: &str| matches!(pack.debian_mapping(n), Ok(Some(_)));
    let origins: Vec<ownership::Origin> = db
        .packages
        .iter()
        .map(|p| ownership::classify(p, &is_debian_name))
        .collect();
    let own = ownership::apply(&mut inv, &db, &origins);
    let mut diags = Vec::new();
    let ld = ld_so_conf::read(&source, &own, &mut diags);
    let (judged, units, reports, findings, diagnostics) = {
        let ctx = Context::new(&inv, Pack::builtin(), ld);
        let outcome = checks::run(&ctx);
        let units = systemd::load(&source, &inv);
        let (reports, findings, diagnostics) =
            check_loaded(&ctx, &source, &outcome.judged, &own, &units);
        (outcome.judged.len(), units, reports, findings, diagnostics)
    };
    let _ = judged;
    (inv, units, reports, findings, diagnostics)
}

fn fixture() -> &'static Scan {
    static SCAN: OnceLock<Scan> = OnceLock::new();
    SCAN.get_or_init(|| {
        let dir = build_fixture();
        let root = dir.path().join("root");
        let (_, units, reports, findings, diagnostics) = scan_root(&root);
        Scan {
            _dir: dir,
            root,
            units,
            reports,
            findings,
            diagnostics,
        }
    })
}

fn ev<'a>(f: &'a Finding, k: &str) -> &'a str {
    f.evidence.get(k).map(String::as_str).unwrap_or("")
}

fn report<'a>(s: &'a Scan, unit: &str) -> &'a UnitReport {
    s.reports
        .iter()
        .find(|r| r.unit == unit)
        .unwrap_or_else(|| panic!("no report for {unit}"))
}

fn findings_at<'a>(s: &'a Scan, path: &str) -> Vec<&'a Finding> {
    s.findings.iter().filter(|f| f.path == path).collect()
}

/// (units-directives.tsv row, code, file, line (0 = a finding about the whole file)): at least
/// one such finding must be in the fixture's report.
#[rustfmt::skip]
const EXPECTED: &[(&str, Code, &str, usize)] = &[
    ("memory-limit", Code::UnitLimitIgnored, "/etc/systemd/system/acme-limits.service", 6),
    ("memory-limit", Code::UnitLimitIgnored, "/etc/systemd/system/acme-cont.service", 12),
    ("memory-limit", Code::UnitLimitIgnored, "/etc/systemd/system/acme-static.service.d/10-override.conf", 4),
    ("cpu-shares", Code::UnitLimitIgnored, "/etc/systemd/system/acme-limits.service", 7),
    ("cpu-shares", Code::UnitLimitIgnored, "/etc/systemd/system/acme-tpl@.service.d/10-tpl.conf", 2),
    ("cpu-shares", Code::UnitLimitIgnored, "/etc/systemd/user/acme-agent.service", 6),
    ("startup-cpu-shares", Code::UnitLimitIgnored, "/etc/systemd/system/acme-limits.service", 8),
    ("block-io-accounting", Code::UnitDirectiveDeprecated, "/etc/systemd/system/acme-limits.service", 9),
    ("block-io-weight", Code::UnitLimitIgnored, "/etc/systemd/system/acme-limits.service", 10),
    ("startup-block-io-weight", Code::UnitLimitIgnored, "/etc/systemd/system/acme-limits.service", 11),
    ("block-io-device-weight", Code::UnitLimitIgnored, "/etc/systemd/system/acme-limits.service", 12),
    ("block-io-read-bandwidth", Code::UnitLimitIgnored, "/etc/systemd/system/acme-limits.service", 13),
    ("block-io-write-bandwidth", Code::UnitLimitIgnored, "/etc/systemd/system/acme-limits.service", 14),
    ("cpu-accounting", Code::UnitDirectiveDeprecated, "/etc/systemd/system/acme-limits.service", 15),
    ("default-memory-protection", Code::UnitLimitIgnored, "/etc/systemd/system/acme.slice", 5),
    ("default-accounting", Code::UnitDirectiveDeprecated, "/etc/systemd/system.conf", 3),
    ("default-accounting", Code::UnitDirectiveDeprecated, "/etc/systemd/system.conf", 4),
    ("join-controllers", Code::UnitDirectiveDeprecated, "/etc/systemd/system.conf", 5),
    ("net-class", Code::UnitDirectiveDeprecated, "/etc/systemd/system/acme-legacy.service", 21),
    ("capabilities", Code::UnitDirectiveDeprecated, "/etc/systemd/system/acme-legacy.service", 22),
    ("sysv-start-priority", Code::UnitDirectiveDeprecated, "/etc/systemd/system/acme-legacy.service", 23),
    ("bus-policy", Code::UnitDirectiveDeprecated, "/etc/systemd/system/acme-legacy.service", 24),
    ("ignore-on-snapshot", Code::UnitDirectiveDeprecated, "/etc/systemd/system/acme-legacy.service", 5),
    ("requires-overridable", Code::UnitDirectiveDeprecated, "/etc/systemd/system/acme-legacy.service", 3),
    ("requires-overridable", Code::UnitDirectiveDeprecated, "/etc/systemd/system/acme-legacy.service", 4),
    ("exec-double-bang-prefix", Code::UnitDirectiveDeprecated, "/etc/systemd/system/acme-legacy.service", 13),
    ("permissions-start-only", Code::UnitDirectiveDeprecated, "/etc/systemd/system/acme-legacy.service", 10),
    ("kill-mode-none", Code::UnitDirectiveDeprecated, "/etc/systemd/system/acme-legacy.service", 16),
    ("include", Code::UnitDirectiveRemoved, "/etc/systemd/system/acme-include.service", 3),
    ("standard-output-syslog", Code::UnitDirectiveDeprecated, "/etc/systemd/system/acme-legacy.service", 17),
    ("standard-output-syslog", Code::UnitDirectiveDeprecated, "/etc/systemd/system/acme-legacy.service", 18),
    ("standard-output-syslog", Code::UnitDirectiveDeprecated, "/opt/acme/units/acme-linked.service", 6),
    ("condition-null", Code::UnitDirectiveRemoved, "/etc/systemd/system/acme-never.service", 3),
    ("condition-null", Code::UnitDirectiveDeprecated, "/etc/systemd/system/acme-legacy.service", 6),
    ("var-run-path", Code::UnitLegacyPath, "/etc/systemd/system/acme-legacy.service", 15),
    ("var-run-path", Code::UnitLegacyPath, "/etc/systemd/system/acme-sock.socket", 5),
    ("start-limit-in-service", Code::UnitDirectiveDeprecated, "/etc/systemd/system/acme-legacy.service", 19),
    ("start-limit-in-service", Code::UnitDirectiveDeprecated, "/etc/systemd/system/acme-legacy.service", 20),
    ("runlevel-target", Code::UnitRunlevelTarget, "/etc/systemd/system/acme-runlevel.service", 11),
    ("runlevel-target", Code::UnitDirectiveDeprecated, "/etc/systemd/system/acme-runlevel.service", 3),
    ("runlevel-target", Code::UnitRunlevelTarget, "/etc/systemd/system/runlevel3.target.wants/acme-runlevel.service", 0),
    ("sysv-init-script", Code::UnitSysvScript, "/etc/init.d/acme-sysv", 0),
    ("rc-local", Code::UnitRcLocal, "/etc/rc.local", 0),
    ("sysv-commands", Code::UnitRemovedCommand, "/etc/systemd/system/acme-cmds.service", 6),
    ("sysv-commands", Code::UnitRemovedCommand, "/etc/systemd/system/acme-cmds.service", 7),
    ("sysv-commands", Code::UnitRemovedCommand, "/opt/acme/bin/acme-script.sh", 7),
    ("sysv-commands", Code::UnitRemovedCommand, "/etc/init.d/acme-sysv", 17),
    ("forcefsck-file", Code::SystemdLegacyFile, "/forcefsck", 0),
    ("forcefsck-file", Code::SystemdLegacyFile, "/opt/acme/bin/acme-script.sh", 10),
    ("forcequotacheck-file", Code::SystemdLegacyFile, "/forcequotacheck", 0),
    ("run-lock", Code::UnitLegacyPath, "/etc/sysconfig/acme", 3),
    ("run-lock", Code::UnitLegacyPath, "/opt/acme/bin/acme-script.sh", 6),
    ("cgroup-v1", Code::UnitLegacyCgroup, "/etc/systemd/system/acme-exec.service", 10),
    ("cgroup-v1", Code::UnitLegacyCgroup, "/etc/sysconfig/acme", 2),
    ("cgroup-v1", Code::UnitLegacyCgroup, "/opt/acme/bin/acme-script.sh", 5),
    ("cgroup-v1", Code::UnitLegacyCgroup, "/etc/rc.local", 3),
    ("cgroup-v1", Code::UnitLegacyCgroup, "/etc/default/grub", 2),
    ("ip-forward", Code::UnitDirectiveDeprecated, "/etc/systemd/network/10-eth.network", 6),
    ("iptc-nat-backend", Code::UnitDirectiveDeprecated, "/etc/systemd/network/10-eth.network", 7),
    ("reboot-positional-argument", Code::UnitRemovedCommand, "/etc/systemd/system/acme-cmds.service", 7),
    ("halt-local", Code::SystemdLegacyFile, "/usr/sbin/halt.local", 0),
    ("uaccess-add-only", Code::SystemdBehaviourChange, "/etc/udev/rules.d/80-acme.rules", 2),
    ("system-user-manager", Code::SystemdBehaviourChange, "/etc/cron.d/acme", 2),
    ("tty-default-mode", Code::SystemdBehaviourChange, "/etc/systemd/system/acme-cmds.service", 8),
    ("tty-default-mode", Code::SystemdBehaviourChange, "/opt/acme/bin/acme-script.sh", 11),
];

/// Rows no finding is about, and the test that covers each.
const NO_FINDING_ROWS: &[(&str, &str)] = &[
    (
        "split-usr",
        "split_usr_unmerged_units_load_and_merged_programs_resolve",
    ),
    (
        "minimum-kernel",
        "minimum_kernel_row_is_documented_not_checked",
    ),
];

#[test]
fn every_directive_row_is_covered() {
    let s = fixture();
    let rows = Pack::builtin().units().directives();
    assert_eq!(rows.len(), 44, "units-directives.tsv has 44 rows");
    let mut missing = Vec::new();
    for r in rows {
        let row = r.id.as_str();
        if r.codes.is_empty() {
            assert!(
                NO_FINDING_ROWS.iter().any(|(id, _)| *id == row),
                "row `{row}` has no code and no test named in NO_FINDING_ROWS"
            );
            assert!(
                !s.findings.iter().any(|f| ev(f, "directive_row") == row),
                "row `{row}` is documented as never reported"
            );
            continue;
        }
        for code in &r.codes {
            if !EXPECTED.iter().any(|(id, c, _, _)| *id == row && c == code) {
                missing.push(format!("EXPECTED has no ({row}, {code})"));
            }
        }
    }
    for (row, code, path, line) in EXPECTED {
        let hit = s.findings.iter().any(|f| {
            f.code == *code
                && f.path == *path
                && ev(f, "directive_row") == *row
                && (*line == 0 || ev(f, "line") == line.to_string())
        });
        if !hit {
            missing.push(format!("no {code} for `{row}` at {path}:{line}"));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

#[test]
fn minimum_kernel_row_is_documented_not_checked() {
    let pack = Pack::builtin();
    let row = pack.units().directive("minimum-kernel").expect("row");
    assert_eq!(row.directive, "Minimum kernel");
    assert!(row.codes.is_empty());
    assert!(
        row.coverage.contains("target.versions.kernel"),
        "{}",
        row.coverage
    );
    // The target's kernel is above the minimum the row states (5.4 and later for systemd 258).
    let kernel = &Pack::builtin().target.versions["kernel"];
    let major: u32 = kernel.split('.').next().unwrap().parse().unwrap();
    assert!(major >= 6, "{kernel}");
    assert!(
        Pack::builtin()
            .units()
            .directive("Minimum kernel")
            .is_some()
    );
}

/// Every finding about a line names the file and the line, and that line of the file is the
/// directive (or text) the finding quotes.
#[test]
fn findings_give_file_and_line() {
    let s = fixture();
    let mut bad = Vec::new();
    for f in &s.findings {
        let line_based = f.evidence.contains_key("directive") || f.evidence.contains_key("text");
        if !line_based {
            continue;
        }
        let Ok(n) = ev(f, "line").parse::<usize>() else {
            bad.push(format!("{} at {} has no line", f.code, f.path));
            continue;
        };
        let text = std::fs::read_to_string(s.root.join(f.path.trim_start_matches('/')))
            .unwrap_or_else(|e| panic!("{}: {e}", f.path));
        let Some(l) = text.lines().nth(n - 1) else {
            bad.push(format!("{} at {}:{n}: beyond the end", f.code, f.path));
            continue;
        };
        let directive = ev(f, "directive");
        let ok = if !directive.is_empty() {
            let key = directive.split('=').next().unwrap_or("");
            let key = key.split_whitespace().next().unwrap_or(key);
            l.trim_start().starts_with(key)
        } else {
            l.trim() == ev(f, "text").trim_end_matches('…')
                || l.trim().starts_with(ev(f, "text").trim_end_matches('…'))
        };
        if !ok {
            bad.push(format!(
                "{} at {}:{n}: line is `{l}`, finding quotes `{directive}{}`",
                f.code,
                f.path,
                ev(f, "text")
            ));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
    // The fixture parses without a diagnostic.
    assert!(s.diagnostics.is_empty(), "{:?}", s.diagnostics);
}

#[test]
fn units_load_like_systemd() {
    let s = fixture();
    let u = |n: &str| {
        s.units
            .get(Scope::System, n)
            .unwrap_or_else(|| panic!("{n} not loaded"))
    };
    // /etc overrides /usr/lib; the lower copy is never read into the unit.
    let limits = u("acme-limits.service");
    assert_eq!(
        limits.file.as_deref(),
        Some("/etc/systemd/system/acme-limits.service")
    );
    assert!(findings_at(s, "/usr/lib/systemd/system/acme-limits.service").is_empty());
    assert_eq!(limits.aliases, ["acme-alias.service"]);
    assert!(s.units.get(Scope::System, "acme-alias.service").is_none());
    assert_eq!(
        s.units
            .lookup(Scope::System, "acme-alias.service")
            .unwrap()
            .name,
        "acme-limits.service"
    );
    assert!(limits.enabled());
    assert_eq!(limits.enabled_by[0].by, "multi-user.target");
    // Masks: a link to /dev/null; the masked content is not checked.
    let masked = u("acme-masked.service");
    assert!(masked.masked && masked.directives.is_empty());
    assert!(findings_at(s, "/usr/lib/systemd/system/acme-masked.service").is_empty());
    assert!(report(s, "acme-masked.service").masked);
    // A linked unit (a link to a file outside the unit directories).
    assert_eq!(
        u("acme-linked.service").file.as_deref(),
        Some("/opt/acme/units/acme-linked.service")
    );
    // Drop-ins: sorted by file name across directories, /etc shadowing /usr/lib, type-level
    // service.d included; an empty ExecStart= resets the list.
    let st = u("acme-static.service");
    assert_eq!(
        st.dropins,
        [
            "/etc/systemd/system/service.d/10-env.conf",
            "/etc/systemd/system/acme-static.service.d/10-override.conf",
            "/etc/systemd/system/acme-static.service.d/20-more.conf",
        ]
    );
    let exec: Vec<&str> = st
        .effective("Service", "ExecStart")
        .iter()
        .map(|d| d.value.as_str())
        .collect();
    assert_eq!(exec, ["/opt/acme/bin/acme-ok --static"]);
    assert_eq!(
        st.value("Unit", "Description"),
        Some("Acme static (overridden)")
    );
    assert!(
        !s.findings
            .iter()
            .any(|f| ev(f, "program") == "/opt/acme/bin/acme-gone")
    );
    assert!(!s.findings.iter().any(|f| {
        f.path
            .contains("/usr/lib/systemd/system/acme-static.service.d")
    }));
    // The type-level drop-in applies to every service, distro ones too.
    assert!(
        u("ssh.service")
            .dropins
            .iter()
            .any(|d| d.ends_with("service.d/10-env.conf"))
    );
    assert!(
        !u("acme-sock.socket")
            .dropins
            .iter()
            .any(|d| d.ends_with("service.d/10-env.conf"))
    );
    // Templates and enabled instances, with the template's drop-ins.
    let inst = u("acme-tpl@alpha.service");
    assert_eq!(inst.template.as_deref(), Some("acme-tpl@.service"));
    assert_eq!(inst.instance.as_deref(), Some("alpha"));
    assert!(inst.enabled());
    assert!(
        inst.dropins
            .iter()
            .any(|d| d.ends_with("acme-tpl@.service.d/10-tpl.conf"))
    );
    assert!(!u("acme-tpl@.service").enabled());
    // The instance's program is resolved; the template's (%i) is not judged.
    let missing: Vec<&Finding> = s
        .findings
        .iter()
        .filter(|f| {
            f.code == Code::UnitExecMissing
                && f.subject.as_deref() == Some("/opt/acme/bin/alpha-worker")
        })
        .collect();
    assert_eq!(missing.len(), 1);
    assert_eq!(ev(missing[0], "unit"), "acme-tpl@alpha.service");
    // Continuations and comments: lines of the key and of its end.
    let c = u("acme-cont.service");
    let e = c.effective("Service", "ExecStart");
    assert_eq!((e[0].line, e[0].end_line), (8, 11));
    assert_eq!(e[0].value, "/opt/acme/bin/acme-ok    --one    --two");
    assert_eq!(
        c.value("Unit", "Description"),
        Some("Acme continuation    test")
    );
    // User units and their enablement.
    let agent = s
        .units
        .get(Scope::User, "acme-agent.service")
        .expect("user unit");
    assert_eq!(agent.enabled_by[0].by, "default.target");
    assert_eq!(report(s, "acme-agent.service").scope, "user");
    // SysV scripts: executable, not shadowed by a native unit, with their rc links.
    let names: Vec<&str> = s.units.sysv.iter().map(|x| x.name.as_str()).collect();
    assert_eq!(names, ["acme-noexec", "acme-sysv", "ssh"]);
    let sysv = s.units.sysv.iter().find(|x| x.name == "acme-sysv").unwrap();
    assert!(sysv.executable && !sysv.shadowed);
    assert_eq!(sysv.start_runlevels, ['3']);
    assert!(
        s.units
            .sysv
            .iter()
            .find(|x| x.name == "ssh")
            .unwrap()
            .shadowed
    );
    assert!(
        !s.units
            .sysv
            .iter()
            .find(|x| x.name == "acme-noexec")
            .unwrap()
            .executable
    );
    assert!(
        !s.reports
            .iter()
            .any(|r| r.path == "/etc/init.d/acme-noexec" || r.path == "/etc/init.d/ssh")
    );
    assert_eq!(s.units.rc_local.len(), 1);
    assert!(s.units.rc_local[0].executable);
}

#[test]
fn split_usr_unmerged_units_load_and_merged_programs_resolve() {
    let s = fixture();
    // Debian's unmerged /lib/systemd/system is a unit directory.
    let ssh = s
        .units
        .get(Scope::System, "ssh.service")
        .expect("ssh.service from /lib");
    assert_eq!(ssh.file.as_deref(), Some("/lib/systemd/system/ssh.service"));
    // /usr/sbin/X and /bin/X resolve to Azure Linux's merged /usr/bin.
    let pkg = |path: &str, prog: &str| {
        s.findings
            .iter()
            .find(|f| {
                f.code == Code::UnitExecFromPackage && f.path == path && ev(f, "program") == prog
            })
            .map(|f| ev(f, "package").to_string())
            .unwrap_or_else(|| panic!("{prog} in {path} not resolved to a package"))
    };
    assert_eq!(
        pkg("/etc/systemd/system/acme-exec.service", "/usr/sbin/nginx"),
        "nginx-core"
    );
    assert_eq!(
        pkg("/etc/systemd/system/acme-cmds.service", "/bin/sh"),
        "bash"
    );
    assert_eq!(
        pkg("/lib/systemd/system/ssh.service", "/usr/sbin/sshd"),
        "openssh-server"
    );
}

#[test]
fn unit_verdicts_follow_their_programs() {
    let s = fixture();
    let r = report(s, "acme-exec.service");
    assert_eq!(r.verdict, Verdict::Breaks);
    assert!(r.findings.contains(&Code::UnitExecBreaks));
    let brk = s
        .findings
        .iter()
        .find(|f| f.code == Code::UnitExecBreaks)
        .expect("unit-exec-breaks");
    assert_eq!(brk.path, "/etc/systemd/system/acme-exec.service");
    assert_eq!(ev(brk, "line"), "6");
    assert_eq!(ev(brk, "resolved"), "/opt/acme/bin/acme-broken");
    assert_eq!(ev(brk, "unit"), "acme-exec.service");
    assert!(r.packages.contains("nginx-core") && r.packages.contains("valkey-compat-redis"));
    // A missing program of ExecStop= with `-` is a warning; of ExecStartPost= a blocker.
    let sev = |prog: &str| {
        s.findings
            .iter()
            .find(|f| f.code == Code::UnitExecMissing && ev(f, "program") == prog)
            .map(|f| f.severity)
    };
    assert_eq!(sev("/usr/bin/acme-nowhere"), Some(Severity::Blocker));
    assert_eq!(
        sev("/usr/local/bin/acme-stop-missing"),
        Some(Severity::Warning)
    );
    for (unit, verdict) in [
        ("acme-limits.service", Verdict::Ok),
        ("acme-legacy.service", Verdict::Ok),
        ("acme-include.service", Verdict::Breaks),
        ("acme-never.service", Verdict::Breaks),
        ("acme-runlevel.service", Verdict::Breaks),
        ("acme-cmds.service", Verdict::Breaks),
        ("acme-tpl@alpha.service", Verdict::Breaks),
        ("acme-tpl@.service", Verdict::Ok),
        ("nginx.service", Verdict::NeedsPackages),
        ("acme-sysv.service", Verdict::Breaks),
        ("rc-local.service", Verdict::Breaks),
    ] {
        assert_eq!(report(s, unit).verdict, verdict, "{unit}");
    }
}

#[test]
fn distro_units_get_notes_only() {
    let s = fixture();
    for unit in ["ssh.service", "nginx.service", "xinetd.service"] {
        let r = report(s, unit);
        assert_eq!(r.origin, "distro", "{unit}");
        assert!(r.diff.is_none(), "{unit} has a diff");
        assert!(r.verdict != Verdict::Breaks, "{unit}");
        for f in findings_at(s, &r.path) {
            if matches!(f.code, Code::UnitPresetDisabled | Code::UnitNotShipped) {
                continue;
            }
            assert_eq!(f.severity, Severity::Info, "{} on {unit}", f.code);
            assert_eq!(ev(f, "origin"), "distro");
        }
    }
    // The same directive in a workload unit is a warning.
    let lim = s
        .findings
        .iter()
        .find(|f| f.code == Code::UnitLimitIgnored && f.path == "/lib/systemd/system/ssh.service")
        .expect("MemoryLimit= in ssh.service");
    assert_eq!(ev(lim, "severity_for_workload"), "warning");
    assert_eq!(report(s, "acme-limits.service").origin, "workload");
}

#[test]
fn presets_name_the_enable_command() {
    let s = fixture();
    let p = s
        .findings
        .iter()
        .find(|f| f.code == Code::UnitPresetDisabled)
        .expect("unit-preset-disabled");
    assert_eq!(p.path, "/lib/systemd/system/nginx.service");
    assert_eq!(ev(p, "enable"), "systemctl enable nginx.service");
    assert_eq!(ev(p, "preset"), "disable *");
    assert!(
        p.fix.contains("systemctl enable nginx.service"),
        "{}",
        p.fix
    );
    assert_eq!(p.severity, Severity::Warning);
    let n = s
        .findings
        .iter()
        .find(|f| f.code == Code::UnitNotShipped)
        .expect("unit-not-shipped");
    assert_eq!(n.subject.as_deref(), Some("xinetd.service"));
    assert_eq!(n.severity, Severity::Info);
    // ssh.service maps to sshd.service, which the presets enable: nothing to say.
    assert!(
        !findings_at(s, "/lib/systemd/system/ssh.service")
            .iter()
            .any(|f| matches!(f.code, Code::UnitPresetDisabled | Code::UnitNotShipped))
    );
}

#[test]
fn dependencies_name_their_replacements() {
    let s = fixture();
    let dep = |subject: &str| {
        s.findings
            .iter()
            .find(|f| f.subject.as_deref() == Some(subject))
            .unwrap_or_else(|| panic!("no finding on {subject}"))
    };
    let f = dep("After=network.service");
    assert_eq!(
        (f.code, ev(f, "replacement")),
        (Code::UnitWeakDependencyMissing, "network-online.target")
    );
    let f = dep("After=ntpd.service");
    assert_eq!(ev(f, "replacement"), "chronyd.service");
    let f = dep("Requires=xinetd.service");
    assert_eq!(
        (f.code, f.severity),
        (Code::UnitDependencyMissing, Severity::Blocker)
    );
    assert_eq!(ev(f, "line"), "4");
    // syslog.target is a no-op everywhere; units of the tree and of Azure Linux are fine.
    assert!(
        !s.findings
            .iter()
            .any(|f| ev(f, "dependency") == "syslog.target")
    );
    assert!(
        !s.findings
            .iter()
            .any(|f| ev(f, "dependency") == "acme-limits.service")
    );
    assert!(
        !s.findings
            .iter()
            .any(|f| ev(f, "dependency") == "multi-user.target")
    );
}

/// Copy a tree (links kept) with `cp -a`.
fn copy_tree(from: &Path, to: &Path) {
    let st = Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .status()
        .expect("cp");
    assert!(st.success());
}

#[test]
fn diffs_apply_cleanly_with_patch() {
    common::require_tool("patch");
    let s = fixture();
    let mut applied = 0;
    for r in &s.reports {
        let Some(diff) = &r.diff else { continue };
        let tmp = tempfile::tempdir().unwrap();
        let copy = tmp.path().join("root");
        copy_tree(&s.root, &copy);
        let mut child = Command::new("patch")
            .args(["-p1", "--batch", "--forward", "-d"])
            .arg(&copy)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("patch");
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(diff.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "patch failed for {}:\n{diff}\n{}{}",
            r.unit,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!r.migrated.is_empty());
        for (path, text) in &r.migrated {
            let got = std::fs::read_to_string(copy.join(path.trim_start_matches('/'))).unwrap();
            assert_eq!(
                &got, text,
                "{}: patched file differs from the migrated unit",
                r.unit
            );
        }
        applied += 1;
    }
    assert!(applied >= 10, "only {applied} diffs");
}

/// The migrated units and the drafts, in a root with the host's systemd units, pass
/// `systemd-analyze verify` without a word about them.
#[test]
fn migrated_units_pass_systemd_analyze_verify() {
    common::require_tool("systemd-analyze");
    let s = fixture();
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    // The host's units (targets, sysinit ...), then the fixture's programs and scripts.
    let host_units = ["/usr/lib/systemd/system", "/lib/systemd/system"]
        .iter()
        .map(Path::new)
        .find(|p| p.join("sysinit.target").exists())
        .expect("host systemd units");
    std::fs::create_dir_all(root.join("usr/lib/systemd")).unwrap();
    let st = Command::new("cp")
        .arg("-rL")
        .arg(host_units)
        .arg(root.join("usr/lib/systemd/system"))
        .status()
        .unwrap();
    assert!(st.success());
    for f in [
        "opt/acme/bin/acme-ok",
        "etc/init.d/acme-sysv",
        "etc/rc.local",
    ] {
        let to = root.join(f);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(s.root.join(f), &to).unwrap();
    }
    // Units whose every finding the migration fixes (or leaves on purpose, like KillMode=none).
    let chosen = [
        "acme-limits.service",
        "acme-legacy.service",
        "acme-include.service",
        "acme-never.service",
        "acme-cont.service",
        "acme-linked.service",
        "acme-static.service",
        "acme-tpl@.service",
        "acme-sysv.service",
        "rc-local.service",
    ];
    let mut names = Vec::new();
    let dir = root.join("etc/systemd/system");
    std::fs::create_dir_all(&dir).unwrap();
    for unit in chosen {
        let r = report(s, unit);
        assert!(!r.migrated.is_empty(), "{unit} has nothing migrated");
        for (path, text) in &r.migrated {
            // Everything goes to /etc/systemd/system (the linked unit's file too).
            let rel = path.trim_start_matches('/');
            let dest = if rel.starts_with("etc/systemd/system/") {
                root.join(rel)
            } else {
                dir.join(Path::new(rel).file_name().unwrap())
            };
            std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
            std::fs::write(&dest, text).unwrap();
        }
        let name = match unit {
            "acme-tpl@.service" => "acme-tpl@alpha.service".to_string(),
            "rc-local.service" => "rc-local-migrated.service".to_string(),
            u => u.to_string(),
        };
        names.push(name);
    }
    // Unmigrated fragments the migrated drop-ins apply to.
    for (from, to) in [
        (
            "usr/lib/systemd/system/acme-static.service",
            "etc/systemd/system/acme-static.service",
        ),
        (
            "etc/systemd/system/acme-tpl@.service",
            "etc/systemd/system/acme-tpl@.service",
        ),
    ] {
        std::fs::copy(s.root.join(from), root.join(to)).unwrap();
    }
    // The template's instance runs /opt/acme/bin/alpha-worker.
    std::fs::copy(
        s.root.join("opt/acme/bin/acme-ok"),
        root.join("opt/acme/bin/alpha-worker"),
    )
    .unwrap();
    let out = Command::new("systemd-analyze")
        .args(["verify", "--man=no", "--generators=no"])
        .arg(format!("--root={}", root.display()))
        .args(&names)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let about_ours: Vec<&str> = stderr
        .lines()
        .filter(|l| names.iter().any(|n| l.contains(n.as_str())) || l.contains("acme"))
        // Left on purpose: KillMode=none changes behaviour when fixed (docs/units.md).
        .filter(|l| !l.contains("KillMode=none"))
        .collect();
    assert!(
        out.status.success() && about_ours.is_empty(),
        "systemd-analyze verify ({}):\n{stderr}",
        out.status
    );
    // Control: the same tool does complain about the unmigrated unit.
    std::fs::copy(
        s.root.join("etc/systemd/system/acme-limits.service"),
        dir.join("acme-original.service"),
    )
    .unwrap();
    let out = Command::new("systemd-analyze")
        .args(["verify", "--man=no", "--generators=no"])
        .arg(format!("--root={}", root.display()))
        .arg("acme-original.service")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("acme-original.service:6") && stderr.contains("MemoryLimit"),
        "systemd-analyze verify did not flag the unmigrated unit:\n{stderr}"
    );
}

#[test]
fn write_fixes_writes_migrated_units_and_drafts_outside_the_tree() {
    let s = fixture();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("fixes");
    assert!(fixes_dir_allowed(&s.root, &out).is_ok());
    assert!(fixes_dir_allowed(&s.root, &s.root.join("etc/fixes")).is_err());
    assert!(fixes_dir_allowed(&s.root, &s.root).is_err());
    write_fixes(&s.reports, &[], &out, Default::default()).unwrap();
    let read =
        |p: &str| std::fs::read_to_string(out.join(p)).unwrap_or_else(|e| panic!("{p}: {e}"));
    let limits = read("etc/systemd/system/acme-limits.service");
    assert!(limits.contains("MemoryMax=512M") && !limits.contains("MemoryLimit"));
    let draft = read("etc/systemd/system/acme-sysv.service");
    for want in [
        "Description=LSB: Acme legacy daemon",
        "After=network-online.target remote-fs.target acme-limits.service",
        "Wants=network-online.target",
        "Type=forking",
        "PIDFile=/run/acme-sysv.pid",
        "ExecStart=/etc/init.d/acme-sysv start",
        "ExecStop=/etc/init.d/acme-sysv stop",
        "ExecReload=/etc/init.d/acme-sysv reload",
        "WantedBy=multi-user.target",
    ] {
        assert!(draft.contains(want), "draft lacks `{want}`:\n{draft}");
    }
    assert!(
        read("etc/systemd/system/rc-local-migrated.service")
            .contains("ExecStart=/etc/rc.local start")
    );
    assert!(
        read("etc/systemd/system/acme-static.service.d/10-override.conf").contains("MemoryMax=1G")
    );
    // Distro units are never rewritten.
    assert!(!out.join("lib/systemd/system/ssh.service").exists());
    // The scanned tree is untouched.
    let orig =
        std::fs::read_to_string(s.root.join("etc/systemd/system/acme-limits.service")).unwrap();
    assert!(orig.contains("MemoryLimit=512M"));
}

/// Scanning the tree with the migrated files in place leaves nothing the migration fixes.
#[test]
fn migrated_tree_rescans_clean() {
    let s = fixture();
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join("root");
    copy_tree(&s.root, &copy);
    let mut migrated: BTreeSet<String> = BTreeSet::new();
    for r in &s.reports {
        // Migrated units and the drafts (a draft shadows its SysV script, as it should).
        for (path, text) in &r.migrated {
            std::fs::write(copy.join(path.trim_start_matches('/')), text).unwrap();
            migrated.insert(path.clone());
        }
    }
    let (_, units, reports, findings, diagnostics) = scan_root(&copy);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    assert!(
        units
            .sysv
            .iter()
            .find(|x| x.name == "acme-sysv")
            .unwrap()
            .shadowed
    );
    assert!(
        !reports
            .iter()
            .any(|r| r.findings.contains(&Code::UnitSysvScript))
    );
    let left: Vec<String> = findings
        .iter()
        .filter(|f| migrated.contains(&f.path))
        .filter(|f| !ev(f, "directive_row").is_empty())
        // Left on purpose: changing KillMode=none changes what a stop does.
        .filter(|f| ev(f, "directive_row") != "kill-mode-none")
        .map(|f| format!("{} {}:{} {}", f.code, f.path, ev(f, "line"), f.message))
        .collect();
    assert!(left.is_empty(), "{}", left.join("\n"));
}

#[test]
fn reports_serialize_for_the_json_report() {
    let s = fixture();
    let v = serde_json::to_value(report(s, "acme-limits.service")).unwrap();
    for key in [
        "unit", "path", "scope", "origin", "enabled", "masked", "verdict", "findings", "diff",
    ] {
        assert!(v.get(key).is_some(), "no `{key}` in {v}");
    }
    assert_eq!(v["verdict"], "ok");
    assert_eq!(v["origin"], "workload");
    assert!(v.get("migrated").is_none());
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == "unit-limit-ignored")
    );
}

/// Every unit file of the shared corpus that `systemd-analyze verify` accepted parses and loads
/// without a diagnostic.
#[test]
fn corpus_units_parse_without_a_diagnostic() {
    let Some(dir) = common::corpora_dir() else {
        return;
    };
    let manifest = std::fs::read_to_string(dir.join("MANIFEST.tsv")).unwrap();
    let mut lines = manifest.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    let col = |n: &str| {
        header
            .iter()
            .position(|h| *h == n)
            .unwrap_or_else(|| panic!("no {n} column"))
    };
    let (file, kind, count) = (col("file"), col("kind"), col("tool_count"));
    let tmp = tempfile::tempdir().unwrap();
    let unit_dir = tmp.path().join("lib/systemd/system");
    std::fs::create_dir_all(&unit_dir).unwrap();
    let mut n = 0;
    for l in lines {
        let f: Vec<&str> = l.split('\t').collect();
        if f.get(kind) != Some(&"systemd-unit") || f.get(count) != Some(&"0") {
            continue;
        }
        let path = dir.join(f[file]);
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let p = parse::parse(f[file], &text);
        assert!(p.issues.is_empty(), "{}: {:?}", f[file], p.issues);
        assert!(!p.directives.is_empty(), "{}: nothing parsed", f[file]);
        let name = Path::new(f[file]).file_name().unwrap();
        std::fs::copy(&path, unit_dir.join(name)).unwrap();
        n += 1;
    }
    assert!(n >= 22, "only {n} accepted unit files in the corpus");
    // Loaded as systemd would, and checked: no diagnostic either.
    let (_, units, _, _, diagnostics) = scan_root(tmp.path());
    assert_eq!(units.units.len(), n);
    assert!(units.diagnostics.is_empty(), "{:?}", units.diagnostics);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
}

/// Manual: scan the root in `$AZL_COMPAT_UNITS_ROOT` and print the unit reports.
#[test]
#[ignore = "manual run against a real root"]
fn scan_a_real_root() {
    let root = std::env::var_os("AZL_COMPAT_UNITS_ROOT").expect("set AZL_COMPAT_UNITS_ROOT");
    let t = std::time::Instant::now();
    let (_, units, reports, findings, diagnostics) = scan_root(Path::new(&root));
    eprintln!(
        "{} units, {} reports, {} findings, {} diagnostics in {:?}",
        units.units.len(),
        reports.len(),
        findings.len(),
        diagnostics.len(),
        t.elapsed()
    );
    for r in &reports {
        if !r.findings.is_empty() {
            eprintln!(
                "{} {} {} {:?} {:?}",
                r.unit,
                r.origin,
                r.verdict.as_str(),
                r.findings,
                r.diff.is_some()
            );
        }
    }
    for f in &findings {
        if f.severity > Severity::Info {
            eprintln!(
                "  {} {} {}:{} {}",
                f.code,
                f.severity.as_str(),
                f.path,
                ev(f, "line"),
                f.message
            );
        }
    }
    for d in &diagnostics {
        eprintln!("  DIAG {} {}", d.path, d.reason);
    }
}
