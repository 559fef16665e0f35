//! Refusing, before it starts, work that would not fit in memory.
//!
//! A run holds the reps' solved behaviour for both plans (a table per rep and
//! period), a sketch of each metric (plan, baseline and difference) for the
//! quantiles, and block tallies in flight (each block keeps its 64 replications'
//! metrics until it is folded in); with `--out` or `--report` it keeps every
//! replication's metrics, and with `--out` builds replications.csv in memory. A
//! shard keeps every replication's metrics and its encoded file. The estimate
//! is compared with `MemAvailable` of /proc/meminfo (no check where that cannot
//! be read).

use std::mem::size_of;

use plansim_sim::behaviour::{Cell, ATTAINMENT_BUCKETS};
use plansim_sim::engine::metrics::{N_METRICS, N_PERIOD_METRICS};
use plansim_sim::engine::simulate::RepState;
use plansim_sim::engine::{self, WAVE_BLOCKS};
use plansim_sim::model::Model;
use plansim_sim::rounds::RoundObservation;
use plansim_sim::scenario::ValidScenario;
use plansim_sim::tally::{Moments, BUCKETS_PER_BINADE};
use rand_xoshiro::Xoshiro256PlusPlus;

/// Work refused because it would not fit in memory.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MemoryError {
    /// The reps' solved behaviour alone does not fit: the team or the horizon must shrink.
    #[error(
        "{what} would need about {total} of memory, {behaviour} of it for the reps' behaviour \
         (a table per rep and period), but {available} is available; lower team.size (or the \
         roster's reps) or simulation.periods in the scenario"
    )]
    Behaviour {
        /// The work, as the caller named it.
        what: String,
        /// Estimated need in all, in GiB.
        total: String,
        /// Estimated need of the behaviour, in GiB.
        behaviour: String,
        /// Memory available, in GiB.
        available: String,
    },
    /// The replications' metrics do not fit: fewer replications would.
    #[error(
        "{what} would need about {total} of memory (every replication's metrics are kept), \
         but {available} is available; {advice}"
    )]
    Replications {
        /// The work, as the caller named it.
        what: String,
        /// Estimated need in all, in GiB.
        total: String,
        /// Memory available, in GiB.
        available: String,
        /// What to lower, as the caller worded it from the most replications that fit.
        advice: String,
    },
}

/// Bytes of one `f64`, the unit of every kept value.
const F64: u64 = size_of::<f64>() as u64;
/// Bytes of one column's running moments.
const MOMENTS: u64 = size_of::<Moments>() as u64;

/// Bytes of one block's tally: moments of every column and the kept values.
fn block_bytes(periods: u32) -> u64 {
    block_moments(periods) + 3 * N_METRICS as u64 * F64 * engine::BLOCK_SIZE
}

/// Bytes of one block's moments (every metric and every period's metrics, three tallies).
fn block_moments(periods: u32) -> u64 {
    3 * (N_METRICS as u64 + u64::from(periods) * N_PERIOD_METRICS as u64) * MOMENTS
}

/// Bytes of the solved behaviour per rep and period, at most: two plans, two
/// eligibility states, a cell per attainment bucket and the `u32` offset of its row,
/// and the planned path.
pub const BEHAVIOUR_PER_REP_PERIOD: u64 =
    2 * (2 * (ATTAINMENT_BUCKETS as u64 * CELL + size_of::<u32>() as u64) + CELL);
const CELL: u64 = size_of::<Cell>() as u64;

/// Bytes of one metric's sketch, at most, for values of magnitudes from
/// [`ZERO_BELOW`](plansim_sim::tally::ZERO_BELOW) to 2^64 (94 powers of two) of
/// either sign: a count, a least and a most value per bucket, and as much room again
/// (a growing vector's capacity is at most twice its length). A run's sketches
/// usually span a few powers of two and take kilobytes.
pub const SKETCH_BYTES: u64 = 2 * 94 * BUCKETS_PER_BINADE as u64 * 3 * F64 * 2;

/// Bytes kept per replication when every replication's metrics are kept (three
/// tallies of every metric).
pub const VALUES_PER_REPLICATION: u64 = 3 * N_METRICS as u64 * F64;
/// Bytes of replications.csv per replication (two metric sets of up to 24 characters).
pub const CSV_PER_REPLICATION: u64 = 2 * N_METRICS as u64 * 24;
/// Bytes of a shard file per kept value: 16 hex digits and a little JSON.
const SHARD_PER_VALUE: u64 = 17;

/// The size of a model: its reps and periods.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    /// Reps in the team.
    pub reps: u64,
    /// Periods in the horizon.
    pub periods: u32,
}

impl Shape {
    /// The shape of the model a scenario builds (the roster's reps, else team.size).
    pub fn of(valid: &ValidScenario) -> Shape {
        let s = valid.scenario();
        Shape {
            reps: valid
                .roster()
                .map_or(u64::from(s.team.size), |r| r.len() as u64),
            periods: s.simulation.periods,
        }
    }

    /// The shape of a built model.
    pub fn of_model(model: &Model) -> Shape {
        Shape {
            reps: model.reps().len() as u64,
            periods: model.periods(),
        }
    }

    /// Rep-periods simulated by `replications` replications of plan and baseline
    /// both; `None` when the count does not fit in 64 bits.
    pub fn rep_periods(&self, replications: u64) -> Option<u64> {
        self.rep_periods_per_replication()
            .and_then(|p| replications.checked_mul(p))
    }

    /// Rep-periods of one replication of plan and baseline both; `None` when the
    /// count does not fit in 64 bits.
    pub fn rep_periods_per_replication(&self) -> Option<u64> {
        self.reps
            .checked_mul(u64::from(self.periods))
            .and_then(|x| x.checked_mul(2))
    }
}

/// What a piece of work needs.
#[derive(Clone, Copy, Debug)]
pub struct Need {
    /// Bytes of the reps' solved behaviour (reps x periods).
    pub behaviour: u64,
    /// Other bytes that do not grow with replications.
    pub fixed: u64,
    /// Bytes per replication.
    pub per_replication: u64,
    /// Replications.
    pub replications: u64,
}

impl Need {
    /// Estimated bytes in all.
    pub fn bytes(&self) -> u128 {
        u128::from(self.behaviour)
            + u128::from(self.fixed)
            + u128::from(self.per_replication) * u128::from(self.replications)
    }

    /// Most replications that fit in `available` bytes.
    pub fn max_replications(&self, available: u64) -> u64 {
        available
            .saturating_sub(self.behaviour)
            .saturating_sub(self.fixed)
            / self.per_replication.max(1)
    }
}

fn behaviour(shape: Shape) -> u64 {
    shape
        .reps
        .saturating_mul(u64::from(shape.periods))
        .saturating_mul(BEHAVIOUR_PER_REP_PERIOD)
}

/// What a run of `replications` needs: `keep_values` keeps every replication's
/// metrics (for `--out` and `--report`), `with_out` adds replications.csv; without
/// either, only the sketches, which do not grow with replications.
pub fn run(replications: u64, shape: Shape, with_out: bool, keep_values: bool) -> Need {
    let in_flight = engine::block_count(replications).min(WAVE_BLOCKS + 1);
    let sketches = 3 * N_METRICS as u64 * SKETCH_BYTES;
    let values = if keep_values || with_out {
        VALUES_PER_REPLICATION
    } else {
        0
    };
    Need {
        behaviour: behaviour(shape),
        fixed: in_flight.saturating_mul(block_bytes(shape.periods)) + sketches,
        per_replication: values + if with_out { CSV_PER_REPLICATION } else { 0 },
        replications,
    }
}

/// What a shard of `replications` replications needs: its block tallies, kept
/// apart, and its encoded file.
pub fn shard(replications: u64, shape: Shape) -> Need {
    // The decoded values, then the encoded tallies and the file's bytes (each ~17/8 of them).
    // Each block's moments are kept apart too (counted per replication: they grow with blocks).
    Need {
        behaviour: behaviour(shape),
        fixed: 0,
        per_replication: VALUES_PER_REPLICATION
            + 2 * 3 * N_METRICS as u64 * SHARD_PER_VALUE
            + (block_moments(shape.periods) * 5).div_ceil(engine::BLOCK_SIZE),
        replications,
    }
}

/// What merging shards of a run of `replications` needs (no behaviour is solved):
/// their parsed files (which hold every replication's metrics) and the merged run,
/// with every replication's metrics when `keep_values` and replications.csv when
/// `with_out`.
pub fn merge(replications: u64, periods: u32, with_out: bool, keep_values: bool) -> Need {
    let r = run(
        replications,
        Shape { reps: 0, periods },
        with_out,
        keep_values,
    );
    Need {
        per_replication: r.per_replication + 3 * N_METRICS as u64 * SHARD_PER_VALUE,
        ..r
    }
}

/// What `compare` of `variants` variants needs at `replications` (its budget) each:
/// every variant's behaviour and replication metrics (kept for the paired differences,
/// the selection and the bootstrap), and the bootstrap's paired scores.
pub fn compare(replications: u64, variants: u64, shape: Shape) -> Need {
    Need {
        behaviour: behaviour(shape).saturating_mul(variants),
        fixed: 0,
        per_replication: variants.saturating_mul(N_METRICS as u64 * F64 + 4 * F64),
        replications,
    }
}

/// Bytes per replication of one plan simulated with its metrics kept (as `optimize`
/// evaluates a candidate): the block tallies' values and moments, and their merge.
const PLAN_RUN_PER_REPLICATION: u64 =
    2 * N_METRICS as u64 * F64 + (N_METRICS as u64 * MOMENTS).div_ceil(engine::BLOCK_SIZE);

/// What `optimize` needs: each evaluation simulates a candidate on `replications`
/// replications with their metrics kept, and the certification keeps three plans'
/// metrics (winner, start, baseline) on `certify` fresh replications while a fourth
/// set of block tallies is merged: as much as a candidate on `2 x certify`
/// replications. `replications` of the [`Need`] is the larger of the two, in the
/// search's unit.
pub fn optimize(replications: u64, certify: u64, shape: Shape) -> Need {
    Need {
        behaviour: behaviour(shape),
        fixed: 0,
        per_replication: PLAN_RUN_PER_REPLICATION,
        replications: replications.max(certify.saturating_mul(2)),
    }
}

/// What a run of rounds needs: every simulated replication's team state, streams and
/// record of the rounds (`params` adjustable parameters), for `policies` policies one
/// after the other; `shard` adds the encoded shard file.
pub fn rounds(simulated: u64, shape: Shape, rounds: u32, params: usize, shard: bool) -> Need {
    let team = shape
        .reps
        .saturating_mul((size_of::<RepState>() + size_of::<Xoshiro256PlusPlus>()) as u64);
    // Each round's observation and the parameters in force (a vector of them).
    let per_round =
        size_of::<RoundObservation>() + params * size_of::<f64>() + size_of::<Vec<f64>>();
    let record = u64::from(rounds).saturating_mul(per_round as u64) + N_METRICS as u64 * F64;
    // A shard keeps the records of every policy and writes each value as 16 hex digits.
    let encoded = if shard { record / F64 * 16 * 3 } else { 0 };
    Need {
        behaviour: behaviour(shape),
        fixed: 0,
        per_replication: 256 + team + record * 3 + encoded,
        replications: simulated,
    }
}

/// `MemAvailable` of /proc/meminfo in bytes, when it can be read.
pub fn available() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kb.checked_mul(1024)
}

fn gib(bytes: u128) -> String {
    format!("{:.1} GiB", bytes as f64 / (1u64 << 30) as f64)
}

/// Refuses `need` when it exceeds `available` bytes; `what` names the work and
/// `advice` says what to lower, given the most replications that fit. When the reps'
/// behaviour alone does not fit, the error says to shrink the team or the horizon
/// instead.
///
/// # Errors
/// [`MemoryError`] when the work would not fit.
pub fn check(
    need: Need,
    available: Option<u64>,
    what: &str,
    advice: impl FnOnce(u64) -> String,
) -> Result<(), MemoryError> {
    let Some(avail) = available else {
        return Ok(());
    };
    if need.bytes() <= u128::from(avail) {
        return Ok(());
    }
    let total = gib(need.bytes());
    let have = gib(u128::from(avail));
    if need.behaviour.saturating_add(need.fixed) >= avail {
        return Err(MemoryError::Behaviour {
            what: what.to_string(),
            total,
            behaviour: gib(u128::from(need.behaviour)),
            available: have,
        });
    }
    Err(MemoryError::Replications {
        what: what.to_string(),
        total,
        available: have,
        advice: advice(need.max_replications(avail)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEFAULT: Shape = Shape {
        reps: 50,
        periods: 12,
    };

    #[test]
    fn rep_periods_count_plan_and_baseline_and_refuse_overflow() {
        assert_eq!(DEFAULT.rep_periods(10), Some(10 * 50 * 12 * 2));
        assert_eq!(DEFAULT.rep_periods(u64::MAX), None);
    }

    #[test]
    fn estimates_grow_with_replications_out_reps_and_periods() {
        let small = run(2000, DEFAULT, false, true);
        assert!(run(2000, DEFAULT, true, true).bytes() > small.bytes());
        assert!(run(4000, DEFAULT, false, true).bytes() > small.bytes());
        // Without per-replication outputs, only sketches: flat in replications.
        let flat = run(2000, DEFAULT, false, false);
        assert_eq!(flat.per_replication, 0);
        assert_eq!(
            run(1_000_000_000, DEFAULT, false, false).bytes(),
            run(1_000_000, DEFAULT, false, false).bytes()
        );
        // Counted at the sketches' bound (62 MiB for the three tallies' 72 columns);
        // the measured peak of 10^6 replications is 11 MiB (README, Throughput).
        assert!(flat.bytes() < 96 << 20, "{}", flat.bytes());
        let big_team = Shape {
            reps: 5000,
            ..DEFAULT
        };
        assert!(run(2000, big_team, false, true).bytes() > small.bytes());
        // 2000 replications of the default take megabytes, not gigabytes (the
        // sketches counted at their bound).
        assert!(small.bytes() < 128 << 20, "{}", small.bytes());
        // Nothing overflows at the limits.
        let huge = Shape {
            reps: 100_000,
            periods: 1200,
        };
        assert!(run(u64::MAX, huge, true, true).bytes() > u128::from(u64::MAX));
    }

    #[test]
    fn optimize_needs_the_larger_of_the_search_and_the_certification() {
        let search = optimize(1000, 100, DEFAULT);
        assert_eq!(search.replications, 1000);
        let certification = optimize(1000, 4000, DEFAULT);
        assert_eq!(certification.replications, 8000);
        assert!(certification.bytes() > search.bytes());
        // Nothing overflows at the limits.
        assert_eq!(optimize(1, u64::MAX, DEFAULT).replications, u64::MAX);
        assert!(optimize(u64::MAX, u64::MAX, DEFAULT).bytes() > u128::from(u64::MAX));
    }

    #[test]
    fn refusal_says_what_fits_and_which_flag_to_lower() {
        let need = run(1_000_000_000, DEFAULT, false, true);
        let e = check(need, Some(8 << 30), "this run", |max| {
            format!("lower --replications to at most {max}")
        })
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("GiB") && e.contains("--replications to at most"),
            "{e}"
        );
        let max = need.max_replications(8 << 30);
        assert!(max > 1_000_000 && max < 20_000_000, "{max}");
        assert!(check(need, None, "x", |_| String::new()).is_ok());
        assert!(
            check(run(100, DEFAULT, true, true), Some(8 << 30), "x", |_| {
                String::new()
            })
            .is_ok()
        );
        // A team and horizon whose behaviour alone does not fit: lower those, not -n.
        let huge = Shape {
            reps: 100_000,
            periods: 1200,
        };
        let e = check(
            run(10, huge, false, false),
            Some(8 << 30),
            "this run",
            |_| "lower --replications".into(),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("team.size") && e.contains("simulation.periods"),
            "{e}"
        );
        assert!(!e.contains("--replications"), "{e}");
    }
}
