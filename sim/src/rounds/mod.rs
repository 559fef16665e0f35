//! Monitoring and adjustment as iterated simulation rounds (the template's 监控与调整).
//!
//! A round is a stretch of periods under fixed plan parameters. Every replication
//! carries its team's state from round to round: skill, level and salary after
//! promotions and raises, tenure, the customer book, who left and who was hired, and
//! its random streams. After each round a [`RoundPolicy`] reads each replication's
//! KPIs against target and sets its parameters for the next round.
//!
//! Reps plan their effort with the policy solved for their replication's plan from
//! the team's expected state (the mean, at the round's start, over the planning
//! sample: the first [`PLANNING_REPLICATIONS`] replications, or all when fewer) and,
//! in tournaments, the promotion cut-off they believe in: first the naive one (what
//! the cut-off would be if everyone kept today's effort), then the one observed in
//! the last round. A static policy without tournaments solves once and is then
//! exactly a single run of the whole horizon.
//!
//! Everything a round's planning reads comes from the planning sample, and every
//! other replication depends only on its own streams and the plans so set; so a
//! slice of the replications ([`run_rounds`]'s `slice`) simulated together with the
//! planning sample gives exactly those replications' trajectories in the whole run,
//! which is what `plansim rounds --shard` relies on.

mod policies;
mod trajectory;

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use crate::behaviour::{self, PlanningStart, Policy};
use crate::engine::metrics::{self, N_METRICS};
use crate::model::{Model, ModelError, Plan};
use crate::scenario::validate_limits::MAX_PERIODS;
use crate::scenario::{set_params, ParamError, ValidScenario};

use crate::scenario::PLANNING_REPLICATIONS;
pub use policies::{RoundContext, RoundPolicy, RulePolicy, StaticPolicy, RULE_GRID};
pub use trajectory::{expected_state, RoundObservation, Trajectory};
use trajectory::{key, simulate_round};

/// Why a run of rounds cannot be made.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum RoundsError {
    /// A count of the run's shape is zero.
    #[error("{what} must be at least 1, got 0")]
    Zero {
        /// What is zero: `rounds`, `round_length`, `replications` or `planning`.
        what: &'static str,
    },
    /// The rounds are longer than the longest horizon.
    #[error("rounds x round_length must be at most {MAX_PERIODS} periods, got {rounds} x {round_length}")]
    Horizon {
        /// Rounds asked for.
        rounds: u32,
        /// Periods per round asked for.
        round_length: u32,
    },
    /// The slice is not a range of the run's replications.
    #[error("replications {start}..{end} are not a slice of the run's {replications}")]
    Slice {
        /// First replication of the slice.
        start: u64,
        /// The replication after the slice's last.
        end: u64,
        /// Replications of the whole run.
        replications: u64,
    },
    /// The model's horizon is not the rounds'.
    #[error("the model's horizon of {model} periods is not the rounds' {rounds} x {round_length}")]
    ModelHorizon {
        /// Periods of the model.
        model: u32,
        /// Rounds.
        rounds: u32,
        /// Periods per round.
        round_length: u32,
    },
    /// A round would end within a reward cycle.
    #[error("rounds of {round_length} periods do not close the plan's cycles of {cycle} periods")]
    RoundLength {
        /// Periods per round.
        round_length: u32,
        /// Periods per cycle of the plan.
        cycle: u32,
    },
    /// A round's plan parameters cannot be set.
    #[error(transparent)]
    Param(#[from] ParamError),
    /// A round's planning window does not fit the model.
    #[error(transparent)]
    Model(#[from] ModelError),
}

/// The shape of a run of rounds: how many rounds of how many periods, on which
/// replications. A spec that exists is valid: every count at least 1, the rounds
/// within the longest horizon, the slice within the run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoundsSpec {
    rounds: u32,
    round_length: u32,
    seed: u64,
    replications: u64,
    planning: u64,
    slice: Range<u64>,
}

impl RoundsSpec {
    /// The whole run of `rounds` rounds of `round_length` periods on `replications`
    /// replications of `seed`, with the standard planning sample
    /// ([`PLANNING_REPLICATIONS`]).
    ///
    /// # Errors
    /// [`RoundsError::Zero`] for a zero count; [`RoundsError::Horizon`] when the rounds
    /// are longer than the longest horizon.
    pub fn new(
        rounds: u32,
        round_length: u32,
        seed: u64,
        replications: u64,
    ) -> Result<Self, RoundsError> {
        for (what, n) in [
            ("rounds", rounds as u64),
            ("round_length", round_length as u64),
            ("replications", replications),
        ] {
            if n == 0 {
                return Err(RoundsError::Zero { what });
            }
        }
        if rounds
            .checked_mul(round_length)
            .is_none_or(|h| h > MAX_PERIODS)
        {
            return Err(RoundsError::Horizon {
                rounds,
                round_length,
            });
        }
        Ok(RoundsSpec {
            rounds,
            round_length,
            seed,
            replications,
            planning: PLANNING_REPLICATIONS,
            slice: 0..replications,
        })
    }

    /// The same run with a planning sample of its first `planning` replications.
    ///
    /// # Errors
    /// [`RoundsError::Zero`] when `planning` is 0.
    pub fn with_planning(self, planning: u64) -> Result<Self, RoundsError> {
        if planning == 0 {
            return Err(RoundsError::Zero { what: "planning" });
        }
        Ok(RoundsSpec { planning, ..self })
    }

    /// The same run, simulating and reporting only the replications of `slice`.
    ///
    /// # Errors
    /// [`RoundsError::Slice`] unless `slice` lies within the run's replications.
    pub fn with_slice(self, slice: Range<u64>) -> Result<Self, RoundsError> {
        if slice.start > slice.end || slice.end > self.replications {
            return Err(RoundsError::Slice {
                start: slice.start,
                end: slice.end,
                replications: self.replications,
            });
        }
        Ok(RoundsSpec { slice, ..self })
    }

    /// Rounds.
    pub fn rounds(&self) -> u32 {
        self.rounds
    }

    /// Periods per round.
    pub fn round_length(&self) -> u32 {
        self.round_length
    }

    /// Periods of the whole run: rounds x round length.
    pub fn horizon(&self) -> u32 {
        self.rounds * self.round_length
    }

    /// Seed of the random streams.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Replications of the whole run.
    pub fn replications(&self) -> u64 {
        self.replications
    }

    /// Size of the planning sample (its first replications).
    pub fn planning(&self) -> u64 {
        self.planning
    }

    /// Replications to simulate and report: `0..replications` for the whole run.
    pub fn slice(&self) -> Range<u64> {
        self.slice.clone()
    }

    /// Checks that `model`'s horizon is the rounds' and that rounds close its plan's
    /// cycles.
    fn check_model(&self, model: &Model) -> Result<(), RoundsError> {
        if model.periods() != self.horizon() {
            return Err(RoundsError::ModelHorizon {
                model: model.periods(),
                rounds: self.rounds,
                round_length: self.round_length,
            });
        }
        let cycle = model.plan().cycle_len;
        if self.round_length % cycle != 0 {
            return Err(RoundsError::RoundLength {
                round_length: self.round_length,
                cycle,
            });
        }
        Ok(())
    }
}

/// The plan with parameters `x` at `paths`.
///
/// # Errors
/// The [`ParamError`] of a parameter that cannot take its value.
pub fn plan_with(base: &ValidScenario, paths: &[String], x: &[f64]) -> Result<Plan, ParamError> {
    let values: Vec<(&str, f64)> = paths
        .iter()
        .map(|p| p.as_str())
        .zip(x.iter().copied())
        .collect();
    let s = set_params(base.scenario(), &values)?;
    Ok(Plan::new(&s.plan))
}

/// What a run of rounds reports of one replication.
#[derive(Clone, Debug, PartialEq)]
pub struct TrajectoryRecord {
    /// The replication's index in the run.
    pub replication: u64,
    /// Parameters in force in each round.
    pub params: Vec<Vec<f64>>,
    /// Observation of each round.
    pub observations: Vec<RoundObservation>,
    /// Replication metrics over the whole horizon.
    pub metrics: [f64; N_METRICS],
}

/// The result of a run of rounds.
pub struct RoundsResult {
    /// The trajectory of each replication of the slice asked for, in replication order.
    pub records: Vec<TrajectoryRecord>,
    /// The distinct parameter vectors in force in each round, over every simulated
    /// replication (the planning sample and the slice).
    pub plan_keys: Vec<BTreeSet<Vec<u64>>>,
    /// Whether reps learn a tournament cut-off, so that plans are solved again each round.
    pub learning: bool,
    /// Number of distinct plans whose behaviour was solved.
    pub plans_solved: usize,
    /// For each round, the plans solved for it whose efforts are not an equilibrium
    /// (by the bits of their parameters, as in `plan_keys`), with what failed.
    pub unsettled: Vec<BTreeMap<Vec<u64>, behaviour::Equilibrium>>,
}

/// The number of behaviour solves a run of rounds makes when `plan_keys[r]` are the
/// distinct parameter vectors in force in round `r`: a plan solved in the first round
/// covers the whole horizon and is kept while it stays in force, unless reps learn
/// (tournaments); any other plan is solved for its round.
pub fn count_plan_solves(plan_keys: &[BTreeSet<Vec<u64>>], learning: bool) -> usize {
    let mut kept: BTreeSet<&Vec<u64>> = BTreeSet::new();
    let mut solved = 0;
    for (round, wanted) in plan_keys.iter().enumerate() {
        let mut next = BTreeSet::new();
        for k in wanted {
            if !learning && kept.contains(k) {
                next.insert(k);
            } else {
                solved += 1;
                if round == 0 {
                    next.insert(k);
                }
            }
        }
        kept = next;
    }
    solved
}

/// Runs `spec.rounds()` rounds of `spec.round_length()` periods and returns the
/// trajectories of the replications in `spec.slice()`.
///
/// `start` gives the parameters at `paths` for the first round. The replications of
/// the slice and the planning sample are simulated; the whole slice is the whole run,
/// and any other slice gives exactly its part of the whole run.
///
/// Each round: the plans in force are solved (or kept), every trajectory is simulated
/// through the round, and, before the next, `policy` sets each one's parameters.
///
/// # Errors
/// [`RoundsError::ModelHorizon`] unless `model`'s horizon is rounds x round length;
/// [`RoundsError::RoundLength`] unless rounds close the plan's cycles; the
/// [`ParamError`] of parameters a plan cannot take.
pub fn run_rounds(
    model: &Model,
    base: &ValidScenario,
    paths: &[String],
    start: &[f64],
    spec: &RoundsSpec,
    policy: &dyn RoundPolicy,
    progress: &(dyn Fn(u32) + Sync),
) -> Result<RoundsResult, RoundsError> {
    spec.check_model(model)?;
    let run = Run {
        model,
        base,
        paths,
        spec,
        planning: spec.replications.min(spec.planning.max(1)) as usize,
    };
    let mut trajectories = run.start_trajectories(start);
    let mut plans = RoundPlans::new(run.plan(start)?, spec.rounds);
    for round in 0..spec.rounds {
        let end = (round + 1) * spec.round_length;
        plans.solve(&run, &trajectories, round)?;
        simulate_round(model, &plans.in_force, &mut trajectories, end);
        progress(round + 1);
        if round + 1 < spec.rounds {
            run.adjust(round, &mut trajectories, policy);
        }
    }
    debug_assert_eq!(plans.solved, count_plan_solves(&plans.keys, plans.learning));
    Ok(RoundsResult {
        records: run.records(trajectories),
        plan_keys: plans.keys,
        learning: plans.learning,
        plans_solved: plans.solved,
        unsettled: plans.unsettled,
    })
}

/// What every stage of a run of rounds reads.
struct Run<'a> {
    model: &'a Model,
    /// The scenario whose plan the parameters set.
    base: &'a ValidScenario,
    /// Paths of the parameters.
    paths: &'a [String],
    spec: &'a RoundsSpec,
    /// Replications in the planning sample (the first of `trajectories`).
    planning: usize,
}

impl Run<'_> {
    /// The plan with parameters `x`.
    fn plan(&self, x: &[f64]) -> Result<Plan, ParamError> {
        plan_with(self.base, self.paths, x)
    }

    /// The trajectories simulated: the planning sample, then the rest of the slice,
    /// each at the start with parameters `start`.
    fn start_trajectories(&self, start: &[f64]) -> Vec<Trajectory> {
        let planning_end = self.planning as u64;
        let slice = &self.spec.slice;
        (0..planning_end)
            .chain(slice.start.max(planning_end)..slice.end)
            .map(|i| Trajectory::start(self.model, self.spec.seed, i, start))
            .collect()
    }

    /// The team's expected state at `period`: the mean over the planning sample.
    fn expected(&self, trajectories: &[Trajectory], period: u32) -> PlanningStart {
        expected_state(self.model, &trajectories[..self.planning], period)
    }

    /// Asks `policy` for each trajectory's parameters of the round after `round`.
    fn adjust(&self, round: u32, trajectories: &mut [Trajectory], policy: &dyn RoundPolicy) {
        let expected = self.expected(trajectories, (round + 1) * self.spec.round_length);
        let ctx = RoundContext {
            model: self.model,
            base: self.base,
            paths: self.paths,
            round,
            rounds: self.spec.rounds,
            round_length: self.spec.round_length,
            budget: self.model.budget(),
            trajectories,
            planning: &trajectories[..self.planning],
            expected: &expected,
        };
        let next = policy.next(&ctx);
        for (t, x) in trajectories.iter_mut().zip(next) {
            t.params.push(x);
        }
    }

    /// The records of the trajectories of the slice, with their metrics over the
    /// horizon.
    fn records(&self, trajectories: Vec<Trajectory>) -> Vec<TrajectoryRecord> {
        trajectories
            .into_iter()
            .filter(|t| self.spec.slice.contains(&t.replication))
            .map(|t| {
                let mut metrics = [0.0; N_METRICS];
                metrics::replication_metrics(self.model, &t.totals, &t.last, &mut metrics);
                TrajectoryRecord {
                    replication: t.replication,
                    params: t.params,
                    observations: t.observations,
                    metrics,
                }
            })
            .collect()
    }
}

/// The plans of a run of rounds: those in force with their solved behaviour, and the
/// record of what was solved.
struct RoundPlans {
    /// The plan in force for each distinct parameter vector, with its policy.
    in_force: BTreeMap<Vec<u64>, (Plan, Policy)>,
    /// Whether reps learn a tournament cut-off (plans are then solved every round).
    learning: bool,
    /// Behaviour solves made.
    solved: usize,
    /// The distinct parameter vectors in force in each round so far.
    keys: Vec<BTreeSet<Vec<u64>>>,
    /// Each round's plans without an equilibrium.
    unsettled: Vec<BTreeMap<Vec<u64>, behaviour::Equilibrium>>,
}

impl RoundPlans {
    fn new(first: Plan, rounds: u32) -> Self {
        RoundPlans {
            in_force: BTreeMap::new(),
            learning: first.tournament_share().is_some(),
            solved: 0,
            keys: Vec::with_capacity(rounds as usize),
            unsettled: vec![BTreeMap::new(); rounds as usize],
        }
    }

    /// Solves each distinct plan in force in round `round` of `run`; without learning
    /// or changes, the first solve (planned over the whole horizon) stays in force:
    /// exactly a single run.
    fn solve(
        &mut self,
        run: &Run<'_>,
        trajectories: &[Trajectory],
        round: u32,
    ) -> Result<(), RoundsError> {
        let end = (round + 1) * run.spec.round_length;
        let expected = run.expected(trajectories, round * run.spec.round_length);
        let mut wanted: BTreeMap<Vec<u64>, Vec<f64>> = BTreeMap::new();
        for t in trajectories {
            let x = t.current();
            wanted.entry(key(x)).or_insert_with(|| x.to_vec());
        }
        self.keys.push(wanted.keys().cloned().collect());
        let mut next = BTreeMap::new();
        for (k, x) in wanted {
            let covers = self.in_force.get(&k).is_some_and(|(_, p)| p.end() >= end);
            if !self.learning && covers {
                let kept = self.in_force.remove(&k).expect("checked");
                next.insert(k, kept);
                continue;
            }
            let plan = run.plan(&x)?;
            let policy = if round == 0 {
                first_round_policy(run.model, &plan)
            } else {
                later_round_policy(run.model, &plan, &expected, end, self.learning)?
            };
            if !policy.equilibrium().holds() {
                self.unsettled[round as usize].insert(k.clone(), policy.equilibrium());
            }
            self.solved += 1;
            next.insert(k, (plan, policy));
        }
        self.in_force = next;
        Ok(())
    }
}

/// The policy of `plan` in the first round of a run of rounds: solved from the
/// team's initial state over the whole horizon, with a tournament's cut-off the
/// naive one reps start from (they learn it over the rounds).
///
/// Callers can solve it before running the rounds to check its equilibrium.
pub fn first_round_policy(model: &Model, plan: &Plan) -> Policy {
    let mut start = PlanningStart::initial(model);
    if plan.tournament_share().is_some() && start.tournament_cutoff.is_none() {
        start.tournament_cutoff = behaviour::naive_cutoff(model, plan, &start);
    }
    behaviour::solve(model, plan, &start)
}

/// The policy of `plan` in a later round ending at period `end`: reps plan the round
/// they are in, from the team's expected state, on the horizon cut at the round's end
/// (rounds close whole cycles); where they learn a tournament's cut-off, they believe
/// the one observed (or, before any, the naive one).
fn later_round_policy(
    model: &Model,
    plan: &Plan,
    expected: &PlanningStart,
    end: u32,
    learning: bool,
) -> Result<Policy, ModelError> {
    let mut start = expected.clone();
    if learning && start.tournament_cutoff.is_none() {
        start.tournament_cutoff = behaviour::naive_cutoff(model, plan, &start);
    }
    if learning {
        start.tournament_cutoff = expected.tournament_cutoff.or(start.tournament_cutoff);
    }
    Ok(behaviour::solve(&model.window(end)?, plan, &start))
}
