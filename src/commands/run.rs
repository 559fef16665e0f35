//! `plansim run`: simulate a scenario's plan against its baseline.

use std::time::Instant;

use plansim_sim::engine;
use plansim_sim::model::Model;

use crate::cli::{Format, RunArgs};
use crate::error::CliResult;
use crate::output::{emit, OutputDir};
use crate::progress::Progress;
use crate::report::{csv_out, table, RunReport};

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
    let pool = super::thread_pool(args.threads)?;
    let out = match &args.out {
        Some(dir) => Some(OutputDir::prepare(dir, &OUT_FILES, args.force)?),
        None => None,
    };
    let started = Instant::now();
    let model = Model::new(&valid);
    let progress = Progress::new(replications, "replications");
    let (solved, tally) =
        pool.install(|| engine::run(&model, seed, replications, &|done| progress.update(done)));
    progress.finish();
    let report = RunReport::new(&model, valid.source(), seed, &tally);
    let rendered = match args.format {
        Format::Table => table::render(&report),
        Format::Json => report.to_json(),
        Format::Csv => String::from_utf8_lossy(&csv_out::summary(&report)?).into_owned(),
    };
    if let Some(out) = out {
        out.write_all(&[
            ("summary.csv", csv_out::summary(&report)?),
            ("per_period.csv", csv_out::per_period(&report)?),
            ("replications.csv", csv_out::replications(&tally)?),
            ("scenario.toml", valid.to_toml().into_bytes()),
        ])?;
    }
    emit(&rendered)?;
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
