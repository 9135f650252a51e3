//! The one rpm header parser: database blobs (rpmdb.sqlite, BerkeleyDB, NDB) and the two
//! headers of a `.rpm` file go through [`Header::parse`].
//!
//! A header is big-endian: `il` (entry count), `dl` (data length), `il` 16-byte index
//! entries `{tag, type, offset, count}`, then `dl` bytes of data. In a `.rpm` file each
//! header is preceded by an 8-byte magic (`8e ad e8 01 00 00 00 00`). Validation follows
//! rpm 4.18's `hdrblobInit`: `hdrblobVerifyLengths` (caps on `il` and `dl`, 256 MiB in
//! total), `hdrblobVerifyRegion` (the immutable region tag 63/62/61 and its trailer) and
//! `hdrblobVerifyInfo` (every entry's tag, type, count, alignment and extent checked
//! against `dl`, entries in non-overlapping offset order, nothing reaching into the region
//! trailer). Entries appended after the region (rpm's "dribble" entries, e.g. install
//! time) replace region entries with the same tag: the later wins.
//!
//! Nothing here panics or allocates more than a small multiple of the input: every read
//! is bounds-checked and array counts are bounded by the bytes that back them.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

/// The magic that precedes a header in a `.rpm` file (and in rpm's on-disk formats).
pub const HEADER_MAGIC: [u8; 8] = [0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0];

/// rpm's `HEADER_TAGS_MAX`.
pub const HEADER_TAGS_MAX: u32 = 0xffff;
/// rpm's `HEADER_DATA_MAX` (256 MiB).
pub const HEADER_DATA_MAX: u32 = 0x0fff_ffff;
/// rpm's `headerMaxbytes`: no header (index + data) reaches 256 MiB.
pub const HEADER_MAX_BYTES: u64 = 256 * 1024 * 1024;
/// Limits rpm applies to a package's signature header.
pub const SIGNATURE_TAGS_MAX: u32 = 32;
pub const SIGNATURE_DATA_MAX: u32 = 64 * 1024 * 1024;

/// Entry types (rpmTagType).
pub mod ty {
    pub const NULL: u32 = 0;
    pub const CHAR: u32 = 1;
    pub const INT8: u32 = 2;
    pub const INT16: u32 = 3;
    pub const INT32: u32 = 4;
    pub const INT64: u32 = 5;
    pub const STRING: u32 = 6;
    pub const BIN: u32 = 7;
    pub const STRING_ARRAY: u32 = 8;
    pub const I18NSTRING: u32 = 9;
}

/// Region tags.
pub const RPMTAG_HEADERIMAGE: u32 = 61;
pub const RPMTAG_HEADERSIGNATURES: u32 = 62;
pub const RPMTAG_HEADERIMMUTABLE: u32 = 63;
/// Tags below this one are reserved for regions (rpm's `hdrchkTag`).
pub const RPMTAG_HEADERI18NTABLE: u32 = 100;

/// Which header is being read; selects the region tag and the limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A database blob or a header given without context: the region tag is whatever the
    /// first entry says (62, 63 or 61), as `rpm.hdr(bytes)` does; no magic.
    Blob,
    /// The signature header of a `.rpm` file (magic, region 62, at most 32 tags and 64 MiB,
    /// the region must cover the whole header).
    Signature,
    /// The main header of a `.rpm` file (magic, region 63, covering the whole header).
    Main,
}

/// Why a header was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeaderError(pub String);

impl fmt::Display for HeaderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for HeaderError {}

fn err<T>(msg: impl Into<String>) -> Result<T, HeaderError> {
    Err(HeaderError(msg.into()))
}

/// One index entry, validated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    pub tag: u32,
    pub ty: u32,
    /// Offset into the data area.
    pub offset: usize,
    pub count: u32,
    /// Length of the entry's data in bytes.
    pub len: usize,
}

/// A parsed, validated header borrowing the bytes it came from.
#[derive(Clone, Debug)]
pub struct Header<'a> {
    data: &'a [u8],
    /// The effective entries by tag (region entries replaced by later ones).
    entries: BTreeMap<u32, Entry>,
    /// The region tag found (62, 63 or 61), if any.
    pub region: Option<u32>,
    /// Bytes the header occupies, including the magic when there is one.
    pub size: usize,
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

/// Size of one element of a fixed-size type; `None` for strings and unknown types.
fn type_size(t: u32) -> Option<usize> {
    match t {
        ty::CHAR | ty::INT8 | ty::BIN => Some(1),
        ty::INT16 => Some(2),
        ty::INT32 => Some(4),
        ty::INT64 => Some(8),
        ty::NULL => Some(0),
        _ => None,
    }
}

fn type_align(t: u32) -> usize {
    match t {
        ty::INT16 => 2,
        ty::INT32 => 4,
        ty::INT64 => 8,
        _ => 1,
    }
}

/// rpm's `strtaglen`: the length of `count` NUL-terminated strings starting at `start`,
/// terminators included, all within `data`.
fn strings_len(data: &[u8], start: usize, count: u32) -> Option<usize> {
    let mut pos = start;
    let mut left = count;
    while left > 0 {
        let rest = data.get(pos..)?;
        let nul = rest.iter().position(|&b| b == 0)?;
        pos += nul + 1;
        left -= 1;
    }
    Some(pos - start)
}

/// The expected type of the tags this crate reads (rpm's `hdrchkTagType` for them); `None`
/// for tags left unchecked.
fn expected_type(tag: u32) -> Option<u32> {
    use super::tags::*;
    Some(match tag {
        NAME | VERSION | RELEASE | ARCH | VENDOR | PACKAGER | SOURCERPM => ty::STRING,
        EPOCH | REQUIREFLAGS | PROVIDEFLAGS | OBSOLETEFLAGS | DIRINDEXES => ty::INT32,
        REQUIRENAME | REQUIREVERSION | PROVIDENAME | PROVIDEVERSION | OBSOLETENAME
        | OBSOLETEVERSION | BASENAMES | DIRNAMES | OLDFILENAMES => ty::STRING_ARRAY,
        _ => return None,
    })
}

fn is_string_type(t: u32) -> bool {
    matches!(t, ty::STRING | ty::STRING_ARRAY | ty::I18NSTRING)
}

impl<'a> Header<'a> {
    /// Parse a header. For [`Kind::Blob`] `bytes` must be exactly the header (as rpm
    /// requires of a database blob); for the `.rpm` kinds `bytes` starts at the magic and
    /// may continue past the header ([`Header::size`] says where it ends).
    pub fn parse(bytes: &'a [u8], kind: Kind) -> Result<Header<'a>, HeaderError> {
        let (start, region_tag, exact_region, il_max, dl_max) = match kind {
            Kind::Blob => (0usize, None, false, HEADER_TAGS_MAX, HEADER_DATA_MAX),
            Kind::Signature => (
                8,
                Some(RPMTAG_HEADERSIGNATURES),
                true,
                SIGNATURE_TAGS_MAX,
                SIGNATURE_DATA_MAX,
            ),
            Kind::Main => (
                8,
                Some(RPMTAG_HEADERIMMUTABLE),
                true,
                HEADER_TAGS_MAX,
                HEADER_DATA_MAX,
            ),
        };
        if start > 0 {
            match bytes.get(..8) {
                None => return err(format!("truncated: {} bytes, no header magic", bytes.len())),
                Some(m) if m != HEADER_MAGIC => {
                    return err(format!("bad header magic {}", hex(m)));
                }
                Some(_) => {}
            }
        }
        let b = &bytes[start..];
        if b.len() < 8 {
            return err(format!("hdr length: BAD ({} bytes)", b.len()));
        }
        let il = be32(b, 0).unwrap_or(0);
        let dl = be32(b, 4).unwrap_or(0);
        // hdrblobVerifyLengths
        if il > il_max {
            return err(format!("hdr tags: BAD, no. of tags({il}) out of range"));
        }
        if dl > dl_max {
            return err(format!("hdr data: BAD, no. of bytes({dl}) out of range"));
        }
        let pvlen = 8u64 + 16 * u64::from(il) + u64::from(dl);
        if pvlen >= HEADER_MAX_BYTES {
            return err(format!(
                "blob size({pvlen}): BAD, 8 + 16 * il({il}) + dl({dl})"
            ));
        }
        let pvlen = pvlen as usize;
        match kind {
            Kind::Blob if b.len() != pvlen => {
                return err(format!(
                    "blob size({pvlen}): BAD, 8 + 16 * il({il}) + dl({dl}), have {}",
                    b.len()
                ));
            }
            _ if b.len() < pvlen => {
                return err(format!(
                    "truncated: header needs {pvlen} bytes (il {il}, dl {dl}), {} present",
                    b.len()
                ));
            }
            _ => {}
        }
        let il = il as usize;
        let dl = dl as usize;
        let index = &b[8..8 + 16 * il];
        let data = &b[8 + 16 * il..pvlen];
        let raw = |i: usize| -> (u32, u32, i32, u32) {
            let at = 16 * i;
            (
                be32(index, at).unwrap_or(0),
                be32(index, at + 4).unwrap_or(0),
                be32(index, at + 8).unwrap_or(0) as i32,
                be32(index, at + 12).unwrap_or(0),
            )
        };

        // hdrblobVerifyRegion
        if il < 1 {
            return err("region: no tags");
        }
        let (tag0, type0, off0, count0) = raw(0);
        let region_tag = match region_tag {
            Some(t) => t,
            None if matches!(
                tag0,
                RPMTAG_HEADERSIGNATURES | RPMTAG_HEADERIMMUTABLE | RPMTAG_HEADERIMAGE
            ) =>
            {
                tag0
            }
            None => 0,
        };
        let mut region = None;
        let mut ril = il;
        let mut rdl = dl;
        if region_tag != 0 && tag0 == region_tag {
            if !(type0 == ty::BIN && count0 == 16) {
                return err(format!(
                    "region tag: BAD, tag {tag0} type {type0} offset {off0} count {count0}"
                ));
            }
            if off0 < 0 || (off0 as i64) + 16 > dl as i64 {
                return err(format!(
                    "region offset: BAD, tag {tag0} type {type0} offset {off0} count {count0}"
                ));
            }
            let t = off0 as usize;
            let ttag = be32(data, t).unwrap_or(0);
            let ttype = be32(data, t + 4).unwrap_or(0);
            let toff = be32(data, t + 8).unwrap_or(0) as i32;
            let tcount = be32(data, t + 12).unwrap_or(0);
            let mut ttag_fixed = ttag;
            // Some old packages have HEADERIMAGE in the signature region trailer.
            if region_tag == RPMTAG_HEADERSIGNATURES && ttag == RPMTAG_HEADERIMAGE {
                ttag_fixed = RPMTAG_HEADERSIGNATURES;
            }
            if !(ttag_fixed == region_tag && ttype == ty::BIN && tcount == 16) {
                return err(format!(
                    "region trailer: BAD, tag {ttag} type {ttype} offset {toff} count {tcount}"
                ));
            }
            // The trailer's offset is negative: minus the size of the region's index.
            let neg = -(toff as i64);
            rdl = t + 16;
            if neg < 0 || neg % 16 != 0 || neg / 16 > il as i64 {
                return err(format!(
                    "region {region_tag} size: BAD, ril {} il {il} rdl {rdl} dl {dl}",
                    neg / 16
                ));
            }
            ril = (neg / 16) as usize;
            if exact_region && !(il == ril && dl == rdl) {
                return err(format!(
                    "region {region_tag}: tag number mismatch il {il} ril {ril} dl {dl} rdl {rdl}"
                ));
            }
            region = Some(region_tag);
        }

        // hdrblobVerifyInfo
        let typechk = matches!(region, Some(RPMTAG_HEADERIMMUTABLE | RPMTAG_HEADERIMAGE));
        let first = usize::from(region.is_some());
        let mut end: i64 = 0;
        let mut entries: BTreeMap<u32, Entry> = BTreeMap::new();
        for i in first..il {
            let (tag, t, off, count) = raw(i);
            let bad = |what: &str| {
                err(format!(
                    "entry {i}: {what} (tag {tag} type {t} offset {off} count {count})"
                ))
            };
            if end > off as i64 {
                return bad("data overlaps the previous entry");
            }
            if tag < RPMTAG_HEADERI18NTABLE {
                return bad("reserved tag");
            }
            if t > ty::I18NSTRING {
                return bad("bad type");
            }
            if count == 0 || count > HEADER_DATA_MAX {
                return bad("bad count");
            }
            if off < 0 || off as i64 > dl as i64 {
                return bad("offset out of range");
            }
            let offset = off as usize;
            if !offset.is_multiple_of(type_align(t)) {
                return bad("misaligned offset");
            }
            if typechk && let Some(want) = expected_type(tag) {
                let ok = want == t || (is_string_type(want) && is_string_type(t));
                if !ok {
                    return bad("type does not match the tag");
                }
            }
            let len = match t {
                ty::STRING => {
                    if count != 1 {
                        return bad("string with count other than 1");
                    }
                    strings_len(data, offset, 1)
                }
                ty::STRING_ARRAY | ty::I18NSTRING => strings_len(data, offset, count),
                _ => type_size(t).and_then(|s| s.checked_mul(count as usize)),
            };
            let len = match len {
                Some(l) if l > 0 && offset + l <= dl => l,
                _ => return bad("data runs past the end"),
            };
            end = (offset + len) as i64;
            if region.is_some() && end > rdl as i64 - 16 && (offset as i64) < rdl as i64 {
                return bad("data overlaps the region trailer");
            }
            let e = Entry {
                tag,
                ty: t,
                offset,
                count,
                len,
            };
            // Entries after the region replace region entries with the same tag; a new
            // file list replaces the legacy one (as rpm's headerImport does).
            if i >= ril && tag == super::tags::BASENAMES {
                entries.remove(&super::tags::OLDFILENAMES);
            }
            entries.insert(tag, e);
        }
        Ok(Header {
            data,
            entries,
            region,
            size: start + pvlen,
        })
    }

    /// The effective entry for a tag.
    pub fn entry(&self, tag: u32) -> Option<&Entry> {
        self.entries.get(&tag)
    }

    /// Whether the header has a tag.
    pub fn has(&self, tag: u32) -> bool {
        self.entries.contains_key(&tag)
    }

    /// All effective tags, ascending.
    pub fn tags(&self) -> impl Iterator<Item = u32> + '_ {
        self.entries.keys().copied()
    }

    /// The raw bytes of an entry.
    pub fn raw(&self, tag: u32) -> Option<&'a [u8]> {
        let e = self.entries.get(&tag)?;
        self.data.get(e.offset..e.offset + e.len)
    }

    /// The strings of a string-class entry (STRING gives one, I18NSTRING all locales).
    pub fn strings(&self, tag: u32) -> Option<Vec<Cow<'a, str>>> {
        let e = self.entries.get(&tag)?;
        if !is_string_type(e.ty) {
            return None;
        }
        let raw = self.data.get(e.offset..e.offset + e.len)?;
        let mut out = Vec::with_capacity((e.count as usize).min(raw.len()));
        for s in raw.split(|&b| b == 0).take(e.count as usize) {
            out.push(text(s));
        }
        Some(out)
    }

    /// A single string: STRING, or the first (default-locale) string of I18NSTRING or a
    /// string array.
    pub fn string(&self, tag: u32) -> Option<Cow<'a, str>> {
        let e = self.entries.get(&tag)?;
        if !is_string_type(e.ty) {
            return None;
        }
        let raw = self.data.get(e.offset..e.offset + e.len)?;
        let s = raw.split(|&b| b == 0).next().unwrap_or(&[]);
        Some(text(s))
    }

    /// An integer array (CHAR, INT8, INT16 and INT32 widened to u64; INT64 as is).
    pub fn ints(&self, tag: u32) -> Option<Vec<u64>> {
        let e = self.entries.get(&tag)?;
        let size = match e.ty {
            ty::CHAR | ty::INT8 => 1,
            ty::INT16 => 2,
            ty::INT32 => 4,
            ty::INT64 => 8,
            _ => return None,
        };
        let raw = self.data.get(e.offset..e.offset + e.len)?;
        Some(
            raw.chunks_exact(size)
                .map(|c| {
                    let mut v = 0u64;
                    for &b in c {
                        v = (v << 8) | u64::from(b);
                    }
                    v
                })
                .collect(),
        )
    }

    /// The first integer of an integer entry, as u32 (INT64 values above u32 give None).
    pub fn u32(&self, tag: u32) -> Option<u32> {
        u32::try_from(*self.ints(tag)?.first()?).ok()
    }

    /// Integer array narrowed to u32 (INT32 and smaller types).
    pub fn u32s(&self, tag: u32) -> Option<Vec<u32>> {
        let e = self.entries.get(&tag)?;
        if e.ty == ty::INT64 {
            return None;
        }
        Some(self.ints(tag)?.into_iter().map(|v| v as u32).collect())
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A minimal header writer for tests and fixtures: entries in the order given, data laid
/// out with rpm's alignment, an immutable region (tag 63) around all of them when
/// `region` is set. Not used on the read path.
pub fn build(entries: &[(u32, u32, u32, Vec<u8>)], region: bool) -> Vec<u8> {
    let mut index: Vec<[u32; 4]> = Vec::new();
    let mut data: Vec<u8> = Vec::new();
    for (tag, t, count, bytes) in entries {
        let align = type_align(*t);
        while !data.len().is_multiple_of(align) {
            data.push(0);
        }
        index.push([*tag, *t, data.len() as u32, *count]);
        data.extend_from_slice(bytes);
    }
    if region {
        let il = index.len() as u32 + 1;
        let trailer_at = data.len() as u32;
        data.extend_from_slice(&RPMTAG_HEADERIMMUTABLE.to_be_bytes());
        data.extend_from_slice(&ty::BIN.to_be_bytes());
        data.extend_from_slice(&(-(16 * il as i32)).to_be_bytes());
        data.extend_from_slice(&16u32.to_be_bytes());
        index.insert(0, [RPMTAG_HEADERIMMUTABLE, ty::BIN, trailer_at, 16]);
    }
    let mut out = Vec::new();
    out.extend_from_slice(&(index.len() as u32).to_be_bytes());
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    for e in &index {
        for v in e {
            out.extend_from_slice(&v.to_be_bytes());
        }
    }
    out.extend_from_slice(&data);
    out
}

/// A header string: borrowed when it is UTF-8, else the escaped form of
/// [`crate::inventory::names`] (file names are bytes; never U+FFFD).
fn text(s: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(s) {
        Ok(v) => Cow::Borrowed(v),
        Err(_) => Cow::Owned(crate::inventory::names::from_bytes(s)),
    }
}

#[cfg(test)]
mod tests {
    use super::super::tags;
    use super::*;

    fn s(v: &str) -> Vec<u8> {
        let mut b = v.as_bytes().to_vec();
        b.push(0);
        b
    }

    fn sample(region: bool) -> Vec<u8> {
        build(
            &[
                (tags::NAME, ty::STRING, 1, s("foo")),
                (tags::VERSION, ty::STRING, 1, s("1.0")),
                (tags::RELEASE, ty::STRING, 1, s("1")),
                (tags::EPOCH, ty::INT32, 1, 2u32.to_be_bytes().to_vec()),
                (
                    tags::REQUIRENAME,
                    ty::STRING_ARRAY,
                    2,
                    [s("a"), s("b")].concat(),
                ),
            ],
            region,
        )
    }

    #[test]
    fn parses_a_built_header_with_and_without_region() {
        for region in [false, true] {
            let b = sample(region);
            let h = Header::parse(&b, Kind::Blob).unwrap();
            assert_eq!(h.string(tags::NAME).unwrap(), "foo");
            assert_eq!(h.u32(tags::EPOCH), Some(2));
            assert_eq!(h.strings(tags::REQUIRENAME).unwrap(), vec!["a", "b"]);
            assert_eq!(h.region, region.then_some(63));
            assert_eq!(h.size, b.len());
        }
    }

    #[test]
    fn every_truncation_and_single_byte_corruption_is_an_error_or_ok_never_a_panic() {
        let b = sample(true);
        for n in 0..b.len() {
            assert!(Header::parse(&b[..n], Kind::Blob).is_err());
        }
        for i in 0..b.len() {
            for v in [0u8, 1, 0x7f, 0x80, 0xff] {
                let mut c = b.clone();
                c[i] = v;
                let _ = Header::parse(&c, Kind::Blob);
            }
        }
    }

    #[test]
    fn caps_il_and_dl() {
        let mut b = vec![0u8; 8];
        b[..4].copy_from_slice(&0x0001_0000u32.to_be_bytes());
        assert!(
            Header::parse(&b, Kind::Blob)
                .unwrap_err()
                .0
                .contains("tags")
        );
        b[..4].copy_from_slice(&1u32.to_be_bytes());
        b[4..8].copy_from_slice(&0x1000_0000u32.to_be_bytes());
        assert!(
            Header::parse(&b, Kind::Blob)
                .unwrap_err()
                .0
                .contains("data")
        );
    }

    #[test]
    fn rejects_misaligned_and_out_of_range_entries() {
        // An INT32 at an odd offset.
        let mut b = build(
            &[
                (tags::NAME, ty::STRING, 1, s("x")),
                (tags::EPOCH, ty::INT32, 1, 1u32.to_be_bytes().to_vec()),
            ],
            false,
        );
        // Point the EPOCH entry at offset 1.
        let at = 8 + 16 + 8;
        b[at..at + 4].copy_from_slice(&1u32.to_be_bytes());
        assert!(Header::parse(&b, Kind::Blob).is_err());
        // A string array whose count exceeds the strings present.
        let b = build(&[(tags::REQUIRENAME, ty::STRING_ARRAY, 3, s("a"))], false);
        assert!(Header::parse(&b, Kind::Blob).is_err());
    }

    #[test]
    fn entries_after_the_region_win() {
        let mut b = sample(true);
        // Append a dribble entry NAME=bar after the region: rebuild by hand.
        let il = u32::from_be_bytes(b[0..4].try_into().unwrap());
        let dl = u32::from_be_bytes(b[4..8].try_into().unwrap());
        let mut index = b[8..8 + 16 * il as usize].to_vec();
        let mut data = b[8 + 16 * il as usize..].to_vec();
        index.extend_from_slice(&tags::NAME.to_be_bytes());
        index.extend_from_slice(&ty::STRING.to_be_bytes());
        index.extend_from_slice(&dl.to_be_bytes());
        index.extend_from_slice(&1u32.to_be_bytes());
        data.extend_from_slice(&s("bar"));
        b = Vec::new();
        b.extend_from_slice(&(il + 1).to_be_bytes());
        b.extend_from_slice(&(data.len() as u32).to_be_bytes());
        b.extend_from_slice(&index);
        b.extend_from_slice(&data);
        let h = Header::parse(&b, Kind::Blob).unwrap();
        assert_eq!(h.string(tags::NAME).unwrap(), "bar");
        // A package file's header must be all region.
        let mut f = HEADER_MAGIC.to_vec();
        f.extend_from_slice(&b);
        assert!(Header::parse(&f, Kind::Main).is_err());
    }
}
