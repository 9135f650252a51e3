//! Native code inside Java archives: the `.so` members of every jar, war and ear the walk
//! found (and of the jars nested one level inside them: a war's `WEB-INF/lib/`, a Spring Boot
//! fat jar's `BOOT-INF/lib/`, an ear's modules). The JVM extracts the member for its platform
//! at run time and loads it like any shared library, so each ELF member becomes a judged
//! object of the inventory, named `ARCHIVE!/MEMBER` (the `jar:` URL spelling Java itself uses:
//! `/opt/app/lib/netty.jar!/META-INF/native/libnetty_transport_native_epoll_x86_64.so`), and
//! the ELF checks judge it with their own codes. Builds for other platforms in the same
//! archive are sorted out by `checks::alternatives` (see `platform_variant::archive_tag`).
//!
//! Archives owned by the source distribution's packages are replaced on the target and not
//! opened. Each archive is opened once, read by position with capped reads (`zip::Caps`); no
//! member is written anywhere. A damaged archive or member is a diagnostic naming it.

use super::ownership::{Origin, Ownership};
use super::zip::{Archive, Caps};
use super::{Inventory, Node, Object, ObjectKind, file_name};
use crate::findings::Diagnostic;
use crate::source::Source;
use std::path::Path;

/// The separator between an archive and a member in a path (as Java's `jar:` URLs write it).
pub const SEP: &str = "!/";

/// Whether the walk notes a regular file for this module (by its target path; cheap).
pub fn noted(path: &str) -> bool {
    let n = file_name(path);
    n.ends_with(".jar") || n.ends_with(".war") || n.ends_with(".ear")
}

/// The archive part of a member path (`/a/x.war!/WEB-INF/lib/y.jar` for
/// `/a/x.war!/WEB-INF/lib/y.jar!/lib.so`), `None` for a plain path.
pub fn archive_of(path: &str) -> Option<&str> {
    path.rfind(SEP).map(|i| &path[..i])
}

/// The fix of a finding on an archive member: the member comes with the Java library's
/// release, so upgrading that library (or using its pure-Java fallback) comes first;
/// `otherwise` is the fix a loose file gets. `need` says what the new build must do.
pub fn member_fix(path: &str, need: &str, otherwise: String) -> String {
    match archive_of(path) {
        Some(a) => format!(
            "upgrade the Java library of {a} to a release whose native build for Linux {need}, or configure its pure-Java fallback if it has one (or: {otherwise})"
        ),
        None => otherwise,
    }
}

/// Whether a member name is a shared library (`libfoo.so`, `libfoo.so.1`).
fn is_shared_library(name: &str) -> bool {
    let n = file_name(name);
    !name.ends_with('/') && (n.ends_with(".so") || n.contains(".so."))
}

/// Add the ELF members of the noted archives to the inventory as judged objects (objects stay
/// sorted by path; node ids are renumbered). Archives the distribution owns are skipped.
pub fn add_members(source: &dyn Source, inv: &mut Inventory, own: &Ownership) {
    add_members_capped(source, inv, own, Caps::default());
}

fn add_members_capped(source: &dyn Source, inv: &mut Inventory, own: &Ownership, caps: Caps) {
    let mut added: Vec<Object> = Vec::new();
    let mut diags: Vec<Diagnostic> = Vec::new();
    for path in inv.runtime_files.iter().filter(|p| noted(p)) {
        let owner = own.owner(path);
        if owner.is_some_and(|o| o.origin == Origin::Distro) {
            continue;
        }
        let owner = owner.cloned();
        let opened = match source.open(Path::new(path)) {
            Ok(o) => o,
            Err(e) => {
                diags.push(Diagnostic::unread(path, "cannot open archive", &e));
                continue;
            }
        };
        let meta = source.meta(&opened).ok();
        let archive = match Archive::open(opened, meta, caps) {
            Ok(a) => a,
            Err(e) => {
                diags.push(Diagnostic::new(path, format!("archive not read: {e}")));
                continue;
            }
        };
        members(archive, path, 0, &owner, caps, &mut added, &mut diags);
    }
    inv.diagnostics.extend(diags);
    if added.is_empty() {
        return;
    }
    inv.stats.elf_files += added.len() as u64;
    let old = std::mem::take(&mut inv.objects);
    let mut all: Vec<(Option<usize>, Object)> = old
        .into_iter()
        .enumerate()
        .map(|(i, o)| (Some(i), o))
        .collect();
    all.extend(added.into_iter().map(|o| (None, o)));
    all.sort_by(|a, b| a.1.path.cmp(&b.1.path));
    let mut renumber = vec![0usize; all.len()];
    for (new, (old, _)) in all.iter().enumerate() {
        if let Some(old) = old {
            renumber[*old] = new;
        }
    }
    for n in inv.nodes.values_mut() {
        if let Node::File(Some(id)) = n {
            *id = renumber[*id];
        }
    }
    inv.objects = all.into_iter().map(|(_, o)| o).collect();
    inv.diagnostics.sort();
}

/// The ELF members of one archive; nested archives (one level) are read from memory.
fn members(
    mut archive: Archive,
    shown: &str,
    depth: u8,
    owner: &Option<super::ownership::Owner>,
    caps: Caps,
    added: &mut Vec<Object>,
    diags: &mut Vec<Diagnostic>,
) {
    for i in 0..archive.members.len() {
        let name = archive.members[i].name.clone();
        let member_path = format!("{shown}{SEP}{name}");
        let nested = depth == 0 && !name.ends_with('/') && noted(&name);
        if !nested && !is_shared_library(&name) {
            continue;
        }
        let bytes = match archive.read(i) {
            Ok(b) => b,
            Err(e) => {
                diags.push(Diagnostic::new(
                    &member_path,
                    format!("archive member not read: {e}"),
                ));
                continue;
            }
        };
        if nested {
            match Archive::from_bytes(bytes, caps) {
                Ok(a) => members(a, &member_path, depth + 1, owner, caps, added, diags),
                Err(e) => diags.push(Diagnostic::new(
                    &member_path,
                    format!("archive not read: {e}"),
                )),
            }
            continue;
        }
        if !bytes.starts_with(b"\x7fELF") {
            continue;
        }
        match super::elf::parse(&bytes) {
            Ok(info) => added.push(Object {
                path: member_path,
                hardlinks: Vec::new(),
                size: bytes.len() as u64,
                kind: ObjectKind::Elf(info),
                owner: owner.clone(),
            }),
            Err(e) => diags.push(Diagnostic::new(
                &member_path,
                format!("malformed ELF file: {e}"),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::zip::tests::build;
    use super::*;
    use crate::checks::testkit::Elf;
    use crate::source::MemorySource;

    #[test]
    fn elf_members_of_jars_and_nested_jars_become_objects() {
        let so = Elf::lib("libfoo.so").needs("libc.so.6").bytes();
        let inner = build(&[
            ("lib/libinner.so", &so, true),
            ("a.class", b"\xca\xfe", false),
        ]);
        let war = build(&[
            ("WEB-INF/lib/inner.jar", &inner, false),
            ("WEB-INF/lib/broken.jar", b"not a zip", true),
            ("META-INF/native/libtop.so", &so, true),
            ("META-INF/native/notelf.so", b"text", false),
        ]);
        let src = MemorySource::new()
            .file("/opt/app/app.war", &war, 0o644)
            .file("/opt/app/bad.jar", b"PK\x03\x04 truncated", 0o644)
            .exe("/opt/app/bin/run", &so);
        let mut inv = crate::inventory::walk::walk(&src, &crate::inventory::walk::NoProgress);
        let own = Ownership::default();
        let before = inv.objects.len();
        add_members(&src, &mut inv, &own);
        let paths: Vec<&str> = inv.objects.iter().map(|o| o.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "/opt/app/app.war!/META-INF/native/libtop.so",
                "/opt/app/app.war!/WEB-INF/lib/inner.jar!/lib/libinner.so",
                "/opt/app/bin/run",
            ]
        );
        assert_eq!(before, 1);
        // The loose object keeps its node, renumbered.
        assert_eq!(inv.object_at("/opt/app/bin/run"), Some(2));
        let diag = |p: &str| inv.diagnostics.iter().any(|d| d.path == p);
        assert!(diag("/opt/app/bad.jar"));
        assert!(diag("/opt/app/app.war!/WEB-INF/lib/broken.jar"));
        assert_eq!(
            archive_of("/a/x.war!/WEB-INF/lib/y.jar!/l.so"),
            Some("/a/x.war!/WEB-INF/lib/y.jar")
        );
    }
}
