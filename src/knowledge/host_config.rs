//! Hand-kept facts about host configuration on the target (knowledge/host-config/*.tsv): the
//! crypto policy, OpenSSL's security level, which trust stores the distributions generate.
//! Every row carries its provenance (`source`) and how sure it is (`confidence`); findings
//! built on a row carry both as evidence. Embedded in the binary; `lint` checks the tables.

use std::sync::OnceLock;

/// The tables, by file name (relative to knowledge/).
pub const TABLES: &[(&str, &str)] = &[
    (
        "host-config/crypto.tsv",
        include_str!("../../knowledge/host-config/crypto.tsv"),
    ),
    (
        "host-config/package-sources.tsv",
        include_str!("../../knowledge/host-config/package-sources.tsv"),
    ),
    (
        "host-config/security.tsv",
        include_str!("../../knowledge/host-config/security.tsv"),
    ),
    (
        "host-config/data.tsv",
        include_str!("../../knowledge/host-config/data.tsv"),
    ),
    (
        "host-config/network.tsv",
        include_str!("../../knowledge/host-config/network.tsv"),
    ),
];

/// The services table (its own columns: one row per service and path).
pub const SERVICES: (&str, &str) = (
    "host-config/services.tsv",
    include_str!("../../knowledge/host-config/services.tsv"),
);

/// One row of the services table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceMove {
    pub service: &'static str,
    /// A file or directory on the source; `*` matches one path component.
    pub source_path: &'static str,
    pub target_path: &'static str,
    pub source_user: &'static str,
    pub target_user: &'static str,
    pub source_unit: &'static str,
    pub target_unit: &'static str,
    pub target_package: &'static str,
    pub note: &'static str,
    pub confidence: &'static str,
    pub source: &'static str,
}

fn parse_services() -> impl Iterator<Item = (usize, Result<ServiceMove, String>)> {
    SERVICES
        .1
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|(i, l)| {
            let f: Vec<&'static str> = l.split('\t').collect();
            let row = if f.len() != 11 {
                Err(format!("{} fields, expected 11", f.len()))
            } else {
                Ok(ServiceMove {
                    service: f[0],
                    source_path: f[1],
                    target_path: f[2],
                    source_user: f[3],
                    target_user: f[4],
                    source_unit: f[5],
                    target_unit: f[6],
                    target_package: f[7],
                    note: f[8],
                    confidence: f[9],
                    source: f[10],
                })
            };
            (i + 1, row)
        })
}

/// Every well-formed row of the services table.
pub fn services() -> &'static [ServiceMove] {
    static T: OnceLock<Vec<ServiceMove>> = OnceLock::new();
    T.get_or_init(|| parse_services().filter_map(|(_, r)| r.ok()).collect())
}

fn lint_services(out: &mut Vec<(&'static str, usize, String)>) {
    let file = SERVICES.0;
    let mut prev: Option<(&str, &str)> = None;
    for (line, row) in parse_services() {
        let r = match row {
            Ok(r) => r,
            Err(e) => {
                out.push((file, line, e));
                continue;
            }
        };
        for (name, v) in [
            ("service", r.service),
            ("source_path", r.source_path),
            ("target_path", r.target_path),
            ("target_package", r.target_package),
            ("note", r.note),
            ("source", r.source),
        ] {
            if v.trim().is_empty() {
                out.push((file, line, format!("empty {name}")));
            }
        }
        if !r.source_path.starts_with('/') || !r.target_path.starts_with('/') {
            out.push((file, line, "paths must be absolute".into()));
        }
        if let Some((_, why)) = super::wording::research_note(r.note) {
            out.push((
                file,
                line,
                format!("note reads like a research note: {why}"),
            ));
        }
        if !CONFIDENCES.contains(&r.confidence) {
            out.push((
                file,
                line,
                format!("confidence `{}` is not known", r.confidence),
            ));
        }
        let k = (r.service, r.source_path);
        if let Some(p) = prev {
            if p == k {
                out.push((
                    file,
                    line,
                    format!("duplicate {} {}", r.service, r.source_path),
                ));
            } else if p > k {
                out.push((
                    file,
                    line,
                    format!("{} {} out of order", r.service, r.source_path),
                ));
            }
        }
        prev = Some(k);
    }
}

/// How sure a row is (see the header of the tables).
pub const CONFIDENCES: &[&str] = &["high", "medium", "inferred", "unknown"];

/// One row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fact {
    pub key: &'static str,
    pub value: &'static str,
    pub fact: &'static str,
    pub confidence: &'static str,
    pub source: &'static str,
}

fn parse(text: &'static str) -> impl Iterator<Item = (usize, Result<Fact, String>)> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|(i, l)| {
            let f: Vec<&'static str> = l.split('\t').collect();
            let row = if f.len() != 5 {
                Err(format!("{} fields, expected 5", f.len()))
            } else {
                Ok(Fact {
                    key: f[0],
                    value: f[1],
                    fact: f[2],
                    confidence: f[3],
                    source: f[4],
                })
            };
            (i + 1, row)
        })
}

/// Every well-formed row of every table.
pub fn all() -> &'static [Fact] {
    static T: OnceLock<Vec<Fact>> = OnceLock::new();
    T.get_or_init(|| {
        TABLES
            .iter()
            .flat_map(|(_, t)| parse(t))
            .filter_map(|(_, r)| r.ok())
            .collect()
    })
}

/// The rows of a key (a list: several values).
pub fn rows(key: &str) -> impl Iterator<Item = &'static Fact> + '_ {
    all().iter().filter(move |f| f.key == key)
}

/// The row of a key (the first, for single-valued keys).
pub fn fact(key: &str) -> Option<&'static Fact> {
    rows(key).next()
}

/// The row of a key with a value (case-insensitive).
pub fn fact_value(key: &str, value: &str) -> Option<&'static Fact> {
    rows(key).find(|f| f.value.eq_ignore_ascii_case(value))
}

/// A numeric single-valued key, or `default` when the table lacks it.
pub fn number(key: &str, default: i64) -> i64 {
    fact(key)
        .and_then(|f| f.value.parse().ok())
        .unwrap_or(default)
}

/// Problems of the tables: (file, line, message). Wrong field counts, unknown confidences,
/// empty keys, values, facts or sources, rows out of order or repeated, a `fact` that breaks
/// the wording rule (`knowledge::wording`).
pub fn lint() -> Vec<(&'static str, usize, String)> {
    let mut out = Vec::new();
    for (file, text) in TABLES {
        let mut prev: Option<(&str, &str)> = None;
        for (line, row) in parse(text) {
            let f = match row {
                Ok(f) => f,
                Err(e) => {
                    out.push((*file, line, e));
                    continue;
                }
            };
            for (name, v) in [
                ("key", f.key),
                ("value", f.value),
                ("fact", f.fact),
                ("source", f.source),
            ] {
                if v.trim().is_empty() {
                    out.push((*file, line, format!("empty {name}")));
                }
            }
            // `fact` is what a finding's `why` says to a customer.
            if let Some((_, why)) = super::wording::research_note(f.fact) {
                out.push((
                    *file,
                    line,
                    format!("fact reads like a research note: {why}"),
                ));
            }
            if !CONFIDENCES.contains(&f.confidence) {
                out.push((
                    *file,
                    line,
                    format!(
                        "confidence `{}` is not one of {}",
                        f.confidence,
                        CONFIDENCES.join(", ")
                    ),
                ));
            }
            let k = (f.key, f.value);
            if let Some(p) = prev {
                if p == k {
                    out.push((*file, line, format!("duplicate {} {}", f.key, f.value)));
                } else if p > k {
                    out.push((*file, line, format!("{} {} out of order", f.key, f.value)));
                }
            }
            prev = Some(k);
        }
    }
    lint_services(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_clean_and_answer() {
        assert_eq!(lint(), Vec::new());
        assert_eq!(number("openssl.min-key-bits", 0), 2048);
        assert_eq!(number("certs.expiry-window-days", 0), 90);
        assert_eq!(
            fact("crypto.fips-validation").unwrap().confidence,
            "unknown"
        );
        assert!(fact_value("openssl.old-protocol", "tlsv1.1").is_some());
        assert!(fact_value("openssl.old-protocol", "TLSv1.2").is_none());
        assert!(rows("certs.generated-trust-store").count() >= 4);
        assert_eq!(fact("net.ifcfg").unwrap().confidence, "high");
        assert_eq!(fact("dns.resolved").unwrap().confidence, "inferred");
        assert!(services().len() >= 9);
        assert!(
            services()
                .iter()
                .any(|s| s.service == "apache2" && s.target_unit == "httpd.service")
        );
        for f in all() {
            assert!(!f.source.is_empty(), "{f:?}");
        }
    }
}
