//! What the unit checks share: where a unit file comes from ([`Origin`]), what every unit check
//! sees ([`UnitCtx`]), findings about a line ([`at`]), the pack's directive rows as why/fix text,
//! and systemd specifiers. The unit checks are `units_directives`, `units_legacy`, `units_exec`,
//! `units_deps`, `units_sysv`, `units_presets` and `units_host`; the engine that runs them is
//! `engine::units`, the edit framework and patch engine `engine::unit_edit`, and writing
//! `--write-fixes` output `units_write` (docs/units.md).

use super::{Context, Judged, Verdict};
use crate::findings::{Code, Diagnostic, Finding};
use crate::inventory::ObjectId;
use crate::inventory::ownership::{Origin as OwnerOrigin, Ownership};
use crate::inventory::systemd::{self, Directive, Unit, Units};
use crate::knowledge::units::Scope;
use crate::source::Source;
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};

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

pub use crate::engine::unit_edit::unified_diff;
pub(crate) use crate::engine::unit_edit::{Op, Proposal};

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
    /// Files a check needed and could not read (too large, not text, a loop): the engine adds
    /// them to the report's diagnostics, so a skipped file is never silent.
    pub unread: std::sync::Mutex<Vec<Diagnostic>>,
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

    /// Read a file of the tree (cached texts of unit files first). A file that exists but
    /// cannot be read as text (over the read cap, not UTF-8, a symlink loop, an I/O error) is
    /// recorded as an unread diagnostic: what it says was not checked.
    pub fn read(&self, path: &str) -> Option<String> {
        if let Some(t) = self.units.text(path) {
            return Some(t.to_string());
        }
        match systemd::read_text(self.source, self.ctx.inv, path) {
            Ok(t) => Some(t),
            Err(e) if e == systemd::NOT_FOUND => None,
            Err(e) => {
                let mut d = Diagnostic::new(path, format!("cannot read: {e}"));
                d.unread = true;
                if let Ok(mut v) = self.unread.lock() {
                    v.push(d);
                }
                None
            }
        }
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

/// The stable id of the pack's unit-directives row `key` (an id, or a directive as a unit file
/// spells it: `MemoryLimit=`); findings carry it as evidence `directive_row`. Which codes
/// report each row is data too (the row's `codes` and `coverage`, from the target's
/// unit-directive-rows.tsv); tests/units.rs finds every (row, code) in its fixture.
pub(crate) fn row<'a>(uc: &'a UnitCtx, key: &str) -> &'a str {
    uc.ctx.pack.units().row_id(key)
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
