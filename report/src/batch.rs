//! The report of `plansim batch`: one row per scenario file with every KPI's mean
//! and 95 % interval under the plan, the status quo's mean and the paired
//! difference, or the file's error; as CSV, JSON or a digest table.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

use serde::Serialize;

use plansim_analysis::warnings::Warnings;
use plansim_sim::engine::metrics::Metric;
use plansim_sim::engine::RunTally;
use plansim_sim::scenario::ValidScenario;
use plansim_sim::tally::Summary;

use crate::csv_safe::{num, CsvSheet};
use crate::format::{interval, style};
use crate::i18n::Lang;
use crate::warnings::texts;
use crate::Result;

/// One scenario's results, or its error.
#[derive(Serialize, Clone, Debug)]
pub struct BatchRow {
    /// The scenario file.
    pub file: String,
    /// The scenario's name (empty when it could not be read).
    pub scenario: String,
    /// "ok" or "error".
    pub status: &'static str,
    /// What was wrong with the file.
    pub error: Option<String>,
    /// What makes some of its figures less trustworthy than their intervals say (a
    /// plan without an equilibrium, a status quo without a steady state); empty when none.
    #[serde(serialize_with = "crate::warnings::serialize")]
    pub warnings: Warnings,
    /// Replications run.
    pub replications: u64,
    /// Seed used.
    pub seed: Option<u64>,
    /// Every KPI under the plan.
    pub plan: BTreeMap<&'static str, Summary>,
    /// Every KPI's mean under the status quo.
    pub baseline: BTreeMap<&'static str, f64>,
    /// Every KPI's paired difference, plan minus status quo.
    pub difference: BTreeMap<&'static str, Summary>,
}

impl BatchRow {
    /// The row of a scenario file that could not be run, with its error.
    pub fn error(file: &Path, message: String) -> BatchRow {
        BatchRow {
            file: file.display().to_string(),
            scenario: String::new(),
            status: "error",
            error: Some(message),
            warnings: Warnings::none(),
            replications: 0,
            seed: None,
            plan: BTreeMap::new(),
            baseline: BTreeMap::new(),
            difference: BTreeMap::new(),
        }
    }

    /// The row of scenario `valid` (file `file`) run with `seed`, its `tally` and
    /// `warnings`.
    pub fn result(
        file: &Path,
        valid: &ValidScenario,
        seed: u64,
        tally: &RunTally,
        warnings: Warnings,
    ) -> BatchRow {
        let mut row = BatchRow {
            file: file.display().to_string(),
            scenario: valid.scenario().name.clone(),
            status: "ok",
            error: None,
            warnings,
            replications: tally.replications(),
            seed: Some(seed),
            plan: BTreeMap::new(),
            baseline: BTreeMap::new(),
            difference: BTreeMap::new(),
        };
        for m in Metric::ALL {
            let i = m.index();
            row.plan
                .insert(m.name(), tally.plan.summary(i).within(m.bounds()));
            row.baseline
                .insert(m.name(), tally.baseline.moments(i).mean);
            row.difference.insert(
                m.name(),
                tally.difference.summary(i).within(m.difference_bounds()),
            );
        }
        row
    }
}

/// The results as CSV: a header, then one row per scenario (its warnings in one
/// cell, separated by ` | `).
pub fn to_csv(rows: &[BatchRow]) -> Result<Vec<u8>> {
    let mut w = CsvSheet::new();
    let mut header: Vec<String> = [
        "file",
        "scenario",
        "status",
        "error",
        "warnings",
        "replications",
        "seed",
    ]
    .map(String::from)
    .to_vec();
    for m in Metric::ALL {
        for part in [
            "mean",
            "ci95_low",
            "ci95_high",
            "baseline_mean",
            "difference_mean",
            "difference_ci95_low",
            "difference_ci95_high",
        ] {
            header.push(format!("{}_{part}", m.name()));
        }
    }
    w.row(&header)?;
    for r in rows {
        let mut cells = vec![
            r.file.clone(),
            r.scenario.clone(),
            r.status.to_string(),
            r.error.clone().unwrap_or_default(),
            texts(&r.warnings, Lang::En).join(" | "),
            r.replications.to_string(),
            r.seed.map(|s| s.to_string()).unwrap_or_default(),
        ];
        if r.status == "ok" {
            for name in Metric::ALL.map(Metric::name) {
                let (p, d) = (&r.plan[name], &r.difference[name]);
                cells.extend([
                    num(p.mean),
                    num(p.ci95_low),
                    num(p.ci95_high),
                    num(r.baseline[name]),
                    num(d.mean),
                    num(d.ci95_low),
                    num(d.ci95_high),
                ]);
            }
        } else {
            cells.extend((0..7 * Metric::ALL.len()).map(|_| String::new()));
        }
        w.row(&cells)?;
    }
    w.finish()
}

/// A digest table of the results, after a line per scenario's warning.
pub fn table(rows: &[BatchRow]) -> String {
    crate::format::printable_lines(&table_text(rows)).into_owned()
}

fn table_text(rows: &[BatchRow]) -> String {
    let shown = [
        Metric::RevenueGrowth,
        Metric::IncentiveCost,
        Metric::CostOfSales,
        Metric::TargetHitRate,
    ];
    let mut lines: Vec<Vec<String>> = vec![{
        let mut h = vec!["file".to_string(), "scenario".to_string()];
        h.extend(shown.iter().map(|m| format!("{} [95% CI]", m.name())));
        h.push("growth vs status quo".to_string());
        h
    }];
    for r in rows {
        let mut line = vec![
            crate::format::printable(&r.file).into_owned(),
            crate::format::printable(&r.scenario).into_owned(),
        ];
        if r.status == "ok" {
            for m in shown {
                line.push(interval(&r.plan[m.name()], style(m)));
            }
            let growth = Metric::RevenueGrowth;
            line.push(interval(&r.difference[growth.name()], style(growth)));
        } else {
            line.push("ERROR (see stderr)".to_string());
        }
        lines.push(line);
    }
    let cols = lines.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0; cols];
    for l in &lines {
        for (w, c) in widths.iter_mut().zip(l) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    for r in rows {
        for t in texts(&r.warnings, Lang::En) {
            let _ = writeln!(out, "WARNING: {}: {t}", r.file);
        }
    }
    for (k, l) in lines.iter().enumerate() {
        let mut s = String::new();
        for (i, c) in l.iter().enumerate() {
            let pad = " ".repeat(widths[i] - c.chars().count());
            if i < 2 {
                s.push_str(c);
                s.push_str(&pad);
                s.push_str("  ");
            } else {
                s.push_str(&pad);
                s.push_str(c);
                s.push_str("  ");
            }
        }
        out.push_str(s.trim_end());
        out.push('\n');
        if k == 0 {
            out.push_str(&"-".repeat(widths.iter().sum::<usize>() + 2 * cols.saturating_sub(1)));
            out.push('\n');
        }
    }
    out
}

/// The results as pretty JSON with a final newline.
pub fn to_json(rows: &[BatchRow]) -> Result<String> {
    let mut s = serde_json::to_string_pretty(rows)?;
    s.push('\n');
    Ok(s)
}
