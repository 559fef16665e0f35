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
        after_help = "Examples:\n  plansim run                              the embedded default scenario\n  plansim run plan.toml -n 5000 --seed 7 --format json > result.json\n  plansim run plan.toml --out results/ --force"
    )]
    Run(RunArgs),
    /// Check a scenario file and list every problem with its line.
    #[command(after_help = "Example:\n  plansim validate scenarios/internet-company.toml")]
    Validate(ValidateArgs),
    /// Print the default scenario, every field commented, to start a new one from.
    #[command(after_help = "Example:\n  plansim example > my-plan.toml")]
    Example,
    /// Search the plan's parameters for the most expected revenue growth under a budget.
    #[command(
        after_help = "Examples:\n  plansim optimize                          the default scenario's four main intensities\n  plansim optimize plan.toml --budget 4000000 --max-evals 120 --out best/\n  plansim optimize plan.toml --solver particle-swarm --format json"
    )]
    Optimize(OptimizeArgs),
    /// Measure simulation throughput (rep-periods per second) on one thread and on all cores.
    #[command(after_help = "Example:\n  plansim bench --replications 20000")]
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
    #[arg(short = 'n', long)]
    pub replications: Option<u64>,
    /// Seed of the random streams (default: the scenario's).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores); results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
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
    #[arg(short = 'n', long, default_value_t = 10_000)]
    pub replications: u64,
    /// Measurements per thread count (the best is reported).
    #[arg(long, default_value_t = 3)]
    pub repeats: u32,
    /// Print JSON instead of a table.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
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
    #[arg(short = 'n', long)]
    pub replications: Option<u64>,
    /// Seed of the evaluations' common random numbers (default: the scenario's).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Most objective evaluations (default: the scenario's).
    #[arg(long)]
    pub max_evals: Option<usize>,
    /// Worker threads (default: all cores); results do not depend on it.
    #[arg(long)]
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
}
