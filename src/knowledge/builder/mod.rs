//! The knowledge builder, apart from the runtime pack (`super`): it makes packs and checks them.
//! `build` generates a pack from a target manifest (`manifest`) and the upstream-derived
//! knowledge sources; `repodata` imports one from dnf repository metadata; `lint` checks a pack.
//! The runtime (`crate::knowledge`) only loads and queries what these write; nothing here runs
//! during a scan.

pub mod build;
pub mod lint;
pub mod manifest;
pub mod repodata;
pub mod sha256;
