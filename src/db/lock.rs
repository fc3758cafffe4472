//! Advisory locks that serialise work on one company.
//!
//! Input: an open transaction and company ids. Output: the locks, held until
//! the transaction ends. Invariant: locks are taken in sorted order, so two
//! runs over overlapping companies cannot deadlock; a second reset waits for
//! the first to commit and then runs on its result.

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
