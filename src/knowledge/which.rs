//! `azl-compat which TERM`: what Azure Linux 4.0 has for a package name, a capability, a
//! soname, a path, a command, or a Debian/Ubuntu package name, answered from the pack.
//!
//! How a term is taken, first match wins:
//! 1. starting with `/`: a path (`/usr/sbin`, `/sbin`, `/bin` merged into `/usr/bin`);
//! 2. an Azure Linux package name (supported, sdk, or unlisted; an unlisted package that another
//!    package provides or obsoletes is answered by that package);
//! 3. a name that looks like a soname (`libssl.so.1.1`, `libnss3.so`);
//! 4. an explicit `Provides:` (provided-by) or `Obsoletes:` (obsoleted-by) of another package;
//! 5. a command: `/usr/bin/TERM`;
//! 6. a Debian/Ubuntu package name (debian-map.tsv);
//! 7. a Python module or `python3dist(...)` name;
//! 8. nothing: not shipped, with other versions of the name when there are some.
//!
//! Reasons name the differences of [`super::differences`] (`azl-compat explain ID`).

use super::differences as diff;
use super::names::{is_glob, library_name, normalize_path};
use super::{Channel, Confidence, Pack, PackError, Provider};
use serde::Serialize;
use std::fmt::Write;

/// The answer's verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// A supported (`base`) package is, ships or provides it directly.
    Shipped,
    /// Another package provides the name (`Provides:`, a Debian map counterpart, a Python module).
    ProvidedBy,
    /// Another package obsoletes (replaces) the name.
    ObsoletedBy,
    /// Only built-but-unsupported packages (`sdk`, `sdk-exception`) have it.
    SdkOnly,
    /// Only packages in no publish list (`unlisted`) have it.
    NotPublished,
    /// Azure Linux does not have it.
    NotShipped,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Shipped => "shipped",
            Status::ProvidedBy => "provided-by",
            Status::ObsoletedBy => "obsoleted-by",
            Status::SdkOnly => "sdk-only",
            Status::NotPublished => "not-published",
            Status::NotShipped => "not-shipped",
        }
    }
    /// Whether something installable answers the term (exit status 0).
    pub fn found(self) -> bool {
        !matches!(self, Status::NotPublished | Status::NotShipped)
    }
}

/// What the term was taken as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TermKind {
    Package,
    Soname,
    Path,
    Command,
    /// An explicit `Provides:` or `Obsoletes:` name.
    Capability,
    DebianPackage,
    PythonModule,
    /// Nothing matched.
    Unknown,
}

impl TermKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TermKind::Package => "package",
            TermKind::Soname => "soname",
            TermKind::Path => "path",
            TermKind::Command => "command",
            TermKind::Capability => "capability",
            TermKind::DebianPackage => "debian-package",
            TermKind::PythonModule => "python-module",
            TermKind::Unknown => "unknown",
        }
    }
}

/// An Azure Linux package that answers the term.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AnswerPackage {
    pub name: String,
    /// `epoch:version-release`; `None` when the pack does not know it (publish-list packages).
    pub evr: Option<String>,
    pub arch: String,
    pub channel: Channel,
    pub component: String,
}

/// One fact behind the answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Evidence {
    pub package: String,
    /// The fact, e.g. `Provides: redis = 8.1.5-2.azl4`, `ships /usr/bin/python3`.
    pub fact: String,
    /// The pack table it comes from.
    pub table: &'static str,
    /// How it was derived (the table's `method`, or `spec-provides` / `spec-obsoletes` for
    /// capabilities, `publish-list` for packages).
    pub method: String,
    pub confidence: Confidence,
}

/// Another name the target does ship (another soname of the library, another version of the
/// package).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Alternative {
    pub name: String,
    pub packages: Vec<AnswerPackage>,
}

/// An Azure overlay of the component of an answering package.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OverlayNote {
    pub component: String,
    pub summary: String,
    pub toml: String,
}

/// The answer to `which TERM`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Answer {
    pub query: String,
    /// The pack that answered (`azurelinux-4.0`).
    pub pack: String,
    pub kind: TermKind,
    pub status: Status,
    /// The Azure Linux packages that answer it, best first.
    pub packages: Vec<AnswerPackage>,
    pub reason: String,
    /// Ids of the differences the reason names (`azl-compat explain ID`).
    pub differences: Vec<&'static str>,
    pub evidence: Vec<Evidence>,
    pub alternatives: Vec<Alternative>,
    pub overlays: Vec<OverlayNote>,
}

/// How many alternatives to list.
const MAX_ALTERNATIVES: usize = 6;

impl Pack {
    /// Answer `which TERM` (see the module documentation for how the term is taken). Errors
    /// only when a Debian map row read for the answer is malformed.
    pub fn which(&self, term: &str) -> Result<Answer, PackError> {
        let term = term.trim();
        let mut a = Answer {
            query: term.to_string(),
            pack: self.id.clone(),
            kind: TermKind::Unknown,
            status: Status::NotShipped,
            packages: Vec::new(),
            reason: String::new(),
            differences: Vec::new(),
            evidence: Vec::new(),
            alternatives: Vec::new(),
            overlays: Vec::new(),
        };
        if term.starts_with('/') {
            self.which_path(term, TermKind::Path, &mut a);
        } else if !(self.which_package(term, &mut a)
            || self.which_soname(term, &mut a)
            || self.which_capability(term, &mut a)
            || self.which_command(term, &mut a)
            || self.which_debian(term, &mut a)?
            || self.which_python(term, &mut a))
        {
            self.not_found(term, &mut a);
        }
        self.finish(&mut a);
        Ok(a)
    }

    fn answer_package(&self, name: &str) -> Option<AnswerPackage> {
        let p = self.package(name)?;
        Some(AnswerPackage {
            name: p.name.to_string(),
            evr: (!p.version.is_empty()).then(|| p.evr()),
            arch: p.arch.to_string(),
            channel: p.channel,
            component: p.component.to_string(),
        })
    }

    /// Status of a direct answer (the term is, or is shipped by, these packages): from the best
    /// channel among them.
    fn direct_status(packages: &[AnswerPackage]) -> Status {
        match packages
            .iter()
            .map(|p| p.channel)
            .min_by_key(|c| c.preference())
        {
            Some(Channel::Base) => Status::Shipped,
            Some(Channel::Sdk | Channel::SdkException) => Status::SdkOnly,
            Some(Channel::Unlisted) => Status::NotPublished,
            None => Status::NotShipped,
        }
    }

    /// Packages of providers, in the providers' order, without duplicates.
    fn provider_packages(&self, providers: &[Provider]) -> Vec<AnswerPackage> {
        let mut out: Vec<AnswerPackage> = Vec::new();
        for p in providers {
            if out.iter().any(|x| x.name == p.package) {
                continue;
            }
            if let Some(ap) = self.answer_package(p.package) {
                out.push(ap);
            }
        }
        out
    }

    fn which_path(&self, term: &str, kind: TermKind, a: &mut Answer) -> bool {
        let norm = normalize_path(term);
        let mut providers = self.path_providers(term);
        // Python extras metapackages (`python3-x+extra`) ship no files of their own: they only
        // require the package that ships the path. Prefer the real shippers when there are any.
        let (meta, shippers): (Vec<Provider>, Vec<Provider>) = providers
            .iter()
            .cloned()
            .partition(|p| is_metapackage(p.package));
        let requirers = if !meta.is_empty() && !shippers.is_empty() {
            providers = shippers;
            meta
        } else {
            Vec::new()
        };
        a.kind = kind;
        a.packages = self.provider_packages(&providers);
        for p in &requirers {
            a.evidence.push(Evidence {
                package: p.package.to_string(),
                fact: format!("only requires what ships {norm} (extras metapackage)"),
                table: super::format::PATHS,
                method: p.method.to_string(),
                confidence: p.confidence,
            });
        }
        for p in &providers {
            let what = if p.glob {
                "matches a %files glob for"
            } else {
                "ships"
            };
            a.evidence.push(Evidence {
                package: p.package.to_string(),
                fact: format!("{what} {norm}"),
                table: super::format::PATHS,
                method: p.method.to_string(),
                confidence: p.confidence,
            });
        }
        let mut r = String::new();
        if norm != term {
            let merged = ["/usr/sbin/", "/sbin/", "/bin/"]
                .iter()
                .any(|d| term.starts_with(d));
            let _ = write!(r, "{term} is {norm} on {}", self.name_version());
            if merged {
                let _ = write!(r, " (/usr/sbin, /sbin and /bin are merged into /usr/bin)");
                a.differences.push(diff::MERGED_SBIN);
            }
            r.push_str(". ");
        }
        a.status = Self::direct_status(&a.packages);
        if a.packages.is_empty() {
            let _ = write!(r, "No {} package ships {norm}.", self.target.name);
            a.differences.push(diff::ABSENT);
            if diff::is_32_bit_path(term) {
                let _ = write!(
                    r,
                    " It is a 32-bit runtime file: {} has no 32-bit runtime.",
                    self.target.name
                );
                a.differences.push(diff::NO_32_BIT);
            }
            if kind == TermKind::Command {
                a.status = Status::NotShipped;
            }
        } else {
            let best = &a.packages[0];
            let _ = write!(
                r,
                "{norm} is shipped by {}{}.",
                best.name,
                channel_note(best.channel)
            );
            if !requirers.is_empty() {
                let mut names: Vec<&str> = requirers.iter().map(|p| p.package).collect();
                names.dedup();
                let _ = write!(
                    r,
                    " {} only {} it (extras metapackage{}: no files of {} own).",
                    names.join(", "),
                    if names.len() == 1 {
                        "requires"
                    } else {
                        "require"
                    },
                    if names.len() == 1 { "" } else { "s" },
                    if names.len() == 1 { "its" } else { "their" }
                );
            }
            if providers.iter().all(|p| p.glob) {
                let _ = write!(
                    r,
                    " Only a %files glob matches it (weak evidence: the exact file is not known)."
                );
            }
            self.channel_differences(a);
        }
        a.reason = r;
        true
    }

    fn which_package(&self, term: &str, a: &mut Answer) -> bool {
        let Some(pkg) = self.answer_package(term) else {
            return false;
        };
        a.kind = TermKind::Package;
        for v in self.package_variants(term) {
            let evr = if v.version.is_empty() {
                "version unknown".to_string()
            } else {
                v.evr()
            };
            a.evidence.push(Evidence {
                package: v.name.to_string(),
                fact: format!(
                    "package {} {evr} {} from {} ({})",
                    v.name,
                    v.arch,
                    v.component,
                    v.channel.as_str()
                ),
                table: super::format::PACKAGES,
                method: "publish-list".into(),
                confidence: Confidence::High,
            });
        }
        if pkg.channel == Channel::Unlisted {
            // Another package providing or obsoleting the name answers better.
            let mut other = empty_like(a);
            if self.which_capability(term, &mut other) && other.status.found() {
                other.kind = TermKind::Package;
                other.reason = format!(
                    "{term} is built from {} but in no publish list (not shipped). {}",
                    pkg.component, other.reason
                );
                other.differences.insert(0, diff::UNLISTED);
                other.evidence.splice(0..0, a.evidence.drain(..));
                *a = other;
                return true;
            }
        }
        a.packages = vec![pkg.clone()];
        a.status = Self::direct_status(&a.packages);
        let evr = pkg.evr.as_deref().unwrap_or("(version unknown)");
        a.reason = match pkg.channel {
            Channel::Base => format!(
                "{term} {evr} is a supported package of {}, built from {}.",
                self.name_version(),
                pkg.component
            ),
            Channel::Sdk => format!(
                "{term} {evr} is built (from {}) but unsupported: channel sdk.",
                pkg.component
            ),
            Channel::SdkException => format!(
                "{term} {evr} is built from the supported component {} but carved out to the \
                 sdk channel: unsupported.",
                pkg.component
            ),
            Channel::Unlisted => format!(
                "{term} {evr} is produced by a spec of {} but is in no publish list: not shipped.",
                pkg.component
            ),
        };
        self.channel_differences(a);
        if pkg.channel == Channel::Unlisted {
            self.package_alternatives(term, a);
        }
        if diff::DESKTOP_PACKAGES.contains(&term) {
            a.differences.push(diff::NO_DESKTOP);
        }
        true
    }

    fn which_soname(&self, term: &str, a: &mut Answer) -> bool {
        if term.contains('/') || is_glob(term) || library_name(term).is_none_or(str::is_empty) {
            return false;
        }
        a.kind = TermKind::Soname;
        let providers = self.soname_providers(term);
        a.packages = self.provider_packages(&providers);
        for p in &providers {
            let fact = if p.glob {
                format!("a %files glob of {} may stand for {term}", p.package)
            } else {
                format!("provides {term}")
            };
            a.evidence.push(Evidence {
                package: p.package.to_string(),
                fact,
                table: super::format::SONAMES,
                method: p.method.to_string(),
                confidence: p.confidence,
            });
        }
        a.status = Self::direct_status(&a.packages);
        if let Some(best) = a.packages.first() {
            let baseline = self.baseline_packages.contains(&best.name);
            let installed = match self.profile() {
                Some(p) if self.in_profile(&best.name) => {
                    format!(", installed in the {} image", p.name)
                }
                _ if baseline => ", installed on every system".to_string(),
                _ => String::new(),
            };
            a.reason = format!(
                "{term} is provided by {}{}{installed}.",
                best.name,
                channel_note(best.channel),
            );
            if providers.first().is_some_and(|p| p.glob) {
                a.reason.push_str(
                    " Only a %files glob matches it: the library exists, its exact soname is not \
                     known (weak evidence).",
                );
            } else if providers
                .first()
                .is_some_and(|p| p.confidence < Confidence::High)
            {
                let _ = write!(
                    a.reason,
                    " The fact has {} confidence ({}){}.",
                    providers[0].confidence.as_str(),
                    providers[0].method,
                    if providers[0].confidence == Confidence::Low {
                        ": a hint, not proof that the library exists"
                    } else {
                        ""
                    }
                );
            }
            self.channel_differences(a);
        } else {
            a.reason = format!(
                "No {} package provides the soname {term}.",
                self.target.name
            );
            a.differences.push(diff::ABSENT);
            let alts = self.soname_alternatives(term);
            if !alts.is_empty() {
                let names: Vec<String> = alts
                    .iter()
                    .map(|(s, p)| format!("{s} ({})", p.package))
                    .collect();
                let _ = write!(
                    a.reason,
                    " The same library is shipped with another soname: {}; programs linked \
                     against {term} must be rebuilt, or bundle the old library.",
                    names.join(", ")
                );
                a.differences.push(diff::OTHER_VERSION);
                for (s, p) in alts.into_iter().take(MAX_ALTERNATIVES) {
                    a.alternatives.push(Alternative {
                        name: s,
                        packages: self.answer_package(p.package).into_iter().collect(),
                    });
                }
            }
        }
        true
    }

    fn which_capability(&self, term: &str, a: &mut Answer) -> bool {
        let caps = self.capabilities(term);
        let rank = |kind: &str| {
            let mut v: Vec<&super::Capability> = caps.iter().filter(|c| c.kind == kind).collect();
            v.sort_by_key(|c| {
                (
                    self.package(c.package)
                        .map_or(4, |p| p.channel.preference()),
                    c.package,
                )
            });
            v
        };
        let (provides, obsoletes) = (rank("explicit"), rank("obsoletes"));
        if provides.is_empty() && obsoletes.is_empty() {
            return false;
        }
        a.kind = TermKind::Capability;
        for c in provides.iter().chain(&obsoletes) {
            let (tag, method) = if c.kind == "explicit" {
                ("Provides", "spec-provides")
            } else {
                ("Obsoletes", "spec-obsoletes")
            };
            let version = if c.op.is_empty() {
                String::new()
            } else {
                format!(" {} {}", c.op, c.version)
            };
            a.evidence.push(Evidence {
                package: c.package.to_string(),
                fact: format!("{tag}: {term}{version}"),
                table: super::format::CAPABILITIES,
                method: method.into(),
                confidence: Confidence::High,
            });
        }
        let names = |v: &[&super::Capability]| -> Vec<String> {
            let mut out: Vec<String> = Vec::new();
            for c in v {
                if !out.iter().any(|o| o == c.package) {
                    out.push(c.package.to_string());
                }
            }
            out
        };
        let (prov, obs) = (names(&provides), names(&obsoletes));
        let shipped = |v: &[String]| -> Vec<AnswerPackage> {
            v.iter()
                .filter_map(|n| self.answer_package(n))
                .filter(|p| p.channel.shipped())
                .collect()
        };
        let (prov_ok, obs_ok) = (shipped(&prov), shipped(&obs));
        let replaced = prov.iter().any(|p| obs.contains(p)) || !obs.is_empty();
        let mut r = String::new();
        if !prov_ok.is_empty() {
            a.status = Status::ProvidedBy;
            a.packages = prov_ok;
            let best = &a.packages[0];
            let _ = write!(
                r,
                "{term} is not a package of {}; {} provides it{}",
                self.name_version(),
                best.name,
                channel_note(best.channel)
            );
            if obs.contains(&best.name) {
                let _ = write!(r, " and obsoletes it (replaces the old package)");
            }
            r.push('.');
        } else if !obs_ok.is_empty() {
            a.status = Status::ObsoletedBy;
            a.packages = obs_ok;
            let best = &a.packages[0];
            let version = obsoletes
                .iter()
                .find(|c| c.package == best.name && !c.op.is_empty())
                .map(|c| format!(" {} {}", c.op, c.version))
                .unwrap_or_default();
            let _ = write!(
                r,
                "{term} is not in {}; {}{} obsoletes it (Obsoletes: {term}{version}): it replaces \
                 the old package, which is gone.",
                self.name_version(),
                best.name,
                channel_note(best.channel)
            );
        } else {
            a.status = Status::NotPublished;
            a.packages = prov
                .iter()
                .chain(&obs)
                .filter_map(|n| self.answer_package(n))
                .collect();
            let _ = write!(
                r,
                "{term} is provided or obsoleted only by packages in no publish list: not shipped."
            );
            a.differences.push(diff::UNLISTED);
        }
        a.reason = r;
        if replaced && a.status.found() {
            a.differences.push(diff::REPLACED);
        }
        if a.status.found() {
            self.channel_differences(a);
        }
        true
    }

    fn which_command(&self, term: &str, a: &mut Answer) -> bool {
        if term.is_empty() || term.contains(char::is_whitespace) || term.contains('(') {
            return false;
        }
        let path = format!("/usr/bin/{term}");
        if self.path_providers(&path).is_empty() {
            return false;
        }
        self.which_path(&path, TermKind::Command, a);
        a.reason = format!("The command {term} is {path}. {}", a.reason);
        true
    }

    fn which_debian(&self, term: &str, a: &mut Answer) -> Result<bool, PackError> {
        let Some(m) = self.debian_mapping(term)? else {
            return Ok(false);
        };
        a.kind = TermKind::DebianPackage;
        a.packages = m
            .packages
            .iter()
            .filter_map(|n| self.answer_package(n))
            .collect();
        if !m.packages.is_empty() {
            a.evidence.push(Evidence {
                package: m.packages.join(","),
                fact: format!("Debian/Ubuntu {term}: {}", m.evidence),
                table: super::format::DEBIAN_MAP,
                method: m.method.clone(),
                confidence: m.confidence,
            });
        }
        let suites = m.suites.join(", ");
        let mut r = format!(
            "{term} is a Debian/Ubuntu package ({suites}, source {}).",
            m.debian_source
        );
        if m.packages.is_empty() {
            a.status = Status::NotShipped;
            a.evidence.push(Evidence {
                package: String::new(),
                fact: format!("Debian/Ubuntu {term}: no counterpart: {}", m.evidence),
                table: super::format::DEBIAN_MAP,
                method: m.method.clone(),
                confidence: m.confidence,
            });
            let _ = write!(
                r,
                " {} has no counterpart: {} ({} confidence).",
                self.target.name,
                m.evidence,
                m.confidence.as_str()
            );
            a.differences.push(diff::ABSENT);
        } else {
            let names: Vec<&str> = m.packages.iter().map(String::as_str).collect();
            let shipped = a.packages.iter().any(|p| p.channel.shipped());
            a.status = if shipped {
                Status::ProvidedBy
            } else {
                Status::NotPublished
            };
            let _ = write!(
                r,
                " {} counterpart: {} (by {}, {} confidence{}): {}.",
                self.target.name,
                names.join(", "),
                m.method,
                m.confidence.as_str(),
                if m.confidence == Confidence::Low {
                    ": a hint, not proof"
                } else {
                    ""
                },
                m.evidence
            );
            if let Some(best) = a.packages.first() {
                let note = channel_note(best.channel);
                if !note.is_empty() {
                    let _ = write!(r, " {}{note}.", best.name);
                }
            }
            if m.evidence.contains("soname differs")
                || m.evidence.contains("other upstream version")
                || m.evidence.contains("not in AZL4")
            {
                a.differences.push(diff::OTHER_VERSION);
            }
            if shipped {
                self.channel_differences(a);
            } else {
                a.differences.push(diff::UNLISTED);
            }
        }
        a.reason = r;
        Ok(true)
    }

    fn which_python(&self, term: &str, a: &mut Answer) -> bool {
        let mut caps: Vec<&super::Capability> = self
            .capabilities(term)
            .iter()
            .filter(|c| c.kind == "python_module" || c.kind == "python_dist")
            .collect();
        // The pack has python3dist() names only where a dist-info path is spelled out (rpm's
        // automatic provides are not reproduced): fall back to the module of the same name.
        let mut via_module = None;
        if caps.is_empty()
            && let Some(dist) = python_dist_name(term)
        {
            let module = dist.replace('-', "_");
            caps = self
                .capabilities(&module)
                .iter()
                .filter(|c| c.kind == "python_module")
                .collect();
            via_module = Some(module);
        }
        if caps.is_empty() {
            return false;
        }
        a.kind = TermKind::PythonModule;
        let mut names: Vec<String> = Vec::new();
        let matched = via_module.as_deref().unwrap_or(term);
        for c in &caps {
            a.evidence.push(Evidence {
                package: c.package.to_string(),
                fact: format!("{} {matched}", c.kind.replace('_', " ")),
                table: super::format::CAPABILITIES,
                method: "spec-files".into(),
                confidence: Confidence::High,
            });
            if !names.iter().any(|n| n == c.package) {
                names.push(c.package.to_string());
            }
        }
        let mut pkgs: Vec<AnswerPackage> = names
            .iter()
            .filter_map(|n| self.answer_package(n))
            .collect();
        pkgs.sort_by_key(|p| (p.channel.preference(), p.name.clone()));
        a.status = if pkgs.iter().any(|p| p.channel.shipped()) {
            Status::ProvidedBy
        } else {
            Status::NotPublished
        };
        a.packages = pkgs;
        if let Some(best) = a.packages.first() {
            a.reason = format!(
                "{term} is a Python name; {} ships it{}.",
                best.name,
                channel_note(best.channel)
            );
            if let Some(m) = &via_module {
                let _ = write!(
                    a.reason,
                    " Matched by the module name {m}: the pack lists python3dist() names only \
                     where a dist-info path is spelled out."
                );
            }
        }
        if a.status.found() {
            self.channel_differences(a);
        } else {
            a.differences.push(diff::UNLISTED);
        }
        true
    }

    fn not_found(&self, term: &str, a: &mut Answer) {
        a.kind = TermKind::Unknown;
        a.status = Status::NotShipped;
        a.reason = format!(
            "{} has no package, Provides, Obsoletes, soname, command{} named {term}.",
            self.name_version(),
            if self.has_debian_map() {
                " or Debian/Ubuntu package"
            } else {
                ""
            }
        );
        a.differences.push(diff::ABSENT);
        if term.ends_with(".i686") || term.contains("(x86-32)") || term.ends_with(".i386") {
            let _ = write!(
                a.reason,
                " It names a 32-bit package: {} has no 32-bit runtime.",
                self.target.name
            );
            a.differences.push(diff::NO_32_BIT);
        }
        self.package_alternatives(term, a);
    }

    /// Shipped packages whose name is the term with other numbers (`java-25-openjdk` for
    /// `java-17-openjdk`), supported first.
    fn package_alternatives(&self, term: &str, a: &mut Answer) {
        let Some(shape) = digit_shape(term) else {
            return;
        };
        let mut alts: Vec<AnswerPackage> = self
            .packages()
            .filter(|p| p.name != term && p.channel.shipped())
            .filter(|p| digit_shape(p.name).as_deref() == Some(shape.as_str()))
            .filter_map(|p| self.answer_package(p.name))
            .collect();
        if alts.is_empty() {
            return;
        }
        alts.sort_by(|x, y| {
            x.channel
                .preference()
                .cmp(&y.channel.preference())
                .then_with(|| y.name.cmp(&x.name))
        });
        let names: Vec<String> = alts
            .iter()
            .take(MAX_ALTERNATIVES)
            .map(|p| format!("{} ({})", p.name, p.channel.as_str()))
            .collect();
        let _ = write!(a.reason, " Other versions: {}.", names.join(", "));
        a.differences.push(diff::OTHER_VERSION);
        for p in alts.into_iter().take(MAX_ALTERNATIVES) {
            a.alternatives.push(Alternative {
                name: p.name.clone(),
                packages: vec![p],
            });
        }
    }

    /// `sdk` when the best answering package is unsupported.
    fn channel_differences(&self, a: &mut Answer) {
        if let Some(d) = a
            .packages
            .first()
            .and_then(|p| diff::for_channel(p.channel))
        {
            a.differences.push(d);
        }
    }

    /// Overlays of the answering packages' components; ids de-duplicated; the reason ends with
    /// where to read more.
    fn finish(&self, a: &mut Answer) {
        let mut comps: Vec<&str> = a.packages.iter().map(|p| p.component.as_str()).collect();
        comps.dedup();
        for c in comps {
            if let Some(o) = self.overlay(c).filter(|o| o.is_substantive(&self.target))
                && !a.overlays.iter().any(|x| x.component == c)
            {
                a.overlays.push(OverlayNote {
                    component: c.to_string(),
                    summary: o.summary(&self.target),
                    toml: o.toml.clone(),
                });
                for note in o.notes() {
                    a.evidence.push(Evidence {
                        package: c.to_string(),
                        fact: format!("overlay note: {note}"),
                        table: super::format::OVERLAYS,
                        method: "comp-toml".into(),
                        confidence: Confidence::High,
                    });
                }
            }
        }
        if !a.overlays.is_empty() && a.status.found() {
            let _ = write!(
                a.reason,
                " {} changed {} compared with Fedora (overlay).",
                self.target.name,
                a.overlays
                    .iter()
                    .map(|o| o.component.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            a.differences.push(diff::AZURE_OVERLAY);
        }
        let mut seen = Vec::new();
        a.differences.retain(|d| {
            let new = !seen.contains(d);
            seen.push(d);
            new
        });
        if !a.differences.is_empty() {
            let ids: Vec<String> = a.differences.iter().map(|d| format!("`{d}`")).collect();
            let _ = write!(
                a.reason,
                " Differences: {} (azl-compat explain ID).",
                ids.join(", ")
            );
        }
        a.reason = a.reason.trim().to_string();
    }
}

/// A Python extras metapackage (`python3-hypercorn+trio`): Fedora's `%pyproject_extras_subpkg`
/// names them `<package>+<extra>`; they hold no files and require their base package.
fn is_metapackage(name: &str) -> bool {
    name.starts_with("python")
        && name.split_once('+').is_some_and(|(base, extra)| {
            !base.is_empty()
                && extra
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphanumeric())
        })
}

fn empty_like(a: &Answer) -> Answer {
    Answer {
        query: a.query.clone(),
        pack: a.pack.clone(),
        kind: TermKind::Unknown,
        status: Status::NotShipped,
        packages: Vec::new(),
        reason: String::new(),
        differences: Vec::new(),
        evidence: Vec::new(),
        alternatives: Vec::new(),
        overlays: Vec::new(),
    }
}

/// ` (channel sdk: built, unsupported)` etc.; empty for base.
fn channel_note(c: Channel) -> &'static str {
    match c {
        Channel::Base => "",
        Channel::Sdk => " (channel sdk: built, unsupported)",
        Channel::SdkException => " (channel sdk-exception: built, unsupported)",
        Channel::Unlisted => " (unlisted: not published)",
    }
}

/// `requests` for `python3dist(requests)` or `python3.14dist(requests)`.
fn python_dist_name(term: &str) -> Option<&str> {
    let rest = term.strip_prefix("python3")?;
    let open = rest.find("dist(")?;
    if !rest[..open]
        .bytes()
        .all(|b| b.is_ascii_digit() || b == b'.')
    {
        return None;
    }
    rest[open + 5..].strip_suffix(')').filter(|s| !s.is_empty())
}

/// The name with every run of digits replaced by `#` (`java-#-openjdk`), when it has digits.
fn digit_shape(name: &str) -> Option<String> {
    let mut out = String::with_capacity(name.len());
    let mut digits = false;
    let mut in_run = false;
    for c in name.chars() {
        if c.is_ascii_digit() {
            digits = true;
            if !in_run {
                out.push('#');
                in_run = true;
            }
        } else {
            in_run = false;
            out.push(c);
        }
    }
    digits.then_some(out)
}

/// The answer as text: a headline, then labelled lines.
pub fn render_text(a: &Answer) -> String {
    let mut s = String::new();
    // The headline names the packages of the best channel.
    let best = a.packages.first().map(|p| p.channel);
    let head: Vec<String> = a
        .packages
        .iter()
        .filter(|p| Some(p.channel) == best)
        .take(3)
        .map(|p| p.name.clone())
        .collect();
    let _ = write!(s, "{}: {}", a.query, a.status.as_str());
    if !head.is_empty() && a.status != Status::NotShipped {
        let more = if a.packages.len() > head.len() {
            format!(" (+{} more)", a.packages.len() - head.len())
        } else {
            String::new()
        };
        let _ = write!(s, " {}{more}", head.join(", "));
    }
    s.push('\n');
    let _ = writeln!(s, "  taken as    {}", a.kind.as_str());
    for p in &a.packages {
        let _ = writeln!(
            s,
            "  package     {} {} {} ({}, from {})",
            p.name,
            p.evr.as_deref().unwrap_or("(version unknown)"),
            p.arch,
            p.channel.as_str(),
            p.component
        );
    }
    let _ = writeln!(s, "  reason      {}", a.reason);
    for alt in &a.alternatives {
        let pk: Vec<String> = alt
            .packages
            .iter()
            .map(|p| {
                format!(
                    "{} {} ({})",
                    p.name,
                    p.evr.as_deref().unwrap_or("?"),
                    p.channel.as_str()
                )
            })
            .collect();
        let _ = writeln!(s, "  instead     {}: {}", alt.name, pk.join(", "));
    }
    for o in &a.overlays {
        let _ = writeln!(s, "  overlay     {}: {}", o.component, o.summary);
    }
    for e in a.evidence.iter().take(8) {
        let who = if e.package.is_empty() {
            String::new()
        } else {
            format!("{}: ", e.package)
        };
        let _ = writeln!(
            s,
            "  evidence    {who}{} [{}, {}, {}]",
            e.fact,
            e.table,
            e.method,
            e.confidence.as_str()
        );
    }
    if a.evidence.len() > 8 {
        let _ = writeln!(
            s,
            "  evidence    ... {} more (--format json)",
            a.evidence.len() - 8
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digit_shapes() {
        assert_eq!(
            digit_shape("java-17-openjdk").as_deref(),
            Some("java-#-openjdk")
        );
        assert_eq!(digit_shape("python3.9").as_deref(), Some("python#.#"));
        assert_eq!(digit_shape("redis"), None);
    }

    #[test]
    fn extras_metapackages() {
        assert!(is_metapackage("python3-hypercorn+trio"));
        assert!(is_metapackage("python3-nose2+coverage_plugin"));
        assert!(!is_metapackage("libstdc++-devel"));
        assert!(!is_metapackage("gcc-c++"));
        assert!(!is_metapackage("python3"));
    }

    #[test]
    fn python_dist_names() {
        assert_eq!(python_dist_name("python3dist(requests)"), Some("requests"));
        assert_eq!(python_dist_name("python3.14dist(a-b)"), Some("a-b"));
        assert_eq!(python_dist_name("python3dist()"), None);
        assert_eq!(python_dist_name("python3-requests"), None);
    }

    #[test]
    fn statuses() {
        assert!(Status::ProvidedBy.found());
        assert!(Status::SdkOnly.found());
        assert!(!Status::NotPublished.found());
        assert_eq!(
            serde_json::to_string(&Status::NotPublished).unwrap(),
            "\"not-published\""
        );
    }
}
