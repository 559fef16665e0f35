//! End-to-end tests of `plansim optimize`.

mod common;

use std::path::Path;

use serde_json::Value;

use common::{plansim, stderr, temp_dir};

/// The default scenario, small and quick, with its [optimize] section changed by `edit`.
fn scenario(dir: &Path, edit: impl Fn(String) -> String) -> String {
    let text = plansim_sim::scenario::DEFAULT_SCENARIO_TOML
        .replace("size = 50 ", "size = 10 ")
        .replace("periods = 12 ", "periods = 4 ")
        .replace("replications = 1000 ", "replications = 128 ")
        .replace("certify_replications = 4000", "certify_replications = 256")
        .replace("max_evaluations = 120", "max_evaluations = 14");
    let path = dir.join("s.toml");
    std::fs::write(&path, edit(text)).unwrap();
    path.display().to_string()
}

#[test]
fn optimize_reports_json_and_writes_a_scenario_run_accepts() {
    let dir = temp_dir("json");
    let file = scenario(&dir, |t| t);
    let out = dir.join("best");
    let o = plansim(&[
        "optimize",
        &file,
        "--format",
        "json",
        "--out",
        &out.display().to_string(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    for key in [
        "solver",
        "evaluations",
        "budget",
        "feasible",
        "best",
        "start",
        "objective",
        "cost",
    ] {
        assert!(!v[key].is_null(), "missing {key}");
    }
    assert_eq!(v["evaluations"], 14);
    assert!(v["best"]["plan.target_bonus.amount"].is_number());
    for block in ["objective", "cost"] {
        for sample in ["in_sample", "out_of_sample"] {
            for f in ["mean", "std_err", "ci95_low", "ci95_high"] {
                assert!(v[block][sample][f].is_number(), "{block}.{sample}.{f}");
            }
        }
    }
    for f in ["params", "objective", "cost"] {
        assert!(!v["start"][f].is_null(), "start.{f}");
    }
    let csv = std::fs::read_to_string(out.join("convergence.csv")).unwrap();
    assert!(csv.starts_with("evaluation,plan.target_bonus.amount,"));
    assert_eq!(csv.lines().count(), 15);
    let svg = std::fs::read_to_string(out.join("convergence.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("best feasible so far"));
    let best = out.join("optimized.toml").display().to_string();
    let run = plansim(&["run", &best, "-n", "64", "--format", "json"]);
    assert!(run.status.success(), "{}", stderr(&run));
    // The written plan carries the winning parameter values.
    let text = std::fs::read_to_string(out.join("optimized.toml")).unwrap();
    let amount = v["best"]["plan.target_bonus.amount"].as_f64().unwrap();
    let parsed = plansim_sim::scenario::parse(&text, "optimized").unwrap();
    assert_eq!(parsed.plan.target_bonus.unwrap().amount, amount);
}

fn assert_refused(name: &str, edit: impl Fn(String) -> String, args: &[&str], expected: &str) {
    let dir = temp_dir(name);
    let file = scenario(&dir, edit);
    let mut all = vec!["optimize", file.as_str()];
    all.extend_from_slice(args);
    let o = plansim(&all);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{name}: {err}");
    assert!(err.contains(expected), "{name}: `{expected}` not in {err}");
    assert!(!err.contains("panicked"), "{name}: {err}");
}

#[test]
fn bad_searches_are_refused_naming_the_field() {
    assert_refused(
        "unknown-path",
        |t| {
            t.replace(
                "path = \"plan.per_customer.amount\"",
                "path = \"plan.per_customer.amout\"",
            )
        },
        &[],
        "optimize.variables[1].path",
    );
    assert_refused(
        "missing-mechanism",
        |t| {
            t.replace(
                "path = \"plan.per_customer.amount\"",
                "path = \"plan.commission.rate\"",
            )
        },
        &[],
        "plan.commission",
    );
    assert_refused(
        "inverted",
        |t| t.replace("max = 8000.0 ", "max = -5.0 "),
        &[],
        "optimize.variables[0].max",
    );
    assert_refused(
        "empty",
        |t| {
            t.replace(
                "min = 0.0                   # lower bound\nmax = 8000.0",
                "min = 8000.0                   # lower bound\nmax = 8000.0",
            )
        },
        &[],
        "optimize.variables[0].max",
    );
    assert_refused(
        "start-outside",
        |t| {
            t.replace(
                "max = 0.10                  # upper bound",
                "max = 0.10\nstart = 0.5",
            )
        },
        &[],
        "optimize.variables[3].start",
    );
    assert_refused(
        "budget-below-baseline",
        |t| t,
        &["--budget", "1000"],
        "optimize.budget",
    );
    assert_refused(
        "no-section",
        |t| t[..t.find("[optimize]").unwrap()].to_string(),
        &[],
        "no [optimize] section",
    );
    assert_refused("zero-evals", |t| t, &["--max-evals", "0"], "--max-evals");
}
