//! How reps respond to a plan: each period each rep chooses acquisition and
//! service effort to maximise the certainty equivalent of docs/model.md.
//!
//! Behaviour depends on the plan, the rep's traits and state, never on the draws,
//! so it is solved once per plan into a [`Policy`]: a table of optimal efforts
//! and quit hazards per rep, period, promotion eligibility and attainment of the
//! cycle so far (the one piece of random state a rep's choice depends on). The
//! engine reads the table by linear interpolation in attainment.
//!
//! The rep forecasts the rest of the cycle assuming they keep the chosen effort,
//! with a normal approximation of the cycle's score; payouts on attainment
//! then have exact expected values and variances ([`crate::normal`]). The
//! maximisation is global: a grid over both efforts, then a shrinking pattern
//! search around the best grid point, so non-concave threshold problems find
//! their global maximum, corners included.

pub mod steady_state;

use rayon::prelude::*;

use crate::mechanisms::{AttainmentPayout, Promotion, PromotionRule};
use crate::model::{Kpis, Model, Outcome, Plan, Rep};
use crate::normal::{self, Normal};
use crate::scenario::{CommissionBase, CustomerCount};

/// Number of points of the attainment-so-far grid within a cycle.
pub const ATTAINMENT_BUCKETS: usize = 41;
/// Highest attainment so far on the grid (beyond it the last point applies).
pub const ATTAINMENT_MAX: f64 = 2.0;
/// Most best-response passes when reps must anticipate each other (team bonus, tournament).
pub const TEAM_PASSES: usize = 25;
/// Longest cycle in periods.
pub const MAX_CYCLE: usize = 12;

/// Optimal choice of one rep in one state.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Cell {
    /// Acquisition effort.
    pub acquisition: f64,
    /// Service effort.
    pub service: f64,
    /// Probability of quitting at the end of the period.
    pub quit_hazard: f64,
    /// Certainty equivalent per period of the plan's pay, net of effort cost.
    pub value: f64,
    /// Risk premium per period the rep charges for the pay's variance: (r/2) Var[pay].
    pub risk_premium: f64,
}

/// The expected state of a rep at the start of planning.
#[derive(Clone, Debug, PartialEq)]
pub struct RepStart {
    /// Skill.
    pub skill: f64,
    /// Monthly salary.
    pub salary: f64,
    /// Tenure in months.
    pub tenure: u32,
    /// Customers in the book.
    pub book: f64,
    /// Promotions received so far.
    pub promotions: u32,
    /// What the rep achieved in the last completed cycle (ratchet targets), if any.
    pub last_cycle: Option<Kpis>,
}

/// The state planning starts from: the first period and each rep's expected state.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanningStart {
    /// First period planned (absolute).
    pub period: u32,
    /// Expected state of each rep.
    pub reps: Vec<RepStart>,
    /// Promotion cut-off the reps believe in (tournaments); None lets the solver find the equilibrium.
    pub tournament_cutoff: Option<f64>,
}

impl PlanningStart {
    /// The start of the horizon.
    pub fn initial(model: &Model) -> Self {
        PlanningStart {
            period: 0,
            reps: model
                .reps
                .iter()
                .map(|r| RepStart {
                    skill: model.rules.initial_skill,
                    salary: r.base_salary,
                    tenure: r.tenure,
                    book: r.book,
                    promotions: 0,
                    last_cycle: None,
                })
                .collect(),
            tournament_cutoff: None,
        }
    }
}

/// Optimal efforts and quit hazards for every rep, period, eligibility and attainment so far.
#[derive(Clone, Debug)]
pub struct Policy {
    start: u32,
    periods: u32,
    eligibility_states: usize,
    offsets: Vec<u32>,
    cells: Vec<Cell>,
    /// The promotion cut-off the reps planned with (tournaments).
    pub tournament_cutoff: f64,
    /// Whether the efforts are an equilibrium where reps anticipate each other.
    pub equilibrium: Equilibrium,
    /// Planned (expected-path) effort of each rep in each period: `[rep][t - start]`.
    pub planned: Vec<Vec<Cell>>,
}

impl Policy {
    /// The choice of rep `rep` in period `t` given eligibility and attainment of the cycle so far.
    #[inline]
    pub fn cell(&self, rep: usize, t: u32, eligible: bool, attainment: f64) -> Cell {
        let e = if self.eligibility_states == 2 && !eligible {
            1
        } else {
            0
        };
        let key =
            (rep * self.periods as usize + (t - self.start) as usize) * self.eligibility_states + e;
        let from = self.offsets[key] as usize;
        let to = self.offsets[key + 1] as usize;
        interpolate(&self.cells[from..to], attainment)
    }

    /// First period the policy covers.
    pub fn start(&self) -> u32 {
        self.start
    }

    /// The period after the last the policy covers.
    pub fn end(&self) -> u32 {
        self.start + self.periods
    }
}

/// Sums of a rep's forecast over the rest of a cycle.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Forecast {
    /// Mean revenue.
    pub m_rev: f64,
    /// Variance of revenue.
    pub v_rev: f64,
    /// Variance of revenue without the common market shock.
    pub v_rev_idio: f64,
    /// Mean new customers.
    pub m_nc: f64,
    /// Variance of new customers.
    pub v_nc: f64,
    /// Variance of new customers without the market shock.
    pub v_nc_idio: f64,
    /// Covariance of revenue and new customers.
    pub c_rn: f64,
    /// Covariance without the market shock.
    pub c_rn_idio: f64,
    /// Mean conversions.
    pub m_conv: f64,
    /// Mean first-month revenue of conversions.
    pub m_new_rev: f64,
    /// Variance of first-month revenue of conversions.
    pub v_new_rev: f64,
    /// Mean book at the end of the forecast.
    pub book_end: f64,
}

impl Forecast {
    fn add(&mut self, o: &Forecast) {
        self.m_rev += o.m_rev;
        self.v_rev += o.v_rev;
        self.v_rev_idio += o.v_rev_idio;
        self.m_nc += o.m_nc;
        self.v_nc += o.v_nc;
        self.v_nc_idio += o.v_nc_idio;
        self.c_rn += o.c_rn;
        self.c_rn_idio += o.c_rn_idio;
        self.m_conv += o.m_conv;
        self.m_new_rev += o.m_new_rev;
        self.v_new_rev += o.v_new_rev;
    }

    fn minus(&self, o: &Forecast) -> Forecast {
        Forecast {
            m_rev: self.m_rev - o.m_rev,
            v_rev: (self.v_rev - o.v_rev).max(0.0),
            v_rev_idio: (self.v_rev_idio - o.v_rev_idio).max(0.0),
            m_nc: self.m_nc - o.m_nc,
            v_nc: (self.v_nc - o.v_nc).max(0.0),
            v_nc_idio: (self.v_nc_idio - o.v_nc_idio).max(0.0),
            c_rn: self.c_rn - o.c_rn,
            c_rn_idio: self.c_rn_idio - o.c_rn_idio,
            m_conv: self.m_conv - o.m_conv,
            m_new_rev: self.m_new_rev - o.m_new_rev,
            v_new_rev: (self.v_new_rev - o.v_new_rev).max(0.0),
            book_end: 0.0,
        }
    }
}

/// What a rep knows when choosing effort in one period.
#[derive(Clone, Debug)]
struct Context<'a> {
    model: &'a Model,
    plan: &'a Plan,
    rep: &'a Rep,
    /// Productivity (ability x skill x ramp x season x time left by training) of each remaining period.
    productivity: [f64; MAX_CYCLE],
    remaining: usize,
    book: f64,
    salary: f64,
    target: Kpis,
    team_target: Kpis,
    /// The rest of the team's forecast over the remaining cycle.
    others: Forecast,
    /// The team's planned attainment so far (when the rep's own is the state).
    team_attainment_so_far: f64,
    /// The rep's planned attainment so far (when the team's is the state).
    own_attainment_so_far: f64,
    eligible: bool,
    cutoff: f64,
    /// Share of the review a cycle's attainment accounts for.
    review_weight: f64,
    /// Revenue attainment so far stands in for the score's (tiered commission).
    cv2: f64,
}

/// Forecast of one rep over `remaining` periods at effort (h, f).
fn forecast(model: &Model, productivity: &[f64], book: f64, h: f64, f: f64, cv2: f64) -> Forecast {
    let mut out = Forecast::default();
    match &model.outcome {
        Outcome::Funnel(fun) => {
            let q = fun.churn(f);
            let rec = fun.recurring_revenue;
            let d2 = fun.deal_var + fun.deal_mean * fun.deal_mean;
            let mut b = book;
            for &prod in productivity {
                let lam = fun.new_customers_per_effort * prod * h;
                let conv = lam * fun.conversion;
                let new_rev = conv * fun.deal_mean;
                let kept = b * (1.0 - q);
                let rev = kept * rec + new_rev;
                let v_rev_idio = conv * d2 + b * q * (1.0 - q) * rec * rec;
                out.m_rev += rev;
                out.v_rev_idio += v_rev_idio;
                out.v_rev += v_rev_idio + new_rev * new_rev * cv2;
                out.m_nc += lam;
                out.v_nc_idio += lam;
                out.v_nc += lam + lam * lam * cv2;
                let c_idio = fun.conversion * fun.deal_mean * lam;
                out.c_rn_idio += c_idio;
                out.c_rn += c_idio + new_rev * lam * cv2;
                out.m_conv += conv;
                out.m_new_rev += new_rev;
                out.v_new_rev += conv * d2 + new_rev * new_rev * cv2;
                b = kept + conv;
            }
            out.book_end = b;
        }
        Outcome::LinearNormal { noise_sd } => {
            for &prod in productivity {
                let y = prod * h;
                out.m_rev += y;
                out.v_rev_idio += noise_sd * noise_sd;
                out.v_rev += noise_sd * noise_sd + y * y * cv2;
            }
        }
    }
    out
}

/// Mean and variance of the plan's score ([`Plan::score`]) of a forecast against `target`.
fn score(plan: &Plan, fc: &Forecast, target: Kpis, idio: bool) -> (f64, f64) {
    let (ar, an) = plan.score_coefficients(target);
    let (vr, vn, c) = if idio {
        (fc.v_rev_idio, fc.v_nc_idio, fc.c_rn_idio)
    } else {
        (fc.v_rev, fc.v_nc, fc.c_rn)
    };
    let mean = ar * fc.m_rev + an * fc.m_nc;
    let var = ar * ar * vr + an * an * vn + 2.0 * ar * an * c;
    (mean, var.max(0.0))
}

/// Certainty equivalent of effort (h, f) for the rest of the cycle, and its risk premium.
fn certainty_equivalent(ctx: &Context<'_>, attainment_so_far: f64, h: f64, f: f64) -> (f64, f64) {
    let plan = ctx.plan;
    let rep = ctx.rep;
    let k = ctx.remaining;
    let fc = forecast(ctx.model, &ctx.productivity[..k], ctx.book, h, f, ctx.cv2);
    let mut mean_pay = 0.0;
    let mut var_pay = 0.0;
    let mut extra = 0.0;
    let team_mode = plan.team_bonus();
    let (own_so_far, team_so_far) = if team_mode {
        (ctx.own_attainment_so_far, attainment_so_far)
    } else {
        (attainment_so_far, ctx.team_attainment_so_far)
    };
    let (m_own, v_own) = score(plan, &fc, ctx.target, false);
    let own = Normal {
        mean: own_so_far + m_own,
        sd: v_own.sqrt(),
    };
    let needs_team = team_mode
        || plan
            .salary_adjustment
            .as_ref()
            .is_some_and(|s| s.team_weight > 0.0);
    let team = if needs_team {
        let mut all = ctx.others;
        all.add(&fc);
        let (m, v) = score(plan, &all, ctx.team_target, false);
        Normal {
            mean: team_so_far + m,
            sd: v.sqrt(),
        }
    } else {
        Normal { mean: 0.0, sd: 0.0 }
    };
    if let Some(bonus) = &plan.target_bonus {
        let (m, v) = bonus.moments(if team_mode { team } else { own });
        mean_pay += m;
        var_pay += v;
    }
    if let Some(c) = &plan.per_customer {
        let counted = match c.on {
            CustomerCount::New => fc.m_nc,
            CustomerCount::Converted => fc.m_conv,
        };
        let (m, v) = c.moments(counted, ctx.cv2);
        mean_pay += m;
        var_pay += v;
    }
    if let Some(c) = &plan.commission {
        match c.on {
            CommissionBase::NewRevenue => {
                mean_pay += c.base_rate * fc.m_new_rev;
                var_pay += c.base_rate * c.base_rate * fc.v_new_rev;
            }
            CommissionBase::Revenue if !c.tiered || ctx.target.revenue <= 0.0 => {
                mean_pay += c.base_rate * fc.m_rev;
                var_pay += c.base_rate * c.base_rate * fc.v_rev;
            }
            CommissionBase::Revenue => {
                // Score attainment so far stands in for revenue attainment so far.
                let x = Normal {
                    mean: own_so_far + fc.m_rev / ctx.target.revenue,
                    sd: fc.v_rev.sqrt() / ctx.target.revenue,
                };
                let (m, v) = c.moments(x);
                let (m0, _) = c.moments(Normal {
                    mean: own_so_far,
                    sd: 0.0,
                });
                mean_pay += ctx.target.revenue * (m - m0);
                var_pay += ctx.target.revenue * ctx.target.revenue * v;
            }
        }
    }
    if let (Some(p), true) = (&plan.promotion, ctx.eligible) {
        let prob = match p.rule {
            PromotionRule::Chance(_) => p.chance_probability(fc.m_conv),
            PromotionRule::Tournament(_) => {
                let (m, v) = score(plan, &fc, ctx.target, true);
                Promotion::tournament_probability(own_so_far + m, v.sqrt(), ctx.cutoff)
            }
        };
        extra += rep.promotion_value * prob;
    }
    if let Some(s) = &plan.salary_adjustment {
        let (mi, _) = s.moments(own);
        let mt = if s.team_weight > 0.0 {
            s.moments(team).0
        } else {
            0.0
        };
        let share = s.pool * (s.individual_weight * mi + s.team_weight * mt);
        extra += share * ctx.review_weight * ctx.salary * plan.raise_horizon as f64;
    }
    let effort_cost = 0.5 * rep.effort_cost * (h * h + f * f) * k as f64;
    let risk_premium = 0.5 * rep.risk_aversion * var_pay;
    (mean_pay - risk_premium + extra - effort_cost, risk_premium)
}

/// Global maximiser (h, f) of the certainty equivalent over the effort box, with the
/// certainty equivalent and risk premium there.
fn best_effort(ctx: &Context<'_>, attainment_so_far: f64) -> (f64, f64, f64, f64) {
    let rules = &ctx.model.rules;
    let (h_lo, h_hi) = (rules.min_effort.acquisition, rules.max_effort.acquisition);
    let (f_lo, f_hi) = (rules.min_effort.service, rules.max_effort.service);
    let two_tasks = matches!(ctx.model.outcome, Outcome::Funnel(_));
    let (nh, nf) = if two_tasks { (25, 13) } else { (121, 1) };
    let ce = |h: f64, f: f64| certainty_equivalent(ctx, attainment_so_far, h, f).0;
    let mut best = (f64::NEG_INFINITY, h_lo, f_lo);
    for i in 0..nh {
        let h = h_lo + (h_hi - h_lo) * i as f64 / (nh - 1) as f64;
        for j in 0..nf {
            let f = if nf == 1 {
                f_lo
            } else {
                f_lo + (f_hi - f_lo) * j as f64 / (nf - 1) as f64
            };
            let v = ce(h, f);
            if v > best.0 {
                best = (v, h, f);
            }
        }
    }
    let mut step_h = (h_hi - h_lo) / (nh - 1) as f64;
    let mut step_f = if nf == 1 {
        0.0
    } else {
        (f_hi - f_lo) / (nf - 1) as f64
    };
    for _ in 0..14 {
        let (_, h0, f0) = best;
        for dh in [-1.0, 0.0, 1.0] {
            for df in [-1.0, 0.0, 1.0] {
                if (dh == 0.0 && df == 0.0) || (nf == 1 && df != 0.0) {
                    continue;
                }
                let h = (h0 + dh * step_h).clamp(h_lo, h_hi);
                let f = (f0 + df * step_f).clamp(f_lo, f_hi);
                let v = ce(h, f);
                if v > best.0 {
                    best = (v, h, f);
                }
            }
        }
        step_h *= 0.5;
        step_f *= 0.5;
    }
    let risk_premium = certainty_equivalent(ctx, attainment_so_far, best.1, best.2).1;
    (best.1, best.2, best.0, risk_premium)
}

fn quit_hazard(model: &Model, rep: &Rep, salary: f64, ce_per_period: f64) -> f64 {
    let r = &model.rules;
    let u = salary + ce_per_period;
    let shortfall = (rep.outside_option - u) / (r.quit_sensitivity * salary);
    (r.base_quit_rate * shortfall.min(50.0).exp()).clamp(0.0, r.max_quit_rate)
}

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
    /// Expected book at the cycle's start, and the sum over the cycle's periods so far of
    /// the share of it still kept: across replications the book is Poisson, so it adds
    /// `(a_r rec)^2 book kept^2` to the variance of the score so far.
    cycle_book: f64,
    kept_sum: f64,
    kept: f64,
    target: Kpis,
    last_cycle: Option<Kpis>,
}

/// Productivity of each period of `[t, end)` for a rep with planned skill and tenure.
fn productivities(
    model: &Model,
    plan: &Plan,
    rep: &Rep,
    p: &Planned,
    t: u32,
    end: u32,
) -> [f64; MAX_CYCLE] {
    let mut out = [0.0; MAX_CYCLE];
    for (i, s) in (t..end).enumerate() {
        let training = plan
            .training
            .as_ref()
            .filter(|tr| tr.in_period(s))
            .map_or(0.0, |tr| tr.time_share * tr.share);
        out[i] = rep.ability
            * p.skill
            * model.rules.ramp(p.tenure + i as u32)
            * model.market.season_at(s)
            * (1.0 - training);
    }
    out
}

/// Whether the reps' efforts are mutually consistent where they must anticipate each
/// other (a tournament's cut-off, a team bonus).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Equilibrium {
    /// Each rep's plan depends only on their own results: nothing to make consistent.
    NotNeeded,
    /// An equilibrium was found.
    Found {
        /// Solver passes it took.
        passes: usize,
    },
    /// No equilibrium in pure strategies was found: the policy is the last pass's,
    /// and reported figures rest on beliefs the reps' own efforts contradict.
    NotFound {
        /// What is inconsistent: the tournament's cut-off, or team efforts.
        what: EquilibriumGap,
        /// The size of the inconsistency: the gap between the believed and the implied
        /// cut-off (score units), or the largest change of effort between the last
        /// two passes.
        gap: f64,
        /// Solver passes made.
        passes: usize,
    },
}

/// The belief that failed to settle when no equilibrium was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EquilibriumGap {
    /// The tournament's promotion cut-off: the best response jumps across it.
    TournamentCutoff,
    /// Team efforts under a team bonus: best responses keep cycling.
    TeamEfforts,
}

impl Equilibrium {
    /// True unless an equilibrium was needed and not found.
    pub fn holds(&self) -> bool {
        !matches!(self, Equilibrium::NotFound { .. })
    }

    /// The first failure of `self` and `other`, or the one that holds.
    pub fn and(self, other: Equilibrium) -> Equilibrium {
        if self.holds() {
            other
        } else {
            self
        }
    }

    /// A sentence for users when no equilibrium was found, else None.
    pub fn problem(&self) -> Option<String> {
        match self {
            Equilibrium::NotFound {
                what: EquilibriumGap::TournamentCutoff,
                gap,
                passes,
            } => Some(format!(
                "the tournament has no equilibrium in pure strategies: after {passes} passes the \
                 reps' best effort jumps across the promotion cut-off they believe in (the cut-off \
                 their efforts imply differs by {gap:.3} in score), so effort and promotion \
                 figures rest on a belief the reps' own efforts contradict; a larger promoted \
                 share, a smaller prize or more noise in results restores one"
            )),
            Equilibrium::NotFound {
                what: EquilibriumGap::TeamEfforts,
                gap,
                passes,
            } => Some(format!(
                "the team bonus has no equilibrium the solver could find: after {passes} \
                 passes the reps' best responses to each other still change effort by {gap:.3}"
            )),
            _ => None,
        }
    }
}

/// Solves a plan's policy from a planning start.
///
/// Where reps must anticipate each other, efforts are made mutually consistent: under
/// a team bonus by repeated best responses to the team's planned efforts; in a
/// tournament whose cut-off the start does not fix, by finding the cut-off `c` at
/// which the cut-off the reps' best responses imply equals `c`. That search brackets
/// the root of `implied(c) - c` and closes the bracket by the Illinois method, so it
/// converges however steeply effort responds to the cut-off; where the implied cut-off
/// jumps across `c` (the best response jumps), there is no equilibrium in pure
/// strategies, and the policy says so ([`Equilibrium::NotFound`]).
pub fn solve(model: &Model, plan: &Plan, start: &PlanningStart) -> Policy {
    let tournament = plan
        .tournament_share()
        .filter(|_| start.tournament_cutoff.is_none());
    let Some(share) = tournament else {
        let cutoff = start.tournament_cutoff.unwrap_or(f64::NAN);
        let (mut policy, equilibrium, _) = solve_consistent(model, plan, start, cutoff);
        if plan.tournament_share().is_none() {
            policy.tournament_cutoff = f64::NAN;
        }
        policy.equilibrium = equilibrium;
        return policy;
    };
    let spent = std::cell::Cell::new(0usize);
    let attempt = |c: f64| {
        let (policy, equilibrium, n) = solve_consistent(model, plan, start, c);
        spent.set(spent.get() + n);
        let implied = equilibrium_cutoff(model, plan, start, &policy.planned, share);
        (implied - c, policy, equilibrium)
    };
    let tolerance = |c: f64| CUTOFF_TOLERANCE * (1.0 + c.abs());
    let bracket_tolerance = |c: f64| BRACKET_TOLERANCE * (1.0 + c.abs());
    let reference = vec![vec![model_reference(model)]; model.reps.len()];
    let c0 = equilibrium_cutoff(model, plan, start, &reference, share);
    let (g0, p0, e0) = attempt(c0);
    if g0.abs() <= tolerance(c0) {
        return finish(p0, e0, c0, spent.get());
    }
    // Bracket the root: step from c0 in the direction of the implied cut-off by the gap,
    // doubling the step until the gap changes sign.
    let direction = g0.signum();
    let mut step = g0.abs();
    let (mut a, mut ga) = (c0, g0);
    let mut best = (g0.abs(), p0, e0, c0);
    let (mut b, mut gb);
    loop {
        b = a + direction * step;
        let (g, p, e) = attempt(b);
        gb = g;
        if g.abs() < best.0 {
            best = (g.abs(), p, e, b);
        }
        if g.abs() <= tolerance(b) {
            let (_, p, e, c) = best;
            return finish(p, e, c, spent.get());
        }
        if g.signum() != direction {
            break;
        }
        if spent.get() > MAX_CUTOFF_PASSES {
            return not_found(best, spent.get());
        }
        (a, ga) = (b, g);
        step *= 2.0;
    }
    // Illinois: regula falsi that halves the weight of an end kept twice in a row.
    while (b - a).abs() > bracket_tolerance(a.abs().max(b.abs()))
        && spent.get() <= MAX_CUTOFF_PASSES
    {
        let c = (a * gb - b * ga) / (gb - ga);
        let c = if c.is_finite() && (a.min(b)..=a.max(b)).contains(&c) {
            c
        } else {
            0.5 * (a + b)
        };
        let (g, p, e) = attempt(c);
        if g.abs() < best.0 {
            best = (g.abs(), p, e, c);
        }
        if g.abs() <= tolerance(c) {
            let (_, p, e, c) = best;
            return finish(p, e, c, spent.get());
        }
        if g.signum() != gb.signum() {
            (a, ga) = (b, gb);
        } else {
            ga *= 0.5;
        }
        (b, gb) = (c, g);
    }
    // The bracket closed without the gap closing: the implied cut-off jumps across it,
    // unless the remaining gap is within the solver's own effort resolution.
    if best.0 <= JUMP_TOLERANCE * (1.0 + best.3.abs()) {
        let (_, p, e, c) = best;
        return finish(p, e, c, spent.get());
    }
    not_found(best, spent.get())
}

/// Largest gap between a believed and an implied tournament cut-off that counts as an
/// equilibrium, relative to 1 + |cut-off|.
const CUTOFF_TOLERANCE: f64 = 1e-9;
/// Width of the bracket, relative to 1 + |cut-off|, at which the search stops.
const BRACKET_TOLERANCE: f64 = 1e-7;
/// Where the bracket has closed, the gap still accepted as an equilibrium: the best
/// response is found on a grid refined to about 4e-6 of the effort range, so the
/// implied cut-off moves in steps of that order; a jump of the best response moves it
/// by far more.
const JUMP_TOLERANCE: f64 = 1e-4;
/// Most solver passes spent searching for a tournament's cut-off.
const MAX_CUTOFF_PASSES: usize = 200;

fn finish(mut policy: Policy, inner: Equilibrium, cutoff: f64, passes: usize) -> Policy {
    policy.tournament_cutoff = cutoff;
    policy.equilibrium = inner.and(Equilibrium::Found { passes });
    policy
}

fn not_found(best: (f64, Policy, Equilibrium, f64), passes: usize) -> Policy {
    let (gap, mut policy, _, cutoff) = best;
    policy.tournament_cutoff = cutoff;
    policy.equilibrium = Equilibrium::NotFound {
        what: EquilibriumGap::TournamentCutoff,
        gap,
        passes,
    };
    policy
}

/// The policy under a fixed tournament cut-off belief, with efforts made consistent
/// across the team where pay depends on the team; also the passes it took.
fn solve_consistent(
    model: &Model,
    plan: &Plan,
    start: &PlanningStart,
    cutoff: f64,
) -> (Policy, Equilibrium, usize) {
    // Team bonuses need the reps' efforts to be mutually consistent; a team share of the
    // raise only nudges them (two passes); individual plans need one pass.
    let passes = if plan.team_bonus() {
        TEAM_PASSES
    } else if plan.strategic() {
        2
    } else {
        1
    };
    let mut guide: Option<Vec<Vec<Cell>>> = None;
    let mut change = f64::INFINITY;
    for pass in 1..=passes {
        let p = solve_pass(model, plan, start, guide.as_ref(), cutoff);
        if let Some(g) = &guide {
            change = max_effort_change(g, &p.planned);
        }
        if pass == passes || change < 1e-7 {
            let equilibrium = if !plan.team_bonus() {
                Equilibrium::NotNeeded
            } else if change < 1e-7 {
                Equilibrium::Found { passes: pass }
            } else {
                Equilibrium::NotFound {
                    what: EquilibriumGap::TeamEfforts,
                    gap: change,
                    passes: pass,
                }
            };
            return (p, equilibrium, pass);
        }
        guide = Some(p.planned);
    }
    unreachable!("the loop returns on its last pass")
}

/// Largest change in planned effort between two passes.
fn max_effort_change(a: &[Vec<Cell>], b: &[Vec<Cell>]) -> f64 {
    a.iter()
        .zip(b)
        .flat_map(|(x, y)| x.iter().zip(y))
        .map(|(x, y)| {
            (x.acquisition - y.acquisition)
                .abs()
                .max((x.service - y.service).abs())
        })
        .fold(0.0, f64::max)
}

/// The (1 - share) quantile of the team's first-cycle score at the planned efforts.
fn equilibrium_cutoff(
    model: &Model,
    plan: &Plan,
    start: &PlanningStart,
    planned: &[Vec<Cell>],
    share: f64,
) -> f64 {
    let len = plan.cycle_len;
    let t0 = start.period;
    let end = ((t0 / len + 1) * len).min(model.periods);
    let cv2 = model.market.cv2();
    let scores: Vec<(f64, f64)> = model
        .reps
        .iter()
        .enumerate()
        .map(|(j, rep)| {
            let rs = &start.reps[j];
            let p = planned_initial(rs);
            let prod = productivities(model, plan, rep, &p, t0, end);
            let e = planned[j][0];
            let fc = forecast(
                model,
                &prod[..(end - t0) as usize],
                rs.book,
                e.acquisition,
                e.service,
                cv2,
            );
            let target = model.cycle_targets(rep, t0, end, rs.last_cycle);
            let (m, v) = score(plan, &fc, target, true);
            (m, v.sqrt())
        })
        .collect();
    mixture_quantile(&scores, 1.0 - share)
}

/// Quantile of an equal-weight mixture of normals, by bisection.
pub fn mixture_quantile(components: &[(f64, f64)], p: f64) -> f64 {
    let cdf = |x: f64| {
        components
            .iter()
            .map(|&(m, s)| {
                if s > 0.0 {
                    normal::cdf((x - m) / s)
                } else if x >= m {
                    1.0
                } else {
                    0.0
                }
            })
            .sum::<f64>()
            / components.len() as f64
    };
    let lo0 = components
        .iter()
        .map(|&(m, s)| m - 10.0 * s - 1.0)
        .fold(f64::INFINITY, f64::min);
    let hi0 = components
        .iter()
        .map(|&(m, s)| m + 10.0 * s + 1.0)
        .fold(f64::NEG_INFINITY, f64::max);
    let (mut lo, mut hi) = (lo0, hi0);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if cdf(mid) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

fn planned_initial(rs: &RepStart) -> Planned {
    Planned {
        skill: rs.skill,
        salary: rs.salary,
        tenure: rs.tenure,
        book: rs.book,
        so_far: Kpis::ZERO,
        var_so_far: 0.0,
        cycle_book: 0.0,
        kept_sum: 0.0,
        kept: 1.0,
        target: Kpis::ZERO,
        last_cycle: rs.last_cycle,
    }
}

fn solve_pass(
    model: &Model,
    plan: &Plan,
    start: &PlanningStart,
    guide: Option<&Vec<Vec<Cell>>>,
    cutoff: f64,
) -> Policy {
    let t0 = start.period;
    let periods = model.periods - t0;
    let len = plan.cycle_len;
    let n = model.reps.len();
    let eligibility_states = if plan.promotion_capped() { 2 } else { 1 };
    let cv2 = model.market.cv2();
    let mut planned: Vec<Planned> = start.reps.iter().map(planned_initial).collect();
    let mut planned_cells = vec![Vec::with_capacity(periods as usize); n];
    // Cells of each (rep, period): solved per period for all reps in parallel.
    let mut per_rep_cells: Vec<Vec<Vec<Cell>>> =
        vec![Vec::with_capacity(periods as usize * eligibility_states); n];
    let reference = model_reference(model);
    let mut team_so_far_kpis = Kpis::ZERO;
    let mut team_var_so_far = 0.0;
    for t in t0..model.periods {
        let cycle_start = (t / len) * len;
        let end = (cycle_start + len).min(model.periods);
        if t == cycle_start || t == t0 {
            let from = cycle_start.max(t0);
            for (p, rep) in planned.iter_mut().zip(&model.reps) {
                p.target = model.cycle_targets(rep, from, end, p.last_cycle);
                p.so_far = Kpis::ZERO;
                p.var_so_far = 0.0;
                p.cycle_book = p.book;
                p.kept_sum = 0.0;
                p.kept = 1.0;
            }
            team_so_far_kpis = Kpis::ZERO;
            team_var_so_far = 0.0;
        }
        let mut team_target = Kpis::ZERO;
        for p in &planned {
            team_target.add(p.target);
        }
        let remaining = (end - t) as usize;
        // Each rep's forecast over the rest of the cycle at the guide effort.
        let guide_fc: Vec<Forecast> = (0..n)
            .map(|j| {
                let e = guide.map_or(reference, |g| g[j][(t - t0) as usize]);
                let prod = productivities(model, plan, &model.reps[j], &planned[j], t, end);
                forecast(
                    model,
                    &prod[..remaining],
                    planned[j].book,
                    e.acquisition,
                    e.service,
                    cv2,
                )
            })
            .collect();
        let mut team_fc = Forecast::default();
        for fc in &guide_fc {
            team_fc.add(fc);
        }
        let team_so_far = plan.score(team_so_far_kpis, team_target);
        let review_weight = plan
            .salary_adjustment
            .as_ref()
            .map_or(0.0, |s| (len as f64 / s.review_every as f64).min(1.0));
        let team_book_var: f64 = planned
            .iter()
            .map(|p| book_variance(model, plan, p, team_target))
            .sum();
        let first_of_cycle = t == cycle_start || t == t0;
        let buckets = if first_of_cycle || len == 1 {
            1
        } else {
            ATTAINMENT_BUCKETS
        };
        let solved: Vec<(Vec<Cell>, Cell)> = (0..n)
            .into_par_iter()
            .map(|j| {
                let rep = &model.reps[j];
                let p = &planned[j];
                let own_so_far = plan.score(p.so_far, p.target);
                let mut ctx = Context {
                    model,
                    plan,
                    rep,
                    productivity: productivities(model, plan, rep, p, t, end),
                    remaining,
                    book: p.book,
                    salary: p.salary,
                    target: p.target,
                    team_target,
                    others: team_fc.minus(&guide_fc[j]),
                    team_attainment_so_far: team_so_far,
                    own_attainment_so_far: own_so_far,
                    eligible: true,
                    cutoff,
                    review_weight,
                    cv2,
                };
                let mut cells = Vec::with_capacity(buckets * eligibility_states);
                for e in 0..eligibility_states {
                    ctx.eligible = e == 0;
                    for b in 0..buckets {
                        let x = if buckets == 1 {
                            if plan.team_bonus() {
                                team_so_far
                            } else {
                                own_so_far
                            }
                        } else {
                            ATTAINMENT_MAX * b as f64 / (buckets - 1) as f64
                        };
                        let (h, f, ce, risk) = best_effort(&ctx, x);
                        let per_period = remaining as f64;
                        cells.push(Cell {
                            acquisition: h,
                            service: f,
                            quit_hazard: quit_hazard(model, rep, p.salary, ce / per_period),
                            value: ce / per_period,
                            risk_premium: risk / per_period,
                        });
                    }
                }
                // The planned path is the eligible rep's expected choice: the policy
                // averaged over the attainment so far, normal around its planned value.
                let (planned_x, planned_var) = if plan.team_bonus() {
                    (team_so_far, team_var_so_far + team_book_var)
                } else {
                    (
                        own_so_far,
                        p.var_so_far + book_variance(model, plan, p, p.target),
                    )
                };
                let planned_cell = expected_cell(&cells[..buckets], planned_x, planned_var);
                (cells, planned_cell)
            })
            .collect();
        for (j, (cells, planned_cell)) in solved.into_iter().enumerate() {
            for e in 0..eligibility_states {
                per_rep_cells[j].push(cells[e * buckets..(e + 1) * buckets].to_vec());
            }
            planned_cells[j].push(planned_cell);
        }
        // Advance the planned (expected) path by one period.
        let mut team_period = Forecast::default();
        for (j, p) in planned.iter_mut().enumerate() {
            let rep = &model.reps[j];
            let e = planned_cells[j][(t - t0) as usize];
            let prod = productivities(model, plan, rep, p, t, t + 1);
            let fc = forecast(model, &prod[..1], p.book, e.acquisition, e.service, cv2);
            let expected = Kpis {
                revenue: fc.m_rev,
                new_customers: fc.m_nc,
            };
            p.so_far.add(expected);
            team_so_far_kpis.add(expected);
            p.var_so_far += score(plan, &fc, p.target, false).1;
            if let Outcome::Funnel(fun) = &model.outcome {
                p.kept *= 1.0 - fun.churn(e.service);
                p.kept_sum += p.kept;
            }
            team_period.add(&fc);
            p.book = fc.book_end;
            p.tenure += 1;
            if let Some(tr) = plan.training.as_ref().filter(|tr| tr.in_period(t)) {
                p.skill += tr.share * (tr.trained_skill(p.skill, model.rules.max_skill) - p.skill);
            }
            if t + 1 == end {
                p.last_cycle = Some(p.so_far);
            }
        }
        team_var_so_far += score(plan, &team_period, team_target, false).1;
    }
    let mut offsets = Vec::with_capacity(n * periods as usize * eligibility_states + 1);
    let mut cells = Vec::new();
    offsets.push(0u32);
    for rep_cells in per_rep_cells {
        for c in rep_cells {
            cells.extend_from_slice(&c);
            offsets.push(cells.len() as u32);
        }
    }
    Policy {
        start: t0,
        periods,
        eligibility_states,
        offsets,
        cells,
        tournament_cutoff: cutoff,
        equilibrium: Equilibrium::NotNeeded,
        planned: planned_cells,
    }
}

fn model_reference(model: &Model) -> Cell {
    let r = model.rules.reference_effort;
    Cell {
        acquisition: r.acquisition,
        service: r.service,
        quit_hazard: 0.0,
        value: 0.0,
        risk_premium: 0.0,
    }
}

/// The variance the random starting book adds to the score so far (against `target`):
/// the book at the cycle's start is Poisson across replications (variance = mean), and
/// the revenue it has brought so far is `rec x kept_sum` per customer.
fn book_variance(model: &Model, plan: &Plan, p: &Planned, target: Kpis) -> f64 {
    match &model.outcome {
        Outcome::Funnel(fun) => {
            let (ar, _) = plan.score_coefficients(target);
            let per_customer = ar * fun.recurring_revenue * p.kept_sum;
            per_customer * per_customer * p.cycle_book
        }
        Outcome::LinearNormal { .. } => 0.0,
    }
}

/// Nodes of the quadrature of [`expected_cell`], in standard deviations.
const QUADRATURE_NODES: usize = 33;

/// The policy's cell averaged over attainment so far ~ Normal(mean, variance): what the
/// engine's rep chooses on average, where its attainment so far is random. A
/// trapezoidal rule over +-4 standard deviations with normal weights, which integrates
/// the piecewise-linear policy closely.
fn expected_cell(cells: &[Cell], mean: f64, variance: f64) -> Cell {
    if cells.len() == 1 || variance <= 0.0 {
        return interpolate(cells, mean);
    }
    let sd = variance.sqrt();
    let mut out = Cell::default();
    let mut total = 0.0;
    for i in 0..QUADRATURE_NODES {
        let z = -4.0 + 8.0 * i as f64 / (QUADRATURE_NODES - 1) as f64;
        let w = normal::pdf(z);
        let c = interpolate(cells, mean + sd * z);
        out.acquisition += w * c.acquisition;
        out.service += w * c.service;
        out.quit_hazard += w * c.quit_hazard;
        out.value += w * c.value;
        out.risk_premium += w * c.risk_premium;
        total += w;
    }
    Cell {
        acquisition: out.acquisition / total,
        service: out.service / total,
        quit_hazard: out.quit_hazard / total,
        value: out.value / total,
        risk_premium: out.risk_premium / total,
    }
}

fn interpolate(cells: &[Cell], x: f64) -> Cell {
    let n = cells.len();
    if n == 1 {
        return cells[0];
    }
    let pos = (x.max(0.0) / ATTAINMENT_MAX * (n - 1) as f64).min((n - 1) as f64);
    let lo = (pos as usize).min(n - 2);
    let w = pos - lo as f64;
    let (a, b) = (cells[lo], cells[lo + 1]);
    Cell {
        acquisition: a.acquisition + w * (b.acquisition - a.acquisition),
        service: a.service + w * (b.service - a.service),
        quit_hazard: a.quit_hazard + w * (b.quit_hazard - a.quit_hazard),
        value: a.value + w * (b.value - a.value),
        risk_premium: a.risk_premium + w * (b.risk_premium - a.risk_premium),
    }
}

/// The cut-off reps believe in before they have seen a tournament: the (1 - share)
/// quantile of the team's first-cycle score if everyone gave the reference effort.
pub fn naive_cutoff(model: &Model, plan: &Plan, start: &PlanningStart) -> Option<f64> {
    let share = plan.tournament_share()?;
    let reference = vec![vec![model_reference(model)]; model.reps.len()];
    Some(equilibrium_cutoff(model, plan, start, &reference, share))
}
