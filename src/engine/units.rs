//! The engine of the unit checks: load the units, run the registered unit checks on each unit
//! (`Input::Unit`) and on the whole tree (`Input::Units`), downgrade findings in files of distro
//! packages to notes, judge every unit and render the fixable ones as unified diffs
//! (docs/units.md).

use super::unit_edit::{Addition, Edit, apply, unified_diff};
use crate::checks::interface::{Input, Output};
use crate::checks::registry;
use crate::checks::units::{Origin, UnitCtx, UnitOutcome, UnitReport};
use crate::checks::{Context, Judged, Verdict};
use crate::findings::{Code, Diagnostic, Finding, Severity};
use crate::inventory::ownership::Ownership;
use crate::inventory::systemd::{self, Units};
use crate::knowledge::units::Scope;
use crate::source::Source;
use std::collections::BTreeSet;

/// Load and check every unit, SysV script and rc.local of the scanned root.
///
/// `judged` are the verdicts of the ELF and script checks (a unit's verdict follows the
/// programs it starts); `own` tells which files the source distribution's packages own.
pub fn check_units(
    ctx: &Context,
    source: &dyn Source,
    judged: &[Judged],
    own: &Ownership,
) -> (Vec<UnitReport>, Vec<Finding>, Vec<Diagnostic>) {
    let units = systemd::load(source, ctx.inv);
    check_loaded(ctx, source, judged, own, &units)
}

/// [`check_units`] on units already loaded.
pub fn check_loaded(
    ctx: &Context,
    source: &dyn Source,
    judged: &[Judged],
    own: &Ownership,
    units: &Units,
) -> (Vec<UnitReport>, Vec<Finding>, Vec<Diagnostic>) {
    let mut uc = UnitCtx {
        ctx,
        source,
        units,
        judged: judged.iter().map(|j| (j.id, j)).collect(),
        own,
        has_distro_units: false,
        unread: Default::default(),
    };
    uc.has_distro_units = units
        .units
        .iter()
        .any(|u| uc.unit_origin(u) == Origin::Distro);
    let mut reports = Vec::new();
    let mut findings: Vec<Finding> = Vec::new();
    let mut diagnostics = units.diagnostics.clone();

    for u in &units.units {
        let origin = uc.unit_origin(u);
        let mut out = UnitOutcome::default();
        for sink in registry::run(&Input::Unit { uc: &uc, unit: u }) {
            out.proposals.extend(sink.proposals);
            for o in sink.outputs {
                match o {
                    Output::Packages(p) => out.packages.extend(p),
                    Output::Programs(v) => out.programs = Some(v),
                    _ => {}
                }
            }
        }
        let scope = u.scope.unwrap_or(Scope::System);
        let path = u
            .file
            .clone()
            .or_else(|| u.path.clone())
            .unwrap_or_default();
        reports.push(finish(
            &uc,
            &u.name,
            &path,
            scope,
            origin,
            u.enabled(),
            u.masked,
            out,
            &mut findings,
            &mut diagnostics,
        ));
    }
    let mut host = Vec::new();
    let mut rows = Vec::new();
    for sink in registry::run(&Input::Units { uc: &uc }) {
        let (fs, outputs) = sink.into_parts();
        host.extend(fs);
        rows.extend(outputs.into_iter().filter_map(|o| match o {
            Output::UnitRow(row, out) => Some((row, out)),
            _ => None,
        }));
    }
    for (report, out) in rows {
        let (name, path, scope, origin, enabled, draft) = report;
        let mut r = finish(
            &uc,
            &name,
            &path,
            scope,
            origin,
            enabled,
            false,
            out,
            &mut findings,
            &mut diagnostics,
        );
        if let Some(d) = draft {
            r.migrated.push(d);
        }
        reports.push(r);
    }
    findings.extend(host);
    findings.sort();
    findings
        .dedup_by(|a, b| a.key() == b.key() && a.evidence.get("line") == b.evidence.get("line"));
    reports.sort_by(|a, b| (&a.scope, &a.unit, &a.path).cmp(&(&b.scope, &b.unit, &b.path)));
    if let Ok(mut unread) = uc.unread.lock() {
        diagnostics.append(&mut unread);
    }
    diagnostics.sort();
    diagnostics.dedup();
    (reports, findings, diagnostics)
}

/// Downgrade, judge and render one unit.
#[allow(clippy::too_many_arguments)]
fn finish(
    uc: &UnitCtx,
    name: &str,
    path: &str,
    scope: Scope,
    origin: Origin,
    enabled: bool,
    masked: bool,
    out: UnitOutcome,
    all: &mut Vec<Finding>,
    diagnostics: &mut Vec<Diagnostic>,
) -> UnitReport {
    let mut fs: Vec<Finding> = Vec::new();
    let mut edits: Vec<Edit> = Vec::new();
    let mut additions: Vec<Addition> = Vec::new();
    for p in out.proposals {
        let mut f = p.finding;
        f.evidence.insert("unit".into(), name.to_string());
        let file_origin = uc.file_origin(&f.path);
        let package_level = matches!(f.code, Code::UnitPresetDisabled | Code::UnitNotShipped);
        if file_origin == Origin::Distro && !package_level {
            // Azure Linux replaces the package: a note, no diff.
            if f.severity > Severity::Info {
                f.evidence
                    .insert("severity_for_workload".into(), f.severity.as_str().into());
            }
            f.severity = Severity::Info;
            f.evidence.insert("origin".into(), "distro".into());
        } else {
            edits.extend(
                p.edits
                    .into_iter()
                    .filter(|e| uc.file_origin(&e.directive.file) != Origin::Distro),
            );
            additions.extend(
                p.additions
                    .into_iter()
                    .filter(|a| uc.file_origin(&a.file) != Origin::Distro),
            );
        }
        fs.push(f);
    }
    let mut verdict = if fs.iter().any(|f| f.severity == Severity::Blocker) {
        Verdict::Breaks
    } else if !out.packages.is_empty() {
        Verdict::NeedsPackages
    } else {
        Verdict::Ok
    };
    if let Some(v) = out.programs {
        verdict = verdict.max(v);
    }
    if masked {
        verdict = Verdict::Ok;
    }
    let mut codes: Vec<Code> = fs.iter().map(|f| f.code).collect();
    codes.sort();
    codes.dedup();
    let (diff, migrated) = render_fixes(uc, &edits, &additions, diagnostics);
    all.extend(fs);
    UnitReport {
        unit: name.to_string(),
        path: path.to_string(),
        scope: scope.as_str().to_string(),
        origin: origin.as_str().to_string(),
        enabled,
        masked,
        verdict,
        findings: codes,
        packages: out.packages,
        diff,
        migrated,
    }
}

/// Apply edits and additions to each file they touch; returns the unified diff of all files
/// and the migrated texts.
fn render_fixes(
    uc: &UnitCtx,
    edits: &[Edit],
    additions: &[Addition],
    diagnostics: &mut Vec<Diagnostic>,
) -> (Option<String>, Vec<(String, String)>) {
    let mut files: BTreeSet<&str> = edits.iter().map(|e| e.directive.file.as_str()).collect();
    files.extend(additions.iter().map(|a| a.file.as_str()));
    let mut diff = String::new();
    let mut migrated = Vec::new();
    for file in files {
        let Some(old) = uc.read(file) else {
            diagnostics.push(Diagnostic::new(
                file,
                "cannot read the unit file to migrate it",
            ));
            continue;
        };
        let fe: Vec<&Edit> = edits.iter().filter(|e| e.directive.file == file).collect();
        let fa: Vec<&Addition> = additions.iter().filter(|a| a.file == file).collect();
        let new = apply(file, &old, &fe, &fa);
        if new == old {
            continue;
        }
        diff.push_str(&unified_diff(file, &old, &new));
        migrated.push((file.to_string(), new));
    }
    ((!diff.is_empty()).then_some(diff), migrated)
}
