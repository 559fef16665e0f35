//! The plan's six mechanisms, compiled from the scenario into immutable payout rules.
//!
//! Each mechanism computes its payout from an outcome, and the expected value and
//! variance of that payout for a normal forecast of the outcome: the engine uses
//! the first, the rep's decision the second. One mechanism a file.

mod commission;
mod curve;
mod per_customer;
mod promotion;
mod salary_adjustment;
mod satisfaction;
mod target_bonus;
mod training;

pub use commission::Commission;
pub use curve::PayoutCurve;
pub use per_customer::PerCustomer;
pub use promotion::{Promotion, PromotionRule};
pub use salary_adjustment::SalaryAdjustment;
pub use satisfaction::SatisfactionPay;
pub use target_bonus::TargetBonus;
pub use training::Training;

use crate::normal::Normal;

/// A payout that is a function of attainment over a cycle or review.
pub trait AttainmentPayout: Send + Sync {
    /// Payout at attainment `x` (1.0 = 100 %), in the mechanism's unit.
    fn payout(&self, x: f64) -> f64;
    /// Expected value and variance of the payout when attainment is normal.
    fn moments(&self, x: Normal) -> (f64, f64);
}

/// Names of the mechanisms in the order costs are reported.
pub const MECHANISM_NAMES: [&str; 6] = [
    "target_bonus",
    "per_customer",
    "commission",
    "promotion",
    "salary_adjustment",
    "training",
];
