//! The report of a run (a plan against its baseline on common random numbers): the
//! JSON document, the human table, the CSV files and the HTML page, all built from
//! one [`RunReport`].
//!
//! Every CSV cell goes through [`crate::csv_safe`]: a text cell that begins with
//! = + - @ gets a leading `'` so that no spreadsheet runs it as a formula, while
//! numbers (including negative ones) stay plain numbers.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;

use plansim_analysis::warnings::Warnings;
use plansim_sim::engine::by_rep::{ByRep, ByRepReport};
use plansim_sim::engine::metrics::{Metric, PeriodMetric, N_METRICS, N_PERIOD_METRICS};
use plansim_sim::engine::selection::{Decomposition, Estimate};
use plansim_sim::engine::timing::{Timing, TimingReport};
use plansim_sim::engine::RunTally;
use plansim_sim::mechanisms::MECHANISM_NAMES;
use plansim_sim::model::calibration::{Calibrator, History};
use plansim_sim::model::Model;
use plansim_sim::scenario::ValidScenario;
use plansim_sim::tally::{Summary, Tally, Z95};

use crate::csv_safe::{num, row_of, summary_cells, CsvSheet, SUMMARY_COLUMNS};
use crate::figures::{self, VariantView};
use crate::format::{
    difference_interval, fmt, grouped, interval, percentiles, points, printable, style, Style,
};
use crate::html::{subtitle, Document, Section, Table};
use crate::i18n::{mechanism_label, metric_label, Lang, T};
use crate::text_table::{wrap, Column, TextTable, Width};
use crate::warnings::{csv_rows, table_lines};
use crate::Result;

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
    /// The version of plansim that made the report.
    pub version: &'static str,
    /// What makes some figures less trustworthy than their intervals say (a plan
    /// without an equilibrium, a status quo without a steady state); empty when none.
    #[serde(serialize_with = "crate::warnings::serialize")]
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
    /// Why figures that look wrong are right: a metric that cannot move in this
    /// scenario, a cost without spread, the baseline's ROI.
    pub notes: Vec<String>,
    /// The same notes, for other languages (not serialised).
    #[serde(skip)]
    pub note_kinds: Vec<Note>,
    /// Selection's share of the plan's effect on revenue, with a hiring pool only
    /// (docs/model.md section 10.1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selection: Option<Decomposition>,
    /// Outputs by rep, when the scenario asks for them (`[outputs] by_rep`, docs/model.md
    /// section 13.1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by_rep: Option<ByRepReport>,
    /// Deal timing, when the scenario opens it (`[team.deal_timing]`, docs/model.md
    /// section 13.2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timing: Option<TimingReport>,
    /// The metrics in table order (not serialised).
    #[serde(skip)]
    pub order: Vec<Metric>,
}

/// True when metric `m` is reported (budget overrun only with a budget; costs go by mechanism).
fn reported(m: Metric, model: &Model) -> bool {
    m.mechanism().is_none() && (m != Metric::BudgetOverrunProbability || model.budget().is_some())
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
        for m in Metric::ALL {
            if !reported(m, model) {
                continue;
            }
            order.push(m);
            let i = m.index();
            let a = tally.plan.summary(i).within(m.bounds());
            let b = tally.baseline.summary(i).within(m.bounds());
            let unpaired = (a.std_err * a.std_err + b.std_err * b.std_err).sqrt();
            metrics.insert(m.name(), a);
            baseline.insert(m.name(), b);
            difference.insert(
                m.name(),
                DifferenceSummary {
                    paired: tally.difference.summary(i).within(m.difference_bounds()),
                    std_err_unpaired: unpaired,
                },
            );
        }
        let mut cost = CostByMechanism {
            plan: BTreeMap::new(),
            baseline: BTreeMap::new(),
        };
        for m in Metric::ALL {
            if let Some(k) = m.mechanism() {
                let name = MECHANISM_NAMES[k];
                cost.plan.insert(name, tally.plan.summary(m.index()));
                cost.baseline
                    .insert(name, tally.baseline.summary(m.index()));
            }
        }
        let per_period = (0..model.periods())
            .map(|t| {
                let mut row = PeriodRow {
                    period: t + 1,
                    plan: BTreeMap::new(),
                    baseline: BTreeMap::new(),
                    difference: BTreeMap::new(),
                };
                for m in PeriodMetric::ALL {
                    let col = t as usize * N_PERIOD_METRICS + m.index();
                    let (b, d) = (m.bounds(), m.difference_bounds());
                    row.plan
                        .insert(m.name(), period_summary(&tally.plan_periods, col, b));
                    row.baseline
                        .insert(m.name(), period_summary(&tally.baseline_periods, col, b));
                    row.difference
                        .insert(m.name(), period_summary(&tally.difference_periods, col, d));
                }
                row
            })
            .collect();
        let note_kinds = notes(model, &metrics, &difference, &cost);
        RunReport {
            scenario: model.name().to_string(),
            source: source.to_string(),
            warnings,
            version: env!("CARGO_PKG_VERSION"),
            seed,
            replications: tally.replications(),
            periods: model.periods(),
            team_size: model.reps().len(),
            run_rate_revenue: model.run_rate_revenue(),
            budget: model.budget(),
            metrics,
            baseline,
            difference,
            cost_by_mechanism: cost,
            per_period,
            notes: note_kinds.iter().map(|n| n.text(Lang::En)).collect(),
            note_kinds,
            selection: None,
            by_rep: None,
            timing: None,
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

/// True when every replication gave `s`'s mean: no spread at all.
fn constant(s: &Summary) -> bool {
    s.std_err == 0.0 && s.p05 == s.p95
}

/// A figure that looks wrong and is right, and why (see [`RunReport::notes`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Note {
    /// Service effort is this under both plans in every replication, the least the
    /// job requires.
    ServiceAtLeast(f64),
    /// Service effort is this under both plans in every replication.
    ServiceSame(f64),
    /// Satisfaction differs by exactly 0.
    SatisfactionSame,
    /// Training costs this in every replication.
    TrainingConstant(f64),
    /// The baseline's ROI is not shown.
    BaselineRoi,
}

impl Note {
    /// The note in `lang`.
    pub fn text(self, lang: Lang) -> String {
        match (self, lang) {
            (Note::ServiceAtLeast(v), Lang::En) => format!(
                "effort_service is {v:.3} under both plans in every replication: the reps give the least service the job requires (team.min_effort.service), so neither plan rewards service enough to raise it."
            ),
            (Note::ServiceAtLeast(v), Lang::Zh) => format!(
                "两个方案下每次模拟的服务投入都是 {v:.3}：销售代表只付出岗位要求的最低服务投入（team.min_effort.service），两个方案对服务的奖励都不足以提高它。"
            ),
            (Note::ServiceSame(v), Lang::En) => format!(
                "effort_service is {v:.3} under both plans in every replication: the reps choose the same service under both."
            ),
            (Note::ServiceSame(v), Lang::Zh) => {
                format!("两个方案下每次模拟的服务投入都是 {v:.3}：销售代表在两个方案下选择相同的服务投入。")
            }
            (Note::SatisfactionSame, Lang::En) => "satisfaction differs by exactly 0: it depends only on the reps' service effort and its own noise, which both plans draw alike (common random numbers), and service effort is the same under both.".into(),
            (Note::SatisfactionSame, Lang::Zh) => "客户满意度的差异恰好为 0：它只取决于服务投入及其自身的随机扰动，两个方案使用相同的随机数，而服务投入在两个方案下相同。".into(),
            (Note::TrainingConstant(c), Lang::En) => format!(
                "cost: training is {} in every replication: the plan pays plan.training.cost for each rep trained at each session, and as many reps are trained at every session (the team's size is constant: every leaver is replaced at once).",
                grouped(c, 0)
            ),
            (Note::TrainingConstant(c), Lang::Zh) => format!(
                "培训成本在每次模拟中都是 {}：方案为每次培训的每位受训者支付 plan.training.cost，而每次培训的人数相同（团队人数不变：离职者即时补充）。",
                grouped(c, 0)
            ),
            (Note::BaselineRoi, Lang::En) => "The baseline's roi and the plan's difference from it are not shown in the table: roi is (revenue - RR - incentive_cost) / incentive_cost, where RR is the status quo's expected revenue, and the baseline is the status quo, whose revenue is RR in expectation (its revenue_growth is about 0); so its roi is about -100 % plus revenue noise over a small cost, and measures nothing. They are in the JSON and CSV.".into(),
            (Note::BaselineRoi, Lang::Zh) => "表中不列现行方案的投资回报率及新方案与它的差异：投资回报率为（收入 - RR - 激励成本）/ 激励成本，RR 是现行方案的期望收入；现行方案的收入期望即为 RR（其收入增长约为 0），故其投资回报率约为 -100% 加上收入波动除以很小的成本，没有意义。JSON 与 CSV 中仍有这些数。".into(),
        }
    }
}

/// The notes of a run, each read from the model's code: service effort at its least
/// under both plans, satisfaction that cannot differ, a training cost without spread,
/// and why the baseline's ROI is not shown.
fn notes(
    model: &Model,
    metrics: &BTreeMap<&'static str, Summary>,
    difference: &BTreeMap<&'static str, DifferenceSummary>,
    cost: &CostByMechanism,
) -> Vec<Note> {
    let mut notes = Vec::new();
    let same = |m: Metric| {
        difference
            .get(m.name())
            .is_some_and(|d| d.paired.mean == 0.0 && d.paired.std_err == 0.0)
    };
    let service = metrics.get(Metric::EffortService.name());
    if let Some(s) = service.filter(|s| constant(s) && same(Metric::EffortService)) {
        notes.push(if s.mean == model.rules().min_effort.service {
            Note::ServiceAtLeast(s.mean)
        } else {
            Note::ServiceSame(s.mean)
        });
    }
    if same(Metric::Satisfaction) && metrics.contains_key(Metric::Satisfaction.name()) {
        notes.push(Note::SatisfactionSame);
    }
    let training = MECHANISM_NAMES[plansim_sim::engine::simulate::mechanism::TRAINING];
    if let Some(s) = cost
        .plan
        .get(training)
        .filter(|s| s.mean > 0.0 && constant(s))
    {
        notes.push(Note::TrainingConstant(s.mean));
    }
    if metrics.contains_key(Metric::Roi.name()) {
        notes.push(Note::BaselineRoi);
    }
    notes
}

/// The report as a text table fitted to `width` (see [`crate::text_table`]).
pub fn table(r: &RunReport, width: Width) -> String {
    crate::format::printable_lines(&table_text(r, width)).into_owned()
}

fn table_text(r: &RunReport, width: Width) -> String {
    let mut out = table_lines(&r.warnings);
    let _ = writeln!(
        out,
        "plansim: {} ({}), {} replications, seed {}, {} reps x {} periods",
        printable(&r.scenario),
        printable(&r.source),
        r.replications,
        r.seed,
        r.team_size,
        r.periods
    );
    let _ = writeln!(
        out,
        "pre-plan run-rate of team revenue: {} a period",
        grouped(r.run_rate_revenue, 0)
    );
    if let Some(b) = r.budget {
        let _ = writeln!(out, "budget on incentive cost: {}", grouped(b, 0));
    }
    let _ = writeln!(out);
    let mut out = wrap(&out, width);
    let mut t = TextTable::new(vec![
        Column::left("metric"),
        Column::right("plan mean [95% CI]"),
        Column::right("plan P5 / P50 / P95").droppable(0),
        Column::right("baseline mean"),
        Column::right("difference [95% CI]"),
    ]);
    for &m in &r.order {
        let (name, st) = (m.name(), style(m));
        let a = &r.metrics[name];
        let b = &r.baseline[name];
        let d = &r.difference[name].paired;
        let (b, d) = if m == Metric::Roi {
            // Not meaningful: see the note.
            ("-".to_string(), "-".to_string())
        } else {
            (fmt(b.mean, st), difference_interval(d, st))
        };
        t.row(vec![
            name.to_string(),
            interval(a, st),
            percentiles(a, st),
            b,
            d,
        ]);
    }
    t.row(Vec::new());
    for (name, a) in &r.cost_by_mechanism.plan {
        if a.mean == 0.0 && r.cost_by_mechanism.baseline[name].mean == 0.0 {
            continue;
        }
        let b = &r.cost_by_mechanism.baseline[name];
        t.row(vec![
            format!("  cost: {name}"),
            interval(a, Style::Count),
            percentiles(a, Style::Count),
            fmt(b.mean, Style::Count),
            fmt(a.mean - b.mean, Style::Count),
        ]);
    }
    out.push_str(&t.render(width));
    out.push_str(&wrap(
        "\nIntervals are 95 % Monte Carlo intervals of the mean; the difference is paired on common random numbers; differences of shares are in percentage points (pp).\nrevenue_growth is against the pre-plan run-rate; see docs/model.md for every definition.\n",
        width,
    ));
    for n in &r.notes {
        out.push_str(&wrap(&format!("Note: {n}\n"), width));
    }
    if let Some(d) = &r.selection {
        selection_lines(&mut out, d);
    }
    if let Some(b) = &r.by_rep {
        by_rep_lines(&mut out, "plan", &b.plan);
        by_rep_lines(&mut out, "baseline", &b.baseline);
    }
    if let Some(t) = &r.timing {
        timing_lines(&mut out, "plan", &t.plan);
        timing_lines(&mut out, "baseline", &t.baseline);
        let d = t.revenue_lost_difference;
        let _ = writeln!(
            out,
            "  revenue lost to timing, plan minus baseline (paired): {} [{}, {}]",
            money(d.mean),
            money(d.mean - Z95 * d.std_err),
            money(d.mean + Z95 * d.std_err)
        );
    }
    out
}

/// Deal timing under one plan: revenue lost, shares shifted, and by period of the cycle.
fn timing_lines(out: &mut String, name: &str, t: &Timing) {
    let pct = |e: &Estimate| {
        format!(
            "{:.2} % [{:.2} %, {:.2} %]",
            100.0 * e.mean,
            100.0 * (e.mean - Z95 * e.std_err),
            100.0 * (e.mean + Z95 * e.std_err)
        )
    };
    let _ = writeln!(
        out,
        "\nDeal timing under the {name} (docs/model.md section 8.8): revenue lost {} [{}, {}], {} of the revenue of the cycles whose end let deals move",
        money(t.revenue_lost.mean),
        money(t.revenue_lost.mean - Z95 * t.revenue_lost.std_err),
        money(t.revenue_lost.mean + Z95 * t.revenue_lost.std_err),
        pct(&t.revenue_lost_share)
    );
    let _ = writeln!(
        out,
        "  share of those cycles' deal revenue pulled in: {}; pushed out: {}",
        pct(&t.pulled_share),
        pct(&t.pushed_share)
    );
    let moved: Vec<String> = t
        .by_period_of_cycle
        .iter()
        .filter(|p| p.pulled_out_share != 0.0 || p.pushed_out_share != 0.0)
        .map(|p| {
            format!(
                "{}: {:.1} % pulled, {:.1} % pushed",
                p.period,
                100.0 * p.pulled_out_share,
                100.0 * p.pushed_out_share
            )
        })
        .collect();
    let _ = writeln!(
        out,
        "  deal revenue moved out of each period of the cycle: {}",
        if moved.is_empty() {
            "none".to_string()
        } else {
            moved.join("; ")
        }
    );
}

/// An amount of money: whole units, or two decimals below 100.
fn money(x: f64) -> String {
    grouped(x, if x.abs() < 100.0 { 2 } else { 0 })
}

/// Outputs by rep under one plan: a line per ability quintile, then the team's figures.
fn by_rep_lines(out: &mut String, name: &str, b: &ByRep) {
    let _ = writeln!(
        out,
        "\nBy ability quintile under the {name} (docs/model.md section 13.1; bounds {}):",
        b.quintile_bounds
            .iter()
            .map(|x| format!("{x:.3}"))
            .collect::<Vec<_>>()
            .join(" / ")
    );
    let _ = writeln!(
        out,
        "  quintile  effort  given up  attainment  pay a rep-month  pay mix  quits per 100 rep-months"
    );
    for q in &b.quintiles {
        let _ = writeln!(
            out,
            "  {:>8}  {:>6.3}  {:>7.1}%  {:>9.1}%  {:>15}  {:>6.1}%  {:>24.2}",
            q.quintile,
            q.effort,
            100.0 * q.given_up,
            100.0 * q.attainment,
            money(q.pay),
            100.0 * q.pay_mix,
            q.quits_per_100_rep_months
        );
    }
    let _ = writeln!(
        out,
        "  given up (least effort): {:.1} % of rep-months; incentive pay per rep-month P10 / P50 / P90: {} / {} / {} (mean {}); pay mix {:.1} %",
        100.0 * b.given_up,
        money(b.pay_per_rep_p10),
        money(b.pay_per_rep_p50),
        money(b.pay_per_rep_p90),
        money(b.pay_per_rep_mean),
        100.0 * b.pay_mix
    );
    let _ = writeln!(
        out,
        "  mean ability: team {:.3}, leavers {:.3}, hires {:.3}",
        b.ability_team, b.ability_leavers, b.ability_hires
    );
    if b.cycle_periods.len() > 1 {
        let _ = writeln!(
            out,
            "  by period of the reward cycle (cycle payouts are booked in its last period):\n  period  effort  given up  given up by quintile 1 / 2 / 3 / 4 / 5  pay a rep-month  quits per 100 rep-months"
        );
        for c in &b.cycle_periods {
            let by_quintile = c
                .given_up_by_quintile
                .iter()
                .map(|g| format!("{:.1}%", 100.0 * g))
                .collect::<Vec<_>>()
                .join(" / ");
            let _ = writeln!(
                out,
                "  {:>6}  {:>6.3}  {:>7.1}%  {:>37}  {:>15}  {:>24.2}",
                c.period_of_cycle,
                c.effort,
                100.0 * c.given_up,
                by_quintile,
                money(c.pay),
                c.quits_per_100_rep_months
            );
        }
    }
}

/// The decomposition of the plan's effect on revenue into incentive and selection.
fn selection_lines(out: &mut String, d: &Decomposition) {
    let ci = |e: &Estimate| {
        format!(
            "{} [{}, {}]",
            grouped(e.mean, 0),
            grouped(e.mean - Z95 * e.std_err, 0),
            grouped(e.mean + Z95 * e.std_err, 0)
        )
    };
    let _ = writeln!(
        out,
        "\nSelection (docs/model.md section 10.1): revenue {} under the plan against {} under the baseline ({:+.1} %)",
        grouped(d.plan_revenue.mean, 0),
        grouped(d.baseline_revenue.mean, 0),
        100.0 * d.total_gain
    );
    let _ = writeln!(
        out,
        "  incentive effect (same reps):         {} ({:+.1} %)",
        ci(&d.incentive_effect),
        100.0 * d.incentive_gain
    );
    let _ = writeln!(
        out,
        "  selection effect (who stays, joins): {} ({:+.1} %)",
        ci(&d.selection_effect),
        100.0 * d.selection_gain
    );
    let s = d.selection_share;
    let _ = writeln!(
        out,
        "  selection's share of the effect: {:.1} % [{:.1} %, {:.1} %]",
        100.0 * s.mean,
        100.0 * (s.mean - Z95 * s.std_err),
        100.0 * (s.mean + Z95 * s.std_err)
    );
    for (name, c) in [
        ("baseline", &d.baseline_composition),
        ("plan", &d.plan_composition),
    ] {
        let _ = writeln!(
            out,
            "  mean ability under the {name}: team {:.3}, leavers {:.3}, hires {:.3} ({:.1} leavers a replication)",
            c.team, c.leavers, c.hires, c.leavers_per_replication
        );
    }
}

/// summary.csv: a `warning` row per warning, then one row per block (plan, baseline,
/// difference) and metric, each ending with the run's seed.
pub fn summary_csv(r: &RunReport) -> Result<Vec<u8>> {
    let mut w = CsvSheet::new();
    let mut header = row_of(["block", "metric"], SUMMARY_COLUMNS.map(String::from));
    header.push("seed".into());
    w.row(&header)?;
    let seed = r.seed.to_string();
    let with_seed = |mut row: Vec<String>| {
        row.push(seed.clone());
        row
    };
    for cells in csv_rows(&r.warnings, header.len()) {
        w.row(&cells)?;
    }
    for name in r.order.iter().map(|m| m.name()) {
        for (block, s) in [
            ("plan", &r.metrics[name]),
            ("baseline", &r.baseline[name]),
            ("difference", &r.difference[name].paired),
        ] {
            w.row(&with_seed(row_of([block, name], summary_cells(s))))?;
        }
    }
    for (block, costs) in [
        ("plan", &r.cost_by_mechanism.plan),
        ("baseline", &r.cost_by_mechanism.baseline),
    ] {
        for (name, s) in costs {
            w.row(&with_seed(row_of(
                [block, &format!("cost_{name}")],
                summary_cells(s),
            )))?;
        }
    }
    if let Some(t) = &r.timing {
        // Mean, standard error and interval; no quantiles are kept of these figures.
        let cells = |e: &Estimate| {
            [
                e.mean,
                e.std_err,
                e.mean - Z95 * e.std_err,
                e.mean + Z95 * e.std_err,
            ]
            .map(num)
            .into_iter()
            .chain(["", "", ""].map(String::from))
        };
        for (block, t) in [("plan", &t.plan), ("baseline", &t.baseline)] {
            for (name, e) in [
                ("timing_revenue_lost", &t.revenue_lost),
                ("timing_revenue_lost_share", &t.revenue_lost_share),
                ("timing_pulled_share", &t.pulled_share),
                ("timing_pushed_share", &t.pushed_share),
            ] {
                w.row(&with_seed(row_of([block, name], cells(e))))?;
            }
            for p in &t.by_period_of_cycle {
                for (what, x) in [
                    ("pulled_out_share", p.pulled_out_share),
                    ("pushed_out_share", p.pushed_out_share),
                ] {
                    let exact = Estimate {
                        mean: x,
                        std_err: f64::NAN,
                    };
                    let name = format!("timing_cycle_period_{}_{what}", p.period);
                    w.row(&with_seed(row_of([block, &name], cells(&exact))))?;
                }
            }
        }
    }
    w.finish()
}

/// per_period.csv: a `warning` row per warning, then each period's metric means and
/// intervals, per block, each ending with the run's seed.
pub fn per_period_csv(r: &RunReport) -> Result<Vec<u8>> {
    let mut w = CsvSheet::new();
    // Mean, standard error and interval: no quantiles of a period's metrics are kept.
    let mut header = row_of(
        ["period", "block", "metric"],
        SUMMARY_COLUMNS[..4].iter().map(|c| c.to_string()),
    );
    header.push("seed".into());
    w.row(&header)?;
    for cells in csv_rows(&r.warnings, header.len()) {
        w.row(&cells)?;
    }
    for p in &r.per_period {
        for (block, map) in [
            ("plan", &p.plan),
            ("baseline", &p.baseline),
            ("difference", &p.difference),
        ] {
            for (name, s) in map {
                w.row(&[
                    p.period.to_string(),
                    block.to_string(),
                    name.to_string(),
                    num(s.mean),
                    num(s.std_err),
                    num(s.ci95_low),
                    num(s.ci95_high),
                    r.seed.to_string(),
                ])?;
            }
        }
    }
    w.finish()
}

/// replications.csv: one row per replication, every metric under plan and baseline,
/// and the run's `seed` (after a `warning` row per warning).
pub fn replications_csv(t: &RunTally, seed: u64, warnings: &Warnings) -> Result<Vec<u8>> {
    let mut w = CsvSheet::new();
    let mut header = vec!["replication".to_string()];
    header.extend(Metric::ALL.map(|m| format!("plan_{}", m.name())));
    header.extend(Metric::ALL.map(|m| format!("baseline_{}", m.name())));
    header.push("seed".into());
    w.row(&header)?;
    let seed = seed.to_string();
    for cells in csv_rows(warnings, header.len()) {
        w.row(&cells)?;
    }
    let cols: Vec<&[f64]> = (0..N_METRICS)
        .map(|i| t.plan.values(i).unwrap_or(&[]))
        .chain((0..N_METRICS).map(|i| t.baseline.values(i).unwrap_or(&[])))
        .collect();
    for i in 0..t.replications() as usize {
        let mut cells = Vec::with_capacity(1 + cols.len());
        cells.push(i.to_string());
        cells.extend(
            cols.iter()
                .map(|c| c.get(i).map_or(String::new(), |&x| num(x))),
        );
        cells.push(seed.clone());
        w.row(&cells)?;
    }
    w.finish()
}

/// A difference of shares in points with one decimal, without its unit.
fn bare_points(x: f64) -> String {
    points(x).trim_end_matches(" pp").to_string()
}

/// A share as a percentage with one decimal.
fn pct(x: f64) -> String {
    fmt(x, Style::Percent)
}

/// The team's calibrated abilities, when the scenario's roster had reps without one.
pub fn calibration_section(valid: &ValidScenario, model: &Model, lang: Lang) -> Option<Section> {
    let roster = valid.roster()?;
    let cal = Calibrator::new(model.outcome(), model.rules(), &model.market().season);
    let mut table = Table::new([
        T::Rep.text(lang),
        T::Ability.text(lang),
        T::StdErr.text(lang),
    ]);
    for (row, rep) in roster.iter().zip(model.reps()) {
        if row.ability.is_some() {
            continue;
        }
        if let Some(e) = cal.estimate(&History::of(row, rep.tenure)) {
            let name = if row.name.is_empty() {
                row.id.clone()
            } else {
                format!("{} ({})", row.id, row.name)
            };
            table.push([
                name,
                format!("{:.3}", rep.ability),
                format!("{:.3}", e.std_err),
            ]);
        }
    }
    (!table.rows.is_empty()).then(|| {
        Section::new(T::Calibration.text(lang))
            .paragraph(T::CalibrationNote.text(lang))
            .table(table)
    })
}

/// The page of `plansim run --report`.
pub fn page(
    valid: &ValidScenario,
    model: &Model,
    report: &RunReport,
    tally: &RunTally,
    attainments: (&[f64], &[f64]),
    lang: Lang,
) -> Result<String> {
    let mut doc = Document::new(
        format!("{}: {}", T::RunTitle.text(lang), report.scenario),
        subtitle(
            lang,
            &report.source,
            report.replications,
            report.seed,
            report.team_size,
            report.periods,
        ),
        lang,
    );
    doc.warn(&report.warnings);
    let growth = Metric::RevenueGrowth.name();
    let g = &report.metrics[growth];
    let gb = &report.baseline[growth];
    let d = &report.difference[growth].paired;
    let cost = &report.metrics[Metric::IncentiveCost.name()];
    let cos = &report.metrics[Metric::CostOfSales.name()];
    let headline = match lang {
        Lang::En => format!(
            "The plan lifts revenue {} over the pre-plan run-rate against {} for the status quo: a difference of {} (95 % interval {} to {}), at an incentive cost of {} ({} of revenue).",
            pct(g.mean), pct(gb.mean), points(d.mean), bare_points(d.ci95_low), bare_points(d.ci95_high),
            grouped(cost.mean, 0), pct(cos.mean)
        ),
        Lang::Zh => format!(
            "新方案使收入较方案前水平增长 {}，现行方案为 {}：差异 {} 个百分点（95% 区间 {} 至 {}），激励成本 {}（占收入 {}）。",
            pct(g.mean), pct(gb.mean), bare_points(d.mean), bare_points(d.ci95_low), bare_points(d.ci95_high),
            grouped(cost.mean, 0), pct(cos.mean)
        ),
    };
    let mut summary = Section::new(T::Summary.text(lang)).callout(headline);
    if let (Some(b), Some(p)) = (
        report.budget,
        report.metrics.get(Metric::BudgetOverrunProbability.name()),
    ) {
        summary = summary.paragraph(match lang {
            Lang::En => format!(
                "Budget {}: the plan's incentive cost exceeds it in {} of replications.",
                grouped(b, 0),
                pct(p.mean)
            ),
            Lang::Zh => format!(
                "预算 {}：新方案的激励成本在 {} 的模拟中超出预算。",
                grouped(b, 0),
                pct(p.mean)
            ),
        });
    }
    doc.push(summary);
    let mut key = Table::new([
        T::Metric.text(lang).to_string(),
        format!("{}: {}", T::Plan.text(lang), T::Mean95.text(lang)),
        format!("{}: {}", T::Plan.text(lang), T::Percentiles.text(lang)),
        T::Baseline.text(lang).to_string(),
        format!("{}: {}", T::Difference.text(lang), T::Mean95.text(lang)),
    ]);
    for &m in &report.order {
        let (name, st) = (m.name(), style(m));
        let a = &report.metrics[name];
        let (b, d) = if m == Metric::Roi {
            ("—".to_string(), "—".to_string())
        } else {
            (
                fmt(report.baseline[name].mean, st),
                difference_interval(&report.difference[name].paired, st),
            )
        };
        key.push([
            metric_label(m, lang).to_string(),
            interval(a, st),
            percentiles(a, st),
            b,
            d,
        ]);
    }
    let views = [
        VariantView {
            label: T::Plan.text(lang).to_string(),
            model,
            plan: model.plan(),
            metrics: &tally.plan,
            periods: &tally.plan_periods,
            attainments: attainments.0,
        },
        VariantView {
            label: T::Baseline.text(lang).to_string(),
            model,
            plan: model.baseline(),
            metrics: &tally.baseline,
            periods: &tally.baseline_periods,
            attainments: attainments.1,
        },
    ];
    doc.push(figures::charts_section(&views, report.budget, lang)?);
    let mut key_section = Section::new(T::KeyFigures.text(lang)).table(key);
    for n in &report.note_kinds {
        key_section = key_section.paragraph(n.text(lang));
    }
    doc.push(key_section);
    let mut costs = Table::new([
        T::Mechanism.text(lang).to_string(),
        format!("{}: {}", T::Plan.text(lang), T::Mean95.text(lang)),
        T::Baseline.text(lang).to_string(),
    ]);
    for (name, a) in &report.cost_by_mechanism.plan {
        let b = &report.cost_by_mechanism.baseline[name];
        if a.mean == 0.0 && b.mean == 0.0 {
            continue;
        }
        costs.push([
            mechanism_label(name, lang).to_string(),
            interval(a, Style::Count),
            fmt(b.mean, Style::Count),
        ]);
    }
    doc.push(Section::new(T::CostByMechanism.text(lang)).table(costs));
    if let Some(s) = calibration_section(valid, model, lang) {
        doc.push(s);
    }
    Ok(doc.render())
}
