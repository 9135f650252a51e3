//! RPM dependency expressions: plain (`name`, `name >= 1.2`) and rich/boolean dependencies
//! (`(a or b)`, `(a if b else c)`, nested), parsed and evaluated against what the target
//! provides. Semantics follow rpm's documentation of boolean dependencies for Requires.

/// A version comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmp {
    Lt,
    Le,
    Eq,
    Ge,
    Gt,
}

impl Cmp {
    pub fn parse(s: &str) -> Option<Cmp> {
        Some(match s {
            "<" => Cmp::Lt,
            "<=" | "=<" => Cmp::Le,
            "=" | "==" => Cmp::Eq,
            ">=" | "=>" => Cmp::Ge,
            ">" => Cmp::Gt,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Cmp::Lt => "<",
            Cmp::Le => "<=",
            Cmp::Eq => "=",
            Cmp::Ge => ">=",
            Cmp::Gt => ">",
        }
    }
    /// Whether `ord` (provided version compared with the required one) satisfies the operator.
    pub fn accepts(self, ord: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::*;
        match self {
            Cmp::Lt => ord == Less,
            Cmp::Le => ord != Greater,
            Cmp::Eq => ord == Equal,
            Cmp::Ge => ord != Less,
            Cmp::Gt => ord == Greater,
        }
    }
}

/// One capability with an optional version constraint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Simple {
    pub name: String,
    pub constraint: Option<(Cmp, String)>,
}

impl std::fmt::Display for Simple {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.constraint {
            Some((c, v)) => write!(f, "{} {} {v}", self.name, c.as_str()),
            None => f.write_str(&self.name),
        }
    }
}

/// A dependency expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Dep {
    Simple(Simple),
    And(Vec<Dep>),
    Or(Vec<Dep>),
    /// `then if cond [else otherwise]`
    If(Box<Dep>, Box<Dep>, Option<Box<Dep>>),
    /// `then unless cond [else otherwise]`
    Unless(Box<Dep>, Box<Dep>, Option<Box<Dep>>),
    /// `a with b` (one package provides both; approximated by both being provided).
    With(Vec<Dep>),
    /// `a without b` (approximated by `a`).
    Without(Box<Dep>, Box<Dep>),
}

/// Parse a dependency as rpm stores it: the name (which, for a rich dependency, holds the
/// whole parenthesised expression) and, for a plain one, the operator and version.
pub fn parse(name: &str, constraint: Option<(Cmp, String)>) -> Result<Dep, String> {
    let t = name.trim();
    if t.starts_with('(') {
        let tokens = tokenize(t)?;
        let mut p = Parser { t: &tokens, i: 0 };
        let d = p.rich()?;
        if p.i != tokens.len() {
            return Err(format!("trailing text in rich dependency `{t}`"));
        }
        Ok(d)
    } else {
        Ok(Dep::Simple(Simple {
            name: t.to_string(),
            constraint,
        }))
    }
}

fn tokenize(s: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for ch in s.chars() {
        match ch {
            '(' | ')' => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                out.push(ch.to_string());
            }
            c if c.is_whitespace() => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    if out.len() > 10_000 {
        return Err("rich dependency too long".into());
    }
    Ok(out)
}

struct Parser<'a> {
    t: &'a [String],
    i: usize,
}

const OPS: &[&str] = &["and", "or", "if", "unless", "else", "with", "without"];

impl Parser<'_> {
    fn peek(&self) -> Option<&str> {
        self.t.get(self.i).map(String::as_str)
    }
    fn next(&mut self) -> Option<&str> {
        let v = self.t.get(self.i).map(String::as_str);
        self.i += 1;
        v
    }

    /// `( expr )`
    fn rich(&mut self) -> Result<Dep, String> {
        if self.next() != Some("(") {
            return Err("expected `(`".into());
        }
        let first = self.term()?;
        let d = match self.peek() {
            Some(")") => first,
            Some(op @ ("and" | "or" | "with")) => {
                let op = op.to_string();
                let mut items = vec![first];
                while self.peek() == Some(op.as_str()) {
                    self.i += 1;
                    items.push(self.term()?);
                }
                match op.as_str() {
                    "and" => Dep::And(items),
                    "or" => Dep::Or(items),
                    _ => Dep::With(items),
                }
            }
            Some(op @ ("if" | "unless")) => {
                let is_if = op == "if";
                self.i += 1;
                let cond = self.term()?;
                let otherwise = if self.peek() == Some("else") {
                    self.i += 1;
                    Some(Box::new(self.term()?))
                } else {
                    None
                };
                if is_if {
                    Dep::If(Box::new(first), Box::new(cond), otherwise)
                } else {
                    Dep::Unless(Box::new(first), Box::new(cond), otherwise)
                }
            }
            Some("without") => {
                self.i += 1;
                Dep::Without(Box::new(first), Box::new(self.term()?))
            }
            other => {
                return Err(format!(
                    "unexpected `{}` in rich dependency",
                    other.unwrap_or("end")
                ));
            }
        };
        if self.next() != Some(")") {
            return Err("expected `)` (operators of different kinds need parentheses)".into());
        }
        Ok(d)
    }

    /// A nested expression or `name [op version]`.
    fn term(&mut self) -> Result<Dep, String> {
        match self.peek() {
            Some("(") => self.rich(),
            Some(")") | None => Err("missing operand in rich dependency".into()),
            Some(w) if OPS.contains(&w) => Err(format!("missing operand before `{w}`")),
            Some(_) => {
                let name = self.next().unwrap_or_default().to_string();
                let constraint = match self.peek().and_then(Cmp::parse) {
                    Some(c) => {
                        self.i += 1;
                        let v = self.next().ok_or("missing version after operator")?;
                        if v == ")" {
                            return Err("missing version after operator".into());
                        }
                        Some((c, v.to_string()))
                    }
                    None => None,
                };
                Ok(Dep::Simple(Simple { name, constraint }))
            }
        }
    }
}

/// The outcome of evaluating a dependency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub satisfied: bool,
    /// Packages that satisfy the parts that were needed.
    pub by: Vec<String>,
    /// Simple capabilities that were needed and not provided.
    pub missing: Vec<String>,
}

/// Evaluate a dependency; `provides` answers for one simple capability with the packages that
/// provide it (empty when none).
pub fn evaluate(dep: &Dep, provides: &mut dyn FnMut(&Simple) -> Vec<String>) -> Outcome {
    match dep {
        Dep::Simple(s) => {
            let by = provides(s);
            Outcome {
                satisfied: !by.is_empty(),
                missing: if by.is_empty() {
                    vec![s.to_string()]
                } else {
                    Vec::new()
                },
                by,
            }
        }
        Dep::And(items) | Dep::With(items) => {
            let mut o = Outcome {
                satisfied: true,
                by: Vec::new(),
                missing: Vec::new(),
            };
            for d in items {
                let r = evaluate(d, provides);
                o.satisfied &= r.satisfied;
                o.by.extend(r.by);
                o.missing.extend(r.missing);
            }
            o
        }
        Dep::Or(items) => {
            let mut missing = Vec::new();
            for d in items {
                let r = evaluate(d, provides);
                if r.satisfied {
                    return r;
                }
                missing.extend(r.missing);
            }
            Outcome {
                satisfied: false,
                by: Vec::new(),
                missing: vec![missing.join(" or ")],
            }
        }
        // `A if C else B` takes A when C holds; `A unless C else B` when it does not. Without
        // an else branch the other case is satisfied.
        Dep::If(then, cond, otherwise) | Dep::Unless(then, cond, otherwise) => {
            let wants = matches!(dep, Dep::If(..));
            if evaluate(cond, provides).satisfied == wants {
                evaluate(then, provides)
            } else if let Some(e) = otherwise {
                evaluate(e, provides)
            } else {
                Outcome {
                    satisfied: true,
                    by: Vec::new(),
                    missing: Vec::new(),
                }
            }
        }
        Dep::Without(a, _) => evaluate(a, provides),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oracle(have: &'static [&'static str]) -> impl FnMut(&Simple) -> Vec<String> {
        move |s: &Simple| {
            if have.contains(&s.name.as_str()) {
                vec![format!("pkg-{}", s.name)]
            } else {
                Vec::new()
            }
        }
    }

    #[test]
    fn plain_and_versioned() {
        let d = parse("bash", None).unwrap();
        assert!(evaluate(&d, &mut oracle(&["bash"])).satisfied);
        let d = parse("foo", Some((Cmp::Ge, "1.2".into()))).unwrap();
        let o = evaluate(&d, &mut oracle(&[]));
        assert!(!o.satisfied);
        assert_eq!(o.missing, vec!["foo >= 1.2"]);
    }

    #[test]
    fn rich_operators() {
        let have = &["a", "c"];
        let check = |s: &str| evaluate(&parse(s, None).unwrap(), &mut oracle(have)).satisfied;
        assert!(check("(a or b)"));
        assert!(!check("(a and b)"));
        assert!(check("(b if d)"), "condition false: nothing needed");
        assert!(!check("(b if a)"));
        assert!(check("(b if d else c)"));
        assert!(check("(b unless a)"));
        assert!(!check("(b unless d)"));
        assert!(check("((b or c) and a)"));
        assert!(check("(a >= 1.0 or b)"));
        assert!(check("(a with c)"));
        assert!(check("(a without b)"));
        let o = evaluate(&parse("(b or d)", None).unwrap(), &mut oracle(have));
        assert_eq!(o.missing, vec!["b or d"]);
    }

    #[test]
    fn malformed_rich_dependencies_are_errors() {
        for s in [
            "(a or",
            "(a or b and c)",
            "()",
            "(or a)",
            "(a >= )",
            "(a b)",
        ] {
            assert!(parse(s, None).is_err(), "{s} should not parse");
        }
    }
}
