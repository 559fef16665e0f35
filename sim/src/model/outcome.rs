//! The outcome model (docs/model.md section 3): what effort and productivity produce.

use crate::scenario::{OutcomeKind, OutcomeSection};
use crate::vmath;

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

    /// Mean and variance of one month's satisfaction score (0-100) at service effort
    /// `service`: `Sat = 100 L(l(f) + sigma_s z)` with L the logistic function and z
    /// standard normal (docs/model.md section 3.1). Months are independent given the
    /// effort, so a cycle's sum of K months has K times both.
    ///
    /// # Method
    /// `E[L(X)^k]` for `X ~ N(l, sigma^2)`, k = 1, 2, by quadrature
    /// (`logistic_normal_moments`): 32-point Gauss-Hermite in z when `sigma <= 1`
    /// (the integrand is smooth on the normal's scale); otherwise, since
    /// `L(x)^k = P(x > M_k)` with `M_k` the largest of k independent standard logistics
    /// (whose distribution function is `L^k`), `E[L(X)^k] = E[Phi((l - M_k) / sigma)]`,
    /// integrated over `u = L(M_k)^k` uniform on (0, 1) by 64-point Gauss-Legendre (the
    /// integrand is then smooth on the logistic's scale). Tested against Monte Carlo.
    pub fn satisfaction_moments(&self, service: f64) -> (f64, f64) {
        let l = self.satisfaction_logit_at_zero + self.satisfaction_slope * service;
        let (m1, m2) = logistic_normal_moments(l, self.satisfaction_noise);
        (100.0 * m1, (1e4 * (m2 - m1 * m1)).max(0.0))
    }

    /// Monthly churn probability at service effort `f`.
    #[inline]
    pub fn churn(&self, service: f64) -> f64 {
        self.churn_lanes(&[service])[0]
    }

    /// [`Funnel::churn`] of each lane's service effort (the hot loop's eight reps at once).
    #[inline(always)]
    pub fn churn_lanes<const L: usize>(&self, service: &[f64; L]) -> [f64; L] {
        self.churn_from_decay(&vmath::exp_lanes(&self.churn_exponent_lanes(service)))
    }

    /// The exponent of [`Funnel::churn_lanes`]' decay with service: `-rate x service`.
    #[inline(always)]
    pub fn churn_exponent_lanes<const L: usize>(&self, service: &[f64; L]) -> [f64; L] {
        service.map(|f| -self.churn_service_rate * f)
    }

    /// [`Funnel::churn_lanes`] from the exp of its exponent (the hot loop's kernel
    /// takes the exps of its independent exponents at once).
    #[inline(always)]
    pub fn churn_from_decay<const L: usize>(&self, decay: &[f64; L]) -> [f64; L] {
        decay.map(|d| self.churn_at_zero_service * d)
    }

    /// A month's satisfaction score (0 to 100) of each lane, at service effort
    /// `service` and standard normal noise `z`: the logistic of a logit linear in
    /// service.
    #[inline(always)]
    pub fn satisfaction_lanes<const L: usize>(&self, service: &[f64; L], z: &[f64; L]) -> [f64; L] {
        Self::satisfaction_from_exp(&vmath::exp_lanes(
            &self.satisfaction_exponent_lanes(service, z),
        ))
    }

    /// The exponent of [`Funnel::satisfaction_lanes`]: minus each lane's logit.
    #[inline(always)]
    pub fn satisfaction_exponent_lanes<const L: usize>(
        &self,
        service: &[f64; L],
        z: &[f64; L],
    ) -> [f64; L] {
        let mut minus_logit = [0.0; L];
        for i in 0..L {
            let logit = self.satisfaction_logit_at_zero
                + self.satisfaction_slope * service[i]
                + self.satisfaction_noise * z[i];
            minus_logit[i] = -logit;
        }
        minus_logit
    }

    /// [`Funnel::satisfaction_lanes`] from the exp of its exponent: the logistic's
    /// `100 / (1 + e)`.
    #[inline(always)]
    pub fn satisfaction_from_exp<const L: usize>(e: &[f64; L]) -> [f64; L] {
        e.map(|e| 100.0 / (1.0 + e))
    }
}

/// `E[L(X)]` and `E[L(X)^2]` for `X ~ N(mean, sd^2)`, L the logistic function (see
/// [`Funnel::satisfaction_moments`] for the method).
pub(crate) fn logistic_normal_moments(mean: f64, sd: f64) -> (f64, f64) {
    let logistic = |x: f64| 1.0 / (1.0 + (-x).exp());
    if sd <= 0.0 {
        let p = logistic(mean);
        return (p, p * p);
    }
    if sd <= 1.0 {
        let (nodes, weights) = gauss_hermite();
        let (mut m1, mut m2) = (0.0, 0.0);
        for (&z, &w) in nodes.iter().zip(weights) {
            let p = logistic(mean + sd * z);
            m1 += w * p;
            m2 += w * p * p;
        }
        return (m1, m2);
    }
    let (nodes, weights) = gauss_legendre();
    let (mut m1, mut m2) = (0.0, 0.0);
    for (&u, &w) in nodes.iter().zip(weights) {
        // M_1 = logit(u), M_2 = logit(sqrt(u)).
        let logit = |p: f64| (p / (1.0 - p)).ln();
        m1 += w * crate::normal::cdf((mean - logit(u)) / sd);
        m2 += w * crate::normal::cdf((mean - logit(u.sqrt())) / sd);
    }
    (m1, m2)
}

/// Nodes of the Gauss-Hermite rules.
const HERMITE_NODES: usize = 32;
/// Nodes of the Gauss-Legendre rule.
const LEGENDRE_NODES: usize = 64;

/// The 32-point Gauss-Hermite rule for the standard normal ([`crate::normal::gauss_hermite`]),
/// computed once.
fn gauss_hermite() -> &'static (Vec<f64>, Vec<f64>) {
    static RULE: std::sync::OnceLock<(Vec<f64>, Vec<f64>)> = std::sync::OnceLock::new();
    RULE.get_or_init(|| crate::normal::gauss_hermite(HERMITE_NODES))
}

/// The 64-point Gauss-Legendre rule on (0, 1): nodes and weights (summing to 1),
/// computed once by Newton's method on the Legendre polynomials (Press et al.,
/// Numerical Recipes 2007, section 4.6).
fn gauss_legendre() -> &'static ([f64; LEGENDRE_NODES], [f64; LEGENDRE_NODES]) {
    static RULE: std::sync::OnceLock<([f64; LEGENDRE_NODES], [f64; LEGENDRE_NODES])> =
        std::sync::OnceLock::new();
    RULE.get_or_init(|| {
        let n = LEGENDRE_NODES;
        let nf = n as f64;
        let (mut x, mut w) = ([0.0; LEGENDRE_NODES], [0.0; LEGENDRE_NODES]);
        for i in 0..n.div_ceil(2) {
            let mut z = (std::f64::consts::PI * (i as f64 + 0.75) / (nf + 0.5)).cos();
            let mut pp = 0.0;
            for _ in 0..100 {
                let (mut p1, mut p2) = (1.0, 0.0);
                for j in 1..=n {
                    let p3 = p2;
                    p2 = p1;
                    let jf = j as f64;
                    p1 = ((2.0 * jf - 1.0) * z * p2 - (jf - 1.0) * p3) / jf;
                }
                pp = nf * (z * p1 - p2) / (z * z - 1.0);
                let step = p1 / pp;
                z -= step;
                if step.abs() <= 1e-15 {
                    break;
                }
            }
            // Mapped from (-1, 1) to (0, 1).
            x[i] = 0.5 * (1.0 - z);
            x[n - 1 - i] = 0.5 * (1.0 + z);
            w[i] = 1.0 / ((1.0 - z * z) * pp * pp);
            w[n - 1 - i] = w[i];
        }
        (x, w)
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quadrature_rules_integrate_polynomials_exactly() {
        let (z, w) = gauss_hermite();
        let moment = |k: i32| z.iter().zip(w).map(|(z, w)| w * z.powi(k)).sum::<f64>();
        assert!((moment(0) - 1.0).abs() < 1e-13);
        assert!(moment(1).abs() < 1e-13);
        assert!((moment(2) - 1.0).abs() < 1e-12);
        assert!((moment(4) - 3.0).abs() < 1e-11);
        let (u, w) = gauss_legendre();
        let moment = |k: i32| u.iter().zip(w).map(|(u, w)| w * u.powi(k)).sum::<f64>();
        assert!((moment(0) - 1.0).abs() < 1e-13);
        assert!((moment(3) - 0.25).abs() < 1e-13);
    }

    /// The satisfaction score's mean and variance match a Monte Carlo estimate within
    /// 4.5 standard errors, in both of the quadrature's regimes and at the regimes'
    /// border; without noise the score is a point.
    #[test]
    fn satisfaction_moments_match_monte_carlo() {
        use rand::{RngCore, SeedableRng};
        let n = 400_000;
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(11);
        for (l, sd) in [
            (1.1, 0.3),
            (-0.4, 1.0),
            (0.7, 1.0 + 1e-9),
            (0.5, 3.0),
            (2.0, 12.0),
        ] {
            let fun = Funnel {
                new_customers_per_effort: 1.0,
                conversion: 0.5,
                deal_mean: 1.0,
                deal_var: 0.0,
                recurring_revenue: 1.0,
                churn_at_zero_service: 0.1,
                churn_service_rate: 1.0,
                satisfaction_logit_at_zero: l,
                satisfaction_slope: 0.0,
                satisfaction_noise: sd,
            };
            let (mean, var) = fun.satisfaction_moments(0.0);
            let draws: Vec<f64> = (0..n)
                .map(|_| {
                    let z = crate::rng::std_normal(crate::rng::open_uniform(rng.next_u64()));
                    fun.satisfaction_lanes(&[0.0], &[z])[0]
                })
                .collect();
            let m = draws.iter().sum::<f64>() / n as f64;
            let v = draws.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1) as f64;
            let fourth = draws.iter().map(|x| (x - m).powi(4)).sum::<f64>() / n as f64;
            let se_mean = (v / n as f64).sqrt();
            let se_var = ((fourth - v * v) / n as f64).sqrt();
            assert!(
                (mean - m).abs() < 4.5 * se_mean,
                "l {l} sd {sd}: mean {mean} vs {m} (se {se_mean})"
            );
            assert!(
                (var - v).abs() < 4.5 * se_var,
                "l {l} sd {sd}: var {var} vs {v} (se {se_var})"
            );
        }
        let point = Funnel {
            new_customers_per_effort: 1.0,
            conversion: 0.5,
            deal_mean: 1.0,
            deal_var: 0.0,
            recurring_revenue: 1.0,
            churn_at_zero_service: 0.1,
            churn_service_rate: 1.0,
            satisfaction_logit_at_zero: 0.0,
            satisfaction_slope: 1.0,
            satisfaction_noise: 0.0,
        };
        let (m, v) = point.satisfaction_moments(1.0);
        assert!((m - 100.0 / (1.0 + (-1.0f64).exp())).abs() < 1e-12 && v == 0.0);
    }
}
