//! The SARIF 2.1.0 rendering for code-scanning dashboards (docs/reports.md).
//!
//! One run; one rule per finding code (help text from docs/findings.md); one result per finding.
//! Files are physical locations: a relative `uri` (the path on the target without its leading
//! `/`, percent-encoded) against the `uriBaseId` `TARGETROOT`, with the line (`region.startLine`)
//! when the finding's evidence has one. Findings about packages and units are logical locations
//! too (kind `package`, `unit`). Waived findings carry an accepted external suppression with the
//! waiver's owner and justification.

use super::Report;
use super::readiness::{self, Area, Readiness};
use crate::findings::{Code, Finding, Severity, WaiverStatus};
use serde_json::{Map, Value, json};

/// The `uriBaseId` of every file location: `/` of the target filesystem.
pub const URI_BASE_ID: &str = "TARGETROOT";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Blocker => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// `elf-library-missing` -> `ElfLibraryMissing`.
fn rule_name(code: Code) -> String {
    code.as_str()
        .split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// Percent-encode a target path as a relative URI reference (RFC 3986: unreserved and `/` kept).
pub fn relative_uri(path: &str) -> String {
    let mut o = String::new();
    for &b in path.trim_start_matches('/').as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            o.push(b as char);
        } else {
            o.push_str(&format!("%{b:02X}"));
        }
    }
    o
}

fn rule(code: Code, facts: &crate::knowledge::format::TargetFacts) -> Value {
    let e = readiness::explain(code);
    json!({
        "id": code.as_str(),
        "name": rule_name(code),
        "shortDescription": { "text": code.title(facts) },
        "fullDescription": { "text": e.description },
        "help": {
            "text": code.explanation(),
            "markdown": format!("**{}** ({})\n\n{}", code.as_str(), code.title(facts), code.explanation()),
        },
        "defaultConfiguration": { "level": level(code.severity()) },
        "properties": {
            "tags": [Area::of(code).as_str(), code.severity().as_str()],
        },
    })
}

fn location(f: &Finding) -> Value {
    let area = Area::of(f.code);
    let logical = match area {
        Area::Packages => Some(json!({
            "name": readiness::item(f).1,
            "fullyQualifiedName": f.path,
            "kind": "package",
        })),
        // A finding of the units area about no unit (a boot flag file, a udev rule) is only
        // about its file.
        Area::Units if readiness::item_is_unit(f) => Some(json!({
            "name": readiness::item(f).1,
            "fullyQualifiedName": readiness::item(f).1,
            "kind": "unit",
        })),
        _ => None,
    };
    match logical {
        Some(l) => {
            let mut loc = json!({ "logicalLocations": [l] });
            if f.path.starts_with('/') {
                loc["physicalLocation"] = file_location(f);
            }
            loc
        }
        None => json!({ "physicalLocation": file_location(f) }),
    }
}

/// The finding's file, and its line (`line`, 1-based) when it has one.
fn file_location(f: &Finding) -> Value {
    let mut loc = json!({
        "artifactLocation": { "uri": relative_uri(&f.path), "uriBaseId": URI_BASE_ID }
    });
    if let Some(line) = f.line {
        loc["region"] = json!({ "startLine": line });
    }
    loc
}

fn result(f: &Finding, rule_index: usize) -> Value {
    let mut text = f.message.clone();
    if !f.fix.is_empty() {
        text.push_str(". Fix: ");
        text.push_str(&f.fix);
    }
    let mut props = Map::new();
    props.insert("severity".into(), f.severity.as_str().into());
    if let Some(s) = &f.subject {
        props.insert("subject".into(), s.clone().into());
    }
    props.insert("why".into(), f.why.clone().into());
    props.insert("fix".into(), f.fix.clone().into());
    if !f.evidence.is_empty() {
        props.insert("evidence".into(), json!(f.evidence));
    }
    if let Some(o) = f.overridden_from {
        props.insert("overriddenFrom".into(), o.as_str().into());
    }
    let mut r = json!({
        "ruleId": f.code.as_str(),
        "ruleIndex": rule_index,
        "level": level(f.severity),
        // Viewers show the message to people: control and bidirectional characters escaped.
        "message": { "text": super::escape::visible(&text) },
        "locations": [location(f)],
        "partialFingerprints": {
            "azlCompatKey/v1": format!("{}|{}|{}", f.code, f.path, f.subject.as_deref().unwrap_or("")),
        },
    });
    if let Some(w) = &f.waiver {
        let mut wp = Map::new();
        wp.insert("owner".into(), w.owner.clone().into());
        if let Some(e) = &w.expires {
            wp.insert("expires".into(), e.clone().into());
        }
        if let Some(v) = &w.via {
            wp.insert("via".into(), v.clone().into());
        }
        match w.status {
            WaiverStatus::Active => {
                r["suppressions"] = json!([{
                    "kind": "external",
                    "status": "accepted",
                    "justification": w.justification,
                    "properties": wp,
                }]);
            }
            WaiverStatus::Expired => {
                wp.insert("status".into(), "expired".into());
                wp.insert("justification".into(), w.justification.clone().into());
                props.insert("expiredWaiver".into(), Value::Object(wp));
            }
        }
    }
    r["properties"] = Value::Object(props);
    r
}

/// Render the report as a SARIF 2.1.0 log (pretty-printed, trailing newline).
pub fn render(r: &Report) -> String {
    let facts = r.target_facts();
    let rules: Vec<Value> = Code::ALL.iter().map(|&c| rule(c, &facts)).collect();
    let results: Vec<Value> = r
        .findings
        .iter()
        .map(|f| {
            let idx = Code::ALL.iter().position(|&c| c == f.code).unwrap_or(0);
            result(f, idx)
        })
        .collect();
    let readiness = Readiness::of(r);
    let mut run_props = json!({
        "verdict": readiness.status.as_str(),
        "headline": readiness.headline(r),
        "knowledgePack": r.knowledge.id,
        "target": format!("{} {} ({})", r.target.name, r.target.version, r.target.arch),
        "sourceRoot": r.source.root,
        "schemaVersion": r.schema_version,
    });
    if let Some(s) = readiness.score {
        run_props["readinessScore"] = s.into();
    }
    if readiness.unread > 0 {
        run_props["incomplete"] = true.into();
        run_props["unreadPaths"] = readiness.unread.into();
    }
    if let Some(c) = &r.summary.install_command {
        run_props["installCommand"] = c.clone().into();
    }
    if let Some(step) = &r.summary.install_step {
        run_props["installStep"] = step.clone().into();
    }
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": r.tool.name,
                    "version": r.tool.version,
                    "semanticVersion": r.tool.version,
                    "rules": rules,
                }
            },
            "originalUriBaseIds": {
                URI_BASE_ID: {
                    "description": {
                        "text": "The root (/) of the filesystem as it would be on the target; \
                                 the scanned tree on the scanning host was the report's source root."
                    }
                }
            },
            "results": results,
            "properties": run_props,
        }]
    });
    let mut s =
        serde_json::to_string_pretty(&log).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_relative_and_encoded() {
        assert_eq!(
            relative_uri("/opt/a b/libstdc++.so.6"),
            "opt/a%20b/libstdc%2B%2B.so.6"
        );
        assert_eq!(rule_name(Code::ElfLibraryMissing), "ElfLibraryMissing");
    }
}
