//! `--xlsx FILE` on run, compare, batch, optimize and rounds: each workbook read back
//! (cells with calamine, number formats, frozen header rows and column widths from
//! the archive's XML), its values equal to the command's JSON or CSV.

mod common;

use std::io::{Cursor, Read};
use std::path::Path;

use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};

use common::{edited, json, ok, plansim, stderr, temp_dir};

/// A small, fast variant of the default scenario.
fn scenario(dir: &Path, name: &str, edit: impl Fn(String) -> String) -> String {
    let text = edited(
        plansim_sim::scenario::DEFAULT_SCENARIO_TOML,
        &[
            ("size = 50 ", "size = 6 "),
            ("periods = 12 ", "periods = 3 "),
        ],
    );
    let path = dir.join(name);
    std::fs::write(&path, edit(text)).unwrap();
    path.display().to_string()
}

type Book = Xlsx<Cursor<Vec<u8>>>;

fn open(path: &Path) -> (Book, Vec<u8>) {
    let bytes = std::fs::read(path).unwrap();
    let book: Book = open_workbook_from_rs(Cursor::new(bytes.clone())).unwrap();
    (book, bytes)
}

/// The text of file `name` inside the .xlsx archive `bytes`.
fn part(bytes: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut text = String::new();
    zip.by_name(name)
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    text
}

/// The cell at `(row, col)` of sheet `sheet`.
fn cell(book: &mut Book, sheet: &str, row: usize, col: usize) -> Data {
    let range = book.worksheet_range(sheet).unwrap();
    range.get((row, col)).cloned().unwrap_or(Data::Empty)
}

fn header(book: &mut Book, sheet: &str) -> Vec<String> {
    let range = book.worksheet_range(sheet).unwrap();
    range
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect()
}

/// The row of sheet `sheet` whose columns `(c1, c2)` read `(a, b)`.
fn find_row(book: &mut Book, sheet: &str, cols: (usize, usize), key: (&str, &str)) -> usize {
    let range = book.worksheet_range(sheet).unwrap();
    range
        .rows()
        .position(|r| r[cols.0] == key.0 && r[cols.1] == key.1)
        .unwrap_or_else(|| panic!("{sheet}: no row {key:?}"))
}

/// Asserts that sheet `sheet` holds CSV document `csv` cell for cell: numbers as
/// the same numbers, text as the same text.
fn assert_sheet_is_csv(book: &mut Book, sheet: &str, csv: &str) {
    let range = book.worksheet_range(sheet).unwrap();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
    let mut rows = 0;
    for (r, record) in reader.records().enumerate() {
        let record = record.unwrap();
        for (c, text) in record.iter().enumerate() {
            let got = range.get((r, c)).cloned().unwrap_or(Data::Empty);
            let expected = match text.parse::<f64>() {
                Ok(x) if x.is_finite() && r > 0 => Data::Float(x),
                _ if text.is_empty() => Data::Empty,
                _ => Data::String(text.to_string()),
            };
            assert_eq!(got, expected, "{sheet} row {r} column {c}");
        }
        rows += 1;
    }
    assert_eq!(range.height(), rows, "{sheet}: rows");
}

#[test]
fn run_workbook_has_every_sheet_formats_and_the_json_values() {
    let dir = temp_dir("xlsx-run");
    let a = scenario(&dir, "a.toml", |t| t);
    let book_path = dir.join("run.xlsx");
    let v = json(&ok(plansim(&[
        "run",
        &a,
        "-n",
        "70",
        "--seed",
        "3",
        "--format",
        "json",
        "--xlsx",
        book_path.to_str().unwrap(),
    ])));
    let (mut book, bytes) = open(&book_path);
    assert_eq!(
        book.sheet_names(),
        [
            "Summary",
            "Per period",
            "Per replication",
            "By mechanism",
            "Parameters"
        ]
    );
    assert_eq!(
        header(&mut book, "Summary")[..3],
        ["block".to_string(), "metric".into(), "mean".into()]
    );
    // The plan's mean revenue and the paired difference in growth, as in the JSON.
    let r = find_row(&mut book, "Summary", (0, 1), ("plan", "revenue"));
    assert_eq!(
        cell(&mut book, "Summary", r, 2),
        Data::Float(v["metrics"]["revenue"]["mean"].as_f64().unwrap())
    );
    let r = find_row(
        &mut book,
        "Summary",
        (0, 1),
        ("difference", "revenue_growth"),
    );
    assert_eq!(
        cell(&mut book, "Summary", r, 2),
        Data::Float(v["difference"]["revenue_growth"]["mean"].as_f64().unwrap())
    );
    let out = dir.join("out");
    ok(plansim(&[
        "run",
        &a,
        "-n",
        "70",
        "--seed",
        "3",
        "--out",
        out.to_str().unwrap(),
    ]));
    for (sheet, file) in [
        ("Summary", "summary.csv"),
        ("Per period", "per_period.csv"),
        ("Per replication", "replications.csv"),
    ] {
        let text = std::fs::read_to_string(out.join(file)).unwrap();
        assert_sheet_is_csv(&mut book, sheet, &text);
    }
    // One row per replication under the header.
    let reps = book.worksheet_range("Per replication").unwrap();
    assert_eq!(reps.height(), 71);
    // By mechanism holds only the cost rows.
    let costs = book.worksheet_range("By mechanism").unwrap();
    assert!(costs
        .rows()
        .skip(1)
        .all(|r| r[1].to_string().starts_with("cost_")));
    assert!(costs.height() > 1);
    // Parameters: the resolved scenario, every field.
    let r = find_row(&mut book, "Parameters", (0, 0), ("team.size", "team.size"));
    assert_eq!(cell(&mut book, "Parameters", r, 1), Data::Float(6.0));
    // Percentages and money formats, a frozen header row and set column widths.
    let styles = part(&bytes, "xl/styles.xml");
    assert!(styles.contains(r#"formatCode="0.0%""#), "{styles}");
    assert!(styles.contains(r##"formatCode="#,##0""##), "{styles}");
    let sheet1 = part(&bytes, "xl/worksheets/sheet1.xml");
    assert!(sheet1.contains(r#"ySplit="1""#) && sheet1.contains(r#"state="frozen""#));
    assert!(sheet1.contains("<cols><col "), "column widths");
}

#[test]
fn compare_batch_optimize_and_rounds_write_their_workbooks() {
    let dir = temp_dir("xlsx-others");
    let a = scenario(&dir, "a.toml", |t| t);
    let b = scenario(&dir, "b.toml", |t| {
        t.replace("amount = 2500.0", "amount = 3000.0")
    });
    let path = |name: &str| dir.join(name).display().to_string();

    let c = path("compare.xlsx");
    let out = ok(plansim(&[
        "compare", &a, &b, "-n", "64", "--format", "csv", "--xlsx", &c,
    ]));
    let (mut book, _) = open(Path::new(&c));
    assert_eq!(book.sheet_names(), ["Comparison", "Parameters"]);
    assert_eq!(header(&mut book, "Parameters"), ["field", "a", "b"]);
    assert_sheet_is_csv(
        &mut book,
        "Comparison",
        &String::from_utf8(out.stdout).unwrap(),
    );

    let csv = path("batch.csv");
    let x = path("batch.xlsx");
    ok(plansim(&[
        "batch",
        dir.to_str().unwrap(),
        "-n",
        "32",
        "--out",
        &csv,
        "--xlsx",
        &x,
    ]));
    let (mut book, _) = open(Path::new(&x));
    assert_eq!(book.sheet_names(), ["Results", "Parameters"]);
    assert_sheet_is_csv(
        &mut book,
        "Results",
        &std::fs::read_to_string(&csv).unwrap(),
    );

    let o = path("optimize.xlsx");
    let out = ok(plansim(&[
        "optimize",
        &a,
        "--max-evals",
        "6",
        "-n",
        "32",
        "--xlsx",
        &o,
    ]));
    let (mut book, _) = open(Path::new(&o));
    assert_eq!(
        book.sheet_names(),
        ["Convergence", "Parameters"],
        "{}",
        stderr(&out)
    );
    assert_eq!(
        header(&mut book, "Parameters"),
        ["field", "start", "optimized"]
    );

    let r = path("rounds.xlsx");
    let rounds_csv = ok(plansim(&[
        "rounds", &a, "--rounds", "2", "-n", "16", "--format", "csv", "--xlsx", &r,
    ]));
    let (mut book, _) = open(Path::new(&r));
    assert_eq!(book.sheet_names(), ["Rounds", "Parameters"]);
    assert_sheet_is_csv(
        &mut book,
        "Rounds",
        &String::from_utf8(rounds_csv.stdout).unwrap(),
    );
}

#[test]
fn the_xlsx_file_is_refused_where_it_would_clash() {
    let dir = temp_dir("xlsx-clash");
    let a = scenario(&dir, "a.toml", |t| t);
    let same = dir.join("same.out").display().to_string();
    let o = plansim(&["run", &a, "-n", "8", "--report", &same, "--xlsx", &same]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("--xlsx") && stderr(&o).contains("--report file"),
        "{}",
        stderr(&o)
    );
    assert!(!Path::new(&same).exists(), "nothing written");
    let existing = dir.join("exists.xlsx");
    std::fs::write(&existing, b"keep").unwrap();
    let o = plansim(&["run", &a, "-n", "8", "--xlsx", existing.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(std::fs::read(&existing).unwrap(), b"keep");
}
