//! An `--out` folder reproduces itself: its scenario.toml holds the run's replications
//! and seed and names the copy of its roster, the CSVs carry the seed, the JSON the
//! version, and `sh rerun.sh OTHER` (the command written in the folder) re-runs it to
//! the same bytes.

mod common;

use std::path::Path;
use std::process::Command;

use common::{json, ok, plansim_in, temp_dir};

#[test]
fn an_out_folder_reruns_to_the_same_bytes_with_the_command_it_holds() {
    let dir = temp_dir("rerun");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // A scenario reading a roster, in a folder of its own, run with flags that differ
    // from its file's replications and seed.
    for f in ["own-team.toml", "team.csv"] {
        std::fs::copy(root.join("examples").join(f), dir.join(f)).unwrap();
    }
    let args = ["run", "own-team.toml", "-n", "100", "--seed", "7"];
    ok(plansim_in(
        &dir,
        &[&args[..], &["--out", "first"]].concat(),
        &[],
    ));
    let first = dir.join("first");
    let saved = std::fs::read_to_string(first.join("scenario.toml")).unwrap();
    let parsed = plansim_sim::scenario::parse(&saved, "saved").unwrap();
    assert_eq!(parsed.simulation.replications, 100);
    assert_eq!(parsed.simulation.seed, 7);
    assert_eq!(parsed.team.roster.as_deref(), Some("roster.csv"));
    assert!(first.join("roster.csv").is_file());
    for csv in ["summary.csv", "per_period.csv", "replications.csv"] {
        let text = std::fs::read_to_string(first.join(csv)).unwrap();
        let mut lines = text.lines();
        assert!(lines.next().unwrap().ends_with(",seed"), "{csv}");
        assert!(
            lines.all(|l| l.ends_with(",7")),
            "{csv}: every row has the seed"
        );
    }
    let v = json(&plansim_in(
        &dir,
        &[&args[..], &["--format", "json"]].concat(),
        &[],
    ));
    assert_eq!(v["version"], env!("CARGO_PKG_VERSION"));

    // The originals are gone: the folder alone re-runs, with plansim on the PATH.
    std::fs::remove_file(dir.join("own-team.toml")).unwrap();
    std::fs::remove_file(dir.join("team.csv")).unwrap();
    let bin = Path::new(env!("CARGO_BIN_EXE_plansim")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let o = Command::new("sh")
        .args(["first/rerun.sh", "second"])
        .current_dir(&dir)
        .env("PATH", path)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let second = dir.join("second");
    let names = |d: &Path| {
        let mut v: Vec<String> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        names(&first),
        [
            "per_period.csv",
            "replications.csv",
            "rerun.sh",
            "roster.csv",
            "scenario.toml",
            "summary.csv"
        ]
    );
    assert_eq!(names(&first), names(&second));
    for f in names(&first) {
        assert!(
            std::fs::read(first.join(&f)).unwrap() == std::fs::read(second.join(&f)).unwrap(),
            "{f} differs between the run and its re-run"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
