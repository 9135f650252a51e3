//! The edit framework of the unit checks: what a check proposes (a finding with the directive
//! edits and section additions that fix it), how edits on one directive compose, and the patch
//! engine that applies them to a file's text and renders the unified diff (docs/units.md).

use crate::findings::Finding;
use crate::inventory::systemd::{Directive, parse};
use std::collections::BTreeMap;

/// A change to one directive of a unit file, composed in order with others on the same
/// directive.
pub(crate) enum Op {
    /// Rename the key (`MemoryLimit` -> `MemoryMax`).
    Rename(String),
    /// Rewrite the value.
    Map(Box<dyn Fn(&str) -> String + Send + Sync>),
    /// Drop the directive.
    Delete,
    /// Replace the directive by these lines (`.include` inlined).
    Lines(Vec<String>),
}

/// A directive change.
pub(crate) struct Edit {
    pub directive: Directive,
    pub op: Op,
}

/// A line to add at the end of a section of a file (the section is created when missing).
pub(crate) struct Addition {
    pub file: String,
    pub section: String,
    pub line: String,
}

/// What a unit check proposes: a finding, with the edits that fix it (possibly none).
pub(crate) struct Proposal {
    pub finding: Finding,
    pub edits: Vec<Edit>,
    pub additions: Vec<Addition>,
}

impl Proposal {
    pub fn new(finding: Finding) -> Self {
        Proposal {
            finding,
            edits: Vec::new(),
            additions: Vec::new(),
        }
    }
    pub fn edit(mut self, d: &Directive, op: Op) -> Self {
        self.edits.push(Edit {
            directive: d.clone(),
            op,
        });
        self
    }
    pub fn add(mut self, file: &str, section: &str, line: String) -> Self {
        self.additions.push(Addition {
            file: file.to_string(),
            section: section.to_string(),
            line,
        });
        self
    }
}

/// A unified diff of one file, `a/<path>` against `b/<path>` (apply with `patch -p1` in the
/// root). A path with control or bidirectional characters, `"` or `\` is C-quoted as git and
/// GNU diff do, so a file name can never break the header into lines.
pub fn unified_diff(path: &str, old: &str, new: &str) -> String {
    let rel = path.trim_start_matches('/');
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&header_name("a/", rel), &header_name("b/", rel))
        .to_string()
}

/// A unified diff that creates the file `path` with `text` (`--- /dev/null`, `+++ b/<path>`).
pub fn new_file_diff(path: &str, text: &str) -> String {
    let rel = path.trim_start_matches('/');
    similar::TextDiff::from_lines("", text)
        .unified_diff()
        .context_radius(3)
        .header("/dev/null", &header_name("b/", rel))
        .to_string()
}

/// `prefix` + `rel`, C-quoted when needed (`\"`, `\\`, `\n`, `\t`, `\r`, octal bytes).
fn header_name(prefix: &str, rel: &str) -> String {
    use crate::report::escape::is_hostile;
    if !rel.chars().any(|c| is_hostile(c) || c == '"' || c == '\\') {
        return format!("{prefix}{rel}");
    }
    let mut o = format!("\"{prefix}");
    for c in rel.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            '\t' => o.push_str("\\t"),
            '\r' => o.push_str("\\r"),
            c if is_hostile(c) => {
                for b in c.encode_utf8(&mut [0; 4]).bytes() {
                    o.push_str(&format!("\\{b:03o}"));
                }
            }
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

/// Apply directive edits (composed per directive, in order) and section additions to a file.
pub(crate) fn apply(file: &str, text: &str, edits: &[&Edit], additions: &[&Addition]) -> String {
    let mut lines: Vec<String> = text.split('\n').map(str::to_string).collect();
    let trailing_newline = text.ends_with('\n');
    if trailing_newline {
        lines.pop();
    }
    // (line, end_line) -> edits, in order.
    let mut by_span: BTreeMap<(usize, usize), Vec<&Edit>> = BTreeMap::new();
    for e in edits {
        by_span
            .entry((e.directive.line, e.directive.end_line))
            .or_default()
            .push(e);
    }
    // New content per span (None = delete).
    let mut replace: BTreeMap<usize, (usize, Option<Vec<String>>)> = BTreeMap::new();
    for ((line, end), es) in &by_span {
        let d = &es[0].directive;
        let mut key = d.key.clone();
        let mut value = d.value.clone();
        let mut out: Option<Vec<String>> = None;
        let mut deleted = false;
        for e in es {
            match &e.op {
                Op::Rename(k) => key = k.clone(),
                Op::Map(f) => value = f(&value),
                Op::Delete => deleted = true,
                Op::Lines(l) => out = Some(l.clone()),
            }
        }
        let content = if deleted {
            None
        } else if let Some(l) = out {
            Some(l)
        } else if key == d.key && value == d.value {
            continue;
        } else {
            Some(vec![format!("{key}={value}")])
        };
        replace.insert(*line, (*end, content));
    }
    let mut result: Vec<String> = Vec::new();
    // Map from original line number to index in `result` where its section ends (for additions).
    let mut i = 1usize;
    let n = lines.len();
    while i <= n {
        if let Some((end, content)) = replace.get(&i) {
            if let Some(c) = content {
                result.extend(c.iter().cloned());
            }
            i = end + 1;
            continue;
        }
        result.push(lines[i - 1].clone());
        i += 1;
    }
    if !additions.is_empty() {
        result = add_to_sections(file, result, additions);
    }
    let mut s = result.join("\n");
    if trailing_newline || !additions.is_empty() {
        s.push('\n');
    }
    s
}

/// Insert lines at the end of their sections (after the section's last non-blank line), creating
/// `[Unit]` at the top or other sections at the end when missing.
fn add_to_sections(file: &str, lines: Vec<String>, additions: &[&Addition]) -> Vec<String> {
    let mut lines = lines;
    let mut wanted: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for a in additions {
        let v = wanted.entry(a.section.as_str()).or_default();
        if !v.contains(&a.line.as_str()) {
            v.push(a.line.as_str());
        }
    }
    for (section, new) in wanted {
        let text = lines.join("\n");
        let p = parse::parse(file, &text);
        let headers: Vec<(String, usize)> = p.sections.clone();
        match headers.iter().position(|(s, _)| s == section) {
            Some(idx) => {
                // Section runs until the next header (1-based line numbers).
                let start = headers[idx].1;
                let next = headers.get(idx + 1).map(|h| h.1).unwrap_or(lines.len() + 1);
                let mut insert_at = start; // after the header
                for l in start + 1..next {
                    let t = lines[l - 1].trim();
                    if !t.is_empty() {
                        insert_at = l;
                    }
                }
                for (k, l) in new.iter().enumerate() {
                    lines.insert(insert_at + k, l.to_string());
                }
            }
            None if section == "Unit" => {
                let at = headers.first().map(|h| h.1 - 1).unwrap_or(0);
                let mut block = vec!["[Unit]".to_string()];
                block.extend(new.iter().map(|l| l.to_string()));
                block.push(String::new());
                for (k, l) in block.into_iter().enumerate() {
                    lines.insert(at + k, l);
                }
            }
            None => {
                if lines.last().is_some_and(|l| !l.trim().is_empty()) {
                    lines.push(String::new());
                }
                lines.push(format!("[{section}]"));
                lines.extend(new.iter().map(|l| l.to_string()));
            }
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_name_never_breaks_a_diff_header() {
        let d = unified_diff("/etc/systemd/system/a\nVerdict\x1b.service", "x\n", "y\n");
        let mut lines = d.lines();
        assert_eq!(
            lines.next(),
            Some("--- \"a/etc/systemd/system/a\\nVerdict\\033.service\"")
        );
        assert_eq!(
            lines.next(),
            Some("+++ \"b/etc/systemd/system/a\\nVerdict\\033.service\"")
        );
        assert!(d.lines().all(|l| !l.starts_with("Verdict")), "{d}");
        let plain = unified_diff("/etc/x.service", "x\n", "y\n");
        assert!(plain.starts_with("--- a/etc/x.service\n+++ b/etc/x.service\n"));
    }
}
