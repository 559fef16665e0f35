//! Team pay and tournaments (docs/model.md section 8.5): where one rep's pay depends
//! on the others' effort, the passes that make efforts mutually consistent, and
//! whether they are.

use super::choice::Search;
use super::forecast::{forecast, productivities, score};
use super::pass::solve_pass;
use super::policy::{Cell, Policy};
use super::{PlanningStart, TEAM_PASSES};
use crate::model::{Model, Plan};
use crate::normal;

/// Whether the reps' efforts are mutually consistent where they must anticipate each
/// other (a tournament's cut-off, a team bonus).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Equilibrium {
    /// Each rep's plan depends only on their own results: nothing to make consistent.
    NotNeeded,
    /// An equilibrium was found.
    Found {
        /// Solver passes it took.
        passes: usize,
    },
    /// No equilibrium in pure strategies was found: the policy is the last pass's,
    /// and reported figures rest on beliefs the reps' own efforts contradict.
    NotFound {
        /// What is inconsistent: the tournament's cut-off, or team efforts.
        what: EquilibriumGap,
        /// The size of the inconsistency: the gap between the believed and the implied
        /// cut-off (score units), or the largest change of effort between the last
        /// two passes.
        gap: f64,
        /// Solver passes made.
        passes: usize,
    },
}

/// The belief that failed to settle when no equilibrium was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EquilibriumGap {
    /// The tournament's promotion cut-off: the best response jumps across it.
    TournamentCutoff,
    /// Team efforts under a team bonus: best responses keep cycling.
    TeamEfforts,
}

impl Equilibrium {
    /// True unless an equilibrium was needed and not found.
    pub fn holds(&self) -> bool {
        !matches!(self, Equilibrium::NotFound { .. })
    }

    /// The first failure of `self` and `other`, or the one that holds.
    pub fn and(self, other: Equilibrium) -> Equilibrium {
        if self.holds() {
            other
        } else {
            self
        }
    }

    /// A sentence for users when no equilibrium was found, else None.
    pub fn problem(&self) -> Option<String> {
        match self {
            Equilibrium::NotFound {
                what: EquilibriumGap::TournamentCutoff,
                gap,
                passes,
            } => Some(format!(
                "the tournament has no equilibrium in pure strategies: after {passes} passes the \
                 reps' best effort jumps across the promotion cut-off they believe in (the cut-off \
                 their efforts imply differs by {gap:.3} in score), so effort and promotion \
                 figures rest on a belief the reps' own efforts contradict; a larger promoted \
                 share, a smaller prize or more noise in results restores one"
            )),
            Equilibrium::NotFound {
                what: EquilibriumGap::TeamEfforts,
                gap,
                passes,
            } => Some(format!(
                "the team bonus has no equilibrium the solver could find: after {passes} \
                 passes the reps' best responses to each other still change effort by {gap:.3}"
            )),
            _ => None,
        }
    }
}

/// Solves a plan's policy from a planning start.
///
/// Where reps must anticipate each other, efforts are made mutually consistent: under
/// a team bonus by repeated best responses to the team's planned efforts; in a
/// tournament whose cut-off the start does not fix, by finding the cut-off `c` at
/// which the cut-off the reps' best responses imply equals `c`. That search brackets
/// the root of `implied(c) - c` and closes the bracket by the Illinois method, so it
/// converges however steeply effort responds to the cut-off; where the implied cut-off
/// jumps across `c` (the best response jumps), there is no equilibrium in pure
/// strategies, and the policy says so ([`Equilibrium::NotFound`]).
///
/// With a hiring pool (docs/model.md section 10.1) the policy also holds, after the
/// team's rows, a row for each slot's hire types (row `R + slot * G + g`), solved on
/// [`Model::hire_model`] from the slot's expected state: the slot's traits with the
/// type's ability. Hires do not enter the team's equilibrium (validation refuses pay
/// that depends on the team with a pool).
///
/// The status quo's choices the model's calibration searched are looked up, not searched
/// again, where the plan is the status quo (`Model::status_quo_choices`).
pub fn solve(model: &Model, plan: &Plan, start: &PlanningStart) -> Policy {
    let search = match model.status_quo_choices() {
        Some(memo) if memo.serves(plan) => Search::Memo(memo),
        _ => Search::Fast,
    };
    solve_with(model, plan, start, search)
}

/// [`solve`] with a chosen search for best efforts (the exhaustive reference, or both
/// audited against each other): for tests of the fast search.
#[doc(hidden)]
pub fn solve_with(model: &Model, plan: &Plan, start: &PlanningStart, search: Search<'_>) -> Policy {
    solve_configured(model, plan, start, search, true)
}

/// [`solve`] with every rep solved on its own, even where reps' planning inputs are
/// identical: the reference of the tests of shared solves (docs/model.md section 8.4).
#[doc(hidden)]
pub fn solve_unshared(model: &Model, plan: &Plan, start: &PlanningStart) -> Policy {
    solve_configured(model, plan, start, Search::Fast, false)
}

/// [`solve`] with a chosen search, sharing the solve of identical reps or not.
fn solve_configured(
    model: &Model,
    plan: &Plan,
    start: &PlanningStart,
    search: Search<'_>,
    sharing: bool,
) -> Policy {
    let mut policy = solve_team(model, plan, start, search, sharing);
    if let (Some(hires), Some(hiring)) = (model.hire_model(), model.hiring()) {
        let g = hiring.type_count();
        let hire_start = PlanningStart {
            period: start.period,
            reps: start
                .reps
                .iter()
                .flat_map(|r| std::iter::repeat_n(r.clone(), g))
                .collect(),
            tournament_cutoff: start.tournament_cutoff,
        };
        let hire_policy = solve_team(&hires, plan, &hire_start, search, sharing);
        if hiring.applicants_respond() {
            policy.hire_cdf = super::applicants::acceptance_cdf(hiring, &hires, &hire_policy);
        }
        policy.append_rows(&hire_policy);
    }
    policy
}

/// [`solve`] for the team's own reps.
fn solve_team(
    model: &Model,
    plan: &Plan,
    start: &PlanningStart,
    search: Search<'_>,
    sharing: bool,
) -> Policy {
    let tournament = plan
        .tournament_share()
        .filter(|_| start.tournament_cutoff.is_none());
    let Some(share) = tournament else {
        let cutoff = start.tournament_cutoff.unwrap_or(f64::NAN);
        let (mut policy, equilibrium, _) =
            solve_consistent(model, plan, start, cutoff, search, sharing);
        if plan.tournament_share().is_none() {
            policy.tournament_cutoff = f64::NAN;
        }
        policy.equilibrium = equilibrium;
        return policy;
    };
    let spent = std::cell::Cell::new(0usize);
    let attempt = |c: f64| {
        let (policy, equilibrium, n) = solve_consistent(model, plan, start, c, search, sharing);
        spent.set(spent.get() + n);
        let implied = equilibrium_cutoff(model, plan, start, &policy.planned, share);
        (implied - c, policy, equilibrium)
    };
    let tolerance = |c: f64| CUTOFF_TOLERANCE * (1.0 + c.abs());
    let bracket_tolerance = |c: f64| BRACKET_TOLERANCE * (1.0 + c.abs());
    let reference = vec![vec![Cell::reference(model)]; model.reps().len()];
    let c0 = equilibrium_cutoff(model, plan, start, &reference, share);
    let (g0, p0, e0) = attempt(c0);
    if g0.abs() <= tolerance(c0) {
        return finish(p0, e0, c0, spent.get());
    }
    // Bracket the root: step from c0 in the direction of the implied cut-off by the gap,
    // doubling the step until the gap changes sign.
    let direction = g0.signum();
    let mut step = g0.abs();
    let (mut a, mut ga) = (c0, g0);
    let mut best = (g0.abs(), p0, e0, c0);
    let (mut b, mut gb);
    loop {
        b = a + direction * step;
        let (g, p, e) = attempt(b);
        gb = g;
        if g.abs() < best.0 {
            best = (g.abs(), p, e, b);
        }
        if g.abs() <= tolerance(b) {
            let (_, p, e, c) = best;
            return finish(p, e, c, spent.get());
        }
        if g.signum() != direction {
            break;
        }
        if spent.get() > MAX_CUTOFF_PASSES {
            return not_found(best, spent.get());
        }
        (a, ga) = (b, g);
        step *= 2.0;
    }
    // Illinois: regula falsi that halves the weight of an end kept twice in a row.
    while (b - a).abs() > bracket_tolerance(a.abs().max(b.abs()))
        && spent.get() <= MAX_CUTOFF_PASSES
    {
        let c = (a * gb - b * ga) / (gb - ga);
        let c = if c.is_finite() && (a.min(b)..=a.max(b)).contains(&c) {
            c
        } else {
            0.5 * (a + b)
        };
        let (g, p, e) = attempt(c);
        if g.abs() < best.0 {
            best = (g.abs(), p, e, c);
        }
        if g.abs() <= tolerance(c) {
            let (_, p, e, c) = best;
            return finish(p, e, c, spent.get());
        }
        if g.signum() != gb.signum() {
            (a, ga) = (b, gb);
        } else {
            ga *= 0.5;
        }
        (b, gb) = (c, g);
    }
    // The bracket closed without the gap closing: the implied cut-off jumps across it,
    // unless the remaining gap is within the solver's own effort resolution.
    if best.0 <= JUMP_TOLERANCE * (1.0 + best.3.abs()) {
        let (_, p, e, c) = best;
        return finish(p, e, c, spent.get());
    }
    not_found(best, spent.get())
}

/// Largest gap between a believed and an implied tournament cut-off that counts as an
/// equilibrium, relative to 1 + |cut-off|.
const CUTOFF_TOLERANCE: f64 = 1e-9;
/// Width of the bracket, relative to 1 + |cut-off|, at which the search stops.
const BRACKET_TOLERANCE: f64 = 1e-7;
/// Where the bracket has closed, the gap still accepted as an equilibrium: the best
/// response is found on a grid refined to about 4e-6 of the effort range, so the
/// implied cut-off moves in steps of that order; a jump of the best response moves it
/// by far more.
const JUMP_TOLERANCE: f64 = 1e-4;
/// Most solver passes spent searching for a tournament's cut-off.
const MAX_CUTOFF_PASSES: usize = 200;

fn finish(mut policy: Policy, inner: Equilibrium, cutoff: f64, passes: usize) -> Policy {
    policy.tournament_cutoff = cutoff;
    policy.equilibrium = inner.and(Equilibrium::Found { passes });
    policy
}

fn not_found(best: (f64, Policy, Equilibrium, f64), passes: usize) -> Policy {
    let (gap, mut policy, _, cutoff) = best;
    policy.tournament_cutoff = cutoff;
    policy.equilibrium = Equilibrium::NotFound {
        what: EquilibriumGap::TournamentCutoff,
        gap,
        passes,
    };
    policy
}

/// The policy under a fixed tournament cut-off belief, with efforts made consistent
/// across the team where pay depends on the team; also the passes it took.
fn solve_consistent(
    model: &Model,
    plan: &Plan,
    start: &PlanningStart,
    cutoff: f64,
    search: Search<'_>,
    sharing: bool,
) -> (Policy, Equilibrium, usize) {
    // Team bonuses need the reps' efforts to be mutually consistent; a team share of the
    // raise only nudges them (two passes); individual plans need one pass.
    let passes = if plan.team_bonus() {
        TEAM_PASSES
    } else if plan.strategic() {
        2
    } else {
        1
    };
    let mut guide: Option<Vec<Vec<Cell>>> = None;
    let mut change = f64::INFINITY;
    for pass in 1..=passes {
        let p = solve_pass(model, plan, start, guide.as_ref(), cutoff, search, sharing);
        if let Some(g) = &guide {
            change = max_effort_change(g, &p.planned);
        }
        if pass == passes || change < 1e-7 {
            let equilibrium = if !plan.team_bonus() {
                Equilibrium::NotNeeded
            } else if change < 1e-7 {
                Equilibrium::Found { passes: pass }
            } else {
                Equilibrium::NotFound {
                    what: EquilibriumGap::TeamEfforts,
                    gap: change,
                    passes: pass,
                }
            };
            return (p, equilibrium, pass);
        }
        guide = Some(p.planned);
    }
    unreachable!("the loop returns on its last pass")
}

/// Largest change in planned effort between two passes.
fn max_effort_change(a: &[Vec<Cell>], b: &[Vec<Cell>]) -> f64 {
    a.iter()
        .zip(b)
        .flat_map(|(x, y)| x.iter().zip(y))
        .map(|(x, y)| {
            (x.acquisition - y.acquisition)
                .abs()
                .max((x.service - y.service).abs())
        })
        .fold(0.0, f64::max)
}

/// The (1 - share) quantile of the team's first-cycle score at the planned efforts.
fn equilibrium_cutoff(
    model: &Model,
    plan: &Plan,
    start: &PlanningStart,
    planned: &[Vec<Cell>],
    share: f64,
) -> f64 {
    let len = plan.cycle_len;
    let t0 = start.period;
    let end = ((t0 / len + 1) * len).min(model.periods());
    let cv2 = model.market().cv2();
    let scores: Vec<(f64, f64)> = model
        .reps()
        .iter()
        .enumerate()
        .map(|(j, rep)| {
            let rs = &start.reps[j];
            let prod = productivities(model, plan, rep, rs.skill, rs.tenure, t0, end);
            let e = planned[j][0];
            let fc = forecast(
                model,
                plan,
                &prod[..(end - t0) as usize],
                rs.book,
                e.acquisition,
                e.service,
                cv2,
            );
            let target = model.cycle_targets(rep, t0, end, rs.last_cycle);
            let (m, v) = score(plan, &fc, target, true);
            (m, v.sqrt())
        })
        .collect();
    mixture_quantile(&scores, 1.0 - share)
}

/// Quantile of an equal-weight mixture of normals, by bisection.
pub fn mixture_quantile(components: &[(f64, f64)], p: f64) -> f64 {
    let cdf = |x: f64| {
        components
            .iter()
            .map(|&(m, s)| {
                if s > 0.0 {
                    normal::cdf((x - m) / s)
                } else if x >= m {
                    1.0
                } else {
                    0.0
                }
            })
            .sum::<f64>()
            / components.len() as f64
    };
    let lo0 = components
        .iter()
        .map(|&(m, s)| m - 10.0 * s - 1.0)
        .fold(f64::INFINITY, f64::min);
    let hi0 = components
        .iter()
        .map(|&(m, s)| m + 10.0 * s + 1.0)
        .fold(f64::NEG_INFINITY, f64::max);
    let (mut lo, mut hi) = (lo0, hi0);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if cdf(mid) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// The score cut-off reps believe training as a reward selects at (docs/model.md
/// section 5.6): the (1 - k / R) quantile of the team's first-cycle score if everyone
/// gave the reference effort, k of the R reps trained; minus infinity when all are,
/// NaN when training is not a reward.
pub(super) fn training_cutoff(model: &Model, plan: &Plan, start: &PlanningStart) -> f64 {
    let Some(tr) = plan.training.as_ref().filter(|t| t.is_reward()) else {
        return f64::NAN;
    };
    let n = model.reps().len();
    let k = tr.trainees(n);
    if k >= n {
        return f64::NEG_INFINITY;
    }
    let reference = vec![vec![Cell::reference(model)]; n];
    equilibrium_cutoff(model, plan, start, &reference, k as f64 / n as f64)
}

/// The cut-off reps believe in before they have seen a tournament: the (1 - share)
/// quantile of the team's first-cycle score if everyone gave the reference effort.
pub fn naive_cutoff(model: &Model, plan: &Plan, start: &PlanningStart) -> Option<f64> {
    let share = plan.tournament_share()?;
    let reference = vec![vec![Cell::reference(model)]; model.reps().len()];
    Some(equilibrium_cutoff(model, plan, start, &reference, share))
}
