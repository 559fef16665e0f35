//! The objective plan variants are ranked on: a name, a direction and each
//! replication's value.
//!
//! Any reported metric can be the objective (`revenue_growth`, `cost_of_sales`,
//! `satisfaction`...), and so can the optimiser's composite objectives `profit`
//! (revenue less incentive cost) and `profit_participation` (revenue less the reps'
//! effort cost and risk premium). Lower is better for costs, attrition and budget
//! overruns; higher for everything else.

use plansim_optimize::objective::objective_values;
use plansim_sim::engine::metrics::{Metric, Scale};
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

/// What to rank on: a metric, or a composite objective of the optimiser. Made by
/// [`Objective::parse`] from a name, or by [`Objective::of_kind`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Objective {
    /// A reported metric.
    Metric(Metric),
    /// Revenue less incentive cost.
    Profit,
    /// Revenue less the reps' effort cost and risk premium.
    ProfitParticipation,
}

/// The composite objectives.
const COMPOSITES: [Objective; 2] = [Objective::Profit, Objective::ProfitParticipation];

impl Objective {
    /// Parses an objective name (a metric, `profit` or `profit_participation`).
    ///
    /// # Errors
    /// [`UnknownObjective`] listing what is accepted.
    pub fn parse(name: &str) -> Result<Objective, UnknownObjective> {
        Metric::from_name(name)
            .map(Objective::Metric)
            .or_else(|unknown| {
                COMPOSITES
                    .into_iter()
                    .find(|o| o.name() == name)
                    .ok_or(UnknownObjective {
                        name: unknown.name,
                        known: unknown.known,
                    })
            })
    }

    /// The objective the optimiser maximises as `kind`.
    pub fn of_kind(kind: ObjectiveKind) -> Objective {
        match (Metric::of_objective(kind), kind) {
            (Some(m), _) => Objective::Metric(m),
            (None, ObjectiveKind::ProfitParticipation) => Objective::ProfitParticipation,
            (None, _) => Objective::Profit,
        }
    }

    /// Its name, as given to `--objective` and written in the outputs.
    pub fn name(&self) -> &'static str {
        match self {
            Objective::Metric(m) => m.name(),
            Objective::Profit => "profit",
            Objective::ProfitParticipation => "profit_participation",
        }
    }

    /// The metric it is, `None` for a composite objective.
    pub fn metric(&self) -> Option<Metric> {
        match self {
            Objective::Metric(m) => Some(*m),
            Objective::Profit | Objective::ProfitParticipation => None,
        }
    }

    /// True when larger values are better: for a metric unless it is a cost, attrition
    /// or a budget overrun ([`Metric::lower_is_better`]); always for a composite (a profit).
    pub fn higher_is_better(&self) -> bool {
        self.metric().is_none_or(|m| !m.lower_is_better())
    }

    /// True when it is a share ([`Scale::Share`]): reports show it as a percentage, and
    /// its default indifference zone is absolute. A composite is an amount of money.
    pub fn is_share(&self) -> bool {
        self.metric().is_some_and(|m| m.scale() == Scale::Share)
    }

    /// "higher" or "lower": which direction is better.
    pub fn direction(&self) -> &'static str {
        if self.higher_is_better() {
            "higher"
        } else {
            "lower"
        }
    }

    /// Each replication's value, from a tally of replication metrics with values kept.
    pub fn values(&self, tally: &Tally) -> Vec<f64> {
        match self {
            Objective::Metric(m) => tally.values(m.index()).unwrap_or(&[]).to_vec(),
            Objective::Profit => objective_values(ObjectiveKind::Profit, tally),
            Objective::ProfitParticipation => {
                objective_values(ObjectiveKind::ProfitParticipation, tally)
            }
        }
    }

    /// Each replication's value, signed so that larger is better.
    pub fn scores(&self, tally: &Tally) -> Vec<f64> {
        let sign = if self.higher_is_better() { 1.0 } else { -1.0 };
        self.values(tally).into_iter().map(|x| sign * x).collect()
    }
}

/// An objective is written as its name.
impl serde::Serialize for Objective {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_metrics_and_composites_with_their_direction() {
        assert!(Objective::parse("revenue_growth")
            .unwrap()
            .higher_is_better());
        assert!(!Objective::parse("cost_of_sales")
            .unwrap()
            .higher_is_better());
        assert!(!Objective::parse("cost_training")
            .unwrap()
            .higher_is_better());
        assert!(Objective::parse("profit").unwrap().higher_is_better());
        assert_eq!(
            Objective::parse("cost_of_sales").unwrap().direction(),
            "lower"
        );
        let e = Objective::parse("speed").unwrap_err();
        assert!(e.to_string().starts_with("speed: unknown; use profit"));
        assert!(e.to_string().contains("revenue_growth"));
        let share = |name: &str| Objective::parse(name).unwrap().is_share();
        assert!(share("roi") && !share("revenue") && !share("profit"));
        for kind in [
            ObjectiveKind::RevenueGrowth,
            ObjectiveKind::Revenue,
            ObjectiveKind::Profit,
            ObjectiveKind::NewCustomers,
            ObjectiveKind::ProfitParticipation,
        ] {
            // The optimiser's objective is the one of the same name.
            let name = serde_json::to_value(kind).unwrap();
            let o = Objective::of_kind(kind);
            assert_eq!(Objective::parse(name.as_str().unwrap()), Ok(o), "{kind:?}");
        }
        assert_eq!(
            Objective::of_kind(ObjectiveKind::RevenueGrowth).metric(),
            Some(Metric::RevenueGrowth)
        );
        let mut t = Tally::new(Metric::ALL.len(), true);
        let mut row = vec![0.0; Metric::ALL.len()];
        row[Metric::Revenue.index()] = 10.0;
        row[Metric::IncentiveCost.index()] = 3.0;
        t.push(&row);
        assert_eq!(Objective::parse("profit").unwrap().values(&t), vec![7.0]);
        assert_eq!(
            Objective::parse("incentive_cost").unwrap().scores(&t),
            vec![-3.0]
        );
    }
}
