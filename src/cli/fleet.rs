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
    let mut head = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| {
            f.take(azl_compat::facts::FACTS_SNIFF)
                .read_to_end(&mut head)
        })
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
        output::Format::Jsonl => "jsonl",
    };
    format!("{:02}-{base}.{ext}", i + 1)
}

#[derive(clap::Subcommand, Debug)]
pub enum FleetCommand {
    /// Add reports (`scan --format json`) or facts files (`collect`, judged now) to a store;
    /// the same host and run again replaces it. `-` reads the list of files from standard input.
    Ingest {
        /// The store (an SQLite file, created if absent).
        store: PathBuf,
        /// Reports or facts files; `-` reads one name a line from standard input.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// A tag of these hosts (repeatable), e.g. `env=prod`.
        #[arg(long, value_name = "KEY=VALUE")]
        tag: Vec<String>,
        /// The run these files belong to [default: the SHA-256 of each file].
        #[arg(long, value_name = "ID")]
        run: Option<String>,
        /// Target for facts files [default: azurelinux-4.0].
        #[arg(long, value_name = "ID[:PROFILE]")]
        target: Option<String>,
        /// Knowledge pack for facts files.
        #[arg(long, value_name = "DIR")]
        knowledge: Option<PathBuf>,
    },
    /// Hosts by verdict and distribution, blockers ranked by hosts, packages not shipped, the
    /// causes to fix first (each with the hosts it unblocks), hosts ready now.
    Summary {
        store: PathBuf,
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
        /// Only hosts with this tag (repeatable: all must match).
        #[arg(long, value_name = "KEY=VALUE")]
        tag: Vec<String>,
        /// Rows per table in text and HTML.
        #[arg(long, default_value_t = 20)]
        top: usize,
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Two runs compared host by host: `fleet diff STORE OLD_RUN NEW_RUN` (run ids given at
    /// ingest) or `fleet diff OLD_STORE NEW_STORE` (each host's latest run in each store). Exit
    /// status 1 when a host in both has a new finding at or above `--fail-on`.
    Diff {
        /// The store, or the old store when two stores are compared.
        store: PathBuf,
        /// The old run id, or the new store.
        old: String,
        /// The new run id (absent: OLD is the new store).
        new: Option<String>,
        #[arg(long, value_enum, default_value_t = super::Format::Text)]
        format: super::Format,
        /// Hosts and causes shown in text.
        #[arg(long, default_value_t = 20)]
        top: usize,
        /// Lowest severity of a new finding that makes the exit status 1 [default: blocker].
        #[arg(long, value_enum)]
        fail_on: Option<super::FailOn>,
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// One JSON record per host and per finding (JSON Lines, docs/fleet.md).
    Export {
        store: PathBuf,
        #[arg(long, value_enum, default_value_t = ExportFormat::Jsonl)]
        format: ExportFormat,
        #[arg(long, value_name = "KEY=VALUE")]
        tag: Vec<String>,
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum SummaryFormat {
    Text,
    Json,
    Html,
    Csv,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum ExportFormat {
    Jsonl,
}

fn tags(list: &[String]) -> anyhow::Result<std::collections::BTreeMap<String, String>> {
    list.iter()
        .map(|t| match t.split_once('=') {
            Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
            _ => anyhow::bail!("--tag {t}: expected KEY=VALUE"),
        })
        .collect()
}

pub fn run_fleet(c: FleetCommand) -> anyhow::Result<i32> {
    use azl_compat::fleet::store::{Ingest, Store};
    match c {
        FleetCommand::Ingest {
            store,
            files,
            tag,
            run,
            target,
            knowledge,
        } => {
            let tags = tags(&tag)?;
            let mut names = Vec::new();
            for f in files {
                if f == std::path::Path::new("-") {
                    let list = azl_compat::source::user_file::read_stdin(64 << 20)
                        .map_err(|e| anyhow::anyhow!("cannot read standard input: {e}"))?;
                    names.extend(
                        list.lines()
                            .filter(|l| !l.trim().is_empty())
                            .map(PathBuf::from),
                    );
                } else {
                    names.push(f);
                }
            }
            use rayon::prelude::*;
            let selected =
                azl_compat::knowledge::target::select(target.as_deref(), knowledge.as_deref())?;
            let pack: &azl_compat::knowledge::Pack = &selected;
            let mut s = Store::open(&store)?;
            let (mut done, mut failed) = (0usize, 0usize);
            // Batches bound the memory; each batch is one transaction.
            for batch in names.chunks(INGEST_BATCH) {
                let loaded: Vec<anyhow::Result<Loaded>> = batch
                    .par_iter()
                    .map(|n| load_run(n, run.as_deref(), pack))
                    .collect();
                let mut ok = Vec::new();
                for (n, l) in batch.iter().zip(loaded) {
                    match l {
                        Ok(l) => ok.push(l),
                        Err(e) => {
                            failed += 1;
                            eprintln!(
                                "azl-compat: error: {}: {}",
                                azl_compat::report::escape::visible(&n.display().to_string()),
                                azl_compat::report::escape::visible(&super::output::error_text(&e))
                            );
                        }
                    }
                }
                let ingests: Vec<Ingest> = ok
                    .iter()
                    .map(|l| Ingest {
                        host: l.host.clone(),
                        hostname: l.hostname.clone(),
                        machine_id: l.machine_id.clone(),
                        run: l.run.clone(),
                        tags: &tags,
                        report: &l.report,
                    })
                    .collect();
                s.ingest(&ingests)?;
                done += ingests.len();
            }
            eprintln!(
                "ingested {done} runs into {}{}",
                store.display(),
                if failed > 0 {
                    format!("; {failed} files could not be ingested")
                } else {
                    String::new()
                }
            );
            Ok(i32::from(failed > 0))
        }
        FleetCommand::Summary {
            store,
            format,
            tag,
            top,
            output,
        } => {
            let s = open_existing(&store)?.summary(&tags(&tag)?)?;
            let text = match format {
                SummaryFormat::Text => s.render_text(top),
                SummaryFormat::Json => serde_json::to_string_pretty(&s)? + "\n",
                SummaryFormat::Html => s.render_html(top),
                SummaryFormat::Csv => s.render_csv(),
            };
            write_out(output.as_deref(), text.as_bytes())?;
            Ok(0)
        }
        FleetCommand::Diff {
            store,
            old,
            new,
            format,
            top,
            fail_on,
            output,
        } => {
            if let Some(o) = &output {
                output::check_output_file(o)?;
            }
            let first = open_existing(&store)?;
            let shown = |p: &std::path::Path| p.display().to_string();
            use azl_compat::fleet::compare::{StoreSide, compare_sides};
            let second;
            let (a, b, old_name, new_name) = match &new {
                Some(new) => {
                    let side = |run: &str| -> anyhow::Result<_> {
                        let s = first.side(Some(run))?;
                        if s.hosts.is_empty() {
                            anyhow::bail!("no run `{run}` in {}", store.display());
                        }
                        Ok(StoreSide {
                            store: &first,
                            index: s,
                        })
                    };
                    (
                        side(&old)?,
                        side(new)?,
                        format!("{} run {old}", shown(&store)),
                        format!("{} run {new}", shown(&store)),
                    )
                }
                None => {
                    let other = PathBuf::from(&old);
                    second = open_existing(&other)?;
                    (
                        StoreSide {
                            store: &first,
                            index: first.side(None)?,
                        },
                        StoreSide {
                            store: &second,
                            index: second.side(None)?,
                        },
                        shown(&store),
                        shown(&other),
                    )
                }
            };
            let d = compare_sides(&a, &b, &old_name, &new_name)?;
            let text = match format {
                super::Format::Text => d.render_text(top),
                super::Format::Json => serde_json::to_string_pretty(&d)? + "\n",
            };
            write_out(output.as_deref(), text.as_bytes())?;
            let fail_on: FailOn = fail_on.map(Into::into).unwrap_or(FailOn::Blocker);
            Ok(i32::from(d.fails(fail_on)))
        }
        FleetCommand::Export {
            store,
            format: ExportFormat::Jsonl,
            tag,
            output,
        } => {
            let mut buf = Vec::new();
            open_existing(&store)?
                .export_jsonl(&tags(&tag)?, &mut buf)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            write_out(output.as_deref(), &buf)?;
            Ok(0)
        }
    }
}

/// A store that must already exist (summary and export never create one).
fn open_existing(p: &std::path::Path) -> anyhow::Result<azl_compat::fleet::store::Store> {
    if !p.is_file() {
        anyhow::bail!("no store at {}", p.display());
    }
    Ok(azl_compat::fleet::store::Store::open(p)?)
}

/// Files read, judged and written per transaction by `fleet ingest`.
const INGEST_BATCH: usize = 256;

/// One file to ingest, read and (for facts) judged.
struct Loaded {
    host: String,
    hostname: Option<String>,
    machine_id: Option<String>,
    run: String,
    report: azl_compat::report::Report,
}

fn load_run(
    n: &std::path::Path,
    run: Option<&str>,
    pack: &azl_compat::knowledge::Pack,
) -> anyhow::Result<Loaded> {
    let bytes = azl_compat::facts::read_user_file(n, azl_compat::facts::MAX_FACTS_FILE)
        .map_err(|e| anyhow::anyhow!("cannot read it: {e}"))?;
    let stem = n
        .file_name()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    let stem = stem
        .trim_end_matches(".facts")
        .trim_end_matches(".json")
        .to_string();
    let run = run
        .map(str::to_string)
        .unwrap_or_else(|| azl_compat::knowledge::builder::sha256::sha256_hex(&bytes));
    let (report, hostname, machine_id) = if azl_compat::facts::is_facts(&bytes) {
        let facts = azl_compat::facts::Facts::read(&bytes).map_err(|e| anyhow::anyhow!(e))?;
        let r = azl_compat::facts::analyze(&facts, pack);
        (r, facts.identity.hostname, facts.identity.machine_id)
    } else {
        let text = String::from_utf8(bytes)
            .map_err(|_| anyhow::anyhow!("neither facts nor a JSON report"))?;
        let r = azl_compat::report::load::from_json(&text)?;
        (r, None, None)
    };
    let host = machine_id.clone().or(hostname.clone()).unwrap_or(stem);
    Ok(Loaded {
        host,
        hostname,
        machine_id,
        run,
        report,
    })
}
