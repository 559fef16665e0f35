//! Problems found in a scenario, each with its path and line.

use std::fmt;

use super::params::ValidRange;

/// One problem in a scenario file.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    /// Dotted path of the field (`plan.target_bonus.threshold`).
    pub path: String,
    /// Line in the file where the field (or its nearest written parent) is, if written.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{} (line {}): {}", self.path, line, self.message),
            None => write!(f, "{}: {}", self.path, self.message),
        }
    }
}

/// Every problem found in one scenario file.
#[derive(Clone, Debug, PartialEq)]
pub struct ScenarioError {
    /// The file (or `<embedded default>`).
    pub file: String,
    /// The problems, in the order of the file's sections.
    pub problems: Vec<Problem>,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.problems.len();
        write!(
            f,
            "{}: {} problem{}",
            self.file,
            n,
            if n == 1 { "" } else { "s" }
        )?;
        for p in &self.problems {
            write!(f, "\n  {p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioError {}

/// Collects problems while a scenario is checked, and the range each numeric field
/// was checked against (for the JSON Schema: the checks are the ranges' one source).
#[derive(Default)]
pub struct Problems {
    list: Vec<(String, String)>,
    ranges: Vec<(String, ValidRange)>,
}

impl Problems {
    /// Records a problem at `path`.
    pub fn push(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.list.push((path.into(), message.into()));
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Checks that a number is finite and within [lo, hi].
    pub fn range(&mut self, path: &str, value: f64, lo: f64, hi: f64) {
        self.ranges
            .push((path.to_string(), ValidRange::closed(lo, hi)));
        if !value.is_finite() {
            self.push(path, format!("must be a finite number, got {value}"));
        } else if value < lo || value > hi {
            self.push(
                path,
                format!(
                    "must be between {} and {}, got {}",
                    fmt_num(lo),
                    fmt_num(hi),
                    fmt_num(value)
                ),
            );
        }
    }

    /// Checks that a number lies in `range`; `when` says when the field is checked
    /// (`in tournament mode`), for fields used only in some plans.
    pub fn within(&mut self, path: &str, value: f64, range: &ValidRange, when: Option<&str>) {
        if when.is_none() {
            self.ranges.push((path.to_string(), *range));
        }
        if !value.is_finite() {
            self.push(path, format!("must be a finite number, got {value}"));
        } else if !range.contains(value) {
            let when = when.map(|w| format!(" {w}")).unwrap_or_default();
            self.push(
                path,
                format!("must be {}{when}, got {}", range.words(), fmt_num(value)),
            );
        }
    }

    /// Checks that a number is finite and strictly positive, at most `hi`.
    pub fn positive(&mut self, path: &str, value: f64, hi: f64) {
        self.ranges
            .push((path.to_string(), ValidRange::open_closed(0.0, hi)));
        if !value.is_finite() {
            self.push(path, format!("must be a finite number, got {value}"));
        } else if value <= 0.0 || value > hi {
            self.push(
                path,
                format!(
                    "must be greater than 0 and at most {}, got {}",
                    fmt_num(hi),
                    fmt_num(value)
                ),
            );
        }
    }

    /// The ranges the checks so far compared a field with, by the field's path.
    pub fn checked_ranges(self) -> Vec<(String, ValidRange)> {
        self.ranges
    }

    /// Attaches lines and returns the problems.
    pub fn into_problems(self, line_of: impl Fn(&str) -> Option<usize>) -> Vec<Problem> {
        self.list
            .into_iter()
            .map(|(path, message)| Problem {
                line: line_of(&path),
                path,
                message,
            })
            .collect()
    }
}

/// Formats a number without a trailing `.0` for integers, and in scientific notation
/// when very large or very small (1e308, not 309 digits).
pub fn fmt_num(x: f64) -> String {
    if x.is_finite() && x == x.trunc() && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else if x.is_finite() && (x.abs() >= 1e15 || (x != 0.0 && x.abs() < 1e-6)) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}
