//! `plansim compare`: plan variants (scenario files) on common random numbers,
//! side by side, with paired differences, the probability each is best and a
//! Kim-Nelson ranking-and-selection verdict.
//!
//! Replication `i` of every variant uses the streams keyed by `(seed, i)`, so the
//! variants share their luck replication by replication and their differences are
//! measured precisely. That pairing is meaningful only for the same team slots over
//! the same periods: variants whose team sizes or horizons differ are refused, and a
//! note is printed when their teams' traits differ (the comparison then includes
//! the team, not only the plan). Each variant runs its own scenario's `[plan]` in
//! its own team, market and targets.
//!
//! Replications are added in doubling waves (64, 128, 256, ... up to the budget
//! `--replications`) until the Kim-Nelson procedure has one survivor or the budget
//! is spent; every variant, eliminated or not, is simulated on the same replications
//! so that every figure in the report is paired.

use std::path::PathBuf;

use clap::Args;

use plansim_sim::engine::BLOCK_SIZE;
use plansim_sim::model::Model;
use plansim_sim::rng::mix64;
use plansim_sim::scenario::ValidScenario;

use plansim_sim::budget::BudgetRule;
use plansim_sim::metrics::metric_index;

use crate::budget::BudgetCheck;
use crate::cli::Format;
use crate::error::{CliError, CliResult};
use crate::objective::Objective;
use crate::output::emit;
use crate::output_file::OutputFile;
use crate::progress::Progress;
use crate::report::compare::{CompareReport, SelectionInput, VariantInput};
use crate::report::csv_safe::with_bom;
use crate::report::i18n::Lang;
use crate::select::{kim_nelson, probability_best, KnOutcome, KnSettings};
use crate::variants::{self, Variant, VariantTally};
use crate::warnings::Warnings;

/// Arguments of `compare`.
#[derive(Args, Debug)]
pub struct CompareArgs {
    /// Scenario files of the variants (two or more); differences are against the first.
    #[arg(required = true, num_args = 2..)]
    pub scenarios: Vec<PathBuf>,
    /// What to rank on: a metric (revenue_growth, cost_of_sales, ...), profit or
    /// profit_participation; lower is better for costs, attrition and overruns.
    #[arg(long, default_value = "revenue_growth")]
    pub objective: String,
    /// Indifference zone: the smallest difference in the objective worth telling apart
    /// (default: 0.005 for shares such as revenue_growth, else 1 % of the first
    /// variant's mean over the first stage).
    #[arg(long, allow_negative_numbers = true)]
    pub indifference: Option<f64>,
    /// Confidence of a correct selection.
    #[arg(long, default_value_t = 0.95, allow_negative_numbers = true)]
    pub confidence: f64,
    /// First-stage replications of the selection procedure (at least 10).
    #[arg(long, default_value_t = 20, allow_negative_numbers = true)]
    pub first_stage: usize,
    /// Most replications per variant (default: the first scenario's).
    #[arg(short = 'n', long, allow_negative_numbers = true, value_parser = crate::flags::replications)]
    pub replications: Option<u64>,
    /// Seed of the common random numbers (default: the first scenario's).
    #[arg(long, allow_negative_numbers = true, value_parser = crate::flags::seed)]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores); results do not depend on it.
    #[arg(long, allow_negative_numbers = true, value_parser = crate::flags::threads)]
    pub threads: Option<usize>,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Start CSV output with a UTF-8 byte-order mark (for Excel).
    #[arg(long)]
    pub bom: bool,
    /// Also write a self-contained HTML report with charts to this file.
    #[arg(long, value_name = "FILE.html")]
    pub report: Option<PathBuf>,
    /// Language of the HTML report.
    #[arg(long, value_enum, default_value_t = Lang::En)]
    pub lang: Lang,
    /// Overwrite an existing --report file.
    #[arg(long)]
    pub force: bool,
    /// --accept-no-equilibrium.
    #[command(flatten)]
    pub accept: crate::warnings::AcceptArgs,
}

/// Salt of the bootstrap's seed.
const BOOTSTRAP_SALT: u64 = 0xB007_5742_0000_0001;
/// Bootstrap resamples of the probability of being best.
pub const BOOTSTRAP_RESAMPLES: usize = 1000;
/// Replications of each variant whose rep-cycle attainments the HTML report shows.
pub const ATTAINMENT_SAMPLE: u64 = 100;

/// Unique labels from the files' names.
fn labels(paths: &[PathBuf]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(paths.len());
    for p in paths {
        let stem = p
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| p.display().to_string());
        let mut label = stem.clone();
        let mut k = 2;
        while out.contains(&label) {
            label = format!("{stem} ({k})");
            k += 1;
        }
        out.push(label);
    }
    out
}

/// Refuses variants whose team sizes or horizons differ; notes different teams.
fn check_pairing(valids: &[ValidScenario], models: &[Model]) -> CliResult {
    let (a, ma) = (&valids[0], &models[0]);
    for (v, m) in valids.iter().zip(models).skip(1) {
        if m.reps.len() != ma.reps.len() || m.periods != ma.periods {
            return Err(CliError::Input(format!(
                "{}: {} reps x {} periods, but {} has {} x {}: common random numbers pair the same team slots over the same periods, so compare needs variants with the same team size and simulation.periods",
                v.source(),
                m.reps.len(),
                m.periods,
                a.source(),
                ma.reps.len(),
                ma.periods
            )));
        }
        let same_team = m.reps.iter().zip(&ma.reps).all(|(x, y)| {
            x.ability == y.ability
                && x.effort_cost == y.effort_cost
                && x.risk_aversion == y.risk_aversion
                && x.promotion_value == y.promotion_value
                && x.base_salary == y.base_salary
                && x.tenure == y.tenure
        });
        if !same_team {
            eprintln!(
                "note: {}'s team differs from {}'s (traits or roster): the comparison includes the team, not only the plan",
                v.source(),
                a.source()
            );
        }
    }
    Ok(())
}

/// Notes on stderr when the variants' budget rules differ: each is judged by its own.
fn note_differing_budgets(valids: &[ValidScenario], rules: &[Option<BudgetRule>]) {
    if rules.iter().any(|r| r != &rules[0]) {
        let each: Vec<String> = valids
            .iter()
            .zip(rules)
            .map(|(v, r)| match r {
                Some(r) => format!("{} {}", v.source(), r.budget()),
                None => format!("{} none", v.source()),
            })
            .collect();
        eprintln!(
            "note: the variants' budgets (or chance constraints) differ ({}): each variant is judged against its own scenario's budget",
            each.join(", ")
        );
    }
}

fn check_settings(args: &CompareArgs) -> CliResult {
    if !(args.confidence > 0.5 && args.confidence < 1.0) {
        return Err(CliError::Input(format!(
            "--confidence must be between 0.5 and 1 (exclusive), got {}",
            args.confidence
        )));
    }
    if args.first_stage < 10 {
        return Err(CliError::Input(format!(
            "--first-stage must be at least 10, got {}",
            args.first_stage
        )));
    }
    if let Some(d) = args.indifference {
        if !(d.is_finite() && d > 0.0) {
            return Err(CliError::Input(format!(
                "--indifference must be a positive number, got {d}"
            )));
        }
    }
    Ok(())
}

/// The default indifference zone: half a percentage point for shares, else 1 % of
/// the first variant's first-stage mean.
fn default_indifference(objective: &Objective, first_stage_values: &[f64]) -> f64 {
    let share = plansim_sim::metrics::metric_index(&objective.name).is_some()
        && matches!(
            crate::report::table::style(&objective.name),
            crate::report::table::Style::Percent
        );
    if share {
        return 0.005;
    }
    let mean = first_stage_values.iter().sum::<f64>() / first_stage_values.len().max(1) as f64;
    let d = 0.01 * mean.abs();
    if d.is_finite() && d > 0.0 {
        d
    } else {
        1e-9
    }
}

/// Everything a comparison produced, for the report and the HTML page.
pub struct Comparison {
    /// The variants.
    pub variants: Vec<Variant>,
    /// Their tallies, on the same replications.
    pub tallies: Vec<VariantTally>,
    /// The selection's settings.
    pub settings: KnSettings,
    /// How the selection among all variants ended, the budget ignored.
    pub outcome: KnOutcome,
    /// Each variant's cost against its scenario's budget (`None` without a budget).
    pub budgets: Vec<Option<BudgetCheck>>,
    /// How the selection among the variants that keep their budget ended (variant
    /// indices of the whole comparison): `None` when no variant has a budget, or
    /// none keeps it.
    pub within_budget: Option<KnOutcome>,
    /// Probability each variant is best.
    pub probability_best: Vec<f64>,
}

/// Each variant's cost against its budget rule, from its replications so far.
fn budget_checks(
    tallies: &[VariantTally],
    rules: &[Option<BudgetRule>],
) -> Vec<Option<BudgetCheck>> {
    let cost = metric_index("incentive_cost").expect("a known metric");
    tallies
        .iter()
        .zip(rules)
        .map(|(t, rule)| {
            rule.as_ref()
                .map(|r| BudgetCheck::of_costs(r, t.metrics.values(cost).expect("values are kept")))
        })
        .collect()
}

/// Kim-Nelson among the variants that keep their budget (a variant without a budget
/// keeps it), with the outcome's indices those of all variants; `None` when no
/// variant has a budget (the selection among all is the answer) or none keeps it.
fn select_within_budget(
    scores: &[Vec<f64>],
    budgets: &[Option<BudgetCheck>],
    settings: &KnSettings,
) -> Option<KnOutcome> {
    if budgets.iter().all(Option::is_none) {
        return None;
    }
    let keep: Vec<usize> = (0..scores.len())
        .filter(|&i| budgets[i].is_none_or(|b| b.keeps_budget))
        .collect();
    if keep.is_empty() {
        return None;
    }
    let subset: Vec<Vec<f64>> = keep.iter().map(|&i| scores[i].clone()).collect();
    let o = kim_nelson(&subset, settings);
    let mut eliminated_at = vec![None; scores.len()];
    for (j, at) in o.eliminated_at.iter().enumerate() {
        eliminated_at[keep[j]] = *at;
    }
    Some(KnOutcome {
        selected: keep[o.selected],
        finished: o.finished,
        stopped_at: o.stopped_at,
        survivors: o.survivors.iter().map(|&j| keep[j]).collect(),
        eliminated_at,
    })
}

/// The selection's settings as given: the first stage, the indifference zone (the
/// default when `None`) and the confidence.
#[derive(Clone, Copy, Debug)]
pub struct SelectionArgs {
    /// First-stage replications.
    pub first_stage: usize,
    /// Indifference zone, or `None` for the default.
    pub indifference: Option<f64>,
    /// Confidence of a correct selection.
    pub confidence: f64,
}

/// Simulates the variants in doubling waves until Kim-Nelson stops (among all
/// variants, and among those that keep their budget `rules`) or `budget`
/// replications are spent.
pub fn run_comparison(
    variants: Vec<Variant>,
    rules: &[Option<BudgetRule>],
    objective: &Objective,
    seed: u64,
    budget: u64,
    selection: &SelectionArgs,
) -> CliResult<Comparison> {
    let SelectionArgs {
        first_stage,
        indifference,
        confidence,
    } = *selection;
    let k = variants.len() as u64;
    let periods = variants[0].model.periods;
    let progress = Progress::new(budget.saturating_mul(k), "replications");
    let done_all = std::sync::atomic::AtomicU64::new(0);
    let tick = |n: u64| {
        let d = done_all.fetch_add(n, std::sync::atomic::Ordering::Relaxed) + n;
        progress.update(d);
    };
    let mut tallies: Vec<VariantTally> = variants
        .iter()
        .map(|_| VariantTally::new(periods))
        .collect();
    let mut done = 0u64;
    let mut target = (first_stage as u64)
        .div_ceil(BLOCK_SIZE)
        .max(1)
        .saturating_mul(BLOCK_SIZE)
        .min(budget);
    let mut settings = None;
    let (outcome, budgets, within_budget, scores) = loop {
        for (v, t) in variants.iter().zip(tallies.iter_mut()) {
            variants::extend(v, seed, done..target, t, &tick);
        }
        done = target;
        let scores: Vec<Vec<f64>> = tallies
            .iter()
            .map(|t| objective.scores(&t.metrics))
            .collect();
        if let Some((v, r)) = scores
            .iter()
            .enumerate()
            .find_map(|(v, s)| s.iter().position(|x| !x.is_finite()).map(|r| (v, r)))
        {
            return Err(CliError::Input(format!(
                "{}: the objective {} is undefined in replication {r} (for example roi or cost_of_sales with nothing to divide by); choose another --objective",
                variants[v].label, objective.name
            )));
        }
        let s = *settings.get_or_insert_with(|| KnSettings {
            first_stage,
            indifference: indifference.unwrap_or_else(|| {
                default_indifference(
                    objective,
                    &objective.values(&tallies[0].metrics)[..first_stage],
                )
            }),
            confidence,
        });
        let outcome = kim_nelson(&scores, &s);
        let budgets = budget_checks(&tallies, rules);
        let within_budget = select_within_budget(&scores, &budgets, &s);
        let finished = outcome.finished && within_budget.as_ref().is_none_or(|o| o.finished);
        if finished || done >= budget {
            break (outcome, budgets, within_budget, scores);
        }
        target = target.saturating_mul(2).min(budget);
    };
    progress.finish();
    let probability_best =
        probability_best(&scores, BOOTSTRAP_RESAMPLES, mix64(seed ^ BOOTSTRAP_SALT));
    Ok(Comparison {
        variants,
        tallies,
        settings: settings.expect("at least one wave"),
        outcome,
        budgets,
        within_budget,
        probability_best,
    })
}

/// Runs the comparison and reports it.
pub fn execute(args: &CompareArgs) -> CliResult {
    check_settings(args)?;
    let objective = Objective::parse(&args.objective)?;
    let valids = args
        .scenarios
        .iter()
        .map(|p| super::load_scenario(Some(p.as_path())))
        .collect::<CliResult<Vec<_>>>()?;
    let first = valids[0].scenario();
    let budget =
        super::check_replications(args.replications.unwrap_or(first.simulation.replications))?;
    if budget < args.first_stage as u64 {
        return Err(CliError::Input(format!(
            "--replications {budget} is below --first-stage {}: the selection needs its first stage",
            args.first_stage
        )));
    }
    let seed = args.seed.unwrap_or(first.simulation.seed);
    let k = valids.len() as u64;
    let widest = valids
        .iter()
        .map(crate::memory::Shape::of)
        .max_by_key(|s| s.reps.saturating_mul(u64::from(s.periods)))
        .expect("at least two variants");
    crate::memory::check(
        crate::memory::compare(budget, k, widest),
        crate::memory::available(),
        &format!("comparing {k} variants on up to {budget} replications each"),
        |max| format!("lower --replications (at most about {max} fit)"),
    )?;
    let rules = valids
        .iter()
        .map(crate::budget::scenario_rule)
        .collect::<CliResult<Vec<_>>>()?;
    note_differing_budgets(&valids, &rules);
    let pool = super::thread_pool(args.threads)?;
    let labels = labels(&args.scenarios);
    let variants = pool.install(|| -> CliResult<Vec<Variant>> {
        let models: Vec<Model> = valids.iter().map(Model::new).collect();
        check_pairing(&valids, &models)?;
        Ok(models
            .into_iter()
            .zip(&labels)
            .map(|(m, label)| {
                let plan = m.plan.clone();
                Variant::new(label.clone(), m, plan)
            })
            .collect())
    })?;
    let mut warnings = Warnings::none();
    for (v, valid) in variants.iter().zip(&valids) {
        let w = Warnings::of_plan(&v.model, v.policy.equilibrium).of(&v.label);
        w.refuse_unless(args.accept, valid.source())?;
        warnings.extend(w);
    }
    let report_file = match &args.report {
        Some(path) => Some(OutputFile::prepare(path, args.force, "--report")?),
        None => None,
    };
    let comparison = pool.install(|| {
        run_comparison(
            variants,
            &rules,
            &objective,
            seed,
            budget,
            &SelectionArgs {
                first_stage: args.first_stage,
                indifference: args.indifference,
                confidence: args.confidence,
            },
        )
    })?;
    let inputs: Vec<VariantInput<'_>> = comparison
        .variants
        .iter()
        .zip(&comparison.tallies)
        .zip(&valids)
        .map(|((v, t), valid)| VariantInput {
            label: &v.label,
            source: valid.source(),
            scenario: &valid.scenario().name,
            metrics: &t.metrics,
            has_budget: v.model.budget.is_some(),
        })
        .collect();
    let report = CompareReport::new(
        seed,
        comparison.variants[0].model.periods,
        comparison.variants[0].model.reps.len(),
        &inputs,
        &comparison.probability_best,
        SelectionInput {
            objective: &objective,
            settings: comparison.settings,
            max_replications: budget,
            outcome: &comparison.outcome,
            budgets: &comparison.budgets,
            within_budget: comparison.within_budget.as_ref(),
        },
        warnings,
    );
    if let Some(file) = report_file {
        let attainments: Vec<Vec<f64>> = pool.install(|| {
            comparison
                .variants
                .iter()
                .map(|v| {
                    let n = ATTAINMENT_SAMPLE.min(report.replications);
                    variants::attainments(&v.model, &v.plan, &v.policy, seed, n)
                })
                .collect()
        });
        let html =
            crate::report::pages::compare_page(&report, &comparison, &attainments, args.lang)?;
        file.write(html.as_bytes())?;
    }
    report.warnings.print();
    match args.format {
        Format::Table => emit(&report.table()),
        Format::Json => emit(&report.to_json()),
        Format::Csv => {
            let bytes = with_bom(report.to_csv()?, args.bom);
            emit(
                &String::from_utf8(bytes)
                    .map_err(|e| CliError::Internal(format!("compare CSV is not UTF-8: {e}")))?,
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_file_stems_made_unique() {
        let paths: Vec<PathBuf> = ["a/plan.toml", "b/plan.toml", "c/other.toml"]
            .iter()
            .map(PathBuf::from)
            .collect();
        assert_eq!(labels(&paths), vec!["plan", "plan (2)", "other"]);
    }
}
