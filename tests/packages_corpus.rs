//! Package databases against the shared real corpora (`$AZL_COMPAT_CORPORA`, else
//! `../shared/corpora`): every rpm database, header blob, `.rpm` file and dpkg status file of
//! MANIFEST.tsv must give the count the independent tool gave (rpm 4.18, python3-rpm,
//! dpkg-query 1.21), files the tool refused must give a diagnostic, never a panic. Then
//! fixtures made at test time from the same real data: BerkeleyDB `Packages` files in both
//! byte orders (corpora/rpmdb-fixtures/make-bdb.sh, db5.3_load) and NDB files from the
//! library's writer, cross-checked byte for byte against the real SLE database.
//!
//! The corpus is read in place; temporary trees live in temporary directories.

mod common;

use azl_compat::inventory::packages::Manager;
use azl_compat::inventory::packages::{
    InstalledPackage, PackageDb, read_installed, read_rpm_database, read_rpm_file,
};
use azl_compat::inventory::rpm::header::{Header, Kind};
use azl_compat::inventory::rpm::{self, ndb};
use azl_compat::source::DirSource;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The shared corpus under the rule of tests/common (fail in CI, loud skip in a fresh clone).
fn corpora() -> Option<PathBuf> {
    common::corpora_dir()
}

#[derive(Debug, Clone)]
struct Row {
    file: String,
    kind: String,
    distro: String,
    /// `None` when the tool refused the file (`ERROR`).
    count: Option<usize>,
    notes: String,
}

impl Row {
    fn note(&self, key: &str) -> Option<&str> {
        self.notes.split(';').map(str::trim).find_map(|kv| {
            kv.strip_prefix(key)
                .and_then(|r| r.strip_prefix('='))
                .map(|v| v.split_whitespace().next().unwrap_or(""))
        })
    }
    fn note_num(&self, key: &str) -> Option<usize> {
        self.note(key).and_then(|v| v.parse().ok())
    }
}

fn manifest(root: &Path) -> Vec<Row> {
    let text = std::fs::read_to_string(root.join("MANIFEST.tsv")).unwrap();
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            (c.len() >= 9).then(|| Row {
                file: c[0].to_string(),
                kind: c[4].to_string(),
                distro: c[5].to_string(),
                count: c[7].parse().ok(),
                notes: c[8].to_string(),
            })
        })
        .collect()
}

fn is_package_kind(k: &str) -> bool {
    k.starts_with("rpmdb")
        || k == "rpm-header-blob"
        || k.starts_with("rpm-file-")
        || k.starts_with("dpkg-status")
}

fn requires(db: &PackageDb) -> usize {
    db.packages.iter().map(|p| p.requires.len()).sum()
}

fn nevra_set(db: &PackageDb) -> BTreeSet<String> {
    db.packages.iter().map(InstalledPackage::nevra).collect()
}

/// Read one rpm database file of the corpus in place.
fn rpm_db(root: &Path, file: &str) -> PackageDb {
    let path = root.join(file);
    let dir = path.parent().unwrap();
    let src = DirSource::new(dir, false).unwrap();
    let name = path.file_name().unwrap().to_str().unwrap();
    read_rpm_database(&src, &format!("/{name}"))
}

fn header_blob(bytes: &[u8], location: &str) -> Result<InstalledPackage, String> {
    let h = Header::parse(bytes, Kind::Blob).map_err(|e| e.0)?;
    rpm::package_from_header(&h, Manager::Rpm, location)
}

/// NEVRA, provides and files of a header or package against the tool's notes.
fn check_notes(row: &Row, p: &InstalledPackage, bad: &mut Vec<String>) {
    if let Some(n) = row.note("nevra")
        && p.nevra() != n
    {
        bad.push(format!("{}: nevra {} != {n}", row.file, p.nevra()));
    }
    if let Some(n) = row.note_num("provides")
        && p.provides.len() != n
    {
        bad.push(format!(
            "{}: provides {} != {n}",
            row.file,
            p.provides.len()
        ));
    }
    if let Some(n) = row.note_num("files") {
        // The tool counts basenames; a basename whose dirindex is out of range has no path
        // here, and is reported as a problem instead.
        let unplaced: usize = p
            .problems
            .iter()
            .filter(|m| m.contains("dirindexes out of range"))
            .filter_map(|m| m.strip_prefix("file list: "))
            .filter_map(|m| m.split_whitespace().next()?.parse::<usize>().ok())
            .sum();
        if p.files.len() + unplaced != n {
            bad.push(format!("{}: files {} != {n}", row.file, p.files.len()));
        }
    }
}

/// A scratch root with one dpkg status-format file at its standard place.
fn dpkg_tree(src_file: &Path, status_d: bool) -> (tempfile::TempDir, PackageDb) {
    let t = tempfile::tempdir().unwrap();
    let admin = t.path().join("var/lib/dpkg");
    if status_d {
        std::fs::create_dir_all(admin.join("status.d")).unwrap();
        let name = src_file.file_name().unwrap();
        std::fs::copy(src_file, admin.join("status.d").join(name)).unwrap();
    } else {
        std::fs::create_dir_all(&admin).unwrap();
        std::fs::copy(src_file, admin.join("status")).unwrap();
    }
    let db = read_installed(&DirSource::new(t.path(), false).unwrap());
    (t, db)
}

#[test]
fn every_package_corpus_file_matches_its_independent_tool() {
    let Some(root) = corpora() else { return };
    let mut bad: Vec<String> = Vec::new();
    let mut matched: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for row in manifest(&root).iter().filter(|r| is_package_kind(&r.kind)) {
        let path = root.join(&row.file);
        let refused = row.count.is_none() || row.kind.ends_with("-malformed");
        let before = bad.len();
        match row.kind.as_str() {
            k if k.starts_with("rpmdb") => {
                let db = rpm_db(&root, &row.file);
                let want = row.count.unwrap_or(0);
                if db.packages.len() != want {
                    bad.push(format!(
                        "{}: {} packages != {want} ({:?})",
                        row.file,
                        db.packages.len(),
                        db.diagnostics
                    ));
                }
                if let Some(n) = row.note_num("requires_lines")
                    && requires(&db) != n
                {
                    bad.push(format!("{}: requires {} != {n}", row.file, requires(&db)));
                }
                let tool_complained = refused || row.notes.contains("error");
                if tool_complained && db.diagnostics.is_empty() {
                    bad.push(format!("{}: the tool complained, no diagnostic", row.file));
                }
                if !tool_complained && !db.diagnostics.is_empty() {
                    bad.push(format!("{}: unexpected {:?}", row.file, db.diagnostics));
                }
            }
            "rpm-header-blob" => {
                let bytes = std::fs::read(&path).unwrap();
                match header_blob(&bytes, &row.file) {
                    Ok(p) => {
                        if Some(p.requires.len()) != row.count {
                            bad.push(format!(
                                "{}: requires {} != {:?}",
                                row.file,
                                p.requires.len(),
                                row.count
                            ));
                        }
                        check_notes(row, &p, &mut bad);
                    }
                    Err(e) if refused => {
                        let _ = e;
                    }
                    Err(e) => bad.push(format!("{}: {e}", row.file)),
                }
            }
            k if k.starts_with("rpm-file-") => {
                let bytes = std::fs::read(&path).unwrap();
                match read_rpm_file(&bytes, &row.file) {
                    Ok(p) => {
                        if row.count.is_some() && Some(p.requires.len()) != row.count {
                            bad.push(format!(
                                "{}: requires {} != {:?}",
                                row.file,
                                p.requires.len(),
                                row.count
                            ));
                        }
                        check_notes(row, &p, &mut bad);
                        if refused && p.problems.is_empty() {
                            bad.push(format!("{}: malformed, but no problem reported", row.file));
                        }
                        if !refused && !p.problems.is_empty() {
                            bad.push(format!("{}: unexpected {:?}", row.file, p.problems));
                        }
                    }
                    Err(e) if refused => {
                        let _ = e;
                    }
                    Err(e) => bad.push(format!("{}: {e}", row.file)),
                }
            }
            k if k.starts_with("dpkg-status") => {
                // dpkg-query read the file as DIR/status: so do we, through the whole reader.
                let (_t, db) = dpkg_tree(&path, false);
                let want = row.count.unwrap_or(0);
                if db.packages.len() != want {
                    bad.push(format!(
                        "{}: {} installed != {want} ({:?})",
                        row.file,
                        db.packages.len(),
                        db.diagnostics
                    ));
                }
                let dpkg_failed = row.notes.contains("rc=2") || refused && want == 0;
                if dpkg_failed && db.diagnostics.is_empty() {
                    bad.push(format!(
                        "{}: dpkg-query refused it, no diagnostic",
                        row.file
                    ));
                }
                if !dpkg_failed && !db.diagnostics.is_empty() {
                    bad.push(format!("{}: unexpected {:?}", row.file, db.diagnostics));
                }
                // The same file as a distroless status.d/ entry gives the same packages.
                if !row.file.ends_with(".md5sums") {
                    let (_t2, db2) = dpkg_tree(&path, true);
                    if db2.packages.len() != want {
                        bad.push(format!(
                            "{} (as status.d/): {} installed != {want}",
                            row.file,
                            db2.packages.len()
                        ));
                    }
                }
            }
            _ => continue,
        }
        let e = matched.entry(row.kind.clone()).or_default();
        e.1 += 1;
        if bad.len() == before {
            e.0 += 1;
        }
    }
    for (k, (ok, all)) in &matched {
        eprintln!("{k}: {ok}/{all} matched");
    }
    assert!(matched.len() >= 8, "too few kinds seen: {matched:?}");
    assert!(
        bad.is_empty(),
        "{} mismatches:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

/// The CentOS 5/6/7 blob sets: NEVRA -> requires count, per set.
fn blob_sets(rows: &[Row]) -> BTreeMap<String, Vec<Row>> {
    let mut sets: BTreeMap<String, Vec<Row>> = BTreeMap::new();
    for r in rows
        .iter()
        .filter(|r| r.kind == "rpm-header-blob" && r.distro.contains("full package set"))
    {
        let key = if r.file.contains("centos5") {
            "centos5"
        } else if r.file.contains("centos6") {
            "centos6"
        } else {
            "centos7"
        };
        sets.entry(key.to_string()).or_default().push(r.clone());
    }
    sets
}

#[test]
fn derived_sqlite_dbs_hold_the_same_packages_as_the_blob_sets() {
    let Some(root) = corpora() else { return };
    let rows = manifest(&root);
    let mut bad = Vec::new();
    for (set, blobs) in blob_sets(&rows) {
        let want: BTreeSet<String> = blobs
            .iter()
            .map(|r| r.note("nevra").unwrap().to_string())
            .collect();
        let db = rpm_db(
            &root,
            &format!("rpmdb-derived/{set}-from-blobs/rpmdb.sqlite"),
        );
        let got = nevra_set(&db);
        if got != want {
            bad.push(format!(
                "{set}: only in db {:?}, only in blobs {:?}",
                got.difference(&want).collect::<Vec<_>>(),
                want.difference(&got).collect::<Vec<_>>()
            ));
        }
        let req: usize = blobs.iter().filter_map(|r| r.count).sum();
        if requires(&db) != req {
            bad.push(format!("{set}: requires {} != {req}", requires(&db)));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn berkeley_db_fixtures_in_both_byte_orders_read_like_their_blobs() {
    let Some(root) = corpora() else { return };
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora/rpmdb-fixtures/make-bdb.sh");
    common::require_tool("db5.3_load");
    let rows = manifest(&root);
    let mut bad = Vec::new();
    let t = tempfile::tempdir().unwrap();
    for (set, blobs) in blob_sets(&rows) {
        let want: BTreeSet<String> = blobs
            .iter()
            .map(|r| r.note("nevra").unwrap().to_string())
            .collect();
        let req: usize = blobs.iter().filter_map(|r| r.count).sum();
        // Small pages: headers on overflow chains; 64 KiB pages: most headers inline.
        for (lorder, pagesize) in [("1234", 4096), ("4321", 4096), ("4321", 65536)] {
            let dir = t.path().join(format!("{set}-{lorder}-{pagesize}"));
            std::fs::create_dir_all(&dir).unwrap();
            let out = dir.join("Packages");
            let st = Command::new("bash")
                .arg(&script)
                .arg(&out)
                .arg(lorder)
                .arg(pagesize.to_string())
                .args(blobs.iter().map(|r| root.join(&r.file)))
                .status()
                .unwrap();
            assert!(st.success(), "make-bdb.sh failed for {set}");
            let src = DirSource::new(&dir, false).unwrap();
            let db = read_rpm_database(&src, "/Packages");
            let tag = format!("{set} lorder {lorder} pagesize {pagesize}");
            if nevra_set(&db) != want || db.packages.len() != blobs.len() {
                bad.push(format!(
                    "{tag}: {} packages, {} expected; {:?}",
                    db.packages.len(),
                    blobs.len(),
                    db.diagnostics
                ));
            }
            if requires(&db) != req {
                bad.push(format!("{tag}: requires {} != {req}", requires(&db)));
            }
            if !db.diagnostics.is_empty() {
                bad.push(format!("{tag}: {:?}", db.diagnostics));
            }
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

const SLE_NDB: &str = "rpmdb/knqyf263__go-rpmdb/pkg/testdata/sle15-bci/Packages.db";

#[test]
fn ndb_writer_reproduces_the_real_sle_database_blob_for_blob() {
    let Some(root) = corpora() else { return };
    let real = std::fs::read(root.join(SLE_NDB)).unwrap();
    let blobs = ndb::read(&real).unwrap();
    assert_eq!(blobs.len(), 35);
    for b in &blobs {
        let data = b.blob.as_ref().unwrap();
        assert!(b.checksum_ok, "package {}: adler32", b.pkgidx);
        // Encode this one blob with the writer; its blob area must equal the real bytes.
        let one = ndb::write(&[(b.pkgidx, b.timestamp, data)]);
        let area = &one[ndb::PAGE_SIZE..];
        let start = b.blkoff as usize * ndb::BLK_SIZE;
        let real_area = &real[start..start + b.blkcnt as usize * ndb::BLK_SIZE];
        assert_eq!(
            area, real_area,
            "package {}: blob encoding differs",
            b.pkgidx
        );
    }
    // A whole database written from the real blobs reads back to the same packages.
    let input: Vec<(u32, u32, &[u8])> = blobs
        .iter()
        .map(|b| (b.pkgidx, b.timestamp, *b.blob.as_ref().unwrap()))
        .collect();
    let written = ndb::write(&input);
    let t = tempfile::tempdir().unwrap();
    std::fs::write(t.path().join("Packages.db"), &written).unwrap();
    let mine = read_rpm_database(&DirSource::new(t.path(), false).unwrap(), "/Packages.db");
    let theirs = rpm_db(&root, SLE_NDB);
    assert!(mine.diagnostics.is_empty(), "{:?}", mine.diagnostics);
    let strip = |db: &PackageDb| {
        db.packages
            .iter()
            .map(|p| (p.nevra(), p.requires.clone(), p.files.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(strip(&mine), strip(&theirs));
    // The real file's header and slot page agree with the writer's layout.
    assert_eq!(&real[..4], b"RpmP");
    assert_eq!(&written[..4], b"RpmP");
    assert_eq!(real[12..16], written[12..16], "slot page count");
}

#[test]
fn read_installed_finds_databases_at_their_standard_places_inside_the_root() {
    let Some(root) = corpora() else { return };
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    // Fedora layout: the database in /usr/lib/sysimage/rpm, /var/lib/rpm a relative link.
    std::fs::create_dir_all(r.join("usr/lib/sysimage/rpm")).unwrap();
    std::fs::create_dir_all(r.join("var/lib")).unwrap();
    std::fs::copy(
        root.join("rpmdb/rpm-software-management__rpm/tests/data/misc/rpmdb.sqlite"),
        r.join("usr/lib/sysimage/rpm/rpmdb.sqlite"),
    )
    .unwrap();
    std::os::unix::fs::symlink("../../usr/lib/sysimage/rpm", r.join("var/lib/rpm")).unwrap();
    // An absolute link that would leave the root if the host resolved it.
    std::fs::create_dir_all(r.join("usr/share")).unwrap();
    std::os::unix::fs::symlink("/usr/lib/sysimage/rpm", r.join("usr/share/rpm")).unwrap();
    // dpkg with file lists.
    let admin = r.join("var/lib/dpkg");
    std::fs::create_dir_all(admin.join("info")).unwrap();
    std::fs::write(
        admin.join("status"),
        "Package: libc6\nStatus: install ok installed\nVersion: 2.36-9\nArchitecture: amd64\nMulti-Arch: same\nMaintainer: x\nDescription: y\n\n\
         Package: gone\nStatus: deinstall ok config-files\nVersion: 1\nArchitecture: amd64\nMaintainer: x\nDescription: y\n",
    )
    .unwrap();
    std::fs::write(
        admin.join("info/libc6:amd64.list"),
        "/.\n/usr/lib/x86_64-linux-gnu/libc.so.6\n",
    )
    .unwrap();
    let db = read_installed(&DirSource::new(r, false).unwrap());
    assert_eq!(db.managers, vec!["dpkg", "rpm"]);
    assert!(db.diagnostics.is_empty(), "{:?}", db.diagnostics);
    assert_eq!(
        db.databases,
        vec!["/usr/lib/sysimage/rpm/rpmdb.sqlite", "/var/lib/dpkg/status"]
    );
    let rpm: Vec<_> = db
        .packages
        .iter()
        .filter(|p| p.manager == Manager::Rpm)
        .collect();
    assert_eq!(rpm.len(), 3, "read once, through the links");
    let libc = db.packages.iter().find(|p| p.name == "libc6").unwrap();
    assert_eq!(
        libc.files,
        vec!["/.", "/usr/lib/x86_64-linux-gnu/libc.so.6"]
    );
    assert_eq!(
        (libc.version.as_str(), libc.release.as_deref()),
        ("2.36", Some("9"))
    );
    assert!(!db.packages.iter().any(|p| p.name == "gone"));
    // Sorted by name.
    let names: Vec<&str> = db.packages.iter().map(|p| p.name.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
}
