//! Ctrl-C: a process-wide flag that long commands poll to stop cleanly.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Once;

static INTERRUPTED: AtomicBool = AtomicBool::new(false);
static INSTALL: Once = Once::new();

/// Installs the Ctrl-C handler (once) and returns the flag it sets.
pub fn flag() -> &'static AtomicBool {
    INSTALL.call_once(|| {
        // Without a handler Ctrl-C keeps its default: the process ends, writing nothing.
        let _ = ctrlc::set_handler(|| INTERRUPTED.store(true, Ordering::SeqCst));
    });
    &INTERRUPTED
}
