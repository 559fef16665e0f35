//! `plansim bench --check`: the throughput guard. It times the simulator on the
//! embedded default scenario (one thread) and a fixed reference loop in the same
//! process, and fails when the ratio of their rates falls more than 20 % below the
//! ratio recorded in the repository (benches/throughput-baseline.json), so that a
//! change that slows the hot loop is caught on any machine, fast or slow, busy or not.

use std::path::Path;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use plansim_analysis::memory::Shape;
use plansim_analysis::shard::PLANSIM_VERSION;
use plansim_analysis::warnings::Warnings;
use plansim_report::bench::{guard_line, guard_recorded};
use plansim_sim::engine;
use plansim_sim::model::Model;
use plansim_sim::scenario;

use super::reference::reference_loop;
use super::BenchArgs;
use crate::deliver::{emit, OnInterrupt, Outputs, Results};
use crate::error::{CliError, CliResult};

/// Steps of the reference loop per measurement (about as long as 1000 replications).
pub const REFERENCE_ITERATIONS: u64 = 4_000_000;
/// Largest fall of the ratio below the recorded one that passes.
pub const TOLERANCE: f64 = 0.20;

/// The recorded ratio, with how and where it was measured.
#[derive(Serialize, Deserialize, Debug)]
pub struct Baseline {
    /// Simulator rep-periods per second divided by reference steps per second.
    pub ratio: f64,
    /// Replications of each simulator measurement.
    pub replications: u64,
    /// Measurements of each (the best is kept).
    pub repeats: u32,
    /// The processor it was measured on.
    pub machine: String,
    /// plansim version measured.
    pub plansim_version: String,
    /// How to measure it again.
    pub how: String,
}

/// The processor's model name and the cores, from /proc/cpuinfo where readable.
fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, m)| m.trim().to_string())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_string());
    format!("{model}, {cores} cores")
}

fn read_baseline(path: &Path) -> CliResult<Baseline> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        CliError::Input(format!(
            "--baseline {}: cannot read the recorded ratio: {e} (record one with `plansim bench --check --record`)",
            path.display()
        ))
    })?;
    let b: Baseline = serde_json::from_str(&text)
        .map_err(|e| CliError::Input(format!("--baseline {}: {e}", path.display())))?;
    if !(b.ratio.is_finite() && b.ratio > 0.0) {
        return Err(CliError::Input(format!(
            "--baseline {}: ratio must be a positive number, got {}",
            path.display(),
            b.ratio
        )));
    }
    Ok(b)
}

/// Measures the ratio and checks it against (or, with --record, records it in) the baseline.
pub fn execute(args: &BenchArgs) -> CliResult {
    if args.scenario.is_some() {
        return Err(CliError::Input(
            "--check measures the embedded default scenario (the recorded ratio is of it); drop the scenario argument".into(),
        ));
    }
    let recorded = if args.record {
        None
    } else {
        Some(read_baseline(&args.baseline)?)
    };
    let replications = crate::commands::check_replications(args.replications)?;
    let repeats = args.repeats.max(1);
    let valid = scenario::default_scenario();
    let shape = Shape::of(&valid);
    let rep_periods = super::rep_periods(replications, shape)?;
    super::check_memory(replications, shape)?;
    let model = Model::new(&valid);
    let pool = crate::commands::thread_pool(Some(1))?;
    let (sim_seconds, ref_seconds) = pool.install(|| {
        let solved = engine::solve(&model);
        let (mut sim, mut reference) = (f64::INFINITY, f64::INFINITY);
        // Interleaved, best of each: both see the same machine state.
        for _ in 0..repeats {
            let started = Instant::now();
            std::hint::black_box(reference_loop(std::hint::black_box(REFERENCE_ITERATIONS)));
            reference = reference.min(started.elapsed().as_secs_f64());
            let started = Instant::now();
            std::hint::black_box(engine::run_blocks(
                &model,
                &solved,
                1,
                replications,
                0..engine::block_count(replications),
                &|_| {},
            ));
            sim = sim.min(started.elapsed().as_secs_f64());
        }
        (sim, reference)
    });
    let sim_rate = rep_periods as f64 / sim_seconds;
    let ref_rate = REFERENCE_ITERATIONS as f64 / ref_seconds;
    let ratio = sim_rate / ref_rate;
    let mut text = guard_line(sim_rate, ref_rate, ratio);
    let Some(base) = recorded else {
        let baseline = Baseline {
            ratio,
            replications,
            repeats,
            machine: machine(),
            plansim_version: PLANSIM_VERSION.into(),
            how: format!(
                "plansim bench --check --record -n {replications} --repeats {repeats} (release build)"
            ),
        };
        let path = &args.baseline;
        let outputs = Outputs::prepare(
            None,
            &[],
            Some((path, "--baseline")),
            true,
            OnInterrupt::Exit,
        )?;
        let mut json = serde_json::to_string_pretty(&baseline)
            .map_err(|e| CliError::Internal(format!("cannot write JSON: {e}")))?;
        json.push('\n');
        text.push_str(&format!("recorded in {}\n", path.display()));
        return outputs.deliver(Results {
            files: Vec::new(),
            file: Some(json.into_bytes()),
            stdout: text.into_bytes(),
            warnings: &Warnings::none(),
        });
    };
    let floor = (1.0 - TOLERANCE) * base.ratio;
    text.push_str(&guard_recorded(
        base.ratio,
        &base.machine,
        base.replications,
        floor,
    ));
    if replications != base.replications {
        text.push_str(&format!(
            "note: measured with -n {replications}, recorded with -n {}\n",
            base.replications
        ));
    }
    emit(text.as_bytes())?;
    if ratio < floor {
        return Err(CliError::Internal(format!(
            "throughput guard failed: the simulator's rate relative to the reference loop fell {:.0} % below the recorded ratio ({ratio:.4} vs {:.4}, more than {:.0} % allowed); find what slowed the hot loop, or, if the slowdown is intended, record a new ratio with `plansim bench --check --record` and say why in the commit message",
            100.0 * (1.0 - ratio / base.ratio),
            base.ratio,
            100.0 * TOLERANCE
        )));
    }
    Ok(())
}
