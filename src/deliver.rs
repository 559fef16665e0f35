//! One path for every command's results: outputs are checked and locked before any
//! work starts ([`Outputs::prepare`]), a signal during the work leaves no output file
//! ([`OnInterrupt`], [`crate::interrupt`]), and at the end every file is written
//! whole and put in place, then stdout, then the warnings on stderr
//! ([`Outputs::deliver`]).

use std::io::Write;
use std::path::Path;

use plansim_analysis::warnings::Warnings;
use plansim_report::i18n::Lang;
use plansim_report::warnings::texts;

use crate::error::{CliError, CliResult};
use crate::interrupt;
use crate::output::{self, write_lock, OutputDir, OutputFile};

/// What the first signal does while a command works.
pub type OnInterrupt = interrupt::Mode;

/// Where a command's results go, checked and locked before any work starts.
pub struct Outputs {
    dir: Option<OutputDir>,
    file: Option<OutputFile>,
    extra: Vec<(&'static str, Vec<u8>)>,
    /// The `--xlsx` workbook's path, and its bytes once made.
    xlsx: Option<(OutputFile, Option<Vec<u8>>)>,
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
    /// named by its flag (`--report`), can be written and is not one of them, never
    /// over an existing file unless `force`, and locks every path; then sets what a
    /// signal does from now on.
    pub fn prepare(
        dir: Option<&Path>,
        names: &[&str],
        file: Option<(&Path, &str)>,
        force: bool,
        on_interrupt: OnInterrupt,
    ) -> CliResult<Self> {
        let prepared = (|| {
            let dir = dir
                .map(|d| OutputDir::prepare(d, names, force))
                .transpose()?;
            let file = file
                .map(|(path, flag)| OutputFile::prepare(path, force, flag, dir.as_ref()))
                .transpose()?;
            Ok(Outputs {
                dir,
                file,
                extra: Vec::new(),
                xlsx: None,
            })
        })();
        match prepared {
            Ok(outputs) => {
                interrupt::set_mode(on_interrupt);
                Ok(outputs)
            }
            Err(e) => {
                output::remove_unused_folders();
                Err(e)
            }
        }
    }

    /// True when there is an output folder to fill.
    pub fn has_dir(&self) -> bool {
        self.dir.is_some()
    }

    /// True when there is an output file to write.
    pub fn has_file(&self) -> bool {
        self.file.is_some()
    }

    /// Checks and locks `--xlsx` file `path` (when given) before any work, as
    /// [`Outputs::prepare`] does its file; it may be neither a folder's file nor the
    /// `--report` file.
    pub fn prepare_xlsx(&mut self, path: Option<&Path>, force: bool) -> CliResult {
        let Some(path) = path else {
            return Ok(());
        };
        if self.file.as_ref().is_some_and(|f| f.is(path)) {
            return Err(CliError::Input(format!(
                "--xlsx {}: is also the --report file; give another path",
                path.display()
            )));
        }
        let f = OutputFile::prepare(path, force, "--xlsx", self.dir.as_ref())?;
        self.xlsx = Some((f, None));
        Ok(())
    }

    /// True when there is an `--xlsx` workbook to write.
    pub fn has_xlsx(&self) -> bool {
        self.xlsx.is_some()
    }

    /// Sets the bytes of the `--xlsx` workbook; nothing without one.
    pub fn set_xlsx(&mut self, bytes: Vec<u8>) {
        if let Some((_, slot)) = &mut self.xlsx {
            *slot = Some(bytes);
        }
    }

    /// Adds a file for the output folder (prepared with its name) to whatever the
    /// command delivers; nothing without a folder.
    pub fn add_file(&mut self, name: &'static str, bytes: Vec<u8>) {
        if self.dir.is_some() {
            self.extra.push((name, bytes));
        }
    }

    /// Writes the folder's files and the output file (each whole, all put in place
    /// before a signal can end the process, or none when a signal came first), then
    /// prints stdout, then the warnings on stderr.
    pub fn deliver(mut self, results: Results<'_>) -> CliResult {
        let _writing = write_lock();
        interrupt::set_mode(OnInterrupt::Exit);
        let mut each: Vec<(&OutputFile, Vec<u8>)> = match (&self.file, results.file) {
            (Some(f), Some(bytes)) => vec![(f, bytes)],
            _ => Vec::new(),
        };
        let xlsx = self
            .xlsx
            .as_mut()
            .and_then(|(f, b)| b.take().map(|b| (&*f, b)));
        each.extend(xlsx);
        let mut files = results.files;
        files.extend(std::mem::take(&mut self.extra));
        if !output::write_each(self.dir.as_ref(), files, each, &interrupt::exiting)? {
            // A signal is ending the process, and nothing was put in place.
            return Ok(());
        }
        emit(&results.stdout)?;
        print_warnings(results.warnings);
        output::mark_delivered();
        // Unlocked (and lock files removed) before a signal may end the process.
        self.dir.take();
        self.file.take();
        self.xlsx.take();
        Ok(())
    }
}

impl Drop for Outputs {
    fn drop(&mut self) {
        self.dir.take();
        self.file.take();
        self.xlsx.take();
        output::remove_unused_folders();
    }
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
        eprintln!("warning: {}", plansim_report::format::printable_lines(&t));
    }
}
