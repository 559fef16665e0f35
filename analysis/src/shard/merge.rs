//! Merging shards: reading them, checking that they are of one kind and one run and
//! hold every block once, and rebuilding the whole run exactly as one machine runs
//! it (block tallies folded in block order; rounds records concatenated in
//! replication order).

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

use plansim_sim::engine::RunTally;
use plansim_sim::model::Model;
use plansim_sim::rounds::{count_plan_solves, RoundsSpec};
use plansim_sim::scenario::ValidScenario;

use super::encoding::check_coverage;
use super::rounds::{RoundsData, RoundsShardFile, Unsettled};
use super::{
    read_with_format, RunData, Shard, ShardData, ShardError, ShardKey, Slice, PLANSIM_VERSION,
};
use crate::rounds::PolicyRun;

/// Shards of one kind that are of one run and hold each of its blocks once, in
/// block order, each with its file's name.
pub struct ShardSet<D> {
    shards: Vec<(String, Shard<D>)>,
    authenticated: bool,
}

/// One shard a merge read, as the merged result records it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct MergedShard {
    /// The file, as given.
    pub file: String,
    /// Which shard, from 1.
    pub shard: u64,
    /// Of how many.
    pub shards: u64,
    /// The SHA-256 of its content, verified.
    pub content_sha256: String,
    /// True when its HMAC-SHA-256 tag was verified with the shard key.
    pub authenticated: bool,
}

/// What a merged result was made of.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct MergeRecord {
    /// The plansim version that merged.
    pub plansim_version: String,
    /// SHA-256 of the resolved scenario and roster of the run.
    pub scenario_sha256: String,
    /// Every shard merged, in block order.
    pub merged_from: Vec<MergedShard>,
}

/// Refuses shards that are not of one run: scenario, seed, replications and version must agree.
fn check_same_run(shards: &[Slice]) -> Result<(), ShardError> {
    let first = &shards[0];
    if let Some(s) = shards.iter().find(|s| s.plansim_version != PLANSIM_VERSION) {
        return Err(ShardError::Version {
            file: s.shown.clone(),
            version: s.plansim_version.clone(),
        });
    }
    for s in &shards[1..] {
        let differ = |what: &'static str, a: String, b: String| {
            Err(ShardError::DifferentRuns {
                first: first.shown.clone(),
                other: s.shown.clone(),
                what,
                a,
                b,
            })
        };
        if first.scenario_sha256 != s.scenario_sha256 {
            return differ(
                "scenario (sha256)",
                format!("{} `{}`", &first.scenario_sha256[..12], first.scenario_name),
                format!("{} `{}`", &s.scenario_sha256[..12], s.scenario_name),
            );
        }
        if first.seed != s.seed {
            return differ("seed", first.seed.to_string(), s.seed.to_string());
        }
        if first.replications != s.replications {
            return differ(
                "replications",
                first.replications.to_string(),
                s.replications.to_string(),
            );
        }
    }
    Ok(())
}

/// Checks that the shards hold every block of the run once.
fn check_slices(shards: &[Slice]) -> Result<(), ShardError> {
    let mut seen = HashMap::new();
    for s in shards {
        if let Some(other) = seen.insert((s.shard, s.shards), &s.shown) {
            return Err(ShardError::Twice {
                file: s.shown.clone(),
                other: other.clone(),
                shard: s.shard,
                shards: s.shards,
            });
        }
    }
    let ranges: Vec<(String, std::ops::Range<u64>)> = shards
        .iter()
        .map(|s| {
            (
                format!("{} (shard {}/{})", s.shown, s.shard, s.shards),
                s.blocks.range(),
            )
        })
        .collect();
    let f = &shards[0];
    Ok(check_coverage(&ranges, f.block_count, f.replications)?)
}

impl<D: ShardData> ShardSet<D> {
    /// Reads every shard of `paths` (each file once; at least one), checks each one's
    /// seal (with `key`, its tag: every shard must be authenticated), that they are of
    /// this kind, of one run and cover its blocks once, and keeps them in block order.
    ///
    /// # Errors
    /// [`ShardError`] naming the file and what is wrong.
    pub fn read(paths: &[PathBuf], key: Option<&ShardKey>) -> Result<Self, ShardError> {
        let mut shards = Vec::with_capacity(paths.len());
        for path in paths {
            let shown = path.display().to_string();
            let (bytes, format) = read_with_format(path)?;
            if format.is_some() && format.as_deref() != Some(D::FORMAT) {
                return Err(ShardError::Kind {
                    file: shown,
                    found: format,
                    first: paths[0].display().to_string(),
                    expected: D::FORMAT,
                });
            }
            let file = Shard::<D>::parse(&bytes, &shown, key)?;
            shards.push((shown, file));
        }
        let slices: Vec<Slice> = shards.iter().map(|(n, f)| f.slice(n)).collect();
        check_same_run(&slices)?;
        check_slices(&slices)?;
        shards.sort_by_key(|(_, f)| (f.blocks.start, f.blocks.end));
        Ok(ShardSet {
            shards,
            authenticated: key.is_some(),
        })
    }

    /// What the merged result is made of: each shard's file, slice and verified digest.
    pub fn record(&self) -> MergeRecord {
        let (_, first) = self.first();
        MergeRecord {
            plansim_version: PLANSIM_VERSION.into(),
            scenario_sha256: first.scenario_sha256.clone(),
            merged_from: self
                .iter()
                .map(|(shown, f)| MergedShard {
                    file: shown.to_string(),
                    shard: f.shard,
                    shards: f.shards,
                    content_sha256: f.seal.content_sha256.clone().unwrap_or_default(),
                    authenticated: self.authenticated,
                })
                .collect(),
        }
    }

    /// The shards that carry a tag no key checked (the merge was given no key).
    pub fn unchecked_tags(&self) -> Vec<&str> {
        if self.authenticated {
            return Vec::new();
        }
        self.iter()
            .filter(|(_, f)| f.is_tagged())
            .map(|(shown, _)| shown)
            .collect()
    }

    /// The first shard in block order, with its file's name.
    pub fn first(&self) -> (&str, &Shard<D>) {
        let (shown, f) = &self.shards[0];
        (shown, f)
    }

    /// The shards in block order, with their files' names.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Shard<D>)> {
        self.shards.iter().map(|(s, f)| (s.as_str(), f))
    }

    /// The scenario of the run, validated again (the first shard's).
    ///
    /// # Errors
    /// [`ShardError::Scenario`] when it no longer validates.
    pub fn scenario(&self) -> Result<ValidScenario, ShardError> {
        let (shown, first) = self.first();
        first.scenario(shown)
    }

    /// A shard that ran the scenario from another source than the first (the report
    /// names the first's), with that source: `(file, source)`.
    pub fn other_source(&self) -> Option<(&str, &str)> {
        let (_, first) = self.first();
        self.iter()
            .find(|(_, f)| f.source != first.source)
            .map(|(shown, f)| (shown, f.source.as_str()))
    }
}

impl ShardSet<RunData> {
    /// The tally of the whole run in `model`: every block of every shard, folded in
    /// block order into an empty tally as one machine does, one shard at a time;
    /// with every replication's metrics when `keep_values` (else sketches of them,
    /// [`RunTally::sketched`], as `plansim run` keeps without `--out` or `--report`).
    ///
    /// # Errors
    /// [`ShardError::File`] when a block does not decode.
    pub fn tally(self, model: &Model, keep_values: bool) -> Result<RunTally, ShardError> {
        let mut tally = if keep_values {
            RunTally::new(model)
        } else {
            RunTally::sketched(model)
        };
        for (shown, f) in self.shards {
            for t in f.block_tallies(model, &shown)? {
                tally.merge(&t);
            }
        }
        Ok(tally)
    }
}

impl ShardSet<RoundsData> {
    /// Refuses shards of runs of rounds that differ in rounds, planning samples or
    /// policies (and the parameters they adjust).
    ///
    /// # Errors
    /// [`ShardError::DifferentRounds`] saying what differs.
    pub fn check_same_rounds(&self) -> Result<(), ShardError> {
        let (first_shown, first) = self.first();
        let policies = |x: &RoundsShardFile| {
            x.data
                .policies
                .iter()
                .map(|p| (p.policy.clone(), p.paths.clone()))
                .collect::<Vec<_>>()
        };
        for (shown, f) in self.iter().skip(1) {
            let differ = |what: &'static str| {
                Err(ShardError::DifferentRounds {
                    first: first_shown.to_string(),
                    other: shown.to_string(),
                    what,
                })
            };
            let (d, d0) = (&f.data, &first.data);
            if (d.rounds, d.round_length) != (d0.rounds, d0.round_length) {
                return differ("rounds or round length");
            }
            if d.planning != d0.planning {
                return differ("planning samples");
            }
            if policies(f) != policies(first) {
                return differ("policies (or the parameters they adjust)");
            }
        }
        Ok(())
    }

    /// The spec of the whole run.
    ///
    /// # Errors
    /// [`ShardError::Rounds`] when the shards' run is no valid run of rounds.
    pub fn spec(&self) -> Result<RoundsSpec, ShardError> {
        let (shown, first) = self.first();
        first
            .spec()
            .and_then(|s| s.with_slice(0..first.replications))
            .map_err(|source| ShardError::Rounds {
                file: shown.to_string(),
                source,
            })
    }

    /// Each policy's rounds over the whole run: the shards' records in replication
    /// order, the plans each round had in force (the union of the shards', as every
    /// shard solves the plans its replications and the shared planning sample have in
    /// force) and those without an equilibrium.
    ///
    /// # Errors
    /// [`ShardError::File`] when a policy's part does not decode.
    pub fn policies(&self) -> Result<Vec<PolicyRun>, ShardError> {
        let spec = self.spec()?;
        let rounds = spec.rounds() as usize;
        let (_, first) = self.first();
        let mut out = Vec::with_capacity(first.data.policies.len());
        for (i, part) in first.data.policies.iter().enumerate() {
            let mut records = Vec::with_capacity(spec.replications() as usize);
            let mut keys = vec![BTreeSet::new(); rounds];
            let mut plans = vec![Unsettled::new(); rounds];
            let mut learning = false;
            for (shown, f) in self.iter() {
                let p = &f.data.policies[i];
                records.extend(
                    p.decode(rounds, f.replication_range.range())
                        .map_err(|e| ShardError::in_file(shown, e))?,
                );
                for (k, p) in keys.iter_mut().zip(p.plan_key_sets()) {
                    k.extend(p);
                }
                let unsettled = p
                    .unsettled_plans()
                    .map_err(|e| ShardError::in_file(shown, e))?;
                for (all, round) in plans.iter_mut().zip(unsettled) {
                    all.extend(round);
                }
                learning |= p.learning;
            }
            out.push(PolicyRun {
                policy: part.policy.clone(),
                paths: part.paths.clone(),
                records,
                plans_solved: count_plan_solves(&keys, learning),
                unsettled: plans,
                plan_keys: keys,
                learning,
            });
        }
        Ok(out)
    }
}
