//! Checks: each compares the inventory with the knowledge pack and emits findings.
//!
//! One file per check, one shape ([`interface`]): each declares its id, area, the input it
//! needs and the codes it emits, and reports to a sink; [`registry`] lists them. The engine
//! (`crate::engine`) runs them and folds their findings into verdicts. [`Context`] is what
//! every check sees.

pub mod alternatives;
pub mod containerfile;
pub mod elf_dependencies;
pub mod elf_libraries;
pub mod elf_platform;
pub mod elf_versions;
pub mod host_crypto;
pub mod host_ctx;
pub mod host_network;
pub mod host_network_files;
pub mod host_programs;
pub mod host_security;
pub mod host_services;
pub mod host_sources;
pub mod image_config;
pub mod interface;
pub mod java;
pub mod launch_env;
pub mod node;
pub mod package_fate;
pub mod packages;
pub mod perl_ruby;
pub(crate) mod provided;
pub mod python;
pub mod registry;
pub mod requires;
pub mod scripts;
#[cfg(test)]
pub(crate) mod testkit;
pub mod units;
pub mod units_deps;
pub mod units_directives;
pub mod units_exec;
pub mod units_host;
pub mod units_legacy;
pub mod units_presets;
pub mod units_sysv;
pub mod units_write;

use crate::engine::loader::Resolution;
use crate::inventory::{Inventory, Object, ObjectId, elf::ElfType};
use crate::knowledge::{Pack, Provider};
use std::collections::{BTreeMap, HashMap};
use std::sync::RwLock;

// Engine pieces that lived here, and the engine's entry points, also under their old paths so
// that code written against them keeps building.
pub use crate::engine::{
    Outcome, PackagesOutcome, aggregate, annotate_differences, is_executable, loader, richdep, run,
    run_packages, verdict,
};
pub use crate::findings::Verdict;
pub use interface::{Area, Meta, Needs};
pub use verdict::Judged;

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
        // Builds whose path names a platform (prebuilds for every platform) do not say what
        // the workload runs on; the other objects do, when there are any.
        let mut untagged: BTreeMap<&str, usize> = BTreeMap::new();
        for (id, o) in inv.objects.iter().enumerate() {
            let Some(e) = o.elf() else { continue };
            if !o.carried_over() {
                continue;
            }
            if let Some(a) = e.azl_arch() {
                *arches.entry(a).or_default() += 1;
                if crate::inventory::platform_variant::tag(&o.path)
                    .is_none_or(|t| t.platform.is_none())
                {
                    *untagged.entry(a).or_default() += 1;
                }
            }
            // A member of a Java archive is never on a search path (the JVM loads it by path).
            if e.elf_type == ElfType::Dyn && !o.path.contains(crate::inventory::archives::SEP) {
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
        if !untagged.is_empty() {
            arches = untagged;
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

    /// A library named `soname` bundled in the same Java archive as the requester: the JVM
    /// loads an archive's native libraries itself, so they satisfy each other.
    pub fn archive_library(
        &self,
        archive: &str,
        soname: &str,
        requester: &Object,
    ) -> Option<(ObjectId, String)> {
        let prefix = format!("{archive}{}", crate::inventory::archives::SEP);
        let objs = &self.inv.objects;
        let start = objs.partition_point(|o| o.path.as_str() < prefix.as_str());
        (start..objs.len())
            .take_while(|&i| objs[i].path.starts_with(&prefix))
            .filter(|&i| !objs[i].path[prefix.len()..].contains(crate::inventory::archives::SEP))
            .filter(|i| !self.alternatives.unused.contains(i))
            .find(|&i| {
                let o = &objs[i];
                (crate::inventory::file_name(&o.path) == soname
                    || o.elf().and_then(|e| e.soname.as_deref()) == Some(soname))
                    && loader::compatible(o, requester)
            })
            .map(|i| (i, objs[i].path.clone()))
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
