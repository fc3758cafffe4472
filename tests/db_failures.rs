//! Resets that are killed, raced or cut off leave the tenant as it was.
//!
//! These drive the real binary with the documented test hook
//! `DEMOFORGE_TEST_PAUSE_AT=<phase>`, which prints a marker and sleeps inside
//! the transaction, so the test can act at a known point.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use support::{FIXTURE_COMPANY, TestDb, assert_success};

/// A reset running in the background, with its stderr lines on a channel.
struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

fn spawn_reset(db: &TestDb, pause_at: &str, pause_secs: u32, extra: &[&str]) -> Running {
    let mut child = db
        .reset_command(extra)
        .env("DEMOFORGE_TEST_PAUSE_AT", pause_at)
        .env("DEMOFORGE_TEST_PAUSE_SECS", pause_secs.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn demoforge reset");
    let stderr = child.stderr.take().expect("piped stderr");
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    Running {
        child,
        lines,
        seen: Vec::new(),
    }
}

impl Running {
    fn wait_for_pause(&mut self, phase: &str) {
        let marker = format!("demoforge-test: paused at {phase}");
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            match self.lines.recv_timeout(Duration::from_millis(200)) {
                Ok(line) if line == marker => return,
                Ok(line) => self.seen.push(line),
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
        }
        let _ = self.child.kill();
        panic!(
            "no `{marker}` from the reset; stderr so far: {:?}",
            self.seen
        );
    }
}

/// What testers might have done since the last reset, so the pre-reset state
/// differs from the snapshot and a half-done reset would show.
fn tester_edits(db: &TestDb) {
    db.client()
        .batch_execute(
            "UPDATE sales.customers SET name = name || ' (edited)';
             DELETE FROM sales.payment_allocations;",
        )
        .expect("tester edits");
}

#[test]
fn sigkill_at_any_phase_leaves_the_previous_tenant_intact() {
    let db = TestDb::with_fixture_loaded();
    let dir = tempfile::tempdir().unwrap();
    let creds = dir.path().join("creds.json");
    let creds_arg = creds.to_str().unwrap().to_owned();
    assert_success(
        &db.reset(&["--credentials-out", &creds_arg]),
        "reset that writes credentials",
    );
    tester_edits(&db);
    let before = db.tenant_checksum(FIXTURE_COMPANY, true);
    let creds_before = std::fs::read(&creds).unwrap();
    let audit_before = db.count("SELECT count(*) FROM demoforge.audit_log");

    for phase in [
        "locked",
        "frozen",
        "compared",
        "deleted",
        "copied",
        "credentials",
        "audited",
        "staged",
    ] {
        let mut running = spawn_reset(&db, phase, 60, &["--credentials-out", &creds_arg]);
        running.wait_for_pause(phase);
        running.child.kill().expect("SIGKILL");
        let status = running.child.wait().unwrap();
        assert!(!status.success(), "{phase}: the reset was not killed");
        assert_eq!(
            db.tenant_checksum(FIXTURE_COMPANY, true),
            before,
            "tenant changed after SIGKILL at {phase}"
        );
        assert_eq!(
            db.count("SELECT count(*) FROM demoforge.audit_log"),
            audit_before,
            "{phase}"
        );
        assert_eq!(
            std::fs::read(&creds).unwrap(),
            creds_before,
            "credentials file replaced after SIGKILL at {phase}"
        );
    }
    // The killed sessions' locks are gone: a normal reset goes through.
    assert_success(&db.reset(&[]), "reset after the kills");
    assert_ne!(db.tenant_checksum(FIXTURE_COMPANY, true), before);
}

#[test]
fn two_resets_started_together_both_succeed_one_after_the_other() {
    let db = TestDb::with_fixture_loaded();
    let loaded = db.tenant_checksum(FIXTURE_COMPANY, false);
    let started = Instant::now();
    // Each pauses 2 s while holding the company lock: if they overlapped, both
    // would finish in about 2 s; one after the other takes at least 4 s.
    let a = spawn_reset(&db, "locked", 2, &["--json"]);
    let b = spawn_reset(&db, "locked", 2, &["--json"]);
    let outputs: Vec<_> = [a, b]
        .into_iter()
        .map(|r| r.child.wait_with_output().unwrap())
        .collect();
    let elapsed = started.elapsed();
    for out in &outputs {
        assert_success(out, "concurrent reset");
        assert_eq!(support::json_line(out)["status"], "ok");
    }
    assert!(
        elapsed >= Duration::from_secs(4),
        "the resets overlapped: both done in {elapsed:?}"
    );
    assert_eq!(db.tenant_checksum(FIXTURE_COMPANY, false), loaded);
    let rows = db
        .client()
        .query(
            "SELECT rows_deleted, strategy, tester_changes->'tables' FROM demoforge.audit_log
             WHERE action = 'reset' ORDER BY id",
            &[],
        )
        .unwrap();
    // Each found the tenant as the run before it left it: nothing changed but
    // the two API tokens the previous run issued, which it replaced.
    for row in &rows {
        assert_eq!(row.get::<_, i64>(0), 2);
        assert_eq!(row.get::<_, String>(1), "merge");
        assert_eq!(row.get::<_, serde_json::Value>(2), serde_json::json!({}));
    }
    assert_eq!(rows.len(), 2);
}

#[test]
fn a_lost_connection_gives_a_clear_error_and_changes_nothing() {
    let db = TestDb::with_fixture_loaded();
    tester_edits(&db);
    let before = db.tenant_checksum(FIXTURE_COMPANY, true);
    let mut running = spawn_reset(&db, "deleted", 2, &["--json"]);
    running.wait_for_pause("deleted");
    let killed = db.count(&format!(
        "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE datname = '{}' AND application_name = 'demoforge'
               AND pid <> pg_backend_pid()) s",
        db.name
    ));
    assert_eq!(killed, 1, "exactly the reset's session is terminated");
    let out = running.child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    let error = support::json_line(&out);
    let message = error["error"].as_str().unwrap();
    assert!(message.contains("lost the connection"), "{message}");
    assert_eq!(db.tenant_checksum(FIXTURE_COMPANY, true), before);
}
