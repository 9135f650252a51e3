//! Scripts: the interpreter named by `#!` must exist on the target.

use super::interface::{Area, Check, Input, Meta, Needs, Output, Sink};
use super::{Context, Judged, Verdict};
use crate::findings::{Code, Finding};
use crate::inventory::{ObjectId, ObjectKind};

/// The check: the interpreter each carried-over `#!` script runs through, once the ELF objects
/// (a bundled interpreter) are judged.
pub static CHECK: Check = Check {
    meta: Meta {
        id: "scripts",
        summary: "the interpreter named by a script's #! line on the target",
        area: Area::Scripts,
        needs: Needs::Script,
        codes: &[
            Code::ScriptInterpreterMissing,
            Code::ScriptInterpreterUnreadable,
            Code::ScriptInterpreterFromPackage,
            Code::ScriptInterpreterSdkOnly,
            Code::ScriptInterpreterBreaks,
        ],
        reuses: &[],
        file: "src/checks/scripts.rs",
    },
    run,
};

fn run(input: &Input, out: &mut Sink) {
    if let Input::Script { ctx, id, judged } = input {
        let r = check(ctx, *id, judged);
        out.extend(r.findings);
        out.output(Output::Packages(r.packages));
        if let Some(i) = r.interpreter_object {
            out.output(Output::Interpreter(i));
        }
    }
}

use std::collections::{BTreeSet, HashMap};

/// The result for one script.
struct ScriptResult {
    pub findings: Vec<Finding>,
    pub packages: BTreeSet<String>,
    /// The carried-over interpreter the script runs through, if any.
    pub interpreter_object: Option<ObjectId>,
}

/// Judge one script, given the verdicts of the ELF objects already judged.
fn check(ctx: &Context, id: ObjectId, judged: &HashMap<ObjectId, Judged>) -> ScriptResult {
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
            ctx.pack
                .command_path
                .iter()
                .map(|d| format!("{d}/{p}"))
                .collect(),
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
        res.packages.insert(best.package.to_string());
        res.findings.extend(super::provided::package_findings(
            ctx.pack,
            super::provided::Provided::Interpreter { shown: &shown },
            shipped,
            base,
        ));
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

#[cfg(test)]
mod tests {
    use super::super::testkit::{Elf, scan, with_code};
    use crate::findings::{Code, Verdict};
    use crate::source::MemorySource;

    #[test]
    fn interpreters_are_missing_from_a_package_or_bundled_and_broken() {
        let src = MemorySource::new()
            .exe("/opt/app/old.py", "#!/usr/bin/python2\nprint 'x'\n")
            .exe("/opt/app/tool.pl", "#!/usr/bin/env perl\nprint 1;\n")
            .exe("/opt/app/ok.sh", "#!/bin/sh\necho\n")
            .exe("/opt/app/run.lua", "#!/opt/app/bin/lua\n")
            .exe(
                "/opt/app/bin/lua",
                Elf::exe().needs("libnosuch.so.9").bytes(),
            );
        let r = scan(&src);
        let missing = with_code(&r, Code::ScriptInterpreterMissing);
        assert_eq!(missing.len(), 1, "{:#?}", r.findings);
        assert_eq!(missing[0].path, "/opt/app/old.py");
        assert_eq!(missing[0].subject.as_deref(), Some("/usr/bin/python2"));
        // `env NAME` is looked up on the target's PATH; /bin/sh is bash, not in the baseline.
        let pkg: Vec<&str> = with_code(&r, Code::ScriptInterpreterFromPackage)
            .iter()
            .map(|f| f.path.as_str())
            .collect();
        assert_eq!(
            pkg,
            ["/opt/app/ok.sh", "/opt/app/tool.pl"],
            "{:#?}",
            r.findings
        );
        let broken = with_code(&r, Code::ScriptInterpreterBreaks);
        assert_eq!(broken.len(), 1, "{:#?}", r.findings);
        assert_eq!(broken[0].path, "/opt/app/run.lua");
        let verdict = |p: &str| r.binaries.iter().find(|b| b.path == p).unwrap().verdict;
        assert_eq!(verdict("/opt/app/ok.sh"), Verdict::NeedsPackages);
        assert_eq!(verdict("/opt/app/tool.pl"), Verdict::NeedsPackages);
        assert_eq!(verdict("/opt/app/run.lua"), Verdict::Breaks);
        assert!(
            r.binaries
                .iter()
                .find(|b| b.path == "/opt/app/tool.pl")
                .unwrap()
                .packages
                .contains(&"perl-interpreter".to_string())
        );
    }
}
