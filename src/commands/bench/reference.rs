//! A fixed reference workload that the throughput guard (`plansim bench --check`)
//! times beside the simulator, so that the ratio of their rates does not depend on
//! how fast or how loaded the machine is.
//!
//! It does what the hot loop does most (Xoshiro256++ words turned into uniforms,
//! then logarithms, exponentials and square roots), in a fixed amount, with a
//! result that depends on every step so the compiler cannot skip any. Its logarithm
//! and exponential are its own ([`ln`], [`exp`]: bit manipulation and polynomials),
//! not the standard library's that the simulator calls, so that a slower `f64::exp`
//! or `f64::ln` slows the simulator and not the reference, and the guard sees it.

use rand::{RngCore, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// Natural logarithm of a positive normal `x`, to about 1e-13 relative: `x = 2^e m`
/// with `m` in [0.75, 1.5), then the odd series of `2 atanh((m-1)/(m+1))`.
#[inline(never)]
pub fn ln(x: f64) -> f64 {
    let bits = x.to_bits();
    let mut e = ((bits >> 52) & 0x7ff) as i64 - 1023;
    let mut m = f64::from_bits((bits & ((1u64 << 52) - 1)) | (1023u64 << 52));
    if m >= 1.5 {
        m *= 0.5;
        e += 1;
    }
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    // 1 + s^2/3 + s^4/5 + ... + s^18/19 (|s| <= 0.2: the rest is below 1e-16).
    let mut series = 1.0 / 19.0;
    for d in (0..9).rev() {
        series = series * s2 + 1.0 / (2 * d + 1) as f64;
    }
    e as f64 * std::f64::consts::LN_2 + 2.0 * s * series
}

/// `e^x` for `x` in [-700, 700], to about 1e-14 relative: `x = k ln 2 + r` with
/// `|r| <= ln 2 / 2`, the Taylor polynomial of `e^r` to degree 13, times `2^k` from bits.
#[inline(never)]
pub fn exp(x: f64) -> f64 {
    let k = (x * std::f64::consts::LOG2_E).round();
    let r = x - k * std::f64::consts::LN_2;
    let mut p = INVERSE_FACTORIALS[13];
    for d in (0..13).rev() {
        p = p * r + INVERSE_FACTORIALS[d];
    }
    p * f64::from_bits(((k as i64 + 1023) as u64) << 52)
}

/// `1 / d!` for `d` from 0 to 13.
const INVERSE_FACTORIALS: [f64; 14] = {
    let mut t = [1.0; 14];
    let mut f = 1.0;
    let mut d = 1;
    while d < 14 {
        f *= d as f64;
        t[d] = 1.0 / f;
        d += 1;
    }
    t
};

/// Runs `iterations` steps of the reference loop; returns its (meaningless) result.
pub fn reference_loop(iterations: u64) -> f64 {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(0x5eed_0f7e);
    let mut acc = 0.0f64;
    for _ in 0..iterations {
        let u = ((rng.next_u64() >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64);
        let e = -ln(u);
        acc = acc * 0.999_999 + exp(0.5 * e).min(16.0) * 0.25 + e.sqrt();
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_loop_is_deterministic_and_finite() {
        let a = reference_loop(10_000);
        assert!(a.is_finite() && a > 0.0);
        assert_eq!(a.to_bits(), reference_loop(10_000).to_bits());
        assert_ne!(a.to_bits(), reference_loop(10_001).to_bits());
    }

    #[test]
    fn its_own_ln_and_exp_agree_with_the_standard_library() {
        let mut worst = (0.0f64, 0.0f64);
        let mut x = 1e-300;
        while x < 1e300 {
            worst.0 = worst
                .0
                .max(((ln(x) - x.ln()) / x.ln().abs().max(1.0)).abs());
            x *= 1.37;
        }
        let mut y = -700.0;
        while y < 700.0 {
            worst.1 = worst.1.max(((exp(y) - y.exp()) / y.exp()).abs());
            y += 0.173;
        }
        assert!(worst.0 < 1e-12 && worst.1 < 1e-12, "{worst:?}");
    }
}
