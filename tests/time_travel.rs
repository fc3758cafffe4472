//! Time-travel deltas against a real PostgreSQL: the prefix property (base
//! plus delta equals a build at the later date), the state check of
//! `demoforge load`, and loading with plain `psql`.

mod support;

use std::path::Path;
use std::process::Command;

use chrono::Months;
use support::{TestDb, assert_success, demoforge};

const SPEC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/demo-travel-co.yaml");
const BASE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/generated/demo-travel-co/base-demo.sql"
);
const DELTA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/generated/demo-travel-co/travel/+6-months.sql"
);
const COMPANY: &str = "04ac4784-683d-5547-887f-53d8406bb814";

fn scenario() -> demoforge::model::Scenario {
    let text = std::fs::read_to_string(SPEC).unwrap();
    demoforge::validate::compile(SPEC, &text).expect("the shipped spec compiles")
}

fn load(db: &TestDb, file: &str) -> std::process::Output {
    demoforge(&["load", file, "--database-url", &db.url, "--json"])
}

fn loaded_base() -> TestDb {
    let db = TestDb::new();
    db.apply_schema();
    assert_success(&load(&db, BASE), "load of the base dump");
    db
}

fn state(db: &TestDb) -> String {
    db.client()
        .query_one("SELECT state FROM demoforge.loads", &[])
        .unwrap()
        .get(0)
}

fn copy_blocks(dump: &[u8]) -> String {
    let text = String::from_utf8(dump.to_vec()).unwrap();
    let start = text.find("\nSET ").expect("the header ends");
    text[start..].to_owned()
}

#[test]
fn base_rows_do_not_depend_on_the_time_travel_offsets() {
    let templates = demoforge::render::TemplateSet::builtin();
    let with = scenario();
    let mut without = with.clone();
    without.time_travel.clear();
    let a = demoforge::render::delta::base_dump(&with, &templates).unwrap();
    let b = demoforge::render::delta::base_dump(&without, &templates).unwrap();
    assert!(copy_blocks(&a) == copy_blocks(&b), "base rows differ");
}

#[test]
fn base_plus_delta_equals_a_build_six_months_later() {
    let db = loaded_base();
    let before = state(&db);
    assert!(before.starts_with("demo-travel-co@2026-11-15#"), "{before}");
    let out = load(&db, DELTA);
    assert_success(&out, "load of the +6 months delta");
    assert_eq!(state(&db), before.replace("2026-11-15", "2027-05-15"));
    let travelled = db.tenant_checksum(COMPANY, false);

    let scenario = scenario();
    let target = scenario
        .calendar
        .as_of
        .checked_add_months(Months::new(6))
        .unwrap();
    let templates = demoforge::render::TemplateSet::builtin();
    let dump = demoforge::render::delta::base_dump(&scenario.moved_to(target), &templates).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("later.sql");
    std::fs::write(&path, dump).unwrap();
    let fresh = TestDb::new();
    fresh.apply_schema();
    assert_success(
        &load(&fresh, path.to_str().unwrap()),
        "load of the later build",
    );
    let later = fresh.tenant_checksum(COMPANY, false);
    assert_eq!(travelled, later);
    assert!(
        later
            .iter()
            .any(|(t, sum)| t == "sales.invoices" && !sum.starts_with("0:"))
    );
}

#[test]
fn a_delta_applied_twice_or_on_the_wrong_state_is_refused() {
    let db = loaded_base();
    assert_success(&load(&db, DELTA), "first application");
    let after = db.tenant_checksum(COMPANY, true);
    let again = load(&db, DELTA);
    assert_eq!(
        again.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert!(String::from_utf8_lossy(&again.stderr).contains("applies to state"));
    assert_eq!(db.tenant_checksum(COMPANY, true), after);

    // An empty database: no tenant, nothing to apply to.
    let empty = TestDb::new();
    empty.apply_schema();
    let out = load(&empty, DELTA);
    assert_eq!(out.status.code(), Some(4));
    assert_eq!(empty.count("SELECT count(*) FROM core.companies"), 0);

    // Reset refuses a delta outright.
    let out = demoforge(&["reset", DELTA, "--database-url", &db.url, "--operator", "t"]);
    assert_eq!(out.status.code(), Some(4));
    assert_eq!(db.tenant_checksum(COMPANY, true), after);
}

#[test]
fn the_delta_loads_with_psql_on_top_of_the_base() {
    let db = TestDb::new();
    db.apply_schema();
    for (file, single) in [(BASE, false), (DELTA, true)] {
        let mut cmd = Command::new("psql");
        cmd.args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", &db.url]);
        if single {
            cmd.arg("-1");
        }
        let out = cmd.args(["-f", file]).output().expect("run psql");
        assert!(
            out.status.success(),
            "psql -f {}: {}",
            Path::new(file).display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let periods =
        db.count("SELECT count(*) FROM ledger.journal_entries WHERE entry_date > '2026-11-15'");
    assert!(periods > 0);
}
