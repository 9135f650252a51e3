//! Where an image's pieces are: the container formats (`docker save` tar, OCI image layout as
//! a directory or a tar, a single layer tar), their manifests and the image config.
//!
//! Nothing is extracted: an outer tar is indexed once (member name -> offset and size), and
//! every blob is read in place through [`Blob`].

use serde::Deserialize;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Most bytes of a JSON document (index, manifest, config) read.
pub const MAX_JSON: u64 = 16 << 20;
/// Most members of an outer (docker save / OCI) tar indexed.
const MAX_OUTER_MEMBERS: usize = 100_000;
/// Most nested indexes followed in an OCI layout.
const MAX_INDEX_DEPTH: usize = 4;

/// A byte range of a file: a blob of an image, read in place.
#[derive(Clone)]
pub struct Blob {
    pub file: Arc<File>,
    pub offset: u64,
    pub len: u64,
}

impl Blob {
    /// A whole file.
    pub fn whole(path: &Path) -> io::Result<Blob> {
        let file = File::open(path)?;
        let len = file.metadata()?.len();
        Ok(Blob {
            file: Arc::new(file),
            offset: 0,
            len,
        })
    }

    /// `Read + Seek` over the range (positional reads: the file's cursor is never used).
    pub fn reader(&self) -> Section {
        Section {
            blob: self.clone(),
            pos: 0,
        }
    }

    /// Up to `max` bytes from `at` (relative to the blob).
    pub fn read_at(&self, at: u64, max: u64) -> io::Result<Vec<u8>> {
        let n = max.min(self.len.saturating_sub(at));
        let mut buf = vec![0u8; n as usize];
        let mut done = 0usize;
        while done < buf.len() {
            match self
                .file
                .read_at(&mut buf[done..], self.offset + at + done as u64)
            {
                Ok(0) => break,
                Ok(k) => done += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        buf.truncate(done);
        Ok(buf)
    }

    /// The whole blob, refused beyond `cap` bytes.
    pub fn read_all(&self, cap: u64, what: &str) -> io::Result<Vec<u8>> {
        if self.len > cap {
            return Err(io::Error::other(format!(
                "{what} is {} bytes, more than the {cap} read",
                self.len
            )));
        }
        self.read_at(0, cap)
    }
}

/// A reader over a [`Blob`].
pub struct Section {
    blob: Blob,
    pos: u64,
}

impl Read for Section {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.blob.len.saturating_sub(self.pos);
        let n = (buf.len() as u64).min(left) as usize;
        if n == 0 {
            return Ok(0);
        }
        let k = self
            .blob
            .file
            .read_at(&mut buf[..n], self.blob.offset + self.pos)?;
        self.pos += k as u64;
        Ok(k)
    }
}

impl Seek for Section {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let new = match to {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
            SeekFrom::End(d) => self.blob.len.checked_add_signed(d),
        };
        self.pos = new.ok_or_else(|| io::Error::other("seek out of range"))?;
        Ok(self.pos)
    }
}

/// Where an image's members are: files of a directory, or members of an outer tar.
enum Store {
    Dir(PathBuf),
    Tar(Blob, BTreeMap<String, (u64, u64)>),
}

impl Store {
    fn has(&self, name: &str) -> bool {
        match self {
            Store::Dir(d) => safe_member(name) && d.join(name).is_file(),
            Store::Tar(_, m) => m.contains_key(norm_member(name)),
        }
    }

    fn blob(&self, name: &str) -> io::Result<Blob> {
        if !safe_member(name) {
            return Err(io::Error::other(format!(
                "{name}: member name leaves the image"
            )));
        }
        match self {
            Store::Dir(d) => Blob::whole(&d.join(name)),
            Store::Tar(outer, m) => {
                let &(offset, len) = m.get(norm_member(name)).ok_or_else(|| {
                    io::Error::new(io::ErrorKind::NotFound, format!("{name}: not in the image"))
                })?;
                Ok(Blob {
                    file: Arc::clone(&outer.file),
                    offset: outer.offset + offset,
                    len,
                })
            }
        }
    }

    fn json<T: serde::de::DeserializeOwned>(&self, name: &str) -> io::Result<T> {
        let bytes = self.blob(name)?.read_all(MAX_JSON, name)?;
        serde_json::from_slice(&bytes).map_err(|e| io::Error::other(format!("{name}: {e}")))
    }
}

fn norm_member(name: &str) -> &str {
    name.trim_start_matches("./")
}

/// A member name of an image (not of a layer): relative, without `..`.
fn safe_member(name: &str) -> bool {
    !name.starts_with('/') && !name.split('/').any(|c| c == "..") && !name.contains('\0')
}

/// The kind of container an image came in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    DockerSave,
    OciDir,
    OciTar,
    LayerTar,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::DockerSave => "docker-save",
            Format::OciDir => "oci-dir",
            Format::OciTar => "oci-tar",
            Format::LayerTar => "layer-tar",
        }
    }
}

/// One layer to apply, bottom first.
pub struct LayerRef {
    pub blob: Blob,
    /// The digest naming the layer (the descriptor's for OCI, the diff id or member name for
    /// docker save, `sha256` of nothing for a lone layer tar: empty).
    pub digest: String,
}

/// The image config's runtime part (`config` of the OCI image config).
#[derive(Clone, Debug, Default, Deserialize, serde::Serialize, PartialEq)]
pub struct RunConfig {
    #[serde(rename = "User", default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(
        rename = "ExposedPorts",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub exposed_ports: Option<BTreeMap<String, serde_json::Value>>,
    #[serde(rename = "Env", default, skip_serializing_if = "Option::is_none")]
    pub env: Option<Vec<String>>,
    #[serde(
        rename = "Entrypoint",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub entrypoint: Option<Vec<String>>,
    #[serde(rename = "Cmd", default, skip_serializing_if = "Option::is_none")]
    pub cmd: Option<Vec<String>>,
    #[serde(
        rename = "WorkingDir",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub working_dir: Option<String>,
    #[serde(rename = "Labels", default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Default, Deserialize)]
struct ImageConfig {
    #[serde(default)]
    architecture: Option<String>,
    #[serde(default)]
    os: Option<String>,
    #[serde(default)]
    config: Option<RunConfig>,
    #[serde(default)]
    rootfs: Option<RootFs>,
    #[serde(default)]
    history: Vec<History>,
}

#[derive(Debug, Default, Deserialize)]
struct RootFs {
    #[serde(default)]
    diff_ids: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
struct History {
    #[serde(default)]
    created_by: Option<String>,
    #[serde(default)]
    empty_layer: bool,
}

/// What is known about an image before its layers are read.
pub struct Located {
    pub format: Format,
    pub layers: Vec<LayerRef>,
    pub config: RunConfig,
    /// `os/architecture` from the config, when it says.
    pub platform: Option<String>,
    /// The history `created_by` of each layer (by layer index), when the config has it.
    pub created_by: Vec<Option<String>>,
    pub digest: Option<String>,
}

/// Whether `path` looks like an image (a file, or a directory holding an OCI layout), without
/// reading further than the first block.
pub fn is_image(path: &Path) -> bool {
    if path.is_dir() {
        return path.join("oci-layout").is_file() && path.join("index.json").is_file();
    }
    path.is_file()
}

/// The layers and config of the image at `path`; `platform` (`os/arch[/variant]`) picks a
/// manifest from an index of several.
pub fn locate(path: &Path, platform: Option<&str>) -> io::Result<Located> {
    if path.is_dir() {
        let store = Store::Dir(path.to_path_buf());
        return oci(&store, Format::OciDir, platform);
    }
    let whole = Blob::whole(path)?;
    let head = whole.read_at(0, 512)?;
    if super::layer::Compression::detect(&head) != super::layer::Compression::None {
        return Ok(lone_layer(whole));
    }
    if !looks_like_tar(&head) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "{} is neither a directory nor an image (docker save or OCI tar, layer tar, \
                 gzip or zstd layer)",
                path.display()
            ),
        ));
    }
    let members = index_outer(&whole)?;
    let store = Store::Tar(whole.clone(), members);
    if store.has("oci-layout") && store.has("index.json") {
        return oci(&store, Format::OciTar, platform);
    }
    if store.has("manifest.json") {
        return docker(&store);
    }
    Ok(lone_layer(whole))
}

fn lone_layer(blob: Blob) -> Located {
    Located {
        format: Format::LayerTar,
        layers: vec![LayerRef {
            blob,
            digest: String::new(),
        }],
        config: RunConfig::default(),
        platform: None,
        created_by: vec![None],
        digest: None,
    }
}

/// A ustar/GNU header, or an old-style header whose checksum holds.
fn looks_like_tar(head: &[u8]) -> bool {
    if head.len() < 512 {
        return false;
    }
    if &head[257..262] == b"ustar" {
        return true;
    }
    let Ok(sum) = std::str::from_utf8(&head[148..156]) else {
        return false;
    };
    let sum = sum.trim_matches(|c: char| c == '\0' || c == ' ');
    let Ok(sum) = u32::from_str_radix(sum, 8) else {
        return false;
    };
    let mut computed = 0u32;
    for (i, b) in head[..512].iter().enumerate() {
        computed += if (148..156).contains(&i) {
            u32::from(b' ')
        } else {
            u32::from(*b)
        };
    }
    computed == sum
}

fn index_outer(whole: &Blob) -> io::Result<BTreeMap<String, (u64, u64)>> {
    let mut ar = tar::Archive::new(whole.reader());
    let mut out = BTreeMap::new();
    for entry in ar.entries_with_seek()? {
        let entry = entry?;
        if out.len() >= MAX_OUTER_MEMBERS {
            return Err(io::Error::other(format!(
                "more than {MAX_OUTER_MEMBERS} members: not an image"
            )));
        }
        if !matches!(
            entry.header().entry_type(),
            tar::EntryType::Regular | tar::EntryType::Continuous
        ) {
            continue;
        }
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        out.insert(
            norm_member(&name).to_string(),
            (entry.raw_file_position(), entry.size()),
        );
    }
    Ok(out)
}

#[derive(Deserialize)]
struct DockerManifest {
    #[serde(rename = "Config")]
    config: String,
    #[serde(rename = "Layers", default)]
    layers: Vec<String>,
}

fn docker(store: &Store) -> io::Result<Located> {
    let manifests: Vec<DockerManifest> = store.json("manifest.json")?;
    let Some(m) = manifests.into_iter().next() else {
        return Err(io::Error::other("manifest.json lists no image"));
    };
    let config: ImageConfig = store.json(&m.config)?;
    let diff_ids = config
        .rootfs
        .as_ref()
        .map(|r| r.diff_ids.clone())
        .unwrap_or_default();
    let mut layers = Vec::new();
    for (i, name) in m.layers.iter().enumerate() {
        layers.push(LayerRef {
            blob: store.blob(name)?,
            digest: diff_ids.get(i).cloned().unwrap_or_else(|| name.clone()),
        });
    }
    let digest = m
        .config
        .rsplit('/')
        .next()
        .map(|c| c.trim_end_matches(".json"))
        .filter(|c| c.len() == 64)
        .map(|c| format!("sha256:{c}"));
    Ok(finish(Format::DockerSave, layers, config, digest))
}

#[derive(Deserialize)]
struct Descriptor {
    #[serde(rename = "mediaType", default)]
    media_type: String,
    digest: String,
    #[serde(default)]
    platform: Option<Platform>,
}

#[derive(Deserialize, Clone)]
struct Platform {
    #[serde(default)]
    os: String,
    #[serde(default)]
    architecture: String,
    #[serde(default)]
    variant: Option<String>,
}

impl Platform {
    fn name(&self) -> String {
        match &self.variant {
            Some(v) => format!("{}/{}/{v}", self.os, self.architecture),
            None => format!("{}/{}", self.os, self.architecture),
        }
    }
}

#[derive(Deserialize)]
struct Index {
    #[serde(default)]
    manifests: Vec<Descriptor>,
}

#[derive(Deserialize)]
struct Manifest {
    config: Descriptor,
    #[serde(default)]
    layers: Vec<Descriptor>,
}

/// `blobs/ALG/HEX` for a digest, refused when it is not `alg:hex`.
fn blob_path(digest: &str) -> io::Result<String> {
    let bad = || io::Error::other(format!("malformed digest {digest:?}"));
    let (alg, hex) = digest.split_once(':').ok_or_else(bad)?;
    let ok_alg = !alg.is_empty()
        && alg
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"+._-".contains(&b))
        && !alg.starts_with('.');
    let ok_hex = !hex.is_empty()
        && hex
            .bytes()
            .all(|b| b.is_ascii_hexdigit() || b.is_ascii_alphanumeric() || b == b'=' || b == b'_');
    if !ok_alg || !ok_hex {
        return Err(bad());
    }
    Ok(format!("blobs/{alg}/{hex}"))
}

/// The host's platform in OCI spelling.
pub fn host_platform() -> String {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        "powerpc64" => "ppc64le",
        other => other,
    };
    format!("linux/{arch}")
}

fn platform_matches(p: &Platform, want: &str) -> bool {
    let mut w = want.split('/');
    let (os, arch, variant) = (w.next(), w.next(), w.next());
    os == Some(p.os.as_str())
        && arch == Some(p.architecture.as_str())
        && (variant.is_none() || variant == p.variant.as_deref())
}

fn is_index(media_type: &str) -> bool {
    media_type.ends_with("image.index.v1+json") || media_type.ends_with("manifest.list.v2+json")
}

fn oci(store: &Store, format: Format, platform: Option<&str>) -> io::Result<Located> {
    let want = platform.map(str::to_string).unwrap_or_else(host_platform);
    let mut index: Index = store.json("index.json")?;
    for _ in 0..MAX_INDEX_DEPTH {
        // Attestations and other artefacts say `unknown/unknown`: never an image to pick.
        let images: Vec<&Descriptor> = index
            .manifests
            .iter()
            .filter(|d| {
                d.platform
                    .as_ref()
                    .is_none_or(|p| p.os != "unknown" && p.architecture != "unknown")
            })
            .collect();
        let chosen = if images.len() == 1 && platform.is_none() {
            images[0]
        } else {
            let found = images.iter().find(|d| {
                d.platform
                    .as_ref()
                    .is_some_and(|p| platform_matches(p, &want))
            });
            match (found, images.as_slice()) {
                (Some(d), _) => d,
                // One manifest without a platform: the only choice.
                (None, [only]) if only.platform.is_none() => only,
                _ => {
                    let have: Vec<String> = images
                        .iter()
                        .map(|d| {
                            d.platform
                                .as_ref()
                                .map(Platform::name)
                                .unwrap_or_else(|| "unspecified".into())
                        })
                        .collect();
                    return Err(io::Error::other(format!(
                        "no manifest for platform {want} (the index has: {}); choose one with \
                         --platform",
                        have.join(", ")
                    )));
                }
            }
        };
        let path = blob_path(&chosen.digest)?;
        if is_index(&chosen.media_type) {
            index = store.json(&path)?;
            continue;
        }
        let manifest: Manifest = store.json(&path)?;
        let config: ImageConfig = store.json(&blob_path(&manifest.config.digest)?)?;
        let mut layers = Vec::new();
        for l in &manifest.layers {
            layers.push(LayerRef {
                blob: store.blob(&blob_path(&l.digest)?)?,
                digest: l.digest.clone(),
            });
        }
        return Ok(finish(format, layers, config, Some(chosen.digest.clone())));
    }
    Err(io::Error::other(format!(
        "indexes nested deeper than {MAX_INDEX_DEPTH}"
    )))
}

fn finish(
    format: Format,
    layers: Vec<LayerRef>,
    config: ImageConfig,
    digest: Option<String>,
) -> Located {
    // History entries that made a layer, in order, are the layers' steps.
    let mut steps = config
        .history
        .iter()
        .filter(|h| !h.empty_layer)
        .map(|h| h.created_by.clone());
    let created_by = layers.iter().map(|_| steps.next().flatten()).collect();
    let platform = match (&config.os, &config.architecture) {
        (Some(os), Some(arch)) => Some(format!("{os}/{arch}")),
        _ => None,
    };
    Located {
        format,
        layers,
        config: config.config.unwrap_or_default(),
        platform,
        created_by,
        digest,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_never_leave_the_blob_directory() {
        assert_eq!(
            blob_path("sha256:abc123").unwrap(),
            "blobs/sha256/abc123".to_string()
        );
        for bad in [
            "sha256:../../etc/passwd",
            "../x:ab",
            "sha256:",
            "nocolon",
            "a/b:cd",
        ] {
            assert!(blob_path(bad).is_err(), "{bad}");
        }
        assert!(!safe_member("../x"));
        assert!(!safe_member("/etc/passwd"));
        assert!(safe_member("blobs/sha256/ab"));
    }

    #[test]
    fn platforms_match_with_and_without_variant() {
        let p = Platform {
            os: "linux".into(),
            architecture: "arm64".into(),
            variant: Some("v8".into()),
        };
        assert!(platform_matches(&p, "linux/arm64"));
        assert!(platform_matches(&p, "linux/arm64/v8"));
        assert!(!platform_matches(&p, "linux/arm64/v7"));
        assert!(!platform_matches(&p, "linux/amd64"));
    }
}
