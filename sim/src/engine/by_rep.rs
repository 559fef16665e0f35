//! Outputs by rep (docs/model.md section 13.1): effort, attainment, incentive pay and
//! quitting by ability quintile and by period of the reward cycle, the share of
//! rep-months given up (at the least effort), by quintile and period of the cycle, the
//! distribution of incentive pay per rep, the pay mix, and the mean ability of the
//! team, its leavers and its hires.
//!
//! These come from a separate simulation of the run's replications with a recorder in
//! the hot loop's workspace ([`Recorder`]); the runs without it only test that it is
//! absent. Replication `i` uses the streams of [`super::run`], so the figures describe
//! the run's own replications.

use rayon::prelude::*;
use serde::Serialize;

use super::simulate::{self, Workspace};
use super::{block_count, Solved, BLOCK_SIZE};
use crate::behaviour::{Policy, MAX_CYCLE};
use crate::model::{Model, Plan};
use crate::tally::{quantile, Tally};

/// Ability quintiles.
pub const QUINTILES: usize = 5;

/// Tolerance below which an effort counts as the least effort.
const AT_MINIMUM: f64 = 1e-9;

/// Per-quintile sums of one replication.
#[derive(Clone, Copy, Debug, Default)]
struct Bin {
    rep_months: f64,
    effort: f64,
    given_up: f64,
    score: f64,
    rep_cycles: f64,
    pay: f64,
    salary: f64,
    leavers: f64,
    revenue: f64,
}

/// Per-period-of-cycle sums of one replication.
#[derive(Clone, Copy, Debug, Default)]
struct PhaseBin {
    rep_months: f64,
    effort: f64,
    given_up: f64,
    pay: f64,
    leavers: f64,
    /// Rep-months and rep-months given up of each ability quintile.
    quintile_months: [f64; QUINTILES],
    quintile_given_up: [f64; QUINTILES],
}

/// What the hot loop records for outputs by rep, when the workspace holds one.
#[derive(Clone, Debug)]
pub struct Recorder {
    /// Upper ability bounds of the first four quintiles.
    cuts: [f64; QUINTILES - 1],
    /// Least acquisition effort.
    min_effort: f64,
    bins: [Bin; QUINTILES],
    /// The current period's place in its reward cycle (0 for the cycle's first).
    phase: usize,
    phases: [PhaseBin; MAX_CYCLE],
    /// Incentive pay of each slot over the replication.
    slot_pay: Vec<f64>,
    /// Sums of the leavers' and the hires' abilities.
    leaver_ability: f64,
    hire_ability: f64,
    ability: f64,
}

impl Recorder {
    /// A recorder for `model`'s team: quintiles of the starting team's abilities.
    pub fn new(model: &Model) -> Self {
        let mut abilities: Vec<f64> = model.reps().iter().map(|r| r.ability).collect();
        abilities.sort_unstable_by(f64::total_cmp);
        let cuts = std::array::from_fn(|k| quantile(&abilities, (k + 1) as f64 / 5.0));
        Recorder {
            cuts,
            min_effort: model.rules().min_effort.acquisition,
            bins: [Bin::default(); QUINTILES],
            phase: 0,
            phases: [PhaseBin::default(); MAX_CYCLE],
            slot_pay: vec![0.0; model.reps().len()],
            leaver_ability: 0.0,
            hire_ability: 0.0,
            ability: 0.0,
        }
    }

    fn clear(&mut self) {
        self.bins = [Bin::default(); QUINTILES];
        self.phases = [PhaseBin::default(); MAX_CYCLE];
        self.phase = 0;
        self.slot_pay.iter_mut().for_each(|p| *p = 0.0);
        self.leaver_ability = 0.0;
        self.hire_ability = 0.0;
        self.ability = 0.0;
    }

    #[inline]
    fn quintile(&self, ability: f64) -> usize {
        self.cuts.iter().filter(|&&c| ability > c).count()
    }

    #[inline]
    fn bin(&mut self, ability: f64) -> &mut Bin {
        let k = self.quintile(ability);
        &mut self.bins[k]
    }

    /// The period about to be simulated is the `phase`-th (from 0) of its reward cycle.
    #[inline]
    pub(crate) fn period_of_cycle(&mut self, phase: usize) {
        self.phase = phase.min(MAX_CYCLE - 1);
    }

    /// A rep-month: the occupant's ability, acquisition effort and salary.
    #[inline]
    pub(crate) fn rep_month(&mut self, ability: f64, effort: f64, salary: f64) {
        self.ability += ability;
        let at_minimum = effort <= self.min_effort + AT_MINIMUM;
        let k = self.quintile(ability);
        let b = &mut self.bins[k];
        b.rep_months += 1.0;
        b.effort += effort;
        b.salary += salary;
        let p = &mut self.phases[self.phase];
        p.rep_months += 1.0;
        p.effort += effort;
        p.quintile_months[k] += 1.0;
        if at_minimum {
            b.given_up += 1.0;
            p.given_up += 1.0;
            p.quintile_given_up[k] += 1.0;
        }
    }

    /// Incentive pay booked for slot `j`'s occupant of `ability`.
    #[inline]
    pub(crate) fn pay(&mut self, j: usize, ability: f64, amount: f64) {
        if amount != 0.0 {
            self.slot_pay[j] += amount;
            self.bin(ability).pay += amount;
            self.phases[self.phase].pay += amount;
        }
    }

    /// A rep's score at a cycle's close.
    #[inline]
    pub(crate) fn cycle(&mut self, ability: f64, score: f64) {
        let b = self.bin(ability);
        b.score += score;
        b.rep_cycles += 1.0;
    }

    /// Revenue booked by a rep of `ability` in a period.
    #[inline]
    pub(crate) fn revenue(&mut self, ability: f64, revenue: f64) {
        self.bin(ability).revenue += revenue;
    }

    /// A leaver of `ability` replaced by a hire of `hire`.
    #[inline]
    pub(crate) fn turnover(&mut self, ability: f64, hire: f64) {
        self.bin(ability).leavers += 1.0;
        self.phases[self.phase].leavers += 1.0;
        self.leaver_ability += ability;
        self.hire_ability += hire;
    }
}

/// Figures of one ability quintile.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct QuintileFigures {
    /// Quintile, 1 (least able) to 5.
    pub quintile: usize,
    /// Share of rep-months in the quintile.
    pub share_of_rep_months: f64,
    /// Mean acquisition effort over its rep-months.
    pub effort: f64,
    /// Share of its rep-months at the least acquisition effort (given up).
    pub given_up: f64,
    /// Standard error of `given_up` over replications: of the mean count given up, over
    /// the mean rep-months (exact when every replication has the same rep-months in the
    /// quintile, as without a hiring pool).
    pub given_up_std_err: f64,
    /// Mean score of its rep-cycles.
    pub attainment: f64,
    /// Incentive pay a rep-month.
    pub pay: f64,
    /// Incentive pay over salary plus incentive pay.
    pub pay_mix: f64,
    /// Leavers per 100 rep-months.
    pub quits_per_100_rep_months: f64,
    /// Revenue a rep-month.
    pub revenue: f64,
    /// Standard error of `revenue` over replications (as `given_up_std_err`).
    pub revenue_std_err: f64,
}

/// Figures of one period of the reward cycle (the first month of every quarter, ...).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct CyclePeriodFigures {
    /// Period of the cycle, 1 (its first) to the cycle's length.
    pub period_of_cycle: usize,
    /// Mean acquisition effort over its rep-months.
    pub effort: f64,
    /// Share of its rep-months at the least acquisition effort (given up).
    pub given_up: f64,
    /// Standard error of `given_up` over replications (as [`QuintileFigures::given_up_std_err`]).
    pub given_up_std_err: f64,
    /// Share given up of each ability quintile's rep-months in this period of the cycle
    /// (NaN for a quintile without any).
    pub given_up_by_quintile: [f64; QUINTILES],
    /// Incentive pay booked a rep-month (cycle payouts land in the cycle's last period).
    pub pay: f64,
    /// Leavers per 100 rep-months.
    pub quits_per_100_rep_months: f64,
}

/// Outputs by rep under one plan (means over replications of pooled sums).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ByRep {
    /// Upper ability bounds of quintiles 1 to 4 (quintiles of the starting team's abilities).
    pub quintile_bounds: [f64; QUINTILES - 1],
    /// Figures of each quintile.
    pub quintiles: Vec<QuintileFigures>,
    /// Figures of each period of the plan's reward cycle, in order (one for a monthly cycle).
    pub cycle_periods: Vec<CyclePeriodFigures>,
    /// Share of rep-months at the least acquisition effort.
    pub given_up: f64,
    /// Incentive pay per slot-month: 10th, 50th and 90th percentiles over slots and replications.
    pub pay_per_rep_p10: f64,
    /// Median.
    pub pay_per_rep_p50: f64,
    /// 90th percentile.
    pub pay_per_rep_p90: f64,
    /// Mean incentive pay per slot-month.
    pub pay_per_rep_mean: f64,
    /// Incentive pay over salary plus incentive pay, over the whole team.
    pub pay_mix: f64,
    /// Mean ability over rep-months.
    pub ability_team: f64,
    /// Mean ability of the leavers (NaN when nobody left).
    pub ability_leavers: f64,
    /// Mean ability of the hires (NaN when nobody was hired).
    pub ability_hires: f64,
}

/// Outputs by rep under the plan and the baseline.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ByRepReport {
    /// Under the plan.
    pub plan: ByRep,
    /// Under the baseline.
    pub baseline: ByRep,
}

/// Columns per quintile of a replication's row.
const BIN_COLUMNS: usize = 9;
/// Columns after the quintiles: ability sums.
const TAIL: usize = QUINTILES * BIN_COLUMNS;
/// Columns per period of the cycle: rep-months, effort, given up, pay, leavers, then
/// each quintile's rep-months and given up.
const PHASE_COLUMNS: usize = 5 + 2 * QUINTILES;
/// First column of the periods of the cycle, after the ability sums.
const PHASES: usize = TAIL + 3;
const WIDTH: usize = PHASES + MAX_CYCLE * PHASE_COLUMNS;

/// Simulates replication `i` of `(plan, policy)` with the workspace's recorder, writes
/// its sums into `row` and adds each slot's incentive pay a month to `pay`.
fn simulate_recorded(
    model: &Model,
    (plan, policy): (&Plan, &Policy),
    seed: u64,
    i: u64,
    ws: &mut Workspace,
    row: &mut [f64; WIDTH],
    pay: &mut Vec<f64>,
) {
    if let Some(r) = ws.recorder.as_deref_mut() {
        r.clear();
    }
    simulate::whole_horizon(model, plan, policy, seed, i, ws);
    let r = ws.recorder.as_deref().expect("the workspace records");
    for (k, b) in r.bins.iter().enumerate() {
        let c = &mut row[k * BIN_COLUMNS..(k + 1) * BIN_COLUMNS];
        c.copy_from_slice(&[
            b.rep_months,
            b.effort,
            b.given_up,
            b.score,
            b.rep_cycles,
            b.pay,
            b.salary,
            b.leavers,
            b.revenue,
        ]);
    }
    row[TAIL] = r.ability;
    row[TAIL + 1] = r.leaver_ability;
    row[TAIL + 2] = r.hire_ability;
    for (k, p) in r.phases.iter().enumerate() {
        let c = &mut row[PHASES + k * PHASE_COLUMNS..PHASES + (k + 1) * PHASE_COLUMNS];
        c[..5].copy_from_slice(&[p.rep_months, p.effort, p.given_up, p.pay, p.leavers]);
        c[5..5 + QUINTILES].copy_from_slice(&p.quintile_months);
        c[5 + QUINTILES..].copy_from_slice(&p.quintile_given_up);
    }
    let months = model.periods() as f64;
    pay.extend(r.slot_pay.iter().map(|p| p / months));
}

/// The figures of one plan, whose reward cycle is `cycle_len` periods long, from the
/// tally of its rows and its pay per slot-month.
fn figures(t: &Tally, cuts: [f64; QUINTILES - 1], cycle_len: usize, mut pay: Vec<f64>) -> ByRep {
    let sum = |c: usize| t.moments(c).mean;
    let se = |c: usize| {
        let m = t.moments(c);
        if m.n >= 2 {
            m.std_err()
        } else {
            0.0
        }
    };
    let col = |k: usize, c: usize| sum(k * BIN_COLUMNS + c);
    let months: f64 = (0..QUINTILES).map(|k| col(k, 0)).sum();
    let quintiles = (0..QUINTILES)
        .map(|k| QuintileFigures {
            quintile: k + 1,
            share_of_rep_months: col(k, 0) / months,
            effort: col(k, 1) / col(k, 0),
            given_up: col(k, 2) / col(k, 0),
            given_up_std_err: se(k * BIN_COLUMNS + 2) / col(k, 0),
            attainment: col(k, 3) / col(k, 4),
            pay: col(k, 5) / col(k, 0),
            pay_mix: col(k, 5) / (col(k, 5) + col(k, 6)),
            quits_per_100_rep_months: 100.0 * col(k, 7) / col(k, 0),
            revenue: col(k, 8) / col(k, 0),
            revenue_std_err: se(k * BIN_COLUMNS + 8) / col(k, 0),
        })
        .collect();
    let phase = |k: usize, c: usize| sum(PHASES + k * PHASE_COLUMNS + c);
    let cycle_periods = (0..cycle_len.min(MAX_CYCLE))
        .filter(|&k| phase(k, 0) > 0.0)
        .map(|k| CyclePeriodFigures {
            period_of_cycle: k + 1,
            effort: phase(k, 1) / phase(k, 0),
            given_up: phase(k, 2) / phase(k, 0),
            given_up_std_err: se(PHASES + k * PHASE_COLUMNS + 2) / phase(k, 0),
            given_up_by_quintile: std::array::from_fn(|q| {
                let months = phase(k, 5 + q);
                if months > 0.0 {
                    phase(k, 5 + QUINTILES + q) / months
                } else {
                    f64::NAN
                }
            }),
            pay: phase(k, 3) / phase(k, 0),
            quits_per_100_rep_months: 100.0 * phase(k, 4) / phase(k, 0),
        })
        .collect();
    let total = |c: usize| (0..QUINTILES).map(|k| col(k, c)).sum::<f64>();
    let leavers = total(7);
    pay.sort_unstable_by(f64::total_cmp);
    ByRep {
        quintile_bounds: cuts,
        quintiles,
        cycle_periods,
        given_up: total(2) / months,
        pay_per_rep_p10: quantile(&pay, 0.1),
        pay_per_rep_p50: quantile(&pay, 0.5),
        pay_per_rep_p90: quantile(&pay, 0.9),
        pay_per_rep_mean: total(5) / months,
        pay_mix: total(5) / (total(5) + total(6)),
        ability_team: sum(TAIL) / months,
        ability_leavers: sum(TAIL + 1) / leavers,
        ability_hires: sum(TAIL + 2) / leavers,
    }
}

/// Outputs by rep over `replications` replications with `seed`, in blocks merged in
/// order: bit-identical for any number of threads.
pub fn by_rep(model: &Model, solved: &Solved, seed: u64, replications: u64) -> ByRepReport {
    type Block = (Tally, Tally, Vec<f64>, Vec<f64>);
    let blocks: Vec<Block> = (0..block_count(replications))
        .into_par_iter()
        .map(|b| {
            let from = b * BLOCK_SIZE;
            let to = ((b + 1) * BLOCK_SIZE).min(replications);
            let mut ws = Workspace::new(model);
            ws.recorder = Some(Box::new(Recorder::new(model)));
            let (mut plan, mut base) = (Tally::new(WIDTH, false), Tally::new(WIDTH, false));
            let (mut plan_pay, mut base_pay) = (Vec::new(), Vec::new());
            let mut row = [0.0; WIDTH];
            for i in from..to {
                simulate_recorded(
                    model,
                    (model.plan(), &solved.plan),
                    seed,
                    i,
                    &mut ws,
                    &mut row,
                    &mut plan_pay,
                );
                plan.push(&row);
                simulate_recorded(
                    model,
                    (model.baseline(), &solved.baseline),
                    seed,
                    i,
                    &mut ws,
                    &mut row,
                    &mut base_pay,
                );
                base.push(&row);
            }
            (plan, base, plan_pay, base_pay)
        })
        .collect();
    let (mut plan, mut base) = (Tally::new(WIDTH, false), Tally::new(WIDTH, false));
    let (mut plan_pay, mut base_pay) = (Vec::new(), Vec::new());
    for (p, b, pp, bp) in &blocks {
        plan.merge(p);
        base.merge(b);
        plan_pay.extend_from_slice(pp);
        base_pay.extend_from_slice(bp);
    }
    let cuts = Recorder::new(model).cuts;
    ByRepReport {
        plan: figures(&plan, cuts, model.plan().cycle_len as usize, plan_pay),
        baseline: figures(&base, cuts, model.baseline().cycle_len as usize, base_pay),
    }
}
