//! The decision space: named plan parameters with bounds, and the plan a point makes.

use plansim_sim::scenario::{get_param, set_params, OptimizeSection, ValidScenario};

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
    pub fn new(valid: &ValidScenario, section: &OptimizeSection) -> Result<Self, OptimizeError> {
        let mut variables = Vec::new();
        let mut start = Vec::new();
        for (i, v) in section.variables.iter().enumerate() {
            let current = get_param(valid.scenario(), &v.path)
                .map_err(|e| OptimizeError::Input(format!("optimize.variables[{i}].path: {e}")))?;
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
        x.iter()
            .zip(&self.variables)
            .map(|(&v, var)| v.clamp(var.lower, var.upper))
            .collect()
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
        let changed = set_params(base.scenario(), &values).map_err(OptimizeError::Input)?;
        base.with_changes(|s| *s = changed)
            .map_err(|e| OptimizeError::Input(e.to_string()))
    }

    /// The point as `(path, value)` pairs.
    pub fn named(&self, x: &[f64]) -> Vec<(String, f64)> {
        self.variables
            .iter()
            .map(|v| v.path.clone())
            .zip(x.iter().copied())
            .collect()
    }
}
