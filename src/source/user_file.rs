//! Files the user names (saved reports, `--policy`, `--knowledge` pack files) and standard
//! input: read with a size cap, and anything that is not a regular file (a FIFO, a device, a
//! socket, a directory) refused at once instead of read until it ends (docs/security.md).

use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

/// Largest saved JSON report read by `azl-compat report`, from a file or standard input.
pub const MAX_REPORT: u64 = 512 << 20;
/// Largest `--policy` file.
pub const MAX_POLICY: u64 = 16 << 20;
/// Largest file of a `--knowledge` pack (the built-in pack's largest is about 7 MiB).
pub const MAX_PACK_FILE: u64 = 256 << 20;

fn too_large(cap: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("larger than the {cap}-byte limit"),
    )
}

fn read_capped(f: impl Read, cap: u64) -> io::Result<String> {
    let mut bytes = Vec::new();
    f.take(cap + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Err(too_large(cap));
    }
    String::from_utf8(bytes)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "not UTF-8 text"))
}

/// Read a user-named text file of at most `cap` bytes. Opening never blocks (`O_NONBLOCK`:
/// a FIFO opens at once) and only a regular file is read.
pub fn read(path: &Path, cap: u64) -> io::Result<String> {
    let f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)?;
    let meta = f.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("not a regular file ({}): refused", kind(&meta.file_type())),
        ));
    }
    if meta.len() > cap {
        return Err(too_large(cap));
    }
    read_capped(f, cap)
}

/// Read standard input (at most `cap` bytes): a pipe or a regular file; a terminal, a device
/// or a socket is refused at once.
pub fn read_stdin(cap: u64) -> io::Result<String> {
    use std::os::fd::AsFd;
    let stdin = io::stdin();
    let meta = File::from(stdin.as_fd().try_clone_to_owned()?).metadata()?;
    let ft = meta.file_type();
    if !(ft.is_file() || ft.is_fifo()) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("standard input is {}: refused", kind(&ft)),
        ));
    }
    read_capped(stdin.lock(), cap)
}

fn kind(ft: &std::fs::FileType) -> &'static str {
    if ft.is_dir() {
        "a directory"
    } else if ft.is_fifo() {
        "a FIFO"
    } else if ft.is_char_device() {
        "a character device"
    } else if ft.is_block_device() {
        "a block device"
    } else if ft.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_and_refuses_what_is_not_a_regular_file() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("f");
        std::fs::write(&p, "hello").unwrap();
        assert_eq!(read(&p, 5).unwrap(), "hello");
        assert!(
            read(&p, 4)
                .unwrap_err()
                .to_string()
                .contains("4-byte limit")
        );
        // A sparse file far above the cap is refused by its size, before any read.
        let big = t.path().join("big");
        File::create(&big).unwrap().set_len(1 << 40).unwrap();
        assert!(read(&big, 1 << 20).is_err());
        let e = read(Path::new("/dev/zero"), 1 << 20).unwrap_err();
        assert!(e.to_string().contains("character device"), "{e}");
        let e = read(t.path(), 1 << 20).unwrap_err();
        assert!(e.to_string().contains("directory"), "{e}");
        let fifo = t.path().join("fifo");
        let c = std::ffi::CString::new(fifo.as_os_str().to_str().unwrap()).unwrap();
        // SAFETY: a NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let e = read(&fifo, 1 << 20).unwrap_err();
        assert!(e.to_string().contains("FIFO"), "{e}");
    }
}
