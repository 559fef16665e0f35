//! Reports of an optimisation: JSON, table, convergence CSV and chart, and the HTML
//! page with the winner against the starting plan and the status quo, re-simulated
//! on the certification's fresh seeds, and the search's progress.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;

use plansim_analysis::budget::BudgetCheck;
use plansim_analysis::objective::Objective;
use plansim_analysis::variants::Sample;
use plansim_analysis::warnings::Warnings;
use plansim_optimize::objective::{Estimate, Evaluation};
use plansim_optimize::{Certification, Evaluator, Outcome, StopReason};
use plansim_sim::engine::metrics::Metric;

use crate::budget::{check_text, rule_text};
use crate::csv_safe::CsvSheet;
use crate::figures::{self, VariantView};
use crate::format::{fmt, grouped, objective_style, Style};
use crate::html::{Document, Section, Table};
use crate::i18n::{metric_label, objective_label, Lang, T};
use crate::warnings::table_lines;
use crate::{Error, Result};

/// An estimate in and out of sample.
#[derive(Serialize, Clone, Debug)]
pub struct InOut {
    /// On the search's seed set (the figure the search optimised, biased upwards).
    pub in_sample: Estimate,
    /// On fresh seeds.
    pub out_of_sample: Estimate,
}

/// The starting plan's figures.
#[derive(Serialize, Clone, Debug)]
pub struct StartReport {
    /// Its parameters.
    pub params: BTreeMap<String, f64>,
    /// Its objective on the search's seeds.
    pub objective: Estimate,
    /// Its cost on the search's seeds.
    pub cost: Estimate,
    /// Its objective on fresh seeds.
    pub objective_out_of_sample: Estimate,
    /// Its cost on fresh seeds.
    pub cost_out_of_sample: Estimate,
}

/// The baseline's figures on fresh seeds.
#[derive(Serialize, Clone, Debug)]
pub struct BaselineReport {
    /// Objective on fresh seeds.
    pub objective: Estimate,
    /// Cost on fresh seeds.
    pub cost: Estimate,
}

/// Everything `plansim optimize` reports.
#[derive(Serialize, Clone, Debug)]
pub struct OptimizeReport {
    /// Scenario name.
    pub scenario: String,
    /// What makes some figures less trustworthy than their intervals say (the start
    /// or the status quo without an equilibrium, candidates without one, a status quo
    /// without a steady state); empty when none.
    #[serde(serialize_with = "crate::warnings::serialize")]
    pub warnings: Warnings,
    /// Solver(s) run.
    pub solver: String,
    /// What was maximised.
    pub objective_kind: plansim_sim::scenario::ObjectiveKind,
    /// Evaluations made.
    pub evaluations: usize,
    /// Why the search stopped.
    pub stop: StopReason,
    /// Why the search stopped, in words.
    pub stopped: String,
    /// Budget on expected incentive cost.
    pub budget: f64,
    /// Chance constraint, if any.
    pub max_overrun_probability: Option<f64>,
    /// True when a plan keeping the budget, with efforts in equilibrium, was found in the search.
    pub feasible: bool,
    /// The budget rule in words (the search's, and what it does not promise).
    pub budget_rule: String,
    /// The winner's cost on fresh seeds against the budget by the search's rule:
    /// `keeps_budget` is about the expected cost; `overrun_probability` is the chance
    /// that one realisation exceeds the budget all the same.
    pub budget_out_of_sample: BudgetCheck,
    /// The budget verdict in words, as the table prints it.
    pub budget_verdict: String,
    /// The winner's parameters: the search's best rounded to the plan's steps, the
    /// plan certified and written to optimized.toml.
    pub best: BTreeMap<String, f64>,
    /// The search's best point before rounding.
    pub search_best: BTreeMap<String, f64>,
    /// How the search's best was rounded, in words.
    pub rounding: String,
    /// The starting plan.
    pub start: StartReport,
    /// The winner's objective.
    pub objective: InOut,
    /// The winner's incentive cost.
    pub cost: InOut,
    /// The winner's probability of exceeding the budget, in and out of sample.
    pub overrun_probability: BTreeMap<&'static str, f64>,
    /// In-sample minus out-of-sample objective of the winner.
    pub gap: f64,
    /// Winner minus start on fresh seeds, paired.
    pub improvement_over_start: Estimate,
    /// Winner minus baseline on fresh seeds, paired.
    pub improvement_over_baseline: Estimate,
    /// The baseline on fresh seeds.
    pub baseline: BaselineReport,
    /// Seed of the search.
    pub seed: u64,
    /// Seed of the certification.
    pub certification_seed: u64,
    /// Replications per evaluation.
    pub replications: u64,
    /// Replications per evaluation while the search explores (as many as
    /// `replications` when it evaluates every candidate on the full count).
    pub explore_replications: u64,
    /// Evaluations on `replications`: the starting plan and the final candidates the
    /// winner is chosen among (every evaluation without an explore stage).
    pub full_evaluations: usize,
    /// Replications of the certification.
    pub certification_replications: u64,
    #[serde(skip)]
    winner_x: Vec<f64>,
}

fn params(e: &Evaluator, x: &[f64]) -> BTreeMap<String, f64> {
    e.space().named(x).into_iter().collect()
}

impl OptimizeReport {
    /// Builds the report of search `o` whose winner, as certified in `c`, is
    /// `winner_in` on the search's seeds (the search's best rounded to the plan's
    /// steps, as `rounding` says).
    pub fn new(
        e: &Evaluator,
        o: &Outcome,
        (winner_in, rounding): (&Evaluation, &str),
        c: &Certification,
        warnings: Warnings,
    ) -> Self {
        let s = e.settings();
        let start_in = &o.evaluations[0];
        let found = o.best().unwrap_or(start_in);
        let check = BudgetCheck::new(e.rule(), &c.winner.cost_estimate());
        debug_assert_eq!(check.keeps_budget, c.winner.feasible);
        OptimizeReport {
            scenario: e.model().name().to_string(),
            warnings,
            solver: o.solver.clone(),
            objective_kind: s.objective(),
            evaluations: o.evaluations.len(),
            stop: o.stop,
            stopped: o.stop_words(),
            budget: s.budget(),
            max_overrun_probability: s.max_overrun_probability(),
            feasible: o.best.is_some(),
            budget_rule: rule_text(s.max_overrun_probability(), Lang::En),
            budget_out_of_sample: check,
            budget_verdict: budget_verdict(&check, c.replications, Lang::En),
            best: params(e, &winner_in.x),
            search_best: params(e, &found.x),
            rounding: rounding.to_string(),
            start: StartReport {
                params: params(e, &start_in.x),
                objective: start_in.objective,
                cost: start_in.cost,
                objective_out_of_sample: c.start.objective,
                cost_out_of_sample: c.start.cost,
            },
            objective: InOut {
                in_sample: winner_in.objective,
                out_of_sample: c.winner.objective,
            },
            cost: InOut {
                in_sample: winner_in.cost,
                out_of_sample: c.winner.cost,
            },
            overrun_probability: [
                ("in_sample", winner_in.overrun_probability),
                ("out_of_sample", c.winner.overrun_probability),
            ]
            .into_iter()
            .collect(),
            gap: winner_in.objective.mean - c.winner.objective.mean,
            improvement_over_start: c.improvement_over_start,
            improvement_over_baseline: c.improvement_over_baseline,
            baseline: BaselineReport {
                objective: c.baseline.objective,
                cost: c.baseline.cost,
            },
            seed: s.seed(),
            certification_seed: c.seed,
            replications: s.replications(),
            explore_replications: s.explore_replications(),
            full_evaluations: o
                .evaluations
                .iter()
                .filter(|v| v.replications == s.replications())
                .count(),
            certification_replications: c.replications,
            winner_x: winner_in.x.clone(),
        }
    }

    /// The winner's point.
    pub fn winner_x(&self) -> Vec<f64> {
        self.winner_x.clone()
    }

    /// Pretty JSON with a final newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("reports serialise");
        s.push('\n');
        s
    }

    /// The human-readable report, its lines wrapped to `width`, control characters in
    /// names escaped.
    pub fn table(&self, width: crate::text_table::Width) -> String {
        let text = crate::text_table::wrap(&self.table_text(), width);
        crate::format::printable_lines(&text).into_owned()
    }

    fn table_text(&self) -> String {
        let mut out = table_lines(&self.warnings);
        let kind = serde_json::to_value(self.objective_kind)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "plansim optimize: {} - maximise {} subject to expected incentive cost <= {}",
            crate::format::printable(&self.scenario),
            kind,
            grouped(self.budget, 0)
        );
        if let Some(a) = self.max_overrun_probability {
            let _ = writeln!(out, "chance constraint: P(cost > budget) <= {a}");
        }
        let evaluations = if self.full_evaluations == self.evaluations {
            format!(
                "{} evaluations of {} replications",
                self.evaluations, self.replications
            )
        } else {
            format!(
                "{} evaluations ({} exploring on {} replications, {} on {}: the start and the final candidates)",
                self.evaluations,
                self.evaluations - self.full_evaluations,
                self.explore_replications,
                self.full_evaluations,
                self.replications
            )
        };
        let _ = writeln!(
            out,
            "{evaluations} ({}; {}); certified on {} fresh replications\n",
            self.solver, self.stopped, self.certification_replications
        );
        let width = self.best.keys().map(|k| k.len()).max().unwrap_or(9).max(9);
        let _ = writeln!(
            out,
            "{:<width$}  {:>12}  {:>14}  {:>12}",
            "parameter", "start", "search's best", "best"
        );
        for (k, v) in &self.best {
            let _ = writeln!(
                out,
                "{:<width$}  {:>12}  {:>14}  {:>12}",
                k,
                plan_value(k, self.start.params[k]),
                plan_value(k, self.search_best[k]),
                plan_value(k, *v)
            );
        }
        let _ = writeln!(out, "{}", self.rounding);
        let objective_style = kind_style(self.objective_kind);
        let at = |e: &Estimate, st: Style| {
            format!(
                "{} [{}, {}]",
                fmt(e.mean, st),
                fmt(e.ci95_low, st),
                fmt(e.ci95_high, st)
            )
        };
        let est = |e: &Estimate| at(e, objective_style);
        let money = |e: &Estimate| at(e, Style::Count);
        // A difference of revenue growth in percentage points.
        let diff = |e: &Estimate| {
            let s = plansim_sim::tally::Summary {
                mean: e.mean,
                std_err: e.std_err,
                ci95_low: e.ci95_low,
                ci95_high: e.ci95_high,
                p05: f64::NAN,
                p50: f64::NAN,
                p95: f64::NAN,
            };
            crate::format::difference_interval(&s, objective_style)
        };
        let _ = writeln!(out);
        let rows = [
            ("objective, best, in sample", est(&self.objective.in_sample)),
            (
                "objective, best, fresh seeds",
                est(&self.objective.out_of_sample),
            ),
            (
                "objective, start, fresh seeds",
                est(&self.start.objective_out_of_sample),
            ),
            (
                "objective, baseline, fresh seeds",
                est(&self.baseline.objective),
            ),
            (
                "best - start, fresh seeds (paired)",
                diff(&self.improvement_over_start),
            ),
            (
                "best - baseline, fresh seeds (paired)",
                diff(&self.improvement_over_baseline),
            ),
            ("cost, best, in sample", money(&self.cost.in_sample)),
            ("cost, best, fresh seeds", money(&self.cost.out_of_sample)),
            (
                "cost, start, fresh seeds",
                money(&self.start.cost_out_of_sample),
            ),
            ("cost, baseline, fresh seeds", money(&self.baseline.cost)),
        ];
        let w = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
        for (label, value) in rows {
            let _ = writeln!(out, "{label:<w$}  {value}");
        }
        let _ = writeln!(
            out,
            "\nin-sample minus fresh-seed objective (selection gap): {}",
            match objective_style {
                Style::Percent => crate::format::points(self.gap),
                st => fmt(self.gap, st),
            }
        );
        let _ = writeln!(out, "{}", self.budget_verdict);
        let _ = writeln!(out, "{}", self.budget_rule);
        if !self.feasible {
            let _ = writeln!(
                out,
                "no evaluated plan kept the budget with efforts in equilibrium in the search: the starting plan is reported"
            );
        }
        out
    }
}

/// How an objective of kind `k` is shown: revenue growth as a percentage, the others
/// (money, customers) as counts.
pub fn kind_style(k: plansim_sim::scenario::ObjectiveKind) -> Style {
    match k {
        plansim_sim::scenario::ObjectiveKind::RevenueGrowth => Style::Percent,
        _ => Style::Count,
    }
}

/// A plan parameter's value as the plan states it: at its step's decimals (money
/// with thousands separators).
pub fn plan_value(path: &str, x: f64) -> String {
    let step = plansim_sim::scenario::plan_param(path).map_or(0.001, |p| p.step);
    let decimals = (-step.log10().floor()).max(0.0) as usize;
    if step >= 1.0 {
        grouped(x, 0)
    } else {
        format!("{x:.decimals$}")
    }
}

/// Whether the winner keeps the budget on `replications` fresh seeds, by the
/// search's rule, with P(cost > budget) in one realisation beside it.
pub fn budget_verdict(check: &BudgetCheck, replications: u64, lang: Lang) -> String {
    match lang {
        Lang::En => format!(
            "The winner on {replications} fresh replications: {}.",
            check_text(check, lang)
        ),
        Lang::Zh => format!(
            "最优方案在 {replications} 次新的模拟中：{}。",
            check_text(check, lang)
        ),
    }
}

/// convergence.csv: a `warning` row per warning, then one row per evaluation with its
/// parameters, figures, whether it keeps the budget and has an equilibrium (a plan
/// without one cannot win), and the best so far.
pub fn convergence_csv(e: &Evaluator, o: &Outcome, warnings: &Warnings) -> Result<Vec<u8>> {
    let mut w = CsvSheet::new();
    let mut header = vec!["evaluation".to_string()];
    header.extend(e.space().variables.iter().map(|v| v.path.clone()));
    header.extend(
        [
            "objective",
            "objective_std_err",
            "cost",
            "overrun_probability",
            "feasible",
            "equilibrium",
            "best_so_far",
        ]
        .map(String::from),
    );
    w.row(&header)?;
    for row in crate::warnings::csv_rows(warnings, header.len()) {
        w.row(&row)?;
    }
    let mut best = f64::NAN;
    for (i, ev) in o.evaluations.iter().enumerate() {
        if ev.selectable() && (best.is_nan() || ev.objective.mean > best) {
            best = ev.objective.mean;
        }
        let mut row = vec![(i + 1).to_string()];
        row.extend(ev.x.iter().map(|v| v.to_string()));
        row.extend([
            ev.objective.mean.to_string(),
            ev.objective.std_err.to_string(),
            ev.cost.mean.to_string(),
            ev.overrun_probability.to_string(),
            ev.feasible.to_string(),
            ev.equilibrium.to_string(),
            if best.is_nan() {
                String::new()
            } else {
                best.to_string()
            },
        ]);
        w.row(&row)?;
    }
    w.finish()
}

/// convergence.svg: each evaluation's objective (feasible, over budget, or without an
/// equilibrium) and the best so far.
pub fn chart_svg(e: &Evaluator, o: &Outcome, lang: Lang) -> Result<String> {
    use plotters::prelude::*;
    let n = o.evaluations.len().max(1);
    let values: Vec<f64> = o
        .evaluations
        .iter()
        .map(|v| v.objective.mean)
        .filter(|v| v.is_finite())
        .collect();
    let (mut lo, mut hi) = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    if !lo.is_finite() {
        lo = 0.0;
        hi = 1.0;
    }
    let pad = ((hi - lo).abs() * 0.05).max(1e-9);
    let (lo, hi) = (lo - pad, hi + pad);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 520)).into_drawing_area();
        let fail = |err: DrawingAreaErrorKind<std::io::Error>| Error::Chart {
            chart: "the convergence chart",
            source: Box::new(err),
        };
        root.fill(&WHITE).map_err(fail)?;
        let kind = match lang {
            Lang::En => serde_json::to_value(e.settings().objective())
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default(),
            Lang::Zh => T::Objective.text(lang).to_string(),
        };
        let y_axis = match kind_style(e.settings().objective()) {
            Style::Percent => crate::charts::Axis::Percent,
            _ => crate::charts::Axis::Amount,
        };
        let mut chart = ChartBuilder::on(&root)
            .caption(
                format!(
                    "{}: {} {}",
                    e.model().name(),
                    kind,
                    T::ByEvaluation.text(lang)
                ),
                ("sans-serif", 20),
            )
            .margin(15)
            .x_label_area_size(40)
            .y_label_area_size(80)
            .build_cartesian_2d(0f64..(n as f64 + 1.0), lo..hi)
            .map_err(fail)?;
        chart
            .configure_mesh()
            .x_desc(T::EvaluationAxis.text(lang))
            .y_desc(kind.as_str())
            .x_label_formatter(&|x| crate::charts::Axis::Whole.label(*x))
            .y_label_formatter(&|y| y_axis.label(*y))
            .draw()
            .map_err(fail)?;
        let point = |i: usize, v: &Evaluation| (i as f64 + 1.0, v.objective.mean);
        chart
            .draw_series(
                o.evaluations
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| v.selectable())
                    .map(|(i, v)| Circle::new(point(i, v), 3, BLUE.filled())),
            )
            .map_err(fail)?
            .label(T::FeasibleLabel.text(lang))
            .legend(|(x, y)| Circle::new((x, y), 3, BLUE.filled()));
        chart
            .draw_series(
                o.evaluations
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| !v.feasible)
                    .map(|(i, v)| Cross::new(point(i, v), 4, RED)),
            )
            .map_err(fail)?
            .label(T::OverBudgetLabel.text(lang))
            .legend(|(x, y)| Cross::new((x, y), 4, RED));
        if o.evaluations.iter().any(|v| v.feasible && !v.equilibrium) {
            let grey = RGBColor(128, 128, 128);
            chart
                .draw_series(
                    o.evaluations
                        .iter()
                        .enumerate()
                        .filter(|(_, v)| v.feasible && !v.equilibrium)
                        .map(|(i, v)| TriangleMarker::new(point(i, v), 4, grey)),
                )
                .map_err(fail)?
                .label(T::NoEquilibriumLabel.text(lang))
                .legend(move |(x, y)| TriangleMarker::new((x, y), 4, grey));
        }
        let mut best = f64::NAN;
        let mut line = Vec::new();
        for (i, v) in o.evaluations.iter().enumerate() {
            if v.selectable() && (best.is_nan() || v.objective.mean > best) {
                best = v.objective.mean;
            }
            if !best.is_nan() {
                line.push((i as f64 + 1.0, best));
            }
        }
        chart
            .draw_series(LineSeries::new(line, BLACK.stroke_width(2)))
            .map_err(fail)?
            .label(T::BestSoFar.text(lang))
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK.stroke_width(2)));
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(fail)?;
        root.present().map_err(fail)?;
    }
    Ok(svg)
}

/// The page of `plansim optimize --report`: `samples` are the starting plan, the
/// winner and the status quo, in this order, re-simulated on the certification's
/// fresh seeds (`plansim_analysis::variants::search_sample`).
pub fn page(
    e: &Evaluator,
    outcome: &Outcome,
    r: &OptimizeReport,
    samples: &[Sample],
    lang: Lang,
) -> Result<String> {
    let objective = Objective::of_kind(r.objective_kind);
    let st = objective_style(&objective);
    let est = |x: &Estimate| {
        format!(
            "{} [{}, {}]",
            fmt(x.mean, st),
            fmt(x.ci95_low, st),
            fmt(x.ci95_high, st)
        )
    };
    let money = |x: &Estimate| {
        format!(
            "{} [{}, {}]",
            grouped(x.mean, 0),
            grouped(x.ci95_low, 0),
            grouped(x.ci95_high, 0)
        )
    };
    let mut doc = Document::new(
        format!("{}: {}", T::OptimizeTitle.text(lang), r.scenario),
        format!(
            "{} · {}: {} · {}: {} ({})",
            r.solver,
            T::Replications.text(lang),
            r.replications,
            T::Seed.text(lang),
            r.seed,
            r.evaluations
        ),
        lang,
    );
    doc.warn(&r.warnings);
    let check = &r.budget_out_of_sample;
    let headline = match lang {
        Lang::En => format!(
            "On fresh seeds the best plan found gives {} {} against {} for the starting plan (paired difference {}), at an expected incentive cost of {}. Against the budget: {}.",
            objective_label(&objective, lang),
            est(&r.objective.out_of_sample),
            est(&r.start.objective_out_of_sample),
            est(&r.improvement_over_start),
            money(&r.cost.out_of_sample),
            check_text(check, lang)
        ),
        Lang::Zh => format!(
            "在新的随机种子上，找到的最优方案的{}为 {}，初始方案为 {}（配对差异 {}）；期望激励成本 {}。与预算相比：{}。",
            objective_label(&objective, lang),
            est(&r.objective.out_of_sample),
            est(&r.start.objective_out_of_sample),
            est(&r.improvement_over_start),
            money(&r.cost.out_of_sample),
            check_text(check, lang)
        ),
    };
    let mut params = Table::new([
        T::Parameters.text(lang),
        T::Start.text(lang),
        T::Best.text(lang),
    ]);
    for (k, v) in &r.best {
        params.push([k.clone(), format!("{}", r.start.params[k]), format!("{v}")]);
    }
    let mut figures_table = Table::new([
        T::Metric.text(lang).to_string(),
        T::Start.text(lang).to_string(),
        T::Best.text(lang).to_string(),
        T::Baseline.text(lang).to_string(),
    ]);
    figures_table.push([
        objective_label(&objective, lang).to_string(),
        est(&r.start.objective_out_of_sample),
        est(&r.objective.out_of_sample),
        est(&r.baseline.objective),
    ]);
    figures_table.push([
        metric_label(Metric::IncentiveCost, lang).to_string(),
        money(&r.start.cost_out_of_sample),
        money(&r.cost.out_of_sample),
        money(&r.baseline.cost),
    ]);
    doc.push(
        Section::new(T::Summary.text(lang))
            .callout(headline)
            .paragraph(rule_text(r.max_overrun_probability, lang))
            .table(params)
            .table(figures_table),
    );
    let labels = [T::Start, T::Best, T::Baseline];
    let views: Vec<VariantView<'_>> = samples
        .iter()
        .zip(labels)
        .map(|(s, label)| VariantView {
            label: label.text(lang).to_string(),
            model: &s.variant.model,
            plan: &s.variant.plan,
            metrics: &s.tally.metrics,
            periods: &s.tally.periods,
            attainments: &s.attainments,
        })
        .collect();
    doc.push(
        Section::new(T::SearchProgress.text(lang))
            .chart(chart_svg(e, outcome, lang)?, T::SearchProgress.text(lang)),
    );
    doc.push(figures::charts_section(&views, Some(r.budget), lang)?);
    Ok(doc.render())
}
