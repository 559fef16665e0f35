//! Golden values: the JSON report of a small scenario is pinned byte for byte, so a
//! change that moves sampled values (a dependency update of rand, rand_distr or
//! libm, a compiler's float change, an edit of the model) is caught, not shipped.
//!
//! To regenerate after an intended change:
//!
//! ```sh
//! PLANSIM_BLESS=1 cargo test --test golden
//! ```
//!
//! and explain in the commit message why the values moved (which change, and that
//! the new values were checked). A golden file that changes unexplained is a bug.

use std::path::Path;
use std::process::Command;

#[test]
fn the_small_scenario_reports_its_golden_json() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    // Run inside the folder so the report's `source` is the stable "small.toml".
    let o = Command::new(env!("CARGO_BIN_EXE_plansim"))
        .current_dir(&dir)
        .args(["run", "small.toml", "--format", "json", "--threads", "2"])
        .output()
        .expect("plansim runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let golden = dir.join("small.json");
    if std::env::var_os("PLANSIM_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&golden, &o.stdout).unwrap();
        eprintln!("blessed {}", golden.display());
        return;
    }
    let expected =
        std::fs::read(&golden).expect("tests/golden/small.json (PLANSIM_BLESS=1 makes it)");
    if o.stdout != expected {
        let got = String::from_utf8_lossy(&o.stdout);
        let want = String::from_utf8_lossy(&expected);
        let line = got
            .lines()
            .zip(want.lines())
            .position(|(a, b)| a != b)
            .map_or(got.lines().count().min(want.lines().count()), |i| i);
        panic!(
            "the report differs from tests/golden/small.json from line {}:\n  got:  {}\n  want: {}\n\
             If the change is intended, run PLANSIM_BLESS=1 cargo test --test golden and explain it in the commit message.",
            line + 1,
            got.lines().nth(line).unwrap_or("<end>"),
            want.lines().nth(line).unwrap_or("<end>")
        );
    }
}
