//! Java runtimes carried in the tree (docs/findings.md, `java-*`).
//!
//! A JDK or JRE moves with the workload and its programs are judged as ELF files; what this
//! adds is a fact about its version on the target: Azure Linux 4.0 runs cgroup v2 only (systemd
//! 258 removed cgroup v1), and JVMs before cgroup v2 support (JDK 15; backported to 11.0.16 and
//! 8u372) do not see a container's or unit's memory and CPU limits.

use super::Context;
use crate::findings::{Code, Finding};

/// Whether a JVM of this (feature, update) reads cgroup v2 limits.
pub fn knows_cgroup_v2(v: (u32, u32)) -> bool {
    match v.0 {
        8 => v.1 >= 372,
        11 => v.1 >= 16,
        f => f >= 15,
    }
}

/// Run the Java checks.
pub fn check(ctx: &Context) -> Vec<Finding> {
    let mut out = Vec::new();
    for j in &ctx.java.installs {
        let Some(v) = j.version else { continue };
        if knows_cgroup_v2(v) {
            continue;
        }
        out.push(
            Finding::new(Code::JavaRuntimeCgroupV1, format!("{}/release", j.home))
                .subject(format!("Java {}", j.version_text))
                .message(format!(
                    "the Java runtime in {} is {}, which predates cgroup v2 support; Azure Linux 4.0 has cgroup v2 only",
                    j.home, j.version_text
                ))
                .why("such a JVM does not see the memory and CPU limits of its container or unit: it sizes its heap and threads from the whole host and is killed when it exceeds the limit")
                .fix("update the runtime (JDK 8u372 or later, 11.0.16 or later, 17 or later; Azure Linux ships java-25-openjdk), or set -Xmx and -XX:ActiveProcessorCount explicitly")
                .evidence("java_version", &j.version_text)
                .evidence("java_home", &j.home),
        );
    }
    out
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
}
