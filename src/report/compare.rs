//! The report of `plansim compare`: every variant's KPIs side by side, paired
//! differences against the first variant, the probability each is best, and the
//! ranking-and-selection verdict; as a table, JSON or CSV.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;

use plansim_sim::metrics::{self, BUDGET_OVERRUN, METRICS, N_METRICS};
use plansim_sim::tally::{Moments, Summary, Tally};

use super::csv_safe::CsvSheet;
use super::table::{grouped, interval, style, Style};
use crate::error::CliResult;
use crate::objective::Objective;
use crate::select::KnOutcome;

/// One variant's figures.
#[derive(Serialize, Clone, Debug)]
pub struct VariantSummary {
    /// Label (the file's name, made unique).
    pub label: String,
    /// The scenario file.
    pub source: String,
    /// The scenario's name.
    pub scenario: String,
    /// Replications simulated.
    pub replications: u64,
    /// Every KPI: mean, interval and quantiles over replications.
    pub metrics: BTreeMap<&'static str, Summary>,
    /// The objective.
    pub objective: Summary,
    /// Estimated probability that this variant is best on the objective.
    pub probability_best: f64,
}

/// Paired differences of one variant against the first.
#[derive(Serialize, Clone, Debug)]
pub struct DifferenceSummary {
    /// The variant.
    pub label: String,
    /// The variant it is compared with (the first).
    pub against: String,
    /// Every KPI's paired difference (this variant minus the first).
    pub metrics: BTreeMap<&'static str, Summary>,
    /// The objective's paired difference.
    pub objective: Summary,
}

/// A variant the selection procedure eliminated.
#[derive(Serialize, Clone, Debug)]
pub struct Eliminated {
    /// The variant.
    pub label: String,
    /// Replications after which it was eliminated.
    pub after_replications: usize,
}

/// The ranking-and-selection verdict.
#[derive(Serialize, Clone, Debug)]
pub struct Selection {
    /// The procedure.
    pub method: &'static str,
    /// The objective ranked on.
    pub objective: String,
    /// "higher" or "lower": which is better.
    pub better: &'static str,
    /// Indifference zone, in the objective's units.
    pub indifference: f64,
    /// Confidence of a correct selection.
    pub confidence: f64,
    /// First-stage replications.
    pub first_stage: usize,
    /// Most replications per variant.
    pub budget: u64,
    /// The selected variant.
    pub selected: String,
    /// True when one variant survived; false when the budget ran out first.
    pub finished: bool,
    /// Replications the procedure had used when it stopped.
    pub stopped_at_replications: usize,
    /// Variants still in contention at the end.
    pub survivors: Vec<String>,
    /// Variants eliminated, and when.
    pub eliminated: Vec<Eliminated>,
    /// The verdict in one sentence.
    pub verdict: String,
}

/// Everything `plansim compare` reports.
#[derive(Serialize, Clone, Debug)]
pub struct CompareReport {
    /// Seed of the common random numbers.
    pub seed: u64,
    /// Periods in the horizon.
    pub periods: u32,
    /// Reps in the team.
    pub team_size: usize,
    /// Replications simulated per variant (all on the same seeds).
    pub replications: u64,
    /// How the probability of being best is estimated.
    pub probability_best_method: String,
    /// The variants.
    pub variants: Vec<VariantSummary>,
    /// Paired differences against the first variant.
    pub differences: Vec<DifferenceSummary>,
    /// The verdict.
    pub selection: Selection,
    /// Metric names in table order (not serialised).
    #[serde(skip)]
    pub order: Vec<&'static str>,
}

/// What [`CompareReport::new`] needs about a variant.
pub struct VariantInput<'a> {
    /// Label.
    pub label: &'a str,
    /// Scenario file.
    pub source: &'a str,
    /// Scenario name.
    pub scenario: &'a str,
    /// Replication metrics, values kept.
    pub metrics: &'a Tally,
    /// True when the scenario has a budget.
    pub has_budget: bool,
}

/// Summary of values with their quantiles.
pub fn summarise(values: &[f64]) -> Summary {
    let mut m = Moments::default();
    values.iter().for_each(|&x| m.push(x));
    Summary::new(&m, Some(values))
}

/// Paired differences `a - b` over their common replications.
fn paired(a: &[f64], b: &[f64]) -> Summary {
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
    summarise(&d)
}

/// An amount of the objective in words: percentage points for shares.
pub fn amount_text(x: f64, objective: &str) -> String {
    match style(objective) {
        Style::Percent => format!("{} percentage points", grouped(100.0 * x, 2)),
        _ if x.abs() >= 100.0 => grouped(x, 0),
        _ => format!("{x:.4}"),
    }
}

/// The verdict sentence.
fn verdict(s: &Selection, objective: &Objective) -> String {
    let conf = format!("{:.0} %", 100.0 * s.confidence);
    let zone = amount_text(s.indifference, &objective.name);
    if s.finished {
        format!(
            "{} is the best on {} ({} is better): with {conf} confidence it is the best or within {} of the best (Kim-Nelson stopped after {} replications with one survivor).",
            s.selected,
            objective.name,
            s.better,
            zone,
            s.stopped_at_replications
        )
    } else {
        format!(
            "No clear best on {}: the budget of {} replications was spent with {} still in contention, none shown better than the others by the indifference zone {}; {} has the {} mean.",
            objective.name,
            s.budget,
            s.survivors.join(", "),
            zone,
            s.selected,
            if objective.higher_is_better { "highest" } else { "lowest" }
        )
    }
}

/// Settings of the selection, for the report.
pub struct SelectionInput<'a> {
    /// The objective.
    pub objective: &'a Objective,
    /// The procedure's settings.
    pub settings: crate::select::KnSettings,
    /// Most replications per variant.
    pub budget: u64,
    /// How it ended.
    pub outcome: &'a KnOutcome,
}

impl CompareReport {
    /// Builds the report.
    pub fn new(
        seed: u64,
        periods: u32,
        team_size: usize,
        variants: &[VariantInput<'_>],
        probability_best: &[f64],
        selection: SelectionInput<'_>,
    ) -> Self {
        let any_budget = variants.iter().any(|v| v.has_budget);
        let order: Vec<&'static str> = (0..N_METRICS)
            .filter(|&i| i != BUDGET_OVERRUN || any_budget)
            .map(|i| METRICS[i].name)
            .collect();
        let objective = selection.objective;
        let summaries: Vec<VariantSummary> = variants
            .iter()
            .enumerate()
            .map(|(k, v)| VariantSummary {
                label: v.label.to_string(),
                source: v.source.to_string(),
                scenario: v.scenario.to_string(),
                replications: v.metrics.rows(),
                metrics: order
                    .iter()
                    .map(|&name| {
                        let i = plansim_sim::metrics::metric_index(name).expect("known");
                        (name, v.metrics.summary(i).within(metrics::bounds(name)))
                    })
                    .collect(),
                objective: summarise(&objective.values(v.metrics)),
                probability_best: probability_best[k],
            })
            .collect();
        let first = &variants[0];
        let differences = variants[1..]
            .iter()
            .map(|v| DifferenceSummary {
                label: v.label.to_string(),
                against: first.label.to_string(),
                metrics: order
                    .iter()
                    .map(|&name| {
                        let i = plansim_sim::metrics::metric_index(name).expect("known");
                        let a = v.metrics.values(i).unwrap_or(&[]);
                        let b = first.metrics.values(i).unwrap_or(&[]);
                        (name, paired(a, b).within(metrics::difference_bounds(name)))
                    })
                    .collect(),
                objective: paired(
                    &objective.values(v.metrics),
                    &objective.values(first.metrics),
                ),
            })
            .collect();
        let o = selection.outcome;
        let label = |i: usize| variants[i].label.to_string();
        let mut sel = Selection {
            method: "Kim-Nelson fully sequential procedure (indifference zone)",
            objective: objective.name.clone(),
            better: objective.direction(),
            indifference: selection.settings.indifference,
            confidence: selection.settings.confidence,
            first_stage: selection.settings.first_stage,
            budget: selection.budget,
            selected: label(o.selected),
            finished: o.finished,
            stopped_at_replications: o.stopped_at,
            survivors: o.survivors.iter().map(|&i| label(i)).collect(),
            eliminated: o
                .eliminated_at
                .iter()
                .enumerate()
                .filter_map(|(i, at)| {
                    at.map(|r| Eliminated {
                        label: label(i),
                        after_replications: r,
                    })
                })
                .collect(),
            verdict: String::new(),
        };
        sel.verdict = verdict(&sel, objective);
        CompareReport {
            seed,
            periods,
            team_size,
            replications: variants.iter().map(|v| v.metrics.rows()).min().unwrap_or(0),
            probability_best_method:
                "paired bootstrap over replications (1000 resamples): the share of resamples in which the variant has the best mean"
                    .into(),
            variants: summaries,
            differences,
            selection: sel,
            order,
        }
    }

    /// Pretty JSON with a final newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("reports serialise");
        s.push('\n');
        s
    }

    /// The human-readable report.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let labels: Vec<&str> = self.variants.iter().map(|v| v.label.as_str()).collect();
        let _ = writeln!(
            out,
            "plansim compare: {} variants on common random numbers, {} replications each, seed {}, {} reps x {} periods",
            self.variants.len(),
            self.replications,
            self.seed,
            self.team_size,
            self.periods
        );
        for v in &self.variants {
            let _ = writeln!(out, "  {}: {} ({})", v.label, v.scenario, v.source);
        }
        let _ = writeln!(out);
        let mut header = vec!["metric".to_string()];
        header.extend(labels.iter().map(|l| format!("{l} [95% CI]")));
        let mut rows = vec![header];
        for name in &self.order {
            let st = style(name);
            let mut row = vec![name.to_string()];
            row.extend(self.variants.iter().map(|v| interval(&v.metrics[name], st)));
            rows.push(row);
        }
        push_table(&mut out, &rows);
        if !self.differences.is_empty() {
            let _ = writeln!(
                out,
                "\npaired differences against {} (same replications):",
                labels[0]
            );
            let mut header = vec!["metric".to_string()];
            header.extend(
                self.differences
                    .iter()
                    .map(|d| format!("{} - {} [95% CI]", d.label, d.against)),
            );
            let mut rows = vec![header];
            for name in &self.order {
                let st = style(name);
                let mut row = vec![name.to_string()];
                row.extend(
                    self.differences
                        .iter()
                        .map(|d| interval(&d.metrics[name], st)),
                );
                rows.push(row);
            }
            push_table(&mut out, &rows);
        }
        let s = &self.selection;
        let st = style(&s.objective);
        let _ = writeln!(
            out,
            "\nobjective: {} ({} is better); probability of being best:",
            s.objective, s.better
        );
        for v in &self.variants {
            let _ = writeln!(
                out,
                "  {:<w$}  {}  P(best) = {:.3}",
                v.label,
                interval(&v.objective, st),
                v.probability_best,
                w = labels.iter().map(|l| l.len()).max().unwrap_or(0)
            );
        }
        let _ = writeln!(out, "\n{}", s.verdict);
        for e in &s.eliminated {
            let _ = writeln!(
                out,
                "  {} eliminated after {} replications",
                e.label, e.after_replications
            );
        }
        let _ = writeln!(
            out,
            "\nIntervals are 95 % Monte Carlo intervals of the mean; differences are paired on common random numbers.\nP(best): {}.",
            self.probability_best_method
        );
        out
    }

    /// Long-format CSV: each variant's KPIs, each paired difference, each P(best).
    pub fn to_csv(&self) -> CliResult<Vec<u8>> {
        let mut w = CsvSheet::new();
        w.row(&[
            "block",
            "variant",
            "against",
            "metric",
            "mean",
            "std_err",
            "ci95_low",
            "ci95_high",
            "p05",
            "p50",
            "p95",
        ])?;
        let cells = |block: &str, variant: &str, against: &str, metric: &str, s: &Summary| {
            let mut row = vec![
                block.to_string(),
                variant.to_string(),
                against.to_string(),
                metric.to_string(),
            ];
            row.extend(
                [
                    s.mean,
                    s.std_err,
                    s.ci95_low,
                    s.ci95_high,
                    s.p05,
                    s.p50,
                    s.p95,
                ]
                .iter()
                .map(|x| num(*x)),
            );
            row
        };
        for v in &self.variants {
            for name in &self.order {
                w.row(&cells("variant", &v.label, "", name, &v.metrics[name]))?;
            }
        }
        for d in &self.differences {
            for name in &self.order {
                w.row(&cells(
                    "difference",
                    &d.label,
                    &d.against,
                    name,
                    &d.metrics[name],
                ))?;
            }
        }
        for v in &self.variants {
            let mut row = vec![
                "probability_best".to_string(),
                v.label.clone(),
                String::new(),
                self.selection.objective.clone(),
                num(v.probability_best),
            ];
            row.extend((0..6).map(|_| String::new()));
            w.row(&row)?;
        }
        w.finish()
    }
}

fn num(x: f64) -> String {
    if x.is_finite() {
        format!("{x}")
    } else {
        String::new()
    }
}

/// Appends rows as an aligned table; the first row is the header.
fn push_table(out: &mut String, rows: &[Vec<String>]) {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0; cols];
    for row in rows {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    for (k, row) in rows.iter().enumerate() {
        let mut line = String::new();
        for (i, c) in row.iter().enumerate() {
            let pad = widths[i] - c.chars().count();
            if i == 0 {
                line.push_str(c);
                line.push_str(&" ".repeat(pad));
            } else {
                line.push_str("  ");
                line.push_str(&" ".repeat(pad));
                line.push_str(c);
            }
        }
        let _ = writeln!(out, "{}", line.trim_end());
        if k == 0 {
            let _ = writeln!(
                out,
                "{}",
                "-".repeat(widths.iter().sum::<usize>() + 2 * cols.saturating_sub(1))
            );
        }
    }
}
