//! Embeds every knowledge pack: each `knowledge/<id>/` with a `pack.json` becomes an entry of
//! `$OUT_DIR/embedded_packs.rs` (`pack.json` and every `*.tsv`, as `include_str!`), so adding a
//! pack needs no code change. src/knowledge/mod.rs includes the table and parses each pack on
//! first use; `knowledge/targets/default` names the default target. Keep this tiny: it runs before every build of the crate.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    // Read at run time: `env!` would bake in the directory the script was first compiled in
    // (a target directory copied from another checkout would embed that checkout's packs).
    let manifest_dir =
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let root = Path::new(&manifest_dir).join("knowledge");
    // A directory: cargo reruns this script when anything below it changes (a new pack, a new
    // table); `include_str!` already tracks the files themselves.
    println!("cargo:rerun-if-changed=knowledge");
    println!("cargo:rerun-if-changed=build.rs");

    let mut packs: Vec<(String, Vec<String>)> = Vec::new();
    for entry in std::fs::read_dir(&root).expect("read knowledge/") {
        let dir = entry.expect("read knowledge/").path();
        if !dir.join("pack.json").is_file() {
            continue; // platform/, source-distros/: not packs
        }
        let id = dir.file_name().unwrap().to_str().expect("UTF-8 pack id");
        let mut files: Vec<String> = std::fs::read_dir(&dir)
            .expect("read a pack directory")
            .filter_map(|e| {
                let name = e.ok()?.file_name().into_string().ok()?;
                (name == "pack.json" || name.ends_with(".tsv")).then_some(name)
            })
            .collect();
        files.sort();
        packs.push((id.to_string(), files));
    }
    packs.sort();

    let mut out = String::from(
        "/// Every pack in `knowledge/` (id, then each file name and text), sorted by id.\n\
         pub(crate) static EMBEDDED: &[(&str, &[(&str, &str)])] = &[\n",
    );
    for (id, files) in &packs {
        let _ = writeln!(out, "    ({id:?}, &[");
        for f in files {
            let path = root.join(id).join(f);
            let path = path.to_str().expect("UTF-8 path");
            let _ = writeln!(out, "        ({f:?}, include_str!({path:?})),");
        }
        out.push_str("    ]),\n");
    }
    out.push_str("];\n");
    // The target when `--target` is not given: knowledge/targets/default names it (data, so
    // that no source file names a target).
    let default = std::fs::read_to_string(root.join("targets").join("default"))
        .expect("read knowledge/targets/default");
    let default = default.trim();
    assert!(
        packs.iter().any(|(id, _)| id == default),
        "knowledge/targets/default names `{default}`, which has no pack in knowledge/"
    );
    let _ = writeln!(
        out,
        "/// The default target (knowledge/targets/default).\npub const DEFAULT_TARGET_ID: &str = {default:?};"
    );
    let dest = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("embedded_packs.rs");
    std::fs::write(dest, out).expect("write embedded_packs.rs");
}
