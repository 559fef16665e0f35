//! The KPIs reported for each replication and each period, and how they are computed.
//!
//! docs/model.md defines each one for users; the names here are the ones in the
//! JSON and CSV outputs.

use super::simulate::{PeriodRecord, Totals};
use crate::model::Model;

/// A reported metric: its output name and a one-line definition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MetricDef {
    /// Name in the outputs.
    pub name: &'static str,
    /// One-line definition.
    pub definition: &'static str,
}

/// Replication-level metrics, in output order; the last six are costs by mechanism.
pub const METRICS: [MetricDef; 24] = [
    MetricDef {
        name: "revenue",
        definition: "team revenue over the horizon",
    },
    MetricDef {
        name: "revenue_growth",
        definition: "revenue / the status quo's expected revenue over the horizon (the pre-plan run-rate through the seasons) - 1",
    },
    MetricDef {
        name: "new_customers",
        definition: "new customers won over the horizon",
    },
    MetricDef {
        name: "converted_customers",
        definition: "new customers who converted into paying ones",
    },
    MetricDef {
        name: "satisfaction",
        definition: "mean customer-satisfaction score (0-100) over rep-months",
    },
    MetricDef {
        name: "incentive_cost",
        definition: "all incentive cost over the horizon, raises costed over raise_horizon",
    },
    MetricDef {
        name: "cost_of_sales",
        definition: "incentive_cost / revenue",
    },
    MetricDef {
        name: "roi",
        definition: "(revenue - the status quo's expected revenue - incentive_cost) / incentive_cost",
    },
    MetricDef {
        name: "target_hit_rate",
        definition: "share of rep-cycles at or above 100 % of the score target",
    },
    MetricDef {
        name: "team_target_hit_rate",
        definition: "share of cycles in which the team reached 100 %",
    },
    MetricDef {
        name: "attrition_rate",
        definition: "reps who left over the horizon / team size (exceeds 1 when slots turn over more than once)",
    },
    MetricDef {
        name: "effort_acquisition",
        definition: "mean acquisition effort over rep-months",
    },
    MetricDef {
        name: "effort_service",
        definition: "mean service effort over rep-months",
    },
    MetricDef {
        name: "promotions",
        definition: "promotions granted over the horizon",
    },
    MetricDef {
        name: "book_end",
        definition: "paying customers in the team's books at the end",
    },
    MetricDef {
        name: "rep_effort_cost",
        definition: "reps' cost of effort over the horizon, in money",
    },
    MetricDef {
        name: "rep_risk_premium",
        definition: "reps' risk premium on their variable pay over the horizon, in money",
    },
    MetricDef {
        name: "budget_overrun_probability",
        definition: "1 when incentive_cost exceeds the budget (its mean is the probability)",
    },
    MetricDef {
        name: "cost_target_bonus",
        definition: "incentive cost of the target bonus",
    },
    MetricDef {
        name: "cost_per_customer",
        definition: "incentive cost of the per-customer reward",
    },
    MetricDef {
        name: "cost_commission",
        definition: "incentive cost of the commission",
    },
    MetricDef {
        name: "cost_promotion",
        definition: "cost of promotion raises over raise_horizon",
    },
    MetricDef {
        name: "cost_salary_adjustment",
        definition: "cost of salary adjustments over raise_horizon",
    },
    MetricDef {
        name: "cost_training",
        definition: "cost of training",
    },
];

/// Number of replication-level metrics.
pub const N_METRICS: usize = METRICS.len();
/// Index of the first cost-by-mechanism metric.
pub const FIRST_COST: usize = 18;
/// Index of `budget_overrun_probability`.
pub const BUDGET_OVERRUN: usize = 17;

/// The range every replication's value of a share or a score lies in (the same name
/// per replication and per period), so that its mean does too; `None` for metrics
/// without fixed bounds. `attrition_rate` counts leavers per team slot, which exceeds 1
/// over horizons long enough for a slot to turn over more than once, so only its lower
/// bound is fixed.
pub fn bounds(name: &str) -> Option<(f64, f64)> {
    match name {
        "target_hit_rate" | "team_target_hit_rate" | "budget_overrun_probability" => {
            Some((0.0, 1.0))
        }
        "attrition_rate" => Some((0.0, f64::INFINITY)),
        "satisfaction" => Some((0.0, 100.0)),
        _ => None,
    }
}

/// The range of a paired difference of two values within [`bounds`].
pub fn difference_bounds(name: &str) -> Option<(f64, f64)> {
    bounds(name).map(|(lo, hi)| (lo - hi, hi - lo))
}

/// Index of a metric by name.
pub fn metric_index(name: &str) -> Option<usize> {
    METRICS.iter().position(|m| m.name == name)
}

/// Per-period metrics, in output order.
pub const PERIOD_METRICS: [MetricDef; 9] = [
    MetricDef {
        name: "revenue",
        definition: "team revenue in the period",
    },
    MetricDef {
        name: "new_customers",
        definition: "new customers in the period",
    },
    MetricDef {
        name: "converted_customers",
        definition: "converted new customers in the period",
    },
    MetricDef {
        name: "satisfaction",
        definition: "mean satisfaction score in the period",
    },
    MetricDef {
        name: "incentive_cost",
        definition: "incentive cost booked in the period",
    },
    MetricDef {
        name: "effort_acquisition",
        definition: "mean acquisition effort in the period",
    },
    MetricDef {
        name: "effort_service",
        definition: "mean service effort in the period",
    },
    MetricDef {
        name: "leavers",
        definition: "reps who left at the end of the period",
    },
    MetricDef {
        name: "book",
        definition: "paying customers in the books at the period's end",
    },
];

/// Number of per-period metrics.
pub const N_PERIOD_METRICS: usize = PERIOD_METRICS.len();

/// Computes a replication's metrics from its totals.
pub fn replication_metrics(
    model: &Model,
    totals: &Totals,
    last: &PeriodRecord,
    out: &mut [f64; N_METRICS],
) {
    let s = &totals.sum;
    let run_rate = model.status_quo.expected_revenue(model.periods);
    let cost = s.incentive_cost;
    let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { f64::NAN };
    out[0] = s.revenue;
    out[1] = ratio(s.revenue, run_rate) - 1.0;
    out[2] = s.new_customers;
    out[3] = s.converted;
    out[4] = ratio(s.satisfaction_sum, s.rep_periods);
    out[5] = cost;
    out[6] = ratio(cost, s.revenue);
    out[7] = ratio(s.revenue - run_rate - cost, cost);
    out[8] = ratio(totals.hits, totals.rep_cycles);
    out[9] = ratio(totals.team_hits, totals.cycles);
    out[10] = s.leavers / model.reps.len() as f64;
    out[11] = ratio(s.effort_acquisition_sum, s.rep_periods);
    out[12] = ratio(s.effort_service_sum, s.rep_periods);
    out[13] = totals.promotions;
    out[14] = last.book;
    out[15] = s.effort_cost_sum;
    out[16] = s.risk_premium_sum;
    out[BUDGET_OVERRUN] = match model.budget {
        Some(b) if cost > b => 1.0,
        _ => 0.0,
    };
    out[FIRST_COST..].copy_from_slice(&totals.cost_by_mechanism);
}

/// Computes a period's metrics from its record.
pub fn period_metrics(r: &PeriodRecord, out: &mut [f64]) {
    let per_rep = |x: f64| {
        if r.rep_periods > 0.0 {
            x / r.rep_periods
        } else {
            f64::NAN
        }
    };
    out[0] = r.revenue;
    out[1] = r.new_customers;
    out[2] = r.converted;
    out[3] = per_rep(r.satisfaction_sum);
    out[4] = r.incentive_cost;
    out[5] = per_rep(r.effort_acquisition_sum);
    out[6] = per_rep(r.effort_service_sum);
    out[7] = r.leavers;
    out[8] = r.book;
}
