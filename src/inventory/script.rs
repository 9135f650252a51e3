//! Scripts: the `#!` line, interpreter and arguments kept apart.

use serde::{Deserialize, Serialize};

/// The interpreter line of a script.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shebang {
    /// The interpreter path as written (`/usr/bin/python2`, `/usr/bin/env`).
    pub interpreter: String,
    /// Arguments after the interpreter, split on whitespace (`["python3"]` for `env python3`).
    pub args: Vec<String>,
}

impl Shebang {
    /// The program that is finally run: for `/usr/bin/env [-S] [VAR=x ...] NAME`, `NAME`
    /// (a bare command looked up in `PATH`); otherwise the interpreter path.
    pub fn program(&self) -> Option<&str> {
        if is_env(&self.interpreter) {
            let mut args = self.args.iter().map(String::as_str);
            while let Some(a) = args.next() {
                match a {
                    "-S" | "--split-string" | "-i" | "--ignore-environment" | "-" => continue,
                    "-u" | "--unset" | "-C" | "--chdir" => {
                        args.next();
                        continue;
                    }
                    _ if a.starts_with("-S") => {
                        return Some(a[2..].trim()).filter(|s| !s.is_empty());
                    }
                    _ if a.starts_with('-') => continue,
                    _ if a.contains('=') => continue,
                    _ => return Some(a),
                }
            }
            None
        } else {
            Some(self.interpreter.as_str())
        }
    }

    /// Whether the interpreter is `env`, which looks the program up in `PATH`.
    pub fn uses_env(&self) -> bool {
        is_env(&self.interpreter)
    }
}

fn is_env(interp: &str) -> bool {
    interp.rsplit('/').next() == Some("env")
}

/// Parse the first line of a file that starts with `#!`. `head` is the beginning of the file
/// (the kernel reads at most 256 bytes of it). Returns `None` when there is no interpreter.
pub fn parse_shebang(head: &[u8]) -> Option<Shebang> {
    let rest = head.strip_prefix(b"#!")?;
    let end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
    let line = super::names::from_bytes(&rest[..end]);
    let line = line.trim_end_matches('\r');
    let mut parts = line.split([' ', '\t']).filter(|s| !s.is_empty());
    let interpreter = parts.next()?;
    // The kernel runs any path, but interpreters are absolute in practice; `#![allow(...)]`
    // (a Rust inner attribute) and similar are not interpreter lines.
    if !interpreter.starts_with('/') {
        return None;
    }
    let interpreter = interpreter.to_string();
    let args = parts.map(str::to_string).collect();
    Some(Shebang { interpreter, args })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_interpreter() {
        let s = parse_shebang(b"#!/usr/bin/python2\nprint 1\n").unwrap();
        assert_eq!(s.interpreter, "/usr/bin/python2");
        assert!(s.args.is_empty());
        assert_eq!(s.program(), Some("/usr/bin/python2"));
        assert!(!s.uses_env());
    }

    #[test]
    fn env_with_arguments_kept_apart() {
        let s = parse_shebang(b"#! /usr/bin/env  python3 -u\r\n").unwrap();
        assert_eq!(s.interpreter, "/usr/bin/env");
        assert_eq!(s.args, vec!["python3", "-u"]);
        assert_eq!(s.program(), Some("python3"));
        let s = parse_shebang(b"#!/usr/bin/env -S VAR=1 perl -w\n").unwrap();
        assert_eq!(s.program(), Some("perl"));
        let s = parse_shebang(b"#!/bin/sh -e\n").unwrap();
        assert_eq!(s.args, vec!["-e"]);
    }

    #[test]
    fn not_a_shebang() {
        assert!(parse_shebang(b"#!\n").is_none());
        assert!(parse_shebang(b"#!   \n").is_none());
        assert!(parse_shebang(b"# comment").is_none());
        assert!(parse_shebang(b"#![allow(dead_code)]\n").is_none());
        let s = parse_shebang(b"#!/usr/bin/env\n").unwrap();
        assert_eq!(s.program(), None);
    }
}
