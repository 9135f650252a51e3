//! The unit file syntax as systemd's `config_parse()` reads it: `[Section]` headers,
//! `Key=Value` assignments, `#`/`;` comments, a trailing backslash continuing a line (comment
//! lines inside a continuation are skipped), surrounding whitespace stripped, and the
//! `.include` line that systemd removed in 246. Every directive keeps the file and the lines it
//! came from.

/// One assignment (or `.include` line) of a unit file or drop-in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Directive {
    /// The file it is in (target path).
    pub file: String,
    /// Section name without brackets (`Service`); empty for lines before any section.
    pub section: String,
    /// `ExecStart`, or `.include` for an include line.
    pub key: String,
    /// The value with continuations joined (each backslash-newline becomes a space), stripped.
    pub value: String,
    /// 1-based line of the key, and of the last line of the assignment.
    pub line: usize,
    pub end_line: usize,
}

/// A problem systemd would log (and ignore) while parsing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseIssue {
    pub line: usize,
    pub reason: String,
}

/// The parsed content of one file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Parsed {
    pub directives: Vec<Directive>,
    /// Section headers with their lines, in file order.
    pub sections: Vec<(String, usize)>,
    pub issues: Vec<ParseIssue>,
}

const WHITESPACE: &[char] = &[' ', '\t', '\n', '\r'];

/// systemd's LONG_LINE_MAX: a (joined) line longer than this fails the whole file.
const LONG_LINE_MAX: usize = 1024 * 1024;

/// Parse the text of a unit file or drop-in.
pub fn parse(file: &str, text: &str) -> Parsed {
    let mut out = Parsed::default();
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut section = String::new();
    // (joined text, first line) of a continued line.
    let mut cont: Option<(String, usize)> = None;
    let lines: Vec<&str> = text.split('\n').collect();
    let n = lines.len();
    for (i, raw) in lines.iter().enumerate() {
        let lineno = i + 1;
        // A final empty piece after the last newline is not a line.
        if i + 1 == n && raw.is_empty() && cont.is_none() {
            break;
        }
        let l = raw.trim_start_matches(WHITESPACE);
        if l.starts_with('#') || l.starts_with(';') {
            continue;
        }
        let (mut joined, first) = match cont.take() {
            Some((mut acc, first)) => {
                acc.push_str(raw);
                (acc, first)
            }
            None => (raw.to_string(), lineno),
        };
        if joined.len() > LONG_LINE_MAX {
            out.issues.push(ParseIssue {
                line: first,
                reason: "line too long".into(),
            });
            return out;
        }
        // read_line() ends a line at `\n` or `\r\n`; only an unescaped backslash that is the
        // very last character continues it (`\ ` with a space after does not).
        // Edited in place, never copied: continuation lines cost time linear in their count.
        let body_len = joined.strip_suffix('\r').unwrap_or(&joined).len();
        let body = &joined[..body_len];
        let trailing = body.len() - body.trim_end_matches('\\').len();
        if trailing % 2 == 1 {
            // Continue: the backslash becomes a space.
            joined.truncate(body_len - 1);
            joined.push(' ');
            cont = Some((joined, first));
            continue;
        }
        let stmt = joined.trim_matches(WHITESPACE);
        line(&mut out, file, &mut section, stmt, first, lineno);
    }
    if let Some((acc, first)) = cont {
        let stmt = acc.trim_matches(WHITESPACE).to_string();
        line(&mut out, file, &mut section, &stmt, first, n);
    }
    out
}

fn line(out: &mut Parsed, file: &str, section: &mut String, l: &str, first: usize, last: usize) {
    if l.is_empty() {
        return;
    }
    if let Some(rest) = l.strip_prefix(".include")
        && (rest.is_empty() || rest.starts_with(WHITESPACE))
    {
        out.directives.push(Directive {
            file: file.to_string(),
            section: section.clone(),
            key: ".include".into(),
            value: rest.trim_matches(WHITESPACE).to_string(),
            line: first,
            end_line: last,
        });
        return;
    }
    if l.starts_with('[') {
        if !l.ends_with(']') || l.len() < 2 {
            out.issues.push(ParseIssue {
                line: first,
                reason: format!("invalid section header `{l}`"),
            });
            return;
        }
        let name = &l[1..l.len() - 1];
        *section = name.to_string();
        out.sections.push((name.to_string(), first));
        return;
    }
    let Some((k, v)) = l.split_once('=') else {
        out.issues.push(ParseIssue {
            line: first,
            reason: format!("missing '=' in `{}`", truncate(l)),
        });
        return;
    };
    let key = k.trim_matches(WHITESPACE);
    if section.is_empty() {
        out.issues.push(ParseIssue {
            line: first,
            reason: format!("assignment `{key}=` outside of a section"),
        });
        return;
    }
    if key.is_empty() {
        out.issues.push(ParseIssue {
            line: first,
            reason: "assignment without a key".into(),
        });
        return;
    }
    out.directives.push(Directive {
        file: file.to_string(),
        section: section.clone(),
        key: key.to_string(),
        value: v.trim_matches(WHITESPACE).to_string(),
        line: first,
        end_line: last,
    });
}

fn truncate(s: &str) -> String {
    let mut t: String = s.chars().take(60).collect();
    if t.len() < s.len() {
        t.push('…');
    }
    t
}

/// Split a value into words the way systemd's `extract_first_word` does for unit lists and
/// command lines: whitespace-separated, `"…"` and `'…'` quoted, backslash escapes.
pub fn words(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (None, c) if WHITESPACE.contains(&c) => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (Some(q), c) if c == q => quote = None,
            (_, '\\') => {
                in_word = true;
                if let Some(n) = chars.next() {
                    cur.push(match n {
                        'n' => '\n',
                        't' => '\t',
                        other => other,
                    });
                }
            }
            (_, c) => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        out.push(cur);
    }
    out
}

/// Whether a boolean value is true the way systemd's `parse_boolean` reads it.
pub fn is_true(v: &str) -> bool {
    matches!(
        v.to_ascii_lowercase().as_str(),
        "1" | "yes" | "y" | "true" | "t" | "on"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_keys_comments_and_line_numbers() {
        let p = parse(
            "/u",
            "# head\n[Unit]\nDescription = A unit \n; semi\n\n[Service]\nExecStart=/bin/a\n",
        );
        assert!(p.issues.is_empty(), "{:?}", p.issues);
        let d: Vec<(&str, &str, &str, usize)> = p
            .directives
            .iter()
            .map(|d| (d.section.as_str(), d.key.as_str(), d.value.as_str(), d.line))
            .collect();
        assert_eq!(
            d,
            [
                ("Unit", "Description", "A unit", 3),
                ("Service", "ExecStart", "/bin/a", 7)
            ]
        );
        assert_eq!(
            p.sections,
            [("Unit".to_string(), 2), ("Service".to_string(), 6)]
        );
    }

    #[test]
    fn continuations_join_and_skip_comment_lines() {
        let p = parse(
            "/u",
            "[Service]\nExecStart=/bin/a \\\n  --one \\\n# comment inside\n  --two\nUser=x\n",
        );
        assert!(p.issues.is_empty());
        let d = &p.directives[0];
        assert_eq!(d.value, "/bin/a    --one    --two");
        assert_eq!((d.line, d.end_line), (2, 5));
        assert_eq!(p.directives[1].line, 6);
        // An escaped backslash does not continue.
        let p = parse("/u", "[Service]\nEnvironment=A=\\\\\nUser=x\n");
        assert_eq!(p.directives.len(), 2);
    }

    #[test]
    fn include_and_problems() {
        let p = parse(
            "/u",
            "Key=v\n[Unit]\n.include /etc/x.service\nnoequals\n[bad\n",
        );
        assert_eq!(p.directives[0].key, ".include");
        assert_eq!(p.directives[0].value, "/etc/x.service");
        let lines: Vec<usize> = p.issues.iter().map(|i| i.line).collect();
        assert_eq!(lines, [1, 4, 5]);
    }

    #[test]
    fn words_split_like_systemd() {
        assert_eq!(words(r#"a "b c" 'd e' f\ g"#), ["a", "b c", "d e", "f g"]);
        assert_eq!(words("  x   y "), ["x", "y"]);
        assert!(words("").is_empty());
    }

    #[test]
    fn crlf_and_bom() {
        let p = parse("/u", "\u{feff}[Unit]\r\nDescription=x\r\n");
        assert!(p.issues.is_empty());
        assert_eq!(p.directives[0].value, "x");
    }
}
