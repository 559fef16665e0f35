//! Block tallies kept apart and folded in block order give exactly the one-machine
//! tally, whatever the split into shards and the thread count; shard files written
//! and merged through the library give it too.

use plansim_analysis::shard::encoding::{fold, shard_blocks, EncodedBlock};
use plansim_sim::engine::{self, RunTally};
use plansim_sim::model::Model;
use plansim_sim::scenario::default_scenario;

/// Every number of a tally, bit for bit (NaN included), for comparisons.
fn bits(t: &RunTally) -> EncodedBlock {
    EncodedBlock::encode(0, t)
}

#[test]
fn folding_any_split_of_block_tallies_equals_run_blocks() {
    let valid = default_scenario()
        .with_changes(|s| {
            s.team.size = 6;
            s.simulation.periods = 4;
        })
        .unwrap();
    let model = Model::new(&valid);
    let solved = engine::solve(&model);
    let replications = 5 * engine::BLOCK_SIZE + 17;
    let blocks = engine::block_count(replications);
    let whole = engine::run_blocks(&model, &solved, 3, replications, 0..blocks, &|_| {});
    assert_eq!(whole.replications(), replications);
    for (n, threads) in [(1, 1), (2, 2), (4, 1), (6, 2), (9, 2)] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let parts: Vec<RunTally> = (0..n)
            .flat_map(|k| {
                let range = shard_blocks(blocks, k, n);
                pool.install(|| {
                    engine::run_block_tallies(&model, &solved, 3, replications, range, &|_| {})
                })
            })
            .collect();
        assert_eq!(parts.len() as u64, blocks);
        assert_eq!(bits(&fold(&model, &parts)), bits(&whole), "{n} shards");
    }
    // Folding shard totals instead of blocks agrees only to rounding (Chan merges are not
    // associative in floating point): the reason shards keep their blocks apart.
    let halves: Vec<RunTally> = (0..2)
        .map(|k| {
            let range = shard_blocks(blocks, k, 2);
            engine::run_blocks(&model, &solved, 3, replications, range, &|_| {})
        })
        .collect();
    let total = fold(&model, &halves);
    assert_eq!(total.replications(), replications);
    let first = |t: &RunTally| t.plan.moments(0).mean;
    assert!((first(&total) - first(&whole)).abs() <= 1e-9 * first(&whole).abs());
}

/// A run split into shard files and merged back through the library (no command
/// line) gives the one-machine tally bit for bit; the same shard twice and a missing
/// one are refused with the error that says so.
#[test]
fn shard_files_merge_into_the_whole_run_and_bad_sets_are_refused() {
    use plansim_analysis::shard::encoding::ShardSlice;
    use plansim_analysis::shard::merge::ShardSet;
    use plansim_analysis::shard::{RunData, ShardError, ShardFile};

    let valid = default_scenario()
        .with_changes(|s| {
            s.team.size = 5;
            s.simulation.periods = 3;
        })
        .unwrap();
    let model = Model::new(&valid);
    let solved = engine::solve(&model);
    let (seed, replications) = (5, 3 * engine::BLOCK_SIZE + 9);
    let whole = engine::run_blocks(
        &model,
        &solved,
        seed,
        replications,
        0..engine::block_count(replications),
        &|_| {},
    );
    let dir = std::env::temp_dir().join(format!("plansim-analysis-shards-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let paths: Vec<std::path::PathBuf> = (1..=3)
        .map(|k| {
            let slice = ShardSlice::new(replications, k, 3);
            let tallies = engine::run_block_tallies(
                &model,
                &solved,
                seed,
                replications,
                slice.blocks.clone(),
                &|_| {},
            );
            let file =
                ShardFile::of_run(&valid, seed, replications, (k, 3), slice.blocks, &tallies);
            let path = dir.join(format!("s{k}.json"));
            std::fs::write(&path, file.to_bytes()).unwrap();
            path
        })
        .collect();
    // In any order.
    let shuffled = vec![paths[2].clone(), paths[0].clone(), paths[1].clone()];
    let merged = ShardSet::<RunData>::read(&shuffled).unwrap();
    assert_eq!(merged.scenario().unwrap().to_toml(), valid.to_toml());
    assert_eq!(bits(&merged.tally(&model).unwrap()), bits(&whole));
    let twice = vec![
        paths[0].clone(),
        paths[1].clone(),
        paths[1].clone(),
        paths[2].clone(),
    ];
    assert!(matches!(
        ShardSet::<RunData>::read(&twice),
        Err(ShardError::Twice {
            shard: 2,
            shards: 3,
            ..
        })
    ));
    let missing = ShardSet::<RunData>::read(&paths[..2]).err().unwrap();
    assert!(
        missing.to_string().contains("are in no shard given"),
        "{missing}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
