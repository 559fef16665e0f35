//! Certification: the winner, the starting plan and the baseline re-estimated on
//! fresh seeds, so the reported figures carry no selection bias from the search.

use serde::Serialize;

use plansim_sim::engine::metrics::Metric;
use plansim_sim::rng::mix64;

use crate::objective::{objective_values, Estimate, Evaluation, Evaluator};
use crate::OptimizeError;

/// Salt that separates the certification's seeds from the search's.
const FRESH_SALT: u64 = 0xF2E5_4C3E_7D00_0001;

/// Out-of-sample figures of the winner against the start and the baseline.
#[derive(Clone, Debug, Serialize)]
pub struct Certification {
    /// Seed of the fresh replications.
    pub seed: u64,
    /// Replications run for each plan.
    pub replications: u64,
    /// The winner on fresh seeds.
    pub winner: Evaluation,
    /// The starting plan on fresh seeds.
    pub start: Evaluation,
    /// The baseline on fresh seeds.
    pub baseline: Evaluation,
    /// The winner's mean cost of sales (incentive cost over revenue) on the fresh seeds.
    pub winner_cost_of_sales: f64,
    /// Winner minus start, paired on the fresh seeds.
    pub improvement_over_start: Estimate,
    /// Winner minus baseline, paired on the fresh seeds.
    pub improvement_over_baseline: Estimate,
}

/// The fresh seed of a search seeded with `seed`.
pub fn fresh_seed(seed: u64) -> u64 {
    mix64(seed ^ FRESH_SALT)
}

fn paired(a: &[f64], b: &[f64]) -> Estimate {
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
    Estimate::of(&d)
}

/// Re-estimates the point `winner` and the starting point on fresh seeds.
///
/// # Errors
/// The [`OptimizeError`] of a point that is no valid plan.
pub fn certify(evaluator: &Evaluator, winner: &[f64]) -> Result<Certification, OptimizeError> {
    let s = evaluator.settings();
    let seed = fresh_seed(s.seed());
    let n = s.certify_replications();
    let start_x = evaluator.space().start.clone();
    let (winner_tally, winner_eq) = evaluator.simulate(&evaluator.plan_at(winner)?, seed, n);
    let (start_tally, start_eq) = evaluator.simulate(&evaluator.plan_at(&start_x)?, seed, n);
    let (baseline_tally, baseline_eq) = evaluator.simulate(evaluator.model().baseline(), seed, n);
    let w = objective_values(s.objective(), &winner_tally);
    let st = objective_values(s.objective(), &start_tally);
    let b = objective_values(s.objective(), &baseline_tally);
    Ok(Certification {
        seed,
        replications: n,
        // The same budget rule as in the search: mean cost + 2 standard errors.
        winner: evaluator.judge(winner.to_vec(), &winner_tally, winner_eq),
        start: evaluator.judge(start_x, &start_tally, start_eq),
        baseline: evaluator.judge(Vec::new(), &baseline_tally, baseline_eq),
        winner_cost_of_sales: winner_tally.moments(Metric::CostOfSales.index()).mean,
        improvement_over_start: paired(&w, &st),
        improvement_over_baseline: paired(&w, &b),
    })
}
