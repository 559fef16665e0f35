//! End-to-end tests of `plansim compare`.

mod common;

use std::path::Path;

use common::{edited, json, plansim, stderr, stdout, temp_dir};

/// A small, fast variant of the default scenario, with `edit` applied to its text.
fn scenario(dir: &Path, name: &str, edit: impl Fn(String) -> String) -> String {
    let text = edited(
        plansim_sim::scenario::DEFAULT_SCENARIO_TOML,
        &[
            ("size = 50 ", "size = 12 "),
            ("periods = 12 ", "periods = 6 "),
        ],
    );
    let path = dir.join(name);
    std::fs::write(&path, edit(text)).unwrap();
    path.display().to_string()
}

/// The fields of a summary that are numbers wherever the values are.
const SUMMARY_FIELDS: [&str; 7] = [
    "mean",
    "std_err",
    "ci95_low",
    "ci95_high",
    "p05",
    "p50",
    "p95",
];

#[test]
fn identical_scenarios_differ_by_exactly_nothing_and_no_variant_is_picked() {
    let dir = temp_dir("identical");
    let a = scenario(&dir, "a.toml", |t| t);
    let b = scenario(&dir, "b.toml", |t| t);
    let v = json(&plansim(&[
        "compare", &a, &b, "-n", "200", "--seed", "3", "--format", "json",
    ]));
    assert_eq!(v["replications"], 200);
    // On common random numbers the two variants draw the same luck, replication by
    // replication: every paired difference is exactly zero, its spread too, for every
    // metric (a null where a number is due fails).
    let metrics = v["variants"][0]["metrics"].as_object().unwrap();
    let diffs = v["differences"][0]["metrics"].as_object().unwrap();
    assert_eq!(
        diffs.keys().collect::<Vec<_>>(),
        metrics.keys().collect::<Vec<_>>()
    );
    assert!(diffs.len() >= 23, "{} metrics", diffs.len());
    let mut summaries: Vec<(String, &serde_json::Value)> =
        diffs.iter().map(|(name, d)| (name.clone(), d)).collect();
    summaries.push(("objective".into(), &v["differences"][0]["objective"]));
    for (name, d) in summaries {
        for field in SUMMARY_FIELDS {
            assert_eq!(
                d[field].as_f64(),
                Some(0.0),
                "{name}.{field} of identical variants is not exactly 0: {d}"
            );
        }
    }
    let s = &v["selection"];
    let pick = &s["best_ignoring_budget"];
    assert_eq!(pick["finished"], false, "{s}");
    assert_eq!(pick["survivors"].as_array().unwrap().len(), 2);
    assert_eq!(s["recommendation"]["finished"], false, "{s}");
    assert!(s["verdict"].as_str().unwrap().starts_with("No clear best"));
    for variant in v["variants"].as_array().unwrap() {
        assert_eq!(variant["probability_best"], 0.5);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The shipped default scenario (budget 4.5 M over the year) with its target bonus of
/// 2,500 raised to `amount`.
fn bonus(dir: &Path, name: &str, amount: &str) -> String {
    let path = dir.join(name);
    std::fs::write(
        &path,
        edited(
            plansim_sim::scenario::DEFAULT_SCENARIO_TOML,
            &[("amount = 2500.0 ", &format!("amount = {amount} "))],
        ),
    )
    .unwrap();
    path.display().to_string()
}

/// A verdict must not name a plan that breaks the budget as the answer: the best
/// variant that keeps the budget (by the optimiser's rule) is recommended, and the
/// best ignoring the budget is named beside it with its cost and P(cost > budget).
#[test]
fn the_recommendation_keeps_the_budget_and_names_the_best_that_breaks_it() {
    let dir = temp_dir("budget");
    // The bonus raised to 3,500 costs about 3.9 M; raised to 5,000, about 5.0 M and
    // the most revenue growth: it breaks the 4.5 M budget.
    let current = plansim_sim::scenario::DEFAULT_SCENARIO_TOML;
    let current_path = dir.join("current.toml");
    std::fs::write(&current_path, current).unwrap();
    let current_path = current_path.display().to_string();
    let mid = bonus(&dir, "bonus-mid.toml", "3500.0");
    let up = bonus(&dir, "bonus-up.toml", "5000.0");
    let args = ["compare", current_path.as_str(), mid.as_str(), up.as_str()];
    let v = json(&plansim(&[&args[..], &["--format", "json"]].concat()));
    let s = &v["selection"];
    assert_eq!(s["selected"], "bonus-mid", "{s}");
    assert_eq!(s["recommendation"]["selected"], "bonus-mid", "{s}");
    assert_eq!(s["recommendation"]["finished"], true, "{s}");
    assert_eq!(s["best_ignoring_budget"]["selected"], "bonus-up", "{s}");
    assert_eq!(
        s["keeping_budget"],
        serde_json::json!(["current", "bonus-mid"]),
        "{s}"
    );
    // Each variant's check is the rule applied to its own cost figures.
    for variant in v["variants"].as_array().unwrap() {
        let b = &variant["budget"];
        let (mean, se, budget) = (
            b["expected_cost"].as_f64().unwrap(),
            b["cost_std_err"].as_f64().unwrap(),
            b["budget"].as_f64().unwrap(),
        );
        assert_eq!(budget, 4.5e6);
        assert_eq!(mean, variant["metrics"]["incentive_cost"]["mean"]);
        assert_eq!(b["keeps_budget"], mean + 2.0 * se <= budget, "{b}");
        assert_eq!(
            b["overrun_probability"],
            variant["metrics"]["budget_overrun_probability"]["mean"]
        );
    }
    assert_eq!(v["variants"][2]["budget"]["keeps_budget"], false);
    let verdict = s["verdict"].as_str().unwrap();
    assert!(
        verdict.starts_with("bonus-mid is the best on revenue_growth"),
        "{verdict}"
    );
    assert!(
        verdict.contains("Ignoring the budget, bonus-up would be the best")
            && verdict.contains("does NOT keep it; P(cost > budget) in one realisation = 9"),
        "{verdict}"
    );
    // The table says the same, with every variant's cost against the budget.
    let table = common::stdout(&common::ok(plansim(&[&args[..], &["--wide"]].concat())));
    assert!(
        table.contains("bonus-mid is the best on revenue_growth (higher is better) among the variants that keep their budget (current, bonus-mid)"),
        "{table}"
    );
    assert!(table.contains("Ignoring the budget, bonus-up"), "{table}");
    for label in ["current", "bonus-mid", "bonus-up"] {
        assert!(
            table.lines().any(|l| l.trim_start().starts_with(label)
                && l.contains("against a budget of 4,500,000")),
            "{label}: {table}"
        );
    }
    // So do the CSV and the HTML page, in English and in Chinese.
    let csv = common::stdout(&common::ok(plansim(
        &[&args[..], &["--format", "csv"]].concat(),
    )));
    assert!(
        csv.contains("\nselected,bonus-mid,,revenue_growth,"),
        "{csv}"
    );
    assert!(csv.contains("\nbest_ignoring_budget,bonus-up,,revenue_growth,"));
    assert!(csv.contains("\nbudget,bonus-up,,keeps_budget,0,"));
    for (lang, expected) in [
        ("en", "bonus-mid is the best on revenue_growth"),
        (
            "zh",
            "bonus-mid 在“收入增长”上最优（在满足预算的方案 current、bonus-mid 中）",
        ),
    ] {
        let page = dir.join(format!("{lang}.html"));
        let page_arg = page.display().to_string();
        common::ok(plansim(
            &[&args[..], &["--report", &page_arg, "--lang", lang]].concat(),
        ));
        let html = std::fs::read_to_string(&page).unwrap();
        assert!(
            html.contains(expected),
            "{lang}: {expected} not in the page"
        );
    }
    // No variant keeps the budget: none is recommended, and the page says so.
    let v = json(&plansim(&["compare", &up, &up, "--format", "json"]));
    let s = &v["selection"];
    assert!(s["selected"].is_null(), "{s}");
    assert!(s["recommendation"].is_null(), "{s}");
    assert!(
        s["verdict"]
            .as_str()
            .unwrap()
            .starts_with("No variant keeps its budget"),
        "{s}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_clearly_better_variant_is_selected() {
    let dir = temp_dir("better");
    let a = scenario(&dir, "current.toml", |t| t);
    // Three times the reward per new customer: clearly more revenue growth.
    let b = scenario(&dir, "richer.toml", |t| {
        edited(&t, &[("amount = 200.0 ", "amount = 600.0 ")])
    });
    let out = plansim(&["compare", &a, &b, "-n", "1000", "--format", "json"]);
    let v = json(&out);
    let s = &v["selection"];
    assert_eq!(s["selected"], "richer", "{s}");
    // Both keep the budget: the recommendation is the best on the objective.
    assert_eq!(
        s["keeping_budget"],
        serde_json::json!(["current", "richer"])
    );
    let pick = &s["recommendation"];
    assert_eq!(pick["finished"], true, "{s}");
    assert!(pick["stopped_at_replications"].as_u64().unwrap() < 1000);
    assert_eq!(pick["eliminated"][0]["label"], "current");
    assert_eq!(s["best_ignoring_budget"]["selected"], "richer", "{s}");
    let growth = &v["differences"][0]["metrics"]["revenue_growth"];
    assert!(growth["ci95_low"].as_f64().unwrap() > 0.0, "{growth}");
    assert!(v["variants"][1]["probability_best"].as_f64().unwrap() > 0.99);
    // The same run on one thread gives the same bytes.
    let one = plansim(&[
        "compare",
        &a,
        &b,
        "-n",
        "1000",
        "--format",
        "json",
        "--threads",
        "1",
    ]);
    assert_eq!(out.stdout, one.stdout);
    // The table says it in words; lower-is-better objectives pick the cheaper plan.
    let table = plansim(&["compare", &a, &b, "-n", "1000"]);
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        text.contains("richer is the best on revenue_growth"),
        "{text}"
    );
    let cheap = json(&plansim(&[
        "compare",
        &a,
        &b,
        "-n",
        "1000",
        "--objective",
        "incentive_cost",
        "--indifference",
        "1000",
        "--format",
        "json",
    ]));
    assert_eq!(cheap["selection"]["selected"], "current");
    assert_eq!(cheap["selection"]["better"], "lower");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn variants_with_different_teams_or_horizons_are_refused_and_bad_flags_exit_2() {
    let dir = temp_dir("refuse");
    let a = scenario(&dir, "a.toml", |t| t);
    let b = scenario(&dir, "b.toml", |t| {
        edited(&t, &[("size = 12 ", "size = 13 ")])
    });
    let o = plansim(&["compare", &a, &b, "-n", "100"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("b.toml") && err.contains("same team size"),
        "{err}"
    );
    for bad in [
        vec!["--objective", "speed"],
        vec!["--indifference", "-1"],
        vec!["--confidence", "1.5"],
        vec!["--first-stage", "3"],
    ] {
        let mut args = vec!["compare", a.as_str(), a.as_str(), "-n", "100"];
        args.extend(bad.iter().copied());
        let o = plansim(&args);
        assert_eq!(o.status.code(), Some(2), "{bad:?}");
        assert!(!String::from_utf8_lossy(&o.stderr).contains("panicked"));
    }
    let o = plansim(&["compare", &a]);
    assert_eq!(o.status.code(), Some(2), "one variant is not a comparison");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn csv_has_a_bom_on_request_and_no_formula_cells() {
    let dir = temp_dir("csv");
    let a = scenario(&dir, "=cmd.toml", |t| t);
    let b = scenario(&dir, "b.toml", |t| t);
    let o = plansim(&["compare", &a, &b, "-n", "64", "--format", "csv", "--bom"]);
    assert!(o.status.success());
    assert!(o.stdout.starts_with(b"\xEF\xBB\xBF"));
    let text = String::from_utf8(o.stdout[3..].to_vec()).unwrap();
    assert!(text.starts_with("block,variant,against,metric,mean"));
    assert!(text.contains("variant,'=cmd,,revenue,"), "{text}");
    assert!(!text.lines().any(|l| l.starts_with('=') || l.contains(",=")));
    assert!(text.contains("probability_best,b,,revenue_growth,"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn every_output_says_how_many_replications_each_variant_got_and_why() {
    let dir = temp_dir("replications");
    let a = scenario(&dir, "current.toml", |t| t);
    let b = scenario(&dir, "bonus-up.toml", |t| {
        t.replace("amount = 2500.0 ", "amount = 5000.0 ")
    });
    let args = ["compare", &a, &b, "-n", "2000", "--seed", "3"];
    // Doubling the bonus is told apart at once: Kim-Nelson stops long before 2000.
    let v = json(&plansim(&[&args[..], &["--format", "json"]].concat()));
    let n = v["replications"].as_u64().unwrap();
    assert!(n < 2000, "stopped early at {n}");
    assert_eq!(v["replications_stop"], "stopped_early");
    assert_eq!(v["selection"]["max_replications"], 2000);
    let reason = v["replications_reason"].as_str().unwrap();
    assert!(
        reason.starts_with(&format!(
            "{n} replications per variant, of the 2,000 allowed"
        )) && reason.contains("--fixed-replications runs all 2,000"),
        "{reason}"
    );
    for variant in v["variants"].as_array().unwrap() {
        assert_eq!(variant["replications"].as_u64(), Some(n));
    }
    let table = common::stdout(&common::ok(plansim(&[&args[..], &["--wide"]].concat())));
    assert!(table.contains(reason), "{table}");
    let csv = common::stdout(&common::ok(plansim(
        &[&args[..], &["--format", "csv"]].concat(),
    )));
    for label in ["current", "bonus-up"] {
        assert!(
            csv.contains(&format!(
                "\nreplications,{label},stopped_early,replications,{n},"
            )),
            "{csv}"
        );
    }
    // Asked for a fixed count, every variant gets all of it.
    let fixed = [
        "compare",
        &a,
        &b,
        "-n",
        "300",
        "--seed",
        "3",
        "--fixed-replications",
    ];
    let v = json(&plansim(&[&fixed[..], &["--format", "json"]].concat()));
    assert_eq!(v["replications"], 300);
    assert_eq!(v["replications_stop"], "fixed");
    for variant in v["variants"].as_array().unwrap() {
        assert_eq!(variant["replications"], 300);
    }
    let table = common::stdout(&common::ok(plansim(&fixed)));
    assert!(
        table
            .contains("300 replications per variant, fixed (--fixed-replications): no early stop."),
        "{table}"
    );
    // Without it, the same 300 allowed are not all spent.
    let v = json(&plansim(&[&fixed[..7], &["--format", "json"]].concat()));
    assert!(v["replications"].as_u64().unwrap() < 300);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A metric no variant moves says so, in the table and the JSON; one that moves does not.
#[test]
fn metrics_no_variant_moves_carry_a_note() {
    let o = plansim(&[
        "compare",
        "examples/plans/current.toml",
        "examples/plans/bonus-up.toml",
        "-n",
        "64",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let notes = json(&o)["notes"].to_string();
    assert!(
        notes.contains("satisfaction differs by exactly 0"),
        "{notes}"
    );
    assert!(!notes.contains("revenue differs"), "{notes}");
    let table = plansim(&[
        "compare",
        "examples/plans/current.toml",
        "examples/plans/bonus-up.toml",
        "-n",
        "64",
    ]);
    assert!(stdout(&table).contains("Note: satisfaction differs by exactly 0"));
}
