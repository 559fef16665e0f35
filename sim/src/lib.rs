//! plansim-sim: the scenario model, rep behaviour and the Monte Carlo engine of plansim.
//!
//! Data flows one way, and the modules are its layers, each importing only those
//! below it (docs/architecture.md):
//!
//! - [`scenario`]: a TOML scenario parsed and validated into a
//!   [`scenario::ValidScenario`];
//! - [`model`] (with the plan [`mechanisms`]): the team, market, outcome, targets
//!   and compiled plans; building it solves no behaviour;
//! - [`behaviour`]: the reps' policy under a plan, solved once per plan, and the
//!   status quo's steady state that calibrates a model ([`model::Model::new`]);
//! - [`engine`]: replications in fixed-size blocks over rayon on common random
//!   numbers (the hot loop, [`engine::simulate`]), tallies merged in block order, and
//!   the [`engine::metrics`] reported;
//! - [`rounds`]: monitoring and adjustment, rounds of simulation between which a
//!   policy changes the plan.
//!
//! Below them all: [`normal`] (the normal distribution), [`rng`] (streams and
//! samplers), [`tally`] (running moments), [`budget`] (the budget rule), [`vmath`]
//! (the hot loop's exp, ln and powers, the same in scalar and vector code) and
//! [`libm_inline`] (`libm`'s erfc and exp copied in to inline, its results bit for bit).
#![warn(missing_docs)]

pub mod behaviour;
pub mod budget;
pub mod engine;
pub mod libm_inline;
pub mod mechanisms;
pub mod model;
pub mod normal;
pub mod rng;
pub mod rounds;
pub mod scenario;
pub mod tally;
pub mod vmath;
