//! `plansim compare`: plan variants (scenario files) on common random numbers, side
//! by side, with paired differences, the probability each is best and a Kim-Nelson
//! ranking-and-selection verdict (`plansim_analysis::compare`).

use std::path::PathBuf;

use clap::Args;

use plansim_analysis::budget::scenario_rule;
use plansim_analysis::compare::{
    budgets_differ, check_pairing, labels, run_comparison, CompareError, Comparison, Selection,
};
use plansim_analysis::memory;
use plansim_analysis::objective::Objective;
use plansim_analysis::select::KnSettingsError;
use plansim_analysis::variants::{attainment_sample, Variant};
use plansim_analysis::warnings::Warnings;
use plansim_report::compare::{page, CompareReport};
use plansim_report::csv_safe::with_bom;
use plansim_sim::budget::BudgetRule;
use plansim_sim::model::Model;
use plansim_sim::scenario::ValidScenario;

use crate::deliver::{OnInterrupt, Outputs, Results};
use crate::error::{CliError, CliResult};
use crate::flags::{AcceptArgs, Format, FormatArgs, ReportArgs, SimArgs, WriteArgs, XlsxArgs};
use crate::progress::Progress;

/// Arguments of `compare`.
#[derive(Args, Debug)]
#[command(
    mut_arg("replications", |a| a.help("Most replications per variant (default: the first scenario's); Kim-Nelson may stop sooner, every output says how many were run and why (see --fixed-replications)")),
    mut_arg("seed", |a| a.help("Seed of the common random numbers (default: the first scenario's)"))
)]
pub struct CompareArgs {
    /// Scenario files of the variants (two or more); differences are against the first.
    #[arg(required = true, num_args = 2..)]
    pub scenarios: Vec<PathBuf>,
    /// What to rank on: a metric (revenue_growth, cost_of_sales, ...), profit or
    /// profit_participation; lower is better for costs, attrition and overruns.
    #[arg(long, default_value = "revenue_growth")]
    pub objective: String,
    /// Indifference zone: the smallest difference in the objective worth telling apart
    /// (default: 0.005 for shares such as revenue_growth, else 1 % of the first
    /// variant's mean over the first stage).
    #[arg(long, allow_negative_numbers = true)]
    pub indifference: Option<f64>,
    /// Confidence of a correct selection.
    #[arg(long, default_value_t = 0.95, allow_negative_numbers = true)]
    pub confidence: f64,
    /// First-stage replications of the selection procedure (at least 10).
    #[arg(long, default_value_t = 20, allow_negative_numbers = true)]
    pub first_stage: usize,
    /// Run every variant on all --replications instead of stopping as soon as the
    /// Kim-Nelson procedure has its verdict (which may take far fewer).
    #[arg(long)]
    pub fixed_replications: bool,
    /// --replications, --seed, --threads.
    #[command(flatten)]
    pub sim: SimArgs,
    /// --format.
    #[command(flatten)]
    pub format: FormatArgs<Format>,
    /// --force, --bom.
    #[command(flatten)]
    pub write: WriteArgs,
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

/// The selection's settings, refused in the flags' words.
fn selection(args: &CompareArgs) -> CliResult<Selection> {
    let s = Selection::new(args.first_stage, args.indifference, args.confidence).map_err(|e| {
        let flag = match e {
            KnSettingsError::Confidence(_) => "--confidence",
            KnSettingsError::FirstStage(_) => "--first-stage",
            KnSettingsError::Indifference(_) => "--indifference",
        };
        CliError::Input(format!("{flag} {e}"))
    })?;
    Ok(if args.fixed_replications {
        s.with_fixed_replications()
    } else {
        s
    })
}

/// A comparison's error in the flags' words.
fn cli_error(e: CompareError) -> CliError {
    CliError::Input(match e {
        CompareError::BelowFirstStage {
            budget,
            first_stage,
        } => format!(
            "--replications {budget} is below --first-stage {first_stage}: the selection needs its first stage"
        ),
        e @ CompareError::Undefined { .. } => format!("{e}; choose another --objective"),
        e => e.to_string(),
    })
}

/// Notes on stderr when the variants' budget rules differ: each is judged by its own.
fn note_differing_budgets(valids: &[ValidScenario], rules: &[Option<BudgetRule>]) {
    if budgets_differ(rules) {
        let each: Vec<String> = valids
            .iter()
            .zip(rules)
            .map(|(v, r)| match r {
                Some(r) => format!("{} {}", v.source(), r.budget()),
                None => format!("{} none", v.source()),
            })
            .collect();
        eprintln!(
            "note: the variants' budgets (or chance constraints) differ ({}): each variant is judged against its own scenario's budget",
            each.join(", ")
        );
    }
}

/// Builds the variants (each scenario's plan in its own model), refusing variants that
/// do not pair and noting those whose teams differ.
fn variants(valids: &[ValidScenario], labels: &[String]) -> CliResult<Vec<Variant>> {
    let models: Vec<Model> = valids.iter().map(Model::new).collect();
    for i in check_pairing(valids, &models).map_err(cli_error)? {
        eprintln!(
            "note: {}'s team differs from {}'s (traits or roster): the comparison includes the team, not only the plan",
            valids[i].source(),
            valids[0].source()
        );
    }
    Ok(models
        .into_iter()
        .zip(labels)
        .map(|(m, label)| {
            let plan = m.plan().clone();
            Variant::new(label.clone(), m, plan)
        })
        .collect())
}

/// Runs the comparison and reports it.
pub fn execute(args: &CompareArgs) -> CliResult {
    let selection = selection(args)?;
    let objective = Objective::parse(&args.objective)
        .map_err(|e| CliError::Input(format!("--objective {e}")))?;
    let valids = args
        .scenarios
        .iter()
        .map(|p| super::load_scenario(Some(p.as_path())))
        .collect::<CliResult<Vec<_>>>()?;
    let first = valids[0].scenario();
    let budget = super::check_replications(
        args.sim
            .replications
            .unwrap_or(first.simulation.replications),
    )?;
    selection.check_budget(budget).map_err(cli_error)?;
    let seed = args.sim.seed.unwrap_or(first.simulation.seed);
    let k = valids.len() as u64;
    let widest = valids
        .iter()
        .map(memory::Shape::of)
        .max_by_key(|s| s.reps.saturating_mul(u64::from(s.periods)))
        .expect("at least two variants");
    memory::check(
        memory::compare(budget, k, widest),
        memory::available(),
        &format!("comparing {k} variants on up to {budget} replications each"),
        |max| format!("lower --replications (at most about {max} fit)"),
    )?;
    let rules = valids
        .iter()
        .map(scenario_rule)
        .collect::<Result<Vec<_>, _>>()?;
    note_differing_budgets(&valids, &rules);
    let mut outputs = Outputs::prepare(
        None,
        &[],
        args.report.report.as_deref().map(|p| (p, "--report")),
        args.write.force,
        OnInterrupt::Exit,
    )?;
    outputs.prepare_xlsx(args.xlsx.xlsx.as_deref(), args.write.force)?;
    let pool = super::thread_pool(args.sim.threads)?;
    let labels = labels(&args.scenarios);
    let variants = pool.install(|| variants(&valids, &labels))?;
    let mut warnings = Warnings::none();
    for (v, valid) in variants.iter().zip(&valids) {
        let w = Warnings::of_plan(&v.model, v.policy.equilibrium()).of(&v.label);
        args.accept.refuse_unless_given(&w, valid.source())?;
        warnings.extend(w);
    }
    let progress = Progress::new(budget.saturating_mul(k), "replications");
    let comparison = pool
        .install(|| {
            run_comparison(
                variants,
                &rules,
                &objective,
                seed,
                budget,
                &selection,
                &|done| progress.update(done),
            )
        })
        .map_err(cli_error)?;
    progress.finish();
    for (v, t) in comparison.variants.iter().zip(&comparison.tallies) {
        warnings.extend(Warnings::of_figures(&t.metrics, None).of(&v.label));
    }
    let report = CompareReport::of(&comparison, &valids, &objective, seed, budget, warnings);
    let stdout = match args.format.format {
        Format::Table => report.table(args.format.width()).into_bytes(),
        Format::Json => report.to_json().into_bytes(),
        Format::Csv => with_bom(report.to_csv()?, args.write.bom),
    };
    if outputs.has_xlsx() {
        let scenarios: Vec<(&str, &plansim_sim::scenario::Scenario)> = labels
            .iter()
            .map(String::as_str)
            .zip(valids.iter().map(ValidScenario::scenario))
            .collect();
        outputs.set_xlsx(plansim_report::xlsx::with_parameters(
            "Comparison",
            &report.to_csv()?,
            &scenarios,
        )?);
    }
    let file = if outputs.has_file() {
        let html = pool.install(|| page_of(&report, &comparison, args))?;
        Some(html.into_bytes())
    } else {
        None
    };
    outputs.deliver(Results {
        files: Vec::new(),
        file,
        stdout,
        warnings: &report.warnings,
    })
}

/// The `--report` page, with each variant's attainment sample.
fn page_of(
    report: &CompareReport,
    comparison: &Comparison,
    args: &CompareArgs,
) -> CliResult<String> {
    let attainments: Vec<Vec<f64>> = comparison
        .variants
        .iter()
        .map(|v| {
            attainment_sample(
                &v.model,
                &v.plan,
                &v.policy,
                report.seed,
                report.replications,
            )
        })
        .collect();
    Ok(page(report, comparison, &attainments, args.report.lang)?)
}
