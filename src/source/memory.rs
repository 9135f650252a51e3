//! A tree built in code: directories, files with modes, symlinks, hardlinks, special files and
//! unreadable entries, behind [`Source`]. Tests use it to run the walk and the checks without
//! touching the file system (no gcc, no temporary directories); it follows the same rules as
//! [`super::DirSource`]: paths are target paths, the last component of a path is never
//! followed, intermediate symlinks resolve inside the root.

use super::{Component, Entry, EntryKind, FileId, FileMeta, Opened, Source, resolve_path};
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Clone)]
enum Node {
    Dir,
    File {
        data: Arc<[u8]>,
        mode: u32,
    },
    Symlink(String),
    /// A FIFO, socket or device: listed, never opened.
    Special,
    /// Listed, but opening or listing it fails with "permission denied".
    Unreadable {
        dir: bool,
    },
}

/// An in-memory tree (see the module documentation).
#[derive(Clone)]
pub struct MemorySource {
    nodes: BTreeMap<String, Node>,
}

impl Default for MemorySource {
    fn default() -> Self {
        Self::new()
    }
}

/// `/a/b/` and `a/b` -> `/a/b`.
fn norm(path: &str) -> String {
    let parts: Vec<&str> = path.split('/').filter(|c| !c.is_empty()).collect();
    format!("/{}", parts.join("/"))
}

fn parent(path: &str) -> Option<&str> {
    if path == "/" {
        return None;
    }
    Some(match path.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &path[..i],
    })
}

impl MemorySource {
    /// An empty tree (only `/`).
    pub fn new() -> Self {
        let mut nodes = BTreeMap::new();
        nodes.insert("/".to_string(), Node::Dir);
        MemorySource { nodes }
    }

    fn put(mut self, path: &str, node: Node) -> Self {
        let path = norm(path);
        let mut p = parent(&path).map(str::to_string);
        while let Some(d) = p {
            self.nodes.entry(d.clone()).or_insert(Node::Dir);
            p = parent(&d).map(str::to_string);
        }
        self.nodes.insert(path, node);
        self
    }

    /// A directory (and its parents).
    pub fn dir(self, path: &str) -> Self {
        self.put(path, Node::Dir)
    }

    /// A regular file with these bytes and permission bits.
    pub fn file(self, path: &str, data: impl AsRef<[u8]>, mode: u32) -> Self {
        let data: Arc<[u8]> = Arc::from(data.as_ref());
        self.put(path, Node::File { data, mode })
    }

    /// A regular file, mode 0644.
    pub fn text(self, path: &str, text: &str) -> Self {
        self.file(path, text, 0o644)
    }

    /// An executable file, mode 0755.
    pub fn exe(self, path: &str, data: impl AsRef<[u8]>) -> Self {
        self.file(path, data, 0o755)
    }

    /// A symbolic link with this raw target.
    pub fn symlink(self, path: &str, target: &str) -> Self {
        self.put(path, Node::Symlink(target.to_string()))
    }

    /// A second name for an existing regular file (same identity).
    pub fn hardlink(self, path: &str, existing: &str) -> Self {
        let node = self
            .nodes
            .get(&norm(existing))
            .cloned()
            .expect("hardlink to an existing file");
        self.put(path, node)
    }

    /// A FIFO (or socket, or device).
    pub fn special(self, path: &str) -> Self {
        self.put(path, Node::Special)
    }

    /// A file (or, with `dir`, a directory) that cannot be read.
    pub fn unreadable(self, path: &str, dir: bool) -> Self {
        self.put(path, Node::Unreadable { dir })
    }

    /// The node at `path`, intermediate symlinks followed inside the root, the last
    /// component not.
    fn node(&self, path: &Path) -> io::Result<(String, &Node)> {
        let path = norm(&path.to_string_lossy());
        let (dir, name) = match parent(&path) {
            None => return Ok(("/".into(), &self.nodes["/"])),
            Some(d) => (d, &path[d.len()..]),
        };
        let dir = resolve_path(dir, |p, _| match self.nodes.get(p) {
            Some(Node::Symlink(t)) => Component::Link(t.clone()),
            Some(Node::Dir) => Component::Other,
            _ => Component::Stop,
        })
        .map_err(|_| io::Error::from(io::ErrorKind::NotFound))?;
        let full = norm(&format!("{dir}/{name}"));
        match self.nodes.get(&full) {
            Some(n) => Ok((full, n)),
            None => Err(io::ErrorKind::NotFound.into()),
        }
    }

    /// How many names a file's bytes have (hardlinks).
    fn links(&self, data: &Arc<[u8]>) -> usize {
        self.nodes
            .values()
            .filter(|n| matches!(n, Node::File { data: d, .. } if Arc::ptr_eq(d, data)))
            .count()
    }
}

fn denied() -> io::Error {
    io::ErrorKind::PermissionDenied.into()
}

impl Source for MemorySource {
    fn describe(&self) -> String {
        "in-memory tree".to_string()
    }

    fn read_dir(&self, path: &Path) -> io::Result<Result<Vec<Entry>, String>> {
        let (full, node) = self.node(path)?;
        match node {
            Node::Dir => {}
            Node::Unreadable { .. } => return Err(denied()),
            _ => return Err(io::ErrorKind::NotADirectory.into()),
        }
        let prefix = if full == "/" {
            "/".to_string()
        } else {
            format!("{full}/")
        };
        let entries = self
            .nodes
            .range(prefix.clone()..)
            .take_while(|(p, _)| p.starts_with(&prefix))
            .filter(|(p, _)| p.len() > prefix.len() && !p[prefix.len()..].contains('/'))
            .map(|(p, n)| Entry {
                name: OsString::from(&p[prefix.len()..]),
                kind: match n {
                    Node::Dir | Node::Unreadable { dir: true } => EntryKind::Dir,
                    Node::File { .. } | Node::Unreadable { dir: false } => EntryKind::File,
                    Node::Symlink(_) => EntryKind::Symlink,
                    Node::Special => EntryKind::Special,
                },
            })
            .collect();
        Ok(Ok(entries))
    }

    fn open(&self, path: &Path) -> io::Result<Opened> {
        match self.node(path)?.1 {
            Node::File { data, .. } => Ok(Opened::Bytes(data.clone())),
            Node::Unreadable { .. } => Err(denied()),
            Node::Dir => Err(io::ErrorKind::IsADirectory.into()),
            Node::Symlink(_) => Err(io::Error::other("a symbolic link (not followed)")),
            Node::Special => Err(io::Error::other("not a regular file")),
        }
    }

    fn meta(&self, opened: &Opened) -> io::Result<FileMeta> {
        let Opened::Bytes(b) = opened else {
            return Err(io::Error::other("not opened by this source"));
        };
        let found = self.nodes.values().enumerate().find_map(|(i, n)| match n {
            Node::File { data, mode } if Arc::ptr_eq(data, b) => Some((i, *mode, data)),
            _ => None,
        });
        let Some((i, mode, data)) = found else {
            return Err(io::Error::other("not opened by this source"));
        };
        Ok(FileMeta {
            size: b.len() as u64,
            id: (self.links(data) > 1).then_some(FileId {
                dev: 0,
                ino: i as u64,
            }),
            executable: mode & 0o111 != 0,
        })
    }

    fn read_link(&self, path: &Path) -> io::Result<PathBuf> {
        match self.node(path)?.1 {
            Node::Symlink(t) => Ok(PathBuf::from(t)),
            _ => Err(io::ErrorKind::InvalidInput.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::walk::{NoProgress, walk};

    #[test]
    fn lists_opens_and_resolves_like_a_directory() {
        let src = MemorySource::new()
            .exe("/opt/app/bin/run.sh", "#!/bin/sh\necho\n")
            .text("/opt/app/data.txt", "hello")
            .symlink("/opt/app/link", "bin/run.sh")
            .symlink("/opt/cur", "app")
            .special("/opt/app/fifo");
        let names: Vec<String> = src
            .read_dir(Path::new("/opt/app"))
            .unwrap()
            .unwrap()
            .into_iter()
            .map(|e| format!("{}:{:?}", e.name.to_string_lossy(), e.kind))
            .collect();
        assert_eq!(
            names,
            ["bin:Dir", "data.txt:File", "fifo:Special", "link:Symlink"]
        );
        // Intermediate links are followed inside the root; the last one is not.
        let opened = src.open(Path::new("/opt/cur/data.txt")).unwrap();
        assert!(!src.meta(&opened).unwrap().executable);
        assert!(src.open(Path::new("/opt/app/link")).is_err());
        assert_eq!(
            src.read_link(Path::new("/opt/app/link")).unwrap(),
            PathBuf::from("bin/run.sh")
        );
        assert_eq!(
            src.read_dir(Path::new("/nope")).unwrap_err().kind(),
            io::ErrorKind::NotFound
        );
    }

    #[test]
    fn the_walk_reads_it_hardlinks_once_and_reports_what_it_cannot_read() {
        let src = MemorySource::new()
            .exe("/opt/app/run.sh", "#!/bin/sh\necho\n")
            .hardlink("/opt/app/again.sh", "/opt/app/run.sh")
            .file("/opt/app/plain.sh", "#!/bin/sh\n", 0o644)
            .unreadable("/opt/app/secret", true);
        let inv = walk(&src, &NoProgress);
        let paths: Vec<&str> = inv.objects.iter().map(|o| o.path.as_str()).collect();
        assert_eq!(paths, ["/opt/app/again.sh"]);
        assert_eq!(inv.objects[0].hardlinks, ["/opt/app/run.sh"]);
        assert!(
            inv.diagnostics.iter().any(|d| d.path == "/opt/app/secret"),
            "{:?}",
            inv.diagnostics
        );
    }
}
