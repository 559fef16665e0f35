//! The fast behaviour search (docs/model.md section 8.3: a coarse grid shared by a
//! rep-period's cells, its promising local maxima refined by a quadratic-accelerated
//! pattern search) against the exhaustive search it replaced (a 25 x 13 grid and 14
//! rounds of pattern search), kept as the reference oracle
//! (`behaviour::Search::Exhaustive`).
//!
//! Tolerances, stated once: on every cell of a solve, the fast choice's objective
//! (certainty equivalent less any shadow cost) is at most [`VALUE`] x (1 + |objective|)
//! below the reference's best, and its efforts are within 1e-3 of each task's effort
//! range of the reference's ([`EFFORT`]) except in cells where the fast choice's
//! objective is higher beyond rounding: there the reference stopped short (its pattern
//! search travels at most twice its first step, and on the satisfaction gate's curved
//! ridge the maximum is further), which is counted and printed, not an error. Both
//! searches end at steps of about 5e-6 of the range, so at a smooth maximum their
//! values differ by far less than [`VALUE`]; a search that found another local maximum
//! would miss by the gap between the maxima. End to end (passes, planned path,
//! tournament cut-off) the planned efforts agree within [`EFFORT`] where the reference
//! found every maximum. Deterministic: no random draws.

use std::path::Path;
use std::sync::Mutex;

use plansim_sim::behaviour::{self, Audit, PlanningStart, Search};
use plansim_sim::model::{Model, Plan};
use plansim_sim::scenario::{load, ValidScenario};

/// Largest difference of effort, as a share of the task's effort range.
const EFFORT: f64 = 1e-3;
/// Largest shortfall of the objective, relative to 1 + |objective|.
const VALUE: f64 = 1e-9;
/// Reps kept of each scenario's team (the exhaustive reference is slow).
const REPS: u32 = 12;

fn scenario(path: &str) -> ValidScenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path);
    load(&path)
        .expect("scenario loads")
        .with_changes(|s| s.team.size = s.team.size.min(REPS))
        .expect("a smaller team is valid")
}

/// Audits every cell of the plan's and the baseline's solve.
fn audit(model: &Model, plan: &Plan) -> Audit {
    let audit = Mutex::new(Audit::default());
    behaviour::solve_with(
        model,
        plan,
        &PlanningStart::initial(model),
        Search::Audit(&audit),
    );
    audit.into_inner().expect("no panic while auditing")
}

fn check(path: &str) {
    let model = Model::new(&scenario(path));
    for (which, plan) in [("plan", model.plan()), ("baseline", model.baseline())] {
        let a = audit(&model, plan);
        println!("{path} {which}: {a:?}");
        assert!(a.cells > 0, "{path} {which}: no cell audited");
        assert!(
            a.acquisition <= EFFORT && a.service <= EFFORT,
            "{path} {which}: efforts differ from the reference's: {a:?}"
        );
        assert!(
            a.shortfall <= VALUE * (1.0 + a.scale),
            "{path} {which}: the objective falls short of the reference's: {a:?}"
        );
        if a.better > 0 && a.gain > VALUE * (1.0 + a.scale) {
            // The reference stopped short in some cells: its planned path differs.
            println!(
                "{path} {which}: the reference stopped short in {} cells",
                a.better
            );
            continue;
        }
        // End to end: the planned efforts of the whole solve (passes, planned path,
        // tournament cut-off) agree within the same tolerance.
        let start = PlanningStart::initial(&model);
        let fast = behaviour::solve(&model, plan, &start);
        let reference = behaviour::solve_with(&model, plan, &start, Search::Exhaustive);
        let rules = model.rules();
        let range_h = rules.max_effort.acquisition - rules.min_effort.acquisition;
        let range_f = rules.max_effort.service - rules.min_effort.service;
        let mut worst: f64 = 0.0;
        for (a, b) in fast.planned().iter().zip(reference.planned()) {
            for (x, y) in a.iter().zip(b) {
                worst = worst
                    .max((x.acquisition - y.acquisition).abs() / range_h)
                    .max((x.service - y.service).abs() / range_f.max(f64::MIN_POSITIVE));
            }
        }
        println!("{path} {which}: planned efforts differ by {worst:.2e} of the range");
        assert!(
            worst <= EFFORT,
            "{path} {which}: planned efforts differ by {worst}"
        );
        assert_eq!(fast.equilibrium().holds(), reference.equilibrium().holds());
    }
}

#[test]
fn default_scenario_matches_the_exhaustive_search() {
    check("scenarios/internet-company.toml");
}

#[test]
fn quarterly_scenario_matches_the_exhaustive_search() {
    check("scenarios/internet-company-quarterly.toml");
}

#[test]
fn compound_and_gated_scenarios_match_the_exhaustive_search() {
    check("scenarios/internet-company-compound.toml");
    check("scenarios/multitask-satisfaction-gate.toml");
    check("scenarios/theory-linear-commission.toml");
}

#[test]
fn field_scenarios_match_the_exhaustive_search() {
    check("scenarios/field/safelite.toml");
    check("scenarios/field/misra-nair.toml");
    check("scenarios/field/misra-nair-fixed-quota.toml");
}
