//! The engine: what runs the checks and is not a check. It builds the loader closures
//! ([`loader`]), runs the registered checks on each input they need
//! ([`crate::checks::registry`]), folds findings into one verdict per judged object
//! ([`verdict`]), folds a file's repeated findings ([`aggregate`]), and judges the installed
//! packages. [`richdep`] evaluates rpm's rich dependencies for the requirements check.

pub mod aggregate;
pub mod loader;
pub mod richdep;
pub mod unit_edit;
pub mod units;
pub mod verdict;

use crate::checks::interface::{Input, Output};
use crate::checks::{Context, package_fate, packages, registry};
use crate::findings::{Code, Finding};
use crate::inventory::{Object, ObjectId, ObjectKind, elf::ElfType};
use loader::Closure;
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
pub use verdict::Judged;

/// The result of all checks.
pub struct Outcome {
    /// One entry per judged object, sorted by path.
    pub judged: Vec<Judged>,
    /// Every finding, de-duplicated and sorted.
    pub findings: Vec<Finding>,
    pub arch: String,
}

/// Run every check.
pub fn run(ctx: &Context) -> Outcome {
    let inv = ctx.inv;
    let carried: Vec<ObjectId> = (0..inv.objects.len())
        .filter(|&i| inv.objects[i].carried_over())
        .collect();
    // Objects the loader model starts from: executables first.
    let elf_ids: Vec<ObjectId> = carried
        .iter()
        .copied()
        .filter(|&i| judged_elf(&inv.objects[i]))
        .collect();
    let runnable = |i: ObjectId| {
        let e = inv.objects[i].elf().expect("elf");
        e.azl_arch().is_some() && e.linux_abi() && e.dynamic
    };
    let exec_roots: Vec<ObjectId> = elf_ids
        .iter()
        .copied()
        .filter(|&i| is_executable(&inv.objects[i]) && runnable(i))
        .collect();
    let mut closures: Vec<Closure> = exec_roots
        .par_iter()
        .map(|&r| loader::load(ctx, r, None))
        .collect();
    let loaded: HashSet<ObjectId> = closures
        .iter()
        .flat_map(|c| c.libraries.iter().copied())
        .collect();
    let lib_roots: Vec<ObjectId> = elf_ids
        .iter()
        .copied()
        .filter(|&i| !is_executable(&inv.objects[i]) && runnable(i) && !loaded.contains(&i))
        .collect();
    closures.extend(
        lib_roots
            .par_iter()
            .map(|&r| loader::load(ctx, r, Some(&loaded)))
            .collect::<Vec<_>>(),
    );

    let mut findings: Vec<Finding> = Vec::new();
    for sink in registry::run(&Input::ElfObjects { ctx, ids: &elf_ids }) {
        findings.extend(sink.findings());
    }
    findings.extend(
        closures
            .par_iter()
            .flat_map_iter(|c| {
                registry::run(&Input::Closure { ctx, closure: c })
                    .into_iter()
                    .flat_map(|s| s.findings())
            })
            .collect::<Vec<_>>(),
    );
    let script_ids: Vec<ObjectId> = carried
        .iter()
        .copied()
        .filter(|&i| matches!(inv.objects[i].kind, ObjectKind::Script(_)))
        .collect();
    let script = |id: ObjectId, judged: &HashMap<ObjectId, Judged>| {
        let mut out = verdict::ScriptJudgement::default();
        for sink in registry::run(&Input::Script { ctx, id, judged }) {
            for o in &sink.outputs {
                match o {
                    Output::Packages(p) => out.packages.extend(p.iter().cloned()),
                    Output::Interpreter(i) => out.interpreter = Some(*i),
                    _ => {}
                }
            }
            out.findings.extend(sink.findings());
        }
        out
    };
    let (judged, attributions, mut more) =
        verdict::judge(ctx, &elf_ids, &closures, &script_ids, &findings, &script);
    for sink in registry::run(&Input::Attributions {
        ctx,
        attributions: &attributions,
    }) {
        more.extend(sink.findings());
    }
    findings.append(&mut more);
    findings.sort();
    findings.dedup_by(|a, b| a.key() == b.key());
    let findings = aggregate::fold(findings);
    Outcome {
        judged,
        findings,
        arch: ctx.arch.clone(),
    }
}

/// ELF objects that are judged: executables and shared objects (not relocatable objects,
/// core dumps or debug-only files).
fn judged_elf(o: &Object) -> bool {
    match o.elf() {
        Some(e) => matches!(e.elf_type, ElfType::Exec | ElfType::Dyn),
        None => false,
    }
}

/// Executables: ET_EXEC, or ET_DYN with a program interpreter (PIE).
pub fn is_executable(o: &Object) -> bool {
    match o.elf() {
        Some(e) => e.elf_type == ElfType::Exec || e.interpreter.is_some(),
        None => false,
    }
}

/// What the package checks produce.
pub struct PackagesOutcome {
    pub packages: Vec<packages::PackageReport>,
    pub findings: Vec<Finding>,
    /// Azure Linux packages to install for the packages that are replaced or carried.
    pub to_install: std::collections::BTreeSet<String>,
    /// rpm's `gpg-pubkey` entries: signing keys, not packages.
    pub signing_keys: Vec<package_fate::SigningKey>,
}

/// Judge the installed packages (and `.rpm` files in the tree): the fate of the source
/// distribution's packages and the requirements of third-party ones. `origins[i]` is the
/// origin of `pkgs[i]`; `judged` are the verdicts of the moving files (to know which distro
/// packages they need).
pub fn run_image(
    ctx: &Context,
    source: &dyn crate::source::Source,
    judged: &[crate::checks::Judged],
    own: &crate::inventory::ownership::Ownership,
    config: &crate::source::image::RunConfig,
) -> (Vec<Finding>, std::collections::BTreeSet<String>) {
    let input = Input::Image {
        ctx,
        source,
        judged,
        own,
        config,
    };
    let mut findings = Vec::new();
    let mut packages = std::collections::BTreeSet::new();
    for sink in registry::run(&input) {
        let (f, outputs) = sink.into_parts();
        findings.extend(f);
        for o in outputs {
            if let Output::Packages(p) = o {
                packages.extend(p);
            }
        }
    }
    (findings, packages)
}

pub fn run_packages(
    ctx: &Context,
    pkgs: &[crate::inventory::packages::InstalledPackage],
    origins: &[crate::inventory::ownership::Origin],
    own: &crate::inventory::ownership::Ownership,
    judged: &[Judged],
) -> PackagesOutcome {
    use crate::inventory::ownership::Origin;
    use std::collections::{BTreeMap, BTreeSet};
    let inv = ctx.inv;
    // Which distro packages the moving files and packages need on the source host.
    let mut needed_by: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut lib_owner: HashMap<&str, &str> = HashMap::new();
    for (p, o) in pkgs.iter().zip(origins) {
        if *o != Origin::Distro {
            continue;
        }
        for f in &p.files {
            let name = crate::inventory::file_name(f);
            if name.contains(".so") {
                lib_owner.entry(name).or_insert(p.name.as_str());
            }
        }
    }
    for j in judged {
        let o = &inv.objects[j.id];
        match &o.kind {
            ObjectKind::Elf(e) => {
                for n in &e.needed {
                    if let Some(owner) = lib_owner.get(n.as_str()) {
                        needed_by
                            .entry(owner.to_string())
                            .or_default()
                            .insert(o.path.clone());
                    }
                }
            }
            ObjectKind::Script(sb) => {
                if let Some(w) = sb.program().and_then(|p| own.owner(p))
                    && w.origin == Origin::Distro
                {
                    needed_by
                        .entry(w.package.clone())
                        .or_default()
                        .insert(o.path.clone());
                }
            }
        }
    }
    // Capability -> distro packages providing it on the source host.
    let mut distro_provides: HashMap<&str, BTreeSet<&str>> = HashMap::new();
    for (q, qo) in pkgs.iter().zip(origins) {
        if *qo == Origin::Distro {
            distro_provides
                .entry(q.name.as_str())
                .or_default()
                .insert(q.name.as_str());
            for x in &q.provides {
                distro_provides
                    .entry(x.name.as_str())
                    .or_default()
                    .insert(q.name.as_str());
            }
        }
    }
    for (p, o) in pkgs.iter().zip(origins) {
        if *o != Origin::ThirdParty {
            continue;
        }
        for d in &p.requires {
            for q in distro_provides.get(d.name.as_str()).into_iter().flatten() {
                needed_by
                    .entry(q.to_string())
                    .or_default()
                    .insert(format!("package {}", p.name));
            }
        }
    }
    let input = packages::Input {
        packages: pkgs,
        origins,
        needed_by: &needed_by,
    };
    let mut reports = Vec::new();
    let mut findings = Vec::new();
    let mut pulls = Vec::new();
    for sink in registry::run(&Input::Packages { ctx, input: &input }) {
        let (fs, outputs) = sink.into_parts();
        findings.extend(fs);
        for o in outputs {
            match o {
                Output::PackageReports(r) => reports.extend(r),
                Output::Install(set) => pulls.push(set),
                _ => {}
            }
        }
    }
    let mut to_install = BTreeSet::new();
    for r in &reports {
        if matches!(
            r.fate.as_str(),
            "shipped" | "provided-by" | "obsoleted-by" | "sdk-only"
        ) && let Some(a) = r.azl_packages.first()
        {
            to_install.insert(a.name.clone());
        }
    }
    for set in pulls {
        to_install.extend(set);
    }
    findings.sort();
    findings.dedup_by(|a, b| a.key() == b.key());
    // The report lists what each package's requirements need too.
    for r in &mut reports {
        let codes: BTreeSet<Code> = findings
            .iter()
            .filter(|f| f.path == r.location && f.evidence.get("package") == Some(&r.name))
            .map(|f| f.code)
            .collect();
        r.findings = codes.into_iter().collect();
    }
    PackagesOutcome {
        packages: reports,
        findings,
        to_install,
        signing_keys: package_fate::signing_keys(pkgs),
    }
}

/// Tag each finding that comes from a way Azure Linux 4.0 differs from Fedora with the id of
/// that difference (`evidence.difference`; `azl-compat explain ID` explains it).
pub fn annotate_differences(findings: &mut [Finding]) {
    use crate::knowledge::differences as d;
    for f in findings.iter_mut() {
        let id = match f.code {
            Code::ElfLibrarySdkOnly
            | Code::ScriptInterpreterSdkOnly
            | Code::PkgSdkOnly
            | Code::UnitExecSdkOnly
            | Code::ImageEntrypointSdkOnly => Some(d::SDK),
            Code::ElfLibraryMissing if f.evidence.contains_key("unpublished_packages") => {
                Some(d::UNLISTED)
            }
            Code::PkgNotPublished => Some(d::UNLISTED),
            Code::ElfLibraryMissing
            | Code::ScriptInterpreterMissing
            | Code::PkgNotShipped
            | Code::UnitExecMissing
            | Code::ImageEntrypointMissing
            | Code::UnitNotShipped => Some(d::ABSENT),
            Code::PkgReplaced => Some(d::REPLACED),
            Code::PkgMajorVersionChange => Some(d::OTHER_VERSION),
            Code::ElfUnsupportedArch
                if f.evidence.get("class").map(String::as_str) == Some("32-bit") =>
            {
                Some(d::NO_32_BIT)
            }
            Code::UnitPresetDisabled => Some(d::DIFFERENT_DEFAULT),
            _ => None,
        };
        if let Some(id) = id {
            f.evidence
                .entry("difference".to_string())
                .or_insert_with(|| id.to_string());
        }
    }
}
