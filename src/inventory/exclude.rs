//! What is not workload: paths the walk leaves out, with the reason the report gives.
//!
//! Built in: package-manager state and caches (the dpkg database with its maintainer scripts,
//! the rpm database, apt/dnf/yum/zypp caches: the package manager runs them, the workload does
//! not, and the packages themselves are judged from the database), git hook samples (git never
//! runs a hook named `*.sample`) and documentation (`share/doc`, where examples live). Users add
//! their own with `--exclude GLOB` and `exclude = [...]` in the policy file.
//!
//! Patterns are matched against target paths component by component: `*` and `?` never cross
//! a `/`, `**` is any number of components, `[abc]`, `[a-z]` and `[!a]` are classes. A pattern
//! starting with `/` is anchored at the scanned root; any other matches at any depth (as if
//! it started with `**/`). A directory that matches is not entered.

use serde::{Deserialize, Serialize};

/// Where an exclusion rule comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RuleOrigin {
    /// Built into azl-compat (not workload by nature).
    BuiltIn,
    /// `--exclude` on the command line.
    Option,
    /// `exclude` in the policy file.
    Policy,
}

/// One exclusion rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub pattern: String,
    pub reason: String,
    pub origin: RuleOrigin,
    parts: Vec<String>,
}

/// A path the walk left out, and why (`source.excluded` in the JSON report).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Excluded {
    /// The directory or file not read (target path).
    pub path: String,
    /// The pattern that matched.
    pub rule: String,
    pub origin: RuleOrigin,
    pub reason: String,
}

/// The built-in rules: (pattern, reason).
pub const BUILT_IN: &[(&str, &str)] = &[
    (
        "/var/lib/dpkg",
        "package-manager state: the dpkg database and maintainer scripts, run by dpkg, not by the workload",
    ),
    ("/var/lib/rpm", "package-manager state: the rpm database"),
    (
        "/usr/lib/sysimage/rpm",
        "package-manager state: the rpm database",
    ),
    ("/var/lib/apt", "package-manager state: apt lists"),
    ("/var/cache/apt", "package-manager cache: apt"),
    ("/var/cache/debconf", "package-manager state: debconf"),
    ("/var/lib/dnf", "package-manager state: dnf"),
    ("/var/cache/dnf", "package-manager cache: dnf"),
    ("/var/lib/yum", "package-manager state: yum"),
    ("/var/cache/yum", "package-manager cache: yum"),
    ("/var/lib/zypp", "package-manager state: zypper"),
    ("/var/cache/zypp", "package-manager cache: zypper"),
    (
        "**/hooks/*.sample",
        "git hook sample: git never runs a hook named *.sample",
    ),
    (
        "**/share/doc",
        "documentation: its examples are not run by the workload",
    ),
];

/// The exclusion rules of one scan.
#[derive(Clone, Debug, Default)]
pub struct Exclusions {
    rules: Vec<Rule>,
}

impl Exclusions {
    /// No rules at all.
    pub fn none() -> Self {
        Exclusions::default()
    }

    /// The built-in rules.
    pub fn built_in() -> Self {
        let mut e = Exclusions::none();
        for (p, r) in BUILT_IN {
            e.add(p, r, RuleOrigin::BuiltIn)
                .expect("built-in patterns are valid");
        }
        e
    }

    /// Add a rule; an empty or malformed pattern (an unclosed `[`) is an error.
    pub fn add(&mut self, pattern: &str, reason: &str, origin: RuleOrigin) -> Result<(), String> {
        let p = pattern.trim();
        if p.is_empty() || p == "/" {
            return Err(format!(
                "exclude pattern `{pattern}` would exclude everything"
            ));
        }
        let anchored = p.starts_with('/');
        let mut parts: Vec<String> = Vec::new();
        if !anchored {
            parts.push("**".into());
        }
        for c in p.split('/').filter(|c| !c.is_empty() && *c != ".") {
            if c == ".." {
                return Err(format!("exclude pattern `{pattern}` has a `..` component"));
            }
            if !classes_closed(c) {
                return Err(format!("exclude pattern `{pattern}` has an unclosed `[`"));
            }
            parts.push(c.to_string());
        }
        self.rules.push(Rule {
            pattern: p.to_string(),
            reason: reason.to_string(),
            origin,
            parts,
        });
        Ok(())
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The first rule that excludes a target path, if any.
    pub fn matching(&self, path: &str) -> Option<&Rule> {
        if self.rules.is_empty() {
            return None;
        }
        let comps: Vec<&str> = path.split('/').filter(|c| !c.is_empty()).collect();
        self.rules.iter().find(|r| match_parts(&r.parts, &comps))
    }
}

fn classes_closed(c: &str) -> bool {
    let b = c.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'[' {
            match class_end(b, i) {
                Some(e) => i = e + 1,
                None => return false,
            }
        } else {
            i += 1;
        }
    }
    true
}

/// Index of the `]` closing the class that opens at `b[start]`.
fn class_end(b: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    if i < b.len() && (b[i] == b'!' || b[i] == b'^') {
        i += 1;
    }
    // A `]` right after the opening (or the negation) is a member.
    if i < b.len() && b[i] == b']' {
        i += 1;
    }
    while i < b.len() {
        if b[i] == b']' {
            return Some(i);
        }
        i += 1;
    }
    None
}

fn match_parts(pat: &[String], comps: &[&str]) -> bool {
    match pat.split_first() {
        None => comps.is_empty(),
        Some((p, rest)) if p == "**" => (0..=comps.len()).any(|k| match_parts(rest, &comps[k..])),
        Some((p, rest)) => match comps.split_first() {
            Some((c, more)) => glob(p.as_bytes(), c.as_bytes()) && match_parts(rest, more),
            None => false,
        },
    }
}

/// Match one path component against one pattern component (bytes; `*`, `?`, classes).
fn glob(p: &[u8], s: &[u8]) -> bool {
    let (mut pi, mut si) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if pi < p.len() {
            match p[pi] {
                b'*' => {
                    star = Some((pi, si));
                    pi += 1;
                    continue;
                }
                b'?' => {
                    pi += 1;
                    si += 1;
                    continue;
                }
                b'[' => {
                    if let Some(end) = class_end(p, pi)
                        && class_matches(&p[pi + 1..end], s[si])
                    {
                        pi = end + 1;
                        si += 1;
                        continue;
                    }
                }
                c if c == s[si] => {
                    pi += 1;
                    si += 1;
                    continue;
                }
                _ => {}
            }
        }
        match star {
            Some((sp, ss)) => {
                pi = sp + 1;
                si = ss + 1;
                star = Some((sp, ss + 1));
            }
            None => return false,
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

fn class_matches(body: &[u8], c: u8) -> bool {
    let (neg, body) = match body.first() {
        Some(b'!' | b'^') => (true, &body[1..]),
        _ => (false, body),
    };
    let mut i = 0;
    let mut hit = false;
    while i < body.len() {
        if i + 2 < body.len() && body[i + 1] == b'-' {
            hit |= body[i] <= c && c <= body[i + 2];
            i += 3;
        } else {
            hit |= body[i] == c;
            i += 1;
        }
    }
    hit != neg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(ps: &[&str]) -> Exclusions {
        let mut e = Exclusions::none();
        for p in ps {
            e.add(p, "test", RuleOrigin::Option).unwrap();
        }
        e
    }

    #[test]
    fn anchored_and_floating_patterns() {
        let e = rules(&["/opt/legacy", "*.bak", "tests/**/fixtures"]);
        assert!(e.matching("/opt/legacy").is_some());
        assert!(e.matching("/srv/opt/legacy").is_none());
        assert!(e.matching("/srv/a/old.bak").is_some());
        assert!(e.matching("/srv/a/old.bakx").is_none());
        assert!(e.matching("/x/tests/fixtures").is_some());
        assert!(e.matching("/x/tests/a/b/fixtures").is_some());
        assert!(e.matching("/x/tests/a/b/fixture").is_none());
    }

    #[test]
    fn star_does_not_cross_a_slash_and_classes_work() {
        let e = rules(&["/opt/*/bin", "/data/log[0-9]", "/data/[!x]y"]);
        assert!(e.matching("/opt/app/bin").is_some());
        assert!(e.matching("/opt/a/b/bin").is_none());
        assert!(e.matching("/data/log7").is_some());
        assert!(e.matching("/data/logx").is_none());
        assert!(e.matching("/data/ay").is_some());
        assert!(e.matching("/data/xy").is_none());
    }

    #[test]
    fn built_in_rules_cover_package_manager_state_hooks_and_docs() {
        let e = Exclusions::built_in();
        for p in [
            "/var/lib/dpkg",
            "/var/lib/rpm",
            "/usr/lib/sysimage/rpm",
            "/var/cache/apt",
            "/var/cache/dnf",
            "/srv/repo/.git/hooks/pre-commit.sample",
            "/usr/share/git-core/templates/hooks/update.sample",
            "/usr/share/doc",
            "/usr/local/share/doc",
        ] {
            assert!(e.matching(p).is_some(), "{p} is workload");
        }
        for p in [
            "/var/lib",
            "/srv/repo/.git/hooks/pre-commit",
            "/usr/share/docs",
            "/opt/app/bin",
        ] {
            assert!(e.matching(p).is_none(), "{p} left out");
        }
    }

    #[test]
    fn bad_patterns_are_errors() {
        let mut e = Exclusions::none();
        assert!(e.add("", "x", RuleOrigin::Option).is_err());
        assert!(e.add("/", "x", RuleOrigin::Option).is_err());
        assert!(e.add("/a/../b", "x", RuleOrigin::Option).is_err());
        assert!(e.add("/a/[bc", "x", RuleOrigin::Option).is_err());
    }
}
