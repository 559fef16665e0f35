//! `plansim bench`: rep-periods simulated per second, on one thread and on all cores.

use std::time::Instant;

use serde::Serialize;

use plansim_sim::engine;
use plansim_sim::model::Model;

use crate::cli::{BenchArgs, Format};
use std::fmt::Write as _;

use crate::error::{CliError, CliResult};
use crate::memory;
use crate::output::emit;

/// One measurement.
#[derive(Serialize)]
struct Measurement {
    threads: usize,
    seconds: f64,
    rep_periods: u64,
    rep_periods_per_second: f64,
}

/// Rep-periods simulated by `replications` replications of a model of `shape`, plan
/// and baseline both.
///
/// # Errors
/// [`CliError::Input`] naming `--replications` when the count does not fit in 64 bits.
pub fn rep_periods(replications: u64, shape: memory::Shape) -> CliResult<u64> {
    let per_replication = shape
        .reps
        .checked_mul(u64::from(shape.periods))
        .and_then(|x| x.checked_mul(2));
    per_replication
        .and_then(|p| replications.checked_mul(p))
        .ok_or_else(|| {
            CliError::Input(format!(
                "--replications {replications}: {replications} replications x {} reps x {} periods x 2 plans is more rep-periods than a 64-bit count holds; lower --replications (at most {})",
                shape.reps,
                shape.periods,
                u64::MAX / per_replication.unwrap_or(u64::MAX).max(1)
            ))
        })
}

/// Refuses, before any work, a benchmark whose replications would not fit in memory.
pub fn check_memory(replications: u64, shape: memory::Shape) -> CliResult {
    memory::check(
        memory::run(replications, shape, false),
        memory::available(),
        &format!("benchmarking {replications} replications"),
        |max| format!("lower --replications (at most about {max} fit)"),
    )
}

/// Runs the benchmark and prints its figures.
pub fn execute(args: &BenchArgs) -> CliResult {
    if args.check {
        return super::bench_check::execute(args);
    }
    let valid = super::load_scenario(args.scenario.as_deref())?;
    let replications = super::check_replications(args.replications)?;
    let shape = memory::Shape::of(&valid);
    let rep_periods = rep_periods(replications, shape)?;
    check_memory(replications, shape)?;
    let model = Model::new(&valid);
    let solved = engine::solve(&model);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut results = Vec::new();
    let mut counts = vec![1];
    if cores > 1 {
        counts.push(cores);
    }
    for &threads in &counts {
        let pool = super::thread_pool(Some(threads))?;
        let mut best = f64::INFINITY;
        for _ in 0..args.repeats.max(1) {
            let started = Instant::now();
            let tally = pool.install(|| {
                engine::run_blocks(
                    &model,
                    &solved,
                    1,
                    replications,
                    0..engine::block_count(replications),
                    &|_| {},
                )
            });
            best = best.min(started.elapsed().as_secs_f64());
            std::hint::black_box(tally);
        }
        results.push(Measurement {
            threads,
            seconds: best,
            rep_periods,
            rep_periods_per_second: rep_periods as f64 / best,
        });
    }
    let speedup = results.last().map_or(1.0, |m| m.rep_periods_per_second)
        / results[0].rep_periods_per_second;
    match args.format {
        Format::Json => {
            let doc = serde_json::json!({
                "scenario": model.name,
                "replications": replications,
                "solve_seconds": solved.seconds,
                "measurements": results,
                "speedup": speedup,
            });
            println!(
                "{}",
                serde_json::to_string_pretty(&doc).expect("serialises")
            );
        }
        _ => {
            let mut text = String::new();
            let _ = writeln!(
                text,
                "plansim bench: {} ({} reps x {} periods, plan + baseline), {} replications, best of {}",
                model.name,
                model.reps.len(),
                model.periods,
                replications,
                args.repeats.max(1)
            );
            let _ = writeln!(text, "behaviour solved once in {:.3} s", solved.seconds);
            for m in &results {
                let _ = writeln!(
                    text,
                    "{:>2} thread{}: {:>8.3} s  {:>7.2} M rep-periods/s  ({:.2} M per thread)",
                    m.threads,
                    if m.threads == 1 { " " } else { "s" },
                    m.seconds,
                    m.rep_periods_per_second / 1e6,
                    m.rep_periods_per_second / 1e6 / m.threads as f64
                );
            }
            if results.len() > 1 {
                let _ = writeln!(
                    text,
                    "speed-up on {} threads: {:.2}x",
                    results.last().map_or(1, |m| m.threads),
                    speedup
                );
            }
            emit(&text)?;
        }
    }
    Ok(())
}
