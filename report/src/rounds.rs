//! Reports of `plansim rounds`: per-round KPIs with 90 % bands, the parameters in
//! force, cumulative cost against the budget, final KPIs, and a fan chart; as a
//! table, JSON, CSV or an HTML page ([`RoundsReport`]).

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;

use plansim_analysis::rounds::PolicyRun;
use plansim_analysis::warnings::Warnings;
use plansim_sim::engine::metrics::{Metric, N_METRICS};
use plansim_sim::rounds::{RoundsSpec, TrajectoryRecord};
use plansim_sim::scenario::ValidScenario;
use plansim_sim::tally::{quantile, Summary, Tally};

use crate::format::grouped;
use crate::html::{Document, Section, Table};
use crate::i18n::{metric_label, Lang, T};
use crate::warnings::{csv_rows, table_lines, texts};
use crate::{Error, Result};

/// Mean and 90 % band of a quantity across replications.
#[derive(Serialize, Clone, Copy, Debug)]
pub struct Band {
    /// Mean.
    pub mean: f64,
    /// 5th percentile.
    pub p05: f64,
    /// 95th percentile.
    pub p95: f64,
}

impl Band {
    fn of(values: &[f64]) -> Band {
        let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
        if finite.is_empty() {
            return Band {
                mean: f64::NAN,
                p05: f64::NAN,
                p95: f64::NAN,
            };
        }
        let mut sorted = finite.clone();
        sorted.sort_unstable_by(f64::total_cmp);
        Band {
            mean: finite.iter().sum::<f64>() / finite.len() as f64,
            p05: quantile(&sorted, 0.05),
            p95: quantile(&sorted, 0.95),
        }
    }
}

/// One round's figures.
#[derive(Serialize, Clone, Debug)]
pub struct RoundRow {
    /// Round number, from 1.
    pub round: u32,
    /// Parameters in force (their spread when the policy adapts per replication).
    pub params: BTreeMap<String, Band>,
    /// KPIs of the round.
    pub metrics: BTreeMap<&'static str, Band>,
}

/// The report of one policy.
#[derive(Serialize, Clone, Debug)]
pub struct PolicyReport {
    /// The policy.
    pub policy: String,
    /// Each round.
    pub rounds: Vec<RoundRow>,
    /// KPIs over the whole horizon.
    pub final_metrics: BTreeMap<&'static str, Summary>,
    /// Distinct plans whose behaviour was solved.
    pub plans_solved: usize,
    #[serde(skip)]
    values: Vec<Vec<f64>>,
}

/// Builds the report of one policy's run from every replication's record, in
/// replication order, and the number of behaviour solves.
pub fn policy_report(
    name: &str,
    paths: &[String],
    records: &[TrajectoryRecord],
    plans_solved: usize,
) -> PolicyReport {
    let rounds = records.first().map_or(0, |t| t.observations.len());
    let rows = (0..rounds)
        .map(|k| {
            let obs: Vec<_> = records.iter().map(|t| t.observations[k]).collect();
            let band = |f: &dyn Fn(&plansim_sim::rounds::RoundObservation) -> f64| {
                Band::of(&obs.iter().map(f).collect::<Vec<_>>())
            };
            let mut metrics = BTreeMap::new();
            metrics.insert("revenue", band(&|o| o.revenue));
            metrics.insert("new_customers", band(&|o| o.new_customers));
            metrics.insert("target_revenue", band(&|o| o.target_revenue));
            metrics.insert("target_new_customers", band(&|o| o.target_new_customers));
            metrics.insert("score", band(&|o| o.score));
            metrics.insert("incentive_cost", band(&|o| o.cost));
            metrics.insert("cumulative_cost", band(&|o| o.spent));
            metrics.insert("target_hit_rate", band(&|o| o.hit_rate));
            metrics.insert("effort_acquisition", band(&|o| o.effort_acquisition));
            let params = paths
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    (
                        p.clone(),
                        Band::of(&records.iter().map(|t| t.params[k][i]).collect::<Vec<_>>()),
                    )
                })
                .collect();
            RoundRow {
                round: k as u32 + 1,
                params,
                metrics,
            }
        })
        .collect();
    // The values are kept once, in `values` (for the paired differences); the
    // tally keeps sketches for the quantiles.
    let mut tally = Tally::sketched(N_METRICS);
    for t in records {
        tally.push(&t.metrics);
    }
    let final_metrics = Metric::ALL
        .into_iter()
        .map(|m| (m.name(), tally.summary(m.index()).within(m.bounds())))
        .collect();
    let values = (0..N_METRICS)
        .map(|i| records.iter().map(|t| t.metrics[i]).collect())
        .collect();
    PolicyReport {
        policy: name.to_string(),
        rounds: rows,
        final_metrics,
        plans_solved,
        values,
    }
}

/// Paired differences of final KPIs, policy minus the first policy.
pub fn differences(reports: &[PolicyReport]) -> BTreeMap<String, BTreeMap<&'static str, Summary>> {
    let mut out = BTreeMap::new();
    let Some(first) = reports.first() else {
        return out;
    };
    for r in &reports[1..] {
        let mut tally = Tally::sketched(N_METRICS);
        for rep in 0..r.values.first().map_or(0, |v| v.len()) {
            let row: Vec<f64> = (0..N_METRICS)
                .map(|i| r.values[i][rep] - first.values[i][rep])
                .collect();
            tally.push(&row);
        }
        let diff = Metric::ALL
            .into_iter()
            .map(|m| {
                let s = tally.summary(m.index());
                (m.name(), s.within(m.difference_bounds()))
            })
            .collect();
        out.insert(format!("{} - {}", r.policy, first.policy), diff);
    }
    out
}

/// The metrics the page shows of the whole horizon.
const FINAL: [Metric; 8] = [
    Metric::Revenue,
    Metric::RevenueGrowth,
    Metric::NewCustomers,
    Metric::IncentiveCost,
    Metric::CostOfSales,
    Metric::TargetHitRate,
    Metric::AttritionRate,
    Metric::BudgetOverrunProbability,
];

fn num(x: f64) -> String {
    if !x.is_finite() {
        "n/a".into()
    } else if x.abs() >= 100.0 {
        grouped(x, 0)
    } else {
        format!("{x:.3}")
    }
}

/// The human-readable table of one or more policies.
pub fn table(
    header: &str,
    reports: &[PolicyReport],
    diffs: &BTreeMap<String, BTreeMap<&'static str, Summary>>,
    budget: Option<f64>,
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{header}");
    if let Some(b) = budget {
        let _ = writeln!(
            out,
            "budget on incentive cost over all rounds: {}",
            grouped(b, 0)
        );
    }
    for r in reports {
        let _ = writeln!(
            out,
            "\npolicy: {} ({} plans solved)",
            r.policy, r.plans_solved
        );
        let _ = writeln!(
            out,
            "{:>5}  {:>34}  {:>30}  {:>24}  {:>9}  parameters (mean [P5, P95])",
            "round",
            "revenue mean [P5, P95]",
            "new customers mean [P5, P95]",
            "cumulative cost",
            "hit rate",
        );
        for row in &r.rounds {
            let m = &row.metrics;
            let b = |k: &str| {
                let x = m[k];
                format!("{} [{}, {}]", num(x.mean), num(x.p05), num(x.p95))
            };
            let params: Vec<String> = row
                .params
                .iter()
                .map(|(p, x)| {
                    format!(
                        "{}={} [{}, {}]",
                        p.trim_start_matches("plan."),
                        num(x.mean),
                        num(x.p05),
                        num(x.p95)
                    )
                })
                .collect();
            let _ = writeln!(
                out,
                "{:>5}  {:>34}  {:>30}  {:>24}  {:>8.1}%  {}",
                row.round,
                b("revenue"),
                b("new_customers"),
                num(m["cumulative_cost"].mean),
                100.0 * m["target_hit_rate"].mean,
                params.join(", ")
            );
        }
        let _ = writeln!(out, "final KPIs over all rounds (mean [95% CI]):");
        for m in FINAL {
            let s = r.final_metrics[m.name()];
            let _ = writeln!(
                out,
                "  {:<28} {} [{}, {}]",
                m.name(),
                num(s.mean),
                num(s.ci95_low),
                num(s.ci95_high)
            );
        }
    }
    for (name, d) in diffs {
        let _ = writeln!(
            out,
            "\npaired difference of final KPIs, {name} (common random numbers):"
        );
        for m in FINAL {
            let s = d[m.name()];
            let _ = writeln!(
                out,
                "  {:<28} {} [{}, {}]",
                m.name(),
                num(s.mean),
                num(s.ci95_low),
                num(s.ci95_high)
            );
        }
    }
    out
}

/// rounds.csv: a `warning` row per warning, then one row per policy, round and metric.
pub fn rounds_csv(reports: &[PolicyReport], warnings: &Warnings) -> Result<Vec<u8>> {
    let mut sheet = crate::csv_safe::CsvSheet::new();
    sheet.row(&["policy", "round", "quantity", "mean", "p05", "p95"])?;
    for row in csv_rows(warnings, 6) {
        sheet.row(&row)?;
    }
    for r in reports {
        for row in &r.rounds {
            for (k, b) in row
                .metrics
                .iter()
                .map(|(k, b)| (k.to_string(), b))
                .chain(row.params.iter().map(|(k, b)| (k.clone(), b)))
            {
                sheet.row(&[
                    r.policy.clone(),
                    row.round.to_string(),
                    k,
                    b.mean.to_string(),
                    b.p05.to_string(),
                    b.p95.to_string(),
                ])?;
            }
        }
    }
    sheet.finish()
}

/// fan.svg: revenue and new customers by round, mean and 90 % band, with the targets.
pub fn fan_svg(title: &str, r: &PolicyReport, lang: Lang) -> Result<String> {
    use plotters::prelude::*;
    let fail = |e: DrawingAreaErrorKind<std::io::Error>| Error::Chart {
        chart: "the fan chart",
        source: Box::new(e),
    };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 760)).into_drawing_area();
        root.fill(&WHITE).map_err(fail)?;
        let panels = root.split_evenly((2, 1));
        for (panel, (kpi, target, label)) in panels.iter().zip([
            ("revenue", "target_revenue", T::Revenue.text(lang)),
            (
                "new_customers",
                "target_new_customers",
                T::NewCustomers.text(lang),
            ),
        ]) {
            let rows = &r.rounds;
            let n = rows.len() as f64;
            let hi = rows
                .iter()
                .flat_map(|row| [row.metrics[kpi].p95, row.metrics[target].mean])
                .filter(|v| v.is_finite())
                .fold(0.0, f64::max)
                * 1.1;
            let mut chart = ChartBuilder::on(panel)
                .caption(
                    format!("{title}: {label} ({}: {})", T::Policy.text(lang), r.policy),
                    ("sans-serif", 18),
                )
                .margin(12)
                .x_label_area_size(35)
                .y_label_area_size(90)
                .build_cartesian_2d(0.5f64..(n + 0.5), 0f64..hi.max(1.0))
                .map_err(fail)?;
            chart
                .configure_mesh()
                .x_desc(T::Round.text(lang))
                .y_desc(label)
                .draw()
                .map_err(fail)?;
            let mut band: Vec<(f64, f64)> = rows
                .iter()
                .map(|row| (row.round as f64, row.metrics[kpi].p95))
                .collect();
            band.extend(
                rows.iter()
                    .rev()
                    .map(|row| (row.round as f64, row.metrics[kpi].p05)),
            );
            chart
                .draw_series(std::iter::once(Polygon::new(band, BLUE.mix(0.2))))
                .map_err(fail)?
                .label(T::Band90.text(lang))
                .legend(|(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 20, y + 5)], BLUE.mix(0.2).filled())
                });
            chart
                .draw_series(LineSeries::new(
                    rows.iter()
                        .map(|row| (row.round as f64, row.metrics[kpi].mean)),
                    BLUE.stroke_width(2),
                ))
                .map_err(fail)?
                .label(T::MeanLabel.text(lang))
                .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLUE.stroke_width(2)));
            chart
                .draw_series(LineSeries::new(
                    rows.iter()
                        .map(|row| (row.round as f64, row.metrics[target].mean)),
                    RED.stroke_width(2),
                ))
                .map_err(fail)?
                .label(T::Target.text(lang))
                .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], RED.stroke_width(2)));
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.8))
                .border_style(BLACK)
                .draw()
                .map_err(fail)?;
        }
        root.present().map_err(fail)?;
    }
    Ok(svg)
}

/// The self-contained HTML page of `plansim rounds --report`.
pub fn page(
    title: &str,
    subtitle: &str,
    reports: &[PolicyReport],
    diffs: &BTreeMap<String, BTreeMap<&'static str, Summary>>,
    warnings: &Warnings,
    lang: Lang,
) -> Result<String> {
    let mut doc = Document::new(
        format!("{}: {title}", T::RoundsTitle.text(lang)),
        subtitle.to_string(),
        lang,
    );
    doc.warn(warnings);
    for r in reports {
        let mut section = Section::new(format!("{}: {}", T::Policy.text(lang), r.policy));
        section = section.chart(
            fan_svg(title, r, lang)?,
            format!("{} / {}", T::Revenue.text(lang), T::NewCustomers.text(lang)),
        );
        let mut rounds = Table::new([
            T::Round.text(lang).to_string(),
            format!("{} ({})", T::Revenue.text(lang), T::MeanLabel.text(lang)),
            format!(
                "{} ({})",
                T::NewCustomers.text(lang),
                T::MeanLabel.text(lang)
            ),
            T::CumulativeCost.text(lang).to_string(),
            T::HitRate.text(lang).to_string(),
            T::Parameters.text(lang).to_string(),
        ]);
        for row in &r.rounds {
            let m = &row.metrics;
            let params: Vec<String> = row
                .params
                .iter()
                .map(|(p, b)| format!("{} = {}", p.trim_start_matches("plan."), num(b.mean)))
                .collect();
            rounds.push([
                row.round.to_string(),
                num(m["revenue"].mean),
                num(m["new_customers"].mean),
                num(m["cumulative_cost"].mean),
                format!("{:.1}%", 100.0 * m["target_hit_rate"].mean),
                params.join(", "),
            ]);
        }
        section = section.table(rounds);
        let mut kpis = Table::new([
            T::Metric.text(lang).to_string(),
            T::Mean95.text(lang).to_string(),
        ]);
        for m in FINAL {
            let s = r.final_metrics[m.name()];
            kpis.push([
                metric_label(m, lang).to_string(),
                format!(
                    "{} [{}, {}]",
                    num(s.mean),
                    num(s.ci95_low),
                    num(s.ci95_high)
                ),
            ]);
        }
        doc.push(section.paragraph(T::FinalKpis.text(lang)).table(kpis));
    }
    for (name, d) in diffs {
        let mut t = Table::new([
            T::Metric.text(lang).to_string(),
            T::Mean95.text(lang).to_string(),
        ]);
        for m in FINAL {
            let s = d[m.name()];
            t.push([
                metric_label(m, lang).to_string(),
                format!(
                    "{} [{}, {}]",
                    num(s.mean),
                    num(s.ci95_low),
                    num(s.ci95_high)
                ),
            ]);
        }
        doc.push(Section::new(format!("{}: {name}", T::PairedDifferences.text(lang))).table(t));
    }
    Ok(doc.render())
}

/// Everything a run of rounds reports, whether run on one machine or merged from
/// shards: one [`PolicyReport`] a policy, their paired differences and the run's
/// warnings, in every format.
pub struct RoundsReport {
    scenario: String,
    header: String,
    budget: Option<f64>,
    spec: RoundsSpec,
    reports: Vec<PolicyReport>,
    diffs: BTreeMap<String, BTreeMap<&'static str, Summary>>,
    warnings: Warnings,
}

impl RoundsReport {
    /// The report of the run of rounds `spec` of scenario `valid` (its horizon the
    /// rounds'), from each policy's `runs`, with the run's `warnings`.
    pub fn new(
        valid: &ValidScenario,
        spec: &RoundsSpec,
        runs: &[PolicyRun],
        warnings: Warnings,
    ) -> Self {
        let s = valid.scenario();
        let reports: Vec<PolicyReport> = runs
            .iter()
            .map(|r| policy_report(&r.policy, &r.paths, &r.records, r.plans_solved))
            .collect();
        let header = format!(
            "plansim rounds: {} ({}), {} rounds of {} period{}, {} replications, seed {}",
            s.name,
            valid.source(),
            spec.rounds(),
            spec.round_length(),
            if spec.round_length() == 1 { "" } else { "s" },
            spec.replications(),
            spec.seed()
        );
        RoundsReport {
            scenario: s.name.clone(),
            header,
            budget: s.budget.as_ref().map(|b| b.incentive_cost),
            spec: spec.clone(),
            diffs: differences(&reports),
            reports,
            warnings,
        }
    }

    /// The run's warnings.
    pub fn warnings(&self) -> &Warnings {
        &self.warnings
    }

    /// rounds.json: pretty JSON with a final newline (one policy's report, or every
    /// policy's with their paired differences).
    pub fn to_json(&self) -> Result<String> {
        let (spec, warnings) = (&self.spec, texts(&self.warnings, Lang::En));
        let doc = if self.reports.len() == 1 {
            let r = &self.reports[0];
            serde_json::json!({
                "scenario": self.scenario, "policy": r.policy, "seed": spec.seed(), "replications": spec.replications(),
                "round_length": spec.round_length(), "budget": self.budget, "rounds": r.rounds, "final": r.final_metrics,
                "plans_solved": r.plans_solved, "warnings": warnings,
            })
        } else {
            serde_json::json!({
                "scenario": self.scenario, "seed": spec.seed(), "replications": spec.replications(), "round_length": spec.round_length(),
                "budget": self.budget, "policies": self.reports, "differences": self.diffs, "warnings": warnings,
            })
        };
        let mut text = serde_json::to_string_pretty(&doc)?;
        text.push('\n');
        Ok(text)
    }

    /// rounds.csv (UTF-8, no byte-order mark).
    pub fn to_csv(&self) -> Result<Vec<u8>> {
        rounds_csv(&self.reports, &self.warnings)
    }

    /// The human-readable table, after a line per warning, control characters in
    /// names escaped.
    pub fn table(&self) -> String {
        let text = table_lines(&self.warnings)
            + &table(&self.header, &self.reports, &self.diffs, self.budget);
        crate::format::printable_lines(&text).into_owned()
    }

    /// fan.svg: the fan chart of the last policy.
    pub fn fan_svg(&self) -> Result<String> {
        let last = self.reports.last().expect("at least one policy");
        fan_svg(&self.scenario, last, Lang::En)
    }

    /// The self-contained HTML page in `lang`.
    pub fn page(&self, lang: Lang) -> Result<String> {
        page(
            &self.scenario,
            &self.header,
            &self.reports,
            &self.diffs,
            &self.warnings,
            lang,
        )
    }
}
