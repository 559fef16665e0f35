//! `plansim batch`: every scenario in a folder (or matching a glob pattern), one
//! row per scenario with every KPI's mean and 95 % interval under the plan, the
//! status quo's mean and the paired difference.
//!
//! A file that cannot be read or is not a valid scenario, or whose plan or baseline
//! has no equilibrium (without `--accept-no-equilibrium`), is reported by name on
//! stderr and gets a row with its error; the batch goes on, and the command exits
//! with code 2 at the end when any file failed (after writing every other row).
//! Each row carries its scenario's warnings.
//! Scenarios run one after another, each in parallel over its replications, so the
//! results do not depend on the number of threads.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use clap::Args;
use serde::Serialize;

use plansim_sim::engine::{self, RunTally};
use plansim_sim::metrics::{self, METRICS};
use plansim_sim::model::Model;
use plansim_sim::scenario::ValidScenario;
use plansim_sim::tally::Summary;

use crate::cli::Format;
use crate::error::{CliError, CliResult};
use crate::memory;
use crate::output::emit;
use crate::output_file::OutputFile;
use crate::progress::Progress;
use crate::report::csv_safe::{with_bom, CsvSheet};
use crate::report::i18n::Lang;
use crate::report::table::{interval, style};
use crate::warnings::Warnings;

/// Arguments of `batch`.
#[derive(Args, Debug)]
pub struct BatchArgs {
    /// A folder (its *.toml files) or a glob pattern such as 'plans/*.toml' (quote it).
    pub scenarios: String,
    /// Write the results as CSV to this file.
    #[arg(long, value_name = "FILE.csv")]
    pub out: Option<PathBuf>,
    /// Overwrite an existing --out file.
    #[arg(long)]
    pub force: bool,
    /// Replications of every scenario (default: each scenario's own).
    #[arg(short = 'n', long, allow_negative_numbers = true, value_parser = crate::flags::replications)]
    pub replications: Option<u64>,
    /// Seed of every scenario (default: each scenario's own).
    #[arg(long, allow_negative_numbers = true, value_parser = crate::flags::seed)]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores); results do not depend on it.
    #[arg(long, allow_negative_numbers = true, value_parser = crate::flags::threads)]
    pub threads: Option<usize>,
    /// Output format on stdout (the table is a digest; csv and json hold every KPI).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Start CSV output with a UTF-8 byte-order mark (for Excel).
    #[arg(long)]
    pub bom: bool,
    /// --accept-no-equilibrium.
    #[command(flatten)]
    pub accept: crate::warnings::AcceptArgs,
}

/// One scenario's results, or its error.
#[derive(Serialize, Clone, Debug)]
pub struct BatchRow {
    /// The scenario file.
    pub file: String,
    /// The scenario's name (empty when it could not be read).
    pub scenario: String,
    /// "ok" or "error".
    pub status: &'static str,
    /// What was wrong with the file.
    pub error: Option<String>,
    /// What makes some of its figures less trustworthy than their intervals say (a
    /// plan without an equilibrium, a status quo without a steady state); empty when none.
    pub warnings: Warnings,
    /// Replications run.
    pub replications: u64,
    /// Seed used.
    pub seed: Option<u64>,
    /// Every KPI under the plan.
    pub plan: BTreeMap<&'static str, Summary>,
    /// Every KPI's mean under the status quo.
    pub baseline: BTreeMap<&'static str, f64>,
    /// Every KPI's paired difference, plan minus status quo.
    pub difference: BTreeMap<&'static str, Summary>,
}

/// The scenario files a folder or a glob pattern names, sorted.
pub fn scenario_files(target: &str) -> CliResult<Vec<PathBuf>> {
    let path = Path::new(target);
    let mut files: Vec<PathBuf> = if path.is_dir() {
        std::fs::read_dir(path)
            .map_err(|e| CliError::Input(format!("{target}: cannot read the folder: {e}")))?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "toml"))
            .collect()
    } else if path.is_file() {
        vec![path.to_path_buf()]
    } else if target.contains(['*', '?', '[']) {
        glob::glob(target)
            .map_err(|e| CliError::Input(format!("{target}: not a valid glob pattern: {e}")))?
            .filter_map(Result::ok)
            .filter(|p| p.is_file())
            .collect()
    } else {
        return Err(CliError::Input(format!(
            "{target}: no such folder, file or glob pattern"
        )));
    };
    files.sort();
    if files.is_empty() {
        return Err(CliError::Input(format!(
            "{target}: no scenario files (*.toml)"
        )));
    }
    Ok(files)
}

fn error_row(file: &Path, message: String) -> BatchRow {
    BatchRow {
        file: file.display().to_string(),
        scenario: String::new(),
        status: "error",
        error: Some(message),
        warnings: Warnings::none(),
        replications: 0,
        seed: None,
        plan: BTreeMap::new(),
        baseline: BTreeMap::new(),
        difference: BTreeMap::new(),
    }
}

fn result_row(
    file: &Path,
    valid: &ValidScenario,
    seed: u64,
    tally: &RunTally,
    warnings: Warnings,
) -> BatchRow {
    let mut row = BatchRow {
        file: file.display().to_string(),
        scenario: valid.scenario().name.clone(),
        status: "ok",
        error: None,
        warnings,
        replications: tally.replications(),
        seed: Some(seed),
        plan: BTreeMap::new(),
        baseline: BTreeMap::new(),
        difference: BTreeMap::new(),
    };
    for (i, m) in METRICS.iter().enumerate() {
        row.plan.insert(
            m.name,
            tally.plan.summary(i).within(metrics::bounds(m.name)),
        );
        row.baseline.insert(m.name, tally.baseline.moments(i).mean);
        row.difference.insert(
            m.name,
            tally
                .difference
                .summary(i)
                .within(metrics::difference_bounds(m.name)),
        );
    }
    row
}

fn num(x: f64) -> String {
    if x.is_finite() {
        format!("{x}")
    } else {
        String::new()
    }
}

/// The results as CSV: a header, then one row per scenario (its warnings in one
/// cell, separated by ` | `).
pub fn to_csv(rows: &[BatchRow]) -> CliResult<Vec<u8>> {
    let mut w = CsvSheet::new();
    let mut header: Vec<String> = [
        "file",
        "scenario",
        "status",
        "error",
        "warnings",
        "replications",
        "seed",
    ]
    .map(String::from)
    .to_vec();
    for m in METRICS {
        for part in [
            "mean",
            "ci95_low",
            "ci95_high",
            "baseline_mean",
            "difference_mean",
            "difference_ci95_low",
            "difference_ci95_high",
        ] {
            header.push(format!("{}_{part}", m.name));
        }
    }
    w.row(&header)?;
    for r in rows {
        let mut cells = vec![
            r.file.clone(),
            r.scenario.clone(),
            r.status.to_string(),
            r.error.clone().unwrap_or_default(),
            r.warnings.texts(Lang::En).join(" | "),
            r.replications.to_string(),
            r.seed.map(|s| s.to_string()).unwrap_or_default(),
        ];
        if r.status == "ok" {
            for m in METRICS {
                let (p, d) = (&r.plan[m.name], &r.difference[m.name]);
                cells.extend([
                    num(p.mean),
                    num(p.ci95_low),
                    num(p.ci95_high),
                    num(r.baseline[m.name]),
                    num(d.mean),
                    num(d.ci95_low),
                    num(d.ci95_high),
                ]);
            }
        } else {
            cells.extend((0..7 * METRICS.len()).map(|_| String::new()));
        }
        w.row(&cells)?;
    }
    w.finish()
}

/// A digest table of the results.
fn table(rows: &[BatchRow]) -> String {
    let shown = [
        "revenue_growth",
        "incentive_cost",
        "cost_of_sales",
        "target_hit_rate",
    ];
    let mut lines: Vec<Vec<String>> = vec![{
        let mut h = vec!["file".to_string(), "scenario".to_string()];
        h.extend(shown.iter().map(|m| format!("{m} [95% CI]")));
        h.push("growth vs status quo".to_string());
        h
    }];
    for r in rows {
        let mut line = vec![r.file.clone(), r.scenario.clone()];
        if r.status == "ok" {
            for m in shown {
                line.push(interval(&r.plan[m], style(m)));
            }
            line.push(interval(
                &r.difference["revenue_growth"],
                style("revenue_growth"),
            ));
        } else {
            line.push("ERROR (see stderr)".to_string());
        }
        lines.push(line);
    }
    let cols = lines.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0; cols];
    for l in &lines {
        for (w, c) in widths.iter_mut().zip(l) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    for r in rows {
        for t in r.warnings.texts(Lang::En) {
            let _ = writeln!(out, "WARNING: {}: {t}", r.file);
        }
    }
    for (k, l) in lines.iter().enumerate() {
        let mut s = String::new();
        for (i, c) in l.iter().enumerate() {
            let pad = " ".repeat(widths[i] - c.chars().count());
            if i < 2 {
                s.push_str(c);
                s.push_str(&pad);
                s.push_str("  ");
            } else {
                s.push_str(&pad);
                s.push_str(c);
                s.push_str("  ");
            }
        }
        out.push_str(s.trim_end());
        out.push('\n');
        if k == 0 {
            out.push_str(&"-".repeat(widths.iter().sum::<usize>() + 2 * cols.saturating_sub(1)));
            out.push('\n');
        }
    }
    out
}

/// Refuses the batch, before any scenario runs, when one of them would not fit in
/// memory (they run one after another, so the largest decides), naming the file and
/// what to lower: `--replications`, or the file's `simulation.replications` when the
/// flag is not given (`flag`).
fn check_memory(
    loaded: &[(PathBuf, Result<ValidScenario, String>)],
    replications: &dyn Fn(&ValidScenario) -> u64,
    flag: bool,
) -> CliResult {
    for (file, r) in loaded {
        let Ok(valid) = r else { continue };
        let n = replications(valid);
        memory::check(
            memory::run(n, memory::Shape::of(valid), false),
            memory::available(),
            &format!("{}: {n} replications", file.display()),
            |max| {
                format!(
                    "lower {} (at most about {max} fit)",
                    if flag {
                        "--replications".to_string()
                    } else {
                        format!(
                            "simulation.replications in {}, or give --replications",
                            file.display()
                        )
                    }
                )
            },
        )?;
    }
    Ok(())
}

/// Runs every scenario and reports them.
pub fn execute(args: &BatchArgs) -> CliResult {
    let files = scenario_files(&args.scenarios)?;
    // Read every file first: the broken ones are reported at once, the total is known.
    let loaded: Vec<(PathBuf, Result<ValidScenario, String>)> = files
        .into_iter()
        .map(|f| {
            let r = super::load_scenario(Some(&f)).map_err(|e| e.to_string());
            if let Err(e) = &r {
                eprintln!("error: {e}");
            }
            (f, r)
        })
        .collect();
    let replications = |v: &ValidScenario| {
        args.replications
            .unwrap_or(v.scenario().simulation.replications)
    };
    check_memory(&loaded, &replications, args.replications.is_some())?;
    let pool = super::thread_pool(args.threads)?;
    let out = match &args.out {
        Some(path) => Some(OutputFile::prepare(path, args.force, "--out")?),
        None => None,
    };
    let total: u64 = loaded
        .iter()
        .filter_map(|(_, r)| r.as_ref().ok().map(replications))
        .fold(0, u64::saturating_add);
    let progress = Progress::new(total, "replications");
    let before = AtomicU64::new(0);
    let mut rows = Vec::with_capacity(loaded.len());
    for (file, r) in &loaded {
        match r {
            Err(e) => rows.push(error_row(file, e.clone())),
            Ok(valid) => {
                let n = replications(valid);
                let seed = args.seed.unwrap_or(valid.scenario().simulation.seed);
                let offset = before.load(Ordering::Relaxed);
                let model = Model::new(valid);
                let solved = pool.install(|| engine::solve(&model));
                let warnings = Warnings::of_run(&model, &solved);
                if let Err(e) = warnings.refuse_unless(args.accept, valid.source()) {
                    eprintln!("error: {e}");
                    rows.push(error_row(file, e.to_string()));
                } else {
                    let tally = pool.install(|| {
                        engine::run_blocks(
                            &model,
                            &solved,
                            seed,
                            n,
                            0..engine::block_count(n),
                            &|done| progress.update(offset + done),
                        )
                    });
                    warnings.clone().of(&file.display().to_string()).print();
                    rows.push(result_row(file, valid, seed, &tally, warnings));
                }
                before.fetch_add(n, Ordering::Relaxed);
            }
        }
    }
    progress.finish();
    if let Some(out) = &out {
        out.write(&with_bom(to_csv(&rows)?, args.bom))?;
    }
    let text = match args.format {
        Format::Table => table(&rows),
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&rows)
                .map_err(|e| CliError::Internal(format!("cannot write JSON: {e}")))?;
            s.push('\n');
            s
        }
        Format::Csv => String::from_utf8(with_bom(to_csv(&rows)?, args.bom))
            .map_err(|e| CliError::Internal(format!("batch CSV is not UTF-8: {e}")))?,
    };
    emit(&text)?;
    let failed: Vec<&str> = rows
        .iter()
        .filter(|r| r.status != "ok")
        .map(|r| r.file.as_str())
        .collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(CliError::Input(format!(
            "{} of {} scenario files could not be run: {} (the other rows were written)",
            failed.len(),
            rows.len(),
            failed.join(", ")
        )))
    }
}
