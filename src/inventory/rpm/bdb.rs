//! BerkeleyDB hash databases (rpm's `Packages` up to RHEL 8 / SLE 15 SP2), read the way
//! rpm 4.18's read-only `bdb_ro` backend reads them, with every bound checked.
//!
//! Page 0 is the 512-byte meta page: magic `0x061561` (either byte order; the byte order of
//! the file follows), hash version 8-10, page size, last page number, max bucket and the
//! `spares` table that maps buckets to pages. Buckets `0..=max_bucket` are walked in order,
//! each through its chain of hash pages (type 2, 13, or 8 in hash-v8 files; `next_pgno` at
//! bytes 16..20). A hash page's item index (u16 offsets from byte 26) holds key/value
//! pairs; an item is inline (`H_KEYDATA`, 1: the bytes up to the previous item) or off-page
//! (`H_OFFPAGE`, 3: page number and total length) continued through overflow pages (type
//! 7, data length at bytes 22..24, data from byte 26, next page at 16..20).
//!
//! Every page is visited at most once (cycles end the walk with an error), overflow chains
//! are bounded by the page count, lengths by the file size.

/// Largest page size BerkeleyDB supports.
const MAX_PAGE_SIZE: u32 = 65536;
const PAGE_HEADER: usize = 26;

const H_KEYDATA: u8 = 1;
const H_OFFPAGE: u8 = 3;
const P_HASH_UNSORTED: u8 = 2;
const P_OVERFLOW: u8 = 7;
const P_HASHMETA: u8 = 8;
const P_HASH: u8 = 13;

const HASH_MAGIC: u32 = 0x0006_1561;
const BTREE_MAGIC: u32 = 0x0005_3162;

struct Db<'a> {
    file: &'a [u8],
    big_endian: bool,
    page_size: usize,
    last_page: u32,
    max_bucket: u32,
    spares: [u32; 32],
    pages: u32,
}

impl<'a> Db<'a> {
    fn u32_at(&self, b: &[u8], at: usize) -> u32 {
        let s = [b[at], b[at + 1], b[at + 2], b[at + 3]];
        if self.big_endian {
            u32::from_be_bytes(s)
        } else {
            u32::from_le_bytes(s)
        }
    }

    fn u16_at(&self, b: &[u8], at: usize) -> usize {
        let s = [b[at], b[at + 1]];
        usize::from(if self.big_endian {
            u16::from_be_bytes(s)
        } else {
            u16::from_le_bytes(s)
        })
    }

    fn page(&self, pgno: u32) -> Result<&'a [u8], String> {
        if pgno == 0 || pgno > self.last_page {
            return Err(format!(
                "page {pgno} out of range (last page {})",
                self.last_page
            ));
        }
        let start = pgno as usize * self.page_size;
        let page = self
            .file
            .get(start..start + self.page_size)
            .ok_or_else(|| format!("page {pgno} beyond the end of the file (truncated)"))?;
        if page.iter().all(|&b| b == 0) {
            return Err(format!("page {pgno} was never written (all zeros)"));
        }
        if self.u32_at(page, 8) != pgno {
            return Err(format!(
                "page {pgno} says it is page {}",
                self.u32_at(page, 8)
            ));
        }
        Ok(page)
    }

    fn bucket_page(&self, bucket: u32) -> u32 {
        let bits = 32 - bucket.leading_zeros();
        bucket.wrapping_add(self.spares[bits as usize % 32])
    }

    /// An item of a hash page: inline bytes, or reassembled from overflow pages into `buf`.
    fn item<'b>(
        &self,
        page: &'b [u8],
        off: usize,
        len: isize,
        buf: &'b mut Vec<u8>,
    ) -> Result<&'b [u8], String>
    where
        'a: 'b,
    {
        if len <= 0 || off + len as usize > self.page_size {
            return Err(format!("item at {off} with bad length {len}"));
        }
        let len = len as usize;
        match page[off] {
            H_KEYDATA => Ok(&page[off + 1..off + len]),
            H_OFFPAGE => {
                if len != 12 {
                    return Err(format!("off-page item of {len} bytes (not 12)"));
                }
                let pgno = self.u32_at(page, off + 4);
                let total = self.u32_at(page, off + 8) as usize;
                self.overflow(pgno, total, buf)?;
                Ok(&buf[..])
            }
            t => Err(format!("unsupported item type {t} at {off}")),
        }
    }

    fn overflow(&self, mut pgno: u32, total: usize, buf: &mut Vec<u8>) -> Result<(), String> {
        if total == 0 || total > self.file.len() {
            return Err(format!("off-page item with bad length {total}"));
        }
        buf.clear();
        buf.reserve(total);
        let mut hops = 0u32;
        while buf.len() < total {
            hops += 1;
            if hops > self.pages {
                return Err(format!("overflow chain loops (at page {pgno})"));
            }
            let page = self.page(pgno)?;
            if page[25] != P_OVERFLOW {
                return Err(format!(
                    "page {pgno} in an overflow chain has type {}",
                    page[25]
                ));
            }
            let plen = self.u16_at(page, 22);
            if plen == 0 || plen + PAGE_HEADER > self.page_size || plen > total - buf.len() {
                return Err(format!("overflow page {pgno} with bad length {plen}"));
            }
            buf.extend_from_slice(&page[PAGE_HEADER..PAGE_HEADER + plen]);
            pgno = self.u32_at(page, 16);
        }
        Ok(())
    }
}

/// Walk every key/value pair of a BerkeleyDB hash file. `f` gets the key decoded as a
/// header number (a 4-byte key in the file's byte order; `None` for other keys) and the
/// value. Records before an error are delivered; the error says where the walk stopped (rpm
/// stops there too).
pub fn for_each_record(file: &[u8], mut f: impl FnMut(Option<u32>, &[u8])) -> Result<(), String> {
    if file.len() < 512 {
        return Err(format!(
            "not a Berkeley DB file: {} bytes, shorter than a meta page",
            file.len()
        ));
    }
    let m = [file[12], file[13], file[14], file[15]];
    let big_endian = match (u32::from_le_bytes(m), u32::from_be_bytes(m)) {
        (HASH_MAGIC, _) => false,
        (_, HASH_MAGIC) => true,
        (BTREE_MAGIC, _) | (_, BTREE_MAGIC) => {
            return Err("Berkeley DB btree database: rpm's Packages is a hash database".into());
        }
        _ => {
            return Err(format!(
                "not a Berkeley DB hash database (magic {:08x})",
                u32::from_le_bytes(m)
            ));
        }
    };
    let mut db = Db {
        file,
        big_endian,
        page_size: 0,
        last_page: 0,
        max_bucket: 0,
        spares: [0; 32],
        pages: 0,
    };
    let version = db.u32_at(file, 16);
    if !(8..=10).contains(&version) {
        return Err(format!("unsupported hash version {version}"));
    }
    let page_size = db.u32_at(file, 20);
    if !(512..=MAX_PAGE_SIZE).contains(&page_size) || !page_size.is_power_of_two() {
        return Err(format!("bad page size {page_size}"));
    }
    if file[24] != 0 {
        return Err("encrypted Berkeley DB database".into());
    }
    db.page_size = page_size as usize;
    db.last_page = db.u32_at(file, 32);
    db.max_bucket = db.u32_at(file, 72);
    for i in 0..32 {
        db.spares[i] = db.u32_at(file, 96 + 4 * i);
    }
    db.pages = (file.len() / db.page_size) as u32;
    let mut visited = vec![false; db.pages as usize + 1];
    let mut buf_k = Vec::new();
    let mut buf_v = Vec::new();

    let mut bucket = 0u32;
    let mut pgno = db.bucket_page(0);
    loop {
        if visited.get(pgno as usize).copied().unwrap_or(false) {
            return Err(format!("page {pgno} reached twice (bucket chain loops)"));
        }
        let page = db.page(pgno)?;
        visited[pgno as usize] = true;
        if !matches!(page[25], P_HASH_UNSORTED | P_HASH | P_HASHMETA) {
            return Err(format!(
                "page {pgno} of bucket {bucket} has type {}, not a hash page",
                page[25]
            ));
        }
        let n = db.u16_at(page, 20);
        let mut idx = 0usize;
        while idx + 1 < n {
            let at = PAGE_HEADER + 2 * idx;
            if at + 4 > db.page_size {
                return Err(format!("page {pgno}: item index runs off the page"));
            }
            let koff = db.u16_at(page, at);
            let voff = db.u16_at(page, at + 2);
            if koff >= db.page_size || voff >= db.page_size {
                return Err(format!("page {pgno}: item offset out of the page"));
            }
            let klen = if idx == 0 {
                db.page_size as isize - koff as isize
            } else {
                db.u16_at(page, at - 2) as isize - koff as isize
            };
            let vlen = koff as isize - voff as isize;
            let key = db
                .item(page, koff, klen, &mut buf_k)
                .map_err(|e| format!("page {pgno}: key {}: {e}", idx / 2))?;
            let key = (key.len() == 4).then(|| db.u32_at(key, 0));
            let value = db
                .item(page, voff, vlen, &mut buf_v)
                .map_err(|e| format!("page {pgno}: value {}: {e}", idx / 2))?;
            f(key, value);
            idx += 2;
        }
        let next = db.u32_at(page, 16);
        if next != 0 {
            pgno = next;
        } else if bucket >= db.max_bucket {
            return Ok(());
        } else {
            bucket += 1;
            pgno = db.bucket_page(bucket);
        }
    }
}
