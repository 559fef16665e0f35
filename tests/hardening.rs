//! Hardened inputs of the command line: runs too big for memory are refused before
//! they start, absurd flags get clear errors, and Ctrl-C leaves no output file.

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

use common::{edited, missing, plansim, stderr, stdout, temp_dir};

fn has_meminfo() -> bool {
    std::fs::read_to_string("/proc/meminfo").is_ok_and(|t| t.contains("MemAvailable"))
}

/// Asserts that `o` is a refusal before any work: exit code 2 and one line on stderr,
/// the error (no progress, no note of work done), containing each of `expected`.
///
/// Each refused command is one that cannot finish (10^14 replications, or a team's
/// behaviour of hundreds of gigabytes): a refusal after starting the work would hang
/// or abort on a failed allocation instead of exiting 2, so no clock is needed.
fn assert_refused_at_once(args: &[&str], o: &std::process::Output, expected: &[&str]) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
    let lines: Vec<&str> = err.lines().collect();
    assert!(
        lines.len() == 1 && lines[0].starts_with("error: "),
        "{args:?}: more than the refusal on stderr: {err}"
    );
    for e in expected {
        assert!(err.contains(e), "{args:?}: `{e}` not in {err}");
    }
}

#[test]
fn runs_that_would_not_fit_in_memory_are_refused_before_they_start() {
    if !has_meminfo() {
        missing(
            "meminfo",
            "no MemAvailable in /proc/meminfo: the memory refusal is not checked on this system",
        );
        return;
    }
    let dir = temp_dir("memory");
    let out = dir.join("out").display().to_string();
    let file = dir.join("out.file").display().to_string();
    let variant = dir.join("variant.toml").display().to_string();
    std::fs::write(&variant, plansim_sim::scenario::DEFAULT_SCENARIO_TOML).unwrap();
    let batch_dir = dir.join("plans");
    std::fs::create_dir_all(&batch_dir).unwrap();
    std::fs::write(
        batch_dir.join("a.toml"),
        plansim_sim::scenario::DEFAULT_SCENARIO_TOML,
    )
    .unwrap();
    let plans = batch_dir.display().to_string();
    // 10^14 replications keep ~58 PB of metrics where every replication's metrics are
    // kept (--out, --report, shards, compare, rounds, optimize): no machine has that.
    // Without them (run, batch, bench) memory does not grow with replications and
    // nothing is refused (analysis/src/memory.rs tests that the estimate is flat).
    const HUGE: &str = "100000000000000";
    for (args, flag) in [
        (
            vec!["compare", &variant, &variant, "-n", HUGE],
            "lower --replications",
        ),
        (
            vec!["rounds", "-n", HUGE, "--out", &out],
            "lower --replications",
        ),
        (
            vec!["rounds", "-n", HUGE, "--shard", "1/2", "--out", &out],
            "raise N",
        ),
        (
            vec!["run", "-n", HUGE, "--out", &out],
            "without --out, --report and --xlsx memory does not grow",
        ),
        (
            vec!["run", "-n", HUGE, "--report", &file],
            "without --out, --report and --xlsx memory does not grow",
        ),
        (
            vec!["run", "-n", HUGE, "--shard", "1/2", "--out", &out],
            "raise N",
        ),
        (
            vec![
                "optimize",
                "-n",
                "1099511627776",
                "--max-evals",
                "2",
                "--out",
                &out,
                "--report",
                &file,
            ],
            "lower --replications",
        ),
    ] {
        let o = plansim(&args);
        assert_refused_at_once(&args, &o, &["of memory", flag]);
        assert!(!dir.join("out").exists(), "{args:?} created --out");
        assert!(!dir.join("out.file").exists(), "{args:?} wrote a file");
    }
    // 100,000 reps over 120 months: the reps' behaviour tables alone are ~74 GiB.
    let text = edited(
        plansim_sim::scenario::DEFAULT_SCENARIO_TOML,
        &[
            ("size = 50 ", "size = 100000 "),
            ("periods = 12 ", "periods = 120 "),
        ],
    );
    // Batch names the file whose behaviour does not fit.
    std::fs::write(batch_dir.join("a.toml"), &text).unwrap();
    let args = ["batch", plans.as_str(), "--out", file.as_str()];
    let o = plansim(&args);
    assert_refused_at_once(&args, &o, &["a.toml", "team.size"]);
    assert!(!dir.join("out.file").exists(), "batch wrote its --out");
    let file = dir.join("huge.toml");
    std::fs::write(&file, text).unwrap();
    let huge = file.display().to_string();
    for args in [
        vec!["run", &huge, "-n", "10"],
        vec!["bench", &huge, "-n", "10"],
    ] {
        let o = plansim(&args);
        assert_refused_at_once(
            &args,
            &o,
            &["reps' behaviour", "team.size", "simulation.periods"],
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// `bench` counts rep-periods (2 x replications x periods x reps) in 64 bits: a count
/// that does not fit is refused, not wrapped (release) or a panic (debug).
#[test]
fn bench_replications_whose_count_overflows_are_refused() {
    let dir = temp_dir("overflow");
    let baseline = dir.join("baseline.json").display().to_string();
    let max = u64::MAX.to_string();
    for args in [
        vec!["bench", "-n", max.as_str()],
        vec![
            "bench",
            "--check",
            "-n",
            max.as_str(),
            "--record",
            "--baseline",
            baseline.as_str(),
        ],
    ] {
        let o = plansim(&args);
        assert_refused_at_once(
            &args,
            &o,
            &["--replications", "64-bit", "lower --replications"],
        );
        assert!(!dir.join("baseline.json").exists(), "{args:?} wrote a file");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn absurd_flags_get_clear_errors() {
    for (args, expected) in [
        (vec!["run", "--threads", "0"], "from 1 to 4096"),
        (vec!["run", "--threads", "-2"], "from 1 to 4096"),
        (vec!["run", "--replications", "0"], "from 1 to"),
        (vec!["run", "-n", "-5"], "from 1 to"),
        (
            vec!["run", "--seed", "-1"],
            "from 0 to 18446744073709551615",
        ),
        (vec!["run", "--seed", "1e3"], "whole number"),
        (vec!["bench", "-n", "0"], "from 1 to"),
        (vec!["optimize", "--threads", "0"], "from 1 to 4096"),
        (vec!["optimize", "-n", "0"], "from 1 to"),
        (vec!["rounds", "--seed", "-1"], "from 0 to"),
        (vec!["rounds", "-n", "-5"], "from 1 to"),
        (
            vec!["compare", "a.toml", "b.toml", "--threads", "0"],
            "from 1 to 4096",
        ),
        (vec!["merge"], "SHARD"),
    ] {
        let o = plansim(&args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains(expected),
            "{args:?}: `{expected}` not in {err}"
        );
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
#[cfg(unix)]
fn ctrl_c_during_a_run_or_rounds_leaves_no_output_file() {
    let template = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/template-monitoring.toml"
    );
    // Each about a minute of work: long enough to be interrupted mid-run.
    for (name, args) in [
        ("run", vec!["run", "-n", "300000", "--threads", "1"]),
        (
            "rounds",
            vec!["rounds", template, "-n", "20000", "--threads", "1"],
        ),
    ] {
        let dir = temp_dir(&format!("sigint-{name}"));
        let out = dir.join("results");
        let child = Command::new(env!("CARGO_BIN_EXE_plansim"))
            .args(&args)
            .arg("--out")
            .arg(&out)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("plansim starts");
        std::thread::sleep(Duration::from_millis(1500));
        let kill = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(kill.success());
        let o = child.wait_with_output().unwrap();
        // Exit code 130 and the notice: the work was cut short, not finished (a run
        // that finished would exit 0 and leave its files).
        assert_eq!(o.status.code(), Some(130), "{name}: {}", stderr(&o));
        assert!(stderr(&o).contains("interrupted"), "{}", stderr(&o));
        let left: Vec<String> = std::fs::read_dir(&out)
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        assert!(left.is_empty(), "{name} left behind: {left:?}");
    }
}

#[test]
fn the_throughput_guard_records_and_fails_below_the_recorded_ratio() {
    let dir = temp_dir("guard");
    let baseline = dir.join("baseline.json").display().to_string();
    let quick = [
        "bench",
        "--check",
        "-n",
        "64",
        "--repeats",
        "5",
        "--baseline",
    ];
    let missing = plansim(&[&quick[..], &[baseline.as_str()]].concat());
    assert_eq!(missing.status.code(), Some(2), "{}", stderr(&missing));
    assert!(
        stderr(&missing).contains("--record"),
        "{}",
        stderr(&missing)
    );
    // A median of fewer than five repeats is refused.
    let few = plansim(&[
        "bench",
        "--check",
        "--repeats",
        "3",
        "--baseline",
        baseline.as_str(),
    ]);
    assert_eq!(few.status.code(), Some(2), "{}", stderr(&few));
    assert!(stderr(&few).contains("at least 5"), "{}", stderr(&few));
    let recorded = plansim(&[&quick[..], &[baseline.as_str(), "--record"]].concat());
    assert!(recorded.status.success(), "{}", stderr(&recorded));
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&baseline).unwrap()).unwrap();
    let ratio = doc["ratio"].as_f64().unwrap();
    let solve_ratio = doc["solve_ratio"].as_f64().unwrap();
    assert!(ratio > 0.0 && solve_ratio > 0.0, "{doc}");
    assert!(
        doc["machine"].is_string() && doc["commit"].is_string(),
        "{doc}"
    );
    let check = |doc: &serde_json::Value| {
        std::fs::write(&baseline, doc.to_string()).unwrap();
        plansim(&[&quick[..], &[baseline.as_str()]].concat())
    };
    // A recorded simulation ratio far above what this machine can reach fails the guard.
    let mut slow = doc.clone();
    slow["ratio"] = serde_json::json!(ratio * 1000.0);
    let o = check(&slow);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("throughput guard failed: the simulation ratio fell"),
        "{}",
        stderr(&o)
    );
    // So does a recorded solve ratio far above it: the solve is guarded on its own.
    let mut slow = doc.clone();
    slow["solve_ratio"] = serde_json::json!(solve_ratio * 1000.0);
    let o = check(&slow);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("the solve ratio fell") && !stderr(&o).contains("simulation ratio"),
        "{}",
        stderr(&o)
    );
    // Ratios far below this machine's pass, say the baseline should be recorded anew,
    // and a baseline from another machine is warned about.
    let mut fast = doc.clone();
    fast["ratio"] = serde_json::json!(ratio / 1000.0);
    fast["machine"] = serde_json::json!("Another CPU, 64 cores");
    let o = check(&fast);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("record the baseline anew"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert!(
        stderr(&o).contains("warning: this machine") && stderr(&o).contains("Another CPU"),
        "{}",
        stderr(&o)
    );
    // The same machine: no warning.
    let o = check(&doc);
    assert!(
        !stderr(&o).contains("warning: this machine"),
        "{}",
        stderr(&o)
    );
    // The record names the vector unit of the draws; a simulation ratio recorded on
    // another unit is not compared (and says so), while the solve ratio still is.
    assert!(doc["vector_unit"].is_string(), "{doc}");
    let mut other_unit = slow.clone();
    other_unit["ratio"] = serde_json::json!(ratio * 1000.0);
    other_unit["vector_unit"] = serde_json::json!("another-unit");
    let o = check(&other_unit);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("the solve ratio fell") && !stderr(&o).contains("simulation ratio"),
        "{}",
        stderr(&o)
    );
    let mut other_unit = doc.clone();
    other_unit["ratio"] = serde_json::json!(ratio * 1000.0);
    other_unit["vector_unit"] = serde_json::json!("another-unit");
    let o = check(&other_unit);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout)
            .contains("simulation ratio is not compared: it was recorded on the another-unit"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    // A baseline of an older plansim, without the unit, is compared as before.
    let mut older = doc.clone();
    older.as_object_mut().unwrap().remove("vector_unit");
    older["ratio"] = serde_json::json!(ratio * 1000.0);
    let o = check(&older);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
}

/// Waits for `child` at most `limit`; kills it and fails when it is still running.
fn finished_within(
    mut child: std::process::Child,
    limit: Duration,
    what: &str,
) -> std::process::Output {
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            panic!("{what}: still running after {limit:?} (blocked?)");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

#[test]
#[cfg(unix)]
fn a_fifo_or_a_folder_given_as_the_scenario_or_roster_is_refused_at_once() {
    let dir = temp_dir("fifo");
    let fifo = dir.join("plan.toml");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let fifo = fifo.display().to_string();
    let folder = dir.display().to_string();
    let roster = dir.join("team.csv");
    assert!(Command::new("mkfifo")
        .arg(&roster)
        .status()
        .unwrap()
        .success());
    let roster_fifo = roster.display().to_string();
    let roster_scenario = dir.join("with-roster.toml");
    std::fs::write(
        &roster_scenario,
        "name = \"x\"\n[team]\nroster = \"team.csv\"\n",
    )
    .unwrap();
    let roster_scenario = roster_scenario.display().to_string();
    for (args, expected) in [
        (
            vec!["run", &fifo],
            format!("{fifo}: a FIFO, not a scenario file"),
        ),
        (vec!["validate", &fifo], format!("{fifo}: a FIFO")),
        (vec!["compare", &fifo, &fifo], format!("{fifo}: a FIFO")),
        (
            vec!["run", &folder],
            format!("{folder}: a folder, not a scenario file"),
        ),
        // A scenario whose roster is a FIFO: refused, not read.
        (
            vec!["validate", &roster_scenario],
            format!("team.roster (line 3): cannot read {roster_fifo}: not a regular file"),
        ),
    ] {
        // Reading a FIFO without a writer would wait forever: the refusal comes first.
        let child = Command::new(env!("CARGO_BIN_EXE_plansim"))
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let o = finished_within(child, Duration::from_secs(20), &format!("{args:?}"));
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(&expected), "{args:?}: {}", stderr(&o));
    }
}

#[test]
fn control_characters_in_names_are_printed_escaped() {
    let dir = temp_dir("escapes");
    // A name that would set the terminal's title, turn text red, ring the bell and
    // reverse the rest of the line, in a file whose name holds an escape too.
    let text = edited(
        plansim_sim::scenario::DEFAULT_SCENARIO_TOML,
        &[
            ("size = 50 ", "size = 6 "),
            ("periods = 12 ", "periods = 3 "),
            (
                "name = \"",
                "name = \"\\u001b]0;pwned\\u0007\\u001b[31mred\\u202e\\n",
            ),
        ],
    );
    let file = dir.join("evil\u{1b}[2J.toml");
    std::fs::write(&file, text).unwrap();
    let f = file.display().to_string();
    let outputs = [
        plansim(&["validate", &f]),
        plansim(&["run", &f, "-n", "64"]),
        plansim(&["compare", &f, &f, "-n", "40"]),
        plansim(&["batch", &f, "-n", "64"]),
        plansim(&[
            "validate",
            &dir.join("missing\u{1b}[2J.toml").display().to_string(),
        ]),
    ];
    for (i, o) in outputs.iter().enumerate() {
        let all = [&o.stdout[..], &o.stderr[..]].concat();
        assert!(
            !all.iter().any(|&b| b == 0x1b || b == 0x07),
            "output {i} has a raw control character: {}",
            String::from_utf8_lossy(&all)
        );
        assert!(
            !all.windows(3).any(|w| w == "\u{202e}".as_bytes()),
            "output {i}"
        );
        assert!(
            String::from_utf8_lossy(&all).contains("\\u{1b}"),
            "output {i}: {}",
            String::from_utf8_lossy(&all)
        );
    }
    for o in &outputs[..4] {
        assert!(o.status.success(), "{}", stderr(o));
    }
    assert!(stdout(&outputs[0]).contains("\\u{1b}]0;pwned\\u{7}\\u{1b}[31mred\\u{202e}\\u{a}"));
    // JSON keeps the name as it is, escaped by JSON itself.
    let doc = common::json(&plansim(&["run", &f, "-n", "64", "--format", "json"]));
    assert!(doc["scenario"]
        .as_str()
        .unwrap()
        .starts_with("\u{1b}]0;pwned\u{7}"));
}

#[test]
fn threads_beyond_the_cores_are_lowered_with_a_note() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let run =
        |threads: &str| plansim(&["run", "-n", "64", "--format", "json", "--threads", threads]);
    let many = run("4096");
    assert!(many.status.success(), "{}", stderr(&many));
    assert!(
        stderr(&many).contains(&format!("--threads 4096 lowered to {cores}, the cores")),
        "{}",
        stderr(&many)
    );
    let one = run("1");
    assert!(!stderr(&one).contains("lowered"), "{}", stderr(&one));
    assert_eq!(
        many.stdout, one.stdout,
        "results depend on the thread count"
    );
}
