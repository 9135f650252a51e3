//! rpmdb.sqlite (rpm >= 4.16: Fedora 33+, RHEL 9, CBL-Mariner/Azure Linux): table
//! `Packages(hnum INTEGER PRIMARY KEY, blob BLOB)`, one header blob per installed package.
//!
//! The scanned tree is never written and never locked. The database runs in WAL mode, so
//! committed data can sit in `rpmdb.sqlite-wal`:
//! - without a `-wal` file (or with an empty one) the bytes read through the `Source` are
//!   handed to SQLite with `sqlite3_deserialize`, read-only: no file is opened, nothing is
//!   created next to the database, no lock is taken (the in-memory equivalent of opening
//!   `file:...?immutable=1`, which needs a host path the `Source` does not give);
//! - with a non-empty `-wal`, the database and its WAL are copied into a private temporary
//!   directory (mode 0700, unique name, removed afterwards) and the copy is opened normally,
//!   so SQLite replays the WAL into the copy. The `-shm` index is not copied: SQLite
//!   rebuilds it from the WAL, which is safer than trusting a stale one.

use rusqlite::{Connection, MAIN_DB, OpenFlags};
use std::fs;
use std::io;
use std::os::unix::fs::DirBuilderExt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

/// Rows of the `Packages` table: header number and blob (or why the row is unusable).
pub type Rows = Vec<(i64, Result<Vec<u8>, String>)>;

const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// Read the `Packages` rows of an rpmdb.sqlite given as bytes, with its `-wal` if any.
pub fn read_blobs(mut db: Vec<u8>, wal: Option<Vec<u8>>) -> Result<Rows, String> {
    if db.is_empty() {
        return Err("empty file (0 bytes): not an SQLite database".into());
    }
    if db.len() < 100 || &db[..16] != SQLITE_MAGIC {
        return Err(format!(
            "not an SQLite database ({} bytes, no SQLite header)",
            db.len()
        ));
    }
    match wal {
        Some(w) if !w.is_empty() => {
            let dir = TempDir::new().map_err(|e| format!("cannot create a temporary copy: {e}"))?;
            let db_path = dir.0.join("rpmdb.sqlite");
            fs::write(&db_path, &db)
                .and_then(|_| fs::write(dir.0.join("rpmdb.sqlite-wal"), &w))
                .map_err(|e| format!("cannot write a temporary copy: {e}"))?;
            let conn = Connection::open_with_flags(
                &db_path,
                OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .map_err(|e| format!("sqlite: {e}"))?;
            let rows = query(&conn);
            drop(conn);
            drop(dir);
            rows
        }
        _ => {
            // A WAL-mode database (file format bytes 18/19 = 2) cannot be deserialized as
            // is; with no WAL content it is the same database in rollback mode.
            if db[18] == 2 {
                db[18] = 1;
            }
            if db[19] == 2 {
                db[19] = 1;
            }
            let mut conn = Connection::open_in_memory().map_err(|e| format!("sqlite: {e}"))?;
            let len = db.len();
            conn.deserialize_read_exact(MAIN_DB, &db[..], len, true)
                .map_err(|e| format!("sqlite: {e}"))?;
            drop(db);
            query(&conn)
        }
    }
}

fn query(conn: &Connection) -> Result<Rows, String> {
    let sql = |e: rusqlite::Error| format!("sqlite: {e}");
    // Nothing in the scanned schema runs with privileges.
    let _ = conn.execute_batch("PRAGMA trusted_schema = OFF; PRAGMA query_only = ON;");
    let kind: Option<String> = conn
        .query_row(
            "SELECT type FROM sqlite_master WHERE name = 'Packages'",
            [],
            |r| r.get(0),
        )
        .ok();
    match kind.as_deref() {
        Some("table") => {}
        Some(other) => return Err(format!("`Packages` is a {other}, not a table")),
        None => {
            // Distinguish "not a database" from "a database without the table".
            conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
                r.get::<_, i64>(0)
            })
            .map_err(sql)?;
            return Err("no `Packages` table: not an rpm database".into());
        }
    }
    let mut stmt = conn
        .prepare("SELECT hnum, blob FROM Packages ORDER BY hnum")
        .map_err(sql)?;
    let mut rows = stmt.query([]).map_err(sql)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(sql)? {
        let hnum: i64 = row.get(0).unwrap_or(-1);
        let blob = match row.get_ref(1) {
            Ok(rusqlite::types::ValueRef::Blob(b)) => Ok(b.to_vec()),
            Ok(other) => Err(format!("blob column holds {:?}", other.data_type())),
            Err(e) => Err(sql(e)),
        };
        out.push((hnum, blob));
    }
    Ok(out)
}

/// A private temporary directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> io::Result<TempDir> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let mut last = None;
        for _ in 0..16 {
            let p = std::env::temp_dir().join(format!(
                "azl-compat-rpmdb-{}-{}-{nanos}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::Relaxed)
            ));
            match fs::DirBuilder::new().mode(0o700).create(&p) {
                Ok(()) => return Ok(TempDir(p)),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or_else(|| io::Error::other("no unique name")))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn make_db(dir: &std::path::Path, wal: bool) -> (Vec<u8>, Option<Vec<u8>>) {
        let p = dir.join("rpmdb.sqlite");
        let conn = Connection::open(&p).unwrap();
        conn.execute_batch(
            "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0;
             CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL);
             INSERT INTO Packages(blob) VALUES (x'00010203');
             PRAGMA wal_checkpoint(TRUNCATE);",
        )
        .unwrap();
        if wal {
            // Committed but not checkpointed: lives only in the -wal file.
            conn.execute("INSERT INTO Packages(blob) VALUES (x'0405')", [])
                .unwrap();
            let db = fs::read(&p).unwrap();
            let w = fs::read(dir.join("rpmdb.sqlite-wal")).unwrap();
            std::mem::forget(conn); // keep the WAL un-checkpointed
            return (db, Some(w));
        }
        drop(conn);
        (fs::read(&p).unwrap(), None)
    }

    #[test]
    fn reads_rows_committed_only_in_the_wal() {
        let t = tempfile::tempdir().unwrap();
        let (db, wal) = make_db(t.path(), true);
        let without = read_blobs(db.clone(), None).unwrap();
        let with = read_blobs(db, wal).unwrap();
        assert!(
            with.len() > without.len(),
            "{} vs {}",
            with.len(),
            without.len()
        );
        assert_eq!(with.last().unwrap().1.as_ref().unwrap(), &vec![4u8, 5]);
    }

    #[test]
    fn reads_a_checkpointed_wal_mode_db_in_memory() {
        let t = tempfile::tempdir().unwrap();
        let (db, _) = make_db(t.path(), false);
        let rows = read_blobs(db, Some(Vec::new())).unwrap();
        assert_eq!(rows.len(), 1);
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(read_blobs(Vec::new(), None).is_err());
        assert!(read_blobs(b"hello".to_vec(), None).is_err());
        let mut fake = SQLITE_MAGIC.to_vec();
        fake.resize(4096, 0xee);
        assert!(read_blobs(fake, None).is_err());
    }
}
