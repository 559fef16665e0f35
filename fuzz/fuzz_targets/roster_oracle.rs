//! The roster reader's fuzzing oracle, shared by the cargo-fuzz target
//! (`fuzz/fuzz_targets/roster.rs`) and the corpus replay in `cargo test`
//! (`sim/tests/fuzz_corpus.rs`), so both run the same checks.
//!
//! Any UTF-8 text gives reps or a list of problems, never a panic or a hang; every
//! number of a rep it accepts lies in the range the scenario's field of the same
//! meaning has (`plansim_sim::scenario::validate_limits`); reps it accepts write out
//! and read back to the same reps.

use plansim_sim::scenario::validate_limits::{
    ABILITY, BASE_SALARY, MAX_BOOK, MAX_LAST_YEAR_NEW_CUSTOMERS, MAX_LAST_YEAR_REVENUE, MAX_LEVEL,
    MAX_TENURE_MONTHS,
};
use plansim_sim::scenario::{read_roster, write_roster};

/// Runs the oracle on one input.
pub fn roster_input(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(reps) = read_roster(text) else {
        return;
    };
    let within = |v: f64, (lo, hi): (f64, f64)| v.is_finite() && v >= lo && v <= hi;
    for r in &reps {
        assert!(
            within(r.base_salary, BASE_SALARY),
            "base_salary {}",
            r.base_salary
        );
        assert!(
            r.ability.is_none_or(|a| within(a, ABILITY)),
            "ability {:?}",
            r.ability
        );
        assert!(
            r.book.is_none_or(|b| within(b, (0.0, MAX_BOOK))),
            "book {:?}",
            r.book
        );
        assert!(
            r.last_year_revenue
                .is_none_or(|v| within(v, (0.0, MAX_LAST_YEAR_REVENUE))),
            "last_year_revenue {:?}",
            r.last_year_revenue
        );
        assert!(
            r.last_year_new_customers
                .is_none_or(|v| within(v, (0.0, MAX_LAST_YEAR_NEW_CUSTOMERS))),
            "last_year_new_customers {:?}",
            r.last_year_new_customers
        );
        assert!(r.level <= MAX_LEVEL, "level {}", r.level);
        assert!(
            r.tenure_months.is_none_or(|t| t <= MAX_TENURE_MONTHS),
            "tenure_months {:?}",
            r.tenure_months
        );
    }
    assert_eq!(
        read_roster(&write_roster(&reps)).as_ref(),
        Ok(&reps),
        "roster does not round-trip"
    );
}
