//! The HTML pages of `run`, `compare` and `optimize`, assembled from
//! [`super::html`] sections and [`super::figures`] charts.

use plansim_sim::calibration::{Calibrator, History};
use plansim_sim::engine::RunTally;
use plansim_sim::model::Model;
use plansim_sim::scenario::ValidScenario;

use super::compare::CompareReport;
use super::figures::{self, VariantView};
use super::html::{Document, Section, Table};
use super::i18n::{metric_label, Lang, T};
use super::table::{fmt, grouped, interval, style, Style};
use super::RunReport;
use crate::commands::compare::Comparison;
use crate::error::CliResult;

fn pct(x: f64) -> String {
    fmt(x, Style::Percent)
}

fn subtitle(
    lang: Lang,
    source: &str,
    replications: u64,
    seed: u64,
    reps: usize,
    periods: u32,
) -> String {
    format!(
        "{source} · {}: {replications} · {}: {seed} · {}: {reps} · {}: {periods}",
        T::Replications.text(lang),
        T::Seed.text(lang),
        T::Reps.text(lang),
        T::Periods.text(lang)
    )
}

/// The team's calibrated abilities, when the scenario's roster had reps without one.
pub fn calibration_section(valid: &ValidScenario, model: &Model, lang: Lang) -> Option<Section> {
    let roster = valid.roster()?;
    let cal = Calibrator::new(&model.outcome, &model.rules, &model.market.season);
    let mut table = Table::new([
        T::Rep.text(lang),
        T::Ability.text(lang),
        T::StdErr.text(lang),
    ]);
    for (row, rep) in roster.iter().zip(&model.reps) {
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
pub fn run_page(
    valid: &ValidScenario,
    model: &Model,
    report: &RunReport,
    tally: &RunTally,
    attainments: (&[f64], &[f64]),
    lang: Lang,
) -> CliResult<String> {
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
    let g = &report.metrics["revenue_growth"];
    let gb = &report.baseline["revenue_growth"];
    let d = &report.difference["revenue_growth"].paired;
    let cost = &report.metrics["incentive_cost"];
    let cos = &report.metrics["cost_of_sales"];
    let headline = match lang {
        Lang::En => format!(
            "The plan lifts revenue {} over the pre-plan run-rate against {} for the status quo: a difference of {} (95 % interval {} to {}), at an incentive cost of {} ({} of revenue).",
            pct(g.mean), pct(gb.mean), pct(d.mean), pct(d.ci95_low), pct(d.ci95_high),
            grouped(cost.mean, 0), pct(cos.mean)
        ),
        Lang::Zh => format!(
            "新方案使收入较方案前水平增长 {}，现行方案为 {}：差异 {}（95% 区间 {} 至 {}），激励成本 {}（占收入 {}）。",
            pct(g.mean), pct(gb.mean), pct(d.mean), pct(d.ci95_low), pct(d.ci95_high),
            grouped(cost.mean, 0), pct(cos.mean)
        ),
    };
    let mut summary = Section::new(T::Summary.text(lang)).callout(headline);
    if let (Some(b), Some(p)) = (
        report.budget,
        report.metrics.get("budget_overrun_probability"),
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
    for name in &report.order {
        let st = style(name);
        let a = &report.metrics[name];
        key.push([
            metric_label(name, lang),
            interval(a, st),
            format!(
                "{} / {} / {}",
                fmt(a.p05, st),
                fmt(a.p50, st),
                fmt(a.p95, st)
            ),
            fmt(report.baseline[name].mean, st),
            interval(&report.difference[name].paired, st),
        ]);
    }
    let views = [
        VariantView {
            label: T::Plan.text(lang).to_string(),
            model,
            plan: &model.plan,
            metrics: &tally.plan,
            periods: &tally.plan_periods,
            attainments: attainments.0,
        },
        VariantView {
            label: T::Baseline.text(lang).to_string(),
            model,
            plan: &model.baseline,
            metrics: &tally.baseline,
            periods: &tally.baseline_periods,
            attainments: attainments.1,
        },
    ];
    doc.push(figures::charts_section(&views, report.budget, lang)?);
    doc.push(Section::new(T::KeyFigures.text(lang)).table(key));
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
            metric_label(name, lang),
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

/// The page of `plansim compare --report`.
pub fn compare_page(
    report: &CompareReport,
    comparison: &Comparison,
    attainments: &[Vec<f64>],
    lang: Lang,
) -> CliResult<String> {
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
    let st = style(&s.objective);
    let any_budget = report.variants.iter().any(|v| v.budget.is_some());
    let mut headers = vec![
        T::Variant.text(lang).to_string(),
        format!(
            "{} ({}): {}",
            T::Objective.text(lang),
            metric_label(&s.objective, lang),
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
                    pct(b.overrun_probability),
                ],
                None => [
                    grouped(v.metrics["incentive_cost"].mean, 0),
                    "—".to_string(),
                    "—".to_string(),
                    "—".to_string(),
                ],
            });
        }
        ranking.push(row);
    }
    let verdict = super::compare::verdict(s, &report.variants, lang);
    let mut section =
        Section::new(T::Verdict.text(lang)).callout(verdict.headline.join(match lang {
            Lang::En => " ",
            Lang::Zh => "",
        }));
    if !verdict.costs.is_empty() {
        section = section.paragraph(verdict.costs_sentence(lang));
    }
    if let Some(rule) = &verdict.rule {
        section = section.paragraph(rule.clone());
    }
    doc.push(section.table(ranking).paragraph(match lang {
        Lang::En => format!("P(best): {}.", report.probability_best_method),
        Lang::Zh => {
            "最优概率：对模拟结果按次配对重抽样 1000 次，各方案均值最优的比例。".to_string()
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
        comparison.variants[0].model.budget,
        lang,
    )?);
    let mut side = Table::new(
        std::iter::once(T::Metric.text(lang).to_string()).chain(
            labels
                .iter()
                .map(|l| format!("{l}: {}", T::Mean95.text(lang))),
        ),
    );
    for name in &report.order {
        let st = style(name);
        side.push(
            std::iter::once(metric_label(name, lang)).chain(
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
        for name in &report.order {
            let st = style(name);
            diff.push(
                std::iter::once(metric_label(name, lang)).chain(
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
