//! One module per subcommand, each with its clap arguments (the shared flags come
//! from the groups of [`crate::flags`]), plus what they share.

pub mod batch;
pub mod bench;
pub mod compare;
pub mod example;
pub mod merge;
pub mod optimize;
pub mod rounds;
pub mod run;
pub mod validate;

use std::path::Path;

use plansim_sim::scenario::{self, ValidScenario};

use crate::error::{CliError, CliResult};

/// Loads and validates a scenario file, or the embedded default when none is given.
pub fn load_scenario(path: Option<&Path>) -> CliResult<ValidScenario> {
    match path {
        Some(p) => Ok(scenario::load(p)?),
        None => Ok(scenario::default_scenario()),
    }
}

/// A rayon pool with `threads` workers (all cores when None).
pub fn thread_pool(threads: Option<usize>) -> CliResult<rayon::ThreadPool> {
    if threads == Some(0) {
        return Err(CliError::Input(
            "--threads must be at least 1, got 0".into(),
        ));
    }
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(t) = threads {
        if t > 4096 {
            return Err(CliError::Input(format!(
                "--threads must be at most 4096, got {t}"
            )));
        }
        builder = builder.num_threads(t);
    }
    builder
        .build()
        .map_err(|e| CliError::Internal(format!("cannot start worker threads: {e}")))
}

/// Checks a replication count given on the command line.
pub fn check_replications(n: u64) -> CliResult<u64> {
    if n == 0 {
        return Err(CliError::Input(
            "--replications must be at least 1, got 0".into(),
        ));
    }
    Ok(n)
}
