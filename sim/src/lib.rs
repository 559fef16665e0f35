//! plansim-sim: the scenario model, rep behaviour and the Monte Carlo engine of plansim.
//!
//! Data flows one way: a TOML [`scenario`] is validated into a
//! [`scenario::ValidScenario`], built into a [`model::Model`] (team, market,
//! targets, plans), whose reps' behaviour is solved once per plan
//! ([`behaviour`]); the [`engine`] then runs replications in fixed-size blocks over
//! rayon on common random numbers and merges their [`tally`]s in block order.
#![warn(missing_docs)]

pub mod behaviour;
pub mod budget;
pub mod calibration;
pub mod engine;
pub mod mechanisms;
pub mod metrics;
pub mod model;
pub mod normal;
pub mod rng;
pub mod rounds;
pub mod scenario;
pub mod simulate;
pub mod steady_state;
pub mod tally;
