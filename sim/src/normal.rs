//! The standard normal distribution and exact moments of piecewise-linear
//! functions of a normal variable.
//!
//! Every cycle-based payout in plansim (target bonus, tiered commission,
//! salary-adjustment ramp) is a piecewise-linear function of attainment, possibly
//! with jumps. A rep plans with a normal forecast of attainment, so the expected
//! value and variance of such a payout have closed forms built from `Phi` and `phi`.

/// The standard normal density phi(z).
///
/// Beyond |z| = [`PDF_ZERO`] the density underflows to exactly zero, which is returned
/// without calling `exp`.
pub fn pdf(z: f64) -> f64 {
    if z.abs() > PDF_ZERO {
        return 0.0;
    }
    (-0.5 * z * z).exp() * 0.398_942_280_401_432_7
}

/// The standard normal distribution function Phi(z), accurate to double precision.
///
/// Below z = -[`PDF_ZERO`] it is exactly 0 and above [`CDF_ONE`] exactly 1 in double
/// precision; those values are returned without calling `erfc`. Its `erfc` is `libm`'s
/// copied in ([`crate::libm_inline::erfc`], `libm::erfc` bit for bit), so that its two
/// exponentials inline into it and overlap.
pub fn cdf(z: f64) -> f64 {
    if z < -PDF_ZERO {
        return 0.0;
    }
    if z > CDF_ONE {
        return 1.0;
    }
    0.5 * crate::libm_inline::erfc(-z * std::f64::consts::FRAC_1_SQRT_2)
}

/// |z| beyond which phi(z) and Phi(-|z|) underflow to exactly zero in double precision
/// (exp(-800) and erfc(28.3) are below the smallest subnormal).
pub const PDF_ZERO: f64 = 40.0;

/// z above which Phi(z) rounds to exactly one in double precision (1 - Phi(9) is 1e-19,
/// below half an ulp of one).
pub const CDF_ONE: f64 = 9.0;

/// The standard normal quantile Phi^-1(p) (Wichura's AS 241, relative error about 1e-16).
///
/// Returns minus or plus infinity at p = 0 or p = 1 and NaN outside [0, 1].
#[allow(clippy::excessive_precision, clippy::inconsistent_digit_grouping)]
pub fn quantile(p: f64) -> f64 {
    if !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    if p == 0.0 {
        return f64::NEG_INFINITY;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    let q = p - 0.5;
    if q.abs() <= 0.425 {
        let r = 0.180625 - q * q;
        return q
            * (((((((r * 2509.080_928_730_122_7 + 33430.575_583_588_128) * r
                + 67265.770_927_008_7)
                * r
                + 45921.953_931_549_87)
                * r
                + 13731.693_765_509_461)
                * r
                + 1971.590_950_306_551_3)
                * r
                + 133.141_667_891_784_38)
                * r
                + 3.387_132_872_796_366_5)
            / (((((((r * 5226.495_278_852_545 + 28729.085_735_721_943) * r
                + 39307.895_800_092_71)
                * r
                + 21213.794_301_586_597)
                * r
                + 5394.196_021_424_751)
                * r
                + 687.187_007_492_057_9)
                * r
                + 42.313_330_701_600_91)
                * r
                + 1.0);
    }
    let mut r = if q < 0.0 { p } else { 1.0 - p };
    r = (-r.ln()).sqrt();
    let val = if r <= 5.0 {
        r -= 1.6;
        (((((((r * 7.745_450_142_783_414e-4 + 0.022_723_844_989_269_184) * r
            + 0.241_780_725_177_450_6)
            * r
            + 1.270_458_252_452_368_4)
            * r
            + 3.647_848_324_763_204_5)
            * r
            + 5.769_497_221_460_691)
            * r
            + 4.630_337_846_156_546)
            * r
            + 1.423_437_110_749_683_5)
            / (((((((r * 1.050_750_071_644_416_9e-9 + 5.475_938_084_995_345e-4) * r
                + 0.015_198_666_563_616_457)
                * r
                + 0.148_103_976_427_480_08)
                * r
                + 0.689_767_334_985_1)
                * r
                + 1.676_384_830_183_803_8)
                * r
                + 2.053_191_626_637_759)
                * r
                + 1.0)
    } else {
        r -= 5.0;
        (((((((r * 2.010_334_399_292_288_1e-7 + 2.711_555_568_743_487_6e-5) * r
            + 1.242_660_947_388_078_4e-3)
            * r
            + 0.026_532_189_526_576_124)
            * r
            + 0.296_560_571_828_504_9)
            * r
            + 1.784_826_539_917_291_3)
            * r
            + 5.463_784_911_164_114)
            * r
            + 6.657_904_643_501_103)
            / (((((((r * 2.044_263_103_389_939_7e-15 + 1.421_511_758_316_446e-7) * r
                + 1.846_318_317_510_054_8e-5)
                * r
                + 7.868_691_311_456_133e-4)
                * r
                + 0.014_875_361_290_850_615)
                * r
                + 0.136_929_880_922_735_8)
                * r
                + 0.599_832_206_555_888)
                * r
                + 1.0)
    };
    if q < 0.0 {
        -val
    } else {
        val
    }
}

/// The standard normal quantile to about 7 significant digits (Wichura's PPND7 from
/// AS 241): the sampler of the hot loop, where it is about twice as fast as
/// [`quantile`] and its error (below 1e-6 in z) is far below any Monte Carlo error.
#[inline]
pub fn quantile_fast(p: f64) -> f64 {
    quantile_fast_lanes(&[p])[0]
}

/// [`quantile_fast`] of each lane, without a data-dependent branch but one (the tails'
/// logarithm is computed where any lane needs it), so that eight lanes compile to
/// vector code; each lane's result is the one lane's alone. Its logarithm is
/// [`crate::vmath::ln_lanes`], the same on every machine.
///
/// PPND7's three regions (central, and the tails near and far) are rational functions
/// of one shape, a cubic over a polynomial with constant term 1, so each lane takes its
/// region's coefficients and all lanes evaluate one rational function with one
/// division, rather than three with three (a vector division is the costliest
/// operation of the hot loop's draws). Each lane's operations are its region's alone:
/// a tail's quadratic denominator is the cubic `((0 x + e) x + f) x + 1`, whose
/// `0 x + e` is `e` exactly, and the tail's sign is a multiplication by plus or minus
/// one, exact like the central region's `q x num / den`.
#[inline(always)]
#[allow(clippy::excessive_precision, clippy::inconsistent_digit_grouping)]
pub fn quantile_fast_lanes<const L: usize>(p: &[f64; L]) -> [f64; L] {
    let q = p.map(|p| p - 0.5);
    // A NaN is not central: it takes the tails' path, which gives NaN.
    let central = q.map(|q| q.abs() <= 0.425);
    // The tails' r = sqrt(-ln(min(p, 1 - p))), of each lane that needs it (the others
    // take the logarithm of 1/2, unused); skipped if no lane does.
    let mut r0 = [0.5; L];
    for i in 0..L {
        let tail = if q[i] < 0.0 { p[i] } else { 1.0 - p[i] };
        r0[i] = if central[i] { 0.5 } else { tail };
    }
    let mut r = [0.0; L];
    if central.iter().any(|&c| !c) {
        let log = crate::vmath::ln_lanes(&r0.map(|r| r.max(f64::MIN_POSITIVE)));
        r = log.map(|l| (-l).sqrt());
    }
    let mut out = [0.0; L];
    for i in 0..L {
        let near = r[i] <= 5.0;
        // Each coefficient the lane's region's: (central, near, far), selected as values
        // (blends of constants; from arrays, the compiler loads them by gathers).
        let pick = |central_c: f64, near_c: f64, far_c: f64| {
            if central[i] {
                central_c
            } else if near {
                near_c
            } else {
                far_c
            }
        };
        let c = [
            pick(59.109_374_72, 0.170_238_211_03, 0.017_337_203_997),
            pick(159.291_132_02, 1.306_728_481_6, 0.428_682_943_37),
            pick(50.434_271_938, 2.756_815_39, 3.081_226_386),
            pick(3.387_132_717_9, 1.423_437_277_7, 6.657_905_115),
            // The tails' denominators are quadratic.
            pick(67.187_563_6, 0.0, 0.0),
            pick(78.757_757_664, 0.120_211_329_75, 0.012_258_202_635),
            pick(17.895_169_469, 0.737_001_642_5, 0.241_978_942_25),
        ];
        let tail_x = r[i] - if near { 1.6 } else { 5.0 };
        let x = if central[i] {
            0.180625 - q[i] * q[i]
        } else {
            tail_x
        };
        let tail_sign = if q[i] < 0.0 { -1.0 } else { 1.0 };
        let sign = if central[i] { q[i] } else { tail_sign };
        let num = ((c[0] * x + c[1]) * x + c[2]) * x + c[3];
        let den = ((c[4] * x + c[5]) * x + c[6]) * x + 1.0;
        let val = sign * num / den;
        out[i] = if central[i] {
            val
        } else if r0[i].is_nan() {
            f64::NAN
        } else if r0[i] <= 0.0 {
            if q[i] < 0.0 {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            }
        } else {
            val
        };
    }
    out
}

/// A normal distribution N(mean, sd^2); `sd` may be zero (a point mass).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Normal {
    /// The mean.
    pub mean: f64,
    /// The standard deviation, zero or positive.
    pub sd: f64,
}

/// One linear piece `intercept + slope * x` on the interval `[from, to)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Piece {
    /// Left end of the interval (may be minus infinity).
    pub from: f64,
    /// Right end of the interval (may be plus infinity).
    pub to: f64,
    /// Value of the piece at x = 0.
    pub intercept: f64,
    /// Slope of the piece.
    pub slope: f64,
}

/// Phi, phi and z phi at one end `z` of an interval (infinite ends exact).
#[derive(Clone, Copy, Default)]
struct End {
    cdf: f64,
    pdf: f64,
    z_pdf: f64,
}

impl End {
    fn at(z: f64) -> End {
        let mut end = [End::default()];
        End::at_each(&[z], &mut end);
        end[0]
    }

    /// The ends at each of `z`, into `out`: every Phi first, then every phi. The
    /// evaluations are independent, and made in a row the processor overlaps them: a
    /// Phi (`erfc`, with its two exponentials) is a long chain of dependent operations.
    fn at_each(z: &[f64], out: &mut [End]) {
        for (end, &z) in out.iter_mut().zip(z) {
            end.cdf = if z.is_finite() {
                cdf(z)
            } else if z > 0.0 {
                1.0
            } else {
                0.0
            };
        }
        for (end, &z) in out.iter_mut().zip(z) {
            (end.pdf, end.z_pdf) = if z.is_finite() {
                let d = pdf(z);
                (d, z * d)
            } else {
                (0.0, 0.0)
            };
        }
    }
}

/// Partial moments of X ~ N(m, s^2) (s > 0) between two ends a < b: P, E[X; a<=X<b],
/// E[X^2; a<=X<b].
fn partial_moments(x: Normal, a: End, b: End) -> (f64, f64, f64) {
    let (m, s) = (x.mean, x.sd);
    let p = b.cdf - a.cdf;
    // E[Z; za<Z<zb] = phi(za) - phi(zb); E[Z^2; ...] = p + za phi(za) - zb phi(zb).
    let ez = a.pdf - b.pdf;
    let ez2 = p + a.z_pdf - b.z_pdf;
    let ex = m * p + s * ez;
    let ex2 = m * m * p + 2.0 * m * s * ez + s * s * ez2;
    (p, ex, ex2)
}

/// The same for a point mass at m on [a, b).
fn point_moments(m: f64, a: f64, b: f64) -> (f64, f64, f64) {
    if m >= a && m < b {
        (1.0, m, m * m)
    } else {
        (0.0, 0.0, 0.0)
    }
}

/// Expected value and variance of g(X) for a piecewise-linear g and X ~ N(mean, sd^2).
///
/// Pieces must not overlap; where no piece covers x, g(x) = 0.
///
/// ```
/// use plansim_sim::normal::{piecewise_moments, Normal, Piece};
/// // A step paying 1 when X >= 0, for X ~ N(0, 1): mean 1/2, variance 1/4.
/// let step = [Piece { from: 0.0, to: f64::INFINITY, intercept: 1.0, slope: 0.0 }];
/// let (m, v) = piecewise_moments(&step, Normal { mean: 0.0, sd: 1.0 });
/// assert!((m - 0.5).abs() < 1e-12 && (v - 0.25).abs() < 1e-12);
/// ```
pub fn piecewise_moments(pieces: &[Piece], x: Normal) -> (f64, f64) {
    let [moments] = piecewise_moments_each([(pieces, x)]);
    moments
}

/// [`piecewise_moments`] of each of several curves, each on its own normal, with the
/// same results bit for bit: the Phi and phi of every curve's ends are computed
/// together first (the first [`ENDS_TOGETHER`] of them), so that their evaluations
/// overlap, then each curve's sums.
///
/// ```
/// use plansim_sim::normal::{piecewise_moments, piecewise_moments_each, Normal, Piece};
/// let step = [Piece { from: 1.0, to: f64::INFINITY, intercept: 1.0, slope: 0.0 }];
/// let ramp = [Piece { from: 0.5, to: 1.5, intercept: -0.5, slope: 1.0 }];
/// let (x, y) = (Normal { mean: 1.1, sd: 0.2 }, Normal { mean: 0.9, sd: 0.3 });
/// let both = piecewise_moments_each([(&step[..], x), (&ramp[..], y)]);
/// assert_eq!(both, [piecewise_moments(&step, x), piecewise_moments(&ramp, y)]);
/// ```
pub fn piecewise_moments_each<const N: usize>(curves: [(&[Piece], Normal); N]) -> [(f64, f64); N] {
    // Curves without a piece have no moments, and no batch to set up (a commission-only
    // status quo's solve, repeated through the calibration, meets only those).
    if curves.iter().all(|(pieces, _)| pieces.is_empty()) {
        return [(0.0, 0.0); N];
    }
    // The standardised finite ends, in the order the sums meet them (an infinite end of
    // a finite forecast is known without computing).
    let mut z = [0.0; ENDS_TOGETHER];
    let mut n = 0;
    for &(pieces, x) in &curves {
        if x.sd <= 0.0 {
            continue;
        }
        new_ends(pieces, |v| {
            if !at_infinity(v, x) {
                if n < ENDS_TOGETHER {
                    z[n] = (v - x.mean) / x.sd;
                }
                n += 1;
            }
            End::default()
        });
    }
    let known = n.min(ENDS_TOGETHER);
    let mut ends = [End::default(); ENDS_TOGETHER];
    End::at_each(&z[..known], &mut ends[..known]);
    // The sums, taking the ends in the same order (any beyond the first ENDS_TOGETHER
    // computed as met).
    let mut next = 0;
    curves.map(|(pieces, x)| {
        let mut e = 0.0;
        let mut e2 = 0.0;
        let mut add = |piece: &Piece, (p, ex, ex2): (f64, f64, f64)| {
            let (a, b) = (piece.intercept, piece.slope);
            e += a * p + b * ex;
            e2 += a * a * p + 2.0 * a * b * ex + b * b * ex2;
        };
        if x.sd <= 0.0 {
            for piece in pieces {
                add(piece, point_moments(x.mean, piece.from, piece.to));
            }
        } else {
            new_ends_with(
                pieces,
                |v| {
                    if at_infinity(v, x) {
                        return End::at(v);
                    }
                    let end = if next < known {
                        ends[next]
                    } else {
                        End::at((v - x.mean) / x.sd)
                    };
                    next += 1;
                    end
                },
                |piece, a, b| add(piece, partial_moments(x, a, b)),
            );
        }
        (e, (e2 - e * e).max(0.0))
    })
}

/// Finite ends whose Phi and phi [`piecewise_moments_each`] computes together (the
/// plan's target bonus and salary adjustment, on the rep's and the team's forecasts,
/// have 5).
pub const ENDS_TOGETHER: usize = 8;

/// Whether end `v` of a piece is infinite and the forecast `x` (sd > 0) finite: the
/// end then standardises to `v` itself, without the division.
fn at_infinity(v: f64, x: Normal) -> bool {
    v.is_infinite() && x.mean.is_finite() && x.sd.is_finite()
}

/// Walks the pieces of a curve, each with its two ends: `new(v)`
/// gives the end at `v` where the piece before did not end there (adjacent pieces
/// share an end, made once), and `each(piece, from, to)` takes the piece and its ends.
fn new_ends_with(
    pieces: &[Piece],
    mut new: impl FnMut(f64) -> End,
    mut each: impl FnMut(&Piece, End, End),
) {
    let mut last: Option<(f64, End)> = None;
    let mut end = |v: f64| match last {
        Some((at, end)) if at == v => end,
        _ => {
            let end = new(v);
            last = Some((v, end));
            end
        }
    };
    for piece in pieces {
        let a = end(piece.from);
        let b = end(piece.to);
        each(piece, a, b);
    }
}

/// [`new_ends_with`] for the ends alone.
fn new_ends(pieces: &[Piece], new: impl FnMut(f64) -> End) {
    new_ends_with(pieces, new, |_, _, _| {});
}

/// Evaluates a piecewise-linear function at x: the first piece that covers x, zero
/// where none does.
///
/// Every piece is tested and the value selected without a branch, the last-tested
/// (first in order) covering piece winning: which piece a score falls on (a target hit
/// or missed) is a coin toss to the processor, and a mispredicted early return cost more
/// than the few pieces' arithmetic.
#[inline]
pub fn piecewise_value(pieces: &[Piece], x: f64) -> f64 {
    let mut value = 0.0;
    for piece in pieces.iter().rev() {
        let covers = (x >= piece.from) & (x < piece.to);
        let on_piece = piece.intercept + piece.slope * x;
        value = if covers { on_piece } else { value };
    }
    value
}

/// The `n`-point Gauss-Hermite rule for the standard normal: nodes `z_i` and weights
/// `w_i` with `E[g(Z)] ~ sum w_i g(z_i)` (the weights sum to 1), exact for polynomials
/// of degree up to `2n - 1`. The physicists' nodes are found by Newton's method on the
/// orthonormal Hermite recurrence (Press et al. 2007, Numerical Recipes, 3rd edition,
/// section 4.6, `gauher`), then rescaled from the weight `exp(-x^2)` to the normal
/// density. Written by hand: a few lines, and no crate in the dependency set has it.
pub(crate) fn gauss_hermite(n: usize) -> (Vec<f64>, Vec<f64>) {
    let nf = n as f64;
    let pim4 = std::f64::consts::PI.powf(-0.25);
    let (mut x, mut w) = (vec![0.0; n], vec![0.0; n]);
    let mut z = 0.0;
    for i in 0..n.div_ceil(2) {
        z = match i {
            0 => (2.0 * nf + 1.0).sqrt() - 1.85575 * (2.0 * nf + 1.0).powf(-1.0 / 6.0),
            1 => z - 1.14 * nf.powf(0.426) / z,
            2 => 1.86 * z - 0.86 * x[0],
            3 => 1.91 * z - 0.91 * x[1],
            _ => 2.0 * z - x[i - 2],
        };
        let mut pp = 0.0;
        for _ in 0..100 {
            let (mut p1, mut p2) = (pim4, 0.0);
            for j in 1..=n {
                let p3 = p2;
                p2 = p1;
                let jf = j as f64;
                p1 = z * (2.0 / jf).sqrt() * p2 - ((jf - 1.0) / jf).sqrt() * p3;
            }
            pp = (2.0 * nf).sqrt() * p2;
            let step = p1 / pp;
            z -= step;
            if step.abs() <= 1e-14 * z.abs().max(1.0) {
                break;
            }
        }
        x[i] = z;
        x[n - 1 - i] = -z;
        w[i] = 2.0 / (pp * pp);
        w[n - 1 - i] = w[i];
    }
    let sqrt_pi = std::f64::consts::PI.sqrt();
    (
        x.into_iter()
            .map(|v| v * std::f64::consts::SQRT_2)
            .collect(),
        w.into_iter().map(|v| v / sqrt_pi).collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn piecewise_value_takes_the_first_covering_piece_and_zero_elsewhere() {
        let piece = |from, to, intercept, slope| Piece {
            from,
            to,
            intercept,
            slope,
        };
        // A threshold bonus with a ramp and a capped accelerator, and a second piece
        // overlapping the first (curves do not overlap; the first one still wins).
        let pieces = [
            piece(0.8, 1.0, -4.0, 5.0),
            piece(0.9, 2.0, 100.0, 0.0),
            piece(1.0, 1.5, 0.5, 0.5),
            piece(1.5, f64::INFINITY, 1.25, 0.0),
        ];
        let first_covering = |x: f64| {
            pieces
                .iter()
                .find(|p| x >= p.from && x < p.to)
                .map_or(0.0, |p| p.intercept + p.slope * x)
        };
        for x in [
            f64::NEG_INFINITY,
            -1.0,
            0.0,
            0.7999,
            0.8,
            0.95,
            1.0,
            1.2,
            1.5,
            3.0,
            f64::INFINITY,
            f64::NAN,
        ] {
            let value = piecewise_value(&pieces, x);
            assert_eq!(value.to_bits(), first_covering(x).to_bits(), "x = {x}");
        }
        assert_eq!(piecewise_value(&pieces, 0.95), 0.75);
        assert_eq!(piecewise_value(&pieces, 1.2), 100.0);
        assert_eq!(piecewise_value(&pieces, 2.5), 1.25);
        assert_eq!(piecewise_value(&pieces, 0.5), 0.0);
        assert_eq!(piecewise_value(&[], 1.0), 0.0);
    }

    #[test]
    fn gauss_hermite_rules_integrate_normal_moments_exactly() {
        for n in [24, 32] {
            let (z, w) = gauss_hermite(n);
            let moment = |p: i32| -> f64 { z.iter().zip(&w).map(|(z, w)| w * z.powi(p)).sum() };
            // E[Z^0..8] of a standard normal: 1, 0, 1, 0, 3, 0, 15, 0, 105.
            for (p, exact) in [1.0, 0.0, 1.0, 0.0, 3.0, 0.0, 15.0, 0.0, 105.0]
                .into_iter()
                .enumerate()
            {
                assert!(
                    (moment(p as i32) - exact).abs() < 1e-10 * (1.0 + exact),
                    "n = {n}: E[Z^{p}] = {} not {exact}",
                    moment(p as i32)
                );
            }
            // E[exp(-s Z)] = exp(s^2 / 2): the CARA expectation of a normal.
            let s: f64 = 1.3;
            let e: f64 = z.iter().zip(&w).map(|(z, w)| w * (-s * z).exp()).sum();
            assert!((e - (s * s / 2.0).exp()).abs() < 1e-10 * e, "n = {n}");
        }
    }

    #[test]
    fn cdf_and_quantile_agree_with_tables() {
        assert!((cdf(1.959_963_984_540_054) - 0.975).abs() < 1e-15);
        assert!((cdf(0.0) - 0.5).abs() < 1e-16);
        assert!((quantile(0.975) - 1.959_963_984_540_054).abs() < 1e-13);
        assert!((quantile(0.05) + 1.644_853_626_951_472_7).abs() < 1e-13);
        for &p in &[1e-12, 1e-6, 0.01, 0.3, 0.5, 0.77, 0.999, 1.0 - 1e-10] {
            let z = quantile(p);
            assert!((cdf(z) - p).abs() / p.min(1.0 - p) < 1e-9, "p={p}");
        }
        assert!(quantile(-0.1).is_nan());
    }

    #[test]
    fn fast_quantile_agrees_with_as241_to_seven_digits() {
        let mut worst: f64 = 0.0;
        for i in 1..200_000 {
            let p = i as f64 / 200_000.0;
            worst = worst.max((quantile_fast(p) - quantile(p)).abs());
        }
        for &p in &[1e-300, 1e-100, 1e-20, 1e-9, 1.0 - 1e-12] {
            let (a, b) = (quantile_fast(p), quantile(p));
            assert!(
                (a - b).abs() <= 1e-6 * b.abs().max(1.0),
                "p={p}: {a} vs {b}"
            );
        }
        assert!(worst < 1e-6, "largest difference {worst}");
    }

    /// Wichura's PPND7 as published, one region at a time with its own division: what
    /// [`quantile_fast_lanes`]'s one shared division must give bit for bit.
    #[allow(clippy::excessive_precision, clippy::inconsistent_digit_grouping)]
    fn ppnd7(p: f64) -> f64 {
        let q = p - 0.5;
        if q.abs() <= 0.425 {
            let r = 0.180625 - q * q;
            return q
                * (((59.109_374_72 * r + 159.291_132_02) * r + 50.434_271_938) * r
                    + 3.387_132_717_9)
                / (((67.187_563_6 * r + 78.757_757_664) * r + 17.895_169_469) * r + 1.0);
        }
        let r0 = if q < 0.0 { p } else { 1.0 - p };
        if r0.is_nan() {
            return f64::NAN;
        }
        let val = if r0 <= 0.0 {
            f64::INFINITY
        } else {
            let r = (-crate::vmath::ln(r0.max(f64::MIN_POSITIVE))).sqrt();
            if r <= 5.0 {
                let x = r - 1.6;
                (((0.170_238_211_03 * x + 1.306_728_481_6) * x + 2.756_815_39) * x
                    + 1.423_437_277_7)
                    / ((0.120_211_329_75 * x + 0.737_001_642_5) * x + 1.0)
            } else {
                let x = r - 5.0;
                (((0.017_337_203_997 * x + 0.428_682_943_37) * x + 3.081_226_386) * x
                    + 6.657_905_115)
                    / ((0.012_258_202_635 * x + 0.241_978_942_25) * x + 1.0)
            }
        };
        if q < 0.0 {
            -val
        } else {
            val
        }
    }

    #[test]
    fn fast_quantile_is_ppnd7_bit_for_bit() {
        // Every region and the edges between them (q = 0.425; r = 5 at p = e^-25), the
        // ends and values outside [0, 1], alone and mixed in eight lanes.
        let mut points = vec![
            0.0,
            1.0,
            -0.5,
            1.5,
            f64::NAN,
            f64::MIN_POSITIVE,
            1e-300,
            1.0 - f64::EPSILON / 2.0,
            0.075,
            0.925,
            (-25.0f64).exp(),
            1.0 - (-25.0f64).exp(),
        ];
        for k in 1..12 {
            let edge = 0.075 + k as f64 * 1e-17 - 6e-17;
            points.extend([edge, 1.0 - edge]);
            let far = (-25.0f64).exp() * (1.0 + (k as f64 - 6.0) * 1e-15);
            points.extend([far, 1.0 - far]);
        }
        for i in 0..300_000u64 {
            let u = crate::rng::open_uniform(crate::rng::mix64(i));
            points.extend([u, u * 1e-3, u.powi(40), 1.0 - u * 1e-9]);
        }
        for p in &points {
            let (got, want) = (quantile_fast(*p), ppnd7(*p));
            assert_eq!(got.to_bits(), want.to_bits(), "p = {p}: {got} vs {want}");
        }
        for chunk in points.chunks_exact(8) {
            let p: [f64; 8] = chunk.try_into().unwrap();
            let got = quantile_fast_lanes(&p);
            for i in 0..8 {
                assert_eq!(got[i].to_bits(), ppnd7(p[i]).to_bits(), "p = {}", p[i]);
            }
        }
    }

    #[test]
    fn linear_function_moments_are_exact() {
        let line = [Piece {
            from: f64::NEG_INFINITY,
            to: f64::INFINITY,
            intercept: 2.0,
            slope: 3.0,
        }];
        let (m, v) = piecewise_moments(&line, Normal { mean: 1.5, sd: 0.7 });
        assert!((m - (2.0 + 3.0 * 1.5)).abs() < 1e-12);
        assert!((v - 9.0 * 0.49).abs() < 1e-12);
    }

    /// g(x) = 0 below 0.8, linear 0..1 between 0.8 and 1.0, 1 + 2 (x - 1) to 1.25,
    /// capped at 1.5.
    fn capped_ramp() -> [Piece; 3] {
        [
            Piece {
                from: 0.8,
                to: 1.0,
                intercept: -4.0,
                slope: 5.0,
            },
            Piece {
                from: 1.0,
                to: 1.25,
                intercept: -1.0,
                slope: 2.0,
            },
            Piece {
                from: 1.25,
                to: f64::INFINITY,
                intercept: 1.5,
                slope: 0.0,
            },
        ]
    }

    #[test]
    fn capped_ramp_matches_numerical_integration() {
        let pieces = capped_ramp();
        let x = Normal {
            mean: 0.95,
            sd: 0.2,
        };
        let (m, v) = piecewise_moments(&pieces, x);
        let (mut s1, mut s2) = (0.0, 0.0);
        let n = 200_000;
        let (lo, hi) = (x.mean - 10.0 * x.sd, x.mean + 10.0 * x.sd);
        let h = (hi - lo) / n as f64;
        for i in 0..n {
            let xi = lo + (i as f64 + 0.5) * h;
            let w = pdf((xi - x.mean) / x.sd) / x.sd * h;
            let g = piecewise_value(&pieces, xi);
            s1 += g * w;
            s2 += g * g * w;
        }
        assert!((m - s1).abs() < 1e-6, "{m} vs {s1}");
        assert!((v - (s2 - s1 * s1)).abs() < 1e-6);
    }

    #[test]
    fn tail_shortcuts_return_what_libm_returns() {
        // The shortcuts return the values the full formulas give at their thresholds,
        // and Phi and phi are monotone beyond them, so they change no result.
        let full_cdf = |z: f64| 0.5 * libm::erfc(-z * std::f64::consts::FRAC_1_SQRT_2);
        let full_pdf = |z: f64| (-0.5 * z * z).exp() * 0.398_942_280_401_432_7;
        assert_eq!(full_cdf(-PDF_ZERO), 0.0);
        assert_eq!(full_cdf(CDF_ONE), 1.0);
        assert_eq!(full_pdf(PDF_ZERO), 0.0);
        assert_eq!(full_pdf(-PDF_ZERO), 0.0);
        for i in 0..=4000 {
            let z = -50.0 + 0.025 * i as f64;
            assert_eq!(cdf(z).to_bits(), full_cdf(z).to_bits(), "cdf({z})");
            assert_eq!(pdf(z).to_bits(), full_pdf(z).to_bits(), "pdf({z})");
        }
        assert!(full_cdf(8.0) < 1.0 && full_pdf(38.0) > 0.0 && full_cdf(-38.0) > 0.0);
    }

    #[test]
    fn shared_ends_give_the_same_moments_as_separate_pieces() {
        // A curve with adjacent pieces against the same pieces one at a time (no end
        // shared), far tails included: bit-identical sums.
        let pieces = capped_ramp();
        for &(mean, sd) in &[(0.95, 0.2), (1.0, 1e-4), (3.0, 0.01), (-2.0, 0.05)] {
            let x = Normal { mean, sd };
            let (mut e, mut e2) = (0.0, 0.0);
            for piece in &pieces {
                let (p, ex, ex2) = {
                    let (a, b) = (
                        End::at((piece.from - mean) / sd),
                        End::at((piece.to - mean) / sd),
                    );
                    partial_moments(x, a, b)
                };
                let (a, b) = (piece.intercept, piece.slope);
                e += a * p + b * ex;
                e2 += a * a * p + 2.0 * a * b * ex + b * b * ex2;
            }
            let (m, v) = piecewise_moments(&pieces, x);
            assert_eq!(m.to_bits(), e.to_bits());
            assert_eq!(v.to_bits(), (e2 - e * e).max(0.0).to_bits());
        }
    }

    /// The moments of `pieces` on `x` one piece at a time, no end shared or batched.
    fn moments_piece_by_piece(pieces: &[Piece], x: Normal) -> (f64, f64) {
        let (mut e, mut e2) = (0.0, 0.0);
        for piece in pieces {
            let (p, ex, ex2) = if x.sd <= 0.0 {
                point_moments(x.mean, piece.from, piece.to)
            } else {
                let (a, b) = (
                    End::at((piece.from - x.mean) / x.sd),
                    End::at((piece.to - x.mean) / x.sd),
                );
                partial_moments(x, a, b)
            };
            let (a, b) = (piece.intercept, piece.slope);
            e += a * p + b * ex;
            e2 += a * a * p + 2.0 * a * b * ex + b * b * ex2;
        }
        (e, (e2 - e * e).max(0.0))
    }

    #[test]
    fn curves_together_give_each_curve_alone_bit_for_bit() {
        // Ten curves of three finite ends each: more than are computed together, so the
        // last ones are computed as met; a point mass and far tails among them.
        let ramp = capped_ramp();
        let step = [Piece {
            from: 1.0,
            to: f64::INFINITY,
            intercept: 2500.0,
            slope: 0.0,
        }];
        let normals = [
            Normal {
                mean: 0.95,
                sd: 0.2,
            },
            Normal { mean: 1.0, sd: 0.0 },
            Normal {
                mean: 3.0,
                sd: 0.01,
            },
            Normal {
                mean: -2.0,
                sd: 0.05,
            },
            Normal { mean: 1.1, sd: 0.3 },
            Normal {
                mean: 0.7,
                sd: 1e-4,
            },
        ];
        let curves = normals.map(|x| (&ramp[..], x));
        assert!(curves.len() * 3 > ENDS_TOGETHER);
        let together = piecewise_moments_each(curves);
        for (got, x) in together.iter().zip(normals) {
            let alone = moments_piece_by_piece(&ramp, x);
            assert_eq!(got.0.to_bits(), alone.0.to_bits(), "{x:?}");
            assert_eq!(got.1.to_bits(), alone.1.to_bits(), "{x:?}");
        }
        // Curves of different shapes and an empty one, as the behaviour solve asks.
        let [a, b, c] = piecewise_moments_each([
            (&step[..], normals[0]),
            (&ramp[..], normals[4]),
            (&[][..], normals[1]),
        ]);
        assert_eq!(a, moments_piece_by_piece(&step, normals[0]));
        assert_eq!(b, moments_piece_by_piece(&ramp, normals[4]));
        assert_eq!(c, (0.0, 0.0));
        // Only empty curves: the shortcut's zeros, what the sums give an empty curve.
        let empty = piecewise_moments_each([(&[][..], normals[0]), (&[][..], normals[1])]);
        assert_eq!(empty, [moments_piece_by_piece(&[], normals[0]); 2]);
        assert_eq!(empty, [(0.0, 0.0); 2]);
    }

    #[test]
    fn point_mass_is_handled() {
        let step = [Piece {
            from: 1.0,
            to: f64::INFINITY,
            intercept: 10.0,
            slope: 0.0,
        }];
        assert_eq!(
            piecewise_moments(&step, Normal { mean: 1.2, sd: 0.0 }),
            (10.0, 0.0)
        );
        assert_eq!(
            piecewise_moments(&step, Normal { mean: 0.9, sd: 0.0 }),
            (0.0, 0.0)
        );
    }
}
