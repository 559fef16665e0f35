//! One result file named on the command line (`--report FILE.html`, `batch --out
//! results.csv`): checked before any work starts, never written over an existing
//! file without `--force`, and written whole or not at all (see [`crate::output`]).

use std::path::{Path, PathBuf};

use crate::error::{CliError, CliResult};
use crate::output::OutputDir;

/// A file to write at the end of a command.
pub struct OutputFile {
    dir: OutputDir,
    name: String,
}

impl OutputFile {
    /// Checks that `path` (given with option `flag`) can be written.
    pub fn prepare(path: &Path, force: bool, flag: &str) -> CliResult<Self> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .filter(|n| !n.is_empty())
            .ok_or_else(|| {
                CliError::Input(format!("{flag} {}: not a file name", path.display()))
            })?;
        if path.is_dir() {
            return Err(CliError::Input(format!(
                "{flag} {}: is a folder; give a file name",
                path.display()
            )));
        }
        let parent = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let dir = OutputDir::prepare(&parent, &[name.as_str()], force).map_err(|e| match e {
            CliError::Input(m) => CliError::Input(m.replacen("--out", flag, 1)),
            other => other,
        })?;
        Ok(OutputFile { dir, name })
    }

    /// Writes the file.
    pub fn write(&self, bytes: &[u8]) -> CliResult {
        self.dir.write_all(&[(self.name.as_str(), bytes.to_vec())])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_to_overwrite_without_force_and_writes_whole_files() {
        let dir = std::env::temp_dir().join(format!("plansim-outfile-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("r.html");
        let f = OutputFile::prepare(&path, false, "--report").unwrap();
        f.write(b"one").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"one");
        let e = OutputFile::prepare(&path, false, "--report").err().unwrap();
        assert!(e.to_string().starts_with("--report "), "{e}");
        assert!(e.to_string().contains("--force"), "{e}");
        OutputFile::prepare(&path, true, "--report")
            .unwrap()
            .write(b"two")
            .unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        assert!(OutputFile::prepare(&dir, true, "--report").is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
