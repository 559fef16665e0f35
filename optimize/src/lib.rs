//! plansim-optimize: searches an incentive plan's parameters for the highest
//! expected objective (revenue growth by default) under a budget on incentive cost.
//!
//! The search is a sample-average approximation: every candidate plan is simulated
//! on the same fixed set of seeds (common random numbers), so differences between
//! candidates are not drowned in Monte Carlo noise. Argmin's particle swarm
//! searches globally (threshold bonuses make the objective non-concave) and
//! Nelder-Mead polishes; the budget enters as an exact penalty, and the winner is
//! the best *feasible* evaluation whose reps' efforts are an equilibrium. The winner, the starting plan and the baseline
//! are then re-estimated on fresh seeds ([`certify`]), so that the reported figures
//! carry no selection bias.
#![warn(missing_docs)]

pub mod certify;
pub mod objective;
pub mod reoptimize;
pub mod search;
pub mod space;

pub use certify::{certify, Certification};
pub use objective::{Estimate, Evaluation, Evaluator, Settings};
pub use reoptimize::ReoptimizePolicy;
pub use search::{optimize, Outcome, StopReason};
pub use space::DecisionSpace;

/// Why an optimisation cannot run.
#[derive(Debug, thiserror::Error)]
pub enum OptimizeError {
    /// The user's input is wrong (a field, a bound, a budget).
    #[error("{0}")]
    Input(String),
    /// Something failed inside the optimiser.
    #[error("{0}")]
    Internal(String),
}
