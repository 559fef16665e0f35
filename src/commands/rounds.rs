//! `plansim rounds`: monitoring and adjustment as iterated simulation rounds.

use plansim_optimize::space::Variable;
use plansim_optimize::ReoptimizePolicy;
use plansim_sim::model::Model;
use plansim_sim::rounds::{
    first_round_policy, run_rounds, RoundPolicy, RoundsSpec, RulePolicy, StaticPolicy,
    PLANNING_REPLICATIONS,
};
use plansim_sim::scenario::validate_limits::MAX_PERIODS;
use plansim_sim::scenario::{get_param, RoundPolicyKind, RoundsSection, ValidScenario};
use plansim_sim::shard::{block_replications, shard_blocks};

use crate::cli::{Format, RoundsArgs};
use crate::error::{CliError, CliResult};
use crate::output::{emit, OutputDir};
use crate::output_file::OutputFile;
use crate::progress::Progress;
use crate::report::csv_safe::with_bom;
use crate::report::i18n::Lang;
use crate::report::rounds::{
    differences, fan_svg, page, policy_report, rounds_csv, table, PolicyReport,
};
use crate::shard::rounds::{file_name, PolicyShard, RoundsShardFile, Unsettled};
use crate::shard::spec;
use crate::warnings::Warnings;
use crate::{cancel, memory};

/// Files `--out` writes.
pub const OUT_FILES: [&str; 3] = ["rounds.json", "rounds.csv", "fan.svg"];

fn policy_kind(args: &RoundsArgs, section: Option<&RoundsSection>) -> RoundPolicyKind {
    args.policy
        .map(Into::into)
        .or(section.map(|r| r.policy))
        .unwrap_or(RoundPolicyKind::Static)
}

/// A policy, the plan paths it adjusts and their starting values.
type BuiltPolicy = (Box<dyn RoundPolicy>, Vec<String>, Vec<f64>);

/// The policy of `kind`, with the plan paths it adjusts and their starting values.
fn build(valid: &ValidScenario, kind: RoundPolicyKind, seed: u64) -> CliResult<BuiltPolicy> {
    let s = valid.scenario();
    let src = valid.source();
    let start = |paths: &[String]| -> CliResult<Vec<f64>> {
        paths
            .iter()
            .map(|p| get_param(s, p).map_err(|e| CliError::Input(format!("{src}: {e}"))))
            .collect()
    };
    match kind {
        RoundPolicyKind::Static => {
            let paths: Vec<String> = s.rounds.as_ref().map_or(Vec::new(), |r| {
                r.rules.iter().map(|x| x.path.clone()).collect()
            });
            let x = start(&paths)?;
            Ok((Box::new(StaticPolicy), paths, x))
        }
        RoundPolicyKind::Rule => {
            let rules = s
                .rounds
                .as_ref()
                .map(|r| r.rules.clone())
                .unwrap_or_default();
            if rules.is_empty() {
                return Err(CliError::Input(format!("{src}: rounds.rules: the rule policy needs [[rounds.rules]] (path, kpi, gain, min, max)")));
            }
            let paths: Vec<String> = rules.iter().map(|r| r.path.clone()).collect();
            let x = start(&paths)?;
            Ok((Box::new(RulePolicy { rules }), paths, x))
        }
        RoundPolicyKind::Reoptimize => {
            let o = s.optimize.as_ref().ok_or_else(|| {
                CliError::Input(format!("{src}: rounds.policy: reoptimize needs an [optimize] section (decision variables and budget)"))
            })?;
            let paths: Vec<String> = o.variables.iter().map(|v| v.path.clone()).collect();
            let x = start(&paths)?;
            let r = s.rounds.clone();
            Ok((
                Box::new(ReoptimizePolicy {
                    variables: o
                        .variables
                        .iter()
                        .map(|v| Variable {
                            path: v.path.clone(),
                            lower: v.min,
                            upper: v.max,
                        })
                        .collect(),
                    objective: o.objective,
                    evaluations: r.as_ref().map_or(25, |r| r.reoptimize_evaluations as usize),
                    replications: r
                        .as_ref()
                        .map_or(128, |r| r.reoptimize_replications as usize),
                    seed,
                }),
                paths,
                x,
            ))
        }
    }
}

/// A run of rounds as the flags and the scenario set it.
struct Setup {
    valid: ValidScenario,
    spec: RoundsSpec,
    policies: Vec<BuiltPolicy>,
}

/// Reads the scenario and the flags into the run to make.
fn setup(args: &RoundsArgs) -> CliResult<Setup> {
    let valid = super::load_scenario(args.scenario.as_deref())?;
    let s = valid.scenario();
    let section = s.rounds.as_ref();
    let round_length = args
        .round_length
        .or(section.map(|r| r.round_length))
        .unwrap_or(s.plan.cycle.periods());
    if round_length == 0 {
        return Err(CliError::Input(
            "--round-length must be at least 1, got 0".into(),
        ));
    }
    let rounds = args
        .rounds
        .or(section.map(|r| r.rounds))
        .unwrap_or((s.simulation.periods / round_length).max(1));
    if rounds == 0 {
        return Err(CliError::Input("--rounds must be at least 1, got 0".into()));
    }
    if rounds.saturating_mul(round_length) > MAX_PERIODS {
        return Err(CliError::Input(format!(
            "--rounds x --round-length must be at most {MAX_PERIODS} periods, got {rounds} x {round_length}"
        )));
    }
    if round_length % s.plan.cycle.periods() != 0 {
        return Err(CliError::Input(format!(
            "--round-length must be a multiple of the plan's cycle ({} periods), got {round_length}",
            s.plan.cycle.periods()
        )));
    }
    let replications =
        super::check_replications(args.replications.unwrap_or(s.simulation.replications))?;
    let seed = args.seed.unwrap_or(s.simulation.seed);
    let horizon = rounds * round_length;
    let kinds = if args.compare_policies {
        vec![
            RoundPolicyKind::Static,
            RoundPolicyKind::Rule,
            RoundPolicyKind::Reoptimize,
        ]
    } else {
        vec![policy_kind(args, section)]
    };
    let valid = valid
        .with_changes(|s| s.simulation.periods = horizon)
        .map_err(|e| CliError::Input(e.to_string()))?;
    let policies = kinds
        .iter()
        .map(|&k| build(&valid, k, seed))
        .collect::<CliResult<Vec<_>>>()?;
    let planning = section.map_or(PLANNING_REPLICATIONS, |r| r.planning_replications);
    let spec = RoundsSpec::new(rounds, round_length, seed, replications)
        .and_then(|spec| spec.with_planning(planning))
        .map_err(|e| CliError::Input(format!("{}: {e}", valid.source())))?;
    Ok(Setup {
        valid,
        spec,
        policies,
    })
}

/// Refuses a run of rounds whose simulated replications would not fit in memory.
fn check_memory(setup: &Setup, simulated: u64, what: &str, shard: bool) -> CliResult {
    let params = setup.policies.iter().map(|p| p.1.len()).max().unwrap_or(0);
    memory::check(
        memory::rounds(
            simulated,
            memory::Shape::of(&setup.valid),
            setup.spec.rounds(),
            params,
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
    )
}

/// Runs the rounds of every policy on the spec's slice in `model`.
fn simulate(
    setup: &Setup,
    model: &Model,
    spec: &RoundsSpec,
    pool: &rayon::ThreadPool,
    mut each: impl FnMut(&BuiltPolicy, plansim_sim::rounds::RoundsResult),
) -> CliResult {
    let rounds = spec.rounds() as u64;
    let progress = Progress::new(rounds * setup.policies.len() as u64, "rounds");
    for (i, built) in setup.policies.iter().enumerate() {
        let (policy, paths, start) = built;
        let done = i as u64 * rounds;
        let result = pool
            .install(|| {
                run_rounds(
                    model,
                    &setup.valid,
                    paths,
                    start,
                    spec,
                    policy.as_ref(),
                    &|r| progress.update(done + r as u64),
                )
            })
            .map_err(|e| CliError::Input(format!("{}: {e}", setup.valid.source())))?;
        each(built, result);
    }
    progress.finish();
    Ok(())
}

/// Builds the model of the rounds and refuses, unless accepted, a first round whose
/// plan (the scenario's, the same for every policy) has no equilibrium.
fn model_checked(setup: &Setup, args: &RoundsArgs, pool: &rayon::ThreadPool) -> CliResult<Model> {
    let model = Model::new(&setup.valid);
    let first = pool.install(|| first_round_policy(&model, &model.plan));
    Warnings::of_plan(&model, first.equilibrium)
        .refuse_unless(args.accept, setup.valid.source())?;
    Ok(model)
}

/// The warnings of a run of rounds in `model`: the status quo's, then each policy's
/// rounds whose plans have no equilibrium (`unsettled`: each policy's name and, for
/// each round, its plans without one).
pub fn warnings_of(model: &Model, unsettled: &[(String, Vec<Unsettled>)]) -> Warnings {
    let mut w = Warnings::of_status_quo(model);
    for (policy, rounds) in unsettled {
        w.extend(Warnings::of_rounds(policy, rounds));
    }
    w
}

/// Runs the rounds and reports them (with `--shard`, one slice into a shard file).
pub fn execute(args: &RoundsArgs) -> CliResult {
    let setup = setup(args)?;
    if let Some(arg) = args.shard {
        return execute_shard(args, &setup, arg);
    }
    let spec = &setup.spec;
    check_memory(
        &setup,
        spec.replications(),
        &format!("{} replications of the rounds", spec.replications()),
        false,
    )?;
    let pool = super::thread_pool(args.threads)?;
    let model = model_checked(&setup, args, &pool)?;
    let out = match &args.out {
        Some(dir) => Some(OutputDir::prepare(dir, &OUT_FILES, args.force)?),
        None => None,
    };
    let report_file = match &args.report {
        Some(path) => Some(OutputFile::prepare(path, args.force, "--report")?),
        None => None,
    };
    cancel::exit_on_interrupt()?;
    let mut reports: Vec<PolicyReport> = Vec::new();
    let mut unsettled = Vec::new();
    simulate(&setup, &model, spec, &pool, |(policy, paths, _), result| {
        reports.push(policy_report(
            policy.name(),
            paths,
            &result.records,
            result.plans_solved,
        ));
        unsettled.push((policy.name().to_string(), result.unsettled));
    })?;
    let warnings = warnings_of(&model, &unsettled);
    deliver(
        &setup.valid,
        spec,
        &reports,
        &warnings,
        &Delivery {
            format: args.format,
            out,
            report: report_file.map(|f| (f, args.lang)),
            bom: args.bom,
        },
    )?;
    warnings.print();
    Ok(())
}

/// Runs one slice of the rounds and writes it as a rounds shard file.
fn execute_shard(args: &RoundsArgs, setup: &Setup, arg: spec::ShardArg) -> CliResult {
    if args.report.is_some() {
        return Err(CliError::Input(
            "--report needs the whole run: use it without --shard (or on plansim merge)".into(),
        ));
    }
    let shard = spec::resolve(arg, &|name| std::env::var(name).ok())?;
    let name = file_name(shard.k, shard.n);
    let Some(dir) = &args.out else {
        return Err(CliError::Input(format!(
            "--shard {}/{} needs --out DIR to write {name} into",
            shard.k, shard.n
        )));
    };
    let whole = &setup.spec;
    let blocks = shard_blocks(
        plansim_sim::engine::block_count(whole.replications()),
        shard.k - 1,
        shard.n,
    );
    let reps = block_replications(&blocks, whole.replications());
    let spec = whole
        .clone()
        .with_slice(reps.clone())
        .map_err(|e| CliError::Internal(e.to_string()))?;
    let planning = whole.replications().min(whole.planning());
    let simulated = planning + reps.end.saturating_sub(reps.start.max(planning));
    check_memory(
        setup,
        simulated,
        &format!(
            "rounds shard {}/{} ({} replications simulated)",
            shard.k, shard.n, simulated
        ),
        true,
    )?;
    let pool = super::thread_pool(args.threads)?;
    let model = model_checked(setup, args, &pool)?;
    let out = OutputDir::prepare(dir, &[name.as_str()], args.force)?;
    cancel::exit_on_interrupt()?;
    let mut parts = Vec::new();
    if !reps.is_empty() {
        simulate(setup, &model, &spec, &pool, |(policy, paths, _), result| {
            parts.push(PolicyShard::new(policy.name(), paths, &result));
        })?;
    } else {
        // More shards than blocks: this one holds no replication and no plan.
        for (policy, paths, _) in &setup.policies {
            parts.push(PolicyShard::empty(policy.name(), paths, whole.rounds()));
        }
    }
    let file = RoundsShardFile::of_rounds(
        &setup.valid,
        &spec,
        (shard.k, shard.n),
        blocks.clone(),
        parts,
    );
    out.write_all(&[(name.as_str(), file.to_bytes())])?;
    let unsettled: Vec<(String, Vec<Unsettled>)> = file
        .data
        .policies
        .iter()
        .map(|p| p.unsettled_plans().map(|u| (p.policy.clone(), u)))
        .collect::<Result<_, _>>()
        .map_err(CliError::Internal)?;
    warnings_of(&model, &unsettled).print();
    eprintln!(
        "rounds shard {}/{} ({}): blocks {}..{}, replications {}..{} of {} (with the planning sample of {planning}), written to {}",
        shard.k,
        shard.n,
        shard.origin,
        blocks.start,
        blocks.end,
        reps.start,
        reps.end,
        whole.replications(),
        dir.join(&name).display()
    );
    Ok(())
}

/// Where and how a finished run of rounds is reported.
pub struct Delivery {
    /// Format on stdout.
    pub format: Format,
    /// The `--out` folder, prepared.
    pub out: Option<OutputDir>,
    /// The `--report` file, prepared, and its language.
    pub report: Option<(OutputFile, Lang)>,
    /// Whether CSV starts with a UTF-8 byte-order mark.
    pub bom: bool,
}

/// Reports a finished run of rounds with its `warnings`: writes `--out`'s files and
/// the `--report` page, then prints the report.
///
/// `rounds` and `merge` both report through here, so a merge of rounds shards gives
/// the same bytes as the run on one machine.
pub fn deliver(
    valid: &ValidScenario,
    spec: &RoundsSpec,
    reports: &[PolicyReport],
    warnings: &Warnings,
    how: &Delivery,
) -> CliResult {
    let s = valid.scenario();
    let budget = s.budget.as_ref().map(|b| b.incentive_cost);
    let (rounds, round_length, replications, seed) = (
        spec.rounds(),
        spec.round_length(),
        spec.replications(),
        spec.seed(),
    );
    let diffs = differences(reports);
    let header = format!(
        "plansim rounds: {} ({}), {} rounds of {} period{}, {} replications, seed {}",
        s.name,
        valid.source(),
        rounds,
        round_length,
        if round_length == 1 { "" } else { "s" },
        replications,
        seed
    );
    let json = {
        let doc = if reports.len() == 1 {
            let r = &reports[0];
            serde_json::json!({
                "scenario": s.name, "policy": r.policy, "seed": seed, "replications": replications,
                "round_length": round_length, "budget": budget, "rounds": r.rounds, "final": r.final_metrics,
                "plans_solved": r.plans_solved, "warnings": warnings,
            })
        } else {
            serde_json::json!({
                "scenario": s.name, "seed": seed, "replications": replications, "round_length": round_length,
                "budget": budget, "policies": reports, "differences": diffs, "warnings": warnings,
            })
        };
        let mut text =
            serde_json::to_string_pretty(&doc).map_err(|e| CliError::Internal(e.to_string()))?;
        text.push('\n');
        text
    };
    let csv = with_bom(rounds_csv(reports, warnings)?, how.bom);
    if let Some(out) = &how.out {
        let chart = fan_svg(
            &s.name,
            reports.last().expect("at least one policy"),
            Lang::En,
        )?;
        out.write_all(&[
            ("rounds.json", json.clone().into_bytes()),
            ("rounds.csv", csv.clone()),
            ("fan.svg", chart.into_bytes()),
        ])?;
    }
    if let Some((file, lang)) = &how.report {
        file.write(page(&s.name, &header, reports, &diffs, warnings, *lang)?.as_bytes())?;
    }
    let text = match how.format {
        Format::Table => warnings.table_lines() + &table(&header, reports, &diffs, budget),
        Format::Json => json,
        Format::Csv => String::from_utf8(csv)
            .map_err(|e| CliError::Internal(format!("rounds CSV is not UTF-8: {e}")))?,
    };
    emit(&text)
}
