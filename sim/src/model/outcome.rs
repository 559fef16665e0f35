//! The outcome model (docs/model.md section 3): what effort and productivity produce.

use crate::scenario::{OutcomeKind, OutcomeSection};

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
    /// Probability that a month's satisfaction score at service effort `service` is at
    /// least `gate` (0-100): `Phi((l(f) - logit(gate / 100)) / sigma_s)`, `l(f)` the
    /// score's log-odds before noise (a step at `l(f)` without noise).
    pub fn satisfaction_at_least(&self, service: f64, gate: f64) -> f64 {
        let l = self.satisfaction_logit_at_zero + self.satisfaction_slope * service;
        let g = gate / 100.0;
        let threshold = if g <= 0.0 {
            f64::NEG_INFINITY
        } else if g >= 1.0 {
            f64::INFINITY
        } else {
            (g / (1.0 - g)).ln()
        };
        if self.satisfaction_noise > 0.0 {
            crate::normal::cdf((l - threshold) / self.satisfaction_noise)
        } else if l >= threshold {
            1.0
        } else {
            0.0
        }
    }

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

impl Outcome {
    /// Compiles a scenario's `[outcome]` section.
    pub fn new(o: &OutcomeSection) -> Self {
        match o.model {
            OutcomeKind::Funnel => {
                let f = &o.funnel;
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
                noise_sd: o.linear_normal.noise_sd,
            },
        }
    }
}
