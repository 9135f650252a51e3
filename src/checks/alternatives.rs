//! Builds for other platforms shipped side by side with the build the target uses
//! (docs/findings.md, `runtime-build-not-used` and `runtime-build-other-platform-only`).
//!
//! Node.js packages carry prebuilds for every platform (`prebuilds/linux-x64/node.napi.musl.node`
//! beside `node.napi.glibc.node`, `prebuilds/linux-arm64/`, `prebuilds/android-arm/`), npm
//! installs platform packages (`@parcel/watcher-linux-x64-musl`), Python directories can hold
//! `NAME.cpython-312-x86_64-linux-musl.so` beside `NAME.cpython-312-x86_64-linux-gnu.so`. The
//! loader of the target (node-gyp-build, the package's own `require` switch, CPython's
//! extension suffixes) picks the build for Linux, the target's architecture and glibc, and never
//! opens the others: judging them as ELF would report breaks (libc.musl-x86_64.so.1 missing,
//! 32-bit ARM unsupported, Android's libc.so missing) that never happen. So a build for another
//! platform is left out of the ELF, Node.js and Python checks when a build for the target sits
//! among its alternatives (an info finding says so); when none does, the package has nothing
//! the target can load, which is a real break (a blocker, and the ELF checks still judge it).
//!
//! Where the paths' layout says nothing, an ELF object is judged as it always is
//! (`elf_platform`: another architecture or OS ABI is `elf-unsupported-arch`).

use super::Context;
use super::interface::{Area, Check, Input, Meta, Needs, Sink};
use crate::findings::{Code, Finding};
use crate::inventory::ObjectId;
use crate::inventory::platform_variant::{self, Libc, Platform};
use std::collections::{BTreeMap, HashSet};

/// What the pass decides.
#[derive(Debug, Default)]
pub struct Alternatives {
    /// Builds for another platform that the target never loads (a build for it sits beside them).
    pub unused: HashSet<ObjectId>,
    pub findings: Vec<Finding>,
}

/// The check: builds for other platforms beside the build the target loads (prebuilds, npm platform packages, CPython suffixes).
pub static CHECK: Check = Check {
    meta: Meta {
        id: "runtime-builds",
        summary: "builds for other platforms beside the build the target loads (prebuilds, npm platform packages, CPython suffixes)",
        area: Area::Runtimes,
        needs: Needs::Workload,
        codes: &[
            Code::RuntimeBuildNotUsed,
            Code::RuntimeBuildOtherPlatformOnly,
        ],
        reuses: &[],
        file: "src/checks/alternatives.rs",
    },
    run,
};

fn run(input: &Input, out: &mut Sink) {
    if let Input::Workload { ctx } = input {
        out.extend(ctx.alternatives.findings.iter().cloned());
    }
}

/// One member of a group of alternative builds.
struct Member {
    id: ObjectId,
    platform: Option<Platform>,
    musl_content: bool,
}

/// The target platform as written in findings: `linux x86_64 glibc`.
fn target_label(arch: &str) -> String {
    format!("linux {arch} glibc")
}

/// Whether a member is a build the target can load: Linux, the target's architecture (or a
/// universal build naming it), not musl (by its name or by the C library it links).
fn fits(m: &Member, arch: &str) -> bool {
    if m.musl_content {
        return false;
    }
    match &m.platform {
        None => true,
        Some(p) => {
            p.os == "linux"
                && p.libc != Some(Libc::Musl)
                && (p.arches.is_empty() || p.arches.iter().any(|a| a == arch))
        }
    }
}

/// Decide, for the carried-over ELF objects, which are builds for another platform.
pub fn find(ctx: &Context) -> Alternatives {
    let inv = ctx.inv;
    let mut out = Alternatives::default();
    // The target runs glibc when the pack has one (it always has, for Azure Linux).
    if crate::knowledge::runtimes::glibc_version(ctx.pack).is_none() {
        return out;
    }
    let mut groups: BTreeMap<String, (String, Vec<Member>)> = BTreeMap::new();
    for (id, o) in inv.objects.iter().enumerate() {
        let Some(elf) = o.elf() else { continue };
        if !o.carried_over() {
            continue;
        }
        let Some(mut tag) = platform_variant::tag(&o.path) else {
            continue;
        };
        // A member of a Java archive: its ELF header says the architecture.
        if tag.group.starts_with("jar:")
            && let Some(p) = tag.platform.as_mut()
        {
            let arch = elf
                .azl_arch()
                .map(str::to_string)
                .unwrap_or_else(|| elf.arch_name());
            p.label = format!("{} {arch}{}", p.os, &p.label[p.os.len()..]);
            p.arches = vec![arch];
        }
        let musl_content = elf.needed.iter().any(|n| n.starts_with("libc.musl-"))
            || elf
                .interpreter
                .as_deref()
                .is_some_and(|i| crate::inventory::file_name(i).starts_with("ld-musl-"));
        groups
            .entry(tag.group)
            .or_insert_with(|| (tag.what, Vec::new()))
            .1
            .push(Member {
                id,
                platform: tag.platform,
                musl_content,
            });
    }
    let arch = ctx.arch.as_str();
    let target = target_label(arch);
    for (what, members) in groups.values() {
        let foreign: Vec<&Member> = members.iter().filter(|m| !fits(m, arch)).collect();
        // Only groups that name platforms matter (untagged files alone are ordinary builds).
        if foreign.is_empty() || members.iter().all(|m| m.platform.is_none()) {
            continue;
        }
        let used: Vec<&str> = {
            let mut v: Vec<&str> = members
                .iter()
                .filter(|m| fits(m, arch))
                .map(|m| inv.objects[m.id].path.as_str())
                .collect();
            v.sort();
            v
        };
        for m in foreign {
            let path = &inv.objects[m.id].path;
            let label = platform_of(m);
            if !used.is_empty() {
                out.unused.insert(m.id);
                out.findings.push(
                    Finding::new(Code::RuntimeBuildNotUsed, path)
                        .subject(&label)
                        .message(format!(
                            "build for {label}, one of {what}; the target ({target}) loads {} instead",
                            used[0]
                        ))
                        .why("packages ship a build per platform side by side and the loader picks the one for the running system: this one is never opened on the target, so its own needs (another C library, architecture or OS) do not matter")
                        .fix("nothing to do; leave it out of the image to save space if you like")
                        .evidence("platform", &label)
                        .evidence("target_platform", &target)
                        .evidence("used_build", used.join(",")),
                );
            } else {
                out.findings.push(
                    Finding::new(Code::RuntimeBuildOtherPlatformOnly, path)
                        .subject(&label)
                        .message(format!(
                            "build for {label}, one of {what}, none of which is for the target ({target})"
                        ))
                        .why(if label.contains("musl") {
                            "the package carries only builds for musl libc (an Alpine install copied over): a glibc system cannot load them, and there is no glibc build to fall back to"
                        } else {
                            "the package carries only builds for other platforms: the loader finds nothing it can load on the target"
                        })
                        .fix(match crate::inventory::archives::archive_of(path) {
                            Some(archive) => format!(
                                "upgrade the library of {archive} to a release that ships a native build for {target}, or configure its pure-Java fallback if it has one"
                            ),
                            None => format!(
                                "reinstall the package on the target (npm ci, pip install) so that its build for {target} is installed, or add that build"
                            ),
                        })
                        .evidence("platform", &label)
                        .evidence("target_platform", &target),
                );
            }
        }
    }
    out
}

/// The platform of a member as findings show it (`linux-x64/node.napi.musl.node`, `musl` when
/// only its content says so).
fn platform_of(m: &Member) -> String {
    match (&m.platform, m.musl_content) {
        (Some(p), true) if p.libc != Some(Libc::Musl) => {
            format!("{} (linked against musl libc)", p.label)
        }
        (Some(p), _) => p.label.clone(),
        (None, _) => "musl libc".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{Elf, scan, with_code};
    use crate::findings::Code;
    use crate::source::MemorySource;

    const AARCH64: u16 = 183;

    #[test]
    fn other_platforms_beside_the_targets_build_are_not_judged() {
        let pb = "/app/node_modules/foo/prebuilds";
        let glibc = Elf::lib("foo.node").needs("libc.so.6").bytes();
        let musl = Elf::lib("foo.node").needs("libc.musl-x86_64.so.1").bytes();
        let arm64 = Elf::lib("foo.node")
            .machine(AARCH64)
            .needs("libc.so.6")
            .bytes();
        let src = MemorySource::new()
            .file(
                &format!("{pb}/linux-x64/node.napi.glibc.node"),
                &glibc,
                0o644,
            )
            .file(&format!("{pb}/linux-x64/node.napi.musl.node"), &musl, 0o644)
            .file(
                &format!("{pb}/linux-arm64/node.napi.armv8.node"),
                &arm64,
                0o644,
            )
            // A prebuild whose name says nothing of its C library, beside the package's own
            // build (which node-gyp-build prefers): its musl content makes it an alternative.
            .file(
                "/app/node_modules/bar/build/Release/bar.node",
                &glibc,
                0o644,
            )
            .file(
                "/app/node_modules/bar/prebuilds/linux-x64/node.napi.node",
                &musl,
                0o644,
            )
            // Only the musl build of a platform package: a real break.
            .file(
                "/alpine/node_modules/@x/y-linux-x64-musl/y.node",
                &musl,
                0o644,
            );
        let r = scan(&src);
        let paths = |c: Code| -> Vec<String> {
            let mut v: Vec<String> = with_code(&r, c).iter().map(|f| f.path.clone()).collect();
            v.sort();
            v
        };
        assert_eq!(
            paths(Code::RuntimeBuildNotUsed),
            [
                "/app/node_modules/bar/prebuilds/linux-x64/node.napi.node".to_string(),
                format!("{pb}/linux-arm64/node.napi.armv8.node"),
                format!("{pb}/linux-x64/node.napi.musl.node"),
            ]
        );
        assert_eq!(
            paths(Code::RuntimeBuildOtherPlatformOnly),
            ["/alpine/node_modules/@x/y-linux-x64-musl/y.node"]
        );
        // The only missing library is the musl libc of the build that is really used.
        assert_eq!(
            paths(Code::ElfLibraryMissing),
            ["/alpine/node_modules/@x/y-linux-x64-musl/y.node"]
        );
        let judged: Vec<&str> = r.binaries.iter().map(|b| b.path.as_str()).collect();
        assert!(
            !judged
                .iter()
                .any(|p| p.contains("musl.node") || p.contains("arm64"))
        );
        // More arm64 prebuilds than x86_64 ones do not make the workload arm64: the objects
        // whose path names no platform (the package's own build here) decide.
        let mut arm = MemorySource::new().file(
            "/app/node_modules/bar/build/Release/bar.node",
            &glibc,
            0o644,
        );
        for pkg in ["foo", "baz"] {
            let d = format!("/app/node_modules/{pkg}/prebuilds");
            arm = arm
                .file(&format!("{d}/linux-x64/node.napi.node"), &glibc, 0o644)
                .file(&format!("{d}/linux-arm64/node.napi.node"), &arm64, 0o644)
                .file(&format!("{d}/android-arm64/node.napi.node"), &arm64, 0o644);
        }
        let ra = scan(&arm);
        let mut unused: Vec<&str> = with_code(&ra, Code::RuntimeBuildNotUsed)
            .iter()
            .map(|f| f.path.as_str())
            .collect();
        unused.sort();
        assert_eq!(unused.len(), 4, "{unused:?}");
        assert!(unused.iter().all(|p| p.contains("arm64")), "{unused:?}");
        let f = with_code(&r, Code::RuntimeBuildNotUsed)
            .into_iter()
            .find(|f| f.path.ends_with("armv8.node"))
            .unwrap();
        assert_eq!(
            f.evidence["used_build"],
            format!("{pb}/linux-x64/node.napi.glibc.node")
        );
        assert_eq!(f.evidence["target_platform"], "linux x86_64 glibc");
    }
}
