//! The report of `plansim compare`: every variant's KPIs side by side, paired
//! differences against the first variant, the probability each is best, and the
//! ranking-and-selection verdict; as a table, JSON, CSV or an HTML page.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;

use plansim_analysis::budget::BudgetCheck;
use plansim_analysis::compare::{Comparison, ReplicationStop, BOOTSTRAP_RESAMPLES};
use plansim_analysis::objective::Objective;
use plansim_analysis::select::{KnOutcome, KnSettings};
use plansim_analysis::warnings::Warnings;
use plansim_sim::engine::metrics::Metric;
use plansim_sim::scenario::ValidScenario;
use plansim_sim::tally::{Moments, Sketch, Summary, Tally};

use crate::budget::{check_text, rule_text};
use crate::csv_safe::{num, row_of, summary_cells, CsvSheet, SUMMARY_COLUMNS};
use crate::figures::{self, VariantView};
use crate::format::{
    difference_interval, fmt, grouped, interval, objective_style, printable, style, Style,
};
use crate::html::{subtitle, Document, Section, Table};
use crate::i18n::{metric_label, objective_label, Lang, T};
use crate::text_table::{wrap, Column, TextTable, Width};
use crate::warnings::{csv_rows, table_lines};
use crate::Result;

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
    /// The objective ranked on (written as its name).
    pub objective: Objective,
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
    #[serde(serialize_with = "crate::warnings::serialize")]
    pub warnings: Warnings,
    /// Seed of the common random numbers.
    pub seed: u64,
    /// Periods in the horizon.
    pub periods: u32,
    /// Reps in the team.
    pub team_size: usize,
    /// Replications simulated per variant (all on the same seeds).
    pub replications: u64,
    /// Why that many: `stopped_early` (Kim-Nelson selected before `--replications`
    /// were spent), `all_allowed` or `fixed` (`--fixed-replications`).
    pub replications_stop: ReplicationStop,
    /// The same in words, with the number allowed.
    pub replications_reason: String,
    /// How the probability of being best is estimated.
    pub probability_best_method: String,
    /// The variants.
    pub variants: Vec<VariantSummary>,
    /// Paired differences against the first variant.
    pub differences: Vec<DifferenceSummary>,
    /// The verdict.
    pub selection: Selection,
    /// Why figures that look wrong are right: each metric no variant moves from the
    /// first in any replication.
    pub notes: Vec<String>,
    /// The metrics in table order (not serialised).
    #[serde(skip)]
    pub order: Vec<Metric>,
}

/// A note for each metric whose paired difference is exactly 0 (mean and spread) for
/// every variant against the first: no variant moves it in any replication.
fn unmoved_notes(differences: &[DifferenceSummary], order: &[Metric]) -> Vec<String> {
    if differences.is_empty() {
        return Vec::new();
    }
    order
        .iter()
        .filter(|m| {
            differences.iter().all(|d| {
                d.metrics
                    .get(m.name())
                    .is_some_and(|s| s.mean == 0.0 && s.std_err == 0.0)
            })
        })
        .map(|m| {
            let why = match m {
                Metric::Satisfaction => {
                    ": it depends only on the reps' service effort and its own noise, which every variant draws alike (common random numbers), and no variant changes service effort"
                }
                Metric::EffortService => {
                    ": every variant leads the reps to the same service effort in every replication"
                }
                _ => ": no variant changes it in any replication (common random numbers draw everything else alike)",
            };
            format!("{} differs by exactly 0 between the variants{why}.", m.name())
        })
        .collect()
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
    Summary::new(&m, Some(&Sketch::of(values)))
}

/// Paired differences `a - b` over their common replications.
fn paired(a: &[f64], b: &[f64]) -> Summary {
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
    summarise(&d)
}

/// An amount of the objective in words: percentage points for shares.
pub fn amount_text(x: f64, objective: &Objective) -> String {
    match objective_style(objective) {
        Style::Percent => format!("{} percentage points", grouped(100.0 * x, 2)),
        _ if x.abs() >= 100.0 => grouped(x, 0),
        _ => format!("{x:.4}"),
    }
}

/// An amount of the objective in `lang`: percentage points for shares.
pub fn zone_text(x: f64, objective: &Objective, lang: Lang) -> String {
    match (lang, objective_style(objective)) {
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
        s.objective.name().to_string()
    } else {
        format!("“{}”", objective_label(&s.objective, lang))
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
        let cost = budget_of(&u.selected).map_or(String::new(), |b| check_text(&b, lang));
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
                    (Some(b), _) => check_text(&b, lang),
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
    pub settings: KnSettings,
    /// Most replications per variant.
    pub max_replications: u64,
    /// How the selection among all variants ended, the budget ignored.
    pub outcome: &'a KnOutcome,
    /// Each variant's cost against its budget (`None` without a budget).
    pub budgets: &'a [Option<BudgetCheck>],
    /// How the selection among the variants that keep their budget ended (`None`
    /// when no variant has a budget, or none keeps it).
    pub within_budget: Option<&'a KnOutcome>,
    /// Why the variants got the replications they did.
    pub stop: ReplicationStop,
}

/// How many replications each variant got and why, in `lang`.
pub fn replications_text(n: u64, max: u64, stop: ReplicationStop, lang: Lang) -> String {
    let (n_s, max_s) = (grouped(n as f64, 0), grouped(max as f64, 0));
    match (lang, stop) {
        (Lang::En, ReplicationStop::StoppedEarly) => format!(
            "{n_s} replications per variant, of the {max_s} allowed (--replications): Kim-Nelson stopped early, once its verdict held with the confidence asked; --fixed-replications runs all {max_s}."
        ),
        (Lang::En, ReplicationStop::AllAllowed) => format!(
            "{n_s} replications per variant, all that --replications allowed: the sequential selection did not stop before them."
        ),
        (Lang::En, ReplicationStop::Fixed) => format!(
            "{n_s} replications per variant, fixed (--fixed-replications): no early stop."
        ),
        (Lang::Zh, ReplicationStop::StoppedEarly) => format!(
            "每个方案模拟 {n_s} 次（最多允许 {max_s} 次，--replications）：Kim-Nelson 程序的结论达到所要求的置信度后提前停止；--fixed-replications 可运行全部 {max_s} 次。"
        ),
        (Lang::Zh, ReplicationStop::AllAllowed) => format!(
            "每个方案模拟 {n_s} 次，即 --replications 允许的全部次数：序贯选择未在此之前停止。"
        ),
        (Lang::Zh, ReplicationStop::Fixed) => {
            format!("每个方案固定模拟 {n_s} 次（--fixed-replications），不提前停止。")
        }
    }
}

impl CompareReport {
    /// The report of `comparison`, whose variants are those of `valids` in order,
    /// ranked on `objective` with common random numbers of `seed` and at most
    /// `max_replications` replications each.
    pub fn of(
        comparison: &Comparison,
        valids: &[ValidScenario],
        objective: &Objective,
        seed: u64,
        max_replications: u64,
        warnings: Warnings,
    ) -> Self {
        let inputs: Vec<VariantInput<'_>> = comparison
            .variants
            .iter()
            .zip(&comparison.tallies)
            .zip(valids)
            .map(|((v, t), valid)| VariantInput {
                label: &v.label,
                source: valid.source(),
                scenario: &valid.scenario().name,
                metrics: &t.metrics,
                has_budget: v.model.budget().is_some(),
            })
            .collect();
        let first = &comparison.variants[0].model;
        CompareReport::new(
            seed,
            first.periods(),
            first.reps().len(),
            &inputs,
            &comparison.probability_best,
            SelectionInput {
                objective,
                settings: comparison.settings,
                max_replications,
                outcome: &comparison.outcome,
                budgets: &comparison.budgets,
                within_budget: comparison.within_budget.as_ref(),
                stop: comparison.stop,
            },
            warnings,
        )
    }

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
        let replications = variants.iter().map(|v| v.metrics.rows()).min().unwrap_or(0);
        let order: Vec<Metric> = Metric::ALL
            .into_iter()
            .filter(|&m| m != Metric::BudgetOverrunProbability || any_budget)
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
                    .map(|&m| (m.name(), v.metrics.summary(m.index()).within(m.bounds())))
                    .collect(),
                objective: summarise(&objective.values(v.metrics)),
                probability_best: probability_best[k],
                budget: selection.budgets[k],
            })
            .collect();
        let first = &variants[0];
        let differences: Vec<DifferenceSummary> = variants[1..]
            .iter()
            .map(|v| DifferenceSummary {
                label: v.label.to_string(),
                against: first.label.to_string(),
                metrics: order
                    .iter()
                    .map(|&m| {
                        let a = v.metrics.values(m.index()).unwrap_or(&[]);
                        let b = first.metrics.values(m.index()).unwrap_or(&[]);
                        (m.name(), paired(a, b).within(m.difference_bounds()))
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
            objective: *objective,
            better: objective.direction(),
            indifference: selection.settings.indifference(),
            confidence: selection.settings.confidence(),
            first_stage: selection.settings.first_stage(),
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
            replications,
            replications_stop: selection.stop,
            replications_reason: replications_text(
                replications,
                selection.max_replications,
                selection.stop,
                Lang::En,
            ),
            probability_best_method: format!(
                "paired bootstrap over replications ({BOOTSTRAP_RESAMPLES} resamples): the share of resamples in which the variant has the best mean"
            ),
            notes: unmoved_notes(&differences, &order),
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

    /// The human-readable report, control characters in names escaped.
    pub fn table(&self, width: Width) -> String {
        crate::format::printable_lines(&self.table_text(width)).into_owned()
    }

    fn table_text(&self, width: Width) -> String {
        let mut out = table_lines(&self.warnings);
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
            let _ = writeln!(
                out,
                "  {}: {} ({})",
                printable(&v.label),
                printable(&v.scenario),
                printable(&v.source)
            );
        }
        let _ = writeln!(out, "{}", self.replications_reason);
        let _ = writeln!(out);
        let mut columns = vec![Column::left("metric")];
        columns.extend(
            labels
                .iter()
                .map(|l| Column::right(format!("{l} [95% CI]"))),
        );
        let mut t = TextTable::new(columns);
        for &m in &self.order {
            let (name, st) = (m.name(), style(m));
            let mut row = vec![name.to_string()];
            row.extend(self.variants.iter().map(|v| interval(&v.metrics[name], st)));
            t.row(row);
        }
        let mut out = wrap(&out, width);
        out.push_str(&t.render(width));
        if !self.differences.is_empty() {
            let _ = writeln!(
                out,
                "\npaired differences against {} (same replications):",
                labels[0]
            );
            let mut columns = vec![Column::left("metric")];
            columns.extend(
                self.differences
                    .iter()
                    .map(|d| Column::right(format!("{} - {} [95% CI]", d.label, d.against))),
            );
            let mut t = TextTable::new(columns);
            for &m in &self.order {
                let (name, st) = (m.name(), style(m));
                let mut row = vec![name.to_string()];
                row.extend(
                    self.differences
                        .iter()
                        .map(|d| difference_interval(&d.metrics[name], st)),
                );
                t.row(row);
            }
            out.push_str(&t.render(width));
        }
        for n in &self.notes {
            out.push_str(&wrap(&format!("Note: {n}\n"), width));
        }
        let head = out.len();
        let s = &self.selection;
        let st = objective_style(&s.objective);
        let _ = writeln!(
            out,
            "\nobjective: {} ({} is better); probability of being best:",
            s.objective.name(),
            s.better
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
            "\nIntervals are 95 % Monte Carlo intervals of the mean; differences are paired on common random numbers; differences of shares are in percentage points (pp).\nP(best): {}.",
            self.probability_best_method
        );
        let tail = wrap(&out[head..], width);
        out.truncate(head);
        out + &tail
    }

    /// Long-format CSV: a `warning` row per warning, then each variant's KPIs, each
    /// paired difference, each variant's replications (and why, in `against`), each P(best).
    pub fn to_csv(&self) -> Result<Vec<u8>> {
        let mut w = CsvSheet::new();
        let header = row_of(
            ["block", "variant", "against", "metric"],
            SUMMARY_COLUMNS.map(String::from),
        );
        w.row(&header)?;
        for row in csv_rows(&self.warnings, header.len()) {
            w.row(&row)?;
        }
        let cells = |block: &str, variant: &str, against: &str, metric: &str, s: &Summary| {
            row_of([block, variant, against, metric], summary_cells(s))
        };
        for v in &self.variants {
            for name in self.order.iter().map(|m| m.name()) {
                w.row(&cells("variant", &v.label, "", name, &v.metrics[name]))?;
            }
        }
        for d in &self.differences {
            for name in self.order.iter().map(|m| m.name()) {
                w.row(&cells(
                    "difference",
                    &d.label,
                    &d.against,
                    name,
                    &d.metrics[name],
                ))?;
            }
        }
        // One value a row: P(best), each variant's cost against its budget, the picks.
        let single = |block: &str, variant: &str, metric: &str, value: String| {
            let mut row = row_of([block, variant, "", metric], [value]);
            row.resize(header.len(), String::new());
            row
        };
        let s_objective = self.selection.objective.name();
        // Replications each variant got, with why in the `against` column.
        for v in &self.variants {
            let mut row = row_of(
                [
                    "replications",
                    &v.label,
                    self.replications_stop.name(),
                    "replications",
                ],
                [v.replications.to_string()],
            );
            row.resize(header.len(), String::new());
            w.row(&row)?;
        }
        for v in &self.variants {
            w.row(&single(
                "probability_best",
                &v.label,
                s_objective,
                num(v.probability_best),
            ))?;
        }
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
            w.row(&single("selected", selected, s_objective, String::new()))?;
        }
        if s.keeping_budget.is_some() {
            w.row(&single(
                "best_ignoring_budget",
                &s.best_ignoring_budget.selected,
                s_objective,
                String::new(),
            ))?;
        }
        w.finish()
    }
}

/// The page of `plansim compare --report`.
pub fn page(
    report: &CompareReport,
    comparison: &Comparison,
    attainments: &[Vec<f64>],
    lang: Lang,
) -> Result<String> {
    let labels: Vec<&str> = report.variants.iter().map(|v| v.label.as_str()).collect();
    let mut doc = Document::new(
        format!("{}: {}", T::CompareTitle.text(lang), labels.join(" · ")),
        subtitle(
            lang,
            &report
                .variants
                .iter()
                .map(|v| v.source.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            report.replications,
            report.seed,
            report.team_size,
            report.periods,
        ),
        lang,
    );
    doc.warn(&report.warnings);
    let s = &report.selection;
    let st = objective_style(&s.objective);
    let any_budget = report.variants.iter().any(|v| v.budget.is_some());
    let mut headers = vec![
        T::Variant.text(lang).to_string(),
        format!(
            "{} ({}): {}",
            T::Objective.text(lang),
            objective_label(&s.objective, lang),
            T::Mean95.text(lang)
        ),
        T::ProbabilityBest.text(lang).to_string(),
    ];
    if any_budget {
        headers.extend([
            T::ExpectedCost.text(lang).to_string(),
            T::Budget.text(lang).to_string(),
            T::KeepsBudget.text(lang).to_string(),
            T::OverrunProbability.text(lang).to_string(),
        ]);
    }
    let mut ranking = Table::new(headers);
    for v in &report.variants {
        let mut row = vec![
            v.label.clone(),
            interval(&v.objective, st),
            format!("{:.3}", v.probability_best),
        ];
        if any_budget {
            row.extend(match &v.budget {
                Some(b) => [
                    match lang {
                        Lang::En => format!(
                            "{} (+ 2 SE: {})",
                            grouped(b.expected_cost, 0),
                            grouped(b.cost_with_margin, 0)
                        ),
                        Lang::Zh => format!(
                            "{}（加 2 个标准误：{}）",
                            grouped(b.expected_cost, 0),
                            grouped(b.cost_with_margin, 0)
                        ),
                    },
                    grouped(b.budget, 0),
                    if b.keeps_budget { T::Yes } else { T::No }
                        .text(lang)
                        .to_string(),
                    fmt(b.overrun_probability, Style::Percent),
                ],
                None => [
                    grouped(v.metrics[Metric::IncentiveCost.name()].mean, 0),
                    "—".to_string(),
                    "—".to_string(),
                    "—".to_string(),
                ],
            });
        }
        ranking.push(row);
    }
    let verdict = verdict(s, &report.variants, lang);
    let mut section = Section::new(T::Verdict.text(lang))
        .callout(verdict.headline.join(match lang {
            Lang::En => " ",
            Lang::Zh => "",
        }))
        .paragraph(replications_text(
            report.replications,
            s.max_replications,
            report.replications_stop,
            lang,
        ));
    if !verdict.costs.is_empty() {
        section = section.paragraph(verdict.costs_sentence(lang));
    }
    if let Some(rule) = &verdict.rule {
        section = section.paragraph(rule.clone());
    }
    doc.push(section.table(ranking).paragraph(match lang {
        Lang::En => format!("P(best): {}.", report.probability_best_method),
        Lang::Zh => {
            format!("最优概率：对模拟结果按次配对重抽样 {BOOTSTRAP_RESAMPLES} 次，各方案均值最优的比例。")
        }
    }));
    let views: Vec<VariantView<'_>> = comparison
        .variants
        .iter()
        .zip(&comparison.tallies)
        .zip(attainments)
        .map(|((v, t), a)| VariantView {
            label: v.label.clone(),
            model: &v.model,
            plan: &v.plan,
            metrics: &t.metrics,
            periods: &t.periods,
            attainments: a,
        })
        .collect();
    doc.push(figures::charts_section(
        &views,
        comparison.variants[0].model.budget(),
        lang,
    )?);
    let mut side = Table::new(
        std::iter::once(T::Metric.text(lang).to_string()).chain(
            labels
                .iter()
                .map(|l| format!("{l}: {}", T::Mean95.text(lang))),
        ),
    );
    for &m in &report.order {
        let (name, st) = (m.name(), style(m));
        side.push(
            std::iter::once(metric_label(m, lang).to_string()).chain(
                report
                    .variants
                    .iter()
                    .map(|v| interval(&v.metrics[name], st)),
            ),
        );
    }
    doc.push(Section::new(T::KeyFigures.text(lang)).table(side));
    if !report.differences.is_empty() {
        let mut diff = Table::new(
            std::iter::once(T::Metric.text(lang).to_string()).chain(
                report
                    .differences
                    .iter()
                    .map(|d| format!("{} − {}", d.label, d.against)),
            ),
        );
        for &m in &report.order {
            let (name, st) = (m.name(), style(m));
            diff.push(
                std::iter::once(metric_label(m, lang).to_string()).chain(
                    report
                        .differences
                        .iter()
                        .map(|d| interval(&d.metrics[name], st)),
                ),
            );
        }
        doc.push(
            Section::new(format!("{} {}", T::PairedDifferences.text(lang), labels[0])).table(diff),
        );
    }
    Ok(doc.render())
}
