//! The fleet side: runs compared ([`diff`] of two reports, [`compare`] of two fleet runs), and
//! many hosts in one store ([`store`]).

pub mod compare;
pub mod diff;
pub mod store;
