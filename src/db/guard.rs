//! The safety checks made inside the transaction before anything is written.
//!
//! Input: the transaction (holding the company locks), the dump and the
//! target's tenant tables. Output: whether any of the dump's companies already
//! exists. Invariants: a company that exists and is not flagged `is_demo`
//! stops everything with a refusal, and so does a dump table that is not a
//! company-scoped table of the target, since its rows could not be scoped, and
//! so does a persona email that a user of another company already holds
//! (`core.users.email` is unique across tenants, because logins are looked up
//! by email before the tenant is known).

use uuid::Uuid;

use super::catalog::TenantTable;
use super::dump::Dump;
use super::error::DbError;

pub fn check_tables(dump: &Dump<'_>, tenant: &[TenantTable]) -> Result<(), DbError> {
    for block in &dump.blocks {
        if !tenant.iter().any(|t| t.name == block.table) {
            return Err(DbError::Refused {
                message: format!(
                    "the dump writes to {}, which is not a company-scoped table of the target database",
                    block.table
                ),
                help: "run `demoforge schema --apply` with the same demoforge version that built the dump. Nothing was written.".to_owned(),
            });
        }
    }
    Ok(())
}

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

/// Refuses when a persona's email belongs to a user of a company outside the
/// dump: loading it would fail on the unique email, or take that login over.
pub fn check_emails(
    tx: &mut postgres::Transaction<'_>,
    emails: &[String],
    ids: &[Uuid],
) -> Result<(), DbError> {
    let row = tx
        .query_opt(
            "SELECT email, company_id FROM core.users \
             WHERE email = ANY($1) AND company_id <> ALL($2) ORDER BY email LIMIT 1",
            &[&emails, &ids],
        )
        .map_err(|e| DbError::from_pg("checking the personas' emails", e))?;
    let Some(row) = row else {
        return Ok(());
    };
    let email: String = row.get(0);
    let holder: Uuid = row.get(1);
    Err(DbError::Refused {
        message: format!(
            "persona email {email} is already used by a user of another company ({holder})"
        ),
        help: "emails are unique across tenants: give the persona another email in the spec (e.g. on the scenario's own demo domain), or remove that user from the other company. Nothing was written.".to_owned(),
    })
}
