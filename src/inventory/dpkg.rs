//! dpkg's database: `/var/lib/dpkg/status` (plus `updates/*` journal entries), distroless
//! `status.d/*` stanza files, and file lists from `info/<pkg>[:<arch>].list`.
//!
//! The stanza parser follows dpkg 1.21's `parse_stanza` byte for byte, and the field checks
//! follow `pkg_parse_field`/`pkg_parse_verify` for a status file (lax version parsing), so a
//! file dpkg-query refuses is refused here too (a [`Diagnostic`], no packages from that
//! file) and a file it accepts with warnings gives the same packages. What counts as
//! installed is `Status: install ok installed` (dpkg-query's `ii`) and `hold ok installed`
//! (`hi`: held, but on disk all the same).

use super::packages::{
    Dependency, InstalledPackage, Manager, Op, PackageDb, join, list_files, read_file,
    resolve_in_root,
};
use crate::findings::Diagnostic;
use crate::source::Source;
use std::collections::BTreeMap;

/// dpkg's administrative directory.
pub const ADMINDIR: &str = "/var/lib/dpkg";
/// Largest status or list file read.
const MAX_FILE: u64 = 64 << 20;

/// The selection state (first word of `Status:`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Want {
    Unknown,
    Install,
    Hold,
    Deinstall,
    Purge,
}

/// The error flag (second word of `Status:`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum EFlag {
    Ok,
    Reinstreq,
}

/// The package state (third word of `Status:`), in dpkg's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum State {
    NotInstalled,
    ConfigFiles,
    HalfInstalled,
    Unpacked,
    HalfConfigured,
    TriggersAwaited,
    TriggersPending,
    Installed,
}

/// One alternative of a dependency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Alt {
    /// Package name, lower-cased as dpkg stores it.
    pub name: String,
    /// Architecture qualifier (`:any`, `:amd64`), if written.
    pub arch: Option<String>,
    pub op: Option<Op>,
    pub version: Option<String>,
}

/// One stanza of a status file, as dpkg keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub name: String,
    pub arch: Option<String>,
    pub multiarch_same: bool,
    pub want: Want,
    pub eflag: EFlag,
    pub state: State,
    pub version: Option<String>,
    pub maintainer: Option<String>,
    pub source: Option<String>,
    pub pre_depends: Vec<Vec<Alt>>,
    pub depends: Vec<Vec<Alt>>,
    pub provides: Vec<Vec<Alt>>,
    /// Line where the stanza ends (for messages).
    pub line: usize,
}

impl Record {
    /// `ii` or `hi`: installed and selected to stay.
    pub fn is_installed(&self) -> bool {
        self.state == State::Installed
            && self.eflag == EFlag::Ok
            && matches!(self.want, Want::Install | Want::Hold)
    }
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

const MSDOS_EOF: u8 = 0x1a;

/// dpkg's `pkg_name_is_illegal`.
pub fn name_is_illegal(name: &str) -> Option<String> {
    let b = name.as_bytes();
    let Some(&first) = b.first() else {
        return Some("may not be empty string".into());
    };
    if !first.is_ascii_alphanumeric() {
        return Some("must start with an alphanumeric character".into());
    }
    for &c in b {
        if !(c.is_ascii_alphanumeric() || b"-+._".contains(&c)) {
            return Some(format!(
                "character '{}' not allowed (only letters, digits and characters '-+._')",
                c as char
            ));
        }
    }
    None
}

/// dpkg's `parseversion`: `Err` for what dpkg always refuses, `Ok(Some(warning))` for
/// what its lax status parser only warns about.
pub fn check_version(v: &str) -> Result<Option<&'static str>, &'static str> {
    let t = v.trim_start_matches(is_blank_char);
    if t.is_empty() {
        return Err("version string is empty");
    }
    let end = t.find(is_blank_char).unwrap_or(t.len());
    if !t[end..].trim_start_matches(is_blank_char).is_empty() {
        return Err("version string has embedded spaces");
    }
    let t = &t[..end];
    let rest = match t.find(':') {
        Some(colon) => {
            let epoch = &t[..colon];
            if epoch.is_empty() {
                return Err("epoch in version is empty");
            }
            let digits = epoch.strip_prefix(['+', '-']).unwrap_or(epoch);
            if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
                return Err("epoch in version is not number");
            }
            if epoch.starts_with('-') && digits.bytes().any(|c| c != b'0') {
                return Err("epoch in version is negative");
            }
            if digits.parse::<i32>().is_err() {
                return Err("epoch in version is too big");
            }
            let rest = &t[colon + 1..];
            if rest.is_empty() {
                return Err("nothing after colon in version number");
            }
            rest
        }
        None => t,
    };
    let (upstream, revision) = match rest.rfind('-') {
        Some(h) => {
            if h + 1 == rest.len() {
                return Err("revision number is empty");
            }
            (&rest[..h], &rest[h + 1..])
        }
        None => (rest, ""),
    };
    let u = upstream.as_bytes();
    if u.is_empty() {
        return Err("version number is empty");
    }
    if !u[0].is_ascii_digit() {
        return Ok(Some("version number does not start with digit"));
    }
    if u[1..]
        .iter()
        .any(|&c| !(c.is_ascii_alphanumeric() || b".-+~:".contains(&c)))
    {
        return Ok(Some("invalid character in version number"));
    }
    if revision
        .bytes()
        .any(|c| !(c.is_ascii_alphanumeric() || b".+~".contains(&c)))
    {
        return Ok(Some("invalid character in revision number"));
    }
    Ok(None)
}

fn is_blank_char(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// Split a dpkg version into epoch, upstream version and revision.
pub fn split_version(v: &str) -> (Option<u32>, String, Option<String>) {
    let v = v.trim();
    let (epoch, rest) = match v.split_once(':') {
        Some((e, r)) if !e.is_empty() && e.bytes().all(|c| c.is_ascii_digit()) => {
            (e.parse().ok(), r)
        }
        _ => (None, v),
    };
    match rest.rsplit_once('-') {
        Some((u, r)) => (epoch, u.to_string(), Some(r.to_string())),
        None => (epoch, rest.to_string(), None),
    }
}

/// A fatal parse error, formatted like dpkg's.
fn fail<T>(line: usize, pkg: Option<&str>, msg: impl AsRef<str>) -> Result<T, String> {
    Err(match pkg {
        Some(p) if !p.is_empty() => {
            format!(
                "parse error near line {line} package '{p}': {}",
                msg.as_ref()
            )
        }
        _ => format!("parse error near line {line}: {}", msg.as_ref()),
    })
}

/// The stanza scanner: dpkg's `parse_stanza`.
struct Scanner<'a> {
    d: &'a [u8],
    pos: usize,
    line: usize,
}

impl<'a> Scanner<'a> {
    fn eof(&self) -> bool {
        self.pos >= self.d.len()
    }
    fn getc(&mut self) -> u8 {
        let c = self.d.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        c
    }

    /// The next stanza's fields (raw name, raw value), `None` at the end. `pkg` names the
    /// stanza in error messages once its Package field is known.
    fn stanza(&mut self, fields: &mut Vec<(&'a [u8], &'a [u8])>) -> Result<bool, String> {
        fields.clear();
        let mut c = 0u8;
        while !self.eof() {
            c = self.getc();
            if c != b'\n' && c != MSDOS_EOF {
                break;
            }
            self.line += 1;
        }
        if self.eof() {
            return Ok(false);
        }
        let pkg_of = |fields: &Vec<(&[u8], &[u8])>| -> Option<String> {
            fields
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(b"Package"))
                .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
        };
        loop {
            let fstart = self.pos - 1;
            while !self.eof() && !is_space(c) && c != b':' && c != MSDOS_EOF {
                c = self.getc();
            }
            let flen = self.pos - fstart - 1;
            let fname = &self.d[fstart..fstart + flen];
            let show = String::from_utf8_lossy(fname).into_owned();
            let pkg = pkg_of(fields);
            if flen == 0 {
                return fail(self.line, pkg.as_deref(), "empty field name");
            }
            if fname[0] == b'-' {
                return fail(
                    self.line,
                    pkg.as_deref(),
                    format!("field name '{show}' cannot start with hyphen"),
                );
            }
            while !self.eof() && c != b'\n' && is_space(c) {
                c = self.getc();
            }
            if self.eof() {
                return fail(
                    self.line,
                    pkg.as_deref(),
                    format!("end of file after field name '{show}'"),
                );
            }
            if c == b'\n' {
                return fail(
                    self.line,
                    pkg.as_deref(),
                    format!("newline in field name '{show}'"),
                );
            }
            if c == MSDOS_EOF {
                return fail(
                    self.line,
                    pkg.as_deref(),
                    format!("MSDOS end of file (^Z) in field name '{show}'"),
                );
            }
            if c != b':' {
                return fail(
                    self.line,
                    pkg.as_deref(),
                    format!("field name '{show}' must be followed by colon"),
                );
            }
            while !self.eof() {
                c = self.getc();
                if c == b'\n' || !is_space(c) {
                    break;
                }
            }
            if self.eof() {
                return fail(
                    self.line,
                    pkg.as_deref(),
                    format!("end of file before value of field '{show}' (missing final newline)"),
                );
            }
            if c == MSDOS_EOF {
                return fail(
                    self.line,
                    pkg.as_deref(),
                    format!("MSDOS end of file char in value of field '{show}' (missing newline?)"),
                );
            }
            let mut blank_line = false;
            let vstart = self.pos - 1;
            loop {
                if c == b'\n' || c == MSDOS_EOF {
                    if blank_line {
                        return fail(
                            self.line,
                            pkg.as_deref(),
                            format!("blank line in value of field '{show}'"),
                        );
                    }
                    self.line += 1;
                    if self.eof() {
                        break;
                    }
                    c = self.getc();
                    if self.eof() || c == b'\n' || !is_space(c) {
                        break;
                    }
                    self.pos -= 1;
                    blank_line = true;
                } else if blank_line && !is_space(c) {
                    blank_line = false;
                }
                if self.eof() {
                    return fail(
                        self.line,
                        pkg.as_deref(),
                        format!(
                            "end of file during value of field '{show}' (missing final newline)"
                        ),
                    );
                }
                c = self.getc();
            }
            let mut vlen = self.pos - vstart - 1;
            while vlen > 0 && is_space(self.d[vstart + vlen - 1]) {
                vlen -= 1;
            }
            fields.push((fname, &self.d[vstart..vstart + vlen]));
            if self.eof() || c == b'\n' || c == MSDOS_EOF {
                break;
            }
        }
        if c == b'\n' {
            self.line += 1;
        }
        Ok(true)
    }
}

/// Known fields (dpkg's `fieldinfos`), lower-case; the index is the duplicate-check slot.
const KNOWN: &[&str] = &[
    "package",
    "essential",
    "protected",
    "status",
    "priority",
    "section",
    "installed-size",
    "origin",
    "maintainer",
    "bugs",
    "architecture",
    "multi-arch",
    "source",
    "version",
    "revision",
    "package-revision",
    "package_revision",
    "class",
    "recommended",
    "optional",
    "config-version",
    "replaces",
    "provides",
    "depends",
    "pre-depends",
    "recommends",
    "suggests",
    "breaks",
    "conflicts",
    "enhances",
    "conffiles",
    "filename",
    "size",
    "md5sum",
    "msdos-filename",
    "description",
    "triggers-pending",
    "triggers-awaited",
];

/// Field names are case-insensitive. dpkg 1.21 keeps the obsolete aliases (`Recommended`,
/// `Optional`, `Class`, `Package-Revision`) as fields of their own that feed the canonical
/// one, so an alias next to its canonical field is not a duplicate.
fn canonical(name: &str) -> String {
    name.to_ascii_lowercase()
}

#[derive(Default)]
struct Partial {
    name: Option<String>,
    arch: Option<String>,
    multiarch_same: bool,
    want: Option<Want>,
    eflag: Option<EFlag>,
    state: Option<State>,
    version: Option<String>,
    config_version: bool,
    maintainer: Option<String>,
    source: Option<String>,
    pre_depends: Vec<Vec<Alt>>,
    depends: Vec<Vec<Alt>>,
    provides: Vec<Vec<Alt>>,
    trig_pend: bool,
    trig_aw: bool,
}

fn parse_status_field(v: &str) -> Result<(Want, EFlag, State), String> {
    let mut words = v
        .split(|c: char| c.is_ascii_whitespace())
        .filter(|w| !w.is_empty());
    let w = words.next().unwrap_or("");
    let want = match w.to_ascii_lowercase().as_str() {
        "unknown" => Want::Unknown,
        "install" => Want::Install,
        "hold" => Want::Hold,
        "deinstall" => Want::Deinstall,
        "purge" => Want::Purge,
        _ => {
            return Err(format!(
                "first (want) word in 'Status' field: has invalid value '{w}'"
            ));
        }
    };
    let w = words.next().unwrap_or("");
    let eflag = match w.to_ascii_lowercase().as_str() {
        "ok" => EFlag::Ok,
        "reinstreq" => EFlag::Reinstreq,
        _ => {
            return Err(format!(
                "second (error) word in 'Status' field: has invalid value '{w}'"
            ));
        }
    };
    let w = words.next().unwrap_or("");
    let state = match w.to_ascii_lowercase().as_str() {
        "not-installed" => State::NotInstalled,
        "config-files" => State::ConfigFiles,
        "half-installed" => State::HalfInstalled,
        "unpacked" => State::Unpacked,
        "half-configured" => State::HalfConfigured,
        "triggers-awaited" => State::TriggersAwaited,
        "triggers-pending" => State::TriggersPending,
        "installed" => State::Installed,
        _ => {
            return Err(format!(
                "third (status) word in 'Status' field: has invalid value '{w}'"
            ));
        }
    };
    if words.next().is_some() {
        return Err("junk after third (status) word in 'Status' field".into());
    }
    Ok((want, eflag, state))
}

/// dpkg's `f_dependency`.
fn parse_dependency(field: &str, value: &str) -> Result<Vec<Vec<Alt>>, String> {
    let p = value.as_bytes();
    let mut i = 0usize;
    let at = |i: usize| p.get(i).copied().unwrap_or(0);
    let mut out = Vec::new();
    if p.is_empty() {
        return Ok(out);
    }
    let no_alternatives = matches!(field, "Conflicts" | "Breaks" | "Provides" | "Replaces");
    loop {
        let mut alts = Vec::new();
        loop {
            let start = i;
            while i < p.len() && !is_space(p[i]) && !b":(,|".contains(&p[i]) {
                i += 1;
            }
            if i == start {
                return Err(format!(
                    "'{field}' field, missing package name, or garbage where package name expected"
                ));
            }
            let name = String::from_utf8_lossy(&p[start..i]).into_owned();
            if let Some(e) = name_is_illegal(&name) {
                return Err(format!(
                    "'{field}' field, invalid package name '{name}': {e}"
                ));
            }
            while is_space(at(i)) {
                i += 1;
            }
            let mut arch = None;
            if at(i) == b':' {
                i += 1;
                let s = i;
                while i < p.len() && !is_space(p[i]) && !b"(,|".contains(&p[i]) {
                    i += 1;
                }
                if i == s {
                    return Err(format!(
                        "'{field}' field, missing architecture name, or garbage where architecture name expected"
                    ));
                }
                let a = String::from_utf8_lossy(&p[s..i]).into_owned();
                let ok = a.as_bytes()[0].is_ascii_alphanumeric()
                    && a.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-');
                if !ok {
                    return Err(format!(
                        "'{field}' field, reference to '{name}': invalid architecture name '{a}'"
                    ));
                }
                arch = Some(a);
            }
            while is_space(at(i)) {
                i += 1;
            }
            let (mut op, mut version) = (None, None);
            if at(i) == b'(' {
                i += 1;
                while is_space(at(i)) {
                    i += 1;
                }
                let c1 = at(i);
                if c1 == b'<' || c1 == b'>' {
                    i += 1;
                    let c2 = at(i);
                    if c2 == b'=' {
                        op = Some(if c1 == b'<' { Op::Le } else { Op::Ge });
                        i += 1;
                    } else if c2 == c1 {
                        op = Some(if c1 == b'<' { Op::Lt } else { Op::Gt });
                        i += 1;
                    } else if c2 == b'<' || c2 == b'>' {
                        return Err(format!(
                            "'{field}' field, reference to '{name}': bad version relationship {}{}",
                            c1 as char, c2 as char
                        ));
                    } else {
                        // Obsolete '<' and '>' mean '<=' and '>=' (a dpkg warning).
                        op = Some(if c1 == b'<' { Op::Le } else { Op::Ge });
                    }
                } else if c1 == b'=' {
                    op = Some(Op::Eq);
                    i += 1;
                } else {
                    // Implicit exact match (a dpkg warning).
                    op = Some(Op::Eq);
                }
                while is_space(at(i)) {
                    i += 1;
                }
                let vs = i;
                while i < p.len() && p[i] != b')' && p[i] != b'(' && !is_space(p[i]) {
                    i += 1;
                }
                let v = String::from_utf8_lossy(&p[vs..i]).into_owned();
                while is_space(at(i)) {
                    i += 1;
                }
                if at(i) == b'(' {
                    return Err(format!(
                        "'{field}' field, reference to '{name}': version contains '('"
                    ));
                } else if at(i) != b')' {
                    return Err(format!(
                        "'{field}' field, reference to '{name}': version contains ' '"
                    ));
                }
                if let Err(e) = check_version(&v) {
                    return Err(format!(
                        "'{field}' field, reference to '{name}': error in version: {e}"
                    ));
                }
                version = Some(v);
                i += 1;
                while is_space(at(i)) {
                    i += 1;
                }
            }
            alts.push(Alt {
                name: name.to_ascii_lowercase(),
                arch,
                op,
                version,
            });
            if i >= p.len() || p[i] == b',' {
                break;
            }
            if p[i] != b'|' {
                return Err(format!(
                    "'{field}' field, syntax error after reference to package '{name}'"
                ));
            }
            if no_alternatives {
                return Err(format!("alternatives ('|') not allowed in '{field}' field"));
            }
            i += 1;
            while is_space(at(i)) {
                i += 1;
            }
        }
        out.push(alts);
        if i >= p.len() {
            break;
        }
        i += 1;
        while is_space(at(i)) {
            i += 1;
        }
    }
    Ok(out)
}

/// dpkg's `f_conffiles` line checks.
fn check_conffiles(value: &[u8]) -> Result<(), String> {
    for line in value.split(|&c| c == b'\n') {
        let Some(&c) = line.first() else { continue };
        if c != b' ' {
            return Err(format!(
                "value for 'Conffiles' field has line starting with non-space '{}'",
                c as char
            ));
        }
        let rest = &line[1..];
        let malformed = || {
            Err(format!(
                "value for 'Conffiles' field has malformed line '{}'",
                String::from_utf8_lossy(&rest[..rest.len().min(250)])
            ))
        };
        // Up to three trailing words: hash, then optionally "obsolete", "remove-on-upgrade".
        let mut end = rest.len();
        let last_word = |end: &mut usize| -> Result<Vec<u8>, String> {
            if *end <= 1 {
                return malformed();
            }
            let sp = rest[..*end].iter().rposition(|&c| c == b' ');
            match sp {
                Some(k) if k > 1 && k + 1 < rest.len() => {
                    let w = rest[k + 1..*end].to_vec();
                    *end = k;
                    Ok(w)
                }
                _ => malformed(),
            }
        };
        let mut w = last_word(&mut end)?;
        if w == b"remove-on-upgrade" {
            w = last_word(&mut end)?;
        }
        if w == b"obsolete" {
            last_word(&mut end)?;
        }
    }
    Ok(())
}

fn apply_field(part: &mut Partial, name: &str, raw: &[u8]) -> Result<(), String> {
    let value = String::from_utf8_lossy(raw);
    let v = value.as_ref();
    let set = |s: &str| (!s.is_empty()).then(|| s.to_string());
    match name {
        "package" => {
            if let Some(e) = name_is_illegal(v) {
                return Err(format!("invalid package name in 'Package' field: {e}"));
            }
            part.name = Some(v.to_ascii_lowercase());
        }
        "essential" | "protected"
            if !v.is_empty() && !v.eq_ignore_ascii_case("yes") && !v.eq_ignore_ascii_case("no") =>
        {
            let f = if name == "essential" {
                "Essential"
            } else {
                "Protected"
            };
            return Err(format!(
                "boolean (yes/no) '{f}' field: has invalid value '{v}'"
            ));
        }
        "status" => {
            let (w, e, s) = parse_status_field(v)?;
            part.want = Some(w);
            part.eflag = Some(e);
            part.state = Some(s);
        }
        "maintainer" => part.maintainer = set(v),
        "source" => {
            // `Source: name (version)` when the versions differ.
            part.source = set(v.split_whitespace().next().unwrap_or(""));
        }
        "architecture" => part.arch = set(v),
        "multi-arch" => match v.to_ascii_lowercase().as_str() {
            "" | "no" | "foreign" | "allowed" => {}
            "same" => part.multiarch_same = true,
            _ => {
                return Err(format!(
                    "quadstate (foreign/allowed/same/no) 'Multi-Arch' field: has invalid value '{v}'"
                ));
            }
        },
        "version" => {
            if let Err(e) = check_version(v) {
                return Err(format!("'Version' field value '{v}': {e}"));
            }
            part.version = Some(v.trim().to_string());
        }
        "config-version" => {
            if v.is_empty() {
                return Ok(());
            }
            if let Err(e) = check_version(v) {
                return Err(format!("'Config-Version' field value '{v}': {e}"));
            }
            part.config_version = !v.is_empty();
        }
        "pre-depends" => part.pre_depends = parse_dependency("Pre-Depends", v)?,
        "depends" => part.depends = parse_dependency("Depends", v)?,
        "provides" => part.provides = parse_dependency("Provides", v)?,
        "replaces" | "recommends" | "suggests" | "breaks" | "conflicts" | "enhances"
        | "recommended" | "optional" => {
            let f = match name {
                "replaces" => "Replaces",
                "recommends" | "recommended" => "Recommends",
                "suggests" | "optional" => "Suggests",
                "breaks" => "Breaks",
                "conflicts" => "Conflicts",
                _ => "Enhances",
            };
            parse_dependency(f, v)?;
        }
        "conffiles" => check_conffiles(raw)?,
        "filename" | "size" | "md5sum" | "msdos-filename" => {
            return Err(if v.is_empty() {
                format!("empty file details field '{name}'")
            } else {
                format!("file details field '{name}' not allowed in status file")
            });
        }
        "triggers-pending" => {
            let mut seen = std::collections::HashSet::new();
            for w in v
                .split(|c: char| c.is_ascii_whitespace())
                .filter(|w| !w.is_empty())
            {
                if w.bytes().any(|c| c <= b' ' || c >= 0x7f) {
                    return Err(format!(
                        "illegal pending trigger name '{w}': trigger name contains invalid character"
                    ));
                }
                if !seen.insert(w) {
                    return Err(format!("duplicate pending trigger '{w}'"));
                }
                part.trig_pend = true;
            }
        }
        "triggers-awaited" => {
            let mut seen = std::collections::HashSet::new();
            for w in v
                .split(|c: char| c.is_ascii_whitespace())
                .filter(|w| !w.is_empty())
            {
                let pkg = w.split(':').next().unwrap_or(w);
                if let Some(e) = name_is_illegal(pkg) {
                    return Err(format!(
                        "illegal package name in awaited trigger '{w}': {e}"
                    ));
                }
                if !seen.insert(w) {
                    return Err(format!("duplicate awaited trigger package '{w}'"));
                }
                part.trig_aw = true;
            }
        }
        _ => {}
    }
    Ok(())
}

fn state_name(s: State) -> &'static str {
    match s {
        State::NotInstalled => "not-installed",
        State::ConfigFiles => "config-files",
        State::HalfInstalled => "half-installed",
        State::Unpacked => "unpacked",
        State::HalfConfigured => "half-configured",
        State::TriggersAwaited => "triggers-awaited",
        State::TriggersPending => "triggers-pending",
        State::Installed => "installed",
    }
}

/// Parsed status data: every stanza kept by dpkg, one per (name, architecture) slot.
#[derive(Debug, Default)]
pub struct StatusDb {
    sets: BTreeMap<String, Vec<Record>>,
}

impl StatusDb {
    /// All records, sorted by name then architecture.
    pub fn records(&self) -> impl Iterator<Item = &Record> {
        self.sets.values().flatten()
    }

    /// Parse one file (status, an `updates/` entry, or a `status.d/` stanza file) into the
    /// database, as dpkg does: the first fatal error refuses the whole file, and nothing
    /// from it is kept.
    pub fn parse(&mut self, data: &[u8]) -> Result<(), String> {
        let mut staged = StatusDb {
            sets: self.sets.clone(),
        };
        let mut sc = Scanner {
            d: data,
            pos: 0,
            line: 0,
        };
        let mut fields = Vec::new();
        while sc.stanza(&mut fields)? {
            let mut part = Partial::default();
            let mut seen: Vec<String> = Vec::new();
            let pkg_name = |p: &Partial| p.name.clone();
            for (fname, fvalue) in &fields {
                let shown = String::from_utf8_lossy(fname).into_owned();
                let canon = canonical(&shown);
                if KNOWN.contains(&canon.as_str()) {
                    if seen.contains(&canon) {
                        return fail(
                            sc.line,
                            pkg_name(&part).as_deref(),
                            format!("duplicate value for '{shown}' field"),
                        );
                    }
                    seen.push(canon.clone());
                    if let Err(e) = apply_field(&mut part, &canon, fvalue) {
                        return fail(sc.line, pkg_name(&part).as_deref(), e);
                    }
                } else {
                    if fname.len() < 2 {
                        return fail(
                            sc.line,
                            pkg_name(&part).as_deref(),
                            format!("user-defined field name '{shown}' too short"),
                        );
                    }
                    let key = format!("user:{}", shown.to_ascii_lowercase());
                    if seen.contains(&key) {
                        return fail(
                            sc.line,
                            pkg_name(&part).as_deref(),
                            format!("duplicate value for user-defined field '{shown}'"),
                        );
                    }
                    seen.push(key);
                }
            }
            let record = verify(part, sc.line)?;
            staged.insert(record)?;
        }
        *self = staged;
        Ok(())
    }

    fn insert(&mut self, r: Record) -> Result<(), String> {
        let set = self.sets.entry(r.name.clone()).or_default();
        let (mut single, mut multi) = (0, 0);
        for x in set.iter().chain(std::iter::once(&r)) {
            if x.state == State::NotInstalled {
                continue;
            }
            if x.multiarch_same {
                multi += 1;
            } else {
                single += 1;
            }
        }
        if single > 1 {
            return fail(
                r.line,
                Some(&r.name),
                "multiple non-coinstallable package instances present; most probably due to an upgrade from an unofficial dpkg",
            );
        }
        if single > 0 && multi > 0 {
            return fail(
                r.line,
                Some(&r.name),
                "mixed non-coinstallable and coinstallable package instances present; most probably due to an upgrade from an unofficial dpkg",
            );
        }
        match set.iter_mut().find(|x| x.arch == r.arch) {
            Some(slot) => *slot = r,
            None => {
                set.push(r);
                set.sort_by(|a, b| a.arch.cmp(&b.arch));
            }
        }
        Ok(())
    }
}

/// dpkg's `pkg_parse_verify` for a status file.
fn verify(p: Partial, line: usize) -> Result<Record, String> {
    let Some(name) = p.name.clone() else {
        return fail(line, None, "missing 'Package' field");
    };
    let n = Some(name.as_str());
    let state = p.state.unwrap_or(State::NotInstalled);
    if state != State::NotInstalled && state != State::HalfInstalled && p.version.is_none() {
        return fail(line, n, "missing 'Version' field");
    }
    if p.multiarch_same {
        match p.arch.as_deref() {
            None => {
                return fail(
                    line,
                    n,
                    "package has field 'Multi-Arch: same' but is missing architecture",
                );
            }
            Some("all") => {
                return fail(
                    line,
                    n,
                    "package has field 'Multi-Arch: same' but is architecture all",
                );
            }
            _ => {}
        }
    }
    if p.config_version && matches!(state, State::Installed | State::NotInstalled) {
        return fail(
            line,
            n,
            "Config-Version for package with inappropriate Status",
        );
    }
    if p.trig_aw && (state <= State::ConfigFiles || state >= State::TriggersPending) {
        return fail(
            line,
            n,
            format!(
                "package has status {} but triggers are awaited",
                state_name(state)
            ),
        );
    } else if state == State::TriggersAwaited && !p.trig_aw {
        return fail(
            line,
            n,
            "package has status triggers-awaited but no triggers awaited",
        );
    }
    if p.trig_pend && !matches!(state, State::TriggersPending | State::TriggersAwaited) {
        return fail(
            line,
            n,
            format!(
                "package has status {} but triggers are pending",
                state_name(state)
            ),
        );
    } else if state == State::TriggersPending && !p.trig_pend {
        return fail(
            line,
            n,
            "package has status triggers-pending but no triggers pending",
        );
    }
    Ok(Record {
        name,
        arch: p.arch,
        multiarch_same: p.multiarch_same,
        want: p.want.unwrap_or(Want::Unknown),
        eflag: p.eflag.unwrap_or(EFlag::Ok),
        state,
        version: p.version,
        maintainer: p.maintainer,
        source: p.source,
        pre_depends: p.pre_depends,
        depends: p.depends,
        provides: p.provides,
        line,
    })
}

/// Parse one status-format file on its own: its records, or dpkg's fatal error.
pub fn parse_status(data: &[u8]) -> Result<Vec<Record>, String> {
    let mut db = StatusDb::default();
    db.parse(data)?;
    Ok(db.records().cloned().collect())
}

fn to_dependency(alts: &[Alt]) -> Dependency {
    if let [a] = alts {
        return Dependency {
            name: a.name.clone(),
            op: a.op,
            version: a.version.clone(),
            flags: 0,
        };
    }
    let raw: Vec<String> = alts
        .iter()
        .map(|a| match (&a.op, &a.version) {
            (Some(op), Some(v)) => format!("{} ({} {v})", a.name, dpkg_op(*op)),
            _ => a.name.clone(),
        })
        .collect();
    Dependency::bare(raw.join(" | "))
}

fn dpkg_op(op: Op) -> &'static str {
    match op {
        Op::Lt => "<<",
        Op::Le => "<=",
        Op::Eq => "=",
        Op::Ge => ">=",
        Op::Gt => ">>",
    }
}

/// The package model for an installed record.
pub fn to_package(r: &Record, location: &str) -> InstalledPackage {
    let mut p = InstalledPackage::new(Manager::Dpkg, r.name.clone(), location);
    let (epoch, version, release) = split_version(r.version.as_deref().unwrap_or(""));
    p.epoch = epoch;
    p.version = version;
    p.release = release;
    p.arch = r.arch.clone();
    p.maintainer = r.maintainer.clone();
    p.source = r.source.clone();
    p.requires = r
        .pre_depends
        .iter()
        .chain(r.depends.iter())
        .map(|a| to_dependency(a))
        .collect();
    p.provides = r.provides.iter().map(|a| to_dependency(a)).collect();
    p
}

/// Lines of a dpkg file list (absolute paths).
fn list_lines(data: &[u8]) -> Vec<String> {
    // Paths are bytes: the escaped form of `names`, as the walk has them.
    data.split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .filter(|l| !l.is_empty())
        .map(super::names::from_bytes)
        .collect()
}

/// Paths of a distroless `status.d/<pkg>.md5sums` file (`<md5>  <relative path>`).
fn md5sums_paths(data: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(data)
        .lines()
        .filter_map(|l| {
            let (_, path) = l.split_once(char::is_whitespace)?;
            let path = path.trim_start();
            (!path.is_empty()).then(|| format!("/{}", path.trim_start_matches('/')))
        })
        .collect()
}

/// Read dpkg's database of the tree into `db`.
pub(crate) fn read_database(source: &dyn Source, db: &mut PackageDb) {
    let Some(admin) = resolve_in_root(source, ADMINDIR) else {
        return;
    };
    let Some(top) = list_files(source, &admin) else {
        return;
    };
    let info = list_files(source, &join(&admin, "info")).unwrap_or_default();
    let mut found = false;

    // status (+ updates/)
    if top.iter().any(|n| n == "status") {
        found = true;
        let path = join(&admin, "status");
        db.databases.push(path.clone());
        let mut sdb = StatusDb::default();
        match read_file(source, &path, MAX_FILE) {
            Err(e) => db
                .diagnostics
                .push(Diagnostic::unread(path.clone(), "cannot read", &e)),
            Ok(bytes) => {
                if let Err(e) = sdb.parse(&bytes) {
                    db.diagnostics.push(Diagnostic::new(
                        path.clone(),
                        format!("{e} (dpkg refuses this file; no packages read from it)"),
                    ));
                }
            }
        }
        let updates_dir = join(&admin, "updates");
        for name in list_files(source, &updates_dir).unwrap_or_default() {
            if name.is_empty() || !name.bytes().all(|c| c.is_ascii_digit()) {
                continue;
            }
            let up = join(&updates_dir, &name);
            let r = read_file(source, &up, MAX_FILE)
                .map_err(|e| format!("cannot read: {e}"))
                .and_then(|b| sdb.parse(&b));
            match r {
                Ok(()) => db.databases.push(up),
                Err(e) => db.diagnostics.push(Diagnostic::new(
                    up,
                    format!("{e}; update entry not applied"),
                )),
            }
        }
        for r in sdb.records().filter(|r| r.is_installed()) {
            let mut p = to_package(r, &path);
            p.files = list_for(source, &admin, &info, r, &mut p.problems);
            db.packages.push(p);
        }
    }

    // status.d/ (distroless): one stanza file per package.
    let sd = join(&admin, "status.d");
    if let Some(names) = list_files(source, &sd) {
        for name in names.iter().filter(|n| !n.ends_with(".md5sums")) {
            found = true;
            let path = join(&sd, name);
            db.databases.push(path.clone());
            let bytes = match read_file(source, &path, MAX_FILE) {
                Ok(b) => b,
                Err(e) => {
                    db.diagnostics
                        .push(Diagnostic::unread(path, "cannot read", &e));
                    continue;
                }
            };
            match parse_status(&bytes) {
                Err(e) => db.diagnostics.push(Diagnostic::new(
                    path,
                    format!("{e} (dpkg would refuse this stanza file; no packages read from it)"),
                )),
                Ok(records) => {
                    for r in records.iter().filter(|r| r.is_installed()) {
                        let mut p = to_package(r, &path);
                        p.files = list_for(source, &admin, &info, r, &mut p.problems);
                        if p.files.is_empty() {
                            let m = format!("{}.md5sums", r.name);
                            if names.contains(&m)
                                && let Ok(b) = read_file(source, &join(&sd, &m), MAX_FILE)
                            {
                                p.files = md5sums_paths(&b);
                            }
                        }
                        db.packages.push(p);
                    }
                }
            }
        }
    }
    if found {
        db.managers.push("dpkg".into());
    }
}

/// The file list of an installed record: `info/<pkg>:<arch>.list` for `Multi-Arch: same`
/// packages, `info/<pkg>.list` otherwise (each falling back to the other).
fn list_for(
    source: &dyn Source,
    admin: &str,
    info: &[String],
    r: &Record,
    problems: &mut Vec<String>,
) -> Vec<String> {
    let plain = format!("{}.list", r.name);
    let qualified = r.arch.as_ref().map(|a| format!("{}:{a}.list", r.name));
    let mut order = vec![Some(plain), qualified];
    if r.multiarch_same {
        order.reverse();
    }
    for name in order.into_iter().flatten() {
        if info.contains(&name) {
            let path = join(&join(admin, "info"), &name);
            return match read_file(source, &path, MAX_FILE) {
                Ok(b) => list_lines(&b),
                Err(e) => {
                    problems.push(format!("cannot read {path}: {e}"));
                    Vec::new()
                }
            };
        }
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn installed(s: &str) -> Result<Vec<String>, String> {
        Ok(parse_status(s.as_bytes())?
            .into_iter()
            .filter(|r| r.is_installed())
            .map(|r| r.name)
            .collect())
    }

    const OK: &str = "Package: a\nStatus: install ok installed\nVersion: 1\nMaintainer: x\nArchitecture: all\nDescription: y\n";

    #[test]
    fn accepts_what_dpkg_accepts() {
        assert_eq!(installed(OK).unwrap(), vec!["a"]);
        assert_eq!(installed(&OK.replace('\n', "\r\n")).unwrap(), vec!["a"]);
        assert_eq!(
            installed(&OK.replace("install ok", "hold ok")).unwrap(),
            vec!["a"]
        );
        assert_eq!(
            installed(&OK.replace("Package: a", "Package: Abc")).unwrap(),
            vec!["abc"]
        );
        // Lax versions are warnings.
        assert_eq!(
            installed(&OK.replace("Version: 1", "Version: abc"))
                .unwrap()
                .len(),
            1
        );
        // Obsolete '<' and Provides with '>=' are warnings.
        let deps = OK.replace(
            "Description",
            "Depends: b (< 1), c (>1), d:any, e:amd64 (>= 2)\nProvides: f (>= 1)\nDescription",
        );
        assert_eq!(installed(&deps).unwrap().len(), 1);
        // Two Multi-Arch: same instances.
        let ma = "Package: a\nStatus: install ok installed\nVersion: 1\nArchitecture: amd64\nMulti-Arch: same\n\nPackage: a\nStatus: install ok installed\nVersion: 1\nArchitecture: i386\nMulti-Arch: same\n";
        assert_eq!(installed(ma).unwrap().len(), 2);
        assert_eq!(installed("").unwrap().len(), 0);
        assert_eq!(installed("\n\n").unwrap().len(), 0);
    }

    #[test]
    fn refuses_what_dpkg_refuses() {
        for bad in [
            OK.trim_end().to_string(), // no final newline
            format!("{OK}\n{OK}"),     // duplicate instance
            OK.replace("installed\n", "weird\n"),
            OK.replace("Description", "Multi-Arch: wat\nDescription"),
            OK.replace("Description", "Essential: maybe\nDescription"),
            OK.replace("Version: 1", "Version: "),
            OK.replace("Description", "Provides: f | g\nDescription"),
            OK.replace("Description", "X: 1\nDescription"),
            OK.replace("Description", "Conffiles:\n /etc/x\nDescription"),
            OK.replace("Description", "Triggers-Pending: foo\nDescription"),
            OK.replace("Version: 1\n", ""),
            OK.replace("Package: a\n", ""),
            OK.replace("Package: a", "Package:"),
            OK.replace("Description", "Depends: a [i386]\nDescription"),
            OK.replace("Description", "Depends: a,\nDescription"),
            "asdf\n\nyolo\n".to_string(),
            "Package:".to_string(),
        ] {
            assert!(parse_status(bad.as_bytes()).is_err(), "accepted: {bad:?}");
        }
    }

    #[test]
    fn dependencies_become_the_model() {
        let s = OK.replace(
            "Description",
            "Pre-Depends: libc6 (>= 2.34)\nDepends: debconf (>= 0.5) | debconf-2.0, python3:any, zlib1g (<< 1:2)\nProvides: foo (= 1.0)\nDescription",
        );
        let r = &parse_status(s.as_bytes()).unwrap()[0];
        let p = to_package(r, "/var/lib/dpkg/status");
        let req: Vec<(String, Option<Op>, Option<String>)> = p
            .requires
            .iter()
            .map(|d| (d.name.clone(), d.op, d.version.clone()))
            .collect();
        assert_eq!(
            req,
            vec![
                ("libc6".into(), Some(Op::Ge), Some("2.34".into())),
                ("debconf (>= 0.5) | debconf-2.0".into(), None, None),
                ("python3".into(), None, None),
                ("zlib1g".into(), Some(Op::Lt), Some("1:2".into())),
            ]
        );
        assert_eq!(p.provides[0].version.as_deref(), Some("1.0"));
    }

    #[test]
    fn splits_versions() {
        assert_eq!(
            split_version("1:2.3-4ubuntu1"),
            (Some(1), "2.3".into(), Some("4ubuntu1".into()))
        );
        assert_eq!(split_version("2.3"), (None, "2.3".into(), None));
        assert_eq!(
            split_version("1.2-3-4"),
            (None, "1.2-3".into(), Some("4".into()))
        );
    }

    #[test]
    fn md5sums_become_absolute_paths() {
        assert_eq!(
            md5sums_paths(b"d41d8cd98f00b204e9800998ecf8427e  usr/bin/x\n"),
            vec!["/usr/bin/x"]
        );
    }
}
