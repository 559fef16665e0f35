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

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use clap::Args;

use plansim_analysis::memory;
use plansim_analysis::warnings::Warnings;
use plansim_report::batch::{self as report, BatchRow};
use plansim_report::csv_safe::with_bom;
use plansim_sim::engine;
use plansim_sim::model::Model;
use plansim_sim::scenario::ValidScenario;

use crate::deliver::{print_warnings, OnInterrupt, Outputs, Results};
use crate::error::{CliError, CliResult};
use crate::flags::{AcceptArgs, Format, FormatArgs, OutArgs, SimArgs, XlsxArgs};
use crate::progress::Progress;

/// Arguments of `batch`.
#[derive(Args, Debug)]
#[command(
    mut_arg("out", |a| a.value_name("FILE.csv").help("Write the results as CSV to this file")),
    mut_arg("replications", |a| a.help("Replications of every scenario (default: each scenario's own)")),
    mut_arg("seed", |a| a.help("Seed of every scenario (default: each scenario's own)")),
    mut_arg("format", |a| a.help("Output format on stdout (the table is a digest; csv and json hold every KPI)"))
)]
pub struct BatchArgs {
    /// A folder (its *.toml files) or a glob pattern such as 'plans/*.toml' (quote it).
    pub scenarios: String,
    /// --out FILE.csv, --force, --bom.
    #[command(flatten)]
    pub out: OutArgs,
    /// --replications, --seed, --threads.
    #[command(flatten)]
    pub sim: SimArgs,
    /// --format.
    #[command(flatten)]
    pub format: FormatArgs<Format>,
    /// --accept-no-equilibrium.
    #[command(flatten)]
    pub accept: AcceptArgs,
    /// --xlsx.
    #[command(flatten)]
    pub xlsx: XlsxArgs,
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
            memory::run(n, memory::Shape::of(valid), false, false),
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
        args.sim
            .replications
            .unwrap_or(v.scenario().simulation.replications)
    };
    check_memory(&loaded, &replications, args.sim.replications.is_some())?;
    let pool = super::thread_pool(args.sim.threads)?;
    let mut outputs = Outputs::prepare(
        None,
        &[],
        args.out.out.as_deref().map(|p| (p, "--out")),
        args.out.write.force,
        OnInterrupt::Exit,
    )?;
    outputs.prepare_xlsx(args.xlsx.xlsx.as_deref(), args.out.write.force)?;
    let total: u64 = loaded
        .iter()
        .filter_map(|(_, r)| r.as_ref().ok().map(replications))
        .fold(0, u64::saturating_add);
    let progress = Progress::new(total, "replications");
    let before = AtomicU64::new(0);
    let mut rows = Vec::with_capacity(loaded.len());
    for (file, r) in &loaded {
        match r {
            Err(e) => rows.push(BatchRow::error(file, e.clone())),
            Ok(valid) => {
                let n = replications(valid);
                let seed = args.sim.seed.unwrap_or(valid.scenario().simulation.seed);
                let offset = before.load(Ordering::Relaxed);
                let model = pool.install(|| Model::new(valid));
                let solved = pool.install(|| engine::solve(&model));
                let warnings = Warnings::of_run(&model, &solved);
                if let Err(e) = args.accept.refuse_unless_given(&warnings, valid.source()) {
                    eprintln!("error: {e}");
                    rows.push(BatchRow::error(file, e.to_string()));
                } else {
                    let tally = pool.install(|| {
                        engine::run_blocks_sketched(
                            &model,
                            &solved,
                            seed,
                            n,
                            0..engine::block_count(n),
                            &|done| progress.update(offset + done),
                        )
                    });
                    let mut warnings = warnings;
                    warnings.extend(Warnings::of_figures(&tally.plan, Some(&tally.baseline)));
                    print_warnings(&warnings.clone().of(&file.display().to_string()));
                    rows.push(BatchRow::result(file, valid, seed, &tally, warnings));
                }
                before.fetch_add(n, Ordering::Relaxed);
            }
        }
    }
    progress.finish();
    let csv = with_bom(report::to_csv(&rows)?, args.out.write.bom);
    if outputs.has_xlsx() {
        let names: Vec<String> = loaded
            .iter()
            .map(|(f, _)| f.display().to_string())
            .collect();
        let scenarios: Vec<(&str, &plansim_sim::scenario::Scenario)> = names
            .iter()
            .zip(&loaded)
            .filter_map(|(n, (_, r))| r.as_ref().ok().map(|v| (n.as_str(), v.scenario())))
            .collect();
        outputs.set_xlsx(plansim_report::xlsx::with_parameters(
            "Results", &csv, &scenarios,
        )?);
    }
    let stdout = match args.format.format {
        Format::Table => report::table(&rows, args.format.width()).into_bytes(),
        Format::Json => report::to_json(&rows)?.into_bytes(),
        Format::Csv => csv.clone(),
    };
    outputs.deliver(Results {
        files: Vec::new(),
        file: Some(csv),
        stdout,
        warnings: &Warnings::none(),
    })?;
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
