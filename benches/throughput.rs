//! Criterion benchmarks of simulation throughput on the embedded default scenario.
//!
//! `cargo bench --bench throughput` reports rep-periods per second (criterion's
//! "elements") of the hot loop, on one thread, into the sketched tally `plansim run`
//! keeps, and the time to solve behaviour (plan and baseline); `plansim bench
//! --check` guards the same two against a reference loop.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

use plansim_analysis::memory::Shape;
use plansim_sim::engine;
use plansim_sim::model::Model;
use plansim_sim::scenario::default_scenario;

fn simulate(c: &mut Criterion) {
    let model = Model::new(&default_scenario());
    let solved = engine::solve(&model);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a thread pool");
    let mut group = c.benchmark_group("simulate");
    for replications in [engine::BLOCK_SIZE, 8 * engine::BLOCK_SIZE] {
        // Plan and baseline each simulate every rep-period.
        let rep_periods = Shape::of_model(&model)
            .rep_periods(replications)
            .expect("fits in 64 bits");
        group.throughput(Throughput::Elements(rep_periods));
        group.bench_with_input(
            BenchmarkId::new("default_one_thread", replications),
            &replications,
            |b, &n| {
                b.iter(|| {
                    pool.install(|| {
                        engine::run_blocks_sketched(
                            &model,
                            &solved,
                            7,
                            n,
                            0..engine::block_count(n),
                            &|_| {},
                        )
                    })
                })
            },
        );
    }
    group.finish();
}

fn solve(c: &mut Criterion) {
    let model = Model::new(&default_scenario());
    let mut group = c.benchmark_group("behaviour");
    group.sample_size(10);
    group.bench_function("solve_default_plan_and_baseline", |b| {
        b.iter(|| engine::solve(&model))
    });
    group.finish();
}

criterion_group!(benches, simulate, solve);
criterion_main!(benches);
