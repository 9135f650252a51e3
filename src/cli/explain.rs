//! `azl-compat explain NAME`: finding codes and difference ids, matched case-insensitively
//! (`_` counts as `-`); an unknown name suggests the nearest known ones.

use azl_compat::findings::Code;
use azl_compat::knowledge::differences::{self, Difference};

/// What a name given to `explain` is.
pub enum Explained {
    Code(Code),
    Difference(&'static Difference),
}

/// Look `name` up, or say it is unknown and suggest the nearest names.
pub fn lookup(name: &str) -> Result<Explained, String> {
    let key = name.trim().to_ascii_lowercase().replace('_', "-");
    if let Some(d) = differences::ALL
        .iter()
        .find(|d| d.id.eq_ignore_ascii_case(&key))
    {
        return Ok(Explained::Difference(d));
    }
    if let Some(c) = Code::ALL.iter().find(|c| c.as_str() == key) {
        return Ok(Explained::Code(*c));
    }
    let near = nearest(&key);
    let hint = if near.is_empty() {
        "`azl-compat explain` lists every code".to_string()
    } else {
        format!(
            "did you mean {}? (`azl-compat explain` lists every code)",
            near.iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    Err(format!(
        "unknown finding code or difference id `{name}`: {hint}"
    ))
}

/// Up to three known names nearest to `key`: by edit distance (within a third of the longer
/// name), and names containing `key` (or contained in it) when it is at least 4 letters long.
fn nearest(key: &str) -> Vec<&'static str> {
    let names = Code::ALL
        .iter()
        .map(|c| c.as_str())
        .chain(differences::ALL.iter().map(|d| d.id));
    let mut scored: Vec<(usize, &'static str)> = names
        .filter_map(|n| {
            let d = distance(key, n);
            let contains = key.len() >= 4 && (n.contains(key) || key.contains(n));
            let close = d * 3 <= key.len().max(n.len());
            (close || contains).then_some((if close { d } else { usize::MAX / 2 + d }, n))
        })
        .collect();
    scored.sort();
    scored.into_iter().take(3).map(|(_, n)| n).collect()
}

/// Levenshtein distance in bytes (names are ASCII).
fn distance(a: &str, b: &str) -> usize {
    let b = b.as_bytes();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.bytes().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, &cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_matched_case_insensitively() {
        for name in [
            "ELF-LIBRARY-MISSING",
            "Elf_Library_Missing",
            " elf-library-missing ",
        ] {
            match lookup(name) {
                Ok(Explained::Code(c)) => assert_eq!(c, Code::ElfLibraryMissing),
                _ => panic!("{name} not found"),
            }
        }
    }

    #[test]
    fn difference_ids_are_matched_case_insensitively() {
        let d = &differences::ALL[0];
        match lookup(&d.id.to_ascii_uppercase()) {
            Ok(Explained::Difference(got)) => assert_eq!(got.id, d.id),
            _ => panic!("{} not found", d.id),
        }
    }

    #[test]
    fn an_unknown_code_suggests_the_nearest() {
        let Err(e) = lookup("elf-libary-missing") else {
            panic!("a misspelt code was accepted")
        };
        assert!(e.contains("did you mean `elf-library-missing`"), "{e}");
        // A fragment suggests the codes that contain it.
        let Err(e) = lookup("glibc-private") else {
            panic!("a fragment was accepted")
        };
        assert!(e.contains("`elf-glibc-private`"), "{e}");
        // Nonsense suggests nothing but says where the list is.
        let Err(e) = lookup("zzzzzzzzzzzzzzzzzzzz") else {
            panic!("nonsense was accepted")
        };
        assert!(!e.contains("did you mean"), "{e}");
        assert!(e.contains("`azl-compat explain` lists every code"), "{e}");
    }

    #[test]
    fn distance_counts_edits() {
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("abc", "abc"), 0);
    }
}
