//! How a search runs: what it maximises under which budget, on how many replications,
//! with which solver and seed. A [`Settings`] that exists is valid; it is made from
//! [`SettingsParams`] by [`SettingsParams::check`], in the style of linfa's
//! `ParamGuard`.

use plansim_sim::budget::{BudgetError, BudgetRule};
use plansim_sim::scenario::{
    ObjectiveKind, SimulationSection, SolverKind, DEFAULT_MAX_EVALUATIONS,
};

/// Why settings are refused.
#[derive(Clone, Copy, Debug, PartialEq, thiserror::Error)]
pub enum SettingsError {
    /// The budget or the chance constraint is out of range.
    #[error(transparent)]
    Budget(#[from] BudgetError),
    /// A count that must be positive is 0.
    #[error("{what} must be at least 1, got 0")]
    Zero {
        /// The setting: `replications`, `explore_replications`, `certify_replications`
        /// or `max_evaluations`.
        what: &'static str,
    },
    /// The explore stage's replications exceed the evaluation's.
    #[error("explore_replications ({explore}) must be at most replications ({replications})")]
    ExploreAbove {
        /// The explore stage's replications.
        explore: u64,
        /// Replications per evaluation.
        replications: u64,
    },
}

/// The explore stage's replications unless set: an eighth of the evaluation's, rounded
/// up (on the default scenario at `-n 2000` a quarter took 5.2 s and certified a
/// winner of 23.4 % growth, an eighth 3.8 s and 23.7 %: the final candidates and the
/// winner are chosen on the full count either way).
pub fn default_explore_replications(replications: u64) -> u64 {
    replications.div_ceil(8)
}

/// Checked settings of a search.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    objective: ObjectiveKind,
    rule: BudgetRule,
    replications: u64,
    explore_replications: u64,
    certify_replications: u64,
    max_evaluations: usize,
    solver: SolverKind,
    seed: u64,
}

/// Settings not yet checked: [`Settings::params`] starts them, the setters change
/// them, and [`SettingsParams::check`] makes the [`Settings`].
#[derive(Clone, Debug, PartialEq)]
pub struct SettingsParams {
    objective: ObjectiveKind,
    budget: f64,
    max_overrun_probability: Option<f64>,
    replications: u64,
    explore_replications: Option<u64>,
    certify_replications: Option<u64>,
    max_evaluations: usize,
    solver: SolverKind,
    seed: u64,
}

impl Settings {
    /// Settings to maximise `objective` with expected incentive cost within `budget`,
    /// otherwise as a scenario without those fields has them: no chance constraint,
    /// `simulation.replications` and `simulation.seed`'s defaults, certification on
    /// twice the replications, `optimize.max_evaluations`'s default and the `auto`
    /// solver.
    pub fn params(objective: ObjectiveKind, budget: f64) -> SettingsParams {
        let simulation = SimulationSection::default();
        SettingsParams {
            objective,
            budget,
            max_overrun_probability: None,
            replications: simulation.replications,
            explore_replications: None,
            certify_replications: None,
            max_evaluations: DEFAULT_MAX_EVALUATIONS as usize,
            solver: SolverKind::Auto,
            seed: simulation.seed,
        }
    }

    /// What to maximise.
    pub fn objective(&self) -> ObjectiveKind {
        self.objective
    }

    /// Budget on expected incentive cost over the horizon.
    pub fn budget(&self) -> f64 {
        self.rule.budget()
    }

    /// Chance constraint: most probability that cost exceeds the budget.
    pub fn max_overrun_probability(&self) -> Option<f64> {
        self.rule.max_overrun_probability()
    }

    /// The budget and chance constraint as the rule every feasibility check uses.
    pub fn budget_rule(&self) -> BudgetRule {
        self.rule
    }

    /// Replications per evaluation.
    pub fn replications(&self) -> u64 {
        self.replications
    }

    /// Replications per evaluation while the particle swarm explores (the first of
    /// the evaluation's seed set); the winner is chosen among evaluations on all
    /// [`replications`](Self::replications).
    pub fn explore_replications(&self) -> u64 {
        self.explore_replications
    }

    /// True when the swarm explores on fewer replications than the winner is chosen on.
    pub fn staged(&self) -> bool {
        self.explore_replications < self.replications
    }

    /// Replications of the certification on fresh seeds.
    pub fn certify_replications(&self) -> u64 {
        self.certify_replications
    }

    /// Most objective evaluations.
    pub fn max_evaluations(&self) -> usize {
        self.max_evaluations
    }

    /// Search algorithm.
    pub fn solver(&self) -> SolverKind {
        self.solver
    }

    /// Seed of the evaluation's fixed seed set.
    pub fn seed(&self) -> u64 {
        self.seed
    }
}

impl SettingsParams {
    /// A chance constraint: at most probability `alpha` that cost exceeds the budget.
    pub fn max_overrun_probability(mut self, alpha: Option<f64>) -> Self {
        self.max_overrun_probability = alpha;
        self
    }

    /// Replications per evaluation.
    pub fn replications(mut self, n: u64) -> Self {
        self.replications = n;
        self
    }

    /// Replications per evaluation while the particle swarm explores (an eighth of the
    /// evaluation's, rounded up, unless set; as many as the evaluation's turns the
    /// explore stage off).
    pub fn explore_replications(mut self, n: u64) -> Self {
        self.explore_replications = Some(n);
        self
    }

    /// Replications of the certification (twice the evaluation's unless set).
    pub fn certify_replications(mut self, n: u64) -> Self {
        self.certify_replications = Some(n);
        self
    }

    /// Most objective evaluations.
    pub fn max_evaluations(mut self, n: usize) -> Self {
        self.max_evaluations = n;
        self
    }

    /// Search algorithm.
    pub fn solver(mut self, solver: SolverKind) -> Self {
        self.solver = solver;
        self
    }

    /// Seed of the evaluation's fixed seed set.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The checked settings.
    ///
    /// # Errors
    /// [`SettingsError::Budget`] when the budget is negative or not finite or the
    /// chance constraint is not a probability; [`SettingsError::Zero`] when a count is 0.
    pub fn check(self) -> Result<Settings, SettingsError> {
        let rule = BudgetRule::new(self.budget, self.max_overrun_probability)?;
        let certify_replications = self
            .certify_replications
            .unwrap_or(self.replications.saturating_mul(2));
        let explore_replications = self
            .explore_replications
            .unwrap_or(default_explore_replications(self.replications));
        for (what, n) in [
            ("replications", self.replications),
            ("explore_replications", explore_replications),
            ("certify_replications", certify_replications),
            ("max_evaluations", self.max_evaluations as u64),
        ] {
            if n == 0 {
                return Err(SettingsError::Zero { what });
            }
        }
        if explore_replications > self.replications {
            return Err(SettingsError::ExploreAbove {
                explore: explore_replications,
                replications: self.replications,
            });
        }
        Ok(Settings {
            objective: self.objective,
            rule,
            replications: self.replications,
            explore_replications,
            certify_replications,
            max_evaluations: self.max_evaluations,
            solver: self.solver,
            seed: self.seed,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_check_their_values_and_default_as_a_scenario_does() {
        let s = Settings::params(ObjectiveKind::Profit, 1e6)
            .replications(300)
            .check()
            .unwrap();
        assert_eq!(s.objective(), ObjectiveKind::Profit);
        assert_eq!(s.budget(), 1e6);
        assert_eq!(s.certify_replications(), 600);
        assert_eq!(s.explore_replications(), 38);
        assert!(s.staged());
        let odd = Settings::params(ObjectiveKind::Profit, 1e6).replications(305);
        assert_eq!(odd.clone().check().unwrap().explore_replications(), 39);
        assert!(!odd.explore_replications(305).check().unwrap().staged());
        assert_eq!(s.max_evaluations(), DEFAULT_MAX_EVALUATIONS as usize);
        assert_eq!(s.seed(), SimulationSection::default().seed);
        assert_eq!(s.solver(), SolverKind::Auto);
        let bad = |p: SettingsParams| p.check().unwrap_err();
        let p = || Settings::params(ObjectiveKind::Revenue, 1.0);
        assert_eq!(
            bad(Settings::params(ObjectiveKind::Revenue, -1.0)),
            SettingsError::Budget(BudgetError::Budget(-1.0))
        );
        assert_eq!(
            bad(p().max_overrun_probability(Some(1.5))),
            SettingsError::Budget(BudgetError::OverrunProbability(1.5))
        );
        assert_eq!(
            bad(p().replications(0)),
            SettingsError::Zero {
                what: "replications"
            }
        );
        assert_eq!(
            bad(p().max_evaluations(0)),
            SettingsError::Zero {
                what: "max_evaluations"
            }
        );
        assert_eq!(
            bad(p().explore_replications(0)),
            SettingsError::Zero {
                what: "explore_replications"
            }
        );
        assert_eq!(
            bad(p().replications(100).explore_replications(101)).to_string(),
            "explore_replications (101) must be at most replications (100)"
        );
        assert_eq!(
            bad(p().certify_replications(0)).to_string(),
            "certify_replications must be at least 1, got 0"
        );
    }
}
