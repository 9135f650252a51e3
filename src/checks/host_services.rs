//! Services whose configuration moves (issue 14): for the Debian/Ubuntu services the target
//! ships under other packages, paths, users or units (knowledge/host-config/services.tsv, one row
//! per service and path), where the source host has their configuration and where the target
//! reads it; PostgreSQL data directories of another major version than the target's.

use super::host_ctx::{HostCtx, WithFact, fact};
use super::interface::{Area, Check, Input, Meta, Needs, Sink};
use crate::findings::{Code, Finding};
use crate::inventory::Node;
use crate::inventory::hostconf::HostFiles;
use crate::knowledge::host_config::{self, ServiceMove};

/// The check (issue 14): services whose configuration, data, user or unit name move, and PostgreSQL data directories.
pub static CHECK: Check = Check {
    meta: Meta {
        id: "host-services",
        summary: "services whose configuration, data, user or unit name move, and PostgreSQL data directories",
        area: Area::Host,
        needs: Needs::Host,
        codes: &[Code::HostServiceConfig, Code::HostPostgresqlData],
        reuses: &[],
        file: "src/checks/host_services.rs",
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
    if debian_family(h) {
        for row in host_config::services() {
            for m in expand(h.files, row.source_path) {
                out.push(service_finding(h, row, &m));
            }
        }
    }
    postgresql_data(h, &mut out);
    out.sort();
    out.dedup_by(|a, b| a.key() == b.key());
    super::aggregate::fold(out)
}

/// Whether the source is Debian or Ubuntu (os-release, else /etc/debian_version).
fn debian_family(h: &HostCtx) -> bool {
    let os = &h.files.inv.os_release;
    let named = |k: &str| {
        os.get(k).is_some_and(|v| {
            v.split_whitespace()
                .any(|w| matches!(w.trim_matches('"'), "debian" | "ubuntu"))
        })
    };
    named("ID") || named("ID_LIKE") || h.files.is_file("/etc/debian_version")
}

/// Whether a name matches a pattern with `*` wildcards.
fn glob(pattern: &str, name: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == name;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !name.starts_with(first) || name.len() < first.len() + last.len() || !name.ends_with(last) {
        return false;
    }
    let mut rest = &name[first.len()..name.len() - last.len()];
    for p in &parts[1..parts.len() - 1] {
        match rest.find(p) {
            Some(i) => rest = &rest[i + p.len()..],
            None => return false,
        }
    }
    true
}

/// The paths of the tree (files or directories) a pattern names, sorted.
pub fn expand(f: &HostFiles, pattern: &str) -> Vec<String> {
    let mut cur = vec![String::new()];
    let comps: Vec<&str> = pattern.split('/').filter(|c| !c.is_empty()).collect();
    for (i, c) in comps.iter().enumerate() {
        let last = i + 1 == comps.len();
        let mut next = Vec::new();
        for base in &cur {
            if c.contains('*') {
                let dir = if base.is_empty() { "/" } else { base.as_str() };
                let mut names: Vec<String> = f.subdirs(dir);
                if last {
                    names.extend(f.files_in(dir, ""));
                }
                next.extend(
                    names
                        .into_iter()
                        .filter(|p| glob(c, crate::inventory::file_name(p))),
                );
            } else {
                next.push(format!("{base}/{c}"));
            }
        }
        cur = next;
    }
    let mut v: Vec<String> = cur
        .into_iter()
        .filter(|p| matches!(f.inv.resolve(p), Ok((_, Node::Dir))) || f.is_file(p))
        .collect();
    v.sort();
    v.dedup();
    v
}

fn service_finding(h: &HostCtx, row: &ServiceMove, path: &str) -> Finding {
    let mut changes = vec![format!("{} reads {}", row.target_package, row.target_path)];
    if row.source_user != row.target_user {
        changes.push(format!(
            "runs as {} (not {})",
            row.target_user, row.source_user
        ));
    }
    if row.source_unit != row.target_unit {
        changes.push(format!(
            "is started by {} (not {})",
            row.target_unit, row.source_unit
        ));
    }
    let mut x = Finding::new(Code::HostServiceConfig, path)
        .subject(row.service)
        .message(format!(
            "{} configuration in {path}: on {{target}}, {}",
            row.service,
            changes.join(", ")
        ))
        .why(row.note)
        .fix(format!(
            "{{install}} {}; move the settings into {} (adapting Debian-only includes and helpers), give the files to {}, and systemctl enable {}",
            row.target_package, row.target_path, row.target_user, row.target_unit
        ))
        .evidence("target_path", row.target_path)
        .evidence("target_package", row.target_package)
        .evidence("source_user", row.source_user)
        .evidence("target_user", row.target_user)
        .evidence("source_unit", row.source_unit)
        .evidence("target_unit", row.target_unit)
        .evidence("confidence", row.confidence)
        .evidence("source", row.source);
    if let Some(p) = h.pack.package(row.target_package) {
        x = x.evidence("target_evr", p.evr());
    }
    x
}

fn postgresql_data(h: &HostCtx, out: &mut Vec<Finding>) {
    let Some(pkg) = h.pack.package("postgresql-server") else {
        return;
    };
    let target_major = pkg.version.split('.').next().unwrap_or("").to_string();
    if target_major.is_empty() {
        return;
    }
    let mut files = Vec::new();
    for pattern in [
        "/var/lib/postgresql/*/*/PG_VERSION",
        "/var/lib/pgsql/data/PG_VERSION",
        "/var/lib/pgsql/*/data/PG_VERSION",
    ] {
        files.extend(expand(h.files, pattern));
    }
    files.sort();
    files.dedup();
    for p in files {
        let Some(text) = h.files.read_text(&p) else {
            continue;
        };
        let major = text.trim().to_string();
        if major.is_empty() || major == target_major {
            continue;
        }
        let dir = p.trim_end_matches("/PG_VERSION").to_string();
        out.push(
            Finding::new(Code::HostPostgresqlData, &p)
                .subject(format!("PostgreSQL {major}"))
                .message(format!(
                    "{dir} is a PostgreSQL {major} data directory; {{target}} has PostgreSQL {target_major} (postgresql-server {}), which cannot open it",
                    pkg.evr()
                ))
                .fix(format!(
                    "dump it on the source (pg_dumpall) and restore into a new PostgreSQL {target_major} cluster on the target, or run pg_upgrade with both versions installed"
                ))
                .with_fact(fact("postgresql.major-upgrade"))
                .evidence("line", "1")
                .evidence("data_directory", &dir)
                .evidence("data_major", &major)
                .evidence("target_major", &target_major),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn globs() {
        assert!(glob("php*-fpm.service", "php8.3-fpm.service"));
        assert!(glob("*", "16"));
        assert!(!glob("php*-fpm", "php8.3-cgi"));
        assert!(glob("a*b*c", "axxbyyc"));
        assert!(!glob("a*b*c", "ac"));
        assert!(glob("main", "main"));
    }
}
