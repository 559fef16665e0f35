//! The market (docs/model.md section 2): seasonality and the common shock.

use crate::scenario::MarketSection;

/// Seasonality and common shock.
#[derive(Clone, Debug, PartialEq)]
pub struct Market {
    /// Demand multiplier of each period of the horizon.
    pub season: Vec<f64>,
    /// Standard deviation of the log shock.
    pub shock_sd: f64,
    /// AR(1) coefficient of the log shock.
    pub persistence: f64,
}

impl Market {
    /// Compiles a scenario's `[market]` section.
    pub fn new(m: &MarketSection) -> Self {
        Market {
            season: m.seasonality.clone(),
            shock_sd: m.shock_sd,
            persistence: m.shock_persistence,
        }
    }

    /// Squared coefficient of variation of the (mean-one) market factor.
    pub fn cv2(&self) -> f64 {
        (self.shock_sd * self.shock_sd).exp_m1()
    }

    /// Seasonal multiplier of period `t` (cycling past the horizon).
    pub fn season_at(&self, t: u32) -> f64 {
        self.season[t as usize % self.season.len()]
    }
}
