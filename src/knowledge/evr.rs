//! RPM version comparison (the `rpmvercmp` algorithm), used to pick between two binary packages
//! of the same name built from different components.

use std::cmp::Ordering;

/// Compare two version (or release) strings the way rpm does: alternating numeric and alphabetic
/// segments, separators ignored, `~` sorts before anything (pre-releases), `^` after the base
/// version but before any further segment (post-release snapshots).
pub fn rpmvercmp(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    let is_sep = |c: u8| !c.is_ascii_alphanumeric() && c != b'~' && c != b'^';
    loop {
        while a.first().is_some_and(|&c| is_sep(c)) {
            a = &a[1..];
        }
        while b.first().is_some_and(|&c| is_sep(c)) {
            b = &b[1..];
        }
        let (fa, fb) = (a.first().copied(), b.first().copied());
        if fa == Some(b'~') || fb == Some(b'~') {
            if fa != Some(b'~') {
                return Ordering::Greater;
            }
            if fb != Some(b'~') {
                return Ordering::Less;
            }
            a = &a[1..];
            b = &b[1..];
            continue;
        }
        if fa == Some(b'^') || fb == Some(b'^') {
            if a.is_empty() {
                return Ordering::Less;
            }
            if b.is_empty() {
                return Ordering::Greater;
            }
            if fa != Some(b'^') {
                return Ordering::Greater;
            }
            if fb != Some(b'^') {
                return Ordering::Less;
            }
            a = &a[1..];
            b = &b[1..];
            continue;
        }
        if a.is_empty() || b.is_empty() {
            break;
        }
        let numeric = a[0].is_ascii_digit();
        let class = |c: &u8| {
            if numeric {
                c.is_ascii_digit()
            } else {
                c.is_ascii_alphabetic()
            }
        };
        let la = a.iter().take_while(|c| class(c)).count();
        let lb = b.iter().take_while(|c| class(c)).count();
        let (sa, sb) = (&a[..la], &b[..lb]);
        a = &a[la..];
        b = &b[lb..];
        if sb.is_empty() {
            // Segments of different types: numeric is newer.
            return if numeric {
                Ordering::Greater
            } else {
                Ordering::Less
            };
        }
        let ord = if numeric {
            let ta = trim_zeros(sa);
            let tb = trim_zeros(sb);
            ta.len().cmp(&tb.len()).then_with(|| ta.cmp(tb))
        } else {
            sa.cmp(sb)
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    match (a.is_empty(), b.is_empty()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        _ => Ordering::Greater,
    }
}

fn trim_zeros(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|&&c| c == b'0').count();
    &s[n..]
}

/// Compare `epoch:version-release` triples.
pub fn evr_cmp(a: (u32, &str, &str), b: (u32, &str, &str)) -> Ordering {
    a.0.cmp(&b.0)
        .then_with(|| rpmvercmp(a.1, b.1))
        .then_with(|| rpmvercmp(a.2, b.2))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Ordering::*;

    #[test]
    fn rpm_ordering() {
        let cases = [
            ("1.0", "1.0", Equal),
            ("1.0", "2.0", Less),
            ("2.13.2", "2.9.1", Greater),
            ("1.0a", "1.0", Greater),
            ("1.0", "1.0a", Less),
            ("1.0~rc1", "1.0", Less),
            ("1.0^git1", "1.0", Greater),
            ("1.0^git1", "1.0.1", Less),
            ("010", "10", Equal),
            ("1.a", "1.1", Less),
            ("28.4", "26.4", Greater),
            ("30.azl4", "4.azl4", Greater),
        ];
        for (a, b, want) in cases {
            assert_eq!(rpmvercmp(a, b), want, "{a} vs {b}");
            assert_eq!(rpmvercmp(b, a), want.reverse(), "{b} vs {a}");
        }
        assert_eq!(evr_cmp((1, "1.0", "1"), (0, "9.0", "1")), Greater);
    }
}
