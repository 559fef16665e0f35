//! The budget rule: when a plan's Monte Carlo cost estimate keeps to a budget, and the
//! penalised loss a search minimises.
//!
//! This is the one place these formulas live: `plansim optimize`, the `reoptimize`
//! round policy, `compare`'s recommendation and every report call them, so a plan
//! that one of them calls feasible is feasible for all.

/// Standard errors by which a plan's estimated mean cost must stay under the budget to
/// count as feasible: the winner then keeps to the budget on fresh seeds with
/// probability about 98 %, instead of a coin toss for a plan that spends it all.
pub const FEASIBILITY_MARGIN: f64 = 2.0;

/// Weight of the exact penalty on a budget violation (relative overrun of the mean cost
/// plus margin, plus the excess of the overrun probability), against an objective
/// divided by the search's fixed scale.
pub const PENALTY: f64 = 1000.0;

/// A budget on expected incentive cost, optionally with a chance constraint.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BudgetRule {
    budget: f64,
    max_overrun_probability: Option<f64>,
}

/// A plan's cost as a Monte Carlo run estimated it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CostEstimate {
    /// Mean incentive cost over the replications.
    pub mean: f64,
    /// Standard error of that mean.
    pub std_err: f64,
    /// Share of replications whose cost exceeded the budget.
    pub overrun_probability: f64,
}

impl CostEstimate {
    /// The estimate from each replication's incentive cost, against `budget`: the mean,
    /// its standard error (0 with fewer than two replications) and the share above it.
    pub fn of(costs: &[f64], budget: f64) -> CostEstimate {
        let mut m = crate::tally::Moments::default();
        costs.iter().for_each(|&c| m.push(c));
        CostEstimate {
            mean: m.mean,
            std_err: if m.n >= 2 { m.std_err() } else { 0.0 },
            overrun_probability: costs.iter().filter(|&&c| c > budget).count() as f64
                / costs.len().max(1) as f64,
        }
    }

    /// The estimate of `costs` against `rule`'s budget.
    pub fn against(costs: &[f64], rule: &BudgetRule) -> CostEstimate {
        CostEstimate::of(costs, rule.budget)
    }
}

/// Why a budget rule cannot be made.
#[derive(Clone, Copy, Debug, PartialEq, thiserror::Error)]
pub enum BudgetError {
    /// The budget is negative or not a number.
    #[error("the budget must be a non-negative number, not {0}")]
    Budget(f64),
    /// The chance constraint is not a probability.
    #[error("the most probability of exceeding the budget must lie in [0, 1], not {0}")]
    OverrunProbability(f64),
}

impl BudgetRule {
    /// A budget of `budget` (money over the horizon, non-negative and finite) and an
    /// optional most probability `alpha` in [0, 1] that the cost exceeds it.
    ///
    /// # Errors
    /// The [`BudgetError`] naming the value that is out of range.
    pub fn new(budget: f64, max_overrun_probability: Option<f64>) -> Result<Self, BudgetError> {
        if !(budget.is_finite() && budget >= 0.0) {
            return Err(BudgetError::Budget(budget));
        }
        if let Some(a) = max_overrun_probability {
            if !(0.0..=1.0).contains(&a) {
                return Err(BudgetError::OverrunProbability(a));
            }
        }
        Ok(BudgetRule {
            budget,
            max_overrun_probability,
        })
    }

    /// The budget.
    pub fn budget(&self) -> f64 {
        self.budget
    }

    /// The chance constraint, if any.
    pub fn max_overrun_probability(&self) -> Option<f64> {
        self.max_overrun_probability
    }

    /// How far a cost estimate is from keeping to the budget, 0 when it keeps to it:
    /// the relative excess of mean + [`FEASIBILITY_MARGIN`] standard errors over the
    /// budget, plus the excess of the overrun probability over the chance constraint.
    ///
    /// # Formula
    /// `max(0, mean + 2 se - B) / B + max(0, P(cost > B) - alpha)`; with a budget of 0,
    /// the excess is divided by 1 instead.
    pub fn violation(&self, cost: &CostEstimate) -> f64 {
        let excess = (cost.mean + FEASIBILITY_MARGIN * cost.std_err - self.budget).max(0.0);
        let mut v = excess / if self.budget > 0.0 { self.budget } else { 1.0 };
        if let Some(alpha) = self.max_overrun_probability {
            v += (cost.overrun_probability - alpha).max(0.0);
        }
        v
    }

    /// True when the estimate keeps to the budget: mean + [`FEASIBILITY_MARGIN`]
    /// standard errors within it and, with a chance constraint, P(cost > budget) <= alpha.
    pub fn feasible(&self, cost: &CostEstimate) -> bool {
        self.violation(cost) == 0.0
    }

    /// The loss a search minimises: minus the objective over a scale fixed for the
    /// whole search (so that candidates compare by their objective), plus
    /// [`PENALTY`] times the [`violation`](Self::violation).
    pub fn penalised_loss(&self, objective_mean: f64, scale: f64, cost: &CostEstimate) -> f64 {
        -objective_mean / scale + PENALTY * self.violation(cost)
    }
}

/// The scale a search divides its objective by: the starting plan's objective in
/// absolute value, or 1 where it is zero or tiny, so that the penalty weighs the same
/// against objectives of any unit.
pub fn objective_scale(start_objective: f64) -> f64 {
    let s = start_objective.abs();
    if s.is_finite() && s > 1e-12 {
        s
    } else {
        1.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cost(mean: f64, std_err: f64, p: f64) -> CostEstimate {
        CostEstimate {
            mean,
            std_err,
            overrun_probability: p,
        }
    }

    #[test]
    fn feasibility_needs_two_standard_errors_of_room() {
        let rule = BudgetRule::new(100.0, None).unwrap();
        assert!(rule.feasible(&cost(90.0, 5.0, 0.4)));
        assert!(!rule.feasible(&cost(90.0, 5.1, 0.0)));
        assert!((rule.violation(&cost(95.0, 5.0, 0.0)) - 0.05).abs() < 1e-12);
    }

    #[test]
    fn the_chance_constraint_adds_its_excess() {
        let rule = BudgetRule::new(100.0, Some(0.1)).unwrap();
        assert!(rule.feasible(&cost(50.0, 1.0, 0.1)));
        assert!(!rule.feasible(&cost(50.0, 1.0, 0.15)));
        assert!((rule.violation(&cost(50.0, 1.0, 0.15)) - 0.05).abs() < 1e-12);
    }

    #[test]
    fn the_loss_orders_feasible_candidates_by_their_objective() {
        let rule = BudgetRule::new(100.0, None).unwrap();
        let scale = objective_scale(20.0);
        let c = cost(10.0, 1.0, 0.0);
        assert!(rule.penalised_loss(30.0, scale, &c) < rule.penalised_loss(25.0, scale, &c));
        assert!(rule.penalised_loss(0.5, scale, &c) < rule.penalised_loss(0.4, scale, &c));
        // An infeasible candidate loses to a feasible one with a far smaller objective.
        let over = cost(120.0, 1.0, 0.0);
        assert!(rule.penalised_loss(1000.0, scale, &over) > rule.penalised_loss(1.0, scale, &c));
    }

    #[test]
    fn bad_budgets_are_refused() {
        assert!(BudgetRule::new(f64::NAN, None).is_err());
        assert!(BudgetRule::new(-1.0, None).is_err());
        assert!(BudgetRule::new(1.0, Some(1.5)).is_err());
        assert_eq!(objective_scale(0.0), 1.0);
    }
}
