//! A plan compiled for simulation (docs/model.md sections 4 and 5): the score's
//! weights and the mechanisms in force.

use crate::mechanisms::{
    Commission, PerCustomer, Promotion, PromotionRule, SalaryAdjustment, SatisfactionPay,
    TargetBonus, Training,
};
use crate::scenario::{Basis, PlanSection};

/// Revenue, new customers and satisfaction: what a rep or the team achieved, or was
/// set as target.
///
/// Satisfaction is the sum of monthly satisfaction scores (0-100 each) over the
/// months counted, and its target the target level times the cycle's months, so that
/// the score's satisfaction term is the cycle's mean score over the level at the
/// cycle's close (docs/model.md section 4).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Kpis {
    /// Revenue.
    pub revenue: f64,
    /// New customers.
    pub new_customers: f64,
    /// Sum of monthly satisfaction scores.
    pub satisfaction: f64,
}

impl Kpis {
    /// Every KPI zero.
    pub const ZERO: Kpis = Kpis {
        revenue: 0.0,
        new_customers: 0.0,
        satisfaction: 0.0,
    };

    /// Adds `other` to every KPI.
    #[inline]
    pub fn add(&mut self, other: Kpis) {
        self.revenue += other.revenue;
        self.new_customers += other.new_customers;
        self.satisfaction += other.satisfaction;
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
    /// Weight of satisfaction attainment in the score (0 unless the plan weighs it).
    pub weight_satisfaction: f64,
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
    /// Satisfaction's gate on, and multiplier of, the target bonus and commission.
    pub satisfaction_pay: Option<SatisfactionPay>,
    /// Periods of the plan's shorter cycle where its bonus or commission names one
    /// (docs/model.md section 5); None when every mechanism runs on `cycle_len`.
    pub short_cycle_len: Option<u32>,
    /// The target bonus is paid on the shorter cycle.
    pub bonus_on_short: bool,
    /// The commission is paid on the shorter cycle.
    pub commission_on_short: bool,
}

impl Plan {
    /// Compiles a plan section.
    pub fn new(p: &PlanSection) -> Self {
        let total = p.kpi.revenue + p.kpi.new_customers + p.kpi.satisfaction;
        let cycle_len = p.cycle.periods();
        // A mechanism's own cycle, where it is shorter than the plan's (validation
        // allows one shorter cycle at most).
        let short =
            |c: Option<crate::scenario::Cycle>| c.map(|c| c.periods()).filter(|&n| n < cycle_len);
        let bonus = short(p.target_bonus.as_ref().and_then(|b| b.cycle));
        let commission = short(p.commission.as_ref().and_then(|c| c.cycle));
        Plan {
            cycle_len,
            weight_revenue: p.kpi.revenue / total,
            weight_new_customers: p.kpi.new_customers / total,
            weight_satisfaction: p.kpi.satisfaction / total,
            raise_horizon: p.raise_horizon,
            target_bonus: p.target_bonus.as_ref().map(TargetBonus::new),
            per_customer: p.per_customer.as_ref().map(PerCustomer::new),
            commission: p.commission.as_ref().map(Commission::new),
            promotion: p.promotion.as_ref().map(Promotion::new),
            salary_adjustment: p.salary_adjustment.as_ref().map(SalaryAdjustment::new),
            training: p.training.as_ref().map(Training::new),
            satisfaction_pay: p
                .satisfaction
                .as_ref()
                .map(SatisfactionPay::new)
                .filter(|s| !s.is_neutral()),
            short_cycle_len: bonus.or(commission),
            bonus_on_short: bonus.is_some(),
            commission_on_short: commission.is_some(),
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

    /// The coefficient `a_s` of the satisfaction sum in the attainment score against
    /// `target`: the satisfaction weight over the target's satisfaction sum (the level
    /// times the cycle's months), 0 without a weight or a target.
    #[inline]
    pub fn satisfaction_coefficient(&self, target: Kpis) -> f64 {
        if self.weight_satisfaction > 0.0 && target.satisfaction > 0.0 {
            self.weight_satisfaction / target.satisfaction
        } else {
            0.0
        }
    }

    /// The attainment score of `actual` against `target`: the weighted attainment of
    /// the targets (1.0 = 100 %). Every score in plansim is this one.
    ///
    /// # Formula
    /// `w_r R / T_R + w_n N / T_N + w_s S / T_S`, a term dropped where its target is 0
    /// (S the sum of monthly satisfaction scores, T_S the target level times the
    /// cycle's months; the satisfaction term is left out, exactly, without its weight).
    #[inline]
    pub fn score(&self, actual: Kpis, target: Kpis) -> f64 {
        let (ar, an) = self.score_coefficients(target);
        let score = ar * actual.revenue + an * actual.new_customers;
        if self.weight_satisfaction > 0.0 {
            score + self.satisfaction_coefficient(target) * actual.satisfaction
        } else {
            score
        }
    }

    /// True when the plan pays on satisfaction beyond the per-customer gate: a weight in
    /// the score, or a gate on or multiplier of the cycle's pay. The forecast then
    /// needs satisfaction's moments.
    #[inline]
    pub fn prices_satisfaction(&self) -> bool {
        self.weight_satisfaction > 0.0 || self.satisfaction_pay.is_some()
    }

    /// Periods of the cycle the policy table's attainment axis tracks: the shorter
    /// cycle where the plan has two, else the plan's cycle.
    #[inline]
    pub fn primary_cycle_len(&self) -> u32 {
        self.short_cycle_len.unwrap_or(self.cycle_len)
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
            Some(PromotionRule::Tournament(s)) => Some(s),
            _ => None,
        }
    }

    /// True when a rep's promotion count limits further promotion (eligibility is state).
    pub fn promotion_capped(&self) -> bool {
        self.promotion.is_some()
    }
}
