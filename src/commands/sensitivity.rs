//! `plansim sensitivity`: how the answer of a scenario (its plan against its
//! baseline) or of a choice between two variants moves with the assumptions about
//! the reps and the market (`plansim_analysis::sensitivity`).

use std::path::PathBuf;

use clap::Args;

use plansim_analysis::objective::Objective;
use plansim_analysis::sensitivity::{analyse, check_ranges, ranges, Contrast, Settings};
use plansim_analysis::warnings::Warnings;
use plansim_report::csv_safe::with_bom;
use plansim_report::sensitivity::{self as report, Header};
use plansim_sim::engine;
use plansim_sim::model::Model;

use crate::deliver::{OnInterrupt, Outputs, Results};
use crate::error::{CliError, CliResult};
use crate::flags::{AcceptArgs, Format, FormatArgs, OutArgs, ReportArgs, SimArgs};
use crate::progress::Progress;

/// Files `--out` writes.
pub const OUT_FILES: [&str; 2] = ["sensitivity.json", "sensitivity.csv"];

/// Arguments of `sensitivity`.
#[derive(Args, Debug)]
#[command(
    mut_arg("replications", |a| a.help("Replications per point (default: [sensitivity] replications, else the smaller of the scenario's and 500)")),
    mut_arg("out", |a| a.help("Also write sensitivity.json and sensitivity.csv into this folder"))
)]
pub struct SensitivityArgs {
    /// One scenario (its plan against its baseline) or two (the first's plan against
    /// the second's); the embedded default scenario when none.
    #[arg(num_args = 0..=2)]
    pub scenarios: Vec<PathBuf>,
    /// What the difference is measured on: a metric (revenue_growth, cost_of_sales,
    /// ...), profit or profit_participation.
    #[arg(long, default_value = "revenue_growth")]
    pub objective: String,
    /// Morris trajectories (default: the `[sensitivity]` section's trajectories, 10).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub trajectories: Option<u32>,
    /// Draws from the ranges for the win frequency (default: the `[sensitivity]` section's draws, 64).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=100000))]
    pub draws: Option<u32>,
    /// --replications, --seed, --threads.
    #[command(flatten)]
    pub sim: SimArgs,
    /// --format.
    #[command(flatten)]
    pub format: FormatArgs<Format>,
    /// --out, --force, --bom.
    #[command(flatten)]
    pub out: OutArgs,
    /// --report, --lang.
    #[command(flatten)]
    pub report: ReportArgs,
    /// --accept-no-equilibrium.
    #[command(flatten)]
    pub accept: AcceptArgs,
}

/// Runs the analysis and delivers its report.
pub fn execute(args: &SensitivityArgs) -> CliResult {
    let objective = Objective::parse(&args.objective)
        .map_err(|e| CliError::Input(format!("--objective {e}")))?;
    let contrast = match args.scenarios.as_slice() {
        [] => Contrast::baseline(super::load_scenario(None)?),
        [one] => Contrast::baseline(super::load_scenario(Some(one))?),
        [a, b, ..] => Contrast::variants(
            super::load_scenario(Some(a))?,
            super::load_scenario(Some(b))?,
        ),
    };
    let first = &contrast.first;
    let mut settings = Settings::of(
        first,
        objective,
        args.sim
            .replications
            .map(super::check_replications)
            .transpose()?,
        args.sim.seed,
    );
    if let Some(t) = args.trajectories {
        settings.trajectories = t;
    }
    if let Some(d) = args.draws {
        settings.draws = d;
    }
    check_ranges(&contrast).map_err(|e| CliError::Input(format!("{}: {e}", first.source())))?;
    let outputs = Outputs::prepare(
        args.out.out.as_deref(),
        &OUT_FILES,
        args.report.report.as_deref().map(|p| (p, "--report")),
        args.out.write.force,
        OnInterrupt::Exit,
    )?;
    let pool = super::thread_pool(args.sim.threads)?;
    // The warnings of the scenario's own values: refused without an equilibrium
    // unless accepted, as `run` and `compare` do.
    let warnings = pool.install(|| match &contrast.second {
        None => {
            let model = Model::new(first);
            Warnings::of_run(&model, &engine::solve(&model))
        }
        Some(b) => {
            let a = first;
            let mut w = Warnings::none();
            for v in [a, b] {
                let model = Model::new(v);
                let plan = engine::solve(&model).plan;
                w.extend(Warnings::of_plan(&model, plan.equilibrium()));
            }
            w
        }
    });
    args.accept.refuse_unless_given(&warnings, first.source())?;
    let total = settings.points(ranges(first).len());
    let progress = Progress::new(total, "points");
    let result = pool.install(|| analyse(&contrast, settings, &|done| progress.update(done)));
    progress.finish();
    let s = result.map_err(|e| CliError::Input(format!("{}: {e}", first.source())))?;
    let names: Vec<String> = args
        .scenarios
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let source = if names.is_empty() {
        first.source().to_string()
    } else {
        names.join(", ")
    };
    let (a, b) = match &contrast.second {
        None => ("plan".to_string(), "baseline".to_string()),
        Some(_) => {
            let l = plansim_analysis::compare::labels(&args.scenarios);
            (l[0].clone(), l[1].clone())
        }
    };
    let header = Header {
        source: &source,
        first: &a,
        second: &b,
    };
    let bom = args.out.write.bom;
    let json = report::to_json(&s, &header);
    let csv = with_bom(report::csv(&s)?, bom);
    let stdout = match args.format.format {
        Format::Table => report::table(&s, &header).into_bytes(),
        Format::Json => json.clone().into_bytes(),
        Format::Csv => csv.clone(),
    };
    let files = if outputs.has_dir() {
        vec![
            ("sensitivity.json", json.into_bytes()),
            ("sensitivity.csv", csv),
        ]
    } else {
        Vec::new()
    };
    let file = if outputs.has_file() {
        Some(report::page(&s, &header, args.report.lang)?.into_bytes())
    } else {
        None
    };
    outputs.deliver(Results {
        files,
        file,
        stdout,
        warnings: &warnings,
    })
}
