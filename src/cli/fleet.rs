//! The fleet commands: `diff` (and later `collect`, `analyze`, `fleet ...`).

use super::output;
use azl_compat::fleet::diff;
use azl_compat::report::policy::FailOn;
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct DiffArgs {
    /// The earlier JSON report (`scan --format json`; `-`: standard input).
    pub old: PathBuf,
    /// The later JSON report.
    pub new: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = super::Format::Text)]
    pub format: super::Format,
    /// Write the diff to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Lowest severity of a new, unwaived finding that makes the exit status 1 [default:
    /// blocker].
    #[arg(long, value_enum)]
    pub fail_on: Option<super::FailOn>,
}

pub fn run_diff(a: DiffArgs) -> anyhow::Result<i32> {
    if a.old == std::path::Path::new("-") && a.new == std::path::Path::new("-") {
        anyhow::bail!("only one of the two reports can be read from standard input");
    }
    if let Some(o) = &a.output {
        output::check_output_file(o)?;
    }
    let old = output::read_report(&a.old)?;
    let new = output::read_report(&a.new)?;
    let d = diff::diff(&old, &new);
    let text = match a.format {
        super::Format::Text => d.render_text(),
        super::Format::Json => serde_json::to_string_pretty(&d)? + "\n",
    };
    write_out(a.output.as_deref(), text.as_bytes())?;
    let fail_on: FailOn = a.fail_on.map(Into::into).unwrap_or(FailOn::Blocker);
    Ok(i32::from(d.fails(fail_on)))
}

/// Write to FILE, or to standard output.
pub fn write_out(file: Option<&std::path::Path>, bytes: &[u8]) -> anyhow::Result<()> {
    match file {
        Some(p) => std::fs::write(p, bytes)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", p.display())),
        None => {
            let _ = std::io::stdout().lock().write_all(bytes);
            Ok(())
        }
    }
}
