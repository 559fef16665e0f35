//! The roster CSV: one row per rep, exported from a CRM or HR system.
//!
//! Columns (header names, any order): `id` (required), `base_salary` (required),
//! and optionally `name`, `level`, `tenure_months`, `ability`, `book`,
//! `last_year_revenue`, `last_year_new_customers`. A rep without `ability` but
//! with last year's revenue or new customers has ability estimated from them (and
//! from `book`) by the model's roster calibration (docs/model.md section 1.1); other traits are
//! drawn from the scenario's distributions.

use serde::{Deserialize, Serialize};

/// One rep of a roster.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct RosterRep {
    /// Identifier from the source system.
    pub id: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// Job level (0 = entry).
    #[serde(default)]
    pub level: u32,
    /// Monthly base salary.
    pub base_salary: f64,
    /// Months with the company.
    #[serde(default)]
    pub tenure_months: Option<u32>,
    /// Selling ability, if known.
    #[serde(default)]
    pub ability: Option<f64>,
    /// Customers in the rep's book.
    #[serde(default)]
    pub book: Option<f64>,
    /// Revenue over the last twelve months.
    #[serde(default)]
    pub last_year_revenue: Option<f64>,
    /// New customers won over the last twelve months.
    #[serde(default)]
    pub last_year_new_customers: Option<f64>,
}

/// Reads a roster, reporting every bad row with its line number.
pub fn read_roster(text: &str) -> Result<Vec<RosterRep>, Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut reps = Vec::new();
    let mut problems = Vec::new();
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => return Err(vec![format!("header: {e}")]),
    };
    for required in ["id", "base_salary"] {
        if !headers.iter().any(|c| c == required) {
            problems.push(format!("header: missing column `{required}`"));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut ids = std::collections::HashSet::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                problems.push(format!("line {line}: {e}"));
                continue;
            }
        };
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        match record.deserialize::<RosterRep>(Some(&headers)) {
            Ok(rep) => {
                let bad = row_problems(&rep, &mut ids);
                if bad.is_empty() {
                    reps.push(rep);
                } else {
                    problems.push(format!("line {line}: {}", bad.join("; ")));
                }
            }
            Err(e) => {
                let what = match e.kind() {
                    csv::ErrorKind::Deserialize { err, .. } => match err.field() {
                        Some(i) => format!(
                            "column `{}`: {}",
                            headers.get(i as usize).unwrap_or("?"),
                            err.kind()
                        ),
                        None => err.kind().to_string(),
                    },
                    _ => e.to_string(),
                };
                problems.push(format!("line {line}: {what}"));
            }
        }
    }
    if reps.is_empty() && problems.is_empty() {
        problems.push("the roster has no reps".into());
    }
    if problems.is_empty() {
        Ok(reps)
    } else {
        Err(problems)
    }
}

/// Writes reps as roster CSV that [`read_roster`] reads back to the same reps.
pub fn write_roster(reps: &[RosterRep]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    for rep in reps {
        w.serialize(rep).expect("a roster serialises to memory");
    }
    let bytes = w.into_inner().expect("a roster serialises to memory");
    String::from_utf8(bytes).expect("roster fields are UTF-8")
}

fn row_problems(rep: &RosterRep, ids: &mut std::collections::HashSet<String>) -> Vec<String> {
    let mut bad = Vec::new();
    if rep.id.is_empty() {
        bad.push("id is empty".to_string());
    } else if !ids.insert(rep.id.clone()) {
        bad.push(format!("id `{}` appears twice", rep.id));
    }
    if !(rep.base_salary.is_finite() && rep.base_salary > 0.0) {
        bad.push(format!(
            "base_salary must be a positive number, got {}",
            rep.base_salary
        ));
    }
    for (name, v) in [
        ("ability", rep.ability),
        ("book", rep.book),
        ("last_year_revenue", rep.last_year_revenue),
        ("last_year_new_customers", rep.last_year_new_customers),
    ] {
        if let Some(v) = v {
            if !(v.is_finite() && v >= 0.0) {
                bad.push(format!("{name} must be a non-negative number, got {v}"));
            }
        }
    }
    if rep.ability == Some(0.0) {
        bad.push("ability must be greater than 0".into());
    }
    bad
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_good_rows_and_reports_bad_ones_by_line() {
        let ok = "id,name,base_salary,level,ability\nA1,Li,9000,0,1.1\nA2,Wang,8000,1,\n";
        let reps = read_roster(ok).unwrap();
        assert_eq!(reps.len(), 2);
        assert_eq!(reps[1].ability, None);
        let bad = "id,base_salary\nA1,9000\nA2,abc\nA3,-5\nA1,7000\n";
        let errs = read_roster(bad).unwrap_err();
        assert_eq!(errs.len(), 3, "{errs:?}");
        assert!(errs[0].starts_with("line 3"), "{errs:?}");
        assert!(
            errs[1].starts_with("line 4") && errs[1].contains("base_salary"),
            "{errs:?}"
        );
        assert!(errs[2].contains("appears twice"), "{errs:?}");
        assert!(read_roster("name\nx\n").unwrap_err()[0].contains("missing column `id`"));
    }

    #[test]
    fn written_rosters_read_back_to_the_same_reps() {
        let text = "id,name,base_salary,level,ability,tenure_months,book,last_year_revenue\n\
                    A1,\"Li, Wei\",9000.5,0,1.1,,3,\nA2,Wang \"W\",8000,1,,7,,123456.789\n";
        let reps = read_roster(text).unwrap();
        let again = read_roster(&write_roster(&reps)).unwrap();
        assert_eq!(reps, again);
        assert_eq!(again[0].name, "Li, Wei");
        assert_eq!(again[1].tenure_months, Some(7));
        assert_eq!(again[0].tenure_months, None);
    }
}
