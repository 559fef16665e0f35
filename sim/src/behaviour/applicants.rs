//! Applicants who respond to the plan (docs/model.md section 10.1): the share of hires
//! each ability type makes up in each slot, from the job's value to the type under the
//! plan against the type's outside option.

use super::policy::Policy;
use crate::model::{Hiring, Model};

/// Each slot's cumulative weights of its hire types (`slot * G + g`, the last of each
/// slot exactly 1), from `hires` (the slots' hire types) and their policy under the
/// plan: type `g` of slot `j` makes up a share proportional to the probability that an
/// applicant of its ability takes the job, [`Hiring::acceptance`] of the surplus
/// `salary + v - O`, with `v` the type's certainty equivalent per period of the plan
/// in its first period and `O` its outside option.
pub(super) fn acceptance_cdf(hiring: &Hiring, hires: &Model, policy: &Policy) -> Vec<f64> {
    let g = hiring.type_count();
    let mut cdf = Vec::with_capacity(hires.reps().len());
    for (slot_types, planned) in hires.reps().chunks(g).zip(policy.planned().chunks(g)) {
        // Log-acceptances, shifted by their largest before exponentiating: weights stay
        // finite however far below its outside option the job falls for every type.
        let logs: Vec<f64> = slot_types
            .iter()
            .zip(planned)
            .map(|(rep, path)| {
                let surplus = rep.base_salary + path[0].value - rep.outside_option;
                hiring.log_acceptance(surplus, rep.base_salary)
            })
            .collect();
        let top = logs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let weights: Vec<f64> = logs.iter().map(|l| (l - top).exp()).collect();
        let total: f64 = weights.iter().sum();
        let mut sum = 0.0;
        for (k, w) in weights.iter().enumerate() {
            sum += w;
            cdf.push(if k + 1 == g { 1.0 } else { sum / total });
        }
    }
    cdf
}
