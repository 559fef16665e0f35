//! A reward per new customer, or per converted new customer, paid monthly.

use crate::scenario::{CustomerCount, PerCustomerSpec};

/// A compiled per-customer reward.
#[derive(Clone, Debug, PartialEq)]
pub struct PerCustomer {
    /// Money per counted customer.
    pub amount: f64,
    /// Which customers count.
    pub on: CustomerCount,
}

impl PerCustomer {
    /// Compiles the scenario's description.
    pub fn new(spec: &PerCustomerSpec) -> Self {
        PerCustomer {
            amount: spec.amount,
            on: spec.on,
        }
    }

    /// Payout for a month with `new_customers` of whom `converted` converted.
    ///
    /// ```
    /// use plansim_sim::mechanisms::PerCustomer;
    /// use plansim_sim::scenario::{CustomerCount, PerCustomerSpec};
    /// let r = PerCustomer::new(&PerCustomerSpec { amount: 300.0, on: CustomerCount::Converted });
    /// assert_eq!(r.payout(5, 2), 600.0);
    /// ```
    pub fn payout(&self, new_customers: u32, converted: u32) -> f64 {
        let n = match self.on {
            CustomerCount::New => new_customers,
            CustomerCount::Converted => converted,
        };
        self.amount * n as f64
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
        });
        assert_eq!(new.payout(4, 1), 800.0);
        assert_eq!(new.moments(3.0, 0.0), (600.0, 200.0 * 200.0 * 3.0));
        let (m, v) = new.moments(3.0, 0.01);
        assert_eq!(m, 600.0);
        assert!((v - 40_000.0 * (3.0 + 0.09)).abs() < 1e-6);
    }
}
