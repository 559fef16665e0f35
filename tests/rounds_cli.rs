//! End-to-end tests of `plansim rounds`.

mod common;

use serde_json::Value;

use common::{edited, plansim, temp_dir};

/// The shipped template case, made small.
fn small_template(dir: &std::path::Path) -> String {
    let shipped = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/template-monitoring.toml"
    ))
    .unwrap();
    let text = edited(
        &shipped,
        &[
            ("size = 50 ", "size = 8 "),
            ("rounds = 12 ", "rounds = 4 "),
            ("reoptimize_evaluations = 20", "reoptimize_evaluations = 6"),
            (
                "reoptimize_replications = 96",
                "reoptimize_replications = 16",
            ),
        ],
    );
    let path = dir.join("t.toml");
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn rule_rounds_report_every_round_in_json_and_files() {
    let dir = temp_dir("json");
    let file = small_template(&dir);
    let out = dir.join("out");
    let o = plansim(&[
        "rounds",
        &file,
        "-n",
        "70",
        "--format",
        "json",
        "--out",
        &out.display().to_string(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["policy"], "rule");
    let rounds = v["rounds"].as_array().unwrap();
    assert_eq!(rounds.len(), 4);
    for (k, r) in rounds.iter().enumerate() {
        assert_eq!(r["round"], k as u64 + 1);
        let bonus = &r["params"]["plan.target_bonus.amount"];
        assert!(
            bonus["p05"].as_f64().unwrap() >= 1000.0 && bonus["p95"].as_f64().unwrap() <= 6000.0
        );
        let revenue = &r["metrics"]["revenue"];
        assert!(revenue["p05"].as_f64().unwrap() <= revenue["mean"].as_f64().unwrap());
        assert!(revenue["mean"].as_f64().unwrap() <= revenue["p95"].as_f64().unwrap());
    }
    assert!(v["final"]["revenue_growth"]["mean"].is_number());
    for f in ["rounds.json", "rounds.csv", "fan.svg"] {
        assert!(out.join(f).exists(), "{f} missing");
    }
    let svg = std::fs::read_to_string(out.join("fan.svg")).unwrap();
    assert!(svg.contains("target") && svg.contains("90 % band"));
}

#[test]
fn compare_policies_pairs_final_kpis() {
    let dir = temp_dir("compare");
    let file = small_template(&dir);
    let out = dir.join("out");
    let o = plansim(&[
        "rounds",
        &file,
        "-n",
        "40",
        "--compare-policies",
        "--format",
        "json",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // fan.svg shows every policy, in both of its charts.
    let svg = std::fs::read_to_string(out.join("fan.svg")).unwrap();
    for policy in ["static", "rule", "reoptimize"] {
        assert_eq!(
            svg.matches(&format!("{policy}: mean (90 % band)")).count(),
            2,
            "{policy} in {svg}"
        );
    }
    assert!(!svg.contains("-0.000"), "no negative zero on an axis");
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let names: Vec<&str> = v["policies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["policy"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["static", "rule", "reoptimize"]);
    for d in ["rule - static", "reoptimize - static"] {
        assert!(v["differences"][d]["revenue"]["std_err"].is_number(), "{d}");
    }
    let policy = |i: usize| &v["policies"][i]["rounds"];
    let param = |i: usize, round: usize, path: &str, stat: &str| {
        policy(i)[round]["params"][path][stat].as_f64().unwrap()
    };
    let bonus = "plan.target_bonus.amount";
    let reward = "plan.per_customer.amount";
    // static never moves.
    for round in 0..4 {
        assert_eq!(param(0, round, bonus, "p05"), 2500.0);
        assert_eq!(param(0, round, bonus, "p95"), 2500.0);
    }
    // rule: round 1 missed its revenue target and beat its new-customer target, so
    // the bonus rises and the per-customer reward falls.
    let first = &policy(1)[0]["metrics"];
    let mean = |m: &Value, k: &str| m[k]["mean"].as_f64().unwrap();
    assert!(mean(first, "revenue") < mean(first, "target_revenue"));
    assert!(mean(first, "new_customers") > mean(first, "target_new_customers"));
    assert!(param(1, 1, bonus, "mean") > 2500.0);
    assert!(param(1, 1, reward, "mean") < 200.0);
    // reoptimize: one new plan for every replication, spending the budget the static
    // plan leaves, for more revenue without breaking the budget.
    assert_eq!(param(2, 1, bonus, "p05"), param(2, 1, bonus, "p95"));
    assert_ne!(param(2, 1, bonus, "mean"), 2500.0);
    let growth = &v["differences"]["reoptimize - static"]["revenue_growth"];
    assert!(growth["ci95_low"].as_f64().unwrap() > 0.0, "{growth}");
    let budget = v["budget"].as_f64().unwrap();
    let cost = mean(&v["policies"][2]["final_metrics"], "incentive_cost");
    assert!(cost <= budget, "reoptimize spends {cost} of {budget}");
}

#[test]
fn bad_rounds_are_refused() {
    let dir = temp_dir("bad");
    let file = small_template(&dir);
    for args in [
        vec!["rounds", &file, "--rounds", "0"],
        vec!["rounds", &file, "--round-length", "0"],
    ] {
        let o = plansim(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
    }
    let text = edited(
        &std::fs::read_to_string(&file).unwrap(),
        &[(
            "path = \"plan.per_customer.amount\"  # the plan parameter adjusted",
            "path = \"plan.nothing\"",
        )],
    );
    std::fs::write(&file, text).unwrap();
    let o = plansim(&["rounds", &file]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("rounds.rules[1].path"));
}
