//! End to end: container images built here from the fixture trees (`corpora/apptree`,
//! `corpora/units`) give the same findings as the trees scanned as directories; layers carry
//! their provenance; OCI layouts made by `umoci`/`skopeo` read like ours.
//!
//! Layers are packed with GNU `tar` (hard links, FIFOs and symlinks as a real image build
//! records them); the `docker save` wrapper, compression and whiteout layers are written with
//! the `tar`, `flate2` and `zstd` crates.

mod common;

use assert_cmd::Command;
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};

fn build(script: &str) -> (tempfile::TempDir, PathBuf) {
    common::require_tool("gcc");
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new("bash")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join(script))
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{script}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let root = dir.path().join("root");
    assert!(root.is_dir(), "{script} made no root");
    (dir, root)
}

/// A layer tar of `root` by GNU tar (members named `./...`, like `docker build` layers).
fn tar_layer(root: &Path) -> Vec<u8> {
    common::require_tool("tar");
    let out = std::process::Command::new("tar")
        .args(["--sort=name", "--numeric-owner", "-C"])
        .arg(root)
        .args(["-cf", "-", "."])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "tar: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn add(b: &mut tar::Builder<Vec<u8>>, name: &str, data: &[u8]) {
    let mut h = tar::Header::new_gnu();
    h.set_size(data.len() as u64);
    h.set_mode(0o644);
    b.append_data(&mut h, name, data).unwrap();
}

/// A `docker save` archive of `layers` (bottom first), one history step per layer.
fn docker_save(layers: &[Vec<u8>], run: Value) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    let mut names = Vec::new();
    let mut history =
        vec![serde_json::json!({"created_by": "/bin/sh -c #(nop) LABEL a=b", "empty_layer": true})];
    for (i, l) in layers.iter().enumerate() {
        let name = format!("{i:064x}/layer.tar");
        add(&mut b, &name, l);
        names.push(name);
        history
            .push(serde_json::json!({"created_by": format!("/bin/sh -c #(nop) COPY layer{i} /")}));
    }
    let config = serde_json::json!({"architecture": "amd64", "os": "linux", "config": run,
        "rootfs": {"type": "layers", "diff_ids": layers.iter().map(|l| sha256(l)).collect::<Vec<_>>()},
        "history": history});
    add(&mut b, "config.json", &serde_json::to_vec(&config).unwrap());
    let m = serde_json::json!([{"Config": "config.json", "RepoTags": ["acme:1"], "Layers": names}]);
    add(&mut b, "manifest.json", &serde_json::to_vec(&m).unwrap());
    b.into_inner().unwrap()
}

/// `sha256:HEX` of `data`, by coreutils' `sha256sum` (diff ids are checked by skopeo).
fn sha256(data: &[u8]) -> String {
    common::require_tool("sha256sum");
    let mut child = std::process::Command::new("sha256sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(data).unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    format!("sha256:{}", text.split_whitespace().next().unwrap())
}

/// The report of an image scan follows docs/report.schema.json.
fn assert_valid(report: &Value) {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/report.schema.json"),
    )
    .unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    let v = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = v.iter_errors(report).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
}

fn run(cmd: &str, args: &[&str]) {
    common::require_tool(cmd);
    let out = std::process::Command::new(cmd).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{cmd} {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn scan(target: &Path, extra: &[&str]) -> Value {
    common::scan_json(target, &[&["-q"], extra].concat()).1
}

/// What must not depend on how the tree was delivered: findings (without the layer keys),
/// binaries, units, the summary.
fn judged(report: &Value) -> Value {
    let mut findings = report["findings"].clone();
    for f in findings.as_array_mut().unwrap() {
        let ev = f["evidence"].as_object_mut().unwrap();
        for k in ["layer", "layer_digest", "layer_created_by"] {
            ev.remove(k);
        }
    }
    // The image says more (members it never created, with their layer): compared apart.
    let mut summary = report["summary"].clone();
    summary.as_object_mut().unwrap().remove("diagnostics");
    serde_json::json!({
        "findings": findings,
        "binaries": report["binaries"],
        "units": report["units"],
        "summary": summary,
        "packages": report["packages"],
    })
}

fn write(dir: &Path, name: &str, data: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::File::create(&p).unwrap().write_all(data).unwrap();
    p
}

fn assert_same(dir_report: &Value, image_report: &Value, what: &str) {
    let (a, b) = (judged(dir_report), judged(image_report));
    assert!(
        !a["findings"].as_array().unwrap().is_empty(),
        "{what}: the fixture must have findings"
    );
    if a != b {
        let pa = serde_json::to_string_pretty(&a).unwrap();
        let pb = serde_json::to_string_pretty(&b).unwrap();
        let diff = similar::TextDiff::from_lines(&pa, &pb)
            .unified_diff()
            .context_radius(2)
            .to_string();
        panic!("{what}: directory and image disagree:\n{diff}");
    }
    // Every diagnostic of the directory scan is in the image scan too.
    let di = image_report["diagnostics"].as_array().unwrap();
    for d in dir_report["diagnostics"].as_array().unwrap() {
        assert!(di.contains(d), "{what}: missing diagnostic {d}");
    }
}

#[test]
fn apptree_as_directory_and_as_image_gives_the_same_findings() {
    let (tmp, root) = build("corpora/apptree/build.sh");
    let as_dir = scan(&root, &[]);
    let layer = tar_layer(&root);
    let plain = write(
        tmp.path(),
        "plain.tar",
        &docker_save(std::slice::from_ref(&layer), serde_json::json!({})),
    );
    let gz = {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(&layer).unwrap();
        e.finish().unwrap()
    };
    let zst = zstd::encode_all(&layer[..], 3).unwrap();
    let gz_img = write(
        tmp.path(),
        "gz.tar",
        &docker_save(&[gz], serde_json::json!({})),
    );
    let lone = write(tmp.path(), "layer.tar.zst", &zst);
    for img in [&plain, &gz_img, &lone] {
        let r = scan(img, &[]);
        assert_same(&as_dir, &r, &img.display().to_string());
        assert!(r["source"]["image"]["layers"].is_array());
    }
    // The hard link of the tree is one file judged once, in the image too.
    let r = scan(&plain, &[]);
    let bins = r["binaries"].as_array().unwrap();
    let tool = bins
        .iter()
        .find(|b| b["path"] == "/opt/acme/bin/acme-tool")
        .expect("acme-tool judged");
    assert_eq!(
        tool["hardlinks"],
        serde_json::json!(["/opt/acme/bin/acme-tool-hardlink"])
    );
    // Findings name the layer and the step that made it.
    let f = &r["findings"][0];
    assert_eq!(f["evidence"]["layer"], "0", "{f}");
    assert_eq!(
        f["evidence"]["layer_created_by"],
        "/bin/sh -c #(nop) COPY layer0 /"
    );
    assert_eq!(r["source"]["image"]["format"], "docker-save");
    // The FIFO is reported, never created.
    let diags = r["diagnostics"].to_string();
    assert!(diags.contains("/opt/acme/run/acme.fifo"), "{diags}");
}

#[test]
fn units_fixture_as_image_gives_the_same_findings() {
    let (tmp, root) = build("corpora/units/build.sh");
    let as_dir = scan(&root, &[]);
    let img = write(
        tmp.path(),
        "units.tar",
        &docker_save(&[tar_layer(&root)], serde_json::json!({"User": "acme"})),
    );
    let r = scan(&img, &[]);
    assert_same(&as_dir, &r, "units");
    assert_valid(&r);
    assert_eq!(r["source"]["image"]["config"]["User"], "acme");
}

/// A layer on top of the apptree that deletes files (whiteouts), hides a directory's lower
/// children (opaque) and adds a hard link to a lower file: the scan sees the merged tree.
#[test]
fn upper_layers_delete_hide_and_link_lower_files() {
    let (tmp, root) = build("corpora/apptree/build.sh");
    let lower = tar_layer(&root);
    let mut b = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(tar::EntryType::Regular);
    h.set_size(0);
    h.set_mode(0o644);
    b.append_data(&mut h.clone(), "opt/acme/bin/.wh.hello", &[][..])
        .unwrap();
    b.append_data(&mut h.clone(), "opt/acme/lib/.wh..wh..opq", &[][..])
        .unwrap();
    let mut l = tar::Header::new_gnu();
    l.set_entry_type(tar::EntryType::Link);
    l.set_size(0);
    b.append_link(&mut l, "opt/acme/bin/tool-again", "opt/acme/bin/acme-tool")
        .unwrap();
    let upper = b.into_inner().unwrap();
    let img = write(
        tmp.path(),
        "two.tar",
        &docker_save(&[lower, upper], serde_json::json!({})),
    );
    let merged = scan(&img, &[]);
    let before = scan(&root, &[]);
    let paths = |r: &Value| -> Vec<String> {
        r["binaries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["path"].as_str().unwrap().to_string())
            .collect()
    };
    let (pb, pm) = (paths(&before), paths(&merged));
    assert!(pb.contains(&"/opt/acme/bin/hello".to_string()));
    assert!(!pm.contains(&"/opt/acme/bin/hello".to_string()), "{pm:?}");
    assert!(pb.iter().any(|p| p.starts_with("/opt/acme/lib/")));
    assert!(
        !pm.iter().any(|p| p.starts_with("/opt/acme/lib/")),
        "{pm:?}"
    );
    let tool = merged["binaries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["path"] == "/opt/acme/bin/acme-tool")
        .unwrap();
    let links = tool["hardlinks"].to_string();
    assert!(links.contains("/opt/acme/bin/tool-again"), "{links}");
    // Libraries of the hidden directory are now missing for the programs that need them.
    assert!(
        merged["findings"].to_string().len() != before["findings"].to_string().len(),
        "the opaque directory changes the findings"
    );
    assert_eq!(
        merged["source"]["image"]["layers"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

/// A hostile layer: `..`, absolute paths, a device node, a setuid file. The scan reports them
/// and nothing is created anywhere (the directory holding the image is unchanged).
#[test]
fn hostile_layer_is_reported_and_harmless() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = tar::Builder::new(Vec::new());
    let raw = |b: &mut tar::Builder<Vec<u8>>, name: &[u8], kind: tar::EntryType, mode: u32| {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(kind);
        h.set_mode(mode);
        h.set_size(2);
        h.as_mut_bytes()[..name.len()].copy_from_slice(name);
        h.set_cksum();
        b.append(&h, &b"x\n"[..]).unwrap();
    };
    raw(&mut b, b"../escaped", tar::EntryType::Regular, 0o644);
    raw(&mut b, b"/etc/cron.d/evil", tar::EntryType::Regular, 0o644);
    raw(&mut b, b"dev/mem", tar::EntryType::Char, 0o666);
    raw(&mut b, b"usr/bin/rootme", tar::EntryType::Regular, 0o4755);
    let img = write(dir.path(), "hostile.tar", &b.into_inner().unwrap());
    let before: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let r = scan(&img, &[]);
    let diags = r["diagnostics"].to_string();
    for want in [
        "../escaped",
        "/etc/cron.d/evil",
        "/dev/mem",
        "/usr/bin/rootme",
        "set-user-ID",
    ] {
        assert!(diags.contains(want), "{want}: {diags}");
    }
    let after: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(before, after);
    assert!(!dir.path().parent().unwrap().join("escaped").exists());
}

/// OCI layouts made by the real tools read like the directory: `umoci` (rootless, gzip
/// layers, a config with User and Entrypoint) and `skopeo` (our docker save copied to an OCI
/// archive).
#[test]
fn umoci_and_skopeo_layouts_give_the_same_findings() {
    let (tmp, root) = build("corpora/apptree/build.sh");
    let as_dir = scan(&root, &[]);
    let lay = tmp.path().join("lay");
    let lay_s = lay.to_str().unwrap();
    let image = format!("{lay_s}:acme");
    run("umoci", &["init", "--layout", lay_s]);
    run("umoci", &["new", "--image", &image]);
    // The layer is ours (GNU tar); umoci compresses it and writes manifest and config.
    // (`umoci insert --rootless` of this tree writes a truncated layer with umoci 0.4.7.)
    let layer = write(tmp.path(), "layer.tar", &tar_layer(&root));
    run(
        "umoci",
        &[
            "raw",
            "add-layer",
            "--image",
            &image,
            layer.to_str().unwrap(),
        ],
    );
    run(
        "umoci",
        &[
            "config",
            "--image",
            &image,
            "--config.user",
            "acme",
            "--config.entrypoint",
            "/opt/acme/bin/hello",
        ],
    );
    let r = scan(&lay, &[]);
    assert_same(&as_dir, &r, "umoci layout");
    assert_valid(&r);
    let img = &r["source"]["image"];
    assert_eq!(img["format"], "oci-dir");
    assert_eq!(img["config"]["User"], "acme");
    assert_eq!(
        img["config"]["Entrypoint"],
        serde_json::json!(["/opt/acme/bin/hello"])
    );
    assert!(img["digest"].as_str().unwrap().starts_with("sha256:"));

    let save = write(
        tmp.path(),
        "save.tar",
        &docker_save(&[tar_layer(&root)], serde_json::json!({})),
    );
    let oci_tar = tmp.path().join("oci.tar");
    run(
        "skopeo",
        &[
            "--insecure-policy",
            "copy",
            &format!("docker-archive:{}", save.display()),
            &format!("oci-archive:{}:acme", oci_tar.display()),
        ],
    );
    let r = scan(&oci_tar, &[]);
    assert_same(&as_dir, &r, "skopeo oci-archive");
    assert_eq!(r["source"]["image"]["format"], "oci-tar");
}

/// The image config is judged: the program `Entrypoint` (else `Cmd`) starts, looked up in the
/// config's `PATH`, and its `LD_LIBRARY_PATH` in the loader model.
#[test]
fn entrypoint_cmd_and_env_are_judged() {
    let (tmp, root) = build("corpora/apptree/build.sh");
    let layer = tar_layer(&root);
    let scan_with = |name: &str, run: Value| -> Value {
        let img = write(
            tmp.path(),
            name,
            &docker_save(std::slice::from_ref(&layer), run),
        );
        let r = scan(&img, &[]);
        assert_valid(&r);
        r
    };
    let codes = |r: &Value, prefix: &str| -> Vec<(String, String, Value)> {
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["code"].as_str().unwrap().starts_with(prefix))
            .map(|f| {
                (
                    f["code"].as_str().unwrap().to_string(),
                    f["path"].as_str().unwrap().to_string(),
                    f["evidence"].clone(),
                )
            })
            .collect()
    };
    // Found through the config's PATH; LD_LIBRARY_PATH makes a library off the search path
    // reachable (and says so); User, ports and labels are in the report.
    let r = scan_with(
        "ok.tar",
        serde_json::json!({"Entrypoint": ["hello"], "Cmd": ["--verbose"],
            "Env": ["PATH=/opt/acme/bin:/usr/bin", "LD_LIBRARY_PATH=/opt/acme/lib"],
            "User": "1001", "ExposedPorts": {"8080/tcp": {}}, "Labels": {"team": "acme"}}),
    );
    assert!(
        codes(&r, "image-entrypoint").is_empty(),
        "{:?}",
        codes(&r, "image-")
    );
    let lib = codes(&r, "elf-library-");
    assert!(
        lib.iter().any(
            |(c, p, _)| c == "elf-library-via-ld-library-path" && p == "/opt/acme/bin/no-rpath"
        ),
        "{lib:?}"
    );
    assert!(
        !lib.iter()
            .any(|(c, p, _)| c == "elf-library-off-search-path" && p == "/opt/acme/bin/no-rpath"),
        "{lib:?}"
    );
    let cfg = &r["source"]["image"]["config"];
    assert_eq!(cfg["User"], "1001");
    assert_eq!(cfg["ExposedPorts"], serde_json::json!({"8080/tcp": {}}));
    assert_eq!(cfg["Labels"]["team"], "acme");

    // Missing: Docker's default PATH is searched.
    let r = scan_with(
        "missing.tar",
        serde_json::json!({"Cmd": ["acme-nowhere", "x"]}),
    );
    let found = codes(&r, "image-entrypoint");
    assert_eq!(found.len(), 1, "{found:?}");
    let (code, path, ev) = &found[0];
    assert_eq!(code, "image-entrypoint-missing");
    assert_eq!(path, "/usr/local/sbin/acme-nowhere");
    assert_eq!(ev["key"], "Cmd");
    assert!(
        ev["search_path"]
            .as_str()
            .unwrap()
            .contains("/usr/bin/acme-nowhere")
    );
    assert!(r["summary"]["findings"]["blocker"].as_u64().unwrap() > 0);

    // A carried-over program that breaks: the container cannot start.
    let r = scan_with(
        "breaks.tar",
        serde_json::json!({"Entrypoint": ["/opt/acme/bin/needs-vanished"]}),
    );
    let found = codes(&r, "image-entrypoint");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "image-entrypoint-breaks");
    assert_eq!(found[0].2["program_verdict"], "breaks");
}

/// A file that is no image is a clean error naming it (exit 2), never a panic.
#[test]
fn a_file_that_is_no_image_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "notes.txt", b"just some text, not a tar\n");
    let out = Command::cargo_bin("azl-compat")
        .unwrap()
        .arg("scan")
        .arg(&f)
        .arg("-q")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("notes.txt") && err.contains("neither a directory nor an image"),
        "{err}"
    );
}
