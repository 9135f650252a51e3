//! The pack's domain types: publish channels, confidences, packages, providers, version-node
//! lists and capabilities, as queries return them.

use serde::Serialize;
use std::collections::BTreeSet;

/// Publish channel of a binary package.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Channel {
    /// Supported (rpm-base).
    Base,
    /// Built but unsupported (rpm-sdk).
    Sdk,
    /// A subpackage of a base SRPM carved out to sdk.
    SdkException,
    /// Produced by a spec but in no publish list: not shipped.
    Unlisted,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Base => "base",
            Channel::Sdk => "sdk",
            Channel::SdkException => "sdk-exception",
            Channel::Unlisted => "unlisted",
        }
    }
    /// Whether packages of this channel can be installed from the Azure Linux repositories.
    pub fn shipped(self) -> bool {
        !matches!(self, Channel::Unlisted)
    }
    /// Whether packages of this channel are supported.
    pub fn supported(self) -> bool {
        matches!(self, Channel::Base)
    }
    /// Preference when several packages provide the same thing: base, then sdk-exception (built
    /// from a supported source), then sdk, then unlisted.
    pub fn preference(self) -> u8 {
        match self {
            Channel::Base => 0,
            Channel::SdkException => 1,
            Channel::Sdk => 2,
            Channel::Unlisted => 3,
        }
    }
    pub fn parse(s: &str) -> Option<Channel> {
        Some(match s {
            "base" => Channel::Base,
            "sdk" => Channel::Sdk,
            "sdk-exception" => Channel::SdkException,
            "unlisted" => Channel::Unlisted,
            _ => return None,
        })
    }
}

/// How much a derived fact can be trusted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
    pub fn parse(s: &str) -> Option<Confidence> {
        Some(match s {
            "low" => Confidence::Low,
            "medium" => Confidence::Medium,
            "high" => Confidence::High,
            _ => return None,
        })
    }
}

/// A binary package of the target distribution.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Package {
    pub name: &'static str,
    pub epoch: u32,
    /// Empty when unknown (package known only from a publish list).
    pub version: &'static str,
    pub release: &'static str,
    /// `x86_64`, `noarch`, `?` (unknown), or `x86_64(not-built-on-x86_64)`.
    pub arch: &'static str,
    pub channel: Channel,
    pub component: &'static str,
}

impl Package {
    /// `epoch:version-release`, with the epoch omitted when it is 0.
    pub fn evr(&self) -> String {
        if self.epoch == 0 {
            format!("{}-{}", self.version, self.release)
        } else {
            format!("{}:{}-{}", self.epoch, self.version, self.release)
        }
    }
}

/// A package that provides a soname or a path, with how that was derived.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Provider {
    pub package: &'static str,
    /// How the fact was derived (e.g. `spec-files`, `debian-same-version`, `files-glob`).
    pub method: &'static str,
    pub confidence: Confidence,
    /// True when the fact rests on a glob (`libfoo.so.*`) rather than a concrete name.
    pub glob: bool,
}

/// The version nodes a library defines on the target.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VersionNodes {
    pub nodes: BTreeSet<String>,
    /// Where the list comes from (e.g. `glibc-2.42 abilist`).
    pub source: String,
}

/// An RPM capability (explicit `Provides:`, `Obsoletes:`, python module or dist) of a package.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Capability {
    pub package: &'static str,
    /// `explicit`, `obsoletes`, `python_module` or `python_dist`.
    pub kind: &'static str,
    /// Comparison (`=`, `<`, `>=` ...) and version; empty when unversioned.
    pub op: &'static str,
    pub version: &'static str,
}
