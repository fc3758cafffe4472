//! Rendering the simulated ledger into dump files through minijinja templates.
//!
//! Input: simulated records and templates. Output: bytes. Invariant: every value
//! reaches the dump through one escape function for COPY text format.
