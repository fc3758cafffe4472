//! Loading and resetting demo tenants in PostgreSQL.
//!
//! Input: rendered dumps and a connection. Output: database changes and audit rows.
//! Invariant: every write happens in one transaction scoped to the demo company.
//!
//! One concept per file: `dump` parses and checks, `copy` streams, `lock`,
//! `guard`, `snapshot` (staged snapshot + tester-change summary), `merge`, `credentials` (issue),
//! `credentials_store` (hashes into the database), `credentials_file`
//! (plaintext to 0600 files), `audit`, and `replace` ties them together.

mod audit;
mod bookkeeping;
mod catalog;
mod connect;
mod copy;
mod credentials;
mod credentials_file;
mod credentials_store;
mod delta;
pub mod dump;
mod error;
mod guard;
mod lock;
mod mapped;
mod merge;
pub mod mysql;
mod progress;
mod replace;
mod rotation;
mod schema;
mod snapshot;
mod tables;
pub mod test_hook;

pub use bookkeeping::BOOKKEEPING_SQL;
pub use catalog::{TenantTable, tenant_tables};
pub use connect::{Server, connect, os_user_name};
pub use credentials::{DEFAULT_BCRYPT_COST, Policy, Secret, Source};
pub use credentials_file::CredentialOutputs;
pub use delta::apply_delta;
pub use error::{DbError, EXIT_REFUSED};
pub use mapped::replace_mapped;
pub use progress::Progress;
pub use replace::{Action, Options, Outcome, Strategy, replace_tenant};
pub use rotation::{Rotation, today};
pub use schema::apply_schema;
pub use snapshot::{TableChanges, TesterChanges};
