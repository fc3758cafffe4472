//! Resets while the application is in use: evaluators' sessions keep writing
//! API tokens and session rows for the demo users during every reset.
//!
//! Each round runs one reset through the real binary while two other
//! connections insert and delete `core.api_tokens` rows and rows of an
//! app-owned `core.sessions` table (company-scoped, so the reset treats it as
//! a tenant table) for the demo users in a tight loop. Odd rounds take the
//! merge path, even rounds are forced onto the full replace by a unique clash
//! (the way `db_reset.rs` does it). Every reset must succeed, and the tenant
//! must equal the snapshot apart from what the app wrote after the commit.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};

use support::{FIXTURE_COMPANY, TestDb, assert_success, demoforge_cmd, fixture_dump};

const SESSIONS_DDL: &str = "
    CREATE TABLE core.sessions (
        id uuid PRIMARY KEY,
        company_id uuid NOT NULL,
        user_id uuid NOT NULL,
        FOREIGN KEY (company_id, user_id) REFERENCES core.users (company_id, id)
    );
    CREATE INDEX sessions_user ON core.sessions (company_id, user_id);";

/// What the app does while evaluators are logged in; returns how many of its
/// statements succeeded and how many were refused (discarded) by the database.
fn app_writer(
    writer: u128,
    url: String,
    stop: Arc<AtomicBool>,
    ok: Arc<AtomicU64>,
    refused: Arc<AtomicU64>,
) {
    let mut client = support::connect(&url);
    let company: uuid::Uuid = FIXTURE_COMPANY.parse().unwrap();
    let users: Vec<uuid::Uuid> = client
        .query(
            "SELECT id FROM core.users WHERE company_id = $1 ORDER BY id",
            &[&company],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(!users.is_empty());
    let mut n: u64 = 0;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let user = users[(n as usize) % users.len()];
        let token = uuid::Uuid::from_u128((0xa99 << 100) | (writer << 64) | u128::from(n));
        let statements = [
            format!(
                "INSERT INTO core.api_tokens (id, company_id, user_id, name, token_hash)
                 VALUES ('{token}', '{company}', '{user}', 'app', md5('{token}') || md5('{n}'))"
            ),
            format!(
                "INSERT INTO core.sessions (id, company_id, user_id) VALUES ('{token}', '{company}', '{user}')"
            ),
            format!("DELETE FROM core.api_tokens WHERE id = '{token}'"),
            format!("DELETE FROM core.sessions WHERE id = '{token}'"),
        ];
        for (i, sql) in statements.iter().enumerate() {
            // Leave every other pair in place, so the reset has rows to delete.
            if i >= 2 && n % 2 == 0 {
                break;
            }
            match client.batch_execute(sql) {
                Ok(()) => ok.fetch_add(1, Ordering::Relaxed),
                Err(e) => {
                    let code = e.code().map(|c| c.code().to_owned());
                    assert_eq!(code.as_deref(), Some("23503"), "unexpected app error: {e}");
                    refused.fetch_add(1, Ordering::Relaxed)
                }
            };
        }
    }
}

/// A tester's edit that makes the merge collide on (company_id, number).
fn force_full_replace(db: &TestDb) {
    db.client()
        .batch_execute(&format!(
            "UPDATE sales.customers SET number = 'C-OLD';
             INSERT INTO sales.customers (id, company_id, number, name, email, phone, address_line1,
                 city, postcode, country, payment_terms_days, created_on)
             VALUES ('d0000000-0000-4000-8000-0000000000f1', '{FIXTURE_COMPANY}', 'C0001', 'New',
                 'n@example.test', '0', 'x', 'y', 'z', 'GB', 0, '2025-07-01');"
        ))
        .unwrap();
}

fn without_app_tables(sums: Vec<(String, String)>) -> Vec<(String, String)> {
    sums.into_iter()
        .filter(|(t, _)| t != "core.sessions" && t != "core.api_tokens")
        .collect()
}

#[test]
fn twenty_resets_succeed_while_the_app_writes_tokens_and_sessions() {
    let db = TestDb::with_fixture_loaded();
    db.client().batch_execute(SESSIONS_DDL).unwrap();
    let snapshot = without_app_tables(db.tenant_checksum(FIXTURE_COMPANY, false));
    let stop = Arc::new(AtomicBool::new(false));
    let ok = Arc::new(AtomicU64::new(0));
    let refused = Arc::new(AtomicU64::new(0));
    let writers: Vec<_> = (0..2)
        .map(|writer| {
            let (url, stop, ok, refused) =
                (db.url.clone(), stop.clone(), ok.clone(), refused.clone());
            std::thread::spawn(move || app_writer(writer, url, stop, ok, refused))
        })
        .collect();

    let mut strategies = Vec::new();
    for round in 0..20 {
        if round % 2 == 0 {
            force_full_replace(&db);
        }
        let out = db.reset(&["--json"]);
        assert_success(&out, &format!("reset in round {round}"));
        strategies.push(
            support::json_line(&out)["strategy"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.join()
            .expect("the app writer saw only foreign-key refusals");
    }

    assert_eq!(
        strategies.iter().filter(|s| *s == "full").count(),
        10,
        "{strategies:?}"
    );
    assert_eq!(
        strategies.iter().filter(|s| *s == "merge").count(),
        10,
        "{strategies:?}"
    );
    assert!(
        ok.load(Ordering::Relaxed) > 100,
        "the app barely wrote: {ok:?}"
    );
    assert_eq!(
        without_app_tables(db.tenant_checksum(FIXTURE_COMPANY, false)),
        snapshot
    );
    // The reset's own tokens are all there: one per persona.
    assert_eq!(
        db.count("SELECT count(*) FROM core.api_tokens WHERE name = 'demoforge'"),
        2
    );
    eprintln!(
        "app statements: {} succeeded, {} discarded by the database",
        ok.load(Ordering::Relaxed),
        refused.load(Ordering::Relaxed)
    );
}

#[test]
fn a_foreign_key_failure_names_the_constraint_table_and_likely_cause() {
    let db = TestDb::with_fixture_loaded();
    // A table outside the tenant (no company_id) that points at a demo user:
    // the full replace cannot delete the user, and must say why.
    db.client()
        .batch_execute(&format!(
            "CREATE TABLE public.outside_refs (
                 owner uuid NOT NULL, user_id uuid NOT NULL,
                 CONSTRAINT outside_refs_user_fk FOREIGN KEY (owner, user_id)
                     REFERENCES core.users (company_id, id));
             INSERT INTO public.outside_refs
                 SELECT company_id, id FROM core.users WHERE company_id = '{FIXTURE_COMPANY}' LIMIT 1;"
        ))
        .unwrap();
    force_full_replace(&db);
    let before = db.tenant_checksum(FIXTURE_COMPANY, true);
    let out = db.reset(&[]);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let text = stderr.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        text.contains("constraint outside_refs_user_fk on public.outside_refs"),
        "{text}"
    );
    assert!(text.contains("the application wrote"), "{text}");
    assert!(!text.contains("rebuild it"), "{text}");
    assert_eq!(db.tenant_checksum(FIXTURE_COMPANY, true), before);
}

/// A reset paused at `phase` (the documented test hook), returned once it
/// has printed the pause marker.
fn reset_paused_at(db: &TestDb, phase: &str, secs: u32, extra: &[&str]) -> Child {
    let dump = fixture_dump();
    let mut args = vec![
        "reset",
        dump.to_str().unwrap(),
        "--database-url",
        &db.url,
        "--operator",
        "test",
        "--json",
    ];
    args.extend_from_slice(extra);
    let mut child = demoforge_cmd(&args)
        .env("DEMOFORGE_TEST_PAUSE_AT", phase)
        .env("DEMOFORGE_TEST_PAUSE_SECS", secs.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let marker = format!("demoforge-test: paused at {phase}");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut seen = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        if line == marker {
            // Keep draining stderr so the child never blocks on a full pipe.
            std::thread::spawn(move || lines.for_each(drop));
            return child;
        }
        seen.push(line);
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("no `{marker}`: {seen:?}");
}

/// Runs `sql` from an app connection that gives up after `lock_timeout`;
/// returns the SQLSTATE when the database refused it.
fn app_write(db: &TestDb, sql: &str) -> Option<String> {
    let mut client = db.client();
    client.batch_execute("SET lock_timeout = '700ms'").unwrap();
    client.batch_execute(sql).err().map(|e| {
        e.code()
            .map_or_else(|| e.to_string(), |c| c.code().to_owned())
    })
}

/// The reviewer's reproduction: app writes made while a merge-path reset is
/// between its comparison and its commit used to go straight through and
/// survive it (a renamed and a new customer, an API token of a demo user).
/// Now they wait for the reset's row locks (here: give up after the lock
/// timeout), and the reset leaves exactly the snapshot.
#[test]
fn app_writes_during_a_merge_reset_wait_for_it_and_do_not_survive_it() {
    let db = TestDb::with_fixture_loaded();
    let snapshot = db.tenant_checksum(FIXTURE_COMPANY, false);
    let customer = "d0000000-0000-4000-8000-000000000071";
    let user = "d0000000-0000-4000-8000-000000000011";
    let writes = [
        (
            "compared",
            format!("UPDATE sales.customers SET name = 'Renamed by the app' WHERE id = '{customer}'"),
        ),
        (
            "compared",
            format!(
                "INSERT INTO sales.customers (id, company_id, number, name, email, phone, address_line1,
                     city, postcode, country, payment_terms_days, created_on)
                 VALUES ('d0000000-0000-4000-8000-0000000000f2', '{FIXTURE_COMPANY}', 'C-APP', 'App',
                     'a@example.test', '0', 'x', 'y', 'z', 'GB', 0, '2025-07-01')"
            ),
        ),
        (
            "deleted",
            format!(
                "INSERT INTO core.api_tokens (id, company_id, user_id, name, token_hash)
                 VALUES ('d0000000-0000-4000-8000-0000000000f3', '{FIXTURE_COMPANY}', '{user}',
                     'app', md5('app'))"
            ),
        ),
    ];
    for (phase, sql) in &writes {
        let reset = reset_paused_at(&db, phase, 3, &[]);
        let refused = app_write(&db, sql);
        let out = reset.wait_with_output().unwrap();
        assert_success(&out, &format!("reset paused at {phase}"));
        assert_eq!(support::json_line(&out)["strategy"], "merge");
        assert_eq!(
            refused.as_deref(),
            Some("55P03"),
            "at {phase} the app's write did not wait for the reset: {sql}"
        );
        assert_eq!(
            db.tenant_checksum(FIXTURE_COMPANY, false),
            snapshot,
            "{sql}"
        );
        assert_eq!(
            db.count("SELECT count(*) FROM core.api_tokens WHERE name <> 'demoforge'"),
            0,
            "an app token survived the reset"
        );
    }
    // Once the reset has committed, the same writes go through.
    for (_, sql) in &writes {
        assert_eq!(app_write(&db, sql), None, "{sql}");
    }
}

/// Waits until the reset's session is blocked on a row lock.
fn wait_until_reset_waits_for_a_lock(db: &TestDb) {
    let sql = format!(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = '{}'
             AND application_name = 'demoforge' AND wait_event_type = 'Lock'",
        db.name
    );
    for _ in 0..300 {
        if db.count(&sql) > 0 {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("the reset never waited for the app's row locks");
}

/// An app transaction that locks the tenant's rows in another order than the
/// reset (an invoice, then a demo user through a token's foreign key) makes
/// a deadlock; PostgreSQL aborts the reset, which runs its transaction again
/// and succeeds, and the token the app committed meanwhile does not survive.
#[test]
fn a_deadlock_with_an_app_transaction_is_retried_and_the_reset_succeeds() {
    let db = TestDb::with_fixture_loaded();
    let snapshot = db.tenant_checksum(FIXTURE_COMPANY, false);
    force_full_replace(&db);
    let dir = tempfile::tempdir().unwrap();
    let creds = dir.path().join("creds.json");
    let mut app = db.client();
    app.batch_execute(&format!(
        "BEGIN; UPDATE sales.invoices SET status = status WHERE company_id = '{FIXTURE_COMPANY}'"
    ))
    .unwrap();
    let dump = fixture_dump();
    let reset = demoforge_cmd(&[
        "reset",
        dump.to_str().unwrap(),
        "--database-url",
        &db.url,
        "--operator",
        "test",
        "--json",
        "--credentials-out",
        creds.to_str().unwrap(),
    ])
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    wait_until_reset_waits_for_a_lock(&db);
    // Blocks on the user row the reset holds: a cycle, which PostgreSQL
    // breaks after deadlock_timeout by aborting the reset (it waited first).
    app.batch_execute(&format!(
        "INSERT INTO core.api_tokens (id, company_id, user_id, name, token_hash)
         VALUES ('d0000000-0000-4000-8000-0000000000f4', '{FIXTURE_COMPANY}',
             'd0000000-0000-4000-8000-000000000011', 'app', md5('app'));
         COMMIT;"
    ))
    .expect("the app's transaction went through once the reset was aborted");
    let out = reset.wait_with_output().unwrap();
    assert_success(&out, "reset after a deadlock");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("attempt 1 of 5 rolled back") && stderr.contains("deadlock detected"),
        "{stderr}"
    );
    assert_eq!(support::json_line(&out)["strategy"], "full");
    assert_eq!(db.tenant_checksum(FIXTURE_COMPANY, false), snapshot);
    assert_eq!(
        db.count("SELECT count(*) FROM core.api_tokens WHERE name <> 'demoforge'"),
        0,
        "the app's token, committed before the reset's commit, survived it"
    );
    // One audit row, and the credentials file of the attempt that committed.
    assert_eq!(
        db.count("SELECT count(*) FROM demoforge.audit_log WHERE action = 'reset'"),
        1
    );
    let file: serde_json::Value = serde_json::from_slice(&std::fs::read(&creds).unwrap()).unwrap();
    let token = file["personas"][0]["api_token"].as_str().unwrap();
    let secret = token.split_once('|').unwrap().1;
    assert_eq!(
        db.count(&format!(
            "SELECT count(*) FROM core.api_tokens WHERE token_hash = encode(sha256('{secret}'), 'hex')"
        )),
        1,
        "the credentials file does not match the database"
    );
    let temps = std::fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(temps, 1, "only creds.json is left in the folder");
}
