//! Facts about systemd units on the target: which package ships which unit, the default presets,
//! the directives that changed on the way to systemd 258, and units that are gone with what
//! replaces them. Four optional tables of the pack (docs/knowledge.md, "Unit tables"); the
//! builder's helpers for them live here too.

use super::format;
use super::names::{glob_match, glob_prefix, is_glob};
use super::{Confidence, PackError, parse_table};
use anyhow::{Result, anyhow, bail};
use std::collections::HashMap;

/// Where a unit lives: the system manager's or the per-user manager's directories.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    System,
    User,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::System => "system",
            Scope::User => "user",
        }
    }
    /// `system-etc` (a unit a package installs below /etc/systemd/system) counts as system.
    pub fn parse(s: &str) -> Option<Scope> {
        match s {
            "system" | "system-etc" => Some(Scope::System),
            "user" => Some(Scope::User),
            _ => None,
        }
    }
}

/// A package that ships a unit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnitProvider {
    pub package: String,
    pub scope: Scope,
    pub method: String,
    pub confidence: Confidence,
    /// The fact rests on a `%files` glob (`chrony*.service`).
    pub glob: bool,
}

/// What a preset line does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PresetAction {
    Enable,
    Disable,
}

impl PresetAction {
    pub fn as_str(self) -> &'static str {
        match self {
            PresetAction::Enable => "enable",
            PresetAction::Disable => "disable",
        }
    }
}

/// One line of the target's preset files, in evaluation order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PresetRule {
    pub scope: Scope,
    pub order: u32,
    pub action: PresetAction,
    /// A unit name or an fnmatch pattern (`atd.*`, `*`).
    pub pattern: String,
    /// The preset file the line is in (`90-default.preset`).
    pub file: String,
}

/// One row of platform/units-directives.tsv: a directive or interface that changed on the way
/// to systemd 258, keyed by its `directive` text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirectiveFact {
    pub directive: String,
    pub section: String,
    pub status: String,
    pub replacement: String,
    pub since: String,
    pub fact: String,
    pub source: String,
    /// Stable id of the row (`memory-limit`, `cgroup-v1`): what checks name and findings carry
    /// as evidence `directive_row`.
    pub id: String,
    /// The codes that report the row (none: `coverage` says why nothing is reported).
    pub codes: Vec<crate::findings::Code>,
    /// What the checks report for the row, or why nothing.
    pub coverage: String,
}

/// What became of a unit name that the target's unit tables do not list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplacementKind {
    /// The unit exists on the target although the unit tables miss it (an alias, a package whose
    /// file list is not derivable): no finding.
    Shipped,
    /// Gone; another unit does the job.
    Replaced,
    /// Gone without a replacement unit.
    Removed,
    /// Never a unit file on any source system in scope (e.g. `syslog.target`): a reference is a
    /// no-op before and after the migration.
    Obsolete,
}

impl ReplacementKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReplacementKind::Shipped => "shipped",
            ReplacementKind::Replaced => "replaced",
            ReplacementKind::Removed => "removed",
            ReplacementKind::Obsolete => "obsolete",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "shipped" => ReplacementKind::Shipped,
            "replaced" => ReplacementKind::Replaced,
            "removed" => ReplacementKind::Removed,
            "obsolete" => ReplacementKind::Obsolete,
            _ => return None,
        })
    }
}

/// A unit name the target does not ship as such, with what to use instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnitReplacement {
    pub unit: String,
    pub kind: ReplacementKind,
    /// Empty for `removed` and `obsolete`.
    pub replacement: String,
    pub reason: String,
    /// Where the fact comes from (evidence, not for the `why` text); empty in older packs.
    pub source: String,
}

/// The unit tables of a pack, indexed.
#[derive(Debug, Default)]
pub struct UnitFacts {
    units: HashMap<String, Vec<UnitProvider>>,
    /// (pattern, provider) of the unit globs specific enough to match.
    globs: Vec<(String, UnitProvider)>,
    presets: Vec<PresetRule>,
    directives: Vec<DirectiveFact>,
    replacements: HashMap<String, UnitReplacement>,
    /// Which tables the pack had.
    pub has_units: bool,
    pub has_presets: bool,
    pub has_directives: bool,
    pub has_replacements: bool,
}

/// The texts of the four unit tables (each optional).
#[derive(Clone, Copy, Debug, Default)]
pub struct UnitTexts<'a> {
    pub units: Option<&'a str>,
    pub presets: Option<&'a str>,
    pub directives: Option<&'a str>,
    pub replacements: Option<&'a str>,
}

/// Unit-type suffixes systemd knows.
pub const UNIT_SUFFIXES: &[&str] = &[
    ".service",
    ".socket",
    ".target",
    ".timer",
    ".path",
    ".mount",
    ".automount",
    ".swap",
    ".slice",
    ".scope",
    ".device",
];

/// Whether a unit glob from a `%files` list says which unit it is: it spells something before
/// its first wildcard (`chrony*.service`, `md*`), or at least four characters besides the unit
/// suffix (`*postgresql*.service`). `*`, `*.service` and `*.socket` match any unit: too broad.
pub fn unit_glob_is_specific(pattern: &str) -> bool {
    if !glob_prefix(pattern).is_empty() {
        return true;
    }
    let stem = UNIT_SUFFIXES
        .iter()
        .find_map(|s| pattern.strip_suffix(s))
        .unwrap_or(pattern);
    stem.chars().filter(|c| !matches!(c, '*' | '?')).count() >= 4
}

/// `foo@.service` for `foo@bar.service`; `None` for names without an instance.
pub fn template_of(unit: &str) -> Option<String> {
    let at = unit.find('@')?;
    let dot = unit.rfind('.')?;
    if dot <= at + 1 {
        return None;
    }
    Some(format!("{}{}", &unit[..=at], &unit[dot..]))
}

/// fnmatch as systemd's preset matching uses it (no `/` in unit names, so `*` matches all).
fn preset_match(pattern: &str, unit: &str) -> bool {
    if is_glob(pattern) {
        glob_match(pattern, unit)
    } else {
        pattern == unit
    }
}

impl UnitFacts {
    /// Parse the tables; `expected` gives the row count pack.json records for a table file.
    pub fn parse(
        origin: &str,
        t: &UnitTexts<'_>,
        expected: &dyn Fn(&str) -> Option<u64>,
    ) -> Result<UnitFacts, PackError> {
        let mut f = UnitFacts::default();
        if let Some(text) = t.units {
            f.has_units = true;
            parse_table(
                origin,
                format::UNITS,
                text,
                format::UNITS_COLUMNS,
                expected(format::UNITS),
                |r| {
                    let unit = nonempty("unit", r[0])?;
                    let glob = match r[3] {
                        "yes" => true,
                        "no" => false,
                        o => return Err(format!("glob must be yes or no, not `{o}`")),
                    };
                    let p = UnitProvider {
                        package: nonempty("package", r[1])?.to_string(),
                        scope: Scope::parse(r[2]).ok_or_else(|| format!("bad scope `{}`", r[2]))?,
                        method: nonempty("method", r[4])?.to_string(),
                        confidence: Confidence::parse(r[5])
                            .ok_or_else(|| format!("unknown confidence `{}`", r[5]))?,
                        glob,
                    };
                    if glob {
                        if unit_glob_is_specific(unit) {
                            f.globs.push((unit.to_string(), p));
                        }
                    } else {
                        f.units.entry(unit.to_string()).or_default().push(p);
                    }
                    Ok(())
                },
            )?;
        }
        if let Some(text) = t.presets {
            f.has_presets = true;
            parse_table(
                origin,
                format::UNIT_PRESETS,
                text,
                format::UNIT_PRESETS_COLUMNS,
                expected(format::UNIT_PRESETS),
                |r| {
                    f.presets.push(PresetRule {
                        scope: Scope::parse(r[0]).ok_or_else(|| format!("bad scope `{}`", r[0]))?,
                        order: r[1].parse().map_err(|_| format!("bad order `{}`", r[1]))?,
                        action: match r[2] {
                            "enable" => PresetAction::Enable,
                            "disable" => PresetAction::Disable,
                            o => return Err(format!("bad action `{o}`")),
                        },
                        pattern: nonempty("pattern", r[3])?.to_string(),
                        file: nonempty("file", r[4])?.to_string(),
                    });
                    Ok(())
                },
            )?;
            f.presets.sort_by_key(|p| (p.scope, p.order));
        }
        if let Some(text) = t.directives {
            f.has_directives = true;
            parse_table(
                origin,
                format::UNIT_DIRECTIVES,
                text,
                format::UNIT_DIRECTIVES_COLUMNS,
                expected(format::UNIT_DIRECTIVES),
                |r| {
                    f.directives.push(DirectiveFact {
                        directive: nonempty("directive", r[0])?.to_string(),
                        section: r[1].to_string(),
                        status: r[2].to_string(),
                        replacement: r[3].to_string(),
                        since: r[4].to_string(),
                        fact: r[5].to_string(),
                        source: r[6].to_string(),
                        id: nonempty("id", r[7])?.to_string(),
                        codes: r[8]
                            .split(',')
                            .filter(|c| !c.is_empty())
                            .map(|c| c.parse().map_err(|_| format!("unknown code `{c}`")))
                            .collect::<Result<_, String>>()?,
                        coverage: r[9].to_string(),
                    });
                    Ok(())
                },
            )?;
        }
        if let Some(text) = t.replacements {
            f.has_replacements = true;
            parse_table(
                origin,
                format::UNIT_REPLACEMENTS,
                text,
                format::UNIT_REPLACEMENTS_COLUMNS,
                expected(format::UNIT_REPLACEMENTS),
                |r| {
                    let unit = nonempty("unit", r[0])?.to_string();
                    let kind = ReplacementKind::parse(r[1])
                        .ok_or_else(|| format!("bad kind `{}`", r[1]))?;
                    f.replacements.insert(
                        unit.clone(),
                        UnitReplacement {
                            unit,
                            kind,
                            replacement: r[2].to_string(),
                            reason: nonempty("reason", r[3])?.to_string(),
                            source: r.get(4).map_or("", |v| v).to_string(),
                        },
                    );
                    Ok(())
                },
            )?;
        }
        Ok(f)
    }

    /// Packages shipping a unit in a scope: the exact name, else its template
    /// (`getty@.service` for `getty@tty1.service`), else specific `%files` globs. Sorted by
    /// confidence (concrete first), then package name.
    pub fn providers(&self, unit: &str, scope: Scope) -> Vec<UnitProvider> {
        let mut names = vec![unit.to_string()];
        if let Some(t) = template_of(unit) {
            names.push(t);
        }
        for n in &names {
            let v: Vec<UnitProvider> = self
                .units
                .get(n)
                .map(|v| v.iter().filter(|p| p.scope == scope).cloned().collect())
                .unwrap_or_default();
            if !v.is_empty() {
                return sorted(v);
            }
        }
        let v: Vec<UnitProvider> = self
            .globs
            .iter()
            .filter(|(pat, p)| p.scope == scope && names.iter().any(|n| glob_match(pat, n)))
            .map(|(_, p)| p.clone())
            .collect();
        sorted(v)
    }

    /// The first preset line matching a unit (presets are first-match), if any.
    pub fn preset(&self, unit: &str, scope: Scope) -> Option<&PresetRule> {
        self.presets
            .iter()
            .filter(|p| p.scope == scope)
            .find(|p| preset_match(&p.pattern, unit))
    }

    /// Every row of the directives table, in table order.
    pub fn directives(&self) -> &[DirectiveFact] {
        &self.directives
    }

    /// The row whose stable `id` is `key`, or whose `directive` text is exactly `key` (a
    /// directive as a unit file spells it: `MemoryLimit=`).
    pub fn directive(&self, key: &str) -> Option<&DirectiveFact> {
        self.directives
            .iter()
            .find(|d| d.id == key)
            .or_else(|| self.directives.iter().find(|d| d.directive == key))
    }

    /// The stable id of the row `key` (an id or a directive text); empty when no row matches.
    pub fn row_id(&self, key: &str) -> &str {
        self.directive(key).map_or("", |d| d.id.as_str())
    }

    /// What replaces a unit name the target does not ship (or why it needs no replacement).
    pub fn replacement(&self, unit: &str) -> Option<&UnitReplacement> {
        self.replacements
            .get(unit)
            .or_else(|| template_of(unit).and_then(|t| self.replacements.get(&t)))
    }

    /// All replacement rows, sorted by unit.
    pub fn replacements(&self) -> Vec<&UnitReplacement> {
        let mut v: Vec<&UnitReplacement> = self.replacements.values().collect();
        v.sort_by(|a, b| a.unit.cmp(&b.unit));
        v
    }
}

fn sorted(mut v: Vec<UnitProvider>) -> Vec<UnitProvider> {
    v.sort_by(|a, b| {
        (a.glob, std::cmp::Reverse(a.confidence), &a.package).cmp(&(
            b.glob,
            std::cmp::Reverse(b.confidence),
            &b.package,
        ))
    });
    v.dedup_by(|a, b| a.package == b.package && a.scope == b.scope);
    v
}

fn nonempty<'a>(what: &str, s: &'a str) -> Result<&'a str, String> {
    if s.is_empty() {
        Err(format!("empty {what}"))
    } else {
        Ok(s)
    }
}

// ---- builder helpers (used by build.rs) ------------------------------------------------------

/// Presets from azurelinux-4.0/defaults.md, section `## systemd presets`: rows
/// `[scope, order, action, pattern, file]`, in evaluation order. The section lists the system
/// preset's disable and enable lines (each with its count), the user preset's enable lines, and
/// `99-default-disable.preset` = `disable *` for both.
pub fn presets_from_defaults(md: &str) -> Result<Vec<[String; 5]>> {
    let section: Vec<&str> = md
        .lines()
        .skip_while(|l| l.trim() != "## systemd presets")
        .skip(1)
        .take_while(|l| !l.starts_with("## "))
        .collect();
    if section.is_empty() {
        bail!("defaults.md: no `## systemd presets` section");
    }
    let ticks = |l: &str| -> Vec<String> {
        l.split('`')
            .enumerate()
            .filter(|(i, _)| i % 2 == 1)
            .map(|(_, s)| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    };
    let system_file = section
        .iter()
        .flat_map(|l| ticks(l))
        .find(|t| t.ends_with("90-default.preset") && !t.contains('/'))
        .ok_or_else(|| anyhow!("defaults.md: no 90-default.preset file name"))?;
    let disable_all = section
        .iter()
        .flat_map(|l| ticks(l))
        .find(|t| t.ends_with("default-disable.preset"))
        .ok_or_else(|| anyhow!("defaults.md: no default-disable preset file name"))?;
    if !section
        .iter()
        .any(|l| l.contains(&format!("`{disable_all}` = `disable *`")))
    {
        bail!("defaults.md: `{disable_all}` is not described as `disable *`");
    }
    let mut rows: Vec<[String; 5]> = Vec::new();
    let mut push = |scope: &str, action: &str, pattern: &str, file: &str| {
        let order = rows.iter().filter(|r| r[0] == scope).count() + 1;
        rows.push([
            scope.to_string(),
            order.to_string(),
            action.to_string(),
            pattern.to_string(),
            file.to_string(),
        ]);
    };
    let mut seen_actions = 0;
    for action in ["disable", "enable"] {
        let head = format!("- **{action}** (");
        let Some(line) = section.iter().find(|l| l.starts_with(&head)) else {
            bail!("defaults.md: no `{head}` line");
        };
        let count: usize = line[head.len()..]
            .split(')')
            .next()
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| anyhow!("defaults.md: no count in `{head}`"))?;
        let names = ticks(line);
        if names.len() != count {
            bail!(
                "defaults.md: `{head}` says {count} names, lists {}",
                names.len()
            );
        }
        let mut seen = std::collections::HashSet::new();
        for n in &names {
            if seen.insert(n.clone()) {
                push("system", action, n, &system_file);
            }
        }
        seen_actions += 1;
    }
    debug_assert_eq!(seen_actions, 2);
    push("system", "disable", "*", &disable_all);
    let user = section
        .iter()
        .find(|l| l.starts_with("- user presets"))
        .ok_or_else(|| anyhow!("defaults.md: no `- user presets` line"))?;
    let (before, _) = user
        .split_once("; then")
        .ok_or_else(|| anyhow!("defaults.md: user presets line without `; then`"))?;
    let t = ticks(before);
    let user_file = t
        .iter()
        .find(|x| x.ends_with(".preset"))
        .ok_or_else(|| anyhow!("defaults.md: no user preset file name"))?
        .clone();
    if !before.contains("): enable ") {
        bail!("defaults.md: user presets line does not say `enable`");
    }
    for n in t.iter().filter(|x| !x.ends_with(".preset")) {
        push("user", "enable", n, &user_file);
    }
    push("user", "disable", "*", &disable_all);
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> UnitFacts {
        let units = "unit\tpackage\tscope\tglob\tmethod\tconfidence\n\
            chrony*.service\tchrony\tsystem\tyes\tfiles-glob\tlow\n\
            chronyd.service\tchrony\tsystem\tno\tspec\thigh\n\
            getty@.service\tsystemd\tsystem\tno\tdebian-near-version\tmedium\n\
            *.service\tfrr\tsystem\tyes\tfiles-glob\tlow\n\
            dirmngr.socket\tgnupg2\tuser\tno\tspec-files\thigh\n";
        let presets = "scope\torder\taction\tpattern\tfile\n\
            system\t1\tdisable\tsystemd-timesyncd.service\t90-default.preset\n\
            system\t2\tenable\tatd.*\t90-default.preset\n\
            system\t3\tdisable\t*\t99-default-disable.preset\n";
        UnitFacts::parse(
            "t",
            &UnitTexts {
                units: Some(units),
                presets: Some(presets),
                directives: None,
                replacements: None,
            },
            &|_| None,
        )
        .unwrap()
    }

    #[test]
    fn providers_exact_template_then_specific_globs() {
        let f = facts();
        assert_eq!(
            f.providers("chronyd.service", Scope::System)[0].package,
            "chrony"
        );
        assert!(!f.providers("chronyd.service", Scope::System)[0].glob);
        let g = f.providers("chrony-wait.service", Scope::System);
        assert_eq!(g.len(), 1);
        assert!(g[0].glob);
        assert_eq!(
            f.providers("getty@tty1.service", Scope::System)[0].package,
            "systemd"
        );
        // `*.service` is too broad to say anything.
        assert!(f.providers("acme.service", Scope::System).is_empty());
        assert!(f.providers("dirmngr.socket", Scope::System).is_empty());
        assert_eq!(f.providers("dirmngr.socket", Scope::User).len(), 1);
    }

    #[test]
    fn presets_are_first_match() {
        let f = facts();
        let p = f.preset("atd.service", Scope::System).unwrap();
        assert_eq!(p.action, PresetAction::Enable);
        let p = f
            .preset("systemd-timesyncd.service", Scope::System)
            .unwrap();
        assert_eq!(p.action, PresetAction::Disable);
        assert_eq!(p.file, "90-default.preset");
        let p = f.preset("nginx.service", Scope::System).unwrap();
        assert_eq!((p.action, p.pattern.as_str()), (PresetAction::Disable, "*"));
        assert!(f.preset("nginx.service", Scope::User).is_none());
    }

    #[test]
    fn templates_and_glob_specificity() {
        assert_eq!(
            template_of("getty@tty1.service").as_deref(),
            Some("getty@.service")
        );
        assert_eq!(template_of("getty@.service"), None);
        assert_eq!(template_of("plain.service"), None);
        for (p, want) in [
            ("*", false),
            ("*.service", false),
            ("*.socket", false),
            ("chrony*.service", true),
            ("*postgresql*.service", true),
            ("md*", true),
        ] {
            assert_eq!(unit_glob_is_specific(p), want, "{p}");
        }
    }

    #[test]
    fn presets_parse_from_defaults_md() {
        let md = "# x\n## systemd presets\n`/usr/lib/systemd/system-preset/90-default.preset` (file `90-default.preset`), followed by `99-default-disable.preset` = `disable *` (everything not listed is disabled).\n\n\
            - **disable** (1): `systemd-timesyncd.service`\n\
            - **enable** (3): `sshd.service`, `atd.*`, `sshd.service`\n\
            - user presets (`90-default-user.preset`): enable `dbus.socket`; then `99-default-disable.preset` disables the rest.\n\
            ## next\n";
        let rows = presets_from_defaults(md).unwrap();
        let flat: Vec<String> = rows.iter().map(|r| r.join(" ")).collect();
        assert_eq!(
            flat,
            [
                "system 1 disable systemd-timesyncd.service 90-default.preset",
                "system 2 enable sshd.service 90-default.preset",
                "system 3 enable atd.* 90-default.preset",
                "system 4 disable * 99-default-disable.preset",
                "user 1 enable dbus.socket 90-default-user.preset",
                "user 2 disable * 99-default-disable.preset",
            ]
        );
        assert!(presets_from_defaults("## systemd presets\n- **disable** (2): `a`\n").is_err());
    }
}
