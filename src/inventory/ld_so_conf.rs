//! The tree's `/etc/ld.so.conf` and the files it includes: extra loader directories.

use super::ownership::{Ownership, read_text};
use crate::findings::Diagnostic;
use crate::source::{EntryKind, Source};
use std::path::Path;

const MAX_DEPTH: usize = 8;
/// Largest ld.so.conf (or included file) read.
pub const MAX_FILE: u64 = 1 << 20;
/// Most files read through `include` lines in all (glibc's ldconfig has no limit; a real
/// system has tens).
pub const MAX_INCLUDED: usize = 1024;
/// Most loader directories taken from ld.so.conf (a real system has tens).
pub const MAX_DIRS: usize = 4096;

/// Directories the tree's ld.so.conf adds to the loader's search path, in order. Files owned
/// by the source distribution's packages are skipped: they do not move to the target.
pub fn read(source: &dyn Source, own: &Ownership, diags: &mut Vec<Diagnostic>) -> Vec<String> {
    let mut dirs = Vec::new();
    let mut budget = MAX_INCLUDED;
    read_file(
        source,
        own,
        "/etc/ld.so.conf",
        0,
        &mut budget,
        &mut dirs,
        diags,
    );
    dirs
}

fn read_file(
    source: &dyn Source,
    own: &Ownership,
    path: &str,
    depth: usize,
    budget: &mut usize,
    dirs: &mut Vec<String>,
    diags: &mut Vec<Diagnostic>,
) {
    if depth > MAX_DEPTH {
        diags.push(Diagnostic::new(
            path,
            "ld.so.conf includes nested too deeply",
        ));
        return;
    }
    let text = match read_text(source, path, MAX_FILE) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return,
        Err(e) => {
            diags.push(Diagnostic::unread(path, "cannot read", &e));
            return;
        }
    };
    let owned = own.owns(path);
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        if let Some(pattern) = line
            .strip_prefix("include")
            .filter(|r| r.starts_with([' ', '\t']))
        {
            for pat in pattern.split_whitespace() {
                if *budget == 0 {
                    diags.push(Diagnostic::new(
                        path,
                        format!("more than {MAX_INCLUDED} included files; the rest not read"),
                    ));
                    return;
                }
                *budget -= 1;
                let pat = if pat.starts_with('/') {
                    pat.to_string()
                } else {
                    format!("{}/{pat}", super::parent_dir(path))
                };
                for inc in expand_glob(source, &pat) {
                    if *budget == 0 {
                        diags.push(Diagnostic::new(
                            path,
                            format!("more than {MAX_INCLUDED} included files; the rest not read"),
                        ));
                        return;
                    }
                    *budget -= 1;
                    read_file(source, own, &inc, depth + 1, budget, dirs, diags);
                }
            }
            continue;
        }
        if line.starts_with("hwcap") {
            continue;
        }
        if owned {
            continue;
        }
        for d in line
            .split([' ', '\t', ',', ':', '='])
            .filter(|s| !s.is_empty())
        {
            if dirs.len() >= MAX_DIRS {
                diags.push(Diagnostic::new(
                    path,
                    format!("more than {MAX_DIRS} directories; the rest ignored"),
                ));
                return;
            }
            if d.starts_with('/') && !dirs.iter().any(|x| x == d) {
                dirs.push(d.trim_end_matches('/').to_string());
            }
        }
    }
}

/// Expand a `dir/prefix*suffix` pattern (a `*` in the last component only), sorted.
fn expand_glob(source: &dyn Source, pattern: &str) -> Vec<String> {
    let (dir, name) = match pattern.rfind('/') {
        Some(i) => (&pattern[..i.max(1)], &pattern[i + 1..]),
        None => return Vec::new(),
    };
    if !name.contains('*') {
        return vec![pattern.to_string()];
    }
    let (pre, post) = name.split_once('*').unwrap_or((name, ""));
    let mut out: Vec<String> = match source.read_dir(Path::new(dir)) {
        Ok(Ok(entries)) => entries
            .into_iter()
            .filter(|e| e.kind != EntryKind::Dir)
            .filter_map(|e| e.name.to_str().map(str::to_string))
            .filter(|n| {
                n.starts_with(pre) && n.ends_with(post) && n.len() >= pre.len() + post.len()
            })
            .map(|n| format!("{dir}/{n}"))
            .collect(),
        _ => Vec::new(),
    };
    out.sort();
    out
}
