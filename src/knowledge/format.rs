//! The on-disk pack format, shared by the builder (writes it) and the loader (reads it).
//! docs/knowledge.md describes it for humans; keep both in step.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Bumped on any change a loader of the previous version would misread (a renamed, removed or
/// reordered column, a new required file, a changed meaning). Adding optional `pack.json` fields
/// does not bump it. Loaders accept only the version they were written for.
pub const FORMAT_VERSION: u32 = 1;

pub const PACK_JSON: &str = "pack.json";
pub const PACKAGES: &str = "packages.tsv";
pub const SONAMES: &str = "sonames.tsv";
pub const PATHS: &str = "paths.tsv";
pub const VERSION_NODES: &str = "version-nodes.tsv";
pub const CAPABILITIES: &str = "capabilities.tsv";
pub const README: &str = "README.md";

pub const PACKAGES_COLUMNS: &[&str] = &[
    "name",
    "epoch",
    "version",
    "release",
    "arch",
    "channel",
    "component",
];
pub const SONAMES_COLUMNS: &[&str] = &["soname", "package", "glob", "method", "confidence"];
pub const PATHS_COLUMNS: &[&str] = &["path", "package", "kind", "glob", "method", "confidence"];
pub const VERSION_NODES_COLUMNS: &[&str] = &["soname", "arch", "version_node", "status", "source"];
pub const CAPABILITIES_COLUMNS: &[&str] = &["capability", "kind", "package", "op", "version"];

/// The TSV tables of a pack with their columns, in the order they are written.
pub const TABLES: &[(&str, &[&str])] = &[
    (PACKAGES, PACKAGES_COLUMNS),
    (SONAMES, SONAMES_COLUMNS),
    (PATHS, PATHS_COLUMNS),
    (VERSION_NODES, VERSION_NODES_COLUMNS),
    (CAPABILITIES, CAPABILITIES_COLUMNS),
];

/// `pack.json`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format_version: u32,
    pub id: String,
    pub name: String,
    pub version: String,
    pub arches: Vec<String>,
    /// Flat string map: upstream repo/branch/commit/dates, generator, and one
    /// `sha256:<source file>` entry per source file read.
    #[serde(default)]
    pub provenance: BTreeMap<String, String>,
    /// Row counts per table and of what the builder dropped; the loader checks the table ones.
    #[serde(default)]
    pub counts: BTreeMap<String, u64>,
    #[serde(default)]
    pub baseline_packages: Vec<String>,
    #[serde(default)]
    pub default_search_dirs: BTreeMap<String, Vec<String>>,
    /// PT_INTERP path of the C library's dynamic loader per architecture.
    #[serde(default)]
    pub dynamic_loaders: BTreeMap<String, String>,
    /// What each `source` key of version-nodes.tsv means.
    #[serde(default)]
    pub version_node_sources: BTreeMap<String, String>,
    /// Table file -> its columns (documentation; the loader checks each header against it).
    #[serde(default)]
    pub tables: BTreeMap<String, Vec<String>>,
}

/// Count keys in `pack.json` that hold the number of rows of a table.
pub const COUNT_KEYS: &[(&str, &str)] = &[
    (PACKAGES, "packages"),
    (SONAMES, "soname_rows"),
    (PATHS, "path_rows"),
    (VERSION_NODES, "version_node_rows"),
    (CAPABILITIES, "capability_rows"),
];
