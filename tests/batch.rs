//! End-to-end tests of `plansim batch`.

mod common;

use std::path::Path;

use common::{edited, plansim, temp_dir};

fn small(dir: &Path, name: &str, edit: impl Fn(String) -> String) {
    let text = edited(
        plansim_sim::scenario::DEFAULT_SCENARIO_TOML,
        &[
            ("size = 50 ", "size = 8 "),
            ("periods = 12 ", "periods = 4 "),
        ],
    );
    std::fs::write(dir.join(name), edit(text)).unwrap();
}

fn read_csv(path: &Path) -> Vec<Vec<String>> {
    let bytes = std::fs::read(path).unwrap();
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(bytes.as_slice());
    r.records()
        .map(|rec| rec.unwrap().iter().map(String::from).collect())
        .collect()
}

#[test]
fn a_broken_file_is_reported_and_every_other_row_is_written() {
    let dir = temp_dir("broken");
    let plans = dir.join("plans");
    std::fs::create_dir_all(&plans).unwrap();
    small(&plans, "a-current.toml", |t| t);
    small(&plans, "b-richer.toml", |t| {
        edited(
            &t,
            &[
                ("amount = 200.0 ", "amount = 600.0 "),
                ("name = \"internet-company\"", "name = \"=HYPERLINK(1)\""),
            ],
        )
    });
    small(&plans, "c-broken.toml", |t| {
        edited(&t, &[("conversion = 0.5 ", "conversion = 1.5 ")])
    });
    small(&plans, "d-last.toml", |t| {
        edited(&t, &[("seed = 20240601", "seed = 5")])
    });
    std::fs::write(plans.join("notes.txt"), "not a scenario").unwrap();
    let out = dir.join("results.csv");
    let o = plansim(&[
        "batch",
        plans.to_str().unwrap(),
        "-n",
        "100",
        "--out",
        out.to_str().unwrap(),
    ]);
    // The batch finishes, names the broken file, and exits 2 for it.
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("c-broken.toml") && err.contains("conversion"),
        "{err}"
    );
    assert!(
        err.contains("1 of 4 scenario files could not be run"),
        "{err}"
    );
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(
        table.contains("d-last.toml") && table.contains("ERROR"),
        "{table}"
    );
    let rows = read_csv(&out);
    assert_eq!(rows.len(), 5, "a header and one row per scenario");
    let header = &rows[0];
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    for m in plansim_sim::engine::metrics::Metric::ALL {
        for part in ["mean", "ci95_low", "ci95_high", "difference_mean"] {
            col(&format!("{}_{part}", m.name()));
        }
    }
    let status: Vec<&str> = rows[1..]
        .iter()
        .map(|r| r[col("status")].as_str())
        .collect();
    assert_eq!(status, ["ok", "ok", "error", "ok"]);
    assert!(rows[3][col("error")].contains("conversion"));
    assert!(rows[3][col("revenue_mean")].is_empty());
    // A formula in a scenario name is written as text.
    assert_eq!(rows[2][col("scenario")], "'=HYPERLINK(1)");
    // Rows carry the scenario's own seed, and numbers stay numbers (negative ones too).
    assert_eq!(rows[4][col("seed")], "5");
    for r in [&rows[1], &rows[2], &rows[4]] {
        let lo: f64 = r[col("revenue_growth_ci95_low")].parse().unwrap();
        let mean: f64 = r[col("revenue_growth_mean")].parse().unwrap();
        let hi: f64 = r[col("revenue_growth_ci95_high")].parse().unwrap();
        assert!(lo < mean && mean < hi);
        assert_eq!(r[col("replications")], "100");
    }
    // The richer plan grows revenue more than the current one (seed shared: same luck).
    let g = |r: &Vec<String>| r[col("revenue_growth_mean")].parse::<f64>().unwrap();
    assert!(g(&rows[2]) > g(&rows[1]));
    // Without --force the results file is not overwritten.
    let again = plansim(&[
        "batch",
        plans.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn glob_patterns_bom_and_missing_targets() {
    let dir = temp_dir("glob");
    small(&dir, "x1.toml", |t| t);
    small(&dir, "x2.toml", |t| t);
    small(&dir, "y.toml", |t| t);
    let pattern = format!("{}/x*.toml", dir.display());
    let o = plansim(&["batch", &pattern, "-n", "64", "--format", "csv", "--bom"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(o.stdout.starts_with(b"\xEF\xBB\xBF"));
    let text = String::from_utf8_lossy(&o.stdout[3..]).into_owned();
    assert_eq!(text.lines().count(), 3);
    assert!(text.contains("x1.toml") && text.contains("x2.toml") && !text.contains("y.toml"));
    let json = plansim(&["batch", &pattern, "-n", "64", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 2);
    for missing in [
        format!("{}/nothing-here", dir.display()),
        format!("{}/z*.toml", dir.display()),
    ] {
        let o = plansim(&["batch", &missing]);
        assert_eq!(o.status.code(), Some(2), "{missing}");
        assert!(
            String::from_utf8_lossy(&o.stderr).contains("nothing-here")
                || String::from_utf8_lossy(&o.stderr).contains("no scenario files")
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
