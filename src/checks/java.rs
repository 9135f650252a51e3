//! Java runtimes carried in the tree (docs/findings.md, `java-*`).
//!
//! A JDK or JRE moves with the workload and its programs are judged as ELF files; what this
//! adds is a fact about its version on the target: {target} runs cgroup v2 only (systemd
//! 258 removed cgroup v1), and JVMs before cgroup v2 support (JDK 15; backported to 11.0.16 and
//! 8u372) do not see a container's or unit's memory and CPU limits.

use super::Context;
use super::interface::{Area, Check, Input, Meta, Needs, Sink};
use crate::findings::{Code, Finding};
use crate::inventory::systemd::{self, Units};
use crate::inventory::{Inventory, ObjectKind};
use crate::knowledge::runtimes;
use crate::source::Source;

/// Scripts longer than this are not read for `JAVA_HOME`.
const MAX_SCRIPT: usize = 256 << 10;

pub use crate::inventory::java::JavaHome;

fn literal(v: &str) -> Option<String> {
    let v = v.trim();
    let v = ['"', '\'']
        .iter()
        .find_map(|q| v.strip_prefix(*q).and_then(|x| x.strip_suffix(*q)))
        .unwrap_or(v);
    let v = v.trim_end_matches('/');
    (v.starts_with('/') && !v.contains(['$', '`', ' ', ';', '&', '|', '(', ')']))
        .then(|| v.to_string())
}

/// The `JAVA_HOME` of one line of a shell script or environment file, if it sets one.
fn assignment(line: &str) -> Option<String> {
    let l = line.trim();
    let l = l.strip_prefix("export ").map(str::trim_start).unwrap_or(l);
    let v = l.strip_prefix("JAVA_HOME=")?;
    // `JAVA_HOME=/x cmd`: the first word.
    let v = v.split_whitespace().next().unwrap_or("");
    literal(v)
}

/// Every `JAVA_HOME` the tree sets in units and carried-over shell scripts, sorted.
pub fn java_homes(inv: &Inventory, source: &dyn Source, units: &Units) -> Vec<JavaHome> {
    let mut out = Vec::new();
    for u in units.units.iter().filter(|u| !u.masked) {
        for d in u.effective("Service", "Environment") {
            for w in systemd::parse::words(&d.value) {
                if let Some(v) = w.strip_prefix("JAVA_HOME=").and_then(literal) {
                    out.push(JavaHome {
                        file: d.file.clone(),
                        line: d.line as u32,
                        how: "Environment=".into(),
                        value: v,
                    });
                }
            }
        }
        for d in u.effective("Service", "EnvironmentFile") {
            let Some(p) = super::units::specifiers(u, d.value.trim_start_matches('-')) else {
                continue;
            };
            if !p.starts_with('/') {
                continue;
            }
            let Ok(text) = systemd::read_text(source, inv, &p) else {
                continue;
            };
            for (i, line) in text.lines().enumerate() {
                if let Some(v) = assignment(line) {
                    out.push(JavaHome {
                        file: p.clone(),
                        line: i as u32 + 1,
                        how: format!("EnvironmentFile= of {}", d.file),
                        value: v,
                    });
                }
            }
        }
    }
    for o in inv.objects.iter().filter(|o| o.carried_over()) {
        let ObjectKind::Script(sb) = &o.kind else {
            continue;
        };
        let prog = sb.program().unwrap_or(&sb.interpreter);
        if !matches!(
            crate::inventory::file_name(prog),
            "sh" | "bash" | "dash" | "ksh" | "mksh" | "zsh" | "ash"
        ) {
            continue;
        }
        let Ok(text) = systemd::read_text(source, inv, &o.path) else {
            continue;
        };
        if text.len() > MAX_SCRIPT {
            continue;
        }
        for (i, line) in text.lines().enumerate() {
            if line.trim_start().starts_with('#') {
                continue;
            }
            if let Some(v) = assignment(line) {
                out.push(JavaHome {
                    file: o.path.clone(),
                    line: i as u32 + 1,
                    how: "script".into(),
                    value: v,
                });
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The Java feature release a JDK directory's name says (`java-11-openjdk`, `jre-1.8.0`,
/// `jdk1.8.0_292`, `jdk-17.0.2`, `temurin-21-jdk-amd64`, `zulu17`, `jdk8u292`); `None` for
/// names without one (`/usr/lib/jvm/jre`, `default-java`).
pub fn feature_from_path(path: &str) -> Option<u32> {
    let name = crate::inventory::file_name(path);
    let lower = name.to_ascii_lowercase();
    if ![
        "java", "jdk", "jre", "openjdk", "temurin", "zulu", "corretto", "graalvm", "semeru",
    ]
    .iter()
    .any(|k| lower.contains(k))
    {
        return None;
    }
    let start = lower.find(|c: char| c.is_ascii_digit())?;
    let digits: String = lower[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let n: u32 = digits.parse().ok()?;
    if n == 1 {
        // 1.8.0: the feature release is the second number.
        let rest = &lower[start + 1..];
        let rest = rest.strip_prefix('.')?;
        let d: String = rest.chars().take_while(char::is_ascii_digit).collect();
        return d.parse().ok().filter(|v| (5..=8).contains(v));
    }
    (5..100).contains(&n).then_some(n)
}

/// Whether a JVM of this (feature, update) reads cgroup v2 limits.
pub fn knows_cgroup_v2(v: (u32, u32)) -> bool {
    match v.0 {
        8 => v.1 >= 372,
        11 => v.1 >= 16,
        f => f >= 15,
    }
}

/// The check: carried Java runtimes' cgroup v2 support, and JAVA_HOME in units and scripts against the target's Java lines.
pub static CHECK: Check = Check {
    meta: Meta {
        id: "java-workloads",
        summary: "carried Java runtimes' cgroup v2 support, and JAVA_HOME in units and scripts against the target's Java lines",
        area: Area::Runtimes,
        needs: Needs::Workload,
        codes: &[Code::JavaRuntimeCgroupV1, Code::JavaHomeMissing],
        reuses: &[],
        file: "src/checks/java.rs",
    },
    run,
};

fn run(input: &Input, out: &mut Sink) {
    if let Input::Workload { ctx } = input {
        out.extend(check(ctx));
    }
}

/// Run the Java checks.
pub fn check(ctx: &Context) -> Vec<Finding> {
    let target = ctx.pack.name_version();
    let mut out = Vec::new();
    let lines = runtimes::interpreters(ctx.pack, "java");
    let targets = lines
        .iter()
        .map(|t| format!("Java {} ({})", t.version.0, t.package))
        .collect::<Vec<_>>()
        .join(", ");
    for h in &ctx.java.homes {
        if let Some(f) = home_finding(ctx, h, &lines, &targets) {
            out.push(f);
        }
    }
    for j in &ctx.java.installs {
        let Some(v) = j.version else { continue };
        if knows_cgroup_v2(v) {
            continue;
        }
        out.push(
            Finding::new(Code::JavaRuntimeCgroupV1, format!("{}/release", j.home))
                .subject(format!("Java {}", j.version_text))
                .message(format!(
                    "the Java runtime in {} is {}, which predates cgroup v2 support; {target} has cgroup v2 only",
                    j.home, j.version_text
                ))
                .why("such a JVM does not see the memory and CPU limits of its container or unit: it sizes its heap and threads from the whole host and is killed when it exceeds the limit")
                .fix(format!("update the runtime (JDK 8u372 or later, 11.0.16 or later, 17 or later{}), or set -Xmx and -XX:ActiveProcessorCount explicitly", match targets.is_empty() {
                    true => String::new(),
                    false => format!("; {} ships {}", ctx.pack.name_version(), targets),
                }))
                .evidence("java_version", &j.version_text)
                .evidence("java_home", &j.home),
        );
    }
    out
}

/// A `JAVA_HOME` that names a runtime the tree does not carry and the target does not ship.
fn home_finding(
    ctx: &Context,
    h: &JavaHome,
    lines: &[runtimes::Interpreter],
    targets: &str,
) -> Option<Finding> {
    let inv = ctx.inv;
    // A runtime carried in the tree (not one of the source distribution's packages, which
    // are replaced) is judged where it is.
    let java = format!("{}/bin/java", h.value);
    if let Some(id) = inv.object_at(&java) {
        if inv.objects[id].carried_over() {
            return None;
        }
    } else if inv.exists(&java) || inv.unreadable_at(&java) {
        return None;
    }
    let feature = feature_from_path(&h.value)?;
    if lines.is_empty() || lines.iter().any(|t| t.version.0 == feature) {
        return None;
    }
    let target = ctx.pack.name_version();
    Some(
        Finding::new(Code::JavaHomeMissing, &h.file)
            .subject(&h.value)
            .message(format!(
                "JAVA_HOME={} ({}) names a Java {feature} runtime that the tree does not carry; {target} ships {}",
                h.value,
                h.how,
                if targets.is_empty() { "no Java runtime" } else { targets }
            ))
            .why(format!(
                "programs started with this JAVA_HOME run $JAVA_HOME/bin/java, which does not exist on {target}: they fail to start"
            ))
            .fix(format!(
                "install the target's runtime ({}) and point JAVA_HOME at it once the application is tested on that Java, or carry a Java {feature} runtime with the application and point JAVA_HOME there",
                lines.first().map(|t| t.package.as_str()).unwrap_or("none")
            ))
            .evidence("line", h.line.to_string())
            .evidence("java_home", &h.value)
            .evidence("java_feature", feature.to_string())
            .evidence("target_java", targets)
            .evidence("set_by", &h.how),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cgroup_v2_support_by_version() {
        assert!(!knows_cgroup_v2((8, 362)));
        assert!(knows_cgroup_v2((8, 372)));
        assert!(!knows_cgroup_v2((11, 15)));
        assert!(knows_cgroup_v2((11, 16)));
        assert!(!knows_cgroup_v2((14, 0)));
        assert!(knows_cgroup_v2((17, 0)));
    }

    #[test]
    fn feature_release_from_directory_names() {
        for (p, want) in [
            ("/usr/lib/jvm/java-11-openjdk", Some(11)),
            (
                "/usr/lib/jvm/java-11-openjdk-11.0.20.0.8-1.el8.x86_64",
                Some(11),
            ),
            ("/usr/lib/jvm/jre-1.8.0-openjdk", Some(8)),
            (
                "/usr/lib/jvm/java-1.8.0-openjdk-1.8.0.362.b09-2.el8.x86_64",
                Some(8),
            ),
            ("/opt/jdk1.8.0_292", Some(8)),
            ("/opt/jdk-17.0.2", Some(17)),
            ("/usr/lib/jvm/temurin-21-jdk-amd64", Some(21)),
            ("/opt/zulu17", Some(17)),
            ("/opt/jdk8u292", Some(8)),
            ("/usr/lib/jvm/jre", None),
            ("/usr/lib/jvm/default-java", None),
            ("/opt/app2", None),
        ] {
            assert_eq!(feature_from_path(p), want, "{p}");
        }
    }

    #[test]
    fn java_home_assignments() {
        assert_eq!(
            assignment("export JAVA_HOME=/usr/lib/jvm/java-11-openjdk/"),
            Some("/usr/lib/jvm/java-11-openjdk".into())
        );
        assert_eq!(
            assignment("  JAVA_HOME=\"/opt/jdk\" exec java"),
            Some("/opt/jdk".into())
        );
        assert_eq!(assignment("JAVA_HOME=$(dirname $0)/jdk"), None);
        assert_eq!(assignment("JAVA_HOME=${BASE}/jdk"), None);
        assert_eq!(assignment("echo JAVA_HOME=/x"), None);
    }
}
