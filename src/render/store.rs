//! Where each table's encoded rows wait until the dump is laid out.
//!
//! Rows arrive interleaved in time order (an invoice, then its journal entry,
//! then a payment), but the dump needs each table as one block in foreign-key
//! order. A [`TableStore`] keeps the blocks apart: in memory for small builds
//! and checks, or spilled to temp files by `output` so that a build's memory
//! does not grow with the number of months.

use std::io;

/// `Send + Sync` so that the template's row objects can hold the store.
pub trait TableStore: Send + Sync {
    /// Appends encoded rows to `table`'s block.
    fn append(&mut self, table: usize, rows: &[u8]) -> io::Result<()>;
    /// Streams everything appended to `table` into `out`.
    fn copy_to(&self, table: usize, out: &mut dyn io::Write) -> io::Result<()>;
}

/// Keeps every block in memory.
#[derive(Debug, Default)]
pub struct MemoryStore {
    blocks: Vec<Vec<u8>>,
}

impl TableStore for MemoryStore {
    fn append(&mut self, table: usize, rows: &[u8]) -> io::Result<()> {
        if self.blocks.len() <= table {
            self.blocks.resize_with(table + 1, Vec::new);
        }
        self.blocks[table].extend_from_slice(rows);
        Ok(())
    }

    fn copy_to(&self, table: usize, out: &mut dyn io::Write) -> io::Result<()> {
        match self.blocks.get(table) {
            Some(block) => out.write_all(block),
            None => Ok(()),
        }
    }
}
