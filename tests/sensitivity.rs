//! End-to-end tests of `plansim sensitivity`: its outputs' shapes, determinism for any
//! thread count, exact zeros on common random numbers, and refused bad input. The
//! analysis itself is tested against closed forms in analysis/tests/sensitivity.rs.

mod common;

use std::path::Path;

use common::{edited, json, ok, plansim, stderr, stdout, temp_dir};

/// A small, fast variant of the default scenario with a light `[sensitivity]`
/// section, with `edit` applied to its text.
fn scenario(dir: &Path, name: &str, edit: impl Fn(String) -> String) -> String {
    let text = edited(
        plansim_sim::scenario::DEFAULT_SCENARIO_TOML,
        &[
            ("size = 50 ", "size = 6 "),
            ("periods = 12 ", "periods = 3 "),
        ],
    ) + "\n[sensitivity]\ntrajectories = 2\ndraws = 6\neffort_cost = [2500.0, 3500.0]\n";
    let path = dir.join(name);
    std::fs::write(&path, edit(text)).unwrap();
    path.display().to_string()
}

#[test]
fn json_has_every_part_and_the_same_bytes_on_one_or_two_threads() {
    let dir = temp_dir("sensitivity-json");
    let a = scenario(&dir, "a.toml", |t| t);
    let run = |threads: &str| {
        ok(plansim(&[
            "sensitivity",
            &a,
            "-n",
            "64",
            "--format",
            "json",
            "--threads",
            threads,
        ]))
        .stdout
    };
    let one = run("1");
    assert_eq!(one, run("2"), "JSON differs between 1 and 2 threads");
    let v: serde_json::Value = serde_json::from_slice(&one).unwrap();
    assert_eq!(v["command"], "sensitivity");
    assert_eq!(v["objective"], "revenue_growth");
    assert_eq!(v["first"], "plan");
    assert_eq!(v["second"], "baseline");
    assert_eq!(v["replications_per_point"], 64);
    // Seven assumptions (the funnel model), 1 + 4 x 7 + 2 x 8 + 6 points.
    assert_eq!(v["assumptions"].as_array().unwrap().len(), 7);
    assert_eq!(v["points"], 1 + 28 + 16 + 6);
    // The range written in [sensitivity] is used; the others default to ±25 %.
    let effort = &v["assumptions"][0];
    assert_eq!(effort["name"], "effort_cost");
    assert_eq!(
        (effort["low"].as_f64(), effort["high"].as_f64()),
        (Some(2500.0), Some(3500.0))
    );
    let churn = &v["assumptions"][6];
    assert_eq!(churn["field"], "outcome.funnel.churn_at_zero_service");
    let base = churn["base"].as_f64().unwrap();
    assert!((churn["high"].as_f64().unwrap() - 1.25 * base).abs() < 1e-12);
    let tornado = v["tornado"].as_array().unwrap();
    assert_eq!(tornado.len(), 7);
    let swings: Vec<f64> = tornado
        .iter()
        .map(|t| t["swing"].as_f64().unwrap())
        .collect();
    assert!(
        swings.windows(2).all(|w| w[0] >= w[1]),
        "largest swing first: {swings:?}"
    );
    assert!(tornado
        .iter()
        .all(|t| t["levels"].as_array().unwrap().len() == 5));
    let rows = v["morris"]["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 7);
    assert!(rows
        .iter()
        .all(|r| r["elementary_effects"].as_array().unwrap().len() == 2
            && r["mu_star"].as_f64().unwrap() >= 0.0));
    let win = &v["win"];
    assert_eq!(win["draws"], 6);
    assert_eq!(win["points"].as_array().unwrap().len(), 6);
    let wins = win["points"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["effect"].as_f64().unwrap() > 0.0)
        .count();
    assert_eq!(win["wins"], wins as u64);
    // The base point is `run`'s paired difference on the same replications.
    let r = json(&ok(plansim(&["run", &a, "-n", "64", "--format", "json"])));
    let run_mean = r["difference"]["revenue_growth"]["mean"].as_f64().unwrap();
    let base = v["base"]["effect"].as_f64().unwrap();
    // Summed in another order: equal within rounding.
    assert!(
        (run_mean - base).abs() <= 1e-12 * run_mean.abs().max(1.0),
        "{run_mean} vs {base}"
    );
}

#[test]
fn a_variant_against_itself_is_zero_and_every_output_is_written() {
    let dir = temp_dir("sensitivity-files");
    let a = scenario(&dir, "a.toml", |t| t);
    let out = dir.join("out");
    let page = dir.join("s.html");
    let o = ok(plansim(&[
        "sensitivity",
        &a,
        &a,
        "-n",
        "32",
        "--format",
        "csv",
        "--out",
        out.to_str().unwrap(),
        "--report",
        page.to_str().unwrap(),
    ]));
    let csv = stdout(&o);
    assert!(csv.starts_with("assumption,field,low,base,high,effect_low,effect_high,swing,"));
    assert_eq!(csv.lines().count(), 8);
    assert_eq!(
        std::fs::read_to_string(out.join("sensitivity.csv")).unwrap(),
        csv
    );
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("sensitivity.json")).unwrap()).unwrap();
    // Common random numbers: the same plan in the same world differs by exactly 0.
    assert_eq!(v["base"]["effect"].as_f64(), Some(0.0));
    for p in v["win"]["points"].as_array().unwrap() {
        assert_eq!(p["effect"].as_f64(), Some(0.0));
    }
    assert_eq!(v["win"]["wins"], 0);
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("<svg") && html.contains("One assumption at a time"));
}

#[test]
fn a_bad_range_is_refused_with_the_file_field_and_line() {
    let dir = temp_dir("sensitivity-bad");
    let a = scenario(&dir, "bad.toml", |t| {
        t.replace(
            "effort_cost = [2500.0, 3500.0]",
            "effort_cost = [3500.0, 2500.0]",
        )
    });
    let o = plansim(&["sensitivity", &a, "-n", "8"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("bad.toml") && e.contains("sensitivity.effort_cost"),
        "{e}"
    );
    assert!(e.contains("low <= high"), "{e}");
    // A range that makes an invalid scenario is refused naming the values.
    let b = scenario(&dir, "neg.toml", |t| {
        t.replace(
            "effort_cost = [2500.0, 3500.0]",
            "effort_cost = [-5.0, 3500.0]",
        )
    });
    let o = plansim(&["sensitivity", &b, "-n", "8"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("neg.toml") && e.contains("sensitivity.effort_cost: its low end, -5"),
        "{e}"
    );
    assert!(
        e.contains("team.effort_cost.mean: must be greater than 0"),
        "{e}"
    );
}
