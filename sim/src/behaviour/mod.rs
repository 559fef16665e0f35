//! How reps respond to a plan: each period each rep chooses acquisition and
//! service effort to maximise the certainty equivalent of docs/model.md section 8.
//!
//! Behaviour depends on the plan, the rep's traits and state, never on the draws,
//! so it is solved once per plan into a [`Policy`]: a table of optimal efforts
//! and quit hazards per rep, period, promotion eligibility and attainment of the
//! cycle so far (the one piece of random state a rep's choice depends on). The
//! engine reads the table by linear interpolation in attainment.
//!
//! The stages, each in its file, follow docs/model.md:
//!
//! - `forecast`: the rep's forecast of the rest of the cycle at constant effort, and
//!   the normal forecast of the score (section 8.2);
//! - `choice`: the certainty equivalent of an effort (8.1), its global maximum (a coarse
//!   grid over both efforts shared by a rep-period's cells, then a pattern search
//!   accelerated by quadratic models from its promising local maxima, so non-concave
//!   threshold problems find their global maximum, corners included; 8.3), and the
//!   quit hazard (10);
//! - `closed_loop`: under `team.planning = "closed_loop"`, the cells' choices by
//!   backward induction over the rest of the cycle on the attainment grid (8.9);
//! - `pass`: one planning pass, period by period, advancing the planned path (8.4);
//! - `policy`: the table a pass fills and the engine reads (8.4);
//! - `equilibrium`: repeated passes and the tournament's cut-off, which make efforts
//!   consistent where pay depends on the team, and [`solve`], the entry point (8.5);
//! - [`steady_state`]: the status quo's steady state, which calibrates a model (9).
//!
//! Payouts on attainment have exact expected values and variances under the normal
//! forecast ([`crate::normal`]).

mod applicants;
mod choice;
mod closed_loop;
mod equilibrium;
mod forecast;
mod pass;
mod policy;
pub mod steady_state;
mod timing;

#[doc(hidden)]
pub use choice::{Audit, Search};
pub use equilibrium::{mixture_quantile, naive_cutoff, solve, Equilibrium, EquilibriumGap};
#[doc(hidden)]
pub use equilibrium::{solve_unshared, solve_with};
pub use forecast::Forecast;
pub use policy::{Cell, Policy};
pub use timing::{CloseState, NextCycle};

use crate::model::{Kpis, Model};

/// Number of points of the attainment-so-far grid within a cycle.
pub const ATTAINMENT_BUCKETS: usize = 41;
/// Highest attainment so far on the grid (beyond it the last point applies).
pub const ATTAINMENT_MAX: f64 = 2.0;
/// Number of points of the second, coarser axis of a plan with two cycles: the plan
/// cycle's attainment so far, from 0 to [`ATTAINMENT_MAX`] (docs/model.md section 8.4).
pub const LONG_ATTAINMENT_POINTS: usize = 11;
/// Most best-response passes when reps must anticipate each other (team bonus, tournament).
pub const TEAM_PASSES: usize = 25;
/// Longest cycle in periods.
pub const MAX_CYCLE: usize = 12;

/// The expected state of a rep at the start of planning.
#[derive(Clone, Debug, PartialEq)]
pub struct RepStart {
    /// Skill.
    pub skill: f64,
    /// Monthly salary.
    pub salary: f64,
    /// Tenure in months.
    pub tenure: u32,
    /// Customers in the book.
    pub book: f64,
    /// Promotions received so far.
    pub promotions: u32,
    /// What the rep achieved in the last completed cycle (ratchet targets), if any.
    pub last_cycle: Option<Kpis>,
}

/// The state planning starts from: the first period and each rep's expected state.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanningStart {
    /// First period planned (absolute).
    pub period: u32,
    /// Expected state of each rep.
    pub reps: Vec<RepStart>,
    /// Promotion cut-off the reps believe in (tournaments); None lets the solver find the equilibrium.
    pub tournament_cutoff: Option<f64>,
}

impl PlanningStart {
    /// The start of the horizon.
    pub fn initial(model: &Model) -> Self {
        PlanningStart {
            period: 0,
            reps: model
                .reps()
                .iter()
                .map(|r| RepStart {
                    skill: model.rules().initial_skill,
                    salary: r.base_salary,
                    tenure: r.tenure,
                    book: r.book,
                    promotions: 0,
                    last_cycle: None,
                })
                .collect(),
            tournament_cutoff: None,
        }
    }
}
