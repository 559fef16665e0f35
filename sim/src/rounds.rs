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

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use rayon::prelude::*;

use crate::behaviour::{self, PlanningStart, Policy, RepStart};
use crate::engine::metrics::{self, N_METRICS};
use crate::engine::simulate::{self, PeriodRecord, TeamState, Totals, Workspace};
use crate::engine::BLOCK_SIZE;
use crate::model::{Kpis, Model, Plan};
use crate::scenario::{set_params, RoundRule, RuleKpi, ValidScenario};

/// What one replication did in one round.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct RoundObservation {
    /// Team revenue in the round.
    pub revenue: f64,
    /// Team new customers in the round.
    pub new_customers: f64,
    /// Team revenue target of the round.
    pub target_revenue: f64,
    /// Team new-customer target of the round.
    pub target_new_customers: f64,
    /// The plan's weighted attainment score of the round.
    pub score: f64,
    /// Incentive cost booked in the round.
    pub cost: f64,
    /// Incentive cost booked so far, this round included.
    pub spent: f64,
    /// Share of rep-cycles at target in the round.
    pub hit_rate: f64,
    /// Mean acquisition effort in the round.
    pub effort_acquisition: f64,
}

pub use crate::scenario::PLANNING_REPLICATIONS;

/// One replication's trajectory through the rounds.
#[derive(Clone, Debug)]
pub struct Trajectory {
    /// The replication's index in the run.
    pub replication: u64,
    state: TeamState,
    totals: Totals,
    last: PeriodRecord,
    /// Parameters in force in each round so far.
    pub params: Vec<Vec<f64>>,
    /// Observation of each round so far.
    pub observations: Vec<RoundObservation>,
}

impl Trajectory {
    /// The team's state now.
    pub fn state(&self) -> &TeamState {
        &self.state
    }
}

/// What a policy sees when it sets the next round's parameters.
pub struct RoundContext<'a> {
    /// The model (horizon = rounds x round length).
    pub model: &'a Model,
    /// The scenario whose plan the parameters modify.
    pub base: &'a ValidScenario,
    /// Paths of the adjustable parameters.
    pub paths: &'a [String],
    /// Index of the round just finished (from 0).
    pub round: u32,
    /// Rounds in all.
    pub rounds: u32,
    /// Periods per round.
    pub round_length: u32,
    /// Budget on incentive cost over all rounds, if any.
    pub budget: Option<f64>,
    /// Every simulated replication's trajectory so far, in replication order.
    pub trajectories: &'a [Trajectory],
    /// The planning sample: the first [`PLANNING_REPLICATIONS`] replications, a
    /// prefix of `trajectories`. A policy that sets one plan for every replication
    /// must read only these, so that a slice of the run gets the same plan.
    pub planning: &'a [Trajectory],
    /// The team's expected state now (mean over the planning sample).
    pub expected: &'a PlanningStart,
}

/// Sets each replication's parameters for the next round.
pub trait RoundPolicy: Sync {
    /// The policy's name in reports.
    fn name(&self) -> &'static str;
    /// Parameters for the next round of each replication (one vector per trajectory).
    fn next(&self, ctx: &RoundContext<'_>) -> Vec<Vec<f64>>;
}

/// Never changes the plan.
pub struct StaticPolicy;

impl RoundPolicy for StaticPolicy {
    fn name(&self) -> &'static str {
        "static"
    }
    fn next(&self, ctx: &RoundContext<'_>) -> Vec<Vec<f64>> {
        ctx.trajectories
            .iter()
            .map(|t| t.params.last().cloned().unwrap_or_default())
            .collect()
    }
}

/// Steps each rule's parameter by its KPI's relative gap to target, within its bounds
/// and the remaining budget.
pub struct RulePolicy {
    /// The rules, in the order of the context's paths.
    pub rules: Vec<RoundRule>,
}

/// Steps of the rule policy are whole multiples of its range / RULE_GRID, so that
/// replications share plans and their solved behaviour.
pub const RULE_GRID: f64 = 50.0;

impl RulePolicy {
    /// The next value of rule `r` at `value` after observation `o`, `rounds_left` rounds remaining.
    pub fn step(
        rule: &RoundRule,
        value: f64,
        o: &RoundObservation,
        budget: Option<f64>,
        rounds_left: u32,
    ) -> f64 {
        let gap = match rule.kpi {
            RuleKpi::Revenue if o.target_revenue > 0.0 => 1.0 - o.revenue / o.target_revenue,
            RuleKpi::NewCustomers if o.target_new_customers > 0.0 => {
                1.0 - o.new_customers / o.target_new_customers
            }
            RuleKpi::Score => 1.0 - o.score,
            _ => 0.0,
        };
        let range = rule.max - rule.min;
        let mut step = rule.gain * range * gap;
        if let Some(b) = budget {
            // Spending the last round's cost every remaining round must fit the budget;
            // where it would not, never raise, and cut in proportion to the excess.
            let projected = o.spent + o.cost * rounds_left as f64;
            if projected > b {
                step = step.min(0.0).min(-rule.gain * range * (projected - b) / b);
            }
        }
        let unit = range / RULE_GRID;
        (value + (step / unit).round() * unit).clamp(rule.min, rule.max)
    }
}

impl RoundPolicy for RulePolicy {
    fn name(&self) -> &'static str {
        "rule"
    }
    fn next(&self, ctx: &RoundContext<'_>) -> Vec<Vec<f64>> {
        let rounds_left = ctx.rounds - ctx.round - 1;
        ctx.trajectories
            .iter()
            .map(|t| {
                let o = t.observations.last().copied().unwrap_or_default();
                let current = t.params.last().cloned().unwrap_or_default();
                self.rules
                    .iter()
                    .zip(&current)
                    .map(|(rule, &v)| Self::step(rule, v, &o, ctx.budget, rounds_left))
                    .collect()
            })
            .collect()
    }
}

/// The mean state over trajectories: what reps plan from.
pub fn expected_state(model: &Model, trajectories: &[Trajectory], period: u32) -> PlanningStart {
    let n = trajectories.len().max(1) as f64;
    let reps = (0..model.reps.len())
        .map(|j| {
            let (mut skill, mut salary, mut tenure, mut book, mut promotions) =
                (0.0, 0.0, 0.0, 0.0, 0.0);
            let mut last_cycle = Kpis::ZERO;
            let mut with_last_cycle = 0usize;
            for t in trajectories {
                let r = &t.state.reps[j];
                skill += r.skill;
                salary += r.salary;
                tenure += r.tenure as f64;
                book += r.book as f64;
                promotions += r.promotions as f64;
                if let Some(k) = r.last_cycle {
                    last_cycle.add(k);
                    with_last_cycle += 1;
                }
            }
            RepStart {
                skill: skill / n,
                salary: salary / n,
                tenure: (tenure / n).round() as u32,
                book: book / n,
                promotions: (promotions / n).round() as u32,
                // Ratchet targets plan from the mean of the last cycle's KPIs.
                last_cycle: (with_last_cycle > 0).then(|| Kpis {
                    revenue: last_cycle.revenue / with_last_cycle as f64,
                    new_customers: last_cycle.new_customers / with_last_cycle as f64,
                }),
            }
        })
        .collect();
    let cutoffs: Vec<f64> = trajectories
        .iter()
        .filter_map(|t| t.state.observed_cutoff)
        .collect();
    let belief = (!cutoffs.is_empty()).then(|| cutoffs.iter().sum::<f64>() / cutoffs.len() as f64);
    PlanningStart {
        period,
        reps,
        tournament_cutoff: belief,
    }
}

/// The plan with parameters `x` at `paths`.
pub fn plan_with(base: &ValidScenario, paths: &[String], x: &[f64]) -> Result<Plan, String> {
    let values: Vec<(&str, f64)> = paths
        .iter()
        .map(|p| p.as_str())
        .zip(x.iter().copied())
        .collect();
    let s = set_params(base.scenario(), &values)?;
    Ok(Plan::new(&s.plan))
}

fn key(x: &[f64]) -> Vec<u64> {
    x.iter().map(|v| v.to_bits()).collect()
}

/// Simulates periods `[from, to)` of every trajectory with its own plan's policy.
fn simulate_round(
    model: &Model,
    plans: &BTreeMap<Vec<u64>, (Plan, Policy)>,
    trajectories: &mut [Trajectory],
    to: u32,
) {
    trajectories
        .par_chunks_mut(BLOCK_SIZE as usize)
        .for_each(|chunk| {
            let mut ws = Workspace::new(model);
            for t in chunk.iter_mut() {
                let (plan, policy) = &plans[&key(t.params.last().expect("params set"))];
                let before = t.totals;
                simulate::simulate(
                    model,
                    plan,
                    policy,
                    &mut t.state,
                    to,
                    &mut ws,
                    &mut t.totals,
                );
                t.last = ws.periods[to as usize - 1];
                let mut o = RoundObservation {
                    revenue: t.totals.sum.revenue - before.sum.revenue,
                    new_customers: t.totals.sum.new_customers - before.sum.new_customers,
                    cost: t.totals.sum.incentive_cost - before.sum.incentive_cost,
                    spent: t.totals.sum.incentive_cost,
                    ..RoundObservation::default()
                };
                let cycles = t.totals.rep_cycles - before.rep_cycles;
                o.hit_rate = if cycles > 0.0 {
                    (t.totals.hits - before.hits) / cycles
                } else {
                    f64::NAN
                };
                let rep_periods = t.totals.sum.rep_periods - before.sum.rep_periods;
                o.effort_acquisition = (t.totals.sum.effort_acquisition_sum
                    - before.sum.effort_acquisition_sum)
                    / rep_periods;
                // The targets the round was simulated against: those of the cycles it opened.
                o.target_revenue = t.totals.targets.revenue - before.targets.revenue;
                o.target_new_customers =
                    t.totals.targets.new_customers - before.targets.new_customers;
                o.score = plan.score(
                    Kpis {
                        revenue: o.revenue,
                        new_customers: o.new_customers,
                    },
                    Kpis {
                        revenue: o.target_revenue,
                        new_customers: o.target_new_customers,
                    },
                );
                t.observations.push(o);
            }
        });
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

/// The shape of a run of rounds: how many rounds of how many periods, on which
/// replications.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoundsSpec {
    /// Rounds.
    pub rounds: u32,
    /// Periods per round.
    pub round_length: u32,
    /// Seed of the random streams.
    pub seed: u64,
    /// Replications of the whole run.
    pub replications: u64,
    /// Size of the planning sample (its first replications); [`PLANNING_REPLICATIONS`] in plansim.
    pub planning: u64,
    /// Replications to simulate and report: `0..replications` for the whole run.
    pub slice: Range<u64>,
}

impl RoundsSpec {
    /// The whole run, with the standard planning sample.
    pub fn whole(rounds: u32, round_length: u32, seed: u64, replications: u64) -> Self {
        RoundsSpec {
            rounds,
            round_length,
            seed,
            replications,
            planning: PLANNING_REPLICATIONS,
            slice: 0..replications,
        }
    }

    /// The same run, simulating and reporting only the replications of `slice`.
    pub fn with_slice(self, slice: Range<u64>) -> Self {
        RoundsSpec { slice, ..self }
    }
}

/// Runs `spec.rounds` rounds of `spec.round_length` periods and returns the
/// trajectories of the replications in `spec.slice`.
///
/// `model.periods` must equal rounds x round_length; `start` gives the parameters at
/// `paths` for the first round. The replications of the slice and the planning
/// sample are simulated; the whole slice is the whole run, and any other slice gives
/// exactly its part of the whole run.
pub fn run_rounds(
    model: &Model,
    base: &ValidScenario,
    paths: &[String],
    start: &[f64],
    spec: &RoundsSpec,
    policy: &dyn RoundPolicy,
    progress: &(dyn Fn(u32) + Sync),
) -> Result<RoundsResult, String> {
    let RoundsSpec {
        rounds,
        round_length,
        seed,
        replications,
        planning,
        ref slice,
    } = *spec;
    assert_eq!(
        model.periods,
        rounds * round_length,
        "the model's horizon is the rounds'"
    );
    assert!(
        slice.start <= slice.end && slice.end <= replications,
        "slice {slice:?} of {replications} replications"
    );
    let planning_end = replications.min(planning.max(1));
    let simulated: Vec<u64> = (0..planning_end)
        .chain(slice.start.max(planning_end)..slice.end)
        .collect();
    let planning_count = planning_end as usize;
    let mut trajectories: Vec<Trajectory> = simulated
        .iter()
        .map(|&i| Trajectory {
            replication: i,
            state: TeamState::initial(model, seed, i),
            totals: Totals::default(),
            last: PeriodRecord::default(),
            params: vec![start.to_vec()],
            observations: Vec::new(),
        })
        .collect();
    let first_plan = plan_with(base, paths, start)?;
    let learning = first_plan.tournament_share().is_some();
    let mut plans: BTreeMap<Vec<u64>, (Plan, Policy)> = BTreeMap::new();
    let mut solved = 0;
    let mut unsettled = vec![BTreeMap::new(); rounds as usize];
    let mut plan_keys = Vec::with_capacity(rounds as usize);
    for round in 0..rounds {
        let from = round * round_length;
        let expected = expected_state(model, &trajectories[..planning_count], from);
        // Solve each distinct plan in force; without learning or changes, the first
        // solve (planned over the whole horizon) stays in force: exactly a single run.
        let mut wanted: BTreeMap<Vec<u64>, Vec<f64>> = BTreeMap::new();
        for t in &trajectories {
            let x = t.params.last().expect("params set");
            wanted.entry(key(x)).or_insert_with(|| x.clone());
        }
        plan_keys.push(wanted.keys().cloned().collect::<BTreeSet<_>>());
        let mut next_plans = BTreeMap::new();
        for (k, x) in wanted {
            let covers = plans
                .get(&k)
                .is_some_and(|(_, p)| p.end() >= from + round_length);
            let reuse = !learning && covers;
            if reuse {
                let kept = plans.remove(&k).expect("checked");
                next_plans.insert(k, kept);
                continue;
            }
            let plan = plan_with(base, paths, &x)?;
            // After the first round, reps plan the round they are in: the policy is solved
            // on the horizon cut at the round's end (rounds close whole cycles).
            let policy = if round == 0 {
                first_round_policy(model, &plan)
            } else {
                let mut start_state = expected.clone();
                if learning && start_state.tournament_cutoff.is_none() {
                    start_state.tournament_cutoff =
                        behaviour::naive_cutoff(model, &plan, &start_state);
                }
                if learning {
                    start_state.tournament_cutoff =
                        expected.tournament_cutoff.or(start_state.tournament_cutoff);
                }
                let mut window = model.clone();
                window.periods = from + round_length;
                behaviour::solve(&window, &plan, &start_state)
            };
            if !policy.equilibrium.holds() {
                unsettled[round as usize].insert(k.clone(), policy.equilibrium);
            }
            solved += 1;
            next_plans.insert(k, (plan, policy));
        }
        plans = next_plans;
        simulate_round(model, &plans, &mut trajectories, from + round_length);
        progress(round + 1);
        if round + 1 < rounds {
            let expected =
                expected_state(model, &trajectories[..planning_count], from + round_length);
            let ctx = RoundContext {
                model,
                base,
                paths,
                round,
                rounds,
                round_length,
                budget: model.budget,
                trajectories: &trajectories,
                planning: &trajectories[..planning_count],
                expected: &expected,
            };
            let next = policy.next(&ctx);
            for (t, x) in trajectories.iter_mut().zip(next) {
                t.params.push(x);
            }
        }
    }
    debug_assert_eq!(solved, count_plan_solves(&plan_keys, learning));
    let records = trajectories
        .into_iter()
        .filter(|t| slice.contains(&t.replication))
        .map(|t| {
            let mut metrics = [0.0; N_METRICS];
            metrics::replication_metrics(model, &t.totals, &t.last, &mut metrics);
            TrajectoryRecord {
                replication: t.replication,
                params: t.params,
                observations: t.observations,
                metrics,
            }
        })
        .collect();
    Ok(RoundsResult {
        records,
        plan_keys,
        learning,
        plans_solved: solved,
        unsettled,
    })
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
