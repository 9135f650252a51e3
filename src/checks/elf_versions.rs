//! Symbol version nodes (DT_VERNEED) against the library that satisfies each need.

use super::Context;
use super::interface::{Area, Check, Input, Meta, Needs, Sink};
use crate::engine::loader::{Closure, Resolution};
use crate::findings::{Code, Finding};
use crate::inventory::file_name;

/// The check: symbol versions each object of a closure needs.
pub static CHECK: Check = Check {
    meta: Meta {
        id: "elf-versions",
        summary: "needed symbol versions (DT_VERNEED) against the library that satisfies them; GLIBC_PRIVATE",
        area: Area::Binaries,
        needs: Needs::LoaderClosure,
        codes: &[
            Code::ElfVersionMissing,
            Code::ElfVersionsUnknown,
            Code::ElfGlibcPrivate,
        ],
        reuses: &[],
        file: "src/checks/elf_versions.rs",
    },
    run,
};

fn run(input: &Input, out: &mut Sink) {
    if let Input::Closure { ctx, closure } = input {
        out.extend(check(ctx, closure));
    }
}

/// glibc's private interface: usable only by glibc's own build.
const GLIBC_PRIVATE: &str = "GLIBC_PRIVATE";

fn check(ctx: &Context, closure: &Closure) -> Vec<Finding> {
    let inv = ctx.inv;
    let mut out = Vec::new();
    for edge in &closure.edges {
        let obj = &inv.objects[edge.requester];
        let Some(elf) = obj.elf() else { continue };
        let arch = elf.azl_arch().unwrap_or(&ctx.arch);
        let name = file_name(&edge.soname);
        let Some(need) = elf.version_needs.iter().find(|v| v.file == name) else {
            continue;
        };
        if need.versions.is_empty() {
            continue;
        }
        let base = |code: Code, subject: &str| {
            Finding::new(code, &obj.path)
                .subject(subject)
                .evidence("library", name)
        };
        let is_private = |v: &str| v == GLIBC_PRIVATE;
        if need.versions.iter().any(|v| is_private(v)) {
            out.push(
                base(Code::ElfGlibcPrivate, &format!("{name}@{GLIBC_PRIVATE}"))
                    .message(format!("uses GLIBC_PRIVATE symbols of {name}"))
                    .why(format!(
                        "GLIBC_PRIVATE symbols are internal to one glibc build and change without notice; {} ships {name} in {}",
                        ctx.pack.name_version(),
                        ctx.soname_providers(name)
                            .first()
                            .and_then(|p| ctx.pack.package(p.package))
                            .map(|p| format!("{} {}", p.name, p.evr()))
                            .unwrap_or_else(|| "its own glibc build".to_string())
                    ))
                    .fix("rebuild on the target without private glibc interfaces (they usually come from statically linked or copied glibc parts)"),
            );
        }
        let (defined, source): (Option<Vec<String>>, String) = match &edge.resolution {
            Resolution::Tree { id, .. } => {
                let lib = inv.objects[*id].elf();
                match lib {
                    // A library without DT_VERDEF: ld.so only warns ("no version information").
                    Some(l) if l.version_defs.is_empty() => continue,
                    Some(l) => (
                        Some(l.version_defs.clone()),
                        format!("bundled {}", inv.objects[*id].path),
                    ),
                    None => continue,
                }
            }
            Resolution::Baseline { providers } | Resolution::Package { providers } => {
                match ctx.pack.version_nodes(name, arch) {
                    Some(vn) => (Some(vn.nodes.iter().cloned().collect()), vn.source.clone()),
                    None => (None, providers[0].package.to_string()),
                }
            }
            _ => continue,
        };
        let wanted: Vec<&String> = need.versions.iter().filter(|v| !is_private(v)).collect();
        let (bundled, where_) = match &edge.resolution {
            Resolution::Tree { id, .. } => (true, inv.objects[*id].path.as_str()),
            _ => (false, ""),
        };
        match defined {
            Some(defs) => {
                let missing: Vec<&String> = wanted
                    .iter()
                    .copied()
                    .filter(|v| !defs.contains(v))
                    .collect();
                for v in missing {
                    let newest = newest_like(&defs, v);
                    out.push(
                        base(Code::ElfVersionMissing, &format!("{name}@{v}"))
                            .message(format!("needs {v} from {name}, which {} does not define", if bundled { format!("the bundled copy {where_}") } else { format!("the {name} of {}", ctx.pack.name_version()) }))
                            .why(format!("the loader refuses to start an object whose version need '{v}' is not defined by {name} ('version `{v}' not found')"))
                            .fix(match (&newest, bundled) {
                                (Some(n), true) => format!("bundle a {name} that defines {v} (the bundled copy goes up to {n}), or rebuild against the bundled copy"),
                                (None, true) => format!("bundle a {name} that defines {v}, or rebuild against the bundled copy"),
                                (Some(n), false) => crate::inventory::archives::member_fix(&obj.path, &format!("needs no more than {n} of {name}"), format!("rebuild on or for {} (its {name} goes up to {n}), or bundle a {name} that defines {v}", ctx.pack.name_version())),
                                (None, false) => crate::inventory::archives::member_fix(&obj.path, &format!("needs only what the {name} of {} defines", ctx.pack.name_version()), format!("rebuild against the {name} that {} ships, or bundle a {name} that defines {v}", ctx.pack.name_version())),
                            })
                            .evidence("version", v.as_str())
                            .evidence("defined_by", &source)
                            .evidence("newest_available", newest.unwrap_or_default()),
                    );
                }
            }
            None if !wanted.is_empty() => {
                let list: Vec<&str> = wanted.iter().map(|s| s.as_str()).collect();
                out.push(
                    base(Code::ElfVersionsUnknown, name)
                        .message(format!("needs {} from {name}; the knowledge pack does not know which versions {source} defines", list.join(", ")))
                        .why("without the library's version definitions the version check cannot be made; the library is present, but an older one could lack these nodes")
                        .fix(format!("confirm on an {} system with `objdump -T` that {name} defines {}", ctx.pack.name_version(), list.join(", ")))
                        .evidence("versions", list.join(","))
                        .evidence("package", &source),
                );
            }
            None => {}
        }
    }
    out
}

/// The highest defined node with the same prefix as `wanted` (e.g. GLIBC_2.42 for GLIBC_2.99).
fn newest_like(defs: &[String], wanted: &str) -> Option<String> {
    let prefix: String = wanted.chars().take_while(|c| !c.is_ascii_digit()).collect();
    if prefix.is_empty() {
        return None;
    }
    defs.iter()
        .filter(|d| {
            d.starts_with(&prefix) && d[prefix.len()..].starts_with(|c: char| c.is_ascii_digit())
        })
        .max_by(|a, b| version_cmp(&a[prefix.len()..], &b[prefix.len()..]))
        .cloned()
}

/// Compare dotted numeric versions (`2.9` < `2.34`).
fn version_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    let parse = |s: &str| -> Vec<u64> {
        s.split(['.', '_'])
            .map(|p| p.parse().unwrap_or(0))
            .collect()
    };
    parse(a).cmp(&parse(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newest_node_by_numeric_order() {
        let defs: Vec<String> = ["GLIBC_2.2.5", "GLIBC_2.9", "GLIBC_2.34", "GLIBC_PRIVATE"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            newest_like(&defs, "GLIBC_2.99").as_deref(),
            Some("GLIBC_2.34")
        );
        assert_eq!(newest_like(&defs, "OPENSSL_1_1_0"), None);
    }
}
