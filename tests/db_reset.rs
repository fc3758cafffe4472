//! `demoforge load` and `reset` on a real PostgreSQL: repeatability, isolation
//! from other tenants, refusals, audit rows and dry runs.

mod support;

use support::{FIXTURE_COMPANY, TestDb, assert_success, demoforge, fixture_dump};

const OTHER_COMPANY: &str = "0b000000-0000-4000-8000-0000000000aa";

#[test]
fn a_load_followed_by_two_resets_gives_identical_tenant_contents() {
    let db = TestDb::with_fixture_loaded();
    let loaded = db.tenant_checksum(FIXTURE_COMPANY, false);
    assert_success(&db.reset(&[]), "first reset");
    let first = db.tenant_checksum(FIXTURE_COMPANY, false);
    assert_success(&db.reset(&[]), "second reset");
    let second = db.tenant_checksum(FIXTURE_COMPANY, false);
    assert_eq!(loaded, first);
    assert_eq!(first, second);
    assert_eq!(
        db.count("SELECT count(*) FROM core.companies"),
        1,
        "exactly the fixture company"
    );
    // Every load or reset issues one token per persona and replaces the old ones.
    assert_eq!(db.count("SELECT count(*) FROM core.api_tokens"), 2);
    assert_eq!(
        db.count("SELECT count(*) FROM core.users WHERE password_hash IS NULL"),
        0
    );
}

#[test]
fn another_tenant_is_unchanged_after_twenty_resets() {
    let db = TestDb::with_fixture_loaded();
    db.add_other_tenant(OTHER_COMPANY, 40);
    let before = db.tenant_checksum(OTHER_COMPANY, true);
    // other-tenant.sql fills every table the fixture dump has a block for.
    let filled = before
        .iter()
        .filter(|(_, sum)| !sum.starts_with("0:"))
        .count();
    assert!(
        filled >= 21,
        "the other tenant must have rows in the fixture's tables: {before:?}"
    );
    for i in 0..20 {
        assert_success(&db.reset(&[]), &format!("reset {i}"));
    }
    assert_eq!(db.tenant_checksum(OTHER_COMPANY, true), before);
    assert_eq!(
        db.count("SELECT count(*) FROM demoforge.audit_log WHERE action = 'reset'"),
        20
    );
}

#[test]
fn reset_refuses_a_company_that_is_not_flagged_demo() {
    let db = TestDb::with_fixture_loaded();
    db.client()
        .batch_execute(&format!(
            "UPDATE core.companies SET is_demo = false WHERE id = '{FIXTURE_COMPANY}'"
        ))
        .expect("unflag");
    let before = db.tenant_checksum(FIXTURE_COMPANY, true);
    let out = db.reset(&["--json"]);
    assert_eq!(out.status.code(), Some(4), "{out:?}");
    let error = support::json_line(&out);
    assert_eq!(error["status"], "error");
    assert_eq!(error["exit_code"], 4);
    let message = error["error"].as_str().unwrap();
    assert!(message.contains("not flagged is_demo"), "{message}");
    assert_eq!(db.tenant_checksum(FIXTURE_COMPANY, true), before);
    assert_eq!(db.count("SELECT count(*) FROM demoforge.audit_log"), 1);

    // load refuses the same way.
    let out = demoforge(&[
        "load",
        fixture_dump().to_str().unwrap(),
        "--database-url",
        &db.url,
    ]);
    assert_eq!(out.status.code(), Some(4), "{out:?}");
    assert_eq!(db.tenant_checksum(FIXTURE_COMPANY, true), before);
}

#[test]
fn a_dump_with_another_companys_id_is_refused_before_any_write() {
    let db = TestDb::new();
    db.apply_schema();
    db.add_other_tenant(OTHER_COMPANY, 2);
    let other_before = db.tenant_checksum(OTHER_COMPANY, true);
    let text = std::fs::read_to_string(fixture_dump()).unwrap();
    // One journal line now claims to belong to the other tenant.
    let tampered = text.replacen(
        &format!("d0000000-0000-4000-8000-0000000000e5\t{FIXTURE_COMPANY}"),
        &format!("d0000000-0000-4000-8000-0000000000e5\t{OTHER_COMPANY}"),
        1,
    );
    assert_ne!(tampered, text, "the fixture must contain the row to tamper");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tampered.sql");
    std::fs::write(&path, tampered).unwrap();

    for command in ["load", "reset"] {
        let out = demoforge(&[
            command,
            path.to_str().unwrap(),
            "--database-url",
            &db.url,
            "--operator",
            "test",
            "--json",
        ]);
        assert_eq!(out.status.code(), Some(4), "{command}: {out:?}");
        let message = support::json_line(&out)["error"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(message.contains(OTHER_COMPANY), "{message}");
    }
    assert_eq!(
        db.count("SELECT count(*) FROM core.companies WHERE is_demo"),
        0
    );
    assert_eq!(db.count("SELECT count(*) FROM demoforge.audit_log"), 0);
    assert_eq!(db.tenant_checksum(OTHER_COMPANY, true), other_before);

    // Refused before connecting: an unreachable server still gets exit 4, not 3.
    let out = demoforge(&[
        "load",
        path.to_str().unwrap(),
        "--database-url",
        "postgresql://nobody@127.0.0.1:1/none",
    ]);
    assert_eq!(out.status.code(), Some(4), "{out:?}");
}

#[test]
fn the_audit_row_records_what_testers_changed() {
    let db = TestDb::with_fixture_loaded();
    let before = db.tenant_checksum(FIXTURE_COMPANY, false);
    db.client()
        .batch_execute(&format!(
            "UPDATE sales.customers SET name = 'Renamed by a tester';
             DELETE FROM sales.payment_allocations;
             INSERT INTO core.roles (id, company_id, key, name)
               VALUES ('d0000000-0000-4000-8000-0000000000ff', '{FIXTURE_COMPANY}', 'tester', 'Tester');
             INSERT INTO core.api_tokens (id, company_id, user_id, name, token_hash)
               VALUES (gen_random_uuid(), '{FIXTURE_COMPANY}', 'd0000000-0000-4000-8000-000000000011',
                       'made in the app', repeat('a', 64));"
        ))
        .expect("tester edits");
    let out = db.reset(&["--json"]);
    assert_success(&out, "reset");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.lines().count(), 1, "one JSON line: {stdout}");
    let summary = support::json_line(&out);
    assert_eq!(summary["status"], "ok");
    let expected = serde_json::json!({
        "core.roles": {"added": 1, "changed": 0, "removed": 0},
        "sales.customers": {"added": 0, "changed": 1, "removed": 0},
        "sales.payment_allocations": {"added": 0, "changed": 0, "removed": 1},
    });
    assert_eq!(summary["tester_changes"], expected);

    let row = db
        .client()
        .query_one(
            "SELECT operator, scenario, dump_sha256::text, rows_deleted, rows_loaded, duration_ms,
                    tester_changes
             FROM demoforge.audit_log ORDER BY id DESC LIMIT 1",
            &[],
        )
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "test");
    assert_eq!(row.get::<_, String>(1), "tiny-travel");
    let sha: String = row.get(2);
    let bytes = std::fs::read(fixture_dump()).unwrap();
    use sha2::Digest;
    let expected_sha: String = sha2::Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(sha, expected_sha);
    // Deleted: the added role and the three tokens. Written: the customer
    // restored and the allocation put back. Nothing else was touched.
    assert_eq!(row.get::<_, i64>(3), 4);
    assert_eq!(row.get::<_, i64>(4), 2);
    assert_eq!(summary["strategy"], "merge");
    assert!(row.get::<_, i64>(5) >= 0);
    let changes: serde_json::Value = row.get(6);
    assert_eq!(changes["tables"], expected);
    assert_eq!(changes["previous_tenant"], true);
    assert_eq!(db.tenant_checksum(FIXTURE_COMPANY, false), before);
}

#[test]
fn dry_run_reports_and_changes_nothing() {
    let db = TestDb::with_fixture_loaded();
    db.client()
        .batch_execute("UPDATE sales.customers SET name = 'Edited'")
        .unwrap();
    let before = db.tenant_checksum(FIXTURE_COMPANY, true);
    let dir = tempfile::tempdir().unwrap();
    let creds = dir.path().join("creds.json");
    let out = db.reset(&["--dry-run", "--credentials-out", creds.to_str().unwrap()]);
    assert_success(&out, "dry run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("dry run"), "{stdout}");
    assert!(
        stdout.contains("would delete 2 rows, write 1 rows (merge)"),
        "{stdout}"
    );
    assert!(stdout.contains("sales.customers: +0 ~1 -0"), "{stdout}");
    assert_eq!(db.tenant_checksum(FIXTURE_COMPANY, true), before);
    assert_eq!(db.count("SELECT count(*) FROM demoforge.audit_log"), 1);
    assert!(!creds.exists(), "a dry run writes no credentials");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn reset_needs_an_operator_and_a_database() {
    let dump = fixture_dump();
    let out = demoforge(&[
        "reset",
        dump.to_str().unwrap(),
        "--database-url",
        "postgresql://x@127.0.0.1:1/x",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--operator"));
    let out = demoforge(&[
        "reset",
        dump.to_str().unwrap(),
        "--operator",
        "me",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let line = support::json_line(&out);
    assert_eq!(line["status"], "error");
    assert_eq!(line["exit_code"], 1);
}

#[test]
fn database_url_is_taken_from_the_environment() {
    let db = TestDb::new();
    let out = support::demoforge_cmd(&["schema", "--apply"])
        .env("DATABASE_URL", &db.url)
        .output()
        .unwrap();
    assert_success(&out, "schema --apply with DATABASE_URL");
    let out = support::demoforge_cmd(&["load", fixture_dump().to_str().unwrap()])
        .env("DATABASE_URL", &db.url)
        .output()
        .unwrap();
    assert_success(&out, "load with DATABASE_URL");
    assert_eq!(db.count("SELECT count(*) FROM core.companies"), 1);
}

#[test]
fn reset_compiles_a_spec_in_memory() {
    let db = TestDb::new();
    db.apply_schema();
    let spec =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/specs/good/minimal.yaml");
    let run = || {
        demoforge(&[
            "reset",
            spec.to_str().unwrap(),
            "--database-url",
            &db.url,
            "--operator",
            "test",
            "--json",
        ])
    };
    let first = run();
    assert_success(&first, "reset from a spec");
    let first = support::json_line(&first);
    assert_eq!(first["strategy"], "insert");
    assert!(first["rows_loaded"].as_i64().unwrap() > 0);
    let out = run();
    assert_success(&out, "second reset from a spec");
    let summary = support::json_line(&out);
    assert_eq!(summary["strategy"], "merge");
    assert_eq!(summary["rows_loaded"], 0);
    assert_eq!(summary["tester_changes"], serde_json::json!({}));
    assert_eq!(
        db.count("SELECT count(*) FROM core.companies WHERE is_demo"),
        summary["company_ids"].as_array().unwrap().len() as i64
    );
}

#[test]
fn a_unique_clash_falls_back_to_a_full_replace_with_the_same_result() {
    let db = TestDb::with_fixture_loaded();
    let snapshot = db.tenant_checksum(FIXTURE_COMPANY, false);
    // The tester renumbers the customer and creates a new one with its number:
    // restoring the old row first would collide on (company_id, number).
    db.client()
        .batch_execute(&format!(
            "UPDATE sales.customers SET number = 'C-OLD';
             INSERT INTO sales.customers (id, company_id, number, name, email, phone, address_line1,
                 city, postcode, country, payment_terms_days, created_on)
             VALUES ('d0000000-0000-4000-8000-0000000000f1', '{FIXTURE_COMPANY}', 'C0001', 'New',
                 'n@example.test', '0', 'x', 'y', 'z', 'GB', 0, '2025-07-01');"
        ))
        .unwrap();
    let out = db.reset(&["--json"]);
    assert_success(&out, "reset");
    let summary = support::json_line(&out);
    assert_eq!(summary["strategy"], "full");
    assert_eq!(
        summary["tester_changes"]["sales.customers"],
        serde_json::json!({"added": 1, "changed": 1, "removed": 0})
    );
    assert_eq!(db.tenant_checksum(FIXTURE_COMPANY, false), snapshot);
}

#[test]
fn rows_pointed_at_tester_rows_are_restored_by_the_merge() {
    let db = TestDb::with_fixture_loaded();
    let snapshot = db.tenant_checksum(FIXTURE_COMPANY, false);
    // A new invoice, and an existing line moved onto it: the line must be put
    // back before the new invoice can go.
    db.client()
        .batch_execute(&format!(
            "INSERT INTO sales.invoices (id, company_id, customer_id, kind, number, issue_date,
                 due_date, currency, subtotal, tax_total, total, amount_due, status)
             VALUES ('d0000000-0000-4000-8000-0000000000f2', '{FIXTURE_COMPANY}',
                 'd0000000-0000-4000-8000-000000000071', 'invoice', 'INV-9999', '2025-07-01',
                 '2025-08-01', 'GBP', 0, 0, 0, 0, 'sent');
             UPDATE sales.invoice_lines SET invoice_id = 'd0000000-0000-4000-8000-0000000000f2'
             WHERE id = 'd0000000-0000-4000-8000-0000000000a2';
             DELETE FROM ledger.journal_lines WHERE line_no = 3;"
        ))
        .unwrap();
    let out = db.reset(&["--json"]);
    assert_success(&out, "reset");
    let summary = support::json_line(&out);
    assert_eq!(summary["strategy"], "merge");
    assert_eq!(
        summary["tester_changes"],
        serde_json::json!({
            "ledger.journal_lines": {"added": 0, "changed": 0, "removed": 1},
            "sales.invoice_lines": {"added": 0, "changed": 1, "removed": 0},
            "sales.invoices": {"added": 1, "changed": 0, "removed": 0},
        })
    );
    assert_eq!(db.tenant_checksum(FIXTURE_COMPANY, false), snapshot);
}

#[test]
fn the_shipped_dump_loads_and_resets_to_the_same_contents() {
    let dump = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("generated/demo-travel-co/base-demo.sql");
    let text = std::fs::read_to_string(&dump).expect("the shipped dump exists");
    let company = text
        .lines()
        .find_map(|l| l.strip_prefix("-- company: "))
        .and_then(|rest| rest.split(' ').next())
        .expect("a company line")
        .to_owned();
    let db = TestDb::new();
    db.apply_schema();
    let run = |command: &str| {
        let out = demoforge(&[
            command,
            dump.to_str().unwrap(),
            "--database-url",
            &db.url,
            "--operator",
            "test",
            "--json",
        ]);
        assert_success(&out, command);
        support::json_line(&out)
    };
    let loaded = run("load");
    assert_eq!(loaded["strategy"], "insert");
    let header_rows: i64 = text
        .lines()
        .find_map(|l| l.strip_prefix("-- rows: "))
        .and_then(|n| n.trim().parse().ok())
        .expect("a rows line");
    assert_eq!(loaded["rows_loaded"], header_rows);
    let before = db.tenant_checksum(&company, false);
    let reset = run("reset");
    assert_eq!(reset["strategy"], "merge");
    assert_eq!(reset["tester_changes"], serde_json::json!({}));
    assert_eq!(db.tenant_checksum(&company, false), before);
}

#[test]
fn load_without_user_records_the_os_user_name_not_unknown() {
    let db = TestDb::new();
    db.apply_schema();
    let out = support::demoforge_cmd(&[
        "load",
        fixture_dump().to_str().unwrap(),
        "--database-url",
        &db.url,
    ])
    .env_remove("USER")
    .output()
    .unwrap();
    assert_success(&out, "load without $USER");
    let operator: String = db
        .client()
        .query_one("SELECT operator FROM demoforge.audit_log", &[])
        .unwrap()
        .get(0);
    let whoami = std::process::Command::new("whoami").output().unwrap();
    assert_eq!(operator, String::from_utf8_lossy(&whoami.stdout).trim());
    assert_ne!(operator, "unknown");
}
