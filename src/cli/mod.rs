//! Command-line interface: arguments become settings here and nowhere else.
//!
//! Exit status: 0 no finding at or above the `--fail-on` threshold, 1 such findings, 2 usage
//! or fatal error.

use azl_compat::findings::{Code, Severity};
use azl_compat::knowledge::{self, Pack};
use azl_compat::report::{self, Report};
use azl_compat::scan::{ScanOptions, scan};
use clap::{Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

mod progress;

/// What will break when this workload moves to Azure Linux 4.0, why, and what to do.
#[derive(Parser, Debug)]
#[command(name = "azl-compat", version, about, long_about = None)]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Scan a directory (an app tree, a mounted image or `/`) and judge what would break.
    Scan(ScanArgs),
    /// Build, inspect or check knowledge packs.
    #[command(subcommand)]
    Knowledge(KnowledgeCommand),
    /// Print the explanation of a finding code.
    Explain {
        /// A finding code, e.g. `elf-library-missing` (omit to list them all).
        code: Option<String>,
    },
}

#[derive(clap::Args, Debug)]
struct ScanArgs {
    /// The directory taken as the root of what would move.
    root: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Use the knowledge pack in DIR instead of the built-in one.
    #[arg(long, value_name = "DIR")]
    knowledge: Option<PathBuf>,
    /// Lowest severity that makes the exit status 1.
    #[arg(long, value_enum, default_value_t = FailOn::Blocker)]
    fail_on: FailOn,
    /// When scanning `/`, also enter other mounted filesystems (pseudo filesystems never).
    #[arg(long)]
    cross_mounts: bool,
    /// No progress display.
    #[arg(short, long)]
    quiet: bool,
}

#[derive(Subcommand, Debug)]
enum KnowledgeCommand {
    /// Generate a pack from the upstream-derived knowledge sources.
    Build {
        /// The knowledge-sources directory (with azurelinux-4.0/ and platform/).
        #[arg(long, value_name = "DIR")]
        sources: PathBuf,
        /// Where to write the pack.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Print a pack's id, provenance and counts.
    Info {
        /// A pack directory (default: the built-in pack).
        #[arg(long, value_name = "DIR")]
        knowledge: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
enum FailOn {
    Blocker,
    Warning,
    Never,
}

/// Run the command line; returns the exit status.
pub fn run() -> i32 {
    let args = match Args::try_parse() {
        Ok(a) => a,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    let result = match args.command {
        Command::Scan(a) => run_scan(a),
        Command::Knowledge(k) => run_knowledge(k),
        Command::Explain { code } => run_explain(code),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("azl-compat: error: {e:#}");
            2
        }
    }
}

fn run_scan(a: ScanArgs) -> anyhow::Result<i32> {
    let loaded;
    let pack: &Pack = match &a.knowledge {
        Some(d) => {
            loaded = Pack::load(d)?;
            &loaded
        }
        None => Pack::builtin(),
    };
    let show = !a.quiet && std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
    let progress = progress::Progress::new(show);
    let report = scan(
        &ScanOptions {
            root: a.root.clone(),
            cross_mounts: a.cross_mounts,
        },
        pack,
        &progress,
    )?;
    progress.finish();
    let rendered = match a.format {
        Format::Text => report::text::render(&report),
        Format::Json => report::json::render(&report),
    };
    match &a.output {
        Some(path) => std::fs::write(path, rendered)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?,
        None => {
            let mut out = std::io::stdout().lock();
            // A closed pipe (e.g. `| head`) is not an error worth a message.
            let _ = out.write_all(rendered.as_bytes());
        }
    }
    Ok(exit_status(&report, a.fail_on))
}

fn exit_status(report: &Report, fail_on: FailOn) -> i32 {
    let threshold = match fail_on {
        FailOn::Blocker => Severity::Blocker,
        FailOn::Warning => Severity::Warning,
        FailOn::Never => return 0,
    };
    i32::from(report.findings.iter().any(|f| f.severity >= threshold))
}

fn run_knowledge(k: KnowledgeCommand) -> anyhow::Result<i32> {
    match k {
        KnowledgeCommand::Build { sources, out } => {
            let summary = knowledge::build::build(&sources, &out)?;
            println!("{summary}");
        }
        KnowledgeCommand::Info { knowledge } => match knowledge {
            Some(d) => print!("{}", Pack::load(&d)?.info()),
            None => print!("{}", Pack::builtin().info()),
        },
    }
    Ok(0)
}

fn run_explain(code: Option<String>) -> anyhow::Result<i32> {
    match code {
        None => {
            for c in Code::ALL {
                println!(
                    "{:<32} {:<8} {}",
                    c.as_str(),
                    c.severity().as_str(),
                    c.title()
                );
            }
            Ok(0)
        }
        Some(s) => {
            let c: Code = s.parse().map_err(|e: String| anyhow::anyhow!(e))?;
            println!(
                "{} ({}): {}\n\n{}",
                c.as_str(),
                c.severity().as_str(),
                c.title(),
                c.explanation()
            );
            Ok(0)
        }
    }
}
