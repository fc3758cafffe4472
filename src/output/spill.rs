//! A [`TableStore`] that spills each table's rows to its own temp file, so a
//! build's memory stays flat however many months or rows it has.

use std::fs::File;
use std::io::{self, Write};
use std::path::Path;

use crate::render::TableStore;

pub struct SpillStore {
    dir: tempfile::TempDir,
    files: Vec<Option<File>>,
}

impl SpillStore {
    /// Spill files live in a hidden temp folder in the nearest existing folder
    /// at or above `out` (the same disk as the output, and no folder is created
    /// for a build that then fails). It is removed when the store is dropped.
    /// The folder carries this process's id, so a later build can tell that
    /// a folder left by a killed build is stale ([`super::stale`]).
    pub fn near(out: &Path) -> io::Result<SpillStore> {
        let dir = tempfile::Builder::new()
            .prefix(&super::stale::work_name(super::stale::SPILL, ""))
            .tempdir_in(spill_parent(out))?;
        Ok(SpillStore {
            dir,
            files: Vec::new(),
        })
    }

    fn path(&self, table: usize) -> std::path::PathBuf {
        self.dir.path().join(format!("table-{table:02}"))
    }
}

/// The nearest existing folder at or above `out` (`.` for a relative path
/// with no existing folder).
pub fn spill_parent(out: &Path) -> &Path {
    out.ancestors()
        .find(|p| p.is_dir())
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

impl TableStore for SpillStore {
    fn append(&mut self, table: usize, rows: &[u8]) -> io::Result<()> {
        if self.files.len() <= table {
            self.files.resize_with(table + 1, || None);
        }
        if self.files[table].is_none() {
            self.files[table] = Some(File::create(self.path(table))?);
        }
        self.files[table]
            .as_mut()
            .expect("just created")
            .write_all(rows)
    }

    fn copy_to(&self, table: usize, out: &mut dyn Write) -> io::Result<()> {
        if self.files.get(table).is_none_or(Option::is_none) {
            return Ok(());
        }
        let mut file = File::open(self.path(table))?;
        io::copy(&mut file, out).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_come_back_in_append_order_and_the_folder_is_removed() {
        let parent = tempfile::tempdir().unwrap();
        let mut store = SpillStore::near(&parent.path().join("not/yet")).unwrap();
        store.append(3, b"a\n").unwrap();
        store.append(1, b"x\n").unwrap();
        store.append(3, b"b\n").unwrap();
        let mut out = Vec::new();
        store.copy_to(3, &mut out).unwrap();
        store.copy_to(2, &mut out).unwrap();
        store.copy_to(1, &mut out).unwrap();
        assert_eq!(out, b"a\nb\nx\n");
        drop(store);
        assert_eq!(std::fs::read_dir(parent.path()).unwrap().count(), 0);
    }
}
