//! `plansim example`: print the commented default scenario.

use plansim_sim::scenario::DEFAULT_SCENARIO_TOML;

use crate::error::CliResult;

/// Prints the default scenario to stdout.
pub fn execute() -> CliResult {
    print!("{DEFAULT_SCENARIO_TOML}");
    Ok(())
}
