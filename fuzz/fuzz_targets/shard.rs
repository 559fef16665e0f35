//! Fuzzes the shard reader (`plansim merge`'s input) on arbitrary bytes, through the
//! oracle in `shard_oracle.rs`: never a panic or a hang, with the seal checked as
//! read and, for bytes that parse as a shard's fields, every check behind the seal.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "shard_oracle.rs"]
mod shard_oracle;

fuzz_target!(|data: &[u8]| {
    shard_oracle::shard_input(data);
});
