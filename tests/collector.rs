//! scripts/build-collector's check, on a binary it must refuse: the azl-compat these tests run
//! is linked against this machine's glibc (newer than 2.17), and its own ELF facts say so. The
//! glibc 2.17 build itself takes minutes and is run by the script, not by the tests
//! (docs/fleet.md has its figures).

mod common;

use std::process::Command;

#[test]
fn the_check_refuses_a_binary_that_needs_a_glibc_above_2_17() {
    common::require_tool("zstd");
    common::require_tool("jq");
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/build-collector");
    let out = Command::new("bash")
        .arg(&script)
        .arg("--check")
        .env("AZL_COMPAT_COLLECTOR", env!("CARGO_BIN_EXE_azl-compat"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("highest GLIBC_ version needed: 2.") && stdout.contains("libc.so.6"),
        "{stdout}"
    );
    assert!(stderr.contains("above 2.17"), "{stderr}");
    // Each version listed as too new is above 2.17.
    for line in stderr.lines().filter(|l| l.starts_with("  ")) {
        let v = line.rsplit("GLIBC_").next().unwrap();
        let parts: Vec<u32> = v.split('.').map(|p| p.parse().unwrap()).collect();
        assert!(parts > vec![2, 17], "{line}");
    }
}
