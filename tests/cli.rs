//! End-to-end tests of the `plansim` command line.

mod common;

use std::path::Path;

use common::{edited, json, plansim, stderr, stdout, temp_dir};

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

/// A small, fast variant of the default scenario.
fn small_scenario(dir: &Path) -> String {
    let text = edited(
        plansim_sim::scenario::DEFAULT_SCENARIO_TOML,
        &[
            ("size = 50 ", "size = 12 "),
            ("periods = 12 ", "periods = 6 "),
        ],
    );
    write(dir, "small.toml", &text)
}

const REQUIRED_METRICS: [&str; 12] = [
    "revenue",
    "revenue_growth",
    "new_customers",
    "satisfaction",
    "incentive_cost",
    "cost_of_sales",
    "roi",
    "target_hit_rate",
    "attrition_rate",
    "effort_acquisition",
    "effort_service",
    "budget_overrun_probability",
];

#[test]
fn json_is_bit_identical_for_any_thread_count() {
    let dir = temp_dir("threads");
    let file = small_scenario(&dir);
    let run = |threads: &str| {
        stdout(&plansim(&[
            "run",
            &file,
            "-n",
            "300",
            "--seed",
            "11",
            "--threads",
            threads,
            "--format",
            "json",
        ]))
    };
    let one = run("1");
    assert!(one.contains("\"revenue\""));
    assert_eq!(one, run("2"), "2 threads differ from 1");
    assert_eq!(one, run("4"), "4 threads differ from 1");
    assert_eq!(one, run("1"), "a rerun differs");
    // A different seed gives different numbers.
    let other = stdout(&plansim(&[
        "run", &file, "-n", "300", "--seed", "12", "--format", "json",
    ]));
    assert_ne!(one, other);
}

#[test]
fn json_has_the_documented_shape() {
    let dir = temp_dir("shape");
    let file = small_scenario(&dir);
    let v = json(&plansim(&["run", &file, "-n", "200", "--format", "json"]));
    assert_eq!(v["replications"], 200);
    assert_eq!(v["scenario"], "internet-company");
    assert!(v["seed"].is_u64());
    // Every metric is finite in every replication of this scenario: sums and counts
    // by definition, shares and means over the team's rep-months and cycles (positive
    // here), and the two ratios because revenue and incentive cost are positive in
    // every replication (the plan pays a bonus and a per-customer reward, the status
    // quo a commission on new deals). So every summary field is a number: a null
    // would be a NaN the report hid.
    for name in REQUIRED_METRICS {
        assert!(v["metrics"][name].is_object(), "{name} missing");
    }
    let blocks = [
        ("metrics", &v["metrics"]),
        ("baseline", &v["baseline"]),
        ("difference", &v["difference"]),
        ("cost_by_mechanism.plan", &v["cost_by_mechanism"]["plan"]),
        (
            "cost_by_mechanism.baseline",
            &v["cost_by_mechanism"]["baseline"],
        ),
    ];
    let mut summaries = 0;
    for (block, summary) in blocks {
        for (name, s) in summary.as_object().unwrap() {
            let mut fields = vec![
                "mean",
                "std_err",
                "ci95_low",
                "ci95_high",
                "p05",
                "p50",
                "p95",
            ];
            if block == "difference" {
                fields.push("std_err_unpaired");
            }
            for field in fields {
                assert!(
                    s[field].as_f64().is_some_and(f64::is_finite),
                    "{block}.{name}.{field} is not a number: {s}"
                );
            }
            summaries += 1;
        }
    }
    // Every metric in each of the three blocks (costs by mechanism apart), and the six
    // mechanisms for both plans.
    let metrics = plansim_sim::engine::metrics::N_METRICS;
    assert_eq!(summaries, 3 * (metrics - 6) + 2 * 6);
    let revenue = &v["metrics"]["revenue"];
    let (lo, mean, hi) = (
        revenue["ci95_low"].as_f64().unwrap(),
        revenue["mean"].as_f64().unwrap(),
        revenue["ci95_high"].as_f64().unwrap(),
    );
    assert!(lo < mean && mean < hi);
    assert!(revenue["p05"].as_f64().unwrap() <= revenue["p50"].as_f64().unwrap());
    for mech in [
        "target_bonus",
        "per_customer",
        "commission",
        "promotion",
        "salary_adjustment",
        "training",
    ] {
        assert!(
            v["cost_by_mechanism"]["plan"][mech]["mean"].is_number(),
            "{mech}"
        );
    }
    let periods = v["per_period"].as_array().unwrap();
    assert_eq!(periods.len(), 6);
    assert_eq!(periods[0]["period"], 1);
    assert!(periods[5]["plan"]["revenue"]["mean"].as_f64().unwrap() > 0.0);
    // The costs by mechanism add up to the incentive cost.
    let total: f64 = [
        "target_bonus",
        "per_customer",
        "commission",
        "promotion",
        "salary_adjustment",
        "training",
    ]
    .iter()
    .map(|m| v["cost_by_mechanism"]["plan"][m]["mean"].as_f64().unwrap())
    .sum();
    let cost = v["metrics"]["incentive_cost"]["mean"].as_f64().unwrap();
    assert!((total - cost).abs() <= 1e-9 * cost, "{total} vs {cost}");
}

#[test]
fn common_random_numbers_shrink_the_standard_error_of_the_difference() {
    let dir = temp_dir("crn");
    let file = small_scenario(&dir);
    let v = json(&plansim(&["run", &file, "-n", "400", "--format", "json"]));
    // Revenue and customers of plan and baseline share the team's luck, so pairing
    // removes most of the variance; costs differ in kind, so it removes less.
    for (name, factor) in [
        ("revenue", 0.5),
        ("new_customers", 0.8),
        ("incentive_cost", 1.0),
    ] {
        let d = &v["difference"][name];
        let paired = d["std_err"].as_f64().unwrap();
        let unpaired = d["std_err_unpaired"].as_f64().unwrap();
        assert!(
            paired < factor * unpaired,
            "{name}: paired {paired} vs unpaired {unpaired}"
        );
    }
}

#[test]
fn out_writes_every_file_and_never_overwrites_without_force() {
    let dir = temp_dir("out");
    let file = small_scenario(&dir);
    let out = dir.join("results");
    let out_s = out.display().to_string();
    let o = plansim(&[
        "run", &file, "-n", "130", "--out", &out_s, "--format", "csv",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    assert!(summary.starts_with("block,metric,mean,std_err,ci95_low,ci95_high,p05,p50,p95"));
    assert!(summary.contains("difference,revenue,"));
    let reps = std::fs::read_to_string(out.join("replications.csv")).unwrap();
    assert_eq!(
        reps.lines().count(),
        131,
        "a header and a row per replication"
    );
    let per = std::fs::read_to_string(out.join("per_period.csv")).unwrap();
    assert!(per.starts_with("period,block,metric,mean"));
    let resolved = out.join("scenario.toml");
    assert_eq!(
        plansim(&["validate", &resolved.display().to_string()])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(stdout(&o), summary, "--format csv prints the summary");
    // No --force: refused, and nothing changes.
    std::fs::write(out.join("summary.csv"), "mine").unwrap();
    let again = plansim(&["run", &file, "-n", "130", "--out", &out_s]);
    assert_eq!(again.status.code(), Some(2));
    assert!(stderr(&again).contains("--force"));
    assert_eq!(
        std::fs::read_to_string(out.join("summary.csv")).unwrap(),
        "mine"
    );
    let forced = plansim(&["run", &file, "-n", "130", "--out", &out_s, "--force"]);
    assert!(forced.status.success());
    assert_ne!(
        std::fs::read_to_string(out.join("summary.csv")).unwrap(),
        "mine"
    );
    let leftovers: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("partial"))
        .collect();
    assert!(leftovers.is_empty());
}

/// Runs a bad scenario: exit code 2, the expected words in the message, no panic, no file written.
fn assert_rejected(name: &str, text: &str, expected: &[&str]) {
    let dir = temp_dir(name);
    let file = write(&dir, "bad.toml", text);
    let out = dir.join("out");
    let o = plansim(&[
        "run",
        &file,
        "-n",
        "10",
        "--out",
        &out.display().to_string(),
    ]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{name}: {err}");
    assert!(!err.contains("panicked"), "{name}: {err}");
    for e in expected {
        assert!(err.contains(e), "{name}: `{e}` not in: {err}");
    }
    assert!(
        !out.exists() || std::fs::read_dir(&out).unwrap().next().is_none(),
        "{name}: wrote output"
    );
    let v = plansim(&["validate", &file]);
    assert_eq!(v.status.code(), Some(2), "{name}: validate");
}

#[test]
fn bad_scenarios_are_rejected_with_clear_errors() {
    assert_rejected("malformed", "[team\nsize = 3\n", &["bad.toml", "line 1"]);
    assert_rejected(
        "unknown",
        "[team]\nsize = 5\nsise = 6\n\n[plan]\nbonus = 1\n",
        &[
            "team.sise (line 3): unknown field",
            "plan.bonus (line 6): unknown field",
        ],
    );
    // Every problem at once: unknown fields beside out-of-range values, in file order.
    assert_rejected(
        "unknown-and-range",
        "[team]\nsise = 6\n\n[plan.target_bonus]\namount = 1000.0\nthreshold = -1.0\n",
        &[
            "team.sise (line 2): unknown field `sise`, did you mean `size`?\n",
            "\n  plan.target_bonus.threshold (line 6): must be between 0 and 10, got -1",
        ],
    );
    assert_rejected(
        "range",
        "[plan.target_bonus]\namount = 1000.0\nthreshold = -1.0\n",
        &["plan.target_bonus.threshold (line 3): must be between 0 and 10, got -1"],
    );
    assert_rejected("negative", "[team]\nsize = -5\n", &["team.size", "line 2"]);
    assert_rejected(
        "nan",
        "[market]\nshock_sd = nan\n",
        &["market.shock_sd (line 2): must be a finite number"],
    );
    assert_rejected(
        "wrong-type",
        "[simulation]\nperiods = \"twelve\"\n",
        &["simulation.periods", "line 2"],
    );
    assert_rejected(
        "enum",
        "[plan]\ncycle = \"fortnight\"\n",
        &["fortnight", "line 2"],
    );
    assert_rejected(
        "missing-roster",
        "[team]\nroster = \"nowhere.csv\"\n",
        &["team.roster", "nowhere.csv"],
    );
    assert_rejected(
        "many",
        "[simulation]\nperiods = 0\n[team]\nbase_quit_rate = -0.5\n[plan.per_customer]\namount = -3.0\n",
        &["simulation.periods (line 2)", "team.base_quit_rate (line 4)", "plan.per_customer.amount (line 6)", "3 problems"],
    );
}

/// Misspellings, duplicates, an empty file and out-of-range values are answered in the
/// author's words: the key's own line, the name it most likely misspells, no Rust
/// type names; and an empty file is an error, not the default scenario.
#[test]
fn scenario_mistakes_are_answered_in_the_authors_words() {
    assert_rejected(
        "misspelt-required",
        "[plan.training]\nevry = 3\n",
        &[
            "plan.training.evry (line 2): unknown field `evry`, did you mean `every`?",
            "1 problem",
        ],
    );
    assert_rejected(
        "misspelt-optional",
        "name = \"x\"\n[plan.target_bonus]\namount = 100.0\ntreshold = 0.8\n",
        &["plan.target_bonus.treshold (line 4): unknown field `treshold`, did you mean `threshold`?"],
    );
    assert_rejected(
        "far-from-every-name",
        "[plan.target_bonus]\namount = 100.0\nzzzz = 1\n",
        &["unknown field `zzzz`; this table has `amount`, `threshold`"],
    );
    assert_rejected(
        "duplicate",
        "name = \"a\"\nname = \"b\"\n",
        &["(line 2): `name` is written twice in the same table"],
    );
    assert_rejected(
        "misspelt-in-array",
        "[plan.commission]\nrate = 0.01\n[[plan.commission.tiers]]\nfrom = 1.0\nratee = 0.02\n",
        &["plan.commission.tiers[0].ratee (line 5): unknown field `ratee`, did you mean `rate`?"],
    );
    assert_rejected(
        "number-for-a-table",
        "[plan]\ntarget_bonus = 3\n",
        &["plan.target_bonus (line 2): invalid type: integer `3`, expected a table of fields\n"],
    );
    assert_rejected("empty", "", &["the file sets nothing"]);
    assert_rejected(
        "comments-only",
        "# nothing here\n\n",
        &["the file sets nothing"],
    );
    assert_rejected(
        "rust-type-name",
        "[simulation]\nperiods = -3\n",
        &["simulation.periods (line 2): invalid value: integer `-3`, expected a whole number"],
    );
    let deep = format!("a = {}{}\n", "[".repeat(5000), "]".repeat(5000));
    assert_rejected("deep", &deep, &["(line 1): arrays or tables are nested"]);
    assert_rejected(
        "too-long",
        "[simulation]\nperiods = 121\n",
        &["simulation.periods (line 2): must be between 1 and 120, got 121"],
    );
    // Tiny positive productivity parameters: below their floors, not a null growth.
    for (key, text) in [
        (
            "team.ability.mean",
            "[team]\nability = { mean = 5e-324, sd = 0.0 }\n",
        ),
        ("team.initial_skill", "[team]\ninitial_skill = 5e-324\n"),
        (
            "outcome.funnel.conversion",
            "[outcome.funnel]\nconversion = 5e-324\n",
        ),
        (
            "outcome.funnel.new_customers_per_effort",
            "[outcome.funnel]\nnew_customers_per_effort = 5e-324\n",
        ),
        (
            "outcome.funnel.deal_size.mean",
            "[outcome.funnel]\ndeal_size = { mean = 5e-324, sd = 0.0 }\n",
        ),
    ] {
        assert_rejected(
            key,
            &format!("name = \"x\"\n{text}"),
            &[&format!("{key} (line 3): must be between")],
        );
    }
    // A file that sets only its name is the default scenario under that name.
    let dir = temp_dir("name-only");
    let file = write(&dir, "named.toml", "name = \"mine\"\n");
    let ok = plansim(&["validate", &file]);
    assert!(ok.status.success(), "{}", stderr(&ok));
}

/// At the floors of the productivity parameters every figure of the plan is a number:
/// the floors are where the ratios stay defined.
#[test]
fn at_the_floors_every_figure_of_the_plan_is_a_number() {
    let dir = temp_dir("floors");
    for (i, edit) in [
        ("ability = { mean = 1.0", "ability = { mean = 0.01"),
        ("initial_skill = 1.0 ", "initial_skill = 0.01 "),
        ("conversion = 0.5 ", "conversion = 0.001 "),
        (
            "new_customers_per_effort = 5.0 ",
            "new_customers_per_effort = 0.01 ",
        ),
        ("deal_size = { mean = 6000.0", "deal_size = { mean = 1.0"),
    ]
    .into_iter()
    .enumerate()
    {
        let text = edited(plansim_sim::scenario::DEFAULT_SCENARIO_TOML, &[edit]);
        let file = write(&dir, &format!("floor{i}.toml"), &text);
        let v = json(&plansim(&["run", &file, "-n", "32", "--format", "json"]));
        for (name, m) in v["metrics"].as_object().unwrap() {
            assert!(m["mean"].is_number(), "{edit:?}: {name} is {}", m["mean"]);
        }
    }
}

/// Raises compounding past the revenue: the figures come with a warning in every output.
#[test]
fn incentives_beyond_the_revenue_are_warned_of() {
    let dir = temp_dir("compounding");
    let text = edited(
        plansim_sim::scenario::DEFAULT_SCENARIO_TOML,
        &[
            ("periods = 12 ", "periods = 120 "),
            ("review_every = 6 ", "review_every = 1 "),
            ("pool = 0.04 ", "pool = 0.5 "),
        ],
    );
    // The search's bounds on the pool would refuse the plan; the run alone is the point.
    let text = text[..text.find("[optimize]").unwrap()].to_string();
    let file = write(&dir, "compounding.toml", &text);
    let o = plansim(&["run", &file, "-n", "16", "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = json(&o);
    let warnings = v["warnings"].as_array().unwrap();
    assert!(
        warnings.iter().any(
            |w| w.as_str().unwrap().starts_with("Plan: the incentives cost")
                && w.as_str().unwrap().contains("times the revenue")
        ),
        "{warnings:?}"
    );
    assert!(
        stderr(&o).contains("warning: Plan: the incentives cost"),
        "{}",
        stderr(&o)
    );
    // rounds says it of the policy it concerns.
    let o = plansim(&["rounds", &file, "-n", "16", "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let warnings = json(&o)["warnings"].to_string();
    assert!(
        warnings.contains("static, Plan: the incentives cost"),
        "{warnings}"
    );
    // compare says it of the variant it concerns.
    let long = edited(
        plansim_sim::scenario::DEFAULT_SCENARIO_TOML,
        &[("periods = 12 ", "periods = 120 ")],
    );
    let default = write(
        &dir,
        "default.toml",
        &long[..long.find("[optimize]").unwrap()],
    );
    let o = plansim(&["compare", &default, &file, "-n", "64", "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let warnings = json(&o)["warnings"].to_string();
    assert!(
        warnings.contains("compounding, Plan: the incentives cost")
            && !warnings.contains("default, Plan"),
        "{warnings}"
    );
    // The default scenario's plan keeps within its revenue and says nothing of it.
    let v = json(&plansim(&["run", "-n", "16", "--format", "json"]));
    assert!(
        !v["warnings"].to_string().contains("incentives cost"),
        "{}",
        v["warnings"]
    );
}

#[test]
fn bad_roster_rows_are_reported_by_line() {
    let dir = temp_dir("roster");
    write(
        &dir,
        "team.csv",
        "id,name,base_salary,ability\nA1,Li,9000,1.1\nA2,Wang,lots,1.0\nA3,Zhao,8000,-1\n",
    );
    let file = write(&dir, "s.toml", "[team]\nroster = \"team.csv\"\n");
    let o = plansim(&["validate", &file]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("line 3") && err.contains("base_salary"),
        "{err}"
    );
    assert!(err.contains("line 4") && err.contains("ability"), "{err}");
    write(
        &dir,
        "team.csv",
        "id,name,base_salary,ability\nA1,Li,9000,1.1\nA2,Wang,8000,0.9\n",
    );
    let ok = plansim(&["validate", &file]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    assert!(stdout(&ok).contains("2 reps"));
}

/// Shares and scores keep their 95 % intervals within their bounds, even where the
/// normal interval would pass them (a budget overrun probability near 1 on few
/// replications, a hit rate near 1).
#[test]
fn intervals_of_shares_stay_within_their_bounds() {
    let dir = temp_dir("bounds");
    let text = edited(
        plansim_sim::scenario::DEFAULT_SCENARIO_TOML,
        &[("amount = 2500.0 ", "amount = 5000.0 ")],
    );
    let file = write(&dir, "bonus-up.toml", &text);
    let v = json(&plansim(&["run", &file, "-n", "64", "--format", "json"]));
    let overrun = &v["metrics"]["budget_overrun_probability"];
    assert!(overrun["mean"].as_f64().unwrap() > 0.9, "{overrun}");
    assert!(overrun["std_err"].as_f64().unwrap() > 0.0, "{overrun}");
    for (name, lo, hi) in [
        ("budget_overrun_probability", 0.0, 1.0),
        ("target_hit_rate", 0.0, 1.0),
        ("team_target_hit_rate", 0.0, 1.0),
        ("attrition_rate", 0.0, 1.0),
        ("satisfaction", 0.0, 100.0),
    ] {
        for (part, (a, b)) in [
            ("metrics", (lo, hi)),
            ("baseline", (lo, hi)),
            ("difference", (lo - hi, hi - lo)),
        ] {
            let s = &v[part][name];
            let (l, h) = (
                s["ci95_low"].as_f64().unwrap(),
                s["ci95_high"].as_f64().unwrap(),
            );
            assert!(a <= l && l <= h && h <= b, "{part}.{name}: {s}");
        }
    }
}

#[test]
fn absurd_flags_are_refused() {
    for args in [
        vec!["run", "--threads", "0"],
        vec!["run", "--replications", "0"],
        vec!["run", "--seed", "-1"],
        vec!["run", "--format", "xml"],
        vec!["run", "no-such-file.toml"],
    ] {
        let o = plansim(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(!stderr(&o).contains("panicked"));
    }
}

#[test]
fn every_subcommand_has_help_with_an_example() {
    for sub in ["run", "validate", "example", "bench", "compare", "batch"] {
        let o = plansim(&[sub, "--help"]);
        assert!(o.status.success());
        assert!(
            stdout(&o).contains("Example"),
            "{sub} --help has no example"
        );
    }
    assert!(stdout(&plansim(&["--help"])).contains("Examples"));
}

#[test]
fn example_prints_the_default_scenario_which_validates() {
    let o = plansim(&["example"]);
    assert!(o.status.success());
    let text = stdout(&o);
    assert_eq!(text, plansim_sim::scenario::DEFAULT_SCENARIO_TOML);
    let dir = temp_dir("example");
    let file = write(&dir, "ex.toml", &text);
    let v = plansim(&["validate", &file]);
    assert!(v.status.success(), "{}", stderr(&v));
    // Every field line carries a comment.
    for line in text
        .lines()
        .filter(|l| l.contains(" = ") && !l.trim_start().starts_with('#'))
    {
        assert!(line.contains('#'), "uncommented field: {line}");
    }
}

#[test]
fn table_is_the_default_and_names_every_metric() {
    let dir = temp_dir("table");
    let file = small_scenario(&dir);
    let o = plansim(&["run", &file, "-n", "100", "--wide"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let table = stdout(&o);
    for name in REQUIRED_METRICS {
        assert!(table.contains(name), "{name} missing from the table");
    }
    assert!(table.contains("difference [95% CI]"));
}

/// The shipped monitoring scenario, small and short, with `from` replaced by `to` (which must occur).
fn monitoring(dir: &Path, from: &str, to: &str) -> String {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/template-monitoring.toml"),
    )
    .unwrap();
    for part in [from, "size = 50 ", "rounds = 12 ", "periods = 12 "] {
        assert!(
            text.contains(part),
            "`{part}` not in template-monitoring.toml"
        );
    }
    let text = text
        .replacen(from, to, 1)
        .replacen("size = 50 ", "size = 8 ", 1)
        .replacen("rounds = 12 ", "rounds = 3 ", 1)
        .replacen("periods = 12 ", "periods = 3 ", 1);
    write(dir, "monitoring.toml", &text)
}

#[test]
fn a_planning_sample_of_2_to_the_64_minus_1_validates_and_runs() {
    let dir = temp_dir("planning-max");
    let file = monitoring(
        &dir,
        "reoptimize_replications = 96 ",
        &format!(
            "planning_replications = {}\nreoptimize_replications = 96 ",
            u64::MAX
        ),
    );
    let o = plansim(&["validate", &file]);
    assert!(o.status.success(), "{}", stderr(&o));
    // The planning sample is then the whole run: every replication plans.
    let o = plansim(&["rounds", &file, "-n", "16", "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(json(&o).is_object());
}

#[test]
fn rule_bounds_outside_the_parameters_range_are_refused() {
    let dir = temp_dir("rule-bounds");
    let file = monitoring(
        &dir,
        "min = 1000.0                # lower bound\nmax = 6000.0",
        "min = -1e308\nmax = 1e308",
    );
    let text = std::fs::read_to_string(&file).unwrap();
    let line = |start: &str| text.lines().position(|l| l.starts_with(start)).unwrap() + 1;
    let expected = [
        format!(
            "rounds.rules[0].min (line {}): must lie within the valid range of plan.target_bonus.amount, between 0 and 1e12, got -1e308",
            line("min = -1e308")
        ),
        format!(
            "rounds.rules[0].max (line {}): must lie within the valid range of plan.target_bonus.amount, between 0 and 1e12, got 1e308",
            line("max = 1e308")
        ),
    ];
    for args in [vec!["validate", &file], vec!["rounds", &file, "-n", "16"]] {
        let command = args[0];
        let o = plansim(&args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{command}: {err}");
        assert!(
            err.contains(&format!("{file}: 2 problems")),
            "{command}: {err}"
        );
        for e in &expected {
            assert!(err.contains(e.as_str()), "{command}: `{e}` not in {err}");
        }
    }
}

#[test]
fn figures_that_cannot_move_say_why_and_differences_of_shares_are_points() {
    let dir = temp_dir("notes");
    let file = small_scenario(&dir);
    let v = json(&plansim(&["run", &file, "-n", "64", "--format", "json"]));
    // In this scenario service effort stays at its least under both plans, so
    // satisfaction cannot differ, and training costs the same in every replication.
    assert_eq!(v["difference"]["satisfaction"]["std_err"], 0.0);
    let notes: Vec<&str> = v["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    for start in [
        "effort_service is 1.000 under both plans",
        "satisfaction differs by exactly 0",
        "cost: training is ",
        "The baseline's roi",
    ] {
        assert!(
            notes.iter().any(|n| n.starts_with(start)),
            "{start}: {notes:?}"
        );
    }
    let table = stdout(&plansim(&["run", &file, "-n", "64", "--wide"]));
    assert!(
        table.contains("Note: satisfaction differs by exactly 0"),
        "{table}"
    );
    let growth = table
        .lines()
        .find(|l| l.starts_with("revenue_growth "))
        .unwrap();
    assert!(
        growth.trim_end().ends_with(']') && growth.contains(" pp ["),
        "{growth}"
    );
    let roi = table.lines().find(|l| l.starts_with("roi ")).unwrap();
    assert!(roi.ends_with("  -") && !roi.contains(" pp"), "{roi}");
    // The pages say the same, in their language.
    for (lang, note) in [
        ("en", "satisfaction differs by exactly 0"),
        ("zh", "客户满意度的差异恰好为 0"),
    ] {
        let page = dir.join(format!("{lang}.html"));
        let o = plansim(&[
            "run",
            &file,
            "-n",
            "64",
            "--report",
            page.to_str().unwrap(),
            "--lang",
            lang,
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let html = std::fs::read_to_string(&page).unwrap();
        assert!(html.contains(note), "{lang}: {note}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
