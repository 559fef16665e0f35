//! The decision space: named plan parameters with bounds, and the plan a point makes.

use plansim_sim::scenario::{get_param, plan_param, set_params, OptimizeSection, ValidScenario};

use crate::OptimizeError;

/// One bounded decision variable.
#[derive(Clone, Debug, PartialEq)]
pub struct Variable {
    /// Path of the plan parameter.
    pub path: String,
    /// Lower bound.
    pub lower: f64,
    /// Upper bound.
    pub upper: f64,
}

/// The decision variables and the starting point.
#[derive(Clone, Debug, PartialEq)]
pub struct DecisionSpace {
    /// The variables, in the scenario's order.
    pub variables: Vec<Variable>,
    /// The starting point (the plan as written, or each variable's `start`).
    pub start: Vec<f64>,
}

impl DecisionSpace {
    /// The space a scenario's `[optimize]` section declares.
    ///
    /// # Errors
    /// [`OptimizeError::Variable`] for a variable whose path the plan lacks.
    pub fn new(valid: &ValidScenario, section: &OptimizeSection) -> Result<Self, OptimizeError> {
        let mut variables = Vec::new();
        let mut start = Vec::new();
        for (index, v) in section.variables.iter().enumerate() {
            let current = get_param(valid.scenario(), &v.path)
                .map_err(|source| OptimizeError::Variable { index, source })?;
            variables.push(Variable {
                path: v.path.clone(),
                lower: v.min,
                upper: v.max,
            });
            start.push(v.start.unwrap_or(current));
        }
        Ok(DecisionSpace { variables, start })
    }

    /// Number of variables.
    pub fn dim(&self) -> usize {
        self.variables.len()
    }

    /// The point clamped into the bounds.
    pub fn clamp(&self, x: &[f64]) -> Vec<f64> {
        clamp(&self.variables, x)
    }

    /// Squared distance outside the bounds, in units of each variable's range.
    pub fn outside(&self, x: &[f64]) -> f64 {
        x.iter()
            .zip(&self.variables)
            .map(|(&v, var)| {
                let d = (v - v.clamp(var.lower, var.upper)) / (var.upper - var.lower);
                d * d
            })
            .sum()
    }

    /// The scenario with the plan parameters set to `x`, validated.
    ///
    /// # Errors
    /// [`OptimizeError::Parameter`] when a parameter cannot take its value;
    /// [`OptimizeError::Scenario`] when the plan so made does not validate.
    pub fn scenario_at(
        &self,
        base: &ValidScenario,
        x: &[f64],
    ) -> Result<ValidScenario, OptimizeError> {
        let values: Vec<(&str, f64)> = self
            .variables
            .iter()
            .map(|v| v.path.as_str())
            .zip(x.iter().copied())
            .collect();
        let changed = set_params(base.scenario(), &values)?;
        Ok(base.with_changes(|s| *s = changed)?)
    }

    /// The point as `(path, value)` pairs, each the value the plan takes (an integer
    /// parameter's rounded value).
    pub fn named(&self, x: &[f64]) -> Vec<(String, f64)> {
        self.variables
            .iter()
            .zip(x.iter().copied())
            .map(|(v, x)| {
                let taken = plan_param(&v.path).map_or(x, |p| p.value_taken(x));
                (v.path.clone(), taken)
            })
            .collect()
    }
}

/// `x` clamped into the bounds of `variables`.
pub(crate) fn clamp(variables: &[Variable], x: &[f64]) -> Vec<f64> {
    x.iter()
        .zip(variables)
        .map(|(&v, var)| v.clamp(var.lower, var.upper))
        .collect()
}

/// The starting simplex of a Nelder-Mead search from `from`: `from` and, for each
/// variable, `from` moved by `share` of the variable's range (into the box: down where
/// up would leave it).
pub(crate) fn simplex(variables: &[Variable], from: &[f64], share: f64) -> Vec<Vec<f64>> {
    let mut simplex = vec![from.to_vec()];
    for (i, v) in variables.iter().enumerate() {
        let step = share * (v.upper - v.lower);
        let mut p = from.to_vec();
        p[i] = if from[i] + step <= v.upper {
            from[i] + step
        } else {
            from[i] - step
        };
        simplex.push(p);
    }
    simplex
}

#[cfg(test)]
mod tests {
    use super::*;
    use plansim_sim::scenario::{parse_and_validate, DEFAULT_SCENARIO_TOML};

    #[test]
    fn named_points_give_the_value_the_plan_takes() {
        let from = "path = \"plan.per_customer.amount\"  # the plan parameter searched\nmin = 0.0                   # lower bound\nmax = 1000.0";
        assert!(DEFAULT_SCENARIO_TOML.contains(from));
        let text = DEFAULT_SCENARIO_TOML
            .replace(from, "path = \"plan.training.every\"\nmin = 1\nmax = 12");
        let valid = parse_and_validate(&text, "test", None).unwrap();
        let space =
            DecisionSpace::new(&valid, valid.scenario().optimize.as_ref().unwrap()).unwrap();
        let x = [2500.5, 2.4, 0.01, 0.05];
        let named = space.named(&x);
        assert_eq!(named[0], ("plan.target_bonus.amount".into(), 2500.5));
        assert_eq!(named[1], ("plan.training.every".into(), 2.0));
        let plan = space.scenario_at(&valid, &x).unwrap();
        assert_eq!(plan.scenario().plan.training.as_ref().unwrap().every, 2);
    }
}
