//! Behaviour checks in the funnel model: the responses the design requires of reps
//! (docs/model.md, section 8, "Behaviour: how reps choose effort"): more effort as the
//! bonus rises, the hockey stick of quarterly bonuses, neglect of service when only
//! acquisition is paid, and risk-averse reps responding less to noisy pay.
//!
//! Scenarios start from the embedded default (the internet company) with a small
//! team, a short horizon, a lower effort floor (0.3 on each task) so that effort can
//! fall, and a plan holding only the mechanism under study; the baseline pays salary
//! only unless a test says otherwise.
//!
//! Precision of policy efforts: the solver (docs/model.md section 8.3) searches a 9 x 5
//! grid over the effort box [0.3, 3]^2 and refines by a pattern search accelerated by
//! quadratic models until its steps fall below about 1.4e-5 (acquisition) and 3e-5
//! (service). A corner
//! effort is returned exactly (the search clamps to the box). Margins below (1e-3 for
//! "strictly", 0.1 for "markedly") are far above that precision.

use plansim_sim::behaviour::{self, PlanningStart, Policy};
use plansim_sim::engine;
use plansim_sim::engine::metrics::Metric;
use plansim_sim::model::Model;
use plansim_sim::scenario::{
    default_scenario, Basis, CommissionBase, CommissionSpec, CustomerCount, Cycle, EffortPair,
    KpiWeights, PerCustomerSpec, PlanSection, Scenario, TargetBonusSpec, TraitDistribution,
};
use plansim_sim::tally::Summary;

/// Least effort on each task in these scenarios.
const MIN_EFFORT: f64 = 0.3;
/// A difference larger than any solver imprecision.
const STRICT: f64 = 1e-3;
/// Monte Carlo tolerance, in standard errors.
const Z_TOL: f64 = 4.5;

/// The default scenario, made small, with an empty plan and a salary-only baseline,
/// then changed by `change`.
fn model(change: impl FnOnce(&mut Scenario)) -> Model {
    let valid = default_scenario()
        .with_changes(|s| {
            s.simulation.periods = 3;
            s.team.size = 8;
            // The default's search targets its own plan, which these tests replace.
            s.optimize = None;
            s.team.min_effort = EffortPair {
                acquisition: MIN_EFFORT,
                service: MIN_EFFORT,
            };
            s.plan = PlanSection {
                kpi: s.plan.kpi,
                ..PlanSection::default()
            };
            s.baseline = PlanSection {
                kpi: KpiWeights {
                    revenue: 1.0,
                    new_customers: 0.0,
                    satisfaction: 0.0,
                },
                ..PlanSection::default()
            };
            change(s);
        })
        .unwrap_or_else(|e| panic!("invalid test scenario: {e:?}"));
    Model::new(&valid)
}

fn policy_of(model: &Model) -> Policy {
    behaviour::solve(model, model.plan(), &PlanningStart::initial(model))
}

/// A step bonus of `amount` at 100 % of the individual score target.
fn bonus(amount: f64) -> TargetBonusSpec {
    TargetBonusSpec {
        amount,
        threshold: 1.0,
        ramp_from: None,
        accelerator: 0.0,
        cap: None,
        basis: Basis::Individual,
        cycle: None,
    }
}

/// Mean planned acquisition effort over reps and periods.
fn mean_planned_acquisition(policy: &Policy) -> f64 {
    let cells: Vec<f64> = policy
        .planned()
        .iter()
        .flatten()
        .map(|c| c.acquisition)
        .collect();
    cells.iter().sum::<f64>() / cells.len() as f64
}

/// Asserts that a paired difference (plan minus baseline) is positive by more than
/// `Z_TOL` Monte Carlo standard errors.
fn assert_positive(s: &Summary, what: &str) {
    assert!(
        s.mean > 0.0 && s.mean > Z_TOL * s.std_err,
        "{what}: difference {} with standard error {} ({:.1} se)",
        s.mean,
        s.std_err,
        s.mean / s.std_err
    );
}

#[test]
fn effort_rises_with_the_bonus() {
    let amounts = [0.0, 1000.0, 2500.0, 5000.0];
    let policies: Vec<Policy> = amounts
        .iter()
        .map(|&b| policy_of(&model(|s| s.plan.target_bonus = Some(bonus(b)))))
        .collect();
    // No bonus, nothing paid: every rep gives the floor.
    assert!(
        policies[0]
            .planned()
            .iter()
            .flatten()
            .all(|c| c.acquisition == MIN_EFFORT && c.service == MIN_EFFORT),
        "effort with a zero bonus must be the minimum"
    );
    let efforts: Vec<f64> = policies.iter().map(mean_planned_acquisition).collect();
    for i in 1..amounts.len() {
        assert!(
            efforts[i] >= efforts[i - 1],
            "effort fell from {} to {} as the bonus rose from {} to {}",
            efforts[i - 1],
            efforts[i],
            amounts[i - 1],
            amounts[i]
        );
        if amounts[i - 1] > 0.0 {
            assert!(
                efforts[i] > efforts[i - 1] + STRICT,
                "effort {} at bonus {} is not above {} at bonus {}",
                efforts[i],
                amounts[i],
                efforts[i - 1],
                amounts[i - 1]
            );
        }
    }
    assert!(
        efforts[amounts.len() - 1] > MIN_EFFORT + 0.1,
        "the largest bonus moves effort only to {}",
        efforts[amounts.len() - 1]
    );
}

#[test]
fn quarterly_bonus_makes_a_hockey_stick() {
    let m = model(|s| {
        s.plan.cycle = Cycle::Quarter;
        s.plan.target_bonus = Some(bonus(5000.0));
    });
    let policy = policy_of(&m);
    let last = 2; // the last month of the first quarter
    for rep in 0..m.reps().len() {
        // Far behind with one month left (5 % of the quarter's target): the bonus is out
        // of reach. Far ahead (190 %): it is won already and there is no accelerator.
        for x in [0.05, 1.9] {
            let c = policy.cell(rep, last, true, x);
            assert_eq!(
                (c.acquisition, c.service),
                (MIN_EFFORT, MIN_EFFORT),
                "rep {rep}, last month at attainment {x}: effort should be the minimum"
            );
        }
        // Close to the threshold (75 %), the bonus is in play: effort jumps.
        let near = policy.cell(rep, last, true, 0.75);
        assert!(
            near.acquisition > MIN_EFFORT + 0.1,
            "rep {rep}, last month at 75 %: acquisition effort {}",
            near.acquisition
        );
        // The collapse at 5 % is about time running out: with two months left, the
        // same shortfall still draws effort.
        let earlier = policy.cell(rep, last - 1, true, 0.05);
        assert!(
            earlier.acquisition > MIN_EFFORT + 0.1,
            "rep {rep}, second month at 5 %: acquisition effort {}",
            earlier.acquisition
        );
    }
}

#[test]
fn only_paid_tasks_get_effort() {
    // Only acquisition is paid: a reward per new customer, scored on new customers.
    let acquisition_only = model(|s| {
        s.team.min_effort.service = 0.0;
        s.plan.kpi = KpiWeights {
            revenue: 0.0,
            new_customers: 1.0,
            satisfaction: 0.0,
        };
        s.plan.per_customer = Some(PerCustomerSpec {
            amount: 400.0,
            on: CustomerCount::New,
            satisfaction_gate: None,
        });
    });
    // Revenue is paid: keeping the book (service) now earns commission.
    let revenue_paid = model(|s| {
        s.team.min_effort.service = 0.0;
        s.plan.commission = Some(CommissionSpec {
            rate: 0.1,
            on: CommissionBase::Revenue,
            tiers: vec![],
            cycle: None,
        });
    });
    let a = policy_of(&acquisition_only);
    let r = policy_of(&revenue_paid);
    for rep in 0..acquisition_only.reps().len() {
        for t in 0..acquisition_only.periods() as usize {
            let c = a.planned()[rep][t];
            assert_eq!(
                c.service, 0.0,
                "acquisition-only pay: rep {rep} period {t} gives service effort {}",
                c.service
            );
            assert!(
                c.acquisition > MIN_EFFORT + STRICT,
                "acquisition-only pay: rep {rep} period {t} gives no extra acquisition ({})",
                c.acquisition
            );
            let c = r.planned()[rep][t];
            assert!(
                c.service > STRICT,
                "commission on revenue: rep {rep} period {t} gives service effort {}",
                c.service
            );
        }
    }
}

#[test]
fn risk_averse_reps_respond_less_to_noisy_pay() {
    // A reward per new customer is noisy pay whose variance grows with effort
    // (a^2 (m + m^2 cv^2) for m expected customers), so a mean-variance rep with risk
    // aversion r gives less effort the larger r. (A step target bonus is not used:
    // where the bonus is likelier won than not, more effort lowers its variance, and
    // risk-averse reps rightly work harder to secure it.)
    let with_risk_aversion = |r: f64| {
        model(move |s| {
            // sd 0 in both cases, so every other trait is drawn identically.
            s.team.risk_aversion = TraitDistribution { mean: r, sd: 0.0 };
            s.plan.per_customer = Some(PerCustomerSpec {
                amount: 400.0,
                on: CustomerCount::New,
                satisfaction_gate: None,
            });
        })
    };
    let neutral = policy_of(&with_risk_aversion(0.0));
    let averse = policy_of(&with_risk_aversion(0.001));
    let (mn, ma) = (
        mean_planned_acquisition(&neutral),
        mean_planned_acquisition(&averse),
    );
    assert!(
        ma < mn - STRICT,
        "mean acquisition effort: risk-averse {ma} vs risk-neutral {mn}"
    );
    for rep in 0..neutral.planned().len() {
        for t in 0..neutral.planned()[rep].len() {
            let (n, a) = (neutral.planned()[rep][t], averse.planned()[rep][t]);
            assert!(
                a.acquisition < n.acquisition - STRICT,
                "rep {rep} period {t}: risk-averse {} vs risk-neutral {}",
                a.acquisition,
                n.acquisition
            );
        }
    }
    // And an uncertain bonus is worth less to a risk-averse rep than to a neutral one.
    let bonus_with = |r: f64| {
        model(move |s| {
            s.team.risk_aversion = TraitDistribution { mean: r, sd: 0.0 };
            s.plan.target_bonus = Some(bonus(5000.0));
        })
    };
    let neutral = policy_of(&bonus_with(0.0));
    let averse = policy_of(&bonus_with(0.001));
    for rep in 0..neutral.planned().len() {
        let (n, a) = (
            neutral.planned()[rep][0].value,
            averse.planned()[rep][0].value,
        );
        assert!(
            a < n - 1.0,
            "rep {rep}: value of the bonus plan to a risk-averse rep {a} vs neutral {n}"
        );
    }
}

#[test]
fn simulated_bonus_raises_effort_and_revenue() {
    // A quarterly bonus against salary only: effort depends on attainment so far,
    // so its difference varies across replications and has a real standard error.
    let m = model(|s| {
        s.simulation.periods = 6;
        s.plan.cycle = Cycle::Quarter;
        s.plan.target_bonus = Some(bonus(5000.0));
    });
    let (_, tally) = engine::run(&m, 42, 256, &|_| {});
    let diff = |m: Metric| tally.difference.summary(m.index());
    let effort = diff(Metric::EffortAcquisition);
    assert!(effort.std_err > 0.0, "effort should vary with attainment");
    assert_positive(&effort, "acquisition effort");
    assert_positive(&diff(Metric::NewCustomers), "new customers");
    assert_positive(&diff(Metric::Revenue), "revenue");
    assert_positive(&diff(Metric::CostTargetBonus), "bonus cost");
}

#[test]
fn simulated_revenue_pay_keeps_service_and_satisfaction() {
    // Commission on revenue against a reward per new customer (service unpaid).
    let m = model(|s| {
        s.simulation.periods = 6;
        s.team.min_effort.service = 0.0;
        s.plan.commission = Some(CommissionSpec {
            rate: 0.1,
            on: CommissionBase::Revenue,
            tiers: vec![],
            cycle: None,
        });
        s.baseline.per_customer = Some(PerCustomerSpec {
            amount: 400.0,
            on: CustomerCount::New,
            satisfaction_gate: None,
        });
    });
    let (_, tally) = engine::run(&m, 43, 256, &|_| {});
    let base = tally.baseline.summary(Metric::EffortService.index());
    assert_eq!(
        (base.mean, base.std_err),
        (0.0, 0.0),
        "service effort without pay for it"
    );
    let diff = |m: Metric| tally.difference.summary(m.index());
    assert_positive(&diff(Metric::EffortService), "service effort");
    assert_positive(&diff(Metric::Satisfaction), "satisfaction");
}

/// Quitting responds to pay: a rep quits with hazard
/// base_quit_rate x exp((outside option - salary - CE) / (quit_sensitivity x salary)),
/// and the outside option is the status quo's salary plus certainty equivalent. A plan
/// that takes away the status quo's commission lowers the rep's certainty equivalent
/// by the commission's, CE_sq = beta^2 / (2 c) a month (linear-normal model), so the
/// hazard rises by exp(CE_sq / (quit_sensitivity x salary)); the baseline keeps the
/// base rate. Simulated attrition (leavers per slot over T months, each month an
/// independent draw) must be T times each hazard.
#[test]
fn quitting_rises_when_a_plan_pays_less_than_the_status_quo() {
    let (beta, c, salary, base, sensitivity, periods) =
        (0.3f64, 0.01f64, 100.0f64, 0.02f64, 0.15f64, 6u32);
    let text = format!(
        r#"
[simulation]
periods = {periods}
[team]
size = 40
ability = {{ mean = 1.0, sd = 0.0 }}
effort_cost = {{ mean = {c:?}, sd = 0.0 }}
risk_aversion = {{ mean = 0.0, sd = 0.0 }}
promotion_value = {{ mean = 0.0, sd = 0.0 }}
outside_premium = {{ mean = 0.0, sd = 0.0 }}
base_salary = {{ mean = {salary:?}, sd = 0.0 }}
min_effort = {{ acquisition = 0.0, service = 0.0 }}
max_effort = {{ acquisition = 100.0, service = 1.0 }}
reference_effort = {{ acquisition = 0.0, service = 0.0 }}
base_quit_rate = {base:?}
quit_sensitivity = {sensitivity:?}
ramp_periods = 0
[market]
seasonality = [1.0]
shock_sd = 0.0
[outcome]
model = "linear_normal"
[outcome.linear_normal]
noise_sd = 10.0
[targets]
revenue = {{ mode = "absolute", value = 1.0 }}
[plan]
kpi = {{ revenue = 1.0, new_customers = 0.0 }}
[baseline]
kpi = {{ revenue = 1.0, new_customers = 0.0 }}
[baseline.commission]
rate = {beta:?}
"#
    );
    let valid = plansim_sim::scenario::parse_and_validate(&text, "quit", None).unwrap();
    let model = Model::new(&valid);
    let ce_status_quo = beta * beta / (2.0 * c);
    let hazard_plan = base * (ce_status_quo / (sensitivity * salary)).exp();
    let start = PlanningStart::initial(&model);
    let plan = behaviour::solve(&model, model.plan(), &start);
    let status_quo = behaviour::solve(&model, model.baseline(), &start);
    for j in 0..model.reps().len() {
        for t in 0..periods {
            let (p, b) = (plan.cell(j, t, true, 0.0), status_quo.cell(j, t, true, 0.0));
            assert!(
                (p.quit_hazard - hazard_plan).abs() < 1e-6 * hazard_plan,
                "{p:?}"
            );
            assert!((b.quit_hazard - base).abs() < 1e-6 * base, "{b:?}");
        }
    }
    let (_, tally) = engine::run(&model, 9, 4096, &|_| {});
    let i = Metric::AttritionRate.index();
    for (what, s, hazard) in [
        ("plan", tally.plan.summary(i), hazard_plan),
        ("status quo", tally.baseline.summary(i), base),
    ] {
        let expected = periods as f64 * hazard;
        assert!(
            (s.mean - expected).abs() <= 4.5 * s.std_err,
            "{what}: attrition {} vs {expected} ({:.1} standard errors)",
            s.mean,
            (s.mean - expected) / s.std_err
        );
    }
    assert_positive(&tally.difference.summary(i), "attrition difference");
}
