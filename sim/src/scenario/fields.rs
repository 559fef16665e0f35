//! The fields the scenario format has at each table, read from the scenario's serde
//! types themselves (serde-reflection traces their `Deserialize` impls), so that an
//! unknown key can be answered with "did you mean" without a second list of names.

use serde_reflection::{ContainerFormat, Format, Registry, Tracer, TracerConfig};

use super::types::Scenario;

/// The traced formats of [`Scenario`] and every type it contains; None if tracing
/// failed (the messages then go without suggestions). Traced anew on each call (the
/// registry is not `Sync`; it is needed only for an error message).
fn registry() -> Option<Registry> {
    let mut tracer = Tracer::new(TracerConfig::default());
    tracer.trace_simple_type::<Scenario>().ok()?;
    Some(tracer.registry_unchecked())
}

/// The format behind options, sequences and names: a struct's fields, if it is one.
fn struct_fields<'r>(
    registry: &'r Registry,
    format: &'r Format,
) -> Option<&'r [serde_reflection::Named<Format>]> {
    match format {
        Format::Option(inner) | Format::Seq(inner) => struct_fields(registry, inner),
        Format::TypeName(name) => match registry.get(name)? {
            ContainerFormat::Struct(fields) => Some(fields),
            _ => None,
        },
        _ => None,
    }
}

/// The field names of the table at `path` (keys from the root, sequence indices
/// left out), or None when the format has no table there.
pub fn fields_at(path: &[&str]) -> Option<Vec<String>> {
    let registry = registry()?;
    let root = Format::TypeName("Scenario".into());
    let mut fields = struct_fields(&registry, &root)?;
    for key in path {
        let field = fields.iter().find(|f| f.name == *key)?;
        fields = struct_fields(&registry, &field.value)?;
    }
    Some(fields.iter().map(|f| f.name.clone()).collect())
}

/// The name in `candidates` that `word` is most likely a misspelling of, if any is
/// close (Jaro-Winkler similarity of at least 0.8, or an edit distance of one or two).
pub fn closest<'c>(word: &str, candidates: &'c [String]) -> Option<&'c str> {
    candidates
        .iter()
        .map(|c| {
            (
                c,
                strsim::jaro_winkler(word, c),
                strsim::levenshtein(word, c),
            )
        })
        .filter(|&(_, similarity, edits)| similarity >= 0.8 || edits <= 2.min(word.len() / 2))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(c, _, _)| c.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_the_fields_of_nested_and_optional_tables() {
        let bonus = fields_at(&["plan", "target_bonus"]).expect("a table");
        for name in ["amount", "threshold", "basis"] {
            assert!(bonus.iter().any(|f| f == name), "{name} not in {bonus:?}");
        }
        let top = fields_at(&[]).expect("the root");
        assert!(
            top.iter().any(|f| f == "simulation") && top.iter().any(|f| f == "plan"),
            "{top:?}"
        );
        assert!(fields_at(&["plan", "commission", "tiers"])
            .expect("a table in an array")
            .iter()
            .any(|f| f == "rate"));
        assert_eq!(fields_at(&["plan", "no_such_table"]), None);
        assert_eq!(
            fields_at(&["simulation", "periods"]),
            None,
            "a number has no fields"
        );
    }

    #[test]
    fn suggests_the_close_name_and_nothing_for_a_far_one() {
        let names = ["every", "amount", "threshold"].map(String::from);
        assert_eq!(closest("evry", &names), Some("every"));
        assert_eq!(closest("treshold", &names), Some("threshold"));
        assert_eq!(closest("zzz", &names), None);
    }
}
