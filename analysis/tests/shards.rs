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

/// A sketched run (what `plansim run` keeps without `--out` or `--report`) has the
/// moments of the run that keeps every value, bit for bit, and the same quantiles,
/// for any thread count and any split into shards folded into a sketched tally.
#[test]
fn a_sketched_run_equals_the_run_keeping_values_for_any_threads_and_split() {
    use plansim_sim::engine::metrics::N_METRICS;
    let valid = default_scenario()
        .with_changes(|s| {
            s.team.size = 6;
            s.simulation.periods = 4;
        })
        .unwrap();
    let model = Model::new(&valid);
    let solved = engine::solve(&model);
    let replications = 7 * engine::BLOCK_SIZE + 5;
    let blocks = engine::block_count(replications);
    let whole = engine::run_blocks(&model, &solved, 5, replications, 0..blocks, &|_| {});
    let summaries = |t: &RunTally| -> Vec<[u64; 7]> {
        [&t.plan, &t.baseline, &t.difference]
            .iter()
            .flat_map(|x| (0..N_METRICS).map(move |i| x.summary(i)))
            .map(|s| {
                [
                    s.mean,
                    s.std_err,
                    s.ci95_low,
                    s.ci95_high,
                    s.p05,
                    s.p50,
                    s.p95,
                ]
                .map(f64::to_bits)
            })
            .collect()
    };
    let expected = summaries(&whole);
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let sketched = pool.install(|| {
            engine::run_blocks_sketched(&model, &solved, 5, replications, 0..blocks, &|_| {})
        });
        assert!(!sketched.plan.keeps_values());
        assert_eq!(summaries(&sketched), expected, "{threads} threads");
        // Blocks of three shards folded in block order: the same summaries.
        let mut folded = RunTally::sketched(&model);
        for k in 0..3 {
            let range = shard_blocks(blocks, k, 3);
            let parts = pool.install(|| {
                engine::run_block_tallies(&model, &solved, 5, replications, range, &|_| {})
            });
            parts.iter().for_each(|t| folded.merge(t));
        }
        // Shards' own sketches merged in reverse order: the same sketches (their
        // moments would differ in rounding, their counts cannot).
        let mut reversed = RunTally::sketched(&model);
        for k in (0..3).rev() {
            let range = shard_blocks(blocks, k, 3);
            let shard = pool.install(|| {
                engine::run_blocks_sketched(&model, &solved, 5, replications, range, &|_| {})
            });
            reversed.merge(&shard);
        }
        for i in 0..N_METRICS {
            assert_eq!(reversed.plan.sketch(i), sketched.plan.sketch(i));
            assert_eq!(reversed.difference.sketch(i), sketched.difference.sketch(i));
        }
        assert_eq!(summaries(&folded), expected, "shards, {threads} threads");
    }
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
            std::fs::write(&path, file.to_bytes(None)).unwrap();
            path
        })
        .collect();
    // In any order.
    let shuffled = vec![paths[2].clone(), paths[0].clone(), paths[1].clone()];
    let merged = ShardSet::<RunData>::read(&shuffled, None).unwrap();
    assert_eq!(merged.scenario().unwrap().to_toml(), valid.to_toml());
    assert_eq!(bits(&merged.tally(&model, true).unwrap()), bits(&whole));
    let twice = vec![
        paths[0].clone(),
        paths[1].clone(),
        paths[1].clone(),
        paths[2].clone(),
    ];
    assert!(matches!(
        ShardSet::<RunData>::read(&twice, None),
        Err(ShardError::Twice {
            shard: 2,
            shards: 3,
            ..
        })
    ));
    let missing = ShardSet::<RunData>::read(&paths[..2], None).err().unwrap();
    assert!(
        missing.to_string().contains("are in no shard given"),
        "{missing}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Edits of a shard's data that shape checks cannot see (issue 10, item 7), and
/// deliberate tampering that recomputes every hash (item 8): the digest refuses the
/// first, the key's tag refuses the second; without a key, tampering that recomputes
/// the digest is accepted, as the threat model says.
#[test]
fn sealed_shards_refuse_edits_and_keyed_shards_refuse_tampering() {
    use plansim_analysis::shard::encoding::{decode_f64s, encode_f64s};
    use plansim_analysis::shard::{
        scenario_sha256, FileProblem, ShardError, ShardFile, ShardKey, MIN_KEY_BYTES,
    };
    use serde_json::Value;

    let valid = default_scenario()
        .with_changes(|s| {
            s.team.size = 4;
            s.simulation.periods = 2;
        })
        .unwrap();
    let model = Model::new(&valid);
    let solved = engine::solve(&model);
    let (seed, replications) = (9, 2 * engine::BLOCK_SIZE);
    let tallies = engine::run_block_tallies(&model, &solved, seed, replications, 0..2, &|_| {});
    let file = ShardFile::of_run(&valid, seed, replications, (1, 1), 0..2, &tallies);
    let key = ShardKey::new(b"0123456789abcdef-key-one".to_vec()).unwrap();
    let other_key = ShardKey::new(b"0123456789abcdef-key-two".to_vec()).unwrap();
    assert!(ShardKey::new(vec![7; MIN_KEY_BYTES - 1]).is_err());
    let problem = |bytes: &[u8], key: Option<&ShardKey>| match ShardFile::parse(bytes, "s", key) {
        Ok(_) => None,
        Err(ShardError::File { problem, .. }) => Some(problem),
        Err(e) => panic!("{e}"),
    };
    let plain = file.to_bytes(None);
    let keyed = file.to_bytes(Some(&key));
    assert!(problem(&plain, None).is_none());
    assert!(problem(&keyed, Some(&key)).is_none());
    assert!(
        problem(&keyed, None).is_none(),
        "a tag is not needed without a key"
    );
    let parsed = ShardFile::parse(&plain, "s", None).unwrap();
    assert_eq!(parsed.seal, file.seal_of(None));
    assert_eq!(
        parsed.to_bytes(None),
        plain,
        "the content round-trips byte for byte"
    );
    // The same content with its keys in another order and other spacing is the same content.
    let value: Value = serde_json::from_slice(&plain).unwrap();
    assert!(problem(
        serde_json::to_string_pretty(&value).unwrap().as_bytes(),
        None
    )
    .is_none());

    let f64s = |v: &Value| decode_f64s(v.as_str().unwrap()).unwrap();
    let hex = |xs: &[f64]| Value::String(encode_f64s(xs));
    type Edit = Box<dyn Fn(&mut Value)>;
    let edits: Vec<(&str, Edit)> = vec![
        (
            "a mean x1.5",
            Box::new(move |v| {
                let m = &mut v["data"]["tallies"][0]["plan"]["mean"];
                let mut xs = f64s(m);
                xs[0] *= 1.5;
                *m = hex(&xs);
            }),
        ),
        (
            "one metric's values x2",
            Box::new(move |v| {
                let c = &mut v["data"]["tallies"][0]["plan"]["values"][0];
                let xs: Vec<f64> = f64s(c).iter().map(|x| x * 2.0).collect();
                *c = hex(&xs);
            }),
        ),
        (
            "a NaN",
            Box::new(move |v| {
                let m = &mut v["data"]["tallies"][1]["baseline"]["m2"];
                let mut xs = f64s(m);
                xs[2] = f64::NAN;
                *m = hex(&xs);
            }),
        ),
        (
            "block 0 replaced by block 1",
            Box::new(|v| {
                let mut one = v["data"]["tallies"][1].clone();
                one["block"] = 0.into();
                v["data"]["tallies"][0] = one;
            }),
        ),
        (
            "plan and baseline swapped",
            Box::new(|v| {
                let t = &mut v["data"]["tallies"][0];
                let plan = t["plan"].take();
                t["plan"] = t["baseline"].take();
                t["baseline"] = plan;
            }),
        ),
        (
            "the scenario edited, its hash recomputed",
            Box::new(|v| {
                let toml = v["scenario_toml"]
                    .as_str()
                    .unwrap()
                    .replacen("size = 4", "size = 5", 1);
                assert!(toml.contains("size = 5"));
                v["scenario_sha256"] = scenario_sha256(&toml, None).into();
                v["scenario_toml"] = toml.into();
            }),
        ),
    ];
    for (what, edit) in &edits {
        for (bytes, k) in [(&plain, None), (&keyed, Some(&key))] {
            let mut v: Value = serde_json::from_slice(bytes).unwrap();
            edit(&mut v);
            // An edit by accident: the seal is the original's.
            let accident = serde_json::to_vec(&v).unwrap();
            assert!(
                matches!(problem(&accident, k), Some(FileProblem::Digest)),
                "{what}: {:?}",
                problem(&accident, k)
            );
            // Deliberate tampering: the digest recomputed over the edited content.
            let tampered: ShardFile = serde_json::from_value(v).unwrap();
            let resealed = tampered.to_bytes(None);
            match k {
                None => assert!(
                    problem(&resealed, None).is_none(),
                    "{what}: without a key a recomputed digest passes (the threat model)"
                ),
                Some(k) => {
                    assert!(
                        matches!(problem(&resealed, Some(k)), Some(FileProblem::NoTag)),
                        "{what}"
                    );
                    let other = tampered.to_bytes(Some(&other_key));
                    assert!(
                        matches!(problem(&other, Some(k)), Some(FileProblem::Tag)),
                        "{what}"
                    );
                }
            }
        }
    }
    // A shard without a key, or with another key, is refused when the merge has one.
    assert!(matches!(
        problem(&plain, Some(&key)),
        Some(FileProblem::NoTag)
    ));
    let other = file.to_bytes(Some(&other_key));
    assert!(matches!(
        problem(&other, Some(&key)),
        Some(FileProblem::Tag)
    ));
    // A seal removed: refused, key or not.
    let mut v: Value = serde_json::from_slice(&plain).unwrap();
    v.as_object_mut().unwrap().remove("seal");
    let bare = serde_json::to_vec(&v).unwrap();
    assert!(matches!(problem(&bare, None), Some(FileProblem::NoDigest)));
}
