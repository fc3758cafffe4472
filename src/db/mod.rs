//! Loading and resetting demo tenants in PostgreSQL.
//!
//! Input: rendered dumps and a connection. Output: database changes and audit rows.
//! Invariant: every write happens in one transaction scoped to the demo company.

mod bookkeeping;
mod connect;
pub mod dump;
mod error;
mod lock;
mod schema;
mod tables;
pub mod test_hook;

pub use bookkeeping::BOOKKEEPING_SQL;
pub use connect::connect;
pub use error::{DbError, EXIT_REFUSED};
pub use schema::apply_schema;
pub use tables::{TENANT_TABLES, TenantTable};
