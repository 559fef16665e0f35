//! Fuzzes the roster CSV reader on arbitrary UTF-8 text: any input must give reps or
//! a list of problems, never a panic or a hang; reps it accepts write out and read
//! back to the same reps.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(reps) = plansim_sim::scenario::read_roster(text) {
        let again = plansim_sim::scenario::read_roster(&plansim_sim::scenario::write_roster(&reps));
        assert_eq!(again.as_ref(), Ok(&reps), "roster does not round-trip");
    }
});
