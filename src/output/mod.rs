//! Writing generated files atomically and checking them against disk.
//!
//! Input: compiled [`GeneratedFile`]s. Output: files under the output folder, or
//! a comparison with them. Invariant: a file is either fully written or not
//! changed: each is written to a temp file in its own folder and renamed.

mod compare;
mod spill;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

pub use compare::{FileDifference, compare_file};
pub use spill::SpillStore;

use crate::render::{GeneratedFile, TemplateSet};

/// Reads a spec file as UTF-8, with a diagnostic that names the file on failure.
pub fn read_spec(path: &Path) -> Result<String, miette::Report> {
    fs::read_to_string(path).map_err(|e| {
        miette::miette!(
            help = "check the path and that the file is UTF-8 text",
            "cannot read spec {}: {e}",
            path.display()
        )
    })
}

/// Built-in templates, with any `.j2` file in `dir` replacing the one of the same name.
pub fn load_templates(dir: Option<&Path>) -> Result<TemplateSet, miette::Report> {
    let builtin = TemplateSet::builtin();
    let Some(dir) = dir else { return Ok(builtin) };
    let entries = fs::read_dir(dir).map_err(|e| {
        miette::miette!(
            help = "pass a folder that holds .j2 templates",
            "cannot read templates folder {}: {e}",
            dir.display()
        )
    })?;
    let mut overrides = std::collections::BTreeMap::new();
    for entry in entries {
        let entry = entry.map_err(|e| miette::miette!("cannot list {}: {e}", dir.display()))?;
        let path = entry.path();
        if path.extension().is_some_and(|x| x == "j2") {
            let text = fs::read_to_string(&path)
                .map_err(|e| miette::miette!("cannot read template {}: {e}", path.display()))?;
            overrides.insert(entry.file_name().to_string_lossy().into_owned(), text);
        }
    }
    Ok(builtin.with_overrides(overrides))
}

/// Writes every file under `out`, each through a temp file and a rename.
pub fn write_files(out: &Path, files: &[GeneratedFile]) -> Result<Vec<PathBuf>, miette::Report> {
    let mut written = Vec::with_capacity(files.len());
    for file in files {
        let path = out.join(&file.path);
        write_atomically(&path, |w| {
            file.write_to(w)
                .map_err(|e| miette::miette!("cannot write {}: {e}", path.display()))
        })?;
        written.push(path);
    }
    Ok(written)
}

/// Writes `bytes` to `path` through a temp file in the same folder and a
/// rename, so `path` is either the old file or the complete new one.
pub fn write_file_atomically(path: &Path, bytes: &[u8]) -> Result<(), miette::Report> {
    write_atomically(path, |w| {
        w.write_all(bytes).map_err(|e| {
            miette::miette!(
                help = "check that the output folder is writable and the disk is not full",
                "cannot write {}: {e}",
                path.display()
            )
        })
    })
}

fn write_atomically(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> Result<(), miette::Report>,
) -> Result<(), miette::Report> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let io_error = |what: &str, e: std::io::Error| {
        miette::miette!(
            help = "check that the output folder is writable and the disk is not full",
            "cannot {what} {}: {e}",
            path.display()
        )
    };
    fs::create_dir_all(dir).map_err(|e| io_error("create the folder for", e))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        // Unbuffered on purpose: the dump arrives in large blocks, and a plain
        // File lets io::copy move spilled tables kernel-side (copy_file_range).
        let mut file =
            fs::File::create(&temp).map_err(|e| io_error("create a temp file for", e))?;
        fill(&mut file)?;
        file.sync_all().map_err(|e| io_error("flush", e))?;
        fs::rename(&temp, path).map_err(|e| io_error("replace", e))?;
        // The rename is durable only once the folder itself is synced.
        fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| io_error("sync the folder of", e))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}
