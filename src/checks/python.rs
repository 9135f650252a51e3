//! Python workloads against the target's Pythons (docs/findings.md, `python-*`).
//!
//! Which Pythons the target has (version, package, channel) and its glibc come from the pack
//! through `knowledge::runtimes`; what the tree holds comes from `inventory::python`.
//!
//! The interpreter that would load a file decides its fate:
//! - inside a virtual environment, the one the venv's `bin/python` leads to: a link to
//!   `/usr/bin/python3` becomes the target's default Python (3.14), whatever the venv was
//!   made with; a link to `/usr/bin/python3.9` needs that package;
//! - elsewhere, the Python the extension's tag names: the target's default one, or a
//!   `python3.X` package of the pack (sdk: unsupported), or none.

use super::Context;
use super::interface::{Area, Check, Input, Meta, Needs, Sink};
use crate::findings::{Code, Finding};
use crate::inventory::python::{Dist, ExtensionAbi, Venv};
use crate::inventory::{Node, file_name};
use crate::knowledge::runtimes::{self, Interpreter};

/// What the interpreter of a venv is on the target.
#[derive(Clone, Debug, PartialEq)]
pub enum VenvPython {
    /// `bin/python` leads to a program carried in the tree (judged as a file of its own).
    Carried(String),
    /// It leads to `path` outside the tree, which the target provides with `interpreter`.
    Target {
        path: String,
        interpreter: Interpreter,
    },
    /// It leads to `path`, which neither the tree nor any Azure Linux package provides.
    Missing { path: String },
}

/// The Python a venv runs on the target, following its `bin/python` links.
pub fn venv_python(ctx: &Context, v: &Venv) -> Option<VenvPython> {
    let inv = ctx.inv;
    let inside = |p: &str| p.starts_with(&format!("{}/", v.dir));
    let mut path = format!("{}/bin/python", v.dir);
    if !inv.nodes.contains_key(&path) {
        path = format!("{}/bin/python3", v.dir);
    }
    let mut hops = 0;
    // Follow links while they stay inside the venv; the first path outside it is what runs.
    while inside(&path) {
        match inv.nodes.get(&path) {
            Some(Node::Symlink(t)) if hops < crate::inventory::MAX_SYMLINK_HOPS => {
                hops += 1;
                path = if t.starts_with('/') {
                    t.clone()
                } else {
                    normalize(&format!("{}/{t}", crate::inventory::parent_dir(&path)))
                };
            }
            Some(Node::File(Some(_))) => return Some(VenvPython::Carried(path)),
            _ => {
                // No interpreter link: `executable`, else `home`/python3.X of pyvenv.cfg.
                path = match (&v.executable, &v.home, v.version) {
                    (Some(e), _, _) => e.clone(),
                    (None, Some(h), Some((a, b))) => {
                        format!("{}/python{a}.{b}", h.trim_end_matches('/'))
                    }
                    _ => return None,
                };
                break;
            }
        }
    }
    if let Some(id) = inv.object_at(&path)
        && inv.objects[id].carried_over()
    {
        return Some(VenvPython::Carried(path));
    }
    let pkgs = ctx.program_packages(std::slice::from_ref(&path));
    let interp = pkgs.shipped.iter().find_map(|p| {
        let all = runtimes::interpreters(ctx.pack, "python");
        all.into_iter().find(|i| i.package == p.package)
    });
    Some(match interp {
        Some(interpreter) => VenvPython::Target { path, interpreter },
        None => VenvPython::Missing { path },
    })
}

/// Where a chain of symbolic links in the tree starting at `path` leaves the tree: the first
/// path it reaches that the tree does not have (`None` when `path` is no link, or the chain
/// ends in the tree or loops).
pub fn link_leaves_tree(inv: &crate::inventory::Inventory, path: &str) -> Option<String> {
    let mut p = path.to_string();
    for hop in 0..=crate::inventory::MAX_SYMLINK_HOPS {
        match inv.nodes.get(&p) {
            Some(Node::Symlink(t)) => {
                p = if t.starts_with('/') {
                    normalize(t)
                } else {
                    normalize(&format!("{}/{t}", crate::inventory::parent_dir(&p)))
                };
            }
            None if hop > 0 && !inv.exists(&p) => return Some(p),
            _ => return None,
        }
    }
    None
}

/// Resolve `.` and `..` in an absolute path (never above `/`).
fn normalize(p: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for c in p.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    format!("/{}", parts.join("/"))
}

fn vstr(v: (u32, u32)) -> String {
    format!("{}.{}", v.0, v.1)
}

/// One venv's verdict, kept for the files inside it.
struct VenvFate<'a> {
    venv: &'a Venv,
    python: Option<VenvPython>,
    /// The venv breaks: its scripts break too.
    breaks: bool,
}

/// The check: Python extension modules, virtual environments, installed wheels and removed standard-library imports against the target's Pythons.
pub static CHECK: Check = Check {
    meta: Meta {
        id: "python-workloads",
        summary: "Python extension modules, virtual environments, installed wheels and removed standard-library imports against the target's Pythons",
        area: Area::Runtimes,
        needs: Needs::Workload,
        codes: &[
            Code::PythonExtensionAbiMismatch,
            Code::PythonExtensionSdkPython,
            Code::PythonVenvVersionChange,
            Code::PythonVenvInterpreterMissing,
            Code::PythonVenvSdkPython,
            Code::PythonVenvScript,
            Code::PythonWheelGlibcTooNew,
            Code::PythonWheelMusllinux,
            Code::PythonRemovedModule,
        ],
        reuses: &[
            Code::RuntimeBuildNotUsed,
            Code::RuntimeBuildOtherPlatformOnly,
        ],
        file: "src/checks/python.rs",
    },
    run,
};

fn run(input: &Input, out: &mut Sink) {
    if let Input::Workload { ctx } = input {
        out.extend(check(ctx));
    }
}

/// Run the Python checks.
pub fn check(ctx: &Context) -> Vec<Finding> {
    let target = ctx.pack.name_version();
    let py = &ctx.python;
    if py.venvs.is_empty()
        && py.dists.is_empty()
        && py.wheel_files.is_empty()
        && py.imports.is_empty()
        && !ctx.inv.objects.iter().any(|o| {
            o.elf().is_some()
                && crate::inventory::python::extension_abi(file_name(&o.path)).is_some()
        })
    {
        return Vec::new();
    }
    let Some(default) = runtimes::default_interpreter(ctx.pack, "python") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let fates: Vec<VenvFate> = py
        .venvs
        .iter()
        .map(|v| {
            let python = venv_python(ctx, v);
            let (findings, breaks) = venv_findings(v, python.as_ref(), &default, &target);
            out.extend(findings);
            VenvFate {
                venv: v,
                python,
                breaks,
            }
        })
        .collect();
    let venv_of = |path: &str| {
        fates
            .iter()
            .filter(|f| path.starts_with(&format!("{}/", f.venv.dir)))
            .max_by_key(|f| f.venv.dir.len())
    };
    // Extension modules.
    for o in ctx
        .inv
        .objects
        .iter()
        .filter(|o| o.carried_over() && o.elf().is_some() && !ctx.unused_build(&o.path))
    {
        let Some(abi) = crate::inventory::python::extension_abi(file_name(&o.path)) else {
            continue;
        };
        let ExtensionAbi::CPython { version, flags } = &abi else {
            // abi3: loadable by any later CPython 3; its floor is in the wheel tag (below).
            continue;
        };
        if let Some(f) = abi_finding(
            ctx,
            &o.path,
            *version,
            flags,
            &abi.tag(),
            "extension module",
            venv_of(&o.path),
            &default,
        ) {
            out.push(f);
        }
    }
    // Installed distributions.
    for d in &py.dists {
        out.extend(dist_findings(ctx, d, venv_of(&d.wheel), &default));
    }
    // Wheel files lying in the tree (installed on the target at deploy time).
    out.extend(wheel_file_findings(ctx, &default));
    // Console scripts whose `#!` runs a venv that breaks.
    for o in ctx.inv.objects.iter().filter(|o| o.carried_over()) {
        let crate::inventory::ObjectKind::Script(sb) = &o.kind else {
            continue;
        };
        let Some(f) = venv_of(&sb.interpreter).filter(|f| f.breaks) else {
            continue;
        };
        out.push(
            Finding::new(Code::PythonVenvScript, &o.path)
                .subject(&sb.interpreter)
                .message(format!(
                    "runs {} of the virtual environment {}, which will not work on {target}",
                    sb.interpreter, f.venv.dir
                ))
                .why("a console script imports its package from the venv's site-packages; the venv's own findings say why that fails")
                .fix(format!(
                    "recreate the virtual environment {} with the target's Python and reinstall its requirements; pip writes the scripts anew",
                    f.venv.dir
                ))
                .evidence("venv", &f.venv.dir)
                .evidence("interpreter", &sb.interpreter),
        );
    }
    // Removed standard-library modules.
    let removed = runtimes::removed_modules();
    for imp in &py.imports {
        let Some(r) = removed
            .iter()
            .filter(|r| imp.module == r.module || imp.module.starts_with(&format!("{}.", r.module)))
            .max_by_key(|r| r.module.len())
        else {
            continue;
        };
        if r.removed_in > default.version {
            continue;
        }
        // A backport or shim installed in the tree provides the name again.
        let top = r.module.split('.').next().unwrap_or("");
        if py.provided_modules.contains(top)
            || (top == "distutils" && py.provided_modules.contains("_distutils_hack"))
        {
            continue;
        }
        out.push(
            Finding::new(Code::PythonRemovedModule, &imp.path)
                .subject(&r.module)
                .message(format!(
                    "imports {}, which Python {} removed from the standard library ({target} has Python {})",
                    imp.module,
                    vstr(r.removed_in),
                    default.version_str()
                ))
                .why("the import fails with ModuleNotFoundError on the target's Python")
                .fix(format!("use {} instead", r.replacement))
                .evidence("line", imp.line.to_string())
                .evidence("module", &imp.module)
                .evidence("removed_in", vstr(r.removed_in))
                .evidence("deprecated_in", &r.deprecated_in)
                .evidence("reference", &r.reference)
                .evidence("source", &r.source)
                .evidence("target_python", default.version_str()),
        );
    }
    out
}

fn venv_findings(
    v: &Venv,
    python: Option<&VenvPython>,
    default: &Interpreter,
    target: &str,
) -> (Vec<Finding>, bool) {
    let made_with = v
        .version
        .map(vstr)
        .unwrap_or_else(|| "an unknown version".into());
    let base = |code: Code, subject: &str| {
        let mut f = Finding::new(code, &v.cfg)
            .subject(subject)
            .evidence("venv", &v.dir)
            .evidence("made_with", &made_with);
        if let Some(h) = &v.home {
            f = f.evidence("home", h);
        }
        f
    };
    let recreate = format!(
        "recreate the virtual environment with the target's Python {} (`python3 -m venv {}`) and reinstall its requirements (`pip install -r requirements.txt`); do not copy a venv between hosts",
        default.version_str(),
        v.dir
    );
    match python {
        None | Some(VenvPython::Carried(_)) => (Vec::new(), false),
        Some(VenvPython::Missing { path }) => (
            vec![
                base(Code::PythonVenvInterpreterMissing, path)
                    .message(format!(
                        "the virtual environment runs {path}, which neither the tree nor any {target} package provides"
                    ))
                    .why("a venv holds no interpreter of its own: bin/python is a link to the Python it was made with")
                    .fix(recreate)
                    .evidence("interpreter", path),
            ],
            true,
        ),
        Some(VenvPython::Target { path, interpreter }) => {
            match v.version {
                Some(made) if made != interpreter.version => (
                    vec![
                        base(Code::PythonVenvVersionChange, path)
                            .message(format!(
                                "the virtual environment was made with Python {made_with}, but {path} is Python {} on {target}",
                                interpreter.version_str()
                            ))
                            .why(format!(
                                "Python {} looks for packages in lib/python{}/site-packages, not in the venv's lib/python{made_with}: every installed package is missing, and compiled modules are built for {made_with}",
                                interpreter.version_str(),
                                interpreter.version_str()
                            ))
                            .fix(recreate)
                            .evidence("interpreter", path)
                            .evidence("target_python", interpreter.version_str())
                            .evidence("package", &interpreter.package),
                    ],
                    true,
                ),
                _ if !interpreter.channel.supported() => (
                    vec![
                        base(Code::PythonVenvSdkPython, path)
                            .message(format!(
                                "the virtual environment runs {path} (Python {}), which {target} has only in the unsupported {} channel ({})",
                                interpreter.version_str(),
                                interpreter.channel.as_str(),
                                interpreter.package
                            ))
                            .why("sdk packages are built but not supported")
                            .fix(format!(
                                "install {} knowingly, or {recreate}",
                                interpreter.package
                            ))
                            .evidence("interpreter", path)
                            .evidence("package", &interpreter.package)
                            .evidence("channel", interpreter.channel.as_str()),
                    ],
                    false,
                ),
                _ => (Vec::new(), false),
            }
        }
    }
}

/// The finding for something built for CPython `version` (an extension module or a
/// distribution's wheel tag), if it will not load where it is.
#[allow(clippy::too_many_arguments)]
fn abi_finding(
    ctx: &Context,
    path: &str,
    version: (u32, u32),
    flags: &str,
    tag: &str,
    what: &str,
    venv: Option<&VenvFate>,
    default: &Interpreter,
) -> Option<Finding> {
    let target = ctx.pack.name_version();
    let built = format!("{}{flags}", vstr(version));
    let fix_rebuild = format!(
        "install a build of it for Python {} (a `cp{}{}` wheel, or build it from source against python3-devel)",
        default.version_str(),
        default.version.0,
        default.version.1
    );
    let base = |code: Code| {
        Finding::new(code, path)
            .subject(tag)
            .evidence("built_for", format!("CPython {built}"))
            .evidence("target_python", default.version_str())
    };
    // Inside a venv: the venv's interpreter loads it.
    if let Some(VenvFate {
        venv: v,
        python:
            Some(VenvPython::Target {
                path: ipath,
                interpreter,
            }),
        ..
    }) = venv
    {
        if interpreter.version == version && flags.is_empty() {
            return (!interpreter.channel.supported()).then(|| {
                base(Code::PythonExtensionSdkPython)
                    .message(format!(
                        "{what} built for CPython {built}; the virtual environment {} runs it with {} from the unsupported {} channel",
                        v.dir, interpreter.package, interpreter.channel.as_str()
                    ))
                    .why("sdk packages are built but not supported")
                    .fix(format!("install {} knowingly, or {fix_rebuild}", interpreter.package))
                    .evidence("venv", &v.dir)
                    .evidence("package", &interpreter.package)
                    .evidence("channel", interpreter.channel.as_str())
            });
        }
        return Some(
            base(Code::PythonExtensionAbiMismatch)
                .message(format!(
                    "{what} built for CPython {built}; the virtual environment {} runs {ipath}, which is Python {} on {target} and cannot import it",
                    v.dir,
                    interpreter.version_str()
                ))
                .why("an extension module tagged for one CPython version is not imported by another (only abi3 builds carry over)")
                .fix(fix_rebuild)
                .evidence("venv", &v.dir)
                .evidence("interpreter", ipath),
        );
    }
    if let Some(VenvFate {
        python: Some(VenvPython::Carried(_)),
        ..
    }) = venv
    {
        // The venv's interpreter moves with the tree and is judged as a file.
        return None;
    }
    if version == default.version && flags.is_empty() {
        return None;
    }
    let alt = runtimes::interpreter_for(ctx.pack, "python", version).filter(|_| flags.is_empty());
    Some(match alt {
        Some(i) if i.channel.supported() => return None,
        Some(i) => base(Code::PythonExtensionSdkPython)
            .message(format!(
                "{what} built for CPython {built}: Python {} (the target's python3) cannot import it; only {} from the unsupported {} channel can",
                default.version_str(),
                i.package,
                i.channel.as_str()
            ))
            .why("an extension module tagged for one CPython version is not imported by another (only abi3 builds carry over)")
            .fix(format!("{fix_rebuild}; or install {} knowingly and run it with python{}", i.package, i.version_str()))
            .evidence("package", &i.package)
            .evidence("channel", i.channel.as_str()),
        None => base(Code::PythonExtensionAbiMismatch)
            .message(format!(
                "{what} built for CPython {built}: Python {} (the target's python3) cannot import it, and no {target} package ships Python {built}",
                default.version_str()
            ))
            .why("an extension module tagged for one CPython version is not imported by another (only abi3 builds carry over)")
            .fix(fix_rebuild),
    })
}

/// The platform a wheel tag needs: `Some((glibc major, minor))` for manylinux, `None` for
/// musllinux (`Err`), others not judged.
enum Plat {
    Any,
    Glibc((u32, u32)),
    Musl,
    Other,
}

fn platform(plat: &str) -> Plat {
    if plat == "any" {
        return Plat::Any;
    }
    for (legacy, v) in [
        ("manylinux1_", (2, 5)),
        ("manylinux2010_", (2, 12)),
        ("manylinux2014_", (2, 17)),
    ] {
        if plat.starts_with(legacy) {
            return Plat::Glibc(v);
        }
    }
    if let Some(rest) = plat.strip_prefix("manylinux_") {
        let mut it = rest.splitn(3, '_');
        if let (Some(a), Some(b)) = (it.next(), it.next())
            && let (Ok(a), Ok(b)) = (a.parse(), b.parse())
        {
            return Plat::Glibc((a, b));
        }
    }
    if plat.starts_with("musllinux_") {
        return Plat::Musl;
    }
    Plat::Other
}

fn dist_findings(
    ctx: &Context,
    d: &Dist,
    venv: Option<&VenvFate>,
    default: &Interpreter,
) -> Vec<Finding> {
    let target = ctx.pack.name_version();
    let mut out = Vec::new();
    if d.tags.is_empty() {
        return out;
    }
    let subject = format!("{} {}", d.name, d.version);
    let tags = d.tags.join(" ");
    let glibc = runtimes::glibc_version(ctx.pack);
    // Platform: the distribution installs if any of its tags fits.
    let plats: Vec<Plat> = d
        .tags
        .iter()
        .filter_map(|t| t.rsplit('-').next())
        .map(platform)
        .collect();
    let fits = plats.iter().any(|p| match p {
        Plat::Any | Plat::Other => true,
        Plat::Glibc(v) => glibc.is_none_or(|g| *v <= g),
        Plat::Musl => false,
    });
    if !fits {
        let needs = plats
            .iter()
            .filter_map(|p| match p {
                Plat::Glibc(v) => Some(*v),
                _ => None,
            })
            .min();
        let f = match (needs, glibc) {
            (Some(n), Some(g)) => Finding::new(Code::PythonWheelGlibcTooNew, &d.wheel)
                .subject(&subject)
                .message(format!(
                    "{subject} is a wheel for glibc {} or later; {target} has glibc {}",
                    vstr(n),
                    vstr(g)
                ))
                .why("a manylinux_X_Y wheel's compiled code needs at least glibc X.Y")
                .fix(format!(
                    "install a build of {} for an older manylinux tag (manylinux_2_{} or lower)",
                    d.name, g.1
                ))
                .evidence("glibc_needed", vstr(n))
                .evidence("target_glibc", vstr(g)),
            _ => Finding::new(Code::PythonWheelMusllinux, &d.wheel)
                .subject(&subject)
                .message(format!(
                    "{subject} is a musllinux wheel: its compiled code is built for musl libc, and {target} uses glibc"
                ))
                .why("musllinux wheels link against libc.musl, which a glibc system does not have")
                .fix(format!("install the manylinux build of {}", d.name)),
        };
        out.push(f.evidence("tags", &tags));
    }
    // ABI: cpXY tags; abi3 with its floor; none (pure Python or no CPython ABI).
    let mut abi3_floor: Option<(u32, u32)> = None;
    let mut cp: Option<(u32, u32, String)> = None;
    let mut other = false;
    for t in &d.tags {
        let mut parts = t.split('-');
        let (Some(pyt), Some(abi)) = (parts.next(), parts.next()) else {
            continue;
        };
        let pyv = pyt.strip_prefix("cp").and_then(cp_version);
        if abi == "abi3" {
            if let Some(v) = pyv {
                abi3_floor = Some(abi3_floor.map_or(v, |f: (u32, u32)| f.min(v)));
            }
        } else if let Some(rest) = abi.strip_prefix("cp") {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            let flags: String = rest[digits.len()..].chars().filter(|c| *c != 'm').collect();
            if let Some(v) = cp_version(&digits) {
                cp = Some((v.0, v.1, flags));
            }
        } else {
            other = true;
        }
    }
    if other {
        return out;
    }
    if let Some(floor) = abi3_floor {
        if floor > default.version {
            out.push(
                Finding::new(Code::PythonExtensionAbiMismatch, &d.wheel)
                    .subject(format!("abi3 cp{}{}", floor.0, floor.1))
                    .message(format!(
                        "{subject} uses the stable ABI from Python {} on; {target} has Python {}",
                        vstr(floor),
                        default.version_str()
                    ))
                    .why("an abi3 build loads only in CPython versions at or above its floor")
                    .fix(format!(
                        "install a build of {} for Python {}",
                        d.name,
                        default.version_str()
                    ))
                    .evidence("tags", &tags),
            );
        }
        return out;
    }
    if let Some((a, b, flags)) = cp
        && let Some(f) = abi_finding(
            ctx,
            &d.wheel,
            (a, b),
            &flags,
            &format!("cpython-{a}{b}{flags}"),
            &format!("distribution {subject}"),
            venv,
            default,
        )
    {
        out.push(f.evidence("tags", &tags).evidence("distribution", &subject));
    }
    out
}

/// The OS and architecture a wheel's platform tag is for, when it is not Linux on the target's
/// architecture (`macosx_11_0_arm64`, `win_amd64`, `manylinux2014_aarch64` on x86_64); `None`
/// for `any` and for Linux tags of the target's architecture.
fn wheel_foreign_platform(plat: &str, arch: &str) -> Option<String> {
    if plat == "any" {
        return None;
    }
    let linux_arch = ["manylinux1_", "manylinux2010_", "manylinux2014_", "linux_"]
        .iter()
        .find_map(|p| plat.strip_prefix(p))
        .or_else(|| {
            ["manylinux_", "musllinux_"].iter().find_map(|p| {
                let rest = plat.strip_prefix(p)?;
                rest.splitn(3, '_').nth(2)
            })
        });
    match linux_arch {
        Some(a) if a == arch => None,
        Some(a) => Some(format!("linux {a}")),
        None => Some(plat.to_string()),
    }
}

/// Wheel files lying in the tree (`/opt/app/wheels/`, `vendor/`), judged by the tags of their
/// names as pip on the target would: the wheels of one project in one directory are
/// alternatives (pip picks the one that fits); when one fits, the others are
/// `runtime-build-not-used`; when none does, each says why (the Python, glibc and musl codes
/// of installed distributions, or `runtime-build-other-platform-only` for macOS, Windows or
/// another architecture).
fn wheel_file_findings(ctx: &Context, default: &Interpreter) -> Vec<Finding> {
    use std::collections::BTreeMap;
    let arch = ctx.arch.as_str();
    let target = format!("linux {arch} glibc");
    let mut groups: BTreeMap<(String, String), Vec<&Dist>> = BTreeMap::new();
    for d in &ctx.python.wheel_files {
        let project = d.name.to_ascii_lowercase().replace(['-', '.'], "_");
        groups
            .entry((crate::inventory::parent_dir(&d.wheel), project))
            .or_default()
            .push(d);
    }
    let mut out = Vec::new();
    for wheels in groups.values() {
        let judged: Vec<(&Dist, Vec<Finding>, Option<String>)> = wheels
            .iter()
            .map(|d| {
                let foreign = d
                    .tags
                    .iter()
                    .filter_map(|t| t.rsplit('-').next())
                    .map(|p| wheel_foreign_platform(p, arch))
                    .collect::<Vec<_>>();
                // The wheel is for another platform when none of its tags is for the target's.
                let other = if foreign.iter().any(Option::is_none) {
                    None
                } else {
                    foreign.into_iter().flatten().next()
                };
                (*d, dist_findings(ctx, d, None, default), other)
            })
            .collect();
        let fitting: Vec<&str> = judged
            .iter()
            .filter(|(_, f, o)| f.is_empty() && o.is_none())
            .map(|(d, _, _)| d.wheel.as_str())
            .collect();
        for (d, findings, other) in judged {
            if findings.is_empty() && other.is_none() {
                continue;
            }
            let label = other.clone().unwrap_or_else(|| {
                let mut plats: Vec<&str> =
                    d.tags.iter().filter_map(|t| t.rsplit('-').next()).collect();
                plats.dedup();
                plats.join(" ")
            });
            if let Some(used) = fitting.first() {
                out.push(
                    Finding::new(Code::RuntimeBuildNotUsed, &d.wheel)
                        .subject(&label)
                        .message(format!(
                            "wheel {} of {} {} that does not install on the target ({target}); pip installs {used} instead",
                            label, d.name, d.version
                        ))
                        .why("an install bundle carries one wheel per platform and Python; pip picks the one whose tags fit the running system and never opens the others")
                        .fix("nothing to do; leave it out of the bundle to save space if you like")
                        .evidence("platform", &label)
                        .evidence("target_platform", &target)
                        .evidence("used_build", fitting.join(",")),
                );
            } else if !findings.is_empty() {
                out.extend(findings);
            } else {
                out.push(
                    Finding::new(Code::RuntimeBuildOtherPlatformOnly, &d.wheel)
                        .subject(&label)
                        .message(format!(
                            "wheel of {} {} for {label}, and no wheel of it in {} is for the target ({target})",
                            d.name,
                            d.version,
                            crate::inventory::parent_dir(&d.wheel)
                        ))
                        .why("pip on the target finds no wheel whose platform tag fits and fails with 'no matching distribution' (or builds from source, when a source archive is there)")
                        .fix(format!(
                            "add the wheel of {} for {target} (pip download --platform manylinux2014_{arch} --only-binary=:all:), or a pure-Python build",
                            d.name
                        ))
                        .evidence("platform", &label)
                        .evidence("target_platform", &target),
                );
            }
        }
    }
    out
}

/// `39` -> (3, 9); `314` -> (3, 14).
fn cp_version(d: &str) -> Option<(u32, u32)> {
    if d.len() < 2 || !d.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    Some((d[..1].parse().ok()?, d[1..].parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wheel_platforms_for_the_target() {
        let f = |p: &str| wheel_foreign_platform(p, "x86_64");
        assert_eq!(f("any"), None);
        assert_eq!(f("manylinux_2_28_x86_64"), None);
        assert_eq!(f("manylinux2014_x86_64"), None);
        assert_eq!(f("musllinux_1_2_x86_64"), None);
        assert_eq!(f("linux_x86_64"), None);
        assert_eq!(f("manylinux2014_aarch64").as_deref(), Some("linux aarch64"));
        assert_eq!(
            f("manylinux_2_17_aarch64").as_deref(),
            Some("linux aarch64")
        );
        assert_eq!(f("macosx_11_0_arm64").as_deref(), Some("macosx_11_0_arm64"));
        assert_eq!(f("win_amd64").as_deref(), Some("win_amd64"));
    }

    #[test]
    fn platform_tags() {
        assert!(matches!(
            platform("manylinux2014_x86_64"),
            Plat::Glibc((2, 17))
        ));
        assert!(matches!(
            platform("manylinux_2_28_x86_64"),
            Plat::Glibc((2, 28))
        ));
        assert!(matches!(platform("manylinux1_x86_64"), Plat::Glibc((2, 5))));
        assert!(matches!(platform("musllinux_1_1_x86_64"), Plat::Musl));
        assert!(matches!(platform("any"), Plat::Any));
        assert!(matches!(platform("linux_x86_64"), Plat::Other));
    }

    #[test]
    fn paths_normalize() {
        assert_eq!(normalize("/opt/v/bin/../../x"), "/opt/x");
        assert_eq!(normalize("/../a/./b"), "/a/b");
        assert_eq!(cp_version("39"), Some((3, 9)));
        assert_eq!(cp_version("314"), Some((3, 14)));
    }
}
