//! Package fates decided from what a package is and what it provides, for
//! [`super::packages`]:
//! - a source package whose role fixes its fate (knowledge/source-distros/package-fates.tsv):
//!   the source distribution's own package, subscription or release machinery is replaced by
//!   the target's package manager; a renamed package becomes the target's name;
//! - an rpm package (RHEL, CentOS, SUSE, Amazon Linux...) by its own name in the pack, an
//!   explicit `Provides:`/`Obsoletes:` of the target, then its own Provides (sonames) and
//!   files (commands, libraries): never the Debian map or Python module names, which describe
//!   other packages that merely share a name.

use super::Context;
use super::packages::{AzlPackage, PackageReport};
use crate::inventory::file_name;
use crate::inventory::packages::InstalledPackage;
use crate::knowledge::rpm_family::provide_soname;
use crate::knowledge::source_distros::fixed_fate;
use crate::knowledge::which::Status;
use crate::knowledge::{Channel, Confidence};
use std::collections::{BTreeMap, BTreeSet};

pub use crate::report::model::SigningKey;

/// The signing keys among the installed packages (`rpm -qa gpg-pubkey`), sorted.
pub fn signing_keys(packages: &[InstalledPackage]) -> Vec<SigningKey> {
    let mut v: Vec<SigningKey> = packages
        .iter()
        .filter(|p| p.name == "gpg-pubkey")
        .map(|p| SigningKey {
            key_id: p.version.clone(),
            created: p.release.clone().unwrap_or_default(),
            summary: p.summary.clone().unwrap_or_default(),
            location: p.location.clone(),
            repositories: Vec::new(),
            key_files: Vec::new(),
        })
        .collect();
    v.sort();
    v.dedup();
    v
}

/// The fate of a package whose role is in the fixed-fate table; `false` when it is not.
pub fn fixed(ctx: &Context, p: &InstalledPackage, r: &mut PackageReport) -> bool {
    let Some(f) = fixed_fate(&p.name) else {
        return false;
    };
    let target = ctx.pack.name_version();
    match f.fate {
        "package-manager" => {
            r.fate = "replaced-by-package-manager".into();
            r.basis = "package-role".into();
            r.confidence = Some(Confidence::High.as_str().into());
            r.reason = format!(
                "{}: {target} manages its packages, repositories and keys with its own tools (dnf, rpm); nothing to install",
                f.reason
            );
            true
        }
        "renamed" => match ctx.pack.package(f.target) {
            Some(t) => {
                r.fate = status_of(t.channel, true).as_str().into();
                r.basis = "rename".into();
                r.confidence = Some(Confidence::High.as_str().into());
                r.reason = f.reason.to_string();
                r.azl_packages = vec![azl(ctx, t.name)];
                true
            }
            None => false,
        },
        _ => false,
    }
}

fn azl(ctx: &Context, name: &str) -> AzlPackage {
    let p = ctx.pack.package(name);
    AzlPackage {
        name: name.to_string(),
        evr: p.filter(|p| !p.version.is_empty()).map(|p| p.evr()),
        channel: p.map_or("unknown", |p| p.channel.as_str()).to_string(),
    }
}

fn status_of(channel: Channel, other_name: bool) -> Status {
    match channel {
        Channel::Base if other_name => Status::ProvidedBy,
        Channel::Base => Status::Shipped,
        Channel::Sdk | Channel::SdkException => Status::SdkOnly,
        Channel::Unlisted => Status::NotPublished,
    }
}

/// Channel note for reasons: ` (sdk-exception: built, unsupported)`.
fn channel_note(c: Channel) -> String {
    match c {
        Channel::Base => String::new(),
        Channel::Sdk | Channel::SdkException => {
            format!(" (channel {}: built, unsupported)", c.as_str())
        }
        Channel::Unlisted => " (in no publish list)".into(),
    }
}

/// The fate of an rpm package from its own name, the target's explicit provides and
/// obsoletes, then its own Provides and files.
pub fn rpm(ctx: &Context, p: &InstalledPackage, r: &mut PackageReport) {
    let pack = ctx.pack;
    let target = pack.name_version();
    // 1. The same name.
    if let Some(t) = pack.package(&p.name) {
        r.fate = status_of(t.channel, false).as_str().into();
        r.basis = "same-name".into();
        r.confidence = Some(Confidence::High.as_str().into());
        r.reason = format!(
            "{target} has a package of the same name{}",
            channel_note(t.channel)
        );
        r.azl_packages = vec![azl(ctx, t.name)];
        return;
    }
    // 2. A target package provides or obsoletes the name.
    let caps = pack.capabilities(&p.name);
    for (kind, status, basis) in [
        ("explicit", Status::ProvidedBy, "provides"),
        ("obsoletes", Status::ObsoletedBy, "obsoletes"),
    ] {
        let mut names: Vec<&str> = caps
            .iter()
            .filter(|c| c.kind == kind)
            .map(|c| c.package)
            .collect();
        names.sort_by_key(|n| (pack.package(n).map_or(4, |k| k.channel.preference()), *n));
        names.dedup();
        if let Some(best) = names.first().and_then(|n| pack.package(n)) {
            let st = match status_of(best.channel, true) {
                Status::ProvidedBy => status,
                other => other,
            };
            r.fate = st.as_str().into();
            r.basis = basis.into();
            r.confidence = Some(Confidence::High.as_str().into());
            r.reason = format!(
                "{} {} {}{}",
                best.name,
                if kind == "explicit" {
                    "provides"
                } else {
                    "obsoletes"
                },
                p.name,
                channel_note(best.channel)
            );
            r.azl_packages = names.iter().take(4).map(|n| azl(ctx, n)).collect();
            return;
        }
    }
    // 3. What the package itself provides: its sonames, then the commands and libraries it
    //    owns.
    if own_content(ctx, p, r) {
        return;
    }
    r.fate = Status::NotShipped.as_str().into();
    r.basis = "none".into();
    r.confidence = None;
    let sonames = p
        .provides
        .iter()
        .filter(|d| provide_soname(&d.name).is_some())
        .count();
    r.reason = format!(
        "no {target} package has this name or provides or obsoletes it, and none provides what it provides ({sonames} sonames) or ships its commands and libraries"
    );
}

/// Map through the package's own soname provides and owned commands/libraries: the target
/// package most of them point to is the counterpart.
fn own_content(ctx: &Context, p: &InstalledPackage, r: &mut PackageReport) -> bool {
    let pack = ctx.pack;
    // (item shown in the reason, best provider)
    let mut items: Vec<(String, Option<String>)> = Vec::new();
    let sonames: BTreeSet<&str> = p
        .provides
        .iter()
        .filter_map(|d| provide_soname(&d.name))
        .collect();
    for s in &sonames {
        let best = pack
            .soname_providers(s)
            .into_iter()
            .find(|pr| !pr.glob && pr.confidence != Confidence::Low)
            .map(|pr| pr.package.to_string());
        items.push((s.to_string(), best));
    }
    let from_provides = !items.is_empty();
    for f in &p.files {
        let name = file_name(f);
        let is_bin = ["/usr/bin/", "/bin/", "/usr/sbin/", "/sbin/"]
            .iter()
            .any(|d| f.starts_with(d) && !f[d.len()..].contains('/'));
        let is_lib = !from_provides
            && name.starts_with("lib")
            && name.contains(".so.")
            && (f.starts_with("/usr/lib") || f.starts_with("/lib"));
        if is_bin {
            let best = pack
                .path_providers(f)
                .into_iter()
                .find(|pr| !pr.glob)
                .map(|pr| pr.package.to_string());
            items.push((f.clone(), best));
        } else if is_lib {
            let best = pack
                .soname_providers(name)
                .into_iter()
                .find(|pr| !pr.glob && pr.confidence != Confidence::Low)
                .map(|pr| pr.package.to_string());
            items.push((name.to_string(), best));
        }
    }
    let mut votes: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, b) in &items {
        if let Some(b) = b {
            *votes.entry(b.as_str()).or_default() += 1;
        }
    }
    if votes.is_empty() {
        return false;
    }
    let mut ranked: Vec<(&str, usize)> = votes.into_iter().collect();
    // Most items first, then the better channel, then the name.
    ranked.sort_by_key(|(n, c)| {
        (
            std::cmp::Reverse(*c),
            pack.package(n).map_or(4, |k| k.channel.preference()),
            *n,
        )
    });
    let found: usize = ranked.iter().map(|(_, c)| c).sum();
    let share = found as f64 / items.len() as f64;
    let confidence = if share >= 0.5 && ranked.len() == 1 {
        Confidence::High
    } else if share >= 0.5 {
        Confidence::Medium
    } else {
        Confidence::Low
    };
    let Some(best) = pack.package(ranked[0].0) else {
        return false;
    };
    let examples: Vec<String> = items
        .iter()
        .filter_map(|(i, b)| Some(format!("{i} -> {}", b.as_ref()?)))
        .take(3)
        .collect();
    let with_files = items.len() > sonames.len();
    let what = match (from_provides, with_files) {
        (true, true) => "its own Provides and files",
        (true, false) => "its own Provides",
        _ => "its own files",
    };
    r.fate = status_of(best.channel, best.name != p.name).as_str().into();
    r.basis = if from_provides {
        "own-provides"
    } else {
        "own-files"
    }
    .into();
    r.confidence = Some(confidence.as_str().into());
    r.reason = format!(
        "{what}: {} [{found}/{} found in {}]{}",
        examples.join("; "),
        items.len(),
        pack.name_version(),
        channel_note(best.channel)
    );
    r.azl_packages = ranked.iter().take(4).map(|(n, _)| azl(ctx, n)).collect();
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::packages::Manager;

    #[test]
    fn gpg_pubkey_entries_are_signing_keys() {
        let mut key =
            InstalledPackage::new(Manager::Rpm, "gpg-pubkey", "/var/lib/rpm/rpmdb.sqlite");
        key.version = "f4a80eb5".into();
        key.release = Some("53a7ff4b".into());
        key.summary =
            Some("gpg(CentOS-7 Key (CentOS 7 Official Signing Key) <security@centos.org>)".into());
        let bash = InstalledPackage::new(Manager::Rpm, "bash", "/var/lib/rpm/rpmdb.sqlite");
        let keys = signing_keys(&[key, bash]);
        assert_eq!(keys.len(), 1);
        assert_eq!(keys[0].key_id, "f4a80eb5");
        assert_eq!(keys[0].created, "53a7ff4b");
        assert!(keys[0].summary.contains("CentOS 7 Official Signing Key"));
    }
}
