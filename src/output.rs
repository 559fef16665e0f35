//! Writing result files into an output folder: never over an existing file
//! without --force, never a half-written file (each is written to a temporary
//! name in the same folder and renamed into place).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use crate::error::{CliError, CliResult};

/// Held while files are written, so that Ctrl-C waits until they are all in place.
static WRITING: Mutex<()> = Mutex::new(());

/// Takes the lock that writing results holds (see `crate::cancel`).
pub fn write_lock() -> MutexGuard<'static, ()> {
    WRITING.lock().unwrap_or_else(|e| e.into_inner())
}

/// A set of files to write into one folder.
pub struct OutputDir {
    dir: PathBuf,
    force: bool,
}

impl OutputDir {
    /// Checks the folder can take `names` (creating it if needed) before any work starts.
    pub fn prepare(dir: &Path, names: &[&str], force: bool) -> CliResult<Self> {
        if dir.exists() && !dir.is_dir() {
            return Err(CliError::Input(format!(
                "--out {}: exists and is not a folder",
                dir.display()
            )));
        }
        if !force {
            let existing: Vec<String> = names
                .iter()
                .filter(|n| dir.join(n).exists())
                .map(|n| dir.join(n).display().to_string())
                .collect();
            if !existing.is_empty() {
                return Err(CliError::Input(format!(
                    "--out {}: would overwrite {}; pass --force to overwrite",
                    dir.display(),
                    existing.join(", ")
                )));
            }
        }
        fs::create_dir_all(dir).map_err(|e| {
            CliError::Input(format!(
                "--out {}: cannot create the folder: {e}",
                dir.display()
            ))
        })?;
        Ok(OutputDir {
            dir: dir.to_path_buf(),
            force,
        })
    }

    /// Writes all files: each to a temporary file, then renamed into place.
    pub fn write_all(&self, files: &[(&str, Vec<u8>)]) -> CliResult {
        let _writing = write_lock();
        let mut temps = Vec::with_capacity(files.len());
        for (name, bytes) in files {
            let target = self.dir.join(name);
            if !self.force && target.exists() {
                cleanup(&temps);
                return Err(CliError::Input(format!(
                    "{}: appeared during the run; pass --force to overwrite",
                    target.display()
                )));
            }
            let temp = self
                .dir
                .join(format!(".{name}.partial-{}", std::process::id()));
            let written = fs::File::create(&temp).and_then(|mut f| {
                f.write_all(bytes)?;
                f.sync_all()
            });
            if let Err(e) = written {
                let _ = fs::remove_file(&temp);
                cleanup(&temps);
                return Err(CliError::Internal(format!(
                    "cannot write {}: {e}",
                    target.display()
                )));
            }
            temps.push((temp, target));
        }
        for (i, (temp, target)) in temps.iter().enumerate() {
            if let Err(e) = fs::rename(temp, target) {
                cleanup(&temps[i..]);
                return Err(CliError::Internal(format!(
                    "cannot move {} into place: {e}",
                    target.display()
                )));
            }
        }
        Ok(())
    }
}

fn cleanup(temps: &[(PathBuf, PathBuf)]) {
    for (temp, _) in temps {
        let _ = fs::remove_file(temp);
    }
}

/// Writes `text` to stdout; a closed pipe (`plansim ... | head`) is not an error.
pub fn emit(text: &str) -> CliResult {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CliError::Internal(format!("cannot write to stdout: {e}"))),
    }
}
