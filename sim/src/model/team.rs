//! The team (docs/model.md section 1): each rep's traits and starting state, drawn
//! from the scenario's distributions or read from a roster, and the team-wide rules
//! of effort, quitting and ramp-up.

use rand::SeedableRng;
use rand_distr::{Distribution, LogNormal, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::calibration::{Calibrator, History};
use crate::normal;
use crate::scenario::{EffortPair, HiringSection, TeamSection, TraitDistribution, ValidScenario};

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
    /// Deals that move across a cycle's end (`[team.deal_timing]`), if any.
    pub deal_timing: Option<super::DealTiming>,
    /// How reps plan the rest of a cycle (`team.planning`, docs/model.md section 8.9).
    pub planning: crate::scenario::Planning,
}

impl TeamRules {
    /// The rules of a scenario's `[team]` section.
    pub fn new(t: &TeamSection) -> Self {
        TeamRules {
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
            deal_timing: t.deal_timing.as_ref().map(super::DealTiming::new),
            planning: t.planning,
        }
    }

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

/// The hiring pool of `[team.hiring]` (docs/model.md section 10.1): a replacement
/// hire's ability is drawn from it by inversion of one uniform, and the hire follows the
/// policy solved for the ability type of the pool's equal-probability band the uniform
/// falls in.
#[derive(Clone, Debug, PartialEq)]
pub struct Hiring {
    /// Log-normal location of the pool's ability (`ln(mean) - sigma^2 / 2`).
    mu: f64,
    /// Log-normal scale of the pool's ability (0 when every hire is alike).
    sigma: f64,
    /// The pool's mean ability: the outside option rises with ability above it.
    mean: f64,
    /// Rise of the monthly outside option per unit of ability above the pool's mean.
    outside_per_ability: f64,
    /// Scale of applicants' response to the job's surplus, a share of salary (None:
    /// every applicant takes the job).
    applicant_sensitivity: Option<f64>,
    /// Ability of each type: the median of its band, the pool's `(g + 1/2) / G` quantile.
    types: Vec<f64>,
    /// Each slot's hire types (`slot * G + g`), with the slot's traits but the type's
    /// ability and outside option; empty until the status quo is calibrated.
    reps: Vec<Rep>,
}

impl Hiring {
    /// The pool of a scenario's `[team.hiring]`.
    pub fn new(h: &HiringSection) -> Self {
        let (mu, sigma) = lognormal_params(&h.ability);
        let g = h.types as usize;
        let types = (0..g)
            .map(|k| (mu + sigma * normal::quantile((k as f64 + 0.5) / g as f64)).exp())
            .collect();
        Hiring {
            mu,
            sigma,
            mean: h.ability.mean,
            outside_per_ability: h.outside_option_per_ability,
            applicant_sensitivity: h.applicant_sensitivity,
            types,
            reps: Vec::new(),
        }
    }

    /// Number of ability types.
    #[inline]
    pub fn type_count(&self) -> usize {
        self.types.len()
    }

    /// Ability of each type.
    pub fn types(&self) -> &[f64] {
        &self.types
    }

    /// The pool's mean ability.
    pub fn mean(&self) -> f64 {
        self.mean
    }

    /// The premium of the outside option of a rep of `ability` over the pool's mean.
    pub fn outside_premium(&self, ability: f64) -> f64 {
        self.outside_per_ability * (ability - self.mean)
    }

    /// The hire a uniform `u` in (0, 1) gives: its ability (the pool's `u` quantile)
    /// and its type (the band `floor(u G)`).
    #[inline]
    pub fn hire(&self, u: f64) -> (f64, usize) {
        let g = ((u * self.types.len() as f64) as usize).min(self.types.len() - 1);
        ((self.mu + self.sigma * normal::quantile(u)).exp(), g)
    }

    /// The probability that an applicant takes the job (docs/model.md section 10.1):
    /// one when applicants do not respond to the plan, else logistic in the job's
    /// monthly `surplus` over the applicant's outside option, on the scale of
    /// `applicant_sensitivity x salary`.
    pub fn acceptance(&self, surplus: f64, salary: f64) -> f64 {
        self.log_acceptance(surplus, salary).exp()
    }

    /// The logarithm of [`Hiring::acceptance`], `-ln(1 + exp(-x))` with `x` the surplus
    /// over its scale, computed without overflow for any surplus.
    pub fn log_acceptance(&self, surplus: f64, salary: f64) -> f64 {
        match self.applicant_sensitivity {
            None => 0.0,
            Some(s) => {
                let y = -surplus / (s * salary);
                -(y.max(0.0) + (-y.abs()).exp().ln_1p())
            }
        }
    }

    /// True when applicants respond to the plan (`applicant_sensitivity` given).
    pub fn applicants_respond(&self) -> bool {
        self.applicant_sensitivity.is_some()
    }

    /// The hire a uniform `u` in (0, 1) gives when the types' bands are taken up in
    /// proportion to their cumulative weights `cdf` (`cdf[g]` the share of hires from
    /// bands `0..=g`, the last 1): the band `g` with `cdf[g - 1] <= u < cdf[g]`, and
    /// within it the ability at the same relative position, the pool's
    /// `(g + (u - cdf[g - 1]) / (cdf[g] - cdf[g - 1])) / G` quantile. With equal
    /// weights this is [`Hiring::hire`].
    pub fn hire_weighted(&self, u: f64, cdf: &[f64]) -> (f64, usize) {
        let n = self.types.len();
        let g = cdf[..n - 1].iter().take_while(|&&c| u >= c).count();
        let lo = if g == 0 { 0.0 } else { cdf[g - 1] };
        let within = ((u - lo) / (cdf[g] - lo)).clamp(0.0, 1.0);
        // Inside the band, away from its ends where the quantile is infinite.
        let v = ((g as f64 + within) / n as f64).clamp(f64::EPSILON, 1.0 - f64::EPSILON);
        ((self.mu + self.sigma * normal::quantile(v)).exp(), g)
    }

    /// Each slot's hire types (`slot * G + g`), set by the status quo's calibration.
    pub fn reps(&self) -> &[Rep] {
        &self.reps
    }

    pub(crate) fn set_reps(&mut self, reps: Vec<Rep>) {
        self.reps = reps;
    }
}

/// Log-normal (mu, sigma) with a distribution's mean and sd; sigma 0 (every draw the
/// mean) when the sd or the mean is not positive.
fn lognormal_params(d: &TraitDistribution) -> (f64, f64) {
    if d.sd <= 0.0 || d.mean <= 0.0 {
        return (d.mean.max(f64::MIN_POSITIVE).ln(), 0.0);
    }
    let s2 = (d.sd / d.mean).powi(2).ln_1p();
    (d.mean.ln() - 0.5 * s2, s2.sqrt())
}

/// A draw of a trait: log-normal with the distribution's mean and sd, or the mean
/// itself when the sd (or the mean) is not positive.
fn draw(rng: &mut Xoshiro256PlusPlus, d: &TraitDistribution) -> f64 {
    if d.sd <= 0.0 || d.mean <= 0.0 {
        return d.mean;
    }
    match LogNormal::from_mean_cv(d.mean, d.sd / d.mean) {
        Ok(dist) => dist.sample(rng),
        Err(_) => d.mean,
    }
}

/// The reps of a validated scenario, before the status quo is calibrated: traits drawn
/// from `team.trait_seed` (a roster's columns replace the draws they give, and a
/// roster rep's ability without a column is estimated from last year's history by
/// `calibrator`), and each rep's book where the scenario gives it (the roster's or
/// `team.initial_book`), None where the status quo's steady state sets it.
///
/// Each rep's `outside_option` holds the drawn premium, to which the calibration adds
/// the status quo's value; run-rates, hazards and other books are 0 until then.
pub(super) fn draw_team(
    valid: &ValidScenario,
    calibrator: &Calibrator,
) -> (Vec<Rep>, Vec<Option<f64>>) {
    let t = &valid.scenario().team;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(t.trait_seed);
    let count = valid.roster().map_or(t.size as usize, |r| r.len());
    let mut reps = Vec::with_capacity(count);
    let mut books_given = Vec::with_capacity(count);
    let hiring = t.hiring.as_ref().map(Hiring::new);
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
            // Ability from last year's history (the roster calibration), else the draw.
            rep.ability = row.ability.unwrap_or_else(|| {
                calibrator
                    .estimate(&History::of(row, rep.tenure))
                    .map_or(ability, |e| e.model_ability())
            });
            if let Some(b) = row.book {
                rep.book = b;
            }
        }
        if let Some(h) = &hiring {
            // Outside options rise with ability (selection, section 10.1).
            rep.outside_option += h.outside_premium(rep.ability);
        }
        let given = valid.roster().and_then(|r| r[i].book).or(t.initial_book);
        rep.book_given = given.is_some();
        books_given.push(given);
        reps.push(rep);
    }
    (reps, books_given)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngCore;

    fn pool(sensitivity: Option<f64>) -> Hiring {
        Hiring::new(&HiringSection {
            ability: TraitDistribution {
                mean: 60.0,
                sd: 18.0,
            },
            types: 5,
            outside_option_per_ability: 0.0,
            applicant_sensitivity: sensitivity,
        })
    }

    /// Equal weights give the unweighted draw: the same band and, to rounding, the
    /// same ability.
    #[test]
    fn equal_weights_draw_the_pool() {
        let h = pool(None);
        let cdf = [0.2, 0.4, 0.6, 0.8, 1.0];
        for k in 1..1000 {
            let u = k as f64 / 1000.0 - 0.000_37;
            let (a, g) = h.hire(u);
            let (b, k) = h.hire_weighted(u, &cdf);
            assert_eq!(g, k, "u {u}");
            assert!((a - b).abs() <= 1e-9 * a, "u {u}: {a} against {b}");
        }
    }

    /// Weighted draws: a band of weight zero is never drawn, and the mean ability is the
    /// closed form, the weighted sum of the log-normal's mean over each band:
    /// `G exp(mu + sigma^2 / 2) (Phi(z_hi - sigma) - Phi(z_lo - sigma))` for the band
    /// between the pool's quantiles `z_lo`, `z_hi`. Within 5 standard errors of 200,000
    /// draws on a fixed seed.
    #[test]
    fn weighted_draws_have_the_closed_form_mean() {
        let h = pool(Some(0.15));
        let weights = [0.1, 0.0, 0.2, 0.3, 0.4];
        let mut cdf = [0.0; 5];
        let mut sum = 0.0;
        for (c, w) in cdf.iter_mut().zip(weights) {
            sum += w;
            *c = sum;
        }
        cdf[4] = 1.0;
        let g = weights.len();
        let expected: f64 = (0..g)
            .map(|k| {
                let lo = normal::quantile(k as f64 / g as f64);
                let hi = normal::quantile((k + 1) as f64 / g as f64);
                weights[k]
                    * g as f64
                    * (h.mu + 0.5 * h.sigma * h.sigma).exp()
                    * (normal::cdf(hi - h.sigma) - normal::cdf(lo - h.sigma))
            })
            .sum();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        let n = 200_000;
        let (mut s1, mut s2) = (0.0, 0.0);
        for _ in 0..n {
            let u = ((rng.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
            let (a, band) = h.hire_weighted(u, &cdf);
            assert_ne!(band, 1, "a band of weight 0 is never drawn");
            s1 += a;
            s2 += a * a;
        }
        let mean = s1 / n as f64;
        let se = ((s2 / n as f64 - mean * mean) / n as f64).sqrt();
        assert!(
            (mean - expected).abs() < 5.0 * se,
            "mean {mean} against {expected} (se {se})"
        );
    }

    /// Acceptance is logistic in the surplus over `sensitivity x salary`, one half at
    /// no surplus, and one for every surplus when applicants do not respond.
    #[test]
    fn acceptance_is_logistic_in_the_surplus() {
        let h = pool(Some(0.5));
        assert_eq!(h.acceptance(0.0, 100.0), 0.5);
        let x: f64 = 30.0 / 50.0;
        assert!((h.acceptance(30.0, 100.0) - 1.0 / (1.0 + (-x).exp())).abs() < 1e-15);
        assert!(h.log_acceptance(-1e9, 100.0).is_finite());
        assert_eq!(pool(None).acceptance(-1e9, 100.0), 1.0);
    }
}
