//! Collect here, analyze there: the facts of one root, saved (`azl-compat collect`) and judged
//! later, elsewhere, with any knowledge pack (`azl-compat analyze`).
//!
//! A scan splits at the inventory ([`crate::scan::collect`] then [`crate::scan::judge`]). The
//! facts are what the judging half needs: the walk's inventory (paths and node kinds, ELF facts,
//! `#!` lines, diagnostics, counts), the package database rows, the root's identity (hostname,
//! machine-id), and the *reads* the judging half makes through the source after the walk —
//! os-release, ld.so.conf and its includes, unit files, drop-ins, environment files, the
//! listings of unit and preset directories, the shell scripts it inspects for `LD_LIBRARY_PATH`,
//! symlink targets and file modes. ELF files opened then (for their mode) are recorded without
//! content. [`analyze`] runs the same judging half over a [`Replay`] of those reads, so its
//! report is the report `scan` gives (a test proves byte-equal JSON on every fixture root).
//!
//! Which files the judging half reads depends on the tree (unit lines, include lines) and, for
//! dpkg trees, on which package names the pack maps to Debian/Ubuntu packages. `collect` uses
//! the built-in pack's mappings to steer these reads only — nothing it collects is a judgement.
//! A read that a later pack asks for and that the facts do not hold answers "not collected"
//! (an error the report shows as a diagnostic naming the file), never a guess.
//!
//! File format (`facts_version` 1): a zstd stream of one JSON document ([`Facts`]);
//! docs/fleet.md describes it.

use crate::findings::Diagnostic;
use crate::inventory::packages::{self, PackageDb};
use crate::inventory::{Inventory, Node, Object, WalkStats};
use crate::knowledge::Pack;
use crate::report::Report;
use crate::source::{Entry, EntryKind, FileId, FileMeta, Opened, Source};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Version of the facts format; raised when a field changes meaning.
pub const FACTS_VERSION: u32 = 1;
/// Largest file content recorded (the judging half reads at most 4 MiB of a file).
pub const MAX_RECORDED: u64 = 4 << 20;
/// Largest facts file read back (compressed).
pub const MAX_FACTS_FILE: u64 = 1 << 30;
/// Largest facts document once decompressed.
pub const MAX_FACTS_JSON: u64 = 4 << 30;

/// What stands in for an ELF file's content: its magic plus a byte that is not UTF-8, so the
/// file reads as neither text nor a complete ELF object.
const ELF_STANDIN: &[u8] = b"\x7fELF\xff";

/// Everything `analyze` needs about one root.
#[derive(Debug, Serialize, Deserialize)]
pub struct Facts {
    pub facts_version: u32,
    /// The azl-compat version that collected them.
    pub tool_version: String,
    /// The scanned root as reports show it.
    pub root: String,
    pub identity: Identity,
    /// Judged objects (ELF files and scripts), sorted by path.
    pub objects: Vec<Object>,
    /// Every path of the tree to its node, sorted.
    pub nodes: BTreeMap<String, Node>,
    pub diagnostics: Vec<Diagnostic>,
    pub stats: WalkStats,
    /// Package database rows (and `.rpm` files found), with the databases read.
    pub packages: PackageDb,
    /// The reads the judging half made through the source after the walk.
    pub reads: Reads,
}

/// Who the root is, for a fleet store: `/etc/hostname` and `/etc/machine-id` of the tree.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub machine_id: Option<String>,
}

/// An I/O error as the source reported it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IoError {
    /// `not-found`, `permission-denied`, `other` ...
    pub kind: String,
    pub message: String,
}

/// One recorded answer: the value or the error.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Answer<T> {
    Ok(T),
    Err(IoError),
}

/// A directory listing: entries (name bytes, kind), or why it is not entered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Listing {
    Entries(Vec<(Vec<u8>, Kind)>),
    Refused(String),
}

/// [`EntryKind`] as recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Dir,
    File,
    Symlink,
    Special,
}

impl Kind {
    fn of(k: EntryKind) -> Self {
        match k {
            EntryKind::Dir => Kind::Dir,
            EntryKind::File => Kind::File,
            EntryKind::Symlink => Kind::Symlink,
            EntryKind::Special => Kind::Special,
        }
    }
    fn entry_kind(self) -> EntryKind {
        match self {
            Kind::Dir => EntryKind::Dir,
            Kind::File => EntryKind::File,
            Kind::Symlink => EntryKind::Symlink,
            Kind::Special => EntryKind::Special,
        }
    }
}

/// An opened file: its meta (or the error `meta` gave) and its content (an ELF stand-in for
/// ELF files; at most [`MAX_RECORDED`] + 1 bytes).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRead {
    pub meta: Answer<Meta>,
    #[serde(with = "bytes_b64")]
    pub content: Vec<u8>,
}

/// [`FileMeta`] as recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    pub size: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<(u64, u64)>,
    pub executable: bool,
}

/// All the recorded reads, by target path.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reads {
    pub dirs: BTreeMap<String, Answer<Listing>>,
    pub files: BTreeMap<String, Answer<FileRead>>,
    pub links: BTreeMap<String, Answer<String>>,
}

fn kind_name(k: io::ErrorKind) -> String {
    use io::ErrorKind as K;
    match k {
        K::NotFound => "not-found",
        K::PermissionDenied => "permission-denied",
        K::InvalidData => "invalid-data",
        K::InvalidInput => "invalid-input",
        K::Unsupported => "unsupported",
        K::UnexpectedEof => "unexpected-eof",
        K::IsADirectory => "is-a-directory",
        K::NotADirectory => "not-a-directory",
        K::WouldBlock => "would-block",
        _ => "other",
    }
    .into()
}

fn kind_of(name: &str) -> io::ErrorKind {
    use io::ErrorKind as K;
    match name {
        "not-found" => K::NotFound,
        "permission-denied" => K::PermissionDenied,
        "invalid-data" => K::InvalidData,
        "invalid-input" => K::InvalidInput,
        "unsupported" => K::Unsupported,
        "unexpected-eof" => K::UnexpectedEof,
        "is-a-directory" => K::IsADirectory,
        "not-a-directory" => K::NotADirectory,
        "would-block" => K::WouldBlock,
        _ => K::Other,
    }
}

impl IoError {
    fn of(e: &io::Error) -> Self {
        IoError {
            kind: kind_name(e.kind()),
            message: e.to_string(),
        }
    }
    fn to_io(&self) -> io::Error {
        io::Error::new(kind_of(&self.kind), self.message.clone())
    }
}

impl<T: Clone> Answer<T> {
    fn of(r: &io::Result<T>) -> Self {
        match r {
            Ok(v) => Answer::Ok(v.clone()),
            Err(e) => Answer::Err(IoError::of(e)),
        }
    }
    fn get(&self) -> io::Result<T> {
        match self {
            Answer::Ok(v) => Ok(v.clone()),
            Answer::Err(e) => Err(e.to_io()),
        }
    }
}

impl Meta {
    fn of(m: &FileMeta) -> Self {
        Meta {
            size: m.size,
            id: m.id.map(|i| (i.dev, i.ino)),
            executable: m.executable,
        }
    }
    fn to_meta(self) -> FileMeta {
        FileMeta {
            size: self.size,
            id: self.id.map(|(dev, ino)| FileId { dev, ino }),
            executable: self.executable,
        }
    }
}

fn path_key(p: &Path) -> String {
    crate::inventory::names::from_os(p.as_os_str())
}

/// The answers a file's content stands for, by the address of the bytes handed out.
#[derive(Default)]
struct Metas(Mutex<HashMap<usize, io::Result<FileMeta>>>);

impl Metas {
    fn hand_out(&self, content: Vec<u8>, meta: io::Result<FileMeta>) -> Opened {
        let bytes: Arc<[u8]> = Arc::from(content.into_boxed_slice());
        // An Arc always allocates (its counts), so the address is unique while it lives.
        let key = bytes.as_ptr() as usize;
        self.0.lock().expect("metas").insert(key, meta);
        Opened::Bytes(bytes)
    }
    fn meta_of(&self, opened: &Opened) -> Option<io::Result<FileMeta>> {
        let Opened::Bytes(b) = opened else {
            return None;
        };
        let m = self.0.lock().expect("metas");
        m.get(&(b.as_ptr() as usize)).map(|r| match r {
            Ok(m) => Ok(*m),
            Err(e) => Err(io::Error::new(e.kind(), e.to_string())),
        })
    }
}

/// A source that answers as `inner` does and records every answer.
pub struct Recording<'a> {
    inner: &'a dyn Source,
    reads: Mutex<Reads>,
    metas: Metas,
}

impl<'a> Recording<'a> {
    pub fn new(inner: &'a dyn Source) -> Self {
        Recording {
            inner,
            reads: Mutex::new(Reads::default()),
            metas: Metas::default(),
        }
    }
    pub fn into_reads(self) -> Reads {
        self.reads.into_inner().expect("reads")
    }
}

fn listing_of(r: &io::Result<Result<Vec<Entry>, String>>) -> Answer<Listing> {
    match r {
        Ok(Ok(entries)) => Answer::Ok(Listing::Entries(
            entries
                .iter()
                .map(|e| {
                    (
                        std::os::unix::ffi::OsStrExt::as_bytes(e.name.as_os_str()).to_vec(),
                        Kind::of(e.kind),
                    )
                })
                .collect(),
        )),
        Ok(Err(reason)) => Answer::Ok(Listing::Refused(reason.clone())),
        Err(e) => Answer::Err(IoError::of(e)),
    }
}

impl Source for Recording<'_> {
    fn describe(&self) -> String {
        self.inner.describe()
    }
    fn read_dir(&self, path: &Path) -> io::Result<Result<Vec<Entry>, String>> {
        let r = self.inner.read_dir(path);
        let a = listing_of(&r);
        self.reads
            .lock()
            .expect("reads")
            .dirs
            .insert(path_key(path), a);
        r
    }
    fn open(&self, path: &Path) -> io::Result<Opened> {
        let key = path_key(path);
        let (answer, result) = match self.inner.open(path) {
            Err(e) => (Answer::Err(IoError::of(&e)), Err(e)),
            Ok(opened) => {
                let meta = self.inner.meta(&opened);
                let read = opened.read_prefix(MAX_RECORDED + 1);
                match read {
                    Err(e) => (Answer::Err(IoError::of(&e)), Err(e)),
                    Ok(mut content) => {
                        if content.starts_with(b"\x7fELF") {
                            content = ELF_STANDIN.to_vec();
                        }
                        let rec = FileRead {
                            meta: Answer::of(&meta).map_meta(),
                            content: content.clone(),
                        };
                        (Answer::Ok(rec), Ok(self.metas.hand_out(content, meta)))
                    }
                }
            }
        };
        self.reads.lock().expect("reads").files.insert(key, answer);
        result
    }
    fn meta(&self, opened: &Opened) -> io::Result<FileMeta> {
        match self.metas.meta_of(opened) {
            Some(m) => m,
            None => self.inner.meta(opened),
        }
    }
    fn read_link(&self, path: &Path) -> io::Result<PathBuf> {
        let r = self.inner.read_link(path);
        let a = Answer::of(&r.as_ref().map(|p| path_key(p)).map_err(clone_err));
        self.reads
            .lock()
            .expect("reads")
            .links
            .insert(path_key(path), a);
        r
    }
}

fn clone_err(e: &io::Error) -> io::Error {
    io::Error::new(e.kind(), e.to_string())
}

impl Answer<FileMeta> {
    fn map_meta(self) -> Answer<Meta> {
        match self {
            Answer::Ok(m) => Answer::Ok(Meta::of(&m)),
            Answer::Err(e) => Answer::Err(e),
        }
    }
}

/// A source that answers from recorded reads; what was not recorded is "not collected".
pub struct Replay<'a> {
    root: String,
    reads: &'a Reads,
    metas: Metas,
}

impl<'a> Replay<'a> {
    pub fn new(root: &str, reads: &'a Reads) -> Self {
        Replay {
            root: root.to_string(),
            reads,
            metas: Metas::default(),
        }
    }
}

fn not_collected() -> io::Error {
    io::Error::other("not in the collected facts")
}

impl Source for Replay<'_> {
    fn describe(&self) -> String {
        self.root.clone()
    }
    fn read_dir(&self, path: &Path) -> io::Result<Result<Vec<Entry>, String>> {
        match self.reads.dirs.get(&path_key(path)) {
            None => Err(not_collected()),
            Some(a) => a.get().map(|l| match l {
                Listing::Refused(r) => Err(r),
                Listing::Entries(es) => Ok(es
                    .into_iter()
                    .map(|(n, kind)| Entry {
                        name: std::os::unix::ffi::OsStringExt::from_vec(n),
                        kind: kind.entry_kind(),
                    })
                    .collect()),
            }),
        }
    }
    fn open(&self, path: &Path) -> io::Result<Opened> {
        match self.reads.files.get(&path_key(path)) {
            None => Err(not_collected()),
            Some(a) => {
                let rec = a.get()?;
                let meta = rec.meta.get().map(Meta::to_meta);
                Ok(self.metas.hand_out(rec.content, meta))
            }
        }
    }
    fn meta(&self, opened: &Opened) -> io::Result<FileMeta> {
        self.metas
            .meta_of(opened)
            .unwrap_or_else(|| Err(io::Error::other("not a file of the collected facts")))
    }
    fn read_link(&self, path: &Path) -> io::Result<PathBuf> {
        match self.reads.links.get(&path_key(path)) {
            None => Err(not_collected()),
            Some(a) => a.get().map(PathBuf::from),
        }
    }
}

/// Collect the facts of a root: walk, package rows, identity, and the judging half's reads
/// (steered by the built-in pack; see the module documentation).
pub fn collect(
    opts: &crate::scan::ScanOptions,
    progress: &dyn crate::inventory::walk::Progress,
) -> Result<Facts, crate::scan::ScanError> {
    let (source, inv, db) = crate::scan::collect(opts, progress)?;
    let root = crate::scan::display_root(source.root());
    let identity = Identity {
        hostname: first_line(&source, "/etc/hostname"),
        machine_id: first_line(&source, "/etc/machine-id"),
    };
    let mut facts = Facts {
        facts_version: FACTS_VERSION,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        root,
        identity,
        objects: inv.objects,
        nodes: inv.nodes.into_iter().collect(),
        diagnostics: inv.diagnostics,
        stats: inv.stats,
        packages: db,
        reads: Reads::default(),
    };
    let recording = Recording::new(&source);
    let _ = crate::scan::judge(
        &recording,
        &facts.root,
        facts.inventory(),
        facts.packages.clone(),
        Pack::builtin(),
    );
    facts.reads = recording.into_reads();
    Ok(facts)
}

fn first_line(source: &dyn Source, path: &str) -> Option<String> {
    let bytes = packages::read_file(source, path, 4096).ok()?;
    let text = String::from_utf8_lossy(&bytes);
    let line = text.lines().next()?.trim();
    (!line.is_empty()).then(|| line.to_string())
}

impl Facts {
    /// The walk's inventory, as the judging half takes it.
    pub fn inventory(&self) -> Inventory {
        Inventory {
            objects: self.objects.clone(),
            nodes: self
                .nodes
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            diagnostics: self.diagnostics.clone(),
            stats: self.stats.clone(),
            rpm_files: Vec::new(),
            os_release: BTreeMap::new(),
        }
    }

    /// Write as a zstd-compressed JSON document.
    pub fn write(&self, w: impl io::Write) -> io::Result<()> {
        let mut enc = zstd::Encoder::new(w, 9)?;
        serde_json::to_writer(&mut enc, self).map_err(io::Error::other)?;
        enc.finish()?;
        Ok(())
    }

    /// Read facts written by [`Facts::write`] (refusing newer or unknown versions).
    pub fn read(bytes: &[u8]) -> Result<Facts, String> {
        let dec = zstd::Decoder::new(bytes).map_err(|e| e.to_string())?;
        let mut json = Vec::new();
        dec.take(MAX_FACTS_JSON + 1)
            .read_to_end(&mut json)
            .map_err(|e| format!("not a facts file (zstd): {e}"))?;
        if json.len() as u64 > MAX_FACTS_JSON {
            return Err(format!(
                "larger than {MAX_FACTS_JSON} bytes once decompressed"
            ));
        }
        let v: serde_json::Value =
            serde_json::from_slice(&json).map_err(|e| format!("not JSON: {e}"))?;
        match v.get("facts_version").and_then(|v| v.as_u64()) {
            Some(n) if n == u64::from(FACTS_VERSION) => {}
            Some(n) if n > u64::from(FACTS_VERSION) => {
                return Err(format!(
                    "facts_version {n} is newer than this azl-compat understands \
                     ({FACTS_VERSION}); analyze them with a newer azl-compat"
                ));
            }
            Some(n) => return Err(format!("facts_version {n} was never written")),
            None => return Err("not azl-compat facts: no facts_version".into()),
        }
        serde_json::from_value(v).map_err(|e| format!("facts do not match version 1: {e}"))
    }
}

/// Whether bytes look like a facts file (a zstd frame) rather than a JSON report.
pub fn is_facts(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0x28, 0xb5, 0x2f, 0xfd])
}

/// Judge collected facts against a pack: the report `scan` gives for the same root.
pub fn analyze(facts: &Facts, pack: &Pack) -> Report {
    let replay = Replay::new(&facts.root, &facts.reads);
    crate::scan::judge(
        &replay,
        &facts.root,
        facts.inventory(),
        facts.packages.clone(),
        pack,
    )
}

mod bytes_b64 {
    //! File content as a string: UTF-8 text as it is (`t:` prefix), anything else in hex
    //! (`x:`), so the JSON stays readable and compresses well.
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
        match std::str::from_utf8(b) {
            Ok(t) => s.serialize_str(&format!("t:{t}")),
            Err(_) => {
                let mut h = String::with_capacity(2 + b.len() * 2);
                h.push_str("x:");
                for x in b {
                    h.push_str(&format!("{x:02x}"));
                }
                s.serialize_str(&h)
            }
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        if let Some(t) = s.strip_prefix("t:") {
            return Ok(t.as_bytes().to_vec());
        }
        let h = s
            .strip_prefix("x:")
            .ok_or_else(|| serde::de::Error::custom("content is neither t: nor x:"))?;
        if h.len() % 2 != 0 {
            return Err(serde::de::Error::custom("odd hex length"));
        }
        (0..h.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&h[i..i + 2], 16).map_err(serde::de::Error::custom))
            .collect()
    }
}

/// Read a user-named binary file (facts) of at most `cap` bytes: opening never blocks and
/// only a regular file is read (as `source::user_file` does for text).
pub fn read_user_file(path: &Path, cap: u64) -> io::Result<Vec<u8>> {
    use std::os::unix::fs::OpenOptionsExt;
    let f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)?;
    let meta = f.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file: refused",
        ));
    }
    let mut bytes = Vec::new();
    f.take(cap + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("larger than the {cap}-byte limit"),
        ));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_round_trips_as_text_or_hex() {
        for content in [b"hello\n".to_vec(), ELF_STANDIN.to_vec(), Vec::new()] {
            let f = FileRead {
                meta: Answer::Ok(Meta {
                    size: 1,
                    id: None,
                    executable: false,
                }),
                content: content.clone(),
            };
            let j = serde_json::to_string(&f).unwrap();
            let back: FileRead = serde_json::from_str(&j).unwrap();
            assert_eq!(back.content, content, "{j}");
        }
    }

    #[test]
    fn replay_answers_what_was_recorded_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("etc")).unwrap();
        std::fs::write(dir.path().join("etc/os-release"), "ID=rhel\n").unwrap();
        let src = crate::source::DirSource::new(dir.path(), false).unwrap();
        let rec = Recording::new(&src);
        let o = rec.open(Path::new("/etc/os-release")).unwrap();
        assert_eq!(rec.meta(&o).unwrap().size, 8);
        assert!(rec.open(Path::new("/etc/none")).is_err());
        let reads = rec.into_reads();
        let r = Replay::new("/x", &reads);
        let Opened::Bytes(b) = r.open(Path::new("/etc/os-release")).unwrap() else {
            panic!("bytes expected")
        };
        assert_eq!(&b[..], b"ID=rhel\n");
        let e = r.open(Path::new("/etc/none")).err().unwrap();
        assert_eq!(e.kind(), io::ErrorKind::NotFound);
        let e = r.open(Path::new("/etc/shadow")).err().unwrap();
        assert!(e.to_string().contains("not in the collected facts"));
    }

    #[test]
    fn newer_or_foreign_files_are_refused() {
        let mut buf = Vec::new();
        let mut enc = zstd::Encoder::new(&mut buf, 3).unwrap();
        io::Write::write_all(&mut enc, br#"{"facts_version": 99}"#).unwrap();
        enc.finish().unwrap();
        assert!(Facts::read(&buf).unwrap_err().contains("newer"));
        assert!(Facts::read(b"{}").is_err());
        assert!(!is_facts(b"{\"schema_version\":1}"));
        assert!(is_facts(&buf));
    }
}
