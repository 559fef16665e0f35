//! Several plans simulated on common random numbers: replication `i` of every
//! variant draws from the streams keyed by `(seed, i)`, in fixed-size blocks merged
//! in block order, so results are bit-identical for any number of threads.
//!
//! The comparison and the HTML reports use this: each variant keeps every
//! replication's metrics (for paired differences, ranking and distributions) and the
//! moments of every period's metrics (for trajectories).

use std::ops::Range;

use rayon::prelude::*;

use plansim_optimize::{Evaluator, OptimizeError};
use plansim_sim::behaviour::{self, PlanningStart, Policy};
use plansim_sim::engine::metrics::{N_METRICS, N_PERIOD_METRICS};
use plansim_sim::engine::simulate::{self, TeamState, Totals, Workspace};
use plansim_sim::engine::{self, BLOCK_SIZE};
use plansim_sim::model::{Model, Plan};
use plansim_sim::tally::Tally;

/// One plan in one model, with its solved behaviour.
pub struct Variant {
    /// Label in reports.
    pub label: String,
    /// The model the plan runs in (its team, market, targets).
    pub model: Model,
    /// The plan.
    pub plan: Plan,
    /// The reps' solved behaviour under the plan.
    pub policy: Policy,
}

impl Variant {
    /// Solves the reps' behaviour under `plan` in `model`.
    pub fn new(label: impl Into<String>, model: Model, plan: Plan) -> Self {
        let policy = behaviour::solve(&model, &plan, &PlanningStart::initial(&model));
        Variant {
            label: label.into(),
            model,
            plan,
            policy,
        }
    }
}

/// What a variant's replications gave.
#[derive(Clone, Debug)]
pub struct VariantTally {
    /// Replication metrics, values kept (a column per [`plansim_sim::engine::metrics::Metric`]).
    pub metrics: Tally,
    /// Per-period metrics (`period * N_PERIOD_METRICS + metric`), moments only.
    pub periods: Tally,
}

impl VariantTally {
    /// An empty tally for a model of `periods` periods.
    pub fn new(periods: u32) -> Self {
        VariantTally {
            metrics: Tally::new(N_METRICS, true),
            periods: Tally::new(periods as usize * N_PERIOD_METRICS, false),
        }
    }

    /// Appends the tally of later replications.
    pub fn merge(&mut self, o: &VariantTally) {
        self.metrics.merge(&o.metrics);
        self.periods.merge(&o.periods);
    }
}

/// Simulates replications `range` of `v` with `seed` in the current rayon pool.
pub fn simulate(
    v: &Variant,
    seed: u64,
    range: Range<u64>,
    progress: &(dyn Fn(u64) + Sync),
) -> VariantTally {
    let mut tally = VariantTally::new(v.model.periods());
    extend(v, seed, range, &mut tally, progress);
    tally
}

/// Simulates replications `range` of `v` and merges them, block by block, into `tally`:
/// a run split at block boundaries gives exactly the tally of the whole run.
pub fn extend(
    v: &Variant,
    seed: u64,
    range: Range<u64>,
    tally: &mut VariantTally,
    progress: &(dyn Fn(u64) + Sync),
) {
    let first = range.start / BLOCK_SIZE;
    let last = range.end.div_ceil(BLOCK_SIZE);
    let blocks: Vec<VariantTally> = (first..last)
        .into_par_iter()
        .map(|b| {
            let from = (b * BLOCK_SIZE).max(range.start);
            let to = ((b + 1) * BLOCK_SIZE).min(range.end);
            let mut t = VariantTally::new(v.model.periods());
            let mut ws = Workspace::new(&v.model);
            let mut rows = vec![0.0; v.model.periods() as usize * N_PERIOD_METRICS];
            for i in from..to {
                let start = TeamState::initial(&v.model, seed, i);
                let m = engine::replicate(&v.model, &v.plan, &v.policy, start, &mut ws, &mut rows);
                t.metrics.push(&m);
                t.periods.push(&rows);
            }
            progress(to - from);
            t
        })
        .collect();
    for t in &blocks {
        tally.merge(t);
    }
}

/// Replications whose rep-cycle attainments the HTML reports show (at most).
pub const ATTAINMENT_SAMPLE: u64 = 100;

/// Every rep's score attainment in every cycle of the first [`ATTAINMENT_SAMPLE`]
/// replications of a run of `run` replications of `plan` (fewer when the run has
/// fewer), in replication order.
pub fn attainment_sample(
    model: &Model,
    plan: &Plan,
    policy: &Policy,
    seed: u64,
    run: u64,
) -> Vec<f64> {
    attainments(model, plan, policy, seed, ATTAINMENT_SAMPLE.min(run))
}

/// A variant simulated on the first replications of a seed, with its attainment sample.
pub struct Sample {
    /// The variant.
    pub variant: Variant,
    /// Its replications' metrics.
    pub tally: VariantTally,
    /// Its rep-cycle attainments (see [`attainment_sample`]).
    pub attainments: Vec<f64>,
}

/// Simulates each variant on replications `0..replications` of `seed` (common random
/// numbers) in the current rayon pool, with its attainment sample.
pub fn sample(variants: Vec<Variant>, seed: u64, replications: u64) -> Vec<Sample> {
    variants
        .into_iter()
        .map(|variant| {
            let tally = simulate(&variant, seed, 0..replications, &|_| {});
            let attainments = attainment_sample(
                &variant.model,
                &variant.plan,
                &variant.policy,
                seed,
                replications,
            );
            Sample {
                variant,
                tally,
                attainments,
            }
        })
        .collect()
}

/// Most replications of each plan the page of a search re-simulates.
pub const SEARCH_SAMPLE_REPLICATIONS: u64 = 1000;

/// The starting plan, the plan at `winner` and the status quo of the search of
/// `evaluator`, in this order, re-simulated on the certification's fresh seeds
/// `seed` (its first `replications`, at most [`SEARCH_SAMPLE_REPLICATIONS`]) in the
/// current rayon pool, for the page of a search.
///
/// # Errors
/// [`OptimizeError`] when a point is not a plan.
pub fn search_sample(
    evaluator: &Evaluator,
    winner: &[f64],
    seed: u64,
    replications: u64,
) -> Result<Vec<Sample>, OptimizeError> {
    let model = evaluator.model();
    let plans = [
        ("start", evaluator.plan_at(&evaluator.space().start)?),
        ("best", evaluator.plan_at(winner)?),
        ("baseline", model.baseline().clone()),
    ];
    let variants = plans
        .into_iter()
        .map(|(label, plan)| Variant::new(label, model.clone(), plan))
        .collect();
    Ok(sample(
        variants,
        seed,
        replications.min(SEARCH_SAMPLE_REPLICATIONS),
    ))
}

/// Every rep's score attainment in every cycle of the first `replications`
/// replications of `plan` (1.0 = 100 % of target), in replication order.
pub fn attainments(
    model: &Model,
    plan: &Plan,
    policy: &Policy,
    seed: u64,
    replications: u64,
) -> Vec<f64> {
    let per_replication: Vec<Vec<f64>> = (0..replications)
        .into_par_iter()
        .map(|i| {
            let mut state = TeamState::initial(model, seed, i);
            let mut ws = Workspace::new(model);
            let mut totals = Totals::default();
            let len = plan.cycle_len.max(1);
            let mut out = Vec::new();
            for t in 0..model.periods() {
                simulate::simulate(model, plan, policy, &mut state, t + 1, &mut ws, &mut totals);
                if (t + 1) % len == 0 || t + 1 == model.periods() {
                    out.extend(state.reps.iter().map(|r| r.last_cycle_score));
                }
            }
            out
        })
        .collect();
    per_replication.concat()
}

#[cfg(test)]
mod tests {
    use super::*;
    use plansim_sim::scenario::default_scenario;

    fn small_model() -> Model {
        let valid = default_scenario()
            .with_changes(|s| {
                s.team.size = 6;
                s.simulation.periods = 4;
            })
            .unwrap();
        Model::new(&valid)
    }

    #[test]
    fn matches_the_engine_and_does_not_depend_on_the_split_or_threads() {
        let model = small_model();
        let plan = model.plan().clone();
        let v = Variant::new("plan", model.clone(), plan);
        let whole = simulate(&v, 7, 0..150, &|_| {});
        let mut parts = simulate(&v, 7, 0..64, &|_| {});
        extend(&v, 7, 64..150, &mut parts, &|_| {});
        assert!(whole.metrics == parts.metrics && whole.periods == parts.periods);
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(|| simulate(&v, 7, 0..150, &|_| {}));
        assert!(whole.metrics == one.metrics && whole.periods == one.periods);
        // The plan's replication metrics are the engine's (same streams).
        let engine_tally = engine::run_plan(&model, &v.plan, &v.policy, 7, 150, &|_| {});
        assert!(whole.metrics == engine_tally);
    }

    #[test]
    fn attainments_are_one_per_rep_and_cycle() {
        let v = Variant::new("plan", small_model(), small_model().plan().clone());
        let a = attainments(&v.model, &v.plan, &v.policy, 3, 5);
        assert_eq!(a.len(), 5 * 6 * 4);
        assert!(a.iter().all(|x| x.is_finite() && *x >= 0.0));
        // The sample of a run takes its first replications, at most ATTAINMENT_SAMPLE.
        assert_eq!(attainment_sample(&v.model, &v.plan, &v.policy, 3, 5), a);
        let long = attainment_sample(&v.model, &v.plan, &v.policy, 3, 1000);
        assert_eq!(long.len() as u64, ATTAINMENT_SAMPLE * 6 * 4);
        assert_eq!(long[..a.len()], a[..]);
    }
}
