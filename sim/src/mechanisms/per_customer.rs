//! A reward per new customer, or per converted new customer, paid monthly.

use crate::scenario::{CustomerCount, PerCustomerSpec};

/// A compiled per-customer reward.
#[derive(Clone, Debug, PartialEq)]
pub struct PerCustomer {
    /// Money per counted customer.
    pub amount: f64,
    /// Which customers count.
    pub on: CustomerCount,
    /// Satisfaction a month's score must reach for the month's reward to be paid.
    pub satisfaction_gate: Option<f64>,
}

impl PerCustomer {
    /// Compiles the scenario's description.
    pub fn new(spec: &PerCustomerSpec) -> Self {
        PerCustomer {
            amount: spec.amount,
            on: spec.on,
            satisfaction_gate: spec.satisfaction_gate,
        }
    }

    /// Payout for a month with `new_customers` of whom `converted` converted.
    ///
    /// ```
    /// use plansim_sim::mechanisms::PerCustomer;
    /// use plansim_sim::scenario::{CustomerCount, PerCustomerSpec};
    /// let r = PerCustomer::new(&PerCustomerSpec { amount: 300.0, on: CustomerCount::Converted, satisfaction_gate: None });
    /// assert_eq!(r.payout(5, 2), 600.0);
    /// ```
    pub fn payout(&self, new_customers: u32, converted: u32) -> f64 {
        let n = match self.on {
            CustomerCount::New => new_customers,
            CustomerCount::Converted => converted,
        };
        self.amount * n as f64
    }

    /// Whether a month with satisfaction score `satisfaction` is paid (always, without a gate).
    #[inline]
    pub fn gate_met(&self, satisfaction: f64) -> bool {
        self.satisfaction_gate.is_none_or(|g| satisfaction >= g)
    }

    /// Expected value and variance of the gated reward over `months` months in which
    /// the counted customers are Poisson with total mean `counted_mean` (spread evenly
    /// over the months), a common demand factor with squared coefficient of variation
    /// `market_cv2`, and each month's gate is met independently with probability
    /// `pass`: per month `E[a N G] = a p lambda` and
    /// `Var[a N G] = a^2 (p lambda + p (1 - p) lambda^2)`, plus the market's
    /// `a^2 p^2 m^2 cv^2` over the months.
    pub fn gated_moments(
        &self,
        counted_mean: f64,
        market_cv2: f64,
        pass: f64,
        months: usize,
    ) -> (f64, f64) {
        let m = counted_mean;
        let per_month_sq = m * m / months.max(1) as f64;
        let var_count =
            pass * m + pass * (1.0 - pass) * per_month_sq + pass * pass * m * m * market_cv2;
        (
            self.amount * pass * m,
            self.amount * self.amount * var_count,
        )
    }

    /// Expected value and variance of the payout when the counted customers are
    /// Poisson with `mean` and a common demand factor with squared coefficient of
    /// variation `market_cv2` (a mixed Poisson: Var = m + m^2 cv^2).
    pub fn moments(&self, counted_mean: f64, market_cv2: f64) -> (f64, f64) {
        let var_count = counted_mean + counted_mean * counted_mean * market_cv2;
        (
            self.amount * counted_mean,
            self.amount * self.amount * var_count,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_the_right_customers_and_has_poisson_moments() {
        let new = PerCustomer::new(&PerCustomerSpec {
            amount: 200.0,
            on: CustomerCount::New,
            satisfaction_gate: None,
        });
        assert_eq!(new.payout(4, 1), 800.0);
        assert_eq!(new.moments(3.0, 0.0), (600.0, 200.0 * 200.0 * 3.0));
        let (m, v) = new.moments(3.0, 0.01);
        assert_eq!(m, 600.0);
        assert!((v - 40_000.0 * (3.0 + 0.09)).abs() < 1e-6);
    }
}
