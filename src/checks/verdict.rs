//! From findings to one verdict per judged object, with dependency breaks attributed.

use super::loader::{Closure, Resolution};
use super::{Context, scripts};
use crate::findings::{Code, Finding, Severity};
use crate::inventory::ObjectId;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};

/// What happens to one binary or script on the target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Runs as it is.
    Ok,
    /// Runs once the named Azure Linux packages are installed.
    NeedsPackages,
    /// Cannot be decided from the tree alone (e.g. a bundled library off the search path).
    Unknown,
    /// Will not run.
    Breaks,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::NeedsPackages => "needs-packages",
            Verdict::Unknown => "unknown",
            Verdict::Breaks => "breaks",
        }
    }
}

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

/// Judge ELF objects and scripts; returns the judgements (sorted by path) and extra findings
/// (dependency and interpreter attributions).
pub fn judge(
    ctx: &Context,
    elf_ids: &[ObjectId],
    closures: &[Closure],
    script_ids: &[ObjectId],
    findings: &[Finding],
) -> (Vec<Judged>, Vec<Finding>) {
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
                    let causes: Vec<String> = causes.into_iter().collect();
                    extra.push(
                        Finding::new(Code::ElfDependencyBreaks, &inv.objects[c.root].path)
                            .subject(lib_path)
                            .message(format!(
                                "loads bundled library {lib_path}, which would break"
                            ))
                            .why(format!(
                                "a program fails to start when a library it loads fails: {}",
                                causes.join("; ")
                            ))
                            .fix(format!("fix the findings of {lib_path}"))
                            .evidence("library", lib_path)
                            .evidence("causes", causes.join("; ")),
                    );
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
    off_path_breaks(ctx, closures, &mut judged, &mut extra);
    // Scripts, now that their bundled interpreters are judged.
    for &id in script_ids {
        let r = scripts::check(ctx, id, &judged);
        // With the findings other checks made on the script (a venv it runs that breaks).
        let mut refs: Vec<&Finding> = r.findings.iter().collect();
        if let Some(other) = by_path.get(inv.objects[id].path.as_str()) {
            refs.extend(other.iter().copied());
        }
        let mut verdict = own_verdict(&refs, !r.packages.is_empty());
        if let Some(i) = r.interpreter_object.and_then(|i| judged.get(&i))
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
                libraries: r.interpreter_object.into_iter().collect(),
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
    (out, extra)
}

/// A needed library that is in the tree only off the search path leaves a program `unknown`
/// (a launcher may set `LD_LIBRARY_PATH`), unless every such copy would break itself: then the
/// program cannot run either way, and it breaks. Repeated until nothing changes, since a
/// library that breaks this way can be the off-path copy another object needs.
fn off_path_breaks(
    ctx: &Context,
    closures: &[Closure],
    judged: &mut HashMap<ObjectId, Judged>,
    extra: &mut Vec<Finding>,
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
                    let mut f = Finding::new(Code::ElfDependencyBreaks, &inv.objects[holder].path)
                        .subject(lib_path)
                        .message(format!(
                            "needs {}, which is in the tree only off its library search path ({}), and that copy would break",
                            e.soname,
                            paths.join(", ")
                        ))
                        .why(format!(
                            "{} is found only if something sets LD_LIBRARY_PATH; without it the loader fails, and with it the library it finds fails: either way the program cannot start",
                            e.soname
                        ))
                        .fix(format!("fix the findings of {lib_path}, then put its directory on the search path (-Wl,-rpath,'$ORIGIN/<dir>')"))
                        .evidence("library", lib_path)
                        .evidence("soname", &e.soname)
                        .evidence("found_at", paths.join(","));
                    if holder != e.requester {
                        f = f.evidence("needed_by", &inv.objects[e.requester].path);
                    }
                    extra.push(f);
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
