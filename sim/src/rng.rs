//! Random streams and the samplers of the hot loop.
//!
//! Replication `i` of a run with seed `s` gives every team slot `j` its own
//! Xoshiro256++ stream, keyed by SplitMix64 mixing of `(s, i, j)`, and the market
//! its own. Each rep-period consumes exactly [`DRAWS_PER_REP_PERIOD`] words from
//! its slot's stream, one per random source at a fixed position, and every draw is
//! made by inversion from a single uniform. Two plans run with the same seed thus
//! see the same luck in every source, whatever effort they induce: that is what
//! makes their paired difference precise (common random numbers).

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::{normal, vmath};

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
    Xoshiro256PlusPlus::seed_from_u64(key(seed, replication, stream))
}

/// Maps 64 random bits to a uniform in the open interval (0, 1).
#[inline]
pub fn open_uniform(bits: u64) -> f64 {
    // Through i64, which converts in one instruction (u64 needs several without
    // AVX-512); below 2^53 the two give the same double.
    ((bits >> 11) as i64 as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
}

/// Standard normal by inversion of a uniform in (0, 1) (7-digit quantile, see [`normal::quantile_fast`]).
#[inline]
pub fn std_normal(u: f64) -> f64 {
    normal::quantile_fast(u)
}

/// Reciprocals 1/k for k < 1024: inversion loops multiply instead of dividing (the
/// starting books' Poisson searches run to a few hundred terms).
static RECIPROCALS: [f64; 1024] = {
    let mut r = [0.0; 1024];
    let mut k = 1;
    while k < 1024 {
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
/// same order as the sequential search, so every draw is the same whatever the count.
const BRANCH_FREE_TERMS: u32 = 8;

/// [`BRANCH_FREE_TERMS`] of the Poisson search: more, since a rep-month's new
/// customers often number more than eight (7.3 on average under the default plan,
/// and a Poisson of mean 7.3 lies beyond 8 terms 45 % of the time), and in eight lanes
/// at once a term costs about one vector multiply, add and compare.
const POISSON_BRANCH_FREE_TERMS: u32 = 16;

/// Poisson(mean) by inversion of one uniform: exact below a mean of 500, a
/// continuity-corrected normal approximation above (never reached by a sales team
/// calibrated to months).
#[inline]
pub fn poisson(mean: f64, u: f64) -> u32 {
    poisson_lanes(&[mean], &[u])[0]
}

/// [`poisson`] of each lane: the first terms of every lane's search at once (the
/// same operations in the same order as one lane alone, so each lane's draw is
/// [`poisson`]'s), then the few lanes whose uniform lies beyond them, or whose mean
/// is outside (0, 500], one by one.
#[inline(always)]
pub fn poisson_lanes<const L: usize>(mean: &[f64; L], u: &[f64; L]) -> [u32; L] {
    poisson_lanes_from(
        mean,
        u,
        vmath::exp_lanes(&poisson_first_exponent_lanes(mean)),
    )
}

/// The exponent whose exp is each lane's first term of the Poisson search (the
/// probability of zero): `-mean`, or -1 for a lane set apart (a mean outside
/// (0, 500], drawn otherwise).
#[inline(always)]
pub fn poisson_first_exponent_lanes<const L: usize>(mean: &[f64; L]) -> [f64; L] {
    mean.map(|m| -search_mean(m))
}

/// The mean a lane's search runs with: its own, or 1 for a lane set apart (a mean
/// outside (0, 500]), whose draw is made otherwise and whose search is harmless.
#[inline(always)]
fn search_mean(mean: f64) -> f64 {
    if poisson_searched(mean) {
        mean
    } else {
        1.0
    }
}

/// [`poisson_lanes`] given each lane's first term, the exp of its
/// [`poisson_first_exponent_lanes`]: the hot loop's kernel takes it from one exp of
/// every exponent of its draws that does not wait on another draw, which overlap.
#[inline(always)]
pub fn poisson_lanes_from<const L: usize>(
    mean: &[f64; L],
    u: &[f64; L],
    first: [f64; L],
) -> [u32; L] {
    let (mut below, p, cdf) = poisson_first_terms(mean, u, first);
    for i in 0..L {
        if !poisson_searched(mean[i]) || below[i] == POISSON_BRANCH_FREE_TERMS {
            below[i] = poisson_rest(mean[i], u[i], p[i], cdf[i]);
        }
    }
    below
}

/// [`poisson_lanes`] for means of tens or more (a team's starting books), whose draws
/// mostly lie beyond the first terms: every lane's search continues side by side,
/// one term a step, rather than one lane after another. The same draws.
#[inline(always)]
pub fn poisson_lanes_far<const L: usize>(mean: &[f64; L], u: &[f64; L]) -> [u32; L] {
    let first = vmath::exp_lanes(&poisson_first_exponent_lanes(mean));
    let (below, p, cdf) = poisson_first_terms(mean, u, first);
    poisson_continued(mean, u, p, cdf, below)
}

/// Whether a Poisson of mean `mean` is drawn by the search (a mean in (0, 500]).
#[inline(always)]
fn poisson_searched(mean: f64) -> bool {
    mean > 0.0 && mean <= 500.0
}

/// The first terms of every lane's search: the count of distribution-function values
/// below the uniform, and the last term and distribution function reached.
#[inline(always)]
fn poisson_first_terms<const L: usize>(
    mean: &[f64; L],
    u: &[f64; L],
    first: [f64; L],
) -> ([u32; L], [f64; L], [f64; L]) {
    // `first` is exp(-m) of these means (poisson_first_exponent_lanes).
    let m = mean.map(search_mean);
    let mut p = first;
    let mut cdf = p;
    let mut below = [0u32; L];
    for i in 0..L {
        below[i] = (u[i] > cdf[i]) as u32;
    }
    for k in 1..POISSON_BRANCH_FREE_TERMS {
        let r = RECIPROCALS[k as usize];
        for i in 0..L {
            p[i] *= m[i] * r;
            cdf[i] += p[i];
            below[i] += (u[i] > cdf[i]) as u32;
        }
    }
    (below, p, cdf)
}

/// A Poisson draw outside the first terms: a mean outside (0, 500], or the sequential
/// search continued from the last of the first terms (`p`, `cdf`).
#[cold]
#[inline(never)]
fn poisson_rest(mean: f64, u: f64, p: f64, cdf: f64) -> u32 {
    poisson_continued(&[mean], &[u], [p], [cdf], [POISSON_BRANCH_FREE_TERMS])[0]
}

/// Each lane's draw after its first terms (`below` counted, `p` and `cdf` reached):
/// 0 for a mean of 0 or less, the normal approximation above 500, the count where
/// the uniform lay within the first terms, else the search continued. The lanes
/// still searching advance together, one term a step (they share the term's index),
/// each lane's sums those of its search alone.
#[inline(always)]
fn poisson_continued<const L: usize>(
    mean: &[f64; L],
    u: &[f64; L],
    mut p: [f64; L],
    mut cdf: [f64; L],
    below: [u32; L],
) -> [u32; L] {
    // Each lane's draw so far and whether it still searches (1 or 0), as doubles: every
    // step is then the same few vector operations on all lanes.
    let mut drawn = [0.0f64; L];
    let mut searching = [0.0f64; L];
    for i in 0..L {
        let m = mean[i];
        drawn[i] = if !poisson_searched(m) {
            if m > 500.0 {
                f64::from((m + m.sqrt() * std_normal(u[i]) + 0.5).max(0.0) as u32)
            } else {
                0.0 // a mean of 0 or less, or NaN
            }
        } else if below[i] < POISSON_BRANCH_FREE_TERMS {
            f64::from(below[i])
        } else {
            searching[i] = 1.0;
            f64::from(POISSON_BRANCH_FREE_TERMS - 1)
        };
    }
    let mut k = POISSON_BRANCH_FREE_TERMS - 1;
    loop {
        let mut still = 0u32;
        for i in 0..L {
            let on = (searching[i] != 0.0) & (u[i] > cdf[i]);
            searching[i] = if on { 1.0 } else { 0.0 };
            still += u32::from(on);
        }
        if still == 0 {
            return drawn.map(|d| d as u32);
        }
        k += 1;
        let (r, term) = (reciprocal(k), f64::from(k));
        for i in 0..L {
            let on = searching[i] != 0.0;
            let next_p = p[i] * (mean[i] * r);
            let next_cdf = cdf[i] + next_p;
            p[i] = if on { next_p } else { p[i] };
            cdf[i] = if on { next_cdf } else { cdf[i] };
            drawn[i] = if on { term } else { drawn[i] };
            // A search run past its mean into terms below 1e-300 stops there.
            let spent = (next_p < 1e-300) & (term > mean[i]);
            searching[i] = if on & !spent { 1.0 } else { 0.0 };
        }
    }
}

/// Binomial(n, p) by inversion of one uniform: exact while (1-p)^n stays above
/// 1e-250 (always for n p below about 575), a continuity-corrected normal
/// approximation beyond.
#[inline]
pub fn binomial(n: u32, p: f64, u: f64) -> u32 {
    binomial_lanes(&[n], &[p], &[u])[0]
}

/// Largest number of trials inverted exactly; beyond, the normal approximation.
const BINOMIAL_EXACT_TRIALS: u32 = 1 << 20;

/// [`binomial`] of each lane: the first terms of every lane's search at once (each
/// lane's operations those of one lane alone), then the lanes set apart (no trials,
/// a probability outside (0, 0.5], the normal approximation, a uniform beyond the
/// first terms) one by one.
#[inline(always)]
pub fn binomial_lanes<const L: usize>(n: &[u32; L], p: &[f64; L], u: &[f64; L]) -> [u32; L] {
    let searched = |n: u32, p: f64| n != 0 && n <= BINOMIAL_EXACT_TRIALS && p > 0.0 && p <= 0.5;
    // Lanes set apart search one trial at probability 1/4 here, which is harmless.
    let mut trials = [1u32; L];
    let mut prob_one = [0.25; L];
    for i in 0..L {
        if searched(n[i], p[i]) {
            trials[i] = n[i];
            prob_one[i] = p[i];
        }
    }
    let q0 = vmath::powi_lanes(&prob_one.map(|p| 1.0 - p), &trials);
    let ratio = prob_one.map(|p| p / (1.0 - p));
    let mut prob = q0;
    let mut cdf = q0;
    let mut below = [0u32; L];
    for i in 0..L {
        below[i] = (u[i] > cdf[i]) as u32;
    }
    for k in 1..BRANCH_FREE_TERMS {
        let r = RECIPROCALS[k as usize];
        for i in 0..L {
            // (n - k + 1) in floating point: exact, and harmless where k > n + 1 (the
            // lane's count stops at its n terms).
            let left = trials[i] as f64 - k as f64 + 1.0;
            prob[i] *= left * r * ratio[i];
            cdf[i] += prob[i];
            below[i] += (u[i] > cdf[i] && k < trials[i]) as u32;
        }
    }
    for i in 0..L {
        let first = trials[i].min(BRANCH_FREE_TERMS);
        let done = below[i] < first || first == trials[i];
        if !searched(n[i], p[i]) || q0[i] < 1e-250 || !done {
            below[i] = binomial_rest(n[i], p[i], u[i], q0[i], prob[i], cdf[i]);
        }
    }
    below
}

/// A binomial draw outside the first terms: the edge cases, the normal approximation,
/// or the sequential search continued from the last of the first terms (`prob`, `cdf`).
#[cold]
fn binomial_rest(n: u32, p: f64, u: f64, q0: f64, mut prob: f64, mut cdf: f64) -> u32 {
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
    if n > BINOMIAL_EXACT_TRIALS || q0 < 1e-250 || p.is_nan() {
        let mean = n as f64 * p;
        let sd = (mean * (1.0 - p)).sqrt();
        return (mean + sd * std_normal(u) + 0.5).clamp(0.0, n as f64) as u32;
    }
    // The uniform lies beyond the first terms: the sequential search goes on.
    let ratio = p / (1.0 - p);
    let mut k = BRANCH_FREE_TERMS - 1;
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
    /// For n below [`SHORT_ROW`], row n of `cdf` without its last value (1), padded with
    /// infinities to [`SHORT_ROW`] values: a draw counts the values below its uniform
    /// over the whole row, a fixed-length loop the compiler vectorises.
    short: Vec<[f64; SHORT_ROW]>,
}

/// Width of [`BinomialTable`]'s padded rows (trials below it are the common case of a
/// rep-month's new customers).
const SHORT_ROW: usize = 16;

impl BinomialTable {
    /// Tables for n = 0..=max_n at probability p.
    pub fn new(p: f64, max_n: u32) -> Self {
        let cdf: Vec<Vec<f64>> = (0..=max_n)
            .map(|n| {
                let mut acc = 0.0;
                binomial_pmfs(n, p)
                    .map(|pmf| {
                        acc += pmf;
                        acc
                    })
                    .collect()
            })
            .collect();
        let short = cdf
            .iter()
            .take(SHORT_ROW)
            .map(|row| {
                let mut padded = [f64::INFINITY; SHORT_ROW];
                padded[..row.len() - 1].copy_from_slice(&row[..row.len() - 1]);
                padded
            })
            .collect();
        BinomialTable { p, cdf, short }
    }

    /// Binomial(n, p) by inversion of one uniform; same result as [`binomial`] up to rounding.
    #[inline(always)]
    pub fn sample(&self, n: u32, u: f64) -> u32 {
        match self.short.get(n as usize) {
            // Counting the table's values below the uniform is the first index not
            // below it (the table is non-decreasing), without a data-dependent exit.
            Some(row) => count_below(row, u),
            None => self.sample_long(n, u),
        }
    }

    /// [`BinomialTable::sample`] beyond the padded rows.
    #[cold]
    fn sample_long(&self, n: u32, u: f64) -> u32 {
        match self.cdf.get(n as usize) {
            Some(table) => table[..n as usize].iter().map(|&c| (u > c) as u32).sum(),
            None => binomial(n, self.p, u),
        }
    }
}

/// The number of values of `row` below `u`, for values and `u` not negative and not NaN
/// (distribution functions, padding of infinity, uniforms).
///
/// Compared as integers: for such doubles the order of their bits is the order of their
/// values, and `c < u` is the top bit of the difference of their bits, so that a row
/// compiles to two or four vector subtractions, shifts and a sum (compared as doubles,
/// the compiler moved each comparison's bit out of a mask register one by one: 40 % of
/// the kernel's conversions cost).
#[inline(always)]
fn count_below(row: &[f64; SHORT_ROW], u: f64) -> u32 {
    debug_assert!(u >= 0.0 && u.is_sign_positive());
    let u = u.to_bits();
    row.iter()
        .map(|c| c.to_bits().wrapping_sub(u) >> 63)
        .sum::<u64>() as u32
}

/// The probabilities P(X = k), k = 0..=n, of Binomial(n, p). `ln C(n, k)` is summed
/// term by term, `ln(n - i) - ln(i + 1)` for i < k, carried from one k to the next
/// (quadratic in n for a whole table rather than cubic: the workspace of every block of
/// replications makes one).
fn binomial_pmfs(n: u32, p: f64) -> impl Iterator<Item = f64> {
    let (log_p, log_q) = (p.ln(), (1.0 - p).ln());
    let mut log_choose = 0.0;
    (0..=n).map(move |k| {
        if k > 0 {
            let i = k - 1;
            log_choose += ((n - i) as f64).ln() - ((i + 1) as f64).ln();
        }
        (log_choose + k as f64 * log_p + (n - k) as f64 * log_q).exp()
    })
}

/// The random streams of a team's slots (Xoshiro256++, as [`stream`] makes them), kept
/// by state word across slots (a structure of arrays), so that the words of eight
/// slots' streams advance in one vector operation each.
///
/// Written by hand rather than as a `Vec` of `rand_xoshiro`'s generators, whose state
/// is private: the hot loop draws a chunk's uniforms in the layout its kernel reads.
/// Each slot's words are exactly those of `rand_xoshiro::Xoshiro256PlusPlus` seeded
/// alike (tested).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SlotStreams {
    /// State word `k` of every slot's generator, `words[k][j]` for slot `j`.
    words: [Vec<u64>; 4],
}

impl SlotStreams {
    /// The streams of slots `0..slots` in replication `replication`.
    pub fn new(seed: u64, replication: u64, slots: usize) -> Self {
        let mut s = SlotStreams {
            words: std::array::from_fn(|_| vec![0; slots]),
        };
        for j in 0..slots {
            s.reseed(j, seed, replication, j as u64);
        }
        s
    }

    /// Number of slots.
    pub fn len(&self) -> usize {
        self.words[0].len()
    }

    /// True without slots.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Gives slot `j` the stream `stream` of replication `replication` ([`stream`]).
    pub fn reseed(&mut self, j: usize, seed: u64, replication: u64, stream: u64) {
        let state = xoshiro_state(key(seed, replication, stream));
        for (k, w) in state.into_iter().enumerate() {
            self.words[k][j] = w;
        }
    }

    /// One rep-period's block of uniforms of each of the slots `first..first + L` (past
    /// the last slot, lanes of 1/2), by source and then lane: what
    /// each slot's stream gives alone.
    #[inline(always)]
    pub fn draw_blocks<const L: usize>(
        &mut self,
        first: usize,
    ) -> [[f64; L]; DRAWS_PER_REP_PERIOD] {
        let count = L.min(self.len().saturating_sub(first));
        // Lanes past the last slot run a fixed nonzero state, never written back.
        let mut s: [[u64; L]; 4] = [[1; L]; 4];
        // A whole chunk's words move as fixed-size arrays (vector moves); a copy of a
        // variable length is a call to memcpy, eight a chunk in the hot loop.
        let whole = count == L;
        for (k, words) in self.words.iter().enumerate() {
            match words[first..].first_chunk::<L>() {
                Some(chunk) if whole => s[k] = *chunk,
                _ => s[k][..count].copy_from_slice(&words[first..first + count]),
            }
        }
        let mut u = [[0.5; L]; DRAWS_PER_REP_PERIOD];
        for row in u.iter_mut() {
            let bits = xoshiro_next(&mut s);
            for (lane, b) in row.iter_mut().zip(bits) {
                *lane = open_uniform(b);
            }
        }
        for (k, words) in self.words.iter_mut().enumerate() {
            match words[first..].first_chunk_mut::<L>() {
                Some(chunk) if whole => *chunk = s[k],
                _ => words[first..first + count].copy_from_slice(&s[k][..count]),
            }
        }
        if count < L {
            for row in u.iter_mut() {
                row[count..].fill(0.5);
            }
        }
        u
    }
}

/// The key of `stream` in replication `replication` of a run with `seed`.
fn key(seed: u64, replication: u64, stream: u64) -> u64 {
    mix64(mix64(mix64(seed) ^ replication) ^ stream)
}

/// Xoshiro256++'s state from a 64-bit seed, as `SeedableRng::seed_from_u64` makes it
/// for `rand_xoshiro`'s generator: four successive SplitMix64 outputs.
fn xoshiro_state(seed: u64) -> [u64; 4] {
    let mut state = seed;
    std::array::from_fn(|_| {
        let z = mix64(state);
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z
    })
}

/// Xoshiro256++'s next word in each lane (Blackman and Vigna 2018).
#[inline(always)]
fn xoshiro_next<const L: usize>(s: &mut [[u64; L]; 4]) -> [u64; L] {
    let mut out = [0; L];
    for i in 0..L {
        out[i] = s[0][i]
            .wrapping_add(s[3][i])
            .rotate_left(23)
            .wrapping_add(s[0][i]);
        let t = s[1][i] << 17;
        s[2][i] ^= s[0][i];
        s[3][i] ^= s[1][i];
        s[1][i] ^= s[2][i];
        s[0][i] ^= s[3][i];
        s[2][i] ^= t;
        s[3][i] = s[3][i].rotate_left(45);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngCore;

    /// One rep-period's block of uniforms of one slot's stream alone: what
    /// [`SlotStreams::draw_blocks`] must give each slot.
    fn draw_block(rng: &mut Xoshiro256PlusPlus) -> [f64; DRAWS_PER_REP_PERIOD] {
        let mut u = [0.0; DRAWS_PER_REP_PERIOD];
        for slot in u.iter_mut() {
            *slot = open_uniform(rng.next_u64());
        }
        u
    }

    /// The sequential searches the branch-free samplers must reproduce draw for draw.
    fn poisson_sequential(mean: f64, u: f64) -> u32 {
        if mean <= 0.0 {
            return 0;
        }
        if mean > 500.0 {
            return (mean + mean.sqrt() * std_normal(u) + 0.5).max(0.0) as u32;
        }
        let mut p = vmath::exp(-mean);
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

    #[test]
    fn far_lanes_give_the_sequential_searches_draws() {
        // Lanes of every kind side by side: the first terms, long searches of
        // different lengths, the ends of the uniforms, means set apart.
        let mut rng = stream(12, 0, 0);
        let means = [0.0, -1.0, f64::NAN, 3.0, 25.0, 80.0, 300.0, 800.0];
        for k in 0..50_000usize {
            let mut mean = [0.0; 8];
            let mut u = [0.0; 8];
            for i in 0..8 {
                let v = open_uniform(rng.next_u64());
                mean[i] = means[(k + i * 3) % 8] * (0.5 + v);
                u[i] = match (k + i) % 11 {
                    0 => 1.0 - v * 1e-15,
                    1 => v * 1e-12,
                    _ => open_uniform(rng.next_u64()),
                };
            }
            let far = poisson_lanes_far(&mean, &u);
            let near = poisson_lanes(&mean, &u);
            for i in 0..8 {
                let want = if mean[i].is_nan() {
                    0
                } else {
                    poisson_sequential(mean[i], u[i])
                };
                assert_eq!(far[i], want, "mean {} u {}", mean[i], u[i]);
                assert_eq!(near[i], want, "mean {} u {}", mean[i], u[i]);
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
    fn slot_streams_are_rand_xoshiros_streams_word_for_word() {
        let slots = 19;
        for (seed, replication) in [(0, 0), (1, 7), (u64::MAX, 12_345), (20240601, 3)] {
            let mut soa = SlotStreams::new(seed, replication, slots);
            let mut reference: Vec<Xoshiro256PlusPlus> = (0..slots as u64)
                .map(|j| stream(seed, replication, j))
                .collect();
            for _ in 0..40 {
                for first in (0..slots).step_by(8) {
                    let u = soa.draw_blocks::<8>(first);
                    for lane in 0..8 {
                        let j = first + lane;
                        let want = match reference.get_mut(j) {
                            Some(r) => draw_block(r),
                            None => [0.5; DRAWS_PER_REP_PERIOD],
                        };
                        for (row, w) in u.iter().zip(want) {
                            assert_eq!(row[lane].to_bits(), w.to_bits(), "slot {j}");
                        }
                    }
                }
            }
            soa.reseed(4, 9, 9, 9);
            reference[4] = stream(9, 9, 9);
            let u = soa.draw_blocks::<8>(0);
            let want = draw_block(&mut reference[4]);
            for (row, w) in u.iter().zip(want) {
                assert_eq!(row[4].to_bits(), w.to_bits(), "a reseeded slot");
            }
        }
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
