//! The systemd unit parser on arbitrary text: sections, continuations, comments, `.include`,
//! then word splitting and booleans on every value, as the unit checks use them.
#![no_main]

use azl_compat::inventory::systemd::parse::parse;
use azl_compat::inventory::systemd::{is_true, words};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let parsed = parse("/etc/systemd/system/fuzz.service", &text);
    for d in &parsed.directives {
        assert!(d.line <= d.end_line);
        let _ = words(&d.value);
        let _ = is_true(&d.value);
    }
});
