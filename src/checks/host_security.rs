//! Security modules that do not carry over (issue 14): AppArmor profiles (no AppArmor on the
//! target: the confined programs are listed), `SELINUX=disabled` (no longer disables SELinux
//! on the target's kernel), a policy type the target lacks, and SELinux local customizations
//! (modules, booleans, file contexts, ports) that must be applied again. Facts:
//! knowledge/host-config/security.tsv.

use super::host_ctx::{HostCtx, WithFact, fact};
use super::interface::{Area, Check, Input, Meta, Needs, Sink};
use crate::findings::{Code, Finding, Severity};
use crate::inventory::file_name;
use crate::inventory::hostconf::config_lines;

/// The check (issue 14): AppArmor profiles, /etc/selinux/config and SELinux local customizations.
pub static CHECK: Check = Check {
    meta: Meta {
        id: "host-security",
        summary: "AppArmor profiles, /etc/selinux/config and SELinux local customizations",
        area: Area::Host,
        needs: Needs::Host,
        codes: &[
            Code::HostApparmorProfile,
            Code::HostSelinuxConfig,
            Code::HostSelinuxLocal,
        ],
        reuses: &[],
        file: "src/checks/host_security.rs",
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
    apparmor(h, &mut out);
    let policy = selinux_config(h, &mut out);
    selinux_local(h, &policy, &mut out);
    out.sort();
    out.dedup_by(|a, b| a.key() == b.key());
    super::aggregate::fold(out)
}

/// The program an AppArmor profile confines: the attachment of its first `profile NAME PATH {`
/// or `PATH {` line, else the file name read as a path (`usr.sbin.nginx` -> `/usr/sbin/nginx`).
pub fn profile_program(name: &str, text: &str) -> (String, Option<usize>) {
    for (line, t) in config_lines(text, false) {
        if !t.ends_with('{') || t.starts_with("#") {
            continue;
        }
        let toks: Vec<&str> = t.trim_end_matches('{').split_whitespace().collect();
        let prog = match toks.as_slice() {
            ["profile", _, path, ..] if path.starts_with('/') => Some(*path),
            ["profile", name, ..] => Some(*name),
            [path, ..] if path.starts_with('/') => Some(*path),
            _ => None,
        };
        if let Some(p) = prog {
            return (p.trim_matches('"').to_string(), Some(line));
        }
    }
    let guess = if name.contains('.') && !name.starts_with('.') {
        format!("/{}", name.replace('.', "/"))
    } else {
        name.to_string()
    };
    (guess, None)
}

fn apparmor(h: &HostCtx, out: &mut Vec<Finding>) {
    let f = h.files;
    let profiles = f.files_in("/etc/apparmor.d", "");
    if profiles.is_empty() {
        return;
    }
    let row = fact("lsm.apparmor");
    let absent = h.pack.package("apparmor").is_none();
    for p in profiles {
        let name = file_name(&p);
        if name.contains(".dpkg-") || name.eq_ignore_ascii_case("README") {
            continue;
        }
        let Some(text) = f.read_text(&p) else {
            continue;
        };
        let (program, line) = profile_program(name, &text);
        let disabled = f.is_file(&format!("/etc/apparmor.d/disable/{name}"));
        let complain = text.contains("flags=(complain")
            || text.contains("flags=(attach_disconnected,complain");
        let distro = f.distro_owned(&p);
        let mut x = Finding::new(Code::HostApparmorProfile, &p)
            .subject(&program)
            .message(format!(
                "AppArmor profile for {program}: it has no effect on {{target}}, where {program} runs unconfined unless SELinux confines it{}",
                if disabled { " (the profile is disabled on the source)" } else if complain { " (the profile is in complain mode on the source)" } else { "" }
            ))
            .fix(format!("if {program} must stay confined, write an SELinux policy module for it (sepolicy generate --application {program}, then semodule -i) and test it in permissive mode first; otherwise drop the profile"))
            .with_fact(row)
            .evidence("program", &program)
            .evidence("apparmor_shipped", (!absent).to_string());
        if let Some(l) = line {
            x = x.evidence("line", l.to_string());
        }
        if disabled || complain || distro {
            x = x.severity(Severity::Info);
        }
        if distro {
            x = x.evidence("origin", "distro");
        }
        if disabled {
            x = x.evidence("mode", "disabled");
        } else if complain {
            x = x.evidence("mode", "complain");
        }
        out.push(x);
    }
}

/// The policy type the host's /etc/selinux/config names (default `targeted`).
fn selinux_config(h: &HostCtx, out: &mut Vec<Finding>) -> String {
    const CONFIG: &str = "/etc/selinux/config";
    let mut policy = "targeted".to_string();
    let Some(text) = h.files.read_text(CONFIG) else {
        return policy;
    };
    for (line, t) in config_lines(&text, false) {
        let Some((k, v)) = t.split_once('=') else {
            continue;
        };
        let v = v.trim().trim_matches('"');
        match k.trim() {
            "SELINUX" if v.eq_ignore_ascii_case("disabled") => out.push(
                Finding::new(Code::HostSelinuxConfig, CONFIG)
                    .subject("SELINUX=disabled")
                    .message("SELINUX=disabled does not disable SELinux on {target}'s kernel: it stays initialised with no policy loaded")
                    .fix("to run without SELinux on the target, put selinux=0 on the kernel command line (grubby --update-kernel ALL --args selinux=0); better, run with the targeted policy, in permissive mode first (SELINUX=permissive), and fix the denials")
                    .with_fact(fact("selinux.runtime-disable"))
                    .evidence("line", line.to_string())
                    .evidence("text", t),
            ),
            "SELINUXTYPE" => {
                policy = v.to_string();
                let pkg = format!("selinux-policy-{v}");
                let found = h.pack.package(&pkg);
                let problem = match found {
                    None => Some(format!("{{target}} has no {pkg} package")),
                    Some(p) if !p.channel.supported() => Some(format!(
                        "{pkg} is only in {{target}}'s unsupported {} channel",
                        p.channel.as_str()
                    )),
                    Some(_) => None,
                };
                if let Some(problem) = problem {
                    out.push(
                        Finding::new(Code::HostSelinuxConfig, CONFIG)
                            .subject(format!("SELINUXTYPE={v}"))
                            .message(format!("the source host runs the SELinux policy type {v}; {problem}"))
                            .fix("run the targeted policy on the target (selinux-policy-targeted) and move the customizations to it, or install the package knowingly")
                            .with_fact(fact("lsm.selinux"))
                            .evidence("line", line.to_string())
                            .evidence("text", t)
                            .evidence("package", pkg),
                    );
                }
            }
            _ => {}
        }
    }
    policy
}

fn selinux_local(h: &HostCtx, policy: &str, out: &mut Vec<Finding>) {
    let f = h.files;
    let row = fact("selinux.local-customization");
    let stores = [
        format!("/var/lib/selinux/{policy}/active"),
        format!("/etc/selinux/{policy}/active"),
        format!("/etc/selinux/{policy}/modules/active"),
    ];
    let mut seen = std::collections::BTreeSet::new();
    // Local modules: priority 400 is where semodule -i puts them.
    for s in &stores {
        for m in f.subdirs(&format!("{s}/modules/400")) {
            let name = file_name(&m).to_string();
            if !seen.insert(("module", name.clone())) {
                continue;
            }
            out.push(
                Finding::new(Code::HostSelinuxLocal, &m)
                    .subject(format!("module {name}"))
                    .message(format!("local SELinux policy module {name} (priority 400): it exists only in the source host's policy store"))
                    .fix(format!("export its source (semodule -E {name}, or the .te/.cil it was built from), rebuild it against the target's policy and load it there with semodule -i"))
                    .with_fact(row)
                    .evidence("kind", "module"),
            );
        }
    }
    let locals = |file: &str| -> Vec<String> {
        let mut v: Vec<String> = stores
            .iter()
            .map(|s| format!("{s}/{file}"))
            .chain(std::iter::once(format!(
                "/etc/selinux/{policy}/contexts/files/{file}"
            )))
            .filter_map(|p| f.file(&p))
            .collect();
        v.dedup();
        v
    };
    for (file, kind, how) in [
        ("booleans.local", "boolean", "setsebool -P"),
        (
            "file_contexts.local",
            "file context",
            "semanage fcontext -a",
        ),
        ("ports.local", "port", "semanage port -a"),
    ] {
        for p in locals(file) {
            let Some(text) = f.read_text(&p) else {
                continue;
            };
            for (line, t) in config_lines(&text, false) {
                let subject = match kind {
                    "boolean" => t.split('=').next().unwrap_or(t).trim().to_string(),
                    "file context" => t.split_whitespace().next().unwrap_or(t).to_string(),
                    _ => t.chars().take(120).collect(),
                };
                if !seen.insert((kind, subject.clone())) {
                    continue;
                }
                out.push(
                    Finding::new(Code::HostSelinuxLocal, &p)
                        .subject(format!("{kind} {subject}"))
                        .message(format!("local SELinux {kind} setting {t}: it is not part of any package and does not move"))
                        .fix(format!("apply it again on the target ({how}; semanage export on the source and semanage import on the target move all of them), then restorecon the paths concerned"))
                        .with_fact(row)
                        .evidence("line", line.to_string())
                        .evidence("text", t)
                        .evidence("kind", kind),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_name_their_program() {
        assert_eq!(
            profile_program(
                "usr.sbin.acmed",
                "#include <tunables/global>\n\n/usr/sbin/acmed flags=(complain) {\n  #include <abstractions/base>\n}\n"
            ),
            ("/usr/sbin/acmed".to_string(), Some(3))
        );
        assert_eq!(
            profile_program(
                "acme",
                "abi <abi/4.0>,\nprofile acme-worker /opt/acme/bin/worker {\n}\n"
            ),
            ("/opt/acme/bin/worker".to_string(), Some(2))
        );
        assert_eq!(
            profile_program("x", "profile firefox {\n}\n"),
            ("firefox".to_string(), Some(1))
        );
        assert_eq!(
            profile_program("usr.bin.foo", "# nothing\n"),
            ("/usr/bin/foo".to_string(), None)
        );
    }
}
