//! The rule for words a customer reads: the `message`, `why` and `fix` of findings, the texts
//! the pack holds for them (user-facing columns, [`USER_FACING`]) and the answers of `which`
//! and `explain` are written for the user. Research notes (where a fact was found, how the
//! source code spells it) belong in `evidence`, never in those texts.
//!
//! [`research_note`] rejects, in one text:
//! - pull-request and issue references: `PR 123`, `PR #123`, `PR owner/repo#123`,
//!   `owner/repo#123`, URLs with `/pull/` or `pull-request/`;
//! - upstream development branches and commits: `rawhide`, `commit 4ca7a3b`;
//! - source-code identifiers: `config_parse_*`, `gperf`, `DISABLED_LEGACY`, `load-fragment`;
//! - a source version's internals: `v262 maps ...` (`vNNN maps`);
//! - work notes: `TODO`, `FIXME`, `XXX`;
//! - the knowledge sources' own files: `*.tsv`, `*.gp`, `*.comp.toml`, `README.md`,
//!   `defaults.md`.
//!
//! `knowledge lint` applies it to the user-facing columns of a pack (errors), and the renderer
//! tests apply it to every snapshot rendering (docs/knowledge.md, "Words a customer reads").

use super::format;

/// The columns of pack tables that reports print as they are: (table, columns).
pub const USER_FACING: &[(&str, &[&str])] = &[
    (
        format::UNIT_DIRECTIVES,
        &["status", "replacement", "since", "fact"],
    ),
    (format::UNIT_REPLACEMENTS, &["replacement", "reason"]),
];

/// The first research-note wording in `text`: `(rule, the words that matched)`.
pub fn research_note(text: &str) -> Option<(&'static str, String)> {
    let lower = text.to_ascii_lowercase();
    for (needle, rule) in [
        ("rawhide", "upstream development branch"),
        ("config_parse_", "source-code identifier"),
        ("gperf", "source-code identifier"),
        ("disabled_legacy", "source-code identifier"),
        ("load-fragment", "source-code identifier"),
        ("pull-request/", "pull-request reference"),
        ("/pull/", "pull-request reference"),
    ] {
        if let Some(at) = lower.find(needle) {
            return Some((rule, excerpt(text, at, needle.len())));
        }
    }
    let words: Vec<&str> = text.split_whitespace().collect();
    for (i, raw) in words.iter().enumerate() {
        let w = raw.trim_matches(|c: char| "()[]{}<>,;:.'\"`!?".contains(c));
        let next = words
            .get(i + 1)
            .map(|n| n.trim_matches(|c: char| "()[]{}<>,;:.'\"`".contains(c)))
            .unwrap_or("");
        let rule = if matches!(w, "TODO" | "FIXME" | "XXX") {
            Some("work note")
        } else if (w == "PR"
            && !next.is_empty()
            && (next.contains('#') || next.bytes().all(|b| b.is_ascii_digit())))
            || is_issue_ref(w)
        {
            Some("pull-request reference")
        } else if is_source_version(w) && next == "maps" {
            Some("source-code identifier")
        } else if w.eq_ignore_ascii_case("commit") && is_hex_hash(next) {
            Some("upstream commit")
        } else if is_source_file(w) {
            Some("knowledge-source file")
        } else {
            None
        };
        if let Some(rule) = rule {
            let shown = if next.is_empty() || rule == "knowledge-source file" || rule == "work note"
            {
                w.to_string()
            } else {
                format!("{w} {next}")
            };
            return Some((rule, shown));
        }
    }
    None
}

/// `owner/repo#123` (a bare `#123` is caught after `PR`; alone it may be a colour or an anchor).
fn is_issue_ref(w: &str) -> bool {
    let Some((before, num)) = w.rsplit_once('#') else {
        return false;
    };
    !num.is_empty() && num.bytes().all(|b| b.is_ascii_digit()) && before.contains('/')
}

/// `v262`, `v257.13`.
fn is_source_version(w: &str) -> bool {
    w.strip_prefix('v').is_some_and(|v| {
        v.len() >= 3
            && v.bytes().all(|b| b.is_ascii_digit() || b == b'.')
            && v.as_bytes()[0] != b'.'
    })
}

fn is_hex_hash(w: &str) -> bool {
    w.len() >= 7
        && w.bytes().all(|b| b.is_ascii_hexdigit())
        && w.bytes().any(|b| b.is_ascii_digit())
}

fn is_source_file(w: &str) -> bool {
    w.ends_with(".tsv")
        || w.ends_with(".gp")
        || w.ends_with(".comp.toml")
        || w.ends_with("README.md")
        || w.ends_with("defaults.md")
}

/// Up to 40 characters around a match, on character boundaries.
fn excerpt(text: &str, at: usize, len: usize) -> String {
    let start = text[..at]
        .char_indices()
        .rev()
        .nth(15)
        .map_or(0, |(i, _)| i);
    let end = text[at + len..]
        .char_indices()
        .nth(15)
        .map_or(text.len(), |(i, _)| at + len + i);
    text[start..end].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn research_notes_are_found() {
        for (text, rule) in [
            (
                "PR systemd/systemd#37026 'core: remove cgroup v1 properties'",
                "pull-request reference",
            ),
            ("see PR 4512", "pull-request reference"),
            ("fixed in systemd/systemd#12345", "pull-request reference"),
            ("parser table; PR #37026", "pull-request reference"),
            ("Need build fixes in rawhide", "upstream development branch"),
            (
                "Backport of Fedora Rawhide commit",
                "upstream development branch",
            ),
            (
                "v262 maps it to config_parse_warn_compat",
                "source-code identifier",
            ),
            ("the v262 maps it", "source-code identifier"),
            ("gperf DISABLED_LEGACY", "source-code identifier"),
            ("TODO: check aarch64", "work note"),
            ("upstream commit 4ca7a3b removed it", "upstream commit"),
            ("ships httpd.service (units.tsv)", "knowledge-source file"),
            (
                "(azurelinux-4.0/README.md, Coverage)",
                "knowledge-source file",
            ),
            (
                "https://src.fedoraproject.org/rpms/x/pull-request/76",
                "pull-request reference",
            ),
        ] {
            let got = research_note(text);
            assert_eq!(got.as_ref().map(|g| g.0), Some(rule), "{text}: {got:?}");
        }
    }

    #[test]
    fn customer_wording_passes() {
        for text in [
            "systemd 258: ignored (deprecated 252; ignored from 258); a unit relying on it runs unbounded",
            "needs GLIBC_2.99 from libc.so.6, which Azure Linux 4.0 does not define",
            "rebuild against libssl.so.3 (openssl-libs 1:3.5.4-3.azl4)",
            "version `GLIBC_2.38' not found",
            "use MemoryMax= instead; see docs/units.md",
            "port the script to /usr/bin/python (python-unversioned-command)",
            "C# programs and PRs of a project",
            "color: #116329; see #why-elf-library-missing",
            "systemd has had no syslog.target unit since v183",
        ] {
            assert_eq!(research_note(text), None, "{text}");
        }
    }
}
