//! Package sources that do not carry over (issue 14): every yum/dnf and apt repository of the
//! host, named with what exists for the target (the rows `repo.*` of
//! knowledge/host-config/package-sources.tsv), URLs that expand `$releasever`, and dnf/yum
//! plugins, options and version locks that dnf5 does not read.

use super::host_ctx::{HostCtx, WithFact, fact_value};
use super::interface::{Area, Check, Input, Meta, Needs, Sink};
use crate::findings::{Code, Finding, Severity};
use crate::inventory::file_name;
use crate::inventory::hostconf::HostFiles;
use crate::inventory::hostconf::repos::{self, Repo};
use crate::knowledge::host_config::{self, Fact};

/// The check (issue 14): yum and apt repositories, dnf options, plugins and version locks.
pub static CHECK: Check = Check {
    meta: Meta {
        id: "host-sources",
        summary: "yum and apt repositories, dnf options, plugins and version locks",
        area: Area::Host,
        needs: Needs::Host,
        codes: &[Code::HostPackageSource, Code::HostDnfConfig],
        reuses: &[],
        file: "src/checks/host_sources.rs",
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
    repositories(h, &mut out);
    dnf_config(h, &mut out);
    super::host_ctx::settle(out, false)
}

/// The `repo.*` row for a URL: the longest matching value; the `repo.third-party` row when
/// none matches.
fn classify(url: &str) -> Option<&'static Fact> {
    let u = url.to_ascii_lowercase();
    host_config::all()
        .iter()
        .filter(|f| {
            f.key.starts_with("repo.")
                && !matches!(f.key, "repo.third-party" | "repo.releasever")
                && u.contains(&f.value.to_ascii_lowercase())
        })
        .max_by_key(|f| f.value.len())
        .or_else(|| host_config::fact("repo.third-party"))
}

fn repositories(h: &HostCtx, out: &mut Vec<Finding>) {
    let f = h.files;
    let mut files: Vec<(String, Vec<Repo>, &str)> = repos::yum_repo_files(f)
        .into_iter()
        .map(|(p, r)| {
            let manager = if p.starts_with("/etc/zypp/") {
                "zypper"
            } else {
                "yum"
            };
            (p, r, manager)
        })
        .collect();
    if let Some(p) = f.file("/etc/apt/sources.list")
        && let Some(t) = f.read_text(&p)
    {
        files.push((p, repos::apt_lines(&t), "apt"));
    }
    for p in f.files_in("/etc/apt/sources.list.d", ".list") {
        if let Some(t) = f.read_text(&p) {
            files.push((p, repos::apt_lines(&t), "apt"));
        }
    }
    for p in f.files_in("/etc/apt/sources.list.d", ".sources") {
        if let Some(t) = f.read_text(&p) {
            files.push((p, repos::apt_deb822(&t), "apt"));
        }
    }
    for (path, list, manager) in files {
        for r in list {
            repository(f, &path, &r, manager, out);
        }
    }
}

/// What the tree holds of a repository's signing keys: per local key file, the keys in it
/// (`FINGERPRINT (USER ID)`), or that it is missing.
fn key_details(f: &HostFiles, spec: &str) -> Vec<(String, Option<Vec<String>>)> {
    repos::local_key_paths(spec)
        .into_iter()
        .map(|p| {
            let keys = f
                .is_file(&p)
                .then(|| f.read_bytes(&p, repos::MAX_KEY_FILE))
                .flatten()
                .map(|b| {
                    crate::inventory::openpgp::keys(&b)
                        .iter()
                        .map(|k| {
                            let id = if k.fingerprint.is_empty() {
                                k.key_id.to_ascii_uppercase()
                            } else {
                                k.fingerprint.to_ascii_uppercase()
                            };
                            match &k.user_id {
                                Some(u) => format!("{id} ({u})"),
                                None => id,
                            }
                        })
                        .collect()
                });
            (p, keys)
        })
        .collect()
}

fn repository(f: &HostFiles, path: &str, r: &Repo, manager: &str, out: &mut Vec<Finding>) {
    let Some(url) = r.urls.first() else {
        return;
    };
    let Some(row) = classify(url) else { return };
    if row.key == "repo.target" {
        return;
    }
    let rpm_like = manager != "apt";
    let subject = if rpm_like {
        r.id.clone()
    } else {
        format!("{url} {}", r.id).trim().to_string()
    };
    // The apt subject already names the URL.
    let what = if rpm_like {
        format!("{subject} ({url})")
    } else {
        subject.clone()
    };
    let (message, fix, severity) = match row.key {
        "repo.replaced" => (
            format!("repository {what} is the source distribution's own: it is replaced by the target's repository"),
            "nothing to move: do not copy this repository definition; install the {name} counterparts the package findings name".to_string(),
            Severity::Info,
        ),
        "repo.none" => (
            format!("repository {what} has no counterpart for {{target}} in the knowledge pack"),
            "find what the workload installs from it in {target} (azl-compat which NAME), otherwise rebuild those packages for {name} or carry them with the workload; do not copy the repository definition".to_string(),
            Severity::Warning,
        ),
        "repo.fedora" => (
            format!("repository {what} is a Fedora repository"),
            "install from the {name} repositories instead; rebuild what only Fedora has".to_string(),
            Severity::Warning,
        ),
        _ => (
            format!("repository {what} is a third-party repository built for the source distribution"),
            "check whether the vendor publishes an RPM repository for {target} (or for {base}, from which it derives) and use that one with the vendor's signing key; otherwise carry the packages with the workload".to_string(),
            Severity::Warning,
        ),
    };
    let mut x = Finding::new(Code::HostPackageSource, path)
        .subject(&subject)
        .message(message)
        .fix(fix)
        .severity(severity)
        .with_fact(Some(row))
        .evidence("line", r.line.to_string())
        .evidence("manager", manager)
        .evidence("url", url)
        .evidence("status", row.key.trim_start_matches("repo."));
    if r.urls.len() > 1 {
        x = x.evidence("other_urls", r.urls[1..].join(" "));
    }
    if let Some(k) = &r.signing_key {
        x = x.evidence("signing_key", k);
        // The vendor's key for the target's repository may be the same key: name it, so the
        // user can compare it with the one the vendor publishes for RPM.
        if row.key != "repo.replaced" {
            let details = key_details(f, k);
            let mut found = Vec::new();
            let mut missing = Vec::new();
            for (p, keys) in &details {
                match keys {
                    Some(ks) if !ks.is_empty() => found.push(format!("{p}: {}", ks.join(", "))),
                    Some(_) => found.push(format!("{p}: no OpenPGP key read")),
                    None => missing.push(p.clone()),
                }
            }
            if !found.is_empty() {
                x = x.evidence("signing_keys", found.join("; "));
                x.fix.push_str(&format!(
                    "; its signing key is in the tree ({}): if the vendor signs its RPM repository with the same key (compare the fingerprint), import it on the target with rpm --import",
                    details.iter().map(|(p, _)| p.as_str()).filter(|p| !missing.iter().any(|m| m == p)).collect::<Vec<_>>().join(" ")
                ));
            }
            if !missing.is_empty() {
                x = x.evidence("signing_key_missing", missing.join(" "));
                x.fix.push_str(&format!(
                    "; the key file {} it names is not in the tree: get the vendor's key for the target's repository from the vendor",
                    missing.join(" ")
                ));
            }
        }
    }
    if !r.enabled {
        let m = format!("{} (disabled)", x.message);
        x = x
            .severity(Severity::Info)
            .evidence("enabled", "false")
            .message(m);
    }
    out.push(x);
    // A third-party RPM repository keyed on $releasever resolves to 4.0 on the target.
    if rpm_like
        && row.key != "repo.replaced"
        && r.urls.iter().any(|u| u.contains("$releasever"))
        && let Some(rv) = fact_value("repo.releasever", "$releasever")
    {
        out.push(
            Finding::new(Code::HostPackageSource, path)
                .subject(format!("{} $releasever", r.id))
                .message(format!(
                    "repository {} uses $releasever in its URL ({url}): on {{target}} it expands to {{version}}",
                    r.id
                ))
                .fix("replace $releasever with the release the vendor publishes for {name} (or {base}), or use the vendor's repository file for it")
                .severity(if r.enabled { Severity::Warning } else { Severity::Info })
                .with_fact(Some(rv))
                .evidence("line", r.line.to_string())
                .evidence("url", url),
        );
    }
}

fn dnf_config(h: &HostCtx, out: &mut Vec<Finding>) {
    let f = h.files;
    for conf in ["/etc/dnf/dnf.conf", "/etc/yum.conf"] {
        let Some(p) = f.file(conf) else { continue };
        let Some(text) = f.read_text(&p) else {
            continue;
        };
        for (line, k, v) in repos::main_options(&text) {
            if let Some(row) = fact_value("dnf.dropped-option", &k) {
                out.push(
                    Finding::new(Code::HostDnfConfig, &p)
                        .subject(&k)
                        .message(format!("{k}={v} in {conf}: dnf5 does not support the option"))
                        .fix("delete the line; where the behaviour matters, use dnf5's own option or command-line switch")
                        .with_fact(Some(row))
                        .evidence("line", line.to_string())
                        .evidence("text", format!("{k}={v}")),
                );
            }
        }
    }
    for row in host_config::rows("dnf.plugin-dir") {
        let dir = row.value.trim_end_matches('/');
        for p in f.files_in(dir, ".conf") {
            let Some(text) = f.read_text(&p) else {
                continue;
            };
            let enabled = repos::main_options(&text)
                .iter()
                .find(|(_, k, _)| k == "enabled")
                .is_none_or(|(_, _, v)| !matches!(v.as_str(), "0" | "false" | "no" | "False"));
            let name = file_name(&p).trim_end_matches(".conf").to_string();
            out.push(
                Finding::new(Code::HostDnfConfig, &p)
                    .subject(format!("plugin {name}"))
                    .message(format!(
                        "the {} plugin {name} is configured{}: dnf5 does not load it",
                        if dir.contains("yum") { "yum" } else { "dnf4" },
                        if enabled { " and enabled" } else { " (disabled)" }
                    ))
                    .severity(if enabled {
                        Severity::Warning
                    } else {
                        Severity::Info
                    })
                    .fix("use the dnf5 plugin or command that does the job (dnf5-plugins), configured under /etc/dnf/libdnf5-plugins/; drop what has no dnf5 counterpart")
                    .with_fact(Some(row))
                    .evidence("enabled", enabled.to_string()),
            );
        }
    }
    if let Some(row) = host_config::fact("dnf.versionlock")
        && let Some(p) = f.file(row.value)
    {
        let locks = f
            .read_text(&p)
            .map(|t| {
                t.lines()
                    .filter(|l| !l.trim().is_empty() && !l.trim().starts_with('#'))
                    .count()
            })
            .unwrap_or(0);
        out.push(
            Finding::new(Code::HostDnfConfig, &p)
                .subject("versionlock")
                .message(format!(
                    "{locks} version locks in the dnf4 versionlock list: dnf5 does not read it"
                ))
                .fix("recreate the locks with dnf versionlock add on the target (they go to /etc/dnf/versionlock.toml)")
                .with_fact(Some(row))
                .evidence("locks", locks.to_string()),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_classify_by_the_longest_match() {
        let k = |u: &str| classify(u).map(|f| f.key).unwrap();
        assert_eq!(k("http://archive.ubuntu.com/ubuntu"), "repo.replaced");
        assert_eq!(
            k("http://download.opensuse.org/distribution/leap/15.6/repo/oss/"),
            "repo.replaced"
        );
        assert_eq!(
            k(
                "plugin:/susecloud?credentials=SUSE_Linux_Enterprise_Server_x86_64&path=/repo/SUSE/Updates/SLE-Product-SLES/15-SP6/x86_64/update/"
            ),
            "repo.replaced"
        );
        assert_eq!(
            k("https://download.opensuse.org/repositories/home:/acme/15.6/"),
            "repo.third-party"
        );
        assert_eq!(
            k("https://ppa.launchpadcontent.net/acme/tools/ubuntu"),
            "repo.none"
        );
        assert_eq!(
            k("https://mirrors.fedoraproject.org/metalink?repo=epel-9&arch=x86_64"),
            "repo.none"
        );
        assert_eq!(
            k("https://packages.microsoft.com/azurelinux/4.0/prod/base/x86_64"),
            "repo.target"
        );
        assert_eq!(
            k("https://download.docker.com/linux/centos/$releasever/x86_64/stable"),
            "repo.third-party"
        );
        assert_eq!(
            k("https://rhui4-1.microsoft.com/pulp/repos/content/dist/rhel9"),
            "repo.replaced"
        );
    }
}
