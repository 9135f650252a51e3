//! ELF facts the loader model needs, read without executing anything.
//!
//! This module is the only place that knows the ELF parser. It uses the `object` crate's
//! ELF structure definitions and its `ReadRef` abstraction, and reads only what the
//! dynamic loader reads: the ELF header, the program headers, `PT_INTERP`, the dynamic
//! segment, and the strings and version tables the dynamic entries point at (addresses
//! are mapped to file offsets through the `PT_LOAD` segments, so section-stripped files
//! work). Section headers are consulted only as a fallback. [`parse_file`] reads these
//! ranges on demand with positional reads; it never reads or maps the whole file.
//! See `docs/elf-parser.md` for why this parser was chosen.

use crate::source::ReadAt;
use object::elf;
use object::read::ReadRef;
use object::read::elf::{Dyn as _, FileHeader, ProgramHeader as _, SectionHeader as _};
use object::{Endianness, ReadCache};
use serde::{Deserialize, Serialize};
use std::cell::{OnceCell, RefCell};
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::ops::Range;
use std::os::unix::fs::FileExt;

/// ELF class.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ElfClass {
    #[serde(rename = "ELF32")]
    Elf32,
    #[serde(rename = "ELF64")]
    Elf64,
}

/// ELF object type (e_type).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ElfType {
    /// ET_EXEC
    Exec,
    /// ET_DYN (shared library or PIE)
    Dyn,
    /// ET_REL
    Rel,
    /// ET_CORE
    Core,
    Other,
}

/// A needed library with the version nodes required from it (DT_VERNEED).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionNeed {
    /// The library file name as recorded (normally the soname).
    pub file: String,
    /// Version node names (e.g. `GLIBC_2.34`), in file order.
    pub versions: Vec<String>,
}

/// What the dynamic loader would need to know about one ELF file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ElfInfo {
    pub class: ElfClass,
    pub big_endian: bool,
    /// e_machine.
    pub machine: u16,
    /// e_ident[EI_OSABI].
    pub os_abi: u8,
    pub elf_type: ElfType,
    /// PT_INTERP.
    pub interpreter: Option<String>,
    /// DT_NEEDED, in order (at most [`MAX_NEEDED`]).
    pub needed: Vec<String>,
    /// DT_NEEDED entries beyond [`MAX_NEEDED`], not read (the walk makes it a diagnostic).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub needed_dropped: usize,
    /// DT_RPATH (raw, colon-separated), if present.
    pub rpath: Option<String>,
    /// DT_RUNPATH (raw, colon-separated), if present.
    pub runpath: Option<String>,
    /// DT_SONAME.
    pub soname: Option<String>,
    /// DT_VERNEED entries.
    pub version_needs: Vec<VersionNeed>,
    /// DT_VERDEF names (excluding the base entry that names the file itself).
    pub version_defs: Vec<String>,
    /// Whether the object has a dynamic segment at all (static binaries have none).
    pub dynamic: bool,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Most DT_NEEDED entries judged per object (real programs have at most a few hundred; each
/// costs a loader search and can cost a finding).
pub const MAX_NEEDED: usize = 1024;

impl ElfInfo {
    /// A short name for the machine, as Azure Linux names its architectures where it can.
    pub fn arch_name(&self) -> String {
        let name = machine_name(self.machine, self.class);
        if self.big_endian && matches!(self.machine, EM_AARCH64 | EM_ARM) {
            format!("{name}_be")
        } else {
            name
        }
    }

    /// Whether the object is built for the Linux (System V or GNU) OS ABI.
    pub fn linux_abi(&self) -> bool {
        matches!(self.os_abi, 0 | 3)
    }

    /// The Azure Linux architecture this object runs on, if any (`x86_64` / `aarch64`).
    pub fn azl_arch(&self) -> Option<&'static str> {
        match (self.machine, self.class) {
            (EM_X86_64, ElfClass::Elf64) => Some("x86_64"),
            (EM_AARCH64, ElfClass::Elf64) if !self.big_endian => Some("aarch64"),
            _ => None,
        }
    }
}

pub const EM_386: u16 = 3;
pub const EM_ARM: u16 = 40;
pub const EM_X86_64: u16 = 62;
pub const EM_AARCH64: u16 = 183;

/// A readable architecture name for e_machine.
pub fn machine_name(machine: u16, class: ElfClass) -> String {
    let name = match machine {
        0 => "none",
        2 => "sparc",
        EM_386 => "i386",
        8 => "mips",
        20 => "ppc",
        21 => "ppc64",
        22 => "s390",
        EM_ARM => "arm",
        43 => "sparcv9",
        EM_X86_64 if class == ElfClass::Elf32 => "x32",
        EM_X86_64 => "x86_64",
        EM_AARCH64 => "aarch64",
        243 if class == ElfClass::Elf32 => "riscv32",
        243 => "riscv64",
        247 => "bpf",
        258 => "loongarch",
        _ => return format!("machine-{machine}"),
    };
    name.to_string()
}

/// Why an ELF file could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ElfError(pub String);

/// Upper bounds that keep a hostile file from driving work or memory.
const MAX_PROGRAM_HEADERS: u64 = 65_536;
const MAX_SECTION_HEADERS: u64 = 1 << 18;
const MAX_DYNAMIC_ENTRIES: u64 = 65_536;
const MAX_INTERP_LEN: u64 = 4096;
const MAX_STRING_LEN: usize = 64 * 1024;
const MAX_VERNEED_FILES: u64 = 4096;
const MAX_VERDEFS: u64 = 65_536;
/// Total version-need aux entries read over all files of one object.
const MAX_VERNAUX_TOTAL: usize = 65_536;
/// Strings are read in aligned chunks of this size, so that nearby strings share a read.
const CHUNK: u64 = 4096;

/// Parse an ELF file's loader-relevant facts from its bytes.
///
/// Returns `Err` only when the ELF header itself is unusable (not ELF, unknown class or
/// byte order, truncated header). Anything unreadable beyond the header (a corrupt
/// section header table, a dynamic segment outside the file, a bad string offset) is
/// left out of the result instead.
pub fn parse(data: &[u8]) -> Result<ElfInfo, ElfError> {
    parse_ref(data)
}

/// Like [`parse`], for an open file. Reads only the byte ranges needed, with positional
/// reads (`pread`), so the file's cursor is not moved and the file is never read whole.
pub fn parse_file(file: &File) -> Result<ElfInfo, ElfError> {
    parse_pread(file)
}

/// Like [`parse_file`], for a file of a source read by position (a container image's member).
pub fn parse_at(r: &dyn ReadAt) -> Result<ElfInfo, ElfError> {
    parse_pread(r)
}

/// [`parse`], also returning the byte ranges it read (sorted, merged): a source that keeps
/// only these ranges gives the same result through [`parse_at`] (container image layers that
/// cannot be read again by position keep only them).
pub fn parse_recording(data: &[u8]) -> (Result<ElfInfo, ElfError>, Vec<Range<u64>>) {
    let rec = Recorder {
        inner: data,
        ranges: RefCell::new(Vec::new()),
    };
    let result = parse_ref(&rec);
    (result, merged(rec.ranges.into_inner()))
}

/// [`parse_recording`] for an open file (read by position).
pub fn parse_file_recording(file: &File) -> (Result<ElfInfo, ElfError>, Vec<Range<u64>>) {
    let cache = ReadCache::new(PositionalReader {
        file,
        pos: 0,
        error: None,
    });
    let rec = Recorder {
        inner: &cache,
        ranges: RefCell::new(Vec::new()),
    };
    let result = parse_ref(&rec);
    let ranges = merged(rec.ranges.into_inner());
    if let Some(err) = cache.into_inner().error {
        return (
            Err(ElfError(format!(
                "I/O error while reading the ELF file: {err}"
            ))),
            ranges,
        );
    }
    (result, ranges)
}

pub(crate) fn merged(mut ranges: Vec<Range<u64>>) -> Vec<Range<u64>> {
    ranges.sort_by_key(|r| r.start);
    let mut out: Vec<Range<u64>> = Vec::with_capacity(ranges.len());
    for r in ranges {
        match out.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => out.push(r),
        }
    }
    out
}

/// A [`ReadRef`] that notes every range read from the inner one.
struct Recorder<R> {
    inner: R,
    ranges: RefCell<Vec<Range<u64>>>,
}

impl<'a, R: ReadRef<'a>> ReadRef<'a> for &'a Recorder<R> {
    fn len(self) -> Result<u64, ()> {
        self.inner.len()
    }

    fn read_bytes_at(self, offset: u64, size: u64) -> Result<&'a [u8], ()> {
        let b = self.inner.read_bytes_at(offset, size)?;
        if size > 0 {
            self.ranges.borrow_mut().push(offset..offset + size);
        }
        Ok(b)
    }

    fn read_bytes_at_until(self, range: Range<u64>, delimiter: u8) -> Result<&'a [u8], ()> {
        let b = self.inner.read_bytes_at_until(range.clone(), delimiter)?;
        // The delimiter too: a reader looks for it.
        let end = (range.start + b.len() as u64 + 1).min(range.end);
        self.ranges.borrow_mut().push(range.start..end);
        Ok(b)
    }
}

fn parse_pread<P: Pread + ?Sized>(file: &P) -> Result<ElfInfo, ElfError> {
    let cache = ReadCache::new(PositionalReader {
        file,
        pos: 0,
        error: None,
    });
    let result = parse_ref(&cache);
    if let Some(err) = cache.into_inner().error {
        return Err(ElfError(format!(
            "I/O error while reading the ELF file: {err}"
        )));
    }
    result
}

/// Positional reads: a host file or a source's [`ReadAt`].
trait Pread {
    fn pread(&self, buf: &mut [u8], offset: u64) -> io::Result<usize>;
    fn size(&self) -> io::Result<u64>;
}

impl Pread for File {
    fn pread(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        self.read_at(buf, offset)
    }
    fn size(&self) -> io::Result<u64> {
        Ok(self.metadata()?.len())
    }
}

impl Pread for dyn ReadAt + '_ {
    fn pread(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        ReadAt::read_at(self, buf, offset)
    }
    fn size(&self) -> io::Result<u64> {
        Ok(self.meta().size)
    }
}

/// `Read + Seek` over a shared file through `pread`, for `object::ReadCache`.
/// Remembers the first real I/O error (the cache itself only sees `Err(())`).
struct PositionalReader<'f, P: Pread + ?Sized> {
    file: &'f P,
    pos: u64,
    error: Option<io::Error>,
}

impl<P: Pread + ?Sized> PositionalReader<'_, P> {
    fn fail(&mut self, err: io::Error) -> io::Error {
        let kind = err.kind();
        if self.error.is_none() {
            self.error = Some(err);
        }
        io::Error::from(kind)
    }
}

impl<P: Pread + ?Sized> Read for PositionalReader<'_, P> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            match self.file.pread(buf, self.pos) {
                Ok(n) => {
                    self.pos = self.pos.saturating_add(n as u64);
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(self.fail(e)),
            }
        }
    }
}

impl<P: Pread + ?Sized> Seek for PositionalReader<'_, P> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let new = match pos {
            SeekFrom::Start(p) => Some(p),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
            SeekFrom::End(d) => match self.file.size() {
                Ok(m) => m.checked_add_signed(d),
                Err(e) => return Err(self.fail(e)),
            },
        };
        let new = new.ok_or_else(|| io::Error::from(io::ErrorKind::InvalidInput))?;
        self.pos = new;
        Ok(new)
    }
}

fn parse_ref<'a, R: ReadRef<'a>>(data: R) -> Result<ElfInfo, ElfError> {
    let ident = data
        .read_bytes_at(0, 16)
        .map_err(|()| ElfError("too short for an ELF file (fewer than 16 bytes)".into()))?;
    if ident[..4] != elf::ELFMAG {
        return Err(ElfError("not an ELF file (bad magic)".into()));
    }
    let endian = match ident[5] {
        x if x == elf::ELFDATA2LSB.0 => Endianness::Little,
        x if x == elf::ELFDATA2MSB.0 => Endianness::Big,
        x => return Err(ElfError(format!("unknown ELF byte order (EI_DATA = {x})"))),
    };
    match ident[4] {
        x if x == elf::ELFCLASS32.0 => {
            parse_class::<elf::FileHeader32<Endianness>, R>(data, endian, ElfClass::Elf32)
        }
        x if x == elf::ELFCLASS64.0 => {
            parse_class::<elf::FileHeader64<Endianness>, R>(data, endian, ElfClass::Elf64)
        }
        x => Err(ElfError(format!("unknown ELF class (EI_CLASS = {x})"))),
    }
}

/// A range of file offsets, `end` exclusive and never beyond the file.
#[derive(Clone, Copy, Debug)]
struct Extent {
    start: u64,
    end: u64,
}

/// A `PT_LOAD` segment: where its file bytes appear in memory.
struct Load {
    vaddr: u64,
    offset: u64,
    filesz: u64,
}

struct Section {
    kind: u32,
    addr: u64,
    offset: u64,
    size: u64,
    link: u32,
    info: u32,
}

/// The dynamic entries the loader model needs (single-valued tags: the last one wins, as
/// in glibc's loader).
#[derive(Default)]
struct DynTags {
    needed: Vec<u64>,
    rpath: Option<u64>,
    runpath: Option<u64>,
    soname: Option<u64>,
    strtab: Option<u64>,
    strsz: Option<u64>,
    verneed: Option<u64>,
    verneednum: Option<u64>,
    verdef: Option<u64>,
    verdefnum: Option<u64>,
}

impl DynTags {
    fn new(entries: &[(i64, u64)]) -> DynTags {
        let mut t = DynTags::default();
        for &(tag, val) in entries {
            let slot = match elf::DynamicTag(tag) {
                elf::DT_NEEDED => {
                    t.needed.push(val);
                    continue;
                }
                elf::DT_RPATH => &mut t.rpath,
                elf::DT_RUNPATH => &mut t.runpath,
                elf::DT_SONAME => &mut t.soname,
                elf::DT_STRTAB => &mut t.strtab,
                elf::DT_STRSZ => &mut t.strsz,
                elf::DT_VERNEED => &mut t.verneed,
                elf::DT_VERNEEDNUM => &mut t.verneednum,
                elf::DT_VERDEF => &mut t.verdef,
                elf::DT_VERDEFNUM => &mut t.verdefnum,
                _ => continue,
            };
            *slot = Some(val);
        }
        t
    }
}

/// Where a version table is, how many entries it claims, and its string table.
struct VersionTable {
    extent: Extent,
    count: Option<u64>,
    strtab: Option<Extent>,
}

struct Reader<'a, H: FileHeader<Endian = Endianness>, R: ReadRef<'a>> {
    data: R,
    endian: Endianness,
    header: &'a H,
    len: u64,
    loads: Vec<Load>,
    sections: OnceCell<Vec<Section>>,
}

fn parse_class<'a, H, R>(data: R, endian: Endianness, class: ElfClass) -> Result<ElfInfo, ElfError>
where
    H: FileHeader<Endian = Endianness>,
    R: ReadRef<'a>,
{
    let len = data
        .len()
        .map_err(|()| ElfError("cannot determine the file size".into()))?;
    let header: &H = data.read_at(0).map_err(|()| {
        ElfError(format!(
            "truncated ELF header (file has {len} bytes, the header needs {})",
            size_of::<H>()
        ))
    })?;
    let e = endian;
    let elf_type = match header.e_type(e) {
        elf::ET_EXEC => ElfType::Exec,
        elf::ET_DYN => ElfType::Dyn,
        elf::ET_REL => ElfType::Rel,
        elf::ET_CORE => ElfType::Core,
        _ => ElfType::Other,
    };
    let mut info = ElfInfo {
        class,
        big_endian: endian == Endianness::Big,
        machine: header.e_machine(e).0,
        os_abi: header.e_ident().os_abi.0,
        elf_type,
        interpreter: None,
        needed: Vec::new(),
        needed_dropped: 0,
        rpath: None,
        runpath: None,
        soname: None,
        version_needs: Vec::new(),
        version_defs: Vec::new(),
        dynamic: false,
    };
    let mut r = Reader {
        data,
        endian,
        header,
        len,
        loads: Vec::new(),
        sections: OnceCell::new(),
    };
    let phdrs = r.program_headers();
    r.check_program_header_table()?;
    r.loads = phdrs
        .iter()
        .filter(|p| p.p_type(e) == elf::PT_LOAD)
        .map(|p| Load {
            vaddr: p.p_vaddr(e).into(),
            offset: p.p_offset(e).into(),
            filesz: p.p_filesz(e).into(),
        })
        .collect();
    if let Some(p) = phdrs.iter().find(|p| p.p_type(e) == elf::PT_INTERP) {
        info.interpreter = r.interpreter(p.p_offset(e).into(), p.p_filesz(e).into());
    }
    // The dynamic segment, as the loader finds it; section headers only when there is none
    // (or it has no entries in the file, as in separate debug files).
    let from_segment = phdrs
        .iter()
        .find(|p| p.p_type(e) == elf::PT_DYNAMIC)
        .is_some_and(|p| {
            r.dynamic_from_segment(p.p_offset(e).into(), p.p_filesz(e).into(), &mut info)
        });
    if !from_segment {
        r.dynamic_from_sections(&mut info);
    }
    Ok(info)
}

impl<'a, H: FileHeader<Endian = Endianness>, R: ReadRef<'a>> Reader<'a, H, R> {
    /// `size` bytes at `offset`, if they are all in the file.
    fn bytes(&self, offset: u64, size: u64) -> Option<&'a [u8]> {
        let end = offset.checked_add(size)?;
        if end > self.len {
            return None;
        }
        self.data.read_bytes_at(offset, size).ok()
    }

    /// A structure at `offset`, if it lies wholly before `limit` (and in the file).
    fn read<T: object::Pod>(&self, offset: u64, limit: u64) -> Option<&'a T> {
        let end = offset.checked_add(size_of::<T>() as u64)?;
        if end > limit.min(self.len) {
            return None;
        }
        self.data.read_at::<T>(offset).ok()
    }

    fn section_zero(&self) -> Option<&'a H::SectionHeader> {
        let e = self.endian;
        let shoff: u64 = self.header.e_shoff(e).into();
        if shoff == 0 || usize::from(self.header.e_shentsize(e)) != size_of::<H::SectionHeader>() {
            return None;
        }
        self.read::<H::SectionHeader>(shoff, self.len)
    }

    /// A program header table that the header declares but the file does not hold means the
    /// file was cut short: the kernel would refuse to run it.
    fn check_program_header_table(&self) -> Result<(), ElfError> {
        let e = self.endian;
        let phoff: u64 = self.header.e_phoff(e).into();
        let entsize = u64::from(self.header.e_phentsize(e));
        let count = u64::from(self.header.e_phnum(e));
        if phoff == 0 || count == 0 || count == u64::from(elf::PN_XNUM) {
            return Ok(());
        }
        let end = entsize
            .checked_mul(count)
            .and_then(|n| n.checked_add(phoff))
            .ok_or_else(|| ElfError("program header table size overflows".into()))?;
        if end > self.len {
            return Err(ElfError(format!(
                "truncated file: the program header table ends at byte {end}, the file has {} bytes",
                self.len
            )));
        }
        Ok(())
    }

    fn program_headers(&self) -> Vec<&'a H::ProgramHeader> {
        let e = self.endian;
        let phoff: u64 = self.header.e_phoff(e).into();
        let entsize = u64::from(self.header.e_phentsize(e));
        let mut count = u64::from(self.header.e_phnum(e));
        if count == u64::from(elf::PN_XNUM) {
            count = self.section_zero().map_or(0, |s| u64::from(s.sh_info(e)));
        }
        if phoff == 0 || phoff >= self.len || entsize < size_of::<H::ProgramHeader>() as u64 {
            return Vec::new();
        }
        // Only entries that are in the file; the product cannot overflow (count <= len / entsize).
        let count = count
            .min((self.len - phoff) / entsize)
            .min(MAX_PROGRAM_HEADERS);
        let Some(table) = self.bytes(phoff, count * entsize) else {
            return Vec::new();
        };
        (0..count)
            .filter_map(|i| table.read_at::<H::ProgramHeader>(i * entsize).ok())
            .collect()
    }

    /// Section headers, read on first use only. A table that is unusable (wrong entry
    /// size, outside the file) gives no sections, or the ones that are in the file.
    fn sections(&self) -> &[Section] {
        self.sections.get_or_init(|| self.read_sections())
    }

    fn read_sections(&self) -> Vec<Section> {
        let e = self.endian;
        let shoff: u64 = self.header.e_shoff(e).into();
        let entsize = size_of::<H::SectionHeader>() as u64;
        if shoff == 0 || shoff >= self.len || u64::from(self.header.e_shentsize(e)) != entsize {
            return Vec::new();
        }
        let mut count = u64::from(self.header.e_shnum(e));
        if count == 0 {
            count = self.section_zero().map_or(0, |s| s.sh_size(e).into());
        }
        let count = count
            .min((self.len - shoff) / entsize)
            .min(MAX_SECTION_HEADERS);
        let Some(table) = self.bytes(shoff, count * entsize) else {
            return Vec::new();
        };
        (0..count)
            .filter_map(|i| table.read_at::<H::SectionHeader>(i * entsize).ok())
            .map(|s| Section {
                kind: s.sh_type(e).0,
                addr: s.sh_addr(e).into(),
                offset: s.sh_offset(e).into(),
                size: s.sh_size(e).into(),
                link: s.sh_link(e),
                info: s.sh_info(e),
            })
            .collect()
    }

    /// The file bytes of section `index` if it has the given type.
    fn section_extent(&self, index: u32, kind: elf::SectionType) -> Option<Extent> {
        let s = self.sections().get(usize::try_from(index).ok()?)?;
        if s.kind != kind.0 {
            return None;
        }
        self.extent(s.offset, s.size)
    }

    fn extent(&self, offset: u64, size: u64) -> Option<Extent> {
        let end = offset.checked_add(size)?.min(self.len);
        (offset < end).then_some(Extent { start: offset, end })
    }

    /// Map a virtual address to file bytes: through the `PT_LOAD` segment that has it in
    /// its file part, else (damaged program headers) through an allocated section.
    /// The extent runs to the end of that segment or section.
    fn map_vaddr(&self, addr: u64) -> Option<Extent> {
        let from_load = self
            .loads
            .iter()
            .find_map(|l| self.map_within(addr, l.vaddr, l.offset, l.filesz));
        from_load.or_else(|| {
            self.sections()
                .iter()
                .filter(|s| s.kind != elf::SHT_NOBITS.0 && s.addr != 0)
                .find_map(|s| self.map_within(addr, s.addr, s.offset, s.size))
        })
    }

    /// `addr` in a region of `size` file bytes at `offset` that is mapped at `vaddr`.
    fn map_within(&self, addr: u64, vaddr: u64, offset: u64, size: u64) -> Option<Extent> {
        let delta = addr.checked_sub(vaddr)?;
        if delta >= size {
            return None;
        }
        let region = self.extent(offset, size)?;
        let start = offset.checked_add(delta)?;
        (start < region.end).then_some(Extent {
            start,
            end: region.end,
        })
    }

    fn interpreter(&self, offset: u64, filesz: u64) -> Option<String> {
        let ext = self.extent(offset, filesz.min(MAX_INTERP_LEN))?;
        let bytes = self.bytes(ext.start, ext.end - ext.start)?;
        let text = bytes.split(|&b| b == 0).next().unwrap_or_default();
        (!text.is_empty()).then(|| super::names::from_bytes(text))
    }

    /// A NUL-terminated string at `index` in a string table. Read in aligned chunks
    /// (which `ReadCache` keeps), so strings close together cost one read.
    fn string(&self, table: Extent, index: u64) -> Option<String> {
        let mut pos = table.start.checked_add(index)?;
        let end = table.end.min(self.len);
        let mut out: Vec<u8> = Vec::new();
        while pos < end && out.len() < MAX_STRING_LEN {
            let chunk_start = (pos - pos % CHUNK).max(table.start);
            let chunk_end = (pos - pos % CHUNK).saturating_add(CHUNK).min(end);
            let chunk = self.bytes(chunk_start, chunk_end - chunk_start)?;
            let tail = chunk.get(usize::try_from(pos - chunk_start).ok()?..)?;
            if let Some(nul) = tail.iter().position(|&b| b == 0) {
                out.extend_from_slice(&tail[..nul]);
                return Some(super::names::from_bytes(&out));
            }
            out.extend_from_slice(tail);
            pos = chunk_end;
        }
        None
    }

    /// Dynamic entries before `DT_NULL` in the file bytes `offset..offset+size`.
    fn dynamic_entries(&self, offset: u64, size: u64) -> Vec<(i64, u64)> {
        let e = self.endian;
        let entsize = size_of::<H::Dyn>() as u64;
        if offset >= self.len {
            return Vec::new();
        }
        let count = (size.min(self.len - offset) / entsize).min(MAX_DYNAMIC_ENTRIES);
        let Some(table) = self.bytes(offset, count * entsize) else {
            return Vec::new();
        };
        let mut entries = Vec::new();
        for i in 0..count {
            let Ok(d) = table.read_at::<H::Dyn>(i * entsize) else {
                break;
            };
            let tag = d.d_tag(e);
            if tag == elf::DT_NULL {
                break;
            }
            entries.push((tag.0, d.d_val(e).into()));
        }
        entries
    }

    /// The dynamic string table named by `DT_STRTAB`, bounded by `DT_STRSZ`.
    fn dynamic_strtab(&self, tags: &DynTags) -> Option<Extent> {
        let ext = self.map_vaddr(tags.strtab?)?;
        let end = match tags.strsz {
            Some(size) => ext.start.saturating_add(size).min(ext.end),
            None => ext.end,
        };
        Some(Extent {
            start: ext.start,
            end,
        })
    }

    /// Read dynamic info from `PT_DYNAMIC`; false when it has no entries in the file.
    fn dynamic_from_segment(&self, offset: u64, filesz: u64, info: &mut ElfInfo) -> bool {
        let entries = self.dynamic_entries(offset, filesz);
        if entries.is_empty() {
            return false;
        }
        let tags = DynTags::new(&entries);
        // If DT_STRTAB cannot be mapped, the section headers may still say where .dynstr is.
        let strtab = self.dynamic_strtab(&tags).or_else(|| {
            let s = self
                .sections()
                .iter()
                .find(|s| s.kind == elf::SHT_DYNAMIC.0)?;
            self.section_extent(s.link, elf::SHT_STRTAB)
        });
        let verneed = tags
            .verneed
            .and_then(|a| self.map_vaddr(a))
            .map(|extent| VersionTable {
                extent,
                count: tags.verneednum,
                strtab,
            });
        let verdef = tags
            .verdef
            .and_then(|a| self.map_vaddr(a))
            .map(|extent| VersionTable {
                extent,
                count: tags.verdefnum,
                strtab,
            });
        self.fill(info, &tags, strtab, verneed, verdef);
        true
    }

    /// Fallback without a usable `PT_DYNAMIC`: the `SHT_DYNAMIC` section, its linked string
    /// table, and the `SHT_GNU_verneed` / `SHT_GNU_verdef` sections.
    fn dynamic_from_sections(&self, info: &mut ElfInfo) {
        let sections = self.sections();
        let Some(dynsec) = sections.iter().find(|s| s.kind == elf::SHT_DYNAMIC.0) else {
            return;
        };
        let entries = self.dynamic_entries(dynsec.offset, dynsec.size);
        if entries.is_empty() {
            return;
        }
        let tags = DynTags::new(&entries);
        let strtab = self
            .section_extent(dynsec.link, elf::SHT_STRTAB)
            .or_else(|| self.dynamic_strtab(&tags));
        let table = |kind: elf::SectionType, addr: Option<u64>, num: Option<u64>| {
            if let Some(s) = sections.iter().find(|s| s.kind == kind.0) {
                return Some(VersionTable {
                    extent: self.extent(s.offset, s.size)?,
                    count: if s.info != 0 {
                        Some(u64::from(s.info))
                    } else {
                        num
                    },
                    strtab: self.section_extent(s.link, elf::SHT_STRTAB).or(strtab),
                });
            }
            Some(VersionTable {
                extent: self.map_vaddr(addr?)?,
                count: num,
                strtab,
            })
        };
        let verneed = table(elf::SHT_GNU_VERNEED, tags.verneed, tags.verneednum);
        let verdef = table(elf::SHT_GNU_VERDEF, tags.verdef, tags.verdefnum);
        self.fill(info, &tags, strtab, verneed, verdef);
    }

    fn fill(
        &self,
        info: &mut ElfInfo,
        tags: &DynTags,
        strtab: Option<Extent>,
        verneed: Option<VersionTable>,
        verdef: Option<VersionTable>,
    ) {
        info.dynamic = true;
        if let Some(st) = strtab {
            info.needed = tags
                .needed
                .iter()
                .take(MAX_NEEDED)
                .filter_map(|&i| self.string(st, i))
                .collect();
            info.needed_dropped = tags.needed.len().saturating_sub(MAX_NEEDED);
            info.rpath = tags.rpath.and_then(|i| self.string(st, i));
            info.runpath = tags.runpath.and_then(|i| self.string(st, i));
            info.soname = tags.soname.and_then(|i| self.string(st, i));
        }
        if let Some(t) = verneed {
            info.version_needs = self.version_needs(&t);
        }
        if let Some(t) = verdef {
            info.version_defs = self.version_defs(&t);
        }
    }

    /// Walk the `Elf_Verneed` chain (`vn_next`) and each one's `Elf_Vernaux` chain
    /// (`vna_next`). Links are unsigned offsets added with overflow checks, so every step
    /// moves strictly forward (no cycles); the walk also stops at the claimed counts,
    /// at the end of the table's segment, and at fixed caps.
    fn version_needs(&self, t: &VersionTable) -> Vec<VersionNeed> {
        let e = self.endian;
        let Some(strtab) = t.strtab else {
            return Vec::new();
        };
        let limit = t.extent.end;
        let count = t.count.unwrap_or(u64::MAX).min(MAX_VERNEED_FILES);
        let mut budget = MAX_VERNAUX_TOTAL;
        let mut needs = Vec::new();
        let mut off = t.extent.start;
        for _ in 0..count {
            let Some(vn) = self.read::<elf::Verneed<Endianness>>(off, limit) else {
                break;
            };
            let mut versions = Vec::new();
            let mut aux_off = off.checked_add(u64::from(vn.vn_aux.get(e)));
            for _ in 0..vn.vn_cnt.get(e) {
                if budget == 0 {
                    break;
                }
                budget -= 1;
                let Some(aux) =
                    aux_off.and_then(|o| self.read::<elf::Vernaux<Endianness>>(o, limit))
                else {
                    break;
                };
                if let Some(name) = self.string(strtab, u64::from(aux.vna_name.get(e))) {
                    versions.push(name);
                }
                let next = aux.vna_next.get(e);
                if next == 0 {
                    break;
                }
                aux_off = aux_off.and_then(|o| o.checked_add(u64::from(next)));
            }
            if let Some(file) = self.string(strtab, u64::from(vn.vn_file.get(e))) {
                needs.push(VersionNeed { file, versions });
            }
            let next = vn.vn_next.get(e);
            match off.checked_add(u64::from(next)) {
                Some(n) if next != 0 => off = n,
                _ => break,
            }
        }
        needs
    }

    /// Names of the `Elf_Verdef` entries, without the `VER_FLG_BASE` one (the file's own
    /// name). Each definition's name is its first `Elf_Verdaux`; later ones name parents.
    fn version_defs(&self, t: &VersionTable) -> Vec<String> {
        let e = self.endian;
        let Some(strtab) = t.strtab else {
            return Vec::new();
        };
        let limit = t.extent.end;
        let count = t.count.unwrap_or(u64::MAX).min(MAX_VERDEFS);
        let mut defs = Vec::new();
        let mut off = t.extent.start;
        for _ in 0..count {
            let Some(vd) = self.read::<elf::Verdef<Endianness>>(off, limit) else {
                break;
            };
            let is_base = vd.vd_flags.get(e).0 & elf::VER_FLG_BASE.0 != 0;
            if !is_base && vd.vd_cnt.get(e) > 0 {
                let name = off
                    .checked_add(u64::from(vd.vd_aux.get(e)))
                    .and_then(|o| self.read::<elf::Verdaux<Endianness>>(o, limit))
                    .and_then(|aux| self.string(strtab, u64::from(aux.vda_name.get(e))));
                defs.extend(name);
            }
            let next = vd.vd_next.get(e);
            match off.checked_add(u64::from(next)) {
                Some(n) if next != 0 => off = n,
                _ => break,
            }
        }
        defs
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Builds tiny ELF files by hand, in either class and byte order.
    struct Out {
        is64: bool,
        be: bool,
        buf: Vec<u8>,
    }

    impl Out {
        fn int(&mut self, v: u64, width: usize) {
            let bytes = v.to_le_bytes();
            let mut b = bytes[..width].to_vec();
            if self.be {
                b.reverse();
            }
            self.buf.extend_from_slice(&b);
        }
        fn u16(&mut self, v: u64) {
            self.int(v, 2)
        }
        fn u32(&mut self, v: u64) {
            self.int(v, 4)
        }
        fn word(&mut self, v: u64) {
            let w = if self.is64 { 8 } else { 4 };
            self.int(v, w)
        }
        fn pad_to(&mut self, off: usize) {
            assert!(self.buf.len() <= off, "layout overlap at {off}");
            self.buf.resize(off, 0);
        }
    }

    /// Where things are in a built file (file offsets).
    struct Layout {
        phoff: usize,
        interp: usize,
        dynstr: usize,
        verneed: usize,
        verdef: usize,
        dynamic: usize,
        shoff: usize,
        end: usize,
    }

    pub(crate) struct Spec {
        pub is64: bool,
        pub be: bool,
        /// Describe the dynamic info only through section headers (no PT_DYNAMIC).
        pub sections_only: bool,
        /// Put PT_DYNAMIC's bytes beyond the end of the file (like a debug file).
        pub dynamic_beyond_file: bool,
    }

    const LOAD_VADDR: u64 = 0x40_0000;
    const STRINGS: &[&str] = &[
        "libfoo.so.1",
        "libbar.so.2",
        "$ORIGIN/../lib",
        "/opt/run",
        "libme.so.1",
        "FOO_1.0",
        "FOO_2.0",
        "BAR_1",
        "ME_1",
        "ME_2",
    ];

    fn dynstr() -> (Vec<u8>, HashMap<&'static str, u64>) {
        let mut buf = vec![0u8];
        let mut index = HashMap::new();
        for s in STRINGS {
            index.insert(*s, buf.len() as u64);
            buf.extend_from_slice(s.as_bytes());
            buf.push(0);
        }
        (buf, index)
    }

    use std::collections::HashMap;

    pub(crate) fn build(spec: &Spec) -> Vec<u8> {
        let (strtab, idx) = dynstr();
        let (ehsize, phsize, shsize, dynsize) = if spec.is64 {
            (64, 56, 64, 16)
        } else {
            (52, 32, 40, 8)
        };
        let phnum = if spec.sections_only { 2 } else { 3 };
        let interp_path = b"/lib/ld-test.so.1\0";
        let l = {
            let phoff = ehsize;
            let interp = phoff + phnum * phsize;
            let dynstr = interp + interp_path.len();
            let verneed = (dynstr + strtab.len()).next_multiple_of(8);
            let verdef = verneed + 2 * 16 + 3 * 16;
            let dynamic = (verdef + 3 * 20 + 4 * 8).next_multiple_of(8);
            let shoff = (dynamic + 16 * dynsize).next_multiple_of(8);
            let end = if spec.sections_only {
                shoff + 5 * shsize
            } else {
                shoff
            };
            Layout {
                phoff,
                interp,
                dynstr,
                verneed,
                verdef,
                dynamic,
                shoff,
                end,
            }
        };
        let vaddr = |off: usize| LOAD_VADDR + off as u64;
        let mut o = Out {
            is64: spec.is64,
            be: spec.be,
            buf: Vec::new(),
        };
        // ELF header.
        o.buf.extend_from_slice(&[0x7f, b'E', b'L', b'F']);
        o.buf.push(if spec.is64 { 2 } else { 1 });
        o.buf.push(if spec.be { 2 } else { 1 });
        o.buf.extend_from_slice(&[1, 3, 0, 0, 0, 0, 0, 0, 0, 0]); // version, OSABI=GNU
        o.u16(3); // ET_DYN
        o.u16(u64::from(EM_AARCH64));
        o.u32(1);
        o.word(0); // entry
        o.word(l.phoff as u64);
        o.word(if spec.sections_only {
            l.shoff as u64
        } else {
            0
        });
        o.u32(0); // flags
        o.u16(ehsize as u64);
        o.u16(phsize as u64);
        o.u16(phnum as u64);
        o.u16(shsize as u64);
        o.u16(if spec.sections_only { 5 } else { 0 });
        o.u16(0);
        // Program headers.
        let phdr = |o: &mut Out, ptype: u64, off: u64, vaddr: u64, size: u64| {
            if o.is64 {
                o.u32(ptype);
                o.u32(4);
                o.word(off);
                o.word(vaddr);
                o.word(vaddr);
                o.word(size);
                o.word(size);
                o.word(8);
            } else {
                o.u32(ptype);
                o.word(off);
                o.word(vaddr);
                o.word(vaddr);
                o.word(size);
                o.word(size);
                o.u32(4);
                o.word(8);
            }
        };
        phdr(
            &mut o,
            3,
            l.interp as u64,
            vaddr(l.interp),
            interp_path.len() as u64,
        );
        phdr(&mut o, 1, 0, LOAD_VADDR, l.end as u64);
        if !spec.sections_only {
            let off = if spec.dynamic_beyond_file {
                l.end as u64 + 0x1000
            } else {
                l.dynamic as u64
            };
            phdr(&mut o, 2, off, vaddr(l.dynamic), 16 * dynsize as u64);
        }
        o.pad_to(l.interp);
        o.buf.extend_from_slice(interp_path);
        o.pad_to(l.dynstr);
        o.buf.extend_from_slice(&strtab);
        // Verneed: libfoo.so.1 {FOO_1.0, FOO_2.0}, libbar.so.2 {BAR_1}; aux entries after
        // both needs, so vn_aux and vna_next are exercised.
        o.pad_to(l.verneed);
        let aux0 = 2 * 16;
        for (file, cnt, aux, next) in [
            ("libfoo.so.1", 2, aux0, 16),
            ("libbar.so.2", 1, aux0 + 2 * 16 - 16, 0),
        ] {
            o.u16(1);
            o.u16(cnt);
            o.u32(idx[file]);
            o.u32(aux as u64);
            o.u32(next);
        }
        for (i, name) in ["FOO_1.0", "FOO_2.0", "BAR_1"].into_iter().enumerate() {
            o.u32(0); // hash
            o.u16(0); // flags
            o.u16(2 + i as u64); // other
            o.u32(idx[name]);
            o.u32(if i == 0 { 16 } else { 0 });
        }
        // Verdef: base (libme.so.1), ME_1, ME_2 (with parent ME_1); verdaux after them.
        o.pad_to(l.verdef);
        let daux0 = 3 * 20;
        for (i, (flags, cnt)) in [(1u64, 1u64), (0, 1), (0, 2)].into_iter().enumerate() {
            o.u16(1);
            o.u16(flags);
            o.u16(i as u64 + 1);
            o.u16(cnt);
            o.u32(0);
            o.u32((daux0 + i * 8 - i * 20) as u64);
            o.u32(if i < 2 { 20 } else { 0 });
        }
        for (name, next) in [("libme.so.1", 0), ("ME_1", 0), ("ME_2", 8), ("ME_1", 0)] {
            o.u32(idx[name]);
            o.u32(next);
        }
        // Dynamic section.
        o.pad_to(l.dynamic);
        let entries: Vec<(u64, u64)> = vec![
            (1, idx["libfoo.so.1"]),
            (15, idx["$ORIGIN/../lib"]),
            (1, idx["libbar.so.2"]),
            (29, idx["/opt/run"]),
            (14, idx["libme.so.1"]),
            (5, vaddr(l.dynstr)),
            (10, strtab.len() as u64),
            (0x6fff_fffe, vaddr(l.verneed)),
            (0x6fff_ffff, 2),
            (0x6fff_fffc, vaddr(l.verdef)),
            (0x6fff_fffd, 3),
            (0, 0),
            (1, idx["BAR_1"]), // after DT_NULL: ignored
        ];
        for (tag, val) in entries {
            o.word(tag);
            o.word(val);
        }
        o.pad_to(l.shoff);
        if spec.sections_only {
            // [0] null, [1] .dynstr, [2] .dynamic, [3] .gnu.version_r, [4] .gnu.version_d
            let shdr = |o: &mut Out, ty: u64, off: usize, size: usize, link: u64, info: u64| {
                o.u32(0);
                o.u32(ty);
                o.word(2);
                o.word(if ty == 0 { 0 } else { vaddr(off) });
                o.word(off as u64);
                o.word(size as u64);
                o.u32(link);
                o.u32(info);
                o.word(8);
                o.word(0);
            };
            shdr(&mut o, 0, 0, 0, 0, 0);
            shdr(&mut o, 3, l.dynstr, strtab.len(), 0, 0);
            shdr(&mut o, 6, l.dynamic, 16 * dynsize, 1, 0);
            shdr(&mut o, 0x6fff_fffe, l.verneed, 5 * 16, 1, 2);
            shdr(&mut o, 0x6fff_fffd, l.verdef, 3 * 20 + 4 * 8, 1, 3);
        }
        assert_eq!(o.buf.len(), l.end);
        o.buf
    }

    pub(crate) fn expected(is64: bool, be: bool) -> ElfInfo {
        ElfInfo {
            class: if is64 {
                ElfClass::Elf64
            } else {
                ElfClass::Elf32
            },
            big_endian: be,
            machine: EM_AARCH64,
            os_abi: 3,
            elf_type: ElfType::Dyn,
            interpreter: Some("/lib/ld-test.so.1".into()),
            needed: vec!["libfoo.so.1".into(), "libbar.so.2".into()],
            needed_dropped: 0,
            rpath: Some("$ORIGIN/../lib".into()),
            runpath: Some("/opt/run".into()),
            soname: Some("libme.so.1".into()),
            version_needs: vec![
                VersionNeed {
                    file: "libfoo.so.1".into(),
                    versions: vec!["FOO_1.0".into(), "FOO_2.0".into()],
                },
                VersionNeed {
                    file: "libbar.so.2".into(),
                    versions: vec!["BAR_1".into()],
                },
            ],
            version_defs: vec!["ME_1".into(), "ME_2".into()],
            dynamic: true,
        }
    }

    const SHAPES: [(bool, bool); 4] = [(true, false), (true, true), (false, false), (false, true)];

    #[test]
    fn section_less_files_in_both_classes_and_byte_orders() {
        for (is64, be) in SHAPES {
            let spec = Spec {
                is64,
                be,
                sections_only: false,
                dynamic_beyond_file: false,
            };
            let data = build(&spec);
            assert_eq!(parse(&data), Ok(expected(is64, be)), "is64={is64} be={be}");
        }
    }

    #[test]
    fn section_header_fallback_without_pt_dynamic() {
        for (is64, be) in SHAPES {
            let spec = Spec {
                is64,
                be,
                sections_only: true,
                dynamic_beyond_file: false,
            };
            let data = build(&spec);
            assert_eq!(parse(&data), Ok(expected(is64, be)), "is64={is64} be={be}");
        }
    }

    #[test]
    fn unaligned_buffer_parses_the_same() {
        let data = build(&Spec {
            is64: true,
            be: false,
            sections_only: false,
            dynamic_beyond_file: false,
        });
        let mut shifted = vec![0u8];
        shifted.extend_from_slice(&data);
        assert_eq!(parse(&shifted[1..]), Ok(expected(true, false)));
    }

    #[test]
    fn dynamic_segment_beyond_the_file_is_no_dynamic_info() {
        let data = build(&Spec {
            is64: true,
            be: false,
            sections_only: false,
            dynamic_beyond_file: true,
        });
        let info = parse(&data).expect("parses");
        assert!(!info.dynamic);
        assert!(info.needed.is_empty() && info.version_needs.is_empty());
        assert_eq!(info.interpreter.as_deref(), Some("/lib/ld-test.so.1"));
    }

    #[test]
    fn parse_file_matches_parse_and_leaves_the_cursor() {
        use std::io::Write;
        let data = build(&Spec {
            is64: false,
            be: true,
            sections_only: false,
            dynamic_beyond_file: false,
        });
        let mut tmp = tempfile::tempfile().expect("tempfile");
        tmp.write_all(&data).expect("write");
        let pos = tmp.stream_position().expect("position");
        assert_eq!(parse_file(&tmp), parse(&data));
        assert_eq!(tmp.stream_position().expect("position"), pos);
    }

    #[test]
    fn the_recorded_ranges_are_all_a_parse_reads() {
        use std::io::Write;
        for sections_only in [false, true] {
            for (is64, be) in SHAPES {
                let data = build(&Spec {
                    is64,
                    be,
                    sections_only,
                    dynamic_beyond_file: false,
                });
                let (info, ranges) = parse_recording(&data);
                assert_eq!(info, Ok(expected(is64, be)));
                let kept: u64 = ranges.iter().map(|r| r.end - r.start).sum();
                assert!(kept < data.len() as u64, "not every byte is read");
                // Bytes outside the ranges do not matter: scrambled, the parse is the same.
                let mut only = vec![0xa5u8; data.len()];
                for r in &ranges {
                    let r = r.start as usize..r.end as usize;
                    only[r.clone()].copy_from_slice(&data[r]);
                }
                assert_eq!(parse(&only), Ok(expected(is64, be)), "is64={is64} be={be}");
                // Through a file (positional reads), the same ranges.
                let mut tmp = tempfile::tempfile().expect("tempfile");
                tmp.write_all(&data).expect("write");
                let (info2, ranges2) = parse_file_recording(&tmp);
                assert_eq!(info2, Ok(expected(is64, be)));
                for r in &ranges2 {
                    assert!(
                        ranges.iter().any(|k| k.start <= r.start && r.end <= k.end),
                        "{r:?} read through the file but not through the slice"
                    );
                }
            }
        }
    }

    #[test]
    fn unusable_headers_are_errors() {
        assert!(parse(b"").unwrap_err().0.contains("too short"));
        assert!(parse(b"\x7fELF").unwrap_err().0.contains("too short"));
        assert!(
            parse(&[b'M', b'Z', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
                .unwrap_err()
                .0
                .contains("bad magic")
        );
        let mut ident = vec![0x7f, b'E', b'L', b'F', 3, 1, 1];
        ident.resize(64, 0);
        assert!(parse(&ident).unwrap_err().0.contains("class"));
        ident[4] = 2;
        ident[5] = 9;
        assert!(parse(&ident).unwrap_err().0.contains("byte order"));
        ident[5] = 1;
        assert!(
            parse(&ident[..40])
                .unwrap_err()
                .0
                .contains("truncated ELF header")
        );
        // A bare, valid header: no program headers, no sections -> empty facts.
        let info = parse(&ident).expect("bare header");
        assert!(!info.dynamic && info.needed.is_empty() && info.interpreter.is_none());
    }

    #[test]
    fn hostile_counts_and_links_stay_bounded() {
        let good = build(&Spec {
            is64: true,
            be: false,
            sections_only: false,
            dynamic_beyond_file: false,
        });
        let (strtab, _) = dynstr();
        assert_eq!(parse(&good), Ok(expected(true, false)));
        // Patch: DT_VERNEEDNUM / DT_VERDEFNUM huge, vn_cnt huge, vna_next / vn_next loops
        // of the smallest step, and DT_STRSZ huge.
        let mut bad = good.clone();
        let find = |data: &[u8], tag: u64| -> usize {
            (0..data.len() - 16)
                .step_by(8)
                .find(|&i| {
                    data[i..i + 8] == tag.to_le_bytes()
                        && (tag != 10 || data[i + 8..i + 16] == (strtab.len() as u64).to_le_bytes())
                })
                .expect("tag")
        };
        for tag in [0x6fff_ffffu64, 0x6fff_fffd, 10] {
            let at = find(&bad, tag) + 8;
            bad[at..at + 8].copy_from_slice(&u64::MAX.to_le_bytes());
        }
        let info = parse(&bad).expect("still parses");
        assert_eq!(info.needed, expected(true, false).needed);
        // Every Verneed: vn_cnt = 0xffff, vna_next = 16 -> bounded by the segment end.
        let vn_at = find(&good, 0x6fff_fffe) + 8;
        let vn_vaddr = u64::from_le_bytes(good[vn_at..vn_at + 8].try_into().unwrap());
        let vn_off = (vn_vaddr - LOAD_VADDR) as usize;
        bad[vn_off + 2..vn_off + 4].copy_from_slice(&0xffffu16.to_le_bytes());
        bad[vn_off + 12..vn_off + 16].copy_from_slice(&16u32.to_le_bytes());
        let info = parse(&bad).expect("still parses");
        assert!(info.version_needs.len() <= bad.len() / 16);
        // vn_next = u32::MAX: the chain leaves the segment and stops.
        bad[vn_off + 12..vn_off + 16].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(parse(&bad).is_ok());
    }
}
