//! The audit row written by every load and reset, and the load bookkeeping.
//!
//! Input: the transaction and what the run did. Output: one new row in
//! `demoforge.audit_log` and the company's row in `demoforge.loads`.
//! Invariant: written in the same transaction as the tenant data, so an audit
//! row exists exactly when its load or reset committed.

use uuid::Uuid;

use super::error::DbError;
use super::snapshot::TesterChanges;

pub struct AuditEntry<'a> {
    pub action: &'a str,
    pub operator: &'a str,
    pub scenario: &'a str,
    pub company_ids: &'a [Uuid],
    pub dump_sha256: &'a str,
    pub rows_deleted: u64,
    pub rows_loaded: u64,
    pub strategy: &'a str,
    pub credentials_issued: usize,
    pub credential_mode: &'a str,
    pub duration_ms: u64,
    /// `None` for a first load: there was no previous tenant to compare.
    pub tester_changes: Option<&'a TesterChanges>,
    /// A previous tenant was replaced without comparing it (a mapped target,
    /// whose ids change at every reset): the audit row says so instead of
    /// claiming there was no tenant.
    pub replaced_unsummarised: bool,
    /// The tenant's state afterwards, recorded in `demoforge.loads`.
    pub state: &'a str,
}

pub fn write(tx: &mut postgres::Transaction<'_>, entry: &AuditEntry<'_>) -> Result<i64, DbError> {
    let fail = |e| DbError::from_pg("writing the audit row", e);
    let changes = match entry.tester_changes {
        Some(c) => serde_json::json!({ "previous_tenant": true, "tables": c }),
        None if entry.replaced_unsummarised => {
            serde_json::json!({ "previous_tenant": true, "summarised": false, "tables": {} })
        }
        None => serde_json::json!({ "previous_tenant": false, "tables": {} }),
    };
    let as_i64 = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    let row = tx
        .query_one(
            "INSERT INTO demoforge.audit_log (action, operator, scenario, company_ids, \
               dump_sha256, rows_deleted, rows_loaded, credentials_issued, credential_mode, \
               duration_ms, tester_changes, demoforge_version, strategy) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
            &[
                &entry.action,
                &entry.operator,
                &entry.scenario,
                &entry.company_ids,
                &entry.dump_sha256,
                &as_i64(entry.rows_deleted),
                &as_i64(entry.rows_loaded),
                &i32::try_from(entry.credentials_issued).unwrap_or(i32::MAX),
                &entry.credential_mode,
                &as_i64(entry.duration_ms),
                &changes,
                &env!("CARGO_PKG_VERSION"),
                &entry.strategy,
            ],
        )
        .map_err(fail)?;
    for id in entry.company_ids {
        tx.execute(
            "INSERT INTO demoforge.loads (company_id, scenario, dump_sha256, rows_loaded, \
               credential_mode, loaded_at, demoforge_version, state) \
             VALUES ($1, $2, $3, $4, $5, now(), $6, $7) \
             ON CONFLICT (company_id) DO UPDATE SET scenario = EXCLUDED.scenario, \
               dump_sha256 = EXCLUDED.dump_sha256, rows_loaded = EXCLUDED.rows_loaded, \
               credential_mode = EXCLUDED.credential_mode, loaded_at = EXCLUDED.loaded_at, \
               demoforge_version = EXCLUDED.demoforge_version, state = EXCLUDED.state",
            &[
                id,
                &entry.scenario,
                &entry.dump_sha256,
                &as_i64(entry.rows_loaded),
                &entry.credential_mode,
                &env!("CARGO_PKG_VERSION"),
                &entry.state,
            ],
        )
        .map_err(fail)?;
    }
    Ok(row.get(0))
}
