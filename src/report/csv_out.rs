//! CSV outputs of a run: summary, per period, one row per replication.
//!
//! Every cell goes through [`super::csv_safe`]: a text cell that begins with
//! = + - @ gets a leading `'` so that no spreadsheet runs it as a formula, while
//! numbers (including negative ones) stay plain numbers.

use plansim_sim::engine::RunTally;
use plansim_sim::metrics::{METRICS, N_METRICS};
use plansim_sim::tally::Summary;

use super::RunReport;
use crate::error::{CliError, CliResult};
use crate::warnings::Warnings;

fn num(x: f64) -> String {
    if x.is_finite() {
        format!("{x}")
    } else {
        String::new()
    }
}

fn finish(w: csv::Writer<Vec<u8>>) -> CliResult<Vec<u8>> {
    w.into_inner()
        .map_err(|e| CliError::Internal(format!("cannot write CSV: {e}")))
}

fn row(w: &mut csv::Writer<Vec<u8>>, cells: &[String]) -> CliResult {
    super::csv_safe::write_row(w, cells)
}

fn summary_cells(s: &Summary) -> Vec<String> {
    [
        s.mean,
        s.std_err,
        s.ci95_low,
        s.ci95_high,
        s.p05,
        s.p50,
        s.p95,
    ]
    .iter()
    .map(|&x| num(x))
    .collect()
}

/// summary.csv: a `warning` row per warning, then one row per block (plan, baseline,
/// difference) and metric.
pub fn summary(r: &RunReport) -> CliResult<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    row(
        &mut w,
        &[
            "block",
            "metric",
            "mean",
            "std_err",
            "ci95_low",
            "ci95_high",
            "p05",
            "p50",
            "p95",
        ]
        .map(String::from),
    )?;
    for cells in r.warnings.csv_rows(9) {
        row(&mut w, &cells)?;
    }
    for name in &r.order {
        for (block, s) in [
            ("plan", &r.metrics[name]),
            ("baseline", &r.baseline[name]),
            ("difference", &r.difference[name].paired),
        ] {
            let mut cells = vec![block.to_string(), name.to_string()];
            cells.extend(summary_cells(s));
            row(&mut w, &cells)?;
        }
    }
    for (name, s) in &r.cost_by_mechanism.plan {
        let mut cells = vec!["plan".to_string(), format!("cost_{name}")];
        cells.extend(summary_cells(s));
        row(&mut w, &cells)?;
    }
    for (name, s) in &r.cost_by_mechanism.baseline {
        let mut cells = vec!["baseline".to_string(), format!("cost_{name}")];
        cells.extend(summary_cells(s));
        row(&mut w, &cells)?;
    }
    finish(w)
}

/// per_period.csv: a `warning` row per warning, then each period's metric means and
/// intervals, per block.
pub fn per_period(r: &RunReport) -> CliResult<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    row(
        &mut w,
        &[
            "period",
            "block",
            "metric",
            "mean",
            "std_err",
            "ci95_low",
            "ci95_high",
        ]
        .map(String::from),
    )?;
    for cells in r.warnings.csv_rows(7) {
        row(&mut w, &cells)?;
    }
    for p in &r.per_period {
        for (block, map) in [
            ("plan", &p.plan),
            ("baseline", &p.baseline),
            ("difference", &p.difference),
        ] {
            for (name, s) in map {
                row(
                    &mut w,
                    &[
                        p.period.to_string(),
                        block.to_string(),
                        name.to_string(),
                        num(s.mean),
                        num(s.std_err),
                        num(s.ci95_low),
                        num(s.ci95_high),
                    ],
                )?;
            }
        }
    }
    finish(w)
}

/// replications.csv: one row per replication, every metric under plan and baseline
/// (after a `warning` row per warning).
pub fn replications(t: &RunTally, warnings: &Warnings) -> CliResult<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["replication".to_string()];
    header.extend(METRICS.iter().map(|m| format!("plan_{}", m.name)));
    header.extend(METRICS.iter().map(|m| format!("baseline_{}", m.name)));
    row(&mut w, &header)?;
    for cells in warnings.csv_rows(header.len()) {
        row(&mut w, &cells)?;
    }
    let cols: Vec<&[f64]> = (0..N_METRICS)
        .map(|i| t.plan.values(i).unwrap_or(&[]))
        .chain((0..N_METRICS).map(|i| t.baseline.values(i).unwrap_or(&[])))
        .collect();
    for i in 0..t.replications() as usize {
        let mut cells = Vec::with_capacity(1 + cols.len());
        cells.push(i.to_string());
        cells.extend(
            cols.iter()
                .map(|c| c.get(i).map_or(String::new(), |&x| num(x))),
        );
        row(&mut w, &cells)?;
    }
    finish(w)
}
