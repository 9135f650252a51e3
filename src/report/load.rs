//! Reading a saved JSON report back into the model, across schema versions.
//!
//! A report whose `schema_version` is newer than this tool's [`SCHEMA_VERSION`] is refused
//! (fields may have changed meaning); an older one is brought up to date by [`upgrade`] one
//! version at a time, then read. Fields added without a version change are optional in the
//! model (`#[serde(default)]`), so older reports of the same version read as they are.

use super::{Report, SCHEMA_VERSION};
use serde_json::Value;

/// Why a saved report cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("not JSON: {0}")]
    Json(String),
    #[error("not an azl-compat report: {0}")]
    NotAReport(String),
    #[error(
        "the report has schema_version {found}, newer than this azl-compat {tool} understands \
         (schema_version {supported}); render it with a newer azl-compat"
    )]
    Newer {
        found: u64,
        supported: u32,
        tool: &'static str,
    },
    #[error("the report has schema_version {0}, which no azl-compat ever wrote")]
    Unsupported(u64),
    #[error("the report does not match schema_version {version}: {message}")]
    Invalid { version: u64, message: String },
}

/// Parse a saved report (`azl-compat scan --format json` output).
pub fn from_json(text: &str) -> Result<Report, LoadError> {
    let value: Value = serde_json::from_str(text).map_err(|e| LoadError::Json(e.to_string()))?;
    let Some(obj) = value.as_object() else {
        return Err(LoadError::NotAReport(
            "the document is not a JSON object".into(),
        ));
    };
    let version = match obj.get("schema_version") {
        Some(v) => v.as_u64().ok_or_else(|| {
            LoadError::NotAReport(format!("schema_version is {v}, not a positive integer"))
        })?,
        None => return Err(LoadError::NotAReport("no schema_version".into())),
    };
    if version > u64::from(SCHEMA_VERSION) {
        return Err(LoadError::Newer {
            found: version,
            supported: SCHEMA_VERSION,
            tool: env!("CARGO_PKG_VERSION"),
        });
    }
    let value = upgrade(value, version)?;
    let mut report: Report = serde_json::from_value(value).map_err(|e| LoadError::Invalid {
        version,
        message: e.to_string(),
    })?;
    for f in report.findings.iter_mut().filter(|f| f.line.is_none()) {
        f.fill_line();
    }
    Ok(report)
}

/// Conversions between schema versions: `STEPS[i]` turns version `i + 1` into `i + 2`.
/// None so far: version 1 is the only one.
const STEPS: &[fn(Value) -> Value] = &[];

/// Bring a report of schema `from` up to [`SCHEMA_VERSION`], one version at a time.
pub fn upgrade(mut value: Value, from: u64) -> Result<Value, LoadError> {
    if from == 0 {
        return Err(LoadError::Unsupported(from));
    }
    for v in from..u64::from(SCHEMA_VERSION) {
        let step = STEPS
            .get((v - 1) as usize)
            .ok_or(LoadError::Unsupported(from))?;
        value = step(value);
    }
    if let Some(o) = value.as_object_mut() {
        o.insert("schema_version".into(), Value::from(SCHEMA_VERSION));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_checked_before_the_fields() {
        assert!(matches!(
            from_json("{\"schema_version\": 99}"),
            Err(LoadError::Newer { found: 99, .. })
        ));
        assert!(matches!(
            from_json("{\"schema_version\": 0}"),
            Err(LoadError::Unsupported(0))
        ));
        assert!(matches!(
            from_json("{\"tool\": {}}"),
            Err(LoadError::NotAReport(_))
        ));
        assert!(matches!(from_json("[1]"), Err(LoadError::NotAReport(_))));
        assert!(matches!(from_json("{"), Err(LoadError::Json(_))));
        assert!(matches!(
            from_json("{\"schema_version\": 1}"),
            Err(LoadError::Invalid { version: 1, .. })
        ));
    }
}
