//! A run of rounds as a scenario and the caller's choices set it up: how many rounds
//! of how many periods, which adjustment policies (each with the plan parameters it
//! adjusts and their starting values), and the results of running them
//! ([`PolicyRun`]), whether on one machine or merged from shards.

use std::collections::{BTreeMap, BTreeSet};

use plansim_optimize::space::Variable;
use plansim_optimize::ReoptimizePolicy;
use plansim_sim::behaviour::Equilibrium;
use plansim_sim::engine::metrics::Metric;
use plansim_sim::model::Model;
use plansim_sim::rounds::{
    first_round_policy, run_rounds, RoundPolicy, RoundsSpec, RulePolicy, StaticPolicy,
    TrajectoryRecord,
};
use plansim_sim::scenario::validate_limits::MAX_PERIODS;
use plansim_sim::scenario::{
    get_param, RoundPolicyKind, ScenarioError, ValidScenario, PLANNING_REPLICATIONS,
};
use plansim_sim::tally::Moments;

use crate::warnings::{Subject, Warnings};

/// The plans of one round without an equilibrium, by the bits of their parameters.
pub type Unsettled = BTreeMap<Vec<u64>, Equilibrium>;

/// Evaluations of each round's search of the reoptimize policy when the scenario
/// has no `[rounds]` section.
pub const REOPTIMIZE_EVALUATIONS: usize = 25;
/// Replications of each evaluation of the reoptimize policy when the scenario has no
/// `[rounds]` section.
pub const REOPTIMIZE_REPLICATIONS: usize = 128;

/// A run of rounds that cannot be set up or run.
#[derive(Debug, thiserror::Error)]
pub enum RoundsError {
    /// Rounds of no period.
    #[error("the round length must be at least 1 period, got 0")]
    NoRoundLength,
    /// No round.
    #[error("the number of rounds must be at least 1, got 0")]
    NoRounds,
    /// A horizon longer than the simulator allows.
    #[error("rounds x round length must be at most {MAX_PERIODS} periods, got {rounds} x {round_length}")]
    TooLong {
        /// Rounds.
        rounds: u32,
        /// Periods per round.
        round_length: u32,
    },
    /// Rounds that cut the plan's cycles.
    #[error("the round length must be a multiple of the plan's cycle ({cycle} periods), got {round_length}")]
    CycleMultiple {
        /// Periods per round.
        round_length: u32,
        /// Periods per cycle of the plan.
        cycle: u32,
    },
    /// The scenario of the whole horizon does not validate.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// The rounds' shape is not a valid run of rounds.
    #[error(transparent)]
    Spec(#[from] plansim_sim::rounds::RoundsError),
    /// A parameter a policy adjusts cannot be read from the scenario.
    #[error("{source_name}: {problem}")]
    Parameter {
        /// Where the scenario came from.
        source_name: String,
        /// What the scenario reader said.
        problem: String,
    },
    /// The rule policy without rules.
    #[error(
        "{0}: rounds.rules: the rule policy needs [[rounds.rules]] (path, kpi, gain, min, max)"
    )]
    NoRules(String),
    /// The reoptimize policy without a search to run.
    #[error("{0}: rounds.policy: reoptimize needs an [optimize] section (decision variables and budget)")]
    NoSearch(String),
    /// A policy's rounds failed.
    #[error("{source_name}: {problem}")]
    Run {
        /// Where the scenario came from.
        source_name: String,
        /// What the simulator said.
        problem: String,
    },
}

/// What the caller chose of a run of rounds; `None` takes the scenario's `[rounds]`
/// section, else the default.
#[derive(Clone, Copy, Debug, Default)]
pub struct RoundsChoice {
    /// Number of rounds (default: the horizon in cycles).
    pub rounds: Option<u32>,
    /// Periods per round (default: one cycle).
    pub round_length: Option<u32>,
    /// The adjustment policy (default: static).
    pub policy: Option<RoundPolicyKind>,
    /// Run static, rule and reoptimize on common random numbers instead of one policy.
    pub compare_policies: bool,
    /// Seed of the random streams (default: the scenario's).
    pub seed: Option<u64>,
}

/// An adjustment policy, with the plan paths it adjusts and their starting values.
pub struct BuiltPolicy {
    /// The policy.
    pub policy: Box<dyn RoundPolicy>,
    /// Paths of the plan parameters it adjusts.
    pub paths: Vec<String>,
    /// Their values in the first round.
    pub start: Vec<f64>,
}

/// The policy of `kind` for scenario `valid`, with the plan paths it adjusts and
/// their starting values; `seed` seeds the reoptimize policy's searches.
///
/// # Errors
/// [`RoundsError`] when the scenario lacks what the policy needs.
pub fn build_policy(
    valid: &ValidScenario,
    kind: RoundPolicyKind,
    seed: u64,
) -> Result<BuiltPolicy, RoundsError> {
    let s = valid.scenario();
    let src = valid.source();
    let start = |paths: &[String]| -> Result<Vec<f64>, RoundsError> {
        paths
            .iter()
            .map(|p| {
                get_param(s, p).map_err(|e| RoundsError::Parameter {
                    source_name: src.to_string(),
                    problem: e.to_string(),
                })
            })
            .collect()
    };
    let (policy, paths): (Box<dyn RoundPolicy>, Vec<String>) = match kind {
        RoundPolicyKind::Static => {
            let paths = s.rounds.as_ref().map_or(Vec::new(), |r| {
                r.rules.iter().map(|x| x.path.clone()).collect()
            });
            (Box::new(StaticPolicy), paths)
        }
        RoundPolicyKind::Rule => {
            let rules = s
                .rounds
                .as_ref()
                .map(|r| r.rules.clone())
                .unwrap_or_default();
            if rules.is_empty() {
                return Err(RoundsError::NoRules(src.to_string()));
            }
            let paths = rules.iter().map(|r| r.path.clone()).collect();
            (Box::new(RulePolicy { rules }), paths)
        }
        RoundPolicyKind::Reoptimize => {
            let o = s
                .optimize
                .as_ref()
                .ok_or_else(|| RoundsError::NoSearch(src.to_string()))?;
            let paths = o.variables.iter().map(|v| v.path.clone()).collect();
            let r = s.rounds.as_ref();
            let policy = ReoptimizePolicy {
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
                evaluations: r.map_or(REOPTIMIZE_EVALUATIONS, |r| {
                    r.reoptimize_evaluations as usize
                }),
                replications: r.map_or(REOPTIMIZE_REPLICATIONS, |r| {
                    r.reoptimize_replications as usize
                }),
                seed,
            };
            (Box::new(policy), paths)
        }
    };
    let start = start(&paths)?;
    Ok(BuiltPolicy {
        policy,
        paths,
        start,
    })
}

/// A run of rounds as the caller's choices and the scenario set it.
pub struct RoundsSetup {
    /// The scenario, its horizon set to the rounds'.
    pub valid: ValidScenario,
    /// The rounds, seed and replications of the whole run.
    pub spec: RoundsSpec,
    /// The policies to run, in the order they are reported.
    pub policies: Vec<BuiltPolicy>,
}

impl RoundsSetup {
    /// Reads the scenario and the caller's choices into the run to make; the
    /// replications are the caller's `replications` (already checked).
    ///
    /// # Errors
    /// [`RoundsError`] when the rounds do not fit the plan's cycle or the simulator's
    /// horizon, or a policy lacks what it needs.
    pub fn new(
        valid: ValidScenario,
        choice: &RoundsChoice,
        replications: u64,
    ) -> Result<Self, RoundsError> {
        let s = valid.scenario();
        let section = s.rounds.as_ref();
        let cycle = s.plan.cycle.periods();
        let round_length = choice
            .round_length
            .or(section.map(|r| r.round_length))
            .unwrap_or(cycle);
        if round_length == 0 {
            return Err(RoundsError::NoRoundLength);
        }
        let rounds = choice
            .rounds
            .or(section.map(|r| r.rounds))
            .unwrap_or((s.simulation.periods / round_length).max(1));
        if rounds == 0 {
            return Err(RoundsError::NoRounds);
        }
        if rounds.saturating_mul(round_length) > MAX_PERIODS {
            return Err(RoundsError::TooLong {
                rounds,
                round_length,
            });
        }
        if round_length % cycle != 0 {
            return Err(RoundsError::CycleMultiple {
                round_length,
                cycle,
            });
        }
        let seed = choice.seed.unwrap_or(s.simulation.seed);
        let kinds = if choice.compare_policies {
            vec![
                RoundPolicyKind::Static,
                RoundPolicyKind::Rule,
                RoundPolicyKind::Reoptimize,
            ]
        } else {
            vec![choice
                .policy
                .or(section.map(|r| r.policy))
                .unwrap_or(RoundPolicyKind::Static)]
        };
        let planning = section.map_or(PLANNING_REPLICATIONS, |r| r.planning_replications);
        let horizon = rounds * round_length;
        let valid = valid.with_changes(|s| s.simulation.periods = horizon)?;
        let policies = kinds
            .iter()
            .map(|&k| build_policy(&valid, k, seed))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(RoundsSetup {
            valid,
            spec: RoundsSpec::new(rounds, round_length, seed, replications)?
                .with_planning(planning)?,
            policies,
        })
    }

    /// The most parameters a policy adjusts.
    pub fn most_parameters(&self) -> usize {
        self.policies
            .iter()
            .map(|p| p.paths.len())
            .max()
            .unwrap_or(0)
    }

    /// The warnings of the first round in `model`: its plan (the scenario's, the same
    /// for every policy) without an equilibrium, and the status quo's steady state.
    pub fn first_round_warnings(&self, model: &Model) -> Warnings {
        let first = first_round_policy(model, model.plan());
        Warnings::of_plan(model, first.equilibrium())
    }

    /// Runs the rounds of every policy on `spec`'s slice in `model` (whose horizon is
    /// the rounds'), in the current rayon pool; `progress` hears the rounds done, over
    /// every policy one after the other.
    ///
    /// # Errors
    /// [`RoundsError::Run`] when a policy's rounds fail.
    pub fn run(
        &self,
        model: &Model,
        spec: &RoundsSpec,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<Vec<PolicyRun>, RoundsError> {
        let rounds = u64::from(spec.rounds());
        self.policies
            .iter()
            .enumerate()
            .map(|(i, built)| {
                let done = i as u64 * rounds;
                let result = run_rounds(
                    model,
                    &self.valid,
                    &built.paths,
                    &built.start,
                    spec,
                    built.policy.as_ref(),
                    &|r| progress(done + r as u64),
                )
                .map_err(|e| RoundsError::Run {
                    source_name: self.valid.source().to_string(),
                    problem: e.to_string(),
                })?;
                Ok(PolicyRun {
                    policy: built.policy.name().to_string(),
                    paths: built.paths.clone(),
                    records: result.records,
                    plans_solved: result.plans_solved,
                    unsettled: result.unsettled,
                    plan_keys: result.plan_keys,
                    learning: result.learning,
                })
            })
            .collect()
    }
}

/// What one policy's rounds gave, on one machine or merged from shards.
pub struct PolicyRun {
    /// The policy's name.
    pub policy: String,
    /// Paths of the plan parameters it adjusts.
    pub paths: Vec<String>,
    /// Each replication's record, in replication order.
    pub records: Vec<TrajectoryRecord>,
    /// Distinct plans whose behaviour was solved.
    pub plans_solved: usize,
    /// For each round, its plans without an equilibrium.
    pub unsettled: Vec<Unsettled>,
    /// The distinct parameter vectors in force in each round.
    pub plan_keys: Vec<BTreeSet<Vec<u64>>>,
    /// Whether reps learn a tournament cut-off (plans are solved again each round).
    pub learning: bool,
}

/// The warnings of the figures of a run of rounds: each policy whose incentives cost
/// more than its revenue over the horizon (the mean over replications of
/// `cost_of_sales`, as `run` warns of a plan's).
pub fn figure_warnings(runs: &[PolicyRun]) -> Warnings {
    let column = Metric::CostOfSales.index();
    let mut w = Warnings::none();
    for run in runs {
        let mut m = Moments::default();
        run.records.iter().for_each(|r| m.push(r.metrics[column]));
        w.extend(Warnings::of_cost_of_sales(Subject::Plan, m.mean).of(&run.policy));
    }
    w
}

/// The warnings of a run of rounds in `model`: the status quo's, then each policy's
/// rounds whose plans have no equilibrium (`unsettled`: each policy's name and, for
/// each round, its plans without one).
pub fn warnings<'a>(
    model: &Model,
    unsettled: impl IntoIterator<Item = (&'a str, &'a [Unsettled])>,
) -> Warnings {
    let mut w = Warnings::of_status_quo(model);
    for (policy, rounds) in unsettled {
        w.extend(Warnings::of_rounds(policy, rounds));
    }
    w
}
