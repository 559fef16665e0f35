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
pub mod schema;
pub mod sensitivity;
pub mod validate;

use std::path::Path;

use plansim_sim::scenario::{self, ValidScenario};

use crate::error::{CliError, CliResult};

/// Loads and validates a scenario file, or the embedded default when none is given.
/// A path that is not a regular file (a FIFO, a device, a folder) is refused before
/// it is opened: reading a FIFO would wait for a writer forever.
pub fn load_scenario(path: Option<&Path>) -> CliResult<ValidScenario> {
    match path {
        Some(p) => {
            if let Ok(meta) = std::fs::metadata(p) {
                if !meta.is_file() {
                    return Err(CliError::Input(format!(
                        "{}: {}, not a scenario file",
                        p.display(),
                        file_kind(&meta)
                    )));
                }
            }
            Ok(scenario::load(p)?)
        }
        None => Ok(scenario::default_scenario()),
    }
}

/// What a path that is not a regular file is, in messages.
pub fn file_kind(meta: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_dir() {
        "a folder"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_char_device() || t.is_block_device() {
        "a device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    }
}

/// The cores this process may use (its CPU affinity and quota), at least 1.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// How many worker threads `--threads requested` gives on `cores` cores: never more
/// than the cores, as the work is computation alone and results do not depend on the
/// thread count, so more threads only add start-up and switching (512 threads on 2
/// cores took 10 times as long as 2 on a 64-replication run); with a note when lowered.
pub fn threads_used(requested: usize, cores: usize) -> (usize, Option<String>) {
    let cores = cores.max(1);
    if requested <= cores {
        return (requested, None);
    }
    (
        cores,
        Some(format!(
            "note: --threads {requested} lowered to {cores}, the cores this process may use: more threads than cores only slow the work down (results do not depend on the thread count)"
        )),
    )
}

/// A rayon pool with `threads` workers (all cores when None; never more than the cores).
pub fn thread_pool(threads: Option<usize>) -> CliResult<rayon::ThreadPool> {
    if threads == Some(0) {
        return Err(CliError::Input(
            "--threads must be at least 1, got 0".into(),
        ));
    }
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(t) = threads {
        let (used, note) = threads_used(t, cores());
        if let Some(note) = note {
            eprintln!("{note}");
        }
        builder = builder.num_threads(used);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_are_never_more_than_the_cores() {
        assert_eq!(threads_used(1, 2), (1, None));
        assert_eq!(threads_used(2, 2).0, 2);
        let (used, note) = threads_used(4096, 2);
        assert_eq!(used, 2);
        assert!(note.unwrap().contains("--threads 4096 lowered to 2"));
        assert_eq!(threads_used(3, 0).0, 1);
    }
}
