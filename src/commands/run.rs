//! `plansim run`: simulate a scenario's plan against its baseline (or, with
//! `--shard K/N`, one slice of its replications into a shard file).

use std::time::Instant;

use plansim_sim::engine::{self, RunTally};
use plansim_sim::model::Model;
use plansim_sim::scenario::ValidScenario;

use crate::cli::{Format, RunArgs};
use crate::error::{CliError, CliResult};
use crate::output::{emit, OutputDir};
use crate::output_file::OutputFile;
use crate::progress::Progress;
use crate::report::csv_safe::with_bom;
use crate::report::i18n::Lang;
use crate::report::{csv_out, pages, table, RunReport};
use crate::warnings::Warnings;
use crate::{cancel, memory};

/// Files `--out` writes.
pub const OUT_FILES: [&str; 4] = [
    "summary.csv",
    "per_period.csv",
    "replications.csv",
    "scenario.toml",
];

/// Runs the simulation and prints or writes its report.
pub fn execute(args: &RunArgs) -> CliResult {
    let valid = super::load_scenario(args.scenario.as_deref())?;
    let s = valid.scenario();
    let replications =
        super::check_replications(args.replications.unwrap_or(s.simulation.replications))?;
    let seed = args.seed.unwrap_or(s.simulation.seed);
    if let Some(shard) = args.shard {
        if args.report.is_some() {
            return Err(CliError::Input(
                "--report needs the whole run: use it without --shard".into(),
            ));
        }
        return super::shard_run::execute(args, &valid, replications, seed, shard);
    }
    memory::check(
        memory::run(replications, memory::Shape::of(&valid), args.out.is_some()),
        memory::available(),
        &format!("{replications} replications"),
        |max| {
            format!(
                "lower --replications (at most about {max} fit{})",
                if args.out.is_some() {
                    ", more without --out"
                } else {
                    ""
                }
            )
        },
    )?;
    let pool = super::thread_pool(args.threads)?;
    let started = Instant::now();
    let model = Model::new(&valid);
    let solved = pool.install(|| engine::solve(&model));
    let warnings = Warnings::of_run(&model, &solved);
    warnings.refuse_unless(args.accept, valid.source())?;
    let out = match &args.out {
        Some(dir) => Some(OutputDir::prepare(dir, &OUT_FILES, args.force)?),
        None => None,
    };
    let report_file = match &args.report {
        Some(path) => Some(OutputFile::prepare(path, args.force, "--report")?),
        None => None,
    };
    cancel::exit_on_interrupt()?;
    let progress = Progress::new(replications, "replications");
    let tally = pool.install(|| {
        engine::run_blocks(
            &model,
            &solved,
            seed,
            replications,
            0..engine::block_count(replications),
            &|done| progress.update(done),
        )
    });
    progress.finish();
    if let Some(file) = report_file {
        let page = pool.install(|| run_page(&valid, &model, seed, &solved, &tally, args.lang))?;
        file.write(page.as_bytes())?;
    }
    deliver_with(
        &valid,
        &model,
        seed,
        &tally,
        &warnings,
        args.format,
        out,
        args.bom,
    )?;
    warnings.print();
    if args.format == Format::Table {
        eprintln!(
            "solved behaviour in {:.2} s; simulated {} rep-periods in {:.2} s",
            solved.seconds,
            2 * replications * model.periods as u64 * model.reps.len() as u64,
            started.elapsed().as_secs_f64() - solved.seconds
        );
    }
    Ok(())
}

/// Reports a finished run with its `warnings`: writes `out`'s files, then prints the
/// report in `format`, with every CSV (on stdout and in `out`) started by a UTF-8
/// byte-order mark when `bom` is set.
///
/// `run` and `merge` both report through here, so a merge of shards gives the same bytes.
#[allow(clippy::too_many_arguments)]
pub fn deliver_with(
    valid: &ValidScenario,
    model: &Model,
    seed: u64,
    tally: &RunTally,
    warnings: &Warnings,
    format: Format,
    out: Option<OutputDir>,
    bom: bool,
) -> CliResult {
    let report = RunReport::new(model, valid.source(), seed, tally, warnings.clone());
    let rendered = match format {
        Format::Table => table::render(&report),
        Format::Json => report.to_json(),
        Format::Csv => String::from_utf8(with_bom(csv_out::summary(&report)?, bom))
            .map_err(|e| CliError::Internal(format!("summary CSV is not UTF-8: {e}")))?,
    };
    if let Some(out) = out {
        out.write_all(&[
            ("summary.csv", with_bom(csv_out::summary(&report)?, bom)),
            (
                "per_period.csv",
                with_bom(csv_out::per_period(&report)?, bom),
            ),
            (
                "replications.csv",
                with_bom(csv_out::replications(tally, warnings)?, bom),
            ),
            ("scenario.toml", valid.to_toml().into_bytes()),
        ])?;
    }
    emit(&rendered)
}

/// Rep-cycle attainments of the first replications shown in the HTML report.
pub const ATTAINMENT_SAMPLE: u64 = 100;

/// The HTML page of a finished run (`--report`), its warnings those of `solved` and the model.
pub fn run_page(
    valid: &ValidScenario,
    model: &Model,
    seed: u64,
    solved: &engine::Solved,
    tally: &RunTally,
    lang: Lang,
) -> CliResult<String> {
    let warnings = Warnings::of_run(model, solved);
    let report = RunReport::new(model, valid.source(), seed, tally, warnings);
    let n = ATTAINMENT_SAMPLE.min(tally.replications());
    let plan = crate::variants::attainments(model, &model.plan, &solved.plan, seed, n);
    let baseline = crate::variants::attainments(model, &model.baseline, &solved.baseline, seed, n);
    pages::run_page(valid, model, &report, tally, (&plan, &baseline), lang)
}
