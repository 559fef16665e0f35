//! The adjustable plan parameters: one table of the plan's numeric fields that
//! `[optimize]` variables and `[[rounds.rules]]` address by path
//! (`plan.target_bonus.amount`), each with its type (integer or real), its valid
//! range and typed access to the plan.
//!
//! Validation checks a plan's fields against these ranges and a search's or a
//! rule's bounds against them, so that every value a search or a rule can set is
//! one the plan accepts.

use std::fmt;

use super::problems::fmt_num;
use super::types::*;

/// Whether a field holds a whole number or a real one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamKind {
    /// A whole number: a value set is rounded to the nearest.
    Integer,
    /// A real number.
    Real,
}

/// The valid values of a numeric field: an interval whose ends are each open or closed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ValidRange {
    /// Lower end.
    pub lo: f64,
    /// Upper end.
    pub hi: f64,
    /// True when `lo` itself is excluded.
    pub lo_open: bool,
    /// True when `hi` itself is excluded.
    pub hi_open: bool,
}

impl ValidRange {
    /// The closed interval [lo, hi].
    pub const fn closed(lo: f64, hi: f64) -> Self {
        ValidRange {
            lo,
            hi,
            lo_open: false,
            hi_open: false,
        }
    }

    /// The open interval (lo, hi).
    pub const fn open(lo: f64, hi: f64) -> Self {
        ValidRange {
            lo,
            hi,
            lo_open: true,
            hi_open: true,
        }
    }

    /// The interval (lo, hi].
    pub const fn open_closed(lo: f64, hi: f64) -> Self {
        ValidRange {
            lo,
            hi,
            lo_open: true,
            hi_open: false,
        }
    }

    /// The interval [lo, hi).
    pub const fn closed_open(lo: f64, hi: f64) -> Self {
        ValidRange {
            lo,
            hi,
            lo_open: false,
            hi_open: true,
        }
    }

    /// True when `x` is a finite number within the range.
    pub fn contains(&self, x: f64) -> bool {
        let above = if self.lo_open {
            x > self.lo
        } else {
            x >= self.lo
        };
        let below = if self.hi_open {
            x < self.hi
        } else {
            x <= self.hi
        };
        x.is_finite() && above && below
    }

    /// The range in words, as messages say it: `between 0 and 1`, `strictly between 0 and 1`.
    pub fn words(&self) -> String {
        let (lo, hi) = (fmt_bound(self.lo), fmt_bound(self.hi));
        match (self.lo_open, self.hi_open) {
            (false, false) => format!("between {lo} and {hi}"),
            (true, true) => format!("strictly between {lo} and {hi}"),
            (true, false) => format!("greater than {lo} and at most {hi}"),
            (false, true) => format!("at least {lo} and below {hi}"),
        }
    }
}

/// Interval notation, as scenarios/README.md writes ranges: `[0, 1e12]`, `(0, 1)`.
impl fmt::Display for ValidRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}{}, {}{}",
            if self.lo_open { '(' } else { '[' },
            fmt_bound(self.lo),
            fmt_bound(self.hi),
            if self.hi_open { ')' } else { ']' }
        )
    }
}

/// A bound as people write it: `1e12` for a large power of ten, else as [`fmt_num`] does.
fn fmt_bound(x: f64) -> String {
    let k = x.abs().log10().round();
    if x.abs() >= 1e6 && 10f64.powi(k as i32) == x.abs() {
        format!("{}1e{k}", if x < 0.0 { "-" } else { "" })
    } else {
        fmt_num(x)
    }
}

/// Why a plan parameter cannot be read or set.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ParamError {
    /// The path names no adjustable plan parameter.
    #[error("{}", unknown_words(.path, *.nearest))]
    Unknown {
        /// The path asked for.
        path: String,
        /// The nearest adjustable parameter's path, when one is close.
        nearest: Option<&'static str>,
    },
    /// The value lies outside the parameter's valid range.
    #[error("{path}: {} is outside its valid range, {}", fmt_num(*.value), .range.words())]
    OutOfRange {
        /// The parameter's path.
        path: &'static str,
        /// The value refused.
        value: f64,
        /// The parameter's valid range.
        range: ValidRange,
    },
    /// The plan lacks the parameter's mechanism, or the optional field.
    #[error("{}", absent_words(.path, *.optional))]
    Absent {
        /// The parameter's path.
        path: &'static str,
        /// True for an optional field of a mechanism the plan has.
        optional: bool,
    },
}

fn unknown_words(path: &str, nearest: Option<&str>) -> String {
    match nearest {
        Some(near) => {
            format!("`{path}` is not an adjustable plan parameter; did you mean `{near}`?")
        }
        None => {
            format!("`{path}` is not an adjustable plan parameter (scenarios/README.md lists them)")
        }
    }
}

fn absent_words(path: &str, optional: bool) -> String {
    let field = &path["plan.".len()..];
    let (mechanism, name) = field.split_once('.').unwrap_or(("", field));
    if optional {
        format!(
            "{path}: the scenario does not set `{name}` in [plan.{mechanism}]; write it there to adjust it"
        )
    } else {
        format!(
            "{path}: the scenario's plan has no [plan.{mechanism}] (is that mechanism in the scenario?)"
        )
    }
}

/// A condition on a plan, in words (`in tournament mode`) and as a test.
type Condition = (&'static str, fn(&PlanSection) -> bool);

/// One adjustable numeric field of a plan.
pub struct PlanParam {
    /// Path as scenarios write it, e.g. `plan.target_bonus.amount`.
    pub path: &'static str,
    /// Integer or real.
    pub kind: ParamKind,
    /// The values the field accepts.
    pub range: ValidRange,
    /// The step a plan states the field in, to which `plansim optimize` rounds its
    /// winner: 10 for money, 1 for whole numbers, else 0.001 (0.1 percentage point of
    /// a share).
    pub step: f64,
    /// When the field is used only in some plans: the condition in words and its test.
    only: Option<Condition>,
    /// True for a field its mechanism's table may leave out (`cap`).
    optional: bool,
    get: fn(&PlanSection) -> Option<f64>,
    set: fn(&mut PlanSection, f64) -> Option<()>,
}

impl fmt::Debug for PlanParam {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PlanParam")
            .field("path", &self.path)
            .field("kind", &self.kind)
            .field("range", &self.range)
            .finish()
    }
}

impl PlanParam {
    /// The path below the plan (`target_bonus.amount`), for checking `baseline` as well.
    pub fn field(&self) -> &'static str {
        &self.path["plan.".len()..]
    }

    /// The field's value in `plan`; `None` when its mechanism (or the optional field) is absent.
    pub fn get(&self, plan: &PlanSection) -> Option<f64> {
        (self.get)(plan)
    }

    /// The condition under which a plan uses the field, in words (`in tournament
    /// mode`); `None` when every plan with the mechanism uses it.
    pub fn used_only(&self) -> Option<&'static str> {
        self.only.map(|(words, _)| words)
    }

    /// True when `plan` uses the field (a tournament share is unused in chance mode).
    pub fn in_effect(&self, plan: &PlanSection) -> bool {
        self.only.is_none_or(|(_, used)| used(plan))
    }

    /// The value the field takes when set to `x`: `x` rounded to a whole number for an integer field.
    pub fn value_taken(&self, x: f64) -> f64 {
        match self.kind {
            ParamKind::Integer => x.round(),
            ParamKind::Real => x,
        }
    }

    /// Sets the field in `plan` to `x` (rounded for an integer field); refuses a value
    /// outside the valid range and a plan without the field's mechanism.
    ///
    /// # Errors
    /// [`ParamError::OutOfRange`] or [`ParamError::Absent`].
    pub fn set(&self, plan: &mut PlanSection, x: f64) -> Result<(), ParamError> {
        let v = self.value_taken(x);
        if !self.range.contains(v) {
            return Err(ParamError::OutOfRange {
                path: self.path,
                value: x,
                range: self.range,
            });
        }
        (self.set)(plan, v).ok_or_else(|| self.absent())
    }

    /// Why the field cannot be read or set in a plan that lacks it.
    fn absent(&self) -> ParamError {
        ParamError::Absent {
            path: self.path,
            optional: self.optional,
        }
    }
}

/// A table entry for a field of the plan itself, of a mechanism, or an optional field of one.
macro_rules! param {
    ($path:literal, $kind:ident, $range:expr, plan . $f:ident) => {
        param!(@entry $path, $kind, $range, false,
            |p: &PlanSection| Some(param!(@get $kind, p.$f)),
            |p: &mut PlanSection, v: f64| {
                p.$f = param!(@put $kind, v);
                Some(())
            })
    };
    ($path:literal, $kind:ident, $range:expr, plan . $a:ident . $f:ident) => {
        param!(@entry $path, $kind, $range, false,
            |p: &PlanSection| Some(param!(@get $kind, p.$a.$f)),
            |p: &mut PlanSection, v: f64| {
                p.$a.$f = param!(@put $kind, v);
                Some(())
            })
    };
    ($path:literal, $kind:ident, $range:expr, $m:ident . $f:ident) => {
        param!(@entry $path, $kind, $range, false,
            |p: &PlanSection| p.$m.as_ref().map(|m| param!(@get $kind, m.$f)),
            |p: &mut PlanSection, v: f64| {
                let m = p.$m.as_mut()?;
                m.$f = param!(@put $kind, v);
                Some(())
            })
    };
    ($path:literal, $kind:ident, $range:expr, $m:ident . $f:ident ?) => {
        param!(@entry $path, $kind, $range, true,
            |p: &PlanSection| p.$m.as_ref().and_then(|m| m.$f),
            |p: &mut PlanSection, v: f64| {
                let slot = p.$m.as_mut()?.$f.as_mut()?;
                *slot = v;
                Some(())
            })
    };
    (@entry $path:literal, $kind:ident, $range:expr, $optional:expr, $get:expr, $set:expr) => {
        PlanParam {
            path: $path,
            kind: ParamKind::$kind,
            range: $range,
            step: match ParamKind::$kind {
                ParamKind::Integer => 1.0,
                ParamKind::Real => 0.001,
            },
            only: None,
            optional: $optional,
            get: $get,
            set: $set,
        }
    };
    (@get Real, $e:expr) => { $e };
    (@get Integer, $e:expr) => { $e as f64 };
    // Integer values reach here rounded and within their range, which fits u32.
    (@put Real, $v:expr) => { $v };
    (@put Integer, $v:expr) => { $v as u32 };
}

/// Marks an entry's field as an amount of money, stated in steps of 10.
const fn money(mut p: PlanParam) -> PlanParam {
    p.step = 10.0;
    p
}

/// Adds the condition under which an entry's field is used.
const fn only(mut p: PlanParam, words: &'static str, used: fn(&PlanSection) -> bool) -> PlanParam {
    p.only = Some((words, used));
    p
}

/// Every adjustable numeric field of a plan, in the order of scenarios/README.md.
///
/// The commission's tiers (a list) and the plan's choices (cycle, modes, bases) are
/// not adjustable.
pub static PLAN_PARAMS: &[PlanParam] = &[
    param!(
        "plan.kpi.revenue",
        Real,
        ValidRange::closed(0.0, 100.0),
        plan.kpi.revenue
    ),
    param!(
        "plan.kpi.new_customers",
        Real,
        ValidRange::closed(0.0, 100.0),
        plan.kpi.new_customers
    ),
    param!(
        "plan.raise_horizon",
        Integer,
        ValidRange::closed(0.0, 600.0),
        plan.raise_horizon
    ),
    money(param!(
        "plan.target_bonus.amount",
        Real,
        ValidRange::closed(0.0, 1e12),
        target_bonus.amount
    )),
    param!(
        "plan.target_bonus.threshold",
        Real,
        ValidRange::closed(0.0, 10.0),
        target_bonus.threshold
    ),
    param!(
        "plan.target_bonus.ramp_from",
        Real,
        ValidRange::closed_open(0.0, 10.0),
        target_bonus.ramp_from?
    ),
    param!(
        "plan.target_bonus.accelerator",
        Real,
        ValidRange::closed(0.0, 100.0),
        target_bonus.accelerator
    ),
    param!(
        "plan.target_bonus.cap",
        Real,
        ValidRange::closed(1.0, 1000.0),
        target_bonus.cap?
    ),
    money(param!(
        "plan.per_customer.amount",
        Real,
        ValidRange::closed(0.0, 1e12),
        per_customer.amount
    )),
    param!(
        "plan.commission.rate",
        Real,
        ValidRange::closed(0.0, 1.0),
        commission.rate
    ),
    only(
        param!(
            "plan.promotion.chance_per_conversion",
            Real,
            ValidRange::closed(0.0, 1.0),
            promotion.chance_per_conversion
        ),
        "in chance mode",
        |p| matches!(&p.promotion, Some(x) if x.mode == PromotionMode::Chance),
    ),
    only(
        param!(
            "plan.promotion.share",
            Real,
            ValidRange::open(0.0, 1.0),
            promotion.share
        ),
        "in tournament mode",
        |p| matches!(&p.promotion, Some(x) if x.mode == PromotionMode::Tournament),
    ),
    param!(
        "plan.promotion.raise",
        Real,
        ValidRange::closed(0.0, 5.0),
        promotion.raise
    ),
    param!(
        "plan.promotion.max_promotions",
        Integer,
        ValidRange::closed(0.0, u32::MAX as f64),
        promotion.max_promotions
    ),
    param!(
        "plan.salary_adjustment.review_every",
        Integer,
        ValidRange::closed(1.0, 120.0),
        salary_adjustment.review_every
    ),
    param!(
        "plan.salary_adjustment.pool",
        Real,
        ValidRange::closed(0.0, 1.0),
        salary_adjustment.pool
    ),
    param!(
        "plan.salary_adjustment.individual_weight",
        Real,
        ValidRange::closed(0.0, 10.0),
        salary_adjustment.individual_weight
    ),
    param!(
        "plan.salary_adjustment.team_weight",
        Real,
        ValidRange::closed(0.0, 10.0),
        salary_adjustment.team_weight
    ),
    param!(
        "plan.salary_adjustment.min_attainment",
        Real,
        ValidRange::closed(0.0, 0.99),
        salary_adjustment.min_attainment
    ),
    param!(
        "plan.salary_adjustment.cap_attainment",
        Real,
        ValidRange::closed(1.0, 10.0),
        salary_adjustment.cap_attainment
    ),
    param!(
        "plan.training.every",
        Integer,
        ValidRange::closed(1.0, 120.0),
        training.every
    ),
    money(param!(
        "plan.training.cost",
        Real,
        ValidRange::closed(0.0, 1e12),
        training.cost
    )),
    param!(
        "plan.training.time_share",
        Real,
        ValidRange::closed(0.0, 0.9),
        training.time_share
    ),
    param!(
        "plan.training.skill_gain",
        Real,
        ValidRange::closed(0.0, 1.0),
        training.skill_gain
    ),
    only(
        param!(
            "plan.training.top_share",
            Real,
            ValidRange::open_closed(0.0, 1.0),
            training.top_share
        ),
        "when eligibility = \"top\"",
        |p| matches!(&p.training, Some(t) if t.eligibility == TrainingEligibility::Top),
    ),
];

/// The table's entry for `path`; an unknown path gets a suggestion of the nearest one.
///
/// ```
/// use plansim_sim::scenario::plan_param;
/// assert_eq!(plan_param("plan.training.every").unwrap().range.to_string(), "[1, 120]");
/// assert!(plan_param("plan.training.evry").unwrap_err().to_string().contains("did you mean `plan.training.every`"));
/// ```
///
/// # Errors
/// [`ParamError::Unknown`].
pub fn plan_param(path: &str) -> Result<&'static PlanParam, ParamError> {
    if let Some(p) = PLAN_PARAMS.iter().find(|p| p.path == path) {
        return Ok(p);
    }
    let nearest = PLAN_PARAMS
        .iter()
        .map(|p| (edit_distance(path, p.path), p.path))
        .min()
        .filter(|&(d, _)| d <= 3.max(path.len() / 5));
    Err(ParamError::Unknown {
        path: path.to_string(),
        nearest: nearest.map(|(_, near)| near),
    })
}

/// Levenshtein distance between two paths, in bytes.
fn edit_distance(a: &str, b: &str) -> usize {
    let b = b.as_bytes();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, &ca) in a.as_bytes().iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let next = (diagonal + usize::from(ca != cb))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            diagonal = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

/// Reads the plan parameter at `path`.
///
/// ```
/// use plansim_sim::scenario::{default_scenario, get_param};
/// let s = default_scenario();
/// assert_eq!(get_param(s.scenario(), "plan.target_bonus.amount"), Ok(2500.0));
/// assert!(get_param(s.scenario(), "plan.nothing").is_err());
/// ```
///
/// # Errors
/// [`ParamError::Unknown`] or [`ParamError::Absent`].
pub fn get_param(s: &Scenario, path: &str) -> Result<f64, ParamError> {
    let p = plan_param(path)?;
    p.get(&s.plan).ok_or_else(|| p.absent())
}

/// A copy of `s` with each `(path, value)` set; integer fields take the rounded value.
/// A value outside the field's valid range is refused, not clamped.
///
/// # Errors
/// The first value's [`ParamError`].
pub fn set_params(s: &Scenario, values: &[(&str, f64)]) -> Result<Scenario, ParamError> {
    let mut out = s.clone();
    for &(path, value) in values {
        plan_param(path)?.set(&mut out.plan, value)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::default_scenario;

    #[test]
    fn sets_floats_and_integers_by_path() {
        let s = default_scenario();
        let t = set_params(
            s.scenario(),
            &[
                ("plan.target_bonus.amount", 4000.0),
                ("plan.training.every", 2.4),
            ],
        )
        .unwrap();
        assert_eq!(t.plan.target_bonus.as_ref().unwrap().amount, 4000.0);
        assert_eq!(t.plan.training.as_ref().unwrap().every, 2);
        assert_eq!(get_param(&t, "plan.training.every"), Ok(2.0));
        let err = set_params(s.scenario(), &[("plan.commission.rate", 0.1)])
            .unwrap_err()
            .to_string();
        assert!(err.contains("[plan.commission]"), "{err}");
        let err = get_param(s.scenario(), "plan.cycle")
            .unwrap_err()
            .to_string();
        assert!(err.contains("not an adjustable plan parameter"), "{err}");
        let err = set_params(s.scenario(), &[("plan.training.every", 500.0)])
            .unwrap_err()
            .to_string();
        assert!(err.contains("between 1 and 120"), "{err}");
        let err = set_params(s.scenario(), &[("plan.training.every", f64::NAN)])
            .unwrap_err()
            .to_string();
        assert!(err.contains("outside its valid range"), "{err}");
    }

    /// A plan with every mechanism and every optional field, each value inside its range.
    fn full_plan() -> PlanSection {
        let text = r#"
            cycle = "month"
            [target_bonus]
            amount = 1000.0
            threshold = 1.0
            ramp_from = 0.8
            cap = 2.0
            [per_customer]
            amount = 100.0
            [commission]
            rate = 0.05
            [promotion]
            mode = "tournament"
            share = 0.2
            raise = 0.1
            [salary_adjustment]
            review_every = 3
            pool = 0.05
            individual_weight = 0.5
            team_weight = 0.5
            [training]
            every = 3
            cost = 100.0
            skill_gain = 0.1
            eligibility = "top"
            top_share = 0.3
        "#;
        toml::from_str(text).unwrap()
    }

    /// Values at both ends of the range (or just inside an open end) and in between.
    fn samples(p: &PlanParam) -> Vec<f64> {
        let r = p.range;
        let inside = |x: f64, toward: f64| {
            let step = (toward - x).abs().min(1.0) * 1e-3;
            p.value_taken(x + step.copysign(toward - x))
        };
        let lo = if r.lo_open { inside(r.lo, r.hi) } else { r.lo };
        let hi = if r.hi_open { inside(r.hi, r.lo) } else { r.hi };
        let mid = p.value_taken(lo + (hi - lo) * 0.37);
        vec![lo, mid, hi]
    }

    #[test]
    fn every_parameter_round_trips_get_and_set_and_refuses_values_outside_its_range() {
        let base = full_plan();
        for p in PLAN_PARAMS {
            assert!(p.path.starts_with("plan."), "{}", p.path);
            assert!(std::ptr::eq(plan_param(p.path).unwrap(), p), "{}", p.path);
            assert!(p.get(&base).is_some(), "{} unset in the full plan", p.path);
            for x in samples(p) {
                assert!(p.range.contains(x), "{}: sample {x}", p.path);
                let mut plan = base.clone();
                p.set(&mut plan, x).unwrap();
                assert_eq!(p.get(&plan), Some(x), "{}", p.path);
                // Only that field changed: setting it back restores the plan.
                p.set(&mut plan, p.get(&base).unwrap()).unwrap();
                assert_eq!(plan, base, "{}", p.path);
            }
            // Just outside each end: the end itself when it is open.
            let below = p.range.lo - if p.range.lo_open { 0.0 } else { 1.0 };
            let above = p.range.hi + if p.range.hi_open { 0.0 } else { 1.0 };
            for x in [below, above, f64::NAN, f64::INFINITY] {
                let mut plan = base.clone();
                assert!(p.set(&mut plan, x).is_err(), "{} took {x}", p.path);
                assert_eq!(plan, base, "{}", p.path);
            }
            if p.kind == ParamKind::Integer {
                let mut plan = base.clone();
                p.set(&mut plan, p.range.lo + 0.4).unwrap();
                assert_eq!(p.get(&plan), Some(p.range.lo), "{}", p.path);
            }
            // Without the mechanism (or the optional field) the path is refused by name.
            let mut bare = PlanSection::default();
            if p.get(&bare).is_none() {
                let err = p.set(&mut bare, samples(p)[1]).unwrap_err().to_string();
                assert!(err.starts_with(p.path), "{err}");
            }
        }
        let mut no_cap = base.clone();
        no_cap.target_bonus.as_mut().unwrap().cap = None;
        let err = plan_param("plan.target_bonus.cap")
            .unwrap()
            .set(&mut no_cap, 2.0)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("does not set `cap` in [plan.target_bonus]"),
            "{err}"
        );
    }

    /// The section of scenarios/README.md that lists the adjustable parameters.
    fn readme_rows() -> Vec<(String, String, String)> {
        let readme = include_str!("../../../scenarios/README.md");
        let start = readme
            .find("### Adjustable plan parameters")
            .expect("scenarios/README.md lists the adjustable plan parameters");
        readme[start..]
            .lines()
            .skip(1)
            .skip_while(|l| !l.starts_with('|'))
            .take_while(|l| l.starts_with('|'))
            .skip(2)
            .map(|l| {
                let cells: Vec<String> = l
                    .split('|')
                    .map(|c| c.trim().trim_matches('`').to_string())
                    .collect();
                (cells[1].clone(), cells[2].clone(), cells[3].clone())
            })
            .collect()
    }

    #[test]
    fn the_readme_lists_exactly_the_table_with_its_types_and_ranges() {
        let rows = readme_rows();
        for (path, kind, range) in &rows {
            let p = plan_param(path).unwrap_or_else(|e| panic!("README: {e}"));
            let want = match p.kind {
                ParamKind::Integer => "integer",
                ParamKind::Real => "float",
            };
            assert_eq!(kind, want, "README type of {path}");
            assert_eq!(range, &p.range.to_string(), "README range of {path}");
        }
        let listed: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
        let table: Vec<&str> = PLAN_PARAMS.iter().map(|p| p.path).collect();
        assert_eq!(listed, table, "README rows and PLAN_PARAMS, in order");
    }

    #[test]
    fn unknown_paths_get_the_nearest_suggestion() {
        let err = plan_param("plan.per_customer.amout")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("did you mean `plan.per_customer.amount`"),
            "{err}"
        );
        let err = plan_param("plan.bonus.amount").unwrap_err().to_string();
        assert!(!err.contains("did you mean"), "{err}");
        assert!(err.contains("scenarios/README.md"), "{err}");
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
    }

    #[test]
    fn ranges_read_as_written() {
        assert_eq!(ValidRange::closed(0.0, 1e12).to_string(), "[0, 1e12]");
        assert_eq!(ValidRange::open(0.0, 1.0).to_string(), "(0, 1)");
        assert_eq!(
            ValidRange::open_closed(0.0, 1.0).words(),
            "greater than 0 and at most 1"
        );
        assert_eq!(
            ValidRange::closed_open(0.0, 10.0).words(),
            "at least 0 and below 10"
        );
        assert_eq!(
            ValidRange::closed(0.0, u32::MAX as f64).to_string(),
            "[0, 4294967295]"
        );
        assert!(!ValidRange::open(0.0, 1.0).contains(0.0));
        assert!(ValidRange::open_closed(0.0, 1.0).contains(1.0));
        assert!(!ValidRange::closed(0.0, 1.0).contains(f64::NAN));
    }
}
