//! Warnings in every output: a plan without an equilibrium is refused (exit code 2,
//! nothing written) unless `--accept-no-equilibrium` is given, and then every output
//! of every subcommand states it; a status quo without a steady state only warns; a
//! scenario without either problem has an empty `warnings` array; a merge of shards
//! of a warned run is byte for byte the run, warnings included.

mod common;

use std::path::Path;

use common::{
    files_of, json, merged_files, ok, plansim_in, small_scenario, stderr, stdout, temp_dir,
};
use serde_json::Value;

/// theory.rs's linear-normal world: identical reps, a one-period cycle, an absolute
/// revenue target of 1 a period, `noise` in results, `mechanisms` under `[plan]`.
fn world(reps: u32, periods: u32, noise: f64, promotion_value: f64, mechanisms: &str) -> String {
    format!(
        r#"name = "world"

[simulation]
periods = {periods}
replications = 64
seed = 1

[team]
size = {reps}
ability = {{ mean = 1.0, sd = 0.0 }}
effort_cost = {{ mean = 1.0, sd = 0.0 }}
risk_aversion = {{ mean = 0.0, sd = 0.0 }}
promotion_value = {{ mean = {promotion_value:?}, sd = 0.0 }}
outside_premium = {{ mean = 0.0, sd = 0.0 }}
base_salary = {{ mean = 1000.0, sd = 0.0 }}
initial_skill = 1.0
max_skill = 1.0
initial_tenure = 24
reference_effort = {{ acquisition = 0.0, service = 0.0 }}
min_effort = {{ acquisition = 0.0, service = 0.0 }}
max_effort = {{ acquisition = 3.0, service = 1.0 }}
base_quit_rate = 0.0

[market]
seasonality = [1.0]
shock_sd = 0.0

[outcome]
model = "linear_normal"

[outcome.linear_normal]
noise_sd = {noise:?}

[targets]
revenue = {{ mode = "absolute", value = 1.0 }}

[plan]
cycle = "month"
kpi = {{ revenue = 1.0, new_customers = 0.0 }}

{mechanisms}

[baseline]
kpi = {{ revenue = 1.0, new_customers = 0.0 }}
"#
    )
}

/// A tournament promoting 10 % of 20 reps with a prize of 8 against results noise of
/// 1 (effort cost 1): A = V z phi(z) / sigma^2 = 1.4 exceeds the effort cost, so no
/// effort is a best response to itself (sim/tests/theory.rs,
/// `tournament_without_an_equilibrium_says_so`). With noise 3 (A = 0.2) it has one.
fn tournament(noise: f64) -> String {
    world(
        20,
        2,
        noise,
        8.0,
        "[plan.promotion]\nmode = \"tournament\"\nshare = 0.1\nraise = 0.0\nmax_promotions = 1000\n",
    )
}

/// A team bonus of `amount` for two reps with results noise 0.3: at 10 their best
/// responses to each other keep cycling (no equilibrium), at 2 they settle.
fn team_bonus(amount: f64, periods: u32, extra: &str) -> String {
    world(
        2,
        periods,
        0.3,
        0.0,
        &format!(
            "[plan.target_bonus]\nbasis = \"team\"\namount = {amount:?}\nthreshold = 1.0\n{extra}"
        ),
    )
}

/// sim/tests/status_quo.rs's status quo without a steady state: a monthly threshold
/// bonus on targets 20 % above the run-rate, as both plan and baseline.
const DRIFT: &str = r#"name = "status-quo-drift"
[simulation]
periods = 12
replications = 64
[team]
size = 30
effort_cost = { mean = 3000.0, sd = 500.0 }
risk_aversion = { mean = 0.0002, sd = 0.00005 }
min_effort = { acquisition = 0.3, service = 0.3 }
[market]
seasonality = [1.0, 0.85, 1.0, 1.0, 1.02, 1.05, 0.98, 0.97, 1.0, 1.03, 1.08, 1.02]
[targets]
revenue = { mode = "uplift", growth = 0.2 }
new_customers = { mode = "uplift", growth = 0.2 }
[plan]
cycle = "month"
kpi = { revenue = 1.0, new_customers = 0.0 }
[plan.target_bonus]
amount = 2500.0
threshold = 1.0
[baseline]
cycle = "month"
kpi = { revenue = 1.0, new_customers = 0.0 }
[baseline.target_bonus]
amount = 2500.0
threshold = 1.0
"#;

const ACCEPT: &str = "--accept-no-equilibrium";
const NO_CUTOFF: &str = "Plan: the tournament has no equilibrium in pure strategies";
const NO_CUTOFF_ZH: &str = "新方案：晋升锦标赛不存在纯策略均衡";
const NO_STEADY_STATE: &str = "The status quo has no steady state for";
const NO_STEADY_STATE_ZH: &str = "现行方案对";

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

fn read(path: impl AsRef<Path>) -> String {
    std::fs::read_to_string(path.as_ref())
        .unwrap_or_else(|e| panic!("{}: {e}", path.as_ref().display()))
}

/// The `warnings` array of a JSON document, as strings (panics when absent).
fn warnings_of(doc: &Value) -> Vec<String> {
    doc["warnings"]
        .as_array()
        .unwrap_or_else(|| panic!("no warnings array in {doc}"))
        .iter()
        .map(|w| w.as_str().expect("a string").to_string())
        .collect()
}

/// Asserts that plansim refused with exit code 2 for lack of an equilibrium, naming
/// `file`, stating `problem` and saying how to accept it; nothing on stdout.
fn assert_refused(o: &std::process::Output, file: &str, problem: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains(&format!("{file}: no equilibrium")), "{err}");
    assert!(err.contains(problem), "{err}");
    assert!(err.contains(ACCEPT), "{err}");
    assert!(o.stdout.is_empty(), "{}", stdout(o));
}

/// Asserts that an HTML page shows `text` in its warning box, before any section.
fn assert_page_warns(page: &str, heading: &str, text: &str) {
    let at = page
        .find("<div class=\"warnings\" role=\"alert\">")
        .unwrap_or_else(|| panic!("no warning box"));
    let section = page.find("<section>").expect("a section");
    assert!(at < section, "the warning box comes after a section");
    let body = &page[at..section];
    assert!(body.contains(&format!("<h2>{heading}</h2>")), "{body}");
    assert!(body.contains(text), "{text} not in {body}");
}

/// The line after a CSV file's header.
fn second_line(csv: &str) -> &str {
    csv.lines().nth(1).expect("a second line")
}

#[test]
fn a_run_without_an_equilibrium_is_refused_and_nothing_is_written() {
    let dir = temp_dir("refused");
    write(&dir, "steep.toml", &tournament(1.0));
    let o = plansim_in(
        &dir,
        &["run", "steep.toml", "--out", "out", "--report", "r.html"],
        &[],
    );
    assert_refused(&o, "steep.toml", NO_CUTOFF);
    assert_eq!(
        files_of(&dir).len(),
        1,
        "only the scenario: {:?}",
        files_of(&dir)
    );
    let o = plansim_in(
        &dir,
        &["run", "steep.toml", "--shard", "1/2", "--out", "shards"],
        &[],
    );
    assert_refused(&o, "steep.toml", NO_CUTOFF);
    assert!(!dir.join("shards").exists());
    // The same plan with more noise in results has an equilibrium and runs.
    write(&dir, "mild.toml", &tournament(3.0));
    let doc = json(&plansim_in(
        &dir,
        &["run", "mild.toml", "--format", "json"],
        &[],
    ));
    assert_eq!(warnings_of(&doc), Vec::<String>::new());
    let o = plansim_in(
        &dir,
        &[
            "compare",
            "mild.toml",
            "steep.toml",
            "--objective",
            "revenue",
            "--report",
            "c.html",
        ],
        &[],
    );
    assert_refused(&o, "steep.toml", &format!("steep, {NO_CUTOFF}"));
    assert!(!dir.join("c.html").exists());
}

#[test]
fn with_the_flag_a_run_without_an_equilibrium_carries_the_warning_in_every_output() {
    let dir = temp_dir("accepted");
    write(&dir, "steep.toml", &tournament(1.0));
    let o = ok(plansim_in(
        &dir,
        &[
            "run",
            "steep.toml",
            ACCEPT,
            "--format",
            "json",
            "--out",
            "out",
            "--report",
            "en.html",
        ],
        &[],
    ));
    let w = warnings_of(&json(&o));
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].starts_with(NO_CUTOFF), "{}", w[0]);
    assert!(stderr(&o).contains(&format!("warning: {NO_CUTOFF}")));
    for file in ["summary.csv", "per_period.csv", "replications.csv"] {
        let text = read(dir.join("out").join(file));
        assert!(
            second_line(&text).starts_with(&format!("warning,\"{NO_CUTOFF}")),
            "{file}: {}",
            second_line(&text)
        );
    }
    assert_page_warns(
        &read(dir.join("en.html")),
        "Warnings",
        "the tournament has no equilibrium in pure strategies",
    );
    let table = stdout(&ok(plansim_in(&dir, &["run", "steep.toml", ACCEPT], &[])));
    assert!(
        table.starts_with(&format!("WARNING: {NO_CUTOFF}")),
        "{table}"
    );
    let csv = stdout(&ok(plansim_in(
        &dir,
        &["run", "steep.toml", ACCEPT, "--format", "csv"],
        &[],
    )));
    assert!(second_line(&csv).starts_with(&format!("warning,\"{NO_CUTOFF}")));
    ok(plansim_in(
        &dir,
        &[
            "run",
            "steep.toml",
            ACCEPT,
            "--report",
            "zh.html",
            "--lang",
            "zh",
        ],
        &[],
    ));
    assert_page_warns(&read(dir.join("zh.html")), "警告", NO_CUTOFF_ZH);
}

#[test]
fn a_status_quo_without_a_steady_state_warns_in_every_output() {
    let dir = temp_dir("drift");
    write(&dir, "drift.toml", DRIFT);
    // No flag needed: the paired differences with the baseline remain valid.
    let o = ok(plansim_in(
        &dir,
        &[
            "run",
            "drift.toml",
            "--format",
            "json",
            "--out",
            "out",
            "--report",
            "en.html",
        ],
        &[],
    ));
    let w = warnings_of(&json(&o));
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].starts_with(NO_STEADY_STATE), "{}", w[0]);
    assert!(stderr(&o).contains(&format!("warning: {NO_STEADY_STATE}")));
    let summary = read(dir.join("out/summary.csv"));
    assert!(second_line(&summary).starts_with(&format!("warning,\"{NO_STEADY_STATE}")));
    assert_page_warns(&read(dir.join("en.html")), "Warnings", NO_STEADY_STATE);
    let table = stdout(&ok(plansim_in(&dir, &["run", "drift.toml"], &[])));
    assert!(table.starts_with(&format!("WARNING: {NO_STEADY_STATE}")));
    ok(plansim_in(
        &dir,
        &["run", "drift.toml", "--report", "zh.html", "--lang", "zh"],
        &[],
    ));
    assert_page_warns(&read(dir.join("zh.html")), "警告", NO_STEADY_STATE_ZH);
    // rounds: the same warning.
    let doc = json(&plansim_in(
        &dir,
        &["rounds", "drift.toml", "-n", "64", "--format", "json"],
        &[],
    ));
    assert!(warnings_of(&doc)[0].starts_with(NO_STEADY_STATE));
}

#[test]
fn a_scenario_without_problems_has_an_empty_warnings_array_in_every_json() {
    let dir = temp_dir("clean");
    small_scenario(&dir);
    let empty: Vec<String> = Vec::new();
    let run = json(&plansim_in(
        &dir,
        &["run", "-n", "64", "--format", "json"],
        &[],
    ));
    assert_eq!(warnings_of(&run), empty, "the default scenario");
    let small = [
        vec!["run", "small.toml"],
        vec!["compare", "small.toml", "small.toml"],
        vec!["rounds", "small.toml"],
        vec!["optimize", "small.toml", "--max-evals", "2"],
    ];
    for args in small {
        let mut args = args.clone();
        args.extend(["-n", "64", "--format", "json"]);
        let doc = json(&plansim_in(&dir, &args, &[]));
        assert_eq!(warnings_of(&doc), empty, "{args:?}");
    }
    let rows = json(&plansim_in(
        &dir,
        &["batch", "small.toml", "-n", "64", "--format", "json"],
        &[],
    ));
    assert_eq!(warnings_of(&rows[0]), empty);
    let table = stdout(&ok(plansim_in(
        &dir,
        &["run", "small.toml", "-n", "64"],
        &[],
    )));
    assert!(!table.contains("WARNING"), "{table}");
}

#[test]
fn merging_shards_of_a_warned_run_gives_the_run_byte_for_byte() {
    let dir = temp_dir("merge");
    write(&dir, "steep.toml", &tournament(1.0));
    let n = ["-n", "200"];
    for format in ["json", "table", "csv"] {
        let mut args = vec!["run", "steep.toml", ACCEPT, "--format", format];
        args.extend(n);
        if format == "json" {
            args.extend(["--out", "single", "--report", "single.html"]);
        }
        let single = ok(plansim_in(&dir, &args, &[])).stdout;
        if format == "json" {
            for k in 1..=3 {
                let shard = format!("{k}/3");
                let mut args = vec!["run", "steep.toml", ACCEPT, "--shard", &shard];
                args.extend(["--out", "shards"]);
                args.extend(n);
                ok(plansim_in(&dir, &args, &[]));
            }
        }
        let shards: Vec<String> = (1..=3)
            .map(|k| format!("shards/shard-{k}-of-3.json"))
            .collect();
        let mut args: Vec<&str> = vec!["merge"];
        args.extend(shards.iter().map(String::as_str));
        args.extend(["--format", format]);
        if format == "json" {
            args.extend(["--out", "merged", "--report", "merged.html"]);
        }
        let merged = ok(plansim_in(&dir, &args, &[]));
        assert!(stderr(&merged).contains(&format!("warning: {NO_CUTOFF}")));
        assert!(
            single == merged.stdout,
            "{format}: the merge differs from the run"
        );
        assert!(
            String::from_utf8_lossy(&single).contains(NO_CUTOFF),
            "{format}"
        );
    }
    let shards: Vec<String> = (1..=3)
        .map(|k| format!("shards/shard-{k}-of-3.json"))
        .collect();
    assert_eq!(
        files_of(&dir.join("single")),
        merged_files(&dir.join("merged"), &shards)
    );
    assert_eq!(read(dir.join("single.html")), read(dir.join("merged.html")));
}

#[test]
fn compare_states_each_variants_problem_in_every_output() {
    let dir = temp_dir("compare");
    write(&dir, "steep.toml", &tournament(1.0));
    write(&dir, "mild.toml", &tournament(3.0));
    write(&dir, "drift.toml", DRIFT);
    let base = [
        "compare",
        "mild.toml",
        "steep.toml",
        ACCEPT,
        "--objective",
        "revenue",
        "-n",
        "64",
        "--first-stage",
        "10",
    ];
    let run = |extra: &[&str]| {
        let mut args = base.to_vec();
        args.extend(extra);
        ok(plansim_in(&dir, &args, &[]))
    };
    let labelled = format!("steep, {NO_CUTOFF}");
    let o = run(&["--format", "json", "--report", "c.html"]);
    let w = warnings_of(&json(&o));
    assert_eq!(w.len(), 1, "only steep lacks an equilibrium: {w:?}");
    assert!(w[0].starts_with(&labelled), "{}", w[0]);
    assert!(stderr(&o).contains(&format!("warning: {labelled}")));
    assert_page_warns(
        &read(dir.join("c.html")),
        "Warnings",
        "steep, Plan: the tournament",
    );
    let table = stdout(&run(&[]));
    assert!(
        table.starts_with(&format!("WARNING: {labelled}")),
        "{table}"
    );
    let csv = stdout(&run(&["--format", "csv"]));
    assert!(second_line(&csv).starts_with(&format!("warning,\"{labelled}")));
    ok(plansim_in(
        &dir,
        &[
            "compare",
            "drift.toml",
            "drift.toml",
            "-n",
            "64",
            "--report",
            "zh.html",
            "--lang",
            "zh",
        ],
        &[],
    ));
    assert_page_warns(&read(dir.join("zh.html")), "警告", "drift：现行方案对");
}

#[test]
fn batch_refuses_a_scenario_without_an_equilibrium_in_its_row_and_warns_with_the_flag() {
    let dir = temp_dir("batch");
    std::fs::create_dir_all(dir.join("plans")).unwrap();
    write(&dir.join("plans"), "mild.toml", &tournament(3.0));
    write(&dir.join("plans"), "steep.toml", &tournament(1.0));
    let o = plansim_in(
        &dir,
        &["batch", "plans", "-n", "64", "--format", "json"],
        &[],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let rows: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(rows[0]["status"], "ok");
    assert_eq!(rows[1]["status"], "error");
    let error = rows[1]["error"].as_str().unwrap();
    assert!(error.contains("steep.toml: no equilibrium") && error.contains(ACCEPT));
    let o = ok(plansim_in(
        &dir,
        &["batch", "plans", "-n", "64", ACCEPT, "--out", "b.csv"],
        &[],
    ));
    assert!(stdout(&o).starts_with(&format!("WARNING: plans/steep.toml: {NO_CUTOFF}")));
    let csv = read(dir.join("b.csv"));
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header = reader.headers().unwrap().clone();
    let col = header
        .iter()
        .position(|h| h == "warnings")
        .expect("a warnings column");
    let cells: Vec<String> = reader
        .records()
        .map(|r| r.unwrap()[col].to_string())
        .collect();
    assert_eq!(cells[0], "");
    assert!(cells[1].starts_with(NO_CUTOFF), "{}", cells[1]);
}

#[test]
fn optimize_refuses_a_start_without_an_equilibrium_and_never_picks_a_candidate_without_one() {
    let dir = temp_dir("optimize");
    let search = "\n[budget]\nincentive_cost = 1000.0\n\n[optimize]\nobjective = \"revenue\"\nreplications = 64\ncertify_replications = 128\nmax_evaluations = 16\nsolver = \"particle-swarm\"\n\n[[optimize.variables]]\npath = \"plan.target_bonus.amount\"\nmin = 1.0\nmax = 30.0\n";
    write(&dir, "cycling.toml", &(team_bonus(10.0, 2, "") + search));
    let o = plansim_in(&dir, &["optimize", "cycling.toml", "--out", "out"], &[]);
    assert_refused(
        &o,
        "cycling.toml",
        "Starting plan: the team bonus has no equilibrium",
    );
    assert!(!dir.join("out").exists());
    let doc = json(&plansim_in(
        &dir,
        &["optimize", "cycling.toml", ACCEPT, "--format", "json"],
        &[],
    ));
    assert!(warnings_of(&doc)[0].starts_with("Starting plan: the team bonus has no equilibrium"));

    // From a bonus of 2 (an equilibrium), larger bonuses raise revenue but lose the
    // equilibrium: none of them may win.
    write(&dir, "settled.toml", &(team_bonus(2.0, 2, "") + search));
    let o = ok(plansim_in(
        &dir,
        &[
            "optimize",
            "settled.toml",
            "--format",
            "json",
            "--out",
            "out",
        ],
        &[],
    ));
    let doc = json(&o);
    let w = warnings_of(&doc);
    assert!(
        w.iter()
            .any(|w| w.starts_with("Search: ") && w.contains("evaluated plans had no equilibrium")),
        "{w:?}"
    );
    let csv = read(dir.join("out/convergence.csv"));
    assert!(second_line(&csv).starts_with("warning,Search: "), "{csv}");
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header = reader.headers().unwrap().clone();
    let at = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (x, objective, feasible, equilibrium) = (
        at("plan.target_bonus.amount"),
        at("objective"),
        at("feasible"),
        at("equilibrium"),
    );
    let rows: Vec<csv::StringRecord> = reader
        .records()
        .map(Result::unwrap)
        .filter(|r| &r[0] != "warning")
        .collect();
    // The search's best (before it is rounded to plan steps and certified) is an
    // evaluation with an equilibrium.
    let best = doc["search_best"]["plan.target_bonus.amount"]
        .as_f64()
        .unwrap();
    let row = rows
        .iter()
        .find(|r| r[x].parse::<f64>().unwrap() == best)
        .expect("the search's best is an evaluation");
    assert_eq!(&row[equilibrium], "true");
    let winner = row[objective].parse::<f64>().unwrap();
    let better_without: Vec<&csv::StringRecord> = rows
        .iter()
        .filter(|r| &r[feasible] == "true" && r[objective].parse::<f64>().unwrap() > winner)
        .collect();
    assert!(
        !better_without.is_empty(),
        "the test needs better plans without an equilibrium"
    );
    assert!(better_without.iter().all(|r| &r[equilibrium] == "false"));
}

#[test]
fn optimize_warns_when_the_certified_winner_costs_more_than_its_revenue() {
    // theory.rs's world: revenue about 1 a rep-month, and every plan the search may
    // pick pays a bonus of 2 to 30 on meeting a target of 1: the incentives cost more
    // than the revenue whichever amount wins.
    let dir = temp_dir("optimize-cost");
    let bonus = "[plan.target_bonus]\namount = 2.0\nthreshold = 1.0\n";
    let search = "\n[budget]\nincentive_cost = 100000.0\n\n[optimize]\nobjective = \"revenue\"\nreplications = 64\ncertify_replications = 128\nmax_evaluations = 8\nsolver = \"particle-swarm\"\n\n[[optimize.variables]]\npath = \"plan.target_bonus.amount\"\nmin = 2.0\nmax = 30.0\n";
    write(
        &dir,
        "costly.toml",
        &(world(5, 2, 0.3, 0.0, bonus) + search),
    );
    let doc = json(&ok(plansim_in(
        &dir,
        &["optimize", "costly.toml", "--format", "json"],
        &[],
    )));
    let w = warnings_of(&doc);
    assert!(
        w.iter()
            .any(|w| w.starts_with("Winner: the incentives cost")),
        "{w:?}"
    );
    // The same world with a bonus worth less than the revenue it buys has no warning.
    let cheap = "[plan.target_bonus]\namount = 0.02\nthreshold = 1.0\n";
    let search = search.replace("min = 2.0\nmax = 30.0", "min = 0.01\nmax = 0.05");
    write(
        &dir,
        "cheap.toml",
        &(world(5, 2, 0.3, 0.0, cheap) + &search),
    );
    let doc = json(&ok(plansim_in(
        &dir,
        &["optimize", "cheap.toml", "--format", "json"],
        &[],
    )));
    assert!(
        !warnings_of(&doc)
            .iter()
            .any(|w| w.contains("incentives cost")),
        "{:?}",
        warnings_of(&doc)
    );
}

#[test]
fn rounds_refuse_a_first_plan_without_an_equilibrium_and_warn_of_later_rounds() {
    let dir = temp_dir("rounds");
    write(&dir, "cycling.toml", &team_bonus(10.0, 2, ""));
    let o = plansim_in(
        &dir,
        &["rounds", "cycling.toml", "-n", "64", "--out", "out"],
        &[],
    );
    assert_refused(
        &o,
        "cycling.toml",
        "Plan: the team bonus has no equilibrium",
    );
    assert!(!dir.join("out").exists());
    let o = plansim_in(
        &dir,
        &[
            "rounds",
            "cycling.toml",
            "-n",
            "64",
            "--shard",
            "1/2",
            "--out",
            "out",
        ],
        &[],
    );
    assert_refused(
        &o,
        "cycling.toml",
        "Plan: the team bonus has no equilibrium",
    );

    // A rule that raises the bonus from 2 (an equilibrium) while revenue is under
    // target: later rounds solve plans without one. They warn; nothing is refused.
    let rule = "\n[rounds]\nrounds = 4\nround_length = 1\npolicy = \"rule\"\nplanning_replications = 64\n\n[[rounds.rules]]\npath = \"plan.target_bonus.amount\"\nkpi = \"revenue\"\ngain = 2.0\nmin = 2.0\nmax = 30.0\n";
    let text = common::edited(
        &team_bonus(2.0, 4, ""),
        &[("value = 1.0 }", "value = 1.5 }")],
    ) + rule;
    write(&dir, "rule.toml", &text);
    let n = ["-n", "256"];
    let mut args = vec![
        "rounds",
        "rule.toml",
        "--format",
        "json",
        "--out",
        "single",
        "--report",
        "single.html",
    ];
    args.extend(n);
    let single = ok(plansim_in(&dir, &args, &[]));
    let w = warnings_of(&serde_json::from_slice(&single.stdout).unwrap());
    assert!(!w.is_empty());
    // Besides the rounds without an equilibrium, the rule's raised team bonus costs more
    // than the revenue over the horizon, which is said too.
    assert!(
        w.iter().all(|w| (w.starts_with("Policy rule, round ")
            && w.contains("the team bonus has no equilibrium"))
            || w.starts_with("rule, Plan: the incentives cost")),
        "{w:?}"
    );
    assert!(
        !w.iter().any(|w| w.starts_with("Policy rule, round 1:")),
        "{w:?}"
    );
    assert!(stderr(&single).contains("warning: Policy rule, round "));
    let csv = read(dir.join("single/rounds.csv"));
    assert!(
        second_line(&csv).starts_with("warning,\"Policy rule, round "),
        "{csv}"
    );
    assert_page_warns(
        &read(dir.join("single.html")),
        "Warnings",
        "Policy rule, round ",
    );
    let mut args = vec!["rounds", "rule.toml"];
    args.extend(n);
    let table = stdout(&ok(plansim_in(&dir, &args, &[])));
    assert!(table.starts_with("WARNING: Policy rule, round "), "{table}");

    // Shards beyond the planning sample solve different plans; merged, they warn
    // exactly as the single run.
    for k in 1..=4 {
        let shard = format!("{k}/4");
        let mut args = vec!["rounds", "rule.toml", "--shard", &shard, "--out", "shards"];
        args.extend(n);
        ok(plansim_in(&dir, &args, &[]));
    }
    let shards: Vec<String> = (1..=4)
        .map(|k| format!("shards/rounds-shard-{k}-of-4.json"))
        .collect();
    let mut args: Vec<&str> = vec!["merge"];
    args.extend(shards.iter().map(String::as_str));
    args.extend([
        "--format",
        "json",
        "--out",
        "merged",
        "--report",
        "merged.html",
    ]);
    let merged = ok(plansim_in(&dir, &args, &[]));
    assert!(
        single.stdout == merged.stdout,
        "the merge differs from the run"
    );
    assert_eq!(
        files_of(&dir.join("single")),
        merged_files(&dir.join("merged"), &shards)
    );
    assert_eq!(read(dir.join("single.html")), read(dir.join("merged.html")));
}

#[test]
fn the_flag_is_documented_in_the_help_of_every_subcommand_that_simulates() {
    for sub in ["run", "compare", "batch", "optimize", "rounds"] {
        let help = stdout(&ok(common::plansim(&[sub, "--help"])));
        assert!(help.contains(ACCEPT), "{sub}: {help}");
    }
    let help = stdout(&ok(common::plansim(&["run", "--help"])));
    assert!(help.contains("plansim run steep-tournament.toml --accept-no-equilibrium"));
}
