//! Python in the tree: virtual environments (`pyvenv.cfg`), installed distributions
//! (`*.dist-info/WHEEL`), extension modules' ABI tags (from their file names) and imports of
//! standard-library modules, found by a tokenizer-level scan of the workload's `.py` files.
//!
//! The walk only notes these files by name ([`noted`]); they are read after ownership is known,
//! through the [`Source`], each read capped. Files owned by the source distribution's packages
//! are replaced on the target and are not read; `.py` files below `site-packages` /
//! `dist-packages` belong to installed distributions (judged by their tags, upgraded as a whole)
//! and are not scanned either.

use super::ownership::{Origin, Ownership};
use super::{Inventory, file_name, parent_dir};
use crate::findings::Diagnostic;
use crate::source::Source;

/// `pyvenv.cfg` and `WHEEL` files are read up to this many bytes.
pub const MAX_SMALL_FILE: u64 = 64 << 10;
/// `.py` files larger than this are not scanned (a diagnostic says so).
pub const MAX_PY_SIZE: u64 = 1 << 20;
/// At most this many `.py` files are scanned per tree (a diagnostic says how many were not).
pub const MAX_PY_FILES: usize = 20_000;

/// Whether the walk notes a regular file for this module (by its target path; cheap).
pub fn noted(path: &str) -> bool {
    let name = file_name(path);
    name == "pyvenv.cfg"
        || name.ends_with(".py")
        || name.ends_with(".whl")
        || (name == "WHEEL" && parent_dir(path).ends_with(".dist-info"))
}

/// The ABI an extension module's file name says it was built for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExtensionAbi {
    /// `NAME.cpython-39-x86_64-linux-gnu.so`: one CPython version; `flags` are the ABI flags
    /// (`t` free-threaded, `d` debug; the pre-3.8 `m` is dropped).
    CPython { version: (u32, u32), flags: String },
    /// `NAME.abi3.so`: the stable ABI (its floor is in the distribution's wheel tag).
    Abi3,
}

impl ExtensionAbi {
    /// `cpython-39`, `cpython-314t`, `abi3`: the subject findings carry.
    pub fn tag(&self) -> String {
        match self {
            ExtensionAbi::CPython { version, flags } => {
                format!("cpython-{}{}{flags}", version.0, version.1)
            }
            ExtensionAbi::Abi3 => "abi3".into(),
        }
    }
}

/// The ABI of an extension module from its file name, if it carries one.
pub fn extension_abi(name: &str) -> Option<ExtensionAbi> {
    let stem = name.strip_suffix(".so")?;
    let (_, tag) = stem.rsplit_once('.')?;
    if tag == "abi3" {
        return Some(ExtensionAbi::Abi3);
    }
    let rest = tag.strip_prefix("cpython-")?;
    let abi = rest.split('-').next()?;
    let digits: String = abi.chars().take_while(char::is_ascii_digit).collect();
    let flags: String = abi[digits.len()..].chars().filter(|c| *c != 'm').collect();
    if digits.len() < 2 || !flags.chars().all(|c| c.is_ascii_lowercase()) {
        return None;
    }
    let major = digits[..1].parse().ok()?;
    let minor = digits[1..].parse().ok()?;
    Some(ExtensionAbi::CPython {
        version: (major, minor),
        flags,
    })
}

/// A virtual environment: the directory holding a `pyvenv.cfg`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Venv {
    pub dir: String,
    /// The `pyvenv.cfg` path.
    pub cfg: String,
    pub home: Option<String>,
    /// `version` / `version_info` as written.
    pub version_text: Option<String>,
    /// `major.minor` of the Python the venv was made with (from `pyvenv.cfg`, else from its
    /// `lib/pythonX.Y` directory).
    pub version: Option<(u32, u32)>,
    /// `executable` (Python 3.11+ venvs write it).
    pub executable: Option<String>,
    pub include_system_site_packages: bool,
}

/// An installed distribution (`NAME-VERSION.dist-info/WHEEL`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Dist {
    /// The `WHEEL` file.
    pub wheel: String,
    pub name: String,
    pub version: String,
    /// `Tag:` values, compressed tag sets expanded (`cp39-cp39-manylinux_2_17_x86_64`).
    pub tags: Vec<String>,
}

/// An import of a module the caller asked about, in a workload `.py` file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Import {
    pub path: String,
    /// 1-based line of the statement.
    pub line: u32,
    /// The dotted name imported (`imp`, `distutils.core`, `tkinter.tix`).
    pub module: String,
}

/// What the tree holds of Python.
#[derive(Clone, Debug, Default)]
pub struct PythonInventory {
    pub venvs: Vec<Venv>,
    pub dists: Vec<Dist>,
    /// Wheel files lying in the tree (offline install bundles: `wheels/`, `vendor/`), judged
    /// by their file names' tags (`wheel` is the file's path).
    pub wheel_files: Vec<Dist>,
    /// Imports of the modules asked about, outside `try`/`except`, version checks and
    /// `TYPE_CHECKING` blocks (those are written to survive the module's absence).
    pub imports: Vec<Import>,
    /// Top-level module names (and dotted packages) the tree's site-packages provide, so that a
    /// backport (`standard-telnetlib` installs `telnetlib`) is seen.
    pub provided_modules: std::collections::BTreeSet<String>,
    /// `.py` files scanned.
    pub scanned: usize,
    pub diagnostics: Vec<Diagnostic>,
}

fn read_capped(source: &dyn Source, path: &str, cap: u64) -> std::io::Result<Vec<u8>> {
    let out = source
        .open(&super::names::to_path(path))?
        .read_prefix(cap + 1)?;
    if out.len() as u64 > cap {
        return Err(too_big(cap));
    }
    Ok(out)
}

fn too_big(cap: u64) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::FileTooLarge,
        format!("larger than {cap} bytes"),
    )
}

fn in_site_packages(path: &str) -> bool {
    path.contains("/site-packages/") || path.contains("/dist-packages/")
}

/// Whether a path lies in a Python installation's own library (`.../lib/python3.9/...`,
/// `lib64/python2.7`): its standard library runs with its own interpreter, and its
/// site-packages hold installed distributions.
fn in_python_lib(path: &str) -> bool {
    ["/lib/python", "/lib64/python"].iter().any(|m| {
        path.match_indices(m).any(|(i, _)| {
            path[i + m.len()..]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_digit())
        })
    })
}

/// [`collect`] asking for the standard-library modules the target's Python no longer has
/// (knowledge/platform/python-removed-modules.tsv, up to the pack's default Python).
pub fn collect_for(
    source: &dyn Source,
    inv: &Inventory,
    own: &Ownership,
    pack: &crate::knowledge::Pack,
) -> PythonInventory {
    use crate::knowledge::runtimes;
    let target = runtimes::default_interpreter(pack, "python").map(|i| i.version);
    let removed: Vec<&str> = runtimes::removed_modules()
        .iter()
        .filter(|r| target.is_some_and(|t| r.removed_in <= t))
        .map(|r| r.module.as_str())
        .collect();
    collect(source, inv, own, &removed)
}

/// Read what the walk noted. `removed` are the dotted module names whose imports are wanted.
pub fn collect(
    source: &dyn Source,
    inv: &Inventory,
    own: &Ownership,
    removed: &[&str],
) -> PythonInventory {
    let mut out = PythonInventory::default();
    let distro = |p: &str| own.owner(p).is_some_and(|o| o.origin == Origin::Distro);
    let mut skipped_count = 0usize;
    let tops: std::collections::HashSet<&[u8]> = removed
        .iter()
        .map(|r| r.split('.').next().unwrap_or(r).as_bytes())
        .collect();
    for path in inv.runtime_files.iter().filter(|p| noted(p)) {
        if distro(path) {
            continue;
        }
        let name = file_name(path);
        if name.ends_with(".whl") {
            if let Some(d) = parse_wheel_file_name(path) {
                out.wheel_files.push(d);
            }
        } else if name == "pyvenv.cfg" {
            match read_capped(source, path, MAX_SMALL_FILE) {
                Ok(b) => out
                    .venvs
                    .push(parse_pyvenv(path, &String::from_utf8_lossy(&b), inv)),
                Err(e) => {
                    out.diagnostics
                        .push(Diagnostic::unread(path, "cannot read pyvenv.cfg", &e))
                }
            }
        } else if name == "WHEEL" {
            match read_capped(source, path, MAX_SMALL_FILE) {
                Ok(b) => out
                    .dists
                    .push(parse_wheel(path, &String::from_utf8_lossy(&b))),
                Err(e) => out
                    .diagnostics
                    .push(Diagnostic::unread(path, "cannot read WHEEL", &e)),
            }
        } else if in_site_packages(path) {
            if let Some(m) = site_module(path) {
                out.provided_modules.insert(m);
            }
        } else if !removed.is_empty() && !in_python_lib(path) {
            if out.scanned >= MAX_PY_FILES {
                skipped_count += 1;
                continue;
            }
            match read_capped(source, path, MAX_PY_SIZE) {
                Ok(b) => {
                    out.scanned += 1;
                    // Tokenize only a file that names a wanted module somewhere.
                    if !mentions_any(&b, &tops) {
                        continue;
                    }
                    for (line, module) in scan_imports(&b) {
                        if removed
                            .iter()
                            .any(|r| module == *r || module.starts_with(&format!("{r}.")))
                        {
                            out.imports.push(Import {
                                path: path.clone(),
                                line,
                                module,
                            });
                        }
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::FileTooLarge => {
                    out.diagnostics.push(Diagnostic::new(
                        path,
                        format!(
                            "Python source larger than {MAX_PY_SIZE} bytes: imports not scanned"
                        ),
                    ));
                }
                Err(e) => {
                    out.diagnostics
                        .push(Diagnostic::unread(path, "cannot read Python source", &e))
                }
            }
        }
    }
    if skipped_count > 0 {
        out.diagnostics.push(Diagnostic::new(
            "/",
            format!(
                "{skipped_count} Python source files beyond the first {MAX_PY_FILES} not scanned for imports"
            ),
        ));
    }
    out
}

/// Whether `src` has an identifier (a maximal run of `[A-Za-z0-9_]` or non-ASCII bytes) equal to
/// one of `words`: a cheap pass that spares the tokenizer files that cannot import them.
fn mentions_any(src: &[u8], words: &std::collections::HashSet<&[u8]>) -> bool {
    let ident = |b: u8| b == b'_' || b.is_ascii_alphanumeric() || b >= 0x80;
    let mut i = 0;
    while i < src.len() {
        if ident(src[i]) {
            let s = i;
            while i < src.len() && ident(src[i]) {
                i += 1;
            }
            if words.contains(&src[s..i]) {
                return true;
            }
        } else {
            i += 1;
        }
    }
    false
}

/// `.../site-packages/telnetlib.py` -> `telnetlib`; `.../site-packages/pkg/__init__.py` -> `pkg`.
fn site_module(path: &str) -> Option<String> {
    let i = path
        .rfind("/site-packages/")
        .map(|i| i + "/site-packages/".len())
        .or_else(|| {
            path.rfind("/dist-packages/")
                .map(|i| i + "/dist-packages/".len())
        })?;
    let rel = &path[i..];
    match rel.split_once('/') {
        None => rel.strip_suffix(".py").map(str::to_string),
        Some((top, "__init__.py")) => Some(top.to_string()),
        _ => None,
    }
}

/// Parse a `pyvenv.cfg` (`key = value` lines).
pub fn parse_pyvenv(path: &str, text: &str, inv: &Inventory) -> Venv {
    let dir = parent_dir(path);
    let mut v = Venv {
        cfg: path.to_string(),
        ..Venv::default()
    };
    for line in text.lines() {
        let Some((k, val)) = line.split_once('=') else {
            continue;
        };
        let val = val.trim().to_string();
        match k.trim() {
            "home" => v.home = Some(val),
            "version" | "version_info" => {
                v.version = crate::knowledge::runtimes::major_minor(&val);
                v.version_text = Some(val);
            }
            "executable" => v.executable = Some(val),
            "include-system-site-packages" => {
                v.include_system_site_packages = val.eq_ignore_ascii_case("true")
            }
            _ => {}
        }
    }
    if v.version.is_none() {
        // The venv's own lib/pythonX.Y says which Python made it.
        let lib = format!("{dir}/lib/");
        let mut found: Vec<(u32, u32)> = inv
            .nodes
            .keys()
            .filter_map(|p| p.strip_prefix(&lib))
            .filter(|rest| !rest.contains('/'))
            .filter_map(|rest| rest.strip_prefix("python"))
            .filter_map(crate::knowledge::runtimes::major_minor)
            .collect();
        found.sort();
        found.dedup();
        if found.len() == 1 {
            v.version = Some(found[0]);
        }
    }
    v.dir = dir;
    v
}

/// A wheel file's name (PEP 427: `{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl`,
/// compressed tag sets with `.`) as a [`Dist`] whose `wheel` is the file; `None` when the name
/// is not a wheel's.
pub fn parse_wheel_file_name(path: &str) -> Option<Dist> {
    let stem = file_name(path).strip_suffix(".whl")?;
    let parts: Vec<&str> = stem.split('-').collect();
    if !(parts.len() == 5 || parts.len() == 6) || parts.iter().any(|p| p.is_empty()) {
        return None;
    }
    let n = parts.len();
    let tag = format!("Tag: {}-{}-{}\n", parts[n - 3], parts[n - 2], parts[n - 1]);
    let mut d = parse_wheel(path, &tag);
    d.name = parts[0].to_string();
    d.version = parts[1].to_string();
    Some(d)
}

/// Parse a `WHEEL` file (`Tag:` lines) of a `NAME-VERSION.dist-info` directory.
pub fn parse_wheel(path: &str, text: &str) -> Dist {
    let dir = file_name(&parent_dir(path)).to_string();
    let stem = dir.strip_suffix(".dist-info").unwrap_or(&dir);
    let (name, version) = stem.rsplit_once('-').unwrap_or((stem, ""));
    let mut tags = Vec::new();
    for line in text.lines() {
        let Some(t) = line.strip_prefix("Tag:") else {
            continue;
        };
        let parts: Vec<&str> = t.trim().split('-').collect();
        if parts.len() != 3 {
            continue;
        }
        for py in parts[0].split('.') {
            for abi in parts[1].split('.') {
                for plat in parts[2].split('.') {
                    tags.push(format!("{py}-{abi}-{plat}"));
                }
            }
        }
    }
    tags.sort();
    tags.dedup();
    Dist {
        wheel: path.to_string(),
        name: name.to_string(),
        version: version.to_string(),
        tags,
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Name(String),
    Dot,
    Comma,
    Colon,
    Semi,
    Open,
    Close,
    Other,
}

/// A block that guards what it contains against a missing module.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Block {
    indent: usize,
    guard: bool,
    /// An `if` on the Python version (its `elif`/`else` are guarded too).
    version_if: bool,
}

/// The imports of a Python source (`(line, dotted name)`), found by tokenizing: comments and
/// strings are skipped, continuation lines and brackets joined. Relative imports are left out;
/// `from a import b` yields `a` and `a.b`. Imports inside `try`/`except`, inside `if` blocks
/// on the Python version (`sys.version_info`, `PY2`/`PY3`) and `if TYPE_CHECKING:` are left
/// out: they are written to survive a missing module.
pub fn scan_imports(src: &[u8]) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    let mut stack: Vec<Block> = Vec::new();
    let mut last_popped: Option<Block> = None;
    let mut each = |indent: usize, line: u32, toks: &[Tok]| {
        let mut popped = None;
        while stack.last().is_some_and(|b| b.indent >= indent) {
            popped = stack.pop();
        }
        if popped.is_some() {
            last_popped = popped;
        }
        let guarded_above = stack.iter().any(|b| b.guard);
        for stmt in toks.split(|t| *t == Tok::Semi) {
            let (header, body) = split_header(stmt);
            let mut guard = guarded_above;
            if let Some(h) = header {
                let kw = match h.first() {
                    Some(Tok::Name(n)) => n.as_str(),
                    _ => "",
                };
                let names = |ws: &[&str]| {
                    h.iter()
                        .any(|t| matches!(t, Tok::Name(n) if ws.contains(&n.as_str())))
                };
                let version_if = matches!(kw, "if" | "elif")
                    && names(&[
                        "version_info",
                        "version",
                        "hexversion",
                        "PY2",
                        "PY3",
                        "TYPE_CHECKING",
                    ]);
                let after_version_if = matches!(kw, "elif" | "else")
                    && last_popped.is_some_and(|b| b.indent == indent && b.version_if);
                let g = matches!(kw, "try" | "except") || version_if || after_version_if;
                guard |= g;
                if body.is_empty() {
                    stack.push(Block {
                        indent,
                        guard: g,
                        version_if: version_if || after_version_if,
                    });
                    continue;
                }
            }
            if !guard {
                imports_of(body, line, &mut out);
            }
        }
    };
    tokenize(src, &mut each);
    out
}

/// `if x: body` -> (Some(header), body); a plain statement -> (None, stmt).
fn split_header(stmt: &[Tok]) -> (Option<&[Tok]>, &[Tok]) {
    const KW: &[&str] = &[
        "if", "elif", "else", "try", "except", "finally", "with", "for", "while", "def", "class",
        "async",
    ];
    let is_kw = matches!(stmt.first(), Some(Tok::Name(n)) if KW.contains(&n.as_str()));
    if !is_kw {
        return (None, stmt);
    }
    let mut depth = 0i32;
    for (i, t) in stmt.iter().enumerate() {
        match t {
            Tok::Open => depth += 1,
            Tok::Close => depth -= 1,
            Tok::Colon if depth == 0 => return (Some(&stmt[..i]), &stmt[i + 1..]),
            _ => {}
        }
    }
    (None, stmt)
}

fn dotted(toks: &[Tok]) -> (String, usize) {
    let mut s = String::new();
    let mut i = 0;
    while i < toks.len() {
        match &toks[i] {
            Tok::Name(n) if s.is_empty() || s.ends_with('.') => s.push_str(n),
            Tok::Dot if !s.is_empty() && !s.ends_with('.') => s.push('.'),
            _ => break,
        }
        i += 1;
    }
    (s.trim_end_matches('.').to_string(), i)
}

fn imports_of(stmt: &[Tok], line: u32, out: &mut Vec<(u32, String)>) {
    match stmt.first() {
        Some(Tok::Name(k)) if k == "import" => {
            for part in stmt[1..].split(|t| *t == Tok::Comma) {
                let (m, _) = dotted(part);
                if !m.is_empty() {
                    out.push((line, m));
                }
            }
        }
        Some(Tok::Name(k)) if k == "from" => {
            if matches!(stmt.get(1), Some(Tok::Dot)) {
                return;
            }
            let (m, n) = dotted(&stmt[1..]);
            if m.is_empty() || !matches!(stmt.get(1 + n), Some(Tok::Name(i)) if i == "import") {
                return;
            }
            out.push((line, m.clone()));
            for part in stmt[2 + n..].split(|t| *t == Tok::Comma) {
                let part: Vec<&Tok> = part
                    .iter()
                    .filter(|t| !matches!(t, Tok::Open | Tok::Close))
                    .collect();
                if let Some(Tok::Name(x)) = part.first() {
                    out.push((line, format!("{m}.{x}")));
                }
            }
        }
        _ => {}
    }
}

/// Split a source into logical lines of tokens: `each(indent, first line, tokens)`.
fn tokenize(src: &[u8], each: &mut dyn FnMut(usize, u32, &[Tok])) {
    let n = src.len();
    let mut i = 0;
    let mut line: u32 = 1;
    let mut depth: i32 = 0;
    let mut toks: Vec<Tok> = Vec::new();
    let mut start_line = 1;
    let mut indent = 0;
    let mut at_start = true;
    let mut continued = false;
    while i < n {
        if at_start && depth == 0 && !continued {
            let mut w = 0;
            while i < n && (src[i] == b' ' || src[i] == b'\t' || src[i] == b'\x0c') {
                w += if src[i] == b'\t' { 8 - w % 8 } else { 1 };
                i += 1;
            }
            if i >= n {
                break;
            }
            if src[i] == b'\n' || src[i] == b'\r' || src[i] == b'#' {
                // Blank or comment-only line.
                while i < n && src[i] != b'\n' {
                    i += 1;
                }
                i += 1;
                line += 1;
                continue;
            }
            indent = w;
            start_line = line;
        }
        at_start = false;
        continued = false;
        let c = src[i];
        match c {
            b'#' => {
                while i < n && src[i] != b'\n' {
                    i += 1;
                }
            }
            b'\\' if src.get(i + 1) == Some(&b'\n') => {
                i += 2;
                line += 1;
                continued = true;
                at_start = true;
            }
            b'\\' if src.get(i + 1) == Some(&b'\r') && src.get(i + 2) == Some(&b'\n') => {
                i += 3;
                line += 1;
                continued = true;
                at_start = true;
            }
            b'\n' => {
                i += 1;
                line += 1;
                at_start = true;
                if depth <= 0 {
                    depth = 0;
                    if !toks.is_empty() {
                        each(indent, start_line, &toks);
                        toks.clear();
                    }
                }
            }
            b'\'' | b'"' => {
                // A string prefix (r, b, f, u, rb ...) was read as a name: drop it.
                if let Some(Tok::Name(p)) = toks.last()
                    && p.len() <= 2
                    && p.chars().all(|c| "rRbBfFuUtT".contains(c))
                    && i > 0
                    && src[i - 1].is_ascii_alphabetic()
                {
                    toks.pop();
                }
                let triple = src.get(i + 1) == Some(&c) && src.get(i + 2) == Some(&c);
                i += if triple { 3 } else { 1 };
                while i < n {
                    if src[i] == b'\\' {
                        if src.get(i + 1) == Some(&b'\n') {
                            line += 1;
                        }
                        i += 2;
                        continue;
                    }
                    if src[i] == b'\n' {
                        line += 1;
                        if !triple {
                            // An unterminated string ends at the line.
                            break;
                        }
                    }
                    if src[i] == c
                        && (!triple || (src.get(i + 1) == Some(&c) && src.get(i + 2) == Some(&c)))
                    {
                        i += if triple { 3 } else { 1 };
                        break;
                    }
                    i += 1;
                }
                toks.push(Tok::Other);
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                toks.push(Tok::Open);
                i += 1;
            }
            b')' | b']' | b'}' => {
                depth -= 1;
                toks.push(Tok::Close);
                i += 1;
            }
            b'.' => {
                toks.push(Tok::Dot);
                i += 1;
            }
            b',' => {
                toks.push(Tok::Comma);
                i += 1;
            }
            b':' => {
                toks.push(Tok::Colon);
                i += 1;
            }
            b';' => {
                toks.push(Tok::Semi);
                i += 1;
            }
            c if c == b'_' || c.is_ascii_alphabetic() || c >= 0x80 => {
                let s = i;
                while i < n && (src[i] == b'_' || src[i].is_ascii_alphanumeric() || src[i] >= 0x80)
                {
                    i += 1;
                }
                toks.push(Tok::Name(String::from_utf8_lossy(&src[s..i]).into_owned()));
            }
            c if c.is_ascii_digit() => {
                while i < n && (src[i].is_ascii_alphanumeric() || src[i] == b'_' || src[i] == b'.')
                {
                    i += 1;
                }
                toks.push(Tok::Other);
            }
            _ => {
                if !c.is_ascii_whitespace() {
                    toks.push(Tok::Other);
                }
                i += 1;
            }
        }
    }
    if !toks.is_empty() {
        each(indent, start_line, &toks);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mods(src: &str) -> Vec<(u32, String)> {
        scan_imports(src.as_bytes())
    }

    #[test]
    fn extension_tags_from_file_names() {
        assert_eq!(
            extension_abi("_speedups.cpython-39-x86_64-linux-gnu.so"),
            Some(ExtensionAbi::CPython {
                version: (3, 9),
                flags: String::new()
            })
        );
        assert_eq!(
            extension_abi("_x.cpython-36m-x86_64-linux-gnu.so")
                .unwrap()
                .tag(),
            "cpython-36"
        );
        assert_eq!(
            extension_abi("_x.cpython-314t-x86_64-linux-gnu.so")
                .unwrap()
                .tag(),
            "cpython-314t"
        );
        assert_eq!(extension_abi("_bcrypt.abi3.so"), Some(ExtensionAbi::Abi3));
        assert_eq!(extension_abi("libfoo.so"), None);
        assert_eq!(extension_abi("libfoo.so.1"), None);
        assert_eq!(extension_abi("x.pypy39-pp73-x86_64-linux-gnu.so"), None);
    }

    #[test]
    fn imports_skip_comments_strings_and_guards() {
        let src = r#"# import imp
import os, imp as _imp
from distutils.core import setup
from . import telnetlib
from tkinter import (tix,
    ttk)
s = "import cgi"
doc = """
import asyncore
"""
try:
    import pipes
except ImportError:
    import crypt
if sys.version_info < (3, 12):
    import asynchat
else:
    import asyncio
def f():
    import nntplib; import smtpd
x = 1 + \
    2
import uu
if TYPE_CHECKING: import cgitb
"#;
        let got = mods(src);
        let want: Vec<(u32, String)> = vec![
            (2, "os".into()),
            (2, "imp".into()),
            (3, "distutils.core".into()),
            (3, "distutils.core.setup".into()),
            (5, "tkinter".into()),
            (5, "tkinter.tix".into()),
            (5, "tkinter.ttk".into()),
            (20, "nntplib".into()),
            (20, "smtpd".into()),
            (23, "uu".into()),
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn wheel_tags_expand() {
        let d = parse_wheel(
            "/v/lib/python3.9/site-packages/MarkupSafe-2.1.5.dist-info/WHEEL",
            "Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: cp39-cp39-manylinux_2_17_x86_64\nTag: cp39-cp39-manylinux2014_x86_64\n",
        );
        assert_eq!(d.name, "MarkupSafe");
        assert_eq!(d.version, "2.1.5");
        assert_eq!(
            d.tags,
            [
                "cp39-cp39-manylinux2014_x86_64",
                "cp39-cp39-manylinux_2_17_x86_64"
            ]
        );
        let c = parse_wheel("/x/a-1.dist-info/WHEEL", "Tag: py2.py3-none-any\n");
        assert_eq!(c.tags, ["py2-none-any", "py3-none-any"]);
    }

    #[test]
    fn pyvenv_cfg_reads() {
        let inv = Inventory::default();
        let v = parse_pyvenv(
            "/opt/app/venv/pyvenv.cfg",
            "home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.9.18\n",
            &inv,
        );
        assert_eq!(v.dir, "/opt/app/venv");
        assert_eq!(v.home.as_deref(), Some("/usr/bin"));
        assert_eq!(v.version, Some((3, 9)));
        assert!(!v.include_system_site_packages);
    }

    #[test]
    fn the_prefilter_matches_whole_identifiers() {
        let w: std::collections::HashSet<&[u8]> = [&b"imp"[..], &b"cgi"[..]].into_iter().collect();
        assert!(!mentions_any(b"import os\nimportlib.x()\n", &w));
        assert!(mentions_any(b"import os, imp\n", &w));
        assert!(mentions_any(b"x = cgi.escape(y)", &w));
        assert!(!mentions_any(b"cgitb", &w));
    }

    #[test]
    fn wheel_file_names() {
        let d = parse_wheel_file_name(
            "/opt/w/numpy-2.1.0-1-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        )
        .unwrap();
        assert_eq!((d.name.as_str(), d.version.as_str()), ("numpy", "2.1.0"));
        assert_eq!(
            d.tags,
            [
                "cp312-cp312-manylinux2014_x86_64",
                "cp312-cp312-manylinux_2_17_x86_64"
            ]
        );
        assert_eq!(
            parse_wheel_file_name("/w/six-1.16.0-py2.py3-none-any.whl")
                .unwrap()
                .tags,
            ["py2-none-any", "py3-none-any"]
        );
        assert!(parse_wheel_file_name("/w/notawheel.whl").is_none());
        assert!(parse_wheel_file_name("/w/a-1-x-y.whl").is_none());
    }

    #[test]
    fn noted_names() {
        assert!(noted("/a/pyvenv.cfg"));
        assert!(noted("/a/b.py"));
        assert!(noted("/a/x-1.dist-info/WHEEL"));
        assert!(!noted("/a/WHEEL"));
        assert!(!noted("/a/b.pyc"));
    }

    #[test]
    fn python_libraries_are_not_workload_sources() {
        assert!(in_python_lib("/usr/local/lib/python3.9/distutils/core.py"));
        assert!(in_python_lib("/opt/py/lib64/python2.7/imp.py"));
        assert!(!in_python_lib("/opt/app/lib/pythonic/x.py"));
        assert!(!in_python_lib("/opt/app/src/app/cli.py"));
    }

    #[test]
    fn site_modules() {
        assert_eq!(
            site_module("/v/lib/python3.9/site-packages/telnetlib.py").as_deref(),
            Some("telnetlib")
        );
        assert_eq!(
            site_module("/v/lib/python3.9/site-packages/_distutils_hack/__init__.py").as_deref(),
            Some("_distutils_hack")
        );
        assert_eq!(site_module("/v/lib/python3.9/site-packages/a/b.py"), None);
    }
}
