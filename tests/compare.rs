//! End-to-end tests of `plansim compare`.

mod common;

use std::path::Path;

use common::{json, plansim, temp_dir};

/// A small, fast variant of the default scenario, with `edit` applied to its text.
fn scenario(dir: &Path, name: &str, edit: impl Fn(String) -> String) -> String {
    let text = plansim_sim::scenario::DEFAULT_SCENARIO_TOML
        .replace("size = 50 ", "size = 12 ")
        .replace("periods = 12 ", "periods = 6 ");
    let path = dir.join(name);
    std::fs::write(&path, edit(text)).unwrap();
    path.display().to_string()
}

#[test]
fn identical_scenarios_differ_by_nothing_and_no_variant_is_picked() {
    let dir = temp_dir("identical");
    let a = scenario(&dir, "a.toml", |t| t);
    let b = scenario(&dir, "b.toml", |t| t);
    let v = json(&plansim(&[
        "compare", &a, &b, "-n", "200", "--seed", "3", "--format", "json",
    ]));
    assert_eq!(v["replications"], 200);
    let diffs = v["differences"][0]["metrics"].as_object().unwrap();
    assert!(diffs.len() >= 20);
    for (name, d) in diffs {
        let (lo, hi) = (d["ci95_low"].as_f64(), d["ci95_high"].as_f64());
        if let (Some(lo), Some(hi)) = (lo, hi) {
            assert!(lo <= 0.0 && 0.0 <= hi, "{name}: [{lo}, {hi}] excludes zero");
        }
    }
    let s = &v["selection"];
    assert_eq!(s["finished"], false, "{s}");
    assert_eq!(s["survivors"].as_array().unwrap().len(), 2);
    assert!(s["verdict"].as_str().unwrap().starts_with("No clear best"));
    for variant in v["variants"].as_array().unwrap() {
        assert_eq!(variant["probability_best"], 0.5);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_clearly_better_variant_is_selected() {
    let dir = temp_dir("better");
    let a = scenario(&dir, "current.toml", |t| t);
    // Three times the reward per new customer: clearly more revenue growth.
    let b = scenario(&dir, "richer.toml", |t| {
        t.replace("amount = 200.0 ", "amount = 600.0 ")
    });
    let out = plansim(&["compare", &a, &b, "-n", "1000", "--format", "json"]);
    let v = json(&out);
    let s = &v["selection"];
    assert_eq!(s["selected"], "richer", "{s}");
    assert_eq!(s["finished"], true, "{s}");
    assert!(s["stopped_at_replications"].as_u64().unwrap() < 1000);
    assert_eq!(s["eliminated"][0]["label"], "current");
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
    let b = scenario(&dir, "b.toml", |t| t.replace("size = 12 ", "size = 13 "));
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
