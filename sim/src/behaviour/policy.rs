//! The policy table (docs/model.md section 8.4): each rep's optimal choice per
//! period, promotion eligibility and attainment of the cycle so far, read by the
//! engine by linear interpolation in attainment.

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
#[derive(Clone, Debug)]
pub struct Policy {
    start: u32,
    periods: u32,
    eligibility_states: usize,
    offsets: Vec<u32>,
    cells: Vec<Cell>,
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
        let e = if self.eligibility_states == 2 && !eligible {
            1
        } else {
            0
        };
        let key =
            (rep * self.periods as usize + (t - self.start) as usize) * self.eligibility_states + e;
        let from = self.offsets[key] as usize;
        let to = self.offsets[key + 1] as usize;
        interpolate(&self.cells[from..to], attainment)
    }

    /// Appends `other`'s rows after this policy's (the hire types' rows, docs/model.md
    /// section 10.1); both cover the same periods and eligibility states.
    pub(super) fn append_rows(&mut self, other: &Policy) {
        debug_assert_eq!(
            (self.start, self.periods, self.eligibility_states),
            (other.start, other.periods, other.eligibility_states)
        );
        let base = self.cells.len() as u32;
        self.cells.extend_from_slice(&other.cells);
        self.offsets
            .extend(other.offsets[1..].iter().map(|o| base + o));
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

fn interpolate(cells: &[Cell], x: f64) -> Cell {
    let n = cells.len();
    if n == 1 {
        return cells[0];
    }
    let pos = (x.max(0.0) / ATTAINMENT_MAX * (n - 1) as f64).min((n - 1) as f64);
    let lo = (pos as usize).min(n - 2);
    let w = pos - lo as f64;
    let (a, b) = (cells[lo], cells[lo + 1]);
    Cell {
        acquisition: a.acquisition + w * (b.acquisition - a.acquisition),
        service: a.service + w * (b.service - a.service),
        quit_hazard: a.quit_hazard + w * (b.quit_hazard - a.quit_hazard),
        value: a.value + w * (b.value - a.value),
        risk_premium: a.risk_premium + w * (b.risk_premium - a.risk_premium),
    }
}

/// A policy table as a pass fills it, period by period.
pub(super) struct TableBuilder {
    /// Each rep's cells: per period and eligibility state, the cells over attainment.
    per_rep: Vec<Vec<Vec<Cell>>>,
    /// Each rep's planned (expected-path) cell of each period.
    planned: Vec<Vec<Cell>>,
    eligibility_states: usize,
}

impl TableBuilder {
    /// An empty table of `reps` reps over `periods` periods.
    pub(super) fn new(reps: usize, periods: u32, eligibility_states: usize) -> Self {
        TableBuilder {
            per_rep: vec![Vec::with_capacity(periods as usize * eligibility_states); reps],
            planned: vec![Vec::with_capacity(periods as usize); reps],
            eligibility_states,
        }
    }

    /// Adds the next period: each rep's cells (eligibility state by state, `buckets`
    /// cells each) and planned cell.
    pub(super) fn push(&mut self, solved: Vec<(Vec<Cell>, Cell)>, buckets: usize) {
        for (j, (cells, planned_cell)) in solved.into_iter().enumerate() {
            for e in 0..self.eligibility_states {
                self.per_rep[j].push(cells[e * buckets..(e + 1) * buckets].to_vec());
            }
            self.planned[j].push(planned_cell);
        }
    }

    /// Rep `j`'s planned cell of the `k`-th period pushed.
    pub(super) fn planned(&self, j: usize, k: usize) -> Cell {
        self.planned[j][k]
    }

    /// The policy from period `start` over `periods` periods, planned with the
    /// tournament cut-off `cutoff`.
    pub(super) fn finish(self, start: u32, periods: u32, cutoff: f64) -> Policy {
        let n = self.per_rep.len();
        let mut offsets = Vec::with_capacity(n * periods as usize * self.eligibility_states + 1);
        let mut cells = Vec::new();
        offsets.push(0u32);
        for rep_cells in self.per_rep {
            for c in rep_cells {
                cells.extend_from_slice(&c);
                offsets.push(cells.len() as u32);
            }
        }
        Policy {
            start,
            periods,
            eligibility_states: self.eligibility_states,
            offsets,
            cells,
            tournament_cutoff: cutoff,
            equilibrium: Equilibrium::NotNeeded,
            planned: self.planned,
            hire_cdf: Vec::new(),
        }
    }
}
