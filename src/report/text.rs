//! The text rendering for people: a summary taken in within seconds, then details.

use super::Report;
use crate::checks::Verdict;
use crate::findings::{Finding, Severity};
use std::collections::BTreeMap;
use std::fmt::Write;

/// How many needs-packages binaries are listed one per line before they are only counted.
const LIST_LIMIT: usize = 40;

/// Render the report as plain text.
pub fn render(r: &Report) -> String {
    let mut o = String::new();
    let target = format!("{} {} ({})", r.target.name, r.target.version, r.target.arch);
    let from = match (&r.source.pretty_name, &r.source.distro) {
        (Some(p), _) => format!(" [{p}]"),
        (None, Some(d)) => format!(" [{d} {}]", r.source.version.clone().unwrap_or_default()),
        _ => String::new(),
    };
    let commit = r
        .knowledge
        .provenance
        .get("commit")
        .map(|c| format!(", upstream commit {}", &c[..c.len().min(12)]))
        .unwrap_or_default();
    let _ = writeln!(
        o,
        "azl-compat {}: {}{} -> {}",
        r.tool.version, r.source.root, from, target
    );
    let _ = writeln!(o, "knowledge pack {}{}", r.knowledge.id, commit);
    let s = &r.summary;
    let b = &s.binaries;
    let _ = writeln!(
        o,
        "scanned {} files: {} ELF, {} scripts{}",
        r.source.files,
        r.source.elf_files,
        r.source.scripts,
        if r.source.distro_owned > 0 {
            format!(
                "; {} owned by {} packages are replaced, not judged",
                r.source.distro_owned,
                r.source.package_managers.join("/")
            )
        } else {
            String::new()
        }
    );
    let _ = writeln!(o);
    let headline = if b.breaks > 0 {
        format!(
            "BLOCKED: {} of {} binaries and scripts would break",
            b.breaks, b.total
        )
    } else if b.unknown > 0 {
        format!(
            "CHECK: {} of {} binaries and scripts could not be decided",
            b.unknown, b.total
        )
    } else if b.needs_packages > 0 {
        format!(
            "READY after installing {} package{}",
            s.packages_to_install.len(),
            if s.packages_to_install.len() == 1 {
                ""
            } else {
                "s"
            }
        )
    } else if b.total == 0 {
        "NOTHING TO JUDGE: no carried-over ELF files or scripts found".to_string()
    } else {
        "READY: everything runs as it is".to_string()
    };
    let _ = writeln!(o, "Verdict: {headline}");
    let _ = writeln!(o, "  ok              {:>6}", b.ok);
    let _ = writeln!(o, "  needs packages  {:>6}", b.needs_packages);
    let _ = writeln!(o, "  would break     {:>6}", b.breaks);
    let _ = writeln!(o, "  unknown         {:>6}", b.unknown);
    let _ = writeln!(
        o,
        "  findings: {} blocker, {} warning, {} info; {} diagnostics",
        s.findings.blocker, s.findings.warning, s.findings.info, s.diagnostics
    );
    if !s.top_causes.is_empty() {
        let _ = writeln!(o, "\nTop causes");
        for c in &s.top_causes {
            let _ = writeln!(
                o,
                "  {:<8} {:<28} {}  ({} file{})",
                c.severity.as_str(),
                c.code.as_str(),
                c.subject,
                c.count,
                if c.count == 1 { "" } else { "s" }
            );
            let _ = writeln!(o, "           fix: {}", c.fix);
        }
    }
    if let Some(cmd) = &s.install_command {
        let _ = writeln!(
            o,
            "\nPackages to install on {} {}",
            r.target.name, r.target.version
        );
        let _ = writeln!(o, "  {cmd}");
    }
    // Details.
    let mut by_path: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in &r.findings {
        by_path.entry(f.path.as_str()).or_default().push(f);
    }
    let bad: Vec<_> = r
        .binaries
        .iter()
        .filter(|b| matches!(b.verdict, Verdict::Breaks | Verdict::Unknown))
        .collect();
    if !bad.is_empty() {
        let _ = writeln!(o, "\nWould break or undecided");
        for bin in bad {
            let _ = writeln!(o, "  {}  [{}]", bin.path, bin.verdict.as_str());
            for f in by_path.get(bin.path.as_str()).into_iter().flatten() {
                if f.severity == Severity::Info {
                    continue;
                }
                let _ = writeln!(
                    o,
                    "    {:<8} {}: {}",
                    f.severity.as_str(),
                    f.code,
                    f.message
                );
                let _ = writeln!(o, "             fix: {}", f.fix);
            }
        }
    }
    let needs: Vec<_> = r
        .binaries
        .iter()
        .filter(|b| b.verdict == Verdict::NeedsPackages)
        .collect();
    if !needs.is_empty() {
        let _ = writeln!(o, "\nNeed packages");
        for bin in needs.iter().take(LIST_LIMIT) {
            let warn = by_path
                .get(bin.path.as_str())
                .map(|v| v.iter().filter(|f| f.severity == Severity::Warning).count())
                .unwrap_or(0);
            let _ = writeln!(
                o,
                "  {}  <- {}{}",
                bin.path,
                bin.packages.join(", "),
                if warn > 0 {
                    format!("  ({warn} warning{})", if warn == 1 { "" } else { "s" })
                } else {
                    String::new()
                }
            );
        }
        if needs.len() > LIST_LIMIT {
            let _ = writeln!(
                o,
                "  ... and {} more (see --format json)",
                needs.len() - LIST_LIMIT
            );
        }
    }
    if !r.diagnostics.is_empty() {
        let _ = writeln!(o, "\nDiagnostics (files that could not be read or parsed)");
        for d in r.diagnostics.iter().take(LIST_LIMIT) {
            let _ = writeln!(o, "  {}: {}", d.path, d.reason);
        }
        if r.diagnostics.len() > LIST_LIMIT {
            let _ = writeln!(
                o,
                "  ... and {} more (see --format json)",
                r.diagnostics.len() - LIST_LIMIT
            );
        }
    }
    o
}
