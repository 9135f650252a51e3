//! Derived queries over a loaded pack, for findings' messages and fixes.

use super::{Confidence, Pack, Provider};

impl Pack {
    /// The pack's notes on a topic (`defaults`, `presets`, `groups`); empty when it has none.
    pub fn notes(&self, topic: &str) -> &[String] {
        self.notes.get(topic).map_or(&[], Vec::as_slice)
    }

    /// The target as people write it (its manifest's pretty name, else name and version).
    pub fn name_version(&self) -> String {
        if !self.target.pretty_name.is_empty() {
            return self.target.pretty_name.clone();
        }
        format!("{} {}", self.name, self.version).trim().to_string()
    }

    /// A human summary: id, provenance and counts.
    pub fn info(&self) -> String {
        use std::fmt::Write;
        let mut o = String::new();
        let _ = writeln!(o, "pack        {}", self.id);
        let _ = writeln!(
            o,
            "target      {} ({})",
            self.name_version(),
            self.arches.join(", ")
        );
        let t = &self.target;
        if !t.versions.is_empty() {
            let versions: Vec<String> =
                t.versions.iter().map(|(k, v)| format!("{k} {v}")).collect();
            let _ = writeln!(o, "platform    {}", versions.join(", "));
        }
        if !t.base_name.is_empty() || !t.install_command.is_empty() {
            let _ = writeln!(
                o,
                "base        {}; installs with `{}`",
                t.base_name, t.install_command
            );
        }
        for (k, v) in &self.provenance {
            let _ = writeln!(o, "{k:<11} {v}");
        }
        // Names count once; the builder's counts below are table rows (a package built for
        // two arches, or a path two packages ship, is one name in several rows).
        let rows = |k: &str| {
            self.counts
                .get(k)
                .map(|n| format!(" in {n} rows"))
                .unwrap_or_default()
        };
        let _ = writeln!(
            o,
            "packages    {} names{}",
            self.packages.len(),
            rows("packages")
        );
        let _ = writeln!(
            o,
            "sonames     {} names{} (+{} globs)",
            self.sonames.len(),
            rows("sonames_concrete"),
            self.soname_globs.len()
        );
        let _ = writeln!(
            o,
            "paths       {} paths{} (+{} globs)",
            self.paths.len(),
            rows("paths_concrete"),
            self.path_globs.len()
        );
        let lists: usize = self.version_nodes.values().map(|a| a.len()).sum();
        let _ = writeln!(
            o,
            "version nodes for {} sonames in {lists} lists (one per arch or `*`)",
            self.version_nodes.len()
        );
        let caps: usize = self.capability_index().rows();
        let _ = writeln!(o, "capabilities {caps}");
        match &self.debian_map {
            Some(_) => {
                let get = |k: &str| self.counts.get(k).copied().unwrap_or(0);
                let _ = writeln!(
                    o,
                    "debian map  {} Debian/Ubuntu packages ({} mapped)",
                    get("debian_map_rows"),
                    get("debian_map_mapped")
                );
            }
            None => {
                let _ = writeln!(o, "debian map  none");
            }
        }
        let _ = writeln!(o, "overlays    {} components", self.overlays().count());
        for (i, p) in self.profiles().enumerate() {
            let label = if i == 0 { "profiles" } else { "" };
            let n = p.package_names().len();
            let _ = writeln!(o, "{label:<11} {}: {n} packages, {}", p.name, p.description);
        }
        if let Some(p) = self.profile() {
            let _ = writeln!(
                o,
                "profile     {} (installed: {})",
                p.name,
                p.package_names().join(", ")
            );
        }
        let _ = writeln!(
            o,
            "table rows and dropped rows, as the builder counted them (pack.json):"
        );
        for (k, v) in &self.counts {
            let _ = writeln!(o, "  {k:<34} {v}");
        }
        o
    }

    /// The program interpreter paths the pack knows (facts derived with method `abi`).
    pub fn loader_paths(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .paths
            .iter()
            .filter(|(_, ps)| ps.iter().any(|p| p.method == "abi"))
            .map(|(path, _)| path.to_string())
            .collect();
        v.sort();
        v
    }

    /// Other sonames the target ships for the same library (`libssl.so.3` for `libssl.so.1.1`),
    /// with their best provider, sorted. A name known only from a `%files` entry whose soname
    /// the sources cut after its first number (provides.tsv, method `spec-files`, medium) is
    /// not a real file name: it is given as a pattern (`libappstream.so.5*`), never as a
    /// soname to rebuild against.
    pub fn soname_alternatives(&self, soname: &str) -> Vec<(String, Provider)> {
        let Some(stem) = soname_stem(soname) else {
            return Vec::new();
        };
        // Only keys that start with `stem.so.` can have the stem: a range of the sorted keys,
        // not a pass over every soname the target ships (this runs once per missing library).
        let prefix = format!("{stem}.so.");
        let mut out: Vec<(String, Provider)> = self
            .sonames
            .keys_with_prefix(&prefix)
            .filter(|s| *s != soname && soname_stem(s) == Some(stem))
            .filter_map(|s| {
                let best = self
                    .soname_providers(s)
                    .into_iter()
                    .find(|p| self.package(p.package).is_none_or(|k| k.channel.shipped()))?;
                let truncated =
                    best.method == "spec-files" && best.confidence == Confidence::Medium;
                let name = if truncated {
                    format!("{s}*")
                } else {
                    s.to_string()
                };
                Some((name, best))
            })
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }
}

/// `libssl` for `libssl.so.1.1`; `None` when the name has no versioned `.so.` part.
pub fn soname_stem(soname: &str) -> Option<&str> {
    let i = soname.find(".so.")?;
    let rest = &soname[i + 4..];
    rest.starts_with(|c: char| c.is_ascii_digit())
        .then_some(&soname[..i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncated_sonames_are_patterns_not_names() {
        let pack = Pack::builtin();
        let alts = pack.soname_alternatives("libappstream.so.4");
        assert!(!alts.is_empty());
        // provides.tsv has only `libappstream.so.1` and `.so.5` (first numbers): no real name.
        assert!(alts.iter().all(|(s, _)| s.ends_with('*')), "{alts:?}");
        // Real sonames stay names.
        let ssl = pack.soname_alternatives("libssl.so.1.1");
        assert!(ssl.iter().any(|(s, _)| s == "libssl.so.3"), "{ssl:?}");
    }

    #[test]
    fn stems() {
        assert_eq!(soname_stem("libssl.so.1.1"), Some("libssl"));
        assert_eq!(soname_stem("libicuuc.so.72"), Some("libicuuc"));
        assert_eq!(soname_stem("libfoo.so"), None);
    }
}
