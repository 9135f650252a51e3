//! The target manifest (`knowledge/targets/<id>/manifest.toml`): the facts about a target that
//! the project keeps itself (name, version, base distribution, platform versions, package
//! manager, arches, baseline packages, loaders, the file names of the platform tables). The
//! builder reads it with the upstream-derived sources; the pack records what messages need of
//! it as [`TargetFacts`] (pack.json `target`). docs/knowledge.md, "The target manifest".

use crate::knowledge::format::TargetFacts;
use anyhow::{Context, Result, anyhow, bail};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The manifest's file name inside its target directory.
pub const FILE: &str = "manifest.toml";

/// A parsed manifest, with the directory it was read from (its own tables sit beside it).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetManifest {
    pub target: Target,
    pub base: Base,
    pub versions: BTreeMap<String, String>,
    pub package_manager: PackageManager,
    pub commands: Commands,
    pub packages: Packages,
    /// Per architecture: its dynamic loader and the loader's trusted directories.
    pub arch: BTreeMap<String, Arch>,
    pub sources: Sources,
    /// `source` keys of version-nodes.tsv (by role: glibc, glibc_extra, libstdcxx, libgcc,
    /// openssl, distro) and what they mean.
    pub version_node_sources: BTreeMap<String, NodeSource>,
    /// Facts the pack has no table for, by topic (`presets`, `defaults`, `groups`), as texts
    /// citing their source.
    #[serde(default)]
    pub notes: BTreeMap<String, Vec<String>>,
    #[serde(skip)]
    pub dir: PathBuf,
    /// The manifest's own text (checksummed into the pack's provenance).
    #[serde(skip)]
    pub text: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    pub id: String,
    pub name: String,
    pub version: String,
    pub pretty_name: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Base {
    pub id: String,
    pub name: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackageManager {
    pub name: String,
    pub install: String,
    /// Paths of the package manager's commands: an image that has one can install packages.
    pub commands: Vec<String>,
    /// The flag that answers yes to every question.
    pub assume_yes: String,
    /// The commands that refresh the metadata, upgrade everything, remove packages (before
    /// their names) and drop the caches.
    pub refresh: String,
    pub upgrade: String,
    pub remove: String,
    pub clean: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Commands {
    /// Where a command name without a `/` is found, in order.
    pub path: Vec<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Packages {
    pub arches: Vec<String>,
    pub baseline: Vec<String>,
    /// The package that ships the dynamic loader.
    pub loader: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Arch {
    pub loader: String,
    pub loader_soname: String,
    pub search_dirs: Vec<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sources {
    pub distro_dir: String,
    pub platform_dir: String,
    pub provides_arch: String,
    pub glibc_version_nodes: String,
    pub gcc_version_nodes: String,
    pub openssl_symbols: String,
    pub unit_directives: String,
    pub unit_directives_status_column: String,
    /// Beside the manifest: unit names the target does not ship, with what replaces them
    /// (`unit kind replacement reason source`; reasons may use placeholders).
    pub unit_replacements: String,
    /// Beside the manifest: units the Debian-derived supplement lists that the target's
    /// systemd does not have (`unit reason`).
    pub contradicted_units: String,
    /// Beside the manifest: a stable id, the codes and the coverage of each unit_directives row
    /// (`directive id codes coverage`).
    pub unit_directive_rows: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeSource {
    pub key: String,
    pub about: String,
}

/// The version keys every manifest must give (messages cite them).
pub const REQUIRED_VERSIONS: &[&str] = &[
    "systemd",
    "systemd_sysv_removal",
    "glibc",
    "openssl",
    "kernel",
    "python",
    "rpm",
];

/// The roles of [`TargetManifest::version_node_sources`] the builder uses.
pub const NODE_SOURCE_ROLES: &[&str] = &[
    "glibc",
    "glibc_extra",
    "libstdcxx",
    "libgcc",
    "openssl",
    "distro",
];

impl TargetManifest {
    /// Read and check a manifest file.
    pub fn read(path: &Path) -> Result<TargetManifest> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read target manifest {}", path.display()))?;
        let mut m = Self::parse(&text).with_context(|| format!("{}", path.display()))?;
        m.dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Ok(m)
    }

    /// Parse and check a manifest's text.
    pub fn parse(text: &str) -> Result<TargetManifest> {
        let mut m: TargetManifest = toml::from_str(text).map_err(|e| anyhow!("{e}"))?;
        m.text = text.to_string();
        for k in REQUIRED_VERSIONS {
            if m.versions.get(*k).is_none_or(|v| v.is_empty()) {
                bail!("[versions] has no `{k}`");
            }
        }
        for r in NODE_SOURCE_ROLES {
            if !m.version_node_sources.contains_key(*r) {
                bail!("[version_node_sources] has no `{r}`");
            }
        }
        if m.packages.arches.is_empty() {
            bail!("[packages] arches is empty");
        }
        for a in &m.packages.arches {
            if !m.arch.contains_key(a) {
                bail!("no [arch.{a}] for an arch of [packages] arches");
            }
        }
        for (what, v) in [
            ("target.id", &m.target.id),
            ("target.name", &m.target.name),
            ("target.version", &m.target.version),
            ("target.pretty_name", &m.target.pretty_name),
            ("package_manager.install", &m.package_manager.install),
            ("package_manager.assume_yes", &m.package_manager.assume_yes),
            ("package_manager.refresh", &m.package_manager.refresh),
            ("package_manager.upgrade", &m.package_manager.upgrade),
            ("package_manager.remove", &m.package_manager.remove),
            ("package_manager.clean", &m.package_manager.clean),
        ] {
            if v.trim().is_empty() {
                bail!("`{what}` is empty");
            }
        }
        if m.package_manager.commands.is_empty() {
            bail!("[package_manager] commands is empty");
        }
        Ok(m)
    }

    /// The `source` key of version-nodes.tsv for a role of [`NODE_SOURCE_ROLES`].
    pub fn node_source(&self, role: &str) -> &str {
        self.version_node_sources
            .get(role)
            .map_or("", |s| s.key.as_str())
    }

    /// What the pack records for the messages.
    pub fn facts(&self) -> TargetFacts {
        TargetFacts {
            name: self.target.name.clone(),
            version: self.target.version.clone(),
            pretty_name: self.target.pretty_name.clone(),
            base_id: self.base.id.clone(),
            base_name: self.base.name.clone(),
            versions: self.versions.clone(),
            package_manager: self.package_manager.name.clone(),
            install_command: self.package_manager.install.clone(),
            package_manager_commands: self.package_manager.commands.clone(),
            assume_yes: self.package_manager.assume_yes.clone(),
            refresh_command: self.package_manager.refresh.clone(),
            upgrade_command: self.package_manager.upgrade.clone(),
            remove_command: self.package_manager.remove.clone(),
            clean_command: self.package_manager.clean.clone(),
        }
    }
}

/// The manifest of a target in a checkout: `<repo>/knowledge/targets/<id>/manifest.toml`.
pub fn in_checkout(repo: &Path, id: &str) -> PathBuf {
    repo.join("knowledge").join("targets").join(id).join(FILE)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn committed() -> TargetManifest {
        TargetManifest::read(&in_checkout(
            Path::new(env!("CARGO_MANIFEST_DIR")),
            crate::knowledge::target::DEFAULT_TARGET,
        ))
        .unwrap()
    }

    #[test]
    fn the_committed_manifest_parses_and_fills_texts() {
        let m = committed();
        assert_eq!(m.target.id, crate::knowledge::target::DEFAULT_TARGET);
        let f = m.facts();
        assert_eq!(
            f.fill("on {target} (systemd {systemd}): {install} x; {unknown} {"),
            format!(
                "on {} (systemd {}): {} x; {{unknown}} {{",
                m.target.pretty_name, m.versions["systemd"], m.package_manager.install
            )
        );
        assert_eq!(f.install(&["a", "b"]), format!("{} a b", f.install_command));
    }

    #[test]
    fn a_manifest_missing_a_version_is_refused() {
        let text = committed().text.replace("kernel = ", "kernel_x = ");
        let e = TargetManifest::parse(&text).unwrap_err().to_string();
        assert!(e.contains("no `kernel`"), "{e}");
    }
}
