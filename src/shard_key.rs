//! The shard key: a secret shared by the machines that write shards and the one that
//! merges them, from `PLANSIM_SHARD_KEY` (the key itself) or `PLANSIM_SHARD_KEY_FILE`
//! (a file holding it). With a key, every shard written carries an HMAC-SHA-256 tag
//! and `merge` refuses any shard whose tag does not check.

use std::io::Read;
use std::path::Path;

use plansim_analysis::shard::{ShardKey, MIN_KEY_BYTES};

use crate::error::{CliError, CliResult};

/// The variable holding the key itself.
pub const KEY_VAR: &str = "PLANSIM_SHARD_KEY";
/// The variable naming a file that holds the key.
pub const KEY_FILE_VAR: &str = "PLANSIM_SHARD_KEY_FILE";
/// Largest key file read.
const MAX_KEY_FILE: u64 = 4096;

/// The key from the environment (`var` reads a variable), or None when neither
/// variable is set. Trailing whitespace (a file's final newline) is not part of it.
pub fn from_env(var: &dyn Fn(&str) -> Option<String>) -> CliResult<Option<ShardKey>> {
    let bytes = match (var(KEY_VAR), var(KEY_FILE_VAR)) {
        (None, None) => return Ok(None),
        (Some(_), Some(_)) => {
            return Err(CliError::Input(format!(
                "both {KEY_VAR} and {KEY_FILE_VAR} are set; set one"
            )))
        }
        (Some(key), None) => key.into_bytes(),
        (None, Some(file)) => read_key_file(Path::new(&file))?,
    };
    let trimmed = bytes.trim_ascii_end().to_vec();
    let shown = if var(KEY_VAR).is_some() {
        KEY_VAR.to_string()
    } else {
        format!("{KEY_FILE_VAR} ({})", var(KEY_FILE_VAR).unwrap_or_default())
    };
    ShardKey::new(trimmed).map(Some).map_err(|n| {
        CliError::Input(format!(
            "{shown}: the shard key has {n} bytes, fewer than {MIN_KEY_BYTES}; use a random one, e.g. `openssl rand -hex 32`"
        ))
    })
}

/// Reads a key file: a regular file of at most [`MAX_KEY_FILE`] bytes.
fn read_key_file(path: &Path) -> CliResult<Vec<u8>> {
    let fail = |what: String| CliError::Input(format!("{KEY_FILE_VAR} {}: {what}", path.display()));
    let meta = std::fs::metadata(path).map_err(|e| fail(format!("cannot read it: {e}")))?;
    if !meta.is_file() {
        return Err(fail("not a regular file".into()));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_KEY_FILE + 1).read_to_end(&mut bytes))
        .map_err(|e| fail(format!("cannot read it: {e}")))?;
    if bytes.len() as u64 > MAX_KEY_FILE {
        return Err(fail(format!("larger than {MAX_KEY_FILE} bytes")));
    }
    Ok(bytes)
}

/// The key of this process's environment.
pub fn key() -> CliResult<Option<ShardKey>> {
    from_env(&|name| std::env::var(name).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_comes_from_one_variable_and_is_long_enough() {
        let none = |_: &str| None;
        assert!(from_env(&none).unwrap().is_none());
        let short = |n: &str| (n == KEY_VAR).then(|| "secret\n".to_string());
        let e = from_env(&short).unwrap_err().to_string();
        assert!(e.contains("6 bytes, fewer than 16"), "{e}");
        let good = |n: &str| (n == KEY_VAR).then(|| "0123456789abcdef0123".to_string());
        assert!(from_env(&good).unwrap().is_some());
        let both = |_: &str| Some("0123456789abcdef0123".to_string());
        assert!(from_env(&both).unwrap_err().to_string().contains("set one"));
        let dir = std::env::temp_dir().join(format!("plansim-key-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("key");
        std::fs::write(&file, "0123456789abcdef0123\n").unwrap();
        let shown = file.display().to_string();
        let from_file = |n: &str| (n == KEY_FILE_VAR).then(|| shown.clone());
        assert!(from_env(&from_file).unwrap().is_some());
        let folder = dir.display().to_string();
        let from_dir = |n: &str| (n == KEY_FILE_VAR).then(|| folder.clone());
        assert!(from_env(&from_dir)
            .unwrap_err()
            .to_string()
            .contains("not a regular file"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
