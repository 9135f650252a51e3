//! The report's model types for packages, signing keys and units (the rows the checks fill
//! in and the renderers show); [`super::Report`] holds them. Verdicts and findings are in
//! `crate::findings`.

use crate::findings::{Code, Verdict};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// An Azure Linux package that a source package becomes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AzlPackage {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evr: Option<String>,
    pub channel: String,
}

/// One installed package (or `.rpm` file in the tree) as the report shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageReport {
    pub name: String,
    pub evr: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arch: Option<String>,
    /// `rpm`, `dpkg` or `rpm-file`.
    pub manager: String,
    /// `distro` or `third-party`.
    pub origin: String,
    /// Where it was read (database or `.rpm` file).
    pub location: String,
    /// `shipped`, `provided-by`, `obsoleted-by`, `sdk-only`, `not-published`, `not-shipped`,
    /// `replaced-by-package-manager` (the source's own package machinery: apt, dpkg, yum,
    /// subscription tools) (distro packages), or `carried` (third-party packages: they move
    /// with the workload).
    pub fate: String,
    /// The Azure Linux packages it becomes (or that its requirements need), best first.
    pub azl_packages: Vec<AzlPackage>,
    /// How the fate was decided: `same-name`, `provides`, `obsoletes`, `host-content`,
    /// `debian-map`, `own-provides` / `own-files` (an rpm package's own Provides or files),
    /// `package-role`, `rename` (knowledge/source-distros/package-fates.tsv), `none`.
    pub basis: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<String>,
    pub reason: String,
    /// Moving files or packages that need it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub needed_by: Vec<String>,
    /// Codes of the findings about it.
    pub findings: Vec<Code>,
}

/// An OpenPGP key imported into the rpm database (`gpg-pubkey` entries): not a package.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SigningKey {
    /// The key id (the entry's VERSION: the low 32 bits of the key id, hex).
    pub key_id: String,
    /// The key's creation time (the entry's RELEASE, hex seconds since 1970).
    pub created: String,
    /// The key's user id, as rpm records it (`gpg(CentOS-7 Key ...)`).
    pub summary: String,
    /// The database it was read from.
    pub location: String,
    /// The yum repositories of the tree whose `gpgkey` file holds this key (`ID (FILE:LINE)`):
    /// none for a key no repository of the host names (left over, or imported by hand).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub repositories: Vec<String>,
    /// The key files (`gpgkey=file://...`) that hold it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub key_files: Vec<String>,
}

impl SigningKey {
    /// `gpg-pubkey-KEYID-CREATED`, as `rpm -q gpg-pubkey` names it.
    pub fn name(&self) -> String {
        match self.created.as_str() {
            "" => format!("gpg-pubkey-{}", self.key_id),
            c => format!("gpg-pubkey-{}-{c}", self.key_id),
        }
    }

    /// Which repositories of the host use it, as the reports say it.
    pub fn used_by(&self) -> String {
        if self.repositories.is_empty() {
            "no repository of this host names it".into()
        } else {
            format!("used by {}", self.repositories.join(", "))
        }
    }
}

/// One unit (or SysV script, or rc.local) as the report shows it.
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct UnitReport {
    /// `foo.service`; for a SysV script the unit the generator makes of it.
    pub unit: String,
    /// The file the unit comes from (the init script for SysV units).
    pub path: String,
    /// `system` or `user`.
    pub scope: String,
    /// `workload`, `third-party` or `distro`.
    pub origin: String,
    pub enabled: bool,
    pub masked: bool,
    pub verdict: Verdict,
    /// Codes of the findings about this unit (its files, its programs, its dependencies).
    pub findings: Vec<Code>,
    /// Azure Linux packages its programs need.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub packages: BTreeSet<String>,
    /// The migrated unit as a unified diff (`a/<path>`, `b/<path>`), when a finding is fixable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
    /// Migrated files and drafts (target path, content) for [`crate::checks::units_write::write_fixes`].
    #[serde(skip)]
    pub migrated: Vec<(String, String)>,
}

/// A configuration file generated for the target from a file of the host (an interface's
/// ifcfg, ifupdown or netplan configuration), shown as a diff and written by `--write-fixes`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GeneratedFile {
    /// Where it goes on the target.
    pub path: String,
    /// The host's file it was made from.
    pub from: String,
    /// The program that reads it (`systemd-networkd`, `NetworkManager`).
    pub manager: String,
    /// Permissions to create it with, in octal (`0600`).
    pub mode: String,
    /// The file as a diff against nothing (`--- /dev/null`, `+++ b/<path>`).
    pub diff: String,
    /// The file itself (in the report as `diff`).
    #[serde(skip)]
    pub content: String,
}

impl GeneratedFile {
    pub fn new(path: &str, from: &str, manager: &str, mode: u32, content: String) -> Self {
        GeneratedFile {
            path: path.to_string(),
            from: from.to_string(),
            manager: manager.to_string(),
            mode: format!("{mode:04o}"),
            diff: crate::engine::unit_edit::new_file_diff(path, &content),
            content,
        }
    }

    /// The permissions as a number (0644 when unreadable).
    pub fn mode_bits(&self) -> u32 {
        u32::from_str_radix(&self.mode, 8).unwrap_or(0o644) & 0o777
    }
}
