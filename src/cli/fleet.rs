//! The fleet commands: `diff` (and later `collect`, `analyze`, `fleet ...`).

use super::output;
use azl_compat::fleet::diff;
use azl_compat::report::policy::FailOn;
use std::io::{IsTerminal, Write};
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

#[derive(clap::Args, Debug)]
pub struct CollectArgs {
    /// The directory taken as the root of what would move.
    pub root: PathBuf,
    /// Where to write the facts (zstd-compressed JSON, docs/fleet.md).
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// When collecting `/`, also enter other mounted filesystems (pseudo filesystems never).
    #[arg(long)]
    pub cross_mounts: bool,
    /// Leave paths matching GLOB out (repeatable; as `scan --exclude`).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// No progress display.
    #[arg(short, long)]
    pub quiet: bool,
}

pub fn run_collect(a: CollectArgs) -> anyhow::Result<i32> {
    output::check_output_file(&a.output)?;
    super::raise_fd_limit();
    let show = !a.quiet && std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
    let progress = super::progress::Progress::new(show);
    let facts = azl_compat::facts::collect(
        &azl_compat::scan::ScanOptions {
            root: a.root.clone(),
            cross_mounts: a.cross_mounts,
            exclude: super::exclusions(&a.exclude, None)?,
        },
        &progress,
    )?;
    progress.finish();
    let mut bytes = Vec::new();
    facts.write(&mut bytes)?;
    write_out(Some(&a.output), &bytes)?;
    Ok(0)
}

#[derive(clap::Args, Debug)]
pub struct AnalyzeArgs {
    /// A facts file written by `azl-compat collect`.
    pub facts: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = output::Format::Text)]
    pub format: output::Format,
    /// Write the report to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Target, and optionally one of its profiles [default: azurelinux-4.0].
    #[arg(long, value_name = "ID[:PROFILE]")]
    pub target: Option<String>,
    /// Use the knowledge pack in DIR instead of the built-in one.
    #[arg(long, value_name = "DIR")]
    pub knowledge: Option<PathBuf>,
    /// Waivers, severity overrides and `fail_on` from a TOML policy file (docs/reports.md).
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Lowest unwaived severity that makes the exit status 1 [default: the policy's `fail_on`,
    /// else blocker].
    #[arg(long, value_enum)]
    pub fail_on: Option<super::FailOn>,
}

/// Read a facts file (bounded).
pub fn read_facts(path: &std::path::Path) -> anyhow::Result<azl_compat::facts::Facts> {
    let bytes = azl_compat::facts::read_user_file(path, azl_compat::facts::MAX_FACTS_FILE)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    azl_compat::facts::Facts::read(&bytes).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

pub fn run_analyze(a: AnalyzeArgs) -> anyhow::Result<i32> {
    if let Some(o) = &a.output {
        output::check_output_file(o)?;
    }
    let policy = output::load_policy(a.policy.as_deref())?;
    let selected =
        azl_compat::knowledge::target::select(a.target.as_deref(), a.knowledge.as_deref())?;
    let facts = read_facts(&a.facts)?;
    let report = azl_compat::facts::analyze(&facts, &selected);
    output::finish(
        report,
        policy.as_ref(),
        &output::Output {
            format: a.format,
            file: a.output,
            fail_on: a.fail_on.map(Into::into),
        },
    )
}
