//! The report of `plansim sensitivity`: the answer at the scenario's assumptions,
//! how often the choice still wins and where it stops, the one-at-a-time tornado,
//! Morris screening and the win frequency by half of each range, as a table, a JSON
//! document, a CSV of one row per assumption and an HTML page with a tornado chart.

use std::fmt::Write;

use serde_json::{json, Value};

use plansim_analysis::sensitivity::{Estimate, Sensitivity, Wins};
use plansim_sim::scenario::Assumption;

use crate::charts::{self, Axis, Labels, TornadoBar};
use crate::csv_safe::{num, CsvSheet};
use crate::format::{grouped, printable};
use crate::html::{Document, Section, Table};
use crate::i18n::Lang;
use crate::Result;

/// What the analysis was of.
pub struct Header<'a> {
    /// The scenario file(s).
    pub source: &'a str,
    /// The first arm's name (`plan`, or the first variant).
    pub first: &'a str,
    /// The second arm's name (`baseline`, or the second variant).
    pub second: &'a str,
}

/// English or Chinese.
fn tr(lang: Lang, en: &'static str, zh: &'static str) -> &'static str {
    match lang {
        Lang::En => en,
        Lang::Zh => zh,
    }
}

/// True when the objective is a share (its effects are in percentage points).
fn is_share(s: &Sensitivity) -> bool {
    s.objective.is_share()
}

/// An effect (a difference) in the objective's unit: points for a share, money or counts else.
pub fn effect_text(s: &Sensitivity, x: f64) -> String {
    if !x.is_finite() {
        return "n/a".into();
    }
    if is_share(s) {
        format!("{:+.2} pp", 100.0 * x)
    } else {
        let g = grouped(x, if x.abs() < 100.0 { 2 } else { 0 });
        if x > 0.0 {
            format!("+{g}")
        } else {
            g
        }
    }
}

/// A size of an effect (no sign): points for a share.
fn size_text(s: &Sensitivity, x: f64) -> String {
    effect_text(s, x).trim_start_matches('+').to_string()
}

/// An assumption's value as people write it.
pub fn value_text(a: Assumption, x: f64) -> String {
    match a {
        Assumption::Conversion | Assumption::Churn => format!("{:.1}%", 100.0 * x),
        Assumption::RiskAversion => format!("{x:.3e}"),
        _ => grouped(x, 0),
    }
}

/// "stops winning at" words of an assumption's flips (a dash when none).
fn flips_text(a: Assumption, flips: &[f64]) -> String {
    if flips.is_empty() {
        "-".into()
    } else {
        flips
            .iter()
            .map(|x| value_text(a, *x))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The headline: the answer at the scenario's values and how often it holds.
pub fn headline(s: &Sensitivity, h: &Header<'_>, lang: Lang) -> String {
    let w = &s.win;
    match lang {
        Lang::En => format!(
            "{} beats {} on {} in {} of {} draws from the assumptions' ranges ({:.0} % ± {:.0} %); at the scenario's own values the difference is {} (se {}).",
            printable(h.first),
            printable(h.second),
            s.objective.name(),
            w.wins,
            w.draws,
            100.0 * w.share,
            100.0 * w.se,
            effect_text(s, s.base.effect),
            size_text(s, s.base.se)
        ),
        Lang::Zh => format!(
            "在假设范围内的 {} 次抽样中，{} 在 {} 上优于 {} 的有 {} 次（{:.0} % ± {:.0} %）；在情景本身的取值下差值为 {}（标准误 {}）。",
            w.draws,
            printable(h.first),
            s.objective.name(),
            printable(h.second),
            w.wins,
            100.0 * w.share,
            100.0 * w.se,
            effect_text(s, s.base.effect),
            size_text(s, s.base.se)
        ),
    }
}

/// Where the choice stops winning, one sentence per assumption whose effect changes sign.
fn stops_winning(s: &Sensitivity, lang: Lang) -> Vec<String> {
    s.tornado
        .iter()
        .filter(|t| !t.flips.is_empty())
        .map(|t| {
            let a = t.range.assumption;
            format!(
                "{}: {} {} ({} {}..{})",
                a.name(),
                tr(
                    lang,
                    "the sign of the difference changes at",
                    "差值在此处变号："
                ),
                flips_text(a, &t.flips),
                tr(lang, "range", "范围"),
                value_text(a, t.range.low),
                value_text(a, t.range.high)
            )
        })
        .collect()
}

/// The human table printed on stdout.
pub fn table(s: &Sensitivity, h: &Header<'_>) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Sensitivity of {} ({} is better): {} minus {}, {}",
        s.objective.name(),
        s.objective.direction(),
        printable(h.first),
        printable(h.second),
        printable(h.source)
    );
    let _ = writeln!(
        out,
        "{} replications per point on common random numbers, seed {}, {} points\n",
        s.replications, s.seed, s.points
    );
    let _ = writeln!(out, "{}\n", headline(s, h, Lang::En));
    let stops = stops_winning(s, Lang::En);
    if stops.is_empty() {
        let _ = writeln!(
            out,
            "Moved one at a time across its range, no assumption changes the sign of the difference.\n"
        );
    } else {
        let _ = writeln!(out, "Where it stops winning (one assumption at a time):");
        for line in stops {
            let _ = writeln!(out, "  {line}");
        }
        out.push('\n');
    }
    let _ = writeln!(out, "One at a time, largest swing first");
    let _ = writeln!(
        out,
        "{:<17}{:>12}{:>12}{:>16}{:>16}{:>14}  sign changes at",
        "assumption", "low", "high", "effect at low", "effect at high", "swing"
    );
    for t in &s.tornado {
        let a = t.range.assumption;
        let _ = writeln!(
            out,
            "{:<17}{:>12}{:>12}{:>16}{:>16}{:>14}  {}",
            a.name(),
            value_text(a, t.range.low),
            value_text(a, t.range.high),
            effect_text(s, t.low().effect),
            effect_text(s, t.high().effect),
            size_text(s, t.swing),
            flips_text(a, &t.flips)
        );
    }
    let _ = writeln!(
        out,
        "\nMorris screening ({} trajectories, {} levels): the change of the difference when an assumption moves across its whole range",
        s.trajectories, s.levels
    );
    let _ = writeln!(
        out,
        "{:<17}{:>14}{:>12}{:>14}{:>14}",
        "assumption", "mu*", "± se", "mu", "sigma"
    );
    for m in &s.morris {
        let _ = writeln!(
            out,
            "{:<17}{:>14}{:>12}{:>14}{:>14}",
            m.assumption.name(),
            size_text(s, m.mu_star),
            size_text(s, m.mu_star_se),
            effect_text(s, m.mu),
            size_text(s, m.sigma)
        );
    }
    let _ = writeln!(out, "\nWins by half of each range ({} draws)", s.win.draws);
    let _ = writeln!(
        out,
        "{:<17}{:>16}{:>16}",
        "assumption", "lower half", "upper half"
    );
    let share = |w: Wins| {
        if w.draws == 0 {
            "-".to_string()
        } else {
            format!(
                "{}/{} ({:.0}%)",
                w.wins,
                w.draws,
                100.0 * w.wins as f64 / w.draws as f64
            )
        }
    };
    for half in &s.win.by_half {
        let _ = writeln!(
            out,
            "{:<17}{:>16}{:>16}",
            half.assumption.name(),
            share(half.lower),
            share(half.upper)
        );
    }
    if s.unsettled > 0 {
        let _ = writeln!(
            out,
            "\nwarning: at {} of {} points a plan's behaviour had no equilibrium; their figures rest on beliefs the reps' efforts contradict",
            s.unsettled, s.points
        );
    }
    let _ = writeln!(
        out,
        "\nRanges from [sensitivity] (default ±25 % of the scenario's value); see scenarios/README.md."
    );
    out
}

fn estimate_json(s: &Sensitivity, e: &Estimate) -> Value {
    let values: serde_json::Map<String, Value> = s
        .ranges
        .iter()
        .zip(&e.values)
        .map(|(r, x)| (r.assumption.name().to_string(), json!(x)))
        .collect();
    json!({"values": values, "effect": e.effect, "se": e.se, "settled": e.settled})
}

/// The JSON document.
pub fn to_json(s: &Sensitivity, h: &Header<'_>) -> String {
    let doc = json!({
        "command": "sensitivity",
        "plansim_version": env!("CARGO_PKG_VERSION"),
        "source": h.source,
        "first": h.first,
        "second": h.second,
        "objective": s.objective.name(),
        "higher_is_better": s.higher_is_better,
        "seed": s.seed,
        "replications_per_point": s.replications,
        "points": s.points,
        "unsettled_points": s.unsettled,
        "base": estimate_json(s, &s.base),
        "assumptions": s.ranges.iter().map(|r| json!({
            "name": r.assumption.name(),
            "field": r.assumption.field(),
            "low": r.low,
            "base": r.base,
            "high": r.high,
        })).collect::<Vec<_>>(),
        "tornado": s.tornado.iter().map(|t| json!({
            "assumption": t.range.assumption.name(),
            "effect_low": t.low().effect,
            "effect_high": t.high().effect,
            "swing": t.swing,
            "sign_changes_at": t.flips,
            "levels": t.levels.iter().map(|e| json!({
                "value": e.values[s.ranges.iter().position(|r| r.assumption == t.range.assumption).unwrap_or(0)],
                "effect": e.effect,
                "se": e.se,
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "morris": {
            "trajectories": s.trajectories,
            "levels": s.levels,
            "rows": s.morris.iter().map(|m| json!({
                "assumption": m.assumption.name(),
                "mu_star": m.mu_star,
                "mu_star_se": m.mu_star_se,
                "mu": m.mu,
                "mu_se": m.mu_se,
                "sigma": m.sigma,
                "elementary_effects": m.effects,
            })).collect::<Vec<_>>(),
        },
        "win": {
            "draws": s.win.draws,
            "wins": s.win.wins,
            "share": s.win.share,
            "se": s.win.se,
            "by_half": s.win.by_half.iter().map(|h| json!({
                "assumption": h.assumption.name(),
                "lower": h.lower,
                "upper": h.upper,
            })).collect::<Vec<_>>(),
            "points": s.win.points.iter().map(|e| estimate_json(s, e)).collect::<Vec<_>>(),
        },
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

/// Columns of the CSV document, one row per assumption.
pub const CSV_COLUMNS: [&str; 18] = [
    "assumption",
    "field",
    "low",
    "base",
    "high",
    "effect_low",
    "effect_high",
    "swing",
    "sign_changes_at",
    "mu_star",
    "mu_star_se",
    "mu",
    "sigma",
    "wins_lower_half",
    "draws_lower_half",
    "wins_upper_half",
    "draws_upper_half",
    "objective",
];

/// The CSV document: one row per assumption, in report order.
pub fn csv(s: &Sensitivity) -> Result<Vec<u8>> {
    let mut sheet = CsvSheet::new();
    sheet.row(&CSV_COLUMNS)?;
    for (i, r) in s.ranges.iter().enumerate() {
        let a = r.assumption;
        let t = s.tornado.iter().find(|t| t.range.assumption == a);
        let m = &s.morris[i];
        let half = s.win.by_half[i];
        let row = vec![
            a.name().to_string(),
            a.field().to_string(),
            num(r.low),
            num(r.base),
            num(r.high),
            t.map_or(String::new(), |t| num(t.low().effect)),
            t.map_or(String::new(), |t| num(t.high().effect)),
            t.map_or(String::new(), |t| num(t.swing)),
            t.map_or(String::new(), |t| {
                t.flips
                    .iter()
                    .map(|x| num(*x))
                    .collect::<Vec<_>>()
                    .join(" ")
            }),
            num(m.mu_star),
            num(m.mu_star_se),
            num(m.mu),
            num(m.sigma),
            half.lower.wins.to_string(),
            half.lower.draws.to_string(),
            half.upper.wins.to_string(),
            half.upper.draws.to_string(),
            s.objective.name().to_string(),
        ];
        sheet.row(&row)?;
    }
    sheet.finish()
}

/// The self-contained HTML page: the headline, the tornado chart and the tables.
pub fn page(s: &Sensitivity, h: &Header<'_>, lang: Lang) -> Result<String> {
    let mut doc = Document::new(
        format!(
            "{}: {} − {}",
            tr(lang, "Sensitivity", "敏感性分析"),
            h.first,
            h.second
        ),
        format!(
            "{} · {}: {} · seed: {} · {}: {}",
            h.source,
            tr(lang, "replications per point", "每点重复次数"),
            s.replications,
            s.seed,
            tr(lang, "points", "点数"),
            s.points
        ),
        lang,
    );
    let mut answer = Section::new(tr(lang, "The answer", "结论")).callout(headline(s, h, lang));
    let stops = stops_winning(s, lang);
    if stops.is_empty() {
        answer = answer.paragraph(tr(
            lang,
            "Moved one at a time across its range, no assumption changes the sign of the difference.",
            "单独在其范围内变动时，没有任何假设使差值变号。",
        ));
    } else {
        for line in stops {
            answer = answer.paragraph(line);
        }
    }
    if s.unsettled > 0 {
        answer = answer.paragraph(format!(
            "{} {} / {}",
            tr(
                lang,
                "Points where a plan's behaviour had no equilibrium:",
                "行为没有均衡的点："
            ),
            s.unsettled,
            s.points
        ));
    }
    doc.push(answer);

    let axis = if is_share(s) {
        Axis::Percent
    } else {
        Axis::Amount
    };
    let bars: Vec<TornadoBar> = s
        .tornado
        .iter()
        .map(|t| TornadoBar {
            name: t.range.assumption.name().into(),
            low: t.low().effect,
            high: t.high().effect,
        })
        .collect();
    let x_label = format!(
        "{} ({} − {}){}",
        s.objective.name(),
        h.first,
        h.second,
        if is_share(s) { ", pp" } else { "" }
    );
    let svg = charts::tornado(
        &Labels {
            title: tr(lang, "One assumption at a time", "逐一变动假设"),
            x: &x_label,
            y: "",
        },
        &bars,
        s.base.effect,
        axis,
        (
            tr(lang, "at the low end", "取下限"),
            tr(lang, "at the high end", "取上限"),
            tr(lang, "at the scenario's values", "情景取值"),
        ),
    )?;
    let mut oat = Table::new([
        tr(lang, "assumption", "假设"),
        tr(lang, "low", "下限"),
        tr(lang, "high", "上限"),
        tr(lang, "effect at low", "下限处差值"),
        tr(lang, "effect at high", "上限处差值"),
        tr(lang, "swing", "摆幅"),
        tr(lang, "sign changes at", "变号点"),
    ]);
    for t in &s.tornado {
        let a = t.range.assumption;
        oat.push([
            a.name().to_string(),
            value_text(a, t.range.low),
            value_text(a, t.range.high),
            effect_text(s, t.low().effect),
            effect_text(s, t.high().effect),
            size_text(s, t.swing),
            flips_text(a, &t.flips),
        ]);
    }
    doc.push(
        Section::new(tr(lang, "One at a time", "逐一变动"))
            .chart(
                svg,
                tr(
                    lang,
                    "Each bar: the difference with one assumption at its low or high end, the others at the scenario's values; paired on common random numbers.",
                    "每条：一个假设取下限或上限、其余取情景值时的差值；基于共同随机数配对。",
                ),
            )
            .table(oat),
    );

    let mut morris = Table::new([tr(lang, "assumption", "假设"), "mu*", "± se", "mu", "sigma"]);
    for m in &s.morris {
        morris.push([
            m.assumption.name().to_string(),
            size_text(s, m.mu_star),
            size_text(s, m.mu_star_se),
            effect_text(s, m.mu),
            size_text(s, m.sigma),
        ]);
    }
    doc.push(
        Section::new(tr(lang, "All assumptions together: Morris screening", "全部假设同时变动：Morris 筛选"))
            .paragraph(format!(
                "{} {} {}, {} {}.",
                tr(
                    lang,
                    "mu* is the mean absolute change of the difference when an assumption moves across its whole range while the others vary too; sigma its spread (interactions, curvature);",
                    "mu* 为某假设在整个范围内变动（其余假设同时变动）时差值的平均绝对变化；sigma 为其离散程度（交互作用、非线性）；"
                ),
                s.trajectories,
                tr(lang, "trajectories", "条轨迹"),
                s.levels,
                tr(lang, "levels", "个水平")
            ))
            .table(morris),
    );

    let mut wins = Table::new([
        tr(lang, "assumption", "假设"),
        tr(lang, "lower half: wins", "下半区：胜出"),
        tr(lang, "upper half: wins", "上半区：胜出"),
    ]);
    let share = |w: Wins| format!("{} / {}", w.wins, w.draws);
    for h in &s.win.by_half {
        wins.push([
            h.assumption.name().to_string(),
            share(h.lower),
            share(h.upper),
        ]);
    }
    doc.push(
        Section::new(tr(lang, "How often it still wins", "仍然胜出的频率"))
            .paragraph(headline(s, h, lang))
            .table(wins),
    );
    Ok(doc.render())
}
