//! `plansim optimize`: search the plan's parameters for the best expected objective
//! under the budget, then certify the winner on fresh seeds.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use plansim_analysis::budget::scenario_budget;
use plansim_analysis::memory;
use plansim_analysis::variants::search_sample;
use plansim_analysis::warnings::{Subject, Warnings};
use plansim_optimize::objective::Evaluation;
use plansim_optimize::settings::default_explore_replications;
use plansim_optimize::Settings;
use plansim_optimize::{certify, optimize, DecisionSpace, Evaluator, Outcome};
use plansim_report::csv_safe::with_bom;
use plansim_report::i18n::Lang;
use plansim_report::optimize::{chart_svg, convergence_csv, page, OptimizeReport};
use plansim_sim::scenario::{SolverKind, ValidScenario};

use crate::deliver::{OnInterrupt, Outputs, Results};
use crate::error::{CliError, CliResult};
use crate::flags::{AcceptArgs, FormatArgs, OutArgs, ReportArgs, SimArgs, TableOrJson, XlsxArgs};
use crate::interrupt;
use crate::progress::Progress;

/// Files `--out` writes.
pub const OUT_FILES: [&str; 3] = ["optimized.toml", "convergence.csv", "convergence.svg"];

/// Search algorithms of `optimize`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SolverArg {
    /// Particle swarm, then Nelder-Mead from the best point.
    Auto,
    /// Nelder-Mead from the starting plan.
    NelderMead,
    /// Particle swarm over the bounds.
    ParticleSwarm,
}

impl From<SolverArg> for SolverKind {
    fn from(s: SolverArg) -> Self {
        match s {
            SolverArg::Auto => Self::Auto,
            SolverArg::NelderMead => Self::NelderMead,
            SolverArg::ParticleSwarm => Self::ParticleSwarm,
        }
    }
}

/// Arguments of `optimize`.
#[derive(Args, Debug)]
#[command(
    mut_arg("replications", |a| a.help("Replications per evaluation (default: the scenario's)")),
    mut_arg("seed", |a| a.help("Seed of the evaluations' common random numbers (default: the scenario's)")),
    mut_arg("out", |a| a.help("Also write optimized.toml, convergence.csv and convergence.svg into this folder")),
    mut_arg("report", |a| a.help(
        "Also write a self-contained HTML report with charts to this file (the start, the winner and the status quo re-simulated on fresh seeds)"
    ))
)]
pub struct OptimizeArgs {
    /// Scenario file with an [optimize] section; the embedded default scenario when absent.
    pub scenario: Option<PathBuf>,
    /// Budget on expected incentive cost over the horizon (default: the scenario's).
    #[arg(long)]
    pub budget: Option<f64>,
    /// Search algorithm (default: the scenario's, else auto).
    #[arg(long, value_enum)]
    pub solver: Option<SolverArg>,
    /// Most objective evaluations (default: the scenario's).
    #[arg(long)]
    pub max_evals: Option<usize>,
    /// Replications per evaluation while the particle swarm and Nelder-Mead explore
    /// (default: an eighth of --replications, rounded up); the explored plans of least
    /// loss, as many as the variables plus one, are then evaluated on --replications
    /// and the winner is chosen among them. Give --replications' value to evaluate
    /// every candidate on the full count (as nelder-mead alone, and a search of at most
    /// twice the final candidates' evaluations, do).
    #[arg(long, value_name = "N")]
    pub explore_replications: Option<u64>,
    /// --replications, --seed, --threads.
    #[command(flatten)]
    pub sim: SimArgs,
    /// --format.
    #[command(flatten)]
    pub format: FormatArgs<TableOrJson>,
    /// --out, --force, --bom.
    #[command(flatten)]
    pub out: OutArgs,
    /// --report, --lang.
    #[command(flatten)]
    pub report: ReportArgs,
    /// --accept-no-equilibrium.
    #[command(flatten)]
    pub accept: AcceptArgs,
    /// --xlsx.
    #[command(flatten)]
    pub xlsx: XlsxArgs,
}

/// The search's settings: the flags, else the scenario's `[optimize]` section.
fn settings(valid: &ValidScenario, args: &OptimizeArgs) -> CliResult<Settings> {
    let s = valid.scenario();
    let section = s.optimize.as_ref().ok_or_else(|| {
        CliError::Input(format!(
            "{}: no [optimize] section: declare the decision variables to search (see `plansim example`)",
            valid.source()
        ))
    })?;
    let budget = scenario_budget(valid, args.budget).ok_or_else(|| {
        CliError::Input(format!(
            "{}: optimize.budget: no budget given",
            valid.source()
        ))
    })?;
    if !(budget.is_finite() && budget > 0.0) {
        return Err(CliError::Input(format!(
            "--budget must be a positive number, got {budget}"
        )));
    }
    let replications = super::check_replications(
        args.sim
            .replications
            .or(section.replications)
            .unwrap_or(s.simulation.replications),
    )?;
    let explore_replications = match args.explore_replications {
        Some(0) => {
            return Err(CliError::Input(
                "--explore-replications must be at least 1, got 0".into(),
            ))
        }
        Some(n) if n > replications => {
            return Err(CliError::Input(format!(
                "--explore-replications ({n}) must be at most the replications per evaluation ({replications})"
            )))
        }
        Some(n) => n,
        None => default_explore_replications(replications),
    };
    let max_evaluations = args.max_evals.unwrap_or(section.max_evaluations as usize);
    if max_evaluations == 0 {
        return Err(CliError::Input(
            "--max-evals must be at least 1, got 0".into(),
        ));
    }
    Settings::params(section.objective, budget)
        .max_overrun_probability(section.max_overrun_probability)
        .replications(replications)
        .explore_replications(explore_replications)
        .certify_replications(
            section
                .certify_replications
                .unwrap_or(replications.saturating_mul(2)),
        )
        .max_evaluations(max_evaluations)
        .solver(args.solver.map(Into::into).unwrap_or(section.solver))
        .seed(args.sim.seed.unwrap_or(s.simulation.seed))
        .check()
        .map_err(|e| CliError::Input(format!("{}: {e}", valid.source())))
}

/// Runs the optimisation and reports it.
pub fn execute(args: &OptimizeArgs) -> CliResult {
    let valid = super::load_scenario(args.scenario.as_deref())?;
    let settings = settings(&valid, args)?;
    let section = valid
        .scenario()
        .optimize
        .as_ref()
        .expect("checked in settings");
    let space = DecisionSpace::new(&valid, section)
        .map_err(|e| CliError::Input(format!("{}: {e}", valid.source())))?;
    check_memory(&valid, &settings, section.certify_replications.is_some())?;
    // A signal stops the search, whose best plan so far is certified and reported
    // (the process then exits with the signal's code).
    let mut outputs = Outputs::prepare(
        args.out.out.as_deref(),
        &OUT_FILES,
        args.report.report.as_deref().map(|p| (p, "--report")),
        args.out.write.force,
        OnInterrupt::Finish,
    )?;
    outputs.prepare_xlsx(args.xlsx.xlsx.as_deref(), args.out.write.force)?;
    let pool = super::thread_pool(args.sim.threads)?;
    let evaluator = Evaluator::new(&valid, space, settings.clone())?;
    let mut warnings = pool.install(|| Warnings::of_search(&evaluator))?;
    args.accept.refuse_unless_given(&warnings, valid.source())?;
    let (outcome, certification, (winner_in, rounding)) = pool.install(|| -> CliResult<_> {
        let baseline = evaluator.evaluate_baseline();
        if baseline.cost.mean > settings.budget() {
            return Err(CliError::Input(format!(
                "{}: optimize.budget: {} is below the baseline plan's expected incentive cost ({:.0}); no plan could be compared fairly",
                valid.source(),
                settings.budget(),
                baseline.cost.mean
            )));
        }
        let progress = Progress::new(settings.max_evaluations() as u64, "evaluations");
        let outcome = optimize(&evaluator, interrupt::flag(), &|n, _| {
            progress.update(n as u64)
        })?;
        progress.finish();
        // The certification cannot stop part-way: from here a signal ends the process
        // (a second one at any time), writing nothing.
        interrupt::set_mode(OnInterrupt::Exit);
        let winner = round_winner(&evaluator, &outcome)?;
        let certification = certify(&evaluator, &winner.0.x)?;
        Ok((outcome, certification, winner))
    })?;
    let without = outcome
        .evaluations
        .iter()
        .filter(|e| !e.equilibrium)
        .count();
    warnings.extend(Warnings::of_candidates(without, outcome.evaluations.len()));
    warnings.extend(Warnings::of_cost_of_sales(
        Subject::Winner,
        certification.winner_cost_of_sales,
    ));
    let report = OptimizeReport::new(
        &evaluator,
        &outcome,
        (&winner_in, &rounding),
        &certification,
        warnings,
    );
    if outputs.has_xlsx() {
        let best = evaluator.scenario_at(&report.winner_x())?;
        outputs.set_xlsx(plansim_report::xlsx::with_parameters(
            "Convergence",
            &convergence_csv(&evaluator, &outcome, &report.warnings)?,
            &[("start", valid.scenario()), ("optimized", best.scenario())],
        )?);
    }
    let files = if outputs.has_dir() {
        let toml = optimized_toml(&valid, &evaluator, &report.winner_x())?;
        vec![
            ("optimized.toml", toml.into_bytes()),
            (
                "convergence.csv",
                with_bom(
                    convergence_csv(&evaluator, &outcome, &report.warnings)?,
                    args.out.write.bom,
                ),
            ),
            (
                "convergence.svg",
                chart_svg(&evaluator, &outcome, Lang::En)?.into_bytes(),
            ),
        ]
    } else {
        Vec::new()
    };
    let file = if outputs.has_file() {
        let html = pool.install(|| -> CliResult<String> {
            let samples = search_sample(
                &evaluator,
                &report.winner_x(),
                report.certification_seed,
                report.certification_replications,
            )
            .map_err(|e| CliError::Internal(e.to_string()))?;
            Ok(page(
                &evaluator,
                &outcome,
                &report,
                &samples,
                args.report.lang,
            )?)
        })?;
        Some(html.into_bytes())
    } else {
        None
    };
    let stdout = match args.format.format {
        TableOrJson::Table => report.table(args.format.width()),
        TableOrJson::Json => report.to_json(),
    };
    outputs.deliver(Results {
        files,
        file,
        stdout: stdout.into_bytes(),
        warnings: &report.warnings,
    })
}

/// The search's best point on the plan's grid ([`DecisionSpace::on_grid`]), with its
/// evaluation on the search's seeds and how it was rounded in words: to the nearest
/// steps, or down (every variable to the step below) when the nearest breaks the
/// budget or has no equilibrium and down does not. Without a selectable point the
/// starting plan, as written.
fn round_winner(evaluator: &Evaluator, outcome: &Outcome) -> CliResult<(Evaluation, String)> {
    const STEPS: &str = "money in steps of 10, shares in steps of 0.1 percentage point, whole numbers in steps of 1";
    let Some(best) = outcome.best() else {
        return Ok((
            outcome.evaluations[0].clone(),
            "No plan of the search kept the budget in equilibrium: the starting plan is reported, as written.".into(),
        ));
    };
    let space = evaluator.space();
    let nearest = evaluator.evaluate(&space.on_grid(&best.x, false))?;
    if nearest.selectable() {
        return Ok((
            nearest,
            format!("best: the search's best rounded to the nearest plan steps ({STEPS}), then re-estimated and certified."),
        ));
    }
    let down = evaluator.evaluate(&space.on_grid(&best.x, true))?;
    if down.selectable() {
        return Ok((
            down,
            format!("best: the search's best rounded down to plan steps ({STEPS}), since the nearest steps broke the budget or its equilibrium; then re-estimated and certified."),
        ));
    }
    Ok((
        nearest,
        format!("best: the search's best rounded to the nearest plan steps ({STEPS}), then re-estimated and certified; rounded, it no longer keeps the budget in equilibrium on the search's seeds, nor does rounding down."),
    ))
}

/// optimized.toml: the user's scenario file with the winner's values put in place by
/// `toml_edit`, so that its comments and layout survive, under a line saying what it
/// is; the embedded default's text when no file was given. The text is checked to
/// give the winner's plan.
fn optimized_toml(valid: &ValidScenario, evaluator: &Evaluator, x: &[f64]) -> CliResult<String> {
    let original = if valid.source() == plansim_sim::scenario::DEFAULT_SCENARIO_LABEL {
        plansim_sim::scenario::DEFAULT_SCENARIO_TOML.to_string()
    } else {
        std::fs::read_to_string(valid.source()).map_err(|e| {
            CliError::Input(format!("{}: cannot read it again: {e}", valid.source()))
        })?
    };
    let mut doc: toml_edit::DocumentMut = original
        .parse()
        .map_err(|e| CliError::Internal(format!("{}: {e}", valid.source())))?;
    for (path, value) in evaluator.space().named(x) {
        let integer = plansim_sim::scenario::plan_param(&path)
            .is_ok_and(|p| p.kind == plansim_sim::scenario::ParamKind::Integer);
        let mut new = if integer {
            toml_edit::Value::from(value as i64)
        } else {
            toml_edit::Value::from(value)
        };
        let mut keys = path.split('.');
        let mut item = doc.as_item_mut();
        let last = keys.next_back().unwrap_or_default();
        for k in keys {
            item = &mut item[k];
        }
        if let Some(old) = item.get(last).and_then(toml_edit::Item::as_value) {
            *new.decor_mut() = old.decor().clone();
        }
        item[last] = toml_edit::Item::Value(new);
    }
    let text = format!(
        "# plansim optimize: the winning plan of {} ({}), certified on fresh seeds;\n# the rest of the file is as it was.\n{}",
        valid.scenario().name,
        valid.source(),
        doc
    );
    let written = plansim_sim::scenario::parse(&text, "optimized.toml")
        .map_err(|e| CliError::Internal(format!("optimized.toml does not read back: {e}")))?;
    let wanted = evaluator.scenario_at(x)?;
    if written.plan != wanted.scenario().plan {
        return Err(CliError::Internal(
            "optimized.toml does not give the winning plan".into(),
        ));
    }
    Ok(text)
}

/// Refuses, before any work, a search or certification whose replications' metrics
/// would not fit in memory, naming what to lower: `--replications`, or
/// `optimize.certify_replications` when the scenario sets it (`explicit_certify`).
fn check_memory(valid: &ValidScenario, s: &Settings, explicit_certify: bool) -> CliResult {
    let (n, certify) = (s.replications(), s.certify_replications());
    Ok(memory::check(
        memory::optimize(n, certify, memory::Shape::of(valid)),
        memory::available(),
        &format!("optimising on {n} replications per evaluation and certifying on {certify}"),
        |max| {
            if n > max || !explicit_certify {
                // The certification runs on 2 x --replications unless the scenario sets it.
                let fit = if explicit_certify { max } else { max / 4 };
                format!(
                    "lower --replications (at most about {fit} fit{})",
                    if explicit_certify {
                        ""
                    } else {
                        ", with the certification on twice as many"
                    }
                )
            } else {
                format!(
                    "lower optimize.certify_replications in {} (at most about {} fit)",
                    valid.source(),
                    max / 2
                )
            }
        },
    )?)
}
