//! Deleting a tenant while remembering its rows, and the tester-change summary.
//!
//! Input: the transaction, the dump's blocks and the company ids. Output: the
//! rows deleted per table and, after the snapshot is reloaded, the rows that
//! evaluators added, changed and removed per table compared to the snapshot.
//! Invariants: deletes are scoped by the company column, children first; a row
//! is identified by `id` (or by its whole content for tables without one) and
//! compared by md5 of the dump's columns, ignoring credential columns that
//! every reset rewrites.
//!
//! The summary is computed inside the same transaction: each DELETE returns
//! the key and hash of the rows it removes into a temp table, and after the
//! snapshot is reloaded the same hash is computed over the fresh rows. That
//! compares the tenant as testers left it with the snapshot without loading
//! the snapshot twice.

use std::collections::BTreeMap;

use uuid::Uuid;

use super::copy::{quote, quote_qualified};
use super::dump::{Block, Dump};
use super::error::DbError;
use super::tables::{self, CREDENTIAL_TABLE};

/// Per-table counts of what evaluators did since the snapshot was loaded.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct TableChanges {
    pub added: i64,
    pub changed: i64,
    pub removed: i64,
}

/// Only tables with changes are listed.
pub type TesterChanges = BTreeMap<String, TableChanges>;

/// What the delete step removed.
#[derive(Debug, Default)]
pub struct Deleted {
    pub rows: u64,
    /// Rows deleted from tables that the dump has no block for, so every one
    /// of them was added by evaluators.
    untracked: BTreeMap<&'static str, u64>,
}

/// How one table's rows are keyed and hashed for the comparison.
struct Fingerprint {
    key: String,
    hash: String,
}

fn fingerprint(block: &Block<'_>) -> Fingerprint {
    let columns: Vec<String> = block
        .columns
        .iter()
        .filter(|c| !tables::is_credential_column(block.table, c))
        .map(|c| quote(c))
        .collect();
    let hash = format!("md5(ROW({})::text)", columns.join(", "));
    let key = if block.column_index("id").is_some() {
        "id::text".to_owned()
    } else {
        hash.clone()
    };
    Fingerprint { key, hash }
}

fn temp_table(index: usize) -> String {
    format!("pg_temp.demoforge_before_{index}")
}

pub fn delete_tenant(
    tx: &mut postgres::Transaction<'_>,
    dump: &Dump<'_>,
    ids: &[Uuid],
) -> Result<Deleted, DbError> {
    let mut deleted = Deleted::default();
    for table in tables::delete_order() {
        let phase = format!("deleting the tenant's rows from {}", table.name);
        let filter = format!(
            "FROM {} WHERE {} = ANY($1)",
            quote_qualified(table.name),
            quote(table.company_column)
        );
        let count = match dump.block(table.name) {
            Some(block) => {
                let temp = temp_table(tables::position(table.name).unwrap_or(0));
                let fp = fingerprint(block);
                tx.batch_execute(&format!(
                    "CREATE TEMP TABLE {temp} (key text, hash text) ON COMMIT DROP"
                ))
                .map_err(|e| DbError::from_pg(&phase, e))?;
                let sql = format!(
                    "WITH d AS (DELETE {filter} RETURNING {} AS key, {} AS hash) \
                     INSERT INTO {temp} SELECT key, hash FROM d",
                    fp.key, fp.hash
                );
                tx.execute(&sql, &[&ids])
                    .map_err(|e| DbError::from_pg(&phase, e))?
            }
            None => {
                let n = tx
                    .execute(&format!("DELETE {filter}"), &[&ids])
                    .map_err(|e| DbError::from_pg(&phase, e))?;
                if n > 0 && table.name != CREDENTIAL_TABLE {
                    deleted.untracked.insert(table.name, n);
                }
                n
            }
        };
        deleted.rows += count;
    }
    Ok(deleted)
}

/// Compares the rows deleted by [`delete_tenant`] with the reloaded snapshot.
pub fn summarise(
    tx: &mut postgres::Transaction<'_>,
    dump: &Dump<'_>,
    ids: &[Uuid],
    deleted: &Deleted,
) -> Result<TesterChanges, DbError> {
    let mut changes = TesterChanges::new();
    for block in &dump.blocks {
        let company_column = tables::TENANT_TABLES
            .iter()
            .find(|t| t.name == block.table)
            .map(|t| t.company_column)
            .unwrap_or("company_id");
        let fp = fingerprint(block);
        let temp = temp_table(tables::position(block.table).unwrap_or(0));
        let sql = format!(
            "SELECT count(*) FILTER (WHERE n.key IS NULL), \
                    count(*) FILTER (WHERE o.key IS NOT NULL AND n.key IS NOT NULL AND o.hash <> n.hash), \
                    count(*) FILTER (WHERE o.key IS NULL) \
             FROM {temp} o FULL JOIN \
                  (SELECT {} AS key, {} AS hash FROM {} WHERE {} = ANY($1)) n ON o.key = n.key",
            fp.key,
            fp.hash,
            quote_qualified(block.table),
            quote(company_column)
        );
        let row = tx
            .query_one(&sql, &[&ids])
            .map_err(|e| DbError::from_pg("summarising what testers changed", e))?;
        let counts = TableChanges {
            added: row.get(0),
            changed: row.get(1),
            removed: row.get(2),
        };
        if counts != TableChanges::default() {
            changes.insert(block.table.to_owned(), counts);
        }
    }
    for (table, n) in &deleted.untracked {
        changes.insert(
            (*table).to_owned(),
            TableChanges {
                added: i64::try_from(*n).unwrap_or(i64::MAX),
                ..TableChanges::default()
            },
        );
    }
    Ok(changes)
}
