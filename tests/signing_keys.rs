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
