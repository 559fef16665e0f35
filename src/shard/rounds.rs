//! Shard files of `plansim rounds --shard K/N`: one slice of a run of rounds, each of
//! its replications' records kept exactly, with what `plansim merge` needs to rebuild
//! the whole run's report (the resolved scenario, its roster, the rounds, the seed,
//! the policies and the distinct plans each round had in force).

use std::collections::BTreeSet;
use std::ops::Range;
use std::path::Path;

use serde::{Deserialize, Serialize};

use plansim_sim::engine::{self, BLOCK_SIZE};
use plansim_sim::metrics::N_METRICS;
use plansim_sim::rounds::{RoundObservation, RoundsResult, RoundsSpec, TrajectoryRecord};
use plansim_sim::scenario::{self, ValidScenario};
use plansim_sim::shard::{decode_f64s, encode_f64s};

use super::{
    check_identity, read_json, scenario_sha256, slice_of, Identity, Slice, Span, FORMAT_VERSION,
    PLANSIM_VERSION,
};
use crate::error::{CliError, CliResult};

/// What the `format` field of a rounds shard file says.
pub const ROUNDS_FORMAT: &str = "plansim-rounds-shard";

/// The file name of rounds shard `k` (from 1) of `n` in a `--out` folder.
pub fn file_name(k: u64, n: u64) -> String {
    format!("rounds-shard-{k}-of-{n}.json")
}

/// Values of a [`RoundObservation`], in the order they are encoded.
const OBSERVATION_FIELDS: usize = 9;

fn observation_values(o: &RoundObservation) -> [f64; OBSERVATION_FIELDS] {
    [
        o.revenue,
        o.new_customers,
        o.target_revenue,
        o.target_new_customers,
        o.score,
        o.cost,
        o.spent,
        o.hit_rate,
        o.effort_acquisition,
    ]
}

fn observation_of(v: &[f64]) -> RoundObservation {
    RoundObservation {
        revenue: v[0],
        new_customers: v[1],
        target_revenue: v[2],
        target_new_customers: v[3],
        score: v[4],
        cost: v[5],
        spent: v[6],
        hit_rate: v[7],
        effort_acquisition: v[8],
    }
}

/// One policy's part of a rounds shard.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PolicyShard {
    /// The policy's name.
    pub policy: String,
    /// Paths of the parameters it adjusts.
    pub paths: Vec<String>,
    /// Whether reps learn a tournament cut-off (plans are solved again each round).
    pub learning: bool,
    /// The distinct parameter vectors in force in each round (as the bits of each value)
    /// over the replications this shard simulated.
    pub plan_keys: Vec<Vec<Vec<u64>>>,
    /// Each replication of the slice, in order: its parameters each round, its
    /// observations each round, then its metrics, every `f64` as 16 hex digits.
    pub records: Vec<String>,
}

impl PolicyShard {
    /// The part of policy `policy` adjusting `paths`, from its run on the shard's slice.
    pub fn new(policy: &str, paths: &[String], result: &RoundsResult) -> Self {
        PolicyShard {
            policy: policy.into(),
            paths: paths.to_vec(),
            learning: result.learning,
            plan_keys: result
                .plan_keys
                .iter()
                .map(|k| k.iter().cloned().collect())
                .collect(),
            records: result
                .records
                .iter()
                .map(|r| {
                    let mut v: Vec<f64> = r.params.iter().flatten().copied().collect();
                    v.extend(r.observations.iter().flat_map(observation_values));
                    v.extend(r.metrics);
                    encode_f64s(&v)
                })
                .collect(),
        }
    }

    /// The part of a shard that holds no replication (more shards than blocks).
    pub fn empty(policy: &str, paths: &[String], rounds: u32) -> Self {
        PolicyShard {
            policy: policy.into(),
            paths: paths.to_vec(),
            learning: false,
            plan_keys: vec![Vec::new(); rounds as usize],
            records: Vec::new(),
        }
    }

    /// The records of replications `replications`, over `rounds` rounds.
    pub fn decode(
        &self,
        rounds: usize,
        replications: Range<u64>,
    ) -> Result<Vec<TrajectoryRecord>, String> {
        if self.records.len() as u64 != replications.end - replications.start {
            return Err(format!(
                "policy {}: {} records for replications {}..{}",
                self.policy,
                self.records.len(),
                replications.start,
                replications.end
            ));
        }
        if self.plan_keys.len() != rounds {
            return Err(format!(
                "policy {}: plans of {} rounds, expected {rounds}",
                self.policy,
                self.plan_keys.len()
            ));
        }
        let p = self.paths.len();
        let width = rounds * (p + OBSERVATION_FIELDS) + N_METRICS;
        self.records
            .iter()
            .zip(replications)
            .map(|(text, replication)| {
                let v = decode_f64s(text).map_err(|e| {
                    format!("policy {}: replication {replication}: {e}", self.policy)
                })?;
                if v.len() != width {
                    return Err(format!(
                        "policy {}: replication {replication}: {} values, expected {width}",
                        self.policy,
                        v.len()
                    ));
                }
                let (params, rest) = v.split_at(rounds * p);
                let (observations, metrics) = rest.split_at(rounds * OBSERVATION_FIELDS);
                Ok(TrajectoryRecord {
                    replication,
                    params: (0..rounds)
                        .map(|r| params[r * p..(r + 1) * p].to_vec())
                        .collect(),
                    observations: observations
                        .chunks(OBSERVATION_FIELDS)
                        .map(observation_of)
                        .collect(),
                    metrics: metrics.try_into().expect("width checked"),
                })
            })
            .collect()
    }

    /// The distinct parameter vectors of each round, as sets.
    pub fn plan_key_sets(&self) -> Vec<BTreeSet<Vec<u64>>> {
        self.plan_keys
            .iter()
            .map(|k| k.iter().cloned().collect())
            .collect()
    }
}

/// A rounds shard file.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RoundsShardFile {
    /// Always [`ROUNDS_FORMAT`].
    pub format: String,
    /// [`FORMAT_VERSION`] of the writer.
    pub format_version: u32,
    /// plansim version of the writer.
    pub plansim_version: String,
    /// SHA-256 of the resolved scenario TOML and roster CSV.
    pub scenario_sha256: String,
    /// Name of the scenario.
    pub scenario_name: String,
    /// Where the scenario came from, as a one-machine run would report it.
    pub source: String,
    /// Seed of the random streams.
    pub seed: u64,
    /// Replications of the whole run.
    pub replications: u64,
    /// Replications per block.
    pub block_size: u64,
    /// Blocks of the whole run.
    pub block_count: u64,
    /// Which shard this is, from 1.
    pub shard: u64,
    /// Into how many shards the run was split.
    pub shards: u64,
    /// Blocks this shard holds.
    pub blocks: Span,
    /// Replications this shard holds.
    pub replication_range: Span,
    /// Rounds.
    pub rounds: u32,
    /// Periods per round.
    pub round_length: u32,
    /// Replications of the planning sample.
    pub planning: u64,
    /// The resolved scenario (its horizon the rounds') as TOML.
    pub scenario_toml: String,
    /// The roster as CSV, when the team comes from one.
    pub roster_csv: Option<String>,
    /// Each policy's part, in the order the run reports them.
    pub policies: Vec<PolicyShard>,
}

impl RoundsShardFile {
    /// A shard of blocks `blocks` of the run `spec` (whose slice they are), with each policy's part.
    pub fn new(
        valid: &ValidScenario,
        spec: &RoundsSpec,
        k: u64,
        n: u64,
        blocks: Range<u64>,
        policies: Vec<PolicyShard>,
    ) -> Self {
        let scenario_toml = valid.to_toml();
        let roster_csv = valid.roster_csv();
        RoundsShardFile {
            format: ROUNDS_FORMAT.into(),
            format_version: FORMAT_VERSION,
            plansim_version: PLANSIM_VERSION.into(),
            scenario_sha256: scenario_sha256(&scenario_toml, roster_csv.as_deref()),
            scenario_name: valid.scenario().name.clone(),
            source: valid.source().into(),
            seed: spec.seed,
            replications: spec.replications,
            block_size: BLOCK_SIZE,
            block_count: engine::block_count(spec.replications),
            shard: k,
            shards: n,
            replication_range: spec.slice.clone().into(),
            blocks: blocks.into(),
            rounds: spec.rounds,
            round_length: spec.round_length,
            planning: spec.planning,
            scenario_toml,
            roster_csv,
            policies,
        }
    }

    /// The file's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec(self).expect("shards serialise");
        bytes.push(b'\n');
        bytes
    }

    /// Reads and checks a rounds shard file.
    pub fn read(path: &Path) -> CliResult<Self> {
        let shown = path.display().to_string();
        let file: RoundsShardFile = read_json(path, ROUNDS_FORMAT)?;
        let bad = |m: String| Err(CliError::Input(format!("{shown}: {m}")));
        check_identity(
            &shown,
            ROUNDS_FORMAT,
            &Identity {
                format: &file.format,
                format_version: file.format_version,
                plansim_version: &file.plansim_version,
                scenario_toml: &file.scenario_toml,
                roster_csv: file.roster_csv.as_deref(),
                sha256: &file.scenario_sha256,
                block_size: file.block_size,
            },
        )?;
        file.slice(&shown).check()?;
        if file.rounds == 0 || file.round_length == 0 || file.policies.is_empty() {
            return bad(format!(
                "inconsistent run: {} rounds of {} periods, {} policies",
                file.rounds,
                file.round_length,
                file.policies.len()
            ));
        }
        Ok(file)
    }

    /// Its slice.
    pub fn slice(&self, shown: &str) -> Slice {
        slice_of!(self, shown)
    }

    /// The scenario the shard was run on, validated again with its stored roster.
    pub fn scenario(&self, shown: &str) -> CliResult<ValidScenario> {
        scenario::parse_and_validate_with_roster(
            &self.scenario_toml,
            &self.source,
            self.roster_csv.as_deref(),
        )
        .map_err(|e| CliError::Input(format!("{shown}: the stored scenario: {e}")))
    }

    /// The spec of the whole run this shard is a slice of.
    pub fn spec(&self) -> RoundsSpec {
        RoundsSpec {
            rounds: self.rounds,
            round_length: self.round_length,
            seed: self.seed,
            replications: self.replications,
            planning: self.planning,
            slice: self.replication_range.range(),
        }
    }
}
