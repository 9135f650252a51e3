//! The JSON Lines rendering (`--format jsonl`, docs/json-report.md "JSON Lines"): the same report
//! as `--format json`, one JSON object per line, so a consumer can process findings one at a
//! time. Every line has a `record` member: one `header` (every member of the JSON report but
//! `findings` and `diagnostics`), one `finding` per finding, one `diagnostic` per diagnostic,
//! then one `trailer` with the counts, so a reader can tell a complete stream from a cut one.

use super::Report;
use crate::findings::{Diagnostic, Finding};
use serde::Serialize;

/// Every member of the report but the two long lists.
#[derive(Serialize)]
struct Header<'a> {
    record: &'static str,
    schema_version: u32,
    tool: &'a super::Tool,
    knowledge: &'a super::KnowledgeInfo,
    target: &'a super::Target,
    source: &'a super::SourceInfo,
    summary: &'a super::Summary,
    binaries: &'a [super::Binary],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    packages: &'a [super::model::PackageReport],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    signing_keys: &'a [super::model::SigningKey],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    units: &'a [super::model::UnitReport],
    #[serde(skip_serializing_if = "Option::is_none")]
    policy: &'a Option<super::policy::AppliedPolicy>,
}

/// One finding or diagnostic, as in the JSON report, with its `record` kind first.
#[derive(Serialize)]
struct Item<'a, T: Serialize> {
    record: &'static str,
    #[serde(flatten)]
    item: &'a T,
}

#[derive(Serialize)]
struct Trailer {
    record: &'static str,
    findings: usize,
    diagnostics: usize,
}

/// Render the report as JSON Lines (each line ends with `\n`).
pub fn render(r: &Report) -> String {
    let mut o = String::new();
    line(
        &mut o,
        &Header {
            record: "header",
            schema_version: r.schema_version,
            tool: &r.tool,
            knowledge: &r.knowledge,
            target: &r.target,
            source: &r.source,
            summary: &r.summary,
            binaries: &r.binaries,
            packages: &r.packages,
            signing_keys: &r.signing_keys,
            units: &r.units,
            policy: &r.policy,
        },
    );
    for f in &r.findings {
        line(
            &mut o,
            &Item::<Finding> {
                record: "finding",
                item: f,
            },
        );
    }
    for d in &r.diagnostics {
        line(
            &mut o,
            &Item::<Diagnostic> {
                record: "diagnostic",
                item: d,
            },
        );
    }
    line(
        &mut o,
        &Trailer {
            record: "trailer",
            findings: r.findings.len(),
            diagnostics: r.diagnostics.len(),
        },
    );
    o
}

/// One record on one line (plain data: serialising it cannot fail; the line stays JSON anyway).
fn line<T: Serialize>(o: &mut String, v: &T) {
    match serde_json::to_string(v) {
        Ok(s) => o.push_str(&s),
        Err(e) => {
            o.push_str(&serde_json::json!({"record": "error", "error": e.to_string()}).to_string())
        }
    }
    o.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_header_one_line_per_finding_and_diagnostic_and_a_trailer() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/report-units.json"
        ))
        .unwrap();
        let r = crate::report::load::from_json(&text).unwrap();
        let out = render(&r);
        let lines: Vec<serde_json::Value> = out
            .lines()
            .map(|l| serde_json::from_str(l).expect("each line is one JSON object"))
            .collect();
        assert_eq!(lines.len(), 2 + r.findings.len() + r.diagnostics.len());
        assert_eq!(lines[0]["record"], "header");
        assert!(lines[0].get("findings").is_none());
        assert_eq!(
            lines[0]["binaries"].as_array().unwrap().len(),
            r.binaries.len()
        );
        let full: serde_json::Value = serde_json::from_str(&text).unwrap();
        for (i, f) in full["findings"].as_array().unwrap().iter().enumerate() {
            let mut rec = lines[1 + i].clone();
            assert_eq!(rec["record"], "finding");
            rec.as_object_mut().unwrap().remove("record");
            assert_eq!(&rec, f, "finding {i} as in the JSON report");
        }
        let n = r.findings.len();
        for l in &lines[1 + n..lines.len() - 1] {
            assert_eq!(l["record"], "diagnostic");
        }
        let last = lines.last().unwrap();
        assert_eq!(last["record"], "trailer");
        assert_eq!(last["findings"], n);
        assert_eq!(last["diagnostics"], r.diagnostics.len());
    }
}
