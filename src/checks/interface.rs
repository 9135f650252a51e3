//! The one shape of a check, [`Check`]: a declaration ([`Meta`]: id, area, the inventory it
//! needs, the codes it emits) and `run(input, sink)`. Findings (and, for unit checks, the edits that fix
//! them) go to the [`Sink`]; what else a check hands to the report goes through the sink's one
//! typed channel, [`Output`]. The [`registry`](super::registry) lists every check; the engine
//! runs them by what they need.

use super::units::{Proposal, UnitCtx, UnitOutcome};
use super::{Context, Judged, Verdict};
use crate::findings::{Code, Finding};
use crate::inventory::ObjectId;
use crate::inventory::systemd::Unit;
use std::collections::{BTreeSet, HashMap};

/// The part of a workload a finding concerns; each check declares its own, and a code's area
/// is the area of the check that emits it ([`super::registry::area_of`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Area {
    /// ELF executables and libraries.
    Binaries,
    /// `#!` scripts.
    Scripts,
    /// Installed packages.
    Packages,
    /// systemd units, init scripts and the systemd host configuration.
    Units,
    /// Host configuration: crypto, security modules, package sources, services, networking.
    Host,
    /// Language runtimes: Python, Node.js, Perl, Ruby and Java workloads against the target's
    /// interpreters, and builds for other platforms.
    Runtimes,
    /// Anything else.
    Other,
}

impl Area {
    pub const ALL: [Area; 7] = [
        Area::Binaries,
        Area::Scripts,
        Area::Packages,
        Area::Units,
        Area::Host,
        Area::Runtimes,
        Area::Other,
    ];

    /// The area of the check that emits `code` (`Other` for a code no check declares).
    pub fn of(code: Code) -> Area {
        super::registry::area_of(code)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Area::Binaries => "binaries",
            Area::Scripts => "scripts",
            Area::Packages => "packages",
            Area::Units => "units",
            Area::Host => "host",
            Area::Runtimes => "runtimes",
            Area::Other => "other",
        }
    }
}

/// What a check needs from the inventory: the engine calls it once per such input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Needs {
    /// Once, with every judged carried-over ELF object ([`Input::ElfObjects`]).
    ElfObjects,
    /// Once per loader closure (a root and the libraries it loads; [`Input::Closure`]).
    LoaderClosure,
    /// Once, with the dependency breaks verdict folding found ([`Input::Attributions`]).
    Attributions,
    /// Once per carried-over `#!` script, after the ELF objects are judged ([`Input::Script`]).
    Script,
    /// Once, with the installed packages and `.rpm` files ([`Input::Packages`]).
    Packages,
    /// Once per unit that is not masked ([`Input::Unit`]).
    Unit,
    /// Once per unit, masked or not ([`Input::Unit`]).
    EveryUnit,
    /// Once per scan, with every unit and the whole tree ([`Input::Units`]).
    Units,
    /// Once per scan, with the host's configuration files ([`Input::Host`]).
    Host,
    /// Once per scanned container image, with its config ([`Input::Image`]).
    Image,
    /// Once per scan, with the context: the language runtimes' inventories and the builds for
    /// other platforms ([`Input::Workload`]).
    Workload,
    /// Once per Containerfile given with `--containerfile` ([`Input::Containerfile`]).
    Containerfile,
}

/// A check's declaration: the registry, `explain` and the readiness areas read it.
#[derive(Debug)]
pub struct Meta {
    /// Stable kebab-case id.
    pub id: &'static str,
    /// What it checks, in one line.
    pub summary: &'static str,
    pub area: Area,
    pub needs: Needs,
    /// The codes it emits (each code is emitted by exactly one check).
    pub codes: &'static [Code],
    /// Codes of other checks it reports too, through their builders (a cgroup v1 line in a
    /// SysV script is the legacy check's finding).
    pub reuses: &'static [Code],
    /// The source file, for `explain` and docs.
    pub file: &'static str,
}

/// What a check is given (see [`Needs`]).
pub(crate) enum Input<'a> {
    ElfObjects {
        ctx: &'a Context<'a>,
        ids: &'a [ObjectId],
    },
    Closure {
        ctx: &'a Context<'a>,
        closure: &'a crate::engine::loader::Closure,
    },
    Attributions {
        ctx: &'a Context<'a>,
        attributions: &'a [crate::engine::verdict::Attribution],
    },
    Script {
        ctx: &'a Context<'a>,
        id: ObjectId,
        judged: &'a HashMap<ObjectId, Judged>,
    },
    Packages {
        ctx: &'a Context<'a>,
        input: &'a super::packages::Input<'a>,
    },
    Unit {
        uc: &'a UnitCtx<'a>,
        unit: &'a Unit,
    },
    Units {
        uc: &'a UnitCtx<'a>,
    },
    Host {
        host: &'a super::host_ctx::HostCtx<'a>,
    },
    Image {
        ctx: &'a Context<'a>,
        source: &'a dyn crate::source::Source,
        judged: &'a [Judged],
        own: &'a crate::inventory::ownership::Ownership,
        config: &'a crate::source::image::RunConfig,
    },
    Workload {
        ctx: &'a Context<'a>,
    },
    Containerfile {
        pack: &'a crate::knowledge::Pack,
        path: &'a str,
        text: &'a str,
    },
}

impl Input<'_> {
    /// The kind of input, to match against [`Meta::needs`].
    pub fn kind(&self) -> Needs {
        match self {
            Input::ElfObjects { .. } => Needs::ElfObjects,
            Input::Closure { .. } => Needs::LoaderClosure,
            Input::Attributions { .. } => Needs::Attributions,
            Input::Script { .. } => Needs::Script,
            Input::Packages { .. } => Needs::Packages,
            Input::Unit { unit, .. } if unit.masked => Needs::EveryUnit,
            Input::Unit { .. } => Needs::Unit,
            Input::Units { .. } => Needs::Units,
            Input::Host { .. } => Needs::Host,
            Input::Image { .. } => Needs::Image,
            Input::Workload { .. } => Needs::Workload,
            Input::Containerfile { .. } => Needs::Containerfile,
        }
    }

    /// Whether a check that needs `needs` runs on this input.
    pub fn serves(&self, needs: Needs) -> bool {
        let kind = self.kind();
        kind == needs || (kind == Needs::Unit && needs == Needs::EveryUnit)
    }
}

/// One check: its declaration and its run. Each check file has one (`pub(crate) static
/// CHECK: Check`) and the registry lists it.
pub struct Check {
    pub meta: Meta,
    /// Look at `input` (of the kind [`Meta::needs`] says) and report to `out`.
    pub(crate) run: fn(&Input, &mut Sink),
}

/// What a check hands over besides findings, one variant per kind of result the engine and
/// the report use.
pub(crate) enum Output {
    /// Azure Linux packages the judged object needs (a script's interpreter, a unit's
    /// programs).
    Packages(BTreeSet<String>),
    /// The worst verdict of the carried-over programs a unit starts.
    Programs(Verdict),
    /// The carried-over interpreter a script runs through.
    Interpreter(ObjectId),
    /// One row per installed package.
    PackageReports(Vec<super::packages::PackageReport>),
    /// Azure Linux packages that packages' requirements pull in.
    Install(BTreeSet<String>),
    /// A unit the check found outside the unit files (a SysV script, rc.local), with its own
    /// findings.
    UnitRow(super::units_sysv::ScriptRow, UnitOutcome),
    /// A configuration file generated for the target (`--write-fixes` writes it).
    Generated(crate::report::model::GeneratedFile),
}

/// Where a check reports: findings (as proposals, which unit checks give edits), and outputs.
pub(crate) struct Sink {
    meta: &'static Meta,
    pub proposals: Vec<Proposal>,
    pub outputs: Vec<Output>,
}

impl Sink {
    pub fn new(meta: &'static Meta) -> Self {
        Sink {
            meta,
            proposals: Vec::new(),
            outputs: Vec::new(),
        }
    }

    /// Report a finding.
    pub fn push(&mut self, f: Finding) {
        self.propose(Proposal::new(f));
    }

    /// Report findings with the edits that fix them.
    pub fn propose_all(&mut self, ps: impl IntoIterator<Item = Proposal>) {
        for p in ps {
            self.propose(p);
        }
    }

    /// Report findings.
    pub fn extend(&mut self, fs: impl IntoIterator<Item = Finding>) {
        for f in fs {
            self.push(f);
        }
    }

    /// Report a finding with the edits that fix it.
    pub fn propose(&mut self, p: Proposal) {
        debug_assert!(
            self.meta.codes.contains(&p.finding.code) || self.meta.reuses.contains(&p.finding.code),
            "check {} emits {} without declaring it",
            self.meta.id,
            p.finding.code
        );
        self.proposals.push(p);
    }

    /// Hand over a result other than a finding.
    pub fn output(&mut self, o: Output) {
        if let Output::UnitRow(_, out) = &o {
            for p in &out.proposals {
                debug_assert!(
                    self.meta.codes.contains(&p.finding.code)
                        || self.meta.reuses.contains(&p.finding.code),
                    "check {} emits {} without declaring it",
                    self.meta.id,
                    p.finding.code
                );
            }
        }
        self.outputs.push(o);
    }

    /// The findings and the other outputs.
    pub fn into_parts(self) -> (Vec<Finding>, Vec<Output>) {
        let findings = self.proposals.into_iter().map(|p| p.finding).collect();
        (findings, self.outputs)
    }

    /// The findings, without their edits.
    pub fn findings(self) -> Vec<Finding> {
        self.proposals.into_iter().map(|p| p.finding).collect()
    }
}
