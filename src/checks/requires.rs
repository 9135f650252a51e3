//! Requirements of third-party packages (installed, or `.rpm` files in the tree), resolved
//! against what the target provides: Azure Linux packages (names, explicit Provides, sonames
//! with `()(64bit)`, symbol versions such as `libc.so.6(GLIBC_2.34)(64bit)`, files with
//! /usr/sbin merged into /usr/bin), the other packages that move, and `rpmlib(...)` features of
//! the target's RPM. Rich dependencies are evaluated as rpm does.

use super::Context;
use super::interface::{Area, Check, Input, Meta, Needs, Output, Sink};
use crate::engine::richdep::{self, Cmp, Simple};
use crate::findings::{Code, Finding};
use crate::inventory::ownership::Origin;
use crate::inventory::packages::{Dependency, InstalledPackage, Manager, Op};
use crate::knowledge::evr::evr_cmp;
use crate::knowledge::source_distros::rpmlib_provides;
use std::collections::BTreeSet;

/// The check: the requirements of third-party rpm packages against the target.
pub static CHECK: Check = Check {
    meta: Meta {
        id: "requires",
        summary: "requirements (rich dependencies, rpmlib features) of third-party rpm packages",
        area: Area::Packages,
        needs: Needs::Packages,
        codes: &[Code::PkgRequirementUnsatisfied, Code::PkgRpmlibUnsupported],
        reuses: &[],
        file: "src/checks/requires.rs",
    },
    run,
};

fn run(input: &Input, out: &mut Sink) {
    if let Input::Packages { ctx, input } = input {
        let (findings, pulls) = check(ctx, input.packages, input.origins);
        out.extend(findings);
        for set in pulls {
            out.output(Output::Install(set));
        }
    }
}

/// RPMSENSE_RPMLIB: an `rpmlib(...)` feature requirement.
const SENSE_RPMLIB: u32 = 1 << 24;
/// RPMSENSE_MISSINGOK: a weak requirement (Recommends stored as Requires by old rpm).
const SENSE_MISSINGOK: u32 = 1 << 19;

/// Check every requirement of every third-party rpm package. Returns the findings and, per
/// package index, the Azure Linux packages its requirements pull in.
fn check(
    ctx: &Context,
    packages: &[InstalledPackage],
    origins: &[Origin],
) -> (Vec<Finding>, Vec<BTreeSet<String>>) {
    let moving: Vec<&InstalledPackage> = packages
        .iter()
        .zip(origins)
        .filter(|(p, o)| **o == Origin::ThirdParty && p.manager != Manager::Dpkg)
        .map(|(p, _)| p)
        .collect();
    let mut findings = Vec::new();
    let mut pulls = vec![BTreeSet::new(); packages.len()];
    for (i, (p, o)) in packages.iter().zip(origins).enumerate() {
        if *o != Origin::ThirdParty || p.manager == Manager::Dpkg {
            continue;
        }
        let mut seen = BTreeSet::new();
        for dep in &p.requires {
            // Weak requirements, repeats, and empty names (seen in legacy v3 headers) need nothing.
            if dep.flags & SENSE_MISSINGOK != 0
                || dep.name.trim().is_empty()
                || !seen.insert(dep.clone())
            {
                continue;
            }
            let constraint = match (dep.op, &dep.version) {
                (Some(op), Some(v)) if !v.is_empty() => Some((cmp_of(op), v.clone())),
                _ => None,
            };
            let parsed = match richdep::parse(&dep.name, constraint) {
                Ok(d) => d,
                Err(e) => {
                    findings.push(requirement_finding(
                        ctx,
                        p,
                        dep,
                        &format!("unparsable rich dependency: {e}"),
                    ));
                    continue;
                }
            };
            let mut oracle = |s: &Simple| provides(ctx, p, &moving, s, dep.flags);
            let outcome = richdep::evaluate(&parsed, &mut oracle);
            if outcome.satisfied {
                pulls[i].extend(
                    outcome
                        .by
                        .into_iter()
                        .filter_map(|b| b.strip_prefix("azl:").map(str::to_string)),
                );
            } else {
                let what = outcome.missing.join("; ");
                findings.push(requirement_finding(ctx, p, dep, &what));
            }
        }
    }
    (findings, pulls)
}

fn cmp_of(op: Op) -> Cmp {
    match op {
        Op::Lt => Cmp::Lt,
        Op::Le => Cmp::Le,
        Op::Eq => Cmp::Eq,
        Op::Ge => Cmp::Ge,
        Op::Gt => Cmp::Gt,
    }
}

fn dep_text(dep: &Dependency) -> String {
    match (dep.op, &dep.version) {
        (Some(op), Some(v)) => format!("{} {} {v}", dep.name, op.as_str()),
        _ => dep.name.clone(),
    }
}

fn requirement_finding(
    ctx: &Context,
    p: &InstalledPackage,
    dep: &Dependency,
    missing: &str,
) -> Finding {
    let target = ctx.pack.name_version();
    let text = dep_text(dep);
    if dep.name.starts_with("rpmlib(") {
        return Finding::new(Code::PkgRpmlibUnsupported, &p.location)
            .subject(format!("{} requires {text}", p.name))
            .message(format!(
                "{} requires the RPM feature {text}, which the RPM of {target} does not provide",
                p.name
            ))
            .why("rpm refuses to install a package that needs an rpmlib() feature it lacks")
            .fix(format!("rebuild {} with the RPM of {target}", p.name))
            .evidence("package", &p.name)
            .evidence("requirement", text);
    }
    let mut fix = format!(
        "install or carry a package that provides {missing}, or rebuild {} without this requirement",
        p.name
    );
    if let Some(name) = dep.name.split('(').next().filter(|n| n.contains(".so.")) {
        let alts = ctx.pack.soname_alternatives(name);
        if let Some((s, pr)) = alts.first() {
            fix = format!(
                "rebuild {} against {s} ({}) that {target} ships, or carry {name} with it",
                p.name, pr.package
            );
        }
    }
    Finding::new(Code::PkgRequirementUnsatisfied, &p.location)
        .subject(format!("{} requires {text}", p.name))
        .message(format!("{} requires {text}; nothing on {target} provides {missing}", p.name))
        .why("dnf refuses to install a package whose requirements cannot be resolved, and the software may not run without them")
        .fix(fix)
        .evidence("package", &p.name)
        .evidence("requirement", text)
        .evidence("missing", missing)
}

/// Who provides one simple capability: the package itself, another moving package, the target's
/// RPM (`rpmlib`), or Azure Linux packages (as `azl:NAME`).
fn provides(
    ctx: &Context,
    me: &InstalledPackage,
    moving: &[&InstalledPackage],
    s: &Simple,
    flags: u32,
) -> Vec<String> {
    let name = s.name.as_str();
    if name.starts_with("rpmlib(") || flags & SENSE_RPMLIB != 0 && name.starts_with("rpmlib") {
        return if rpmlib_provides(name) {
            vec!["rpm".into()]
        } else {
            Vec::new()
        };
    }
    // The package itself and the other packages that move.
    for p in std::iter::once(&me).chain(moving.iter()) {
        if package_provides(p, s) {
            return vec![format!("pkg:{}", p.name)];
        }
    }
    azl_provides(ctx, s)
        .into_iter()
        .map(|n| format!("azl:{n}"))
        .collect()
}

fn package_provides(p: &InstalledPackage, s: &Simple) -> bool {
    let name = strip_arch(&s.name);
    if name == p.name && version_ok(&p.evr(), &s.constraint) {
        return true;
    }
    if s.name.starts_with('/') {
        let n = crate::knowledge::names::normalize_path(&s.name);
        return p
            .files
            .iter()
            .any(|f| *f == s.name || crate::knowledge::names::normalize_path(f) == n);
    }
    p.provides.iter().any(|d| {
        strip_arch(&d.name) == name
            && match (&s.constraint, &d.version) {
                (None, _) => true,
                (Some(_), None) => true,
                (Some(_), Some(v)) => version_ok(v, &s.constraint),
            }
    })
}

/// `foo(x86-64)` -> `foo` (arch-qualified self provides).
fn strip_arch(name: &str) -> &str {
    for suffix in ["(x86-64)", "(aarch-64)"] {
        if let Some(n) = name.strip_suffix(suffix) {
            return n;
        }
    }
    name
}

/// Whether a provided `[E:]V[-R]` satisfies a required constraint.
fn version_ok(provided: &str, constraint: &Option<(Cmp, String)>) -> bool {
    let Some((cmp, want)) = constraint else {
        return true;
    };
    let split = |s: &str| -> (u32, String, String) {
        let (e, rest) = match s.split_once(':') {
            Some((e, r)) if e.chars().all(|c| c.is_ascii_digit()) => (e.parse().unwrap_or(0), r),
            _ => (0, s),
        };
        match rest.rsplit_once('-') {
            Some((v, r)) => (e, v.to_string(), r.to_string()),
            None => (e, rest.to_string(), String::new()),
        }
    };
    let (pe, pv, pr) = split(provided);
    let (we, wv, wr) = split(want);
    // A requirement without release matches any release.
    let pr = if wr.is_empty() { String::new() } else { pr };
    cmp.accepts(evr_cmp((pe, &pv, &pr), (we, &wv, &wr)))
}

/// Azure Linux packages that provide a simple capability.
fn azl_provides(ctx: &Context, s: &Simple) -> Vec<String> {
    let pack = ctx.pack;
    let shipped = |n: &str| pack.package(n).is_none_or(|p| p.channel.shipped());
    let name = s.name.as_str();
    // Files.
    if name.starts_with('/') {
        return pack
            .path_providers(name)
            .into_iter()
            .map(|p| p.package.to_string())
            .filter(|n| shipped(n))
            .collect();
    }
    // Sonames: `libfoo.so.1()(64bit)`, `libc.so.6(GLIBC_2.34)(64bit)`.
    if let Some((soname, rest)) = name.split_once('(')
        && soname.contains(".so")
    {
        let node = rest.split(')').next().unwrap_or("");
        let arch = if name.ends_with("(64bit)") {
            ctx.arch.as_str()
        } else {
            ""
        };
        let providers: Vec<String> = pack
            .soname_providers(soname)
            .into_iter()
            .map(|p| p.package.to_string())
            .filter(|n| shipped(n))
            .collect();
        if providers.is_empty() || node.is_empty() || arch.is_empty() {
            return providers;
        }
        return match pack.version_nodes(soname, arch) {
            Some(vn) if !vn.nodes.contains(node) => Vec::new(),
            _ => providers,
        };
    }
    let bare = strip_arch(name);
    let mut out = Vec::new();
    if let Some(p) = pack.package(bare).filter(|p| p.channel.shipped())
        && version_ok(&p.evr(), &s.constraint)
    {
        out.push(p.name.to_string());
    }
    for c in pack.capabilities(bare) {
        if c.kind == "obsoletes" || !shipped(c.package) {
            continue;
        }
        let ok =
            s.constraint.is_none() || c.version.is_empty() || version_ok(c.version, &s.constraint);
        if ok && !out.iter().any(|o| o == c.package) {
            out.push(c.package.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_with_rpm_rules() {
        let ge = |v: &str| Some((Cmp::Ge, v.to_string()));
        assert!(version_ok("1:3.5.4-3.azl4", &ge("1:3.0")));
        assert!(!version_ok("3.5.4-3.azl4", &ge("1:1.0")));
        assert!(version_ok("2.42-10.azl4", &Some((Cmp::Eq, "2.42".into()))));
        assert!(!version_ok("2.42-10.azl4", &Some((Cmp::Lt, "2.17".into()))));
        assert_eq!(strip_arch("bash(x86-64)"), "bash");
    }
}
