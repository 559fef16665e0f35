//! The README's tour runs as written: every line of its `sh` block is run by `sh`,
//! in order, in a folder holding a copy of the files a fresh clone has (`examples/`,
//! `scenarios/`, `benches/`), with `plansim` on the PATH. The `plansim` found there
//! is a wrapper that runs the binary under test at 64 replications (it replaces the
//! number after `-n`, or adds `-n 64`) and at most 10 evaluations for `optimize`, so
//! the tour takes seconds; each line must exit with code 0.

mod common;

use std::path::Path;
use std::process::Command;

use common::temp_dir;

/// The lines of the first `sh` block after the heading "## A tour of the subcommands".
fn tour_lines(readme: &str) -> Vec<String> {
    let start = readme
        .find("## A tour of the subcommands")
        .expect("README.md has the tour's heading");
    let rest = &readme[start..];
    let open = rest.find("```sh\n").expect("the tour has an sh block") + "```sh\n".len();
    let close = rest[open..]
        .find("```")
        .expect("the tour's block is closed");
    rest[open..open + close]
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(String::from)
        .collect()
}

/// Copies the folder `from` into `to`, recursively.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A `plansim` for the PATH that runs `real` with at most 64 replications (and at
/// most 10 evaluations for `optimize`, 2 Morris trajectories and 8 draws for
/// `sensitivity`).
fn wrapper(real: &Path) -> String {
    format!(
        r#"#!/bin/sh
# Written by tests/tour.rs: runs the plansim under test at small counts.
sub=run
case "$1" in
  run|compare|batch|optimize|rounds|bench|merge|validate|example|sensitivity|schema) sub=$1 ;;
esac
first=1; skip=0; has_n=0; has_evals=0
for a do
  if [ $first = 1 ]; then set --; first=0; fi
  if [ $skip = 1 ]; then set -- "$@" 64; skip=0; continue; fi
  case "$a" in
    -n|--replications) skip=1; has_n=1 ;;
    --max-evals) has_evals=1 ;;
  esac
  set -- "$@" "$a"
done
case $sub in
  run|compare|batch|optimize|rounds|bench|sensitivity) [ $has_n = 1 ] || set -- "$@" -n 64 ;;
esac
case $sub in
  optimize) [ $has_evals = 1 ] || set -- "$@" --max-evals 10 ;;
  bench) set -- "$@" --repeats 1 ;;
  sensitivity) set -- "$@" --trajectories 2 --draws 8 ;;
esac
exec '{}' "$@"
"#,
        real.display()
    )
}

#[test]
fn the_readme_tour_runs_as_written() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let lines = tour_lines(&readme);
    assert!(
        lines.len() >= 10,
        "the tour should have its lines, found {lines:?}"
    );
    assert!(
        lines[0].starts_with("plansim example > my-plan.toml"),
        "the tour makes my-plan.toml before any line uses it: {}",
        lines[0]
    );
    let dir = temp_dir("tour");
    for folder in ["examples", "scenarios", "benches"] {
        copy_dir(&root.join(folder), &dir.join(folder));
    }
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let fake = bin.join("plansim");
    std::fs::write(&fake, wrapper(Path::new(env!("CARGO_BIN_EXE_plansim")))).unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    for line in &lines {
        let o = Command::new("sh")
            .arg("-c")
            .arg(line)
            .current_dir(&dir)
            .env("PATH", &path)
            .env_remove("PLANSIM_SHARD_KEY")
            .env_remove("PLANSIM_SHARD_KEY_FILE")
            .env_remove("SLURM_ARRAY_TASK_ID")
            .env_remove("SLURM_ARRAY_TASK_COUNT")
            .env_remove("JOB_COMPLETION_INDEX")
            .output()
            .expect("sh runs");
        assert!(
            o.status.success(),
            "README tour line failed ({}): {line}\nstderr: {}",
            o.status,
            String::from_utf8_lossy(&o.stderr)
        );
    }
    // What the lines said they would make is there.
    for made in [
        "my-plan.toml",
        "results/summary.csv",
        "results/scenario.toml",
        "results-again/summary.csv",
        "report.html",
        "results.csv",
    ] {
        assert!(dir.join(made).is_file(), "the tour made {made}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_wrapper_finds_the_tour_lines_and_only_them() {
    let readme = "x\n## A tour of the subcommands\n\ntext\n\n```sh\nplansim a   # one\n\n# c\nplansim b\n```\n```sh\nplansim z\n```\n";
    assert_eq!(tour_lines(readme), ["plansim a   # one", "plansim b"]);
}
