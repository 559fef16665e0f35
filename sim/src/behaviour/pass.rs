//! One planning pass (docs/model.md section 8.4): periods solved in order, each rep's
//! best choice at every state of the period, and the planned (expected) path of the
//! team advanced with the reps' expected choices.
//!
//! Each period of a pass has four stages: open a cycle (targets, the cycle's tallies
//! reset); the team's view (every rep's forecast at the guide efforts, the team's
//! target and attainment so far); each rep's choices (grid and polish at each
//! eligibility and attainment, in parallel over reps) and expected choice; advance the
//! planned path by one period.

use rayon::prelude::*;

use super::choice::{
    best_effort, best_efforts, certainty_equivalent, quit_hazard, Choice, Context, Search,
};
use super::closed_loop::best_efforts_closed;
use super::forecast::{forecast, productivities, score, Forecast, ShortCycles};
use super::policy::{expected_cell, expected_cell_two, Cell, Policy, TableBuilder};
use super::{RepStart, ATTAINMENT_BUCKETS, ATTAINMENT_MAX, LONG_ATTAINMENT_POINTS};
use crate::model::{Kpis, Model, Outcome, Plan, Rep};
use crate::scenario::{Planning, TargetMode, TargetSpec};

/// The planned state of one rep as the planning pass walks the horizon.
#[derive(Clone, Debug)]
struct Planned {
    skill: f64,
    salary: f64,
    tenure: u32,
    book: f64,
    so_far: Kpis,
    /// Variance of the score so far in the cycle (attainment is random in the engine).
    var_so_far: f64,
    /// Variance of the sum of satisfaction scores so far in the cycle.
    satisfaction_var_so_far: f64,
    /// Expected book at the cycle's start, and the sum over the cycle's periods so far of
    /// the share of it still kept: across replications the book is Poisson, so it adds
    /// `(a_r rec)^2 book kept^2` to the variance of the score so far.
    cycle_book: f64,
    kept_sum: f64,
    kept: f64,
    target: Kpis,
    last_cycle: Option<Kpis>,
    /// Where the plan has two cycles, the shorter cycle's KPIs so far, the variance
    /// of its score so far, and its targets.
    short_so_far: Kpis,
    short_var_so_far: f64,
    short_target: Kpis,
}

impl Planned {
    /// A rep's planned state at the start of planning.
    fn new(rs: &RepStart) -> Self {
        Planned {
            skill: rs.skill,
            salary: rs.salary,
            tenure: rs.tenure,
            book: rs.book,
            so_far: Kpis::ZERO,
            var_so_far: 0.0,
            satisfaction_var_so_far: 0.0,
            cycle_book: 0.0,
            kept_sum: 0.0,
            kept: 1.0,
            target: Kpis::ZERO,
            last_cycle: rs.last_cycle,
            short_so_far: Kpis::ZERO,
            short_var_so_far: 0.0,
            short_target: Kpis::ZERO,
        }
    }

    /// Advances the rep's planned state by period `t` of the cycle ending at `end`, the
    /// rep (`j`) at effort `e`: expected KPIs, the score's variance, the book, tenure
    /// and skill; returns the period's forecast.
    #[allow(clippy::too_many_arguments)]
    fn advance(
        &mut self,
        model: &Model,
        plan: &Plan,
        j: usize,
        t: u32,
        end: u32,
        e: Cell,
        cv2: f64,
    ) -> Forecast {
        let prod = self.productivities(model, plan, j, t, t + 1);
        let fc = forecast(
            model,
            plan,
            &prod[..1],
            self.book,
            e.acquisition,
            e.service,
            cv2,
        );
        let expected = fc.expected();
        self.so_far.add(expected);
        self.var_so_far += score(plan, &fc, self.target, false).1;
        self.satisfaction_var_so_far += fc.v_sat;
        if plan.short_cycle_len.is_some() {
            self.short_so_far.add(expected);
            self.short_var_so_far += score(plan, &fc, self.short_target, false).1;
        }
        if let Outcome::Funnel(fun) = model.outcome() {
            self.kept *= 1.0 - fun.churn(e.service);
            self.kept_sum += self.kept;
        }
        self.book = fc.book_end;
        self.tenure += 1;
        if let Some(tr) = plan.training.as_ref().filter(|tr| tr.in_period(t)) {
            self.skill +=
                tr.share * (tr.trained_skill(self.skill, model.rules().max_skill) - self.skill);
        }
        if t + 1 == end {
            self.last_cycle = Some(self.so_far);
        }
        fc
    }

    /// Productivity of each period of `[t, end)` on the planned path.
    fn productivities(
        &self,
        model: &Model,
        plan: &Plan,
        j: usize,
        t: u32,
        end: u32,
    ) -> [f64; super::MAX_CYCLE] {
        productivities(
            model,
            plan,
            &model.reps()[j],
            self.skill,
            self.tenure,
            t,
            end,
        )
    }
}

/// The team's planned path as a pass walks the horizon.
struct PlannedPath {
    /// Each rep's planned state.
    reps: Vec<Planned>,
    /// The team's planned KPIs so far in the cycle.
    team_so_far: Kpis,
    /// Variance of the team's score so far in the cycle.
    team_var_so_far: f64,
    /// The first period of the cycle under way (or of its part from the start).
    cycle_from: u32,
}

/// What every rep sees of the team in one period: the forecasts at the guide
/// efforts over the rest of the cycle, the team's target and its attainment so far.
struct TeamView {
    /// Each rep's forecast at its guide effort.
    guide: Vec<Forecast>,
    /// Their sum.
    forecast: Forecast,
    /// The team's target of the cycle.
    target: Kpis,
    /// The team's planned attainment so far.
    so_far: f64,
    /// The variance the random starting books add to the team's score so far.
    book_variance: f64,
}

impl PlannedPath {
    fn new(start: &super::PlanningStart) -> Self {
        PlannedPath {
            reps: start.reps.iter().map(Planned::new).collect(),
            team_so_far: Kpis::ZERO,
            team_var_so_far: 0.0,
            cycle_from: start.period,
        }
    }

    /// Opens the cycle `[from, end)`: each rep's targets; the cycle's tallies reset.
    fn open_cycle(&mut self, model: &Model, from: u32, end: u32) {
        for (p, rep) in self.reps.iter_mut().zip(model.reps()) {
            p.target = model.cycle_targets(rep, from, end, p.last_cycle);
            p.so_far = Kpis::ZERO;
            p.var_so_far = 0.0;
            p.satisfaction_var_so_far = 0.0;
            p.cycle_book = p.book;
            p.kept_sum = 0.0;
            p.kept = 1.0;
        }
        self.team_so_far = Kpis::ZERO;
        self.team_var_so_far = 0.0;
        self.cycle_from = from;
    }

    /// Opens the shorter cycle `[from, end)` of a plan with two cycles: each rep's
    /// targets over it, its tallies reset.
    fn open_short_cycle(&mut self, model: &Model, from: u32, end: u32) {
        for (p, rep) in self.reps.iter_mut().zip(model.reps()) {
            p.short_target = model.cycle_targets(rep, from, end, None);
            p.short_so_far = Kpis::ZERO;
            p.short_var_so_far = 0.0;
        }
    }

    /// The team's view in period `t` of the cycle ending at `end`, each rep at its
    /// `guide` effort.
    fn team_view(
        &self,
        model: &Model,
        plan: &Plan,
        t: u32,
        end: u32,
        guide: impl Fn(usize) -> Cell + Sync,
    ) -> TeamView {
        let mut target = Kpis::ZERO;
        for p in &self.reps {
            target.add(p.target);
        }
        let remaining = (end - t) as usize;
        let cv2 = model.market().cv2();
        // Each rep's forecast in parallel (serially, a 100,000-rep team spent 35-55 ms a
        // pass here); they are summed below in the reps' order, as before.
        let guide: Vec<Forecast> = self
            .reps
            .par_iter()
            .enumerate()
            .map(|(j, p)| {
                let e = guide(j);
                let prod = p.productivities(model, plan, j, t, end);
                forecast(
                    model,
                    plan,
                    &prod[..remaining],
                    p.book,
                    e.acquisition,
                    e.service,
                    cv2,
                )
            })
            .collect();
        let mut team = Forecast::default();
        for fc in &guide {
            team.add(fc);
        }
        TeamView {
            forecast: team,
            guide,
            target,
            so_far: plan.score(self.team_so_far, target),
            book_variance: self
                .reps
                .iter()
                .map(|p| book_variance(model, plan, p, target))
                .sum(),
        }
    }

    /// Advances the planned path by period `t` of the cycle ending at `end`, each rep
    /// at its expected `choice`: expected KPIs, the score's variance, the book, tenure
    /// and skill.
    fn advance(
        &mut self,
        model: &Model,
        plan: &Plan,
        t: u32,
        end: u32,
        team_target: Kpis,
        choice: impl Fn(usize) -> Cell + Sync,
    ) {
        let cv2 = model.market().cv2();
        // Each rep advances on its own, in parallel; the team's sums are then taken in
        // the reps' order, so they are the same bit for bit as a serial walk's.
        let forecasts: Vec<Forecast> = self
            .reps
            .par_iter_mut()
            .enumerate()
            .map(|(j, p)| p.advance(model, plan, j, t, end, choice(j), cv2))
            .collect();
        let mut team_period = Forecast::default();
        for fc in &forecasts {
            self.team_so_far.add(fc.expected());
            team_period.add(fc);
        }
        self.team_var_so_far += score(plan, &team_period, team_target, false).1;
    }
}

/// The variance the random starting book adds to the score so far (against `target`):
/// the book at the cycle's start is Poisson across replications (variance = mean), and
/// the revenue it has brought so far is `rec x kept_sum` per customer.
fn book_variance(model: &Model, plan: &Plan, p: &Planned, target: Kpis) -> f64 {
    match model.outcome() {
        Outcome::Funnel(fun) => {
            let (ar, _) = plan.score_coefficients(target);
            let per_customer = ar * fun.recurring_revenue * p.kept_sum;
            per_customer * per_customer * p.cycle_book
        }
        Outcome::LinearNormal { .. } => 0.0,
    }
}

/// One planning pass from `start` under the tournament cut-off belief `cutoff`; with
/// a `guide`, each rep expects the others to follow its planned efforts (`guide[j][k]`
/// for period `start.period + k`), else the reference effort.
///
/// With `sharing`, reps whose planning inputs are identical bit for bit ([`rep_types`])
/// are solved once and share their rows of the table: the same table as solving each.
pub(super) fn solve_pass(
    model: &Model,
    plan: &Plan,
    start: &super::PlanningStart,
    guide: Option<&Vec<Vec<Cell>>>,
    cutoff: f64,
    search: Search<'_>,
    sharing: bool,
) -> Policy {
    let t0 = start.period;
    let periods = model.periods() - t0;
    let len = plan.cycle_len;
    let eligibility_states = if plan.promotion_capped() { 2 } else { 1 };
    let reference = Cell::reference(model);
    let training_cutoff = super::equilibrium::training_cutoff(model, plan, start);
    let mut path = PlannedPath::new(start);
    let (types, representatives) = if sharing {
        rep_types(model, start, guide)
    } else {
        let n = model.reps().len();
        ((0..n as u32).collect(), (0..n).collect())
    };
    let mut table = TableBuilder::new(types, periods, eligibility_states);
    for t in t0..model.periods() {
        let cycle_start = (t / len) * len;
        let end = (cycle_start + len).min(model.periods());
        let first_of_cycle = t == cycle_start || t == t0;
        if first_of_cycle {
            path.open_cycle(model, cycle_start.max(t0), end);
        }
        // The shorter cycle of a plan with two, nested in the plan's.
        let short = plan.short_cycle_len.map(|s| {
            let start = (t / s) * s;
            let first = t == start || t == t0;
            if first {
                path.open_short_cycle(model, start.max(t0), (start + s).min(end));
            }
            (s, first)
        });
        let k = (t - t0) as usize;
        let team = path.team_view(model, plan, t, end, |j| {
            guide.map_or(reference, |g| g[j][k])
        });
        // One cell at the planned attainment where it is certain (a cycle's first
        // period) or the cycle is one period; else a cell per attainment bucket.
        let buckets = if first_of_cycle || len == 1 {
            1
        } else {
            ATTAINMENT_BUCKETS
        };
        // With two cycles the first axis is the shorter cycle's attainment, likewise one
        // cell at its first period, and the second the plan cycle's, one point at its
        // first period (docs/model.md section 8.4).
        let (buckets, long_points) = match short {
            None => (buckets, 1),
            Some((s, first)) => (
                if first || s == 1 {
                    1
                } else {
                    ATTAINMENT_BUCKETS
                },
                if first_of_cycle {
                    1
                } else {
                    LONG_ATTAINMENT_POINTS
                },
            ),
        };
        let period = Period {
            t,
            end,
            buckets,
            eligibility_states,
            cutoff,
            search,
            training_cutoff,
            long_points,
        };
        // One solve per type, by its first rep: reps of a type have the same planned
        // state in every period, since their inputs and their choices are the same.
        table.push_with(buckets, long_points, |cells, planned, width| {
            cells
                .par_chunks_mut(width)
                .zip(planned.par_iter_mut())
                .zip(representatives.par_iter())
                .for_each(|((cells, planned), &j)| {
                    let (solved, planned_cell) = rep_choices(model, plan, &path, &team, &period, j);
                    cells.copy_from_slice(&solved);
                    *planned = planned_cell;
                });
        });
        path.advance(model, plan, t, end, team.target, |j| table.planned(j, k));
    }
    table.finish(t0, periods, cutoff)
}

/// Each rep's type and each type's first rep: reps are of one type when every input of
/// a pass that differs between reps is identical bit for bit (the rep's traits and
/// calibrated state, its planning start and, in later passes, its guide efforts), so a
/// pass computes the same cells for them. Types are numbered in order of their first rep.
///
/// Reps are looked up by a hash of their inputs' bits, and a rep joins a type only when
/// its inputs equal the type's first rep's in full, so a collision of hashes never
/// merges two types; no rep's inputs are kept beyond the lookup.
fn rep_types(
    model: &Model,
    start: &super::PlanningStart,
    guide: Option<&Vec<Vec<Cell>>>,
) -> (Vec<u32>, Vec<usize>) {
    let key = |j: usize, key: &mut Vec<u64>| {
        key.clear();
        rep_bits(&model.reps()[j], key);
        start_bits(&start.reps[j], key);
        for c in guide.map_or(&[][..], |g| &g[j][..]) {
            cell_bits(c, key);
        }
    };
    let n = model.reps().len();
    // Each rep's hash in parallel (Fx-style mixing of the words: fast, and collisions
    // are resolved below); the types are then numbered in the reps' order.
    let hashes: Vec<u64> = (0..n)
        .into_par_iter()
        .map_init(Vec::new, |mine, j| {
            key(j, mine);
            mine.iter().fold(0u64, |h, &w| {
                (h.rotate_left(5) ^ w).wrapping_mul(0x517c_c1b7_2722_0a95)
            })
        })
        .collect();
    let mut by_hash: std::collections::HashMap<u64, Vec<u32>> =
        std::collections::HashMap::with_capacity(n);
    let mut representatives: Vec<usize> = Vec::new();
    let mut types = Vec::with_capacity(n);
    let (mut mine, mut theirs) = (Vec::new(), Vec::new());
    for (j, &hash) in hashes.iter().enumerate() {
        let candidates = by_hash.entry(hash).or_default();
        if !candidates.is_empty() {
            key(j, &mut mine);
        }
        let found = candidates.iter().copied().find(|&g| {
            key(representatives[g as usize], &mut theirs);
            theirs == mine
        });
        let g = found.unwrap_or_else(|| {
            representatives.push(j);
            let g = (representatives.len() - 1) as u32;
            candidates.push(g);
            g
        });
        types.push(g);
    }
    (types, representatives)
}

/// Appends the bits of every field of `rep` a pass may read (all but the id). The
/// destructuring names every field, so a field added to [`Rep`] must be added here.
fn rep_bits(rep: &Rep, key: &mut Vec<u64>) {
    let Rep {
        id: _,
        ability,
        effort_cost,
        risk_aversion,
        promotion_value,
        outside_option,
        base_salary,
        level,
        tenure,
        tenure_given,
        quit_hazard,
        book,
        book_given,
        run_rate_revenue,
        run_rate_new_customers,
    } = rep;
    key.extend(
        [
            ability,
            effort_cost,
            risk_aversion,
            promotion_value,
            outside_option,
            base_salary,
            quit_hazard,
            book,
            run_rate_revenue,
            run_rate_new_customers,
        ]
        .map(|x| x.to_bits()),
    );
    key.extend([
        u64::from(*level),
        u64::from(*tenure),
        u64::from(*tenure_given),
        u64::from(*book_given),
    ]);
}

/// Appends the bits of a rep's planning start (every field, named as in [`rep_bits`]).
fn start_bits(rs: &RepStart, key: &mut Vec<u64>) {
    let RepStart {
        skill,
        salary,
        tenure,
        book,
        promotions,
        last_cycle,
    } = rs;
    key.extend([skill, salary, book].map(|x| x.to_bits()));
    key.extend([u64::from(*tenure), u64::from(*promotions)]);
    match last_cycle {
        None => key.push(0),
        Some(Kpis {
            revenue,
            new_customers,
            satisfaction,
        }) => key.extend([
            1,
            revenue.to_bits(),
            new_customers.to_bits(),
            satisfaction.to_bits(),
        ]),
    }
}

/// Appends the bits of a guide cell ([`Cell::to_bits`]: every field).
fn cell_bits(c: &Cell, key: &mut Vec<u64>) {
    key.extend(c.to_bits());
}

/// The shadow prices of output in the cycle ending at `end` for a rep who foresees a
/// ratchet (docs/model.md section 8.7): for each KPI whose target ratchets, discount x
/// (1 + growth) x minus the derivative of the next cycle's certainty equivalent with
/// respect to its target, at the next cycle's best effort (by the envelope theorem the
/// effort's own response does not enter) and at the target this cycle's planned total
/// implies (the rep's myopic best effort for the rest of the cycle). Zero for myopic
/// reps, in the horizon's last cycle, and for targets that do not ratchet.
fn ratchet_shadow(ctx: &Context<'_>, p: &Planned, t: u32, end: u32) -> Kpis {
    let model = ctx.model;
    let discount = model.foresight();
    let ratchets = |s: &TargetSpec| s.mode == TargetMode::Ratchet;
    let any = ratchets(model.revenue_target()) || ratchets(model.new_customer_target());
    if discount == 0.0 || !any || end >= model.periods() {
        return Kpis::ZERO;
    }
    let next_end = (end + ctx.plan.cycle_len).min(model.periods());
    // The cycle's planned total at the myopic best effort for its remaining periods.
    let x = if ctx.plan.team_bonus() {
        ctx.team_attainment_so_far
    } else {
        ctx.own_attainment_so_far
    };
    let (h, f, _, _) = best_effort(ctx, x);
    let rest = forecast(
        model,
        ctx.plan,
        &ctx.productivity[..ctx.remaining],
        p.book,
        h,
        f,
        ctx.cv2,
    );
    let mut total = p.so_far;
    total.add(rest.expected());
    let target = model.cycle_targets(ctx.rep, end, next_end, Some(total));
    let mut next = ctx.clone();
    next.productivity = productivities(
        model,
        ctx.plan,
        ctx.rep,
        p.skill,
        p.tenure + (end - t),
        end,
        next_end,
    );
    next.remaining = (next_end - end) as usize;
    next.book = rest.book_end;
    next.target = target;
    next.own_attainment_so_far = 0.0;
    next.team_attainment_so_far = 0.0;
    let (hn, fn_, _, _) = best_effort(&next, 0.0);
    let slope = |with: &dyn Fn(&mut Kpis, f64), value: f64| -> f64 {
        let step = 1e-6 * value.abs().max(1.0);
        let at = |v: f64| {
            let mut c = next.clone();
            with(&mut c.target, v);
            certainty_equivalent(&c, 0.0, hn, fn_).0
        };
        (at(value + step) - at(value - step)) / (2.0 * step)
    };
    let price = |spec: &TargetSpec, value: f64, with: &dyn Fn(&mut Kpis, f64)| {
        if ratchets(spec) && value > 0.0 {
            -discount * (1.0 + spec.growth) * slope(with, value)
        } else {
            0.0
        }
    };
    Kpis {
        revenue: price(model.revenue_target(), target.revenue, &|k, v| {
            k.revenue = v
        }),
        new_customers: price(
            model.new_customer_target(),
            target.new_customers,
            &|k, v| k.new_customers = v,
        ),
        // The satisfaction target is a level: it does not ratchet.
        satisfaction: 0.0,
    }
}

/// Training as a reward in the cycle ending at `end` (docs/model.md section 5.6): the
/// value to the rep of the sessions whose trainees this cycle's score selects, with the
/// cut-off `cutoff` (both 0 when training is not a reward or this cycle selects no
/// session's trainees).
///
/// A unit of skill is worth `per_month` a month: the derivative of the cycle's certainty
/// equivalent over its remaining months with respect to skill (productivity is
/// proportional to skill), at the rep's best effort without the training term (by the
/// envelope theorem the effort's response does not enter), over those months
/// ([`Training::session_value`](crate::mechanisms::Training::session_value) values each
/// session with it).
fn training_reward(ctx: &Context<'_>, p: &Planned, end: u32, cutoff: f64) -> (f64, f64) {
    let model = ctx.model;
    let Some(tr) = ctx.plan.training.as_ref().filter(|tr| tr.is_reward()) else {
        return (0.0, 0.0);
    };
    let sessions: Vec<u32> = tr
        .sessions_decided_by(end, ctx.plan.cycle_len, model.periods())
        .collect();
    if sessions.is_empty() || p.skill <= 0.0 {
        return (0.0, 0.0);
    }
    let x = if ctx.plan.team_bonus() {
        ctx.team_attainment_so_far
    } else {
        ctx.own_attainment_so_far
    };
    let (h, f, _, _) = best_effort(ctx, x);
    const STEP: f64 = 1e-4;
    let at = |scale: f64| {
        let mut c = ctx.clone();
        for v in c.productivity[..c.remaining].iter_mut() {
            *v *= scale;
        }
        certainty_equivalent(&c, x, h, f).0
    };
    let per_log_skill = (at(1.0 + STEP) - at(1.0 - STEP)) / (2.0 * STEP);
    let per_month = per_log_skill / p.skill / ctx.remaining as f64;
    let max_skill = model.rules().max_skill;
    let value: f64 = sessions
        .iter()
        .map(|&s| tr.session_value(p.skill, max_skill, per_month, s, model.periods()))
        .sum();
    (value, cutoff)
}

/// The period a pass solves.
struct Period<'a> {
    /// The period.
    t: u32,
    /// The end of its cycle.
    end: u32,
    /// Cells per eligibility state: attainments so far solved for.
    buckets: usize,
    /// Promotion eligibility states (two when promotion is capped).
    eligibility_states: usize,
    /// The tournament cut-off reps believe in.
    cutoff: f64,
    /// How best efforts are searched for.
    search: Search<'a>,
    /// The score cut-off of training as a reward (NaN when it is not one).
    training_cutoff: f64,
    /// Points of the second axis (the plan cycle's attainment so far) where the plan
    /// has two cycles; 1 otherwise.
    long_points: usize,
}

/// Rep `j`'s choices in `period`: for each eligibility state, the best effort at each
/// of `buckets` attainments so far (one: the planned attainment); and its expected
/// choice, those cells averaged over attainment so far, normal around its planned
/// value.
fn rep_choices(
    model: &Model,
    plan: &Plan,
    path: &PlannedPath,
    team: &TeamView,
    period: &Period<'_>,
    j: usize,
) -> (Vec<Cell>, Cell) {
    let Period {
        t,
        end,
        buckets,
        eligibility_states,
        cutoff,
        search,
        training_cutoff,
        ..
    } = *period;
    let rep = &model.reps()[j];
    let p = &path.reps[j];
    let remaining = (end - t) as usize;
    let own_so_far = plan.score(p.so_far, p.target);
    let review_weight = plan.salary_adjustment.as_ref().map_or(0.0, |s| {
        (plan.cycle_len as f64 / s.review_every as f64).min(1.0)
    });
    let mut ctx = Context {
        model,
        plan,
        rep,
        productivity: p.productivities(model, plan, j, t, end),
        remaining,
        book: p.book,
        salary: p.salary,
        target: p.target,
        team_target: team.target,
        others: team.forecast.minus(&team.guide[j]),
        team_attainment_so_far: team.so_far,
        own_attainment_so_far: own_so_far,
        eligible: true,
        cutoff,
        review_weight,
        cv2: model.market().cv2(),
        shadow: Kpis::ZERO,
        search,
        satisfaction_so_far: (p.so_far.satisfaction, p.satisfaction_var_so_far),
        cycle_months: (end - path.cycle_from) as f64,
        training: (0.0, training_cutoff),
        short_cycles: plan
            .short_cycle_len
            .map(|s| ShortCycles::new(model, rep, s, t, end)),
    };
    ctx.shadow = ratchet_shadow(&ctx, p, t, end);
    if ctx.short_cycles.is_some() {
        // Validation refuses training as a reward and the closed loop with two cycles.
        return two_cycle_choices(&ctx, p, period, own_so_far);
    }
    ctx.training = training_reward(&ctx, p, end, training_cutoff);
    let xs: Vec<f64> = if buckets == 1 {
        vec![if plan.team_bonus() {
            team.so_far
        } else {
            own_so_far
        }]
    } else {
        (0..buckets)
            .map(|b| ATTAINMENT_MAX * b as f64 / (buckets - 1) as f64)
            .collect()
    };
    let states = [true, false];
    let per_period = remaining as f64;
    let choices = match model.rules().planning {
        Planning::OpenLoop => best_efforts(&ctx, &xs, &states[..eligibility_states]),
        Planning::ClosedLoop => best_efforts_closed(&ctx, &xs, &states[..eligibility_states]),
    };
    let cells: Vec<Cell> = choices
        .into_iter()
        .map(|choice| cell(model, rep, p.salary, per_period, choice))
        .collect();
    // The planned path is the eligible rep's expected choice: the policy averaged over
    // the attainment so far, normal around its planned value.
    let (planned_x, planned_var) = if plan.team_bonus() {
        (team.so_far, path.team_var_so_far + team.book_variance)
    } else {
        (
            own_so_far,
            p.var_so_far + book_variance(model, plan, p, p.target),
        )
    };
    let planned_cell = expected_cell(&cells[..buckets], planned_x, planned_var);
    (cells, planned_cell)
}

/// The table's cell of a best `choice` (efforts, certainty equivalent and risk premium
/// over `per_period` periods) for `rep` at `salary`: the values per period and the
/// quit hazard they imply.
fn cell(model: &Model, rep: &Rep, salary: f64, per_period: f64, choice: Choice) -> Cell {
    let (h, f, ce, risk) = choice;
    Cell {
        acquisition: h,
        service: f,
        quit_hazard: quit_hazard(model, rep, salary, ce / per_period),
        value: ce / per_period,
        risk_premium: risk / per_period,
    }
}

/// Rep choices in `period` for a plan with two cycles (docs/model.md section 8.4): for
/// each eligibility state, each of `long_points` attainments so far of the plan's
/// cycle (one: the planned), the best effort at each of `buckets` attainments so far of
/// the shorter cycle (one: the planned); and the expected choice, the cells at the plan
/// cycle's planned attainment averaged over the shorter cycle's, normal around its
/// planned value.
fn two_cycle_choices(
    ctx: &Context<'_>,
    p: &Planned,
    period: &Period<'_>,
    long_so_far: f64,
) -> (Vec<Cell>, Cell) {
    let Period {
        t,
        end,
        buckets,
        eligibility_states,
        long_points,
        ..
    } = *period;
    let plan = ctx.plan;
    let short_so_far = plan.score(p.short_so_far, p.short_target);
    let grid = |n: usize, planned: f64| -> Vec<f64> {
        if n == 1 {
            vec![planned]
        } else {
            (0..n)
                .map(|b| ATTAINMENT_MAX * b as f64 / (n - 1) as f64)
                .collect()
        }
    };
    let xs = grid(buckets, short_so_far);
    let ys = grid(long_points, long_so_far);
    let states = [true, false];
    let per_period = (end - t) as f64;
    // Solved row by row of the plan cycle's attainment, laid out eligibility state by
    // state, then row by row.
    let mut cells = vec![Cell::default(); eligibility_states * long_points * buckets];
    let mut row_ctx = ctx.clone();
    for (l, &y) in ys.iter().enumerate() {
        if let Some(sc) = row_ctx.short_cycles.as_mut() {
            sc.long_so_far = y;
        }
        let row = best_efforts(&row_ctx, &xs, &states[..eligibility_states]);
        for (i, choice) in row.into_iter().enumerate() {
            let (e, b) = (i / buckets, i % buckets);
            cells[(e * long_points + l) * buckets + b] =
                cell(ctx.model, ctx.rep, p.salary, per_period, choice);
        }
    }
    let planned_cell = expected_cell_two(
        &cells[..long_points * buckets],
        long_points,
        short_so_far,
        p.short_var_so_far,
        long_so_far,
    );
    (cells, planned_cell)
}
