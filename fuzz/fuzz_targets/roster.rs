//! Fuzzes the roster CSV reader on arbitrary UTF-8 text with the oracle in
//! `roster_oracle.rs`: never a panic or a hang, every accepted number within the
//! scenario's ranges, accepted reps round-trip.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "roster_oracle.rs"]
mod roster_oracle;

fuzz_target!(|data: &[u8]| {
    roster_oracle::roster_input(data);
});
