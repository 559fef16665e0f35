//! Shard files: one slice of a run's blocks with everything `plansim merge` needs to
//! rebuild the run's report exactly, identified by the SHA-256 of the resolved
//! scenario and the plansim version. Every kind of shard has the same header (the
//! scenario, its roster, the seed, the replication count and the slice, [`Shard`]);
//! what it holds besides is its [`ShardData`]: each block's tally for `run`
//! ([`RunData`]), each replication's record for `rounds` ([`rounds::RoundsData`]).
//! [`merge`] checks that shards are of one run and cover it once, and rebuilds it.
//!
//! Every shard is sealed ([`Seal`]): the SHA-256 of its whole content, which the
//! reader verifies, so a shard damaged or edited by accident is refused; and, with a
//! shared [`ShardKey`], an HMAC-SHA-256 tag of the same content, so that a shard
//! edited on purpose (its digest recomputed) is refused too. Without a key the
//! digest catches accidents, not an attacker: anyone who can edit a shard can
//! recompute its digest.

pub mod encoding;
pub mod merge;
pub mod rounds;

use std::ops::Range;
use std::path::Path;

use hmac::{Hmac, Mac};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use plansim_sim::engine::{self, RunTally, BLOCK_SIZE};
use plansim_sim::model::Model;
use plansim_sim::scenario::{self, ScenarioError, ValidScenario};

use encoding::{block_replications, BlockError, EncodedBlock};

/// What is wrong inside one shard file.
#[derive(Debug, thiserror::Error)]
pub enum FileProblem {
    /// It is not a shard of the kind expected.
    #[error("not a plansim shard file (no \"format\": \"{0}\")")]
    NotAShard(&'static str),
    /// It is of another format version.
    #[error(
        "shard format version {}, written by plansim {}; this plansim {PLANSIM_VERSION} reads version {FORMAT_VERSION}",
        version.map_or("?".into(), |v| v.to_string()),
        writer.as_deref().unwrap_or("?")
    )]
    OtherVersion {
        /// The version it says, if any.
        version: Option<u32>,
        /// The plansim version that wrote it, if it says.
        writer: Option<String>,
    },
    /// It is a shard of the kind and version expected, but does not parse.
    #[error("a damaged shard file: {0}")]
    Damaged(serde_json::Error),
    /// It is not JSON.
    #[error("not a plansim shard file: {0}")]
    NotJson(serde_json::Error),
    /// It carries no digest of its content.
    #[error("no content_sha256 seal: not a shard as plansim writes it; run the shard again")]
    NoDigest,
    /// Its content is not the content its digest was made of.
    #[error(
        "content_sha256 does not match the shard's content (the file was edited or damaged); run the shard again"
    )]
    Digest,
    /// A key is given and the shard carries no tag.
    #[error(
        "no hmac_sha256 tag, but a shard key is set: the shard was written without the key (or its tag removed); run it again with the key"
    )]
    NoTag,
    /// A key is given and the shard's tag is not the content's under that key.
    #[error(
        "hmac_sha256 does not authenticate the shard with the key given: it was written with another key, or edited; run it again with the key"
    )]
    Tag,
    /// Its blocks are of another size.
    #[error("blocks of {0} replications, but this plansim uses {BLOCK_SIZE}")]
    BlockSize(u64),
    /// Its scenario is not the one its hash names.
    #[error(
        "scenario_sha256 does not match the scenario stored in the shard \
         (the file was edited or damaged); run the shard again"
    )]
    ScenarioHash,
    /// Its slice does not fit the run it says it is of.
    #[error(
        "inconsistent slice: shard {shard}/{shards}, blocks {}..{} of {block_count}, {replications} replications",
        blocks.start,
        blocks.end
    )]
    Slice {
        /// Which shard.
        shard: u64,
        /// Of how many.
        shards: u64,
        /// Its blocks.
        blocks: Span,
        /// Blocks of the run.
        block_count: u64,
        /// Replications of the run.
        replications: u64,
    },
    /// Its block tallies are not those of its blocks, in order.
    #[error("holds tallies of blocks {found:?}, not blocks {}..{} in order", blocks.start, blocks.end)]
    BlockTallies {
        /// The blocks of the tallies it holds.
        found: Vec<u64>,
        /// Its blocks.
        blocks: Span,
    },
    /// A block tally does not decode.
    #[error(transparent)]
    Block(#[from] BlockError),
    /// Its run of rounds is inconsistent.
    #[error("inconsistent run: {rounds} rounds of {round_length} periods, {policies} policies")]
    Rounds {
        /// Rounds.
        rounds: u32,
        /// Periods per round.
        round_length: u32,
        /// Policies.
        policies: usize,
    },
    /// A policy's part of a rounds shard does not decode.
    #[error(transparent)]
    Policy(#[from] rounds::PolicyError),
}

/// A shard that cannot be read, or shards that do not make one run.
#[derive(Debug, thiserror::Error)]
pub enum ShardError {
    /// A file cannot be read.
    #[error("{file}: cannot read the shard: {source}")]
    Read {
        /// The file.
        file: String,
        /// Why.
        source: std::io::Error,
    },
    /// Something inside a file is wrong.
    #[error("{file}: {problem}")]
    File {
        /// The file.
        file: String,
        /// What is wrong.
        problem: FileProblem,
    },
    /// A file's run of rounds is not a valid one.
    #[error("{file}: {source}")]
    Rounds {
        /// The file.
        file: String,
        /// Why.
        source: plansim_sim::rounds::RoundsError,
    },
    /// A file's stored scenario no longer validates.
    #[error("{file}: the stored scenario: {source}")]
    Scenario {
        /// The file.
        file: String,
        /// Why.
        source: ScenarioError,
    },
    /// A file was written by another plansim version.
    #[error(
        "{file}: written by plansim {version}, but this is plansim {PLANSIM_VERSION}; run every shard and the merge with one version"
    )]
    Version {
        /// The file.
        file: String,
        /// The version that wrote it.
        version: String,
    },
    /// Two files are shards of different runs.
    #[error("{first} and {other} are shards of different runs: {what} {a} vs {b}")]
    DifferentRuns {
        /// The first file.
        first: String,
        /// The other file.
        other: String,
        /// What differs.
        what: &'static str,
        /// The first file's.
        a: String,
        /// The other's.
        b: String,
    },
    /// Two files are shards of different runs of rounds.
    #[error("{first} and {other} are shards of different runs of rounds: {what} differ")]
    DifferentRounds {
        /// The first file.
        first: String,
        /// The other file.
        other: String,
        /// What differs.
        what: &'static str,
    },
    /// Two files are the same shard.
    #[error("{file} and {other} are both shard {shard}/{shards}; give each shard once")]
    Twice {
        /// The later file.
        file: String,
        /// The earlier one.
        other: String,
        /// Which shard.
        shard: u64,
        /// Of how many.
        shards: u64,
    },
    /// The shards do not cover the run's blocks once.
    #[error(transparent)]
    Coverage(#[from] encoding::CoverageError),
    /// A file is a shard of another kind than the first.
    #[error(
        "{file} is a shard of {}, but {first} is one of {}; merge each kind on its own",
        command_of(found.as_deref()),
        command_of(Some(expected))
    )]
    Kind {
        /// The file.
        file: String,
        /// Its kind.
        found: Option<String>,
        /// The first file.
        first: String,
        /// The first file's kind.
        expected: &'static str,
    },
}

impl ShardError {
    /// `problem` in file `file`.
    pub fn in_file(file: &str, problem: impl Into<FileProblem>) -> Self {
        ShardError::File {
            file: file.to_string(),
            problem: problem.into(),
        }
    }
}

/// Which command writes shards of `format`.
fn command_of(format: Option<&str>) -> &'static str {
    match format {
        Some(rounds::ROUNDS_FORMAT) => "`plansim rounds`",
        Some(FORMAT) => "`plansim run`",
        _ => "neither `plansim run` nor `plansim rounds`",
    }
}

/// What the `format` field of a shard of `plansim run` says.
pub const FORMAT: &str = "plansim-shard";
/// Version of the shard file layout; bumped on any change to it (2: rounds shards
/// keep the plans solved without an equilibrium; 3: every shard is sealed).
pub const FORMAT_VERSION: u32 = 3;
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
}

/// What a kind of shard holds besides the header every shard has.
pub trait ShardData: Serialize + DeserializeOwned + Sized {
    /// The `format` field of this kind of shard.
    const FORMAT: &'static str;
    /// Checks the data against the shard's header.
    ///
    /// # Errors
    /// [`FileProblem`] saying what is wrong.
    fn check(shard: &Shard<Self>) -> Result<(), FileProblem>;
}

/// A shard file: the header every kind has, and its kind's data.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Shard<D> {
    /// The kind's [`ShardData::FORMAT`].
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
    /// What this kind of shard holds of its slice.
    pub data: D,
    /// The digest (and tag) of everything above, read from the file; never part of
    /// the content it seals, so never serialised with it.
    #[serde(default, skip_serializing)]
    pub seal: Seal,
}

/// A shard's seal: the SHA-256 of its content and, with a key, its HMAC-SHA-256 tag.
///
/// The content is the shard serialised as compact JSON without its seal (the bytes
/// [`Shard::to_bytes`] writes before the seal); the reader serialises what it read
/// again, so the digest covers every field's value.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seal {
    /// SHA-256 of the content, in hex.
    pub content_sha256: Option<String>,
    /// HMAC-SHA-256 of the content under the shard key, in hex, when written with one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hmac_sha256: Option<String>,
}

/// A key shared by the machines that write shards and the one that merges them.
#[derive(Clone)]
pub struct ShardKey(Vec<u8>);

impl std::fmt::Debug for ShardKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ShardKey(..)")
    }
}

/// Fewest bytes of a shard key.
pub const MIN_KEY_BYTES: usize = 16;

impl ShardKey {
    /// A key of at least [`MIN_KEY_BYTES`] bytes.
    ///
    /// # Errors
    /// The length, when it is shorter.
    pub fn new(bytes: Vec<u8>) -> Result<Self, usize> {
        if bytes.len() < MIN_KEY_BYTES {
            return Err(bytes.len());
        }
        Ok(ShardKey(bytes))
    }

    fn mac(&self) -> Hmac<Sha256> {
        <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("HMAC takes keys of any length")
    }
}

/// Hashes what is written into it: SHA-256 and, with a key, HMAC-SHA-256.
struct Hashing {
    sha: Sha256,
    mac: Option<Hmac<Sha256>>,
}

impl std::io::Write for Hashing {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.sha.update(buf);
        if let Some(m) = &mut self.mac {
            m.update(buf);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// SHA-256, in hex, of the resolved scenario TOML, a NUL byte and the roster CSV (empty without one).
pub fn scenario_sha256(scenario_toml: &str, roster_csv: Option<&str>) -> String {
    let mut h = Sha256::new();
    h.update(scenario_toml.as_bytes());
    h.update([0u8]);
    h.update(roster_csv.unwrap_or("").as_bytes());
    hex(&h.finalize())
}

impl<D: ShardData> Shard<D> {
    /// Shard `k` (from 1) of `n`: blocks `blocks` of a run of `replications` of
    /// `valid` with seed `seed`, holding `data`.
    pub fn new(
        valid: &ValidScenario,
        seed: u64,
        replications: u64,
        (k, n): (u64, u64),
        blocks: Range<u64>,
        data: D,
    ) -> Self {
        let scenario_toml = valid.to_toml();
        let roster_csv = valid.roster_csv();
        Shard {
            format: D::FORMAT.into(),
            format_version: FORMAT_VERSION,
            plansim_version: PLANSIM_VERSION.into(),
            scenario_sha256: scenario_sha256(&scenario_toml, roster_csv.as_deref()),
            scenario_name: valid.scenario().name.clone(),
            source: valid.source().into(),
            seed,
            replications,
            block_size: BLOCK_SIZE,
            block_count: engine::block_count(replications),
            shard: k,
            shards: n,
            replication_range: block_replications(&blocks, replications).into(),
            blocks: blocks.into(),
            scenario_toml,
            roster_csv,
            data,
            seal: Seal::default(),
        }
    }

    /// The seal of the shard's content (its seal aside): its SHA-256 and, with `key`,
    /// its HMAC-SHA-256 tag.
    pub fn seal_of(&self, key: Option<&ShardKey>) -> Seal {
        let h = self.hashed(key);
        Seal {
            content_sha256: Some(hex(&h.sha.finalize())),
            hmac_sha256: h.mac.map(|m| hex(&m.finalize().into_bytes())),
        }
    }

    /// The content (the shard serialised without its seal) hashed, with `key` too.
    fn hashed(&self, key: Option<&ShardKey>) -> Hashing {
        let mut h = Hashing {
            sha: Sha256::new(),
            mac: key.map(ShardKey::mac),
        };
        let mut w = std::io::BufWriter::with_capacity(1 << 16, &mut h);
        serde_json::to_writer(&mut w, self).expect("shards serialise");
        std::io::Write::flush(&mut w).expect("hashing cannot fail");
        drop(w);
        h
    }

    /// The file's bytes: the content as compact JSON, sealed with its digest and,
    /// with `key`, its tag.
    pub fn to_bytes(&self, key: Option<&ShardKey>) -> Vec<u8> {
        let mut bytes = serde_json::to_vec(self).expect("shards serialise");
        let seal = self.seal_of(key);
        assert_eq!(bytes.pop(), Some(b'}'), "a shard is a JSON object");
        bytes.extend_from_slice(b",\"seal\":");
        bytes.extend(serde_json::to_vec(&seal).expect("seals serialise"));
        bytes.extend_from_slice(b"}\n");
        bytes
    }

    /// Parses and checks the bytes of shard file `shown`: its format, its version,
    /// its seal (with `key`, its tag too), its scenario hash, its slice and its data.
    ///
    /// # Errors
    /// [`ShardError::File`] naming the file and what is wrong with it.
    pub fn parse(bytes: &[u8], shown: &str, key: Option<&ShardKey>) -> Result<Self, ShardError> {
        let shard: Self = serde_json::from_slice(bytes)
            .map_err(|e| ShardError::in_file(shown, why_unreadable(bytes, D::FORMAT, e)))?;
        shard
            .check_kind()
            .and_then(|()| shard.check_seal(key))
            .and_then(|()| shard.check())
            .map_err(|p| ShardError::in_file(shown, p))?;
        Ok(shard)
    }

    /// True when the shard carries a tag (whether or not a key checked it).
    pub fn is_tagged(&self) -> bool {
        self.seal.hmac_sha256.is_some()
    }

    /// Checks the shard's kind and format version.
    fn check_kind(&self) -> Result<(), FileProblem> {
        if self.format != D::FORMAT {
            return Err(FileProblem::NotAShard(D::FORMAT));
        }
        if self.format_version != FORMAT_VERSION {
            return Err(FileProblem::OtherVersion {
                version: Some(self.format_version),
                writer: Some(self.plansim_version.clone()),
            });
        }
        Ok(())
    }

    /// Checks the digest of the content and, with `key`, its tag.
    fn check_seal(&self, key: Option<&ShardKey>) -> Result<(), FileProblem> {
        let Some(digest) = &self.seal.content_sha256 else {
            return Err(FileProblem::NoDigest);
        };
        let h = self.hashed(key);
        if hex(&h.sha.finalize()) != *digest {
            return Err(FileProblem::Digest);
        }
        if let Some(mac) = h.mac {
            let tag = self.seal.hmac_sha256.as_deref().ok_or(FileProblem::NoTag)?;
            let tag = unhex(tag).ok_or(FileProblem::Tag)?;
            // Compared in constant time.
            mac.verify_slice(&tag).map_err(|_| FileProblem::Tag)?;
        }
        Ok(())
    }

    /// Checks what a shard says of itself.
    fn check(&self) -> Result<(), FileProblem> {
        if self.block_size != BLOCK_SIZE {
            return Err(FileProblem::BlockSize(self.block_size));
        }
        if scenario_sha256(&self.scenario_toml, self.roster_csv.as_deref()) != self.scenario_sha256
        {
            return Err(FileProblem::ScenarioHash);
        }
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
            return Err(FileProblem::Slice {
                shard: self.shard,
                shards: self.shards,
                blocks: self.blocks,
                block_count: self.block_count,
                replications: self.replications,
            });
        }
        D::check(self)
    }

    /// Its run and slice, for the checks across shards.
    pub fn slice(&self, shown: &str) -> Slice {
        Slice {
            shown: shown.to_string(),
            plansim_version: self.plansim_version.clone(),
            scenario_sha256: self.scenario_sha256.clone(),
            scenario_name: self.scenario_name.clone(),
            seed: self.seed,
            replications: self.replications,
            block_count: self.block_count,
            shard: self.shard,
            shards: self.shards,
            blocks: self.blocks,
        }
    }

    /// The scenario the shard was run on, validated again with its stored roster.
    ///
    /// # Errors
    /// [`ShardError::Scenario`] when it no longer validates.
    pub fn scenario(&self, shown: &str) -> Result<ValidScenario, ShardError> {
        scenario::parse_and_validate_with_roster(
            &self.scenario_toml,
            &self.source,
            self.roster_csv.as_deref(),
        )
        .map_err(|source| ShardError::Scenario {
            file: shown.to_string(),
            source,
        })
    }
}

/// What a shard of `plansim run` holds: each block's tally, in block order.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RunData {
    /// Each block's tally, in block order, tagged with its block.
    pub tallies: Vec<EncodedBlock>,
}

impl ShardData for RunData {
    const FORMAT: &'static str = FORMAT;

    fn check(shard: &Shard<Self>) -> Result<(), FileProblem> {
        let tallies = &shard.data.tallies;
        let expected = shard.blocks.range();
        if tallies.len() as u64 != expected.end - expected.start
            || tallies.iter().zip(expected).any(|(t, b)| t.block != b)
        {
            return Err(FileProblem::BlockTallies {
                found: tallies.iter().map(|t| t.block).collect(),
                blocks: shard.blocks,
            });
        }
        Ok(())
    }
}

/// A shard of `plansim run`.
pub type ShardFile = Shard<RunData>;

impl ShardFile {
    /// Shard `k` of `n` of a run: blocks `blocks`, from their tallies (in block order).
    pub fn of_run(
        valid: &ValidScenario,
        seed: u64,
        replications: u64,
        (k, n): (u64, u64),
        blocks: Range<u64>,
        tallies: &[RunTally],
    ) -> Self {
        let data = RunData {
            tallies: blocks
                .clone()
                .zip(tallies)
                .map(|(b, t)| EncodedBlock::encode(b, t))
                .collect(),
        };
        Shard::new(valid, seed, replications, (k, n), blocks, data)
    }

    /// Decodes the tallies of the shard's blocks, in block order.
    ///
    /// # Errors
    /// [`ShardError::File`] naming the block that does not decode.
    pub fn block_tallies(&self, model: &Model, shown: &str) -> Result<Vec<RunTally>, ShardError> {
        self.data
            .tallies
            .iter()
            .map(|t| {
                let reps = block_replications(&(t.block..t.block + 1), self.replications);
                t.decode(model, reps.end - reps.start)
                    .map_err(|e| ShardError::in_file(shown, e))
            })
            .collect()
    }
}

/// Reads a shard file's bytes and the `format` its header names (`None` when it names none).
///
/// # Errors
/// [`ShardError::Read`] when the file cannot be read.
pub fn read_with_format(path: &Path) -> Result<(Vec<u8>, Option<String>), ShardError> {
    let unreadable = |source| ShardError::Read {
        file: path.display().to_string(),
        source,
    };
    // A FIFO or device would block or never end: only regular files are read.
    let meta = std::fs::metadata(path).map_err(unreadable)?;
    if !meta.is_file() {
        return Err(unreadable(std::io::Error::other(if meta.is_dir() {
            "it is a folder"
        } else {
            "it is not a regular file (a FIFO, device or socket)"
        })));
    }
    let bytes = std::fs::read(path).map_err(unreadable)?;
    let format = serde_json::from_slice::<Header>(&bytes)
        .ok()
        .and_then(|h| h.format);
    Ok((bytes, format))
}

/// Why a file did not parse as a shard of `format`: not JSON, not such a shard,
/// another format version, or damaged.
fn why_unreadable(bytes: &[u8], format: &'static str, e: serde_json::Error) -> FileProblem {
    match serde_json::from_slice::<Header>(bytes) {
        Ok(h) if h.format.as_deref() != Some(format) => FileProblem::NotAShard(format),
        Ok(h) if h.format_version != Some(FORMAT_VERSION) => FileProblem::OtherVersion {
            version: h.format_version,
            writer: h.plansim_version,
        },
        Ok(_) => FileProblem::Damaged(e),
        Err(_) => FileProblem::NotJson(e),
    }
}
