//! Reports of a run: the JSON document, the human table and the CSV files, all
//! built from one [`RunReport`].

pub mod charts;
pub mod compare;
pub mod csv_out;
pub mod csv_safe;
pub mod figures;
pub mod html;
pub mod i18n;
pub mod optimize;
pub mod optimize_page;
pub mod pages;
pub mod rounds;
pub mod table;

use std::collections::BTreeMap;

use serde::Serialize;

use plansim_sim::engine::RunTally;
use plansim_sim::mechanisms::MECHANISM_NAMES;
use plansim_sim::metrics::{
    self, BUDGET_OVERRUN, FIRST_COST, METRICS, N_PERIOD_METRICS, PERIOD_METRICS,
};
use plansim_sim::model::Model;
use plansim_sim::tally::{Summary, Tally, Z95};

use crate::warnings::Warnings;

/// A summary of a difference, with the standard error independent runs would have had.
#[derive(Serialize, Clone, Copy, Debug)]
pub struct DifferenceSummary {
    /// The paired summary.
    #[serde(flatten)]
    pub paired: Summary,
    /// Standard error of the difference had plan and baseline been run on independent seeds.
    pub std_err_unpaired: f64,
}

/// Mean and interval of a per-period metric.
#[derive(Serialize, Clone, Copy, Debug)]
pub struct PeriodSummary {
    /// Mean over replications.
    pub mean: f64,
    /// Standard error of the mean.
    pub std_err: f64,
    /// Lower end of the 95 % interval.
    pub ci95_low: f64,
    /// Upper end of the 95 % interval.
    pub ci95_high: f64,
}

/// One period's metrics.
#[derive(Serialize, Clone, Debug)]
pub struct PeriodRow {
    /// Period number, from 1.
    pub period: u32,
    /// Under the plan.
    pub plan: BTreeMap<&'static str, PeriodSummary>,
    /// Under the baseline.
    pub baseline: BTreeMap<&'static str, PeriodSummary>,
    /// Paired difference.
    pub difference: BTreeMap<&'static str, PeriodSummary>,
}

/// Costs by mechanism under both plans.
#[derive(Serialize, Clone, Debug)]
pub struct CostByMechanism {
    /// Under the plan.
    pub plan: BTreeMap<&'static str, Summary>,
    /// Under the baseline.
    pub baseline: BTreeMap<&'static str, Summary>,
}

/// Everything a run reports.
#[derive(Serialize, Clone, Debug)]
pub struct RunReport {
    /// Scenario name.
    pub scenario: String,
    /// Where the scenario came from.
    pub source: String,
    /// What makes some figures less trustworthy than their intervals say (a plan
    /// without an equilibrium, a status quo without a steady state); empty when none.
    pub warnings: Warnings,
    /// Seed of the random streams.
    pub seed: u64,
    /// Replications run.
    pub replications: u64,
    /// Periods in the horizon.
    pub periods: u32,
    /// Reps in the team.
    pub team_size: usize,
    /// Team run-rate of monthly revenue before the plan.
    pub run_rate_revenue: f64,
    /// Budget on incentive cost, if any.
    pub budget: Option<f64>,
    /// Metrics under the plan.
    pub metrics: BTreeMap<&'static str, Summary>,
    /// Metrics under the baseline.
    pub baseline: BTreeMap<&'static str, Summary>,
    /// Paired differences, plan minus baseline.
    pub difference: BTreeMap<&'static str, DifferenceSummary>,
    /// Incentive cost by mechanism.
    pub cost_by_mechanism: CostByMechanism,
    /// Per-period metrics.
    pub per_period: Vec<PeriodRow>,
    /// Metric names in table order (not serialised).
    #[serde(skip)]
    pub order: Vec<&'static str>,
}

/// True when metric `i` is reported (budget overrun only with a budget; costs go by mechanism).
fn reported(i: usize, model: &Model) -> bool {
    i < FIRST_COST && (i != BUDGET_OVERRUN || model.budget.is_some())
}

fn period_summary(t: &Tally, col: usize, bounds: Option<(f64, f64)>) -> PeriodSummary {
    let m = t.moments(col);
    let se = if m.n >= 2 { m.std_err() } else { 0.0 };
    let clamp = |x: f64| bounds.map_or(x, |(lo, hi)| x.clamp(lo, hi));
    PeriodSummary {
        mean: m.mean,
        std_err: se,
        ci95_low: clamp(m.mean - Z95 * se),
        ci95_high: clamp(m.mean + Z95 * se),
    }
}

impl RunReport {
    /// Builds the report of a finished run.
    pub fn new(
        model: &Model,
        source: &str,
        seed: u64,
        tally: &RunTally,
        warnings: Warnings,
    ) -> Self {
        let mut metrics = BTreeMap::new();
        let mut baseline = BTreeMap::new();
        let mut difference = BTreeMap::new();
        let mut order = Vec::new();
        for (i, def) in METRICS.iter().enumerate() {
            if !reported(i, model) {
                continue;
            }
            order.push(def.name);
            let bounds = metrics::bounds(def.name);
            let a = tally.plan.summary(i).within(bounds);
            let b = tally.baseline.summary(i).within(bounds);
            let unpaired = (a.std_err * a.std_err + b.std_err * b.std_err).sqrt();
            metrics.insert(def.name, a);
            baseline.insert(def.name, b);
            difference.insert(
                def.name,
                DifferenceSummary {
                    paired: tally
                        .difference
                        .summary(i)
                        .within(metrics::difference_bounds(def.name)),
                    std_err_unpaired: unpaired,
                },
            );
        }
        let mut cost = CostByMechanism {
            plan: BTreeMap::new(),
            baseline: BTreeMap::new(),
        };
        for (k, name) in MECHANISM_NAMES.iter().enumerate() {
            cost.plan.insert(*name, tally.plan.summary(FIRST_COST + k));
            cost.baseline
                .insert(*name, tally.baseline.summary(FIRST_COST + k));
        }
        let per_period = (0..model.periods)
            .map(|t| {
                let mut row = PeriodRow {
                    period: t + 1,
                    plan: BTreeMap::new(),
                    baseline: BTreeMap::new(),
                    difference: BTreeMap::new(),
                };
                for (k, def) in PERIOD_METRICS.iter().enumerate() {
                    let col = t as usize * N_PERIOD_METRICS + k;
                    let (b, d) = (
                        metrics::bounds(def.name),
                        metrics::difference_bounds(def.name),
                    );
                    row.plan
                        .insert(def.name, period_summary(&tally.plan_periods, col, b));
                    row.baseline
                        .insert(def.name, period_summary(&tally.baseline_periods, col, b));
                    row.difference
                        .insert(def.name, period_summary(&tally.difference_periods, col, d));
                }
                row
            })
            .collect();
        RunReport {
            scenario: model.name.clone(),
            source: source.to_string(),
            warnings,
            seed,
            replications: tally.replications(),
            periods: model.periods,
            team_size: model.reps.len(),
            run_rate_revenue: model.run_rate_revenue(),
            budget: model.budget,
            metrics,
            baseline,
            difference,
            cost_by_mechanism: cost,
            per_period,
            order,
        }
    }

    /// The report as pretty JSON with a final newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("reports serialise");
        s.push('\n');
        s
    }
}
