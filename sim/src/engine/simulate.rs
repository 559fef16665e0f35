//! One replication of one plan: the hot loop over periods and reps.
//!
//! The loop reads efforts from the solved [`Policy`], draws each rep-period's
//! block of uniforms from the rep's stream, and books outcomes, payouts and
//! state changes. It allocates nothing: every buffer lives in a [`Workspace`]
//! made once per block of replications.

use rand::RngCore;
use rand_xoshiro::Xoshiro256PlusPlus;

use super::kernel::{FunnelInputs, FunnelTables, Kernel, LANES};
use crate::behaviour::{Cell, CloseState, NextCycle, Policy};
use crate::mechanisms::{AttainmentPayout, Promotion, PromotionRule, Training};
use crate::model::{DealTiming, Kpis, Model, Outcome, Plan, Rep};
use crate::rng::{self, source};
use crate::scenario::{Basis, CommissionBase};
use crate::vmath;

/// Index of each mechanism in cost arrays (the order of [`crate::mechanisms::MECHANISM_NAMES`]).
pub mod mechanism {
    /// Target bonus.
    pub const TARGET_BONUS: usize = 0;
    /// Per-customer reward.
    pub const PER_CUSTOMER: usize = 1;
    /// Commission.
    pub const COMMISSION: usize = 2;
    /// Promotion raises.
    pub const PROMOTION: usize = 3;
    /// Salary adjustments.
    pub const SALARY_ADJUSTMENT: usize = 4;
    /// Training.
    pub const TRAINING: usize = 5;
}

/// The state of one team slot: the rep in it and their running tallies.
#[derive(Clone, Debug, PartialEq)]
pub struct RepState {
    /// Ability of the rep in the slot (the slot's, or a hire's from the hiring pool).
    pub ability: f64,
    /// Row of the policy table the rep follows: the slot's, or its hire type's
    /// (`R + slot * G + g`, docs/model.md section 10.1).
    pub row: u32,
    /// Sales skill.
    pub skill: f64,
    /// Monthly salary (after raises and promotions).
    pub salary: f64,
    /// Job level.
    pub level: u32,
    /// Months in the job.
    pub tenure: u32,
    /// Promotions received over the horizon.
    pub promotions: u32,
    /// Paying customers in the book.
    pub book: u32,
    /// Revenue and new customers so far in the current cycle.
    pub cycle: Kpis,
    /// First-month revenue of conversions so far in the cycle.
    pub cycle_new_revenue: f64,
    /// The current cycle's targets.
    pub cycle_target: Kpis,
    /// What the rep achieved in the last completed cycle (ratchet targets).
    pub last_cycle: Option<Kpis>,
    /// Score of the last completed cycle (training as a reward).
    pub last_cycle_score: f64,
    /// Revenue and new customers since the last salary review.
    pub review: Kpis,
    /// Targets since the last review.
    pub review_target: Kpis,
    /// Share of each deal of the periods before `pull_until` already pulled into the
    /// last cycle (deal timing, docs/model.md section 8.8).
    pub pull_share: f64,
    /// The period after the last one deals were pulled from.
    pub pull_until: u32,
    /// Revenue pushed into the next cycle, net of the expected loss, booked at its start.
    pub carried: f64,
}

/// The whole team's state within a replication, carried from period to period (and round to round).
#[derive(Clone, Debug)]
pub struct TeamState {
    /// Next period to simulate.
    pub period: u32,
    /// State of each slot.
    pub reps: Vec<RepState>,
    /// Current log market shock.
    pub shock: f64,
    /// Each slot's random stream.
    pub streams: rng::SlotStreams,
    /// The market's random stream.
    pub market_stream: Xoshiro256PlusPlus,
    /// Each slot's stream of hires' abilities (empty without a hiring pool).
    pub hire_streams: Vec<Xoshiro256PlusPlus>,
    /// Lowest score promoted in the last tournament (reps' belief for the next round).
    pub observed_cutoff: Option<f64>,
    /// Each slot's state in the plan's shorter cycle, where the plan has two (empty
    /// otherwise: kept out of [`RepState`] so that one-cycle plans, the common case,
    /// do not carry it through the hot loop).
    pub short: Vec<ShortCycleState>,
}

/// A slot's state in the shorter cycle of a plan with two (a bonus or commission with
/// its own cycle; docs/model.md section 5).
#[derive(Clone, Copy, Debug, Default)]
pub struct ShortCycleState {
    /// KPIs so far in the current shorter cycle.
    pub so_far: Kpis,
    /// First-month revenue of conversions so far in the shorter cycle.
    pub new_revenue: f64,
    /// The current shorter cycle's targets.
    pub target: Kpis,
}

impl TeamState {
    /// The team at the start of the horizon, with replication `replication`'s streams.
    pub fn initial(model: &Model, seed: u64, replication: u64) -> TeamState {
        // The status quo's steady state, drawn per replication from its own stream: a
        // book is Poisson (customers arrive as a thinned Poisson stream and leave
        // independently), and a slot is held by a hire of tenure k < ramp_periods with
        // probability pi (1 - pi)^k, pi the slot's quit hazard.
        let mut draws = rng::stream(seed, replication, rng::BOOK_STREAM);
        let rules = model.rules();
        let kernel = Kernel::in_use();
        let mut reps = Vec::with_capacity(model.reps().len());
        // Eight slots at a time: their uniforms in slot order from the one stream, then
        // their books' Poisson searches side by side (a book averages tens of customers,
        // so each search runs tens of steps).
        for (c, chunk) in model.reps().chunks(LANES).enumerate() {
            let mut book_u = [0.5; LANES];
            let mut book_mean = [0.0; LANES];
            let mut tenure_u = [0.5; LANES];
            for (i, r) in chunk.iter().enumerate() {
                if !r.book_given {
                    book_mean[i] = r.book;
                    book_u[i] = rng::open_uniform(draws.next_u64());
                }
                if !r.tenure_given {
                    tenure_u[i] = rng::open_uniform(draws.next_u64());
                }
            }
            let drawn = kernel.poisson_far(&book_mean, &book_u);
            for (i, r) in chunk.iter().enumerate() {
                let book = if r.book_given {
                    r.book.round().max(0.0) as u32
                } else {
                    drawn[i]
                };
                let tenure = if r.tenure_given {
                    r.tenure
                } else {
                    stationary_tenure(r.tenure, r.quit_hazard, rules.ramp_periods, tenure_u[i])
                };
                reps.push(RepState {
                    ability: r.ability,
                    row: (c * LANES + i) as u32,
                    skill: rules.initial_skill,
                    salary: r.base_salary,
                    level: r.level,
                    tenure,
                    promotions: 0,
                    book,
                    cycle: Kpis::ZERO,
                    cycle_new_revenue: 0.0,
                    cycle_target: Kpis::ZERO,
                    last_cycle: None,
                    last_cycle_score: 0.0,
                    review: Kpis::ZERO,
                    review_target: Kpis::ZERO,
                    pull_share: 0.0,
                    pull_until: 0,
                    carried: 0.0,
                });
            }
        }
        let streams = rng::SlotStreams::new(seed, replication, model.reps().len());
        let hire_streams = match model.hiring() {
            Some(_) => (0..model.reps().len() as u64)
                .map(|j| rng::stream(seed, replication, rng::HIRE_STREAM + j))
                .collect(),
            None => Vec::new(),
        };
        TeamState {
            period: 0,
            reps,
            shock: f64::NAN,
            streams,
            market_stream: rng::stream(seed, replication, rng::MARKET_STREAM),
            hire_streams,
            observed_cutoff: None,
            short: Vec::new(),
        }
    }
}

/// The tenure of a slot's occupant drawn by inversion of `u`: a hire of tenure `k`
/// (0 <= k < `ramp_periods`) with probability `quit (1 - quit)^k`, else the incumbent.
fn stationary_tenure(incumbent: u32, quit: f64, ramp_periods: u32, u: f64) -> u32 {
    let mut cdf = 0.0;
    let mut p = quit;
    for k in 0..ramp_periods.min(incumbent) {
        cdf += p;
        if u < cdf {
            return k;
        }
        p *= 1.0 - quit;
    }
    incumbent
}

/// What one period produced, summed over the team.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PeriodRecord {
    /// Revenue.
    pub revenue: f64,
    /// New customers.
    pub new_customers: f64,
    /// Converted new customers.
    pub converted: f64,
    /// Sum of satisfaction scores.
    pub satisfaction_sum: f64,
    /// Incentive cost booked.
    pub incentive_cost: f64,
    /// Sum of acquisition efforts.
    pub effort_acquisition_sum: f64,
    /// Sum of service efforts.
    pub effort_service_sum: f64,
    /// Reps who left.
    pub leavers: f64,
    /// Customers in the books at the end.
    pub book: f64,
    /// Rep-periods simulated.
    pub rep_periods: f64,
    /// Reps' cost of effort, in money: the sum of k/2 (h^2 + f^2).
    pub effort_cost_sum: f64,
    /// Reps' risk premium on their pay, in money.
    pub risk_premium_sum: f64,
}

/// Totals of a replication over the simulated periods.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Totals {
    /// Sums of the period records.
    pub sum: PeriodRecord,
    /// Incentive cost by mechanism.
    pub cost_by_mechanism: [f64; 6],
    /// Rep-cycles at or above 100 % attainment.
    pub hits: f64,
    /// Rep-cycles completed.
    pub rep_cycles: f64,
    /// Cycles in which the team reached 100 %.
    pub team_hits: f64,
    /// Cycles completed.
    pub cycles: f64,
    /// Promotions granted.
    pub promotions: f64,
    /// Sum of the reps' targets of the cycles opened (what the rounds report attainment against).
    pub targets: Kpis,
    /// Sum over rep-periods of the ability of the rep in the slot.
    pub ability_sum: f64,
    /// Sum of the leavers' abilities.
    pub leaver_ability_sum: f64,
    /// Sum of the hires' abilities.
    pub hire_ability_sum: f64,
    /// Deal timing (docs/model.md section 8.8): deal revenue produced, before any moved.
    pub deals: f64,
    /// Deal revenue pulled into a cycle (before the discount).
    pub pulled: f64,
    /// Deal revenue pushed into the next cycle (before the loss).
    pub pushed: f64,
    /// Revenue lost to timing: discounts on pulled deals and pushed deals lost.
    pub timing_lost: f64,
    /// Revenue of the cycles whose close let deals move (as booked, after the moves).
    pub timing_cycle_revenue: f64,
    /// Deal revenue produced in those cycles, before any moved.
    pub timing_cycle_deals: f64,
}

/// Most positions in a cycle (a year of months).
pub const CYCLE_POSITIONS: usize = crate::behaviour::MAX_CYCLE;

/// Deal timing's tallies by position in the cycle (period of the cycle, from 0).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TimingPosition {
    /// Deal revenue produced in periods at this position.
    pub deals: f64,
    /// Of it, revenue pulled into the previous cycle (as realised).
    pub pulled_out: f64,
    /// Of it, revenue pushed into the next cycle.
    pub pushed_out: f64,
}

/// Reusable buffers of the hot loop, and what it reads that does not change between
/// replications (the funnel's tables, the cycles' targets where none ratchets): a
/// workspace serves the model it was made for.
#[derive(Clone, Debug)]
pub struct Workspace {
    /// Per-period records of the last simulated stretch.
    pub periods: Vec<PeriodRecord>,
    ranking: Vec<(f64, u32)>,
    leaving: Vec<bool>,
    training: Vec<bool>,
    /// What the outcome model's draws read.
    draws: OutcomeDraws,
    /// The kernel the draws run on.
    kernel: Kernel,
    /// Who decides who leaves: the quit hazards, or a recorded run (selection's decomposition).
    pub(crate) turnover: Turnover,
    /// Who left in each period of a recorded run (`t * R + j`).
    pub(crate) turnover_log: Vec<bool>,
    /// The hire (ability, type) in each period of a recorded run (`t * R + j`; with a
    /// hiring pool): replayed with who left, so the same people join.
    pub(crate) hire_log: Vec<(f64, u32)>,
    /// What outputs by rep record, in their own simulation only (docs/model.md section 13.1).
    pub(crate) recorder: Option<Box<super::by_rep::Recorder>>,
    /// Deal revenue of each rep in each period of the cycle's last window (`j * window + k`).
    timing_window: Vec<f64>,
    /// Deal timing by position in the cycle, summed over the stretch simulated.
    pub timing_positions: [TimingPosition; CYCLE_POSITIONS],
    /// The team's deal revenue so far in the cycle, before any moved.
    timing_cycle_deals: f64,
    /// Each slot's targets of each cycle `(from, to)` opened, where no target
    /// ratchets: they are then a function of the slot and the cycle alone, the same in
    /// every replication, so a workspace computes them once for its replications
    /// (computed at every opening, they were 4 % of the default's run).
    cycle_targets: Vec<((u32, u32), Vec<Kpis>)>,
}

/// What the outcome model's draws read, made with the workspace.
#[derive(Clone, Debug)]
enum OutcomeDraws {
    /// The funnel's parameters and tables.
    Funnel(FunnelTables),
    /// The linear-normal model's noise.
    LinearNormal {
        /// Standard deviation of a rep-period's output noise.
        noise_sd: f64,
    },
}

/// Who decides which reps leave in a simulation (docs/model.md section 10.1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Turnover {
    /// Each rep leaves when the attrition uniform is below the policy's hazard.
    #[default]
    Hazard,
    /// As [`Turnover::Hazard`], and who left is recorded in the workspace's log.
    Record,
    /// Who left is replayed from the log: the team's composition of the recorded run.
    Replay,
}

impl Workspace {
    /// A workspace sized for `model`.
    pub fn new(model: &Model) -> Self {
        let n = model.reps().len();
        let draws = match model.outcome() {
            Outcome::Funnel(f) => OutcomeDraws::Funnel(FunnelTables::new(f)),
            &Outcome::LinearNormal { noise_sd } => OutcomeDraws::LinearNormal { noise_sd },
        };
        Workspace {
            draws,
            kernel: Kernel::in_use(),
            periods: vec![PeriodRecord::default(); model.periods() as usize],
            ranking: Vec::with_capacity(n),
            leaving: vec![false; n],
            training: vec![false; n],
            turnover: Turnover::Hazard,
            turnover_log: Vec::new(),
            hire_log: Vec::new(),
            recorder: None,
            timing_window: match model.rules().deal_timing {
                Some(d) => vec![0.0; n * d.window as usize],
                None => Vec::new(),
            },
            timing_positions: [TimingPosition::default(); CYCLE_POSITIONS],
            timing_cycle_deals: 0.0,
            cycle_targets: Vec::new(),
        }
    }

    /// Each slot's targets of the cycle `[from, to)` where no target ratchets
    /// ([`Model::cycle_targets`] of the slot's rep), computed at the cycle's first
    /// opening in this workspace; None where targets ratchet.
    fn cycle_targets(&mut self, model: &Model, from: u32, to: u32) -> Option<&[Kpis]> {
        if model.targets_ratchet() {
            return None;
        }
        let at = match self
            .cycle_targets
            .iter()
            .position(|(c, _)| *c == (from, to))
        {
            Some(at) => at,
            None => {
                let targets = model
                    .reps()
                    .iter()
                    .map(|rep| model.cycle_targets(rep, from, to, None))
                    .collect();
                self.cycle_targets.push(((from, to), targets));
                self.cycle_targets.len() - 1
            }
        };
        Some(&self.cycle_targets[at].1)
    }
}

/// The team's score: the plan's score of the team's summed KPIs against its summed
/// targets, where `kpis` picks a rep's (actual, target) pair.
fn team_score(plan: &Plan, reps: &[RepState], kpis: impl Fn(&RepState) -> (Kpis, Kpis)) -> f64 {
    let (mut actual, mut target) = (Kpis::ZERO, Kpis::ZERO);
    for st in reps {
        let (a, t) = kpis(st);
        actual.add(a);
        target.add(t);
    }
    plan.score(actual, target)
}

/// Simulates replication `replication` of `plan` (solved as `policy`) over the whole
/// horizon from the team's start, with the workspace's settings (turnover, recorder),
/// and returns its totals: what every whole run of one replication shares.
pub fn whole_horizon(
    model: &Model,
    plan: &Plan,
    policy: &Policy,
    seed: u64,
    replication: u64,
    ws: &mut Workspace,
) -> Totals {
    let start = TeamState::initial(model, seed, replication);
    whole_horizon_from(model, plan, policy, start, ws)
}

/// [`whole_horizon`] from a given start of the team (a replication's
/// [`TeamState::initial`], drawn once where several plans run on it).
pub fn whole_horizon_from(
    model: &Model,
    plan: &Plan,
    policy: &Policy,
    mut state: TeamState,
    ws: &mut Workspace,
) -> Totals {
    let mut totals = Totals::default();
    simulate(
        model,
        plan,
        policy,
        &mut state,
        model.periods(),
        ws,
        &mut totals,
    );
    totals
}

/// Simulates periods `[state.period, to)` of one replication under `plan`, adding to `totals`
/// and writing each period's record into `ws.periods`.
///
/// Each period runs the stages of docs/model.md section 7, in its order: the market,
/// opening a cycle (targets; the shorter cycle's too where the plan has one), choosing
/// trainees, each rep's period (effort, outcomes, per-period pay, the decision to
/// leave, tallies), closing the shorter cycle (its mechanisms' pay), closing a cycle
/// (cycle pay, the tournament), the salary review, training, and replacing leavers.
pub fn simulate(
    model: &Model,
    plan: &Plan,
    policy: &Policy,
    state: &mut TeamState,
    to: u32,
    ws: &mut Workspace,
    totals: &mut Totals,
) {
    let market = MarketShock::new(model);
    let len = plan.cycle_len;
    while state.period < to {
        let t = state.period;
        let demand = market.demand(model, state, t);
        let cycle_start = (t / len) * len;
        let cycle_end = (cycle_start + len).min(model.periods());
        if t == cycle_start || t == policy.start() {
            open_cycle(
                model,
                state,
                cycle_start.max(policy.start()),
                cycle_end,
                ws,
                totals,
            );
        }
        // The shorter cycle nests in the plan's: it opens with it and at its own starts.
        let short_end = plan.short_cycle_len.map(|s| {
            let start = (t / s) * s;
            let end = (start + s).min(model.periods());
            if t == start || t == policy.start() {
                open_short_cycle(model, state, start.max(policy.start()), end);
            }
            end
        });
        if let Some(r) = ws.recorder.as_deref_mut() {
            r.period_of_cycle((t - cycle_start) as usize);
        }
        let session = plan.training.as_ref().filter(|tr| tr.in_period(t));
        if let Some(tr) = session {
            select_trainees(&state.reps, tr, &mut ws.ranking, &mut ws.training);
        }
        let mut rec = PeriodRecord {
            rep_periods: model.reps().len() as f64,
            ..PeriodRecord::default()
        };
        let timing = model.rules().deal_timing;
        if timing.is_some() && t == cycle_start {
            book_carried(model, state, ws, &mut rec);
        }
        let period = Period {
            t,
            demand,
            session,
            cycle_start,
            cycle_end,
        };
        rep_periods(model, plan, policy, state, ws, &period, &mut rec, totals);
        if short_end == Some(t + 1) {
            close_short_cycle(plan, state, ws, &mut rec, totals);
        }
        if t + 1 == cycle_end {
            // Nothing after the horizon is simulated: deals move at every close but its last.
            if let Some(dt) = timing.filter(|_| cycle_end < model.periods()) {
                shift_deals(model, plan, policy, &dt, state, ws, &mut rec, totals);
            }
            let months = (cycle_end - cycle_start.max(policy.start())) as f64;
            close_cycle(plan, state, months, ws, &mut rec, totals);
        }
        review_salaries(plan, state, t, cycle_end, ws, &mut rec, totals);
        if let Some(tr) = session {
            train(model, tr, state, ws, &mut rec, totals);
        }
        replace_leavers(model, policy, state, ws, &mut rec, totals);
        add_record(&mut totals.sum, &rec);
        ws.periods[t as usize] = rec;
        state.period += 1;
    }
}

/// The common market shock: log-AR(1) around a drift that makes the factor mean one
/// (docs/model.md section 2).
struct MarketShock {
    sd: f64,
    persistence: f64,
    innovation_sd: f64,
    drift: f64,
}

impl MarketShock {
    fn new(model: &Model) -> Self {
        let m = model.market();
        let rho = m.persistence;
        MarketShock {
            sd: m.shock_sd,
            persistence: rho,
            innovation_sd: m.shock_sd * (1.0 - rho * rho).sqrt(),
            drift: -0.5 * m.shock_sd * m.shock_sd,
        }
    }

    /// Draws period `t`'s shock from the market's stream (the first from the
    /// stationary distribution) and returns the demand factor: season x market.
    #[inline]
    fn demand(&self, model: &Model, state: &mut TeamState, t: u32) -> f64 {
        let z = rng::std_normal(rng::open_uniform(state.market_stream.next_u64()));
        state.shock = if state.shock.is_nan() {
            self.sd * z
        } else {
            self.persistence * state.shock + self.innovation_sd * z
        };
        model.market().season_at(t) * (state.shock + self.drift).exp()
    }
}

/// Opens the cycle `[from, to)`: each rep's targets (the workspace's, where they do not
/// depend on the replication), its cycle tallies reset, the targets added to the review
/// window's.
fn open_cycle(
    model: &Model,
    state: &mut TeamState,
    from: u32,
    to: u32,
    ws: &mut Workspace,
    totals: &mut Totals,
) {
    let open = |st: &mut RepState, target: Kpis, totals: &mut Totals| {
        st.cycle_target = target;
        st.cycle = Kpis::ZERO;
        st.cycle_new_revenue = 0.0;
        st.review_target.add(target);
        totals.targets.add(target);
    };
    match ws.cycle_targets(model, from, to) {
        Some(targets) => {
            for (st, &target) in state.reps.iter_mut().zip(targets) {
                open(st, target, totals);
            }
        }
        None => {
            for (st, rep) in state.reps.iter_mut().zip(model.reps()) {
                let target = model.cycle_targets(rep, from, to, st.last_cycle);
                open(st, target, totals);
            }
        }
    }
}

/// Opens the shorter cycle `[from, to)` of a plan with two cycles: each rep's targets
/// over its periods (the same target formula as the plan's cycle), its tallies reset.
fn open_short_cycle(model: &Model, state: &mut TeamState, from: u32, to: u32) {
    // Sized once per replication, at its first shorter cycle.
    state
        .short
        .resize(model.reps().len(), ShortCycleState::default());
    for (sc, rep) in state.short.iter_mut().zip(model.reps()) {
        *sc = ShortCycleState {
            so_far: Kpis::ZERO,
            new_revenue: 0.0,
            target: model.cycle_targets(rep, from, to, None),
        };
    }
}

/// What one rep's period produced (docs/model.md section 3).
#[derive(Clone, Copy, Default)]
struct RepOutcome {
    revenue: f64,
    new_customers: f64,
    converted: u32,
    /// First-month revenue of the conversions.
    new_revenue: f64,
    satisfaction: f64,
}

/// What every rep's period shares: the period, its demand factor (season x market)
/// and its training session, if any.
struct Period<'a> {
    t: u32,
    demand: f64,
    session: Option<&'a Training>,
    /// First period of the cycle.
    cycle_start: u32,
    /// The period after the cycle's last.
    cycle_end: u32,
}

/// Every rep's period, in slot order (docs/model.md section 7, step 4).
#[allow(clippy::too_many_arguments)]
#[inline]
fn rep_periods(
    model: &Model,
    plan: &Plan,
    policy: &Policy,
    state: &mut TeamState,
    ws: &mut Workspace,
    period: &Period<'_>,
    rec: &mut PeriodRecord,
    totals: &mut Totals,
) {
    let Period {
        t,
        demand,
        session,
        cycle_start,
        cycle_end,
    } = *period;
    let timing = model.rules().deal_timing;
    let team_bonus = plan.team_bonus();
    let max_promotions = plan.promotion.as_ref().map_or(0, |p| p.max_promotions);
    let team_so_far = if team_bonus {
        team_score(plan, &state.reps, |st| (st.cycle, st.cycle_target))
    } else {
        0.0
    };
    let n = model.reps().len();
    let two_cycles = plan.short_cycle_len.is_some();
    let TeamState {
        reps,
        streams,
        short: short_cycle,
        ..
    } = state;
    // Reps in chunks of LANES: each rep's effort and uniforms first, then the chunk's
    // draws at once (the vectorised kernel), then each rep's pay and tallies in slot
    // order, so that every sum adds in the order it always has. One chunk's buffers
    // serve every chunk: the lanes past the last rep keep an earlier rep's inputs,
    // whose draws are ignored as padding's are.
    let mut chunk = Chunk::default();
    for first in (0..n).step_by(LANES) {
        let last = (first + LANES).min(n);
        ws.kernel
            .uniforms(streams, first, &mut chunk.inputs.uniforms);
        for j in first..last {
            let (i, st) = (j - first, &reps[j]);
            // The effort and quit hazard the policy table gives the rep's state.
            let eligible = st.promotions < max_promotions;
            let so_far = || {
                if team_bonus {
                    team_so_far
                } else {
                    plan.score(st.cycle, st.cycle_target)
                }
            };
            chunk.cell[i] = if two_cycles {
                let sc = &short_cycle[j];
                let short = plan.score(sc.so_far, sc.target);
                policy.cell_two_cycles(st.row as usize, t, eligible, short, so_far())
            } else {
                policy.cell_at(st.row as usize, t, eligible, so_far)
            };
            chunk.eligible[i] = eligible;
            let time_left = match session {
                Some(tr) if ws.training[j] => 1.0 - tr.time_share,
                _ => 1.0,
            };
            chunk.productivity[i] =
                st.ability * st.skill * model.rules().ramp(st.tenure) * demand * time_left;
        }
        outcomes(ws, &mut reps[first..last], &mut chunk);
        let promotion = promotion_chances(plan, &chunk);
        for j in first..last {
            let i = j - first;
            let (st, rep) = (&mut reps[j], &model.reps()[j]);
            let cell = &chunk.cell[i];
            let u = |source: usize| chunk.inputs.uniforms[source][i];
            let mut out = chunk.outcomes[i];
            if let Some(dt) = &timing {
                time_deals(
                    model,
                    dt,
                    ws,
                    j,
                    st,
                    (t, cycle_start, cycle_end),
                    &mut out,
                    totals,
                );
            }
            let cost_before = rec.incentive_cost;
            pay_per_customer(plan, &out, rec, totals);
            if let Some((p, chances)) = &promotion {
                if u(source::PROMOTION) < chances[i] {
                    promote(p, plan.raise_horizon, st, rec, totals);
                }
            }
            if let Some(r) = ws.recorder.as_deref_mut() {
                r.rep_month(st.ability, cell.acquisition, st.salary);
                r.revenue(st.ability, out.revenue);
                r.pay(j, st.ability, rec.incentive_cost - cost_before);
            }
            let leaves = u(source::ATTRITION) < cell.quit_hazard;
            ws.leaving[j] = match ws.turnover {
                Turnover::Hazard => leaves,
                Turnover::Record => {
                    ws.turnover_log[t as usize * n + j] = leaves;
                    leaves
                }
                Turnover::Replay => ws.turnover_log[t as usize * n + j],
            };
            totals.ability_sum += st.ability;
            tally_rep_period(st, rep, cell, &out, rec);
            if two_cycles {
                let sc = &mut short_cycle[j];
                sc.so_far.add(Kpis {
                    revenue: out.revenue,
                    new_customers: out.new_customers,
                    satisfaction: out.satisfaction,
                });
                sc.new_revenue += out.new_revenue;
            }
            // The handover uniform is drawn for every rep-period to keep streams aligned.
            if ws.leaving[j] {
                st.book = rng::binomial(
                    st.book,
                    1.0 - model.rules().handover_loss,
                    u(source::HANDOVER),
                );
            }
        }
    }
}

/// A chunk of up to [`LANES`] reps' period before its draws: each rep's cell of the
/// policy table, eligibility for promotion and productivity, and the draws' inputs.
#[derive(Default)]
struct Chunk {
    cell: [Cell; LANES],
    eligible: [bool; LANES],
    productivity: [f64; LANES],
    /// The kernel's inputs, filled in place (the uniforms, by source and then rep,
    /// when the chunk starts; the rest by [`outcomes`]): copied, they were the hot
    /// loop's `memmove` calls.
    inputs: FunnelInputs,
    /// The chunk's outcomes, written by [`outcomes`].
    outcomes: [RepOutcome; LANES],
}

/// The outcomes of a chunk of reps' period at the efforts of their cells, written into
/// the chunk: leads, conversions, deal revenue, churn of the book and satisfaction
/// (funnel: the vectorised kernel draws them), or output (linear-normal). The book
/// loses its churned customers before it earns and gains the conversions after.
#[inline(always)]
fn outcomes(ws: &Workspace, reps: &mut [RepState], chunk: &mut Chunk) {
    let out = &mut chunk.outcomes;
    match &ws.draws {
        OutcomeDraws::Funnel(tables) => {
            let fun = tables.funnel();
            let x = &mut chunk.inputs;
            for (i, st) in reps.iter().enumerate() {
                let cell = &chunk.cell[i];
                x.mean_leads[i] =
                    fun.new_customers_per_effort * chunk.productivity[i] * cell.acquisition;
                x.service[i] = cell.service;
                x.book[i] = st.book;
            }
            let d = ws.kernel.funnel_draws(tables, x);
            for (i, st) in reps.iter_mut().enumerate() {
                st.book -= d.churned[i];
                let revenue = st.book as f64 * fun.recurring_revenue + d.new_revenue[i];
                st.book = st.book.saturating_add(d.converted[i]);
                out[i] = RepOutcome {
                    revenue,
                    new_customers: d.new_customers[i] as f64,
                    converted: d.converted[i],
                    new_revenue: d.new_revenue[i],
                    satisfaction: d.satisfaction[i],
                };
            }
        }
        &OutcomeDraws::LinearNormal { noise_sd } => {
            for (i, out) in out.iter_mut().enumerate().take(reps.len()) {
                out.revenue = chunk.productivity[i] * chunk.cell[i].acquisition
                    + noise_sd * rng::std_normal(chunk.inputs.uniforms[source::LEADS][i]);
            }
        }
    }
}

/// Pays the per-customer reward of a rep's period (docs/model.md section 5.2).
#[inline(always)]
fn pay_per_customer(plan: &Plan, out: &RepOutcome, rec: &mut PeriodRecord, totals: &mut Totals) {
    if let Some(pc) = &plan.per_customer {
        if !pc.gate_met(out.satisfaction) {
            return;
        }
        let pay = pc.payout(out.new_customers as u32, out.converted);
        totals.cost_by_mechanism[mechanism::PER_CUSTOMER] += pay;
        rec.incentive_cost += pay;
    }
}

/// Under a promotion by chance, the promotion and each lane's chance of it in the
/// chunk's period (docs/model.md section 5.4): `1 - (1 - p)^C` for an eligible rep
/// with `C` conversions, else zero (not eligible, or no conversion); None under any
/// other rule or none. A rep is promoted when its promotion uniform falls below it.
///
/// The lanes' powers are taken side by side, with no test of whether a rep converted
/// anyone: that test, and the length of a one-rep power's loop, were coin tosses to
/// the processor. `(1 - p)^0` is exactly one, so a lane without conversions gets zero.
#[inline(always)]
fn promotion_chances<'p>(plan: &'p Plan, chunk: &Chunk) -> Option<(&'p Promotion, [f64; LANES])> {
    let p = plan.promotion.as_ref()?;
    let PromotionRule::Chance(chance) = p.rule else {
        return None;
    };
    let converted: [u32; LANES] = std::array::from_fn(|i| {
        if chunk.eligible[i] {
            chunk.outcomes[i].converted
        } else {
            0
        }
    });
    let kept = vmath::powi_lanes(&[1.0 - chance; LANES], &converted);
    Some((p, kept.map(|kept| 1.0 - kept)))
}

/// Promotes a rep: books the raise's cost over the raise horizon, raises the salary.
#[inline(always)]
fn promote(
    p: &Promotion,
    raise_horizon: u32,
    st: &mut RepState,
    rec: &mut PeriodRecord,
    totals: &mut Totals,
) {
    let cost = p.cost(st.salary, raise_horizon);
    totals.cost_by_mechanism[mechanism::PROMOTION] += cost;
    rec.incentive_cost += cost;
    st.salary *= 1.0 + p.raise;
    st.level += 1;
    st.promotions += 1;
    totals.promotions += 1.0;
}

/// Adds a rep's period to its cycle and review tallies and to the period's record.
#[inline(always)]
fn tally_rep_period(
    st: &mut RepState,
    rep: &Rep,
    cell: &Cell,
    out: &RepOutcome,
    rec: &mut PeriodRecord,
) {
    let (h, f) = (cell.acquisition, cell.service);
    let achieved = Kpis {
        revenue: out.revenue,
        new_customers: out.new_customers,
        satisfaction: out.satisfaction,
    };
    st.cycle.add(achieved);
    st.cycle_new_revenue += out.new_revenue;
    st.review.add(achieved);
    rec.revenue += out.revenue;
    rec.new_customers += out.new_customers;
    rec.converted += out.converted as f64;
    rec.satisfaction_sum += out.satisfaction;
    rec.effort_acquisition_sum += h;
    rec.effort_service_sum += f;
    rec.effort_cost_sum += 0.5 * rep.effort_cost * (h * h + f * f);
    rec.risk_premium_sum += cell.risk_premium;
}

/// At a review month, raises each rep's salary by the adjustment its score and the
/// team's earn since the last review (docs/model.md section 5.5).
#[allow(clippy::too_many_arguments)]
fn review_salaries(
    plan: &Plan,
    state: &mut TeamState,
    t: u32,
    cycle_end: u32,
    ws: &mut Workspace,
    rec: &mut PeriodRecord,
    totals: &mut Totals,
) {
    let Some(sa) = &plan.salary_adjustment else {
        return;
    };
    if (t + 1) % sa.review_every != 0 {
        return;
    }
    let team = team_score(plan, &state.reps, |st| (st.review, st.review_target));
    for (j, st) in state.reps.iter_mut().enumerate() {
        let own = plan.score(st.review, st.review_target);
        let raise = sa.raise(own, team);
        let cost = raise * st.salary * plan.raise_horizon as f64;
        if let Some(r) = ws.recorder.as_deref_mut() {
            r.pay(j, st.ability, cost);
        }
        totals.cost_by_mechanism[mechanism::SALARY_ADJUSTMENT] += cost;
        rec.incentive_cost += cost;
        st.salary *= 1.0 + raise;
        st.review = Kpis::ZERO;
        // Targets of the cycle under way count towards the next review.
        let open = t + 1 != cycle_end;
        st.review_target = if open { st.cycle_target } else { Kpis::ZERO };
    }
}

/// Raises the trainees' skill and books the session's cost (docs/model.md section 5.6).
fn train(
    model: &Model,
    tr: &Training,
    state: &mut TeamState,
    ws: &mut Workspace,
    rec: &mut PeriodRecord,
    totals: &mut Totals,
) {
    for (j, st) in state.reps.iter_mut().enumerate() {
        if ws.training[j] {
            if let Some(r) = ws.recorder.as_deref_mut() {
                r.pay(j, st.ability, tr.cost);
            }
            st.skill = tr.trained_skill(st.skill, model.rules().max_skill);
            totals.cost_by_mechanism[mechanism::TRAINING] += tr.cost;
            rec.incentive_cost += tr.cost;
        }
    }
}

/// Replaces each leaver by a new hire at the rep's starting salary, level 0 and the
/// initial skill, with the slot's ability or, with a hiring pool, one drawn from the
/// pool (section 10.1: weighted by who takes the job under `policy`'s plan where
/// applicants respond; in a replayed run the recorded hire); the others' tenure grows
/// by one (docs/model.md section 10). Counts the leavers and the books at the period's
/// end.
fn replace_leavers(
    model: &Model,
    policy: &Policy,
    state: &mut TeamState,
    ws: &mut Workspace,
    rec: &mut PeriodRecord,
    totals: &mut Totals,
) {
    let n = state.reps.len();
    let t = state.period as usize;
    for (j, st) in state.reps.iter_mut().enumerate() {
        if ws.leaving[j] {
            rec.leavers += 1.0;
            totals.leaver_ability_sum += st.ability;
            let leaver = st.ability;
            if let Some(h) = model.hiring() {
                let (ability, g) = if ws.turnover == Turnover::Replay {
                    let (a, g) = ws.hire_log[t * n + j];
                    (a, g as usize)
                } else {
                    policy.hire(h, j, rng::open_uniform(state.hire_streams[j].next_u64()))
                };
                if ws.turnover == Turnover::Record {
                    ws.hire_log[t * n + j] = (ability, g as u32);
                }
                st.ability = ability;
                st.row = (n + j * h.type_count() + g) as u32;
            }
            totals.hire_ability_sum += st.ability;
            if let Some(r) = ws.recorder.as_deref_mut() {
                r.turnover(leaver, st.ability);
            }
            let rep = &model.reps()[j];
            st.skill = model.rules().initial_skill;
            st.salary = rep.base_salary;
            st.level = 0;
            st.tenure = 0;
            st.promotions = 0;
        } else {
            st.tenure += 1;
        }
        rec.book += st.book as f64;
    }
}

fn add_record(sum: &mut PeriodRecord, r: &PeriodRecord) {
    sum.revenue += r.revenue;
    sum.new_customers += r.new_customers;
    sum.converted += r.converted;
    sum.satisfaction_sum += r.satisfaction_sum;
    sum.incentive_cost += r.incentive_cost;
    sum.effort_acquisition_sum += r.effort_acquisition_sum;
    sum.effort_service_sum += r.effort_service_sum;
    sum.leavers += r.leavers;
    sum.book += r.book;
    sum.rep_periods += r.rep_periods;
    sum.effort_cost_sum += r.effort_cost_sum;
    sum.risk_premium_sum += r.risk_premium_sum;
}

/// Marks the reps trained this session: everyone, or the top share by last cycle's score.
fn select_trainees(
    reps: &[RepState],
    tr: &Training,
    ranking: &mut Vec<(f64, u32)>,
    chosen: &mut [bool],
) {
    if !tr.is_reward() {
        chosen.iter_mut().for_each(|c| *c = true);
        return;
    }
    ranking.clear();
    ranking.extend(
        reps.iter()
            .enumerate()
            .map(|(j, st)| (st.last_cycle_score, j as u32)),
    );
    ranking.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let k = tr.trainees(reps.len());
    chosen.iter_mut().for_each(|c| *c = false);
    for &(_, j) in &ranking[..k] {
        chosen[j as usize] = true;
    }
}

/// Pays cycle-based mechanisms, counts hits and runs the tournament at a cycle's end
/// (docs/model.md section 7, step 5). `months` is the cycle's length from its opening:
/// its mean satisfaction, which may gate or multiply the pay, is over them.
fn close_cycle(
    plan: &Plan,
    state: &mut TeamState,
    months: f64,
    ws: &mut Workspace,
    rec: &mut PeriodRecord,
    totals: &mut Totals,
) {
    let team = team_score(plan, &state.reps, |st| (st.cycle, st.cycle_target));
    totals.cycles += 1.0;
    if team >= 1.0 {
        totals.team_hits += 1.0;
    }
    // The scores are ranked only for a tournament.
    let tournament = plan.promotion.as_ref().and_then(|p| match p.rule {
        PromotionRule::Tournament(share) => Some((p, share)),
        PromotionRule::Chance(_) => None,
    });
    ws.ranking.clear();
    for (j, st) in state.reps.iter_mut().enumerate() {
        let own = plan.score(st.cycle, st.cycle_target);
        let cost_before = rec.incentive_cost;
        totals.rep_cycles += 1.0;
        // Without a branch: whether a rep hit the target is a coin toss to the processor.
        totals.hits += f64::from(u8::from(own >= 1.0));
        let bonus_score = match &plan.target_bonus {
            Some(b) if b.basis == Basis::Team => team,
            _ => own,
        };
        let (mut bonus, mut commission) = cycle_pay(
            plan,
            bonus_score,
            (st.cycle, st.cycle_new_revenue, st.cycle_target),
        );
        if let Some(sp) = &plan.satisfaction_pay {
            let factor = sp.factor(st.cycle.satisfaction / months);
            bonus *= factor;
            commission *= factor;
        }
        if plan.target_bonus.is_some() && !plan.bonus_on_short {
            totals.cost_by_mechanism[mechanism::TARGET_BONUS] += bonus;
            rec.incentive_cost += bonus;
        }
        if plan.commission.is_some() && !plan.commission_on_short {
            totals.cost_by_mechanism[mechanism::COMMISSION] += commission;
            rec.incentive_cost += commission;
        }
        if let Some(r) = ws.recorder.as_deref_mut() {
            r.cycle(st.ability, own);
            r.pay(j, st.ability, rec.incentive_cost - cost_before);
        }
        st.last_cycle = Some(st.cycle);
        st.last_cycle_score = own;
        if tournament.is_some() {
            ws.ranking.push((own, j as u32));
        }
    }
    if let Some((p, share)) = tournament {
        ws.ranking
            .sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let k = (share * state.reps.len() as f64).round() as usize;
        let mut promoted = 0;
        let mut lowest = f64::NAN;
        for &(s, j) in ws.ranking.iter() {
            if promoted == k {
                break;
            }
            let st = &mut state.reps[j as usize];
            if st.promotions >= p.max_promotions {
                continue;
            }
            let cost_before = rec.incentive_cost;
            promote(p, plan.raise_horizon, st, rec, totals);
            if let Some(r) = ws.recorder.as_deref_mut() {
                r.pay(j as usize, st.ability, rec.incentive_cost - cost_before);
            }
            promoted += 1;
            lowest = s;
        }
        if promoted > 0 {
            state.observed_cutoff = Some(lowest);
        }
    }
}

/// Pays the mechanisms on the shorter cycle of a plan with two cycles at that cycle's
/// end, each rep on its own score of the shorter cycle (docs/model.md section 7, step 5).
fn close_short_cycle(
    plan: &Plan,
    state: &TeamState,
    ws: &mut Workspace,
    rec: &mut PeriodRecord,
    totals: &mut Totals,
) {
    for (j, (st, sc)) in state.reps.iter().zip(&state.short).enumerate() {
        let score = plan.score(sc.so_far, sc.target);
        let (bonus, commission) = cycle_pay(plan, score, (sc.so_far, sc.new_revenue, sc.target));
        let cost_before = rec.incentive_cost;
        if plan.bonus_on_short {
            totals.cost_by_mechanism[mechanism::TARGET_BONUS] += bonus;
            rec.incentive_cost += bonus;
        }
        if plan.commission_on_short {
            totals.cost_by_mechanism[mechanism::COMMISSION] += commission;
            rec.incentive_cost += commission;
        }
        if let Some(r) = ws.recorder.as_deref_mut() {
            r.pay(j, st.ability, rec.incentive_cost - cost_before);
        }
    }
}

/// The target bonus (on `bonus_score`) and the commission a rep's cycle pays at its
/// close, from the cycle's KPIs, its conversions' first-month revenue and its targets
/// (docs/model.md sections 5.1 and 5.3).
#[inline]
fn cycle_pay(
    plan: &Plan,
    bonus_score: f64,
    (cycle, new_revenue, target): (Kpis, f64, Kpis),
) -> (f64, f64) {
    let bonus = plan
        .target_bonus
        .as_ref()
        .map_or(0.0, |b| b.payout(bonus_score));
    let commission = plan.commission.as_ref().map_or(0.0, |cm| match cm.on {
        CommissionBase::NewRevenue => cm.base_rate * new_revenue,
        CommissionBase::Revenue if target.revenue > 0.0 => {
            target.revenue * cm.payout(cycle.revenue / target.revenue)
        }
        CommissionBase::Revenue => cm.base_rate * cycle.revenue,
    });
    (bonus, commission)
}

/// True when moved deals are conversions' first-month revenue (funnel), so that a
/// commission on new revenue follows them; in the linear-normal model they are output.
#[inline]
fn deals_are_new_revenue(model: &Model) -> bool {
    matches!(model.outcome(), Outcome::Funnel(_))
}

/// Deal revenue of a rep's period: the conversions' first-month revenue (funnel) or
/// the output (linear-normal), what deal timing moves.
#[inline(always)]
fn deal_revenue(model: &Model, out: &RepOutcome) -> f64 {
    match model.outcome() {
        Outcome::Funnel(_) => out.new_revenue,
        Outcome::LinearNormal { .. } => out.revenue,
    }
}

/// Deal timing within a rep's period (docs/model.md section 8.8): removes the share of
/// its deals pulled into the last cycle, keeps the deals of the cycle's last window
/// (what a push can move), and tallies deals by position in the cycle.
#[allow(clippy::too_many_arguments)]
#[inline]
fn time_deals(
    model: &Model,
    dt: &DealTiming,
    ws: &mut Workspace,
    j: usize,
    st: &RepState,
    (t, cycle_start, cycle_end): (u32, u32, u32),
    out: &mut RepOutcome,
    totals: &mut Totals,
) {
    let deals = deal_revenue(model, out);
    let pulled = if t < st.pull_until {
        st.pull_share * deals
    } else {
        0.0
    };
    if pulled != 0.0 {
        out.revenue -= pulled;
        if deals_are_new_revenue(model) {
            out.new_revenue -= pulled;
        }
    }
    totals.deals += deals;
    ws.timing_cycle_deals += deals;
    let pos = &mut ws.timing_positions[((t - cycle_start) as usize).min(CYCLE_POSITIONS - 1)];
    pos.deals += deals;
    pos.pulled_out += pulled;
    let w = dt.window;
    if t + w >= cycle_end {
        let k = (t + w - cycle_end) as usize;
        ws.timing_window[j * w as usize + k] = deals - pulled;
    }
}

/// Books, at a cycle's first period, the revenue each rep pushed into it at the last
/// cycle's close (net of the expected loss) and clears the window's deals.
fn book_carried(model: &Model, state: &mut TeamState, ws: &mut Workspace, rec: &mut PeriodRecord) {
    let new_revenue = deals_are_new_revenue(model);
    for st in state.reps.iter_mut() {
        if st.carried != 0.0 {
            st.cycle.revenue += st.carried;
            if new_revenue {
                st.cycle_new_revenue += st.carried;
            }
            st.review.revenue += st.carried;
            rec.revenue += st.carried;
            st.carried = 0.0;
        }
    }
    ws.timing_window.iter_mut().for_each(|d| *d = 0.0);
    ws.timing_cycle_deals = 0.0;
}

/// At a cycle's close, before its pay: each staying rep moves deals across the cycle's
/// end by the shift that most raises its pay now plus the certainty equivalent of the
/// next cycle's pay (docs/model.md section 8.8). A pull is booked now at its discount
/// and taken from the next window's deals; a push leaves the cycle now and is booked,
/// less its expected loss, at the next cycle's start.
#[allow(clippy::too_many_arguments)]
fn shift_deals(
    model: &Model,
    plan: &Plan,
    policy: &Policy,
    dt: &DealTiming,
    state: &mut TeamState,
    ws: &mut Workspace,
    rec: &mut PeriodRecord,
    totals: &mut Totals,
) {
    let state_period = state.period;
    let new_revenue = if deals_are_new_revenue(model) {
        1.0
    } else {
        0.0
    };
    let cycle_end = state_period + 1;
    let w = dt.window as usize;
    for (j, (st, rep)) in state.reps.iter_mut().zip(model.reps()).enumerate() {
        if ws.leaving[j] {
            continue;
        }
        let close = CloseState {
            skill: st.skill,
            tenure: st.tenure + 1,
            book: st.book as f64,
            achieved: st.cycle,
        };
        let next = NextCycle::new(
            model,
            plan,
            policy,
            (st.row as usize, rep),
            cycle_end,
            &close,
            dt.window,
        );
        let window = &ws.timing_window[j * w..(j + 1) * w];
        let window_deals: f64 = window.iter().sum();
        let target = st.cycle_target;
        let pay = |now: f64| {
            let mut cycle = st.cycle;
            cycle.revenue += now;
            let score = plan.score(cycle, target);
            let converted = st.cycle_new_revenue + new_revenue * now;
            let (b, c) = cycle_pay(plan, score, (cycle, converted, target));
            b + c
        };
        let (pay_now, value_next) = (pay(0.0), next.value(plan, 0.0));
        let (shift, moved) = dt.choose(window_deals, next.pipeline(), |m| {
            pay(m.now) - pay_now + next.value(plan, m.next) - value_next
        });
        if moved.pulled == 0.0 && moved.pushed == 0.0 {
            continue;
        }
        st.cycle.revenue += moved.now;
        st.cycle_new_revenue += new_revenue * moved.now;
        st.review.revenue += moved.now;
        rec.revenue += moved.now;
        if shift.pull > 0.0 {
            st.pull_share = shift.pull;
            st.pull_until = cycle_end + dt.window;
        }
        if shift.push > 0.0 {
            st.carried = moved.pushed * (1.0 - dt.push_loss);
            let cycle_start = (state_period / plan.cycle_len) * plan.cycle_len;
            for (k, d) in window.iter().enumerate() {
                let p = (cycle_end as usize + k).checked_sub(w);
                if let Some(p) = p.filter(|&p| p >= cycle_start as usize) {
                    let pos = (p - cycle_start as usize).min(CYCLE_POSITIONS - 1);
                    ws.timing_positions[pos].pushed_out += shift.push * d;
                }
            }
        }
        totals.pulled += moved.pulled;
        totals.pushed += moved.pushed;
        totals.timing_lost += moved.lost(dt);
    }
    totals.timing_cycle_revenue += state.reps.iter().map(|st| st.cycle.revenue).sum::<f64>();
    totals.timing_cycle_deals += ws.timing_cycle_deals;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{default_scenario, parse_and_validate, DEFAULT_SCENARIO_TOML};

    /// Where no target ratchets, the workspace's targets of a cycle are the model's for
    /// every slot, whatever the slot achieved before (computed once, then looked up);
    /// where one ratchets, it keeps none.
    #[test]
    fn workspace_targets_are_the_models_where_none_ratchets() {
        let model = Model::new(&default_scenario());
        assert!(!model.targets_ratchet());
        let mut ws = Workspace::new(&model);
        let before = Kpis {
            revenue: 1.0,
            new_customers: 2.0,
            satisfaction: 3.0,
        };
        for (from, to) in [(0, 1), (3, 6), (0, 1), (11, 12)] {
            let cached = ws.cycle_targets(&model, from, to).expect("no ratchet");
            assert_eq!(cached.len(), model.reps().len());
            for (rep, target) in model.reps().iter().zip(cached) {
                assert_eq!(*target, model.cycle_targets(rep, from, to, Some(before)));
            }
        }
        assert_eq!(ws.cycle_targets.len(), 3, "each cycle computed once");
        let ratchet = DEFAULT_SCENARIO_TOML.replace(
            "revenue = { mode = \"uplift\", growth = 0.20 }",
            "revenue = { mode = \"ratchet\", growth = 0.20 }",
        );
        assert_ne!(ratchet, DEFAULT_SCENARIO_TOML);
        let model = Model::new(&parse_and_validate(&ratchet, "ratchet", None).expect("valid"));
        assert!(model.targets_ratchet());
        assert!(Workspace::new(&model).cycle_targets(&model, 0, 1).is_none());
    }
}
