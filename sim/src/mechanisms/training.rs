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

    /// True when training is a reward: only the top share by score is trained.
    pub fn is_reward(&self) -> bool {
        self.share < 1.0
    }

    /// The trainees of a session in a team of `reps`: the top `k` slots by score,
    /// `k = min(max(round(share x reps), 1), reps)` (all of them when everyone is
    /// trained).
    pub fn trainees(&self, reps: usize) -> usize {
        if self.share >= 1.0 {
            reps
        } else {
            ((self.share * reps as f64).round() as usize).clamp(1, reps)
        }
    }

    /// The sessions whose trainees the score of the cycle ending at `end` selects: the
    /// session months in `[end, end + cycle_len)` within a horizon of `periods` (the
    /// score of the last cycle closed before a session ranks the reps).
    pub fn sessions_decided_by(
        &self,
        end: u32,
        cycle_len: u32,
        periods: u32,
    ) -> impl Iterator<Item = u32> + '_ {
        (end..(end + cycle_len).min(periods)).filter(|&t| self.in_period(t))
    }

    /// What one session in period `session` is worth to a rep of skill `skill` who
    /// values a unit of skill at `per_month` a month (docs/model.md section 5.6): the
    /// skill gain's value over the months after the session to the horizon's end
    /// (`periods`), undiscounted, less the session month's lost selling time.
    ///
    /// # Formula
    /// `W = per_month x (ds x (periods - session - 1) - time_share x s)`, where
    /// `ds = skill_gain x max(s_max - s, 0)` and the lost time is worth
    /// `per_month x time_share x s` (a month's productivity is proportional to skill).
    ///
    /// ```
    /// use plansim_sim::mechanisms::Training;
    /// let t = Training { every: 3, cost: 0.0, time_share: 0.1, skill_gain: 0.25, share: 0.3 };
    /// // ds = 0.25 x (1.4 - 1.0) = 0.1; 12 - 2 - 1 = 9 months after; lost 0.1 x 1.0.
    /// assert!((t.session_value(1.0, 1.4, 50.0, 2, 12) - 50.0 * (0.1 * 9.0 - 0.1)).abs() < 1e-9);
    /// ```
    pub fn session_value(
        &self,
        skill: f64,
        max_skill: f64,
        per_month: f64,
        session: u32,
        periods: u32,
    ) -> f64 {
        let gain = self.trained_skill(skill, max_skill) - skill;
        let after = periods.saturating_sub(session + 1) as f64;
        per_month * (gain * after - self.time_share * skill)
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
