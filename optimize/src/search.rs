//! The search: argmin's solvers over the decision space, minimising a pure cost (the
//! penalised loss of a point, from a memoised evaluator), each run ended by argmin's
//! termination: the solver's convergence or its most iterations, the evaluation budget,
//! or an interrupt. The best feasible evaluation on the full count wins.
//!
//! Stages: a particle swarm over the box (its iterations as many as its share of the
//! evaluation budget allows), then Nelder-Mead from the best feasible point so far
//! (`auto`); or either alone. The swarm and Nelder-Mead after it explore on the
//! settings' explore replications (the first of the seed set); the explored points of
//! least loss ([`final_candidates`]) are then evaluated on the full count, where the
//! winner is chosen (docs/model.md section 17). Every evaluation is kept in the order
//! made, with the progress reported after each one; argmin's observer records each
//! iteration.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use argmin::core::observers::ObserverMode;
use argmin::core::{
    CostFunction, Error as ArgminError, Executor, OptimizationResult, State, TerminationReason,
};
use argmin::solver::neldermead::NelderMead;
use argmin::solver::particleswarm::ParticleSwarm;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

use plansim_sim::rng::mix64;
use plansim_sim::scenario::SolverKind;

use crate::memo::{Iteration, Memo, Metered, BUDGET_SPENT};
use crate::objective::{Evaluation, Evaluator};
use crate::space;
use crate::OptimizeError;

/// Why the search stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// The solver converged before the evaluation budget.
    Converged,
    /// The evaluation budget was spent.
    MaxEvaluations,
    /// The solver ran its most iterations: for the particle swarm, the whole
    /// iterations that fit its share of the evaluation budget.
    MaxIterations,
    /// The user pressed Ctrl-C; the best point so far is kept.
    Interrupted,
}

/// The result of a search.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// Solver that ran ("particle-swarm + nelder-mead", ...).
    pub solver: String,
    /// Every evaluation, in order (the first is the starting plan).
    pub evaluations: Vec<Evaluation>,
    /// Index of the best feasible evaluation whose efforts are an equilibrium
    /// ([`Evaluation::selectable`]) on the full count, if any; of a search interrupted
    /// while it explored, the best explored one (on fewer replications, as its
    /// [`Evaluation::replications`] says), else the starting plan.
    pub best: Option<usize>,
    /// Why the search stopped.
    pub stop: StopReason,
    /// The evaluation budget.
    pub max_evaluations: usize,
    /// Each iteration of the solvers, as argmin's observer recorded it.
    pub iterations: Vec<Iteration>,
}

impl Outcome {
    /// The best feasible evaluation.
    pub fn best(&self) -> Option<&Evaluation> {
        self.best.map(|i| &self.evaluations[i])
    }

    /// Why the search stopped, in words for users: "converged", "stopped after its
    /// evaluation budget of 120", "interrupted by Ctrl-C".
    pub fn stop_words(&self) -> String {
        let budget = self.max_evaluations;
        match self.stop {
            StopReason::Converged => "converged".to_string(),
            StopReason::MaxEvaluations => {
                format!("stopped after its evaluation budget of {budget}")
            }
            StopReason::MaxIterations => match self.iterations.last() {
                Some(last) if last.stage == NELDER_MEAD => {
                    format!(
                        "stopped after Nelder-Mead's most iterations ({})",
                        last.iteration
                    )
                }
                last => {
                    let ran = last.map_or(0, |i| i.iteration);
                    format!(
                        "stopped after the {ran} particle-swarm iteration{} that fit its \
                         evaluation budget of {budget} ({} evaluations)",
                        if ran == 1 { "" } else { "s" },
                        self.evaluations.len()
                    )
                }
            },
            StopReason::Interrupted => "interrupted by Ctrl-C".to_string(),
        }
    }
}

/// Stage names, as [`Outcome::solver`] and [`Iteration::stage`] give them.
const PARTICLE_SWARM: &str = "particle-swarm";
const NELDER_MEAD: &str = "nelder-mead";

/// The search's state: the evaluator behind a memo of its evaluations.
struct Search<'a> {
    evaluator: &'a Evaluator,
    /// The objective's scale, fixed for the search: the starting plan's objective.
    scale: f64,
    memo: Memo<'a, Evaluation>,
    progress: &'a (dyn Fn(usize, Option<&Evaluation>) + Sync),
    /// Argmin's observer's record of each iteration.
    log: Arc<Mutex<Vec<Iteration>>>,
}

/// The evaluations' replications at the stages of a search.
#[derive(Clone, Copy)]
struct Counts {
    /// While the particle swarm explores.
    explore: u64,
    /// The full count, on which the winner is chosen.
    full: u64,
}

impl Search<'_> {
    /// The penalised loss of an evaluation: what the solvers minimise.
    fn loss_of(&self, e: &Evaluation) -> f64 {
        self.evaluator
            .rule()
            .penalised_loss(e.objective.mean, self.scale, &e.cost_estimate())
    }

    /// The loss at `x` (inside the bounds) on `replications`: remembered, or evaluated
    /// now when the budget allows and the search is not interrupted; None otherwise.
    fn loss(&self, x: &[f64], replications: u64) -> Result<Option<f64>, OptimizeError> {
        self.memo.loss_tagged(
            x,
            replications,
            || {
                let e = self.evaluator.evaluate_on(x, replications)?;
                Ok((self.loss_of(&e), e))
            },
            |records| self.report(records),
        )
    }

    /// Tells the progress callback the evaluations so far and the best feasible one.
    fn report(&self, records: &[Evaluation]) {
        (self.progress)(records.len(), best_feasible(records).map(|b| &records[b]))
    }
}

/// The cost argmin's solvers minimise: the penalised loss of a point clamped into the
/// bounds, plus a penalty on the distance outside them; `+inf` at a point the memo may
/// no longer evaluate.
#[derive(Clone, Copy)]
struct Loss<'s, 'a> {
    search: &'s Search<'a>,
    /// The replications points are evaluated on.
    replications: u64,
}

impl CostFunction for Loss<'_, '_> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, x: &Self::Param) -> Result<f64, ArgminError> {
        let space = self.search.evaluator.space();
        let outside = 10.0 * space.outside(x);
        match self.search.loss(&space.clamp(x), self.replications) {
            Ok(Some(loss)) => Ok(loss + outside),
            Ok(None) => Ok(f64::INFINITY),
            Err(e) => Err(ArgminError::new(e)),
        }
    }
}

/// The best evaluation that keeps the budget and whose efforts are an equilibrium,
/// among those on the most replications (the full count: evaluations on fewer, while
/// the swarm explores, only guide the search).
fn best_feasible(records: &[Evaluation]) -> Option<usize> {
    best_on_count(records, records.iter().map(|e| e.replications).max()?)
}

/// The best selectable evaluation among those on `replications`.
fn best_on_count(records: &[Evaluation], replications: u64) -> Option<usize> {
    let mut best: Option<usize> = None;
    for (i, e) in records.iter().enumerate() {
        if e.replications == replications
            && e.selectable()
            && best.is_none_or(|b| e.objective.mean > records[b].objective.mean)
        {
            best = Some(i);
        }
    }
    best
}

/// The particle swarm's share of the explore stage's evaluations under `auto`; Nelder-Mead
/// has the rest.
const SWARM_SHARE: f64 = 0.6;

/// How many explored points of least loss a staged search re-evaluates on the full
/// count, among which (and the starting plan) the winner is chosen: as many as a
/// simplex has vertices in `dim` dimensions. A search whose evaluation budget is at
/// most twice as many evaluates every candidate on the full count.
pub fn final_candidates(dim: usize) -> usize {
    dim + 1
}

fn particle_count(dim: usize) -> usize {
    (4 * dim).clamp(8, 40)
}

/// Our error when an evaluation failed inside argmin's run, else argmin's own.
fn from_argmin(e: ArgminError, solver: &'static str) -> OptimizeError {
    match e.downcast::<OptimizeError>() {
        Ok(ours) => ours,
        Err(e) => OptimizeError::Solver {
            solver,
            message: e.to_string(),
        },
    }
}

/// How an argmin run ended.
fn termination<O, S, I: State>(result: &OptimizationResult<O, S, I>) -> TerminationReason {
    result
        .state()
        .get_termination_reason()
        .cloned()
        .unwrap_or_default()
}

/// The particle swarm over the box on `replications`, for as many iterations as
/// `evaluations` allow.
fn run_swarm(
    search: &Search<'_>,
    seed: u64,
    evaluations: f64,
    replications: u64,
) -> Result<TerminationReason, OptimizeError> {
    let space = search.evaluator.space();
    let lower: Vec<f64> = space.variables.iter().map(|v| v.lower).collect();
    let upper: Vec<f64> = space.variables.iter().map(|v| v.upper).collect();
    let particles = particle_count(space.dim());
    let iterations = ((evaluations / particles as f64).floor() as u64)
        .saturating_sub(1)
        .max(1);
    let solver = ParticleSwarm::new((lower, upper), particles).with_rng_generator(
        Xoshiro256PlusPlus::seed_from_u64(mix64(seed ^ 0x5057_4152_4D00)),
    );
    // The caller owns Ctrl-C (its interrupt flag stops the memo and the run): argmin's
    // own handler is installed once per process and stays bound to the first run.
    let loss = Loss {
        search,
        replications,
    };
    let result = Executor::new(loss, Metered::new(solver, &search.memo))
        .configure(|s| s.max_iters(iterations))
        .add_observer(
            search.memo.trace(PARTICLE_SWARM, &search.log),
            ObserverMode::Always,
        )
        .ctrlc(false)
        .run()
        .map_err(|e| from_argmin(e, PARTICLE_SWARM))?;
    Ok(termination(&result))
}

/// Nelder-Mead from `from` on `replications`, until it converges or the search stops.
fn run_simplex(
    search: &Search<'_>,
    from: &[f64],
    replications: u64,
) -> Result<TerminationReason, OptimizeError> {
    let simplex = space::simplex(&search.evaluator.space().variables, from, 0.1);
    // Argmin's Nelder-Mead unwraps the costs of its starting simplex, so its vertices
    // are evaluated (and remembered) here first: an evaluation that fails is returned,
    // and a stop before the last vertex skips the stage.
    for vertex in &simplex {
        if search.loss(vertex, replications)?.is_none() {
            return Ok(search.memo.stop().unwrap_or_default());
        }
    }
    let solver = NelderMead::new(simplex)
        .with_sd_tolerance(1e-6)
        .map_err(|e| from_argmin(e, NELDER_MEAD))?;
    let loss = Loss {
        search,
        replications,
    };
    let result = Executor::new(loss, Metered::new(solver, &search.memo))
        .configure(|s| s.max_iters(100_000))
        .add_observer(
            search.memo.trace(NELDER_MEAD, &search.log),
            ObserverMode::Always,
        )
        .ctrlc(false)
        .run()
        .map_err(|e| from_argmin(e, NELDER_MEAD))?;
    Ok(termination(&result))
}

/// The stop reason of a search whose last stage ended for `reason`.
fn stop_reason(reason: &TerminationReason) -> StopReason {
    match reason {
        TerminationReason::Interrupt => StopReason::Interrupted,
        TerminationReason::SolverConverged => StopReason::Converged,
        TerminationReason::MaxItersReached => StopReason::MaxIterations,
        TerminationReason::SolverExit(why) if why == BUDGET_SPENT => StopReason::MaxEvaluations,
        // No other termination is configured (target cost, timeout).
        _ => StopReason::MaxEvaluations,
    }
}

/// The final candidates: the `k` explored points of least loss, each evaluated on the
/// full count; the argmin termination reason when the search stopped before the last.
fn run_finals(
    search: &Search<'_>,
    k: usize,
    counts: Counts,
) -> Result<Option<TerminationReason>, OptimizeError> {
    let candidates: Vec<Vec<f64>> = search.memo.with(|records| {
        let mut explored: Vec<(f64, usize)> = records
            .iter()
            .enumerate()
            .filter(|(_, e)| e.replications == counts.explore)
            .map(|(i, e)| (search.loss_of(e), i))
            .collect();
        explored.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        explored
            .iter()
            .take(k)
            .map(|&(_, i)| records[i].x.clone())
            .collect()
    });
    for x in &candidates {
        if search.loss(x, counts.full)?.is_none() {
            return Ok(Some(search.memo.stop().unwrap_or_default()));
        }
    }
    Ok(None)
}

/// The point of the best selectable evaluation on `replications`, if any.
fn best_on(search: &Search<'_>, replications: u64) -> Option<Vec<f64>> {
    search
        .memo
        .with(|records| best_on_count(records, replications).map(|b| records[b].x.clone()))
}

/// Ends a staged search whose explore stage ended for `reason`: the final candidates
/// on the full count, unless the search was interrupted; the reason the search
/// stopped.
fn finish(
    search: &Search<'_>,
    reason: TerminationReason,
    finals: usize,
    counts: Counts,
) -> Result<TerminationReason, OptimizeError> {
    if finals == 0 || matches!(search.memo.stop(), Some(TerminationReason::Interrupt)) {
        return Ok(reason);
    }
    Ok(run_finals(search, finals, counts)?.unwrap_or(reason))
}

/// Runs the search. The starting plan is evaluated first; `progress` is told the
/// number of evaluations and the best feasible one after each evaluation; setting
/// `interrupt` stops the search, keeping the best so far.
///
/// # Errors
/// The [`OptimizeError`] of a point that is no valid plan, or of a solver that failed.
pub fn optimize(
    evaluator: &Evaluator,
    interrupt: &AtomicBool,
    progress: &(dyn Fn(usize, Option<&Evaluation>) + Sync),
) -> Result<Outcome, OptimizeError> {
    let settings = evaluator.settings().clone();
    let counts = Counts {
        explore: settings.explore_replications(),
        full: settings.replications(),
    };
    let budget = settings.max_evaluations();
    let start = evaluator.space().start.clone();
    let first = evaluator.evaluate(&start)?;
    let search = Search {
        evaluator,
        scale: plansim_sim::budget::objective_scale(first.objective.mean),
        memo: Memo::new(budget, Some(interrupt)),
        progress,
        log: Arc::new(Mutex::new(Vec::new())),
    };
    let x = first.x.clone();
    search
        .memo
        .insert_tagged(&x, counts.full, search.loss_of(&first), first, |r| {
            search.report(r)
        });
    // The final candidates re-evaluated on the full count: none without an explore
    // stage, which also needs more evaluations than twice the final candidates.
    let finals = final_candidates(evaluator.space().dim());
    let finals = if settings.staged() && budget > 2 * finals {
        finals
    } else {
        0
    };
    let counts = if finals > 0 {
        counts
    } else {
        Counts {
            explore: counts.full,
            ..counts
        }
    };
    // The explore stage's evaluations: the budget less the finals.
    let explore_budget = budget.saturating_sub(finals).max(1);
    let (solver, reason) = match settings.solver() {
        SolverKind::ParticleSwarm => {
            search.memo.set_budget(explore_budget);
            let swarm = run_swarm(
                &search,
                settings.seed(),
                explore_budget as f64,
                counts.explore,
            )?;
            search.memo.set_budget(budget);
            (PARTICLE_SWARM, finish(&search, swarm, finals, counts)?)
        }
        SolverKind::NelderMead => (NELDER_MEAD, run_simplex(&search, &start, counts.full)?),
        SolverKind::Auto => {
            search.memo.set_budget(explore_budget);
            let swarm = run_swarm(
                &search,
                settings.seed(),
                explore_budget as f64 * SWARM_SHARE,
                counts.explore,
            )?;
            let explored = if search.memo.stop().is_some() {
                swarm
            } else {
                // From the best explored point (the starting plan when none is selectable).
                let from = best_on(&search, counts.explore).unwrap_or(start.clone());
                run_simplex(&search, &from, counts.explore)?
            };
            search.memo.set_budget(budget);
            let reason = finish(&search, explored, finals, counts)?;
            ("particle-swarm + nelder-mead", reason)
        }
    };
    let stop = if interrupt.load(Ordering::SeqCst) {
        StopReason::Interrupted
    } else {
        stop_reason(&reason)
    };
    let iterations = search
        .log
        .lock()
        .expect("the log is only pushed to")
        .clone();
    let evaluations = search.memo.into_values();
    let mut best = best_feasible(&evaluations);
    // Interrupted before any final candidate: the best explored point so far (explored
    // points compare with each other on common random numbers), else the start.
    let finalists = evaluations[1..]
        .iter()
        .filter(|e| e.replications == counts.full)
        .count();
    if stop == StopReason::Interrupted && finals > 0 && finalists == 0 {
        best = best_on_count(&evaluations, counts.explore).or(best);
    }
    Ok(Outcome {
        solver: solver.to_string(),
        evaluations,
        best,
        stop,
        max_evaluations: settings.max_evaluations(),
        iterations,
    })
}
