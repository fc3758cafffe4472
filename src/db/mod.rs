//! Loading and resetting demo tenants in PostgreSQL.
//!
//! Input: rendered dumps and a connection. Output: database changes and audit rows.
//! Invariant: every write happens in one transaction scoped to the demo company.
