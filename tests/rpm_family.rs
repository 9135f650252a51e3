//! The rpm-family evidence committed in knowledge/rpm-family/provides.tsv is exactly what
//! `knowledge::rpm_family::extract` reads from the shared corpora. `UPDATE_KNOWLEDGE=1`
//! rewrites the file (then rebuild the pack: docs/knowledge.md, "rpm-family cross-check").

mod common;

use azl_compat::knowledge::rpm_family;
use std::path::Path;

#[test]
fn committed_rpm_family_evidence_is_the_corpus_extraction() {
    let Some(corpora) = common::corpora_dir() else {
        return;
    };
    let text = rpm_family::extract(&corpora).expect("extraction");
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge/rpm-family/provides.tsv");
    if std::env::var_os("UPDATE_KNOWLEDGE").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    let rows = rpm_family::parse("extracted", &text).unwrap();
    // The facts the cross-check rests on are in the extraction.
    let has = |p: &str, s: &str, d: &str| {
        rows.iter()
            .any(|r| r.package == p && r.soname == s && r.distro == d)
    };
    assert!(has("bzip2-libs", "libbz2.so.1", "centos-7"));
    assert!(has("cyrus-sasl-lib", "libsasl2.so.3", "centos-7"));
    assert!(has("bzip2-libs", "libbz2.so.1.0", "cbl-mariner-2.0"));
    assert!(has("curl", "", "centos-7"), "curl provides no soname");
    assert!(
        rows.iter()
            .all(|r| !r.package.is_empty() && r.package != "gpg-pubkey")
    );
    assert_eq!(
        rpm_family::PROVIDES_TSV,
        text,
        "knowledge/rpm-family/provides.tsv differs from the corpus extraction: run with UPDATE_KNOWLEDGE=1 and rebuild the pack"
    );
}
