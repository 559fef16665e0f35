//! `plansim merge`: combine shard files into the report of the whole run, byte for
//! byte what `plansim run` gives on one machine.

use std::path::PathBuf;

use clap::Args;

use plansim_sim::engine::{self, RunTally};
use plansim_sim::model::Model;
use plansim_sim::rounds::count_plan_solves;
use plansim_sim::shard::check_coverage;

use crate::cli::Format;
use crate::error::{CliError, CliResult};
use crate::output::OutputDir;
use crate::output_file::OutputFile;
use crate::report::i18n::Lang;
use crate::report::rounds::policy_report;
use crate::shard::rounds::{RoundsData, RoundsShardFile, Unsettled, ROUNDS_FORMAT};
use crate::shard::{read_with_format, RunData, Shard, ShardData, Slice, FORMAT, PLANSIM_VERSION};
use crate::warnings::Warnings;
use crate::{cancel, memory};

/// Arguments of `merge`.
#[derive(Args, Debug)]
pub struct MergeArgs {
    /// Shard files written by `plansim run --shard K/N --out DIR` (or by `plansim rounds
    /// --shard K/N`), in any order.
    #[arg(required = true, value_name = "SHARD")]
    pub shards: Vec<PathBuf>,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Also write the run's files into this folder: summary.csv, per_period.csv,
    /// replications.csv and scenario.toml (rounds.json, rounds.csv and fan.svg for rounds).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Overwrite existing files in --out and --report.
    #[arg(long)]
    pub force: bool,
    /// Also write the self-contained HTML report of the whole run to this file.
    #[arg(long, value_name = "FILE.html")]
    pub report: Option<PathBuf>,
    /// Language of the HTML report.
    #[arg(long, value_enum, default_value_t = Lang::En)]
    pub lang: Lang,
    /// Start CSV output with a UTF-8 byte-order mark, for Excel.
    #[arg(long)]
    pub bom: bool,
}

/// Refuses shards that are not of one run: scenario, seed, replications and version must agree.
fn check_same_run(shards: &[Slice]) -> CliResult {
    let first = &shards[0];
    for s in shards {
        if s.plansim_version != PLANSIM_VERSION {
            return Err(CliError::Input(format!(
                "{}: written by plansim {}, but this is plansim {PLANSIM_VERSION}; run every shard and the merge with one version",
                s.shown, s.plansim_version
            )));
        }
    }
    for s in &shards[1..] {
        let differ = |what: &str, x: String, y: String| {
            Err(CliError::Input(format!(
                "{} and {} are shards of different runs: {what} {x} vs {y}",
                first.shown, s.shown
            )))
        };
        if first.scenario_sha256 != s.scenario_sha256 {
            return differ(
                "scenario (sha256)",
                format!("{} `{}`", &first.scenario_sha256[..12], first.scenario_name),
                format!("{} `{}`", &s.scenario_sha256[..12], s.scenario_name),
            );
        }
        if first.seed != s.seed {
            return differ("seed", first.seed.to_string(), s.seed.to_string());
        }
        if first.replications != s.replications {
            return differ(
                "replications",
                first.replications.to_string(),
                s.replications.to_string(),
            );
        }
    }
    Ok(())
}

/// Checks that the shards hold every block of the run once.
fn check_slices(shards: &[Slice]) -> CliResult {
    let mut seen = std::collections::HashMap::new();
    for s in shards {
        if let Some(other) = seen.insert((s.shard, s.shards), &s.shown) {
            return Err(CliError::Input(format!(
                "{} and {other} are both shard {}/{}; give each shard once",
                s.shown, s.shard, s.shards
            )));
        }
    }
    let ranges: Vec<(String, std::ops::Range<u64>)> = shards
        .iter()
        .map(|s| {
            (
                format!("{} (shard {}/{})", s.shown, s.shard, s.shards),
                s.blocks.range(),
            )
        })
        .collect();
    let f = &shards[0];
    check_coverage(&ranges, f.block_count, f.replications).map_err(CliError::Input)
}

/// Refuses to read shards whose files would not fit in memory.
fn check_file_memory(args: &MergeArgs) -> CliResult {
    let total_bytes: u64 = args
        .shards
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum();
    memory::check(
        memory::Need {
            behaviour: 0,
            fixed: total_bytes.saturating_mul(2),
            per_replication: 0,
            replications: 0,
        },
        memory::available(),
        "reading these shards",
        |_| "merge on a machine with more memory, or run fewer replications".into(),
    )
}

/// Prepares the `--report` file, when asked for.
fn report_file(args: &MergeArgs) -> CliResult<Option<OutputFile>> {
    args.report
        .as_ref()
        .map(|path| OutputFile::prepare(path, args.force, "--report"))
        .transpose()
}

/// Which command writes shards of `format`.
fn command_of(format: Option<&str>) -> &'static str {
    match format {
        Some(ROUNDS_FORMAT) => "`plansim rounds`",
        Some(FORMAT) => "`plansim run`",
        _ => "neither `plansim run` nor `plansim rounds`",
    }
}

/// Reads every shard (each file once), checks they are of one kind, one run and
/// cover its blocks once, and returns them in block order with their names.
fn read_shards<D: ShardData>(args: &MergeArgs) -> CliResult<Vec<(String, Shard<D>)>> {
    let mut shards = Vec::with_capacity(args.shards.len());
    for path in &args.shards {
        let shown = path.display().to_string();
        let (bytes, format) = read_with_format(path)?;
        if format.is_some() && format.as_deref() != Some(D::FORMAT) {
            return Err(CliError::Input(format!(
                "{shown} is a shard of {}, but {} is one of {}; merge each kind on its own",
                command_of(format.as_deref()),
                args.shards[0].display(),
                command_of(Some(D::FORMAT))
            )));
        }
        let file = Shard::<D>::parse(&bytes, &shown)?;
        shards.push((shown, file));
    }
    let slices: Vec<Slice> = shards.iter().map(|(n, f)| f.slice(n)).collect();
    check_same_run(&slices)?;
    check_slices(&slices)?;
    shards.sort_by_key(|(_, f)| (f.blocks.start, f.blocks.end));
    let (first_shown, first) = &shards[0];
    if let Some((shown, f)) = shards.iter().find(|(_, f)| f.source != first.source) {
        eprintln!(
            "note: {first_shown} ran the scenario as `{}` and {shown} as `{}`; the report names `{}`",
            first.source, f.source, first.source
        );
    }
    Ok(shards)
}

/// Merges the shards and reports the whole run.
pub fn execute(args: &MergeArgs) -> CliResult {
    check_file_memory(args)?;
    let (_, format) = read_with_format(&args.shards[0])?;
    if format.as_deref() == Some(ROUNDS_FORMAT) {
        return merge_rounds(args);
    }
    let shards = read_shards::<RunData>(args)?;
    let (first_shown, first) = &shards[0];
    let valid = first.scenario(first_shown)?;
    let (seed, replications) = (first.seed, first.replications);
    memory::check(
        memory::merge(
            replications,
            valid.scenario().simulation.periods,
            args.out.is_some(),
        ),
        memory::available(),
        &format!("merging {replications} replications"),
        |max| format!("merge on a machine with more memory (about {max} replications fit here)"),
    )?;
    let out = match &args.out {
        Some(dir) => Some(OutputDir::prepare(dir, &super::run::OUT_FILES, args.force)?),
        None => None,
    };
    let report = report_file(args)?;
    cancel::exit_on_interrupt()?;
    let model = Model::new(&valid);
    // Every block of every shard, folded in block order into an empty tally as one
    // machine does (shards are sorted and cover the blocks once), one shard at a time.
    let mut tally = RunTally::new(&model);
    for (shown, f) in shards {
        for t in f.block_tallies(&model, &shown)? {
            tally.merge(&t);
        }
    }
    // The behaviour is solved again for the warnings (and the report's charts): the
    // shards were run with --accept-no-equilibrium where it has none.
    let solved = engine::solve(&model);
    let warnings = Warnings::of_run(&model, &solved);
    if let Some(file) = report {
        let page = super::run::run_page(&valid, &model, seed, &solved, &tally, args.lang)?;
        file.write(page.as_bytes())?;
    }
    super::run::deliver_with(
        &valid,
        &model,
        seed,
        &tally,
        &warnings,
        args.format,
        out,
        args.bom,
    )?;
    warnings.print();
    Ok(())
}

/// Merges shards of `plansim rounds` and reports the whole run of rounds.
fn merge_rounds(args: &MergeArgs) -> CliResult {
    let shards = read_shards::<RoundsData>(args)?;
    let (first_shown, first) = &shards[0];
    for (shown, f) in &shards[1..] {
        let differ = |what: &str| {
            Err(CliError::Input(format!(
                "{first_shown} and {shown} are shards of different runs of rounds: {what} differ"
            )))
        };
        let (d, d0) = (&f.data, &first.data);
        if (d.rounds, d.round_length) != (d0.rounds, d0.round_length) {
            return differ("rounds or round length");
        }
        if d.planning != d0.planning {
            return differ("planning samples");
        }
        let policies = |x: &RoundsShardFile| {
            x.data
                .policies
                .iter()
                .map(|p| (p.policy.clone(), p.paths.clone()))
                .collect::<Vec<_>>()
        };
        if policies(f) != policies(first) {
            return differ("policies (or the parameters they adjust)");
        }
    }
    let valid = first.scenario(first_shown)?;
    let spec = first
        .spec()
        .and_then(|s| s.with_slice(0..first.replications))
        .map_err(|e| CliError::Input(format!("{first_shown}: {e}")))?;
    let out = match &args.out {
        Some(dir) => Some(OutputDir::prepare(
            dir,
            &super::rounds::OUT_FILES,
            args.force,
        )?),
        None => None,
    };
    let report = report_file(args)?;
    cancel::exit_on_interrupt()?;
    let mut reports = Vec::new();
    let mut unsettled = Vec::new();
    for (i, part) in first.data.policies.iter().enumerate() {
        let mut records = Vec::with_capacity(spec.replications() as usize);
        let mut keys = vec![std::collections::BTreeSet::new(); spec.rounds() as usize];
        let mut plans = vec![Unsettled::new(); spec.rounds() as usize];
        let mut learning = false;
        for (shown, f) in &shards {
            let p = &f.data.policies[i];
            records.extend(
                p.decode(spec.rounds() as usize, f.replication_range.range())
                    .map_err(|e| CliError::Input(format!("{shown}: {e}")))?,
            );
            for (k, p) in keys.iter_mut().zip(p.plan_key_sets()) {
                k.extend(p);
            }
            // Every shard solves the plans its replications (and the shared planning
            // sample) have in force: the union is the whole run's.
            let rounds = p
                .unsettled_plans()
                .map_err(|e| CliError::Input(format!("{shown}: {e}")))?;
            for (all, round) in plans.iter_mut().zip(rounds) {
                all.extend(round);
            }
            learning |= p.learning;
        }
        let solved = count_plan_solves(&keys, learning);
        reports.push(policy_report(&part.policy, &part.paths, &records, solved));
        unsettled.push((part.policy.clone(), plans));
    }
    let warnings = super::rounds::warnings_of(&Model::new(&valid), &unsettled);
    super::rounds::deliver(
        &valid,
        &spec,
        &reports,
        &warnings,
        &super::rounds::Delivery {
            format: args.format,
            out,
            report: report.map(|f| (f, args.lang)),
            bom: args.bom,
        },
    )?;
    warnings.print();
    Ok(())
}
