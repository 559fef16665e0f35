//! The objective plan variants are ranked on: a name, a direction and each
//! replication's value.
//!
//! Any reported metric can be the objective (`revenue_growth`, `cost_of_sales`,
//! `satisfaction`...), and so can the optimiser's composite objectives `profit`
//! (revenue less incentive cost) and `profit_participation` (revenue less the reps'
//! effort cost and risk premium). Lower is better for costs, attrition and budget
//! overruns; higher for everything else.

use plansim_optimize::objective::objective_values;
use plansim_sim::engine::metrics::{metric_index, METRICS};
use plansim_sim::scenario::ObjectiveKind;
use plansim_sim::tally::Tally;

/// An objective name that is neither a metric nor a composite objective.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name}: unknown; use profit, profit_participation or a metric: {}", known.join(", "))]
pub struct UnknownObjective {
    /// The name given.
    pub name: String,
    /// Every metric's name, in report order.
    pub known: Vec<&'static str>,
}

/// What to rank on.
#[derive(Clone, Debug, PartialEq)]
pub struct Objective {
    /// Its name.
    pub name: String,
    /// True when larger values are better.
    pub higher_is_better: bool,
    kind: Kind,
}

#[derive(Clone, Debug, PartialEq)]
enum Kind {
    Metric(usize),
    Composite(ObjectiveKind),
}

/// True when a smaller value of metric `name` is better.
fn lower_is_better(name: &str) -> bool {
    name.starts_with("cost")
        || matches!(
            name,
            "incentive_cost"
                | "attrition_rate"
                | "budget_overrun_probability"
                | "rep_effort_cost"
                | "rep_risk_premium"
        )
}

/// True when metric `name` is a share (a ratio such as a growth rate or a probability):
/// reports show it as a percentage, and its default indifference zone is absolute.
pub fn is_share(name: &str) -> bool {
    matches!(
        name,
        "revenue_growth"
            | "cost_of_sales"
            | "target_hit_rate"
            | "team_target_hit_rate"
            | "attrition_rate"
            | "budget_overrun_probability"
            | "roi"
    )
}

impl Objective {
    /// Parses an objective name (a metric, `profit` or `profit_participation`).
    ///
    /// # Errors
    /// [`UnknownObjective`] listing what is accepted.
    pub fn parse(name: &str) -> Result<Objective, UnknownObjective> {
        if let Some(i) = metric_index(name) {
            return Ok(Objective {
                name: name.to_string(),
                higher_is_better: !lower_is_better(name),
                kind: Kind::Metric(i),
            });
        }
        let composite = match name {
            "profit" => ObjectiveKind::Profit,
            "profit_participation" => ObjectiveKind::ProfitParticipation,
            _ => {
                return Err(UnknownObjective {
                    name: name.to_string(),
                    known: METRICS.iter().map(|m| m.name).collect(),
                })
            }
        };
        Ok(Objective {
            name: name.to_string(),
            higher_is_better: true,
            kind: Kind::Composite(composite),
        })
    }

    /// "higher" or "lower": which direction is better.
    pub fn direction(&self) -> &'static str {
        if self.higher_is_better {
            "higher"
        } else {
            "lower"
        }
    }

    /// Each replication's value, from a tally of replication metrics with values kept.
    pub fn values(&self, tally: &Tally) -> Vec<f64> {
        match self.kind {
            Kind::Metric(i) => tally.values(i).unwrap_or(&[]).to_vec(),
            Kind::Composite(k) => objective_values(k, tally),
        }
    }

    /// Each replication's value, signed so that larger is better.
    pub fn scores(&self, tally: &Tally) -> Vec<f64> {
        let sign = if self.higher_is_better { 1.0 } else { -1.0 };
        self.values(tally).into_iter().map(|x| sign * x).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_metrics_and_composites_with_their_direction() {
        assert!(Objective::parse("revenue_growth").unwrap().higher_is_better);
        assert!(!Objective::parse("cost_of_sales").unwrap().higher_is_better);
        assert!(!Objective::parse("cost_training").unwrap().higher_is_better);
        assert!(Objective::parse("profit").unwrap().higher_is_better);
        let e = Objective::parse("speed").unwrap_err();
        assert!(e.to_string().starts_with("speed: unknown; use profit"));
        assert!(e.to_string().contains("revenue_growth"));
        assert!(is_share("roi") && !is_share("revenue") && !is_share("profit"));
        let mut t = Tally::new(METRICS.len(), true);
        let mut row = vec![0.0; METRICS.len()];
        row[metric_index("revenue").unwrap()] = 10.0;
        row[metric_index("incentive_cost").unwrap()] = 3.0;
        t.push(&row);
        assert_eq!(Objective::parse("profit").unwrap().values(&t), vec![7.0]);
        assert_eq!(
            Objective::parse("incentive_cost").unwrap().scores(&t),
            vec![-3.0]
        );
    }
}
