//! Replays the shard reader's fuzzing corpus (fuzz/corpus/shard, kept in the
//! repository) and its seeds (fuzz/seeds/shard) through the same oracle as the
//! cargo-fuzz target (fuzz/fuzz_targets/shard_oracle.rs), so that every input that
//! once crashed or hung the reader stays fixed without libFuzzer. (An input that hangs
//! again hangs this test; speed is not timed here.)

use std::path::{Path, PathBuf};

#[path = "../../fuzz/fuzz_targets/shard_oracle.rs"]
mod shard_oracle;

fn inputs(dir: &str, at_least: usize) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz")
        .join(dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(
        files.len() >= at_least,
        "{}: only {} inputs",
        dir.display(),
        files.len()
    );
    files
}

#[test]
fn the_shard_corpus_reads_or_is_refused_without_panics() {
    let mut files = inputs("seeds/shard", 4);
    files.extend(inputs("corpus/shard", 10));
    for file in files {
        let data = std::fs::read(&file).unwrap();
        let outcome = std::panic::catch_unwind(|| shard_oracle::shard_input(&data));
        assert!(outcome.is_ok(), "{} panics", file.display());
    }
}

/// The seeds written by plansim are accepted as they are (so the fuzzer starts from
/// shards that get past every check, not only from refusals).
#[test]
fn the_seed_shards_are_accepted() {
    use plansim_analysis::shard::rounds::RoundsData;
    use plansim_analysis::shard::{RunData, Shard, ShardKey};
    let key = ShardKey::new(b"plansim-fuzz-shard-key".to_vec()).unwrap();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/seeds/shard");
    let read = |name: &str| std::fs::read(dir.join(name)).unwrap();
    for name in ["run-1-of-1.json", "run-1-of-2-empty.json"] {
        Shard::<RunData>::parse(&read(name), name, None).unwrap();
    }
    Shard::<RunData>::parse(&read("run-2-of-2-keyed.json"), "keyed", Some(&key)).unwrap();
    Shard::<RoundsData>::parse(&read("rounds-1-of-1.json"), "rounds", None).unwrap();
}
