//! A self-contained HTML report: sections of paragraphs, tables and inline SVG
//! charts in one file that fetches nothing (a Content-Security-Policy forbids any
//! load), built by every report's page (`run`, `compare`, `optimize`, `rounds`)
//! from [`Section`]s.
//!
//! ```text
//! let mut doc = Document::new("Title", "subtitle", Lang::En);
//! doc.push(Section::new("Summary").paragraph("...").chart(svg, "caption").table(table));
//! let page: String = doc.render();
//! ```

use std::fmt::Write;

use plansim_analysis::warnings::Warnings;

use crate::i18n::{Lang, T};

/// The subtitle of a page of simulated results: where they came from, then the
/// replications, seed, reps and periods.
pub fn subtitle(
    lang: Lang,
    source: &str,
    replications: u64,
    seed: u64,
    reps: usize,
    periods: u32,
) -> String {
    format!(
        "{source} · {}: {replications} · {}: {seed} · {}: {reps} · {}: {periods}",
        T::Replications.text(lang),
        T::Seed.text(lang),
        T::Reps.text(lang),
        T::Periods.text(lang)
    )
}

/// Escapes text for HTML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A table of text cells; the first column is left-aligned, the others right-aligned.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    /// Column headers.
    pub headers: Vec<String>,
    /// Rows of cells.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these headers and no rows.
    pub fn new<S: Into<String>>(headers: impl IntoIterator<Item = S>) -> Self {
        Table {
            headers: headers.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    /// Appends a row in place.
    pub fn push<S: Into<String>>(&mut self, cells: impl IntoIterator<Item = S>) {
        self.rows.push(cells.into_iter().map(Into::into).collect());
    }
}

/// One piece of a section.
#[derive(Clone, Debug, PartialEq)]
pub enum Block {
    /// A paragraph of text.
    Paragraph(String),
    /// A highlighted sentence (a verdict, a headline).
    Callout(String),
    /// An SVG chart with its caption.
    Chart {
        /// The SVG document.
        svg: String,
        /// Caption under the chart.
        caption: String,
    },
    /// A table.
    Table(Table),
}

/// A titled section.
#[derive(Clone, Debug, PartialEq)]
pub struct Section {
    /// Heading.
    pub heading: String,
    /// Contents in order.
    pub blocks: Vec<Block>,
}

impl Section {
    /// An empty section.
    pub fn new(heading: impl Into<String>) -> Self {
        Section {
            heading: heading.into(),
            blocks: Vec::new(),
        }
    }

    /// Appends a paragraph.
    pub fn paragraph(mut self, text: impl Into<String>) -> Self {
        self.blocks.push(Block::Paragraph(text.into()));
        self
    }

    /// Appends a highlighted sentence.
    pub fn callout(mut self, text: impl Into<String>) -> Self {
        self.blocks.push(Block::Callout(text.into()));
        self
    }

    /// Appends a chart.
    pub fn chart(mut self, svg: String, caption: impl Into<String>) -> Self {
        self.blocks.push(Block::Chart {
            svg,
            caption: caption.into(),
        });
        self
    }

    /// Appends a table.
    pub fn table(mut self, table: Table) -> Self {
        self.blocks.push(Block::Table(table));
        self
    }
}

/// A whole report.
#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    /// Title.
    pub title: String,
    /// Subtitle under the title (what was run).
    pub subtitle: String,
    /// Language.
    pub lang: Lang,
    /// Warnings shown in a box above every section (none: no box).
    pub warnings: Vec<String>,
    /// Sections in order.
    pub sections: Vec<Section>,
}

const STYLE: &str = "
body{font-family:-apple-system,'Segoe UI','Noto Sans','Noto Sans CJK SC','PingFang SC','Microsoft YaHei',sans-serif;margin:0;background:#f6f7f9;color:#1d2330}
main{max-width:1100px;margin:0 auto;padding:24px 28px 48px}
h1{font-size:26px;margin:8px 0 4px}
.sub{color:#5b6474;margin:0 0 20px}
section{background:#fff;border:1px solid #e2e5ea;border-radius:8px;padding:16px 20px;margin:18px 0}
h2{font-size:19px;margin:4px 0 12px}
p{line-height:1.5}
.warnings{background:#fff4e5;border:2px solid #c2410c;border-radius:8px;padding:10px 20px;margin:18px 0;color:#7c2d12}
.warnings h2{color:#9a3412}
.callout{font-size:17px;font-weight:600;border-left:4px solid #2563eb;padding:6px 12px;background:#eef3fe}
figure{margin:12px 0;text-align:center}
figure svg{max-width:100%;height:auto}
figcaption{color:#5b6474;font-size:13px;margin-top:4px}
table{border-collapse:collapse;width:100%;font-size:13px;margin:8px 0}
th,td{padding:5px 8px;border-bottom:1px solid #e8eaee;text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left;white-space:normal}
th{background:#f0f2f5}
.scroll{overflow-x:auto}
footer{color:#5b6474;font-size:12px;margin-top:24px}
";

impl Document {
    /// An empty report.
    pub fn new(title: impl Into<String>, subtitle: impl Into<String>, lang: Lang) -> Self {
        Document {
            title: title.into(),
            subtitle: subtitle.into(),
            lang,
            warnings: Vec::new(),
            sections: Vec::new(),
        }
    }

    /// Shows `warnings` in a box above every section.
    pub fn warn(&mut self, warnings: &Warnings) {
        self.warnings
            .extend(crate::warnings::texts(warnings, self.lang));
    }

    /// Appends a section.
    pub fn push(&mut self, section: Section) {
        self.sections.push(section);
    }

    /// The HTML page.
    pub fn render(&self) -> String {
        let mut h = String::new();
        let _ = write!(
            h,
            "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n\
             <title>{}</title>\n<style>{}</style>\n</head>\n<body>\n<main>\n<h1>{}</h1>\n<p class=\"sub\">{}</p>\n",
            self.lang.code(),
            escape(&self.title),
            STYLE,
            escape(&self.title),
            escape(&self.subtitle)
        );
        if !self.warnings.is_empty() {
            let _ = writeln!(
                h,
                "<div class=\"warnings\" role=\"alert\">\n<h2>{}</h2>\n<ul>",
                escape(T::Warnings.text(self.lang))
            );
            for w in &self.warnings {
                let _ = writeln!(h, "<li>{}</li>", escape(w));
            }
            h.push_str("</ul>\n</div>\n");
        }
        for s in &self.sections {
            let _ = writeln!(h, "<section>\n<h2>{}</h2>", escape(&s.heading));
            for b in &s.blocks {
                match b {
                    Block::Paragraph(t) => {
                        let _ = writeln!(h, "<p>{}</p>", escape(t));
                    }
                    Block::Callout(t) => {
                        let _ = writeln!(h, "<p class=\"callout\">{}</p>", escape(t));
                    }
                    Block::Chart { svg, caption } => {
                        let _ = writeln!(
                            h,
                            "<figure class=\"chart\">\n{}\n<figcaption>{}</figcaption>\n</figure>",
                            strip_xml_declaration(svg),
                            escape(caption)
                        );
                    }
                    Block::Table(t) => render_table(&mut h, t),
                }
            }
            h.push_str("</section>\n");
        }
        let _ = write!(
            h,
            "<footer>{} plansim {}</footer>\n</main>\n</body>\n</html>\n",
            escape(T::Footer.text(self.lang)),
            env!("CARGO_PKG_VERSION")
        );
        h
    }
}

fn strip_xml_declaration(svg: &str) -> &str {
    match svg.find("<svg") {
        Some(i) => &svg[i..],
        None => svg,
    }
}

fn render_table(h: &mut String, t: &Table) {
    h.push_str("<div class=\"scroll\"><table>\n<thead><tr>");
    for c in &t.headers {
        let _ = write!(h, "<th>{}</th>", escape(c));
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    for row in &t.rows {
        h.push_str("<tr>");
        for c in row {
            let _ = write!(h, "<td>{}</td>", escape(c));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody></table></div>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_escaped_text_tables_and_charts_without_network_loads() {
        let mut d = Document::new("A <b> & \"c\"", "sub", Lang::Zh);
        d.push(
            Section::new("S1")
                .paragraph("x < y")
                .callout("best")
                .chart(
                    "<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"></svg>"
                        .into(),
                    "cap",
                )
                .table({
                    let mut t = Table::new(["m", "v"]);
                    t.push(["=1", "2"]);
                    t
                }),
        );
        let h = d.render();
        assert!(h.starts_with("<!DOCTYPE html>"));
        assert!(h.contains("<html lang=\"zh-CN\">"));
        assert!(h.contains("A &lt;b&gt; &amp; &quot;c&quot;"));
        assert!(h.contains("<p>x &lt; y</p>"));
        assert!(h.contains("<figure class=\"chart\">\n<svg"));
        assert!(!h.contains("<?xml"));
        assert!(h.contains("<td>=1</td><td>2</td>"));
        assert!(h.contains("default-src 'none'"));
        assert!(!h.contains("src=\"http") && !h.contains("href=\"http"));
        assert_eq!(h.matches("<figure").count(), 1);
        assert!(!h.contains("class=\"warnings\""));
    }

    #[test]
    fn warnings_come_in_a_box_before_every_section() {
        let mut d = Document::new("T", "sub", Lang::Zh);
        d.push(Section::new("S1").paragraph("x"));
        d.warnings.push("a < b".into());
        let h = d.render();
        let (box_at, section_at) = (
            h.find("<div class=\"warnings\" role=\"alert\">").unwrap(),
            h.find("<section>").unwrap(),
        );
        assert!(box_at < section_at);
        assert!(h.contains("<h2>警告</h2>\n<ul>\n<li>a &lt; b</li>"));
    }
}
