//! The JSON rendering: the report model as it is (docs/json-report.md, docs/report.schema.json).

use super::Report;

/// Render the report as pretty-printed JSON with a trailing newline.
pub fn render(report: &Report) -> String {
    let mut s = serde_json::to_string_pretty(report).unwrap_or_else(|e| {
        // Serializing plain data structures cannot fail; keep the output valid JSON anyway.
        format!("{{\"error\": \"{e}\"}}")
    });
    s.push('\n');
    s
}
