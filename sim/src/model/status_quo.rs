//! What the status quo's calibration found (docs/model.md section 9): how well its
//! steady state settled and the team's expected revenue under it, against which
//! `revenue_growth` is measured. The calibration itself solves behaviour, so it is a
//! stage of the behaviour layer (`behaviour::steady_state`); the model only keeps its
//! result, and the status quo's choices it searched ([`ChoiceMemo`]).

use super::Plan;

/// A cell's best choice: acquisition and service effort, certainty equivalent and risk
/// premium (the behaviour layer's `Choice`).
type Choice = (f64, f64, f64, f64);

/// How well the status quo settled, and its expected revenue.
#[derive(Clone, Debug, PartialEq)]
pub struct StatusQuoFit {
    /// Iterations of the fixed point.
    pub iterations: usize,
    /// Largest relative change of a rep's run-rate in the last iteration.
    pub residual: f64,
    /// Reps whose run-rate did not settle (no steady state under the status quo).
    pub unsettled: usize,
    /// The team's expected revenue under the status quo in each period of the steady
    /// state's window (it repeats with the window: the reward cycle and the seasons).
    pub revenue: Vec<f64>,
}

impl StatusQuoFit {
    /// The fit of a model not calibrated yet: no iterations, no expected revenue.
    pub(crate) fn none() -> Self {
        StatusQuoFit {
            iterations: 0,
            residual: f64::NAN,
            unsettled: 0,
            revenue: Vec::new(),
        }
    }

    /// The team's expected revenue under the status quo over periods `[0, periods)`:
    /// what `revenue_growth` is measured against. Over whole windows it is the pre-plan
    /// run-rate times the periods; over part of a year it follows the seasons.
    pub fn expected_revenue(&self, periods: u32) -> f64 {
        if self.revenue.is_empty() {
            return f64::NAN;
        }
        (0..periods as usize)
            .map(|t| self.revenue[t % self.revenue.len()])
            .sum()
    }

    /// True when every rep's run-rate settled.
    pub fn settled(&self) -> bool {
        self.unsettled == 0
    }

    /// A sentence for users when the status quo has no steady state, else None.
    pub fn problem(&self, team_size: usize) -> Option<String> {
        (!self.settled()).then(|| {
            format!(
                "the status quo has no steady state for {} of {team_size} reps (their \
                 effort jumps between pushing for the baseline's target and giving up as \
                 the run-rate crosses it; last change {:.1} %): the baseline drifts away \
                 from the pre-plan run-rate, so revenue growth against it mixes the plan's \
                 effect with that drift; read the paired difference with the baseline",
                self.unsettled,
                100.0 * self.residual
            )
        })
    }
}

/// The behaviour solve's best choices of earlier cells (efforts, certainty equivalent
/// and risk premium), by the bits of the inputs of their search, for solves of one plan
/// on models that differ in their reps alone: the status quo's calibration, whose fixed
/// point solves the status quo again from each iteration's books and run-rates, and
/// then the run's solve of the baseline on the calibrated model. Where the plan pays on
/// effort alone (no payout on attainment, the book's revenue or the team; the keys and
/// that condition are the behaviour layer's, `behaviour::choice::memo_key`), a cell's
/// search reads none of what the iterations change, so it is made once for each
/// rep-period and looked up after. The calibrated model keeps the memo, closed to new
/// entries ([`Model::status_quo_choices`](super::Model)).
///
/// Its entries are the search's own outputs, exact: a choice looked up is the one the
/// search would find. The memo is sharded by the key's hash so that parallel solves
/// seldom wait for each other; a shard keeps its keys and choices in two arrays, not an
/// allocation an entry (a T10k calibration records 120000 entries).
#[doc(hidden)]
pub struct ChoiceMemo {
    shards: Vec<std::sync::Mutex<MemoShard>>,
    /// The plan whose choices it holds.
    plan: Plan,
    /// Whether choices searched are recorded (a closed memo only looks up).
    recording: bool,
}

/// One shard of a [`ChoiceMemo`]: each recorded key's bits and choices, one after
/// another in `keys` and `choices`, and by the key's hash the entry's place in them.
#[derive(Default)]
struct MemoShard {
    index: std::collections::HashMap<u64, MemoEntry, MemoHasher>,
    keys: Vec<u64>,
    choices: Vec<Choice>,
}

/// Where one entry of a [`MemoShard`] lies: its key from `key_at` (`key_len` words),
/// its choices from `choices_at` (`choices_len`).
#[derive(Clone, Copy)]
struct MemoEntry {
    key_at: u32,
    key_len: u32,
    choices_at: u32,
    choices_len: u32,
}

/// The [`MemoShard`] index's hasher: its keys are already hashes, taken as they are.
type MemoHasher = std::hash::BuildHasherDefault<KeyHashHasher>;

/// A hasher of a `u64` that is already a hash: the value itself.
#[derive(Default)]
struct KeyHashHasher(u64);

impl std::hash::Hasher for KeyHashHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, _: &[u8]) {
        unreachable!("the memo's index hashes u64 keys alone")
    }
    fn write_u64(&mut self, hash: u64) {
        self.0 = hash;
    }
}

impl ChoiceMemo {
    /// Shards (a power of two, well above the threads that share them).
    const SHARDS: usize = 64;

    /// An empty memo of the choices under `plan`.
    pub fn new(plan: &Plan) -> Self {
        ChoiceMemo {
            shards: (0..Self::SHARDS)
                .map(|_| std::sync::Mutex::new(MemoShard::default()))
                .collect(),
            plan: plan.clone(),
            recording: true,
        }
    }

    /// The memo, closed to new entries: it keeps what it holds, and the choices of
    /// other cells are searched each time.
    pub fn closed(self) -> Self {
        ChoiceMemo {
            recording: false,
            ..self
        }
    }

    /// True when the memo holds choices under `plan` (the same plan, field for field).
    pub fn serves(&self, plan: &Plan) -> bool {
        self.plan == *plan
    }

    /// The choices recorded under `key`, else those `search` makes, recorded (unless
    /// another key of the same hash is: then searched each time, as without a memo).
    pub(crate) fn get_or_search(
        &self,
        key: &[u64],
        search: impl FnOnce() -> Vec<Choice>,
    ) -> Vec<Choice> {
        // Fx-style mixing of the words (as rep_types'), then a multiplication's high
        // bits choose the shard and the rest, rotated, the index's slot.
        let hash = key.iter().fold(0u64, |h, &w| {
            (h.rotate_left(5) ^ w).wrapping_mul(0x517c_c1b7_2722_0a95)
        });
        let shard = &self.shards[(hash >> (64 - Self::SHARDS.trailing_zeros())) as usize];
        let hash = hash.rotate_left(26);
        {
            let shard = lock_shard(shard);
            if let Some(e) = shard.index.get(&hash) {
                let at = e.key_at as usize;
                if shard.keys[at..at + e.key_len as usize] != *key {
                    drop(shard);
                    return search();
                }
                let at = e.choices_at as usize;
                return shard.choices[at..at + e.choices_len as usize].to_vec();
            }
        }
        // Searched without the lock: another thread may meet other keys of the shard.
        let choices = search();
        if !self.recording {
            return choices;
        }
        let mut shard = lock_shard(shard);
        let entry = MemoEntry {
            key_at: shard.keys.len() as u32,
            key_len: key.len() as u32,
            choices_at: shard.choices.len() as u32,
            choices_len: choices.len() as u32,
        };
        // (Past the arrays' u32 offsets nothing more is recorded.)
        let room = shard.keys.len() + key.len() <= u32::MAX as usize
            && shard.choices.len() + choices.len() <= u32::MAX as usize;
        if let (true, std::collections::hash_map::Entry::Vacant(slot)) =
            (room, shard.index.entry(hash))
        {
            slot.insert(entry);
            shard.keys.extend_from_slice(key);
            shard.choices.extend_from_slice(&choices);
        }
        choices
    }

    /// The cells' choices recorded (one entry a rep-period searched).
    pub fn len(&self) -> usize {
        self.shards.iter().map(|s| lock_shard(s).index.len()).sum()
    }

    /// True when no choice is recorded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The shard, locked (a panic while it was held left it whole: an entry's index is
/// made with its key and choices).
fn lock_shard(shard: &std::sync::Mutex<MemoShard>) -> std::sync::MutexGuard<'_, MemoShard> {
    shard.lock().unwrap_or_else(|e| e.into_inner())
}

impl std::fmt::Debug for ChoiceMemo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChoiceMemo").finish_non_exhaustive()
    }
}
