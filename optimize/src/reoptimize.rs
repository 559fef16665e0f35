//! The `reoptimize` round policy: after each round, search the plan's parameters for
//! the next round from the team's current state, on the budget that remains.
//!
//! Candidates are evaluated on the next round only, from the current states of the
//! first replications of the planning sample (`RoundContext::planning`), and the
//! spend so far is the planning sample's mean, so that every shard of a run reaches
//! the same decision; the states are simulated with fresh random streams (reusing their own streams
//! would let the search see the luck the real next round will draw), with behaviour
//! planned from the team's expected state. The round's budget is what remains of the
//! horizon's, spread evenly over the remaining rounds; a candidate must keep to it
//! by two standard errors. All replications then adopt the winner, so the policy
//! acts on the team as the company sees it, not on each replication's luck.

use std::sync::Mutex;

use argmin::core::{CostFunction, Error as ArgminError, Executor};
use argmin::solver::neldermead::NelderMead;

use plansim_sim::behaviour;
use plansim_sim::engine::simulate::{self, Totals, Workspace};
use plansim_sim::rng::{self, mix64};
use plansim_sim::rounds::{plan_with, RoundContext, RoundPolicy};
use plansim_sim::scenario::ObjectiveKind;

use plansim_sim::budget::{objective_scale, BudgetRule, CostEstimate};

use crate::objective::Estimate;
use crate::space::Variable;

/// Salt separating the policy's evaluation streams from the simulation's.
const ROUND_SALT: u64 = 0x524F_554E_4400_0000;

/// Re-runs a search before every round.
pub struct ReoptimizePolicy {
    /// Bounds of the parameters, in the order of the rounds' paths.
    pub variables: Vec<Variable>,
    /// What each round maximises.
    pub objective: ObjectiveKind,
    /// Evaluations per round.
    pub evaluations: usize,
    /// Replications (the first of the planning sample) each candidate is evaluated on.
    pub replications: usize,
    /// Seed of the evaluation streams.
    pub seed: u64,
}

struct RoundProblem<'a> {
    policy: &'a ReoptimizePolicy,
    ctx: &'a RoundContext<'a>,
    /// The round's share of the remaining budget, as the rule every search uses.
    rule: Option<BudgetRule>,
    /// The objective's scale, fixed for the round's search: the current plan's objective.
    scale: f64,
    evaluations: Mutex<Vec<(Vec<f64>, f64, bool)>>,
}

impl RoundProblem<'_> {
    fn clamp(&self, x: &[f64]) -> Vec<f64> {
        x.iter()
            .zip(&self.policy.variables)
            .map(|(&v, b)| v.clamp(b.lower, b.upper))
            .collect()
    }

    /// Objective and cost of the next round under parameters `x`, per sampled replication.
    fn simulate(&self, x: &[f64]) -> Result<(Vec<f64>, Vec<f64>), String> {
        simulate_candidate(self.policy, self.ctx, x)
    }
}

/// Objective and cost of the next round under parameters `x`, for each of the first
/// replications of the planning sample, on fresh streams.
fn simulate_candidate(
    policy: &ReoptimizePolicy,
    ctx: &RoundContext<'_>,
    x: &[f64],
) -> Result<(Vec<f64>, Vec<f64>), String> {
    let model = ctx.model;
    let plan = plan_with(ctx.base, ctx.paths, x).map_err(|e| e.to_string())?;
    let mut start = ctx.expected.clone();
    if plan.tournament_share().is_some() && start.tournament_cutoff.is_none() {
        start.tournament_cutoff = behaviour::naive_cutoff(model, &plan, &start);
    }
    let to = start.period + ctx.round_length;
    // Reps plan the round ahead: behaviour is solved on the horizon cut at its end.
    let window = model.window(to).map_err(|e| e.to_string())?;
    let efforts = behaviour::solve(&window, &plan, &start);
    let mut ws = Workspace::new(model);
    let seed = mix64(policy.seed ^ ROUND_SALT ^ ctx.round as u64);
    let mut objective = Vec::new();
    let mut cost = Vec::new();
    for (i, t) in ctx.planning.iter().take(policy.replications).enumerate() {
        let mut state = t.state().clone();
        for (j, s) in state.streams.iter_mut().enumerate() {
            *s = rng::stream(seed, i as u64, j as u64);
        }
        state.market_stream = rng::stream(seed, i as u64, rng::MARKET_STREAM);
        let mut totals = Totals::default();
        simulate::simulate(model, &plan, &efforts, &mut state, to, &mut ws, &mut totals);
        let s = &totals.sum;
        objective.push(match policy.objective {
            ObjectiveKind::RevenueGrowth | ObjectiveKind::Revenue => s.revenue,
            ObjectiveKind::NewCustomers => s.new_customers,
            ObjectiveKind::Profit => s.revenue - s.incentive_cost,
            ObjectiveKind::ProfitParticipation => {
                s.revenue - s.effort_cost_sum - s.risk_premium_sum
            }
        });
        cost.push(s.incentive_cost);
    }
    Ok((objective, cost))
}

impl RoundProblem<'_> {
    /// The penalised loss and feasibility of per-replication objectives and costs.
    fn judge(&self, objective: &[f64], cost: &[f64]) -> (f64, bool) {
        let o = Estimate::of(objective);
        let Some(rule) = &self.rule else {
            return (-o.mean / self.scale, true);
        };
        let estimate = CostEstimate::against(cost, rule);
        (
            rule.penalised_loss(o.mean, self.scale, &estimate),
            rule.feasible(&estimate),
        )
    }
}

impl CostFunction for RoundProblem<'_> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, x: &Self::Param) -> Result<f64, ArgminError> {
        let inside = self.clamp(x);
        if let Some((_, loss, _)) = self
            .evaluations
            .lock()
            .expect("not poisoned")
            .iter()
            .find(|e| e.0 == inside)
        {
            return Ok(*loss);
        }
        if self.evaluations.lock().expect("not poisoned").len() >= self.policy.evaluations {
            return Err(ArgminError::msg("evaluation budget spent"));
        }
        let (objective, cost) = self.simulate(&inside).map_err(ArgminError::msg)?;
        let (loss, feasible) = self.judge(&objective, &cost);
        self.evaluations
            .lock()
            .expect("not poisoned")
            .push((inside, loss, feasible));
        Ok(loss)
    }
}

impl RoundPolicy for ReoptimizePolicy {
    fn name(&self) -> &'static str {
        "reoptimize"
    }

    fn next(&self, ctx: &RoundContext<'_>) -> Vec<Vec<f64>> {
        let current = ctx.planning[0].params.last().cloned().unwrap_or_default();
        let rounds_left = (ctx.rounds - ctx.round - 1).max(1) as f64;
        let spent = ctx
            .planning
            .iter()
            .map(|t| t.observations.last().map_or(0.0, |o| o.spent))
            .sum::<f64>()
            / ctx.planning.len().max(1) as f64;
        let rule = ctx.budget.map(|b| {
            BudgetRule::new(((b - spent) / rounds_left).max(0.0), None)
                .expect("a remaining budget is finite and non-negative")
        });
        // The scale of the objective is fixed for the whole search, from the current
        // plan: the loss of every candidate is then its objective in one unit.
        let Ok((objective, cost)) = simulate_candidate(self, ctx, &current) else {
            // The current plan cannot be built: keep it (the scenario was validated).
            return vec![current; ctx.trajectories.len()];
        };
        let mut problem = RoundProblem {
            policy: self,
            ctx,
            rule,
            scale: objective_scale(Estimate::of(&objective).mean),
            evaluations: Mutex::new(Vec::new()),
        };
        let (loss, feasible) = problem.judge(&objective, &cost);
        problem.evaluations.get_mut().expect("not poisoned").push((
            current.clone(),
            loss,
            feasible,
        ));
        let mut simplex = vec![current.clone()];
        for (i, v) in self.variables.iter().enumerate() {
            let step = 0.15 * (v.upper - v.lower);
            let mut p = current.clone();
            p[i] = if current[i] + step <= v.upper {
                current[i] + step
            } else {
                current[i] - step
            };
            simplex.push(p);
        }
        // Evaluate the simplex first: argmin's Nelder-Mead cannot stop during its start.
        let ready = simplex.iter().all(|x| problem.cost(x).is_ok());
        if ready {
            if let Ok(solver) = NelderMead::new(simplex).with_sd_tolerance(1e-7) {
                let _ = Executor::new(&problem, solver)
                    .configure(|s| s.max_iters(10_000))
                    .ctrlc(false)
                    .run();
            }
        }
        let evaluations = problem.evaluations.into_inner().expect("not poisoned");
        let best = evaluations
            .iter()
            .filter(|e| e.2)
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|e| e.0.clone())
            // No candidate keeps to the budget: spend as little as the bounds allow.
            .unwrap_or_else(|| self.variables.iter().map(|v| v.lower).collect());
        vec![best; ctx.trajectories.len()]
    }
}

impl<'a> CostFunction for &'a RoundProblem<'a> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, x: &Self::Param) -> Result<f64, ArgminError> {
        (**self).cost(x)
    }
}
