//! `plansim rounds`: monitoring and adjustment as iterated simulation rounds.

use plansim_optimize::space::Variable;
use plansim_optimize::ReoptimizePolicy;
use plansim_sim::model::Model;
use plansim_sim::rounds::{run_rounds, RoundPolicy, RulePolicy, StaticPolicy};
use plansim_sim::scenario::validate_limits::MAX_PERIODS;
use plansim_sim::scenario::{get_param, RoundPolicyKind, RoundsSection, ValidScenario};

use crate::cli::{Format, RoundsArgs};
use crate::error::{CliError, CliResult};
use crate::output::{emit, OutputDir};
use crate::output_file::OutputFile;
use crate::progress::Progress;
use crate::report::i18n::Lang;
use crate::report::rounds::{
    differences, fan_svg, page, policy_report, rounds_csv, table, PolicyReport,
};

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

/// Runs the rounds and reports them.
pub fn execute(args: &RoundsArgs) -> CliResult {
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
    let valid = valid
        .with_changes(|s| s.simulation.periods = horizon)
        .map_err(|e| CliError::Input(e.to_string()))?;
    let kinds = if args.compare_policies {
        vec![
            RoundPolicyKind::Static,
            RoundPolicyKind::Rule,
            RoundPolicyKind::Reoptimize,
        ]
    } else {
        vec![policy_kind(args, section)]
    };
    let policies = kinds
        .iter()
        .map(|&k| build(&valid, k, seed))
        .collect::<CliResult<Vec<_>>>()?;
    let pool = super::thread_pool(args.threads)?;
    let out = match &args.out {
        Some(dir) => Some(OutputDir::prepare(dir, &OUT_FILES, args.force)?),
        None => None,
    };
    let report_file = match &args.report {
        Some(path) => Some(OutputFile::prepare(path, args.force, "--report")?),
        None => None,
    };
    let model = Model::new(&valid);
    let progress = Progress::new(rounds as u64 * policies.len() as u64, "rounds");
    let mut reports: Vec<PolicyReport> = Vec::new();
    for (i, (policy, paths, start)) in policies.iter().enumerate() {
        let done = i as u64 * rounds as u64;
        let result = pool
            .install(|| {
                run_rounds(
                    &model,
                    &valid,
                    paths,
                    start,
                    rounds,
                    round_length,
                    seed,
                    replications,
                    policy.as_ref(),
                    &|r| progress.update(done + r as u64),
                )
            })
            .map_err(|e| CliError::Input(format!("{}: {e}", valid.source())))?;
        reports.push(policy_report(policy.name(), paths, &result));
    }
    progress.finish();
    let diffs = differences(&reports);
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
                "round_length": round_length, "budget": model.budget, "rounds": r.rounds, "final": r.final_metrics,
                "plans_solved": r.plans_solved,
            })
        } else {
            serde_json::json!({
                "scenario": s.name, "seed": seed, "replications": replications, "round_length": round_length,
                "budget": model.budget, "policies": reports, "differences": diffs,
            })
        };
        let mut text =
            serde_json::to_string_pretty(&doc).map_err(|e| CliError::Internal(e.to_string()))?;
        text.push('\n');
        text
    };
    if let Some(out) = out {
        let chart = fan_svg(
            &s.name,
            reports.last().expect("at least one policy"),
            Lang::En,
        )?;
        out.write_all(&[
            ("rounds.json", json.clone().into_bytes()),
            ("rounds.csv", rounds_csv(&reports)?),
            ("fan.svg", chart.into_bytes()),
        ])?;
    }
    if let Some(file) = report_file {
        file.write(page(&s.name, &header, &reports, &diffs, args.lang)?.as_bytes())?;
    }
    let text = match args.format {
        Format::Table => table(&header, &reports, &diffs, model.budget),
        Format::Json => json,
        Format::Csv => String::from_utf8_lossy(&rounds_csv(&reports)?).into_owned(),
    };
    emit(&text)
}
