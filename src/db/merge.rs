//! Bringing an existing tenant back to the snapshot by touching only the rows
//! that differ, or by replacing all of it.
//!
//! Input: the transaction, the staged [`Snapshot`] and the company ids.
//! Output: the tenant equal to the snapshot, and how many rows were deleted
//! and written. Invariants: every statement is scoped to the companies;
//! parents are written before children and children deleted before parents,
//! so foreign keys hold after each statement.
//!
//! [`merge`] updates changed rows and inserts missing ones parent-first, then
//! deletes rows testers added, children first. Rows that match the snapshot
//! are not touched, so a nightly reset of a lightly used tenant writes little.
//! A tester's edit can make that order collide with a unique constraint (say,
//! a new invoice reusing the number of one they renamed); the caller runs the
//! merge in a savepoint and falls back to [`replace_all`], which deletes the
//! whole tenant and copies the snapshot in.
//!
//! Both run after the caller has frozen the tenant (`lock::freeze_tenant`):
//! every row they update or delete is already locked `FOR UPDATE`, so rows
//! the application writes meanwhile (API tokens, sessions, edits) wait for
//! the commit and can neither make a delete fail nor slip in unseen.

use uuid::Uuid;

use super::catalog::TenantTable;
use super::copy::{quote, quote_qualified};
use super::error::DbError;
use super::snapshot::{Snapshot, Staged, TesterChanges};

#[derive(Debug, Default, Clone, Copy)]
pub struct Written {
    pub deleted: u64,
    pub written: u64,
}

/// `changes` is the comparison just made in this transaction: tables and
/// kinds of change it did not see are skipped, which is most of the work on
/// a lightly used tenant.
pub fn merge(
    tx: &mut postgres::Transaction<'_>,
    tenant: &[TenantTable],
    snapshot: &Snapshot,
    changes: &TesterChanges,
    ids: &[Uuid],
) -> Result<Written, DbError> {
    let mut counts = Written::default();
    for staged in &snapshot.tables {
        let Some(change) = changes.get(&staged.table) else {
            continue;
        };
        if staged.has_id && change.changed > 0 {
            counts.written += update_changed(tx, staged, ids)?;
        }
        if change.removed > 0 || (!staged.has_id && change.changed > 0) {
            counts.written += insert_missing(tx, staged, ids)?;
        }
    }
    counts.deleted = delete_extra(tx, tenant, snapshot, changes, ids)?;
    Ok(counts)
}

fn update_changed(
    tx: &mut postgres::Transaction<'_>,
    s: &Staged,
    ids: &[Uuid],
) -> Result<u64, DbError> {
    let sources: Vec<String> = s.columns.iter().map(|c| format!("s.{c}")).collect();
    let sql = format!(
        "UPDATE {live} l SET ({cols}) = ROW({src}) FROM {temp} s \
         WHERE {scope} AND l.id = s.id AND {lh} <> {sh}",
        live = s.live(),
        cols = s.columns.join(", "),
        src = sources.join(", "),
        temp = s.temp,
        scope = s.scope("l"),
        lh = s.hash("l"),
        sh = s.hash("s"),
    );
    tx.execute(&sql, &[&ids])
        .map_err(|e| DbError::from_pg(&format!("restoring changed rows of {}", s.table), e))
}

fn insert_missing(
    tx: &mut postgres::Transaction<'_>,
    s: &Staged,
    ids: &[Uuid],
) -> Result<u64, DbError> {
    let matches = if s.has_id {
        "l.id = s.id".to_owned()
    } else {
        format!("{} = {}", s.hash("l"), s.hash("s"))
    };
    let sources: Vec<String> = s.columns.iter().map(|c| format!("s.{c}")).collect();
    let sql = format!(
        "INSERT INTO {live} ({cols}) SELECT {src} FROM {temp} s \
         WHERE NOT EXISTS (SELECT 1 FROM {live} l WHERE {scope} AND {matches})",
        live = s.live(),
        cols = s.columns.join(", "),
        src = sources.join(", "),
        temp = s.temp,
        scope = s.scope("l"),
    );
    tx.execute(&sql, &[&ids])
        .map_err(|e| DbError::from_pg(&format!("restoring removed rows of {}", s.table), e))
}

/// Children first: rows not in the snapshot, and every row of tables the dump
/// has no block for (API tokens among them: they are reissued).
fn delete_extra(
    tx: &mut postgres::Transaction<'_>,
    tenant: &[TenantTable],
    snapshot: &Snapshot,
    changes: &TesterChanges,
    ids: &[Uuid],
) -> Result<u64, DbError> {
    let mut deleted = 0;
    for table in tenant.iter().rev() {
        let added = changes.get(&table.name).map_or(0, |c| c.added);
        let sql = match snapshot.get(&table.name) {
            Some(_) if added == 0 => continue,
            Some(s) => format!(
                "DELETE FROM {} l WHERE {} AND {}",
                s.live(),
                s.scope("l"),
                not_in_snapshot(s)
            ),
            None => scoped_delete(table),
        };
        deleted += tx
            .execute(&sql, &[&ids])
            .map_err(|e| DbError::from_pg(&format!("deleting added rows of {}", table.name), e))?;
    }
    Ok(deleted)
}

/// Live rows (alias `l`) that the staged snapshot does not have.
fn not_in_snapshot(s: &Staged) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM {} s WHERE {} = {})",
        s.temp,
        s.key("s"),
        s.key("l")
    )
}

fn scope(table: &TenantTable) -> String {
    format!("l.{} = ANY($1)", quote(table.company_column))
}

fn scoped_delete(table: &TenantTable) -> String {
    format!(
        "DELETE FROM {} l WHERE {}",
        quote_qualified(&table.name),
        scope(table)
    )
}

/// Deletes every row of the companies, children first; the caller then
/// copies the snapshot in.
pub fn delete_all(
    tx: &mut postgres::Transaction<'_>,
    tenant: &[TenantTable],
    ids: &[Uuid],
) -> Result<u64, DbError> {
    let mut deleted = 0;
    for table in tenant.iter().rev() {
        deleted += tx.execute(&scoped_delete(table), &[&ids]).map_err(|e| {
            DbError::from_pg(
                &format!("deleting the tenant's rows from {}", table.name),
                e,
            )
        })?;
    }
    Ok(deleted)
}
