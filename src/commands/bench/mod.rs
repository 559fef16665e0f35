//! `plansim bench`: rep-periods simulated per second, on one thread and on all cores
//! (with `--check`, the throughput guard against a reference loop, [`check`]).

mod check;
mod reference;

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;

use plansim_analysis::memory::{self, Shape};
use plansim_report::bench::{BenchReport, Measurement};
use plansim_sim::engine;
use plansim_sim::model::Model;

use crate::deliver::emit;
use crate::error::{CliError, CliResult};
use crate::flags::{replications, FormatArgs, TableOrJson};

/// Arguments of `bench`.
#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Scenario file (TOML); the embedded default scenario when absent.
    pub scenario: Option<PathBuf>,
    /// Replications per measurement.
    #[arg(short = 'n', long, default_value_t = 10_000, allow_negative_numbers = true,
        value_parser = replications)]
    pub replications: u64,
    /// Measurements per thread count, the best reported (default 3); with --check, of
    /// each ratio, their median compared (default 9, at least 5).
    #[arg(long)]
    pub repeats: Option<u32>,
    /// --format.
    #[command(flatten)]
    pub format: FormatArgs<TableOrJson>,
    /// Throughput guard: one thread, against a fixed reference loop; fails when the
    /// simulation's or the solve's ratio falls more than 5 % below the one recorded
    /// in --baseline.
    #[arg(long)]
    pub check: bool,
    /// With --check: write the measured ratio to --baseline instead of comparing.
    #[arg(long, requires = "check")]
    pub record: bool,
    /// The recorded ratio of --check.
    #[arg(long, default_value = "benches/throughput-baseline.json")]
    pub baseline: PathBuf,
}

/// Rep-periods simulated by `replications` replications of a model of `shape`, plan
/// and baseline both.
///
/// # Errors
/// [`CliError::Input`] naming `--replications` when the count does not fit in 64 bits.
fn rep_periods(replications: u64, shape: Shape) -> CliResult<u64> {
    shape.rep_periods(replications).ok_or_else(|| {
        CliError::Input(format!(
            "--replications {replications}: {replications} replications x {} reps x {} periods x 2 plans is more rep-periods than a 64-bit count holds; lower --replications (at most {})",
            shape.reps,
            shape.periods,
            u64::MAX / shape.rep_periods_per_replication().unwrap_or(u64::MAX).max(1)
        ))
    })
}

/// Refuses, before any work, a benchmark whose replications would not fit in memory.
fn check_memory(replications: u64, shape: Shape) -> CliResult {
    Ok(memory::check(
        memory::run(replications, shape, false, false),
        memory::available(),
        &format!("benchmarking {replications} replications"),
        |max| format!("lower --replications (at most about {max} fit)"),
    )?)
}

/// Seconds of the best of `repeats` runs of `replications` replications of `model`
/// with behaviour `solved`, in the current rayon pool.
fn best_seconds(model: &Model, solved: &engine::Solved, replications: u64, repeats: u32) -> f64 {
    (0..repeats.max(1))
        .map(|_| {
            let started = Instant::now();
            let tally = engine::run_blocks_sketched(
                model,
                solved,
                1,
                replications,
                0..engine::block_count(replications),
                &|_| {},
            );
            let seconds = started.elapsed().as_secs_f64();
            std::hint::black_box(tally);
            seconds
        })
        .fold(f64::INFINITY, f64::min)
}

/// Runs the benchmark and prints its figures.
pub fn execute(args: &BenchArgs) -> CliResult {
    if args.check {
        return check::execute(args);
    }
    let valid = super::load_scenario(args.scenario.as_deref())?;
    let replications = super::check_replications(args.replications)?;
    let shape = Shape::of(&valid);
    let rep_periods = rep_periods(replications, shape)?;
    check_memory(replications, shape)?;
    let repeats = args.repeats.unwrap_or(3).max(1);
    let model = Model::new(&valid);
    let solved = engine::solve(&model);
    let cores = super::cores();
    let mut counts = vec![1];
    if cores > 1 {
        counts.push(cores);
    }
    let mut measurements = Vec::new();
    for threads in counts {
        let pool = super::thread_pool(Some(threads))?;
        let best = pool.install(|| best_seconds(&model, &solved, replications, repeats));
        measurements.push(Measurement {
            threads,
            seconds: best,
            rep_periods,
            rep_periods_per_second: rep_periods as f64 / best,
        });
    }
    let report = BenchReport {
        scenario: model.name().to_string(),
        reps: model.reps().len(),
        periods: model.periods(),
        replications,
        repeats,
        solve_seconds: solved.seconds,
        vector_unit: engine::kernel::VectorUnit::in_use().name().to_string(),
        measurements,
    };
    let text = match args.format.format {
        TableOrJson::Json => report.to_json()?,
        TableOrJson::Table => report.table(),
    };
    emit(text.as_bytes())
}
