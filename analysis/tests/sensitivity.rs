//! `plansim sensitivity`'s analysis against cases whose answer is known.
//!
//! The world is the linear-normal theory world of sim/tests/theory.rs: identical reps
//! who never quit, output y = e + eps, effort cost c e^2 / 2, a linear commission
//! beta on revenue against a salary-only baseline (effort 0). The reps' effort is
//! e* = beta / c whatever their risk aversion (the variance of pay, beta^2 sigma^2,
//! does not depend on effort), and on common random numbers the noise cancels in
//! the paired difference, so the plan's extra revenue is exactly reps x periods x
//! beta / c: only the effort cost matters, and each point's answer has a closed
//! form. The solver finds e* within 2.5e-4 (see sim/tests/theory.rs), so the total
//! over 30 rep-periods within 30 x 2.5e-4 = 7.5e-3 (`TOL`).

use plansim_analysis::objective::Objective;
use plansim_analysis::sensitivity::{analyse, Contrast, Sensitivity, Settings};
use plansim_sim::scenario::{parse_and_validate, Assumption, ValidScenario};

const REPS: f64 = 10.0;
const PERIODS: f64 = 3.0;
const BETA: f64 = 0.5;
/// Solver tolerance on the extra revenue of 30 rep-periods (see the header).
const TOL: f64 = 30.0 * 2.5e-4;

fn world(extra: &str, noise_sd: f64) -> ValidScenario {
    let text = format!(
        r#"
name = "theory"
[simulation]
periods = 3
replications = 64
seed = 5
[team]
size = 10
ability = {{ mean = 1.0, sd = 0.0 }}
effort_cost = {{ mean = 1.0, sd = 0.0 }}
risk_aversion = {{ mean = 0.2, sd = 0.0 }}
promotion_value = {{ mean = 0.0, sd = 0.0 }}
outside_premium = {{ mean = 0.0, sd = 0.0 }}
base_salary = {{ mean = 1000.0, sd = 0.0 }}
initial_skill = 1.0
max_skill = 1.0
initial_tenure = 24
reference_effort = {{ acquisition = 0.0, service = 0.0 }}
min_effort = {{ acquisition = 0.0, service = 0.0 }}
max_effort = {{ acquisition = 3.0, service = 1.0 }}
base_quit_rate = 0.0
[market]
seasonality = [1.0]
shock_sd = 0.0
[outcome]
model = "linear_normal"
[outcome.linear_normal]
noise_sd = {noise_sd:?}
[targets]
revenue = {{ mode = "absolute", value = 1.0 }}
[plan]
cycle = "month"
kpi = {{ revenue = 1.0, new_customers = 0.0 }}
[plan.commission]
rate = {BETA:?}
{extra}
[baseline]
kpi = {{ revenue = 1.0, new_customers = 0.0 }}
[sensitivity]
trajectories = 4
draws = 64
"#
    );
    parse_and_validate(&text, "theory.toml", None).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn settings(valid: &ValidScenario, objective: &str) -> Settings {
    Settings::of(valid, Objective::parse(objective).unwrap(), None, None)
}

fn run(contrast: &Contrast, settings: Settings) -> Sensitivity {
    analyse(contrast, settings, &|_| {}).unwrap()
}

/// The plan's extra revenue at effort cost `c`.
fn extra_revenue(c: f64) -> f64 {
    REPS * PERIODS * BETA / c
}

#[test]
fn only_the_effort_cost_matters_and_every_point_has_the_closed_form() {
    let valid = world("", 1.0);
    let s = run(
        &Contrast::baseline(valid.clone()),
        settings(&valid, "revenue"),
    );
    // The linear-normal model has no market: the four behaviour assumptions only.
    let names: Vec<Assumption> = s.ranges.iter().map(|r| r.assumption).collect();
    assert_eq!(
        names,
        [
            Assumption::EffortCost,
            Assumption::RiskAversion,
            Assumption::PromotionValue,
            Assumption::OutsidePremium
        ]
    );
    // Default ranges: 25 % either side; the outside premium 25 % of salary.
    assert_eq!((s.ranges[0].low, s.ranges[0].high), (0.75, 1.25));
    assert_eq!((s.ranges[3].low, s.ranges[3].high), (-250.0, 250.0));
    assert_eq!(s.points, 1 + 4 * 4 + 4 * 5 + 64);
    // Every point of every design has the closed form.
    let c = |values: &[f64]| values[0];
    for e in s
        .tornado
        .iter()
        .flat_map(|t| &t.levels)
        .chain(&s.win.points)
        .chain([&s.base])
    {
        let expected = extra_revenue(c(&e.values));
        assert!(
            (e.effect - expected).abs() <= TOL,
            "at {:?}: {} vs closed form {expected}",
            e.values,
            e.effect
        );
        assert!(e.settled);
    }
    // The tornado ranks the effort cost first, with the closed-form swing.
    assert_eq!(s.tornado[0].range.assumption, Assumption::EffortCost);
    let swing = extra_revenue(0.75) - extra_revenue(1.25);
    assert!((s.tornado[0].swing - swing).abs() <= 2.0 * TOL);
    // Morris: the effort cost's mu* is the mean |change across its whole range| of
    // 30 beta / c between grid points, between the smallest and largest such change;
    // the others' are zero within the solver's tolerance.
    let m = &s.morris;
    assert_eq!(m[0].assumption, Assumption::EffortCost);
    // Grid points 0.75, 0.9167, 1.0833, 1.25; moves of 2/3 of the range; each
    // elementary effect within 2 TOL / (2/3) = 3 TOL of the closed form's.
    let grid = |i: f64| 0.75 + 0.5 * i / 3.0;
    let per_unit = |c0: f64, c1: f64| (extra_revenue(c1) - extra_revenue(c0)) / (2.0 / 3.0);
    let (least, most) = (
        per_unit(grid(1.0), grid(3.0)),
        per_unit(grid(0.0), grid(2.0)),
    );
    let (least, most) = (least.abs(), most.abs());
    assert!(
        m[0].mu_star >= least - 3.0 * TOL && m[0].mu_star <= most + 3.0 * TOL,
        "mu* {} outside [{least}, {most}]",
        m[0].mu_star
    );
    assert!(
        m[0].mu < 0.0,
        "a costlier effort lowers the plan's advantage"
    );
    for row in &m[1..] {
        assert!(
            row.mu_star <= 3.0 * TOL,
            "{:?}: mu* {} should be 0",
            row.assumption,
            row.mu_star
        );
    }
    // The plan always wins on revenue, and nowhere stops winning.
    assert_eq!(s.win.wins, s.win.draws);
    assert!(s.tornado.iter().all(|t| t.flips.is_empty()));
}

#[test]
fn it_stops_winning_on_profit_where_the_closed_form_says() {
    // Training costs 0.22 a rep a month (skill cannot rise: max_skill = 1), so the
    // plan's extra profit is (1 - beta) 30 beta / c - 30 x 0.22: positive below
    // c* = (1 - beta) beta / 0.22 = 1.13636...
    // Without output noise (noise_sd = 0): the commission's cost, beta y, would
    // otherwise carry the noise into the paired difference (the baseline pays none).
    let valid = world(
        "[plan.training]\nevery = 1\ncost = 0.22\nskill_gain = 0.0\n",
        0.0,
    );
    let s = run(
        &Contrast::baseline(valid.clone()),
        settings(&valid, "profit"),
    );
    let profit = |c: f64| (1.0 - BETA) * extra_revenue(c) - REPS * PERIODS * 0.22;
    let c_star = (1.0 - BETA) * BETA / 0.22;
    let t = &s.tornado[0];
    for l in &t.levels {
        let expected = profit(l.values[0]);
        assert!(
            (l.effect - expected).abs() <= TOL,
            "{:?}: {} vs {expected}",
            l.values,
            l.effect
        );
    }
    assert_eq!(t.range.assumption, Assumption::EffortCost);
    // One flip, between the levels 1.125 and 1.25, where the secant of the closed
    // form crosses 0 (within 2 TOL over its slope, about 5.3 a unit of c), and within
    // 0.002 of c* (the secant of the convex curve crosses 0.0011 above it).
    assert_eq!(t.flips.len(), 1, "{:?}", t.flips);
    let (y0, y1) = (profit(1.125), profit(1.25));
    let expected = 1.125 + 0.125 * y0 / (y0 - y1);
    let slope = (y0 - y1) / 0.125;
    assert!(
        (t.flips[0] - expected).abs() <= 2.0 * TOL / slope,
        "{} vs {expected}",
        t.flips[0]
    );
    assert!((t.flips[0] - c_star).abs() < 0.002 + 2.0 * TOL / slope);
    // Win frequency: P(c < c*) for c uniform on [0.75, 1.25], within 4.5 binomial SE.
    let p = (c_star - 0.75) / 0.5;
    let se = (p * (1.0 - p) / s.win.draws as f64).sqrt();
    assert!(
        (s.win.share - p).abs() <= 4.5 * se,
        "win share {} vs {p} (se {se})",
        s.win.share
    );
    // Below the base effort cost (the lower half) the plan always wins.
    let half = s.win.by_half[0];
    assert_eq!(half.assumption, Assumption::EffortCost);
    assert_eq!(half.lower.wins, half.lower.draws);
    assert!(half.upper.wins < half.upper.draws);
}

#[test]
fn a_variant_against_itself_is_exactly_zero_everywhere() {
    let valid = world("", 1.0);
    let s = run(
        &Contrast::variants(valid.clone(), valid.clone()),
        settings(&valid, "revenue"),
    );
    for e in s
        .tornado
        .iter()
        .flat_map(|t| &t.levels)
        .chain(&s.win.points)
    {
        assert_eq!((e.effect, e.se), (0.0, 0.0), "at {:?}", e.values);
    }
    assert!(s.morris.iter().all(|m| m.mu_star == 0.0 && m.sigma == 0.0));
    assert_eq!(s.win.wins, 0);
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    // The funnel world (every assumption) at a small size.
    let valid = plansim_sim::scenario::default_scenario()
        .with_changes(|s| {
            s.team.size = 4;
            s.simulation.periods = 3;
            s.sensitivity = Some(plansim_sim::scenario::SensitivitySection {
                trajectories: 2,
                draws: 4,
                ..Default::default()
            });
        })
        .unwrap();
    let contrast = Contrast::baseline(valid.clone());
    let settings = Settings::of(
        &valid,
        Objective::parse("revenue_growth").unwrap(),
        Some(64),
        None,
    );
    let with = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| run(&contrast, settings))
    };
    let one = with(1);
    assert_eq!(one.ranges.len(), 7);
    assert!(one == with(3), "results differ between 1 and 3 threads");
}
