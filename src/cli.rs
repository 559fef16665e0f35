//! The command line: `plansim` and its subcommands, each with its examples. Each
//! subcommand's arguments are its module's (`crate::commands`); the flags they share
//! are the groups of `crate::flags`.

use clap::{Parser, Subcommand};

use crate::commands::batch::BatchArgs;
use crate::commands::bench::BenchArgs;
use crate::commands::compare::CompareArgs;
use crate::commands::merge::MergeArgs;
use crate::commands::optimize::OptimizeArgs;
use crate::commands::rounds::RoundsArgs;
use crate::commands::run::RunArgs;
use crate::commands::sensitivity::SensitivityArgs;
use crate::commands::validate::ValidateArgs;

/// Simulate and optimise sales-incentive plans: a Monte Carlo model of a sales team
/// whose reps respond to the plan.
#[derive(Parser, Debug)]
#[command(name = "plansim", version, about, long_about = None, args_conflicts_with_subcommands = true,
    after_help = "Examples:\n  plansim                         simulate the embedded default scenario\n  plansim run my-plan.toml --replications 5000 --format json\n  plansim example > my-plan.toml  start a scenario from the commented default\n  plansim validate my-plan.toml")]
pub struct Cli {
    /// The subcommand (default: run the embedded default scenario).
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Options of `run` when no subcommand is given.
    #[command(flatten)]
    pub run: RunArgs,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Simulate a scenario's plan against its baseline and report every KPI.
    #[command(
        after_help = "Examples:\n  plansim run                              the embedded default scenario\n  plansim run plan.toml -n 5000 --seed 7 --format json > result.json\n  plansim run plan.toml --out results/ --force   then `sh results/rerun.sh again/` re-runs it to the same bytes\n  plansim run plan.toml --wide             the table with every column, one line a row\n  plansim run plan.toml -n 100000 --shard 3/8 --out shards/   one slice of eight (see `plansim merge`)\n  plansim run plan.toml --report report.html --lang zh   a page with charts for leadership\n  plansim run steep-tournament.toml --accept-no-equilibrium   simulate a plan without an equilibrium, warned in every output"
    )]
    Run(RunArgs),
    /// Check a scenario file and list every problem with its line.
    #[command(after_help = "Example:\n  plansim validate scenarios/internet-company.toml")]
    Validate(ValidateArgs),
    /// Print the default scenario, every field commented, to start a new one from.
    #[command(after_help = "Example:\n  plansim example > my-plan.toml")]
    Example,
    /// Combine shard files of `run --shard K/N` (or `rounds --shard K/N`) into the report of the whole run, byte for byte.
    #[command(
        after_help = "Examples:\n  plansim merge shards/shard-*-of-8.json --format json > result.json\n  plansim merge shards/*.json --out results/   (docs/scale-out.md: Slurm, Kubernetes, xargs -P)\n  plansim merge shards/rounds-shard-*-of-4.json --report rounds.html"
    )]
    Merge(MergeArgs),
    /// Search the plan's parameters for the most expected revenue growth under a budget.
    #[command(
        after_help = "Examples:\n  plansim optimize                          the default scenario's four main intensities\n  plansim optimize plan.toml --budget 4000000 --max-evals 120 --out best/\n  plansim optimize plan.toml --solver particle-swarm --format json\n  plansim optimize plan.toml --report optimized.html --lang zh"
    )]
    Optimize(OptimizeArgs),
    /// Compare plan variants on common random numbers: KPIs side by side, paired
    /// differences, the probability each is best and a ranking-and-selection verdict.
    #[command(
        after_help = "Examples:\n  plansim compare current.toml bonus-up.toml per-customer-up.toml\n  plansim compare a.toml b.toml --objective profit --indifference 50000 -n 4000\n  plansim compare a.toml b.toml -n 2000 --fixed-replications   every variant on all 2000 replications\n  plansim compare a.toml b.toml --report comparison.html --lang zh\n  plansim compare a.toml b.toml --format csv --bom > comparison.csv"
    )]
    Compare(CompareArgs),
    /// Run every scenario in a folder (or matching a glob): one CSV row per scenario
    /// with every KPI's mean and interval; a broken file is reported and skipped.
    #[command(
        after_help = "Examples:\n  plansim batch scenarios/ --out results.csv\n  plansim batch 'plans/*.toml' -n 1000 --seed 7 --out results.csv --bom"
    )]
    Batch(BatchArgs),
    /// Monitoring and adjustment: simulate rounds, compare KPIs with targets, adjust the plan, carry the team forward.
    #[command(
        after_help = "Examples:\n  plansim rounds scenarios/template-monitoring.toml\n  plansim rounds plan.toml --rounds 12 --round-length 1 --policy rule --format json\n  plansim rounds scenarios/template-monitoring.toml --compare-policies -n 500 --out rounds/\n  plansim rounds plan.toml -n 100000 --shard 2/4 --out shards/   one slice of four (see `plansim merge`)"
    )]
    Rounds(RoundsArgs),
    /// Sensitivity and robustness to the assumptions about the reps and the market:
    /// a tornado one at a time, Morris screening of all together, and how often the
    /// plan (or the first variant) still wins across their ranges.
    #[command(
        after_help = "Examples:\n  plansim sensitivity scenarios/internet-company.toml          the plan against its baseline\n  plansim sensitivity a.toml b.toml --objective profit          one variant against another\n  plansim sensitivity plan.toml -n 200 --report sensitivity.html --format json > sensitivity.json\n\nRanges come from the scenario's [sensitivity] section (default: 25 % either side of each value; scenarios/README.md)."
    )]
    Sensitivity(SensitivityArgs),
    /// Print the JSON Schema of the scenario format, for editors that complete and
    /// check scenario files (taplo, VS Code's Even Better TOML; README).
    #[command(
        after_help = "Examples:\n  plansim schema > plansim-scenario.schema.json\n  then put  #:schema ./plansim-scenario.schema.json  on the first line of a scenario file"
    )]
    Schema,
    /// Measure simulation throughput (rep-periods per second) on one thread and on all cores.
    #[command(
        after_help = "Examples:\n  plansim bench --replications 20000\n  plansim bench --check -n 1000   the throughput guard .ci/run runs (medians of 9 repeats)"
    )]
    Bench(BenchArgs),
}
