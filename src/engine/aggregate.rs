//! Repeated findings of one file folded into one (docs/security.md, "Bounded"): a hostile
//! ELF with 200,000 DT_NEEDED entries must not make 65,536 findings and a gigabyte report.
//! Verdicts are judged before folding, on every finding.

use crate::findings::Finding;
use std::collections::BTreeMap;

/// Most findings of one code listed for one file; the rest become one summary finding.
pub const MAX_PER_FILE_AND_CODE: usize = 32;

/// Keep the first [`MAX_PER_FILE_AND_CODE`] findings of each (file, code) in their order
/// (`findings` is sorted) and replace the rest by one finding saying how many were folded
/// (evidence `folded`), with the first folded one's severity, why and fix.
pub fn fold(findings: Vec<Finding>) -> Vec<Finding> {
    let mut count: BTreeMap<(String, crate::findings::Code), usize> = BTreeMap::new();
    for f in &findings {
        *count.entry((f.path.clone(), f.code)).or_default() += 1;
    }
    if count.values().all(|&n| n <= MAX_PER_FILE_AND_CODE) {
        return findings;
    }
    let mut seen: BTreeMap<(String, crate::findings::Code), usize> = BTreeMap::new();
    let mut out = Vec::new();
    for f in findings {
        let key = (f.path.clone(), f.code);
        let total = count[&key];
        let n = seen.entry(key).or_default();
        *n += 1;
        if *n <= MAX_PER_FILE_AND_CODE {
            out.push(f);
        } else if *n == MAX_PER_FILE_AND_CODE + 1 {
            let folded = total - MAX_PER_FILE_AND_CODE;
            let mut s = f;
            s.message = format!(
                "{folded} more `{}` findings for this file are not listed (first not listed: {})",
                s.code.as_str(),
                s.subject.as_deref().unwrap_or("-")
            );
            s.subject = Some(format!("{folded} more"));
            s.evidence = BTreeMap::from([("folded".to_string(), folded.to_string())]);
            out.push(s);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::{Code, Severity};

    fn finding(path: &str, subject: String) -> Finding {
        Finding {
            code: Code::ALL[0],
            severity: Severity::Blocker,
            path: path.into(),
            subject: Some(subject),
            message: "m".into(),
            why: "w".into(),
            fix: "f".into(),
            evidence: BTreeMap::new(),
            overridden_from: None,
            waiver: None,
            line: None,
        }
    }

    #[test]
    fn repeated_findings_of_one_file_are_folded_others_kept() {
        let mut v: Vec<Finding> = (0..1000)
            .map(|i| finding("/opt/a", format!("lib{i:04}.so")))
            .collect();
        v.extend((0..3).map(|i| finding("/opt/b", format!("x{i}"))));
        v.sort();
        let out = fold(v);
        assert_eq!(out.len(), MAX_PER_FILE_AND_CODE + 1 + 3);
        let last = &out[MAX_PER_FILE_AND_CODE];
        assert_eq!(last.path, "/opt/a");
        assert_eq!(
            last.evidence["folded"],
            (1000 - MAX_PER_FILE_AND_CODE).to_string()
        );
        assert!(last.message.contains("lib0032.so"), "{}", last.message);
        assert_eq!(out.iter().filter(|f| f.path == "/opt/b").count(), 3);
    }
}
