//! The status quo's steady state: the books, pre-plan run-rates and outside options
//! at which a team that keeps its status-quo plan (the scenario's baseline, with its
//! targets) stays where it is.
//!
//! Targets depend on the run-rates (uplift and ratchet targets are multiples of
//! them), efforts on targets, and the run-rates on efforts (directly, and through
//! the book that effort builds up), so the steady state is a fixed point. It is
//! found on one reward cycle at the average season: the reps' behaviour over the
//! cycle is solved from the candidate books and run-rates, each rep's book is set to
//! the one that the cycle's efforts, churn and quitting (a leaver's book loses the
//! handover share) reproduce at the cycle's end, and the run-rate to the cycle's
//! expected revenue and new customers per period from that book. Run-rates are
//! updated with a damping that halves for a rep whose update changes direction, so
//! the iteration settles however steeply effort responds to targets. Where each rep's
//! status-quo pay depends on their own results alone (no team share, no tournament),
//! a rep whose run-rates have settled (changed by at most the tolerance) keeps them and
//! is not solved again. Where the status quo pays on effort alone (a commission on new
//! revenue, a reward per customer, a promotion chance), a rep-period's choices do not
//! depend on what the iterations change, and are searched once ([`ChoiceMemo`]).
//! Where it cannot
//! settle (a status quo whose threshold makes effort jump between pushing for the
//! target and giving up as the run-rate crosses one value) there is no steady
//! state, and [`StatusQuoFit`] says for how many reps.

use rayon::prelude::*;

use crate::behaviour::{self, PlanningStart, Search};
use crate::model::StatusQuoFit;
use crate::model::{ChoiceMemo, Model, Outcome, Uncalibrated};
use crate::scenario::ValidScenario;

impl Model {
    /// Builds the model of a validated scenario: compiles it into an
    /// [`Uncalibrated`] model and calibrates the status quo's steady state
    /// ([`calibrate`]). This is the one way to a [`Model`].
    pub fn new(valid: &ValidScenario) -> Model {
        calibrate(Uncalibrated::new(valid))
    }
}

/// Most iterations of the fixed point.
const MAX_ITERATIONS: usize = 60;
/// Reversals after which a rep that has not settled is taken to jump across its
/// steady state (its damped step is then an eighth or less of the gap).
const STUCK_REVERSALS: u32 = 4;
/// Relative change of every run-rate below which the fixed point has converged.
const TOLERANCE: f64 = 1e-8;
/// Relative change above which a rep's run-rate has not settled after the last iteration.
const UNSETTLED: f64 = 1e-4;

/// The calibrated model: each rep's starting book (where the scenario or roster gives
/// none), pre-plan run-rates, quit hazard and outside option set to the status quo's
/// steady state, and the fit recorded in [`Model::status_quo`].
///
/// A book the roster or `team.initial_book` gives is kept. The outside option is the
/// rep's salary plus the status quo's certainty equivalent per period plus the rep's
/// premium (`team.outside_premium`), as it was drawn into `Rep::outside_option`.
pub fn calibrate(draft: Uncalibrated) -> Model {
    // The steady state repeats with the reward cycle and the seasons: it is solved over
    // their least common multiple, and the run-rate is its average month.
    let mut cycle = draft.status_quo_model();
    let len = cycle.periods();
    let (mut model, books_given) = draft.into_parts();
    let n = model.reps().len();
    let premiums: Vec<f64> = model.reps().iter().map(|r| r.outside_option).collect();
    let baseline = model.baseline().clone();
    // Start from the reference effort's steady state, valued at zero.
    let reference = model.rules().reference_effort;
    let path = vec![(reference.acquisition, reference.service, 0.0); len as usize];
    let start: Vec<_> = (0..n)
        .map(|j| periodic_state(&cycle, j, &path, books_given[j]))
        .collect();
    for (j, (rep, state)) in cycle.reps_mut().iter_mut().zip(start).enumerate() {
        rep.book = state.book;
        rep.run_rate_revenue = state.run_rate_revenue;
        rep.run_rate_new_customers = state.run_rate_new_customers;
        rep.outside_option = rep.base_salary + premiums[j];
    }
    let mut step = vec![1.0f64; n];
    let mut reversals = vec![0u32; n];
    let mut last_change = vec![0.0f64; n];
    // Each rep's closest approach to its steady state: its largest relative gap, and the
    // run-rates evaluated, with the book, value and hazard they led to.
    let mut best = vec![Fitted::default(); n];
    let mut iterations = 0;
    // Where each rep's status-quo pay depends on their own results alone, a rep whose
    // run-rates have settled is not solved again: the others' efforts do not move it.
    let independent = !baseline.strategic();
    let mut settled = vec![false; n];
    // The iterations solve one plan on models that differ in their reps alone: where the
    // status quo pays on effort alone, each rep-period's choices are searched once.
    let memo = ChoiceMemo::new(&baseline);
    let search = Search::Memo(&memo);
    for iteration in 1..=MAX_ITERATIONS {
        iterations = iteration;
        let active: Vec<usize> = (0..n).filter(|&j| !settled[j]).collect();
        let policy = if active.len() == n {
            behaviour::solve_with(&cycle, &baseline, &PlanningStart::initial(&cycle), search)
        } else {
            let reps = active.iter().map(|&j| cycle.reps()[j].clone()).collect();
            let some = cycle.with_reps(reps, cycle.periods());
            behaviour::solve_with(&some, &baseline, &PlanningStart::initial(&some), search)
        };
        let mut residual = 0.0f64;
        // Each active rep's steady state under its planned path, in parallel (a
        // 100,000-rep team's took 37 ms an iteration serially); the reps are then
        // updated in order.
        let states: Vec<_> = active
            .par_iter()
            .enumerate()
            .map(|(a, &j)| {
                let path: Vec<(f64, f64, f64)> = policy.planned[a]
                    .iter()
                    .map(|c| (c.acquisition, c.service, c.quit_hazard))
                    .collect();
                let state = periodic_state(&cycle, j, &path, books_given[j]);
                let quit_hazard = path.iter().map(|p| p.2).sum::<f64>() / path.len() as f64;
                (state, quit_hazard)
            })
            .collect();
        for ((a, &j), (state, quit_hazard)) in active.iter().enumerate().zip(states) {
            let (book, rev, nc) = (
                state.book,
                state.run_rate_revenue,
                state.run_rate_new_customers,
            );
            let rep = &mut cycle.reps_mut()[j];
            let change = (rev - rep.run_rate_revenue) / rep.run_rate_revenue.abs().max(1e-300);
            let change_nc = if rep.run_rate_new_customers > 0.0 {
                (nc - rep.run_rate_new_customers) / rep.run_rate_new_customers
            } else {
                0.0
            };
            let gap = change.abs().max(change_nc.abs());
            residual = residual.max(gap);
            if iteration == 1 || gap < best[j].gap {
                best[j] = Fitted {
                    gap,
                    run_rate_revenue: rep.run_rate_revenue,
                    run_rate_new_customers: rep.run_rate_new_customers,
                    // The book the evaluated efforts were solved from.
                    book: rep.book,
                    revenue: state.revenue,
                    value: policy.planned[a][0].value,
                    quit_hazard,
                };
            }
            // Damp a rep whose update reverses (its best response is steep or jumps) and
            // undamp it while its updates keep their direction; a rep that reversed
            // twice is closing in on a steep or jumping point and stays damped.
            if change * last_change[j] < 0.0 && change.abs() > 1e3 * TOLERANCE {
                step[j] *= 0.5;
                reversals[j] += 1;
            } else if change * last_change[j] > 0.0 && reversals[j] < 2 {
                step[j] = (2.0 * step[j]).min(1.0);
            }
            last_change[j] = change;
            rep.book = book;
            rep.run_rate_revenue += step[j] * (rev - rep.run_rate_revenue);
            rep.run_rate_new_customers += step[j] * (nc - rep.run_rate_new_customers);
            rep.outside_option = rep.base_salary + policy.planned[a][0].value + premiums[j];
            settled[j] = independent && gap <= TOLERANCE;
        }
        // Stop when every rep has settled or keeps reversing across a jump.
        let done = (0..n).all(|j| best[j].gap <= TOLERANCE || reversals[j] >= STUCK_REVERSALS);
        if residual <= TOLERANCE || done {
            break;
        }
    }
    for ((rep, fitted), premium) in model.reps_mut().iter_mut().zip(&best).zip(&premiums) {
        rep.book = fitted.book;
        rep.run_rate_revenue = fitted.run_rate_revenue;
        rep.run_rate_new_customers = fitted.run_rate_new_customers;
        rep.outside_option = rep.base_salary + fitted.value + premium;
        rep.quit_hazard = fitted.quit_hazard;
    }
    let mut revenue = vec![0.0; len as usize];
    for fitted in &best {
        for (r, x) in revenue.iter_mut().zip(&fitted.revenue) {
            *r += x;
        }
    }
    model.set_status_quo(StatusQuoFit {
        iterations,
        residual: best.iter().map(|f| f.gap).fold(0.0, f64::max),
        unsettled: best.iter().filter(|f| f.gap > UNSETTLED).count(),
        revenue,
    });
    // The run solves the baseline again on the calibrated model: its choices are the
    // memo's (the model's reps differ from the iterations' in what they do not read).
    model.set_status_quo_choices(std::sync::Arc::new(memo.closed()));
    let drawn_premiums: Vec<f64> = premiums
        .iter()
        .zip(model.reps())
        .map(|(p, r)| p - model.hiring().map_or(0.0, |h| h.outside_premium(r.ability)))
        .collect();
    hire_types(&mut model, &cycle, &drawn_premiums);
    model
}

/// Makes the hiring pool's types of every slot (docs/model.md section 10.1): the slot's
/// rep with the type's ability, its calibrated book and run-rates (the slot's
/// territory and targets), and the outside option of that ability: salary, the status
/// quo's certainty equivalent per period for the type (solved on the status quo's
/// window from the slot's steady state) and the slot's drawn premium plus the rise
/// with ability. Nothing to do without a pool.
fn hire_types(model: &mut Model, cycle: &Model, drawn_premiums: &[f64]) {
    let Some(hiring) = model.hiring() else {
        return;
    };
    let hiring = hiring.clone();
    let mut reps = Vec::with_capacity(model.reps().len() * hiring.type_count());
    for (rep, premium) in model.reps().iter().zip(drawn_premiums) {
        for &ability in hiring.types() {
            let mut hire = rep.clone();
            hire.ability = ability;
            hire.outside_option = premium + hiring.outside_premium(ability);
            reps.push(hire);
        }
    }
    let window = model.with_reps(reps.clone(), cycle.periods());
    let policy = behaviour::solve(&window, window.baseline(), &PlanningStart::initial(&window));
    for (hire, planned) in reps.iter_mut().zip(policy.planned()) {
        hire.outside_option += hire.base_salary + planned[0].value;
    }
    if let Some(h) = model.hiring_mut() {
        h.set_reps(reps);
    }
}

/// A rep's status-quo state at one iteration of the fixed point.
#[derive(Clone, Debug, Default)]
struct Fitted {
    /// Relative gap between the run-rates evaluated and those they led to.
    gap: f64,
    run_rate_revenue: f64,
    run_rate_new_customers: f64,
    book: f64,
    /// The status quo's expected revenue in each period of the window.
    revenue: Vec<f64>,
    value: f64,
    quit_hazard: f64,
}

/// The periodic steady state of rep `j` under a cycle's efforts: `path[t]` is the
/// (acquisition, service, quit hazard) of period `t` of the cycle. Returns the book at
/// the cycle's start that the cycle reproduces (or `given`), and the expected revenue
/// and new customers per period over the cycle from it.
///
/// Each period the book loses churn, gains the conversions, and, if the rep leaves,
/// loses the handover share: `b' = (b (1 - q) + conversions) (1 - pi h)`, linear in
/// `b`, so the stationary book of the cycle's map `b -> A b + B` is `B / (1 - A)`.
fn periodic_state(
    model: &Model,
    j: usize,
    path: &[(f64, f64, f64)],
    given: Option<f64>,
) -> Periodic {
    let rep = &model.reps()[j];
    let rules = model.rules();
    let len = path.len() as f64;
    // A slot's occupant is a hire of tenure k < ramp_periods with the stationary
    // probability pi (1 - pi)^k (pi: the slot's mean quit hazard over the cycle), so
    // productivity carries the hires' expected ramp-up.
    let quit = path.iter().map(|p| p.2).sum::<f64>() / len;
    // A roster's tenures are data: those slots start with their occupant.
    let mixed = if rep.tenure_given {
        0
    } else {
        rules.ramp_periods.min(rep.tenure)
    };
    let hires: Vec<(f64, f64)> = (0..mixed)
        .map(|k| (quit * (1.0 - quit).powi(k as i32), rules.ramp(k)))
        .collect();
    let hire_share: f64 = hires.iter().map(|h| h.0).sum();
    let hire_ramp: f64 = hires.iter().map(|h| h.0 * h.1).sum();
    let productivity = |t: usize| {
        let training = model
            .baseline()
            .training
            .as_ref()
            .filter(|tr| tr.in_period(t as u32))
            .map_or(0.0, |tr| tr.time_share * tr.share);
        let ramp = (1.0 - hire_share) * rules.ramp(rep.tenure + t as u32) + hire_ramp;
        rep.ability
            * rules.initial_skill
            * ramp
            * model.market().season_at(t as u32)
            * (1.0 - training)
    };
    match model.outcome() {
        Outcome::Funnel(f) => {
            let (mut a, mut b) = (1.0, 0.0);
            for (t, &(h, s, quit)) in path.iter().enumerate() {
                let keep = (1.0 - f.churn(s)) * (1.0 - quit * rules.handover_loss);
                let conversions = f.new_customers_per_effort * productivity(t) * h * f.conversion;
                a *= keep;
                b = b * keep + conversions * (1.0 - quit * rules.handover_loss);
            }
            let book = given.unwrap_or(if a < 1.0 { b / (1.0 - a) } else { 0.0 });
            let (mut nc, mut bt) = (0.0, book);
            let mut revenue = Vec::with_capacity(path.len());
            for (t, &(h, s, quit)) in path.iter().enumerate() {
                let leads = f.new_customers_per_effort * productivity(t) * h;
                let kept = bt * (1.0 - f.churn(s));
                revenue.push(kept * f.recurring_revenue + leads * f.conversion * f.deal_mean);
                nc += leads;
                bt = (kept + leads * f.conversion) * (1.0 - quit * rules.handover_loss);
            }
            Periodic {
                book,
                run_rate_revenue: revenue.iter().sum::<f64>() / len,
                run_rate_new_customers: nc / len,
                revenue,
            }
        }
        Outcome::LinearNormal { .. } => {
            let revenue: Vec<f64> = path
                .iter()
                .enumerate()
                .map(|(t, &(h, _, _))| productivity(t) * h)
                .collect();
            Periodic {
                book: 0.0,
                run_rate_revenue: revenue.iter().sum::<f64>() / len,
                run_rate_new_customers: 0.0,
                revenue,
            }
        }
    }
}

/// A rep's periodic steady state over the window.
struct Periodic {
    /// Book at the window's start.
    book: f64,
    /// Mean revenue per period.
    run_rate_revenue: f64,
    /// Mean new customers per period.
    run_rate_new_customers: f64,
    /// Expected revenue in each period of the window.
    revenue: Vec<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::behaviour::Policy;
    use crate::model::{Plan, Rep};
    use crate::scenario::default_scenario;

    /// Asserts that two policies are the same bit for bit ([`Policy::first_difference`]).
    fn assert_same(a: &Policy, b: &Policy, model: &Model) {
        if let Some(difference) = a.first_difference(b, model.reps().len()) {
            panic!("{difference}");
        }
    }

    #[test]
    fn a_memo_gives_the_choices_of_solving_again_from_new_books_and_run_rates() {
        let model = Model::new(&default_scenario());
        let baseline = model.baseline().clone();
        let memo = ChoiceMemo::new(&baseline);
        let solve_memo = |m: &Model, plan: &Plan| {
            behaviour::solve_with(m, plan, &PlanningStart::initial(m), Search::Memo(&memo))
        };
        let solve = |m: &Model, plan: &Plan| {
            behaviour::solve_with(m, plan, &PlanningStart::initial(m), Search::Fast)
        };
        // The commission-only status quo pays on effort alone: its choices are recorded.
        assert_same(
            &solve_memo(&model, &baseline),
            &solve(&model, &baseline),
            &model,
        );
        let recorded = memo.len();
        assert!(recorded > 0);
        // What the calibration's iterations change: books, run-rates (so targets) and
        // outside options (so quit hazards). Every choice is looked up, none searched.
        let reps = model
            .reps()
            .iter()
            .map(|r| Rep {
                book: r.book * 1.3 + 1.0,
                run_rate_revenue: r.run_rate_revenue * 0.9,
                run_rate_new_customers: r.run_rate_new_customers * 1.1,
                outside_option: r.outside_option + 500.0,
                ..r.clone()
            })
            .collect();
        let moved = model.with_reps(reps, model.periods());
        assert_same(
            &solve_memo(&moved, &baseline),
            &solve(&moved, &baseline),
            &moved,
        );
        assert_eq!(memo.len(), recorded);
        // The calibrated model's own memo, closed, gives the status quo's choices (its
        // clones share it).
        let kept = model
            .status_quo_choices()
            .expect("the status quo pays on effort alone");
        assert!(!kept.is_empty() && kept.serves(&baseline));
        let plain = behaviour::solve(&moved, &baseline, &PlanningStart::initial(&moved));
        assert_same(&plain, &solve(&moved, &baseline), &moved);
        let hires = moved.with_reps(
            moved
                .reps()
                .iter()
                .map(|r| Rep {
                    ability: r.ability * 1.2,
                    ..r.clone()
                })
                .collect(),
            moved.periods(),
        );
        let plain = behaviour::solve(&hires, &baseline, &PlanningStart::initial(&hires));
        assert_same(&plain, &solve(&hires, &baseline), &hires);
        // The plan pays on attainment and the team: nothing is recorded, the same policy.
        let plan = model.plan().clone();
        assert_same(&solve_memo(&moved, &plan), &solve(&moved, &plan), &moved);
        // (The comparison tells different tables apart: the plan's from the baseline's.)
        assert!(solve(&moved, &plan)
            .first_difference(&solve(&moved, &baseline), moved.reps().len())
            .is_some());
        assert_eq!(memo.len(), recorded);
    }
}
