//! `plansim validate`: check a scenario and list every problem.

use std::path::PathBuf;

use clap::Args;

use plansim_report::format::printable;
use plansim_sim::model::Model;

use crate::deliver::emit;
use crate::error::CliResult;

/// Arguments of `validate`.
#[derive(Args, Debug)]
pub struct ValidateArgs {
    /// Scenario file (TOML).
    pub scenario: PathBuf,
}

/// Validates the scenario and prints a one-line description of it.
pub fn execute(args: &ValidateArgs) -> CliResult {
    let valid = super::load_scenario(Some(&args.scenario))?;
    let s = valid.scenario();
    let model = Model::new(&valid);
    emit(
        format!(
            "{}: ok ({} \"{}\": {} reps, {} periods, {} replications by default)\n",
            printable(&args.scenario.display().to_string()),
            "scenario",
            printable(&s.name),
            model.reps().len(),
            s.simulation.periods,
            s.simulation.replications
        )
        .as_bytes(),
    )
}
