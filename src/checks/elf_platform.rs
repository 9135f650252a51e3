//! Architecture, OS ABI and program interpreter of ELF objects.

use super::Context;
use super::interface::{Area, Check, Input, Meta, Needs, Sink};
use crate::findings::{Code, Finding};
use crate::inventory::ObjectId;

/// The check: architecture, class, OS ABI and program interpreter of every judged ELF object.
pub static CHECK: Check = Check {
    meta: Meta {
        id: "elf-platform",
        summary: "architecture, class, OS ABI and program interpreter of ELF objects",
        area: Area::Binaries,
        needs: Needs::ElfObjects,
        codes: &[Code::ElfUnsupportedArch, Code::ElfInterpreterMissing],
        reuses: &[],
        file: "src/checks/elf_platform.rs",
    },
    run,
};

fn run(input: &Input, out: &mut Sink) {
    if let Input::ElfObjects { ctx, ids } = input {
        out.extend(check(ctx, ids));
    }
}

fn check(ctx: &Context, ids: &[ObjectId]) -> Vec<Finding> {
    let mut out = Vec::new();
    let arches = ctx.pack.arches.join(", ");
    for &id in ids {
        let obj = &ctx.inv.objects[id];
        let Some(elf) = obj.elf() else { continue };
        let arch = elf.arch_name();
        let class = match elf.class {
            crate::inventory::elf::ElfClass::Elf32 => "32-bit",
            crate::inventory::elf::ElfClass::Elf64 => "64-bit",
        };
        let supported = elf
            .azl_arch()
            .is_some_and(|a| ctx.pack.arches.iter().any(|x| x == a));
        if !supported {
            out.push(
                Finding::new(Code::ElfUnsupportedArch, &obj.path)
                    .subject(&arch)
                    .message(format!("{class} {arch} object: {} has no runtime for it", ctx.pack.name_version()))
                    .why(format!(
                        "{} ships runtimes for {arches} only (no 32-bit or multilib runtime), so the loader cannot run this object",
                        ctx.pack.name_version()
                    ))
                    .fix(format!("rebuild for {arches}, or replace it with a build for one of them"))
                    .evidence("class", class)
                    .evidence("machine", &arch)
                    .evidence("big_endian", elf.big_endian.to_string()),
            );
            continue;
        }
        if !elf.linux_abi() {
            out.push(
                Finding::new(Code::ElfUnsupportedArch, &obj.path)
                    .subject(format!("osabi-{}", elf.os_abi))
                    .message(format!("built for another operating system (ELF OS ABI {})", elf.os_abi))
                    .why("the Linux loader does not run objects built for another operating system's ABI")
                    .fix("replace it with a Linux build")
                    .evidence("os_abi", elf.os_abi.to_string()),
            );
            continue;
        }
        if let Some(interp) = &elf.interpreter {
            if ctx
                .inv
                .object_at(interp)
                .is_some_and(|i| ctx.inv.objects[i].carried_over())
            {
                continue;
            }
            if ctx
                .program_packages(std::slice::from_ref(interp))
                .shipped
                .is_empty()
            {
                out.push(
                    Finding::new(Code::ElfInterpreterMissing, &obj.path)
                        .subject(interp)
                        .message(format!("program interpreter {interp} does not exist on {}", ctx.pack.name_version()))
                        .why("the kernel starts every dynamically linked program through its PT_INTERP loader; without it the program fails with 'No such file or directory'")
                        .fix({
                            // The glibc loader of this object's architecture (`x86-64`, `aarch64`).
                            let key = elf.azl_arch().unwrap_or("").replace('_', "-");
                            let loaders: Vec<String> = ctx
                                .pack
                                .loader_paths()
                                .into_iter()
                                .filter(|l| l.contains(&key))
                                .collect();
                            format!(
                                "rebuild against glibc for {} (interpreter {}), or ship the interpreter and its C library with the application",
                                elf.arch_name(),
                                loaders.join(" or ")
                            )
                        })
                        .evidence("interpreter", interp),
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{Elf, scan, with_code};
    use crate::findings::Code;
    use crate::source::MemorySource;

    #[test]
    fn foreign_machines_and_interpreters_the_target_lacks_break() {
        let src = MemorySource::new()
            .exe("/opt/app/bin/ok", Elf::exe().needs("libc.so.6").bytes())
            .exe("/opt/app/bin/ppc", Elf::exe().machine(20).bytes())
            .exe(
                "/opt/app/bin/musl",
                Elf::exe().interp("/lib/ld-musl-x86_64.so.1").bytes(),
            );
        let r = scan(&src);
        let arch: Vec<&str> = with_code(&r, Code::ElfUnsupportedArch)
            .iter()
            .map(|f| f.path.as_str())
            .collect();
        assert_eq!(arch, ["/opt/app/bin/ppc"], "{:#?}", r.findings);
        let interp = with_code(&r, Code::ElfInterpreterMissing);
        assert_eq!(interp.len(), 1, "{:#?}", r.findings);
        assert_eq!(interp[0].path, "/opt/app/bin/musl");
        assert!(interp[0].message.contains("/lib/ld-musl-x86_64.so.1"));
        assert!(r.findings.iter().all(|f| f.path != "/opt/app/bin/ok"));
    }
}
