//! Random streams and the samplers of the hot loop.
//!
//! Replication `i` of a run with seed `s` gives every team slot `j` its own
//! Xoshiro256++ stream, keyed by SplitMix64 mixing of `(s, i, j)`, and the market
//! its own. Each rep-period consumes exactly [`DRAWS_PER_REP_PERIOD`] words from
//! its slot's stream, one per random source at a fixed position, and every draw is
//! made by inversion from a single uniform. Two plans run with the same seed thus
//! see the same luck in every source, whatever effort they induce: that is what
//! makes their paired difference precise (common random numbers).

use rand::{RngCore, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::normal;

/// Number of 64-bit words each rep-period takes from its slot's stream.
pub const DRAWS_PER_REP_PERIOD: usize = 8;

/// Position of each random source within a rep-period's block of draws.
pub mod source {
    /// New customers (Poisson) or linear-normal noise.
    pub const LEADS: usize = 0;
    /// Conversions of new customers (binomial).
    pub const CONVERSION: usize = 1;
    /// First-period deal size of converted customers (log-normal).
    pub const DEAL_SIZE: usize = 2;
    /// Churn of the customer book (binomial).
    pub const CHURN: usize = 3;
    /// Satisfaction score noise (normal).
    pub const SATISFACTION: usize = 4;
    /// Promotion chance (uniform).
    pub const PROMOTION: usize = 5;
    /// Attrition (uniform).
    pub const ATTRITION: usize = 6;
    /// Book handed over when a rep leaves (binomial thinning).
    pub const HANDOVER: usize = 7;
}

/// Stream identifier of the market (common shock) stream.
pub const MARKET_STREAM: u64 = u64::MAX;
/// Stream identifier of the draw of the starting books (one uniform per rep).
pub const BOOK_STREAM: u64 = u64::MAX - 1;
/// Stream identifier of slot `j`'s hires' abilities is `HIRE_STREAM + j` (one uniform
/// per hire; slots are below `2^63`, so no slot or other stream shares it).
pub const HIRE_STREAM: u64 = 1 << 63;

/// SplitMix64's output function: a bijective 64-bit mixer.
pub fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The stream of `stream` (a team slot or [`MARKET_STREAM`]) in replication `replication`.
pub fn stream(seed: u64, replication: u64, stream: u64) -> Xoshiro256PlusPlus {
    let key = mix64(mix64(mix64(seed) ^ replication) ^ stream);
    Xoshiro256PlusPlus::seed_from_u64(key)
}

/// One rep-period's block of uniforms in (0, 1), one per random source.
pub fn draw_block(rng: &mut Xoshiro256PlusPlus) -> [f64; DRAWS_PER_REP_PERIOD] {
    let mut u = [0.0; DRAWS_PER_REP_PERIOD];
    for slot in u.iter_mut() {
        *slot = open_uniform(rng.next_u64());
    }
    u
}

/// Maps 64 random bits to a uniform in the open interval (0, 1).
#[inline]
pub fn open_uniform(bits: u64) -> f64 {
    ((bits >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
}

/// Standard normal by inversion of a uniform in (0, 1) (7-digit quantile, see [`normal::quantile_fast`]).
#[inline]
pub fn std_normal(u: f64) -> f64 {
    normal::quantile_fast(u)
}

/// Reciprocals 1/k for k < 128: inversion loops multiply instead of dividing.
static RECIPROCALS: [f64; 128] = {
    let mut r = [0.0; 128];
    let mut k = 1;
    while k < 128 {
        r[k] = 1.0 / k as f64;
        k += 1;
    }
    r
};

#[inline]
fn reciprocal(k: u32) -> f64 {
    match RECIPROCALS.get(k as usize) {
        Some(&r) => r,
        None => 1.0 / k as f64,
    }
}

/// Terms of an inversion search evaluated without a data-dependent branch: the
/// search counts the distribution-function values below the uniform instead of
/// stopping at the first one above it, which a processor cannot predict (the loop's
/// exit was most of a draw's cost). Most draws of a rep-month end within them; the
/// rest continue the sequential search from there. The sums are accumulated in the
/// same order as the sequential search, so every draw is the same.
const BRANCH_FREE_TERMS: u32 = 8;

/// Poisson(mean) by inversion of one uniform: exact below a mean of 500, a
/// continuity-corrected normal approximation above (never reached by a sales team
/// calibrated to months).
#[inline]
pub fn poisson(mean: f64, u: f64) -> u32 {
    if mean <= 0.0 {
        return 0;
    }
    if mean > 500.0 {
        return (mean + mean.sqrt() * std_normal(u) + 0.5).max(0.0) as u32;
    }
    let mut p = (-mean).exp();
    let mut cdf = p;
    let mut below = (u > cdf) as u32;
    for k in 1..BRANCH_FREE_TERMS {
        p *= mean * RECIPROCALS[k as usize];
        cdf += p;
        below += (u > cdf) as u32;
    }
    if below < BRANCH_FREE_TERMS {
        return below;
    }
    // The uniform lies beyond the first terms: the sequential search goes on.
    let mut k = BRANCH_FREE_TERMS - 1;
    while u > cdf {
        k += 1;
        p *= mean * reciprocal(k);
        cdf += p;
        if p < 1e-300 && k as f64 > mean {
            break;
        }
    }
    k
}

/// Binomial(n, p) by inversion of one uniform: exact while (1-p)^n stays above
/// 1e-250 (always for n p below about 575), a continuity-corrected normal
/// approximation beyond.
#[inline]
pub fn binomial(n: u32, p: f64, u: f64) -> u32 {
    if n == 0 || p <= 0.0 {
        return 0;
    }
    if p >= 1.0 {
        return n;
    }
    if p > 0.5 {
        // Inversion of the complement keeps the loop short; 1 - u keeps the coupling monotone.
        return n - binomial(n, 1.0 - p, 1.0 - u);
    }
    let q0 = if n <= 1 << 20 {
        (1.0 - p).powi(n as i32)
    } else {
        0.0
    };
    if q0 < 1e-250 {
        let mean = n as f64 * p;
        let sd = (mean * (1.0 - p)).sqrt();
        return (mean + sd * std_normal(u) + 0.5).clamp(0.0, n as f64) as u32;
    }
    let ratio = p / (1.0 - p);
    let mut prob = q0;
    let mut cdf = prob;
    let first = n.min(BRANCH_FREE_TERMS);
    let mut below = (u > cdf) as u32;
    for k in 1..first {
        prob *= (n - k + 1) as f64 * RECIPROCALS[k as usize] * ratio;
        cdf += prob;
        below += (u > cdf) as u32;
    }
    if below < first || first == n {
        return below;
    }
    // The uniform lies beyond the first terms: the sequential search goes on.
    let mut k = first - 1;
    while u > cdf && k < n {
        prob *= (n - k) as f64 * reciprocal(k + 1) * ratio;
        k += 1;
        cdf += prob;
    }
    k
}

/// Cumulative distribution tables of Binomial(n, p) for n up to a bound, for
/// inversion without divisions or transcendental functions (conversions of a
/// rep-month's new customers, whose probability is fixed by the scenario).
#[derive(Clone, Debug, Default)]
pub struct BinomialTable {
    p: f64,
    /// `cdf[n]` holds P(X <= k) for k = 0..=n.
    cdf: Vec<Vec<f64>>,
}

impl BinomialTable {
    /// Tables for n = 0..=max_n at probability p.
    pub fn new(p: f64, max_n: u32) -> Self {
        let cdf = (0..=max_n)
            .map(|n| {
                let mut out = Vec::with_capacity(n as usize + 1);
                let mut acc = 0.0;
                for k in 0..=n {
                    acc += binomial_pmf(n, k, p);
                    out.push(acc);
                }
                out
            })
            .collect();
        BinomialTable { p, cdf }
    }

    /// Binomial(n, p) by inversion of one uniform; same result as [`binomial`] up to rounding.
    #[inline]
    pub fn sample(&self, n: u32, u: f64) -> u32 {
        match self.cdf.get(n as usize) {
            // Counting the table's values below the uniform is the first index not
            // below it (the table is non-decreasing), without a data-dependent exit.
            Some(table) => table[..n as usize].iter().map(|&c| (u > c) as u32).sum(),
            None => binomial(n, self.p, u),
        }
    }
}

fn binomial_pmf(n: u32, k: u32, p: f64) -> f64 {
    let mut log_choose = 0.0;
    for i in 0..k {
        log_choose += ((n - i) as f64).ln() - ((i + 1) as f64).ln();
    }
    (log_choose + k as f64 * p.ln() + (n - k) as f64 * (1.0 - p).ln()).exp()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sequential searches the branch-free samplers must reproduce draw for draw.
    fn poisson_sequential(mean: f64, u: f64) -> u32 {
        if mean <= 0.0 {
            return 0;
        }
        if mean > 500.0 {
            return (mean + mean.sqrt() * std_normal(u) + 0.5).max(0.0) as u32;
        }
        let mut p = (-mean).exp();
        let mut cdf = p;
        let mut k = 0u32;
        while u > cdf {
            k += 1;
            p *= mean * reciprocal(k);
            cdf += p;
            if p < 1e-300 && k as f64 > mean {
                break;
            }
        }
        k
    }

    fn binomial_sequential(n: u32, p: f64, u: f64) -> u32 {
        if n == 0 || p <= 0.0 {
            return 0;
        }
        if p >= 1.0 {
            return n;
        }
        if p > 0.5 {
            return n - binomial_sequential(n, 1.0 - p, 1.0 - u);
        }
        let q0 = if n <= 1 << 20 {
            (1.0 - p).powi(n as i32)
        } else {
            0.0
        };
        if q0 < 1e-250 {
            let mean = n as f64 * p;
            let sd = (mean * (1.0 - p)).sqrt();
            return (mean + sd * std_normal(u) + 0.5).clamp(0.0, n as f64) as u32;
        }
        let ratio = p / (1.0 - p);
        let mut prob = q0;
        let mut cdf = prob;
        let mut k = 0u32;
        while u > cdf && k < n {
            prob *= (n - k) as f64 * reciprocal(k + 1) * ratio;
            k += 1;
            cdf += prob;
        }
        k
    }

    #[test]
    fn branch_free_samplers_give_the_sequential_searches_draws() {
        let mut rng = stream(11, 0, 0);
        let table = BinomialTable::new(0.37, 64);
        for i in 0..400_000u32 {
            let u = open_uniform(rng.next_u64());
            let mean = [0.05, 0.8, 1.5, 3.2, 7.0, 12.5, 40.0, 600.0][(i % 8) as usize];
            assert_eq!(
                poisson(mean, u),
                poisson_sequential(mean, u),
                "mean {mean}, u {u}"
            );
            let n = i % 90;
            for p in [0.01, 0.065, 0.3, 0.85] {
                assert_eq!(
                    binomial(n, p, u),
                    binomial_sequential(n, p, u),
                    "n {n} p {p} u {u}"
                );
            }
            let m = i % 65;
            let mut k = 0;
            while k < m && u > table.cdf[m as usize][k as usize] {
                k += 1;
            }
            assert_eq!(table.sample(m, u), k, "table n {m} u {u}");
        }
        // The tails beyond the first terms, and the edges of the uniforms.
        for u in [1e-300, 0.5, 1.0 - 1e-16, 1.0 - 2f64.powi(-53)] {
            for mean in [0.3, 9.0, 120.0] {
                assert_eq!(
                    poisson(mean, u),
                    poisson_sequential(mean, u),
                    "mean {mean} u {u}"
                );
            }
            for n in [1, 7, 8, 9, 400] {
                assert_eq!(
                    binomial(n, 0.2, u),
                    binomial_sequential(n, 0.2, u),
                    "n {n} u {u}"
                );
            }
        }
    }

    fn moments(samples: &[f64]) -> (f64, f64) {
        let n = samples.len() as f64;
        let mean = samples.iter().sum::<f64>() / n;
        let var = samples.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        (mean, var)
    }

    #[test]
    fn streams_differ_by_seed_replication_and_slot() {
        let a = stream(1, 0, 0).next_u64();
        assert_ne!(a, stream(2, 0, 0).next_u64());
        assert_ne!(a, stream(1, 1, 0).next_u64());
        assert_ne!(a, stream(1, 0, 1).next_u64());
        // seed ^ replication collisions of naive keying do not occur.
        assert_ne!(stream(3, 1, 0).next_u64(), stream(2, 0, 0).next_u64());
        assert_eq!(a, stream(1, 0, 0).next_u64());
    }

    #[test]
    fn poisson_and_binomial_have_their_moments() {
        let mut rng = stream(7, 0, 0);
        let n = 200_000;
        for &mean in &[0.3, 4.0, 37.5] {
            let xs: Vec<f64> = (0..n)
                .map(|_| poisson(mean, open_uniform(rng.next_u64())) as f64)
                .collect();
            let (m, v) = moments(&xs);
            let se = (mean / n as f64).sqrt();
            assert!((m - mean).abs() < 5.0 * se, "poisson mean {m} vs {mean}");
            // The sample variance of a Poisson has sd about mean * sqrt(2/n) (plus kurtosis term).
            let se_v = ((2.0 * mean * mean + mean) / n as f64).sqrt();
            assert!((v - mean).abs() < 5.0 * se_v, "poisson var {v} vs {mean}");
        }
        for &(trials, p) in &[(5u32, 0.5), (80, 0.04), (12, 0.9)] {
            let xs: Vec<f64> = (0..n)
                .map(|_| binomial(trials, p, open_uniform(rng.next_u64())) as f64)
                .collect();
            let (m, v) = moments(&xs);
            let mean = trials as f64 * p;
            let var = mean * (1.0 - p);
            assert!(
                (m - mean).abs() < 5.0 * (var / n as f64).sqrt(),
                "binomial mean {m} vs {mean}"
            );
            let se_v = ((2.0 * var * var + var) / n as f64).sqrt();
            assert!((v - var).abs() < 5.0 * se_v, "binomial var {v} vs {var}");
        }
    }

    #[test]
    fn binomial_table_matches_direct_inversion() {
        let table = BinomialTable::new(0.37, 40);
        for n in [0u32, 1, 5, 17, 40, 80] {
            for i in 1..200 {
                let u = i as f64 / 200.0 + 1e-7;
                assert_eq!(table.sample(n, u), binomial(n, 0.37, u), "n={n} u={u}");
            }
        }
    }

    #[test]
    fn inversion_is_monotone_in_the_uniform() {
        // Common random numbers rely on it: a larger mean never gives a smaller draw.
        for i in 1..1000 {
            let u = i as f64 / 1000.0;
            assert!(poisson(3.0, u) <= poisson(3.5, u));
            assert!(binomial(20, 0.3, u) <= binomial(20, 0.35, u));
            assert!(binomial(20, 0.6, u) <= binomial(20, 0.7, u));
        }
    }
}
