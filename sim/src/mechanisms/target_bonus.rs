//! Target bonus: paid on attainment of the cycle's score target, with threshold,
//! optional ramp, accelerator and cap, on an individual or team target.

use super::{AttainmentPayout, PayoutCurve};
use crate::normal::{Normal, Piece};
use crate::scenario::{Basis, TargetBonusSpec};

/// A compiled target bonus.
#[derive(Clone, Debug, PartialEq)]
pub struct TargetBonus {
    curve: PayoutCurve,
    /// Individual or team target.
    pub basis: Basis,
    /// The bonus at the threshold.
    pub amount: f64,
}

impl TargetBonus {
    /// Compiles the scenario's description.
    ///
    /// ```
    /// use plansim_sim::mechanisms::{AttainmentPayout, TargetBonus};
    /// use plansim_sim::scenario::{Basis, TargetBonusSpec};
    /// let spec = TargetBonusSpec { amount: 1000.0, threshold: 1.0, ramp_from: Some(0.8),
    ///     accelerator: 2.0, cap: Some(1.5), basis: Basis::Individual, cycle: None };
    /// let bonus = TargetBonus::new(&spec);
    /// assert_eq!(bonus.payout(0.7), 0.0);
    /// assert!((bonus.payout(0.9) - 500.0).abs() < 1e-9);
    /// assert!((bonus.payout(1.1) - 1200.0).abs() < 1e-9);
    /// assert_eq!(bonus.payout(2.0), 1500.0);
    /// ```
    pub fn new(spec: &TargetBonusSpec) -> Self {
        let a = spec.amount;
        let theta = spec.threshold;
        let mut pieces = Vec::new();
        if let Some(r) = spec.ramp_from {
            let slope = a / (theta - r);
            pieces.push(Piece {
                from: r,
                to: theta,
                intercept: -slope * r,
                slope,
            });
        }
        let knee = theta.max(1.0);
        if knee > theta {
            pieces.push(Piece {
                from: theta,
                to: knee,
                intercept: a,
                slope: 0.0,
            });
        }
        let slope = a * spec.accelerator;
        pieces.push(Piece {
            from: knee,
            to: f64::INFINITY,
            intercept: a - slope * knee,
            slope,
        });
        let mut curve = PayoutCurve::new(pieces);
        if let Some(cap) = spec.cap {
            curve = curve.capped(cap * a);
        }
        TargetBonus {
            curve,
            basis: spec.basis,
            amount: a,
        }
    }
}

impl TargetBonus {
    /// The payout curve, whose moments are [`AttainmentPayout::moments`] (for a caller
    /// that computes several curves' moments together, [`crate::normal::piecewise_moments_each`]).
    pub fn curve(&self) -> &PayoutCurve {
        &self.curve
    }
}

impl AttainmentPayout for TargetBonus {
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
    use crate::normal::{cdf, pdf};

    fn spec(threshold: f64) -> TargetBonusSpec {
        TargetBonusSpec {
            amount: 1000.0,
            threshold,
            ramp_from: None,
            accelerator: 0.0,
            cap: None,
            basis: Basis::Individual,
            cycle: None,
        }
    }

    #[test]
    fn step_bonus_pays_at_threshold_and_has_bernoulli_moments() {
        let b = TargetBonus::new(&spec(1.0));
        assert_eq!(b.payout(0.999), 0.0);
        assert_eq!(b.payout(1.0), 1000.0);
        assert_eq!(b.payout(3.0), 1000.0);
        // Attainment ~ N(1.1, 0.2^2): P(pay) = Phi(0.5).
        let p = cdf(0.5);
        let (m, v) = b.moments(Normal { mean: 1.1, sd: 0.2 });
        assert!((m - 1000.0 * p).abs() < 1e-9);
        assert!((v - 1e6 * p * (1.0 - p)).abs() < 1e-6);
    }

    #[test]
    fn threshold_below_one_pays_flat_to_one_then_accelerates() {
        let mut s = spec(0.9);
        s.accelerator = 3.0;
        let b = TargetBonus::new(&s);
        assert_eq!(b.payout(0.95), 1000.0);
        assert!((b.payout(1.2) - 1600.0).abs() < 1e-9);
    }

    #[test]
    fn accelerated_bonus_mean_matches_hand_computation() {
        // Pays 1000 + 2000 (x - 1) above 1: E = 1000 P(X>1) + 2000 E[(X-1)+].
        let mut s = spec(1.0);
        s.accelerator = 2.0;
        let b = TargetBonus::new(&s);
        let (mu, sd) = (1.0, 0.1);
        let (m, _) = b.moments(Normal { mean: mu, sd });
        let expected = 1000.0 * 0.5 + 2000.0 * sd * pdf(0.0);
        assert!((m - expected).abs() < 1e-9, "{m} vs {expected}");
    }

    #[test]
    fn cap_limits_payout_and_its_variance() {
        let mut s = spec(1.0);
        s.accelerator = 5.0;
        s.cap = Some(2.0);
        let b = TargetBonus::new(&s);
        assert_eq!(b.payout(1.2), 2000.0);
        assert_eq!(b.payout(9.0), 2000.0);
        // Far above the cap, the payout is certain.
        let (m, v) = b.moments(Normal { mean: 5.0, sd: 0.1 });
        assert!((m - 2000.0).abs() < 1e-6 && v < 1e-6);
    }
}
