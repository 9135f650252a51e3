//! The fleet side: runs compared ([`diff`]), and later facts collected on hosts and judged
//! elsewhere, and many hosts in one store.

pub mod diff;
pub mod store;
