//! Maps a field's path (`plan.target_bonus.threshold`, `plan.commission.tiers[1].rate`)
//! to the line where the scenario file writes it.

use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// Source text of a scenario, for looking up where each field is written.
pub struct SourceMap<'a> {
    text: &'a str,
    root: Option<Spanned<DeTable<'a>>>,
}

impl<'a> SourceMap<'a> {
    /// Parses `text` for spans; a text that does not parse yields no lines.
    pub fn new(text: &'a str) -> Self {
        SourceMap {
            text,
            root: DeTable::parse(text).ok(),
        }
    }

    /// True when the text parses and sets no key at all (empty, or only comments).
    pub fn is_empty(&self) -> bool {
        self.root.as_ref().is_some_and(|r| r.get_ref().is_empty())
    }

    /// Line (1-based) of the deepest written part of `path`, if any part is written.
    pub fn line_of(&self, path: &str) -> Option<usize> {
        let root = self.root.as_ref()?;
        let mut table: Option<&DeTable<'a>> = Some(root.get_ref());
        let mut value: Option<&Spanned<DeValue<'a>>> = None;
        let mut best: Option<std::ops::Range<usize>> = None;
        for part in split_path(path) {
            match part {
                PathPart::Key(key) => {
                    let Some(t) = table else { break };
                    let Some((_, v)) = t.iter().find(|(k, _)| k.get_ref().as_ref() == key) else {
                        break;
                    };
                    best = Some(v.span());
                    value = Some(v);
                }
                PathPart::Index(i) => {
                    let Some(DeValue::Array(items)) = value.map(|v| v.get_ref()) else {
                        break;
                    };
                    let Some(v) = items.get(i) else { break };
                    best = Some(v.span());
                    value = Some(v);
                }
            }
            table = match value.map(|v| v.get_ref()) {
                Some(DeValue::Table(t)) => Some(t),
                _ => None,
            };
        }
        let span = best?;
        Some(line_at(self.text, span.start))
    }
}

impl SourceMap<'_> {
    /// Dotted path of the deepest field whose key or value contains byte `offset`.
    pub fn path_at(&self, offset: usize) -> Option<String> {
        let root = self.root.as_ref()?;
        find_in_table(root.get_ref(), offset, "")
    }
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

/// Searches a table's fields (a table's own span covers only its header, so every
/// nested table is searched) for the deepest one containing `offset`.
fn find_in_table(table: &DeTable<'_>, offset: usize, prefix: &str) -> Option<String> {
    for (k, v) in table.iter() {
        let path = join(prefix, k.get_ref());
        if let Some(found) = find_in_value(v, offset, &path) {
            return Some(found);
        }
        if k.span().contains(&offset) {
            return Some(path);
        }
    }
    None
}

fn find_in_value(v: &Spanned<DeValue<'_>>, offset: usize, path: &str) -> Option<String> {
    match v.get_ref() {
        DeValue::Table(t) => find_in_table(t, offset, path)
            .or_else(|| v.span().contains(&offset).then(|| path.to_string())),
        DeValue::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                if let Some(found) = find_in_value(item, offset, &format!("{path}[{i}]")) {
                    return Some(found);
                }
            }
            v.span().contains(&offset).then(|| path.to_string())
        }
        _ => v.span().contains(&offset).then(|| path.to_string()),
    }
}

/// 1-based line number of a byte offset.
pub fn line_at(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

enum PathPart<'p> {
    Key(&'p str),
    Index(usize),
}

fn split_path(path: &str) -> Vec<PathPart<'_>> {
    let mut parts = Vec::new();
    for segment in path.split('.') {
        let (key, rest) = match segment.find('[') {
            Some(i) => (&segment[..i], &segment[i..]),
            None => (segment, ""),
        };
        if !key.is_empty() {
            parts.push(match key.parse::<usize>() {
                Ok(i) => PathPart::Index(i),
                Err(_) => PathPart::Key(key),
            });
        }
        for index in rest.split('[').filter(|s| !s.is_empty()) {
            if let Ok(i) = index.trim_end_matches(']').parse::<usize>() {
                parts.push(PathPart::Index(i));
            }
        }
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_lines_of_tables_keys_inline_tables_and_arrays() {
        let text = "name = \"x\"\n\n[plan.target_bonus]\namount = 5\nthreshold = -1\n\n[plan.commission]\nrate = 0.1\ntiers = [\n  { from = 1.0, rate = 0.2 },\n  { from = 1.2, rate = 0.3 },\n]\n[team]\nability = { mean = 1, sd = 0.1 }\n";
        let map = SourceMap::new(text);
        assert_eq!(map.line_of("plan.target_bonus.threshold"), Some(5));
        assert_eq!(map.line_of("plan.target_bonus.accelerator"), Some(3));
        assert_eq!(map.line_of("plan.commission.tiers[1].rate"), Some(11));
        assert_eq!(map.line_of("team.ability.sd"), Some(14));
        assert_eq!(map.line_of("market.shock_sd"), None);
        let at = text.find("-1").unwrap();
        assert_eq!(
            map.path_at(at).as_deref(),
            Some("plan.target_bonus.threshold")
        );
        let at = text.find("0.3 }").unwrap();
        assert_eq!(
            map.path_at(at).as_deref(),
            Some("plan.commission.tiers[1].rate")
        );
    }
}
