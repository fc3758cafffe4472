//! The safety check made inside the transaction before anything is deleted.
//!
//! Input: the transaction (holding the company locks) and the dump's company
//! ids. Output: whether any of them already exists. Invariant: a company that
//! exists and is not flagged `is_demo` stops everything with a refusal.

use uuid::Uuid;

use super::error::DbError;

pub fn check_companies(tx: &mut postgres::Transaction<'_>, ids: &[Uuid]) -> Result<bool, DbError> {
    let rows = tx
        .query(
            "SELECT id, is_demo FROM core.companies WHERE id = ANY($1) FOR UPDATE",
            &[&ids],
        )
        .map_err(|e| DbError::from_pg("checking the target companies", e))?;
    for row in &rows {
        let is_demo: bool = row.get(1);
        if !is_demo {
            let id: Uuid = row.get(0);
            return Err(DbError::Refused {
                message: format!(
                    "company {id} exists in the target database and is not flagged is_demo"
                ),
                help: "demoforge only replaces demo tenants; check --database-url and the dump's company id. Nothing was written.".to_owned(),
            });
        }
    }
    Ok(!rows.is_empty())
}
