//! Deals that move (`[team.deal_timing]`, docs/model.md section 8.8): a linear plan moves
//! no deal, so its run is bit-identical to the run without the section; the timing
//! outputs are identical for any thread count; bad input is refused naming the field.

use std::path::Path;

use plansim_sim::engine::{self, timing};
use plansim_sim::model::Model;
use plansim_sim::scenario::parse_and_validate;

fn larkin_text(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../scenarios/field")
        .join(name);
    std::fs::read_to_string(path).expect("field scenario reads")
}

/// The file's text without its `[team.deal_timing]` table.
fn without_timing(text: &str) -> String {
    let start = text
        .find("\n[team.deal_timing]")
        .expect("the file opens deal timing")
        + 1;
    let end = start
        + text[start..]
            .find("\n\n")
            .expect("a blank line ends the table")
        + 2;
    format!("{}{}", &text[..start], &text[end..])
}

fn model(text: &str, label: &str) -> Model {
    Model::new(&parse_and_validate(text, label, None).expect("validates"))
}

/// Under a linear commission the pay now and the next cycle's value change by the same
/// rate per unit of revenue, so every shift loses its discount or its expected loss and
/// nothing moves: with the timing games open (the linear plan and the linear status
/// quo of `larkin-linear.toml`), the run is bit-identical to the same file without them,
/// and the timing outputs are exact zeros.
#[test]
fn a_linear_plan_moves_no_deal() {
    let text = larkin_text("larkin-linear.toml");
    let on = model(&text, "larkin-linear");
    let off = model(&without_timing(&text), "larkin-linear without timing");
    assert!(on.rules().deal_timing.is_some(), "on");
    assert!(off.rules().deal_timing.is_none(), "off");
    let (_, a) = engine::run(&on, 5, 128, &|_| {});
    let (_, b) = engine::run(&off, 5, 128, &|_| {});
    assert_eq!(a, b, "a linear plan's run changed when deals could move");
    let t = timing::timing(&on, &engine::solve(&on), 5, 128);
    for p in [&t.plan, &t.baseline] {
        assert_eq!(
            (p.pulled.mean, p.pushed.mean, p.revenue_lost.mean),
            (0.0, 0.0, 0.0),
            "{p:?}"
        );
    }
}

#[test]
fn timing_outputs_are_identical_for_any_thread_count() {
    let m = model(&larkin_text("larkin.toml"), "larkin");
    let solved = engine::solve(&m);
    let run = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| timing::timing(&m, &solved, 3, 130))
    };
    let (one, two) = (run(1), run(2));
    assert!(one.plan.pulled.mean > 0.0, "{one:?}");
    assert_eq!(format!("{one:?}"), format!("{two:?}"));
}

/// Each bad value is refused with the field's path and line and what is wrong.
#[test]
fn bad_deal_timing_is_refused_naming_the_field() {
    let text = larkin_text("larkin.toml");
    let line_of = |key: &str| {
        text.lines()
            .position(|l| l.starts_with(key))
            .expect("the key is in the file")
            + 1
    };
    for (key, bad, field, says) in [
        (
            "pull_discount = 0.15",
            "pull_discount = 1.5",
            "team.deal_timing.pull_discount",
            "must be between 0 and 0.99, got 1.5",
        ),
        (
            "push_loss = 0.10",
            "push_loss = -0.1",
            "team.deal_timing.push_loss",
            "must be between 0 and 1, got -0.1",
        ),
        (
            "max_pull_share = 0.5",
            "max_pull_share = 2.0",
            "team.deal_timing.max_pull_share",
            "must be between 0 and 1, got 2",
        ),
        (
            "window = 6",
            "window = 13",
            "team.deal_timing.window",
            "must be between 1 and the shorter of the plan's and the baseline's cycles (12 periods), got 13",
        ),
    ] {
        let changed = text.replacen(key, bad, 1);
        assert_ne!(changed, text, "{key} is in the file");
        let err = parse_and_validate(&changed, "larkin.toml", None)
            .expect_err("refused")
            .to_string();
        let expected = format!("{field} (line {}): {says}", line_of(key.split(' ').next().unwrap()));
        assert!(err.contains(&expected), "{err}\nlacks: {expected}");
        assert!(err.starts_with("larkin.toml: 1 problem"), "{err}");
    }
    // A team bonus makes a rep's pay depend on the others' deals: refused.
    let team = text.replacen(
        "[plan.commission]",
        "[plan.target_bonus]\namount = 5.0\nbasis = \"team\"\n\n[plan.commission]",
        1,
    );
    let err = parse_and_validate(&team, "larkin.toml", None)
        .expect_err("refused")
        .to_string();
    assert!(
        err.contains("team.deal_timing") && err.contains("team-basis target bonus"),
        "{err}"
    );
}

/// In the linear-normal model a period's whole output is its deals. Under Misra and
/// Nair's quarterly commission with a ceiling (nonlinear), with timing games across a
/// quarter's last month, deals move both ways, and the revenue lost is exactly the
/// discount on what was pulled plus the expected loss on what was pushed.
#[test]
fn linear_normal_output_moves_and_its_loss_is_the_discount_and_the_expected_loss() {
    let text = larkin_text("misra-nair.toml").replacen(
        "[market]",
        "[team.deal_timing]\npull_discount = 0.2\npush_loss = 0.3\nwindow = 1\n\n[market]",
        1,
    );
    let m = model(&text, "misra-nair with deal timing");
    let t = timing::timing(&m, &engine::solve(&m), 8, 128);
    println!("{:?}", t.baseline);
    for p in [&t.plan, &t.baseline] {
        let expected = 0.2 * p.pulled.mean + 0.3 * p.pushed.mean;
        assert!(
            (p.revenue_lost.mean - expected).abs() <= 1e-9 * expected.abs(),
            "{p:?}"
        );
    }
    // The old regime's ceiling pays nothing past 133 % of the quota: reps past it push.
    let b = &t.baseline;
    assert!(b.pushed.mean > 5.0 * b.pushed.std_err, "{b:?}");
    assert!(b.pulled.mean + b.pushed.mean > 0.0);
}
