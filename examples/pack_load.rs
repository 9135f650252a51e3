//! How long the knowledge packs take to load (a benchmark that prints figures, not a test).
//!
//! `cargo run --release --example pack_load [RUNS]` parses every embedded pack RUNS times
//! (default 20) as `Pack::builtin_by_id` does once per process (`Pack::parse_deferred`) and with
//! every table (`Pack::parse`), loads the same pack from its directory, and applies a profile;
//! prints min / median / max in milliseconds. The figures are recorded in docs/performance.md
//! ("Knowledge pack load time").

use azl_compat::knowledge::{Pack, builtin_contents};
use std::path::Path;
use std::time::Instant;

fn stats(label: &str, mut ms: Vec<f64>) {
    ms.sort_by(f64::total_cmp);
    println!(
        "{label:<44} min {:>6.1}  median {:>6.1}  max {:>6.1} ms",
        ms[0],
        ms[ms.len() / 2],
        ms[ms.len() - 1]
    );
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> Vec<f64> {
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            let value = std::hint::black_box(f());
            let ms = t.elapsed().as_secs_f64() * 1e3;
            drop(value); // freeing a pack is not part of loading it
            ms
        })
        .collect()
}

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20)
        .max(1);
    println!(
        "{} build, {runs} runs, {} threads available",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    let t = Instant::now();
    let first = Pack::builtin();
    println!(
        "{:<44} {:>6.1} ms",
        "first Pack::builtin() (parse, once)",
        t.elapsed().as_secs_f64() * 1e3
    );
    let t = Instant::now();
    let _ = Pack::builtin();
    println!(
        "{:<44} {:>6.4} ms",
        "later Pack::builtin() calls",
        t.elapsed().as_secs_f64() * 1e3
    );
    for id in Pack::targets() {
        let contents = builtin_contents(id).expect("embedded");
        let origin = format!("builtin:{id}");
        stats(
            &format!("{id}: Pack::parse_deferred (as builtin)"),
            time(runs, || {
                Pack::parse_deferred(&origin, &contents).expect("parse")
            }),
        );
        stats(
            &format!("{id}: Pack::parse (every table)"),
            time(runs, || Pack::parse(&origin, &contents).expect("parse")),
        );
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("knowledge")
            .join(id);
        stats(
            &format!("{id}: Pack::load (directory)"),
            time(runs, || Pack::load(&dir).expect("load")),
        );
        if let Some(profile) = Pack::builtin_by_id(id).and_then(|p| p.profiles().next()) {
            let name = profile.name.clone();
            stats(
                &format!("{id}:{name}: parse + with_profile"),
                time(runs, || {
                    Pack::parse_deferred(&origin, &contents)
                        .expect("parse")
                        .with_profile(&name)
                        .expect("profile")
                }),
            );
        }
    }
    assert!(!first.id.is_empty());
}
