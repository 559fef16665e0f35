//! Criterion benchmarks of `plansim optimize` on the default scenario: one objective
//! evaluation (solve the candidate plan's behaviour, simulate 2000 replications), and
//! the whole search and certification at a reduced evaluation budget (30 of the
//! default's 120: the full one takes too long for criterion's samples).

use std::sync::atomic::AtomicBool;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};

use plansim_optimize::Settings;
use plansim_optimize::{certify, optimize, DecisionSpace, Evaluator};
use plansim_sim::scenario::{default_scenario, ObjectiveKind, SolverKind};

/// An evaluator of the default's search on 2000 replications per evaluation (the
/// explore stage on a quarter of them), certified on 4000, within `max_evaluations`.
fn evaluator(max_evaluations: usize) -> (Evaluator, Vec<f64>) {
    let valid = default_scenario();
    let section = valid
        .scenario()
        .optimize
        .clone()
        .expect("the default declares a search");
    let space = DecisionSpace::new(&valid, &section).expect("a valid space");
    let start = space.start.clone();
    let evaluator = Evaluator::new(
        &valid,
        space,
        Settings::params(ObjectiveKind::RevenueGrowth, 4.5e6)
            .replications(2000)
            .certify_replications(4000)
            .max_evaluations(max_evaluations)
            .solver(SolverKind::Auto)
            .seed(1)
            .check()
            .expect("valid settings"),
    )
    .expect("a valid budget");
    (evaluator, start)
}

fn evaluation(c: &mut Criterion) {
    let mut group = c.benchmark_group("optimize");
    group.sample_size(10);
    // A fresh evaluator (built outside the timing) for each evaluation: the evaluator
    // keeps the starting plan's solved behaviour, which would then not be timed.
    group.bench_function("one_evaluation_default_2000_replications", |b| {
        b.iter_batched(
            || evaluator(1),
            |(evaluator, start)| evaluator.evaluate(&start).expect("evaluates"),
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

fn search(c: &mut Criterion) {
    let mut group = c.benchmark_group("optimize");
    group.sample_size(10);
    // A fresh evaluator each time, so that no solved behaviour is kept between runs.
    group.bench_function(
        "search_and_certify_default_2000_replications_30_evaluations",
        |b| {
            b.iter(|| {
                let (evaluator, _) = evaluator(30);
                let outcome =
                    optimize(&evaluator, &AtomicBool::new(false), &|_, _| {}).expect("searches");
                let best = outcome.best().expect("a feasible plan").x.clone();
                certify(&evaluator, &best).expect("certifies")
            })
        },
    );
    group.finish();
}

criterion_group!(benches, evaluation, search);
criterion_main!(benches);
