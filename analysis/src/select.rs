//! Ranking and selection of plan variants: the Kim-Nelson fully sequential
//! procedure with an indifference zone, and a paired bootstrap of the probability
//! that each variant is best.
//!
//! Kim and Nelson (2001, "A fully sequential procedure for indifference-zone
//! selection in simulation", ACM TOMACS 11(3)): with k variants, a first stage of
//! n0 replications, an indifference zone d and confidence 1 - alpha,
//!
//! ```text
//! eta = ((2 alpha / (k - 1))^(-2 / (n0 - 1)) - 1) / 2,    h^2 = 2 eta (n0 - 1),
//! S2_il = sample variance of X_i - X_l over the first n0 replications,
//! W_il(r) = max(0, d / (2 r) (h^2 S2_il / d^2 - r)),
//! ```
//!
//! and after each replication r >= n0 a surviving variant i is eliminated when
//! `mean_i(r) < mean_l(r) - W_il(r)` for some other survivor l. The procedure stops
//! when one variant survives: with probability at least 1 - alpha it is the best, or
//! within d of the best. Common random numbers are allowed (the variances are of
//! paired differences). Here the replications are capped by a budget; when it is
//! spent with several survivors, the one with the highest mean is named, and the
//! verdict says that the procedure did not finish.
//!
//! The probability that each variant is best is estimated by a paired bootstrap:
//! resampling whole replications (every variant's value of the same replication
//! together, which keeps the common random numbers' pairing) and counting how often
//! each variant has the highest mean (ties shared). It is the chance each variant
//! would come out on top if the experiment were repeated, a measure of Monte Carlo
//! uncertainty; it is not a Bayesian posterior.

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::Serialize;

/// Fewest first-stage replications the procedure accepts: fewer leave the variances
/// of the paired differences too rough to build its continuation region on.
pub const MIN_FIRST_STAGE: usize = 10;

/// A setting of the Kim-Nelson procedure out of its range.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
pub enum KnSettingsError {
    /// The confidence of a correct selection is not between 0.5 and 1.
    #[error("must be between 0.5 and 1 (exclusive), got {0}")]
    Confidence(f64),
    /// The first stage is shorter than [`MIN_FIRST_STAGE`].
    #[error("must be at least {MIN_FIRST_STAGE}, got {0}")]
    FirstStage(usize),
    /// The indifference zone is not a positive number.
    #[error("must be a positive number, got {0}")]
    Indifference(f64),
}

/// Checks a confidence of a correct selection: between 0.5 and 1, exclusive.
pub fn check_confidence(confidence: f64) -> Result<f64, KnSettingsError> {
    if confidence > 0.5 && confidence < 1.0 {
        Ok(confidence)
    } else {
        Err(KnSettingsError::Confidence(confidence))
    }
}

/// Checks a first stage: at least [`MIN_FIRST_STAGE`] replications.
pub fn check_first_stage(first_stage: usize) -> Result<usize, KnSettingsError> {
    if first_stage >= MIN_FIRST_STAGE {
        Ok(first_stage)
    } else {
        Err(KnSettingsError::FirstStage(first_stage))
    }
}

/// Checks an indifference zone: a positive, finite number.
pub fn check_indifference(indifference: f64) -> Result<f64, KnSettingsError> {
    if indifference.is_finite() && indifference > 0.0 {
        Ok(indifference)
    } else {
        Err(KnSettingsError::Indifference(indifference))
    }
}

/// Settings of the Kim-Nelson procedure, each checked when they are made.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct KnSettings {
    first_stage: usize,
    indifference: f64,
    confidence: f64,
}

impl KnSettings {
    /// A first stage of `first_stage` replications (at least [`MIN_FIRST_STAGE`]), an
    /// indifference zone `indifference` (objective units, positive) and a confidence
    /// `confidence` of a correct selection (between 0.5 and 1).
    ///
    /// # Errors
    /// The first setting out of its range, checked in the order confidence, first
    /// stage, indifference zone.
    pub fn new(
        first_stage: usize,
        indifference: f64,
        confidence: f64,
    ) -> Result<Self, KnSettingsError> {
        let confidence = check_confidence(confidence)?;
        Ok(KnSettings {
            first_stage: check_first_stage(first_stage)?,
            indifference: check_indifference(indifference)?,
            confidence,
        })
    }

    /// First-stage replications n0.
    pub fn first_stage(&self) -> usize {
        self.first_stage
    }

    /// Indifference zone d, in the objective's units.
    pub fn indifference(&self) -> f64 {
        self.indifference
    }

    /// Confidence 1 - alpha of a correct selection.
    pub fn confidence(&self) -> f64 {
        self.confidence
    }
}

/// How the procedure ended.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KnOutcome {
    /// The selected variant (the last survivor, or the survivor with the highest mean).
    pub selected: usize,
    /// True when one variant survived; false when the data ran out first.
    pub finished: bool,
    /// Replications the procedure used when it stopped (the last one examined).
    pub stopped_at: usize,
    /// Variants still in contention at the end.
    pub survivors: Vec<usize>,
    /// For each variant, the replication after which it was eliminated.
    pub eliminated_at: Vec<Option<usize>>,
}

/// The constant h^2 of the procedure for `k` variants.
pub fn h_squared(k: usize, s: &KnSettings) -> f64 {
    let alpha = 1.0 - s.confidence;
    let n0 = s.first_stage as f64;
    let eta = 0.5 * ((2.0 * alpha / (k as f64 - 1.0)).powf(-2.0 / (n0 - 1.0)) - 1.0);
    2.0 * eta * (n0 - 1.0)
}

/// Runs the procedure on the values available (`values[i][r]`, variant i, replication
/// r, larger is better; every variant has the same number of replications, at least
/// the first stage).
pub fn kim_nelson(values: &[Vec<f64>], s: &KnSettings) -> KnOutcome {
    let k = values.len();
    let available = values.iter().map(Vec::len).min().unwrap_or(0);
    let n0 = s.first_stage;
    assert!(k >= 1 && available >= n0, "first stage not complete");
    let mut alive: Vec<bool> = vec![true; k];
    let mut eliminated_at = vec![None; k];
    if k == 1 {
        return KnOutcome {
            selected: 0,
            finished: true,
            stopped_at: n0,
            survivors: vec![0],
            eliminated_at,
        };
    }
    let h2 = h_squared(k, s);
    let d = s.indifference;
    // First-stage variances of the paired differences.
    let mut s2 = vec![vec![0.0; k]; k];
    for i in 0..k {
        for l in 0..k {
            if i == l {
                continue;
            }
            let diff: Vec<f64> = (0..n0).map(|r| values[i][r] - values[l][r]).collect();
            let m = diff.iter().sum::<f64>() / n0 as f64;
            s2[i][l] = diff.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n0 - 1) as f64;
        }
    }
    let mut sums: Vec<f64> = (0..k).map(|i| values[i][..n0].iter().sum()).collect();
    let mut r = n0;
    loop {
        let means: Vec<f64> = sums.iter().map(|x| x / r as f64).collect();
        let survivors_before: Vec<usize> = (0..k).filter(|&i| alive[i]).collect();
        for &i in &survivors_before {
            let out = survivors_before.iter().any(|&l| {
                l != i && {
                    let w = (d / (2.0 * r as f64) * (h2 * s2[i][l] / (d * d) - r as f64)).max(0.0);
                    means[i] < means[l] - w
                }
            });
            if out {
                alive[i] = false;
                eliminated_at[i] = Some(r);
            }
        }
        let survivors: Vec<usize> = (0..k).filter(|&i| alive[i]).collect();
        if survivors.len() == 1 || r == available {
            let selected = *survivors
                .iter()
                .max_by(|&&a, &&b| means[a].total_cmp(&means[b]).then(b.cmp(&a)))
                .expect("the best variant is never eliminated by another survivor");
            return KnOutcome {
                selected,
                finished: survivors.len() == 1,
                stopped_at: r,
                survivors,
                eliminated_at,
            };
        }
        for (i, sum) in sums.iter_mut().enumerate() {
            *sum += values[i][r];
        }
        r += 1;
    }
}

/// Paired bootstrap estimate of the probability that each variant has the highest
/// mean (larger is better), from `resamples` resamples of whole replications.
pub fn probability_best(values: &[Vec<f64>], resamples: usize, seed: u64) -> Vec<f64> {
    let k = values.len();
    let n = values.iter().map(Vec::len).min().unwrap_or(0);
    if k == 0 || n == 0 {
        return vec![f64::NAN; k];
    }
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut wins = vec![0.0; k];
    let mut sums = vec![0.0; k];
    for _ in 0..resamples {
        sums.iter_mut().for_each(|s| *s = 0.0);
        for _ in 0..n {
            let r = rng.random_range(0..n);
            for (s, v) in sums.iter_mut().zip(values) {
                *s += v[r];
            }
        }
        let best = sums.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let ties: Vec<usize> = (0..k).filter(|&i| sums[i] == best).collect();
        for &i in &ties {
            wins[i] += 1.0 / ties.len() as f64;
        }
    }
    wins.iter().map(|w| w / resamples as f64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    use plansim_sim::rng::{open_uniform, std_normal};
    use rand::RngCore;

    /// Normal values with the given means, correlated 0.64 across variants (common random numbers).
    fn normal_values(means: &[f64], sd: f64, n: usize, seed: u64) -> Vec<Vec<f64>> {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let mut z = move || std_normal(open_uniform(rng.next_u64()));
        let common: Vec<f64> = (0..n).map(|_| z()).collect();
        means
            .iter()
            .map(|m| {
                (0..n)
                    .map(|r| m + sd * (0.8 * common[r] + 0.6 * z()))
                    .collect()
            })
            .collect()
    }

    const SETTINGS: KnSettings = KnSettings {
        first_stage: 20,
        indifference: 0.1,
        confidence: 0.95,
    };

    #[test]
    fn settings_out_of_range_are_refused_in_order() {
        assert_eq!(KnSettings::new(20, 0.1, 0.95), Ok(SETTINGS));
        assert_eq!(
            KnSettings::new(5, -1.0, 0.5),
            Err(KnSettingsError::Confidence(0.5))
        );
        assert_eq!(
            KnSettings::new(9, -1.0, 0.9),
            Err(KnSettingsError::FirstStage(9))
        );
        assert!(matches!(
            KnSettings::new(10, f64::NAN, 0.9),
            Err(KnSettingsError::Indifference(d)) if d.is_nan()
        ));
        assert_eq!(
            KnSettingsError::Confidence(1.0).to_string(),
            "must be between 0.5 and 1 (exclusive), got 1"
        );
    }

    #[test]
    fn h_squared_matches_the_papers_constant_computed_by_hand() {
        // Kim and Nelson (2001), ACM TOMACS 11(3), procedure KN with c = 1:
        // eta = 0.5 [(2 alpha / (k - 1))^(-2 / (n0 - 1)) - 1], h^2 = 2 c eta (n0 - 1).
        //
        // k = 3, n0 = 20, alpha = 0.05 (confidence 0.95):
        //   2 alpha / (k - 1)   = 0.1 / 2 = 0.05
        //   -2 / (n0 - 1)       = -2 / 19
        //   0.05^(-2/19)        = exp((2/19) ln 20) = exp(0.105263158 x 2.995732274)
        //                       = exp(0.315340239) = 1.370725606
        //   eta                 = 0.5 (1.370725606 - 1) = 0.185362803
        //   h^2                 = 2 x 1 x 0.185362803 x 19 = 7.043786521
        // k = 2, n0 = 20, alpha = 0.05:
        //   0.1^(-2/19)         = exp((2/19) ln 10) = exp(0.242377378) = 1.274274986
        //   h^2                 = 2 x 0.5 (1.274274986 - 1) x 19 = 5.211224728
        // (worked to 40 digits with Python's decimal module, rounded to nine decimals).
        assert!((h_squared(3, &SETTINGS) - 7.043_786_521).abs() < 1e-8);
        assert!((h_squared(2, &SETTINGS) - 5.211_224_728).abs() < 1e-8);
    }

    #[test]
    fn a_clearly_better_variant_is_selected_early() {
        let v = normal_values(&[0.0, 1.0, 0.2], 1.0, 2000, 1);
        let o = kim_nelson(&v, &SETTINGS);
        assert!(o.finished && o.selected == 1, "{o:?}");
        assert!(o.stopped_at < 2000);
        assert_eq!(o.survivors, vec![1]);
        assert!(o.eliminated_at[0].is_some() && o.eliminated_at[2].is_some());
        let p = probability_best(&v, 500, 9);
        assert!(
            p[1] > 0.99 && (p.iter().sum::<f64>() - 1.0).abs() < 1e-12,
            "{p:?}"
        );
    }

    #[test]
    fn identical_variants_exhaust_the_budget_and_share_the_probability() {
        let v = normal_values(&[0.5], 1.0, 300, 2);
        let both = vec![v[0].clone(), v[0].clone()];
        let o = kim_nelson(&both, &SETTINGS);
        assert!(
            !o.finished && o.stopped_at == 300 && o.survivors == vec![0, 1],
            "{o:?}"
        );
        assert_eq!(o.selected, 0);
        assert_eq!(probability_best(&both, 200, 3), vec![0.5, 0.5]);
    }

    /// With the true best exactly d above the others (the least favourable
    /// configuration), KN selects it with probability at least 1 - alpha.
    #[test]
    fn correct_selection_probability_holds_in_the_least_favourable_configuration() {
        let trials = 400;
        let mut correct = 0;
        for t in 0..trials {
            let v = normal_values(&[0.1, 0.0, 0.0], 1.0, 3000, 100 + t);
            if kim_nelson(&v, &SETTINGS).selected == 0 {
                correct += 1;
            }
        }
        let p = correct as f64 / trials as f64;
        // Binomial standard error at p = 0.95 over 400 trials: 0.011; 4.5 se below 0.95.
        assert!(
            p >= 0.95 - 4.5 * (0.95f64 * 0.05 / trials as f64).sqrt(),
            "{p}"
        );
    }
}
