//! The roster CSV: one row per rep, exported from a CRM or HR system.
//!
//! Columns (header names, any order): `id` (required), `base_salary` (required),
//! and optionally `name`, `level`, `tenure_months`, `ability`, `book`,
//! `last_year_revenue`, `last_year_new_customers`. A rep without `ability` but
//! with last year's revenue or new customers has ability estimated from them (and
//! from `book`) by the model's roster calibration (docs/model.md section 1.1); other traits are
//! drawn from the scenario's distributions.

use serde::{Deserialize, Serialize};

use super::problems::fmt_num;
use super::validate::{
    ABILITY, BASE_SALARY, MAX_BOOK, MAX_LAST_YEAR_NEW_CUSTOMERS, MAX_LAST_YEAR_REVENUE, MAX_LEVEL,
    MAX_TENURE_MONTHS,
};

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

/// The roster's columns, as [`RosterRep`]'s fields name them (a test checks the two agree).
pub const ROSTER_COLUMNS: [&str; 9] = [
    "id",
    "name",
    "level",
    "base_salary",
    "tenure_months",
    "ability",
    "book",
    "last_year_revenue",
    "last_year_new_customers",
];

/// The delimiter of a roster: `;` or a tab when the header line has one and no comma
/// (as spreadsheets write CSV in locales with a decimal comma), a comma otherwise.
fn delimiter(text: &str) -> u8 {
    let header = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    if header.contains(',') {
        b','
    } else if header.contains(';') {
        b';'
    } else if header.contains('\t') {
        b'\t'
    } else {
        b','
    }
}

/// Reads a roster, reporting every bad row with its line number and column. Header
/// names are read without regard to case or surrounding spaces (`ID`, ` Base_Salary`);
/// the delimiter may be `,`, `;` or a tab.
pub fn read_roster(text: &str) -> Result<Vec<RosterRep>, Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .delimiter(delimiter(text))
        .from_reader(text.as_bytes());
    let mut reps = Vec::new();
    let mut problems = Vec::new();
    let headers: csv::StringRecord = match reader.headers() {
        Ok(h) => h.iter().map(|c| c.trim().to_lowercase()).collect(),
        Err(e) => return Err(vec![format!("header: {e}")]),
    };
    for required in ["id", "base_salary"] {
        if !headers.iter().any(|c| c == required) {
            problems.push(format!("header: missing column `{required}`"));
        }
    }
    for column in headers.iter() {
        if !ROSTER_COLUMNS.contains(&column) {
            let known = ROSTER_COLUMNS.map(String::from);
            let hint = match super::fields::closest(column, &known) {
                Some(near) => format!(", did you mean `{near}`?"),
                None => format!("; the columns are {}", ROSTER_COLUMNS.join(", ")),
            };
            problems.push(format!("header: unknown column `{column}`{hint}"));
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
                let what = match e.kind() {
                    csv::ErrorKind::UnequalLengths {
                        expected_len, len, ..
                    } => format!(
                        "{len} fields where the header has {expected_len}; a number written \
                         with a thousands separator (8,200) splits into two: write 8200"
                    ),
                    _ => e.to_string(),
                };
                problems.push(format!("line {line}: {what}"));
                continue;
            }
        };
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        match record.deserialize::<RosterRep>(Some(&headers)) {
            Ok(rep) => {
                let bad = row_problems(&rep, &mut ids);
                if !bad.is_empty() {
                    problems.push(format!("line {line}: {}", bad.join("; ")));
                } else {
                    reps.push(rep);
                }
            }
            Err(e) => {
                let what = match e.kind() {
                    csv::ErrorKind::Deserialize { err, .. } => match err.field() {
                        Some(i) => {
                            let column = headers.get(i as usize).unwrap_or("?");
                            let value = record.get(i as usize).unwrap_or("");
                            not_a_number(column, value)
                        }
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

/// The message for a value of `column` that does not read as its number.
fn not_a_number(column: &str, value: &str) -> String {
    let whole = matches!(column, "level" | "tenure_months");
    let kind = if whole {
        "a whole number of at least 0"
    } else {
        "a number"
    };
    let hint = if value.contains(',') || value.contains(' ') {
        format!(
            " (write it without thousands separators: {})",
            value.replace([',', ' '], "")
        )
    } else {
        String::new()
    };
    format!("column `{column}`: `{value}` is not {kind}{hint}")
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
        bad.push("column `id`: is empty".to_string());
    } else if !ids.insert(rep.id.clone()) {
        bad.push(format!("column `id`: `{}` appears twice", rep.id));
    }
    // The same ranges as the scenario's fields of the same meaning (validate.rs).
    let mut within = |column: &str, value: Option<f64>, lo: f64, hi: f64| {
        let Some(v) = value else { return };
        if !(v.is_finite() && v >= lo && v <= hi) {
            bad.push(format!(
                "column `{column}`: must be a number from {} to {}, got {}",
                fmt_num(lo),
                fmt_num(hi),
                fmt_num(v)
            ));
        }
    };
    within(
        "base_salary",
        Some(rep.base_salary),
        BASE_SALARY.0,
        BASE_SALARY.1,
    );
    within("ability", rep.ability, ABILITY.0, ABILITY.1);
    within("book", rep.book, 0.0, MAX_BOOK);
    within(
        "last_year_revenue",
        rep.last_year_revenue,
        0.0,
        MAX_LAST_YEAR_REVENUE,
    );
    within(
        "last_year_new_customers",
        rep.last_year_new_customers,
        0.0,
        MAX_LAST_YEAR_NEW_CUSTOMERS,
    );
    if rep.level > MAX_LEVEL {
        bad.push(format!(
            "column `level`: must be a whole number from 0 to {MAX_LEVEL}, got {}",
            rep.level
        ));
    }
    if let Some(t) = rep.tenure_months.filter(|&t| t > MAX_TENURE_MONTHS) {
        bad.push(format!(
            "column `tenure_months`: must be a whole number from 0 to {MAX_TENURE_MONTHS}, got {t}"
        ));
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
    fn the_column_list_is_the_reps_fields() {
        let text = write_roster(&[RosterRep {
            id: "A".into(),
            name: String::new(),
            level: 0,
            base_salary: 1.0,
            tenure_months: None,
            ability: None,
            book: None,
            last_year_revenue: None,
            last_year_new_customers: None,
        }]);
        let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
        assert_eq!(header, ROSTER_COLUMNS);
    }

    #[test]
    fn spreadsheet_habits_are_read_or_answered_with_a_hint() {
        // Upper-case headers and a `;` delimiter are read.
        let reps = read_roster("ID; Base_Salary\nA1;8200\n").unwrap();
        assert_eq!(reps[0].base_salary, 8200.0);
        // A thousands separator: quoted, or splitting the row.
        let quoted = read_roster("id,base_salary\nA1,\"8,200\"\n").unwrap_err();
        assert!(
            quoted[0].contains("`8,200` is not a number") && quoted[0].contains("8200"),
            "{quoted:?}"
        );
        let split = read_roster("id,base_salary\nA1,8,200\n").unwrap_err();
        assert!(
            split[0].starts_with("line 2") && split[0].contains("write 8200"),
            "{split:?}"
        );
        // A misspelt column.
        let typo = read_roster("id,base_salary,abilty\nA1,8200,1\n").unwrap_err();
        assert!(typo[0].contains("did you mean `ability`"), "{typo:?}");
        // No Rust words for a bad whole number.
        let level = read_roster("id,base_salary,level\nA1,8200,-1\n").unwrap_err();
        assert!(level[0].contains("`-1` is not a whole number"), "{level:?}");
    }

    #[test]
    fn numbers_have_the_scenarios_ranges() {
        for (column, value) in [
            ("base_salary", "1e308"),
            ("base_salary", "0.5"),
            ("ability", "1e308"),
            ("ability", "5e-324"),
            ("book", "1e300"),
            ("last_year_revenue", "1e300"),
            ("last_year_new_customers", "1e300"),
            ("level", "4000000000"),
            ("tenure_months", "4000000000"),
        ] {
            let salary = if column == "base_salary" {
                value
            } else {
                "9000"
            };
            let extra = if column == "base_salary" {
                String::new()
            } else {
                format!(",{value}")
            };
            let head = if column == "base_salary" {
                String::new()
            } else {
                format!(",{column}")
            };
            let text = format!("id,base_salary{head}\nA1,{salary}{extra}\n");
            let errs = read_roster(&text).unwrap_err();
            assert!(
                errs.len() == 1
                    && errs[0].starts_with("line 2")
                    && errs[0].contains(&format!("column `{column}`")),
                "{column}={value}: {errs:?}"
            );
        }
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
