//! The HTML page of `plansim optimize --report`: the winner against the starting
//! plan and the status quo, re-simulated on the certification's fresh seeds, with
//! the search's progress.

use plansim_optimize::objective::Estimate;
use plansim_optimize::{Evaluator, Outcome};
use plansim_sim::model::Plan;

use super::figures::{self, VariantView};
use super::html::{Document, Section, Table};
use super::i18n::{metric_label, Lang, T};
use super::optimize::{chart_svg, OptimizeReport};
use super::table::{fmt, grouped, style};
use crate::budget::rule_text;
use crate::error::{CliError, CliResult};
use crate::variants::{self, Variant};

/// Most replications of each plan the page re-simulates.
pub const PAGE_REPLICATIONS: u64 = 1000;
/// Replications whose rep-cycle attainments the page shows.
pub const ATTAINMENT_SAMPLE: u64 = 100;

fn plan_at(e: &Evaluator, x: &[f64]) -> CliResult<Plan> {
    e.plan_at(x)
        .map_err(|err| CliError::Internal(err.to_string()))
}

/// The page.
pub fn page(e: &Evaluator, outcome: &Outcome, r: &OptimizeReport, lang: Lang) -> CliResult<String> {
    let objective = serde_json::to_value(r.objective_kind)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default();
    let st = style(&objective);
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
    let model = e.model();
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
            metric_label(&objective, lang),
            est(&r.objective.out_of_sample),
            est(&r.start.objective_out_of_sample),
            est(&r.improvement_over_start),
            money(&r.cost.out_of_sample),
            check.text(lang)
        ),
        Lang::Zh => format!(
            "在新的随机种子上，找到的最优方案的{}为 {}，初始方案为 {}（配对差异 {}）；期望激励成本 {}。与预算相比：{}。",
            metric_label(&objective, lang),
            est(&r.objective.out_of_sample),
            est(&r.start.objective_out_of_sample),
            est(&r.improvement_over_start),
            money(&r.cost.out_of_sample),
            check.text(lang)
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
        metric_label(&objective, lang),
        est(&r.start.objective_out_of_sample),
        est(&r.objective.out_of_sample),
        est(&r.baseline.objective),
    ]);
    figures_table.push([
        metric_label("incentive_cost", lang),
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
    let start = plan_at(e, &e.space().start)?;
    let best = plan_at(e, &r.winner_x())?;
    let plans = [
        (T::Start.text(lang), start),
        (T::Best.text(lang), best),
        (T::Baseline.text(lang), model.baseline.clone()),
    ];
    let seed = r.certification_seed;
    let n = r.certification_replications.min(PAGE_REPLICATIONS);
    let vs: Vec<Variant> = plans
        .into_iter()
        .map(|(label, plan)| Variant::new(label, model.clone(), plan))
        .collect();
    let tallies: Vec<variants::VariantTally> = vs
        .iter()
        .map(|v| variants::simulate(v, seed, 0..n, &|_| {}))
        .collect();
    let attainments: Vec<Vec<f64>> = vs
        .iter()
        .map(|v| {
            variants::attainments(&v.model, &v.plan, &v.policy, seed, ATTAINMENT_SAMPLE.min(n))
        })
        .collect();
    let views: Vec<VariantView<'_>> = vs
        .iter()
        .zip(&tallies)
        .zip(&attainments)
        .map(|((v, t), a)| VariantView {
            label: v.label.clone(),
            model: &v.model,
            plan: &v.plan,
            metrics: &t.metrics,
            periods: &t.periods,
            attainments: a,
        })
        .collect();
    doc.push(
        Section::new(T::SearchProgress.text(lang))
            .chart(chart_svg(e, outcome)?, T::SearchProgress.text(lang)),
    );
    doc.push(figures::charts_section(&views, Some(r.budget), lang)?);
    Ok(doc.render())
}
