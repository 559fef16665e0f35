//! Criterion benchmark of one objective evaluation of `plansim optimize` on the
//! default scenario: solve the candidate plan's behaviour, simulate 2000 replications.

use criterion::{criterion_group, criterion_main, Criterion};

use plansim_optimize::Settings;
use plansim_optimize::{DecisionSpace, Evaluator};
use plansim_sim::scenario::{default_scenario, ObjectiveKind, SolverKind};

fn evaluation(c: &mut Criterion) {
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
            .max_evaluations(1)
            .solver(SolverKind::Auto)
            .seed(1)
            .check()
            .expect("valid settings"),
    )
    .expect("a valid budget");
    let mut group = c.benchmark_group("optimize");
    group.sample_size(10);
    group.bench_function("one_evaluation_default_2000_replications", |b| {
        b.iter(|| evaluator.evaluate(&start).expect("evaluates"))
    });
    group.finish();
}

criterion_group!(benches, evaluation);
criterion_main!(benches);
