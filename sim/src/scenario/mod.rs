//! Scenario files: types, parsing, validation and the roster.
//!
//! A [`Scenario`] is what the TOML says; [`ValidScenario`] is the only form the
//! engine accepts, made by [`parse_and_validate`] or [`load`], which report every
//! problem at once with its path and line.

mod fields;
mod lines;
mod params;
mod problems;
mod roster;
#[cfg(feature = "schemars")]
mod schema;
mod sensitivity;
mod types;
mod validate;

use std::path::{Path, PathBuf};

pub use lines::SourceMap;
/// Limits validation enforces.
pub mod validate_limits {
    pub use super::validate::{
        ABILITY, BASE_SALARY, MAX_BOOK, MAX_LAST_YEAR_NEW_CUSTOMERS, MAX_LAST_YEAR_REVENUE,
        MAX_LEVEL, MAX_PERIODS, MAX_TEAM, MAX_TENURE_MONTHS, SKILL,
    };
}
pub use params::{
    get_param, plan_param, set_params, ParamError, ParamKind, PlanParam, ValidRange, PLAN_PARAMS,
};
pub use problems::{Problem, ScenarioError};
pub use roster::{read_roster, write_roster, RosterRep};
#[cfg(feature = "schemars")]
pub use schema::schema;
pub use sensitivity::{Assumption, SensitivitySection};
pub use types::*;

use problems::Problems;

/// The embedded default scenario: the template's internet-company case, every field commented.
pub const DEFAULT_SCENARIO_TOML: &str = include_str!("../../../scenarios/internet-company.toml");

/// Label used in messages for the embedded default scenario.
pub const DEFAULT_SCENARIO_LABEL: &str = "<embedded default scenario>";

/// A scenario that passed validation, with its roster read.
#[derive(Clone, Debug)]
pub struct ValidScenario {
    scenario: Scenario,
    roster: Option<Vec<RosterRep>>,
    source: String,
}

impl ValidScenario {
    /// The checked scenario.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// The roster, when the team comes from one.
    pub fn roster(&self) -> Option<&[RosterRep]> {
        self.roster.as_deref()
    }

    /// Where the scenario came from (a file path or the embedded default's label).
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Applies `change` to a copy of the scenario and validates the result again.
    pub fn with_changes(
        &self,
        change: impl FnOnce(&mut Scenario),
    ) -> Result<ValidScenario, ScenarioError> {
        let mut s = self.scenario.clone();
        change(&mut s);
        let mut p = Problems::default();
        validate::check(&s, &mut p);
        if !p.is_empty() {
            return Err(ScenarioError {
                file: self.source.clone(),
                problems: p.into_problems(|_| None),
            });
        }
        Ok(ValidScenario {
            scenario: s,
            roster: self.roster.clone(),
            source: self.source.clone(),
        })
    }

    /// The roster as CSV text that [`parse_and_validate_with_roster`] reads back to the same reps.
    pub fn roster_csv(&self) -> Option<String> {
        self.roster.as_deref().map(roster::write_roster)
    }

    /// The resolved scenario as TOML (every default written out).
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(&self.scenario).unwrap_or_default()
    }
}

/// The embedded default scenario, validated.
pub fn default_scenario() -> ValidScenario {
    parse_and_validate(DEFAULT_SCENARIO_TOML, DEFAULT_SCENARIO_LABEL, None)
        .expect("the embedded default scenario is valid (guarded by tests)")
}

/// Parses TOML text into a [`Scenario`], reporting syntax errors, wrong types and every unknown field.
pub fn parse(text: &str, label: &str) -> Result<Scenario, ScenarioError> {
    let (scenario, unknown) = parse_noting_unknown(text, label)?;
    if !unknown.is_empty() {
        return Err(ScenarioError {
            file: label.into(),
            problems: unknown,
        });
    }
    Ok(scenario)
}

/// Parses TOML text into a [`Scenario`] (syntax errors and wrong types are errors),
/// with a problem for every unknown field, which is otherwise ignored.
fn parse_noting_unknown(
    text: &str,
    label: &str,
) -> Result<(Scenario, Vec<Problem>), ScenarioError> {
    let map = SourceMap::new(text);
    let deserializer = match toml::de::Deserializer::parse(text) {
        Ok(d) => d,
        Err(e) => return Err(toml_error(e, text, label)),
    };
    if map.is_empty() {
        return Err(ScenarioError {
            file: label.into(),
            problems: vec![Problem {
                path: "(file)".into(),
                line: None,
                message: "the file sets nothing; a scenario names at least itself \
                          (name = \"...\"), and every field it leaves out takes its default"
                    .into(),
            }],
        });
    }
    let mut unknown = Vec::new();
    let parsed: Result<Scenario, _> =
        serde_ignored::deserialize(deserializer, |path| unknown.push(path.to_string()));
    let unknown: Vec<Problem> = unknown
        .into_iter()
        .map(|path| unknown_field(&path, &map))
        .collect();
    match parsed {
        Ok(scenario) => Ok((scenario, unknown)),
        Err(e) => {
            let error = toml_error(e, text, label);
            // A misspelt required key also makes its right spelling missing: the
            // unknown key's "did you mean" says it, so the second message goes.
            let mut problems: Vec<Problem> = error
                .problems
                .into_iter()
                .filter(|q| {
                    !unknown.iter().any(|u| {
                        missing_field(&q.message)
                            .is_some_and(|m| u.message.contains(&format!("did you mean `{m}`")))
                    })
                })
                .collect();
            problems.splice(0..0, unknown);
            problems.sort_by_key(|q| q.line.unwrap_or(usize::MAX));
            Err(ScenarioError {
                file: label.into(),
                problems,
            })
        }
    }
}

/// The problem of an unknown field at `path` (as serde_ignored writes it, `?` for an
/// optional table): the path as the file writes it, the key's line, and the field
/// it most likely misspells.
fn unknown_field(path: &str, map: &SourceMap) -> Problem {
    let parts: Vec<&str> = path
        .split('.')
        .filter(|p| *p != "?" && p.parse::<usize>().is_err())
        .collect();
    // As validation writes paths: `tiers[0].rate`, not serde_ignored's `tiers.0.rate`.
    let mut written = String::new();
    for part in path.split('.').filter(|p| *p != "?") {
        if part.parse::<usize>().is_ok() {
            written.push_str(&format!("[{part}]"));
        } else {
            if !written.is_empty() {
                written.push('.');
            }
            written.push_str(part);
        }
    }
    let (key, table) = parts.split_last().map_or(("", &[][..]), |(k, t)| (*k, t));
    let message = match fields::fields_at(table) {
        Some(names) => match fields::closest(key, &names) {
            Some(near) => format!("unknown field `{key}`, did you mean `{near}`?"),
            None => format!(
                "unknown field `{key}`; this table has {}",
                names_list(&names)
            ),
        },
        None => format!("unknown field `{key}`"),
    };
    Problem {
        line: map.line_of(&written),
        path: written,
        message,
    }
}

/// `a`, `b` and `c`.
fn names_list(names: &[String]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => "no fields".into(),
    }
}

/// The field a `missing field `x`` message names.
fn missing_field(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("missing field `")?;
    Some(&rest[..rest.find('`')?])
}

/// A serde or TOML message in the words of a scenario's author: no Rust type names.
fn plain_words(message: &str) -> String {
    const TYPES: [(&str, &str); 9] = [
        (
            "expected u32",
            "expected a whole number from 0 to 4294967295",
        ),
        (
            "expected u64",
            "expected a whole number from 0 to 18446744073709551615",
        ),
        ("expected usize", "expected a whole number of at least 0"),
        ("expected i64", "expected a whole number"),
        ("expected f64", "expected a number"),
        ("expected a boolean", "expected true or false"),
        ("expected a string", "expected text in quotes"),
        (
            "expected a sequence",
            "expected a list in brackets, [ ... ]",
        ),
        (
            "cannot recurse further; max recursion depth met",
            "arrays or tables are nested inside each other more deeply than any scenario needs",
        ),
    ];
    // `expected struct TargetBonusSpec`: the type's name means nothing to the author.
    let mut out = message.to_string();
    for (rust, words) in [
        ("expected struct ", "expected a table of fields"),
        ("expected enum ", "expected one of the listed words"),
    ] {
        if let Some(at) = out.find(rust) {
            let name_end = out[at + rust.len()..]
                .find(|c: char| !c.is_alphanumeric() && c != '_')
                .map_or(out.len(), |i| at + rust.len() + i);
            out.replace_range(at..name_end, words);
        }
    }
    for (rust, words) in TYPES {
        out = out.replace(rust, words);
    }
    out
}

fn toml_error(e: toml::de::Error, text: &str, label: &str) -> ScenarioError {
    let line = e.span().map(|s| lines::line_at(text, s.start));
    let raw = e.message().trim();
    let message = if raw == "duplicate key" {
        let key = e
            .span()
            .and_then(|s| text.get(s))
            .map(|k| k.trim().trim_matches('"').to_string())
            .unwrap_or_default();
        format!("`{key}` is written twice in the same table; keep one")
    } else {
        plain_words(raw)
    };
    let path = path_in_message(&message)
        .or_else(|| e.span().and_then(|s| SourceMap::new(text).path_at(s.start)))
        .or_else(|| {
            // A duplicate key: its own name is the best path there is.
            (raw == "duplicate key")
                .then(|| {
                    e.span()
                        .and_then(|s| text.get(s))
                        .map(|k| k.trim().to_string())
                })
                .flatten()
        })
        .unwrap_or_default();
    ScenarioError {
        file: label.into(),
        problems: vec![Problem {
            path: if path.is_empty() {
                "(document)".into()
            } else {
                path
            },
            line,
            message,
        }],
    }
}

/// The field a serde message names (`unknown variant ... for key `plan.cycle``), if any.
fn path_in_message(message: &str) -> Option<String> {
    let at = message.rfind("for key `")?;
    let rest = &message[at + 9..];
    Some(rest[..rest.find('`')?].to_string())
}

/// Parses and validates scenario text; `base_dir` resolves a relative roster path.
pub fn parse_and_validate(
    text: &str,
    label: &str,
    base_dir: Option<&Path>,
) -> Result<ValidScenario, ScenarioError> {
    validate_text(text, label, |file| {
        let path: PathBuf = match base_dir {
            Some(dir) => dir.join(file),
            None => PathBuf::from(file),
        };
        let shown = path.display().to_string();
        match read_capped(&path, MAX_ROSTER_BYTES) {
            Ok(csv_text) => Ok((shown, csv_text)),
            Err(e) => Err(format!("cannot read {shown}: {e}")),
        }
    })
}

/// Parses and validates scenario text whose roster, if it names one, is given as
/// CSV text (as [`ValidScenario::roster_csv`] writes it) instead of read from disk.
pub fn parse_and_validate_with_roster(
    text: &str,
    label: &str,
    roster_csv: Option<&str>,
) -> Result<ValidScenario, ScenarioError> {
    validate_text(text, label, |file| match roster_csv {
        Some(csv_text) => Ok((file.to_string(), csv_text.to_string())),
        None => Err(format!("{file}: no roster was given with the scenario")),
    })
}

/// Parses and validates `text`, getting the roster's CSV text (and the name to show
/// in messages) from `roster` when the scenario names one.
fn validate_text(
    text: &str,
    label: &str,
    roster: impl FnOnce(&str) -> Result<(String, String), String>,
) -> Result<ValidScenario, ScenarioError> {
    // Unknown fields are reported with every other problem, not alone.
    let (scenario, unknown) = parse_noting_unknown(text, label)?;
    let map = SourceMap::new(text);
    let mut p = Problems::default();
    validate::check(&scenario, &mut p);
    let mut reps = None;
    if let Some(file) = scenario
        .team
        .roster
        .as_deref()
        .filter(|f| !f.trim().is_empty())
    {
        match roster(file) {
            Ok((shown, csv_text)) => match read_roster(&csv_text) {
                Ok(rows) if rows.len() as u32 > validate::MAX_TEAM => p.push(
                    "team.roster",
                    format!("{shown}: more than {} reps", validate::MAX_TEAM),
                ),
                Ok(rows) => reps = Some(rows),
                Err(errs) => {
                    for e in errs {
                        p.push("team.roster", format!("{shown}: {e}"));
                    }
                }
            },
            Err(message) => p.push("team.roster", message),
        }
    }
    if !p.is_empty() || !unknown.is_empty() {
        let mut problems = unknown;
        problems.extend(p.into_problems(|path| map.line_of(path)));
        // In the order of the file; problems of the whole document (no line) last.
        problems.sort_by_key(|q| q.line.unwrap_or(usize::MAX));
        return Err(ScenarioError {
            file: label.into(),
            problems,
        });
    }
    Ok(ValidScenario {
        scenario,
        roster: reps,
        source: label.into(),
    })
}

/// Largest scenario file read (a scenario is a few kilobytes).
pub const MAX_SCENARIO_BYTES: u64 = 16 << 20;
/// Largest roster file read (100,000 reps take well under this).
pub const MAX_ROSTER_BYTES: u64 = 256 << 20;

/// Reads a text file of at most `limit` bytes, so that `/dev/zero` or a huge file is
/// an error rather than a hang.
fn read_capped(path: &Path, limit: u64) -> std::io::Result<String> {
    use std::io::Read;
    // A FIFO or a device would block or never end: only regular files are read
    // (a link is followed to what it names).
    if !std::fs::metadata(path)?.is_file() {
        return Err(std::io::Error::other(
            "not a regular file (a FIFO, a device or a folder); give a file",
        ));
    }
    let mut text = String::new();
    std::fs::File::open(path)?
        .take(limit + 1)
        .read_to_string(&mut text)?;
    if text.len() as u64 > limit {
        return Err(std::io::Error::other(format!(
            "larger than {} MiB",
            limit >> 20
        )));
    }
    Ok(text)
}

/// Reads, parses and validates a scenario file.
pub fn load(path: &Path) -> Result<ValidScenario, ScenarioError> {
    let label = path.display().to_string();
    let text = read_capped(path, MAX_SCENARIO_BYTES).map_err(|e| ScenarioError {
        file: label.clone(),
        problems: vec![Problem {
            path: "(file)".into(),
            line: None,
            message: format!("cannot read the file: {e}"),
        }],
    })?;
    parse_and_validate(&text, &label, path.parent())
}
