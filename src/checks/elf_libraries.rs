//! Needed libraries: bundled on the search path, from an Azure Linux package, or missing.

use super::Context;
use super::interface::{Area, Check, Input, Meta, Needs, Sink};
use super::provided::{self, Provided, names};
use crate::engine::loader::{Closure, Edge, Resolution};
use crate::findings::{Code, Finding};

/// The check: how the loader resolves each needed library of a closure.
pub static CHECK: Check = Check {
    meta: Meta {
        id: "elf-libraries",
        summary: "needed libraries (DT_NEEDED) as the loader resolves them on the target",
        area: Area::Binaries,
        needs: Needs::LoaderClosure,
        codes: &[
            Code::ElfLibraryMissing,
            Code::ElfLibraryFromPackage,
            Code::ElfLibrarySdkOnly,
            Code::ElfLibraryWeakEvidence,
            Code::ElfLibraryOffSearchPath,
            Code::ElfLibraryUnreadable,
            Code::ElfLibraryViaLdLibraryPath,
        ],
        reuses: &[],
        file: "src/checks/elf_libraries.rs",
    },
    run,
};

fn run(input: &Input, out: &mut Sink) {
    if let Input::Closure { ctx, closure } = input {
        out.extend(check(ctx, closure));
    }
}

fn check(ctx: &Context, closure: &Closure) -> Vec<Finding> {
    closure
        .edges
        .iter()
        .flat_map(|e| edge_findings(ctx, closure, e))
        .collect()
}

fn edge_findings(ctx: &Context, closure: &Closure, edge: &Edge) -> Vec<Finding> {
    let inv = ctx.inv;
    let path = &inv.objects[edge.requester].path;
    let soname = &edge.soname;
    let target = ctx.pack.name_version();
    let searched = edge.searched.join(":");
    let loaded_by =
        (edge.requester != closure.root).then(|| inv.objects[closure.root].path.clone());
    let base = |code: Code| {
        let mut f = Finding::new(code, path)
            .subject(soname)
            .evidence("soname", soname);
        if !searched.is_empty() {
            f = f.evidence("search_path", &searched);
        }
        if let Some(l) = &loaded_by {
            f = f.evidence("loaded_by", l);
        }
        if let Some(env) = &closure.env {
            f = f
                .evidence("ld_library_path", &env.value)
                .evidence("ld_library_path_set_by", &env.set_by);
        }
        f
    };
    match &edge.resolution {
        Resolution::Tree { id, .. } if edge.via_env && closure.env.is_some() => {
            let found = &inv.objects[*id].path;
            let Some(env) = closure.env.as_ref() else {
                return Vec::new();
            };
            let others: Vec<&str> = ctx
                .launch
                .get(&closure.root)
                .into_iter()
                .flatten()
                .skip(1)
                .map(|e| e.set_by.as_str())
                .collect();
            let mut f = base(Code::ElfLibraryViaLdLibraryPath)
                .message(format!(
                    "{soname} is found at {found} only through LD_LIBRARY_PATH={}, set by {}",
                    env.value, env.set_by
                ))
                .why("the loader finds the bundled copy because the unit or launcher that starts the program sets LD_LIBRARY_PATH; started any other way, the program does not find it")
                .fix(format!(
                    "keep starting it through {}, or relink with -Wl,-rpath,'$ORIGIN/<dir>' pointing at {}",
                    env.set_by,
                    crate::inventory::parent_dir(found)
                ))
                .evidence("found_at", found);
            if !others.is_empty() {
                f = f.evidence("ld_library_path_also_set_by", others.join("; "));
            }
            vec![f]
        }
        Resolution::Tree { .. } | Resolution::Baseline { .. } => Vec::new(),
        Resolution::Package { providers } => {
            provided::package_findings(ctx.pack, Provided::Library { soname }, providers, base)
        }
        Resolution::OffPath { candidates } => vec![base(Code::ElfLibraryOffSearchPath)
            .message(format!("{soname} is in the tree at {} but not on this object's library search path", candidates.join(", ")))
            .why(match &closure.env {
                None => "the loader only looks in DT_RPATH/DT_RUNPATH, LD_LIBRARY_PATH, ld.so.conf and the trusted directories; no unit or launcher script in the tree sets LD_LIBRARY_PATH for it, so the bundled copy is found only if something outside the tree does".to_string(),
                Some(env) => format!("the loader only looks in DT_RPATH/DT_RUNPATH, LD_LIBRARY_PATH, ld.so.conf and the trusted directories; the LD_LIBRARY_PATH set by {} does not reach the bundled copy", env.set_by),
            })
            .fix(format!(
                "make sure the launcher sets LD_LIBRARY_PATH, or relink with -Wl,-rpath,'$ORIGIN/<dir>' pointing at {}, or add its directory to /etc/ld.so.conf.d",
                crate::inventory::parent_dir(&candidates[0])
            ))
            .evidence("found_at", candidates.join(","))],
        Resolution::CwdRelative { path } => vec![base(Code::ElfLibraryOffSearchPath)
            .message(format!("{soname} is a path relative to the working directory the program is started in"))
            .why("a needed entry with a '/' is opened as a path, not searched for; a relative one resolves against the process's working directory, which the tree does not say")
            .fix(format!("relink so that the entry is a plain soname found through -Wl,-rpath,'$ORIGIN/<dir>', or make sure the program always starts in the directory that holds {path}"))
            .evidence("relative_path", path)],
        Resolution::Unpublished { providers } => vec![base(Code::ElfLibraryMissing)
            .message(format!("{soname} is only in {}, which {target} builds but does not publish", names(providers)))
            .why(format!("{} is produced by {} spec but is in no publish list, so it cannot be installed", names(providers), ctx.pack.target.a_name()))
            .fix(crate::inventory::archives::member_fix(path, &format!("does not need {soname}"), missing_fix(ctx, soname)))
            .evidence("unpublished_packages", names(providers))],
        Resolution::Unreadable { path: at } => vec![base(Code::ElfLibraryUnreadable)
            .message(format!("{soname} would be loaded from {at}, which the scan could not read"))
            .why("a bundled library is probably there, but what it is (and what it needs) is not known; it is not reported as missing")
            .fix(format!("scan again as a user who can read {at} (e.g. root), or make it readable"))
            .evidence("unreadable", at)],
        Resolution::Missing => vec![base(Code::ElfLibraryMissing)
            .message(format!("{soname} is not bundled on the search path and {target} does not ship it"))
            .why(format!("the loader stops with 'cannot open shared object file' when {soname} is not found"))
            .fix(crate::inventory::archives::member_fix(path, &format!("does not need {soname}"), missing_fix(ctx, soname)))],
    }
}

/// The fix for a missing library: bundle it, or rebuild against what the target ships under
/// the same name with another version.
fn missing_fix(ctx: &Context, soname: &str) -> String {
    let alts = ctx.pack.soname_alternatives(soname);
    if alts.is_empty() {
        format!(
            "bundle {soname} in the tree on the object's RUNPATH (e.g. $ORIGIN/../lib), or rebuild without it"
        )
    } else {
        let list: Vec<String> = alts
            .iter()
            .map(|(s, p)| match ctx.pack.package(p.package) {
                Some(pkg) => format!("{s} ({} {})", pkg.name, pkg.evr()),
                None => format!("{s} ({})", p.package),
            })
            .collect();
        format!(
            "rebuild against {} shipped by {}, or bundle {soname} in the tree on the object's RUNPATH",
            list.join(", "),
            ctx.pack.name_version()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{Elf, scan, with_code};
    use crate::findings::Code;
    use crate::source::MemorySource;

    #[test]
    fn needed_libraries_resolve_bundled_from_a_package_or_not_at_all() {
        let src = MemorySource::new()
            .exe(
                "/opt/app/bin/app",
                Elf::exe()
                    .needs("libbundled.so.1")
                    .needs("libssl.so.3")
                    .needs("libnosuch.so.9")
                    .needs("libc.so.6")
                    .runpath("$ORIGIN/../lib")
                    .bytes(),
            )
            .file(
                "/opt/app/lib/libbundled.so.1",
                Elf::lib("libbundled.so.1").needs("libc.so.6").bytes(),
                0o755,
            )
            // On no search path of the program that needs it.
            .exe(
                "/opt/app/bin/other",
                Elf::exe().needs("libhidden.so.2").bytes(),
            )
            .file(
                "/opt/app/private/libhidden.so.2",
                Elf::lib("libhidden.so.2").bytes(),
                0o755,
            );
        let r = scan(&src);
        let missing = with_code(&r, Code::ElfLibraryMissing);
        assert_eq!(missing.len(), 1, "{:#?}", r.findings);
        assert_eq!(missing[0].path, "/opt/app/bin/app");
        assert_eq!(missing[0].subject.as_deref(), Some("libnosuch.so.9"));
        let pkg = with_code(&r, Code::ElfLibraryFromPackage);
        assert_eq!(pkg.len(), 1, "{:#?}", r.findings);
        assert_eq!(pkg[0].subject.as_deref(), Some("libssl.so.3"));
        assert!(
            pkg[0].evidence.values().any(|v| v.contains("openssl-libs")),
            "{:?}",
            pkg[0].evidence
        );
        let off = with_code(&r, Code::ElfLibraryOffSearchPath);
        assert_eq!(off.len(), 1, "{:#?}", r.findings);
        assert_eq!(off[0].path, "/opt/app/bin/other");
        // The bundled library on the RUNPATH and glibc raise nothing.
        assert!(
            r.findings
                .iter()
                .all(|f| f.subject.as_deref() != Some("libbundled.so.1")
                    && f.subject.as_deref() != Some("libc.so.6")),
            "{:#?}",
            r.findings
        );
    }
}
