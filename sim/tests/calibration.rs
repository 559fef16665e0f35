//! The embedded default scenario is calibrated to practitioner figures
//! (docs/model.md): incentive cost of sales between 3 % and 15 % of revenue, and
//! between 40 % and 75 % of reps meeting target. The whole 4.5-standard-error
//! interval of each estimate must lie inside its band.

use plansim_sim::engine;
use plansim_sim::engine::metrics::Metric;
use plansim_sim::model::Model;
use plansim_sim::scenario::default_scenario;

#[test]
fn default_scenario_sits_inside_the_practitioner_bands() {
    let model = Model::new(&default_scenario());
    let (_, tally) = engine::run(&model, 20_240_601, 512, &|_| {});
    for (name, lo, hi) in [
        (Metric::CostOfSales, 0.03, 0.15),
        (Metric::TargetHitRate, 0.40, 0.75),
    ] {
        let s = tally.plan.summary(name.index());
        let (a, b) = (s.mean - 4.5 * s.std_err, s.mean + 4.5 * s.std_err);
        assert!(
            a >= lo && b <= hi,
            "{name}: [{a}, {b}] is not inside [{lo}, {hi}]"
        );
    }
    // The plan raises revenue over the status quo, beyond its Monte Carlo error.
    let d = tally.difference.summary(Metric::Revenue.index());
    assert!(
        d.mean > 4.5 * d.std_err,
        "revenue difference {} +/- {}",
        d.mean,
        d.std_err
    );
}

#[test]
fn every_shipped_scenario_validates() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            plansim_sim::scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
            seen += 1;
        }
    }
    assert!(
        seen >= 3,
        "expected the shipped scenarios in {}",
        dir.display()
    );
}

/// Attrition counts leavers per team slot, so over a long horizon with a high quit rate
/// it exceeds 1; its interval must still contain its mean (it was cut to [1, 1]).
#[test]
fn attrition_above_one_keeps_its_interval_around_the_mean() {
    let valid = plansim_sim::scenario::default_scenario()
        .with_changes(|s| {
            s.team.size = 10;
            s.simulation.periods = 60;
            s.team.base_quit_rate = 0.05;
            s.optimize = None;
        })
        .unwrap();
    let model = plansim_sim::model::Model::new(&valid);
    let (_, tally) = plansim_sim::engine::run(&model, 5, 128, &|_| {});
    let i = Metric::AttritionRate.index();
    let s = tally
        .baseline
        .summary(i)
        .within(Metric::AttritionRate.bounds());
    assert!(s.mean > 1.5, "attrition {} is not above one", s.mean);
    assert!(s.ci95_low < s.mean && s.mean < s.ci95_high, "{s:?}");
}
