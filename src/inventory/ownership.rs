//! Which files belong to the source distribution's packages.
//!
//! Files owned by the source distribution's packages are replaced by Azure Linux packages on
//! the target, so they are neither judged file by file nor used to satisfy a binary that moves.
//! This reads dpkg's per-package file lists (`/var/lib/dpkg/info/<pkg>[:arch].list`); the RPM
//! databases are read by the package inventory (see docs/architecture.md).

use super::{Inventory, Node};
use crate::findings::Diagnostic;
use crate::source::{EntryKind, Opened, Source};
use std::collections::HashSet;
use std::io::Read;
use std::path::Path;

const DPKG_INFO: &str = "/var/lib/dpkg/info";

/// Paths listed by the source distribution's package manager.
#[derive(Debug, Default)]
pub struct Ownership {
    /// Raw listed paths (as the package manager recorded them).
    pub paths: HashSet<String>,
    /// Number of packages whose file lists were read.
    pub packages: usize,
    /// The package manager(s) read, e.g. `dpkg`.
    pub managers: Vec<String>,
}

impl Ownership {
    /// Whether a path (as the target would see it) is owned, taking merged /usr into account.
    pub fn owns(&self, path: &str) -> bool {
        if self.paths.contains(path) {
            return true;
        }
        for (merged, unmerged) in [
            ("/usr/bin/", "/bin/"),
            ("/usr/sbin/", "/sbin/"),
            ("/usr/lib/", "/lib/"),
            ("/usr/lib64/", "/lib64/"),
        ] {
            if let Some(rest) = path.strip_prefix(merged) {
                if self.paths.contains(&format!("{unmerged}{rest}")) {
                    return true;
                }
            } else if let Some(rest) = path.strip_prefix(unmerged) {
                if self.paths.contains(&format!("{merged}{rest}")) {
                    return true;
                }
            }
        }
        false
    }
}

/// Read the package managers' file lists from the tree and mark owned objects.
pub fn apply(inv: &mut Inventory, source: &dyn Source) -> Ownership {
    let mut own = Ownership::default();
    read_dpkg(inv, source, &mut own);
    own
}

fn read_dpkg(inv: &mut Inventory, source: &dyn Source, own: &mut Ownership) {
    let entries = match source.read_dir(Path::new(DPKG_INFO)) {
        Ok(Ok(e)) => e,
        _ => return,
    };
    let mut lists: Vec<String> = entries
        .into_iter()
        .filter(|e| e.kind == EntryKind::File)
        .filter_map(|e| e.name.to_str().map(str::to_string))
        .filter(|n| n.ends_with(".list"))
        .collect();
    lists.sort();
    if lists.is_empty() {
        return;
    }
    own.managers.push("dpkg".into());
    for name in lists {
        let pkg = name.trim_end_matches(".list");
        let pkg = pkg.split(':').next().unwrap_or(pkg).to_string();
        let path = format!("{DPKG_INFO}/{name}");
        let text = match read_text(source, &path) {
            Ok(t) => t,
            Err(e) => {
                inv.diagnostics.push(Diagnostic::new(
                    &path,
                    format!("cannot read dpkg file list: {e}"),
                ));
                continue;
            }
        };
        own.packages += 1;
        for line in text.lines() {
            let line = line.trim_end();
            if line.is_empty() || line == "/." {
                continue;
            }
            let id = match inv.resolve(line) {
                Ok((_, Node::File(Some(id)))) => Some(*id),
                _ => None,
            };
            if let Some(id) = id {
                let obj = &mut inv.objects[id];
                if obj.owner.is_none() {
                    obj.owner = Some(format!("dpkg:{pkg}"));
                }
            }
            own.paths.insert(line.to_string());
        }
    }
    inv.stats.distro_owned = inv.objects.iter().filter(|o| o.owner.is_some()).count() as u64;
}

/// Read a whole (small) text file from the source.
pub fn read_text(source: &dyn Source, path: &str) -> std::io::Result<String> {
    let opened = source.open(Path::new(path))?;
    match opened {
        Opened::File(mut f) => {
            let mut s = Vec::new();
            f.read_to_end(&mut s)?;
            Ok(String::from_utf8_lossy(&s).into_owned())
        }
        Opened::Bytes(b) => Ok(String::from_utf8_lossy(&b).into_owned()),
    }
}
