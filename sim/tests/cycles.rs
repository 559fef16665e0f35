//! Several cycles in one plan (docs/model.md section 5): a mechanism that names the
//! plan's own cycle changes nothing, a shorter cycle's pay is what a hand computation
//! gives, and the plans the model does not support are refused with the field named.

use std::path::Path;

use plansim_sim::engine::{self, metrics::Metric, simulate};
use plansim_sim::model::Model;
use plansim_sim::scenario::parse_and_validate;

fn quarterly_text() -> String {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/internet-company-quarterly.toml");
    std::fs::read_to_string(path).expect("scenario reads")
}

/// Inserts `line` after the first line that starts with `after`.
fn insert_after(text: &str, after: &str, line: &str) -> String {
    let at = text.find(after).expect("the section is there");
    let end = at + text[at..].find('\n').expect("a line end") + 1;
    format!("{}{line}\n{}", &text[..end], &text[end..])
}

/// A plan whose mechanisms name `plan.cycle` explicitly (and a baseline whose
/// commission names its own) is compiled, solved and simulated bit for bit as the
/// one that leaves them out.
#[test]
fn naming_the_plans_own_cycle_changes_nothing() {
    let implicit = quarterly_text();
    let explicit = insert_after(&implicit, "[plan.target_bonus]", "cycle = \"quarter\"");
    let explicit = insert_after(&explicit, "[baseline.commission]", "cycle = \"month\"");
    assert_ne!(implicit, explicit);
    let model = |text: &str| {
        Model::new(&parse_and_validate(text, "cycles", None).expect("validates"))
            .window(6)
            .expect("two quarters fit")
    };
    let (a, b) = (model(&implicit), model(&explicit));
    assert_eq!(a.plan(), b.plan());
    assert_eq!(a.baseline(), b.baseline());
    assert_eq!(a.plan().short_cycle_len, None);
    let (sa, ta) = engine::run(&a, 7, 24, &|_| {});
    let (sb, tb) = engine::run(&b, 7, 24, &|_| {});
    for m in [Metric::Revenue, Metric::IncentiveCost] {
        let (x, y) = (
            ta.plan.values(m.index()).unwrap(),
            tb.plan.values(m.index()).unwrap(),
        );
        assert!(x.iter().zip(y).all(|(x, y)| x.to_bits() == y.to_bits()));
        let (x, y) = (
            ta.baseline.values(m.index()).unwrap(),
            tb.baseline.values(m.index()).unwrap(),
        );
        assert!(x.iter().zip(y).all(|(x, y)| x.to_bits() == y.to_bits()));
    }
    // The policies agree cell by cell.
    for j in 0..a.reps().len() {
        for t in 0..6 {
            for x in [0.0, 0.37, 1.0, 1.6] {
                assert_eq!(
                    sa.plan.cell(j, t, true, x),
                    sb.plan.cell(j, t, true, x),
                    "rep {j} period {t} attainment {x}"
                );
            }
        }
    }
}

/// One rep on a fixed monthly quota of 10, a year's plan: a bonus of 4 for each
/// quarter whose revenue reaches 30 (`cycle = "quarter"`), and an annual commission of
/// 5 % on revenue above the year's 120. The engine's incentive cost in each month is
/// what the hand computation from its own monthly revenue gives: the bonus at each
/// quarter's end, the commission at the year's.
const TWO_CYCLES: &str = r#"
name = "two-cycles"

[simulation]
periods = 12
replications = 8
seed = 5

[team]
size = 1
ability = { mean = 10.0, sd = 0.0 }
effort_cost = { mean = 0.5, sd = 0.0 }
risk_aversion = { mean = 0.0, sd = 0.0 }
promotion_value = { mean = 0.0, sd = 0.0 }
outside_premium = { mean = 0.0, sd = 0.0 }
base_salary = { mean = 5.0, sd = 0.0 }
min_effort = { acquisition = 0.5, service = 0.0 }
max_effort = { acquisition = 1.5, service = 1.0 }
reference_effort = { acquisition = 1.0, service = 0.0 }
initial_tenure = 24
base_quit_rate = 0.0

[market]
seasonality = [1.2, 1.0, 0.8]
shock_sd = 0.0
shock_persistence = 0.0

[outcome]
model = "linear_normal"

[outcome.linear_normal]
noise_sd = 3.0

[targets]
revenue = { mode = "absolute", value = 10.0 }

[plan]
cycle = "year"
kpi = { revenue = 1.0, new_customers = 0.0 }

[plan.target_bonus]
cycle = "quarter"
amount = 4.0
threshold = 1.0

[plan.commission]
rate = 0.0
tiers = [ { from = 1.0, rate = 0.05 } ]

[baseline]
cycle = "month"
kpi = { revenue = 1.0, new_customers = 0.0 }

[baseline.commission]
rate = 0.03
"#;

#[test]
fn a_two_cycle_plan_pays_each_mechanism_on_its_own_cycle() {
    let model = Model::new(&parse_and_validate(TWO_CYCLES, "two cycles", None).expect("valid"));
    let plan = model.plan();
    assert_eq!(
        (plan.cycle_len, plan.short_cycle_len),
        (12, Some(3)),
        "{plan:?}"
    );
    assert!(plan.bonus_on_short && !plan.commission_on_short);
    let solved = engine::solve(&model);
    let mut ws = simulate::Workspace::new(&model);
    let (mut hit, mut missed, mut commissions) = (0, 0, 0);
    for replication in 0..40 {
        let totals = simulate::whole_horizon(&model, plan, &solved.plan, 5, replication, &mut ws);
        let revenue: Vec<f64> = ws.periods.iter().map(|p| p.revenue).collect();
        let year: f64 = revenue.iter().sum();
        let mut hand_total = 0.0;
        for (t, p) in ws.periods.iter().enumerate() {
            let mut hand = 0.0;
            if (t + 1) % 3 == 0 {
                let quarter: f64 = revenue[t - 2..=t].iter().sum();
                if quarter / 30.0 >= 1.0 {
                    hand += 4.0;
                    hit += 1;
                } else {
                    missed += 1;
                }
            }
            if t == 11 && year > 120.0 {
                hand += 0.05 * (year - 120.0);
                commissions += 1;
            }
            hand_total += hand;
            assert!(
                (p.incentive_cost - hand).abs() <= 1e-9 * (1.0 + hand),
                "replication {replication} month {}: engine {} hand {hand}",
                t + 1,
                p.incentive_cost
            );
        }
        assert!((totals.sum.incentive_cost - hand_total).abs() <= 1e-9 * (1.0 + hand_total));
        // Hits are counted on the plan's cycle: one rep-cycle a year.
        assert_eq!(totals.rep_cycles, 1.0);
    }
    // Both branches of the bonus and the commission were exercised.
    assert!(
        hit > 0 && missed > 0 && commissions > 0,
        "{hit} {missed} {commissions}"
    );
}

/// The engine reads the two-axis table: with the same attainment so far of the
/// quarter, a rep whose year is further along chooses differently where the annual
/// commission's kink is in reach, and each axis is read between its points.
#[test]
fn a_two_cycle_policy_depends_on_both_attainments() {
    let model = Model::new(&parse_and_validate(TWO_CYCLES, "two cycles", None).expect("valid"));
    let policy = engine::solve(&model).plan;
    // Month 11 (the year's last quarter, its second month).
    let t = 10;
    let low = policy.cell_two_cycles(0, t, true, 0.5, 0.2);
    let high = policy.cell_two_cycles(0, t, true, 0.5, 0.9);
    assert_ne!(low.acquisition, high.acquisition, "{low:?} {high:?}");
    let short_low = policy.cell_two_cycles(0, t, true, 0.1, 0.9);
    let short_high = policy.cell_two_cycles(0, t, true, 0.6, 0.9);
    assert_ne!(short_low.acquisition, short_high.acquisition);
    // Midway between two points of each axis the cell is the bilinear mean.
    let step = 2.0 / 10.0;
    let (y0, y1) = (4.0 * step, 5.0 * step);
    let (x0, x1) = (0.5, 0.55);
    let mid = policy.cell_two_cycles(0, t, true, 0.525, 0.5 * (y0 + y1));
    let corners = [
        policy.cell_two_cycles(0, t, true, x0, y0),
        policy.cell_two_cycles(0, t, true, x1, y0),
        policy.cell_two_cycles(0, t, true, x0, y1),
        policy.cell_two_cycles(0, t, true, x1, y1),
    ];
    let mean = corners.iter().map(|c| c.acquisition).sum::<f64>() / 4.0;
    assert!(
        (mid.acquisition - mean).abs() < 1e-12,
        "{mid:?} {corners:?}"
    );
}

/// Plans the model does not support are refused, naming the field and saying why.
#[test]
fn unsupported_cycle_combinations_are_refused_with_the_field_named() {
    let with = |find: &str, replace: &str| {
        let text = TWO_CYCLES.replacen(find, replace, 1);
        assert_ne!(text, TWO_CYCLES);
        parse_and_validate(&text, "two-cycles.toml", None)
            .err()
            .map(|e| e.to_string())
            .expect("refused")
    };
    let longer = with("cycle = \"year\"", "cycle = \"month\"");
    assert!(
        longer.contains("plan.target_bonus.cycle") && longer.contains("longest cycle"),
        "{longer}"
    );
    let three = with("rate = 0.0\ntiers", "cycle = \"month\"\nrate = 0.0\ntiers");
    assert!(
        three.contains("plan.commission.cycle") && three.contains("at most two distinct cycles"),
        "{three}"
    );
    let team = with("threshold = 1.0\n", "threshold = 1.0\nbasis = \"team\"\n");
    assert!(
        team.contains("plan.target_bonus.basis") && team.contains("single cycle"),
        "{team}"
    );
    let ratchet = with(
        "mode = \"absolute\", value = 10.0",
        "mode = \"ratchet\", growth = 0.0",
    );
    assert!(
        ratchet.contains("targets.revenue.mode") && ratchet.contains("single cycle"),
        "{ratchet}"
    );
    assert!(longer.contains("two-cycles.toml"), "{longer}");
}

/// What the two-cycle valuation does not model is refused with a second cycle, the
/// field named: satisfaction in the score or in pay, training as a reward and the
/// closed loop (docs/model.md section 11).
#[test]
fn satisfaction_training_as_a_reward_and_the_closed_loop_are_refused_with_two_cycles() {
    // The template's quarterly case made annual, its bonus kept quarterly.
    let two = quarterly_text().replacen("cycle = \"quarter\" ", "cycle = \"year\" ", 1);
    let two = insert_after(&two, "[plan.target_bonus]", "cycle = \"quarter\"").replacen(
        "review_every = 6 ",
        "review_every = 12 ",
        1,
    );
    if let Err(e) = parse_and_validate(&two, "two.toml", None) {
        panic!("{e}");
    }
    let refused = |text: &str, field: &str| {
        assert_ne!(text, two);
        let e = parse_and_validate(text, "two.toml", None)
            .err()
            .map(|e| e.to_string())
            .expect("refused");
        assert!(
            e.contains(field) && e.contains("single cycle"),
            "{field}: {e}"
        );
    };
    refused(
        &two.replacen(
            "[baseline] ",
            "[plan.satisfaction]\ngate = 70.0\n\n[baseline] ",
            1,
        ),
        "plan.satisfaction",
    );
    refused(
        &two.replacen(
            "kpi = { revenue = 0.5, new_customers = 0.5 }",
            "kpi = { revenue = 0.5, new_customers = 0.5, satisfaction = 0.2 }",
            1,
        )
        .replacen(
            "[targets]\n",
            "[targets]\nsatisfaction = { mode = \"absolute\", value = 70.0 }\n",
            1,
        ),
        "plan.kpi.satisfaction",
    );
    refused(
        &two.replacen(
            "eligibility = \"all\" ",
            "eligibility = \"top\"\ntop_share = 0.3\n# ",
            1,
        ),
        "plan.training.eligibility",
    );
    refused(
        &two.replacen("\n[team]\n", "\n[team]\nplanning = \"closed_loop\"\n", 1),
        "team.planning",
    );
}

/// The hot loop's lookup computes attainment so far only where a period's cells span
/// it: at a quarter's first month the one cell is returned without it, and within the
/// quarter the lazy lookup interpolates at the attainment as [`Policy::cell`] does.
///
/// [`Policy::cell`]: plansim_sim::behaviour::Policy::cell
#[test]
fn attainment_is_computed_only_where_the_cells_span_it() {
    let model =
        Model::new(&parse_and_validate(&quarterly_text(), "cycles", None).expect("validates"))
            .window(6)
            .expect("two quarters fit");
    let solved = engine::solve(&model);
    let policy = &solved.plan;
    let mut interpolated = 0;
    for j in 0..model.reps().len() {
        for t in 0..6 {
            for x in [0.0, 0.37, 1.0, 1.6] {
                let computed = std::cell::Cell::new(false);
                let lazy = policy.cell_at(j, t, true, || {
                    computed.set(true);
                    x
                });
                assert_eq!(
                    lazy,
                    policy.cell(j, t, true, x),
                    "rep {j} period {t} at {x}"
                );
                // A quarter's first month has one cell: attainment so far is not needed.
                assert_eq!(computed.get(), t % 3 != 0, "rep {j} period {t}");
                interpolated += usize::from(computed.get());
            }
        }
    }
    assert!(interpolated > 0);
}
