//! The policy table (docs/model.md section 8.4): each rep's optimal choice per
//! period, promotion eligibility and attainment of the cycle so far, read by the
//! engine by linear interpolation in attainment (bilinear in the shorter and the
//! plan cycle's attainments where a plan has two cycles).

use rayon::prelude::*;

use super::equilibrium::Equilibrium;
use super::ATTAINMENT_MAX;
use crate::model::{Hiring, Model};
use crate::normal;

/// Optimal choice of one rep in one state.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Cell {
    /// Acquisition effort.
    pub acquisition: f64,
    /// Service effort.
    pub service: f64,
    /// Probability of quitting at the end of the period.
    pub quit_hazard: f64,
    /// Certainty equivalent per period of the plan's pay, net of effort cost.
    pub value: f64,
    /// Risk premium per period the rep charges for the pay's variance: `(r/2) Var[pay]`.
    pub risk_premium: f64,
}

impl Cell {
    /// The bits of every field, in declaration order: for comparing cells, and keying
    /// them, bit for bit. The destructuring names every field, so a field added to
    /// `Cell` must be added here.
    pub fn to_bits(&self) -> [u64; 5] {
        let Cell {
            acquisition,
            service,
            quit_hazard,
            value,
            risk_premium,
        } = *self;
        [acquisition, service, quit_hazard, value, risk_premium].map(f64::to_bits)
    }

    /// The team's reference effort (`team.reference_effort`), valued at zero: what
    /// reps assume of each other before a pass has planned their efforts.
    pub(super) fn reference(model: &Model) -> Cell {
        let r = model.rules().reference_effort;
        Cell {
            acquisition: r.acquisition,
            service: r.service,
            quit_hazard: 0.0,
            value: 0.0,
            risk_premium: 0.0,
        }
    }
}

/// Optimal efforts and quit hazards for every rep, period, eligibility and attainment so far.
///
/// Reps whose planning inputs are identical share one row set (docs/model.md section
/// 8.4): the cells are stored once per distinct type, and each rep holds the index of
/// its type's rows.
#[derive(Clone, Debug)]
pub struct Policy {
    start: u32,
    periods: u32,
    eligibility_states: usize,
    /// Each rep's row set: the index of its type.
    rows: Vec<u32>,
    /// Where each row set's cells start, per (row set, period, eligibility state).
    offsets: Vec<u32>,
    cells: Vec<Cell>,
    /// Where the plan has two cycles, each period's points on the second axis (the
    /// plan cycle's attainment so far; docs/model.md section 8.4); empty otherwise.
    long_axis: Vec<u32>,
    pub(super) tournament_cutoff: f64,
    pub(super) equilibrium: Equilibrium,
    pub(super) planned: Vec<Vec<Cell>>,
    /// Where applicants respond to the plan, each slot's cumulative weights of the hire
    /// types (`slot * G + g`, docs/model.md section 10.1); empty otherwise.
    pub(super) hire_cdf: Vec<f64>,
}

impl Policy {
    /// The choice of rep `rep` in period `t` given eligibility and attainment of the cycle so far.
    #[inline]
    pub fn cell(&self, rep: usize, t: u32, eligible: bool, attainment: f64) -> Cell {
        self.cell_at(rep, t, eligible, || attainment)
    }

    /// [`Policy::cell`] with attainment so far computed only where the period's cells
    /// span attainment: a cycle's first period has one cell (every period of a monthly
    /// plan), and the hot loop then skips the score's divisions.
    #[inline]
    pub fn cell_at(
        &self,
        rep: usize,
        t: u32,
        eligible: bool,
        attainment: impl FnOnce() -> f64,
    ) -> Cell {
        debug_assert!(
            self.long_axis.is_empty(),
            "a two-cycle table is read by cell_two_cycles"
        );
        let e = if self.eligibility_states == 2 && !eligible {
            1
        } else {
            0
        };
        let row = self.rows[rep] as usize;
        let key =
            (row * self.periods as usize + (t - self.start) as usize) * self.eligibility_states + e;
        let from = self.offsets[key] as usize;
        let to = self.offsets[key + 1] as usize;
        match &self.cells[from..to] {
            [only] => *only,
            cells => interpolate(cells, attainment()),
        }
    }

    /// The choice of rep `rep` in period `t` of a plan with two cycles, given
    /// eligibility, attainment so far of the shorter cycle (`short`, the first axis)
    /// and of the plan's cycle (`long`, the second): bilinear interpolation.
    #[inline]
    pub fn cell_two_cycles(
        &self,
        rep: usize,
        t: u32,
        eligible: bool,
        short: f64,
        long: f64,
    ) -> Cell {
        let e = if self.eligibility_states == 2 && !eligible {
            1
        } else {
            0
        };
        let k = (t - self.start) as usize;
        let row = self.rows[rep] as usize;
        let key = (row * self.periods as usize + k) * self.eligibility_states + e;
        let from = self.offsets[key] as usize;
        let to = self.offsets[key + 1] as usize;
        let long_points = self.long_axis.get(k).map_or(1, |&n| n as usize);
        interpolate_two(&self.cells[from..to], long_points, short, long)
    }

    /// Appends `other`'s rows after this policy's (the hire types' rows, docs/model.md
    /// section 10.1); both cover the same periods and eligibility states.
    pub(super) fn append_rows(&mut self, other: &Policy) {
        debug_assert_eq!(
            (
                self.start,
                self.periods,
                self.eligibility_states,
                &self.long_axis
            ),
            (
                other.start,
                other.periods,
                other.eligibility_states,
                &other.long_axis
            )
        );
        let base = self.cells.len() as u32;
        let row_base = self.row_sets() as u32;
        self.cells.extend_from_slice(&other.cells);
        self.offsets
            .extend(other.offsets[1..].iter().map(|o| base + o));
        self.rows.extend(other.rows.iter().map(|r| row_base + r));
    }

    /// Number of row sets stored: the distinct types solved.
    pub fn row_sets(&self) -> usize {
        (self.offsets.len() - 1) / (self.periods as usize * self.eligibility_states).max(1)
    }

    /// The hire a uniform `u` gives in `slot` (docs/model.md section 10.1): from the
    /// pool, with the bands weighted by the applicants who take the job under this
    /// plan where they respond to it.
    #[inline]
    pub fn hire(&self, hiring: &Hiring, slot: usize, u: f64) -> (f64, usize) {
        if self.hire_cdf.is_empty() {
            hiring.hire(u)
        } else {
            let g = hiring.type_count();
            hiring.hire_weighted(u, &self.hire_cdf[slot * g..(slot + 1) * g])
        }
    }

    /// Each slot's share of hires from each ability type (`slot * G + g`) where
    /// applicants respond to the plan; empty otherwise.
    pub fn hire_weights(&self, slot: usize, types: usize) -> Option<Vec<f64>> {
        if self.hire_cdf.is_empty() {
            return None;
        }
        let cdf = &self.hire_cdf[slot * types..(slot + 1) * types];
        Some(
            (0..types)
                .map(|g| cdf[g] - if g == 0 { 0.0 } else { cdf[g - 1] })
                .collect(),
        )
    }

    /// The promotion cut-off the reps planned with (tournaments).
    pub fn tournament_cutoff(&self) -> f64 {
        self.tournament_cutoff
    }

    /// Whether the efforts are an equilibrium where reps anticipate each other.
    pub fn equilibrium(&self) -> Equilibrium {
        self.equilibrium
    }

    /// Planned (expected-path) effort of each rep in each period: `[rep][t - start]`.
    pub fn planned(&self) -> &[Vec<Cell>] {
        &self.planned
    }

    /// First period the policy covers.
    pub fn start(&self) -> u32 {
        self.start
    }

    /// The period after the last the policy covers.
    pub fn end(&self) -> u32 {
        self.start + self.periods
    }

    /// The first way in which `self` and `other` differ bit for bit, as a sentence, or
    /// None: the planned paths, the cells of rows `0..rows` at both eligibilities and
    /// attainments 0, 0.1, ..., 2.4 in every period, the cut-off and the equilibrium.
    /// For tests of solves that must give the same table (shared types, the memo).
    #[doc(hidden)]
    pub fn first_difference(&self, other: &Policy, rows: usize) -> Option<String> {
        if self.planned.len() != other.planned.len() {
            return Some(format!(
                "{} against {} reps",
                self.planned.len(),
                other.planned.len()
            ));
        }
        for (j, (a, b)) in self.planned.iter().zip(&other.planned).enumerate() {
            if !a.iter().map(Cell::to_bits).eq(b.iter().map(Cell::to_bits)) {
                return Some(format!("rep {j}'s planned path"));
            }
        }
        if (self.start, self.end()) != (other.start, other.end()) {
            return Some("their periods".to_string());
        }
        for rep in 0..rows {
            for t in self.start..self.end() {
                for eligible in [true, false] {
                    for k in 0..=24 {
                        let x = k as f64 / 10.0;
                        let (a, b) = (
                            self.cell(rep, t, eligible, x),
                            other.cell(rep, t, eligible, x),
                        );
                        if a.to_bits() != b.to_bits() {
                            return Some(format!(
                                "row {rep}, period {t}, eligible {eligible}, attainment {x}: \
                                 {a:?} against {b:?}"
                            ));
                        }
                    }
                }
            }
        }
        if self.tournament_cutoff.to_bits() != other.tournament_cutoff.to_bits() {
            return Some("the cut-off".to_string());
        }
        (self.equilibrium != other.equilibrium).then(|| "the equilibrium".to_string())
    }
}

/// Nodes of the quadrature of [`expected_cell`], in standard deviations.
const QUADRATURE_NODES: usize = 33;

/// The policy's cell averaged over attainment so far ~ Normal(mean, variance): what the
/// engine's rep chooses on average, where its attainment so far is random. A
/// trapezoidal rule over +-4 standard deviations with normal weights, which integrates
/// the piecewise-linear policy closely.
pub(super) fn expected_cell(cells: &[Cell], mean: f64, variance: f64) -> Cell {
    if cells.len() == 1 || variance <= 0.0 {
        return interpolate(cells, mean);
    }
    let sd = variance.sqrt();
    let mut out = Cell::default();
    let mut total = 0.0;
    for i in 0..QUADRATURE_NODES {
        let z = -4.0 + 8.0 * i as f64 / (QUADRATURE_NODES - 1) as f64;
        let w = normal::pdf(z);
        let c = interpolate(cells, mean + sd * z);
        out.acquisition += w * c.acquisition;
        out.service += w * c.service;
        out.quit_hazard += w * c.quit_hazard;
        out.value += w * c.value;
        out.risk_premium += w * c.risk_premium;
        total += w;
    }
    Cell {
        acquisition: out.acquisition / total,
        service: out.service / total,
        quit_hazard: out.quit_hazard / total,
        value: out.value / total,
        risk_premium: out.risk_premium / total,
    }
}

/// [`expected_cell`] of a plan with two cycles: the cells (`long_points` rows over the
/// plan cycle's attainment, each over the shorter cycle's) at the plan cycle's planned
/// attainment `long`, averaged over the shorter cycle's attainment ~ Normal(mean,
/// variance).
pub(super) fn expected_cell_two(
    cells: &[Cell],
    long_points: usize,
    mean: f64,
    variance: f64,
    long: f64,
) -> Cell {
    if long_points == 1 {
        return expected_cell(cells, mean, variance);
    }
    let row = long_row(cells, long_points, long);
    expected_cell(&row, mean, variance)
}

/// The row of a two-axis table at the plan cycle's attainment `long`: the two nearest
/// rows (`long_points` of them over 0 to [`ATTAINMENT_MAX`]) interpolated linearly.
fn long_row(cells: &[Cell], long_points: usize, long: f64) -> Vec<Cell> {
    let n = cells.len() / long_points;
    let (lo, w) = position(long_points, long);
    (0..n)
        .map(|b| lerp(cells[lo * n + b], cells[(lo + 1) * n + b], w))
        .collect()
}

/// Bilinear interpolation in a two-axis table: `long_points` rows over the plan
/// cycle's attainment `long`, each over the shorter cycle's attainment `short`.
#[inline]
fn interpolate_two(cells: &[Cell], long_points: usize, short: f64, long: f64) -> Cell {
    if long_points == 1 {
        return interpolate(cells, short);
    }
    let n = cells.len() / long_points;
    let (lo, w) = position(long_points, long);
    let a = interpolate(&cells[lo * n..(lo + 1) * n], short);
    let b = interpolate(&cells[(lo + 1) * n..(lo + 2) * n], short);
    lerp(a, b, w)
}

/// The lower grid point and the weight of the upper one of `x` on a grid of `n >= 2`
/// points from 0 to [`ATTAINMENT_MAX`] (clamped to the grid).
#[inline]
fn position(n: usize, x: f64) -> (usize, f64) {
    let pos = (x.max(0.0) / ATTAINMENT_MAX * (n - 1) as f64).min((n - 1) as f64);
    let lo = (pos as usize).min(n - 2);
    (lo, pos - lo as f64)
}

/// `a + w (b - a)`, field by field.
#[inline]
fn lerp(a: Cell, b: Cell, w: f64) -> Cell {
    Cell {
        acquisition: a.acquisition + w * (b.acquisition - a.acquisition),
        service: a.service + w * (b.service - a.service),
        quit_hazard: a.quit_hazard + w * (b.quit_hazard - a.quit_hazard),
        value: a.value + w * (b.value - a.value),
        risk_premium: a.risk_premium + w * (b.risk_premium - a.risk_premium),
    }
}

fn interpolate(cells: &[Cell], x: f64) -> Cell {
    let n = cells.len();
    if n == 1 {
        return cells[0];
    }
    let (lo, w) = position(n, x);
    lerp(cells[lo], cells[lo + 1], w)
}

/// A policy table as a pass fills it, period by period: one row set per distinct type
/// of rep, and each rep's type.
///
/// Each period's cells are one array, type after type (a pass writes a type's cells
/// in place, in parallel over types); [`TableBuilder::finish`] lays them out type by
/// type. A vector a type, period and eligibility state cost an allocation, a copy and
/// a free each, serially: 0.2-0.4 s of a 100,000-rep pass.
pub(super) struct TableBuilder {
    /// Each period pushed: its cells and planned cells.
    periods: Vec<PeriodCells>,
    /// Each rep's type.
    types: Vec<u32>,
    /// Number of types.
    type_count: usize,
    eligibility_states: usize,
}

/// One period of a [`TableBuilder`].
struct PeriodCells {
    /// Each type's cells in turn: eligibility state by state, `long_points` rows of
    /// `width / (eligibility states x long_points)` cells each.
    cells: Vec<Cell>,
    /// Each type's planned (expected-path) cell.
    planned: Vec<Cell>,
    /// The cells of one type.
    width: usize,
    /// Points on the second axis (1 with one cycle).
    long_points: usize,
}

impl TableBuilder {
    /// An empty table over `periods` periods for reps of the types `types` (rep `j` is
    /// of type `types[j]`, numbered from 0 without gaps).
    pub(super) fn new(types: Vec<u32>, periods: u32, eligibility_states: usize) -> Self {
        let type_count = types.iter().map(|&g| g as usize + 1).max().unwrap_or(0);
        TableBuilder {
            periods: Vec::with_capacity(periods as usize),
            types,
            type_count,
            eligibility_states,
        }
    }

    /// Adds the next period, whose cells `fill` writes: given each type's cells (as one
    /// array, `width = eligibility states x long_points x buckets` cells a type:
    /// eligibility state by state, `long_points` rows of `buckets` cells each, by the
    /// plan cycle's attainment), each type's planned cell, all default, and `width`.
    pub(super) fn push_with(
        &mut self,
        buckets: usize,
        long_points: usize,
        fill: impl FnOnce(&mut [Cell], &mut [Cell], usize),
    ) {
        let width = self.eligibility_states * long_points * buckets;
        let mut cells = vec![Cell::default(); self.type_count * width];
        let mut planned = vec![Cell::default(); self.type_count];
        fill(&mut cells, &mut planned, width);
        self.periods.push(PeriodCells {
            cells,
            planned,
            width,
            long_points,
        });
    }

    /// Rep `j`'s planned cell of the `k`-th period pushed.
    pub(super) fn planned(&self, j: usize, k: usize) -> Cell {
        self.periods[k].planned[self.types[j] as usize]
    }

    /// The policy from period `start` over `periods` periods, planned with the
    /// tournament cut-off `cutoff`.
    pub(super) fn finish(self, start: u32, periods: u32, cutoff: f64) -> Policy {
        let (n, states) = (self.type_count, self.eligibility_states);
        let mut offsets = Vec::with_capacity(n * self.periods.len() * states + 1);
        // Sized at once: grown by doubling, a 100,000-rep table held its last two sizes
        // at the copy (a quarter of the solve's peak memory, by heaptrack).
        let total = self.periods.iter().map(|p| p.cells.len()).sum();
        let mut cells = Vec::with_capacity(total);
        offsets.push(0u32);
        for g in 0..n {
            for period in &self.periods {
                let type_cells = &period.cells[g * period.width..(g + 1) * period.width];
                for state in type_cells.chunks_exact(period.width / states) {
                    cells.extend_from_slice(state);
                    offsets.push(cells.len() as u32);
                }
            }
        }
        let planned = self
            .types
            .par_iter()
            .map(|&g| self.periods.iter().map(|p| p.planned[g as usize]).collect())
            .collect();
        let long_axis: Vec<u32> = self.periods.iter().map(|p| p.long_points as u32).collect();
        Policy {
            start,
            periods,
            eligibility_states: states,
            rows: self.types,
            offsets,
            cells,
            // One cycle: no second axis, the table exactly as before.
            long_axis: if long_axis.iter().all(|&n| n == 1) {
                Vec::new()
            } else {
                long_axis
            },
            tournament_cutoff: cutoff,
            equilibrium: Equilibrium::NotNeeded,
            planned,
            hire_cdf: Vec::new(),
        }
    }
}
