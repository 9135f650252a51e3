//! The ELF parser against the shared real-world corpus (`$AZL_COMPAT_CORPORA`, else
//! `../shared/corpora`): facts compared with binutils readelf's, recorded in
//! `MANIFEST.tsv`, and a no-panic check over thousands of deterministic mutations.

mod common;
use common::corpora_dir;

use azl_compat::inventory::elf::{self, ElfClass, ElfInfo, ElfType};
use std::collections::{BTreeSet, HashMap};
use std::fs;
use std::panic;
use std::path::Path;
use std::time::Instant;

struct Row {
    file: String,
    kind: String,
    tool_count: String,
    notes: String,
}

fn elf_rows(dir: &Path) -> Vec<Row> {
    let text = fs::read_to_string(dir.join("MANIFEST.tsv")).expect("read MANIFEST.tsv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines
        .next()
        .expect("MANIFEST.tsv header")
        .split('\t')
        .collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("MANIFEST.tsv has no column {name}"))
    };
    let (file, kind, count, notes) = (
        col("file"),
        col("kind"),
        col("tool_count"),
        col("tool_notes"),
    );
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split('\t').collect::<Vec<_>>())
        .filter(|f| f.get(kind).is_some_and(|k| k.starts_with("elf")))
        .map(|f| Row {
            file: f[file].to_string(),
            kind: f[kind].to_string(),
            tool_count: f.get(count).unwrap_or(&"").to_string(),
            notes: f.get(notes).unwrap_or(&"").to_string(),
        })
        .collect()
}

/// `key=value` pairs of the notes, and the bare words (e.g. `RPATH`, `RUNPATH`).
fn parse_notes(notes: &str) -> (HashMap<String, String>, BTreeSet<String>) {
    let mut kv = HashMap::new();
    let mut words = BTreeSet::new();
    for part in notes.split(';') {
        let part = part.trim();
        if let Some((k, v)) = part.split_once('=') {
            kv.insert(k.trim().to_string(), v.trim().to_string());
        } else {
            words.extend(part.split_whitespace().map(str::to_string));
        }
    }
    (kv, words)
}

/// Whether the file has no section header table (read straight from the ELF header).
fn has_no_section_headers(data: &[u8]) -> bool {
    let is64 = data.get(4) == Some(&2);
    let be = data.get(5) == Some(&2);
    let num = |off: usize, len: usize| -> u64 {
        let Some(b) = data.get(off..off + len) else {
            return 0;
        };
        let mut v = 0u64;
        for i in 0..len {
            let byte = if be { b[i] } else { b[len - 1 - i] };
            v = (v << 8) | u64::from(byte);
        }
        v
    };
    let (shoff, shnum) = if is64 {
        (num(40, 8), num(60, 2))
    } else {
        (num(32, 4), num(48, 2))
    };
    shoff == 0 || shnum == 0
}

/// readelf 2.40 `-V` reads version information from section headers only, so for files
/// without them it reports none even though the dynamic segment has `DT_VERNEED`. Our
/// parser reads `DT_VERNEED` as the loader does; these counts were checked by hand
/// against `readelf -d` (`VERNEEDNUM`) and a decode of the table bytes.
const SECTIONLESS_VERNEED_AUX: &[(&str, usize)] = &[
    // Same program as `base` (readelf -V there: libc.so.6 GLIBC_2.2.5), sections stripped.
    ("elf/gimli-rs__object-testfiles/elf/base-strip", 1),
    // VERNEEDNUM 1: libc.so.6, vn_cnt 1, GLIBC_2.17.
    (
        "elf/eliben__pyelftools/test/testfiles_for_unittests/aarch64_super_stripped.elf",
        1,
    ),
];

fn type_name(t: ElfType) -> &'static str {
    match t {
        ElfType::Exec => "EXEC",
        ElfType::Dyn => "DYN",
        ElfType::Rel => "REL",
        ElfType::Core => "CORE",
        ElfType::Other => "NONE",
    }
}

fn check_row(dir: &Path, row: &Row, mismatches: &mut Vec<String>) {
    let path = dir.join(&row.file);
    let name = &row.file;
    let mut miss = |what: String| mismatches.push(format!("{name}: {what}"));
    let file = match fs::File::open(&path) {
        Ok(f) => f,
        Err(e) => return miss(format!("cannot open: {e}")),
    };
    let bytes = fs::read(&path).expect("read corpus file");
    let from_file = elf::parse_file(&file);
    let from_bytes = elf::parse(&bytes);
    if from_file != from_bytes {
        miss(format!(
            "parse_file and parse disagree: {from_file:?} vs {from_bytes:?}"
        ));
    }
    let refused = row.tool_count.trim() == "ERROR" || row.notes.contains("ERROR");
    let info: ElfInfo = match (from_file, refused) {
        (Err(_), true) => return,
        (Ok(info), true) => return miss(format!("readelf refused it but we parsed {info:?}")),
        (Err(e), false) => return miss(format!("parse failed: {e}")),
        (Ok(info), false) => info,
    };
    let (kv, words) = parse_notes(&row.notes);

    match row.tool_count.trim().parse::<usize>() {
        Ok(n) if n == info.needed.len() => {}
        Ok(n) => miss(format!(
            "DT_NEEDED count {} (readelf {n}): {:?}",
            info.needed.len(),
            info.needed
        )),
        Err(_) => miss(format!("bad tool_count {:?}", row.tool_count)),
    }
    if let Some(class) = kv.get("class") {
        let ours = match info.class {
            ElfClass::Elf32 => "ELF32",
            ElfClass::Elf64 => "ELF64",
        };
        if ours != class {
            miss(format!("class {ours} (readelf {class})"));
        }
    }
    if let Some(t) = kv.get("type")
        && type_name(info.elf_type) != t
    {
        miss(format!("type {:?} (readelf {t})", info.elf_type));
    }
    if let Some(interp) = kv.get("interp") {
        let ours = info.interpreter.as_deref().unwrap_or("-");
        if ours != interp {
            miss(format!("interp {ours:?} (readelf {interp:?})"));
        }
    }
    if let Some(aux) = kv.get("verneed_aux") {
        let ours: usize = info.version_needs.iter().map(|n| n.versions.len()).sum();
        let known = SECTIONLESS_VERNEED_AUX.iter().find(|(f, _)| f == name);
        let expected = match (known, has_no_section_headers(&bytes)) {
            (Some((_, n)), true) => n.to_string(),
            (Some(_), false) => {
                miss("listed as section-less but has section headers".into());
                aux.clone()
            }
            (None, true) if ours != 0 && aux == "0" => {
                return miss(format!(
                    "section-less file with {ours} DT_VERNEED aux entries (readelf -V cannot \
                     see them): verify and add to SECTIONLESS_VERNEED_AUX"
                ));
            }
            (None, _) => aux.clone(),
        };
        if ours.to_string() != expected {
            miss(format!(
                "verneed_aux {ours} (expected {expected}): {:?}",
                info.version_needs
            ));
        }
    }
    for (word, value) in [("RPATH", &info.rpath), ("RUNPATH", &info.runpath)] {
        if words.contains(word) != value.is_some() {
            miss(format!(
                "{word} {value:?} but readelf {} one",
                if words.contains(word) {
                    "shows"
                } else {
                    "does not show"
                }
            ));
        }
    }
    if row.kind == "elf-rel" && (info.dynamic || !info.needed.is_empty()) {
        miss("relocatable object with dynamic info".into());
    }
}

#[test]
fn corpus_elf_facts_match_readelf() {
    let Some(dir) = corpora_dir() else { return };
    let rows = elf_rows(&dir);
    assert!(!rows.is_empty(), "no ELF rows in MANIFEST.tsv");
    let mut mismatches = Vec::new();
    for row in &rows {
        check_row(&dir, row, &mut mismatches);
    }
    assert!(
        mismatches.is_empty(),
        "{} mismatch(es) over {} ELF files:\n{}",
        mismatches.len(),
        rows.len(),
        mismatches.join("\n")
    );
    eprintln!("{} corpus ELF files match readelf", rows.len());
}

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// File ranges worth mutating: the ELF header, the program header table, and the
/// segments the parser follows (PT_INTERP, PT_DYNAMIC), decoded here independently.
fn hot_ranges(data: &[u8]) -> Vec<(usize, usize)> {
    let is64 = data.get(4) == Some(&2);
    let be = data.get(5) == Some(&2);
    let num = |off: usize, len: usize| -> usize {
        let Some(b) = data.get(off..off.saturating_add(len)) else {
            return 0;
        };
        let mut v = 0u64;
        for i in 0..len {
            let byte = if be { b[i] } else { b[len - 1 - i] };
            v = (v << 8) | u64::from(byte);
        }
        usize::try_from(v).unwrap_or(usize::MAX)
    };
    let ehsize = if is64 { 64 } else { 52 };
    let mut ranges = vec![(0, ehsize.min(data.len()))];
    let (phoff, phentsize, phnum) = if is64 {
        (num(32, 8), num(54, 2), num(56, 2))
    } else {
        (num(28, 4), num(42, 2), num(44, 2))
    };
    let table_end = phoff.saturating_add(phentsize.saturating_mul(phnum));
    if phoff > 0 && phentsize > 0 && table_end <= data.len() {
        ranges.push((phoff, table_end));
        for i in 0..phnum {
            let p = phoff + i * phentsize;
            let (ptype, off, filesz) = if is64 {
                (num(p, 4), num(p + 8, 8), num(p + 32, 8))
            } else {
                (num(p, 4), num(p + 4, 4), num(p + 16, 4))
            };
            if (ptype == 2 || ptype == 3) && off < data.len() {
                ranges.push((off, off.saturating_add(filesz).min(data.len())));
            }
        }
    }
    ranges.retain(|(a, b)| a < b);
    ranges
}

/// Parse under `catch_unwind`; a panic is recorded as a failure. Returns the outcome.
fn must_not_panic(
    data: &[u8],
    what: &dyn Fn() -> String,
    failures: &mut Vec<String>,
) -> Option<Result<ElfInfo, elf::ElfError>> {
    let outcome = panic::catch_unwind(|| elf::parse(data)).ok();
    if outcome.is_none() {
        failures.push(what());
    }
    outcome
}

#[test]
fn corpus_elf_mutations_do_not_panic() {
    let Some(dir) = corpora_dir() else { return };
    let rows = elf_rows(&dir);
    let start = Instant::now();
    let mut failures = Vec::new();
    let (mut flips, mut truncations) = (0usize, 0usize);
    // How the mutated inputs came out: rejected, or accepted with different facts.
    let (mut rejected, mut changed) = (0usize, 0usize);
    for row in &rows {
        let original = fs::read(dir.join(&row.file)).expect("read corpus file");
        let mut data = original.clone();
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15
            ^ row
                .file
                .bytes()
                .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b))));
        let hot = hot_ranges(&original);
        let baseline = elf::parse(&original);
        let front = original.len().min(64 * 1024);

        // Byte-level mutations, mostly in the structures the parser reads.
        for round in 0..200 {
            let (lo, hi) = match rng.below(4) {
                0 | 1 if !hot.is_empty() => hot[rng.below(hot.len())],
                2 if !hot.is_empty() => hot[0],
                _ => (0, front),
            };
            let mut touched = Vec::new();
            for _ in 0..1 + rng.below(4) {
                let at = lo + rng.below(hi - lo);
                let width = [1, 2, 4, 8][rng.below(4)];
                let at = at - at % width;
                let value: u64 = match rng.below(6) {
                    0 => 0,
                    1 => u64::MAX,
                    2 => original.len() as u64 - rng.below(16) as u64,
                    3 => 0x7fff_ffff,
                    4 => rng.next() % 0x1_0000,
                    _ => rng.next(),
                };
                for (i, b) in value.to_le_bytes().iter().take(width).enumerate() {
                    if let Some(slot) = data.get_mut(at + i) {
                        touched.push(at + i);
                        *slot = if width == 1 && rng.below(2) == 0 {
                            *slot ^ (1 << rng.below(8))
                        } else {
                            *b
                        };
                    }
                }
            }
            flips += 1;
            match must_not_panic(
                &data,
                &|| format!("{} mutation round {round} at {touched:?}", row.file),
                &mut failures,
            ) {
                Some(Err(_)) => rejected += 1,
                Some(result) if result != baseline => changed += 1,
                _ => {}
            }
            for i in touched {
                data[i] = original[i];
            }
        }

        // Truncations at every 64-byte boundary.
        for n in (0..original.len()).step_by(64) {
            truncations += 1;
            must_not_panic(
                &original[..n],
                &|| format!("{} truncated to {n} bytes", row.file),
                &mut failures,
            );
        }
    }
    assert!(
        failures.is_empty(),
        "parse panicked on {} input(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!(
        "{} files: {flips} mutated ({rejected} rejected, {changed} read differently) and \
         {truncations} truncated inputs parsed without panic in {:?}",
        rows.len(),
        start.elapsed()
    );
}
