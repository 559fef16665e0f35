//! `plansim example`: print the commented default scenario.

use plansim_sim::scenario::DEFAULT_SCENARIO_TOML;

use crate::deliver::emit;
use crate::error::CliResult;

/// Prints the default scenario to stdout.
pub fn execute() -> CliResult {
    emit(DEFAULT_SCENARIO_TOML.as_bytes())
}
