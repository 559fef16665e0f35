//! Shared solves (docs/model.md section 8.4): reps whose planning inputs are identical
//! bit for bit are solved once and share their rows of the policy table. The shared
//! solve must give the table of solving every rep on its own
//! (`behaviour::solve_unshared`), bit for bit, in every kind of pass (one pass, the two
//! passes of a team-weighted raise, a team bonus's repeated passes, a tournament's
//! cut-off search, attainment buckets of a quarterly cycle, a hiring pool's rows), and
//! the same for one and two threads. Deterministic: no random draws.

use plansim_sim::behaviour::{self, PlanningStart, Policy};
use plansim_sim::model::{Model, Plan};
use plansim_sim::scenario::{parse_and_validate_with_roster, DEFAULT_SCENARIO_TOML};

/// Distinct types of the roster: (ability, salary, tenure in months); each differs
/// from the first in one column, so a type that a solve merged with another shows.
const TYPES: [(f64, f64, u32); 4] = [
    (1.0, 9000.0, 24),
    (1.3, 9000.0, 24),
    (1.0, 10500.0, 24),
    (1.0, 9000.0, 2),
];
/// Reps of each type, interleaved in the roster.
const COPIES: usize = 4;

/// A roster of [`TYPES`], each [`COPIES`] times, interleaved (rep `j` is of type
/// `j % 4`).
fn roster() -> String {
    let mut csv = String::from("id,base_salary,tenure_months,ability\n");
    for j in 0..TYPES.len() * COPIES {
        let (ability, salary, tenure) = TYPES[j % TYPES.len()];
        csv.push_str(&format!("R{j},{salary},{tenure},{ability}\n"));
    }
    csv
}

/// The default scenario on the roster, with the drawn traits made equal across reps
/// (their sds 0), without its `[optimize]` section, and `changes` made to its text.
fn model(changes: &[(&str, &str)]) -> Model {
    let end = DEFAULT_SCENARIO_TOML
        .find("[optimize]")
        .expect("the default has an [optimize] section");
    let mut text = DEFAULT_SCENARIO_TOML[..end].to_string();
    let fixed = [
        ("# roster = \"team.csv\"", "roster = \"team.csv\""),
        (
            "effort_cost = { mean = 3000.0, sd = 500.0 }",
            "effort_cost = { mean = 3000.0, sd = 0.0 }",
        ),
        (
            "risk_aversion = { mean = 0.0002, sd = 0.00005 }",
            "risk_aversion = { mean = 0.0002, sd = 0.0 }",
        ),
        (
            "promotion_value = { mean = 20000.0, sd = 6000.0 }",
            "promotion_value = { mean = 20000.0, sd = 0.0 }",
        ),
        (
            "outside_premium = { mean = 0.0, sd = 600.0 }",
            "outside_premium = { mean = 0.0, sd = 0.0 }",
        ),
    ];
    for (from, to) in fixed.iter().chain(changes) {
        assert!(
            text.contains(from),
            "the default scenario no longer holds `{from}`"
        );
        text = text.replacen(from, to, 1);
    }
    let valid = parse_and_validate_with_roster(&text, "sharing", Some(&roster()))
        .expect("the test scenario is valid");
    Model::new(&valid)
}

/// Asserts that two policies are the same bit for bit ([`Policy::first_difference`]).
fn assert_same(what: &str, a: &Policy, b: &Policy, rows: usize) {
    if let Some(difference) = a.first_difference(b, rows) {
        panic!("{what}: {difference}");
    }
}

/// Solves `plan` shared and unshared and checks they agree, and that the shared table
/// stored one row set per type (of the team, and of each slot's hire types).
fn check(what: &str, model: &Model, plan: &Plan) {
    let start = PlanningStart::initial(model);
    let shared = behaviour::solve(model, plan, &start);
    let unshared = behaviour::solve_unshared(model, plan, &start);
    let n = model.reps().len();
    let hire_types = model.hiring().map_or(0, |h| h.type_count());
    let rows = n * (1 + hire_types);
    assert_same(what, &shared, &unshared, rows);
    assert_eq!(unshared.row_sets(), rows, "{what}: unshared rows");
    // Reps of a type are alike after the calibration, so the team's rows are one set
    // per type, and the hires' rows one per slot type and hire type.
    let expected = TYPES.len() * (1 + hire_types);
    assert_eq!(shared.row_sets(), expected, "{what}: shared rows");
}

#[test]
fn shared_solve_is_the_per_rep_solve() {
    let m = model(&[]);
    assert_eq!(m.reps().len(), TYPES.len() * COPIES);
    check("default plan", &m, m.plan());
    check("default baseline", &m, m.baseline());
}

#[test]
fn shared_solve_is_the_per_rep_solve_with_buckets_and_team_pay() {
    let quarterly = model(&[("cycle = \"month\"", "cycle = \"quarter\"")]);
    check("quarterly plan", &quarterly, quarterly.plan());
    let team = model(&[("basis = \"individual\"", "basis = \"team\"")]);
    check("team bonus", &team, team.plan());
    let tournament = model(&[
        ("mode = \"chance\"", "mode = \"tournament\""),
        ("chance_per_conversion = 0.01", "share = 0.25"),
    ]);
    check("tournament", &tournament, tournament.plan());
}

#[test]
fn shared_solve_is_the_per_rep_solve_with_a_hiring_pool() {
    // A pool's hires are solved outside the team's equilibrium: raises by the rep's
    // own attainment only.
    let m = model(&[
        (
            "handover_loss = 0.15 ",
            "handover_loss = 0.15\n\n[team.hiring]\nability = { mean = 1.0, sd = 0.25 }\ntypes = 3\n#",
        ),
        ("individual_weight = 0.7", "individual_weight = 1.0"),
        ("team_weight = 0.3", "team_weight = 0.0"),
    ]);
    assert_eq!(m.hiring().map(|h| h.type_count()), Some(3));
    check("hiring pool", &m, m.plan());
}

/// A generated team whose traits all differ has one row set per rep.
#[test]
fn distinct_reps_are_not_shared() {
    let valid = parse_and_validate_with_roster(DEFAULT_SCENARIO_TOML, "default", None)
        .expect("the default is valid");
    let m = Model::new(&valid);
    let policy = behaviour::solve(&m, m.plan(), &PlanningStart::initial(&m));
    assert_eq!(policy.row_sets(), m.reps().len());
}

/// The shared solve is the same on one thread and on two.
#[test]
fn shared_solve_is_the_same_on_one_and_two_threads() {
    let m = model(&[("cycle = \"month\"", "cycle = \"quarter\"")]);
    let solve = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("a thread pool")
            .install(|| behaviour::solve(&m, m.plan(), &PlanningStart::initial(&m)))
    };
    let rows = m.reps().len();
    assert_same("1 and 2 threads", &solve(1), &solve(2), rows);
}
