//! Command-line interface definitions.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

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
        after_help = "Examples:\n  plansim run                              the embedded default scenario\n  plansim run plan.toml -n 5000 --seed 7 --format json > result.json\n  plansim run plan.toml --out results/ --force\n  plansim run plan.toml -n 100000 --shard 3/8 --out shards/   one slice of eight (see `plansim merge`)\n  plansim run plan.toml --report report.html --lang zh   a page with charts for leadership\n  plansim run steep-tournament.toml --accept-no-equilibrium   simulate a plan without an equilibrium, warned in every output"
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
    Merge(crate::commands::merge::MergeArgs),
    /// Search the plan's parameters for the most expected revenue growth under a budget.
    #[command(
        after_help = "Examples:\n  plansim optimize                          the default scenario's four main intensities\n  plansim optimize plan.toml --budget 4000000 --max-evals 120 --out best/\n  plansim optimize plan.toml --solver particle-swarm --format json\n  plansim optimize plan.toml --report optimized.html --lang zh"
    )]
    Optimize(OptimizeArgs),
    /// Compare plan variants on common random numbers: KPIs side by side, paired
    /// differences, the probability each is best and a ranking-and-selection verdict.
    #[command(
        after_help = "Examples:\n  plansim compare current.toml bonus-up.toml per-customer-up.toml\n  plansim compare a.toml b.toml --objective profit --indifference 50000 -n 4000\n  plansim compare a.toml b.toml --report comparison.html --lang zh\n  plansim compare a.toml b.toml --format csv --bom > comparison.csv"
    )]
    Compare(crate::commands::compare::CompareArgs),
    /// Run every scenario in a folder (or matching a glob): one CSV row per scenario
    /// with every KPI's mean and interval; a broken file is reported and skipped.
    #[command(
        after_help = "Examples:\n  plansim batch scenarios/ --out results.csv\n  plansim batch 'plans/*.toml' -n 1000 --seed 7 --out results.csv --bom"
    )]
    Batch(crate::commands::batch::BatchArgs),
    /// Monitoring and adjustment: simulate rounds, compare KPIs with targets, adjust the plan, carry the team forward.
    #[command(
        after_help = "Examples:\n  plansim rounds scenarios/template-monitoring.toml\n  plansim rounds plan.toml --rounds 12 --round-length 1 --policy rule --format json\n  plansim rounds scenarios/template-monitoring.toml --compare-policies -n 500 --out rounds/\n  plansim rounds plan.toml -n 100000 --shard 2/4 --out shards/   one slice of four (see `plansim merge`)"
    )]
    Rounds(RoundsArgs),
    /// Measure simulation throughput (rep-periods per second) on one thread and on all cores.
    #[command(
        after_help = "Examples:\n  plansim bench --replications 20000\n  plansim bench --check -n 1000 --repeats 5   the throughput guard .ci/run runs"
    )]
    Bench(BenchArgs),
}

/// Output formats of `run`.
#[derive(ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    /// A readable table.
    #[default]
    Table,
    /// One JSON object.
    Json,
    /// CSV of the summary.
    Csv,
}

/// Arguments of `run`.
#[derive(Args, Debug, Default)]
pub struct RunArgs {
    /// Scenario file (TOML); the embedded default scenario when absent.
    pub scenario: Option<PathBuf>,
    /// Monte Carlo replications (default: the scenario's).
    #[arg(short = 'n', long, allow_negative_numbers = true, value_parser = crate::flags::replications)]
    pub replications: Option<u64>,
    /// Seed of the random streams (default: the scenario's).
    #[arg(long, allow_negative_numbers = true, value_parser = crate::flags::seed)]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores); results do not depend on it.
    #[arg(long, allow_negative_numbers = true, value_parser = crate::flags::threads)]
    pub threads: Option<usize>,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Also write summary.csv, per_period.csv, replications.csv and scenario.toml into this folder
    /// (with --shard: only shard-K-of-N.json).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Overwrite existing files in --out.
    #[arg(long)]
    pub force: bool,
    /// Run only shard K of N (K from 1) of the replications and write it to --out for
    /// `plansim merge`; bare `--shard` or `auto` takes K and N from a Slurm job array
    /// (SLURM_ARRAY_TASK_ID/COUNT), `auto/N` takes K from JOB_COMPLETION_INDEX (Kubernetes).
    #[arg(long, value_name = "K/N", num_args = 0..=1, default_missing_value = "auto",
        value_parser = crate::shard::spec::parse_shard_arg)]
    pub shard: Option<crate::shard::spec::ShardArg>,
    /// Start CSV output (--format csv, the CSV files of --out) with a UTF-8 byte-order mark, for Excel.
    #[arg(long)]
    pub bom: bool,
    /// Also write a self-contained HTML report with charts to this file.
    #[arg(long, value_name = "FILE.html")]
    pub report: Option<PathBuf>,
    /// Language of the HTML report.
    #[arg(long, value_enum, default_value_t = crate::report::i18n::Lang::En)]
    pub lang: crate::report::i18n::Lang,
    /// --accept-no-equilibrium.
    #[command(flatten)]
    pub accept: crate::warnings::AcceptArgs,
}

/// Arguments of `validate`.
#[derive(Args, Debug)]
pub struct ValidateArgs {
    /// Scenario file (TOML).
    pub scenario: PathBuf,
}

/// Arguments of `bench`.
#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Scenario file (TOML); the embedded default scenario when absent.
    pub scenario: Option<PathBuf>,
    /// Replications per measurement.
    #[arg(short = 'n', long, default_value_t = 10_000, allow_negative_numbers = true,
        value_parser = crate::flags::replications)]
    pub replications: u64,
    /// Measurements per thread count (the best is reported).
    #[arg(long, default_value_t = 3)]
    pub repeats: u32,
    /// Print JSON instead of a table.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Throughput guard: one thread, against a fixed reference loop; fails when the
    /// ratio falls more than 20 % below the one recorded in --baseline.
    #[arg(long)]
    pub check: bool,
    /// With --check: write the measured ratio to --baseline instead of comparing.
    #[arg(long, requires = "check")]
    pub record: bool,
    /// The recorded ratio of --check.
    #[arg(long, default_value = "benches/throughput-baseline.json")]
    pub baseline: PathBuf,
}

/// Output formats of `optimize`.
#[derive(ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OptimizeFormat {
    /// A readable table.
    #[default]
    Table,
    /// One JSON object.
    Json,
}

/// Search algorithms of `optimize`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SolverArg {
    /// Particle swarm, then Nelder-Mead from the best point.
    Auto,
    /// Nelder-Mead from the starting plan.
    NelderMead,
    /// Particle swarm over the bounds.
    ParticleSwarm,
}

impl From<SolverArg> for plansim_sim::scenario::SolverKind {
    fn from(s: SolverArg) -> Self {
        match s {
            SolverArg::Auto => Self::Auto,
            SolverArg::NelderMead => Self::NelderMead,
            SolverArg::ParticleSwarm => Self::ParticleSwarm,
        }
    }
}

/// Arguments of `optimize`.
#[derive(Args, Debug)]
pub struct OptimizeArgs {
    /// Scenario file with an [optimize] section; the embedded default scenario when absent.
    pub scenario: Option<PathBuf>,
    /// Budget on expected incentive cost over the horizon (default: the scenario's).
    #[arg(long)]
    pub budget: Option<f64>,
    /// Search algorithm (default: the scenario's, else auto).
    #[arg(long, value_enum)]
    pub solver: Option<SolverArg>,
    /// Replications per evaluation (default: the scenario's).
    #[arg(short = 'n', long, allow_negative_numbers = true, value_parser = crate::flags::replications)]
    pub replications: Option<u64>,
    /// Seed of the evaluations' common random numbers (default: the scenario's).
    #[arg(long, allow_negative_numbers = true, value_parser = crate::flags::seed)]
    pub seed: Option<u64>,
    /// Most objective evaluations (default: the scenario's).
    #[arg(long)]
    pub max_evals: Option<usize>,
    /// Worker threads (default: all cores); results do not depend on it.
    #[arg(long, allow_negative_numbers = true, value_parser = crate::flags::threads)]
    pub threads: Option<usize>,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = OptimizeFormat::Table)]
    pub format: OptimizeFormat,
    /// Also write optimized.toml, convergence.csv and convergence.svg into this folder.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Overwrite existing files in --out.
    #[arg(long)]
    pub force: bool,
    /// Start convergence.csv with a UTF-8 byte-order mark, for Excel.
    #[arg(long)]
    pub bom: bool,
    /// Also write a self-contained HTML report with charts to this file (the start, the
    /// winner and the status quo re-simulated on fresh seeds).
    #[arg(long, value_name = "FILE.html")]
    pub report: Option<PathBuf>,
    /// Language of the HTML report.
    #[arg(long, value_enum, default_value_t = crate::report::i18n::Lang::En)]
    pub lang: crate::report::i18n::Lang,
    /// --accept-no-equilibrium.
    #[command(flatten)]
    pub accept: crate::warnings::AcceptArgs,
}

/// Adjustment policies of `rounds`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoundPolicyArg {
    /// Never change the plan.
    Static,
    /// Step intensities by how far KPIs are from target ([[rounds.rules]]).
    Rule,
    /// Re-run the optimiser from the team's current state each round.
    Reoptimize,
}

impl From<RoundPolicyArg> for plansim_sim::scenario::RoundPolicyKind {
    fn from(p: RoundPolicyArg) -> Self {
        match p {
            RoundPolicyArg::Static => Self::Static,
            RoundPolicyArg::Rule => Self::Rule,
            RoundPolicyArg::Reoptimize => Self::Reoptimize,
        }
    }
}

/// Arguments of `rounds`.
#[derive(Args, Debug)]
pub struct RoundsArgs {
    /// Scenario file (TOML); the embedded default scenario when absent.
    pub scenario: Option<PathBuf>,
    /// Number of rounds (default: the scenario's [rounds], else the horizon in cycles).
    #[arg(long)]
    pub rounds: Option<u32>,
    /// Periods per round (default: the scenario's [rounds], else one cycle).
    #[arg(long)]
    pub round_length: Option<u32>,
    /// Adjustment policy (default: the scenario's, else static).
    #[arg(long, value_enum)]
    pub policy: Option<RoundPolicyArg>,
    /// Run static, rule and reoptimize on common random numbers and compare their final KPIs.
    #[arg(long)]
    pub compare_policies: bool,
    /// Replications of the whole trajectory (default: the scenario's).
    #[arg(short = 'n', long, allow_negative_numbers = true, value_parser = crate::flags::replications)]
    pub replications: Option<u64>,
    /// Seed of the random streams (default: the scenario's).
    #[arg(long, allow_negative_numbers = true, value_parser = crate::flags::seed)]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores); results do not depend on it.
    #[arg(long, allow_negative_numbers = true, value_parser = crate::flags::threads)]
    pub threads: Option<usize>,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Also write rounds.json, rounds.csv and fan.svg into this folder.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Also write a self-contained HTML report with the fan charts to this file.
    #[arg(long, value_name = "FILE.html")]
    pub report: Option<PathBuf>,
    /// Language of the HTML report.
    #[arg(long, value_enum, default_value_t = crate::report::i18n::Lang::En)]
    pub lang: crate::report::i18n::Lang,
    /// Run only shard K of N (K from 1) of the replications, with the planning sample
    /// every shard shares, and write it to --out for `plansim merge`; bare `--shard` or
    /// `auto` takes K and N from a Slurm job array, `auto/N` K from JOB_COMPLETION_INDEX.
    #[arg(long, value_name = "K/N", num_args = 0..=1, default_missing_value = "auto",
        value_parser = crate::shard::spec::parse_shard_arg)]
    pub shard: Option<crate::shard::spec::ShardArg>,
    /// Start CSV output (--format csv, rounds.csv of --out) with a UTF-8 byte-order mark, for Excel.
    #[arg(long)]
    pub bom: bool,
    /// Overwrite existing files in --out.
    #[arg(long)]
    pub force: bool,
    /// --accept-no-equilibrium.
    #[command(flatten)]
    pub accept: crate::warnings::AcceptArgs,
}
