//! plansim: simulate and optimise sales-incentive plans before rolling them out.
//!
//! `plansim run` simulates a scenario's plan against its baseline on common random
//! numbers (or, with `--shard K/N`, one slice of it that `merge` combines exactly);
//! `compare`, `batch`, `optimize` and `rounds` build on it; `validate` checks a
//! scenario; `example` prints the default scenario; `bench` measures simulation
//! throughput and guards it (`--check`).
//!
//! The binary is a thin shell: it parses arguments ([`cli`], [`flags`]), calls the
//! libraries (`plansim-sim`, `plansim-optimize`, `plansim-analysis`,
//! `plansim-report`) and delivers their bytes ([`deliver`]) with exit codes
//! ([`error`]): 0, 2 for bad input, 1 for an internal failure, 128 + the signal's
//! number when a signal ended it (130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP;
//! [`interrupt`]).

mod cli;
mod commands;
mod deliver;
mod error;
mod flags;
mod interrupt;
mod output;
mod progress;
mod shard_arg;
mod shard_key;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // First, before any thread starts: every thread inherits the blocked signals.
    interrupt::install();
    let cli = cli::Cli::parse();
    let result = match cli.command.unwrap_or(cli::Command::Run(cli.run)) {
        cli::Command::Run(args) => commands::run::execute(&args),
        cli::Command::Validate(args) => commands::validate::execute(&args),
        cli::Command::Example => commands::example::execute(),
        cli::Command::Bench(args) => commands::bench::execute(&args),
        cli::Command::Merge(args) => commands::merge::execute(&args),
        cli::Command::Optimize(args) => commands::optimize::execute(&args),
        cli::Command::Compare(args) => commands::compare::execute(&args),
        cli::Command::Batch(args) => commands::batch::execute(&args),
        cli::Command::Rounds(args) => commands::rounds::execute(&args),
        cli::Command::Sensitivity(args) => commands::sensitivity::execute(&args),
        cli::Command::Schema => commands::schema::execute(),
    };
    if let Err(e) = &result {
        // Control characters (of a file name, a value quoted) printed escaped.
        let message = e.to_string();
        eprintln!(
            "error: {}",
            plansim_report::format::printable_lines(&message)
        );
    }
    // A signal during the command ends it with the signal's code, saying what was written.
    interrupt::exit_if_signalled();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => ExitCode::from(e.exit_code()),
    }
}
