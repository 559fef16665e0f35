//! Errors of the command line: bad input (exit code 2) or internal failure (exit code 1).

use std::fmt;

/// A failure of a subcommand, with the exit code it maps to.
#[derive(Debug)]
pub enum CliError {
    /// The user's input is wrong: a scenario, a flag, an output path (exit code 2).
    Input(String),
    /// Something failed inside plansim or the system (exit code 1).
    Internal(String),
}

impl CliError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Input(_) => 2,
            CliError::Internal(_) => 1,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Input(m) | CliError::Internal(m) => f.write_str(m),
        }
    }
}

/// Library errors that are always the user's input, whose messages say so whole.
macro_rules! input_errors {
    ($($t:ty),* $(,)?) => {$(
        impl From<$t> for CliError {
            fn from(e: $t) -> Self {
                CliError::Input(e.to_string())
            }
        }
    )*};
}

input_errors!(
    plansim_sim::scenario::ScenarioError,
    plansim_analysis::budget::BudgetError,
    plansim_analysis::memory::MemoryError,
    plansim_analysis::shard::ShardError,
);

impl From<plansim_report::Error> for CliError {
    fn from(e: plansim_report::Error) -> Self {
        CliError::Internal(e.to_string())
    }
}

impl From<plansim_optimize::OptimizeError> for CliError {
    fn from(e: plansim_optimize::OptimizeError) -> Self {
        if e.is_input() {
            CliError::Input(e.to_string())
        } else {
            CliError::Internal(e.to_string())
        }
    }
}

/// Result of a subcommand.
pub type CliResult<T = ()> = Result<T, CliError>;
