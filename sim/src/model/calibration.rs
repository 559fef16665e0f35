//! Roster calibration: each rep's ability estimated from last year's history in a
//! CRM or HR export (revenue, new customers and the book today), with its standard
//! error.
//!
//! Under the status quo (the team's reference effort, `team.initial_skill`, the
//! scenario's seasonality, the market at its mean) the funnel is a sum of
//! independent Poisson sources whose rates are proportional to ability `a`: the
//! book at the start of last year (periodic-stationary, Poisson) and each month's
//! leads. Each source adds a mark to the observations `x = (N, Y, B)` (new
//! customers and revenue over the twelve months, customers in the book today), so
//! `x` is compound Poisson with mean `a mu` and covariance `a Sigma`, both computed
//! exactly month by month ([`Calibrator::unit_moments`]). The estimate is the
//! quasi-likelihood (generalised least squares) one,
//!
//! ```text
//! a_hat = mu' Sigma^-1 x / (mu' Sigma^-1 mu),    Var(a_hat) = a / (mu' Sigma^-1 mu),
//! ```
//!
//! unbiased whatever the true ability, the best linear unbiased estimate, and the
//! maximum-likelihood one when only new customers are known (`N / E[N | a = 1]`).
//! Its standard error is `sqrt(a_hat / (mu' Sigma^-1 mu))`: sampling error only; a
//! common market shock last year would move every rep's estimate alike.
//! docs/model.md gives the derivation and the assumptions.

use super::{Outcome, TeamRules};

/// What a roster row says about a rep's last year.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct History {
    /// Revenue over the last twelve months.
    pub revenue: Option<f64>,
    /// New customers over the last twelve months.
    pub new_customers: Option<f64>,
    /// Customers in the book today (used only for a rep present all of last year).
    pub book: Option<f64>,
    /// Months with the company today.
    pub tenure: u32,
}

impl History {
    /// The history of a roster row whose rep has `tenure` months today.
    pub fn of(row: &crate::scenario::RosterRep, tenure: u32) -> Self {
        History {
            revenue: row.last_year_revenue,
            new_customers: row.last_year_new_customers,
            book: row.book,
            tenure,
        }
    }
}

/// An ability estimate with its standard error.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct AbilityEstimate {
    /// The estimate (unbiased; can be 0 for a rep who sold nothing).
    pub ability: f64,
    /// Its standard error (sampling error of last year's outcomes).
    pub std_err: f64,
    /// Number of observations used (of last-year revenue, new customers and book).
    pub observations: usize,
}

/// Smallest ability a calibrated rep gets in the model (a rep who sold nothing).
pub const MIN_ABILITY: f64 = 0.01;

impl AbilityEstimate {
    /// The ability the model uses: the estimate, at least [`MIN_ABILITY`].
    pub fn model_ability(&self) -> f64 {
        self.ability.max(MIN_ABILITY)
    }
}

/// Mean and covariance of the observations `(N, Y, B)` of a rep of ability 1.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct UnitMoments {
    /// Expected new customers, revenue and book today.
    pub mean: [f64; 3],
    /// Their covariance (of a Poisson system: the covariance at ability `a` is `a` times this).
    pub cov: [[f64; 3]; 3],
    /// True when the covariance is proportional to ability (funnel); false when constant (linear-normal).
    pub scales_with_ability: bool,
}

/// Estimates abilities under one scenario's status quo.
#[derive(Clone, Debug)]
pub struct Calibrator {
    outcome: Outcome,
    rules: TeamRules,
    season: Vec<f64>,
}

/// Months of history a roster describes.
const MONTHS: usize = 12;

impl Calibrator {
    /// A calibrator for a model's outcome, team rules and seasonality.
    pub fn new(outcome: &Outcome, rules: &TeamRules, season: &[f64]) -> Self {
        Calibrator {
            outcome: outcome.clone(),
            rules: rules.clone(),
            season: if season.is_empty() {
                vec![1.0]
            } else {
                season.to_vec()
            },
        }
    }

    /// Seasonal factor of month `m` of last year (m = 0..12; the horizon's period 0 follows month 11).
    fn season_last_year(&self, m: usize) -> f64 {
        let s = self.season.len() as i64;
        self.season[(m as i64 - MONTHS as i64).rem_euclid(s) as usize]
    }

    /// Productivity per unit ability and unit acquisition effort in month `m` of last
    /// year for a rep with `tenure` months today (0 before the rep joined).
    fn unit_productivity(&self, m: usize, tenure: u32) -> f64 {
        let tau = tenure as i64 - MONTHS as i64 + m as i64;
        if tau < 0 {
            return 0.0;
        }
        self.rules.initial_skill * self.season_last_year(m) * self.rules.ramp(tau as u32)
    }

    /// Mean and covariance of `(N, Y, B)` for a rep of ability 1 with `tenure` months today.
    pub fn unit_moments(&self, tenure: u32) -> UnitMoments {
        let h = self.rules.reference_effort.acquisition;
        let f = self.rules.reference_effort.service;
        match &self.outcome {
            Outcome::LinearNormal { noise_sd } => {
                let mut mean_y = 0.0;
                let mut present = 0.0;
                for m in 0..MONTHS {
                    let p = self.unit_productivity(m, tenure);
                    mean_y += p * h;
                    if tenure as i64 - MONTHS as i64 + m as i64 >= 0 {
                        present += 1.0;
                    }
                }
                let mut cov = [[0.0; 3]; 3];
                cov[1][1] = noise_sd * noise_sd * present;
                UnitMoments {
                    mean: [0.0, mean_y, 0.0],
                    cov,
                    scales_with_ability: false,
                }
            }
            Outcome::Funnel(fun) => {
                let n0 = fun.new_customers_per_effort;
                let kappa = fun.conversion;
                let (md, vd, rho) = (fun.deal_mean, fun.deal_var, fun.recurring_revenue);
                let q = fun.churn(f);
                let alpha = 1.0 - q;
                let mut mean = [0.0; 3];
                let mut cov = [[0.0; 3]; 3];
                // A Poisson source of `rate` points with marks (n, y, b): its totals have
                // mean rate E[mark] and covariance rate E[mark mark'].
                let mut add = |rate: f64, e: [f64; 3], e2: [[f64; 3]; 3]| {
                    for i in 0..3 {
                        mean[i] += rate * e[i];
                        for j in 0..3 {
                            cov[i][j] += rate * e2[i][j];
                        }
                    }
                };
                // Survival through k churn steps, and the months L survived of K steps:
                // P(L >= k) = alpha^k, so E[L] = sum alpha^k, E[L^2] = sum (2k-1) alpha^k.
                let survival = |k: usize| alpha.powi(k as i32);
                let months_survived = |steps: usize| {
                    let (mut e1, mut e2) = (0.0, 0.0);
                    for k in 1..=steps {
                        e1 += survival(k);
                        e2 += (2 * k - 1) as f64 * survival(k);
                    }
                    (e1, e2)
                };
                let present_at_start = tenure as usize >= MONTHS;
                // The book at the start of last year: periodic-stationary at full ramp,
                // a Poisson count of conversions of earlier months thinned by churn.
                if present_at_start && q > 0.0 {
                    let mut book = 0.0;
                    let mut weight = 1.0;
                    let mut j = 0usize;
                    while weight > 1e-16 && j < 100_000 {
                        let s = self.season.len() as i64;
                        let month = (-(MONTHS as i64) - 1 - j as i64).rem_euclid(s) as usize;
                        book +=
                            weight * kappa * n0 * self.rules.initial_skill * self.season[month] * h;
                        weight *= alpha;
                        j += 1;
                    }
                    let (l1, l2) = months_survived(MONTHS);
                    let all = survival(MONTHS);
                    let k = MONTHS as f64;
                    add(
                        book,
                        [0.0, rho * l1, all],
                        [
                            [0.0, 0.0, 0.0],
                            [0.0, rho * rho * l2, rho * k * all],
                            [0.0, rho * k * all, all],
                        ],
                    );
                }
                // Each month's leads: a lead converts with probability kappa, brings its deal,
                // then recurring revenue for the months it survives, and is in today's book
                // if it survives every remaining churn step.
                for m in 0..MONTHS {
                    let rate = n0 * self.unit_productivity(m, tenure) * h;
                    if rate <= 0.0 {
                        continue;
                    }
                    let steps = MONTHS - 1 - m;
                    let (l1, l2) = months_survived(steps);
                    let all = survival(steps);
                    let k = steps as f64;
                    let ey = kappa * (md + rho * l1);
                    let eb = kappa * all;
                    let eyy = kappa * (vd + md * md + 2.0 * md * rho * l1 + rho * rho * l2);
                    let eyb = kappa * (md * all + rho * k * all);
                    add(
                        rate,
                        [1.0, ey, eb],
                        [[1.0, ey, eb], [ey, eyy, eyb], [eb, eyb, eb]],
                    );
                }
                UnitMoments {
                    mean,
                    cov,
                    scales_with_ability: true,
                }
            }
        }
    }

    /// The observations a history gives, as (index into (N, Y, B), value).
    fn observed(&self, h: &History) -> Vec<(usize, f64)> {
        let linear = matches!(self.outcome, Outcome::LinearNormal { .. });
        let mut obs = Vec::with_capacity(3);
        if let Some(n) = h.new_customers.filter(|_| !linear) {
            obs.push((0, n));
        }
        if let Some(y) = h.revenue {
            obs.push((1, y));
        }
        if let Some(b) = h.book.filter(|_| !linear && h.tenure as usize >= MONTHS) {
            obs.push((2, b));
        }
        obs
    }

    /// The GLS weights `Sigma^-1 mu` and information `mu' Sigma^-1 mu` of a set of
    /// observations; None when they carry no information or are degenerate.
    fn weights(u: &UnitMoments, idx: &[usize]) -> Option<(Vec<f64>, f64)> {
        let k = idx.len();
        if k == 0 {
            return None;
        }
        let mu: Vec<f64> = idx.iter().map(|&i| u.mean[i]).collect();
        let mut a: Vec<Vec<f64>> = idx
            .iter()
            .map(|&i| idx.iter().map(|&j| u.cov[i][j]).collect())
            .collect();
        let w = solve(&mut a, mu.clone())?;
        let info: f64 = mu.iter().zip(&w).map(|(m, w)| m * w).sum();
        (info.is_finite() && info > 0.0).then_some((w, info))
    }

    /// Estimates a rep's ability from its history; None when the history has neither
    /// last year's revenue nor its new customers (or they carry no information).
    pub fn estimate(&self, h: &History) -> Option<AbilityEstimate> {
        if h.revenue.is_none() && h.new_customers.is_none() {
            return None;
        }
        let u = self.unit_moments(h.tenure);
        let mut obs = self.observed(h);
        // Use every observation if their covariance allows; else the most informative single one.
        let idx: Vec<usize> = obs.iter().map(|o| o.0).collect();
        let (w, info) = match Self::weights(&u, &idx) {
            Some(x) => x,
            None => {
                let best = obs
                    .iter()
                    .filter_map(|o| Self::weights(&u, &[o.0]).map(|(w, i)| (*o, w, i)))
                    .max_by(|a, b| a.2.total_cmp(&b.2))?;
                obs = vec![best.0];
                (best.1, best.2)
            }
        };
        let ability = obs.iter().zip(&w).map(|((_, x), w)| x * w).sum::<f64>() / info;
        let var = if u.scales_with_ability {
            ability.max(0.0) / info
        } else {
            1.0 / info
        };
        Some(AbilityEstimate {
            ability,
            std_err: var.sqrt(),
            observations: obs.len(),
        })
    }

    /// Standard error of the estimate from the observations in `h` for a rep whose
    /// true ability is `ability` (what [`AbilityEstimate::std_err`] estimates).
    pub fn std_err_at(&self, h: &History, ability: f64) -> Option<f64> {
        let u = self.unit_moments(h.tenure);
        let idx: Vec<usize> = self.observed(h).iter().map(|o| o.0).collect();
        let (_, info) = Self::weights(&u, &idx)?;
        Some(if u.scales_with_ability {
            (ability / info).sqrt()
        } else {
            (1.0 / info).sqrt()
        })
    }
}

/// Solves `a x = b` by Gaussian elimination with partial pivoting; None when singular.
fn solve(a: &mut [Vec<f64>], mut b: Vec<f64>) -> Option<Vec<f64>> {
    let n = b.len();
    let scale = a
        .iter()
        .flat_map(|r| r.iter())
        .fold(0.0f64, |m, x| m.max(x.abs()));
    if !(scale.is_finite() && scale > 0.0) {
        return None;
    }
    for c in 0..n {
        let p = (c..n).max_by(|&i, &j| a[i][c].abs().total_cmp(&a[j][c].abs()))?;
        if a[p][c].abs() <= 1e-12 * scale {
            return None;
        }
        a.swap(c, p);
        b.swap(c, p);
        let pivot = a[c].clone();
        for r in c + 1..n {
            let f = a[r][c] / pivot[c];
            for (x, p) in a[r].iter_mut().zip(&pivot).skip(c) {
                *x -= f * p;
            }
            b[r] -= f * b[c];
        }
    }
    let mut x = vec![0.0; n];
    for c in (0..n).rev() {
        let s: f64 = (c + 1..n).map(|k| a[c][k] * x[k]).sum();
        x[c] = (b[c] - s) / a[c][c];
    }
    x.iter().all(|v| v.is_finite()).then_some(x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Model;
    use crate::scenario::default_scenario;

    fn calibrator() -> Calibrator {
        let m = Model::new(&default_scenario());
        Calibrator::new(&m.outcome, &m.rules, &m.market.season)
    }

    #[test]
    fn revenue_alone_gives_last_years_revenue_over_its_expectation() {
        let c = calibrator();
        let u = c.unit_moments(36);
        let h = History {
            revenue: Some(1.3 * u.mean[1]),
            tenure: 36,
            ..History::default()
        };
        let e = c.estimate(&h).unwrap();
        assert!((e.ability - 1.3).abs() < 1e-12, "{e:?}");
        assert!((e.std_err - (1.3 * u.cov[1][1]).sqrt() / u.mean[1]).abs() < 1e-12);
        assert_eq!(e.observations, 1);
    }

    #[test]
    fn expected_book_is_the_stationary_one_and_data_at_the_mean_give_ability_one() {
        let c = calibrator();
        let u = c.unit_moments(36);
        // Seasonality averages 1 in the default scenario: the book today is close to the
        // model's steady state (conversions / churn) and yearly new customers to 12 n0.
        let m = Model::new(&default_scenario());
        let crate::model::Outcome::Funnel(f) = &m.outcome else {
            panic!("funnel")
        };
        let steady = 5.0 * f.conversion / f.churn(1.0);
        assert!(
            (u.mean[2] / steady - 1.0).abs() < 0.02,
            "{} vs {steady}",
            u.mean[2]
        );
        assert!((u.mean[0] - 60.0).abs() < 1e-9);
        let h = History {
            revenue: Some(u.mean[1]),
            new_customers: Some(u.mean[0]),
            book: Some(u.mean[2]),
            tenure: 36,
        };
        let e = c.estimate(&h).unwrap();
        assert!(
            (e.ability - 1.0).abs() < 1e-9 && e.observations == 3,
            "{e:?}"
        );
        // More data, less error than new customers alone.
        let only_n = c
            .estimate(&History {
                new_customers: Some(u.mean[0]),
                tenure: 36,
                ..History::default()
            })
            .unwrap();
        assert!(e.std_err < only_n.std_err);
        assert!((only_n.std_err - (1.0 / 60.0f64).sqrt()).abs() < 1e-12);
    }

    #[test]
    fn a_new_hire_is_judged_on_the_months_present_and_not_on_the_book() {
        let c = calibrator();
        let u = c.unit_moments(6);
        assert!(u.mean[0] < 6.0 * 5.0 && u.mean[0] > 0.0);
        let h = History {
            new_customers: Some(u.mean[0] * 0.8),
            book: Some(1e9),
            tenure: 6,
            ..History::default()
        };
        let e = c.estimate(&h).unwrap();
        assert!((e.ability - 0.8).abs() < 1e-12 && e.observations == 1);
        assert!(c.estimate(&History::default()).is_none());
    }

    #[test]
    fn solver_inverts_and_refuses_singular_systems() {
        let mut a = vec![vec![4.0, 1.0], vec![1.0, 3.0]];
        let x = solve(&mut a, vec![1.0, 2.0]).unwrap();
        assert!((4.0 * x[0] + x[1] - 1.0).abs() < 1e-12 && (x[0] + 3.0 * x[1] - 2.0).abs() < 1e-12);
        let mut s = vec![vec![1.0, 2.0], vec![2.0, 4.0]];
        assert!(solve(&mut s, vec![1.0, 2.0]).is_none());
    }
}
