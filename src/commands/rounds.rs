//! `plansim rounds`: monitoring and adjustment as iterated simulation rounds (or,
//! with `--shard K/N`, one slice of them into a shard file for `merge`).

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use plansim_analysis::memory;
use plansim_analysis::rounds::{
    figure_warnings, warnings, PolicyRun, RoundsChoice, RoundsError, RoundsSetup,
};
use plansim_analysis::shard::rounds::{
    file_name, PolicyShard, RoundsShard, RoundsShardFile, Unsettled,
};
use plansim_report::csv_safe::with_bom;
use plansim_report::i18n::Lang;
use plansim_report::rounds::RoundsReport;
use plansim_report::text_table::Width;
use plansim_sim::model::Model;
use plansim_sim::scenario::validate_limits::MAX_PERIODS;
use plansim_sim::scenario::RoundPolicyKind;

use crate::deliver::{OnInterrupt, Outputs, Results};
use crate::error::{CliError, CliResult};
use crate::flags::{
    AcceptArgs, Format, FormatArgs, OutArgs, ReportArgs, ShardArgs, SimArgs, XlsxArgs,
};
use crate::progress::Progress;
use crate::shard_arg;

/// Files `--out` writes.
pub const OUT_FILES: [&str; 3] = ["rounds.json", "rounds.csv", "fan.svg"];

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

impl From<RoundPolicyArg> for RoundPolicyKind {
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
#[command(
    mut_arg("replications", |a| a.help("Replications of the whole trajectory (default: the scenario's)")),
    mut_arg("out", |a| a.help("Also write rounds.json, rounds.csv and fan.svg into this folder")),
    mut_arg("report", |a| a.help("Also write a self-contained HTML report with the fan charts to this file")),
    mut_arg("shard", |a| a.help(
        "Run only shard K of N (K from 1) of the replications, with the planning sample every shard shares, and write it to --out for `plansim merge`; bare `--shard` or `auto` takes K and N from a Slurm job array, `auto/N` K from JOB_COMPLETION_INDEX"
    ))
)]
pub struct RoundsArgs {
    /// Scenario file (TOML); the embedded default scenario when absent.
    pub scenario: Option<PathBuf>,
    /// Number of rounds.
    #[arg(
        long,
        help = "Number of rounds (default: the scenario's [rounds], else the horizon in cycles)"
    )]
    pub rounds: Option<u32>,
    /// Periods per round.
    #[arg(
        long,
        help = "Periods per round (default: the scenario's [rounds], else one cycle)"
    )]
    pub round_length: Option<u32>,
    /// Adjustment policy (default: the scenario's, else static).
    #[arg(long, value_enum)]
    pub policy: Option<RoundPolicyArg>,
    /// Run static, rule and reoptimize on common random numbers and compare their final KPIs.
    #[arg(long)]
    pub compare_policies: bool,
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
    /// --shard.
    #[command(flatten)]
    pub shard: ShardArgs,
    /// --accept-no-equilibrium.
    #[command(flatten)]
    pub accept: AcceptArgs,
    /// --xlsx.
    #[command(flatten)]
    pub xlsx: XlsxArgs,
}

/// The error of a run of rounds in the command line's words.
fn cli_error(e: RoundsError) -> CliError {
    CliError::Input(match e {
        RoundsError::NoRoundLength => "--round-length must be at least 1, got 0".into(),
        RoundsError::NoRounds => "--rounds must be at least 1, got 0".into(),
        RoundsError::TooLong {
            rounds,
            round_length,
        } => format!(
            "--rounds x --round-length must be at most {MAX_PERIODS} periods, got {rounds} x {round_length}"
        ),
        RoundsError::CycleMultiple {
            round_length,
            cycle,
        } => format!(
            "--round-length must be a multiple of the plan's cycle ({cycle} periods), got {round_length}"
        ),
        other => other.to_string(),
    })
}

/// Reads the scenario and the flags into the run to make.
fn setup(args: &RoundsArgs) -> CliResult<RoundsSetup> {
    let valid = super::load_scenario(args.scenario.as_deref())?;
    let choice = RoundsChoice {
        rounds: args.rounds,
        round_length: args.round_length,
        policy: args.policy.map(Into::into),
        compare_policies: args.compare_policies,
        seed: args.sim.seed,
    };
    let replications = super::check_replications(
        args.sim
            .replications
            .unwrap_or(valid.scenario().simulation.replications),
    )?;
    RoundsSetup::new(valid, &choice, replications).map_err(cli_error)
}

/// Refuses a run of rounds whose simulated replications would not fit in memory.
fn check_memory(setup: &RoundsSetup, simulated: u64, what: &str, shard: bool) -> CliResult {
    Ok(memory::check(
        memory::rounds(
            simulated,
            memory::Shape::of(&setup.valid),
            setup.spec.rounds(),
            setup.most_parameters(),
            shard,
        ),
        memory::available(),
        what,
        |max| {
            if shard {
                format!("split the run into more shards (raise N) so each simulates at most about {max} replications, the planning sample (rounds.planning_replications) included")
            } else {
                format!("lower --replications (at most about {max} fit), or split the run with --shard K/N")
            }
        },
    )?)
}

/// Builds the model of the rounds and refuses, unless accepted, a first round whose
/// plan (the scenario's, the same for every policy) has no equilibrium.
fn model_checked(
    setup: &RoundsSetup,
    args: &RoundsArgs,
    pool: &rayon::ThreadPool,
) -> CliResult<Model> {
    let model = pool.install(|| Model::new(&setup.valid));
    let first = pool.install(|| setup.first_round_warnings(&model));
    args.accept
        .refuse_unless_given(&first, setup.valid.source())?;
    Ok(model)
}

/// Runs every policy's rounds on `spec`'s slice with a progress bar.
fn run(
    setup: &RoundsSetup,
    model: &Model,
    spec: &plansim_sim::rounds::RoundsSpec,
    pool: &rayon::ThreadPool,
) -> CliResult<Vec<PolicyRun>> {
    let progress = Progress::new(
        u64::from(spec.rounds()) * setup.policies.len() as u64,
        "rounds",
    );
    let runs = pool
        .install(|| setup.run(model, spec, &|done| progress.update(done)))
        .map_err(cli_error)?;
    progress.finish();
    Ok(runs)
}

/// Runs the rounds and reports them (with `--shard`, one slice into a shard file).
pub fn execute(args: &RoundsArgs) -> CliResult {
    let setup = setup(args)?;
    if let Some(arg) = args.shard.shard {
        return execute_shard(args, &setup, arg);
    }
    let spec = &setup.spec;
    check_memory(
        &setup,
        spec.replications(),
        &format!("{} replications of the rounds", spec.replications()),
        false,
    )?;
    let mut outputs = Outputs::prepare(
        args.out.out.as_deref(),
        &OUT_FILES,
        args.report.report.as_deref().map(|p| (p, "--report")),
        args.out.write.force,
        OnInterrupt::Exit,
    )?;
    outputs.prepare_xlsx(args.xlsx.xlsx.as_deref(), args.out.write.force)?;
    let pool = super::thread_pool(args.sim.threads)?;
    let model = model_checked(&setup, args, &pool)?;
    let runs = run(&setup, &model, spec, &pool)?;
    let mut warnings = warnings(
        &model,
        runs.iter()
            .map(|r| (r.policy.as_str(), r.unsettled.as_slice())),
    );
    warnings.extend(figure_warnings(&runs));
    let report = RoundsReport::new(&setup.valid, spec, &runs, warnings);
    if outputs.has_xlsx() {
        outputs.set_xlsx(plansim_report::xlsx::with_parameters(
            "Rounds",
            &report.to_csv()?,
            &[("value", setup.valid.scenario())],
        )?);
    }
    deliver(
        &report,
        outputs,
        (args.format.format, args.format.width()),
        args.out.write.bom,
        args.report.lang,
    )
}

/// Runs one slice of the rounds and writes it as a rounds shard file.
fn execute_shard(args: &RoundsArgs, setup: &RoundsSetup, arg: shard_arg::ShardArg) -> CliResult {
    if args.report.report.is_some() {
        return Err(CliError::Input(
            "--report needs the whole run: use it without --shard (or on plansim merge)".into(),
        ));
    }
    if args.xlsx.xlsx.is_some() {
        return Err(CliError::Input(
            "--xlsx needs the whole run: use it without --shard".into(),
        ));
    }
    let shard = shard_arg::resolve(arg, &|name| std::env::var(name).ok())?;
    let key = crate::shard_key::key()?;
    let name = file_name(shard.k, shard.n);
    let Some(dir) = &args.out.out else {
        return Err(CliError::Input(format!(
            "--shard {}/{} needs --out DIR to write {name} into",
            shard.k, shard.n
        )));
    };
    let part = RoundsShard::new(setup, shard.k, shard.n);
    check_memory(
        setup,
        part.simulated,
        &format!(
            "rounds shard {}/{} ({} replications simulated)",
            shard.k, shard.n, part.simulated
        ),
        true,
    )?;
    let outputs = Outputs::prepare(
        Some(dir),
        &[name.as_str()],
        None,
        args.out.write.force,
        OnInterrupt::Exit,
    )?;
    let pool = super::thread_pool(args.sim.threads)?;
    let model = model_checked(setup, args, &pool)?;
    let parts: Vec<PolicyShard> = if !part.slice.is_empty() {
        run(setup, &model, &part.spec, &pool)?
            .iter()
            .map(PolicyShard::new)
            .collect()
    } else {
        // More shards than blocks: this one holds no replication and no plan.
        setup
            .policies
            .iter()
            .map(|p| PolicyShard::empty(p.policy.name(), &p.paths, setup.spec.rounds()))
            .collect()
    };
    let file = RoundsShardFile::of_rounds(
        &setup.valid,
        &part.spec,
        (shard.k, shard.n),
        part.slice.blocks.clone(),
        parts,
    );
    let unsettled: Vec<(String, Vec<Unsettled>)> = file
        .data
        .policies
        .iter()
        .map(|p| p.unsettled_plans().map(|u| (p.policy.clone(), u)))
        .collect::<Result<_, _>>()
        .map_err(|e| CliError::Internal(e.to_string()))?;
    let warnings = warnings(
        &model,
        unsettled.iter().map(|(p, u)| (p.as_str(), u.as_slice())),
    );
    outputs.deliver(Results {
        files: vec![(name.as_str(), file.to_bytes(key.as_ref()))],
        file: None,
        stdout: Vec::new(),
        warnings: &warnings,
    })?;
    eprintln!(
        "rounds shard {}/{} ({}): blocks {}..{}, replications {}..{} of {} (with the planning sample of {}), written to {}{}",
        shard.k,
        shard.n,
        shard.origin,
        part.slice.blocks.start,
        part.slice.blocks.end,
        part.slice.replications.start,
        part.slice.replications.end,
        setup.spec.replications(),
        part.planning,
        dir.join(&name).display(),
        if key.is_some() {
            ", tagged with the shard key (HMAC-SHA-256)".to_string()
        } else {
            String::new()
        }
    );
    Ok(())
}

/// Delivers a finished run of rounds: `--out`'s files, the `--report` page in
/// `lang`, then the report in `format` (a table fitted to `width`) on stdout (CSV started by a UTF-8
/// byte-order mark when `bom`), then the warnings.
///
/// `rounds` and `merge` both report through here, so a merge of rounds shards gives
/// the same bytes as the run on one machine.
pub fn deliver(
    report: &RoundsReport,
    outputs: Outputs,
    (format, width): (Format, Width),
    bom: bool,
    lang: Lang,
) -> CliResult {
    let json = report.to_json()?;
    let csv = with_bom(report.to_csv()?, bom);
    let stdout = match format {
        Format::Table => report.table(width).into_bytes(),
        Format::Json => json.clone().into_bytes(),
        Format::Csv => csv.clone(),
    };
    let files = if outputs.has_dir() {
        vec![
            ("rounds.json", json.into_bytes()),
            ("rounds.csv", csv),
            ("fan.svg", report.fan_svg()?.into_bytes()),
        ]
    } else {
        Vec::new()
    };
    let file = if outputs.has_file() {
        Some(report.page(lang)?.into_bytes())
    } else {
        None
    };
    outputs.deliver(Results {
        files,
        file,
        stdout,
        warnings: report.warnings(),
    })
}
