//! The objective plan variants are ranked on: a name, a direction and each
//! replication's value.
//!
//! Any reported metric can be the objective (`revenue_growth`, `cost_of_sales`,
//! `satisfaction`...), and so can the optimiser's composite objectives `profit`
//! (revenue less incentive cost) and `profit_participation` (revenue less the reps'
//! effort cost and risk premium). Lower is better for costs, attrition and budget
//! overruns; higher for everything else.

use plansim_optimize::objective::objective_values;
use plansim_sim::metrics::{metric_index, METRICS};
use plansim_sim::scenario::ObjectiveKind;
use plansim_sim::tally::Tally;

use crate::error::{CliError, CliResult};

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

impl Objective {
    /// Parses an objective name (a metric, `profit` or `profit_participation`).
    pub fn parse(name: &str) -> CliResult<Objective> {
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
                let names: Vec<&str> = METRICS.iter().map(|m| m.name).collect();
                return Err(CliError::Input(format!(
                    "--objective {name}: unknown; use profit, profit_participation or a metric: {}",
                    names.join(", ")
                )));
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
        assert!(e.to_string().contains("revenue_growth"));
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
