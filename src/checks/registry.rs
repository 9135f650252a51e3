//! Every check, in the order the engine runs those that need the same input (the unit checks'
//! edits compose in this order). Adding a check is one new file in `src/checks/` that
//! implements [`Check`] and one line here (docs/architecture.md, "Adding a check").

use super::interface::{Area, Check, Input, Meta, Sink};
use super::{
    alternatives, containerfile, elf_dependencies, elf_libraries, elf_platform, elf_versions,
    host_crypto, host_network, host_programs, host_security, host_services, host_sources,
    image_config, java, node, packages, perl_ruby, python, requires, scripts, units_deps,
    units_directives, units_exec, units_host, units_legacy, units_presets, units_sysv,
};
use crate::findings::Code;

/// The registered checks.
pub static CHECKS: &[&Check] = &[
    &elf_platform::CHECK,
    &elf_libraries::CHECK,
    &elf_versions::CHECK,
    &elf_dependencies::CHECK,
    &scripts::CHECK,
    &packages::CHECK,
    &requires::CHECK,
    &units_directives::CHECK,
    &units_legacy::CHECK,
    &units_exec::CHECK,
    &units_deps::CHECK,
    &units_sysv::RUNLEVELS,
    &units_presets::CHECK,
    &units_sysv::SYSV_SCRIPTS,
    &units_host::CHECK,
    &host_crypto::CHECK,
    &host_sources::CHECK,
    &host_security::CHECK,
    &host_services::CHECK,
    &host_programs::CHECK,
    &host_network::CHECK,
    &image_config::CHECK,
    &alternatives::CHECK,
    &python::CHECK,
    &node::CHECK,
    &perl_ruby::CHECK,
    &java::CHECK,
    &containerfile::CHECK,
];

/// The declarations of every check, in registry order.
pub fn all() -> impl Iterator<Item = &'static Meta> {
    CHECKS.iter().map(|c| &c.meta)
}

/// The check that emits `code`.
pub fn emitter(code: Code) -> Option<&'static Meta> {
    all().find(|m| m.codes.contains(&code))
}

/// Other checks that report `code` through its emitter's builders.
pub fn reporters(code: Code) -> Vec<&'static Meta> {
    all().filter(|m| m.reuses.contains(&code)).collect()
}

/// Who emits `code`, as `explain` says it: "Emitted by check `ID` (FILE): SUMMARY.", and the
/// checks that report it too.
pub fn emitted_by(code: Code) -> String {
    let Some(m) = emitter(code) else {
        return "Emitted by no registered check.".to_string();
    };
    let mut s = format!("Emitted by check `{}` ({}): {}.", m.id, m.file, m.summary);
    let also: Vec<String> = reporters(code)
        .iter()
        .map(|r| format!("`{}` ({})", r.id, r.file))
        .collect();
    if !also.is_empty() {
        s.push_str(&format!(" Also reported by {}.", also.join(", ")));
    }
    s
}

/// The registry as the Markdown table docs/architecture.md shows (a test keeps them equal).
pub fn markdown_table() -> String {
    let mut s = String::from(
        "| check | area | runs on | emits | also reports | file |\n|---|---|---|---|---|---|\n",
    );
    let codes = |c: &[Code]| {
        c.iter()
            .map(|c| format!("`{c}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    for m in all() {
        s.push_str(&format!(
            "| `{}` | {} | {:?} | {} | {} | `{}` |\n",
            m.id,
            m.area.as_str(),
            m.needs,
            codes(m.codes),
            codes(m.reuses),
            m.file
        ));
    }
    s
}

/// The area of a code: the area of the check that emits it.
pub fn area_of(code: Code) -> Area {
    emitter(code).map(|m| m.area).unwrap_or(Area::Other)
}

/// Run every check that serves on `input`, each into its own sink, in registry order.
pub(crate) fn run(input: &Input) -> Vec<Sink> {
    CHECKS
        .iter()
        .filter(|c| input.serves(c.meta.needs))
        .map(|c| {
            let mut sink = Sink::new(&c.meta);
            (c.run)(input, &mut sink);
            sink
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_code_is_emitted_by_exactly_one_check() {
        for &code in Code::ALL {
            let n = all().filter(|m| m.codes.contains(&code)).count();
            assert_eq!(n, 1, "{code} is declared by {n} checks");
        }
    }

    #[test]
    fn reused_codes_have_an_emitter_and_are_not_the_checks_own() {
        for m in all() {
            for &c in m.reuses {
                let e = emitter(c).expect("emitter");
                assert_ne!(e.id, m.id, "{} reuses its own {c}", m.id);
            }
        }
    }

    #[test]
    fn ids_are_unique_kebab_case_and_files_exist() {
        let mut seen = BTreeSet::new();
        for m in all() {
            assert!(seen.insert(m.id), "duplicate check id {}", m.id);
            assert!(
                m.id.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{}",
                m.id
            );
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(m.file);
            assert!(path.is_file(), "{} names {}", m.id, m.file);
            assert!(
                !(m.summary.is_empty() || m.codes.is_empty() && m.reuses.is_empty()),
                "{}",
                m.id
            );
        }
    }

    /// docs/architecture.md shows the registry as it is, and its worked example ("Adding a
    /// check") quotes real code: every ```rust block whose first line is `// PATH` appears
    /// verbatim in that file.
    #[test]
    fn architecture_doc_shows_the_registry_and_quotes_real_code() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let doc = std::fs::read_to_string(root.join("docs/architecture.md")).unwrap();
        let table = markdown_table();
        assert!(
            doc.contains(&table),
            "docs/architecture.md: the registry table is stale; it is now:\n{table}"
        );
        let mut quoted = 0;
        for block in doc.split("```rust\n").skip(1) {
            let block = &block[..block.find("```").unwrap()];
            let Some(path) = block
                .lines()
                .next()
                .and_then(|l| l.strip_prefix("// "))
                .filter(|p| p.starts_with("src/"))
            else {
                continue;
            };
            let body = &block[block.find('\n').unwrap() + 1..];
            let src = std::fs::read_to_string(root.join(path)).unwrap();
            assert!(
                src.contains(body),
                "docs/architecture.md quotes {path}, which no longer has:\n{body}"
            );
            quoted += 1;
        }
        assert!(quoted >= 3, "the worked example quotes {quoted} blocks");
    }

    #[test]
    fn areas_come_from_the_declarations() {
        assert_eq!(area_of(Code::ElfLibraryMissing), Area::Binaries);
        assert_eq!(area_of(Code::ScriptInterpreterBreaks), Area::Scripts);
        assert_eq!(area_of(Code::PkgRpmlibUnsupported), Area::Packages);
        assert_eq!(area_of(Code::SystemdLegacyFile), Area::Units);
        assert_eq!(area_of(Code::HostFipsMode), Area::Host);
        assert_eq!(
            emitter(Code::UnitDirectiveDeprecated).unwrap().id,
            "unit-directives"
        );
        for &code in Code::ALL {
            assert_ne!(area_of(code), Area::Other, "{code}");
        }
    }
}
