//! Finding overlay files by name for `overlay`, `export --overlay` and
//! `--after`.
//!
//! Input: the spec's path and a name from the command line. Output: the
//! overlay file's path, or a report with a did-you-mean and the names that
//! exist. Invariant: a name ending in `.yaml`/`.yml` is a path, used as given
//! (its read error names it); any other name must be a file in the spec's
//! `overlays/` folder.

use std::path::{Path, PathBuf};

use super::commands::overlay_path;

/// The file for overlay `name`, or why there is none.
pub fn locate(spec: &Path, name: &str) -> Result<PathBuf, miette::Report> {
    let path = overlay_path(spec, name);
    if is_path(name) || path.is_file() {
        return Ok(path);
    }
    let folder = path.parent().unwrap_or(Path::new("."));
    let available = available(folder);
    let names: Vec<&str> = available.iter().map(String::as_str).collect();
    Err(crate::validate::unknown_overlay(
        name,
        &folder.display().to_string(),
        &names,
    ))
}

fn is_path(name: &str) -> bool {
    name.ends_with(".yaml") || name.ends_with(".yml")
}

/// The overlay names in `folder` (files `NAME.yaml`), sorted; none when the
/// folder cannot be read.
fn available(folder: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let file = e.file_name().to_str()?.to_owned();
            file.strip_suffix(".yaml").map(str::to_owned)
        })
        .collect();
    names.sort();
    names
}
