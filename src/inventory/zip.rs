//! A small, capped, bounds-checked reader of zip archives (jar, war, ear, wheel): the central
//! directory, and chosen members inflated into memory. Nothing is written anywhere.
//!
//! Every read is capped ([`Caps`]): the central directory's size and entry count, each
//! member's uncompressed size, and the bytes inflated per archive. A truncated archive, an
//! offset outside the file, a member whose data overlaps another's or the central directory,
//! a member that inflates past its declared size (a zip bomb), encryption, a method other
//! than stored or deflate, and zip64 are errors naming the member: never a panic.

use crate::source::{FileMeta, Opened, ReadAt};
use std::io::{self, Read};

/// Limits of one archive's reading.
#[derive(Clone, Copy, Debug)]
pub struct Caps {
    /// Largest central directory read.
    pub central_directory: u64,
    /// Most entries listed.
    pub members: usize,
    /// Largest uncompressed member inflated.
    pub member_size: u64,
    /// Most bytes inflated from one archive, all members together.
    pub total_inflated: u64,
}

impl Default for Caps {
    fn default() -> Self {
        Caps {
            central_directory: 32 << 20,
            members: 200_000,
            member_size: 64 << 20,
            total_inflated: 512 << 20,
        }
    }
}

/// One entry of the central directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub name: String,
    method: u16,
    flags: u16,
    pub compressed: u64,
    pub size: u64,
    local_offset: u64,
}

/// Positional reads of the archive's bytes.
enum Backing {
    File(std::fs::File, u64),
    Mem(std::sync::Arc<[u8]>),
    At(Box<dyn ReadAt>),
}

/// An opened archive: its members, and what has been inflated so far.
pub struct Archive {
    backing: Backing,
    pub members: Vec<Member>,
    /// Where the central directory starts (member data lies before it).
    cd_offset: u64,
    caps: Caps,
    inflated: u64,
    /// Data ranges of members read so far (overlaps are refused).
    ranges: Vec<(u64, u64, String)>,
}

fn bad(why: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, why.into())
}

fn u16le(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32le(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

impl Backing {
    fn size(&self) -> u64 {
        match self {
            Backing::File(_, s) => *s,
            Backing::Mem(b) => b.len() as u64,
            Backing::At(r) => r.meta().size,
        }
    }

    /// Exactly `len` bytes at `at`, or an error saying the archive is truncated.
    fn read(&self, at: u64, len: u64) -> io::Result<Vec<u8>> {
        let end = at
            .checked_add(len)
            .filter(|&e| e <= self.size())
            .ok_or_else(|| {
                bad(format!(
                    "truncated archive: {len} bytes at offset {at} lie past its end"
                ))
            })?;
        let out = match self {
            Backing::Mem(b) => b[at as usize..end as usize].to_vec(),
            Backing::File(f, _) => {
                use std::os::unix::fs::FileExt;
                let mut buf = vec![0u8; len as usize];
                let mut done = 0;
                while done < buf.len() {
                    match f.read_at(&mut buf[done..], at + done as u64) {
                        Ok(0) => break,
                        Ok(k) => done += k,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => return Err(e),
                    }
                }
                buf.truncate(done);
                buf
            }
            Backing::At(r) => crate::source::read_range(&**r, at, len)?,
        };
        if out.len() as u64 != len {
            return Err(bad("truncated archive: the file ended while reading it"));
        }
        Ok(out)
    }
}

/// The end of central directory record is in the last 22 + 65535 bytes.
const EOCD_SEARCH: u64 = 22 + 0xFFFF;

impl Archive {
    /// Open an archive from an opened file (its size from `meta`).
    pub fn open(opened: Opened, meta: Option<FileMeta>, caps: Caps) -> io::Result<Archive> {
        let backing = match opened {
            Opened::File(f) => {
                let size = match meta {
                    Some(m) => m.size,
                    None => f.metadata()?.len(),
                };
                Backing::File(f, size)
            }
            Opened::Bytes(b) => Backing::Mem(b),
            Opened::At(r) => Backing::At(r),
        };
        Self::from_backing(backing, caps)
    }

    /// Open an archive held in memory (a member of another archive).
    pub fn from_bytes(bytes: Vec<u8>, caps: Caps) -> io::Result<Archive> {
        Self::from_backing(Backing::Mem(bytes.into()), caps)
    }

    fn from_backing(backing: Backing, caps: Caps) -> io::Result<Archive> {
        let size = backing.size();
        if size < 22 {
            return Err(bad("not a zip archive (too short)"));
        }
        let tail_len = size.min(EOCD_SEARCH);
        let tail = backing.read(size - tail_len, tail_len)?;
        let at = (0..=tail.len() - 22)
            .rev()
            .find(|&i| tail[i..i + 4] == *b"PK\x05\x06")
            .ok_or_else(|| bad("not a zip archive (no end of central directory record)"))?;
        let e = &tail[at..];
        let entries = u16le(e, 10) as usize;
        let cd_size = u32le(e, 12) as u64;
        let cd_offset = u32le(e, 16) as u64;
        if entries == 0xFFFF || cd_size == 0xFFFF_FFFF || cd_offset == 0xFFFF_FFFF {
            return Err(bad("zip64 archive: not read"));
        }
        if u16le(e, 4) != 0 || u16le(e, 6) != 0 {
            return Err(bad("multi-disk archive: not read"));
        }
        if entries > caps.members {
            return Err(bad(format!(
                "{entries} entries, more than the {} read",
                caps.members
            )));
        }
        if cd_size > caps.central_directory {
            return Err(bad(format!(
                "central directory of {cd_size} bytes, more than the {} read",
                caps.central_directory
            )));
        }
        let eocd_at = size - tail_len + at as u64;
        if cd_offset
            .checked_add(cd_size)
            .is_none_or(|end| end > eocd_at)
        {
            return Err(bad(format!(
                "central directory at offset {cd_offset} ({cd_size} bytes) lies outside the archive"
            )));
        }
        let cd = backing.read(cd_offset, cd_size)?;
        let mut members = Vec::with_capacity(entries);
        let mut p = 0usize;
        for i in 0..entries {
            if p + 46 > cd.len() || cd[p..p + 4] != *b"PK\x01\x02" {
                return Err(bad(format!("central directory entry {i} is malformed")));
            }
            let flags = u16le(&cd, p + 8);
            let method = u16le(&cd, p + 10);
            let compressed = u32le(&cd, p + 20) as u64;
            let usize_ = u32le(&cd, p + 24) as u64;
            let n = u16le(&cd, p + 28) as usize;
            let x = u16le(&cd, p + 30) as usize;
            let c = u16le(&cd, p + 32) as usize;
            let local = u32le(&cd, p + 42) as u64;
            let end = p + 46 + n + x + c;
            if end > cd.len() {
                return Err(bad(format!(
                    "central directory entry {i} runs past its end"
                )));
            }
            let name = super::names::from_bytes(&cd[p + 46..p + 46 + n]);
            members.push(Member {
                name,
                method,
                flags,
                compressed,
                size: usize_,
                local_offset: local,
            });
            p = end;
        }
        Ok(Archive {
            backing,
            members,
            cd_offset,
            caps,
            inflated: 0,
            ranges: Vec::new(),
        })
    }

    /// The uncompressed bytes of member `i`, checked against every cap.
    pub fn read(&mut self, i: usize) -> io::Result<Vec<u8>> {
        let m = self.members[i].clone();
        if m.flags & 1 != 0 {
            return Err(bad("encrypted member: not read"));
        }
        if m.size > self.caps.member_size {
            return Err(bad(format!(
                "member of {} bytes, more than the {} read",
                m.size, self.caps.member_size
            )));
        }
        if self.inflated.saturating_add(m.size) > self.caps.total_inflated {
            return Err(bad(format!(
                "more than {} bytes inflated from the archive: member not read",
                self.caps.total_inflated
            )));
        }
        let head = self.backing.read(m.local_offset, 30)?;
        if head[..4] != *b"PK\x03\x04" {
            return Err(bad(format!(
                "no local header at offset {} (bad offset)",
                m.local_offset
            )));
        }
        let data = m.local_offset + 30 + u16le(&head, 26) as u64 + u16le(&head, 28) as u64;
        let data_end = data
            .checked_add(m.compressed)
            .filter(|&e| e <= self.cd_offset)
            .ok_or_else(|| {
                bad("member data runs into the central directory or past the archive")
            })?;
        if let Some((_, _, other)) = self
            .ranges
            .iter()
            .find(|(s, e, _)| m.local_offset < *e && *s < data_end)
        {
            return Err(bad(format!(
                "member data overlaps member {other} (overlapping entries)"
            )));
        }
        self.ranges.push((m.local_offset, data_end, m.name.clone()));
        let raw = self.backing.read(data, m.compressed)?;
        let out = match m.method {
            0 => raw,
            8 => {
                let mut out = Vec::new();
                flate2::read::DeflateDecoder::new(&raw[..])
                    .take(m.size + 1)
                    .read_to_end(&mut out)
                    .map_err(|e| bad(format!("cannot inflate: {e}")))?;
                out
            }
            other => return Err(bad(format!("compression method {other}: not read"))),
        };
        if out.len() as u64 > m.size {
            return Err(bad(format!(
                "inflates to more than the {} bytes its entry declares (a zip bomb or a corrupt entry)",
                m.size
            )));
        }
        if (out.len() as u64) < m.size {
            return Err(bad(format!(
                "inflates to {} bytes, not the {} its entry declares",
                out.len(),
                m.size
            )));
        }
        self.inflated += m.size;
        Ok(out)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::io::Write;

    /// A zip archive built in code: (name, data, deflate?).
    pub(crate) fn build(members: &[(&str, &[u8], bool)]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut cd = Vec::new();
        for (name, data, deflate) in members {
            let (method, body) = if *deflate {
                let mut e =
                    flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
                e.write_all(data).unwrap();
                (8u16, e.finish().unwrap())
            } else {
                (0u16, data.to_vec())
            };
            let off = out.len() as u32;
            out.extend_from_slice(b"PK\x03\x04");
            out.extend_from_slice(&[20, 0, 0, 0]);
            out.extend_from_slice(&method.to_le_bytes());
            out.extend_from_slice(&[0; 8]); // time, date, crc
            out.extend_from_slice(&(body.len() as u32).to_le_bytes());
            out.extend_from_slice(&(data.len() as u32).to_le_bytes());
            out.extend_from_slice(&(name.len() as u16).to_le_bytes());
            out.extend_from_slice(&0u16.to_le_bytes());
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(&body);
            cd.extend_from_slice(b"PK\x01\x02");
            cd.extend_from_slice(&[20, 0, 20, 0, 0, 0]);
            cd.extend_from_slice(&method.to_le_bytes());
            cd.extend_from_slice(&[0; 8]);
            cd.extend_from_slice(&(body.len() as u32).to_le_bytes());
            cd.extend_from_slice(&(data.len() as u32).to_le_bytes());
            cd.extend_from_slice(&(name.len() as u16).to_le_bytes());
            cd.extend_from_slice(&[0; 12]);
            cd.extend_from_slice(&off.to_le_bytes());
            cd.extend_from_slice(name.as_bytes());
        }
        let cd_off = out.len() as u32;
        out.extend_from_slice(&cd);
        out.extend_from_slice(b"PK\x05\x06\0\0\0\0");
        out.extend_from_slice(&(members.len() as u16).to_le_bytes());
        out.extend_from_slice(&(members.len() as u16).to_le_bytes());
        out.extend_from_slice(&(cd.len() as u32).to_le_bytes());
        out.extend_from_slice(&cd_off.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out
    }

    #[test]
    fn lists_and_inflates_members() {
        let big = vec![b'a'; 10_000];
        let z = build(&[
            ("a/stored.txt", b"hello", false),
            ("b/deflated", &big, true),
        ]);
        let mut a = Archive::from_bytes(z, Caps::default()).unwrap();
        let names: Vec<&str> = a.members.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["a/stored.txt", "b/deflated"]);
        assert_eq!(a.read(0).unwrap(), b"hello");
        assert_eq!(a.read(1).unwrap(), big);
    }

    #[test]
    fn bad_archives_are_errors_not_panics() {
        let big = vec![0u8; 100_000];
        let z = build(&[("x.so", &big, true), ("y.so", b"yy", false)]);
        // Every truncation of a good archive.
        for cut in [0, 10, 21, 22, z.len() / 2, z.len() - 1] {
            let r = Archive::from_bytes(z[..cut].to_vec(), Caps::default());
            if let Ok(mut a) = r {
                for i in 0..a.members.len() {
                    let _ = a.read(i);
                }
            }
        }
        // A member inflating past its cap, and past the archive's total.
        let caps = Caps {
            member_size: 1000,
            ..Caps::default()
        };
        let mut a = Archive::from_bytes(z.clone(), caps).unwrap();
        assert!(a.read(0).unwrap_err().to_string().contains("more than"));
        let caps = Caps {
            total_inflated: 100_001,
            ..Caps::default()
        };
        let mut a = Archive::from_bytes(z.clone(), caps).unwrap();
        a.read(0).unwrap();
        assert!(a.read(1).unwrap_err().to_string().contains("inflated"));
        // A zip bomb: the entry declares fewer bytes than it inflates to.
        let mut lie = z.clone();
        let cd = lie.len() - 22 - (46 + 4) * 2;
        lie[cd + 24..cd + 28].copy_from_slice(&10u32.to_le_bytes());
        let mut a = Archive::from_bytes(lie, Caps::default()).unwrap();
        assert!(
            a.read(0)
                .unwrap_err()
                .to_string()
                .contains("inflates to more than")
        );
        // Overlapping entries: the second points at the first's data.
        let mut ov = z.clone();
        let cd2 = ov.len() - 22 - (46 + 4);
        ov[cd2 + 42..cd2 + 46].copy_from_slice(&0u32.to_le_bytes());
        let mut a = Archive::from_bytes(ov, Caps::default()).unwrap();
        a.read(0).unwrap();
        assert!(a.read(1).is_err());
        // A bad offset.
        let mut off = z.clone();
        off[cd + 42..cd + 46].copy_from_slice(&u32::MAX.to_le_bytes());
        let mut a = Archive::from_bytes(off, Caps::default()).unwrap();
        assert!(a.read(0).is_err());
        // Too many entries for the cap.
        let caps = Caps {
            members: 1,
            ..Caps::default()
        };
        assert!(Archive::from_bytes(z, caps).is_err());
        assert!(
            Archive::from_bytes(b"PK\x03\x04 not a zip at all....".to_vec(), Caps::default())
                .is_err()
        );
    }
}
