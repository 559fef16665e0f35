//! Morris elementary-effects screening (Morris 1991; mu* of Campolongo, Cariboni and
//! Saltelli 2007) on the unit cube of the assumptions' ranges.
//!
//! A trajectory starts at a random point of a `p`-level grid and moves each
//! assumption once, in random order, by Delta = p / (2 (p - 1)): up from the lower
//! half of the grid, down from the upper half, so every point stays in the cube.
//! Assumption `i`'s elementary effect is the change of the effect over the change
//! of its unit value: the change of the answer per move across its whole range.

use rand::seq::SliceRandom;
use rand::Rng;

use super::{mean_se, Estimate, Range};
use plansim_sim::scenario::Assumption;

/// One trajectory: k + 1 points of the unit cube and the assumption moved into each
/// point after the first.
#[derive(Clone, Debug, PartialEq)]
pub struct Trajectory {
    /// The points, in unit values.
    pub points: Vec<Vec<f64>>,
    /// `moved[j]`: the assumption moved from point j to point j + 1.
    pub moved: Vec<usize>,
}

/// `r` random trajectories of `k` assumptions on a `p`-level grid (`p` even).
pub fn design(k: usize, r: u32, p: u32, rng: &mut impl Rng) -> Vec<Trajectory> {
    let step = 1.0 / (p - 1) as f64;
    let delta = p as f64 / (2.0 * (p - 1) as f64);
    (0..r)
        .map(|_| {
            let mut x: Vec<f64> = (0..k)
                .map(|_| rng.random_range(0..p) as f64 * step)
                .collect();
            let mut order: Vec<usize> = (0..k).collect();
            order.shuffle(rng);
            let mut points = vec![x.clone()];
            for &i in &order {
                // The lower half of the grid moves up, the upper half down.
                x[i] = if x[i] + delta <= 1.0 + 1e-12 {
                    x[i] + delta
                } else {
                    x[i] - delta
                };
                points.push(x.clone());
            }
            Trajectory {
                points,
                moved: order,
            }
        })
        .collect()
}

/// An assumption's Morris measures.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct MorrisRow {
    /// The assumption.
    pub assumption: Assumption,
    /// Mean elementary effect: the average change of the answer across the whole range.
    pub mu: f64,
    /// Its standard error over the trajectories.
    pub mu_se: f64,
    /// Mean absolute elementary effect: how much the assumption matters.
    pub mu_star: f64,
    /// Its standard error over the trajectories.
    pub mu_star_se: f64,
    /// Standard deviation of the elementary effects: interactions and curvature.
    pub sigma: f64,
    /// Every trajectory's elementary effect.
    pub effects: Vec<f64>,
}

/// The Morris measures of each assumption from the estimates at the design's
/// points (trajectory by trajectory, in order).
pub fn screen(ranges: &[Range], design: &[Trajectory], estimates: &[Estimate]) -> Vec<MorrisRow> {
    let k = ranges.len();
    let mut effects = vec![Vec::with_capacity(design.len()); k];
    let mut at = 0;
    for t in design {
        let y = &estimates[at..at + t.points.len()];
        for (j, &i) in t.moved.iter().enumerate() {
            let du = t.points[j + 1][i] - t.points[j][i];
            effects[i].push((y[j + 1].effect - y[j].effect) / du);
        }
        at += t.points.len();
    }
    ranges
        .iter()
        .zip(effects)
        .map(|(r, e)| {
            let (mu, mu_se) = mean_se(&e);
            let abs: Vec<f64> = e.iter().map(|x| x.abs()).collect();
            let (mu_star, mu_star_se) = mean_se(&abs);
            let sigma = mu_se * (e.len() as f64).sqrt();
            MorrisRow {
                assumption: r.assumption,
                mu,
                mu_se,
                mu_star,
                mu_star_se,
                sigma,
                effects: e,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    #[test]
    fn trajectories_move_each_assumption_once_by_delta_inside_the_cube() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        let d = design(5, 20, 4, &mut rng);
        assert_eq!(d.len(), 20);
        for t in &d {
            assert_eq!(t.points.len(), 6);
            let mut moved = t.moved.clone();
            moved.sort();
            assert_eq!(moved, vec![0, 1, 2, 3, 4]);
            for (j, &i) in t.moved.iter().enumerate() {
                for c in 0..5 {
                    let step = t.points[j + 1][c] - t.points[j][c];
                    if c == i {
                        assert!((step.abs() - 2.0 / 3.0).abs() < 1e-12, "{step}");
                    } else {
                        assert_eq!(step, 0.0);
                    }
                }
            }
            assert!(t.points.iter().flatten().all(|u| (0.0..=1.0).contains(u)));
        }
    }

    #[test]
    fn a_linear_answer_has_its_slope_as_every_effect() {
        // y = 3 u0 - 2 u1 (u2 does not matter): mu* = (3, 2, 0), sigma = 0.
        let ranges: Vec<Range> = Assumption::ALL[..3]
            .iter()
            .map(|&a| Range {
                assumption: a,
                low: 0.0,
                base: 0.5,
                high: 1.0,
            })
            .collect();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(9);
        let d = design(3, 8, 4, &mut rng);
        let estimates: Vec<Estimate> = d
            .iter()
            .flat_map(|t| &t.points)
            .map(|u| Estimate {
                values: u.clone(),
                effect: 3.0 * u[0] - 2.0 * u[1],
                se: 0.0,
                settled: true,
            })
            .collect();
        let m = screen(&ranges, &d, &estimates);
        let close = |a: f64, b: f64| (a - b).abs() < 1e-9;
        assert!(close(m[0].mu_star, 3.0) && close(m[0].mu, 3.0) && m[0].sigma < 1e-9);
        assert!(close(m[1].mu_star, 2.0) && close(m[1].mu, -2.0) && m[1].sigma < 1e-9);
        assert_eq!(m[2].mu_star, 0.0);
        assert_eq!(m[2].effects.len(), 8);
    }
}
