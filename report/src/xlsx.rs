//! Excel workbooks (`--xlsx FILE`): one sheet per table a command writes as CSV,
//! plus the scenario's parameters, with number formats by metric (percentages for
//! shares, thousands separators for money and counts, three decimals for scores),
//! a bold frozen header row and column widths fitted to the contents.
//!
//! The sheets are built from the same CSV documents the command writes (every
//! value, every digit), so a workbook and the CSV files never disagree; a cell that
//! [`crate::csv_safe`] marked as text (a leading `'` before `=`, `+`, `-` or `@`)
//! is written as that text, never as a formula.

use rust_xlsxwriter::{Format, Workbook, XlsxError};
use serde_json::Value;

use plansim_sim::engine::metrics::{Metric, Scale};

use crate::{Error, Result};

/// One sheet: its name and a CSV document (header row first) to fill it with.
pub struct Sheet<'a> {
    /// Sheet name (at most 31 characters, as Excel allows).
    pub name: &'a str,
    /// The CSV bytes (a UTF-8 byte-order mark is skipped).
    pub csv: &'a [u8],
}

fn fail(e: XlsxError) -> Error {
    Error::Xlsx(e.to_string())
}

/// The metric a column or a row is about: `revenue`, `plan_revenue`,
/// `difference_revenue_growth`, `revenue_mean` all name `revenue`'s metric.
fn metric_of(name: &str) -> Option<Metric> {
    let mut candidates = vec![name];
    for prefix in ["plan_", "baseline_", "difference_", "best_", "start_"] {
        if let Some(rest) = name.strip_prefix(prefix) {
            candidates.push(rest);
        }
    }
    for suffix in [
        "_mean",
        "_std_err",
        "_ci95_low",
        "_ci95_high",
        "_p05",
        "_p50",
        "_p95",
    ] {
        let more: Vec<&str> = candidates
            .iter()
            .filter_map(|c| c.strip_suffix(suffix))
            .collect();
        candidates.extend(more);
    }
    candidates
        .into_iter()
        .find_map(|c| Metric::from_name(c).ok())
}

/// The Excel number format of a metric's values.
fn number_format(m: Option<Metric>) -> &'static str {
    match m.map(|m| m.scale()) {
        Some(Scale::Share) => "0.0%",
        Some(Scale::Amount) => "#,##0",
        Some(Scale::Score) => "0.000",
        None => "General",
    }
}

/// Columns whose values are identifiers or counts of things, not amounts.
fn plain_column(header: &str) -> bool {
    matches!(
        header,
        "replication" | "period" | "round" | "seed" | "replications" | "rank"
    )
}

/// Writes the CSV document `csv` into a new sheet named `name` of `book`.
fn add_sheet(book: &mut Workbook, name: &str, csv: &[u8]) -> Result<()> {
    let csv = csv.strip_prefix(b"\xEF\xBB\xBF".as_slice()).unwrap_or(csv);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(csv);
    let rows: Vec<csv::StringRecord> = reader.records().collect::<std::result::Result<_, _>>()?;
    let sheet = book.add_worksheet();
    sheet.set_name(name).map_err(fail)?;
    let bold = Format::new().set_bold();
    let Some(header) = rows.first() else {
        return Ok(());
    };
    let headers: Vec<String> = header.iter().map(str::to_string).collect();
    // The column that names each row's metric, when there is one (`metric`).
    let metric_column = headers.iter().position(|h| h == "metric");
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for (c, h) in headers.iter().enumerate() {
        sheet
            .write_string_with_format(0, c as u16, h, &bold)
            .map_err(fail)?;
    }
    for (r, record) in rows.iter().enumerate().skip(1) {
        let row_metric = metric_column
            .and_then(|c| record.get(c))
            .and_then(|n| Metric::from_name(n).ok());
        for (c, cell) in record.iter().enumerate() {
            let (row, col) = (r as u32, c as u16);
            if widths.len() <= c {
                widths.push(0);
            }
            let header = headers.get(c).map(String::as_str).unwrap_or("");
            match cell.parse::<f64>() {
                Ok(x) if x.is_finite() && crate::csv_safe::is_number(cell) => {
                    let format = if plain_column(header) {
                        "General"
                    } else {
                        number_format(row_metric.or_else(|| metric_of(header)))
                    };
                    sheet
                        .write_number_with_format(
                            row,
                            col,
                            x,
                            &Format::new().set_num_format(format),
                        )
                        .map_err(fail)?;
                    widths[c] = widths[c].max(14);
                }
                _ => {
                    sheet.write_string(row, col, cell).map_err(fail)?;
                    widths[c] = widths[c].max(cell.chars().count());
                }
            }
        }
    }
    for (c, w) in widths.iter().enumerate() {
        sheet
            .set_column_width(c as u16, (*w as f64 + 2.0).clamp(8.0, 60.0))
            .map_err(fail)?;
    }
    sheet.set_freeze_panes(1, 0).map_err(fail)?;
    Ok(())
}

/// Every leaf of a JSON value as (dotted path, value) rows, in document order.
fn flatten(prefix: &str, v: &Value, out: &mut Vec<(String, Value)>) {
    match v {
        Value::Object(map) => {
            for (k, x) in map {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&p, x, out);
            }
        }
        Value::Array(items) if items.iter().any(|x| x.is_object()) => {
            for (i, x) in items.iter().enumerate() {
                flatten(&format!("{prefix}[{i}]"), x, out);
            }
        }
        _ => out.push((prefix.to_string(), v.clone())),
    }
}

/// The parameters sheet's CSV: one row per field of the resolved scenarios
/// (`team.effort_cost.mean`, every default written out) and a column of values per
/// scenario, headed by its label.
pub fn parameters_csv(scenarios: &[(&str, &plansim_sim::scenario::Scenario)]) -> Result<Vec<u8>> {
    let mut fields: Vec<String> = Vec::new();
    let mut columns: Vec<std::collections::HashMap<String, String>> = Vec::new();
    for (_, scenario) in scenarios {
        let value = serde_json::to_value(scenario)?;
        let mut rows = Vec::new();
        flatten("", &value, &mut rows);
        let mut column = std::collections::HashMap::new();
        for (path, v) in rows {
            let cell = match v {
                Value::Null => String::new(),
                Value::String(s) => s,
                Value::Number(n) => n.to_string(),
                other => other.to_string(),
            };
            if !fields.contains(&path) {
                fields.push(path.clone());
            }
            column.insert(path, cell);
        }
        columns.push(column);
    }
    let mut sheet = crate::csv_safe::CsvSheet::new();
    let header: Vec<String> = std::iter::once("field".to_string())
        .chain(scenarios.iter().map(|(label, _)| label.to_string()))
        .collect();
    sheet.row(&header)?;
    for f in &fields {
        let row: Vec<String> = std::iter::once(f.clone())
            .chain(
                columns
                    .iter()
                    .map(|c| c.get(f).cloned().unwrap_or_default()),
            )
            .collect();
        sheet.row(&row)?;
    }
    sheet.finish()
}

/// The rows of CSV document `csv` whose `column` satisfies `keep`, with its header.
pub fn rows_where(csv: &[u8], column: &str, keep: impl Fn(&str) -> bool) -> Result<Vec<u8>> {
    let csv = csv.strip_prefix(b"\xEF\xBB\xBF".as_slice()).unwrap_or(csv);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(csv);
    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut at = None;
    for (i, record) in reader.records().enumerate() {
        let record = record?;
        if i == 0 {
            at = record.iter().position(|h| h == column);
            writer.write_record(&record)?;
        } else if at.and_then(|c| record.get(c)).is_some_and(&keep) {
            writer.write_record(&record)?;
        }
    }
    writer
        .into_inner()
        .map_err(|e| Error::CsvFlush(e.into_error()))
}

/// A workbook of `sheets`, in order, as the bytes of an .xlsx file.
pub fn workbook(sheets: &[Sheet<'_>]) -> Result<Vec<u8>> {
    let mut book = Workbook::new();
    for s in sheets {
        add_sheet(&mut book, s.name, s.csv)?;
    }
    book.save_to_buffer().map_err(fail)
}

/// Excel's most rows in a sheet.
pub const MAX_ROWS: u64 = 1_048_576;

/// The workbook of `plansim run` (and `merge`): Summary, Per period, Per replication
/// (when its rows fit in a sheet), By mechanism (the cost rows of the summary) and
/// Parameters.
pub fn run(
    report: &crate::run::RunReport,
    tally: &plansim_sim::engine::RunTally,
    scenario: &plansim_sim::scenario::Scenario,
) -> Result<Vec<u8>> {
    let summary = crate::run::summary_csv(report)?;
    let by_mechanism = rows_where(&summary, "metric", |m| m.starts_with("cost_"))?;
    let per_period = crate::run::per_period_csv(report)?;
    let parameters = parameters_csv(&[("value", scenario)])?;
    let replications = if tally.replications() < MAX_ROWS && tally.plan.keeps_values() {
        Some(crate::run::replications_csv(
            tally,
            report.seed,
            &report.warnings,
        )?)
    } else {
        None
    };
    let mut sheets = vec![
        Sheet {
            name: "Summary",
            csv: &summary,
        },
        Sheet {
            name: "Per period",
            csv: &per_period,
        },
    ];
    if let Some(r) = &replications {
        sheets.push(Sheet {
            name: "Per replication",
            csv: r,
        });
    }
    sheets.push(Sheet {
        name: "By mechanism",
        csv: &by_mechanism,
    });
    sheets.push(Sheet {
        name: "Parameters",
        csv: &parameters,
    });
    workbook(&sheets)
}

/// A workbook of a command's main table `name` (CSV `csv`) and the parameters of
/// its scenarios (label, scenario).
pub fn with_parameters(
    name: &str,
    csv: &[u8],
    scenarios: &[(&str, &plansim_sim::scenario::Scenario)],
) -> Result<Vec<u8>> {
    let parameters = parameters_csv(scenarios)?;
    workbook(&[
        Sheet { name, csv },
        Sheet {
            name: "Parameters",
            csv: &parameters,
        },
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_are_found_in_column_names() {
        assert_eq!(
            metric_of("plan_revenue_growth"),
            Some(Metric::RevenueGrowth)
        );
        assert_eq!(metric_of("revenue_mean"), Some(Metric::Revenue));
        assert_eq!(metric_of("difference_roi_p95"), Some(Metric::Roi));
        assert_eq!(metric_of("label"), None);
        assert_eq!(number_format(Some(Metric::RevenueGrowth)), "0.0%");
        assert_eq!(number_format(Some(Metric::IncentiveCost)), "#,##0");
    }
}
