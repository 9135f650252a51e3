//! From findings to one verdict per judged object, with dependency breaks attributed.

use super::loader::{Closure, Resolution};
use crate::checks::Context;
use crate::findings::{Code, Finding, Severity, Verdict};
use crate::inventory::ObjectId;
use std::collections::{BTreeSet, HashMap};

/// The judgement of one object.
#[derive(Clone, Debug)]
pub struct Judged {
    pub id: ObjectId,
    pub verdict: Verdict,
    /// Azure Linux packages to install for it (and for what it loads).
    pub packages: BTreeSet<String>,
    /// Carried-over libraries it loads (for executables and root libraries).
    pub libraries: Vec<ObjectId>,
    /// Roots that load it (for bundled libraries).
    pub loaded_by: Vec<ObjectId>,
}

/// A dependency break that verdict folding found: the finding is the `elf-dependencies`
/// check's (`checks/elf_dependencies.rs`).
#[derive(Clone, Debug)]
pub enum Attribution {
    /// `root` loads the bundled `library`, which breaks for `causes` (`code subject`).
    Bundled {
        root: ObjectId,
        library: ObjectId,
        causes: Vec<String>,
    },
    /// `holder` needs `soname`, which is in the tree only off its search path (`found_at`), and
    /// every such copy breaks; `needed_by` is the library of the chain that needs it, when it is
    /// not the holder.
    OffPath {
        holder: ObjectId,
        library: String,
        soname: String,
        found_at: Vec<String>,
        needed_by: Option<ObjectId>,
    },
}

/// What the script checks say about one script (see [`judge`]).
#[derive(Default)]
pub struct ScriptJudgement {
    pub findings: Vec<Finding>,
    pub packages: BTreeSet<String>,
    /// The carried-over interpreter it runs through.
    pub interpreter: Option<ObjectId>,
}

fn own_verdict(findings: &[&Finding], needs_packages: bool) -> Verdict {
    if findings.iter().any(|f| f.severity == Severity::Blocker) {
        Verdict::Breaks
    } else if findings.iter().any(|f| {
        matches!(
            f.code,
            Code::ElfLibraryOffSearchPath
                | Code::ElfLibraryUnreadable
                | Code::ScriptInterpreterUnreadable
        )
    }) {
        Verdict::Unknown
    } else if needs_packages {
        Verdict::NeedsPackages
    } else {
        Verdict::Ok
    }
}

/// Judge ELF objects and scripts (`script` runs the script checks on one script, given the
/// judgements so far); returns the judgements (sorted by path), the dependency breaks found,
/// and the scripts' findings.
pub fn judge(
    ctx: &Context,
    elf_ids: &[ObjectId],
    closures: &[Closure],
    script_ids: &[ObjectId],
    findings: &[Finding],
    script: &dyn Fn(ObjectId, &HashMap<ObjectId, Judged>) -> ScriptJudgement,
) -> (Vec<Judged>, Vec<Attribution>, Vec<Finding>) {
    let inv = ctx.inv;
    let mut by_path: HashMap<&str, Vec<&Finding>> = HashMap::new();
    for f in findings.iter() {
        by_path.entry(f.path.as_str()).or_default().push(f);
    }
    // Packages each object itself needs.
    let mut own_pkgs: HashMap<ObjectId, BTreeSet<String>> = HashMap::new();
    for c in closures {
        for e in &c.edges {
            if let Resolution::Package { providers } = &e.resolution {
                own_pkgs
                    .entry(e.requester)
                    .or_default()
                    .insert(providers[0].package.to_string());
            }
        }
    }
    let mut judged: HashMap<ObjectId, Judged> = HashMap::new();
    for &id in elf_ids {
        let path = inv.objects[id].path.as_str();
        let fs = by_path.get(path).map(Vec::as_slice).unwrap_or(&[]);
        let pkgs = own_pkgs.remove(&id).unwrap_or_default();
        judged.insert(
            id,
            Judged {
                id,
                verdict: own_verdict(fs, !pkgs.is_empty()),
                packages: pkgs,
                libraries: Vec::new(),
                loaded_by: Vec::new(),
            },
        );
    }
    let mut attributions = Vec::new();
    let mut extra = Vec::new();
    // Roots take on what their bundled libraries need and how they fare.
    for c in closures {
        let mut verdict = judged
            .get(&c.root)
            .map(|j| j.verdict)
            .unwrap_or(Verdict::Ok);
        let mut pkgs = BTreeSet::new();
        for &lib in &c.libraries {
            let Some(lj) = judged.get(&lib) else { continue };
            pkgs.extend(lj.packages.iter().cloned());
            match lj.verdict {
                Verdict::Breaks => {
                    let lib_path = &inv.objects[lib].path;
                    let causes: BTreeSet<String> = by_path
                        .get(lib_path.as_str())
                        .map(|v| {
                            v.iter()
                                .filter(|f| f.severity == Severity::Blocker)
                                .map(|f| {
                                    format!("{} {}", f.code, f.subject.as_deref().unwrap_or(""))
                                        .trim()
                                        .to_string()
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    attributions.push(Attribution::Bundled {
                        root: c.root,
                        library: lib,
                        causes: causes.into_iter().collect(),
                    });
                    verdict = Verdict::Breaks;
                }
                v => verdict = verdict.max(v),
            }
        }
        if let Some(rj) = judged.get_mut(&c.root) {
            if !pkgs.is_subset(&rj.packages) {
                rj.packages.extend(pkgs);
            }
            if verdict == Verdict::Ok && !rj.packages.is_empty() {
                verdict = Verdict::NeedsPackages;
            }
            rj.verdict = rj.verdict.max(verdict);
            rj.libraries = c.libraries.clone();
        }
        for &lib in &c.libraries {
            if let Some(lj) = judged.get_mut(&lib) {
                lj.loaded_by.push(c.root);
            }
        }
    }
    off_path_breaks(ctx, closures, &mut judged, &mut attributions);
    // Scripts, now that their bundled interpreters are judged.
    for &id in script_ids {
        let r = script(id, &judged);
        // With the findings other checks made on the script (a venv it runs that breaks).
        let mut refs: Vec<&Finding> = r.findings.iter().collect();
        if let Some(other) = by_path.get(inv.objects[id].path.as_str()) {
            refs.extend(other.iter().copied());
        }
        let mut verdict = own_verdict(&refs, !r.packages.is_empty());
        if let Some(i) = r.interpreter.and_then(|i| judged.get(&i))
            && i.verdict == Verdict::Unknown
        {
            verdict = verdict.max(Verdict::Unknown);
        }
        judged.insert(
            id,
            Judged {
                id,
                verdict,
                packages: r.packages,
                libraries: r.interpreter.into_iter().collect(),
                loaded_by: Vec::new(),
            },
        );
        extra.extend(r.findings);
    }
    let mut out: Vec<Judged> = judged.into_values().collect();
    for j in &mut out {
        j.loaded_by.sort();
        j.loaded_by.dedup();
    }
    out.sort_by(|a, b| inv.objects[a.id].path.cmp(&inv.objects[b.id].path));
    (out, attributions, extra)
}

/// A needed library that is in the tree only off the search path leaves a program `unknown`
/// (a launcher may set `LD_LIBRARY_PATH`), unless every such copy would break itself: then the
/// program cannot run either way, and it breaks. Repeated until nothing changes, since a
/// library that breaks this way can be the off-path copy another object needs.
fn off_path_breaks(
    ctx: &Context,
    closures: &[Closure],
    judged: &mut HashMap<ObjectId, Judged>,
    attributions: &mut Vec<Attribution>,
) {
    let inv = ctx.inv;
    let mut done: BTreeSet<(ObjectId, ObjectId, String)> = BTreeSet::new();
    loop {
        let mut changed = false;
        for c in closures {
            for e in &c.edges {
                let Resolution::OffPath { candidates } = &e.resolution else {
                    continue;
                };
                let copies: Vec<(ObjectId, &String)> = candidates
                    .iter()
                    .filter_map(|p| inv.object_at(p).map(|i| (i, p)))
                    .collect();
                let all_break = !copies.is_empty()
                    && copies
                        .iter()
                        .all(|(i, _)| judged.get(i).is_some_and(|j| j.verdict == Verdict::Breaks));
                if !all_break {
                    continue;
                }
                let paths: Vec<&str> = copies.iter().map(|(_, p)| p.as_str()).collect();
                let lib_path = paths[0];
                let mut holders = vec![e.requester];
                if c.root != e.requester {
                    holders.push(c.root);
                }
                for holder in holders {
                    if !done.insert((holder, copies[0].0, e.soname.clone())) {
                        continue;
                    }
                    attributions.push(Attribution::OffPath {
                        holder,
                        library: lib_path.to_string(),
                        soname: e.soname.clone(),
                        found_at: paths.iter().map(|p| p.to_string()).collect(),
                        needed_by: (holder != e.requester).then_some(e.requester),
                    });
                    if let Some(j) = judged.get_mut(&holder)
                        && j.verdict != Verdict::Breaks
                    {
                        j.verdict = Verdict::Breaks;
                        changed = true;
                    }
                }
            }
        }
        if !changed {
            break;
        }
    }
}
