//! The human-readable table of a run.

use std::fmt::Write;

use plansim_sim::tally::Summary;

use super::RunReport;

/// How a metric's numbers are shown.
#[derive(Clone, Copy)]
pub enum Style {
    /// A share shown as a percentage.
    Percent,
    /// A count or an amount of money.
    Count,
    /// A score or effort with three decimals.
    Decimal,
}

/// How metric `name` is shown.
pub fn style(name: &str) -> Style {
    match name {
        "revenue_growth"
        | "cost_of_sales"
        | "target_hit_rate"
        | "team_target_hit_rate"
        | "attrition_rate"
        | "budget_overrun_probability"
        | "roi" => Style::Percent,
        "satisfaction" | "effort_acquisition" | "effort_service" => Style::Decimal,
        _ => Style::Count,
    }
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
                format!("{:.1}%", 100.0 * x)
            } else {
                "n/a".into()
            }
        }
        Style::Count => grouped(x, if x.abs() < 100.0 { 2 } else { 0 }),
        Style::Decimal => grouped(x, 3),
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

/// Renders the report as an aligned text table.
pub fn render(r: &RunReport) -> String {
    let mut out = r.warnings.table_lines();
    let _ = writeln!(
        out,
        "plansim: {} ({}), {} replications, seed {}, {} reps x {} periods",
        r.scenario, r.source, r.replications, r.seed, r.team_size, r.periods
    );
    let _ = writeln!(
        out,
        "pre-plan run-rate of team revenue: {} a period",
        grouped(r.run_rate_revenue, 0)
    );
    if let Some(b) = r.budget {
        let _ = writeln!(out, "budget on incentive cost: {}", grouped(b, 0));
    }
    let _ = writeln!(out);
    let header = [
        "metric",
        "plan mean [95% CI]",
        "plan P5 / P50 / P95",
        "baseline mean",
        "difference [95% CI]",
    ];
    let mut rows: Vec<[String; 5]> = Vec::new();
    for name in &r.order {
        let st = style(name);
        let a = &r.metrics[name];
        let b = &r.baseline[name];
        let d = &r.difference[name].paired;
        rows.push([
            name.to_string(),
            interval(a, st),
            format!(
                "{} / {} / {}",
                fmt(a.p05, st),
                fmt(a.p50, st),
                fmt(a.p95, st)
            ),
            fmt(b.mean, st),
            interval(d, st),
        ]);
    }
    rows.push(Default::default());
    for (name, a) in &r.cost_by_mechanism.plan {
        if a.mean == 0.0 && r.cost_by_mechanism.baseline[name].mean == 0.0 {
            continue;
        }
        let b = &r.cost_by_mechanism.baseline[name];
        rows.push([
            format!("  cost: {name}"),
            interval(a, Style::Count),
            format!(
                "{} / {} / {}",
                fmt(a.p05, Style::Count),
                fmt(a.p50, Style::Count),
                fmt(a.p95, Style::Count)
            ),
            fmt(b.mean, Style::Count),
            fmt(a.mean - b.mean, Style::Count),
        ]);
    }
    let mut widths = header.map(|h| h.chars().count());
    for row in &rows {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i == 0 {
                let _ = write!(s, "{:<w$}", c, w = widths[i]);
            } else {
                let _ = write!(s, "  {:>w$}", c, w = widths[i]);
            }
        }
        s.trim_end().to_string()
    };
    let _ = writeln!(out, "{}", line(&header.map(String::from)));
    let _ = writeln!(
        out,
        "{}",
        "-".repeat(widths.iter().sum::<usize>() + 2 * (widths.len() - 1))
    );
    for row in &rows {
        let _ = writeln!(out, "{}", line(row));
    }
    let _ = writeln!(
        out,
        "\nIntervals are 95 % Monte Carlo intervals of the mean; the difference is paired on common random numbers.\nrevenue_growth is against the pre-plan run-rate; see docs/model.md for every definition."
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_thousands() {
        assert_eq!(grouped(1234567.0, 0), "1,234,567");
        assert_eq!(grouped(-1234.5, 1), "-1,234.5");
        assert_eq!(grouped(12.0, 2), "12.00");
        assert_eq!(grouped(-0.0001, 2), "0.00");
        assert_eq!(grouped(f64::NAN, 2), "n/a");
    }
}
