//! What revenue moved into the next cycle is worth to a rep (docs/model.md section
//! 8.8): the certainty equivalent of the next cycle's money pay with a head start, from
//! the forecast of section 8.2 at the policy's planned efforts, and the deal revenue
//! the rep expects in the next cycle's first periods (the pipeline it can pull from).

use super::forecast::{forecast, productivities, score, Forecast};
use super::Policy;
use crate::mechanisms::AttainmentPayout;
use crate::model::{Kpis, Model, Outcome, Plan, Rep};
use crate::normal::Normal;
use crate::scenario::CommissionBase;

/// A rep's forecast, at a cycle's close, of the next cycle.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NextCycle {
    target: Kpis,
    forecast: Forecast,
    risk_aversion: f64,
    pipeline: f64,
    /// 1 when moved deals are conversions' first-month revenue (funnel), else 0.
    new_revenue: f64,
}

/// The rep's state at a cycle's close, from which it forecasts the next cycle.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CloseState {
    /// Sales skill.
    pub skill: f64,
    /// Tenure at the next cycle's first period.
    pub tenure: u32,
    /// Customers in the book.
    pub book: f64,
    /// What the rep achieved in the closing cycle (the next target, if it ratchets).
    pub achieved: Kpis,
}

impl NextCycle {
    /// The forecast of the cycle `[from, from + plan.cycle_len)` for rep `rep` (row
    /// `row` of `policy`) from its state at the close: each period at the policy's
    /// planned effort (a period past the policy's end takes the effort of the same
    /// period of an earlier cycle: the plan repeats), its productivity on the rep's
    /// skill and tenure (section 8.2), the book carried from period to period, and the
    /// cycle's targets. `window` first periods make the pipeline.
    pub fn new(
        model: &Model,
        plan: &Plan,
        policy: &Policy,
        (row, rep): (usize, &Rep),
        from: u32,
        state: &CloseState,
        window: u32,
    ) -> NextCycle {
        let len = plan.cycle_len;
        let end = from + len;
        let target = model.cycle_targets(rep, from, end, Some(state.achieved));
        let prod = productivities(model, plan, rep, state.skill, state.tenure, from, end);
        let cv2 = model.market().cv2();
        let planned = &policy.planned()[row];
        let mut total = Forecast::default();
        let mut pipeline = 0.0;
        let mut book = state.book;
        for (i, p) in (from..end).enumerate() {
            let mut q = p;
            while q >= policy.end() && q >= len {
                q -= len;
            }
            let q = q.clamp(policy.start(), policy.end() - 1);
            let cell = planned[(q - policy.start()) as usize];
            let fc = forecast(
                model,
                plan,
                &prod[i..i + 1],
                book,
                cell.acquisition,
                cell.service,
                cv2,
            );
            if (i as u32) < window {
                pipeline += deal_revenue(model, &fc);
            }
            total.add(&fc);
            book = fc.book_end;
        }
        NextCycle {
            target,
            forecast: total,
            risk_aversion: rep.risk_aversion,
            pipeline,
            new_revenue: match model.outcome() {
                Outcome::Funnel(_) => 1.0,
                Outcome::LinearNormal { .. } => 0.0,
            },
        }
    }

    /// Deal revenue expected in the next cycle's first `window` periods.
    pub fn pipeline(&self) -> f64 {
        self.pipeline
    }

    /// Certainty equivalent of the next cycle's target bonus and commission (the whole
    /// cycle's pay, section 8.1's moments) when `credited` revenue is added to it:
    /// `E[P] - (r / 2) Var[P]` at the forecast's mean shifted by `credited`.
    pub fn value(&self, plan: &Plan, credited: f64) -> f64 {
        let fc = &self.forecast;
        let t = self.target;
        let (ar, _) = plan.score_coefficients(t);
        let (m, v) = score(plan, fc, t, false);
        let own = Normal {
            mean: m + ar * credited,
            sd: v.sqrt(),
        };
        let (mut mean, mut var) = (0.0, 0.0);
        if let Some(b) = &plan.target_bonus {
            let (m, v) = b.moments(own);
            mean += m;
            var += v;
        }
        if let Some(c) = &plan.commission {
            let (m, v) = match c.on {
                CommissionBase::NewRevenue => (
                    c.base_rate * (fc.m_new_rev + self.new_revenue * credited),
                    c.base_rate * c.base_rate * fc.v_new_rev,
                ),
                CommissionBase::Revenue if !c.tiered || t.revenue <= 0.0 => (
                    c.base_rate * (fc.m_rev + credited),
                    c.base_rate * c.base_rate * fc.v_rev,
                ),
                CommissionBase::Revenue => {
                    let (m, v) = c.moments(Normal {
                        mean: (fc.m_rev + credited) / t.revenue,
                        sd: fc.v_rev.sqrt() / t.revenue,
                    });
                    (t.revenue * m, t.revenue * t.revenue * v)
                }
            };
            mean += m;
            var += v;
        }
        mean - 0.5 * self.risk_aversion * var
    }
}

/// Deal revenue of a forecast: the conversions' first-month revenue (funnel) or the
/// output (linear-normal), what a rep can move across a cycle's end.
fn deal_revenue(model: &Model, fc: &Forecast) -> f64 {
    match model.outcome() {
        Outcome::Funnel(_) => fc.m_new_rev,
        Outcome::LinearNormal { .. } => fc.m_rev,
    }
}
