//! Shard files: one slice of a run's blocks with everything `plansim merge` needs to
//! rebuild the run's report exactly (the resolved scenario, its roster, the seed,
//! the replication count and each block's tally), identified by the SHA-256 of the
//! resolved scenario and the plansim version.

pub mod rounds;
pub mod spec;

use std::ops::Range;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use plansim_sim::engine::{self, RunTally, BLOCK_SIZE};
use plansim_sim::model::Model;
use plansim_sim::scenario::{self, ValidScenario};
use plansim_sim::shard::{block_replications, EncodedBlock};

use crate::error::{CliError, CliResult};

/// What the `format` field of every shard file says.
pub const FORMAT: &str = "plansim-shard";
/// Version of the shard file layout; bumped on any change to it.
pub const FORMAT_VERSION: u32 = 1;
/// The version of plansim that writes and merges shards.
pub const PLANSIM_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The file name of shard `k` (from 1) of `n` in a `--out` folder.
pub fn file_name(k: u64, n: u64) -> String {
    format!("shard-{k}-of-{n}.json")
}

/// A half-open range of blocks or replications.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    /// First included.
    pub start: u64,
    /// First excluded.
    pub end: u64,
}

impl From<Range<u64>> for Span {
    fn from(r: Range<u64>) -> Self {
        Span {
            start: r.start,
            end: r.end,
        }
    }
}

impl Span {
    /// As a range.
    pub fn range(&self) -> Range<u64> {
        self.start..self.end
    }
}

/// The fields that identify a shard file and its format, read before the rest.
#[derive(Deserialize)]
struct Header {
    format: Option<String>,
    format_version: Option<u32>,
    plansim_version: Option<String>,
}

/// What identifies a shard's run and slice, whatever its kind.
pub struct Slice {
    /// The file's name in messages.
    pub shown: String,
    /// The plansim version that wrote it.
    pub plansim_version: String,
    /// SHA-256 of the resolved scenario and roster.
    pub scenario_sha256: String,
    /// Name of the scenario.
    pub scenario_name: String,
    /// Seed of the run.
    pub seed: u64,
    /// Replications of the whole run.
    pub replications: u64,
    /// Blocks of the whole run.
    pub block_count: u64,
    /// Which shard, from 1.
    pub shard: u64,
    /// Into how many shards the run was split.
    pub shards: u64,
    /// Blocks it holds.
    pub blocks: Span,
    /// Replications it holds.
    pub replication_range: Span,
}

impl Slice {
    /// Checks that the slice is consistent: K of N, its blocks within the run's, its
    /// replications those of its blocks.
    pub fn check(&self) -> CliResult {
        if self.replications == 0
            || self.block_count != engine::block_count(self.replications)
            || self.shards == 0
            || self.shard == 0
            || self.shard > self.shards
            || self.blocks.start > self.blocks.end
            || self.blocks.end > self.block_count
            || self.replication_range
                != block_replications(&self.blocks.range(), self.replications).into()
        {
            return Err(CliError::Input(format!(
                "{}: inconsistent slice: shard {}/{}, blocks {}..{} of {}, {} replications",
                self.shown,
                self.shard,
                self.shards,
                self.blocks.start,
                self.blocks.end,
                self.block_count,
                self.replications
            )));
        }
        Ok(())
    }
}

/// The slice fields every kind of shard file has, as a [`Slice`].
macro_rules! slice_of {
    ($file:expr, $shown:expr) => {
        $crate::shard::Slice {
            shown: $shown.to_string(),
            plansim_version: $file.plansim_version.clone(),
            scenario_sha256: $file.scenario_sha256.clone(),
            scenario_name: $file.scenario_name.clone(),
            seed: $file.seed,
            replications: $file.replications,
            block_count: $file.block_count,
            shard: $file.shard,
            shards: $file.shards,
            blocks: $file.blocks,
            replication_range: $file.replication_range,
        }
    };
}
pub(crate) use slice_of;

/// A shard file.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ShardFile {
    /// Always [`FORMAT`].
    pub format: String,
    /// [`FORMAT_VERSION`] of the writer.
    pub format_version: u32,
    /// plansim version of the writer.
    pub plansim_version: String,
    /// SHA-256 of the resolved scenario TOML and roster CSV (see [`scenario_sha256`]).
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
    /// The resolved scenario as TOML.
    pub scenario_toml: String,
    /// The roster as CSV, when the team comes from one.
    pub roster_csv: Option<String>,
    /// Each block's tally, in block order.
    pub tallies: Vec<EncodedBlock>,
}

/// SHA-256, in hex, of the resolved scenario TOML, a NUL byte and the roster CSV (empty without one).
pub fn scenario_sha256(scenario_toml: &str, roster_csv: Option<&str>) -> String {
    let mut h = Sha256::new();
    h.update(scenario_toml.as_bytes());
    h.update([0u8]);
    h.update(roster_csv.unwrap_or("").as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

impl ShardFile {
    /// A shard of blocks `blocks` of a run, from its block tallies (in block order).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        valid: &ValidScenario,
        model: &Model,
        seed: u64,
        replications: u64,
        k: u64,
        n: u64,
        blocks: Range<u64>,
        tallies: &[RunTally],
    ) -> Self {
        let scenario_toml = valid.to_toml();
        let roster_csv = valid.roster_csv();
        ShardFile {
            format: FORMAT.into(),
            format_version: FORMAT_VERSION,
            plansim_version: PLANSIM_VERSION.into(),
            scenario_sha256: scenario_sha256(&scenario_toml, roster_csv.as_deref()),
            scenario_name: model.name.clone(),
            source: valid.source().into(),
            seed,
            replications,
            block_size: BLOCK_SIZE,
            block_count: engine::block_count(replications),
            shard: k,
            shards: n,
            replication_range: block_replications(&blocks, replications).into(),
            tallies: blocks
                .clone()
                .zip(tallies)
                .map(|(b, t)| EncodedBlock::encode(b, t))
                .collect(),
            blocks: blocks.into(),
            scenario_toml,
            roster_csv,
        }
    }

    /// The file's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec(self).expect("shards serialise");
        bytes.push(b'\n');
        bytes
    }

    /// Reads and checks a shard file: its format, its version, its scenario hash and
    /// that its blocks are the ones it claims, in order.
    pub fn read(path: &Path) -> CliResult<Self> {
        let shown = path.display().to_string();
        let shard: ShardFile = read_json(path, FORMAT)?;
        shard.check(&shown)?;
        Ok(shard)
    }

    /// Its slice.
    pub fn slice(&self, shown: &str) -> Slice {
        slice_of!(self, shown)
    }

    /// Checks what a shard says of itself.
    fn check(&self, shown: &str) -> CliResult {
        let bad = |m: String| Err(CliError::Input(format!("{shown}: {m}")));
        check_identity(
            shown,
            FORMAT,
            &Identity {
                format: &self.format,
                format_version: self.format_version,
                plansim_version: &self.plansim_version,
                scenario_toml: &self.scenario_toml,
                roster_csv: self.roster_csv.as_deref(),
                sha256: &self.scenario_sha256,
                block_size: self.block_size,
            },
        )?;
        self.slice(shown).check()?;
        let expected = self.blocks.range();
        if self.tallies.len() as u64 != expected.end - expected.start
            || self.tallies.iter().zip(expected).any(|(t, b)| t.block != b)
        {
            return bad(format!(
                "holds tallies of blocks {:?}, not blocks {}..{} in order",
                self.tallies.iter().map(|t| t.block).collect::<Vec<_>>(),
                self.blocks.start,
                self.blocks.end
            ));
        }
        Ok(())
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

    /// Decodes the tallies of the shard's blocks, in block order.
    pub fn block_tallies(&self, model: &Model, shown: &str) -> CliResult<Vec<RunTally>> {
        self.tallies
            .iter()
            .map(|t| {
                let reps = block_replications(&(t.block..t.block + 1), self.replications);
                t.decode(model, reps.end - reps.start)
                    .map_err(|e| CliError::Input(format!("{shown}: {e}")))
            })
            .collect()
    }
}

/// The `format` of a shard file, read before the rest; `None` when it has none.
pub fn format_of(path: &Path) -> CliResult<Option<String>> {
    let shown = path.display();
    let bytes = std::fs::read(path)
        .map_err(|e| CliError::Input(format!("{shown}: cannot read the shard: {e}")))?;
    Ok(serde_json::from_slice::<Header>(&bytes)
        .ok()
        .and_then(|h| h.format))
}

/// Reads a shard file of format `format`, saying why when it is not one.
pub fn read_json<T: serde::de::DeserializeOwned>(path: &Path, format: &str) -> CliResult<T> {
    let shown = path.display();
    let bytes = std::fs::read(path)
        .map_err(|e| CliError::Input(format!("{shown}: cannot read the shard: {e}")))?;
    serde_json::from_slice(&bytes)
        .map_err(|e| CliError::Input(format!("{shown}: {}", why_unreadable(&bytes, format, e))))
}

/// What every kind of shard file says of itself.
pub struct Identity<'a> {
    /// Its `format` field.
    pub format: &'a str,
    /// Its layout's version.
    pub format_version: u32,
    /// The plansim version that wrote it.
    pub plansim_version: &'a str,
    /// The resolved scenario.
    pub scenario_toml: &'a str,
    /// The roster, when the team comes from one.
    pub roster_csv: Option<&'a str>,
    /// The hash it claims for them.
    pub sha256: &'a str,
    /// Replications per block.
    pub block_size: u64,
}

/// Checks the parts of a shard every kind has: its format, its version, its block
/// size and that its scenario matches its hash.
pub fn check_identity(shown: &str, expected_format: &str, id: &Identity<'_>) -> CliResult {
    let bad = |m: String| Err(CliError::Input(format!("{shown}: {m}")));
    if id.format != expected_format {
        return bad(not_a_shard(expected_format));
    }
    if id.format_version != FORMAT_VERSION {
        return bad(other_version(
            Some(id.format_version),
            Some(id.plansim_version),
        ));
    }
    let (scenario_toml, roster_csv, sha256, block_size) =
        (id.scenario_toml, id.roster_csv, id.sha256, id.block_size);
    if block_size != BLOCK_SIZE {
        return bad(format!(
            "blocks of {block_size} replications, but this plansim uses {BLOCK_SIZE}"
        ));
    }
    if scenario_sha256(scenario_toml, roster_csv) != sha256 {
        return bad(
            "scenario_sha256 does not match the scenario stored in the shard \
             (the file was edited or damaged); run the shard again"
                .into(),
        );
    }
    Ok(())
}

fn not_a_shard(format: &str) -> String {
    format!("not a plansim shard file (no \"format\": \"{format}\")")
}

/// The message for a shard of another format version.
fn other_version(version: Option<u32>, writer: Option<&str>) -> String {
    format!(
        "shard format version {}, written by plansim {}; this plansim {PLANSIM_VERSION} reads version {FORMAT_VERSION}",
        version.map_or("?".into(), |v| v.to_string()),
        writer.unwrap_or("?")
    )
}

/// Why a file did not parse as a shard of `format`: not JSON, not such a shard,
/// another format version, or damaged.
fn why_unreadable(bytes: &[u8], format: &str, e: serde_json::Error) -> String {
    match serde_json::from_slice::<Header>(bytes) {
        Ok(h) if h.format.as_deref() != Some(format) => not_a_shard(format),
        Ok(h) if h.format_version != Some(FORMAT_VERSION) => {
            other_version(h.format_version, h.plansim_version.as_deref())
        }
        Ok(_) => format!("a damaged shard file: {e}"),
        Err(_) => format!("not a plansim shard file: {e}"),
    }
}
