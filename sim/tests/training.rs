//! Training as a reward that carries its incentive (docs/model.md section 5.6): under
//! `eligibility = "top"` the cycle's score decides who is trained, and reps value a
//! session at the future pay its skill gain brings, less the selling time it takes.
//! Deterministic checks on the solved policy of a linear-normal team.

use plansim_sim::behaviour::{self, PlanningStart, Policy};
use plansim_sim::model::Model;
use plansim_sim::scenario::parse_and_validate;

/// A linear-normal team of 10 reps of spread ability on a linear commission, with
/// training every 3 months (`[plan.training]` fields given by `training`), against a
/// baseline whose training is the same but closes no skill gap (worthless).
fn model(training: &str, rate: f64) -> Model {
    let text = format!(
        r#"
[simulation]
periods = 12
replications = 10
seed = 1
[team]
size = 10
ability = {{ mean = 1.0, sd = 0.3 }}
effort_cost = {{ mean = 1.0, sd = 0.0 }}
risk_aversion = {{ mean = 1.0, sd = 0.0 }}
promotion_value = {{ mean = 0.0, sd = 0.0 }}
outside_premium = {{ mean = 0.0, sd = 0.0 }}
base_salary = {{ mean = 1.0, sd = 0.0 }}
min_effort = {{ acquisition = 0.0, service = 0.0 }}
max_effort = {{ acquisition = 3.0, service = 1.0 }}
reference_effort = {{ acquisition = 0.5, service = 0.0 }}
base_quit_rate = 0.0
[market]
seasonality = [1.0]
shock_sd = 0.0
[outcome]
model = "linear_normal"
[outcome.linear_normal]
noise_sd = 0.5
[targets]
revenue = {{ mode = "absolute", value = 1.0 }}
[plan]
kpi = {{ revenue = 1.0 }}
[plan.commission]
rate = {rate}
[plan.training]
every = 3
cost = 0.0
time_share = 0.1
eligibility = "top"
{training}
[baseline]
kpi = {{ revenue = 1.0 }}
[baseline.commission]
rate = {rate}
[baseline.training]
every = 3
cost = 0.0
time_share = 0.1
eligibility = "top"
skill_gain = 0.0
{top_share}
"#,
        top_share = training
            .lines()
            .find(|l| l.starts_with("top_share"))
            .unwrap_or("")
    );
    Model::new(&parse_and_validate(&text, "training.toml", None).expect("valid"))
}

fn solve(model: &Model, baseline: bool) -> Policy {
    let plan = if baseline {
        model.baseline()
    } else {
        model.plan()
    };
    behaviour::solve(model, plan, &PlanningStart::initial(model))
}

/// Period 1's cycle (monthly) is the one whose score selects the trainees of the
/// session at the end of month 3 (period 2); before that session skill is the same
/// under both plans, so the policies differ in period 1 only by the incentive.
const DECIDING: u32 = 1;

#[test]
fn reps_near_the_cut_off_work_harder_for_training_that_carries_its_incentive() {
    let m = model("skill_gain = 0.3\ntop_share = 0.3", 0.3);
    let (with, without) = (solve(&m, false), solve(&m, true));
    let mut largest = 0.0f64;
    for j in 0..m.reps().len() {
        let a = with.cell(j, DECIDING, true, 0.0).acquisition;
        let b = without.cell(j, DECIDING, true, 0.0).acquisition;
        // Training only adds a reward for a higher score: never less effort.
        assert!(a >= b - 1e-9, "rep {j}: {a} < {b}");
        largest = largest.max(a - b);
    }
    // Some reps, those whose score is near the cut-off, work markedly harder.
    assert!(largest > 0.01, "{largest}");
    // In a period whose cycle decides no session (period 0), nothing differs.
    for j in 0..m.reps().len() {
        let a = with.cell(j, 0, true, 0.0).acquisition;
        let b = without.cell(j, 0, true, 0.0).acquisition;
        assert!((a - b).abs() < 1e-12, "rep {j}: {a} vs {b}");
    }
}

#[test]
fn a_reps_valuation_of_training_matches_a_hand_computation() {
    // Everyone is trained (top_share 0.99 of 10 rounds to 10): the chance is 1 whatever
    // the score, so effort is that of the commission alone, h = beta a s / c, and the
    // value of the deciding period differs from the worthless training's by the skill
    // gain's future pay only: beta a h x ds x (12 - 2 - 1) (docs/model.md section 5.6;
    // the lost time, beta a h x 0.1 s, is in both).
    let beta = 0.3;
    let m = model("skill_gain = 0.3\ntop_share = 0.99", beta);
    let (with, without) = (solve(&m, false), solve(&m, true));
    let start = PlanningStart::initial(&m);
    let rules = m.rules();
    for (j, rep) in m.reps().iter().enumerate() {
        let s = start.reps[j].skill;
        let productivity = rep.ability * s * rules.ramp(start.reps[j].tenure + DECIDING);
        let (a, b) = (
            with.cell(j, DECIDING, true, 0.0),
            without.cell(j, DECIDING, true, 0.0),
        );
        assert!((a.acquisition - b.acquisition).abs() < 1e-9, "rep {j}");
        let h = a.acquisition;
        // The skill gain: 0.3 of the gap to the ceiling.
        let ds = 0.3 * (rules.max_skill - s).max(0.0);
        let per_month = beta * productivity / s * h;
        let want = per_month * ds * 9.0;
        let got = a.value - b.value;
        assert!(
            (got - want).abs() <= 1e-9 * (1.0 + want.abs()),
            "rep {j}: value gained {got}, hand computation {want}"
        );
    }
}
