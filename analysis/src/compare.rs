//! Plan variants (scenarios) compared on common random numbers: paired figures, the
//! probability each is best and a Kim-Nelson ranking-and-selection verdict, among
//! all variants and among those that keep their budget.
//!
//! Replication `i` of every variant uses the streams keyed by `(seed, i)`, so the
//! variants share their luck replication by replication and their differences are
//! measured precisely. That pairing is meaningful only for the same team slots over
//! the same periods: variants whose team sizes or horizons differ are refused
//! ([`check_pairing`]), and those whose teams' traits differ are named (the
//! comparison then includes the team, not only the plan). Each variant runs its own
//! scenario's `[plan]` in its own team, market and targets.
//!
//! Replications are added in doubling waves (64, 128, 256, ... up to the budget of
//! replications) until the Kim-Nelson procedure has one survivor or the budget is
//! spent; every variant, eliminated or not, is simulated on the same replications
//! so that every figure in the report is paired.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use plansim_sim::budget::BudgetRule;
use plansim_sim::engine::metrics::Metric;
use plansim_sim::engine::BLOCK_SIZE;
use plansim_sim::model::Model;
use plansim_sim::rng::mix64;
use plansim_sim::scenario::ValidScenario;

use crate::budget::BudgetCheck;
use crate::objective::Objective;
use crate::select::{
    check_confidence, check_first_stage, check_indifference, kim_nelson, probability_best,
    KnOutcome, KnSettings, KnSettingsError,
};
use crate::variants::{self, Variant, VariantTally};

/// Salt of the bootstrap's seed.
const BOOTSTRAP_SALT: u64 = 0xB007_5742_0000_0001;
/// Bootstrap resamples of the probability of being best.
pub const BOOTSTRAP_RESAMPLES: usize = 1000;

/// A comparison that cannot be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CompareError {
    /// Two variants do not simulate the same team slots over the same periods.
    #[error(
        "{source_name}: {reps} reps x {periods} periods, but {first} has {first_reps} x {first_periods}: common random numbers pair the same team slots over the same periods, so compare needs variants with the same team size and simulation.periods"
    )]
    Unpaired {
        /// The variant's scenario.
        source_name: String,
        /// Its reps.
        reps: usize,
        /// Its periods.
        periods: u32,
        /// The first variant's scenario.
        first: String,
        /// The first's reps.
        first_reps: usize,
        /// The first's periods.
        first_periods: u32,
    },
    /// The budget of replications is below the first stage.
    #[error("{budget} replications are below the first stage of {first_stage}: the selection needs its first stage")]
    BelowFirstStage {
        /// The most replications per variant.
        budget: u64,
        /// First-stage replications.
        first_stage: usize,
    },
    /// The objective has no value in some replication.
    #[error(
        "{label}: the objective {objective} is undefined in replication {replication} (for example roi or cost_of_sales with nothing to divide by)"
    )]
    Undefined {
        /// The variant.
        label: String,
        /// The objective's name.
        objective: String,
        /// The replication.
        replication: usize,
    },
}

/// Unique labels from the files' names: their stems, numbered where they repeat.
pub fn labels(paths: &[PathBuf]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(paths.len());
    for p in paths {
        let stem = p
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| p.display().to_string());
        let mut label = stem.clone();
        let mut k = 2;
        while out.contains(&label) {
            label = format!("{stem} ({k})");
            k += 1;
        }
        out.push(label);
    }
    out
}

/// Refuses variants whose team sizes or horizons differ from the first's; returns the
/// indices of those whose team's traits (or roster) differ from the first's.
///
/// # Errors
/// [`CompareError::Unpaired`] naming the first variant that does not pair.
pub fn check_pairing(
    valids: &[ValidScenario],
    models: &[Model],
) -> Result<Vec<usize>, CompareError> {
    let (a, ma) = (&valids[0], &models[0]);
    let mut other_teams = Vec::new();
    for (i, (v, m)) in valids.iter().zip(models).enumerate().skip(1) {
        if m.reps().len() != ma.reps().len() || m.periods() != ma.periods() {
            return Err(CompareError::Unpaired {
                source_name: v.source().to_string(),
                reps: m.reps().len(),
                periods: m.periods(),
                first: a.source().to_string(),
                first_reps: ma.reps().len(),
                first_periods: ma.periods(),
            });
        }
        let same_team = m.reps().iter().zip(ma.reps()).all(|(x, y)| {
            x.ability == y.ability
                && x.effort_cost == y.effort_cost
                && x.risk_aversion == y.risk_aversion
                && x.promotion_value == y.promotion_value
                && x.base_salary == y.base_salary
                && x.tenure == y.tenure
        });
        if !same_team {
            other_teams.push(i);
        }
    }
    Ok(other_teams)
}

/// True when the variants' budget rules (budgets or chance constraints) differ: each
/// variant is then judged against its own scenario's.
pub fn budgets_differ(rules: &[Option<BudgetRule>]) -> bool {
    rules.iter().any(|r| r != &rules[0])
}

/// The selection's settings as the caller gives them, each checked: the first stage,
/// the indifference zone (`None`: chosen from the first stage, see
/// [`default_indifference`]) and the confidence.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Selection {
    first_stage: usize,
    indifference: Option<f64>,
    confidence: f64,
    fixed: bool,
}

/// Why a comparison simulated the replications it did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplicationStop {
    /// Kim-Nelson selected before the most replications allowed were spent.
    StoppedEarly,
    /// Every replication allowed was spent: the selection needed them all, or did
    /// not finish.
    AllAllowed,
    /// Every replication allowed, as asked ([`Selection::with_fixed_replications`]):
    /// no sequential stopping.
    Fixed,
}

impl ReplicationStop {
    /// The name in JSON and CSV documents: `stopped_early`, `all_allowed` or `fixed`.
    pub fn name(self) -> &'static str {
        match self {
            ReplicationStop::StoppedEarly => "stopped_early",
            ReplicationStop::AllAllowed => "all_allowed",
            ReplicationStop::Fixed => "fixed",
        }
    }
}

impl Selection {
    /// The selection's settings.
    ///
    /// # Errors
    /// The first setting out of range, in the order confidence, first stage,
    /// indifference zone (see [`KnSettings::new`]).
    pub fn new(
        first_stage: usize,
        indifference: Option<f64>,
        confidence: f64,
    ) -> Result<Self, KnSettingsError> {
        let confidence = check_confidence(confidence)?;
        let first_stage = check_first_stage(first_stage)?;
        let indifference = indifference.map(check_indifference).transpose()?;
        Ok(Selection {
            first_stage,
            indifference,
            confidence,
            fixed: false,
        })
    }

    /// The same settings, with every variant run on all the replications allowed in
    /// one wave instead of in doubling waves until the selection stops.
    pub fn with_fixed_replications(mut self) -> Self {
        self.fixed = true;
        self
    }

    /// First-stage replications.
    pub fn first_stage(&self) -> usize {
        self.first_stage
    }

    /// Checks that a budget of `replications` per variant holds the first stage.
    ///
    /// # Errors
    /// [`CompareError::BelowFirstStage`] when it does not.
    pub fn check_budget(&self, replications: u64) -> Result<(), CompareError> {
        if replications < self.first_stage as u64 {
            return Err(CompareError::BelowFirstStage {
                budget: replications,
                first_stage: self.first_stage,
            });
        }
        Ok(())
    }
}

/// The default indifference zone: half a percentage point for shares, else 1 % of
/// the first variant's first-stage mean.
pub fn default_indifference(objective: &Objective, first_stage_values: &[f64]) -> f64 {
    if objective.is_share() {
        return 0.005;
    }
    let mean = first_stage_values.iter().sum::<f64>() / first_stage_values.len().max(1) as f64;
    let d = 0.01 * mean.abs();
    if d.is_finite() && d > 0.0 {
        d
    } else {
        1e-9
    }
}

/// Everything a comparison produced, for the reports.
pub struct Comparison {
    /// The variants.
    pub variants: Vec<Variant>,
    /// Their tallies, on the same replications.
    pub tallies: Vec<VariantTally>,
    /// The selection's settings.
    pub settings: KnSettings,
    /// How the selection among all variants ended, the budget ignored.
    pub outcome: KnOutcome,
    /// Each variant's cost against its scenario's budget (`None` without a budget).
    pub budgets: Vec<Option<BudgetCheck>>,
    /// How the selection among the variants that keep their budget ended (variant
    /// indices of the whole comparison): `None` when no variant has a budget, or
    /// none keeps it.
    pub within_budget: Option<KnOutcome>,
    /// Probability each variant is best.
    pub probability_best: Vec<f64>,
    /// Replications each variant was simulated on (the same for all).
    pub replications: u64,
    /// Why that many.
    pub stop: ReplicationStop,
}

/// Each variant's cost against its budget rule, from its replications so far.
fn budget_checks(
    tallies: &[VariantTally],
    rules: &[Option<BudgetRule>],
) -> Vec<Option<BudgetCheck>> {
    let cost = Metric::IncentiveCost.index();
    tallies
        .iter()
        .zip(rules)
        .map(|(t, rule)| {
            rule.as_ref()
                .map(|r| BudgetCheck::of_costs(r, t.metrics.values(cost).expect("values are kept")))
        })
        .collect()
}

/// Kim-Nelson among the variants that keep their budget (a variant without a budget
/// keeps it), with the outcome's indices those of all variants; `None` when no
/// variant has a budget (the selection among all is the answer) or none keeps it.
fn select_within_budget(
    scores: &[Vec<f64>],
    budgets: &[Option<BudgetCheck>],
    settings: &KnSettings,
) -> Option<KnOutcome> {
    if budgets.iter().all(Option::is_none) {
        return None;
    }
    let keep: Vec<usize> = (0..scores.len())
        .filter(|&i| budgets[i].is_none_or(|b| b.keeps_budget))
        .collect();
    if keep.is_empty() {
        return None;
    }
    let subset: Vec<Vec<f64>> = keep.iter().map(|&i| scores[i].clone()).collect();
    let o = kim_nelson(&subset, settings);
    let mut eliminated_at = vec![None; scores.len()];
    for (j, at) in o.eliminated_at.iter().enumerate() {
        eliminated_at[keep[j]] = *at;
    }
    Some(KnOutcome {
        selected: keep[o.selected],
        finished: o.finished,
        stopped_at: o.stopped_at,
        survivors: o.survivors.iter().map(|&j| keep[j]).collect(),
        eliminated_at,
    })
}

/// Simulates the variants in doubling waves until Kim-Nelson stops (among all
/// variants, and among those that keep their budget `rules`) or `budget`
/// replications each are spent (with fixed replications, all `budget` in one
/// wave), in the current rayon pool; `progress` hears the
/// replications simulated so far, over all variants.
///
/// # Errors
/// [`CompareError::Undefined`] when the objective has no value in a replication.
pub fn run_comparison(
    variants: Vec<Variant>,
    rules: &[Option<BudgetRule>],
    objective: &Objective,
    seed: u64,
    budget: u64,
    selection: &Selection,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Comparison, CompareError> {
    let first_stage = selection.first_stage;
    let periods = variants[0].model.periods();
    let done_all = AtomicU64::new(0);
    let tick = |n: u64| progress(done_all.fetch_add(n, Ordering::Relaxed) + n);
    let mut tallies: Vec<VariantTally> = variants
        .iter()
        .map(|_| VariantTally::new(periods))
        .collect();
    let mut done = 0u64;
    let mut target = if selection.fixed {
        budget
    } else {
        (first_stage as u64)
            .div_ceil(BLOCK_SIZE)
            .max(1)
            .saturating_mul(BLOCK_SIZE)
            .min(budget)
    };
    let mut settings = None;
    let (outcome, budgets, within_budget, scores) = loop {
        for (v, t) in variants.iter().zip(tallies.iter_mut()) {
            variants::extend(v, seed, done..target, t, &tick);
        }
        done = target;
        let scores: Vec<Vec<f64>> = tallies
            .iter()
            .map(|t| objective.scores(&t.metrics))
            .collect();
        if let Some((v, r)) = scores
            .iter()
            .enumerate()
            .find_map(|(v, s)| s.iter().position(|x| !x.is_finite()).map(|r| (v, r)))
        {
            return Err(CompareError::Undefined {
                label: variants[v].label.clone(),
                objective: objective.name().to_string(),
                replication: r,
            });
        }
        let s = match settings {
            Some(s) => s,
            None => {
                let d = selection.indifference.unwrap_or_else(|| {
                    default_indifference(
                        objective,
                        &objective.values(&tallies[0].metrics)[..first_stage],
                    )
                });
                *settings.insert(
                    KnSettings::new(first_stage, d, selection.confidence)
                        .expect("every setting checked, the default zone positive"),
                )
            }
        };
        let outcome = kim_nelson(&scores, &s);
        let budgets = budget_checks(&tallies, rules);
        let within_budget = select_within_budget(&scores, &budgets, &s);
        let finished = outcome.finished && within_budget.as_ref().is_none_or(|o| o.finished);
        if finished || done >= budget {
            break (outcome, budgets, within_budget, scores);
        }
        target = target.saturating_mul(2).min(budget);
    };
    let probability_best =
        probability_best(&scores, BOOTSTRAP_RESAMPLES, mix64(seed ^ BOOTSTRAP_SALT));
    Ok(Comparison {
        variants,
        tallies,
        settings: settings.expect("at least one wave"),
        outcome,
        budgets,
        within_budget,
        probability_best,
        replications: done,
        stop: if selection.fixed {
            ReplicationStop::Fixed
        } else if done < budget {
            ReplicationStop::StoppedEarly
        } else {
            ReplicationStop::AllAllowed
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_file_stems_made_unique() {
        let paths: Vec<PathBuf> = ["a/plan.toml", "b/plan.toml", "c/other.toml"]
            .iter()
            .map(PathBuf::from)
            .collect();
        assert_eq!(labels(&paths), vec!["plan", "plan (2)", "other"]);
    }

    #[test]
    fn selection_settings_are_checked_when_made() {
        assert!(Selection::new(20, None, 0.95).is_ok());
        assert_eq!(
            Selection::new(20, Some(0.0), 0.95),
            Err(KnSettingsError::Indifference(0.0))
        );
        assert_eq!(
            Selection::new(5, None, 0.95),
            Err(KnSettingsError::FirstStage(5))
        );
        let s = Selection::new(20, None, 0.95).unwrap();
        assert!(s.check_budget(20).is_ok());
        assert_eq!(
            s.check_budget(19),
            Err(CompareError::BelowFirstStage {
                budget: 19,
                first_stage: 20
            })
        );
    }

    #[test]
    fn the_default_zone_is_half_a_point_for_shares_and_one_percent_otherwise() {
        let growth = Objective::parse("revenue_growth").unwrap();
        assert_eq!(default_indifference(&growth, &[10.0, 30.0]), 0.005);
        let revenue = Objective::parse("revenue").unwrap();
        assert!((default_indifference(&revenue, &[-10.0, -30.0]) - 0.2).abs() < 1e-12);
        assert_eq!(default_indifference(&revenue, &[0.0]), 1e-9);
    }
}
