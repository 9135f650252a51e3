//! `azl-compat knowledge lint`: checks a pack's files, row by row, without trusting the loader.
//!
//! Errors make a pack unfit to ship (the committed pack must have none; CI runs the lint):
//! a wrong header, field count or enum value, rows out of order, duplicate keys, an unexpanded
//! macro (`%{...}`) in a name or path, a row naming a package that packages.tsv lacks, a soname
//! that is no soname, counts in `pack.json` that disagree with the tables. Warnings are facts of
//! the sources that look wrong but are kept on purpose; each kind is listed in
//! docs/knowledge.md ("Lint") with the reason it is not an error.

use crate::knowledge::format::{self, Manifest};
use crate::knowledge::names::{is_glob, is_numeric_version, library_name, normalize_path};
use crate::knowledge::{Channel, Confidence, PackContents, debian, overlays};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::path::Path;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LintSeverity {
    Error,
    Warning,
}

/// One problem, at `file:line` (line 0: the file as a whole).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LintFinding {
    /// `<pack origin>/<file>`.
    pub file: String,
    pub line: usize,
    pub severity: LintSeverity,
    /// Stable kebab-case name of the check (`header`, `sorted`, `duplicate`, `macro`,
    /// `dangling`, `soname`, ...).
    pub check: &'static str,
    pub message: String,
}

impl fmt::Display for LintFinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            LintSeverity::Error => "error",
            LintSeverity::Warning => "warning",
        };
        if self.line == 0 {
            write!(f, "{}: {sev}[{}]: {}", self.file, self.check, self.message)
        } else {
            write!(
                f,
                "{}:{}: {sev}[{}]: {}",
                self.file, self.line, self.check, self.message
            )
        }
    }
}

/// The result of linting one pack.
#[derive(Clone, Debug, Default, Serialize)]
pub struct LintReport {
    /// A directory, or `builtin:<id>`.
    pub origin: String,
    /// Rows read per table file.
    pub rows: BTreeMap<String, usize>,
    /// Sorted by file, line, severity, check.
    pub findings: Vec<LintFinding>,
    /// What the builder decided about the sources (not problems): the rpm-family cross-check
    /// of Debian-derived sonames, its counts and each row replaced or dropped.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl LintReport {
    pub fn errors(&self) -> usize {
        self.count(LintSeverity::Error)
    }
    pub fn warnings(&self) -> usize {
        self.count(LintSeverity::Warning)
    }
    fn count(&self, s: LintSeverity) -> usize {
        self.findings.iter().filter(|f| f.severity == s).count()
    }
    /// Whether the pack is fit to ship (no errors; warnings allowed).
    pub fn is_clean(&self) -> bool {
        self.errors() == 0
    }

    /// Every finding on its own line, then a summary line.
    pub fn render_text(&self) -> String {
        let mut s = String::new();
        for f in &self.findings {
            s.push_str(&f.to_string());
            s.push('\n');
        }
        for n in &self.notes {
            s.push_str(&format!("{}: note: {n}\n", self.origin));
        }
        let rows: usize = self.rows.values().sum();
        s.push_str(&format!(
            "{}: {} tables, {rows} rows: {} errors, {} warnings\n",
            self.origin,
            self.rows.len(),
            self.errors(),
            self.warnings()
        ));
        s
    }
}

/// Lint the pack in a directory. Missing files are findings, not failures.
pub fn lint_dir(dir: &Path) -> LintReport {
    let origin = dir.display().to_string();
    let mut texts: HashMap<&str, String> = HashMap::new();
    let mut missing = Vec::new();
    let mut files = vec![format::PACK_JSON];
    files.extend(format::TABLES.iter().map(|(f, _)| *f));
    for file in files {
        match crate::source::user_file::read(
            &dir.join(file),
            crate::source::user_file::MAX_PACK_FILE,
        ) {
            Ok(t) => {
                texts.insert(file, t);
            }
            Err(e) => missing.push((file, e)),
        }
    }
    let contents = PackContents::from_files(|f| texts.get(f).map(String::as_str));
    let mut l = Linter::new(&origin);
    for (file, e) in &missing {
        let optional = format::OPTIONAL_TABLES.contains(file);
        if !(optional && e.kind() == std::io::ErrorKind::NotFound) {
            l.error(file, 0, "file", format!("cannot read: {e}"));
        }
    }
    let skip: HashSet<&str> = missing.iter().map(|(f, _)| *f).collect();
    l.run(&contents, &skip);
    l.finish()
}

/// Lint the default target's pack embedded in the binary (`builtin:<id>`).
pub fn lint_builtin() -> LintReport {
    lint_builtin_id(crate::knowledge::target::DEFAULT_TARGET)
        .expect("the default target is embedded")
}

/// Lint an embedded pack (`None` when the binary has no pack of that id).
pub fn lint_builtin_id(id: &str) -> Option<LintReport> {
    let contents = crate::knowledge::builtin_contents(id)?;
    let mut r = lint_contents(&format!("builtin:{id}"), &contents);
    // The hand-kept host-configuration tables are embedded beside every pack.
    for (file, line, message) in crate::knowledge::host_config::lint() {
        r.findings.push(LintFinding {
            file: format!("knowledge/{file}"),
            line,
            severity: LintSeverity::Error,
            check: "host-config",
            message,
        });
    }
    Some(r)
}

/// Lint a pack given as text (`origin` names it in findings, e.g. `builtin:azurelinux-4.0`).
pub fn lint_contents(origin: &str, c: &PackContents<'_>) -> LintReport {
    let mut l = Linter::new(origin);
    l.run(c, &HashSet::new());
    l.finish()
}

// Enumerations of the format (docs/knowledge.md).
const PATH_KINDS: &[&str] = &["bin", "libexec", "generator", "provides", "loader"];
const CAPABILITY_KINDS: &[&str] = &["explicit", "obsoletes", "python_module", "python_dist"];
const CAPABILITY_OPS: &[&str] = &["=", "<", ">", "<=", ">="];
const NODE_STATUSES: &[&str] = &[
    "exact",
    "bracketed",
    "newer-only",
    "newer-unbracketed",
    "declared",
    "declared-superset",
];

/// The rpm-family cross-check as the builder recorded it in `pack.json`: the counts (keys
/// `rpm_family_*`), then every row replaced or dropped.
fn cross_check_notes(m: &Manifest) -> Vec<String> {
    let counts: Vec<String> = m
        .counts
        .iter()
        .filter_map(|(k, v)| Some(format!("{} {v}", k.strip_prefix("rpm_family_")?)))
        .collect();
    if counts.is_empty() {
        return Vec::new();
    }
    let mut out = vec![format!(
        "rpm-family cross-check of Debian-derived sonames.tsv rows: {}",
        counts.join(", ")
    )];
    out.extend(
        m.soname_cross_check
            .iter()
            .map(|(row, what)| format!("sonames: {row}: {what}")),
    );
    out
}

fn has_macro(s: &str) -> bool {
    s.contains("%{") || s.contains("%(")
}

/// Whether a package arch value is one the format allows: an arch name, `noarch`, `?`, or an
/// arch with the `(not-built-on-<arch>)` marker.
fn valid_arch(a: &str) -> bool {
    let word = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    };
    if a == "?" || word(a) {
        return true;
    }
    a.split_once("(not-built-on-")
        .and_then(|(arch, rest)| Some((arch, rest.strip_suffix(')')?)))
        .is_some_and(|(arch, on)| word(arch) && word(on))
}

/// How a concrete soname looks: `Ok(())`, a warning (a `.so.` suffix that is not numeric, as
/// `libfoo.so.1t64`), or an error (no library name, no `.so`, characters no file name has).
fn soname_shape(s: &str) -> Result<(), (LintSeverity, String)> {
    let bad_char = s
        .chars()
        .find(|c| c.is_whitespace() || c.is_control() || matches!(c, '/' | '*' | '?' | '['));
    if let Some(c) = bad_char {
        return Err((LintSeverity::Error, format!("soname `{s}` contains {c:?}")));
    }
    let Some(name) = library_name(s) else {
        return Err((
            LintSeverity::Error,
            format!("`{s}` does not look like a soname (no `.so`)"),
        ));
    };
    if name.is_empty() {
        return Err((LintSeverity::Error, format!("soname `{s}` has no name")));
    }
    let version = &s[name.len() + 3..];
    match version.strip_prefix('.') {
        None => Ok(()), // `libnss3.so`
        Some(v) if is_numeric_version(v) => Ok(()),
        Some(v) => Err((
            LintSeverity::Warning,
            format!("soname `{s}`: version `{v}` after `.so.` is not numeric"),
        )),
    }
}

struct Linter {
    origin: String,
    findings: Vec<LintFinding>,
    rows: BTreeMap<String, usize>,
    manifest: Option<Manifest>,
    /// package name -> best channel of its rows.
    packages: HashMap<String, Channel>,
    components: HashSet<String>,
    /// Packages were read (so dangling references can be judged).
    have_packages: bool,
    /// Concrete sonames of sonames.tsv, once read.
    sonames: Option<HashSet<String>>,
}

/// A table row: line number and fields.
type Row<'t> = (usize, Vec<&'t str>);

impl Linter {
    fn new(origin: &str) -> Self {
        Linter {
            origin: origin.to_string(),
            findings: Vec::new(),
            rows: BTreeMap::new(),
            manifest: None,
            packages: HashMap::new(),
            components: HashSet::new(),
            have_packages: false,
            sonames: None,
        }
    }

    fn push(&mut self, sev: LintSeverity, file: &str, line: usize, check: &'static str, m: String) {
        self.findings.push(LintFinding {
            file: format!("{}/{file}", self.origin),
            line,
            severity: sev,
            check,
            message: m,
        });
    }
    fn error(&mut self, file: &str, line: usize, check: &'static str, m: String) {
        self.push(LintSeverity::Error, file, line, check, m);
    }
    fn warning(&mut self, file: &str, line: usize, check: &'static str, m: String) {
        self.push(LintSeverity::Warning, file, line, check, m);
    }

    fn finish(mut self) -> LintReport {
        self.findings.sort_by(|a, b| {
            (&a.file, a.line, a.severity, a.check, &a.message)
                .cmp(&(&b.file, b.line, b.severity, b.check, &b.message))
        });
        self.findings.dedup();
        let notes = self
            .manifest
            .as_ref()
            .map(cross_check_notes)
            .unwrap_or_default();
        LintReport {
            origin: self.origin,
            rows: self.rows,
            notes,
            findings: self.findings,
        }
    }

    fn run(&mut self, c: &PackContents<'_>, skip: &HashSet<&str>) {
        if !skip.contains(format::PACK_JSON) {
            self.manifest(c.pack_json);
        }
        if !skip.contains(format::PACKAGES) {
            self.packages(c.packages);
        }
        if !skip.contains(format::SONAMES) {
            self.sonames(c.sonames);
        }
        if !skip.contains(format::PATHS) {
            self.paths(c.paths);
        }
        if !skip.contains(format::VERSION_NODES) {
            self.version_nodes(c.version_nodes);
        }
        if !skip.contains(format::CAPABILITIES) {
            self.capabilities(c.capabilities);
        }
        match c.debian_map {
            Some(t) => self.debian_map(t),
            None => self.optional_absent(format::DEBIAN_MAP),
        }
        match c.overlays {
            Some(t) => self.overlays(t),
            None => self.optional_absent(format::OVERLAYS),
        }
        // Tables this lint has no rules for (yet): header, field count, row count, and packages
        // named in a `package` column.
        for (file, text) in [
            (format::UNITS, c.units.units),
            (format::UNIT_PRESETS, c.units.presets),
            (format::UNIT_DIRECTIVES, c.units.directives),
            (format::UNIT_REPLACEMENTS, c.units.replacements),
        ] {
            match text {
                Some(t) => {
                    self.generic(file, t);
                    self.wording(file, t);
                }
                None => self.optional_absent(file),
            }
        }
        match c.profiles {
            Some(t) => self.profiles(t),
            None => self.optional_absent(format::PROFILES),
        }
        self.manifest_cross_checks();
    }

    /// profiles.tsv: sorted rows, packages that exist, profiles pack.json describes, arches
    /// the pack has.
    fn profiles(&mut self, text: &str) {
        let file = format::PROFILES;
        // Sorted rows: the order check also catches duplicates (the whole row is the key).
        let rows = self.table(file, text, format::PROFILES_COLUMNS);
        let (described, arches) = match &self.manifest {
            Some(m) => (
                Some(m.profiles.keys().cloned().collect::<HashSet<_>>()),
                m.arches.clone(),
            ),
            None => (None, Vec::new()),
        };
        let mut seen = HashSet::new();
        for (line, f) in &rows {
            self.required(file, *line, format::PROFILES_COLUMNS, f, &[0, 1, 2, 3, 4]);
            if f[1..4].iter().any(|v| has_macro(v)) {
                self.error(file, *line, "macro", "unexpanded macro".into());
            }
            self.known_package(file, *line, f[1]);
            if f[2] != "*" && !arches.iter().any(|a| a == f[2]) {
                let msg = format!("arch `{}` is neither `*` nor in pack.json `arches`", f[2]);
                self.error(file, *line, "enum", msg);
            }
            if described.as_ref().is_some_and(|d| !d.contains(f[0])) {
                let msg = format!(
                    "profile `{}` is not described in pack.json `profiles`",
                    f[0]
                );
                self.error(file, *line, "dangling", msg);
            }
            seen.insert(f[0].to_string());
        }
        for p in described.into_iter().flatten() {
            if !seen.contains(&p) {
                let msg = format!("profile `{p}` has no rows in {file}");
                self.warning(format::PACK_JSON, 0, "empty-profile", msg);
            }
        }
    }

    /// An optional table the manifest lists must be there.
    fn optional_absent(&mut self, file: &str) {
        let listed = self
            .manifest
            .as_ref()
            .is_some_and(|m| m.tables.contains_key(file));
        if listed {
            self.error(
                file,
                0,
                "file",
                "listed in pack.json `tables` but missing".into(),
            );
        }
    }

    fn manifest(&mut self, text: &str) {
        let f = format::PACK_JSON;
        let m: Manifest = match serde_json::from_str(text) {
            Ok(m) => m,
            Err(e) => {
                self.error(f, e.line(), "json", e.to_string());
                return;
            }
        };
        if m.format_version != format::FORMAT_VERSION {
            self.error(
                f,
                0,
                "format-version",
                format!(
                    "format_version {} (this azl-compat reads {})",
                    m.format_version,
                    format::FORMAT_VERSION
                ),
            );
        }
        for (what, v) in [("id", &m.id), ("name", &m.name), ("version", &m.version)] {
            if v.is_empty() {
                self.error(f, 0, "required", format!("empty `{what}`"));
            }
        }
        if m.arches.is_empty() {
            self.error(f, 0, "required", "no `arches`".into());
        }
        for (file, cols) in &m.tables {
            match format::TABLES.iter().find(|(t, _)| t == file) {
                None => self.error(f, 0, "tables", format!("unknown table `{file}`")),
                Some((_, want)) if !cols.iter().map(String::as_str).eq(want.iter().copied()) => {
                    self.error(
                        f,
                        0,
                        "tables",
                        format!(
                            "`{file}` columns `{}`, expected `{}`",
                            cols.join(" "),
                            want.join(" ")
                        ),
                    )
                }
                Some(_) => {}
            }
        }
        for (file, _) in format::TABLES {
            if !format::OPTIONAL_TABLES.contains(file) && !m.tables.contains_key(*file) {
                self.error(
                    f,
                    0,
                    "tables",
                    format!("required table `{file}` not listed"),
                );
            }
        }
        self.manifest = Some(m);
    }

    /// A table without table-specific rules: header, fields, row count, dangling packages.
    fn generic(&mut self, file: &str, text: &str) {
        let Some((_, columns)) = format::TABLES.iter().find(|(f, _)| *f == file) else {
            return;
        };
        let rows = self.table_rows(file, text, columns, false);
        if let Some(i) = columns.iter().position(|c| *c == "package") {
            for (line, f) in &rows {
                self.known_package(file, *line, f[i]);
            }
        }
    }

    /// Research-note wording in the columns reports print (`crate::knowledge::wording`): an error.
    fn wording(&mut self, file: &str, text: &str) {
        let Some((_, columns)) = crate::knowledge::wording::USER_FACING
            .iter()
            .find(|(f, _)| *f == file)
        else {
            return;
        };
        let mut lines = text.split('\n').enumerate();
        let Some((_, header)) = lines.next() else {
            return;
        };
        let header: Vec<&str> = header.split('\t').collect();
        let wanted: Vec<(usize, &str)> = columns
            .iter()
            .filter_map(|c| header.iter().position(|h| h == c).map(|i| (i, *c)))
            .collect();
        for (i, line) in lines {
            let fields: Vec<&str> = line.split('\t').collect();
            for (col, name) in &wanted {
                if let Some((rule, words)) = fields
                    .get(*col)
                    .and_then(|v| crate::knowledge::wording::research_note(v))
                {
                    let m = format!(
                        "column `{name}` is printed in reports but reads like a research note \
                         ({rule}: `{words}`); write it for the user and keep where the fact \
                         comes from in the `source` column"
                    );
                    self.error(file, i + 1, "wording", m);
                }
            }
        }
    }

    /// Header, field counts, order, exact duplicates and the row count of one table; returns
    /// the rows whose field count is right.
    fn table<'t>(&mut self, file: &str, text: &'t str, columns: &[&str]) -> Vec<Row<'t>> {
        self.table_rows(file, text, columns, true)
    }

    fn table_rows<'t>(
        &mut self,
        file: &str,
        text: &'t str,
        columns: &[&str],
        sorted: bool,
    ) -> Vec<Row<'t>> {
        let mut lines = text.split('\n');
        let header = lines.next().unwrap_or("");
        if !header.split('\t').eq(columns.iter().copied()) {
            self.error(
                file,
                1,
                "header",
                format!(
                    "header `{}`, expected `{}`",
                    header.replace('\t', " "),
                    columns.join(" ")
                ),
            );
            self.rows.insert(file.to_string(), 0);
            return Vec::new();
        }
        let mut out = Vec::new();
        let mut prev: Option<&str> = None;
        let mut n = 0usize;
        let mut lineno = 1;
        for line in lines {
            lineno += 1;
            if line.is_empty() {
                continue;
            }
            n += 1;
            if line.ends_with('\r') {
                self.error(file, lineno, "line-end", "CR before the line end".into());
            }
            let fields: Vec<&str> = line.split('\t').collect();
            if fields.len() != columns.len() {
                self.error(
                    file,
                    lineno,
                    "fields",
                    format!("{} fields, expected {}", fields.len(), columns.len()),
                );
            } else {
                if fields.iter().any(|f| f.trim() != *f) {
                    self.error(
                        file,
                        lineno,
                        "whitespace",
                        "a field starts or ends with whitespace".into(),
                    );
                }
                out.push((lineno, fields));
            }
            if let Some(p) = prev.filter(|_| sorted) {
                match p.cmp(line) {
                    std::cmp::Ordering::Greater => self.error(
                        file,
                        lineno,
                        "sorted",
                        "row sorts before the previous one (tables are sorted byte-wise)".into(),
                    ),
                    std::cmp::Ordering::Equal => {
                        self.error(file, lineno, "duplicate", "same row as the previous".into())
                    }
                    std::cmp::Ordering::Less => {}
                }
            }
            prev = Some(line);
        }
        if !text.is_empty() && !text.ends_with('\n') {
            self.error(file, lineno, "line-end", "no newline at the end".into());
        }
        self.rows.insert(file.to_string(), n);
        let key = format::COUNT_KEYS
            .iter()
            .find(|(f, _)| *f == file)
            .map(|(_, k)| *k);
        if let (Some(m), Some(key)) = (&self.manifest, key) {
            match m.counts.get(key) {
                Some(&want) if want != n as u64 => {
                    let msg = format!("{n} rows, but pack.json counts {key} = {want}");
                    self.error(file, 0, "count", msg);
                }
                None => {
                    let msg = format!("pack.json has no count `{key}`");
                    self.error(format::PACK_JSON, 0, "count", msg);
                }
                _ => {}
            }
        }
        out
    }

    /// Keys that must be unique: `key` of each row (None: not checked).
    fn unique<'t>(
        &mut self,
        file: &str,
        rows: &[Row<'t>],
        what: &str,
        key: impl Fn(&[&'t str]) -> Vec<&'t str>,
    ) {
        let mut seen: HashMap<Vec<&str>, usize> = HashMap::with_capacity(rows.len());
        for (line, f) in rows {
            let k = key(f);
            if let Some(first) = seen.get(&k) {
                let msg = format!("duplicate {what} `{}` (first on line {first})", k.join(" "));
                self.error(file, *line, "duplicate", msg);
            } else {
                seen.insert(k, *line);
            }
        }
    }

    fn required(&mut self, file: &str, line: usize, columns: &[&str], f: &[&str], which: &[usize]) {
        for &i in which {
            if f[i].is_empty() {
                self.error(file, line, "required", format!("empty `{}`", columns[i]));
            }
        }
    }

    fn confidence(&mut self, file: &str, line: usize, v: &str) {
        if Confidence::parse(v).is_none() {
            self.error(file, line, "enum", format!("unknown confidence `{v}`"));
        }
    }

    fn glob_flag(&mut self, file: &str, line: usize, v: &str) -> Option<bool> {
        match v {
            "yes" => Some(true),
            "no" => Some(false),
            other => {
                self.error(
                    file,
                    line,
                    "enum",
                    format!("glob must be yes or no, not `{other}`"),
                );
                None
            }
        }
    }

    fn macro_in_name(&mut self, file: &str, line: usize, what: &str, v: &str) {
        if has_macro(v) {
            self.error(
                file,
                line,
                "macro",
                format!("unexpanded macro in {what} `{v}`"),
            );
        }
    }

    fn known_package(&mut self, file: &str, line: usize, p: &str) {
        if self.have_packages && !p.is_empty() && !self.packages.contains_key(p) {
            self.error(
                file,
                line,
                "dangling",
                format!("package `{p}` is not in {}", format::PACKAGES),
            );
        }
    }

    fn packages(&mut self, text: &str) {
        let file = format::PACKAGES;
        let cols = format::PACKAGES_COLUMNS;
        let rows = self.table(file, text, cols);
        self.unique(file, &rows, "package (name, component)", |f| {
            vec![f[0], f[6]]
        });
        let mut by_name: HashMap<&str, Vec<(usize, &str)>> = HashMap::new();
        for (line, f) in &rows {
            let line = *line;
            self.required(file, line, cols, f, &[0, 1, 4, 5, 6]);
            self.macro_in_name(file, line, "package name", f[0]);
            self.macro_in_name(file, line, "component", f[6]);
            if f[1].parse::<u32>().is_err() {
                self.error(
                    file,
                    line,
                    "enum",
                    format!("epoch `{}` is not an integer", f[1]),
                );
            }
            for (what, v) in [("version", f[2]), ("release", f[3])] {
                if has_macro(v) {
                    let msg = format!("{what} `{v}` of {} holds an unexpanded macro", f[0]);
                    self.warning(file, line, "macro-in-evr", msg);
                }
            }
            match (f[2].is_empty(), f[3].is_empty()) {
                (false, true) => {
                    self.error(file, line, "required", "a version without a release".into())
                }
                (true, false) => {
                    let msg = format!("{} has a release (`{}`) but no version", f[0], f[3]);
                    self.warning(file, line, "partial-evr", msg);
                }
                _ => {}
            }
            if !valid_arch(f[4]) {
                self.error(file, line, "enum", format!("unknown arch `{}`", f[4]));
            }
            match Channel::parse(f[5]) {
                Some(ch) => {
                    let e = self.packages.entry(f[0].to_string()).or_insert(ch);
                    if ch.preference() < e.preference() {
                        *e = ch;
                    }
                }
                None => self.error(file, line, "enum", format!("unknown channel `{}`", f[5])),
            }
            self.components.insert(f[6].to_string());
            by_name.entry(f[0]).or_default().push((line, f[6]));
        }
        let mut multi: Vec<(&str, Vec<(usize, &str)>)> =
            by_name.into_iter().filter(|(_, v)| v.len() > 1).collect();
        multi.sort();
        for (name, v) in multi {
            let comps: Vec<&str> = v.iter().map(|(_, c)| *c).collect();
            let msg = format!(
                "package `{name}` is built by {} components ({}); the loader picks one",
                v.len(),
                comps.join(", ")
            );
            self.warning(file, v[1].0, "same-name", msg);
        }
        self.have_packages = true;
    }

    fn sonames(&mut self, text: &str) {
        let file = format::SONAMES;
        let cols = format::SONAMES_COLUMNS;
        let rows = self.table(file, text, cols);
        self.unique(file, &rows, "(soname, package, glob)", |f| {
            vec![f[0], f[1], f[2]]
        });
        self.sonames = Some(
            rows.iter()
                .filter(|(_, f)| f[2] == "no")
                .map(|(_, f)| f[0].to_string())
                .collect(),
        );
        for (line, f) in &rows {
            let line = *line;
            self.required(file, line, cols, f, &[0, 1, 3]);
            self.macro_in_name(file, line, "soname", f[0]);
            self.known_package(file, line, f[1]);
            self.confidence(file, line, f[4]);
            match self.glob_flag(file, line, f[2]) {
                Some(true) => {
                    if !is_glob(f[0]) {
                        let msg = format!("glob row `{}` has no wildcard", f[0]);
                        self.error(file, line, "glob", msg);
                    } else if !f[0].contains(".so") {
                        let msg = format!("soname glob `{}` has no `.so`", f[0]);
                        self.error(file, line, "soname", msg);
                    }
                }
                Some(false) => {
                    if let Err((sev, msg)) = soname_shape(f[0]) {
                        self.push(sev, file, line, "soname", msg);
                    }
                }
                None => {}
            }
        }
    }

    fn paths(&mut self, text: &str) {
        let file = format::PATHS;
        let cols = format::PATHS_COLUMNS;
        let rows = self.table(file, text, cols);
        self.unique(file, &rows, "(path, package, glob)", |f| {
            vec![f[0], f[1], f[3]]
        });
        for (line, f) in &rows {
            let line = *line;
            self.required(file, line, cols, f, &[0, 1, 2, 4]);
            self.macro_in_name(file, line, "path", f[0]);
            self.known_package(file, line, f[1]);
            self.confidence(file, line, f[5]);
            if !PATH_KINDS.contains(&f[2]) {
                self.error(file, line, "enum", format!("unknown kind `{}`", f[2]));
            }
            if !f[0].starts_with('/') {
                self.error(file, line, "path", format!("`{}` is not absolute", f[0]));
            } else if normalize_path(f[0]) != f[0] {
                let msg = format!(
                    "`{}` is not normalised (expected `{}`)",
                    f[0],
                    normalize_path(f[0])
                );
                self.error(file, line, "path", msg);
            }
            if self.glob_flag(file, line, f[3]) == Some(true) && !is_glob(f[0]) {
                let msg = format!("glob row `{}` has no wildcard", f[0]);
                self.error(file, line, "glob", msg);
            }
        }
    }

    fn version_nodes(&mut self, text: &str) {
        let file = format::VERSION_NODES;
        let cols = format::VERSION_NODES_COLUMNS;
        let rows = self.table(file, text, cols);
        self.unique(file, &rows, "(soname, arch, version_node)", |f| {
            vec![f[0], f[1], f[2]]
        });
        let arches: Vec<String> = self
            .manifest
            .as_ref()
            .map(|m| m.arches.clone())
            .unwrap_or_default();
        let sources: Option<Vec<String>> = self
            .manifest
            .as_ref()
            .map(|m| m.version_node_sources.keys().cloned().collect());
        for (line, f) in &rows {
            let line = *line;
            self.required(file, line, cols, f, &[0, 1, 2, 3, 4]);
            if let Err((sev, msg)) = soname_shape(f[0]) {
                self.push(sev, file, line, "soname", msg);
            }
            if self.sonames.as_ref().is_some_and(|s| !s.contains(f[0])) {
                let msg = format!(
                    "no package provides `{}` in {} (version nodes of a library nobody ships)",
                    f[0],
                    format::SONAMES
                );
                self.error(file, line, "dangling", msg);
            }
            if f[1] != "*" && !arches.iter().any(|a| a == f[1]) {
                let msg = format!("arch `{}` is not `*` nor one of the pack's arches", f[1]);
                self.error(file, line, "enum", msg);
            }
            if !NODE_STATUSES.contains(&f[3]) {
                self.error(file, line, "enum", format!("unknown status `{}`", f[3]));
            }
            if let Some(s) = &sources
                && !f[4].is_empty()
                && !s.iter().any(|k| k == f[4])
            {
                let msg = format!(
                    "source `{}` is not described in pack.json `version_node_sources`",
                    f[4]
                );
                self.error(file, line, "dangling", msg);
            }
        }
    }

    fn capabilities(&mut self, text: &str) {
        let file = format::CAPABILITIES;
        let cols = format::CAPABILITIES_COLUMNS;
        let rows = self.table(file, text, cols);
        for (line, f) in &rows {
            let line = *line;
            self.required(file, line, cols, f, &[0, 1, 2]);
            self.macro_in_name(file, line, "capability", f[0]);
            if has_macro(f[4]) {
                let msg = format!("version `{}` holds an unexpanded macro", f[4]);
                self.error(file, line, "macro", msg);
            }
            self.known_package(file, line, f[2]);
            if !CAPABILITY_KINDS.contains(&f[1]) {
                self.error(file, line, "enum", format!("unknown kind `{}`", f[1]));
            }
            match (f[3].is_empty(), f[4].is_empty()) {
                (true, true) => {}
                (false, false) if CAPABILITY_OPS.contains(&f[3]) => {}
                (false, false) => self.error(file, line, "enum", format!("unknown op `{}`", f[3])),
                _ => self.error(
                    file,
                    line,
                    "required",
                    "op and version must both be empty or both be set".into(),
                ),
            }
        }
    }

    fn debian_map(&mut self, text: &str) {
        let file = format::DEBIAN_MAP;
        let rows = self.table(file, text, format::DEBIAN_MAP_COLUMNS);
        self.unique(file, &rows, "debian_package", |f| vec![f[0]]);
        let packages = std::mem::take(&mut self.packages);
        let have = self.have_packages;
        for (line, f) in &rows {
            let known = |p: &str| !have || packages.contains_key(p);
            match debian::check_row(f, &known) {
                Err(msg) => {
                    let check = if msg.contains("not in") {
                        "dangling"
                    } else if msg.contains("macro") {
                        "macro"
                    } else {
                        "enum"
                    };
                    self.error(file, *line, check, msg);
                }
                Ok(m) => {
                    let best = m.packages.first().and_then(|p| packages.get(p));
                    if let (Some(&want), Some(got)) = (best, m.channel)
                        && want != got
                    {
                        let msg = format!(
                            "channel `{}`, but {} is `{}` in {}",
                            got.as_str(),
                            m.packages[0],
                            want.as_str(),
                            format::PACKAGES
                        );
                        self.error(file, *line, "channel", msg);
                    }
                }
            }
        }
        self.packages = packages;
    }

    fn overlays(&mut self, text: &str) {
        let file = format::OVERLAYS;
        let rows = self.table(file, text, format::OVERLAYS_COLUMNS);
        self.unique(file, &rows, "component", |f| vec![f[0]]);
        let components = std::mem::take(&mut self.components);
        let have = self.have_packages;
        for (line, f) in &rows {
            if let Err(msg) = overlays::check_row(f, &|c| !have || components.contains(c)) {
                let check = if msg.contains("has no package") {
                    "dangling"
                } else if msg.contains("macro") {
                    "macro"
                } else {
                    "required"
                };
                self.error(file, *line, check, msg);
            }
        }
        self.components = components;
    }

    /// Baseline packages and loaders named in pack.json must exist in the tables.
    fn manifest_cross_checks(&mut self) {
        let Some(m) = self.manifest.take() else {
            return;
        };
        if self.have_packages {
            for b in &m.baseline_packages {
                if !self.packages.contains_key(b) {
                    let msg = format!("baseline package `{b}` is not in {}", format::PACKAGES);
                    self.error(format::PACK_JSON, 0, "dangling", msg);
                }
            }
        }
        for arch in m.dynamic_loaders.keys().chain(m.default_search_dirs.keys()) {
            if !m.arches.contains(arch) {
                let msg = format!("arch `{arch}` is not in `arches`");
                self.error(format::PACK_JSON, 0, "enum", msg);
            }
        }
        // Messages name the target and cite its versions from `target` (its manifest).
        let t = &m.target;
        for (field, v) in [
            ("pretty_name", &t.pretty_name),
            ("install_command", &t.install_command),
        ] {
            if v.trim().is_empty() {
                let msg = format!("`target.{field}` is empty: messages would leave it out");
                self.error(format::PACK_JSON, 0, "required", msg);
            }
        }
        for k in super::manifest::REQUIRED_VERSIONS {
            if t.version(k).is_empty() {
                let msg = format!("`target.versions` has no `{k}`: messages cite it");
                self.error(format::PACK_JSON, 0, "required", msg);
            }
        }
        self.manifest = Some(m);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn soname_shapes() {
        assert!(soname_shape("libssl.so.3").is_ok());
        assert!(soname_shape("libnss3.so").is_ok());
        assert!(soname_shape("ld-linux-x86-64.so.2").is_ok());
        assert!(soname_shape("libboost_system.so.1.83.0").is_ok());
        assert_eq!(
            soname_shape("libpamtest.so.SOVERSION").unwrap_err().0,
            LintSeverity::Warning
        );
        assert_eq!(
            soname_shape("libaio.so.1t64").unwrap_err().0,
            LintSeverity::Warning
        );
        for bad in [
            "libfoo",
            "/usr/lib64/libfoo.so.1",
            ".so.1",
            "lib foo.so.1",
            "libx.so*",
        ] {
            assert_eq!(
                soname_shape(bad).unwrap_err().0,
                LintSeverity::Error,
                "{bad}"
            );
        }
    }

    #[test]
    fn research_notes_in_user_facing_columns_are_errors() {
        let text = "unit\tkind\treplacement\treason\tsource\n\
            a.service\treplaced\tb.service\tAzure Linux ships b.service\tunits.tsv\n\
            c.service\tremoved\t\tnot shipped (azurelinux-4.0/README.md)\tREADME.md\n";
        let mut l = Linter::new("t");
        l.wording(format::UNIT_REPLACEMENTS, text);
        let r = l.finish();
        // Only the `reason` of line 3; the `source` column may name files.
        assert_eq!(r.findings.len(), 1, "{:?}", r.findings);
        let f = &r.findings[0];
        assert_eq!(
            (f.line, f.check, f.severity),
            (3, "wording", LintSeverity::Error)
        );
        assert!(f.message.contains("`reason`"), "{}", f.message);
    }

    #[test]
    fn arches() {
        for ok in [
            "x86_64",
            "noarch",
            "?",
            "aarch64",
            "x86_64(not-built-on-x86_64)",
        ] {
            assert!(valid_arch(ok), "{ok}");
        }
        for bad in ["", "x86 64", "x86_64(not-built-on-", "X86"] {
            assert!(!valid_arch(bad), "{bad}");
        }
    }
}
