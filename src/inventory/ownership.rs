//! Which files belong to which installed package, and whose packages they are.
//!
//! Files owned by the source distribution's packages (origin `distro`) are replaced by Azure
//! Linux packages on the target, so they are neither judged file by file nor used to satisfy a
//! binary that moves. Files of third-party packages and unowned files are the workload.

use super::packages::{InstalledPackage, Manager, PackageDb};
use super::{Inventory, Node};
use crate::knowledge::source_distros;
use crate::source::Source;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Whose package a package is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// The source distribution's own (or a Fedora-family repository's): Azure Linux replaces it.
    Distro,
    /// Another vendor, a local build, or a `.rpm` file in the tree: it moves with the workload.
    ThirdParty,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Distro => "distro",
            Origin::ThirdParty => "third-party",
        }
    }
}

/// The package that owns a file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Owner {
    pub package: String,
    pub manager: Manager,
    pub origin: Origin,
}

/// Decide a package's origin. `is_distro_name` says whether a dpkg package name belongs to the
/// Debian/Ubuntu archive (the knowledge pack's Debian map).
pub fn classify(p: &InstalledPackage, is_distro_name: &dyn Fn(&str) -> bool) -> Origin {
    let marked = |field: &str, v: &Option<String>| {
        v.as_deref()
            .is_some_and(|v| source_distros::distro_of(field, v).is_some())
    };
    match p.manager {
        Manager::RpmFile => Origin::ThirdParty,
        Manager::Rpm => {
            if p.name == "gpg-pubkey"
                || marked("vendor", &p.vendor)
                || marked("packager", &p.packager)
            {
                Origin::Distro
            } else {
                Origin::ThirdParty
            }
        }
        Manager::Dpkg => {
            if is_distro_name(&p.name) || marked("maintainer", &p.maintainer) {
                Origin::Distro
            } else {
                Origin::ThirdParty
            }
        }
    }
}

/// File ownership of the tree.
#[derive(Debug, Default)]
pub struct Ownership {
    /// Listed path -> index into `owners`.
    paths: HashMap<String, u32>,
    owners: Vec<Owner>,
    /// The package managers whose databases were read (`rpm`, `dpkg`).
    pub managers: Vec<String>,
    /// Number of installed packages.
    pub packages: usize,
}

impl Ownership {
    /// The owner of a path as a package manager recorded it, taking merged /usr into account.
    pub fn owner(&self, path: &str) -> Option<&Owner> {
        if let Some(&i) = self.paths.get(path) {
            return self.owners.get(i as usize);
        }
        for (merged, unmerged) in [
            ("/usr/bin/", "/bin/"),
            ("/usr/sbin/", "/sbin/"),
            ("/usr/lib/", "/lib/"),
            ("/usr/lib64/", "/lib64/"),
        ] {
            let other = if let Some(rest) = path.strip_prefix(merged) {
                format!("{unmerged}{rest}")
            } else if let Some(rest) = path.strip_prefix(unmerged) {
                format!("{merged}{rest}")
            } else {
                continue;
            };
            if let Some(&i) = self.paths.get(&other) {
                return self.owners.get(i as usize);
            }
        }
        None
    }

    /// Whether a path belongs to a source-distribution package (it is replaced, not moved).
    pub fn owns(&self, path: &str) -> bool {
        self.owner(path).is_some_and(|o| o.origin == Origin::Distro)
    }
}

/// Record who owns every file the packages list, and mark the inventory's objects.
/// `origins[i]` is the origin of `db.packages[i]`.
pub fn apply(inv: &mut Inventory, db: &PackageDb, origins: &[Origin]) -> Ownership {
    let mut own = Ownership {
        managers: db.managers.clone(),
        ..Ownership::default()
    };
    for (p, origin) in db.packages.iter().zip(origins) {
        if p.manager == Manager::RpmFile {
            continue;
        }
        own.packages += 1;
        let idx = own.owners.len() as u32;
        own.owners.push(Owner {
            package: p.name.clone(),
            manager: p.manager,
            origin: *origin,
        });
        for f in &p.files {
            own.paths.entry(f.clone()).or_insert(idx);
            let id = match inv.resolve(f) {
                Ok((_, Node::File(Some(id)))) => Some(*id),
                _ => None,
            };
            if let Some(id) = id {
                let obj = &mut inv.objects[id];
                if obj.owner.is_none() {
                    obj.owner = own.owners.get(idx as usize).cloned();
                }
            }
        }
    }
    inv.stats.distro_owned = inv
        .objects
        .iter()
        .filter(|o| o.owner.as_ref().is_some_and(|w| w.origin == Origin::Distro))
        .count() as u64;
    own
}

/// Read a whole small text file from the source; a file of more than `cap` bytes is an
/// `InvalidData` error saying so (never read past the cap).
pub fn read_text(source: &dyn Source, path: &str, cap: u64) -> std::io::Result<String> {
    let bytes = super::packages::read_file(source, path, cap)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
