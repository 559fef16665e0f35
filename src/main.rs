//! plansim: simulate and optimise sales-incentive plans before rolling them out.
//!
//! `plansim run` simulates a scenario's plan against its baseline on common random
//! numbers; `validate` checks a scenario; `example` prints the default scenario;
//! `bench` measures simulation throughput.

mod cli;
mod commands;
mod error;
mod interrupt;
mod output;
mod progress;
mod report;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let result = match cli.command.unwrap_or(cli::Command::Run(cli.run)) {
        cli::Command::Run(args) => commands::run::execute(&args),
        cli::Command::Validate(args) => commands::validate::execute(&args),
        cli::Command::Example => commands::example::execute(),
        cli::Command::Bench(args) => commands::bench::execute(&args),
        cli::Command::Optimize(args) => commands::optimize::execute(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
