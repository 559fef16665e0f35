//! Budget verdicts in words: a plan's expected cost against its budget with the
//! probability that one realisation overruns it, and the budget rule with what it
//! does not promise (`plansim_analysis::budget` judges; this says it).

use plansim_analysis::budget::BudgetCheck;
use plansim_sim::budget::FEASIBILITY_MARGIN;

use crate::format::{fmt, grouped, Style};
use crate::i18n::Lang;

/// The plan's cost against the budget in a few words, with P(cost > budget):
/// "expected cost 5,030,000 (+ 2 SE: 5,041,000) against a budget of 4,500,000: does
/// NOT keep it; P(cost > budget) in one realisation = 96.9%".
pub fn check_text(check: &BudgetCheck, lang: Lang) -> String {
    let (cost, margin, budget, p) = (
        grouped(check.expected_cost, 0),
        grouped(check.cost_with_margin, 0),
        grouped(check.budget, 0),
        fmt(check.overrun_probability, Style::Percent),
    );
    match lang {
        Lang::En => format!(
            "expected cost {cost} (+ 2 SE: {margin}) against a budget of {budget}: {}; P(cost > budget) in one realisation = {p}",
            if check.keeps_budget {
                "keeps it"
            } else {
                "does NOT keep it"
            }
        ),
        Lang::Zh => format!(
            "期望成本 {cost}（加 2 个标准误：{margin}），预算 {budget}：{}；单次实现中成本超出预算的概率 = {p}",
            if check.keeps_budget {
                "满足预算"
            } else {
                "不满足预算"
            }
        ),
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

    /// A plan whose expected cost keeps a budget of 100 although 20 % of its
    /// realisations exceed it.
    const KEEPS: BudgetCheck = BudgetCheck {
        budget: 100.0,
        max_overrun_probability: None,
        expected_cost: 96.9,
        cost_std_err: 0.6,
        cost_with_margin: 98.1,
        overrun_probability: 0.2,
        keeps_budget: true,
    };

    #[test]
    fn a_plan_that_keeps_the_budget_can_still_overrun_and_both_are_said() {
        assert_eq!(
            check_text(&KEEPS, Lang::En),
            "expected cost 97 (+ 2 SE: 98) against a budget of 100: keeps it; P(cost > budget) in one realisation = 20.0%"
        );
        let broken = BudgetCheck {
            keeps_budget: false,
            max_overrun_probability: Some(0.1),
            ..KEEPS
        };
        assert!(check_text(&broken, Lang::En).contains("does NOT keep it"));
        assert!(check_text(&broken, Lang::Zh).contains("不满足预算"));
        assert!(rule_text(Some(0.1), Lang::En).contains("at most 10.0%"));
        assert!(rule_text(None, Lang::En).starts_with(
            "A plan keeps the budget when its expected incentive cost plus 2 standard errors"
        ));
    }
}
