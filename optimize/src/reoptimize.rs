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

use argmin::core::{CostFunction, Error as ArgminError, Executor};
use argmin::solver::neldermead::NelderMead;

use plansim_sim::behaviour;
use plansim_sim::budget::{objective_scale, BudgetRule, CostEstimate};
use plansim_sim::engine::simulate::{self, Totals, Workspace};
use plansim_sim::rng::{self, mix64};
use plansim_sim::rounds::{plan_with, RoundContext, RoundPolicy, RoundsError};
use plansim_sim::scenario::ObjectiveKind;

use crate::memo::{Memo, Metered};
use crate::objective::Estimate;
use crate::space::{self, Variable};

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

/// A candidate of one round's search: its point, penalised loss and feasibility.
type Candidate = (Vec<f64>, f64, bool);

/// One round's search: the round's candidates behind a memo.
struct RoundSearch<'a> {
    policy: &'a ReoptimizePolicy,
    ctx: &'a RoundContext<'a>,
    /// The round's share of the remaining budget, as the rule every search uses.
    rule: Option<BudgetRule>,
    /// The objective's scale, fixed for the round's search: the current plan's objective.
    scale: f64,
    memo: Memo<'a, Candidate>,
}

/// Objective and cost of the next round under parameters `x`, for each of the first
/// replications of the planning sample, on fresh streams.
fn simulate_candidate(
    policy: &ReoptimizePolicy,
    ctx: &RoundContext<'_>,
    x: &[f64],
) -> Result<(Vec<f64>, Vec<f64>), RoundsError> {
    let model = ctx.model;
    let plan = plan_with(ctx.base, ctx.paths, x)?;
    let mut start = ctx.expected.clone();
    if plan.tournament_share().is_some() && start.tournament_cutoff.is_none() {
        start.tournament_cutoff = behaviour::naive_cutoff(model, &plan, &start);
    }
    let to = start.period + ctx.round_length;
    // Reps plan the round ahead: behaviour is solved on the horizon cut at its end.
    let efforts = behaviour::solve(&model.window(to)?, &plan, &start);
    let mut ws = Workspace::new(model);
    let seed = mix64(policy.seed ^ ROUND_SALT ^ ctx.round as u64);
    let mut objective = Vec::new();
    let mut cost = Vec::new();
    for (i, t) in ctx.planning.iter().take(policy.replications).enumerate() {
        let mut state = t.state().clone();
        for j in 0..state.streams.len() {
            state.streams.reseed(j, seed, i as u64, j as u64);
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

impl RoundSearch<'_> {
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

    /// The loss at `x` (inside the bounds): remembered, or simulated now while the
    /// round's evaluations last; None once they are spent.
    fn loss(&self, x: &[f64]) -> Result<Option<f64>, RoundsError> {
        self.memo.loss(
            x,
            || {
                let (objective, cost) = simulate_candidate(self.policy, self.ctx, x)?;
                let (loss, feasible) = self.judge(&objective, &cost);
                Ok((loss, (x.to_vec(), loss, feasible)))
            },
            |_| {},
        )
    }
}

/// The cost argmin's Nelder-Mead minimises: the penalised loss of a point clamped
/// into the bounds; `+inf` once the round's evaluations are spent.
#[derive(Clone, Copy)]
struct RoundLoss<'s, 'a> {
    search: &'s RoundSearch<'a>,
}

impl CostFunction for RoundLoss<'_, '_> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, x: &Self::Param) -> Result<f64, ArgminError> {
        let inside = space::clamp(&self.search.policy.variables, x);
        match self.search.loss(&inside) {
            Ok(Some(loss)) => Ok(loss),
            Ok(None) => Ok(f64::INFINITY),
            Err(e) => Err(ArgminError::new(e)),
        }
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
        let search = RoundSearch {
            policy: self,
            ctx,
            rule,
            scale: objective_scale(Estimate::of(&objective).mean),
            memo: Memo::new(self.evaluations, None),
        };
        let (loss, feasible) = search.judge(&objective, &cost);
        search
            .memo
            .insert(&current, loss, (current.clone(), loss, feasible), |_| {});
        let simplex = space::simplex(&self.variables, &current, 0.15);
        // Argmin's Nelder-Mead unwraps the costs of its starting simplex: evaluate it
        // first, and search only when every vertex could be.
        let ready = simplex
            .iter()
            .all(|x| matches!(search.loss(x), Ok(Some(_))));
        if ready {
            if let Ok(solver) = NelderMead::new(simplex).with_sd_tolerance(1e-7) {
                // The search ends when it converges, after 10,000 iterations or when the
                // round's evaluations are spent, and also at a candidate that cannot be
                // simulated (bounds inside the valid ranges make none): in every case
                // the best candidate so far wins, which the memo holds.
                let _ended = Executor::new(
                    RoundLoss { search: &search },
                    Metered::new(solver, &search.memo),
                )
                .configure(|s| s.max_iters(10_000))
                .ctrlc(false)
                .run()
                .is_ok();
            }
        }
        let evaluations = search.memo.into_values();
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
