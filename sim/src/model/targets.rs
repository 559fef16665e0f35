//! Targets (docs/model.md section 4): each rep's revenue, new-customer and
//! satisfaction targets of a cycle, from the scenario's target rules and the rep's
//! pre-plan run-rates.

use super::{Kpis, Model, Rep};
use crate::scenario::{TargetMode, TargetSpec};

impl Model {
    /// The targets of rep `rep` for the cycle `[from, to)`, where `last_cycle` is what
    /// the rep achieved in the previous cycle (ratchet targets; None in the first).
    ///
    /// This is the one place a cycle's targets are computed: the hot loop, the
    /// behaviour solver and the rounds all call it.
    pub fn cycle_targets(&self, rep: &Rep, from: u32, to: u32, last_cycle: Option<Kpis>) -> Kpis {
        Kpis {
            revenue: cycle_target(
                &self.revenue_target,
                rep.run_rate_revenue,
                from,
                to,
                last_cycle.map(|k| k.revenue),
            ),
            new_customers: cycle_target(
                &self.new_customer_target,
                rep.run_rate_new_customers,
                from,
                to,
                last_cycle.map(|k| k.new_customers),
            ),
            // A level of the mean monthly score: the level times the cycle's months, as
            // the satisfaction KPI sums the months' scores.
            satisfaction: self.satisfaction_target * (to - from) as f64,
        }
    }
}

impl Model {
    /// Whether a cycle's targets depend on what the rep achieved before (a ratchet on
    /// some KPI): otherwise they are a function of the rep and the cycle alone, the
    /// same in every replication.
    pub fn targets_ratchet(&self) -> bool {
        [&self.revenue_target, &self.new_customer_target]
            .iter()
            .any(|s| s.mode == TargetMode::Ratchet)
    }
}

/// The target of one KPI over periods `[from, to)` under `spec`, for a rep whose
/// pre-plan run-rate is `run_rate` and whose actual KPI in the previous cycle was
/// `previous` (ratchet; None in the first cycle, which then targets the uplift).
///
/// # Formula
/// absolute: `value x len`; uplift: `run_rate (1 + g) len`; compound:
/// `sum over t in [from, to) of run_rate (1 + g)^(t + 1)`; ratchet: `previous (1 + g)`.
pub fn cycle_target(
    spec: &TargetSpec,
    run_rate: f64,
    from: u32,
    to: u32,
    previous: Option<f64>,
) -> f64 {
    let len = (to - from) as f64;
    let g = spec.growth;
    match spec.mode {
        TargetMode::Absolute => spec.value * len,
        TargetMode::Uplift => run_rate * (1.0 + g) * len,
        TargetMode::Compound => (from..to)
            .map(|t| run_rate * (1.0 + g).powi(t as i32 + 1))
            .sum(),
        TargetMode::Ratchet => match previous {
            Some(actual) => actual * (1.0 + g),
            None => run_rate * (1.0 + g) * len,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_follow_their_modes() {
        let spec = |mode| TargetSpec {
            mode,
            growth: 0.2,
            value: 7.0,
        };
        assert!((cycle_target(&spec(TargetMode::Uplift), 100.0, 0, 3, None) - 360.0).abs() < 1e-9);
        let compound = 100.0 * (1.2 + 1.44 + 1.728);
        assert!(
            (cycle_target(&spec(TargetMode::Compound), 100.0, 0, 3, None) - compound).abs() < 1e-9
        );
        assert!((cycle_target(&spec(TargetMode::Absolute), 100.0, 3, 6, None) - 21.0).abs() < 1e-9);
        assert!(
            (cycle_target(&spec(TargetMode::Ratchet), 100.0, 3, 6, Some(400.0)) - 480.0).abs()
                < 1e-9
        );
        // Ratchet: the first cycle targets the uplift of the run-rate.
        assert!((cycle_target(&spec(TargetMode::Ratchet), 100.0, 0, 3, None) - 360.0).abs() < 1e-9);
    }
}
