//! What the host-configuration checks (`host_*.rs`) see: the files of the tree
//! ([`HostFiles`]), the knowledge pack, the hand-kept host-configuration facts
//! (`knowledge::host_config`) and the time the scan judges expiry against.

use crate::findings::Finding;
use crate::inventory::hostconf::HostFiles;
use crate::knowledge::Pack;
use crate::knowledge::host_config::{self, Fact};

pub struct HostCtx<'a> {
    pub files: &'a HostFiles<'a>,
    /// The checks' context (program lookups shared with the unit and script checks).
    pub ctx: &'a super::Context<'a>,
    pub pack: &'a Pack,
    /// Now, in seconds since the epoch (certificate expiry is judged against it).
    pub now: i64,
}

impl<'a> HostCtx<'a> {
    pub fn new(files: &'a HostFiles<'a>, ctx: &'a super::Context<'a>) -> Self {
        let pack = ctx.pack;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        HostCtx {
            files,
            ctx,
            pack,
            now,
        }
    }

    /// Fill the target placeholders of a text from the pack's target facts (`{target}`,
    /// `{name}`, `{version}`, `{base}`, `{install}`, `{openssl}` ...: `TargetFacts::fill`).
    pub fn fill_text(&self, text: &str) -> String {
        self.pack.target.fill(text)
    }

    /// A finding whose message, why and fix have their placeholders filled.
    pub fn fill(&self, mut f: Finding) -> Finding {
        f.message = self.fill_text(&f.message);
        f.why = self.fill_text(&f.why);
        f.fix = self.fill_text(&f.fix);
        f
    }

    /// `name evr` of an Azure Linux package, when the pack has it.
    pub fn package_evr(&self, name: &str) -> Option<String> {
        self.pack
            .package(name)
            .map(|p| format!("{} {}", p.name, p.evr()))
    }
}

/// Give a finding the `why` of a fact row, with its provenance as evidence (`source`,
/// `confidence`, `fact`: the row's key and value).
pub trait WithFact {
    fn with_fact(self, fact: Option<&Fact>) -> Self;
}

impl WithFact for Finding {
    fn with_fact(self, fact: Option<&Fact>) -> Self {
        match fact {
            Some(f) => self
                .why(f.fact)
                .evidence("source", f.source)
                .evidence("confidence", f.confidence)
                .evidence("fact", format!("{} = {}", f.key, f.value)),
            // A table without the row is a defect the lint reports; say so rather than guess.
            None => self.evidence("confidence", "unknown"),
        }
    }
}

/// The fact row of a key (and value).
pub fn fact(key: &str) -> Option<&'static Fact> {
    host_config::fact(key)
}
pub fn fact_value(key: &str, value: &str) -> Option<&'static Fact> {
    host_config::fact_value(key, value)
}
