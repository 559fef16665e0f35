//! The standard figures of plan variants for the HTML report: the distribution of
//! revenue growth, cost against growth with the budget line, each mechanism's pay
//! against attainment, the attainment histogram and per-period trajectories.

use plansim_sim::engine::metrics::{Metric, PeriodMetric, N_PERIOD_METRICS};
use plansim_sim::mechanisms::{AttainmentPayout, PromotionRule};
use plansim_sim::model::{cycle_target, Model, Outcome, Plan};
use plansim_sim::scenario::{CommissionBase, CustomerCount};
use plansim_sim::tally::Tally;

use crate::charts::{self, Axis, Cloud, Labels, Line};
use crate::html::Section;
use crate::i18n::{mechanism_label, Lang, T};
use crate::Result;

/// What the figures show of one variant.
pub struct VariantView<'a> {
    /// Legend name.
    pub label: String,
    /// Its model (team, targets, outcome).
    pub model: &'a Model,
    /// Its plan.
    pub plan: &'a Plan,
    /// Replication metrics, values kept.
    pub metrics: &'a Tally,
    /// Per-period metrics (moments).
    pub periods: &'a Tally,
    /// Rep-cycle attainments of a sample of replications.
    pub attainments: &'a [f64],
}

fn column(t: &Tally, m: Metric) -> &[f64] {
    t.values(m.index()).unwrap_or(&[])
}

/// The distribution of revenue growth of each variant.
pub fn growth_distribution(views: &[VariantView<'_>], lang: Lang) -> Result<String> {
    let series: Vec<(String, Vec<f64>)> = views
        .iter()
        .map(|v| {
            (
                v.label.clone(),
                column(v.metrics, Metric::RevenueGrowth).to_vec(),
            )
        })
        .collect();
    charts::histogram(
        &Labels {
            title: T::GrowthDistribution.text(lang),
            x: T::RevenueGrowth.text(lang),
            y: T::ShareOfReplications.text(lang),
        },
        &series,
        Axis::Percent,
        30,
        None,
        None,
    )
}

/// Each replication's incentive cost against its revenue growth, with the budget line.
pub fn cost_vs_growth(
    views: &[VariantView<'_>],
    budget: Option<f64>,
    lang: Lang,
) -> Result<String> {
    const MOST_POINTS: usize = 400;
    let clouds: Vec<Cloud> = views
        .iter()
        .map(|v| {
            let cost = column(v.metrics, Metric::IncentiveCost);
            let growth = column(v.metrics, Metric::RevenueGrowth);
            let step = cost.len().div_ceil(MOST_POINTS).max(1);
            let mean = |x: &[f64]| x.iter().sum::<f64>() / x.len().max(1) as f64;
            Cloud {
                name: v.label.clone(),
                points: cost
                    .iter()
                    .zip(growth)
                    .step_by(step)
                    .map(|(c, g)| (*c, *g))
                    .collect(),
                mean: (mean(cost), mean(growth)),
            }
        })
        .collect();
    charts::scatter(
        &Labels {
            title: T::CostVsGrowth.text(lang),
            x: T::IncentiveCost.text(lang),
            y: T::RevenueGrowth.text(lang),
        },
        &clouds,
        (Axis::Amount, Axis::Percent),
        budget.map(|b| (b, T::Budget.text(lang))),
    )
}

/// Pay per rep per cycle from each of a plan's mechanisms against attainment, for a
/// rep with the team's average targets reaching the same attainment on both KPIs
/// (and their total); empty when the plan pays nothing that depends on attainment.
pub fn payout_lines(model: &Model, plan: &Plan, lang: Lang) -> Vec<Line> {
    let n = model.reps().len().max(1) as f64;
    let run_rev = model.reps().iter().map(|r| r.run_rate_revenue).sum::<f64>() / n;
    let run_nc = model
        .reps()
        .iter()
        .map(|r| r.run_rate_new_customers)
        .sum::<f64>()
        / n;
    let salary = model.reps().iter().map(|r| r.base_salary).sum::<f64>() / n;
    let len = plan.cycle_len.min(model.periods()).max(1);
    let t_rev = cycle_target(model.revenue_target(), run_rev, 0, len, None);
    let t_nc = cycle_target(model.new_customer_target(), run_nc, 0, len, None);
    let (conversion, deal) = match model.outcome() {
        Outcome::Funnel(f) => (f.conversion, f.deal_mean),
        Outcome::LinearNormal { .. } => (0.0, 0.0),
    };
    let grid: Vec<f64> = (0..=80).map(|i| i as f64 * 0.025).collect();
    let mut out: Vec<(&'static str, Vec<f64>)> = Vec::new();
    if let Some(b) = &plan.target_bonus {
        out.push(("target_bonus", grid.iter().map(|&x| b.payout(x)).collect()));
    }
    if let Some(c) = &plan.commission {
        let pay = |x: f64| match c.on {
            CommissionBase::Revenue if t_rev > 0.0 => t_rev * c.payout(x),
            CommissionBase::Revenue => c.base_rate * x * t_rev,
            CommissionBase::NewRevenue => c.base_rate * x * t_nc * conversion * deal,
        };
        out.push(("commission", grid.iter().map(|&x| pay(x)).collect()));
    }
    if let Some(p) = &plan.per_customer {
        let per = match p.on {
            CustomerCount::New => 1.0,
            CustomerCount::Converted => conversion,
        };
        out.push((
            "per_customer",
            grid.iter().map(|&x| p.amount * per * x * t_nc).collect(),
        ));
    }
    if let Some(p) = &plan.promotion {
        if let PromotionRule::Chance(chance) = p.rule {
            let cost = p.cost(salary, plan.raise_horizon);
            out.push((
                "promotion",
                grid.iter()
                    .map(|&x| cost * (1.0 - (1.0 - chance).powf(x * t_nc * conversion)))
                    .collect(),
            ));
        }
    }
    if let Some(s) = &plan.salary_adjustment {
        let share = len as f64 / s.review_every.max(1) as f64;
        out.push((
            "salary_adjustment",
            grid.iter()
                .map(|&x| s.raise(x, x) * salary * plan.raise_horizon as f64 * share)
                .collect(),
        ));
    }
    let mut lines: Vec<Line> = out
        .iter()
        .map(|(name, ys)| Line {
            name: mechanism_label(name, lang).to_string(),
            points: grid.iter().copied().zip(ys.iter().copied()).collect(),
            band: None,
            thin: false,
        })
        .collect();
    if out.len() > 1 {
        lines.push(Line {
            name: T::Total.text(lang).to_string(),
            points: grid
                .iter()
                .enumerate()
                .map(|(i, &x)| (x, out.iter().map(|(_, ys)| ys[i]).sum()))
                .collect(),
            band: None,
            thin: true,
        });
    }
    lines
}

/// The chart of [`payout_lines`]; None when the plan pays nothing that depends on attainment.
pub fn payout_curves(v: &VariantView<'_>, lang: Lang) -> Result<Option<String>> {
    let lines = payout_lines(v.model, v.plan, lang);
    if lines.is_empty() {
        return Ok(None);
    }
    let title = format!("{}: {}", T::PayoutCurves.text(lang), v.label);
    charts::lines(
        &Labels {
            title: &title,
            x: T::Attainment.text(lang),
            y: T::PayPerCycle.text(lang),
        },
        &lines,
        (Axis::Percent, Axis::Amount),
        true,
    )
    .map(Some)
}

/// Histogram of rep-cycle attainment of each variant, with a line at 100 %.
pub fn attainment_histogram(views: &[VariantView<'_>], lang: Lang) -> Result<String> {
    let series: Vec<(String, Vec<f64>)> = views
        .iter()
        .map(|v| (v.label.clone(), v.attainments.to_vec()))
        .collect();
    charts::histogram(
        &Labels {
            title: T::AttainmentHistogram.text(lang),
            x: T::Attainment.text(lang),
            y: T::ShareOfRepCycles.text(lang),
        },
        &series,
        Axis::Percent,
        25,
        Some((0.0, 2.5)),
        Some((1.0, T::FullTarget.text(lang))),
    )
}

/// Team revenue per period of each variant: the mean with a band holding the middle
/// 90 % of replications (mean +/- 1.645 sd).
pub fn trajectories(views: &[VariantView<'_>], lang: Lang) -> Result<String> {
    let lines: Vec<Line> = views
        .iter()
        .map(|v| {
            let mut points = Vec::new();
            let mut band = Vec::new();
            for t in 0..v.model.periods() as usize {
                let m = v
                    .periods
                    .moments(t * N_PERIOD_METRICS + PeriodMetric::Revenue.index());
                let sd = if m.n >= 2 { m.variance().sqrt() } else { 0.0 };
                points.push(((t + 1) as f64, m.mean));
                band.push((m.mean - 1.645 * sd, m.mean + 1.645 * sd));
            }
            Line {
                name: v.label.clone(),
                points,
                band: Some(band),
                thin: false,
            }
        })
        .collect();
    charts::lines(
        &Labels {
            title: T::Trajectories.text(lang),
            x: T::Period.text(lang),
            y: T::Revenue.text(lang),
        },
        &lines,
        (Axis::Whole, Axis::Amount),
        false,
    )
}

/// A section with every standard figure of the variants.
pub fn charts_section(
    views: &[VariantView<'_>],
    budget: Option<f64>,
    lang: Lang,
) -> Result<Section> {
    let mut s = Section::new(T::Charts.text(lang))
        .chart(
            growth_distribution(views, lang)?,
            T::GrowthDistribution.text(lang),
        )
        .chart(
            cost_vs_growth(views, budget, lang)?,
            T::ScatterNote.text(lang),
        );
    for v in views {
        if let Some(svg) = payout_curves(v, lang)? {
            s = s.chart(svg, T::PayoutNote.text(lang));
        }
    }
    s = s
        .chart(
            attainment_histogram(views, lang)?,
            T::AttainmentNote.text(lang),
        )
        .chart(trajectories(views, lang)?, T::BandNote.text(lang));
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use plansim_sim::scenario::default_scenario;

    #[test]
    fn default_plan_has_a_curve_per_paying_mechanism_and_a_total() {
        let model = Model::new(&default_scenario());
        let lines = payout_lines(&model, model.plan(), Lang::En);
        let names: Vec<&str> = lines.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(
            names,
            vec![
                "Target bonus",
                "Per-customer reward",
                "Promotion",
                "Salary adjustment",
                "Total"
            ]
        );
        // The bonus steps at 100 %; the total is the sum.
        let bonus = &lines[0].points;
        assert_eq!(bonus[39].1, 0.0);
        assert_eq!(bonus[40], (1.0, 2500.0));
        let total: f64 = lines[..4].iter().map(|l| l.points[60].1).sum();
        assert!((lines[4].points[60].1 - total).abs() < 1e-9);
        // The status quo pays commission on new revenue only.
        let base = payout_lines(&model, model.baseline(), Lang::Zh);
        assert_eq!(base.len(), 1);
        assert_eq!(base[0].name, "提成");
    }
}
