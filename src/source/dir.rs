//! A directory on the local file system taken as the root of what would move.

use super::{DirHandle, Entry, EntryKind, FileId, FileMeta, Opened, Source};
use std::fs;
use std::io;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// Directories never entered when the root is the running system's `/`: kernel pseudo
/// filesystems and runtime state that does not move with a workload.
const HOST_PSEUDO_DIRS: &[&str] = &["/proc", "/sys", "/dev", "/run"];

/// A local directory root.
pub struct DirSource {
    root: PathBuf,
    root_dev: u64,
    is_host_root: bool,
    cross_mounts: bool,
}

impl DirSource {
    /// Open a root. `cross_mounts` enters directories on other devices (pseudo filesystems
    /// of a running system are skipped regardless).
    pub fn new(root: &Path, cross_mounts: bool) -> io::Result<Self> {
        let canon = fs::canonicalize(root)?;
        let meta = fs::metadata(&canon)?;
        if !meta.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{} is not a directory", root.display()),
            ));
        }
        Ok(DirSource {
            is_host_root: canon == Path::new("/"),
            root: canon,
            root_dev: meta.dev(),
            cross_mounts,
        })
    }

    /// The canonical root directory on the host.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Whether the root is the running system's `/`.
    pub fn is_host_root(&self) -> bool {
        self.is_host_root
    }

    fn host_path(&self, target: &Path) -> PathBuf {
        let rel = target.strip_prefix("/").unwrap_or(target);
        if rel.as_os_str().is_empty() {
            self.root.clone()
        } else {
            self.root.join(rel)
        }
    }
}

impl Source for DirSource {
    fn describe(&self) -> String {
        self.root.display().to_string()
    }

    fn read_dir(&self, path: &Path) -> io::Result<Result<Vec<Entry>, String>> {
        if self.is_host_root && HOST_PSEUDO_DIRS.iter().any(|d| path == Path::new(d)) {
            return Ok(Err(
                "runtime or pseudo filesystem of the running system".into()
            ));
        }
        let host = self.host_path(path);
        if path != Path::new("/") {
            // Only directories pay for a stat: to stay on the root's device.
            let meta = fs::symlink_metadata(&host)?;
            if meta.dev() != self.root_dev {
                if let Some(kind) = pseudo_filesystem(&host) {
                    return Ok(Err(format!("{kind} pseudo filesystem")));
                }
                if self.is_host_root && !self.cross_mounts {
                    return Ok(Err(
                        "another mounted filesystem (use --cross-mounts to enter)".into(),
                    ));
                }
            }
        }
        let mut out = Vec::new();
        for entry in fs::read_dir(&host)? {
            let entry = entry?;
            let ft = entry.file_type()?;
            let kind = if ft.is_dir() {
                EntryKind::Dir
            } else if ft.is_file() {
                EntryKind::File
            } else if ft.is_symlink() {
                EntryKind::Symlink
            } else {
                // FIFOs, sockets, devices.
                EntryKind::Special
            };
            out.push(Entry {
                name: entry.file_name(),
                kind,
            });
        }
        Ok(Ok(out))
    }

    fn open(&self, path: &Path) -> io::Result<Opened> {
        // O_NOFOLLOW: the walk only opens what it listed as a regular file; if it was swapped
        // for a symlink meanwhile, refuse rather than read outside the root. O_NONBLOCK: never
        // hang on a FIFO that replaced a file.
        let file = fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc_flags())
            .open(self.host_path(path))?;
        Ok(Opened::File(file))
    }

    fn meta(&self, opened: &Opened) -> io::Result<FileMeta> {
        match opened {
            Opened::File(file) => {
                let meta = file.metadata()?;
                if !meta.is_file() {
                    return Err(io::Error::other("not a regular file"));
                }
                let id = FileId {
                    dev: meta.dev(),
                    ino: meta.ino(),
                };
                Ok(FileMeta {
                    size: meta.len(),
                    id: (meta.nlink() > 1).then_some(id),
                    executable: meta.mode() & 0o111 != 0,
                })
            }
            Opened::Bytes(b) => Ok(FileMeta {
                size: b.len() as u64,
                id: None,
                executable: true,
            }),
        }
    }

    fn open_dir(&self, path: &Path) -> Option<Box<dyn DirHandle>> {
        let dir = fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_DIRECTORY | libc::O_NOFOLLOW)
            .open(self.host_path(path))
            .ok()?;
        Some(Box::new(OpenDir(dir)))
    }

    fn read_link(&self, path: &Path) -> io::Result<PathBuf> {
        fs::read_link(self.host_path(path))
    }
}

fn libc_flags() -> i32 {
    libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY
}

/// The kind of kernel pseudo filesystem mounted at `path`, if it is one.
fn pseudo_filesystem(path: &Path) -> Option<&'static str> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
    // SAFETY: `c` is a valid NUL-terminated path and `buf` a properly sized out-parameter.
    let mut buf: libc::statfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statfs(c.as_ptr(), &mut buf) } != 0 {
        return None;
    }
    #[allow(clippy::unnecessary_cast)]
    let magic = buf.f_type as u64;
    Some(match magic {
        0x9fa0 => "proc",
        0x6265_6572 => "sysfs",
        0x1cd1 => "devpts",
        0x0027_e0eb => "cgroup",
        0x6367_7270 => "cgroup2",
        0x6462_6720 => "debugfs",
        0x7472_6163 => "tracefs",
        0x7363_6673 => "securityfs",
        0xcafe_4a11 => "bpf",
        0xf97c_ff8c => "selinuxfs",
        0x6573_5546 => "fusectl",
        0x4244_4d41 => "binfmt_misc",
        0x1957_0e28 | 0x0187 => "autofs",
        0x6e73_6673 => "nsfs",
        _ => return None,
    })
}

/// A directory opened with `O_DIRECTORY`; files are opened with `openat` relative to it.
struct OpenDir(fs::File);

impl DirHandle for OpenDir {
    fn open(&self, name: &std::ffi::OsStr) -> io::Result<Opened> {
        use std::os::fd::{AsRawFd, FromRawFd};
        use std::os::unix::ffi::OsStrExt;
        let c = std::ffi::CString::new(name.as_bytes()).map_err(io::Error::other)?;
        // SAFETY: a valid directory fd and NUL-terminated name; the returned fd is owned by
        // the File we build from it and closed when it is dropped.
        let fd = unsafe {
            libc::openat(
                self.0.as_raw_fd(),
                c.as_ptr(),
                libc::O_RDONLY | libc::O_CLOEXEC | libc_flags(),
            )
        };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(Opened::File(unsafe { fs::File::from_raw_fd(fd) }))
    }
}
