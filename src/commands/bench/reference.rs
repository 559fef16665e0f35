//! A fixed reference workload that the throughput guard (`plansim bench --check`)
//! times beside the simulator, so that the ratio of their rates does not depend on
//! how fast or how loaded the machine is.
//!
//! It does what the hot loop does most (Xoshiro256++ words turned into uniforms,
//! then logarithms, exponentials and square roots), in a fixed amount, with a
//! result that depends on every step so the compiler cannot skip any.

use rand::{RngCore, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// Runs `iterations` steps of the reference loop; returns its (meaningless) result.
pub fn reference_loop(iterations: u64) -> f64 {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(0x5eed_0f7e);
    let mut acc = 0.0f64;
    for _ in 0..iterations {
        let u = ((rng.next_u64() >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64);
        let e = -u.ln();
        acc = acc * 0.999_999 + (0.5 * e).exp().min(16.0) * 0.25 + e.sqrt();
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
}
