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
/// Optional (see [`OPTIONAL_TABLES`]): Debian/Ubuntu package -> Azure Linux packages.
pub const DEBIAN_MAP: &str = "debian-map.tsv";
/// Optional: what Azure Linux changed in a component compared with Fedora.
pub const OVERLAYS: &str = "overlays.tsv";
/// Optional: systemd unit -> package (src/knowledge/units.rs).
pub const UNITS: &str = "units.tsv";
/// Optional: the target's systemd preset lines, in evaluation order.
pub const UNIT_PRESETS: &str = "unit-presets.tsv";
/// Optional: directives and interfaces that changed on the way to systemd 258.
pub const UNIT_DIRECTIVES: &str = "unit-directives.tsv";
/// Optional: unit names the target does not ship, with what replaces them.
pub const UNIT_REPLACEMENTS: &str = "unit-replacements.tsv";
/// Optional: the packages each target profile (an image: vm-base, the container bases) has
/// installed (src/knowledge/profiles.rs).
pub const PROFILES: &str = "profiles.tsv";
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
pub const DEBIAN_MAP_COLUMNS: &[&str] = &[
    "debian_package",
    "debian_source",
    "suites",
    "packages",
    "method",
    "confidence",
    "channel",
    "evidence",
];
pub const OVERLAYS_COLUMNS: &[&str] = &[
    "component",
    "spec_source",
    "build_options",
    "overlay_types",
    "replaced_sources",
    "changes",
    "maintainer_note",
    "toml",
];
pub const UNITS_COLUMNS: &[&str] = &["unit", "package", "scope", "glob", "method", "confidence"];
pub const UNIT_PRESETS_COLUMNS: &[&str] = &["scope", "order", "action", "pattern", "file"];
pub const UNIT_DIRECTIVES_COLUMNS: &[&str] = &[
    "directive",
    "section",
    "status",
    "replacement",
    "since",
    "fact",
    "source",
    "id",
    "codes",
    "coverage",
];
pub const UNIT_REPLACEMENTS_COLUMNS: &[&str] = &["unit", "kind", "replacement", "reason", "source"];
pub const PROFILES_COLUMNS: &[&str] = &["profile", "package", "arch", "entry", "source"];

/// The TSV tables of a pack with their columns, in the order they are written.
pub const TABLES: &[(&str, &[&str])] = &[
    (PACKAGES, PACKAGES_COLUMNS),
    (SONAMES, SONAMES_COLUMNS),
    (PATHS, PATHS_COLUMNS),
    (VERSION_NODES, VERSION_NODES_COLUMNS),
    (CAPABILITIES, CAPABILITIES_COLUMNS),
    (DEBIAN_MAP, DEBIAN_MAP_COLUMNS),
    (OVERLAYS, OVERLAYS_COLUMNS),
    (UNITS, UNITS_COLUMNS),
    (UNIT_PRESETS, UNIT_PRESETS_COLUMNS),
    (UNIT_DIRECTIVES, UNIT_DIRECTIVES_COLUMNS),
    (UNIT_REPLACEMENTS, UNIT_REPLACEMENTS_COLUMNS),
    (PROFILES, PROFILES_COLUMNS),
];

/// Tables a pack may lack (a pack imported from repository metadata has neither); a loader
/// treats a missing optional file as absent, not as an error, so adding one does not change
/// `format_version`.
pub const OPTIONAL_TABLES: &[&str] = &[
    DEBIAN_MAP,
    OVERLAYS,
    UNITS,
    UNIT_PRESETS,
    UNIT_DIRECTIVES,
    UNIT_REPLACEMENTS,
    PROFILES,
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
    /// Where a command name without a `/` is found on the target (shells' default PATH,
    /// systemd's Exec search path), in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub command_path: Vec<String>,
    /// What each `source` key of version-nodes.tsv means.
    #[serde(default)]
    pub version_node_sources: BTreeMap<String, String>,
    /// Table file -> its columns (documentation; the loader checks each header against it).
    #[serde(default)]
    pub tables: BTreeMap<String, Vec<String>>,
    /// Target profile -> what it is (`profiles.tsv` lists its packages).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub profiles: BTreeMap<String, String>,
    /// The rpm-family cross-check of Debian-derived soname rows (docs/knowledge.md): `soname
    /// package` of each row replaced or dropped -> what was decided and on which evidence.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub soname_cross_check: BTreeMap<String, String>,
    /// The target's own facts from its manifest (knowledge/targets/<id>/manifest.toml): every
    /// text that names the target, a version of its platform or its package manager takes it
    /// from here ([`TargetFacts::fill`]).
    #[serde(default)]
    pub target: TargetFacts,
    /// Facts about the target the pack has no table for, by topic (`presets`, `defaults`,
    /// `groups`): texts citing their source, from the manifest's `[notes]`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub notes: BTreeMap<String, Vec<String>>,
}

/// What the messages say about the target (pack.json `target`), from its manifest.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TargetFacts {
    /// Distribution name and version, and both together as people write them.
    pub name: String,
    pub version: String,
    pub pretty_name: String,
    /// The distribution the target derives from: its id (as spec sources name it) and name.
    pub base_id: String,
    pub base_name: String,
    /// Versions of the target's platform components as messages cite them: `systemd`,
    /// `systemd_sysv_removal` (the systemd release that removes the SysV generator and
    /// rc-local), `glibc`, `openssl`, `kernel`, `python`, `rpm`.
    pub versions: BTreeMap<String, String>,
    /// The package manager and the command that installs packages with it.
    pub package_manager: String,
    pub install_command: String,
    /// Paths of the package manager's commands (an image with one can install packages).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub package_manager_commands: Vec<String>,
    /// The flag that answers yes to every question (`-y`).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub assume_yes: String,
    /// The commands that refresh the repository metadata, upgrade every package
    /// non-interactively, remove packages non-interactively (before their names) and drop the
    /// caches.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub refresh_command: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub upgrade_command: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub remove_command: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub clean_command: String,
}

impl TargetFacts {
    /// A version by key (`systemd` -> `258`); empty when the manifest has none.
    pub fn version(&self, key: &str) -> &str {
        self.versions.get(key).map_or("", String::as_str)
    }
    /// The name with its indefinite article, as in "an Azure Linux spec".
    pub fn a_name(&self) -> String {
        let vowel = self
            .name
            .chars()
            .next()
            .is_some_and(|c| "AEIOUaeiou".contains(c));
        format!("{} {}", if vowel { "an" } else { "a" }, self.name)
    }
    pub fn systemd(&self) -> &str {
        self.version("systemd")
    }
    /// The install command for some packages (`dnf install a b`).
    pub fn install(&self, packages: &[impl AsRef<str>]) -> String {
        let mut s = self.install_command.clone();
        for p in packages {
            s.push(' ');
            s.push_str(p.as_ref());
        }
        s
    }
    /// The non-interactive install command for some packages (`dnf install -y a b`).
    pub fn install_yes(&self, packages: &[impl AsRef<str>]) -> String {
        let mut words: Vec<&str> = Vec::with_capacity(packages.len() + 1);
        if !self.assume_yes.is_empty() {
            words.push(&self.assume_yes);
        }
        words.extend(packages.iter().map(AsRef::as_ref));
        self.install(&words)
    }
    /// Fill a text's placeholders: `{target}` (pretty name), `{name}`, `{a_name}` (the name with
    /// its article: `an Azure Linux`), `{version}`, `{base}`
    /// (base name), `{base_id}`, `{install}` (install command), `{package_manager}`, and
    /// `{<version key>}` (`{systemd}`, `{kernel}` ...). Anything else in braces is kept as it is.
    pub fn fill(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len() + 16);
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let value = after.find('}').and_then(|close| {
                let key = &after[..close];
                self.placeholder(key).map(|v| (v, close))
            });
            match value {
                Some((v, close)) => {
                    out.push_str(&v);
                    rest = &after[close + 1..];
                }
                None => {
                    out.push('{');
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out
    }
    fn placeholder(&self, key: &str) -> Option<std::borrow::Cow<'_, str>> {
        if key == "a_name" {
            return Some(self.a_name().into());
        }
        Some(std::borrow::Cow::Borrowed(match key {
            "target" => &self.pretty_name,
            "name" => &self.name,
            "version" => &self.version,
            "base" => &self.base_name,
            "base_id" => &self.base_id,
            "install" => &self.install_command,
            "package_manager" => &self.package_manager,
            k => self.versions.get(k)?,
        }))
    }
}

/// Count keys in `pack.json` that hold the number of rows of a table.
pub const COUNT_KEYS: &[(&str, &str)] = &[
    (PACKAGES, "packages"),
    (SONAMES, "soname_rows"),
    (PATHS, "path_rows"),
    (VERSION_NODES, "version_node_rows"),
    (CAPABILITIES, "capability_rows"),
    (DEBIAN_MAP, "debian_map_rows"),
    (OVERLAYS, "overlay_rows"),
    (UNITS, "unit_rows"),
    (UNIT_PRESETS, "unit_preset_rows"),
    (UNIT_DIRECTIVES, "unit_directive_rows"),
    (UNIT_REPLACEMENTS, "unit_replacement_rows"),
    (PROFILES, "profile_rows"),
];
