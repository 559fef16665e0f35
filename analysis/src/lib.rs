//! plansim-analysis: what plansim concludes from simulated runs, usable without the
//! command line.
//!
//! It sits between the simulator ([`plansim_sim`], [`plansim_optimize`]) and the
//! reports (`plansim-report`): plan [`variants`] simulated on common random numbers,
//! their [`compare`]ison with Kim-Nelson [`select`]ion and the probability each is
//! best, the [`objective`] they are ranked on, [`budget`] verdicts, the [`warnings`]
//! a run carries, the [`rounds`] a scenario sets up, [`shard`] files and their exact
//! merge, and [`memory`] estimates that refuse work before it starts. Nothing here
//! prints, reads flags or writes files other than what it is given.
#![warn(missing_docs)]

pub mod budget;
pub mod compare;
pub mod memory;
pub mod objective;
pub mod rounds;
pub mod select;
pub mod sensitivity;
pub mod shard;
pub mod variants;
pub mod warnings;
