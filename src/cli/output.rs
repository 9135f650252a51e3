//! What `scan` and `report` share after the report exists: the policy, the rendering, where it
//! goes, and the exit status.

use azl_compat::report::policy::{self, Date, FailOn, Policy};
use azl_compat::report::{self, Report};
use azl_compat::source::user_file;
use clap::ValueEnum;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

/// Environment variable that sets "today" for waiver expiry (`YYYY-MM-DD`; tests, replays).
pub const TODAY_VAR: &str = "AZL_COMPAT_TODAY";

/// Output format.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Format {
    /// Text for terminals (colours on a terminal unless NO_COLOR is set).
    Text,
    /// The report model (docs/json-report.md); `azl-compat report` reads it back.
    Json,
    /// The JSON report as JSON Lines: a header, one line per finding and diagnostic, a trailer.
    Jsonl,
    /// One self-contained HTML page.
    Html,
    /// Markdown for tickets and wikis.
    #[value(alias = "markdown")]
    Md,
    /// One row per finding (RFC 4180).
    Csv,
    /// One row per installed package with its fate (RFC 4180).
    CsvPackages,
    /// SARIF 2.1.0 for code-scanning dashboards.
    Sarif,
}

/// Where and how to render, and what fails the run.
pub struct Output {
    pub format: Format,
    pub file: Option<PathBuf>,
    /// `--fail-on` when given; else the policy's `fail_on`; else `blocker`.
    pub fail_on: Option<FailOn>,
}

/// An error and its causes for people, each said once: a cause whose text the message already
/// holds (an error that prints its source and also returns it) is not repeated.
pub fn error_text(e: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in e.chain() {
        let s = cause.to_string();
        if text.contains(&s) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&s);
    }
    text
}

/// Check `-o FILE` before any work, so a long scan never ends in "cannot write": not a
/// directory, and writable if it exists, else creatable (its directory exists and is writable).
/// The file itself is only created when the rendering is written.
pub fn check_output_file(path: &Path) -> anyhow::Result<()> {
    let fail = |why: String| Err(anyhow::anyhow!("cannot write {}: {why}", path.display()));
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => return fail("is a directory".into()),
        Ok(_) => return writable(path, libc::W_OK).or_else(|e| fail(e.to_string())),
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return fail(e.to_string()),
        Err(_) => {}
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    match std::fs::metadata(parent) {
        Ok(m) if m.is_dir() => writable(parent, libc::W_OK | libc::X_OK)
            .or_else(|e| fail(format!("{}: {e}", parent.display()))),
        Ok(_) => fail(format!("{} is not a directory", parent.display())),
        Err(e) => fail(format!("{}: {e}", parent.display())),
    }
}

/// `access(2)`: the kernel's answer for this user, read-only file systems included.
fn writable(path: &Path, mode: libc::c_int) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).map_err(std::io::Error::other)?;
    // SAFETY: a valid NUL-terminated path; access only reads it.
    if unsafe { libc::access(c.as_ptr(), mode) } == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// Read `--policy FILE`.
pub fn load_policy(path: Option<&Path>) -> anyhow::Result<Option<Policy>> {
    path.map(|p| Policy::load(p).map_err(anyhow::Error::from))
        .transpose()
}

/// Today for waiver expiry: `AZL_COMPAT_TODAY` when set, else the system clock (UTC).
pub fn today() -> anyhow::Result<Date> {
    match std::env::var(TODAY_VAR) {
        Ok(s) if !s.is_empty() => Date::parse(&s)
            .ok_or_else(|| anyhow::anyhow!("{TODAY_VAR}={s} is not a date YYYY-MM-DD")),
        _ => Ok(Date::today_utc()),
    }
}

/// Colours only on a terminal, and never when NO_COLOR is set to anything non-empty.
pub fn use_colour(is_terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    is_terminal && no_color.is_none_or(|v| v.is_empty())
}

/// Apply the policy, render, write, and return the exit status.
pub fn finish(report: Report, policy: Option<&Policy>, out: &Output) -> anyhow::Result<i32> {
    finish_with_progress(report, policy, out, None)
}

/// [`finish`], and with `progress` set (`report` on a terminal or with `--progress`) say each
/// step on stderr with the seconds since that instant.
pub fn finish_with_progress(
    mut report: Report,
    policy: Option<&Policy>,
    out: &Output,
    progress: Option<std::time::Instant>,
) -> anyhow::Result<i32> {
    if let Some(p) = policy {
        policy::apply_policy(&mut report, p, today()?);
    }
    let colour = out.file.is_none()
        && use_colour(
            std::io::stdout().is_terminal(),
            std::env::var_os("NO_COLOR").as_deref(),
        );
    let step = |what: String| {
        if let Some(start) = progress {
            eprintln!(
                "azl-compat report: {what} ({:.1} s)",
                start.elapsed().as_secs_f64()
            );
        }
    };
    step(format!(
        "rendering {} findings and {} binaries as {}",
        report.findings.len(),
        report.binaries.len(),
        out.format
            .to_possible_value()
            .map_or_else(String::new, |v| v.get_name().to_string())
    ));
    let rendered = match out.format {
        Format::Text => report::text::render_styled(&report, colour),
        Format::Json => report::json::render(&report),
        Format::Jsonl => report::jsonl::render(&report),
        Format::Html => report::html::render(&report),
        Format::Md => report::markdown::render(&report),
        Format::Csv => report::csv::render(&report),
        Format::CsvPackages => report::csv::render_packages(&report),
        Format::Sarif => report::sarif::render(&report),
    };
    match &out.file {
        Some(path) => std::fs::write(path, &rendered)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?,
        None => emit(&rendered)?,
    }
    step(format!("wrote {} bytes", rendered.len()));
    let fail_on = out
        .fail_on
        .or(policy.and_then(|p| p.fail_on))
        .or(report.policy.as_ref().and_then(|p| p.fail_on))
        .unwrap_or(FailOn::Blocker);
    Ok(i32::from(policy::fails(&report, fail_on)))
}

/// Read a saved JSON report (`-` is standard input).
pub fn read_report(path: &Path) -> anyhow::Result<Report> {
    let text = if path == Path::new("-") {
        user_file::read_stdin(user_file::MAX_REPORT)
            .map_err(|e| anyhow::anyhow!("cannot read standard input: {e}"))?
    } else {
        user_file::read(path, user_file::MAX_REPORT)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?
    };
    report::load::from_json(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// Write to standard output. A reader that went away (`azl-compat explain | head -1`) ends the
/// output quietly, as other Unix tools do: the command finishes with its own status and no
/// message. Any other write error (a full disk) is an error.
pub fn emit(text: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(anyhow::anyhow!("cannot write to standard output: {e}"))
        }
        _ => Ok(()),
    }
}

/// Write a message to standard error; a closed standard error is not worth a panic.
pub fn emit_err(text: &str) {
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    #[derive(Debug, thiserror::Error)]
    #[error("cannot open x: {source}")]
    struct Twice {
        source: std::io::Error,
    }

    #[test]
    fn errors_say_each_thing_once() {
        let nf = || std::io::Error::from(std::io::ErrorKind::NotFound);
        let e = anyhow::Error::new(Twice { source: nf() });
        assert_eq!(error_text(&e), format!("cannot open x: {}", nf()));
        // A context that does not repeat its cause keeps it.
        let e = anyhow::Error::new(nf()).context("cannot read y");
        assert_eq!(error_text(&e), format!("cannot read y: {}", nf()));
    }

    #[test]
    fn output_file_is_checked_before_the_scan() {
        let dir = tempfile::tempdir().unwrap();
        assert!(check_output_file(&dir.path().join("new.json")).is_ok());
        let e = check_output_file(dir.path()).unwrap_err().to_string();
        assert!(e.contains("is a directory"), "{e}");
        let e = check_output_file(&dir.path().join("no/such/dir/r.json"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("No such file or directory"), "{e}");
        std::fs::write(dir.path().join("f"), "").unwrap();
        let e = check_output_file(&dir.path().join("f/r.json"))
            .unwrap_err()
            .to_string();
        assert!(e.to_lowercase().contains("not a directory"), "{e}");
    }

    #[test]
    fn colour_needs_a_terminal_and_no_no_color() {
        assert!(use_colour(true, None));
        assert!(use_colour(true, Some(OsStr::new(""))));
        assert!(!use_colour(true, Some(OsStr::new("1"))));
        assert!(!use_colour(false, None));
    }
}
