//! Name rules shared by the pack builder and the queries: path normalisation (merged `/usr`,
//! merged `sbin`), shell-style globs, and how a soname glob from `%files` may match a soname.

/// Normalise an absolute path the way the target's filesystem resolves it: `/bin`, `/sbin` and
/// `/usr/sbin` are `/usr/bin` (merged `/usr` and, in Azure Linux 4.0 / Fedora 42+, merged
/// `sbin`), `/lib64` is `/usr/lib64`, `/lib` is `/usr/lib`. Repeated slashes and `.` components
/// are dropped; `..` is kept (it cannot be resolved without the filesystem). Relative paths are
/// returned unchanged.
pub fn normalize_path(path: &str) -> String {
    if !path.starts_with('/') {
        return path.to_string();
    }
    let parts: Vec<&str> = path
        .split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect();
    let (head, rest): (&[&str], &[&str]) = match parts.as_slice() {
        ["usr", "sbin", rest @ ..] | ["sbin", rest @ ..] | ["bin", rest @ ..] => {
            (&["usr", "bin"], rest)
        }
        ["lib64", rest @ ..] => (&["usr", "lib64"], rest),
        ["lib", rest @ ..] => (&["usr", "lib"], rest),
        all => (&[], all),
    };
    let mut out = String::with_capacity(path.len() + 4);
    for c in head.iter().chain(rest) {
        out.push('/');
        out.push_str(c);
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

/// Whether a name contains a shell wildcard (`*`, `?`, `[`).
pub fn is_glob(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// The literal text before a glob's first wildcard (`libaio.so.` for `libaio.so.*`).
pub fn glob_prefix(pattern: &str) -> &str {
    match pattern.find(['*', '?', '[']) {
        Some(i) => &pattern[..i],
        None => pattern,
    }
}

/// Shell-style match of a whole `text` against `pattern`: `*` (not across `/`), `?`, and
/// bracket expressions `[a-z]`, `[!x]`/`[^x]`. Anything else is literal.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    match_from(&p, &t)
}

fn match_from(p: &[char], t: &[char]) -> bool {
    let (mut pi, mut ti) = (0usize, 0usize);
    // Backtracking point for the last `*`: (pattern index after it, text index it matched to).
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() {
            match p[pi] {
                '*' => {
                    star = Some((pi + 1, ti));
                    pi += 1;
                    continue;
                }
                '?' if t[ti] != '/' => {
                    pi += 1;
                    ti += 1;
                    continue;
                }
                '[' => {
                    if let Some((matched, len)) = bracket(&p[pi..], t[ti]) {
                        if matched && t[ti] != '/' {
                            pi += len;
                            ti += 1;
                            continue;
                        }
                    } else if t[ti] == '[' {
                        // Unterminated bracket: literal `[`.
                        pi += 1;
                        ti += 1;
                        continue;
                    }
                }
                c if c == t[ti] && c != '?' => {
                    pi += 1;
                    ti += 1;
                    continue;
                }
                _ => {}
            }
        }
        // Mismatch: let the last `*` swallow one more character (never a `/`).
        match star {
            Some((sp, st)) if t[st] != '/' => {
                star = Some((sp, st + 1));
                pi = sp;
                ti = st + 1;
            }
            _ => return false,
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// Evaluate a bracket expression at the start of `p` against `c`: (matched, pattern length).
/// `None` when the bracket is not terminated.
fn bracket(p: &[char], c: char) -> Option<(bool, usize)> {
    let mut i = 1;
    let negate = matches!(p.get(i), Some('!') | Some('^'));
    if negate {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    while i < p.len() {
        if p[i] == ']' && !first {
            return Some((matched != negate, i + 1));
        }
        first = false;
        if i + 2 < p.len() && p[i + 1] == '-' && p[i + 2] != ']' {
            if p[i] <= c && c <= p[i + 2] {
                matched = true;
            }
            i += 3;
        } else {
            if p[i] == c {
                matched = true;
            }
            i += 1;
        }
    }
    None
}

/// `^[0-9]+(\.[0-9]+)*$`
pub fn is_numeric_version(s: &str) -> bool {
    !s.is_empty()
        && s.split('.')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
}

/// The library name of a soname, file name or glob prefix: the text before the `.so` that ends
/// it or is followed by `.` (`libaio` for `libaio.so.1`, `libaio.so.*` and `libaio.so`).
/// `None` when there is no such `.so` or a wildcard comes before it (`lib*.so.6*`).
pub fn library_name(name: &str) -> Option<&str> {
    let literal = glob_prefix(name);
    for (i, _) in literal.match_indices(".so") {
        let after = &literal[i + 3..];
        if after.is_empty() || after.starts_with('.') {
            return Some(&literal[..i]);
        }
    }
    None
}

/// Whether a soname glob from `%files` (e.g. `libaio.so.*`) may stand for `soname`.
///
/// The library name must be literal in the glob (`lib*.so.6*` never matches: it says nothing
/// about which library), `soname` must be `<name>.so.<numeric version>` where the version matches
/// `^[0-9]+(\.[0-9]+)*$` (so `libaio.so.*` matches `libaio.so.1` and `libaio.so.1.0.2`, never
/// `libaio.so.1t64`), and the version must agree with any version digits the glob spells out
/// before its wildcard (`libfoo.so.6*` matches `libfoo.so.6`; `libfoo.so.1.*` matches
/// `libfoo.so.1`, the soname of the `libfoo.so.1.x` files it lists).
pub fn soname_glob_matches(glob: &str, soname: &str) -> bool {
    let prefix = glob_prefix(glob);
    let Some(name) = library_name(prefix) else {
        return false;
    };
    let spelled = &prefix[name.len() + 3..]; // "", ".", ".6", ".1." ...
    let Some(version) = soname
        .strip_prefix(name)
        .and_then(|r| r.strip_prefix(".so."))
    else {
        return false;
    };
    if !is_numeric_version(version) {
        return false;
    }
    let have = format!(".{version}");
    have.starts_with(spelled) || spelled.starts_with(&format!("{have}."))
}

/// Directories shared by many packages. A path glob whose literal part stops at one of these
/// (`/usr/bin/*`, `/usr/bin/[a-z]*`, `/usr/libexec/*`) or spells only one or two characters of
/// the file name there (`/usr/bin/p*`, `/usr/bin/pr*`) says nothing useful about which files a
/// package ships, so queries ignore it.
const SHARED_DIRS: &[&str] = &[
    "/",
    "/usr/",
    "/usr/bin/",
    "/usr/libexec/",
    "/usr/lib/",
    "/usr/lib64/",
];

/// Characters of the file name a glob in a shared directory must spell before its wildcard.
const MIN_LITERAL_IN_SHARED_DIR: usize = 3;

/// Whether a path glob is specific enough to answer "which package ships this path": its
/// directory is the package's own (`/usr/libexec/xfsprogs/*`), or it spells at least three
/// characters of the file name (`/usr/bin/ansible*`).
pub fn path_glob_is_specific(pattern: &str) -> bool {
    let prefix = glob_prefix(pattern);
    let cut = prefix.rfind('/').map_or(0, |i| i + 1);
    let (dir, name) = prefix.split_at(cut);
    !SHARED_DIRS.contains(&dir) || name.chars().count() >= MIN_LITERAL_IN_SHARED_DIR
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_merged_dirs() {
        assert_eq!(normalize_path("/usr/sbin/sshd"), "/usr/bin/sshd");
        assert_eq!(normalize_path("/sbin/sshd"), "/usr/bin/sshd");
        assert_eq!(normalize_path("/bin/sh"), "/usr/bin/sh");
        assert_eq!(normalize_path("/bin"), "/usr/bin");
        assert_eq!(normalize_path("/usr/bin/python3"), "/usr/bin/python3");
        assert_eq!(
            normalize_path("/lib64/ld-linux-x86-64.so.2"),
            "/usr/lib64/ld-linux-x86-64.so.2"
        );
        assert_eq!(
            normalize_path("/lib/ld-linux-aarch64.so.1"),
            "/usr/lib/ld-linux-aarch64.so.1"
        );
        assert_eq!(normalize_path("/libexec/x"), "/libexec/x");
        assert_eq!(normalize_path("/usr/libexec/x"), "/usr/libexec/x");
        assert_eq!(normalize_path("//usr//./sbin/ip"), "/usr/bin/ip");
        assert_eq!(normalize_path("/"), "/");
        assert_eq!(normalize_path("relative/bin"), "relative/bin");
        assert_eq!(normalize_path("/usr/lib/../bin/x"), "/usr/lib/../bin/x");
    }

    #[test]
    fn shell_globs() {
        assert!(glob_match("/usr/bin/ansible*", "/usr/bin/ansible-playbook"));
        assert!(glob_match("/usr/bin/ansible*", "/usr/bin/ansible"));
        assert!(!glob_match("/usr/bin/ansible*", "/usr/bin/python3"));
        assert!(!glob_match("/usr/libexec/foo/*", "/usr/libexec/foo/a/b"));
        assert!(glob_match("/usr/libexec/foo/*", "/usr/libexec/foo/a"));
        assert!(glob_match("/usr/bin/h4?c*", "/usr/bin/h4cc"));
        assert!(glob_match("/usr/bin/h4?c*", "/usr/bin/h4fc-x"));
        assert!(glob_match("/usr/bin/[a-z]*", "/usr/bin/ls"));
        assert!(!glob_match("/usr/bin/[a-z]*", "/usr/bin/Xorg"));
        assert!(glob_match("/usr/bin/[!l]*", "/usr/bin/cat"));
        assert!(!glob_match("/usr/bin/[!l]*", "/usr/bin/ls"));
        assert!(glob_match("/usr/bin/bashbug[-.]*", "/usr/bin/bashbug-64"));
        assert!(glob_match(
            "/usr/bin/python3.14-*-config",
            "/usr/bin/python3.14-x86_64-config"
        ));
        assert!(!glob_match(
            "/usr/bin/python3.14-*-config",
            "/usr/bin/python3.14"
        ));
        assert!(glob_match("a*b*c", "aXXbYYc"));
        assert!(!glob_match("a*b*c", "aXXbYY"));
        assert!(glob_match("plain", "plain"));
        assert!(!glob_match("plain", "plainer"));
    }

    #[test]
    fn broad_path_globs_are_ignored() {
        assert!(!path_glob_is_specific("/usr/bin/*"));
        assert!(!path_glob_is_specific("/usr/bin/[a-z]*"));
        assert!(!path_glob_is_specific("/usr/bin/*-18"));
        assert!(!path_glob_is_specific("/usr/libexec/*"));
        assert!(!path_glob_is_specific("/usr/bin/p*"));
        assert!(!path_glob_is_specific("/usr/bin/pr*"));
        assert!(path_glob_is_specific("/usr/bin/zck*"));
        assert!(path_glob_is_specific("/usr/libexec/cyrus-imapd/[a-uw-z]*"));
        assert!(path_glob_is_specific("/usr/bin/ansible*"));
        assert!(path_glob_is_specific("/usr/libexec/xfsprogs/*"));
    }

    #[test]
    fn numeric_versions() {
        assert!(is_numeric_version("1"));
        assert!(is_numeric_version("1.0.2"));
        assert!(!is_numeric_version(""));
        assert!(!is_numeric_version("1t64"));
        assert!(!is_numeric_version("1."));
        assert!(!is_numeric_version(".1"));
        assert!(!is_numeric_version("1..2"));
    }

    #[test]
    fn library_names() {
        assert_eq!(library_name("libaio.so.1"), Some("libaio"));
        assert_eq!(library_name("libaio.so.*"), Some("libaio"));
        assert_eq!(library_name("libnss3.so"), Some("libnss3"));
        assert_eq!(library_name("libfoo.sound.so.2"), Some("libfoo.sound"));
        assert_eq!(library_name("lib*.so.6*"), None);
        assert_eq!(library_name("libcogl*.so.20*"), None);
        assert_eq!(
            library_name("ld-linux-x86-64.so.2"),
            Some("ld-linux-x86-64")
        );
    }

    #[test]
    fn soname_globs() {
        // The contract examples.
        assert!(soname_glob_matches("libaio.so.*", "libaio.so.1"));
        assert!(soname_glob_matches("libaio.so.*", "libaio.so.1.0.2"));
        assert!(!soname_glob_matches("libaio.so.*", "libaio.so.1t64"));
        assert!(!soname_glob_matches("libaio.so.*", "libaio.so"));
        assert!(!soname_glob_matches("libaio.so.*", "libaio.so."));
        assert!(!soname_glob_matches("libaio.so.*", "libaiox.so.1"));
        assert!(!soname_glob_matches("libaio.so.*", "libai.so.1"));
        // `.so*` globs.
        assert!(soname_glob_matches("libsss_sudo.so*", "libsss_sudo.so.1"));
        assert!(!soname_glob_matches("libsss_sudo.so*", "libsss_sudo.so"));
        // Version digits spelled before the wildcard must agree.
        assert!(soname_glob_matches(
            "libncurses++.so.6*",
            "libncurses++.so.6"
        ));
        assert!(!soname_glob_matches(
            "libncurses++.so.6*",
            "libncurses++.so.5"
        ));
        assert!(soname_glob_matches("libfoo.so.1.*", "libfoo.so.1"));
        assert!(soname_glob_matches("libfoo.so.1.*", "libfoo.so.1.2"));
        assert!(!soname_glob_matches("libfoo.so.1.*", "libfoo.so.2"));
        assert!(soname_glob_matches("libgcrypt.so.*.*", "libgcrypt.so.20"));
        assert!(soname_glob_matches("libgusb.so.?", "libgusb.so.2"));
        // A wildcard in the library name says nothing about which library.
        assert!(!soname_glob_matches("lib*.so.6*", "libncursesw.so.6"));
        assert!(!soname_glob_matches("libcogl*.so.20*", "libcogl.so.20"));
    }
}
