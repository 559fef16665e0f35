//! Monitoring-and-adjustment rounds: equivalence with a single run, learning of the
//! tournament cut-off, and the rule policy's direction, bounds and budget.

use plansim_sim::engine;
use plansim_sim::engine::metrics::N_METRICS;
use plansim_sim::mechanisms::Promotion;
use plansim_sim::model::Model;
use plansim_sim::normal;
use plansim_sim::rounds::{
    count_plan_solves, run_rounds, RoundObservation, RoundPolicy, RoundsSpec, RulePolicy,
    StaticPolicy, TrajectoryRecord,
};
use plansim_sim::scenario::{
    default_scenario, parse_and_validate, RoundRule, RuleKpi, ValidScenario,
};

fn small_default(periods: u32) -> ValidScenario {
    default_scenario()
        .with_changes(|s| {
            s.team.size = 10;
            s.simulation.periods = periods;
            s.optimize = None;
        })
        .unwrap()
}

#[test]
fn static_rounds_are_bit_identical_to_one_run() {
    let (rounds, length) = (4, 3);
    let valid = small_default(rounds * length);
    let model = Model::new(&valid);
    let paths = vec!["plan.target_bonus.amount".to_string()];
    let start = vec![2500.0];
    let result = run_rounds(
        &model,
        &valid,
        &paths,
        &start,
        &RoundsSpec::new(rounds, length, 99, 130).unwrap(),
        &StaticPolicy,
        &|_| {},
    )
    .unwrap();
    let (_, tally) = engine::run(&model, 99, 130, &|_| {});
    assert_eq!(result.plans_solved, 1);
    for (i, row) in result.records.iter().map(|r| r.metrics).enumerate() {
        for (k, &value) in row.iter().enumerate().take(N_METRICS) {
            let one = tally.plan.values(k).unwrap()[i];
            assert!(
                value.to_bits() == one.to_bits() || (value.is_nan() && one.is_nan()),
                "replication {i}, metric {k}: {value} vs {one}"
            );
        }
    }
}

fn tournament(p: f64, v: f64, sigma: f64, c: f64, reps: u32, rounds: u32) -> ValidScenario {
    let text = format!(
        r#"
[simulation]
periods = {rounds}
[team]
size = {reps}
ability = {{ mean = 1.0, sd = 0.0 }}
effort_cost = {{ mean = {c}, sd = 0.0 }}
risk_aversion = {{ mean = 0.0, sd = 0.0 }}
promotion_value = {{ mean = {v}, sd = 0.0 }}
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
kpi = {{ revenue = 1.0 }}
[plan.promotion]
mode = "tournament"
share = {p}
raise = 0.0
max_promotions = 100000
[baseline]
kpi = {{ revenue = 1.0 }}
"#
    );
    parse_and_validate(&text, "tournament", None).unwrap_or_else(|e| panic!("{e}"))
}

/// Identical reps who start from the naive belief (everyone at today's effort, 0)
/// and re-estimate the cut-off from the last round converge to the Lazear-Rosen
/// effort V phi(Phi^-1(1 - p)) / (sigma c). The belief is the mean observed cut-off
/// over R replications of an N-rep team, whose standard error is that of the
/// (1 - p) order statistic, sigma sqrt(p (1 - p)) / (phi(z) sqrt(N)), over sqrt(R);
/// near e* effort moves with the belief by A / (A - c), A = V z phi(z) / sigma^2, which
/// also shrinks what is left of the start with every round.
#[test]
fn tournament_effort_converges_to_lazear_rosen_over_rounds() {
    let (p, v, sigma, c, reps, rounds, replications) = (0.2, 2.0, 2.0, 1.0, 400u32, 8u32, 32u64);
    let valid = tournament(p, v, sigma, c, reps, rounds);
    let model = Model::new(&valid);
    let result = run_rounds(
        &model,
        &valid,
        &[],
        &[],
        &RoundsSpec::new(rounds, 1, 5, replications).unwrap(),
        &StaticPolicy,
        &|_| {},
    )
    .unwrap();
    let e_star = Promotion::lazear_rosen_effort(v, p, sigma, c);
    let z = normal::quantile(1.0 - p);
    let se_cut = sigma * (p * (1.0 - p)).sqrt()
        / (normal::pdf(z) * (reps as f64).sqrt())
        / (replications as f64).sqrt();
    let a = v * z * normal::pdf(z) / (sigma * sigma);
    let contraction = a / (a - c);
    let leftover = e_star * contraction.abs().powi(rounds as i32 - 1);
    // 1e-3: the behaviour solver's precision and the order statistic's O(1/N) bias.
    let tolerance = 4.5 * se_cut * contraction.abs() + leftover + 1e-3;
    let effort = |round: usize| {
        result
            .records
            .iter()
            .map(|t| t.observations[round].effort_acquisition)
            .sum::<f64>()
            / replications as f64
    };
    let first = effort(0);
    let last = effort(rounds as usize - 1);
    assert!(
        (first - e_star).abs() > 2.0 * tolerance,
        "the first round should start away from e*: {first} vs {e_star}"
    );
    assert!(
        (last - e_star).abs() <= tolerance,
        "last round effort {last} vs Lazear-Rosen {e_star} (tolerance {tolerance})"
    );
}

fn rule(gain: f64) -> RoundRule {
    RoundRule {
        path: "plan.target_bonus.amount".into(),
        kpi: RuleKpi::Revenue,
        gain,
        min: 1000.0,
        max: 5000.0,
    }
}

fn observation(revenue: f64, cost: f64, spent: f64) -> RoundObservation {
    RoundObservation {
        revenue,
        target_revenue: 100.0,
        cost,
        spent,
        ..RoundObservation::default()
    }
}

#[test]
fn rule_steps_the_right_way_within_bounds_and_budget() {
    let r = rule(0.5);
    // 20 % below target: up by 0.5 x 4000 x 0.2 = 400.
    assert_eq!(
        RulePolicy::step(&r, 3000.0, &observation(80.0, 10.0, 10.0), None, 5),
        3400.0
    );
    // 20 % above target: down by 400.
    assert_eq!(
        RulePolicy::step(&r, 3000.0, &observation(120.0, 10.0, 10.0), None, 5),
        2600.0
    );
    // Never past the bounds.
    assert_eq!(
        RulePolicy::step(&r, 4900.0, &observation(10.0, 10.0, 10.0), None, 5),
        5000.0
    );
    assert_eq!(
        RulePolicy::step(&r, 1100.0, &observation(1000.0, 10.0, 10.0), None, 5),
        1000.0
    );
    // Below target but the last round's cost over the remaining rounds would break the
    // budget: no raise, a cut instead.
    let tight = RulePolicy::step(&r, 3000.0, &observation(80.0, 30.0, 60.0), Some(150.0), 5);
    assert!(tight < 3000.0, "{tight}");
    // With room in the budget the raise goes through.
    assert_eq!(
        RulePolicy::step(&r, 3000.0, &observation(80.0, 10.0, 10.0), Some(1000.0), 5),
        3400.0
    );
}

#[test]
fn rule_policy_keeps_every_trajectory_within_bounds() {
    let valid = small_default(6);
    let model = Model::new(&valid);
    let r = RoundRule {
        path: "plan.target_bonus.amount".into(),
        kpi: RuleKpi::Score,
        gain: 2.0,
        min: 500.0,
        max: 6000.0,
    };
    let policy = RulePolicy {
        rules: vec![r.clone()],
    };
    let result = run_rounds(
        &model,
        &valid,
        std::slice::from_ref(&r.path),
        &[2500.0],
        &RoundsSpec::new(6, 1, 3, 96).unwrap(),
        &policy,
        &|_| {},
    )
    .unwrap();
    let mut moved = false;
    for t in &result.records {
        for (k, x) in t.params.iter().enumerate() {
            assert!(x[0] >= r.min && x[0] <= r.max, "{x:?}");
            if k > 0 {
                let o = t.observations[k - 1];
                // Below target the bonus never falls; above it never rises (budget has room).
                if o.score < 1.0 {
                    assert!(x[0] >= t.params[k - 1][0]);
                } else {
                    assert!(x[0] <= t.params[k - 1][0]);
                }
                moved |= x[0] != t.params[k - 1][0];
            }
        }
    }
    assert!(moved, "the rule never moved the bonus");
}

/// The records of two runs agree bit for bit (NaN included).
fn same_records(a: &[TrajectoryRecord], b: &[TrajectoryRecord]) -> bool {
    let bits = |r: &TrajectoryRecord| -> Vec<u64> {
        let mut v = vec![r.replication];
        v.extend(r.params.iter().flatten().map(|x| x.to_bits()));
        for o in &r.observations {
            v.extend(
                [
                    o.revenue,
                    o.new_customers,
                    o.target_revenue,
                    o.target_new_customers,
                    o.score,
                    o.cost,
                    o.spent,
                    o.hit_rate,
                    o.effort_acquisition,
                ]
                .map(f64::to_bits),
            );
        }
        v.extend(r.metrics.iter().map(|x| x.to_bits()));
        v
    };
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| bits(x) == bits(y))
}

/// A scenario, the paths its policy adjusts, their start, the policy and the rounds.
type SliceCase<'a> = (
    &'a ValidScenario,
    &'a [String],
    &'a [f64],
    &'a dyn RoundPolicy,
    u32,
);

/// Slices of a run of rounds, each simulated with the planning sample, are exactly
/// their parts of the whole run, with a planning sample smaller than the run, for a
/// policy that adapts per replication and for reps who learn a tournament cut-off;
/// the distinct plans of the slices add up to the whole run's solves.
#[test]
fn slices_of_a_run_of_rounds_are_its_parts_bit_for_bit() {
    let rule_scenario = small_default(6);
    let r = RoundRule {
        path: "plan.target_bonus.amount".into(),
        kpi: RuleKpi::Score,
        gain: 2.0,
        min: 500.0,
        max: 6000.0,
    };
    let rule = RulePolicy {
        rules: vec![r.clone()],
    };
    let tournament = tournament(0.2, 2.0, 2.0, 1.0, 30, 3);
    let cases: [SliceCase<'_>; 2] = [
        (
            &rule_scenario,
            std::slice::from_ref(&r.path),
            &[2500.0],
            &rule,
            6,
        ),
        (&tournament, &[], &[], &StaticPolicy, 3),
    ];
    for (valid, paths, start, policy, rounds) in cases {
        let model = Model::new(valid);
        let replications = 200;
        let whole = RoundsSpec::new(rounds, 1, 17, replications)
            .and_then(|s| s.with_planning(48))
            .unwrap();
        let run = |spec: &RoundsSpec| {
            run_rounds(&model, valid, paths, start, spec, policy, &|_| {}).unwrap()
        };
        let all = run(&whole);
        assert_eq!(all.records.len(), replications as usize);
        let mut records = Vec::new();
        let mut keys = vec![std::collections::BTreeSet::new(); rounds as usize];
        for slice in [0..30, 30..48, 48..131, 131..200] {
            let part = run(&whole.clone().with_slice(slice.clone()).unwrap());
            assert_eq!(
                part.records.first().map(|t| t.replication),
                Some(slice.start)
            );
            records.extend(part.records);
            for (k, p) in keys.iter_mut().zip(&part.plan_keys) {
                k.extend(p.iter().cloned());
            }
        }
        assert!(same_records(&records, &all.records), "{}", policy.name());
        assert_eq!(keys, all.plan_keys);
        assert_eq!(count_plan_solves(&keys, all.learning), all.plans_solved);
    }
    // The rule policy did adapt per replication, so the slices had plans of their own.
    let adapted = run_rounds(
        &Model::new(&rule_scenario),
        &rule_scenario,
        std::slice::from_ref(&r.path),
        &[2500.0],
        &RoundsSpec::new(6, 1, 17, 200)
            .and_then(|s| s.with_planning(48))
            .unwrap(),
        &rule,
        &|_| {},
    )
    .unwrap();
    assert!(adapted.plan_keys.iter().any(|k| k.len() > 1));
}
