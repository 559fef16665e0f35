//! `--shard`: which shard a run is: `--shard K/N` (K from 1), or `--shard` / `--shard auto[/N]`
//! to take it from a job array's environment.
//!
//! - Slurm job arrays: `SLURM_ARRAY_TASK_ID`, less `SLURM_ARRAY_TASK_MIN`, divided
//!   by `SLURM_ARRAY_TASK_STEP` (when set), is the index from 0, so `--array=0-7`
//!   and `--array=1-8` both give shards 1/8 to 8/8; N is `SLURM_ARRAY_TASK_COUNT`.
//! - Kubernetes Indexed Jobs: `JOB_COMPLETION_INDEX` is the index from 0; Kubernetes
//!   does not tell the pod the Job's completions, so N is given as `--shard auto/N`.

use crate::error::{CliError, CliResult};

/// Most shards a run may be split into.
pub const MAX_SHARDS: u64 = 1_000_000;

/// The value of `--shard`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShardArg {
    /// `K/N`: shard K (from 1) of N.
    Explicit {
        /// Shard, from 1.
        k: u64,
        /// Number of shards.
        n: u64,
    },
    /// `auto` or `auto/N`: the index (and N, unless given) from the environment.
    Auto {
        /// Number of shards, when given.
        n: Option<u64>,
    },
}

fn count(text: &str, what: &str) -> Result<u64, String> {
    match text.trim().parse::<u64>() {
        Ok(n) if (1..=MAX_SHARDS).contains(&n) => Ok(n),
        _ => Err(format!(
            "{what} must be a whole number from 1 to {MAX_SHARDS}, got `{text}`"
        )),
    }
}

/// Parses `K/N`, `auto` or `auto/N` (clap's value parser of `--shard`).
pub fn parse_shard_arg(text: &str) -> Result<ShardArg, String> {
    let usage = "expected K/N (shard K of N, K from 1 to N), auto, or auto/N";
    let (k, n) = match text.split_once('/') {
        Some((k, n)) => (k.trim(), Some(n)),
        None => (text.trim(), None),
    };
    if k.eq_ignore_ascii_case("auto") {
        return Ok(ShardArg::Auto {
            n: n.map(|n| count(n, "N")).transpose()?,
        });
    }
    let Some(n) = n else {
        return Err(format!("`{text}`: {usage}"));
    };
    let n = count(n, "N")?;
    let k = count(k, "K").map_err(|e| format!("{e} ({usage})"))?;
    if k > n {
        return Err(format!(
            "`{text}`: K must be from 1 to N = {n} (shards count from 1)"
        ));
    }
    Ok(ShardArg::Explicit { k, n })
}

/// A resolved shard: K from 1, N, and where they came from (for messages).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shard {
    /// Shard, from 1.
    pub k: u64,
    /// Number of shards.
    pub n: u64,
    /// Where K and N came from.
    pub origin: String,
}

fn env_number(env: &dyn Fn(&str) -> Option<String>, name: &str) -> CliResult<Option<u64>> {
    match env(name) {
        None => Ok(None),
        Some(v) => v.trim().parse::<u64>().map(Some).map_err(|_| {
            CliError::Input(format!(
                "--shard auto: {name}={v} is not a whole number; pass --shard K/N"
            ))
        }),
    }
}

/// Resolves `--shard` with the environment `env` (`std::env::var` in use; a map in tests).
pub fn resolve(arg: ShardArg, env: &dyn Fn(&str) -> Option<String>) -> CliResult<Shard> {
    let given_n = match arg {
        ShardArg::Explicit { k, n } => {
            return Ok(Shard {
                k,
                n,
                origin: format!("--shard {k}/{n}"),
            })
        }
        ShardArg::Auto { n } => n,
    };
    let input = |m: String| CliError::Input(format!("--shard auto: {m}"));
    let (index, env_n, origin) = if let Some(id) = env_number(env, "SLURM_ARRAY_TASK_ID")? {
        let min = env_number(env, "SLURM_ARRAY_TASK_MIN")?.unwrap_or(0);
        let step = env_number(env, "SLURM_ARRAY_TASK_STEP")?
            .unwrap_or(1)
            .max(1);
        let count = env_number(env, "SLURM_ARRAY_TASK_COUNT")?;
        if id < min || (id - min) % step != 0 {
            return Err(input(format!(
                "SLURM_ARRAY_TASK_ID={id} is not SLURM_ARRAY_TASK_MIN={min} plus a multiple of the step {step}; use a contiguous --array such as 1-8, or pass --shard K/N"
            )));
        }
        (
            (id - min) / step,
            count,
            format!("SLURM_ARRAY_TASK_ID={id} (min {min}, step {step})"),
        )
    } else if let Some(i) = env_number(env, "JOB_COMPLETION_INDEX")? {
        (i, None, format!("JOB_COMPLETION_INDEX={i}"))
    } else {
        return Err(input(
            "no job-array index in the environment (SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX); pass --shard K/N".into(),
        ));
    };
    let n = match (given_n, env_n) {
        (Some(g), Some(e)) if g != e => {
            return Err(input(format!(
                "--shard auto/{g} but SLURM_ARRAY_TASK_COUNT={e}; they must agree"
            )))
        }
        (Some(g), _) => g,
        (None, Some(e)) if (1..=MAX_SHARDS).contains(&e) => e,
        (None, Some(e)) => {
            return Err(input(format!(
                "SLURM_ARRAY_TASK_COUNT={e}: the number of shards must be from 1 to {MAX_SHARDS}"
            )))
        }
        (None, None) => {
            return Err(input(format!(
                "{origin} gives the shard's index but not the number of shards; pass --shard auto/N with N the Job's completions"
            )))
        }
    };
    if index >= n {
        return Err(input(format!(
            "{origin} is index {index} (from 0), but there are only {n} shards; use a contiguous array of N tasks, or pass --shard K/N"
        )));
    }
    Ok(Shard {
        k: index + 1,
        n,
        origin,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn with(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    fn resolved(arg: &str, vars: &[(&str, &str)]) -> CliResult<(u64, u64)> {
        let a = parse_shard_arg(arg).expect("parses");
        resolve(a, &with(vars)).map(|s| (s.k, s.n))
    }

    #[test]
    fn explicit_shards_count_from_one() {
        assert_eq!(
            parse_shard_arg("3/8"),
            Ok(ShardArg::Explicit { k: 3, n: 8 })
        );
        assert_eq!(parse_shard_arg("auto/4"), Ok(ShardArg::Auto { n: Some(4) }));
        assert_eq!(parse_shard_arg("auto"), Ok(ShardArg::Auto { n: None }));
        for bad in ["0/8", "9/8", "3", "3/0", "-1/8", "a/b", "3/8/2", ""] {
            assert!(parse_shard_arg(bad).is_err(), "{bad}");
        }
        assert!(parse_shard_arg("0/8").unwrap_err().contains("from 1"));
        assert!(parse_shard_arg("9/8")
            .unwrap_err()
            .contains("from 1 to N = 8"));
    }

    #[test]
    fn slurm_arrays_from_zero_or_one_give_the_same_shards() {
        let from0 = [
            ("SLURM_ARRAY_TASK_ID", "0"),
            ("SLURM_ARRAY_TASK_MIN", "0"),
            ("SLURM_ARRAY_TASK_COUNT", "8"),
        ];
        let from1 = [
            ("SLURM_ARRAY_TASK_ID", "8"),
            ("SLURM_ARRAY_TASK_MIN", "1"),
            ("SLURM_ARRAY_TASK_COUNT", "8"),
        ];
        assert_eq!(resolved("auto", &from0).unwrap(), (1, 8));
        assert_eq!(resolved("auto", &from1).unwrap(), (8, 8));
        assert_eq!(resolved("auto/8", &from1).unwrap(), (8, 8));
        assert!(resolved("auto/4", &from1).is_err());
        let stepped = [
            ("SLURM_ARRAY_TASK_ID", "6"),
            ("SLURM_ARRAY_TASK_MIN", "0"),
            ("SLURM_ARRAY_TASK_STEP", "2"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
        ];
        assert_eq!(resolved("auto", &stepped).unwrap(), (4, 4));
        // A sparse list such as --array=1,5,9 cannot be mapped onto 3 slices.
        let sparse = [
            ("SLURM_ARRAY_TASK_ID", "9"),
            ("SLURM_ARRAY_TASK_MIN", "1"),
            ("SLURM_ARRAY_TASK_COUNT", "3"),
        ];
        assert!(resolved("auto", &sparse).is_err());
    }

    #[test]
    fn kubernetes_indexes_count_from_zero_and_need_n() {
        let k8s = [("JOB_COMPLETION_INDEX", "2")];
        assert_eq!(resolved("auto/4", &k8s).unwrap(), (3, 4));
        let e = resolved("auto", &k8s).unwrap_err().to_string();
        assert!(e.contains("auto/N"), "{e}");
        assert!(resolved("auto/2", &k8s).is_err());
        let e = resolved("auto", &[]).unwrap_err().to_string();
        assert!(e.contains("SLURM_ARRAY_TASK_ID"), "{e}");
        assert!(resolved("auto/4", &[("JOB_COMPLETION_INDEX", "x")]).is_err());
        // An explicit K/N ignores the environment.
        assert_eq!(resolved("2/5", &k8s).unwrap(), (2, 5));
    }
}
