//! `plansim schema`: the JSON Schema of the scenario format, for editors.

use crate::deliver::emit;
use crate::error::CliResult;

/// Prints the scenario format's JSON Schema (`plansim_sim::scenario::schema`).
pub fn execute() -> CliResult {
    let mut text =
        serde_json::to_string_pretty(&plansim_sim::scenario::schema()).unwrap_or_default();
    text.push('\n');
    emit(text.as_bytes())
}
