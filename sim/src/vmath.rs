//! Elementary functions of the hot loop, computed lane by lane: `exp`, `ln` and an
//! integer power, over arrays of `L` values.
//!
//! Written by hand for two reasons the platform's `libm` cannot serve:
//! - **One source, scalar and vector.** Each function is a fixed sequence of IEEE
//!   additions, multiplications, divisions, square roots and bit operations applied to
//!   every lane, with no data-dependent branch. The compiler turns a call with `L = 8`
//!   into SIMD code (SSE2, AVX2 or AVX-512, chosen at run time by the engine's
//!   kernel) and a call with `L = 1` into scalar code, and every
//!   lane's result is the same bit for bit: IEEE arithmetic rounds each operation the
//!   same whatever the vector width, and no operation is fused (Rust never contracts
//!   `a * b + c` into a fused multiply-add on its own).
//! - **The same numbers on every machine.** `f64::exp` and `f64::ln` call the C
//!   library, whose last bits differ between versions and platforms; these do not.
//!
//! `exp` and `ln` follow fdlibm's algorithms (Sun Microsystems, 1993: the reduction
//! and minimax polynomials of `e_exp.c` and `e_log.c`), accurate to within one unit in
//! the last place; the tests check them against the C library's to 1 ulp.
// fdlibm's constants as published, digits beyond a double's included.
#![allow(clippy::excessive_precision)]

/// ln(2)'s leading bits: `k * LN2_HI` is exact for the exponents `k` of a double.
const LN2_HI: f64 = 6.931_471_803_691_238_164_90e-01;
/// ln(2) minus [`LN2_HI`].
const LN2_LO: f64 = 1.908_214_929_270_587_700_02e-10;
/// 1 / ln(2) (fdlibm's `invln2`, the same double).
const INV_LN2: f64 = std::f64::consts::LOG2_E;
/// 1.5 * 2^52: adding it rounds a double below 2^51 in magnitude to an integer, held
/// in the sum's low mantissa bits.
const ROUNDING_SHIFT: f64 = 6_755_399_441_055_744.0;
/// Above this, exp overflows to infinity.
const EXP_OVERFLOW: f64 = 7.097_827_128_933_84e+02;
/// Below this, exp underflows to zero.
const EXP_UNDERFLOW: f64 = -7.451_332_191_019_412e+02;

/// exp(x) of each lane, within one ulp; `+inf` above 709.78, `0` below -745.13 and
/// NaN for NaN.
#[inline(always)]
pub fn exp_lanes<const L: usize>(x: &[f64; L]) -> [f64; L] {
    const P1: f64 = 1.666_666_666_666_660_190_37e-01;
    const P2: f64 = -2.777_777_777_701_559_338_42e-03;
    const P3: f64 = 6.613_756_321_437_934_361_17e-05;
    const P4: f64 = -1.653_390_220_546_525_153_90e-06;
    const P5: f64 = 4.138_136_797_057_238_460_39e-08;
    let mut out = [0.0; L];
    for i in 0..L {
        // Clamped so that the reduction stays finite; the ends are set below.
        let xi = x[i].clamp(EXP_UNDERFLOW, EXP_OVERFLOW);
        // x = k ln2 + r, |r| <= ln2 / 2, k the nearest integer to x / ln2.
        let shifted = xi * INV_LN2 + ROUNDING_SHIFT;
        let kf = shifted - ROUNDING_SHIFT;
        let k = shifted.to_bits() as i64 - ROUNDING_SHIFT.to_bits() as i64;
        let hi = xi - kf * LN2_HI;
        let lo = kf * LN2_LO;
        let r = hi - lo;
        // exp(r) = 1 + r + r c / (2 - c), c the minimax remainder (fdlibm's e_exp.c).
        let t = r * r;
        let c = r - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
        let y = 1.0 - ((lo - (r * c) / (2.0 - c)) - hi);
        // y * 2^k, in two exact steps so that neither power of two leaves the normal
        // range (k runs from -1075 to 1024).
        let half = k >> 1;
        let first = f64::from_bits(((half + 1023) as u64) << 52);
        let second = f64::from_bits(((k - half + 1023) as u64) << 52);
        let v = y * first * second;
        out[i] = if x[i] > EXP_OVERFLOW {
            f64::INFINITY
        } else if x[i] < EXP_UNDERFLOW {
            0.0
        } else if x[i].is_nan() {
            x[i]
        } else {
            v
        };
    }
    out
}

/// exp(x), as [`exp_lanes`] computes it.
#[inline]
pub fn exp(x: f64) -> f64 {
    exp_lanes(&[x])[0]
}

/// ln(x) of each lane, within one ulp, for positive normal finite `x` (the hot loop's
/// arguments: uniforms in (0, 1) and their complements); other inputs give
/// unspecified values.
#[inline(always)]
pub fn ln_lanes<const L: usize>(x: &[f64; L]) -> [f64; L] {
    const LG1: f64 = 6.666_666_666_666_735_130e-01;
    const LG2: f64 = 3.999_999_999_940_941_908e-01;
    const LG3: f64 = 2.857_142_874_366_239_149e-01;
    const LG4: f64 = 2.222_219_843_214_978_396e-01;
    const LG5: f64 = 1.818_357_216_161_805_012e-01;
    const LG6: f64 = 1.531_383_769_920_937_332e-01;
    const LG7: f64 = 1.479_819_860_511_658_591e-01;
    const MANTISSA: u64 = (1 << 52) - 1;
    let mut out = [0.0; L];
    for i in 0..L {
        let bits = x[i].to_bits();
        // x = 2^k m with m in [sqrt(2)/2, sqrt(2)).
        let m1 = f64::from_bits((bits & MANTISSA) | 0x3ff0_0000_0000_0000);
        let k1 = ((bits >> 52) & 0x7ff) as i64 - 1023;
        let big = m1 > std::f64::consts::SQRT_2;
        let m = if big { m1 * 0.5 } else { m1 };
        let kf = (if big { k1 + 1 } else { k1 }) as f64;
        // ln(m) = ln(1 + f) = 2 atanh(s), s = f / (2 + f) (fdlibm's e_log.c).
        let f = m - 1.0;
        let hfsq = 0.5 * f * f;
        let s = f / (2.0 + f);
        let z = s * s;
        let w = z * z;
        let t1 = w * (LG2 + w * (LG4 + w * LG6));
        let t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
        let r = t2 + t1;
        out[i] = kf * LN2_HI - ((hfsq - (s * (hfsq + r) + kf * LN2_LO)) - f);
    }
    out
}

/// ln(x) for positive normal finite `x`, as [`ln_lanes`] computes it.
#[inline]
pub fn ln(x: f64) -> f64 {
    ln_lanes(&[x])[0]
}

/// `base^n` of each lane by repeated squaring, in the order of the compiler's runtime
/// (`__powidf2`, which `f64::powi` calls for an exponent unknown at compile time): the
/// same bits as `base.powi(n)` for every `n` below 2^31.
#[inline(always)]
pub fn powi_lanes<const L: usize>(base: &[f64; L], n: &[u32; L]) -> [f64; L] {
    let mut result = [1.0; L];
    let mut square = *base;
    let mut left = *n;
    // As many rounds as the largest exponent has bits; lanes whose exponent is
    // used up keep their result.
    let rounds = 32 - n.iter().fold(0, |a, &b| a | b).leading_zeros();
    for _ in 0..rounds {
        for i in 0..L {
            if left[i] & 1 != 0 {
                result[i] *= square[i];
            }
            left[i] >>= 1;
            square[i] *= square[i];
        }
    }
    result
}

/// `base^n`, as [`powi_lanes`] computes it (the same bits as `base.powi(n)`).
#[inline]
pub fn powi(base: f64, n: u32) -> f64 {
    powi_lanes(&[base], &[n])[0]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Distance in units in the last place between two finite doubles of one sign.
    fn ulps(a: f64, b: f64) -> u64 {
        (a.to_bits() as i64 - b.to_bits() as i64).unsigned_abs()
    }

    /// A deterministic sweep of `n` points in `[lo, hi]`, jittered off a regular grid.
    fn sweep(lo: f64, hi: f64, n: usize) -> impl Iterator<Item = f64> {
        (0..n).map(move |i| {
            // A fixed pseudo-random fraction of a step (Weyl sequence of the golden ratio).
            let jitter = (i as f64 * 0.618_033_988_749_895).fract();
            lo + (hi - lo) * (i as f64 + jitter) / n as f64
        })
    }

    #[test]
    fn exp_is_within_one_ulp_of_the_c_library() {
        let mut worst = 0;
        for x in sweep(-745.0, 709.7, 400_000).chain(sweep(-2.0, 2.0, 200_000)) {
            let (ours, libm) = (exp(x), x.exp());
            if libm >= f64::MIN_POSITIVE {
                worst = worst.max(ulps(ours, libm));
            } else {
                // Subnormal results: within one unit of the smallest subnormal step.
                assert!((ours - libm).abs() <= 2.0 * 4.9e-324, "exp({x})");
            }
        }
        assert!(worst <= 1, "exp is {worst} ulps from the C library's");
    }

    #[test]
    fn exp_has_its_exact_points_and_ends() {
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(-0.0), 1.0);
        assert!(ulps(exp(1.0), std::f64::consts::E) <= 1);
        assert_eq!(exp(710.0), f64::INFINITY);
        assert_eq!(exp(f64::INFINITY), f64::INFINITY);
        assert_eq!(exp(-746.0), 0.0);
        assert_eq!(exp(f64::NEG_INFINITY), 0.0);
        assert!(exp(f64::NAN).is_nan());
        assert!(ulps(exp(709.78), 709.78f64.exp()) <= 1);
        for k in -1000..1000 {
            let x = k as f64 * std::f64::consts::LN_2;
            assert!(ulps(exp(x), x.exp()) <= 1, "exp({k} ln 2)");
        }
    }

    #[test]
    fn ln_is_within_one_ulp_of_the_c_library() {
        let mut worst = 0;
        let points = sweep(0.0, 1.0, 400_000)
            .chain(sweep(1e-300, 1e-290, 10_000))
            .chain(sweep(0.7, 1.5, 200_000))
            .chain(sweep(1.0, 1e300, 10_000))
            .filter(|&x| x >= f64::MIN_POSITIVE);
        for x in points {
            worst = worst.max(ulps(ln(x), x.ln()));
        }
        assert!(worst <= 1, "ln is {worst} ulps from the C library's");
        assert_eq!(ln(1.0), 0.0);
        assert_eq!(ln(2.0), std::f64::consts::LN_2);
        assert_eq!(ln(f64::MIN_POSITIVE), f64::MIN_POSITIVE.ln());
    }

    #[test]
    fn powi_is_the_compilers_powi_bit_for_bit() {
        for (i, base) in sweep(0.0, 1.0, 2_000)
            .chain(sweep(0.9, 1.1, 500))
            .enumerate()
        {
            for n in [0, 1, 2, 3, 7, 8, 63, 64, 65, 100, 1000, 12_345, 1 << 20] {
                let n = n + (i as u32 % 3);
                assert_eq!(
                    powi(base, n).to_bits(),
                    base.powi(n as i32).to_bits(),
                    "{base}^{n}"
                );
            }
        }
    }

    #[test]
    fn lanes_give_each_lanes_scalar_result() {
        let xs: Vec<f64> = sweep(-50.0, 50.0, 8 * 1000).collect();
        for chunk in xs.chunks_exact(8) {
            let x: [f64; 8] = chunk.try_into().unwrap();
            let e = exp_lanes(&x);
            let positive = x.map(|v| v.abs() + 1e-3);
            let l = ln_lanes(&positive);
            let n = x.map(|v| (v.abs() * 7.0) as u32);
            let p = powi_lanes(&positive.map(|v| 1.0 / (1.0 + v)), &n);
            for i in 0..8 {
                assert_eq!(e[i].to_bits(), exp(x[i]).to_bits());
                assert_eq!(l[i].to_bits(), ln(positive[i]).to_bits());
                assert_eq!(
                    p[i].to_bits(),
                    powi(1.0 / (1.0 + positive[i]), n[i]).to_bits()
                );
            }
        }
    }
}
