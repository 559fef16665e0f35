//! The report of `plansim compare`: every variant's KPIs side by side, paired
//! differences against the first variant, the probability each is best, and the
//! ranking-and-selection verdict; as a table, JSON or CSV.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;

use plansim_sim::metrics::{self, BUDGET_OVERRUN, METRICS, N_METRICS};
use plansim_sim::tally::{Moments, Summary, Tally};

use super::csv_safe::CsvSheet;
use super::i18n::{metric_label, Lang};
use super::table::{grouped, interval, style, Style};
use crate::budget::{rule_text, BudgetCheck};
use crate::error::CliResult;
use crate::objective::Objective;
use crate::select::KnOutcome;
use crate::warnings::Warnings;

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
    /// Its cost against its scenario's budget by the optimiser's rule (null without a budget).
    pub budget: Option<BudgetCheck>,
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

/// What the Kim-Nelson procedure picked among some of the variants.
#[derive(Serialize, Clone, Debug)]
pub struct Pick {
    /// The variant picked: the last survivor, or the survivor with the best mean.
    pub selected: String,
    /// True when one variant survived; false when the replications ran out first.
    pub finished: bool,
    /// Replications the procedure had used when it stopped.
    pub stopped_at_replications: usize,
    /// Variants still in contention at the end.
    pub survivors: Vec<String>,
    /// Variants eliminated, and when.
    pub eliminated: Vec<Eliminated>,
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
    /// Most replications per variant (`--replications`).
    pub max_replications: u64,
    /// When a variant's scenario sets a budget: the rule by which a variant keeps it
    /// (the optimiser's); null without a budget.
    pub budget_rule: Option<String>,
    /// The recommended variant: the best on the objective among those that keep their
    /// budget (among all without a budget); null when no variant keeps its budget.
    pub selected: Option<String>,
    /// How the recommendation was selected; null when no variant keeps its budget.
    pub recommendation: Option<Pick>,
    /// The variants that keep their budget (a variant without one keeps it); null
    /// when no variant has a budget.
    pub keeping_budget: Option<Vec<String>>,
    /// The best on the objective among all variants, whatever they cost.
    pub best_ignoring_budget: Pick,
    /// The verdict in words: the recommendation, the best ignoring the budget where it
    /// differs, and each variant's expected cost against its budget with P(cost > budget).
    pub verdict: String,
}

/// Everything `plansim compare` reports.
#[derive(Serialize, Clone, Debug)]
pub struct CompareReport {
    /// What makes some figures less trustworthy than their intervals say (a variant's
    /// plan without an equilibrium, a status quo without a steady state), each
    /// starting with the variant's label; empty when none.
    pub warnings: Warnings,
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

/// An amount of the objective in `lang`: percentage points for shares.
pub fn zone_text(x: f64, objective: &str, lang: Lang) -> String {
    match (lang, style(objective)) {
        (Lang::Zh, Style::Percent) => format!("{} 个百分点", grouped(100.0 * x, 2)),
        _ => amount_text(x, objective),
    }
}

/// The verdict in words.
pub struct Verdict {
    /// The recommendation (the best variant that keeps its budget, by the optimiser's
    /// rule) and, where it differs, the best ignoring the budget: one sentence each.
    pub headline: Vec<String>,
    /// Each variant's expected cost against its budget with P(cost > budget), when a
    /// budget applies: (label, text).
    pub costs: Vec<(String, String)>,
    /// The budget rule in words, when a budget applies.
    pub rule: Option<String>,
}

impl Verdict {
    /// The whole verdict as one paragraph.
    pub fn paragraph(&self, lang: Lang) -> String {
        let mut parts = self.headline.clone();
        if !self.costs.is_empty() {
            parts.push(self.costs_sentence(lang));
        }
        parts.extend(self.rule.clone());
        parts.join(if lang == Lang::En { " " } else { "" })
    }

    /// Each variant's cost against its budget as one sentence.
    pub fn costs_sentence(&self, lang: Lang) -> String {
        let each: Vec<String> = self
            .costs
            .iter()
            .map(|(l, t)| format!("{l}{}{t}", if lang == Lang::En { ": " } else { "：" }))
            .collect();
        match lang {
            Lang::En => format!("Cost against the budget: {}.", each.join("; ")),
            Lang::Zh => format!("成本与预算：{}。", each.join("；")),
        }
    }
}

/// The verdict in `lang`.
pub fn verdict(s: &Selection, variants: &[VariantSummary], lang: Lang) -> Verdict {
    let en = lang == Lang::En;
    let objective = if en {
        s.objective.clone()
    } else {
        format!("“{}”", metric_label(&s.objective, lang))
    };
    let conf = if en {
        format!("{:.0} %", 100.0 * s.confidence)
    } else {
        format!("{:.0}%", 100.0 * s.confidence)
    };
    let zone = zone_text(s.indifference, &s.objective, lang);
    let extreme = match (lang, s.better == "higher") {
        (Lang::En, true) => "highest",
        (Lang::En, false) => "lowest",
        (Lang::Zh, true) => "高",
        (Lang::Zh, false) => "低",
    };
    let join = |names: &[String]| names.join(if en { ", " } else { "、" });
    let budget_of = |label: &str| {
        variants
            .iter()
            .find(|v| v.label == label)
            .and_then(|v| v.budget)
    };
    let mut out = Vec::new();
    let keeping = s.keeping_budget.as_ref();
    let all_keep = keeping.is_none_or(|k| k.len() == variants.len());
    // Which variants the recommendation was chosen among, in words.
    let among = match (lang, keeping) {
        (_, None) => String::new(),
        (Lang::En, Some(_)) if all_keep => " (every variant keeps its budget)".to_string(),
        (Lang::En, Some(k)) => format!(" among the variants that keep their budget ({})", join(k)),
        (Lang::Zh, Some(_)) if all_keep => "（所有方案均满足预算）".to_string(),
        (Lang::Zh, Some(k)) => format!("（在满足预算的方案 {} 中）", join(k)),
    };
    match &s.recommendation {
        Some(p) if keeping.is_some_and(|k| k.len() == 1) && !all_keep => out.push(match lang {
            Lang::En => format!(
                "{} is recommended: it is the only variant that keeps its budget.",
                p.selected
            ),
            Lang::Zh => format!("推荐 {}：它是唯一满足预算的方案。", p.selected),
        }),
        Some(p) if p.finished => {
            let subset = !all_keep;
            out.push(match lang {
                Lang::En => format!(
                    "{} is the best on {objective} ({} is better){among}: with {conf} confidence it is the best{of} or within {zone} of the best{of} (Kim-Nelson stopped after {} replications with one survivor).",
                    p.selected,
                    s.better,
                    p.stopped_at_replications,
                    of = if subset { " of them" } else { "" }
                ),
                Lang::Zh => format!(
                    "{} 在{objective}上最优{among}：以 {conf} 的置信度，它是{of}最优方案，或与{of}最优相差不超过 {zone}（Kim-Nelson 程序在 {} 次模拟后只剩一个方案）。",
                    p.selected,
                    p.stopped_at_replications,
                    of = if subset { "其中的" } else { "" }
                ),
            })
        }
        Some(p) => out.push(match lang {
            Lang::En => format!(
                "No clear best on {objective}{among}: the {} replications allowed (--replications) were spent with {} still in contention, none shown better than the others by the indifference zone {zone}; {} has the {extreme} mean.",
                s.max_replications,
                join(&p.survivors),
                p.selected
            ),
            Lang::Zh => format!(
                "{objective}上没有明确的最优方案{among}：允许的 {} 次模拟（--replications）用完时，{} 仍未分出高下（无差异区间 {zone}）；{} 的均值最{extreme}。",
                s.max_replications,
                join(&p.survivors),
                p.selected
            ),
        }),
        None => out.push(match lang {
            Lang::En => "No variant keeps its budget: none is recommended (each one's cost against its budget is below).".to_string(),
            Lang::Zh => "没有方案满足预算：不推荐任何方案（各方案的成本与预算见下）。".to_string(),
        }),
    }
    let u = &s.best_ignoring_budget;
    let differs = s.selected.as_deref() != Some(u.selected.as_str());
    if differs {
        let cost = budget_of(&u.selected).map_or(String::new(), |b| b.text(lang));
        out.push(match (lang, u.finished) {
            (Lang::En, true) => format!(
                "Ignoring the budget, {} would be the best on {objective}: with {conf} confidence the best or within {zone} of the best (Kim-Nelson stopped after {} replications); {}: {cost}.",
                u.selected, u.stopped_at_replications, u.selected
            ),
            (Lang::En, false) => format!(
                "Ignoring the budget, no variant is clearly best on {objective} ({} still in contention); {} has the {extreme} mean; {}: {cost}.",
                join(&u.survivors),
                u.selected,
                u.selected
            ),
            (Lang::Zh, true) => format!(
                "若不考虑预算，{} 在{objective}上最优：以 {conf} 的置信度，它是最优方案，或与最优相差不超过 {zone}（Kim-Nelson 程序在 {} 次模拟后停止）；{}：{cost}。",
                u.selected, u.stopped_at_replications, u.selected
            ),
            (Lang::Zh, false) => format!(
                "若不考虑预算，{objective}上没有明确的最优方案（{} 仍未分出高下）；{} 的均值最{extreme}；{}：{cost}。",
                join(&u.survivors),
                u.selected,
                u.selected
            ),
        });
    }
    let (costs, rule) = if s.budget_rule.is_some() {
        let costs = variants
            .iter()
            .map(|v| {
                let text = match (v.budget, lang) {
                    (Some(b), _) => b.text(lang),
                    (None, Lang::En) => "no budget".to_string(),
                    (None, Lang::Zh) => "未设预算".to_string(),
                };
                (v.label.clone(), text)
            })
            .collect();
        let alpha = variants
            .iter()
            .find_map(|v| v.budget.and_then(|b| b.max_overrun_probability));
        (costs, Some(rule_text(alpha, lang)))
    } else {
        (Vec::new(), None)
    };
    Verdict {
        headline: out,
        costs,
        rule,
    }
}

/// Settings of the selection, for the report.
pub struct SelectionInput<'a> {
    /// The objective.
    pub objective: &'a Objective,
    /// The procedure's settings.
    pub settings: crate::select::KnSettings,
    /// Most replications per variant.
    pub max_replications: u64,
    /// How the selection among all variants ended, the budget ignored.
    pub outcome: &'a KnOutcome,
    /// Each variant's cost against its budget (`None` without a budget).
    pub budgets: &'a [Option<BudgetCheck>],
    /// How the selection among the variants that keep their budget ended (`None`
    /// when no variant has a budget, or none keeps it).
    pub within_budget: Option<&'a KnOutcome>,
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
        warnings: Warnings,
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
                budget: selection.budgets[k],
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
        let label = |i: usize| variants[i].label.to_string();
        let pick = |o: &KnOutcome| Pick {
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
        };
        let any_budget_rule = selection.budgets.iter().any(Option::is_some);
        let recommendation = if any_budget_rule {
            selection.within_budget.map(pick)
        } else {
            Some(pick(selection.outcome))
        };
        let alpha = selection
            .budgets
            .iter()
            .flatten()
            .find_map(|b| b.max_overrun_probability);
        let mut sel = Selection {
            method: "Kim-Nelson fully sequential procedure (indifference zone)",
            objective: objective.name.clone(),
            better: objective.direction(),
            indifference: selection.settings.indifference,
            confidence: selection.settings.confidence,
            first_stage: selection.settings.first_stage,
            max_replications: selection.max_replications,
            budget_rule: any_budget_rule.then(|| rule_text(alpha, Lang::En)),
            selected: recommendation.as_ref().map(|p| p.selected.clone()),
            recommendation,
            keeping_budget: any_budget_rule.then(|| {
                (0..variants.len())
                    .filter(|&i| selection.budgets[i].is_none_or(|b| b.keeps_budget))
                    .map(label)
                    .collect()
            }),
            best_ignoring_budget: pick(selection.outcome),
            verdict: String::new(),
        };
        sel.verdict = verdict(&sel, &summaries, Lang::En).paragraph(Lang::En);
        CompareReport {
            warnings,
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
        let mut out = self.warnings.table_lines();
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
        let v = verdict(s, &self.variants, Lang::En);
        let _ = writeln!(out);
        for sentence in &v.headline {
            let _ = writeln!(out, "{sentence}");
        }
        let procedures = [
            ("", s.recommendation.as_ref()),
            (
                " (ignoring the budget)",
                // A separate procedure only when some variant breaks its budget.
                Some(&s.best_ignoring_budget).filter(|_| {
                    s.keeping_budget
                        .as_ref()
                        .is_some_and(|k| k.len() < self.variants.len())
                }),
            ),
        ];
        for (which, pick) in procedures {
            for e in pick.map_or(&[][..], |p| &p.eliminated[..]) {
                let _ = writeln!(
                    out,
                    "  {} eliminated after {} replications{which}",
                    e.label, e.after_replications
                );
            }
        }
        if !v.costs.is_empty() {
            let _ = writeln!(out, "\ncost against the budget:");
            let w = v.costs.iter().map(|(l, _)| l.len()).max().unwrap_or(0);
            for (label, text) in &v.costs {
                let _ = writeln!(out, "  {label:<w$}  {text}");
            }
        }
        if let Some(rule) = &v.rule {
            let _ = writeln!(out, "{rule}");
        }
        let _ = writeln!(
            out,
            "\nIntervals are 95 % Monte Carlo intervals of the mean; differences are paired on common random numbers.\nP(best): {}.",
            self.probability_best_method
        );
        out
    }

    /// Long-format CSV: a `warning` row per warning, then each variant's KPIs, each
    /// paired difference, each P(best).
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
        for row in self.warnings.csv_rows(11) {
            w.row(&row)?;
        }
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
        // The verdict: each variant's cost against its budget, then the picks.
        let single = |block: &str, variant: &str, metric: &str, value: String| {
            let mut row = vec![
                block.to_string(),
                variant.to_string(),
                String::new(),
                metric.to_string(),
                value,
            ];
            row.extend((0..6).map(|_| String::new()));
            row
        };
        for v in &self.variants {
            if let Some(b) = &v.budget {
                for (metric, value) in [
                    ("budget", b.budget),
                    ("expected_cost", b.expected_cost),
                    ("cost_with_margin", b.cost_with_margin),
                    ("overrun_probability", b.overrun_probability),
                    ("keeps_budget", if b.keeps_budget { 1.0 } else { 0.0 }),
                ] {
                    w.row(&single("budget", &v.label, metric, num(value)))?;
                }
            }
        }
        let s = &self.selection;
        if let Some(selected) = &s.selected {
            w.row(&single("selected", selected, &s.objective, String::new()))?;
        }
        if s.keeping_budget.is_some() {
            w.row(&single(
                "best_ignoring_budget",
                &s.best_ignoring_budget.selected,
                &s.objective,
                String::new(),
            ))?;
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
