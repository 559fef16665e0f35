//! Result files: into an output folder ([`OutputDir`]) or to one file named on the
//! command line ([`OutputFile`]).
//!
//! What plansim promises about them (the README's "Guarantees"), and how:
//!
//! - Every output path is checked when the command starts, before its work: the folder
//!   is created and must take files, a file in the way is refused without `--force`,
//!   a symbolic link is never written through or replaced, a folder, block device or
//!   socket is refused, and `--report` may not name a file `--out` writes.
//! - Each path is locked for the whole command (`flock` on `.NAME.plansim-lock` beside
//!   it, removed at the end), so a second plansim writing the same path fails at once
//!   instead of both finishing and one silently replacing the other. Shards of one run
//!   write different names into one folder and do not block each other.
//! - A file is written to a temporary file created exclusively (`O_EXCL`, a random
//!   name `.NAME.XXXXXXXX.plansim-tmp`, never through a link) in the same folder, then
//!   renamed into place: a file at an output path is never half-written, even after
//!   SIGKILL. Without `--force` the rename refuses to replace anything that appeared.
//!   Temporary files of a process that died are removed by the next run that locks
//!   the same name.
//! - All of a command's files are written to temporary files first and only then put
//!   in place; a signal before the first is put in place abandons them all (nothing is
//!   written), and one after waits until all are in place.
//! - A character device or FIFO at an output path (`--report /dev/stdout`) is written
//!   into, never replaced.

use std::ffi::{OsStr, OsString};
use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use tempfile::NamedTempFile;

use crate::error::{CliError, CliResult};

/// Held while results are delivered, so that a signal waits until they are all in place.
static WRITING: Mutex<()> = Mutex::new(());

/// Takes the lock that delivering results holds: whoever holds it may deliver, and
/// whoever ends the process on a signal takes it first.
pub fn write_lock() -> MutexGuard<'static, ()> {
    WRITING.lock().unwrap_or_else(|e| e.into_inner())
}

/// What is on disk, for the message of a process ended by a signal.
#[derive(Default)]
struct State {
    /// Lock files held.
    locks: Vec<PathBuf>,
    /// Temporary files written and not yet put in place.
    temps: Vec<PathBuf>,
    /// Folders this process created, outermost first.
    created: Vec<PathBuf>,
    /// Output paths put in place (or written into), as shown.
    placed: Vec<String>,
    /// Output paths of the delivery under way not yet put in place.
    pending: Vec<String>,
    /// True when stdout was printed too.
    delivered: bool,
}

static STATE: Mutex<State> = Mutex::new(State {
    locks: Vec::new(),
    temps: Vec::new(),
    created: Vec::new(),
    placed: Vec::new(),
    pending: Vec::new(),
    delivered: false,
});

fn state() -> MutexGuard<'static, State> {
    STATE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Called by a process ending on a signal: removes its temporary files, its lock files
/// and the empty folders it created, and says what is on disk. `at_once` when a
/// delivery may be half done.
pub fn abandon(at_once: bool) -> String {
    let mut s = state();
    for t in s.temps.drain(..) {
        let _ = fs::remove_file(t);
    }
    for l in s.locks.drain(..) {
        let _ = fs::remove_file(l);
    }
    if s.placed.is_empty() {
        for d in s.created.iter().rev() {
            let _ = fs::remove_dir(d);
        }
    }
    let placed = s.placed.join(", ");
    let pending = s.pending.join(", ");
    match (s.placed.is_empty(), s.pending.is_empty()) {
        (true, true) if s.delivered => "the results had been printed; no file was written".into(),
        (true, _) => "no output file was written".into(),
        (false, true) if s.delivered => {
            format!("the results had been delivered, each file whole: {placed}")
        }
        (false, true) => format!("each file written is whole: {placed}"),
        (false, false) => format!(
            "{} put in place whole: {placed}; not written: {pending}{}",
            if s.placed.len() == 1 { "was" } else { "were" },
            if at_once {
                " (its temporary file is removed by the next run into that folder if it is left)"
            } else {
                ""
            }
        ),
    }
}

/// Removes the folders this process created for outputs when no file was put in
/// place (a command that stopped with an error leaves no empty folder behind). The
/// caller has dropped its outputs (their lock files) first.
pub fn remove_unused_folders() {
    let mut s = state();
    if s.placed.is_empty() {
        for d in s.created.drain(..).rev() {
            let _ = fs::remove_dir(d);
        }
    }
}

/// Records that stdout was printed.
pub fn mark_delivered() {
    state().delivered = true;
}

/// Random characters in a temporary file's name.
const RANDOM: usize = 10;
const TEMP_SUFFIX: &str = ".plansim-tmp";
const LOCK_SUFFIX: &str = ".plansim-lock";

/// An exclusive lock on one output name in a folder, held until dropped.
struct NameLock {
    path: PathBuf,
    _file: File,
}

impl Drop for NameLock {
    fn drop(&mut self) {
        // Unlinked while still locked, and only once (a signal may be ending the
        // process): another process then locks a new file, never ours.
        let mut s = state();
        if let Some(i) = s.locks.iter().position(|l| *l == self.path) {
            s.locks.swap_remove(i);
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// Locks `name` in `dir`: `Ok(None)` when another process holds it.
fn lock_name(dir: &Path, name: &OsStr) -> std::io::Result<Option<NameLock>> {
    let mut file_name = OsString::from(".");
    file_name.push(name);
    file_name.push(LOCK_SUFFIX);
    let path = dir.join(file_name);
    loop {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .mode(0o644)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(&path)?;
        // SAFETY: flock on a descriptor this function owns.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
            let e = std::io::Error::last_os_error();
            return if e.kind() == ErrorKind::WouldBlock {
                Ok(None)
            } else {
                Err(e)
            };
        }
        // The holder before us may have unlinked the file we opened: lock the one at
        // the path, or try again.
        let ours = file.metadata()?;
        match fs::symlink_metadata(&path) {
            Ok(m) if m.dev() == ours.dev() && m.ino() == ours.ino() => {
                state().locks.push(path.clone());
                return Ok(Some(NameLock { path, _file: file }));
            }
            Ok(_) | Err(_) => continue,
        }
    }
}

/// Removes temporary files of `name` in `dir` left by a process that died (their
/// writer held the lock on `name`, which the caller holds now), and those of plansim
/// before 0.1 (`.NAME.partial-PID`) whose process is gone.
fn remove_stale_temps(dir: &Path, name: &OsStr) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let name = name.to_string_lossy();
    let prefix = format!(".{name}.");
    for e in entries.flatten() {
        let file = e.file_name();
        let file = file.to_string_lossy();
        let Some(rest) = file.strip_prefix(&prefix) else {
            continue;
        };
        let stale = if let Some(random) = rest.strip_suffix(TEMP_SUFFIX) {
            random.len() == RANDOM && random.bytes().all(|b| b.is_ascii_alphanumeric())
        } else if let Some(pid) = rest.strip_prefix("partial-") {
            pid.parse::<i32>().is_ok_and(|pid| {
                // SAFETY: kill with signal 0 only checks that the process exists.
                pid > 0
                    && unsafe { libc::kill(pid, 0) } != 0
                    && std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH)
            })
        } else {
            false
        };
        if stale {
            let _ = fs::remove_file(e.path());
        }
    }
}

/// How an output path is written.
enum Kind {
    /// A regular file, created (or replaced with `--force`) by renaming a temporary file.
    File {
        /// Held until the target is dropped.
        _lock: NameLock,
    },
    /// A character device or FIFO, written into; opened now, or at the end for a FIFO
    /// that has no reader yet.
    Stream(Option<File>),
}

/// One output path, checked and locked.
struct Target {
    /// The path as shown in messages.
    shown: String,
    dir: PathBuf,
    name: OsString,
    force: bool,
    kind: Kind,
}

/// Opens a character device or FIFO for writing without blocking: `Ok(None)` for a
/// FIFO with no reader yet.
fn open_stream(path: &Path) -> std::io::Result<Option<File>> {
    match OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(path)
    {
        Ok(f) => {
            // SAFETY: fcntl on a descriptor we own; clears O_NONBLOCK for the writes.
            unsafe {
                let flags = libc::fcntl(f.as_raw_fd(), libc::F_GETFL);
                libc::fcntl(f.as_raw_fd(), libc::F_SETFL, flags & !libc::O_NONBLOCK);
            }
            Ok(Some(f))
        }
        Err(e) if e.raw_os_error() == Some(libc::ENXIO) => Ok(None),
        Err(e) => Err(e),
    }
}

fn is_stream(t: fs::FileType) -> bool {
    t.is_char_device() || t.is_fifo()
}

impl Target {
    /// Checks and locks `dir`/`name`; errors are the problem, for the caller to prefix.
    fn prepare(dir: &Path, name: &OsStr, force: bool, shown: String) -> Result<Self, String> {
        let path = dir.join(name);
        let stream = |kind: &str| {
            open_stream(&path)
                .map(Kind::Stream)
                .map_err(|e| format!("{kind}, which cannot be opened for writing: {e}"))
        };
        let exists = match fs::symlink_metadata(&path) {
            Err(e) if e.kind() == ErrorKind::NotFound => false,
            Err(e) => return Err(format!("cannot be checked: {e}")),
            Ok(m) if m.file_type().is_symlink() => {
                let to = fs::read_link(&path)
                    .map(|t| t.display().to_string())
                    .unwrap_or_else(|_| "?".into());
                return match fs::metadata(&path) {
                    Ok(t) if is_stream(t.file_type()) => {
                        let kind = stream(&format!("a link to {to}"))?;
                        Ok(Target {
                            shown,
                            dir: dir.to_path_buf(),
                            name: name.to_os_string(),
                            force,
                            kind,
                        })
                    }
                    Ok(_) => Err(format!(
                        "is a symbolic link (to {to}); plansim never writes through a link or replaces one, even with --force: give the path it points to, or remove the link"
                    )),
                    Err(_) => Err(format!(
                        "is a symbolic link to {to}, which does not exist; plansim never writes through a link or replaces one, even with --force: remove the link"
                    )),
                };
            }
            Ok(m) if m.is_file() => true,
            Ok(m) if m.is_dir() => return Err("is a folder; give a file name".into()),
            Ok(m) if is_stream(m.file_type()) => {
                let what = if m.file_type().is_fifo() {
                    "a FIFO"
                } else {
                    "a character device"
                };
                let kind = stream(what)?;
                return Ok(Target {
                    shown,
                    dir: dir.to_path_buf(),
                    name: name.to_os_string(),
                    force,
                    kind,
                });
            }
            Ok(m) => {
                return Err(format!(
                    "is a {}, not a file plansim can write; give a file name",
                    if m.file_type().is_block_device() {
                        "block device"
                    } else {
                        "socket"
                    }
                ))
            }
        };
        if exists && !force {
            return Err("exists; pass --force to overwrite".into());
        }
        let lock = lock_name(dir, name)
            .map_err(|e| {
                if e.raw_os_error() == Some(libc::ELOOP) {
                    format!(
                        "cannot be written: its lock file .{}{LOCK_SUFFIX} is a symbolic link; remove it",
                        name.to_string_lossy()
                    )
                } else {
                    format!("cannot be written, as its folder does not take files: {e}")
                }
            })?
            .ok_or_else(|| {
                "another plansim is writing it now; wait until it ends, or choose another path"
                    .to_string()
            })?;
        remove_stale_temps(dir, name);
        // It may have appeared before the lock was taken.
        if !force && fs::symlink_metadata(&path).is_ok() {
            return Err("exists; pass --force to overwrite".into());
        }
        Ok(Target {
            shown,
            dir: dir.to_path_buf(),
            name: name.to_os_string(),
            force,
            kind: Kind::File { _lock: lock },
        })
    }

    fn path(&self) -> PathBuf {
        self.dir.join(&self.name)
    }

    /// Writes `bytes` to this target's temporary file (or keeps them for a stream).
    fn stage(&self, bytes: Vec<u8>) -> CliResult<Staged<'_>> {
        let Kind::File { .. } = &self.kind else {
            return Ok(Staged {
                target: self,
                temp: None,
                bytes,
                temp_was_file: false,
            });
        };
        let mut prefix = OsString::from(".");
        prefix.push(&self.name);
        prefix.push(".");
        let written = tempfile::Builder::new()
            .prefix(&prefix)
            .suffix(TEMP_SUFFIX)
            .rand_bytes(RANDOM)
            .permissions(fs::Permissions::from_mode(0o666))
            .tempfile_in(&self.dir)
            .and_then(|mut t| {
                state().temps.push(t.path().to_path_buf());
                let done = t.write_all(&bytes).and_then(|_| t.as_file().sync_all());
                match done {
                    Ok(()) => Ok(t),
                    Err(e) => {
                        forget_temp(t.path());
                        Err(e)
                    }
                }
            });
        match written {
            Ok(t) => Ok(Staged {
                target: self,
                temp: Some(t),
                bytes: Vec::new(),
                temp_was_file: true,
            }),
            Err(e) => Err(CliError::Internal(format!(
                "cannot write {}: {e}",
                self.shown
            ))),
        }
    }
}

fn forget_temp(path: &Path) {
    state().temps.retain(|t| t != path);
}

/// A target's bytes, written to its temporary file (or kept for a stream).
struct Staged<'a> {
    target: &'a Target,
    temp: Option<NamedTempFile>,
    bytes: Vec<u8>,
    temp_was_file: bool,
}

impl Drop for Staged<'_> {
    fn drop(&mut self) {
        if let Some(t) = &self.temp {
            forget_temp(t.path());
        }
    }
}

/// Puts staged files in place: every file's temporary file renamed onto its path,
/// then every stream written into. The caller holds [`write_lock`].
fn place(staged: Vec<Staged<'_>>) -> CliResult {
    for s in &staged {
        if s.temp.is_some() && !s.target.force && fs::symlink_metadata(s.target.path()).is_ok() {
            return Err(CliError::Input(format!(
                "{}: appeared during the run (written by another program); no file was written; pass --force to overwrite",
                s.target.shown
            )));
        }
    }
    state().pending = staged.iter().map(|s| s.target.shown.clone()).collect();
    let mut placed: Vec<String> = Vec::new();
    for mut s in staged {
        let shown = s.target.shown.clone();
        let path = s.target.path();
        s.temp_was_file = s.temp.is_some();
        let done = match s.temp.take() {
            Some(temp) => {
                let temp_path = temp.path().to_path_buf();
                let r = if s.target.force {
                    temp.persist(&path)
                } else {
                    temp.persist_noclobber(&path)
                };
                forget_temp(&temp_path);
                r.map(drop).map_err(|e| e.error)
            }
            None => write_stream(&s.target.kind, &path, &s.bytes),
        };
        if let Err(e) = done {
            let mut st = state();
            st.pending.clear();
            let already = if placed.is_empty() {
                String::new()
            } else {
                format!(" ({} already in place, whole)", placed.join(", "))
            };
            let verb = if s.temp_was_file {
                "put in place"
            } else {
                "write into"
            };
            return Err(CliError::Internal(format!(
                "cannot {verb} {shown}: {e}{already}"
            )));
        }
        let mut st = state();
        st.pending.retain(|p| *p != shown);
        st.placed.push(shown.clone());
        placed.push(shown);
        drop(st);
    }
    Ok(())
}

/// Writes `bytes` into a character device or FIFO.
fn write_stream(kind: &Kind, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let Kind::Stream(opened) = kind else {
        unreachable!("only streams are written into");
    };
    let mut file = match opened {
        Some(f) => f.try_clone()?,
        None => {
            // A FIFO without a reader when the command started: wait for one.
            let f = OpenOptions::new()
                .write(true)
                .custom_flags(libc::O_CLOEXEC)
                .open(path)?;
            if !is_stream(f.metadata()?.file_type()) {
                return Err(std::io::Error::other(
                    "is no longer a FIFO or character device",
                ));
            }
            f
        }
    };
    file.write_all(bytes)?;
    file.flush()
}

/// Creates `dir` and its missing parents, recording those it created.
fn create_dir(dir: &Path) -> std::io::Result<()> {
    let missing: Vec<PathBuf> = dir
        .ancestors()
        .take_while(|a| !a.as_os_str().is_empty() && fs::symlink_metadata(a).is_err())
        .map(Path::to_path_buf)
        .collect();
    fs::create_dir_all(dir)?;
    state().created.extend(missing.into_iter().rev());
    Ok(())
}

/// A set of files to write into one folder.
pub struct OutputDir {
    dir: PathBuf,
    targets: Vec<Target>,
}

impl OutputDir {
    /// Checks, before any work starts, that folder `dir` (created if needed) can take
    /// files `names` and locks them.
    pub fn prepare(dir: &Path, names: &[&str], force: bool) -> CliResult<Self> {
        let flag = format!("--out {}", dir.display());
        match fs::metadata(dir) {
            Ok(m) if !m.is_dir() => {
                return Err(CliError::Input(format!(
                    "{flag}: exists and is not a folder"
                )))
            }
            Ok(_) => {}
            Err(_) => create_dir(dir)
                .map_err(|e| CliError::Input(format!("{flag}: cannot create the folder: {e}")))?,
        }
        if !force {
            let existing: Vec<String> = names
                .iter()
                .map(|n| dir.join(n))
                .filter(|p| fs::symlink_metadata(p).is_ok_and(|m| m.is_file()))
                .map(|p| p.display().to_string())
                .collect();
            if !existing.is_empty() {
                return Err(CliError::Input(format!(
                    "{flag}: would overwrite {}; pass --force to overwrite",
                    existing.join(", ")
                )));
            }
        }
        let targets = names
            .iter()
            .map(|n| {
                let shown = dir.join(n).display().to_string();
                Target::prepare(dir, OsStr::new(n), force, shown.clone())
                    .map_err(|e| CliError::Input(format!("{flag}: {shown}: {e}")))
            })
            .collect::<CliResult<Vec<_>>>()?;
        Ok(OutputDir {
            dir: dir.to_path_buf(),
            targets,
        })
    }

    /// True when `dir`/`name` is one of the folder's files (`dir` may be spelled
    /// differently: the folders are compared by device and inode).
    fn holds(&self, dir: &Path, name: &OsStr) -> bool {
        let same_dir = match (fs::metadata(&self.dir), fs::metadata(dir)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        };
        same_dir && self.targets.iter().any(|t| t.name == name)
    }
}

/// A file to write at the end of a command.
pub struct OutputFile {
    target: Target,
}

impl OutputFile {
    /// True when `path` names this file: the same name in the same folder.
    pub fn is(&self, path: &Path) -> bool {
        let parent = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let canonical = |p: &Path| fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
        path.file_name() == Some(self.target.name.as_os_str())
            && canonical(&parent) == canonical(&self.target.dir)
    }

    /// Checks, before any work starts, that `path` (given with option `flag`) can be
    /// written and is not one of `dir`'s files, and locks it.
    pub fn prepare(
        path: &Path,
        force: bool,
        flag: &str,
        dir: Option<&OutputDir>,
    ) -> CliResult<Self> {
        let shown = path.display().to_string();
        let fail = |what: String| CliError::Input(format!("{flag} {shown}: {what}"));
        let name = path
            .file_name()
            .filter(|n| !n.is_empty())
            .ok_or_else(|| fail("not a file name".into()))?;
        let parent = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        match fs::metadata(&parent) {
            Ok(m) if !m.is_dir() => {
                return Err(fail(format!("{} is not a folder", parent.display())))
            }
            Ok(_) => {}
            Err(_) => {
                create_dir(&parent).map_err(|e| fail(format!("cannot create its folder: {e}")))?
            }
        }
        if let Some(d) = dir.filter(|d| d.holds(&parent, name)) {
            return Err(fail(format!(
                "is also a file that --out {} writes; give another path",
                d.dir.display()
            )));
        }
        let target = Target::prepare(&parent, name, force, shown.clone()).map_err(fail)?;
        Ok(OutputFile { target })
    }
}

/// Writes `files` into `dir` and `file`'s bytes to `file`: all written to temporary
/// files first, then all put in place, unless `abandon` says otherwise once they are
/// written (a signal is ending the process): then none. The caller holds
/// [`write_lock`]. Returns false when abandoned.
#[cfg(test)]
pub fn write(
    dir: Option<&OutputDir>,
    files: Vec<(&str, Vec<u8>)>,
    file: Option<(&OutputFile, Vec<u8>)>,
    abandon: &dyn Fn() -> bool,
) -> CliResult<bool> {
    write_each(dir, files, file.into_iter().collect(), abandon)
}

/// [`write`] with any number of output files (`--report` and `--xlsx`): all staged,
/// then all put in place, or none.
pub fn write_each(
    dir: Option<&OutputDir>,
    files: Vec<(&str, Vec<u8>)>,
    outputs: Vec<(&OutputFile, Vec<u8>)>,
    abandon: &dyn Fn() -> bool,
) -> CliResult<bool> {
    let mut staged = Vec::new();
    if let Some(dir) = dir {
        for (name, bytes) in files {
            let target = dir
                .targets
                .iter()
                .find(|t| t.name == OsStr::new(name))
                .ok_or_else(|| CliError::Internal(format!("{name} was not prepared in --out")))?;
            staged.push(target.stage(bytes)?);
        }
    }
    for (f, bytes) in outputs {
        staged.push(f.target.stage(bytes)?);
    }
    if abandon() {
        return Ok(false);
    }
    place(staged)?;
    if let Some(dir) = dir {
        // The renames themselves are durable only once the folder is synced.
        if let Ok(d) = File::open(&dir.dir) {
            let _ = d.sync_all();
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("plansim-output-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    fn write_file(path: &Path, force: bool, bytes: &[u8]) -> CliResult {
        let f = OutputFile::prepare(path, force, "--report", None)?;
        let _w = write_lock();
        write(None, Vec::new(), Some((&f, bytes.to_vec())), &|| false).map(drop)
    }

    #[test]
    fn refuses_to_overwrite_without_force_and_writes_whole_files() {
        let dir = temp_dir("file");
        let path = dir.join("r.html");
        write_file(&path, false, b"one").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"one");
        let e = write_file(&path, false, b"x").unwrap_err().to_string();
        assert!(
            e.starts_with(&format!("--report {}: exists", path.display())),
            "{e}"
        );
        assert!(e.contains("--force"), "{e}");
        write_file(&path, true, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        let e = write_file(&dir, true, b"x").unwrap_err().to_string();
        assert!(e.contains("is a folder"), "{e}");
        // Nothing but the file is left: no lock, no temporary file.
        let left: Vec<_> = fs::read_dir(&dir).unwrap().flatten().collect();
        assert_eq!(left.len(), 1, "{left:?}");
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_locked_name_is_refused_and_a_dead_writers_temporary_files_are_removed() {
        let dir = temp_dir("lock");
        fs::create_dir_all(&dir).unwrap();
        // Left by a writer that died: the new kind (any process) and the old kind of
        // a process that no longer exists; a temporary file of another name stays.
        let stale = dir.join(".a.csv.Ab3dE6gH9j.plansim-tmp");
        let old = dir.join(".a.csv.partial-999999999");
        let other = dir.join(".a.csv.b.Ab3dE6gH9j.plansim-tmp");
        for p in [&stale, &old, &other] {
            fs::write(p, b"half").unwrap();
        }
        let held = OutputDir::prepare(&dir, &["a.csv"], false).unwrap();
        assert!(!stale.exists() && !old.exists() && other.exists());
        let e = OutputDir::prepare(&dir, &["a.csv"], true)
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("another plansim is writing it"), "{e}");
        // Another name in the same folder is free (shards of one run).
        assert!(OutputDir::prepare(&dir, &["b.csv"], false).is_ok());
        drop(held);
        assert!(!dir.join(".a.csv.plansim-lock").exists());
        assert!(OutputDir::prepare(&dir, &["a.csv"], false).is_ok());
        let _ = fs::remove_dir_all(&dir);
    }
}
