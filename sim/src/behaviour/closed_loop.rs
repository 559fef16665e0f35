//! Closed-loop planning within a cycle (docs/model.md section 8.9): the rep's effort
//! is a policy on the state (period of the cycle, attainment so far), solved by
//! backward induction over the cycle's remaining periods on the policy table's
//! attainment grid, instead of the open loop's constant effort for the rest of the
//! cycle, re-planned each period.
//!
//! At the cycle's last period the value is the open loop's certainty equivalent of
//! that period (the cycle's payouts at attainment so far plus the period's output,
//! section 8.1). At an earlier period the rep maximises the certainty equivalent of the
//! period's own pay (the plan without its cycle-end payouts: target bonus and salary
//! adjustment) less its effort cost, plus the certainty equivalent of the next
//! period's value at the attainment the period's normal output leads to: under CARA
//! utility `-(1/r) ln E[exp(-r V(a + x))]`, by Gauss-Hermite quadrature and linear
//! interpolation in attainment.

use super::choice::{
    best_effort, best_efforts, candidates, certainty_equivalent, refine, Choice, Context, EffortBox,
};
use super::forecast::{forecast, score, Forecast};
use super::{ATTAINMENT_BUCKETS, ATTAINMENT_MAX, MAX_CYCLE};
use crate::model::{Outcome, Plan};
use crate::normal::gauss_hermite;
use crate::scenario::CommissionBase;

/// Nodes of the Gauss-Hermite rule for the expectation over a period's output.
pub(super) const HERMITE_NODES: usize = 24;

/// The best choices of the cells of one rep-period under closed-loop planning, in the
/// layout of [`super::choice::best_efforts`]: for each eligibility in `states` (outer)
/// and attainment so far in `xs` (inner), the effort, the certainty equivalent of the
/// rest of the cycle under the closed-loop policy and its risk premium (the expected
/// net pay less that certainty equivalent). With one period left it is the open loop's
/// choice.
pub(super) fn best_efforts_closed(ctx: &Context<'_>, xs: &[f64], states: &[bool]) -> Vec<Choice> {
    if ctx.remaining <= 1 {
        return best_efforts(ctx, xs, states);
    }
    let cycle = Cycle::new(ctx);
    let grid: Vec<f64> = (0..ATTAINMENT_BUCKETS)
        .map(|b| ATTAINMENT_MAX * b as f64 / (ATTAINMENT_BUCKETS - 1) as f64)
        .collect();
    let (nodes, weights) = gauss_hermite(HERMITE_NODES);
    let k = ctx.remaining;
    let mut out = vec![(0.0, 0.0, 0.0, 0.0); xs.len() * states.len()];
    for (e, &eligible) in states.iter().enumerate() {
        // The last period: the open loop's certainty equivalent of the cycle's payouts.
        let last = cycle.stage(k - 1, eligible);
        let choices = best_efforts(&last, &grid, &[eligible]);
        let mut next = Values {
            ce: choices.iter().map(|c| c.2).collect(),
            expected: choices.iter().map(|c| c.2 + c.3).collect(),
        };
        for i in (0..k - 1).rev() {
            let stage = Stage::new(&cycle, i, eligible);
            let at: &[f64] = if i == 0 { xs } else { &grid };
            let solved: Vec<(Choice, f64)> = at
                .iter()
                .map(|&a| stage.best(&next, a, &nodes, &weights))
                .collect();
            if i == 0 {
                for (bucket, (choice, _)) in solved.into_iter().enumerate() {
                    out[e * xs.len() + bucket] = choice;
                }
            } else {
                next = Values {
                    ce: solved.iter().map(|(c, _)| c.2).collect(),
                    expected: solved.iter().map(|(_, ev)| *ev).collect(),
                };
            }
        }
    }
    out
}

/// The cycle's remaining periods as the rep at the context's period foresees them: the
/// book at each period's start on the path of the open loop's best effort at the
/// planned attainment, and the rest of the team's forecast spread evenly over the
/// periods.
struct Cycle<'c, 'a> {
    ctx: &'c Context<'a>,
    /// The plan without its cycle-end payouts (target bonus, salary adjustment): the pay
    /// of one period.
    flow_plan: Plan,
    /// The planned book at the start of each remaining period, and after the last.
    books: [f64; MAX_CYCLE + 1],
    /// The planned effort the books follow.
    planned: (f64, f64),
}

impl<'c, 'a> Cycle<'c, 'a> {
    fn new(ctx: &'c Context<'a>) -> Self {
        let mut flow_plan = ctx.plan.clone();
        flow_plan.target_bonus = None;
        flow_plan.salary_adjustment = None;
        let (h, f, _, _) = best_effort(ctx, ctx.own_attainment_so_far);
        let mut books = [0.0; MAX_CYCLE + 1];
        books[0] = ctx.book;
        for i in 0..ctx.remaining {
            let fc = forecast(
                ctx.model,
                ctx.plan,
                &ctx.productivity[i..i + 1],
                books[i],
                h,
                f,
                ctx.cv2,
            );
            books[i + 1] = fc.book_end;
        }
        Cycle {
            ctx,
            flow_plan,
            books,
            planned: (h, f),
        }
    }

    /// The context of the `i`-th remaining period (from 0, the context's own), for a rep
    /// of the given eligibility, with the full plan.
    fn stage(&self, i: usize, eligible: bool) -> Context<'a> {
        let ctx = self.ctx;
        let k = ctx.remaining;
        let mut c = ctx.clone();
        c.productivity = [0.0; MAX_CYCLE];
        c.productivity[..k - i].copy_from_slice(&ctx.productivity[i..k]);
        c.remaining = k - i;
        c.book = self.books[i];
        c.eligible = eligible;
        // The others' forecast spread evenly over the remaining periods; the team's
        // attainment so far advanced by the first i periods' share of the team's.
        let left = (k - i) as f64 / k as f64;
        c.others = scaled(&ctx.others, left);
        if i > 0 {
            let (h, f) = self.planned;
            let own = forecast(
                ctx.model,
                ctx.plan,
                &ctx.productivity[..i],
                ctx.book,
                h,
                f,
                ctx.cv2,
            );
            let mut done = scaled(&ctx.others, 1.0 - left);
            done.add(&own);
            c.team_attainment_so_far += score(ctx.plan, &done, ctx.team_target, false).0;
        }
        c
    }
}

/// A forecast's means and variances times `s`.
fn scaled(fc: &Forecast, s: f64) -> Forecast {
    Forecast {
        m_rev: fc.m_rev * s,
        v_rev: fc.v_rev * s,
        v_rev_idio: fc.v_rev_idio * s,
        m_nc: fc.m_nc * s,
        v_nc: fc.v_nc * s,
        v_nc_idio: fc.v_nc_idio * s,
        c_rn: fc.c_rn * s,
        c_rn_idio: fc.c_rn_idio * s,
        m_conv: fc.m_conv * s,
        m_new_rev: fc.m_new_rev * s,
        v_new_rev: fc.v_new_rev * s,
        m_sat: fc.m_sat * s,
        v_sat: fc.v_sat * s,
        book_end: fc.book_end,
    }
}

/// The next period's value over the attainment grid: its certainty equivalent and the
/// expected net pay of the policy (whose difference is the risk premium).
struct Values {
    ce: Vec<f64>,
    expected: Vec<f64>,
}

/// One period before the cycle's last: what an effort pays now and where it moves
/// attainment.
struct Stage<'s, 'a> {
    /// The period's context with the full plan (its forecast and score).
    full: Context<'a>,
    /// The period's context with the plan's per-period pay only.
    flow: Context<'s>,
    /// The planned book at the period's end.
    book_next: f64,
    /// Score units per customer more in the book at the period's end: its recurring
    /// revenue over the cycle's later periods, kept at the planned churn.
    score_per_customer: f64,
    /// Money per customer more in the book at the period's end: commission on that
    /// revenue.
    pay_per_customer: f64,
    box_: EffortBox,
    risk_aversion: f64,
}

/// What an effort does in a stage.
struct Step {
    /// Certainty equivalent of the period's own pay, net of effort cost.
    flow: f64,
    /// Its risk premium.
    flow_risk: f64,
    /// Mean and standard deviation of the period's increment of attainment.
    mean: f64,
    sd: f64,
}

impl<'s, 'a> Stage<'s, 'a> {
    fn new(cycle: &'s Cycle<'_, 'a>, i: usize, eligible: bool) -> Self {
        let full = cycle.stage(i, eligible);
        let mut flow = full.clone();
        flow.plan = &cycle.flow_plan;
        flow.remaining = 1;
        let mut full_one = full.clone();
        full_one.remaining = 1;
        let later = full.remaining - 1;
        let (score_per_customer, pay_per_customer) = match full.model.outcome() {
            Outcome::Funnel(fun) => {
                let kept = 1.0 - fun.churn(cycle.planned.1);
                let survival: f64 = (1..=later).map(|j| kept.powi(j as i32)).sum();
                let revenue = fun.recurring_revenue * survival;
                let (ar, _) = full.plan.score_coefficients(full.target);
                let rate = cycle.flow_plan.commission.as_ref().map_or(0.0, |c| {
                    if c.on == CommissionBase::Revenue {
                        c.base_rate
                    } else {
                        0.0
                    }
                });
                (ar * revenue, rate * revenue)
            }
            Outcome::LinearNormal { .. } => (0.0, 0.0),
        };
        Stage {
            risk_aversion: full.rep.risk_aversion,
            box_: EffortBox::of(full.model),
            book_next: cycle.books[i + 1],
            full: full_one,
            flow,
            score_per_customer,
            pay_per_customer,
        }
    }

    fn step(&self, h: f64, f: f64) -> Step {
        let c = &self.full;
        let (flow, flow_risk, _) = certainty_equivalent(&self.flow, 0.0, h, f);
        let fc = forecast(c.model, c.plan, &c.productivity[..1], c.book, h, f, c.cv2);
        let (mean, var) = score(c.plan, &fc, c.target, false);
        let more = fc.book_end - self.book_next;
        Step {
            flow: flow + self.pay_per_customer * more,
            flow_risk,
            mean: mean + self.score_per_customer * more,
            sd: var.sqrt(),
        }
    }

    /// The certainty equivalent of the next period's value when attainment is
    /// Normal(mean, sd^2), and the expectation of `expected` there.
    fn continuation(
        &self,
        next: &Values,
        mean: f64,
        sd: f64,
        nodes: &[f64],
        weights: &[f64],
        with_expected: bool,
    ) -> (f64, f64) {
        let mut values = [0.0; HERMITE_NODES];
        let mut expected = 0.0;
        for (q, (&z, &w)) in nodes.iter().zip(weights).enumerate() {
            let a = mean + sd * z;
            values[q] = interpolate(&next.ce, a);
            if with_expected {
                expected += w * interpolate(&next.expected, a);
            }
        }
        (
            certainty_equivalent_of(&values[..nodes.len()], weights, self.risk_aversion),
            expected,
        )
    }

    /// The best effort at attainment so far `a`: the choice (efforts, certainty
    /// equivalent, risk premium) and the policy's expected net pay.
    fn best(&self, next: &Values, a: f64, nodes: &[f64], weights: &[f64]) -> (Choice, f64) {
        let b = &self.box_;
        let (nh, nf) = b.coarse();
        let point = |i: usize, j: usize| b.coarse_point(i, j);
        let objective = |h: f64, f: f64| {
            let s = self.step(h, f);
            s.flow
                + self
                    .continuation(next, a + s.mean, s.sd, nodes, weights, false)
                    .0
        };
        let values: Vec<f64> = (0..nh)
            .flat_map(|i| (0..nf).map(move |j| (i, j)))
            .map(|(i, j)| {
                let (h, f) = point(i, j);
                objective(h, f)
            })
            .collect();
        let mut best = (f64::NEG_INFINITY, b.h.0, b.f.0);
        for (v, i, j) in candidates(&values, nh, nf) {
            let (h, f) = point(i, j);
            let refined = refine(b, (v, h, f), &objective);
            if refined.0 > best.0 {
                best = refined;
            }
        }
        let (ce, h, f) = best;
        let s = self.step(h, f);
        let (_, expected) = self.continuation(next, a + s.mean, s.sd, nodes, weights, true);
        let expected = s.flow + s.flow_risk + expected;
        ((h, f, ce, expected - ce), expected)
    }
}

/// The certainty equivalent under CARA utility with absolute risk aversion `r` of a
/// value taking `values` with probabilities `weights`: `-(1/r) ln sum w exp(-r v)`
/// (the expectation where r = 0), shifted by the smallest value against overflow.
fn certainty_equivalent_of(values: &[f64], weights: &[f64], r: f64) -> f64 {
    if r <= 0.0 {
        return values.iter().zip(weights).map(|(v, w)| v * w).sum();
    }
    let low = values.iter().copied().fold(f64::INFINITY, f64::min);
    let sum: f64 = values
        .iter()
        .zip(weights)
        .map(|(v, w)| w * (-r * (v - low)).exp())
        .sum();
    low - sum.ln() / r
}

/// Linear interpolation of values on the attainment grid; below 0 the first point
/// applies, beyond [`ATTAINMENT_MAX`] the last two points' line extends.
fn interpolate(values: &[f64], x: f64) -> f64 {
    let n = values.len();
    let pos = x.max(0.0) / ATTAINMENT_MAX * (n - 1) as f64;
    let lo = (pos as usize).min(n - 2);
    let w = pos - lo as f64;
    values[lo] + w * (values[lo + 1] - values[lo])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cara_certainty_equivalent_of_a_normal_is_mean_less_half_r_variance() {
        // Values linear in a normal draw: CE = mean - (r/2) var exactly under CARA.
        let (z, w) = gauss_hermite(HERMITE_NODES);
        let (mean, sd, r) = (1000.0, 400.0, 0.002);
        let values: Vec<f64> = z.iter().map(|z| mean + sd * z).collect();
        let ce = certainty_equivalent_of(&values, &w, r);
        let exact = mean - 0.5 * r * sd * sd;
        assert!((ce - exact).abs() < 1e-8 * mean, "{ce} vs {exact}");
        assert!((certainty_equivalent_of(&values, &w, 0.0) - mean).abs() < 1e-9 * mean);
    }

    #[test]
    fn interpolation_is_exact_on_a_line_and_extends_it_beyond_the_grid() {
        let values: Vec<f64> = (0..ATTAINMENT_BUCKETS)
            .map(|b| 3.0 + 2.0 * ATTAINMENT_MAX * b as f64 / (ATTAINMENT_BUCKETS - 1) as f64)
            .collect();
        for x in [0.0, 0.37, 1.0, 1.99, 2.0, 2.6] {
            assert!(
                (interpolate(&values, x) - (3.0 + 2.0 * x)).abs() < 1e-12,
                "{x}"
            );
        }
        assert_eq!(interpolate(&values, -0.5), 3.0);
    }
}
