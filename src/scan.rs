//! One scan, end to end: source -> inventory -> checks -> report.

use crate::checks::{self, Context};
use crate::engine;
use crate::inventory::exclude::Exclusions;
use crate::inventory::ownership::{self, Origin};
use crate::inventory::walk::{self, Progress};
use crate::inventory::{Inventory, ld_so_conf, os_release, packages};
use crate::knowledge::Pack;
use crate::report::{self, Report};
use crate::source::{DirSource, ImageSource, Source};
use std::path::{Path, PathBuf};

/// What to scan and how.
#[derive(Clone, Debug)]
pub struct ScanOptions {
    /// The directory taken as the root of what would move.
    pub root: PathBuf,
    /// Enter other mounted filesystems when the root is `/`.
    pub cross_mounts: bool,
    /// What is not workload: the built-in rules plus `--exclude` and the policy's `exclude`.
    pub exclude: Exclusions,
}

/// Why a scan could not run at all (anything less is a diagnostic in the report).
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// The I/O error is part of the message, not a `source()` (said once).
    #[error("cannot scan {path}: {error}")]
    Root { path: String, error: std::io::Error },
}

/// Scan a directory root against a knowledge pack: [`collect`] the inventory, then [`judge`]
/// it. `analyze` of saved facts runs the same [`judge`] (`crate::facts`).
pub fn scan(opts: &ScanOptions, pack: &Pack, progress: &dyn Progress) -> Result<Report, ScanError> {
    let (source, inv, db) = collect(opts, progress)?;
    Ok(judge(&source, &display_root(source.root()), inv, db, pack))
}

/// The pack-free half of a scan: the confined source, the walk's inventory and the package
/// database rows (with the `.rpm` files the walk found). Nothing here is judged.
pub fn collect(
    opts: &ScanOptions,
    progress: &dyn Progress,
) -> Result<(DirSource, Inventory, packages::PackageDb), ScanError> {
    let root_error = |e| ScanError::Root {
        path: opts.root.display().to_string(),
        error: e,
    };
    let source = DirSource::new(&opts.root, opts.cross_mounts).map_err(root_error)?;
    // A root that cannot be listed at all is no scan: nothing would be judged.
    if let Err(e) = source.read_dir(Path::new("/")) {
        return Err(root_error(e));
    }
    let (inv, db) = collect_source(&source, &opts.exclude, progress);
    Ok((source, inv, db))
}

/// Scan a container image (`opts.root` is the image file or OCI layout directory; see
/// docs/images.md). `platform` picks a manifest from a multi-platform index.
pub fn scan_image(
    opts: &ScanOptions,
    platform: Option<&str>,
    pack: &Pack,
    progress: &dyn Progress,
) -> Result<Report, ScanError> {
    let source = ImageSource::open(&opts.root, platform).map_err(|e| ScanError::Root {
        path: opts.root.display().to_string(),
        error: e,
    })?;
    let (mut inv, db) = collect_source(&source, &opts.exclude, progress);
    inv.diagnostics.extend(source.diagnostics().iter().cloned());
    let mut report = judge_any(
        &source,
        &display_root(&opts.root),
        inv,
        db,
        pack,
        Some(&source),
    );
    crate::source::image::annotate(&source, &mut report);
    Ok(report)
}

/// Scan any [`Source`] (shown as `root` in the report) against a knowledge pack: the walk,
/// packages, ownership, units, the checks and the report ([`collect_source`] then [`judge`]).
pub fn scan_source(
    source: &dyn Source,
    root: &str,
    exclude: &Exclusions,
    pack: &Pack,
    progress: &dyn Progress,
) -> Report {
    let (inv, db) = collect_source(source, exclude, progress);
    judge(source, root, inv, db, pack)
}

/// The pack-free half of a scan of any [`Source`]: the walk's inventory and the package
/// database rows, with the `.rpm` files the walk found.
pub fn collect_source(
    source: &dyn Source,
    exclude: &Exclusions,
    progress: &dyn Progress,
) -> (Inventory, packages::PackageDb) {
    let mut inv = walk::walk_excluding(source, progress, exclude);
    // Installed packages, plus the .rpm files the walk found (installers that would run).
    let mut db = packages::read_installed(source);
    db.packages.append(&mut std::mem::take(&mut inv.rpm_files));
    inv.diagnostics.append(&mut db.diagnostics);
    (inv, db)
}

/// The judging half of a scan: ownership, os-release, ld.so.conf, units, launch environments
/// (read through `source`, after the walk), the checks, the report. `root` is the scanned
/// root as the report shows it.
pub fn judge(
    source: &dyn Source,
    root: &str,
    inv: Inventory,
    db: packages::PackageDb,
    pack: &Pack,
) -> Report {
    judge_any(source, root, inv, db, pack, None)
}

/// [`judge`]; `image` is set when the source is a container image: its config's `Env` is part
/// of the loader model and its `Entrypoint` is judged (the `image-entrypoint` check).
fn judge_any(
    source: &dyn Source,
    root: &str,
    mut inv: Inventory,
    db: packages::PackageDb,
    pack: &Pack,
    image: Option<&ImageSource>,
) -> Report {
    let is_debian_name = |n: &str| matches!(pack.debian_mapping(n), Ok(Some(_)));
    let origins: Vec<Origin> = db
        .packages
        .iter()
        .map(|p| ownership::classify(p, &is_debian_name))
        .collect();
    let own = ownership::apply(&mut inv, &db, &origins);
    // Native code inside the Java archives the distribution does not own.
    crate::inventory::archives::add_members(source, &mut inv, &own);
    let mut diags = Vec::new();
    inv.os_release = os_release::read_with_diagnostics(source, &mut diags);
    let ld_dirs = ld_so_conf::read(source, &own, &mut diags);
    inv.diagnostics.extend(diags);
    // Language runtimes: what the walk noted by name, read now that ownership is known.
    let mut python = crate::inventory::python::collect_for(source, &inv, &own, pack);
    let mut node = crate::inventory::node::collect(source, &inv, &own);
    let mut java = crate::inventory::java::collect(source, &inv, &own);
    inv.diagnostics.append(&mut python.diagnostics);
    inv.diagnostics.append(&mut node.diagnostics);
    inv.diagnostics.append(&mut java.diagnostics);
    inv.diagnostics.sort();
    inv.diagnostics.dedup();
    let units = crate::inventory::systemd::load(source, &inv);
    let (launch, launch_diags) = checks::launch_env::collect(&inv, source, &units);
    inv.diagnostics.extend(launch_diags);
    inv.diagnostics.sort();
    inv.diagnostics.dedup();
    let mut ctx = Context::new(&inv, pack, ld_dirs);
    ctx.launch = launch;
    if let Some(img) = image {
        checks::image_config::add_launch_env(&mut ctx, &img.config);
    }
    ctx.python = python;
    ctx.node = node;
    ctx.java = java;
    ctx.java.homes = checks::java::java_homes(&inv, source, &units);
    let outcome = engine::run(&ctx);
    let pkgs = engine::run_packages(&ctx, &db.packages, &origins, &own, &outcome.judged);
    let (units, mut unit_findings, unit_diags) =
        engine::units::check_loaded(&ctx, source, &outcome.judged, &own, &units);
    let (image_findings, image_packages) = match image {
        Some(img) => engine::run_image(&ctx, source, &outcome.judged, &own, &img.config),
        None => Default::default(),
    };
    unit_findings.extend(image_findings);
    let mut report = report::build(root, &inv, pack, outcome, own.managers.clone());
    report::attach_packages(&mut report, pkgs, &own.managers);
    // What the image starts needs these (finish_install builds the install line).
    let mut install: std::collections::BTreeSet<String> =
        report.summary.packages_to_install.iter().cloned().collect();
    install.extend(image_packages);
    report.summary.packages_to_install = install.into_iter().collect();
    report::attach_units(&mut report, units, unit_findings, unit_diags);
    // Host configuration that does not carry over (issue 14).
    let host_files =
        crate::inventory::hostconf::HostFiles::new(source, &inv, &own, source.is_running_root());
    report::attach_key_repositories(
        &mut report,
        &crate::inventory::hostconf::repos::repository_key_files(&host_files),
    );
    let host = checks::host_ctx::HostCtx::new(&host_files, &ctx);
    let mut host_findings = Vec::new();
    for sink in checks::registry::run(&checks::interface::Input::Host { host: &host }) {
        let (findings, outputs) = sink.into_parts();
        host_findings.extend(findings);
        report
            .generated
            .extend(outputs.into_iter().filter_map(|o| match o {
                checks::interface::Output::Generated(g) => Some(g),
                _ => None,
            }));
    }
    report::attach_host(&mut report, host_findings, host_files.take_diagnostics());
    report::finish_install(&mut report, pack);
    engine::annotate_differences(&mut report.findings);
    report
}

/// The scanned root as the report shows it (bytes kept, see `inventory::names`).
pub fn display_root(p: &Path) -> String {
    crate::inventory::names::from_os(p.as_os_str())
}
