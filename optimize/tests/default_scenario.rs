//! On the embedded default scenario the optimised plan beats the starting plan on
//! fresh seeds by more than the interval of their paired difference, and keeps to
//! the budget there; the search is deterministic for any thread count.

use std::sync::atomic::AtomicBool;

use plansim_optimize::Settings;
use plansim_optimize::{certify, optimize, DecisionSpace, Evaluator};
use plansim_sim::scenario::{default_scenario, ObjectiveKind, SolverKind};

fn evaluator(replications: u64, max_evaluations: usize) -> Evaluator {
    let valid = default_scenario();
    let section = valid
        .scenario()
        .optimize
        .clone()
        .expect("the default declares a search");
    let space = DecisionSpace::new(&valid, &section).unwrap();
    let budget = valid.scenario().budget.as_ref().unwrap().incentive_cost;
    Evaluator::new(
        &valid,
        space,
        Settings::params(ObjectiveKind::RevenueGrowth, budget)
            .replications(replications)
            .certify_replications(4 * replications)
            .max_evaluations(max_evaluations)
            .solver(SolverKind::Auto)
            .seed(2024)
            .check()
            .expect("valid settings"),
    )
    .expect("a valid budget")
}

#[test]
fn optimised_plan_beats_the_start_out_of_sample_within_budget() {
    let e = evaluator(256, 40);
    let outcome = optimize(&e, &AtomicBool::new(false), &|_, _| {}).unwrap();
    let best = outcome.best().expect("a feasible plan");
    let c = certify(&e, &best.x).unwrap();
    let d = c.improvement_over_start;
    assert!(
        d.ci95_low > 0.0,
        "improvement over the start on fresh seeds: {d:?}"
    );
    assert!(
        c.winner.cost.mean <= e.settings().budget(),
        "cost on fresh seeds {} over the budget {}",
        c.winner.cost.mean,
        e.settings().budget()
    );
    assert!(c.winner.feasible);
    // Every evaluation's parameters stay within their bounds.
    for ev in &outcome.evaluations {
        for (x, v) in ev.x.iter().zip(&e.space().variables) {
            assert!(
                *x >= v.lower && *x <= v.upper,
                "{} = {x} outside [{}, {}]",
                v.path,
                v.lower,
                v.upper
            );
        }
    }
}

#[test]
fn search_is_identical_for_any_thread_count() {
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let e = evaluator(128, 12);
            let o = optimize(&e, &AtomicBool::new(false), &|_, _| {}).unwrap();
            o.evaluations
                .iter()
                .map(|v| {
                    (
                        v.x.clone(),
                        v.objective.mean.to_bits(),
                        v.cost.mean.to_bits(),
                    )
                })
                .collect::<Vec<_>>()
        })
    };
    let one = run(1);
    assert_eq!(one.len(), 12);
    assert_eq!(one, run(2));
    assert_eq!(one, run(3));
}

#[test]
fn ctrl_c_keeps_the_best_so_far() {
    let e = evaluator(64, 50);
    let stop = AtomicBool::new(false);
    let outcome = optimize(&e, &stop, &|n, _| {
        if n == 5 {
            stop.store(true, std::sync::atomic::Ordering::SeqCst);
        }
    })
    .unwrap();
    assert_eq!(outcome.stop, plansim_optimize::StopReason::Interrupted);
    assert_eq!(outcome.evaluations.len(), 5);
    // Interrupted while exploring (on 8 of the 64 replications), before any final
    // candidate: the best explored plan so far, else the start.
    let e = &outcome.evaluations;
    assert_eq!(e[0].replications, 64);
    assert!(e[1..].iter().all(|v| v.replications == 8));
    let explored = (1..e.len())
        .filter(|&i| e[i].selectable())
        .max_by(|&a, &b| e[a].objective.mean.total_cmp(&e[b].objective.mean));
    assert_eq!(outcome.best, explored.or(Some(0)));
    assert!(outcome.best().is_some());
}
