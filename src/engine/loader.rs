//! A model of glibc's dynamic loader, run on the inventory instead of the running system.
//!
//! For each object judged as a root (an executable, or a library nothing in the tree loads),
//! the needed libraries are resolved breadth-first as `ld.so` would on the target: DT_RPATH of
//! the requesting object and of every object up its loading chain (only while the requester
//! has no DT_RUNPATH), then the requester's DT_RUNPATH, then the directories of the tree's
//! `/etc/ld.so.conf`, then the target's trusted directories. A library found in the tree on
//! that path is carried over and loaded in turn; otherwise an Azure Linux package may provide
//! it. Nothing is executed.

use crate::checks::Context;
use crate::checks::launch_env::LaunchEnv;
use crate::inventory::{Object, ObjectId, parent_dir};
use crate::knowledge::Provider;
use std::collections::{HashMap, HashSet, VecDeque};

/// How one needed library was (or was not) found for one requester.
#[derive(Clone, Debug)]
pub enum Resolution {
    /// A carried-over library of the tree, found at `path` on the search path.
    Tree { id: ObjectId, path: String },
    /// Provided by a package that is always installed on the target (glibc).
    Baseline { providers: Vec<Provider> },
    /// Provided by Azure Linux packages (best first); installing one is needed.
    Package { providers: Vec<Provider> },
    /// Not on the search path; carried-over files of that name exist elsewhere in the tree.
    OffPath { candidates: Vec<String> },
    /// Only packages that are not published provide it.
    Unpublished { providers: Vec<Provider> },
    /// Found nowhere.
    Missing,
    /// The first path on the search path where the name exists could not be read by the scan
    /// (the library is probably there; what it is is not known).
    Unreadable { path: String },
    /// A needed path relative to the working directory (a `/` but no leading `/` or
    /// `$ORIGIN`): where it points depends on how the program is started.
    CwdRelative { path: String },
}

/// One DT_NEEDED entry of one object, resolved.
#[derive(Clone, Debug)]
pub struct Edge {
    pub requester: ObjectId,
    pub soname: String,
    pub resolution: Resolution,
    /// Directories searched in the tree, in order (for the evidence).
    pub searched: Vec<String>,
    /// Found in the tree only through the `LD_LIBRARY_PATH` of [`Closure::env`].
    pub via_env: bool,
}

/// What loading one root pulls in.
#[derive(Clone, Debug)]
pub struct Closure {
    pub root: ObjectId,
    /// Carried-over libraries loaded, in load order (without the root).
    pub libraries: Vec<ObjectId>,
    pub edges: Vec<Edge>,
    /// The `LD_LIBRARY_PATH` the tree sets for the root, when it does (the first of its
    /// settings; [`Context::launch`] has them all).
    pub env: Option<LaunchEnv>,
}

/// A library being loaded, with the path it was found at (for `$ORIGIN`) and its loader.
struct Loaded {
    id: ObjectId,
    origin_dir: String,
    parent: Option<usize>,
}

/// Resolve everything a root loads. `plugin` is `Some` for a library that nothing in the tree
/// loads through DT_NEEDED (a plugin, a JVM or Python extension): it is `dlopen`ed by a host
/// program, and the loader satisfies its needs from the objects already in that process, by
/// soname, wherever they were found. So a carried-over library of that name off its search
/// path counts as found, preferring one that the tree's executables load (the set given).
pub fn load(ctx: &Context, root: ObjectId, plugin: Option<&HashSet<ObjectId>>) -> Closure {
    let inv = ctx.inv;
    let root_obj = &inv.objects[root];
    let mut nodes: Vec<Loaded> = vec![Loaded {
        id: root,
        origin_dir: parent_dir(&root_obj.path),
        parent: None,
    }];
    let mut by_soname: HashMap<String, usize> = HashMap::new();
    let mut seen_ids: HashMap<ObjectId, usize> = HashMap::new();
    seen_ids.insert(root, 0);
    if let Some(s) = root_obj.elf().and_then(|e| e.soname.clone()) {
        by_soname.insert(s, 0);
    }
    // LD_LIBRARY_PATH applies to every object of the process; `$ORIGIN` in it is the
    // executable's directory.
    let env = match plugin {
        None => ctx.launch.get(&root).and_then(|v| v.first()).cloned(),
        Some(_) => None,
    };
    let llp: Vec<String> = env
        .as_ref()
        .map(|e| ctx.expand(&e.dirs().join(":"), &nodes[0].origin_dir))
        .unwrap_or_default();
    let mut queue = VecDeque::from([0usize]);
    let mut edges = Vec::new();
    let mut libraries = Vec::new();
    while let Some(n) = queue.pop_front() {
        let id = nodes[n].id;
        let Some(elf) = inv.objects[id].elf() else {
            continue;
        };
        for soname in &elf.needed {
            if let Some(&m) = by_soname.get(soname) {
                let lib = nodes[m].id;
                edges.push(Edge {
                    requester: id,
                    soname: soname.clone(),
                    resolution: Resolution::Tree {
                        id: lib,
                        path: inv.objects[lib].path.clone(),
                    },
                    searched: Vec::new(),
                    via_env: false,
                });
                continue;
            }
            let (mut resolution, searched, mut found_dir, via_env) =
                resolve(ctx, &nodes, n, soname, &llp);
            if let (Resolution::OffPath { candidates }, Some(preloaded)) = (&resolution, plugin) {
                let found = |c: &String| ctx.inv.object_at(c).map(|i| (i, c.clone()));
                let host = candidates
                    .iter()
                    .filter_map(found)
                    .find(|(i, _)| preloaded.contains(i))
                    .or_else(|| candidates.iter().find_map(found));
                if let Some((lib, path)) = host {
                    found_dir = Some(parent_dir(&path));
                    resolution = Resolution::Tree { id: lib, path };
                }
            }
            if let Resolution::Tree { id: lib, .. } = &resolution {
                let m = match seen_ids.get(lib) {
                    Some(&m) => m,
                    None => {
                        nodes.push(Loaded {
                            id: *lib,
                            origin_dir: found_dir.unwrap_or_default(),
                            parent: Some(n),
                        });
                        let m = nodes.len() - 1;
                        seen_ids.insert(*lib, m);
                        libraries.push(*lib);
                        queue.push_back(m);
                        m
                    }
                };
                by_soname.insert(soname.clone(), m);
            }
            edges.push(Edge {
                requester: id,
                soname: soname.clone(),
                resolution,
                searched,
                via_env,
            });
        }
    }
    Closure {
        root,
        libraries,
        edges,
        env,
    }
}

/// Search for one soname needed by `nodes[n]`, with the `LD_LIBRARY_PATH` directories `llp`.
/// Returns the resolution, the directories searched, the directory it was found in, and
/// whether only `llp` found it.
fn resolve(
    ctx: &Context,
    nodes: &[Loaded],
    n: usize,
    soname: &str,
    llp: &[String],
) -> (Resolution, Vec<String>, Option<String>, bool) {
    let inv = ctx.inv;
    let requester = &inv.objects[nodes[n].id];
    let Some(elf) = requester.elf() else {
        return (Resolution::Missing, Vec::new(), None, false);
    };
    // A needed entry with a slash is a path, not searched; `$ORIGIN` and the other dynamic
    // string tokens expand in it (glibc's `expand_dynamic_string_token`).
    if soname.contains('/') {
        let path = ctx.expand_one(soname, &nodes[n].origin_dir);
        if !path.starts_with('/') {
            // Relative to the working directory of the process: not modelled.
            return (Resolution::CwdRelative { path }, Vec::new(), None, false);
        }
        if let Some(id) = ctx.tree_library(&path, requester) {
            let dir = dir_of(&path);
            return (
                Resolution::Tree {
                    id,
                    path: path.clone(),
                },
                vec![path],
                dir,
                false,
            );
        }
        if ctx.inv.unreadable_at(&path) {
            return (
                Resolution::Unreadable { path: path.clone() },
                vec![path],
                None,
                false,
            );
        }
        let providers = ctx.pack.path_providers(&path);
        return (
            ctx.classify_providers(providers, soname),
            vec![path],
            None,
            false,
        );
    }
    let mut dirs: Vec<String> = Vec::new();
    let mut first_env = usize::MAX;
    if elf.runpath.is_none() {
        // DT_RPATH of the requester, then of each loader up the chain.
        let mut cur = Some(n);
        while let Some(i) = cur {
            let o = &inv.objects[nodes[i].id];
            if let Some(e) = o.elf()
                && e.runpath.is_none()
                && let Some(rp) = &e.rpath
            {
                dirs.extend(ctx.expand(rp, &nodes[i].origin_dir));
            }
            cur = nodes[i].parent;
        }
    }
    if !llp.is_empty() {
        first_env = dirs.len();
        dirs.extend(llp.iter().cloned());
    }
    let after_env = dirs.len();
    if let Some(rp) = &elf.runpath {
        dirs.extend(ctx.expand(rp, &nodes[n].origin_dir));
    }
    dirs.extend(ctx.ld_so_conf_dirs.iter().cloned());
    dirs.extend(ctx.default_dirs(elf).iter().cloned());
    let mut searched: Vec<String> = Vec::new();
    let at = |d: &str| {
        if d == "/" {
            format!("/{soname}")
        } else {
            format!("{d}/{soname}")
        }
    };
    for (i, d) in dirs.iter().enumerate() {
        if searched.contains(d) {
            continue;
        }
        let path = at(d);
        searched.push(d.clone());
        if let Some(id) = ctx.tree_library(&path, requester) {
            // Found through LD_LIBRARY_PATH: would the search without it find it too?
            let via_env = (first_env..after_env).contains(&i)
                && !dirs
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| !(first_env..after_env).contains(j))
                    .any(|(_, o)| ctx.tree_library(&at(o), requester).is_some());
            return (
                Resolution::Tree { id, path },
                searched,
                Some(d.clone()),
                via_env,
            );
        }
        // Something the scan could not read is where the loader would look first: not absent.
        if ctx.inv.unreadable_at(&path) {
            return (Resolution::Unreadable { path }, searched, None, false);
        }
    }
    if let Some(archive) = crate::inventory::archives::archive_of(&requester.path)
        && let Some((id, path)) = ctx.archive_library(archive, soname, requester)
    {
        return (Resolution::Tree { id, path }, searched, None, false);
    }
    let providers = ctx.soname_providers(soname);
    let res = ctx.classify_providers(providers, soname);
    let res = match res {
        Resolution::Missing | Resolution::Unpublished { .. } => {
            let candidates = ctx.off_path_candidates(soname, requester);
            if candidates.is_empty() {
                res
            } else {
                Resolution::OffPath { candidates }
            }
        }
        other => other,
    };
    (res, searched, None, false)
}

fn dir_of(path: &str) -> Option<String> {
    Some(parent_dir(path))
}

/// Whether a candidate library can be loaded by a requester (same class and machine).
pub fn compatible(lib: &Object, requester: &Object) -> bool {
    match (lib.elf(), requester.elf()) {
        (Some(l), Some(r)) => l.class == r.class && l.machine == r.machine,
        _ => false,
    }
}
