//! Plan parameters addressed by path (`plan.target_bonus.amount`): read and set any
//! numeric field of a scenario, as the optimiser and the round policies do.

use super::Scenario;

/// Reads the numeric field at `path`.
///
/// ```
/// use plansim_sim::scenario::{default_scenario, get_param};
/// let s = default_scenario();
/// assert_eq!(get_param(s.scenario(), "plan.target_bonus.amount"), Ok(2500.0));
/// assert!(get_param(s.scenario(), "plan.nothing").is_err());
/// ```
pub fn get_param(s: &Scenario, path: &str) -> Result<f64, String> {
    let root = toml::Value::try_from(s).map_err(|e| format!("cannot read the scenario: {e}"))?;
    let mut node = &root;
    for part in path.split('.') {
        node = node.get(part).ok_or_else(|| missing(path, part))?;
    }
    match node {
        toml::Value::Float(x) => Ok(*x),
        toml::Value::Integer(i) => Ok(*i as f64),
        _ => Err(format!("{path} is not a number")),
    }
}

fn missing(path: &str, part: &str) -> String {
    let parent = &path[..path.find(part).map_or(0, |i| i.saturating_sub(1))];
    if parent.is_empty() {
        format!("{path}: there is no field `{part}`")
    } else {
        format!("{path}: `{parent}` has no field `{part}` (is that mechanism in the scenario?)")
    }
}

/// A copy of `s` with each `(path, value)` set; integer fields take the rounded value.
pub fn set_params(s: &Scenario, values: &[(&str, f64)]) -> Result<Scenario, String> {
    let mut root =
        toml::Value::try_from(s).map_err(|e| format!("cannot read the scenario: {e}"))?;
    for &(path, value) in values {
        let mut node = &mut root;
        for part in path.split('.') {
            node = node.get_mut(part).ok_or_else(|| missing(path, part))?;
        }
        *node = match node {
            toml::Value::Float(_) => toml::Value::Float(value),
            toml::Value::Integer(_) => toml::Value::Integer(value.round() as i64),
            _ => return Err(format!("{path} is not a number")),
        };
    }
    root.try_into()
        .map_err(|e: toml::de::Error| format!("cannot apply the parameters: {}", e.message()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::default_scenario;

    #[test]
    fn sets_floats_and_integers_by_path() {
        let s = default_scenario();
        let t = set_params(
            s.scenario(),
            &[
                ("plan.target_bonus.amount", 4000.0),
                ("plan.training.every", 2.4),
            ],
        )
        .unwrap();
        assert_eq!(t.plan.target_bonus.as_ref().unwrap().amount, 4000.0);
        assert_eq!(t.plan.training.as_ref().unwrap().every, 2);
        assert_eq!(get_param(&t, "plan.training.every"), Ok(2.0));
        let err = set_params(s.scenario(), &[("plan.commission.rate", 0.1)]).unwrap_err();
        assert!(err.contains("plan.commission"), "{err}");
        assert!(get_param(s.scenario(), "plan.cycle")
            .unwrap_err()
            .contains("not a number"));
    }
}
