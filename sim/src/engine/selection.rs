//! Selection's share of a plan's effect (docs/model.md section 10.1): the change in
//! output from the baseline to the plan split, as Lazear (2000) split Safelite's, into
//! the incentive effect on the same reps and the composition (selection) effect.
//!
//! Each replication is simulated three times on the same streams: the baseline, with
//! who leaves in each period recorded; the plan; and the plan with the baseline's
//! leavers replayed, so that the same reps (and, from each slot's stream of hires, the
//! same hires) hold every slot in every period as under the baseline. The plan at the
//! baseline's composition minus the baseline is the incentive effect; the plan minus
//! the plan at the baseline's composition is the selection effect. The two add up to
//! the whole paired effect exactly, replication by replication.

use rayon::prelude::*;
use serde::Serialize;

use super::simulate::{self, Totals, Turnover, Workspace};
use super::{block_count, Solved, BLOCK_SIZE};
use crate::behaviour::Policy;
use crate::model::{Model, Plan};
use crate::tally::{Moments, Tally};

/// A mean over replications and its Monte Carlo standard error.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Estimate {
    /// Mean.
    pub mean: f64,
    /// Standard error of the mean.
    pub std_err: f64,
}

impl Estimate {
    fn of(m: &Moments) -> Estimate {
        Estimate {
            mean: m.mean,
            std_err: if m.n >= 2 { m.std_err() } else { 0.0 },
        }
    }
}

/// Mean ability of the reps in the team, of those who left and of those hired, under one plan.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Composition {
    /// Mean ability over rep-months.
    pub team: f64,
    /// Mean ability of the leavers (NaN when nobody left).
    pub leavers: f64,
    /// Mean ability of the hires (NaN when nobody was hired).
    pub hires: f64,
    /// Leavers per replication.
    pub leavers_per_replication: f64,
}

/// The decomposition of the plan's effect on revenue (output) into incentive and selection.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Decomposition {
    /// Replications simulated.
    pub replications: u64,
    /// Revenue under the baseline.
    pub baseline_revenue: Estimate,
    /// Revenue under the plan.
    pub plan_revenue: Estimate,
    /// Revenue under the plan with the baseline's composition (its leavers replayed).
    pub same_reps_revenue: Estimate,
    /// Plan minus baseline, paired.
    pub total_effect: Estimate,
    /// Plan at the baseline's composition minus baseline, paired: the incentive effect.
    pub incentive_effect: Estimate,
    /// Plan minus plan at the baseline's composition, paired: the selection effect.
    pub selection_effect: Estimate,
    /// Plan's revenue over the baseline's, less one.
    pub total_gain: f64,
    /// The incentive effect over the baseline's revenue.
    pub incentive_gain: f64,
    /// The selection effect over the baseline's revenue.
    pub selection_gain: f64,
    /// Selection's share of the total effect (ratio of means), with its standard error
    /// by the delta method.
    pub selection_share: Estimate,
    /// Who is in the team, leaves and joins under the baseline.
    pub baseline_composition: Composition,
    /// Who is in the team, leaves and joins under the plan.
    pub plan_composition: Composition,
}

/// Columns of a replication's row.
const BASE: usize = 0;
const PLAN: usize = 1;
const SAME: usize = 2;
const TOTAL: usize = 3;
const INCENTIVE: usize = 4;
const SELECTION: usize = 5;
/// Ability sums and counts: baseline then plan, each (team, team count, leavers, leaver count, hires).
const ABILITY: usize = 6;
const WIDTH: usize = ABILITY + 10;

/// Simulates one plan over the horizon with `turnover` deciding who leaves.
fn totals_of(
    model: &Model,
    plan: &Plan,
    policy: &Policy,
    seed: u64,
    replication: u64,
    ws: &mut Workspace,
    turnover: Turnover,
) -> Totals {
    ws.turnover = turnover;
    let totals = simulate::whole_horizon(model, plan, policy, seed, replication, ws);
    ws.turnover = Turnover::Hazard;
    totals
}

fn ability_columns(t: &Totals, row: &mut [f64]) {
    row[0] = t.ability_sum;
    row[1] = t.sum.rep_periods;
    row[2] = t.leaver_ability_sum;
    row[3] = t.sum.leavers;
    row[4] = t.hire_ability_sum;
}

/// One replication's row: revenues, paired effects and ability sums.
fn replication_row(
    model: &Model,
    solved: &Solved,
    seed: u64,
    i: u64,
    ws: &mut Workspace,
) -> [f64; WIDTH] {
    let base = totals_of(
        model,
        model.baseline(),
        &solved.baseline,
        seed,
        i,
        ws,
        Turnover::Record,
    );
    let plan = totals_of(
        model,
        model.plan(),
        &solved.plan,
        seed,
        i,
        ws,
        Turnover::Hazard,
    );
    let same = totals_of(
        model,
        model.plan(),
        &solved.plan,
        seed,
        i,
        ws,
        Turnover::Replay,
    );
    let mut row = [0.0; WIDTH];
    row[BASE] = base.sum.revenue;
    row[PLAN] = plan.sum.revenue;
    row[SAME] = same.sum.revenue;
    row[TOTAL] = plan.sum.revenue - base.sum.revenue;
    row[INCENTIVE] = same.sum.revenue - base.sum.revenue;
    row[SELECTION] = plan.sum.revenue - same.sum.revenue;
    ability_columns(&base, &mut row[ABILITY..ABILITY + 5]);
    ability_columns(&plan, &mut row[ABILITY + 5..ABILITY + 10]);
    row
}

fn composition(t: &Tally, from: usize) -> Composition {
    let mean = |k: usize| t.moments(from + k).mean;
    Composition {
        team: mean(0) / mean(1),
        leavers: mean(2) / mean(3),
        hires: mean(4) / mean(3),
        leavers_per_replication: mean(3),
    }
}

/// Decomposes the plan's effect on revenue over `replications` replications with
/// `seed` (the streams of [`super::run`], so its figures pair with a run's), in blocks
/// merged in order: bit-identical for any number of threads.
pub fn decompose(model: &Model, solved: &Solved, seed: u64, replications: u64) -> Decomposition {
    let blocks: Vec<Tally> = (0..block_count(replications))
        .into_par_iter()
        .map(|b| {
            let from = b * BLOCK_SIZE;
            let to = ((b + 1) * BLOCK_SIZE).min(replications);
            let mut tally = Tally::new(WIDTH, true);
            let mut ws = Workspace::new(model);
            ws.turnover_log = vec![false; model.periods() as usize * model.reps().len()];
            ws.hire_log = vec![(f64::NAN, 0); model.periods() as usize * model.reps().len()];
            for i in from..to {
                tally.push(&replication_row(model, solved, seed, i, &mut ws));
            }
            tally
        })
        .collect();
    let mut tally = Tally::new(WIDTH, true);
    for t in &blocks {
        tally.merge(t);
    }
    let est = |c: usize| Estimate::of(tally.moments(c));
    let base = tally.moments(BASE).mean;
    let total = tally.moments(TOTAL).mean;
    let selection = tally.moments(SELECTION).mean;
    let share = selection / total;
    // Delta method: the share's error is that of the mean of S - share x T, over T.
    let mut residual = Moments::default();
    if let (Some(s), Some(t)) = (tally.values(SELECTION), tally.values(TOTAL)) {
        for (s, t) in s.iter().zip(t) {
            residual.push(s - share * t);
        }
    }
    let share_se = if residual.n >= 2 {
        residual.std_err() / total.abs()
    } else {
        0.0
    };
    Decomposition {
        replications,
        baseline_revenue: est(BASE),
        plan_revenue: est(PLAN),
        same_reps_revenue: est(SAME),
        total_effect: est(TOTAL),
        incentive_effect: est(INCENTIVE),
        selection_effect: est(SELECTION),
        total_gain: tally.moments(PLAN).mean / base - 1.0,
        incentive_gain: tally.moments(INCENTIVE).mean / base,
        selection_gain: selection / base,
        selection_share: Estimate {
            mean: share,
            std_err: share_se,
        },
        baseline_composition: composition(&tally, ABILITY),
        plan_composition: composition(&tally, ABILITY + 5),
    }
}
