//! The optional `[sensitivity]` section: the ranges of the assumptions that
//! `plansim sensitivity` varies (the reps' behaviour and the market), and how much
//! work its analysis does.
//!
//! Every assumption has a default range, `spread` (25 % by default) either side of
//! the scenario's value; `[low, high]` written for an assumption replaces it.

use serde::{Deserialize, Serialize};

use super::problems::{fmt_num, Problems};
use super::types::Scenario;

/// One assumption `plansim sensitivity` varies: a field of the scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Assumption {
    /// `team.effort_cost.mean`: the reps' cost of effort.
    EffortCost,
    /// `team.risk_aversion.mean`: the reps' absolute risk aversion.
    RiskAversion,
    /// `team.promotion_value.mean`: what a promotion is worth to a rep.
    PromotionValue,
    /// `team.outside_premium.mean`: the premium of the reps' outside option.
    OutsidePremium,
    /// `outcome.funnel.deal_size.mean`: first-month deal size.
    DealSize,
    /// `outcome.funnel.conversion`: probability a new customer converts.
    Conversion,
    /// `outcome.funnel.churn_at_zero_service`: monthly churn at zero service.
    Churn,
}

impl Assumption {
    /// Every assumption, in report order (behaviour, then market).
    pub const ALL: [Assumption; 7] = [
        Assumption::EffortCost,
        Assumption::RiskAversion,
        Assumption::PromotionValue,
        Assumption::OutsidePremium,
        Assumption::DealSize,
        Assumption::Conversion,
        Assumption::Churn,
    ];

    /// Its name in `[sensitivity]` and in the outputs.
    pub const fn name(self) -> &'static str {
        match self {
            Assumption::EffortCost => "effort_cost",
            Assumption::RiskAversion => "risk_aversion",
            Assumption::PromotionValue => "promotion_value",
            Assumption::OutsidePremium => "outside_premium",
            Assumption::DealSize => "deal_size",
            Assumption::Conversion => "conversion",
            Assumption::Churn => "churn",
        }
    }

    /// The scenario field it sets.
    pub const fn field(self) -> &'static str {
        match self {
            Assumption::EffortCost => "team.effort_cost.mean",
            Assumption::RiskAversion => "team.risk_aversion.mean",
            Assumption::PromotionValue => "team.promotion_value.mean",
            Assumption::OutsidePremium => "team.outside_premium.mean",
            Assumption::DealSize => "outcome.funnel.deal_size.mean",
            Assumption::Conversion => "outcome.funnel.conversion",
            Assumption::Churn => "outcome.funnel.churn_at_zero_service",
        }
    }

    /// True for the market's assumptions, which only the funnel outcome model uses.
    pub const fn is_market(self) -> bool {
        matches!(
            self,
            Assumption::DealSize | Assumption::Conversion | Assumption::Churn
        )
    }

    /// Its value in scenario `s`.
    pub fn get(self, s: &Scenario) -> f64 {
        match self {
            Assumption::EffortCost => s.team.effort_cost.mean,
            Assumption::RiskAversion => s.team.risk_aversion.mean,
            Assumption::PromotionValue => s.team.promotion_value.mean,
            Assumption::OutsidePremium => s.team.outside_premium.mean,
            Assumption::DealSize => s.outcome.funnel.deal_size.mean,
            Assumption::Conversion => s.outcome.funnel.conversion,
            Assumption::Churn => s.outcome.funnel.churn_at_zero_service,
        }
    }

    /// Sets its value in scenario `s` to `x`.
    pub fn set(self, s: &mut Scenario, x: f64) {
        match self {
            Assumption::EffortCost => s.team.effort_cost.mean = x,
            Assumption::RiskAversion => s.team.risk_aversion.mean = x,
            Assumption::PromotionValue => s.team.promotion_value.mean = x,
            Assumption::OutsidePremium => s.team.outside_premium.mean = x,
            Assumption::DealSize => s.outcome.funnel.deal_size.mean = x,
            Assumption::Conversion => s.outcome.funnel.conversion = x,
            Assumption::Churn => s.outcome.funnel.churn_at_zero_service = x,
        }
    }

    /// Its `[low, high]` written in `section`, if any.
    fn written(self, section: &SensitivitySection) -> Option<[f64; 2]> {
        match self {
            Assumption::EffortCost => section.effort_cost,
            Assumption::RiskAversion => section.risk_aversion,
            Assumption::PromotionValue => section.promotion_value,
            Assumption::OutsidePremium => section.outside_premium,
            Assumption::DealSize => section.deal_size,
            Assumption::Conversion => section.conversion,
            Assumption::Churn => section.churn,
        }
    }

    /// Its range in scenario `s`: `[low, high]` as written in `[sensitivity]`, else
    /// the scenario's value `spread` either side (relative); the outside premium,
    /// often 0, goes `spread` times the mean base salary either side instead.
    pub fn range(self, s: &Scenario) -> (f64, f64) {
        let section = s.sensitivity.clone().unwrap_or_default();
        if let Some([lo, hi]) = self.written(&section) {
            return (lo, hi);
        }
        let x = self.get(s);
        let spread = section.spread;
        let half = match self {
            Assumption::OutsidePremium => spread * s.team.base_salary.mean,
            _ => spread * x.abs(),
        };
        let (lo, hi) = (x - half, x + half);
        match self {
            // A probability stays a probability.
            Assumption::Conversion => (lo.max(1e-6), hi.min(1.0)),
            Assumption::Churn => (lo.max(0.0), hi.min(1.0)),
            _ => (lo, hi),
        }
    }
}

/// `[sensitivity]`: the assumptions' ranges and the work of `plansim sensitivity`.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct SensitivitySection {
    /// Default half-width of every range, as a share of the assumption's value (0.25 = ±25 %).
    pub spread: f64,
    /// Replications per point (default: the smaller of simulation.replications and 500).
    pub replications: Option<u64>,
    /// Morris trajectories (each moves every assumption once).
    pub trajectories: u32,
    /// Levels of the Morris grid (even, at least 2).
    pub levels: u32,
    /// Draws from the ranges for the win frequency.
    pub draws: u32,
    /// `[low, high]` of team.effort_cost.mean.
    pub effort_cost: Option<[f64; 2]>,
    /// `[low, high]` of team.risk_aversion.mean.
    pub risk_aversion: Option<[f64; 2]>,
    /// `[low, high]` of team.promotion_value.mean.
    pub promotion_value: Option<[f64; 2]>,
    /// `[low, high]` of team.outside_premium.mean (money a month).
    pub outside_premium: Option<[f64; 2]>,
    /// `[low, high]` of outcome.funnel.deal_size.mean.
    pub deal_size: Option<[f64; 2]>,
    /// `[low, high]` of outcome.funnel.conversion.
    pub conversion: Option<[f64; 2]>,
    /// `[low, high]` of outcome.funnel.churn_at_zero_service.
    pub churn: Option<[f64; 2]>,
}

impl Default for SensitivitySection {
    fn default() -> Self {
        SensitivitySection {
            spread: 0.25,
            replications: None,
            trajectories: 10,
            levels: 4,
            draws: 64,
            effort_cost: None,
            risk_aversion: None,
            promotion_value: None,
            outside_premium: None,
            deal_size: None,
            conversion: None,
            churn: None,
        }
    }
}

/// Records the problems of `s.sensitivity` into `p`.
pub(super) fn check(s: &Scenario, p: &mut Problems) {
    let Some(section) = &s.sensitivity else {
        return;
    };
    p.range("sensitivity.spread", section.spread, 0.0, 0.99);
    if section.replications == Some(0) {
        p.push("sensitivity.replications", "must be at least 1, got 0");
    }
    if !(1..=1000).contains(&section.trajectories) {
        p.push(
            "sensitivity.trajectories",
            format!("must be between 1 and 1000, got {}", section.trajectories),
        );
    }
    if section.levels < 2 || section.levels % 2 != 0 || section.levels > 100 {
        p.push(
            "sensitivity.levels",
            format!(
                "must be an even number from 2 to 100, got {}",
                section.levels
            ),
        );
    }
    if !(1..=100_000).contains(&section.draws) {
        p.push(
            "sensitivity.draws",
            format!("must be between 1 and 100000, got {}", section.draws),
        );
    }
    for a in Assumption::ALL {
        if let Some([lo, hi]) = a.written(section) {
            if !(lo.is_finite() && hi.is_finite()) || lo > hi {
                p.push(
                    format!("sensitivity.{}", a.name()),
                    format!(
                        "must be [low, high] with low <= high, got [{}, {}]",
                        fmt_num(lo),
                        fmt_num(hi)
                    ),
                );
            }
        }
    }
}
