//! One path for every command's results: outputs are checked before any work starts
//! ([`Outputs::prepare`]), Ctrl-C during the work leaves no partial file
//! ([`OnInterrupt`]), and at the end every file is written whole, then stdout, then
//! the warnings on stderr ([`Outputs::deliver`]).

use std::io::Write;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::Duration;

use plansim_analysis::warnings::Warnings;
use plansim_report::i18n::Lang;
use plansim_report::warnings::texts;

use crate::error::{CliError, CliResult};
use crate::interrupt;
use crate::output::{write_lock, OutputDir, OutputFile};

/// Exit code of a process ended by Ctrl-C (128 + SIGINT).
pub const EXIT_INTERRUPTED: i32 = 130;

/// What Ctrl-C does while a command works.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnInterrupt {
    /// The process ends at once with exit code 130 and leaves no output file, or, when
    /// the signal comes while results are being written, just after they are all in
    /// place.
    Exit,
    /// The command polls [`interrupt::flag`] and finishes with what it has (the
    /// search of `optimize` stops and reports its best plan so far).
    Finish,
}

/// Where a command's results go, checked before any work starts.
pub struct Outputs {
    dir: Option<OutputDir>,
    file: Option<OutputFile>,
}

/// What a command delivers at the end.
pub struct Results<'a> {
    /// Files for the output folder, when there is one.
    pub files: Vec<(&'a str, Vec<u8>)>,
    /// The bytes of the output file, when there is one.
    pub file: Option<Vec<u8>>,
    /// What the command prints on stdout.
    pub stdout: Vec<u8>,
    /// Warnings printed on stderr after stdout.
    pub warnings: &'a Warnings,
}

impl Outputs {
    /// Checks that folder `dir` can take files `names` (creating it) and that `file`,
    /// named by its flag (`--report`), can be written, never over an existing file
    /// unless `force`; then sets what Ctrl-C does from now on.
    pub fn prepare(
        dir: Option<&Path>,
        names: &[&str],
        file: Option<(&Path, &str)>,
        force: bool,
        on_interrupt: OnInterrupt,
    ) -> CliResult<Self> {
        let outputs = Outputs {
            dir: dir
                .map(|d| OutputDir::prepare(d, names, force))
                .transpose()?,
            file: file
                .map(|(path, flag)| OutputFile::prepare(path, force, flag))
                .transpose()?,
        };
        if on_interrupt == OnInterrupt::Exit {
            exit_on_interrupt()?;
        }
        Ok(outputs)
    }

    /// True when there is an output folder to fill.
    pub fn has_dir(&self) -> bool {
        self.dir.is_some()
    }

    /// True when there is an output file to write.
    pub fn has_file(&self) -> bool {
        self.file.is_some()
    }

    /// Writes the folder's files and the output file (each whole, all before Ctrl-C
    /// can end the process), then prints stdout, then the warnings on stderr.
    pub fn deliver(self, results: Results<'_>) -> CliResult {
        {
            let _writing = write_lock();
            if let Some(dir) = &self.dir {
                dir.write_all(&results.files)?;
            }
            if let (Some(file), Some(bytes)) = (&self.file, results.file) {
                file.write(bytes)?;
            }
        }
        emit(&results.stdout)?;
        print_warnings(results.warnings);
        Ok(())
    }
}

/// From now on, Ctrl-C ends the process without leaving a partial output file.
fn exit_on_interrupt() -> CliResult {
    std::thread::Builder::new()
        .name("ctrl-c".into())
        .spawn(|| {
            let flag = interrupt::flag();
            loop {
                if flag.load(Ordering::SeqCst) {
                    let _writing = write_lock();
                    eprintln!("interrupted: no partial output file was left");
                    std::process::exit(EXIT_INTERRUPTED);
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        })
        .map(drop)
        .map_err(|e| CliError::Internal(format!("cannot watch for Ctrl-C: {e}")))
}

/// Writes `bytes` to stdout; a closed pipe (`plansim ... | head`) is not an error.
pub fn emit(bytes: &[u8]) -> CliResult {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CliError::Internal(format!("cannot write to stdout: {e}"))),
    }
}

/// Prints every warning on stderr.
pub fn print_warnings(warnings: &Warnings) {
    for t in texts(warnings, Lang::En) {
        eprintln!("warning: {t}");
    }
}
