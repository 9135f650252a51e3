//! Opening paths below a root directory fd without ever leaving it (docs/security.md).
//!
//! Every open below the scanned root goes through [`Root::open`]: `openat2(2)` with
//! `RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS` where the kernel has it, else (and whenever
//! `openat2` refuses a path, e.g. for an absolute in-root symlink) a component-by-component
//! walk with `openat(O_NOFOLLOW)` from the root fd, where symbolic links are resolved by this
//! code with the root as `/` (absolute targets are root-relative, `..` stops at the root, at
//! most [`MAX_SYMLINK_HOPS`] links). A directory swapped for a symlink to outside between the
//! walk and a later read is therefore never followed out of the root.

use super::MAX_SYMLINK_HOPS;
use std::ffi::{CString, OsStr, OsString};
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::sync::atomic::{AtomicBool, Ordering};

/// A root directory held open; every path is resolved below it.
pub struct Root {
    fd: OwnedFd,
    /// Try `openat2` first (cleared once the kernel says it has none).
    openat2: AtomicBool,
}

fn cstr(name: &[u8]) -> io::Result<CString> {
    CString::new(name).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))
}

fn check(fd: libc::c_int) -> io::Result<OwnedFd> {
    if fd < 0 {
        Err(io::Error::last_os_error())
    } else {
        // SAFETY: a fresh fd returned by the kernel, owned from here on.
        Ok(unsafe { OwnedFd::from_raw_fd(fd) })
    }
}

/// `openat(dir, name, flags)` with `O_CLOEXEC`.
pub fn openat(dir: RawFd, name: &[u8], flags: i32) -> io::Result<OwnedFd> {
    let c = cstr(name)?;
    // SAFETY: a valid fd and NUL-terminated name.
    check(unsafe { libc::openat(dir, c.as_ptr(), flags | libc::O_CLOEXEC, 0) })
}

/// `readlinkat(dir, name)`, at most `PATH_MAX` bytes.
pub fn readlinkat(dir: RawFd, name: &[u8]) -> io::Result<Vec<u8>> {
    let c = cstr(name)?;
    let mut buf = vec![0u8; libc::PATH_MAX as usize + 1];
    // SAFETY: a valid fd, NUL-terminated name and a buffer of the given length.
    let n = unsafe { libc::readlinkat(dir, c.as_ptr(), buf.as_mut_ptr().cast(), buf.len()) };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    let n = n as usize;
    if n >= buf.len() {
        return Err(io::Error::from_raw_os_error(libc::ENAMETOOLONG));
    }
    buf.truncate(n);
    Ok(buf)
}

/// The components of a target path, root-relative (no empty or `.` components).
fn components(path: &[u8]) -> Vec<Vec<u8>> {
    path.split(|b| *b == b'/')
        .filter(|c| !c.is_empty() && *c != b".")
        .map(<[u8]>::to_vec)
        .collect()
}

impl Root {
    /// Hold `fd` (a directory) as the root; `openat2` is tried first when `use_openat2`.
    pub fn new(fd: OwnedFd, use_openat2: bool) -> Root {
        Root {
            fd,
            openat2: AtomicBool::new(use_openat2),
        }
    }

    /// The root directory's fd.
    pub fn fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    /// Open a target path (absolute, `/` being the root) with `flags` (`O_CLOEXEC` is added).
    /// Intermediate symlinks are resolved inside the root; the last component is followed
    /// only when `follow_last` (inside the root too), else a symlink there fails with `ELOOP`.
    pub fn open(&self, path: &OsStr, flags: i32, follow_last: bool) -> io::Result<OwnedFd> {
        let flags = if follow_last {
            flags & !libc::O_NOFOLLOW
        } else {
            flags | libc::O_NOFOLLOW
        };
        let rel = components(path.as_bytes());
        if self.openat2.load(Ordering::Relaxed) {
            match self.openat2(&rel, flags) {
                Ok(fd) => return Ok(fd),
                Err(e) => match e.raw_os_error() {
                    Some(libc::ENOSYS) | Some(libc::EPERM) => {
                        self.openat2.store(false, Ordering::Relaxed)
                    }
                    // An escape attempt, an absolute or looping link, a rename race: our
                    // own walk gives the in-root answer.
                    Some(libc::EXDEV) | Some(libc::ELOOP) | Some(libc::EAGAIN)
                    | Some(libc::E2BIG) | Some(libc::EINVAL) => {}
                    _ => return Err(e),
                },
            }
        }
        self.walk(rel, flags, follow_last)
    }

    fn openat2(&self, rel: &[Vec<u8>], flags: i32) -> io::Result<OwnedFd> {
        let joined = if rel.is_empty() {
            b".".to_vec()
        } else {
            rel.join(&b'/')
        };
        let c = cstr(&joined)?;
        // SAFETY: `open_how` is plain data; zeroed then filled.
        let mut how: libc::open_how = unsafe { std::mem::zeroed() };
        how.flags = (flags | libc::O_CLOEXEC) as u64;
        how.resolve = libc::RESOLVE_BENEATH | libc::RESOLVE_NO_MAGICLINKS;
        // SAFETY: valid fd, NUL-terminated path, and a pointer to an `open_how` of the size
        // passed.
        let r = unsafe {
            libc::syscall(
                libc::SYS_openat2,
                self.fd(),
                c.as_ptr(),
                &how as *const libc::open_how,
                std::mem::size_of::<libc::open_how>(),
            )
        };
        check(r as libc::c_int)
    }

    /// The component-by-component walk: every step is `openat(dir, name, O_NOFOLLOW)` from
    /// an fd this walk holds; `..` pops our own stack (never the kernel's `..`).
    fn walk(&self, rel: Vec<Vec<u8>>, flags: i32, follow_last: bool) -> io::Result<OwnedFd> {
        let mut todo: Vec<Vec<u8>> = rel.into_iter().rev().collect();
        let mut stack: Vec<OwnedFd> = Vec::new();
        let mut hops = 0usize;
        let dir_flags = libc::O_PATH | libc::O_DIRECTORY | libc::O_NOFOLLOW;
        while let Some(comp) = todo.pop() {
            if comp == b".." {
                stack.pop();
                continue;
            }
            let cur = stack.last().map_or(self.fd(), |f| f.as_raw_fd());
            let last = todo.iter().all(|c| c.as_slice() == b".");
            let opened = if last {
                openat(cur, &comp, flags | libc::O_NOFOLLOW)
            } else {
                openat(cur, &comp, dir_flags)
            };
            let err = match opened {
                Ok(fd) if last => return Ok(fd),
                Ok(fd) => {
                    stack.push(fd);
                    continue;
                }
                Err(e) => e,
            };
            let maybe_link = matches!(err.raw_os_error(), Some(libc::ELOOP | libc::ENOTDIR));
            if !maybe_link || (last && !follow_last) {
                return Err(err);
            }
            let target = match readlinkat(cur, &comp) {
                Ok(t) => t,
                // Not a symlink: the first error stands.
                Err(_) => return Err(err),
            };
            hops += 1;
            if hops > MAX_SYMLINK_HOPS {
                return Err(io::Error::from_raw_os_error(libc::ELOOP));
            }
            if target.first() == Some(&b'/') {
                stack.clear();
            }
            let mut parts = target
                .split(|b| *b == b'/')
                .filter(|c| !c.is_empty() && *c != b".")
                .map(<[u8]>::to_vec)
                .collect::<Vec<_>>();
            parts.reverse();
            todo.extend(parts);
        }
        // The path ended at the root or after `..`: reopen the directory we stand on.
        let cur = stack.last().map_or(self.fd(), |f| f.as_raw_fd());
        openat(cur, b".", flags & !libc::O_NOFOLLOW)
    }

    /// Read a symbolic link: its parent is resolved inside the root, the link is read with
    /// `readlinkat` (never followed). `EINVAL` when the path is not a symlink.
    pub fn read_link(&self, path: &OsStr) -> io::Result<OsString> {
        let mut rel = components(path.as_bytes());
        let Some(name) = rel.pop() else {
            return Err(io::Error::from_raw_os_error(libc::EINVAL));
        };
        if name == b".." {
            return Err(io::Error::from_raw_os_error(libc::EINVAL));
        }
        let parent = self.open(
            OsStr::from_bytes(&rel.join(&b'/')),
            libc::O_PATH | libc::O_DIRECTORY,
            true,
        )?;
        readlinkat(parent.as_raw_fd(), &name).map(OsString::from_vec)
    }
}

/// The entries of an open directory: name and `d_type` (`DT_UNKNOWN` is resolved with
/// `fstatat(AT_SYMLINK_NOFOLLOW)`), without `.` and `..`.
pub fn list_dir(dir: &OwnedFd) -> io::Result<Vec<(OsString, u8)>> {
    // fdopendir takes ownership of the fd: give it its own.
    let fd = openat(dir.as_raw_fd(), b".", libc::O_RDONLY | libc::O_DIRECTORY)?;
    let raw = fd.as_raw_fd();
    // SAFETY: `raw` is an open directory fd; on success the DIR owns it.
    let d = unsafe { libc::fdopendir(raw) };
    if d.is_null() {
        return Err(io::Error::last_os_error());
    }
    std::mem::forget(fd);
    let mut out = Vec::new();
    let mut result = Ok(());
    loop {
        // SAFETY: errno is thread-local; `d` is a valid DIR stream.
        unsafe { *libc::__errno_location() = 0 };
        let ent = unsafe { libc::readdir64(d) };
        if ent.is_null() {
            let errno = io::Error::last_os_error();
            if errno.raw_os_error().unwrap_or(0) != 0 {
                result = Err(errno);
            }
            break;
        }
        // SAFETY: readdir returned a valid entry with a NUL-terminated name.
        let (name, dtype) = unsafe {
            let e = &*ent;
            (
                std::ffi::CStr::from_ptr(e.d_name.as_ptr())
                    .to_bytes()
                    .to_vec(),
                e.d_type,
            )
        };
        if name == b"." || name == b".." {
            continue;
        }
        let dtype = if dtype == libc::DT_UNKNOWN {
            stat_type(raw, &name)
        } else {
            dtype
        };
        out.push((OsString::from_vec(name), dtype));
    }
    // SAFETY: `d` is valid and closed once (this also closes its fd).
    unsafe { libc::closedir(d) };
    result.map(|_| out)
}

fn stat_type(dir: RawFd, name: &[u8]) -> u8 {
    let Ok(c) = cstr(name) else {
        return libc::DT_UNKNOWN;
    };
    // SAFETY: valid fd, NUL-terminated name and an out-parameter of the right type.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    if unsafe { libc::fstatat(dir, c.as_ptr(), &mut st, libc::AT_SYMLINK_NOFOLLOW) } != 0 {
        return libc::DT_UNKNOWN;
    }
    match st.st_mode & libc::S_IFMT {
        libc::S_IFDIR => libc::DT_DIR,
        libc::S_IFREG => libc::DT_REG,
        libc::S_IFLNK => libc::DT_LNK,
        _ => libc::DT_UNKNOWN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::os::unix::fs::symlink;

    fn root(dir: &std::path::Path, openat2: bool) -> Root {
        let f = std::fs::File::open(dir).unwrap();
        Root::new(OwnedFd::from(f), openat2)
    }

    fn read(r: &Root, p: &str) -> io::Result<String> {
        let fd = r.open(OsStr::new(p), libc::O_RDONLY, false)?;
        let mut s = String::new();
        std::fs::File::from(fd).read_to_string(&mut s)?;
        Ok(s)
    }

    #[test]
    fn links_resolve_inside_the_root_never_outside() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret"), "OUTSIDE").unwrap();
        let t = tempfile::tempdir().unwrap();
        let r_ = t.path();
        std::fs::create_dir_all(r_.join("usr/lib")).unwrap();
        std::fs::write(r_.join("usr/lib/os-release"), "ID=inside").unwrap();
        std::fs::write(r_.join("secret"), "INSIDE").unwrap();
        symlink("/usr/lib", r_.join("lib")).unwrap();
        symlink("../../../../..", r_.join("usr/up")).unwrap();
        symlink(outside.path(), r_.join("abs")).unwrap();
        symlink("/proc/self/root", r_.join("magic")).unwrap();
        symlink("loop", r_.join("loop")).unwrap();
        for openat2 in [true, false] {
            let r = root(r_, openat2);
            assert_eq!(read(&r, "/lib/os-release").unwrap(), "ID=inside");
            // `..` and a relative link climbing out stop at the root.
            assert_eq!(read(&r, "/usr/up/secret").unwrap(), "INSIDE");
            assert_eq!(read(&r, "/../../secret").unwrap(), "INSIDE");
            // An absolute link to a host directory is root-relative: not found inside.
            assert!(read(&r, "/abs/secret").is_err());
            assert!(read(&r, "/magic/secret").is_err());
            assert_eq!(
                r.open(OsStr::new("/loop/x"), libc::O_RDONLY, false)
                    .unwrap_err()
                    .raw_os_error(),
                Some(libc::ELOOP)
            );
            // The last component is not followed unless asked.
            assert_eq!(
                r.open(OsStr::new("/lib"), libc::O_RDONLY, false)
                    .unwrap_err()
                    .raw_os_error(),
                Some(libc::ELOOP)
            );
            let d = r
                .open(OsStr::new("/lib"), libc::O_RDONLY | libc::O_DIRECTORY, true)
                .unwrap();
            let names: Vec<_> = list_dir(&d).unwrap().into_iter().map(|e| e.0).collect();
            assert_eq!(names, vec![OsString::from("os-release")]);
            assert_eq!(
                r.read_link(OsStr::new("/usr/../abs")).unwrap(),
                outside.path()
            );
            assert_eq!(
                r.read_link(OsStr::new("/secret"))
                    .unwrap_err()
                    .raw_os_error(),
                Some(libc::EINVAL)
            );
        }
    }
}
