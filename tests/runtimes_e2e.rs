//! End to end: language runtimes (`corpora/runtimes/build.sh`: a RHEL 9 application with a
//! Python 3.9 venv holding two real PyPI wheels, our own sources, one variant per other Python
//! finding, and a Node.js application with a real npm package and addons of our own).
//!
//! The fixture needs `python3`, pip, npm and gcc (the wheels and the npm package are fetched
//! once and cached in the target directory); without them the test fails, it never skips.
//!
//! # The acceptance case, as a Python packaging expert reads it
//!
//! `/opt/app` is what `python3 -m venv /opt/app/venv && pip install markupsafe==2.1.5
//! bcrypt==4.2.0` leaves on RHEL 9 (Python 3.9), plus the application's own sources. Moved to
//! Azure Linux 4.0 (Python 3.14 as `/usr/bin/python3`; 3.9 only as the unsupported sdk
//! package `python3.9`):
//!
//! - `venv/pyvenv.cfg`: the venv's `bin/python` is a link to `/usr/bin/python3`, which becomes
//!   3.14. Python 3.14 reads `lib/python3.14/site-packages` of the venv, which does not exist:
//!   every installed package is missing. **Blocker** (`python-venv-version-change`); the fix is
//!   to recreate the venv, not to install python3.9 (the link does not name 3.9).
//! - `markupsafe/_speedups.cpython-39-x86_64-linux-gnu.so`: tagged for CPython 3.9; 3.14's
//!   import system does not even look at that suffix. **Blocker**
//!   (`python-extension-abi-mismatch`), and its distribution `MarkupSafe 2.1.5`
//!   (`cp39-cp39-manylinux_2_17`) says the same at the package level: reinstall a `cp314`
//!   build. Its manylinux_2_17 platform is fine for glibc 2.42. As an ELF file it is judged
//!   too (`breaks` because of the ABI; its own libraries resolve).
//! - `bcrypt/_bcrypt.abi3.so` (`cp39-abi3-manylinux_2_28`): the stable ABI from 3.9 on loads in
//!   3.14, and manylinux_2_28 <= glibc 2.42: **no Python finding**. Its ELF needs `libgcc_s.so.1`
//!   (from the `libgcc` package): `needs-packages`, as for any library.
//! - `venv/bin/acme`: a pip console script, `#!/opt/app/venv/bin/python3`. The interpreter
//!   exists (it leads to the target's python3), but the package it imports is in the broken
//!   venv: **blocker** (`python-venv-script`).
//! - `src/app/cli.py`: `import imp` at module level (removed in 3.12): **blocker**
//!   (`python-removed-module`, line 7). The `try: import telnetlib / except ImportError` is
//!   written to survive the removal, and imports in comments, docstrings and strings are
//!   not imports: no finding for them. Sources inside site-packages are the distributions'
//!   (upgraded with them) and are not scanned.

mod common;

use serde_json::Value;
use std::path::{Path, PathBuf};

struct Tree {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

fn build_tree() -> Tree {
    common::require_tool("python3");
    common::require_tool("npm");
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("wheel-cache");
    let dir = common::build_corpus_tree_env("runtimes", &[("AZL_COMPAT_WHEEL_CACHE", &cache)]);
    let root = dir.path().join("root");
    Tree { _dir: dir, root }
}

fn scan_json(root: &Path) -> (i32, Value) {
    let (code, json, _) = common::scan_json(root, &[]);
    (code, json)
}

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v.get(k).and_then(Value::as_str).unwrap_or("")
}

/// (code, path, subject, line) of every finding below `prefix`, sorted.
fn findings_under(r: &Value, prefix: &str) -> Vec<(String, String, String, u64)> {
    let mut v: Vec<_> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| s(f, "path").starts_with(prefix))
        .map(|f| {
            (
                s(f, "code").to_string(),
                s(f, "path").to_string(),
                s(f, "subject").to_string(),
                f["line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    v.sort();
    v
}

fn verdict<'a>(r: &'a Value, path: &str) -> &'a str {
    r["binaries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| s(b, "path") == path)
        .map(|b| s(b, "verdict"))
        .unwrap_or_else(|| panic!("{path} not judged"))
}

fn finding<'a>(r: &'a Value, path: &str, code: &str) -> &'a Value {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| s(f, "path") == path && s(f, "code") == code)
        .unwrap_or_else(|| panic!("no {code} on {path}"))
}

#[test]
fn python_tree_gets_the_verdicts_of_a_packaging_expert() {
    let t = build_tree();
    let (code, r) = scan_json(&t.root);
    assert_eq!(code, 1, "blockers exist");
    let sp = "/opt/app/venv/lib/python3.9/site-packages";
    let speedups = format!("{sp}/markupsafe/_speedups.cpython-39-x86_64-linux-gnu.so");
    let bcrypt = format!("{sp}/bcrypt/_bcrypt.abi3.so");
    let f = |c: &str, p: &str, subj: &str, line: u64| {
        (c.to_string(), p.to_string(), subj.to_string(), line)
    };
    let mut want = vec![
        f(
            "python-venv-version-change",
            "/opt/app/venv/pyvenv.cfg",
            "/usr/bin/python3",
            0,
        ),
        f("python-extension-abi-mismatch", &speedups, "cpython-39", 0),
        f(
            "python-extension-abi-mismatch",
            &format!("{sp}/MarkupSafe-2.1.5.dist-info/WHEEL"),
            "cpython-39",
            0,
        ),
        f(
            "python-venv-script",
            "/opt/app/venv/bin/acme",
            "/opt/app/venv/bin/python3",
            0,
        ),
        // The script's interpreter exists on the target: the venv link leads to python3.
        f(
            "script-interpreter-from-package",
            "/opt/app/venv/bin/acme",
            "/opt/app/venv/bin/python3",
            0,
        ),
        f("python-removed-module", "/opt/app/src/app/cli.py", "imp", 7),
        // bcrypt's Rust extension needs libgcc_s, as any library would.
        f("elf-library-from-package", &bcrypt, "libgcc_s.so.1", 0),
    ];
    want.sort();
    assert_eq!(findings_under(&r, "/opt/app/"), want);
    assert_eq!(verdict(&r, &speedups), "breaks");
    assert_eq!(verdict(&r, &bcrypt), "needs-packages");
    assert_eq!(verdict(&r, "/opt/app/venv/bin/acme"), "breaks");

    let venv = finding(&r, "/opt/app/venv/pyvenv.cfg", "python-venv-version-change");
    assert_eq!(s(&venv["evidence"], "made_with"), "3.9");
    assert_eq!(s(&venv["evidence"], "target_python"), "3.14");
    assert_eq!(s(&venv["evidence"], "package"), "python3");
    let imp = finding(&r, "/opt/app/src/app/cli.py", "python-removed-module");
    assert_eq!(s(&imp["evidence"], "removed_in"), "3.12");
    assert!(s(imp, "fix").contains("importlib"), "{imp:#}");
}

#[test]
fn python_variants_each_get_their_finding() {
    let t = build_tree();
    let (_, r) = scan_json(&t.root);
    let v = "/srv/variants";
    let d = format!("{v}/site/lib/python3.12/site-packages");
    let mut want = vec![
        // A venv of an explicit /usr/bin/python3.9: the sdk package has it.
        (
            "python-venv-sdk-python".to_string(),
            format!("{v}/venv39/pyvenv.cfg"),
            "/usr/bin/python3.9".to_string(),
            0,
        ),
        (
            "python-venv-interpreter-missing".into(),
            format!("{v}/venv38/pyvenv.cfg"),
            "/opt/rh/rh-python38/root/usr/bin/python3".into(),
            0,
        ),
        (
            "python-wheel-glibc-too-new".into(),
            format!("{d}/newglibc-1.0.dist-info/WHEEL"),
            "newglibc 1.0".into(),
            0,
        ),
        (
            "python-wheel-musllinux".into(),
            format!("{d}/muslonly-1.0.dist-info/WHEEL"),
            "muslonly 1.0".into(),
            0,
        ),
        // cp312 outside a venv: only the sdk python3.12 imports it.
        (
            "python-extension-sdk-python".into(),
            format!("{d}/stable-2.0.dist-info/WHEEL"),
            "cpython-312".into(),
            0,
        ),
        (
            "python-extension-sdk-python".into(),
            format!("{v}/plugins/_speedups.cpython-39-x86_64-linux-gnu.so"),
            "cpython-39".into(),
            0,
        ),
        // No Azure Linux package ships Python 3.8.
        (
            "python-extension-abi-mismatch".into(),
            format!("{v}/plugins/_legacy.cpython-38-x86_64-linux-gnu.so"),
            "cpython-38".into(),
            0,
        ),
        // `import telnetlib` is provided by the backport in site-packages; cgi is not.
        (
            "python-removed-module".into(),
            format!("{v}/tools/probe.py"),
            "cgi".into(),
            2,
        ),
    ];
    want.sort();
    assert_eq!(findings_under(&r, "/srv/variants/"), want);
    assert_eq!(
        verdict(
            &r,
            &format!("{v}/plugins/_legacy.cpython-38-x86_64-linux-gnu.so")
        ),
        "breaks"
    );
    // The glibc ceiling is the pack's glibc.
    let g = finding(
        &r,
        &format!("{d}/newglibc-1.0.dist-info/WHEEL"),
        "python-wheel-glibc-too-new",
    );
    assert_eq!(s(&g["evidence"], "target_glibc"), "2.42");
    assert_eq!(s(&g["evidence"], "glibc_needed"), "2.99");
}

/// knowledge/platform/python-removed-modules.tsv is the knowledge sources' table with a
/// header comment: the two stay in step.
#[test]
fn removed_module_table_matches_the_knowledge_sources() {
    let Some(dir) = common::knowledge_sources_dir("azurelinux-4.0") else {
        return;
    };
    let upstream = std::fs::read_to_string(dir.join("platform/python-removed-modules.tsv"))
        .expect("knowledge sources' python-removed-modules.tsv");
    let ours = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge/platform/python-removed-modules.tsv"),
    )
    .expect("knowledge/platform/python-removed-modules.tsv");
    let rows = |t: &str| -> Vec<String> {
        t.lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(str::to_string)
            .collect()
    };
    assert_eq!(rows(&ours), rows(&upstream));
}

/// Node.js: an addon of the V8 ABI of Node.js 16 (NODE_MODULE_VERSION 93) is refused by the
/// target's Node.js 22 (127) and 24 (137); one built for 127 loads; bufferutil's Node-API
/// prebuild loads in any of them (its darwin and win32 prebuilds are not ELF and never load
/// here); the application's engines range `>=14 <17` excludes both, while bufferutil's
/// `>=6.14.2` and `^22.0.0 || ^24.0.0` include them.
#[test]
fn node_addons_and_engines_against_the_targets_node() {
    let t = build_tree();
    let (_, r) = scan_json(&t.root);
    let nm = "/srv/node-app/node_modules";
    let mut want = vec![
        (
            "node-addon-abi-mismatch".to_string(),
            format!("{nm}/legacy-addon/build/Release/legacy.node"),
            "NODE_MODULE_VERSION 93".to_string(),
            0,
        ),
        (
            "node-engines-unsatisfied".into(),
            "/srv/node-app/package.json".into(),
            "acme-api 2.1.0".into(),
            0,
        ),
    ];
    want.sort();
    assert_eq!(findings_under(&r, "/srv/node-app/"), want);
    assert_eq!(
        verdict(&r, &format!("{nm}/legacy-addon/build/Release/legacy.node")),
        "breaks"
    );
    assert_eq!(
        verdict(
            &r,
            &format!("{nm}/current-addon/build/Release/current.node")
        ),
        "ok"
    );
    assert_eq!(
        verdict(
            &r,
            &format!("{nm}/bufferutil/prebuilds/linux-x64/node.napi.node")
        ),
        "ok"
    );
    let a = finding(
        &r,
        &format!("{nm}/legacy-addon/build/Release/legacy.node"),
        "node-addon-abi-mismatch",
    );
    // The target's NODE_MODULE_VERSIONs come from the pack and the runtimes table.
    assert!(s(&a["evidence"], "target_module_versions").contains("127 (nodejs"));
}

/// Perl and Ruby: a module installed in the directory of another interpreter ABI (Debian 12's
/// Perl 5.36, Ruby 3.1) breaks on the target's Perl 5.42 and Ruby 3.4; one installed for the
/// target's versions is fine.
#[test]
fn perl_and_ruby_modules_against_the_targets_interpreters() {
    let t = build_tree();
    let (_, r) = scan_json(&t.root);
    let perl = "/usr/local/lib/x86_64-linux-gnu/perl";
    let rb = "/opt/app-rb/vendor/bundle/ruby";
    assert_eq!(
        findings_under(&r, &format!("{perl}/")),
        vec![(
            "perl-xs-abi-mismatch".to_string(),
            format!("{perl}/5.36.0/auto/Acme/XS/XS.so"),
            "perl 5.36".to_string(),
            0
        )]
    );
    let old = format!("{rb}/3.1.0/extensions/x86_64-linux/3.1.0/acme-ext-1.0/acme_ext.so");
    assert_eq!(
        findings_under(&r, &format!("{rb}/")),
        vec![(
            "ruby-extension-abi-mismatch".to_string(),
            old.clone(),
            "ruby 3.1.0".to_string(),
            0
        )]
    );
    assert_eq!(verdict(&r, &old), "breaks");
    assert_eq!(
        verdict(
            &r,
            &format!("{rb}/3.4.0/extensions/x86_64-linux/3.4.0/acme-ext-1.0/acme_ext.so")
        ),
        "ok"
    );
    assert_eq!(
        verdict(&r, &format!("{perl}/5.42.2/auto/Acme/XS/XS.so")),
        "ok"
    );
    let f = finding(&r, &old, "ruby-extension-abi-mismatch");
    assert_eq!(s(&f["evidence"], "target_ruby"), "3.4.8");
}

/// Java: a JDK 8 before 8u372 does not read cgroup v2 limits (a warning); 11.0.16 and 17 do;
/// a `release` file that has no `bin/java` beside it is no JDK.
#[test]
fn java_runtimes_and_cgroup_v2() {
    let t = build_tree();
    let (_, r) = scan_json(&t.root);
    let mut got = findings_under(&r, "/opt/jdk");
    got.retain(|f| f.0.starts_with("java-"));
    assert_eq!(
        got,
        vec![(
            "java-runtime-cgroup-v1".to_string(),
            "/opt/jdk8u292/release".to_string(),
            "Java 1.8.0_292".to_string(),
            0
        )]
    );
    assert!(findings_under(&r, "/opt/app/release").is_empty());
    let f = finding(&r, "/opt/jdk8u292/release", "java-runtime-cgroup-v1");
    assert_eq!(s(&f["evidence"], "java_home"), "/opt/jdk8u292");
}

/// Builds for several platforms side by side (issue 15): classic-level's prebuilds and
/// @parcel/watcher's platform packages, as `npm install` leaves them, and a Python module built
/// for three platforms. On the target (Linux x86_64, glibc) node-gyp-build, the package's
/// platform switch and CPython's extension suffixes load the linux-x64 glibc build and never
/// open the others: those get `runtime-build-not-used` (info), no ELF finding (a musl build
/// needs libc.musl-x86_64.so.1, a 32-bit ARM build has no runtime, an Android build needs
/// Android's libc.so: none of that matters) and no `binaries` entry. A package that holds only
/// its musl build (node_modules copied from an Alpine build stage; a module with only a musl
/// build) really breaks: `runtime-build-other-platform-only` beside the ELF findings.
#[test]
fn builds_for_other_platforms_beside_the_targets_are_not_breaks() {
    let t = build_tree();
    let (_, r) = scan_json(&t.root);
    let multi = "/srv/node-multi/node_modules";
    let cl = format!("{multi}/classic-level/prebuilds");
    let unused = |prefix: &str| -> Vec<(String, String)> {
        findings_under(&r, prefix)
            .into_iter()
            .filter(|f| f.0 == "runtime-build-not-used")
            .map(|f| (f.1, f.2))
            .collect()
    };
    let p = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(
        unused(&format!("{multi}/")),
        vec![
            p(
                &format!("{multi}/@parcel/watcher-linux-arm64-glibc/watcher.node"),
                "linux-arm64-glibc"
            ),
            p(
                &format!("{multi}/@parcel/watcher-linux-x64-musl/watcher.node"),
                "linux-x64-musl"
            ),
            p(
                &format!("{cl}/android-arm/node.napi.armv7.node"),
                "android-arm/node.napi.armv7.node"
            ),
            p(
                &format!("{cl}/android-arm64/node.napi.armv8.node"),
                "android-arm64/node.napi.armv8.node"
            ),
            p(
                &format!("{cl}/linux-arm/node.napi.armv6.node"),
                "linux-arm/node.napi.armv6.node"
            ),
            p(
                &format!("{cl}/linux-arm/node.napi.armv7.node"),
                "linux-arm/node.napi.armv7.node"
            ),
            p(
                &format!("{cl}/linux-arm64/node.napi.armv8.node"),
                "linux-arm64/node.napi.armv8.node"
            ),
            p(
                &format!("{cl}/linux-x64/node.napi.musl.node"),
                "linux-x64/node.napi.musl.node"
            ),
        ]
    );
    // Nothing else is said about the unused builds, and nothing in that project breaks.
    let all = findings_under(&r, &format!("{multi}/"));
    for f in &all {
        let unused_build = unused(&format!("{multi}/")).iter().any(|u| u.0 == f.1);
        assert!(
            !unused_build || f.0 == "runtime-build-not-used",
            "an unused build was judged: {f:?}"
        );
    }
    assert!(
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| s(f, "path").starts_with(&format!("{multi}/")))
            .all(|f| s(f, "severity") != "blocker"),
        "{all:#?}"
    );
    let used = format!("{cl}/linux-x64/node.napi.glibc.node");
    assert_eq!(verdict(&r, &used), "needs-packages");
    assert_eq!(
        verdict(
            &r,
            &format!("{multi}/@parcel/watcher-linux-x64-glibc/watcher.node")
        ),
        "needs-packages"
    );
    assert!(
        r["binaries"]
            .as_array()
            .unwrap()
            .iter()
            .all(|b| !s(b, "path").contains("musl.node") && !s(b, "path").contains("arm")),
        "unused builds are not judged as binaries"
    );
    let f = finding(
        &r,
        &format!("{cl}/linux-x64/node.napi.musl.node"),
        "runtime-build-not-used",
    );
    assert_eq!(s(&f["evidence"], "used_build"), used);
    assert_eq!(s(&f["evidence"], "target_platform"), "linux x86_64 glibc");

    // Only a musl build: a real break, said as such, with the ELF finding that shows it.
    let alpine = "/srv/node-alpine/node_modules/@parcel/watcher-linux-x64-musl/watcher.node";
    let got: Vec<(String, String)> = findings_under(&r, "/srv/node-alpine/")
        .into_iter()
        .filter(|f| f.0 != "elf-library-from-package")
        .map(|f| (f.0, f.2))
        .collect();
    assert_eq!(
        got,
        vec![
            p("elf-library-missing", "libc.musl-x86_64.so.1"),
            p("runtime-build-other-platform-only", "linux-x64-musl"),
        ]
    );
    assert_eq!(verdict(&r, alpine), "breaks");

    // Python: the glibc build is imported; the musl and aarch64 builds beside it are not; a
    // module with only a musl build does not import.
    let pym = "/srv/py-multi/pkg";
    let got: Vec<(String, String)> = findings_under(&r, "/srv/py-multi/")
        .into_iter()
        .filter(|f| f.0 != "elf-library-from-package")
        .map(|f| (f.0, f.1))
        .collect();
    assert_eq!(
        got,
        vec![
            p(
                "elf-library-missing",
                &format!("{pym}/_only.cpython-314-x86_64-linux-musl.so")
            ),
            p(
                "runtime-build-not-used",
                &format!("{pym}/_ext.cpython-314-aarch64-linux-gnu.so")
            ),
            p(
                "runtime-build-not-used",
                &format!("{pym}/_ext.cpython-314-x86_64-linux-musl.so")
            ),
            p(
                "runtime-build-other-platform-only",
                &format!("{pym}/_only.cpython-314-x86_64-linux-musl.so")
            ),
        ]
    );
    assert_eq!(
        verdict(&r, &format!("{pym}/_ext.cpython-314-x86_64-linux-gnu.so")),
        "ok"
    );
}

/// JAVA_HOME in units, an EnvironmentFile and scripts (corpora/runtimes/build.sh): RHEL 8's
/// `/usr/lib/jvm/java-11-openjdk` and `jre-1.8.0-openjdk` are replaced with the distribution
/// and the target publishes Java 25 only: blockers, on the line that sets them. The target's
/// own `java-25-openjdk`, a JDK the tree carries (`/opt/jdk-17.0.2`) and a commented-out line
/// are not findings.
#[test]
fn java_home_against_the_targets_java_lines() {
    let t = build_tree();
    let (_, r) = scan_json(&t.root);
    let got: Vec<(String, String, String, u64)> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| s(f, "code") == "java-home-missing")
        .map(|f| {
            (
                s(f, "code").to_string(),
                s(f, "path").to_string(),
                s(f, "subject").to_string(),
                f["line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    let want = |p: &str, v: &str, l: u64| {
        (
            "java-home-missing".to_string(),
            p.to_string(),
            v.to_string(),
            l,
        )
    };
    assert_eq!(
        got,
        vec![
            want(
                "/etc/sysconfig/acme-batch",
                "/usr/lib/jvm/jre-1.8.0-openjdk",
                2
            ),
            want(
                "/etc/systemd/system/acme-api.service",
                "/usr/lib/jvm/java-11-openjdk",
                5
            ),
        ]
    );
    let f = finding(&r, "/etc/sysconfig/acme-batch", "java-home-missing");
    assert_eq!(s(&f["evidence"], "java_feature"), "8");
    // The target's Java lines come from the pack (the published one only).
    assert_eq!(
        s(&f["evidence"], "target_java"),
        "Java 25 (java-25-openjdk-headless)"
    );
    assert!(s(&f["evidence"], "set_by").contains("acme-api.service"));
    // The cgroup finding's fix names the pack's Java too.
    let c = finding(&r, "/opt/jdk8u292/release", "java-runtime-cgroup-v1");
    assert!(s(c, "fix").contains("java-25-openjdk-headless"), "{c:#}");
}

/// JNI libraries inside jars and a war (`/srv/java-jni`, laid out as netty, sqlite-jdbc, jna and
/// zstd-jni lay them out): each ELF member is judged like a loose library under its
/// `ARCHIVE!/MEMBER` path; the builds for other platforms in the same archive are not.
#[test]
fn jni_libraries_inside_java_archives() {
    let t = build_tree();
    let (code, r) = scan_json(&t.root);
    assert_eq!(code, 1, "blockers make the exit status 1");
    let jni = "/srv/java-jni";
    let netty = format!("{jni}/lib/netty.jar!/META-INF/native");
    let sqlite = format!("{jni}/lib/sqlite-jdbc.jar!/org/sqlite/native");
    let jna = format!("{jni}/lib/jna.jar!/com/sun/jna/linux-aarch64/libjnidispatch.so");
    let zstd = format!("{jni}/acme.war!/WEB-INF/lib/zstd-jni.jar!/linux/amd64");
    let codes: Vec<(String, String, String)> = findings_under(&r, jni)
        .into_iter()
        .filter(|f| f.0 != "elf-library-from-package")
        .map(|f| (f.0, f.1, f.2))
        .collect();
    let c = |a: &str, b: &str, s: &str| (a.to_string(), b.to_string(), s.to_string());
    let mut expected = vec![
        c(
            "elf-library-missing",
            &format!("{zstd}/libzstd-jni.so"),
            "libacme-gone.so.3",
        ),
        c(
            "elf-version-missing",
            &format!("{sqlite}/Linux/x86_64/libsqlitejdbc.so"),
            "libc.so.6@GLIBC_2.99",
        ),
        c(
            "runtime-build-not-used",
            &format!("{sqlite}/Linux-Musl/x86_64/libsqlitejdbc.so"),
            "linux x86_64 musl",
        ),
        c(
            "runtime-build-not-used",
            &format!("{netty}/libnetty_transport_native_epoll_aarch_64.so"),
            "linux aarch64",
        ),
        c("runtime-build-other-platform-only", &jna, "linux aarch64"),
    ];
    expected.sort();
    assert_eq!(codes, expected);
    // The build the JVM loads is judged; the others are not.
    assert_eq!(
        verdict(
            &r,
            &format!("{netty}/libnetty_transport_native_epoll_x86_64.so")
        ),
        "ok"
    );
    assert_eq!(
        verdict(&r, &format!("{sqlite}/Linux/x86_64/libsqlitejdbc.so")),
        "breaks"
    );
    // The library bundled in the same jar satisfies its neighbour.
    assert_eq!(verdict(&r, &format!("{zstd}/libzstd-helper.so")), "ok");
    assert!(
        !findings_under(&r, jni)
            .iter()
            .any(|f| f.2 == "libzstd-helper.so"),
        "a library bundled in the same jar is found"
    );
    let judged: Vec<&str> = r["binaries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| s(b, "path"))
        .filter(|p| p.starts_with(jni))
        .collect();
    assert!(
        !judged
            .iter()
            .any(|p| p.contains("Linux-Musl") || p.contains("aarch_64")),
        "{judged:?}"
    );
    let unused = finding(
        &r,
        &format!("{netty}/libnetty_transport_native_epoll_aarch_64.so"),
        "runtime-build-not-used",
    );
    assert_eq!(
        unused["evidence"]["used_build"],
        format!("{netty}/libnetty_transport_native_epoll_x86_64.so")
    );
    // The fixes of the ELF codes on a member say to upgrade the Java library first.
    let glibc = finding(
        &r,
        &format!("{sqlite}/Linux/x86_64/libsqlitejdbc.so"),
        "elf-version-missing",
    );
    assert!(
        s(glibc, "fix").starts_with(&format!(
            "upgrade the Java library of {jni}/lib/sqlite-jdbc.jar to a release whose native build for Linux needs no more than GLIBC_2."
        )),
        "{glibc}"
    );
    let missing = finding(&r, &format!("{zstd}/libzstd-jni.so"), "elf-library-missing");
    assert!(
        s(missing, "fix").contains("does not need libacme-gone.so.3"),
        "{missing}"
    );
    let only = finding(&r, &jna, "runtime-build-other-platform-only");
    assert!(s(only, "fix").contains("jna.jar"), "{only}");
}

/// Wheel files of an offline install bundle (`/opt/app-bundle/wheels`), judged by their names'
/// tags against the target's Pythons and glibc: one wheel per project and directory that fits is
/// enough; the others are builds pip never picks.
#[test]
fn wheel_files_of_an_install_bundle() {
    let t = build_tree();
    let (_, r) = scan_json(&t.root);
    let w = "/opt/app-bundle/wheels";
    let got: Vec<(String, String)> = findings_under(&r, w)
        .into_iter()
        .map(|f| (f.0, f.1.trim_start_matches(&format!("{w}/")).to_string()))
        .collect();
    let p = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(
        got,
        vec![
            // CPython 3.9 only: the target's python3 is 3.14; 3.9 is in the sdk channel.
            p(
                "python-extension-sdk-python",
                "acme_fast-1.0-cp39-cp39-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
            ),
            p(
                "python-wheel-glibc-too-new",
                "acme_new-1.0-cp314-cp314-manylinux_2_99_x86_64.whl"
            ),
            p(
                "runtime-build-not-used",
                "acme_multi-2.0-cp314-cp314-macosx_11_0_arm64.whl"
            ),
            p(
                "runtime-build-not-used",
                "acme_multi-2.0-cp314-cp314-musllinux_1_2_x86_64.whl"
            ),
            p(
                "runtime-build-other-platform-only",
                "acme_mac-1.0-cp314-cp314-macosx_11_0_arm64.whl"
            ),
        ]
    );
    let mac = finding(
        &r,
        &format!("{w}/acme_mac-1.0-cp314-cp314-macosx_11_0_arm64.whl"),
        "runtime-build-other-platform-only",
    );
    assert_eq!(s(mac, "severity"), "blocker");
    let musl = finding(
        &r,
        &format!("{w}/acme_multi-2.0-cp314-cp314-musllinux_1_2_x86_64.whl"),
        "runtime-build-not-used",
    );
    assert_eq!(
        musl["evidence"]["used_build"],
        format!("{w}/acme_multi-2.0-cp314-cp314-manylinux_2_28_x86_64.whl")
    );
    assert_eq!(musl["evidence"]["platform"], "musllinux_1_2_x86_64");
    let too_new = finding(
        &r,
        &format!("{w}/acme_new-1.0-cp314-cp314-manylinux_2_99_x86_64.whl"),
        "python-wheel-glibc-too-new",
    );
    assert_eq!(too_new["evidence"]["glibc_needed"], "2.99");
}
