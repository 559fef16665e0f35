//! SVG charts for the HTML report, drawn with plotters: overlaid histograms, a
//! scatter with means and a budget line, line charts and lines with bands.
//!
//! Each function returns one standalone SVG document; labels are given by the
//! caller in the report's language.

use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use crate::format::grouped;
use crate::{Error, Result};

/// Chart size in pixels.
pub const SIZE: (u32, u32) = (880, 420);

/// The series colours, in order.
pub const PALETTE: [RGBColor; 6] = [
    RGBColor(37, 99, 235),
    RGBColor(220, 38, 38),
    RGBColor(22, 163, 74),
    RGBColor(234, 88, 12),
    RGBColor(147, 51, 234),
    RGBColor(8, 145, 178),
];

/// The colour of series `i`.
pub fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// How an axis's numbers are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Axis {
    /// Shares as percentages (0.12 is 12 %).
    Percent,
    /// Amounts with thousands separators.
    Amount,
    /// Whole numbers (periods).
    Whole,
}

impl Axis {
    /// Formats one tick label.
    pub fn label(self, x: f64) -> String {
        // Three significant digits, and no "-0".
        let sig3 = |v: f64| {
            let a = v.abs();
            let d = if a < 10.0 {
                2
            } else if a < 100.0 {
                1
            } else {
                0
            };
            let s = format!("{v:.d$}");
            if s.trim_start_matches('-')
                .chars()
                .all(|c| c == '0' || c == '.')
            {
                s.trim_start_matches('-').to_string()
            } else {
                s
            }
        };
        match self {
            Axis::Percent => {
                let s = format!("{:.0}", 100.0 * x);
                format!("{}%", if s == "-0" { "0" } else { &s })
            }
            Axis::Amount => {
                let a = x.abs();
                if a == 0.0 {
                    "0".into()
                } else if a >= 1e9 {
                    format!("{}G", sig3(x / 1e9))
                } else if a >= 1e6 {
                    format!("{}M", sig3(x / 1e6))
                } else if a >= 1e4 {
                    format!("{}k", sig3(x / 1e3))
                } else {
                    grouped(x, if a < 10.0 { 2 } else { 0 })
                }
            }
            Axis::Whole if (x - x.round()).abs() > 1e-6 => String::new(),
            Axis::Whole => format!("{}", x.round() as i64),
        }
    }
}

/// Titles of a chart.
pub struct Labels<'a> {
    /// Caption at the top.
    pub title: &'a str,
    /// The x axis.
    pub x: &'a str,
    /// The y axis.
    pub y: &'a str,
}

fn fail<E: std::error::Error + Send + Sync + 'static>(e: E) -> Error {
    Error::Chart {
        chart: "a chart",
        source: Box::new(e),
    }
}

/// The finite range of `values`, widened a little (and made non-empty).
fn range(values: impl Iterator<Item = f64>, pad: f64) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let width = hi - lo;
    let p = if width > 0.0 {
        width * pad
    } else {
        (lo.abs() * 0.05).max(1e-9)
    };
    (lo - p, hi + p)
}

/// A chart of the report: an SVG drawing with two real axes.
type Chart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Draws a black vertical line at `x` from `y.0` to `y.1`, named `name` in the legend.
fn vertical_line(chart: &mut Chart<'_, '_>, x: f64, y: (f64, f64), name: &str) -> Result<()> {
    chart
        .draw_series(LineSeries::new(
            vec![(x, y.0), (x, y.1)],
            BLACK.stroke_width(2),
        ))
        .map_err(fail)?
        .label(name)
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 14, y)], BLACK.stroke_width(2)));
    Ok(())
}

/// Draws the legend of the named series at `position`.
fn legend<'a, 'b: 'a>(chart: &mut Chart<'a, 'b>, position: SeriesLabelPosition) -> Result<()> {
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .draw()
        .map_err(fail)
}

/// A legend swatch of colour `c`.
fn swatch(c: RGBColor) -> impl Fn((i32, i32)) -> Rectangle<(i32, i32)> {
    move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], c.filled())
}

/// The axes of a chart: their ranges and how their ticks are labelled.
struct Frame<'f> {
    /// The x axis's range.
    x: (f64, f64),
    /// The y axis's range.
    y: (f64, f64),
    /// Pixels left of the plot for the y axis's labels.
    y_area: u32,
    /// Ticks on the x axis, when not plotters' own choice.
    x_ticks: Option<usize>,
    /// The x axis's tick labels.
    x_label: &'f dyn Fn(&f64) -> String,
    /// The y axis's tick labels.
    y_label: &'f dyn Fn(&f64) -> String,
}

/// One chart of the report's size: its caption and axes from `labels` and `frame`,
/// the series `draw` puts in it, then their legend at `legend_at`.
fn plot(
    labels: &Labels<'_>,
    frame: &Frame<'_>,
    legend_at: SeriesLabelPosition,
    draw: impl FnOnce(&mut Chart<'_, '_>) -> Result<()>,
) -> Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(fail)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(labels.title, ("sans-serif", 20))
            .margin(14)
            .x_label_area_size(44)
            .y_label_area_size(frame.y_area)
            .build_cartesian_2d(frame.x.0..frame.x.1, frame.y.0..frame.y.1)
            .map_err(fail)?;
        let mut mesh = chart.configure_mesh();
        mesh.x_desc(labels.x)
            .y_desc(labels.y)
            .x_label_formatter(frame.x_label)
            .y_label_formatter(frame.y_label)
            .light_line_style(WHITE.mix(0.0));
        if let Some(ticks) = frame.x_ticks {
            mesh.x_labels(ticks);
        }
        mesh.draw().map_err(fail)?;
        draw(&mut chart)?;
        legend(&mut chart, legend_at)?;
        root.present().map_err(fail)?;
    }
    Ok(svg)
}

/// Overlaid histograms of several series on common bins, as shares of each series;
/// `marker` draws a vertical line (for example at 100 % of target).
pub fn histogram(
    labels: &Labels<'_>,
    series: &[(String, Vec<f64>)],
    x_axis: Axis,
    bins: usize,
    clip: Option<(f64, f64)>,
    marker: Option<(f64, &str)>,
) -> Result<String> {
    let all = series.iter().flat_map(|s| s.1.iter().copied());
    let (mut lo, mut hi) = range(all, 0.0);
    if let Some((a, b)) = clip {
        lo = lo.max(a);
        hi = hi.min(b).max(lo + 1e-9);
    }
    let bins = bins.max(1);
    let width = (hi - lo) / bins as f64;
    let shares: Vec<Vec<f64>> = series
        .iter()
        .map(|(_, v)| {
            let mut counts = vec![0.0; bins];
            let finite: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
            for x in &finite {
                let k = (((x - lo) / width).floor().max(0.0) as usize).min(bins - 1);
                counts[k] += 1.0;
            }
            let n = finite.len().max(1) as f64;
            counts.iter().map(|c| c / n).collect()
        })
        .collect();
    let top = shares
        .iter()
        .flatten()
        .cloned()
        .fold(0.0, f64::max)
        .max(1e-9)
        * 1.1;
    let frame = Frame {
        x: (lo, hi),
        y: (0.0, top),
        y_area: 64,
        x_ticks: None,
        x_label: &|x| x_axis.label(*x),
        y_label: &|y| format!("{:.0}%", 100.0 * y),
    };
    plot(labels, &frame, SeriesLabelPosition::UpperRight, |chart| {
        for (i, ((name, _), s)) in series.iter().zip(&shares).enumerate() {
            let c = color(i);
            chart
                .draw_series(
                    s.iter()
                        .enumerate()
                        .filter(|(_, &h)| h > 0.0)
                        .map(|(k, &h)| {
                            let x0 = lo + k as f64 * width;
                            Rectangle::new([(x0, 0.0), (x0 + width, h)], c.mix(0.35).filled())
                        }),
                )
                .map_err(fail)?
                .label(name.as_str())
                .legend(swatch(c));
            let mut outline = Vec::with_capacity(2 * bins + 2);
            outline.push((lo, 0.0));
            for (k, &h) in s.iter().enumerate() {
                outline.push((lo + k as f64 * width, h));
                outline.push((lo + (k + 1) as f64 * width, h));
            }
            outline.push((hi, 0.0));
            chart
                .draw_series(LineSeries::new(outline, c.stroke_width(2)))
                .map_err(fail)?;
        }
        if let Some((x, name)) = marker.filter(|(x, _)| *x >= lo && *x <= hi) {
            vertical_line(chart, x, (0.0, top), name)?;
        }
        Ok(())
    })
}

/// One cloud of points of a scatter chart.
pub struct Cloud {
    /// Legend name.
    pub name: String,
    /// The points.
    pub points: Vec<(f64, f64)>,
    /// The mean point, drawn large.
    pub mean: (f64, f64),
}

/// A scatter of point clouds with their means and, optionally, a vertical line (a budget).
pub fn scatter(
    labels: &Labels<'_>,
    clouds: &[Cloud],
    axes: (Axis, Axis),
    vline: Option<(f64, &str)>,
) -> Result<String> {
    let xs = clouds
        .iter()
        .flat_map(|c| c.points.iter().map(|p| p.0))
        .chain(vline.map(|v| v.0));
    let (x0, x1) = range(xs, 0.05);
    let (y0, y1) = range(
        clouds.iter().flat_map(|c| c.points.iter().map(|p| p.1)),
        0.08,
    );
    let frame = Frame {
        x: (x0, x1),
        y: (y0, y1),
        y_area: 70,
        x_ticks: None,
        x_label: &|x| axes.0.label(*x),
        y_label: &|y| axes.1.label(*y),
    };
    plot(labels, &frame, SeriesLabelPosition::UpperLeft, |chart| {
        for (i, cloud) in clouds.iter().enumerate() {
            let c = color(i);
            chart
                .draw_series(
                    cloud
                        .points
                        .iter()
                        .filter(|p| p.0.is_finite() && p.1.is_finite())
                        .map(|&p| Circle::new(p, 2, c.mix(0.35).filled())),
                )
                .map_err(fail)?
                .label(cloud.name.as_str())
                .legend(swatch(c));
            if cloud.mean.0.is_finite() && cloud.mean.1.is_finite() {
                chart
                    .draw_series(std::iter::once(Circle::new(
                        cloud.mean,
                        8,
                        ShapeStyle::from(&c).filled(),
                    )))
                    .map_err(fail)?;
                chart
                    .draw_series(std::iter::once(Circle::new(
                        cloud.mean,
                        8,
                        BLACK.stroke_width(2),
                    )))
                    .map_err(fail)?;
            }
        }
        if let Some((x, name)) = vline {
            vertical_line(chart, x, (y0, y1), name)?;
        }
        Ok(())
    })
}

/// One line of a line chart, with an optional band around it.
pub struct Line {
    /// Legend name.
    pub name: String,
    /// The points.
    pub points: Vec<(f64, f64)>,
    /// Lower and upper edges of the band at each point, if any.
    pub band: Option<Vec<(f64, f64)>>,
    /// Drawn dashed-looking (thinner) when true, for a total or a reference.
    pub thin: bool,
}

/// Lines (payout curves, trajectories) with optional bands.
pub fn lines(
    labels: &Labels<'_>,
    series: &[Line],
    axes: (Axis, Axis),
    y_from_zero: bool,
) -> Result<String> {
    let xs = series.iter().flat_map(|s| s.points.iter().map(|p| p.0));
    let (x0, x1) = range(xs, 0.02);
    let ys: Vec<f64> = series
        .iter()
        .flat_map(|s| {
            s.points
                .iter()
                .map(|p| p.1)
                .chain(s.band.iter().flatten().flat_map(|b| [b.0, b.1]))
        })
        .collect();
    let (mut y0, y1) = range(ys.iter().copied().chain(y_from_zero.then_some(0.0)), 0.06);
    // Pay cannot be negative: start the axis at zero unless the data go below it.
    if y_from_zero && ys.iter().all(|y| !y.is_finite() || *y >= 0.0) {
        y0 = 0.0;
    }
    let frame = Frame {
        x: (x0, x1),
        y: (y0, y1),
        y_area: 70,
        x_ticks: Some(if axes.0 == Axis::Whole {
            ((x1 - x0).round() as usize + 1).clamp(2, 25)
        } else {
            10
        }),
        x_label: &|x| axes.0.label(*x),
        y_label: &|y| axes.1.label(*y),
    };
    plot(labels, &frame, SeriesLabelPosition::UpperLeft, |chart| {
        for (i, s) in series.iter().enumerate() {
            let c = color(i);
            if let Some(band) = &s.band {
                let mut poly: Vec<(f64, f64)> = s
                    .points
                    .iter()
                    .zip(band)
                    .map(|(p, b)| (p.0, b.1.min(y1)))
                    .collect();
                poly.extend(
                    s.points
                        .iter()
                        .zip(band)
                        .rev()
                        .map(|(p, b)| (p.0, b.0.max(y0))),
                );
                chart
                    .draw_series(std::iter::once(Polygon::new(poly, c.mix(0.18).filled())))
                    .map_err(fail)?;
            }
            let width = if s.thin { 1 } else { 3 };
            chart
                .draw_series(LineSeries::new(
                    s.points.iter().copied().filter(|p| p.1.is_finite()),
                    c.stroke_width(width),
                ))
                .map_err(fail)?
                .label(s.name.as_str())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 14, y)], c.stroke_width(3))
                });
        }
        Ok(())
    })
}

/// One bar of a tornado chart: an input's name and the answer at its low and high ends.
pub struct TornadoBar {
    /// The input's name, at the left of its bar.
    pub name: String,
    /// The answer with the input at its low end.
    pub low: f64,
    /// The answer with the input at its high end.
    pub high: f64,
}

/// A tornado chart: one horizontal bar per input (the first at the top) from the
/// answer at `centre` to its value at the input's low end (first colour) and high end
/// (second colour), with a vertical line at the centre; `names` are the legend's
/// words for the low end, the high end and the centre.
pub fn tornado(
    labels: &Labels<'_>,
    bars: &[TornadoBar],
    centre: f64,
    x_axis: Axis,
    names: (&str, &str, &str),
) -> Result<String> {
    let n = bars.len().max(1);
    let (x0, x1) = range(
        bars.iter()
            .flat_map(|b| [b.low, b.high])
            .chain(std::iter::once(centre)),
        0.08,
    );
    // Bar i (from the top) is centred at y = n - 1 - i.
    let y_of = |i: usize| (n - 1 - i) as f64;
    let names_by_y: Vec<String> = bars.iter().map(|b| b.name.clone()).collect();
    let y_label = move |y: &f64| -> String {
        let k = y.round();
        if (y - k).abs() > 1e-6 || k < 0.0 || k as usize >= n {
            return String::new();
        }
        names_by_y
            .get(n - 1 - k as usize)
            .cloned()
            .unwrap_or_default()
    };
    let height = (SIZE.1).max(110 + 44 * n as u32);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (SIZE.0, height)).into_drawing_area();
        root.fill(&WHITE).map_err(fail)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(labels.title, ("sans-serif", 20))
            .margin(14)
            .x_label_area_size(44)
            .y_label_area_size(150)
            .build_cartesian_2d(x0..x1, -0.7..(n as f64 - 0.3))
            .map_err(fail)?;
        chart
            .configure_mesh()
            .x_desc(labels.x)
            .y_desc(labels.y)
            .x_label_formatter(&|x| x_axis.label(*x))
            .y_label_formatter(&y_label)
            .y_labels(2 * n + 1)
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(fail)?;
        for (end, c, name) in [(0, color(0), names.0), (1, color(1), names.1)] {
            chart
                .draw_series(bars.iter().enumerate().map(|(i, b)| {
                    let v = if end == 0 { b.low } else { b.high };
                    let y = y_of(i);
                    Rectangle::new([(centre, y - 0.3), (v, y + 0.3)], c.mix(0.7).filled())
                }))
                .map_err(fail)?
                .label(name)
                .legend(swatch(c));
        }
        vertical_line(&mut chart, centre, (-0.7, n as f64 - 0.3), names.2)?;
        legend(&mut chart, SeriesLabelPosition::LowerRight)?;
        root.present().map_err(fail)?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels() -> Labels<'static> {
        Labels {
            title: "T & <t>",
            x: "x",
            y: "收入",
        }
    }

    #[test]
    fn charts_are_svg_documents_with_their_series() {
        let h = histogram(
            &labels(),
            &[
                ("a".into(), vec![0.1, 0.2, 0.2, 0.3]),
                ("b".into(), vec![f64::NAN, 0.25]),
            ],
            Axis::Percent,
            10,
            None,
            Some((0.2, "mark")),
        )
        .unwrap();
        assert!(h.contains("<svg") && h.contains("</svg>") && h.contains("T &amp; &lt;t&gt;"));
        assert!(h.contains("收入"));
        let s = scatter(
            &labels(),
            &[Cloud {
                name: "plan".into(),
                points: vec![(1.0, 0.1), (2.0, 0.2)],
                mean: (1.5, 0.15),
            }],
            (Axis::Amount, Axis::Percent),
            Some((3.0, "budget")),
        )
        .unwrap();
        assert!(s.contains("budget") && s.contains("<circle"));
        let l = lines(
            &labels(),
            &[Line {
                name: "rev".into(),
                points: vec![(1.0, 5.0), (2.0, 6.0)],
                band: Some(vec![(4.0, 6.0), (5.0, 7.0)]),
                thin: false,
            }],
            (Axis::Whole, Axis::Amount),
            true,
        )
        .unwrap();
        assert!(l.contains("<polygon") || l.contains("<path"));
        // Empty data still draw.
        assert!(histogram(
            &labels(),
            &[("e".into(), vec![])],
            Axis::Amount,
            5,
            None,
            None
        )
        .is_ok());
    }

    #[test]
    fn axis_labels() {
        assert_eq!(Axis::Percent.label(0.126), "13%");
        assert_eq!(Axis::Amount.label(2_500_000.0), "2.50M");
        assert_eq!(Axis::Amount.label(1_350_000.0), "1.35M");
        assert_eq!(Axis::Amount.label(25_000.0), "25.0k");
        assert_eq!(Axis::Amount.label(0.0), "0");
        assert_eq!(Axis::Percent.label(-0.001), "0%");
        assert_eq!(Axis::Whole.label(2.5), "");
        assert_eq!(Axis::Amount.label(2_500.0), "2,500");
        assert_eq!(Axis::Whole.label(3.0), "3");
    }
}
