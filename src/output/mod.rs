//! Writing generated files atomically and checking them against disk.
//!
//! Input: compiled [`GeneratedFile`]s. Output: files under the output folder, or
//! a comparison with them. Invariants: a single file is either fully written or
//! not changed (a temp file in its own folder, renamed); a scenario's folder
//! changes as one unit (its files are written to a hidden folder beside it and
//! swapped in), so its travel deltas never appear without their base; and the
//! hidden work folders of a killed build are removed by the next build
//! ([`stale`]).

mod compare;
mod spill;
pub mod stale;

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
pub fn load_target(
    target: Option<&str>,
    templates: Option<&Path>,
) -> Result<TemplateSet, miette::Report> {
    if let Some(dir) = templates {
        // `--templates DIR`: a target folder if it has a mapping, else
        // overrides of the reference target's templates.
        if dir.join(TARGET_FILE).is_file() {
            return target_folder(dir);
        }
        return Ok(TemplateSet::builtin().with_overrides(read_templates(dir)?));
    }
    let Some(target) = target else {
        return Ok(TemplateSet::builtin());
    };
    if let Some(set) = TemplateSet::builtin_target(target) {
        return Ok(set);
    }
    let dir = Path::new(target);
    if dir.is_dir() {
        return target_folder(dir);
    }
    let names: Vec<&str> = crate::target::BUILTIN.iter().map(|(n, _)| *n).collect();
    Err(miette::miette!(
        help = format!(
            "use a built-in target ({}) or a folder holding {TARGET_FILE}",
            names.join(", ")
        ),
        "unknown target `{target}`: not a built-in target and not a folder"
    ))
}

/// A target's mapping file inside its folder.
const TARGET_FILE: &str = "target.yaml";

fn target_folder(dir: &Path) -> Result<TemplateSet, miette::Report> {
    let path = dir.join(TARGET_FILE);
    let text = fs::read_to_string(&path).map_err(|e| {
        miette::miette!(
            help = "a target folder holds target.yaml (see docs/mapping.md)",
            "cannot read {}: {e}",
            path.display()
        )
    })?;
    let mapping = crate::target::parse(&path.display().to_string(), &text)?;
    let name = dir
        .file_name()
        .map_or_else(|| "target".to_owned(), |n| n.to_string_lossy().into_owned());
    // A target's files go to `<scenario>/<name>/`, beside the reference
    // files: a name that is one of theirs would replace them.
    if ["travel"].contains(&name.as_str()) || name.starts_with('.') {
        return Err(miette::miette!(
            help = "rename the folder: its name becomes generated/<scenario>/<name>/",
            "a target folder cannot be named `{name}`: the reference build writes generated/<scenario>/{name}"
        ));
    }
    Ok(TemplateSet::from_folder(
        &name,
        mapping,
        read_templates(dir)?,
    ))
}

/// Every `.j2` file of a folder, by file name.
fn read_templates(
    dir: &Path,
) -> Result<std::collections::BTreeMap<String, String>, miette::Report> {
    let entries = fs::read_dir(dir).map_err(|e| {
        miette::miette!(
            help = "pass a folder that holds .j2 templates",
            "cannot read templates folder {}: {e}",
            dir.display()
        )
    })?;
    let mut templates = std::collections::BTreeMap::new();
    for entry in entries {
        let entry = entry.map_err(|e| miette::miette!("cannot list {}: {e}", dir.display()))?;
        let path = entry.path();
        if path.extension().is_some_and(|x| x == "j2") {
            let text = fs::read_to_string(&path)
                .map_err(|e| miette::miette!("cannot read template {}: {e}", path.display()))?;
            templates.insert(entry.file_name().to_string_lossy().into_owned(), text);
        }
    }
    Ok(templates)
}

/// Removes what killed builds left in `out` and in the folder that holds
/// their spill folders (the nearest existing folder at or above `out`).
pub fn clean_stale(out: &Path) -> Result<(), miette::Report> {
    for dir in [out, spill::spill_parent(out)] {
        stale::clean(dir).map_err(|e| {
            miette::miette!(
                help = "remove the `.demoforge-*` folders of builds that are no longer running by hand",
                "cannot clean up after an earlier build in {}: {e}",
                dir.display()
            )
        })?;
    }
    Ok(())
}

/// Writes one scenario's files (each path starts with `slug/`) as one unit:
/// into `out/.demoforge-build-<pid>-<slug>/`, then swapped in place of
/// `out/<slug>`. The folder then holds exactly the new files; files of the
/// previous build that are no longer generated (a dropped offset) go.
pub fn write_scenario(
    out: &Path,
    slug: &str,
    files: &[GeneratedFile],
) -> Result<PathBuf, miette::Report> {
    let io_error = |what: &str, path: &Path, e: std::io::Error| {
        miette::miette!(
            help = "check that the output folder is writable and the disk is not full",
            "cannot {what} {}: {e}",
            path.display()
        )
    };
    fs::create_dir_all(out).map_err(|e| io_error("create the output folder", out, e))?;
    let staging = out.join(stale::work_name(stale::BUILD, slug));
    let result = stage(&staging, slug, files)
        .and_then(|()| keep_other_targets(&out.join(slug), &staging))
        .and_then(|()| {
            crate::db::test_hook::pause_point("build-staged");
            swap_in(out, slug, &staging).map_err(|e| io_error("replace", &out.join(slug), e))
        });
    if result.is_err() {
        let _ = fs::remove_dir_all(&staging);
    }
    result.map(|()| out.join(slug))
}

/// Writes every file into `staging`, each synced, and syncs the folders.
fn stage(staging: &Path, slug: &str, files: &[GeneratedFile]) -> Result<(), miette::Report> {
    let mut folders = vec![staging.to_owned()];
    for file in files {
        let relative = Path::new(&file.path)
            .strip_prefix(slug)
            .map_err(|_| miette::miette!("{} is not in the folder {slug}", file.path))?;
        let path = staging.join(relative);
        let dir = path.parent().unwrap_or(staging).to_owned();
        let io_error = |what: &str, e: std::io::Error| {
            miette::miette!(
                help = "check that the output folder is writable and the disk is not full",
                "cannot {what} {}: {e}",
                path.display()
            )
        };
        fs::create_dir_all(&dir).map_err(|e| io_error("create the folder for", e))?;
        // Unbuffered on purpose: see `write_atomically`.
        let mut handle = fs::File::create(&path).map_err(|e| io_error("create", e))?;
        file.write_to(&mut handle)
            .and_then(|()| handle.sync_all())
            .map_err(|e| io_error("write", e))?;
        if !folders.contains(&dir) {
            folders.push(dir);
        }
    }
    for dir in folders.iter().rev() {
        sync_folder(dir)
            .map_err(|e| miette::miette!("cannot sync the folder {}: {e}", dir.display()))?;
    }
    Ok(())
}

/// Carries the folders of other targets (`<scenario>/<target>/`, built by
/// `build --target`) from the folder being replaced into `staging`, as hard
/// links (a copy where links are refused), so that rebuilding one target
/// never removes another's files.
fn keep_other_targets(old: &Path, staging: &Path) -> Result<(), miette::Report> {
    let Ok(entries) = fs::read_dir(old) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let from = entry.path();
        let to = staging.join(entry.file_name());
        let is_target = from.join("base-demo.sql").is_file() && !to.exists();
        if is_target {
            link_folder(&from, &to).map_err(|e| {
                miette::miette!(
                    help = "check that the output folder is writable and the disk is not full",
                    "cannot keep {} while replacing its scenario folder: {e}",
                    from.display()
                )
            })?;
        }
    }
    Ok(())
}

fn link_folder(from: &Path, to: &Path) -> std::io::Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let (source, dest) = (entry.path(), to.join(entry.file_name()));
        if entry.file_type()?.is_dir() {
            link_folder(&source, &dest)?;
        } else if fs::hard_link(&source, &dest).is_err() {
            fs::copy(&source, &dest)?;
        }
    }
    sync_folder(to)
}

/// Moves `out/<slug>` aside, renames `staging` into its place and removes the
/// old folder. A build killed between the two renames leaves the old folder
/// under a name that [`stale::clean`] moves back.
fn swap_in(out: &Path, slug: &str, staging: &Path) -> std::io::Result<()> {
    let target = out.join(slug);
    let old = out.join(stale::work_name(stale::OLD, slug));
    let moved = match fs::rename(&target, &old) {
        Ok(()) => true,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(e) => return Err(e),
    };
    crate::db::test_hook::pause_point("build-swapping");
    if let Err(e) = fs::rename(staging, &target) {
        if moved {
            let _ = fs::rename(&old, &target);
        }
        return Err(e);
    }
    sync_folder(out)?;
    if moved {
        // The new files are in place: a failure here only leaves an `-old-`
        // folder, which the next build removes once this process is gone.
        let _ = fs::remove_dir_all(&old);
    }
    Ok(())
}

/// A rename is durable only once the folder that holds it is synced.
fn sync_folder(dir: &Path) -> std::io::Result<()> {
    fs::File::open(dir).and_then(|d| d.sync_all())
}

/// The folder that holds `path`: `.` for a bare file name, whose
/// `Path::parent()` is empty.
fn folder_of(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Refuses an `--output` path that names an existing folder: the rename
/// would fail with "Is a directory" after all the work, and the fix is to
/// name a file, not to check permissions or disk space. Commands call it
/// before any work; [`write_file_atomically`] calls it again.
pub fn check_output_file(path: &Path) -> Result<(), miette::Report> {
    if !path.is_dir() {
        return Ok(());
    }
    Err(miette::miette!(
        code = "demoforge::output::is_a_folder",
        help = format!(
            "--output takes a file name: name a file in that folder, e.g. `--output {}`",
            path.join("out.txt").display()
        ),
        "{} is a folder, not a file",
        path.display()
    ))
}

/// Writes `bytes` to `path` through a temp file in the same folder and a
/// rename, so `path` is either the old file or the complete new one.
pub fn write_file_atomically(path: &Path, bytes: &[u8]) -> Result<(), miette::Report> {
    check_output_file(path)?;
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
    let dir = folder_of(path);
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
        sync_folder(dir).map_err(|e| io_error("sync the folder of", e))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}
