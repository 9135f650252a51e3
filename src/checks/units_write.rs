//! Writing `--write-fixes` output safely (docs/security.md, "Read-only").
//!
//! Below the output directory every directory is made with `mkdirat` and opened with
//! `O_NOFOLLOW | O_DIRECTORY` from its parent's fd, and every file is created with
//! `O_CREAT | O_EXCL | O_NOFOLLOW`: a symlink planted in the output folder is never followed.
//! An existing file is an error unless `force`, and even then it is unlinked and created
//! anew (never truncated in place: it could be a hardlink to a file of the scanned tree).
//! The output directory itself is refused when it is, or is below, the scanned root (checked
//! on the opened fd by its `..` chain, so a symlink or bind mount cannot hide it).

use super::units::UnitReport;
use crate::report::model::GeneratedFile;
use crate::source::confined::openat;
use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Component, Path};

/// Whether `dir` may receive fixes for a scan of `root`: never the scanned tree or inside it.
pub fn fixes_dir_allowed(root: &Path, dir: &Path) -> Result<(), String> {
    let root = std::fs::canonicalize(root).map_err(|e| format!("{}: {e}", root.display()))?;
    // The directory may not exist yet: canonicalise its nearest existing ancestor.
    let mut probe = dir.to_path_buf();
    let mut tail = Vec::new();
    let base = loop {
        match std::fs::canonicalize(&probe) {
            Ok(p) => break p,
            Err(_) => {
                let Some(name) = probe.file_name().map(|n| n.to_os_string()) else {
                    return Err(format!("{}: no existing parent directory", dir.display()));
                };
                tail.push(name);
                if !probe.pop() {
                    return Err(format!("{}: no existing parent directory", dir.display()));
                }
                if probe.as_os_str().is_empty() {
                    probe = std::env::current_dir().map_err(|e| e.to_string())?;
                }
            }
        }
    };
    let mut full = base;
    for t in tail.iter().rev() {
        full.push(t);
    }
    if full.starts_with(&root) {
        return Err(format!(
            "{} is inside the scanned tree {}: fixes are never written into it",
            dir.display(),
            root.display()
        ));
    }
    Ok(())
}

/// How fixes are written.
#[derive(Clone, Copy, Debug, Default)]
pub struct WriteOptions<'a> {
    /// The scanned root: output resolving into it is refused.
    pub root: Option<&'a Path>,
    /// Replace existing files (`--force`).
    pub force: bool,
}

fn err(path: &Path, what: impl std::fmt::Display) -> io::Error {
    io::Error::other(format!("{}: {what}", path.display()))
}

fn identity(fd: &OwnedFd) -> io::Result<(u64, u64)> {
    let m = std::fs::File::from(fd.try_clone()?).metadata()?;
    Ok((m.dev(), m.ino()))
}

/// Whether the directory `fd` is `root` or below it: climb `..` from the fd to `/`.
fn is_within(fd: &OwnedFd, root: (u64, u64)) -> io::Result<bool> {
    let mut cur = fd.try_clone()?;
    for _ in 0..(1 << 16) {
        let id = identity(&cur)?;
        if id == root {
            return Ok(true);
        }
        let up = openat(cur.as_raw_fd(), b"..", libc::O_PATH | libc::O_DIRECTORY)?;
        if identity(&up)? == id {
            return Ok(false);
        }
        cur = up;
    }
    // Fail closed: a chain this deep is not trusted.
    Err(io::Error::other(
        "output directory nested too deeply to check",
    ))
}

/// Open (creating when missing) a directory below `parent` without following a symlink.
fn subdir(parent: &OwnedFd, name: &[u8], shown: &Path) -> io::Result<OwnedFd> {
    let c = CString::new(name).map_err(|_| err(shown, "NUL in a name"))?;
    // SAFETY: a valid fd and a NUL-terminated name.
    if unsafe { libc::mkdirat(parent.as_raw_fd(), c.as_ptr(), 0o755) } != 0 {
        let e = io::Error::last_os_error();
        if e.raw_os_error() != Some(libc::EEXIST) {
            return Err(err(shown, e));
        }
    }
    openat(
        parent.as_raw_fd(),
        name,
        libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW,
    )
    .map_err(|e| match e.raw_os_error() {
        Some(libc::ELOOP | libc::ENOTDIR) => err(
            shown,
            "not a directory (a symlink is never followed): refused",
        ),
        _ => err(shown, e),
    })
}

/// Open the output directory: existing ancestors as the user named them, missing ones made
/// without following symlinks.
fn open_base(dir: &Path) -> io::Result<OwnedFd> {
    let mut existing = dir.to_path_buf();
    let mut missing = Vec::new();
    loop {
        match std::fs::symlink_metadata(&existing) {
            Ok(_) => break,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let Some(name) = existing.file_name() else {
                    return Err(err(dir, e));
                };
                missing.push(name.to_os_string());
                if !existing.pop() || existing.as_os_str().is_empty() {
                    existing = Path::new(".").to_path_buf();
                    break;
                }
            }
            Err(e) => return Err(err(&existing, e)),
        }
    }
    let mut fd = OwnedFd::from(
        std::fs::OpenOptions::new()
            .read(true)
            .custom_flags_dir()
            .open(&existing)
            .map_err(|e| err(&existing, e))?,
    );
    for name in missing.iter().rev() {
        existing.push(name);
        fd = subdir(&fd, name.as_bytes(), &existing)?;
    }
    Ok(fd)
}

trait DirFlags {
    fn custom_flags_dir(&mut self) -> &mut Self;
}

impl DirFlags for std::fs::OpenOptions {
    fn custom_flags_dir(&mut self) -> &mut Self {
        use std::os::unix::fs::OpenOptionsExt;
        self.custom_flags(libc::O_DIRECTORY | libc::O_CLOEXEC)
    }
}

/// Create `name` below `dir` exclusively (replacing an existing file when `force`) and write
/// `text`.
fn create(
    dir: &OwnedFd,
    name: &[u8],
    text: &str,
    mode: u32,
    force: bool,
    shown: &Path,
) -> io::Result<()> {
    use std::io::Write;
    let flags = libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL | libc::O_NOFOLLOW;
    let c = CString::new(name).map_err(|_| err(shown, "NUL in a name"))?;
    let open = || {
        // SAFETY: a valid fd and a NUL-terminated name; mode for a new file.
        let fd = unsafe {
            libc::openat(
                dir.as_raw_fd(),
                c.as_ptr(),
                flags | libc::O_CLOEXEC,
                mode as libc::c_uint,
            )
        };
        if fd < 0 {
            Err(io::Error::last_os_error())
        } else {
            // SAFETY: a fresh fd we own.
            Ok(unsafe { <OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd) })
        }
    };
    let fd = match open() {
        Ok(fd) => fd,
        Err(e) if e.raw_os_error() == Some(libc::EEXIST) && force => {
            // SAFETY: a valid fd and a NUL-terminated name; removes a file, never a directory.
            if unsafe { libc::unlinkat(dir.as_raw_fd(), c.as_ptr(), 0) } != 0 {
                return Err(err(shown, io::Error::last_os_error()));
            }
            open().map_err(|e| err(shown, e))?
        }
        Err(e) if e.raw_os_error() == Some(libc::EEXIST) => {
            return Err(err(shown, "already exists (use --force to replace it)"));
        }
        Err(e) => return Err(err(shown, e)),
    };
    let file = std::fs::File::from(fd);
    // The umask may have taken bits away; a keyfile must be exactly 0600 to be loaded.
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(std::fs::Permissions::from_mode(mode))
        .map_err(|e| err(shown, e))?;
    (&file)
        .write_all(text.as_bytes())
        .map_err(|e| err(shown, e))
}

/// Write the migrated units, drafts and generated configuration files below `dir`, mirroring
/// their target paths.
pub fn write_fixes(
    units: &[UnitReport],
    generated: &[GeneratedFile],
    dir: &Path,
    opts: WriteOptions,
) -> io::Result<()> {
    let base = open_base(dir)?;
    if let Some(root) = opts.root {
        let meta = std::fs::metadata(root).map_err(|e| err(root, e))?;
        if is_within(&base, (meta.dev(), meta.ino()))? {
            return Err(err(
                dir,
                format!(
                    "inside the scanned tree {}: fixes are never written into it",
                    root.display()
                ),
            ));
        }
    }
    // A drop-in shared by several units is in each one's output: written once (the last).
    let mut files: std::collections::BTreeMap<&str, (&str, u32)> = units
        .iter()
        .flat_map(|r| {
            r.migrated
                .iter()
                .map(|(p, t)| (p.as_str(), (t.as_str(), 0o644)))
        })
        .collect();
    for g in generated {
        files.insert(&g.path, (&g.content, g.mode_bits()));
    }
    for (path, (text, mode)) in files {
        let rel = Path::new(path.trim_start_matches('/'));
        let mut names = Vec::new();
        for c in rel.components() {
            match c {
                Component::Normal(n) => names.push(n.as_bytes()),
                _ => {
                    names.clear();
                    break;
                }
            }
        }
        let Some((file, dirs)) = names.split_last() else {
            continue;
        };
        let mut shown = dir.to_path_buf();
        let mut cur = base.try_clone()?;
        for d in dirs {
            shown.push(std::ffi::OsStr::from_bytes(d));
            cur = subdir(&cur, d, &shown)?;
        }
        shown.push(std::ffi::OsStr::from_bytes(file));
        create(&cur, file, text, mode, opts.force, &shown)?;
    }
    Ok(())
}

/// Write `text` as the file `name` directly below `dir` (created if missing), exclusively
/// unless `force`.
pub fn write_file(dir: &Path, name: &str, text: &str, force: bool) -> io::Result<()> {
    let base = open_base(dir)?;
    if name.contains('/') || name == ".." || name == "." || name.is_empty() {
        return Err(err(dir, format!("{name}: not a file name")));
    }
    create(&base, name.as_bytes(), text, 0o644, force, &dir.join(name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::scan;
    use crate::source::MemorySource;

    #[test]
    fn drafts_are_written_below_the_directory_once_unless_forced() {
        let src = MemorySource::new().exe(
            "/etc/rc.d/rc.local",
            "#!/bin/sh\ntouch /var/lock/subsys/local\n",
        );
        let mut units = scan(&src).units;
        assert!(!units.is_empty() && !units[0].migrated.is_empty());
        // A path that climbs out is never written.
        units[0]
            .migrated
            .push(("/../../escape.service".into(), "x".into()));
        let out = tempfile::tempdir().unwrap();
        write_fixes(&units, &[], out.path(), WriteOptions::default()).unwrap();
        let draft = out
            .path()
            .join("etc/systemd/system/rc-local-migrated.service");
        let text = std::fs::read_to_string(&draft).unwrap();
        assert!(text.contains("/etc/rc.d/rc.local"), "{text}");
        assert!(!out.path().join("../escape.service").exists());
        let again = write_fixes(&units, &[], out.path(), WriteOptions::default()).unwrap_err();
        assert!(again.to_string().contains("already exists"), "{again}");
        let force = WriteOptions {
            force: true,
            ..WriteOptions::default()
        };
        write_fixes(&units, &[], out.path(), force).unwrap();
    }
}
