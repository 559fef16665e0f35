//! Fuzzes the scenario parser and validator on arbitrary UTF-8 text: any input must
//! give a valid scenario or a `ScenarioError`, never a panic or a hang. A roster,
//! when the text names one, is read from the bytes after the text's first NUL, so
//! that the roster checks run too and no file is read.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (scenario, roster) = match text.split_once('\0') {
        Some((s, r)) => (s, Some(r)),
        None => (text, None),
    };
    if let Ok(valid) =
        plansim_sim::scenario::parse_and_validate_with_roster(scenario, "fuzz", roster)
    {
        // A valid scenario writes out and reads back.
        let again = plansim_sim::scenario::parse_and_validate_with_roster(
            &valid.to_toml(),
            "fuzz",
            valid.roster_csv().as_deref(),
        );
        assert!(
            again.is_ok(),
            "resolved scenario does not validate: {again:?}"
        );
    }
});
