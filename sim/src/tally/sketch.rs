//! A deterministic, mergeable quantile sketch: log-spaced buckets with exact integer
//! counts, in the manner of DDSketch (Masson, Rim and Lee, VLDB 2019).
//!
//! Each power-of-two range `[2^e, 2^(e+1))` is cut into [`BUCKETS_PER_BINADE`] buckets
//! of equal width, so that the largest value of a bucket is at most 1 % above its
//! smallest; a bucket is represented by the value whose relative distance to both ends
//! is equal, at most [`RELATIVE_ERROR`] (0.4975 %), cut to the least and the most
//! value the bucket has seen (so a bucket that has seen one value, such as a count
//! of 2 or a share of 50 %, gives it exactly). A value's bucket is found from the
//! bits of the `f64` with integer arithmetic only, so it is the same on every machine.
//! Negative values have a store of their own (by magnitude); magnitudes below
//! [`ZERO_BELOW`] are counted as zero; NaN and infinities are counted apart.
//!
//! Merging adds counts: it is exact and does not depend on the order of the merges,
//! so a sketch of many blocks, threads or shards equals the sketch of one pass.

use serde::{Deserialize, Serialize};

/// Buckets each power-of-two range of magnitudes is cut into.
pub const BUCKETS_PER_BINADE: i64 = 100;

/// Largest relative error of a value represented by its bucket, `1 / (2 * 100 + 1)`.
pub const RELATIVE_ERROR: f64 = 1.0 / (2 * BUCKETS_PER_BINADE + 1) as f64;

/// Magnitudes below this are counted as zero (so an absolute error below it).
pub const ZERO_BELOW: f64 = 1e-9;

/// Counts of buckets `offset ..`, with the least and the most magnitude each has
/// seen, grown as values arrive.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Store {
    offset: i64,
    counts: Vec<u64>,
    least: Vec<f64>,
    most: Vec<f64>,
}

impl Store {
    /// Makes room for bucket `key`; returns its index.
    fn index(&mut self, key: i64) -> usize {
        if self.counts.is_empty() {
            self.offset = key;
        }
        if key < self.offset {
            // Grow downwards with some slack, so a run of smaller keys is not quadratic.
            let slack = (self.counts.len() as i64 / 2).max(16);
            let new_offset = key - slack;
            let grow = (self.offset - new_offset) as usize;
            let prepend = |v: &mut Vec<f64>, fill: f64| {
                let mut grown = vec![fill; grow];
                grown.extend_from_slice(v);
                *v = grown;
            };
            let mut grown = vec![0; grow];
            grown.extend_from_slice(&self.counts);
            self.counts = grown;
            prepend(&mut self.least, f64::INFINITY);
            prepend(&mut self.most, 0.0);
            self.offset = new_offset;
        }
        let i = (key - self.offset) as usize;
        if i >= self.counts.len() {
            self.counts.resize(i + 1, 0);
            self.least.resize(i + 1, f64::INFINITY);
            self.most.resize(i + 1, 0.0);
        }
        i
    }

    fn add(&mut self, key: i64, magnitude: f64) {
        let i = self.index(key);
        self.counts[i] += 1;
        self.least[i] = self.least[i].min(magnitude);
        self.most[i] = self.most[i].max(magnitude);
    }

    /// Non-zero buckets, smallest key first: key, count, least and most magnitude.
    fn buckets(&self) -> impl DoubleEndedIterator<Item = (i64, u64, f64, f64)> + '_ {
        self.counts
            .iter()
            .enumerate()
            .filter(|(_, &c)| c > 0)
            .map(|(i, &c)| (self.offset + i as i64, c, self.least[i], self.most[i]))
    }

    fn merge(&mut self, o: &Store) {
        let Some((first, ..)) = o.buckets().next() else {
            return;
        };
        let (last, ..) = o.buckets().next_back().expect("a first bucket");
        // Room for the whole range first: one reallocation at most.
        self.index(first);
        self.index(last);
        for (k, c, least, most) in o.buckets() {
            let i = (k - self.offset) as usize;
            self.counts[i] += c;
            self.least[i] = self.least[i].min(least);
            self.most[i] = self.most[i].max(most);
        }
    }

    /// Bytes held.
    fn bytes(&self) -> usize {
        self.counts.capacity() * std::mem::size_of::<u64>()
            + (self.least.capacity() + self.most.capacity()) * std::mem::size_of::<f64>()
    }
}

impl PartialEq for Store {
    /// Equal when the same buckets hold the same counts and ends, however much room
    /// each has.
    fn eq(&self, o: &Store) -> bool {
        self.buckets().eq(o.buckets())
    }
}

/// Bucket counts of a column's values, for its quantiles within [`RELATIVE_ERROR`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Sketch {
    positive: Store,
    negative: Store,
    zero: u64,
    positive_infinite: u64,
    negative_infinite: u64,
    nan: u64,
    /// Values counted that are not NaN.
    ordered: u64,
    min: f64,
    max: f64,
}

/// Bucket of a finite magnitude of at least [`ZERO_BELOW`] (a normal `f64`):
/// `100 * exponent + the hundredth of the binade it falls in`, from its bits.
fn key(magnitude: f64) -> i64 {
    let bits = magnitude.to_bits();
    let exponent = ((bits >> 52) & 0x7ff) as i64 - 1023;
    let fraction = bits & ((1u64 << 52) - 1);
    let hundredth = ((fraction * BUCKETS_PER_BINADE as u64) >> 52) as i64;
    exponent * BUCKETS_PER_BINADE + hundredth
}

/// The value representing bucket `key`: equally far, relatively, from both its ends.
fn representative(key: i64) -> f64 {
    let exponent = key.div_euclid(BUCKETS_PER_BINADE);
    let j = key.rem_euclid(BUCKETS_PER_BINADE) as f64;
    let b = BUCKETS_PER_BINADE as f64;
    let scale = f64::from_bits(((exponent + 1023) as u64) << 52);
    // lo = 1 + j/b, hi = 1 + (j+1)/b; 2 lo hi / (lo + hi).
    let (lo, hi) = ((b + j) / b, (b + j + 1.0) / b);
    scale * (2.0 * lo * hi / (lo + hi))
}

impl Sketch {
    /// An empty sketch.
    pub fn new() -> Self {
        Sketch::default()
    }

    /// The sketch of `values`.
    pub fn of(values: &[f64]) -> Self {
        let mut s = Sketch::new();
        values.iter().for_each(|&x| s.push(x));
        s
    }

    /// Values counted, NaN included.
    pub fn count(&self) -> u64 {
        self.ordered() + self.nan
    }

    /// Values counted that are not NaN.
    fn ordered(&self) -> u64 {
        self.ordered
    }

    /// Counts one value.
    #[inline]
    pub fn push(&mut self, x: f64) {
        if x.is_nan() {
            self.nan += 1;
            return;
        }
        // +0.0 for -0.0: the ends do not depend on which zero came first.
        let x = x + 0.0;
        if self.ordered() == 0 {
            (self.min, self.max) = (x, x);
        } else {
            self.min = self.min.min(x);
            self.max = self.max.max(x);
        }
        self.ordered += 1;
        let magnitude = x.abs();
        if magnitude < ZERO_BELOW {
            self.zero += 1;
        } else if magnitude.is_infinite() {
            if x > 0.0 {
                self.positive_infinite += 1;
            } else {
                self.negative_infinite += 1;
            }
        } else if x > 0.0 {
            self.positive.add(key(magnitude), magnitude);
        } else {
            self.negative.add(key(magnitude), magnitude);
        }
    }

    /// Adds the counts of another sketch (exact, in any order).
    pub fn merge(&mut self, o: &Sketch) {
        if o.ordered() > 0 {
            if self.ordered() == 0 {
                (self.min, self.max) = (o.min, o.max);
            } else {
                self.min = self.min.min(o.min);
                self.max = self.max.max(o.max);
            }
        }
        self.positive.merge(&o.positive);
        self.negative.merge(&o.negative);
        self.zero += o.zero;
        self.positive_infinite += o.positive_infinite;
        self.negative_infinite += o.negative_infinite;
        self.nan += o.nan;
        self.ordered += o.ordered;
    }

    /// The value of rank `rank` (from 0) in ascending order, as its bucket represents
    /// it: the one value the bucket has seen, or the representative of its bucket
    /// within the least and most it has seen.
    fn at_rank(&self, mut rank: u64) -> f64 {
        let represent = |k: i64, least: f64, most: f64| {
            if least == most {
                least
            } else {
                representative(k).clamp(least, most)
            }
        };
        if rank < self.negative_infinite {
            return f64::NEG_INFINITY;
        }
        rank -= self.negative_infinite;
        for (k, c, least, most) in self.negative.buckets().rev() {
            if rank < c {
                return -represent(k, least, most);
            }
            rank -= c;
        }
        if rank < self.zero {
            return 0.0;
        }
        rank -= self.zero;
        for (k, c, least, most) in self.positive.buckets() {
            if rank < c {
                return represent(k, least, most);
            }
            rank -= c;
        }
        f64::INFINITY
    }

    /// The `p` quantile (Hyndman and Fan's type 7, R's default, between the values of
    /// the two ranks it falls between), each value within [`RELATIVE_ERROR`] of the
    /// true one (the smallest and largest exact) and between the smallest and largest
    /// values counted; NaN when there are none or any is NaN.
    pub fn quantile(&self, p: f64) -> f64 {
        let n = self.ordered();
        if n == 0 || self.nan > 0 {
            return f64::NAN;
        }
        let h = (n - 1) as f64 * p;
        let lo = h.floor() as u64;
        let hi = (lo + 1).min(n - 1);
        // The smallest and largest values are kept exactly; the others are their
        // buckets' representatives, within the smallest and largest.
        let value = |r: u64| {
            if r == 0 {
                self.min
            } else if r == n - 1 {
                self.max
            } else {
                self.at_rank(r).clamp(self.min, self.max)
            }
        };
        let (a, fraction) = (value(lo), h - lo as f64);
        if fraction == 0.0 {
            return a;
        }
        let b = value(hi);
        if a == b {
            return a;
        }
        a + fraction * (b - a)
    }

    /// Bytes held by the bucket counts.
    pub fn bytes(&self) -> usize {
        self.positive.bytes() + self.negative.bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Exact type-7 quantile of sorted values.
    fn exact(sorted: &[f64], p: f64) -> f64 {
        crate::tally::quantile(sorted, p)
    }

    #[test]
    fn every_value_is_represented_within_the_stated_error() {
        // Magnitudes from 1e-9 to 1e12 on a fine geometric grid, both signs.
        let mut x = ZERO_BELOW;
        while x < 1e12 {
            for v in [x, -x] {
                let s = Sketch::of(&[v, v]);
                // Two equal values: the sketch clamps to them, so compare the bucket itself.
                let r = representative(key(v.abs())) * v.signum();
                assert!(
                    ((r - v) / v).abs() <= RELATIVE_ERROR * (1.0 + 1e-12),
                    "{v} -> {r}"
                );
                assert_eq!(s.quantile(0.5), v, "clamped to the values counted");
            }
            x *= 1.000_731;
        }
        assert!((RELATIVE_ERROR - 0.004_975_124).abs() < 1e-9);
    }

    #[test]
    fn quantiles_are_within_the_error_of_type_7_on_mixed_values() {
        // Deterministic mixed data: negatives, zeros, shares and amounts.
        let values: Vec<f64> = (0..5000u64)
            .map(|i| {
                let u = ((i * 2_654_435_761) % 10_007) as f64 / 10_007.0;
                match i % 5 {
                    0 => 0.0,
                    1 => u,
                    2 => -3.0e5 * u,
                    3 => 1.0e6 * (1.0 + u),
                    _ => u * u * 1e-3,
                }
            })
            .collect();
        let mut sorted = values.clone();
        sorted.sort_unstable_by(f64::total_cmp);
        let s = Sketch::of(&values);
        assert_eq!(s.count(), 5000);
        for p in [0.0, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 1.0] {
            let (q, e) = (s.quantile(p), exact(&sorted, p));
            // Both neighbours of the rank are within the error of theirs.
            let h = 4999.0 * p;
            let (a, b) = (
                sorted[h.floor() as usize],
                sorted[(h.floor() as usize + 1).min(4999)],
            );
            let bound = RELATIVE_ERROR * a.abs().max(b.abs()) + ZERO_BELOW;
            assert!((q - e).abs() <= bound, "p {p}: {q} vs {e}");
        }
        assert_eq!(s.quantile(0.0), sorted[0]);
        assert_eq!(s.quantile(1.0), sorted[4999]);
    }

    #[test]
    fn merging_in_any_split_and_order_equals_one_pass() {
        let values: Vec<f64> = (0..3000)
            .map(|i| ((i * 7919) % 3001) as f64 * 13.7 - 9000.0)
            .collect();
        let whole = Sketch::of(&values);
        for parts in [2, 3, 7, 64] {
            let chunk = values.len().div_ceil(parts);
            let mut pieces: Vec<Sketch> = values.chunks(chunk).map(Sketch::of).collect();
            pieces.reverse();
            let mut merged = Sketch::new();
            pieces.iter().for_each(|p| merged.merge(p));
            assert_eq!(merged, whole, "{parts} parts");
            for p in [0.05, 0.5, 0.95] {
                assert_eq!(merged.quantile(p).to_bits(), whole.quantile(p).to_bits());
            }
        }
    }

    #[test]
    fn discrete_values_are_given_exactly() {
        // Counts and shares of a few cycles: each bucket sees one value only.
        let values: Vec<f64> = (0..1000)
            .map(|i| match i % 7 {
                0 | 1 => 0.0,
                2 | 3 => 1.0,
                4 => 2.0,
                5 => 0.75,
                _ => 131.0,
            })
            .collect();
        let mut sorted = values.clone();
        sorted.sort_unstable_by(f64::total_cmp);
        let s = Sketch::of(&values);
        for p in [0.05, 0.25, 0.5, 0.6, 0.95] {
            assert_eq!(s.quantile(p), exact(&sorted, p), "p {p}");
        }
    }

    #[test]
    fn zeros_nan_and_infinities_are_counted_apart() {
        let s = Sketch::of(&[-0.0, 0.0, 1e-12, 1.0]);
        assert_eq!(s.quantile(0.0).to_bits(), 0.0f64.to_bits(), "never -0");
        assert_eq!(s.quantile(1.0), 1.0);
        assert!(Sketch::of(&[1.0, f64::NAN]).quantile(0.5).is_nan());
        assert!(Sketch::new().quantile(0.5).is_nan());
        let s = Sketch::of(&[f64::NEG_INFINITY, 2.0, f64::INFINITY]);
        assert_eq!(s.quantile(0.0), f64::NEG_INFINITY);
        assert_eq!(s.quantile(1.0), f64::INFINITY);
        assert!((s.quantile(0.5) - 2.0).abs() <= 2.0 * RELATIVE_ERROR * (1.0 + 1e-12));
        // Shares at 0 and 1 are reported at 0 and 1, not a bucket's middle.
        let shares = Sketch::of(&[0.0, 1.0, 1.0, 1.0]);
        assert_eq!(shares.quantile(0.5), 1.0);
        assert_eq!(shares.quantile(0.0), 0.0);
    }
}
