//! Block tallies kept apart and folded in block order give exactly the one-machine
//! tally, whatever the split into shards and the thread count.

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
