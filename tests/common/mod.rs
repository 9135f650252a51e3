//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The shared corpus directory (`$AZL_COMPAT_CORPORA`, else `../shared/corpora`), or `None`
/// (with a note) when it is not configured and absent. Panics when `AZL_COMPAT_CORPORA` is set
/// but the directory is missing: in CI a test that needs the corpora fails, never skips.
pub fn corpora_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("AZL_COMPAT_CORPORA") {
        let dir = PathBuf::from(dir);
        assert!(
            dir.join("MANIFEST.tsv").is_file(),
            "AZL_COMPAT_CORPORA={} is set but has no MANIFEST.tsv",
            dir.display()
        );
        return Some(dir);
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora");
    if dir.join("MANIFEST.tsv").is_file() {
        Some(dir)
    } else {
        eprintln!(
            "note: no corpus at {} and AZL_COMPAT_CORPORA unset; skipping",
            dir.display()
        );
        None
    }
}

/// Validate a JSON report against docs/report.schema.json, listing every error.
pub fn assert_valid_report(report: &serde_json::Value) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/report.schema.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("schema"))
            .expect("schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("valid schema");
    let errors: Vec<String> = validator
        .iter_errors(report)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "report does not match docs/report.schema.json:\n{}",
        errors.join("\n")
    );
}
