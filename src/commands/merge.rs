//! `plansim merge`: combine shard files into the report of the whole run, byte for
//! byte what `plansim run` (or `plansim rounds`) gives on one machine.

use std::path::PathBuf;

use clap::Args;

use plansim_analysis::memory;
use plansim_analysis::rounds::{figure_warnings, warnings, PolicyRun};
use plansim_analysis::shard::merge::ShardSet;
use plansim_analysis::shard::rounds::{RoundsData, ROUNDS_FORMAT};
use plansim_analysis::shard::{read_with_format, RunData};
use plansim_analysis::warnings::Warnings;
use plansim_report::rounds::RoundsReport;
use plansim_sim::engine;
use plansim_sim::model::Model;

use crate::deliver::{OnInterrupt, Outputs};
use crate::error::{CliError, CliResult};
use crate::flags::{Format, FormatArgs, OutArgs, ReportArgs};

/// Arguments of `merge`.
#[derive(Args, Debug)]
#[command(
    mut_arg("out", |a| a.help(
        "Also write the run's files into this folder: summary.csv, per_period.csv, replications.csv and scenario.toml (rounds.json, rounds.csv and fan.svg for rounds), and merge.json: the shards merged and their digests"
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

/// The file `--out` gets beside the run's: what the merge was made of.
pub const RECORD_FILE: &str = "merge.json";

/// Reads the shards of one kind (with the shard key, when set, each one's tag must
/// check), noting on stderr when they ran the scenario from different sources (the
/// report names the first's) and when they carry tags no key checked.
fn read<D: plansim_analysis::shard::ShardData>(args: &MergeArgs) -> CliResult<ShardSet<D>> {
    let key = crate::shard_key::key()?;
    let shards = ShardSet::<D>::read(&args.shards, key.as_ref())?;
    let unchecked = shards.unchecked_tags();
    if !unchecked.is_empty() {
        eprintln!(
            "note: {} carr{} an HMAC tag, but no shard key is set ({} or {}): only {} digest{} checked, which catches damage, not tampering",
            unchecked.join(", "),
            if unchecked.len() == 1 { "ies" } else { "y" },
            crate::shard_key::KEY_VAR,
            crate::shard_key::KEY_FILE_VAR,
            if unchecked.len() == 1 { "its" } else { "their" },
            if unchecked.len() == 1 { " was" } else { "s were" },
        );
    }
    if let Some((shown, source)) = shards.other_source() {
        let (first_shown, first) = shards.first();
        eprintln!(
            "note: {first_shown} ran the scenario as `{}` and {shown} as `{source}`; the report names `{}`",
            first.source, first.source
        );
    }
    Ok(shards)
}

/// Prepares `--out` (with `names` and [`RECORD_FILE`]) and `--report` before the merge.
fn outputs(args: &MergeArgs, names: &[&str]) -> CliResult<Outputs> {
    let mut names = names.to_vec();
    names.push(RECORD_FILE);
    Outputs::prepare(
        args.out.out.as_deref(),
        &names,
        args.report.report.as_deref().map(|p| (p, "--report")),
        args.out.write.force,
        OnInterrupt::Exit,
    )
}

/// Says on stderr which shards were merged, with their verified digests, and adds
/// [`RECORD_FILE`] with the same to `--out`.
fn record<D: plansim_analysis::shard::ShardData>(
    shards: &ShardSet<D>,
    outputs: &mut Outputs,
) -> CliResult {
    let record = shards.record();
    for s in &record.merged_from {
        eprintln!(
            "merged {}: shard {}/{}, content sha256 {}{}",
            s.file,
            s.shard,
            s.shards,
            s.content_sha256,
            if s.authenticated {
                ", tag checked with the shard key"
            } else {
                ""
            }
        );
    }
    let mut json = serde_json::to_vec_pretty(&record)
        .map_err(|e| CliError::Internal(format!("cannot write {RECORD_FILE}: {e}")))?;
    json.push(b'\n');
    outputs.add_file(RECORD_FILE, json);
    Ok(())
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
            args.report.report.is_some(),
        ),
        memory::available(),
        &format!("merging {replications} replications"),
        |max| format!("merge on a machine with more memory (about {max} replications fit here)"),
    )?;
    let mut outputs = outputs(args, &super::run::out_files(&valid))?;
    record(&shards, &mut outputs)?;
    let model = Model::new(&valid);
    let keep_values = args.out.out.is_some() || args.report.report.is_some();
    let tally = shards.tally(&model, keep_values)?;
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
        (args.format.format, args.format.width()),
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
    let mut outputs = outputs(args, &super::rounds::OUT_FILES)?;
    record(&shards, &mut outputs)?;
    let runs: Vec<PolicyRun> = shards.policies()?;
    let mut warnings = warnings(
        &Model::new(&valid),
        runs.iter()
            .map(|r| (r.policy.as_str(), r.unsettled.as_slice())),
    );
    warnings.extend(figure_warnings(&runs));
    super::rounds::deliver(
        &RoundsReport::new(&valid, &spec, &runs, warnings),
        outputs,
        (args.format.format, args.format.width()),
        args.out.write.bom,
        args.report.lang,
    )
}
