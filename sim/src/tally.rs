//! Mergeable tallies of Monte Carlo output and their summaries.
//!
//! A [`Tally`] keeps, for each of its columns, Welford moments and (optionally)
//! the values themselves for quantiles. Tallies of fixed-size blocks are merged in
//! block order, so a result never depends on how blocks were spread over threads,
//! machines or shards.

use serde::{Deserialize, Serialize};

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

/// Moments of several columns, with their values kept when quantiles are wanted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tally {
    moments: Vec<Moments>,
    values: Option<Vec<Vec<f64>>>,
}

impl Tally {
    /// An empty tally of `width` columns.
    pub fn new(width: usize, keep_values: bool) -> Self {
        Tally {
            moments: vec![Moments::default(); width],
            values: keep_values.then(|| vec![Vec::new(); width]),
        }
    }

    /// Adds one row.
    pub fn push(&mut self, row: &[f64]) {
        for (m, &x) in self.moments.iter_mut().zip(row) {
            m.push(x);
        }
        if let Some(values) = &mut self.values {
            for (v, &x) in values.iter_mut().zip(row) {
                v.push(x);
            }
        }
    }

    /// Appends a tally of later rows.
    pub fn merge(&mut self, o: &Tally) {
        for (m, om) in self.moments.iter_mut().zip(&o.moments) {
            m.merge(om);
        }
        if let (Some(values), Some(ov)) = (&mut self.values, &o.values) {
            for (v, ovv) in values.iter_mut().zip(ov) {
                v.extend_from_slice(ovv);
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
        Some(Tally { moments, values })
    }

    /// Number of columns.
    pub fn width(&self) -> usize {
        self.moments.len()
    }

    /// True when the values are kept for quantiles.
    pub fn keeps_values(&self) -> bool {
        self.values.is_some()
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
        self.values.as_ref().map(|v| v[i].as_slice())
    }

    /// Summary of column `i`.
    pub fn summary(&self, i: usize) -> Summary {
        Summary::new(&self.moments[i], self.values(i))
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
    /// 5th percentile over replications.
    pub p05: f64,
    /// Median over replications.
    pub p50: f64,
    /// 95th percentile over replications.
    pub p95: f64,
}

/// 97.5 % quantile of the standard normal.
pub const Z95: f64 = 1.959_963_984_540_054;

impl Summary {
    /// Summarises moments and, when given, the values for quantiles.
    pub fn new(m: &Moments, values: Option<&[f64]>) -> Summary {
        let se = if m.n >= 2 { m.std_err() } else { 0.0 };
        let (p05, p50, p95) = match values {
            Some(v) if !v.is_empty() => {
                let mut sorted = v.to_vec();
                sorted.sort_unstable_by(f64::total_cmp);
                (
                    quantile(&sorted, 0.05),
                    quantile(&sorted, 0.5),
                    quantile(&sorted, 0.95),
                )
            }
            _ => (f64::NAN, f64::NAN, f64::NAN),
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
        let s = Summary::new(&m, Some(&values));
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
        assert_eq!(s.p50, 2.5);
    }
}
