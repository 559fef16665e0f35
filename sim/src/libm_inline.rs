//! `erfc` and the `exp` it calls, copied from the `libm` crate so that they inline.
//!
//! The normal module's Phi calls `erfc` at every finite end of the behaviour solve's
//! curves. `libm::erfc` calls `libm::exp` twice, on independent arguments; copied
//! here, `exp` inlines into `erfc` and `erfc` into Phi, so the two exponentials'
//! operations can overlap, and the behaviour solve is faster (the guard's solve ratio
//! 4.53-4.59 -> 4.65-4.68). Inlining Phi in turn into the solve's loop over ends was
//! slower (3.92). The copies perform the same operations in the same
//! order as `libm` 0.2.16 (the version in Cargo.lock), so they give its results bit for
//! bit (tested against `libm::erfc` and `libm::exp`); only `force_eval!`, which raises
//! floating-point flags and changes no value, is left out.
//!
//! Source: rust-lang/libm 0.2.16, `src/math/erf.rs`, `src/math/exp.rs` and
//! `src/math/generic/scalbn.rs` (MIT licence), themselves from FreeBSD's msun
//! `s_erf.c` and `e_exp.c`, whose notice follows as the licence asks:
//!
//! ```text
//! Copyright (C) 1993 by Sun Microsystems, Inc. All rights reserved. (s_erf.c)
//! Copyright (C) 2004 by Sun Microsystems, Inc. All rights reserved. (e_exp.c)
//!
//! Developed at SunPro, a Sun Microsystems, Inc. business.
//! Permission to use, copy, modify, and distribute this
//! software is freely granted, provided that this notice
//! is preserved.
//! ```
// The constants as libm writes them (its 1/ln 2 is `std::f64::consts::LOG2_E`'s bits).
#![allow(
    clippy::excessive_precision,
    clippy::unreadable_literal,
    clippy::approx_constant
)]

const ERX: f64 = 8.45062911510467529297e-01; /* 0x3FEB0AC1, 0x60000000 */
// Coefficients for approximation to erf on [0, 0.84375].
const PP0: f64 = 1.28379167095512558561e-01; /* 0x3FC06EBA, 0x8214DB68 */
const PP1: f64 = -3.25042107247001499370e-01; /* 0xBFD4CD7D, 0x691CB913 */
const PP2: f64 = -2.84817495755985104766e-02; /* 0xBF9D2A51, 0xDBD7194F */
const PP3: f64 = -5.77027029648944159157e-03; /* 0xBF77A291, 0x236668E4 */
const PP4: f64 = -2.37630166566501626084e-05; /* 0xBEF8EAD6, 0x120016AC */
const QQ1: f64 = 3.97917223959155352819e-01; /* 0x3FD97779, 0xCDDADC09 */
const QQ2: f64 = 6.50222499887672944485e-02; /* 0x3FB0A54C, 0x5536CEBA */
const QQ3: f64 = 5.08130628187576562776e-03; /* 0x3F74D022, 0xC4D36B0F */
const QQ4: f64 = 1.32494738004321644526e-04; /* 0x3F215DC9, 0x221C1A10 */
const QQ5: f64 = -3.96022827877536812320e-06; /* 0xBED09C43, 0x42A26120 */
// Coefficients for approximation to erf in [0.84375, 1.25].
const PA0: f64 = -2.36211856075265944077e-03; /* 0xBF6359B8, 0xBEF77538 */
const PA1: f64 = 4.14856118683748331666e-01; /* 0x3FDA8D00, 0xAD92B34D */
const PA2: f64 = -3.72207876035701323847e-01; /* 0xBFD7D240, 0xFBB8C3F1 */
const PA3: f64 = 3.18346619901161753674e-01; /* 0x3FD45FCA, 0x805120E4 */
const PA4: f64 = -1.10894694282396677476e-01; /* 0xBFBC6398, 0x3D3E28EC */
const PA5: f64 = 3.54783043256182359371e-02; /* 0x3FA22A36, 0x599795EB */
const PA6: f64 = -2.16637559486879084300e-03; /* 0xBF61BF38, 0x0A96073F */
const QA1: f64 = 1.06420880400844228286e-01; /* 0x3FBB3E66, 0x18EEE323 */
const QA2: f64 = 5.40397917702171048937e-01; /* 0x3FE14AF0, 0x92EB6F33 */
const QA3: f64 = 7.18286544141962662868e-02; /* 0x3FB2635C, 0xD99FE9A7 */
const QA4: f64 = 1.26171219808761642112e-01; /* 0x3FC02660, 0xE763351F */
const QA5: f64 = 1.36370839120290507362e-02; /* 0x3F8BEDC2, 0x6B51DD1C */
const QA6: f64 = 1.19844998467991074170e-02; /* 0x3F888B54, 0x5735151D */
// Coefficients for approximation to erfc in [1.25, 1/0.35].
const RA0: f64 = -9.86494403484714822705e-03; /* 0xBF843412, 0x600D6435 */
const RA1: f64 = -6.93858572707181764372e-01; /* 0xBFE63416, 0xE4BA7360 */
const RA2: f64 = -1.05586262253232909814e+01; /* 0xC0251E04, 0x41B0E726 */
const RA3: f64 = -6.23753324503260060396e+01; /* 0xC04F300A, 0xE4CBA38D */
const RA4: f64 = -1.62396669462573470355e+02; /* 0xC0644CB1, 0x84282266 */
const RA5: f64 = -1.84605092906711035994e+02; /* 0xC067135C, 0xEBCCABB2 */
const RA6: f64 = -8.12874355063065934246e+01; /* 0xC0545265, 0x57E4D2F2 */
const RA7: f64 = -9.81432934416914548592e+00; /* 0xC023A0EF, 0xC69AC25C */
const SA1: f64 = 1.96512716674392571292e+01; /* 0x4033A6B9, 0xBD707687 */
const SA2: f64 = 1.37657754143519042600e+02; /* 0x4061350C, 0x526AE721 */
const SA3: f64 = 4.34565877475229228821e+02; /* 0x407B290D, 0xD58A1A71 */
const SA4: f64 = 6.45387271733267880336e+02; /* 0x40842B19, 0x21EC2868 */
const SA5: f64 = 4.29008140027567833386e+02; /* 0x407AD021, 0x57700314 */
const SA6: f64 = 1.08635005541779435134e+02; /* 0x405B28A3, 0xEE48AE2C */
const SA7: f64 = 6.57024977031928170135e+00; /* 0x401A47EF, 0x8E484A93 */
const SA8: f64 = -6.04244152148580987438e-02; /* 0xBFAEEFF2, 0xEE749A62 */
// Coefficients for approximation to erfc in [1/0.35, 28].
const RB0: f64 = -9.86494292470009928597e-03; /* 0xBF843412, 0x39E86F4A */
const RB1: f64 = -7.99283237680523006574e-01; /* 0xBFE993BA, 0x70C285DE */
const RB2: f64 = -1.77579549177547519889e+01; /* 0xC031C209, 0x555F995A */
const RB3: f64 = -1.60636384855821916062e+02; /* 0xC064145D, 0x43C5ED98 */
const RB4: f64 = -6.37566443368389627722e+02; /* 0xC083EC88, 0x1375F228 */
const RB5: f64 = -1.02509513161107724954e+03; /* 0xC0900461, 0x6A2E5992 */
const RB6: f64 = -4.83519191608651397019e+02; /* 0xC07E384E, 0x9BDC383F */
const SB1: f64 = 3.03380607434824582924e+01; /* 0x403E568B, 0x261D5190 */
const SB2: f64 = 3.25792512996573918826e+02; /* 0x40745CAE, 0x221B9F0A */
const SB3: f64 = 1.53672958608443695994e+03; /* 0x409802EB, 0x189D5118 */
const SB4: f64 = 3.19985821950859553908e+03; /* 0x40A8FFB7, 0x688C246A */
const SB5: f64 = 2.55305040643316442583e+03; /* 0x40A3F219, 0xCEDF3BE6 */
const SB6: f64 = 4.74528541206955367215e+02; /* 0x407DA874, 0xE79FE763 */
const SB7: f64 = -2.24409524465858183362e+01; /* 0xC03670E2, 0x42712D62 */

/// The high 32 bits of `x` (libm's `get_high_word`).
#[inline(always)]
fn high_word(x: f64) -> u32 {
    (x.to_bits() >> 32) as u32
}

/// erfc on 0.84375 <= |x| < 1.25 (libm's `erfc1`).
#[inline(always)]
fn erfc1(x: f64) -> f64 {
    let s = x.abs() - 1.0;
    let p = PA0 + s * (PA1 + s * (PA2 + s * (PA3 + s * (PA4 + s * (PA5 + s * PA6)))));
    let q = 1.0 + s * (QA1 + s * (QA2 + s * (QA3 + s * (QA4 + s * (QA5 + s * QA6)))));
    1.0 - ERX - p / q
}

/// erfc of |x| on 0.84375 <= |x| < 28, `ix` the high word of |x| (libm's `erfc2`).
#[inline(always)]
fn erfc2(ix: u32, mut x: f64) -> f64 {
    if ix < 0x3ff40000 {
        // |x| < 1.25
        return erfc1(x);
    }
    x = x.abs();
    let s = 1.0 / (x * x);
    let (r, big_s);
    if ix < 0x4006db6d {
        // |x| < 1/0.35 ~ 2.85714
        r = RA0 + s * (RA1 + s * (RA2 + s * (RA3 + s * (RA4 + s * (RA5 + s * (RA6 + s * RA7))))));
        big_s = 1.0
            + s * (SA1
                + s * (SA2 + s * (SA3 + s * (SA4 + s * (SA5 + s * (SA6 + s * (SA7 + s * SA8)))))));
    } else {
        // |x| > 1/0.35
        r = RB0 + s * (RB1 + s * (RB2 + s * (RB3 + s * (RB4 + s * (RB5 + s * RB6)))));
        big_s =
            1.0 + s * (SB1 + s * (SB2 + s * (SB3 + s * (SB4 + s * (SB5 + s * (SB6 + s * SB7))))));
    }
    // x with its low 32 bits cleared (libm's `with_set_low_word(x, 0)`).
    let z = f64::from_bits(x.to_bits() & 0xffffffff_00000000);
    exp(-z * z - 0.5625) * exp((z - x) * (z + x) + r / big_s) / x
}

/// The complementary error function erfc(x), `libm::erfc` bit for bit, inlined.
#[inline(always)]
pub fn erfc(x: f64) -> f64 {
    let mut ix = high_word(x);
    let sign = (ix >> 31) as usize;
    ix &= 0x7fffffff;
    if ix >= 0x7ff00000 {
        // erfc(nan) = nan, erfc(+-inf) = 0, 2
        return 2.0 * (sign as f64) + 1.0 / x;
    }
    if ix < 0x3feb0000 {
        // |x| < 0.84375
        if ix < 0x3c700000 {
            // |x| < 2^-56
            return 1.0 - x;
        }
        let z = x * x;
        let r = PP0 + z * (PP1 + z * (PP2 + z * (PP3 + z * PP4)));
        let s = 1.0 + z * (QQ1 + z * (QQ2 + z * (QQ3 + z * (QQ4 + z * QQ5))));
        let y = r / s;
        if sign != 0 || ix < 0x3fd00000 {
            // x < 1/4
            return 1.0 - (x + x * y);
        }
        return 0.5 - (x - 0.5 + x * y);
    }
    if ix < 0x403c0000 {
        // 0.84375 <= |x| < 28
        if sign != 0 {
            return 2.0 - erfc2(ix, x);
        } else {
            return erfc2(ix, x);
        }
    }
    let x1p_1022 = f64::from_bits(0x0010000000000000);
    if sign != 0 {
        2.0 - x1p_1022
    } else {
        x1p_1022 * x1p_1022
    }
}

const HALF: [f64; 2] = [0.5, -0.5];
const LN2HI: f64 = 6.93147180369123816490e-01; /* 0x3fe62e42, 0xfee00000 */
const LN2LO: f64 = 1.90821492927058770002e-10; /* 0x3dea39ef, 0x35793c76 */
const INVLN2: f64 = 1.44269504088896338700e+00; /* 0x3ff71547, 0x652b82fe */
const P1: f64 = 1.66666666666666019037e-01; /* 0x3FC55555, 0x5555553E */
const P2: f64 = -2.77777777770155933842e-03; /* 0xBF66C16C, 0x16BEBD93 */
const P3: f64 = 6.61375632143793436117e-05; /* 0x3F11566A, 0xAF25DE2C */
const P4: f64 = -1.65339022054652515390e-06; /* 0xBEBBBD41, 0xC5D26BF1 */
const P5: f64 = 4.13813679705723846039e-08; /* 0x3E663769, 0x72BEA4D0 */

/// The exponential e^x, `libm::exp` bit for bit (its portable path, the one built for
/// x86-64 with SSE), inlined.
#[inline(always)]
pub fn exp(mut x: f64) -> f64 {
    let x1p1023 = f64::from_bits(0x7fe0000000000000); // 2^1023
    let mut hx = high_word(x);
    let sign = (hx >> 31) as usize;
    hx &= 0x7fffffff; // high word of |x|

    // Special cases.
    if hx >= 0x4086232b {
        // |x| >= 708.39...
        if x.is_nan() {
            return x;
        }
        if x > 709.782712893383973096 {
            // overflow if x != inf
            x *= x1p1023;
            return x;
        }
        // (libm raises the underflow flag below -708.39641853226410622 here.)
        if x < -745.13321910194110842 {
            return 0.;
        }
    }

    // Argument reduction.
    let (hi, lo, k): (f64, f64, i32);
    if hx > 0x3fd62e42 {
        // |x| > 0.5 ln2
        if hx >= 0x3ff0a2b2 {
            // |x| >= 1.5 ln2
            k = (INVLN2 * x + HALF[sign]) as i32;
        } else {
            k = 1 - sign as i32 - sign as i32;
        }
        hi = x - k as f64 * LN2HI; // k*ln2hi is exact here
        lo = k as f64 * LN2LO;
        x = hi - lo;
    } else if hx > 0x3e300000 {
        // |x| > 2^-28
        k = 0;
        hi = x;
        lo = 0.;
    } else {
        // (libm raises the inexact flag if x != 0 here.)
        return 1. + x;
    }

    // x is now in primary range.
    let xx = x * x;
    let c = x - xx * (P1 + xx * (P2 + xx * (P3 + xx * (P4 + xx * P5))));
    let y = 1. + (x * c / (2. - c) - lo + hi);
    if k == 0 {
        y
    } else {
        scalbn(y, k)
    }
}

/// x * 2^n (libm's generic `scalbn` for f64: exponents 1023 and -1022, 53 significand
/// bits, so the prescales are 2^1023 and 2^-1022 * 2^53 = 2^-969).
#[inline(always)]
fn scalbn(mut x: f64, mut n: i32) -> f64 {
    let f_exp_max = f64::from_bits(0x7fe0000000000000); // 2^1023
    let mul = f64::from_bits(0x0010000000000000) * f64::from_bits(0x4340000000000000); // 2^-1022 * 2^53
    let add = 1022 - 53;
    if n > 1023 {
        x *= f_exp_max;
        n -= 1023;
        if n > 1023 {
            x *= f_exp_max;
            n -= 1023;
            if n > 1023 {
                n = 1023;
            }
        }
    } else if n < -1022 {
        x *= mul;
        n += add;
        if n < -1022 {
            x *= mul;
            n += add;
            if n < -1022 {
                n = -1022;
            }
        }
    }
    let scale = f64::from_bits(((1023 + n) as u64) << 52);
    x * scale
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Points around `edge`, a few ulps and a few parts in 1e9 either side, both signs.
    fn around(edge: f64, out: &mut Vec<f64>) {
        for k in -64i64..=64 {
            let bits = (edge.to_bits() as i64 + k) as u64;
            let near = f64::from_bits(bits);
            let rel = edge * (1.0 + k as f64 * 1e-9);
            out.extend([near, -near, rel, -rel]);
        }
    }

    #[test]
    fn erfc_and_exp_are_libm_bit_for_bit() {
        let mut points = vec![
            0.0,
            -0.0,
            f64::MIN_POSITIVE,
            -f64::MIN_POSITIVE,
            5e-324,
            -5e-324,
            1e-300,
            2f64.powi(-56),
            -(2f64.powi(-56)),
            2f64.powi(-28),
            -(2f64.powi(-28)),
            f64::MAX,
            f64::MIN,
            1e300,
            -1e300,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            -f64::NAN,
        ];
        // erfc's region edges (|x| = 0.84375, 1.25, 1/0.35, 6, 28 and 1/4), and exp's
        // (|x| = ln2 / 2, 3 ln2 / 2, overflow 709.78, underflow 708.40 and 745.13).
        for edge in [0.25, 0.84375, 1.25, 1.0 / 0.35, 6.0, 28.0] {
            around(edge, &mut points);
        }
        let ln2 = std::f64::consts::LN_2;
        for edge in [
            ln2 / 2.0,
            1.5 * ln2,
            709.782712893383973096,
            708.39641853226410622,
            745.13321910194110842,
        ] {
            around(edge, &mut points);
        }
        // Spread over erfc's whole range and exp's, and Phi's arguments -z/sqrt(2).
        for i in 0..100_000u64 {
            let u = crate::rng::open_uniform(crate::rng::mix64(i));
            let z = -40.0 + 49.0 * u;
            points.extend([
                60.0 * u - 30.0,
                4.0 * u - 2.0,
                -z * std::f64::consts::FRAC_1_SQRT_2,
                1600.0 * u - 800.0,
            ]);
        }
        assert!(points.len() > 400_000);
        for &x in &points {
            let (got, want) = (erfc(x), libm::erfc(x));
            assert!(
                got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()),
                "erfc({x:e}) = {got:e}, libm {want:e}"
            );
            let (got, want) = (exp(x), libm::exp(x));
            assert!(
                got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()),
                "exp({x:e}) = {got:e}, libm {want:e}"
            );
        }
    }
}
