//! Roster calibration recovers known abilities from a synthetic roster made by
//! simulating the model.
//!
//! A team of known abilities works under the status quo (the reference effort: no
//! incentive above the salary, so every rep gives the least effort, which the
//! scenario sets equal to the reference effort) for five years of burn-in and one
//! observed year, each year simulated by the model's own loop with the state (the
//! books) carried over; each rep's last-year revenue, new customers and book today go into
//! a roster without abilities, and the calibration estimates them. The common market
//! shock is switched off and nobody quits, so that each estimate's error is its own
//! sampling error, which the calibration derives: the standardised errors
//! `z = (a_hat - a) / se(a)` must then have mean 0 and mean square 1, within 4.5 Monte
//! Carlo standard errors of those means, and none may be wild.

use plansim_sim::behaviour::{self, PlanningStart};
use plansim_sim::engine::simulate::{simulate, TeamState, Totals, Workspace};
use plansim_sim::model::calibration::{Calibrator, History};
use plansim_sim::model::Model;
use plansim_sim::scenario::{parse_and_validate_with_roster, DEFAULT_SCENARIO_TOML};

const REPS: usize = 400;
const BURN_IN_YEARS: u32 = 5;

/// The default scenario with a roster, no market shock, no quitting and a yearly
/// status quo without incentives.
fn scenario_text() -> String {
    let mut text = DEFAULT_SCENARIO_TOML.to_string();
    for (from, to) in [
        ("# roster = \"team.csv\"", "roster = \"team.csv\""),
        ("shock_sd = 0.08 ", "shock_sd = 0.0 "),
        ("base_quit_rate = 0.015 ", "base_quit_rate = 0.0 "),
        ("max_quit_rate = 0.25 ", "max_quit_rate = 0.0 "),
    ] {
        assert!(
            text.contains(from),
            "the default scenario no longer holds `{from}`"
        );
        text = text.replace(from, to);
    }
    // The status quo: no commission (a monthly cycle, so each month is tallied per rep).
    let start = text.find("[baseline]").unwrap();
    let end = text.find("[budget]").unwrap();
    format!(
        "{}[baseline]\ncycle = \"month\"\nkpi = {{ revenue = 1.0, new_customers = 0.0 }}\n\n{}",
        &text[..start],
        &text[end..]
    )
}

fn known_abilities() -> Vec<f64> {
    // A spread of abilities from 0.4 to 2.0.
    (0..REPS)
        .map(|j| 0.4 + 1.6 * j as f64 / (REPS - 1) as f64)
        .collect()
}

/// Each rep's (revenue, new customers) over the last simulated year and the book at its
/// end, for the team of [`known_abilities`] (simulated once for all tests).
fn synthetic_history() -> &'static [(f64, f64, f64)] {
    static HISTORY: std::sync::OnceLock<Vec<(f64, f64, f64)>> = std::sync::OnceLock::new();
    HISTORY.get_or_init(|| simulate_history(&known_abilities()))
}

fn simulate_history(abilities: &[f64]) -> Vec<(f64, f64, f64)> {
    let mut roster = String::from("id,base_salary,ability,tenure_months\n");
    for (j, a) in abilities.iter().enumerate() {
        roster.push_str(&format!("S{j:04},9000,{a},48\n"));
    }
    let valid = parse_and_validate_with_roster(&scenario_text(), "synthetic", Some(&roster))
        .expect("the synthetic scenario is valid");
    let model = Model::new(&valid);
    assert_eq!(model.reps().len(), REPS);
    let plan = model.baseline().clone();
    let policy = behaviour::solve(&model, &plan, &PlanningStart::initial(&model));
    let mut state = TeamState::initial(&model, 20_240_601, 0);
    let mut ws = Workspace::new(&model);
    let mut totals = Totals::default();
    let mut last_year = vec![(0.0, 0.0, 0.0); model.reps().len()];
    for year in 0..=BURN_IN_YEARS {
        // The status quo repeats year after year: the same policy, the state carried on.
        state.period = 0;
        for t in 0..model.periods() {
            simulate(
                &model,
                &plan,
                &policy,
                &mut state,
                t + 1,
                &mut ws,
                &mut totals,
            );
            if year == BURN_IN_YEARS {
                for (sum, st) in last_year.iter_mut().zip(&state.reps) {
                    sum.0 += st.last_cycle.unwrap().revenue;
                    sum.1 += st.last_cycle.unwrap().new_customers;
                }
            }
        }
    }
    // Everyone gave the reference effort (the calibration's status quo) and nobody left.
    let rep_periods = totals.sum.rep_periods;
    assert!((totals.sum.effort_acquisition_sum / rep_periods - 1.0).abs() < 1e-12);
    assert!((totals.sum.effort_service_sum / rep_periods - 1.0).abs() < 1e-12);
    assert_eq!(totals.sum.leavers, 0.0);
    for (sum, st) in last_year.iter_mut().zip(&state.reps) {
        sum.2 = st.book as f64;
    }
    last_year
}

/// Mean and standard error of the mean of `xs`.
fn mean_se(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let m = xs.iter().sum::<f64>() / n;
    let v = xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1.0);
    (m, (v / n).sqrt())
}

#[test]
fn calibration_recovers_known_abilities_within_their_sampling_error() {
    let abilities = known_abilities();
    let history = synthetic_history();
    let model = Model::new(
        &parse_and_validate_with_roster(&scenario_text(), "s", Some("id,base_salary\nA,1\n"))
            .unwrap(),
    );
    let cal = Calibrator::new(model.outcome(), model.rules(), &model.market().season);

    type Pick = fn(&(f64, f64, f64)) -> History;
    let subsets: [(&str, Pick); 4] = [
        ("revenue, new customers and book", |h| History {
            revenue: Some(h.0),
            new_customers: Some(h.1),
            book: Some(h.2),
            tenure: 48,
        }),
        ("revenue and new customers", |h| History {
            revenue: Some(h.0),
            new_customers: Some(h.1),
            book: None,
            tenure: 48,
        }),
        ("revenue only", |h| History {
            revenue: Some(h.0),
            tenure: 48,
            ..History::default()
        }),
        ("new customers only", |h| History {
            new_customers: Some(h.1),
            tenure: 48,
            ..History::default()
        }),
    ];
    let mut se_all = 0.0;
    let mut se_new_customers = 0.0;
    for (label, pick) in subsets {
        let mut z = Vec::with_capacity(REPS);
        for (a, h) in abilities.iter().zip(history) {
            let obs = pick(h);
            let est = cal.estimate(&obs).unwrap();
            let sd = cal.std_err_at(&obs, *a).unwrap();
            // The reported standard error is the true one at the estimate.
            assert!(
                (est.std_err - cal.std_err_at(&obs, est.ability).unwrap()).abs() < 1e-12,
                "{label}"
            );
            z.push((est.ability - a) / sd);
        }
        let (m, m_se) = mean_se(&z);
        let squares: Vec<f64> = z.iter().map(|x| x * x).collect();
        let (m2, m2_se) = mean_se(&squares);
        let worst = z.iter().fold(0.0f64, |w, x| w.max(x.abs()));
        println!("{label}: mean z {m:.3} +/- {m_se:.3}, mean z^2 {m2:.3} +/- {m2_se:.3}, worst |z| {worst:.2}");
        assert!(
            m.abs() < 4.5 * m_se,
            "{label}: biased: mean z = {m} +/- {m_se}"
        );
        assert!(
            (m2 - 1.0).abs() < 4.5 * m2_se,
            "{label}: the standard error is wrong: mean z^2 = {m2} +/- {m2_se}"
        );
        // P(max of 400 |N(0,1)| > 5) is about 2e-4.
        assert!(
            worst < 5.0,
            "{label}: an estimate is {worst} standard errors off"
        );
        let unit = History {
            tenure: 48,
            ..pick(&history[0])
        };
        let se1 = cal.std_err_at(&unit, 1.0).unwrap();
        match label {
            "revenue, new customers and book" => se_all = se1,
            "new customers only" => se_new_customers = se1,
            _ => {}
        }
    }
    // Using every column is more precise than new customers alone.
    assert!(se_all < se_new_customers, "{se_all} vs {se_new_customers}");
}

#[test]
fn model_uses_the_calibrated_abilities_of_a_roster_without_them() {
    let history = synthetic_history();
    let mut roster = String::from(
        "id,base_salary,tenure_months,last_year_revenue,last_year_new_customers,book\n",
    );
    for (j, h) in history.iter().enumerate().take(50) {
        roster.push_str(&format!("S{j:04},9000,48,{},{},{}\n", h.0, h.1, h.2));
    }
    let valid = parse_and_validate_with_roster(&scenario_text(), "s", Some(&roster)).unwrap();
    let model = Model::new(&valid);
    let cal = Calibrator::new(model.outcome(), model.rules(), &model.market().season);
    for (j, rep) in model.reps().iter().enumerate() {
        let h = history[j];
        let est = cal
            .estimate(&History {
                revenue: Some(h.0),
                new_customers: Some(h.1),
                book: Some(h.2),
                tenure: 48,
            })
            .unwrap();
        assert_eq!(rep.ability, est.model_ability());
        assert_eq!(rep.book, h.2);
    }
}
