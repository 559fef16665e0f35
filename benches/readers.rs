//! Criterion benchmark of the scenario and roster readers on the fuzzing corpus
//! (fuzz/corpus): the time to read, validate and re-read every input, as
//! `sim/tests/fuzz_corpus.rs` replays them. An input that once made a reader slow
//! shows up here as a jump, where a timed test would flake on a busy machine.

use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, Criterion};

use plansim_sim::scenario::{parse_and_validate_with_roster, read_roster, write_roster};

/// The corpus inputs of a fuzz target, in name order.
fn corpus(target: &str) -> Vec<Vec<u8>> {
    let dir: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .collect();
    files.sort();
    files
        .iter()
        .map(|f| std::fs::read(f).expect("a corpus file"))
        .collect()
}

/// Reads a scenario input as the fuzz target does (roster after the first NUL) and
/// re-reads what it resolves to.
fn scenario_input(data: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(data) else {
        return false;
    };
    let (scenario, roster) = match text.split_once('\0') {
        Some((s, r)) => (s, Some(r)),
        None => (text, None),
    };
    match parse_and_validate_with_roster(scenario, "bench", roster) {
        Ok(valid) => {
            parse_and_validate_with_roster(&valid.to_toml(), "bench", valid.roster_csv().as_deref())
                .is_ok()
        }
        Err(_) => false,
    }
}

/// Reads a roster input and re-reads what it writes.
fn roster_input(data: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(data) else {
        return false;
    };
    read_roster(text).is_ok_and(|reps| read_roster(&write_roster(&reps)).is_ok())
}

fn readers(c: &mut Criterion) {
    let scenarios = corpus("scenario");
    let rosters = corpus("roster");
    let mut group = c.benchmark_group("readers");
    group.sample_size(10);
    group.bench_function(format!("scenario_corpus_{}_inputs", scenarios.len()), |b| {
        b.iter(|| scenarios.iter().filter(|d| scenario_input(d)).count())
    });
    group.bench_function(format!("roster_corpus_{}_inputs", rosters.len()), |b| {
        b.iter(|| rosters.iter().filter(|d| roster_input(d)).count())
    });
    group.finish();
}

criterion_group!(benches, readers);
criterion_main!(benches);
