//! The JSON Schema of the scenario format, generated from the scenario's types
//! (`schemars`): every field with its doc comment and default, the valid ranges of
//! the adjustable plan parameters filled from their one table ([`PLAN_PARAMS`]), the
//! ranges of the other numeric fields as validation checks them (recorded from the
//! checks), and every table closed to unknown keys, as the parser reports them.
//!
//! Editors that read JSON Schema (taplo, VS Code's Even Better TOML) then complete
//! and check scenario files; `plansim validate` still checks everything the schema
//! cannot say (relations between fields, ranges of sections the default scenario
//! leaves out, the roster).

use serde_json::{Map, Value};

use super::params::{ValidRange, PLAN_PARAMS};
use super::types::Scenario;

/// The scenario format's JSON Schema (draft 2020-12).
pub fn schema() -> Value {
    let mut root: Value = schemars::schema_for!(Scenario).into();
    if let Some(o) = root.as_object_mut() {
        o.insert("title".into(), Value::String("plansim scenario".into()));
        o.insert(
            "description".into(),
            Value::String(
                "A plansim scenario file (TOML); scenarios/README.md documents every field, and `plansim validate FILE` checks what the schema cannot."
                    .into(),
            ),
        );
    }
    for p in PLAN_PARAMS {
        let mut path = vec!["PlanSection"];
        path.extend(p.field().split('.'));
        let Some(field) = property(&mut root, &path) else {
            continue;
        };
        match p.used_only() {
            // A field used only in some plans is checked only there (a tournament's
            // share may be 0 in chance mode): its range goes in its description.
            Some(when) => append_description(field, &format!(" Valid range {} {when}.", p.range)),
            None => set_range(field, &p.range),
        }
    }
    field_ranges(&mut root);
    close_tables(&mut root);
    root
}

/// Writes the ranges of the other numeric fields, as validation checks them on the
/// default scenario (`validate::checked_ranges`: the checks are their one source).
/// A field of a table that several fields share (a trait's `mean` and `sd`, an effort
/// pair) has its range in the description of the field that holds the table, since
/// the shared table's own schema cannot carry each holder's range.
fn field_ranges(root: &mut Value) {
    let default: Scenario = super::parse(super::DEFAULT_SCENARIO_TOML, "default")
        .expect("the embedded default scenario parses (guarded by tests)");
    let text = root.to_string();
    let shared = |def: &str| text.matches(&format!("\"#/$defs/{def}\"")).count() > 1;
    for (path, range) in super::validate::checked_ranges(&default) {
        let parts: Vec<&str> = path.split('.').collect();
        let plan_param = PLAN_PARAMS.iter().any(|p| p.path == path);
        if path.contains('[') || parts[0] == "baseline" || plan_param || parts.len() < 2 {
            continue;
        }
        let Some(first) = root
            .get("properties")
            .and_then(|p| p.get(parts[0]))
            .and_then(reference)
        else {
            continue;
        };
        let mut at = vec![first.as_str()];
        at.extend(&parts[1..]);
        // The definition holding the last key, and whether other fields share it.
        let holder = if at.len() > 2 {
            let mut r = root.clone();
            property(&mut r, &at[..at.len() - 1]).and_then(|f| reference(f))
        } else {
            None
        };
        match holder {
            Some(def) if shared(&def) => {
                let key = parts[parts.len() - 1];
                if let Some(field) = property(root, &at[..at.len() - 1]) {
                    append_description(field, &format!(" `{key}` in {range}."));
                }
            }
            _ => {
                if let Some(field) = property(root, &at) {
                    set_range(field, &range);
                }
            }
        }
    }
}

/// The definition a property's schema refers to (directly or in `anyOf`), by name.
fn reference(schema: &Value) -> Option<String> {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        return r.rsplit('/').next().map(str::to_string);
    }
    schema
        .get("anyOf")
        .and_then(Value::as_array)?
        .iter()
        .find_map(reference)
}

/// The schema of property `path[1..]` of definition `path[0]`, following references.
fn property<'a>(root: &'a mut Value, path: &[&str]) -> Option<&'a mut Value> {
    let mut def = path[0].to_string();
    for (i, name) in path[1..].iter().enumerate() {
        let field = root
            .get("$defs")?
            .get(&def)?
            .get("properties")?
            .get(*name)?;
        if i + 2 == path.len() {
            return root
                .get_mut("$defs")?
                .get_mut(&def)?
                .get_mut("properties")?
                .get_mut(*name);
        }
        def = reference(field)?;
    }
    None
}

/// Appends `text` to a schema's description.
fn append_description(schema: &mut Value, text: &str) {
    if let Some(o) = schema.as_object_mut() {
        let d = o
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        o.insert("description".into(), Value::String(format!("{d}{text}")));
    }
}

/// Writes `range` into a number's schema: on it, or on its number branch of `anyOf`.
fn set_range(schema: &mut Value, range: &ValidRange) {
    if let Some(branches) = schema.get_mut("anyOf").and_then(Value::as_array_mut) {
        for b in branches {
            if b.get("type").and_then(Value::as_str) != Some("null") {
                set_range(b, range);
            }
        }
        return;
    }
    let Some(o) = schema.as_object_mut() else {
        return;
    };
    let (lo, hi) = (Value::from(range.lo), Value::from(range.hi));
    o.remove("minimum");
    o.remove("maximum");
    if range.lo_open {
        o.insert("exclusiveMinimum".into(), lo);
    } else {
        o.insert("minimum".into(), lo);
    }
    if range.hi_open {
        o.insert("exclusiveMaximum".into(), hi);
    } else {
        o.insert("maximum".into(), hi);
    }
}

/// Closes every table of the schema to keys it does not name (the parser reports
/// them as unknown fields).
fn close_tables(root: &mut Value) {
    let close = |o: &mut Map<String, Value>| {
        if o.contains_key("properties") && !o.contains_key("additionalProperties") {
            o.insert("additionalProperties".into(), Value::Bool(false));
        }
    };
    if let Some(o) = root.as_object_mut() {
        close(o);
    }
    if let Some(defs) = root.get_mut("$defs").and_then(Value::as_object_mut) {
        for d in defs.values_mut() {
            if let Some(o) = d.as_object_mut() {
                close(o);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_fields_carry_the_ranges_validation_checks() {
        let s = schema();
        let quit = &s["$defs"]["TeamSection"]["properties"]["base_quit_rate"];
        assert_eq!(
            (quit["minimum"].clone(), quit["maximum"].clone()),
            (0.0.into(), 1.0.into())
        );
        let periods = &s["$defs"]["SimulationSection"]["properties"]["periods"];
        assert!(periods.to_string().contains("inimum"), "{periods}");
        // A trait's mean: in the description of the trait that holds it.
        let ability = s["$defs"]["TeamSection"]["properties"]["ability"]["description"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(ability.contains("`mean` in [0.01, 100]"), "{ability}");
        // The shared trait table itself carries no one holder's range.
        let mean = &s["$defs"]["TraitDistribution"]["properties"]["mean"];
        assert!(mean.get("maximum").is_none(), "{mean}");
    }

    #[test]
    fn plan_parameters_carry_their_ranges_and_docs() {
        let s = schema();
        let commission = &s["$defs"]["CommissionSpec"]["properties"]["rate"];
        assert_eq!(commission["minimum"], 0.0);
        assert_eq!(commission["maximum"], 1.0);
        assert_eq!(commission["description"], "Rate below the first tier.");
        // A field used only in some plans has its range in words.
        let share = &s["$defs"]["PromotionSpec"]["properties"]["share"];
        assert!(share.get("exclusiveMinimum").is_none());
        assert!(share["description"]
            .as_str()
            .unwrap()
            .ends_with("Valid range (0, 1) in tournament mode."));
        assert_eq!(s["additionalProperties"], false);
        assert_eq!(s["$defs"]["TeamSection"]["additionalProperties"], false);
        // Every table of the plan's parameters was found.
        for p in PLAN_PARAMS {
            let mut path = vec!["PlanSection"];
            path.extend(p.field().split('.'));
            let mut root = s.clone();
            let field = property(&mut root, &path).unwrap_or_else(|| panic!("{}", p.path));
            let text = field.to_string();
            assert!(
                text.contains("inimum") || text.contains("Valid range"),
                "{}: {text}",
                p.path
            );
        }
    }
}
