//! Dependency breaks: a program whose bundled library would break breaks too. Verdict folding
//! (`verdict.rs`) finds them while it propagates verdicts along the loader closures; this check
//! says so.

use super::Context;
use super::interface::{Area, Check, Input, Meta, Needs, Sink};
use crate::engine::verdict::Attribution;
use crate::findings::{Code, Finding};

/// The check: programs and libraries that load a bundled library that would break.
pub static CHECK: Check = Check {
    meta: Meta {
        id: "elf-dependencies",
        summary: "programs that load a bundled library that would break (found by verdict folding)",
        area: Area::Binaries,
        needs: Needs::Attributions,
        codes: &[Code::ElfDependencyBreaks],
        reuses: &[],
        file: "src/checks/elf_dependencies.rs",
    },
    run,
};

fn run(input: &Input, out: &mut Sink) {
    if let Input::Attributions { ctx, attributions } = input {
        out.extend(attributions.iter().map(|a| finding(ctx, a)));
    }
}

fn finding(ctx: &Context, a: &Attribution) -> Finding {
    let inv = ctx.inv;
    match a {
        Attribution::Bundled {
            root,
            library,
            causes,
        } => {
            let lib_path = &inv.objects[*library].path;
            Finding::new(Code::ElfDependencyBreaks, &inv.objects[*root].path)
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
                .evidence("causes", causes.join("; "))
        }
        Attribution::OffPath {
            holder,
            library: lib_path,
            soname,
            found_at,
            needed_by,
        } => {
            let mut f = Finding::new(Code::ElfDependencyBreaks, &inv.objects[*holder].path)
                .subject(lib_path)
                .message(format!(
                    "needs {soname}, which is in the tree only off its library search path ({}), and that copy would break",
                    found_at.join(", ")
                ))
                .why(format!(
                    "{soname} is found only if something sets LD_LIBRARY_PATH; without it the loader fails, and with it the library it finds fails: either way the program cannot start"
                ))
                .fix(format!("fix the findings of {lib_path}, then put its directory on the search path (-Wl,-rpath,'$ORIGIN/<dir>')"))
                .evidence("library", lib_path)
                .evidence("soname", soname)
                .evidence("found_at", found_at.join(","));
            if let Some(n) = needed_by {
                f = f.evidence("needed_by", &inv.objects[*n].path);
            }
            f
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{Elf, scan, with_code};
    use crate::findings::{Code, Verdict};
    use crate::source::MemorySource;

    #[test]
    fn a_program_whose_bundled_library_breaks_breaks_too() {
        let src = MemorySource::new()
            .exe(
                "/opt/app/bin/app",
                Elf::exe()
                    .needs("libbundled.so.1")
                    .runpath("$ORIGIN/../lib")
                    .bytes(),
            )
            .file(
                "/opt/app/lib/libbundled.so.1",
                Elf::lib("libbundled.so.1").needs("libnosuch.so.9").bytes(),
                0o755,
            );
        let r = scan(&src);
        let dep = with_code(&r, Code::ElfDependencyBreaks);
        assert_eq!(dep.len(), 1, "{:#?}", r.findings);
        assert_eq!(dep[0].path, "/opt/app/bin/app");
        assert_eq!(
            dep[0].subject.as_deref(),
            Some("/opt/app/lib/libbundled.so.1")
        );
        assert!(
            dep[0].evidence["causes"].contains("elf-library-missing libnosuch.so.9"),
            "{:?}",
            dep[0].evidence
        );
        let missing = with_code(&r, Code::ElfLibraryMissing);
        assert_eq!(missing[0].path, "/opt/app/lib/libbundled.so.1");
        let app = r
            .binaries
            .iter()
            .find(|f| f.path == "/opt/app/bin/app")
            .unwrap();
        assert_eq!(app.verdict, Verdict::Breaks);
    }
}
