//! Signals: SIGINT (Ctrl-C), SIGTERM and SIGHUP end plansim with exit code 128 + the
//! signal's number (130, 143, 129) and a message that says what is on disk.
//!
//! [`install`] blocks the three signals in every thread (it runs first in `main`,
//! before any thread exists, so every thread inherits the mask) and one thread takes
//! them with `sigwait`, so nothing runs in a signal handler. What the first signal
//! does depends on the [`Mode`] the command set:
//!
//! - [`Mode::Exit`] (every command while it works): the process ends at once, unless
//!   results are being put in place, in which case it ends just after they are all in
//!   place (see [`crate::output`]: before the first file is put in place the delivery
//!   is abandoned and its temporary files removed, so either none of the results or
//!   all of them are on disk).
//! - [`Mode::Finish`] (`optimize`'s search): [`flag`] is set; the search stops with its
//!   best plan so far, which is certified and delivered; the process then exits with
//!   the signal's code.
//!
//! A second signal ends the process at once, whatever it is doing, with the code of
//! that signal; files already put in place are whole, the others are not written.

use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU8, AtomicUsize, Ordering};

use crate::output;

/// What the first signal does while a command works.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// End the process (after results being put in place are all in place).
    Exit,
    /// Set [`flag`] and let the command finish with what it has.
    Finish,
}

static MODE: AtomicU8 = AtomicU8::new(0);
static FLAG: AtomicBool = AtomicBool::new(false);
/// The first signal received (0: none).
static FIRST: AtomicI32 = AtomicI32::new(0);
static COUNT: AtomicUsize = AtomicUsize::new(0);
/// Set when a signal in [`Mode::Exit`] is ending the process: a delivery not yet
/// begun is abandoned.
static EXITING: AtomicBool = AtomicBool::new(false);
/// Set by whichever thread ends the process first; the others wait.
static ENDING: AtomicBool = AtomicBool::new(false);

/// The signals plansim handles.
const SIGNALS: [i32; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

/// Blocks SIGINT, SIGTERM and SIGHUP in this thread (and so in every thread it
/// starts) and starts the thread that takes them. Call first in `main`.
pub fn install() {
    // SAFETY: sigset_t is plain data initialised by sigemptyset; pthread_sigmask only
    // changes this thread's mask.
    let set = unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for s in SIGNALS {
            libc::sigaddset(&mut set, s);
        }
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
        set
    };
    let started = std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || loop {
            let mut sig: libc::c_int = 0;
            // SAFETY: `set` is a valid signal set and `sig` a valid out pointer.
            if unsafe { libc::sigwait(&set, &mut sig) } == 0 {
                received(sig);
            }
        });
    if started.is_err() {
        // Without the thread the signals must not stay blocked: their default ends
        // the process, which leaves no output file half-written either.
        // SAFETY: as above.
        unsafe {
            libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
        }
    }
}

/// Sets what the first signal does from now on.
pub fn set_mode(mode: Mode) {
    MODE.store(mode as u8, Ordering::SeqCst);
}

fn mode() -> Mode {
    if MODE.load(Ordering::SeqCst) == Mode::Finish as u8 {
        Mode::Finish
    } else {
        Mode::Exit
    }
}

/// Set by the first signal in [`Mode::Finish`]: commands that poll it stop cleanly.
pub fn flag() -> &'static AtomicBool {
    &FLAG
}

/// The first signal received, if any.
pub fn signal() -> Option<i32> {
    match FIRST.load(Ordering::SeqCst) {
        0 => None,
        s => Some(s),
    }
}

/// True when a signal is ending the process: a delivery not yet begun must be abandoned.
pub fn exiting() -> bool {
    EXITING.load(Ordering::SeqCst)
}

/// The exit code of a process ended by signal `sig`: 128 + its number.
pub fn exit_code(sig: i32) -> i32 {
    128 + sig
}

/// The signal's name in messages.
pub fn name(sig: i32) -> &'static str {
    match sig {
        libc::SIGINT => "SIGINT (Ctrl-C)",
        libc::SIGTERM => "SIGTERM",
        libc::SIGHUP => "SIGHUP",
        _ => "a signal",
    }
}

fn received(sig: i32) {
    let _ = FIRST.compare_exchange(0, sig, Ordering::SeqCst, Ordering::SeqCst);
    if COUNT.fetch_add(1, Ordering::SeqCst) > 0 {
        end(
            sig,
            &format!("a second signal, {}: stopped at once", name(sig)),
            true,
        );
    }
    match mode() {
        Mode::Finish => {
            FLAG.store(true, Ordering::SeqCst);
            eprintln!(
                "{}{}: stopping the search; its best plan so far is certified and reported \
                 (exit code {} at the end); a second signal stops at once",
                line_start(),
                name(sig),
                exit_code(sig)
            );
        }
        Mode::Exit => {
            EXITING.store(true, Ordering::SeqCst);
            // Waits for results being put in place, then ends the process; this thread
            // goes on taking signals so that a second one can end it at once.
            let spawned = std::thread::Builder::new()
                .name("exit".into())
                .spawn(move || {
                    let _writing = output::write_lock();
                    end(sig, &format!("interrupted by {}", name(sig)), false);
                });
            if spawned.is_err() {
                end(sig, &format!("interrupted by {}", name(sig)), true);
            }
        }
    }
}

/// At the end of a command: when a signal came during it, ends the process with that
/// signal's code and says what was delivered; otherwise returns.
pub fn exit_if_signalled() {
    if let Some(sig) = signal() {
        let _writing = output::write_lock();
        end(sig, &format!("interrupted by {}", name(sig)), false);
    }
}

/// Ends the process with `sig`'s exit code after saying `what` and what is on disk;
/// `at_once` when results may be half put in place. Only the first caller ends it.
fn end(sig: i32, what: &str, at_once: bool) -> ! {
    if ENDING.swap(true, Ordering::SeqCst) {
        loop {
            std::thread::park();
        }
    }
    let on_disk = output::abandon(at_once);
    eprintln!("{}{what}: {on_disk}", line_start());
    std::process::exit(exit_code(sig));
}

/// A new line first when stderr is a terminal (a progress bar may be on its last line).
fn line_start() -> &'static str {
    use std::io::IsTerminal;
    if std::io::stderr().is_terminal() {
        "\n"
    } else {
        ""
    }
}
