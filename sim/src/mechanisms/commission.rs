//! Commission on revenue over the cycle, optionally tiered by revenue attainment.

use super::{AttainmentPayout, PayoutCurve};
use crate::normal::{Normal, Piece};
use crate::scenario::{CommissionBase, CommissionSpec};

/// A compiled commission. Its curve gives pay per unit of the cycle's revenue
/// target as a function of revenue attainment, so pay = target x curve(attainment).
#[derive(Clone, Debug, PartialEq)]
pub struct Commission {
    curve: PayoutCurve,
    /// The rate below the first tier.
    pub base_rate: f64,
    /// Revenue the commission is on.
    pub on: CommissionBase,
    /// True when tiers make the rate depend on attainment.
    pub tiered: bool,
}

impl Commission {
    /// Compiles the scenario's description.
    ///
    /// ```
    /// use plansim_sim::mechanisms::{AttainmentPayout, Commission};
    /// use plansim_sim::scenario::{CommissionBase, CommissionSpec, CommissionTier};
    /// let spec = CommissionSpec { rate: 0.05, on: CommissionBase::Revenue,
    ///     tiers: vec![CommissionTier { from: 1.0, rate: 0.10 }], cycle: None };
    /// let c = Commission::new(&spec);
    /// // At 120 % of a target of 100: 5 % of 100 plus 10 % of 20.
    /// assert!((100.0 * c.payout(1.2) - 7.0).abs() < 1e-9);
    /// ```
    pub fn new(spec: &CommissionSpec) -> Self {
        let mut pieces = Vec::new();
        let mut from = f64::NEG_INFINITY;
        let mut rate = spec.rate;
        let mut paid_at_from = 0.0; // pay per unit target accumulated at `from`
        let mut anchor = 0.0; // attainment where `paid_at_from` holds
        for tier in &spec.tiers {
            pieces.push(Piece {
                from,
                to: tier.from,
                intercept: paid_at_from - rate * anchor,
                slope: rate,
            });
            paid_at_from += rate * (tier.from - anchor);
            anchor = tier.from;
            from = tier.from;
            rate = tier.rate;
        }
        pieces.push(Piece {
            from,
            to: f64::INFINITY,
            intercept: paid_at_from - rate * anchor,
            slope: rate,
        });
        Commission {
            curve: PayoutCurve::new(pieces),
            base_rate: spec.rate,
            on: spec.on,
            tiered: !spec.tiers.is_empty(),
        }
    }
}

impl AttainmentPayout for Commission {
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
    use crate::scenario::CommissionTier;

    #[test]
    fn flat_commission_is_linear_with_exact_moments() {
        let c = Commission::new(&CommissionSpec {
            rate: 0.04,
            on: CommissionBase::Revenue,
            tiers: vec![],
            cycle: None,
        });
        assert!((c.payout(1.5) - 0.06).abs() < 1e-15);
        let (m, v) = c.moments(Normal { mean: 1.1, sd: 0.3 });
        assert!((m - 0.044).abs() < 1e-12);
        assert!((v - 0.04f64.powi(2) * 0.09).abs() < 1e-12);
    }

    #[test]
    fn tiered_commission_is_continuous_with_marginal_rates() {
        let spec = CommissionSpec {
            rate: 0.02,
            on: CommissionBase::Revenue,
            tiers: vec![
                CommissionTier {
                    from: 0.8,
                    rate: 0.05,
                },
                CommissionTier {
                    from: 1.2,
                    rate: 0.08,
                },
            ],
            cycle: None,
        };
        let c = Commission::new(&spec);
        let expected = |x: f64| {
            0.02 * x.min(0.8) + 0.05 * (x.min(1.2) - 0.8).max(0.0) + 0.08 * (x - 1.2).max(0.0)
        };
        for &x in &[0.1, 0.79, 0.8, 1.0, 1.2, 1.7] {
            assert!((c.payout(x) - expected(x)).abs() < 1e-12, "x={x}");
        }
        // Mean at X ~ N(1, 0.2^2): linear part plus E[(X - k)+] terms.
        let (mu, sd) = (1.0, 0.2);
        let call = |k: f64| {
            let z = (mu - k) / sd;
            (mu - k) * cdf(z) + sd * pdf(z)
        };
        let hand = 0.02 * mu + 0.03 * call(0.8) + 0.03 * call(1.2);
        let (m, _) = c.moments(Normal { mean: mu, sd });
        assert!((m - hand).abs() < 1e-12, "{m} vs {hand}");
    }
}
