//! Round policies: what sets each replication's plan parameters for the next round.

use crate::behaviour::PlanningStart;
use crate::model::Model;
use crate::scenario::{RoundRule, RuleKpi, ValidScenario};

use super::{RoundObservation, Trajectory};

/// What a policy sees when it sets the next round's parameters.
pub struct RoundContext<'a> {
    /// The model (horizon = rounds x round length).
    pub model: &'a Model,
    /// The scenario whose plan the parameters modify.
    pub base: &'a ValidScenario,
    /// Paths of the adjustable parameters.
    pub paths: &'a [String],
    /// Index of the round just finished (from 0).
    pub round: u32,
    /// Rounds in all.
    pub rounds: u32,
    /// Periods per round.
    pub round_length: u32,
    /// Budget on incentive cost over all rounds, if any.
    pub budget: Option<f64>,
    /// Every simulated replication's trajectory so far, in replication order.
    pub trajectories: &'a [Trajectory],
    /// The planning sample: the first [`super::PLANNING_REPLICATIONS`] replications, a
    /// prefix of `trajectories`. A policy that sets one plan for every replication
    /// must read only these, so that a slice of the run gets the same plan.
    pub planning: &'a [Trajectory],
    /// The team's expected state now (mean over the planning sample).
    pub expected: &'a PlanningStart,
}

/// Sets each replication's parameters for the next round.
pub trait RoundPolicy: Sync {
    /// The policy's name in reports.
    fn name(&self) -> &'static str;
    /// Parameters for the next round of each replication (one vector per trajectory).
    fn next(&self, ctx: &RoundContext<'_>) -> Vec<Vec<f64>>;
}

/// Never changes the plan.
pub struct StaticPolicy;

impl RoundPolicy for StaticPolicy {
    fn name(&self) -> &'static str {
        "static"
    }
    fn next(&self, ctx: &RoundContext<'_>) -> Vec<Vec<f64>> {
        ctx.trajectories
            .iter()
            .map(|t| t.params.last().cloned().unwrap_or_default())
            .collect()
    }
}

/// Steps each rule's parameter by its KPI's relative gap to target, within its bounds
/// and the remaining budget.
pub struct RulePolicy {
    /// The rules, in the order of the context's paths.
    pub rules: Vec<RoundRule>,
}

/// Steps of the rule policy are whole multiples of its range / RULE_GRID, so that
/// replications share plans and their solved behaviour.
pub const RULE_GRID: f64 = 50.0;

impl RulePolicy {
    /// The next value of rule `r` at `value` after observation `o`, `rounds_left` rounds remaining.
    pub fn step(
        rule: &RoundRule,
        value: f64,
        o: &RoundObservation,
        budget: Option<f64>,
        rounds_left: u32,
    ) -> f64 {
        let gap = match rule.kpi {
            RuleKpi::Revenue if o.target_revenue > 0.0 => 1.0 - o.revenue / o.target_revenue,
            RuleKpi::NewCustomers if o.target_new_customers > 0.0 => {
                1.0 - o.new_customers / o.target_new_customers
            }
            RuleKpi::Score => 1.0 - o.score,
            _ => 0.0,
        };
        let range = rule.max - rule.min;
        let mut step = rule.gain * range * gap;
        if let Some(b) = budget {
            // Spending the last round's cost every remaining round must fit the budget;
            // where it would not, never raise, and cut in proportion to the excess.
            let projected = o.spent + o.cost * rounds_left as f64;
            if projected > b {
                step = step.min(0.0).min(-rule.gain * range * (projected - b) / b);
            }
        }
        let unit = range / RULE_GRID;
        (value + (step / unit).round() * unit).clamp(rule.min, rule.max)
    }
}

impl RoundPolicy for RulePolicy {
    fn name(&self) -> &'static str {
        "rule"
    }
    fn next(&self, ctx: &RoundContext<'_>) -> Vec<Vec<f64>> {
        let rounds_left = ctx.rounds - ctx.round - 1;
        ctx.trajectories
            .iter()
            .map(|t| {
                let o = t.observations.last().copied().unwrap_or_default();
                let current = t.params.last().cloned().unwrap_or_default();
                self.rules
                    .iter()
                    .zip(&current)
                    .map(|(rule, &v)| Self::step(rule, v, &o, ctx.budget, rounds_left))
                    .collect()
            })
            .collect()
    }
}
