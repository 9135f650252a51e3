//! "Explained: why it is not a drop-in Fedora": one entry per kind of difference between Azure
//! Linux 4.0 and the Fedora 43 it is derived from, with what it is and what a user does.
//!
//! The prose says what a *kind* of difference means; the facts about Azure Linux (which packages,
//! how many, which channel, what an overlay changed) are read from the pack when the entry is
//! rendered, so they follow the pack; the texts name the target through placeholders filled from
//! the pack's `target`. Facts the pack has no table for (defaults, groups) are the pack's notes
//! (the target manifest's `[notes]`), each citing its source.
//!
//! `azl-compat explain ID` prints an entry; `azl-compat which` names entries in its reasons;
//! docs/not-a-drop-in-fedora.md is [`render_markdown`] of the built-in pack (a test keeps it in
//! step).

use super::names::normalize_path;
use super::{Channel, Pack};
use std::fmt::Write;

/// One kind of difference. Its texts name the target through placeholders (`{target}`,
/// `{name}`, `{base}`, `{id}`, `{python}`): [`Difference::text`] fills them from a pack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Difference {
    /// Stable kebab-case id (distinct from every finding code).
    pub id: &'static str,
    pub title: &'static str,
    /// What it is.
    pub what: &'static str,
    /// What a user does about it.
    pub action: &'static str,
    /// Where the facts come from.
    pub source: &'static str,
}

pub const ABSENT: &str = "absent";
pub const SDK: &str = "sdk";
pub const UNLISTED: &str = "unlisted";
pub const AZURE_OVERLAY: &str = "azure-overlay";
pub const DIFFERENT_DEFAULT: &str = "different-default";
pub const REPLACED: &str = "replaced";
pub const MERGED_SBIN: &str = "merged-sbin";
pub const NO_32_BIT: &str = "no-32-bit";
pub const NO_DESKTOP: &str = "no-desktop";
pub const OTHER_VERSION: &str = "other-version";

/// Every difference, in the order the docs page lists them.
pub const ALL: &[Difference] = &[
    Difference {
        id: ABSENT,
        title: "Not curated into {name}",
        what: "{name} takes a curated subset of Fedora's components. A package, library or \
               command that Fedora, RHEL or Debian/Ubuntu has may simply not exist: no spec builds \
               it, no package provides or obsoletes its name.",
        action: "Find the replacement (`azl-compat which NAME` names one when the pack knows it: \
                 a package that provides or obsoletes the name, another version, the Debian map's \
                 counterpart), bundle it with the application, or run the workload in a container \
                 that brings it.",
        source: "packages.tsv, capabilities.tsv, debian-map.tsv",
    },
    Difference {
        id: SDK,
        title: "Built but unsupported (channel `sdk`)",
        what: "Packages of the `sdk` channel (rpm-sdk) are built and published but not supported; \
               `sdk-exception` packages are subpackages of a supported source carved out to sdk. \
               They install, but get no support commitment.",
        action: "Prefer a supported (`base`) alternative; if the workload needs the sdk package, \
                 accept that it is unsupported, or bundle the software with the application.",
        source: "packages.tsv `channel` (from base/packages/*.packages.toml)",
    },
    Difference {
        id: UNLISTED,
        title: "Built from a spec but not published (`unlisted`)",
        what: "A spec in the {name} tree produces the package, but no publish list contains \
               it: it is not in the repositories. Treat it as not shipped.",
        action: "Use the published alternative (`azl-compat which NAME` lists other versions), or \
                 build and ship the package yourself.",
        source: "packages.tsv `channel` = unlisted",
    },
    Difference {
        id: AZURE_OVERLAY,
        title: "Changed by an Azure overlay",
        what: "For some components {name} changes the {base} spec: build options \
               (`without=...`, `defines=...`), spec and file edits, replaced sources, a spec taken \
               from another Fedora commit or from Fedora's development branch, or its own spec. A package of such a \
               component can lack a feature, a subpackage or a dependency Fedora's has.",
        action: "Read the overlay's description (`azl-compat which PACKAGE` shows it) and check \
                 that the workload does not rely on what was changed.",
        source: "overlays.tsv (from base/comps/**/*.comp.toml)",
    },
    Difference {
        id: DIFFERENT_DEFAULT,
        title: "A different default",
        what: "Same package, different configuration: which services are enabled on first boot \
               (systemd presets; everything not listed is disabled), kernel hardening sysctls, \
               package manager defaults, repository settings, identity in os-release, and the \
               crypto policy {name} inherits from Fedora.",
        action: "Enable the services the workload needs explicitly (`systemctl enable`), review \
                 sysctl drop-ins, and test TLS and signatures against the crypto policy \
                 (SHA-1 signatures are refused by Fedora's DEFAULT policy).",
        source: "{id}/defaults.md (presets, hardening, repositories, os-release); \
                 platform/fedora-changes.md (crypto policy; whether {name} keeps each Fedora \
                 decision is not verified there)",
    },
    Difference {
        id: REPLACED,
        title: "A replaced tool or package",
        what: "The name still resolves, but another package answers it: it `Provides:` the old \
               name and usually `Obsoletes:` it. `yum` and `dnf` (dnf4) are dnf5, whose command \
               line and plugins differ; `tdnf` (the package manager of earlier {name} releases) is an alias of dnf5; Redis is \
               Valkey's compat package.",
        action: "Install the new package by its old name if you like, then check the scripts and \
                 configuration that call the old tool: options and plugins differ (see \
                 platform/rpm-dnf-changes.md for dnf5).",
        source: "capabilities.tsv (explicit Provides and Obsoletes), overlays.tsv (dnf5's tdnf)",
    },
    Difference {
        id: MERGED_SBIN,
        title: "/usr/sbin merged into /usr/bin",
        what: "{target}, like Fedora 42+, merges `/usr/sbin` into `/usr/bin` (`/usr/sbin` \
               is a symlink to `bin`) on top of the merged `/usr` (`/bin`, `/sbin`, `/lib`, \
               `/lib64` are symlinks into `/usr`). Old paths still resolve; `/usr/sbin` is no \
               longer in the default `$PATH`.",
        action: "Nothing for programs called by path. Fix scripts that test `[ -d /usr/sbin ]`, \
                 compare canonical paths, or ship the same file name in both directories.",
        source: "provides.tsv notes (`%_sbindir` = `/usr/bin`, rpm and filesystem built with \
                 merged_sbin); platform/fedora-changes.md #1",
    },
    Difference {
        id: NO_32_BIT,
        title: "No 32-bit runtime",
        what: "{name} publishes 64-bit repositories only. There is no i686 userland and no \
               supported 32-bit C library, so 32-bit programs (loader `/lib/ld-linux.so.2`) have \
               no supported runtime.",
        action: "Rebuild the program for x86_64 or aarch64, or run it in a container with a \
                 32-bit userland.",
        source: "pack.json `arches` and `dynamic_loaders`; packages.tsv `arch`",
    },
    Difference {
        id: NO_DESKTOP,
        title: "No desktop",
        what: "{name} targets servers, VMs and containers. Desktop environments, display \
               managers and browsers are not supported: at most built (`sdk`) or not published, \
               as the examples show; there are no desktop package groups.",
        action: "Run desktop applications elsewhere; for headless use of GUI toolkits, check the \
                 libraries the program needs with `azl-compat scan`.",
        source: "packages.tsv `channel`; {id}/defaults.md (comps.xml: no environments)",
    },
    Difference {
        id: OTHER_VERSION,
        title: "Another version",
        what: "The software is there, in another version: a library with another soname \
               (ICU 77, OpenSSL 3), another interpreter (Python {python}), another Java (25). \
               Binaries linked against the old soname do not load.",
        action: "Rebuild against the shipped version, or bundle the old library with the \
                 application (its own dependencies must be satisfied too).",
        source: "sonames.tsv, packages.tsv",
    },
];

impl Difference {
    /// `title`, `what`, `action` or `source` with the pack's target facts filled in.
    pub fn text(&self, field: &str, pack: &Pack) -> String {
        let t = match field {
            "title" => self.title,
            "what" => self.what,
            "action" => self.action,
            _ => self.source,
        };
        pack.target.fill(&t.replace("{id}", &pack.id))
    }
}

/// The entry with this id.
pub fn get(id: &str) -> Option<&'static Difference> {
    ALL.iter().find(|d| d.id == id)
}

/// The difference a package's channel makes, for findings about a package: `sdk` for `sdk` and
/// `sdk-exception`, `unlisted` for `unlisted`, none for `base`.
pub fn for_channel(channel: Channel) -> Option<&'static str> {
    match channel {
        Channel::Base => None,
        Channel::Sdk | Channel::SdkException => Some(SDK),
        Channel::Unlisted => Some(UNLISTED),
    }
}

/// Whether a path names a 32-bit runtime file (the i386 loader, a 32-bit multiarch directory).
pub fn is_32_bit_path(path: &str) -> bool {
    let p = normalize_path(path);
    p == "/usr/lib/ld-linux.so.2"
        || p.contains("/i386-linux-gnu/")
        || p.contains("/i686-linux-gnu/")
}

/// Names the "absent" facts probe (kept only when the pack confirms they are absent).
const ABSENT_EXAMPLES: &[&str] = &[
    "compat-openssl11",
    "python2",
    "java-17-openjdk",
    "ntp",
    "ntpsec",
    "xinetd",
    "docker",
];
/// Packages the sdk / unlisted / desktop facts show with their channel from the pack.
const SDK_EXAMPLES: &[&str] = &[
    "python3.9",
    "python3.13",
    "cockpit",
    "sendmail",
    "mysql-server",
    "valkey-compat-redis",
];
const UNLISTED_EXAMPLES: &[&str] = &["java-21-openjdk", "exim", "chromium", "gnome-shell"];
/// Desktop packages (also used by `which` to name [`NO_DESKTOP`]).
pub const DESKTOP_PACKAGES: &[&str] = &[
    "gnome-shell",
    "gnome-session",
    "gdm",
    "plasma-desktop",
    "xorg-x11-server-Xorg",
    "firefox",
];
/// Components whose overlays the overlay facts show.
/// (`python3.X` is the target's Python, from its manifest.)
const OVERLAY_EXAMPLES: &[&str] = &["dnf5", "gnutls", "python{python}", "firewalld", "ant"];
/// Names the "replaced" facts look up.
const REPLACED_EXAMPLES: &[&str] = &["yum", "dnf", "tdnf", "redis", "network-scripts", "nodejs22"];
/// Paths the merged-sbin facts resolve.
const SBIN_EXAMPLES: &[&str] = &["/usr/sbin/sshd", "/sbin/ip", "/usr/sbin/ntpd"];
/// Sonames and packages the other-version facts look up.
const OTHER_VERSION_SONAMES: &[&str] = &[
    "libssl.so.1.1",
    "libicuuc.so.72",
    "libboost_system.so.1.74.0",
];

fn package_line(pack: &Pack, name: &str) -> Option<String> {
    let p = pack.package(name)?;
    let evr = if p.version.is_empty() {
        String::new()
    } else {
        format!(" {}", p.evr())
    };
    Some(format!("`{name}`{evr} ({})", p.channel.as_str()))
}

fn is_absent(pack: &Pack, name: &str) -> bool {
    pack.package(name).is_none() && pack.capabilities(name).is_empty()
}

/// Units whose preset the defaults facts show.
const PRESET_EXAMPLES: &[&str] = &[
    "systemd-timesyncd.service",
    "chronyd.service",
    "systemd-networkd.service",
    "systemd-resolved.service",
    "NetworkManager.service",
    "sshd.service",
    "firewalld.service",
    "waagent.service",
];

/// The presets of [`PRESET_EXAMPLES`] from the pack's preset table (`None` without one).
fn preset_facts(pack: &Pack) -> Option<String> {
    use super::units::Scope;
    let units = pack.units();
    if !units.has_presets {
        return None;
    }
    let parts: Vec<String> = PRESET_EXAMPLES
        .iter()
        .filter_map(|u| {
            let r = units.preset(u, Scope::System)?;
            Some(format!("`{u}` {} ({})", r.action.as_str(), r.file))
        })
        .collect();
    if parts.is_empty() {
        return None;
    }
    let mut s = format!(
        "Presets (first matching line wins; read from the pack): {}",
        parts.join(", ")
    );
    if let Some(r) = units.preset("any-other.service", Scope::System) {
        let _ = write!(s, "; any other unit: {} ({})", r.action.as_str(), r.file);
    }
    s.push('.');
    Some(s)
}

/// Facts about this difference read from `pack`, one markdown line each.
pub fn facts(d: &Difference, pack: &Pack) -> Vec<String> {
    let mut out = Vec::new();
    let count = |ch: Channel| pack.packages().filter(|p| p.channel == ch).count();
    match d.id {
        ABSENT => {
            let absent: Vec<String> = ABSENT_EXAMPLES
                .iter()
                .filter(|n| is_absent(pack, n))
                .map(|n| format!("`{n}`"))
                .collect();
            if !absent.is_empty() {
                out.push(format!(
                    "No package, `Provides:` or `Obsoletes:` of: {}.",
                    absent.join(", ")
                ));
            }
            if pack.has_debian_map() {
                let rows = pack.counts.get("debian_map_rows").copied().unwrap_or(0);
                let mapped = pack.counts.get("debian_map_mapped").copied().unwrap_or(0);
                out.push(format!(
                    "Of {rows} Debian/Ubuntu package names in the Debian map, {} have no Azure \
                     Linux counterpart (most are libraries, documentation, language modules).",
                    rows - mapped
                ));
            }
        }
        SDK => {
            out.push(format!(
                "{} package names are `base`, {} `sdk`, {} `sdk-exception`, {} `unlisted`.",
                count(Channel::Base),
                count(Channel::Sdk),
                count(Channel::SdkException),
                count(Channel::Unlisted)
            ));
            let ex: Vec<String> = SDK_EXAMPLES
                .iter()
                .filter_map(|n| package_line(pack, n))
                .collect();
            if !ex.is_empty() {
                out.push(format!("For example {}.", ex.join(", ")));
            }
        }
        UNLISTED => {
            out.push(format!(
                "{} package names are `unlisted`.",
                count(Channel::Unlisted)
            ));
            let ex: Vec<String> = UNLISTED_EXAMPLES
                .iter()
                .filter_map(|n| package_line(pack, n))
                .collect();
            if !ex.is_empty() {
                out.push(format!("For example {}.", ex.join(", ")));
            }
        }
        AZURE_OVERLAY => {
            let all: Vec<_> = pack.overlays().collect();
            if all.is_empty() {
                out.push("This pack has no overlays table.".into());
            } else {
                let pinned = all.iter().filter(|o| o.spec_source.contains('@')).count();
                let other = all
                    .iter()
                    .filter(|o| !o.spec_source.starts_with(pack.target.base_id.as_str()))
                    .count();
                let options = all.iter().filter(|o| !o.build_options.is_empty()).count();
                out.push(format!(
                    "{} components are customized: {options} with build options, {pinned} pinned \
                     to another {} commit, {other} with a spec from Fedora's development branch or of their own.",
                    all.len(),
                    pack.target.base_name
                ));
                for c in OVERLAY_EXAMPLES {
                    let c = pack.target.fill(c);
                    if let Some(o) = pack.overlay(&c) {
                        out.push(format!("`{c}`: {}", o.summary(&pack.target)));
                    }
                }
            }
        }
        DIFFERENT_DEFAULT => {
            // Presets from the pack's preset table when it has one; the rest has no table yet:
            // facts as stated by the source, cited.
            match preset_facts(pack) {
                Some(f) => out.push(f),
                None => out.extend(pack.notes("presets").iter().cloned()),
            }
            // The rest has no table: the target's notes (its manifest), citing their source.
            out.extend(pack.notes("defaults").iter().cloned());
        }
        REPLACED => {
            for name in REPLACED_EXAMPLES {
                let caps = pack.capabilities(name);
                let by = |kind: &str| -> Vec<String> {
                    let mut v: Vec<String> = caps
                        .iter()
                        .filter(|c| c.kind == kind)
                        .map(|c| c.package.to_string())
                        .collect();
                    v.sort();
                    v.dedup();
                    v
                };
                let (prov, obs) = (by("explicit"), by("obsoletes"));
                if prov.is_empty() && obs.is_empty() {
                    continue;
                }
                let mut s = format!("`{name}`:");
                if !prov.is_empty() {
                    s.push_str(&format!(" provided by {}", prov.join(", ")));
                }
                if !obs.is_empty() {
                    if !prov.is_empty() {
                        s.push(';');
                    }
                    s.push_str(&format!(" obsoleted by {}", obs.join(", ")));
                }
                s.push('.');
                out.push(s);
            }
        }
        MERGED_SBIN => {
            for path in SBIN_EXAMPLES {
                let norm = normalize_path(path);
                let who: Vec<String> = pack
                    .path_providers(path)
                    .iter()
                    .filter(|p| !p.glob)
                    .map(|p| p.package.to_string())
                    .collect();
                let tail = if who.is_empty() {
                    "no package ships it".to_string()
                } else {
                    format!("shipped by {}", who.join(", "))
                };
                out.push(format!("`{path}` is `{norm}`: {tail}."));
            }
        }
        NO_32_BIT => {
            out.push(format!("Architectures: {}.", pack.arches.join(", ")));
            let loaders: Vec<String> = pack
                .dynamic_loaders
                .iter()
                .map(|(a, p)| format!("`{p}` ({a})"))
                .collect();
            out.push(format!("Dynamic loaders: {}.", loaders.join(", ")));
            let i686 = pack
                .packages()
                .filter(|p| p.arch.starts_with("i686") || p.arch.starts_with("i386"))
                .count();
            out.push(format!("Packages built for i686: {i686}."));
            if let Some(l) = package_line(pack, "glibc32") {
                out.push(format!(
                    "{l} carries 32-bit glibc files for building multilib programs; it is not \
                     supported."
                ));
            }
        }
        NO_DESKTOP => {
            let ex: Vec<String> = DESKTOP_PACKAGES
                .iter()
                .filter_map(|n| package_line(pack, n))
                .collect();
            if !ex.is_empty() {
                out.push(format!("{}.", ex.join(", ")));
            }
            out.extend(pack.notes("groups").iter().cloned());
        }
        OTHER_VERSION => {
            for s in OTHER_VERSION_SONAMES {
                if !pack.soname_providers(s).is_empty() {
                    continue;
                }
                let alts: Vec<String> = pack
                    .soname_alternatives(s)
                    .into_iter()
                    .map(|(so, p)| format!("`{so}` ({})", p.package))
                    .collect();
                if !alts.is_empty() {
                    out.push(format!("`{s}`: not shipped; shipped: {}.", alts.join(", ")));
                }
            }
            let ex: Vec<String> = ["python3", "java-25-openjdk", "openssl-libs"]
                .iter()
                .filter_map(|n| package_line(pack, n))
                .collect();
            if !ex.is_empty() {
                out.push(format!("Shipped versions: {}.", ex.join(", ")));
            }
        }
        _ => {}
    }
    out
}

/// The entry as plain text, for `azl-compat explain ID`.
pub fn explain(d: &Difference, pack: &Pack) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{} (difference): {}\n", d.id, d.text("title", pack));
    let _ = writeln!(s, "{}\n", d.text("what", pack));
    let facts = facts(d, pack);
    if !facts.is_empty() {
        let _ = writeln!(s, "In {} (from the knowledge pack):", pack.name_version());
        for f in facts {
            let _ = writeln!(s, "- {f}");
        }
        s.push('\n');
    }
    let _ = writeln!(s, "What to do: {}\n", d.text("action", pack));
    let _ = writeln!(s, "Source: {}", d.text("source", pack));
    s
}

/// docs/not-a-drop-in-fedora.md for `pack`.
pub fn render_markdown(pack: &Pack) -> String {
    let mut s = String::new();
    s.push_str(&format!(
        "# Explained: why {} is not a drop-in Fedora\n\n",
        pack.name_version()
    ));
    s.push_str(
        "<!-- Generated from src/knowledge/differences.rs and the built-in knowledge pack; do not \
         edit by hand. Regenerate with\n     `cargo test --test knowledge_cli -- --ignored \
         regenerate_differences_doc`. -->\n\n",
    );
    let _ = writeln!(
        s,
        "{} is derived from {}, but a workload that runs on Fedora, RHEL or \
         Debian/Ubuntu does not move unchanged. Each section is one kind of difference, with its \
         id: `azl-compat explain ID` prints it, and `azl-compat which` names the ids in its \
         reasons. Facts are read from the knowledge pack `{}`.\n",
        pack.name_version(),
        pack.provenance
            .get("fedora_base")
            .map_or("Fedora", String::as_str),
        pack.id
    );
    s.push_str("| id | difference |\n|---|---|\n");
    for d in ALL {
        let _ = writeln!(s, "| [`{}`](#{}) | {} |", d.id, d.id, d.text("title", pack));
    }
    for d in ALL {
        let _ = writeln!(
            s,
            "\n## `{}`\n\n**{}.** {}\n",
            d.id,
            d.text("title", pack),
            d.text("what", pack)
        );
        let facts = facts(d, pack);
        if !facts.is_empty() {
            s.push_str("In the pack:\n\n");
            for f in facts {
                let _ = writeln!(s, "- {f}");
            }
            s.push('\n');
        }
        let _ = writeln!(s, "**What to do.** {}\n", d.text("action", pack));
        let _ = writeln!(s, "Source: {}.", d.text("source", pack));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_kebab_case_and_not_finding_codes() {
        let mut seen = std::collections::HashSet::new();
        for d in ALL {
            assert!(seen.insert(d.id), "{} twice", d.id);
            assert!(
                d.id.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{}",
                d.id
            );
            assert!(
                d.id.parse::<crate::findings::Code>().is_err(),
                "{} is also a finding code",
                d.id
            );
            assert!(get(d.id).is_some());
        }
    }
}
