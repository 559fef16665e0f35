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

use crate::charts::{self, Axis, Labels, Line};
use crate::format::{difference_interval, grouped, interval, style};
use crate::html::{Document, Section, Table};
use crate::i18n::{metric_label, Lang, T};
use crate::text_table::{wrap, Column, TextTable, Width};
use crate::warnings::{csv_rows, table_lines, texts};
use crate::Result;

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

/// The human-readable table of one or more policies, fitted to `width`: per policy,
/// the KPIs by round, then the parameters in force by round, then the final KPIs.
pub fn table(
    header: &str,
    reports: &[PolicyReport],
    diffs: &BTreeMap<String, BTreeMap<&'static str, Summary>>,
    budget: Option<f64>,
    width: Width,
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
    let mut out = wrap(&out, width);
    for r in reports {
        let _ = writeln!(
            out,
            "\npolicy: {} ({} plans solved)",
            r.policy, r.plans_solved
        );
        let mut kpis = TextTable::new(vec![
            Column::right("round"),
            Column::right("revenue mean [P5, P95]"),
            Column::right("new customers mean [P5, P95]"),
            Column::right("cumulative cost"),
            Column::right("hit rate"),
        ]);
        let band = |x: &Band| format!("{} [{}, {}]", num(x.mean), num(x.p05), num(x.p95));
        for row in &r.rounds {
            let m = &row.metrics;
            kpis.row(vec![
                row.round.to_string(),
                band(&m["revenue"]),
                band(&m["new_customers"]),
                num(m["cumulative_cost"].mean),
                format!("{:.1}%", 100.0 * m["target_hit_rate"].mean),
            ]);
        }
        out.push_str(&kpis.render(width));
        if let Some(first) = r.rounds.first().filter(|row| !row.params.is_empty()) {
            let _ = writeln!(out, "parameters in force by round (mean [P5, P95]):");
            let names: Vec<&String> = first.params.keys().collect();
            // As many parameters a table as fit the width, fewer until they do.
            let tables = |per: usize| -> String {
                names
                    .chunks(per)
                    .map(|chunk| {
                        let mut columns = vec![Column::right("round")];
                        columns.extend(
                            chunk
                                .iter()
                                .map(|p| Column::right(p.trim_start_matches("plan."))),
                        );
                        let mut t = TextTable::new(columns);
                        for row in &r.rounds {
                            let mut cells = vec![row.round.to_string()];
                            cells.extend(chunk.iter().map(|p| band(&row.params[*p])));
                            t.row(cells);
                        }
                        t.render(width)
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            let fits = |text: &str| {
                width
                    .limit()
                    .is_none_or(|n| text.lines().all(|l| l.chars().count() <= n))
            };
            let text = (1..=names.len())
                .rev()
                .map(tables)
                .find(|t| fits(t))
                .unwrap_or_else(|| tables(1));
            out.push_str(&text);
        }
        let _ = writeln!(out, "final KPIs over all rounds (mean [95% CI]):");
        for m in FINAL {
            let _ = writeln!(
                out,
                "  {:<28} {}",
                m.name(),
                interval(&r.final_metrics[m.name()], style(m))
            );
        }
    }
    for (name, d) in diffs {
        let _ = writeln!(
            out,
            "\npaired difference of final KPIs, {name} (common random numbers):"
        );
        for m in FINAL {
            let _ = writeln!(
                out,
                "  {:<28} {}",
                m.name(),
                difference_interval(&d[m.name()], style(m))
            );
        }
    }
    wrap(&out, width)
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

/// The fan charts of `reports`, in the report's chart style ([`charts::lines`]): one
/// of revenue and one of new customers by round, each with every policy's mean and
/// 90 % band and the target.
pub fn fan_charts(title: &str, reports: &[PolicyReport], lang: Lang) -> Result<[String; 2]> {
    let chart = |kpi: &str, target: &str, label: &str, axis: Axis| -> Result<String> {
        let mut series: Vec<Line> = reports
            .iter()
            .map(|r| Line {
                name: format!(
                    "{}: {} ({})",
                    r.policy,
                    T::MeanLabel.text(lang),
                    T::Band90.text(lang)
                ),
                points: r
                    .rounds
                    .iter()
                    .map(|row| (f64::from(row.round), row.metrics[kpi].mean))
                    .collect(),
                band: Some(
                    r.rounds
                        .iter()
                        .map(|row| (row.metrics[kpi].p05, row.metrics[kpi].p95))
                        .collect(),
                ),
                thin: false,
            })
            .collect();
        if let Some(first) = reports.first() {
            series.push(Line {
                name: T::Target.text(lang).to_string(),
                points: first
                    .rounds
                    .iter()
                    .map(|row| (f64::from(row.round), row.metrics[target].mean))
                    .collect(),
                band: None,
                thin: true,
            });
        }
        charts::lines(
            &Labels {
                title: &format!("{title}: {label}"),
                x: T::Round.text(lang),
                y: label,
            },
            &series,
            (Axis::Whole, axis),
            true,
        )
    };
    Ok([
        chart(
            "revenue",
            "target_revenue",
            T::Revenue.text(lang),
            Axis::Amount,
        )?,
        chart(
            "new_customers",
            "target_new_customers",
            T::NewCustomers.text(lang),
            Axis::Amount,
        )?,
    ])
}

/// fan.svg: the two [`fan_charts`] one above the other in one SVG document.
pub fn fan_svg(title: &str, reports: &[PolicyReport], lang: Lang) -> Result<String> {
    let [top, bottom] = fan_charts(title, reports, lang)?;
    let (w, h) = charts::SIZE;
    let place = |svg: &str, y: u32| svg.replacen("<svg ", &format!("<svg y=\"{y}\" "), 1);
    Ok(format!(
        "<svg width=\"{w}\" height=\"{}\" viewBox=\"0 0 {w} {}\" xmlns=\"http://www.w3.org/2000/svg\">\n{}\n{}\n</svg>\n",
        2 * h,
        2 * h,
        place(&top, 0),
        place(&bottom, h)
    ))
}

/// The page's opening section, its answer: with several policies, each one's revenue
/// growth and incentive cost, the paired differences against the first in words, and
/// the fan charts of them all; with one, its final revenue growth and cost and its fan
/// charts.
fn headline(
    title: &str,
    reports: &[PolicyReport],
    diffs: &BTreeMap<String, BTreeMap<&'static str, Summary>>,
    lang: Lang,
) -> Result<Section> {
    let (growth, cost) = (Metric::RevenueGrowth, Metric::IncentiveCost);
    let mut section = Section::new(if reports.len() > 1 {
        T::PoliciesCompared.text(lang)
    } else {
        T::FinalKpis.text(lang)
    });
    let sep = match lang {
        Lang::En => ", ",
        Lang::Zh => "，",
    };
    let colon = match lang {
        Lang::En => ": ",
        Lang::Zh => "：",
    };
    let sentences: Vec<String> = if diffs.is_empty() {
        reports
            .iter()
            .map(|r| {
                format!(
                    "{}{colon}{} {}{sep}{} {}",
                    r.policy,
                    metric_label(growth, lang),
                    interval(&r.final_metrics[growth.name()], style(growth)),
                    metric_label(cost, lang),
                    interval(&r.final_metrics[cost.name()], style(cost)),
                )
            })
            .collect()
    } else {
        diffs
            .iter()
            .map(|(name, d)| {
                format!(
                    "{name}{colon}{} {}{sep}{} {}",
                    metric_label(growth, lang),
                    difference_interval(&d[growth.name()], style(growth)),
                    metric_label(cost, lang),
                    difference_interval(&d[cost.name()], style(cost)),
                )
            })
            .collect()
    };
    section = section.callout(sentences.join(match lang {
        Lang::En => "; ",
        Lang::Zh => "；",
    }));
    if reports.len() > 1 {
        let mut t = Table::new([
            T::Policy.text(lang).to_string(),
            format!("{} ({})", metric_label(growth, lang), T::Mean95.text(lang)),
            format!("{} ({})", metric_label(cost, lang), T::Mean95.text(lang)),
        ]);
        for r in reports {
            t.push([
                r.policy.clone(),
                interval(&r.final_metrics[growth.name()], style(growth)),
                interval(&r.final_metrics[cost.name()], style(cost)),
            ]);
        }
        section = section.table(t);
    }
    let [revenue, customers] = fan_charts(title, reports, lang)?;
    Ok(section
        .chart(revenue, T::Revenue.text(lang))
        .chart(customers, T::NewCustomers.text(lang)))
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
    doc.push(headline(title, reports, diffs, lang)?);
    for r in reports {
        let mut section = Section::new(format!("{}: {}", T::Policy.text(lang), r.policy));
        if reports.len() > 1 {
            let [revenue, customers] = fan_charts(title, std::slice::from_ref(r), lang)?;
            section = section
                .chart(revenue, T::Revenue.text(lang))
                .chart(customers, T::NewCustomers.text(lang));
        }
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
            kpis.push([
                metric_label(m, lang).to_string(),
                interval(&r.final_metrics[m.name()], style(m)),
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
            t.push([
                metric_label(m, lang).to_string(),
                difference_interval(&d[m.name()], style(m)),
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
    source: String,
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
            source: valid.source().to_string(),
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
    pub fn table(&self, width: Width) -> String {
        let text = wrap(&table_lines(&self.warnings), width)
            + &table(&self.header, &self.reports, &self.diffs, self.budget, width);
        crate::format::printable_lines(&text).into_owned()
    }

    /// fan.svg: the fan charts of every policy.
    pub fn fan_svg(&self) -> Result<String> {
        fan_svg(&self.scenario, &self.reports, Lang::En)
    }

    /// The self-contained HTML page in `lang`.
    pub fn page(&self, lang: Lang) -> Result<String> {
        let spec = &self.spec;
        let subtitle = format!(
            "{} · {}: {} · {}: {} · {}: {} · {}: {}",
            self.source,
            T::RoundsOf.text(lang),
            spec.rounds(),
            T::PeriodsEach.text(lang),
            spec.round_length(),
            T::Replications.text(lang),
            spec.replications(),
            T::Seed.text(lang),
            spec.seed()
        );
        page(
            &self.scenario,
            &subtitle,
            &self.reports,
            &self.diffs,
            &self.warnings,
            lang,
        )
    }
}
