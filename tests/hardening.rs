//! Hardened inputs of the command line: runs too big for memory are refused before
//! they start, absurd flags get clear errors, and Ctrl-C leaves no output file.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{plansim, stderr, temp_dir};

fn has_meminfo() -> bool {
    std::fs::read_to_string("/proc/meminfo").is_ok_and(|t| t.contains("MemAvailable"))
}

#[test]
fn runs_that_would_not_fit_in_memory_are_refused_before_they_start() {
    if !has_meminfo() {
        eprintln!("no /proc/meminfo: the memory check is skipped on this system");
        return;
    }
    let dir = temp_dir("memory");
    let out = dir.join("out").display().to_string();
    let variant = dir.join("variant.toml").display().to_string();
    std::fs::write(&variant, plansim_sim::scenario::DEFAULT_SCENARIO_TOML).unwrap();
    // 10^14 replications keep ~58 PB of metrics: no machine has that.
    for (args, flag) in [
        (
            vec!["compare", &variant, &variant, "-n", "100000000000000"],
            "lower --replications",
        ),
        (
            vec!["rounds", "-n", "100000000000000", "--out", &out],
            "lower --replications",
        ),
        (
            vec![
                "rounds",
                "-n",
                "100000000000000",
                "--shard",
                "1/2",
                "--out",
                &out,
            ],
            "raise N",
        ),
        (vec!["run", "-n", "100000000000000"], "lower --replications"),
        (
            vec!["run", "-n", "100000000000000", "--out", &out],
            "more without --out",
        ),
        (
            vec![
                "run",
                "-n",
                "100000000000000",
                "--shard",
                "1/2",
                "--out",
                &out,
            ],
            "raise N",
        ),
    ] {
        let started = Instant::now();
        let o = plansim(&args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("of memory") && err.contains(flag), "{err}");
        assert!(started.elapsed() < Duration::from_secs(5), "refused late");
        assert!(!dir.join("out").exists(), "{args:?} created --out");
    }
    // 100,000 reps over 1200 months: the reps' behaviour tables alone are ~600 GB.
    let text = plansim_sim::scenario::DEFAULT_SCENARIO_TOML
        .replace("size = 50 ", "size = 100000 ")
        .replace("periods = 12 ", "periods = 1200 ");
    let file = dir.join("huge.toml");
    std::fs::write(&file, text).unwrap();
    let started = Instant::now();
    let o = plansim(&["run", &file.display().to_string(), "-n", "10"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("reps' behaviour")
            && err.contains("team.size")
            && err.contains("simulation.periods"),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(5), "refused late");
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
        let interrupted = Instant::now();
        let kill = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(kill.success());
        let o = child.wait_with_output().unwrap();
        assert!(
            interrupted.elapsed() < Duration::from_secs(5),
            "{name}: Ctrl-C took {:?}",
            interrupted.elapsed()
        );
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
        "1",
        "--baseline",
    ];
    let missing = plansim(&[&quick[..], &[baseline.as_str()]].concat());
    assert_eq!(missing.status.code(), Some(2), "{}", stderr(&missing));
    assert!(
        stderr(&missing).contains("--record"),
        "{}",
        stderr(&missing)
    );
    let recorded = plansim(&[&quick[..], &[baseline.as_str(), "--record"]].concat());
    assert!(recorded.status.success(), "{}", stderr(&recorded));
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&baseline).unwrap()).unwrap();
    let ratio = doc["ratio"].as_f64().unwrap();
    assert!(ratio > 0.0 && doc["machine"].is_string(), "{doc}");
    // A recorded ratio far above what this machine can reach must fail the guard.
    let mut doc = doc;
    doc["ratio"] = serde_json::json!(ratio * 1000.0);
    std::fs::write(&baseline, doc.to_string()).unwrap();
    let slow = plansim(&[&quick[..], &[baseline.as_str()]].concat());
    assert_eq!(slow.status.code(), Some(1), "{}", stderr(&slow));
    assert!(
        stderr(&slow).contains("throughput guard failed"),
        "{}",
        stderr(&slow)
    );
}
