//! The status quo settles: under a plan equal to its baseline the team is in its
//! steady state, so revenue growth against the pre-plan run-rate is zero within Monte
//! Carlo error, for status quos of every shape whose steady state exists; where none
//! exists (effort jumps between pushing for the target and giving up), the model
//! says so.

use plansim_sim::engine;
use plansim_sim::engine::metrics::Metric;
use plansim_sim::model::Model;
use plansim_sim::scenario::{parse_and_validate, ValidScenario};

/// Monte Carlo tolerance, in standard errors.
const Z_TOL: f64 = 4.5;

/// The default team with a status quo of `mechanisms` (TOML under `[baseline]`) as both
/// plan and baseline, targets `growth` above the run-rate, and effort free to fall to 0.3.
fn status_quo(cycle: &str, mechanisms: &str, growth: f64) -> ValidScenario {
    assert!(
        mechanisms.is_empty() || mechanisms.contains("[X."),
        "mechanisms are written under [X.*]"
    );
    let plan = format!(
        "cycle = \"{cycle}\"\nkpi = {{ revenue = 1.0, new_customers = 0.0 }}\n{mechanisms}"
    );
    let text = format!(
        r#"
name = "status-quo"
[simulation]
periods = 12
[team]
size = 30
effort_cost = {{ mean = 3000.0, sd = 500.0 }}
risk_aversion = {{ mean = 0.0002, sd = 0.00005 }}
min_effort = {{ acquisition = 0.3, service = 0.3 }}
[market]
seasonality = [1.0, 0.85, 1.0, 1.0, 1.02, 1.05, 0.98, 0.97, 1.0, 1.03, 1.08, 1.02]
[targets]
revenue = {{ mode = "uplift", growth = {growth:?} }}
new_customers = {{ mode = "uplift", growth = {growth:?} }}
[plan]
{plan_x}
[baseline]
{base_x}
"#,
        plan_x = plan.replace("[X.", "[plan."),
        base_x = plan.replace("[X.", "[baseline."),
    );
    parse_and_validate(&text, "status-quo", None).unwrap_or_else(|e| panic!("{e:?}\n{text}"))
}

fn growth(model: &Model, seed: u64) -> (f64, f64) {
    let (_, tally) = engine::run(model, seed, 1024, &|_| {});
    let s = tally.plan.summary(Metric::RevenueGrowth.index());
    (s.mean, s.std_err)
}

/// Status quos of every shape with a steady state: salary only, a commission, a
/// threshold bonus, an accelerating bonus and a quarterly bonus. Each settles, and a
/// plan equal to it grows by nothing within 4.5 standard errors.
#[test]
fn a_plan_equal_to_its_status_quo_does_not_grow() {
    let cases = [
        ("salary only", "month", "", 0.2),
        ("commission", "month", "[X.commission]\nrate = 0.03\non = \"new_revenue\"\n", 0.2),
        ("threshold bonus", "month", "[X.target_bonus]\namount = 2500.0\nthreshold = 1.0\n", 0.0),
        (
            "accelerating bonus",
            "month",
            "[X.target_bonus]\namount = 1000.0\nthreshold = 1.0\nramp_from = 0.0\naccelerator = 1.0\n",
            0.0,
        ),
        (
            "quarterly bonus",
            "quarter",
            "[X.target_bonus]\namount = 6000.0\nthreshold = 1.0\nramp_from = 0.5\n",
            0.0,
        ),
    ];
    for (i, (name, cycle, mechanisms, g)) in cases.into_iter().enumerate() {
        let valid = status_quo(cycle, mechanisms, g);
        let model = Model::new(&valid);
        assert!(
            model.status_quo().settled(),
            "{name}: {:?}",
            model.status_quo()
        );
        let (mean, se) = growth(&model, 100 + i as u64);
        assert!(
            mean.abs() <= Z_TOL * se,
            "{name}: growth {mean:.5} against its own run-rate, {:.1} standard errors",
            mean / se
        );
    }
}

/// A monthly threshold bonus on a target 20 % above the run-rate has no steady state:
/// at the run-rate where a rep would settle, effort jumps between pushing for the
/// target (which raises the run-rate past it) and giving up (which lowers it below).
/// The model must say so rather than present the drift as growth.
#[test]
fn a_status_quo_without_a_steady_state_is_reported() {
    let valid = status_quo(
        "month",
        "[X.target_bonus]\namount = 2500.0\nthreshold = 1.0\n",
        0.2,
    );
    let model = Model::new(&valid);
    assert!(!model.status_quo().settled(), "{:?}", model.status_quo());
    let problem = model.status_quo().problem(model.reps().len()).unwrap();
    assert!(problem.contains("no steady state"), "{problem}");
}

/// Over part of a year the status quo's revenue follows the seasons (four months
/// from January include the Spring Festival's February): growth is measured against
/// the status quo's expected revenue over those months, so it is zero there too.
#[test]
fn a_partial_year_is_measured_against_its_own_seasons() {
    let valid = status_quo(
        "month",
        "[X.commission]\nrate = 0.03\non = \"new_revenue\"\n",
        0.2,
    )
    .with_changes(|s| s.simulation.periods = 4)
    .unwrap();
    let model = Model::new(&valid);
    let year = model.status_quo().expected_revenue(12) / 12.0;
    let four = model.status_quo().expected_revenue(4) / 4.0;
    assert!(
        four < year,
        "January to April {four} vs the year's month {year}"
    );
    let (mean, se) = growth(&model, 211);
    assert!(
        mean.abs() <= Z_TOL * se,
        "growth {mean} ({:.1} se)",
        mean / se
    );
}
