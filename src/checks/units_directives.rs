//! Unit directives removed, ignored or deprecated on the way to systemd 258
//! (platform/units-directives.tsv, in the pack as unit-directives.tsv), each with its effect
//! and, where the old meaning can be kept, the migrated line.

use super::interface::{Area, Check, Input, Meta, Needs, Sink};
use super::units::{Op, Proposal, RowWhy, UnitCtx, at, row, row_replacement};
use crate::findings::{Code, Finding, Severity};
use crate::inventory::systemd::{Directive, Unit, is_true};

/// The check: directives of unit files that systemd 258 removed, ignores or deprecates.
pub static CHECK: Check = Check {
    meta: Meta {
        id: "unit-directives",
        summary: "unit directives systemd removed, ignores (cgroup v1 resource control) or deprecates",
        area: Area::Units,
        needs: Needs::Unit,
        codes: &[
            Code::UnitLimitIgnored,
            Code::UnitDirectiveRemoved,
            Code::UnitDirectiveDeprecated,
        ],
        reuses: &[],
        file: "src/checks/units_directives.rs",
    },
    run,
};

fn run(input: &Input, out: &mut Sink) {
    if let Input::Unit { uc, unit } = input {
        out.propose_all(check(uc, unit));
    }
}

/// systemd's cgroup weight range and defaults (cgroup-util.h): CGROUP_WEIGHT_MIN/MAX/DEFAULT,
/// CGROUP_CPU_SHARES_DEFAULT and CGROUP_BLKIO_WEIGHT_DEFAULT, used by its own conversions
/// (`cgroup_cpu_shares_to_weight`, `cgroup_weight_blkio_to_io`).
const WEIGHT_MIN: u64 = 1;
const WEIGHT_MAX: u64 = 10_000;
const WEIGHT_DEFAULT: u64 = 100;
const CPU_SHARES_DEFAULT: u64 = 1024;
const BLKIO_WEIGHT_DEFAULT: u64 = 500;

fn clamp_weight(w: u64) -> u64 {
    w.clamp(WEIGHT_MIN, WEIGHT_MAX)
}

/// `CPUShares=` -> `CPUWeight=`, as systemd converted it while it still could.
pub fn shares_to_weight(v: &str) -> Option<String> {
    if v.is_empty() {
        return Some(String::new());
    }
    let s: u64 = v.trim().parse().ok()?;
    Some(clamp_weight(s * WEIGHT_DEFAULT / CPU_SHARES_DEFAULT).to_string())
}

/// `BlockIOWeight=` -> `IOWeight=`.
pub fn blkio_to_io(v: &str) -> Option<String> {
    if v.is_empty() {
        return Some(String::new());
    }
    let s: u64 = v.trim().parse().ok()?;
    Some(clamp_weight(s * WEIGHT_DEFAULT / BLKIO_WEIGHT_DEFAULT).to_string())
}

/// `BlockIODeviceWeight=/dev/sda 500` -> `IODeviceWeight=/dev/sda 100`.
pub fn device_blkio_to_io(v: &str) -> Option<String> {
    if v.is_empty() {
        return Some(String::new());
    }
    let (dev, w) = v.trim().rsplit_once(char::is_whitespace)?;
    Some(format!("{} {}", dev.trim(), blkio_to_io(w)?))
}

fn same(v: &str) -> Option<String> {
    Some(v.to_string())
}

/// Exec keys of a service (and of sockets, mounts and swaps, which have their own).
pub const EXEC_KEYS: &[&str] = &[
    "ExecCondition",
    "ExecStartPre",
    "ExecStart",
    "ExecStartPost",
    "ExecReload",
    "ExecStop",
    "ExecStopPost",
    "ExecStopPre",
    "ExecMount",
    "ExecUnmount",
    "ExecRemount",
    "ExecActivate",
    "ExecDeactivate",
];

/// Split a command value into its prefix characters (`@-:+!`) and the rest.
pub fn exec_prefix(v: &str) -> (&str, &str) {
    let n = v
        .char_indices()
        .find(|(_, c)| !matches!(c, '@' | '-' | ':' | '+' | '!' | '|'))
        .map(|(i, _)| i)
        .unwrap_or(v.len());
    v.split_at(n)
}

/// Check one unit's directives (fragment and drop-ins).
fn check(uc: &UnitCtx, u: &Unit) -> Vec<Proposal> {
    let mut out = Vec::new();
    for d in &u.directives {
        if let Some(p) = directive(uc, u, d) {
            out.push(p);
        }
    }
    out
}

/// A resource-control setting cgroup v2 no longer honours: the limit is lost.
fn limit(
    uc: &UnitCtx,
    d: &Directive,
    key: &str,
    new_key: &str,
    conv: fn(&str) -> Option<String>,
) -> Proposal {
    let r = row(uc, key);
    let converted = conv(&d.value);
    let fix = match &converted {
        Some(v) => format!(
            "replace {}={} with {new_key}={v} (the diff does it)",
            d.key, d.value
        ),
        None => format!(
            "replace {}= with {new_key}= ({})",
            d.key,
            row_replacement(uc, r)
        ),
    };
    let p = Proposal::new(
        at(Code::UnitLimitIgnored, d, r)
            .subject(format!("{}=", d.key))
            .message(format!(
                "{}={} is ignored on systemd {}: the limit silently disappears",
                d.key,
                d.value,
                uc.systemd()
            ))
            .row_why(uc, r, "cgroup v1 resource control is gone")
            .fix(fix)
            .evidence("replacement", new_key),
    );
    match converted {
        Some(v) => p
            .edit(d, Op::Rename(new_key.to_string()))
            .edit(d, Op::Map(Box::new(move |_| v.clone()))),
        None => p,
    }
}

/// The one builder of `unit-directive-deprecated`: the directive, its line and section, and the
/// units-directives.tsv row it follows from (unit files here; manager and networkd settings in
/// `units_host`; soft runlevel orderings in `units_sysv`).
pub(crate) fn deprecated_at(d: &Directive, row: &str) -> Finding {
    at(Code::UnitDirectiveDeprecated, d, row)
}

fn deprecated(uc: &UnitCtx, d: &Directive, key: &str, message: String, fix: String) -> Proposal {
    let r = row(uc, key);
    Proposal::new(
        deprecated_at(d, r)
            .subject(format!("{}=", d.key))
            .message(message)
            .row_why(uc, r, "deprecated")
            .fix(fix),
    )
}

fn directive(uc: &UnitCtx, u: &Unit, d: &Directive) -> Option<Proposal> {
    let k = d.key.as_str();
    let p = match k {
        "MemoryLimit" => limit(uc, d, "memory-limit", "MemoryMax", same),
        "CPUShares" => limit(uc, d, "cpu-shares", "CPUWeight", shares_to_weight),
        "StartupCPUShares" => limit(uc, d, "startup-cpu-shares", "StartupCPUWeight", shares_to_weight),
        "BlockIOWeight" => limit(uc, d, "block-io-weight", "IOWeight", blkio_to_io),
        "StartupBlockIOWeight" => {
            limit(uc, d, "startup-block-io-weight", "StartupIOWeight", blkio_to_io)
        }
        "BlockIODeviceWeight" => limit(
            uc,
            d,
            "block-io-device-weight",
            "IODeviceWeight",
            device_blkio_to_io,
        ),
        "BlockIOReadBandwidth" => limit(uc, d, "block-io-read-bandwidth", "IOReadBandwidthMax", same),
        "BlockIOWriteBandwidth" => {
            limit(uc, d, "block-io-write-bandwidth", "IOWriteBandwidthMax", same)
        }
        "DefaultMemoryMin" | "DefaultMemoryLow" | "DefaultStartupMemoryLow" => {
            let key = "default-memory-protection";
            let mut f = at(Code::UnitLimitIgnored, d, row(uc, key))
                .subject(format!("{k}="))
                .message(format!(
                    "{k}={} may be ignored on systemd {}: the protection of the slice's children could disappear",
                    d.value,
                    uc.systemd()
                ))
                .row_why(uc, key, "unverified")
                .fix(format!(
                    "set {}= on the slice's child units instead",
                    k.trim_start_matches("Default")
                ))
                .evidence("verified", "no");
            // Unverified status at 258 (the source says so): a note, not a warning.
            f.severity = Severity::Info;
            Proposal::new(f)
        }
        "BlockIOAccounting" => deprecated(
            uc,
            d,
            "block-io-accounting",
            format!(
                "{k}= is ignored on systemd {} (blkio accounting is cgroup v1)",
                uc.systemd()
            ),
            "replace with IOAccounting= (the diff does it)".into(),
        )
        .edit(d, Op::Rename("IOAccounting".into())),
        "CPUAccounting" => deprecated(
            uc,
            d,
            "cpu-accounting",
            format!(
                "CPUAccounting= has no effect on systemd {}: CPU accounting is always on",
                uc.systemd()
            ),
            "delete the line (the diff does it)".into(),
        )
        .edit(d, Op::Delete),
        "NetClass" | "Capabilities" | "SysVStartPriority" | "BusPolicy" | "IgnoreOnSnapshot" => {
            let key = format!("{k}=");
            let repl = row_replacement(uc, &key);
            deprecated(
                uc,
                d,
                &key,
                format!(
                    "{k}= is ignored: it already had no effect on the source systemd, and the unit does not do what it says"
                ),
                format!(
                    "delete the line (the diff does it: behaviour is unchanged); if the setting was meant, use {repl}"
                ),
            )
            .edit(d, Op::Delete)
        }
        "RequiresOverridable" | "RequisiteOverridable" if d.section == "Unit" => {
            let new = k.trim_end_matches("Overridable").to_string();
            deprecated(
                uc,
                d,
                "requires-overridable",
                format!("{k}= is obsolete: systemd treats it as {new}= and warns"),
                format!("rename it to {new}= (the diff does it)"),
            )
            .edit(d, Op::Rename(new))
        }
        _ if EXEC_KEYS.contains(&k) && exec_prefix(&d.value).0.contains("!!") => {
            let key = "exec-double-bang-prefix";
            deprecated(
                uc,
                d,
                key,
                format!("the '!!' prefix of {k}= is ignored on systemd {}", uc.systemd()),
                format!(
                    "drop the '!!' prefix (the diff does it; on kernels with ambient capabilities, {}'s among them, it never had an effect); use AmbientCapabilities= to grant capabilities",
                    uc.ctx.pack.target.name
                ),
            )
            .edit(d, Op::Map(Box::new(|v| {
                let (pre, rest) = exec_prefix(v);
                format!("{}{rest}", pre.replacen("!!", "", 1))
            })))
        }
        "PermissionsStartOnly" if d.section == "Service" => {
            let mut p = deprecated(
                uc,
                d,
                "permissions-start-only",
                format!("PermissionsStartOnly={} is deprecated", d.value),
                "drop it and prefix ExecStartPre=, ExecStartPost=, ExecReload=, ExecStop= and ExecStopPost= with '+' (the diff does it)".into(),
            )
            .edit(d, Op::Delete);
            if is_true(&d.value) {
                for key in ["ExecStartPre", "ExecStartPost", "ExecReload", "ExecStop", "ExecStopPost"] {
                    for e in u.effective("Service", key) {
                        let (pre, _) = exec_prefix(&e.value);
                        if pre.contains('+') {
                            continue;
                        }
                        p = p.edit(e, Op::Map(Box::new(|v| {
                            let (pre, rest) = exec_prefix(v);
                            format!("+{}{rest}", pre.replace('!', ""))
                        })));
                    }
                }
            }
            p
        }
        "KillMode" if d.section == "Service" && d.value == "none" => deprecated(
            uc,
            d,
            "kill-mode-none",
            "KillMode=none is deprecated: systemd warns and leaves the service's processes running after stop".into(),
            "use KillMode=mixed (or control-group) and make the service's own stop logic wait for its children; not changed automatically, as it changes what a stop does".into(),
        ),
        ".include" => {
            let key = "include";
            let r = row(uc, key);
            let mut p = Proposal::new(
                at(Code::UnitDirectiveRemoved, d, r)
                    .subject(".include")
                    .message(format!(
                        ".include {} is not supported: the included settings are not loaded",
                        d.value
                    ))
                    .row_why(uc, key, "removed")
                    .fix(format!(
                        "move the settings of {} into a drop-in (unit.d/*.conf), or inline them (the diff inlines them)",
                        d.value
                    ))
                    .evidence("included", &d.value),
            );
            if let Some(text) = uc.read(&d.value) {
                let mut lines = vec![format!("# was: .include {}", d.value)];
                lines.extend(text.trim_end_matches('\n').split('\n').map(str::to_string));
                let has_header = text.lines().any(|l| l.trim_start().starts_with('['));
                if has_header && !d.section.is_empty() {
                    lines.push(format!("[{}]", d.section));
                }
                p = p.edit(d, Op::Lines(lines));
            }
            p
        }
        "StandardOutput" | "StandardError"
            if d.section == "Service" && matches!(d.value.as_str(), "syslog" | "syslog+console") =>
        {
            let new = d.value.replace("syslog", "journal");
            deprecated(
                uc,
                d,
                "standard-output-syslog",
                format!("{k}={} is mapped to {new} with a warning", d.value),
                format!("use {k}={new} (the diff does it); syslog daemons read the journal"),
            )
            .edit(d, Op::Map(Box::new(move |_| new.clone())))
        }
        "ConditionNull" if d.section == "Unit" => {
            let key = "condition-null";
            let neg = d.value.starts_with('!');
            let truth = is_true(d.value.trim_start_matches('!')) != neg;
            if truth {
                deprecated(
                    uc,
                    d,
                    key,
                    format!("ConditionNull={} is not supported any more (it always held)", d.value),
                    "delete the line (the diff does it; it never prevented anything)".into(),
                )
                .edit(d, Op::Delete)
            } else {
                Proposal::new(
                    at(Code::UnitDirectiveRemoved, d, row(uc, key))
                        .subject("ConditionNull=")
                        .message(format!(
                            "ConditionNull={} kept this unit from ever starting; systemd {} ignores it, so the unit will start",
                            d.value,
                            uc.systemd()
                        ))
                        .row_why(uc, key, "removed")
                        .fix("mask the unit (systemctl mask), or use a condition that never holds: ConditionPathExists=!/ (the diff does it)")
                )
                .edit(d, Op::Rename("ConditionPathExists".into()))
                .edit(d, Op::Map(Box::new(|_| "!/".into())))
            }
        }
        "StartLimitInterval" | "StartLimitBurst" if d.section == "Service" => {
            let new = if k == "StartLimitInterval" {
                "StartLimitIntervalSec"
            } else {
                "StartLimitBurst"
            };
            deprecated(
                uc,
                d,
                "start-limit-in-service",
                format!("{k}= in [Service] is a legacy alias"),
                format!("move it to [Unit] as {new}= (the diff does it)"),
            )
            .edit(d, Op::Delete)
            .add(&d.file, "Unit", format!("{new}={}", d.value))
        }
        _ => return None,
    };
    Some(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_follow_systemd() {
        assert_eq!(shares_to_weight("1024").as_deref(), Some("100"));
        assert_eq!(shares_to_weight("512").as_deref(), Some("50"));
        assert_eq!(shares_to_weight("2").as_deref(), Some("1"));
        assert_eq!(shares_to_weight("262144").as_deref(), Some("10000"));
        assert_eq!(shares_to_weight("lots"), None);
        assert_eq!(blkio_to_io("500").as_deref(), Some("100"));
        assert_eq!(blkio_to_io("1000").as_deref(), Some("200"));
        assert_eq!(blkio_to_io("10").as_deref(), Some("2"));
        assert_eq!(
            device_blkio_to_io("/dev/sda 250").as_deref(),
            Some("/dev/sda 50")
        );
        assert_eq!(exec_prefix("!!/bin/x"), ("!!", "/bin/x"));
        assert_eq!(exec_prefix("-+/bin/x a"), ("-+", "/bin/x a"));
        assert_eq!(exec_prefix("/bin/x"), ("", "/bin/x"));
    }
}
