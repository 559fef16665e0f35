//! `plansim merge`: combine shard files into the report of the whole run, byte for
//! byte what `plansim run` gives on one machine.

use std::path::PathBuf;

use clap::Args;

use plansim_sim::engine::RunTally;
use plansim_sim::model::Model;
use plansim_sim::shard::check_coverage;

use crate::cli::Format;
use crate::error::{CliError, CliResult};
use crate::output::OutputDir;
use crate::shard::{ShardFile, PLANSIM_VERSION};
use crate::{cancel, memory};

/// Arguments of `merge`.
#[derive(Args, Debug)]
pub struct MergeArgs {
    /// Shard files written by `plansim run --shard K/N --out DIR`, in any order.
    #[arg(required = true, value_name = "SHARD")]
    pub shards: Vec<PathBuf>,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Also write summary.csv, per_period.csv, replications.csv and scenario.toml into this folder.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Overwrite existing files in --out.
    #[arg(long)]
    pub force: bool,
}

/// A shard file read, with the name to show in messages.
struct Read {
    shown: String,
    file: ShardFile,
}

/// Refuses shards that are not of one run: scenario, seed, replications and version must agree.
fn check_same_run(shards: &[Read]) -> CliResult {
    let first = &shards[0];
    for s in shards {
        if s.file.plansim_version != PLANSIM_VERSION {
            return Err(CliError::Input(format!(
                "{}: written by plansim {}, but this is plansim {PLANSIM_VERSION}; run every shard and the merge with one version",
                s.shown, s.file.plansim_version
            )));
        }
    }
    for s in &shards[1..] {
        let (a, b) = (&first.file, &s.file);
        let differ = |what: &str, x: String, y: String| {
            Err(CliError::Input(format!(
                "{} and {} are shards of different runs: {what} {x} vs {y}",
                first.shown, s.shown
            )))
        };
        if a.scenario_sha256 != b.scenario_sha256 {
            return differ(
                "scenario (sha256)",
                format!("{} `{}`", &a.scenario_sha256[..12], a.scenario_name),
                format!("{} `{}`", &b.scenario_sha256[..12], b.scenario_name),
            );
        }
        if a.seed != b.seed {
            return differ("seed", a.seed.to_string(), b.seed.to_string());
        }
        if a.replications != b.replications {
            return differ(
                "replications",
                a.replications.to_string(),
                b.replications.to_string(),
            );
        }
    }
    Ok(())
}

/// Checks that the shards hold every block of the run once.
fn check_slices(shards: &[Read]) -> CliResult {
    let mut seen = std::collections::HashMap::new();
    for s in shards {
        if let Some(other) = seen.insert((s.file.shard, s.file.shards), &s.shown) {
            return Err(CliError::Input(format!(
                "{} and {other} are both shard {}/{}; give each shard once",
                s.shown, s.file.shard, s.file.shards
            )));
        }
    }
    let ranges: Vec<(String, std::ops::Range<u64>)> = shards
        .iter()
        .map(|s| {
            (
                format!("{} (shard {}/{})", s.shown, s.file.shard, s.file.shards),
                s.file.blocks.range(),
            )
        })
        .collect();
    let f = &shards[0].file;
    check_coverage(&ranges, f.block_count, f.replications).map_err(CliError::Input)
}

/// Merges the shards and reports the whole run.
pub fn execute(args: &MergeArgs) -> CliResult {
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
    )?;
    let mut shards = Vec::with_capacity(args.shards.len());
    for path in &args.shards {
        shards.push(Read {
            shown: path.display().to_string(),
            file: ShardFile::read(path)?,
        });
    }
    check_same_run(&shards)?;
    check_slices(&shards)?;
    shards.sort_by_key(|s| (s.file.blocks.start, s.file.blocks.end));
    let first = &shards[0];
    if let Some(s) = shards.iter().find(|s| s.file.source != first.file.source) {
        eprintln!(
            "note: {} ran the scenario as `{}` and {} as `{}`; the report names `{}`",
            first.shown, first.file.source, s.shown, s.file.source, first.file.source
        );
    }
    let valid = first.file.scenario(&first.shown)?;
    let (seed, replications) = (first.file.seed, first.file.replications);
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
    cancel::exit_on_interrupt()?;
    let model = Model::new(&valid);
    // Every block of every shard, folded in block order into an empty tally as one
    // machine does (shards are sorted and cover the blocks once), one shard at a time.
    let mut tally = RunTally::new(&model);
    for s in shards {
        for t in s.file.block_tallies(&model, &s.shown)? {
            tally.merge(&t);
        }
    }
    super::run::deliver(&valid, &model, seed, &tally, args.format, out)
}
