//! Previews and summaries of the simulated books.
//!
//! Input: the simulated ledger. Output: plain data for tables, JSON and snapshots.
//! Invariant: pure; numbers come from the same ledger the dump is rendered from.
