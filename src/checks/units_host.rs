//! Host-level systemd changes on the way to 258 that no single unit carries: manager settings
//! (system.conf, user.conf), systemd-networkd `.network` settings, boot flag files and
//! halt.local, kernel command lines that force cgroup v1, udev `uaccess` rules, and crontabs
//! that expect a per-user service manager.

use super::interface::{Area, Check, Input, Meta, Needs, Sink};
use super::units::{Origin, RowWhy, UnitCtx, row};
use super::units_directives;
use super::units_legacy::{Kind, cgroup_v1, hit_finding, scan_line};
use crate::findings::{Code, Finding, Severity};
use crate::inventory::Node;
use crate::inventory::systemd::{self, parse};
use crate::source::EntryKind;
use std::path::Path;

/// The check: host-level systemd changes no single unit carries.
pub static CHECK: Check = Check {
    meta: Meta {
        id: "systemd-host",
        summary: "manager and networkd settings, boot flag files, kernel command lines, udev rules and crontabs",
        area: Area::Units,
        needs: Needs::Units,
        codes: &[],
        reuses: &[
            Code::UnitDirectiveDeprecated,
            Code::UnitLegacyCgroup,
            Code::UnitLegacyPath,
            Code::UnitRemovedCommand,
            Code::SystemdLegacyFile,
            Code::SystemdBehaviourChange,
        ],
        file: "src/checks/units_host.rs",
    },
    run,
};

fn run(input: &Input, out: &mut Sink) {
    if let Input::Units { uc } = input {
        out.extend(check(uc));
    }
}

const ROW_DEFAULT_ACCOUNTING: &str = "default-accounting";
const ROW_JOIN: &str = "join-controllers";
const ROW_IPFORWARD: &str = "ip-forward";
const ROW_IPTC: &str = "iptc-nat-backend";
const ROW_FSCK: &str = "forcefsck-file";
const ROW_QUOTA: &str = "forcequotacheck-file";
const ROW_HALT: &str = "halt-local";
const ROW_CGROUP: &str = "cgroup-v1";
const ROW_UACCESS: &str = "uaccess-add-only";
const ROW_PAM: &str = "system-user-manager";

fn check(uc: &UnitCtx) -> Vec<Finding> {
    let mut out = Vec::new();
    manager_conf(uc, &mut out);
    network_files(uc, &mut out);
    legacy_files(uc, &mut out);
    kernel_cmdline(uc, &mut out);
    udev_rules(uc, &mut out);
    crontabs(uc, &mut out);
    // Files of distro packages are replaced: notes only.
    for f in &mut out {
        if uc.file_origin(&f.path) == Origin::Distro {
            f.severity = Severity::Info;
            f.evidence.insert("origin".into(), "distro".into());
        }
    }
    out
}

/// Regular files (following links in the root) of a directory with a suffix, sorted.
fn files(uc: &UnitCtx, dir: &str, suffix: &str) -> Vec<String> {
    let Ok((real, Node::Dir)) = uc.ctx.inv.resolve(dir) else {
        return Vec::new();
    };
    let Ok(Ok(entries)) = uc.source.read_dir(Path::new(&real)) else {
        return Vec::new();
    };
    let mut v: Vec<String> = entries
        .into_iter()
        .filter(|e| e.kind != EntryKind::Dir)
        .filter_map(|e| e.name.to_str().map(str::to_string))
        .filter(|n| n.ends_with(suffix) && !n.starts_with('.'))
        .map(|n| format!("{real}/{n}"))
        .filter(|p| uc.is_file(p))
        .collect();
    v.sort();
    v
}

/// A deprecated directive of a manager or networkd file (`unit-directive-deprecated`, built by
/// the directives check).
fn directive_finding(
    uc: &UnitCtx,
    d: &parse::Directive,
    r: &str,
    message: String,
    fix: String,
) -> Finding {
    units_directives::deprecated_at(d, row(uc, r))
        .subject(format!("{}=", d.key))
        .message(message)
        .row_why(uc, r, "")
        .fix(fix)
}

fn manager_conf(uc: &UnitCtx, out: &mut Vec<Finding>) {
    let mut paths = Vec::new();
    for base in ["/etc/systemd/system.conf", "/etc/systemd/user.conf"] {
        if uc.is_file(base) {
            paths.push(base.to_string());
        }
        paths.extend(files(uc, &format!("{base}.d"), ".conf"));
    }
    for p in paths {
        let Some(text) = uc.read(&p) else { continue };
        for d in parse::parse(&p, &text).directives {
            if d.section != "Manager" {
                continue;
            }
            match d.key.as_str() {
                "DefaultCPUAccounting" => out.push(directive_finding(
                    uc,
                    &d,
                    ROW_DEFAULT_ACCOUNTING,
                    format!(
                        "DefaultCPUAccounting= has no effect on systemd {}: CPU accounting is always on",
                        uc.systemd()
                    ),
                    "delete the line".into(),
                )),
                "DefaultBlockIOAccounting" => out.push(directive_finding(
                    uc,
                    &d,
                    ROW_DEFAULT_ACCOUNTING,
                    format!(
                        "DefaultBlockIOAccounting= is ignored on systemd {} (blkio is cgroup v1)",
                        uc.systemd()
                    ),
                    format!("use DefaultIOAccounting={}", d.value),
                )),
                "JoinControllers" => out.push(directive_finding(
                    uc,
                    &d,
                    ROW_JOIN,
                    "JoinControllers= is ignored (a cgroup v1 concept)".into(),
                    "delete the line".into(),
                )),
                _ => {}
            }
        }
    }
}

fn network_files(uc: &UnitCtx, out: &mut Vec<Finding>) {
    let mut paths = Vec::new();
    for dir in [
        "/etc/systemd/network",
        "/usr/lib/systemd/network",
        "/lib/systemd/network",
    ] {
        paths.extend(files(uc, dir, ".network"));
    }
    paths.sort();
    paths.dedup();
    for p in paths {
        let Some(text) = uc.read(&p) else { continue };
        for d in parse::parse(&p, &text).directives {
            if d.section != "Network" {
                continue;
            }
            match d.key.as_str() {
                "IPForward" => {
                    let v = d.value.to_ascii_lowercase();
                    let fix = match v.as_str() {
                        "ipv4" => "IPv4Forwarding=yes".to_string(),
                        "ipv6" => "IPv6Forwarding=yes".to_string(),
                        "no" | "false" | "0" | "off" => {
                            "delete the line (forwarding is off by default)".to_string()
                        }
                        _ => "IPv4Forwarding=yes and IPv6Forwarding=yes".to_string(),
                    };
                    out.push(directive_finding(
                        uc,
                        &d,
                        ROW_IPFORWARD,
                        format!("IPForward={} is deprecated in systemd-networkd", d.value),
                        format!("use {fix}"),
                    ));
                }
                "IPMasquerade"
                    if !matches!(d.value.as_str(), "no" | "false" | "0" | "off" | "") =>
                {
                    out.push(directive_finding(
                        uc,
                        &d,
                        ROW_IPTC,
                        format!(
                            "IPMasquerade={}: networkd's iptables (libiptc) NAT backend is {}",
                            d.value,
                            uc.ctx
                                .pack
                                .units()
                                .directive(ROW_IPTC)
                                .map_or("deprecated", |r| r.status.as_str())
                        ),
                        "make sure NAT works through nftables (the nft tool and kernel modules present); no change to the file".into(),
                    ));
                }
                _ => {}
            }
        }
    }
}

fn legacy_files(uc: &UnitCtx, out: &mut Vec<Finding>) {
    let mut seen = std::collections::BTreeSet::new();
    for (path, r, fix) in [
        (
            "/forcefsck",
            ROW_FSCK,
            "delete it; use fsck.mode=force on the kernel command line for one boot",
        ),
        (
            "/fastboot",
            ROW_FSCK,
            "delete it; use fsck.mode=skip on the kernel command line",
        ),
        (
            "/forcequotacheck",
            ROW_QUOTA,
            "delete it; use quotacheck.mode=force on the kernel command line",
        ),
        (
            "/usr/sbin/halt.local",
            ROW_HALT,
            "move the commands into a unit ordered before shutdown (DefaultDependencies=no, Before=shutdown.target, Conflicts=shutdown.target, or ExecStop= of a RemainAfterExit=yes service)",
        ),
        (
            "/sbin/halt.local",
            ROW_HALT,
            "move the commands into a unit ordered before shutdown",
        ),
    ] {
        let Some(real) = systemd::resolve_file(uc.source, uc.ctx.inv, path) else {
            continue;
        };
        if !seen.insert(real.clone()) {
            continue;
        }
        out.push(
            Finding::new(Code::SystemdLegacyFile, &real)
                .subject(path)
                .message(format!(
                    "{path} exists; systemd {} ignores it",
                    uc.systemd()
                ))
                .row_why(uc, r, "")
                .fix(fix)
                .evidence("directive_row", row(uc, r)),
        );
    }
}

fn kernel_cmdline(uc: &UnitCtx, out: &mut Vec<Finding>) {
    let mut paths: Vec<String> = [
        "/etc/default/grub",
        "/etc/kernel/cmdline",
        "/boot/grub2/grubenv",
    ]
    .iter()
    .filter(|p| uc.is_file(p))
    .map(|p| p.to_string())
    .collect();
    paths.extend(files(uc, "/etc/default/grub.d", ".cfg"));
    paths.extend(files(uc, "/boot/loader/entries", ".conf"));
    for p in paths {
        let Some(text) = uc.read(&p) else { continue };
        for (i, line) in text.lines().enumerate() {
            let t = line.trim_start();
            if t.starts_with('#') {
                continue;
            }
            for s in cgroup_v1(line) {
                out.push(
                    Finding::new(Code::UnitLegacyCgroup, &p)
                        .subject(&s)
                        .message(format!("the kernel command line asks for cgroup v1 ({s}); systemd {} supports cgroup v2 only and ignores it", uc.systemd()))
                        .row_why(uc, ROW_CGROUP, "")
                        .fix("remove the switch and move whatever needed cgroup v1 to cgroup v2")
                        .evidence("line", (i + 1).to_string())
                        .evidence("text", line.trim())
                        .evidence("directive_row", row(uc, ROW_CGROUP)),
                );
            }
        }
    }
}

fn udev_rules(uc: &UnitCtx, out: &mut Vec<Finding>) {
    let mut paths = files(uc, "/etc/udev/rules.d", ".rules");
    for dir in ["/usr/lib/udev/rules.d", "/lib/udev/rules.d"] {
        paths.extend(
            files(uc, dir, ".rules")
                .into_iter()
                .filter(|p| uc.file_origin(p) != Origin::Distro),
        );
    }
    paths.sort();
    paths.dedup();
    for p in paths {
        let Some(text) = uc.read(&p) else { continue };
        let name = crate::inventory::file_name(&p);
        for (i, line) in text.lines().enumerate() {
            let t = line.trim_start();
            if t.starts_with('#') || !t.contains("uaccess") {
                continue;
            }
            let add_only = t.contains("ACTION==\"add\"");
            let late = name >= "73";
            if !(add_only || late) {
                continue;
            }
            let why = match (add_only, late) {
                (true, true) => {
                    "it tags only on ACTION==\"add\", and its file sorts after 73-seat-late.rules"
                }
                (true, false) => "it tags only on ACTION==\"add\"",
                _ => "its file sorts after 73-seat-late.rules",
            };
            out.push(
                Finding::new(Code::SystemdBehaviourChange, &p)
                    .subject("uaccess")
                    .message(format!("udev rule sets the uaccess tag, but {why}: on systemd {} the device stays inaccessible to the logged-in user", uc.systemd()))
                    .row_why(uc, ROW_UACCESS, "")
                    .fix("apply the tag on every action except remove (ACTION!=\"remove\") in a file named before 73-, e.g. 70-<name>.rules")
                    .evidence("line", (i + 1).to_string())
                    .evidence("text", t)
                    .evidence("directive_row", row(uc, ROW_UACCESS)),
            );
        }
    }
}

fn crontabs(uc: &UnitCtx, out: &mut Vec<Finding>) {
    let mut paths: Vec<String> = ["/etc/crontab"]
        .iter()
        .filter(|p| uc.is_file(p))
        .map(|p| p.to_string())
        .collect();
    for dir in ["/etc/cron.d", "/var/spool/cron", "/var/spool/cron/crontabs"] {
        paths.extend(files(uc, dir, ""));
    }
    paths.sort();
    paths.dedup();
    for p in paths {
        let Some(text) = uc.read(&p) else { continue };
        for (i, line) in text.lines().enumerate() {
            let t = line.trim_start();
            if t.starts_with('#') {
                continue;
            }
            let user_manager = t.contains("systemctl --user")
                || t.contains("journalctl --user")
                || t.contains("XDG_RUNTIME_DIR")
                || t.contains("systemd-run --user");
            if user_manager {
                out.push(
                    Finding::new(Code::SystemdBehaviourChange, &p)
                        .subject("user manager")
                        .message(format!("a cron job talks to a per-user service manager; on systemd {} cron sessions of system users get none", uc.systemd()))
                        .row_why(uc, ROW_PAM, "")
                        .fix("run the job as a systemd timer, or set class=user for pam_systemd in the cron PAM stack (XDG_SESSION_CLASS)")
                        .evidence("line", (i + 1).to_string())
                        .evidence("text", t)
                        .evidence("directive_row", row(uc, ROW_PAM)),
                );
            }
            // Cron jobs may also run the removed commands.
            for h in scan_line(t, Kind::Script, false, uc.ctx.pack) {
                if h.code == Code::UnitRemovedCommand || h.code == Code::SystemdLegacyFile {
                    out.push(hit_finding(uc, h, &p, i + 1, t));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{scan, with_code};
    use crate::findings::Code;
    use crate::source::MemorySource;

    #[test]
    fn manager_settings_and_boot_flag_files_are_reported() {
        let src = MemorySource::new()
            .text(
                "/etc/systemd/system.conf",
                "[Manager]\nDefaultCPUAccounting=yes\nJoinControllers=cpu,cpuacct\n",
            )
            .text("/forcefsck", "");
        let r = scan(&src);
        let dep = with_code(&r, Code::UnitDirectiveDeprecated);
        let keys: Vec<&str> = dep.iter().filter_map(|f| f.subject.as_deref()).collect();
        assert_eq!(
            keys,
            ["DefaultCPUAccounting=", "JoinControllers="],
            "{:#?}",
            r.findings
        );
        // Built by the directives check's one builder: line, section and row evidence.
        assert_eq!(dep[0].evidence["line"], "2");
        assert_eq!(dep[0].evidence["section"], "Manager");
        assert!(dep[0].evidence.contains_key("directive_row"));
        let legacy = with_code(&r, Code::SystemdLegacyFile);
        assert_eq!(legacy.len(), 1, "{:#?}", r.findings);
        assert_eq!(legacy[0].path, "/forcefsck");
    }
}
