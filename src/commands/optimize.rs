//! `plansim optimize`: search the plan's parameters for the best expected objective
//! under the budget, then certify the winner on fresh seeds.

use plansim_optimize::objective::Settings;
use plansim_optimize::{certify, optimize, DecisionSpace, Evaluator};
use plansim_sim::scenario::ValidScenario;

use crate::cli::{OptimizeArgs, OptimizeFormat};
use crate::error::{CliError, CliResult};
use crate::memory;
use crate::output::{emit, OutputDir};
use crate::output_file::OutputFile;
use crate::progress::Progress;
use crate::report::csv_safe::with_bom;
use crate::report::optimize::{chart_svg, convergence_csv, OptimizeReport};
use crate::warnings::Warnings;

/// Files `--out` writes.
pub const OUT_FILES: [&str; 3] = ["optimized.toml", "convergence.csv", "convergence.svg"];

fn settings(valid: &ValidScenario, args: &OptimizeArgs) -> CliResult<Settings> {
    let s = valid.scenario();
    let section = s.optimize.as_ref().ok_or_else(|| {
        CliError::Input(format!(
            "{}: no [optimize] section: declare the decision variables to search (see `plansim example`)",
            valid.source()
        ))
    })?;
    let budget = crate::budget::scenario_budget(valid, args.budget).ok_or_else(|| {
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
        args.replications
            .or(section.replications)
            .unwrap_or(s.simulation.replications),
    )?;
    let max_evaluations = args.max_evals.unwrap_or(section.max_evaluations as usize);
    if max_evaluations == 0 {
        return Err(CliError::Input(
            "--max-evals must be at least 1, got 0".into(),
        ));
    }
    Settings::params(section.objective, budget)
        .max_overrun_probability(section.max_overrun_probability)
        .replications(replications)
        .certify_replications(
            section
                .certify_replications
                .unwrap_or(replications.saturating_mul(2)),
        )
        .max_evaluations(max_evaluations)
        .solver(args.solver.map(Into::into).unwrap_or(section.solver))
        .seed(args.seed.unwrap_or(s.simulation.seed))
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
    let pool = super::thread_pool(args.threads)?;
    let evaluator = Evaluator::new(&valid, space, settings.clone()).map_err(to_cli)?;
    let mut warnings = pool.install(|| -> CliResult<Warnings> {
        let start = evaluator
            .plan_at(&evaluator.space().start)
            .map_err(to_cli)?;
        let mut w = Warnings::of_start(evaluator.solve(&start).equilibrium);
        w.extend(Warnings::of_baseline(
            evaluator.solve(&evaluator.model().baseline).equilibrium,
        ));
        w.extend(Warnings::of_status_quo(evaluator.model()));
        Ok(w)
    })?;
    warnings.refuse_unless(args.accept, valid.source())?;
    let out = match &args.out {
        Some(dir) => Some(OutputDir::prepare(dir, &OUT_FILES, args.force)?),
        None => None,
    };
    let report_file = match &args.report {
        Some(path) => Some(OutputFile::prepare(path, args.force, "--report")?),
        None => None,
    };
    let interrupt = crate::interrupt::flag();
    let (outcome, certification, baseline) = pool.install(|| -> CliResult<_> {
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
        let outcome = optimize(&evaluator, interrupt, &|n, _| progress.update(n as u64)).map_err(to_cli)?;
        progress.finish();
        let winner = outcome.best().map_or(evaluator.space().start.clone(), |b| b.x.clone());
        let certification = certify(&evaluator, &winner).map_err(to_cli)?;
        Ok((outcome, certification, baseline))
    })?;
    let without = outcome
        .evaluations
        .iter()
        .filter(|e| !e.equilibrium)
        .count();
    warnings.extend(Warnings::of_candidates(without, outcome.evaluations.len()));
    let report = OptimizeReport::new(&evaluator, &outcome, &certification, &baseline, warnings);
    if let Some(out) = out {
        let winner = report.winner_x();
        let scenario = evaluator.scenario_at(&winner).map_err(to_cli)?;
        let mut toml = format!(
            "# plansim optimize: the winning plan of {} ({}), certified on fresh seeds.\n",
            valid.scenario().name,
            valid.source()
        );
        toml.push_str(&scenario.to_toml());
        out.write_all(&[
            ("optimized.toml", toml.into_bytes()),
            (
                "convergence.csv",
                with_bom(
                    convergence_csv(&evaluator, &outcome, &report.warnings)?,
                    args.bom,
                ),
            ),
            (
                "convergence.svg",
                chart_svg(&evaluator, &outcome)?.into_bytes(),
            ),
        ])?;
    }
    if let Some(file) = report_file {
        let page = pool.install(|| {
            crate::report::optimize_page::page(&evaluator, &outcome, &report, args.lang)
        })?;
        file.write(page.as_bytes())?;
    }
    report.warnings.print();
    let text = match args.format {
        OptimizeFormat::Table => report.table(),
        OptimizeFormat::Json => report.to_json(),
    };
    emit(&text)
}

/// Refuses, before any work, a search or certification whose replications' metrics
/// would not fit in memory, naming what to lower: `--replications`, or
/// `optimize.certify_replications` when the scenario sets it (`explicit_certify`).
fn check_memory(valid: &ValidScenario, s: &Settings, explicit_certify: bool) -> CliResult {
    let (n, certify) = (s.replications(), s.certify_replications());
    memory::check(
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
    )
}

fn to_cli(e: plansim_optimize::OptimizeError) -> CliError {
    if e.is_input() {
        CliError::Input(e.to_string())
    } else {
        CliError::Internal(e.to_string())
    }
}
