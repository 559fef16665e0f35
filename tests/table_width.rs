//! Terminal tables fit: with stdout not a terminal and COLUMNS unset, every line
//! `run`, `compare`, `batch` and `rounds` print is at most 100 columns; COLUMNS
//! narrows them; `--wide` prints every column, one line a row.

mod common;

use std::path::Path;
use std::process::Command;

use common::{edited, ok, stdout, temp_dir, TempDir};

/// Runs plansim in `dir` with COLUMNS set to `columns` (unset when None); stdout is
/// a pipe, not a terminal.
fn plansim_cols(dir: &Path, args: &[&str], columns: Option<&str>) -> String {
    let mut c = Command::new(env!("CARGO_BIN_EXE_plansim"));
    c.current_dir(dir).args(args).env_remove("COLUMNS");
    if let Some(n) = columns {
        c.env("COLUMNS", n);
    }
    stdout(&ok(c.output().expect("plansim runs")))
}

/// The widest line of `text`, in characters.
fn widest(text: &str) -> usize {
    text.lines().map(|l| l.chars().count()).max().unwrap_or(0)
}

/// A folder with three small variants of the default scenario (12 reps, 6 months).
fn variants(name: &str) -> TempDir {
    let dir = temp_dir(name);
    std::fs::create_dir_all(dir.join("plans")).unwrap();
    let small = [
        ("size = 50 ", "size = 12 "),
        ("periods = 12 ", "periods = 6 "),
    ];
    for (name, bonus) in [
        ("current", "2500.0"),
        ("bonus-up", "5000.0"),
        ("bonus-down", "1000.0"),
    ] {
        let mut edits = small.to_vec();
        let from = "amount = 2500.0 ".to_string();
        let to = format!("amount = {bonus} ");
        edits.push((&from, &to));
        let text = edited(plansim_sim::scenario::DEFAULT_SCENARIO_TOML, &edits)
            .replace("name = \"internet-company\"", &format!("name = \"{name}\""));
        std::fs::write(dir.join("plans").join(format!("{name}.toml")), text).unwrap();
    }
    dir
}

/// The commands whose tables are checked, with their arguments.
fn commands() -> Vec<Vec<&'static str>> {
    vec![
        vec!["run", "plans/current.toml", "-n", "64"],
        vec![
            "compare",
            "plans/current.toml",
            "plans/bonus-up.toml",
            "plans/bonus-down.toml",
            "-n",
            "64",
        ],
        vec!["batch", "plans/", "-n", "64"],
        vec![
            "rounds",
            "rounds.toml",
            "-n",
            "64",
            "--rounds",
            "3",
            "--compare-policies",
        ],
    ]
}

fn setup(name: &str) -> TempDir {
    let dir = variants(name);
    let rounds = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/template-monitoring.toml"),
    )
    .unwrap();
    let rounds = edited(
        &rounds,
        &[
            (
                "reoptimize_evaluations = 20 ",
                "reoptimize_evaluations = 4 ",
            ),
            (
                "reoptimize_replications = 96 ",
                "reoptimize_replications = 16 ",
            ),
        ],
    );
    std::fs::write(dir.join("rounds.toml"), rounds).unwrap();
    dir
}

#[test]
fn tables_fit_100_columns_when_not_a_terminal_and_columns_when_set() {
    let dir = setup("fit");
    for args in commands() {
        let text = plansim_cols(&dir, &args, None);
        assert!(
            widest(&text) <= 100,
            "{args:?}: a line of {} columns:\n{text}",
            widest(&text)
        );
        let wide = plansim_cols(&dir, &args, Some("72"));
        assert!(widest(&wide) <= 72, "{args:?} at COLUMNS=72:\n{wide}");
        let mut all = args.clone();
        all.push("--wide");
        let wide = plansim_cols(&dir, &all, None);
        assert!(
            widest(&wide) > 100,
            "{args:?} --wide is its full width:\n{wide}"
        );
        assert!(
            !wide.contains("not shown to fit"),
            "{args:?} --wide:\n{wide}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn wide_tables_give_every_column_one_line_a_row() {
    let dir = setup("wide");
    let run = plansim_cols(
        &dir,
        &["run", "plans/current.toml", "-n", "64", "--wide"],
        None,
    );
    let header = run.lines().find(|l| l.starts_with("metric")).unwrap();
    for h in [
        "plan mean [95% CI]",
        "plan P5 / P50 / P95",
        "baseline mean",
        "difference [95% CI]",
    ] {
        assert!(header.contains(h), "{h} in {header}");
    }
    let revenue = run.lines().find(|l| l.starts_with("revenue ")).unwrap();
    assert_eq!(
        revenue.matches('[').count(),
        2,
        "both intervals on the row: {revenue}"
    );
    assert_eq!(
        revenue.matches(" / ").count(),
        2,
        "the percentiles on the row: {revenue}"
    );
    // Narrow, the percentiles are left out and the table says so.
    let narrow = plansim_cols(&dir, &["run", "plans/current.toml", "-n", "64"], Some("72"));
    assert!(
        narrow.contains("not shown to fit 72 columns: plan P5 / P50 / P95;"),
        "{narrow}"
    );
    assert_eq!(
        narrow.matches("P5 / P50 / P95").count(),
        1,
        "only in the note: {narrow}"
    );

    let batch = plansim_cols(&dir, &["batch", "plans/", "-n", "64", "--wide"], None);
    let header = batch.lines().find(|l| l.starts_with("file ")).unwrap();
    for h in [
        "scenario",
        "target_hit_rate [95% CI]",
        "cost_of_sales [95% CI]",
    ] {
        assert!(header.contains(h), "{h} in {header}");
    }
    let compare = plansim_cols(
        &dir,
        &[
            "compare",
            "plans/current.toml",
            "plans/bonus-up.toml",
            "plans/bonus-down.toml",
            "-n",
            "64",
            "--wide",
        ],
        None,
    );
    let header = compare.lines().find(|l| l.starts_with("metric")).unwrap();
    for h in [
        "current [95% CI]",
        "bonus-up [95% CI]",
        "bonus-down [95% CI]",
    ] {
        assert!(header.contains(h), "{h} in {header}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
