//! Promotion: a chance per converted new customer, or a tournament for the top share.

use crate::normal;
use crate::scenario::{PromotionMode, PromotionSpec};

/// How promotions are decided.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PromotionRule {
    /// Each converted new customer promotes with this probability.
    Chance(f64),
    /// This share of active reps, the best by score, is promoted each cycle.
    Tournament(f64),
}

/// A compiled promotion mechanism.
#[derive(Clone, Debug, PartialEq)]
pub struct Promotion {
    /// Chance or tournament.
    pub rule: PromotionRule,
    /// Salary raise on promotion, as a share of salary.
    pub raise: f64,
    /// Most promotions a rep can get over the horizon.
    pub max_promotions: u32,
}

impl Promotion {
    /// Compiles the scenario's description.
    pub fn new(spec: &PromotionSpec) -> Self {
        let rule = match spec.mode {
            PromotionMode::Chance => PromotionRule::Chance(spec.chance_per_conversion),
            PromotionMode::Tournament => PromotionRule::Tournament(spec.share),
        };
        Promotion {
            rule,
            raise: spec.raise,
            max_promotions: spec.max_promotions,
        }
    }

    /// Probability of at least one promotion when conversions are Poisson with
    /// `mean_conversions` (Poisson thinning: 1 - exp(-p m)).
    ///
    /// ```
    /// use plansim_sim::mechanisms::{Promotion, PromotionRule};
    /// let p = Promotion { rule: PromotionRule::Chance(0.1), raise: 0.1, max_promotions: 1 };
    /// assert!((p.chance_probability(2.0) - (1.0 - (-0.2f64).exp())).abs() < 1e-15);
    /// ```
    pub fn chance_probability(&self, mean_conversions: f64) -> f64 {
        match self.rule {
            PromotionRule::Chance(p) => -(-p * mean_conversions).exp_m1(),
            PromotionRule::Tournament(_) => 0.0,
        }
    }

    /// Probability that a rep whose score is N(mean, sd^2) beats the cut-off `cutoff`.
    pub fn tournament_probability(mean: f64, sd: f64, cutoff: f64) -> f64 {
        if sd <= 0.0 {
            return if mean >= cutoff { 1.0 } else { 0.0 };
        }
        1.0 - normal::cdf((cutoff - mean) / sd)
    }

    /// The large-team symmetric equilibrium effort of Lazear and Rosen (1981):
    /// V phi(Phi^-1(1 - p)) / (sigma c).
    pub fn lazear_rosen_effort(value: f64, share: f64, sigma: f64, cost: f64) -> f64 {
        value * normal::pdf(normal::quantile(1.0 - share)) / (sigma * cost)
    }

    /// Cost of a promotion to the company: the raise on `salary` over `months`.
    pub fn cost(&self, salary: f64, months: u32) -> f64 {
        self.raise * salary * months as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chance_and_tournament_probabilities() {
        let p = Promotion {
            rule: PromotionRule::Chance(0.05),
            raise: 0.1,
            max_promotions: 1,
        };
        assert_eq!(p.chance_probability(0.0), 0.0);
        assert!((p.chance_probability(4.0) - (1.0 - (-0.2f64).exp())).abs() < 1e-15);
        assert!((Promotion::tournament_probability(1.0, 2.0, 1.0) - 0.5).abs() < 1e-15);
        assert_eq!(p.cost(10_000.0, 12), 12_000.0);
        // Top 50 % with V = sigma = c = 1: effort phi(0) = 0.3989.
        assert!(
            (Promotion::lazear_rosen_effort(1.0, 0.5, 1.0, 1.0) - 0.398_942_280_4).abs() < 1e-9
        );
    }
}
