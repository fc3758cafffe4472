//! Locks: advisory locks that serialise work on one company, and row locks
//! that keep the application's writes from breaking a reset.
//!
//! Input: an open transaction and company ids. Output: the locks, held until
//! the transaction ends. Invariants: advisory locks are taken in sorted order,
//! so two runs over overlapping companies cannot deadlock; a second reset
//! waits for the first to commit and then runs on its result.
//!
//! Row locks ([`lock_rows`], [`referenced_tables`]): before a reset deletes a
//! row that a foreign key can point at, it takes `FOR UPDATE` on it, parents
//! first. An application insert of a child row (an API token, a session)
//! takes `FOR KEY SHARE` on the parent in its foreign-key check, which
//! conflicts with `FOR UPDATE`: one already in flight makes the lock wait
//! until it commits (and the reset's later DELETE, with a fresh READ
//! COMMITTED snapshot, sees and deletes the child), and one that starts later
//! waits for the reset's commit, then fails its own foreign-key check if the
//! reset deleted the parent. So the reset's DELETE of the parent never meets
//! an unexpected child, and the application's write waits or is discarded.

use std::collections::BTreeSet;

use uuid::Uuid;

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

/// Tables that some foreign key references: the only ones whose rows a
/// concurrent child insert can pin.
pub fn referenced_tables(tx: &mut postgres::Transaction<'_>) -> Result<BTreeSet<String>, DbError> {
    const SQL: &str = "SELECT DISTINCT pn.nspname || '.' || pc.relname \
        FROM pg_constraint k JOIN pg_class pc ON pc.oid = k.confrelid \
        JOIN pg_namespace pn ON pn.oid = pc.relnamespace WHERE k.contype = 'f'";
    Ok(tx
        .query(SQL, &[])
        .map_err(|e| DbError::from_pg("reading foreign keys from the catalog", e))?
        .iter()
        .map(|r| r.get(0))
        .collect())
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
        .map_err(|e| DbError::from_pg(&format!("locking the rows of {table} it will delete"), e))?
        .get(0);
    Ok(u64::try_from(count).unwrap_or(0))
}
