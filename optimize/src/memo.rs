//! What both searches (the plan search and the reoptimize round policy) run argmin's
//! solvers with: a memoised evaluator, which evaluates each point once, in the order
//! a solver first asks for it, within an evaluation budget; a solver wrapper that makes
//! that budget and the caller's interrupt argmin termination reasons; and an argmin
//! observer that records each iteration.
//!
//! The cost function a solver sees is then pure: the loss of a point, remembered once
//! evaluated. A point the memo may no longer evaluate (the budget is spent, or the
//! search interrupted) costs `+inf`, worse than any evaluated one; that happens only
//! within the iteration during which the search stops, and argmin's executor ends the
//! run before the next one ([`Metered`]).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use argmin::core::observers::Observe;
use argmin::core::{
    Error as ArgminError, Problem, Solver, State, TerminationReason, TerminationStatus, KV,
};
use serde::Serialize;

/// Argmin's termination reason (a solver exit) of a search whose evaluation budget is
/// spent.
pub(crate) const BUDGET_SPENT: &str = "evaluation budget spent";

/// A memo of evaluations: each point's loss and value, in the order of evaluation.
///
/// Points are the same when their bits are.
pub(crate) struct Memo<'a, T> {
    /// Most evaluations: the budget, or less while a stage must leave some for the next.
    budget: AtomicUsize,
    interrupt: Option<&'a AtomicBool>,
    entries: Mutex<Entries<T>>,
    /// Evaluations made, shared with the [`Trace`] observer.
    count: Arc<AtomicUsize>,
}

struct Entries<T> {
    values: Vec<T>,
    losses: HashMap<Vec<u64>, f64>,
}

/// The key of point `x` evaluated on `tag` (the search's replications; 0 for one kind
/// of evaluation).
fn key(x: &[f64], tag: u64) -> Vec<u64> {
    x.iter().map(|v| v.to_bits()).chain([tag]).collect()
}

impl<'a, T> Memo<'a, T> {
    /// An empty memo of at most `budget` evaluations, which takes no new point once
    /// `interrupt` is set.
    pub(crate) fn new(budget: usize, interrupt: Option<&'a AtomicBool>) -> Self {
        Memo {
            budget: AtomicUsize::new(budget),
            interrupt,
            entries: Mutex::new(Entries {
                values: Vec::new(),
                losses: HashMap::new(),
            }),
            count: Arc::new(AtomicUsize::new(0)),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Entries<T>> {
        self.entries
            .lock()
            .expect("an evaluation never panics holding the memo")
    }

    /// Remembers `value` of loss `loss` at `x`, evaluated outside the memo; `then` is
    /// told every value so far.
    pub(crate) fn insert(&self, x: &[f64], loss: f64, value: T, then: impl FnOnce(&[T])) {
        self.insert_tagged(x, 0, loss, value, then)
    }

    /// [`insert`](Self::insert) of `x` evaluated on `tag`.
    pub(crate) fn insert_tagged(
        &self,
        x: &[f64],
        tag: u64,
        loss: f64,
        value: T,
        then: impl FnOnce(&[T]),
    ) {
        let mut e = self.lock();
        e.losses.insert(key(x, tag), loss);
        e.values.push(value);
        self.count.store(e.values.len(), Ordering::SeqCst);
        then(&e.values);
    }

    /// The loss at `x`: remembered; else, when the memo may take a new point,
    /// `evaluate`d now and remembered, and `then` is told every value so far; else None.
    ///
    /// # Errors
    /// The error of `evaluate`.
    pub(crate) fn loss<E>(
        &self,
        x: &[f64],
        evaluate: impl FnOnce() -> Result<(f64, T), E>,
        then: impl FnOnce(&[T]),
    ) -> Result<Option<f64>, E> {
        self.loss_tagged(x, 0, evaluate, then)
    }

    /// [`loss`](Self::loss) of `x` evaluated on `tag`: points evaluated on different
    /// tags are remembered apart.
    ///
    /// # Errors
    /// The error of `evaluate`.
    pub(crate) fn loss_tagged<E>(
        &self,
        x: &[f64],
        tag: u64,
        evaluate: impl FnOnce() -> Result<(f64, T), E>,
        then: impl FnOnce(&[T]),
    ) -> Result<Option<f64>, E> {
        if let Some(&loss) = self.lock().losses.get(&key(x, tag)) {
            return Ok(Some(loss));
        }
        if self.stop().is_some() {
            return Ok(None);
        }
        let (loss, value) = evaluate()?;
        self.insert_tagged(x, tag, loss, value, then);
        Ok(Some(loss))
    }

    /// Takes no new point beyond `budget` evaluations (at most the budget it was made
    /// with, which a stage lowers to leave evaluations to the next and restores).
    pub(crate) fn set_budget(&self, budget: usize) {
        self.budget.store(budget, Ordering::SeqCst);
    }

    /// Why the memo takes no new point, as argmin's termination reason: the search was
    /// interrupted, or its evaluation budget is spent; None while it takes them.
    pub(crate) fn stop(&self) -> Option<TerminationReason> {
        if self.interrupt.is_some_and(|f| f.load(Ordering::SeqCst)) {
            return Some(TerminationReason::Interrupt);
        }
        (self.lock().values.len() >= self.budget.load(Ordering::SeqCst))
            .then(|| TerminationReason::SolverExit(BUDGET_SPENT.into()))
    }

    /// `f` of the values so far, in the order evaluated.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&[T]) -> R) -> R {
        f(&self.lock().values)
    }

    /// The values, in the order evaluated.
    pub(crate) fn into_values(self) -> Vec<T> {
        self.entries
            .into_inner()
            .expect("an evaluation never panics holding the memo")
            .values
    }

    /// An observer recording each iteration of a solver named `stage` into `log`.
    pub(crate) fn trace(&self, stage: &'static str, log: &Arc<Mutex<Vec<Iteration>>>) -> Trace {
        Trace {
            stage,
            evaluations: Arc::clone(&self.count),
            log: Arc::clone(log),
        }
    }
}

/// A solver run against a memo: argmin's executor ends the run, as it ends any, when
/// the solver converges or reaches its most iterations, and also, before the next
/// iteration, when the memo stops taking points (the budget is spent, or the search
/// interrupted: argmin's [`TerminationReason::Interrupt`]).
pub(crate) struct Metered<'m, 'a, S, T> {
    solver: S,
    memo: &'m Memo<'a, T>,
}

impl<'m, 'a, S, T> Metered<'m, 'a, S, T> {
    /// `solver`, stopped when `memo` stops.
    pub(crate) fn new(solver: S, memo: &'m Memo<'a, T>) -> Self {
        Metered { solver, memo }
    }
}

impl<O, I: State, S: Solver<O, I>, T> Solver<O, I> for Metered<'_, '_, S, T> {
    fn name(&self) -> &str {
        self.solver.name()
    }

    fn init(&mut self, problem: &mut Problem<O>, state: I) -> Result<(I, Option<KV>), ArgminError> {
        self.solver.init(problem, state)
    }

    fn next_iter(
        &mut self,
        problem: &mut Problem<O>,
        state: I,
    ) -> Result<(I, Option<KV>), ArgminError> {
        self.solver.next_iter(problem, state)
    }

    fn terminate_internal(&mut self, state: &I) -> TerminationStatus {
        match self.memo.stop() {
            Some(reason) => TerminationStatus::Terminated(reason),
            None => self.solver.terminate_internal(state),
        }
    }
}

/// One iteration of a solver, as argmin's observer saw it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Iteration {
    /// The solver (`particle-swarm`, `nelder-mead`).
    pub stage: &'static str,
    /// The iteration's number within its stage, from 1.
    pub iteration: u64,
    /// Evaluations made by the end of the iteration, in the whole search.
    pub evaluations: usize,
    /// The lowest penalised loss the solver holds at the end of the iteration.
    pub best_loss: f64,
}

/// The observer behind [`Memo::trace`].
pub(crate) struct Trace {
    stage: &'static str,
    evaluations: Arc<AtomicUsize>,
    log: Arc<Mutex<Vec<Iteration>>>,
}

impl<I: State<Float = f64>> Observe<I> for Trace {
    fn observe_iter(&mut self, state: &I, _kv: &KV) -> Result<(), ArgminError> {
        self.log
            .lock()
            .expect("the log is only pushed to")
            .push(Iteration {
                stage: self.stage,
                iteration: state.get_iter() + 1,
                evaluations: self.evaluations.load(Ordering::SeqCst),
                best_loss: state.get_best_cost(),
            });
        Ok(())
    }
}
