//! azl-compat: what will break when a workload moves to Azure Linux 4.0, why, and what to do.
//!
//! Data flows one way: [`source`] (what is scanned) -> [`inventory`] (ELF objects and scripts
//! found) -> [`checks`] (each compares the inventory with the [`knowledge`] pack and emits
//! [`findings`]) -> [`report`] (text, JSON). The CLI in `src/cli` is a thin layer over [`scan`].

pub mod checks;
pub mod engine;
pub mod facts;
pub mod findings;
pub mod fleet;
pub mod inventory;
pub mod knowledge;
pub mod report;
pub mod scan;
pub mod source;
