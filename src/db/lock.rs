//! Locks: advisory locks that serialise work on one company, and row locks
//! that keep the application's writes from breaking a reset.
//!
//! Input: an open transaction and company ids. Output: the locks, held until
//! the transaction ends. Invariants: advisory locks are taken in sorted order,
//! so two runs over overlapping companies cannot deadlock; a second reset
//! waits for the first to commit and then runs on its result.
//!
//! Row locks ([`freeze_tenant`]): right after the advisory lock and the
//! guard, a reset or load takes `FOR UPDATE` on every row of the companies in
//! every tenant table, parents first in the catalog's foreign-key order (the
//! company rows themselves first), and only then stages, compares and writes.
//! PostgreSQL semantics this relies on (READ COMMITTED):
//!
//! - an application UPDATE or DELETE of a tenant row needs a row lock that
//!   conflicts with `FOR UPDATE`, so it waits for the reset's commit and then
//!   applies to the row as the reset left it (or finds it gone);
//! - an application INSERT into a tenant table takes `FOR KEY SHARE` on the
//!   parent rows in its foreign-key check (every top-level table references
//!   `core.companies`), which also conflicts, so it waits too, and afterwards
//!   goes through if the parent still exists or fails its foreign-key check
//!   (the write is discarded) if the reset replaced it;
//! - a write already in flight holds its locks until it commits: the reset's
//!   `FOR UPDATE` waits for it, and because parents are locked before
//!   children, a child row it inserted is committed before the child table is
//!   locked, so the next statement (a fresh snapshot) sees and locks it.
//!
//! So nothing the application commits can change the tenant between the
//! reset's comparison and its commit. Rows of a table with `company_id` but
//! no foreign key to a tenant row are the exception: inserts there take no
//! lock the reset holds. An application transaction that locks tenant rows
//! in another order can deadlock with the freeze; PostgreSQL aborts one of
//! the two and the reset retries (`replace::with_retries`).

use uuid::Uuid;

use super::catalog::TenantTable;
use super::copy::{quote, quote_qualified};
use super::error::DbError;

/// The key space is shared with the application, so the key is prefixed.
const LOCK_SQL: &str =
    "SELECT pg_advisory_xact_lock(hashtextextended('demoforge:' || $1::text, 0))";

pub fn lock_companies(tx: &mut postgres::Transaction<'_>, ids: &[Uuid]) -> Result<(), DbError> {
    let mut sorted = ids.to_vec();
    sorted.sort();
    sorted.dedup();
    for id in sorted {
        tx.execute(LOCK_SQL, &[&id.to_string()])
            .map_err(|e| DbError::from_pg("waiting for the company's advisory lock", e))?;
    }
    Ok(())
}

/// Serialises concurrent `schema --apply` runs: `CREATE … IF NOT EXISTS` is
/// not safe against itself under concurrency.
pub fn lock_schema(tx: &mut postgres::Transaction<'_>) -> Result<(), DbError> {
    tx.execute(LOCK_SQL, &[&"schema"])
        .map_err(|e| DbError::from_pg("waiting for the schema lock", e))?;
    Ok(())
}

/// Locks `FOR UPDATE` every row of the companies in every tenant table,
/// parents first (`tenant` is in foreign-key order); see the module docs.
pub fn freeze_tenant(
    tx: &mut postgres::Transaction<'_>,
    tenant: &[TenantTable],
    ids: &[Uuid],
) -> Result<u64, DbError> {
    let mut locked = 0;
    for table in tenant {
        let filter = format!("l.{} = ANY($1)", quote(table.company_column));
        locked += lock_rows(tx, &quote_qualified(&table.name), &filter, ids)?;
    }
    Ok(locked)
}

/// Locks `FOR UPDATE` the rows of `table` (aliased `l`) matching `filter`,
/// where `$1` is the company ids. Rows are counted, not fetched.
pub fn lock_rows(
    tx: &mut postgres::Transaction<'_>,
    table: &str,
    filter: &str,
    ids: &[Uuid],
) -> Result<u64, DbError> {
    let sql = format!(
        "SELECT count(*) FROM (SELECT 1 FROM {table} l WHERE {filter} FOR UPDATE OF l) locked"
    );
    let count: i64 = tx
        .query_one(sql.as_str(), &[&ids])
        .map_err(|e| DbError::from_pg(&format!("locking the tenant's rows of {table}"), e))?
        .get(0);
    Ok(u64::try_from(count).unwrap_or(0))
}
