//! The slices of a run's blocks that shards hold, and the bit-exact encoding of
//! their block tallies, so that folding every block of every shard in block order
//! gives exactly the tally of the same run on one machine.
//!
//! Welford/Chan merging is not associative in floating point, so a shard cannot
//! keep one merged tally: the one-machine run folds block `0`, then `1`, ... into
//! an empty tally, and the merge of shards must do the same.

use std::fmt;
use std::ops::Range;

use serde::{Deserialize, Serialize};

use plansim_sim::engine::{block_count, RunTally, BLOCK_SIZE};
use plansim_sim::model::Model;
use plansim_sim::tally::{Moments, Tally};

/// Text that is not a list of values written by [`encode_f64s`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HexError {
    /// The text's length is not a multiple of 16 digits.
    #[error("{0} hex digits is not a whole number of 16-digit values")]
    Length(usize),
    /// A character is not a hex digit.
    #[error("`{0}` is not a hex digit")]
    Digit(char),
}

/// An encoded tally that does not decode into the shape expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TallyError {
    /// The means do not decode.
    #[error("mean: {0}")]
    Mean(HexError),
    /// The sums of squared deviations do not decode.
    #[error("m2: {0}")]
    M2(HexError),
    /// The kept values do not decode.
    #[error("values: {0}")]
    Values(HexError),
    /// The columns are not as many as expected.
    #[error("expected {width} columns, got {counts} counts, {means} means and {m2} m2")]
    Columns {
        /// Columns expected.
        width: usize,
        /// Counts found.
        counts: usize,
        /// Means found.
        means: usize,
        /// Sums of squared deviations found.
        m2: usize,
    },
    /// A column counts other than the rows expected.
    #[error("expected {expected} rows in every column, got {found}")]
    Rows {
        /// Rows expected.
        expected: u64,
        /// A column's count.
        found: u64,
    },
    /// Values are stored where none are kept.
    #[error("has values where none are kept")]
    UnexpectedValues,
    /// No values are stored where they are kept.
    #[error("has no values where they are kept")]
    MissingValues,
    /// The values are not as many as the counts say.
    #[error("values disagree with the counts")]
    Disagree,
}

/// A block's tally that does not decode: the block, the tally and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("block {block}: {part}: {problem}")]
pub struct BlockError {
    /// Index of the block in the run.
    pub block: u64,
    /// Which of its tallies (`plan`, `baseline_periods`, ...).
    pub part: &'static str,
    /// What is wrong with it.
    pub problem: TallyError,
}

/// Blocks of a run with the replications they hold, in messages:
/// "blocks 2..3 (replications 128..192)".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockSpan {
    /// The blocks.
    pub blocks: Range<u64>,
    /// Their replications.
    pub replications: Range<u64>,
}

impl BlockSpan {
    /// Blocks `blocks` of a run of `replications`.
    pub fn new(blocks: Range<u64>, replications: u64) -> Self {
        BlockSpan {
            replications: block_replications(&blocks, replications),
            blocks,
        }
    }
}

impl fmt::Display for BlockSpan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "blocks {}..{} (replications {}..{})",
            self.blocks.start, self.blocks.end, self.replications.start, self.replications.end
        )
    }
}

/// Labelled block ranges that do not cover a run's blocks exactly once.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CoverageError {
    /// A range reaches past the run's last block.
    #[error("{label} holds {held} but the run has only {blocks} blocks")]
    Beyond {
        /// The range's label.
        label: String,
        /// What it holds.
        held: BlockSpan,
        /// Blocks of the run.
        blocks: u64,
    },
    /// Two ranges overlap.
    #[error("{label} ({held}) overlaps {other} ({other_held}); give each slice once")]
    Overlap {
        /// The later range's label.
        label: String,
        /// What it holds.
        held: BlockSpan,
        /// The range it overlaps.
        other: String,
        /// What that one holds.
        other_held: BlockSpan,
    },
    /// Some blocks are in no range.
    #[error("{0} are in no shard given; run the missing shard(s) and merge again")]
    Missing(BlockSpan),
}

/// Blocks of shard `index` (from 0) of `count` over a run of `blocks` blocks:
/// `index * blocks / count .. (index + 1) * blocks / count`.
///
/// Slices are contiguous, in shard order, and cover every block once; a shard is
/// empty when there are more shards than blocks.
pub fn shard_blocks(blocks: u64, index: u64, count: u64) -> Range<u64> {
    assert!(count > 0 && index < count, "shard {index} of {count}");
    let at = |i: u64| (u128::from(blocks) * u128::from(i) / u128::from(count)) as u64;
    at(index)..at(index + 1)
}

/// The blocks of one shard of a run and the replications they hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShardSlice {
    /// The shard's blocks.
    pub blocks: Range<u64>,
    /// Their replications.
    pub replications: Range<u64>,
}

impl ShardSlice {
    /// Shard `k` (from 1) of `n` of a run of `replications` (see [`shard_blocks`]).
    ///
    /// # Panics
    /// When `k` is not from 1 to `n`.
    pub fn new(replications: u64, k: u64, n: u64) -> Self {
        let blocks = shard_blocks(block_count(replications), k - 1, n);
        ShardSlice {
            replications: block_replications(&blocks, replications),
            blocks,
        }
    }

    /// Replications it holds.
    pub fn len(&self) -> u64 {
        self.replications.end - self.replications.start
    }

    /// True when it holds no replication (more shards than blocks).
    pub fn is_empty(&self) -> bool {
        self.replications.is_empty()
    }
}

/// Replications of blocks `blocks` in a run of `replications`.
pub fn block_replications(blocks: &Range<u64>, replications: u64) -> Range<u64> {
    let at = |b: u64| b.saturating_mul(BLOCK_SIZE).min(replications);
    at(blocks.start)..at(blocks.end)
}

/// Checks that labelled block ranges cover `0..blocks` exactly once.
///
/// # Errors
/// [`CoverageError`] saying which ranges overlap or which blocks (and replications)
/// are missing.
pub fn check_coverage(
    ranges: &[(String, Range<u64>)],
    blocks: u64,
    replications: u64,
) -> Result<(), CoverageError> {
    let mut sorted: Vec<&(String, Range<u64>)> =
        ranges.iter().filter(|(_, r)| !r.is_empty()).collect();
    sorted.sort_by_key(|(_, r)| (r.start, r.end));
    let span = |r: &Range<u64>| BlockSpan::new(r.clone(), replications);
    let mut covered = 0;
    let mut last: Option<&(String, Range<u64>)> = None;
    for item in sorted {
        let (label, r) = item;
        if r.end > blocks {
            return Err(CoverageError::Beyond {
                label: label.clone(),
                held: span(r),
                blocks,
            });
        }
        if r.start < covered {
            let (other, or) = last.expect("a range was covered before");
            return Err(CoverageError::Overlap {
                label: label.clone(),
                held: span(r),
                other: other.clone(),
                other_held: span(or),
            });
        }
        if r.start > covered {
            return Err(CoverageError::Missing(span(&(covered..r.start))));
        }
        covered = r.end;
        last = Some(item);
    }
    if covered < blocks {
        return Err(CoverageError::Missing(span(&(covered..blocks))));
    }
    Ok(())
}

/// One block's [`RunTally`], tagged with its block index, every number stored exactly.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EncodedBlock {
    /// Index of the block in the run.
    pub block: u64,
    /// Replication metrics under the plan.
    pub plan: EncodedTally,
    /// Replication metrics under the baseline.
    pub baseline: EncodedTally,
    /// Paired differences.
    pub difference: EncodedTally,
    /// Per-period metrics under the plan.
    pub plan_periods: EncodedTally,
    /// Per-period metrics under the baseline.
    pub baseline_periods: EncodedTally,
    /// Per-period paired differences.
    pub difference_periods: EncodedTally,
}

impl EncodedBlock {
    /// Encodes the tally of block `block`.
    pub fn encode(block: u64, t: &RunTally) -> Self {
        EncodedBlock {
            block,
            plan: EncodedTally::encode(&t.plan),
            baseline: EncodedTally::encode(&t.baseline),
            difference: EncodedTally::encode(&t.difference),
            plan_periods: EncodedTally::encode(&t.plan_periods),
            baseline_periods: EncodedTally::encode(&t.baseline_periods),
            difference_periods: EncodedTally::encode(&t.difference_periods),
        }
    }

    /// Decodes the tally, checking it has the shape `model` gives a block of `rows` replications.
    ///
    /// # Errors
    /// [`BlockError`] naming the tally that does not decode.
    pub fn decode(&self, model: &Model, rows: u64) -> Result<RunTally, BlockError> {
        let empty = RunTally::new(model);
        let part = |name: &'static str, e: &EncodedTally, like: &Tally| {
            e.decode(like.width(), like.keeps_values(), rows)
                .map_err(|problem| BlockError {
                    block: self.block,
                    part: name,
                    problem,
                })
        };
        Ok(RunTally {
            plan: part("plan", &self.plan, &empty.plan)?,
            baseline: part("baseline", &self.baseline, &empty.baseline)?,
            difference: part("difference", &self.difference, &empty.difference)?,
            plan_periods: part("plan_periods", &self.plan_periods, &empty.plan_periods)?,
            baseline_periods: part(
                "baseline_periods",
                &self.baseline_periods,
                &empty.baseline_periods,
            )?,
            difference_periods: part(
                "difference_periods",
                &self.difference_periods,
                &empty.difference_periods,
            )?,
        })
    }
}

/// A [`Tally`] with every `f64` written as the 16 hex digits of its bits (NaN, infinities and -0 included).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EncodedTally {
    /// Count of each column.
    pub n: Vec<u64>,
    /// Means of the columns, concatenated.
    pub mean: String,
    /// Sums of squared deviations of the columns, concatenated.
    pub m2: String,
    /// Values of each column, when kept.
    pub values: Option<Vec<String>>,
}

impl EncodedTally {
    /// Encodes a tally.
    pub fn encode(t: &Tally) -> Self {
        let width = t.width();
        let moments: Vec<&Moments> = (0..width).map(|i| t.moments(i)).collect();
        let column =
            |f: fn(&Moments) -> f64| encode_f64s(&moments.iter().map(|m| f(m)).collect::<Vec<_>>());
        EncodedTally {
            n: moments.iter().map(|m| m.n).collect(),
            mean: column(|m| m.mean),
            m2: column(|m| m.m2),
            values: t.keeps_values().then(|| {
                (0..width)
                    .map(|i| encode_f64s(t.values(i).unwrap_or(&[])))
                    .collect()
            }),
        }
    }

    /// Decodes a tally of `width` columns of `rows` rows each, with values when `keep_values`.
    ///
    /// # Errors
    /// [`TallyError`] when the text does not decode or the shape differs.
    pub fn decode(&self, width: usize, keep_values: bool, rows: u64) -> Result<Tally, TallyError> {
        let mean = decode_f64s(&self.mean).map_err(TallyError::Mean)?;
        let m2 = decode_f64s(&self.m2).map_err(TallyError::M2)?;
        if self.n.len() != width || mean.len() != width || m2.len() != width {
            return Err(TallyError::Columns {
                width,
                counts: self.n.len(),
                means: mean.len(),
                m2: m2.len(),
            });
        }
        if let Some(&n) = self.n.iter().find(|&&n| n != rows) {
            return Err(TallyError::Rows {
                expected: rows,
                found: n,
            });
        }
        let values = match (&self.values, keep_values) {
            (Some(v), true) => Some(
                v.iter()
                    .map(|c| decode_f64s(c))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(TallyError::Values)?,
            ),
            (None, false) => None,
            (Some(_), false) => return Err(TallyError::UnexpectedValues),
            (None, true) => return Err(TallyError::MissingValues),
        };
        let moments = (0..width)
            .map(|i| Moments {
                n: self.n[i],
                mean: mean[i],
                m2: m2[i],
            })
            .collect();
        Tally::from_parts(moments, values).ok_or(TallyError::Disagree)
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Writes each value as the 16 lower-case hex digits of its bits, concatenated.
pub fn encode_f64s(xs: &[f64]) -> String {
    let mut out = Vec::with_capacity(xs.len() * 16);
    for x in xs {
        let bits = x.to_bits();
        for shift in (0..16).rev() {
            out.push(HEX[((bits >> (shift * 4)) & 0xf) as usize]);
        }
    }
    String::from_utf8(out).expect("hex digits are ASCII")
}

/// Reads values written by [`encode_f64s`].
///
/// # Errors
/// [`HexError`] when the text is not whole 16-digit values.
pub fn decode_f64s(s: &str) -> Result<Vec<f64>, HexError> {
    let bytes = s.as_bytes();
    if bytes.len() % 16 != 0 {
        return Err(HexError::Length(bytes.len()));
    }
    bytes
        .chunks_exact(16)
        .map(|chunk| {
            let mut bits = 0u64;
            for &c in chunk {
                let d = (c as char).to_digit(16).ok_or(HexError::Digit(c as char))?;
                bits = bits << 4 | u64::from(d);
            }
            Ok(f64::from_bits(bits))
        })
        .collect()
}

/// Folds block tallies, given in block order, into one tally as a one-machine run does.
pub fn fold<'a>(model: &Model, blocks: impl IntoIterator<Item = &'a RunTally>) -> RunTally {
    let mut tally = RunTally::new(model);
    for t in blocks {
        tally.merge(t);
    }
    tally
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_cover_every_block_once_in_order() {
        for blocks in [0, 1, 5, 10, 31, 1000] {
            for count in 1..=12 {
                let mut next = 0;
                for index in 0..count {
                    let r = shard_blocks(blocks, index, count);
                    assert_eq!(r.start, next, "{blocks} blocks, shard {index}/{count}");
                    assert!(r.end >= r.start);
                    next = r.end;
                }
                assert_eq!(next, blocks);
            }
        }
        assert_eq!(shard_blocks(10, 2, 3), 6..10);
        assert_eq!(shard_blocks(u64::MAX, 1, 2), u64::MAX / 2..u64::MAX);
    }

    #[test]
    fn floats_round_trip_bit_for_bit() {
        let xs = [
            0.0,
            -0.0,
            1.0 / 3.0,
            f64::MIN_POSITIVE / 2.0,
            f64::NAN,
            -f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            -123456.789e200,
        ];
        let s = encode_f64s(&xs);
        assert_eq!(s.len(), 16 * xs.len());
        let back = decode_f64s(&s).unwrap();
        for (a, b) in xs.iter().zip(&back) {
            assert_eq!(a.to_bits(), b.to_bits());
        }
        assert!(decode_f64s("123")
            .unwrap_err()
            .to_string()
            .contains("16-digit"));
        assert_eq!(
            decode_f64s("+fffffffffffffff").unwrap_err(),
            HexError::Digit('+')
        );
    }

    #[test]
    fn coverage_names_overlaps_and_gaps() {
        let r = |label: &str, range: Range<u64>| (label.to_string(), range);
        assert!(check_coverage(&[r("a", 0..3), r("b", 3..5)], 5, 300).is_ok());
        assert!(check_coverage(&[r("b", 3..5), r("empty", 3..3), r("a", 0..3)], 5, 300).is_ok());
        let e = check_coverage(&[r("a", 0..3), r("b", 2..5)], 5, 300)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("b (blocks 2..5") && e.contains("overlaps a"),
            "{e}"
        );
        let e = check_coverage(&[r("a", 0..2), r("b", 3..5)], 5, 300)
            .unwrap_err()
            .to_string();
        assert!(e.contains("blocks 2..3 (replications 128..192)"), "{e}");
        let e = check_coverage(&[r("a", 0..2)], 5, 300)
            .unwrap_err()
            .to_string();
        assert!(e.contains("blocks 2..5 (replications 128..300)"), "{e}");
        let e = check_coverage(&[r("a", 0..6)], 5, 300)
            .unwrap_err()
            .to_string();
        assert!(e.contains("only 5 blocks"), "{e}");
    }

    #[test]
    fn tallies_round_trip_and_bad_shapes_are_refused() {
        let mut t = Tally::new(2, true);
        t.push(&[1.0, f64::NAN]);
        t.push(&[-0.0, 2.5]);
        let e = EncodedTally::encode(&t);
        let back = e.decode(2, true, 2).unwrap();
        assert_eq!(back.moments(0), t.moments(0));
        assert_eq!(
            back.values(1).unwrap()[0].to_bits(),
            t.values(1).unwrap()[0].to_bits()
        );
        assert!(e
            .decode(3, true, 2)
            .unwrap_err()
            .to_string()
            .contains("3 columns"));
        assert!(e
            .decode(2, true, 5)
            .unwrap_err()
            .to_string()
            .contains("5 rows"));
        assert_eq!(
            e.decode(2, false, 2).unwrap_err(),
            TallyError::UnexpectedValues
        );
        let mut short = e.clone();
        short.values.as_mut().unwrap()[0].truncate(16);
        assert!(short.decode(2, true, 2).is_err());
    }
}
