//! The `reoptimize` round policy finds the known optimum of each round, and so beats a
//! static plan under the same budget.
//!
//! In the linear-normal model (output y = e + N(0, sigma^2) a rep-month, effort cost
//! c e^2 / 2, no risk aversion) a commission beta gives effort e = beta / c and costs
//! beta^2 / c a rep-month in expectation. Maximising revenue (R L beta / c over a round
//! of L months and R reps) subject to the round's budget B_r makes the budget bind:
//! beta_r = sqrt(c B_r / (R L)). Reoptimize spreads what remains of the horizon's budget
//! evenly over the remaining rounds, and a candidate must keep to it with a margin of
//! two standard errors of its estimated cost, so the optimum it can reach solves
//!
//! ```text
//! beta^2 R L / c + 2 beta sigma sqrt(R L / n) = B_r,
//! ```
//!
//! n being the replications each candidate is evaluated on (the cost's standard error
//! is beta sigma sqrt(R L / n)). The estimate's own sampling error moves the sample
//! optimum by about sigma sqrt(R L / n) / (2 R L beta / c) = SE_beta; the test allows
//! 4.5 SE_beta plus the search's own tolerance.

use plansim_optimize::space::Variable;
use plansim_optimize::ReoptimizePolicy;
use plansim_sim::model::Model;
use plansim_sim::rounds::{run_rounds, RoundsSpec, StaticPolicy};
use plansim_sim::scenario::{parse_and_validate, ObjectiveKind, ValidScenario};

const REPS: f64 = 20.0;
const ROUND_LENGTH: u32 = 2;
const ROUNDS: u32 = 3;
const SIGMA: f64 = 1.0;
const COST: f64 = 1.0;
/// The start: a commission well below what the budget affords.
const START: f64 = 0.2;
/// Budget over the horizon: beta = 0.5 every round if spent evenly from the start.
const BUDGET: f64 = 0.25 * REPS * (ROUND_LENGTH * ROUNDS) as f64 / COST;
/// Replications each candidate is evaluated on.
const SAMPLE: usize = 64;

fn scenario() -> ValidScenario {
    let text = format!(
        r#"
[simulation]
periods = {periods}
[team]
size = {reps}
ability = {{ mean = 1.0, sd = 0.0 }}
effort_cost = {{ mean = {COST:?}, sd = 0.0 }}
risk_aversion = {{ mean = 0.0, sd = 0.0 }}
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
noise_sd = {SIGMA:?}
[targets]
revenue = {{ mode = "absolute", value = 1.0 }}
[plan]
kpi = {{ revenue = 1.0, new_customers = 0.0 }}
[plan.commission]
rate = {START:?}
[baseline]
kpi = {{ revenue = 1.0, new_customers = 0.0 }}
[budget]
incentive_cost = {BUDGET:?}
"#,
        periods = ROUND_LENGTH * ROUNDS,
        reps = REPS as u32,
    );
    parse_and_validate(&text, "reoptimize", None).unwrap_or_else(|e| panic!("{e}"))
}

/// The commission that spends `budget` in a round with the two-standard-error margin.
fn round_optimum(budget: f64) -> f64 {
    let rl = REPS * ROUND_LENGTH as f64;
    let a = rl / COST;
    let b = 2.0 * SIGMA * (rl / SAMPLE as f64).sqrt();
    (-b + (b * b + 4.0 * a * budget).sqrt()) / (2.0 * a)
}

#[test]
fn reoptimize_reaches_each_rounds_optimum_and_beats_static() {
    let valid = scenario();
    let model = Model::new(&valid);
    let paths = vec!["plan.commission.rate".to_string()];
    let policy = ReoptimizePolicy {
        variables: vec![Variable {
            path: paths[0].clone(),
            lower: 0.0,
            upper: 1.0,
        }],
        objective: ObjectiveKind::Revenue,
        evaluations: 30,
        replications: SAMPLE,
        seed: 5,
    };
    let spec = RoundsSpec::new(ROUNDS, ROUND_LENGTH, 17, 256).unwrap();
    let reopt = run_rounds(&model, &valid, &paths, &[START], &spec, &policy, &|_| {}).unwrap();
    let fixed = run_rounds(
        &model,
        &valid,
        &paths,
        &[START],
        &spec,
        &StaticPolicy,
        &|_| {},
    )
    .unwrap();

    let rl = REPS * ROUND_LENGTH as f64;
    let planning = &reopt.records; // 256 replications: all of them are the planning sample
    for round in 1..ROUNDS as usize {
        let beta = reopt.records[0].params[round][0];
        assert!(
            reopt.records.iter().all(|r| r.params[round][0] == beta),
            "reoptimize sets one plan for every replication"
        );
        let spent = planning
            .iter()
            .map(|r| r.observations[round - 1].spent)
            .sum::<f64>()
            / planning.len() as f64;
        let rounds_left = (ROUNDS as usize - round) as f64;
        let want = round_optimum((BUDGET - spent) / rounds_left);
        // Sampling error of the optimum, plus the search's own resolution (Nelder-Mead
        // in 30 evaluations, started 0.15 of the range away).
        let se_beta = SIGMA * (rl / SAMPLE as f64).sqrt() / (2.0 * rl * want / COST);
        let tolerance = 4.5 * se_beta + 0.01;
        assert!(
            (beta - want).abs() <= tolerance,
            "round {}: commission {beta:.4}, optimum {want:.4} (tolerance {tolerance:.4})",
            round + 1
        );
        assert!(
            beta > START + 0.2,
            "round {}: {beta} barely moved",
            round + 1
        );
    }

    // Revenue and cost over the horizon, paired replication by replication.
    let total = |r: &plansim_sim::rounds::TrajectoryRecord,
                 f: fn(&plansim_sim::rounds::RoundObservation) -> f64| {
        r.observations.iter().map(f).sum::<f64>()
    };
    let gains: Vec<f64> = reopt
        .records
        .iter()
        .zip(&fixed.records)
        .map(|(a, b)| total(a, |o| o.revenue) - total(b, |o| o.revenue))
        .collect();
    let n = gains.len() as f64;
    let mean = gains.iter().sum::<f64>() / n;
    let se = (gains.iter().map(|g| (g - mean).powi(2)).sum::<f64>() / (n - 1.0) / n).sqrt();
    assert!(
        mean - 4.5 * se > 0.0,
        "reoptimize gains {mean} ± {se} over static"
    );
    let cost = reopt
        .records
        .iter()
        .map(|r| r.observations.last().unwrap().spent)
        .sum::<f64>()
        / n;
    assert!(cost <= BUDGET, "reoptimize spends {cost} of {BUDGET}");
}
