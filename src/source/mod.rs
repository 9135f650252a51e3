//! What is scanned: a root that would move to Azure Linux, behind one interface.
//!
//! Today the only source is a directory ([`DirSource`]): an app tree, a mounted image or `/`.
//! Image archives will implement [`Source`] too, so the inventory never touches the file
//! system directly. Paths handed to a source are *target* paths: absolute, `/` being the root
//! of what is scanned, never the host's `/` unless that is the root.

mod dir;

pub use dir::DirSource;

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
}

/// File identity used to judge hardlinks once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId {
    pub dev: u64,
    pub ino: u64,
}

/// An open directory (see [`Source::open_dir`]).
pub trait DirHandle: Send + Sync {
    /// Open a regular file of this directory, with the same rules as [`Source::open`].
    fn open(&self, name: &std::ffi::OsStr) -> io::Result<Opened>;
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
