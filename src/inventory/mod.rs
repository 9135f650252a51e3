//! What is there: the files of the scanned root, classified, with the facts the checks need.
//!
//! The walk (see [`walk`]) runs in parallel; each regular file is classified by its
//! first bytes and only ELF objects and scripts are read further.

pub mod archives;
pub mod base64;
pub mod dpkg;
pub mod elf;
pub mod exclude;
pub mod hostconf;
pub mod java;
pub mod ld_so_conf;
pub mod names;
pub mod node;
pub mod openpgp;
pub mod os_release;
pub mod ownership;
pub mod packages;
pub mod platform_variant;
pub mod python;
pub mod rpm;
pub mod script;
pub mod systemd;
pub mod walk;
pub mod zip;

use crate::findings::Diagnostic;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

pub use elf::ElfInfo;
pub use script::Shebang;

/// Index of a judged file in [`Inventory::objects`].
pub type ObjectId = usize;

/// What a judged file is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum ObjectKind {
    Elf(ElfInfo),
    Script(Shebang),
}

/// An ELF object or script found in the tree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Object {
    /// The path on the target (absolute, `/`-rooted), the smallest of its hardlinks.
    pub path: String,
    /// Other paths that are hardlinks to the same file (judged once, under `path`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hardlinks: Vec<String>,
    pub size: u64,
    pub kind: ObjectKind,
    /// The package that owns the file, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<ownership::Owner>,
}

impl Object {
    pub fn elf(&self) -> Option<&ElfInfo> {
        match &self.kind {
            ObjectKind::Elf(e) => Some(e),
            ObjectKind::Script(_) => None,
        }
    }
    /// Files owned by the source distribution's packages are replaced by Azure Linux
    /// packages; only the rest (third-party packages' files, unowned files) moves.
    pub fn carried_over(&self) -> bool {
        self.owner
            .as_ref()
            .is_none_or(|o| o.origin == ownership::Origin::ThirdParty)
    }
}

/// A node of the tree as seen by path lookups.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Node {
    Dir,
    /// A regular file; `Some` when it is a judged object.
    File(Option<ObjectId>),
    /// A symbolic link with its raw target.
    Symlink(String),
    /// A FIFO, socket or device (never opened).
    Special,
    /// A file, directory or symbolic link that could not be read: something is there, but
    /// what it is or holds is not known (never taken for "absent").
    Unreadable,
}

/// Everything the walk found.
#[derive(Debug, Default)]
pub struct Inventory {
    /// Judged objects, sorted by path.
    pub objects: Vec<Object>,
    /// Every path of the tree (target form) to its node, for loader-like lookups.
    pub nodes: HashMap<String, Node>,
    /// Files that could not be read or parsed, unreadable directories, loops, special files.
    pub diagnostics: Vec<Diagnostic>,
    /// Counts of what the walk saw.
    pub stats: WalkStats,
    /// `.rpm` package files found in the tree (installers that would run on the target).
    pub rpm_files: Vec<packages::InstalledPackage>,
    /// The source distribution as /etc/os-release describes it, if present.
    pub os_release: BTreeMap<String, String>,
    /// Files the language-runtime readers want, noted by name (sorted; see `python::noted`, `node::noted`, `java::noted`).
    pub runtime_files: Vec<String>,
}

/// Counts of what the walk saw.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct WalkStats {
    pub files: u64,
    pub directories: u64,
    pub symlinks: u64,
    pub elf_files: u64,
    pub scripts: u64,
    /// Directories not entered: pseudo filesystems and other mounts.
    pub skipped_mounts: Vec<String>,
    /// Files owned by the source distribution's package manager (judged at package level).
    pub distro_owned: u64,
    /// Paths left out because they are not workload (sorted).
    pub excluded: Vec<exclude::Excluded>,
}

pub use crate::source::MAX_SYMLINK_HOPS;

/// Why a path lookup failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup {
    NotFound,
    Loop,
}

impl Inventory {
    /// Resolve a target path inside the tree, following symlinks the way the kernel would,
    /// with the scanned root as `/`: absolute link targets are root-relative and `..` never
    /// leaves the root. Returns the resolved path and its node.
    pub fn resolve(&self, path: &str) -> Result<(String, &Node), Lookup> {
        use crate::source::{Component, Unresolved, resolve_path};
        let resolved = resolve_path(path, |p, last| match self.nodes.get(p) {
            Some(Node::Symlink(t)) => Component::Link(t.clone()),
            Some(Node::Dir) => Component::Other,
            // A file used as a directory leads nowhere.
            Some(_) if last => Component::Other,
            _ => Component::Stop,
        })
        .map_err(|e| match e {
            Unresolved::Loop => Lookup::Loop,
            Unresolved::Stopped => Lookup::NotFound,
        })?;
        match self.nodes.get(&resolved) {
            Some(n) => Ok((resolved, n)),
            None if resolved == "/" => Ok((resolved, &Node::Dir)),
            None => Err(Lookup::NotFound),
        }
    }

    /// The judged object at a target path (following symlinks), if any.
    pub fn object_at(&self, path: &str) -> Option<ObjectId> {
        match self.resolve(path) {
            Ok((_, Node::File(Some(id)))) => Some(*id),
            _ => None,
        }
    }

    /// Whether something (file or directory) exists at a target path.
    pub fn exists(&self, path: &str) -> bool {
        self.resolve(path).is_ok()
    }

    /// Whether a path leads to, or through, something that could not be read (an unreadable
    /// directory on the way, an unreadable file or link at the end): what is there is unknown.
    pub fn unreadable_at(&self, path: &str) -> bool {
        use crate::source::{Component, resolve_path};
        let mut hit = false;
        let _ = resolve_path(path, |p, _| match self.nodes.get(p) {
            Some(Node::Symlink(t)) => Component::Link(t.clone()),
            Some(Node::Dir) => Component::Other,
            Some(Node::Unreadable) => {
                hit = true;
                Component::Stop
            }
            _ => Component::Stop,
        });
        hit
    }

    /// Whether a path exists and is a regular file (following symlinks).
    pub fn is_file(&self, path: &str) -> bool {
        matches!(self.resolve(path), Ok((_, Node::File(_))))
    }
}

/// The directory part of a target path (`/` for top-level entries).
pub fn parent_dir(path: &str) -> String {
    match path.rfind('/') {
        Some(0) | None => "/".to_string(),
        Some(i) => path[..i].to_string(),
    }
}

/// The last component of a target path.
pub fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inv(nodes: &[(&str, Node)]) -> Inventory {
        let mut i = Inventory::default();
        for (p, n) in nodes {
            i.nodes.insert(p.to_string(), n.clone());
        }
        i
    }

    #[test]
    fn resolves_relative_and_absolute_links_inside_the_root() {
        let i = inv(&[
            ("/usr", Node::Dir),
            ("/usr/lib64", Node::Dir),
            ("/usr/lib64/libz.so.1.3", Node::File(Some(0))),
            ("/usr/lib64/libz.so.1", Node::Symlink("libz.so.1.3".into())),
            ("/lib64", Node::Symlink("usr/lib64".into())),
            ("/opt", Node::Dir),
            ("/opt/z", Node::Symlink("/lib64/libz.so.1".into())),
            (
                "/opt/up",
                Node::Symlink("../../../../usr/lib64/libz.so.1".into()),
            ),
        ]);
        assert_eq!(i.object_at("/lib64/libz.so.1"), Some(0));
        assert_eq!(i.object_at("/opt/z"), Some(0));
        // `..` above the root stays at the root.
        assert_eq!(i.object_at("/opt/up"), Some(0));
        assert_eq!(
            i.resolve("/lib64/libz.so.1").unwrap().0,
            "/usr/lib64/libz.so.1.3"
        );
        assert!(!i.exists("/lib64/nope"));
    }

    #[test]
    fn symlink_loops_end() {
        let i = inv(&[
            ("/a", Node::Symlink("b".into())),
            ("/b", Node::Symlink("/a".into())),
        ]);
        assert_eq!(i.resolve("/a").unwrap_err(), Lookup::Loop);
    }
}
