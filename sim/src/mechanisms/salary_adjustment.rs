//! Salary adjustment at review from individual and team attainment; the raise persists.

use super::{AttainmentPayout, PayoutCurve};
use crate::normal::{Normal, Piece};
use crate::scenario::SalaryAdjustmentSpec;

/// A compiled salary adjustment. Its curve maps attainment to the share of the pool
/// earned: 0 below `min_attainment`, 1 at 100 %, linear between, flat above the cap.
#[derive(Clone, Debug, PartialEq)]
pub struct SalaryAdjustment {
    curve: PayoutCurve,
    /// Months between reviews.
    pub review_every: u32,
    /// Raise at 100 % weighted attainment, as a share of salary.
    pub pool: f64,
    /// Weight of individual attainment.
    pub individual_weight: f64,
    /// Weight of team attainment.
    pub team_weight: f64,
}

impl SalaryAdjustment {
    /// Compiles the scenario's description.
    pub fn new(spec: &SalaryAdjustmentSpec) -> Self {
        let lo = spec.min_attainment;
        let slope = 1.0 / (1.0 - lo);
        let curve = PayoutCurve::new(vec![Piece {
            from: lo,
            to: f64::INFINITY,
            intercept: -slope * lo,
            slope,
        }])
        .capped((spec.cap_attainment - lo) * slope);
        SalaryAdjustment {
            curve,
            review_every: spec.review_every,
            pool: spec.pool,
            individual_weight: spec.individual_weight,
            team_weight: spec.team_weight,
        }
    }

    /// Raise, as a share of salary, for individual and team review attainments.
    ///
    /// ```
    /// use plansim_sim::mechanisms::SalaryAdjustment;
    /// use plansim_sim::scenario::SalaryAdjustmentSpec;
    /// let s = SalaryAdjustment::new(&SalaryAdjustmentSpec { review_every: 6, pool: 0.05,
    ///     individual_weight: 0.7, team_weight: 0.3, min_attainment: 0.8, cap_attainment: 1.5 });
    /// assert!((s.raise(1.0, 1.0) - 0.05).abs() < 1e-12);
    /// assert!((s.raise(0.9, 0.5) - 0.05 * 0.7 * 0.5).abs() < 1e-12);
    /// ```
    pub fn raise(&self, individual: f64, team: f64) -> f64 {
        self.pool
            * (self.individual_weight * self.curve.value(individual)
                + self.team_weight * self.curve.value(team))
    }
}

impl SalaryAdjustment {
    /// The payout curve, whose moments are [`AttainmentPayout::moments`] (for a caller
    /// that computes several curves' moments together, [`crate::normal::piecewise_moments_each`]).
    pub fn curve(&self) -> &PayoutCurve {
        &self.curve
    }
}

impl AttainmentPayout for SalaryAdjustment {
    /// Share of the pool earned at attainment `x`.
    fn payout(&self, x: f64) -> f64 {
        self.curve.value(x)
    }
    fn moments(&self, x: Normal) -> (f64, f64) {
        self.curve.moments(x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ramp_and_cap() {
        let s = SalaryAdjustment::new(&SalaryAdjustmentSpec {
            review_every: 12,
            pool: 0.1,
            individual_weight: 1.0,
            team_weight: 0.0,
            min_attainment: 0.5,
            cap_attainment: 2.0,
        });
        assert_eq!(s.payout(0.4), 0.0);
        assert!((s.payout(0.75) - 0.5).abs() < 1e-12);
        assert!((s.payout(2.0) - 3.0).abs() < 1e-12);
        assert!((s.payout(5.0) - 3.0).abs() < 1e-12);
        // Far inside the linear part the moments are linear.
        let (m, v) = s.moments(Normal {
            mean: 1.0,
            sd: 0.01,
        });
        assert!((m - 1.0).abs() < 1e-9 && (v - 4.0 * 1e-4).abs() < 1e-9);
    }
}
