//! Package sources of a host: yum/dnf `.repo` files, apt one-line `sources.list` entries and
//! deb822 `.sources` stanzas, and dnf.conf options, each with the line it starts on.

/// One repository definition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Repo {
    /// 1-based line of the section header, the `deb` line or the stanza's first line.
    pub line: usize,
    /// The yum repository id, or the apt suite and components.
    pub id: String,
    /// baseurl / mirrorlist / metalink / URIs.
    pub urls: Vec<String>,
    pub enabled: bool,
    /// gpgkey= / signed-by=.
    pub signing_key: Option<String>,
}

fn truthy(v: &str) -> bool {
    !matches!(
        v.trim().to_ascii_lowercase().as_str(),
        "0" | "no" | "false" | "off"
    )
}

/// The repositories of a yum/dnf `.repo` file (continuation lines of `baseurl` included).
pub fn yum_repos(text: &str) -> Vec<Repo> {
    let mut out: Vec<Repo> = Vec::new();
    let mut last_key = String::new();
    for (i, raw) in text.lines().enumerate() {
        let t = raw.trim();
        if t.is_empty() || t.starts_with('#') || t.starts_with(';') {
            continue;
        }
        if let Some(id) = t.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            if id.trim() != "main" {
                out.push(Repo {
                    line: i + 1,
                    id: id.trim().to_string(),
                    urls: Vec::new(),
                    enabled: true,
                    signing_key: None,
                });
            }
            last_key.clear();
            continue;
        }
        let Some(r) = out.last_mut() else { continue };
        // A continuation line (indented) adds to the previous key.
        if raw.starts_with([' ', '\t']) && !t.contains('=') {
            if matches!(last_key.as_str(), "baseurl" | "mirrorlist" | "metalink") {
                r.urls.extend(t.split_whitespace().map(str::to_string));
            } else if last_key == "gpgkey" {
                // More key URLs on continuation lines.
                let k = r.signing_key.get_or_insert_with(String::new);
                if !k.is_empty() {
                    k.push(' ');
                }
                k.push_str(t);
            }
            continue;
        }
        let Some((k, v)) = t.split_once('=') else {
            continue;
        };
        let k = k.trim().to_ascii_lowercase();
        let v = v.trim();
        match k.as_str() {
            "baseurl" | "mirrorlist" | "metalink" => r.urls.extend(
                v.split([' ', ','])
                    .filter(|u| !u.is_empty())
                    .map(str::to_string),
            ),
            "enabled" => r.enabled = truthy(v),
            "gpgkey" if !v.is_empty() => r.signing_key = Some(v.to_string()),
            _ => {}
        }
        last_key = k;
    }
    out
}

/// The yum/dnf repositories of a tree: every section of `/etc/yum.repos.d/*.repo` (what dnf
/// and yum read), with the file it is in.
pub fn yum_repo_files(files: &super::HostFiles) -> Vec<(String, Vec<Repo>)> {
    // zypper's repository files (SUSE) have the same form.
    let mut paths = files.files_in("/etc/yum.repos.d", ".repo");
    paths.extend(files.files_in("/etc/zypp/repos.d", ".repo"));
    paths
        .into_iter()
        .filter_map(|p| {
            let t = files.read_text(&p)?;
            let repos = yum_repos(&t);
            Some((p, repos))
        })
        .collect()
}

/// Key files read for signing keys: at most this many bytes each.
pub const MAX_KEY_FILE: u64 = 1 << 20;

/// The local key files a repository's signing-key setting names: `file://` URLs and absolute
/// paths (yum and zypper `gpgkey=`, apt `signed-by=`); URLs and fingerprints are left out.
pub fn local_key_paths(spec: &str) -> Vec<String> {
    spec.split([' ', ',', '\t'])
        .filter_map(|u| {
            u.strip_prefix("file://")
                .or(Some(u).filter(|u| u.starts_with('/')))
        })
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

/// A key file a repository names (`gpgkey=file:///...`), with the primary keys it holds and
/// the repositories (`ID (FILE:LINE)`) that name it.
#[derive(Clone, Debug)]
pub struct KeyFile {
    pub path: String,
    pub keys: Vec<crate::inventory::openpgp::PublicKey>,
    pub repositories: Vec<String>,
}

/// The local key files the yum repositories of the tree name, read (capped) and parsed. Keys
/// named by URL (`https://...`) are not fetched: nothing leaves the host.
pub fn repository_key_files(files: &super::HostFiles) -> Vec<KeyFile> {
    let mut by_path: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for (file, repos) in yum_repo_files(files) {
        for r in repos {
            let Some(keys) = &r.signing_key else { continue };
            for path in local_key_paths(keys) {
                by_path
                    .entry(path)
                    .or_default()
                    .push(format!("{} ({file}:{})", r.id, r.line));
            }
        }
    }
    by_path
        .into_iter()
        .map(|(path, repositories)| {
            let keys = files
                .read_bytes(&path, MAX_KEY_FILE)
                .map(|b| crate::inventory::openpgp::keys(&b))
                .unwrap_or_default();
            KeyFile {
                path,
                keys,
                repositories,
            }
        })
        .collect()
}

/// The entries of an apt one-line sources file (`deb [options] URI suite [components]`).
pub fn apt_lines(text: &str) -> Vec<Repo> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let t = raw.trim();
        let (enabled, t) = match t.strip_prefix('#') {
            // A commented-out entry is kept as disabled only when it still reads as one.
            Some(rest) => (false, rest.trim()),
            None => (true, t),
        };
        let Some(rest) = t
            .strip_prefix("deb-src ")
            .or_else(|| t.strip_prefix("deb "))
        else {
            continue;
        };
        let mut rest = rest.trim();
        let mut signing_key = None;
        if let Some(r) = rest.strip_prefix('[') {
            let Some((opts, after)) = r.split_once(']') else {
                continue;
            };
            for o in opts.split_whitespace() {
                if let Some(v) = o.strip_prefix("signed-by=") {
                    signing_key = Some(v.to_string());
                }
            }
            rest = after.trim();
        }
        let mut f = rest.split_whitespace();
        let Some(uri) = f.next() else { continue };
        let id = f.collect::<Vec<_>>().join(" ");
        out.push(Repo {
            line: i + 1,
            id,
            urls: vec![uri.to_string()],
            enabled,
            signing_key,
        });
    }
    out
}

/// The stanzas of a deb822 `.sources` file.
pub fn apt_deb822(text: &str) -> Vec<Repo> {
    let mut out = Vec::new();
    let mut cur: Option<Repo> = None;
    let mut suites = String::new();
    let mut comps = String::new();
    let flush = |cur: &mut Option<Repo>, s: &mut String, c: &mut String, out: &mut Vec<Repo>| {
        if let Some(mut r) = cur.take() {
            r.id = format!("{} {}", s.trim(), c.trim()).trim().to_string();
            if !r.urls.is_empty() {
                out.push(r);
            }
        }
        s.clear();
        c.clear();
    };
    for (i, raw) in text.lines().enumerate() {
        let t = raw.trim();
        if t.is_empty() {
            flush(&mut cur, &mut suites, &mut comps, &mut out);
            continue;
        }
        if t.starts_with('#') || raw.starts_with([' ', '\t']) {
            continue;
        }
        let Some((k, v)) = t.split_once(':') else {
            continue;
        };
        let r = cur.get_or_insert_with(|| Repo {
            line: i + 1,
            id: String::new(),
            urls: Vec::new(),
            enabled: true,
            signing_key: None,
        });
        let v = v.trim();
        match k.trim().to_ascii_lowercase().as_str() {
            "uris" => r.urls.extend(v.split_whitespace().map(str::to_string)),
            "suites" => suites = v.to_string(),
            "components" => comps = v.to_string(),
            "enabled" => r.enabled = truthy(v),
            "signed-by" if !v.is_empty() => r.signing_key = Some(v.to_string()),
            _ => {}
        }
    }
    flush(&mut cur, &mut suites, &mut comps, &mut out);
    out
}

/// `key = value` lines of dnf.conf's or yum.conf's `[main]` section, with their lines.
pub fn main_options(text: &str) -> Vec<(usize, String, String)> {
    let mut in_main = false;
    let mut out = Vec::new();
    for (line, t) in super::config_lines(text, true) {
        if let Some(s) = t.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            in_main = s.trim() == "main";
            continue;
        }
        if in_main && let Some((k, v)) = t.split_once('=') {
            out.push((line, k.trim().to_string(), v.trim().to_string()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repo_formats() {
        let y = yum_repos(
            "[main]\nx=1\n[epel]\nname=EPEL\nmetalink=https://mirrors.fedoraproject.org/metalink?repo=epel-9&arch=$basearch\nenabled=1\ngpgkey=file:///etc/pki/rpm-gpg/RPM-GPG-KEY-EPEL-9\n\n[acme]\nbaseurl=https://a.example/el/$releasever/\n  https://b.example/el/$releasever/\nenabled = 0\n",
        );
        assert_eq!(y.len(), 2);
        assert_eq!(
            (y[0].line, y[0].id.as_str(), y[0].enabled),
            (3, "epel", true)
        );
        assert!(y[0].signing_key.is_some());
        assert_eq!(y[1].urls.len(), 2);
        assert!(!y[1].enabled);
        let a = apt_lines(
            "deb [arch=amd64 signed-by=/usr/share/keyrings/docker.gpg] https://download.docker.com/linux/ubuntu noble stable\n# deb http://archive.ubuntu.com/ubuntu noble-backports main\n# just a comment\n",
        );
        assert_eq!(a.len(), 2);
        assert_eq!(a[0].id, "noble stable");
        assert_eq!(
            a[0].signing_key.as_deref(),
            Some("/usr/share/keyrings/docker.gpg")
        );
        assert!(!a[1].enabled);
        let d = apt_deb822(
            "Types: deb\nURIs: http://archive.ubuntu.com/ubuntu/\nSuites: noble noble-updates\nComponents: main\nSigned-By: /usr/share/keyrings/ubuntu-archive-keyring.gpg\n\n# second\nTypes: deb\nURIs: https://ppa.launchpadcontent.net/acme/tools/ubuntu/\nSuites: noble\nComponents: main\nEnabled: no\n",
        );
        assert_eq!(d.len(), 2);
        assert_eq!(
            (d[0].line, d[0].id.as_str()),
            (1, "noble noble-updates main")
        );
        assert_eq!(d[1].line, 8);
        assert!(!d[1].enabled);
        let m = main_options("[main]\ngpgcheck=1\ndeltarpm=0\n[other]\nretries=3\n");
        assert_eq!(m.len(), 2);
        assert_eq!(m[1], (3, "deltarpm".into(), "0".into()));
    }
}
