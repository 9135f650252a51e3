//! Scripts: the interpreter named by `#!` must exist on the target.

use super::{Context, Judged, Verdict};
use crate::findings::{Code, Finding};
use crate::inventory::{ObjectId, ObjectKind};
use crate::knowledge::{Channel, Confidence};
use std::collections::{BTreeSet, HashMap};

/// Where `env NAME` looks on the target (the default PATH; /usr/sbin is merged into /usr/bin).
const TARGET_PATH: &[&str] = &[
    "/usr/local/sbin",
    "/usr/local/bin",
    "/usr/sbin",
    "/usr/bin",
    "/sbin",
    "/bin",
];

/// The result for one script.
pub struct ScriptResult {
    pub findings: Vec<Finding>,
    pub packages: BTreeSet<String>,
    /// The carried-over interpreter the script runs through, if any.
    pub interpreter_object: Option<ObjectId>,
}

/// Judge one script, given the verdicts of the ELF objects already judged.
pub fn check(ctx: &Context, id: ObjectId, judged: &HashMap<ObjectId, Judged>) -> ScriptResult {
    let obj = &ctx.inv.objects[id];
    let mut res = ScriptResult {
        findings: Vec::new(),
        packages: BTreeSet::new(),
        interpreter_object: None,
    };
    let ObjectKind::Script(sb) = &obj.kind else {
        return res;
    };
    let target = ctx.pack.name_version();
    let line = format!("#!{} {}", sb.interpreter, sb.args.join(" "))
        .trim_end()
        .to_string();
    // Candidate paths for the program that finally runs.
    let (candidates, shown): (Vec<String>, String) = match sb.program() {
        None if sb.uses_env() => return res,
        None => return res,
        Some(p) if sb.uses_env() && !p.contains('/') => (
            TARGET_PATH.iter().map(|d| format!("{d}/{p}")).collect(),
            p.to_string(),
        ),
        Some(p) => (vec![p.to_string()], p.to_string()),
    };
    // A link in the tree to a path outside it (a venv's bin/python3 -> /usr/bin/python3) runs
    // what the target has at that path.
    let mut candidates = candidates;
    let outside: Vec<String> = candidates
        .iter()
        .filter_map(|c| super::python::link_leaves_tree(ctx.inv, c))
        .collect();
    candidates.extend(outside);
    // `env` itself (coreutils) is not judged: every target has it, and a finding per script
    // would drown the ones that matter.
    for (candidates, shown) in [(candidates, shown)] {
        // Carried-over interpreter in the tree?
        if let Some(iid) = candidates.iter().find_map(|c| {
            ctx.inv
                .object_at(c)
                .filter(|&i| ctx.inv.objects[i].carried_over())
        }) {
            res.interpreter_object = Some(iid);
            if let Some(j) = judged.get(&iid) {
                res.packages.extend(j.packages.iter().cloned());
                if j.verdict == Verdict::Breaks {
                    res.findings.push(
                        Finding::new(Code::ScriptInterpreterBreaks, &obj.path)
                            .subject(&shown)
                            .message(format!(
                                "its interpreter {} is bundled in the tree and would break",
                                ctx.inv.objects[iid].path
                            ))
                            .why("a script runs only if its interpreter starts")
                            .fix(format!(
                                "fix the findings of {} first",
                                ctx.inv.objects[iid].path
                            ))
                            .evidence("shebang", &line)
                            .evidence("interpreter", &ctx.inv.objects[iid].path),
                    );
                }
            }
            continue;
        }
        let found = ctx.program_packages(&candidates);
        let shipped = &found.shipped;
        let base = |code: Code| {
            Finding::new(code, &obj.path)
                .subject(&shown)
                .evidence("shebang", &line)
                .evidence("interpreter", &shown)
        };
        let Some(best) = shipped.first() else {
            // Where the tree would carry it could not be read: not absent.
            if let Some(at) = candidates.iter().find(|c| ctx.inv.unreadable_at(c)) {
                res.findings.push(
                    base(Code::ScriptInterpreterUnreadable)
                        .message(format!(
                            "interpreter {shown} would run from {at}, which the scan could not read"
                        ))
                        .why("an interpreter is probably bundled there, but what it is is not known; it is not reported as missing")
                        .fix(format!(
                            "scan again as a user who can read {at} (e.g. root), or make it readable"
                        ))
                        .evidence("unreadable", at),
                );
                continue;
            }
            let why = found.absent_reason(&target, &shown);
            res.findings.push(
                base(Code::ScriptInterpreterMissing)
                    .message(format!("interpreter {shown} does not exist on {target}"))
                    .why(format!(
                        "{why}; the script fails with 'bad interpreter: No such file or directory'"
                    ))
                    .fix(interpreter_fix(ctx, &shown)),
            );
            continue;
        };
        if ctx.pack.baseline_packages.iter().any(|b| b == best.package) {
            continue;
        }
        let pkg = ctx.pack.package(best.package);
        let evr = pkg.map(|p| p.evr()).unwrap_or_default();
        res.packages.insert(best.package.to_string());
        let with = |f: Finding| {
            f.evidence("package", best.package)
                .evidence("evr", &evr)
                .evidence("method", best.method)
                .evidence("confidence", best.confidence.as_str())
        };
        let hedge = if best.glob || best.confidence == Confidence::Low {
            " (weak evidence: a file-list glob or low-confidence derived fact)"
        } else {
            ""
        };
        if matches!(
            pkg.map(|p| p.channel),
            Some(Channel::Sdk | Channel::SdkException)
        ) {
            res.findings.push(
                with(base(Code::ScriptInterpreterSdkOnly))
                    .message(format!("interpreter {shown} comes from {} ({evr}), built but not supported{hedge}", best.package))
                    .why(format!("{target} builds {} in its sdk channel: installable, without support", best.package))
                    .fix(format!("dnf install {} (unsupported), or port the script to a supported interpreter", best.package)),
            );
        } else {
            res.findings.push(
                with(base(Code::ScriptInterpreterFromPackage))
                    .message(format!(
                        "interpreter {shown} comes from Azure Linux package {} ({evr}){hedge}",
                        best.package
                    ))
                    .why(format!(
                        "{shown} is not carried in the tree; on {target} it is installed by {}",
                        best.package
                    ))
                    .fix(format!("dnf install {}", best.package)),
            );
        }
    }
    res
}

/// A fix for a missing interpreter: a shipped interpreter of the same family, if any.
fn interpreter_fix(ctx: &Context, shown: &str) -> String {
    let name = crate::inventory::file_name(shown);
    let family: String = name
        .trim_end_matches(|c: char| c.is_ascii_digit() || c == '.')
        .to_string();
    if !family.is_empty() && family != name {
        let alt = format!("/usr/bin/{family}");
        if let Some(p) = ctx.pack.path_providers(&alt).first() {
            return format!(
                "port the script to {alt} ({} in {}), or ship the interpreter with the application",
                p.package,
                ctx.pack.name_version()
            );
        }
    }
    "install or bundle the interpreter, or change the #! line to one the target has".to_string()
}
