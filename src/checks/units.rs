//! systemd units, SysV init scripts and rc.local: what stops working on systemd 258, what the
//! units start, and the migrated unit as a diff (docs/units.md).
//!
//! [`check_units`] loads the units (`inventory::systemd`), runs the unit checks
//! (`units_directives`, `units_legacy`, `units_exec`, `units_deps`, `units_sysv`,
//! `units_presets`, `units_host`), downgrades findings in files of distro packages to notes,
//! judges every unit and renders the fixable ones as unified diffs. [`write_fixes`] writes the
//! migrated files and native `.service` drafts for SysV scripts into a directory.

use super::interface::{Input, Output};
use super::{Context, Judged, Verdict, registry};
use crate::findings::{Code, Diagnostic, Finding, Severity};
use crate::inventory::ObjectId;
use crate::inventory::ownership::{Origin as OwnerOrigin, Ownership};
use crate::inventory::systemd::{self, Directive, Unit, Units, parse};
use crate::knowledge::units::Scope;
use crate::source::Source;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

/// Where a unit (or one of its files) comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// Moves with the workload: owned by no package.
    Workload,
    /// Owned by a package of another vendor (or a local build): moves with the workload.
    ThirdParty,
    /// Owned by a source-distribution package: Azure Linux packages replace it.
    Distro,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Workload => "workload",
            Origin::ThirdParty => "third-party",
            Origin::Distro => "distro",
        }
    }
}

pub use crate::report::model::UnitReport;

/// A change to one directive of a unit file, composed in order with others on the same
/// directive.
pub(crate) enum Op {
    /// Rename the key (`MemoryLimit` -> `MemoryMax`).
    Rename(String),
    /// Rewrite the value.
    Map(Box<dyn Fn(&str) -> String + Send + Sync>),
    /// Drop the directive.
    Delete,
    /// Replace the directive by these lines (`.include` inlined).
    Lines(Vec<String>),
}

/// A directive change.
pub(crate) struct Edit {
    pub directive: Directive,
    pub op: Op,
}

/// A line to add at the end of a section of a file (the section is created when missing).
pub(crate) struct Addition {
    pub file: String,
    pub section: String,
    pub line: String,
}

/// What a unit check proposes: a finding, with the edits that fix it (possibly none).
pub(crate) struct Proposal {
    pub finding: Finding,
    pub edits: Vec<Edit>,
    pub additions: Vec<Addition>,
}

impl Proposal {
    pub fn new(finding: Finding) -> Self {
        Proposal {
            finding,
            edits: Vec::new(),
            additions: Vec::new(),
        }
    }
    pub fn edit(mut self, d: &Directive, op: Op) -> Self {
        self.edits.push(Edit {
            directive: d.clone(),
            op,
        });
        self
    }
    pub fn add(mut self, file: &str, section: &str, line: String) -> Self {
        self.additions.push(Addition {
            file: file.to_string(),
            section: section.to_string(),
            line,
        });
        self
    }
}

/// A finding about a line of a file: `path`, evidence `line` (1-based), `directive` and the
/// units-directives.tsv row it follows from.
pub(crate) fn at(code: Code, d: &Directive, row: &str) -> Finding {
    let mut f = Finding::new(code, &d.file)
        .evidence("line", d.line.to_string())
        .evidence("directive", format!("{}={}", d.key, d.value))
        .evidence("section", &d.section);
    if d.key == ".include" {
        f = f.evidence("directive", format!(".include {}", d.value));
    }
    if !row.is_empty() {
        f = f.evidence("directive_row", row);
    }
    f
}

/// Everything the unit checks see.
pub(crate) struct UnitCtx<'a> {
    pub ctx: &'a Context<'a>,
    pub source: &'a dyn Source,
    pub units: &'a Units,
    pub judged: HashMap<ObjectId, &'a Judged>,
    pub own: &'a Ownership,
    /// The tree has distro units (a host or image, not a bare app tree).
    pub has_distro_units: bool,
}

impl UnitCtx<'_> {
    /// The target's systemd version, as messages cite it (the pack's `target`).
    pub fn systemd(&self) -> &str {
        self.ctx.pack.target.systemd()
    }

    /// Where a file comes from: the origin of the package that owns it (distro or
    /// third-party); unowned files below /etc, or with a package database read, are the
    /// workload. Without any package database, files in the package unit directories whose
    /// unit Azure Linux ships (or knows a replacement for) are taken as distro files.
    pub fn file_origin(&self, path: &str) -> Origin {
        if let Some(o) = self.own.owner(path) {
            return match o.origin {
                OwnerOrigin::Distro => Origin::Distro,
                OwnerOrigin::ThirdParty => Origin::ThirdParty,
            };
        }
        if path.starts_with("/etc/") || !self.own.managers.is_empty() {
            return Origin::Workload;
        }
        let in_pkg_dir = ["/usr/lib/systemd/", "/lib/systemd/"]
            .iter()
            .any(|d| path.starts_with(d));
        if in_pkg_dir {
            let name = crate::inventory::file_name(path);
            let facts = self.ctx.pack.units();
            let name = name.strip_suffix(".conf").unwrap_or(name);
            let scope = if path.contains("/systemd/user/") {
                Scope::User
            } else {
                Scope::System
            };
            if !facts.providers(name, scope).is_empty() || facts.replacement(name).is_some() {
                return Origin::Distro;
            }
        }
        Origin::Workload
    }

    pub fn unit_origin(&self, u: &Unit) -> Origin {
        match u.file.as_deref().or(u.path.as_deref()) {
            Some(p) => self.file_origin(p),
            None => Origin::Workload,
        }
    }

    /// Whether a path is a regular file of the tree (following links inside the root).
    pub fn is_file(&self, path: &str) -> bool {
        systemd::resolve_file(self.source, self.ctx.inv, path).is_some()
    }

    /// Read a file of the tree (cached texts of unit files first).
    pub fn read(&self, path: &str) -> Option<String> {
        if let Some(t) = self.units.text(path) {
            return Some(t.to_string());
        }
        systemd::read_text(self.source, self.ctx.inv, path).ok()
    }
}

/// What the unit checks produce for one unit.
#[derive(Default)]
pub(crate) struct UnitOutcome {
    pub proposals: Vec<Proposal>,
    /// Packages its programs need.
    pub packages: BTreeSet<String>,
    /// The worst verdict of the carried-over programs it runs.
    pub programs: Option<Verdict>,
}

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

/// A unified diff of one file, `a/<path>` against `b/<path>` (apply with `patch -p1` in the
/// root). A path with control or bidirectional characters, `"` or `\` is C-quoted as git and
/// GNU diff do, so a file name can never break the header into lines.
pub fn unified_diff(path: &str, old: &str, new: &str) -> String {
    let rel = path.trim_start_matches('/');
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&header_name("a/", rel), &header_name("b/", rel))
        .to_string()
}

/// `prefix` + `rel`, C-quoted when needed (`\"`, `\\`, `\n`, `\t`, `\r`, octal bytes).
fn header_name(prefix: &str, rel: &str) -> String {
    use crate::report::escape::is_hostile;
    if !rel.chars().any(|c| is_hostile(c) || c == '"' || c == '\\') {
        return format!("{prefix}{rel}");
    }
    let mut o = format!("\"{prefix}");
    for c in rel.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            '\t' => o.push_str("\\t"),
            '\r' => o.push_str("\\r"),
            c if is_hostile(c) => {
                for b in c.encode_utf8(&mut [0; 4]).bytes() {
                    o.push_str(&format!("\\{b:03o}"));
                }
            }
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

/// Apply directive edits (composed per directive, in order) and section additions to a file.
pub(crate) fn apply(file: &str, text: &str, edits: &[&Edit], additions: &[&Addition]) -> String {
    let mut lines: Vec<String> = text.split('\n').map(str::to_string).collect();
    let trailing_newline = text.ends_with('\n');
    if trailing_newline {
        lines.pop();
    }
    // (line, end_line) -> edits, in order.
    let mut by_span: BTreeMap<(usize, usize), Vec<&Edit>> = BTreeMap::new();
    for e in edits {
        by_span
            .entry((e.directive.line, e.directive.end_line))
            .or_default()
            .push(e);
    }
    // New content per span (None = delete).
    let mut replace: BTreeMap<usize, (usize, Option<Vec<String>>)> = BTreeMap::new();
    for ((line, end), es) in &by_span {
        let d = &es[0].directive;
        let mut key = d.key.clone();
        let mut value = d.value.clone();
        let mut out: Option<Vec<String>> = None;
        let mut deleted = false;
        for e in es {
            match &e.op {
                Op::Rename(k) => key = k.clone(),
                Op::Map(f) => value = f(&value),
                Op::Delete => deleted = true,
                Op::Lines(l) => out = Some(l.clone()),
            }
        }
        let content = if deleted {
            None
        } else if let Some(l) = out {
            Some(l)
        } else if key == d.key && value == d.value {
            continue;
        } else {
            Some(vec![format!("{key}={value}")])
        };
        replace.insert(*line, (*end, content));
    }
    let mut result: Vec<String> = Vec::new();
    // Map from original line number to index in `result` where its section ends (for additions).
    let mut i = 1usize;
    let n = lines.len();
    while i <= n {
        if let Some((end, content)) = replace.get(&i) {
            if let Some(c) = content {
                result.extend(c.iter().cloned());
            }
            i = end + 1;
            continue;
        }
        result.push(lines[i - 1].clone());
        i += 1;
    }
    if !additions.is_empty() {
        result = add_to_sections(file, result, additions);
    }
    let mut s = result.join("\n");
    if trailing_newline || !additions.is_empty() {
        s.push('\n');
    }
    s
}

/// Insert lines at the end of their sections (after the section's last non-blank line), creating
/// `[Unit]` at the top or other sections at the end when missing.
fn add_to_sections(file: &str, lines: Vec<String>, additions: &[&Addition]) -> Vec<String> {
    let mut lines = lines;
    let mut wanted: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for a in additions {
        let v = wanted.entry(a.section.as_str()).or_default();
        if !v.contains(&a.line.as_str()) {
            v.push(a.line.as_str());
        }
    }
    for (section, new) in wanted {
        let text = lines.join("\n");
        let p = parse::parse(file, &text);
        let headers: Vec<(String, usize)> = p.sections.clone();
        match headers.iter().position(|(s, _)| s == section) {
            Some(idx) => {
                // Section runs until the next header (1-based line numbers).
                let start = headers[idx].1;
                let next = headers.get(idx + 1).map(|h| h.1).unwrap_or(lines.len() + 1);
                let mut insert_at = start; // after the header
                for l in start + 1..next {
                    let t = lines[l - 1].trim();
                    if !t.is_empty() {
                        insert_at = l;
                    }
                }
                for (k, l) in new.iter().enumerate() {
                    lines.insert(insert_at + k, l.to_string());
                }
            }
            None if section == "Unit" => {
                let at = headers.first().map(|h| h.1 - 1).unwrap_or(0);
                let mut block = vec!["[Unit]".to_string()];
                block.extend(new.iter().map(|l| l.to_string()));
                block.push(String::new());
                for (k, l) in block.into_iter().enumerate() {
                    lines.insert(at + k, l);
                }
            }
            None => {
                if lines.last().is_some_and(|l| !l.trim().is_empty()) {
                    lines.push(String::new());
                }
                lines.push(format!("[{section}]"));
                lines.extend(new.iter().map(|l| l.to_string()));
            }
        }
    }
    lines
}

/// Write the migrated units and the native `.service` drafts for SysV scripts below `dir`,
/// mirroring their target paths (`DIR/etc/systemd/system/foo.service`), never following a
/// symlink and never replacing a file ([`super::units_write`] has the options: the scanned
/// root to refuse, `--force`).
pub fn write_fixes(units: &[UnitReport], dir: &Path) -> std::io::Result<()> {
    super::units_write::write_fixes(units, dir, Default::default())
}

/// Whether `dir` may receive fixes for a scan of `root`: never the scanned tree or inside it.
pub fn fixes_dir_allowed(root: &Path, dir: &Path) -> Result<(), String> {
    let root = std::fs::canonicalize(root).map_err(|e| format!("{}: {e}", root.display()))?;
    // The directory may not exist yet: canonicalise its nearest existing ancestor.
    let mut probe = dir.to_path_buf();
    let mut tail = Vec::new();
    let base = loop {
        match std::fs::canonicalize(&probe) {
            Ok(p) => break p,
            Err(_) => {
                let Some(name) = probe.file_name().map(|n| n.to_os_string()) else {
                    return Err(format!("{}: no existing parent directory", dir.display()));
                };
                tail.push(name);
                if !probe.pop() {
                    return Err(format!("{}: no existing parent directory", dir.display()));
                }
                if probe.as_os_str().is_empty() {
                    probe = std::env::current_dir().map_err(|e| e.to_string())?;
                }
            }
        }
    };
    let mut full = base;
    for t in tail.iter().rev() {
        full.push(t);
    }
    if full.starts_with(&root) {
        return Err(format!(
            "{} is inside the scanned tree {}: fixes are never written into it",
            dir.display(),
            root.display()
        ));
    }
    Ok(())
}

/// The rows of platform/units-directives.tsv and how the unit checks cover each: the codes a
/// matching unit, file or host gets, or (no codes) why nothing is reported. A test checks this
/// list against the pack's rows, and tests/units.rs produces every listed code from a fixture.
pub const DIRECTIVE_ROWS: &[(&str, &[Code], &str)] = &[
    ("MemoryLimit=", &[Code::UnitLimitIgnored], "-> MemoryMax="),
    (
        "CPUShares=",
        &[Code::UnitLimitIgnored],
        "-> CPUWeight= (converted)",
    ),
    (
        "StartupCPUShares=",
        &[Code::UnitLimitIgnored],
        "-> StartupCPUWeight= (converted)",
    ),
    (
        "BlockIOAccounting=",
        &[Code::UnitDirectiveDeprecated],
        "-> IOAccounting= (accounting only: no limit is lost)",
    ),
    (
        "BlockIOWeight=",
        &[Code::UnitLimitIgnored],
        "-> IOWeight= (converted)",
    ),
    (
        "StartupBlockIOWeight=",
        &[Code::UnitLimitIgnored],
        "-> StartupIOWeight= (converted)",
    ),
    (
        "BlockIODeviceWeight=",
        &[Code::UnitLimitIgnored],
        "-> IODeviceWeight= (converted)",
    ),
    (
        "BlockIOReadBandwidth=",
        &[Code::UnitLimitIgnored],
        "-> IOReadBandwidthMax=",
    ),
    (
        "BlockIOWriteBandwidth=",
        &[Code::UnitLimitIgnored],
        "-> IOWriteBandwidthMax=",
    ),
    (
        "CPUAccounting=",
        &[Code::UnitDirectiveDeprecated],
        "line dropped",
    ),
    (
        "DefaultMemoryMin= / DefaultMemoryLow= / DefaultStartupMemoryLow=",
        &[Code::UnitLimitIgnored],
        "severity info: status at the target's systemd unverified; no automatic fix",
    ),
    (
        "DefaultCPUAccounting= / DefaultBlockIOAccounting=",
        &[Code::UnitDirectiveDeprecated],
        "system.conf / user.conf and their .d drop-ins",
    ),
    (
        "JoinControllers=",
        &[Code::UnitDirectiveDeprecated],
        "system.conf and its .d drop-ins",
    ),
    (
        "NetClass=",
        &[Code::UnitDirectiveDeprecated],
        "line dropped (already ignored on every source)",
    ),
    (
        "Capabilities=",
        &[Code::UnitDirectiveDeprecated],
        "line dropped (already ignored on every source)",
    ),
    (
        "SysVStartPriority=",
        &[Code::UnitDirectiveDeprecated],
        "line dropped (already ignored on every source)",
    ),
    (
        "BusPolicy=",
        &[Code::UnitDirectiveDeprecated],
        "line dropped (already ignored on every source)",
    ),
    (
        "IgnoreOnSnapshot=",
        &[Code::UnitDirectiveDeprecated],
        "line dropped (already ignored on every source)",
    ),
    (
        "RequiresOverridable= / RequisiteOverridable=",
        &[Code::UnitDirectiveDeprecated],
        "-> Requires= / Requisite=",
    ),
    (
        "ExecStart= '!!' prefix (also ExecStartPre= etc.)",
        &[Code::UnitDirectiveDeprecated],
        "prefix dropped (no effect on kernels with ambient capabilities)",
    ),
    (
        "PermissionsStartOnly=",
        &[Code::UnitDirectiveDeprecated],
        "-> '+' on ExecStartPre/Post, ExecReload, ExecStop/StopPost",
    ),
    (
        "KillMode=none",
        &[Code::UnitDirectiveDeprecated],
        "no automatic fix: mixed/control-group changes behaviour",
    ),
    (
        ".include <file>",
        &[Code::UnitDirectiveRemoved],
        "included file inlined",
    ),
    (
        "StandardOutput=/StandardError= syslog | syslog+console",
        &[Code::UnitDirectiveDeprecated],
        "-> journal / journal+console",
    ),
    (
        "ConditionNull=",
        &[Code::UnitDirectiveRemoved, Code::UnitDirectiveDeprecated],
        "=false: removed (the unit would start) -> ConditionPathExists=!/; =true: deprecated, line dropped",
    ),
    (
        "PIDFile= (or other paths) below /var/run/",
        &[Code::UnitLegacyPath],
        "-> /run/",
    ),
    (
        "StartLimitInterval= / StartLimitBurst= in [Service]",
        &[Code::UnitDirectiveDeprecated],
        "moved to [Unit] as StartLimitIntervalSec= / StartLimitBurst=",
    ),
    (
        "WantedBy=/After= runlevel[0-6].target",
        &[Code::UnitRunlevelTarget, Code::UnitDirectiveDeprecated],
        "install/hard dependencies and enablement links: blocker; ordering: deprecated; -> multi-user/graphical/rescue/poweroff/reboot.target",
    ),
    (
        "SysV init scripts (/etc/rc.d/init.d, /etc/init.d) via systemd-sysv-generator",
        &[Code::UnitSysvScript],
        "native .service draft",
    ),
    (
        "rc.local (rc-local.service via systemd-rc-local-generator)",
        &[Code::UnitRcLocal],
        "native .service draft",
    ),
    (
        "telinit / runlevel / initctl commands; 'init N'; /dev/initctl",
        &[Code::UnitRemovedCommand],
        "units' Exec lines, init scripts, rc.local, scripts units run",
    ),
    (
        "/forcefsck, /fastboot files",
        &[Code::SystemdLegacyFile],
        "files in the tree, or created by units/scripts",
    ),
    (
        "/forcequotacheck file",
        &[Code::SystemdLegacyFile],
        "files in the tree, or created by units/scripts",
    ),
    (
        "/run/lock (legacy lock dir)",
        &[Code::UnitLegacyPath],
        "units, their environment files and scripts they run",
    ),
    (
        "cgroup v1 (legacy/hybrid hierarchy), systemd.unified_cgroup_hierarchy=0, SYSTEMD_CGROUP_ENABLE_LEGACY_FORCE=1",
        &[Code::UnitLegacyCgroup],
        "units, environment files, scripts units run, kernel command lines (/etc/default/grub, /etc/kernel/cmdline, /boot/loader/entries)",
    ),
    (
        "split-usr / unmerged-usr",
        &[],
        "no finding: unmerged /lib/systemd/system is loaded and Exec paths are matched after merging /bin, /sbin, /usr/sbin into /usr/bin (tests: split_usr_*)",
    ),
    (
        "Minimum kernel",
        &[],
        "no finding: the target's kernel (pack `target.versions.kernel`) is above its systemd's minimum; a scan has no running kernel to judge",
    ),
    (
        "IPForward=",
        &[Code::UnitDirectiveDeprecated],
        "systemd-networkd .network files -> IPv4Forwarding= / IPv6Forwarding=",
    ),
    (
        "libiptc (iptables) NAT backend for networkd IPMasquerade= / nspawn",
        &[Code::UnitDirectiveDeprecated],
        "IPMasquerade= in .network files",
    ),
    (
        "systemctl reboot <arg> (positional)",
        &[Code::UnitRemovedCommand],
        "-> systemctl reboot --reboot-argument=",
    ),
    (
        "/usr/sbin/halt.local",
        &[Code::SystemdLegacyFile],
        "file in the tree",
    ),
    (
        "uaccess udev tag only on ACTION==\"add\"",
        &[Code::SystemdBehaviourChange],
        "udev rules of the workload",
    ),
    (
        "PAM sessions of system users (cron, FTP) no longer get a user manager",
        &[Code::SystemdBehaviourChange],
        "crontabs using systemctl --user / XDG_RUNTIME_DIR",
    ),
    (
        "tty/pts default mode",
        &[Code::SystemdBehaviourChange],
        "severity info: write/wall/talk/mesg in units and scripts they run",
    ),
];

/// The `DIRECTIVE_ROWS` key for a pack row text (the row's `directive` column).
pub(crate) fn row(key: &str) -> &str {
    DIRECTIVE_ROWS
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(k, _, _)| *k)
        .unwrap_or(key)
}

/// The pack's facts for a row, as `why` text: what changed, when, and the effect. Where the
/// fact comes from is evidence (`RowWhy::row_why` adds it), never part of the text.
pub(crate) fn row_why(uc: &UnitCtx, key: &str, fallback: &str) -> String {
    match uc.ctx.pack.units().directive(key) {
        Some(d) => {
            let mut s = format!("systemd {}: {}", uc.systemd(), d.status);
            if !d.since.is_empty() {
                s.push_str(&format!(" ({})", d.since));
            }
            if !d.fact.is_empty() {
                s.push_str(&format!("; {}", d.fact));
            }
            s
        }
        None => fallback.to_string(),
    }
}

/// A finding's `why` from a pack row, with the row's source as evidence (`source`).
pub(crate) trait RowWhy {
    fn row_why(self, uc: &UnitCtx, key: &str, fallback: &str) -> Self;
}

impl RowWhy for Finding {
    fn row_why(self, uc: &UnitCtx, key: &str, fallback: &str) -> Self {
        let f = self.why(row_why(uc, key, fallback));
        match uc.ctx.pack.units().directive(key) {
            Some(d) if !d.source.is_empty() => f.evidence("source", &d.source),
            _ => f,
        }
    }
}

/// The pack's replacement text for a row.
pub(crate) fn row_replacement(uc: &UnitCtx, key: &str) -> String {
    uc.ctx
        .pack
        .units()
        .directive(key)
        .map(|d| d.replacement.clone())
        .unwrap_or_default()
}

/// Substitute the specifiers a check can know (`%i`, `%I`, `%n`, `%N`, `%p`, `%P`, `%%`);
/// `None` when another specifier remains.
pub(crate) fn specifiers(u: &Unit, s: &str) -> Option<String> {
    if !s.contains('%') {
        return Some(s.to_string());
    }
    let name = &u.name;
    let stem = name.rsplit_once('.').map(|(a, _)| a).unwrap_or(name);
    let prefix = stem.split('@').next().unwrap_or(stem);
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            '%' => out.push('%'),
            'n' => out.push_str(name),
            'N' => out.push_str(stem),
            'p' | 'P' => out.push_str(prefix),
            'i' | 'I' => out.push_str(u.instance.as_deref()?),
            _ => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_name_never_breaks_a_diff_header() {
        let d = unified_diff("/etc/systemd/system/a\nVerdict\x1b.service", "x\n", "y\n");
        let mut lines = d.lines();
        assert_eq!(
            lines.next(),
            Some("--- \"a/etc/systemd/system/a\\nVerdict\\033.service\"")
        );
        assert_eq!(
            lines.next(),
            Some("+++ \"b/etc/systemd/system/a\\nVerdict\\033.service\"")
        );
        assert!(d.lines().all(|l| !l.starts_with("Verdict")), "{d}");
        let plain = unified_diff("/etc/x.service", "x\n", "y\n");
        assert!(plain.starts_with("--- a/etc/x.service\n+++ b/etc/x.service\n"));
    }
}
