//! The snapshot staged next to the live tenant, and what testers changed.
//!
//! Input: the transaction, the dump's blocks and the company ids. Output: one
//! temp table per block holding the snapshot rows ([`Snapshot`]), and per
//! table the rows evaluators added, changed and removed compared to it
//! ([`TesterChanges`]). Invariants: temp tables have the live table's column
//! types (`LIKE`), so a row's text is the same on both sides; a row is
//! identified by `id` (by its whole content where there is no `id`) and
//! compared by md5 of the dump's columns, ignoring credential columns that
//! every reset rewrites. Nothing outside `pg_temp` is written here, so the
//! summary is taken before anything is deleted.

use std::collections::BTreeMap;

use uuid::Uuid;

use super::catalog::TenantTable;
use super::copy::{self, quote, quote_qualified};
use super::dump::Block;
use super::error::DbError;
use super::progress::Progress;
use super::tables;

/// Per-table counts of what evaluators did since the snapshot was loaded.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct TableChanges {
    pub added: i64,
    pub changed: i64,
    pub removed: i64,
}

/// Only tables with changes are listed.
pub type TesterChanges = BTreeMap<String, TableChanges>;

/// One staged table: where the snapshot rows are and how rows compare.
pub struct Staged {
    pub table: String,
    pub company_column: &'static str,
    pub temp: String,
    /// The dump's columns without credential columns, quoted.
    pub columns: Vec<String>,
    pub has_id: bool,
}

impl Staged {
    /// md5 of the row's compared columns, for a row alias.
    pub fn hash(&self, alias: &str) -> String {
        let cols: Vec<String> = self
            .columns
            .iter()
            .map(|c| format!("{alias}.{c}"))
            .collect();
        format!("md5(ROW({})::text)", cols.join(", "))
    }

    /// The row's identity: `id`, else its content.
    pub fn key(&self, alias: &str) -> String {
        if self.has_id {
            format!("{alias}.id")
        } else {
            self.hash(alias)
        }
    }

    pub fn live(&self) -> String {
        quote_qualified(&self.table)
    }

    pub fn scope(&self, alias: &str) -> String {
        format!("{alias}.{} = ANY($1)", quote(self.company_column))
    }
}

pub struct Snapshot {
    /// In load (foreign-key) order.
    pub tables: Vec<Staged>,
}

impl Snapshot {
    pub fn get(&self, table: &str) -> Option<&Staged> {
        self.tables.iter().find(|s| s.table == table)
    }
}

/// COPYs every block into its own temp table, dropped at the end of the transaction.
pub fn stage(
    tx: &mut postgres::Transaction<'_>,
    blocks: &[Block<'_>],
    progress: &Progress,
) -> Result<Snapshot, DbError> {
    let mut staged = Vec::with_capacity(blocks.len());
    for (i, block) in blocks.iter().enumerate() {
        let temp = format!("pg_temp.demoforge_snapshot_{i}");
        tx.batch_execute(&format!(
            "CREATE TEMP TABLE {temp} (LIKE {}) ON COMMIT DROP",
            quote_qualified(&block.table)
        ))
        .map_err(|e| DbError::from_pg("staging the snapshot", e))?;
        copy::copy_block_into(tx, block, &temp, progress)?;
        staged.push(Staged {
            table: block.table.clone(),
            company_column: tables::company_column(&block.table),
            temp,
            columns: block
                .columns
                .iter()
                .filter(|c| !tables::is_credential_column(&block.table, c))
                .map(|c| quote(c))
                .collect(),
            has_id: block.column_index("id").is_some(),
        });
    }
    Ok(Snapshot { tables: staged })
}

/// Compares the live tenant with the staged snapshot, table by table. Live
/// rows in tenant tables the dump has no block for count as added (tokens
/// excepted: every reset reissues them).
pub fn summarise(
    tx: &mut postgres::Transaction<'_>,
    tenant: &[TenantTable],
    snapshot: &Snapshot,
    ids: &[Uuid],
) -> Result<TesterChanges, DbError> {
    let fail = |e| DbError::from_pg("comparing the tenant with the snapshot", e);
    let mut changes = TesterChanges::new();
    for table in tenant {
        let counts = match snapshot.get(&table.name) {
            Some(s) => {
                let sql = format!(
                    "SELECT count(*) FILTER (WHERE s.key IS NULL), \
                            count(*) FILTER (WHERE l.key IS NOT NULL AND s.key IS NOT NULL AND l.hash <> s.hash), \
                            count(*) FILTER (WHERE l.key IS NULL) \
                     FROM (SELECT {lk}::text AS key, {lh} AS hash FROM {live} l WHERE {scope}) l \
                     FULL JOIN (SELECT {sk}::text AS key, {sh} AS hash FROM {temp} s) s ON l.key = s.key",
                    lk = s.key("l"),
                    lh = s.hash("l"),
                    live = s.live(),
                    scope = s.scope("l"),
                    sk = s.key("s"),
                    sh = s.hash("s"),
                    temp = s.temp,
                );
                let row = tx.query_one(&sql, &[&ids]).map_err(fail)?;
                TableChanges {
                    added: row.get(0),
                    changed: row.get(1),
                    removed: row.get(2),
                }
            }
            None if table.name == tables::CREDENTIAL_TABLE => continue,
            None => {
                let sql = format!(
                    "SELECT count(*) FROM {} WHERE {} = ANY($1)",
                    quote_qualified(&table.name),
                    quote(table.company_column)
                );
                let added: i64 = tx.query_one(&sql, &[&ids]).map_err(fail)?.get(0);
                TableChanges {
                    added,
                    ..TableChanges::default()
                }
            }
        };
        if counts != TableChanges::default() {
            changes.insert(table.name.clone(), counts);
        }
    }
    Ok(changes)
}
