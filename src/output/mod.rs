//! Writing generated files atomically and checking them against disk.
//!
//! Input: rendered bytes. Output: files, or a comparison. Invariant: a file is
//! either fully written or not changed (temp file in the same folder, then rename).

use std::path::Path;

/// Reads a spec file as UTF-8, with a diagnostic that names the file on failure.
pub fn read_spec(path: &Path) -> Result<String, miette::Report> {
    std::fs::read_to_string(path).map_err(|e| {
        miette::miette!(
            help = "check the path and that the file is UTF-8 text",
            "cannot read spec {}: {e}",
            path.display()
        )
    })
}
