//! The Markdown rendering for tickets and wikis (GitHub-flavoured tables). Same numbers as every
//! other rendering: they all come from the report model and `readiness`.

use super::Report;
use super::bounds;
use super::model::UnitReport;
use super::readiness::{self, Area, Readiness, unit_order, verdict_rank};
use crate::findings::Verdict;
use crate::findings::{Finding, Severity};
use std::fmt::Write;

/// Escape text for a Markdown paragraph or table cell: control and bidirectional characters
/// shown escaped ([`super::escape::visible`]), then Markdown punctuation and HTML.
pub fn text(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in super::escape::visible(s).chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '|' | '~' => {
                o.push('\\');
                o.push(c);
            }
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '&' => o.push_str("&amp;"),
            _ => o.push(c),
        }
    }
    o
}

/// An inline code span that survives any content (and a table cell: `|` escaped; control
/// and bidirectional characters shown escaped).
pub fn code(s: &str) -> String {
    if s.is_empty() {
        return String::new();
    }
    let s = super::escape::visible(s).replace('|', "\\|");
    let mut longest = 0;
    let mut run = 0;
    for c in s.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let fence = "`".repeat(longest + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{s}{pad}{fence}")
}

/// Text with `code` spans (as the checks write reasons): spans kept as code, the rest escaped.
fn inline(s: &str) -> String {
    s.split('`')
        .enumerate()
        .map(|(i, part)| if i % 2 == 1 { code(part) } else { text(part) })
        .collect()
}

/// Inline Markdown from docs/findings.md, made safe for a table cell.
fn doc(s: &str) -> String {
    s.replace('|', "\\|")
}

/// A table of at most [`bounds::MARKDOWN_TABLE_ROWS`] rows, then a line that says how many were left out.
fn table(o: &mut String, head: &[&str], rows: &[Vec<String>]) {
    table_of(o, head, rows, rows.len());
}

/// [`table`] for `rows` already cut from `total` rows.
fn table_of(o: &mut String, head: &[&str], rows: &[Vec<String>], total: usize) {
    let _ = writeln!(o, "| {} |", head.join(" | "));
    let _ = writeln!(
        o,
        "|{}|",
        head.iter().map(|_| "---").collect::<Vec<_>>().join("|")
    );
    for r in rows.iter().take(bounds::MARKDOWN_TABLE_ROWS) {
        let _ = writeln!(o, "| {} |", r.join(" | "));
    }
    let shown = rows.len().min(bounds::MARKDOWN_TABLE_ROWS);
    if total > shown {
        let _ = writeln!(
            o,
            "\n_... and {} more rows, in the JSON and CSV reports (`--format json`, `--format csv`)._",
            total - shown
        );
    }
    o.push('\n');
}

fn waiver_cell(f: &Finding) -> String {
    readiness::waiver_text(f)
        .map(|t| text(&t))
        .unwrap_or_default()
}

fn severity_cell(f: &Finding) -> String {
    match (f.overridden_from, f.is_waived()) {
        (Some(from), false) => format!("{} (was {})", f.severity.as_str(), from.as_str()),
        (Some(from), true) => format!("~~{}~~ waived (was {})", f.severity.as_str(), from.as_str()),
        (None, true) => format!("~~{}~~ waived", f.severity.as_str()),
        (None, false) => f.severity.as_str().to_string(),
    }
}

/// Render the report as Markdown.
pub fn render(r: &Report) -> String {
    let mut o = String::new();
    let rd = Readiness::of(r);
    let s = &r.summary;
    let b = &s.binaries;
    let _ = writeln!(
        o,
        "# {} {} readiness: {}\n",
        text(&r.target.name),
        text(&r.target.version),
        code(&r.source.root)
    );
    let _ = writeln!(
        o,
        "Paths are relative to the scanned root {}, written as on the target.\n",
        code(&r.source.root)
    );
    let _ = writeln!(
        o,
        "**Verdict: {}.** {}\n",
        text(&rd.headline(r)),
        text(&rd.detail(r))
    );
    match rd.score {
        Some(score) => {
            let _ = writeln!(
                o,
                "Readiness score: **{score}/100** (how it is computed: docs/reports.md).\n"
            );
        }
        None if rd.unread > 0 => {
            let _ = writeln!(
                o,
                "Readiness score: n/a (incomplete scan: {}; see Diagnostics).\n",
                rd.unread_text()
            );
        }
        None => {
            let _ = writeln!(o, "Readiness score: n/a (nothing judged).\n");
        }
    }
    o.push_str("## Summary\n\n");
    table(
        &mut o,
        &["binaries and scripts", "count"],
        &[
            vec!["judged".into(), b.total.to_string()],
            vec!["ok".into(), b.ok.to_string()],
            vec!["needs packages".into(), b.needs_packages.to_string()],
            vec!["would break".into(), b.breaks.to_string()],
            vec!["unknown".into(), b.unknown.to_string()],
        ],
    );
    let mut sev_rows = vec![
        vec!["blocker".into(), s.findings.blocker.to_string()],
        vec!["warning".into(), s.findings.warning.to_string()],
        vec!["info".into(), s.findings.info.to_string()],
    ];
    if let Some(p) = &r.policy {
        sev_rows.push(vec!["waived".into(), p.waived.to_string()]);
        sev_rows.push(vec!["waiver expired".into(), p.expired.to_string()]);
    }
    sev_rows.push(vec!["diagnostics".into(), s.diagnostics.to_string()]);
    table(&mut o, &["findings", "count"], &sev_rows);
    let areas = readiness::by_area(r);
    if !areas.is_empty() {
        let rows: Vec<Vec<String>> = Area::ALL
            .iter()
            .filter_map(|a| areas.get(a).map(|c| (a, c)))
            .map(|(a, c)| {
                vec![
                    a.as_str().to_string(),
                    c[0].to_string(),
                    c[1].to_string(),
                    c[2].to_string(),
                ]
            })
            .collect();
        table(&mut o, &["area", "blocker", "warning", "info"], &rows);
    }
    if !r.units.is_empty() {
        let verdicts: Vec<Verdict> = readiness::workload_units(r)
            .map(|u| readiness::unit_verdict(r, u))
            .collect();
        let n = |v: Verdict| verdicts.iter().filter(|&&x| x == v).count().to_string();
        table(
            &mut o,
            &["systemd units", "count"],
            &[
                vec!["all units".into(), r.units.len().to_string()],
                vec!["workload units".into(), verdicts.len().to_string()],
                vec!["workload units that would break".into(), n(Verdict::Breaks)],
                vec!["workload units undecided".into(), n(Verdict::Unknown)],
                vec![
                    "workload units that need packages".into(),
                    n(Verdict::NeedsPackages),
                ],
                vec!["workload units that run as they are".into(), n(Verdict::Ok)],
                vec![
                    "enabled units".into(),
                    r.units.iter().filter(|u| u.enabled).count().to_string(),
                ],
                vec![
                    "units with a migrated unit".into(),
                    r.units
                        .iter()
                        .filter(|u| u.diff.is_some())
                        .count()
                        .to_string(),
                ],
            ],
        );
    }
    if !s.top_causes.is_empty() {
        o.push_str("## Top blockers and warnings\n\n");
        let rows: Vec<Vec<String>> = s
            .top_causes
            .iter()
            .map(|c| {
                vec![
                    c.severity.as_str().to_string(),
                    code(c.code.as_str()),
                    code(&c.subject),
                    c.count.to_string(),
                    text(&c.fix),
                ]
            })
            .collect();
        table(
            &mut o,
            &["severity", "code", "subject", "affected", "fix"],
            &rows,
        );
    }
    if let Some(cmd) = &s.install_command {
        // One shell line: a line break in a (hostile) package name is shown, never kept.
        match &s.install_step {
            // On an image without a package manager, the build step that adds them.
            Some(step) => {
                let _ = writeln!(o, "## Packages to install\n\n{}\n", inline(step));
            }
            None => {
                let cmd = super::escape::visible(cmd);
                let _ = writeln!(o, "## Packages to install\n\n{}\n", fenced("sh", &cmd));
            }
        }
    }
    if !s.packages_unsupported.is_empty() {
        let _ = writeln!(
            o,
            "Only in the unsupported sdk channel (install at your own risk, or replace): {}\n",
            s.packages_unsupported
                .iter()
                .map(|p| code(p))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if !r.signing_keys.is_empty() {
        let _ = writeln!(
            o,
            "Signing keys in the rpm database ({}; not packages):\n",
            r.signing_keys.len()
        );
        let rows: Vec<Vec<String>> = r
            .signing_keys
            .iter()
            .take(super::bounds::MARKDOWN_TABLE_ROWS)
            .map(|k| vec![code(&k.name()), text(&k.summary), text(&k.used_by())])
            .collect();
        table(&mut o, &["key", "user id", "repositories"], &rows);
        o.push('\n');
    }
    let why = readiness::why(r);
    if !why.is_empty() {
        let _ = writeln!(
            o,
            "## Why {} {} is not a drop-in Fedora for this workload\n",
            text(&r.target.name),
            text(&r.target.version)
        );
        for w in &why {
            let _ = writeln!(
                o,
                "- **{}** ({}, {} on {} {}): {}",
                code(w.code.as_str()),
                w.severity.as_str(),
                w.findings,
                w.items,
                w.item_word,
                doc(&w.explanation.description)
            );
            if !w.explanation.fix.is_empty() {
                let _ = writeln!(o, "  Fix: {}", doc(&w.explanation.fix));
            }
        }
        o.push('\n');
    }
    // Worst first when the table is cut, so the rows it keeps are the ones that matter.
    let attention = bounds::worst_first(
        r.binaries.iter().filter(|b| b.verdict != Verdict::Ok),
        bounds::MARKDOWN_TABLE_ROWS,
        |b| verdict_rank(b.verdict),
    );
    let total_attention = r
        .binaries
        .iter()
        .filter(|b| b.verdict != Verdict::Ok)
        .count();
    let rows: Vec<Vec<String>> = attention
        .into_iter()
        .map(|b| {
            vec![
                code(&b.path),
                b.kind.clone(),
                b.verdict.as_str().to_string(),
                b.packages
                    .iter()
                    .map(|p| code(p))
                    .collect::<Vec<_>>()
                    .join(" "),
                b.findings
                    .iter()
                    .map(|c| code(c.as_str()))
                    .collect::<Vec<_>>()
                    .join(" "),
            ]
        })
        .collect();
    if !rows.is_empty() {
        let _ = writeln!(
            o,
            "## Binaries and scripts that need attention ({} of {}; {} ok not listed)\n",
            total_attention, b.total, b.ok
        );
        table_of(
            &mut o,
            &["path", "kind", "verdict", "packages", "findings"],
            &rows,
            total_attention,
        );
    }
    let moved: Vec<Vec<String>> = readiness::package_order(r)
        .filter(|p| p.fate != "shipped" || !p.findings.is_empty())
        .map(|p| {
            vec![
                code(&p.name),
                text(&p.evr),
                text(&p.origin),
                text(&p.fate),
                p.azl_packages
                    .iter()
                    .map(|a| code(&a.name))
                    .collect::<Vec<_>>()
                    .join(" "),
                inline(&p.reason),
                p.findings
                    .iter()
                    .map(|c| code(c.as_str()))
                    .collect::<Vec<_>>()
                    .join(" "),
            ]
        })
        .collect();
    if !r.packages.is_empty() {
        let _ = writeln!(
            o,
            "## Installed packages that need attention ({} of {}; those shipped as they are not listed)\n",
            moved.len(),
            r.packages.len()
        );
        if !moved.is_empty() {
            table(&mut o, readiness::PACKAGE_COLUMNS, &moved);
        }
    }
    units(&mut o, r);
    generated(&mut o, r);
    let listed = |f: &&Finding| f.severity >= Severity::Warning || f.waiver.is_some();
    let total_shown = r.findings.iter().filter(listed).count();
    // Unwaived blockers first when the table is cut.
    let shown = bounds::worst_first(
        r.findings.iter().filter(listed),
        bounds::MARKDOWN_TABLE_ROWS,
        |f| (f.is_waived(), std::cmp::Reverse(f.severity)),
    );
    if !shown.is_empty() {
        let _ = writeln!(
            o,
            "## Blocker and warning findings ({} of {}; info findings are in the JSON, CSV and HTML reports)\n",
            total_shown,
            r.findings.len()
        );
        let rows: Vec<Vec<String>> = shown
            .iter()
            .map(|f| {
                vec![
                    severity_cell(f),
                    code(f.code.as_str()),
                    code(&f.location()),
                    f.subject.as_deref().map(code).unwrap_or_default(),
                    text(&f.message),
                    text(&f.fix),
                    waiver_cell(f),
                ]
            })
            .collect();
        table_of(
            &mut o,
            &[
                "severity", "code", "path", "subject", "message", "fix", "waiver",
            ],
            &rows,
            total_shown,
        );
    }
    if let Some(p) = &r.policy {
        let _ = writeln!(o, "## Policy\n");
        let n = |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let _ = writeln!(
            o,
            "Applied as of {}: {}; {} waived, {}.{}\n",
            p.today,
            n(p.waivers, "waiver", "waivers"),
            n(p.waived, "finding", "findings"),
            n(p.expired, "waiver expired", "waivers expired"),
            p.fail_on
                .map(|f| format!(" Fails on: {}.", f.as_str()))
                .unwrap_or_default()
        );
        for (c, sev) in &p.overrides {
            let _ = writeln!(
                o,
                "- severity of {} set to {} (default {})",
                code(c.as_str()),
                sev.as_str(),
                c.severity().as_str()
            );
        }
        for u in &p.unmatched_waivers {
            let _ = writeln!(o, "- waiver matched no finding: {}", code(u));
        }
        let expired = r.expired_waivers();
        for f in expired {
            let _ = writeln!(
                o,
                "- {} on {}: {}",
                code(f.code.as_str()),
                code(&f.location()),
                waiver_cell(f)
            );
        }
        o.push('\n');
    }
    if !r.diagnostics.is_empty() {
        let _ = writeln!(
            o,
            "## Diagnostics (files that could not be read or parsed)\n"
        );
        let rows: Vec<Vec<String>> = r
            .diagnostics
            .iter()
            .map(|d| {
                // A path not read at all makes the verdict incomplete: marked as such.
                let mark = if d.unread { "**not read:** " } else { "" };
                vec![code(&d.path), format!("{mark}{}", text(&d.reason))]
            })
            .collect();
        table(&mut o, &["path", "reason"], &rows);
    }
    if !r.source.excluded.is_empty() {
        let _ = writeln!(o, "## Left out (not workload)\n");
        let rows: Vec<Vec<String>> = r
            .source
            .excluded
            .iter()
            .map(|x| vec![code(&x.path), text(&x.reason), code(&x.rule)])
            .collect();
        table(&mut o, &["path", "reason", "rule"], &rows);
    }
    o.push_str("## Scan\n\n");
    let mut meta = vec![
        vec![
            "tool".into(),
            format!("{} {}", text(&r.tool.name), text(&r.tool.version)),
        ],
        vec!["knowledge pack".into(), code(&r.knowledge.id)],
    ];
    for (k, v) in &r.knowledge.provenance {
        if k.starts_with("sha256:") {
            continue;
        }
        meta.push(vec![format!("knowledge {}", text(k)), text(v)]);
    }
    meta.push(vec!["source root".into(), code(&r.source.root)]);
    if let Some(p) = r.source.pretty_name.as_ref().or(r.source.distro.as_ref()) {
        meta.push(vec!["source distribution".into(), text(p)]);
    }
    meta.push(vec![
        "files scanned".into(),
        format!(
            "{} ({} ELF, {}, {} owned by the source distribution)",
            r.source.files,
            r.source.elf_files,
            readiness::plural(r.source.scripts, "script", "scripts"),
            r.source.distro_owned
        ),
    ]);
    meta.push(vec![
        "target".into(),
        format!(
            "{} {} ({})",
            text(&r.target.name),
            text(&r.target.version),
            text(&r.target.arch)
        ),
    ]);
    table(&mut o, &["", ""], &meta);
    while o.ends_with("\n\n") {
        o.pop();
    }
    o
}

/// The units table (workload units first; distribution units only with a warning or worse) and
/// the diffs of the migrated units in fenced `diff` blocks.
fn units(o: &mut String, r: &Report) {
    if r.units.is_empty() {
        return;
    }
    let listed: Vec<(&UnitReport, Verdict)> = unit_order(r)
        .into_iter()
        .filter(|(u, _)| {
            u.origin != "distro"
                || readiness::unit_findings(r, u)
                    .any(|f| readiness::counts(f) && f.severity >= Severity::Warning)
        })
        .collect();
    let _ = writeln!(
        o,
        "## systemd units ({} of {}; distribution units with notes only not listed)\n",
        listed.len(),
        r.units.len()
    );
    let rows: Vec<Vec<String>> = listed
        .iter()
        .map(|&(u, v)| {
            vec![
                code(&u.unit),
                code(&u.path),
                text(&u.scope),
                text(&u.origin),
                if u.masked {
                    "masked"
                } else if u.enabled {
                    "enabled"
                } else {
                    "disabled"
                }
                .to_string(),
                v.as_str().to_string(),
                u.findings
                    .iter()
                    .map(|c| code(c.as_str()))
                    .collect::<Vec<_>>()
                    .join(" "),
                u.packages
                    .iter()
                    .map(|p| code(p))
                    .collect::<Vec<_>>()
                    .join(" "),
                if u.diff.is_some() { "yes" } else { "" }.to_string(),
            ]
        })
        .collect();
    table(
        o,
        &[
            "unit", "file", "scope", "origin", "enabled", "verdict", "findings", "packages",
            "migrated",
        ],
        &rows,
    );
    let diffs: Vec<(&UnitReport, Verdict, &str)> = listed
        .iter()
        .filter_map(|&(u, v)| u.diff.as_deref().map(|d| (u, v, d)))
        .collect();
    if diffs.is_empty() {
        return;
    }
    let _ = writeln!(
        o,
        "## Migrated units ({})\n\nUnified diffs against the unit files; \
         `azl-compat scan ROOT --write-fixes DIR` writes the migrated files.\n",
        diffs.len()
    );
    // A change to a file several units share (a template's drop-in) is shown once.
    let mut shown: std::collections::BTreeMap<&str, &str> = std::collections::BTreeMap::new();
    let total = diffs.len();
    for (u, v, diff) in diffs.into_iter().take(bounds::DIFFS) {
        let _ = write!(
            o,
            "### {} ({}, {})\n\n",
            code(&u.unit),
            text(&u.origin),
            v.as_str()
        );
        match shown.get(diff) {
            Some(first) => {
                let _ = writeln!(o, "The same change as {}.\n", code(first));
            }
            None => {
                shown.insert(diff, &u.unit);
                let _ = writeln!(o, "{}\n", fenced("diff", &bounds::cut_diff(diff)));
            }
        }
    }
    if total > bounds::DIFFS {
        let _ = writeln!(
            o,
            "_... and {} more migrated units: every diff is in the JSON report, and \
             `--write-fixes DIR` writes every migrated file._\n",
            total - bounds::DIFFS
        );
    }
}

/// Configuration files generated for the target (network interfaces), as diffs.
fn generated(o: &mut String, r: &Report) {
    if r.generated.is_empty() {
        return;
    }
    let _ = writeln!(
        o,
        "## Generated configuration ({})\n\nFiles made from the host's own configuration, which \
         the target does not read: each interface has a systemd-networkd file and a NetworkManager \
         keyfile; its finding says which of the two the target's image runs: copy that one. \
         `azl-compat scan ROOT --write-fixes DIR` writes them.\n",
        r.generated.len()
    );
    for g in r.generated.iter().take(bounds::DIFFS) {
        let _ = write!(
            o,
            "### {} ({}, mode {}, from {})\n\n{}\n\n",
            code(&g.path),
            text(&g.manager),
            text(&g.mode),
            code(&g.from),
            fenced("diff", &bounds::cut_diff(&g.diff))
        );
    }
    if r.generated.len() > bounds::DIFFS {
        let _ = writeln!(
            o,
            "_... and {} more generated files: every one is in the JSON report, and \
             `--write-fixes DIR` writes them all._\n",
            r.generated.len() - bounds::DIFFS
        );
    }
}

/// A fenced code block that survives any content: the fence is longer than any run of
/// backticks inside; control characters other than LF and TAB are shown escaped.
fn fenced(info: &str, body: &str) -> String {
    let body = &*super::escape::visible_multiline(body);
    let mut longest = 0;
    let mut run = 0;
    for c in body.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let fence = "`".repeat((longest + 1).max(3));
    format!("{fence}{info}\n{}\n{fence}", body.trim_end_matches('\n'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(text("a|b <x> *y*"), "a\\|b &lt;x&gt; \\*y\\*");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`a"), "`` `a ``");
        assert_eq!(code("x|y"), "`x\\|y`");
        assert_eq!(fenced("diff", "+a\n"), "```diff\n+a\n```");
        assert_eq!(fenced("diff", "+```x"), "````diff\n+```x\n````");
        assert_eq!(text("a\nb\x1b"), "a\\\\nb\\\\x1b");
        assert_eq!(code("a\r\u{202e}b"), "`a\\r\\u{202e}b`");
        assert_eq!(fenced("diff", "+a\x07\n"), "```diff\n+a\\x07\n```");
    }
}
