//! A rep's choice in one period (docs/model.md sections 8.1, 8.3 and 10): the
//! certainty equivalent of an effort for the rest of the cycle, its global maximum
//! over the effort box, and the quit hazard the chosen value implies.

use super::forecast::{forecast, score, Forecast};
use super::MAX_CYCLE;
use crate::mechanisms::{AttainmentPayout, Promotion, PromotionRule};
use crate::model::{Kpis, Model, Outcome, Plan, Rep};
use crate::normal::Normal;
use crate::scenario::{CommissionBase, CustomerCount};

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
}

/// Certainty equivalent of effort (h, f) for the rest of the cycle, its risk premium,
/// and the cost of its expected output at the context's shadow prices.
pub(super) fn certainty_equivalent(
    ctx: &Context<'_>,
    attainment_so_far: f64,
    h: f64,
    f: f64,
) -> (f64, f64, f64) {
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
        let (m, v) = match (c.satisfaction_gate, ctx.model.outcome()) {
            (Some(gate), Outcome::Funnel(fun)) => {
                c.gated_moments(counted, ctx.cv2, fun.satisfaction_at_least(f, gate), k)
            }
            _ => c.moments(counted, ctx.cv2),
        };
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
    let shadow_cost = if ctx.shadow == Kpis::ZERO {
        0.0
    } else {
        ctx.shadow.revenue * fc.m_rev + ctx.shadow.new_customers * fc.m_nc
    };
    (
        mean_pay - risk_premium + extra - effort_cost,
        risk_premium,
        shadow_cost,
    )
}

/// Global maximiser (h, f) of the certainty equivalent over the effort box, with the
/// certainty equivalent and risk premium there (docs/model.md section 8.3): the best
/// point of a grid, polished by a shrinking pattern search. With shadow prices on
/// output (a ratchet foreseen, section 8.7) the effort maximises the certainty
/// equivalent less the output's shadow cost, and the certainty equivalent returned is
/// the cycle's own, without it.
pub(super) fn best_effort(ctx: &Context<'_>, attainment_so_far: f64) -> (f64, f64, f64, f64) {
    let b = EffortBox::of(ctx.model);
    let ce = |h: f64, f: f64| {
        let (v, _, shadow_cost) = certainty_equivalent(ctx, attainment_so_far, h, f);
        if ctx.shadow == Kpis::ZERO {
            v
        } else {
            v - shadow_cost
        }
    };
    let best = polish(&b, grid(&b, &ce), &ce);
    let (value, risk_premium, _) = certainty_equivalent(ctx, attainment_so_far, best.1, best.2);
    let value = if ctx.shadow == Kpis::ZERO {
        best.0
    } else {
        value
    };
    (best.1, best.2, value, risk_premium)
}

/// The effort box and its grid: 25 x 13 points for the funnel's two tasks, 121 points
/// of acquisition with service at its minimum for the linear-normal model.
struct EffortBox {
    h: (f64, f64),
    f: (f64, f64),
    nh: usize,
    nf: usize,
}

impl EffortBox {
    fn of(model: &Model) -> Self {
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
