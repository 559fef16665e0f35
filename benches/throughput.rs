//! Criterion benchmarks of simulation throughput on the embedded default scenario.
//!
//! `cargo bench --bench throughput` reports rep-periods per second (criterion's
//! "elements") of the hot loop, on one thread, into the sketched tally `plansim run`
//! keeps, and the time to solve behaviour (plan and baseline of the default, the plan
//! of a 10,000-rep team, and the status quo's calibration); `plansim bench --check`
//! guards the hot loop and the default's solve against a reference loop.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

use plansim_analysis::memory::Shape;
use plansim_sim::behaviour::steady_state::calibrate;
use plansim_sim::behaviour::{self, PlanningStart};
use plansim_sim::engine;
use plansim_sim::model::{Model, Uncalibrated};
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
    // A 10,000-rep team: the plan's solve alone.
    let big = default_scenario()
        .with_changes(|s| s.team.size = 10_000)
        .expect("a 10,000-rep team is valid");
    let big = Model::new(&big);
    group.bench_function("solve_plan_10000_reps", |b| {
        b.iter(|| behaviour::solve(&big, big.plan(), &PlanningStart::initial(&big)))
    });
    // The status quo's steady state of the default (its fixed-point iterations).
    let draft = Uncalibrated::new(&default_scenario());
    group.bench_function("calibrate_default_status_quo", |b| {
        b.iter(|| calibrate(draft.clone()))
    });
    group.finish();
}

criterion_group!(benches, simulate, solve);
criterion_main!(benches);
