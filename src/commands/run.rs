//! `plansim run`: simulate a scenario's plan against its baseline (or, with
//! `--shard K/N`, one slice of its replications into a shard file for `merge`).

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;

use plansim_analysis::memory;
use plansim_analysis::shard::encoding::ShardSlice;
use plansim_analysis::shard::{file_name, ShardFile};
use plansim_analysis::variants::attainment_sample;
use plansim_analysis::warnings::Warnings;
use plansim_report::csv_safe::with_bom;
use plansim_report::i18n::Lang;
use plansim_report::run::{self as report, RunReport};
use plansim_report::text_table::Width;
use plansim_sim::engine::{self, RunTally, Solved};
use plansim_sim::model::Model;
use plansim_sim::scenario::ValidScenario;

use crate::deliver::{OnInterrupt, Outputs, Results};
use crate::error::{CliError, CliResult};
use crate::flags::{
    AcceptArgs, Format, FormatArgs, OutArgs, ReportArgs, ShardArgs, SimArgs, XlsxArgs,
};
use crate::progress::Progress;
use crate::shard_arg;

/// Files `--out` writes (and [`ROSTER_FILE`] when the scenario reads a roster).
pub const OUT_FILES: [&str; 5] = [
    "summary.csv",
    "per_period.csv",
    "replications.csv",
    "scenario.toml",
    RERUN_FILE,
];

/// The copy of the scenario's roster in an `--out` folder, which its saved
/// `scenario.toml` names.
pub const ROSTER_FILE: &str = "roster.csv";

/// The script in an `--out` folder that re-runs the run to the same bytes.
pub const RERUN_FILE: &str = "rerun.sh";

/// The files `--out` writes for scenario `valid`.
pub fn out_files(valid: &ValidScenario) -> Vec<&'static str> {
    let mut names = OUT_FILES.to_vec();
    if valid.roster().is_some() {
        names.push(ROSTER_FILE);
    }
    names
}

/// The scenario as `--out` saves it: with the replications and seed of the run, and
/// its roster, when it reads one, named [`ROSTER_FILE`], the copy beside it; so the
/// folder re-runs to the same results without the original files or flags.
pub fn saved_scenario(valid: &ValidScenario, replications: u64, seed: u64) -> String {
    let mut s = valid.scenario().clone();
    s.simulation.replications = replications;
    s.simulation.seed = seed;
    if s.team.roster.is_some() {
        s.team.roster = Some(ROSTER_FILE.into());
    }
    toml::to_string_pretty(&s).unwrap_or_default()
}

/// [`RERUN_FILE`]: a POSIX shell script that re-runs the saved scenario (with
/// `--bom` when the run had it) into the folder given, by default `rerun/` beside it.
pub fn rerun_script(bom: bool) -> String {
    format!(
        r#"#!/bin/sh
# Re-runs the run whose results are in this folder, to the same bytes:
#   sh rerun.sh [FOLDER]    (FOLDER: where to write, by default rerun/ in this folder)
# scenario.toml holds the run's replications and seed (and names roster.csv, the
# copy of its roster, when it read one); results do not depend on --threads.
# Written by plansim {version}; needs plansim on the PATH.
set -e
here=$(dirname "$0")
exec plansim run "$here/scenario.toml" --out "${{1:-$here/rerun}}"{bom}
"#,
        version = env!("CARGO_PKG_VERSION"),
        bom = if bom { " --bom" } else { "" }
    )
}

/// Arguments of `run`.
#[derive(Args, Debug, Default)]
#[command(mut_arg("out", |a| a.help(
    "Also write summary.csv, per_period.csv, replications.csv, scenario.toml (with the run's replications and seed), roster.csv (a copy of the roster, when the scenario reads one) and rerun.sh (`sh rerun.sh OTHER` re-runs it to the same bytes) into this folder (with --shard: only shard-K-of-N.json)"
)))]
pub struct RunArgs {
    /// Scenario file (TOML); the embedded default scenario when absent.
    pub scenario: Option<PathBuf>,
    /// --replications, --seed, --threads.
    #[command(flatten)]
    pub sim: SimArgs,
    /// --format.
    #[command(flatten)]
    pub format: FormatArgs<Format>,
    /// --out, --force, --bom.
    #[command(flatten)]
    pub out: OutArgs,
    /// --shard.
    #[command(flatten)]
    pub shard: ShardArgs,
    /// --report, --lang.
    #[command(flatten)]
    pub report: ReportArgs,
    /// --accept-no-equilibrium.
    #[command(flatten)]
    pub accept: AcceptArgs,
    /// --xlsx.
    #[command(flatten)]
    pub xlsx: XlsxArgs,
}

/// Runs the simulation and prints or writes its report.
pub fn execute(args: &RunArgs) -> CliResult {
    let valid = super::load_scenario(args.scenario.as_deref())?;
    let s = valid.scenario();
    let replications =
        super::check_replications(args.sim.replications.unwrap_or(s.simulation.replications))?;
    let seed = args.sim.seed.unwrap_or(s.simulation.seed);
    if let Some(shard) = args.shard.shard {
        if args.report.report.is_some() {
            return Err(CliError::Input(
                "--report needs the whole run: use it without --shard".into(),
            ));
        }
        if args.xlsx.xlsx.is_some() {
            return Err(CliError::Input(
                "--xlsx needs the whole run: use it without --shard".into(),
            ));
        }
        return execute_shard(args, &valid, replications, seed, shard);
    }
    let with_out = args.out.out.is_some();
    // A workbook's per-replication sheet needs the values too (when it fits a sheet).
    let xlsx_rows = args.xlsx.xlsx.is_some() && replications < plansim_report::xlsx::MAX_ROWS;
    let keep_values = with_out || args.report.report.is_some() || xlsx_rows;
    memory::check(
        memory::run(
            replications,
            memory::Shape::of(&valid),
            with_out,
            keep_values,
        ),
        memory::available(),
        &format!("{replications} replications"),
        |max| {
            format!(
                "lower --replications (at most about {max} fit{})",
                if keep_values {
                    "; without --out, --report and --xlsx memory does not grow with replications"
                } else {
                    ""
                }
            )
        },
    )?;
    let mut outputs = Outputs::prepare(
        args.out.out.as_deref(),
        &out_files(&valid),
        args.report.report.as_deref().map(|p| (p, "--report")),
        args.out.write.force,
        OnInterrupt::Exit,
    )?;
    outputs.prepare_xlsx(args.xlsx.xlsx.as_deref(), args.out.write.force)?;
    let pool = super::thread_pool(args.sim.threads)?;
    let started = Instant::now();
    // The calibration solves the status quo: on the run's threads too.
    let model = pool.install(|| Model::new(&valid));
    let calibrated = started.elapsed().as_secs_f64();
    let solved = pool.install(|| engine::solve(&model));
    let warnings = Warnings::of_run(&model, &solved);
    args.accept.refuse_unless_given(&warnings, valid.source())?;
    let progress = Progress::new(replications, "replications");
    // Every replication's metrics are kept only for replications.csv (--out) and the
    // page's figures (--report); otherwise sketches give the quantiles in flat memory.
    let run_blocks = if keep_values {
        engine::run_blocks
    } else {
        engine::run_blocks_sketched
    };
    let tally = pool.install(|| {
        run_blocks(
            &model,
            &solved,
            seed,
            replications,
            0..engine::block_count(replications),
            &|done| progress.update(done),
        )
    });
    progress.finish();
    let run = Finished {
        valid: &valid,
        model: &model,
        seed,
        solved: &solved,
        tally: &tally,
        warnings,
    };
    let format = args.format.format;
    let lang = args.report.lang;
    let width = args.format.width();
    pool.install(|| run.deliver(outputs, (format, width), args.out.write.bom, lang))?;
    if format == Format::Table {
        eprintln!(
            "calibrated the status quo in {:.2} s; solved behaviour in {:.2} s; simulated {} rep-periods in {:.2} s",
            calibrated,
            solved.seconds,
            memory::Shape::of_model(&model)
                .rep_periods(replications)
                .unwrap_or(u64::MAX),
            started.elapsed().as_secs_f64() - calibrated - solved.seconds
        );
    }
    Ok(())
}

/// A finished run (on one machine, or merged from shards) and its warnings.
pub struct Finished<'a> {
    /// The scenario.
    pub valid: &'a ValidScenario,
    /// Its model.
    pub model: &'a Model,
    /// The seed of the run.
    pub seed: u64,
    /// The reps' behaviour under plan and baseline.
    pub solved: &'a Solved,
    /// The run's tally.
    pub tally: &'a RunTally,
    /// The run's warnings.
    pub warnings: Warnings,
}

impl Finished<'_> {
    /// Delivers the run's report: the `--out` files, the `--report` page in `lang`,
    /// then the report in `format` (a table fitted to `width`) on stdout (every CSV started by a UTF-8
    /// byte-order mark when `bom`), then the warnings.
    ///
    /// `run` and `merge` both report through here, so a merge of shards gives the
    /// same bytes.
    pub fn deliver(
        self,
        mut outputs: Outputs,
        (format, width): (Format, Width),
        bom: bool,
        lang: Lang,
    ) -> CliResult {
        let (valid, model, tally) = (self.valid, self.model, self.tally);
        let mut warnings = self.warnings;
        warnings.extend(Warnings::of_figures(&tally.plan, Some(&tally.baseline)));
        let mut report = RunReport::new(model, valid.source(), self.seed, tally, warnings);
        if model.hiring().is_some() {
            // Selection's share (docs/model.md section 10.1), on the run's replications.
            report.selection = Some(engine::selection::decompose(
                model,
                self.solved,
                self.seed,
                tally.replications(),
            ));
        }
        if valid.scenario().outputs.as_ref().is_some_and(|o| o.by_rep) {
            report.by_rep = Some(engine::by_rep::by_rep(
                model,
                self.solved,
                self.seed,
                tally.replications(),
            ));
        }
        if model.rules().deal_timing.is_some() {
            // Deal timing (docs/model.md section 8.8), on the run's replications.
            report.timing = Some(engine::timing::timing(
                model,
                self.solved,
                self.seed,
                tally.replications(),
            ));
        }
        let summary = with_bom(report::summary_csv(&report)?, bom);
        if outputs.has_xlsx() {
            outputs.set_xlsx(plansim_report::xlsx::run(&report, tally, valid.scenario())?);
        }
        let stdout = match format {
            Format::Table => report::table(&report, width).into_bytes(),
            Format::Json => report.to_json().into_bytes(),
            Format::Csv => summary.clone(),
        };
        let files = if outputs.has_dir() {
            let n = tally.replications();
            let mut files = vec![
                ("summary.csv", summary),
                (
                    "per_period.csv",
                    with_bom(report::per_period_csv(&report)?, bom),
                ),
                (
                    "replications.csv",
                    with_bom(
                        report::replications_csv(tally, self.seed, &report.warnings)?,
                        bom,
                    ),
                ),
                (
                    "scenario.toml",
                    saved_scenario(valid, n, self.seed).into_bytes(),
                ),
                (RERUN_FILE, rerun_script(bom).into_bytes()),
            ];
            if let Some(roster) = valid.roster_csv() {
                files.push((ROSTER_FILE, roster.into_bytes()));
            }
            files
        } else {
            Vec::new()
        };
        let file = if outputs.has_file() {
            let n = tally.replications();
            let plan = attainment_sample(model, model.plan(), &self.solved.plan, self.seed, n);
            let baseline =
                attainment_sample(model, model.baseline(), &self.solved.baseline, self.seed, n);
            let page = report::page(valid, model, &report, tally, (&plan, &baseline), lang)?;
            Some(page.into_bytes())
        } else {
            None
        };
        outputs.deliver(Results {
            files,
            file,
            stdout,
            warnings: &report.warnings,
        })
    }
}

/// `plansim run --shard K/N --out DIR`: simulates one slice of the run's blocks and
/// writes it to DIR/shard-K-of-N.json for `plansim merge`.
fn execute_shard(
    args: &RunArgs,
    valid: &ValidScenario,
    replications: u64,
    seed: u64,
    arg: shard_arg::ShardArg,
) -> CliResult {
    let shard = shard_arg::resolve(arg, &|name| std::env::var(name).ok())?;
    let key = crate::shard_key::key()?;
    let name = file_name(shard.k, shard.n);
    let Some(dir) = &args.out.out else {
        return Err(CliError::Input(format!(
            "--shard {}/{} needs --out DIR to write {name} into",
            shard.k, shard.n,
        )));
    };
    let slice = ShardSlice::new(replications, shard.k, shard.n);
    memory::check(
        memory::shard(slice.len(), memory::Shape::of(valid)),
        memory::available(),
        &format!(
            "shard {}/{} ({} replications)",
            shard.k,
            shard.n,
            slice.len()
        ),
        |max| {
            format!("split the run into more shards (raise N) so each holds at most about {max} replications")
        },
    )?;
    let outputs = Outputs::prepare(
        Some(dir),
        &[name.as_str()],
        None,
        args.out.write.force,
        OnInterrupt::Exit,
    )?;
    let pool = super::thread_pool(args.sim.threads)?;
    let model = Model::new(valid);
    // Solved even when this shard holds no block (more shards than blocks), so that
    // every shard of a run without an equilibrium is refused alike.
    let solved = pool.install(|| engine::solve(&model));
    let warnings = Warnings::of_run(&model, &solved);
    args.accept.refuse_unless_given(&warnings, valid.source())?;
    let progress = Progress::new(slice.len(), "replications");
    let tallies = pool.install(|| {
        engine::run_block_tallies(
            &model,
            &solved,
            seed,
            replications,
            slice.blocks.clone(),
            &|done| progress.update(done),
        )
    });
    progress.finish();
    let file = ShardFile::of_run(
        valid,
        seed,
        replications,
        (shard.k, shard.n),
        slice.blocks.clone(),
        &tallies,
    );
    drop(tallies);
    outputs.deliver(Results {
        files: vec![(name.as_str(), file.to_bytes(key.as_ref()))],
        file: None,
        stdout: Vec::new(),
        warnings: &warnings,
    })?;
    eprintln!(
        "shard {}/{} ({}): blocks {}..{}, replications {}..{} of {}, written to {}{}",
        shard.k,
        shard.n,
        shard.origin,
        slice.blocks.start,
        slice.blocks.end,
        slice.replications.start,
        slice.replications.end,
        replications,
        dir.join(&name).display(),
        if key.is_some() {
            ", tagged with the shard key (HMAC-SHA-256)".to_string()
        } else {
            String::new()
        }
    );
    Ok(())
}
