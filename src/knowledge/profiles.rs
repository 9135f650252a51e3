//! Target profiles: what an image of the target (the VM image, the container bases) already has
//! installed, so image users know what they still need to `dnf install`.
//!
//! The builder reads the image package lists of `azurelinux-4.0/defaults.md` ("Images": kiwi
//! `<packages>` per type and profile) and writes `profiles.tsv`; descriptions go to `pack.json`
//! `profiles`. [`super::Pack::with_profile`] extends the pack's baseline packages with a
//! profile's packages. docs/knowledge.md ("Targets and profiles") describes the rules.

use super::{PackError, format, parse_table};
use serde::Serialize;
use std::collections::BTreeMap;

/// What a profile's description says when its image keeps no package manager (written here by
/// the builder for the distroless images; read by `Pack::profile_has_package_manager`).
pub const NO_PACKAGE_MANAGER: &str = "no package manager";

/// A profile of a target: an image and the packages it has installed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Profile {
    pub name: String,
    /// What the image is (from `pack.json` `profiles`).
    pub description: String,
    /// Sorted rows of profiles.tsv for this profile.
    pub packages: Vec<ProfilePackage>,
}

/// One package of a profile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProfilePackage {
    /// The target package (a row of packages.tsv).
    pub package: String,
    /// `*`, or the only architecture whose image has it (`grub2-efi-x64[x86_64]`).
    pub arch: String,
    /// The name the image description lists (`zlib`, answered by zlib-ng-compat's `Provides:`).
    pub entry: String,
    /// Where the fact comes from: `<kiwi file>:<packages type>` (`vm-base.kiwi:image`).
    pub source: String,
}

impl Profile {
    /// The distinct package names, sorted.
    pub fn package_names(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.packages.iter().map(|p| p.package.as_str()).collect();
        v.sort_unstable();
        v.dedup();
        v
    }
}

/// Parse profiles.tsv. Every profile must be described in `pack.json` (`descriptions`), every
/// package must be in packages.tsv (`known`); a described profile without rows is empty.
pub(super) fn parse(
    origin: &str,
    text: Option<&str>,
    descriptions: &BTreeMap<String, String>,
    known: &dyn Fn(&str) -> bool,
    expected: Option<u64>,
) -> Result<BTreeMap<String, Profile>, PackError> {
    let mut out: BTreeMap<String, Profile> = descriptions
        .iter()
        .map(|(name, d)| {
            let p = Profile {
                name: name.clone(),
                description: d.clone(),
                packages: Vec::new(),
            };
            (name.clone(), p)
        })
        .collect();
    let Some(text) = text else {
        return Ok(out);
    };
    parse_table(
        origin,
        format::PROFILES,
        text,
        format::PROFILES_COLUMNS,
        expected,
        |f| {
            if let Some(empty) = format::PROFILES_COLUMNS
                .iter()
                .zip(f)
                .find(|(_, v)| v.is_empty())
            {
                return Err(format!("empty {}", empty.0));
            }
            let Some(profile) = out.get_mut(f[0]) else {
                return Err(format!(
                    "profile `{}` is not described in pack.json `profiles`",
                    f[0]
                ));
            };
            if !known(f[1]) {
                return Err(format!("package `{}` is not in {}", f[1], format::PACKAGES));
            }
            profile.packages.push(ProfilePackage {
                package: f[1].to_string(),
                arch: f[2].to_string(),
                entry: f[3].to_string(),
                source: f[4].to_string(),
            });
            Ok(())
        },
    )?;
    Ok(out)
}

// ---- building from defaults.md ----------------------------------------------------------------

/// The distroless profiles' `config.sh` (defaults.md, the note after the container-base lists)
/// force-removes these, marks the `type=image` packages (the keep list) as user-installed and
/// runs `dnf autoremove`: only the keep list stays, bootstrap-only packages (busybox) go.
const KEEP_LIST_ONLY_PREFIX: &str = "distroless-";
const FORCE_REMOVED: &[&str] = &["bash", "ca-certificates"];
/// The note that justifies the two constants above; the build stops when it changes.
const DISTROLESS_NOTE: &[&str] = &[
    "force-removes `bash` and `ca-certificates`",
    "marks the keep list as user-installed",
    "dnf autoremove",
];

/// One `packages` list of a kiwi image description.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct ImageList {
    /// The image description (`vm-base`, `container-base`).
    pub image: String,
    /// The kiwi file (`base/images/vm-base/vm-base.kiwi`).
    pub kiwi: String,
    /// `image` or `bootstrap`.
    pub kind: String,
    /// The profiles it applies to (the image's own name when the image has no profiles).
    pub profiles: Vec<String>,
    /// (name, arch): `grub2-efi-x64[x86_64]` is (`grub2-efi-x64`, `x86_64`), others arch `*`.
    pub entries: Vec<(String, String)>,
}

/// What the "Images" section of defaults.md says.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Images {
    pub lists: Vec<ImageList>,
    /// Profile -> description.
    pub descriptions: BTreeMap<String, String>,
}

fn backticked(s: &str) -> Vec<&str> {
    s.split('`').skip(1).step_by(2).collect()
}

/// Read the "Images" section of defaults.md.
pub(super) fn images_from_defaults(text: &str) -> Result<Images, String> {
    let mut in_section = false;
    let mut out = Images::default();
    // (image, kiwi, (profile, what) of the current image's named profiles)
    type Current = Option<(String, String, Vec<(String, String)>)>;
    let mut image: Current = None;
    let mut lists = Vec::new();
    let mut note = None;
    let flush = |image: &mut Current, out: &mut Images| {
        if let Some((name, kiwi, profiles)) = image.take() {
            if profiles.is_empty() {
                out.descriptions
                    .insert(name.clone(), format!("{name} image ({kiwi})"));
            }
            for (p, what) in profiles {
                out.descriptions.insert(
                    p.clone(),
                    format!("{what} ({kiwi}, profile {p})").trim().to_string(),
                );
            }
        }
    };
    for (i, line) in text.lines().enumerate() {
        let lineno = i + 1;
        if let Some(h) = line.strip_prefix("## ") {
            if in_section {
                break;
            }
            in_section = h.starts_with("Images");
            continue;
        }
        if !in_section {
            continue;
        }
        if let Some(h) = line.strip_prefix("### ") {
            flush(&mut image, &mut out);
            let name = h.split_whitespace().next().unwrap_or("").to_string();
            let kiwi = backticked(h).first().copied().unwrap_or("").to_string();
            if name.is_empty() || kiwi.is_empty() {
                return Err(format!("line {lineno}: expected `### NAME (`KIWI`)`"));
            }
            image = Some((name, kiwi, Vec::new()));
            continue;
        }
        if line.contains("dnf autoremove") {
            note = Some(line);
        }
        let Some((name, kiwi, named)) = image.as_mut() else {
            continue;
        };
        if let Some(rest) = line.strip_prefix("- type (") {
            let (profile, attrs) = rest
                .split_once("):")
                .ok_or_else(|| format!("line {lineno}: expected `- type (PROFILE): ...`"))?;
            if profile != "all" {
                let what = match attrs.split_once(" name ") {
                    Some((_, n)) => format!(
                        "container image {}",
                        backticked(n).first().copied().unwrap_or("")
                    ),
                    None => format!("{name} image"),
                };
                named.push((profile.to_string(), what));
            }
            continue;
        }
        let Some(rest) = line.strip_prefix("- packages ") else {
            continue;
        };
        let bad = || format!("line {lineno}: expected `- packages type=T profiles=P (N): ...`");
        let (head, items) = rest.split_once("):").ok_or_else(bad)?;
        let mut kind = None;
        let mut profiles = None;
        let mut count = None;
        for word in head.split_whitespace() {
            if let Some(v) = word.strip_prefix("type=") {
                kind = Some(v);
            } else if let Some(v) = word.strip_prefix("profiles=") {
                profiles = Some(v);
            } else if let Some(v) = word.strip_prefix('(') {
                count = v.parse::<usize>().ok();
            }
        }
        let (Some(kind), Some(profiles), Some(count)) = (kind, profiles, count) else {
            return Err(bad());
        };
        let profiles: Vec<String> = if profiles == "all" {
            if named.is_empty() {
                vec![name.clone()]
            } else {
                named.iter().map(|(p, _)| p.clone()).collect()
            }
        } else {
            profiles.split(',').map(str::to_string).collect()
        };
        let mut entries = Vec::new();
        for item in backticked(items) {
            let (pkg, arch) = match item.split_once('[') {
                Some((p, a)) => (p, a.strip_suffix(']').ok_or_else(bad)?),
                None => (item, "*"),
            };
            if pkg.is_empty() || arch.is_empty() {
                return Err(bad());
            }
            entries.push((pkg.to_string(), arch.to_string()));
        }
        if entries.len() != count {
            return Err(format!(
                "line {lineno}: {} packages listed, the line says {count}",
                entries.len()
            ));
        }
        lists.push(ImageList {
            image: name.clone(),
            kiwi: kiwi.clone(),
            kind: kind.to_string(),
            profiles,
            entries,
        });
    }
    flush(&mut image, &mut out);
    if lists.is_empty() {
        return Err("no image package lists in the `## Images` section".into());
    }
    for l in &lists {
        for p in &l.profiles {
            if !out.descriptions.contains_key(p) {
                return Err(format!(
                    "{}: profile `{p}` has no `- type ({p})` line",
                    l.kiwi
                ));
            }
        }
    }
    let keep_list_only: Vec<String> = out
        .descriptions
        .keys()
        .filter(|p| p.starts_with(KEEP_LIST_ONLY_PREFIX))
        .cloned()
        .collect();
    if !keep_list_only.is_empty() {
        let ok = note.is_some_and(|n| DISTROLESS_NOTE.iter().all(|w| n.contains(w)));
        if !ok {
            return Err(
                "the distroless note (`force-removes ...`, `dnf autoremove`) changed: review \
                 KEEP_LIST_ONLY_PREFIX and FORCE_REMOVED in src/knowledge/profiles.rs"
                    .into(),
            );
        }
        for p in keep_list_only {
            let d = out.descriptions.get_mut(&p).expect("listed");
            d.push_str(&format!(
                "; distroless: only the image's own packages stay (dnf autoremove), \
                 {NO_PACKAGE_MANAGER} and no rpmdb"
            ));
        }
    }
    out.lists = lists;
    Ok(out)
}

/// profiles.tsv rows, sorted, and the entries no package answers.
#[derive(Clone, Debug, Default)]
pub(super) struct ProfileRows {
    pub rows: Vec<Vec<String>>,
    /// `profile: entry[arch]` of the entries `resolve` found no package for.
    pub unresolved: Vec<String>,
}

/// The rows of profiles.tsv: one per (profile, package, arch, entry, source). `resolve(name,
/// arch)` gives the package an image entry installs (the package of that name, or the shipped
/// package whose `Provides:` names it), `None` when the pack has none.
pub(super) fn pack_rows(
    images: &Images,
    resolve: &dyn Fn(&str, &str) -> Option<String>,
) -> ProfileRows {
    let mut out = ProfileRows::default();
    for l in &images.lists {
        let file = l.kiwi.rsplit('/').next().unwrap_or(&l.kiwi);
        let source = format!("{file}:{}", l.kind);
        for profile in &l.profiles {
            let keep_list_only = profile.starts_with(KEEP_LIST_ONLY_PREFIX);
            if keep_list_only && l.kind != "image" {
                continue;
            }
            for (entry, arch) in &l.entries {
                if keep_list_only && FORCE_REMOVED.contains(&entry.as_str()) {
                    continue;
                }
                match resolve(entry, arch) {
                    Some(package) => out.rows.push(vec![
                        profile.clone(),
                        package,
                        arch.clone(),
                        entry.clone(),
                        source.clone(),
                    ]),
                    None => {
                        let a = if arch == "*" {
                            String::new()
                        } else {
                            format!("[{arch}]")
                        };
                        out.unresolved.push(format!("{profile}: {entry}{a}"));
                    }
                }
            }
        }
    }
    out.rows.sort();
    out.rows.dedup();
    out.unresolved.sort();
    out.unresolved.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEFAULTS: &str = "# x\n## Other\n- packages type=image profiles=all (1): `nope`\n\
## Images (base/images)\n\
### vm-base (`base/images/vm-base/vm-base.kiwi`)\n\
- type (all): filesystem=`ext4`\n\
- packages type=image profiles=all (3): `bash`, `zlib`, `glibc`\n\
- packages type=bootstrap profiles=all (2): `shim[x86_64]`, `shim[aarch64]`\n\n\
### container-base (`base/images/container-base/container-base.kiwi`)\n\
- type (core): image=`oci` name `microsoft/azurelinux/base/core:4.0`\n\
- type (distroless-base): image=`oci` name `microsoft/azurelinux/distroless/base:4.0`\n\
- packages type=image profiles=core (2): `filesystem`, `bash`\n\
- packages type=image profiles=distroless-base (3): `filesystem`, `openssl-libs`, `bash`\n\
- packages type=bootstrap profiles=core,distroless-base (2): `filesystem`, `busybox`\n\n\
- Container distroless profiles: config.sh force-removes `bash` and `ca-certificates` (..), \
marks the keep list as user-installed, runs `dnf autoremove` (..).\n\
## Package groups\n- packages type=image profiles=all (1): `nope`\n";

    #[test]
    fn image_lists_become_profile_rows() {
        let images = images_from_defaults(DEFAULTS).unwrap();
        assert_eq!(
            images.descriptions.keys().collect::<Vec<_>>(),
            ["core", "distroless-base", "vm-base"]
        );
        assert_eq!(
            images.descriptions["core"],
            "container image microsoft/azurelinux/base/core:4.0 \
             (base/images/container-base/container-base.kiwi, profile core)"
        );
        assert!(images.descriptions["distroless-base"].contains("distroless:"));
        assert_eq!(images.lists.len(), 5);
        let resolve = |name: &str, arch: &str| match (name, arch) {
            ("zlib", _) => Some("zlib-ng-compat".to_string()),
            ("shim", "x86_64") => Some("shim-x64".to_string()),
            ("shim", _) => None,
            (n, _) => Some(n.to_string()),
        };
        let rows = pack_rows(&images, &resolve);
        let pkgs = |profile: &str| -> Vec<String> {
            rows.rows
                .iter()
                .filter(|r| r[0] == profile)
                .map(|r| format!("{}/{}/{}", r[1], r[2], r[4]))
                .collect()
        };
        assert_eq!(
            pkgs("vm-base"),
            [
                "bash/*/vm-base.kiwi:image",
                "glibc/*/vm-base.kiwi:image",
                "shim-x64/x86_64/vm-base.kiwi:bootstrap",
                "zlib-ng-compat/*/vm-base.kiwi:image"
            ]
        );
        assert_eq!(
            pkgs("core"),
            [
                "bash/*/container-base.kiwi:image",
                "busybox/*/container-base.kiwi:bootstrap",
                "filesystem/*/container-base.kiwi:bootstrap",
                "filesystem/*/container-base.kiwi:image"
            ]
        );
        // Distroless: keep list only, bash force-removed, bootstrap busybox autoremoved.
        assert_eq!(
            pkgs("distroless-base"),
            [
                "filesystem/*/container-base.kiwi:image",
                "openssl-libs/*/container-base.kiwi:image"
            ]
        );
        assert_eq!(rows.unresolved, ["vm-base: shim[aarch64]"]);
    }

    #[test]
    fn malformed_image_lists_are_errors() {
        let bad = DEFAULTS.replace("(3): `bash`, `zlib`", "(4): `bash`, `zlib`");
        assert!(images_from_defaults(&bad).unwrap_err().contains("says 4"));
        let bad = DEFAULTS.replace("dnf autoremove", "dnf remove");
        assert!(
            images_from_defaults(&bad)
                .unwrap_err()
                .contains("distroless")
        );
        assert!(images_from_defaults("## Images\n").is_err());
    }

    #[test]
    fn parse_checks_profiles_and_packages() {
        let d: BTreeMap<String, String> = [("core".to_string(), "c".to_string())].into();
        let text = "profile\tpackage\tarch\tentry\tsource\ncore\tbash\t*\tbash\tk:image\n";
        let known = |p: &str| p == "bash";
        let p = parse("t", Some(text), &d, &known, Some(1)).unwrap();
        assert_eq!(p["core"].package_names(), ["bash"]);
        let bad = text.replace("core\tbash", "other\tbash");
        assert!(parse("t", Some(&bad), &d, &known, None).is_err());
        let bad = text.replace("\tbash\t*", "\tzsh\t*");
        assert!(parse("t", Some(&bad), &d, &known, None).is_err());
        assert!(
            parse("t", None, &d, &known, None).unwrap()["core"]
                .packages
                .is_empty()
        );
    }
}
