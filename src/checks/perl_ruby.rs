//! Perl XS modules and Ruby native extensions against the target's Perl and Ruby
//! (docs/findings.md, `perl-*`, `ruby-*`).
//!
//! Both are ELF shared objects, judged as libraries by the ELF checks. What this adds is the
//! interpreter ABI they were built for, read from the directory they are installed in (Perl's
//! `.../perl5/5.36/auto/Foo/Foo.so`, `.../perl/5.36.0/auto/...`; Ruby's
//! `.../gems/3.1.0/extensions/...`, `.../ruby/3.1.0/x86_64-linux/...`) against the versions the
//! pack gives for the target's `perl` and `ruby` packages. A module in a directory without a
//! version is not judged here (its ABI is not visible).

use super::Context;
use super::interface::{Area, Check, Input, Meta, Needs, Sink};
use crate::findings::{Code, Finding};
use crate::knowledge::runtimes;

/// `5.36` or `5.36.0` as a path component -> (5, 36).
fn perl_dir_version(c: &str) -> Option<(u32, u32)> {
    let parts: Vec<&str> = c.split('.').collect();
    if !(2..=3).contains(&parts.len()) || parts[0] != "5" {
        return None;
    }
    if !parts
        .iter()
        .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    Some((5, parts[1].parse().ok()?))
}

/// The Perl version of an XS module's install directory: a version component before `/auto/`.
pub fn perl_abi(path: &str) -> Option<(u32, u32)> {
    if !path.ends_with(".so") {
        return None;
    }
    let (before, _) = path.split_once("/auto/")?;
    before.split('/').rev().find_map(perl_dir_version)
}

/// The Ruby ABI of an extension's install directory: an `X.Y.0` component below a `ruby` or
/// `gems` directory.
pub fn ruby_abi(path: &str) -> Option<(u32, u32)> {
    if !path.ends_with(".so") {
        return None;
    }
    let comps: Vec<&str> = path.split('/').collect();
    let start = comps.iter().position(|c| {
        *c == "ruby" || *c == "gems" || c.starts_with("site_ruby") || c.starts_with("vendor_ruby")
    })?;
    comps[start + 1..comps.len() - 1].iter().find_map(|c| {
        let p: Vec<&str> = c.split('.').collect();
        (p.len() == 3
            && p[2] == "0"
            && p.iter()
                .all(|x| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit())))
        .then(|| Some((p[0].parse().ok()?, p[1].parse().ok()?)))
        .flatten()
    })
}

/// The check: the interpreter ABI directories of Perl XS modules and Ruby extensions against the target's Perl and Ruby.
pub static CHECK: Check = Check {
    meta: Meta {
        id: "perl-ruby-workloads",
        summary: "the interpreter ABI directories of Perl XS modules and Ruby extensions against the target's Perl and Ruby",
        area: Area::Runtimes,
        needs: Needs::Workload,
        codes: &[Code::PerlXsAbiMismatch, Code::RubyExtensionAbiMismatch],
        reuses: &[],
        file: "src/checks/perl_ruby.rs",
    },
    run,
};

fn run(input: &Input, out: &mut Sink) {
    if let Input::Workload { ctx } = input {
        out.extend(check(ctx));
    }
}

/// Run the Perl and Ruby checks.
pub fn check(ctx: &Context) -> Vec<Finding> {
    let target = ctx.pack.name_version();
    let mut out = Vec::new();
    let perl = runtimes::default_interpreter(ctx.pack, "perl");
    let ruby = runtimes::default_interpreter(ctx.pack, "ruby");
    for o in ctx
        .inv
        .objects
        .iter()
        .filter(|o| o.carried_over() && o.elf().is_some())
    {
        if let (Some(built), Some(t)) = (perl_abi(&o.path), &perl)
            && built != t.version
        {
            out.push(
                Finding::new(Code::PerlXsAbiMismatch, &o.path)
                    .subject(format!("perl {}.{}", built.0, built.1))
                    .message(format!(
                        "Perl XS module installed for Perl {}.{}; {target} has Perl {}",
                        built.0,
                        built.1,
                        t.full_version
                    ))
                    .why("an XS module is built against one Perl major.minor; another Perl refuses it (\"loadable library and perl binaries are mismatched\") and does not search the old version's directory")
                    .fix(format!("install the module for the target's Perl: the {} perl-* package if there is one, else rebuild it with cpanm against perl-devel", ctx.pack.target.name))
                    .evidence("built_for", format!("{}.{}", built.0, built.1))
                    .evidence("target_perl", &t.full_version)
                    .evidence("package", &t.package),
            );
        }
        if let (Some(built), Some(t)) = (ruby_abi(&o.path), &ruby)
            && built != t.version
        {
            out.push(
                Finding::new(Code::RubyExtensionAbiMismatch, &o.path)
                    .subject(format!("ruby {}.{}.0", built.0, built.1))
                    .message(format!(
                        "Ruby native extension installed for Ruby {}.{}.0; {target} has Ruby {} (ABI {}.{}.0)",
                        built.0, built.1, t.full_version, t.version.0, t.version.1
                    ))
                    .why("a native extension links against one Ruby ABI (libruby.so.X.Y) and is installed in that ABI's directory, which another Ruby does not search")
                    .fix(format!("reinstall the gem on the target (`gem install` or `bundle install` with ruby-devel and gcc), or use the {} rubygem-* package", ctx.pack.target.name))
                    .evidence("built_for", format!("{}.{}.0", built.0, built.1))
                    .evidence("target_ruby", &t.full_version)
                    .evidence("package", &t.package),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perl_directories() {
        assert_eq!(
            perl_abi("/usr/local/lib/x86_64-linux-gnu/perl/5.36.0/auto/JSON/XS/XS.so"),
            Some((5, 36))
        );
        assert_eq!(
            perl_abi("/opt/app/lib/perl5/5.32/x86_64-linux-thread-multi/auto/DBI/DBI.so"),
            Some((5, 32))
        );
        assert_eq!(perl_abi("/usr/local/lib64/perl5/auto/DBI/DBI.so"), None);
        assert_eq!(perl_abi("/opt/x/5.36/lib/libfoo.so"), None);
    }

    #[test]
    fn ruby_directories() {
        assert_eq!(
            ruby_abi(
                "/usr/local/share/gems/gems/3.1.0/extensions/x86_64-linux/3.1.0/nokogiri-1.13.0/nokogiri/nokogiri.so"
            ),
            Some((3, 1))
        );
        assert_eq!(
            ruby_abi("/usr/local/lib64/ruby/site_ruby/3.0.0/x86_64-linux/foo.so"),
            Some((3, 0))
        );
        assert_eq!(ruby_abi("/opt/app/lib/1.2.0/libx.so"), None);
        assert_eq!(ruby_abi("/usr/lib64/ruby/vendor_ruby/foo.so"), None);
    }
}
