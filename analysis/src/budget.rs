//! A scenario's budget as every subcommand reads it, and each plan's cost judged by
//! the optimiser's rule ([`BudgetRule`], one place for it); the reports put it in words.
//!
//! "Keeps the budget" always means [`BudgetRule::feasible`]: the expected incentive
//! cost plus [`FEASIBILITY_MARGIN`] standard errors is at most the budget (and, when
//! the scenario's `[optimize]` sets `max_overrun_probability`, the share of
//! replications over the budget is at most that). It is a statement about the
//! expected cost: one realisation of a plan that keeps the budget can still exceed
//! it, with the probability P(cost > budget) every report prints beside it.

use serde::Serialize;

use plansim_sim::budget::{BudgetRule, CostEstimate, FEASIBILITY_MARGIN};
use plansim_sim::scenario::ValidScenario;

/// A scenario's budget or chance constraint out of range.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{source_name}: {problem}")]
pub struct BudgetError {
    /// Where the scenario came from.
    pub source_name: String,
    /// What the simulator's budget rule refused.
    pub problem: String,
}

/// The budget a scenario sets, as `optimize` reads it: `flag` (`--budget`), else
/// `optimize.budget`, else `budget.incentive_cost`; `None` without any.
pub fn scenario_budget(valid: &ValidScenario, flag: Option<f64>) -> Option<f64> {
    let s = valid.scenario();
    flag.or(s.optimize.as_ref().and_then(|o| o.budget))
        .or(s.budget.as_ref().map(|b| b.incentive_cost))
}

/// The budget rule of a scenario (its budget and its `[optimize]` chance constraint),
/// or `None` when it sets no budget.
///
/// # Errors
/// [`BudgetError`] naming the scenario when the budget or the chance constraint is
/// out of range.
pub fn scenario_rule(valid: &ValidScenario) -> Result<Option<BudgetRule>, BudgetError> {
    let alpha = valid
        .scenario()
        .optimize
        .as_ref()
        .and_then(|o| o.max_overrun_probability);
    scenario_budget(valid, None)
        .map(|b| {
            BudgetRule::new(b, alpha).map_err(|e| BudgetError {
                source_name: valid.source().to_string(),
                problem: e.to_string(),
            })
        })
        .transpose()
}

/// A plan's cost against its budget, judged by the optimiser's rule.
#[derive(Serialize, Clone, Copy, Debug, PartialEq)]
pub struct BudgetCheck {
    /// The budget on incentive cost over the horizon.
    pub budget: f64,
    /// The chance constraint (most probability of exceeding the budget), if any.
    pub max_overrun_probability: Option<f64>,
    /// Expected (mean) incentive cost over the replications.
    pub expected_cost: f64,
    /// Standard error of the expected cost.
    pub cost_std_err: f64,
    /// Expected cost plus the rule's margin of standard errors: what is held against the budget.
    pub cost_with_margin: f64,
    /// Share of replications whose cost exceeded the budget: the probability that one
    /// realisation of the plan overruns, whether or not it keeps the budget.
    pub overrun_probability: f64,
    /// True when the plan keeps the budget by the optimiser's rule.
    pub keeps_budget: bool,
}

impl BudgetCheck {
    /// Judges a cost estimate by `rule`.
    pub fn new(rule: &BudgetRule, cost: &CostEstimate) -> Self {
        BudgetCheck {
            budget: rule.budget(),
            max_overrun_probability: rule.max_overrun_probability(),
            expected_cost: cost.mean,
            cost_std_err: cost.std_err,
            cost_with_margin: cost.mean + FEASIBILITY_MARGIN * cost.std_err,
            overrun_probability: cost.overrun_probability,
            keeps_budget: rule.feasible(cost),
        }
    }

    /// Judges each replication's incentive cost by `rule`.
    pub fn of_costs(rule: &BudgetRule, costs: &[f64]) -> Self {
        BudgetCheck::new(rule, &CostEstimate::against(costs, rule))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_can_keep_the_budget_and_still_overrun_in_one_realisation() {
        let rule = BudgetRule::new(100.0, None).unwrap();
        // Mean 96.9, standard deviation 1.897, standard error 0.6: mean + 2 SE = 98.1
        // <= 100, yet 2 replications in 10 exceed the budget.
        let mut costs = [96.0; 10];
        costs[8] = 100.5;
        costs[9] = 100.5;
        let check = BudgetCheck::of_costs(&rule, &costs);
        assert!((check.expected_cost - 96.9).abs() < 1e-12, "{check:?}");
        assert!((check.cost_with_margin - 98.1).abs() < 1e-12, "{check:?}");
        assert!(check.keeps_budget, "{check:?}");
        assert_eq!(check.overrun_probability, 0.2);
        // The chance constraint at 10 % breaks it.
        let strict = BudgetRule::new(100.0, Some(0.1)).unwrap();
        let check = BudgetCheck::of_costs(&strict, &costs);
        assert!(!check.keeps_budget);
        assert_eq!(check.max_overrun_probability, Some(0.1));
    }
}
