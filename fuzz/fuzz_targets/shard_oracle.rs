//! The shard reader's fuzzing oracle, shared by the cargo-fuzz target
//! (`fuzz/fuzz_targets/shard.rs`) and the corpus replay in `cargo test`
//! (`analysis/tests/fuzz_corpus.rs`), so both run the same checks.
//!
//! Any bytes, read as a shard of `run` and of `rounds` (without and with a key), give a
//! shard or an error, never a panic or a hang. Bytes that parse as a shard's fields are
//! also sealed again with the key, so that the checks behind the seal run too (the
//! slice, the scenario's hash, the block tallies and the policies' records, decoded
//! against the model of the scenario they carry): a shard the reader accepts writes
//! out and reads back to the same bytes.

use std::cell::RefCell;
use std::collections::HashMap;

use plansim_analysis::shard::rounds::RoundsData;
use plansim_analysis::shard::{RunData, Shard, ShardData, ShardKey};
use plansim_sim::model::Model;

/// The key shards are sealed with again.
const KEY: &[u8] = b"plansim-fuzz-shard-key";

thread_local! {
    /// Models by scenario hash: a shard's scenario is validated and its model built
    /// once, not on every input that carries it.
    static MODELS: RefCell<HashMap<String, Option<Model>>> = RefCell::new(HashMap::new());
}

/// Runs the oracle on `data`.
pub fn shard_input(data: &[u8]) {
    let key = ShardKey::new(KEY.to_vec()).expect("the key is long enough");
    if let Some(shard) = read_and_reseal::<RunData>(data, &key) {
        with_model(&shard, |model| {
            let _ = shard.block_tallies(model, "fuzz");
        });
    }
    if let Some(shard) = read_and_reseal::<RoundsData>(data, &key) {
        let rounds = shard.data.rounds as usize;
        for p in &shard.data.policies {
            let _ = p.decode(rounds, shard.replication_range.range());
            let _ = p.unsettled_plans();
            let _ = p.plan_key_sets();
        }
        with_model(&shard, |_| {});
    }
}

/// Reads `data` as a shard of kind `D` as it is (without and with the key), then its
/// fields sealed again with `key`: the shard the reader accepts then, if any.
fn read_and_reseal<D: ShardData>(data: &[u8], key: &ShardKey) -> Option<Shard<D>> {
    let _ = Shard::<D>::parse(data, "fuzz", None);
    let _ = Shard::<D>::parse(data, "fuzz", Some(key));
    let fields: Shard<D> = serde_json::from_slice(data).ok()?;
    let sealed = fields.to_bytes(Some(key));
    let shard = Shard::<D>::parse(&sealed, "fuzz", Some(key)).ok()?;
    assert!(
        shard.to_bytes(Some(key)) == sealed,
        "an accepted shard does not write out to the bytes it was read from"
    );
    Some(shard)
}

/// Calls `f` with the model of the shard's scenario, when it validates.
fn with_model<D: ShardData>(shard: &Shard<D>, f: impl FnOnce(&Model)) {
    MODELS.with(|m| {
        let mut models = m.borrow_mut();
        let model = models
            .entry(shard.scenario_sha256.clone())
            .or_insert_with(|| shard.scenario("fuzz").ok().map(|v| Model::new(&v)));
        if let Some(model) = model {
            f(model);
        }
    });
}
