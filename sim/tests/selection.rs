//! The hiring pool and selection's decomposition (docs/model.md section 10.1): hires
//! draw their abilities from their slot's own stream, the decomposition's parts add up
//! and pair exactly on common random numbers, and results do not depend on threads.

use std::path::Path;

use plansim_sim::engine::{self, selection};
use plansim_sim::model::Model;
use plansim_sim::scenario::{load, parse_and_validate};

fn safelite_text() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/field/safelite.toml");
    std::fs::read_to_string(path).expect("field scenario reads")
}

fn model_of(text: &str) -> Model {
    Model::new(&parse_and_validate(text, "test.toml", None).expect("valid scenario"))
}

/// Safelite with a smaller team and horizon, fast enough for several runs.
fn small(text: &str) -> String {
    text.replace("size = 100", "size = 20")
        .replace("periods = 24", "periods = 12")
}

#[test]
fn a_plan_equal_to_its_baseline_has_exactly_zero_effects() {
    // The piece rate replaced by the baseline's hourly pay: the plan, the plan at the
    // baseline's composition and the baseline are the same runs on the same streams.
    let text = small(&safelite_text()).replace(
        "[plan.commission]\nrate = 0.0                  # the hourly wage is guaranteed ...\ntiers = [ { from = 1.0, rate = 0.1 } ]        # ... and each installation above 50 pays $10\n",
        "",
    );
    assert!(!text.contains("[plan.commission]"));
    let model = model_of(&text);
    let solved = engine::solve(&model);
    let d = selection::decompose(&model, &solved, 5, 128);
    assert_eq!(d.total_effect.mean, 0.0);
    assert_eq!(d.incentive_effect.mean, 0.0);
    assert_eq!(d.selection_effect.mean, 0.0);
    assert_eq!(d.total_effect.std_err, 0.0);
    assert!(d.baseline_composition.leavers_per_replication > 0.0);
}

#[test]
fn the_decomposition_is_identical_for_any_thread_count() {
    let model = model_of(&small(&safelite_text()));
    let solved = engine::solve(&model);
    let run = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| selection::decompose(&model, &solved, 11, 200))
    };
    let (one, two) = (run(1), run(2));
    assert_eq!(format!("{one:?}"), format!("{two:?}"));
}

#[test]
fn without_a_pool_hires_keep_the_slot_and_the_composition_never_changes() {
    let text = small(&safelite_text());
    let at = text.find("[team.hiring]").unwrap();
    let end = text.find("[market]").unwrap();
    let without = format!("{}{}", &text[..at], &text[end..]);
    let model = model_of(&without);
    assert!(model.hiring().is_none());
    let solved = engine::solve(&model);
    let d = selection::decompose(&model, &solved, 3, 128);
    let mean_ability =
        model.reps().iter().map(|r| r.ability).sum::<f64>() / model.reps().len() as f64;
    for c in [d.baseline_composition, d.plan_composition] {
        assert!((c.team - mean_ability).abs() < 1e-9 * mean_ability, "{c:?}");
    }
}

#[test]
fn the_pool_refuses_team_pay_and_bad_types() {
    let text = safelite_text().replace("types = 7", "types = 1");
    let err = parse_and_validate(&text, "s.toml", None).unwrap_err();
    assert!(format!("{err:?}").contains("team.hiring.types"), "{err:?}");
    let text = safelite_text().replace(
        "[baseline]",
        "[plan.target_bonus]\namount = 1.0\nbasis = \"team\"\n\n[baseline]",
    );
    let err = parse_and_validate(&text, "s.toml", None).unwrap_err();
    assert!(format!("{err:?}").contains("team-basis"), "{err:?}");
    // The shipped field scenario loads.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/field/safelite.toml");
    assert!(load(&path).is_ok());
}

/// `safelite.toml` with applicants who respond to the plan.
fn with_applicants(text: &str) -> String {
    let line = "outside_option_per_ability = 0.16";
    assert!(text.contains(line));
    text.replace(line, &format!("applicant_sensitivity = 0.15\n{line}"))
}

#[test]
fn with_applicants_who_respond_equal_plans_still_have_exactly_zero_effects() {
    // Equal plans weigh the hire types alike, so the same people join under both.
    let text = with_applicants(&small(&safelite_text())).replace(
        "[plan.commission]\nrate = 0.0                  # the hourly wage is guaranteed ...\ntiers = [ { from = 1.0, rate = 0.1 } ]        # ... and each installation above 50 pays $10\n",
        "",
    );
    assert!(!text.contains("[plan.commission]"));
    let model = model_of(&text);
    let solved = engine::solve(&model);
    let g = model.hiring().unwrap().type_count();
    assert_eq!(
        solved.plan.hire_weights(0, g),
        solved.baseline.hire_weights(0, g)
    );
    let d = selection::decompose(&model, &solved, 5, 128);
    assert_eq!(d.total_effect.mean, 0.0);
    assert_eq!(d.incentive_effect.mean, 0.0);
    assert_eq!(d.selection_effect.mean, 0.0);
    assert!(d.baseline_composition.leavers_per_replication > 0.0);
}

#[test]
fn with_applicants_who_respond_results_do_not_depend_on_threads() {
    let model = model_of(&with_applicants(&small(&safelite_text())));
    let solved = engine::solve(&model);
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| {
                let (_, tally) = engine::run(&model, 9, 64, &|_| {});
                let d = selection::decompose(&model, &solved, 9, 64);
                format!("{:?} {:?}", tally.difference.summary(0), d)
            })
    };
    assert_eq!(run(1), run(2));
}

#[test]
fn applicant_sensitivity_must_be_positive() {
    let text = safelite_text().replace(
        "outside_option_per_ability = 0.16",
        "outside_option_per_ability = 0.16\napplicant_sensitivity = 0.0",
    );
    let err = parse_and_validate(&text, "s.toml", None).unwrap_err();
    let shown = format!("{err}");
    assert!(
        shown.contains("team.hiring.applicant_sensitivity") && shown.contains("got 0"),
        "{shown}"
    );
    // The shipped field scenario with applicants loads.
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/field/safelite-applicants.toml");
    assert!(load(&path).is_ok());
}
