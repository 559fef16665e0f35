//! Shards and merge: merging any split equals the one-machine run byte for byte,
//! mismatched, overlapping and missing shards are refused, and the xargs -P recipe and
//! the Slurm array script of docs/scale-out.md work (the script with Slurm's variables
//! set by hand; tests/scale_out.rs runs it on a real Slurm cluster and checks the
//! Kubernetes manifest).

mod common;

use std::path::Path;
use std::process::Command;

use plansim_analysis::shard::{ShardFile, FORMAT_VERSION};

use common::{
    doc_block, edited, files_of, merged_files, ok, path_with_plansim, plansim_in, scale_out_doc,
    small_scenario, stderr, temp_dir,
};

/// 600 replications: 10 blocks, the last one partial.
const N_REPS: &str = "600";

fn run_shards(dir: &Path, scenario: &str, n: u64, out: &str, extra: &[&str]) -> Vec<String> {
    (1..=n)
        .map(|k| {
            let spec = format!("{k}/{n}");
            let mut args = vec![
                "run", scenario, "-n", N_REPS, "--seed", "11", "--shard", &spec, "--out", out,
            ];
            args.extend_from_slice(extra);
            ok(plansim_in(dir, &args, &[]));
            format!("{out}/shard-{k}-of-{n}.json")
        })
        .collect()
}

#[test]
fn merging_1_3_and_8_shards_equals_the_single_run_byte_for_byte() {
    let dir = temp_dir("exact");
    small_scenario(&dir);
    let single = |format: &str| {
        ok(plansim_in(
            &dir,
            &[
                "run",
                "small.toml",
                "-n",
                N_REPS,
                "--seed",
                "11",
                "--format",
                format,
            ],
            &[],
        ))
        .stdout
    };
    let (json, csv) = (single("json"), single("csv"));
    let csv_bom = ok(plansim_in(
        &dir,
        &[
            "run",
            "small.toml",
            "-n",
            N_REPS,
            "--seed",
            "11",
            "--format",
            "csv",
            "--bom",
        ],
        &[],
    ))
    .stdout;
    assert!(csv_bom.starts_with(b"\xEF\xBB\xBF") && csv_bom[3..] == csv[..]);
    ok(plansim_in(
        &dir,
        &[
            "run",
            "small.toml",
            "-n",
            N_REPS,
            "--seed",
            "11",
            "--report",
            "single.html",
        ],
        &[],
    ));
    let single_page = std::fs::read(dir.join("single.html")).unwrap();
    ok(plansim_in(
        &dir,
        &[
            "run",
            "small.toml",
            "-n",
            N_REPS,
            "--seed",
            "11",
            "--out",
            "single",
            "--format",
            "csv",
        ],
        &[],
    ));
    let single_files = files_of(&dir.join("single"));
    assert_eq!(single_files.len(), 5, "the four result files and rerun.sh");
    for n in [1u64, 3, 8] {
        let out = format!("shards{n}");
        // Threads differ between shards; merge gets the files in reverse order.
        let mut shards = run_shards(&dir, "small.toml", n, &out, &["--threads", "1"]);
        shards.reverse();
        let merge = |extra: &[&str]| {
            let mut args = vec!["merge"];
            args.extend(shards.iter().map(String::as_str));
            args.extend_from_slice(extra);
            ok(plansim_in(&dir, &args, &[])).stdout
        };
        assert!(
            merge(&["--format", "json"]) == json,
            "{n} shards: JSON differs"
        );
        let merged_out = format!("merged{n}");
        assert!(
            merge(&["--format", "csv", "--out", &merged_out]) == csv,
            "{n} shards: CSV differs"
        );
        assert!(
            merge(&["--format", "csv", "--bom"]) == csv_bom,
            "{n} shards: CSV with a BOM differs"
        );
        assert!(
            merged_files(&dir.join(&merged_out), &shards) == single_files,
            "{n} shards: --out files differ"
        );
        let page = format!("merged{n}.html");
        merge(&["--report", &page]);
        assert!(
            std::fs::read(dir.join(&page)).unwrap() == single_page,
            "{n} shards: --report differs"
        );
    }
}

#[test]
fn a_roster_travels_in_the_shard_and_merge_needs_no_scenario_file() {
    let dir = temp_dir("roster");
    std::fs::create_dir_all(dir.join("in")).unwrap();
    std::fs::write(
        dir.join("in/team.csv"),
        "id,name,base_salary,ability,last_year_revenue\nA1,\"Li, W\",9000,1.1,\nA2,Wang,8000,,900000\nA3,Zhao,8500,0.9,\n",
    )
    .unwrap();
    let text = edited(
        plansim_sim::scenario::DEFAULT_SCENARIO_TOML,
        &[
            ("periods = 12 ", "periods = 4 "),
            ("[team]\n", "[team]\nroster = \"team.csv\"\n"),
        ],
    );
    std::fs::write(dir.join("in/s.toml"), text).unwrap();
    let single = ok(plansim_in(
        &dir,
        &[
            "run",
            "in/s.toml",
            "-n",
            N_REPS,
            "--seed",
            "11",
            "--format",
            "json",
        ],
        &[],
    ))
    .stdout;
    let shards = run_shards(&dir, "in/s.toml", 2, "sh", &[]);
    std::fs::remove_dir_all(dir.join("in")).unwrap();
    let merged = ok(plansim_in(
        &dir,
        &["merge", &shards[0], &shards[1], "--format", "json"],
        &[],
    ))
    .stdout;
    assert!(merged == single, "roster scenario: merge differs");
}

/// A shard's text sealed again after an edit: what someone who edits a shard on
/// purpose can do without the shard key.
fn resealed(text: &str) -> Vec<u8> {
    let shard: ShardFile = serde_json::from_str(text).expect("still a shard");
    shard.to_bytes(None)
}

/// Expects a refusal: exit code 2, every word in `expected`, no panic, nothing in `refused/`.
fn assert_refused(dir: &Path, shards: &[&str], expected: &[&str]) {
    let mut args = vec!["merge"];
    args.extend_from_slice(shards);
    args.extend_from_slice(&["--out", "refused"]);
    let o = plansim_in(dir, &args, &[]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{shards:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
    for e in expected {
        assert!(err.contains(e), "{shards:?}: `{e}` not in: {err}");
    }
    let out = dir.join("refused");
    assert!(!out.exists() || std::fs::read_dir(&out).unwrap().next().is_none());
}

#[test]
fn mismatched_overlapping_missing_and_damaged_shards_are_refused() {
    let dir = temp_dir("refuse");
    small_scenario(&dir);
    let three = run_shards(&dir, "small.toml", 3, "a", &[]);
    let (s1, s2, s3) = (three[0].as_str(), three[1].as_str(), three[2].as_str());
    // Other seed, scenario, replication count.
    let spec = ["--shard", "2/3", "--out"];
    let other = |out: &str, args: &[&str]| {
        let mut a = vec!["run"];
        a.extend_from_slice(args);
        a.extend_from_slice(&spec);
        a.push(out);
        ok(plansim_in(&dir, &a, &[]));
        format!("{out}/shard-2-of-3.json")
    };
    let seed = other("seed", &["small.toml", "-n", N_REPS, "--seed", "12"]);
    assert_refused(&dir, &[s1, &seed, s3], &["different runs", "seed 11 vs 12"]);
    std::fs::write(
        dir.join("other.toml"),
        edited(
            &std::fs::read_to_string(dir.join("small.toml")).unwrap(),
            &[("size = 12 ", "size = 11 ")],
        ),
    )
    .unwrap();
    let scen = other("scen", &["other.toml", "-n", N_REPS, "--seed", "11"]);
    assert_refused(
        &dir,
        &[s1, &scen, s3],
        &["different runs", "scenario (sha256)"],
    );
    let reps = other("reps", &["small.toml", "-n", "640", "--seed", "11"]);
    assert_refused(&dir, &[s1, &reps, s3], &["replications 600 vs 640"]);
    // Another plansim version.
    let text = std::fs::read_to_string(dir.join(s2)).unwrap();
    let version = format!("\"plansim_version\":\"{}\"", env!("CARGO_PKG_VERSION"));
    std::fs::create_dir_all(dir.join("ver")).unwrap();
    std::fs::write(
        dir.join("ver/s2.json"),
        resealed(&edited(
            &text,
            &[(&version, "\"plansim_version\":\"0.0.1\"")],
        )),
    )
    .unwrap();
    assert_refused(
        &dir,
        &[s1, "ver/s2.json", s3],
        &["plansim 0.0.1", "one version"],
    );
    // Overlaps: the same shard twice, and slices of two splits that share blocks.
    std::fs::write(dir.join("ver/copy.json"), &text).unwrap();
    assert_refused(&dir, &[s1, s2, "ver/copy.json", s3], &["both shard 2/3"]);
    let halves = run_shards(&dir, "small.toml", 2, "b", &[]);
    assert_refused(&dir, &[s1, &halves[0], s2, s3], &["overlaps"]);
    // Missing slices, in the middle and at the end.
    assert_refused(
        &dir,
        &[s1, s3],
        &["blocks 3..6 (replications 192..384) are in no shard"],
    );
    assert_refused(&dir, &[s1, s2], &["blocks 6..10 (replications 384..600)"]);
    // Slices of different splits merge when they cover every block once (1/2 is
    // blocks 0..5, 3/4 is 5..7, 4/4 is 7..10), and are refused when they leave a gap.
    let gap = plansim_in(&dir, &["merge", &halves[0], s3, "--format", "json"], &[]);
    assert_eq!(gap.status.code(), Some(2), "{}", stderr(&gap));
    assert!(stderr(&gap).contains("blocks 5..6"), "{}", stderr(&gap));
    let quarters = run_shards(&dir, "small.toml", 4, "c", &[]);
    let mixed = ok(plansim_in(
        &dir,
        &[
            "merge",
            &quarters[3],
            &halves[0],
            &quarters[2],
            "--format",
            "json",
        ],
        &[],
    ));
    let single = ok(plansim_in(
        &dir,
        &[
            "run",
            "small.toml",
            "-n",
            N_REPS,
            "--seed",
            "11",
            "--format",
            "json",
        ],
        &[],
    ));
    assert!(mixed.stdout == single.stdout, "mixed splits differ");
    // Damaged or foreign files: an edit is refused by the shard's digest; one whose
    // digest was recomputed but not the scenario's hash by that hash.
    let scenario_edit = edited(&text, &[("size = 12\\n", "size = 13\\n")]);
    std::fs::write(dir.join("ver/edited.json"), &scenario_edit).unwrap();
    assert_refused(
        &dir,
        &[s1, "ver/edited.json", s3],
        &["ver/edited.json: content_sha256 does not match"],
    );
    std::fs::write(dir.join("ver/resealed.json"), resealed(&scenario_edit)).unwrap();
    assert_refused(
        &dir,
        &[s1, "ver/resealed.json", s3],
        &["scenario_sha256 does not match"],
    );
    std::fs::write(dir.join("ver/other.json"), "{\"a\": 1}").unwrap();
    assert_refused(&dir, &[s1, "ver/other.json"], &["not a plansim shard file"]);
    std::fs::write(dir.join("ver/text.json"), "hello").unwrap();
    assert_refused(
        &dir,
        &["ver/text.json"],
        &["ver/text.json", "not a plansim shard file"],
    );
    std::fs::write(
        dir.join("ver/future.json"),
        edited(
            &text,
            &[(
                &format!("\"format_version\":{FORMAT_VERSION}"),
                "\"format_version\":9",
            )],
        ),
    )
    .unwrap();
    assert_refused(&dir, &["ver/future.json"], &["format version 9"]);
    let truncated = &text[..text.len() / 2];
    std::fs::write(dir.join("ver/cut.json"), truncated).unwrap();
    assert_refused(&dir, &["ver/cut.json"], &["ver/cut.json"]);
    assert_refused(
        &dir,
        &["no-such-shard.json"],
        &["no-such-shard.json", "cannot read"],
    );
}

#[test]
fn shard_flags_are_checked_and_default_from_job_arrays() {
    let dir = temp_dir("flags");
    small_scenario(&dir);
    for (args, expected) in [
        (vec!["--shard", "0/3", "--out", "x"], "from 1"),
        (
            vec!["--shard", "4/3", "--out", "x"],
            "K must be from 1 to N = 3",
        ),
        (vec!["--shard", "3", "--out", "x"], "expected K/N"),
        (vec!["--shard", "1/3"], "needs --out DIR"),
        (vec!["--out", "x", "--shard"], "no job-array index"),
    ] {
        let mut a = vec!["run", "small.toml", "-n", "100"];
        a.extend_from_slice(&args);
        let o = plansim_in(&dir, &a, &[]);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(expected), "{args:?}: {}", stderr(&o));
        assert!(!dir.join("x").exists() || files_of(&dir.join("x")).is_empty());
    }
    // A Slurm array --array=0-3: task 2 is shard 3/4.
    let slurm = [
        ("SLURM_ARRAY_TASK_ID", "2"),
        ("SLURM_ARRAY_TASK_MIN", "0"),
        ("SLURM_ARRAY_TASK_COUNT", "4"),
    ];
    let o = ok(plansim_in(
        &dir,
        &["run", "small.toml", "-n", "600", "--out", "x", "--shard"],
        &slurm,
    ));
    assert!(dir.join("x/shard-3-of-4.json").exists(), "{}", stderr(&o));
    assert!(stderr(&o).contains("SLURM_ARRAY_TASK_ID=2"));
    // Without --shard, a run in an array job is an ordinary run.
    let plain = ok(plansim_in(
        &dir,
        &["run", "small.toml", "-n", "100", "--format", "json"],
        &slurm,
    ));
    assert!(String::from_utf8_lossy(&plain.stdout).contains("\"revenue\""));
    // Kubernetes: the index from 0, N given.
    ok(plansim_in(
        &dir,
        &[
            "run",
            "small.toml",
            "-n",
            "600",
            "--shard",
            "auto/4",
            "--out",
            "x",
        ],
        &[("JOB_COMPLETION_INDEX", "0")],
    ));
    assert!(dir.join("x/shard-1-of-4.json").exists());
    let help = ok(plansim_in(&dir, &["merge", "--help"], &[]));
    assert!(String::from_utf8_lossy(&help.stdout).contains("Example"));
    let help = ok(plansim_in(&dir, &["run", "--help"], &[]));
    assert!(String::from_utf8_lossy(&help.stdout).contains("--shard [<K/N>]"));
    // A shard file is never overwritten without --force.
    let again = plansim_in(
        &dir,
        &[
            "run",
            "small.toml",
            "-n",
            "600",
            "--shard",
            "1/4",
            "--out",
            "x",
        ],
        &[],
    );
    assert_eq!(again.status.code(), Some(2));
    assert!(stderr(&again).contains("--force"));
}

fn single_json(dir: &Path, reps: &str) -> Vec<u8> {
    ok(plansim_in(
        dir,
        &["run", "small.toml", "-n", reps, "--format", "json"],
        &[],
    ))
    .stdout
}

#[test]
fn the_xargs_recipe_of_the_docs_merges_to_the_single_run() {
    let dir = temp_dir("xargs");
    small_scenario(&dir);
    let script = doc_block(&scale_out_doc(), "## One machine", "sh");
    assert!(script.contains("xargs -P"));
    let path = path_with_plansim();
    let o = ok(Command::new("bash")
        .arg("-euo")
        .arg("pipefail")
        .arg("-c")
        .arg(&script)
        .current_dir(&dir)
        .env("PATH", &path)
        .env("SCENARIO", "small.toml")
        .env("REPLICATIONS", N_REPS)
        .env("N", "5")
        .output()
        .expect("bash runs"));
    drop(o);
    assert_eq!(files_of(&dir.join("shards")).len(), 5);
    let merged = std::fs::read(dir.join("merged.json")).unwrap();
    assert!(merged == single_json(&dir, N_REPS), "xargs recipe differs");
}

#[test]
fn the_slurm_array_script_of_the_docs_merges_to_the_single_run() {
    let dir = temp_dir("slurm");
    small_scenario(&dir);
    let script = doc_block(&scale_out_doc(), "## Slurm", "bash");
    assert!(script.contains("#SBATCH --array=1-8"));
    std::fs::write(dir.join("plansim-array.sh"), &script).unwrap();
    let path = path_with_plansim();
    for id in 1..=8 {
        let id = id.to_string();
        ok(Command::new("bash")
            .arg("plansim-array.sh")
            .current_dir(&dir)
            .env("PATH", &path)
            .env("SCENARIO", "small.toml")
            .env("REPLICATIONS", N_REPS)
            .env("SLURM_ARRAY_TASK_ID", &id)
            .env("SLURM_ARRAY_TASK_MIN", "1")
            .env("SLURM_ARRAY_TASK_MAX", "8")
            .env("SLURM_ARRAY_TASK_COUNT", "8")
            .env("SLURM_CPUS_PER_TASK", "1")
            .env_remove("JOB_COMPLETION_INDEX")
            .output()
            .expect("bash runs"));
    }
    let mut args = vec!["merge".to_string()];
    args.extend((1..=8).map(|k| format!("shards/shard-{k}-of-8.json")));
    args.extend(["--format".into(), "json".into()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let merged = ok(plansim_in(&dir, &args, &[])).stdout;
    assert!(merged == single_json(&dir, N_REPS), "Slurm recipe differs");
}

/// With a shard key, shards carry an HMAC tag and merge refuses any shard whose tag
/// does not check (issue 10, item 8); a shard damaged after it was written is refused
/// by its digest, key or not (item 7); a FIFO given as a shard is refused, not waited on.
#[test]
fn a_shard_key_authenticates_shards_and_merge_refuses_the_rest() {
    let dir = temp_dir("key");
    small_scenario(&dir);
    let key = [("PLANSIM_SHARD_KEY", "a-shared-secret-of-enough-bytes")];
    let shard = |k: u64, out: &str, env: &[(&str, &str)]| {
        let spec = format!("{k}/2");
        let o = ok(plansim_in(
            &dir,
            &[
                "run",
                "small.toml",
                "-n",
                N_REPS,
                "--seed",
                "11",
                "--shard",
                &spec,
                "--out",
                out,
            ],
            env,
        ));
        assert_eq!(
            stderr(&o).contains("tagged with the shard key"),
            !env.is_empty(),
            "{}",
            stderr(&o)
        );
        format!("{out}/shard-{k}-of-2.json")
    };
    let keyed = [shard(1, "keyed", &key), shard(2, "keyed", &key)];
    let plain2 = shard(2, "plain", &[]);
    let merge = |files: &[&str], env: &[(&str, &str)]| {
        let mut args = vec!["merge"];
        args.extend_from_slice(files);
        args.extend(["--format", "json"]);
        plansim_in(&dir, &args, env)
    };
    let single = ok(plansim_in(
        &dir,
        &[
            "run",
            "small.toml",
            "-n",
            N_REPS,
            "--seed",
            "11",
            "--format",
            "json",
        ],
        &[],
    ))
    .stdout;
    let o = ok(merge(&[&keyed[0], &keyed[1]], &key));
    assert!(o.stdout == single, "keyed shards merge to the single run");
    assert!(
        stderr(&o).contains("tag checked with the shard key"),
        "{}",
        stderr(&o)
    );
    // Without the key the digests are checked and the merge says the tags were not.
    let o = ok(merge(&[&keyed[0], &keyed[1]], &[]));
    assert!(o.stdout == single);
    assert!(stderr(&o).contains("no shard key is set"), "{}", stderr(&o));
    // With the key, a shard written without it, or with another key, is refused.
    let o = merge(&[&keyed[0], &plain2], &key);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!("{plain2}: no hmac_sha256 tag")),
        "{}",
        stderr(&o)
    );
    let other = [("PLANSIM_SHARD_KEY", "another-secret-of-enough-bytes")];
    let o = merge(&[&keyed[0], &keyed[1]], &other);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("hmac_sha256 does not authenticate the shard"),
        "{}",
        stderr(&o)
    );
    // A short key is refused before anything is run.
    let o = plansim_in(
        &dir,
        &["run", "small.toml", "--shard", "1/2", "--out", "short"],
        &[("PLANSIM_SHARD_KEY", "short")],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("fewer than 16"), "{}", stderr(&o));
    // One changed digit in a tally: refused by the digest, key or not.
    let text = std::fs::read_to_string(dir.join(&keyed[1])).unwrap();
    let at = text.find("\"mean\":\"").unwrap() + 8;
    let digit = if &text[at..at + 1] == "4" { "5" } else { "4" };
    let damaged = format!("{}{digit}{}", &text[..at], &text[at + 1..]);
    std::fs::write(dir.join("damaged.json"), damaged).unwrap();
    for env in [&key[..], &[]] {
        let o = merge(&[&keyed[0], "damaged.json"], env);
        assert_eq!(o.status.code(), Some(2));
        assert!(
            stderr(&o).contains("damaged.json: content_sha256 does not match"),
            "{}",
            stderr(&o)
        );
    }
    // A FIFO is refused at once.
    assert!(Command::new("mkfifo")
        .arg(dir.join("fifo.json"))
        .status()
        .unwrap()
        .success());
    let o = merge(&["fifo.json"], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not a regular file"), "{}", stderr(&o));
}
