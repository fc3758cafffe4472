//! The deterministic ledger: turns a [`crate::model::Scenario`] into documents
//! and journal entries.
//!
//! Input: a validated scenario. Output: records in a stable order.
//! Invariant: every random choice comes from a ChaCha stream keyed by the seed and
//! the entity, so months up to any date never depend on later months.
