//! The Monte Carlo engine: replications in fixed-size blocks over rayon, the plan
//! and its baseline on common random numbers, tallies merged in block order.
//!
//! Replication `i` always belongs to block `i / BLOCK_SIZE` and draws from streams
//! keyed by `(seed, i)`, and block tallies are merged in block order, so results
//! are bit-identical for any number of threads (and any split into shards).

use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use rayon::prelude::*;

pub mod by_rep;
pub mod kernel;
pub mod metrics;
pub mod selection;
pub mod simulate;
pub mod timing;

use crate::behaviour::{self, PlanningStart, Policy};
use crate::model::{Model, Plan};
use crate::tally::Tally;
use metrics::{N_METRICS, N_PERIOD_METRICS};
use simulate::{TeamState, Workspace};

/// Replications per block: the unit of parallel work and of merging.
pub const BLOCK_SIZE: u64 = 64;
/// Blocks processed per wave (bounds the memory of block tallies in flight).
pub const WAVE_BLOCKS: u64 = 64;

/// The solved behaviour of both plans.
#[derive(Clone, Debug)]
pub struct Solved {
    /// Policy under the plan.
    pub plan: Policy,
    /// Policy under the baseline.
    pub baseline: Policy,
    /// Seconds spent solving.
    pub seconds: f64,
}

/// Solves the reps' behaviour under the plan and the baseline.
pub fn solve(model: &Model) -> Solved {
    let started = Instant::now();
    let start = PlanningStart::initial(model);
    let plan = behaviour::solve(model, model.plan(), &start);
    let baseline = behaviour::solve(model, model.baseline(), &start);
    Solved {
        plan,
        baseline,
        seconds: started.elapsed().as_secs_f64(),
    }
}

/// Tallies of a run (or of some of its blocks).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RunTally {
    /// Replication metrics under the plan.
    pub plan: Tally,
    /// Replication metrics under the baseline.
    pub baseline: Tally,
    /// Paired differences, plan minus baseline.
    pub difference: Tally,
    /// Per-period metrics under the plan (`period * N_PERIOD_METRICS + metric`).
    pub plan_periods: Tally,
    /// Per-period metrics under the baseline.
    pub baseline_periods: Tally,
    /// Per-period paired differences.
    pub difference_periods: Tally,
}

impl RunTally {
    /// An empty tally for `model`.
    pub fn new(model: &Model) -> Self {
        let w = model.periods() as usize * N_PERIOD_METRICS;
        RunTally {
            plan: Tally::new(N_METRICS, true),
            baseline: Tally::new(N_METRICS, true),
            difference: Tally::new(N_METRICS, true),
            plan_periods: Tally::new(w, false),
            baseline_periods: Tally::new(w, false),
            difference_periods: Tally::new(w, false),
        }
    }

    /// An empty tally for `model` whose replication metrics keep a sketch of each
    /// column for the quantiles instead of every value: its memory does not grow
    /// with replications. It takes the tallies of blocks (which keep values) in
    /// [`RunTally::merge`].
    pub fn sketched(model: &Model) -> Self {
        RunTally {
            plan: Tally::sketched(N_METRICS),
            baseline: Tally::sketched(N_METRICS),
            difference: Tally::sketched(N_METRICS),
            ..RunTally::new(model)
        }
    }

    /// Appends the tally of later blocks.
    pub fn merge(&mut self, o: &RunTally) {
        self.plan.merge(&o.plan);
        self.baseline.merge(&o.baseline);
        self.difference.merge(&o.difference);
        self.plan_periods.merge(&o.plan_periods);
        self.baseline_periods.merge(&o.baseline_periods);
        self.difference_periods.merge(&o.difference_periods);
    }

    /// Number of replications tallied.
    pub fn replications(&self) -> u64 {
        self.plan.rows()
    }
}

/// Number of blocks of a run of `replications`.
pub fn block_count(replications: u64) -> u64 {
    replications.div_ceil(BLOCK_SIZE)
}

/// Simulates one replication of one plan from the team's start `start` (the
/// replication's [`TeamState::initial`]); returns its metrics and fills `period_rows`.
pub fn replicate(
    model: &Model,
    plan: &Plan,
    policy: &Policy,
    start: TeamState,
    ws: &mut Workspace,
    period_rows: &mut [f64],
) -> [f64; N_METRICS] {
    let totals = simulate::whole_horizon_from(model, plan, policy, start, ws);
    let mut out = [0.0; N_METRICS];
    let last = ws.periods[model.periods() as usize - 1];
    metrics::replication_metrics(model, &totals, &last, &mut out);
    for (t, rec) in ws.periods.iter().enumerate() {
        metrics::period_metrics(
            rec,
            &mut period_rows[t * N_PERIOD_METRICS..(t + 1) * N_PERIOD_METRICS],
        );
    }
    out
}

fn run_block(model: &Model, solved: &Solved, seed: u64, replications: Range<u64>) -> RunTally {
    let mut tally = RunTally::new(model);
    let mut ws = Workspace::new(model);
    let w = model.periods() as usize * N_PERIOD_METRICS;
    let mut plan_rows = vec![0.0; w];
    let mut base_rows = vec![0.0; w];
    let mut diff_rows = vec![0.0; w];
    for i in replications {
        // The plan and the baseline start from the same team (common random numbers):
        // drawn once.
        let start = TeamState::initial(model, seed, i);
        let a = replicate(
            model,
            model.plan(),
            &solved.plan,
            start.clone(),
            &mut ws,
            &mut plan_rows,
        );
        let b = replicate(
            model,
            model.baseline(),
            &solved.baseline,
            start,
            &mut ws,
            &mut base_rows,
        );
        let mut d = [0.0; N_METRICS];
        for k in 0..N_METRICS {
            d[k] = a[k] - b[k];
        }
        for k in 0..w {
            diff_rows[k] = plan_rows[k] - base_rows[k];
        }
        tally.plan.push(&a);
        tally.baseline.push(&b);
        tally.difference.push(&d);
        tally.plan_periods.push(&plan_rows);
        tally.baseline_periods.push(&base_rows);
        tally.difference_periods.push(&diff_rows);
    }
    tally
}

/// Runs blocks `blocks` of a run of `replications` with `seed`, in the current rayon
/// pool, keeping every replication's metrics (see [`run_blocks_sketched`] for a tally
/// whose memory does not grow with replications).
///
/// `progress` is called with the number of replications done so far (from any thread).
pub fn run_blocks(
    model: &Model,
    solved: &Solved,
    seed: u64,
    replications: u64,
    blocks: Range<u64>,
    progress: &(dyn Fn(u64) + Sync),
) -> RunTally {
    let tally = RunTally::new(model);
    fold_blocks(tally, model, solved, seed, replications, blocks, progress)
}

/// [`run_blocks`] into a [`RunTally::sketched`]: the same moments and quantiles,
/// without the replications' values.
pub fn run_blocks_sketched(
    model: &Model,
    solved: &Solved,
    seed: u64,
    replications: u64,
    blocks: Range<u64>,
    progress: &(dyn Fn(u64) + Sync),
) -> RunTally {
    let tally = RunTally::sketched(model);
    fold_blocks(tally, model, solved, seed, replications, blocks, progress)
}

/// Folds the tallies of `blocks`, wave by wave in block order, into `tally`.
fn fold_blocks(
    mut tally: RunTally,
    model: &Model,
    solved: &Solved,
    seed: u64,
    replications: u64,
    blocks: Range<u64>,
    progress: &(dyn Fn(u64) + Sync),
) -> RunTally {
    let done = AtomicU64::new(0);
    let mut wave_start = blocks.start;
    while wave_start < blocks.end {
        let wave_end = (wave_start + WAVE_BLOCKS).min(blocks.end);
        let wave = block_tallies(
            model,
            solved,
            seed,
            replications,
            wave_start..wave_end,
            &done,
            progress,
        );
        for t in &wave {
            tally.merge(t);
        }
        wave_start = wave_end;
    }
    tally
}

/// Runs blocks `blocks` of a run of `replications` and returns each block's tally, in block order.
///
/// Folding them in order into an empty [`RunTally`] gives exactly what [`run_blocks`]
/// gives: this is what a shard keeps so that merging shards is exact.
pub fn run_block_tallies(
    model: &Model,
    solved: &Solved,
    seed: u64,
    replications: u64,
    blocks: Range<u64>,
    progress: &(dyn Fn(u64) + Sync),
) -> Vec<RunTally> {
    let done = AtomicU64::new(0);
    block_tallies(model, solved, seed, replications, blocks, &done, progress)
}

/// The tallies of `blocks` (ended at the last replication), computed in parallel, in block order.
fn block_tallies(
    model: &Model,
    solved: &Solved,
    seed: u64,
    replications: u64,
    blocks: Range<u64>,
    done: &AtomicU64,
    progress: &(dyn Fn(u64) + Sync),
) -> Vec<RunTally> {
    let blocks = blocks.start..blocks.end.min(block_count(replications));
    blocks
        .into_par_iter()
        .map(|b| {
            let from = b * BLOCK_SIZE;
            let to = ((b + 1) * BLOCK_SIZE).min(replications);
            let t = run_block(model, solved, seed, from..to);
            progress(done.fetch_add(to - from, Ordering::Relaxed) + (to - from));
            t
        })
        .collect()
}

/// Runs all replications of a model: solve behaviour, simulate, tally.
pub fn run(
    model: &Model,
    seed: u64,
    replications: u64,
    progress: &(dyn Fn(u64) + Sync),
) -> (Solved, RunTally) {
    let solved = solve(model);
    let tally = run_blocks(
        model,
        &solved,
        seed,
        replications,
        0..block_count(replications),
        progress,
    );
    (solved, tally)
}

/// Replication metrics of one plan alone (no baseline, no per-period tallies): the
/// optimiser's objective evaluation. Replication `i` uses the same streams as in
/// [`run`], so plans evaluated with one seed share their luck.
pub fn run_plan(
    model: &Model,
    plan: &Plan,
    policy: &Policy,
    seed: u64,
    replications: u64,
    progress: &(dyn Fn(u64) + Sync),
) -> Tally {
    let done = AtomicU64::new(0);
    let blocks: Vec<Tally> = (0..block_count(replications))
        .into_par_iter()
        .map(|b| {
            let from = b * BLOCK_SIZE;
            let to = ((b + 1) * BLOCK_SIZE).min(replications);
            let mut tally = Tally::new(N_METRICS, true);
            let mut ws = Workspace::new(model);
            let mut rows = vec![0.0; model.periods() as usize * N_PERIOD_METRICS];
            for i in from..to {
                let start = TeamState::initial(model, seed, i);
                tally.push(&replicate(model, plan, policy, start, &mut ws, &mut rows));
            }
            progress(done.fetch_add(to - from, Ordering::Relaxed) + (to - from));
            tally
        })
        .collect();
    let mut tally = Tally::new(N_METRICS, true);
    for t in &blocks {
        tally.merge(t);
    }
    tally
}
