//! The model built from a validated scenario: reps and their traits, the market, the
//! outcome model, targets and the two compiled plans. Building it solves no
//! behaviour.
//!
//! A model is made in two stages. This layer compiles the scenario into an
//! [`Uncalibrated`] model: the team drawn (or read from a roster, abilities estimated
//! from last year's history by [`calibration`]), the market, outcome, targets and
//! plans. The status quo's steady state, which sets each rep's pre-plan run-rates,
//! starting book and outside option, depends on how reps behave under the baseline,
//! so it is a stage of the behaviour layer
//! (`behaviour::steady_state::calibrate`). [`Model::new`] runs both stages
//! and is the one way to a [`Model`].

pub mod calibration;
mod deal_timing;
mod market;
mod outcome;
mod plan;
mod status_quo;
mod targets;
mod team;

pub use deal_timing::{DealTiming, Moved, Shift};
pub use market::Market;
pub use outcome::{Funnel, Outcome};
pub use plan::{Kpis, Plan};
pub use status_quo::{ChoiceMemo, StatusQuoFit};
pub use targets::cycle_target;
pub use team::{Hiring, Rep, TeamRules};

use crate::scenario::{TargetSpec, ValidScenario};

/// Everything the engine simulates: team, market, outcome, targets and both plans,
/// with the status quo calibrated. Made by [`Model::new`] (and cut to a shorter
/// horizon by [`Model::window`]): outside this crate a model that exists is the
/// calibrated model of a validated scenario, and its parts are read through getters.
#[derive(Clone, Debug)]
pub struct Model {
    name: String,
    periods: u32,
    reps: Vec<Rep>,
    rules: TeamRules,
    market: Market,
    outcome: Outcome,
    revenue_target: TargetSpec,
    new_customer_target: TargetSpec,
    satisfaction_target: f64,
    foresight: f64,
    plan: Plan,
    baseline: Plan,
    budget: Option<f64>,
    status_quo: StatusQuoFit,
    hiring: Option<Hiring>,
    /// The status quo's choices the calibration searched, where it pays on effort alone
    /// ([`ChoiceMemo`]); shared by the model's clones and windows.
    status_quo_choices: Option<std::sync::Arc<ChoiceMemo>>,
}

/// Why a model cannot be made as asked.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    /// A window must cover at least one period and end within the horizon.
    #[error("a window of {periods} periods does not fit a horizon of {horizon} periods (it must be between 1 and {horizon})")]
    Window {
        /// Periods asked for.
        periods: u32,
        /// Periods of the model's horizon.
        horizon: u32,
    },
}

impl Model {
    /// The model over the first `periods` periods of its horizon: what reps plan
    /// with when they plan a round ahead rather than the whole horizon.
    ///
    /// # Errors
    /// [`ModelError::Window`] unless `1 <= periods <=` the model's horizon.
    pub fn window(&self, periods: u32) -> Result<Model, ModelError> {
        if periods == 0 || periods > self.periods {
            return Err(ModelError::Window {
                periods,
                horizon: self.periods,
            });
        }
        Ok(Model {
            periods,
            ..self.clone()
        })
    }

    /// Team run-rate of monthly revenue before the plan.
    pub fn run_rate_revenue(&self) -> f64 {
        self.reps.iter().map(|r| r.run_rate_revenue).sum()
    }

    /// Scenario name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Periods in the horizon.
    #[inline]
    pub fn periods(&self) -> u32 {
        self.periods
    }

    /// The reps (team slots).
    #[inline]
    pub fn reps(&self) -> &[Rep] {
        &self.reps
    }

    /// Team-wide rules.
    #[inline]
    pub fn rules(&self) -> &TeamRules {
        &self.rules
    }

    /// The market.
    #[inline]
    pub fn market(&self) -> &Market {
        &self.market
    }

    /// The outcome model.
    #[inline]
    pub fn outcome(&self) -> &Outcome {
        &self.outcome
    }

    /// Revenue target rule.
    #[inline]
    pub fn revenue_target(&self) -> &TargetSpec {
        &self.revenue_target
    }

    /// New-customer target rule.
    #[inline]
    pub fn new_customer_target(&self) -> &TargetSpec {
        &self.new_customer_target
    }

    /// The satisfaction target's level (0-100) of the cycle's mean monthly
    /// satisfaction score; 0 without a target.
    #[inline]
    pub fn satisfaction_target(&self) -> f64 {
        self.satisfaction_target
    }

    /// The discount factor with which reps anticipate ratchet targets (0: myopic).
    #[inline]
    pub fn foresight(&self) -> f64 {
        self.foresight
    }

    /// The plan under study.
    #[inline]
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// The baseline plan.
    #[inline]
    pub fn baseline(&self) -> &Plan {
        &self.baseline
    }

    /// Budget on incentive cost over the horizon.
    #[inline]
    pub fn budget(&self) -> Option<f64> {
        self.budget
    }

    /// How well the status quo's steady state, which sets the run-rates, settled.
    #[inline]
    pub fn status_quo(&self) -> &StatusQuoFit {
        &self.status_quo
    }

    /// The reps, for the status quo's calibration to set their run-rates, books,
    /// quit hazards and outside options (`behaviour::steady_state`).
    pub(crate) fn reps_mut(&mut self) -> &mut [Rep] {
        &mut self.reps
    }

    /// Keeps the status quo's choices the calibration searched (`behaviour::steady_state`).
    pub(crate) fn set_status_quo_choices(&mut self, memo: std::sync::Arc<ChoiceMemo>) {
        self.status_quo_choices = Some(memo);
    }

    /// The status quo's choices the calibration searched ([`ChoiceMemo`]).
    pub(crate) fn status_quo_choices(&self) -> Option<&ChoiceMemo> {
        self.status_quo_choices.as_deref()
    }

    /// Records the status quo's calibration (`behaviour::steady_state`).
    pub(crate) fn set_status_quo(&mut self, fit: StatusQuoFit) {
        self.status_quo = fit;
    }

    /// The hiring pool replacement hires come from (`[team.hiring]`), if any.
    #[inline]
    pub fn hiring(&self) -> Option<&Hiring> {
        self.hiring.as_ref()
    }

    pub(crate) fn hiring_mut(&mut self) -> Option<&mut Hiring> {
        self.hiring.as_mut()
    }

    /// The model whose reps are the hire types of every slot (`slot * G + g`), without a
    /// hiring pool of its own: what hires' behaviour is solved on. None without a pool,
    /// or before the status quo's calibration has made the types.
    pub fn hire_model(&self) -> Option<Model> {
        let h = self.hiring.as_ref().filter(|h| !h.reps().is_empty())?;
        Some(self.with_reps(h.reps().to_vec(), self.periods))
    }

    /// This model over `periods` periods with `reps` in place of its team and no hiring pool.
    pub(crate) fn with_reps(&self, reps: Vec<Rep>, periods: u32) -> Model {
        Model {
            reps,
            hiring: None,
            name: self.name.clone(),
            periods,
            rules: self.rules.clone(),
            market: self.market.clone(),
            outcome: self.outcome.clone(),
            revenue_target: self.revenue_target,
            new_customer_target: self.new_customer_target,
            satisfaction_target: self.satisfaction_target,
            foresight: self.foresight,
            plan: self.plan.clone(),
            baseline: self.baseline.clone(),
            budget: self.budget,
            status_quo: self.status_quo.clone(),
            status_quo_choices: self.status_quo_choices.clone(),
        }
    }
}

/// A model whose status quo is not calibrated yet: the scenario compiled, the team
/// drawn, but no rep's pre-plan run-rates, quit hazard, outside option or (where the
/// scenario gives none) starting book set. Only
/// `behaviour::steady_state::calibrate` turns it into a [`Model`].
#[derive(Clone, Debug)]
pub struct Uncalibrated {
    /// The model with the reps as drawn; its `status_quo` is [`StatusQuoFit::none`].
    model: Model,
    /// Each rep's book where the scenario gives it (roster or `team.initial_book`).
    books_given: Vec<Option<f64>>,
}

impl Uncalibrated {
    /// Compiles a validated scenario: team (with the roster calibration of abilities),
    /// market, outcome, targets and both plans.
    pub fn new(valid: &ValidScenario) -> Self {
        let s = valid.scenario();
        let outcome = Outcome::new(&s.outcome);
        let rules = TeamRules::new(&s.team);
        let calibrator = calibration::Calibrator::new(&outcome, &rules, &s.market.seasonality);
        let (reps, books_given) = team::draw_team(valid, &calibrator);
        let model = Model {
            name: s.name.clone(),
            periods: s.simulation.periods,
            reps,
            rules,
            market: Market::new(&s.market),
            outcome,
            revenue_target: s.targets.revenue,
            new_customer_target: s.targets.new_customers,
            satisfaction_target: s.targets.satisfaction.map_or(0.0, |t| t.value),
            foresight: s.targets.foresight,
            plan: Plan::new(&s.plan),
            baseline: Plan::new(&s.baseline),
            budget: s.budget.as_ref().map(|b| b.incentive_cost),
            status_quo: StatusQuoFit::none(),
            hiring: s.team.hiring.as_ref().map(Hiring::new),
            status_quo_choices: None,
        };
        Uncalibrated { model, books_given }
    }

    /// Each rep's starting book where the scenario gives it, None where the status
    /// quo's steady state sets it.
    pub fn books_given(&self) -> &[Option<f64>] {
        &self.books_given
    }

    /// Periods over which the status quo repeats: the least common multiple of the
    /// baseline's reward cycle and the seasons (a year for monthly, quarterly and
    /// annual cycles under twelve-month seasonality).
    pub fn status_quo_window(&self) -> u32 {
        lcm(
            self.model.baseline.cycle_len,
            self.model.market.season.len() as u32,
        )
    }

    /// The uncalibrated model over the status quo's window
    /// ([`Uncalibrated::status_quo_window`]) instead of the horizon: what the steady
    /// state is solved on (inside this crate only: outside it every model is calibrated).
    pub(crate) fn status_quo_model(&self) -> Model {
        Model {
            periods: self.status_quo_window(),
            ..self.model.clone()
        }
    }

    /// The model and the given books, for the calibration to complete.
    pub(crate) fn into_parts(self) -> (Model, Vec<Option<f64>>) {
        (self.model, self.books_given)
    }
}

/// Least common multiple of two positive period counts.
fn lcm(a: u32, b: u32) -> u32 {
    let gcd = |mut x: u32, mut y: u32| {
        while y != 0 {
            (x, y) = (y, x % y);
        }
        x
    };
    a / gcd(a, b).max(1) * b
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::default_scenario;

    #[test]
    fn default_team_is_drawn_reproducibly_with_run_rates() {
        let a = Model::new(&default_scenario());
        let b = Model::new(&default_scenario());
        assert_eq!(a.reps, b.reps);
        assert_eq!(a.reps.len(), 50);
        assert!(a
            .reps
            .iter()
            .all(|r| r.ability > 0.0 && r.run_rate_revenue > 0.0 && r.book > 0.0));
        let distinct: std::collections::HashSet<u64> =
            a.reps.iter().map(|r| r.ability.to_bits()).collect();
        assert_eq!(distinct.len(), 50);
    }

    #[test]
    fn scores_weigh_attainment_of_each_target() {
        let mut plan = Model::new(&default_scenario()).plan;
        plan.weight_revenue = 0.25;
        plan.weight_new_customers = 0.75;
        let target = Kpis {
            revenue: 200.0,
            new_customers: 10.0,
            satisfaction: 0.0,
        };
        let actual = Kpis {
            revenue: 100.0,
            new_customers: 20.0,
            satisfaction: 0.0,
        };
        assert!((plan.score(actual, target) - (0.25 * 0.5 + 0.75 * 2.0)).abs() < 1e-12);
        // A KPI without a target drops out of the score.
        let no_nc = Kpis {
            new_customers: 0.0,
            ..target
        };
        assert!((plan.score(actual, no_nc) - 0.125).abs() < 1e-12);
    }

    /// With a satisfaction weight, the score adds the cycle's mean satisfaction over its
    /// target level: a sum of 3 months' scores over the level times 3.
    #[test]
    fn satisfaction_enters_the_score_as_its_mean_over_the_level() {
        let mut plan = Model::new(&default_scenario()).plan;
        plan.weight_revenue = 0.5;
        plan.weight_new_customers = 0.3;
        plan.weight_satisfaction = 0.2;
        let target = Kpis {
            revenue: 200.0,
            new_customers: 10.0,
            satisfaction: 80.0 * 3.0,
        };
        let actual = Kpis {
            revenue: 100.0,
            new_customers: 20.0,
            satisfaction: 70.0 + 60.0 + 80.0,
        };
        let mean_over_level = (210.0 / 3.0) / 80.0;
        let want = 0.5 * 0.5 + 0.3 * 2.0 + 0.2 * mean_over_level;
        assert!((plan.score(actual, target) - want).abs() < 1e-12);
        // Without a weight, the satisfaction total changes nothing.
        plan.weight_satisfaction = 0.0;
        let other = Kpis {
            satisfaction: 0.0,
            ..actual
        };
        assert_eq!(plan.score(actual, target), plan.score(other, target));
    }

    #[test]
    fn an_uncalibrated_model_has_no_run_rates_and_calibration_sets_them() {
        let draft = Uncalibrated::new(&default_scenario());
        assert!(draft.model.reps.iter().all(|r| r.run_rate_revenue == 0.0));
        assert_eq!(draft.status_quo_window(), 12);
        assert_eq!(draft.status_quo_model().periods, 12);
        let model = crate::behaviour::steady_state::calibrate(draft.clone());
        assert!(model.reps.iter().all(|r| r.run_rate_revenue > 0.0));
        // Traits are the draft's: the calibration sets only the status quo's state.
        for (a, b) in model.reps.iter().zip(&draft.model.reps) {
            assert_eq!(
                (a.ability, a.effort_cost, &a.id),
                (b.ability, b.effort_cost, &b.id)
            );
        }
    }

    #[test]
    fn windows_cut_the_horizon_and_refuse_what_does_not_fit() {
        let model = Model::new(&default_scenario());
        let w = model.window(4).unwrap();
        assert_eq!(w.periods, 4);
        assert_eq!(w.reps, model.reps);
        assert_eq!(model.window(model.periods).unwrap().periods, model.periods);
        for bad in [0, model.periods + 1] {
            assert_eq!(
                model.window(bad).unwrap_err(),
                ModelError::Window {
                    periods: bad,
                    horizon: model.periods
                }
            );
        }
    }
}
