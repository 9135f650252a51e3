//! systemd units, SysV init scripts and rc.local of the scanned root, loaded the way systemd
//! (and its SysV and rc-local generators) would load them: unit directories in precedence
//! order, masks, aliases and linked units, drop-ins (`name.d/`, template `foo@.service.d/`,
//! prefix `foo-.service.d/` and type-level `service.d/`), enablement links (`*.wants/`,
//! `*.requires/`, `*.upholds/`), templates and their enabled instances. Every directive keeps
//! its file and line. Nothing is followed outside the root: links resolve through
//! [`Inventory::resolve`]. docs/units.md describes the model.

pub mod parse;

pub use parse::{Directive, is_true, words};

use super::{Inventory, Node, ObjectId, file_name, parent_dir};
use crate::findings::Diagnostic;
use crate::knowledge::units::{Scope, UNIT_SUFFIXES, template_of};
use crate::source::{EntryKind, Opened, Source};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::Path;

/// System unit directories, highest precedence first (systemd 258 `lookup_paths_init`, plus
/// Debian/Ubuntu's unmerged `/lib/systemd/system`; generator and transient directories only
/// exist at run time).
pub const SYSTEM_UNIT_DIRS: &[&str] = &[
    "/etc/systemd/system",
    "/run/systemd/system",
    "/usr/local/lib/systemd/system",
    "/usr/lib/systemd/system",
    "/lib/systemd/system",
];

/// User unit directories (the per-user manager), highest precedence first.
pub const USER_UNIT_DIRS: &[&str] = &[
    "/etc/systemd/user",
    "/run/systemd/user",
    "/usr/local/lib/systemd/user",
    "/usr/lib/systemd/user",
    "/lib/systemd/user",
];

/// Where systemd-sysv-generator looks for init scripts (Fedora/RHEL builds, Debian builds).
pub const SYSV_INIT_DIRS: &[&str] = &["/etc/rc.d/init.d", "/etc/init.d"];
/// Where the runlevel link farms are (`rcN.d/S##name`).
pub const SYSV_RC_DIRS: &[&str] = &["/etc/rc.d", "/etc"];
/// rc.local, run by rc-local.service when executable.
pub const RC_LOCAL: &[&str] = &["/etc/rc.d/rc.local", "/etc/rc.local"];

/// Files larger than this are not read as unit files or scripts (systemd refuses lines over
/// 1 MiB; real units are a few KiB).
const MAX_TEXT: u64 = 4 << 20;

/// How a unit is pulled in by another.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Enablement {
    /// The unit whose `.wants/` (or `.requires/`, `.upholds/`) directory holds the link.
    pub by: String,
    /// `wants`, `requires` or `upholds`.
    pub kind: String,
    /// The link (target path).
    pub link: String,
}

/// One loaded unit.
#[derive(Clone, Debug, Default)]
pub struct Unit {
    pub name: String,
    pub scope: Option<Scope>,
    /// The unit file as found in its unit directory (for a linked unit, the link); `None` for a
    /// mask without a file of that name below it.
    pub path: Option<String>,
    /// The file whose content is the unit (the link target for linked units and masks).
    pub file: Option<String>,
    /// Drop-in files in the order they apply.
    pub dropins: Vec<String>,
    /// The fragment's directives, then each drop-in's, in file order.
    pub directives: Vec<Directive>,
    /// Linked to /dev/null, or an empty file.
    pub masked: bool,
    /// Other names (alias symlinks in unit directories) pointing at this unit's file.
    pub aliases: Vec<String>,
    /// Links that pull this unit in.
    pub enabled_by: Vec<Enablement>,
    /// `foo@.service` for instance `foo@bar.service`.
    pub template: Option<String>,
    pub instance: Option<String>,
}

impl Unit {
    pub fn enabled(&self) -> bool {
        !self.enabled_by.is_empty()
    }

    /// The unit type (`service`, `socket` ...).
    pub fn unit_type(&self) -> &str {
        self.name.rsplit('.').next().unwrap_or("")
    }

    /// The effective assignments of a key in a section, as systemd applies them: in order,
    /// an empty assignment resets what came before (lists), and for single-valued settings
    /// the last one is what counts. Returns every assignment still in effect.
    pub fn effective(&self, section: &str, key: &str) -> Vec<&Directive> {
        let mut v: Vec<&Directive> = Vec::new();
        for d in &self.directives {
            if d.section == section && d.key == key {
                if d.value.is_empty() {
                    v.clear();
                } else {
                    v.push(d);
                }
            }
        }
        v
    }

    /// The last effective value of a single-valued setting.
    pub fn value(&self, section: &str, key: &str) -> Option<&str> {
        self.effective(section, key)
            .last()
            .map(|d| d.value.as_str())
    }

    /// Every file the unit's configuration comes from (fragment, then drop-ins).
    pub fn files(&self) -> Vec<&str> {
        self.file
            .iter()
            .chain(self.dropins.iter())
            .map(String::as_str)
            .collect()
    }
}

/// An LSB/chkconfig header of an init script.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InitHeader {
    pub provides: Vec<String>,
    pub required_start: Vec<String>,
    pub should_start: Vec<String>,
    pub default_start: Vec<String>,
    pub short_description: Option<String>,
    pub description: Option<String>,
    /// chkconfig `# pidfile:` / `# processname:`.
    pub pidfile: Option<String>,
}

/// A SysV init script systemd-sysv-generator would wrap.
#[derive(Clone, Debug)]
pub struct SysvScript {
    /// `foo` for /etc/init.d/foo; the generated unit is `foo.service`.
    pub name: String,
    pub path: String,
    pub executable: bool,
    /// Runlevels with an `S##name` link.
    pub start_runlevels: Vec<char>,
    pub header: InitHeader,
    /// A native unit of the same name exists: the generator skips the script.
    pub shadowed: bool,
}

/// /etc/rc.local (or /etc/rc.d/rc.local).
#[derive(Clone, Debug)]
pub struct RcLocal {
    pub path: String,
    pub executable: bool,
    /// It has a command besides comments, blank lines and `exit 0`.
    pub has_commands: bool,
}

/// Everything loaded.
#[derive(Debug, Default)]
pub struct Units {
    /// Sorted by (scope, name).
    pub units: Vec<Unit>,
    pub sysv: Vec<SysvScript>,
    pub rc_local: Vec<RcLocal>,
    /// Enablement links whose unit does not exist (or whose name is not a unit).
    pub dangling: Vec<(Scope, Enablement)>,
    /// Unit directories whose name is a `.wants/`/`.requires/` of a unit, per scope: (scope,
    /// owner unit, directory).
    pub wants_dirs: Vec<(Scope, String, String)>,
    /// The text of every file read (unit files, drop-ins, scripts), by target path.
    pub texts: BTreeMap<String, String>,
    pub diagnostics: Vec<Diagnostic>,
    /// Unit directories that exist in the tree (after resolving links), per scope.
    pub dirs: Vec<(Scope, String)>,
}

impl Units {
    pub fn get(&self, scope: Scope, name: &str) -> Option<&Unit> {
        self.units
            .binary_search_by(|u| (u.scope, u.name.as_str()).cmp(&(Some(scope), name)))
            .ok()
            .map(|i| &self.units[i])
    }

    /// The unit of a name, following aliases.
    pub fn lookup(&self, scope: Scope, name: &str) -> Option<&Unit> {
        self.get(scope, name).or_else(|| {
            self.units
                .iter()
                .find(|u| u.scope == Some(scope) && u.aliases.iter().any(|a| a == name))
        })
    }

    pub fn text(&self, path: &str) -> Option<&str> {
        self.texts.get(path).map(String::as_str)
    }
}

/// Whether a name is a unit name systemd would load (known suffix, something before it).
pub fn is_unit_name(name: &str) -> bool {
    UNIT_SUFFIXES
        .iter()
        .any(|s| name.len() > s.len() && name.ends_with(s))
        && !name.contains('/')
}

/// What a path of the tree is, after following links inside the root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Found {
    /// A regular file (resolved path), with its judged object if it is one.
    File(String, Option<ObjectId>),
    Dir(String),
    /// A FIFO, socket or device.
    Special,
    Missing,
    Loop,
}

/// Resolve a path the way the kernel would with the scanned root as `/` (absolute link targets
/// are root-relative, `..` stops at the root, at most 40 links). The walk indexes directories,
/// links and judged objects; any other regular file is confirmed by opening it through the
/// source (never following a link: the last component is known not to be one).
pub fn lookup(source: &dyn Source, inv: &Inventory, path: &str) -> Found {
    use crate::source::{Component, Unresolved, resolve_path};
    let resolved = resolve_path(path, |p, last| match inv.nodes.get(p) {
        Some(Node::Symlink(t)) => Component::Link(t.clone()),
        Some(Node::Dir) => Component::Other,
        // Files (indexed or not) end the path; as a directory they lead nowhere.
        _ if last => Component::Other,
        _ => Component::Stop,
    });
    let resolved = match resolved {
        Ok(r) => r,
        Err(Unresolved::Loop) => return Found::Loop,
        Err(Unresolved::Stopped) => return Found::Missing,
    };
    match inv.nodes.get(&resolved) {
        Some(Node::Dir) => Found::Dir(resolved),
        Some(Node::File(id)) => {
            let id = *id;
            Found::File(resolved, id)
        }
        Some(Node::Special) => Found::Special,
        // Read again: the reader reports what stops it (and so the verdict is incomplete).
        Some(Node::Unreadable) => Found::File(resolved, None),
        Some(Node::Symlink(_)) => Found::Missing,
        None if resolved == "/" => Found::Dir(resolved),
        // Not indexed by the walk: confirm a plain file by opening it (never following a link:
        // the last component is known not to be one).
        None => match source.open(Path::new(&resolved)) {
            Ok(_) => Found::File(resolved, None),
            Err(_) => Found::Missing,
        },
    }
}

/// The resolved path of a regular file of the tree, if it is one.
pub fn resolve_file(source: &dyn Source, inv: &Inventory, path: &str) -> Option<String> {
    match lookup(source, inv, path) {
        Found::File(p, _) => Some(p),
        _ => None,
    }
}

/// [`read_text`]'s error for a path that does not exist in the tree.
pub const NOT_FOUND: &str = "not found";

/// Read a small text file of the tree (following links inside the root).
pub fn read_text(source: &dyn Source, inv: &Inventory, path: &str) -> Result<String, String> {
    let resolved = match lookup(source, inv, path) {
        Found::File(p, _) => p,
        Found::Loop => return Err("symlink loop".into()),
        Found::Missing => return Err(NOT_FOUND.into()),
        _ => return Err("not a regular file".into()),
    };
    let opened = source
        .open(Path::new(&resolved))
        .map_err(|e| e.to_string())?;
    // Only a regular file is read (one swapped for a FIFO or device since the walk is not).
    source.meta(&opened).map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    match opened {
        Opened::File(f) => {
            f.take(MAX_TEXT + 1)
                .read_to_end(&mut bytes)
                .map_err(|e| e.to_string())?;
        }
        Opened::Bytes(b) => bytes.extend_from_slice(&b[..b.len().min(MAX_TEXT as usize + 1)]),
        Opened::At(r) => {
            bytes = crate::source::read_range(&*r, 0, MAX_TEXT + 1).map_err(|e| e.to_string())?
        }
    }
    if bytes.len() as u64 > MAX_TEXT {
        return Err(format!("larger than {MAX_TEXT} bytes"));
    }
    String::from_utf8(bytes).map_err(|_| "not UTF-8 text".into())
}

/// Whether a file of the tree has an execute bit (following links inside the root).
pub fn is_executable(source: &dyn Source, inv: &Inventory, path: &str) -> bool {
    let Some(resolved) = resolve_file(source, inv, path) else {
        return false;
    };
    source
        .open(Path::new(&resolved))
        .and_then(|o| source.meta(&o))
        .map(|m| m.executable)
        .unwrap_or(false)
}

/// One entry of a unit directory.
#[derive(Clone, Debug)]
struct DirEntry {
    /// Path in the unit directory.
    path: String,
    kind: EntryKind,
}

/// A unit directory, listed.
struct UnitDir {
    entries: BTreeMap<String, DirEntry>,
    /// `name.d` / `name.wants` ... subdirectories, listed: name -> (path, entries).
    subdirs: BTreeMap<String, (String, Vec<(String, EntryKind)>)>,
}

struct Loader<'a> {
    source: &'a dyn Source,
    inv: &'a Inventory,
    out: Units,
}

/// Load units, init scripts and rc.local from the scanned root.
pub fn load(source: &dyn Source, inv: &Inventory) -> Units {
    let mut l = Loader {
        source,
        inv,
        out: Units::default(),
    };
    l.scope(Scope::System, SYSTEM_UNIT_DIRS);
    l.scope(Scope::User, USER_UNIT_DIRS);
    l.out
        .units
        .sort_by(|a, b| (a.scope, &a.name).cmp(&(b.scope, &b.name)));
    l.sysv();
    l.rc_local();
    l.out.diagnostics.sort();
    l.out.diagnostics.dedup();
    l.out.dangling.sort();
    l.out
}

impl Loader<'_> {
    fn diag(&mut self, path: &str, reason: impl Into<String>) {
        self.out.diagnostics.push(Diagnostic::new(path, reason));
    }

    fn list(&self, dir: &str) -> Option<Vec<(String, EntryKind)>> {
        match self.source.read_dir(Path::new(dir)) {
            Ok(Ok(entries)) => {
                let mut v: Vec<(String, EntryKind)> = entries
                    .into_iter()
                    .filter_map(|e| e.name.to_str().map(|n| (n.to_string(), e.kind)))
                    .collect();
                v.sort();
                Some(v)
            }
            _ => None,
        }
    }

    /// Resolve a directory inside the root; `None` when absent or not a directory.
    fn resolve_dir(&self, dir: &str) -> Option<String> {
        match self.inv.resolve(dir) {
            Ok((p, Node::Dir)) => Some(p),
            _ => None,
        }
    }

    fn read(&mut self, path: &str) -> Option<String> {
        if let Some(t) = self.out.texts.get(path) {
            return Some(t.clone());
        }
        match read_text(self.source, self.inv, path) {
            Ok(t) => {
                self.out.texts.insert(path.to_string(), t.clone());
                Some(t)
            }
            Err(e) => {
                let mut d = Diagnostic::new(path, format!("cannot read: {e}"));
                // What it says was not checked (over the cap, not text, a loop, unreadable on
                // the way): the verdict is incomplete. A file that is not there is no gap.
                d.unread = e != NOT_FOUND || self.inv.unreadable_at(path);
                self.out.diagnostics.push(d);
                None
            }
        }
    }

    /// The raw target of a link in the tree.
    fn link_target(&self, path: &str) -> Option<&str> {
        match self.inv.nodes.get(path) {
            Some(Node::Symlink(t)) => Some(t.as_str()),
            _ => None,
        }
    }

    fn is_null_link(&self, path: &str) -> bool {
        let mut cur = path.to_string();
        for _ in 0..super::MAX_SYMLINK_HOPS {
            match self.link_target(&cur) {
                Some("/dev/null") => return true,
                Some(t) => {
                    cur = if t.starts_with('/') {
                        t.to_string()
                    } else {
                        format!("{}/{t}", parent_dir(&cur))
                    };
                    cur = normalize(&cur);
                }
                None => return cur == "/dev/null",
            }
        }
        false
    }

    fn scope(&mut self, scope: Scope, dirs: &[&str]) {
        // List each distinct unit directory once, in precedence order.
        let mut seen = BTreeSet::new();
        let mut listed: Vec<UnitDir> = Vec::new();
        for d in dirs {
            let Some(real) = self.resolve_dir(d) else {
                continue;
            };
            if !seen.insert(real.clone()) {
                continue;
            }
            let Some(entries) = self.list(&real) else {
                continue;
            };
            self.out.dirs.push((scope, real.clone()));
            let mut ud = UnitDir {
                entries: BTreeMap::new(),
                subdirs: BTreeMap::new(),
            };
            for (name, kind) in entries {
                let path = format!("{real}/{name}");
                let is_dir = kind == EntryKind::Dir
                    || (kind == EntryKind::Symlink && self.resolve_dir(&path).is_some());
                if is_dir
                    && (name.ends_with(".d")
                        || name.ends_with(".wants")
                        || name.ends_with(".requires")
                        || name.ends_with(".upholds"))
                {
                    let sub = self.resolve_dir(&path).unwrap_or(path.clone());
                    let items = self.list(&sub).unwrap_or_default();
                    ud.subdirs.insert(name.clone(), (path, items));
                } else if is_unit_name(&name) && kind != EntryKind::Dir {
                    ud.entries.insert(name.clone(), DirEntry { path, kind });
                }
            }
            listed.push(ud);
        }

        // Fragments: the first directory that has the name wins.
        let mut names: BTreeSet<String> = BTreeSet::new();
        for ud in &listed {
            names.extend(ud.entries.keys().cloned());
        }
        let mut units: BTreeMap<String, Unit> = BTreeMap::new();
        // alias name -> target unit name
        let mut aliases: BTreeMap<String, String> = BTreeMap::new();
        for name in &names {
            let Some(e) = listed.iter().find_map(|ud| ud.entries.get(name)).cloned() else {
                continue;
            };
            let mut u = Unit {
                name: name.clone(),
                scope: Some(scope),
                path: Some(e.path.clone()),
                ..Unit::default()
            };
            if e.kind == EntryKind::Symlink {
                if self.is_null_link(&e.path) {
                    u.masked = true;
                    u.file = None;
                    units.insert(name.clone(), u);
                    continue;
                }
                match lookup(self.source, self.inv, &e.path) {
                    Found::File(target, _) => {
                        let tname = file_name(&target).to_string();
                        let in_unit_dir = self
                            .out
                            .dirs
                            .iter()
                            .any(|(s, d)| *s == scope && parent_dir(&target) == *d);
                        if tname != *name && in_unit_dir && is_unit_name(&tname) {
                            aliases.insert(name.clone(), tname);
                            continue;
                        }
                        u.file = Some(target);
                    }
                    Found::Missing => {
                        self.diag(&e.path, "dangling unit link");
                        continue;
                    }
                    Found::Loop => {
                        self.diag(&e.path, "unit link loops");
                        continue;
                    }
                    _ => {
                        self.diag(&e.path, "unit link does not point to a regular file");
                        continue;
                    }
                }
            } else {
                u.file = Some(e.path.clone());
            }
            units.insert(name.clone(), u);
        }
        // Aliases of aliases resolve to the final unit.
        let resolve_alias = |n: &str| -> String {
            let mut cur = n.to_string();
            for _ in 0..8 {
                match aliases.get(&cur) {
                    Some(t) => cur = t.clone(),
                    None => break,
                }
            }
            cur
        };
        for a in aliases.keys() {
            let t = resolve_alias(a);
            if let Some(u) = units.get_mut(&t) {
                u.aliases.push(a.clone());
            } else {
                self.diag(a, format!("alias of {t}, which is not loaded"));
            }
        }

        // Enablement links.
        let mut enable: Vec<(String, Enablement)> = Vec::new();
        for ud in &listed {
            for (sub, (path, items)) in &ud.subdirs {
                let (owner, kind) = if let Some(o) = sub.strip_suffix(".wants") {
                    (o, "wants")
                } else if let Some(o) = sub.strip_suffix(".requires") {
                    (o, "requires")
                } else if let Some(o) = sub.strip_suffix(".upholds") {
                    (o, "upholds")
                } else {
                    continue;
                };
                self.out
                    .wants_dirs
                    .push((scope, owner.to_string(), path.clone()));
                for (item, _) in items {
                    let link = format!("{path}/{item}");
                    let en = Enablement {
                        by: owner.to_string(),
                        kind: kind.to_string(),
                        link,
                    };
                    if !is_unit_name(item) {
                        self.out.dangling.push((scope, en));
                        continue;
                    }
                    enable.push((item.clone(), en));
                }
            }
        }
        for (item, en) in enable {
            let name = resolve_alias(&item);
            if !units.contains_key(&name) {
                // An enabled instance of a loaded template.
                if let Some(t) = template_of(&name)
                    && let Some(tu) = units.get(&t).cloned()
                {
                    let inst = name[name.find('@').unwrap_or(0) + 1..name.rfind('.').unwrap_or(0)]
                        .to_string();
                    units.insert(
                        name.clone(),
                        Unit {
                            name: name.clone(),
                            scope: Some(scope),
                            path: tu.path.clone(),
                            file: tu.file.clone(),
                            masked: tu.masked,
                            template: Some(t),
                            instance: Some(inst),
                            ..Unit::default()
                        },
                    );
                }
            }
            match units.get_mut(&name) {
                Some(u) => u.enabled_by.push(en),
                None => self.out.dangling.push((scope, en)),
            }
        }

        // Content and drop-ins.
        let names: Vec<String> = units.keys().cloned().collect();
        for name in names {
            let (file, masked) = {
                let u = &units[&name];
                (u.file.clone(), u.masked)
            };
            let mut directives = Vec::new();
            if let Some(f) = &file
                && let Some(text) = self.read(f)
            {
                if text.trim().is_empty() && !masked {
                    // An empty unit file masks the unit.
                    if let Some(u) = units.get_mut(&name) {
                        u.masked = true;
                    }
                } else {
                    directives.extend(self.parse(f, &text));
                }
            }
            // A masked unit loads nothing, drop-ins included.
            let masked = masked || units.get(&name).is_some_and(|u| u.masked);
            if masked {
                directives.clear();
            }
            let dropins = if masked {
                Vec::new()
            } else {
                self.dropins(&listed, &name)
            };
            for d in &dropins {
                if let Some(text) = self.read(d) {
                    directives.extend(self.parse(d, &text));
                }
            }
            if let Some(u) = units.get_mut(&name) {
                u.dropins = dropins;
                u.directives = directives;
                u.enabled_by.sort();
                u.enabled_by.dedup();
                u.aliases.sort();
            }
        }
        self.out.units.extend(units.into_values());
    }

    fn parse(&mut self, file: &str, text: &str) -> Vec<Directive> {
        let p = parse::parse(file, text);
        for i in p.issues {
            self.diag(file, format!("line {}: {}", i.line, i.reason));
        }
        p.directives
    }

    /// Drop-in files for a unit name, in the order they apply.
    fn dropins(&mut self, listed: &[UnitDir], name: &str) -> Vec<String> {
        let mut dirnames: Vec<String> = vec![format!("{name}.d")];
        if let Some(t) = template_of(name) {
            dirnames.push(format!("{t}.d"));
        }
        // Prefix drop-ins: foo-bar-baz.service -> foo-bar-.service.d, foo-.service.d.
        if let Some(dot) = name.rfind('.') {
            let (stem, suffix) = name.split_at(dot);
            let stem = stem.split('@').next().unwrap_or(stem);
            let mut idx: Vec<usize> = stem.match_indices('-').map(|(i, _)| i).collect();
            idx.reverse();
            for i in idx {
                if i > 0 {
                    dirnames.push(format!("{}-{suffix}.d", &stem[..i]));
                }
            }
            dirnames.push(format!("{}.d", &suffix[1..]));
        }
        let mut by_name: BTreeMap<String, String> = BTreeMap::new();
        for ud in listed {
            for dn in &dirnames {
                let Some((path, items)) = ud.subdirs.get(dn) else {
                    continue;
                };
                for (item, kind) in items {
                    if !item.ends_with(".conf") || *kind == EntryKind::Dir {
                        continue;
                    }
                    if by_name.contains_key(item) {
                        continue;
                    }
                    let p = format!("{path}/{item}");
                    by_name.insert(item.clone(), p);
                }
            }
        }
        let mut out = Vec::new();
        for (_, p) in by_name {
            // A drop-in linked to /dev/null (or empty) masks lower ones of the same name.
            if self.is_null_link(&p) {
                continue;
            }
            match resolve_file(self.source, self.inv, &p) {
                Some(real) => out.push(real),
                None => self.diag(&p, "drop-in is not a readable file"),
            }
        }
        out
    }

    fn sysv(&mut self) {
        let mut seen = BTreeSet::new();
        let mut scripts = Vec::new();
        for d in SYSV_INIT_DIRS {
            let Some(real) = self.resolve_dir(d) else {
                continue;
            };
            if !seen.insert(real.clone()) {
                continue;
            }
            for (name, kind) in self.list(&real).unwrap_or_default() {
                if kind == EntryKind::Dir
                    || hidden_or_backup(&name)
                    || SYSV_SKIP.contains(&name.as_str())
                {
                    continue;
                }
                let path = format!("{real}/{name}");
                if resolve_file(self.source, self.inv, &path).is_none() {
                    continue;
                }
                scripts.push((name, path));
            }
        }
        // Runlevel links: rcN.d/S##name.
        let mut starts: BTreeMap<String, BTreeSet<char>> = BTreeMap::new();
        let mut seen_rc = BTreeSet::new();
        for base in SYSV_RC_DIRS {
            for level in ['0', '1', '2', '3', '4', '5', '6'] {
                let Some(real) = self.resolve_dir(&format!("{base}/rc{level}.d")) else {
                    continue;
                };
                if !seen_rc.insert(real.clone()) {
                    continue;
                }
                for (name, _) in self.list(&real).unwrap_or_default() {
                    let Some(rest) = name.strip_prefix('S') else {
                        continue;
                    };
                    let script = rest.trim_start_matches(|c: char| c.is_ascii_digit());
                    if !script.is_empty() {
                        starts.entry(script.to_string()).or_default().insert(level);
                    }
                }
            }
        }
        for (name, path) in scripts {
            let Some(text) = self.read(&path) else {
                continue;
            };
            let header = init_header(&text);
            let shadowed = self
                .out
                .get(Scope::System, &format!("{name}.service"))
                .is_some();
            let executable = is_executable(self.source, self.inv, &path);
            self.out.sysv.push(SysvScript {
                start_runlevels: starts
                    .get(&name)
                    .map(|s| s.iter().copied().collect())
                    .unwrap_or_default(),
                name,
                path,
                executable,
                header,
                shadowed,
            });
        }
    }

    fn rc_local(&mut self) {
        let mut seen = BTreeSet::new();
        for p in RC_LOCAL {
            let Some(real) = resolve_file(self.source, self.inv, p) else {
                continue;
            };
            if !seen.insert(real.clone()) {
                continue;
            }
            let Some(text) = self.read(&real) else {
                continue;
            };
            let has_commands = text.lines().any(|l| {
                let t = l.trim();
                !(t.is_empty() || t.starts_with('#') || t == "exit 0" || t == "exit")
            });
            self.out.rc_local.push(RcLocal {
                executable: is_executable(self.source, self.inv, &real),
                path: real,
                has_commands,
            });
        }
    }
}

/// Files in init.d that are not services (Debian helpers, RHEL's function library).
const SYSV_SKIP: &[&str] = &[
    "README",
    "functions",
    "skeleton",
    "rc",
    "rcS",
    "rc.local",
    "halt",
    "killall",
    "single",
    "reboot",
    "boot",
];

/// systemd's `hidden_or_backup_file()`: dot files and package-manager leftovers.
fn hidden_or_backup(name: &str) -> bool {
    name.starts_with('.')
        || name.ends_with('~')
        || [
            ".rpmnew",
            ".rpmsave",
            ".rpmorig",
            ".dpkg-old",
            ".dpkg-new",
            ".dpkg-tmp",
            ".dpkg-dist",
            ".dpkg-bak",
            ".dpkg-backup",
            ".dpkg-remove",
            ".ucf-new",
            ".ucf-old",
            ".ucf-dist",
            ".swp",
            ".bak",
            ".old",
            ".new",
        ]
        .iter()
        .any(|s| name.ends_with(s))
}

/// Parse the LSB (`### BEGIN INIT INFO`) and chkconfig (`# chkconfig:`, `# description:`,
/// `# pidfile:`) headers of an init script.
pub fn init_header(text: &str) -> InitHeader {
    let mut h = InitHeader::default();
    let mut in_lsb = false;
    let split = |v: &str| v.split_whitespace().map(str::to_string).collect::<Vec<_>>();
    for line in text.lines().take(200) {
        let t = line.trim();
        if t == "### BEGIN INIT INFO" {
            in_lsb = true;
            continue;
        }
        if t == "### END INIT INFO" {
            in_lsb = false;
            continue;
        }
        let Some(c) = t.strip_prefix('#') else {
            continue;
        };
        let c = c.trim();
        let Some((k, v)) = c.split_once(':') else {
            continue;
        };
        let v = v.trim();
        match (in_lsb, k.trim().to_ascii_lowercase().as_str()) {
            (true, "provides") => h.provides = split(v),
            (true, "required-start") => h.required_start = split(v),
            (true, "should-start") => h.should_start = split(v),
            (true, "default-start") => h.default_start = split(v),
            (true, "short-description") => h.short_description = Some(v.to_string()),
            (true, "description") if h.description.is_none() => h.description = Some(v.to_string()),
            (false, "description") if h.description.is_none() => {
                h.description = Some(v.trim_end_matches('\\').trim().to_string())
            }
            (false, "chkconfig") if h.default_start.is_empty() => {
                // `# chkconfig: 2345 55 25`
                if let Some(levels) = v.split_whitespace().next()
                    && levels != "-"
                {
                    h.default_start = levels.chars().map(|c| c.to_string()).collect();
                }
            }
            (false, "pidfile") => h.pidfile = Some(v.to_string()),
            _ => {}
        }
    }
    h
}

/// Collapse `.`, `..` and repeated slashes of an absolute path (no link resolution).
fn normalize(p: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for c in p.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    format!("/{}", out.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lsb_and_chkconfig_headers() {
        let h = init_header(
            "#!/bin/sh\n# chkconfig: 2345 90 10\n# description: Acme daemon \\\n#   more\n# pidfile: /var/run/acme.pid\n### BEGIN INIT INFO\n# Provides: acme\n# Required-Start: $network $remote_fs\n# Default-Start: 3 5\n# Short-Description: Acme\n### END INIT INFO\n",
        );
        assert_eq!(h.provides, ["acme"]);
        assert_eq!(h.required_start, ["$network", "$remote_fs"]);
        assert_eq!(h.default_start, ["3", "5"]);
        assert_eq!(h.short_description.as_deref(), Some("Acme"));
        assert_eq!(h.description.as_deref(), Some("Acme daemon"));
        assert_eq!(h.pidfile.as_deref(), Some("/var/run/acme.pid"));
    }

    #[test]
    fn unit_names() {
        assert!(is_unit_name("a.service"));
        assert!(is_unit_name("getty@.service"));
        assert!(!is_unit_name(".service"));
        assert!(!is_unit_name("README"));
        assert!(hidden_or_backup("x.dpkg-old"));
        assert!(!hidden_or_backup("acme"));
    }

    #[test]
    fn effective_values_reset_on_empty_assignment() {
        let p = parse::parse(
            "/u",
            "[Service]\nExecStart=/a\nExecStart=\nExecStart=/b\nMemoryMax=1G\nMemoryMax=2G\n",
        );
        let u = Unit {
            name: "x.service".into(),
            directives: p.directives,
            ..Unit::default()
        };
        let e: Vec<&str> = u
            .effective("Service", "ExecStart")
            .iter()
            .map(|d| d.value.as_str())
            .collect();
        assert_eq!(e, ["/b"]);
        assert_eq!(u.value("Service", "MemoryMax"), Some("2G"));
    }
}
