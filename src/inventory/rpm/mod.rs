//! rpm: one validating header parser ([`header`]) behind every rpm format this crate reads:
//! the three database backends ([`sqlite`], [`bdb`], [`ndb`]) and `.rpm` files
//! ([`package_file`]). [`package_from_header`] turns a header into the package model.
//!
//! The submodules are public so the fuzz targets (`fuzz/`) can drive them directly.

pub mod bdb;
pub mod header;
pub mod ndb;
pub mod package_file;
pub mod sqlite;
pub mod tags;

use super::packages::{
    Dependency, InstalledPackage, MAX_DB_FILE, Manager, Op, PackageDb, join, list_files,
    read_db_file, read_file, resolve_in_root,
};
use crate::findings::Diagnostic;
use crate::source::Source;
use header::{Header, Kind};

/// Where rpm keeps its database, in the order they are tried: `%_dbpath` of RHEL/CentOS/
/// Azure Linux/CBL-Mariner, of Fedora 36+ and SUSE, and of rpm-ostree systems. Symlinks
/// between them (e.g. `/var/lib/rpm -> ../../usr/lib/sysimage/rpm`) are followed inside the
/// root, so one database is read once.
pub const DB_DIRS: &[&str] = &["/var/lib/rpm", "/usr/lib/sysimage/rpm", "/usr/share/rpm"];

/// Database files, in the order rpm's backends are preferred when several are present.
pub const SQLITE_FILE: &str = "rpmdb.sqlite";
pub const NDB_FILE: &str = "Packages.db";
pub const BDB_FILE: &str = "Packages";

/// Turn a validated header into a package record. Fails only without a NAME.
pub fn package_from_header(
    h: &Header<'_>,
    manager: Manager,
    location: &str,
) -> Result<InstalledPackage, String> {
    use tags::*;
    let name = h.string(NAME).ok_or("header has no NAME")?;
    let mut p = InstalledPackage::new(manager, name.into_owned(), location);
    p.version = h
        .string(VERSION)
        .map(|s| s.into_owned())
        .unwrap_or_default();
    p.release = h.string(RELEASE).map(|s| s.into_owned());
    p.epoch = h.u32(EPOCH);
    p.arch = h.string(ARCH).map(|s| s.into_owned());
    p.vendor = h.string(VENDOR).map(|s| s.into_owned());
    p.summary = h.string(SUMMARY).map(|s| s.into_owned());
    p.packager = h.string(PACKAGER).map(|s| s.into_owned());
    p.source_rpm = h.string(SOURCERPM).map(|s| s.into_owned());
    p.signed = SIGNATURE_TAGS.iter().any(|t| h.has(*t));
    p.requires = dependencies(h, REQUIRENAME, REQUIREFLAGS, REQUIREVERSION);
    p.provides = dependencies(h, PROVIDENAME, PROVIDEFLAGS, PROVIDEVERSION);
    p.obsoletes = dependencies(h, OBSOLETENAME, OBSOLETEFLAGS, OBSOLETEVERSION);
    p.files = files(h, &mut p.problems);
    Ok(p)
}

fn dependencies(h: &Header<'_>, name_tag: u32, flags_tag: u32, ver_tag: u32) -> Vec<Dependency> {
    let Some(names) = h.strings(name_tag) else {
        return Vec::new();
    };
    let flags = h.u32s(flags_tag).unwrap_or_default();
    let versions = h.strings(ver_tag).unwrap_or_default();
    names
        .into_iter()
        .enumerate()
        .map(|(i, name)| {
            let flags = flags.get(i).copied().unwrap_or(0);
            let version = versions
                .get(i)
                .filter(|v| !v.is_empty())
                .map(|v| v.to_string());
            Dependency {
                name: name.into_owned(),
                op: version.as_ref().and_then(|_| Op::from_rpm_flags(flags)),
                version,
                flags,
            }
        })
        .collect()
}

fn files(h: &Header<'_>, problems: &mut Vec<String>) -> Vec<String> {
    use tags::*;
    if let Some(base) = h.strings(BASENAMES) {
        let dirs = h.strings(DIRNAMES).unwrap_or_default();
        let idx = h.u32s(DIRINDEXES).unwrap_or_default();
        if idx.len() != base.len() {
            problems.push(format!(
                "file list: {} basenames but {} dirindexes",
                base.len(),
                idx.len()
            ));
        }
        let mut out = Vec::with_capacity(base.len());
        let mut bad = 0usize;
        for (b, i) in base.iter().zip(idx.iter()) {
            match dirs.get(*i as usize) {
                Some(d) => out.push(format!("{d}{b}")),
                None => bad += 1,
            }
        }
        if bad > 0 {
            problems.push(format!(
                "file list: {bad} dirindexes out of range ({} dirnames)",
                dirs.len()
            ));
        }
        return out;
    }
    h.strings(OLDFILENAMES)
        .map(|v| v.into_iter().map(|s| s.into_owned()).collect())
        .unwrap_or_default()
}

/// Parse one database record into `db`, or a diagnostic naming the file and record.
fn add_blob(db: &mut PackageDb, location: &str, record: &str, blob: &[u8]) {
    match Header::parse(blob, Kind::Blob)
        .map_err(|e| e.0)
        .and_then(|h| package_from_header(&h, Manager::Rpm, location))
    {
        Ok(p) => db.packages.push(p),
        Err(e) => db
            .diagnostics
            .push(Diagnostic::new(location, format!("{record}: {e}; skipped"))),
    }
}

/// Find and read the rpm database of the tree.
pub(crate) fn read_databases(source: &dyn Source, db: &mut PackageDb) {
    let mut seen: Vec<String> = Vec::new();
    let mut chosen: Option<String> = None;
    for dir in DB_DIRS {
        let Some(real) = resolve_in_root(source, dir) else {
            continue;
        };
        if seen.contains(&real) {
            continue;
        }
        seen.push(real.clone());
        let Some(names) = list_files(source, &real) else {
            continue;
        };
        let present: Vec<&str> = [SQLITE_FILE, NDB_FILE, BDB_FILE]
            .into_iter()
            .filter(|f| names.iter().any(|n| n == f))
            .collect();
        let Some(first) = present.first() else {
            continue;
        };
        if let Some(c) = &chosen {
            db.diagnostics.push(Diagnostic::new(
                real.clone(),
                format!("another rpm database directory; not read (rpm uses one: {c})"),
            ));
            continue;
        }
        chosen = Some(real.clone());
        db.managers.push("rpm".into());
        for other in &present[1..] {
            db.diagnostics.push(Diagnostic::new(
                join(&real, other),
                format!("not read: {first} is present and rpm reads one backend"),
            ));
        }
        let path = join(&real, first);
        db.databases.push(path.clone());
        let bytes = match read_db_file(source, &path) {
            Ok(b) => b,
            Err(e) => {
                db.diagnostics
                    .push(Diagnostic::unread(path, "cannot read", &e));
                continue;
            }
        };
        read_any(source, &path, bytes, db);
    }
}

/// Read a database file whose format is recognised by content, then by name.
pub(crate) fn read_any(source: &dyn Source, path: &str, bytes: Vec<u8>, db: &mut PackageDb) {
    let name = path.rsplit('/').next().unwrap_or(path);
    let bdb_magic = bytes.get(12..16).is_some_and(|m| {
        let m = [m[0], m[1], m[2], m[3]];
        u32::from_le_bytes(m) == 0x0006_1561 || u32::from_be_bytes(m) == 0x0006_1561
    });
    if bytes.starts_with(b"SQLite format 3\0") {
        read_sqlite(source, path, bytes, db);
    } else if bytes.starts_with(ndb::DB_MAGIC) {
        read_ndb(path, &bytes, db);
    } else if bdb_magic {
        read_bdb(path, &bytes, db);
    } else if name.ends_with(".sqlite") {
        read_sqlite(source, path, bytes, db);
    } else if name == NDB_FILE {
        read_ndb(path, &bytes, db);
    } else if name == BDB_FILE {
        read_bdb(path, &bytes, db);
    } else {
        db.diagnostics.push(Diagnostic::new(
            path,
            format!(
                "not an rpm database: {} bytes, neither SQLite, NDB nor BerkeleyDB",
                bytes.len()
            ),
        ));
    }
}

/// Read an rpmdb.sqlite whose bytes are given; the `-wal` file is read through `source`.
pub(crate) fn read_sqlite(source: &dyn Source, path: &str, bytes: Vec<u8>, db: &mut PackageDb) {
    let wal = match read_file(source, &format!("{path}-wal"), MAX_DB_FILE) {
        Ok(w) => Some(w),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            db.diagnostics.push(Diagnostic::new(
                format!("{path}-wal"),
                format!("cannot read: {e}; changes committed only in it are missing"),
            ));
            None
        }
    };
    match sqlite::read_blobs(bytes, wal) {
        Ok(rows) => {
            for (hnum, blob) in rows {
                match blob {
                    Ok(b) => add_blob(db, path, &format!("record {hnum}"), &b),
                    Err(e) => db.diagnostics.push(Diagnostic::new(
                        path,
                        format!("record {hnum}: {e}; skipped"),
                    )),
                }
            }
        }
        Err(e) => db.diagnostics.push(Diagnostic::new(path, e)),
    }
}

/// Read a BerkeleyDB `Packages` file.
pub fn read_bdb(path: &str, bytes: &[u8], db: &mut PackageDb) {
    let result = bdb::for_each_record(bytes, |key, value| match key {
        // Key 0 holds rpm's header-instance counter, not a header.
        Some(0) => {}
        Some(k) => add_blob(db, path, &format!("record {k}"), value),
        None => db.diagnostics.push(Diagnostic::new(
            path,
            "record with a key that is not a 4-byte header number; skipped",
        )),
    });
    if let Err(e) = result {
        db.diagnostics.push(Diagnostic::new(
            path,
            format!("Berkeley DB: {e} (the walk stops there, as rpm's does)"),
        ));
    }
}

/// Read an NDB `Packages.db` file.
pub fn read_ndb(path: &str, bytes: &[u8], db: &mut PackageDb) {
    match ndb::read(bytes) {
        Ok(blobs) => {
            for b in blobs {
                let record = format!("package {}", b.pkgidx);
                match b.blob {
                    Ok(data) => {
                        if !b.checksum_ok {
                            db.diagnostics.push(Diagnostic::new(
                                path,
                                format!("{record}: adler32 mismatch (read anyway, as rpm does)"),
                            ));
                        }
                        add_blob(db, path, &record, data);
                    }
                    Err(e) => db
                        .diagnostics
                        .push(Diagnostic::new(path, format!("{record}: {e}; skipped"))),
                }
            }
        }
        Err(e) => db
            .diagnostics
            .push(Diagnostic::new(path, format!("NDB: {e}"))),
    }
}
