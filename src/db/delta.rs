//! Applying a delta dump (travel, tick or overlay) on top of a loaded tenant.
//!
//! Input: the delta's bytes, a connection URL and the operator. Output: an
//! [`Outcome`] with strategy `delta`. Invariants: the delta is parsed and
//! checked before connecting (every row carries a company of its header);
//! then, in one transaction under the company's advisory lock, the companies
//! must exist, be demo companies and be recorded in `demoforge.loads` in the
//! delta's `applies-to` state, or nothing is written (exit code 4). The rows,
//! the new state (`results-in`) and the audit row commit together, so a delta
//! applied twice is refused by the same rule. Credentials are left as they are.

use std::time::Instant;

use sha2::{Digest, Sha256};

use super::audit::{self, AuditEntry};
use super::error::DbError;
use super::progress::Progress;
use super::replace::{Action, Outcome, Strategy};
use super::{catalog, copy, credentials, dump, guard, lock};

pub fn apply_delta(
    url: &str,
    bytes: &[u8],
    operator: &str,
    progress: &Progress,
) -> Result<Outcome, DbError> {
    let started = Instant::now();
    let dump = dump::parse(bytes)?;
    let Some(delta) = dump.delta.clone() else {
        return Err(DbError::Refused {
            message: "this is a base dump, not a delta".to_owned(),
            help: "load base dumps with `demoforge load` or `demoforge reset`".to_owned(),
        });
    };
    let dump_sha256 = credentials::hex(&Sha256::digest(bytes));
    let ids = dump.header.company_ids();
    let (mut client, server) = super::connect::connect(url)?;
    progress.phase("begin");
    let mut tx = client
        .transaction()
        .map_err(|e| DbError::from_pg("starting the transaction", e))?;
    progress.phase("locking");
    lock::lock_companies(&mut tx, &ids)?;
    if !guard::check_companies(&mut tx, &ids)? {
        return Err(not_in_state(&delta.applies_to, "the tenant does not exist"));
    }
    let credential_mode = check_state(&mut tx, &ids, &delta.applies_to)?;
    let tenant = catalog::tenant_tables(&mut tx)?;
    guard::check_tables(&dump, &tenant)?;

    progress.set_total(dump.total_rows());
    progress.phase("applying");
    let (mut deleted, mut written) = (0, 0);
    for block in &dump.blocks {
        let op = block.op.expect("delta blocks have an op");
        let phase = format!("applying the delta to {}", block.table);
        let (before, after) = crate::render::delta::statements(op, &block.table, &block.columns);
        for statement in &before {
            tx.batch_execute(statement)
                .map_err(|e| DbError::from_pg(&phase, e))?;
        }
        let temp = crate::render::delta::temp_table(op, &block.table);
        copy::copy_block_into(&mut tx, block, &temp, progress)?;
        if op == dump::Op::Upsert {
            check_foreign_ids(&mut tx, &block.table, &block.columns, &temp)?;
        }
        let changed = tx
            .execute(after[0].as_str(), &[])
            .map_err(|e| DbError::from_pg(&phase, e))?;
        for statement in &after[1..] {
            tx.batch_execute(statement)
                .map_err(|e| DbError::from_pg(&phase, e))?;
        }
        match op {
            dump::Op::Remove => deleted += changed,
            dump::Op::Upsert => written += changed,
        }
    }

    progress.phase("audit");
    let scenario = dump.header.scenario().to_owned();
    let duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let audit_id = audit::write(
        &mut tx,
        &AuditEntry {
            action: Action::Load.as_str(),
            operator,
            scenario: &scenario,
            company_ids: &ids,
            dump_sha256: &dump_sha256,
            rows_deleted: deleted,
            rows_loaded: written,
            strategy: Strategy::Delta.as_str(),
            credentials_issued: 0,
            credential_mode: &credential_mode,
            duration_ms,
            tester_changes: None,
            state: &delta.results_in,
        },
    )?;
    progress.phase("commit");
    tx.commit().map_err(|e| DbError::from_pg("committing", e))?;
    progress.finish();
    Ok(Outcome {
        action: Action::Load,
        dry_run: false,
        scenario,
        company_ids: ids,
        dump_sha256,
        rows_deleted: deleted,
        rows_loaded: written,
        strategy: Strategy::Delta,
        credentials_issued: 0,
        credential_mode,
        tester_changes: None,
        audit_id: Some(audit_id),
        files_written: Vec::new(),
        duration_ms,
        server,
    })
}

/// An upserted id that belongs to another company's row would be skipped by
/// the upsert's guard; refuse instead, so the tenant never ends up half-moved.
fn check_foreign_ids(
    tx: &mut postgres::Transaction<'_>,
    table: &str,
    columns: &[String],
    temp: &str,
) -> Result<(), DbError> {
    if table == super::tables::COMPANIES
        || columns.first().is_none_or(|c| c != "id")
        || !columns.iter().any(|c| c == "company_id")
    {
        return Ok(());
    }
    let sql = format!(
        "SELECT count(*) FROM {} t JOIN {temp} d ON t.id = d.id WHERE t.company_id <> d.company_id",
        copy::quote_qualified(table)
    );
    let clashes: i64 = tx
        .query_one(sql.as_str(), &[])
        .map_err(|e| DbError::from_pg("checking the delta's ids", e))?
        .get(0);
    if clashes > 0 {
        return Err(DbError::Refused {
            message: format!(
                "{clashes} row(s) of the delta for {table} have the id of another company's row"
            ),
            help: "the delta does not belong to this database; nothing was written".to_owned(),
        });
    }
    Ok(())
}

/// Every company must be recorded in `applies_to`; returns the credential
/// mode of the last load, which a delta keeps.
fn check_state(
    tx: &mut postgres::Transaction<'_>,
    ids: &[uuid::Uuid],
    applies_to: &str,
) -> Result<String, DbError> {
    let mut mode = String::new();
    for id in ids {
        let row = tx
            .query_opt(
                "SELECT state, credential_mode FROM demoforge.loads WHERE company_id = $1 FOR UPDATE",
                &[id],
            )
            .map_err(|e| DbError::from_pg("reading the tenant's state", e))?;
        let (state, credential_mode): (Option<String>, String) = match row {
            Some(row) => (row.get(0), row.get(1)),
            None => (None, String::new()),
        };
        if state.as_deref() != Some(applies_to) {
            let current = state.unwrap_or_else(|| "unknown".to_owned());
            return Err(not_in_state(
                applies_to,
                &format!("company {id} is in state {current}"),
            ));
        }
        mode = credential_mode;
    }
    Ok(mode)
}

fn not_in_state(applies_to: &str, why: &str) -> DbError {
    DbError::Refused {
        message: format!("the delta applies to state {applies_to}, but {why}"),
        help: "load or reset the base dump the delta was built from (generated/<scenario>/base-demo.sql), then apply the delta once. Nothing was written.".to_owned(),
    }
}
