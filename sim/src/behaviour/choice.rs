//! A rep's choice in one period (docs/model.md sections 8.1, 8.3 and 10): the
//! certainty equivalent of an effort for the rest of the cycle, its global maximum
//! over the effort box, and the quit hazard the chosen value implies.

use super::forecast::{
    forecast_at, score, score_with, Coefficients, Forecast, Service, ShortCycles,
};
use super::MAX_CYCLE;
use crate::mechanisms::{AttainmentPayout, Commission, Promotion, PromotionRule};
use crate::model::{ChoiceMemo, Kpis, Model, Outcome, Plan, Rep};
use crate::normal::{piecewise_moments_each, Normal, Piece};
use crate::scenario::{CommissionBase, CustomerCount};
use std::cell::RefCell;
use std::cmp::Ordering;

/// What a rep knows when choosing effort in one period.
#[derive(Clone, Debug)]
pub(super) struct Context<'a> {
    pub(super) model: &'a Model,
    pub(super) plan: &'a Plan,
    pub(super) rep: &'a Rep,
    /// Productivity (ability x skill x ramp x season x time left by training) of each remaining period.
    pub(super) productivity: [f64; MAX_CYCLE],
    pub(super) remaining: usize,
    pub(super) book: f64,
    pub(super) salary: f64,
    pub(super) target: Kpis,
    pub(super) team_target: Kpis,
    /// The rest of the team's forecast over the remaining cycle.
    pub(super) others: Forecast,
    /// The team's planned attainment so far (when the rep's own is the state).
    pub(super) team_attainment_so_far: f64,
    /// The rep's planned attainment so far (when the team's is the state).
    pub(super) own_attainment_so_far: f64,
    pub(super) eligible: bool,
    pub(super) cutoff: f64,
    /// Share of the review a cycle's attainment accounts for.
    pub(super) review_weight: f64,
    /// Revenue attainment so far stands in for the score's (tiered commission).
    pub(super) cv2: f64,
    /// Shadow price of each KPI's output over the remaining periods: what a unit more
    /// now costs the rep in the next cycle through its ratchet target, discounted
    /// (docs/model.md section 8.7); zero for myopic reps.
    pub(super) shadow: Kpis,
    /// How best efforts are searched for.
    pub(super) search: Search<'a>,
    /// Mean and variance of the sum of the rep's monthly satisfaction scores so far in
    /// the cycle, on the planned path (a satisfaction gate or multiplier).
    pub(super) satisfaction_so_far: (f64, f64),
    /// Months of the cycle (from its opening): the cycle's mean satisfaction is its sum
    /// over them.
    pub(super) cycle_months: f64,
    /// Training as a reward (docs/model.md section 5.6): the value to the rep of the
    /// sessions whose trainees this cycle's score selects, and the score cut-off of the
    /// trained share; value 0 when training is not a reward this cycle decides.
    pub(super) training: (f64, f64),
    /// Where the plan has two cycles, the shorter ones over the rest of the plan's
    /// cycle and the plan cycle's attainment so far: the attainment so far a cell is
    /// solved at is then the shorter cycle's (docs/model.md section 8.4).
    pub(super) short_cycles: Option<ShortCycles>,
}

/// Certainty equivalent of effort (h, f) for the rest of the cycle, its risk premium,
/// and the cost of its expected output at the context's shadow prices.
pub(super) fn certainty_equivalent(
    ctx: &Context<'_>,
    attainment_so_far: f64,
    h: f64,
    f: f64,
) -> (f64, f64, f64) {
    let (v, shadow_cost) = evaluate(ctx, h, f, attainment_so_far, &mut Scratch::new(ctx));
    (
        v.ce[usize::from(!ctx.eligible)],
        v.risk_premium,
        shadow_cost,
    )
}

/// The value of effort (h, f) at `attainment_so_far`, and the shadow cost of its
/// output: [`Terms::fill`] then [`Terms::value`], in `scratch` (kept, with its
/// allocation, for the next evaluation).
fn evaluate(
    ctx: &Context<'_>,
    h: f64,
    f: f64,
    attainment_so_far: f64,
    scratch: &mut Scratch,
) -> (Value, f64) {
    let Scratch {
        terms,
        short,
        services,
        next,
        scoring,
    } = scratch;
    // A search meets few service efforts at a time (a stencil has three, the quadratic
    // model's point may add a fourth): the last ones' terms are kept.
    let known = services
        .iter()
        .flatten()
        .find(|s| s.f.to_bits() == f.to_bits())
        .copied();
    let service = known.unwrap_or_else(|| {
        let service = Service::at(ctx.model, ctx.plan, f);
        services[*next % services.len()] = Some(service);
        *next += 1;
        service
    });
    short.clear();
    terms.fill(ctx, scoring, h, &service, short);
    (
        terms.value(ctx, attainment_so_far, short),
        terms.shadow_cost,
    )
}

/// Where [`evaluate`] works for one context: the terms of the effort, its shorter
/// cycles' parts, the last [`SERVICES`] service efforts' terms (`next` counts those made),
/// and the score's coefficients against the context's targets.
struct Scratch {
    terms: Terms,
    short: Vec<ShortTerms>,
    services: [Option<Service>; SERVICES],
    next: usize,
    scoring: Scoring,
}

impl Scratch {
    /// An empty scratch for evaluations in `ctx`.
    fn new(ctx: &Context<'_>) -> Self {
        Scratch {
            terms: Terms::default(),
            short: Vec::new(),
            services: [None; SERVICES],
            next: 0,
            scoring: Scoring::of(ctx),
        }
    }
}

/// Service efforts whose terms a [`Scratch`] keeps (by the throughput guard, eight made
/// the default's solve cheaper than three or sixteen).
const SERVICES: usize = 8;

/// The coefficients of the score against the context's own and team targets, made
/// once for a search's evaluations ([`Coefficients`]).
struct Scoring {
    own: Coefficients,
    team: Coefficients,
}

impl Scoring {
    fn of(ctx: &Context<'_>) -> Self {
        Scoring {
            own: Coefficients::of(ctx.plan, ctx.target),
            team: Coefficients::of(ctx.plan, ctx.team_target),
        }
    }
}

/// The parts of the certainty equivalent of effort (h, f) that depend on the effort
/// alone, not on attainment so far or promotion eligibility: the forecast's moments,
/// the payouts on counts and revenue, the promotion chance, effort and shadow costs.
/// Cells that differ only in attainment so far or eligibility share them.
///
/// Where the plan has two cycles, each shorter cycle's part ([`ShortTerms`]) is kept
/// beside it, in a buffer the caller owns: one-cycle plans, the common case, neither
/// fill nor allocate it, and `Terms` stays small (a grid of them is filled in place).
#[derive(Clone, Copy, Debug, Default)]
struct Terms {
    /// Mean and variance of the rep's score over the rest of the cycle.
    own: (f64, f64),
    /// Mean and variance of the team's score over the rest of the cycle (when needed).
    team: (f64, f64),
    /// Mean and variance of the per-customer reward.
    per_customer: (f64, f64),
    /// Mean revenue, its variance and its first-month part (commission).
    m_rev: f64,
    v_rev: f64,
    m_new_rev: f64,
    v_new_rev: f64,
    /// Mean and variance of the sum of the remaining months' satisfaction scores.
    sat: (f64, f64),
    /// Promotion probability under a chance rule.
    chance: f64,
    /// Mean and variance of the rep's idiosyncratic score (tournaments).
    idio: (f64, f64),
    effort_cost: f64,
    shadow_cost: f64,
}

/// A shorter cycle's part of [`Terms`], where the plan has two cycles: for each shorter
/// cycle over the rest of the plan's cycle (as [`ShortCycles`]), the mean and variance
/// of the rep's score against its targets, its mean revenue and the revenue's variance.
#[derive(Clone, Copy, Debug)]
struct ShortTerms {
    own: (f64, f64),
    m_rev: f64,
    v_rev: f64,
}

/// The certainty equivalent of one effort at one attainment so far: eligible for
/// promotion (`ce[0]`) and not (`ce[1]`), and the risk premium.
#[derive(Clone, Copy, Debug, Default)]
struct Value {
    ce: [f64; 2],
    risk_premium: f64,
}

impl Terms {
    /// Sets `self` to the terms of effort (h, f), in place (built and copied, they
    /// cost a copy per point); where the plan has two cycles, each shorter cycle's part
    /// is appended to `short` (nothing is with one cycle).
    fn fill(
        &mut self,
        ctx: &Context<'_>,
        scoring: &Scoring,
        h: f64,
        service: &Service,
        short: &mut Vec<ShortTerms>,
    ) {
        let f = service.f;
        let plan = ctx.plan;
        let k = ctx.remaining;
        let fc = match &ctx.short_cycles {
            None => forecast_at(
                ctx.model,
                plan,
                &ctx.productivity[..k],
                ctx.book,
                h,
                service,
                ctx.cv2,
            ),
            // The forecast of the rest of the plan's cycle is the sum of its shorter
            // cycles' (each period's moments add; the book carries over).
            Some(sc) => {
                let mut total = Forecast::default();
                let (mut book, mut from) = (ctx.book, 0);
                short.reserve(sc.count);
                for i in 0..sc.count {
                    let to = sc.ends[i];
                    let part = forecast_at(
                        ctx.model,
                        plan,
                        &ctx.productivity[from..to],
                        book,
                        h,
                        service,
                        ctx.cv2,
                    );
                    short.push(ShortTerms {
                        own: score(plan, &part, sc.targets[i], false),
                        m_rev: part.m_rev,
                        v_rev: part.v_rev,
                    });
                    total.add(&part);
                    book = part.book_end;
                    from = to;
                }
                total.book_end = book;
                total
            }
        };
        let own = score_with(plan, &fc, &scoring.own, false);
        let needs_team = plan.team_bonus()
            || plan
                .salary_adjustment
                .as_ref()
                .is_some_and(|s| s.team_weight > 0.0);
        let team = if needs_team {
            let mut all = ctx.others;
            all.add(&fc);
            score_with(plan, &all, &scoring.team, false)
        } else {
            (0.0, 0.0)
        };
        let per_customer = plan.per_customer.as_ref().map_or((0.0, 0.0), |c| {
            let counted = match c.on {
                CustomerCount::New => fc.m_nc,
                CustomerCount::Converted => fc.m_conv,
            };
            match (c.satisfaction_gate, ctx.model.outcome()) {
                (Some(gate), Outcome::Funnel(fun)) => {
                    c.gated_moments(counted, ctx.cv2, fun.satisfaction_at_least(f, gate), k)
                }
                _ => c.moments(counted, ctx.cv2),
            }
        });
        let (chance, mut idio) = match plan.promotion.as_ref().map(|p| (p, &p.rule)) {
            Some((p, PromotionRule::Chance(_))) => (p.chance_probability(fc.m_conv), (0.0, 0.0)),
            Some((_, PromotionRule::Tournament(_))) => {
                (0.0, score_with(plan, &fc, &scoring.own, true))
            }
            None => (0.0, (0.0, 0.0)),
        };
        if ctx.training.0 != 0.0 && idio == (0.0, 0.0) {
            idio = score_with(plan, &fc, &scoring.own, true);
        }
        let shadow_cost = if ctx.shadow == Kpis::ZERO {
            0.0
        } else {
            ctx.shadow.revenue * fc.m_rev + ctx.shadow.new_customers * fc.m_nc
        };
        *self = Terms {
            own,
            team,
            per_customer,
            m_rev: fc.m_rev,
            v_rev: fc.v_rev,
            m_new_rev: fc.m_new_rev,
            v_new_rev: fc.v_new_rev,
            sat: (fc.m_sat, fc.v_sat),
            chance,
            idio,
            effort_cost: 0.5 * ctx.rep.effort_cost * (h * h + f * f) * k as f64,
            shadow_cost,
        };
    }

    /// The certainty equivalent at `attainment_so_far` (the rep's own, or the team's
    /// under a team bonus; the shorter cycle's where the plan has two), eligible for
    /// promotion and not; `short` holds the shorter cycles' parts [`Terms::fill`] made
    /// with these terms (empty with one cycle).
    fn value(&self, ctx: &Context<'_>, attainment_so_far: f64, short: &[ShortTerms]) -> Value {
        let plan = ctx.plan;
        let rep = ctx.rep;
        // Money pay's mean and variance; the cycle's target bonus and commission go to
        // `cycle` instead when satisfaction gates or multiplies them (section 5.7).
        let mut pay = (0.0, 0.0);
        let mut cycle = (0.0, 0.0);
        let gated = plan.satisfaction_pay.is_some();
        let team_mode = plan.team_bonus();
        let (own_so_far, team_so_far) = if let Some(sc) = &ctx.short_cycles {
            (sc.long_so_far, ctx.team_attainment_so_far)
        } else if team_mode {
            (ctx.own_attainment_so_far, attainment_so_far)
        } else {
            (attainment_so_far, ctx.team_attainment_so_far)
        };
        // A mechanism on the shorter cycle is valued on each shorter cycle over the rest
        // of the plan's cycle: the current one from its attainment so far, the later
        // ones from zero; their payouts' variances add (docs/model.md section 8.2).
        let short = |i: usize| -> (f64, &ShortTerms, Kpis) {
            let sc = ctx.short_cycles.as_ref().expect("a plan with two cycles");
            let so_far = if i == 0 { attainment_so_far } else { 0.0 };
            (so_far, &short[i], sc.targets[i])
        };
        let short_count = ctx.short_cycles.as_ref().map_or(0, |sc| sc.count);
        // Made where a mechanism needs them (each takes a square root).
        let own = || Normal {
            mean: own_so_far + self.own.0,
            sd: self.own.1.sqrt(),
        };
        let team = || Normal {
            mean: team_so_far + self.team.0,
            sd: self.team.1.sqrt(),
        };
        // The moments of the plan cycle's target bonus and of the salary adjustment's
        // curve on the rep's and the team's forecasts, together (their Phi and phi
        // evaluations overlap); an absent one is an empty curve.
        let none: &[Piece] = &[];
        let bonus_curve = match &plan.target_bonus {
            Some(bonus) if !plan.bonus_on_short => (
                bonus.curve().pieces(),
                if team_mode { team() } else { own() },
            ),
            _ => (none, Normal { mean: 0.0, sd: 0.0 }),
        };
        let (raise_own, raise_team) = match &plan.salary_adjustment {
            Some(s) => (
                (s.curve().pieces(), own()),
                if s.team_weight > 0.0 {
                    (s.curve().pieces(), team())
                } else {
                    (none, Normal { mean: 0.0, sd: 0.0 })
                },
            ),
            None => (
                (none, Normal { mean: 0.0, sd: 0.0 }),
                (none, Normal { mean: 0.0, sd: 0.0 }),
            ),
        };
        let [bonus_moments, raise_own, raise_team] =
            piecewise_moments_each([bonus_curve, raise_own, raise_team]);
        if let Some(bonus) = &plan.target_bonus {
            if plan.bonus_on_short {
                // Validation refuses a satisfaction gate or multiplier with two cycles.
                for i in 0..short_count {
                    let (so_far, s, _) = short(i);
                    let (m, v) = bonus.moments(Normal {
                        mean: so_far + s.own.0,
                        sd: s.own.1.sqrt(),
                    });
                    pay.0 += m;
                    pay.1 += v;
                }
            } else {
                let (m, v) = bonus_moments;
                let acc = if gated { &mut cycle } else { &mut pay };
                acc.0 += m;
                acc.1 += v;
            }
        }
        if plan.per_customer.is_some() {
            pay.0 += self.per_customer.0;
            pay.1 += self.per_customer.1;
        }
        if let Some(c) = &plan.commission {
            let acc = if gated { &mut cycle } else { &mut pay };
            match c.on {
                CommissionBase::NewRevenue => {
                    acc.0 += c.base_rate * self.m_new_rev;
                    acc.1 += c.base_rate * c.base_rate * self.v_new_rev;
                }
                CommissionBase::Revenue if !c.tiered || ctx.target.revenue <= 0.0 => {
                    acc.0 += c.base_rate * self.m_rev;
                    acc.1 += c.base_rate * c.base_rate * self.v_rev;
                }
                CommissionBase::Revenue if plan.commission_on_short => {
                    for i in 0..short_count {
                        let (so_far, s, target) = short(i);
                        let (m, v) = if target.revenue > 0.0 {
                            tiered_commission(c, so_far, s.m_rev, s.v_rev, target.revenue)
                        } else {
                            (c.base_rate * s.m_rev, c.base_rate * c.base_rate * s.v_rev)
                        };
                        acc.0 += m;
                        acc.1 += v;
                    }
                }
                CommissionBase::Revenue => {
                    let (m, v) = tiered_commission(
                        c,
                        own_so_far,
                        self.m_rev,
                        self.v_rev,
                        ctx.target.revenue,
                    );
                    acc.0 += m;
                    acc.1 += v;
                }
            }
        }
        if let Some(sp) = &plan.satisfaction_pay {
            // The cycle's mean satisfaction: what has passed of it (planned) and the
            // forecast of the rest, independent of revenue's noise.
            let months = ctx.cycle_months.max(1.0);
            let mean_satisfaction = Normal {
                mean: (ctx.satisfaction_so_far.0 + self.sat.0) / months,
                sd: (ctx.satisfaction_so_far.1 + self.sat.1).sqrt() / months,
            };
            let (m, v) = sp.moments(cycle, mean_satisfaction);
            pay.0 += m;
            pay.1 += v;
        }
        let (mean_pay, var_pay) = pay;
        // Eligible reps add the promotion's value first, as `extra` accumulates.
        let mut extra = [0.0, 0.0];
        if let Some(p) = &plan.promotion {
            let prob = match p.rule {
                PromotionRule::Chance(_) => self.chance,
                PromotionRule::Tournament(_) => Promotion::tournament_probability(
                    own_so_far + self.idio.0,
                    self.idio.1.sqrt(),
                    ctx.cutoff,
                ),
            };
            extra[0] += rep.promotion_value * prob;
        }
        if ctx.training.0 != 0.0 {
            // Training as a reward: trained when the cycle's score is above the cut-off.
            let trained = Promotion::tournament_probability(
                own_so_far + self.idio.0,
                self.idio.1.sqrt(),
                ctx.training.1,
            );
            extra[0] += trained * ctx.training.0;
            extra[1] += trained * ctx.training.0;
        }
        if let Some(s) = &plan.salary_adjustment {
            let (mi, _) = raise_own;
            let mt = if s.team_weight > 0.0 {
                raise_team.0
            } else {
                0.0
            };
            let share = s.pool * (s.individual_weight * mi + s.team_weight * mt);
            let raise = share * ctx.review_weight * ctx.salary * plan.raise_horizon as f64;
            extra[0] += raise;
            extra[1] += raise;
        }
        let risk_premium = 0.5 * rep.risk_aversion * var_pay;
        Value {
            ce: extra.map(|e| mean_pay - risk_premium + e - self.effort_cost),
            risk_premium,
        }
    }
}

/// Mean and variance of a tiered commission on the rest of a cycle's revenue (mean
/// `m_rev`, variance `v_rev`) against its revenue target `target`, from attainment so
/// far `so_far` (the score's stands in for revenue's): what the commission adds to the
/// pay of the cycle so far.
fn tiered_commission(
    c: &Commission,
    so_far: f64,
    m_rev: f64,
    v_rev: f64,
    target: f64,
) -> (f64, f64) {
    let x = Normal {
        mean: so_far + m_rev / target,
        sd: v_rev.sqrt() / target,
    };
    let (m, v) = c.moments(x);
    let (m0, _) = c.moments(Normal {
        mean: so_far,
        sd: 0.0,
    });
    (target * (m - m0), target * target * v)
}

/// How best efforts are searched for: the fast search of docs/model.md section 8.3, or
/// the exhaustive one it replaced (a 25 x 13 grid and a 14-round pattern search),
/// kept as the reference the fast search is tested against; `Audit` runs both on every
/// cell, keeps the fast one and records how far apart they are.
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub enum Search<'a> {
    /// The fast search (the default).
    Fast,
    /// The exhaustive reference search.
    Exhaustive,
    /// Both, the fast one kept, their differences recorded.
    Audit(&'a std::sync::Mutex<Audit>),
    /// The fast search, whose choices are looked up in and recorded to a memo where they
    /// depend on the effort and the rep's traits and productivity alone ([`ChoiceMemo`]).
    Memo(&'a ChoiceMemo),
}

/// The key of the cells `xs` x `states` of `ctx` in a [`ChoiceMemo`]: the bits of
/// everything their search reads that may differ between the memo's solves, where the
/// plan pays on effort alone; None where it does not.
///
/// The plan pays on effort alone when [`Terms::value`] reads none of the terms that
/// depend on the book, the targets, the team or attainment so far: no target bonus,
/// salary adjustment, satisfaction gate or multiplier, tournament, training reward,
/// shadow price or shorter cycle, and commission, if any, on new revenue. Its terms
/// are then functions of the effort, productivity over the remaining periods and the
/// rep's effort cost (new revenue, new customers and conversions, their variances,
/// the per-customer reward, the promotion chance, the effort's cost), and its values of
/// the rep's risk aversion and promotion value; the plan ([`ChoiceMemo::serves`]), the
/// market and the effort box are the memo's own.
fn memo_key(ctx: &Context<'_>, xs: &[f64], states: &[bool]) -> Option<MemoKey> {
    let plan = ctx.plan;
    let effort_alone = plan.target_bonus.is_none()
        && plan.salary_adjustment.is_none()
        && plan.satisfaction_pay.is_none()
        && ctx.short_cycles.is_none()
        && plan
            .commission
            .as_ref()
            .is_none_or(|c| c.on == CommissionBase::NewRevenue)
        && plan
            .promotion
            .as_ref()
            .is_none_or(|p| matches!(p.rule, PromotionRule::Chance(_)))
        && ctx.training.0 == 0.0
        && ctx.shadow == Kpis::ZERO;
    if !effort_alone {
        return None;
    }
    let rep = ctx.rep;
    let k = ctx.remaining;
    let mut key = MemoKey {
        words: [0; MEMO_KEY_WORDS],
        len: 0,
    };
    let mut push = |w: u64| {
        key.words[key.len] = w;
        key.len += 1;
    };
    for trait_ in [rep.effort_cost, rep.risk_aversion, rep.promotion_value] {
        push(trait_.to_bits());
    }
    // The cells' shape: periods remaining, attainments (the values do not depend on
    // them) and the eligibility states, which do.
    let states_bits = states
        .iter()
        .enumerate()
        .fold(0u64, |bits, (i, &e)| bits | u64::from(e) << i);
    push(k as u64 | (xs.len() as u64) << 8 | (states.len() as u64) << 32 | states_bits << 40);
    for p in &ctx.productivity[..k] {
        push(p.to_bits());
    }
    Some(key)
}

/// Most words of a [`MemoKey`]: three traits, the cells' shape and a cycle's
/// productivities.
const MEMO_KEY_WORDS: usize = 4 + MAX_CYCLE;

/// A [`ChoiceMemo`] key ([`memo_key`]): its first `len` words, on the stack.
struct MemoKey {
    words: [u64; MEMO_KEY_WORDS],
    len: usize,
}

/// How far the fast search's choices are from the exhaustive reference's, over the
/// cells of a solve ([`Search::Audit`]).
#[doc(hidden)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Audit {
    /// Cells compared.
    pub cells: usize,
    /// Largest |difference| of acquisition effort, as a share of its range, over the
    /// cells where the fast choice is not better than the reference's.
    pub acquisition: f64,
    /// Largest |difference| of service effort, as a share of its range.
    pub service: f64,
    /// Largest amount by which the reference's objective beats the fast choice's.
    pub shortfall: f64,
    /// Largest |objective| at the reference's choice (the scale of `shortfall`).
    pub scale: f64,
    /// Cells where the fast choice's objective beats the reference's beyond rounding
    /// (1e-9 x (1 + |objective|)): the reference stopped short of the maximum.
    pub better: usize,
    /// Largest amount by which the fast choice's objective beats the reference's.
    pub gain: f64,
    /// At the largest shortfall: the fast choice's (h, f, objective), then the
    /// reference's, and the attainment so far.
    pub worst: [f64; 7],
}

/// A cell's best choice: efforts, certainty equivalent and risk premium.
pub(super) type Choice = (f64, f64, f64, f64);

/// Global maximiser (h, f) of the certainty equivalent over the effort box, with the
/// certainty equivalent and risk premium there (docs/model.md section 8.3), for one
/// attainment so far and the context's eligibility.
pub(super) fn best_effort(ctx: &Context<'_>, attainment_so_far: f64) -> Choice {
    let states = [ctx.eligible];
    best_efforts(ctx, &[attainment_so_far], &states)[0]
}

/// The best choices of the cells of one rep-period: for each eligibility in `states`
/// (outer) and each attainment so far in `xs` (inner). With shadow prices on output (a
/// ratchet foreseen, section 8.7) the effort maximises the certainty equivalent less
/// the output's shadow cost, and the certainty equivalent returned is the cycle's own,
/// without it.
///
/// The fast search evaluates the effort-only terms of a coarse grid once for every
/// cell (and the payouts once for both eligibility states), takes each cell's
/// promising local maxima of the grid ([`candidates`]) and refines each ([`refine`]).
pub(super) fn best_efforts(ctx: &Context<'_>, xs: &[f64], states: &[bool]) -> Vec<Choice> {
    let b = EffortBox::of(ctx.model);
    match ctx.search {
        Search::Exhaustive => exhaustive(ctx, &b, xs, states),
        Search::Fast => fast(ctx, &b, xs, states),
        Search::Memo(memo) => match memo_key(ctx, xs, states) {
            Some(key) => memo.get_or_search(&key.words[..key.len], || fast(ctx, &b, xs, states)),
            None => fast(ctx, &b, xs, states),
        },
        Search::Audit(audit) => {
            let fast = fast(ctx, &b, xs, states);
            let reference = exhaustive(ctx, &b, xs, states);
            let mut a = audit.lock().unwrap_or_else(|e| e.into_inner());
            let mut i = 0;
            for &eligible in states {
                for &x in xs {
                    let objective = |h: f64, f: f64| {
                        let (v, shadow_cost) = evaluate(ctx, h, f, x, &mut Scratch::new(ctx));
                        v.ce[usize::from(!eligible)] - shadow_cost
                    };
                    let (n, r) = (fast[i], reference[i]);
                    let (vn, vr) = (objective(n.0, n.1), objective(r.0, r.1));
                    a.cells += 1;
                    // Where the fast choice is better beyond rounding, the reference
                    // stopped short of the maximum: recorded, not compared.
                    if vn - vr > 1e-9 * (1.0 + vr.abs()) {
                        a.better += 1;
                        a.gain = a.gain.max(vn - vr);
                    } else {
                        a.acquisition = a.acquisition.max((n.0 - r.0).abs() / (b.h.1 - b.h.0));
                        if b.nf > 1 {
                            a.service = a.service.max((n.1 - r.1).abs() / (b.f.1 - b.f.0));
                        }
                    }
                    if vr - vn > a.shortfall {
                        a.shortfall = vr - vn;
                        a.worst = [n.0, n.1, vn, r.0, r.1, vr, x];
                    }
                    a.scale = a.scale.max(vr.abs());
                    i += 1;
                }
            }
            fast
        }
    }
}

/// The objective of a cell: the certainty equivalent, less the shadow cost of output.
fn objective(ctx: &Context<'_>, v: &Value, shadow_cost: f64, eligible: bool) -> f64 {
    let ce = v.ce[usize::from(!eligible)];
    if ctx.shadow == Kpis::ZERO {
        ce
    } else {
        ce - shadow_cost
    }
}

/// The choice at the objective's maximiser `best = (objective, h, f)`, whose value is
/// `v`: the certainty equivalent returned is the cycle's own, without the shadow cost.
fn choice_at(ctx: &Context<'_>, eligible: bool, best: (f64, f64, f64), v: &Value) -> Choice {
    let value = if ctx.shadow == Kpis::ZERO {
        best.0
    } else {
        v.ce[usize::from(!eligible)]
    };
    (best.1, best.2, value, v.risk_premium)
}

/// The exhaustive reference search, cell by cell: the best point of the fine grid,
/// polished by 14 rounds of pattern search.
fn exhaustive(ctx: &Context<'_>, b: &EffortBox, xs: &[f64], states: &[bool]) -> Vec<Choice> {
    let mut out = Vec::with_capacity(xs.len() * states.len());
    for &eligible in states {
        for &x in xs {
            let ce = |h: f64, f: f64| {
                let (v, shadow_cost) = evaluate(ctx, h, f, x, &mut Scratch::new(ctx));
                objective(ctx, &v, shadow_cost, eligible)
            };
            let best = polish(b, grid(b, &ce), &ce);
            let (v, _) = evaluate(ctx, best.1, best.2, x, &mut Scratch::new(ctx));
            out.push(choice_at(ctx, eligible, best, &v));
        }
    }
    out
}

/// Most local maxima of the coarse grid refined per cell.
const CANDIDATES: usize = 3;

/// The fast search (see [`best_efforts`]).
fn fast(ctx: &Context<'_>, b: &EffortBox, xs: &[f64], states: &[bool]) -> Vec<Choice> {
    // The grid's buffers are the thread's, reused from one rep-period to the next
    // (taken, so a nested search would make its own).
    let mut work = GRID.with_borrow_mut(std::mem::take);
    let out = fast_in(ctx, b, xs, states, &mut work);
    GRID.with_borrow_mut(|kept| *kept = work);
    out
}

thread_local! {
    /// Each thread's buffers of the coarse grid ([`fast`]).
    static GRID: RefCell<Grid> = RefCell::new(Grid::default());
}

/// The buffers of [`fast`]'s coarse grid, kept with their allocations between searches:
/// each point's terms and shorter cycles' parts, each column's service terms, the
/// points' efforts' bits, their values at the attainment so far under way, and each
/// eligibility state's objectives.
#[derive(Default)]
struct Grid {
    terms: Vec<Terms>,
    short: Vec<ShortTerms>,
    services: Vec<Service>,
    points: Vec<(u64, u64)>,
    grid: Vec<(Value, f64)>,
    values: Vec<Vec<f64>>,
}

/// [`fast`] in the buffers `work`.
fn fast_in(
    ctx: &Context<'_>,
    b: &EffortBox,
    xs: &[f64],
    states: &[bool],
    work: &mut Grid,
) -> Vec<Choice> {
    let (nh, nf) = b.coarse();
    let point = |i: usize, j: usize| b.coarse_point(i, j);
    // Each point's terms filled in place, its shorter cycles' parts (a plan with two)
    // in `short`, `count` a point.
    let count = ctx.short_cycles.as_ref().map_or(0, |sc| sc.count);
    let Grid {
        terms,
        short,
        services,
        points,
        grid,
        values,
    } = work;
    // Sized, not cleared: every buffer here is written whole before it is read, and
    // zeroing them (9 KB) took 3.4 % of a 10,000-rep run's instructions in memset.
    terms.resize(nh * nf, Terms::default());
    short.clear();
    short.reserve(nh * nf * count);
    // A column's points share their service effort (the grid's f depends on j alone).
    services.clear();
    services.extend((0..nf).map(|j| Service::at(ctx.model, ctx.plan, point(0, j).1)));
    let scoring = Scoring::of(ctx);
    for (k, t) in terms.iter_mut().enumerate() {
        let h = point(k / nf, k % nf).0;
        t.fill(ctx, &scoring, h, &services[k % nf], short);
    }
    // The values at the attainment so far under way of the grid's points and, where two
    // eligibility states share them, of the points the refinements evaluate: each
    // state's and each candidate's search and the choice look them up before
    // evaluating (a value is a function of the effort's bits, so a point met again has
    // the value it had). One state's searches seldom meet off the grid: they skip the table.
    let shared = states.len() > 1;
    points.clear();
    points.extend((0..nh * nf).map(|k| {
        let (h, f) = point(k / nf, k % nf);
        (h.to_bits(), f.to_bits())
    }));
    let (h_scale, f_scale) = (
        (nh - 1) as f64 / (b.h.1 - b.h.0),
        if nf > 1 {
            (nf - 1) as f64 / (b.f.1 - b.f.0)
        } else {
            0.0
        },
    );
    // The grid point at effort (h, f), if it is one (bit for bit).
    let on_grid = |h: f64, f: f64| {
        // The nearest point (rounded half up; the cast truncates a non-negative number).
        let i = (h - b.h.0) * h_scale + 0.5;
        let j = (f - b.f.0) * f_scale + 0.5;
        if !((0.0..nh as f64).contains(&i) && (0.0..nf as f64).contains(&j)) {
            return None;
        }
        let k = i as usize * nf + j as usize;
        (points[k] == (h.to_bits(), f.to_bits())).then_some(k)
    };
    grid.resize(nh * nf, (Value::default(), 0.0));
    let scratch = RefCell::new(Scratch::new(ctx));
    values.resize_with(states.len(), Vec::new);
    for v in values.iter_mut() {
        v.resize(nh * nf, 0.0);
    }
    let mut out = vec![(0.0, 0.0, 0.0, 0.0); xs.len() * states.len()];
    for (bucket, &x) in xs.iter().enumerate() {
        for (k, t) in terms.iter().enumerate() {
            let v = t.value(ctx, x, &short[k * count..(k + 1) * count]);
            grid[k] = (v, t.shadow_cost);
            for (e, &eligible) in states.iter().enumerate() {
                values[e][k] = objective(ctx, &v, t.shadow_cost, eligible);
            }
        }
        if shared {
            EVALUATED.with_borrow_mut(Evaluated::clear);
        }
        let at = |h: f64, f: f64| {
            if let Some(k) = on_grid(h, f) {
                return grid[k];
            }
            let scratch = &mut scratch.borrow_mut();
            if !shared {
                return evaluate(ctx, h, f, x, scratch);
            }
            EVALUATED.with_borrow_mut(|known| {
                known.get(h, f).unwrap_or_else(|| {
                    let value = evaluate(ctx, h, f, x, scratch);
                    known.insert(h, f, value);
                    value
                })
            })
        };
        for (e, &eligible) in states.iter().enumerate() {
            let ce = |h: f64, f: f64| {
                let (v, shadow_cost) = at(h, f);
                objective(ctx, &v, shadow_cost, eligible)
            };
            let mut best = (f64::NEG_INFINITY, b.h.0, b.f.0);
            for (v, i, j) in candidates(&values[e], nh, nf) {
                let (h, f) = point(i, j);
                let refined = refine(b, (v, h, f), &ce);
                if refined.0 > best.0 {
                    best = refined;
                }
            }
            let (v, _) = at(best.1, best.2);
            out[e * xs.len() + bucket] = choice_at(ctx, eligible, best, &v);
        }
    }
    out
}

thread_local! {
    /// Each thread's table of the values evaluated off the grid ([`fast`]): made once,
    /// its entries forgotten by stamp, never cleared.
    static EVALUATED: RefCell<Evaluated> = RefCell::new(Evaluated::new());
}

/// The values of the efforts evaluated off the coarse grid at one attainment so far,
/// by the efforts' bits: a fixed open-addressing hash table whose entries carry the
/// stamp of the attainment so far they belong to, so moving on to the next forgets
/// them all at once. Once half full it records no more (a cell's searches evaluate
/// about a hundred points; past that, points are evaluated again).
struct Evaluated {
    slots: Vec<Slot>,
    stamp: u32,
    len: usize,
}

/// One slot of [`Evaluated`]: the stamp it was filled under (0: never), the efforts'
/// bits, their value and the shadow cost of their output.
#[derive(Clone, Copy, Default)]
struct Slot {
    stamp: u32,
    key: (u64, u64),
    value: (Value, f64),
}

impl Evaluated {
    /// Slots (a power of two).
    const SLOTS: usize = 512;

    fn new() -> Self {
        Evaluated {
            slots: vec![Slot::default(); Self::SLOTS],
            stamp: 1,
            len: 0,
        }
    }

    /// Forgets every effort.
    fn clear(&mut self) {
        self.len = 0;
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            // After 2^32 - 1 stamps, the slots are cleared once.
            self.slots.fill(Slot::default());
            self.stamp = 1;
        }
    }

    /// The slot of efforts `key`: theirs, or the free one they would take.
    fn slot(&self, key: (u64, u64)) -> usize {
        let mask = Self::SLOTS - 1;
        // Efforts on a grid differ in their high bits only: fold them down before the
        // multiplication, and take the product's high bits, which every bit moves.
        let x = key.0 ^ key.1.rotate_left(32);
        let hash = (x ^ (x >> 29)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let mut at = (hash >> (64 - Self::SLOTS.trailing_zeros())) as usize;
        loop {
            let slot = &self.slots[at];
            if slot.stamp != self.stamp || slot.key == key {
                return at;
            }
            at = (at + 1) & mask;
        }
    }

    /// The value of effort (h, f), if recorded.
    fn get(&self, h: f64, f: f64) -> Option<(Value, f64)> {
        let slot = &self.slots[self.slot((h.to_bits(), f.to_bits()))];
        (slot.stamp == self.stamp).then_some(slot.value)
    }

    /// Records the value of effort (h, f), unless the table is half full.
    fn insert(&mut self, h: f64, f: f64, value: (Value, f64)) {
        if 2 * self.len >= Self::SLOTS {
            return;
        }
        let key = (h.to_bits(), f.to_bits());
        let at = self.slot(key);
        if self.slots[at].stamp != self.stamp {
            self.len += 1;
        }
        self.slots[at] = Slot {
            stamp: self.stamp,
            key,
            value,
        };
    }
}

/// The coarse grid's local maxima `(value, i, j)` worth refining, best first: the best
/// point, and up to [`CANDIDATES`] - 1 other local maxima (not below any of their
/// neighbours) whose value plus their own drop to their lowest neighbour reaches the
/// best value, i.e. which could overtake it between grid points.
pub(super) fn candidates(values: &[f64], nh: usize, nf: usize) -> Candidates {
    let at = |i: usize, j: usize| values[i * nf + j];
    let mut best = (f64::NEG_INFINITY, 0, 0);
    for i in 0..nh {
        for j in 0..nf {
            if at(i, j) > best.0 {
                best = (at(i, j), i, j);
            }
        }
    }
    // The other local maxima worth refining, best first (ties by position), kept as
    // they are found: the first CANDIDATES - 1 in that order.
    let first = |a: &(f64, usize, usize), b: &(f64, usize, usize)| {
        b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)) == Ordering::Less
    };
    let mut others = [(0.0, 0, 0); CANDIDATES - 1];
    let mut kept = 0;
    for i in 0..nh {
        for j in 0..nf {
            if (i, j) == (best.1, best.2) {
                continue;
            }
            let v = at(i, j);
            // A point below a neighbour is no local maximum: most points stop at once.
            let mut lowest = v;
            let mut peak = true;
            for (di, dj) in NEIGHBOURS {
                let (ni, nj) = (i as isize + di, j as isize + dj);
                if ni < 0 || nj < 0 || ni >= nh as isize || nj >= nf as isize {
                    continue;
                }
                let w = at(ni as usize, nj as usize);
                // (Not `w > v`: a NaN, as before, makes no peak.)
                let below = w <= v;
                if !below {
                    peak = false;
                    break;
                }
                lowest = lowest.min(w);
            }
            if peak && v + (v - lowest) >= best.0 {
                let c = (v, i, j);
                let mut at = kept;
                while at > 0 && first(&c, &others[at - 1]) {
                    at -= 1;
                }
                if at < others.len() {
                    others.copy_within(at..CANDIDATES - 2, at + 1);
                    others[at] = c;
                    kept = (kept + 1).min(others.len());
                }
            }
        }
    }
    let mut list = [best; CANDIDATES];
    list[1..=kept].copy_from_slice(&others[..kept]);
    Candidates {
        list,
        len: kept + 1,
    }
}

/// The local maxima [`candidates`] returns, best first: the first `len` of `list`
/// (held in place, as a search makes them at every cell).
pub(super) struct Candidates {
    list: [(f64, usize, usize); CANDIDATES],
    len: usize,
}

impl std::ops::Deref for Candidates {
    type Target = [(f64, usize, usize)];

    fn deref(&self) -> &Self::Target {
        &self.list[..self.len]
    }
}

impl IntoIterator for Candidates {
    type Item = (f64, usize, usize);
    type IntoIter = std::iter::Take<std::array::IntoIter<(f64, usize, usize), CANDIDATES>>;

    fn into_iter(self) -> Self::IntoIter {
        self.list.into_iter().take(self.len)
    }
}

/// The eight neighbours of a grid point or stencil centre.
const NEIGHBOURS: [(isize, isize); 8] = [
    (-1, -1),
    (-1, 0),
    (-1, 1),
    (0, -1),
    (0, 1),
    (1, -1),
    (1, 0),
    (1, 1),
];

/// Refines a local maximum `start = (value, h, f)` of the coarse grid by a pattern
/// search accelerated by quadratic models. Each round evaluates the 8 neighbours of
/// the best point at the current step (clamped to the box, each distinct point once);
/// where the stencil lies inside the box, the quadratic through it proposes its
/// maximiser (up to [`REACH`] steps away), and at a bound of one task the parabola
/// along the row or column through the centre that lies inside does; that point is
/// evaluated too. The best point seen becomes the centre. If the model's maximiser,
/// within the stencil, is the best point (within rounding) and the model's error there
/// stands for at most [`TRUST`] steps, the step shrinks to four times that distance
/// (an eighth to a 64th of it); otherwise it stays while the search travels (the best
/// point is a step or more away) and halves when it does not. It stops when the step
/// falls below the exhaustive search's last (the fine grid's spacing / 2^13), or after
/// [`MAX_ROUNDS`] rounds.
pub(super) fn refine(
    b: &EffortBox,
    start: (f64, f64, f64),
    ce: &impl Fn(f64, f64) -> f64,
) -> (f64, f64, f64) {
    let ((h_lo, h_hi), (f_lo, f_hi)) = (b.h, b.f);
    let (nh, nf) = b.coarse();
    let two = nf > 1;
    let mut step_h = (h_hi - h_lo) / (nh - 1) as f64;
    let mut step_f = if two {
        (f_hi - f_lo) / (nf - 1) as f64
    } else {
        0.0
    };
    let last_h = (h_hi - h_lo) / (b.nh - 1) as f64 / 8192.0;
    let mut best = start;
    for _ in 0..MAX_ROUNDS {
        if step_h < last_h {
            break;
        }
        let (v0, h0, f0) = best;
        // The stencil's values, and whether each is at its own (unclamped) point.
        let mut stencil = [[v0; 3]; 3];
        let mut exact = [[true; 3]; 3];
        let mut seen: [(f64, f64, f64); 8] = [(h0, f0, v0); 8];
        let mut n_seen = 0;
        for (di, dj) in NEIGHBOURS {
            if !two && dj != 0 {
                continue;
            }
            let (i, j) = ((di + 1) as usize, (dj + 1) as usize);
            let h = h0 + di as f64 * step_h;
            let f = f0 + dj as f64 * step_f;
            let (hc, fc) = (h.clamp(h_lo, h_hi), f.clamp(f_lo, f_hi));
            exact[i][j] = (hc, fc) == (h, f);
            if (hc, fc) == (h0, f0) {
                continue;
            }
            if let Some(&(_, _, v)) = seen[..n_seen].iter().find(|p| (p.0, p.1) == (hc, fc)) {
                stencil[i][j] = v;
                continue;
            }
            let v = ce(hc, fc);
            seen[n_seen] = (hc, fc, v);
            n_seen += 1;
            stencil[i][j] = v;
            if v > best.0 {
                best = (v, hc, fc);
            }
        }
        // The quadratic model: over the whole stencil where it is inside the box, else
        // along the row or column through the centre that is.
        let row = exact[0][1] && exact[2][1];
        let column = two && exact[1][0] && exact[1][2];
        let step = if two && row && column && exact.iter().flatten().all(|&e| e) {
            quadratic_step(&stencil)
        } else if row {
            line_step(stencil[0][1], v0, stencil[2][1]).map(|(d, p, k)| (d, 0.0, p, k))
        } else if column {
            line_step(stencil[1][0], v0, stencil[1][2]).map(|(d, p, k)| (0.0, d, p, k))
        } else {
            None
        };
        let mut shrink = 1.0;
        let mut far = (best.1, best.2) != (h0, f0);
        if let Some((dh, df, predicted, curvature)) = step {
            let h = (h0 + dh * step_h).clamp(h_lo, h_hi);
            let f = (f0 + df * step_f).clamp(f_lo, f_hi);
            let v = if (h, f) == (h0, f0) { v0 } else { ce(h, f) };
            if v > best.0 {
                best = (v, h, f);
            }
            let within = dh.abs() <= 1.0 && df.abs() <= 1.0;
            far = far || !within;
            // The model's error at its maximiser, as a distance (in steps) along its
            // flattest direction: sqrt(2 error / |curvature|); rounding is no error.
            let rounding = ROUNDING * (1.0 + v0.abs());
            let error = ((v - predicted).abs() - rounding).max(0.0);
            let distance = (2.0 * error / curvature).sqrt();
            if within && v >= best.0 - rounding && distance <= TRUST {
                shrink = (4.0 * distance).clamp(1.0 / 64.0, 1.0 / 8.0);
            }
        }
        // Shrink where the model is trusted (to four times the distance its error stands
        // for, an eighth to a 64th), keep the step while the search travels (the best
        // point is a step or more away), else halve.
        if shrink == 1.0 {
            shrink = if far && (best.1, best.2) != (h0, f0) {
                1.0
            } else {
                0.5
            };
        }
        step_h *= shrink;
        step_f *= shrink;
    }
    best
}

/// Furthest the quadratic model's maximiser may lie from the stencil's centre, in steps.
const REACH: f64 = 4.0;
/// Largest distance, in steps, that the quadratic model's error at its maximiser may
/// stand for (along the model's flattest direction) for the step to shrink more than
/// by half: the maximum then stays well within the next, smaller stencil.
const TRUST: f64 = 1.0 / 16.0;
/// Relative rounding error of a value, below which the quadratic's prediction counts
/// as exact.
const ROUNDING: f64 = 1e-12;
/// Most rounds of a refinement.
const MAX_ROUNDS: usize = 60;

/// The maximiser of the parabola through values `lo`, `c`, `hi` at -1, 0, 1 (at most
/// [`REACH`] from 0), with the value it predicts there and its |curvature|; None unless
/// it is concave.
fn line_step(lo: f64, c: f64, hi: f64) -> Option<(f64, f64, f64)> {
    let g = 0.5 * (hi - lo);
    let curvature = hi - 2.0 * c + lo;
    if curvature >= 0.0 {
        return None;
    }
    let d = (-g / curvature).clamp(-REACH, REACH);
    Some((d, c + g * d + 0.5 * curvature * d * d, -curvature))
}

/// The maximiser of the quadratic through a 3 x 3 stencil of values (unit steps), in
/// steps from its centre (at most [`REACH`] in each task), with the value the quadratic
/// predicts there and its smallest |curvature|; None unless the quadratic is strictly
/// concave.
fn quadratic_step(v: &[[f64; 3]; 3]) -> Option<(f64, f64, f64, f64)> {
    let c = v[1][1];
    let gh = 0.5 * (v[2][1] - v[0][1]);
    let hh = v[2][1] - 2.0 * c + v[0][1];
    let gf = 0.5 * (v[1][2] - v[1][0]);
    let ff = v[1][2] - 2.0 * c + v[1][0];
    let hf = 0.25 * (v[2][2] - v[2][0] - v[0][2] + v[0][0]);
    let det = hh * ff - hf * hf;
    if hh >= 0.0 || det <= 0.0 {
        return None;
    }
    // Newton step: -H^-1 g, shortened to the reach along its direction.
    let (mut dh, mut df) = ((-ff * gh + hf * gf) / det, (hf * gh - hh * gf) / det);
    let longest = dh.abs().max(df.abs());
    if !longest.is_finite() {
        return None;
    }
    if longest > REACH {
        dh *= REACH / longest;
        df *= REACH / longest;
    }
    let predicted =
        c + gh * dh + gf * df + 0.5 * (hh * dh * dh + 2.0 * hf * dh * df + ff * df * df);
    // The Hessian's eigenvalue nearest zero.
    let flattest = 0.5 * ((hh + ff) + ((hh - ff) * (hh - ff) + 4.0 * hf * hf).sqrt());
    Some((dh, df, predicted, -flattest))
}

/// The effort box and its grids: the exhaustive search's fine grid of 25 x 13 points for
/// the funnel's two tasks (121 points of acquisition with service at its minimum for
/// the linear-normal model), and the fast search's coarse grid of every third point.
pub(super) struct EffortBox {
    pub(super) h: (f64, f64),
    pub(super) f: (f64, f64),
    nh: usize,
    nf: usize,
}

impl EffortBox {
    pub(super) fn of(model: &Model) -> Self {
        let rules = model.rules();
        let two_tasks = matches!(model.outcome(), Outcome::Funnel(_));
        let (nh, nf) = if two_tasks { (25, 13) } else { (121, 1) };
        EffortBox {
            h: (rules.min_effort.acquisition, rules.max_effort.acquisition),
            f: (rules.min_effort.service, rules.max_effort.service),
            nh,
            nf,
        }
    }

    /// The coarse grid's points per task: every third point of the fine grid (9 x 5 for
    /// the funnel, 41 for the linear-normal model).
    pub(super) fn coarse(&self) -> (usize, usize) {
        ((self.nh - 1) / 3 + 1, (self.nf - 1) / 3 + 1)
    }

    /// The efforts `(h, f)` of point `(i, j)` of the coarse grid ([`Self::coarse`]).
    pub(super) fn coarse_point(&self, i: usize, j: usize) -> (f64, f64) {
        let (nh, nf) = self.coarse();
        let h = self.h.0 + (self.h.1 - self.h.0) * i as f64 / (nh - 1) as f64;
        let f = if nf == 1 {
            self.f.0
        } else {
            self.f.0 + (self.f.1 - self.f.0) * j as f64 / (nf - 1) as f64
        };
        (h, f)
    }
}

/// The best grid point `(ce, h, f)` (the first of equal ones).
fn grid(b: &EffortBox, ce: &impl Fn(f64, f64) -> f64) -> (f64, f64, f64) {
    let ((h_lo, h_hi), (f_lo, f_hi), nh, nf) = (b.h, b.f, b.nh, b.nf);
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
    best
}

/// The pattern search from `best`: 14 rounds, each trying the neighbours at the current
/// step (clamped to the box) and taking any improvement, then halving the step, which
/// starts at the grid's spacing.
fn polish(
    b: &EffortBox,
    mut best: (f64, f64, f64),
    ce: &impl Fn(f64, f64) -> f64,
) -> (f64, f64, f64) {
    let ((h_lo, h_hi), (f_lo, f_hi), nh, nf) = (b.h, b.f, b.nh, b.nf);
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
    best
}

/// The monthly quit hazard of a rep at `salary` whose plan is worth `ce_per_period`
/// a month: the base rate, raised exponentially by the shortfall below the outside
/// option as a share of salary, within the highest rate.
pub(super) fn quit_hazard(model: &Model, rep: &Rep, salary: f64, ce_per_period: f64) -> f64 {
    let r = model.rules();
    let u = salary + ce_per_period;
    let shortfall = (rep.outside_option - u) / (r.quit_sensitivity * salary);
    (r.base_quit_rate * shortfall.min(50.0).exp()).clamp(0.0, r.max_quit_rate)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The local maxima worth refining as first written: every point's neighbours
    /// scanned in full, the others collected and sorted.
    fn candidates_by_sorting(values: &[f64], nh: usize, nf: usize) -> Vec<(f64, usize, usize)> {
        let at = |i: usize, j: usize| values[i * nf + j];
        let mut best = (f64::NEG_INFINITY, 0, 0);
        for i in 0..nh {
            for j in 0..nf {
                if at(i, j) > best.0 {
                    best = (at(i, j), i, j);
                }
            }
        }
        let mut others = Vec::new();
        for i in 0..nh {
            for j in 0..nf {
                if (i, j) == (best.1, best.2) {
                    continue;
                }
                let v = at(i, j);
                let (mut lowest, mut peak) = (v, true);
                for (di, dj) in NEIGHBOURS {
                    let (ni, nj) = (i as isize + di, j as isize + dj);
                    if ni < 0 || nj < 0 || ni >= nh as isize || nj >= nf as isize {
                        continue;
                    }
                    let w = at(ni as usize, nj as usize);
                    peak &= w <= v;
                    lowest = lowest.min(w);
                }
                if peak && v + (v - lowest) >= best.0 {
                    others.push((v, i, j));
                }
            }
        }
        others.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
        let mut out = vec![best];
        out.extend(others.into_iter().take(CANDIDATES - 1));
        out
    }

    #[test]
    fn candidates_are_the_best_local_maxima_in_order_ties_and_plateaus_included() {
        // Grids of few distinct levels (plateaus, ties between peaks, peaks on edges)
        // and the odd NaN, from a fixed-seed generator, in the shapes the search uses.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut with_rivals = 0;
        for (nh, nf) in [(9, 5), (41, 1), (3, 3), (1, 1), (2, 7)] {
            for _ in 0..2000 {
                let levels = 2 + next() % 6;
                let values: Vec<f64> = (0..nh * nf)
                    .map(|_| match next() % 64 {
                        0 => f64::NAN,
                        r => (r % levels) as f64 + if r % 5 == 0 { 0.5 } else { 0.0 },
                    })
                    .collect();
                let expected = candidates_by_sorting(&values, nh, nf);
                let got = candidates(&values, nh, nf);
                let bits = |c: &[(f64, usize, usize)]| -> Vec<(u64, usize, usize)> {
                    c.iter().map(|&(v, i, j)| (v.to_bits(), i, j)).collect()
                };
                assert_eq!(bits(&got), bits(&expected), "{nh} x {nf}: {values:?}");
                with_rivals += usize::from(expected.len() == CANDIDATES);
            }
        }
        // The grids exercise the ordering of several rival maxima, not just the best.
        assert!(with_rivals > 1000, "{with_rivals}");
    }
}
