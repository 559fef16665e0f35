//! Outputs of deal timing (docs/model.md sections 8.8 and 13.2): the revenue lost to
//! timing games (discounts on pulled deals and pushed deals lost), the share of deal
//! revenue pulled in and pushed out, and shifting by period of the cycle.
//!
//! These come from a separate simulation of the run's replications, on the run's
//! streams (replication `i` uses the streams of [`super::run`]), so the figures
//! describe the run's own replications; the run's metrics are untouched.

use rayon::prelude::*;
use serde::Serialize;

use super::selection::Estimate;
use super::simulate::{self, Workspace, CYCLE_POSITIONS};
use super::{block_count, Solved, BLOCK_SIZE};
use crate::behaviour::Policy;
use crate::model::{Model, Plan};
use crate::tally::{Moments, Tally};

/// Shifting in one period of the cycle (means per replication, pooled over cycles).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct CyclePeriod {
    /// Period of the cycle, from 1.
    pub period: u32,
    /// Deal revenue produced in the period, before any moved.
    pub deal_revenue: f64,
    /// Share of it pulled into the previous cycle (as realised).
    pub pulled_out_share: f64,
    /// Share of it pushed into the next cycle.
    pub pushed_out_share: f64,
}

/// Deal timing under one plan.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Timing {
    /// Revenue over the horizon.
    pub revenue: Estimate,
    /// Deal revenue produced over the horizon, before any moved.
    pub deal_revenue: Estimate,
    /// Revenue lost to timing: the discount on pulled deals and the pushed deals lost.
    pub revenue_lost: Estimate,
    /// Revenue of the cycles whose close let deals move (every cycle but the horizon's
    /// last), as booked after the moves.
    pub shifting_cycles_revenue: Estimate,
    /// Revenue lost over the revenue of the cycles whose close let deals move (ratio of
    /// means; delta-method standard error): the share of a cycle's revenue lost at its end.
    pub revenue_lost_share: Estimate,
    /// Deal revenue pulled into a cycle (before its discount).
    pub pulled: Estimate,
    /// Deal revenue pushed into the next cycle (before its loss).
    pub pushed: Estimate,
    /// Pulled over the deal revenue of the cycles whose close let deals move (ratio of means).
    pub pulled_share: Estimate,
    /// Pushed over the deal revenue of those cycles (ratio of means).
    pub pushed_share: Estimate,
    /// Shifting by period of the cycle.
    pub by_period_of_cycle: Vec<CyclePeriod>,
}

/// Deal timing under the plan and the baseline.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TimingReport {
    /// Replications simulated.
    pub replications: u64,
    /// Under the plan.
    pub plan: Timing,
    /// Under the baseline.
    pub baseline: Timing,
    /// Revenue lost to timing, plan minus baseline, paired.
    pub revenue_lost_difference: Estimate,
}

/// Columns of a plan's row.
const REVENUE: usize = 0;
const DEALS: usize = 1;
const PULLED: usize = 2;
const PUSHED: usize = 3;
const LOST: usize = 4;
const CYCLE_REVENUE: usize = 5;
const CYCLE_DEALS: usize = 6;
/// Per position in the cycle: deals, pulled out, pushed out.
const POSITIONS: usize = 7;
const WIDTH: usize = POSITIONS + 3 * CYCLE_POSITIONS;

/// Simulates replication `i` of one plan and writes its timing sums into `row`.
fn simulate_row(
    model: &Model,
    (plan, policy): (&Plan, &Policy),
    seed: u64,
    i: u64,
    ws: &mut Workspace,
    row: &mut [f64],
) {
    ws.timing_positions = Default::default();
    let totals = simulate::whole_horizon(model, plan, policy, seed, i, ws);
    row[REVENUE] = totals.sum.revenue;
    row[DEALS] = totals.deals;
    row[PULLED] = totals.pulled;
    row[PUSHED] = totals.pushed;
    row[LOST] = totals.timing_lost;
    row[CYCLE_REVENUE] = totals.timing_cycle_revenue;
    row[CYCLE_DEALS] = totals.timing_cycle_deals;
    for (k, p) in ws.timing_positions.iter().enumerate() {
        let c = POSITIONS + 3 * k;
        row[c..c + 3].copy_from_slice(&[p.deals, p.pulled_out, p.pushed_out]);
    }
}

/// The ratio of the means of columns `num` and `den`, with its delta-method standard
/// error: that of the mean of `num - ratio x den`, over the mean of `den`.
fn ratio(t: &Tally, num: usize, den: usize) -> Estimate {
    let d = t.moments(den).mean;
    let r = t.moments(num).mean / d;
    let mut residual = Moments::default();
    if let (Some(n), Some(m)) = (t.values(num), t.values(den)) {
        for (n, m) in n.iter().zip(m) {
            residual.push(n - r * m);
        }
    }
    Estimate {
        mean: r,
        std_err: if residual.n >= 2 {
            residual.std_err() / d.abs()
        } else {
            0.0
        },
    }
}

fn estimate(t: &Tally, c: usize) -> Estimate {
    let m = t.moments(c);
    Estimate {
        mean: m.mean,
        std_err: if m.n >= 2 { m.std_err() } else { 0.0 },
    }
}

fn figures(t: &Tally, cycle_len: u32) -> Timing {
    let mean = |c: usize| t.moments(c).mean;
    let by_period_of_cycle = (0..(cycle_len as usize).min(CYCLE_POSITIONS))
        .map(|k| {
            let c = POSITIONS + 3 * k;
            let deals = mean(c);
            let share = |x: f64| if deals != 0.0 { x / deals } else { 0.0 };
            CyclePeriod {
                period: k as u32 + 1,
                deal_revenue: deals,
                pulled_out_share: share(mean(c + 1)),
                pushed_out_share: share(mean(c + 2)),
            }
        })
        .collect();
    Timing {
        revenue: estimate(t, REVENUE),
        deal_revenue: estimate(t, DEALS),
        revenue_lost: estimate(t, LOST),
        shifting_cycles_revenue: estimate(t, CYCLE_REVENUE),
        revenue_lost_share: ratio(t, LOST, CYCLE_REVENUE),
        pulled: estimate(t, PULLED),
        pushed: estimate(t, PUSHED),
        pulled_share: ratio(t, PULLED, CYCLE_DEALS),
        pushed_share: ratio(t, PUSHED, CYCLE_DEALS),
        by_period_of_cycle,
    }
}

/// Deal timing over `replications` replications with `seed`, in blocks merged in
/// order: bit-identical for any number of threads. Without `[team.deal_timing]`
/// nothing moves: the figures are zero and the shares not defined (NaN).
pub fn timing(model: &Model, solved: &Solved, seed: u64, replications: u64) -> TimingReport {
    let blocks: Vec<(Tally, Tally, Tally)> = (0..block_count(replications))
        .into_par_iter()
        .map(|b| {
            let from = b * BLOCK_SIZE;
            let to = ((b + 1) * BLOCK_SIZE).min(replications);
            let mut ws = Workspace::new(model);
            let mut tallies = (
                Tally::new(WIDTH, true),
                Tally::new(WIDTH, true),
                Tally::new(1, true),
            );
            let (mut a, mut z) = ([0.0; WIDTH], [0.0; WIDTH]);
            for i in from..to {
                simulate_row(
                    model,
                    (model.plan(), &solved.plan),
                    seed,
                    i,
                    &mut ws,
                    &mut a,
                );
                simulate_row(
                    model,
                    (model.baseline(), &solved.baseline),
                    seed,
                    i,
                    &mut ws,
                    &mut z,
                );
                tallies.0.push(&a);
                tallies.1.push(&z);
                tallies.2.push(&[a[LOST] - z[LOST]]);
            }
            tallies
        })
        .collect();
    let (mut plan, mut base, mut diff) = (
        Tally::new(WIDTH, true),
        Tally::new(WIDTH, true),
        Tally::new(1, true),
    );
    for (p, b, d) in &blocks {
        plan.merge(p);
        base.merge(b);
        diff.merge(d);
    }
    TimingReport {
        replications,
        plan: figures(&plan, model.plan().cycle_len),
        baseline: figures(&base, model.baseline().cycle_len),
        revenue_lost_difference: estimate(&diff, 0),
    }
}
