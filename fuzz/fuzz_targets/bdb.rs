//! The BerkeleyDB hash reader (and the header parser behind it) on arbitrary bytes.
#![no_main]

use azl_compat::inventory::packages::PackageDb;
use azl_compat::inventory::rpm::read_bdb;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut db = PackageDb::default();
    read_bdb("/fuzz/Packages", data, &mut db);
});
