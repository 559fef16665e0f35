//! How numbers are written in tables and pages: thousands separators, percentages
//! for shares, decimals for scores, and means with their intervals.

use plansim_analysis::objective::Objective;
use plansim_sim::engine::metrics::{Metric, Scale};
use plansim_sim::tally::Summary;

/// How a metric's numbers are shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// A share shown as a percentage.
    Percent,
    /// A count or an amount of money.
    Count,
    /// A score or effort with three decimals.
    Decimal,
}

/// How metric `m` is shown: by its [`Scale`].
pub fn style(m: Metric) -> Style {
    match m.scale() {
        Scale::Share => Style::Percent,
        Scale::Amount => Style::Count,
        Scale::Score => Style::Decimal,
    }
}

/// True for a character a terminal acts on instead of showing: the C0 and C1 control
/// characters, DEL, and the bidirectional marks, embeddings, overrides and isolates
/// (which reorder the text shown around them).
fn is_control(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn escaped(text: &str, keep: impl Fn(char) -> bool) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(|c| is_control(c) && !keep(c)) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_control(c) && !keep(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// A name (of a scenario, a file, a variant) as a terminal may print it: every control
/// character written as an escape such as `\u{1b}`, newlines and tabs included.
pub fn printable(name: &str) -> std::borrow::Cow<'_, str> {
    escaped(name, |_| false)
}

/// Text of several lines (a table, a message) as a terminal may print it: every control
/// character but the newline written as an escape.
pub fn printable_lines(text: &str) -> std::borrow::Cow<'_, str> {
    escaped(text, |c| c == '\n')
}

/// How an objective is shown: as its metric, a composite (an amount of money) as a count.
pub fn objective_style(o: &Objective) -> Style {
    o.metric().map_or(Style::Count, style)
}

/// Formats a number with thousands separators and `decimals` decimals.
pub fn grouped(x: f64, decimals: usize) -> String {
    if !x.is_finite() {
        return "n/a".into();
    }
    let s = format!("{:.*}", decimals, x.abs());
    let (int, frac) = match s.find('.') {
        Some(i) => (&s[..i], &s[i..]),
        None => (s.as_str(), ""),
    };
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    let sign = if x < 0.0 && s.chars().any(|c| c.is_ascii_digit() && c != '0') {
        "-"
    } else {
        ""
    };
    format!("{sign}{out}{frac}")
}

/// A number in a style.
pub fn fmt(x: f64, st: Style) -> String {
    match st {
        Style::Percent => {
            if x.is_finite() {
                format!("{}%", unsigned_zero(format!("{:.1}", 100.0 * x)))
            } else {
                "n/a".into()
            }
        }
        Style::Count => grouped(x, if x.abs() < 100.0 { 2 } else { 0 }),
        Style::Decimal => grouped(x, 3),
    }
}

/// `text` without the sign of a number that rounds to zero ("-0.0" is "0.0").
fn unsigned_zero(text: String) -> String {
    match text.strip_prefix('-') {
        Some(rest) if rest.chars().all(|c| c == '0' || c == '.') => rest.to_string(),
        _ => text,
    }
}

/// A difference of shares in percentage points, one decimal: "15.4 pp".
pub fn points(x: f64) -> String {
    if x.is_finite() {
        format!("{} pp", unsigned_zero(format!("{:.1}", 100.0 * x)))
    } else {
        "n/a".into()
    }
}

/// A paired difference and its 95 % interval in a style: differences of shares in
/// percentage points ("15.4 pp [15.2, 15.6]"), others as [`interval`].
pub fn difference_interval(s: &Summary, st: Style) -> String {
    match st {
        Style::Percent if s.mean.is_finite() => format!(
            "{} [{}, {}]",
            points(s.mean),
            unsigned_zero(format!("{:.1}", 100.0 * s.ci95_low)),
            unsigned_zero(format!("{:.1}", 100.0 * s.ci95_high))
        ),
        _ => interval(s, st),
    }
}

/// A mean and its 95 % interval in a style.
pub fn interval(s: &Summary, st: Style) -> String {
    format!(
        "{} [{}, {}]",
        fmt(s.mean, st),
        fmt(s.ci95_low, st),
        fmt(s.ci95_high, st)
    )
}

/// The 5th, 50th and 95th percentiles in a style: "P5 / P50 / P95".
pub fn percentiles(s: &Summary, st: Style) -> String {
    format!(
        "{} / {} / {}",
        fmt(s.p05, st),
        fmt(s.p50, st),
        fmt(s.p95, st)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(printable("plain 名字"), "plain 名字");
        assert_eq!(printable("a\u{1b}[31mred\n"), "a\\u{1b}[31mred\\u{a}");
        assert_eq!(
            printable("x\u{9b}y\u{7f}\u{202e}"),
            "x\\u{9b}y\\u{7f}\\u{202e}"
        );
        assert_eq!(
            printable_lines("a\nb\u{1b}]0;t\u{7}"),
            "a\nb\\u{1b}]0;t\\u{7}"
        );
    }

    #[test]
    fn groups_thousands() {
        assert_eq!(grouped(1234567.0, 0), "1,234,567");
        assert_eq!(grouped(-1234.5, 1), "-1,234.5");
        assert_eq!(grouped(12.0, 2), "12.00");
        assert_eq!(grouped(-0.0001, 2), "0.00");
        assert_eq!(grouped(f64::NAN, 2), "n/a");
    }

    #[test]
    fn shares_are_percentages_and_scores_decimals() {
        assert_eq!(style(Metric::Roi), Style::Percent);
        assert_eq!(fmt(0.1234, style(Metric::RevenueGrowth)), "12.3%");
        assert_eq!(fmt(0.5, style(Metric::Satisfaction)), "0.500");
        assert_eq!(fmt(1234.4, style(Metric::Revenue)), "1,234");
        assert_eq!(objective_style(&Objective::Profit), Style::Count);
        assert_eq!(fmt(-0.0001, Style::Percent), "0.0%");
        assert_eq!(fmt(-0.01, Style::Percent), "-1.0%");
    }

    #[test]
    fn differences_of_shares_are_percentage_points() {
        let s = Summary {
            mean: 0.154,
            std_err: 0.001,
            ci95_low: 0.152,
            ci95_high: -0.0001,
            p05: 0.0,
            p50: 0.0,
            p95: 0.0,
        };
        assert_eq!(
            difference_interval(&s, Style::Percent),
            "15.4 pp [15.2, 0.0]"
        );
        assert_eq!(points(-0.0004), "0.0 pp");
        assert_eq!(
            difference_interval(&s, Style::Decimal),
            interval(&s, Style::Decimal)
        );
    }
}
