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

/// Built-in templates, with any file in `dir` replacing the one of the same name.
pub fn load_templates(dir: Option<&Path>) -> Result<crate::render::TemplateSet, miette::Report> {
    let builtin = crate::render::TemplateSet::builtin();
    let Some(dir) = dir else { return Ok(builtin) };
    let entries = std::fs::read_dir(dir).map_err(|e| {
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
            let text = std::fs::read_to_string(&path)
                .map_err(|e| miette::miette!("cannot read template {}: {e}", path.display()))?;
            overrides.insert(entry.file_name().to_string_lossy().into_owned(), text);
        }
    }
    Ok(builtin.with_overrides(overrides))
}
