//! Writing result files: into an output folder ([`OutputDir`]) or to one file named
//! on the command line ([`OutputFile`]), never over an existing file without
//! --force, never a half-written file (each is written to a temporary name in the
//! same folder and renamed into place). Commands deliver through
//! the one path that calls these.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use crate::error::{CliError, CliResult};

/// Held while files are written, so that Ctrl-C waits until they are all in place.
static WRITING: Mutex<()> = Mutex::new(());

/// Takes the lock that writing results holds: whoever holds it may write, and
/// whoever ends the process on Ctrl-C takes it first.
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

    /// Writes all files: each to a temporary file, then renamed into place. The
    /// caller holds [`write_lock`].
    pub fn write_all(&self, files: &[(&str, Vec<u8>)]) -> CliResult {
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

    /// Writes the file (the caller holds [`write_lock`]).
    pub fn write(&self, bytes: Vec<u8>) -> CliResult {
        self.dir.write_all(&[(self.name.as_str(), bytes)])
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
        f.write(b"one".to_vec()).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"one");
        let e = OutputFile::prepare(&path, false, "--report").err().unwrap();
        assert!(e.to_string().starts_with("--report "), "{e}");
        assert!(e.to_string().contains("--force"), "{e}");
        OutputFile::prepare(&path, true, "--report")
            .unwrap()
            .write(b"two".to_vec())
            .unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        assert!(OutputFile::prepare(&dir, true, "--report").is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
