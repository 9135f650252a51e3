//! A directory on the local file system taken as the root of what would move.

use super::confined::{self, Root};
use super::{DirHandle, Entry, EntryKind, FileId, FileMeta, Opened, Source};
use std::fs;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// Directories never entered when the root is the running system's `/`: kernel pseudo
/// filesystems and runtime state that does not move with a workload.
const HOST_PSEUDO_DIRS: &[&str] = &["/proc", "/sys", "/dev", "/run"];

/// A local directory root, held open: every open below it is confined to it
/// ([`confined::Root`]).
pub struct DirSource {
    root: PathBuf,
    fd: Root,
    root_dev: u64,
    is_host_root: bool,
    cross_mounts: bool,
}

impl DirSource {
    /// Open a root. `cross_mounts` enters directories on other devices (pseudo filesystems
    /// of a running system are skipped regardless). A root on a kernel pseudo filesystem
    /// (`/proc`, `/sys`, `/dev`, ... recognised by `statfs` magic, not by name) is refused.
    pub fn new(root: &Path, cross_mounts: bool) -> io::Result<Self> {
        let canon = fs::canonicalize(root)?;
        let dir = fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(&canon)
            .map_err(|e| {
                if e.raw_os_error() == Some(libc::ENOTDIR) {
                    io::Error::new(
                        io::ErrorKind::InvalidInput,
                        format!("{} is not a directory", root.display()),
                    )
                } else {
                    e
                }
            })?;
        let meta = dir.metadata()?;
        if let Some(kind) = pseudo_filesystem(dir.as_raw_fd()) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "on a {kind} pseudo filesystem: refused (reading it can consume kernel state)"
                ),
            ));
        }
        Ok(DirSource {
            is_host_root: canon == Path::new("/"),
            root: canon,
            // The fallback walk can be forced, so tests cover it on kernels with openat2.
            fd: Root::new(
                OwnedFd::from(dir),
                std::env::var_os("AZL_COMPAT_NO_OPENAT2").is_none(),
            ),
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

    fn mounts(&self) -> Mounts {
        Mounts {
            root_dev: self.root_dev,
            is_host_root: self.is_host_root,
            cross_mounts: self.cross_mounts,
        }
    }
}

/// The bytes of a path the inventory names in its escaped form (`\xHH` for bytes that are not
/// UTF-8, `inventory::names`): reads after the walk name files by those strings.
fn real(path: &Path) -> std::borrow::Cow<'_, Path> {
    match path.to_str() {
        Some(s) if s.contains("\\x") => {
            std::borrow::Cow::Owned(crate::inventory::names::to_path(s))
        }
        _ => std::borrow::Cow::Borrowed(path),
    }
}

impl Source for DirSource {
    fn describe(&self) -> String {
        self.root.display().to_string()
    }

    fn is_running_root(&self) -> bool {
        self.is_host_root
    }

    fn read_dir(&self, path: &Path) -> io::Result<Result<Vec<Entry>, String>> {
        let path = &*real(path);
        if self.is_host_root && HOST_PSEUDO_DIRS.iter().any(|d| path == Path::new(d)) {
            return Ok(Err(
                "runtime or pseudo filesystem of the running system".into()
            ));
        }
        let dir = self.fd.open(
            path.as_os_str(),
            libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NONBLOCK,
            true,
        )?;
        if path != Path::new("/") {
            // Only directories pay for a stat: to stay on the root's device.
            let meta = fs::File::from(dir.try_clone()?).metadata()?;
            if meta.dev() != self.root_dev {
                if let Some(kind) = pseudo_filesystem(dir.as_raw_fd()) {
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
        for (name, dtype) in confined::list_dir(&dir)? {
            let kind = match dtype {
                libc::DT_DIR => EntryKind::Dir,
                libc::DT_REG => EntryKind::File,
                libc::DT_LNK => EntryKind::Symlink,
                // FIFOs, sockets, devices (and what could not be typed).
                _ => EntryKind::Special,
            };
            out.push(Entry { name, kind });
        }
        Ok(Ok(out))
    }

    fn open(&self, path: &Path) -> io::Result<Opened> {
        // Confined to the root; the last component is never followed: the walk only opens
        // what it listed as a regular file, and if it was swapped for a symlink meanwhile,
        // refuse. O_NONBLOCK: never hang on a FIFO that replaced a file.
        let fd = self
            .fd
            .open(real(path).as_os_str(), libc::O_RDONLY | libc_flags(), false)?;
        Ok(Opened::File(fs::File::from(fd)))
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
            Opened::At(r) => Ok(r.meta()),
        }
    }

    fn open_dir(&self, path: &Path) -> Option<Box<dyn DirHandle>> {
        let fd = self
            .fd
            .open(
                real(path).as_os_str(),
                libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW,
                false,
            )
            .ok()?;
        Some(Box::new(OpenDir(fs::File::from(fd), self.mounts())))
    }

    fn read_link(&self, path: &Path) -> io::Result<PathBuf> {
        self.fd.read_link(real(path).as_os_str()).map(PathBuf::from)
    }
}

fn libc_flags() -> i32 {
    libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY
}

/// The kind of kernel pseudo filesystem the open directory `fd` is on, if it is one.
fn pseudo_filesystem(fd: RawFd) -> Option<&'static str> {
    // SAFETY: `fd` is open and `buf` a properly sized out-parameter.
    let mut buf: libc::statfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::fstatfs(fd, &mut buf) } != 0 {
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
        // devtmpfs shares tmpfs's magic: ask the mount table which one this is.
        0x0102_1994 if mount_fstype(fd).as_deref() == Some("devtmpfs") => "devtmpfs",
        _ => return None,
    })
}

/// The file system type of the mount the open `fd` is on, from `/proc/self/mountinfo` (the
/// mount id comes from `statx`).
fn mount_fstype(fd: RawFd) -> Option<String> {
    use std::io::Read;
    // SAFETY: valid fd, empty NUL-terminated path with AT_EMPTY_PATH, and an out-parameter.
    // The raw system call, not glibc's wrapper (glibc 2.28+): the collector links against
    // glibc 2.17 (scripts/build-collector); an old kernel answers ENOSYS, taken as "unknown".
    let mut stx: libc::statx = unsafe { std::mem::zeroed() };
    let r = unsafe {
        libc::syscall(
            libc::SYS_statx,
            fd,
            c"".as_ptr(),
            libc::AT_EMPTY_PATH,
            libc::STATX_MNT_ID,
            &mut stx as *mut libc::statx,
        )
    };
    if r != 0 || stx.stx_mask & libc::STATX_MNT_ID == 0 {
        return None;
    }
    let mut text = String::new();
    fs::File::open("/proc/self/mountinfo")
        .ok()?
        .take(MOUNTINFO_CAP)
        .read_to_string(&mut text)
        .ok()?;
    let id = stx.stx_mnt_id.to_string();
    let line = text
        .lines()
        .find(|l| l.split(' ').next() == Some(id.as_str()))?;
    let (_, after) = line.split_once(" - ")?;
    after.split(' ').next().map(str::to_string)
}

/// Most bytes of `/proc/self/mountinfo` read (to tell devtmpfs from tmpfs).
const MOUNTINFO_CAP: u64 = 16 << 20;

/// What decides whether a directory is entered (see [`DirSource::read_dir`]).
#[derive(Clone, Copy)]
struct Mounts {
    root_dev: u64,
    is_host_root: bool,
    cross_mounts: bool,
}

/// A directory opened with `O_DIRECTORY`; files, subdirectories and links are reached with
/// `openat`, `fdopendir` and `readlinkat` relative to it, never by a path from the root.
struct OpenDir(fs::File, Mounts);

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

    fn open_dir(&self, name: &std::ffi::OsStr) -> io::Result<Box<dyn DirHandle>> {
        use std::os::fd::{AsRawFd, FromRawFd};
        use std::os::unix::ffi::OsStrExt;
        let c = std::ffi::CString::new(name.as_bytes()).map_err(io::Error::other)?;
        // SAFETY: as in `open`.
        let fd = unsafe {
            libc::openat(
                self.0.as_raw_fd(),
                c.as_ptr(),
                libc::O_RDONLY | libc::O_CLOEXEC | libc::O_DIRECTORY | libc::O_NOFOLLOW,
            )
        };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(Box::new(OpenDir(
            unsafe { fs::File::from_raw_fd(fd) },
            self.1,
        )))
    }

    fn read_dir(&self) -> io::Result<Result<Vec<Entry>, String>> {
        use std::os::fd::AsRawFd;
        let m = self.1;
        let meta = self.0.metadata()?;
        if meta.dev() != m.root_dev {
            if let Some(kind) = pseudo_filesystem(self.0.as_raw_fd()) {
                return Ok(Err(format!("{kind} pseudo filesystem")));
            }
            if m.is_host_root && !m.cross_mounts {
                return Ok(Err(
                    "another mounted filesystem (use --cross-mounts to enter)".into(),
                ));
            }
        }
        list_fd(self.0.as_raw_fd()).map(Ok)
    }

    fn read_link(&self, name: &std::ffi::OsStr) -> io::Result<PathBuf> {
        use std::os::fd::AsRawFd;
        use std::os::unix::ffi::{OsStrExt, OsStringExt};
        let c = std::ffi::CString::new(name.as_bytes()).map_err(io::Error::other)?;
        let mut buf = vec![0u8; libc::PATH_MAX as usize];
        // SAFETY: a valid directory fd, NUL-terminated name and a buffer of the given size.
        let n = unsafe {
            libc::readlinkat(
                self.0.as_raw_fd(),
                c.as_ptr(),
                buf.as_mut_ptr().cast(),
                buf.len(),
            )
        };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        buf.truncate(n as usize);
        Ok(PathBuf::from(std::ffi::OsString::from_vec(buf)))
    }
}

/// List an open directory by its fd (`fdopendir` on a duplicate), without `.` and `..`.
fn list_fd(fd: std::os::fd::RawFd) -> io::Result<Vec<Entry>> {
    use std::os::unix::ffi::OsStrExt;
    // SAFETY: fcntl/fdopendir/readdir/closedir on fds we own; the duplicate belongs to the
    // DIR stream from fdopendir on, and closedir releases both. Entries are copied out before
    // the next readdir.
    unsafe {
        let dup = libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 0);
        if dup < 0 {
            return Err(io::Error::last_os_error());
        }
        let dirp = libc::fdopendir(dup);
        if dirp.is_null() {
            let e = io::Error::last_os_error();
            libc::close(dup);
            return Err(e);
        }
        // The duplicate shares the file offset: start from the beginning.
        libc::rewinddir(dirp);
        let mut out = Vec::new();
        let result = loop {
            *libc::__errno_location() = 0;
            let ent = libc::readdir64(dirp);
            if ent.is_null() {
                let e = io::Error::last_os_error();
                break if e.raw_os_error() == Some(0) {
                    Ok(())
                } else {
                    Err(e)
                };
            }
            let name = std::ffi::CStr::from_ptr((*ent).d_name.as_ptr());
            let bytes = name.to_bytes();
            if bytes == b"." || bytes == b".." {
                continue;
            }
            let kind = match (*ent).d_type {
                libc::DT_DIR => EntryKind::Dir,
                libc::DT_REG => EntryKind::File,
                libc::DT_LNK => EntryKind::Symlink,
                libc::DT_UNKNOWN => {
                    let mut st: libc::stat = std::mem::zeroed();
                    if libc::fstatat(fd, name.as_ptr(), &mut st, libc::AT_SYMLINK_NOFOLLOW) != 0 {
                        EntryKind::Special
                    } else {
                        match st.st_mode & libc::S_IFMT {
                            libc::S_IFDIR => EntryKind::Dir,
                            libc::S_IFREG => EntryKind::File,
                            libc::S_IFLNK => EntryKind::Symlink,
                            _ => EntryKind::Special,
                        }
                    }
                }
                _ => EntryKind::Special,
            };
            out.push(Entry {
                name: std::ffi::OsStr::from_bytes(bytes).to_os_string(),
                kind,
            });
        };
        libc::closedir(dirp);
        result.map(|()| out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn sorted(mut v: Vec<Entry>) -> Vec<(std::ffi::OsString, EntryKind)> {
        v.sort_by(|a, b| a.name.cmp(&b.name));
        v.into_iter().map(|e| (e.name, e.kind)).collect()
    }

    #[test]
    fn the_mount_table_names_the_file_system_of_an_fd() {
        // statx through syscall(2) (the collector links against glibc 2.17, without the wrapper).
        use std::os::fd::AsRawFd;
        let proc = std::fs::File::open("/proc").unwrap();
        assert_eq!(mount_fstype(proc.as_raw_fd()).as_deref(), Some("proc"));
    }

    #[test]
    fn handles_list_open_and_read_links_like_paths() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("a/sub")).unwrap();
        std::fs::write(root.join("a/f"), "x").unwrap();
        symlink("f", root.join("a/l")).unwrap();
        symlink("/outside", root.join("a/escape")).unwrap();
        let src = DirSource::new(root, false).unwrap();
        let by_path = sorted(src.read_dir(Path::new("/a")).unwrap().unwrap());
        let top = src.open_dir(Path::new("/")).unwrap();
        let a = top.open_dir(std::ffi::OsStr::new("a")).unwrap();
        assert_eq!(sorted(a.read_dir().unwrap().unwrap()), by_path);
        assert_eq!(by_path.len(), 4);
        assert_eq!(a.read_link("l".as_ref()).unwrap(), PathBuf::from("f"));
        assert_eq!(
            a.read_link("escape".as_ref()).unwrap(),
            PathBuf::from("/outside")
        );
        assert!(matches!(a.open("f".as_ref()), Ok(Opened::File(_))));
        assert!(a.open_dir("sub".as_ref()).is_ok());
        // Never through a link, never a file as a directory.
        assert!(a.open_dir("l".as_ref()).is_err());
        assert!(a.open_dir("f".as_ref()).is_err());
    }
}
