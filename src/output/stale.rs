//! Names of the hidden folders a build works in, and clean-up of those left
//! behind by builds that were killed.
//!
//! Input: a folder to scan. Output: stale work folders removed, or a
//! scenario folder put back. Invariant: every work folder carries the PID of
//! the build that made it (`.demoforge-<kind>-<pid>-<rest>`), and only the
//! folders of processes that are no longer alive are touched, so two builds
//! running at once never delete each other's work.

use std::fs;
use std::io;
use std::path::Path;

/// Spilled tables while a build runs (`.demoforge-spill-<pid>-<random>`).
pub const SPILL: &str = "spill";
/// A scenario's new files before they are swapped in (`.demoforge-build-<pid>-<slug>`).
pub const BUILD: &str = "build";
/// A scenario's previous files while the new ones are swapped in
/// (`.demoforge-old-<pid>-<slug>`).
pub const OLD: &str = "old";

/// The hidden name of a work folder of this process.
pub fn work_name(kind: &str, rest: &str) -> String {
    format!(".demoforge-{kind}-{}-{rest}", std::process::id())
}

/// `(kind, pid, rest)` of a work folder's name.
fn parse(name: &str) -> Option<(&str, u32, &str)> {
    let tail = name.strip_prefix(".demoforge-")?;
    let (kind, tail) = tail.split_once('-')?;
    let (pid, rest) = tail.split_once('-')?;
    Some((kind, pid.parse().ok()?, rest))
}

/// Whether a process with this id exists. Without `/proc` nothing can be
/// told, and every process is taken to be alive, so nothing is removed.
fn alive(pid: u32) -> bool {
    let proc = Path::new("/proc");
    !proc.is_dir() || proc.join(pid.to_string()).exists()
}

/// Removes the work folders of dead builds in `dir`. A scenario folder that a
/// killed build had moved aside, and not yet replaced, is moved back.
pub fn clean(dir: &Path) -> io::Result<()> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Ok(());
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    // Old folders first: a restored scenario must not be taken for a stale one.
    names.sort_by_key(|n| !n.starts_with(".demoforge-old-"));
    for name in names {
        let Some((kind, pid, rest)) = parse(&name) else {
            continue;
        };
        if pid == std::process::id() || alive(pid) || ![SPILL, BUILD, OLD].contains(&kind) {
            continue;
        }
        let path = dir.join(&name);
        let target = dir.join(rest);
        if kind == OLD && !rest.is_empty() && !target.exists() {
            fs::rename(&path, &target)?;
        } else {
            fs::remove_dir_all(&path)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A PID that is not running: beyond Linux's default pid_max.
    const DEAD: u32 = 4_194_304 + 7;

    #[test]
    fn names_round_trip() {
        let name = work_name(BUILD, "demo-travel-co");
        let (kind, pid, rest) = parse(&name).unwrap();
        assert_eq!(
            (kind, pid, rest),
            (BUILD, std::process::id(), "demo-travel-co")
        );
        assert_eq!(parse(".demoforge-spill-abc123"), None);
        assert_eq!(parse("demo-travel-co"), None);
    }

    #[test]
    fn only_dead_builds_folders_are_removed_and_a_moved_aside_scenario_comes_back() {
        let dir = tempfile::tempdir().unwrap();
        let mk = |name: &str| {
            fs::create_dir_all(dir.path().join(name)).unwrap();
            fs::write(dir.path().join(name).join("f"), name).unwrap();
        };
        let parent = std::os::unix::process::parent_id();
        mk(&format!(".demoforge-spill-{DEAD}-x1"));
        mk(&format!(".demoforge-build-{DEAD}-a"));
        mk(&format!(".demoforge-old-{DEAD}-a"));
        mk(&format!(".demoforge-old-{DEAD}-b"));
        mk("b");
        mk(&format!(".demoforge-build-{parent}-c"));
        mk(".demoforge-spill-legacy");
        clean(dir.path()).unwrap();
        let mut left: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        let mut expected = vec![
            format!(".demoforge-build-{parent}-c"),
            ".demoforge-spill-legacy".to_owned(),
            "a".to_owned(),
            "b".to_owned(),
        ];
        expected.sort();
        assert_eq!(left, expected);
        // `a` had been moved aside and never replaced: its old files are back.
        let restored = fs::read_to_string(dir.path().join("a/f")).unwrap();
        assert_eq!(restored, format!(".demoforge-old-{DEAD}-a"));
        // `b` exists, so its stale old copy was removed and `b` kept.
        assert_eq!(fs::read_to_string(dir.path().join("b/f")).unwrap(), "b");
    }
}
