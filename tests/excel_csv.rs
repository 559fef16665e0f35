//! CSV outputs open cleanly in Excel: a UTF-8 byte-order mark with `--bom` (and only
//! then), and no cell a spreadsheet would run as a formula.

mod common;

use common::{edited, plansim, temp_dir};

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// True when no cell of the CSV text starts a formula (escaped cells start with `'`).
fn formula_free(text: &str) -> bool {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    r.records().all(|rec| {
        rec.unwrap().iter().all(|c| {
            !c.starts_with(['=', '+', '@']) && (!c.starts_with('-') || c.parse::<f64>().is_ok())
        })
    })
}

#[test]
fn run_and_optimize_csv_carry_the_bom_only_on_request() {
    let dir = temp_dir("bom");
    let scenario = dir.join("s.toml");
    std::fs::write(
        &scenario,
        edited(
            plansim_sim::scenario::DEFAULT_SCENARIO_TOML,
            &[
                ("size = 50 ", "size = 6 "),
                ("periods = 12 ", "periods = 3 "),
                ("name = \"internet-company\"", "name = \"=SUM(A1)\""),
            ],
        ),
    )
    .unwrap();
    let s = scenario.to_str().unwrap();
    let plain = plansim(&["run", s, "-n", "64", "--format", "csv"]);
    assert!(plain.status.success());
    assert!(!plain.stdout.starts_with(BOM));
    let with = plansim(&["run", s, "-n", "64", "--format", "csv", "--bom"]);
    assert!(with.stdout.starts_with(BOM));
    assert_eq!(&with.stdout[3..], &plain.stdout[..]);
    let text = String::from_utf8(plain.stdout).unwrap();
    assert!(formula_free(&text));
    // Negative numbers stay numbers.
    assert!(text.lines().any(|l| l.contains(",-")), "{text}");

    let out = dir.join("out");
    let o = plansim(&[
        "run",
        s,
        "-n",
        "64",
        "--out",
        out.to_str().unwrap(),
        "--bom",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for f in ["summary.csv", "per_period.csv", "replications.csv"] {
        let bytes = std::fs::read(out.join(f)).unwrap();
        assert!(bytes.starts_with(BOM), "{f}");
        assert!(
            formula_free(std::str::from_utf8(&bytes[3..]).unwrap()),
            "{f}"
        );
    }
    assert!(!std::fs::read(out.join("scenario.toml"))
        .unwrap()
        .starts_with(BOM));

    let best = dir.join("best");
    let o = plansim(&[
        "optimize",
        s,
        "-n",
        "32",
        "--max-evals",
        "3",
        "--out",
        best.to_str().unwrap(),
        "--bom",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let bytes = std::fs::read(best.join("convergence.csv")).unwrap();
    assert!(bytes.starts_with(BOM));
    assert!(formula_free(std::str::from_utf8(&bytes[3..]).unwrap()));
    let _ = std::fs::remove_dir_all(&dir);
}
