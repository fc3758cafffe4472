//! Resets while the application is in use: evaluators' sessions keep writing
//! to the demo tenant during every reset.
//!
//! Each round runs one reset through the real binary while the app writes
//! in a loop from three connections: API tokens and rows of an app-owned
//! `core.sessions` table (company-scoped, so the reset treats it as a tenant
//! table) for the demo users, renames of a customer and new customers, and
//! (the third) transactions that lock an invoice and then insert a token,
//! the other way round from the reset's parents-first locks, so deadlocks
//! happen and the reset must retry them. Odd rounds take the merge path, even
//! rounds are forced onto the full replace by a unique clash. Every reset
//! must succeed, and no app write that finished before the reset had frozen
//! the tenant may survive it: the app's writes wait for the reset's commit.

mod support;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use support::{FIXTURE_COMPANY, TestDb, assert_success};

const SESSIONS_DDL: &str = "
    CREATE TABLE core.sessions (
        id uuid PRIMARY KEY,
        company_id uuid NOT NULL,
        user_id uuid NOT NULL,
        FOREIGN KEY (company_id, user_id) REFERENCES core.users (company_id, id)
    );
    CREATE INDEX sessions_user ON core.sessions (company_id, user_id);";

const CUSTOMER: &str = "d0000000-0000-4000-8000-000000000071";

/// Shared by the app writers and the test.
#[derive(Default)]
struct AppLog {
    /// When each app write (a marker: row id or name suffix) committed.
    committed: Mutex<BTreeMap<String, Instant>>,
    ok: AtomicU64,
    /// Refused by the database: foreign-key failures and the app's own
    /// deadlocks, both discarded writes.
    refused: AtomicU64,
    stop: AtomicBool,
}

impl AppLog {
    fn record(&self, result: Result<(), postgres::Error>, markers: &[&str]) {
        match result {
            Ok(()) => {
                let now = Instant::now();
                let mut committed = self.committed.lock().unwrap();
                for m in markers {
                    committed.insert((*m).to_owned(), now);
                }
                self.ok.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => {
                let code = e.code().map(|c| c.code().to_owned());
                assert!(
                    matches!(code.as_deref(), Some("23503" | "40P01")),
                    "unexpected app error: {e}"
                );
                self.refused.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

fn demo_users(client: &mut postgres::Client) -> Vec<uuid::Uuid> {
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
    users
}

fn token_sql(token: uuid::Uuid, user: uuid::Uuid, n: u64) -> String {
    format!(
        "INSERT INTO core.api_tokens (id, company_id, user_id, name, token_hash)
         VALUES ('{token}', '{FIXTURE_COMPANY}', '{user}', 'app', md5('{token}') || md5('{n}'))"
    )
}

/// What the app does while evaluators are logged in, one statement at a time.
fn app_writer(writer: u128, url: String, log: Arc<AppLog>) {
    let mut client = support::connect(&url);
    let users = demo_users(&mut client);
    let mut n: u64 = 0;
    while !log.stop.load(Ordering::Relaxed) {
        n += 1;
        let user = users[(n as usize) % users.len()];
        let id = uuid::Uuid::from_u128((0xa99 << 100) | (writer << 64) | u128::from(n));
        let marker = format!("~app-{writer}-{n}");
        let writes = [
            token_sql(id, user, n),
            format!(
                "INSERT INTO core.sessions (id, company_id, user_id) VALUES ('{id}', '{FIXTURE_COMPANY}', '{user}')"
            ),
            format!(
                "UPDATE sales.customers SET name = split_part(name, ' ~app', 1) || ' {marker}'
                 WHERE id = '{CUSTOMER}'"
            ),
            format!(
                "INSERT INTO sales.customers (id, company_id, number, name, email, phone, address_line1,
                     city, postcode, country, payment_terms_days, created_on)
                 VALUES ('{id}', '{FIXTURE_COMPANY}', 'APP-{writer}-{n}', 'App', 'a@example.test',
                     '0', 'x', 'y', 'z', 'GB', 0, '2025-07-01')"
            ),
        ];
        for (kind, sql) in ["tok", "ses", "upd", "cus"].iter().zip(&writes) {
            let marker = if *kind == "upd" {
                format!("upd:{marker}")
            } else {
                format!("{kind}:{id}")
            };
            log.record(client.batch_execute(sql), &[&marker]);
        }
        // Remove every other set, so the reset also meets rows the app deleted.
        if n % 2 == 1 {
            let cleanup = format!(
                "DELETE FROM core.api_tokens WHERE id = '{id}';
                 DELETE FROM core.sessions WHERE id = '{id}';
                 DELETE FROM sales.customers WHERE id = '{id}';"
            );
            log.record(client.batch_execute(&cleanup), &[]);
        }
    }
}

/// Locks an invoice, then a demo user (through a token's foreign key): the
/// opposite order to the reset's, so it deadlocks with it now and then.
fn app_locking_invoices_first(url: String, log: Arc<AppLog>) {
    let mut client = support::connect(&url);
    let users = demo_users(&mut client);
    let mut n: u64 = 0;
    while !log.stop.load(Ordering::Relaxed) {
        n += 1;
        let id = uuid::Uuid::from_u128((0xa99 << 100) | (7 << 64) | u128::from(n));
        let result = (|| {
            let mut tx = client.transaction()?;
            tx.batch_execute(&format!(
                "UPDATE sales.invoices SET status = status WHERE company_id = '{FIXTURE_COMPANY}'"
            ))?;
            tx.batch_execute(&token_sql(id, users[0], n))?;
            tx.commit()
        })();
        log.record(result, &[&format!("tok:{id}")]);
    }
}

/// A tester's edit that makes the merge collide on (company_id, number).
fn force_full_replace(db: &TestDb) {
    db.client()
        .batch_execute(&format!(
            "UPDATE sales.customers SET number = 'C-OLD' WHERE number = 'C0001';
             INSERT INTO sales.customers (id, company_id, number, name, email, phone, address_line1,
                 city, postcode, country, payment_terms_days, created_on)
             VALUES ('d0000000-0000-4000-8000-0000000000f1', '{FIXTURE_COMPANY}', 'C0001', 'New',
                 'n@example.test', '0', 'x', 'y', 'z', 'GB', 0, '2025-07-01');"
        ))
        .unwrap();
}

/// The app's writes present in the tenant now, as markers.
fn app_rows(db: &TestDb) -> Vec<String> {
    let mut client = db.client();
    let mut found = Vec::new();
    for sql in [
        "SELECT 'tok:' || id FROM core.api_tokens WHERE name = 'app'",
        "SELECT 'ses:' || id FROM core.sessions",
        "SELECT 'cus:' || id FROM sales.customers WHERE number LIKE 'APP-%'",
        "SELECT 'upd:' || substring(name from '~app-[0-9]+-[0-9]+$') FROM sales.customers WHERE name LIKE '%~app-%'",
    ] {
        found.extend(client.query(sql, &[]).unwrap().iter().map(|r| r.get(0)));
    }
    found
}

#[test]
fn twenty_resets_succeed_while_the_app_writes_to_the_tenant() {
    let db = TestDb::with_fixture_loaded();
    db.client().batch_execute(SESSIONS_DDL).unwrap();
    let snapshot = db.tenant_checksum(FIXTURE_COMPANY, false);
    let log = Arc::new(AppLog::default());
    let mut writers: Vec<_> = (0..2)
        .map(|writer| {
            let (url, log) = (db.url.clone(), log.clone());
            std::thread::spawn(move || app_writer(writer, url, log))
        })
        .collect();
    let (url, log2) = (db.url.clone(), log.clone());
    writers.push(std::thread::spawn(move || {
        app_locking_invoices_first(url, log2)
    }));

    let mut strategies = Vec::new();
    let mut retried = 0;
    for round in 0..20 {
        if round % 2 == 0 {
            force_full_replace(&db);
        }
        // Paused for a second once the tenant is frozen: app writes made in
        // that second must wait for the commit.
        let reset = reset_paused_at(&db, "frozen", 1, &[]);
        let frozen = Instant::now();
        let out = reset.finish();
        assert_success(&out, &format!("reset in round {round}"));
        strategies.push(
            support::json_line(&out)["strategy"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
        let committed = log.committed.lock().unwrap().clone();
        for row in app_rows(&db) {
            // Not yet logged: it committed after the query above, so after the reset.
            if let Some(at) = committed.get(&row) {
                assert!(
                    *at > frozen,
                    "round {round}: app write {row}, committed {:?} before the reset froze the tenant, survived it; {:?}; {}; {}",
                    frozen - *at,
                    app_rows(&db),
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                );
            }
        }
        retried += u32::from(String::from_utf8_lossy(&out.stderr).contains("rolled back"));
    }
    log.stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.join()
            .expect("the app writers saw only foreign-key refusals and deadlocks");
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
        log.ok.load(Ordering::Relaxed) > 100,
        "the app barely wrote: {:?}",
        log.ok
    );
    // With the app stopped, one more reset leaves exactly the snapshot,
    // app tables included.
    assert_success(&db.reset(&[]), "reset after the app stopped");
    assert_eq!(db.tenant_checksum(FIXTURE_COMPANY, false), snapshot);
    assert_eq!(app_rows(&db), Vec::<String>::new());
    assert_eq!(
        db.count("SELECT count(*) FROM core.api_tokens WHERE name = 'demoforge'"),
        2
    );
    eprintln!(
        "app statements: {} succeeded, {} discarded by the database; resets retried after a deadlock: {retried}",
        log.ok.load(Ordering::Relaxed),
        log.refused.load(Ordering::Relaxed)
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
fn reset_paused_at(db: &TestDb, phase: &str, secs: u32, extra: &[&str]) -> Paused {
    let mut args = vec!["--json"];
    args.extend_from_slice(extra);
    let mut child = db
        .reset_command(&args)
        .env("DEMOFORGE_TEST_PAUSE_AT", phase)
        .env("DEMOFORGE_TEST_PAUSE_SECS", secs.to_string())
        .env("DEMOFORGE_TIMINGS", "1")
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
            // Keep reading stderr so the child never blocks on a full pipe.
            let rest = std::thread::spawn(move || {
                seen.extend(lines.map_while(Result::ok));
                seen.join("\n")
            });
            return Paused { child, rest };
        }
        seen.push(line);
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("no `{marker}`: {seen:?}");
}

struct Paused {
    child: Child,
    rest: std::thread::JoinHandle<String>,
}

impl Paused {
    /// The output, with every stderr line the reset printed.
    fn finish(self) -> std::process::Output {
        let mut out = self.child.wait_with_output().unwrap();
        out.stderr = self.rest.join().unwrap().into_bytes();
        out
    }
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
        let out = reset.finish();
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
    let reset = db
        .reset_command(&["--json", "--credentials-out", creds.to_str().unwrap()])
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
