//! Sensitivity and robustness of a plan choice to the scenario's assumptions (the
//! reps' behaviour and the market): which assumption moves the answer most, and how
//! often the choice still wins across their ranges.
//!
//! The answer is the paired effect on the objective: the plan minus its baseline,
//! or one variant minus another, each replication's difference on common random
//! numbers (replication `i` of every point draws from the streams keyed by
//! `(seed, i)`), averaged. Every point of the analysis sets the assumptions (the
//! same values in both arms: they describe the world, not the plan), solves the
//! reps' behaviour under both plans and simulates them. Three views:
//!
//! - **one at a time** ([`Tornado`]): each assumption at its low, half-way, base,
//!   half-way and high values, the others at the scenario's, and the values where
//!   the effect changes sign between two of them;
//! - **Morris elementary effects** ([`morris`]): `r` trajectories over a `p`-level
//!   grid of all assumptions together, each moving every assumption once; mu* (the
//!   mean absolute effect of moving it across its whole range), mu and sigma (its
//!   spread: interactions or curvature), with Monte Carlo standard errors over the
//!   trajectories. Morris rather than Sobol indices because each point solves the
//!   reps' behaviour twice: Sobol's Saltelli or Jansen estimators need N (k + 2)
//!   points with N in the hundreds for stable indices (about 4,600 for 7
//!   assumptions and N = 512) where Morris screening needs r (k + 1) (80 for r = 10);
//! - **win frequency** ([`WinFrequency`]): independent uniform draws from every
//!   range, and how often the first arm is better on the objective, overall and in
//!   each half of each assumption's range.
//!
//! Points are evaluated in parallel and collected in order, each simulation merging
//! its blocks in block order: results are bit-identical for any thread count.

pub mod morris;

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

use plansim_sim::behaviour::Equilibrium;
use plansim_sim::model::Model;
use plansim_sim::rng::mix64;
use plansim_sim::scenario::{Assumption, OutcomeKind, ScenarioError, ValidScenario};

use crate::objective::Objective;
use crate::variants::{self, Variant};

pub use morris::MorrisRow;

/// Salt of the seed of the Morris trajectories.
const MORRIS_SALT: u64 = 0x5E45_0001_0000_0001;
/// Salt of the seed of the win frequency's draws.
const DRAWS_SALT: u64 = 0x5E45_0002_0000_0001;
/// Replications per point when neither the flag nor `[sensitivity]` says.
pub const DEFAULT_REPLICATIONS: u64 = 500;

/// What is compared: a scenario's plan against its baseline, or against a second
/// scenario's plan.
#[derive(Clone, Debug)]
pub struct Contrast {
    /// The scenario whose plan is the first arm, and whose assumptions and
    /// `[sensitivity]` ranges are used.
    pub first: ValidScenario,
    /// The scenario whose plan is the second arm; `None` for the first's baseline.
    pub second: Option<ValidScenario>,
}

impl Contrast {
    /// A scenario's plan against its baseline.
    pub fn baseline(valid: ValidScenario) -> Self {
        Contrast {
            first: valid,
            second: None,
        }
    }

    /// The first scenario's plan against the second's.
    pub fn variants(first: ValidScenario, second: ValidScenario) -> Self {
        Contrast {
            first,
            second: Some(second),
        }
    }

    /// The scenarios of both arms (one when the second arm is the baseline).
    fn scenarios(&self) -> Vec<&ValidScenario> {
        std::iter::once(&self.first).chain(&self.second).collect()
    }
}

/// How much work the analysis does.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Settings {
    /// What the effect is measured on.
    pub objective: Objective,
    /// Seed of every point's replications (and of the designs' draws).
    pub seed: u64,
    /// Replications per point.
    pub replications: u64,
    /// Morris trajectories.
    pub trajectories: u32,
    /// Levels of the Morris grid (even).
    pub levels: u32,
    /// Draws of the win frequency.
    pub draws: u32,
}

impl Settings {
    /// The settings `[sensitivity]` of `valid` gives (its defaults when absent), with
    /// `replications` and `seed` when given (else the section's, then the scenario's).
    pub fn of(
        valid: &ValidScenario,
        objective: Objective,
        replications: Option<u64>,
        seed: Option<u64>,
    ) -> Settings {
        let s = valid.scenario();
        let section = s.sensitivity.clone().unwrap_or_default();
        Settings {
            objective,
            seed: seed.unwrap_or(s.simulation.seed),
            replications: replications
                .or(section.replications)
                .unwrap_or(s.simulation.replications.min(DEFAULT_REPLICATIONS)),
            trajectories: section.trajectories,
            levels: section.levels,
            draws: section.draws,
        }
    }

    /// Points the analysis evaluates for `k` assumptions.
    pub fn points(&self, k: usize) -> u64 {
        1 + 4 * k as u64 + self.trajectories as u64 * (k as u64 + 1) + self.draws as u64
    }
}

/// An assumption's range.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Range {
    /// The assumption.
    pub assumption: Assumption,
    /// Low end.
    pub low: f64,
    /// The scenario's value.
    pub base: f64,
    /// High end.
    pub high: f64,
}

impl Range {
    /// The value at `u` in [0, 1] of the range.
    pub fn at(&self, u: f64) -> f64 {
        self.low + u * (self.high - self.low)
    }
}

/// The ranges of the assumptions of `valid` that its outcome model uses (the
/// market's only with the funnel model).
pub fn ranges(valid: &ValidScenario) -> Vec<Range> {
    let s = valid.scenario();
    Assumption::ALL
        .into_iter()
        .filter(|a| !a.is_market() || s.outcome.model == OutcomeKind::Funnel)
        .map(|a| {
            let (low, high) = a.range(s);
            Range {
                assumption: a,
                low,
                base: a.get(s),
                high,
            }
        })
        .collect()
}

/// The paired effect at one point.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Estimate {
    /// The assumptions' values, in the order of the ranges.
    pub values: Vec<f64>,
    /// Mean paired difference of the objective, first arm minus second.
    pub effect: f64,
    /// Its Monte Carlo standard error.
    pub se: f64,
    /// False when either arm's behaviour had no equilibrium at this point.
    pub settled: bool,
}

/// One assumption moved alone.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Tornado {
    /// The assumption and its range.
    pub range: Range,
    /// The effect at low, half-way to base, base, half-way to high and high.
    pub levels: Vec<Estimate>,
    /// |effect at high - effect at low|.
    pub swing: f64,
    /// Values where the first arm stops (or starts) winning, interpolated between levels.
    pub flips: Vec<f64>,
}

impl Tornado {
    /// The effect at the low end.
    pub fn low(&self) -> &Estimate {
        &self.levels[0]
    }

    /// The effect at the high end.
    pub fn high(&self) -> &Estimate {
        &self.levels[self.levels.len() - 1]
    }
}

/// Wins among some draws.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Wins {
    /// Draws at which the first arm was better.
    pub wins: u32,
    /// Draws.
    pub draws: u32,
}

/// The wins with one assumption in the lower half of its range, and in the upper.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Halves {
    /// The assumption.
    pub assumption: Assumption,
    /// Draws with it below the middle of its range.
    pub lower: Wins,
    /// Draws with it at or above the middle.
    pub upper: Wins,
}

/// How often the first arm wins across draws from the ranges.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct WinFrequency {
    /// Draws made.
    pub draws: u32,
    /// Draws at which the first arm was better on the objective.
    pub wins: u32,
    /// wins / draws.
    pub share: f64,
    /// Its binomial standard error.
    pub se: f64,
    /// Per assumption, the wins in each half of its range.
    pub by_half: Vec<Halves>,
    /// Every draw's point.
    pub points: Vec<Estimate>,
}

/// A finished sensitivity analysis.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Sensitivity {
    /// The objective.
    pub objective: Objective,
    /// True when larger effects are better.
    pub higher_is_better: bool,
    /// The seed.
    pub seed: u64,
    /// Replications per point.
    pub replications: u64,
    /// Points evaluated.
    pub points: u64,
    /// Points at which an arm had no equilibrium.
    pub unsettled: u64,
    /// The assumptions' ranges, in report order.
    pub ranges: Vec<Range>,
    /// The effect at the scenario's own values.
    pub base: Estimate,
    /// One at a time, largest swing first.
    pub tornado: Vec<Tornado>,
    /// Morris screening, in the order of the ranges.
    pub morris: Vec<MorrisRow>,
    /// Morris trajectories.
    pub trajectories: u32,
    /// Levels of the Morris grid.
    pub levels: u32,
    /// The win frequency.
    pub win: WinFrequency,
}

/// Why the analysis cannot be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SensitivityError {
    /// A point's values make a scenario that does not validate.
    #[error("{assumptions}: this value makes an invalid scenario (narrow the range in [sensitivity]): {}", source.problems.iter().map(|p| format!("{}: {}", p.path, p.message)).collect::<Vec<_>>().join("; "))]
    Invalid {
        /// The assumptions and values set.
        assumptions: String,
        /// What validation said.
        source: ScenarioError,
    },
    /// The two variants do not simulate the same team slots over the same periods.
    #[error("{second}: {reps} reps x {periods} periods, but {first} has {first_reps} x {first_periods}: common random numbers pair the same team slots over the same periods")]
    Unpaired {
        /// The second variant.
        second: String,
        /// Its reps.
        reps: usize,
        /// Its periods.
        periods: u32,
        /// The first variant.
        first: String,
        /// Its reps.
        first_reps: usize,
        /// Its periods.
        first_periods: u32,
    },
    /// The objective has no value in some replication.
    #[error("the objective {objective} is undefined in some replication (for example roi with nothing to divide by)")]
    Undefined {
        /// The objective's name.
        objective: &'static str,
    },
}

/// Evaluates the paired effect at points of the assumptions.
struct Evaluator<'a> {
    contrast: &'a Contrast,
    ranges: &'a [Range],
    settings: Settings,
}

impl Evaluator<'_> {
    fn set(
        &self,
        valid: &ValidScenario,
        values: &[f64],
    ) -> Result<ValidScenario, SensitivityError> {
        valid
            .with_changes(|s| {
                for (r, x) in self.ranges.iter().zip(values) {
                    r.assumption.set(s, *x);
                }
            })
            .map_err(|source| SensitivityError::Invalid {
                assumptions: self
                    .ranges
                    .iter()
                    .zip(values)
                    .map(|(r, x)| format!("{} = {x}", r.assumption.name()))
                    .collect::<Vec<_>>()
                    .join(", "),
                source,
            })
    }

    /// The paired effect at `values`, simulated in the current rayon pool.
    fn effect(&self, values: &[f64]) -> Result<Estimate, SensitivityError> {
        let ma = Model::new(&self.set(&self.contrast.first, values)?);
        let pa = ma.plan().clone();
        let (a, b) = match &self.contrast.second {
            None => {
                let baseline = ma.baseline().clone();
                (
                    Variant::new("plan", ma.clone(), pa),
                    Variant::new("baseline", ma, baseline),
                )
            }
            Some(t) => {
                let mb = Model::new(&self.set(t, values)?);
                let pb = mb.plan().clone();
                (Variant::new("a", ma, pa), Variant::new("b", mb, pb))
            }
        };
        let n = self.settings.replications;
        let seed = self.settings.seed;
        let ta = variants::simulate(&a, seed, 0..n, &|_| {});
        let tb = variants::simulate(&b, seed, 0..n, &|_| {});
        let o = self.settings.objective;
        let (va, vb) = (o.values(&ta.metrics), o.values(&tb.metrics));
        let d: Vec<f64> = va.iter().zip(&vb).map(|(x, y)| x - y).collect();
        if d.iter().any(|x| !x.is_finite()) {
            return Err(SensitivityError::Undefined {
                objective: o.name(),
            });
        }
        let (effect, se) = mean_se(&d);
        let holds = |e: Equilibrium| e.holds();
        Ok(Estimate {
            values: values.to_vec(),
            effect,
            se,
            settled: holds(a.policy.equilibrium()) && holds(b.policy.equilibrium()),
        })
    }

    /// The effects at every point, in parallel, in order.
    fn effects(&self, points: &[Vec<f64>]) -> Result<Vec<Estimate>, SensitivityError> {
        points.par_iter().map(|p| self.effect(p)).collect()
    }
}

/// Mean and standard error of the mean of `x` (0 for fewer than two values).
pub fn mean_se(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    if x.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let mean = x.iter().sum::<f64>() / n;
    if x.len() < 2 {
        return (mean, 0.0);
    }
    let ss: f64 = x.iter().map(|v| (v - mean) * (v - mean)).sum();
    (mean, (ss / (n - 1.0) / n).sqrt())
}

/// The values where `effect` changes sign between adjacent levels, interpolated linearly.
fn flips(levels: &[Estimate], column: usize) -> Vec<f64> {
    levels
        .windows(2)
        .filter_map(|w| {
            let (x0, y0) = (w[0].values[column], w[0].effect);
            let (x1, y1) = (w[1].values[column], w[1].effect);
            ((y0 > 0.0) != (y1 > 0.0) && y0 != y1).then(|| x0 + (x1 - x0) * y0 / (y0 - y1))
        })
        .collect()
}

/// Checks that each assumption's low and high ends make valid scenarios (every value
/// between them then does too: each field's valid values are an interval).
///
/// # Errors
/// [`SensitivityError::Invalid`] naming the first end that does not.
pub fn check_ranges(contrast: &Contrast) -> Result<(), SensitivityError> {
    let scenarios = contrast.scenarios();
    for r in ranges(&contrast.first) {
        for (end, x) in [("low", r.low), ("high", r.high)] {
            for valid in &scenarios {
                valid
                    .with_changes(|s| r.assumption.set(s, x))
                    .map_err(|source| SensitivityError::Invalid {
                        assumptions: format!(
                            "sensitivity.{}: its {end} end, {x}",
                            r.assumption.name()
                        ),
                        source,
                    })?;
            }
        }
    }
    Ok(())
}

/// Runs the whole analysis of `contrast` in the current rayon pool; `progress` is
/// called with the number of points done after each stage.
///
/// # Errors
/// [`SensitivityError`] when a point's scenario is invalid, the variants do not
/// pair, or the objective is undefined.
pub fn analyse(
    contrast: &Contrast,
    settings: Settings,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Sensitivity, SensitivityError> {
    if let Some(b) = &contrast.second {
        let a = &contrast.first;
        let (ma, mb) = (Model::new(a), Model::new(b));
        if ma.reps().len() != mb.reps().len() || ma.periods() != mb.periods() {
            return Err(SensitivityError::Unpaired {
                second: b.source().into(),
                reps: mb.reps().len(),
                periods: mb.periods(),
                first: a.source().into(),
                first_reps: ma.reps().len(),
                first_periods: ma.periods(),
            });
        }
    }
    check_ranges(contrast)?;
    let ranges = ranges(&contrast.first);
    let k = ranges.len();
    let eval = Evaluator {
        contrast,
        ranges: &ranges,
        settings,
    };
    let base_values: Vec<f64> = ranges.iter().map(|r| r.base).collect();
    let mut done = 0;

    // One at a time: low, half-way, (base), half-way, high for each assumption.
    let mut oat = vec![base_values.clone()];
    for (i, r) in ranges.iter().enumerate() {
        for x in [
            r.low,
            (r.low + r.base) / 2.0,
            (r.base + r.high) / 2.0,
            r.high,
        ] {
            let mut p = base_values.clone();
            p[i] = x;
            oat.push(p);
        }
    }
    let oat = eval.effects(&oat)?;
    done += oat.len() as u64;
    progress(done);
    let base = oat[0].clone();
    let mut tornado: Vec<Tornado> = ranges
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let four = &oat[1 + 4 * i..5 + 4 * i];
            let levels = vec![
                four[0].clone(),
                four[1].clone(),
                base.clone(),
                four[2].clone(),
                four[3].clone(),
            ];
            Tornado {
                range: *r,
                swing: (levels[4].effect - levels[0].effect).abs(),
                flips: flips(&levels, i),
                levels,
            }
        })
        .collect();
    // Largest swing first; ties keep the report order.
    tornado.sort_by(|a, b| b.swing.total_cmp(&a.swing));

    // Morris screening.
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(mix64(settings.seed ^ MORRIS_SALT));
    let design = morris::design(k, settings.trajectories, settings.levels, &mut rng);
    let points: Vec<Vec<f64>> = design
        .iter()
        .flat_map(|t| t.points.iter())
        .map(|u| ranges.iter().zip(u).map(|(r, u)| r.at(*u)).collect())
        .collect();
    let estimates = eval.effects(&points)?;
    done += estimates.len() as u64;
    progress(done);
    let morris = morris::screen(&ranges, &design, &estimates);

    // Win frequency.
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(mix64(settings.seed ^ DRAWS_SALT));
    let units: Vec<Vec<f64>> = (0..settings.draws)
        .map(|_| (0..k).map(|_| rng.random::<f64>()).collect())
        .collect();
    let points: Vec<Vec<f64>> = units
        .iter()
        .map(|u| ranges.iter().zip(u).map(|(r, u)| r.at(*u)).collect())
        .collect();
    let draws = eval.effects(&points)?;
    done += draws.len() as u64;
    progress(done);
    let higher = settings.objective.higher_is_better();
    let wins_at = |e: &Estimate| {
        if higher {
            e.effect > 0.0
        } else {
            e.effect < 0.0
        }
    };
    let wins = draws.iter().filter(|e| wins_at(e)).count() as u32;
    let n = settings.draws as f64;
    let share = wins as f64 / n;
    let by_half = ranges
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let none = Wins { wins: 0, draws: 0 };
            let (mut lower, mut upper) = (none, none);
            for (u, e) in units.iter().zip(&draws) {
                let half = if u[i] < 0.5 { &mut lower } else { &mut upper };
                half.draws += 1;
                half.wins += wins_at(e) as u32;
            }
            Halves {
                assumption: r.assumption,
                lower,
                upper,
            }
        })
        .collect();
    let unsettled = oat
        .iter()
        .chain(&estimates)
        .chain(&draws)
        .filter(|e| !e.settled)
        .count() as u64;
    Ok(Sensitivity {
        objective: settings.objective,
        higher_is_better: higher,
        seed: settings.seed,
        replications: settings.replications,
        points: done,
        unsettled,
        ranges,
        base,
        tornado,
        morris,
        trajectories: settings.trajectories,
        levels: settings.levels,
        win: WinFrequency {
            draws: settings.draws,
            wins,
            share,
            se: (share * (1.0 - share) / n).sqrt(),
            by_half,
            points: draws,
        },
    })
}
