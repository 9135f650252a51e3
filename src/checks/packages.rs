//! Package fate: what becomes of each installed package on Azure Linux 4.0.
//!
//! The source distribution's packages are replaced by Azure Linux packages: the same name,
//! another package that provides or obsoletes it, Debian/Ubuntu packages mapped through what
//! they ship on this host (and the pack's Debian map), a package built but unsupported, or
//! nothing. A package with no counterpart is a blocker when something that moves needs it.
//! Third-party packages move with the workload; their requirements are checked in
//! [`super::requires`].

use super::Context;
use super::interface::{Area, Check, Input as CheckInput, Meta, Needs, Output, Sink};
use crate::findings::{Code, Finding, Severity};
use crate::inventory::file_name;
use crate::inventory::ownership::Origin;
use crate::inventory::packages::{InstalledPackage, Manager};
use crate::knowledge::which::{Answer, AnswerPackage, Status};
use crate::knowledge::{Channel, Confidence};
use std::collections::{BTreeMap, BTreeSet};

pub use crate::report::model::{AzlPackage, PackageReport};

/// The check: the fate of every installed package on the target.
pub static CHECK: Check = Check {
    meta: Meta {
        id: "packages",
        summary: "the fate of each installed package: shipped, replaced, sdk only, not published, not shipped",
        area: Area::Packages,
        needs: Needs::Packages,
        codes: &[
            Code::PkgNotShipped,
            Code::PkgNotPublished,
            Code::PkgSdkOnly,
            Code::PkgReplaced,
            Code::PkgMajorVersionChange,
            Code::PkgMappingUncertain,
        ],
        reuses: &[],
        file: "src/checks/packages.rs",
    },
    run,
};

fn run(input: &CheckInput, out: &mut Sink) {
    if let CheckInput::Packages { ctx, input } = input {
        let (reports, findings) = check(ctx, input);
        out.extend(findings);
        out.output(Output::PackageReports(reports));
    }
}

/// What the packages check needs besides the context.
pub struct Input<'a> {
    pub packages: &'a [InstalledPackage],
    pub origins: &'a [Origin],
    /// Package name -> moving files or packages that need it on the source host.
    pub needed_by: &'a BTreeMap<String, BTreeSet<String>>,
}

/// Decide the fate of every package; third-party packages get `carried`.
fn check(ctx: &Context, input: &Input) -> (Vec<PackageReport>, Vec<Finding>) {
    let mut reports = Vec::new();
    let mut findings = Vec::new();
    for (p, origin) in input.packages.iter().zip(input.origins) {
        if p.name == "gpg-pubkey" {
            continue;
        }
        let needed: Vec<String> = input
            .needed_by
            .get(&p.name)
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default();
        let mut r = PackageReport {
            name: p.name.clone(),
            evr: p.evr(),
            arch: p.arch.clone(),
            manager: p.manager.as_str().to_string(),
            origin: origin.as_str().to_string(),
            location: p.location.clone(),
            fate: String::new(),
            azl_packages: Vec::new(),
            basis: String::new(),
            confidence: None,
            reason: String::new(),
            needed_by: needed,
            findings: Vec::new(),
        };
        let mut fs = if *origin == Origin::ThirdParty {
            r.fate = "carried".into();
            r.basis = "none".into();
            r.reason = if p.manager == Manager::Dpkg {
                format!(
                    "third-party Debian package: it cannot be installed on {} as it is; its files move with the workload and are judged one by one",
                    ctx.pack.target.name
                )
            } else {
                "third-party package: it moves with the workload; its requirements must resolve on the target".into()
            };
            Vec::new()
        } else {
            distro_fate(ctx, p, &mut r)
        };
        for f in &mut fs {
            if !r.needed_by.is_empty()
                && matches!(f.code, Code::PkgNotShipped | Code::PkgNotPublished)
            {
                f.severity = Severity::Blocker;
                f.evidence
                    .insert("needed_by".into(), r.needed_by.join(", "));
            }
        }
        r.findings = fs
            .iter()
            .map(|f| f.code)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        findings.extend(fs);
        reports.push(r);
    }
    (reports, findings)
}

fn azl(p: &AnswerPackage) -> AzlPackage {
    AzlPackage {
        name: p.name.clone(),
        evr: p.evr.clone(),
        channel: p.channel.as_str().to_string(),
    }
}

/// The fate of a source-distribution package.
fn distro_fate(ctx: &Context, p: &InstalledPackage, r: &mut PackageReport) -> Vec<Finding> {
    let pack = ctx.pack;
    // The source's own package machinery, renamed packages (knowledge data).
    if super::package_fate::fixed(ctx, p, r) {
        return fate_findings(ctx, p, r);
    }
    // Debian/Ubuntu: what the package ships on this host, then the pack's Debian map.
    if p.manager == Manager::Dpkg {
        if let Some(m) = host_content_mapping(ctx, p) {
            apply_answer(r, &m.answer, "host-content", Some(m.confidence), &m.reason);
        } else if let Ok(Some(m)) = pack.debian_mapping(&p.name) {
            if m.packages.is_empty() {
                r.fate = Status::NotShipped.as_str().into();
                r.basis = "debian-map".into();
                r.confidence = Some(m.confidence.as_str().into());
                r.reason = m.evidence.clone();
            } else {
                let pkgs: Vec<AzlPackage> = m
                    .packages
                    .iter()
                    .map(|n| AzlPackage {
                        name: n.clone(),
                        evr: pack.package(n).map(|k| k.evr()),
                        channel: pack
                            .package(n)
                            .map(|k| k.channel.as_str())
                            .unwrap_or("unknown")
                            .into(),
                    })
                    .collect();
                r.fate = channel_status(m.channel, m.packages[0] != p.name)
                    .as_str()
                    .into();
                r.basis = "debian-map".into();
                r.confidence = Some(m.confidence.as_str().into());
                r.reason = format!("{} ({})", m.evidence, m.method);
                r.azl_packages = pkgs;
            }
        } else {
            apply_which(ctx, p, r);
        }
    } else {
        // rpm: its own name and Provides, never the Debian map.
        super::package_fate::rpm(ctx, p, r);
    }
    fate_findings(ctx, p, r)
}

/// `which NAME` for an rpm package (or a dpkg package the map does not know).
fn apply_which(ctx: &Context, p: &InstalledPackage, r: &mut PackageReport) {
    match ctx.pack.which(&p.name) {
        Ok(a) => {
            let basis = match a.status {
                Status::ProvidedBy => "provides",
                Status::ObsoletedBy => "obsoletes",
                Status::NotShipped => "none",
                _ => "same-name",
            };
            let conf = a.evidence.first().map(|e| e.confidence);
            let reason = a.reason.clone();
            apply_answer(r, &a, basis, conf, &reason);
        }
        Err(e) => {
            r.fate = Status::NotShipped.as_str().into();
            r.basis = "none".into();
            r.reason = format!("the knowledge pack could not answer: {e}");
        }
    }
}

fn apply_answer(
    r: &mut PackageReport,
    a: &Answer,
    basis: &str,
    conf: Option<Confidence>,
    reason: &str,
) {
    r.fate = a.status.as_str().into();
    r.basis = basis.into();
    r.confidence = conf.map(|c| c.as_str().to_string());
    r.reason = reason.to_string();
    r.azl_packages = a.packages.iter().map(azl).collect();
}

fn channel_status(channel: Option<Channel>, other_name: bool) -> Status {
    match channel {
        Some(Channel::Base) if other_name => Status::ProvidedBy,
        Some(Channel::Base) => Status::Shipped,
        Some(Channel::Sdk | Channel::SdkException) => Status::SdkOnly,
        Some(Channel::Unlisted) => Status::NotPublished,
        None => Status::NotShipped,
    }
}

/// Findings for a distro package's fate.
fn fate_findings(ctx: &Context, p: &InstalledPackage, r: &PackageReport) -> Vec<Finding> {
    let target = ctx.pack.name_version();
    let base = |code: Code| {
        Finding::new(code, &r.location)
            .subject(&p.name)
            .evidence("package", &p.name)
            .evidence("evr", r.evr.clone())
            .evidence("basis", &r.basis)
    };
    let names: Vec<&str> = r.azl_packages.iter().map(|a| a.name.as_str()).collect();
    let install = ctx.pack.install_step(&names);
    let mut out = Vec::new();
    match r.fate.as_str() {
        "not-shipped" => out.push(
            base(Code::PkgNotShipped)
                .message(format!("{} has no counterpart in {target}", p.name))
                .why(format!("{target} does not ship {} or anything that provides or replaces it: {}", p.name, r.reason))
                .fix(format!("find a replacement that {target} ships (`azl-compat which {}`), or carry the software with the application", p.name)),
        ),
        "not-published" => out.push(
            base(Code::PkgNotPublished)
                .message(format!("{} is built by {target} but not published", p.name))
                .why(format!("{}; it cannot be installed from the {} repositories", r.reason, ctx.pack.target.name))
                .fix("use another package that provides the function, or carry the software with the application".to_string()),
        ),
        "sdk-only" => out.push(
            base(Code::PkgSdkOnly)
                .message(format!("{} becomes {} in the unsupported sdk channel", p.name, names.join(", ")))
                .why(format!("{target} builds it but does not support it: {}", r.reason))
                .fix(format!("{install} (unsupported), or move to a supported alternative")),
        ),
        "provided-by" | "obsoleted-by" => out.push(
            base(Code::PkgReplaced)
                .severity(if r.confidence.as_deref() == Some("low") { Severity::Warning } else { Severity::Info })
                .message(format!("{} is replaced by {} in {target}", p.name, names.join(", ")))
                .why(r.reason.clone())
                .fix(install.clone())
                .evidence("replacement", names.join(", "))
                .evidence("confidence", r.confidence.clone().unwrap_or_default()),
        ),
        _ => {}
    }
    // A major version jump (postgresql 13 -> 18, python 2.7 -> 3.14): against the package of
    // the same name, or the version with which the replacement provides the name.
    let target_version: Option<String> = match r.fate.as_str() {
        "shipped" | "sdk-only" => r
            .azl_packages
            .first()
            .filter(|a| a.name == p.name)
            .and_then(|t| t.evr.as_deref().map(|e| version_of(e).to_string())),
        "provided-by" => r.azl_packages.first().and_then(|t| {
            ctx.pack
                .capabilities(&p.name)
                .iter()
                .find(|c| c.package == t.name && c.kind == "explicit" && !c.version.is_empty())
                .map(|c| version_of(c.version).to_string())
        }),
        _ => None,
    };
    if let Some(tv) = target_version.as_deref() {
        {
            if let (Some(a), Some(b)) = (major(&p.version), major(tv))
                && a != b
            {
                let lib = is_library(&p.name);
                out.push(
                        base(Code::PkgMajorVersionChange)
                            .severity(if lib { Severity::Info } else { Severity::Warning })
                            .message(format!("{} goes from {} to {} ({} {a} -> {b})", p.name, p.version, tv, if lib { "library" } else { "major version" }))
                            .why("a new major version can change data formats, configuration and interfaces: databases need a dump/upgrade, language runtimes need modules rebuilt")
                            .fix(format!("read {}'s upgrade notes for {a} -> {b} and plan the data and configuration migration", p.name))
                            .evidence("from", &p.version)
                            .evidence("to", tv),
                    );
            }
        }
    }
    if r.basis != "same-name"
        && r.confidence.as_deref() == Some("low")
        && !names.is_empty()
        && r.fate != "provided-by"
        && r.fate != "obsoleted-by"
    {
        out.push(
            base(Code::PkgMappingUncertain)
                .message(format!(
                    "{} maps to {} only with low confidence",
                    p.name,
                    names.join(", ")
                ))
                .why(r.reason.clone())
                .fix(format!(
                    "check that {} covers what {} is used for",
                    names.join(", "),
                    p.name
                ))
                .evidence("confidence", "low"),
        );
    }
    out
}

/// The version without epoch and release.
fn version_of(evr: &str) -> &str {
    let v = evr.split_once(':').map_or(evr, |(_, v)| v);
    v.rsplit_once('-').map_or(v, |(v, _)| v)
}

/// The major version: the first numeric component (for `3.9` style interpreters, the first two).
/// Date-based versions (`2018.2.22`, `20230311`) have no major version.
fn major(v: &str) -> Option<String> {
    let mut parts = v
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty());
    let first = parts.next()?;
    (first.len() < 4).then(|| first.to_string())
}

fn is_library(name: &str) -> bool {
    name.starts_with("lib") || name.ends_with("-libs") || name.contains("-libs-")
}

/// A Debian package mapped through what it ships on this host.
struct HostMapping {
    answer: Answer,
    confidence: Confidence,
    reason: String,
}

/// Map a dpkg package through the sonames and executables it ships on this host: each is
/// looked up in the pack, and the package most of them point to is the counterpart.
fn host_content_mapping(ctx: &Context, p: &InstalledPackage) -> Option<HostMapping> {
    let pack = ctx.pack;
    let mut votes: BTreeMap<String, usize> = BTreeMap::new();
    let mut items = 0usize;
    let mut examples: Vec<String> = Vec::new();
    for f in &p.files {
        let name = file_name(f);
        let is_bin = ["/usr/bin/", "/bin/", "/usr/sbin/", "/sbin/"]
            .iter()
            .any(|d| f.starts_with(d) && !f[d.len()..].contains('/'));
        let is_lib = name.contains(".so.") && (f.starts_with("/usr/lib") || f.starts_with("/lib"));
        if !is_bin && !is_lib {
            continue;
        }
        items += 1;
        let providers = if is_lib {
            pack.soname_providers(name)
        } else {
            pack.path_providers(&format!("/usr/bin/{name}"))
        };
        if let Some(best) = providers.into_iter().find(|pr| !pr.glob) {
            *votes.entry(best.package.to_string()).or_default() += 1;
            if examples.len() < 2 {
                examples.push(format!(
                    "{} -> {}",
                    if is_lib { name.to_string() } else { f.clone() },
                    best.package
                ));
            }
        }
    }
    if items == 0 || votes.is_empty() {
        return None;
    }
    let found: usize = votes.values().sum();
    let mut ranked: Vec<(String, usize)> = votes.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let share = found as f64 / items as f64;
    let confidence = if share >= 0.5 && ranked.len() == 1 {
        Confidence::High
    } else if share >= 0.5 {
        Confidence::Medium
    } else {
        Confidence::Low
    };
    let mut answer = ctx.pack.which(&ranked[0].0).ok()?;
    answer
        .packages
        .retain(|a| ranked.iter().any(|(n, _)| *n == a.name));
    for (n, _) in ranked.iter().skip(1).take(3) {
        if let Ok(a) = ctx.pack.which(n) {
            answer
                .packages
                .extend(a.packages.into_iter().filter(|x| x.name == *n));
        }
    }
    // Another name than the Debian package's: provided by the counterpart.
    if answer.status == Status::Shipped && ranked[0].0 != p.name {
        answer.status = Status::ProvidedBy;
    }
    let reason = format!(
        "what it ships on this host: {} [{found}/{items} files found in {}]",
        examples.join("; "),
        ctx.pack.name_version()
    );
    Some(HostMapping {
        answer,
        confidence,
        reason,
    })
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{scan, with_code};
    use crate::findings::Code;
    use crate::source::MemorySource;

    fn stanza(name: &str, version: &str) -> String {
        format!(
            "Package: {name}\nStatus: install ok installed\nArchitecture: amd64\nVersion: {version}\nMaintainer: Ubuntu Developers <ubuntu-devel-discuss@lists.ubuntu.com>\n\n"
        )
    }

    #[test]
    fn installed_distro_packages_get_a_fate() {
        let status = [
            stanza("curl", "8.5.0-2ubuntu10"),
            stanza("rsh-client", "0.17-22"),
        ]
        .concat();
        let src = MemorySource::new().text("/var/lib/dpkg/status", &status);
        let r = scan(&src);
        let fate = |n: &str| {
            r.packages
                .iter()
                .find(|p| p.name == n)
                .map(|p| p.fate.clone())
                .unwrap_or_default()
        };
        assert_eq!(fate("curl"), "shipped", "{:#?}", r.packages);
        assert_eq!(fate("rsh-client"), "not-shipped", "{:#?}", r.packages);
        let gone = with_code(&r, Code::PkgNotShipped);
        assert_eq!(gone.len(), 1, "{:#?}", r.findings);
        assert_eq!(gone[0].subject.as_deref(), Some("rsh-client"));
        let rsh = r.packages.iter().find(|p| p.name == "rsh-client").unwrap();
        assert_eq!(rsh.findings, [Code::PkgNotShipped]);
    }
}
