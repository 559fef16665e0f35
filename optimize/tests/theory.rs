//! The optimiser recovers closed-form optima in the linear-normal model (docs/model.md):
//! output y = e + N(0, sigma^2) a rep-month, effort cost c e^2 / 2, commission beta.

use std::sync::atomic::AtomicBool;

use plansim_optimize::Settings;
use plansim_optimize::SettingsParams;
use plansim_optimize::{optimize, DecisionSpace, Evaluator};
use plansim_sim::scenario::{parse_and_validate, ObjectiveKind, SolverKind};

const REPS: usize = 20;
const PERIODS: usize = 6;

fn scenario(
    r: f64,
    c: f64,
    sigma: f64,
    objective: &str,
    budget: f64,
) -> plansim_sim::scenario::ValidScenario {
    let text = format!(
        r#"
[simulation]
periods = {PERIODS}
[team]
size = {REPS}
ability = {{ mean = 1.0, sd = 0.0 }}
effort_cost = {{ mean = {c}, sd = 0.0 }}
risk_aversion = {{ mean = {r}, sd = 0.0 }}
promotion_value = {{ mean = 0.0, sd = 0.0 }}
outside_premium = {{ mean = 0.0, sd = 0.0 }}
base_salary = {{ mean = 1.0, sd = 0.0 }}
min_effort = {{ acquisition = 0.0, service = 0.0 }}
max_effort = {{ acquisition = 4.0, service = 1.0 }}
reference_effort = {{ acquisition = 0.0, service = 0.0 }}
base_quit_rate = 0.0
[market]
seasonality = [1.0]
shock_sd = 0.0
[outcome]
model = "linear_normal"
[outcome.linear_normal]
noise_sd = {sigma}
[targets]
revenue = {{ mode = "absolute", value = 1.0 }}
[plan]
kpi = {{ revenue = 1.0, new_customers = 0.0 }}
[plan.commission]
rate = 0.2
[baseline]
kpi = {{ revenue = 1.0, new_customers = 0.0 }}
[optimize]
objective = "{objective}"
budget = {budget}
[[optimize.variables]]
path = "plan.commission.rate"
min = 0.0
max = 1.0
"#
    );
    parse_and_validate(&text, "theory", None).unwrap_or_else(|e| panic!("{e}"))
}

fn params(objective: ObjectiveKind, budget: f64, replications: u64, seed: u64) -> SettingsParams {
    Settings::params(objective, budget)
        .replications(replications)
        .certify_replications(replications)
        .max_evaluations(80)
        .solver(SolverKind::NelderMead)
        .seed(seed)
}

fn settings(objective: ObjectiveKind, budget: f64, replications: u64, seed: u64) -> Settings {
    params(objective, budget, replications, seed)
        .check()
        .expect("valid settings")
}

/// Maximising expected output subject to expected pay <= B per rep-month gives
/// beta* = sqrt(c B). On the search's seed set the expected-pay constraint is the
/// sample one, beta (beta / c + sigma eps_bar) <= B + margin, where eps_bar is the mean
/// noise over the N = replications x reps x months draws; so the sample optimum
/// moves from sqrt(c B) by about sigma c / 2 eps_bar (standard error
/// sigma c / (2 sqrt N)), plus the feasibility margin of 2 standard errors of the
/// cost, whose effect on beta is 2 se_cost / (d cost / d beta) = 2 se_cost c / (2 beta).
#[test]
fn budget_only_commission_is_sqrt_c_b() {
    let (c, sigma, b) = (1.0, 1.0, 0.25);
    let replications = 400;
    let total_budget = b * (REPS * PERIODS) as f64;
    let valid = scenario(0.0, c, sigma, "revenue", total_budget);
    let space = DecisionSpace::new(&valid, valid.scenario().optimize.as_ref().unwrap()).unwrap();
    let evaluator = Evaluator::new(
        &valid,
        space,
        settings(ObjectiveKind::Revenue, total_budget, replications, 42),
    )
    .expect("a valid budget");
    let outcome = optimize(&evaluator, &AtomicBool::new(false), &|_, _| {}).unwrap();
    let best = outcome.best().expect("a feasible plan");
    let beta = best.x[0];
    let beta_star = (c * b).sqrt();
    let n = (replications as usize * REPS * PERIODS) as f64;
    let se_beta = sigma * c / (2.0 * n.sqrt());
    // The margin pulls beta down by about 2 se_cost c / (2 beta) per rep-month.
    let margin_shift = 2.0 * best.cost.std_err / (REPS * PERIODS) as f64 * c / (2.0 * beta_star);
    // 1e-3: Nelder-Mead stops at a simplex of losses agreeing to 1e-6 around the kink
    // the budget penalty makes, a few parts in 1e4 of beta.
    let tolerance = 4.5 * se_beta + margin_shift + 1e-3;
    assert!(
        (beta - beta_star).abs() <= tolerance,
        "beta {beta} vs sqrt(cB) {beta_star} (tolerance {tolerance})"
    );
    assert!(best.cost.mean <= total_budget);
}

/// Maximising expected profit when the salary keeps each rep exactly at the outside
/// option (participation binds) gives beta* = 1 / (1 + r c sigma^2) (Holmstrom and
/// Milgrom 1987). The objective's noise, sum of sigma eps, does not depend on beta, so
/// the sample optimum is exact; the tolerance is the search's: Nelder-Mead stops
/// when its simplex's losses agree to 1e-6 of the starting profit, and profit is
/// quadratic, -(beta - beta*)^2 (1 + r c sigma^2) / (2 c) a rep-month, so beta is
/// within sqrt(2e-6 x profit(start) c / (1 + r c sigma^2)) plus one part in 1e4
/// of the behaviour solver's effort.
#[test]
fn participation_profit_commission_is_holmstrom_milgrom() {
    for (r, c, sigma) in [(1.0, 1.0, 1.0), (0.5, 2.0, 0.8)] {
        let valid = scenario(r, c, sigma, "profit_participation", 1e12);
        let space =
            DecisionSpace::new(&valid, valid.scenario().optimize.as_ref().unwrap()).unwrap();
        let evaluator = Evaluator::new(
            &valid,
            space,
            settings(ObjectiveKind::ProfitParticipation, 1e12, 64, 7),
        )
        .expect("a valid budget");
        let outcome = optimize(&evaluator, &AtomicBool::new(false), &|_, _| {}).unwrap();
        let best = outcome.best().expect("feasible");
        let beta_star = 1.0 / (1.0 + r * c * sigma * sigma);
        let start_profit = outcome.evaluations[0].objective.mean / (REPS * PERIODS) as f64;
        let tolerance =
            (2e-6 * start_profit.abs() * c / (1.0 + r * c * sigma * sigma)).sqrt() + 1e-4 * 4.0;
        assert!(
            (best.x[0] - beta_star).abs() <= tolerance,
            "r={r} c={c} sigma={sigma}: beta {} vs {beta_star} (tolerance {tolerance})",
            best.x[0]
        );
    }
}

/// Particle swarm alone (no Nelder-Mead polish) finds the budget-only optimum
/// beta* = sqrt(c B) of [`budget_only_commission_is_sqrt_c_b`]. The swarm's own
/// resolution after 80 evaluations of 8 particles in one dimension is coarser than
/// Nelder-Mead's: it is allowed 0.01 (2 % of beta*) on top of the sampling error and
/// the margin's shift.
#[test]
fn particle_swarm_alone_finds_sqrt_c_b() {
    let (c, sigma, b) = (1.0, 1.0, 0.25);
    let replications = 400;
    let total_budget = b * (REPS * PERIODS) as f64;
    let valid = scenario(0.0, c, sigma, "revenue", total_budget);
    let space = DecisionSpace::new(&valid, valid.scenario().optimize.as_ref().unwrap()).unwrap();
    let s = params(ObjectiveKind::Revenue, total_budget, replications, 11)
        .solver(SolverKind::ParticleSwarm)
        .check()
        .expect("valid settings");
    let evaluator = Evaluator::new(&valid, space, s).expect("a valid budget");
    let outcome = optimize(&evaluator, &AtomicBool::new(false), &|_, _| {}).unwrap();
    assert_eq!(outcome.solver, "particle-swarm");
    let best = outcome.best().expect("a feasible plan");
    let beta_star = (c * b).sqrt();
    let n = (replications as usize * REPS * PERIODS) as f64;
    let se_beta = sigma * c / (2.0 * n.sqrt());
    let margin_shift = 2.0 * best.cost.std_err / (REPS * PERIODS) as f64 * c / (2.0 * beta_star);
    let tolerance = 4.5 * se_beta + margin_shift + 0.01;
    assert!(
        (best.x[0] - beta_star).abs() <= tolerance,
        "beta {} vs sqrt(cB) {beta_star} (tolerance {tolerance})",
        best.x[0]
    );
    assert!(best.feasible && best.cost.mean <= total_budget);
}

/// The chance constraint P(cost > B) <= alpha. A replication's cost is
/// beta sum(y) = beta (beta N / c + sigma sqrt(N) Z) over its N rep-months, so
/// P(cost > B) = 1 - Phi(g(beta)) with g(beta) = (B - beta^2 N / c) / (beta sigma sqrt N),
/// and the largest commission that keeps it is the root of
/// (N / c) beta^2 + z sigma sqrt(N) beta - B = 0, z = Phi^-1(1 - alpha). With alpha = 0.1
/// it binds before the expected-cost rule does. On n replications the search sees the
/// empirical overrun share, whose (1 - alpha) quantile of Z has standard error
/// sqrt(alpha (1 - alpha) / n) / phi(z); in beta that is divided by |g'(beta)| =
/// (beta^2 N / c + B) / (beta^2 sigma sqrt N).
#[test]
fn the_chance_constraint_binds_where_theory_says() {
    let (c, sigma, b, alpha) = (1.0, 1.0, 0.25, 0.1);
    let replications = 400u64;
    let n_rep_months = (REPS * PERIODS) as f64;
    let total_budget = b * n_rep_months;
    let valid = scenario(0.0, c, sigma, "revenue", total_budget);
    let space = DecisionSpace::new(&valid, valid.scenario().optimize.as_ref().unwrap()).unwrap();
    let s = params(ObjectiveKind::Revenue, total_budget, replications, 23)
        .max_overrun_probability(Some(alpha))
        .check()
        .expect("valid settings");
    let evaluator = Evaluator::new(&valid, space, s).expect("a valid budget");
    let outcome = optimize(&evaluator, &AtomicBool::new(false), &|_, _| {}).unwrap();
    let best = outcome.best().expect("a feasible plan");

    let z = plansim_sim::normal::quantile(1.0 - alpha);
    let (qa, qb) = (n_rep_months / c, z * sigma * n_rep_months.sqrt());
    let beta_alpha = (-qb + (qb * qb + 4.0 * qa * total_budget).sqrt()) / (2.0 * qa);
    // Without the chance constraint the budget would allow about sqrt(c b) = 0.5.
    assert!(
        beta_alpha < 0.47,
        "the case must make the chance constraint bind"
    );
    let se_z = (alpha * (1.0 - alpha) / replications as f64).sqrt() / plansim_sim::normal::pdf(z);
    let slope = (beta_alpha * beta_alpha * n_rep_months / c + total_budget)
        / (beta_alpha * beta_alpha * sigma * n_rep_months.sqrt());
    // 0.005: Nelder-Mead on a penalty that steps by 1/n at each replication's overrun.
    let tolerance = 4.5 * se_z / slope + 0.005;
    assert!(
        (best.x[0] - beta_alpha).abs() <= tolerance,
        "beta {} vs {beta_alpha} (tolerance {tolerance})",
        best.x[0]
    );
    assert!(best.overrun_probability <= alpha);
}

/// The staged search (the default: the particle swarm and Nelder-Mead explore on an
/// eighth of the replications, the final candidates are evaluated on all of them)
/// finds the budget-only optimum beta* = sqrt(c B) of
/// [`budget_only_commission_is_sqrt_c_b`], and chooses its winner on the full count:
/// the start and the final candidates are the only evaluations on all replications,
/// the final candidates are the explored points of least loss, and the winner is the
/// best of those. The explored points carry the explore count's errors: its sampling
/// error (sqrt(8) times the full count's, on an eighth of the draws) and its
/// feasibility margin (two of its standard errors of cost, sqrt(8) times the full
/// count's); 1e-3 is
/// Nelder-Mead's resolution at the budget's kink, as there.
#[test]
fn staged_search_finds_sqrt_c_b_and_chooses_on_the_full_count() {
    let (c, sigma, b) = (1.0, 1.0, 0.25);
    let replications = 400;
    let total_budget = b * (REPS * PERIODS) as f64;
    let valid = scenario(0.0, c, sigma, "revenue", total_budget);
    let space = DecisionSpace::new(&valid, valid.scenario().optimize.as_ref().unwrap()).unwrap();
    let s = params(ObjectiveKind::Revenue, total_budget, replications, 42)
        .solver(SolverKind::Auto)
        .check()
        .expect("valid settings");
    assert_eq!(s.explore_replications(), replications / 8);
    let rule = s.budget_rule();
    let evaluator = Evaluator::new(&valid, space, s).expect("a valid budget");
    let outcome = optimize(&evaluator, &AtomicBool::new(false), &|_, _| {}).unwrap();
    let evaluations = &outcome.evaluations;

    // The start first, the final candidates last, on the full count; the rest explored.
    let finals = plansim_optimize::search::final_candidates(1);
    let full: Vec<usize> = (0..evaluations.len())
        .filter(|&i| evaluations[i].replications == replications)
        .collect();
    let expected: Vec<usize> = std::iter::once(0)
        .chain(evaluations.len() - finals..evaluations.len())
        .collect();
    assert_eq!(full, expected);
    assert!(evaluations[1..evaluations.len() - finals]
        .iter()
        .all(|e| e.replications == replications / 8));

    // The final candidates are the explored points of least penalised loss.
    let scale = plansim_sim::budget::objective_scale(evaluations[0].objective.mean);
    let loss = |e: &plansim_optimize::Evaluation| {
        rule.penalised_loss(e.objective.mean, scale, &e.cost_estimate())
    };
    let mut explored: Vec<&plansim_optimize::Evaluation> = evaluations
        .iter()
        .filter(|e| e.replications < replications)
        .collect();
    explored.sort_by(|a, b| loss(a).total_cmp(&loss(b)));
    for (k, e) in explored.iter().take(finals).enumerate() {
        assert_eq!(evaluations[evaluations.len() - finals + k].x, e.x);
    }

    // The winner is the best selectable evaluation on the full count.
    let best = outcome.best().expect("a feasible plan");
    assert_eq!(best.replications, replications);
    assert!(best.selectable());
    for &i in &full {
        let e = &evaluations[i];
        assert!(!e.selectable() || e.objective.mean <= best.objective.mean);
    }

    let beta_star = (c * b).sqrt();
    let explore_draws = (replications as usize / 8 * REPS * PERIODS) as f64;
    let se_beta = sigma * c / (2.0 * explore_draws.sqrt());
    let margin_shift =
        2.0 * (8f64.sqrt() * best.cost.std_err) / (REPS * PERIODS) as f64 * c / (2.0 * beta_star);
    let tolerance = 4.5 * se_beta + margin_shift + 1e-3;
    assert!(
        (best.x[0] - beta_star).abs() <= tolerance,
        "beta {} vs sqrt(cB) {beta_star} (tolerance {tolerance})",
        best.x[0]
    );
    assert!(best.cost.mean <= total_budget);
}

/// With the explore stage off (explore replications = replications) every evaluation
/// is on the full count, as before the stages, and the search still finds
/// beta* = sqrt(c B) within [`budget_only_commission_is_sqrt_c_b`]'s tolerance.
#[test]
fn unstaged_search_evaluates_every_candidate_on_the_full_count() {
    let (c, sigma, b) = (1.0, 1.0, 0.25);
    let replications = 400;
    let total_budget = b * (REPS * PERIODS) as f64;
    let valid = scenario(0.0, c, sigma, "revenue", total_budget);
    let space = DecisionSpace::new(&valid, valid.scenario().optimize.as_ref().unwrap()).unwrap();
    let s = params(ObjectiveKind::Revenue, total_budget, replications, 42)
        .solver(SolverKind::Auto)
        .explore_replications(replications)
        .check()
        .expect("valid settings");
    assert!(!s.staged());
    let evaluator = Evaluator::new(&valid, space, s).expect("a valid budget");
    let outcome = optimize(&evaluator, &AtomicBool::new(false), &|_, _| {}).unwrap();
    assert!(outcome
        .evaluations
        .iter()
        .all(|e| e.replications == replications));
    let best = outcome.best().expect("a feasible plan");
    let beta_star = (c * b).sqrt();
    let n = (replications as usize * REPS * PERIODS) as f64;
    let se_beta = sigma * c / (2.0 * n.sqrt());
    let margin_shift = 2.0 * best.cost.std_err / (REPS * PERIODS) as f64 * c / (2.0 * beta_star);
    let tolerance = 4.5 * se_beta + margin_shift + 1e-3;
    assert!(
        (best.x[0] - beta_star).abs() <= tolerance,
        "beta {} vs sqrt(cB) {beta_star} (tolerance {tolerance})",
        best.x[0]
    );
}
