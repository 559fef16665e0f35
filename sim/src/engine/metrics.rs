//! The KPIs reported for each replication ([`Metric`]) and each period
//! ([`PeriodMetric`]), what is known about each, and how they are computed.
//!
//! docs/model.md defines each one for users; the names here are the ones in the
//! JSON and CSV outputs. Every fact about a metric is written once, here: its name
//! and definition in the table that declares the enum, its scale, direction and
//! bounds in one exhaustive `match` each (so that a new variant cannot be left out
//! of any), and its value in [`replication_metrics`] or [`period_metrics`].

use super::simulate::{mechanism, PeriodRecord, Totals};
use crate::model::Model;
use crate::scenario::ObjectiveKind;

/// A name that is not a metric's.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{name}: not a metric; the metrics are {}", known.join(", "))]
pub struct UnknownMetric {
    /// The name given.
    pub name: String,
    /// Every metric's name, in output order.
    pub known: Vec<&'static str>,
}

/// Declares a metric enum from one row per metric (`Variant = "name": "definition"`,
/// in output order): the enum (each variant documented by its definition), its count
/// `$count`, `ALL` in output order, and `index`, `name`, `definition` and
/// `from_name`.
macro_rules! metric_enum {
    (
        $(#[$meta:meta])*
        pub enum $enum:ident, $count:ident {
            $($variant:ident = $name:literal : $definition:literal,)*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $enum {
            $(
                #[doc = concat!("`", $name, "`: ", $definition, ".")]
                $variant,
            )*
        }

        #[doc = concat!("Number of [`", stringify!($enum), "`]s.")]
        pub const $count: usize = [$($name),*].len();

        impl $enum {
            /// Every one, in output order (the order of their columns).
            pub const ALL: [$enum; $count] = [$($enum::$variant),*];

            /// Its column in tallies and rows of values (its place in output order).
            #[inline]
            pub const fn index(self) -> usize {
                self as usize
            }

            /// Its name in the outputs.
            pub const fn name(self) -> &'static str {
                match self {
                    $($enum::$variant => $name,)*
                }
            }

            /// Its one-line definition.
            pub const fn definition(self) -> &'static str {
                match self {
                    $($enum::$variant => $definition,)*
                }
            }

            /// The one named `name`, as in the outputs.
            ///
            /// # Errors
            /// [`UnknownMetric`] listing every name.
            pub fn from_name(name: &str) -> Result<$enum, UnknownMetric> {
                Self::ALL
                    .into_iter()
                    .find(|m| m.name() == name)
                    .ok_or_else(|| UnknownMetric {
                        name: name.to_string(),
                        known: Self::ALL.iter().map(|m| m.name()).collect(),
                    })
            }
        }

        impl std::fmt::Display for $enum {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.pad(self.name())
            }
        }
    };
}

metric_enum! {
    /// A replication-level metric, the same for the plan and its baseline; the last six
    /// are the incentive cost by mechanism.
    pub enum Metric, N_METRICS {
        Revenue = "revenue": "team revenue over the horizon",
        RevenueGrowth = "revenue_growth": "revenue / the status quo's expected revenue over the horizon (the pre-plan run-rate through the seasons) - 1",
        NewCustomers = "new_customers": "new customers won over the horizon",
        ConvertedCustomers = "converted_customers": "new customers who converted into paying ones",
        Satisfaction = "satisfaction": "mean customer-satisfaction score (0-100) over rep-months",
        IncentiveCost = "incentive_cost": "all incentive cost over the horizon, raises costed over raise_horizon",
        CostOfSales = "cost_of_sales": "incentive_cost / revenue",
        Roi = "roi": "(revenue - the status quo's expected revenue - incentive_cost) / incentive_cost",
        TargetHitRate = "target_hit_rate": "share of rep-cycles at or above 100 % of the score target",
        TeamTargetHitRate = "team_target_hit_rate": "share of cycles in which the team reached 100 %",
        AttritionRate = "attrition_rate": "reps who left over the horizon / team size (exceeds 1 when slots turn over more than once)",
        EffortAcquisition = "effort_acquisition": "mean acquisition effort over rep-months",
        EffortService = "effort_service": "mean service effort over rep-months",
        Promotions = "promotions": "promotions granted over the horizon",
        BookEnd = "book_end": "paying customers in the team's books at the end",
        RepEffortCost = "rep_effort_cost": "reps' cost of effort over the horizon, in money",
        RepRiskPremium = "rep_risk_premium": "reps' risk premium on their variable pay over the horizon, in money",
        BudgetOverrunProbability = "budget_overrun_probability": "1 when incentive_cost exceeds the budget (its mean is the probability)",
        CostTargetBonus = "cost_target_bonus": "incentive cost of the target bonus",
        CostPerCustomer = "cost_per_customer": "incentive cost of the per-customer reward",
        CostCommission = "cost_commission": "incentive cost of the commission",
        CostPromotion = "cost_promotion": "cost of promotion raises over raise_horizon",
        CostSalaryAdjustment = "cost_salary_adjustment": "cost of salary adjustments over raise_horizon",
        CostTraining = "cost_training": "cost of training",
    }
}

metric_enum! {
    /// A per-period metric.
    pub enum PeriodMetric, N_PERIOD_METRICS {
        Revenue = "revenue": "team revenue in the period",
        NewCustomers = "new_customers": "new customers in the period",
        ConvertedCustomers = "converted_customers": "converted new customers in the period",
        Satisfaction = "satisfaction": "mean satisfaction score in the period",
        IncentiveCost = "incentive_cost": "incentive cost booked in the period",
        EffortAcquisition = "effort_acquisition": "mean acquisition effort in the period",
        EffortService = "effort_service": "mean service effort in the period",
        Leavers = "leavers": "reps who left at the end of the period",
        Book = "book": "paying customers in the books at the period's end",
    }
}

/// What kind of quantity a metric is, which decides how reports show it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    /// A ratio or a probability: shown as a percentage, and compared in absolute
    /// points (a comparison's default indifference zone is half a point).
    Share,
    /// A count or an amount of money.
    Amount,
    /// A score or a mean effort, shown with three decimals.
    Score,
}

/// The range of a paired difference of two values within `bounds`.
fn difference_of(bounds: Option<(f64, f64)>) -> Option<(f64, f64)> {
    bounds.map(|(lo, hi)| (lo - hi, hi - lo))
}

impl Metric {
    /// What kind of quantity it is.
    pub const fn scale(self) -> Scale {
        use Metric::*;
        match self {
            RevenueGrowth
            | CostOfSales
            | Roi
            | TargetHitRate
            | TeamTargetHitRate
            | AttritionRate
            | BudgetOverrunProbability => Scale::Share,
            Satisfaction | EffortAcquisition | EffortService => Scale::Score,
            Revenue | NewCustomers | ConvertedCustomers | IncentiveCost | Promotions | BookEnd
            | RepEffortCost | RepRiskPremium | CostTargetBonus | CostPerCustomer
            | CostCommission | CostPromotion | CostSalaryAdjustment | CostTraining => Scale::Amount,
        }
    }

    /// True when a smaller value is better: costs, attrition and budget overruns.
    pub const fn lower_is_better(self) -> bool {
        use Metric::*;
        match self {
            IncentiveCost
            | CostOfSales
            | AttritionRate
            | RepEffortCost
            | RepRiskPremium
            | BudgetOverrunProbability
            | CostTargetBonus
            | CostPerCustomer
            | CostCommission
            | CostPromotion
            | CostSalaryAdjustment
            | CostTraining => true,
            Revenue | RevenueGrowth | NewCustomers | ConvertedCustomers | Satisfaction | Roi
            | TargetHitRate | TeamTargetHitRate | EffortAcquisition | EffortService
            | Promotions | BookEnd => false,
        }
    }

    /// The range every replication's value of a share or a score lies in, so that its
    /// mean does too; `None` for metrics without fixed bounds. `attrition_rate` counts
    /// leavers per team slot, which exceeds 1 over horizons long enough for a slot to
    /// turn over more than once, so only its lower bound is fixed.
    pub const fn bounds(self) -> Option<(f64, f64)> {
        use Metric::*;
        match self {
            TargetHitRate | TeamTargetHitRate | BudgetOverrunProbability => Some((0.0, 1.0)),
            AttritionRate => Some((0.0, f64::INFINITY)),
            Satisfaction => Some((0.0, 100.0)),
            Revenue | RevenueGrowth | NewCustomers | ConvertedCustomers | IncentiveCost
            | CostOfSales | Roi | EffortAcquisition | EffortService | Promotions | BookEnd
            | RepEffortCost | RepRiskPremium | CostTargetBonus | CostPerCustomer
            | CostCommission | CostPromotion | CostSalaryAdjustment | CostTraining => None,
        }
    }

    /// The range of a paired difference of two values within [`Metric::bounds`].
    pub fn difference_bounds(self) -> Option<(f64, f64)> {
        difference_of(self.bounds())
    }

    /// For the cost of a mechanism, that mechanism's index in cost arrays (and in
    /// [`crate::mechanisms::MECHANISM_NAMES`]); `None` for every other metric.
    pub const fn mechanism(self) -> Option<usize> {
        use Metric::*;
        match self {
            CostTargetBonus => Some(mechanism::TARGET_BONUS),
            CostPerCustomer => Some(mechanism::PER_CUSTOMER),
            CostCommission => Some(mechanism::COMMISSION),
            CostPromotion => Some(mechanism::PROMOTION),
            CostSalaryAdjustment => Some(mechanism::SALARY_ADJUSTMENT),
            CostTraining => Some(mechanism::TRAINING),
            Revenue
            | RevenueGrowth
            | NewCustomers
            | ConvertedCustomers
            | Satisfaction
            | IncentiveCost
            | CostOfSales
            | Roi
            | TargetHitRate
            | TeamTargetHitRate
            | AttritionRate
            | EffortAcquisition
            | EffortService
            | Promotions
            | BookEnd
            | RepEffortCost
            | RepRiskPremium
            | BudgetOverrunProbability => None,
        }
    }

    /// The metric an optimiser's objective maximises, `None` for the composite
    /// objectives (profit, and profit net of the reps' participation).
    pub const fn of_objective(kind: ObjectiveKind) -> Option<Metric> {
        match kind {
            ObjectiveKind::RevenueGrowth => Some(Metric::RevenueGrowth),
            ObjectiveKind::Revenue => Some(Metric::Revenue),
            ObjectiveKind::NewCustomers => Some(Metric::NewCustomers),
            ObjectiveKind::Profit | ObjectiveKind::ProfitParticipation => None,
        }
    }
}

impl PeriodMetric {
    /// The range every replication's value lies in (see [`Metric::bounds`]); `None`
    /// for metrics without fixed bounds.
    pub const fn bounds(self) -> Option<(f64, f64)> {
        use PeriodMetric::*;
        match self {
            Satisfaction => Some((0.0, 100.0)),
            Revenue | NewCustomers | ConvertedCustomers | IncentiveCost | EffortAcquisition
            | EffortService | Leavers | Book => None,
        }
    }

    /// The range of a paired difference of two values within [`PeriodMetric::bounds`].
    pub fn difference_bounds(self) -> Option<(f64, f64)> {
        difference_of(self.bounds())
    }
}

/// Computes a replication's metrics from its totals, each at its [`Metric::index`].
pub fn replication_metrics(
    model: &Model,
    totals: &Totals,
    last: &PeriodRecord,
    out: &mut [f64; N_METRICS],
) {
    let s = &totals.sum;
    let run_rate = model.status_quo().expected_revenue(model.periods());
    let cost = s.incentive_cost;
    let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { f64::NAN };
    for m in Metric::ALL {
        out[m.index()] = match m {
            Metric::Revenue => s.revenue,
            Metric::RevenueGrowth => ratio(s.revenue, run_rate) - 1.0,
            Metric::NewCustomers => s.new_customers,
            Metric::ConvertedCustomers => s.converted,
            Metric::Satisfaction => ratio(s.satisfaction_sum, s.rep_periods),
            Metric::IncentiveCost => cost,
            Metric::CostOfSales => ratio(cost, s.revenue),
            Metric::Roi => ratio(s.revenue - run_rate - cost, cost),
            Metric::TargetHitRate => ratio(totals.hits, totals.rep_cycles),
            Metric::TeamTargetHitRate => ratio(totals.team_hits, totals.cycles),
            Metric::AttritionRate => s.leavers / model.reps().len() as f64,
            Metric::EffortAcquisition => ratio(s.effort_acquisition_sum, s.rep_periods),
            Metric::EffortService => ratio(s.effort_service_sum, s.rep_periods),
            Metric::Promotions => totals.promotions,
            Metric::BookEnd => last.book,
            Metric::RepEffortCost => s.effort_cost_sum,
            Metric::RepRiskPremium => s.risk_premium_sum,
            Metric::BudgetOverrunProbability => match model.budget() {
                Some(b) if cost > b => 1.0,
                _ => 0.0,
            },
            Metric::CostTargetBonus
            | Metric::CostPerCustomer
            | Metric::CostCommission
            | Metric::CostPromotion
            | Metric::CostSalaryAdjustment
            | Metric::CostTraining => m
                .mechanism()
                .map_or(f64::NAN, |k| totals.cost_by_mechanism[k]),
        };
    }
}

/// Computes a period's metrics from its record, each at its [`PeriodMetric::index`].
pub fn period_metrics(r: &PeriodRecord, out: &mut [f64]) {
    let per_rep = |x: f64| {
        if r.rep_periods > 0.0 {
            x / r.rep_periods
        } else {
            f64::NAN
        }
    };
    for m in PeriodMetric::ALL {
        out[m.index()] = match m {
            PeriodMetric::Revenue => r.revenue,
            PeriodMetric::NewCustomers => r.new_customers,
            PeriodMetric::ConvertedCustomers => r.converted,
            PeriodMetric::Satisfaction => per_rep(r.satisfaction_sum),
            PeriodMetric::IncentiveCost => r.incentive_cost,
            PeriodMetric::EffortAcquisition => per_rep(r.effort_acquisition_sum),
            PeriodMetric::EffortService => per_rep(r.effort_service_sum),
            PeriodMetric::Leavers => r.leavers,
            PeriodMetric::Book => r.book,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mechanisms::MECHANISM_NAMES;

    #[test]
    fn all_lists_each_metric_at_its_index_with_a_unique_name() {
        for (i, m) in Metric::ALL.into_iter().enumerate() {
            assert_eq!(m.index(), i);
            assert_eq!(Metric::from_name(m.name()), Ok(m));
        }
        for (i, m) in PeriodMetric::ALL.into_iter().enumerate() {
            assert_eq!(m.index(), i);
            assert_eq!(PeriodMetric::from_name(m.name()), Ok(m));
        }
        let e = Metric::from_name("speed").unwrap_err();
        assert_eq!(e.known.len(), N_METRICS);
        assert!(e
            .to_string()
            .starts_with("speed: not a metric; the metrics are revenue, revenue_growth,"));
    }

    #[test]
    fn each_mechanism_has_one_cost_metric_named_after_it() {
        for (k, name) in MECHANISM_NAMES.iter().enumerate() {
            let costs: Vec<Metric> = Metric::ALL
                .into_iter()
                .filter(|m| m.mechanism() == Some(k))
                .collect();
            assert_eq!(costs.len(), 1, "{name}");
            assert_eq!(costs[0].name(), format!("cost_{name}"));
            assert!(costs[0].lower_is_better() && costs[0].scale() == Scale::Amount);
        }
    }

    #[test]
    fn bounded_metrics_and_their_differences() {
        assert_eq!(Metric::TargetHitRate.bounds(), Some((0.0, 1.0)));
        assert_eq!(Metric::TargetHitRate.difference_bounds(), Some((-1.0, 1.0)));
        assert_eq!(
            Metric::AttritionRate.difference_bounds(),
            Some((f64::NEG_INFINITY, f64::INFINITY))
        );
        assert_eq!(
            PeriodMetric::Satisfaction.difference_bounds(),
            Some((-100.0, 100.0))
        );
        assert_eq!(Metric::Revenue.bounds(), None);
        // Every bounded metric is a share or a score: amounts have no fixed range.
        for m in Metric::ALL {
            if m.bounds().is_some() {
                assert_ne!(m.scale(), Scale::Amount, "{m:?}");
            }
        }
    }
}
