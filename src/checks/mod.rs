//! Checks: each compares the inventory with the knowledge pack and emits findings.
//!
//! One file per check, one shape: a function from the [`Context`] (and, for the ELF checks,
//! the loader's [`loader::Closure`]s) to findings. [`verdict`] then turns findings into one
//! verdict per judged object.

pub mod aggregate;
pub mod alternatives;
pub mod elf_libraries;
pub mod elf_platform;
pub mod elf_versions;
pub mod java;
pub mod launch_env;
pub mod loader;
pub mod node;
pub mod package_fate;
pub mod packages;
pub mod perl_ruby;
pub mod python;
pub mod requires;
pub mod richdep;
pub mod scripts;
pub mod units;
pub mod units_deps;
pub mod units_directives;
pub mod units_exec;
pub mod units_host;
pub mod units_legacy;
pub mod units_presets;
pub mod units_sysv;
pub mod units_write;
pub mod verdict;

use crate::findings::{Code, Finding};
use crate::inventory::{Inventory, Object, ObjectId, ObjectKind, elf::ElfType};
use crate::knowledge::{Pack, Provider};
use loader::{Closure, Resolution};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::RwLock;

pub use verdict::{Judged, Verdict};

/// What every check sees.
pub struct Context<'a> {
    pub inv: &'a Inventory,
    pub pack: &'a Pack,
    /// Directories the tree's carried-over /etc/ld.so.conf adds.
    pub ld_so_conf_dirs: Vec<String>,
    /// The architecture most carried-over ELF objects are built for (the report's target).
    pub arch: String,
    /// `LD_LIBRARY_PATH` the tree sets for programs it starts (see [`launch_env`]).
    pub launch: HashMap<ObjectId, Vec<launch_env::LaunchEnv>>,
    /// Python virtual environments, distributions and imports (see [`python`]).
    pub python: crate::inventory::python::PythonInventory,
    /// Node.js packages' engines and native addons (see [`node`]).
    pub node: crate::inventory::node::NodeInventory,
    /// JDK and JRE installs (see [`java`]).
    pub java: crate::inventory::java::JavaInventory,
    /// Builds for other platforms the target never loads (see [`alternatives`]).
    pub alternatives: alternatives::Alternatives,
    /// File name or DT_SONAME -> carried-over shared objects bearing it.
    by_name: HashMap<String, Vec<ObjectId>>,
    soname_cache: RwLock<HashMap<String, Vec<Provider>>>,
}

impl<'a> Context<'a> {
    pub fn new(inv: &'a Inventory, pack: &'a Pack, ld_so_conf_dirs: Vec<String>) -> Self {
        let mut by_name: HashMap<String, Vec<ObjectId>> = HashMap::new();
        let mut arches: BTreeMap<&str, usize> = BTreeMap::new();
        for (id, o) in inv.objects.iter().enumerate() {
            let Some(e) = o.elf() else { continue };
            if !o.carried_over() {
                continue;
            }
            if let Some(a) = e.azl_arch() {
                *arches.entry(a).or_default() += 1;
            }
            if e.elf_type == ElfType::Dyn {
                let mut names: Vec<&str> = vec![crate::inventory::file_name(&o.path)];
                names.extend(o.hardlinks.iter().map(|h| crate::inventory::file_name(h)));
                if let Some(s) = &e.soname {
                    names.push(s);
                }
                names.sort();
                names.dedup();
                for n in names {
                    by_name.entry(n.to_string()).or_default().push(id);
                }
            }
        }
        let arch = arches
            .iter()
            .max_by_key(|(a, n)| (**n, std::cmp::Reverse(**a)))
            .map(|(a, _)| a.to_string())
            .unwrap_or_else(|| {
                pack.arches
                    .first()
                    .cloned()
                    .unwrap_or_else(|| "x86_64".into())
            });
        let mut ctx = Context {
            inv,
            pack,
            ld_so_conf_dirs,
            arch,
            launch: HashMap::new(),
            python: Default::default(),
            node: Default::default(),
            java: Default::default(),
            alternatives: Default::default(),
            by_name,
            soname_cache: RwLock::new(HashMap::new()),
        };
        ctx.alternatives = alternatives::find(&ctx);
        ctx
    }

    /// Whether the object at `path` is a build for another platform that the target never loads.
    pub fn unused_build(&self, path: &str) -> bool {
        !self.alternatives.unused.is_empty()
            && self
                .inv
                .object_at(path)
                .is_some_and(|i| self.alternatives.unused.contains(&i))
    }

    /// A carried-over library at `path` that `requester` can load.
    pub fn tree_library(&self, path: &str, requester: &Object) -> Option<ObjectId> {
        let id = self.inv.object_at(path)?;
        let lib = &self.inv.objects[id];
        (lib.carried_over()
            && loader::compatible(lib, requester)
            && !self.alternatives.unused.contains(&id))
        .then_some(id)
    }

    /// Carried-over libraries named `soname` that are not on the requester's search path.
    pub fn off_path_candidates(&self, soname: &str, requester: &Object) -> Vec<String> {
        let mut v: Vec<String> = self
            .by_name
            .get(soname)
            .map(|ids| {
                ids.iter()
                    .filter(|i| !self.alternatives.unused.contains(i))
                    .map(|&i| &self.inv.objects[i])
                    .filter(|o| loader::compatible(o, requester))
                    .map(|o| o.path.clone())
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v.dedup();
        v
    }

    /// Expand the dynamic string tokens (`$ORIGIN`, `$LIB`, `$PLATFORM`, braced or not) of one
    /// path.
    pub fn expand_one(&self, value: &str, origin_dir: &str) -> String {
        let lib = self.lib_dir_name();
        let platform = self.arch.as_str();
        value
            .replace("${ORIGIN}", origin_dir)
            .replace("$ORIGIN", origin_dir)
            .replace("${LIB}", lib)
            .replace("$LIB", lib)
            .replace("${PLATFORM}", platform)
            .replace("$PLATFORM", platform)
    }

    /// Expand a DT_RPATH/DT_RUNPATH value into absolute directories.
    pub fn expand(&self, value: &str, origin_dir: &str) -> Vec<String> {
        value
            .split(':')
            .filter(|d| !d.is_empty())
            .map(|d| self.expand_one(d, origin_dir))
            // Relative entries depend on the working directory: not modelled.
            .filter(|d| d.starts_with('/'))
            .map(|d| {
                let t = d.trim_end_matches('/');
                if t.is_empty() {
                    "/".to_string()
                } else {
                    t.to_string()
                }
            })
            .collect()
    }

    /// What `$LIB` expands to on the target: the last component of its first trusted directory.
    fn lib_dir_name(&self) -> &str {
        self.pack
            .default_search_dirs
            .get(&self.arch)
            .and_then(|d| d.first())
            .map(|d| crate::inventory::file_name(d))
            .unwrap_or("lib64")
    }

    /// The target's trusted library directories for an object's architecture.
    pub fn default_dirs(&self, elf: &crate::inventory::ElfInfo) -> &[String] {
        let arch = elf.azl_arch().unwrap_or(self.arch.as_str());
        self.pack
            .default_search_dirs
            .get(arch)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// Providers of a soname in the pack (memoised).
    pub fn soname_providers(&self, soname: &str) -> Vec<Provider> {
        if let Some(v) = self
            .soname_cache
            .read()
            .ok()
            .and_then(|c| c.get(soname).cloned())
        {
            return v;
        }
        let v = self.pack.soname_providers(soname);
        if let Ok(mut c) = self.soname_cache.write() {
            c.insert(soname.to_string(), v.clone());
        }
        v
    }

    /// The Azure Linux packages that install a program: the providers of the first candidate
    /// path that has any (candidates are tried in order, e.g. the directories of `PATH`).
    pub fn program_packages(&self, candidates: &[String]) -> ProgramPackages {
        let providers = candidates
            .iter()
            .map(|c| self.pack.path_providers(c))
            .find(|p| !p.is_empty())
            .unwrap_or_default();
        let (shipped, unpublished) = providers.into_iter().partition(|p| {
            self.pack
                .package(p.package)
                .is_none_or(|pkg| pkg.channel.shipped())
        });
        ProgramPackages {
            shipped,
            unpublished,
        }
    }

    /// Sort providers into baseline / shipped / unpublished.
    pub fn classify_providers(&self, providers: Vec<Provider>, _name: &str) -> Resolution {
        if providers.is_empty() {
            return Resolution::Missing;
        }
        if providers
            .iter()
            .any(|p| self.pack.baseline_packages.iter().any(|b| b == p.package))
        {
            return Resolution::Baseline { providers };
        }
        let (shipped, unpublished): (Vec<Provider>, Vec<Provider>) =
            providers.into_iter().partition(|p| {
                self.pack
                    .package(p.package)
                    .is_none_or(|pkg| pkg.channel.shipped())
            });
        if shipped.is_empty() {
            Resolution::Unpublished {
                providers: unpublished,
            }
        } else {
            Resolution::Package { providers: shipped }
        }
    }
}

/// Who installs a program on the target (see [`Context::program_packages`]).
pub struct ProgramPackages {
    /// Published providers, best first.
    pub shipped: Vec<Provider>,
    /// Providers that Azure Linux builds but does not publish.
    pub unpublished: Vec<Provider>,
}

impl ProgramPackages {
    /// Why nothing installable provides `what` (when `shipped` is empty).
    pub fn absent_reason(&self, target: &str, what: &str) -> String {
        if self.unpublished.is_empty() {
            format!("no {target} package ships {what}")
        } else {
            let names: Vec<&str> = self.unpublished.iter().map(|p| p.package).collect();
            format!(
                "{what} is only in {}, which {target} builds but does not publish",
                names.join(", ")
            )
        }
    }
}

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
        .filter(|&i| judged_elf(&inv.objects[i]) && !ctx.alternatives.unused.contains(&i))
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
    findings.extend(elf_platform::check(ctx, &elf_ids));
    findings.extend(
        closures
            .par_iter()
            .flat_map_iter(|c| {
                let mut v = elf_libraries::check(ctx, c);
                v.extend(elf_versions::check(ctx, c));
                v
            })
            .collect::<Vec<_>>(),
    );
    findings.extend(ctx.alternatives.findings.iter().cloned());
    findings.extend(python::check(ctx));
    findings.extend(node::check(ctx));
    findings.extend(perl_ruby::check(ctx));
    findings.extend(java::check(ctx));
    let script_ids: Vec<ObjectId> = carried
        .iter()
        .copied()
        .filter(|&i| matches!(inv.objects[i].kind, ObjectKind::Script(_)))
        .collect();
    let (judged, mut more) = verdict::judge(ctx, &elf_ids, &closures, &script_ids, &findings);
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
    let (reports, mut findings) = packages::check(ctx, &input);
    let (req_findings, pulls) = requires::check(ctx, pkgs, origins);
    findings.extend(req_findings);
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
    let mut reports = reports;
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
            | Code::UnitExecSdkOnly => Some(d::SDK),
            Code::ElfLibraryMissing if f.evidence.contains_key("unpublished_packages") => {
                Some(d::UNLISTED)
            }
            Code::PkgNotPublished => Some(d::UNLISTED),
            Code::ElfLibraryMissing
            | Code::ScriptInterpreterMissing
            | Code::PkgNotShipped
            | Code::UnitExecMissing
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
