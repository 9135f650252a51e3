//! Host configuration that runs programs the target lacks (issue 14): cron jobs (/etc/crontab,
//! /etc/cron.d, user crontabs, /etc/cron.{hourly,daily,weekly,monthly} scripts), sudoers rules,
//! logrotate script blocks and /etc/profile.d scripts. Programs are looked up as the unit
//! checks do (`Context::program_packages`: carried in the tree, else an Azure Linux package);
//! files of distro packages are replaced on the target and not judged.

use super::host_ctx::HostCtx;
use super::interface::{Area, Check, Input, Meta, Needs, Sink};
use crate::findings::{Code, Finding};
use crate::inventory::hostconf::commands;

/// Where cron and shells look for a command without `/` (cron's default PATH plus sbin).
const SEARCH_PATH: &[&str] = &[
    "/usr/local/sbin",
    "/usr/local/bin",
    "/usr/sbin",
    "/usr/bin",
    "/sbin",
    "/bin",
];

/// One line of a file that runs programs: (line, command text, programs).
type Line = (usize, String, Vec<String>);
/// A file, what kind of configuration it is, and its lines.
type Job = (String, &'static str, Vec<Line>);

/// The check (issue 14): programs that cron, sudoers, logrotate and profile.d run.
pub static CHECK: Check = Check {
    meta: Meta {
        id: "host-programs",
        summary: "programs that cron, sudoers, logrotate and profile.d run",
        area: Area::Host,
        needs: Needs::Host,
        codes: &[Code::HostProgramMissing],
        reuses: &[],
        file: "src/checks/host_programs.rs",
    },
    run,
};

fn run(input: &Input, out: &mut Sink) {
    if let Input::Host { host } = input {
        out.extend(check(host).into_iter().map(|f| host.fill(f)));
    }
}

pub fn check(h: &HostCtx) -> Vec<Finding> {
    let mut out = Vec::new();
    let f = h.files;
    let workload = |p: &String| !f.distro_owned(p);
    let mut jobs: Vec<Job> = Vec::new();
    let cron_files = |system: bool, paths: Vec<String>, jobs: &mut Vec<_>| {
        for p in paths.into_iter().filter(workload) {
            let Some(text) = f.read_text(&p) else {
                continue;
            };
            let lines = text
                .lines()
                .enumerate()
                .filter_map(|(i, l)| {
                    let c = commands::cron_command(l, system)?;
                    Some((i + 1, c.clone(), commands::shell_programs(&c)))
                })
                .collect();
            jobs.push((p, "cron job", lines));
        }
    };
    let mut system: Vec<String> = f.file("/etc/crontab").into_iter().collect();
    system.extend(f.files_in("/etc/cron.d", ""));
    cron_files(true, system, &mut jobs);
    let mut user = f.files_in("/var/spool/cron", "");
    user.extend(f.files_in("/var/spool/cron/crontabs", ""));
    cron_files(false, user, &mut jobs);
    let shell_file = |kind: &'static str, p: String, jobs: &mut Vec<_>| {
        let Some(text) = f.read_text(&p) else { return };
        let lines = text
            .lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l.trim().to_string(), commands::shell_programs(l)))
            .collect();
        jobs.push((p, kind, lines));
    };
    for d in ["hourly", "daily", "weekly", "monthly"] {
        for p in f
            .files_in(&format!("/etc/cron.{d}"), "")
            .into_iter()
            .filter(workload)
        {
            shell_file("cron script", p, &mut jobs);
        }
    }
    for p in f
        .files_in("/etc/profile.d", ".sh")
        .into_iter()
        .filter(workload)
    {
        shell_file("profile.d script", p, &mut jobs);
    }
    let mut rotate: Vec<String> = f.file("/etc/logrotate.conf").into_iter().collect();
    rotate.extend(f.files_in("/etc/logrotate.d", ""));
    for p in rotate.into_iter().filter(workload) {
        let Some(text) = f.read_text(&p) else {
            continue;
        };
        let lines = commands::logrotate_script_lines(&text)
            .into_iter()
            .map(|(n, l)| {
                let progs = commands::shell_programs(&l);
                (n, l, progs)
            })
            .collect();
        jobs.push((p, "logrotate script", lines));
    }
    let mut sudoers: Vec<String> = f.file("/etc/sudoers").into_iter().collect();
    sudoers.extend(f.files_in("/etc/sudoers.d", ""));
    for p in sudoers.into_iter().filter(workload) {
        let Some(text) = f.read_text(&p) else {
            continue;
        };
        let lines = text
            .lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l.trim().to_string(), commands::sudoers_programs(l)))
            .collect();
        jobs.push((p, "sudoers rule", lines));
    }
    for (path, kind, lines) in jobs {
        for (line, text, programs) in lines {
            for prog in programs {
                if let Some(x) = judge(h, &path, kind, line, &text, &prog) {
                    out.push(x);
                }
            }
        }
    }
    out.sort();
    out.dedup_by(|a, b| a.key() == b.key() && a.line == b.line);
    super::aggregate::fold(out)
}

/// A finding when `prog` exists neither in the tree (outside distro packages) nor in a
/// published Azure Linux package.
fn judge(
    h: &HostCtx,
    path: &str,
    kind: &str,
    line: usize,
    text: &str,
    prog: &str,
) -> Option<Finding> {
    let f = h.files;
    let mut candidates: Vec<String> = if prog.starts_with('/') {
        let name = crate::inventory::file_name(prog);
        // /usr/sbin is /usr/bin on the target (Fedora 42's merge): either path finds it.
        vec![
            prog.to_string(),
            format!("/usr/bin/{name}"),
            format!("/usr/sbin/{name}"),
        ]
    } else {
        SEARCH_PATH.iter().map(|d| format!("{d}/{prog}")).collect()
    };
    candidates.dedup();
    // Carried over in the tree (a workload file): judged by the ELF and script checks.
    if candidates
        .iter()
        .any(|c| f.file(c).is_some_and(|real| !f.distro_owned(&real)))
    {
        return None;
    }
    let found = h.ctx.program_packages(&candidates);
    if !found.shipped.is_empty() {
        return None;
    }
    let target = h.pack.name_version();
    let owned = candidates.iter().any(|c| f.file(c).is_some());
    let was = if owned {
        "; on the source it comes from a distribution package, which does not move"
    } else {
        ""
    };
    Some(
        Finding::new(Code::HostProgramMissing, path)
            .subject(prog)
            .message(format!("a {kind} runs {prog}, which does not exist on {target}"))
            .why(format!("{}{was}; the {kind} fails there", found.absent_reason(&target, prog)))
            .fix(format!("install or carry the program, or change the {kind} to use what replaces {prog} on {target} (azl-compat which {})", crate::inventory::file_name(prog)))
            .evidence("line", line.to_string())
            .evidence("text", text)
            .evidence("program", prog)
            .evidence("kind", kind)
            .evidence("search_path", candidates.join(":"))
            .evidence("source", "knowledge pack (paths and packages of the target; a package whose file list could not be read is not in the path index)")
            .evidence("confidence", "medium"),
    )
}
