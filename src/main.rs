//! plansim: simulate and optimise sales-incentive plans before rolling them out.
//!
//! `plansim run` simulates a scenario's plan against its baseline on common random
//! numbers (or, with `--shard K/N`, one slice of it that `merge` combines exactly);
//! `validate` checks a scenario; `example` prints the default scenario; `bench`
//! measures simulation throughput and guards it (`--check`).

mod budget;
mod cancel;
mod cli;
mod commands;
mod error;
mod flags;
mod interrupt;
mod memory;
mod objective;
mod output;
mod output_file;
mod progress;
mod report;
mod select;
mod shard;
mod variants;
mod warnings;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
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
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
