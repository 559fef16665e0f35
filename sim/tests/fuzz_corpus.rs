//! Replays the fuzzing corpus (fuzz/corpus, kept in the repository) through the
//! same functions and checks as the cargo-fuzz targets (fuzz/fuzz_targets), so that
//! every input that once crashed or hung the readers stays fixed without libFuzzer.
//! (An input that hangs again hangs this test; how fast the readers get through the
//! corpus is measured by `cargo bench --bench readers`, not timed here.)

use std::path::{Path, PathBuf};

use plansim_sim::scenario::parse_and_validate_with_roster;

#[path = "../../fuzz/fuzz_targets/roster_oracle.rs"]
mod roster_oracle;
use roster_oracle::roster_input;

fn corpus(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(
        files.len() >= 10,
        "{}: only {} inputs",
        dir.display(),
        files.len()
    );
    files
}

/// The scenario target: text before the first NUL is the scenario, after it the roster.
fn scenario_input(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (scenario, roster) = match text.split_once('\0') {
        Some((s, r)) => (s, Some(r)),
        None => (text, None),
    };
    if let Ok(valid) = parse_and_validate_with_roster(scenario, "fuzz", roster) {
        let again =
            parse_and_validate_with_roster(&valid.to_toml(), "fuzz", valid.roster_csv().as_deref());
        assert!(
            again.is_ok(),
            "resolved scenario does not validate: {again:?}"
        );
    }
}

/// The roster target.
fn replay(target: &str, run: fn(&[u8])) {
    for file in corpus(target) {
        let data = std::fs::read(&file).unwrap();
        let outcome = std::panic::catch_unwind(|| run(&data));
        assert!(outcome.is_ok(), "{} panics", file.display());
    }
}

#[test]
fn the_scenario_corpus_parses_or_is_refused_without_panics() {
    replay("scenario", scenario_input);
}

#[test]
fn the_roster_corpus_reads_or_is_refused_without_panics() {
    replay("roster", roster_input);
}
