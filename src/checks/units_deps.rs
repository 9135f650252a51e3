//! Dependencies on units Azure Linux 4.0 does not ship (network.service, ntpd.service,
//! xinetd.service ...), with the replacement where one exists. The SysV runlevel targets are
//! the SysV check's (units_sysv.rs).

use super::interface::{Area, Check, Input, Meta, Needs, Sink};
use super::units::{Op, Origin, Proposal, UnitCtx, at, specifiers};
use crate::findings::Code;
use crate::inventory::systemd::{Directive, Unit, is_unit_name, words};
use crate::knowledge::units::{ReplacementKind, Scope};

/// The check: the units a unit requires, wants or is installed into.
pub static CHECK: Check = Check {
    meta: Meta {
        id: "unit-dependencies",
        summary: "units a unit depends on (Requires=, Wants=, WantedBy= ...) that the target lacks",
        area: Area::Units,
        needs: Needs::Unit,
        codes: &[Code::UnitDependencyMissing, Code::UnitWeakDependencyMissing],
        reuses: &[],
        file: "src/checks/units_deps.rs",
    },
    run,
};

fn run(input: &Input, out: &mut Sink) {
    if let Input::Unit { uc, unit } = input {
        out.propose_all(check(uc, unit));
    }
}

/// (section, key, hard): a hard dependency fails or never starts the unit when the other unit
/// is missing; a soft one only loses ordering or a best-effort pull.
pub const DEPENDENCY_KEYS: &[(&str, &str, bool)] = &[
    ("Unit", "Requires", true),
    ("Unit", "Requisite", true),
    ("Unit", "BindsTo", true),
    ("Unit", "Wants", false),
    ("Unit", "Upholds", false),
    ("Unit", "PartOf", false),
    ("Unit", "After", false),
    ("Unit", "Before", false),
    ("Unit", "OnFailure", false),
    ("Unit", "OnSuccess", false),
    ("Unit", "PropagatesReloadTo", false),
    ("Unit", "ReloadPropagatedFrom", false),
    ("Install", "WantedBy", true),
    ("Install", "RequiredBy", true),
    ("Install", "UpheldBy", true),
    ("Install", "Also", false),
    ("Socket", "Service", true),
    ("Timer", "Unit", true),
    ("Path", "Unit", true),
];

/// Unit types that generators or the kernel create at run time: never shipped as files.
const GENERATED_TYPES: &[&str] = &["device", "mount", "automount", "swap", "slice", "scope"];

/// Whether a unit name is a SysV runlevel target (`runlevel3.target`).
pub fn is_runlevel_target(name: &str) -> bool {
    name.strip_prefix("runlevel")
        .and_then(|r| r.strip_suffix(".target"))
        .is_some_and(|n| {
            n.len() == 1 && n.as_bytes()[0].is_ascii_digit() && n.as_bytes()[0] <= b'6'
        })
}

fn check(uc: &UnitCtx, u: &Unit) -> Vec<Proposal> {
    let scope = u.scope.unwrap_or(Scope::System);
    let mut out = Vec::new();
    for (section, key, hard) in DEPENDENCY_KEYS {
        for d in &u.directives {
            if d.section != *section || d.key != *key || d.value.is_empty() {
                continue;
            }
            for name in words(&d.value) {
                if let Some(p) = dependency(uc, u, scope, d, &name, *hard) {
                    out.push(p);
                }
            }
        }
    }
    out
}

fn dependency(
    uc: &UnitCtx,
    u: &Unit,
    scope: Scope,
    d: &Directive,
    raw: &str,
    hard: bool,
) -> Option<Proposal> {
    let name = specifiers(u, raw)?;
    if !is_unit_name(&name) || is_runlevel_target(&name) || name == u.name {
        return None;
    }
    let ty = name.rsplit('.').next().unwrap_or("");
    if GENERATED_TYPES.contains(&ty) {
        return None;
    }
    let facts = uc.ctx.pack.units();
    // A unit of the tree that moves with the workload.
    let in_tree = uc.units.lookup(scope, &name);
    if in_tree.is_some_and(|t| uc.unit_origin(t) != Origin::Distro) {
        return None;
    }
    if !facts.providers(&name, scope).is_empty() {
        return None;
    }
    let repl = facts.replacement(&name);
    let target = uc.ctx.pack.name_version();
    let dep = format!("{}={name}", d.key);
    let code = if hard {
        Code::UnitDependencyMissing
    } else {
        Code::UnitWeakDependencyMissing
    };
    let effect = match (d.section.as_str(), hard) {
        ("Install", _) => format!(
            "enabling {} hooks it into {name}, which never starts",
            u.name
        ),
        (_, true) => format!(
            "{} fails to start: its {} dependency cannot be loaded",
            u.name, d.key
        ),
        (_, false) => format!("the {} relation to {name} is silently lost", d.key),
    };
    match repl.map(|r| r.kind) {
        Some(ReplacementKind::Shipped) | Some(ReplacementKind::Obsolete) => None,
        Some(ReplacementKind::Replaced) => {
            let r = repl.expect("matched");
            let new = r.replacement.clone();
            let from = raw.to_string();
            let to = new.clone();
            Some(
                Proposal::new(
                    at(code, d, "")
                        .subject(&dep)
                        .message(format!(
                            "{dep}: {target} does not ship {name}; {new} replaces it"
                        ))
                        .why(format!("{}; {effect}", r.reason))
                        .fix(format!("use {}={new} (the diff does it)", d.key))
                        .evidence("dependency", &name)
                        .evidence("replacement", &new)
                        .evidence("source", &r.source),
                )
                .edit(d, Op::Map(Box::new(move |v| replace_word(v, &from, &to)))),
            )
        }
        Some(ReplacementKind::Removed) => {
            let r = repl.expect("matched");
            Some(Proposal::new(
                at(code, d, "")
                    .subject(&dep)
                    .message(format!(
                        "{dep}: {target} does not ship {name}, and nothing replaces it"
                    ))
                    .why(format!("{}; {effect}", r.reason))
                    .fix(format!("remove the dependency, or port what {name} did"))
                    .evidence("dependency", &name)
                    .evidence("source", &r.source),
            ))
        }
        None => {
            // Unknown to the pack. A soft relation to a unit the source does not have either
            // changes nothing; report it only when the source has it (as a package's unit) or
            // when the tree has no distro units to tell (an app tree).
            if !hard && uc.has_distro_units && in_tree.is_none() {
                return None;
            }
            Some(Proposal::new(
                at(code, d, "")
                    .subject(&dep)
                    .message(format!("{dep}: no {target} package ships {name}"))
                    .why(format!(
                        "{name} is in no list of {} units{}; {effect}",
                        uc.ctx.pack.target.name,
                        if in_tree.is_some() { ", and it belongs to a source-distribution package that does not move" } else { "" }
                    ))
                    .fix(format!(
                        "carry a unit named {name} with the workload, or depend on the {target} unit that does its job"
                    ))
                    .evidence("dependency", &name)
                    .evidence("source", "units.tsv, units-supplement.tsv"),
            ))
        }
    }
}

/// Replace a whole word of a unit list.
pub(crate) fn replace_word(value: &str, from: &str, to: &str) -> String {
    value
        .split(' ')
        .map(|w| if w == from { to } else { w })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runlevel_targets() {
        assert!(is_runlevel_target("runlevel3.target"));
        assert!(is_runlevel_target("runlevel0.target"));
        assert!(!is_runlevel_target("runlevel7.target"));
        assert!(!is_runlevel_target("runlevel.target"));
        assert_eq!(
            replace_word(
                "a.service network.service b",
                "network.service",
                "network-online.target"
            ),
            "a.service network-online.target b"
        );
    }
}
