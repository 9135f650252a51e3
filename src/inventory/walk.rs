//! The parallel walk: list directories, classify regular files by their first bytes, read
//! ELF objects and scripts further. Output is sorted, so it does not depend on thread timing.

use super::exclude::{Excluded, Exclusions};
use super::{Inventory, Node, Object, ObjectKind, WalkStats, elf, script};
use crate::findings::Diagnostic;
use crate::source::{DirHandle, EntryKind, FileId, Opened, Source};
use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::io::Read;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// How many leading bytes classify a file (the kernel reads at most 256 for `#!`).
const HEAD: usize = 256;

/// Below directories whose host path is longer than this (well under `PATH_MAX`, 4096), the
/// walk goes on relative to directory fds ([`DirHandle`]), so depth has no limit.
const DEEP_PATH: usize = 3072;

/// A deep directory is reached from its parent's open handle, by name.
type Via = Option<(Arc<dyn DirHandle>, OsString)>;

/// Observes progress of a walk (files seen, objects judged); used for progress displays.
pub trait Progress: Sync {
    fn file_seen(&self) {}
}

/// No progress display.
pub struct NoProgress;
impl Progress for NoProgress {}

enum Rec {
    Dir(String),
    Symlink(String, String),
    Special(String),
    /// A file, directory or link that could not be read (its diagnostic is recorded apart).
    Unreadable(String),
    Object(Box<Object>, Option<FileId>),
    RpmFile(Box<super::packages::InstalledPackage>),
    Diag(Diagnostic),
    Skipped(String, String),
    /// Left out by an exclusion rule (a directory not entered, a file not read).
    Excluded(super::exclude::Excluded, Node),
    /// A file a language-runtime reader wants by its name (`python::noted`, `node::noted`, `java::noted`).
    Runtime(String),
}

#[derive(Default)]
struct Counters {
    files: AtomicU64,
    dirs: AtomicU64,
    symlinks: AtomicU64,
}

/// Walk a source in parallel and build the inventory (without ownership).
pub fn walk(source: &dyn Source, progress: &dyn Progress) -> Inventory {
    walk_excluding(source, progress, &Exclusions::none())
}

/// [`walk`], leaving out what `excl` says is not workload (listed in the stats).
pub fn walk_excluding(
    source: &dyn Source,
    progress: &dyn Progress,
    excl: &Exclusions,
) -> Inventory {
    let out: Mutex<Vec<Vec<Rec>>> = Mutex::new(Vec::new());
    let counters = Counters::default();
    rayon::scope(|s| {
        walk_dir(
            s,
            source,
            progress,
            &counters,
            &out,
            excl,
            PathBuf::from("/"),
            String::new(),
            None,
        );
    });
    let mut inv = assemble(out.into_inner().unwrap_or_default(), &counters);
    let dropped: Vec<Diagnostic> = inv
        .objects
        .iter()
        .filter_map(|o| Some((o, o.elf()?.needed_dropped)))
        .filter(|(_, n)| *n > 0)
        .map(|(o, n)| {
            Diagnostic::new(
                o.path.clone(),
                format!(
                    "{n} DT_NEEDED entries beyond the first {} not judged",
                    elf::MAX_NEEDED
                ),
            )
        })
        .collect();
    inv.diagnostics.extend(dropped);
    inv
}

// The shared state of the walk, then the directory: one task per directory.
#[allow(clippy::too_many_arguments)]
fn walk_dir<'s>(
    scope: &rayon::Scope<'s>,
    source: &'s dyn Source,
    progress: &'s dyn Progress,
    counters: &'s Counters,
    out: &'s Mutex<Vec<Vec<Rec>>>,
    excl: &'s Exclusions,
    dir: PathBuf,
    display: String,
    via: Via,
) {
    counters.dirs.fetch_add(1, Ordering::Relaxed);
    let mut recs = Vec::new();
    let shown = if display.is_empty() { "/" } else { &display };
    // A deep directory is opened from its parent's handle (then the parent is let go); any
    // other by its target path.
    let (listing, mut handle) = match via {
        Some((parent, name)) => match parent.open_dir(&name) {
            Ok(h) => (h.read_dir(), Some(Arc::from(h))),
            Err(e) => (Err(e), None),
        },
        None => (source.read_dir(&dir), None),
    };
    let deep = source.describe().len() + dir.as_os_str().len() > DEEP_PATH;
    match listing {
        Err(e) => {
            recs.push(Rec::Diag(Diagnostic::unread(
                shown,
                "cannot read directory",
                &e,
            )));
            if !display.is_empty() {
                recs.push(Rec::Unreadable(display.clone()));
            }
        }
        Ok(Err(reason)) => recs.push(Rec::Skipped(shown.to_string(), reason)),
        Ok(Ok(entries)) => {
            if !display.is_empty() {
                recs.push(Rec::Dir(display.clone()));
            }
            if handle.is_none() {
                handle = source.open_dir(&dir).map(Arc::from);
            }
            for entry in entries {
                let path = dir.join(&entry.name);
                let shown = format!("{display}/{}", name_of(&entry.name));
                if matches!(entry.kind, EntryKind::Dir | EntryKind::File)
                    && let Some(rule) = excl.matching(&shown)
                {
                    let node = match entry.kind {
                        EntryKind::Dir => Node::Dir,
                        _ => Node::File(None),
                    };
                    recs.push(Rec::Excluded(
                        Excluded {
                            path: shown,
                            rule: rule.pattern.clone(),
                            origin: rule.origin,
                            reason: rule.reason.clone(),
                        },
                        node,
                    ));
                    continue;
                }
                match entry.kind {
                    EntryKind::Dir => {
                        let via = match &handle {
                            Some(h) if deep => Some((Arc::clone(h), entry.name.clone())),
                            _ => None,
                        };
                        scope.spawn(move |s| {
                            walk_dir(s, source, progress, counters, out, excl, path, shown, via)
                        });
                    }
                    EntryKind::Symlink => {
                        counters.symlinks.fetch_add(1, Ordering::Relaxed);
                        let target = match &handle {
                            Some(h) if deep => h.read_link(&entry.name),
                            _ => source.read_link(&path),
                        };
                        match target {
                            Ok(t) => recs.push(Rec::Symlink(shown, name_of(t.as_os_str()))),
                            Err(e) => {
                                recs.push(Rec::Diag(Diagnostic::unread(
                                    &shown,
                                    "cannot read symbolic link",
                                    &e,
                                )));
                                recs.push(Rec::Unreadable(shown));
                            }
                        }
                    }
                    EntryKind::Special => {
                        recs.push(Rec::Diag(Diagnostic::new(
                            &shown,
                            "FIFO, socket or device file: not read",
                        )));
                        recs.push(Rec::Special(shown));
                    }
                    EntryKind::File => {
                        counters.files.fetch_add(1, Ordering::Relaxed);
                        progress.file_seen();
                        if super::python::noted(&shown)
                            || super::node::noted(&shown)
                            || super::java::noted(&shown)
                            || super::archives::noted(&shown)
                        {
                            recs.push(Rec::Runtime(shown.clone()));
                        }
                        let opened = match &handle {
                            Some(h) => h.open(&entry.name),
                            None => source.open(&path),
                        };
                        if let Some(r) = inspect_file(source, opened, shown) {
                            if let Rec::Diag(d) = &r
                                && d.unread
                            {
                                recs.push(Rec::Unreadable(d.path.clone()));
                            }
                            recs.push(r);
                        }
                    }
                }
            }
        }
    }
    if !recs.is_empty() {
        out.lock().unwrap_or_else(|e| e.into_inner()).push(recs);
    }
}

/// Names are bytes: kept in the escaped form of [`super::names`], never lossily.
fn name_of(s: &OsStr) -> String {
    super::names::from_os(s)
}

/// Classify one regular file and read it further if it is an ELF object or a script.
fn inspect_file(
    source: &dyn Source,
    opened: std::io::Result<Opened>,
    shown: String,
) -> Option<Rec> {
    let opened = match opened {
        Ok(x) => x,
        Err(e) => return Some(Rec::Diag(Diagnostic::unread(shown, "cannot read file", &e))),
    };
    let mut head = [0u8; HEAD];
    let n = match &opened {
        Opened::File(f) => match read_head(f, &mut head) {
            Ok(n) => n,
            Err(e) => return Some(Rec::Diag(Diagnostic::unread(shown, "cannot read file", &e))),
        },
        Opened::Bytes(b) => {
            let n = b.len().min(HEAD);
            head[..n].copy_from_slice(&b[..n]);
            n
        }
        Opened::At(r) => match crate::source::read_range(&**r, 0, HEAD as u64) {
            Ok(b) => {
                head[..b.len()].copy_from_slice(&b);
                b.len()
            }
            Err(e) => return Some(Rec::Diag(Diagnostic::unread(shown, "cannot read file", &e))),
        },
    };
    let head = &head[..n];
    if head.starts_with(RPM_LEAD_MAGIC) {
        return Some(read_rpm_file(opened, shown));
    }
    let is_elf = head.starts_with(b"\x7fELF");
    if !is_elf && !head.starts_with(b"#!") {
        return None;
    }
    let meta = match source.meta(&opened) {
        Ok(m) => m,
        Err(e) => return Some(Rec::Diag(Diagnostic::unread(shown, "cannot read file", &e))),
    };
    let kind = if is_elf {
        let parsed = match &opened {
            Opened::File(f) => elf::parse_file(f),
            Opened::Bytes(b) => elf::parse(b),
            Opened::At(r) => elf::parse_at(&**r),
        };
        match parsed {
            Ok(info) => ObjectKind::Elf(info),
            Err(e) => {
                return Some(Rec::Diag(Diagnostic::new(
                    shown,
                    format!("malformed ELF file: {e}"),
                )));
            }
        }
    } else if meta.executable {
        // A script runs through its `#!` line only when it is executed itself.
        ObjectKind::Script(script::parse_shebang(head)?)
    } else {
        return None;
    };
    Some(Rec::Object(
        Box::new(Object {
            path: shown,
            hardlinks: Vec::new(),
            size: meta.size,
            kind,
            owner: None,
        }),
        meta.id,
    ))
}

/// The magic of an RPM package file's lead.
const RPM_LEAD_MAGIC: &[u8] = &[0xed, 0xab, 0xee, 0xdb];
/// Headers of an RPM file are read up to this many bytes (the payload is never needed).
const RPM_HEADER_LIMIT: u64 = 64 << 20;

/// A `.rpm` file in the tree: an installer that would run on the target.
fn read_rpm_file(opened: Opened, shown: String) -> Rec {
    use std::io::{Seek, SeekFrom};
    let (bytes, size): (Vec<u8>, u64) = match opened {
        Opened::Bytes(b) => (
            b[..b.len().min(RPM_HEADER_LIMIT as usize)].to_vec(),
            b.len() as u64,
        ),
        Opened::At(r) => match crate::source::read_range(&*r, 0, RPM_HEADER_LIMIT) {
            Ok(v) => (v, r.meta().size),
            Err(e) => return Rec::Diag(Diagnostic::unread(shown, "cannot read file", &e)),
        },
        Opened::File(mut f) => {
            let mut v = Vec::new();
            let r = f
                .seek(SeekFrom::Start(0))
                .and_then(|_| (&mut f).take(RPM_HEADER_LIMIT).read_to_end(&mut v))
                .and_then(|_| f.metadata());
            match r {
                Ok(m) => (v, m.len()),
                Err(e) => return Rec::Diag(Diagnostic::unread(shown, "cannot read file", &e)),
            }
        }
    };
    match super::packages::read_rpm_file_sized(&bytes, size, &shown) {
        Ok(p) => Rec::RpmFile(Box::new(p)),
        Err(e) => Rec::Diag(Diagnostic::new(
            shown,
            format!("malformed RPM package file: {e}"),
        )),
    }
}

fn read_head(mut f: &std::fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Sort the records, judge hardlinks once, and index every path.
fn assemble(batches: Vec<Vec<Rec>>, counters: &Counters) -> Inventory {
    let mut inv = Inventory {
        stats: WalkStats {
            files: counters.files.load(Ordering::Relaxed),
            directories: counters.dirs.load(Ordering::Relaxed),
            symlinks: counters.symlinks.load(Ordering::Relaxed),
            ..WalkStats::default()
        },
        ..Inventory::default()
    };
    let mut objects: Vec<(Object, Option<FileId>)> = Vec::new();
    for rec in batches.into_iter().flatten() {
        match rec {
            Rec::Dir(p) => {
                inv.nodes.insert(p, Node::Dir);
            }
            Rec::Symlink(p, t) => {
                inv.nodes.insert(p, Node::Symlink(t));
            }
            Rec::Special(p) => {
                inv.nodes.insert(p, Node::Special);
            }
            Rec::Unreadable(p) => {
                inv.nodes.insert(p, Node::Unreadable);
            }
            Rec::Diag(d) => inv.diagnostics.push(d),
            Rec::Skipped(p, why) => inv.stats.skipped_mounts.push(format!("{p} ({why})")),
            Rec::Excluded(x, node) => {
                inv.nodes.insert(x.path.clone(), node);
                inv.stats.excluded.push(x);
            }
            Rec::Object(o, id) => objects.push((*o, id)),
            Rec::RpmFile(p) => inv.rpm_files.push(*p),
            Rec::Runtime(p) => inv.runtime_files.push(p),
        }
    }
    objects.sort_by(|a, b| a.0.path.cmp(&b.0.path));
    // Hardlinks: the first path (sorted) is judged, the others are aliases.
    let mut first: HashMap<FileId, usize> = HashMap::new();
    let mut kept: Vec<Object> = Vec::with_capacity(objects.len());
    let mut alias: Vec<(String, usize)> = Vec::new();
    for (o, id) in objects {
        if let Some(id) = id {
            if let Some(&idx) = first.get(&id) {
                alias.push((o.path, idx));
                continue;
            }
            first.insert(id, kept.len());
        }
        kept.push(o);
    }
    for (p, idx) in alias {
        inv.nodes.insert(p.clone(), Node::File(Some(idx)));
        kept[idx].hardlinks.push(p);
    }
    for (i, o) in kept.iter().enumerate() {
        inv.nodes.insert(o.path.clone(), Node::File(Some(i)));
        match o.kind {
            ObjectKind::Elf(_) => inv.stats.elf_files += 1,
            ObjectKind::Script(_) => inv.stats.scripts += 1,
        }
    }
    inv.objects = kept;
    // Symbolic links that can never resolve because they loop.
    let mut loops: Vec<Diagnostic> = inv
        .nodes
        .iter()
        .filter(|(_, n)| matches!(n, Node::Symlink(_)))
        .filter(|(p, _)| inv.resolve(p) == Err(super::Lookup::Loop))
        .map(|(p, n)| {
            let Node::Symlink(t) = n else { unreachable!() };
            Diagnostic::new(p, format!("symbolic link loop (-> {t}); not followed"))
        })
        .collect();
    inv.diagnostics.append(&mut loops);
    inv.diagnostics.sort();
    inv.stats.skipped_mounts.sort();
    inv.stats.excluded.sort();
    inv.rpm_files.sort_by(|a, b| a.location.cmp(&b.location));
    inv.runtime_files.sort();
    inv
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::DirSource;
    use std::os::unix::fs::symlink;

    #[test]
    fn walks_classifies_and_dedupes_hardlinks() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("opt/app/bin")).unwrap();
        std::fs::write(root.join("opt/app/bin/run.sh"), "#!/bin/sh\necho\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        let exec = std::fs::Permissions::from_mode(0o755);
        std::fs::set_permissions(root.join("opt/app/bin/run.sh"), exec).unwrap();
        // Not executable: a `#!` line that is never used.
        std::fs::write(root.join("opt/app/module.py"), "#!/usr/bin/python2\n").unwrap();
        std::fs::write(root.join("opt/app/data.txt"), "hello").unwrap();
        std::fs::hard_link(
            root.join("opt/app/bin/run.sh"),
            root.join("opt/app/run2.sh"),
        )
        .unwrap();
        symlink("bin/run.sh", root.join("opt/app/link")).unwrap();
        symlink("loop2", root.join("opt/loop1")).unwrap();
        symlink("loop1", root.join("opt/loop2")).unwrap();
        std::fs::write(root.join("opt/app/bad.so"), b"\x7fELF\x02").unwrap();
        let src = DirSource::new(root, false).unwrap();
        let inv = walk(&src, &NoProgress);
        let paths: Vec<_> = inv.objects.iter().map(|o| o.path.as_str()).collect();
        assert_eq!(paths, vec!["/opt/app/bin/run.sh"]);
        assert_eq!(inv.objects[0].hardlinks, vec!["/opt/app/run2.sh"]);
        assert_eq!(inv.object_at("/opt/app/link"), Some(0));
        assert_eq!(inv.object_at("/opt/app/run2.sh"), Some(0));
        assert!(inv.diagnostics.iter().any(|d| d.path == "/opt/app/bad.so"));
        for l in ["/opt/loop1", "/opt/loop2"] {
            assert!(
                inv.diagnostics
                    .iter()
                    .any(|d| d.path == l && d.reason.contains("loop")),
                "no loop diagnostic for {l}: {:?}",
                inv.diagnostics
            );
        }
        assert_eq!(inv.stats.files, 5);
    }

    /// A source that denies some paths, as an unprivileged scan meets them (tests run as root,
    /// who reads everything).
    struct Denying(DirSource);

    impl Source for Denying {
        fn describe(&self) -> String {
            self.0.describe()
        }
        fn read_dir(
            &self,
            path: &std::path::Path,
        ) -> std::io::Result<Result<Vec<crate::source::Entry>, String>> {
            if path == std::path::Path::new("/secret") {
                return Err(std::io::ErrorKind::PermissionDenied.into());
            }
            self.0.read_dir(path)
        }
        fn open(&self, path: &std::path::Path) -> std::io::Result<Opened> {
            if path == std::path::Path::new("/lib/libx.so.1") {
                return Err(std::io::ErrorKind::PermissionDenied.into());
            }
            self.0.open(path)
        }
        fn meta(&self, opened: &Opened) -> std::io::Result<crate::source::FileMeta> {
            self.0.meta(opened)
        }
        fn read_link(&self, path: &std::path::Path) -> std::io::Result<PathBuf> {
            self.0.read_link(path)
        }
    }

    #[test]
    fn what_cannot_be_read_is_marked_never_taken_for_absent() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("secret")).unwrap();
        std::fs::create_dir_all(root.join("lib")).unwrap();
        std::fs::write(root.join("secret/libx.so.1"), b"\x7fELF").unwrap();
        std::fs::write(root.join("lib/libx.so.1"), b"\x7fELF").unwrap();
        symlink("libx.so.1", root.join("lib/libx.so")).unwrap();
        let inv = walk(&Denying(DirSource::new(root, false).unwrap()), &NoProgress);
        let unread: Vec<&str> = inv
            .diagnostics
            .iter()
            .filter(|d| d.unread)
            .map(|d| d.path.as_str())
            .collect();
        assert_eq!(unread, vec!["/lib/libx.so.1", "/secret"]);
        assert_eq!(inv.nodes.get("/secret"), Some(&Node::Unreadable));
        assert!(inv.unreadable_at("/secret/libx.so.1"));
        assert!(inv.unreadable_at("/lib/libx.so"), "through a link");
        assert!(!inv.unreadable_at("/lib/other.so"));
        assert!(!inv.unreadable_at("/nothere/libx.so.1"));
    }

    #[test]
    fn names_keep_their_bytes_and_excluded_paths_are_listed() {
        use std::os::unix::ffi::OsStrExt;
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let exec = std::fs::Permissions::from_mode(0o755);
        let odd = root.join(std::ffi::OsStr::from_bytes(b"opt/run\xff.sh"));
        std::fs::create_dir_all(root.join("opt")).unwrap();
        std::fs::write(&odd, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&odd, exec.clone()).unwrap();
        std::fs::create_dir_all(root.join("var/lib/dpkg/info")).unwrap();
        let postinst = root.join("var/lib/dpkg/info/dash.postinst");
        std::fs::write(&postinst, "#!/bin/dash\n").unwrap();
        std::fs::set_permissions(&postinst, exec).unwrap();
        let src = DirSource::new(root, false).unwrap();
        let inv = walk_excluding(&src, &NoProgress, &Exclusions::built_in());
        let paths: Vec<_> = inv.objects.iter().map(|o| o.path.as_str()).collect();
        assert_eq!(paths, vec!["/opt/run\\xff.sh"]);
        let x: Vec<_> = inv.stats.excluded.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(x, vec!["/var/lib/dpkg"]);
        // The excluded directory still exists for path lookups; its files are not judged.
        assert!(inv.exists("/var/lib/dpkg"));
        assert_eq!(inv.object_at("/var/lib/dpkg/info/dash.postinst"), None);
    }
}
