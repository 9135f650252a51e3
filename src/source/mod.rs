//! What is scanned: a root that would move to Azure Linux, behind one interface.
//!
//! A directory ([`DirSource`]: an app tree, a mounted image or `/`) or a container image
//! ([`ImageSource`]: docker save, OCI layout, layer tar, read in place). Both implement
//! [`Source`], so the inventory never touches the file system directly. Paths handed to a source are *target* paths: absolute, `/` being the root
//! of what is scanned, never the host's `/` unless that is the root.

pub mod confined;
mod dir;
pub mod image;
pub mod memory;
pub mod user_file;

pub use dir::DirSource;
pub use image::ImageSource;
pub use memory::MemorySource;

use std::io;
use std::path::Path;

/// The type of a directory entry, as the directory listing reports it (no `stat`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EntryKind {
    Dir,
    File,
    Symlink,
    /// FIFO, socket, block or character device: never opened.
    Special,
}

/// One entry of a directory listing.
#[derive(Clone, Debug)]
pub struct Entry {
    pub name: std::ffi::OsString,
    pub kind: EntryKind,
}

/// An opened regular file.
pub enum Opened {
    File(std::fs::File),
    Bytes(std::sync::Arc<[u8]>),
    /// A file read by position without a descriptor of its own (a member of a container
    /// image): readers take only the ranges they need.
    At(Box<dyn ReadAt>),
}

impl Opened {
    /// Its first `max` bytes at most (all of a smaller file): one capped read for every kind.
    pub fn read_prefix(self, max: u64) -> io::Result<Vec<u8>> {
        use std::io::Read;
        match self {
            Opened::File(f) => {
                let mut v = Vec::new();
                f.take(max).read_to_end(&mut v)?;
                Ok(v)
            }
            Opened::Bytes(b) => Ok(b[..b.len().min(max as usize)].to_vec()),
            Opened::At(r) => read_range(&*r, 0, max),
        }
    }
}

/// Positional reads of a file that is not a host file (see [`Opened::At`]).
pub trait ReadAt: Send + Sync {
    /// Read up to `buf.len()` bytes at `offset`; `Ok(0)` at the end. A range the source
    /// cannot give (not kept) is an error saying why.
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize>;
    /// Size, identity and mode (what [`Source::meta`] answers for it).
    fn meta(&self) -> FileMeta;
}

/// Read up to `max` bytes from `at` (fewer at the end of the file).
pub fn read_range(r: &dyn ReadAt, at: u64, max: u64) -> io::Result<Vec<u8>> {
    let size = r.meta().size;
    let n = max.min(size.saturating_sub(at)) as usize;
    let mut buf = vec![0u8; n];
    let mut done = 0;
    while done < n {
        match r.read_at(&mut buf[done..], at + done as u64) {
            Ok(0) => break,
            Ok(k) => done += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    buf.truncate(done);
    Ok(buf)
}

/// File identity used to judge hardlinks once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId {
    pub dev: u64,
    pub ino: u64,
}

/// An open directory (see [`Source::open_dir`]). Its subdirectories, listing and links are
/// reached relative to it, so the walk's depth is not bounded by `PATH_MAX` (the defaults say
/// "unsupported": the walk then uses target paths).
pub trait DirHandle: Send + Sync {
    /// Open a regular file of this directory, with the same rules as [`Source::open`].
    fn open(&self, name: &std::ffi::OsStr) -> io::Result<Opened>;
    /// Open a subdirectory (never following a symlink), with the same rules as
    /// [`Source::open_dir`].
    fn open_dir(&self, _name: &std::ffi::OsStr) -> io::Result<Box<dyn DirHandle>> {
        Err(io::ErrorKind::Unsupported.into())
    }
    /// List this directory, with the same rules as [`Source::read_dir`] (pseudo filesystems and
    /// other mounts are not entered).
    fn read_dir(&self) -> io::Result<Result<Vec<Entry>, String>> {
        Err(io::ErrorKind::Unsupported.into())
    }
    /// The raw target of a symbolic link of this directory.
    fn read_link(&self, _name: &std::ffi::OsStr) -> io::Result<std::path::PathBuf> {
        Err(io::ErrorKind::Unsupported.into())
    }
}

/// What the walk needs to know about a file it reads further.
#[derive(Clone, Copy, Debug)]
pub struct FileMeta {
    pub size: u64,
    /// Set when the file has other hardlinks (so it is judged once).
    pub id: Option<FileId>,
    /// Any execute permission bit is set.
    pub executable: bool,
}

/// Read-only access to the tree being scanned.
pub trait Source: Sync {
    /// A human description (e.g. the directory path).
    fn describe(&self) -> String;
    /// Whether this is the running system's `/` (its /proc holds the live kernel command line).
    fn is_running_root(&self) -> bool {
        false
    }
    /// List a directory (target path). `Ok(Err(reason))` means "do not enter" (pseudo filesystem,
    /// other mount), with the reason.
    fn read_dir(&self, path: &Path) -> io::Result<Result<Vec<Entry>, String>>;
    /// Open a regular file for reading (never following a symlink, never blocking).
    fn open(&self, path: &Path) -> io::Result<Opened>;
    /// Size, identity and mode of an opened file (one `fstat`, paid only for files that are
    /// read further).
    fn meta(&self, opened: &Opened) -> io::Result<FileMeta>;
    /// An open directory whose files can be opened relative to it (cheaper than resolving an
    /// absolute path per file). `None` when the source has no such thing.
    fn open_dir(&self, _path: &Path) -> Option<Box<dyn DirHandle>> {
        None
    }
    /// The raw target of a symbolic link.
    fn read_link(&self, path: &Path) -> io::Result<std::path::PathBuf>;
}

/// Longest symlink chain followed while resolving a path (Linux uses 40).
pub const MAX_SYMLINK_HOPS: usize = 40;

/// What one component of a path is, as [`resolve_path`] asks.
pub enum Component {
    /// A symbolic link with this raw target.
    Link(String),
    /// Anything to step into or end on (a directory, or the last component).
    Other,
    /// The path cannot go on here (missing, unreadable, a file used as a directory).
    Stop,
}

/// Why a path could not be resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unresolved {
    Stopped,
    Loop,
}

/// Resolve a target path component by component the way the kernel would with the scanned
/// root as `/`: absolute link targets are root-relative, `..` never leaves the root, at most
/// [`MAX_SYMLINK_HOPS`] links. `inspect(path_so_far, is_last)` says what each component is;
/// the host never resolves a link. Returns the resolved path.
pub fn resolve_path(
    path: &str,
    mut inspect: impl FnMut(&str, bool) -> Component,
) -> Result<String, Unresolved> {
    let split_rev = |p: &str| p.split('/').rev().map(str::to_string).collect::<Vec<_>>();
    let join = |c: &[String]| {
        if c.is_empty() {
            "/".to_string()
        } else {
            c.iter().map(|x| format!("/{x}")).collect::<String>()
        }
    };
    let mut hops = 0usize;
    let mut todo = split_rev(path);
    let mut cur: Vec<String> = Vec::new();
    while let Some(comp) = todo.pop() {
        match comp.as_str() {
            "" | "." => continue,
            ".." => {
                cur.pop();
                continue;
            }
            _ => {}
        }
        cur.push(comp);
        let last = todo.iter().all(|c| c.is_empty() || c == ".");
        match inspect(&join(&cur), last) {
            Component::Link(target) => {
                hops += 1;
                if hops > MAX_SYMLINK_HOPS {
                    return Err(Unresolved::Loop);
                }
                cur.pop();
                if target.starts_with('/') {
                    cur.clear();
                }
                todo.extend(split_rev(&target));
            }
            Component::Other => {}
            Component::Stop => return Err(Unresolved::Stopped),
        }
    }
    Ok(join(&cur))
}
