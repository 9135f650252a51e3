//! File names and ELF strings are bytes; the inventory keeps them as `String`s in one escaped
//! form, so that matching is byte-exact and nothing becomes U+FFFD.
//!
//! A name that is valid UTF-8 is kept as it is. A name that is not is written with every byte
//! outside a valid UTF-8 sequence as `\xHH` (two lowercase hex digits) and every backslash as
//! `\x5c`, the rest as it is. To get the bytes back ([`to_bytes`]): replace every `\xHH` by the
//! byte HH; if the result is not valid UTF-8, that is the name, otherwise the string itself is.
//! The one ambiguity: a UTF-8 name that itself spells such an escape of an invalid sequence
//! (a literal backslash, `x`, `ff`) reads back as the bytes. The JSON report carries this form
//! (docs/json-report.md, "Names that are not UTF-8").

use std::ffi::OsStr;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::PathBuf;

/// The escaped form of a name.
pub fn from_bytes(b: &[u8]) -> String {
    if let Ok(s) = std::str::from_utf8(b) {
        return s.to_string();
    }
    let mut out = String::with_capacity(b.len() + 8);
    for chunk in b.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c == '\\' {
                out.push_str("\\x5c");
            } else {
                out.push(c);
            }
        }
        for byte in chunk.invalid() {
            out.push_str(&format!("\\x{byte:02x}"));
        }
    }
    out
}

/// The escaped form of an OS string (a file name or path).
pub fn from_os(s: &OsStr) -> String {
    from_bytes(s.as_bytes())
}

/// The bytes of a name in the escaped form (see the module documentation).
pub fn to_bytes(s: &str) -> Vec<u8> {
    if !s.contains("\\x") {
        return s.as_bytes().to_vec();
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\'
            && b.get(i + 1) == Some(&b'x')
            && let Some(v) = b.get(i + 2..i + 4).and_then(hex_pair)
        {
            out.push(v);
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    if std::str::from_utf8(&out).is_ok() {
        s.as_bytes().to_vec()
    } else {
        out
    }
}

/// The path a name in the escaped form stands for.
pub fn to_path(s: &str) -> PathBuf {
    PathBuf::from(std::ffi::OsString::from_vec(to_bytes(s)))
}

fn hex_pair(p: &[u8]) -> Option<u8> {
    let d = |c: u8| (c as char).to_digit(16);
    Some((d(p[0])? * 16 + d(p[1])?) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_names_are_kept_as_they_are() {
        for n in ["libz.so.1", "café", "dev-disk-by\\x2duuid.swap", "a\\b"] {
            assert_eq!(from_bytes(n.as_bytes()), n);
            assert_eq!(to_bytes(n), n.as_bytes());
        }
    }

    #[test]
    fn other_bytes_are_escaped_and_come_back() {
        let cases: &[&[u8]] = &[
            b"libq\xff.so.1",
            b"libq\xfe.so.1",
            b"\xc3",
            b"a\\b\xff",
            b"a\\x41\xff",
            b"\x80\x81caf\xc3\xa9",
        ];
        let mut seen = std::collections::HashSet::new();
        for &c in cases {
            let s = from_bytes(c);
            assert!(!s.contains('\u{fffd}'), "{s}");
            assert_eq!(to_bytes(&s), c, "{s}");
            assert!(seen.insert(s));
        }
        assert_eq!(from_bytes(b"libq\xff.so.1"), "libq\\xff.so.1");
        assert_eq!(from_bytes(b"a\\b\xff"), "a\\x5cb\\xff");
        assert_eq!(
            to_path("/opt/libq\\xff.so.1").as_os_str().as_bytes(),
            b"/opt/libq\xff.so.1"
        );
    }
}
