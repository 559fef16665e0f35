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

    /// The point on the plan's grid: each variable rounded to its parameter's step
    /// (`PlanParam::step`: 10 for money, 0.1 percentage point for shares, 1 for whole
    /// numbers) within its bounds, to the nearest step, or down when `down`. A variable
    /// whose bounds hold no multiple of its step keeps its value.
    pub fn on_grid(&self, x: &[f64], down: bool) -> Vec<f64> {
        self.variables
            .iter()
            .zip(x)
            .map(|(v, &x)| {
                let step = plan_param(&v.path).map_or(0.0, |p| p.step);
                on_grid(x, step, v.lower, v.upper, down)
            })
            .collect()
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

/// `x` rounded to a multiple of `step` within `[lower, upper]` (to the nearest, or
/// down when `down`), written with no more decimals than the step has; `x` itself
/// when the bounds hold no multiple of the step or the step is not positive.
pub fn on_grid(x: f64, step: f64, lower: f64, upper: f64, down: bool) -> f64 {
    if !(step > 0.0 && x.is_finite()) {
        return x;
    }
    let (first, last) = ((lower / step).ceil(), (upper / step).floor());
    if first > last {
        return x;
    }
    let k = if down {
        (x / step).floor()
    } else {
        (x / step).round()
    }
    .clamp(first, last);
    // k x step, rid of the binary noise of a decimal step (3 x 0.001 = 0.003, not
    // 0.0030000000000000001).
    let decimals = (-step.log10().floor()).max(0.0) as i32;
    let scale = 10f64.powi(decimals);
    (k * step * scale).round() / scale
}

#[cfg(test)]
mod grid_tests {
    use super::on_grid;

    #[test]
    fn values_land_on_the_step_within_the_bounds() {
        assert_eq!(on_grid(7903.405456264433, 10.0, 0.0, 8000.0, false), 7900.0);
        assert_eq!(on_grid(7906.0, 10.0, 0.0, 8000.0, false), 7910.0);
        assert_eq!(on_grid(7906.0, 10.0, 0.0, 8000.0, true), 7900.0);
        assert_eq!(
            on_grid(0.0021017580178961095, 0.001, 0.0, 0.05, false),
            0.002
        );
        assert_eq!(on_grid(0.0029, 0.001, 0.0, 0.05, false), 0.003);
        assert_eq!(
            on_grid(0.0149999, 0.001, 0.0, 0.1, false).to_string(),
            "0.015"
        );
        // Bounds win over rounding: the nearest multiple inside them.
        assert_eq!(on_grid(7998.0, 10.0, 0.0, 7995.0, false), 7990.0);
        assert_eq!(on_grid(3.0, 10.0, 5.0, 100.0, true), 10.0);
        // No multiple inside the bounds: the value is kept.
        assert_eq!(on_grid(5.5, 10.0, 5.0, 6.0, false), 5.5);
        assert_eq!(on_grid(4.4, 1.0, 0.0, 9.0, false), 4.0);
    }
}
