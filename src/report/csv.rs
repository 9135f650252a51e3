//! The CSV rendering: one row per finding (RFC 4180: CRLF line ends, fields with a comma, quote,
//! CR or LF quoted, quotes doubled). Columns in docs/reports.md. Every cell of every CSV output
//! goes through [`field`], which applies the OWASP CSV-injection rule (docs/security.md).

use super::Report;
use super::readiness::{Area, evidence_string};
use crate::findings::{Finding, WaiverStatus};

/// The header row, in column order.
pub const COLUMNS: &[&str] = &[
    "code",
    "severity",
    "path",
    "subject",
    "message",
    "why",
    "fix",
    "evidence",
    "area",
    "overridden_from",
    "waiver",
    "waiver_owner",
    "waiver_expires",
    "waiver_justification",
    "waiver_via",
    "line",
];

/// One field: neutralised against CSV injection ([`super::escape::csv_cell`]), then quoted
/// when RFC 4180 requires it or when it was neutralised (as OWASP advises).
pub fn field(raw: &str) -> String {
    let s = super::escape::csv_cell(raw);
    let neutralised = s.starts_with('\'') && !raw.starts_with('\'');
    if neutralised || s.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.into_owned()
    }
}

fn row(out: &mut String, fields: &[&str]) {
    let line: Vec<String> = fields.iter().map(|f| field(f)).collect();
    out.push_str(&line.join(","));
    out.push_str("\r\n");
}

fn finding_row(out: &mut String, f: &Finding) {
    let evidence = evidence_string(f);
    let w = f.waiver.as_ref();
    let status = w.map(|w| match w.status {
        WaiverStatus::Active => "waived",
        WaiverStatus::Expired => "expired",
    });
    row(
        out,
        &[
            f.code.as_str(),
            f.severity.as_str(),
            &f.path,
            f.subject.as_deref().unwrap_or(""),
            &f.message,
            &f.why,
            &f.fix,
            &evidence,
            Area::of(f.code).as_str(),
            f.overridden_from.map(|s| s.as_str()).unwrap_or(""),
            status.unwrap_or(""),
            w.map(|w| w.owner.as_str()).unwrap_or(""),
            w.and_then(|w| w.expires.as_deref()).unwrap_or(""),
            w.map(|w| w.justification.as_str()).unwrap_or(""),
            w.and_then(|w| w.via.as_deref()).unwrap_or(""),
            &f.line.map(|n| n.to_string()).unwrap_or_default(),
        ],
    );
}

/// Render the findings as CSV, header first, in the report's order.
pub fn render(r: &Report) -> String {
    let mut out = String::new();
    row(&mut out, COLUMNS);
    for f in &r.findings {
        finding_row(&mut out, f);
    }
    out
}

/// The header row of the packages table, in column order.
pub const PACKAGE_COLUMNS: &[&str] = &[
    "name",
    "evr",
    "arch",
    "manager",
    "origin",
    "location",
    "fate",
    "azl_packages",
    "basis",
    "confidence",
    "needed_by",
    "findings",
    "reason",
];

/// The second table: one row per installed package (or `.rpm` file), with its fate.
pub fn render_packages(r: &Report) -> String {
    let mut out = String::new();
    row(&mut out, PACKAGE_COLUMNS);
    for p in &r.packages {
        let azl: Vec<String> = p
            .azl_packages
            .iter()
            .map(|a| match &a.evr {
                Some(e) => format!("{} {} ({})", a.name, e, a.channel),
                None => format!("{} ({})", a.name, a.channel),
            })
            .collect();
        let codes: Vec<&str> = p.findings.iter().map(|c| c.as_str()).collect();
        row(
            &mut out,
            &[
                &p.name,
                &p.evr,
                p.arch.as_deref().unwrap_or(""),
                &p.manager,
                &p.origin,
                &p.location,
                &p.fate,
                &azl.join("; "),
                &p.basis,
                p.confidence.as_deref().unwrap_or(""),
                &p.needed_by.join("; "),
                &codes.join(";"),
                &p.reason,
            ],
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_only_when_needed() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"x\""), "\"say \"\"x\"\"\"");
        assert_eq!(field("two\nlines"), "\"two\nlines\"");
        assert_eq!(field(""), "");
        assert_eq!(field("=1+1"), "\"'=1+1\"");
        assert_eq!(field("'quoted"), "'quoted");
    }
}
