//! A progress line on stderr for long scans; shown only on a terminal.

use azl_compat::inventory::walk;
use std::io::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Counts files and redraws at most ten times a second.
pub struct Progress {
    show: bool,
    files: AtomicU64,
    last: Mutex<Instant>,
}

impl Progress {
    pub fn new(show: bool) -> Self {
        Progress {
            show,
            files: AtomicU64::new(0),
            last: Mutex::new(Instant::now()),
        }
    }

    /// Clear the progress line.
    pub fn finish(&self) {
        if self.show {
            let _ = write!(std::io::stderr(), "\r\x1b[K");
        }
    }
}

impl walk::Progress for Progress {
    fn file_seen(&self) {
        if !self.show {
            return;
        }
        let n = self.files.fetch_add(1, Ordering::Relaxed) + 1;
        if !n.is_multiple_of(1024) {
            return;
        }
        if let Ok(mut last) = self.last.try_lock()
            && last.elapsed() >= Duration::from_millis(100)
        {
            *last = Instant::now();
            let _ = write!(std::io::stderr(), "\r\x1b[Kscanning: {n} files");
        }
    }
}
