//! `plansim bench --check`: the throughput guard. It times, on the embedded default
//! scenario and one thread, a fixed reference loop, the behaviour solve and the
//! simulation, interleaved, `--repeats` times, in processor time of that thread (so
//! other processes' share of a busy machine is not counted); takes the median over the repeats of
//! two ratios (the simulator's rate over the reference loop's, and the reference
//! loop's time over the solve's); and fails when either falls more than
//! [`TOLERANCE`] below the one recorded in the repository
//! (benches/throughput-baseline.json), so that a change that slows the hot loop or
//! the solve is caught on a fast or slow, idle or busy machine. It warns when the
//! machine differs from the one recorded, and says when a ratio has risen so far
//! that the baseline should be recorded anew.

use std::path::Path;

use serde::{Deserialize, Serialize};

use plansim_analysis::memory::Shape;
use plansim_analysis::shard::PLANSIM_VERSION;
use plansim_analysis::warnings::Warnings;
use plansim_report::bench::{guard_line, guard_recorded, GuardRatios};
use plansim_sim::engine;
use plansim_sim::engine::kernel::VectorUnit;
use plansim_sim::model::Model;
use plansim_sim::scenario;

use super::reference::reference_loop;
use super::BenchArgs;
use crate::deliver::{emit, OnInterrupt, Outputs, Results};
use crate::error::{CliError, CliResult};

/// Steps of the reference loop per measurement (about as long as 1000 replications).
pub const REFERENCE_ITERATIONS: u64 = 4_000_000;
/// Largest fall of a ratio below the recorded one that passes. On the 2-core
/// machine of the recorded baseline, with other work running (load average 5 to 8),
/// the record and five checks of the same code gave medians within 1.4 % of each
/// other for the simulation (0.2036 to 0.2064) and 1.1 % for the solve (0.4593 to
/// 0.4643), while single repeats spread up to 7.7 % (README, "Throughput"): 5 % is
/// nearly four times the medians' spread, and a slowdown of 5 % is caught.
pub const TOLERANCE: f64 = 0.05;
/// Behaviour solves timed in each repeat, whose mean time the solve ratio takes: one
/// solve of the default takes about 15 ms since the faster search, too short for a
/// steady timing alone (single repeats of one solve spread by 13 % to 41 %).
const SOLVES_PER_REPEAT: u32 = 8;

/// Fewest repeats whose median the guard compares.
pub const MIN_REPEATS: u32 = 5;
/// Repeats when `--repeats` is not given.
pub const DEFAULT_REPEATS: u32 = 9;

/// The recorded ratios, with how and where they were measured.
#[derive(Serialize, Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// Median over repeats of the simulator's rep-periods per second divided by the
    /// reference loop's steps per second.
    pub ratio: f64,
    /// Median over repeats of the reference loop's seconds divided by the seconds of
    /// the behaviour solve (plan and baseline).
    pub solve_ratio: f64,
    /// Replications of each simulator measurement.
    pub replications: u64,
    /// Measurements of each (their median is kept).
    pub repeats: u32,
    /// The processor's model name and its cores.
    pub machine: String,
    /// The vector unit the hot loop's draws ran on (`avx512`, `avx2`, `baseline`):
    /// the simulation ratio of one unit says nothing of another's. Absent in a
    /// baseline recorded before the draws were vectorised.
    #[serde(default)]
    pub vector_unit: Option<String>,
    /// plansim version measured.
    pub plansim_version: String,
    /// The commit measured (`git describe --always --dirty` where the record was made).
    pub commit: String,
    /// How to measure it again.
    pub how: String,
}

/// The processor's model name and the cores, from /proc/cpuinfo where readable.
pub fn machine() -> String {
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

/// The commit of the working directory, `unknown` outside a git checkout.
fn commit() -> String {
    std::process::Command::new("git")
        .args(["describe", "--always", "--dirty"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

fn read_baseline(path: &Path) -> CliResult<Baseline> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        CliError::Input(format!(
            "--baseline {}: cannot read the recorded ratio: {e} (record one with `plansim bench --check --record`)",
            path.display()
        ))
    })?;
    let b: Baseline = serde_json::from_str(&text).map_err(|e| {
        CliError::Input(format!(
            "--baseline {}: {e} (a baseline of an older plansim? record one with `plansim bench --check --record`)",
            path.display()
        ))
    })?;
    for (name, value) in [("ratio", b.ratio), ("solve_ratio", b.solve_ratio)] {
        if !(value.is_finite() && value > 0.0) {
            return Err(CliError::Input(format!(
                "--baseline {}: {name} must be a positive number, got {value}",
                path.display(),
            )));
        }
    }
    Ok(b)
}

/// Median of `xs` (the mean of the middle two of an even count).
pub fn median(xs: &[f64]) -> f64 {
    let mut v = xs.to_vec();
    v.sort_unstable_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

/// Measures the ratios and checks them against (or, with --record, records them in) the baseline.
pub fn execute(args: &BenchArgs) -> CliResult {
    if args.scenario.is_some() {
        return Err(CliError::Input(
            "--check measures the embedded default scenario (the recorded ratio is of it); drop the scenario argument".into(),
        ));
    }
    let repeats = args.repeats.unwrap_or(DEFAULT_REPEATS);
    if repeats < MIN_REPEATS {
        return Err(CliError::Input(format!(
            "--repeats {repeats}: --check compares the median of at least {MIN_REPEATS} repeats"
        )));
    }
    let recorded = if args.record {
        None
    } else {
        Some(read_baseline(&args.baseline)?)
    };
    let replications = crate::commands::check_replications(args.replications)?;
    let valid = scenario::default_scenario();
    let shape = Shape::of(&valid);
    let rep_periods = super::rep_periods(replications, shape)?;
    super::check_memory(replications, shape)?;
    let model = Model::new(&valid);
    let pool = crate::commands::thread_pool(Some(1))?;
    let (sim_ratios, solve_ratios, sim_rates, ref_rates) = pool.install(|| {
        let (mut sim_ratios, mut solve_ratios, mut sim_rates, mut ref_rates) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        // Interleaved, each repeat's ratios of its own measurements: all three see
        // the same machine state.
        for _ in 0..repeats {
            let started = cpu_seconds();
            std::hint::black_box(reference_loop(std::hint::black_box(REFERENCE_ITERATIONS)));
            let reference = cpu_seconds() - started;
            let started = cpu_seconds();
            let solved = std::hint::black_box(engine::solve(&model));
            for _ in 1..SOLVES_PER_REPEAT {
                std::hint::black_box(engine::solve(std::hint::black_box(&model)));
            }
            let solve = (cpu_seconds() - started) / SOLVES_PER_REPEAT as f64;
            let started = cpu_seconds();
            std::hint::black_box(engine::run_blocks_sketched(
                &model,
                &solved,
                1,
                replications,
                0..engine::block_count(replications),
                &|_| {},
            ));
            let sim = cpu_seconds() - started;
            let (sim_rate, ref_rate) = (
                rep_periods as f64 / sim,
                REFERENCE_ITERATIONS as f64 / reference,
            );
            sim_ratios.push(sim_rate / ref_rate);
            solve_ratios.push(reference / solve);
            sim_rates.push(sim_rate);
            ref_rates.push(ref_rate);
        }
        (sim_ratios, solve_ratios, sim_rates, ref_rates)
    });
    let measured = GuardRatios {
        sim_rate: median(&sim_rates),
        reference_rate: median(&ref_rates),
        ratio: median(&sim_ratios),
        solve_ratio: median(&solve_ratios),
        spread: spread(&sim_ratios),
        solve_spread: spread(&solve_ratios),
        repeats,
    };
    let mut text = guard_line(&measured);
    let Some(base) = recorded else {
        let baseline = Baseline {
            ratio: measured.ratio,
            solve_ratio: measured.solve_ratio,
            replications,
            repeats,
            machine: machine(),
            vector_unit: Some(VectorUnit::in_use().name().into()),
            plansim_version: PLANSIM_VERSION.into(),
            commit: commit(),
            how: format!(
                "plansim bench --check --record -n {replications} --repeats {repeats} (release build, one thread)"
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
    let floor = 1.0 - TOLERANCE;
    text.push_str(&guard_recorded(
        base.ratio,
        base.solve_ratio,
        &base.machine,
        &base.commit,
        base.replications,
        floor,
    ));
    if replications != base.replications {
        text.push_str(&format!(
            "note: measured with -n {replications}, recorded with -n {}\n",
            base.replications
        ));
    }
    // A simulation ratio recorded on another vector unit is not compared: the draws'
    // speed differs by unit (AVX2 measured about 14 % below AVX-512, the baseline 33 %).
    let unit = VectorUnit::in_use().name();
    let same_unit = base.vector_unit.as_deref().is_none_or(|u| u == unit);
    if !same_unit {
        text.push_str(&format!(
            "note: the simulation ratio is not compared: it was recorded on the {} vector unit and this run's draws use {unit}; record a baseline on this machine to guard it\n",
            base.vector_unit.as_deref().unwrap_or("?")
        ));
    }
    let here = machine();
    if here != base.machine {
        eprintln!(
            "warning: this machine ({here}) is not the one the baseline was recorded on ({}): the ratios of two processors can differ by more than the guard's {:.0} %; record a baseline on this machine to guard it",
            base.machine,
            100.0 * TOLERANCE
        );
    }
    for (name, now, then, compared) in [
        ("simulation", measured.ratio, base.ratio, same_unit),
        ("solve", measured.solve_ratio, base.solve_ratio, true),
    ] {
        if compared && now > then / floor {
            text.push_str(&format!(
                "note: the {name} ratio is {:.0} % above the recorded one: if a change made it faster, record the baseline anew (`plansim bench --check --record`) so that the guard keeps the gain\n",
                100.0 * (now / then - 1.0)
            ));
        }
    }
    emit(text.as_bytes())?;
    let mut failed = Vec::new();
    for (name, now, then, what, compared) in [
        (
            "simulation",
            measured.ratio,
            base.ratio,
            "the hot loop",
            same_unit,
        ),
        (
            "solve",
            measured.solve_ratio,
            base.solve_ratio,
            "the behaviour solve",
            true,
        ),
    ] {
        if compared && now < floor * then {
            failed.push(format!(
                "the {name} ratio fell {:.0} % below the recorded one ({now:.4} vs {then:.4}, more than {:.0} % allowed): find what slowed {what}",
                100.0 * (1.0 - now / then),
                100.0 * TOLERANCE
            ));
        }
    }
    if !failed.is_empty() {
        return Err(CliError::Internal(format!(
            "throughput guard failed: {}; if the slowdown is intended, record new ratios with `plansim bench --check --record` and say why in the commit message",
            failed.join("; ")
        )));
    }
    Ok(())
}

/// Seconds of processor time this thread has used (wall-clock seconds where the
/// platform has no thread clock): the guard's timings run on the one thread of its
/// pool, so the time other processes take the processor from it is not counted.
fn cpu_seconds() -> f64 {
    #[cfg(unix)]
    {
        let mut t = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: clock_gettime writes the timespec it is given and nothing else.
        if unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) } == 0 {
            return t.tv_sec as f64 + t.tv_nsec as f64 * 1e-9;
        }
    }
    use std::sync::OnceLock;
    static START: OnceLock<std::time::Instant> = OnceLock::new();
    START
        .get_or_init(std::time::Instant::now)
        .elapsed()
        .as_secs_f64()
}

/// Largest over smallest of `xs`, minus one: how far apart the repeats were.
fn spread(xs: &[f64]) -> f64 {
    let (lo, hi) = xs
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
            (a.min(x), b.max(x))
        });
    hi / lo - 1.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_is_the_middle_value() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
        assert_eq!(
            median(&[9.0, 0.1, 1.0, 1.1, 1.2]),
            1.1,
            "outliers do not move it"
        );
        assert!((spread(&[1.0, 1.1, 1.05]) - 0.1).abs() < 1e-12);
    }
}
