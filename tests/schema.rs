//! `plansim schema`: the JSON Schema of the scenario format is itself a valid JSON
//! Schema, every shipped scenario validates against it, and bad files do not.

mod common;

use serde_json::Value;

use common::{ok, plansim};

fn schema() -> Value {
    serde_json::from_slice(&ok(plansim(&["schema"])).stdout).expect("the schema is JSON")
}

/// A scenario's TOML text as the JSON value editors check against the schema.
fn instance(text: &str) -> Value {
    let v: toml::Value = toml::from_str(text).expect("TOML");
    serde_json::to_value(v).unwrap()
}

/// Every scenario file shipped in scenarios/ and examples/, their subfolders included.
fn shipped() -> Vec<std::path::PathBuf> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    let mut dirs = vec![root.join("scenarios"), root.join("examples")];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "toml") {
                files.push(p);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn the_schema_is_valid_and_every_shipped_scenario_passes_it() {
    let schema = schema();
    assert!(
        jsonschema::meta::is_valid(&schema),
        "not a valid JSON Schema"
    );
    let validator = jsonschema::validator_for(&schema).unwrap();
    let files = shipped();
    assert!(files.len() >= 5, "{files:?}");
    for f in &files {
        let v = instance(&std::fs::read_to_string(f).unwrap());
        let errors: Vec<String> = validator.iter_errors(&v).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{}: {errors:?}", f.display());
    }
    // The embedded default, written out whole by `validate`'s resolution, passes too.
    let resolved = plansim_sim::scenario::default_scenario().to_toml();
    let errors: Vec<String> = validator
        .iter_errors(&instance(&resolved))
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    // Docs and ranges are in it.
    let rate = &schema["$defs"]["CommissionSpec"]["properties"]["rate"];
    assert_eq!(rate["maximum"], 1.0);
    assert!(rate["description"].as_str().unwrap().contains("Rate"));
}

#[test]
fn the_schema_lists_the_satisfaction_fields() {
    let schema = schema();
    let defs = &schema["$defs"];
    let described = |v: &Value| v["description"].as_str().is_some_and(|d| !d.is_empty());
    assert!(described(&defs["KpiWeights"]["properties"]["satisfaction"]));
    assert!(described(
        &defs["TargetsSection"]["properties"]["satisfaction"]
    ));
    assert!(described(
        &defs["PlanSection"]["properties"]["satisfaction"]
    ));
    for field in ["gate", "multiplier"] {
        assert!(
            described(&defs["SatisfactionPaySpec"]["properties"][field]),
            "{field}"
        );
    }
    for field in ["low", "high", "low_value", "high_value"] {
        assert!(
            described(&defs["SatisfactionMultiplierSpec"]["properties"][field]),
            "{field}"
        );
    }
    // A misspelt key of the new table is refused, as in every other table.
    let validator = jsonschema::validator_for(&schema).unwrap();
    let bad = "[plan.commission]\nrate = 0.1\n[plan.satisfaction]\ngates = 70.0\n";
    assert!(!validator.is_valid(&instance(bad)));
}

#[test]
fn bad_files_fail_it() {
    let validator = jsonschema::validator_for(&schema()).unwrap();
    let base = plansim_sim::scenario::DEFAULT_SCENARIO_TOML;
    assert!(validator.is_valid(&instance(base)));
    for (what, bad) in [
        (
            "a misspelt key",
            base.replacen("[team]", "[team]\nsiz = 10", 1),
        ),
        (
            "a wrong type",
            base.replacen("size = 50 ", "size = \"fifty\" ", 1),
        ),
        (
            "a rate above its range",
            base.replacen(
                "[plan.per_customer]",
                "[plan.commission]\nrate = 1.5\n\n[plan.per_customer]",
                1,
            ),
        ),
        (
            "an unknown cycle",
            base.replacen("cycle = \"month\"", "cycle = \"fortnight\"", 1),
        ),
    ] {
        assert_ne!(bad, base, "{what}: the edit must apply");
        assert!(!validator.is_valid(&instance(&bad)), "{what} passed");
    }
}
