//! Customer satisfaction on the cycle's pay: a gate on, and a multiplier of, the
//! target bonus and the commission by the cycle's mean satisfaction score
//! (docs/model.md section 5.7).

use super::PayoutCurve;
use crate::normal::{Normal, Piece};
use crate::scenario::SatisfactionPaySpec;

/// A compiled satisfaction gate and multiplier: the factor `G(S)` the cycle's target
/// bonus and commission are multiplied by, S the cycle's mean satisfaction score.
#[derive(Clone, Debug, PartialEq)]
pub struct SatisfactionPay {
    factor: PayoutCurve,
    neutral: bool,
}

impl SatisfactionPay {
    /// Compiles the scenario's description.
    ///
    /// # Formula
    /// `G(S) = 1[S >= gate] m(S)`, `m(S) = v_lo` for `S <= lo`, `v_hi` for `S >= hi`,
    /// linear between (1 everywhere without a multiplier; no gate: always met).
    ///
    /// ```
    /// use plansim_sim::mechanisms::SatisfactionPay;
    /// use plansim_sim::scenario::{SatisfactionMultiplierSpec, SatisfactionPaySpec};
    /// let pay = SatisfactionPay::new(&SatisfactionPaySpec {
    ///     gate: Some(60.0),
    ///     multiplier: Some(SatisfactionMultiplierSpec { low: 50.0, high: 90.0, low_value: 0.5, high_value: 1.5 }),
    /// });
    /// assert_eq!(pay.factor(59.9), 0.0);
    /// assert!((pay.factor(70.0) - 1.0).abs() < 1e-12);
    /// assert_eq!(pay.factor(95.0), 1.5);
    /// ```
    pub fn new(spec: &SatisfactionPaySpec) -> Self {
        let gate = spec.gate.unwrap_or(f64::NEG_INFINITY);
        let mut pieces = match spec.multiplier {
            Some(m) => {
                let slope = (m.high_value - m.low_value) / (m.high - m.low);
                vec![
                    Piece {
                        from: f64::NEG_INFINITY,
                        to: m.low,
                        intercept: m.low_value,
                        slope: 0.0,
                    },
                    Piece {
                        from: m.low,
                        to: m.high,
                        intercept: m.low_value - slope * m.low,
                        slope,
                    },
                    Piece {
                        from: m.high,
                        to: f64::INFINITY,
                        intercept: m.high_value,
                        slope: 0.0,
                    },
                ]
            }
            None => vec![Piece {
                from: f64::NEG_INFINITY,
                to: f64::INFINITY,
                intercept: 1.0,
                slope: 0.0,
            }],
        };
        // The gate: nothing below it.
        pieces.retain(|p| p.to > gate);
        for p in &mut pieces {
            p.from = p.from.max(gate);
        }
        // Satisfaction scores are never below 0: a gate at 0 or below is always met.
        let gate_neutral = spec.gate.is_none_or(|g| g <= 0.0);
        let multiplier_neutral = spec
            .multiplier
            .is_none_or(|m| m.low_value == 1.0 && m.high_value == 1.0);
        SatisfactionPay {
            factor: PayoutCurve::new(pieces),
            neutral: gate_neutral && multiplier_neutral,
        }
    }

    /// True when the factor is 1 at every satisfaction score (0-100): the plan's pay
    /// is then exactly that without the section.
    pub fn is_neutral(&self) -> bool {
        self.neutral
    }

    /// The factor `G(S)` at the cycle's mean satisfaction score `mean_satisfaction`.
    #[inline]
    pub fn factor(&self, mean_satisfaction: f64) -> f64 {
        self.factor.value(mean_satisfaction)
    }

    /// Mean and variance of the cycle's target bonus and commission times the factor,
    /// when that pay has mean `pay.0` and variance `pay.1` and the cycle's mean
    /// satisfaction, independent of it, is `satisfaction`.
    ///
    /// # Formula
    /// `E[P G] = E[P] E[G]`, `Var[P G] = (Var P + E[P]^2) E[G^2] - E[P]^2 E[G]^2`, with
    /// `E[G]`, `E[G^2]` the exact normal moments of the piecewise-linear factor.
    pub fn moments(&self, pay: (f64, f64), satisfaction: Normal) -> (f64, f64) {
        let (eg, vg) = self.factor.moments(satisfaction);
        let (mp, vp) = pay;
        let mean = mp * eg;
        let second = (vp + mp * mp) * (vg + eg * eg);
        (mean, (second - mean * mean).max(0.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normal::cdf;
    use crate::scenario::SatisfactionMultiplierSpec;

    #[test]
    fn a_gate_alone_pays_all_or_nothing_with_bernoulli_moments() {
        let pay = SatisfactionPay::new(&SatisfactionPaySpec {
            gate: Some(70.0),
            multiplier: None,
        });
        assert!(!pay.is_neutral());
        assert_eq!(pay.factor(69.99), 0.0);
        assert_eq!(pay.factor(70.0), 1.0);
        // S ~ N(72, 4^2): gate met with p = Phi(0.5); pay 1000 with variance 100^2.
        let p = cdf(0.5);
        let (m, v) = pay.moments(
            (1000.0, 1e4),
            Normal {
                mean: 72.0,
                sd: 4.0,
            },
        );
        assert!((m - 1000.0 * p).abs() < 1e-9);
        // Var[P G] = E[P^2] p - (E[P] p)^2.
        assert!((v - ((1e4 + 1e6) * p - (1000.0 * p).powi(2))).abs() < 1e-6);
    }

    #[test]
    fn the_multiplier_is_linear_between_its_levels_and_flat_outside() {
        let pay = SatisfactionPay::new(&SatisfactionPaySpec {
            gate: None,
            multiplier: Some(SatisfactionMultiplierSpec {
                low: 60.0,
                high: 80.0,
                low_value: 0.8,
                high_value: 1.2,
            }),
        });
        assert_eq!(pay.factor(10.0), 0.8);
        assert!((pay.factor(65.0) - 0.9).abs() < 1e-12);
        assert_eq!(pay.factor(80.0), 1.2);
        // A point forecast inside the linear part: the factor times the pay, exactly.
        let (m, v) = pay.moments(
            (500.0, 0.0),
            Normal {
                mean: 75.0,
                sd: 0.0,
            },
        );
        assert!((m - 550.0).abs() < 1e-9 && v.abs() < 1e-6);
    }

    #[test]
    fn neutral_settings_are_recognised() {
        let neutral = SatisfactionPay::new(&SatisfactionPaySpec {
            gate: Some(0.0),
            multiplier: Some(SatisfactionMultiplierSpec {
                low: 50.0,
                high: 90.0,
                low_value: 1.0,
                high_value: 1.0,
            }),
        });
        assert!(neutral.is_neutral());
        assert_eq!(neutral.factor(0.0), 1.0);
    }
}
