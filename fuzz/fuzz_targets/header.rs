//! The rpm header parser on arbitrary bytes: as a database blob and as a `.rpm` file.
#![no_main]

use azl_compat::inventory::packages::{Manager, read_rpm_file};
use azl_compat::inventory::rpm::header::{Header, Kind};
use azl_compat::inventory::rpm::package_from_header;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(h) = Header::parse(data, Kind::Blob) {
        let _ = package_from_header(&h, Manager::Rpm, "fuzz");
        for t in h.tags() {
            let _ = (h.strings(t), h.ints(t), h.raw(t));
        }
    }
    let _ = read_rpm_file(data, "fuzz");
});
