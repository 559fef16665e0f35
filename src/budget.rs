//! A scenario's budget as every subcommand reads it, each plan's cost judged by the
//! optimiser's rule ([`BudgetRule`], one place for it), and the words the reports use.
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

use crate::error::{CliError, CliResult};
use crate::report::i18n::Lang;
use crate::report::table::{fmt, grouped, Style};

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
/// [`CliError::Input`] naming the scenario when the budget or the chance constraint
/// is out of range.
pub fn scenario_rule(valid: &ValidScenario) -> CliResult<Option<BudgetRule>> {
    let alpha = valid
        .scenario()
        .optimize
        .as_ref()
        .and_then(|o| o.max_overrun_probability);
    scenario_budget(valid, None)
        .map(|b| {
            BudgetRule::new(b, alpha)
                .map_err(|e| CliError::Input(format!("{}: {e}", valid.source())))
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

    /// The plan's cost against the budget in a few words, with P(cost > budget):
    /// "expected cost 5,030,000 (+ 2 SE: 5,041,000) against a budget of 4,500,000: does
    /// NOT keep it; P(cost > budget) in one realisation = 96.9%".
    pub fn text(&self, lang: Lang) -> String {
        let (cost, margin, budget, p) = (
            grouped(self.expected_cost, 0),
            grouped(self.cost_with_margin, 0),
            grouped(self.budget, 0),
            fmt(self.overrun_probability, Style::Percent),
        );
        match lang {
            Lang::En => format!(
                "expected cost {cost} (+ 2 SE: {margin}) against a budget of {budget}: {}; P(cost > budget) in one realisation = {p}",
                if self.keeps_budget {
                    "keeps it"
                } else {
                    "does NOT keep it"
                }
            ),
            Lang::Zh => format!(
                "期望成本 {cost}（加 2 个标准误：{margin}），预算 {budget}：{}；单次实现中成本超出预算的概率 = {p}",
                if self.keeps_budget {
                    "满足预算"
                } else {
                    "不满足预算"
                }
            ),
        }
    }
}

/// The rule in one sentence, with what it does not promise.
pub fn rule_text(max_overrun_probability: Option<f64>, lang: Lang) -> String {
    match (lang, max_overrun_probability) {
        (Lang::En, alpha) => format!(
            "A plan keeps the budget when its expected incentive cost plus {FEASIBILITY_MARGIN} standard errors is at most the budget{} (the optimiser's rule); one realisation of such a plan can still exceed the budget, with probability P(cost > budget).",
            alpha.map_or(String::new(), |a| format!(
                " and P(cost > budget) is at most {}",
                fmt(a, Style::Percent)
            ))
        ),
        (Lang::Zh, alpha) => format!(
            "方案满足预算是指：期望激励成本加 {FEASIBILITY_MARGIN} 个标准误不超过预算{}（与优化器的规则相同）；满足预算的方案在单次实现中仍可能超出预算，其概率为“成本超出预算的概率”。",
            alpha.map_or(String::new(), |a| format!(
                "，且成本超出预算的概率不超过 {}",
                fmt(a, Style::Percent)
            ))
        ),
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
        let text = check.text(Lang::En);
        assert!(
            text.contains("keeps it")
                && text.contains("P(cost > budget) in one realisation = 20.0%"),
            "{text}"
        );
        // The chance constraint at 10 % breaks it.
        let strict = BudgetRule::new(100.0, Some(0.1)).unwrap();
        let check = BudgetCheck::of_costs(&strict, &costs);
        assert!(!check.keeps_budget);
        assert!(check.text(Lang::En).contains("does NOT keep it"));
        assert!(check.text(Lang::Zh).contains("不满足预算"));
        assert!(rule_text(Some(0.1), Lang::En).contains("at most 10.0%"));
    }
}
