//! Azure overlays (`overlays.tsv`): what Azure Linux changed in a component compared with the
//! Fedora 43 spec it takes (build options, spec edits, replaced sources, pinned commits), from
//! `azurelinux-4.0/overlays.tsv` of the knowledge sources (one row per customized component,
//! read from the component's `.comp.toml`).

use super::format::TargetFacts;
use super::{Pack, format};
use serde::Serialize;
use std::collections::HashSet;

pub const SOURCE_FILE: &str = "overlays.tsv";
/// The source's columns are the pack's.
pub const SOURCE_COLUMNS: &[&str] = format::OVERLAYS_COLUMNS;

/// One customized component.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Overlay {
    pub component: String,
    /// Where the spec comes from: `fedora-43`, `fedora-43@<commit>` (pinned), `fedora-rawhide`,
    /// `local-spec`.
    pub spec_source: String,
    /// Build options set by Azure Linux, space-separated (`without=gtk4`, `defines=rhel=10`,
    /// `check=skipped`, `release=manual`).
    pub build_options: String,
    /// Counts of overlay operations (`spec-search-replace:2,file-add:1`).
    pub overlay_types: String,
    /// Source tarballs Azure Linux replaces.
    pub replaced_sources: String,
    /// The overlays' own descriptions, `; `-separated.
    pub changes: String,
    /// The maintainers' leading comment (may be cut with `...` by the source).
    pub maintainer_note: String,
    /// The `.comp.toml` path in the Azure Linux repository.
    pub toml: String,
}

impl Overlay {
    /// Whether the overlay changes what the packages are, not only how the release is numbered
    /// or whether tests run: overlay operations, build options other than `release=manual` and
    /// `check=skipped`, replaced sources, or a spec from elsewhere than the base distribution's
    /// snapshot (`t.base_id`).
    pub fn is_substantive(&self, t: &TargetFacts) -> bool {
        !self.overlay_types.is_empty()
            || !self.replaced_sources.is_empty()
            || self.spec_source != t.base_id
            || self
                .build_options
                .split_whitespace()
                .any(|o| o != "release=manual" && o != "check=skipped")
    }

    /// One line for the user saying what changed: the overlays' own descriptions when they
    /// read as such (`super::wording`), then build options, where the spec comes from and
    /// replaced sources. The maintainers' notes are research notes: [`Overlay::notes`] gives
    /// them as evidence.
    pub fn summary(&self, t: &TargetFacts) -> String {
        let mut parts = Vec::new();
        if !self.changes.is_empty() && super::wording::research_note(&self.changes).is_none() {
            parts.push(self.changes.clone());
        } else if !self.overlay_types.is_empty() {
            let edits: u64 = self
                .overlay_types
                .split(',')
                .filter_map(|t| t.rsplit_once(':')?.1.parse::<u64>().ok())
                .sum();
            parts.push(format!(
                "{edits} edit{} to the spec or its files",
                if edits == 1 { "" } else { "s" }
            ));
        }
        if !self.build_options.is_empty() {
            parts.push(format!("build options {}", self.build_options));
        }
        if self.spec_source != t.base_id {
            let pinned = self
                .spec_source
                .strip_prefix(t.base_id.as_str())
                .and_then(|r| r.strip_prefix('@'));
            let from = if self.spec_source == "fedora-rawhide" {
                "Fedora's development branch".to_string()
            } else if let Some(c) = pinned {
                format!("{} commit {c}", t.base_name)
            } else if self.spec_source == "local-spec" {
                format!("{}'s own spec", t.name)
            } else {
                self.spec_source.clone()
            };
            parts.push(format!("spec from {from}"));
        }
        if !self.replaced_sources.is_empty() {
            parts.push(format!("replaced sources {}", self.replaced_sources));
        }
        parts.join("; ")
    }

    /// The overlays' descriptions and the maintainers' note as written in the `.comp.toml`
    /// (provenance: evidence, not a sentence for the user).
    pub fn notes(&self) -> Vec<String> {
        [&self.changes, &self.maintainer_note]
            .into_iter()
            .filter(|s| !s.is_empty())
            .cloned()
            .collect()
    }
}

impl Pack {
    /// The Azure overlay of a source component, if Azure Linux customized it.
    pub fn overlay(&self, component: &str) -> Option<&Overlay> {
        self.overlay_index()?.get(component)
    }

    /// Every customized component, sorted by name (empty when the pack has no overlays table).
    pub fn overlays(&self) -> impl Iterator<Item = &Overlay> {
        self.overlay_index().into_iter().flat_map(|m| m.values())
    }

    /// Whether the pack has an overlays table.
    pub fn has_overlays(&self) -> bool {
        self.overlay_index().is_some()
    }
}

/// Check one row (fields in [`format::OVERLAYS_COLUMNS`] order); `known_component` says
/// whether packages.tsv has a package of that component.
pub fn check_row(f: &[&str], known_component: &dyn Fn(&str) -> bool) -> Result<Overlay, String> {
    let [
        component,
        spec_source,
        build_options,
        overlay_types,
        replaced,
        changes,
        note,
        toml,
    ] = f
    else {
        return Err(format!(
            "expected {} fields",
            format::OVERLAYS_COLUMNS.len()
        ));
    };
    if component.is_empty() {
        return Err("empty component".into());
    }
    if component.contains("%{") {
        return Err(format!("unexpanded macro in `{component}`"));
    }
    if !known_component(component) {
        return Err(format!(
            "component `{component}` has no package in {}",
            format::PACKAGES
        ));
    }
    if spec_source.is_empty() || toml.is_empty() {
        return Err("empty spec_source or toml".into());
    }
    Ok(Overlay {
        component: component.to_string(),
        spec_source: spec_source.to_string(),
        build_options: build_options.to_string(),
        overlay_types: overlay_types.to_string(),
        replaced_sources: replaced.to_string(),
        changes: changes.to_string(),
        maintainer_note: note.to_string(),
        toml: toml.to_string(),
    })
}

/// The pack's rows from the source's, checked and sorted.
pub(super) fn pack_rows(
    source_rows: Vec<Vec<String>>,
    components: &HashSet<String>,
) -> Result<Vec<Vec<String>>, String> {
    let mut out = Vec::with_capacity(source_rows.len());
    for row in source_rows {
        let f: Vec<&str> = row.iter().map(String::as_str).collect();
        check_row(&f, &|c| components.contains(c)).map_err(|e| format!("{}: {e}", f[0]))?;
        out.push(row);
    }
    out.sort();
    out.dedup();
    Ok(out)
}
