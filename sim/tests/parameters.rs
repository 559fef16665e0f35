//! The adjustable plan parameters (`scenario::PLAN_PARAMS`) against validation: bounds
//! that fill a parameter's valid range validate and every value within them makes a
//! valid scenario; bounds one step outside the range are refused with the field and
//! its line; the constraints between fields hold over the whole box of bounds.

use plansim_sim::scenario::{
    parse_and_validate, plan_param, set_params, DecisionVariable, OptimizeSection, ParamKind,
    PlanParam, PlanSection, Scenario, ScenarioError, ValidScenario, DEFAULT_SCENARIO_TOML,
    PLAN_PARAMS,
};

/// The default scenario with a plan that has every mechanism and optional field:
/// tournament promotion and top-share training, or chance promotion and training for all.
fn full(tournament: bool) -> Scenario {
    let mut s = plansim_sim::scenario::parse(DEFAULT_SCENARIO_TOML, "default").unwrap();
    let (promotion, training) = if tournament {
        (
            "mode = \"tournament\"\nshare = 0.2",
            "eligibility = \"top\"\ntop_share = 0.3",
        )
    } else {
        (
            "mode = \"chance\"\nchance_per_conversion = 0.01",
            "eligibility = \"all\"",
        )
    };
    let plan = format!(
        "cycle = \"month\"\n\
         [target_bonus]\namount = 1000.0\nthreshold = 1.0\nramp_from = 0.8\ncap = 2.0\n\
         [per_customer]\namount = 100.0\n\
         [commission]\nrate = 0.05\n\
         [promotion]\n{promotion}\nraise = 0.1\n\
         [salary_adjustment]\nreview_every = 3\npool = 0.05\nindividual_weight = 0.5\nteam_weight = 0.5\n\
         [training]\nevery = 3\ncost = 100.0\nskill_gain = 0.1\n{training}\n"
    );
    s.plan = toml::from_str(&plan).unwrap();
    s.rounds = None;
    s
}

/// `s` searched over the one parameter `path` within `[min, max]`, validated from its TOML text.
fn with_variable(
    s: &Scenario,
    path: &str,
    min: f64,
    max: f64,
) -> Result<ValidScenario, ScenarioError> {
    let mut s = s.clone();
    s.optimize = Some(OptimizeSection {
        variables: vec![DecisionVariable {
            path: path.into(),
            min,
            max,
            start: Some(min),
        }],
        ..s.optimize.clone().expect("the default has [optimize]")
    });
    parse_and_validate(&toml::to_string(&s).unwrap(), "test.toml", None)
}

/// The widest bounds a search of `p` may have in `s`: its range, each open end moved
/// just inside, and the threshold and ramp kept apart.
fn widest(p: &PlanParam, s: &Scenario) -> (f64, f64) {
    let r = p.range;
    let nudge = |x: f64, toward: f64| x + (toward - x) * 1e-6;
    let mut lo = if r.lo_open { nudge(r.lo, r.hi) } else { r.lo };
    let mut hi = if r.hi_open { nudge(r.hi, r.lo) } else { r.hi };
    let bonus = s.plan.target_bonus.as_ref().unwrap();
    match p.path {
        "plan.target_bonus.ramp_from" => hi = bonus.threshold - 0.01,
        "plan.target_bonus.threshold" => lo = bonus.ramp_from.unwrap() + 0.01,
        _ => {}
    }
    (lo, hi)
}

#[test]
fn bounds_filling_a_range_validate_and_every_value_within_them_makes_a_valid_scenario() {
    let mut checked = Vec::new();
    for tournament in [true, false] {
        let s = full(tournament);
        for p in PLAN_PARAMS.iter().filter(|p| p.in_effect(&s.plan)) {
            let (lo, hi) = widest(p, &s);
            let valid = with_variable(&s, p.path, lo, hi)
                .unwrap_or_else(|e| panic!("{}: bounds [{lo}, {hi}] refused: {e}", p.path));
            for k in 0..=10 {
                let x = lo + (hi - lo) * k as f64 / 10.0;
                let changed = set_params(valid.scenario(), &[(p.path, x)])
                    .unwrap_or_else(|e| panic!("{} at {x}: {e}", p.path));
                let v = valid
                    .with_changes(|t| *t = changed)
                    .unwrap_or_else(|e| panic!("{} at {x}: {e}", p.path));
                let taken = plan_param(p.path).unwrap().get(&v.scenario().plan).unwrap();
                match p.kind {
                    ParamKind::Real => assert_eq!(taken, x, "{}", p.path),
                    ParamKind::Integer => assert_eq!(taken, x.round(), "{}", p.path),
                }
            }
            checked.push(p.path);
        }
    }
    // Every parameter of the table was in effect in one of the two plans.
    for p in PLAN_PARAMS {
        assert!(checked.contains(&p.path), "{} never checked", p.path);
    }
}

#[test]
fn bounds_a_step_outside_a_range_are_refused_with_field_and_line() {
    for tournament in [true, false] {
        let s = full(tournament);
        for p in PLAN_PARAMS.iter().filter(|p| p.in_effect(&s.plan)) {
            let (lo, hi) = widest(p, &s);
            let step = if p.range.hi - p.range.lo > 10.0 {
                1.0
            } else {
                0.01
            };
            let below = if p.range.lo_open {
                p.range.lo
            } else {
                p.range.lo - step
            };
            let above = if p.range.hi_open {
                p.range.hi
            } else {
                p.range.hi + step
            };
            for (end, min, max) in [("min", below, hi), ("max", lo, above)] {
                let e = with_variable(&s, p.path, min, max)
                    .expect_err(&format!("{} [{min}, {max}] accepted", p.path));
                let field = format!("optimize.variables[0].{end}");
                let problem = e
                    .problems
                    .iter()
                    .find(|q| q.path == field)
                    .unwrap_or_else(|| panic!("{}: no problem at {field}: {e}", p.path));
                assert!(problem.line.is_some(), "{problem}");
                assert!(problem.message.contains(p.path), "{problem}");
                assert!(problem.message.contains(&p.range.words()), "{problem}");
            }
        }
    }
}

/// The problems of `s`, which must not validate.
fn problems(s: &Scenario) -> String {
    let text = toml::to_string(s).unwrap();
    match parse_and_validate(&text, "test.toml", None) {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn constraints_between_fields_hold_over_the_whole_box() {
    let s = full(true);
    // A ramp that can reach the threshold's lowest value.
    let mut t = s.clone();
    t.optimize.as_mut().unwrap().variables = vec![
        DecisionVariable {
            path: "plan.target_bonus.ramp_from".into(),
            min: 0.0,
            max: 0.9,
            start: None,
        },
        DecisionVariable {
            path: "plan.target_bonus.threshold".into(),
            min: 0.85,
            max: 2.0,
            start: None,
        },
    ];
    let err = problems(&t);
    assert!(err.contains("optimize.variables[0].max (line"), "{err}");
    assert!(
        err.contains("must stay below plan.target_bonus.threshold"),
        "{err}"
    );
    // Both score weights can be 0 together.
    let mut t = s.clone();
    t.plan.kpi.new_customers = 0.0;
    t.optimize.as_mut().unwrap().variables = vec![DecisionVariable {
        path: "plan.kpi.revenue".into(),
        min: 0.0,
        max: 1.0,
        start: None,
    }];
    let err = problems(&t);
    assert!(err.contains("optimize.variables[0].min (line"), "{err}");
    assert!(err.contains("must not both be 0"), "{err}");
    // A review period that would leave the quarterly cycle.
    let mut t = s.clone();
    t.plan.cycle = plansim_sim::scenario::Cycle::Quarter;
    t.optimize.as_mut().unwrap().variables = vec![DecisionVariable {
        path: "plan.salary_adjustment.review_every".into(),
        min: 3.0,
        max: 12.0,
        start: None,
    }];
    let err = problems(&t);
    assert!(err.contains("optimize.variables[0].path (line"), "{err}");
    assert!(err.contains("multiple of the cycle (3 months)"), "{err}");
    // A share that tournament mode uses, searched in chance mode.
    let mut t = full(false);
    t.optimize.as_mut().unwrap().variables = vec![DecisionVariable {
        path: "plan.promotion.share".into(),
        min: 0.1,
        max: 0.5,
        start: None,
    }];
    let err = problems(&t);
    assert!(err.contains("used only in tournament mode"), "{err}");
}

#[test]
fn the_plans_own_fields_keep_the_same_ranges() {
    // The plan's field and the optimiser's bounds are checked against one range.
    for p in PLAN_PARAMS {
        let s = Scenario {
            optimize: None,
            ..full(p.path != "plan.promotion.chance_per_conversion")
        };
        let outside = if p.range.hi_open {
            p.range.hi
        } else {
            p.range.hi + 1.0
        };
        // Set the field through its serialised form: set_params refuses a value outside the range.
        let mut json = serde_json::to_value(&s.plan).unwrap();
        let mut node = &mut json;
        for part in p.field().split('.') {
            node = &mut node[part];
        }
        *node = serde_json::json!(outside);
        let Ok(plan) = serde_json::from_value::<PlanSection>(json) else {
            // An integer field whose type cannot hold the value (u32::MAX + 1).
            assert_eq!(p.kind, ParamKind::Integer, "{}", p.path);
            continue;
        };
        let changed = Scenario { plan, ..s };
        let err = parse_and_validate(&toml::to_string(&changed).unwrap(), "test.toml", None)
            .expect_err(p.path)
            .to_string();
        let want = format!("{} (line", p.path);
        assert!(err.contains(&want), "{}: {err}", p.path);
        assert!(err.contains(&p.range.words()), "{}: {err}", p.path);
    }
}
