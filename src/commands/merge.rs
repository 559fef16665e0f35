//! `plansim merge`: combine shard files into the report of the whole run, byte for
//! byte what `plansim run` (or `plansim rounds`) gives on one machine.

use std::path::PathBuf;

use clap::Args;

use plansim_analysis::memory;
use plansim_analysis::rounds::{warnings, PolicyRun};
use plansim_analysis::shard::merge::ShardSet;
use plansim_analysis::shard::rounds::{RoundsData, ROUNDS_FORMAT};
use plansim_analysis::shard::{read_with_format, RunData};
use plansim_analysis::warnings::Warnings;
use plansim_report::rounds::RoundsReport;
use plansim_sim::engine;
use plansim_sim::model::Model;

use crate::deliver::{OnInterrupt, Outputs};
use crate::error::CliResult;
use crate::flags::{Format, FormatArgs, OutArgs, ReportArgs};

/// Arguments of `merge`.
#[derive(Args, Debug)]
#[command(
    mut_arg("out", |a| a.help(
        "Also write the run's files into this folder: summary.csv, per_period.csv, replications.csv and scenario.toml (rounds.json, rounds.csv and fan.svg for rounds)"
    )),
    mut_arg("report", |a| a.help("Also write the self-contained HTML report of the whole run to this file"))
)]
pub struct MergeArgs {
    /// Shard files written by `plansim run --shard K/N --out DIR` (or by `plansim rounds
    /// --shard K/N`), in any order.
    #[arg(required = true, value_name = "SHARD")]
    pub shards: Vec<PathBuf>,
    /// --format.
    #[command(flatten)]
    pub format: FormatArgs<Format>,
    /// --out, --force, --bom.
    #[command(flatten)]
    pub out: OutArgs,
    /// --report, --lang.
    #[command(flatten)]
    pub report: ReportArgs,
}

/// Refuses to read shards whose files would not fit in memory.
fn check_file_memory(args: &MergeArgs) -> CliResult {
    let total_bytes: u64 = args
        .shards
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum();
    Ok(memory::check(
        memory::Need {
            behaviour: 0,
            fixed: total_bytes.saturating_mul(2),
            per_replication: 0,
            replications: 0,
        },
        memory::available(),
        "reading these shards",
        |_| "merge on a machine with more memory, or run fewer replications".into(),
    )?)
}

/// Reads the shards of one kind, noting on stderr when they ran the scenario from
/// different sources (the report names the first's).
fn read<D: plansim_analysis::shard::ShardData>(args: &MergeArgs) -> CliResult<ShardSet<D>> {
    let shards = ShardSet::<D>::read(&args.shards)?;
    if let Some((shown, source)) = shards.other_source() {
        let (first_shown, first) = shards.first();
        eprintln!(
            "note: {first_shown} ran the scenario as `{}` and {shown} as `{source}`; the report names `{}`",
            first.source, first.source
        );
    }
    Ok(shards)
}

/// Prepares `--out` (with `names`) and `--report` before the merge.
fn outputs(args: &MergeArgs, names: &[&str]) -> CliResult<Outputs> {
    Outputs::prepare(
        args.out.out.as_deref(),
        names,
        args.report.report.as_deref().map(|p| (p, "--report")),
        args.out.write.force,
        OnInterrupt::Exit,
    )
}

/// Merges the shards and reports the whole run.
pub fn execute(args: &MergeArgs) -> CliResult {
    check_file_memory(args)?;
    let (_, format) = read_with_format(&args.shards[0])?;
    if format.as_deref() == Some(ROUNDS_FORMAT) {
        return merge_rounds(args);
    }
    let shards = read::<RunData>(args)?;
    let valid = shards.scenario()?;
    let (seed, replications) = {
        let (_, first) = shards.first();
        (first.seed, first.replications)
    };
    memory::check(
        memory::merge(
            replications,
            valid.scenario().simulation.periods,
            args.out.out.is_some(),
        ),
        memory::available(),
        &format!("merging {replications} replications"),
        |max| format!("merge on a machine with more memory (about {max} replications fit here)"),
    )?;
    let outputs = outputs(args, &super::run::OUT_FILES)?;
    let model = Model::new(&valid);
    let tally = shards.tally(&model)?;
    // The behaviour is solved again for the warnings (and the report's charts): the
    // shards were run with --accept-no-equilibrium where it has none.
    let solved = engine::solve(&model);
    super::run::Finished {
        valid: &valid,
        model: &model,
        seed,
        solved: &solved,
        tally: &tally,
        warnings: Warnings::of_run(&model, &solved),
    }
    .deliver(
        outputs,
        args.format.format,
        args.out.write.bom,
        args.report.lang,
    )
}

/// Merges shards of `plansim rounds` and reports the whole run of rounds.
fn merge_rounds(args: &MergeArgs) -> CliResult {
    let shards = read::<RoundsData>(args)?;
    shards.check_same_rounds()?;
    let valid = shards.scenario()?;
    let spec = shards.spec()?;
    let outputs = outputs(args, &super::rounds::OUT_FILES)?;
    let runs: Vec<PolicyRun> = shards.policies()?;
    let warnings = warnings(
        &Model::new(&valid),
        runs.iter()
            .map(|r| (r.policy.as_str(), r.unsettled.as_slice())),
    );
    super::rounds::deliver(
        &RoundsReport::new(&valid, &spec, &runs, warnings),
        outputs,
        args.format.format,
        args.out.write.bom,
        args.report.lang,
    )
}
