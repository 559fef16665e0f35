//! What the status quo's calibration found (docs/model.md section 9): how well its
//! steady state settled and the team's expected revenue under it, against which
//! `revenue_growth` is measured. The calibration itself solves behaviour, so it is a
//! stage of the behaviour layer (`behaviour::steady_state`); the model only keeps its
//! result.

/// How well the status quo settled, and its expected revenue.
#[derive(Clone, Debug, PartialEq)]
pub struct StatusQuoFit {
    /// Iterations of the fixed point.
    pub iterations: usize,
    /// Largest relative change of a rep's run-rate in the last iteration.
    pub residual: f64,
    /// Reps whose run-rate did not settle (no steady state under the status quo).
    pub unsettled: usize,
    /// The team's expected revenue under the status quo in each period of the steady
    /// state's window (it repeats with the window: the reward cycle and the seasons).
    pub revenue: Vec<f64>,
}

impl StatusQuoFit {
    /// The fit of a model not calibrated yet: no iterations, no expected revenue.
    pub(crate) fn none() -> Self {
        StatusQuoFit {
            iterations: 0,
            residual: f64::NAN,
            unsettled: 0,
            revenue: Vec::new(),
        }
    }

    /// The team's expected revenue under the status quo over periods `[0, periods)`:
    /// what `revenue_growth` is measured against. Over whole windows it is the pre-plan
    /// run-rate times the periods; over part of a year it follows the seasons.
    pub fn expected_revenue(&self, periods: u32) -> f64 {
        if self.revenue.is_empty() {
            return f64::NAN;
        }
        (0..periods as usize)
            .map(|t| self.revenue[t % self.revenue.len()])
            .sum()
    }

    /// True when every rep's run-rate settled.
    pub fn settled(&self) -> bool {
        self.unsettled == 0
    }

    /// A sentence for users when the status quo has no steady state, else None.
    pub fn problem(&self, team_size: usize) -> Option<String> {
        (!self.settled()).then(|| {
            format!(
                "the status quo has no steady state for {} of {team_size} reps (their \
                 effort jumps between pushing for the baseline's target and giving up as \
                 the run-rate crosses it; last change {:.1} %): the baseline drifts away \
                 from the pre-plan run-rate, so revenue growth against it mixes the plan's \
                 effect with that drift; read the paired difference with the baseline",
                self.unsettled,
                100.0 * self.residual
            )
        })
    }
}
