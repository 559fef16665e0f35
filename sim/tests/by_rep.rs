//! Outputs by rep (docs/model.md section 13.1): the recorder's sums agree with the
//! run's own metrics on the same replications, pay attributed to reps adds up to the
//! incentive cost, and the figures do not depend on the number of threads.

use std::path::Path;

use plansim_sim::engine::metrics::Metric;
use plansim_sim::engine::{self, by_rep, selection};
use plansim_sim::model::Model;
use plansim_sim::scenario::{default_scenario, parse_and_validate};

/// Relative agreement of two sums of the same numbers added in another order.
const ROUNDING: f64 = 1e-9;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= ROUNDING * a.abs().max(b.abs()).max(1.0)
}

fn safelite() -> Model {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/field/safelite.toml");
    let text = std::fs::read_to_string(path).unwrap();
    let text = text.replace("size = 100", "size = 40");
    Model::new(&parse_and_validate(&text, "safelite.toml", None).unwrap())
}

#[test]
fn by_rep_sums_match_the_run_on_the_default_scenario() {
    let model = Model::new(&default_scenario()).window(6).unwrap();
    let n = 128;
    let (solved, tally) = engine::run(&model, 9, n, &|_| {});
    let b = by_rep::by_rep(&model, &solved, 9, n);
    let rep_months = (model.reps().len() as u32 * model.periods()) as f64;
    for (figures, t) in [(&b.plan, &tally.plan), (&b.baseline, &tally.baseline)] {
        let mean = |m: Metric| t.moments(m.index()).mean;
        // Every mechanism's cost is attributed to a rep, so pay adds up to the cost.
        assert!(close(
            figures.pay_per_rep_mean * rep_months,
            mean(Metric::IncentiveCost)
        ));
        let shares: f64 = figures
            .quintiles
            .iter()
            .map(|q| q.share_of_rep_months)
            .sum();
        assert!(close(shares, 1.0));
        let effort: f64 = figures
            .quintiles
            .iter()
            .map(|q| q.effort * q.share_of_rep_months)
            .sum();
        assert!(close(effort, mean(Metric::EffortAcquisition)), "{effort}");
        let quits: f64 = figures
            .quintiles
            .iter()
            .map(|q| q.quits_per_100_rep_months / 100.0 * q.share_of_rep_months * rep_months)
            .sum();
        assert!(close(
            quits,
            mean(Metric::AttritionRate) * model.reps().len() as f64
        ));
        assert!(figures.pay_per_rep_p10 <= figures.pay_per_rep_p50);
        assert!(figures.pay_per_rep_p50 <= figures.pay_per_rep_p90);
    }
    // A monthly cycle has one period: its figures are the team's.
    for figures in [&b.plan, &b.baseline] {
        assert_eq!(figures.cycle_periods.len(), 1);
        let c = figures.cycle_periods[0];
        assert!(close(c.given_up, figures.given_up));
        assert!(close(c.pay, figures.pay_per_rep_mean));
    }
    // The default team keeps its traits when a rep leaves: hires are as able as leavers.
    assert!(close(b.plan.ability_hires, b.plan.ability_leavers));
}

#[test]
fn by_rep_composition_matches_the_decomposition_and_sorts_quits_on_ability() {
    let model = safelite();
    let solved = engine::solve(&model);
    let b = by_rep::by_rep(&model, &solved, 4, 256);
    let d = selection::decompose(&model, &solved, 4, 256);
    for (f, c) in [
        (&b.plan, d.plan_composition),
        (&b.baseline, d.baseline_composition),
    ] {
        assert!(close(f.ability_team, c.team));
        assert!(close(f.ability_leavers, c.leavers));
        assert!(close(f.ability_hires, c.hires));
    }
    // Hourly pay: the abler the quintile, the more it quits; nobody works above the minimum.
    let quits: Vec<f64> = b
        .baseline
        .quintiles
        .iter()
        .map(|q| q.quits_per_100_rep_months)
        .collect();
    assert!(quits.windows(2).all(|w| w[0] < w[1]), "{quits:?}");
    assert_eq!(b.baseline.given_up, 1.0);
    // The piece rate: the least able stay at the minimum, the ablest never do.
    assert_eq!(b.plan.quintiles[0].given_up, 1.0);
    assert_eq!(b.plan.quintiles[4].given_up, 0.0);
    assert!(b.plan.quintiles[4].pay_mix > b.plan.quintiles[2].pay_mix);
}

#[test]
fn by_rep_is_identical_for_any_thread_count() {
    let model = safelite();
    let solved = engine::solve(&model);
    let run = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| by_rep::by_rep(&model, &solved, 2, 200))
    };
    assert_eq!(format!("{:?}", run(1)), format!("{:?}", run(2)));
}

/// By period of a quarterly cycle: each period has the same rep-months (a fixed team),
/// so the periods' mean pay, effort and given-up shares average to the team's, and
/// every quintile's share lies in [0, 1].
#[test]
fn by_period_of_the_cycle_adds_up_to_the_team() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/internet-company-quarterly.toml");
    let model = Model::new(&plansim_sim::scenario::load(&path).unwrap())
        .window(6)
        .unwrap();
    let n = 64;
    let (solved, tally) = engine::run(&model, 3, n, &|_| {});
    let b = by_rep::by_rep(&model, &solved, 3, n);
    let phases = &b.plan.cycle_periods;
    assert_eq!(phases.len(), 3);
    let mean = |f: &dyn Fn(&by_rep::CyclePeriodFigures) -> f64| {
        phases.iter().map(f).sum::<f64>() / phases.len() as f64
    };
    assert!(close(mean(&|c| c.pay), b.plan.pay_per_rep_mean));
    assert!(close(mean(&|c| c.given_up), b.plan.given_up));
    let effort = tally.plan.moments(Metric::EffortAcquisition.index()).mean;
    assert!(close(mean(&|c| c.effort), effort), "{effort}");
    assert!(phases
        .iter()
        .flat_map(|c| c.given_up_by_quintile)
        .all(|g| (0.0..=1.0).contains(&g)));
    // Cycle payouts land in the cycle's last period.
    assert!(phases[2].pay > phases[0].pay && phases[2].pay > phases[1].pay);
}
