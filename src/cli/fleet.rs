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

/// Whether a path names a facts file (a regular file starting with a zstd frame).
pub fn is_facts_file(path: &std::path::Path) -> bool {
    use std::io::Read;
    if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return false;
    }
    let mut head = [0u8; 4];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok()
        && azl_compat::facts::is_facts(&head)
}

/// `scan` of several roots or facts files (or of one facts file): one report each, judged in
/// parallel against one pack. With several inputs `-o` names a directory that receives
/// `NN-NAME.EXT` per input, in the order given; the exit status is the worst of them.
pub fn run_scan_many(a: super::ScanArgs) -> anyhow::Result<i32> {
    use rayon::prelude::*;
    let inputs: Vec<PathBuf> = std::iter::once(a.root.clone())
        .chain(a.more.iter().cloned())
        .collect();
    if a.write_fixes.is_some() && inputs.len() > 1 {
        anyhow::bail!("--write-fixes takes one root");
    }
    let policy = output::load_policy(a.policy.as_deref())?;
    let selected =
        azl_compat::knowledge::target::select(a.target.as_deref(), a.knowledge.as_deref())?;
    let pack: &azl_compat::knowledge::Pack = &selected;
    let dir = match (&a.output, inputs.len()) {
        (_, 1) => None,
        (Some(d), _) => {
            std::fs::create_dir_all(d)
                .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", d.display()))?;
            Some(d.clone())
        }
        (None, _) => anyhow::bail!("several roots: -o DIR names where their reports go"),
    };
    if let (None, Some(o)) = (&dir, &a.output) {
        output::check_output_file(o)?;
    }
    let exclude = super::exclusions(&a.exclude, policy.as_ref())?;
    super::raise_fd_limit();
    let reports: Vec<anyhow::Result<azl_compat::report::Report>> = inputs
        .par_iter()
        .map(|input| {
            if is_facts_file(input) {
                Ok(azl_compat::facts::analyze(&read_facts(input)?, pack))
            } else {
                let opts = azl_compat::scan::ScanOptions {
                    root: input.clone(),
                    cross_mounts: a.cross_mounts,
                    exclude: exclude.clone(),
                };
                Ok(azl_compat::scan::scan(
                    &opts,
                    pack,
                    &azl_compat::inventory::walk::NoProgress,
                )?)
            }
        })
        .collect();
    let mut worst = 0;
    for (i, (input, report)) in inputs.iter().zip(reports).enumerate() {
        let report = report?;
        let file = match &dir {
            None => a.output.clone(),
            Some(d) => Some(d.join(report_name(i, input, a.format))),
        };
        let code = output::finish(
            report,
            policy.as_ref(),
            &output::Output {
                format: a.format,
                file,
                fail_on: a.fail_on.map(Into::into),
            },
        )?;
        worst = worst.max(code);
    }
    Ok(worst)
}

/// `NN-NAME.EXT`: the input's position, its file name (without `.facts`), the format's extension.
fn report_name(i: usize, input: &std::path::Path, format: output::Format) -> String {
    let base = input
        .file_name()
        .map(|n| n.to_string_lossy().trim_end_matches(".facts").to_string())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "root".into());
    let base: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let ext = match format {
        output::Format::Text => "txt",
        output::Format::Json => "json",
        output::Format::Html => "html",
        output::Format::Md => "md",
        output::Format::Csv | output::Format::CsvPackages => "csv",
        output::Format::Sarif => "sarif",
    };
    format!("{:02}-{base}.{ext}", i + 1)
}
