//! demoforge: a declarative fixture compiler for demo tenants.
//!
//! The pipeline, one module per stage:
//! `spec` (YAML to raw types with spans) → `validate` (raw types to [`model`]) →
//! `simulate` (the deterministic ledger) → `render` (templates to dump bytes) →
//! `output` (write and check files). `catalog` declares every table once. `db` loads and resets tenants, `report`
//! previews the books, and `cli` wires the commands. Only `output` and `db` do I/O.

pub mod catalog;
pub mod cli;
pub mod db;
pub mod model;
pub mod output;
pub mod render;
pub mod report;
pub mod simulate;
pub mod spec;
pub mod target;
pub mod validate;
