//! The flags several subcommands share, each declared once as a clap group that a
//! subcommand flattens into its arguments (`#[command(flatten)]`), and the parsers
//! of numeric flags whose messages say what is accepted (a negative seed is "must
//! be a whole number from 0 to ...", not clap's "unexpected argument").
//!
//! A subcommand whose flag means something narrower words its help with
//! `#[command(mut_arg("replications", |a| a.help("...")))]`; the flag itself, its
//! name, parser and type, stays here.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use plansim_analysis::warnings::Warnings;
use plansim_report::i18n::Lang;
use plansim_report::text_table::Width;
use plansim_report::warnings::text;

use crate::error::{CliError, CliResult};
use crate::shard_arg::{parse_shard_arg, ShardArg};

/// Parses a whole number from `min` to `max` (clap value parsers below).
fn whole(text: &str, min: u64, max: u64) -> Result<u64, String> {
    match text.trim().parse::<u64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(format!("must be a whole number from {min} to {max}")),
    }
}

/// `--seed`: any u64.
pub fn seed(text: &str) -> Result<u64, String> {
    whole(text, 0, u64::MAX)
}

/// `--replications`: at least 1.
pub fn replications(text: &str) -> Result<u64, String> {
    whole(text, 1, u64::MAX)
}

/// `--threads`: 1 to 4096.
pub fn threads(text: &str) -> Result<usize, String> {
    whole(text, 1, 4096).map(|n| n as usize)
}

/// `--replications`, `--seed` and `--threads` of a command that simulates.
#[derive(Args, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SimArgs {
    /// Monte Carlo replications (default: the scenario's).
    #[arg(short = 'n', long, allow_negative_numbers = true, value_parser = replications)]
    pub replications: Option<u64>,
    /// Seed of the random streams (default: the scenario's).
    #[arg(long, allow_negative_numbers = true, value_parser = seed)]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores; more than the cores this process may use are
    /// lowered to them, with a note); results do not depend on it.
    #[arg(long, allow_negative_numbers = true, value_parser = threads)]
    pub threads: Option<usize>,
}

/// Output formats of the commands that print a table, JSON or CSV.
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

/// Output formats of the commands that print a table or JSON.
#[derive(ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TableOrJson {
    /// A readable table.
    #[default]
    Table,
    /// One JSON object.
    Json,
}

/// `--format`, with the formats `F` of the command, and `--wide`.
#[derive(Args, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FormatArgs<F: ValueEnum + Default + Clone + Send + Sync + 'static> {
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = F::default())]
    pub format: F,
    /// Print tables at their full width, every column on one line a row; without it a
    /// table fits the terminal (COLUMNS when set, else the terminal's width, else 100
    /// columns), stacking intervals and then leaving out its least needed columns.
    #[arg(long)]
    pub wide: bool,
}

impl<F: ValueEnum + Default + Clone + Send + Sync + 'static> FormatArgs<F> {
    /// How wide the command's tables may be: see [`table_width`].
    pub fn width(&self) -> Width {
        table_width(
            self.wide,
            std::env::var("COLUMNS").ok().as_deref(),
            terminal_columns(),
        )
    }
}

/// Narrowest width a table is fitted to: below it, tables are printed at 40 columns.
const MIN_COLUMNS: usize = 40;

/// Columns when stdout is not a terminal (a file, a pipe) and COLUMNS is not set.
pub const DEFAULT_COLUMNS: usize = 100;

/// How wide tables may be: every column with `--wide`; else `COLUMNS` when it is a
/// whole number; else the terminal's width; else [`DEFAULT_COLUMNS`]; never below 40.
pub fn table_width(wide: bool, columns_env: Option<&str>, terminal: Option<usize>) -> Width {
    if wide {
        return Width::Wide;
    }
    let n = columns_env
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&n| n > 0)
        .or(terminal)
        .unwrap_or(DEFAULT_COLUMNS);
    Width::Fit(n.max(MIN_COLUMNS))
}

/// The width of the terminal stdout writes to, None when stdout is not a terminal.
fn terminal_columns() -> Option<usize> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() {
        return None;
    }
    // SAFETY: TIOCGWINSZ writes a `winsize` into the struct it is given, which lives
    // through the call; a failure leaves it zeroed, read as no width.
    let mut size: libc::winsize = unsafe { std::mem::zeroed() };
    let ok = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut size) } == 0;
    (ok && size.ws_col > 0).then_some(size.ws_col as usize)
}

/// `--force` and `--bom`: how result files are written.
#[derive(Args, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WriteArgs {
    /// Overwrite existing output files instead of refusing.
    #[arg(long)]
    pub force: bool,
    /// Start CSV output (on stdout and in the files written) with a UTF-8 byte-order mark, for Excel.
    #[arg(long)]
    pub bom: bool,
}

/// `--out` (with `--force` and `--bom`): where a command also writes its result files.
#[derive(Args, Clone, Debug, Default, PartialEq, Eq)]
pub struct OutArgs {
    /// Also write the command's result files into this folder.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// --force and --bom.
    #[command(flatten)]
    pub write: WriteArgs,
}

/// `--report` and `--lang`: the self-contained HTML page of a command.
#[derive(Args, Clone, Debug, Default, PartialEq, Eq)]
pub struct ReportArgs {
    /// Also write a self-contained HTML report with charts to this file.
    #[arg(long, value_name = "FILE.html")]
    pub report: Option<PathBuf>,
    /// Language of the HTML report.
    #[arg(long, value_enum, default_value_t = Lang::En)]
    pub lang: Lang,
}

/// `--xlsx`: an Excel workbook of a command's results.
#[derive(Args, Clone, Debug, Default, PartialEq, Eq)]
pub struct XlsxArgs {
    /// Also write an Excel workbook to this file: summary, per period, per replication
    /// where there are any, by mechanism and the scenario's parameters, with number
    /// formats, frozen headers and fitted columns.
    #[arg(long, value_name = "FILE.xlsx")]
    pub xlsx: Option<PathBuf>,
}

/// `--shard`: one slice of a command's replications, for `plansim merge`.
#[derive(Args, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ShardArgs {
    /// Run only shard K of N (K from 1) of the replications and write it to --out for
    /// `plansim merge`; bare `--shard` or `auto` takes K and N from a Slurm job array
    /// (SLURM_ARRAY_TASK_ID/COUNT), `auto/N` takes K from JOB_COMPLETION_INDEX (Kubernetes).
    #[arg(long, value_name = "K/N", num_args = 0..=1, default_missing_value = "auto",
        value_parser = parse_shard_arg)]
    pub shard: Option<ShardArg>,
}

/// `--accept-no-equilibrium`, shared by every subcommand that simulates.
#[derive(Args, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AcceptArgs {
    /// Simulate even when the plan or the status quo (baseline) has no equilibrium:
    /// without this flag such a run stops with exit code 2 before simulating; with it,
    /// every output carries the warning
    /// (e.g. plansim run steep-tournament.toml --accept-no-equilibrium).
    #[arg(long)]
    pub accept_no_equilibrium: bool,
}

impl AcceptArgs {
    /// Refuses to go on, unless the flag is given, when a plan of scenario `source`
    /// has no equilibrium: the message names the file, states each problem and says
    /// how to accept it.
    pub fn refuse_unless_given(self, warnings: &Warnings, source: &str) -> CliResult {
        let problems: Vec<String> = warnings
            .needing_acceptance()
            .map(|w| format!("  - {}", text(w, Lang::En)))
            .collect();
        if problems.is_empty() || self.accept_no_equilibrium {
            return Ok(());
        }
        Err(CliError::Input(format!(
            "{source}: no equilibrium, so the scenario was not simulated:\n{}\n\
             Efforts, promotions and the revenue and costs they drive would rest on beliefs \
             the reps' own efforts contradict. Change the plan, or pass --accept-no-equilibrium \
             to simulate it anyway with this warning in every output.",
            problems.join("\n")
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plansim_sim::behaviour::{Equilibrium, EquilibriumGap};

    #[test]
    fn tables_fit_columns_then_the_terminal_then_100_unless_wide() {
        assert_eq!(table_width(true, Some("60"), Some(80)), Width::Wide);
        assert_eq!(table_width(false, Some("60"), Some(80)), Width::Fit(60));
        assert_eq!(table_width(false, Some("junk"), Some(80)), Width::Fit(80));
        assert_eq!(table_width(false, None, None), Width::Fit(DEFAULT_COLUMNS));
        assert_eq!(table_width(false, Some("10"), None), Width::Fit(40));
    }

    #[test]
    fn negative_zero_and_junk_are_refused_with_the_range() {
        assert_eq!(seed("0"), Ok(0));
        assert_eq!(seed("18446744073709551615"), Ok(u64::MAX));
        assert!(seed("-1").unwrap_err().contains("from 0 to"));
        assert!(seed("1.5").is_err());
        assert!(replications("0").unwrap_err().contains("from 1"));
        assert!(threads("0").unwrap_err().contains("from 1 to 4096"));
        assert!(threads("5000").is_err());
        assert_eq!(threads("2"), Ok(2));
    }

    #[test]
    fn no_equilibrium_is_refused_unless_accepted() {
        let none = Warnings::of_start(Equilibrium::NotNeeded);
        assert!(AcceptArgs::default()
            .refuse_unless_given(&none, "x.toml")
            .is_ok());
        let w = Warnings::of_start(Equilibrium::NotFound {
            what: EquilibriumGap::TournamentCutoff,
            gap: 0.25,
            passes: 40,
        });
        let e = AcceptArgs::default()
            .refuse_unless_given(&w, "steep.toml")
            .unwrap_err();
        assert_eq!(e.exit_code(), 2);
        let m = e.to_string();
        assert!(m.starts_with("steep.toml: "), "{m}");
        assert!(
            m.contains("Starting plan: the tournament has no equilibrium"),
            "{m}"
        );
        assert!(m.contains("--accept-no-equilibrium"), "{m}");
        let accept = AcceptArgs {
            accept_no_equilibrium: true,
        };
        assert!(accept.refuse_unless_given(&w, "steep.toml").is_ok());
        // Candidates without an equilibrium only warn.
        assert!(AcceptArgs::default()
            .refuse_unless_given(&Warnings::of_candidates(3, 40), "x.toml")
            .is_ok());
    }
}
