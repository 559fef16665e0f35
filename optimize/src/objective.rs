//! The sample-average objective: a candidate plan simulated on a fixed set of seeds.

use std::sync::{Arc, Mutex};

use serde::Serialize;

use plansim_sim::behaviour::{self, Equilibrium, PlanningStart, Policy};
use plansim_sim::budget::{BudgetRule, CostEstimate};
use plansim_sim::engine;
use plansim_sim::engine::metrics::Metric;
use plansim_sim::model::{Model, Plan};
use plansim_sim::scenario::{ObjectiveKind, ValidScenario};
use plansim_sim::tally::{Moments, Tally, Z95};

use crate::space::DecisionSpace;
use crate::OptimizeError;

// The settings' path before they got their module, kept while the binary moves to
// `plansim_optimize::Settings`.
use crate::settings::Settings;

/// A Monte Carlo estimate of a mean.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Estimate {
    /// The sample mean.
    pub mean: f64,
    /// Its standard error.
    pub std_err: f64,
    /// Lower end of the 95 % interval.
    pub ci95_low: f64,
    /// Upper end of the 95 % interval.
    pub ci95_high: f64,
}

impl Estimate {
    /// The estimate of the mean of `values`.
    pub fn of(values: &[f64]) -> Estimate {
        let mut m = Moments::default();
        values.iter().for_each(|&x| m.push(x));
        let se = if m.n >= 2 { m.std_err() } else { 0.0 };
        Estimate {
            mean: m.mean,
            std_err: se,
            ci95_low: m.mean - Z95 * se,
            ci95_high: m.mean + Z95 * se,
        }
    }
}

/// One evaluated candidate.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Evaluation {
    /// The point (inside the bounds).
    pub x: Vec<f64>,
    /// Estimated objective.
    pub objective: Estimate,
    /// Estimated incentive cost over the horizon.
    pub cost: Estimate,
    /// Share of replications whose cost exceeded the budget.
    pub overrun_probability: f64,
    /// True when the cost keeps to the budget by [`BudgetRule::feasible`]: a margin of
    /// [`FEASIBILITY_MARGIN`](plansim_sim::budget::FEASIBILITY_MARGIN) standard errors (and the chance constraint, if any).
    pub feasible: bool,
    /// True unless the reps' efforts under the plan needed an equilibrium and none was
    /// found ([`Equilibrium::holds`]): figures of such a plan rest on beliefs the reps'
    /// own efforts contradict, so it cannot win the search.
    pub equilibrium: bool,
    /// Replications the estimates rest on (the first of the seed set).
    pub replications: u64,
}

impl Evaluation {
    /// True when the plan may win the search: it keeps the budget and its efforts are
    /// an equilibrium.
    pub fn selectable(&self) -> bool {
        self.feasible && self.equilibrium
    }

    /// The cost as the budget rule reads it.
    pub fn cost_estimate(&self) -> CostEstimate {
        CostEstimate {
            mean: self.cost.mean,
            std_err: self.cost.std_err,
            overrun_probability: self.overrun_probability,
        }
    }
}

/// Evaluates candidate plans of one scenario on common random numbers.
pub struct Evaluator {
    base: ValidScenario,
    model: Model,
    start: PlanningStart,
    space: DecisionSpace,
    settings: Settings,
    rule: BudgetRule,
    policies: PolicyCache,
}

/// Solved policies by plan, so that a plan is solved once however often it is
/// simulated (the starting plan and the baseline by the warnings, the search and the
/// certification; a point at the explore and the full count; the winner when rounded
/// and certified). The starting plan's and the baseline's stay; of the others the
/// [`RECENT_POLICIES`] last used.
struct PolicyCache {
    pinned: [Plan; 2],
    entries: Mutex<Vec<(Plan, Arc<Policy>)>>,
}

/// Policies other than the starting plan's and the baseline's a cache keeps (each
/// about 2 MB for the default's team).
const RECENT_POLICIES: usize = 6;

impl PolicyCache {
    /// The policy of `plan`: remembered, or `solve`d now (outside the lock) and
    /// remembered.
    fn get(&self, plan: &Plan, solve: impl FnOnce() -> Policy) -> Arc<Policy> {
        let lock = || self.entries.lock().expect("no solve runs under the lock");
        {
            let mut entries = lock();
            if let Some(i) = entries.iter().position(|(p, _)| p == plan) {
                // The most recently used last.
                let entry = entries.remove(i);
                let policy = Arc::clone(&entry.1);
                entries.push(entry);
                return policy;
            }
        }
        let policy = Arc::new(solve());
        let mut entries = lock();
        if !entries.iter().any(|(p, _)| p == plan) {
            entries.push((plan.clone(), Arc::clone(&policy)));
            let recent = |e: &(Plan, Arc<Policy>)| !self.pinned.contains(&e.0);
            if entries.iter().filter(|e| recent(e)).count() > RECENT_POLICIES {
                let oldest = entries.iter().position(recent).expect("counted");
                entries.remove(oldest);
            }
        }
        policy
    }
}

/// Per-replication objective values from a tally of replication metrics.
pub fn objective_values(kind: ObjectiveKind, tally: &Tally) -> Vec<f64> {
    let col = |m: Metric| tally.values(m.index()).expect("values are kept");
    let combine = |a: &[f64], b: &[f64], c: Option<&[f64]>| -> Vec<f64> {
        (0..a.len())
            .map(|i| a[i] - b[i] - c.map_or(0.0, |c| c[i]))
            .collect()
    };
    match kind {
        ObjectiveKind::Profit => combine(col(Metric::Revenue), col(Metric::IncentiveCost), None),
        ObjectiveKind::ProfitParticipation => combine(
            col(Metric::Revenue),
            col(Metric::RepEffortCost),
            Some(col(Metric::RepRiskPremium)),
        ),
        // An objective that is a metric: its column.
        ObjectiveKind::RevenueGrowth | ObjectiveKind::Revenue | ObjectiveKind::NewCustomers => {
            Metric::of_objective(kind).map_or_else(Vec::new, |m| col(m).to_vec())
        }
    }
}

impl Evaluator {
    /// An evaluator of `space` over the scenario `base`; the model (team, calibration,
    /// baseline) is built once.
    ///
    /// # Errors
    /// The [`OptimizeError`] of the space's starting point when it is no valid plan.
    pub fn new(
        base: &ValidScenario,
        space: DecisionSpace,
        settings: Settings,
    ) -> Result<Self, OptimizeError> {
        let start_plan = Plan::new(&space.scenario_at(base, &space.start)?.scenario().plan);
        let rule = settings.budget_rule();
        let model = Model::new(base);
        let start = PlanningStart::initial(&model);
        let policies = PolicyCache {
            pinned: [start_plan, model.baseline().clone()],
            entries: Mutex::new(Vec::new()),
        };
        Ok(Evaluator {
            base: base.clone(),
            model,
            start,
            space,
            settings,
            rule,
            policies,
        })
    }

    /// The decision space.
    pub fn space(&self) -> &DecisionSpace {
        &self.space
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The model plans are evaluated in.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The compiled plan at point `x`.
    ///
    /// # Errors
    /// The [`OptimizeError`] of a point that is no valid plan.
    pub fn plan_at(&self, x: &[f64]) -> Result<Plan, OptimizeError> {
        let scenario = self.space.scenario_at(&self.base, x)?;
        Ok(Plan::new(&scenario.scenario().plan))
    }

    /// The scenario at point `x` (for writing the winner out).
    ///
    /// # Errors
    /// The [`OptimizeError`] of a point that is no valid plan.
    pub fn scenario_at(&self, x: &[f64]) -> Result<ValidScenario, OptimizeError> {
        self.space.scenario_at(&self.base, x)
    }

    /// The reps' behaviour under `plan`, solved from the search's planning start (once
    /// for the starting plan, the baseline and the plans last solved: see the cache).
    pub fn solve(&self, plan: &Plan) -> Arc<Policy> {
        self.policies
            .get(plan, || behaviour::solve(&self.model, plan, &self.start))
    }

    /// Simulates `plan` on `replications` replications of `seed`: its replication
    /// metrics, and whether its efforts are an equilibrium.
    pub fn simulate(&self, plan: &Plan, seed: u64, replications: u64) -> (Tally, Equilibrium) {
        let policy = self.solve(plan);
        let tally = engine::run_plan(&self.model, plan, &policy, seed, replications, &|_| {});
        (tally, policy.equilibrium())
    }

    /// Summarises a tally as an evaluation of point `x`, feasible by the budget rule,
    /// with the equilibrium of its efforts.
    pub fn judge(&self, x: Vec<f64>, tally: &Tally, equilibrium: Equilibrium) -> Evaluation {
        let objective = Estimate::of(&objective_values(self.settings.objective(), tally));
        let costs = tally.values(Metric::IncentiveCost.index()).expect("kept");
        let estimate = CostEstimate::against(costs, &self.rule);
        Evaluation {
            x,
            objective,
            cost: Estimate::of(costs),
            overrun_probability: estimate.overrun_probability,
            feasible: self.rule.feasible(&estimate),
            equilibrium: equilibrium.holds(),
            replications: costs.len() as u64,
        }
    }

    /// The budget rule of the search.
    pub fn rule(&self) -> &BudgetRule {
        &self.rule
    }

    /// Evaluates point `x` on the search's fixed seed set, all its replications.
    ///
    /// # Errors
    /// The [`OptimizeError`] of a point that is no valid plan.
    pub fn evaluate(&self, x: &[f64]) -> Result<Evaluation, OptimizeError> {
        self.evaluate_on(x, self.settings.replications())
    }

    /// Evaluates point `x` on the first `replications` of the search's seed set (the
    /// same for every point, so that points evaluated on as many compare on common
    /// random numbers).
    ///
    /// # Errors
    /// The [`OptimizeError`] of a point that is no valid plan.
    pub fn evaluate_on(&self, x: &[f64], replications: u64) -> Result<Evaluation, OptimizeError> {
        let plan = self.plan_at(x)?;
        let (tally, equilibrium) = self.simulate(&plan, self.settings.seed(), replications);
        Ok(self.judge(x.to_vec(), &tally, equilibrium))
    }

    /// The baseline plan's evaluation on the search's seed set.
    pub fn evaluate_baseline(&self) -> Evaluation {
        let (tally, equilibrium) = self.simulate(
            self.model.baseline(),
            self.settings.seed(),
            self.settings.replications(),
        );
        self.judge(Vec::new(), &tally, equilibrium)
    }
}
