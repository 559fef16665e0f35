//! Multitask (Holmstrom and Milgrom 1991; docs/model.md section 5.2): paying only per
//! new customer leaves service, and so satisfaction, at its minimum; a satisfaction
//! gate on the same reward restores them. The plan (gated) and its baseline (ungated)
//! run on common random numbers, so the paired difference is the gate's effect.

use plansim_sim::engine::{self, metrics::Metric};
use plansim_sim::model::Model;
use plansim_sim::scenario::parse_and_validate;

/// Monte Carlo tolerance, in standard errors.
const Z: f64 = 5.0;

/// The shipped scenario (scenarios/multitask-satisfaction-gate.toml) with the plan's gate at `gate`.
fn gated(gate: f64) -> Model {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../scenarios/multitask-satisfaction-gate.toml");
    let text = std::fs::read_to_string(path).expect("scenario reads");
    let text = text.replace(
        "satisfaction_gate = 60.0",
        &format!("satisfaction_gate = {gate:?}"),
    );
    Model::new(&parse_and_validate(&text, "multitask.toml", None).expect("valid"))
}

#[test]
fn a_satisfaction_gate_raises_service_and_satisfaction_against_paying_per_customer() {
    let model = gated(60.0);
    let (_, tally) = engine::run(&model, 3, 400, &|_| {});
    let d = |m: Metric| *tally.difference.moments(m.index());
    let min_service = model.rules().min_effort.service;
    // Paying only per new customer: service has no return to the rep.
    let base_service = tally.baseline.moments(Metric::EffortService.index()).mean;
    // (A mean of equal numbers, exact to rounding.)
    assert!((base_service - min_service).abs() < 1e-12, "{base_service}");
    let sat = d(Metric::Satisfaction);
    assert!(sat.mean - Z * sat.std_err() > 1.0, "{sat:?}");
    let service = d(Metric::EffortService);
    assert!(service.mean - Z * service.std_err() > 0.1, "{service:?}");
    // The multitask trade-off: the gated reward is worth less per customer, so fewer are won.
    let nc = d(Metric::NewCustomers);
    assert!(nc.mean + Z * nc.std_err() < 0.0, "{nc:?}");
}

#[test]
fn a_gate_every_month_meets_changes_nothing() {
    // Satisfaction is always above 0: the gated plan is the baseline, on the same numbers.
    let (_, tally) = engine::run(&gated(0.0), 3, 128, &|_| {});
    for m in Metric::ALL {
        let d = tally.difference.moments(m.index());
        assert!(d.mean == 0.0 || d.mean.is_nan(), "{m}: {d:?}");
    }
}

#[test]
fn a_gate_outside_0_to_100_is_refused() {
    let text = "[plan.per_customer]\namount = 1.0\nsatisfaction_gate = 120.0\n";
    let err = parse_and_validate(text, "g.toml", None).unwrap_err();
    assert!(
        format!("{err:?}").contains("plan.per_customer.satisfaction_gate"),
        "{err:?}"
    );
}
