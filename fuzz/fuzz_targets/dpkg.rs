//! The dpkg status parser on arbitrary bytes.
#![no_main]

use azl_compat::inventory::dpkg::{parse_status, to_package};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(records) = parse_status(data) {
        for r in records.iter().filter(|r| r.is_installed()) {
            let _ = to_package(r, "/var/lib/dpkg/status");
        }
    }
});
