//! `--credentials-out` / `--postman-out` are checked before anything is
//! committed, and no plaintext temp file survives a failure.

mod support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Stdio;

use support::{TestDb, demoforge_cmd, fixture_dump};

fn password_hashes(db: &TestDb) -> Vec<String> {
    db.client()
        .query("SELECT password_hash FROM core.users ORDER BY id", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

fn temp_files(folder: &Path) -> Vec<String> {
    std::fs::read_dir(folder)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp-"))
        .collect()
}

#[test]
fn unusable_output_paths_are_refused_before_the_credentials_change() {
    let db = TestDb::with_fixture_loaded();
    let before = password_hashes(&db);
    let dir = tempfile::tempdir().unwrap();
    let a_folder = dir.path().join("existing-folder");
    std::fs::create_dir(&a_folder).unwrap();
    let a_file = dir.path().join("a-file");
    std::fs::write(&a_file, "x").unwrap();
    let missing = dir.path().join("missing/creds.json");
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec!["--credentials-out".into(), a_folder.display().to_string()],
            "it is a folder",
        ),
        (
            vec!["--credentials-out".into(), missing.display().to_string()],
            "does not exist",
        ),
        (
            vec![
                "--credentials-out".into(),
                dir.path().join("ok.json").display().to_string(),
                "--postman-out".into(),
                a_file.join("postman").display().to_string(),
            ],
            "is not a folder",
        ),
    ];
    for (extra, needle) in cases {
        let mut args: Vec<&str> = extra.iter().map(String::as_str).collect();
        args.push("--json");
        let out = db.reset(&args);
        assert_eq!(out.status.code(), Some(4), "{args:?}: {out:?}");
        let error = support::json_line(&out)["error"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(error.contains(needle), "{args:?}: {error}");
        assert_eq!(
            password_hashes(&db),
            before,
            "{args:?}: credentials changed"
        );
        assert!(temp_files(dir.path()).is_empty(), "{args:?}");
        assert!(!dir.path().join("ok.json").exists());
    }
    assert_eq!(std::fs::read_dir(&a_folder).unwrap().count(), 0);
}

#[test]
fn stale_temp_files_of_dead_runs_are_removed_and_live_ones_kept() {
    let db = TestDb::with_fixture_loaded();
    let dir = tempfile::tempdir().unwrap();
    let creds = dir.path().join("creds.json");
    // A pid that existed and is gone: a child that has been waited for.
    let dead = std::process::Command::new("true").spawn().unwrap();
    let dead_pid = dead.id();
    let mut dead = dead;
    dead.wait().unwrap();
    let stale = dir.path().join(format!(".creds.json.tmp-{dead_pid}"));
    let live = dir
        .path()
        .join(format!(".creds.json.tmp-{}", std::process::id()));
    let unrelated = dir.path().join(format!(".other.json.tmp-{dead_pid}"));
    for path in [&stale, &live, &unrelated] {
        std::fs::write(path, "plaintext").unwrap();
    }
    let out = db.reset(&["--credentials-out", creds.to_str().unwrap()]);
    support::assert_success(&out, "reset");
    assert!(!stale.exists(), "the dead run's plaintext is removed");
    assert!(live.exists(), "a running process's temp file is left alone");
    assert!(
        unrelated.exists(),
        "only this output's temp files are touched"
    );
    assert!(creds.exists());
}

#[test]
fn a_rename_failure_after_the_commit_leaves_no_plaintext_behind() {
    let db = TestDb::with_fixture_loaded();
    let dir = tempfile::tempdir().unwrap();
    let creds = dir.path().join("creds.json");
    let mut child = db
        .reset_command(&["--credentials-out", creds.to_str().unwrap(), "--json"])
        .env("DEMOFORGE_TEST_PAUSE_AT", "staged")
        .env("DEMOFORGE_TEST_PAUSE_SECS", "2")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut seen = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        if line == "demoforge-test: paused at staged" {
            break;
        }
        seen.push(line);
    }
    assert_eq!(temp_files(dir.path()).len(), 1, "{seen:?}");
    // The target turns into a non-empty folder while the run is paused, so
    // the rename after the commit fails.
    std::fs::create_dir(&creds).unwrap();
    std::fs::write(creds.join("keep"), "x").unwrap();
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(3), "{rest:?}");
    let error = support::json_line(&out)["error"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(error.contains("after the commit"), "{error}");
    assert!(temp_files(dir.path()).is_empty(), "plaintext left behind");
}

/// The fixture with persona emails `a.b@…` and `a-b@…`, whose Postman file
/// names would both be `a-b-tiny-travel-test` if named by the email alone.
fn colliding_dump(dir: &Path) -> std::path::PathBuf {
    let text = std::fs::read_to_string(fixture_dump())
        .unwrap()
        .replace("ada@tiny-travel.test", "a.b@tiny-travel.test")
        .replace("ben@tiny-travel.test", "a-b@tiny-travel.test");
    let path = dir.join("colliding.sql");
    std::fs::write(&path, text).unwrap();
    path
}

fn run(db: &TestDb, args: &[&str]) -> std::process::Output {
    let mut all = vec![args[0], args[1], "--database-url", &db.url];
    all.extend_from_slice(&args[2..]);
    demoforge_cmd(&all).output().unwrap()
}

#[test]
fn personas_whose_emails_slug_alike_get_distinct_postman_files() {
    let db = TestDb::new();
    db.apply_schema();
    let dir = tempfile::tempdir().unwrap();
    let dump = colliding_dump(dir.path());
    let dump = dump.to_str().unwrap();
    support::assert_success(&run(&db, &["load", dump]), "load");
    let postman = dir.path().join("postman");
    let postman_arg = postman.to_str().unwrap();
    // Twice: the second run replaces the first run's files.
    for round in 0..2 {
        let out = run(
            &db,
            &[
                "reset",
                dump,
                "--operator",
                "t",
                "--postman-out",
                postman_arg,
            ],
        );
        support::assert_success(&out, &format!("reset {round}"));
        let mut names: Vec<String> = std::fs::read_dir(&postman)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names.len(), 2, "{names:?}");
        assert!(
            names
                .iter()
                .all(|n| n.ends_with(".postman_environment.json"))
        );
        // Each file holds the token of its own persona.
        let mut ids: Vec<String> = names
            .iter()
            .map(|n| {
                let body: serde_json::Value =
                    serde_json::from_slice(&std::fs::read(postman.join(n)).unwrap()).unwrap();
                body["id"].as_str().unwrap().to_owned()
            })
            .collect();
        ids.sort();
        assert_eq!(
            ids,
            [
                "d0000000-0000-4000-8000-000000000011",
                "d0000000-0000-4000-8000-000000000012"
            ]
        );
    }
}

#[test]
fn a_folder_at_a_postman_file_path_is_refused_before_the_credentials_change() {
    let db = TestDb::with_fixture_loaded();
    let before = password_hashes(&db);
    let dir = tempfile::tempdir().unwrap();
    let postman = dir.path().join("postman");
    let blocker = postman.join("ben-tiny-travel-test.postman_environment.json");
    std::fs::create_dir_all(&blocker).unwrap();
    let out = db.reset(&["--postman-out", postman.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(4), "{out:?}");
    let error = support::json_line(&out)["error"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(error.contains("it is a folder"), "{error}");
    assert!(error.contains("ben-tiny-travel-test"), "{error}");
    assert_eq!(password_hashes(&db), before, "credentials changed");
    assert!(temp_files(&postman).is_empty());
    // Nothing else was written next to the folder either.
    assert_eq!(std::fs::read_dir(&postman).unwrap().count(), 1);
}
