//! plansim-report: every presentation of plansim's results, built from library
//! results without simulating anything: human tables, JSON and CSV documents,
//! self-contained HTML pages and SVG charts, in English and Chinese.
//!
//! One module per report: [`run`] (a plan against its baseline), [`compare`]
//! (variants side by side with the selection's verdict), [`optimize`] (a search and
//! its certification), [`rounds`] (monitoring and adjustment), [`batch`] (one row per
//! scenario) and [`bench`](mod@bench) (throughput). They share the number [`format`](mod@format)s, the
//! Excel-safe [`csv_safe`] writer, the [`html`] page builder, the [`charts`] and the
//! standard [`figures`], the terminal tables of [`text_table`], the labels of [`i18n`], and the words of [`warnings`] and
//! [`budget`] verdicts. Each returns text or bytes; the caller delivers them.
#![warn(missing_docs)]

pub mod batch;
pub mod bench;
pub mod budget;
pub mod charts;
pub mod compare;
pub mod csv_safe;
pub mod figures;
pub mod format;
pub mod html;
pub mod i18n;
pub mod optimize;
pub mod rounds;
pub mod run;
pub mod sensitivity;
pub mod text_table;
pub mod warnings;
pub mod xlsx;

/// A report that could not be built.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A CSV document could not be written.
    #[error("cannot write CSV: {0}")]
    Csv(#[from] csv::Error),
    /// A CSV document could not be finished.
    #[error("cannot write CSV: {0}")]
    CsvFlush(#[from] std::io::Error),
    /// A chart could not be drawn.
    #[error("cannot draw {chart}: {source}")]
    Chart {
        /// Which chart ("a chart", "the fan chart", ...).
        chart: &'static str,
        /// What the drawing library said.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// An Excel workbook could not be written.
    #[error("cannot write the Excel workbook: {0}")]
    Xlsx(String),
    /// A JSON document could not be written.
    #[error("cannot write JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// The result of building a report.
pub type Result<T> = std::result::Result<T, Error>;
