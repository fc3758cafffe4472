//! Streaming a dump's COPY blocks into PostgreSQL.
//!
//! Input: an open transaction and parsed blocks. Output: the rows in their
//! tables and the number of rows written. Invariant: each block's row lines are
//! sent exactly as they are in the file, never decoded or re-encoded, so what
//! lands in the database is what `psql -f` would load.

use std::io::Write;

use super::dump::Block;
use super::error::DbError;
use super::progress::Progress;

/// Large enough to keep the socket busy, small enough for smooth progress.
const CHUNK: usize = 256 * 1024;

pub fn copy_blocks(
    tx: &mut postgres::Transaction<'_>,
    blocks: &[Block<'_>],
    progress: &Progress,
) -> Result<u64, DbError> {
    let mut rows = 0;
    for block in blocks {
        rows += copy_block(tx, block, progress)?;
    }
    Ok(rows)
}

fn copy_block(
    tx: &mut postgres::Transaction<'_>,
    block: &Block<'_>,
    progress: &Progress,
) -> Result<u64, DbError> {
    copy_block_into(tx, block, &quote_qualified(&block.table), progress)
}

/// Copies a block into `target`, an already quoted table name (the live table
/// or a temp table shaped like it).
pub fn copy_block_into(
    tx: &mut postgres::Transaction<'_>,
    block: &Block<'_>,
    target: &str,
    progress: &Progress,
) -> Result<u64, DbError> {
    let phase = format!("copying rows into {}", block.table);
    let mut writer = tx
        .copy_in(&copy_statement(block, target))
        .map_err(|e| DbError::from_pg(&phase, e))?;
    for chunk in block.data.chunks(CHUNK) {
        writer.write_all(chunk).map_err(|e| from_io(&phase, e))?;
        progress.rows(chunk.iter().filter(|b| **b == b'\n').count() as u64);
    }
    let written = writer.finish().map_err(|e| DbError::from_pg(&phase, e))?;
    Ok(written)
}

/// Names were checked against the known tables and as plain identifiers by
/// the parser; quoting them anyway keeps the statement injection-proof.
fn copy_statement(block: &Block<'_>, target: &str) -> String {
    let columns: Vec<String> = block.columns.iter().map(|c| quote(c)).collect();
    format!("COPY {target} ({}) FROM STDIN", columns.join(", "))
}

pub fn quote(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
}

pub fn quote_qualified(name: &str) -> String {
    name.split('.').map(quote).collect::<Vec<_>>().join(".")
}

/// The driver wraps server errors met while streaming in an io::Error; unwrap
/// them so the message and SQLSTATE survive.
fn from_io(phase: &str, e: std::io::Error) -> DbError {
    let message = e.to_string();
    match e
        .into_inner()
        .map(|inner| inner.downcast::<postgres::Error>())
    {
        Some(Ok(pg)) => DbError::from_pg(phase, *pg),
        _ => DbError::ConnectionLost {
            phase: phase.to_owned(),
            message,
        },
    }
}
