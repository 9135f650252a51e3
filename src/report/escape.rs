//! Text from the scanned tree made harmless for the people who read a rendering.
//!
//! File names, package names, unit names, `#!` lines and everything else taken from the tree
//! may hold control characters: ESC starts terminal sequences (colours, the window title, the
//! clipboard), CR and LF forge lines (a fake `Verdict: READY`), bidirectional overrides reorder
//! what is displayed. Renderings for people show such characters *visibly escaped* instead
//! (docs/security.md): `\n`, `\r`, `\t`, `\xHH` for other C0 controls, DEL and C1 controls, and
//! `\u{XXXX}` for bidirectional controls and line/paragraph separators. A backslash is kept as
//! it is. The JSON report keeps the text as it is (JSON escapes control characters itself).
//!
//! CSV cells also get the OWASP CSV-injection rule ([`csv_cell`]).

use super::Report;
use std::borrow::Cow;
use std::fmt::Write;

/// Whether a character is shown escaped: C0 controls, DEL, C1 controls, the bidirectional
/// embeddings, overrides, isolates and marks (U+202A..U+202E, U+2066..U+2069, U+200E, U+200F,
/// U+061C) and the Unicode line and paragraph separators (U+2028, U+2029).
pub fn is_hostile(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        | '\u{200e}' | '\u{200f}' | '\u{61c}' | '\u{2028}' | '\u{2029}')
}

fn push_escaped(o: &mut String, c: char) {
    match c {
        '\n' => o.push_str("\\n"),
        '\r' => o.push_str("\\r"),
        '\t' => o.push_str("\\t"),
        c if (c as u32) <= 0xff => {
            let _ = write!(o, "\\x{:02x}", c as u32);
        }
        c => {
            let _ = write!(o, "\\u{{{:04x}}}", c as u32);
        }
    }
}

/// `s` with every [`is_hostile`] character visibly escaped (borrowed when there is none).
pub fn visible(s: &str) -> Cow<'_, str> {
    escape_except(s, &[])
}

/// Like [`visible`], but LF and TAB stay as they are: for multi-line content shown as a block
/// (a unit diff in a fenced block or `<pre>`), where they are layout, not forgery.
pub fn visible_multiline(s: &str) -> Cow<'_, str> {
    escape_except(s, &['\n', '\t'])
}

fn escape_except<'a>(s: &'a str, keep: &[char]) -> Cow<'a, str> {
    if !s.chars().any(|c| is_hostile(c) && !keep.contains(&c)) {
        return Cow::Borrowed(s);
    }
    let mut o = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_hostile(c) && !keep.contains(&c) {
            push_escaped(&mut o, c);
        } else {
            o.push(c);
        }
    }
    Cow::Owned(o)
}

/// A copy of the report with every string (values and map keys, at any depth, present and
/// future fields alike) passed through [`visible`]: what the text rendering prints, so no
/// interpolation can forget it. `None` only if the model does not survive its own JSON form,
/// which a test rules out.
pub fn visible_report(r: &Report) -> Option<Report> {
    let mut v = serde_json::to_value(r).ok()?;
    escape_value(&mut v);
    serde_json::from_value(v).ok()
}

fn escape_value(v: &mut serde_json::Value) {
    use serde_json::Value;
    match v {
        Value::String(s) => {
            if let Cow::Owned(e) = visible(s) {
                *s = e;
            }
        }
        Value::Array(a) => a.iter_mut().for_each(escape_value),
        Value::Object(m) => {
            let old = std::mem::take(m);
            for (k, mut x) in old {
                escape_value(&mut x);
                m.insert(visible(&k).into_owned(), x);
            }
        }
        _ => {}
    }
}

/// A CSV cell neutralised by the OWASP CSV-injection rule: a cell starting with `=`, `+`, `-`,
/// `@`, TAB or CR is prefixed with `'` so a spreadsheet takes it as text, never as a formula.
/// Other control and bidirectional characters are escaped as in [`visible`]; TAB, CR and LF
/// stay (RFC 4180 quoting carries them).
pub fn csv_cell(s: &str) -> Cow<'_, str> {
    let escaped = escape_except(s, &['\n', '\r', '\t']);
    if escaped.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{escaped}"))
    } else {
        escaped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_are_escaped_visibly() {
        assert_eq!(visible("plain/path-1.0"), "plain/path-1.0");
        assert!(matches!(visible("plain"), Cow::Borrowed(_)));
        assert_eq!(
            visible("a\nVerdict: READY\x1b]0;t\x07\r"),
            "a\\nVerdict: READY\\x1b]0;t\\x07\\r"
        );
        assert_eq!(visible("x\u{202e}gpj.exe"), "x\\u{202e}gpj.exe");
        assert_eq!(
            visible("\u{2066}\u{2069}\u{9b}\u{7f}"),
            "\\u{2066}\\u{2069}\\x9b\\x7f"
        );
        assert_eq!(visible("tab\there"), "tab\\there");
        assert_eq!(visible("é ü 日本"), "é ü 日本");
        assert_eq!(
            visible_multiline("-a\n+b\tc\x1b[2J\n"),
            "-a\n+b\tc\\x1b[2J\n"
        );
    }

    #[test]
    fn every_saved_report_survives_the_escaping_round_trip() {
        for text in [
            include_str!("../../tests/fixtures/report-apptree.json"),
            include_str!("../../tests/fixtures/report-packages.json"),
            include_str!("../../tests/fixtures/report-units.json"),
        ] {
            let mut r = super::super::load::from_json(text).unwrap();
            r.source.root = "/x\n\x1b[2J".into();
            let safe = visible_report(&r).expect("round trip");
            assert_eq!(safe.source.root, "/x\\n\\x1b[2J");
            assert_eq!(safe.findings.len(), r.findings.len());
        }
    }

    #[test]
    fn csv_cells_never_start_a_formula() {
        for (cell, want) in [
            ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"),
            ("+1", "'+1"),
            ("-1+2", "'-1+2"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\r=x", "'\r=x"),
            ("/opt/=x", "/opt/=x"),
            ("a\x1bb", "a\\x1bb"),
            ("", ""),
        ] {
            assert_eq!(csv_cell(cell), want, "{cell:?}");
        }
    }
}
