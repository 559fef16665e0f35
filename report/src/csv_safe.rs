//! CSV that opens cleanly in Excel: UTF-8 (with a byte-order mark when asked) and
//! no cell that a spreadsheet would run as a formula.
//!
//! A text cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is
//! written with a leading single quote (`'`), the OWASP advice against CSV
//! injection, so that `=HYPERLINK(...)` in a scenario name stays text. A cell that
//! is a plain decimal number (`-0.5`, `1e-7`) is left as it is so that it stays a
//! number in the sheet.

use std::borrow::Cow;

use plansim_sim::tally::Summary;

use crate::{Error, Result};

/// The UTF-8 byte-order mark Excel reads to know a CSV file is UTF-8.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// True when `s` is a plain decimal number: optional sign, digits with an optional
/// fraction, an optional exponent (no `inf`, no `NaN`, no spaces).
pub fn is_number(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    let mut mantissa = digits(&mut i);
    if i < b.len() && b[i] == b'.' {
        i += 1;
        mantissa += digits(&mut i);
    }
    if mantissa == 0 {
        return false;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// The cell as written: a text cell a spreadsheet could run as a formula gets a leading `'`.
pub fn escape_cell(s: &str) -> Cow<'_, str> {
    match s.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') if !is_number(s) => {
            Cow::Owned(format!("'{s}"))
        }
        _ => Cow::Borrowed(s),
    }
}

/// A number as a CSV cell: as Rust writes it (every digit kept), empty when it is
/// not finite.
pub fn num(x: f64) -> String {
    if x.is_finite() {
        format!("{x}")
    } else {
        String::new()
    }
}

/// The columns of a [`Summary`] in CSV documents, in order.
pub const SUMMARY_COLUMNS: [&str; 7] = [
    "mean",
    "std_err",
    "ci95_low",
    "ci95_high",
    "p05",
    "p50",
    "p95",
];

/// A summary's cells, in the order of [`SUMMARY_COLUMNS`].
pub fn summary_cells(s: &Summary) -> [String; 7] {
    [
        s.mean,
        s.std_err,
        s.ci95_low,
        s.ci95_high,
        s.p05,
        s.p50,
        s.p95,
    ]
    .map(num)
}

/// A CSV row: `first` cells, then `rest`.
pub fn row_of<const N: usize>(
    first: [&str; N],
    rest: impl IntoIterator<Item = String>,
) -> Vec<String> {
    first.iter().map(|c| c.to_string()).chain(rest).collect()
}

/// `bytes` with the byte-order mark in front when `bom` is set.
pub fn with_bom(bytes: Vec<u8>, bom: bool) -> Vec<u8> {
    if !bom {
        return bytes;
    }
    let mut out = Vec::with_capacity(BOM.len() + bytes.len());
    out.extend_from_slice(BOM);
    out.extend_from_slice(&bytes);
    out
}

/// A CSV document built in memory whose every cell goes through [`escape_cell`].
pub struct CsvSheet {
    writer: csv::Writer<Vec<u8>>,
}

impl Default for CsvSheet {
    fn default() -> Self {
        Self::new()
    }
}

impl CsvSheet {
    /// An empty sheet.
    pub fn new() -> Self {
        CsvSheet {
            writer: csv::Writer::from_writer(Vec::new()),
        }
    }

    /// Appends one row.
    pub fn row<S: AsRef<str>>(&mut self, cells: &[S]) -> Result<()> {
        self.writer
            .write_record(cells.iter().map(|c| escape_cell(c.as_ref()).into_owned()))?;
        Ok(())
    }

    /// The CSV bytes (UTF-8, no byte-order mark).
    pub fn finish(self) -> Result<Vec<u8>> {
        self.writer
            .into_inner()
            .map_err(|e| Error::CsvFlush(e.into_error()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_stay_numbers_and_formulas_become_text() {
        for n in ["0", "-0.5", "+3", "1e-7", "-1.25E+3", ".5", "5."] {
            assert!(is_number(n), "{n}");
            assert_eq!(escape_cell(n), n);
        }
        for s in [
            "-", "+", "1e", "inf", "-inf", "NaN", "1 2", "", "e5", "-.e1",
        ] {
            assert!(!is_number(s), "{s}");
        }
        assert_eq!(escape_cell("=1+2"), "'=1+2");
        assert_eq!(escape_cell("+cmd"), "'+cmd");
        assert_eq!(escape_cell("-inf"), "'-inf");
        assert_eq!(escape_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(escape_cell("\tx"), "'\tx");
        assert_eq!(escape_cell("plan"), "plan");
        assert_eq!(escape_cell("销售"), "销售");
        assert_eq!(escape_cell(""), "");
    }

    #[test]
    fn sheet_escapes_quotes_and_adds_the_bom_on_request() {
        let mut s = CsvSheet::new();
        s.row(&["name", "value"]).unwrap();
        s.row(&["=HYPERLINK(\"x\")", "-0.5"]).unwrap();
        let bytes = s.finish().unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert_eq!(text, "name,value\n\"'=HYPERLINK(\"\"x\"\")\",-0.5\n");
        let with = with_bom(bytes.clone(), true);
        assert!(with.starts_with(BOM) && with[3..] == bytes[..]);
        assert_eq!(with_bom(bytes.clone(), false), bytes);
    }

    #[test]
    fn numbers_keep_every_digit_and_non_finite_ones_are_empty() {
        assert_eq!(num(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(num(-3.0), "-3");
        assert_eq!(num(f64::NAN), "");
        assert_eq!(num(f64::NEG_INFINITY), "");
    }
}
