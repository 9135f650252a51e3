//! contrib/ansible/collect.yml run by ansible-core (PyPI) against simulated hosts on this
//! machine: local connections with different roots, one unreachable host, one whose root is
//! missing and one whose collect times out. The hosts that work are collected and ingested;
//! the failures are reported and do not stop the others.

mod common;

use std::path::Path;
use std::process::Command;

fn write(p: &Path, text: &str) {
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// Every path below `root` with its size, sorted: what must not change.
fn listing(root: &Path) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let m = e.metadata().unwrap();
            out.push((e.path().display().to_string(), m.len()));
            if m.is_dir() {
                stack.push(e.path());
            }
        }
    }
    out.sort();
    out
}

/// The python3 on PATH (the one ansible-core was installed for), for the simulated hosts'
/// modules.
fn python3() -> String {
    let path = std::env::var_os("PATH").unwrap();
    std::env::split_paths(&path)
        .map(|d| d.join("python3"))
        .find(|p| p.is_file())
        .expect("python3 on PATH")
        .display()
        .to_string()
}

#[test]
fn playbook_collects_the_hosts_that_work_and_reports_the_others() {
    common::require_tool("ansible-playbook");
    common::require_tool("ssh");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let roots = d.join("roots");
    write(
        &roots.join("a/etc/os-release"),
        "ID=ubuntu\nVERSION_ID=\"18.04\"\n",
    );
    write(&roots.join("a/etc/hostname"), "web-a\n");
    write(
        &roots.join("b/etc/os-release"),
        "ID=rhel\nVERSION_ID=\"7.9\"\n",
    );
    write(&roots.join("b/etc/hostname"), "web-b\n");
    write(
        &roots.join("b/opt/app/run"),
        "#!/usr/bin/python2\nprint 1\n",
    );
    let before = listing(&roots);
    let remote = |h: &str| d.join(format!("remote-{h}")).display().to_string();
    let root = |r: &str| roots.join(r).display().to_string();
    let inventory = format!(
        "[fleet]\n\
         web-a ansible_connection=local azl_compat_root={a} azl_compat_remote_dir={ra}\n\
         web-b ansible_connection=local azl_compat_root={b} azl_compat_remote_dir={rb}\n\
         gone ansible_connection=local azl_compat_root={missing} azl_compat_remote_dir={rg}\n\
         slow ansible_connection=local azl_compat_root=/usr azl_compat_timeout=0.05 azl_compat_remote_dir={rs}\n\
         down ansible_connection=ssh ansible_host=127.0.0.1 ansible_port=9 \
         ansible_ssh_common_args='-o ConnectTimeout=5 -o BatchMode=yes'\n\
         [all:vars]\nansible_python_interpreter={python}\n",
        a = root("a"),
        b = root("b"),
        missing = root("missing"),
        ra = remote("web-a"),
        rb = remote("web-b"),
        rg = remote("gone"),
        rs = remote("slow"),
        python = python3(),
    );
    write(&d.join("inventory.ini"), &inventory);
    let playbook = Path::new(env!("CARGO_MANIFEST_DIR")).join("contrib/ansible/collect.yml");
    let store = d.join("fleet.db");
    let out = Command::new("ansible-playbook")
        .arg("-i")
        .arg(d.join("inventory.ini"))
        .arg(&playbook)
        .arg("-e")
        .arg(format!(
            "azl_compat_binary={}",
            env!("CARGO_BIN_EXE_azl-compat")
        ))
        .arg("-e")
        .arg(format!("azl_compat_store={}", store.display()))
        .arg("-e")
        .arg(format!(
            "azl_compat_facts_dir={}",
            d.join("facts").display()
        ))
        .args(["-e", "azl_compat_run=wave-1"])
        .env("ANSIBLE_HOME", d.join(".ansible"))
        .env("ANSIBLE_LOCAL_TEMP", d.join(".ansible/tmp"))
        .env("ANSIBLE_HOST_KEY_CHECKING", "False")
        .env("ANSIBLE_NOCOLOR", "1")
        .env("ANSIBLE_RETRY_FILES_ENABLED", "False")
        .current_dir(d)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    // ansible-playbook: 4 when a host was unreachable (2 when a host only failed).
    assert_eq!(out.status.code(), Some(4), "{text}");
    assert!(
        text.contains("ingested 2 hosts into") && text.contains("failed: down, gone, slow"),
        "{text}"
    );
    assert!(text.contains("collect timed out after 0.05 s"), "{text}");
    assert!(text.contains("cannot scan"), "{text}");
    // The two hosts that worked are in the store, by the hostname of their tree.
    let summary = Command::new(env!("CARGO_BIN_EXE_azl-compat"))
        .args(["fleet", "summary"])
        .arg(&store)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(summary.status.success());
    let s: serde_json::Value = serde_json::from_slice(&summary.stdout).unwrap();
    assert_eq!(s["hosts"], 2);
    assert_eq!(
        s["by_distro"],
        serde_json::json!({"rhel 7.9": 1, "ubuntu 18.04": 1})
    );
    // Read-only: the collected trees are as they were; the hosts' working directories are gone.
    assert_eq!(listing(&roots), before);
    for h in ["web-a", "web-b", "gone", "slow"] {
        assert!(
            !Path::new(&remote(h)).exists(),
            "{h}: working directory left"
        );
    }
}
