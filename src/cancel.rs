//! Ctrl-C during `run` and `merge`: the process ends at once with exit code 130 and
//! leaves no output file, or, when the signal comes while results are being written,
//! just after they are all in place (writing holds [`crate::output::write_lock`]).

use std::sync::atomic::Ordering;
use std::time::Duration;

use crate::error::{CliError, CliResult};
use crate::interrupt;

/// Exit code of a process ended by Ctrl-C (128 + SIGINT).
pub const EXIT_INTERRUPTED: i32 = 130;

/// From now on, Ctrl-C ends the process without leaving a partial output file.
pub fn exit_on_interrupt() -> CliResult {
    std::thread::Builder::new()
        .name("ctrl-c".into())
        .spawn(|| {
            let flag = interrupt::flag();
            loop {
                if flag.load(Ordering::SeqCst) {
                    let _writing = crate::output::write_lock();
                    eprintln!("interrupted: no partial output file was left");
                    std::process::exit(EXIT_INTERRUPTED);
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        })
        .map(drop)
        .map_err(|e| CliError::Internal(format!("cannot watch for Ctrl-C: {e}")))
}
