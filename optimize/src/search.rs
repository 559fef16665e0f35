//! The search: argmin's solvers over the decision space, every evaluation recorded,
//! stopped by the evaluation budget or by Ctrl-C, the best feasible point kept.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use argmin::core::{CostFunction, Error as ArgminError, Executor};
use argmin::solver::neldermead::NelderMead;
use argmin::solver::particleswarm::ParticleSwarm;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

use plansim_sim::rng::mix64;
use plansim_sim::scenario::SolverKind;

use crate::objective::{Evaluation, Evaluator};
use crate::OptimizeError;

/// Why the search stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// The solver converged before the evaluation budget.
    Converged,
    /// The evaluation budget was spent.
    MaxEvaluations,
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
    /// ([`Evaluation::selectable`]), if any.
    pub best: Option<usize>,
    /// Why the search stopped.
    pub stop: StopReason,
}

impl Outcome {
    /// The best feasible evaluation.
    pub fn best(&self) -> Option<&Evaluation> {
        self.best.map(|i| &self.evaluations[i])
    }
}

/// The objective as argmin sees it: a penalised loss to minimise.
struct Problem<'a> {
    evaluator: &'a Evaluator,
    records: Mutex<Vec<Evaluation>>,
    cache: Mutex<HashMap<Vec<u64>, f64>>,
    scale: f64,
    interrupt: &'a AtomicBool,
    progress: &'a (dyn Fn(usize, Option<&Evaluation>) + Sync),
    failure: Mutex<Option<OptimizeError>>,
}

impl Problem<'_> {
    fn loss(&self, e: &Evaluation) -> f64 {
        self.evaluator
            .rule()
            .penalised_loss(e.objective.mean, self.scale, &e.cost_estimate())
    }

    fn evaluations(&self) -> usize {
        self.records.lock().expect("not poisoned").len()
    }

    fn best(&self) -> Option<usize> {
        let records = self.records.lock().expect("not poisoned");
        best_feasible(&records)
    }
}

/// The best evaluation that keeps the budget and whose efforts are an equilibrium.
fn best_feasible(records: &[Evaluation]) -> Option<usize> {
    let mut best: Option<usize> = None;
    for (i, e) in records.iter().enumerate() {
        if e.selectable() && best.is_none_or(|b| e.objective.mean > records[b].objective.mean) {
            best = Some(i);
        }
    }
    best
}

impl CostFunction for Problem<'_> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, x: &Self::Param) -> Result<f64, ArgminError> {
        let space = self.evaluator.space();
        let inside = space.clamp(x);
        let outside = 10.0 * space.outside(x);
        let key: Vec<u64> = inside.iter().map(|v| v.to_bits()).collect();
        if let Some(&loss) = self.cache.lock().expect("not poisoned").get(&key) {
            return Ok(loss + outside);
        }
        if self.interrupt.load(Ordering::SeqCst) {
            return Err(ArgminError::msg("interrupted"));
        }
        if self.evaluations() >= self.evaluator.settings().max_evaluations {
            return Err(ArgminError::msg("evaluation budget spent"));
        }
        let evaluation = match self.evaluator.evaluate(&inside) {
            Ok(e) => e,
            Err(e) => {
                let message = e.to_string();
                *self.failure.lock().expect("not poisoned") = Some(e);
                return Err(ArgminError::msg(message));
            }
        };
        let loss = self.loss(&evaluation);
        self.cache.lock().expect("not poisoned").insert(key, loss);
        let n = {
            let mut records = self.records.lock().expect("not poisoned");
            records.push(evaluation);
            records.len()
        };
        let best = self.best();
        let records = self.records.lock().expect("not poisoned");
        (self.progress)(n, best.map(|b| &records[b]));
        Ok(loss + outside)
    }
}

fn particle_count(dim: usize) -> usize {
    (4 * dim).clamp(8, 40)
}

fn run_swarm(problem: &Problem<'_>, seed: u64, budget_share: f64) {
    let space = problem.evaluator.space();
    let lower: Vec<f64> = space.variables.iter().map(|v| v.lower).collect();
    let upper: Vec<f64> = space.variables.iter().map(|v| v.upper).collect();
    let particles = particle_count(space.dim());
    let total = problem.evaluator.settings().max_evaluations as f64 * budget_share;
    let iterations = ((total / particles as f64).floor() as u64)
        .saturating_sub(1)
        .max(1);
    let solver = ParticleSwarm::new((lower, upper), particles).with_rng_generator(
        Xoshiro256PlusPlus::seed_from_u64(mix64(seed ^ 0x5057_4152_4D00)),
    );
    // Errors are our own stop signals (budget, Ctrl-C, a failed evaluation kept in `failure`).
    let _ = Executor::new(problem, solver)
        .configure(|s| s.max_iters(iterations))
        .ctrlc(false)
        .run();
}

/// Nelder-Mead from `from`; returns true when it converged before the budget.
fn run_simplex(problem: &Problem<'_>, from: &[f64]) -> bool {
    let space = problem.evaluator.space();
    let mut simplex = vec![from.to_vec()];
    for (i, v) in space.variables.iter().enumerate() {
        let step = 0.1 * (v.upper - v.lower);
        let mut p = from.to_vec();
        // Step into the box.
        p[i] = if from[i] + step <= v.upper {
            from[i] + step
        } else {
            from[i] - step
        };
        simplex.push(p);
    }
    // Argmin's Nelder-Mead cannot stop during its first evaluation of the simplex, so
    // the vertices are evaluated (and cached) here first; a stop skips the simplex.
    for vertex in &simplex {
        if problem.cost(vertex).is_err() {
            return false;
        }
    }
    let solver = match NelderMead::new(simplex).with_sd_tolerance(1e-6) {
        Ok(s) => s,
        Err(_) => return false,
    };
    Executor::new(problem, solver)
        .configure(|s| s.max_iters(100_000))
        .ctrlc(false)
        .run()
        .is_ok()
}

impl<'a> CostFunction for &'a Problem<'a> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, x: &Self::Param) -> Result<f64, ArgminError> {
        (**self).cost(x)
    }
}

/// Runs the search. The starting plan is evaluated first; `progress` is told the
/// number of evaluations and the best feasible one after each evaluation; setting
/// `interrupt` stops the search, keeping the best so far.
pub fn optimize(
    evaluator: &Evaluator,
    interrupt: &AtomicBool,
    progress: &(dyn Fn(usize, Option<&Evaluation>) + Sync),
) -> Result<Outcome, OptimizeError> {
    let settings = evaluator.settings().clone();
    let start = evaluator.space().start.clone();
    let first = evaluator.evaluate(&start)?;
    let scale = plansim_sim::budget::objective_scale(first.objective.mean);
    let problem = Problem {
        evaluator,
        records: Mutex::new(Vec::new()),
        cache: Mutex::new(HashMap::new()),
        scale,
        interrupt,
        progress,
        failure: Mutex::new(None),
    };
    {
        let loss = problem.loss(&first);
        let key: Vec<u64> = first.x.iter().map(|v| v.to_bits()).collect();
        problem
            .cache
            .lock()
            .expect("not poisoned")
            .insert(key, loss);
        let feasible = first.selectable();
        problem
            .records
            .lock()
            .expect("not poisoned")
            .push(first.clone());
        progress(1, feasible.then_some(&first));
    }
    let (solver, converged) = match settings.solver {
        SolverKind::ParticleSwarm => {
            run_swarm(&problem, settings.seed, 1.0);
            ("particle-swarm", false)
        }
        SolverKind::NelderMead => ("nelder-mead", run_simplex(&problem, &start)),
        SolverKind::Auto => {
            run_swarm(&problem, settings.seed, 0.6);
            let from = {
                let records = problem.records.lock().expect("not poisoned");
                let best = best_feasible(&records).map_or(start.clone(), |b| records[b].x.clone());
                drop(records);
                best
            };
            ("particle-swarm + nelder-mead", run_simplex(&problem, &from))
        }
    };
    if let Some(e) = problem.failure.lock().expect("not poisoned").take() {
        return Err(e);
    }
    let evaluations = problem.records.into_inner().expect("not poisoned");
    let stop = if interrupt.load(Ordering::SeqCst) {
        StopReason::Interrupted
    } else if converged && evaluations.len() < settings.max_evaluations {
        StopReason::Converged
    } else {
        StopReason::MaxEvaluations
    };
    let best = best_feasible(&evaluations);
    Ok(Outcome {
        solver: solver.to_string(),
        evaluations,
        best,
        stop,
    })
}
