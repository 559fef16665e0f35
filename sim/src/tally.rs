//! Mergeable tallies of Monte Carlo output and their summaries.
//!
//! A [`Tally`] keeps, for each of its columns, Welford moments and, for quantiles,
//! either a [`Sketch`] (memory flat in the rows; quantiles within [`RELATIVE_ERROR`])
//! or the values themselves (for outputs that list every replication). Tallies of
//! fixed-size blocks are merged in block order, so a result never depends on how
//! blocks were spread over threads, machines or shards; sketches merge by adding
//! integer counts, which is exact in any order.

use serde::{Deserialize, Serialize};

mod sketch;
pub use sketch::{Sketch, BUCKETS_PER_BINADE, RELATIVE_ERROR, ZERO_BELOW};

/// Count, mean and sum of squared deviations of a column (Welford; Chan et al. to merge).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Moments {
    /// Number of values.
    pub n: u64,
    /// Their mean.
    pub mean: f64,
    /// Sum of squared deviations from the mean.
    pub m2: f64,
}

impl Moments {
    /// Adds one value.
    #[inline]
    pub fn push(&mut self, x: f64) {
        self.n += 1;
        let d = x - self.mean;
        self.mean += d / self.n as f64;
        self.m2 += d * (x - self.mean);
    }

    /// Merges moments of values that come after this one's.
    pub fn merge(&mut self, o: &Moments) {
        if o.n == 0 {
            return;
        }
        if self.n == 0 {
            *self = *o;
            return;
        }
        let n = self.n + o.n;
        let d = o.mean - self.mean;
        self.mean += d * o.n as f64 / n as f64;
        self.m2 += o.m2 + d * d * (self.n as f64 * o.n as f64 / n as f64);
        self.n = n;
    }

    /// Sample variance.
    pub fn variance(&self) -> f64 {
        if self.n < 2 {
            f64::NAN
        } else {
            self.m2 / (self.n - 1) as f64
        }
    }

    /// Standard error of the mean.
    pub fn std_err(&self) -> f64 {
        (self.variance() / self.n as f64).sqrt()
    }
}

/// What a [`Tally`] keeps of its columns beside their moments.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
enum Kept {
    /// Nothing: no quantiles.
    Moments,
    /// Every value (for per-replication outputs; memory grows with the rows).
    Values(Vec<Vec<f64>>),
    /// A [`Sketch`] of each column (memory flat in the rows).
    Sketches(Vec<Sketch>),
}

/// Moments of several columns, with, for quantiles, either their values or a
/// [`Sketch`] of each.
///
/// Quantiles always come from a sketch (built from the values when those are kept),
/// so a tally's summary is the same whichever it keeps.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tally {
    moments: Vec<Moments>,
    kept: Kept,
}

impl Tally {
    /// An empty tally of `width` columns, keeping their values when `keep_values`
    /// (else only their moments).
    pub fn new(width: usize, keep_values: bool) -> Self {
        Tally {
            moments: vec![Moments::default(); width],
            kept: if keep_values {
                Kept::Values(vec![Vec::new(); width])
            } else {
                Kept::Moments
            },
        }
    }

    /// An empty tally of `width` columns keeping a [`Sketch`] of each for quantiles.
    pub fn sketched(width: usize) -> Self {
        Tally {
            moments: vec![Moments::default(); width],
            kept: Kept::Sketches(vec![Sketch::new(); width]),
        }
    }

    /// Adds one row.
    pub fn push(&mut self, row: &[f64]) {
        for (m, &x) in self.moments.iter_mut().zip(row) {
            m.push(x);
        }
        match &mut self.kept {
            Kept::Moments => {}
            Kept::Values(values) => {
                for (v, &x) in values.iter_mut().zip(row) {
                    v.push(x);
                }
            }
            Kept::Sketches(sketches) => {
                for (s, &x) in sketches.iter_mut().zip(row) {
                    s.push(x);
                }
            }
        }
    }

    /// Appends a tally of later rows.
    ///
    /// A sketched tally takes another's sketches or values; a tally of values needs
    /// another's values.
    ///
    /// # Panics
    /// When this tally keeps values and `o` does not (its values are lost).
    pub fn merge(&mut self, o: &Tally) {
        for (m, om) in self.moments.iter_mut().zip(&o.moments) {
            m.merge(om);
        }
        match (&mut self.kept, &o.kept) {
            (Kept::Moments, _) => {}
            (Kept::Values(values), Kept::Values(ov)) => {
                for (v, ovv) in values.iter_mut().zip(ov) {
                    v.extend_from_slice(ovv);
                }
            }
            (Kept::Sketches(sketches), Kept::Sketches(os)) => {
                for (s, os) in sketches.iter_mut().zip(os) {
                    s.merge(os);
                }
            }
            (Kept::Sketches(sketches), Kept::Values(ov)) => {
                for (s, ovv) in sketches.iter_mut().zip(ov) {
                    ovv.iter().for_each(|&x| s.push(x));
                }
            }
            (Kept::Values(_), _) | (Kept::Sketches(_), Kept::Moments) => {
                assert!(
                    o.rows() == 0,
                    "a tally keeping values or sketches merged with one that does not"
                );
            }
        }
    }

    /// Rebuilds a tally from its moments and kept values; None when they disagree
    /// (values of another width, or a column whose value count is not its moments' count).
    pub fn from_parts(moments: Vec<Moments>, values: Option<Vec<Vec<f64>>>) -> Option<Tally> {
        if let Some(v) = &values {
            if v.len() != moments.len()
                || v.iter().zip(&moments).any(|(c, m)| c.len() as u64 != m.n)
            {
                return None;
            }
        }
        Some(Tally {
            moments,
            kept: values.map_or(Kept::Moments, Kept::Values),
        })
    }

    /// Number of columns.
    pub fn width(&self) -> usize {
        self.moments.len()
    }

    /// True when the values are kept (for per-replication outputs).
    pub fn keeps_values(&self) -> bool {
        matches!(self.kept, Kept::Values(_))
    }

    /// Number of rows.
    pub fn rows(&self) -> u64 {
        self.moments.first().map_or(0, |m| m.n)
    }

    /// Moments of column `i`.
    pub fn moments(&self, i: usize) -> &Moments {
        &self.moments[i]
    }

    /// Values of column `i`, when kept.
    pub fn values(&self, i: usize) -> Option<&[f64]> {
        match &self.kept {
            Kept::Values(v) => Some(v[i].as_slice()),
            _ => None,
        }
    }

    /// The sketch of column `i` (built from its values when those are kept); None
    /// when only moments are kept.
    pub fn sketch(&self, i: usize) -> Option<std::borrow::Cow<'_, Sketch>> {
        match &self.kept {
            Kept::Moments => None,
            Kept::Values(v) => Some(std::borrow::Cow::Owned(Sketch::of(&v[i]))),
            Kept::Sketches(s) => Some(std::borrow::Cow::Borrowed(&s[i])),
        }
    }

    /// Bytes held by the kept values or sketches (not the moments).
    pub fn kept_bytes(&self) -> usize {
        match &self.kept {
            Kept::Moments => 0,
            Kept::Values(v) => v.iter().map(|c| c.capacity() * 8).sum(),
            Kept::Sketches(s) => s.iter().map(Sketch::bytes).sum(),
        }
    }

    /// Summary of column `i`, its quantiles from its sketch.
    pub fn summary(&self, i: usize) -> Summary {
        Summary::new(&self.moments[i], self.sketch(i).as_deref())
    }
}

/// Mean, standard error, 95 % interval and quantiles of one metric.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Mean over replications.
    pub mean: f64,
    /// Monte Carlo standard error of the mean.
    pub std_err: f64,
    /// Lower end of the 95 % interval of the mean.
    pub ci95_low: f64,
    /// Upper end of the 95 % interval of the mean.
    pub ci95_high: f64,
    /// 5th percentile over replications (from a [`Sketch`]: within [`RELATIVE_ERROR`]).
    pub p05: f64,
    /// Median over replications (within [`RELATIVE_ERROR`]).
    pub p50: f64,
    /// 95th percentile over replications (within [`RELATIVE_ERROR`]).
    pub p95: f64,
}

/// 97.5 % quantile of the standard normal.
pub const Z95: f64 = 1.959_963_984_540_054;

impl Summary {
    /// Summarises moments and, when given, the sketch of the values for quantiles
    /// (each within [`RELATIVE_ERROR`]).
    pub fn new(m: &Moments, sketch: Option<&Sketch>) -> Summary {
        let se = if m.n >= 2 { m.std_err() } else { 0.0 };
        let (p05, p50, p95) = match sketch {
            Some(s) => (s.quantile(0.05), s.quantile(0.5), s.quantile(0.95)),
            None => (f64::NAN, f64::NAN, f64::NAN),
        };
        Summary {
            mean: m.mean,
            std_err: se,
            ci95_low: m.mean - Z95 * se,
            ci95_high: m.mean + Z95 * se,
            p05,
            p50,
            p95,
        }
    }
}

impl Summary {
    /// The summary with its 95 % interval cut to `bounds`, the range every value
    /// (and so the mean) lies in: the normal interval of a share near 0 or 1 would
    /// otherwise reach past it (a probability interval of [92.6 %, 101.2 %]).
    pub fn within(self, bounds: Option<(f64, f64)>) -> Summary {
        match bounds {
            Some((lo, hi)) => Summary {
                ci95_low: self.ci95_low.clamp(lo, hi),
                ci95_high: self.ci95_high.clamp(lo, hi),
                ..self
            },
            None => self,
        }
    }
}

/// Quantile of sorted values by linear interpolation (Hyndman and Fan's type 7, R's default).
pub fn quantile(sorted: &[f64], p: f64) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    if sorted.iter().any(|x| x.is_nan()) {
        return f64::NAN;
    }
    let h = (n - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(n - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interval_is_cut_to_the_bounds_of_the_values() {
        // 62 ones and 2 zeros: the normal interval of the mean reaches past 1.
        let values: Vec<f64> = (0..64).map(|i| if i < 2 { 0.0 } else { 1.0 }).collect();
        let mut m = Moments::default();
        values.iter().for_each(|&x| m.push(x));
        let s = Summary::new(&m, Some(&Sketch::of(&values)));
        assert!(s.ci95_high > 1.0, "{s:?}");
        let cut = s.within(Some((0.0, 1.0)));
        assert_eq!((cut.ci95_low, cut.ci95_high), (s.ci95_low, 1.0));
        assert_eq!((cut.mean, cut.std_err), (s.mean, s.std_err));
        assert_eq!(s.within(None), s);
    }

    #[test]
    fn merged_moments_equal_one_pass() {
        let xs: Vec<f64> = (0..1000)
            .map(|i| ((i * 7919) % 1000) as f64 / 10.0)
            .collect();
        let mut whole = Moments::default();
        xs.iter().for_each(|&x| whole.push(x));
        let mut a = Moments::default();
        let mut b = Moments::default();
        xs[..333].iter().for_each(|&x| a.push(x));
        xs[333..].iter().for_each(|&x| b.push(x));
        a.merge(&b);
        assert_eq!(a.n, whole.n);
        assert!((a.mean - whole.mean).abs() < 1e-12);
        assert!((a.m2 - whole.m2).abs() / whole.m2 < 1e-12);
    }

    #[test]
    fn quantiles_are_type_7() {
        let v = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(quantile(&v, 0.5), 3.0);
        assert!((quantile(&v, 0.05) - 1.2).abs() < 1e-12);
        assert!((quantile(&v, 0.95) - 4.8).abs() < 1e-12);
    }

    #[test]
    fn summary_interval_is_mean_plus_minus_z_se() {
        let mut t = Tally::new(1, true);
        for x in [1.0, 2.0, 3.0, 4.0] {
            t.push(&[x]);
        }
        let s = t.summary(0);
        let se = (1.666_666_666_666_666_7f64 / 4.0).sqrt();
        assert!((s.std_err - se).abs() < 1e-12);
        assert!((s.ci95_high - 2.5 - Z95 * se).abs() < 1e-12);
        // Type 7 between 2 and 3, each within the sketch's error.
        assert!((s.p50 - 2.5).abs() <= 3.0 * RELATIVE_ERROR, "{}", s.p50);
        let mut sketched = Tally::sketched(1);
        for x in [4.0, 1.0, 3.0, 2.0] {
            sketched.push(&[x]);
        }
        assert_eq!(
            sketched.summary(0),
            s,
            "the same summary from values or a sketch"
        );
    }

    #[test]
    fn a_sketched_tally_takes_blocks_of_values_as_one_pass() {
        let rows: Vec<f64> = (0..640).map(|i| ((i * 37) % 101) as f64 - 20.0).collect();
        let mut whole = Tally::sketched(1);
        rows.iter().for_each(|&x| whole.push(&[x]));
        let mut merged = Tally::sketched(1);
        for block in rows.chunks(64) {
            let mut t = Tally::new(1, true);
            block.iter().for_each(|&x| t.push(&[x]));
            merged.merge(&t);
        }
        assert_eq!(merged.sketch(0), whole.sketch(0));
        let (a, b) = (merged.summary(0), whole.summary(0));
        assert_eq!((a.p05, a.p50, a.p95), (b.p05, b.p50, b.p95));
        assert!(!merged.keeps_values() && merged.values(0).is_none());
    }
}
