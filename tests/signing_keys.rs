//! rpm's `gpg-pubkey` entries are named after the key they hold: the key parser must give the
//! same id and creation time rpm recorded, on rpm's own test database (a real rpm build wrote it).

mod common;

use azl_compat::inventory::openpgp;

#[test]
fn the_key_in_rpms_test_database_has_the_id_rpm_recorded() {
    let Some(corpora) = common::corpora_dir() else {
        return;
    };
    let db = corpora.join("rpmdb/rpm-software-management__rpm/tests/data/misc/rpmdb.sqlite");
    let bytes = std::fs::read(&db).unwrap();
    // The entry's DESCRIPTION is the armored key; its VERSION-RELEASE is 1964c5fc-58e63918 and
    // its Provides name the subkey too (gpg(185e6146f00650f8)), which is not a primary key.
    let keys = openpgp::keys(&bytes);
    assert_eq!(keys.len(), 1, "{keys:?}");
    let k = &keys[0];
    assert_eq!(k.version, 4);
    assert_eq!(k.key_id, "4344591e1964c5fc");
    assert_eq!(k.short_id(), "1964c5fc");
    assert_eq!(format!("{:08x}", k.created), "58e63918");
    assert_eq!(
        k.user_id.as_deref(),
        Some("rpm.org RSA testkey <rsa@rpm.org>")
    );
    assert!(k.is_rpm_entry("1964c5fc", Some("58e63918")));
    assert!(k.fingerprint.ends_with("4344591e1964c5fc"));
}

/// A host whose rpm database holds that key and whose repository names the key file: the report
/// lists the key with the repository that uses it, in JSON and in the text report.
#[test]
fn a_signing_key_names_the_repositories_that_use_it() {
    let Some(corpora) = common::corpora_dir() else {
        return;
    };
    let db = corpora.join("rpmdb/rpm-software-management__rpm/tests/data/misc/rpmdb.sqlite");
    let bytes = std::fs::read(&db).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    let begin = text.find("-----BEGIN PGP PUBLIC KEY BLOCK-----").unwrap();
    let end = text[begin..]
        .find("-----END PGP PUBLIC KEY BLOCK-----")
        .unwrap()
        + begin;
    let armored = format!("{}-----END PGP PUBLIC KEY BLOCK-----\n", &text[begin..end]);

    let tree = tempfile::tempdir().unwrap();
    let root = tree.path();
    for d in ["var/lib/rpm", "etc/yum.repos.d", "etc/pki/rpm-gpg"] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    std::fs::copy(&db, root.join("var/lib/rpm/rpmdb.sqlite")).unwrap();
    std::fs::write(root.join("etc/pki/rpm-gpg/RPM-GPG-KEY-rpmtest"), armored).unwrap();
    std::fs::write(
        root.join("etc/yum.repos.d/acme.repo"),
        "[acme]\nname=Acme\nbaseurl=https://repo.example.com/el9\ngpgkey=https://repo.example.com/key.asc\n       file:///etc/pki/rpm-gpg/RPM-GPG-KEY-rpmtest\n\n[other]\nbaseurl=https://other.example.com/\ngpgkey=file:///etc/pki/rpm-gpg/RPM-GPG-KEY-missing\n",
    )
    .unwrap();

    let out = assert_cmd::Command::cargo_bin("azl-compat")
        .unwrap()
        .args(["scan", root.to_str().unwrap(), "--format", "json", "-q"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    common::assert_valid_report(&v);
    let keys = v["signing_keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert_eq!(keys[0]["key_id"], "1964c5fc");
    assert_eq!(
        keys[0]["repositories"],
        serde_json::json!(["acme (/etc/yum.repos.d/acme.repo:1)"])
    );
    assert_eq!(
        keys[0]["key_files"],
        serde_json::json!(["/etc/pki/rpm-gpg/RPM-GPG-KEY-rpmtest"])
    );
    let text = assert_cmd::Command::cargo_bin("azl-compat")
        .unwrap()
        .args(["scan", root.to_str().unwrap(), "-q"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("gpg-pubkey-1964c5fc-58e63918 ")
            && text.contains("used by acme (/etc/yum.repos.d/acme.repo:1)"),
        "{text}"
    );
}
