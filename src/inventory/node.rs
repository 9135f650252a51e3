//! Node.js in the tree: `package.json` files (their `engines.node` range) and native addons
//! (`*.node`, ELF shared objects, judged as libraries by the ELF checks), whose exported
//! registration symbol says which Node.js ABI they were built for: `node_register_module_vN`
//! (NODE_MODULE_VERSION N, one Node.js major) or `napi_register_module_v1` (Node-API, stable
//! across Node.js versions).
//!
//! The walk notes the files by name; they are read after ownership is known, through the
//! [`Source`], capped. Files owned by the source distribution's packages are not read.

use super::ownership::{Origin, Ownership};
use super::{Inventory, file_name};
use crate::findings::Diagnostic;
use crate::source::Source;

/// `package.json` files are read up to this many bytes.
pub const MAX_PACKAGE_JSON: u64 = 1 << 20;
/// Addons are searched for their registration symbol in their first this many bytes.
pub const MAX_ADDON_READ: u64 = 64 << 20;

/// Whether the walk notes a regular file for this module (by its target path; cheap).
pub fn noted(path: &str) -> bool {
    let name = file_name(path);
    name == "package.json" || name.ends_with(".node")
}

/// A `package.json` with an `engines.node` range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodePackage {
    pub path: String,
    pub name: String,
    pub version: String,
    pub engines_node: String,
}

/// What an addon's exports say about the ABI it was built for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddonAbi {
    /// `node_register_module_vN`: built against one Node.js ABI (NODE_MODULE_VERSION N).
    ModuleVersion(u32),
    /// `napi_register_module_v1`: Node-API.
    NodeApi,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Addon {
    pub path: String,
    pub abi: AddonAbi,
}

#[derive(Clone, Debug, Default)]
pub struct NodeInventory {
    pub packages: Vec<NodePackage>,
    pub addons: Vec<Addon>,
    pub diagnostics: Vec<Diagnostic>,
}

fn read_capped(source: &dyn Source, path: &str, cap: u64, whole: bool) -> std::io::Result<Vec<u8>> {
    let mut out = source
        .open(&super::names::to_path(path))?
        .read_prefix(cap + 1)?;
    if whole && out.len() as u64 > cap {
        return Err(std::io::Error::new(
            std::io::ErrorKind::FileTooLarge,
            format!("larger than {cap} bytes"),
        ));
    }
    out.truncate(cap as usize);
    Ok(out)
}

/// Read what the walk noted.
pub fn collect(source: &dyn Source, inv: &Inventory, own: &Ownership) -> NodeInventory {
    let mut out = NodeInventory::default();
    let distro = |p: &str| own.owner(p).is_some_and(|o| o.origin == Origin::Distro);
    for path in inv.runtime_files.iter().filter(|p| noted(p)) {
        if distro(path) {
            continue;
        }
        if file_name(path) == "package.json" {
            match read_capped(source, path, MAX_PACKAGE_JSON, true) {
                Ok(b) => match parse_package_json(path, &b) {
                    Ok(Some(p)) => out.packages.push(p),
                    Ok(None) => {}
                    Err(e) => out.diagnostics.push(Diagnostic::new(
                        path,
                        format!("malformed package.json: {e}"),
                    )),
                },
                Err(e) => {
                    out.diagnostics
                        .push(Diagnostic::unread(path, "cannot read package.json", &e))
                }
            }
        } else {
            // Only ELF addons (a Mach-O or PE prebuild for another OS is never loaded here).
            let Some(id) = inv.object_at(path) else {
                continue;
            };
            if inv.objects[id].elf().is_none() || !inv.objects[id].carried_over() {
                continue;
            }
            match read_capped(source, path, MAX_ADDON_READ, false) {
                Ok(b) => {
                    if let Some(abi) = addon_abi(&b) {
                        out.addons.push(Addon {
                            path: path.clone(),
                            abi,
                        });
                    }
                }
                Err(e) => out
                    .diagnostics
                    .push(Diagnostic::unread(path, "cannot read addon", &e)),
            }
        }
    }
    out
}

/// The `engines.node` of a `package.json` (`None` when it has none).
pub fn parse_package_json(path: &str, bytes: &[u8]) -> Result<Option<NodePackage>, String> {
    let v: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    let Some(range) = v
        .get("engines")
        .and_then(|e| e.get("node"))
        .and_then(|n| n.as_str())
    else {
        return Ok(None);
    };
    let s = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
    Ok(Some(NodePackage {
        path: path.to_string(),
        name: s("name"),
        version: s("version"),
        engines_node: range.to_string(),
    }))
}

/// The registration symbol an addon exports, found in its bytes (the dynamic string table).
pub fn addon_abi(bytes: &[u8]) -> Option<AddonAbi> {
    const V8: &[u8] = b"node_register_module_v";
    const NAPI: &[u8] = b"napi_register_module_v";
    let mut found = None;
    let mut i = 0;
    while let Some(at) = find(&bytes[i..], b"_register_module_v") {
        let start = i + at;
        let end = start + b"_register_module_v".len();
        if start >= 4 && &bytes[start - 4..end] == V8 {
            let digits: Vec<u8> = bytes[end..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .copied()
                .collect();
            if let Ok(n) = std::str::from_utf8(&digits).unwrap_or("").parse() {
                return Some(AddonAbi::ModuleVersion(n));
            }
        } else if start >= 4 && &bytes[start - 4..end] == NAPI {
            found = Some(AddonAbi::NodeApi);
        }
        i = end;
    }
    found
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addon_symbols() {
        assert_eq!(
            addon_abi(b"\0node_register_module_v93\0other"),
            Some(AddonAbi::ModuleVersion(93))
        );
        assert_eq!(
            addon_abi(b"\0napi_register_module_v1\0"),
            Some(AddonAbi::NodeApi)
        );
        assert_eq!(addon_abi(b"nothing here"), None);
    }

    #[test]
    fn package_json_engines() {
        let p = parse_package_json(
            "/a/package.json",
            br#"{"name":"x","version":"1.0.0","engines":{"node":">=14 <17"}}"#,
        )
        .unwrap()
        .unwrap();
        assert_eq!(p.engines_node, ">=14 <17");
        assert_eq!(
            parse_package_json("/a/package.json", br#"{"name":"x"}"#).unwrap(),
            None
        );
        assert!(parse_package_json("/a/package.json", b"{").is_err());
    }
}
