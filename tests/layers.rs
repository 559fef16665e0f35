//! The layers of docs/architecture.md, checked on every `cargo test` (and so in CI):
//! each crate depends only on crates of lower layers (its Cargo.toml), and within a
//! crate no top-level modules import each other in a circle (their `crate::` and
//! `super::` paths, the code before `#[cfg(test)]`, as `module_cycles.py` reads them).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The workspace's crates, lowest layer first: (package, folder).
const LAYERS: [(&str, &str); 5] = [
    ("plansim-sim", "sim"),
    ("plansim-optimize", "optimize"),
    ("plansim-analysis", "analysis"),
    ("plansim-report", "report"),
    ("plansim", "."),
];

/// Crates whose module cycles are still being removed (issue 11, the simulator's
/// stages): for them the check below asserts that a cycle remains, so that the
/// exemption is dropped the moment it is no longer needed.
const PENDING: [&str; 0] = [];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The `plansim-*` packages in the `[dependencies]` of a Cargo.toml.
fn internal_dependencies(manifest: &Path) -> BTreeSet<String> {
    let text = std::fs::read_to_string(manifest).unwrap();
    let mut section = String::new();
    let mut out = BTreeSet::new();
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            section = line.trim_matches(['[', ']']).to_string();
        } else if section == "dependencies" && line.starts_with("plansim-") {
            let name: String = line
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '-' || *c == '_')
                .collect();
            out.insert(name);
        }
    }
    out
}

#[test]
fn every_workspace_crate_has_a_layer_and_depends_only_on_lower_ones() {
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    let members_line = manifest
        .lines()
        .find(|l| l.trim_start().starts_with("members"))
        .expect("a members list");
    let members: BTreeSet<&str> = members_line.split('"').skip(1).step_by(2).collect();
    let layered: BTreeSet<&str> = LAYERS.iter().map(|(_, dir)| *dir).collect();
    assert_eq!(
        members, layered,
        "every workspace member needs a layer in tests/layers.rs and docs/architecture.md"
    );
    for (layer, (package, dir)) in LAYERS.iter().enumerate() {
        for dependency in internal_dependencies(&root().join(dir).join("Cargo.toml")) {
            let below = LAYERS[..layer].iter().any(|(p, _)| *p == dependency);
            assert!(
                below,
                "{package} depends on {dependency}, which is not a lower layer"
            );
        }
    }
}

/// Every `.rs` file under `dir`.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a file under `src` (`a/b.rs` and `a/b/mod.rs` are `[a, b]`;
/// `lib.rs` and `main.rs` the crate root, `[]`).
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let mut parts: Vec<String> = file
        .strip_prefix(src)
        .unwrap()
        .with_extension("")
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") || parts == ["lib"] || parts == ["main"] {
        parts.pop();
    }
    parts
}

/// The identifier at the start of `s`.
fn ident(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// The top-level modules that the code of module `path` refers to.
fn references(path: &[String], code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let group = &group[..group.find('}').unwrap_or(group.len())];
            out.extend(
                group
                    .split(',')
                    .map(|item| ident(item.trim()).to_string())
                    .filter(|m| !m.is_empty()),
            );
        } else {
            out.insert(ident(rest).to_string());
        }
    }
    // `super::` climbing out of a top-level module reaches the crate root.
    for (at, _) in code.match_indices("super::") {
        if code[..at].ends_with("super::") {
            continue;
        }
        let mut rest = &code[at..];
        let mut ups = 0;
        while let Some(r) = rest.strip_prefix("super::") {
            rest = r;
            ups += 1;
        }
        if ups >= path.len() {
            out.insert(ident(rest).to_string());
        }
    }
    out.retain(|m| !m.is_empty() && m != "self");
    out
}

/// The edges between a crate's top-level modules.
fn module_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    sources(src, &mut files);
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let path = module_path(src, &file);
        let Some(top) = path.first().cloned() else {
            continue;
        };
        let text = std::fs::read_to_string(&file).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        for other in references(&path, code) {
            if other != top {
                edges.entry(top.clone()).or_default().insert(other);
            }
        }
    }
    edges
}

/// A cycle of modules in `edges`, if any.
fn a_cycle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        m: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        done: &mut BTreeSet<String>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = stack.iter().position(|s| s == m) {
            return Some(stack[i..].to_vec());
        }
        if done.contains(m) {
            return None;
        }
        stack.push(m.to_string());
        for next in edges.get(m).into_iter().flatten() {
            if let Some(cycle) = visit(next, edges, done, stack) {
                return Some(cycle);
            }
        }
        stack.pop();
        done.insert(m.to_string());
        None
    }
    let mut done = BTreeSet::new();
    edges
        .keys()
        .find_map(|m| visit(m, edges, &mut done, &mut Vec::new()))
}

#[test]
fn no_crate_has_a_module_cycle() {
    for (package, dir) in LAYERS {
        let cycle = a_cycle(&module_graph(&root().join(dir).join("src")));
        if PENDING.contains(&dir) {
            assert!(
                cycle.is_some(),
                "{package} has no module cycle any more: remove \"{dir}\" from PENDING in tests/layers.rs"
            );
        } else {
            assert_eq!(cycle, None, "{package}: modules in a cycle");
        }
    }
}

#[test]
fn the_reader_finds_crate_and_super_paths_and_cycles() {
    let top = vec!["a".to_string()];
    let nested = vec!["a".to_string(), "b".to_string()];
    let code =
        "use crate::b::X;\nuse crate::{c, d::Y};\nuse super::e;\nfn f() { super::super::g::h(); }";
    assert_eq!(
        references(&top, code),
        ["b", "c", "d", "e", "g"].map(String::from).into()
    );
    // Inside a/b, `super::e` is a's own e; `super::super::g` is the crate's g.
    assert_eq!(
        references(&nested, code),
        ["b", "c", "d", "g"].map(String::from).into()
    );
    let mut edges = BTreeMap::new();
    edges.insert("a".to_string(), BTreeSet::from(["b".to_string()]));
    assert_eq!(a_cycle(&edges), None);
    edges.insert("b".to_string(), BTreeSet::from(["a".to_string()]));
    assert_eq!(
        a_cycle(&edges),
        Some(vec!["a".to_string(), "b".to_string()])
    );
}
