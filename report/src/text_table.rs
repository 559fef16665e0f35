//! Terminal tables that fit a width: laid out by comfy-table, never breaking a number.
//!
//! A table that is wider than its [`Width`] is fitted in steps, each tried in turn
//! until the table fits: first its intervals are stacked (`mean [low, high]` becomes
//! the mean above `[low, high]`, and `a / b / c` one value a line; then the bounds of
//! the interval on lines of their own), then the columns
//! the table marks as droppable are dropped, least needed first, each stacked and
//! unstacked; a note under the table names the columns dropped and `--wide`. Prose
//! lines around tables are wrapped at spaces by [`wrap`].

use comfy_table::{CellAlignment, ContentArrangement, LineStyle, Table, TableStyle};

/// How wide terminal output may be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Width {
    /// At most this many columns (characters).
    Fit(usize),
    /// As wide as the content: every column, one line a row (`--wide`).
    Wide,
}

impl Width {
    /// The columns output may not exceed, None for [`Width::Wide`].
    pub fn limit(self) -> Option<usize> {
        match self {
            Width::Fit(n) => Some(n),
            Width::Wide => None,
        }
    }
}

/// Where text is aligned in a column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    /// At the left (names).
    Left,
    /// At the right (numbers).
    Right,
}

/// One column: its header, alignment and whether it may be dropped to fit.
#[derive(Clone, Debug)]
pub struct Column {
    /// The header.
    pub header: String,
    /// Alignment of the header and cells.
    pub align: Align,
    /// Dropped to fit, lowest rank first; None: always shown.
    pub drop_rank: Option<u8>,
}

impl Column {
    /// A left-aligned column always shown.
    pub fn left(header: impl Into<String>) -> Self {
        Column {
            header: header.into(),
            align: Align::Left,
            drop_rank: None,
        }
    }

    /// A right-aligned column always shown.
    pub fn right(header: impl Into<String>) -> Self {
        Column {
            header: header.into(),
            align: Align::Right,
            drop_rank: None,
        }
    }

    /// The column, dropped to fit with rank `rank` (lowest dropped first).
    pub fn droppable(mut self, rank: u8) -> Self {
        self.drop_rank = Some(rank);
        self
    }
}

/// A table of text cells, rows of which may be empty (a blank separating line).
#[derive(Clone, Debug)]
pub struct TextTable {
    columns: Vec<Column>,
    rows: Vec<Vec<String>>,
}

/// A cell stacked to `level`: at 1 its interval goes under its value (`a [b, c]`
/// becomes `a` above `[b, c]`) and each of `a / b / c` on a line of its own; at 2 the
/// interval's bounds are on lines of their own too. Level 0 leaves the cell whole.
fn stacked(cell: &str, level: u8) -> String {
    let mut s = cell.to_string();
    if level >= 1 {
        s = s.replace(" [", "\n[").replace(" / ", " /\n");
    }
    if level >= 2 {
        s = s.replace(", ", ",\n ");
    }
    s
}

impl TextTable {
    /// A table with `columns` and no rows.
    pub fn new(columns: Vec<Column>) -> Self {
        TextTable {
            columns,
            rows: Vec::new(),
        }
    }

    /// Appends a row (missing cells are empty; an empty row is a blank line).
    pub fn row(&mut self, cells: Vec<String>) -> &mut Self {
        self.rows.push(cells);
        self
    }

    /// The table laid out with the columns `kept`, stacked to `level` (see [`stacked`]).
    fn layout(&self, kept: &[usize], level: u8) -> Vec<String> {
        let stack = level > 0;
        let mut t = Table::new();
        let mut style =
            TableStyle::new().header_separator(LineStyle::none().fill('-').junction('-'));
        if stack {
            style = style.row_separator(LineStyle::none().fill(' ').junction(' '));
        }
        t.load_style(style);
        t.set_content_arrangement(ContentArrangement::Disabled);
        let cell = |c: &str| stacked(c, level);
        t.set_header(
            kept.iter()
                .map(|&i| cell(&self.columns[i].header))
                .collect::<Vec<_>>(),
        );
        for r in &self.rows {
            if stack && r.iter().all(String::is_empty) {
                continue;
            }
            t.add_row(
                kept.iter()
                    .map(|&i| cell(r.get(i).map_or("", String::as_str)))
                    .collect::<Vec<_>>(),
            );
        }
        let last = kept.len().saturating_sub(1);
        for (k, col) in t.column_iter_mut().enumerate() {
            col.set_padding((0, if k == last { 0 } else { 2 }));
            col.set_cell_alignment(match self.columns[kept[k]].align {
                Align::Left => CellAlignment::Left,
                Align::Right => CellAlignment::Right,
            });
        }
        t.lines().map(|l| l.trim_end().to_string()).collect()
    }

    /// The table as lines of at most `width` characters where it can be fitted (see
    /// the module's documentation), each ending with a newline.
    pub fn render(&self, width: Width) -> String {
        let all: Vec<usize> = (0..self.columns.len()).collect();
        let fits =
            |lines: &[String], limit: usize| lines.iter().all(|l| l.chars().count() <= limit);
        let Some(limit) = width.limit() else {
            return join(&self.layout(&all, 0));
        };
        let mut droppable: Vec<usize> = all
            .iter()
            .copied()
            .filter(|&i| self.columns[i].drop_rank.is_some())
            .collect();
        droppable.sort_by_key(|&i| self.columns[i].drop_rank);
        let mut last = Vec::new();
        for dropped in 0..=droppable.len() {
            let kept: Vec<usize> = all
                .iter()
                .copied()
                .filter(|i| !droppable[..dropped].contains(i))
                .collect();
            for level in 0..=2 {
                let lines = self.layout(&kept, level);
                if fits(&lines, limit) {
                    return join(&lines) + &dropped_note(self, &droppable[..dropped], limit);
                }
                last = lines;
            }
        }
        join(&last) + &dropped_note(self, &droppable, limit)
    }
}

/// Lines joined, each ended by a newline.
fn join(lines: &[String]) -> String {
    lines.iter().map(|l| format!("{l}\n")).collect()
}

/// The note under a table whose columns `dropped` were dropped to fit.
fn dropped_note(t: &TextTable, dropped: &[usize], limit: usize) -> String {
    if dropped.is_empty() {
        return String::new();
    }
    let names: Vec<&str> = dropped
        .iter()
        .map(|&i| t.columns[i].header.as_str())
        .collect();
    wrap(
        &format!(
            "(not shown to fit {limit} columns: {}; --wide shows every column)\n",
            names.join(", ")
        ),
        Width::Fit(limit),
    )
}

/// `text` with every line longer than `width` wrapped at spaces, its continuation
/// lines indented two more than the line; a word longer than the width stays whole.
pub fn wrap(text: &str, width: Width) -> String {
    let Some(limit) = width.limit() else {
        return text.to_string();
    };
    let mut out = String::with_capacity(text.len());
    for (k, line) in text.split('\n').enumerate() {
        if k > 0 {
            out.push('\n');
        }
        if line.chars().count() <= limit {
            out.push_str(line);
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let hanging = " ".repeat(indent + 2);
        let mut current = line[..indent].to_string();
        let mut at_start = true;
        for word in line[indent..].split(' ') {
            let n = current.chars().count();
            if !at_start && n + 1 + word.chars().count() > limit {
                out.push_str(current.trim_end());
                out.push('\n');
                current = hanging.clone();
                at_start = true;
            }
            if !at_start {
                current.push(' ');
            }
            current.push_str(word);
            at_start = false;
        }
        out.push_str(current.trim_end());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> TextTable {
        let mut t = TextTable::new(vec![
            Column::left("metric"),
            Column::right("plan mean [95% CI]"),
            Column::right("P5 / P50 / P95").droppable(0),
            Column::right("difference [95% CI]"),
        ]);
        t.row(vec![
            "revenue".into(),
            "15,118,791 [15,056,909, 15,180,672]".into(),
            "14,385,594 / 15,129,898 / 15,848,831".into(),
            "1,819,900 [1,794,220, 1,845,581]".into(),
        ]);
        t.row(vec![]);
        t.row(vec![
            "  cost: promotion".into(),
            "53,022 [50,105, 55,940]".into(),
            "16,316 / 55,427 / 86,322".into(),
            "53,022".into(),
        ]);
        t
    }

    #[test]
    fn wide_tables_keep_every_column_on_one_line_a_row() {
        let text = sample().render(Width::Wide);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 5, "{text}");
        assert!(lines[0].starts_with("metric") && lines[0].ends_with("difference [95% CI]"));
        assert!(lines[1].chars().all(|c| c == '-'));
        assert!(lines[2].contains("14,385,594 / 15,129,898 / 15,848,831"));
        assert_eq!(lines[3], "");
    }

    #[test]
    fn narrow_tables_stack_then_drop_and_never_split_a_number() {
        for limit in [50, 60, 80, 100, 120] {
            let text = sample().render(Width::Fit(limit));
            for l in text.lines() {
                assert!(l.chars().count() <= limit, "{limit}: {l:?}\n{text}");
            }
            // Every number of the kept columns is whole on some line.
            for n in ["15,118,791", "15,056,909", "15,180,672", "53,022"] {
                assert!(text.contains(n), "{limit}: {n} in\n{text}");
            }
        }
        let stacked = sample().render(Width::Fit(100));
        assert!(stacked.contains("14,385,594 /"), "{stacked}");
        let dropped = sample().render(Width::Fit(50));
        assert!(!dropped.contains("14,385,594"), "{dropped}");
        assert!(dropped.contains("not shown to fit 50 columns: P5 / P50 / P95;"));
    }

    #[test]
    fn prose_is_wrapped_at_spaces_with_a_hanging_indent() {
        let text = "short\n  one two three four five six seven\n";
        assert_eq!(
            wrap(text, Width::Fit(16)),
            "short\n  one two three\n    four five\n    six seven\n"
        );
        assert_eq!(wrap(text, Width::Wide), text);
        assert_eq!(
            wrap("averyveryverylongword x", Width::Fit(5)),
            "averyveryverylongword\n  x"
        );
    }
}
