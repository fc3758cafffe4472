//! Weekly ticks and overlays through the real binary on a real PostgreSQL:
//! each delta loads on top of the base, a repeated one is refused, and the
//! tenant keeps its SQL invariants.

mod support;

use std::path::{Path, PathBuf};

use support::{TestDb, assert_success, demoforge};

const SPEC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/demo-travel-co.yaml");

/// Builds the base dump into `dir` and loads it into a fresh database.
fn loaded_base(dir: &Path) -> TestDb {
    let out = demoforge(&["build", SPEC, "--out", dir.to_str().unwrap()]);
    assert_success(&out, "build");
    let db = TestDb::new();
    db.apply_schema();
    let dump = dir.join("demo-travel-co/base-demo.sql");
    let out = demoforge(&[
        "load",
        dump.to_str().unwrap(),
        "--database-url",
        &db.url,
        "--operator",
        "test",
    ]);
    assert_success(&out, "load base");
    db
}

fn delta(dir: &Path, args: &[&str], name: &str) -> PathBuf {
    let path = dir.join(name);
    let mut all: Vec<&str> = args.to_vec();
    let p = path.to_str().unwrap().to_owned();
    all.extend(["--output", &p]);
    assert_success(&demoforge(&all), &format!("demoforge {args:?}"));
    path
}

fn load(db: &TestDb, file: &Path) -> std::process::Output {
    demoforge(&[
        "load",
        file.to_str().unwrap(),
        "--database-url",
        &db.url,
        "--operator",
        "test",
    ])
}

fn journals_balance(db: &TestDb) {
    assert_eq!(
        db.count(
            "SELECT count(*) FROM (SELECT entry_id FROM ledger.journal_lines \
             GROUP BY entry_id HAVING sum(debit) <> sum(credit)) unbalanced"
        ),
        0
    );
}

#[test]
fn ticks_are_deterministic_chain_and_apply_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = loaded_base(dir.path());
    let w47 = delta(dir.path(), &["tick", SPEC, "--week", "2026-W47"], "w47.sql");
    let again = delta(
        dir.path(),
        &["tick", SPEC, "--week", "2026-W47"],
        "w47-again.sql",
    );
    assert_eq!(std::fs::read(&w47).unwrap(), std::fs::read(&again).unwrap());
    let stdout = demoforge(&["tick", SPEC, "--week", "2026-W47"]);
    assert_success(&stdout, "tick to stdout");
    assert_eq!(stdout.stdout, std::fs::read(&w47).unwrap());

    let invoices = |db: &TestDb| db.count("SELECT count(*) FROM sales.invoices");
    let before = invoices(&db);
    assert_success(&load(&db, &w47), "load W47");
    assert!(invoices(&db) > before, "the week adds invoices");
    journals_balance(&db);
    let refused = load(&db, &w47);
    assert!(!refused.status.success(), "the same week twice is refused");
    for week in ["2026-W48", "2026-W49"] {
        let file = delta(
            dir.path(),
            &["tick", SPEC, "--week", week],
            &format!("{week}.sql"),
        );
        assert_success(&load(&db, &file), week);
        journals_balance(&db);
    }
    // A week skipped is refused too.
    let w51 = delta(dir.path(), &["tick", SPEC, "--week", "2026-W51"], "w51.sql");
    assert!(!load(&db, &w51).status.success());
}

#[test]
fn a_bad_week_is_a_clear_error() {
    for bad in ["2026-48", "2027-W53", "2026-W46"] {
        let out = demoforge(&["tick", SPEC, "--week", bad]);
        assert_eq!(out.status.code(), Some(1), "{bad}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("week"), "{bad}: {stderr}");
    }
}

#[test]
fn cash_crunch_overdraws_the_loaded_tenant() {
    let dir = tempfile::tempdir().unwrap();
    let db = loaded_base(dir.path());
    let file = delta(dir.path(), &["overlay", SPEC, "cash-crunch"], "crunch.sql");
    let again = delta(
        dir.path(),
        &["overlay", SPEC, "cash-crunch"],
        "crunch-again.sql",
    );
    assert_eq!(
        std::fs::read(&file).unwrap(),
        std::fs::read(&again).unwrap()
    );
    assert_success(&load(&db, &file), "load cash-crunch");
    journals_balance(&db);
    let balance = db.count(
        "SELECT (sum(l.debit - l.credit) * 100)::bigint FROM ledger.journal_lines l \
         JOIN ledger.accounts a ON a.id = l.account_id WHERE a.purpose = 'bank'",
    );
    assert!(balance < 0, "book balance {balance}");
    assert!(
        !load(&db, &file).status.success(),
        "an overlay applies once"
    );
}

#[test]
fn quarter_close_then_cash_crunch_compose() {
    let dir = tempfile::tempdir().unwrap();
    let db = loaded_base(dir.path());
    let close = delta(dir.path(), &["overlay", SPEC, "quarter-close"], "close.sql");
    assert_success(&load(&db, &close), "load quarter-close");
    journals_balance(&db);
    assert_eq!(
        db.count("SELECT count(*) FROM ledger.periods WHERE name = '2026-11' AND locked"),
        1
    );
    let crunch = delta(
        dir.path(),
        &["overlay", SPEC, "cash-crunch", "--after", "quarter-close"],
        "crunch.sql",
    );
    assert_success(&load(&db, &crunch), "load cash-crunch after quarter-close");
    journals_balance(&db);
}
