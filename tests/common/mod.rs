//! Helpers shared by the end-to-end tests in `tests/*.rs`: running the `plansim`
//! binary, reading its output, and a fresh temporary folder per test.

// Each test binary compiles this module and uses only some of the helpers.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// Job-array variables of Slurm and Kubernetes that `plansim run --shard` reads.
const ARRAY_VARS: [&str; 6] = [
    "SLURM_ARRAY_TASK_ID",
    "SLURM_ARRAY_TASK_MIN",
    "SLURM_ARRAY_TASK_MAX",
    "SLURM_ARRAY_TASK_STEP",
    "SLURM_ARRAY_TASK_COUNT",
    "JOB_COMPLETION_INDEX",
];

/// Runs the plansim binary under test with `args` and returns its output.
pub fn plansim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_plansim"))
        .args(args)
        .output()
        .expect("plansim runs")
}

/// Runs plansim in `dir` with `env` and no job-array variables or shard key of the
/// test's own environment.
pub fn plansim_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_plansim"));
    c.current_dir(dir).args(args);
    for v in ARRAY_VARS {
        c.env_remove(v);
    }
    c.env_remove("PLANSIM_SHARD_KEY");
    c.env_remove("PLANSIM_SHARD_KEY_FILE");
    c.envs(env.iter().copied());
    c.output().expect("plansim runs")
}

/// Returns `o` after asserting that plansim succeeded (its stderr is the failure message).
pub fn ok(o: Output) -> Output {
    assert!(
        o.status.success(),
        "plansim failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// The standard output of `o` as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The standard error of `o` as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The JSON on the standard output of `o`, after asserting that plansim succeeded.
pub fn json(o: &Output) -> Value {
    assert!(o.status.success(), "plansim failed: {}", stderr(o));
    serde_json::from_slice(&o.stdout).expect("valid JSON on stdout")
}

/// A test's scratch folder (a [`tempfile::TempDir`]): removed when the test passes, so
/// test runs leave nothing behind; kept, and its path printed, when the test fails (the
/// drop runs while panicking), so that what plansim wrote can be inspected. Derefs to
/// its path.
pub struct TempDir(Option<tempfile::TempDir>);

impl TempDir {
    /// The folder, kept after the value is dropped (a folder that outlives the test,
    /// such as the Slurm cluster shared by a file's tests).
    pub fn keep(mut self) -> PathBuf {
        self.0.take().expect("held until dropped").keep()
    }
}

impl std::ops::Deref for TempDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        self.0.as_ref().expect("held until dropped").path()
    }
}

impl AsRef<Path> for TempDir {
    fn as_ref(&self) -> &Path {
        self
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if std::thread::panicking() {
            if let Some(dir) = self.0.take() {
                eprintln!("kept the failed test's folder {}", dir.keep().display());
            }
        }
    }
}

/// A fresh, empty folder `plansim-<test file>-<name>-<random>` in the system's
/// temporary folder, removed when the test passes ([`TempDir`]); `tempfile` creates it
/// with the default permissions less the umask (0755 under the usual 022), which the
/// Slurm test's daemons, running as other users, need.
pub fn temp_dir(name: &str) -> TempDir {
    let dir = tempfile::Builder::new()
        .prefix(&format!("plansim-{}-{name}-", env!("CARGO_CRATE_NAME")))
        .tempdir()
        .expect("a temporary folder");
    TempDir(Some(dir))
}

/// The files directly in `dir` as (name, contents) pairs, sorted by name.
pub fn files_of(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

/// The files of a merge's `--out` folder without `merge.json` (what the merge was
/// made of, which a one-machine run does not write), and that record, checked: it
/// names every shard file in `shards` once, each with a 64-digit SHA-256.
pub fn merged_files(dir: &Path, shards: &[String]) -> Vec<(String, Vec<u8>)> {
    let mut files = files_of(dir);
    let at = files
        .iter()
        .position(|(n, _)| n == "merge.json")
        .expect("merge.json in the merge's --out");
    let (_, record) = files.remove(at);
    let record: Value = serde_json::from_slice(&record).expect("merge.json is JSON");
    let merged = record["merged_from"].as_array().expect("merged_from");
    assert_eq!(merged.len(), shards.len(), "{record}");
    for s in shards {
        let entry = merged
            .iter()
            .find(|m| m["file"] == s.as_str())
            .unwrap_or_else(|| panic!("{s} not in merge.json: {record}"));
        let digest = entry["content_sha256"].as_str().unwrap();
        assert!(
            digest.len() == 64 && digest.bytes().all(|b| b.is_ascii_hexdigit()),
            "{entry}"
        );
    }
    files
}

/// `text` with each `(from, to)` edit applied in turn (every occurrence of `from`
/// replaced by `to`); panics naming the edit when `from` is not in the text, so that a
/// fixture whose edit no longer matches the shipped file fails instead of silently
/// testing the unedited file.
pub fn edited(text: &str, edits: &[(&str, &str)]) -> String {
    let mut out = text.to_string();
    for (from, to) in edits {
        assert!(
            out.contains(from),
            "fixture edit `{from}` -> `{to}`: `{from}` is not in the text (did the shipped scenario change?)"
        );
        out = out.replace(from, to);
    }
    out
}

/// Environment variable by which a person running the tests skips, by name, the
/// checks whose tool this machine lacks (comma-separated: `chromium`, `meminfo`,
/// `avx512`).
/// CI never sets it, so there every check runs or fails.
pub const SKIP_VAR: &str = "PLANSIM_TEST_SKIP";

/// Called where a check cannot run because `what` is missing: fails the test, unless
/// [`SKIP_VAR`] names `key`, in which case it says on stderr that the check was
/// skipped and returns (the caller then skips it).
pub fn missing(key: &str, what: &str) {
    let skip = std::env::var(SKIP_VAR).unwrap_or_default();
    if skip.split(',').any(|k| k.trim() == key) {
        eprintln!("SKIPPED because {SKIP_VAR} names `{key}`: {what}");
        return;
    }
    panic!("{what}: this check cannot run here; to skip it knowingly, set {SKIP_VAR}={key}");
}

/// The first fenced block of `lang` after the heading that starts with `heading`.
pub fn doc_block(doc: &str, heading: &str, lang: &str) -> String {
    let at = doc
        .find(heading)
        .unwrap_or_else(|| panic!("no `{heading}`"));
    let rest = &doc[at..];
    let fence = format!("```{lang}\n");
    let start = rest.find(&fence).expect("a fenced block") + fence.len();
    let end = rest[start..].find("```").expect("a closed block");
    rest[start..start + end].to_string()
}

/// The text of docs/scale-out.md.
pub fn scale_out_doc() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/scale-out.md"))
        .expect("docs/scale-out.md")
}

/// PATH with the plansim under test first.
pub fn path_with_plansim() -> String {
    let bin = Path::new(env!("CARGO_BIN_EXE_plansim")).parent().unwrap();
    format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// A small, fast variant of the default scenario in `dir`/small.toml.
pub fn small_scenario(dir: &Path) {
    let text = edited(
        plansim_sim::scenario::DEFAULT_SCENARIO_TOML,
        &[
            ("size = 50 ", "size = 12 "),
            ("periods = 12 ", "periods = 6 "),
        ],
    );
    std::fs::write(dir.join("small.toml"), text).unwrap();
}

/// The template's case (scenarios/template-monitoring.toml) made small, with a planning
/// sample of `planning` replications, written to `dir`/`name`.
pub fn small_template(dir: &Path, name: &str, planning: u32) {
    let shipped = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/template-monitoring.toml"
    ))
    .unwrap();
    let sample = format!("reoptimize_replications = 16\nplanning_replications = {planning}");
    let text = edited(
        &shipped,
        &[
            ("size = 50 ", "size = 8 "),
            ("rounds = 12 ", "rounds = 3 "),
            ("reoptimize_evaluations = 20", "reoptimize_evaluations = 5"),
            ("reoptimize_replications = 96", &sample),
        ],
    );
    std::fs::write(dir.join(name), text).unwrap();
}
