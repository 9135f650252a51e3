//! Images built here with the `tar` crate: docker save, OCI layouts, compressed layers, the
//! OCI merge rules and hostile members.

use super::*;
use std::io::Write;

/// A layer member.
pub enum M<'a> {
    Dir(&'a str),
    File(&'a str, &'a [u8], u32),
    Link(&'a str, &'a str),
    Hard(&'a str, &'a str),
    Char(&'a str),
    /// A name written as raw header bytes (what `tar::Builder` refuses: `..`, absolute).
    Raw(&'a [u8], &'a [u8]),
}

pub fn layer(members: &[M]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for m in members {
        let mut h = tar::Header::new_gnu();
        h.set_mtime(0);
        match m {
            M::Dir(p) => {
                h.set_entry_type(tar::EntryType::Directory);
                h.set_mode(0o755);
                h.set_size(0);
                b.append_data(&mut h, p, &[][..]).unwrap();
            }
            M::File(p, data, mode) => {
                h.set_entry_type(tar::EntryType::Regular);
                h.set_mode(*mode);
                h.set_size(data.len() as u64);
                b.append_data(&mut h, p, *data).unwrap();
            }
            M::Link(p, t) => {
                h.set_entry_type(tar::EntryType::Symlink);
                h.set_size(0);
                b.append_link(&mut h, p, t).unwrap();
            }
            M::Hard(p, t) => {
                h.set_entry_type(tar::EntryType::Link);
                h.set_size(0);
                b.append_link(&mut h, p, t).unwrap();
            }
            M::Char(p) => {
                h.set_entry_type(tar::EntryType::Char);
                h.set_size(0);
                h.set_mode(0o666);
                b.append_data(&mut h, p, &[][..]).unwrap();
            }
            M::Raw(name, data) => {
                h.set_entry_type(tar::EntryType::Regular);
                h.set_mode(0o644);
                h.set_size(data.len() as u64);
                h.as_mut_bytes()[..name.len()].copy_from_slice(name);
                h.set_cksum();
                b.append(&h, *data).unwrap();
            }
        }
    }
    b.into_inner().unwrap()
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn sha(data: &[u8]) -> String {
    // A content address for the test layouts (not SHA-256: only distinct and hex).
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    data.hash(&mut h);
    format!("sha256:{:016x}{:048x}", h.finish(), data.len())
}

/// A `docker save` tar of `layers` (bottom first) with a config holding `run`.
pub fn docker_save(layers: &[Vec<u8>], run: serde_json::Value) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    let mut names = Vec::new();
    let mut history = Vec::new();
    for (i, l) in layers.iter().enumerate() {
        let name = format!("l{i}/layer.tar");
        add(&mut b, &name, l);
        names.push(name);
        history.push(serde_json::json!({"created_by": format!("RUN step {i}")}));
    }
    history.insert(
        0,
        serde_json::json!({"created_by": "LABEL x=y", "empty_layer": true}),
    );
    let config = serde_json::json!({
        "architecture": "amd64", "os": "linux", "config": run,
        "rootfs": {"type": "layers", "diff_ids": layers.iter().map(|l| sha(l)).collect::<Vec<_>>()},
        "history": history,
    });
    let config = serde_json::to_vec(&config).unwrap();
    add(&mut b, "cfg.json", &config);
    let manifest =
        serde_json::json!([{"Config": "cfg.json", "RepoTags": ["t:1"], "Layers": names}]);
    add(
        &mut b,
        "manifest.json",
        &serde_json::to_vec(&manifest).unwrap(),
    );
    b.into_inner().unwrap()
}

fn add(b: &mut tar::Builder<Vec<u8>>, name: &str, data: &[u8]) {
    let mut h = tar::Header::new_gnu();
    h.set_size(data.len() as u64);
    h.set_mode(0o644);
    b.append_data(&mut h, name, data).unwrap();
}

/// An OCI layout directory with one manifest per `(platform, layers)`.
pub fn oci_dir(dir: &Path, images: &[(&str, Vec<Vec<u8>>)]) {
    let blobs = dir.join("blobs/sha256");
    std::fs::create_dir_all(&blobs).unwrap();
    let put = |data: &[u8]| {
        let d = sha(data);
        std::fs::write(blobs.join(&d[7..]), data).unwrap();
        d
    };
    let mut manifests = Vec::new();
    for (platform, layers) in images {
        let (os, arch) = platform.split_once('/').unwrap();
        let descs: Vec<_> = layers
            .iter()
            .map(|l| serde_json::json!({"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": put(l), "size": l.len()}))
            .collect();
        let config = serde_json::json!({"architecture": arch, "os": os, "config": {},
            "rootfs": {"type": "layers", "diff_ids": []}});
        let cd = put(&serde_json::to_vec(&config).unwrap());
        let m = serde_json::json!({"schemaVersion": 2, "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": 1}, "layers": descs});
        let md = put(&serde_json::to_vec(&m).unwrap());
        manifests.push(serde_json::json!({"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": md, "size": 1,
            "platform": {"os": os, "architecture": arch}}));
    }
    std::fs::write(dir.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    std::fs::write(
        dir.join("index.json"),
        serde_json::to_vec(&serde_json::json!({"schemaVersion": 2, "manifests": manifests}))
            .unwrap(),
    )
    .unwrap();
}

fn names(img: &ImageSource, dir: &str) -> Vec<String> {
    let mut v: Vec<String> = img
        .read_dir(Path::new(dir))
        .unwrap()
        .unwrap()
        .into_iter()
        .map(|e| e.name.to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn bytes(img: &ImageSource, p: &str) -> Vec<u8> {
    match img.open(Path::new(p)).unwrap() {
        Opened::At(r) => crate::source::read_range(&*r, 0, u64::MAX).unwrap(),
        _ => panic!("image files are read by position"),
    }
}

fn image_file(data: &[u8]) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(data).unwrap();
    f
}

fn lower_upper() -> Vec<Vec<u8>> {
    vec![
        layer(&[
            M::Dir("a/"),
            M::File("a/x", b"x", 0o644),
            M::File("a/y", b"y", 0o644),
            M::Dir("b/"),
            M::File("b/old", b"old", 0o644),
            M::Dir("b/sub/"),
            M::File("b/sub/deep", b"deep", 0o644),
            M::File("usr/bin/tool", b"#!/bin/sh\necho tool\n", 0o755),
            M::Dir("usr/lib/"),
            M::File("usr/lib/libx.so", b"\x7fELF-not-really", 0o755),
            M::Link("lib", "usr/lib"),
            M::Link("escape", "../../../../etc"),
            M::File("gone", b"gone", 0o644),
        ]),
        layer(&[
            M::File("a/.wh.x", b"", 0o644),
            M::File(".wh.gone", b"", 0o644),
            M::File("never/was/.wh.there", b"", 0o644),
            M::Dir("b/"),
            M::File("b/.wh..wh..opq", b"", 0o644),
            M::File("b/new", b"new", 0o644),
            M::Hard("usr/bin/tool2", "usr/bin/tool"),
            M::File("lib/viaLink", b"v", 0o644),
        ]),
    ]
}

#[test]
fn whiteouts_opaque_dirs_hard_links_and_links_merge_by_the_oci_rules() {
    let f = image_file(&docker_save(
        &lower_upper(),
        serde_json::json!({"User": "app"}),
    ));
    let img = ImageSource::open(f.path(), None).unwrap();
    assert_eq!(img.format, Format::DockerSave);
    assert_eq!(names(&img, "/a"), ["y"]);
    // The opaque marker hides every lower child; the upper layer's own child stays.
    assert_eq!(names(&img, "/b"), ["new"]);
    assert!(!names(&img, "/").contains(&"gone".to_string()));
    // A whiteout of what never existed makes nothing.
    assert!(!names(&img, "/").contains(&"never".to_string()));
    // A hard link in an upper layer shares the lower layer's content and identity.
    let m1 = img
        .meta(&img.open(Path::new("/usr/bin/tool")).unwrap())
        .unwrap();
    let m2 = img
        .meta(&img.open(Path::new("/usr/bin/tool2")).unwrap())
        .unwrap();
    assert!(m1.executable && m1.id.is_some());
    assert_eq!(m1.id, m2.id);
    assert_eq!(bytes(&img, "/usr/bin/tool2"), b"#!/bin/sh\necho tool\n");
    // Links resolve inside the root: through /lib, and `..` never leaves it.
    assert_eq!(bytes(&img, "/lib/libx.so"), b"\x7fELF-not-really");
    assert_eq!(bytes(&img, "/usr/lib/viaLink"), b"v");
    assert!(img.open(Path::new("/escape/passwd")).is_err());
    assert!(
        img.open(Path::new("/lib")).is_err(),
        "the last link is never followed"
    );
    assert_eq!(
        img.read_link(Path::new("/lib")).unwrap(),
        PathBuf::from("usr/lib")
    );
    // Layers, history and config.
    assert_eq!(img.layers.len(), 2);
    assert_eq!(img.layers[1].created_by.as_deref(), Some("RUN step 1"));
    assert_eq!(img.layer_of("/usr/bin/tool2").unwrap().index, 0);
    assert_eq!(img.layer_of("/b/new").unwrap().index, 1);
    assert_eq!(img.config.user.as_deref(), Some("app"));
    assert_eq!(img.platform.as_deref(), Some("linux/amd64"));
}

#[test]
fn compressed_layers_give_the_same_view_as_plain_ones() {
    let plain = lower_upper();
    let gz: Vec<Vec<u8>> = plain.iter().map(|l| gzip(l)).collect();
    let zst: Vec<Vec<u8>> = plain
        .iter()
        .map(|l| zstd::encode_all(&l[..], 1).unwrap())
        .collect();
    let views: Vec<_> = [plain, gz, zst]
        .iter()
        .map(|ls| {
            let f = image_file(&docker_save(ls, serde_json::json!({})));
            let img = ImageSource::open(f.path(), None).unwrap();
            (
                names(&img, "/"),
                names(&img, "/b"),
                bytes(&img, "/usr/bin/tool2"),
                bytes(&img, "/lib/libx.so"),
                img.layers
                    .iter()
                    .map(|l| l.compression.clone())
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    assert_eq!(views[0].0, views[1].0);
    assert_eq!(views[0].1, views[2].1);
    assert_eq!(views[0].2, views[2].2);
    assert_eq!(views[1].3, views[2].3);
    assert_eq!(views[1].4, ["gzip", "gzip"]);
    assert_eq!(views[2].4, ["zstd", "zstd"]);
}

#[test]
fn elf_objects_of_compressed_layers_keep_what_the_parse_reads() {
    use crate::inventory::elf;
    let mut obj = elf::tests::build(&elf::tests::Spec {
        is64: true,
        be: false,
        sections_only: true,
        dynamic_beyond_file: false,
    });
    // Padding the parse never reads (and above the unit tests' spill size: a temporary file).
    obj.resize(obj.len() + 8192, 0x5a);
    let plain = layer(&[M::Dir("lib"), M::File("lib/libme.so.1", &obj, 0o755)]);
    let size = obj.len() as u64;
    for (name, l) in [
        ("plain", plain.clone()),
        ("gzip", gzip(&plain)),
        ("zstd", zstd::encode_all(&plain[..], 1).unwrap()),
    ] {
        let f = image_file(&docker_save(&[l], serde_json::json!({})));
        let img = ImageSource::open(f.path(), None).unwrap();
        let Opened::At(r) = img.open(Path::new("/lib/libme.so.1")).unwrap() else {
            panic!("image files are read by position");
        };
        assert_eq!(r.meta().size, size, "{name}");
        assert_eq!(
            elf::parse_at(&*r),
            Ok(elf::tests::expected(true, false)),
            "{name}"
        );
        // The padding is in place in the plain layer, and not kept from a compressed one.
        let tail = crate::source::read_range(&*r, size - 16, 16);
        if name == "plain" {
            assert_eq!(tail.unwrap(), [0x5a; 16]);
        } else {
            assert!(
                tail.unwrap_err().to_string().contains("ELF parse"),
                "{name}"
            );
        }
        assert_eq!(crate::source::read_range(&*r, size, 16).unwrap(), b"");
    }
}

#[test]
fn hostile_members_are_reported_and_never_part_of_the_view() {
    let dir = tempfile::tempdir().unwrap();
    let l = layer(&[
        M::Raw(b"../../evil", b"evil"),
        M::Raw(b"/abs/file", b"abs"),
        M::Raw(b"ok/../../up", b"up"),
        M::Char("dev/sda"),
        M::File("usr/bin/su", b"#!/bin/sh\n", 0o4755),
        M::File("fine", b"fine", 0o644),
    ]);
    let path = dir.path().join("hostile.tar");
    std::fs::write(&path, &l).unwrap();
    let before: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    let img = ImageSource::open(&path, None).unwrap();
    assert_eq!(img.format, Format::LayerTar);
    let mut top = names(&img, "/");
    top.sort();
    assert_eq!(top, ["dev", "fine", "usr"]);
    let said: Vec<String> = img
        .diagnostics()
        .iter()
        .map(|d| format!("{}: {}", d.path, d.reason))
        .collect();
    for want in [
        "../../evil",
        "/abs/file",
        "ok/../../up",
        "/dev/sda",
        "/usr/bin/su",
    ] {
        assert!(
            said.iter().any(|d| d.starts_with(want)),
            "{want} in {said:?}"
        );
    }
    assert!(said.iter().any(|d| d.contains("character device")));
    assert!(said.iter().any(|d| d.contains("set-user-ID")));
    // Nothing was created beside the image (nor anywhere: nothing is ever written).
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), before.len());
    assert!(!dir.path().join("evil").exists());
    let kinds: Vec<EntryKind> = img
        .read_dir(Path::new("/dev"))
        .unwrap()
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds, [EntryKind::Special]);
    assert!(img.open(Path::new("/dev/sda")).is_err());
}

#[test]
fn oci_layouts_pick_the_platform() {
    let dir = tempfile::tempdir().unwrap();
    let amd = layer(&[M::File("arch", b"amd64", 0o644)]);
    let arm = layer(&[M::File("arch", b"arm64", 0o644)]);
    oci_dir(
        dir.path(),
        &[
            ("linux/amd64", vec![amd]),
            ("linux/arm64", vec![gzip(&arm)]),
        ],
    );
    assert!(is_image(dir.path()));
    let img = ImageSource::open(dir.path(), Some("linux/arm64")).unwrap();
    assert_eq!(img.format, Format::OciDir);
    assert_eq!(bytes(&img, "/arch"), b"arm64");
    let img = ImageSource::open(dir.path(), Some("linux/amd64")).unwrap();
    assert_eq!(bytes(&img, "/arch"), b"amd64");
    let e = ImageSource::open(dir.path(), Some("linux/s390x"))
        .err()
        .unwrap();
    assert!(e.to_string().contains("linux/arm64"), "{e}");
    // The same layout packed in a tar.
    let mut b = tar::Builder::new(Vec::new());
    b.append_dir_all(".", dir.path()).unwrap();
    let f = image_file(&b.into_inner().unwrap());
    let img = ImageSource::open(f.path(), Some("linux/arm64")).unwrap();
    assert_eq!(img.format, Format::OciTar);
    assert_eq!(bytes(&img, "/arch"), b"arm64");
}

#[test]
fn garbage_is_an_error_not_a_panic() {
    let f = image_file(b"this is not an image at all, just some text");
    assert!(ImageSource::open(f.path(), None).is_err());
    // A truncated gzip layer: what was read stays, the rest is a diagnostic.
    let mut gz = gzip(&layer(&[
        M::File("a", &[7u8; 5000], 0o644),
        M::File("b", b"b", 0o644),
    ]));
    gz.truncate(gz.len() / 2);
    let f = image_file(&gz);
    let img = ImageSource::open(f.path(), None).unwrap();
    assert!(
        img.diagnostics().iter().any(|d| d.unread),
        "{:?}",
        img.diagnostics()
    );
}
