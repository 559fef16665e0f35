//! The model built from a validated scenario: reps and their traits, the market,
//! the outcome model, targets and the two compiled plans.

use rand::SeedableRng;
use rand_distr::{Distribution, LogNormal, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::mechanisms::{
    Commission, PerCustomer, Promotion, SalaryAdjustment, TargetBonus, Training,
};
use crate::scenario::{
    Basis, EffortPair, OutcomeKind, PlanSection, Scenario, TargetMode, TargetSpec,
    TraitDistribution, ValidScenario,
};

/// One rep's fixed traits and starting state.
#[derive(Clone, Debug, PartialEq)]
pub struct Rep {
    /// Identifier (roster id, or `R001`...).
    pub id: String,
    /// Selling ability (productivity multiplier).
    pub ability: f64,
    /// Effort-cost scale k.
    pub effort_cost: f64,
    /// Absolute risk aversion r.
    pub risk_aversion: f64,
    /// Value of a promotion to the rep.
    pub promotion_value: f64,
    /// Monthly certainty equivalent of the rep's outside option: the status quo's plus
    /// the rep's premium (set by the status-quo calibration).
    pub outside_option: f64,
    /// Monthly base salary.
    pub base_salary: f64,
    /// Job level at the start.
    pub level: u32,
    /// Tenure in months at the start (of the incumbent, when not [`Rep::tenure_given`]).
    pub tenure: u32,
    /// True when the roster gives the rep's tenure; otherwise each replication finds
    /// the slot held by a recent hire with the status quo's stationary probability
    /// (see [`Rep::quit_hazard`]) and by the incumbent of tenure [`Rep::tenure`] else.
    pub tenure_given: bool,
    /// The rep's mean monthly quit hazard in the status quo's steady state.
    pub quit_hazard: f64,
    /// Customers in the book at the start: the roster's or `team.initial_book` when
    /// [`Rep::book_given`], else the mean of the status quo's stationary book.
    pub book: f64,
    /// True when the book is data (a roster or `team.initial_book`), which every
    /// replication starts from; otherwise each replication draws the rep's starting
    /// book from the stationary distribution, Poisson with mean [`Rep::book`].
    pub book_given: bool,
    /// Pre-plan run-rate of monthly revenue.
    pub run_rate_revenue: f64,
    /// Pre-plan run-rate of monthly new customers.
    pub run_rate_new_customers: f64,
}

/// The funnel outcome model's parameters, in the form the hot loop uses.
#[derive(Clone, Debug, PartialEq)]
pub struct Funnel {
    /// Expected new customers per unit of productivity and acquisition effort.
    pub new_customers_per_effort: f64,
    /// Conversion probability.
    pub conversion: f64,
    /// Mean first-month deal size.
    pub deal_mean: f64,
    /// Variance of the deal size.
    pub deal_var: f64,
    /// Monthly recurring revenue per book customer.
    pub recurring_revenue: f64,
    /// Churn at zero service effort.
    pub churn_at_zero_service: f64,
    /// Rate at which service lowers churn.
    pub churn_service_rate: f64,
    /// Log-odds of satisfaction at zero service effort.
    pub satisfaction_logit_at_zero: f64,
    /// Log-odds gained per unit of service.
    pub satisfaction_slope: f64,
    /// Satisfaction noise in log-odds.
    pub satisfaction_noise: f64,
}

impl Funnel {
    /// Monthly churn probability at service effort `f`.
    #[inline]
    pub fn churn(&self, service: f64) -> f64 {
        self.churn_at_zero_service * (-self.churn_service_rate * service).exp()
    }
}

/// The outcome model.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// Leads, conversions, deals, book, churn, satisfaction.
    Funnel(Funnel),
    /// Output = productivity x effort + N(0, noise_sd^2).
    LinearNormal {
        /// Standard deviation of the noise.
        noise_sd: f64,
    },
}

/// Seasonality and common shock.
#[derive(Clone, Debug, PartialEq)]
pub struct Market {
    /// Demand multiplier of each period of the horizon.
    pub season: Vec<f64>,
    /// Standard deviation of the log shock.
    pub shock_sd: f64,
    /// AR(1) coefficient of the log shock.
    pub persistence: f64,
}

impl Market {
    /// Squared coefficient of variation of the (mean-one) market factor.
    pub fn cv2(&self) -> f64 {
        (self.shock_sd * self.shock_sd).exp_m1()
    }

    /// Seasonal multiplier of period `t` (cycling past the horizon).
    pub fn season_at(&self, t: u32) -> f64 {
        self.season[t as usize % self.season.len()]
    }
}

/// Revenue and new customers: what a rep or the team achieved, or was set as target.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Kpis {
    /// Revenue.
    pub revenue: f64,
    /// New customers.
    pub new_customers: f64,
}

impl Kpis {
    /// Both KPIs zero.
    pub const ZERO: Kpis = Kpis {
        revenue: 0.0,
        new_customers: 0.0,
    };

    /// Adds `other` to both KPIs.
    #[inline]
    pub fn add(&mut self, other: Kpis) {
        self.revenue += other.revenue;
        self.new_customers += other.new_customers;
    }
}

/// A plan compiled for simulation.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// Periods per reward cycle.
    pub cycle_len: u32,
    /// Weight of revenue attainment in the score (weights sum to one).
    pub weight_revenue: f64,
    /// Weight of new-customer attainment in the score.
    pub weight_new_customers: f64,
    /// Months a raise is costed and valued over.
    pub raise_horizon: u32,
    /// Target bonus.
    pub target_bonus: Option<TargetBonus>,
    /// Per-customer reward.
    pub per_customer: Option<PerCustomer>,
    /// Commission.
    pub commission: Option<Commission>,
    /// Promotion.
    pub promotion: Option<Promotion>,
    /// Salary adjustment.
    pub salary_adjustment: Option<SalaryAdjustment>,
    /// Training.
    pub training: Option<Training>,
}

impl Plan {
    /// Compiles a plan section.
    pub fn new(p: &PlanSection) -> Self {
        let total = p.kpi.revenue + p.kpi.new_customers;
        Plan {
            cycle_len: p.cycle.periods(),
            weight_revenue: p.kpi.revenue / total,
            weight_new_customers: p.kpi.new_customers / total,
            raise_horizon: p.raise_horizon,
            target_bonus: p.target_bonus.as_ref().map(TargetBonus::new),
            per_customer: p.per_customer.as_ref().map(PerCustomer::new),
            commission: p.commission.as_ref().map(Commission::new),
            promotion: p.promotion.as_ref().map(Promotion::new),
            salary_adjustment: p.salary_adjustment.as_ref().map(SalaryAdjustment::new),
            training: p.training.as_ref().map(Training::new),
        }
    }

    /// The coefficients `(a_r, a_n)` of the attainment score `a_r R + a_n N` against
    /// `target`: each KPI's weight over its target, 0 for a KPI without a target.
    #[inline]
    pub fn score_coefficients(&self, target: Kpis) -> (f64, f64) {
        let per = |weight: f64, t: f64| if t > 0.0 { weight / t } else { 0.0 };
        (
            per(self.weight_revenue, target.revenue),
            per(self.weight_new_customers, target.new_customers),
        )
    }

    /// The attainment score of `actual` against `target`: the weighted attainment of
    /// the two targets (1.0 = 100 %). Every score in plansim is this one.
    ///
    /// # Formula
    /// `w_r R / T_R + w_n N / T_N`, a term dropped where its target is 0.
    #[inline]
    pub fn score(&self, actual: Kpis, target: Kpis) -> f64 {
        let (ar, an) = self.score_coefficients(target);
        ar * actual.revenue + an * actual.new_customers
    }

    /// True when the team bonus makes the team's attainment the state reps track.
    pub fn team_bonus(&self) -> bool {
        self.target_bonus
            .as_ref()
            .is_some_and(|b| b.basis == Basis::Team)
    }

    /// True when reps must anticipate each other (team pay or a tournament).
    pub fn strategic(&self) -> bool {
        self.team_bonus()
            || self
                .salary_adjustment
                .as_ref()
                .is_some_and(|s| s.team_weight > 0.0)
            || self.tournament_share().is_some()
    }

    /// The promoted share when promotion is a tournament.
    pub fn tournament_share(&self) -> Option<f64> {
        match self.promotion.as_ref().map(|p| p.rule) {
            Some(crate::mechanisms::PromotionRule::Tournament(s)) => Some(s),
            _ => None,
        }
    }

    /// True when a rep's promotion count limits further promotion (eligibility is state).
    pub fn promotion_capped(&self) -> bool {
        self.promotion.is_some()
    }
}

/// Team-wide parameters of labour-market behaviour and effort.
#[derive(Clone, Debug, PartialEq)]
pub struct TeamRules {
    /// Skill at hire.
    pub initial_skill: f64,
    /// Skill ceiling.
    pub max_skill: f64,
    /// Least effort.
    pub min_effort: EffortPair,
    /// Most effort.
    pub max_effort: EffortPair,
    /// Monthly quit probability at the outside option.
    pub base_quit_rate: f64,
    /// Shortfall (share of salary) that multiplies quitting by e.
    pub quit_sensitivity: f64,
    /// Highest monthly quit probability.
    pub max_quit_rate: f64,
    /// Ramp-up months of a new hire.
    pub ramp_periods: u32,
    /// Share of a leaver's book lost.
    pub handover_loss: f64,
    /// Effort the team gives today: the starting point of the status-quo calibration.
    pub reference_effort: EffortPair,
}

impl TeamRules {
    /// Productivity multiplier of a rep with `tenure` months (linear ramp).
    #[inline]
    pub fn ramp(&self, tenure: u32) -> f64 {
        if tenure >= self.ramp_periods {
            1.0
        } else {
            (tenure + 1) as f64 / (self.ramp_periods + 1) as f64
        }
    }
}

/// Everything the engine simulates: team, market, outcome, targets and both plans.
#[derive(Clone, Debug)]
pub struct Model {
    /// Scenario name.
    pub name: String,
    /// Periods in the horizon.
    pub periods: u32,
    /// The reps (team slots).
    pub reps: Vec<Rep>,
    /// Team-wide rules.
    pub rules: TeamRules,
    /// The market.
    pub market: Market,
    /// The outcome model.
    pub outcome: Outcome,
    /// Revenue target rule.
    pub revenue_target: TargetSpec,
    /// New-customer target rule.
    pub new_customer_target: TargetSpec,
    /// The plan under study.
    pub plan: Plan,
    /// The baseline plan.
    pub baseline: Plan,
    /// Budget on incentive cost over the horizon.
    pub budget: Option<f64>,
    /// How well the status quo's steady state, which sets the run-rates, settled.
    pub status_quo: crate::steady_state::StatusQuoFit,
}

fn draw(rng: &mut Xoshiro256PlusPlus, d: &TraitDistribution) -> f64 {
    if d.sd <= 0.0 || d.mean <= 0.0 {
        return d.mean;
    }
    match LogNormal::from_mean_cv(d.mean, d.sd / d.mean) {
        Ok(dist) => dist.sample(rng),
        Err(_) => d.mean,
    }
}

impl Model {
    /// Builds the model of a validated scenario.
    pub fn new(valid: &ValidScenario) -> Model {
        let s: &Scenario = valid.scenario();
        let t = &s.team;
        let outcome = match s.outcome.model {
            OutcomeKind::Funnel => {
                let f = &s.outcome.funnel;
                let logit = |p: f64| (p / (1.0 - p)).ln();
                Outcome::Funnel(Funnel {
                    new_customers_per_effort: f.new_customers_per_effort,
                    conversion: f.conversion,
                    deal_mean: f.deal_size.mean,
                    deal_var: f.deal_size.sd * f.deal_size.sd,
                    recurring_revenue: f.recurring_revenue,
                    churn_at_zero_service: f.churn_at_zero_service,
                    churn_service_rate: f.churn_service_rate,
                    satisfaction_logit_at_zero: logit(f.satisfaction_at_unit_service / 100.0)
                        - f.satisfaction_service_slope,
                    satisfaction_slope: f.satisfaction_service_slope,
                    satisfaction_noise: f.satisfaction_noise,
                })
            }
            OutcomeKind::LinearNormal => Outcome::LinearNormal {
                noise_sd: s.outcome.linear_normal.noise_sd,
            },
        };
        let rules = TeamRules {
            initial_skill: t.initial_skill,
            max_skill: t.max_skill,
            min_effort: t.min_effort,
            max_effort: t.max_effort,
            base_quit_rate: t.base_quit_rate,
            quit_sensitivity: t.quit_sensitivity,
            max_quit_rate: t.max_quit_rate,
            ramp_periods: t.ramp_periods,
            handover_loss: t.handover_loss,
            reference_effort: t.reference_effort,
        };
        let calibrator =
            crate::calibration::Calibrator::new(&outcome, &rules, &s.market.seasonality);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(t.trait_seed);
        let count = valid.roster().map_or(t.size as usize, |r| r.len());
        let mut reps = Vec::with_capacity(count);
        let mut books_given = Vec::with_capacity(count);
        for i in 0..count {
            // Draw every trait in a fixed order so a roster and a generated team share streams.
            let ability = draw(&mut rng, &t.ability);
            let effort_cost = draw(&mut rng, &t.effort_cost);
            let risk_aversion = draw(&mut rng, &t.risk_aversion);
            let promotion_value = draw(&mut rng, &t.promotion_value);
            let outside_premium = t.outside_premium.mean
                + t.outside_premium.sd * Distribution::<f64>::sample(&StandardNormal, &mut rng);
            let base_salary = draw(&mut rng, &t.base_salary);
            let mut rep = Rep {
                id: format!("R{:03}", i + 1),
                ability,
                effort_cost,
                risk_aversion,
                promotion_value,
                outside_option: outside_premium,
                base_salary,
                level: 0,
                tenure: t.initial_tenure,
                tenure_given: false,
                quit_hazard: 0.0,
                book: 0.0,
                book_given: false,
                run_rate_revenue: 0.0,
                run_rate_new_customers: 0.0,
            };
            if let Some(row) = valid.roster().map(|r| &r[i]) {
                rep.id = row.id.clone();
                rep.base_salary = row.base_salary;
                rep.level = row.level;
                rep.tenure = row.tenure_months.unwrap_or(t.initial_tenure);
                rep.tenure_given = row.tenure_months.is_some();
                // Ability from last year's history (crate::calibration), else the draw.
                rep.ability = row.ability.unwrap_or_else(|| {
                    calibrator
                        .estimate(&crate::calibration::History::of(row, rep.tenure))
                        .map_or(ability, |e| e.model_ability())
                });
                if let Some(b) = row.book {
                    rep.book = b;
                }
            }
            let given = valid.roster().and_then(|r| r[i].book).or(t.initial_book);
            rep.book_given = given.is_some();
            books_given.push(given);
            reps.push(rep);
        }
        let periods = s.simulation.periods;
        let mut model = Model {
            name: s.name.clone(),
            periods,
            reps,
            rules,
            market: Market {
                season: s.market.seasonality.clone(),
                shock_sd: s.market.shock_sd,
                persistence: s.market.shock_persistence,
            },
            outcome,
            revenue_target: s.targets.revenue,
            new_customer_target: s.targets.new_customers,
            plan: Plan::new(&s.plan),
            baseline: Plan::new(&s.baseline),
            budget: s.budget.as_ref().map(|b| b.incentive_cost),
            status_quo: crate::steady_state::StatusQuoFit {
                iterations: 0,
                residual: f64::NAN,
                unsettled: 0,
                revenue: Vec::new(),
            },
        };
        model.status_quo = crate::steady_state::calibrate(&mut model, &books_given);
        model
    }

    /// Team run-rate of monthly revenue before the plan.
    pub fn run_rate_revenue(&self) -> f64 {
        self.reps.iter().map(|r| r.run_rate_revenue).sum()
    }

    /// The targets of rep `rep` for the cycle `[from, to)`, where `last_cycle` is what
    /// the rep achieved in the previous cycle (ratchet targets; None in the first).
    ///
    /// This is the one place a cycle's targets are computed: the hot loop, the
    /// behaviour solver and the rounds all call it.
    pub fn cycle_targets(&self, rep: &Rep, from: u32, to: u32, last_cycle: Option<Kpis>) -> Kpis {
        Kpis {
            revenue: cycle_target(
                &self.revenue_target,
                rep.run_rate_revenue,
                from,
                to,
                last_cycle.map(|k| k.revenue),
            ),
            new_customers: cycle_target(
                &self.new_customer_target,
                rep.run_rate_new_customers,
                from,
                to,
                last_cycle.map(|k| k.new_customers),
            ),
        }
    }
}

/// The target of one KPI over periods `[from, to)` under `spec`, for a rep whose
/// pre-plan run-rate is `run_rate` and whose actual KPI in the previous cycle was
/// `previous` (ratchet; None in the first cycle, which then targets the uplift).
///
/// # Formula
/// absolute: `value x len`; uplift: `run_rate (1 + g) len`; compound:
/// `sum over t in [from, to) of run_rate (1 + g)^(t + 1)`; ratchet: `previous (1 + g)`.
pub fn cycle_target(
    spec: &TargetSpec,
    run_rate: f64,
    from: u32,
    to: u32,
    previous: Option<f64>,
) -> f64 {
    let len = (to - from) as f64;
    let g = spec.growth;
    match spec.mode {
        TargetMode::Absolute => spec.value * len,
        TargetMode::Uplift => run_rate * (1.0 + g) * len,
        TargetMode::Compound => (from..to)
            .map(|t| run_rate * (1.0 + g).powi(t as i32 + 1))
            .sum(),
        TargetMode::Ratchet => match previous {
            Some(actual) => actual * (1.0 + g),
            None => run_rate * (1.0 + g) * len,
        },
    }
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
        };
        let actual = Kpis {
            revenue: 100.0,
            new_customers: 20.0,
        };
        assert!((plan.score(actual, target) - (0.25 * 0.5 + 0.75 * 2.0)).abs() < 1e-12);
        // A KPI without a target drops out of the score.
        let no_nc = Kpis {
            new_customers: 0.0,
            ..target
        };
        assert!((plan.score(actual, no_nc) - 0.125).abs() < 1e-12);
    }

    #[test]
    fn targets_follow_their_modes() {
        let spec = |mode| TargetSpec {
            mode,
            growth: 0.2,
            value: 7.0,
        };
        assert!((cycle_target(&spec(TargetMode::Uplift), 100.0, 0, 3, None) - 360.0).abs() < 1e-9);
        let compound = 100.0 * (1.2 + 1.44 + 1.728);
        assert!(
            (cycle_target(&spec(TargetMode::Compound), 100.0, 0, 3, None) - compound).abs() < 1e-9
        );
        assert!((cycle_target(&spec(TargetMode::Absolute), 100.0, 3, 6, None) - 21.0).abs() < 1e-9);
        assert!(
            (cycle_target(&spec(TargetMode::Ratchet), 100.0, 3, 6, Some(400.0)) - 480.0).abs()
                < 1e-9
        );
        // Ratchet: the first cycle targets the uplift of the run-rate.
        assert!((cycle_target(&spec(TargetMode::Ratchet), 100.0, 0, 3, None) - 360.0).abs() < 1e-9);
    }
}
