//! The scale-out recipes of docs/scale-out.md where tests/shards.rs only sets a job
//! array's variables by hand: the Slurm scripts submitted, as the page prints them but
//! for their sizes, to a real one-node Slurm cluster started here (their merge equals
//! one run byte for byte, for `run` and `rounds`; a failed task and a request no node
//! can meet make the submission fail visibly), and the Kubernetes Indexed Job parsed as
//! YAML with each completion index running the right shard.
//!
//! The cluster needs Linux, root, and Debian's `slurm-wlm` and `munge` (`.ci/run`
//! installs them with `--no-install-recommends`). Without them the test prints a
//! SKIPPED line with the reason and passes, except in CI (`CI=true`), where it fails.

mod common;

use common::{doc_block, files_of, ok, plansim_in, scale_out_doc, small_scenario, temp_dir};
use yaml_rust2::{Yaml, YamlLoader};

/// 600 replications: 10 blocks, the last one partial.
const N_REPS: &str = "600";

/// The value after `flag` in `args`.
fn value_after<'a>(args: &[&'a str], flag: &str) -> Option<&'a str> {
    let at = args.iter().position(|a| *a == flag)?;
    args.get(at + 1).copied()
}

/// `(name, item)` for each item of a YAML list of mappings with a `name`.
fn named(list: &Yaml) -> Vec<(&str, &Yaml)> {
    list.as_vec()
        .expect("a list")
        .iter()
        .map(|item| (item["name"].as_str().expect("a name"), item))
        .collect()
}

#[test]
fn the_kubernetes_indexed_job_parses_and_completion_index_i_runs_shard_i_plus_1() {
    let manifest = doc_block(&scale_out_doc(), "## Kubernetes", "yaml");
    let docs = YamlLoader::load_from_str(&manifest).expect("the manifest is YAML");
    assert_eq!(docs.len(), 1, "one YAML document");
    let job = &docs[0];
    assert_eq!(job["apiVersion"].as_str(), Some("batch/v1"));
    assert_eq!(job["kind"].as_str(), Some("Job"));
    let spec = &job["spec"];
    assert_eq!(spec["completionMode"].as_str(), Some("Indexed"));
    let completions = spec["completions"].as_i64().expect("completions");
    assert!(completions >= 2, "completions: {completions}");
    let pod = &spec["template"]["spec"];
    assert_eq!(pod["restartPolicy"].as_str(), Some("Never"));
    let containers = pod["containers"].as_vec().expect("containers");
    assert_eq!(containers.len(), 1);
    let container = &containers[0];
    let command: Vec<&str> = container["command"]
        .as_vec()
        .expect("a command list")
        .iter()
        .map(|a| a.as_str().expect("string arguments"))
        .collect();
    assert_eq!(command[..2], ["plansim", "run"]);
    // The index variable gives K; N is written out and must be the Job's completions.
    let n_shards = format!("auto/{completions}");
    assert_eq!(value_after(&command, "--shard"), Some(n_shards.as_str()));
    // As many threads as the CPUs the pod requests.
    assert_eq!(
        value_after(&command, "--threads"),
        container["resources"]["requests"]["cpu"].as_str()
    );
    // The scenario is read from the ConfigMap's mount, the shards go to the claim's.
    let volumes = named(&pod["volumes"]);
    let mount_of = |kind: &str| {
        let volume = volumes
            .iter()
            .find(|(_, v)| !v[kind].is_badvalue())
            .unwrap_or_else(|| panic!("a {kind} volume"))
            .0;
        named(&container["volumeMounts"])
            .into_iter()
            .find(|(name, _)| *name == volume)
            .unwrap_or_else(|| panic!("{volume} is mounted"))
            .1["mountPath"]
            .as_str()
            .expect("a mountPath")
            .to_string()
    };
    let scenario = command[2];
    assert!(
        scenario.starts_with(&format!("{}/", mount_of("configMap"))),
        "{scenario}"
    );
    let out = value_after(&command, "--out").expect("--out");
    assert_eq!(out, mount_of("persistentVolumeClaim"));

    // The pod's command once per index, in a folder standing for its two mounts.
    let dir = temp_dir("k8s");
    std::fs::create_dir_all(dir.join("scenario")).unwrap();
    small_scenario(&dir.join("scenario"));
    let reps = value_after(&command, "-n").expect("-n");
    let args: Vec<&str> = command[1..]
        .iter()
        .map(|a| match *a {
            a if a == scenario => "scenario/small.toml",
            a if a == out => "shards",
            a if a == reps => N_REPS,
            a => a,
        })
        .collect();
    for index in 0..completions {
        ok(plansim_in(
            &dir,
            &args,
            &[("JOB_COMPLETION_INDEX", &index.to_string())],
        ));
        // Index i added exactly shard i + 1 of `completions`.
        let written = files_of(&dir.join("shards"));
        assert_eq!(written.len() as i64, index + 1);
        let name = format!("shard-{}-of-{completions}.json", index + 1);
        let (_, text) = written
            .iter()
            .find(|(n, _)| *n == name)
            .unwrap_or_else(|| panic!("index {index} did not write {name}"));
        let shard: serde_json::Value = serde_json::from_slice(text).unwrap();
        assert_eq!(shard["shard"], index + 1);
        assert_eq!(shard["shards"], completions);
    }
    let mut merge = vec!["merge".to_string()];
    merge.extend((1..=completions).map(|k| format!("shards/shard-{k}-of-{completions}.json")));
    merge.extend(["--format".into(), "json".into()]);
    let merge: Vec<&str> = merge.iter().map(String::as_str).collect();
    let merged = ok(plansim_in(&dir, &merge, &[])).stdout;
    let single = ok(plansim_in(
        &dir,
        &[
            "run",
            "scenario/small.toml",
            "-n",
            N_REPS,
            "--format",
            "json",
        ],
        &[],
    ))
    .stdout;
    assert!(merged == single, "Kubernetes recipe differs");
}

#[cfg(target_os = "linux")]
mod slurm {
    //! A one-node Slurm cluster of the test's own, and the doc's scripts run on it.
    //!
    //! Pitfalls met while setting it up by hand, each handled below:
    //! - munged refuses a socket folder that not everyone may enter ("Socket is
    //!   inaccessible: execute permissions for all required"), while its key must be
    //!   the munge user's alone: the socket gets a folder of its own (0755) apart from
    //!   the key's (0700). No /run/munge is needed: slurm.conf's `AuthInfo=socket=`
    //!   points the daemons and the clients at the test's munged.
    //! - slurmctld refuses to start unless `SlurmctldHost` names this host ("This host
    //!   (vm/vm) not a valid controller"): the real short hostname, at 127.0.0.1.
    //! - slurmd re-lays out a node declared with `CPUs=` alone ("Node reconfigured
    //!   socket/core boundaries"): the node line is `slurmd -C`'s, what slurmd finds.
    //! - A task asking for more CPUs than the node has stays pending forever
    //!   (`Reason=PartitionConfig`) unless `EnforcePartLimits=ALL`.
    //! - `sbatch --wait` sleeps 2 s, then 8, then 32 s between polls unless `MinJobAge`
    //!   is at most 5 s; and it exits 0 for a merge cancelled because the array failed
    //!   (and for a job purged before it looked), so the recipe and the test read the
    //!   files, not that exit code.
    //! - With the default `SchedulerParameters` a pending task started up to 3 s after
    //!   a CPU came free; with `batch_sched_delay=0` a submission of 4 tasks and the
    //!   merge takes about 4 s instead of 8.
    //! - Every daemon is started in the foreground (`-D`, `--foreground`) as a child of
    //!   the test, so that the test can stop exactly the processes it started.

    use std::fs;
    use std::io::{Read, Write};
    use std::net::TcpListener;
    use std::os::unix::fs::{chown, PermissionsExt};
    use std::os::unix::process::CommandExt;
    use std::path::{Path, PathBuf};
    use std::process::{Child, Command, ExitStatus, Stdio};
    use std::thread::sleep;
    use std::time::{Duration, Instant};

    use super::common::{
        doc_block, files_of, merged_files, ok, path_with_plansim, plansim_in, scale_out_doc,
        small_scenario, small_template, temp_dir, TempDir,
    };

    /// The programs the cluster and the scripts run.
    const PROGRAMS: [&str; 8] = [
        "munged",
        "slurmctld",
        "slurmd",
        "sbatch",
        "scontrol",
        "sinfo",
        "squeue",
        "scancel",
    ];

    /// The one node's name in slurm.conf.
    const NODE: &str = "plansim";

    /// Longest a submission may take before the test kills it: a guard against a hang,
    /// not a timing (one takes about 4 s).
    const SUBMISSION_LIMIT: Duration = Duration::from_secs(300);

    /// Where `name` is installed (PATH, then the sbin folders root's PATH may lack).
    fn program(name: &str) -> Option<PathBuf> {
        let path = std::env::var_os("PATH").unwrap_or_default();
        std::env::split_paths(&path)
            .chain(["/usr/sbin", "/usr/bin", "/sbin", "/bin"].map(PathBuf::from))
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    }

    /// The user and group ids of `user` in /etc/passwd.
    fn ids_of(user: &str) -> Option<(u32, u32)> {
        let passwd = fs::read_to_string("/etc/passwd").ok()?;
        passwd.lines().find_map(|line| {
            let f: Vec<&str> = line.split(':').collect();
            if f.len() > 3 && f[0] == user {
                Some((f[2].parse().ok()?, f[3].parse().ok()?))
            } else {
                None
            }
        })
    }

    /// Why no cluster can start here, if it cannot.
    fn unavailable() -> Option<String> {
        let status = fs::read_to_string("/proc/self/status").unwrap_or_default();
        let euid = status
            .lines()
            .find_map(|l| l.strip_prefix("Uid:"))
            .and_then(|ids| ids.split_whitespace().nth(1))
            .unwrap_or("?");
        if euid != "0" {
            return Some(format!(
                "not root (uid {euid}): slurmd runs each job as its user and munged as munge"
            ));
        }
        if let Some(missing) = PROGRAMS.iter().find(|p| program(p).is_none()) {
            return Some(format!(
                "`{missing}` is not installed (apt-get install --no-install-recommends slurm-wlm munge)"
            ));
        }
        if ids_of("munge").is_none() {
            return Some("no munge user (apt-get install munge)".into());
        }
        None
    }

    /// A command with no Slurm variables of the test's own environment (it may itself
    /// run inside a job) and with this cluster's slurm.conf.
    fn scrubbed(program_path: &Path, conf: &Path) -> Command {
        let mut c = Command::new(program_path);
        for (key, _) in std::env::vars_os() {
            let key = key.to_string_lossy();
            if ["SLURM_", "SBATCH_", "SALLOC_", "SRUN_", "SQUEUE_", "SINFO_"]
                .iter()
                .any(|p| key.starts_with(p))
                || [
                    "JOB_COMPLETION_INDEX",
                    "N",
                    "PLANSIM_COMMAND",
                    "SCENARIO",
                    "REPLICATIONS",
                ]
                .contains(&key.as_ref())
            {
                c.env_remove(key.as_ref());
            }
        }
        c.env("SLURM_CONF", conf);
        c
    }

    /// Creates the folder `path` with permissions `mode`.
    fn mkdir(path: &Path, mode: u32) {
        fs::create_dir_all(path).unwrap();
        fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
    }

    /// The last lines of `path`, for a failure message.
    fn tail(path: &Path) -> String {
        let text = fs::read_to_string(path).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(15)..].join("\n")
    }

    /// What a submission did.
    struct Submission {
        status: ExitStatus,
        stdout: String,
        stderr: String,
    }

    /// A one-node Slurm cluster: munged, slurmctld and slurmd, with their key, socket,
    /// state, spool and logs in a folder of its own and on two free loopback ports.
    /// Dropping it cancels its jobs and stops the three daemons, also when a test fails.
    struct Cluster {
        dir: PathBuf,
        conf: PathBuf,
        cpus: u32,
        daemons: Vec<(&'static str, Child)>,
    }

    impl Cluster {
        /// The cluster, or None after printing why it cannot start (outside CI).
        fn start_or_skip(test: &str) -> Option<Cluster> {
            if let Some(reason) = unavailable() {
                if std::env::var("CI").is_ok_and(|v| v == "true") {
                    panic!("{test}: cannot start a Slurm cluster in CI: {reason}");
                }
                // Straight to the stderr handle, past the test harness's capture, so
                // that `cargo test` shows it.
                let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {reason}");
                return None;
            }
            Some(Cluster::start())
        }

        fn start() -> Cluster {
            // The cluster outlives each test that uses it.
            let dir = temp_dir("cluster").keep();
            mkdir(&dir, 0o755);
            let (munge_uid, munge_gid) = ids_of("munge").unwrap();
            // munged's key (the munge user's alone) and socket folder (enterable by all).
            let key_dir = dir.join("munge-key");
            let socket_dir = dir.join("munge-run");
            mkdir(&key_dir, 0o700);
            mkdir(&socket_dir, 0o755);
            let key = key_dir.join("munge.key");
            let mut bytes = vec![0u8; 1024];
            fs::File::open("/dev/urandom")
                .unwrap()
                .read_exact(&mut bytes)
                .unwrap();
            fs::write(&key, &bytes).unwrap();
            fs::set_permissions(&key, fs::Permissions::from_mode(0o400)).unwrap();
            for p in [&key_dir, &socket_dir, &key] {
                chown(p, Some(munge_uid), Some(munge_gid)).unwrap();
            }
            let socket = socket_dir.join("munge.socket");
            for sub in ["state", "spool", "log"] {
                mkdir(&dir.join(sub), 0o755);
            }
            let log = |name: &str| {
                Stdio::from(fs::File::create(dir.join("log").join(format!("{name}.out"))).unwrap())
            };
            let mut cluster = Cluster {
                conf: dir.join("slurm.conf"),
                dir: dir.clone(),
                cpus: 0,
                daemons: Vec::new(),
            };
            let munged = Command::new(program("munged").unwrap())
                .arg("--foreground")
                .arg(format!("--socket={}", socket.display()))
                .arg(format!("--key-file={}", key.display()))
                .arg(format!(
                    "--pid-file={}",
                    socket_dir.join("munged.pid").display()
                ))
                .arg(format!(
                    "--log-file={}",
                    socket_dir.join("munged.log").display()
                ))
                .arg(format!(
                    "--seed-file={}",
                    key_dir.join("munged.seed").display()
                ))
                .uid(munge_uid)
                .gid(munge_gid)
                .stdout(log("munged"))
                .stderr(log("munged"))
                .spawn()
                .expect("munged starts");
            cluster.daemons.push(("munged", munged));
            cluster.wait_for("munged's socket", |_| socket.exists());

            // The node as slurmd sees it (CPUs, sockets, cores, memory), at 127.0.0.1.
            let hardware = scrubbed(&program("slurmd").unwrap(), &cluster.conf)
                .arg("-C")
                .output()
                .expect("slurmd -C runs");
            let hardware = String::from_utf8_lossy(&hardware.stdout).into_owned();
            let node_line = hardware
                .lines()
                .find(|l| l.starts_with("NodeName="))
                .unwrap_or_else(|| panic!("slurmd -C printed no node: {hardware}"));
            cluster.cpus = node_line
                .split_whitespace()
                .find_map(|f| f.strip_prefix("CPUs="))
                .and_then(|c| c.parse().ok())
                .expect("CPUs= in slurmd -C");
            let hostname = fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
            let hostname = hostname.trim().split('.').next().unwrap().to_string();
            let node = node_line
                .split_whitespace()
                .map(|f| {
                    if f.starts_with("NodeName=") {
                        format!("NodeName={NODE} NodeAddr=127.0.0.1 NodeHostname={hostname}")
                    } else {
                        f.to_string()
                    }
                })
                .collect::<Vec<_>>()
                .join(" ");
            // Two free ports (held together so that they differ).
            let listeners = [0, 1].map(|_| TcpListener::bind("127.0.0.1:0").unwrap());
            let [ctld_port, slurmd_port] =
                [&listeners[0], &listeners[1]].map(|l| l.local_addr().unwrap().port());
            let d = dir.display();
            let conf = format!(
                "# A one-node cluster for tests/scale_out.rs.
ClusterName=plansim
SlurmctldHost={hostname}(127.0.0.1)
SlurmctldPort={ctld_port}
SlurmdPort={slurmd_port}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={socket}
StateSaveLocation={d}/state
SlurmdSpoolDir={d}/spool
SlurmctldPidFile={d}/slurmctld.pid
SlurmdPidFile={d}/slurmd.pid
SlurmctldLogFile={d}/log/slurmctld.log
SlurmdLogFile={d}/log/slurmd.log
MailProg=/bin/true
# No cgroups: processes tracked by their parents, tasks not bound to CPUs.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
# No accounting (no slurmdbd, no sacct).
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
# A request no node can meet is refused at once instead of pending forever.
EnforcePartLimits=ALL
# sbatch --wait polls every 2 s when MinJobAge is at most 5 s.
MinJobAge=4
{node} State=UNKNOWN
PartitionName=main Nodes={NODE} Default=YES MaxTime=INFINITE State=UP
",
                socket = socket.display(),
            );
            drop(listeners);
            fs::write(&cluster.conf, conf).unwrap();
            for (name, args) in [
                ("slurmctld", vec!["-D", "-i", "-f"]),
                ("slurmd", vec!["-D", "-N", NODE, "-f"]),
            ] {
                let child = scrubbed(&program(name).unwrap(), &cluster.conf)
                    .args(args)
                    .arg(&cluster.conf)
                    .current_dir(&dir)
                    .stdout(log(name))
                    .stderr(log(name))
                    .spawn()
                    .unwrap_or_else(|e| panic!("{name} does not start: {e}"));
                cluster.daemons.push((name, child));
            }
            cluster.wait_for("the node to be idle", |cluster| {
                let o = cluster
                    .command("sinfo")
                    .args(["-h", "-n", NODE, "-o", "%T"])
                    .output()
                    .unwrap();
                String::from_utf8_lossy(&o.stdout).trim() == "idle"
            });
            cluster
        }

        /// A Slurm client command of this cluster.
        fn command(&self, name: &str) -> Command {
            scrubbed(&program(name).unwrap(), &self.conf)
        }

        /// Waits up to 60 s for `ready`, failing early if a daemon has exited.
        fn wait_for(&mut self, what: &str, mut ready: impl FnMut(&Cluster) -> bool) {
            let start = Instant::now();
            while !ready(self) {
                if let Some(exited) = self.exited() {
                    panic!("{exited} while waiting for {what}:\n{}", self.logs());
                }
                assert!(
                    start.elapsed() < Duration::from_secs(60),
                    "no {what} after 60 s:\n{}",
                    self.logs()
                );
                sleep(Duration::from_millis(100));
            }
        }

        /// Which daemon has exited, if one has.
        fn exited(&mut self) -> Option<String> {
            self.daemons
                .iter_mut()
                .find_map(|(name, child)| match child.try_wait() {
                    Ok(Some(status)) => Some(format!("{name} exited ({status})")),
                    _ => None,
                })
        }

        /// The end of each daemon's log.
        fn logs(&self) -> String {
            let log = self.dir.join("log");
            [
                log.join("munged.out"),
                self.dir.join("munge-run/munged.log"),
                log.join("slurmctld.out"),
                log.join("slurmctld.log"),
                log.join("slurmd.out"),
                log.join("slurmd.log"),
            ]
            .iter()
            .map(|p| format!("== {}\n{}", p.display(), tail(p)))
            .collect::<Vec<_>>()
            .join("\n")
        }

        /// The ids of this cluster's jobs still queued or running.
        fn jobs(&self) -> Vec<String> {
            let o = self.command("squeue").args(["-h", "-o", "%A"]).output();
            o.map(|o| {
                String::from_utf8_lossy(&o.stdout)
                    .split_whitespace()
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
        }

        /// Runs `bash plansim-submit.sh args` in `dir` with `env` (besides PATH: `path`),
        /// in a process group of its own that is killed whole after SUBMISSION_LIMIT.
        fn submit(
            &self,
            dir: &Path,
            path: &str,
            env: &[(&str, &str)],
            args: &[&str],
        ) -> Submission {
            let label = dir.file_name().unwrap().to_string_lossy().into_owned();
            let out = self.dir.join("log").join(format!("{label}.stdout"));
            let err = self.dir.join("log").join(format!("{label}.stderr"));
            let start = Instant::now();
            let mut child = scrubbed(&program("bash").unwrap(), &self.conf)
                .arg("plansim-submit.sh")
                .args(args)
                .current_dir(dir)
                .env("PATH", path)
                .envs(env.iter().copied())
                .stdin(Stdio::null())
                .stdout(fs::File::create(&out).unwrap())
                .stderr(fs::File::create(&err).unwrap())
                .process_group(0)
                .spawn()
                .expect("bash runs");
            let status = loop {
                if let Some(status) = child.try_wait().unwrap() {
                    break status;
                }
                if start.elapsed() > SUBMISSION_LIMIT {
                    let _ = Command::new("kill")
                        .args(["-KILL", "--", &format!("-{}", child.id())])
                        .status();
                    let _ = child.wait();
                    panic!(
                        "{label}: the submission did not end in {SUBMISSION_LIMIT:?}; jobs {:?}\n{}\n{}",
                        self.jobs(),
                        tail(&err),
                        self.logs()
                    );
                }
                sleep(Duration::from_millis(50));
            };
            Submission {
                status,
                stdout: fs::read_to_string(&out).unwrap(),
                stderr: fs::read_to_string(&err).unwrap(),
            }
        }
    }

    impl Drop for Cluster {
        fn drop(&mut self) {
            // No task may outlive the cluster: cancel every job, wait until none is left
            // (unless a daemon has died, when squeue would only wait for it).
            let jobs = if self.exited().is_none() {
                self.jobs()
            } else {
                Vec::new()
            };
            if !jobs.is_empty() {
                let _ = self.command("scancel").args(&jobs).status();
                let start = Instant::now();
                while !self.jobs().is_empty() && start.elapsed() < Duration::from_secs(15) {
                    sleep(Duration::from_millis(200));
                }
            }
            // Then the daemons, last started first: SIGTERM, and SIGKILL after 10 s.
            for (_, child) in self.daemons.iter_mut().rev() {
                let _ = Command::new("kill").arg(child.id().to_string()).status();
                let start = Instant::now();
                while matches!(child.try_wait(), Ok(None)) {
                    if start.elapsed() > Duration::from_secs(10) {
                        let _ = child.kill();
                        let _ = child.wait();
                        break;
                    }
                    sleep(Duration::from_millis(50));
                }
            }
            if std::thread::panicking() {
                let _ = writeln!(
                    std::io::stderr(),
                    "the cluster's files are kept in {}",
                    self.dir.display()
                );
            } else {
                let _ = fs::remove_dir_all(&self.dir);
            }
        }
    }

    /// Test double for the failure path: array task 3 runs plansim on bad.toml
    /// instead of the scenario it was given; everything else is the plansim under test.
    const BAD_TASK_3: &str = "#!/bin/bash
if [ \"${SLURM_ARRAY_TASK_ID:-}\" = 3 ]; then set -- \"$1\" bad.toml \"${@:3}\"; fi
exec PLANSIM \"$@\"
";

    /// A fresh folder holding the doc's two scripts, the array script's task asking
    /// for `cpus` CPUs and 1 GB instead of 4 and 4 GB (the only change).
    fn folder_with_scripts(name: &str, cpus: u32) -> TempDir {
        let doc = scale_out_doc();
        let array = doc_block(&doc, "## Slurm", "bash");
        let submit = doc_block(&doc, "### Submit, wait, check", "bash");
        assert!(array.contains("\n#SBATCH --cpus-per-task=4\n#SBATCH --mem=4G\n"));
        assert!(submit.contains("sbatch --parsable --array=1-\"$N\" plansim-array.sh"));
        let array = array
            .replace("--cpus-per-task=4", &format!("--cpus-per-task={cpus}"))
            .replace("--mem=4G", "--mem=1G");
        let dir = temp_dir(name);
        fs::write(dir.join("plansim-array.sh"), array).unwrap();
        fs::write(dir.join("plansim-submit.sh"), submit).unwrap();
        dir
    }

    /// The shard files in `dir`/shards, by name.
    fn shard_names(dir: &Path) -> Vec<String> {
        let shards = dir.join("shards");
        if !shards.exists() {
            return Vec::new();
        }
        files_of(&shards).into_iter().map(|(n, _)| n).collect()
    }

    /// The names of the .log files in `dir`, sorted.
    fn logs_in(dir: &Path) -> Vec<String> {
        let mut logs: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".log"))
            .collect();
        logs.sort();
        logs
    }

    /// Asserts the submission succeeded and its result.json and results/ are those of
    /// one process running `single` (the same scenario, seed and replications).
    fn assert_merged_equals_single(dir: &Path, s: &Submission, kind: &str, single: &[&str]) {
        assert!(
            s.status.success(),
            "the submission failed ({}): {}",
            s.status,
            s.stderr
        );
        assert!(s.stdout.contains("merged 4 shards"), "{}", s.stdout);
        // The array ran 4 tasks, one shard each, and the merge ran as a job of its own.
        let expected: Vec<String> = (1..=4).map(|k| format!("{kind}-{k}-of-4.json")).collect();
        assert_eq!(shard_names(dir), expected);
        let logs = logs_in(dir);
        assert_eq!(logs.len(), 5, "4 task logs and the merge's: {logs:?}");
        assert!(logs.iter().any(|n| n.starts_with("plansim-merge-")));
        let merged = fs::read(dir.join("result.json")).expect("result.json");
        let mut args = single.to_vec();
        args.extend(["--format", "json", "--out", "single"]);
        let one = ok(plansim_in(dir, &args, &[])).stdout;
        assert!(
            merged == one,
            "{kind}: result.json differs from one process"
        );
        // Without merge.json, the record of the shards merged.
        let shard_files: Vec<String> = expected.iter().map(|n| format!("shards/{n}")).collect();
        let files = merged_files(&dir.join("results"), &shard_files);
        assert!(files.len() >= 3, "{files:?}");
        assert!(
            files == files_of(&dir.join("single")),
            "{kind}: results/ differs from one process's --out"
        );
    }

    #[test]
    fn the_slurm_scripts_of_the_docs_run_on_a_real_cluster_and_merge_to_one_run() {
        let Some(cluster) = Cluster::start_or_skip(
            "the_slurm_scripts_of_the_docs_run_on_a_real_cluster_and_merge_to_one_run",
        ) else {
            return;
        };
        let path = path_with_plansim();

        // `plansim run` over 4 tasks, then the merge job.
        let dir = folder_with_scripts("run", 1);
        small_scenario(&dir);
        let env = [
            ("N", "4"),
            ("PLANSIM_COMMAND", "run"),
            ("SCENARIO", "small.toml"),
            ("REPLICATIONS", super::N_REPS),
        ];
        let s = cluster.submit(&dir, &path, &env, &["--seed", "11"]);
        let single = ["run", "small.toml", "-n", super::N_REPS, "--seed", "11"];
        assert_merged_equals_single(&dir, &s, "shard", &single);
        // A second submission into the same folder is refused before it submits.
        let again = cluster.submit(&dir, &path, &env, &["--seed", "11"]);
        assert_eq!(again.status.code(), Some(2), "{}", again.stderr);
        assert!(
            again.stderr.contains("move them away first"),
            "{}",
            again.stderr
        );
        assert!(cluster.jobs().is_empty());

        // `plansim rounds --compare-policies` over 4 tasks (a planning sample of 100,
        // which every task simulates, and 300 replications).
        let dir = folder_with_scripts("rounds", 1);
        small_template(&dir, "t.toml", 100);
        let env = [
            ("N", "4"),
            ("PLANSIM_COMMAND", "rounds"),
            ("SCENARIO", "t.toml"),
            ("REPLICATIONS", "300"),
        ];
        let options = ["--seed", "5", "--compare-policies"];
        let s = cluster.submit(&dir, &path, &env, &options);
        let mut single = vec!["rounds", "t.toml", "-n", "300"];
        single.extend(options);
        assert_merged_equals_single(&dir, &s, "rounds-shard", &single);

        // Task 3 of 4 fails (its scenario does not parse): the merge never runs and the
        // submission exits with 1, naming the shard, with no result.
        let dir = folder_with_scripts("failed-task", 1);
        small_scenario(&dir);
        fs::write(dir.join("bad.toml"), "[plan\n").unwrap();
        fs::create_dir(dir.join("bin")).unwrap();
        let shim = dir.join("bin/plansim");
        fs::write(
            &shim,
            BAD_TASK_3.replace("PLANSIM", env!("CARGO_BIN_EXE_plansim")),
        )
        .unwrap();
        fs::set_permissions(&shim, fs::Permissions::from_mode(0o755)).unwrap();
        let shim_path = format!("{}:{path}", dir.join("bin").display());
        let env = [
            ("N", "4"),
            ("PLANSIM_COMMAND", "run"),
            ("SCENARIO", "small.toml"),
            ("REPLICATIONS", super::N_REPS),
        ];
        let s = cluster.submit(&dir, &shim_path, &env, &["--seed", "11"]);
        assert_eq!(s.status.code(), Some(1), "{}", s.stderr);
        assert!(
            s.stderr
                .contains("shard(s) 3 of 4 failed, so the merge did not run"),
            "{}",
            s.stderr
        );
        assert_eq!(
            shard_names(&dir),
            [
                "shard-1-of-4.json",
                "shard-2-of-4.json",
                "shard-4-of-4.json"
            ]
        );
        for absent in ["result.json", "result.json.part", "results"] {
            assert!(!dir.join(absent).exists(), "{absent} exists");
        }
        let task_3_log = logs_in(&dir)
            .into_iter()
            .find(|n| n.starts_with("plansim-") && n.ends_with("_3.log"))
            .expect("task 3's log");
        let task_3_log = fs::read_to_string(dir.join(task_3_log)).unwrap();
        assert!(task_3_log.contains("bad.toml"), "{task_3_log}");
        assert!(cluster.jobs().is_empty(), "{:?}", cluster.jobs());

        // A task asking for one CPU more than the node has: refused at once (sbatch
        // --test-only's message), nothing submitted, nothing written.
        let dir = folder_with_scripts("too-big", cluster.cpus + 1);
        small_scenario(&dir);
        let s = cluster.submit(&dir, &path, &env, &[]);
        assert!(!s.status.success());
        assert!(s.stderr.contains("allocation failure"), "{}", s.stderr);
        assert!(!dir.join("shards").exists() && !dir.join("result.json").exists());
        assert!(cluster.jobs().is_empty());
    }
}
