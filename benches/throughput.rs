//! Criterion benchmarks of simulation throughput on the embedded default scenario.
//!
//! `cargo bench --bench throughput` reports rep-periods per second (criterion's
//! "elements") of the hot loop, on one thread, into the sketched tally `plansim run`
//! keeps, and the time to solve behaviour (plan and baseline of the default, the plan
//! of a 10,000-rep team whose traits all differ and of one of 20 repeated types, whose
//! reps share their solves, and the status quo's calibration), a 10,000- and a
//! 100,000-rep team's whole solve (calibration, plan and baseline), and the hot loop's
//! vectorised kernel alone on each vector unit this processor has (eight reps' uniforms,
//! eight reps' funnel draws); `plansim bench --check` guards the hot loop and the
//! default's solve against a reference loop.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

use plansim_analysis::memory::Shape;
use plansim_sim::behaviour::steady_state::calibrate;
use plansim_sim::behaviour::{self, PlanningStart};
use plansim_sim::engine;
use plansim_sim::engine::kernel::{FunnelInputs, FunnelTables, Kernel, LANES};
use plansim_sim::model::Outcome;
use plansim_sim::model::{Model, Uncalibrated};
use plansim_sim::rng::{SlotStreams, DRAWS_PER_REP_PERIOD};
use plansim_sim::scenario::{
    default_scenario, parse_and_validate_with_roster, DEFAULT_SCENARIO_TOML,
};

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

/// The kernel on its own: chunks of eight reps' draws with the default's funnel, at
/// efforts and books like the default's, on every vector unit this processor has.
fn kernel(c: &mut Criterion) {
    let model = Model::new(&default_scenario());
    let Outcome::Funnel(funnel) = model.outcome() else {
        unreachable!("the default scenario is a funnel")
    };
    let tables = FunnelTables::new(funnel);
    let chunks = 256;
    let mut streams = SlotStreams::new(1, 0, chunks * LANES);
    let inputs: Vec<FunnelInputs> = (0..chunks)
        .map(|k| {
            let uniforms = streams.draw_blocks::<LANES>(k * LANES);
            let mut x = FunnelInputs {
                uniforms,
                ..FunnelInputs::default()
            };
            x.mean_leads = uniforms[0].map(|u| 3.0 + 8.0 * u);
            x.service = uniforms[1].map(|u| 0.5 + u);
            x.book = uniforms[2].map(|u| 40 + (120.0 * u) as u32);
            x
        })
        .collect();
    let mut group = c.benchmark_group("kernel");
    group.throughput(Throughput::Elements((chunks * LANES) as u64));
    for kernel in Kernel::available() {
        let unit = kernel.unit();
        group.bench_function(BenchmarkId::new("funnel_draws", unit.name()), |b| {
            b.iter(|| {
                inputs
                    .iter()
                    .map(|x| kernel.funnel_draws(&tables, x).new_customers[0])
                    .sum::<u32>()
            })
        });
        // A replication's starting books: Poisson means of tens of customers.
        group.bench_function(BenchmarkId::new("starting_books", unit.name()), |b| {
            b.iter(|| {
                inputs
                    .iter()
                    .map(|x| {
                        let mean = x.book.map(f64::from);
                        kernel.poisson_far(&mean, &x.uniforms[3])[0]
                    })
                    .sum::<u32>()
            })
        });
        let mut into = [[0.0; LANES]; DRAWS_PER_REP_PERIOD];
        group.bench_function(BenchmarkId::new("uniforms", unit.name()), |b| {
            b.iter(|| {
                (0..chunks)
                    .map(|k| {
                        kernel.uniforms(&mut streams, k * LANES, &mut into);
                        into[0][0]
                    })
                    .sum::<f64>()
            })
        });
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
    // A 10,000-rep roster of 20 types (5 abilities x 4 salaries, the other traits
    // alike): each type is solved once and its reps share the rows.
    let typed = Model::new(&typed_roster(10_000));
    group.bench_function("solve_plan_10000_reps_20_types", |b| {
        b.iter(|| behaviour::solve(&typed, typed.plan(), &PlanningStart::initial(&typed)))
    });
    // The status quo's steady state of the default (its fixed-point iterations).
    let draft = Uncalibrated::new(&default_scenario());
    group.bench_function("calibrate_default_status_quo", |b| {
        b.iter(|| calibrate(draft.clone()))
    });
    group.finish();
}

/// The default scenario on a roster of `reps` reps of 20 types: abilities 0.7 to 1.3
/// and salaries 7,800 to 10,200 (rep `j` of type `j % 20`), the drawn traits alike.
fn typed_roster(reps: usize) -> plansim_sim::scenario::ValidScenario {
    let mut csv = String::from("id,base_salary,ability\n");
    for j in 0..reps {
        let (salary, ability) = (
            7800.0 + 800.0 * (j % 20 / 5) as f64,
            0.7 + 0.15 * (j % 5) as f64,
        );
        csv.push_str(&format!("R{j},{salary},{ability}\n"));
    }
    let text =
        DEFAULT_SCENARIO_TOML.replacen("# roster = \"team.csv\"", "roster = \"team.csv\"", 1);
    parse_and_validate_with_roster(&text, "typed", Some(&csv))
        .and_then(|v| {
            v.with_changes(|s| {
                for t in [
                    &mut s.team.effort_cost,
                    &mut s.team.risk_aversion,
                    &mut s.team.promotion_value,
                    &mut s.team.outside_premium,
                ] {
                    t.sd = 0.0;
                }
            })
        })
        .expect("the typed roster is valid")
}

/// A team's whole solve, as `plansim run` makes it before its first replication: the
/// status quo's calibration, then the plan's and the baseline's solves (the README's
/// "whole solve" of T10k and T100k, the default scenario with 10,000 and 100,000 reps).
/// The 100,000-rep one takes about 20 s a sample: this group runs for about four minutes.
fn whole_solve(c: &mut Criterion) {
    let mut group = c.benchmark_group("behaviour");
    group.sample_size(10);
    // Ten samples each, in about the time they take (criterion warns below it).
    for (reps, seconds) in [(10_000, 20), (100_000, 200)] {
        group.measurement_time(std::time::Duration::from_secs(seconds));
        let team = default_scenario()
            .with_changes(|s| s.team.size = reps)
            .expect("a large team is valid");
        let draft = Uncalibrated::new(&team);
        group.bench_function(format!("whole_solve_{reps}_reps"), |b| {
            b.iter(|| engine::solve(&calibrate(draft.clone())))
        });
    }
    group.finish();
}

criterion_group!(benches, simulate, kernel, solve, whole_solve);
criterion_main!(benches);
