//! NDB `Packages.db` (SUSE since SLE 15 SP3 / openSUSE), read as rpm 4.18's
//! `lib/backend/ndb/rpmpkg.c` does.
//!
//! Little-endian throughout. A 32-byte header (`RpmP`, version 0, generation, number of
//! 4096-byte slot pages, next package index) shares the first slot page with the slots:
//! 16 bytes each (`Slot`, package index, block offset, block count; a block offset of 0
//! marks a free slot). Blocks are 16 bytes; a blob starts at block offset x 16 with a
//! 16-byte head (`BlbS`, package index, timestamp, length), then the header blob, zero
//! padding, and a 12-byte tail (adler32 of head + blob + padding, length, `BlbE`). Every
//! magic, index and length is checked against the file size; a bad slot refuses the whole
//! file (as rpm does), a bad blob only itself.

pub const DB_MAGIC: &[u8; 4] = b"RpmP";
pub const SLOT_MAGIC: &[u8; 4] = b"Slot";
pub const BLOB_HEAD_MAGIC: &[u8; 4] = b"BlbS";
pub const BLOB_TAIL_MAGIC: &[u8; 4] = b"BlbE";
pub const PAGE_SIZE: usize = 4096;
pub const SLOT_SIZE: usize = 16;
pub const BLK_SIZE: usize = 16;
pub const HEADER_SIZE: usize = 32;
pub const BLOB_HEAD: usize = 16;
pub const BLOB_TAIL: usize = 12;

/// One package slot and its blob.
#[derive(Debug)]
pub struct NdbBlob<'a> {
    pub pkgidx: u32,
    /// The header blob, or why it was refused.
    pub blob: Result<&'a [u8], String>,
    /// The tail's adler32 matches (rpm itself does not check it when reading).
    pub checksum_ok: bool,
    /// The blob head's timestamp (when the package was written).
    pub timestamp: u32,
    /// Where the blob's blocks start and how many there are.
    pub blkoff: u32,
    pub blkcnt: u32,
}

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// RFC 1950 adler32, starting from 1.
pub fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for chunk in data.chunks(5552) {
        for &x in chunk {
            a += u32::from(x);
            b += a;
        }
        a %= 65521;
        b %= 65521;
    }
    (b << 16) | a
}

/// The package slots of an NDB file (in block order, as rpm lists them) with their blobs.
pub fn read(file: &[u8]) -> Result<Vec<NdbBlob<'_>>, String> {
    if file.len() < HEADER_SIZE {
        return Err(format!(
            "not an NDB database: {} bytes, shorter than the header",
            file.len()
        ));
    }
    if &file[0..4] != DB_MAGIC {
        return Err("not an NDB database (no RpmP magic)".into());
    }
    let version = le32(file, 4);
    if version != 0 {
        return Err(format!("NDB version {version} (only 0 is known)"));
    }
    if !file.len().is_multiple_of(BLK_SIZE) {
        return Err(format!(
            "file size {} is not a multiple of {BLK_SIZE}",
            file.len()
        ));
    }
    let slot_pages = le32(file, 12) as usize;
    if slot_pages == 0 || slot_pages.saturating_mul(PAGE_SIZE) > file.len() {
        return Err(format!(
            "{slot_pages} slot pages do not fit in {} bytes",
            file.len()
        ));
    }
    let file_blocks = (file.len() / BLK_SIZE) as u64;
    let min_blkoff = (slot_pages * (PAGE_SIZE / BLK_SIZE)) as u64;
    let mut slots: Vec<(u32, u64, u64)> = Vec::new();
    for slotno in HEADER_SIZE / SLOT_SIZE..slot_pages * PAGE_SIZE / SLOT_SIZE {
        let at = slotno * SLOT_SIZE;
        if &file[at..at + 4] != SLOT_MAGIC {
            return Err(format!("slot {slotno}: bad magic"));
        }
        let blkoff = u64::from(le32(file, at + 8));
        if blkoff == 0 {
            continue; // free
        }
        let pkgidx = le32(file, at + 4);
        let blkcnt = u64::from(le32(file, at + 12));
        if blkoff + blkcnt > file_blocks {
            return Err(format!(
                "slot {slotno}: blocks {blkoff}+{blkcnt} beyond the end of the file (truncated database)"
            ));
        }
        if pkgidx == 0 || blkcnt == 0 || blkoff < min_blkoff {
            return Err(format!(
                "slot {slotno}: bad entry (package {pkgidx}, block {blkoff}, count {blkcnt})"
            ));
        }
        slots.push((pkgidx, blkoff, blkcnt));
    }
    slots.sort_by_key(|s| (s.1, s.0));
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(slots.len());
    for (pkgidx, blkoff, blkcnt) in slots {
        let dup = !seen.insert(pkgidx);
        let start = (blkoff as usize) * BLK_SIZE;
        let end = start + (blkcnt as usize) * BLK_SIZE;
        let mut checksum_ok = false;
        let timestamp = if end - start >= BLOB_HEAD {
            le32(file, start + 8)
        } else {
            0
        };
        let blob = if dup {
            Err("second slot for the same package index".to_string())
        } else {
            read_blob(&file[start..end], pkgidx, &mut checksum_ok)
        };
        out.push(NdbBlob {
            pkgidx,
            blob,
            checksum_ok,
            timestamp,
            blkoff: blkoff as u32,
            blkcnt: blkcnt as u32,
        });
    }
    Ok(out)
}

fn read_blob<'a>(area: &'a [u8], pkgidx: u32, checksum_ok: &mut bool) -> Result<&'a [u8], String> {
    if area.len() < BLOB_HEAD + BLOB_TAIL {
        return Err(format!(
            "{} blocks are too few for a blob",
            area.len() / BLK_SIZE
        ));
    }
    if &area[0..4] != BLOB_HEAD_MAGIC {
        return Err("bad blob magic".into());
    }
    if le32(area, 4) != pkgidx {
        return Err(format!(
            "blob belongs to package {}, slot says {pkgidx}",
            le32(area, 4)
        ));
    }
    let len = le32(area, 12) as usize;
    let want = (BLOB_HEAD + len + BLOB_TAIL).div_ceil(BLK_SIZE) * BLK_SIZE;
    if want != area.len() {
        return Err(format!(
            "blob length {len} does not fill its {} blocks",
            area.len() / BLK_SIZE
        ));
    }
    let tail = area.len() - BLOB_TAIL;
    if &area[tail + 8..tail + 12] != BLOB_TAIL_MAGIC {
        return Err("bad blob tail magic".into());
    }
    if le32(area, tail + 4) as usize != len {
        return Err("blob tail length differs from its head".into());
    }
    *checksum_ok = adler32(&area[..tail]) == le32(area, tail);
    Ok(&area[BLOB_HEAD..BLOB_HEAD + len])
}

/// Write an NDB file holding `blobs` (package index, header blob) in the layout rpm writes:
/// header, as many slot pages as needed, blobs back to back after them with zero padding
/// and adler32 tails. For test fixtures (cross-checked against a real SLE database).
pub fn write(blobs: &[(u32, u32, &[u8])]) -> Vec<u8> {
    // (pkgidx, timestamp, blob)
    let nslots = blobs.len() + HEADER_SIZE / SLOT_SIZE;
    let slot_pages = nslots.div_ceil(PAGE_SIZE / SLOT_SIZE).max(1);
    let mut out = vec![0u8; slot_pages * PAGE_SIZE];
    out[0..4].copy_from_slice(DB_MAGIC);
    out[8..12].copy_from_slice(&1u32.to_le_bytes());
    out[12..16].copy_from_slice(&(slot_pages as u32).to_le_bytes());
    let next = blobs.iter().map(|b| b.0).max().unwrap_or(0) + 1;
    out[16..20].copy_from_slice(&next.to_le_bytes());
    for slotno in HEADER_SIZE / SLOT_SIZE..slot_pages * PAGE_SIZE / SLOT_SIZE {
        out[slotno * SLOT_SIZE..slotno * SLOT_SIZE + 4].copy_from_slice(SLOT_MAGIC);
    }
    for (i, (pkgidx, tstamp, blob)) in blobs.iter().enumerate() {
        let blkoff = out.len() / BLK_SIZE;
        let blkcnt = (BLOB_HEAD + blob.len() + BLOB_TAIL).div_ceil(BLK_SIZE);
        let start = out.len();
        out.extend_from_slice(BLOB_HEAD_MAGIC);
        out.extend_from_slice(&pkgidx.to_le_bytes());
        out.extend_from_slice(&tstamp.to_le_bytes());
        out.extend_from_slice(&(blob.len() as u32).to_le_bytes());
        out.extend_from_slice(blob);
        out.resize(start + blkcnt * BLK_SIZE - BLOB_TAIL, 0);
        let adl = adler32(&out[start..]);
        out.extend_from_slice(&adl.to_le_bytes());
        out.extend_from_slice(&(blob.len() as u32).to_le_bytes());
        out.extend_from_slice(BLOB_TAIL_MAGIC);
        let at = (HEADER_SIZE / SLOT_SIZE + i) * SLOT_SIZE;
        out[at + 4..at + 8].copy_from_slice(&pkgidx.to_le_bytes());
        out[at + 8..at + 12].copy_from_slice(&(blkoff as u32).to_le_bytes());
        out[at + 12..at + 16].copy_from_slice(&(blkcnt as u32).to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adler32_known_value() {
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
        assert_eq!(adler32(b""), 1);
    }

    #[test]
    fn written_files_read_back_and_survive_corruption() {
        let a = b"first blob".to_vec();
        let b = vec![7u8; 5000];
        let f = write(&[(1, 10, &a), (5, 11, &b)]);
        let r = read(&f).unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].blob.as_ref().unwrap(), &a.as_slice());
        assert_eq!(r[1].blob.as_ref().unwrap(), &b.as_slice());
        assert!(r.iter().all(|x| x.checksum_ok));
        for i in 0..f.len() {
            let mut c = f.clone();
            c[i] ^= 0xff;
            let _ = read(&c);
        }
        for n in 0..f.len() {
            let _ = read(&f[..n]);
        }
    }
}
