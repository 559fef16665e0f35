//! One replication's path through the rounds: its team's state carried from round to
//! round, what it observed in each round, and the team's expected state over the
//! planning sample.

use std::collections::BTreeMap;

use rayon::prelude::*;

use crate::behaviour::{PlanningStart, Policy, RepStart};
use crate::engine::simulate::{self, PeriodRecord, TeamState, Totals, Workspace};
use crate::engine::BLOCK_SIZE;
use crate::model::{Kpis, Model, Plan};

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

impl RoundObservation {
    /// What a replication did between its totals `before` and `after` one round under
    /// `plan`: the round's KPIs against the targets of the cycles it opened.
    fn of_round(plan: &Plan, before: &Totals, after: &Totals) -> Self {
        let mut o = RoundObservation {
            revenue: after.sum.revenue - before.sum.revenue,
            new_customers: after.sum.new_customers - before.sum.new_customers,
            cost: after.sum.incentive_cost - before.sum.incentive_cost,
            spent: after.sum.incentive_cost,
            ..RoundObservation::default()
        };
        let cycles = after.rep_cycles - before.rep_cycles;
        o.hit_rate = if cycles > 0.0 {
            (after.hits - before.hits) / cycles
        } else {
            f64::NAN
        };
        let rep_periods = after.sum.rep_periods - before.sum.rep_periods;
        o.effort_acquisition =
            (after.sum.effort_acquisition_sum - before.sum.effort_acquisition_sum) / rep_periods;
        // The targets the round was simulated against: those of the cycles it opened.
        o.target_revenue = after.targets.revenue - before.targets.revenue;
        o.target_new_customers = after.targets.new_customers - before.targets.new_customers;
        o.score = plan.score(
            Kpis {
                revenue: o.revenue,
                new_customers: o.new_customers,
                satisfaction: after.sum.satisfaction_sum - before.sum.satisfaction_sum,
            },
            Kpis {
                revenue: o.target_revenue,
                new_customers: o.target_new_customers,
                satisfaction: after.targets.satisfaction - before.targets.satisfaction,
            },
        );
        o
    }
}

/// One replication's trajectory through the rounds.
#[derive(Clone, Debug)]
pub struct Trajectory {
    /// The replication's index in the run.
    pub replication: u64,
    pub(super) state: TeamState,
    pub(super) totals: Totals,
    pub(super) last: PeriodRecord,
    /// Parameters in force in each round so far.
    pub params: Vec<Vec<f64>>,
    /// Observation of each round so far.
    pub observations: Vec<RoundObservation>,
}

impl Trajectory {
    /// Replication `replication` of `seed` at the start, with parameters `start`.
    pub(super) fn start(model: &Model, seed: u64, replication: u64, start: &[f64]) -> Self {
        Trajectory {
            replication,
            state: TeamState::initial(model, seed, replication),
            totals: Totals::default(),
            last: PeriodRecord::default(),
            params: vec![start.to_vec()],
            observations: Vec::new(),
        }
    }

    /// The team's state now.
    pub fn state(&self) -> &TeamState {
        &self.state
    }

    /// The parameters in force now.
    pub(super) fn current(&self) -> &[f64] {
        self.params
            .last()
            .expect("a trajectory starts with parameters")
    }
}

/// The mean state over trajectories: what reps plan from.
pub fn expected_state(model: &Model, trajectories: &[Trajectory], period: u32) -> PlanningStart {
    let n = trajectories.len().max(1) as f64;
    let reps = (0..model.reps().len())
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
                    satisfaction: last_cycle.satisfaction / with_last_cycle as f64,
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

/// The key of a parameter vector: its bits, so that equal plans share one solve.
pub(super) fn key(x: &[f64]) -> Vec<u64> {
    x.iter().map(|v| v.to_bits()).collect()
}

/// Simulates every trajectory up to period `to` with its own plan's policy, and
/// records what each observed in the round.
pub(super) fn simulate_round(
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
                let (plan, policy) = &plans[&key(t.current())];
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
                t.observations
                    .push(RoundObservation::of_round(plan, &before, &t.totals));
            }
        });
}
