//! `schema --apply`: the reference schema and the bookkeeping tables.
//!
//! Input: rendered reference DDL and a connection URL. Output: the schema in
//! the database. Invariant: one transaction under a lock, so the database has
//! either all of it or none of it, and concurrent runs do not collide.

use super::bookkeeping::BOOKKEEPING_SQL;
use super::error::DbError;
use super::lock;

/// Applies a target's DDL and demoforge's bookkeeping tables in one
/// transaction, then checks the target's mapping against the tables it now
/// has: a mapping that does not fit rolls everything back, with its
/// problems at the mapping's lines.
pub fn apply_schema(
    url: &str,
    reference_ddl: &str,
    mapping: &crate::target::Mapping,
) -> Result<(), DbError> {
    let (mut client, _server) = super::connect::connect(url)?;
    let mut tx = client
        .transaction()
        .map_err(|e| DbError::from_pg("starting the schema transaction", e))?;
    lock::lock_schema(&mut tx)?;
    tx.batch_execute(reference_ddl)
        .map_err(|e| DbError::from_pg("applying the reference schema", e))?;
    tx.batch_execute(BOOKKEEPING_SQL)
        .map_err(|e| DbError::from_pg("applying the bookkeeping schema", e))?;
    super::mapped::check_mapping(&mut tx, mapping)?;
    tx.commit()
        .map_err(|e| DbError::from_pg("committing the schema", e))
}
