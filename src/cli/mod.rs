//! Command-line interface: arguments become settings here and nowhere else.
//!
//! Exit status: 0 no unwaived finding at or above the `--fail-on` threshold, 1 such findings,
//! 2 usage or fatal error.

use azl_compat::findings::Code;
use azl_compat::knowledge::{self, Pack};
use azl_compat::report::policy;
use azl_compat::scan::{ScanOptions, scan};
use clap::{Parser, Subcommand, ValueEnum};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

mod explain;
mod fleet;
mod output;
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
    /// Render a saved JSON report (`scan --format json`) again, optionally under a policy.
    Report(ReportArgs),
    /// Build, inspect or check knowledge packs.
    #[command(subcommand)]
    Knowledge(KnowledgeCommand),
    /// Print the explanation of a finding code or of a difference from Fedora.
    Explain {
        /// A finding code, e.g. `elf-library-missing`, or a difference id, e.g. `sdk` (omit to
        /// list them all).
        code: Option<String>,
    },
    /// What Azure Linux has for a package, capability, soname, path, command, or Debian/Ubuntu
    /// package name. Exit status 0 when something installable answers it (shipped, provided-by,
    /// obsoleted-by, sdk-only), 1 when not (not-published, not-shipped).
    Which(WhichArgs),
    /// Compare two JSON reports of the same root: new, resolved and unchanged findings (by
    /// code, path and subject), packages, units and binaries whose verdict changed. Exit status
    /// 1 when a new unwaived finding is at or above `--fail-on`.
    Diff(fleet::DiffArgs),
    /// Collect what the checks need from a root (nothing is judged) into a facts file,
    /// to be judged later or elsewhere with `analyze` (docs/fleet.md).
    Collect(fleet::CollectArgs),
    /// Judge a facts file written by `collect`: the report `scan` gives for the same root.
    Analyze(fleet::AnalyzeArgs),
    /// Many hosts in one store: ingest reports and facts, summarise, export (docs/fleet.md).
    #[command(subcommand)]
    Fleet(fleet::FleetCommand),
}

#[derive(clap::Args, Debug)]
struct WhichArgs {
    /// A package (`openssl-libs`, `java-17-openjdk`), capability (`redis`, `yum`), soname
    /// (`libssl.so.1.1`), path (`/usr/sbin/ntpd`), command (`sshd`) or Debian/Ubuntu package
    /// (`apache2`, `libssl3`).
    term: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Target, and optionally one of its profiles (an image: `azurelinux-4.0:core`,
    /// `azurelinux-4.0:distroless-base`, `azurelinux-4.0:vm-base`); `knowledge info` lists
    /// them [default: azurelinux-4.0].
    #[arg(long, value_name = "ID[:PROFILE]")]
    target: Option<String>,
    /// Use the knowledge pack in DIR instead of the built-in one.
    #[arg(long, value_name = "DIR")]
    knowledge: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
struct ScanArgs {
    /// The directory taken as the root of what would move, a facts file (`collect`), or a
    /// container image: a `docker save` tar, an OCI image layout (directory or tar) or a layer
    /// tar (docs/images.md).
    root: PathBuf,
    /// More roots or facts files: each gets its own report in the directory `-o` names
    /// (judged in parallel with one pack in memory; docs/fleet.md).
    #[arg(value_name = "MORE")]
    more: Vec<PathBuf>,
    /// For an image whose index has several manifests: the one for OS/ARCH[/VARIANT]
    /// [default: the host's, e.g. linux/amd64].
    #[arg(long, value_name = "OS/ARCH")]
    platform: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = output::Format::Text)]
    format: output::Format,
    /// Write the report to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Target, and optionally one of its profiles (an image: `azurelinux-4.0:core`,
    /// `azurelinux-4.0:distroless-base`, `azurelinux-4.0:vm-base`); `knowledge info` lists
    /// them [default: azurelinux-4.0].
    #[arg(long, value_name = "ID[:PROFILE]")]
    target: Option<String>,
    /// Use the knowledge pack in DIR instead of the built-in one.
    #[arg(long, value_name = "DIR")]
    knowledge: Option<PathBuf>,
    /// Waivers, severity overrides and `fail_on` from a TOML policy file (docs/reports.md).
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// Lowest unwaived severity that makes the exit status 1 [default: the policy's `fail_on`,
    /// else blocker].
    #[arg(long, value_enum)]
    fail_on: Option<FailOn>,
    /// When scanning `/`, also enter other mounted filesystems (pseudo filesystems never).
    #[arg(long)]
    cross_mounts: bool,
    /// Leave paths matching GLOB out of the scan (repeatable; `/`-anchored or at any depth,
    /// `*`, `**`, `?`, `[...]`); package-manager state, git hook samples and documentation are
    /// always left out. The report lists what was left out and why.
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// Write the migrated systemd units and native .service drafts for SysV scripts into DIR
    /// (laid out as on the target; never inside the scanned tree).
    #[arg(long, value_name = "DIR")]
    write_fixes: Option<PathBuf>,
    /// Also judge this Containerfile (Dockerfile): its final stage rebased onto the target's
    /// container image, its package installs onto the target's package manager; with
    /// --write-fixes, the migrated file as a unified diff `FILE.diff` (docs/images.md).
    #[arg(long, value_name = "FILE")]
    containerfile: Option<PathBuf>,
    /// Let --write-fixes replace files that already exist in DIR.
    #[arg(long, requires = "write_fixes")]
    force: bool,
    /// No progress display.
    #[arg(short, long)]
    quiet: bool,
}

#[derive(clap::Args, Debug)]
struct ReportArgs {
    /// A JSON report written by `azl-compat scan --format json` (`-`: standard input).
    report: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = output::Format::Text)]
    format: output::Format,
    /// Write the rendering to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Waivers, severity overrides and `fail_on` from a TOML policy file (docs/reports.md);
    /// replaces a policy applied before.
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// Lowest unwaived severity that makes the exit status 1 [default: the policy's `fail_on`,
    /// else blocker].
    #[arg(long, value_enum)]
    fail_on: Option<FailOn>,
    /// Say on stderr what is being read, rendered and written [default: only when stderr is a
    /// terminal].
    #[arg(long)]
    progress: bool,
}

#[derive(Subcommand, Debug)]
enum KnowledgeCommand {
    /// Generate a pack from the upstream-derived knowledge sources.
    Build {
        /// The target manifest (knowledge/targets/<id>/manifest.toml): what the pack is of, and
        /// where below --sources its facts are.
        #[arg(long, value_name = "FILE")]
        manifest: PathBuf,
        /// The knowledge-sources directory (with the distro and platform directories the
        /// manifest names).
        #[arg(long, value_name = "DIR")]
        sources: PathBuf,
        /// Where to write the pack.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// List the built-in targets; print a pack's id, provenance, counts and profiles.
    Info {
        /// Target, and optionally one of its profiles (an image: `azurelinux-4.0:core`,
        /// `azurelinux-4.0:distroless-base`, `azurelinux-4.0:vm-base`); `knowledge info` lists
        /// them [default: azurelinux-4.0].
        #[arg(long, value_name = "ID[:PROFILE]")]
        target: Option<String>,
        /// A pack directory (default: the built-in pack).
        #[arg(long, value_name = "DIR")]
        knowledge: Option<PathBuf>,
    },
    /// Build a pack from dnf repository metadata (repomd.xml, primary and filelists; gzip, xz,
    /// zstd or plain).
    Import {
        /// A repository (directory with repodata/, the repodata directory, or repomd.xml);
        /// `CHANNEL=PATH` gives its packages a channel (base, sdk, sdk-exception, unlisted;
        /// default base).
        #[arg(long, value_name = "PATH", required = true, num_args = 1..)]
        repodata: Vec<String>,
        /// Where to write the pack.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Pack id.
        #[arg(long, default_value = "imported")]
        id: String,
        /// Distribution name [default: the default target's].
        #[arg(long)]
        name: Option<String>,
        /// Distribution version [default: the default target's].
        #[arg(long)]
        version: Option<String>,
    },
    /// Check a pack: schema, order, duplicates, unexpanded macros, dangling references, soname
    /// shapes. Exit status 1 when there are errors (warnings do not count).
    Lint {
        /// A built-in target's pack [default: azurelinux-4.0].
        #[arg(long, value_name = "ID", conflicts_with = "knowledge")]
        target: Option<String>,
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
    Info,
    Never,
}

impl From<FailOn> for policy::FailOn {
    fn from(f: FailOn) -> Self {
        match f {
            FailOn::Blocker => policy::FailOn::Blocker,
            FailOn::Warning => policy::FailOn::Warning,
            FailOn::Info => policy::FailOn::Info,
            FailOn::Never => policy::FailOn::Never,
        }
    }
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
        Command::Report(a) => run_report(a),
        Command::Knowledge(k) => run_knowledge(k),
        Command::Explain { code } => run_explain(code),
        Command::Which(w) => run_which(w),
        Command::Diff(a) => fleet::run_diff(a),
        Command::Collect(a) => fleet::run_collect(a),
        Command::Analyze(a) => fleet::run_analyze(a),
        Command::Fleet(c) => fleet::run_fleet(c),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            // Errors can name paths of the tree: shown escaped like every rendering.
            let text = output::error_text(&e);
            output::emit_err(&format!(
                "azl-compat: error: {}\n",
                azl_compat::report::escape::visible(&text)
            ));
            2
        }
    }
}

fn run_scan(a: ScanArgs) -> anyhow::Result<i32> {
    if !a.more.is_empty() || fleet::is_facts_file(&a.root) {
        if a.containerfile.is_some() {
            anyhow::bail!(
                "--containerfile: judged with one root or image, not with several or a facts file"
            );
        }
        return fleet::run_scan_many(a);
    }
    if let Some(o) = &a.output {
        output::check_output_file(o)?;
    }
    let policy = output::load_policy(a.policy.as_deref())?;
    let selected = knowledge::target::select(a.target.as_deref(), a.knowledge.as_deref())?;
    let pack: &Pack = &selected;
    if let Some(dir) = &a.write_fixes {
        azl_compat::checks::units_write::fixes_dir_allowed(&a.root, dir)
            .map_err(|e| anyhow::anyhow!("--write-fixes: {e}"))?;
    }
    raise_fd_limit();
    let show = !a.quiet && std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
    let progress = progress::Progress::new(show);
    let opts = ScanOptions {
        root: a.root.clone(),
        cross_mounts: a.cross_mounts,
        exclude: exclusions(&a.exclude, policy.as_ref())?,
    };
    let image = azl_compat::source::image::is_image(&a.root);
    let report = if image {
        azl_compat::scan::scan_image(&opts, a.platform.as_deref(), pack, &progress)?
    } else {
        scan(&opts, pack, &progress)?
    };
    progress.finish();
    let mut report = report;
    let migrated = match &a.containerfile {
        Some(file) => Some(containerfile(file, pack, &mut report)?),
        None => None,
    };
    if let Some(dir) = &a.write_fixes {
        let opts = azl_compat::checks::units_write::WriteOptions {
            // An image is never written to; a directory is refused as the output's home.
            root: (!image).then_some(a.root.as_path()),
            force: a.force,
        };
        azl_compat::checks::units_write::write_fixes(&report.units, &report.generated, dir, opts)
            .map_err(|e| anyhow::anyhow!("cannot write fixes into {}: {e}", dir.display()))?;
        if let Some((name, diff)) = migrated.filter(|(_, d)| !d.is_empty()) {
            azl_compat::checks::units_write::write_file(dir, &name, &diff, a.force)
                .map_err(|e| anyhow::anyhow!("cannot write fixes into {}: {e}", dir.display()))?;
        }
    }
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

/// Judge the Containerfile `file` into `report`; returns the name of its diff (`NAME.diff`)
/// and the diff (empty when nothing changes). The file is read capped; it is an input the user
/// names, not part of the scanned tree.
fn containerfile(
    file: &Path,
    pack: &Pack,
    report: &mut azl_compat::report::Report,
) -> anyhow::Result<(String, String)> {
    use azl_compat::checks::containerfile as cf;
    use std::io::Read;
    let mut text = String::new();
    std::fs::File::open(file)
        .and_then(|f| f.take(cf::MAX_BYTES + 1).read_to_string(&mut text))
        .map_err(|e| anyhow::anyhow!("--containerfile {}: {e}", file.display()))?;
    if text.len() as u64 > cf::MAX_BYTES {
        anyhow::bail!(
            "--containerfile {}: larger than {} bytes",
            file.display(),
            cf::MAX_BYTES
        );
    }
    let shown = file.display().to_string();
    report.findings.extend(cf::judge(pack, &shown, &text));
    report.findings.sort();
    report.findings.dedup_by(|a, b| a.key() == b.key());
    azl_compat::report::recount(report);
    let m = cf::migrate(pack, &shown, &text);
    let name = file.file_name().map_or_else(
        || "Containerfile".into(),
        |n| n.to_string_lossy().into_owned(),
    );
    let diff = if m.migrated == text {
        String::new()
    } else {
        azl_compat::engine::unit_edit::unified_diff(&name, &text, &m.migrated)
    };
    Ok((format!("{name}.diff"), diff))
}

/// The walk holds a directory fd for each deep directory whose subdirectories are still to be
/// walked: allow what the hard limit allows (a directory that still cannot be opened is a
/// diagnostic, and the verdict is incomplete).
fn raise_fd_limit() {
    // SAFETY: getrlimit/setrlimit with a valid, initialised struct.
    unsafe {
        let mut l: libc::rlimit = std::mem::zeroed();
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut l) == 0 && l.rlim_cur < l.rlim_max {
            l.rlim_cur = l.rlim_max;
            let _ = libc::setrlimit(libc::RLIMIT_NOFILE, &l);
        }
    }
}

/// The built-in exclusions, then `--exclude`, then the policy's `exclude`.
fn exclusions(
    patterns: &[String],
    policy: Option<&policy::Policy>,
) -> anyhow::Result<azl_compat::inventory::exclude::Exclusions> {
    use azl_compat::inventory::exclude::{Exclusions, RuleOrigin};
    let mut e = Exclusions::built_in();
    for p in patterns {
        e.add(p, "excluded by --exclude", RuleOrigin::Option)
            .map_err(|m| anyhow::anyhow!("--exclude: {m}"))?;
    }
    for r in policy.map(|p| p.exclude.as_slice()).unwrap_or_default() {
        let reason = r.reason.as_deref().unwrap_or("excluded by the policy");
        e.add(&r.pattern, reason, RuleOrigin::Policy)
            .map_err(|m| anyhow::anyhow!("policy exclude: {m}"))?;
    }
    Ok(e)
}

fn run_report(a: ReportArgs) -> anyhow::Result<i32> {
    if let Some(o) = &a.output {
        output::check_output_file(o)?;
    }
    let policy = output::load_policy(a.policy.as_deref())?;
    // A saved report of 200k findings takes seconds to read and render: say what is going on.
    let progress = (a.progress
        || (std::io::stderr().is_terminal() && std::env::var_os("CI").is_none()))
    .then(std::time::Instant::now);
    if progress.is_some() {
        eprintln!("azl-compat report: reading {}", a.report.display());
    }
    let report = output::read_report(&a.report)?;
    output::finish_with_progress(
        report,
        policy.as_ref(),
        &output::Output {
            format: a.format,
            file: a.output,
            fail_on: a.fail_on.map(Into::into),
        },
        progress,
    )
}

fn run_knowledge(k: KnowledgeCommand) -> anyhow::Result<i32> {
    match k {
        KnowledgeCommand::Build {
            manifest,
            sources,
            out,
        } => {
            let summary = knowledge::builder::build::build(&manifest, &sources, &out)?;
            output::emit(&format!("{summary}\n"))?;
        }
        KnowledgeCommand::Info { target, knowledge } => {
            let pack = knowledge::target::select(target.as_deref(), knowledge.as_deref())?;
            let targets: Vec<String> = Pack::targets()
                .iter()
                .map(|t| match *t == knowledge::target::DEFAULT_TARGET {
                    true => format!("{t} (default)"),
                    false => t.to_string(),
                })
                .collect();
            output::emit(&format!(
                "targets     {}\n{}",
                targets.join(", "),
                pack.info()
            ))?;
        }
        KnowledgeCommand::Import {
            repodata,
            out,
            id,
            name,
            version,
        } => {
            let repos: Vec<knowledge::builder::repodata::RepoSpec> = repodata
                .iter()
                .map(|r| knowledge::builder::repodata::RepoSpec::parse(r))
                .collect();
            // The repositories are of the default target's distribution: its layout (arches,
            // baseline, loaders) and facts apply.
            let mut opts = knowledge::builder::repodata::ImportOptions::like(&id, Pack::builtin());
            if let Some(n) = name {
                opts.name = n;
            }
            if let Some(v) = version {
                opts.version = v;
            }
            let summary = knowledge::builder::repodata::import(&repos, &out, &opts)?;
            output::emit(&format!("{summary}\n"))?;
        }
        KnowledgeCommand::Lint { target, knowledge } => {
            let report = match knowledge {
                Some(d) => knowledge::builder::lint::lint_dir(&d),
                None => {
                    let id = knowledge::target::builtin_id(target.as_deref())?;
                    knowledge::builder::lint::lint_builtin_id(id).expect("a built-in target")
                }
            };
            output::emit(&report.render_text())?;
            return Ok(i32::from(!report.is_clean()));
        }
    }
    Ok(0)
}

fn run_which(w: WhichArgs) -> anyhow::Result<i32> {
    if w.term.trim().is_empty() {
        output::emit_err("azl-compat: error: which needs a non-empty TERM\n");
        return Ok(2);
    }
    let selected = knowledge::target::select(w.target.as_deref(), w.knowledge.as_deref())?;
    let pack: &Pack = &selected;
    let answer = pack.which(&w.term)?;
    let rendered = match w.format {
        Format::Text => knowledge::which::render_text(&answer),
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&answer)?;
            s.push('\n');
            s
        }
    };
    output::emit(&rendered)?;
    Ok(if answer.status.found() { 0 } else { 1 })
}

fn run_explain(code: Option<String>) -> anyhow::Result<i32> {
    match code {
        None => {
            let mut list = String::new();
            for c in Code::ALL {
                list.push_str(&format!(
                    "{:<32} {:<8} {}\n",
                    c.as_str(),
                    c.severity().as_str(),
                    c.title(&Pack::builtin().target)
                ));
            }
            for d in knowledge::differences::ALL {
                list.push_str(&format!(
                    "{:<32} {:<8} {}\n",
                    d.id,
                    "differ",
                    d.text("title", Pack::builtin())
                ));
            }
            output::emit(&list)?;
            Ok(0)
        }
        Some(s) => {
            let c = match explain::lookup(&s).map_err(|e| anyhow::anyhow!(e))? {
                explain::Explained::Difference(d) => {
                    output::emit(&knowledge::differences::explain(d, Pack::builtin()))?;
                    return Ok(0);
                }
                explain::Explained::Code(c) => c,
            };
            output::emit(&format!(
                "{} ({}): {}\n{}\n\n{}\n",
                c.as_str(),
                c.severity().as_str(),
                c.title(&Pack::builtin().target),
                azl_compat::checks::registry::emitted_by(c),
                c.explanation()
            ))?;
            Ok(0)
        }
    }
}
