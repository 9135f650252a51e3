//! Host configuration that does not carry over by itself (issue 14): the files the host checks
//! read (`checks/host_*.rs`), reached through the [`Source`] like everything else (confined,
//! capped; what cannot be read is a diagnostic, never a panic).
//!
//! - [`HostFiles`]: reading text and bytes of the tree, listing directories, which files the
//!   source distribution owns;
//! - [`crypto`]: kernel command lines, crypto-policies and `openssl.cnf`;
//! - [`certs`]: certificates, keys and DH parameters (PEM and DER) with [`der`], a small reader
//!   for the DER structures that x509-parser does not cover (private keys, DH parameters).

pub mod certs;
pub mod commands;
pub mod crypto;
pub mod der;
pub mod network;
pub mod repos;

use crate::findings::Diagnostic;
use crate::inventory::ownership::{Origin, Ownership};
use crate::inventory::{Inventory, Node, systemd};
use crate::source::{EntryKind, Source};
use std::path::Path;
use std::sync::Mutex;

/// Largest configuration file read as text.
pub const MAX_TEXT: u64 = 1 << 20;
/// Largest certificate, key or keystore file read.
pub const MAX_CERT_FILE: u64 = 1 << 20;

/// What the host checks read the tree with.
pub struct HostFiles<'a> {
    pub source: &'a dyn Source,
    pub inv: &'a Inventory,
    pub own: &'a Ownership,
    /// The scanned root is the running system's `/` (then /proc/cmdline is the live one).
    pub live_root: bool,
    diagnostics: Mutex<Vec<Diagnostic>>,
}

impl<'a> HostFiles<'a> {
    pub fn new(
        source: &'a dyn Source,
        inv: &'a Inventory,
        own: &'a Ownership,
        live_root: bool,
    ) -> Self {
        HostFiles {
            source,
            inv,
            own,
            live_root,
            diagnostics: Mutex::new(Vec::new()),
        }
    }

    /// Record that a file could not be read or parsed.
    pub fn diagnose(&self, path: &str, reason: impl Into<String>) {
        if let Ok(mut d) = self.diagnostics.lock() {
            d.push(Diagnostic::new(path, reason));
        }
    }

    /// The diagnostics recorded so far, sorted.
    pub fn take_diagnostics(&self) -> Vec<Diagnostic> {
        let mut v = self
            .diagnostics
            .lock()
            .map(|mut d| std::mem::take(&mut *d))
            .unwrap_or_default();
        v.sort();
        v.dedup();
        v
    }

    /// The regular file a path names, following links inside the root.
    pub fn file(&self, path: &str) -> Option<String> {
        systemd::resolve_file(self.source, self.inv, path)
    }

    pub fn is_file(&self, path: &str) -> bool {
        self.file(path).is_some()
    }

    /// Whether a path (following links) is a directory of the tree.
    pub fn is_dir(&self, path: &str) -> bool {
        matches!(self.inv.resolve(path), Ok((_, Node::Dir)))
    }

    /// A text file of the tree: `None` when absent; unreadable, too large or not UTF-8 is a
    /// diagnostic and `None`.
    pub fn read_text(&self, path: &str) -> Option<String> {
        let bytes = self.read_bytes(path, MAX_TEXT)?;
        match String::from_utf8(bytes) {
            Ok(t) => Some(t),
            Err(e) => {
                // Configuration files in Latin-1 still parse for what matters (ASCII keys).
                Some(String::from_utf8_lossy(e.as_bytes()).into_owned())
            }
        }
    }

    /// The bytes of a file of the tree, at most `cap` (a larger file is a diagnostic).
    pub fn read_bytes(&self, path: &str, cap: u64) -> Option<Vec<u8>> {
        let real = self.file(path)?;
        match read_capped(self.source, Path::new(&real), cap) {
            Ok(b) => Some(b),
            Err(e) => {
                self.diagnose(&real, e);
                None
            }
        }
    }

    /// The live kernel command line, when the scanned root is the running `/` (the walk skips
    /// /proc, so it is opened directly, still through the source).
    pub fn live_cmdline(&self) -> Option<String> {
        if !self.live_root {
            return None;
        }
        let b = read_capped(self.source, Path::new("/proc/cmdline"), 64 * 1024).ok()?;
        Some(String::from_utf8_lossy(&b).into_owned())
    }

    /// Regular files (or links to them) directly in a directory whose names end with
    /// `suffix`, sorted, as target paths below the directory's real path.
    pub fn files_in(&self, dir: &str, suffix: &str) -> Vec<String> {
        let Ok((real, Node::Dir)) = self.inv.resolve(dir) else {
            return Vec::new();
        };
        let entries = match self.source.read_dir(Path::new(&real)) {
            Ok(Ok(e)) => e,
            Ok(Err(_)) => return Vec::new(),
            Err(e) => {
                self.diagnose(&real, format!("cannot read directory: {e}"));
                return Vec::new();
            }
        };
        let base = if real == "/" { "" } else { real.as_str() };
        let mut v: Vec<String> = entries
            .into_iter()
            .filter(|e| e.kind != EntryKind::Dir)
            .map(|e| crate::inventory::names::from_os(&e.name))
            .filter(|n| n.ends_with(suffix) && !n.starts_with('.'))
            .map(|n| format!("{base}/{n}"))
            .filter(|p| self.is_file(p))
            .collect();
        v.sort();
        v
    }

    /// Regular files (not links) directly in a directory, sorted, with the directory's own
    /// real path (no link following: a link to a file elsewhere is judged there).
    pub fn plain_files_in(&self, dir: &str) -> Vec<String> {
        let entries = match self.source.read_dir(Path::new(dir)) {
            Ok(Ok(e)) => e,
            _ => return Vec::new(),
        };
        let base = if dir == "/" { "" } else { dir };
        let mut v: Vec<String> = entries
            .into_iter()
            .filter(|e| e.kind == EntryKind::File)
            .map(|e| crate::inventory::names::from_os(&e.name))
            .map(|n| format!("{base}/{n}"))
            .collect();
        v.sort();
        v
    }

    /// Subdirectories directly in a directory (following links to it), sorted, as target
    /// paths below its real path.
    pub fn subdirs(&self, dir: &str) -> Vec<String> {
        let Ok((real, Node::Dir)) = self.inv.resolve(dir) else {
            return Vec::new();
        };
        let entries = match self.source.read_dir(Path::new(&real)) {
            Ok(Ok(e)) => e,
            _ => return Vec::new(),
        };
        let base = if real == "/" { "" } else { real.as_str() };
        let mut v: Vec<String> = entries
            .into_iter()
            .filter(|e| e.kind == EntryKind::Dir)
            .map(|e| format!("{base}/{}", crate::inventory::names::from_os(&e.name)))
            .collect();
        v.sort();
        v
    }

    /// Directories of the tree (as the walk indexed them) below any of `prefixes`, sorted.
    pub fn dirs_below(&self, prefixes: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = self
            .inv
            .nodes
            .iter()
            .filter(|(_, n)| matches!(n, Node::Dir))
            .map(|(p, _)| p)
            .filter(|p| {
                prefixes.iter().any(|pre| {
                    p.as_str() == *pre || (p.starts_with(pre) && p[pre.len()..].starts_with('/'))
                })
            })
            .cloned()
            .collect();
        v.sort();
        v
    }

    /// Whether a file belongs to a package of the source distribution (replaced, not moved).
    pub fn distro_owned(&self, path: &str) -> bool {
        self.own
            .owner(path)
            .is_some_and(|o| o.origin == Origin::Distro)
    }
}

fn read_capped(source: &dyn Source, path: &Path, cap: u64) -> Result<Vec<u8>, String> {
    let opened = source.open(path).map_err(|e| format!("cannot open: {e}"))?;
    // Only a regular file is read (one swapped for a FIFO or device since the walk is not).
    source
        .meta(&opened)
        .map_err(|e| format!("cannot read: {e}"))?;
    let bytes = opened
        .read_prefix(cap + 1)
        .map_err(|e| format!("cannot read: {e}"))?;
    if bytes.len() as u64 > cap {
        return Err(format!("larger than {cap} bytes: not read"));
    }
    Ok(bytes)
}

/// Lines of a configuration text with their 1-based numbers, comments (`#`, and `;` when
/// asked) and blank lines left out, each trimmed.
pub fn config_lines(text: &str, semicolon: bool) -> impl Iterator<Item = (usize, &str)> {
    text.lines().enumerate().filter_map(move |(i, l)| {
        let t = l.trim();
        if t.is_empty() || t.starts_with('#') || (semicolon && t.starts_with(';')) {
            None
        } else {
            Some((i + 1, t))
        }
    })
}
