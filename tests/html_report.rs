//! The HTML reports of `run`, `compare`, `optimize` and `rounds` open in headless Chromium
//! with no console message (the page has no script, so any message is an error such
//! as a blocked network load), their charts are in the rendered DOM, and a
//! screenshot is not blank.
//!
//! Needs Debian's `chromium` (`.ci/run` installs it). Without it the test fails,
//! unless `PLANSIM_TEST_SKIP=chromium` is set: then it checks the pages without the
//! browser and says on stderr that the browser check was skipped.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{edited, missing, plansim, temp_dir};

fn small(dir: &Path, name: &str, edit: impl Fn(String) -> String) -> String {
    let text = edited(
        plansim_sim::scenario::DEFAULT_SCENARIO_TOML,
        &[
            ("size = 50 ", "size = 10 "),
            ("periods = 12 ", "periods = 6 "),
            ("incentive_cost = 4500000.0", "incentive_cost = 400000.0"),
        ],
    );
    let path = dir.join(name);
    std::fs::write(&path, edit(text)).unwrap();
    path.display().to_string()
}

/// The Chromium binary (`PLANSIM_CHROMIUM`, else Debian's), or None when it is not
/// installed and the person running the tests chose to skip the browser check
/// (`PLANSIM_TEST_SKIP=chromium`); without that choice a missing browser fails the test.
fn chromium() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("PLANSIM_CHROMIUM").map(PathBuf::from),
        Some(PathBuf::from("/usr/bin/chromium")),
        Some(PathBuf::from("/usr/bin/chromium-browser")),
    ];
    if let Some(found) = candidates.into_iter().flatten().find(|p| p.is_file()) {
        return Some(found);
    }
    missing(
        "chromium",
        "chromium is not installed (apt-get install chromium, or set PLANSIM_CHROMIUM): the reports are not opened in a browser",
    );
    None
}

/// What Chromium made of a page: the serialised DOM, its log and a screenshot.
struct Rendered {
    dom: String,
    log: String,
    png: PathBuf,
}

fn render(browser: &Path, html: &Path, dir: &Path) -> Rendered {
    let png = dir.join(format!(
        "{}.png",
        html.file_stem().unwrap().to_string_lossy()
    ));
    let profile = dir.join(format!(
        "profile-{}",
        html.file_stem().unwrap().to_string_lossy()
    ));
    let dom_path = profile.with_extension("dom.html");
    let log_path = profile.with_extension("log");
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--enable-logging=stderr",
            "--log-level=0",
            "--window-size=1200,3000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", html.canonicalize().unwrap().display()))
        .stdin(Stdio::null())
        // Files, not pipes: the DOM and the log are larger than a pipe's buffer.
        .stdout(std::fs::File::create(&dom_path).unwrap())
        .stderr(std::fs::File::create(&log_path).unwrap())
        .spawn()
        .expect("chromium starts");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("chromium did not finish within 120 s on {}", html.display());
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let log = String::from_utf8_lossy(&std::fs::read(&log_path).unwrap()).into_owned();
    assert!(
        status.success(),
        "chromium failed on {}: {log}",
        html.display()
    );
    Rendered {
        dom: String::from_utf8_lossy(&std::fs::read(&dom_path).unwrap()).into_owned(),
        log,
        png,
    }
}

/// Share of pixels that are not white, and of strongly coloured (chart series) ones.
fn ink(png: &Path) -> (f64, f64) {
    let decoder = png::Decoder::new(std::fs::File::open(png).expect("a screenshot"));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = match info.color_type {
        png::ColorType::Rgba => 4,
        png::ColorType::Rgb => 3,
        other => panic!("unexpected screenshot colour type {other:?}"),
    };
    assert_eq!(info.bit_depth, png::BitDepth::Eight);
    let pixels = buf[..info.buffer_size()].chunks(channels);
    let (mut total, mut inked, mut coloured) = (0usize, 0usize, 0usize);
    for p in pixels {
        total += 1;
        let (r, g, b) = (p[0] as i32, p[1] as i32, p[2] as i32);
        if r < 235 || g < 235 || b < 235 {
            inked += 1;
        }
        if (r - g).abs().max((g - b).abs()).max((r - b).abs()) > 80 {
            coloured += 1;
        }
    }
    (inked as f64 / total as f64, coloured as f64 / total as f64)
}

fn check_page(
    browser: Option<&Path>,
    html: &Path,
    dir: &Path,
    charts: usize,
    must_contain: &[&str],
) {
    let text = std::fs::read_to_string(html).expect("the report was written");
    assert!(text.starts_with("<!DOCTYPE html>"));
    assert_eq!(text.matches("<svg").count(), charts, "{}", html.display());
    for s in must_contain {
        assert!(text.contains(s), "{} lacks {s}", html.display());
    }
    // Self-contained: nothing loaded from anywhere, and the browser forbids it.
    assert!(text.contains("default-src 'none'"));
    for load in [
        "src=\"", "href=\"", "url(", "@import", "<script", "<link", "<img", "<iframe",
    ] {
        assert!(!text.contains(load), "{} contains {load}", html.display());
    }
    let Some(browser) = browser else { return };
    let page = render(browser, html, dir);
    let console: Vec<&str> = page
        .log
        .lines()
        .filter(|l| l.contains(":CONSOLE") || l.contains("Uncaught"))
        .collect();
    assert!(
        console.is_empty(),
        "console messages on {}: {console:#?}",
        html.display()
    );
    assert_eq!(
        page.dom.matches("<svg").count(),
        charts,
        "charts in the rendered DOM of {}",
        html.display()
    );
    assert!(page.dom.contains("<figcaption>"));
    let (inked, coloured) = ink(&page.png);
    assert!(
        inked > 0.05,
        "{}: the screenshot is blank ({inked})",
        html.display()
    );
    assert!(
        coloured > 0.002,
        "{}: no chart colour in the screenshot ({coloured})",
        html.display()
    );
}

#[test]
fn reports_open_in_a_headless_browser_with_their_charts() {
    let browser = chromium();
    let dir = temp_dir("pages");
    let a = small(&dir, "current.toml", |t| t);
    let b = small(&dir, "richer.toml", |t| {
        edited(&t, &[("amount = 200.0 ", "amount = 600.0 ")])
    });

    // run: growth, cost-growth, two payout charts, attainment, trajectories.
    let run_html = dir.join("run.html");
    let o = plansim(&[
        "run",
        &a,
        "-n",
        "200",
        "--report",
        run_html.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    check_page(
        browser.as_deref(),
        &run_html,
        &dir,
        6,
        &[
            "Distribution of revenue growth",
            "Pay against attainment",
            "Budget",
        ],
    );
    // The report is not written over without --force.
    let again = plansim(&[
        "run",
        &a,
        "-n",
        "50",
        "--report",
        run_html.to_str().unwrap(),
    ]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("--report"));

    // compare, in Chinese: two payout charts.
    let cmp_html = dir.join("compare.html");
    let o = plansim(&[
        "compare",
        &a,
        &b,
        "-n",
        "300",
        "--report",
        cmp_html.to_str().unwrap(),
        "--lang",
        "zh",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    check_page(
        browser.as_deref(),
        &cmp_html,
        &dir,
        6,
        &[
            "lang=\"zh-CN\"",
            "收入增长分布",
            "最优概率",
            "richer",
            "单次实现中成本超出预算的概率",
        ],
    );

    // optimize: the search's progress and three plans' payout charts.
    let opt_html = dir.join("optimize.html");
    let o = plansim(&[
        "optimize",
        &a,
        "-n",
        "64",
        "--max-evals",
        "8",
        "--budget",
        "400000",
        "--report",
        opt_html.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    check_page(
        browser.as_deref(),
        &opt_html,
        &dir,
        8,
        &[
            "Search progress",
            "Best",
            "Against the budget: expected cost",
            "P(cost &gt; budget) in one realisation = ",
        ],
    );

    // rounds, in Chinese: the headline's two fan charts of every policy, then two per
    // policy (static, rule, reoptimize).
    let rounds_html = dir.join("rounds.html");
    let template = edited(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scenarios/template-monitoring.toml"
        ))
        .unwrap(),
        &[
            ("size = 50 ", "size = 8 "),
            ("reoptimize_evaluations = 20", "reoptimize_evaluations = 5"),
            (
                "reoptimize_replications = 96",
                "reoptimize_replications = 8",
            ),
        ],
    );
    let t = dir.join("template.toml");
    std::fs::write(&t, template).unwrap();
    let o = plansim(&[
        "rounds",
        t.to_str().unwrap(),
        "-n",
        "30",
        "--rounds",
        "3",
        "--compare-policies",
        "--report",
        rounds_html.to_str().unwrap(),
        "--lang",
        "zh",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    check_page(
        browser.as_deref(),
        &rounds_html,
        &dir,
        8,
        &[
            "监控与调整轮次",
            "策略",
            "目标",
            "轮数",
            "每轮期数",
            "模拟次数",
        ],
    );
    // The page opens with its answer: the policies compared, before any one policy.
    let text = std::fs::read_to_string(&rounds_html).unwrap();
    let headline = text
        .find("各策略在相同随机数下的对比")
        .expect("the headline");
    let first_policy = text
        .find("策略: static")
        .expect("the static policy's section");
    assert!(headline < first_policy, "the comparison opens the page");
    assert!(!text.contains("rounds of"), "the subtitle is in Chinese");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The RGB(A) pixels of a screenshot.
fn pixels(png: &Path) -> Vec<u8> {
    let decoder = png::Decoder::new(std::fs::File::open(png).expect("a screenshot"));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    buf.truncate(info.buffer_size());
    buf
}

/// True for a character of the Chinese pages' text: CJK ideographs and punctuation,
/// and full-width forms.
fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3000}'..='\u{303f}' | '\u{4e00}'..='\u{9fff}' | '\u{ff00}'..='\u{ffef}')
}

/// A Chinese page shows Chinese glyphs, not the boxes a machine without a CJK font
/// draws: its screenshot differs from that of the same page with every Chinese
/// character replaced by a private-use character, which no font draws (a box). Without
/// a CJK font (Debian's `fonts-noto-cjk`, which `.ci/run` installs) both pages are the
/// same boxes, and the test fails.
#[test]
fn chinese_pages_render_glyphs_not_boxes() {
    let Some(browser) = chromium() else {
        return;
    };
    let dir = temp_dir("zh-glyphs");
    let a = small(&dir, "current.toml", |t| t);
    let zh = dir.join("zh.html");
    let o = plansim(&[
        "run",
        &a,
        "-n",
        "64",
        "--report",
        zh.to_str().unwrap(),
        "--lang",
        "zh",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(&zh).unwrap();
    let cjk = text.chars().filter(|&c| is_cjk(c)).count();
    assert!(cjk > 100, "the zh page has Chinese text ({cjk} characters)");
    let boxes: String = text
        .chars()
        .map(|c| if is_cjk(c) { '\u{e000}' } else { c })
        .collect();
    let boxed = dir.join("boxes.html");
    std::fs::write(&boxed, boxes).unwrap();
    let (glyphs, tofu) = (
        pixels(&render(&browser, &zh, &dir).png),
        pixels(&render(&browser, &boxed, &dir).png),
    );
    assert_eq!(glyphs.len(), tofu.len(), "screenshots of one size");
    let differing = glyphs
        .chunks(4)
        .zip(tofu.chunks(4))
        .filter(|(g, t)| g != t)
        .count();
    assert!(
        differing > 2000,
        "the Chinese page looks like boxes: only {differing} pixels differ from the page whose \
         Chinese is replaced by boxes (is a CJK font installed? apt-get install fonts-noto-cjk)"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
