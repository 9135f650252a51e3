//! A container image as a [`Source`]: `docker save` tars, OCI image layouts (directory or
//! tar) and single layer tars, read in place (docs/images.md).
//!
//! Each layer is indexed once ([`layer`]); the layers are then merged bottom to top by the
//! OCI rules into one tree: `.wh.NAME` deletes NAME of lower layers, `.wh..wh..opq` hides a
//! directory's lower-layer children, hard links share their target's content (across layers
//! too), and symbolic links are resolved inside the image root. Nothing is ever written: a
//! member with `..`, an absolute path, a device node or a set-user-ID file is reported as a
//! diagnostic (and the first three are never part of the view).

pub mod layer;
pub mod layout;

use super::{Entry, EntryKind, FileId, FileMeta, Opened, ReadAt, Source};
use crate::findings::Diagnostic;
use layer::{Budget, Change, Content, Data};
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

pub use layout::{Format, RunConfig, host_platform, is_image};

/// Bytes of compressed layers kept in memory for the checks, across the whole image.
pub const KEPT_BUDGET: u64 = 1 << 30;

/// The device number given to image files in [`FileId`] (hard links are judged once).
const IMAGE_DEV: u64 = u64::MAX;

/// What a layer was, for the report and for findings' evidence.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct LayerInfo {
    pub index: usize,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub digest: String,
    /// `none`, `gzip`, `zstd` or `xz`, from the layer's first bytes.
    pub compression: String,
    /// The image history's `created_by` of the step that made the layer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
}

/// The image part of the report's `source` (docs/images.md, docs/json-report.md).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct ImageReport {
    /// `docker-save`, `oci-dir`, `oci-tar` or `layer-tar`.
    pub format: String,
    /// The manifest's digest (OCI) or the config's (docker save), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// `os/architecture` from the image config.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    pub layers: Vec<LayerInfo>,
    /// The config's runtime settings: `User`, `ExposedPorts`, `Env`, `Entrypoint`, `Cmd`,
    /// `WorkingDir`, `Labels` (as the image config spells them).
    pub config: RunConfig,
}

/// Put what the image says into a report scanned from it: the `source.image` section, and
/// on each finding about a file of the image the layer that introduced it (evidence keys
/// `layer`, `layer_digest`, `layer_created_by`).
pub fn annotate(img: &ImageSource, report: &mut crate::report::Report) {
    report.source.image = Some(ImageReport {
        format: img.format.name().to_string(),
        digest: img.digest.clone(),
        platform: img.platform.clone(),
        layers: img.layers.clone(),
        config: img.config.clone(),
    });
    for f in &mut report.findings {
        let Some(l) = img.layer_of(&f.path) else {
            continue;
        };
        f.evidence.insert("layer".into(), l.index.to_string());
        if !l.digest.is_empty() {
            f.evidence.insert("layer_digest".into(), l.digest.clone());
        }
        if let Some(c) = &l.created_by {
            f.evidence.insert("layer_created_by".into(), c.clone());
        }
    }
}

enum Node {
    Dir(Dir),
    File(usize),
    Symlink(Vec<u8>),
    Special,
}

#[derive(Default)]
struct Dir {
    children: BTreeMap<Vec<u8>, Node>,
}

/// A container image, merged, read-only.
pub struct ImageSource {
    path: PathBuf,
    pub format: Format,
    pub layers: Vec<LayerInfo>,
    pub config: RunConfig,
    pub platform: Option<String>,
    pub digest: Option<String>,
    root: Dir,
    contents: Vec<Content>,
    diagnostics: Vec<Diagnostic>,
}

/// Why a path cannot be looked up.
enum Miss {
    NotFound,
    NotDir,
    Loop,
}

impl From<Miss> for io::Error {
    fn from(m: Miss) -> io::Error {
        match m {
            Miss::NotFound => io::ErrorKind::NotFound.into(),
            Miss::NotDir => io::Error::from_raw_os_error(libc::ENOTDIR),
            Miss::Loop => io::Error::from_raw_os_error(libc::ELOOP),
        }
    }
}

impl ImageSource {
    /// Read the image at `path` (a file, or an OCI layout directory). `platform` picks a
    /// manifest from a multi-platform index (default: the host's).
    pub fn open(path: &Path, platform: Option<&str>) -> io::Result<ImageSource> {
        let located = layout::locate(path, platform)?;
        let mut img = ImageSource {
            path: path.to_path_buf(),
            format: located.format,
            layers: Vec::new(),
            config: located.config,
            platform: located.platform,
            digest: located.digest,
            root: Dir::default(),
            contents: Vec::new(),
            diagnostics: Vec::new(),
        };
        let mut budget = Budget {
            left: KEPT_BUDGET,
            exhausted: 0,
            other_text: layer::OTHER_TEXT_BUDGET,
        };
        for (i, l) in located.layers.iter().enumerate() {
            let name = if l.digest.is_empty() {
                format!("layer {i}")
            } else {
                format!("layer {i} ({})", l.digest)
            };
            let mut diags = Vec::new();
            let indexed = layer::index(
                &l.blob,
                i,
                &name,
                &mut img.contents,
                &mut budget,
                &mut diags,
            )
            .map_err(|e| io::Error::new(e.kind(), format!("{name}: {e}")))?;
            img.diagnostics.append(&mut diags);
            img.apply(indexed.entries, &name);
            img.layers.push(LayerInfo {
                index: i,
                digest: l.digest.clone(),
                compression: indexed.compression.name().to_string(),
                created_by: located.created_by.get(i).cloned().flatten(),
            });
        }
        if budget.exhausted > 0 {
            img.diagnostics.push(Diagnostic::new(
                path.display().to_string(),
                format!(
                    "{} files of compressed layers were not kept whole: the {} MiB memory \
                     budget was spent (they are unread)",
                    budget.exhausted,
                    KEPT_BUDGET >> 20
                ),
            ));
        }
        Ok(img)
    }

    /// Problems found while reading the image (hostile members, unreadable layers).
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// The layer that introduced the file at `path` (symbolic links not followed), if it is a
    /// regular file of the image.
    pub fn layer_of(&self, path: &str) -> Option<&LayerInfo> {
        let bytes = crate::inventory::names::to_bytes(path);
        let (dir, name) = self.parent_and_name(&bytes, false).ok()?;
        match dir.children.get(&name)? {
            Node::File(c) => self.layers.get(self.contents[*c].layer),
            _ => None,
        }
    }

    /// Apply one layer's changes: deletions (whiteouts, opaque markers) first, so they only
    /// ever hide lower layers, then additions in tar order.
    fn apply(&mut self, entries: Vec<layer::LayerEntry>, layer_name: &str) {
        for e in &entries {
            match e.change {
                Change::Whiteout => {
                    // Only what exists is deleted: a whiteout never makes directories.
                    let Some((name, parent)) = e.path.split_last() else {
                        continue;
                    };
                    let dir = if parent.is_empty() {
                        Some(&mut self.root)
                    } else {
                        match self.node_mut(parent) {
                            Some(Node::Dir(d)) => Some(d),
                            _ => None,
                        }
                    };
                    if let Some(d) = dir {
                        d.children.remove(name);
                    }
                }
                Change::Opaque => {
                    if let Some(Node::Dir(d)) = self.node_mut(&e.path) {
                        d.children.clear();
                    }
                }
                _ => {}
            }
        }
        for e in entries {
            let node = match e.change {
                Change::Whiteout | Change::Opaque => continue,
                Change::Dir(_) => {
                    // A directory over a directory keeps its children.
                    if let Some(Node::Dir(_)) = self.node_mut(&e.path) {
                        continue;
                    }
                    Node::Dir(Dir::default())
                }
                Change::File(c) => Node::File(c),
                Change::Symlink(t) => Node::Symlink(t),
                Change::Special(_) => Node::Special,
                Change::HardLink(target) => match self.lookup_nofollow(&target) {
                    Some(Node::File(c)) => {
                        let c = *c;
                        self.contents[c].links += 1;
                        Node::File(c)
                    }
                    _ => {
                        self.diagnostics.push(Diagnostic::new(
                            show(&e.path),
                            format!(
                                "hard link in {layer_name} to {}, which is not a file of the \
                                 image: ignored",
                                show(&target)
                            ),
                        ));
                        continue;
                    }
                },
            };
            let Some((dir, name)) = self.parent_mut(&e.path) else {
                self.diagnostics.push(Diagnostic::new(
                    show(&e.path),
                    format!("in {layer_name}: its directory cannot be made in the image; ignored"),
                ));
                continue;
            };
            dir.children.insert(name, node);
        }
    }

    /// The directory holding `path` (created as needed; intermediate symbolic links followed
    /// inside the root) and the last component.
    fn parent_mut(&mut self, path: &[Vec<u8>]) -> Option<(&mut Dir, Vec<u8>)> {
        let (last, parent) = path.split_last()?;
        let resolved = self.resolve_lenient(parent)?;
        let mut dir = &mut self.root;
        for c in resolved {
            let slot = dir
                .children
                .entry(c)
                .or_insert_with(|| Node::Dir(Dir::default()));
            if !matches!(slot, Node::Dir(_)) {
                // A file or device where a directory is needed: the later layer wins.
                *slot = Node::Dir(Dir::default());
            }
            let Node::Dir(d) = slot else { unreachable!() };
            dir = d;
        }
        Some((dir, last.clone()))
    }

    fn node_mut(&mut self, path: &[Vec<u8>]) -> Option<&mut Node> {
        let (last, parent) = path.split_last()?;
        let resolved = self.resolve_lenient(parent)?;
        let mut dir = &mut self.root;
        for c in resolved {
            match dir.children.get_mut(&c)? {
                Node::Dir(d) => dir = d,
                _ => return None,
            }
        }
        dir.children.get_mut(last)
    }

    fn lookup_nofollow(&self, path: &[Vec<u8>]) -> Option<&Node> {
        let (last, parent) = path.split_last()?;
        let resolved = self.resolve_lenient(parent)?;
        let dir = self.dir_at(&resolved).ok()?;
        dir.children.get(last)
    }

    /// Resolve `comps` following every symbolic link inside the root; a missing component
    /// ends resolution and the rest is taken literally (what a layer would create).
    fn resolve_lenient(&self, comps: &[Vec<u8>]) -> Option<Vec<Vec<u8>>> {
        let mut todo: Vec<Vec<u8>> = comps.iter().rev().cloned().collect();
        let mut cur: Vec<Vec<u8>> = Vec::new();
        let mut hops = 0;
        while let Some(c) = todo.pop() {
            if c.is_empty() || c == b"." {
                continue;
            }
            if c == b".." {
                cur.pop();
                continue;
            }
            let node = self.dir_at(&cur).ok().and_then(|d| d.children.get(&c));
            match node {
                Some(Node::Symlink(t)) => {
                    hops += 1;
                    if hops > super::MAX_SYMLINK_HOPS {
                        return None;
                    }
                    if t.starts_with(b"/") {
                        cur.clear();
                    }
                    todo.extend(t.split(|b| *b == b'/').rev().map(<[u8]>::to_vec));
                }
                _ => cur.push(c),
            }
        }
        Some(cur)
    }

    /// The directory at resolved components (no links followed).
    fn dir_at(&self, comps: &[Vec<u8>]) -> Result<&Dir, Miss> {
        let mut dir = &self.root;
        for c in comps {
            match dir.children.get(c) {
                Some(Node::Dir(d)) => dir = d,
                Some(_) => return Err(Miss::NotDir),
                None => return Err(Miss::NotFound),
            }
        }
        Ok(dir)
    }

    /// Strictly resolve a target path: every link followed inside the root (the last one only
    /// when `follow_last`); returns the resolved parent directory and the last name.
    fn parent_and_name(&self, path: &[u8], follow_last: bool) -> Result<(&Dir, Vec<u8>), Miss> {
        let mut todo: Vec<Vec<u8>> = path
            .split(|b| *b == b'/')
            .rev()
            .map(<[u8]>::to_vec)
            .collect();
        let mut cur: Vec<Vec<u8>> = Vec::new();
        let mut hops = 0;
        let mut last_name: Option<Vec<u8>> = None;
        while let Some(c) = todo.pop() {
            if c.is_empty() || c == b"." {
                continue;
            }
            if c == b".." {
                cur.pop();
                continue;
            }
            let is_last = todo.iter().all(|t| t.is_empty() || t == b".");
            let dir = self.dir_at(&cur)?;
            match dir.children.get(&c) {
                Some(Node::Symlink(t)) if follow_last || !is_last => {
                    hops += 1;
                    if hops > super::MAX_SYMLINK_HOPS {
                        return Err(Miss::Loop);
                    }
                    if t.starts_with(b"/") {
                        cur.clear();
                    }
                    todo.extend(t.split(|b| *b == b'/').rev().map(<[u8]>::to_vec));
                }
                _ if is_last => {
                    last_name = Some(c);
                }
                Some(Node::Dir(_)) => cur.push(c),
                Some(_) => return Err(Miss::NotDir),
                None => return Err(Miss::NotFound),
            }
        }
        let dir = self.dir_at(&cur)?;
        // The root itself: its "name" is empty.
        Ok((dir, last_name.unwrap_or_default()))
    }

    fn dir_for_listing(&self, path: &Path) -> Result<&Dir, Miss> {
        let (dir, name) = self.parent_and_name(path.as_os_str().as_bytes(), true)?;
        if name.is_empty() {
            return Ok(dir);
        }
        match dir.children.get(&name) {
            Some(Node::Dir(d)) => Ok(d),
            Some(_) => Err(Miss::NotDir),
            None => Err(Miss::NotFound),
        }
    }
}

/// A regular file of the image as handed to readers: its bytes where they are (in place in
/// an uncompressed layer, or what was kept of a compressed one).
struct ImageFile {
    data: Data,
    meta: FileMeta,
}

impl ReadAt for ImageFile {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        let size = self.meta.size;
        if offset >= size || buf.is_empty() {
            return Ok(0);
        }
        let want = (buf.len() as u64).min(size - offset) as usize;
        let from = |b: &[u8], at: u64, buf: &mut [u8]| {
            let n = want.min(b.len() - at as usize);
            buf[..n].copy_from_slice(&b[at as usize..at as usize + n]);
            n
        };
        match &self.data {
            Data::Range {
                blob,
                offset: start,
            } => {
                let mut done = 0;
                while done < want {
                    let at = blob.offset + start + offset + done as u64;
                    match std::os::unix::fs::FileExt::read_at(&*blob.file, &mut buf[done..want], at)
                    {
                        Ok(0) => break,
                        Ok(k) => done += k,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => return Err(e),
                    }
                }
                Ok(done)
            }
            Data::Kept(b) => Ok(if offset < b.len() as u64 {
                from(b, offset, buf)
            } else {
                0
            }),
            Data::Head(b, why) => {
                if offset < b.len() as u64 {
                    Ok(from(b, offset, buf))
                } else {
                    Err(io::Error::other(*why))
                }
            }
            Data::Sparse(pieces) => {
                let i = pieces.partition_point(|(at, _)| *at <= offset);
                match i.checked_sub(1).map(|i| &pieces[i]) {
                    Some((at, b)) if offset - at < b.len() as u64 => Ok(from(b, offset - at, buf)),
                    _ => Err(io::Error::other(
                        "only what the ELF parse reads was kept of this compressed layer's file",
                    )),
                }
            }
        }
    }

    fn meta(&self) -> FileMeta {
        self.meta
    }
}

pub(crate) fn show(path: &[Vec<u8>]) -> String {
    let mut s = String::new();
    for c in path {
        s.push('/');
        s.push_str(&crate::inventory::names::from_bytes(c));
    }
    if s.is_empty() { "/".into() } else { s }
}

impl Source for ImageSource {
    fn describe(&self) -> String {
        self.path.display().to_string()
    }

    fn read_dir(&self, path: &Path) -> io::Result<Result<Vec<Entry>, String>> {
        let dir = self.dir_for_listing(path)?;
        Ok(Ok(dir
            .children
            .iter()
            .map(|(name, node)| Entry {
                name: OsString::from_vec(name.clone()),
                kind: match node {
                    Node::Dir(_) => EntryKind::Dir,
                    Node::File(_) => EntryKind::File,
                    Node::Symlink(_) => EntryKind::Symlink,
                    Node::Special => EntryKind::Special,
                },
            })
            .collect()))
    }

    fn open(&self, path: &Path) -> io::Result<Opened> {
        let (dir, name) = self.parent_and_name(path.as_os_str().as_bytes(), false)?;
        let c = match dir.children.get(&name) {
            Some(Node::File(c)) => *c,
            Some(Node::Symlink(_)) => return Err(Miss::Loop.into()),
            Some(Node::Dir(_)) => return Err(io::Error::from_raw_os_error(libc::EISDIR)),
            Some(Node::Special) => return Err(io::Error::other("not a regular file")),
            None => return Err(Miss::NotFound.into()),
        };
        let content = &self.contents[c];
        // A file a check needed whole but that could not be kept is unread (a diagnostic,
        // an incomplete verdict), never handed out as if it were complete.
        if let Data::Head(b, why) = &content.data
            && [layer::TOO_LARGE, layer::BUDGET_SPENT, layer::NO_TEMP].contains(why)
            && (b.len() as u64) < content.size
        {
            return Err(io::Error::other(*why));
        }
        let meta = FileMeta {
            size: content.size,
            id: (content.links > 1).then_some(FileId {
                dev: IMAGE_DEV,
                ino: c as u64,
            }),
            executable: content.mode & 0o111 != 0,
        };
        Ok(Opened::At(Box::new(ImageFile {
            data: content.data.clone(),
            meta,
        })))
    }

    fn meta(&self, opened: &Opened) -> io::Result<FileMeta> {
        match opened {
            Opened::At(r) => Ok(r.meta()),
            _ => Err(io::Error::other("not opened from this image")),
        }
    }

    fn read_link(&self, path: &Path) -> io::Result<PathBuf> {
        let (dir, name) = self.parent_and_name(path.as_os_str().as_bytes(), false)?;
        match dir.children.get(&name) {
            Some(Node::Symlink(t)) => Ok(PathBuf::from(OsString::from_vec(t.clone()))),
            Some(_) => Err(io::Error::from_raw_os_error(libc::EINVAL)),
            None => Err(Miss::NotFound.into()),
        }
    }
}

#[cfg(test)]
mod tests;
