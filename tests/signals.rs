//! Signals (issue 10, item 18): SIGINT exits 130, SIGTERM 143 and SIGHUP 129; during
//! the work nothing is written, during the final write the results are all put in
//! place first and the message says so, a second signal stops at once, and
//! `optimize`'s search stops at its best plan, which is certified and reported.

mod common;

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use common::{edited, files_of, ok, plansim, small_scenario, stderr, stdout, temp_dir};

fn s(p: &Path) -> String {
    p.display().to_string()
}

fn spawn(args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_plansim"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("plansim starts")
}

fn kill(child: &Child, signal: &str) {
    let st = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(st.success());
}

/// The names in `dir`, hidden ones included (none when it does not exist).
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn each_signal_during_the_work_exits_with_its_code_and_writes_nothing() {
    let dir = temp_dir("codes");
    for (signal, code) in [("INT", 130), ("TERM", 143), ("HUP", 129)] {
        let out = dir.join(signal);
        let report = dir.join(format!("{signal}.html"));
        // About a minute of work: the signal comes during it.
        let child = spawn(&[
            "run",
            "-n",
            "300000",
            "--threads",
            "1",
            "--out",
            &s(&out),
            "--report",
            &s(&report),
        ]);
        std::thread::sleep(Duration::from_millis(1500));
        kill(&child, signal);
        let o = child.wait_with_output().unwrap();
        assert_eq!(o.status.code(), Some(code), "SIG{signal}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("no output file was written"),
            "SIG{signal}: {}",
            stderr(&o)
        );
        // Not even the folder it created, nor a lock or temporary file.
        assert!(!out.exists(), "SIG{signal} left {:?}", names(&out));
        assert!(!report.exists());
        assert_eq!(names(&dir), Vec::<String>::new(), "SIG{signal}");
    }
}

/// A run whose final write blocks on a FIFO with no reader: its `--out` files are
/// already in place, and the page waits for a reader.
fn blocked_in_the_final_write(dir: &Path, name: &str) -> (Child, std::path::PathBuf) {
    small_scenario(dir);
    let fifo = dir.join(format!("{name}.fifo"));
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let out = dir.join(name);
    let child = spawn(&[
        "run",
        &s(&dir.join("small.toml")),
        "-n",
        "64",
        "--out",
        &s(&out),
        "--report",
        &s(&fifo),
    ]);
    // Wait until the --out files are in place (the page is written after them, into
    // the FIFO, whose opening waits for a reader).
    for _ in 0..1000 {
        if out.join("scenario.toml").exists() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        out.join("scenario.toml").exists(),
        "the run did not reach its final write"
    );
    std::thread::sleep(Duration::from_millis(100));
    (child, fifo)
}

#[test]
fn a_signal_during_the_final_write_waits_until_every_file_is_in_place() {
    let dir = temp_dir("final");
    let (child, fifo) = blocked_in_the_final_write(&dir, "out");
    kill(&child, "TERM");
    std::thread::sleep(Duration::from_millis(300));
    // The process waits for the write: the page reaches its reader whole.
    let page = std::fs::read(&fifo).unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(143), "{}", stderr(&o));
    assert!(page.starts_with(b"<!DOCTYPE html>") && page.ends_with(b"</html>\n"));
    let err = stderr(&o);
    assert!(
        err.contains("interrupted by SIGTERM: the results had been delivered, each file whole"),
        "{err}"
    );
    // The same files, byte for byte, as the run gives without a signal.
    let alone = dir.join("alone");
    ok(plansim(&[
        "run",
        &s(&dir.join("small.toml")),
        "-n",
        "64",
        "--out",
        &s(&alone),
    ]));
    assert_eq!(files_of(&dir.join("out")), files_of(&alone));
}

#[test]
fn a_second_signal_stops_at_once_and_says_what_is_on_disk() {
    let dir = temp_dir("second");
    let (child, fifo) = blocked_in_the_final_write(&dir, "out");
    kill(&child, "TERM");
    std::thread::sleep(Duration::from_millis(300));
    kill(&child, "INT");
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(130), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("a second signal, SIGINT (Ctrl-C): stopped at once"),
        "{err}"
    );
    assert!(err.contains(&format!("not written: {}", s(&fifo))), "{err}");
    // The files put in place are whole; no lock or temporary file is left.
    assert_eq!(
        names(&dir.join("out")),
        [
            "per_period.csv",
            "replications.csv",
            "rerun.sh",
            "scenario.toml",
            "summary.csv"
        ]
    );
}

#[test]
fn optimize_stops_its_search_on_a_signal_and_two_stop_it_at_once() {
    let dir = temp_dir("optimize");
    small_scenario(&dir);
    let file = s(&dir.join("small.toml"));
    // A search of thousands of evaluations, stopped after a second and a half: it
    // certifies its best plan so far, writes its results and exits 130.
    let out = dir.join("out");
    let child = spawn(&[
        "optimize",
        &file,
        "-n",
        "64",
        "--max-evals",
        "100000",
        "--format",
        "json",
        "--out",
        &s(&out),
    ]);
    std::thread::sleep(Duration::from_millis(1500));
    kill(&child, "INT");
    let o: Output = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(130), "{}", stderr(&o));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("the report");
    assert_eq!(doc["stop"], "interrupted", "{}", doc["stop"]);
    assert!(doc["improvement_over_start"].is_object(), "{doc}");
    assert!(stderr(&o).contains("stopping the search"), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("the results had been delivered, each file whole"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        names(&out),
        ["convergence.csv", "convergence.svg", "optimized.toml"]
    );
    ok(plansim(&["validate", &s(&out.join("optimized.toml"))]));
    // Two signals: the first stops the search, the second comes during the
    // certification (made long: 40,000 fresh replications a plan) and ends it at once,
    // with nothing written.
    let long = dir.join("long.toml");
    std::fs::write(
        &long,
        edited(
            &std::fs::read_to_string(dir.join("small.toml")).unwrap(),
            &[(
                "certify_replications = 4000 ",
                "certify_replications = 40000 ",
            )],
        ),
    )
    .unwrap();
    let out2 = dir.join("out2");
    let child = spawn(&[
        "optimize",
        &s(&long),
        "-n",
        "64",
        "--max-evals",
        "100000",
        "--out",
        &s(&out2),
    ]);
    std::thread::sleep(Duration::from_millis(1500));
    kill(&child, "INT");
    std::thread::sleep(Duration::from_millis(100));
    kill(&child, "TERM");
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(143), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("stopped at once: no output file was written"),
        "{}",
        stderr(&o)
    );
    assert!(names(&out2).is_empty(), "{:?}", names(&out2));
}
