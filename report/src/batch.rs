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
use crate::text_table::{wrap, Column, TextTable, Width};
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

/// A digest table of the results fitted to `width`, after a line per scenario's
/// warning.
pub fn table(rows: &[BatchRow], width: Width) -> String {
    crate::format::printable_lines(&table_text(rows, width)).into_owned()
}

fn table_text(rows: &[BatchRow], width: Width) -> String {
    let shown = [
        Metric::RevenueGrowth,
        Metric::IncentiveCost,
        Metric::CostOfSales,
        Metric::TargetHitRate,
    ];
    let mut columns = vec![Column::left("file"), Column::left("scenario").droppable(0)];
    // To fit a narrow terminal, the hit rate goes first, then the cost of sales.
    columns.extend(shown.iter().map(|&m| {
        let c = Column::right(format!("{} [95% CI]", m.name()));
        match m {
            Metric::TargetHitRate => c.droppable(1),
            Metric::CostOfSales => c.droppable(2),
            _ => c,
        }
    }));
    columns.push(Column::right("growth vs status quo [95% CI]"));
    let mut t = TextTable::new(columns);
    let folder = common_folder(rows.iter().map(|r| r.file.as_str()));
    for r in rows {
        let mut line = vec![
            crate::format::printable(&r.file[folder.len()..]).into_owned(),
            crate::format::printable(&r.scenario).into_owned(),
        ];
        if r.status == "ok" {
            for m in shown {
                line.push(interval(&r.plan[m.name()], style(m)));
            }
            let growth = Metric::RevenueGrowth;
            line.push(crate::format::difference_interval(
                &r.difference[growth.name()],
                style(growth),
            ));
        } else {
            line.push("ERROR (see stderr)".to_string());
        }
        t.row(line);
    }
    let mut out = String::new();
    for r in rows {
        for t in texts(&r.warnings, Lang::En) {
            let _ = writeln!(out, "WARNING: {}: {t}", r.file);
        }
    }
    if !folder.is_empty() {
        let _ = writeln!(out, "files in {}:", crate::format::printable(folder));
    }
    let mut out = wrap(&out, width);
    out.push_str(&t.render(width));
    out
}

/// The folder (up to and with its last `/`) every one of `files` is in, "" when none.
fn common_folder<'a>(mut files: impl Iterator<Item = &'a str>) -> &'a str {
    let Some(first) = files.next() else {
        return "";
    };
    let mut folder = &first[..first.rfind('/').map_or(0, |i| i + 1)];
    for f in files {
        while !f.starts_with(folder) {
            let trimmed = &folder[..folder.len() - 1];
            folder = &trimmed[..trimmed.rfind('/').map_or(0, |i| i + 1)];
        }
    }
    folder
}

/// The results as pretty JSON with a final newline.
pub fn to_json(rows: &[BatchRow]) -> Result<String> {
    let mut s = serde_json::to_string_pretty(rows)?;
    s.push('\n');
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::common_folder;

    #[test]
    fn the_common_folder_ends_at_a_slash_and_holds_every_file() {
        let f = |v: &[&'static str]| common_folder(v.iter().copied());
        assert_eq!(f(&["a/b/x.toml", "a/b/y.toml"]), "a/b/");
        assert_eq!(f(&["a/b/x.toml", "a/bc/y.toml"]), "a/");
        assert_eq!(f(&["x.toml", "a/y.toml"]), "");
        assert_eq!(f(&["/p/x.toml"]), "/p/");
        assert_eq!(f(&[]), "");
    }
}
