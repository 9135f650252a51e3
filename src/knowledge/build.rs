//! Generating a pack from knowledge sources (pending).
