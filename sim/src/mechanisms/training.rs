//! Training: every few months, costs money and selling time, raises skill with
//! diminishing returns; given to everyone or as a reward to the top performers.

use crate::scenario::{TrainingEligibility, TrainingSpec};

/// A compiled training programme.
#[derive(Clone, Debug, PartialEq)]
pub struct Training {
    /// Months between sessions.
    pub every: u32,
    /// Cost per trainee per session.
    pub cost: f64,
    /// Share of the session month's selling time lost.
    pub time_share: f64,
    /// Share of the gap to the skill ceiling closed per session.
    pub skill_gain: f64,
    /// Share trained (1 for everyone).
    pub share: f64,
}

impl Training {
    /// Compiles the scenario's description.
    pub fn new(spec: &TrainingSpec) -> Self {
        let share = match spec.eligibility {
            TrainingEligibility::All => 1.0,
            TrainingEligibility::Top => spec.top_share,
        };
        Training {
            every: spec.every,
            cost: spec.cost,
            time_share: spec.time_share,
            skill_gain: spec.skill_gain,
            share,
        }
    }

    /// True when a session takes place in period `t` (0-based): at the end of months every, 2 every, ...
    pub fn in_period(&self, t: u32) -> bool {
        (t + 1) % self.every == 0
    }

    /// Skill after one session: closes `skill_gain` of the gap to `max_skill`.
    ///
    /// ```
    /// use plansim_sim::mechanisms::Training;
    /// let t = Training { every: 3, cost: 1000.0, time_share: 0.1, skill_gain: 0.25, share: 1.0 };
    /// assert!((t.trained_skill(1.0, 1.4) - 1.1).abs() < 1e-12);
    /// ```
    pub fn trained_skill(&self, skill: f64, max_skill: f64) -> f64 {
        skill + self.skill_gain * (max_skill - skill).max(0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_and_diminishing_returns() {
        let t = Training {
            every: 3,
            cost: 0.0,
            time_share: 0.0,
            skill_gain: 0.5,
            share: 1.0,
        };
        let sessions: Vec<u32> = (0..12).filter(|&p| t.in_period(p)).collect();
        assert_eq!(sessions, vec![2, 5, 8, 11]);
        let s1 = t.trained_skill(1.0, 2.0);
        let s2 = t.trained_skill(s1, 2.0);
        assert!((s1 - 1.5).abs() < 1e-12 && (s2 - 1.75).abs() < 1e-12);
        assert!(s2 - s1 < s1 - 1.0);
    }
}
