//! Node.js workloads against the target's Node.js (docs/findings.md, `node-*`).
//!
//! Which Node.js the target has (version, channel, NODE_MODULE_VERSION) comes from the pack
//! through `knowledge::runtimes`; what the tree holds comes from `inventory::node`.

use super::Context;
use super::interface::{Area, Check, Input, Meta, Needs, Sink};
use crate::findings::{Code, Finding};
use crate::inventory::node::AddonAbi;
use crate::knowledge::runtimes::{self, Interpreter};

/// The check: Node.js native addons' ABI and package.json engines against the target's Node.js.
pub static CHECK: Check = Check {
    meta: Meta {
        id: "node-workloads",
        summary: "Node.js native addons' ABI and package.json engines against the target's Node.js",
        area: Area::Runtimes,
        needs: Needs::Workload,
        codes: &[Code::NodeAddonAbiMismatch, Code::NodeEnginesUnsatisfied],
        reuses: &[],
        file: "src/checks/node.rs",
    },
    run,
};

fn run(input: &Input, out: &mut Sink) {
    if let Input::Workload { ctx } = input {
        out.extend(check(ctx));
    }
}

/// Run the Node.js checks.
pub fn check(ctx: &Context) -> Vec<Finding> {
    let target = ctx.pack.name_version();
    let node = &ctx.node;
    if node.packages.is_empty() && node.addons.is_empty() {
        return Vec::new();
    }
    let targets = runtimes::interpreters(ctx.pack, "nodejs");
    if targets.is_empty() {
        return Vec::new();
    }
    let names = |ts: &[&Interpreter]| {
        ts.iter()
            .map(|t| format!("{} ({})", shown(t), t.package))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let all: Vec<&Interpreter> = targets.iter().collect();
    let mut out = Vec::new();
    for a in node.addons.iter().filter(|a| !ctx.unused_build(&a.path)) {
        let AddonAbi::ModuleVersion(n) = a.abi else {
            // Node-API addons load in every Node.js that has their Node-API level.
            continue;
        };
        if targets.iter().any(|t| t.abi == Some(n)) {
            continue;
        }
        let abis: Vec<String> = targets
            .iter()
            .filter_map(|t| {
                t.abi
                    .map(|x| format!("{x} ({}, Node.js {})", t.package, shown(t)))
            })
            .collect();
        out.push(
            Finding::new(Code::NodeAddonAbiMismatch, &a.path)
                .subject(format!("NODE_MODULE_VERSION {n}"))
                .message(format!(
                    "native addon built for NODE_MODULE_VERSION {n}; the Node.js of {target} has NODE_MODULE_VERSION {}",
                    abis.join(", ")
                ))
                .why("Node.js refuses an addon compiled against another NODE_MODULE_VERSION ('was compiled against a different Node.js version')")
                .fix("rebuild it on the target (`npm rebuild` with nodejs-devel and gcc-c++), or install a version of the package that uses Node-API")
                .evidence("module_version", n.to_string())
                .evidence("target_module_versions", abis.join(", ")),
        );
    }
    for p in &node.packages {
        let Some(range) = Range::parse(&p.engines_node) else {
            continue;
        };
        let fits: Vec<&Interpreter> = targets.iter().filter(|t| satisfied(&range, t)).collect();
        if !fits.is_empty() {
            continue;
        }
        let subject = if p.name.is_empty() {
            format!("node {}", p.engines_node)
        } else {
            format!("{} {}", p.name, p.version).trim().to_string()
        };
        out.push(
            Finding::new(Code::NodeEnginesUnsatisfied, &p.path)
                .subject(&subject)
                .message(format!(
                    "{subject} declares engines.node \"{}\", which no Node.js of {target} satisfies ({})",
                    p.engines_node,
                    names(&all)
                ))
                .why("the package says it does not support these Node.js versions; npm warns (or refuses with engine-strict) and the code may use APIs that changed")
                .fix("upgrade the package to a release that supports the target's Node.js, and test it there")
                .evidence("engines_node", &p.engines_node)
                .evidence(
                    "target_node",
                    targets.iter().map(shown).collect::<Vec<_>>().join(", "),
                ),
        );
    }
    out
}

fn shown(t: &Interpreter) -> String {
    if t.full_version.is_empty() {
        format!("{}.x", t.version.0)
    } else {
        t.full_version.clone()
    }
}

/// Whether some version of `t` satisfies the range: its exact version when the pack has it;
/// for a major alone, any `major.x.y` (tried at the bounds the range itself names).
fn satisfied(range: &Range, t: &Interpreter) -> bool {
    if let Some(v) = Version::parse(&t.full_version) {
        return range.matches(&v);
    }
    let major = u64::from(t.version.0);
    let mut tries = vec![Version(major, 0, 0), Version(major, u64::MAX / 2, 0)];
    for set in &range.0 {
        for c in set {
            if c.1.0 == major {
                tries.push(c.1);
                tries.push(Version(c.1.0, c.1.1, c.1.2.saturating_add(1)));
                tries.push(Version(c.1.0, c.1.1.saturating_add(1), 0));
            }
        }
    }
    tries.iter().any(|v| v.0 == major && range.matches(v))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Version(u64, u64, u64);

impl Version {
    fn parse(s: &str) -> Option<Version> {
        let s = s.trim().trim_start_matches('v');
        let s = s.split(['-', '+']).next()?;
        let mut it = s.split('.');
        let a = it.next()?.parse().ok()?;
        let b = it.next().map_or(Some(0), |x| x.parse().ok())?;
        let c = it.next().map_or(Some(0), |x| x.parse().ok())?;
        Some(Version(a, b, c))
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Op {
    Ge,
    Gt,
    Le,
    Lt,
    Eq,
}

/// A node-semver range: `||`-separated sets of comparators, all of which must hold.
#[derive(Debug)]
struct Range(Vec<Vec<(Op, Version)>>);

/// A partial version (`14`, `14.x`, `14.2`, `*`): the parts given.
fn partial(s: &str) -> Option<Vec<u64>> {
    let s = s.trim().trim_start_matches('v').trim_start_matches('=');
    let s = s.split(['-', '+']).next()?;
    if s.is_empty() || s == "*" || s.eq_ignore_ascii_case("x") {
        return Some(Vec::new());
    }
    let mut out = Vec::new();
    for p in s.split('.') {
        if p == "*" || p.eq_ignore_ascii_case("x") {
            break;
        }
        out.push(p.parse().ok()?);
    }
    (out.len() <= 3).then_some(out)
}

fn floor(p: &[u64]) -> Version {
    Version(
        p.first().copied().unwrap_or(0),
        p.get(1).copied().unwrap_or(0),
        p.get(2).copied().unwrap_or(0),
    )
}

/// The first version above every version matching partial `p` (`14` -> 15.0.0).
fn ceiling(p: &[u64]) -> Option<Version> {
    match p.len() {
        0 => None,
        1 => Some(Version(p[0] + 1, 0, 0)),
        2 => Some(Version(p[0], p[1] + 1, 0)),
        _ => Some(Version(p[0], p[1], p[2] + 1)),
    }
}

impl Range {
    fn parse(s: &str) -> Option<Range> {
        let mut sets = Vec::new();
        for alt in s.split("||") {
            let mut set = Vec::new();
            // Hyphen ranges: `1.2 - 2.3.4`.
            let alt = alt.trim();
            if let Some((lo, hi)) = alt.split_once(" - ") {
                let lo = partial(lo)?;
                let hi = partial(hi)?;
                set.push((Op::Ge, floor(&lo)));
                match (hi.len(), ceiling(&hi)) {
                    (3, _) => set.push((Op::Le, floor(&hi))),
                    (_, Some(c)) => set.push((Op::Lt, c)),
                    _ => {}
                }
                sets.push(set);
                continue;
            }
            // `>= 14` is written with a space sometimes: join an operator with what follows.
            let mut words: Vec<String> = Vec::new();
            for w in alt.split_whitespace() {
                match words.last_mut() {
                    Some(last)
                        if matches!(last.as_str(), ">=" | "<=" | ">" | "<" | "=" | "^" | "~") =>
                    {
                        last.push_str(w)
                    }
                    _ => words.push(w.to_string()),
                }
            }
            for w in &words {
                let (op, rest) = if let Some(r) = w.strip_prefix(">=") {
                    (">=", r)
                } else if let Some(r) = w.strip_prefix("<=") {
                    ("<=", r)
                } else if let Some(r) = w.strip_prefix('>') {
                    (">", r)
                } else if let Some(r) = w.strip_prefix('<') {
                    ("<", r)
                } else if let Some(r) = w.strip_prefix('^') {
                    ("^", r)
                } else if let Some(r) = w.strip_prefix("~>") {
                    ("~", r)
                } else if let Some(r) = w.strip_prefix('~') {
                    ("~", r)
                } else {
                    ("", w.as_str())
                };
                let p = partial(rest)?;
                match op {
                    ">=" => set.push((Op::Ge, floor(&p))),
                    ">" => match ceiling(&p) {
                        Some(c) if p.len() < 3 => set.push((Op::Ge, c)),
                        _ if p.is_empty() => set.push((Op::Lt, Version(0, 0, 0))),
                        _ => set.push((Op::Gt, floor(&p))),
                    },
                    "<" => {
                        if p.is_empty() {
                            set.push((Op::Lt, Version(0, 0, 0)));
                        } else {
                            set.push((Op::Lt, floor(&p)));
                        }
                    }
                    "<=" => match ceiling(&p) {
                        Some(c) if p.len() < 3 => set.push((Op::Lt, c)),
                        Some(_) => set.push((Op::Le, floor(&p))),
                        None => {}
                    },
                    "^" => {
                        let lo = floor(&p);
                        set.push((Op::Ge, lo));
                        let hi = if lo.0 > 0 || p.len() < 2 {
                            Version(lo.0 + 1, 0, 0)
                        } else if lo.1 > 0 || p.len() < 3 {
                            Version(0, lo.1 + 1, 0)
                        } else {
                            Version(0, 0, lo.2 + 1)
                        };
                        set.push((Op::Lt, hi));
                    }
                    "~" => {
                        let lo = floor(&p);
                        set.push((Op::Ge, lo));
                        let hi = if p.len() < 2 {
                            Version(lo.0 + 1, 0, 0)
                        } else {
                            Version(lo.0, lo.1 + 1, 0)
                        };
                        set.push((Op::Lt, hi));
                    }
                    _ => {
                        if p.len() == 3 {
                            set.push((Op::Eq, floor(&p)));
                        } else if let Some(c) = ceiling(&p) {
                            set.push((Op::Ge, floor(&p)));
                            set.push((Op::Lt, c));
                        }
                    }
                }
            }
            sets.push(set);
        }
        Some(Range(sets))
    }

    fn matches(&self, v: &Version) -> bool {
        self.0.iter().any(|set| {
            set.iter().all(|(op, c)| match op {
                Op::Ge => v >= c,
                Op::Gt => v > c,
                Op::Le => v <= c,
                Op::Lt => v < c,
                Op::Eq => v == c,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(r: &str, v: &str) -> bool {
        Range::parse(r)
            .unwrap_or_else(|| panic!("{r} parses"))
            .matches(&Version::parse(v).unwrap())
    }

    #[test]
    fn node_semver_ranges() {
        assert!(m(">=14", "22.22.0"));
        assert!(!m(">=14 <17", "22.22.0"));
        assert!(m(">= 18.0.0", "22.22.0"));
        assert!(m("^22.0.0", "22.22.0"));
        assert!(!m("^20.0.0", "22.22.0"));
        assert!(m("14.x || 16.x || >=18", "22.22.0"));
        assert!(!m("14.x || 16.x", "22.22.0"));
        assert!(m("~22.22", "22.22.0"));
        assert!(!m("~22.21", "22.22.0"));
        assert!(m("*", "22.22.0"));
        assert!(m("", "22.22.0"));
        assert!(m("16 - 22", "22.22.0"));
        assert!(!m("16 - 20", "22.22.0"));
        assert!(!m("<=20", "22.22.0"));
        assert!(m("<=22", "22.22.0"));
        assert!(m(">6.14.2", "22.22.0"));
        assert!(!m("=16.0.0", "22.22.0"));
        assert!(Range::parse(">=banana").is_none());
    }

    #[test]
    fn a_major_alone_matches_any_of_its_versions() {
        let t = Interpreter {
            version: (24, 0),
            package: "nodejs24".into(),
            channel: crate::knowledge::Channel::Base,
            default: false,
            full_version: String::new(),
            abi: Some(137),
        };
        assert!(satisfied(&Range::parse(">=24.5").unwrap(), &t));
        assert!(satisfied(&Range::parse("^24.1.2").unwrap(), &t));
        assert!(!satisfied(&Range::parse("<24").unwrap(), &t));
        assert!(!satisfied(&Range::parse("^22").unwrap(), &t));
    }
}
