//! What a unit starts: every program of its `Exec*=` lines must exist on the target, carried
//! over in the tree or installed by an Azure Linux package, and the unit's verdict follows the
//! judgement of the carried-over programs (the ELF and script checks).

use super::Verdict;
use super::interface::{Area, Check, Input, Meta, Needs, Output, Sink};
use super::units::{Proposal, UnitCtx, at, specifiers};
use super::units_directives::{EXEC_KEYS, exec_prefix};
use super::units_legacy::{commands, section_of_exec};
use crate::findings::{Code, Severity};
use crate::inventory::systemd::{self, Directive, Found, Unit};

/// The check: the programs a unit starts (Exec*=) on the target.
pub static CHECK: Check = Check {
    meta: Meta {
        id: "unit-exec",
        summary: "the programs a unit starts: carried over and judged, from a package, or missing",
        area: Area::Units,
        needs: Needs::Unit,
        codes: &[
            Code::UnitExecMissing,
            Code::UnitExecFromPackage,
            Code::UnitExecSdkOnly,
            Code::UnitExecBreaks,
        ],
        reuses: &[],
        file: "src/checks/units_exec.rs",
    },
    run,
};

fn run(input: &Input, out: &mut Sink) {
    if let Input::Unit { uc, unit } = input {
        let e = check(uc, unit);
        out.propose_all(e.proposals);
        out.output(Output::Packages(e.packages));
        if let Some(v) = e.programs {
            out.output(Output::Programs(v));
        }
    }
}

use std::collections::BTreeSet;

/// Keys whose command must run for the unit to start; a missing program elsewhere (reload,
/// stop) or behind a `-` prefix (failure ignored) is a warning.
const START_KEYS: &[&str] = &[
    "ExecCondition",
    "ExecStartPre",
    "ExecStart",
    "ExecStartPost",
    "ExecMount",
    "ExecActivate",
];

/// Packages whose programs every unit's target has: the unit manager itself.
const MANAGER_PACKAGES: &[&str] = &["systemd"];

/// The result of the exec check for one unit.
#[derive(Default)]
pub(crate) struct ExecOutcome {
    pub proposals: Vec<Proposal>,
    pub packages: BTreeSet<String>,
    pub programs: Option<Verdict>,
}

/// How one program path resolves.
enum Program {
    /// Carried over in the tree; the judged object, if it is one.
    Carried(Option<crate::inventory::ObjectId>, String),
    /// Not carried over (absent, or owned by a package Azure Linux replaces).
    Target { owned: bool },
}

fn locate(uc: &UnitCtx, path: &str) -> Program {
    match systemd::lookup(uc.source, uc.ctx.inv, path) {
        Found::File(real, id) => {
            let carried = match id {
                Some(i) => uc.ctx.inv.objects[i].carried_over(),
                None => !uc.own.owns(&real),
            };
            if carried {
                Program::Carried(id, real)
            } else {
                Program::Target { owned: true }
            }
        }
        _ => Program::Target { owned: false },
    }
}

fn check(uc: &UnitCtx, u: &Unit) -> ExecOutcome {
    let mut out = ExecOutcome::default();
    let section = section_of_exec(u);
    for key in EXEC_KEYS {
        for d in u.effective(section, key) {
            let ignore_failure = exec_prefix(&d.value).0.contains('-');
            for cmd in commands(&d.value) {
                program(uc, u, d, key, &cmd[0], ignore_failure, &mut out);
            }
        }
    }
    out
}

fn program(
    uc: &UnitCtx,
    u: &Unit,
    d: &Directive,
    key: &str,
    word: &str,
    ignore_failure: bool,
    out: &mut ExecOutcome,
) {
    // A template without an instance, or a specifier only the running manager knows.
    let Some(word) = specifiers(u, word) else {
        return;
    };
    if word.starts_with('$') || word.is_empty() {
        return;
    }
    let candidates: Vec<String> = if word.starts_with('/') {
        vec![word.clone()]
    } else if word.contains('/') {
        return;
    } else {
        // systemd's fixed search path for names without a `/` (the pack's command path).
        uc.ctx
            .pack
            .command_path
            .iter()
            .map(|p| format!("{p}/{word}"))
            .collect()
    };
    let soft = ignore_failure || !START_KEYS.contains(&key);
    let target = uc.ctx.pack.name_version();
    let base = |code: Code| {
        let mut f = at(code, d, "")
            .subject(&word)
            .evidence("program", &word)
            .evidence("key", key);
        if soft && code.severity() == Severity::Blocker {
            f.severity = Severity::Warning;
        }
        f
    };
    // Carried over in the tree?
    let mut owned_in_tree = false;
    for c in &candidates {
        match locate(uc, c) {
            Program::Carried(id, real) => {
                let Some(id) = id else { return };
                let Some(j) = uc.judged.get(&id) else { return };
                out.packages.extend(j.packages.iter().cloned());
                let v = j.verdict;
                out.programs = Some(out.programs.map_or(v, |p| p.max(v)));
                if v == Verdict::Breaks {
                    out.proposals.push(Proposal::new(
                        base(Code::UnitExecBreaks)
                            .message(format!("{key}= runs {real}, which would break on {target}"))
                            .why("a unit runs only if the programs it starts run; the ELF and script checks judged this one `breaks`")
                            .fix(format!("fix the findings of {real} first"))
                            .evidence("resolved", &real)
                            .evidence("program_verdict", v.as_str()),
                    ));
                }
                return;
            }
            Program::Target { owned } => owned_in_tree |= owned,
        }
    }
    // Installed by an Azure Linux package?
    let found = uc.ctx.program_packages(&candidates);
    let shipped = &found.shipped;
    let Some(best) = shipped.first() else {
        let why = found.absent_reason(&target, &word);
        let was = if owned_in_tree {
            "; in the tree it belongs to a package of the source distribution, which does not move"
        } else {
            ""
        };
        out.proposals.push(Proposal::new(
            base(Code::UnitExecMissing)
                .message(format!("{key}= runs {word}, which does not exist on {target}"))
                .why(format!("{why}{was}; systemd fails the {} with status 203/EXEC", if soft { "command" } else { "start" }))
                .fix("install or carry the program, or point the unit at the program that replaces it")
                .evidence("search_path", candidates.join(":")),
        ));
        return;
    };
    if uc
        .ctx
        .pack
        .baseline_packages
        .iter()
        .any(|b| b == best.package)
        || MANAGER_PACKAGES.contains(&best.package)
    {
        return;
    }
    out.packages.insert(best.package.to_string());
    out.programs = Some(
        out.programs
            .map_or(Verdict::NeedsPackages, |p| p.max(Verdict::NeedsPackages)),
    );
    out.proposals.extend(
        super::provided::package_findings(
            uc.ctx.pack,
            super::provided::Provided::Program { key, word: &word },
            shipped,
            base,
        )
        .into_iter()
        .map(Proposal::new),
    );
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{Elf, scan, with_code};
    use crate::findings::{Code, Verdict};
    use crate::source::MemorySource;

    fn service(exec: &str) -> String {
        format!(
            "[Unit]\nDescription=x\n[Service]\nExecStart={exec}\n[Install]\nWantedBy=multi-user.target\n"
        )
    }

    #[test]
    fn programs_a_unit_starts_are_judged() {
        let src = MemorySource::new()
            .text(
                "/etc/systemd/system/gone.service",
                &service("/usr/bin/nosuchprog --x"),
            )
            .text(
                "/etc/systemd/system/broken.service",
                &service("/opt/app/bin/app"),
            )
            .text(
                "/etc/systemd/system/fine.service",
                &service("/opt/app/bin/ok"),
            )
            .exe(
                "/opt/app/bin/app",
                Elf::exe().needs("libnosuch.so.9").bytes(),
            )
            .exe("/opt/app/bin/ok", Elf::exe().needs("libc.so.6").bytes());
        let r = scan(&src);
        let missing = with_code(&r, Code::UnitExecMissing);
        assert_eq!(missing.len(), 1, "{:#?}", r.findings);
        assert_eq!(missing[0].path, "/etc/systemd/system/gone.service");
        let breaks = with_code(&r, Code::UnitExecBreaks);
        assert_eq!(breaks.len(), 1, "{:#?}", r.findings);
        assert_eq!(breaks[0].path, "/etc/systemd/system/broken.service");
        let verdict = |u: &str| r.units.iter().find(|x| x.unit == u).unwrap().verdict;
        assert_eq!(verdict("broken.service"), Verdict::Breaks);
        assert_eq!(verdict("gone.service"), Verdict::Breaks);
        assert_eq!(verdict("fine.service"), Verdict::Ok);
    }
}
