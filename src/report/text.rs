//! The text rendering for people: a summary taken in within seconds, then details.

use super::Report;
use super::bounds::{self, TEXT_FINDINGS_PER_FILE, TEXT_LIST};
use super::readiness::{self, Readiness, Status, plural};
use crate::findings::Verdict;
use crate::findings::{Finding, Severity, WaiverStatus};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Said once under the header: how every path of the report is written.
pub const ROOT_NOTE: &str = "paths are relative to the scanned root above, written as on the target (/etc/x is <root>/etc/x)";

/// Render the report as plain text.
pub fn render(r: &Report) -> String {
    render_styled(r, false)
}

/// ANSI SGR parameters of a severity.
fn severity_sgr(s: Severity) -> &'static str {
    match s {
        Severity::Blocker => "1;31",
        Severity::Warning => "33",
        Severity::Info => "36",
    }
}

/// Render the report as text, with ANSI colours when `colour` (the CLI decides: a terminal
/// and no NO_COLOR). Every string of the report is shown with control and bidirectional
/// characters visibly escaped ([`super::escape`]), so no name can forge a line or send a
/// terminal sequence.
pub fn render_styled(r: &Report, colour: bool) -> String {
    match super::escape::visible_report(r) {
        Some(safe) => render_escaped(&safe, colour),
        // Not expected (a test round-trips the model); still never print a raw control.
        None => super::escape::visible_multiline(&render_escaped(r, false)).into_owned(),
    }
}

fn render_escaped(r: &Report, colour: bool) -> String {
    let paint = |s: &str, sgr: &str| {
        if colour {
            format!("\x1b[{sgr}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    };
    let mut o = String::new();
    let mut target = format!("{} {} ({})", r.target.name, r.target.version, r.target.arch);
    if let Some(p) = &r.target.profile {
        target.push_str(&format!(", profile {p}"));
    }
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
    let _ = writeln!(o, "{}", ROOT_NOTE);
    let s = &r.summary;
    let b = &s.binaries;
    let _ = writeln!(
        o,
        "scanned {}: {} ELF, {}{}",
        plural(r.source.files, "file", "files"),
        r.source.elf_files,
        plural(r.source.scripts, "script", "scripts"),
        if r.source.distro_owned > 0 {
            format!(
                "; {} owned by {} packages {} replaced, not judged",
                r.source.distro_owned,
                r.source.package_managers.join("/"),
                if r.source.distro_owned == 1 {
                    "is"
                } else {
                    "are"
                }
            )
        } else {
            String::new()
        }
    );
    let _ = writeln!(o);
    let readiness = Readiness::of(r);
    let n = readiness.blocking_issues;
    let (headline, sgr) = match readiness.status {
        Status::Blocked => (
            format!(
                "BLOCKED by {}: {} of {} would break",
                plural(n, "issue", "issues"),
                b.breaks,
                plural(b.total, "binary or script", "binaries and scripts")
            ),
            "1;31",
        ),
        Status::Undecided => (
            format!(
                "UNDECIDED: {} of {} could not be decided",
                b.unknown,
                plural(b.total, "binary or script", "binaries and scripts")
            ),
            "1;33",
        ),
        Status::ReadyAfterPackages => (
            format!(
                "READY after installing {} package{}",
                s.packages_to_install.len(),
                if s.packages_to_install.len() == 1 {
                    ""
                } else {
                    "s"
                }
            ),
            "1;32",
        ),
        Status::NothingToJudge => (
            "NOTHING TO JUDGE: no carried-over ELF files or scripts found".to_string(),
            "1;32",
        ),
        Status::Ready => ("READY: everything runs as it is".to_string(), "1;32"),
        Status::Incomplete => (
            format!(
                "INCOMPLETE: {}; no verdict on what they hold (see Diagnostics)",
                readiness.unread_text()
            ),
            "1;33",
        ),
    };
    let headline = match readiness.status {
        Status::Blocked if readiness.unread > 0 => {
            format!("{headline} (incomplete: {})", readiness.unread_text())
        }
        _ => headline,
    };
    let _ = writeln!(o, "Verdict: {}", paint(&headline, sgr));
    if let Some(score) = readiness.score {
        let _ = writeln!(o, "  readiness score {score}/100");
    } else if readiness.unread > 0 {
        let _ = writeln!(o, "  readiness score n/a (incomplete scan)");
    }
    let _ = writeln!(o, "  ok              {:>6}", b.ok);
    let _ = writeln!(o, "  needs packages  {:>6}", b.needs_packages);
    let _ = writeln!(o, "  would break     {:>6}", b.breaks);
    let _ = writeln!(o, "  unknown         {:>6}", b.unknown);
    let _ = writeln!(
        o,
        "  findings: {} blocker, {} warning, {} info; {}",
        s.findings.blocker,
        s.findings.warning,
        s.findings.info,
        plural(s.diagnostics, "diagnostic", "diagnostics")
    );
    if let Some(p) = &r.policy {
        let _ = writeln!(
            o,
            "  policy as of {}: {} waived, {}",
            p.today,
            plural(p.waived, "finding", "findings"),
            plural(p.expired, "waiver expired", "waivers expired")
        );
    }
    if !s.top_causes.is_empty() {
        let _ = writeln!(o, "\nTop causes");
        for c in &s.top_causes {
            let _ = writeln!(
                o,
                "  {} {:<28} {}{}",
                paint(
                    &format!("{:<8}", c.severity.as_str()),
                    severity_sgr(c.severity)
                ),
                c.code.as_str(),
                c.subject,
                if crate::checks::Area::of(c.code) == crate::checks::Area::Packages {
                    String::new()
                } else {
                    format!(
                        "  ({} file{})",
                        c.count,
                        if c.count == 1 { "" } else { "s" }
                    )
                }
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
        // On an image without a package manager, the build step that adds them.
        let _ = writeln!(o, "  {}", s.install_step.as_ref().unwrap_or(cmd));
    }
    if !s.packages_unsupported.is_empty() {
        let _ = writeln!(
            o,
            "\nOnly in the unsupported sdk channel (install at your own risk, or replace):\n  {}",
            s.packages_unsupported.join(" ")
        );
    }
    if !r.signing_keys.is_empty() {
        let _ = writeln!(
            o,
            "\nSigning keys in the rpm database ({}; not packages):",
            r.signing_keys.len()
        );
        for k in r.signing_keys.iter().take(super::bounds::TEXT_LIST) {
            let _ = writeln!(o, "  {} {}: {}", k.name(), k.summary, k.used_by());
        }
        more(&mut o, "  ", r.signing_keys.len(), super::bounds::TEXT_LIST);
    }
    if let Some(pc) = &s.packages {
        let fates: Vec<String> = pc.by_fate.iter().map(|(f, n)| format!("{n} {f}")).collect();
        let mut sources = r.source.package_managers.clone();
        let mut title = "Installed packages";
        if r.packages.iter().any(|p| p.manager == "rpm-file") {
            sources.push(".rpm files in the tree".to_string());
            title = "Packages";
        }
        let _ = writeln!(
            o,
            "\n{title} ({}): {} ({} distro, {} third-party): {}",
            sources.join(", "),
            pc.total,
            pc.distro,
            pc.third_party,
            fates.join(", ")
        );
        let blocking: Vec<_> = r.packages.iter().filter(|p| r.package_blocks(p)).collect();
        for p in blocking.iter().take(TEXT_LIST) {
            let needed = match p.needed_by.len() {
                0 => String::new(),
                n if n <= 3 => format!(" (needed by {})", p.needed_by.join(", ")),
                n => format!(
                    " (needed by {} and {} more)",
                    p.needed_by[..3].join(", "),
                    n - 3
                ),
            };
            let at = if p.manager == "rpm-file" {
                format!(" at {}", p.location)
            } else {
                String::new()
            };
            let _ = writeln!(o, "  blocks: {} {} [{}]{at}{needed}", p.name, p.evr, p.fate);
        }
        more(&mut o, "  ", blocking.len(), TEXT_LIST);
    }
    if !r.generated.is_empty() {
        let nm = r
            .generated
            .iter()
            .filter(|g| g.manager == "NetworkManager")
            .count();
        let _ = writeln!(
            o,
            "\ngenerated configuration: {} file(s) for {} interface(s) (systemd-networkd files and NetworkManager keyfiles); --write-fixes DIR writes them",
            r.generated.len(),
            nm
        );
    }
    if let Some(uc) = &s.units {
        let verdicts: Vec<String> = uc
            .by_verdict
            .iter()
            .map(|(v, n)| format!("{n} {v}"))
            .collect();
        let _ = writeln!(
            o,
            "\nsystemd units: {} ({} of the workload: {}; {} enabled; {} with a migrated unit offered)",
            uc.total,
            uc.workload,
            if verdicts.is_empty() {
                "none".to_string()
            } else {
                verdicts.join(", ")
            },
            uc.enabled,
            uc.with_fixes
        );
        let bad: Vec<_> = r
            .units
            .iter()
            .filter(|u| {
                u.origin != "distro" && matches!(u.verdict, Verdict::Breaks | Verdict::Unknown)
            })
            .collect();
        for u in bad.iter().take(TEXT_LIST) {
            let codes: Vec<&str> = u.findings.iter().map(|c| c.as_str()).collect();
            let _ = writeln!(
                o,
                "  {} ({})  [{}]  {}",
                u.unit,
                u.path,
                u.verdict.as_str(),
                codes.join(", ")
            );
        }
        more(&mut o, "  ", bad.len(), TEXT_LIST);
    }
    // Details.
    let mut by_path: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in &r.findings {
        by_path.entry(f.path.as_str()).or_default().push(f);
    }
    // Those that break first, then the undecided.
    let bad = bounds::worst_first(
        r.binaries
            .iter()
            .filter(|b| matches!(b.verdict, Verdict::Breaks | Verdict::Unknown)),
        TEXT_LIST,
        |b| b.verdict != Verdict::Breaks,
    );
    let total_bad = r
        .binaries
        .iter()
        .filter(|b| matches!(b.verdict, Verdict::Breaks | Verdict::Unknown))
        .count();
    if !bad.is_empty() {
        let _ = writeln!(o, "\nWould break or undecided");
        for bin in bad {
            let _ = writeln!(
                o,
                "  {}  [{}]",
                bin.path,
                paint(
                    bin.verdict.as_str(),
                    if bin.verdict == Verdict::Breaks {
                        "31"
                    } else {
                        "33"
                    }
                )
            );
            let listed: Vec<&&Finding> = by_path
                .get(bin.path.as_str())
                .into_iter()
                .flatten()
                .filter(|f| f.severity != Severity::Info && !f.is_waived())
                .collect();
            for f in listed.iter().take(TEXT_FINDINGS_PER_FILE) {
                let _ = writeln!(
                    o,
                    "    {} {}: {}",
                    paint(
                        &format!("{:<8}", f.severity.as_str()),
                        severity_sgr(f.severity)
                    ),
                    f.code,
                    f.message
                );
                let _ = writeln!(o, "             fix: {}", f.fix);
            }
            more(&mut o, "    ", listed.len(), TEXT_FINDINGS_PER_FILE);
        }
        more(&mut o, "  ", total_bad, TEXT_LIST);
    }
    let needs: Vec<_> = r
        .binaries
        .iter()
        .filter(|b| b.verdict == Verdict::NeedsPackages)
        .collect();
    if !needs.is_empty() {
        let _ = writeln!(o, "\nNeed packages");
        for bin in needs.iter().take(TEXT_LIST) {
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
        more(&mut o, "  ", needs.len(), TEXT_LIST);
    }
    let waived: Vec<&Finding> = r.findings.iter().filter(|f| f.waiver.is_some()).collect();
    if !waived.is_empty() {
        let _ = writeln!(o, "\nWaivers");
        for f in waived.iter().take(TEXT_LIST) {
            let expired = f
                .waiver
                .as_ref()
                .is_some_and(|w| w.status == WaiverStatus::Expired);
            let _ = writeln!(
                o,
                "  {} {} {}{}",
                paint(
                    if expired { "EXPIRED " } else { "waived  " },
                    if expired { "1;31" } else { "2" }
                ),
                f.code,
                f.location(),
                f.subject
                    .as_deref()
                    .map(|s| format!(" ({s})"))
                    .unwrap_or_default()
            );
            let _ = writeln!(
                o,
                "           {}",
                readiness::waiver_text(f).unwrap_or_default()
            );
        }
        more(&mut o, "  ", waived.len(), TEXT_LIST);
    }
    if !r.source.excluded.is_empty() {
        let _ = writeln!(o, "\nLeft out (not workload)");
        for x in r.source.excluded.iter().take(TEXT_LIST) {
            let _ = writeln!(o, "  {}: {} [{}]", x.path, x.reason, x.rule);
        }
        more(&mut o, "  ", r.source.excluded.len(), TEXT_LIST);
    }
    if !r.diagnostics.is_empty() {
        let _ = writeln!(o, "\nDiagnostics (files that could not be read or parsed)");
        for d in r.diagnostics.iter().take(TEXT_LIST) {
            let _ = writeln!(o, "  {}: {}", d.path, d.reason);
        }
        more(&mut o, "  ", r.diagnostics.len(), TEXT_LIST);
    }
    o
}

/// The line under a list cut at `limit` entries (nothing when all `total` were listed).
fn more(o: &mut String, indent: &str, total: usize, limit: usize) {
    if total > limit {
        let _ = writeln!(
            o,
            "{indent}... and {} more (see --format json or --format csv)",
            total - limit
        );
    }
}
