//! plansim-sim's modules are layers (docs/architecture.md): each imports only layers
//! below it, so data flows one way and there is no import cycle. This test reads every
//! `crate::module` path of the library's sources (tests excluded, doc links included:
//! a link to a higher layer is a dependency on it too) and fails on a path to the same
//! layer's other module or a higher layer, and on a module the table does not place.

use std::collections::BTreeMap;
use std::path::Path;

/// Each top-level module and its layer, lowest first.
const LAYERS: &[(&str, u32)] = &[
    // Numerical utilities: the hot loop's elementary functions at the bottom.
    ("vmath", 0),
    ("libm_inline", 0),
    ("normal", 1),
    ("tally", 1),
    ("rng", 2),
    ("budget", 2),
    // Scenario -> model (+ mechanisms) -> behaviour -> engine -> rounds.
    ("scenario", 3),
    ("mechanisms", 4),
    ("model", 5),
    ("behaviour", 6),
    ("engine", 7),
    ("rounds", 8),
    // A file format and a benchmark loop, leaving for other crates.
    ("shard", 8),
    ("reference", 8),
];

/// The top-level module a source file belongs to (None for lib.rs).
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let first = file.strip_prefix(src).ok()?.components().next()?;
    let name = first.as_os_str().to_str()?.trim_end_matches(".rs");
    (name != "lib").then(|| name.to_string())
}

/// Every `.rs` file under `dir`.
fn sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("the sources are readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The modules a source text names as `crate::module`, before its tests.
fn imports(text: &str) -> Vec<String> {
    let code = text.split("#[cfg(test)]").next().unwrap_or_default();
    let mut out = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            out.push(name);
        }
    }
    // `use crate::{a, b::c}` names several.
    for (at, _) in code.match_indices("crate::{") {
        let rest = &code[at + "crate::{".len()..];
        let group = &rest[..rest.find('}').unwrap_or(rest.len())];
        for item in group.split(',') {
            let name: String = item
                .trim()
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.push(name);
            }
        }
    }
    out
}

/// What is wrong with `(module, source text)` pairs: a module without a layer, or a
/// path to the same layer's other module or a higher layer.
fn violations(sources: &[(String, String)]) -> Vec<String> {
    let layer: BTreeMap<&str, u32> = LAYERS.iter().copied().collect();
    let mut problems = Vec::new();
    for (me, text) in sources {
        let Some(&mine) = layer.get(me.as_str()) else {
            problems.push(format!(
                "{me} has no layer: place it in docs/architecture.md and in LAYERS"
            ));
            continue;
        };
        for other in imports(text) {
            if &other == me {
                continue;
            }
            match layer.get(other.as_str()) {
                Some(&theirs) if theirs < mine => {}
                Some(&theirs) => problems.push(format!(
                    "{me} (layer {mine}) names crate::{other} (layer {theirs})"
                )),
                None => problems.push(format!("{me} names crate::{other}, which has no layer")),
            }
        }
    }
    problems
}

#[test]
fn every_module_imports_only_layers_below_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    files.sort();
    let sources: Vec<(String, String)> = files
        .iter()
        .filter_map(|file| {
            let me = module_of(&src, file)?;
            Some((
                me,
                std::fs::read_to_string(file).expect("a readable source"),
            ))
        })
        .collect();
    assert!(sources.len() > LAYERS.len(), "read {} files", sources.len());
    let problems = violations(&sources);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_check_sees_upward_and_sideways_imports_and_unplaced_modules() {
    let text = "use crate::engine::BLOCK_SIZE;\nuse crate::{model::Plan, tally};\n#[cfg(test)]\nuse crate::rounds;";
    assert_eq!(imports(text), ["engine", "model", "tally"]);
    let source = |m: &str, t: &str| (m.to_string(), t.to_string());
    assert!(violations(&[source("behaviour", "use crate::model::Model;")]).is_empty());
    let up = violations(&[source("model", "/// [`crate::behaviour::solve`]")]);
    assert_eq!(up, ["model (layer 5) names crate::behaviour (layer 6)"]);
    let sideways = violations(&[source("rng", "use crate::budget::PENALTY;")]);
    assert_eq!(sideways, ["rng (layer 2) names crate::budget (layer 2)"]);
    assert_eq!(violations(&[source("cache", "")]).len(), 1);
}
