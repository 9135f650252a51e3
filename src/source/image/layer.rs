//! One layer read once, sequentially: its tar members become [`LayerEntry`]s.
//!
//! Uncompressed layers keep the member's offset (its bytes are read in place, by range, when
//! a reader asks). Compressed layers (gzip, zstd, xz; told by their first bytes, never by
//! name) are decompressed once, front to back, keeping only what the checks read: the first
//! bytes of every file; of an ELF object only the byte ranges its parse reads (headers,
//! dynamic section, string and version tables: [`crate::inventory::elf::parse_recording`]);
//! the whole of shell scripts, RPM files, package databases and small text files where the
//! readers look for them (each capped, all within a budget). An ELF object larger than
//! [`SPILL_AT`] is copied, while its ranges are recorded, to an unnamed temporary file in the
//! system's temporary directory (`O_TMPFILE`: it never has a name), one at a time, and closed
//! (so gone) before the next member: memory stays bounded whatever the file's size.

use super::layout::Blob;
use crate::findings::Diagnostic;
use std::io::{self, Read, Write};
use std::sync::Arc;

/// How many leading bytes classify a file (as the walk does).
pub const HEAD: usize = 256;
/// Largest file kept whole from a compressed layer, or read whole from an uncompressed one.
pub const MAX_FILE: u64 = 256 << 20;
/// Largest text file kept whole wherever it is (configuration, environment files).
pub const MAX_TEXT: u64 = 64 << 10;
/// Largest script kept whole from a compressed layer (the launcher reader's cap).
pub const MAX_SCRIPT: u64 = 256 << 10;
/// An ELF object of a compressed layer larger than this is recorded through a temporary
/// file instead of memory.
pub const SPILL_AT: u64 = 16 << 20;
/// Largest ELF object read from a compressed layer (through the temporary file).
pub const MAX_ELF: u64 = 4 << 30;
/// Bytes of small text kept whole from compressed layers outside the places readers look
/// for it by path ([`text_place`]), for the whole image (environment files named by units).
pub const OTHER_TEXT_BUDGET: u64 = 16 << 20;
/// Most tar members of one layer indexed.
pub const MAX_MEMBERS: usize = 2_000_000;

/// A layer's compression, from its first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
    Xz,
}

impl Compression {
    pub fn detect(head: &[u8]) -> Compression {
        if head.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
            Compression::Xz
        } else {
            Compression::None
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
            Compression::Xz => "xz",
        }
    }
}

/// Where a file's bytes are.
#[derive(Clone)]
pub enum Data {
    /// In place, in an uncompressed layer (`offset` within the blob).
    Range { blob: Blob, offset: u64 },
    /// Kept whole (from a compressed layer).
    Kept(Arc<[u8]>),
    /// Only the first bytes were kept; the reason says why the rest was not.
    Head(Arc<[u8]>, &'static str),
    /// Only these ranges (offset, bytes; sorted, apart) of an ELF object were kept: the
    /// first bytes and what its parse reads.
    Sparse(Arc<[(u64, Box<[u8]>)]>),
}

/// A regular file's content, shared by its hard links.
pub struct Content {
    pub size: u64,
    pub mode: u32,
    pub data: Data,
    /// How many paths of the merged view name it (more than one: hard links).
    pub links: u32,
    /// The layer that introduced it.
    pub layer: usize,
}

/// What one tar member of a layer does to the merged view.
pub enum Change {
    Dir(u32),
    File(usize),
    Symlink(Vec<u8>),
    /// A hard link to another path of the image (this layer or a lower one).
    HardLink(Vec<Vec<u8>>),
    /// A device node, FIFO or something else never read.
    Special(&'static str),
    /// `.wh.NAME`: NAME of lower layers is deleted.
    Whiteout,
    /// `.wh..wh..opq`: the directory's lower-layer children are hidden.
    Opaque,
}

/// One member: its path (components, never empty, never `.` or `..`) and what it does.
pub struct LayerEntry {
    pub path: Vec<Vec<u8>>,
    pub change: Change,
}

/// A layer's members, in tar order.
pub struct Indexed {
    pub entries: Vec<LayerEntry>,
    pub compression: Compression,
}

/// Budget of bytes kept in memory from compressed layers, shared by all layers of an image.
pub struct Budget {
    pub left: u64,
    pub exhausted: u64,
    /// What is left of [`OTHER_TEXT_BUDGET`].
    pub other_text: u64,
}

/// Why a wanted file was not kept: larger than [`MAX_FILE`].
pub const TOO_LARGE: &str = "larger than the 256 MiB read of one file from an image";

/// Whether a file's whole content is wanted by a reader: ELF objects, scripts and RPM files
/// (the walk), package databases (the package readers), small text (configuration files,
/// units, environment files).
pub fn wants_whole(path: &[Vec<u8>], head: &[u8], size: u64) -> bool {
    if size <= HEAD as u64 {
        return true;
    }
    if head.starts_with(b"\x7fELF") || head.starts_with(b"#!") || head.starts_with(RPM_MAGIC) {
        return true;
    }
    if is_db(path) {
        return true;
    }
    size <= MAX_TEXT && !head.contains(&0)
}

/// Whether small text at `path` is where a reader looks for it by path: configuration
/// (`/etc`, `/usr/etc`), systemd units and drop-ins, `os-release`.
pub fn text_place(path: &[Vec<u8>]) -> bool {
    let p: Vec<&[u8]> = path.iter().map(Vec::as_slice).collect();
    matches!(
        p.as_slice(),
        [b"etc", ..]
            | [b"usr", b"etc", ..]
            | [b"usr" | b"lib", b"systemd", ..]
            | [b"usr", b"lib", b"systemd", ..]
            | [b"usr", b"local", b"lib", b"systemd", ..]
            | [b"run", b"systemd", ..]
            | [b"usr", b"lib", b"os-release"]
    )
}

/// Why only the first bytes of a file are kept: no reader asks for more.
pub const NOT_NEEDED: &str = "not needed by any check";

const RPM_MAGIC: &[u8] = &[0xed, 0xab, 0xee, 0xdb];

/// Index one layer. Member-level problems become diagnostics (`layer_name` names the layer in
/// them); `contents` receives the files' contents.
pub fn index(
    blob: &Blob,
    layer: usize,
    layer_name: &str,
    contents: &mut Vec<Content>,
    budget: &mut Budget,
    diags: &mut Vec<Diagnostic>,
) -> io::Result<Indexed> {
    let head = blob.read_at(0, 16)?;
    let compression = Compression::detect(&head);
    let mut entries = Vec::new();
    let mut ctx = Ctx {
        layer,
        layer_name,
        contents,
        diags,
        entries: &mut entries,
    };
    let result = match compression {
        Compression::None => {
            let mut ar = tar::Archive::new(blob.reader());
            let mut r = Ok(());
            for e in ar.entries_with_seek()? {
                match e.and_then(|mut e| ctx.member(&mut e, Some(blob), budget)) {
                    Ok(true) => {}
                    Ok(false) => break,
                    Err(err) => {
                        r = Err(err);
                        break;
                    }
                }
            }
            r
        }
        Compression::Gzip => {
            ctx.sequential(flate2::read::MultiGzDecoder::new(blob.reader()), budget)
        }
        Compression::Zstd => {
            ctx.sequential(zstd::stream::read::Decoder::new(blob.reader())?, budget)
        }
        Compression::Xz => ctx.sequential(xz2::read::XzDecoder::new(blob.reader()), budget),
    };
    if let Err(e) = result {
        // What was indexed before stays; the rest of the layer is unread.
        ctx.diags.push(Diagnostic::unread(
            layer_name,
            &format!("layer unreadable after {} members", ctx.entries.len()),
            &e,
        ));
    }
    Ok(Indexed {
        entries,
        compression,
    })
}

struct Ctx<'a> {
    layer: usize,
    layer_name: &'a str,
    contents: &'a mut Vec<Content>,
    diags: &'a mut Vec<Diagnostic>,
    entries: &'a mut Vec<LayerEntry>,
}

impl Ctx<'_> {
    fn sequential(&mut self, r: impl Read, budget: &mut Budget) -> io::Result<()> {
        let mut ar = tar::Archive::new(r);
        for e in ar.entries()? {
            if !self.member(&mut e?, None, budget)? {
                break;
            }
        }
        Ok(())
    }

    /// Record one member; `Ok(false)` stops the layer (too many members).
    fn member<R: Read>(
        &mut self,
        e: &mut tar::Entry<'_, R>,
        plain: Option<&Blob>,
        budget: &mut Budget,
    ) -> io::Result<bool> {
        if self.entries.len() >= MAX_MEMBERS {
            self.diags.push(Diagnostic::new(
                self.layer_name,
                format!("more than {MAX_MEMBERS} members: the rest of the layer is not read"),
            ));
            return Ok(false);
        }
        let raw = e.path_bytes().into_owned();
        let shown = crate::inventory::names::from_bytes(&raw);
        let Some(path) = self.clean(&raw, &shown) else {
            return Ok(true);
        };
        let shown = super::show(&path);
        let header = e.header();
        let mode = header.mode().unwrap_or(0o644) & 0o7777;
        let kind = header.entry_type();
        let last = path.last().cloned().unwrap_or_default();
        if let Some(name) = last.strip_prefix(b".wh.") {
            let mut parent = path[..path.len() - 1].to_vec();
            let change = if name == b".wh..opq" {
                Change::Opaque
            } else if name.starts_with(b".wh.") || name.is_empty() {
                // aufs bookkeeping (`.wh..wh.plnk`, ...): not part of the image.
                return Ok(true);
            } else {
                parent.push(name.to_vec());
                Change::Whiteout
            };
            if change_is_whiteout_of_root(&parent, &change) {
                return Ok(true);
            }
            self.entries.push(LayerEntry {
                path: parent,
                change,
            });
            return Ok(true);
        }
        if path.is_empty() {
            // The layer's root directory itself.
            return Ok(true);
        }
        let change = match kind {
            tar::EntryType::Directory => Change::Dir(mode),
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                if mode & 0o6000 != 0 {
                    self.diags.push(Diagnostic::new(
                        shown.clone(),
                        format!(
                            "set-user-ID or set-group-ID file (mode {mode:o}) in {}: read as \
                             data, never created or run",
                            self.layer_name
                        ),
                    ));
                }
                let size = e.size();
                let data = self.data(e, &path, size, plain, budget)?;
                self.contents.push(Content {
                    size,
                    mode,
                    data,
                    links: 1,
                    layer: self.layer,
                });
                Change::File(self.contents.len() - 1)
            }
            tar::EntryType::Symlink => Change::Symlink(
                e.link_name_bytes()
                    .map(|l| l.into_owned())
                    .unwrap_or_default(),
            ),
            tar::EntryType::Link => {
                let target = e
                    .link_name_bytes()
                    .map(|l| l.into_owned())
                    .unwrap_or_default();
                let tshown = crate::inventory::names::from_bytes(&target);
                match self.clean(&target, &tshown) {
                    Some(t) if !t.is_empty() => Change::HardLink(t),
                    _ => return Ok(true),
                }
            }
            tar::EntryType::Char | tar::EntryType::Block | tar::EntryType::Fifo => {
                let what = match kind {
                    tar::EntryType::Char => "character device",
                    tar::EntryType::Block => "block device",
                    _ => "FIFO",
                };
                self.diags.push(Diagnostic::new(
                    shown.clone(),
                    format!("{what} in {}: never created, never opened", self.layer_name),
                ));
                Change::Special(what)
            }
            // PAX and GNU long-name headers are consumed by the tar reader; anything else
            // (sparse files, unknown types) is not read.
            other => {
                self.diags.push(Diagnostic::new(
                    shown.clone(),
                    format!(
                        "tar member of type {:?} in {}: not read",
                        other.as_byte() as char,
                        self.layer_name
                    ),
                ));
                Change::Special("unsupported tar member")
            }
        };
        self.entries.push(LayerEntry { path, change });
        Ok(true)
    }

    /// A member's path as components; `None` (and a diagnostic) when it is absolute or has a
    /// `..` component: such a member is never part of the view.
    fn clean(&mut self, raw: &[u8], shown: &str) -> Option<Vec<Vec<u8>>> {
        let rel = raw.strip_prefix(b"./").unwrap_or(raw);
        // Some tools (umoci) record the root directory itself as `/`.
        if rel.starts_with(b"/") && !rel.iter().all(|b| *b == b'/') {
            self.diags.push(Diagnostic::new(
                shown,
                format!(
                    "absolute path in {}: ignored (never created, not part of the image)",
                    self.layer_name
                ),
            ));
            return None;
        }
        let comps: Vec<&[u8]> = rel
            .split(|b| *b == b'/')
            .filter(|c| !c.is_empty() && *c != b".")
            .collect();
        if comps.contains(&&b".."[..]) {
            self.diags.push(Diagnostic::new(
                shown,
                format!(
                    "path with `..` in {}: ignored (never created, not part of the image)",
                    self.layer_name
                ),
            ));
            return None;
        }
        Some(comps.into_iter().map(<[u8]>::to_vec).collect())
    }

    fn data<R: Read>(
        &mut self,
        e: &mut tar::Entry<'_, R>,
        path: &[Vec<u8>],
        size: u64,
        plain: Option<&Blob>,
        budget: &mut Budget,
    ) -> io::Result<Data> {
        if let Some(blob) = plain {
            return Ok(Data::Range {
                blob: blob.clone(),
                offset: e.raw_file_position(),
            });
        }
        let mut head = Vec::with_capacity(HEAD);
        e.by_ref().take(HEAD as u64).read_to_end(&mut head)?;
        if head.starts_with(b"\x7fELF") && size > head.len() as u64 {
            return elf_ranges(e, head, size, budget);
        }
        if !wants_whole(path, &head, size) {
            return Ok(Data::Head(head.into(), NOT_NEEDED));
        }
        if head.starts_with(b"#!") && size > MAX_SCRIPT {
            return Ok(Data::Head(head.into(), SCRIPT_TOO_LARGE));
        }
        if size > MAX_FILE {
            return Ok(Data::Head(head.into(), TOO_LARGE));
        }
        let other_text = size > HEAD as u64
            && !head.starts_with(b"#!")
            && !head.starts_with(RPM_MAGIC)
            && !is_db(path)
            && !text_place(path);
        if other_text {
            if size > budget.other_text {
                return Ok(Data::Head(head.into(), OTHER_TEXT_SPENT));
            }
            budget.other_text -= size;
        }
        if size > budget.left {
            budget.exhausted += 1;
            return Ok(Data::Head(head.into(), BUDGET_SPENT));
        }
        let mut all = head;
        e.by_ref().take(size).read_to_end(&mut all)?;
        budget.left = budget.left.saturating_sub(all.len() as u64);
        Ok(Data::Kept(all.into()))
    }
}

/// Why a script was not kept whole.
pub const SCRIPT_TOO_LARGE: &str = "a script larger than 256 KiB (only its first line is read)";
/// Why small text was not kept whole.
pub const OTHER_TEXT_SPENT: &str = "small text outside /etc and the unit directories: the 16 MiB \
     budget for such files in compressed layers is spent";
/// Why a wanted file was not kept: the image's budget is spent.
pub const BUDGET_SPENT: &str = "the memory budget for compressed layers is spent";

fn is_db(path: &[Vec<u8>]) -> bool {
    let p: Vec<&[u8]> = path.iter().map(Vec::as_slice).collect();
    matches!(
        p.as_slice(),
        [b"var", b"lib", b"rpm" | b"dpkg", ..] | [b"usr", b"lib", b"sysimage", b"rpm", ..]
    )
}

/// Keep what the parse of an ELF object reads (and its first bytes). The object is read
/// whole once: into memory up to [`SPILL_AT`], else into an unnamed temporary file.
fn elf_ranges(
    rest: &mut impl Read,
    head: Vec<u8>,
    size: u64,
    budget: &mut Budget,
) -> io::Result<Data> {
    use crate::inventory::elf;
    if size > MAX_ELF {
        return Ok(Data::Head(head.into(), TOO_LARGE));
    }
    let keep = |ranges: Vec<std::ops::Range<u64>>| {
        let mut ranges = ranges;
        ranges.push(0..(HEAD as u64).min(size));
        elf::merged(ranges)
    };
    let pieces: Vec<(u64, Box<[u8]>)> = if size <= spill_at() {
        let mut all = head.clone();
        rest.take(size).read_to_end(&mut all)?;
        let (_, ranges) = elf::parse_recording(&all);
        keep(ranges)
            .into_iter()
            .filter_map(|r| {
                let b = all.get(r.start as usize..r.end.min(all.len() as u64) as usize)?;
                Some((r.start, b.into()))
            })
            .collect()
    } else {
        let Some(f) = spill(rest, &head, size)? else {
            return Ok(Data::Head(head.into(), NO_TEMP));
        };
        let (_, ranges) = elf::parse_file_recording(&f);
        let mut out = Vec::new();
        for r in keep(ranges) {
            let mut b = vec![0u8; (r.end - r.start) as usize];
            let mut done = 0;
            while done < b.len() {
                match std::os::unix::fs::FileExt::read_at(&f, &mut b[done..], r.start + done as u64)
                {
                    Ok(0) => break,
                    Ok(k) => done += k,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
            b.truncate(done);
            out.push((r.start, b.into_boxed_slice()));
        }
        out
    };
    let kept: u64 = pieces.iter().map(|(_, b)| b.len() as u64).sum();
    if kept > budget.left {
        budget.exhausted += 1;
        return Ok(Data::Head(head.into(), BUDGET_SPENT));
    }
    budget.left -= kept;
    Ok(Data::Sparse(pieces.into()))
}

/// [`SPILL_AT`]; the library's unit tests spill every ELF object above 1 KiB, so both paths
/// are exercised (the integration tests take the memory path).
fn spill_at() -> u64 {
    if cfg!(test) { 1 << 10 } else { SPILL_AT }
}

/// Why an ELF object of a compressed layer is unread: its temporary copy could not be made.
pub const NO_TEMP: &str = "larger than 16 MiB in a compressed layer, and no unnamed temporary \
     file (O_TMPFILE) could hold it for its parse";

/// Copy an ELF object (`head`, then the rest of the member) to an unnamed file in the
/// system's temporary directory, made with `O_TMPFILE`: it never has a name, in any directory,
/// and is gone when closed. `None` when no such file can be made or written (the member's
/// rest is then skipped by the tar reader); an error only when the layer itself cannot be read.
fn spill(rest: &mut impl Read, head: &[u8], size: u64) -> io::Result<Option<std::fs::File>> {
    use std::os::unix::fs::OpenOptionsExt;
    let Ok(mut f) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .mode(0o600)
        .custom_flags(libc::O_TMPFILE)
        .open(std::env::temp_dir())
    else {
        return Ok(None);
    };
    if f.write_all(head).is_err() {
        return Ok(None);
    }
    let mut left = size.saturating_sub(head.len() as u64);
    let mut buf = vec![0u8; 1 << 20];
    while left > 0 {
        let want = buf.len().min(left as usize);
        let n = match rest.read(&mut buf[..want]) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if f.write_all(&buf[..n]).is_err() {
            return Ok(None);
        }
        left -= n as u64;
    }
    Ok(Some(f))
}

fn change_is_whiteout_of_root(path: &[Vec<u8>], change: &Change) -> bool {
    matches!(change, Change::Whiteout) && path.is_empty()
}
