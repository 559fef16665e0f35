//! Shard files of `plansim rounds --shard K/N`: one slice of a run of rounds, each of
//! its replications' records kept exactly, with what `plansim merge` needs to rebuild
//! the whole run's report (the resolved scenario, its roster, the rounds, the seed,
//! the policies and the distinct plans each round had in force).

use std::collections::BTreeSet;
use std::ops::Range;

use serde::{Deserialize, Serialize};

use plansim_sim::behaviour::{Equilibrium, EquilibriumGap};
use plansim_sim::engine::metrics::N_METRICS;
use plansim_sim::rounds::{RoundObservation, RoundsError, RoundsSpec, TrajectoryRecord};
use plansim_sim::scenario::ValidScenario;

use super::encoding::{decode_f64s, encode_f64s, HexError, ShardSlice};
use super::{FileProblem, Shard, ShardData};
use crate::rounds::{PolicyRun, RoundsSetup};

/// A policy's part of a rounds shard that does not decode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("policy {policy}: {problem}")]
pub struct PolicyError {
    /// The policy.
    pub policy: String,
    /// What is wrong with its part.
    pub problem: PolicyProblem,
}

/// What is wrong with a policy's part of a rounds shard.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyProblem {
    /// Its records are not one a replication of the slice.
    #[error("{records} records for replications {}..{}", replications.start, replications.end)]
    Records {
        /// Records found.
        records: usize,
        /// The slice's replications.
        replications: Range<u64>,
    },
    /// Its plans are not one set a round.
    #[error("plans of {found} rounds, expected {rounds}")]
    Rounds {
        /// Rounds of plans found.
        found: usize,
        /// Rounds of the run.
        rounds: usize,
    },
    /// A replication's record does not decode.
    #[error("replication {replication}: {problem}")]
    Hex {
        /// The replication.
        replication: u64,
        /// Why.
        problem: HexError,
    },
    /// A replication's record holds another number of values.
    #[error("replication {replication}: {found} values, expected {width}")]
    Width {
        /// The replication.
        replication: u64,
        /// Values found.
        found: usize,
        /// Values expected.
        width: usize,
    },
    /// A plan without an equilibrium names an unknown kind of gap.
    #[error("unknown kind of equilibrium gap `{0}`")]
    Gap(String),
}

/// One shard of a run of rounds: its blocks and replications, and what it simulates.
pub struct RoundsShard {
    /// Its blocks and the replications it reports.
    pub slice: ShardSlice,
    /// The run's spec with this shard's slice.
    pub spec: RoundsSpec,
    /// Replications of the planning sample every shard simulates.
    pub planning: u64,
    /// Replications it simulates: the planning sample and its slice.
    pub simulated: u64,
}

impl RoundsShard {
    /// Shard `k` (from 1) of `n` of the run of rounds `setup`.
    pub fn new(setup: &RoundsSetup, k: u64, n: u64) -> Self {
        let whole = &setup.spec;
        let slice = ShardSlice::new(whole.replications(), k, n);
        let planning = whole.replications().min(whole.planning());
        let reps = &slice.replications;
        RoundsShard {
            spec: whole
                .clone()
                .with_slice(reps.clone())
                .expect("a shard's slice lies within its run"),
            simulated: planning + reps.end.saturating_sub(reps.start.max(planning)),
            planning,
            slice,
        }
    }
}

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
    /// For each round, the plans solved for it whose efforts are not an equilibrium.
    pub unsettled: Vec<Vec<UnsettledPlan>>,
}

/// A plan solved for a round whose efforts are not an equilibrium, as a shard keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnsettledPlan {
    /// Its parameters, as the bits of each value.
    pub key: Vec<u64>,
    /// What did not settle: `tournament_cutoff` or `team_efforts`.
    pub what: String,
    /// The size of the inconsistency, as the bits of the `f64`.
    pub gap: u64,
    /// Solver passes made.
    pub passes: usize,
}

pub use crate::rounds::Unsettled;

impl UnsettledPlan {
    /// A plan `key` whose equilibrium `e` was not found (None when it holds).
    fn new(key: &[u64], e: &Equilibrium) -> Option<Self> {
        match *e {
            Equilibrium::NotFound { what, gap, passes } => Some(UnsettledPlan {
                key: key.to_vec(),
                what: match what {
                    EquilibriumGap::TournamentCutoff => "tournament_cutoff",
                    EquilibriumGap::TeamEfforts => "team_efforts",
                }
                .into(),
                gap: gap.to_bits(),
                passes,
            }),
            _ => None,
        }
    }

    /// What the simulator said of it.
    fn equilibrium(&self) -> Result<Equilibrium, PolicyProblem> {
        let what = match self.what.as_str() {
            "tournament_cutoff" => EquilibriumGap::TournamentCutoff,
            "team_efforts" => EquilibriumGap::TeamEfforts,
            other => return Err(PolicyProblem::Gap(other.to_string())),
        };
        Ok(Equilibrium::NotFound {
            what,
            gap: f64::from_bits(self.gap),
            passes: self.passes,
        })
    }
}

impl PolicyShard {
    /// The part of a policy, from its run on the shard's slice.
    pub fn new(run: &PolicyRun) -> Self {
        PolicyShard {
            policy: run.policy.clone(),
            paths: run.paths.clone(),
            learning: run.learning,
            plan_keys: run
                .plan_keys
                .iter()
                .map(|k| k.iter().cloned().collect())
                .collect(),
            unsettled: run
                .unsettled
                .iter()
                .map(|round| {
                    round
                        .iter()
                        .filter_map(|(k, e)| UnsettledPlan::new(k, e))
                        .collect()
                })
                .collect(),
            records: run
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
            unsettled: vec![Vec::new(); rounds as usize],
        }
    }

    /// `problem` with this policy's part.
    fn error(&self, problem: PolicyProblem) -> PolicyError {
        PolicyError {
            policy: self.policy.clone(),
            problem,
        }
    }

    /// For each round, its plans without an equilibrium, by their parameters' bits.
    ///
    /// # Errors
    /// [`PolicyError`] when a plan names an unknown kind of gap.
    pub fn unsettled_plans(&self) -> Result<Vec<Unsettled>, PolicyError> {
        self.unsettled
            .iter()
            .map(|round| {
                round
                    .iter()
                    .map(|u| Ok((u.key.clone(), u.equilibrium()?)))
                    .collect()
            })
            .collect::<Result<_, PolicyProblem>>()
            .map_err(|e| self.error(e))
    }

    /// The records of replications `replications`, over `rounds` rounds.
    ///
    /// # Errors
    /// [`PolicyError`] when the records are not those of the slice.
    pub fn decode(
        &self,
        rounds: usize,
        replications: Range<u64>,
    ) -> Result<Vec<TrajectoryRecord>, PolicyError> {
        if self.records.len() as u64 != replications.end - replications.start {
            return Err(self.error(PolicyProblem::Records {
                records: self.records.len(),
                replications,
            }));
        }
        if self.plan_keys.len() != rounds || self.unsettled.len() != rounds {
            return Err(self.error(PolicyProblem::Rounds {
                found: self.plan_keys.len(),
                rounds,
            }));
        }
        let p = self.paths.len();
        let width = rounds * (p + OBSERVATION_FIELDS) + N_METRICS;
        self.records
            .iter()
            .zip(replications)
            .map(|(text, replication)| {
                let v = decode_f64s(text).map_err(|problem| {
                    self.error(PolicyProblem::Hex {
                        replication,
                        problem,
                    })
                })?;
                if v.len() != width {
                    return Err(self.error(PolicyProblem::Width {
                        replication,
                        found: v.len(),
                        width,
                    }));
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

/// What a shard of `plansim rounds` holds besides the header every shard has.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RoundsData {
    /// Rounds.
    pub rounds: u32,
    /// Periods per round.
    pub round_length: u32,
    /// Replications of the planning sample.
    pub planning: u64,
    /// Each policy's part, in the order the run reports them.
    pub policies: Vec<PolicyShard>,
}

impl ShardData for RoundsData {
    const FORMAT: &'static str = ROUNDS_FORMAT;

    fn check(shard: &Shard<Self>) -> Result<(), FileProblem> {
        let d = &shard.data;
        if d.rounds == 0 || d.round_length == 0 || d.policies.is_empty() {
            return Err(FileProblem::Rounds {
                rounds: d.rounds,
                round_length: d.round_length,
                policies: d.policies.len(),
            });
        }
        Ok(())
    }
}

/// A shard of `plansim rounds`.
pub type RoundsShardFile = Shard<RoundsData>;

impl RoundsShardFile {
    /// Shard `k` of `n` of the run of rounds `spec`: blocks `blocks` (whose
    /// replications are the spec's slice), with each policy's part.
    pub fn of_rounds(
        valid: &ValidScenario,
        spec: &RoundsSpec,
        (k, n): (u64, u64),
        blocks: Range<u64>,
        policies: Vec<PolicyShard>,
    ) -> Self {
        let data = RoundsData {
            rounds: spec.rounds(),
            round_length: spec.round_length(),
            planning: spec.planning(),
            policies,
        };
        let shard = Shard::new(
            valid,
            spec.seed(),
            spec.replications(),
            (k, n),
            blocks,
            data,
        );
        debug_assert_eq!(shard.replication_range.range(), spec.slice());
        shard
    }

    /// The spec of the run this shard is a slice of, with the shard's slice.
    ///
    /// # Errors
    /// The [`RoundsError`] of a shard whose run is no valid run of rounds.
    pub fn spec(&self) -> Result<RoundsSpec, RoundsError> {
        RoundsSpec::new(
            self.data.rounds,
            self.data.round_length,
            self.seed,
            self.replications,
        )?
        .with_planning(self.data.planning)?
        .with_slice(self.replication_range.range())
    }
}
