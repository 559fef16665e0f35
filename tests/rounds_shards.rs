//! Shards of `plansim rounds`: merging any split of a run of rounds (every policy,
//! a planning sample smaller than the run, more shards than blocks) equals the
//! one-machine run byte for byte, and shards that do not belong together are refused.

mod common;

use std::path::Path;
use std::process::Output;

use plansim_analysis::shard::rounds::RoundsShardFile;

use common::{edited, files_of, merged_files, ok, plansim_in, small_template, temp_dir};

/// 300 replications: 5 blocks, the last one partial.
const N_REPS: &str = "300";

const COMMON: [&str; 5] = ["-n", N_REPS, "--seed", "5", "--compare-policies"];

fn rounds_args<'a>(scenario: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["rounds", scenario];
    args.extend(COMMON);
    args.extend_from_slice(extra);
    args
}

fn run_shards(dir: &Path, scenario: &str, n: u64, out: &str) -> Vec<String> {
    (1..=n)
        .map(|k| {
            let spec = format!("{k}/{n}");
            let threads = if k % 2 == 0 { "1" } else { "2" };
            ok(plansim_in(
                dir,
                &rounds_args(
                    scenario,
                    &["--shard", &spec, "--out", out, "--threads", threads],
                ),
                &[],
            ));
            format!("{out}/rounds-shard-{k}-of-{n}.json")
        })
        .collect()
}

fn merge(dir: &Path, shards: &[String], extra: &[&str]) -> Output {
    let mut args = vec!["merge"];
    args.extend(shards.iter().map(String::as_str));
    args.extend_from_slice(extra);
    plansim_in(dir, &args, &[])
}

#[test]
fn merging_1_3_and_8_rounds_shards_equals_the_single_run_byte_for_byte() {
    let dir = temp_dir("exact");
    small_template(&dir, "t.toml", 100);
    let single = |format: &str| {
        ok(plansim_in(
            &dir,
            &rounds_args("t.toml", &["--format", format]),
            &[],
        ))
        .stdout
    };
    let (json, csv, table) = (single("json"), single("csv"), single("table"));
    ok(plansim_in(
        &dir,
        &rounds_args("t.toml", &["--out", "single", "--report", "single.html"]),
        &[],
    ));
    let single_files = files_of(&dir.join("single"));
    assert_eq!(single_files.len(), 3);
    let single_page = std::fs::read(dir.join("single.html")).unwrap();
    // 8 shards of 5 blocks: three of them hold no replication.
    for n in [1u64, 3, 8] {
        let out = format!("shards{n}");
        let mut shards = run_shards(&dir, "t.toml", n, &out);
        shards.reverse();
        let merged = |format: &str| ok(merge(&dir, &shards, &["--format", format])).stdout;
        assert!(merged("json") == json, "{n} shards: JSON differs");
        assert!(merged("csv") == csv, "{n} shards: CSV differs");
        assert!(merged("table") == table, "{n} shards: table differs");
        let merged_out = format!("merged{n}");
        let page = format!("merged{n}.html");
        ok(merge(
            &dir,
            &shards,
            &["--out", &merged_out, "--report", &page],
        ));
        assert!(
            merged_files(&dir.join(&merged_out), &shards) == single_files,
            "{n} shards: --out files differ"
        );
        assert!(
            std::fs::read(dir.join(&page)).unwrap() == single_page,
            "{n} shards: --report differs"
        );
    }
}

fn assert_refused(dir: &Path, shards: &[String], expected: &str) {
    let o = merge(dir, shards, &["--out", "refused"]);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(2), "{shards:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        err.contains(expected),
        "{shards:?}: `{expected}` not in: {err}"
    );
    assert!(!dir.join("refused").exists());
}

#[test]
fn rounds_shards_that_do_not_belong_together_are_refused() {
    let dir = temp_dir("refuse");
    small_template(&dir, "t.toml", 100);
    small_template(&dir, "other.toml", 64);
    let two = run_shards(&dir, "t.toml", 2, "a");
    // A shard of another planning sample is a shard of another scenario.
    let other = run_shards(&dir, "other.toml", 2, "b");
    assert_refused(
        &dir,
        &[two[0].clone(), other[1].clone()],
        "different runs: scenario",
    );
    // A missing slice.
    assert_refused(&dir, &two[..1], "are in no shard given");
    // The same shard twice.
    assert_refused(
        &dir,
        &[two[0].clone(), two[0].clone(), two[1].clone()],
        "give each shard once",
    );
    // Another seed.
    ok(plansim_in(
        &dir,
        &[
            "rounds",
            "t.toml",
            "-n",
            N_REPS,
            "--seed",
            "6",
            "--compare-policies",
            "--shard",
            "2/2",
            "--out",
            "c",
        ],
        &[],
    ));
    assert_refused(
        &dir,
        &[two[0].clone(), "c/rounds-shard-2-of-2.json".into()],
        "seed 5 vs 6",
    );
    // One policy against three.
    ok(plansim_in(
        &dir,
        &[
            "rounds", "t.toml", "-n", N_REPS, "--seed", "5", "--shard", "2/2", "--out", "d",
        ],
        &[],
    ));
    assert_refused(
        &dir,
        &[two[0].clone(), "d/rounds-shard-2-of-2.json".into()],
        "policies",
    );
    // A shard of `plansim run` among shards of `plansim rounds`.
    ok(plansim_in(
        &dir,
        &[
            "run", "t.toml", "-n", N_REPS, "--seed", "5", "--shard", "2/2", "--out", "e",
        ],
        &[],
    ));
    assert_refused(
        &dir,
        &[two[0].clone(), "e/shard-2-of-2.json".into()],
        "merge each kind on its own",
    );
    // An edited shard.
    let text = edited(
        &std::fs::read_to_string(dir.join(&two[1])).unwrap(),
        &[("gain = 1.0", "gain = 2.0")],
    );
    std::fs::write(dir.join("edited.json"), &text).unwrap();
    assert_refused(
        &dir,
        &[two[0].clone(), "edited.json".into()],
        "edited.json: content_sha256 does not match the shard's content",
    );
    // Edited and sealed again (what one can do without the shard key): the scenario
    // no longer matches its hash.
    let shard: RoundsShardFile = serde_json::from_str(&text).unwrap();
    std::fs::write(dir.join("resealed.json"), shard.to_bytes(None)).unwrap();
    assert_refused(
        &dir,
        &[two[0].clone(), "resealed.json".into()],
        "does not match the scenario stored",
    );
    // --shard needs --out, and --report needs the whole run.
    let o = plansim_in(&dir, &["rounds", "t.toml", "--shard", "1/2"], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("needs --out"));
    let o = plansim_in(
        &dir,
        &[
            "rounds", "t.toml", "--shard", "1/2", "--out", "f", "--report", "x.html",
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(!dir.join("f").exists());
}
