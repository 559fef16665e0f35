//! Why a search stops, as argmin's termination says it and users read it: the
//! evaluation budget, the particle swarm's iterations, Nelder-Mead's convergence; and
//! argmin's observer records each iteration.

use std::sync::atomic::AtomicBool;

use plansim_optimize::space::Variable;
use plansim_optimize::{optimize, DecisionSpace, Evaluator, Outcome, Settings, StopReason};
use plansim_sim::scenario::{default_scenario, ObjectiveKind, SolverKind};

fn search(space: DecisionSpace, solver: SolverKind, max_evaluations: usize) -> Outcome {
    let valid = default_scenario();
    let budget = valid.scenario().budget.as_ref().unwrap().incentive_cost;
    let settings = Settings::params(ObjectiveKind::RevenueGrowth, budget)
        .replications(32)
        .max_evaluations(max_evaluations)
        .solver(solver)
        .seed(7)
        .check()
        .unwrap();
    let evaluator = Evaluator::new(&valid, space, settings).unwrap();
    optimize(&evaluator, &AtomicBool::new(false), &|_, _| {}).unwrap()
}

fn default_space() -> DecisionSpace {
    let valid = default_scenario();
    DecisionSpace::new(&valid, valid.scenario().optimize.as_ref().unwrap()).unwrap()
}

/// The iteration records: numbered from 1 within each stage, evaluations never
/// decreasing and never above those made.
fn check_iterations(o: &Outcome) {
    let mut evaluations = 0;
    for (k, i) in o.iterations.iter().enumerate() {
        let first_of_stage = k == 0 || o.iterations[k - 1].stage != i.stage;
        let expected = if first_of_stage {
            1
        } else {
            o.iterations[k - 1].iteration + 1
        };
        assert_eq!(i.iteration, expected, "{:?}", o.iterations);
        assert!(i.evaluations >= evaluations && i.evaluations <= o.evaluations.len());
        evaluations = i.evaluations;
    }
}

#[test]
fn auto_stops_at_its_evaluation_budget() {
    let o = search(default_space(), SolverKind::Auto, 30);
    assert_eq!(o.evaluations.len(), 30);
    assert_eq!(o.stop, StopReason::MaxEvaluations);
    assert_eq!(o.stop_words(), "stopped after its evaluation budget of 30");
    // Four variables: 16 particles, so the swarm's share (18 evaluations) allows one
    // iteration after the 16 of its start, which the budget cuts.
    assert!(o.iterations.iter().all(|i| i.stage == "particle-swarm"));
    check_iterations(&o);
}

#[test]
fn the_swarm_alone_stops_after_the_iterations_that_fit_its_budget() {
    // 16 particles and 40 evaluations, 5 of them kept for the final candidates (the
    // variables plus one): the start, 16 at the swarm's start and 16 in its one
    // iteration (floor(35 / 16) - 1), 33, then the 5 final candidates on the full
    // count, 38 in all.
    let o = search(default_space(), SolverKind::ParticleSwarm, 40);
    assert_eq!(o.stop, StopReason::MaxIterations);
    assert_eq!(o.evaluations.len(), 38);
    assert_eq!(o.iterations.len(), 1);
    assert_eq!(o.iterations[0].evaluations, 33);
    let counts: Vec<u64> = o.evaluations.iter().map(|e| e.replications).collect();
    assert_eq!(counts[0], 32);
    assert!(counts[1..33].iter().all(|&n| n == 4), "{counts:?}");
    assert!(counts[33..].iter().all(|&n| n == 32), "{counts:?}");
    assert_eq!(
        o.stop_words(),
        "stopped after the 1 particle-swarm iteration that fit its evaluation budget of 40 (38 evaluations)"
    );
    check_iterations(&o);
}

#[test]
fn nelder_mead_on_one_parameter_converges_within_its_budget() {
    let space = DecisionSpace {
        variables: vec![Variable {
            path: "plan.target_bonus.amount".into(),
            lower: 0.0,
            upper: 8000.0,
        }],
        start: vec![2500.0],
    };
    let o = search(space, SolverKind::NelderMead, 80);
    assert_eq!(o.stop, StopReason::Converged, "{}", o.stop_words());
    assert_eq!(o.stop_words(), "converged");
    assert!(o.evaluations.len() < 80);
    assert!(!o.iterations.is_empty());
    assert!(o.iterations.iter().all(|i| i.stage == "nelder-mead"));
    check_iterations(&o);
    // The best loss the solver holds never rises.
    for w in o.iterations.windows(2) {
        assert!(w[1].best_loss <= w[0].best_loss, "{:?}", o.iterations);
    }
}
