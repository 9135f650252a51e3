//! rpmdb.sqlite (rpm >= 4.16: Fedora 33+, RHEL 9, CBL-Mariner/Azure Linux): table
//! `Packages(hnum INTEGER PRIMARY KEY, blob BLOB)`, one header blob per installed package.
//!
//! The scanned tree is never written and never locked. The database runs in WAL mode, so
//! committed data can sit in `rpmdb.sqlite-wal`:
//! - without a `-wal` file (or with an empty one) the bytes read through the `Source` are
//!   handed to SQLite with `sqlite3_deserialize`, read-only: no file is opened, nothing is
//!   created next to the database, no lock is taken (the in-memory equivalent of opening
//!   `file:...?immutable=1`, which needs a host path the `Source` does not give);
//! - with a non-empty `-wal`, its committed frames are applied to the database image in
//!   memory ([`apply_wal`]: salts and cumulative checksums checked as SQLite does, frames
//!   after the last valid commit ignored) and the result is deserialized the same way.
//!   Nothing is ever written anywhere (no temporary copy), and the image is bounded by
//!   [`MAX_IMAGE`]. The `-shm` index is never read: it is only a cache of the WAL.

use rusqlite::{Connection, MAIN_DB};

/// Rows of the `Packages` table: header number and blob (or why the row is unusable).
pub type Rows = Vec<(i64, Result<Vec<u8>, String>)>;

const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// Largest database image (after the WAL is applied) handed to SQLite.
pub const MAX_IMAGE: u64 = 1 << 30;

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
    if let Some(w) = wal.filter(|w| !w.is_empty()) {
        db = apply_wal(db, &w).map_err(|e| format!("rpmdb.sqlite-wal: {e}"))?;
    }
    // A WAL-mode database (file format bytes 18/19 = 2) cannot be deserialized as is; with
    // the WAL applied it is the same database in rollback mode.
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

/// The database page size from its header (bytes 16..18; 1 means 65536).
fn page_size(db: &[u8]) -> u32 {
    match u16::from_be_bytes([db[16], db[17]]) {
        1 => 65_536,
        n => u32::from(n),
    }
}

/// SQLite's WAL checksum over `data` (a multiple of 8 bytes), continuing from `s`.
fn wal_checksum(data: &[u8], big_endian: bool, mut s: (u32, u32)) -> (u32, u32) {
    for pair in data.chunks_exact(8) {
        let word = |b: &[u8]| {
            let b = [b[0], b[1], b[2], b[3]];
            if big_endian {
                u32::from_be_bytes(b)
            } else {
                u32::from_le_bytes(b)
            }
        };
        s.0 = s.0.wrapping_add(word(&pair[..4])).wrapping_add(s.1);
        s.1 = s.1.wrapping_add(word(&pair[4..])).wrapping_add(s.0);
    }
    s
}

/// Apply the committed frames of a WAL file to a database image, in memory. Frames are read
/// while their salts match the header and their cumulative checksum is right (as SQLite's
/// recovery does); only frames up to the last commit frame among them count. A WAL whose
/// header is unusable is ignored as SQLite ignores it (the database alone is read).
pub fn apply_wal(mut db: Vec<u8>, wal: &[u8]) -> Result<Vec<u8>, String> {
    let be32 = |b: &[u8], at: usize| u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]);
    if wal.len() < 32 {
        return Ok(db);
    }
    let magic = be32(wal, 0);
    if magic & !1 != 0x377f_0682 {
        return Ok(db);
    }
    let big_endian = magic & 1 == 1;
    let page = be32(wal, 8);
    if !(512..=65_536).contains(&page) || !page.is_power_of_two() {
        return Ok(db);
    }
    if wal_checksum(&wal[..24], big_endian, (0, 0)) != (be32(wal, 24), be32(wal, 28)) {
        return Ok(db);
    }
    if page != page_size(&db) {
        return Err(format!(
            "page size {page} differs from the database's {}",
            page_size(&db)
        ));
    }
    let salts = (be32(wal, 16), be32(wal, 20));
    let page = page as usize;
    let max_pages = (MAX_IMAGE / page as u64) as u32;
    let mut sum = (be32(wal, 24), be32(wal, 28));
    // (page number, frame offset) of the frames read so far; the committed prefix.
    let mut pending: Vec<(u32, usize)> = Vec::new();
    let mut committed: Vec<(u32, usize)> = Vec::new();
    let mut db_pages = None;
    let mut at = 32usize;
    while at + 24 + page <= wal.len() {
        let pgno = be32(wal, at);
        let commit = be32(wal, at + 4);
        if (be32(wal, at + 8), be32(wal, at + 12)) != salts || pgno == 0 {
            break;
        }
        sum = wal_checksum(&wal[at..at + 8], big_endian, sum);
        sum = wal_checksum(&wal[at + 24..at + 24 + page], big_endian, sum);
        if sum != (be32(wal, at + 16), be32(wal, at + 20)) {
            break;
        }
        if pgno > max_pages || commit > max_pages {
            return Err(format!(
                "frame for page {pgno} beyond the {MAX_IMAGE}-byte limit for a database image"
            ));
        }
        pending.push((pgno, at + 24));
        if commit != 0 {
            committed.append(&mut pending);
            db_pages = Some(commit);
        }
        at += 24 + page;
    }
    let Some(pages) = db_pages else {
        return Ok(db);
    };
    // A database grows only by pages written to the WAL: a larger size is a lie.
    let highest = committed.iter().map(|f| f.0).max().unwrap_or(0) as usize;
    if pages as usize > highest.max(db.len() / page) {
        return Err(format!(
            "commit frame claims {pages} pages, beyond the database and the pages in the WAL"
        ));
    }
    let size = pages as usize * page;
    db.resize(size.max(db.len()), 0);
    for (pgno, off) in committed {
        let start = (pgno as usize - 1) * page;
        if start + page <= db.len() {
            db[start..start + page].copy_from_slice(&wal[off..off + page]);
        } else if start < size {
            db.resize(start + page, 0);
            db[start..start + page].copy_from_slice(&wal[off..off + page]);
        }
    }
    db.truncate(size);
    if db.len() < 100 || &db[..16] != SQLITE_MAGIC {
        return Err("the WAL leaves no valid database header".into());
    }
    Ok(db)
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

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

    /// A WAL holding three commits that grow the database, and SQLite's own reading of the
    /// same files (the oracle; it may write, so it reads a copy).
    fn grown_db(dir: &std::path::Path) -> (Vec<u8>, Vec<u8>, Vec<Vec<u8>>) {
        let p = dir.join("rpmdb.sqlite");
        let (db, _) = make_db(dir, false);
        drop(db);
        let conn = Connection::open(&p).unwrap();
        conn.execute_batch("PRAGMA wal_autocheckpoint=0;").unwrap();
        for c in 0..3u8 {
            let tx = conn.unchecked_transaction().unwrap();
            for i in 0..40u8 {
                tx.execute(
                    "INSERT INTO Packages(blob) VALUES (?1)",
                    [vec![c ^ i; 1500]],
                )
                .unwrap();
            }
            tx.commit().unwrap();
        }
        let db = fs::read(&p).unwrap();
        let wal = fs::read(dir.join("rpmdb.sqlite-wal")).unwrap();
        std::mem::forget(conn);
        let copy = tempfile::tempdir().unwrap();
        fs::write(copy.path().join("c.sqlite"), &db).unwrap();
        fs::write(copy.path().join("c.sqlite-wal"), &wal).unwrap();
        let oracle = Connection::open(copy.path().join("c.sqlite")).unwrap();
        let rows = oracle
            .prepare("SELECT blob FROM Packages ORDER BY hnum")
            .unwrap()
            .query_map([], |r| r.get::<_, Vec<u8>>(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        (db, wal, rows)
    }

    fn blobs(rows: Rows) -> Vec<Vec<u8>> {
        rows.into_iter().map(|r| r.1.unwrap()).collect()
    }

    #[test]
    fn wal_frames_are_applied_in_memory_as_sqlite_reads_them() {
        let t = tempfile::tempdir().unwrap();
        let (db, wal, oracle) = grown_db(t.path());
        assert_eq!(oracle.len(), 121);
        assert!(wal.len() > db.len(), "the WAL grows the database");
        assert_eq!(
            blobs(read_blobs(db.clone(), Some(wal.clone())).unwrap()),
            oracle
        );
        // Nothing was written next to the database (no copy, no -shm of ours).
        let names: Vec<_> = fs::read_dir(t.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 3, "{names:?}"); // db, -wal and -shm of the writer
    }

    #[test]
    fn frames_after_the_last_valid_commit_are_ignored() {
        let t = tempfile::tempdir().unwrap();
        let (db, wal, oracle) = grown_db(t.path());
        let page = page_size(&db) as usize;
        let frames = (wal.len() - 32) / (24 + page);
        // Cut the last frame (the third commit's commit frame): the first two commits stay.
        let cut = &wal[..32 + (frames - 1) * (24 + page)];
        let two = blobs(read_blobs(db.clone(), Some(cut.to_vec())).unwrap());
        assert_eq!(two, oracle[..81]);
        // A bad checksum in the last frame has the same effect.
        let mut bad = wal.clone();
        let last = 32 + (frames - 1) * (24 + page) + 24;
        bad[last] ^= 0xff;
        assert_eq!(blobs(read_blobs(db.clone(), Some(bad)).unwrap()), two);
        // A WAL of another database (other salts in the frames) adds nothing.
        let mut salted = wal.clone();
        salted[16] ^= 1;
        let sum = wal_checksum(&salted[..24], salted[3] & 1 == 1, (0, 0));
        salted[24..28].copy_from_slice(&sum.0.to_be_bytes());
        salted[28..32].copy_from_slice(&sum.1.to_be_bytes());
        assert_eq!(
            blobs(read_blobs(db.clone(), Some(salted)).unwrap()),
            oracle[..1]
        );
        // Garbage is no WAL at all.
        assert_eq!(
            blobs(read_blobs(db, Some(vec![0; 4096])).unwrap()),
            oracle[..1]
        );
    }

    #[test]
    fn a_commit_claiming_a_huge_database_is_refused_without_allocating_it() {
        let t = tempfile::tempdir().unwrap();
        let (db, mut wal, _) = grown_db(t.path());
        let page = page_size(&db) as usize;
        let frames = (wal.len() - 32) / (24 + page);
        let at = 32 + (frames - 1) * (24 + page);
        wal[at + 4..at + 8].copy_from_slice(&200_000u32.to_be_bytes());
        // Recompute the checksums of the changed frame so it is valid.
        let be = wal[3] & 1 == 1;
        let mut sum = (
            u32::from_be_bytes(wal[24..28].try_into().unwrap()),
            u32::from_be_bytes(wal[28..32].try_into().unwrap()),
        );
        for f in 0..frames {
            let o = 32 + f * (24 + page);
            sum = wal_checksum(&wal[o..o + 8], be, sum);
            sum = wal_checksum(&wal[o + 24..o + 24 + page], be, sum);
        }
        wal[at + 16..at + 20].copy_from_slice(&sum.0.to_be_bytes());
        wal[at + 20..at + 24].copy_from_slice(&sum.1.to_be_bytes());
        let e = read_blobs(db, Some(wal)).unwrap_err();
        assert!(e.contains("claims 200000 pages"), "{e}");
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
