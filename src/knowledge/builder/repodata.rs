//! `azl-compat knowledge import --repodata PATH... --out DIR`: a pack from dnf repository
//! metadata, as any RPM repository publishes it (`repodata/repomd.xml`, then the `primary` and
//! `filelists` files it names, compressed with gzip, xz or zstd, or not at all).
//!
//! What the metadata says becomes the pack's tables:
//! - packages.tsv: one row per package name (the highest EVR when a repository keeps several
//!   versions; 32-bit and source packages are skipped), channel from the repository (`base`
//!   unless given as `CHANNEL=PATH`), component = the source rpm's name;
//! - sonames.tsv: rpm's automatic provides `libfoo.so.1()(64bit)` (method `rpm-provides`, high);
//! - version-nodes.tsv: `libc.so.6(GLIBC_2.34)(64bit)` (arch of the package, status `exact`,
//!   source `repodata`);
//! - paths.tsv: files of filelists.xml in `/usr/bin`, `/usr/sbin`, `/bin`, `/sbin` (kind `bin`),
//!   below `/usr/libexec` (`libexec`), systemd generators (`generator`), the dynamic loader
//!   (`loader`, method `abi`), and provides of absolute paths (`provides`);
//! - capabilities.tsv: every other `Provides:` (not the package's own name), `Obsoletes:`, and
//!   `python3dist(...)` (kind `python_dist`).
//!
//! The output is deterministic and lints clean; optional tables (debian-map, overlays, units)
//! are not written.

use super::build;
use super::sha256::sha256_hex;
use crate::knowledge::Channel;
use crate::knowledge::evr::evr_cmp;
use crate::knowledge::format::{self, Manifest};
use crate::knowledge::names::normalize_path;
use anyhow::{Context, Result, anyhow, bail};
use quick_xml::events::Event;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

pub const GENERATOR: &str = "azl-compat knowledge import";
/// The `source` key of version-nodes.tsv rows from repository metadata.
pub const NODE_SOURCE: &str = "repodata";
pub const M_PROVIDES: &str = "rpm-provides";
pub const M_FILELISTS: &str = "filelists";

/// What the pack is called, and the layout of the distribution its repositories are of.
#[derive(Clone, Debug)]
pub struct ImportOptions {
    pub id: String,
    pub name: String,
    pub version: String,
    pub like: Layout,
}

impl ImportOptions {
    /// A pack named `id` of repositories of `pack`'s distribution (usually the built-in target):
    /// its name, version and layout.
    pub fn like(id: &str, pack: &crate::knowledge::Pack) -> ImportOptions {
        ImportOptions {
            id: id.to_string(),
            name: pack.name.clone(),
            version: pack.version.clone(),
            like: Layout::of(pack),
        }
    }
}

/// What repository metadata does not say about a distribution: arches with a runtime, baseline
/// packages, the loader's trusted directories and path per arch, and the target facts messages
/// cite. Taken from a pack built from a target manifest.
#[derive(Clone, Debug, Default)]
pub struct Layout {
    pub arches: Vec<String>,
    pub baseline_packages: Vec<String>,
    pub default_search_dirs: BTreeMap<String, Vec<String>>,
    pub dynamic_loaders: BTreeMap<String, String>,
    pub command_path: Vec<String>,
    pub target: crate::knowledge::format::TargetFacts,
}

impl Layout {
    pub fn of(pack: &crate::knowledge::Pack) -> Layout {
        Layout {
            arches: pack.arches.clone(),
            baseline_packages: pack.baseline_packages.clone(),
            default_search_dirs: pack.default_search_dirs.clone(),
            dynamic_loaders: pack.dynamic_loaders.clone(),
            command_path: pack.command_path.clone(),
            target: pack.target.clone(),
        }
    }
}

/// One repository to read: a directory with `repodata/repomd.xml`, the `repodata` directory, or
/// the `repomd.xml` file; its packages get `channel`.
#[derive(Clone, Debug)]
pub struct RepoSpec {
    pub path: PathBuf,
    pub channel: Channel,
}

impl RepoSpec {
    /// `PATH` (channel `base`) or `CHANNEL=PATH` (`base`, `sdk`, `sdk-exception`, `unlisted`).
    pub fn parse(arg: &str) -> RepoSpec {
        if let Some((ch, path)) = arg.split_once('=')
            && let Some(channel) = Channel::parse(ch)
        {
            return RepoSpec {
                path: PathBuf::from(path),
                channel,
            };
        }
        RepoSpec {
            path: PathBuf::from(arg),
            channel: Channel::Base,
        }
    }
}

/// What an import read and wrote.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub repositories: usize,
    /// Package entries read from primary.xml.
    pub entries: usize,
    pub packages: usize,
    /// Older versions of a name (a repository may keep several).
    pub superseded: usize,
    /// 32-bit and source packages.
    pub skipped_arch: usize,
    pub sonames: usize,
    pub version_nodes: usize,
    pub paths: usize,
    pub capabilities: usize,
    /// Provides or files with a tab or newline (the tables cannot hold them).
    pub skipped_unrepresentable: usize,
}

impl std::fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} repositories, {} package entries: {} packages ({} older versions, {} 32-bit or \
             source skipped); {} sonames, {} version nodes, {} paths, {} capabilities; {} \
             unrepresentable names skipped",
            self.repositories,
            self.entries,
            self.packages,
            self.superseded,
            self.skipped_arch,
            self.sonames,
            self.version_nodes,
            self.paths,
            self.capabilities,
            self.skipped_unrepresentable
        )
    }
}

/// A dependency entry (`<rpm:entry name= flags= epoch= ver= rel=/>`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Entry {
    name: String,
    flags: String,
    epoch: String,
    ver: String,
    rel: String,
}

impl Entry {
    /// `(op, version)` as capabilities.tsv spells them (`<`, `1:2.0-3`); empty when unversioned.
    fn op_version(&self) -> (String, String) {
        let op = match self.flags.as_str() {
            "EQ" => "=",
            "LT" => "<",
            "LE" => "<=",
            "GT" => ">",
            "GE" => ">=",
            _ => return (String::new(), String::new()),
        };
        if self.ver.is_empty() {
            return (String::new(), String::new());
        }
        let mut v = String::new();
        if !self.epoch.is_empty() && self.epoch != "0" {
            v.push_str(&self.epoch);
            v.push(':');
        }
        v.push_str(&self.ver);
        if !self.rel.is_empty() {
            v.push('-');
            v.push_str(&self.rel);
        }
        (op.to_string(), v)
    }
}

/// A package of primary.xml, joined with its files.
#[derive(Clone, Debug, Default)]
struct RepoPackage {
    pkgid: String,
    name: String,
    arch: String,
    epoch: u32,
    version: String,
    release: String,
    sourcerpm: String,
    provides: Vec<Entry>,
    obsoletes: Vec<Entry>,
    files: Vec<String>,
    channel: Option<Channel>,
}

/// The name of a source rpm file (`openssl-3.5.4-3.azl4.src.rpm` -> `openssl`).
fn source_name(srpm: &str) -> Option<&str> {
    let base = srpm.strip_suffix(".rpm")?;
    let base = base.rsplit_once('.').map_or(base, |(b, _)| b); // .src / .nosrc
    let (nv, _release) = base.rsplit_once('-')?;
    let (name, _version) = nv.rsplit_once('-')?;
    (!name.is_empty()).then_some(name)
}

/// `(soname, version node)` of an automatic soname provide of a 64-bit library:
/// `libfoo.so.1()(64bit)` -> (`libfoo.so.1`, None); `libc.so.6(GLIBC_2.34)(64bit)` ->
/// (`libc.so.6`, Some(`GLIBC_2.34`)). `None` for anything else (32-bit sonames have no `(64bit)`).
fn soname_provide(name: &str) -> Option<(&str, Option<&str>)> {
    let inner = name.strip_suffix("(64bit)")?;
    let inner = inner.strip_suffix(')')?;
    let (soname, node) = inner.split_once('(')?;
    if !soname.contains(".so") || soname.contains('(') || node.contains('(') {
        return None;
    }
    Some((soname, (!node.is_empty()).then_some(node)))
}

/// A soname provide without the 64-bit marker (`libfoo.so.1()`): a 32-bit library.
fn is_32_bit_soname_provide(name: &str) -> bool {
    name.ends_with(')') && !name.ends_with("(64bit)") && {
        let head = name.split('(').next().unwrap_or("");
        head.contains(".so") && !head.contains('/')
    }
}

fn is_python_dist(name: &str) -> bool {
    name.strip_prefix("python3")
        .and_then(|r| r.find("dist(").map(|i| &r[..i]))
        .is_some_and(|v| v.bytes().all(|b| b.is_ascii_digit() || b == b'.'))
        && name.ends_with(')')
}

/// Kind of a file of filelists.xml for paths.tsv, if it is one the pack keeps.
fn path_kind(path: &str, loaders: &BTreeSet<String>) -> Option<&'static str> {
    let norm = normalize_path(path);
    if loaders.contains(&norm) {
        return Some("loader");
    }
    if let Some(rest) = norm.strip_prefix("/usr/bin/") {
        return (!rest.is_empty() && !rest.contains('/')).then_some("bin");
    }
    if norm.starts_with("/usr/libexec/") {
        return Some("libexec");
    }
    for dir in [
        "/usr/lib/systemd/system-generators/",
        "/usr/lib/systemd/user-generators/",
    ] {
        if norm
            .strip_prefix(dir)
            .is_some_and(|r| !r.is_empty() && !r.contains('/'))
        {
            return Some("generator");
        }
    }
    None
}

fn representable(s: &str) -> bool {
    !s.is_empty() && !s.contains(['\t', '\n', '\r'])
}

/// Open a metadata file, decompressing by its magic bytes (gzip, xz, zstd; plain XML as is).
fn open_decompressed(path: &Path) -> Result<Box<dyn BufRead>> {
    let f = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut r = BufReader::with_capacity(1 << 16, f);
    let magic = r
        .fill_buf()
        .with_context(|| format!("cannot read {}", path.display()))?;
    let boxed: Box<dyn Read> = if magic.starts_with(&[0x1f, 0x8b]) {
        Box::new(flate2::bufread::MultiGzDecoder::new(r))
    } else if magic.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0x00]) {
        Box::new(xz2::bufread::XzDecoder::new_multi_decoder(r))
    } else if magic.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Box::new(
            zstd::stream::read::Decoder::with_buffer(r)
                .with_context(|| format!("{}: bad zstd stream", path.display()))?,
        )
    } else if magic.starts_with(b"BZh") {
        bail!(
            "{}: bzip2-compressed metadata is not supported (gzip, xz, zstd are)",
            path.display()
        );
    } else {
        return Ok(Box::new(r));
    };
    Ok(Box::new(BufReader::with_capacity(1 << 16, boxed)))
}

/// A parsed XML event: local names only (namespaces ignored), attributes decoded.
enum Xml {
    Start(String, Vec<(String, String)>),
    End(String),
    Text(String),
}

fn local(name: &[u8]) -> String {
    String::from_utf8_lossy(name).into_owned()
}

/// Stream the events of an XML document to `f`; an empty element gives `Start` then `End`.
fn for_each_xml(
    reader: Box<dyn BufRead>,
    what: &str,
    mut f: impl FnMut(Xml) -> Result<()>,
) -> Result<()> {
    let mut xml = quick_xml::Reader::from_reader(reader);
    let mut buf = Vec::with_capacity(4096);
    loop {
        let pos = xml.buffer_position();
        let ev = xml
            .read_event_into(&mut buf)
            .map_err(|e| anyhow!("{what}: XML error at byte {pos}: {e}"))?;
        match ev {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let name = local(e.local_name().as_ref());
                let mut attrs = Vec::new();
                for a in e.attributes() {
                    let a = a.map_err(|e| anyhow!("{what}: bad attribute at byte {pos}: {e}"))?;
                    let v = a
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .map_err(|e| anyhow!("{what}: bad attribute value at byte {pos}: {e}"))?;
                    attrs.push((local(a.key.local_name().as_ref()), v.into_owned()));
                }
                let empty = matches!(ev, Event::Empty(_));
                f(Xml::Start(name.clone(), attrs))?;
                if empty {
                    f(Xml::End(name))?;
                }
            }
            Event::End(ref e) => f(Xml::End(local(e.local_name().as_ref())))?,
            Event::Text(ref e) => {
                let t = e
                    .xml10_content()
                    .map_err(|e| anyhow!("{what}: bad text at byte {pos}: {e}"))?;
                f(Xml::Text(t.into_owned()))?;
            }
            Event::CData(ref e) => f(Xml::Text(String::from_utf8_lossy(e).into_owned()))?,
            Event::GeneralRef(ref e) => {
                let text = match e
                    .resolve_char_ref()
                    .map_err(|e| anyhow!("{what}: bad reference at byte {pos}: {e}"))?
                {
                    Some(c) => c.to_string(),
                    None => {
                        let name = e
                            .decode()
                            .map_err(|e| anyhow!("{what}: bad reference at byte {pos}: {e}"))?;
                        quick_xml::escape::resolve_predefined_entity(&name)
                            .ok_or_else(|| {
                                anyhow!("{what}: unknown entity &{name}; at byte {pos}")
                            })?
                            .to_string()
                    }
                };
                f(Xml::Text(text))?;
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(())
}

fn attr<'a>(attrs: &'a [(String, String)], key: &str) -> &'a str {
    attrs
        .iter()
        .find(|(k, _)| k == key)
        .map_or("", |(_, v)| v.as_str())
}

/// The `primary` and `filelists` locations of a repomd.xml, with their sha256 checksums.
#[derive(Debug, Default)]
struct Repomd {
    revision: String,
    /// type -> (href, checksum type, checksum)
    data: BTreeMap<String, (String, String, String)>,
}

fn read_repomd(path: &Path) -> Result<Repomd> {
    let mut md = Repomd::default();
    let mut current: Option<String> = None;
    let mut field: Option<String> = None;
    let mut text = String::new();
    let mut checksum_type = String::new();
    let (mut href, mut sum) = (String::new(), String::new());
    let what = path.display().to_string();
    for_each_xml(open_decompressed(path)?, &what, |ev| {
        match ev {
            Xml::Start(name, attrs) => match name.as_str() {
                "data" => {
                    current = Some(attr(&attrs, "type").to_string());
                    href.clear();
                    sum.clear();
                    checksum_type.clear();
                }
                "location" if current.is_some() => href = attr(&attrs, "href").to_string(),
                "checksum" if current.is_some() => {
                    checksum_type = attr(&attrs, "type").to_string();
                    field = Some(name);
                    text.clear();
                }
                "revision" if current.is_none() => {
                    field = Some(name);
                    text.clear();
                }
                _ => {}
            },
            Xml::Text(t) => {
                if field.is_some() {
                    text.push_str(&t);
                }
            }
            Xml::End(name) => match name.as_str() {
                "checksum" if field.is_some() => {
                    sum = text.trim().to_string();
                    field = None;
                }
                "revision" if field.is_some() => {
                    md.revision = text.trim().to_string();
                    field = None;
                }
                "data" => {
                    if let Some(t) = current.take() {
                        md.data
                            .insert(t, (href.clone(), checksum_type.clone(), sum.clone()));
                    }
                }
                _ => {}
            },
        }
        Ok(())
    })?;
    Ok(md)
}

/// Parse primary.xml into packages (files left empty).
fn read_primary(reader: Box<dyn BufRead>, what: &str) -> Result<Vec<RepoPackage>> {
    #[derive(PartialEq)]
    enum Section {
        None,
        Provides,
        Obsoletes,
        Other,
    }
    let mut out = Vec::new();
    let mut pkg: Option<RepoPackage> = None;
    let mut field: Option<String> = None;
    let mut text = String::new();
    let mut section = Section::None;
    for_each_xml(reader, what, |ev| {
        match ev {
            Xml::Start(name, attrs) => {
                if name == "package" {
                    pkg = Some(RepoPackage::default());
                    return Ok(());
                }
                let Some(p) = pkg.as_mut() else {
                    return Ok(());
                };
                match name.as_str() {
                    "name" | "arch" | "sourcerpm" => {
                        field = Some(name);
                        text.clear();
                    }
                    "checksum" if attr(&attrs, "pkgid") == "YES" => {
                        field = Some(name);
                        text.clear();
                    }
                    "version" if section == Section::None => {
                        let e = attr(&attrs, "epoch");
                        p.epoch = if e.is_empty() {
                            0
                        } else {
                            e.parse()
                                .map_err(|_| anyhow!("{what}: bad epoch `{e}` of {}", p.name))?
                        };
                        p.version = attr(&attrs, "ver").to_string();
                        p.release = attr(&attrs, "rel").to_string();
                    }
                    "provides" => section = Section::Provides,
                    "obsoletes" => section = Section::Obsoletes,
                    "requires" | "conflicts" | "recommends" | "suggests" | "supplements"
                    | "enhances" => section = Section::Other,
                    "entry" => {
                        let e = Entry {
                            name: attr(&attrs, "name").to_string(),
                            flags: attr(&attrs, "flags").to_string(),
                            epoch: attr(&attrs, "epoch").to_string(),
                            ver: attr(&attrs, "ver").to_string(),
                            rel: attr(&attrs, "rel").to_string(),
                        };
                        match section {
                            Section::Provides => p.provides.push(e),
                            Section::Obsoletes => p.obsoletes.push(e),
                            _ => {}
                        }
                    }
                    _ => {}
                }
            }
            Xml::Text(t) => {
                if field.is_some() {
                    text.push_str(&t);
                }
            }
            Xml::End(name) => {
                if name == "package" {
                    if let Some(p) = pkg.take() {
                        if p.name.is_empty() {
                            bail!("{what}: a package without a name");
                        }
                        out.push(p);
                    }
                    return Ok(());
                }
                let Some(p) = pkg.as_mut() else {
                    return Ok(());
                };
                if field.as_deref() == Some(name.as_str()) {
                    let v = text.trim().to_string();
                    match name.as_str() {
                        "name" => p.name = v,
                        "arch" => p.arch = v,
                        "sourcerpm" => p.sourcerpm = v,
                        "checksum" => p.pkgid = v,
                        _ => {}
                    }
                    field = None;
                }
                if matches!(
                    name.as_str(),
                    "provides"
                        | "obsoletes"
                        | "requires"
                        | "conflicts"
                        | "recommends"
                        | "suggests"
                        | "supplements"
                        | "enhances"
                ) {
                    section = Section::None;
                }
            }
        }
        Ok(())
    })?;
    Ok(out)
}

/// Parse filelists.xml: pkgid -> files (directories left out).
fn read_filelists(
    reader: Box<dyn BufRead>,
    what: &str,
    wanted: &dyn Fn(&str) -> bool,
) -> Result<BTreeMap<String, Vec<String>>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut pkgid: Option<String> = None;
    let mut in_file = false;
    let mut text = String::new();
    for_each_xml(reader, what, |ev| {
        match ev {
            Xml::Start(name, attrs) => match name.as_str() {
                "package" => pkgid = Some(attr(&attrs, "pkgid").to_string()),
                "file" if pkgid.is_some() => {
                    in_file = attr(&attrs, "type") != "dir";
                    text.clear();
                }
                _ => {}
            },
            Xml::Text(t) => {
                if in_file {
                    text.push_str(&t);
                }
            }
            Xml::End(name) => match name.as_str() {
                "file" if in_file => {
                    in_file = false;
                    if let Some(id) = &pkgid
                        && wanted(&text)
                    {
                        out.entry(id.clone()).or_default().push(text.clone());
                    }
                }
                "package" => pkgid = None,
                _ => {}
            },
        }
        Ok(())
    })?;
    Ok(out)
}

/// Read one repository's packages, with files, after checking the metadata's sha256 sums.
fn read_repo(
    spec: &RepoSpec,
    loaders: &BTreeSet<String>,
    provenance: &mut BTreeMap<String, String>,
    index: usize,
) -> Result<Vec<RepoPackage>> {
    let p = &spec.path;
    let repomd_path = if p.is_file() {
        p.clone()
    } else if p.join("repomd.xml").is_file() {
        p.join("repomd.xml")
    } else {
        p.join("repodata").join("repomd.xml")
    };
    // Locations are relative to the repository root, the parent of `repodata/`.
    let root = repomd_path
        .parent()
        .and_then(Path::parent)
        .ok_or_else(|| anyhow!("{}: no repository root", repomd_path.display()))?
        .to_path_buf();
    let repomd_bytes = std::fs::read(&repomd_path)
        .with_context(|| format!("cannot read {}", repomd_path.display()))?;
    let md = read_repomd(&repomd_path)?;
    let key = format!("repo{index}");
    provenance.insert(format!("{key}:channel"), spec.channel.as_str().to_string());
    provenance.insert(format!("{key}:revision"), md.revision.clone());
    provenance.insert(
        format!("sha256:{key}/repodata/repomd.xml"),
        sha256_hex(&repomd_bytes),
    );
    let mut open = |kind: &str| -> Result<(Box<dyn BufRead>, String)> {
        let (href, sum_type, sum) = md
            .data
            .get(kind)
            .ok_or_else(|| anyhow!("{}: no `{kind}` data", repomd_path.display()))?;
        let file = root.join(href);
        let bytes =
            std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
        let actual = sha256_hex(&bytes);
        if sum_type == "sha256" && !sum.eq_ignore_ascii_case(&actual) {
            bail!(
                "{}: sha256 {actual}, but repomd.xml says {sum}",
                file.display()
            );
        }
        provenance.insert(format!("sha256:{key}/{href}"), actual);
        Ok((open_decompressed(&file)?, file.display().to_string()))
    };
    let (primary, primary_name) = open("primary")?;
    let mut packages = read_primary(primary, &primary_name)?;
    let (filelists, filelists_name) = open("filelists")?;
    let files = read_filelists(filelists, &filelists_name, &|f| {
        path_kind(f, loaders).is_some()
    })?;
    for pkg in &mut packages {
        pkg.channel = Some(spec.channel);
        if let Some(f) = files.get(&pkg.pkgid) {
            pkg.files = f.clone();
        }
    }
    Ok(packages)
}

/// Import repositories into a pack in `out`.
pub fn import(repos: &[RepoSpec], out: &Path, opts: &ImportOptions) -> Result<ImportSummary> {
    if repos.is_empty() {
        bail!("no repository given");
    }
    let mut s = ImportSummary {
        repositories: repos.len(),
        ..Default::default()
    };
    let loaders: BTreeSet<String> = opts
        .like
        .dynamic_loaders
        .values()
        .map(|p| normalize_path(p))
        .collect();
    let mut provenance = BTreeMap::new();
    let mut all = Vec::new();
    for (i, spec) in repos.iter().enumerate() {
        all.extend(read_repo(spec, &loaders, &mut provenance, i + 1)?);
    }
    s.entries = all.len();

    // One package per name: 64-bit or noarch only; highest EVR, then best channel, then arch.
    let mut chosen: BTreeMap<String, RepoPackage> = BTreeMap::new();
    for p in all {
        if !(opts.like.arches.contains(&p.arch) || p.arch == "noarch") {
            s.skipped_arch += 1;
            continue;
        }
        match chosen.get(&p.name) {
            None => {
                chosen.insert(p.name.clone(), p);
            }
            Some(cur) => {
                let ord = evr_cmp(
                    (p.epoch, &p.version, &p.release),
                    (cur.epoch, &cur.version, &cur.release),
                )
                .then_with(|| {
                    let pref = |x: &RepoPackage| x.channel.map_or(9, |c| c.preference());
                    pref(cur).cmp(&pref(&p))
                })
                .then_with(|| cur.arch.cmp(&p.arch));
                s.superseded += 1;
                if ord == std::cmp::Ordering::Greater {
                    chosen.insert(p.name.clone(), p);
                }
            }
        }
    }

    let mut packages: Vec<Vec<String>> = Vec::new();
    let mut sonames: BTreeSet<(String, String)> = BTreeSet::new();
    let mut nodes: BTreeSet<(String, String, String)> = BTreeSet::new();
    // (path, package) -> (kind, method)
    let mut paths: BTreeMap<(String, String), (&str, &str)> = BTreeMap::new();
    let mut caps: BTreeSet<[String; 5]> = BTreeSet::new();
    let mut arches: BTreeSet<String> = BTreeSet::new();
    for p in chosen.values() {
        if !representable(&p.name) {
            s.skipped_unrepresentable += 1;
            continue;
        }
        if p.arch != "noarch" {
            arches.insert(p.arch.clone());
        }
        let component = source_name(&p.sourcerpm).unwrap_or(&p.name).to_string();
        packages.push(vec![
            p.name.clone(),
            p.epoch.to_string(),
            p.version.clone(),
            p.release.clone(),
            p.arch.clone(),
            p.channel.unwrap_or(Channel::Base).as_str().to_string(),
            component,
        ]);
        for f in &p.files {
            if !representable(f) {
                s.skipped_unrepresentable += 1;
                continue;
            }
            if let Some(kind) = path_kind(f, &loaders) {
                let method = if kind == "loader" { "abi" } else { M_FILELISTS };
                paths
                    .entry((normalize_path(f), p.name.clone()))
                    .or_insert((kind, method));
            }
        }
        let self_arch = format!("{}(", p.name);
        for e in &p.provides {
            if !representable(&e.name) {
                s.skipped_unrepresentable += 1;
                continue;
            }
            if e.name == p.name || (e.name.starts_with(&self_arch) && e.name.ends_with(')')) {
                continue; // the package's own name and name(arch)
            }
            if let Some((soname, node)) = soname_provide(&e.name) {
                match node {
                    None => {
                        sonames.insert((soname.to_string(), p.name.clone()));
                    }
                    Some(n) => {
                        if p.arch != "noarch" {
                            nodes.insert((soname.to_string(), p.arch.clone(), n.to_string()));
                        }
                    }
                }
                continue;
            }
            if is_32_bit_soname_provide(&e.name) || e.name.starts_with("config(") {
                continue;
            }
            let (op, version) = e.op_version();
            let kind = if is_python_dist(&e.name) {
                "python_dist"
            } else {
                "explicit"
            };
            if e.name.starts_with('/') && kind == "explicit" {
                paths
                    .entry((normalize_path(&e.name), p.name.clone()))
                    .or_insert(("provides", M_PROVIDES));
            }
            caps.insert([
                e.name.clone(),
                kind.to_string(),
                p.name.clone(),
                op,
                version,
            ]);
        }
        for e in &p.obsoletes {
            if !representable(&e.name) {
                s.skipped_unrepresentable += 1;
                continue;
            }
            let (op, version) = e.op_version();
            caps.insert([
                e.name.clone(),
                "obsoletes".to_string(),
                p.name.clone(),
                op,
                version,
            ]);
        }
    }
    packages.sort();
    let names: BTreeSet<&str> = packages.iter().map(|r| r[0].as_str()).collect();
    let arches: Vec<String> = opts
        .like
        .arches
        .iter()
        .filter(|a| arches.contains(a.as_str()))
        .cloned()
        .collect();
    if arches.is_empty() {
        bail!(
            "no {} packages in the repositories",
            opts.like.arches.join(" or ")
        );
    }
    // Version nodes of sonames nobody provides as such cannot be looked up; drop them.
    let provided: BTreeSet<&str> = sonames.iter().map(|(s, _)| s.as_str()).collect();
    let nodes: Vec<_> = nodes
        .into_iter()
        .filter(|(so, _, _)| provided.contains(so.as_str()))
        .collect();

    s.packages = packages.len();
    s.sonames = sonames.len();
    s.version_nodes = nodes.len();
    s.paths = paths.len();
    s.capabilities = caps.len();

    let mut m = Manifest {
        format_version: format::FORMAT_VERSION,
        id: opts.id.clone(),
        name: opts.name.clone(),
        version: opts.version.clone(),
        arches: arches.clone(),
        provenance,
        ..Default::default()
    };
    m.provenance.insert("generator".into(), GENERATOR.into());
    let counts: [(&str, usize); 9] = [
        ("packages", s.packages),
        ("soname_rows", s.sonames),
        ("path_rows", s.paths),
        ("version_node_rows", s.version_nodes),
        ("capability_rows", s.capabilities),
        ("package_entries", s.entries),
        ("packages_superseded", s.superseded),
        ("packages_skipped_arch", s.skipped_arch),
        ("rows_skipped_unrepresentable", s.skipped_unrepresentable),
    ];
    m.counts = counts
        .iter()
        .map(|(k, v)| (k.to_string(), *v as u64))
        .collect();
    m.baseline_packages = opts
        .like
        .baseline_packages
        .iter()
        .filter(|b| names.contains(b.as_str()))
        .cloned()
        .collect();
    m.default_search_dirs = opts
        .like
        .default_search_dirs
        .iter()
        .filter(|(a, _)| arches.contains(a))
        .map(|(a, d)| (a.clone(), d.clone()))
        .collect();
    m.dynamic_loaders = opts
        .like
        .dynamic_loaders
        .iter()
        .filter(|(a, _)| arches.contains(a))
        .map(|(a, p)| (a.clone(), p.clone()))
        .collect();
    m.command_path = opts.like.command_path.clone();
    m.target = crate::knowledge::format::TargetFacts {
        name: opts.name.clone(),
        version: opts.version.clone(),
        pretty_name: format!("{} {}", opts.name, opts.version),
        ..opts.like.target.clone()
    };
    m.version_node_sources.insert(
        NODE_SOURCE.into(),
        "rpm's automatic provides `soname(NODE)(64bit)` in the repositories' primary.xml".into(),
    );
    let required: Vec<&(&str, &[&str])> = format::TABLES
        .iter()
        .filter(|(f, _)| !format::OPTIONAL_TABLES.contains(f))
        .collect();
    m.tables = required
        .iter()
        .map(|(f, c)| (f.to_string(), c.iter().map(|x| x.to_string()).collect()))
        .collect();

    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let put = |name: &str, text: String| -> Result<()> {
        let path = out.join(name);
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))
    };
    let mut json = serde_json::to_string_pretty(&m)?;
    json.push('\n');
    put(format::PACK_JSON, json)?;
    put(
        format::PACKAGES,
        build::tsv(format::PACKAGES_COLUMNS, &packages),
    )?;
    let soname_rows: Vec<Vec<String>> = sonames
        .iter()
        .map(|(so, p)| {
            vec![
                so.clone(),
                p.clone(),
                "no".into(),
                M_PROVIDES.into(),
                "high".into(),
            ]
        })
        .collect();
    put(
        format::SONAMES,
        build::tsv(format::SONAMES_COLUMNS, &soname_rows),
    )?;
    let path_rows: Vec<Vec<String>> = paths
        .iter()
        .map(|((path, p), (kind, method))| {
            vec![
                path.clone(),
                p.clone(),
                kind.to_string(),
                "no".into(),
                method.to_string(),
                "high".into(),
            ]
        })
        .collect();
    put(format::PATHS, build::tsv(format::PATHS_COLUMNS, &path_rows))?;
    let node_rows: Vec<Vec<String>> = nodes
        .iter()
        .map(|(so, a, n)| {
            vec![
                so.clone(),
                a.clone(),
                n.clone(),
                "exact".into(),
                NODE_SOURCE.into(),
            ]
        })
        .collect();
    put(
        format::VERSION_NODES,
        build::tsv(format::VERSION_NODES_COLUMNS, &node_rows),
    )?;
    put(
        format::CAPABILITIES,
        build::tsv(
            format::CAPABILITIES_COLUMNS,
            caps.iter().map(|r| r.to_vec()),
        ),
    )?;
    let mut readme = format!(
        "# Knowledge pack `{}` ({} {})\n\nImported from dnf repository metadata by `{GENERATOR}`; \
         do not edit by hand. The format is in docs/knowledge.md; the repositories' repomd.xml \
         revisions and sha256 sums are in `pack.json` (`provenance`).\n\n| table | rows |\n|---|---|\n",
        opts.id, opts.name, opts.version
    );
    for (file, key) in format::COUNT_KEYS {
        if let Some(n) = m.counts.get(*key) {
            readme.push_str(&format!("| `{file}` | {n} |\n"));
        }
    }
    put(format::README, readme)?;
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_names() {
        assert_eq!(source_name("openssl-3.5.4-3.azl4.src.rpm"), Some("openssl"));
        assert_eq!(
            source_name("python-beartype-0.1-2.azl4.src.rpm"),
            Some("python-beartype")
        );
        assert_eq!(source_name("x.rpm"), None);
    }

    #[test]
    fn soname_provides() {
        assert_eq!(
            soname_provide("libssl.so.3()(64bit)"),
            Some(("libssl.so.3", None))
        );
        assert_eq!(
            soname_provide("libc.so.6(GLIBC_2.34)(64bit)"),
            Some(("libc.so.6", Some("GLIBC_2.34")))
        );
        assert_eq!(soname_provide("libfoo.so.1()"), None);
        assert_eq!(soname_provide("perl(Foo)"), None);
        assert!(is_32_bit_soname_provide("libfoo.so.1()"));
        assert!(is_32_bit_soname_provide("libc.so.6(GLIBC_2.0)"));
        assert!(!is_32_bit_soname_provide("perl(Foo::Bar)"));
        assert!(is_python_dist("python3dist(requests)"));
        assert!(is_python_dist("python3.14dist(requests)"));
        assert!(!is_python_dist("python3-requests"));
    }

    #[test]
    fn path_kinds() {
        let loaders: BTreeSet<String> = ["/usr/lib64/ld-linux-x86-64.so.2".to_string()].into();
        assert_eq!(path_kind("/usr/sbin/sshd", &loaders), Some("bin"));
        assert_eq!(path_kind("/bin/sh", &loaders), Some("bin"));
        assert_eq!(path_kind("/usr/bin/x/y", &loaders), None);
        assert_eq!(path_kind("/usr/libexec/a/b", &loaders), Some("libexec"));
        assert_eq!(
            path_kind("/usr/lib/systemd/system-generators/g", &loaders),
            Some("generator")
        );
        assert_eq!(
            path_kind("/lib64/ld-linux-x86-64.so.2", &loaders),
            Some("loader")
        );
        assert_eq!(path_kind("/etc/passwd", &loaders), None);
    }

    #[test]
    fn entries_render_like_capabilities() {
        let e = Entry {
            name: "x".into(),
            flags: "LT".into(),
            epoch: "0".into(),
            ver: "2".into(),
            rel: String::new(),
        };
        assert_eq!(e.op_version(), ("<".into(), "2".into()));
        let e = Entry {
            flags: "EQ".into(),
            epoch: "1".into(),
            ver: "3.5.4".into(),
            rel: "3.azl4".into(),
            ..e
        };
        assert_eq!(e.op_version(), ("=".into(), "1:3.5.4-3.azl4".into()));
        assert_eq!(
            Entry::default().op_version(),
            (String::new(), String::new())
        );
    }

    #[test]
    fn repo_specs() {
        let r = RepoSpec::parse("sdk=/x/y");
        assert_eq!((r.channel, r.path), (Channel::Sdk, PathBuf::from("/x/y")));
        let r = RepoSpec::parse("/a=b");
        assert_eq!((r.channel, r.path), (Channel::Base, PathBuf::from("/a=b")));
    }
}
