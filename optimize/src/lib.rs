//! plansim-optimize: searches an incentive plan's parameters for the highest
//! expected objective (revenue growth by default) under a budget on incentive cost.
//!
//! The search is a sample-average approximation: every candidate plan is simulated
//! on the same fixed set of seeds (common random numbers), so differences between
//! candidates are not drowned in Monte Carlo noise. Argmin's particle swarm
//! searches globally (threshold bonuses make the objective non-concave) and
//! Nelder-Mead polishes; the budget enters as an exact penalty, and the winner is
//! the best *feasible* evaluation whose reps' efforts are an equilibrium. The winner, the starting plan and the baseline
//! are then re-estimated on fresh seeds ([`certify()`]), so that the reported figures
//! carry no selection bias.
#![warn(missing_docs)]

pub mod certify;
mod memo;
pub mod objective;
pub mod reoptimize;
pub mod search;
pub mod settings;
pub mod space;

pub use certify::{certify, Certification};
pub use memo::Iteration;
pub use objective::{Estimate, Evaluation, Evaluator};
pub use reoptimize::ReoptimizePolicy;
pub use search::{optimize, Outcome, StopReason};
pub use settings::{Settings, SettingsError, SettingsParams};
pub use space::DecisionSpace;

use plansim_sim::scenario::{ParamError, ScenarioError};

/// Why an optimisation cannot run.
#[derive(Debug, thiserror::Error)]
pub enum OptimizeError {
    /// A decision variable's path is no parameter of the scenario's plan.
    #[error("optimize.variables[{index}].path: {source}")]
    Variable {
        /// The variable's index in `[optimize]`.
        index: usize,
        /// Why its parameter cannot be read.
        source: ParamError,
    },
    /// A point's value cannot be set in the plan.
    #[error(transparent)]
    Parameter(#[from] ParamError),
    /// The plan a point makes does not validate.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// The search's settings are out of range.
    #[error(transparent)]
    Settings(#[from] SettingsError),
    /// An argmin solver failed (a defect, not the user's input).
    #[error("the {solver} solver failed: {message}")]
    Solver {
        /// The solver.
        solver: &'static str,
        /// Argmin's message.
        message: String,
    },
}

impl OptimizeError {
    /// True when the user's input is wrong (a field, a bound, a budget); false for a
    /// failure inside the optimiser.
    pub fn is_input(&self) -> bool {
        !matches!(self, OptimizeError::Solver { .. })
    }
}
