//! Enabled services and the target's presets: an enabled unit whose Azure Linux package is
//! disabled by the default presets does not start after the migration unless enabled again;
//! an enabled distro unit that no Azure Linux package ships does not exist at all.

use super::interface::{Area, Check, Input, Meta, Needs, Sink};
use super::units::{Origin, Proposal, UnitCtx};
use crate::findings::{Code, Finding};
use crate::inventory::systemd::Unit;
use crate::knowledge::units::{PresetAction, ReplacementKind, Scope};

/// The check: enabled units the target does not ship or disables by preset (masked units too).
pub static CHECK: Check = Check {
    meta: Meta {
        id: "unit-presets",
        summary: "enabled units the target does not ship or that its presets disable",
        area: Area::Units,
        needs: Needs::EveryUnit,
        codes: &[Code::UnitPresetDisabled, Code::UnitNotShipped],
        reuses: &[],
        file: "src/checks/units_presets.rs",
    },
    run,
};

fn run(input: &Input, out: &mut Sink) {
    if let Input::Unit { uc, unit } = input {
        out.propose_all(check(uc, unit));
    }
}

/// Packages whose units follow their own preset file (systemd's 90-systemd.preset), which the
/// knowledge sources do not describe: no preset verdict for them.
fn own_presets(package: &str) -> bool {
    package == "systemd" || package.starts_with("systemd-")
}

fn check(uc: &UnitCtx, u: &Unit) -> Vec<Proposal> {
    let scope = u.scope.unwrap_or(Scope::System);
    // Only enablement made by an administrator or a preset (links below /etc); links that
    // packages ship in /usr/lib are static wiring.
    let links: Vec<&str> = u
        .enabled_by
        .iter()
        .filter(|e| e.link.starts_with("/etc/"))
        .map(|e| e.link.as_str())
        .collect();
    if links.is_empty() || u.masked || u.template.is_some() {
        return Vec::new();
    }
    let facts = uc.ctx.pack.units();
    let target = uc.ctx.pack.name_version();
    // The unit that runs on the target: same name, or the replacement.
    let repl = facts.replacement(&u.name);
    let (name, renamed) = match repl {
        Some(r) if r.kind == ReplacementKind::Replaced => (r.replacement.clone(), true),
        Some(r) if r.kind == ReplacementKind::Shipped => {
            (r.replacement.clone(), r.replacement != u.name)
        }
        _ => (u.name.clone(), false),
    };
    let providers = facts.providers(&name, scope);
    let path = u
        .file
        .clone()
        .or_else(|| u.path.clone())
        .unwrap_or_default();
    let Some(p) = providers.first() else {
        let origin = uc.unit_origin(u);
        if origin != Origin::Distro || name.ends_with(".target") {
            return Vec::new();
        }
        let (why, fix, source) = match repl {
            Some(r) if r.kind == ReplacementKind::Removed => (
                r.reason.clone(),
                "port what it does before the migration".to_string(),
                r.source.clone(),
            ),
            _ => (
                format!("no {target} package ships {name}"),
                format!(
                    "find the {} package that does its job, or carry the service with the workload",
                    uc.ctx.pack.target.name
                ),
                "units.tsv, units-supplement.tsv".to_string(),
            ),
        };
        return vec![Proposal::new(
            Finding::new(Code::UnitNotShipped, &path)
                .subject(&u.name)
                .message(format!(
                    "{} is enabled, and {target} does not ship it",
                    u.name
                ))
                .why(why)
                .fix(fix)
                .evidence("enabled_by", links.join(" "))
                .evidence("source", source),
        )];
    };
    if own_presets(&p.package) {
        return Vec::new();
    }
    let Some(rule) = facts.preset(&name, scope) else {
        return Vec::new();
    };
    if rule.action != PresetAction::Disable {
        return Vec::new();
    }
    let user = if scope == Scope::User {
        "--global "
    } else {
        ""
    };
    let also = if renamed {
        format!(" ({} on the source)", u.name)
    } else {
        String::new()
    };
    vec![Proposal::new(
        Finding::new(Code::UnitPresetDisabled, &path)
            .subject(&name)
            .message(format!(
                "{name}{also} is enabled here, but {target}'s presets disable it: after the migration it does not start until enabled"
            ))
            .why(format!(
                "{target} installs {} with {name} disabled: preset `{} {}` in {} (presets are first-match; everything not listed is disabled)",
                p.package,
                rule.action.as_str(),
                rule.pattern,
                rule.file
            ))
            .fix(if uc.ctx.pack.profile_lacks_package_manager() {
                format!(
                    "{}, then `systemctl {user}enable {name}`",
                    uc.ctx.pack.install_step(&[&p.package])
                )
            } else {
                format!(
                    "{} && systemctl {user}enable {name}",
                    uc.ctx.pack.target.install(&[&p.package])
                )
            })
            .evidence("package", &p.package)
            .evidence("preset", format!("{} {}", rule.action.as_str(), rule.pattern))
            .evidence("preset_file", &rule.file)
            .evidence("enable", format!("systemctl {user}enable {name}"))
            .evidence("enabled_by", links.join(" ")),
    )]
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{scan, with_code};
    use crate::findings::Code;
    use crate::source::MemorySource;

    #[test]
    fn an_enabled_unit_the_targets_presets_disable_is_reported() {
        let unit = "[Unit]\nDescription=nginx\n[Service]\nExecStart=/usr/sbin/nginx\n[Install]\nWantedBy=multi-user.target\n";
        let src = MemorySource::new()
            .text("/usr/lib/systemd/system/nginx.service", unit)
            .symlink(
                "/etc/systemd/system/multi-user.target.wants/nginx.service",
                "/usr/lib/systemd/system/nginx.service",
            );
        let r = scan(&src);
        let p = with_code(&r, Code::UnitPresetDisabled);
        assert_eq!(p.len(), 1, "{:#?}", r.findings);
        assert_eq!(p[0].subject.as_deref(), Some("nginx.service"));
        assert_eq!(p[0].evidence["package"], "nginx");
        // Not enabled: nothing to say.
        let src = MemorySource::new().text("/usr/lib/systemd/system/nginx.service", unit);
        assert!(with_code(&scan(&src), Code::UnitPresetDisabled).is_empty());
    }
}
