//! A container image's config judged like a unit (docs/images.md): the program its
//! `Entrypoint` (else `Cmd`) starts must exist on the target, carried over in the image or
//! installed by an Azure Linux package, and must not break; its `Env` `LD_LIBRARY_PATH` is what
//! every process of the container inherits, so the loader model uses it.

use super::interface::{Area, Check, Input, Meta, Needs, Output, Sink};
use super::launch_env::LaunchEnv;
use super::provided::{Provided, package_findings};
use super::{Context, Judged, Verdict};
use crate::findings::{Code, Finding};
use crate::inventory::ObjectKind;
use crate::inventory::ownership::Ownership;
use crate::inventory::systemd::{self, Found};
use crate::source::Source;
use crate::source::image::RunConfig;
use std::collections::{BTreeSet, HashMap};

/// The check: the program a container image starts (Entrypoint, else Cmd).
pub static CHECK: Check = Check {
    meta: Meta {
        id: "image-entrypoint",
        summary: "the program a container image's Entrypoint or Cmd starts",
        // What the container starts, judged like a unit's ExecStart.
        area: Area::Units,
        needs: Needs::Image,
        codes: &[
            Code::ImageEntrypointMissing,
            Code::ImageEntrypointFromPackage,
            Code::ImageEntrypointSdkOnly,
            Code::ImageEntrypointBreaks,
        ],
        reuses: &[],
        file: "src/checks/image_config.rs",
    },
    run,
};

fn run(input: &Input, out: &mut Sink) {
    if let Input::Image {
        ctx,
        source,
        judged,
        own,
        config,
    } = input
    {
        let (findings, packages) = check(ctx, *source, judged, own, config);
        out.extend(findings);
        if !packages.is_empty() {
            out.output(Output::Packages(packages));
        }
    }
}

/// The `PATH` of a container whose config sets none (what Docker and Podman give it).
const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// The value of `NAME=` in the config's `Env`.
pub fn env<'a>(config: &'a RunConfig, name: &str) -> Option<&'a str> {
    config
        .env
        .iter()
        .flatten()
        .filter_map(|e| e.split_once('='))
        .rfind(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Every carried-over ELF object is started with the image's `LD_LIBRARY_PATH` (a process of
/// the container inherits the config's `Env`); settings found in the tree (units, launchers)
/// come first, as they are more specific.
pub fn add_launch_env(ctx: &mut Context, config: &RunConfig) {
    let Some(value) = env(config, "LD_LIBRARY_PATH") else {
        return;
    };
    let e = LaunchEnv {
        set_by: "image config (Env LD_LIBRARY_PATH)".into(),
        value: value.to_string(),
    };
    if e.dirs().is_empty() {
        return;
    }
    for (id, o) in ctx.inv.objects.iter().enumerate() {
        if matches!(o.kind, ObjectKind::Elf(_)) && o.carried_over() {
            let v = ctx.launch.entry(id).or_default();
            if !v.contains(&e) {
                v.push(e.clone());
            }
        }
    }
}

/// The program the container starts: the first word of `Entrypoint`, else of `Cmd`, with the
/// key it came from.
fn start(config: &RunConfig) -> Option<(&'static str, &str)> {
    if let Some(p) = config.entrypoint.as_ref().and_then(|e| e.first()) {
        return Some(("Entrypoint", p));
    }
    config
        .cmd
        .as_ref()
        .and_then(|c| c.first())
        .map(|p| ("Cmd", p.as_str()))
}

/// Judge the program the image starts; returns the findings and the packages to install.
fn check(
    ctx: &Context,
    source: &dyn Source,
    judged: &[Judged],
    own: &Ownership,
    config: &RunConfig,
) -> (Vec<Finding>, BTreeSet<String>) {
    let mut packages = BTreeSet::new();
    let Some((key, word)) = start(config) else {
        return (Vec::new(), packages);
    };
    if word.is_empty() || word.starts_with('$') {
        return (Vec::new(), packages);
    }
    let path_var = env(config, "PATH").unwrap_or(DEFAULT_PATH);
    let candidates: Vec<String> = if word.starts_with('/') {
        vec![word.to_string()]
    } else if word.contains('/') {
        let wd = config.working_dir.as_deref().unwrap_or("/");
        vec![format!("{}/{word}", wd.trim_end_matches('/'))]
    } else {
        path_var
            .split(':')
            .filter(|d| d.starts_with('/'))
            .map(|d| format!("{}/{word}", d.trim_end_matches('/')))
            .collect()
    };
    let target = ctx.pack.name_version();
    let base = |code: Code, path: &str| {
        Finding::new(code, path)
            .subject(word)
            .evidence("program", word)
            .evidence("key", key)
    };
    let by_id: HashMap<_, _> = judged.iter().map(|j| (j.id, j)).collect();
    let mut owned_in_tree = false;
    for c in &candidates {
        let Found::File(real, id) = systemd::lookup(source, ctx.inv, c) else {
            continue;
        };
        let carried = match id {
            Some(i) => ctx.inv.objects[i].carried_over(),
            None => !own.owns(&real),
        };
        if !carried {
            owned_in_tree = true;
            continue;
        }
        let Some(j) = id.and_then(|i| by_id.get(&i)) else {
            return (Vec::new(), packages);
        };
        packages.extend(j.packages.iter().cloned());
        if j.verdict == Verdict::Breaks {
            let f = base(Code::ImageEntrypointBreaks, &real)
                .message(format!(
                    "the image's {key} runs {real}, which would break on {target}"
                ))
                .why("the container runs only if the program it starts runs; the ELF and script checks judged this one `breaks`")
                .fix(format!("fix the findings of {real} first"))
                .evidence("resolved", &real)
                .evidence("program_verdict", j.verdict.as_str());
            return (vec![f], packages);
        }
        return (Vec::new(), packages);
    }
    let found = ctx.program_packages(&candidates);
    let shown = candidates
        .first()
        .cloned()
        .unwrap_or_else(|| word.to_string());
    let Some(best) = found.shipped.first() else {
        let why = found.absent_reason(&target, word);
        let was = if owned_in_tree {
            "; in the image it belongs to a package of the source distribution, which is replaced"
        } else {
            ""
        };
        let f = base(Code::ImageEntrypointMissing, &shown)
            .message(format!(
                "the image's {key} runs {word}, which does not exist on {target}"
            ))
            .why(format!(
                "{why}{was}; the container fails to start (exec: not found)"
            ))
            .fix("install or carry the program in the image, or change the Containerfile's ENTRYPOINT/CMD")
            .evidence("search_path", candidates.join(":"));
        return (vec![f], packages);
    };
    if ctx.pack.baseline_packages.iter().any(|b| b == best.package) {
        return (Vec::new(), packages);
    }
    let sdk = ctx
        .pack
        .package(best.package)
        .is_some_and(|p| !p.channel.supported());
    if !sdk {
        packages.insert(best.package.to_string());
    }
    let findings = package_findings(
        ctx.pack,
        Provided::ImageProgram { key, word },
        &found.shipped,
        |code| base(code, &shown),
    );
    (findings, packages)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_env_setting_counts_and_entrypoint_wins_over_cmd() {
        let c = RunConfig {
            env: Some(vec![
                "PATH=/a".into(),
                "LD_LIBRARY_PATH=/x".into(),
                "PATH=/b:/c".into(),
            ]),
            entrypoint: Some(vec!["/bin/app".into(), "-v".into()]),
            cmd: Some(vec!["serve".into()]),
            ..RunConfig::default()
        };
        assert_eq!(env(&c, "PATH"), Some("/b:/c"));
        assert_eq!(env(&c, "LD_LIBRARY_PATH"), Some("/x"));
        assert_eq!(env(&c, "HOME"), None);
        assert_eq!(start(&c), Some(("Entrypoint", "/bin/app")));
        let c = RunConfig {
            cmd: Some(vec!["serve".into()]),
            ..RunConfig::default()
        };
        assert_eq!(start(&c), Some(("Cmd", "serve")));
        assert_eq!(start(&RunConfig::default()), None);
    }
}
