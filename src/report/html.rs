//! The HTML rendering: one self-contained page for people (docs/reports.md).
//!
//! Inline CSS (`html/report.css`), inline SVG charts, a small inline script (`html/report.js`)
//! that sorts and filters the tables; no request leaves the page (a Content-Security-Policy meta
//! tag forbids any). Printable. Every text from the report is escaped.
//!
//! Layout: the executive summary (verdict, score, counts, charts), top blockers and the install
//! command, why Azure Linux is not a drop-in Fedora for this workload, then one detail section
//! per part of the report (binaries, packages, units and the diffs of migrated units, findings,
//! policy, diagnostics) and the scan's metadata. A new part of the report is one more
//! `section_*` function in [`render`].

use super::Report;
use super::bounds;
use super::readiness::{self, Area, Readiness, fate_rank, unit_order, verdict_rank};
use crate::findings::Verdict;
use crate::findings::{Code, Finding, Severity, WaiverStatus};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

const CSS: &str = include_str!("html/report.css");
const JS: &str = include_str!("html/report.js");

/// The Content-Security-Policy of the page: nothing is loaded from anywhere.
pub const CSP: &str =
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:";

/// Escape text for HTML element content and quoted attribute values; control and
/// bidirectional characters (but TAB) are shown escaped ([`super::escape`]).
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\t' => o.push(c),
            c if super::escape::is_hostile(c) => {
                o.push_str(&super::escape::visible(c.encode_utf8(&mut [0; 4])))
            }
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

/// Escape text that may hold Markdown code spans (docs/findings.md, package reasons), turning
/// each `` `span` `` into `<code>`. A backtick without a closing one stays a backtick, and a
/// GNU-style quote (`` `X' ``, as in the loader's "version `X' not found") stays text: it is
/// closed by an apostrophe before any next backtick.
fn inline_md(s: &str) -> String {
    let mut o = String::new();
    let mut rest = s;
    while let Some(open) = rest.find('`') {
        o.push_str(&esc(&rest[..open]));
        let after = &rest[open + 1..];
        let close = after.find('`');
        let apostrophe = after.find('\'');
        match close {
            Some(c) if apostrophe.is_none_or(|a| a > c) && c > 0 => {
                let _ = write!(o, "<code>{}</code>", esc(&after[..c]));
                rest = &after[c + 1..];
            }
            _ => {
                o.push('`');
                rest = after;
            }
        }
    }
    o.push_str(&esc(rest));
    o
}

fn code(s: &str) -> String {
    format!("<code>{}</code>", esc(s))
}

fn tag(class: &str, text: &str) -> String {
    format!("<span class=\"tag {}\">{}</span>", esc(class), esc(text))
}

fn severity_rank(s: Severity) -> usize {
    readiness::severity_index(s)
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The note under a table cut at [`bounds::HTML_TABLE_ROWS`] (nothing when every row is shown).
fn cut_note(o: &mut String, id: &str, shown: usize, total: usize, what: &str) {
    if total > shown {
        let _ = writeln!(
            o,
            "<p class=\"cut\" id=\"{id}-cut\">Showing the first {shown} of {total} {what}, worst \
             first. Every one is in the JSON report (<code>--format json</code>) and the CSV \
             (<code>--format csv</code>); <code>azl-compat report REPORT.json --format csv</code> \
             converts a saved report.</p>"
        );
    }
}

/// One bar of a chart: a label and segments (value, CSS class), stacked.
struct Bar {
    label: String,
    segments: Vec<(u64, &'static str)>,
}

/// A horizontal bar chart as inline SVG.
fn bar_chart(id: &str, title: &str, bars: &[Bar]) -> String {
    const LABEL_W: u64 = 118;
    const BAR_MAX: u64 = 180;
    const ROW_H: u64 = 24;
    let total = |b: &Bar| b.segments.iter().map(|s| s.0).sum::<u64>();
    let max = bars.iter().map(total).max().unwrap_or(0).max(1);
    let height = ROW_H * bars.len() as u64 + 4;
    let label: Vec<String> = bars
        .iter()
        .map(|b| format!("{} {}", b.label, total(b)))
        .collect();
    let mut o = String::new();
    let _ = write!(
        o,
        "<figure class=\"chart\" id=\"{id}\"><figcaption>{}</figcaption>\
         <svg width=\"340\" height=\"{height}\" viewBox=\"0 0 340 {height}\" role=\"img\" \
         aria-label=\"{}: {}\">",
        esc(title),
        esc(title),
        esc(&label.join(", "))
    );
    for (i, b) in bars.iter().enumerate() {
        let y = 2 + ROW_H * i as u64;
        let _ = write!(o, "<text x=\"0\" y=\"{}\">{}</text>", y + 15, esc(&b.label));
        let mut x = LABEL_W;
        for &(v, class) in &b.segments {
            if v == 0 {
                continue;
            }
            let w = (v * BAR_MAX / max).max(2);
            let _ = write!(
                o,
                "<rect class=\"{class}\" x=\"{x}\" y=\"{}\" width=\"{w}\" height=\"16\"><title>{}: {v}</title></rect>",
                y + 3,
                esc(&b.label)
            );
            x += w;
        }
        let _ = write!(
            o,
            "<text x=\"{}\" y=\"{}\">{}</text>",
            x + 6,
            y + 15,
            total(b)
        );
    }
    o.push_str("</svg></figure>");
    o
}

/// The score as a ring.
fn gauge(score: Option<u32>) -> String {
    const C: f64 = 226.195; // 2 * pi * 36
    let (len, text) = match score {
        Some(s) => (f64::from(s) * C / 100.0, s.to_string()),
        None => (0.0, "n/a".into()),
    };
    let class = match score {
        Some(s) if s >= 80 => "good",
        Some(s) if s >= 50 => "fair",
        _ => "poor",
    };
    format!(
        "<svg width=\"96\" height=\"96\" viewBox=\"0 0 96 96\" role=\"img\" aria-label=\"readiness score {text} of 100\">\
         <circle class=\"track\" cx=\"48\" cy=\"48\" r=\"36\" stroke-width=\"10\"/>\
         <circle class=\"gauge {class}\" cx=\"48\" cy=\"48\" r=\"36\" stroke-width=\"10\" \
         stroke-dasharray=\"{len:.1} {C}\" transform=\"rotate(-90 48 48)\"/>\
         <text x=\"48\" y=\"54\" text-anchor=\"middle\" class=\"value\">{text}</text></svg>"
    )
}

fn head(o: &mut String, r: &Report) {
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"{} {}\">\n\
         <title>{} {} readiness: {}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n",
        esc(&r.tool.name),
        esc(&r.tool.version),
        esc(&r.target.name),
        esc(&r.target.version),
        esc(&r.source.root)
    );
}

fn section_summary(o: &mut String, r: &Report, rd: &Readiness) {
    let s = &r.summary;
    let b = &s.binaries;
    let from = r
        .source
        .pretty_name
        .as_ref()
        .or(r.source.distro.as_ref())
        .map(|d| format!(" ({})", esc(d)))
        .unwrap_or_default();
    let _ = write!(
        o,
        "<header>\n<h1>{} {} readiness report</h1>\n<p class=\"sub\">{}{from} &rarr; {} {} ({}), \
         knowledge pack {}, azl-compat {}</p>\n<p class=\"sub\" id=\"root-note\">Paths are \
         relative to the scanned root, written as on the target.</p>\n</header>\n",
        esc(&r.target.name),
        esc(&r.target.version),
        code(&r.source.root),
        esc(&r.target.name),
        esc(&r.target.version),
        esc(&r.target.arch),
        code(&r.knowledge.id),
        esc(&r.tool.version)
    );
    let _ = write!(
        o,
        "<section id=\"summary\">\n<h2>Executive summary</h2>\n\
         <div class=\"verdict {}\" id=\"verdict\" data-status=\"{}\">{}</div>\n<p>{}</p>\n",
        rd.status.as_str(),
        rd.status.as_str(),
        esc(&rd.headline(r)),
        esc(&rd.detail(r))
    );
    let _ = write!(
        o,
        "<div class=\"overview\">\n<div class=\"score\" id=\"score\" data-score=\"{}\">{}\
         <div>readiness score</div><div class=\"muted\">see <a href=\"#score-formula\">formula</a></div></div>\n<dl class=\"cards\">\n",
        rd.score
            .map(|s| s.to_string())
            .unwrap_or_else(|| "n/a".into()),
        gauge(rd.score)
    );
    let mut cards: Vec<(&str, &str, u64)> = vec![
        ("count-total", "judged", b.total),
        ("count-ok", "ok", b.ok),
        ("count-needs-packages", "need packages", b.needs_packages),
        ("count-breaks", "would break", b.breaks),
        ("count-unknown", "unknown", b.unknown),
        ("count-blocker", "blocker findings", s.findings.blocker),
        ("count-warning", "warning findings", s.findings.warning),
        ("count-info", "info findings", s.findings.info),
        (
            "count-packages",
            "packages to install",
            s.packages_to_install.len() as u64,
        ),
    ];
    if let Some(c) = &s.packages {
        cards.push(("count-installed-packages", "installed packages", c.total));
    }
    if rd.unread > 0 {
        cards.push(("count-unread", "paths not read", rd.unread));
    }
    if !r.units.is_empty() {
        let units: Vec<Verdict> = readiness::workload_units(r)
            .map(|u| readiness::unit_verdict(r, u))
            .collect();
        cards.push(("count-units", "workload units", units.len() as u64));
        cards.push((
            "count-units-breaks",
            "units that would break",
            units.iter().filter(|&&v| v == Verdict::Breaks).count() as u64,
        ));
        cards.push((
            "count-unit-fixes",
            "migrated units offered",
            r.units.iter().filter(|u| u.diff.is_some()).count() as u64,
        ));
    }
    if let Some(p) = &r.policy {
        cards.push(("count-waived", "waived findings", p.waived));
        cards.push(("count-expired", "expired waivers", p.expired));
    }
    cards.push(("count-diagnostics", "diagnostics", s.diagnostics));
    for (id, label, n) in cards {
        let _ = writeln!(
            o,
            "<div><dt>{}</dt><dd id=\"{id}\">{n}</dd></div>",
            esc(label)
        );
    }
    o.push_str("</dl>\n</div>\n<div class=\"charts\">\n");
    let f = &s.findings;
    o.push_str(&bar_chart(
        "chart-severity",
        "Findings by severity",
        &[
            Bar {
                label: "blocker".into(),
                segments: vec![(f.blocker, "s-blocker")],
            },
            Bar {
                label: "warning".into(),
                segments: vec![(f.warning, "s-warning")],
            },
            Bar {
                label: "info".into(),
                segments: vec![(f.info, "s-info")],
            },
        ],
    ));
    let areas = readiness::by_area(r);
    let area_bars: Vec<Bar> = Area::ALL
        .iter()
        .filter(|a| {
            matches!(a, Area::Binaries | Area::Scripts)
                || areas.contains_key(a)
                || (**a == Area::Packages && !r.packages.is_empty())
                || (**a == Area::Units && !r.units.is_empty())
        })
        .map(|a| {
            let c = areas.get(a).copied().unwrap_or_default();
            Bar {
                label: a.as_str().into(),
                segments: vec![(c[0], "s-blocker"), (c[1], "s-warning"), (c[2], "s-info")],
            }
        })
        .collect();
    o.push_str(&bar_chart(
        "chart-area",
        "Findings by area (blocker, warning, info)",
        &area_bars,
    ));
    o.push_str(&bar_chart(
        "chart-verdict",
        "Binaries and scripts by verdict",
        &[
            Bar {
                label: "ok".into(),
                segments: vec![(b.ok, "v-ok")],
            },
            Bar {
                label: "needs packages".into(),
                segments: vec![(b.needs_packages, "v-needs-packages")],
            },
            Bar {
                label: "unknown".into(),
                segments: vec![(b.unknown, "v-unknown")],
            },
            Bar {
                label: "breaks".into(),
                segments: vec![(b.breaks, "v-breaks")],
            },
        ],
    ));
    if let Some(c) = &s.packages {
        let mut fates: Vec<(&String, &u64)> = c.by_fate.iter().collect();
        fates.sort_by_key(|(f, _)| (fate_rank(f), f.as_str()));
        let bars: Vec<Bar> = fates
            .into_iter()
            .map(|(f, &n)| Bar {
                label: f.clone(),
                segments: vec![(n, fate_class(f))],
            })
            .collect();
        o.push_str(&bar_chart(
            "chart-packages",
            "Installed packages by fate",
            &bars,
        ));
    }
    let units: Vec<Verdict> = readiness::workload_units(r)
        .map(|u| readiness::unit_verdict(r, u))
        .collect();
    if !units.is_empty() {
        let n = |v: Verdict| units.iter().filter(|&&x| x == v).count() as u64;
        o.push_str(&bar_chart(
            "chart-units",
            "Workload units by verdict",
            &[
                Bar {
                    label: "ok".into(),
                    segments: vec![(n(Verdict::Ok), "v-ok")],
                },
                Bar {
                    label: "needs packages".into(),
                    segments: vec![(n(Verdict::NeedsPackages), "v-needs-packages")],
                },
                Bar {
                    label: "unknown".into(),
                    segments: vec![(n(Verdict::Unknown), "v-unknown")],
                },
                Bar {
                    label: "breaks".into(),
                    segments: vec![(n(Verdict::Breaks), "v-breaks")],
                },
            ],
        ));
    }
    o.push_str("</div>\n</section>\n");
}

/// The chart colour of a package fate.
fn fate_class(fate: &str) -> &'static str {
    match fate {
        "not-shipped" | "not-published" => "s-blocker",
        "sdk-only" => "s-warning",
        "provided-by" | "obsoleted-by" => "s-info",
        _ => "v-ok",
    }
}

fn section_blockers(o: &mut String, r: &Report) {
    let s = &r.summary;
    o.push_str("<section id=\"top-blockers\">\n<h2>Top blockers and warnings</h2>\n");
    if s.top_causes.is_empty() {
        o.push_str("<p>No blocker or warning remains.</p>\n");
    } else {
        // The files of each cause (unwaived findings with that code and subject).
        let mut files: BTreeMap<(&str, &str), BTreeSet<&str>> = BTreeMap::new();
        for f in r.findings.iter().filter(|f| !f.is_waived()) {
            files
                .entry((f.code.as_str(), f.subject.as_deref().unwrap_or("")))
                .or_default()
                .insert(f.path.as_str());
        }
        o.push_str(
            "<table id=\"top-blockers-table\">\n<thead><tr><th>severity</th><th>cause</th>\
             <th class=\"num\">affected</th><th>fix</th></tr></thead>\n<tbody>\n",
        );
        for c in &s.top_causes {
            let paths = files
                .get(&(c.code.as_str(), c.subject.as_str()))
                .map(|p| {
                    let mut li: Vec<String> = p
                        .iter()
                        .take(3)
                        .map(|p| format!("<li>{}</li>", code(p)))
                        .collect();
                    if p.len() > 3 {
                        li.push(format!("<li>and {} more</li>", p.len() - 3));
                    }
                    format!("<ul class=\"files\">{}</ul>", li.join(""))
                })
                .unwrap_or_default();
            let _ = writeln!(
                o,
                "<tr><td>{}</td><td>{} {}{paths}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                tag(c.severity.as_str(), c.severity.as_str()),
                code(c.code.as_str()),
                code(&c.subject),
                c.count,
                esc(&c.fix)
            );
        }
        o.push_str("</tbody>\n</table>\n");
    }
    if let Some(cmd) = &s.install_command {
        let _ = writeln!(
            o,
            "<h3>Packages to install on {} {}</h3>",
            esc(&r.target.name),
            esc(&r.target.version),
        );
        // On an image without a package manager, the build step that adds them.
        match &s.install_step {
            Some(step) => {
                let _ = writeln!(o, "<p id=\"install-step\">{}</p>", esc(step));
            }
            None => {
                let _ = writeln!(
                    o,
                    "<pre id=\"install-command\"><code>{}</code></pre>",
                    esc(cmd)
                );
            }
        }
    }
    if !s.packages_unsupported.is_empty() {
        let _ = writeln!(
            o,
            "<p>Only in the unsupported sdk channel (install at your own risk, or replace): {}</p>",
            esc(&s.packages_unsupported.join(", "))
        );
    }
    if !r.signing_keys.is_empty() {
        let _ = writeln!(
            o,
            "<h3>Signing keys in the rpm database ({})</h3>\n<table>\n<thead><tr><th>key</th><th>user id</th><th>repositories</th></tr></thead>\n<tbody>",
            r.signing_keys.len()
        );
        for k in r.signing_keys.iter().take(super::bounds::HTML_TABLE_ROWS) {
            let _ = writeln!(
                o,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                code(&k.name()),
                esc(&k.summary),
                esc(&k.used_by())
            );
        }
        o.push_str("</tbody>\n</table>\n");
    }
    o.push_str("</section>\n");
}

fn section_why(o: &mut String, r: &Report) {
    let why = readiness::why(r);
    let _ = write!(
        o,
        "<section id=\"why\">\n<h2>Why {} {} is not a drop-in Fedora for this workload</h2>\n",
        esc(&r.target.name),
        esc(&r.target.version)
    );
    if why.is_empty() {
        o.push_str("<p>Nothing in this workload depends on a difference.</p>\n</section>\n");
        return;
    }
    o.push_str("<ul class=\"why\">\n");
    for w in &why {
        let subjects = if w.subjects.is_empty() {
            String::new()
        } else {
            format!(
                " (e.g. {})",
                w.subjects
                    .iter()
                    .map(|s| code(s))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let _ = writeln!(
            o,
            "<li id=\"why-{}\"><strong>{}</strong> {} {}: {} on {} {}{subjects}.<br>{}{}</li>",
            esc(w.code.as_str()),
            esc(&w.code.title(&r.target_facts())),
            code(w.code.as_str()),
            tag(w.severity.as_str(), w.severity.as_str()),
            plural(w.findings, "finding", "findings"),
            w.items,
            w.item_word,
            inline_md(&w.explanation.description),
            if w.explanation.fix.is_empty() {
                String::new()
            } else {
                format!("<br><em>Fix:</em> {}", inline_md(&w.explanation.fix))
            }
        );
    }
    o.push_str("</ul>\n</section>\n");
}

fn filters(table: &str, selects: &[(&str, &str, &[&str])], rows: usize) -> String {
    let mut o = format!(
        "<div class=\"filters\" data-table=\"{table}\"><input type=\"search\" \
         placeholder=\"filter rows\" aria-label=\"filter rows\">"
    );
    for (name, label, values) in selects {
        let _ = write!(
            o,
            "<select name=\"{name}\" aria-label=\"{label}\"><option value=\"\">any {label}</option>"
        );
        for v in *values {
            let _ = write!(o, "<option>{}</option>", esc(v));
        }
        o.push_str("</select>");
    }
    let _ = writeln!(o, "<span class=\"count\">{rows} rows</span></div>");
    o
}

fn sortable_head(cols: &[&str]) -> String {
    let mut o = String::from("<thead><tr>");
    for c in cols {
        let _ = write!(o, "<th><button type=\"button\">{}</button></th>", esc(c));
    }
    o.push_str("</tr></thead>\n");
    o
}

fn section_binaries(o: &mut String, r: &Report) {
    let _ = write!(
        o,
        "<section id=\"binaries\">\n<h2>Binaries and scripts ({})</h2>\n",
        r.binaries.len()
    );
    if r.binaries.is_empty() {
        o.push_str("<p>No carried-over ELF file or script was judged.</p>\n</section>\n");
        return;
    }
    // (path, code) -> all its findings waived?
    let mut waived: BTreeMap<(&str, &str), bool> = BTreeMap::new();
    for f in &r.findings {
        let e = waived
            .entry((f.path.as_str(), f.code.as_str()))
            .or_insert(true);
        *e &= f.is_waived();
    }
    o.push_str(&filters(
        "binaries-table",
        &[
            (
                "verdict",
                "verdict",
                &["breaks", "unknown", "needs-packages", "ok"],
            ),
            ("kind", "kind", &["elf", "script"]),
        ],
        r.binaries.len().min(bounds::HTML_TABLE_ROWS),
    ));
    // Worst first, so a cut table keeps what matters (the order within a verdict is kept).
    let shown = bounds::worst_first(&r.binaries, bounds::HTML_TABLE_ROWS, |b| {
        verdict_rank(b.verdict)
    });
    o.push_str("<table id=\"binaries-table\" class=\"sortable\">\n");
    o.push_str(&sortable_head(&[
        "path",
        "kind",
        "verdict",
        "arch / interpreter",
        "packages",
        "findings",
        "loads / loaded by",
    ]));
    o.push_str("<tbody>\n");
    for b in shown {
        let findings = code_cells(&b.findings, |c| {
            waived.get(&(b.path.as_str(), c)).copied().unwrap_or(false)
        });
        let mut rel: Vec<String> = b
            .loads
            .iter()
            .map(|p| format!("&rarr; {}", code(p)))
            .collect();
        rel.extend(b.loaded_by.iter().map(|p| format!("&larr; {}", code(p))));
        rel.extend(b.hardlinks.iter().map(|p| format!("= {}", code(p))));
        let _ = writeln!(
            o,
            "<tr data-verdict=\"{v}\" data-kind=\"{k}\"><td>{}</td><td>{k}</td>\
             <td data-sort=\"{}\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            code(&b.path),
            verdict_rank(b.verdict),
            tag(b.verdict.as_str(), b.verdict.as_str()),
            esc(b.arch.as_deref().or(b.interpreter.as_deref()).unwrap_or("")),
            b.packages
                .iter()
                .map(|p| code(p))
                .collect::<Vec<_>>()
                .join(" "),
            findings.join(" "),
            rel.join("<br>"),
            v = b.verdict.as_str(),
            k = esc(&b.kind),
        );
    }
    o.push_str("</tbody>\n</table>\n");
    cut_note(
        o,
        "binaries",
        r.binaries.len().min(bounds::HTML_TABLE_ROWS),
        r.binaries.len(),
        "binaries and scripts",
    );
    o.push_str("</section>\n");
}

fn section_packages(o: &mut String, r: &Report) {
    if r.packages.is_empty() {
        return;
    }
    let _ = write!(
        o,
        "<section id=\"packages\">\n<h2>Installed packages ({})</h2>\n",
        r.packages.len()
    );
    if let Some(c) = &r.summary.packages {
        let fates: Vec<String> = c
            .by_fate
            .iter()
            .map(|(f, n)| format!("{n} {}", esc(f)))
            .collect();
        let _ = writeln!(
            o,
            "<p>{} distribution, {} third-party; {}.{}</p>",
            c.distro,
            c.third_party,
            fates.join(", "),
            if c.blocking.is_empty() {
                String::new()
            } else {
                format!(
                    " Blocking: {}.",
                    c.blocking
                        .iter()
                        .map(|p| code(p))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        );
    }
    let mut fates: Vec<&str> = r.packages.iter().map(|p| p.fate.as_str()).collect();
    fates.sort_by_key(|f| (fate_rank(f), *f));
    fates.dedup();
    let mut origins: Vec<&str> = r.packages.iter().map(|p| p.origin.as_str()).collect();
    origins.sort();
    origins.dedup();
    o.push_str(&filters(
        "packages-table",
        &[("fate", "fate", &fates), ("origin", "origin", &origins)],
        r.packages.len().min(bounds::HTML_TABLE_ROWS),
    ));
    let shown = bounds::worst_first(readiness::package_order(r), bounds::HTML_TABLE_ROWS, |p| {
        fate_rank(&p.fate)
    });
    o.push_str("<table id=\"packages-table\" class=\"sortable\">\n");
    o.push_str(&sortable_head(readiness::PACKAGE_COLUMNS));
    o.push_str("<tbody>\n");
    for p in shown {
        let azl: Vec<String> = p
            .azl_packages
            .iter()
            .map(|a| {
                format!(
                    "{}{}{}",
                    code(&a.name),
                    a.evr
                        .as_deref()
                        .map(|e| format!(" {}", esc(e)))
                        .unwrap_or_default(),
                    if a.channel == "base" {
                        String::new()
                    } else {
                        format!(" ({})", esc(&a.channel))
                    }
                )
            })
            .collect();
        let mut why = inline_md(&p.reason);
        if !p.needed_by.is_empty() {
            why.push_str(&format!(
                "<br><span class=\"muted\">needed by {}</span>",
                p.needed_by
                    .iter()
                    .map(|n| code(n))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        let _ = writeln!(
            o,
            "<tr data-fate=\"{fate}\" data-origin=\"{origin}\"><td>{}</td><td>{}{}</td>\
             <td>{origin} ({})</td><td data-sort=\"{}\">{fate}</td><td>{}</td><td>{why}</td><td>{}</td></tr>",
            code(&p.name),
            esc(&p.evr),
            p.arch
                .as_deref()
                .map(|a| format!(".{}", esc(a)))
                .unwrap_or_default(),
            esc(&p.manager),
            fate_rank(&p.fate),
            azl.join("<br>"),
            p.findings
                .iter()
                .map(|c| code(c.as_str()))
                .collect::<Vec<_>>()
                .join(" "),
            fate = esc(&p.fate),
            origin = esc(&p.origin),
        );
    }
    o.push_str("</tbody>\n</table>\n");
    cut_note(
        o,
        "packages",
        r.packages.len().min(bounds::HTML_TABLE_ROWS),
        r.packages.len(),
        "packages",
    );
    o.push_str("</section>\n");
}

/// The id of a unit's diff (`diff-` and its position among the units with one).
fn diff_ids(r: &Report) -> BTreeMap<(&str, &str, &str), String> {
    unit_order(r)
        .into_iter()
        .filter(|(u, _)| u.diff.is_some())
        .enumerate()
        .map(|(i, (u, _))| {
            (
                (u.scope.as_str(), u.unit.as_str(), u.path.as_str()),
                format!("diff-{}", i + 1),
            )
        })
        .collect()
}

fn section_units(o: &mut String, r: &Report) {
    if r.units.is_empty() {
        return;
    }
    let _ = write!(
        o,
        "<section id=\"units\">\n<h2>systemd units ({})</h2>\n",
        r.units.len()
    );
    let order = unit_order(r);
    let workload: Vec<Verdict> = order
        .iter()
        .filter(|(u, _)| u.origin != "distro")
        .map(|&(_, v)| v)
        .collect();
    let n = |v: Verdict| workload.iter().filter(|&&x| x == v).count() as u64;
    let fixes = r.units.iter().filter(|u| u.diff.is_some()).count();
    let _ = writeln!(
        o,
        "<p>{} (of no package or of third-party packages) and {} of the source distribution's \
         packages ({} replaces those; their findings are notes). Workload units: {} \
         would break, {} need packages, {} undecided, {} run as they are. {} enabled; {}.</p>",
        plural(workload.len() as u64, "workload unit", "workload units"),
        plural((order.len() - workload.len()) as u64, "unit", "units"),
        esc(&r.target.name),
        n(Verdict::Breaks),
        n(Verdict::NeedsPackages),
        n(Verdict::Unknown),
        n(Verdict::Ok),
        r.units.iter().filter(|u| u.enabled).count(),
        if fixes == 0 {
            "no migrated unit offered".to_string()
        } else {
            format!(
                "{} (<a href=\"#unit-diffs\">diffs</a>)",
                plural(
                    fixes as u64,
                    "migrated unit offered",
                    "migrated units offered"
                )
            )
        }
    );
    // (unit, code) -> every finding of that code on the unit waived?
    let mut waived: BTreeMap<(&str, &str), bool> = BTreeMap::new();
    for f in &r.findings {
        if let Some(u) = f.evidence.get("unit") {
            let e = waived.entry((u.as_str(), f.code.as_str())).or_insert(true);
            *e &= f.is_waived();
        }
    }
    let mut origins: Vec<&str> = r.units.iter().map(|u| u.origin.as_str()).collect();
    origins.sort_by_key(|o| (*o == "distro", *o));
    origins.dedup();
    let mut scopes: Vec<&str> = r.units.iter().map(|u| u.scope.as_str()).collect();
    scopes.sort();
    scopes.dedup();
    o.push_str(&filters(
        "units-table",
        &[
            ("origin", "origin", &origins),
            (
                "verdict",
                "verdict",
                &["breaks", "unknown", "needs-packages", "ok"],
            ),
            ("enabled", "enabled", &["enabled", "disabled", "masked"]),
            ("scope", "scope", &scopes),
        ],
        r.units.len().min(bounds::HTML_TABLE_ROWS),
    ));
    o.push_str("<table id=\"units-table\" class=\"sortable\">\n");
    o.push_str(&sortable_head(&[
        "unit", "scope", "origin", "enabled", "verdict", "findings", "packages", "fix",
    ]));
    o.push_str("<tbody>\n");
    let ids = diff_ids(r);
    for (u, verdict) in order.into_iter().take(bounds::HTML_TABLE_ROWS) {
        let enabled = if u.masked {
            "masked"
        } else if u.enabled {
            "enabled"
        } else {
            "disabled"
        };
        let findings = code_cells(&u.findings, |c| {
            waived.get(&(u.unit.as_str(), c)).copied().unwrap_or(false)
        });
        let fix = ids
            .get(&(u.scope.as_str(), u.unit.as_str(), u.path.as_str()))
            .map(|id| format!("<a href=\"#{id}\">diff</a>"))
            .unwrap_or_default();
        let _ = writeln!(
            o,
            "<tr data-origin=\"{origin}\" data-verdict=\"{v}\" data-enabled=\"{enabled}\" \
             data-scope=\"{scope}\"><td>{}<br><span class=\"muted\">{}</span></td><td>{scope}</td>\
             <td data-sort=\"{}\">{origin}</td><td>{enabled}</td><td data-sort=\"{}\">{}</td>\
             <td>{}</td><td>{}</td><td>{fix}</td></tr>",
            code(&u.unit),
            code(&u.path),
            u8::from(u.origin == "distro"),
            verdict_rank(verdict),
            tag(verdict.as_str(), verdict.as_str()),
            findings.join(" "),
            u.packages
                .iter()
                .map(|p| code(p))
                .collect::<Vec<_>>()
                .join(" "),
            v = verdict.as_str(),
            origin = esc(&u.origin),
            scope = esc(&u.scope),
        );
    }
    o.push_str("</tbody>\n</table>\n");
    cut_note(
        o,
        "units",
        r.units.len().min(bounds::HTML_TABLE_ROWS),
        r.units.len(),
        "units",
    );
    o.push_str("</section>\n");
}

/// A unified diff as escaped lines, each with the class of its kind.
fn diff_lines(diff: &str) -> String {
    let mut o = String::new();
    for line in diff.lines() {
        let class = if line.starts_with("+++ ") || line.starts_with("--- ") {
            "d-file"
        } else if line.starts_with("@@") {
            "d-hunk"
        } else if line.starts_with('+') {
            "d-add"
        } else if line.starts_with('-') {
            "d-del"
        } else {
            "d-ctx"
        };
        // The line break inside the span: one line per line on screen (spans are blocks) and in
        // the text (copying, reading without CSS).
        let _ = write!(o, "<span class=\"{class}\">{}\n</span>", esc(line));
    }
    o
}

fn section_unit_diffs(o: &mut String, r: &Report) {
    let ids = diff_ids(r);
    if ids.is_empty() {
        return;
    }
    let _ = write!(
        o,
        "<section id=\"unit-diffs\">\n<h2>Migrated units ({})</h2>\n<p>The changes that make \
         each unit work as intended on {} {}, as unified diffs against the unit's files. \
         <code>azl-compat scan ROOT --write-fixes DIR</code> writes the migrated files.</p>\n",
        ids.len(),
        esc(&r.target.name),
        esc(&r.target.version)
    );
    // A change to a file several units share (a template's drop-in) is shown once.
    let mut shown: BTreeMap<&str, (&str, &str)> = BTreeMap::new();
    let mut left = 0usize;
    for (u, verdict) in unit_order(r) {
        let Some(diff) = &u.diff else { continue };
        if shown.len() >= bounds::DIFFS && !shown.contains_key(diff.as_str()) {
            left += 1;
            continue;
        }
        let id = &ids[&(u.scope.as_str(), u.unit.as_str(), u.path.as_str())];
        if let Some((first, first_id)) = shown.get(diff.as_str()) {
            let _ = writeln!(
                o,
                "<p class=\"diff-same\" id=\"{id}\">{} {} {}: the same change as \
                 <a href=\"#{first_id}\">{}</a>.</p>",
                code(&u.unit),
                tag(verdict.as_str(), verdict.as_str()),
                code(&u.path),
                code(first)
            );
            continue;
        }
        shown.insert(diff, (&u.unit, id));
        let added = diff
            .lines()
            .filter(|l| l.starts_with('+') && !l.starts_with("+++ "))
            .count() as u64;
        let removed = diff
            .lines()
            .filter(|l| l.starts_with('-') && !l.starts_with("--- "))
            .count() as u64;
        let _ = write!(
            o,
            "<details class=\"diff\" id=\"{id}\" data-origin=\"{}\"><summary>{} {} {} \
             <span class=\"muted\">{}, +{added} &minus;{removed}</span></summary>\n\
             <pre class=\"diff\"><code>{}</code></pre>\n</details>\n",
            esc(&u.origin),
            code(&u.unit),
            tag(verdict.as_str(), verdict.as_str()),
            code(&u.path),
            esc(&u.origin),
            diff_lines(&bounds::cut_diff(diff))
        );
    }
    if left > 0 {
        let _ = writeln!(
            o,
            "<p class=\"cut\" id=\"unit-diffs-cut\">{} more not shown here: every diff is in \
             the JSON report, and <code>--write-fixes DIR</code> writes every migrated file.</p>",
            plural(left as u64, "migrated unit", "migrated units")
        );
    }
    o.push_str("</section>\n");
}

/// Configuration files generated for the target (network interfaces), as diffs.
fn section_generated(o: &mut String, r: &Report) {
    if r.generated.is_empty() {
        return;
    }
    let _ = write!(
        o,
        "<section id=\"generated\">\n<h2>Generated configuration ({})</h2>\n<p>Files made \
         for {} {} from the host's own configuration, which it does not read. Each interface \
         has a systemd-networkd file and a NetworkManager keyfile; its finding says which of \
         the two the target's image runs: copy that one. \
         <code>azl-compat scan ROOT --write-fixes DIR</code> writes them.</p>\n",
        r.generated.len(),
        esc(&r.target.name),
        esc(&r.target.version)
    );
    for (n, g) in r.generated.iter().enumerate().take(bounds::DIFFS) {
        let _ = write!(
            o,
            "<details class=\"diff\" id=\"generated-{n}\"><summary>{} \
             <span class=\"muted\">{}, mode {}, from {}</span></summary>\n\
             <pre class=\"diff\"><code>{}</code></pre>\n</details>\n",
            code(&g.path),
            esc(&g.manager),
            esc(&g.mode),
            code(&g.from),
            diff_lines(&bounds::cut_diff(&g.diff))
        );
    }
    if r.generated.len() > bounds::DIFFS {
        let _ = writeln!(
            o,
            "<p class=\"cut\" id=\"generated-cut\">{} more not shown here: every file is in \
             the JSON report, and <code>--write-fixes DIR</code> writes them all.</p>",
            plural(
                (r.generated.len() - bounds::DIFFS) as u64,
                "generated file",
                "generated files"
            )
        );
    }
    o.push_str("</section>\n");
}

fn waiver_cell(f: &Finding) -> String {
    let Some(w) = &f.waiver else {
        return String::new();
    };
    let (class, label) = match w.status {
        WaiverStatus::Active => ("waived", "waived"),
        WaiverStatus::Expired => ("expired", "waiver expired"),
    };
    format!(
        "{} {}",
        tag(class, label),
        esc(&readiness::waiver_text(f).unwrap_or_default())
    )
}

fn section_findings(o: &mut String, r: &Report) {
    let _ = write!(
        o,
        "<section id=\"findings\">\n<h2>Findings ({})</h2>\n",
        r.findings.len()
    );
    if r.findings.is_empty() {
        o.push_str("<p>No finding.</p>\n</section>\n");
        return;
    }
    let areas: BTreeSet<&str> = r
        .findings
        .iter()
        .map(|f| Area::of(f.code).as_str())
        .collect();
    let areas: Vec<&str> = areas.into_iter().collect();
    let mut selects: Vec<(&str, &str, &[&str])> = vec![
        ("severity", "severity", &["blocker", "warning", "info"]),
        ("area", "area", &areas),
    ];
    if r.findings.iter().any(|f| f.waiver.is_some()) {
        selects.push(("waiver", "waiver", &["none", "waived", "expired"]));
    }
    o.push_str(&filters(
        "findings-table",
        &selects,
        r.findings.len().min(bounds::HTML_TABLE_ROWS),
    ));
    // Unwaived first, then by severity, so a cut table keeps the blockers.
    let shown = bounds::worst_first(&r.findings, bounds::HTML_TABLE_ROWS, |f| {
        (f.is_waived(), severity_rank(f.severity))
    });
    o.push_str("<table id=\"findings-table\" class=\"sortable\">\n");
    o.push_str(&sortable_head(&[
        "severity",
        "code",
        "path",
        "subject",
        "message and fix",
        "evidence",
        "waiver",
    ]));
    o.push_str("<tbody>\n");
    for f in shown {
        let waiver = match f.waiver.as_ref().map(|w| w.status) {
            None => "none",
            Some(WaiverStatus::Active) => "waived",
            Some(WaiverStatus::Expired) => "expired",
        };
        let sev = match f.overridden_from {
            Some(from) => format!(
                "{}<br><span class=\"muted\">was {}</span>",
                tag(f.severity.as_str(), f.severity.as_str()),
                from.as_str()
            ),
            None => tag(f.severity.as_str(), f.severity.as_str()),
        };
        let evidence: Vec<String> = f
            .evidence
            .iter()
            .map(|(k, v)| format!("{}={}", esc(k), esc(v)))
            .collect();
        let _ = writeln!(
            o,
            "<tr class=\"{}\" data-severity=\"{}\" data-area=\"{}\" data-waiver=\"{waiver}\">\
             <td data-sort=\"{}\">{sev}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td>{}<br><em>Why:</em> {}<br><em>Fix:</em> {}</td><td class=\"evidence\">{}</td><td>{}</td></tr>",
            if f.is_waived() { "waived" } else { "" },
            f.severity.as_str(),
            Area::of(f.code).as_str(),
            severity_rank(f.severity),
            code(f.code.as_str()),
            code(&f.location()),
            f.subject.as_deref().map(code).unwrap_or_default(),
            esc(&f.message),
            esc(&f.why),
            esc(&f.fix),
            evidence.join("<br>"),
            waiver_cell(f)
        );
    }
    o.push_str("</tbody>\n</table>\n");
    cut_note(
        o,
        "findings",
        r.findings.len().min(bounds::HTML_TABLE_ROWS),
        r.findings.len(),
        "findings",
    );
    o.push_str("</section>\n");
}

fn section_policy(o: &mut String, r: &Report) {
    let Some(p) = &r.policy else { return };
    let _ = write!(
        o,
        "<section id=\"policy\">\n<h2>Policy</h2>\n<p>Applied as of {}: {}; {} waived, {}.{}</p>\n",
        esc(&p.today),
        plural(p.waivers, "waiver", "waivers"),
        plural(p.waived, "finding", "findings"),
        plural(p.expired, "waiver expired", "waivers expired"),
        p.fail_on
            .map(|f| format!(" Fails on: {}.", f.as_str()))
            .unwrap_or_default()
    );
    if !p.overrides.is_empty() {
        o.push_str("<h3>Severity overrides</h3>\n<ul>\n");
        for (c, s) in &p.overrides {
            let _ = writeln!(
                o,
                "<li>{}: {} (default {})</li>",
                code(c.as_str()),
                s.as_str(),
                c.severity().as_str()
            );
        }
        o.push_str("</ul>\n");
    }
    let expired = r.expired_waivers();
    if !expired.is_empty() {
        o.push_str(
            "<h3>Expired waivers (the findings count again)</h3>\n<ul id=\"expired-waivers\">\n",
        );
        for f in expired {
            let _ = writeln!(
                o,
                "<li>{} on {}: {}</li>",
                code(f.code.as_str()),
                code(&f.location()),
                esc(&readiness::waiver_text(f).unwrap_or_default())
            );
        }
        o.push_str("</ul>\n");
    }
    if !p.unmatched_waivers.is_empty() {
        o.push_str("<h3>Waivers that matched no finding</h3>\n<ul>\n");
        for u in &p.unmatched_waivers {
            let _ = writeln!(o, "<li>{}</li>", code(u));
        }
        o.push_str("</ul>\n");
    }
    o.push_str("</section>\n");
}

fn section_diagnostics(o: &mut String, r: &Report) {
    if r.diagnostics.is_empty() {
        return;
    }
    let _ = write!(
        o,
        "<section id=\"diagnostics\">\n<h2>Diagnostics ({})</h2>\n\
         <p>Files that could not be read or parsed; never fatal.</p>\n<table>\n\
         <thead><tr><th>path</th><th>reason</th></tr></thead>\n<tbody>\n",
        r.diagnostics.len()
    );
    // Paths not read at all first: they make the verdict incomplete.
    let shown = bounds::worst_first(&r.diagnostics, bounds::HTML_TABLE_ROWS, |d| !d.unread);
    for d in shown {
        // A path not read at all makes the verdict incomplete: marked as such.
        let unread = if d.unread {
            format!("{} ", tag("unknown", "not read"))
        } else {
            String::new()
        };
        let _ = writeln!(
            o,
            "<tr><td>{}</td><td>{unread}{}</td></tr>",
            code(&d.path),
            esc(&d.reason)
        );
    }
    o.push_str("</tbody>\n</table>\n");
    cut_note(
        o,
        "diagnostics",
        r.diagnostics.len().min(bounds::HTML_TABLE_ROWS),
        r.diagnostics.len(),
        "diagnostics",
    );
    o.push_str("</section>\n");
}

fn section_metadata(o: &mut String, r: &Report) {
    let src = &r.source;
    o.push_str("<section id=\"metadata\">\n<h2>Scan</h2>\n<dl class=\"meta\">\n");
    let mut row = |k: &str, v: String| {
        let _ = writeln!(o, "<dt>{}</dt><dd>{v}</dd>", esc(k));
    };
    row(
        "tool",
        format!("{} {}", esc(&r.tool.name), esc(&r.tool.version)),
    );
    row("report schema version", r.schema_version.to_string());
    row("knowledge pack", code(&r.knowledge.id));
    for (k, v) in &r.knowledge.provenance {
        row(&format!("knowledge {k}"), esc(v));
    }
    row(
        "target",
        format!(
            "{} {} ({})",
            esc(&r.target.name),
            esc(&r.target.version),
            esc(&r.target.arch)
        ),
    );
    row("source root", code(&src.root));
    if let Some(d) = &src.distro {
        row(
            "source distribution",
            format!(
                "{} {}{}",
                esc(d),
                esc(src.version.as_deref().unwrap_or("")),
                src.pretty_name
                    .as_deref()
                    .map(|p| format!(" ({})", esc(p)))
                    .unwrap_or_default()
            ),
        );
    }
    if !src.package_managers.is_empty() {
        row(
            "package managers read",
            esc(&src.package_managers.join(", ")),
        );
    }
    row(
        "files",
        format!(
            "{}, {}, {}; {} ELF, {}; {} owned by the source distribution",
            readiness::plural(src.files, "file", "files"),
            readiness::plural(src.directories, "directory", "directories"),
            readiness::plural(src.symlinks, "symlink", "symlinks"),
            src.elf_files,
            readiness::plural(src.scripts, "script", "scripts"),
            src.distro_owned
        ),
    );
    if !src.skipped.is_empty() {
        row("skipped", esc(&src.skipped.join("; ")));
    }
    if !src.excluded.is_empty() {
        let items: Vec<String> = src
            .excluded
            .iter()
            .map(|x| format!("{} ({})", x.path, x.reason))
            .collect();
        row("left out (not workload)", esc(&items.join("; ")));
    }
    if let Some(p) = &r.policy {
        row("policy applied as of", esc(&p.today));
    }
    o.push_str("</dl>\n");
    o.push_str(
        "<h3 id=\"score-formula\">Readiness score</h3>\n<p>For each part of the workload the \
         report judged, the mean of its items' points; the score is the mean of the parts (each \
         weighs the same whatever its size), times 100, rounded down. Binaries and scripts, and \
         workload units (units of no package or of third-party packages): 1 for one that runs \
         (as it is or once packages are installed), 3/4 when an unwaived warning remains on it, \
         1/2 for one that cannot be decided, 0 for one that would break. Installed packages: 1, \
         3/4 with an unwaived warning, 0 with an unwaived blocker. Waived findings do not \
         count.</p>\n",
    );
    let parts = readiness::score_parts(r);
    if !parts.is_empty() {
        o.push_str(
            "<table id=\"score-parts\">\n<thead><tr><th>part</th><th class=\"num\">items</th>\
             <th class=\"num\">points</th><th class=\"num\">mean</th></tr></thead>\n<tbody>\n",
        );
        for (name, quarters, items) in parts {
            let points = if quarters % 4 == 0 {
                (quarters / 4).to_string()
            } else {
                format!("{:.2}", quarters as f64 / 4.0)
                    .trim_end_matches('0')
                    .to_string()
            };
            let _ = writeln!(
                o,
                "<tr><td>{}</td><td class=\"num\">{items}</td><td class=\"num\">{points}</td>\
                 <td class=\"num\">{}%</td></tr>",
                esc(name),
                quarters * 100 / (4 * items)
            );
        }
        o.push_str("</tbody>\n</table>\n");
    }
    o.push_str("</section>\n");
}

/// Render the report as one self-contained HTML page.
pub fn render(r: &Report) -> String {
    let rd = Readiness::of(r);
    let mut o = String::new();
    head(&mut o, r);
    section_summary(&mut o, r, &rd);
    section_blockers(&mut o, r);
    section_why(&mut o, r);
    section_binaries(&mut o, r);
    section_packages(&mut o, r);
    section_units(&mut o, r);
    section_unit_diffs(&mut o, r);
    section_generated(&mut o, r);
    section_findings(&mut o, r);
    section_policy(&mut o, r);
    section_diagnostics(&mut o, r);
    section_metadata(&mut o, r);
    let _ = write!(
        o,
        "<footer>Generated by {} {} from the report model (schema version {}).</footer>\n\
         <script>\n{JS}</script>\n</body>\n</html>\n",
        esc(&r.tool.name),
        esc(&r.tool.version),
        r.schema_version
    );
    o
}

/// Finding codes for a table cell, waived ones struck through.
fn code_cells(codes: &[Code], is_waived: impl Fn(&str) -> bool) -> Vec<String> {
    codes
        .iter()
        .map(|c| {
            if is_waived(c.as_str()) {
                format!("<del title=\"waived\">{}</del>", code(c.as_str()))
            } else {
                code(c.as_str())
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_markup_and_quotes() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(inline_md("use `a<b` now"), "use <code>a&lt;b</code> now");
        assert_eq!(esc("a\nb\x1b\u{202e}\tc"), "a\\nb\\x1b\\u{202e}\tc");
        // GNU-style quotes and lone backticks stay text; spans around them still work.
        assert_eq!(
            inline_md("version `GLIBC_2.99' not found (required by `app`)"),
            "version `GLIBC_2.99&#39; not found (required by <code>app</code>)"
        );
        assert_eq!(inline_md("a ` b"), "a ` b");
        assert_eq!(inline_md("`x' and `y'"), "`x&#39; and `y&#39;");
    }
}
