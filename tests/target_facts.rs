//! Every fact about the target lives in the pack (docs/knowledge.md, "The target manifest"):
//! no string literal in src/ outside unit tests and the manifest reader names the target, its
//! base distribution or a version of its platform. Comments may explain history; texts a user
//! reads, and values the code acts on, come from the pack.

use std::path::{Path, PathBuf};

/// Words that are facts about the target (a later snapshot changes them). `\b` is checked by
/// hand: a version must not be part of a longer number (`6.18` in `16.18`, `258` in `2580`).
const FACTS: &[&str] = &[
    "Azure Linux",
    "azurelinux",
    "Fedora 43",
    "fedora-43",
    "dnf install",
    "dnf makecache",
    "dnf upgrade",
    "dnf remove",
    "dnf clean",
    "/usr/bin/dnf",
    "258",
    "260",
    "6.18",
    "2.42",
    "3.5",
    "3.14",
    "4.0",
];

/// Files allowed to hold them: the manifest reader (it only names keys, but its doc and errors
/// may cite the file), and values that are not target facts but look like one.
const ALLOWED: &[(&str, &str)] = &[
    // The ELF e_machine number of LoongArch (EM_LOONGARCH = 258).
    ("src/inventory/elf.rs", "258"),
    // Fractions of an hour in the HTML report's timings.
    ("src/report/html.rs", "4.0"),
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The string literals of Rust source (normal, byte and raw), with their line numbers; comments
/// are skipped, and so is everything from `#[cfg(test)] mod` on (unit tests sit at the end).
fn literals(src: &str) -> Vec<(usize, String)> {
    let src = match src.find("#[cfg(test)]\nmod ") {
        Some(i) => &src[..i],
        None => src,
    };
    let b = src.as_bytes();
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    while i < b.len() {
        match b[i] {
            b'\n' => {
                line += 1;
                i += 1;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                    line += usize::from(b[i] == b'\n');
                    i += 1;
                }
                i += 2;
            }
            // A char literal ('"', '\'', 'a'); lifetimes ('a) have no closing quote nearby.
            b'\'' => {
                if b.get(i + 1) == Some(&b'\\') {
                    let end = src[i + 2..].find('\'').map_or(b.len(), |j| i + 3 + j);
                    i = end;
                } else if b.get(i + 2) == Some(&b'\'') {
                    i += 3;
                } else {
                    i += 1;
                }
            }
            b'r' if (b.get(i + 1) == Some(&b'"') || b.get(i + 1) == Some(&b'#'))
                && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_')) =>
            {
                let mut j = i + 1;
                let mut hashes = 0;
                while b.get(j) == Some(&b'#') {
                    hashes += 1;
                    j += 1;
                }
                if b.get(j) != Some(&b'"') {
                    i += 1;
                    continue;
                }
                let close = format!("\"{}", "#".repeat(hashes));
                let start = j + 1;
                let end = src[start..].find(&close).map_or(b.len(), |k| start + k);
                let text = &src[start..end];
                out.push((line, text.to_string()));
                line += text.matches('\n').count();
                i = end + close.len();
            }
            b'"' => {
                let start = i + 1;
                let mut j = start;
                while j < b.len() && b[j] != b'"' {
                    if b[j] == b'\\' {
                        j += 1;
                    }
                    j += 1;
                }
                let text = &src[start..j.min(b.len())];
                out.push((line, text.to_string()));
                line += text.matches('\n').count();
                i = j + 1;
            }
            _ => i += 1,
        }
    }
    out
}

/// Whether `fact` occurs in `text` as a whole word or number.
fn names(text: &str, fact: &str) -> bool {
    let numeric = fact.bytes().all(|c| c.is_ascii_digit() || c == b'.');
    text.match_indices(fact).any(|(i, _)| {
        if !numeric {
            return true;
        }
        let before = text[..i].bytes().next_back();
        let after = text[i + fact.len()..].bytes().next();
        let digitish = |c: Option<u8>| c.is_some_and(|c| c.is_ascii_digit() || c == b'.');
        !digitish(before) && !digitish(after)
    })
}

#[test]
fn no_target_fact_is_written_in_src() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    files.sort();
    let mut found = Vec::new();
    for f in &files {
        let rel = f
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let text = std::fs::read_to_string(f).unwrap();
        for (line, lit) in literals(&text) {
            for fact in FACTS {
                if names(&lit, fact) && !ALLOWED.contains(&(rel.as_str(), fact)) {
                    found.push(format!("{rel}:{line}: `{fact}` in {lit:?}"));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "target facts written in src/ (take them from the pack's `target`, or the unit tables):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_literal_scanner_sees_strings_and_skips_comments() {
    let src = "// Azure Linux 258\nlet a = \"on systemd 258\"; /* 260 */ let c = '\"';\nlet b = r#\"dnf install \"x\"\"#;\n#[cfg(test)]\nmod tests { \"Azure Linux\" }";
    let lits = literals(src);
    assert_eq!(
        lits,
        vec![
            (2, "on systemd 258".to_string()),
            (3, "dnf install \"x\"".to_string())
        ]
    );
    assert!(names("systemd 258:", "258"));
    assert!(!names("2580", "258") && !names("16.18", "6.18") && !names("3.5.4", "3.5"));
}
