//! Tenant isolation in the reference schema, on a real PostgreSQL: row-level
//! security as a non-superuser role, `company_id` that cannot change, keys
//! that include the tenant (a squatted demo id does not block a reset),
//! `source_id` integrity, the persona-email refusal, and the upgrade from the
//! previous schema (global `id` primary keys).

mod support;

use support::{FIXTURE_COMPANY, TestDb, assert_success};

const OTHER: &str = "e0000000-0000-4000-8000-0000000000ee";
const DEMO_CUSTOMER: &str = "d0000000-0000-4000-8000-000000000071";
const DEMO_INVOICE: &str = "d0000000-0000-4000-8000-000000000091";

/// The test URL with another user in its authority (the throwaway cluster
/// trusts local connections, so no password is needed).
fn url_as(db: &TestDb, role: &str) -> String {
    let (scheme, rest) = db.url.split_once("://").expect("a URL test database");
    let (_, host) = rest.split_once('@').expect("a user in the test URL");
    format!("{scheme}://{role}@{host}")
}

/// A non-superuser role without BYPASSRLS, with the grants an app would have.
fn app_role(db: &TestDb) -> postgres::Client {
    let role = format!("app_{}", db.name);
    db.client()
        .batch_execute(&format!(
            "CREATE ROLE {role} LOGIN NOSUPERUSER NOBYPASSRLS;
             GRANT USAGE ON SCHEMA core, ledger, catalog, sales, purchasing, banking, payroll, inventory TO {role};
             GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA
                 core, ledger, catalog, sales, purchasing, banking, payroll, inventory TO {role};"
        ))
        .expect("create the app role");
    support::connect(&url_as(db, &role))
}

fn count(client: &mut postgres::Client, sql: &str) -> i64 {
    client
        .query_one(sql, &[])
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .get(0)
}

fn error_of(result: Result<u64, postgres::Error>) -> String {
    let e = result.expect_err("the statement must fail");
    e.as_db_error()
        .map_or_else(|| e.to_string(), |d| d.message().to_owned())
}

#[test]
fn policies_bind_a_non_superuser_role_to_the_company_it_sets() {
    let db = TestDb::with_fixture_loaded();
    db.add_other_tenant(OTHER, 5);
    let demo_invoices = db.count(&format!(
        "SELECT count(*) FROM sales.invoices WHERE company_id = '{FIXTURE_COMPANY}'"
    ));
    assert!(demo_invoices > 0);
    let mut app = app_role(&db);

    // No setting: nothing at all, in every tenant table.
    for table in [
        "core.companies",
        "core.users",
        "sales.invoices",
        "ledger.journal_lines",
    ] {
        assert_eq!(
            count(&mut app, &format!("SELECT count(*) FROM {table}")),
            0,
            "{table}"
        );
    }

    // Per transaction, as a pooled connection would: SET LOCAL ends with it.
    let mut tx = app.transaction().expect("begin");
    tx.batch_execute(&format!("SET LOCAL app.company_id = '{FIXTURE_COMPANY}'"))
        .expect("set");
    let seen: i64 = tx
        .query_one("SELECT count(*) FROM sales.invoices", &[])
        .expect("count")
        .get(0);
    assert_eq!(seen, demo_invoices, "sees exactly the company's invoices");
    let foreign: i64 = tx
        .query_one(
            "SELECT count(*) FROM core.companies WHERE id <> core.current_company_id()",
            &[],
        )
        .expect("count")
        .get(0);
    assert_eq!(foreign, 0);
    let renamed = tx
        .execute(
            "UPDATE sales.customers SET name = 'Renamed' WHERE id = $1::text::uuid",
            &[&DEMO_CUSTOMER],
        )
        .expect("update own row");
    assert_eq!(renamed, 1, "writes its own rows");
    let others = tx
        .execute(
            "UPDATE sales.invoices SET status = 'paid' WHERE company_id = $1::text::uuid",
            &[&OTHER],
        )
        .expect("update is filtered, not refused");
    assert_eq!(others, 0, "cannot write another company's rows");
    tx.commit().expect("commit");
    assert_eq!(
        count(&mut app, "SELECT count(*) FROM sales.invoices"),
        0,
        "SET LOCAL ended with the transaction"
    );

    app.batch_execute(&format!("SET app.company_id = '{FIXTURE_COMPANY}'"))
        .expect("set");
    let insert_other = app.execute(
        "INSERT INTO sales.customers (id, company_id, number, name, email, phone, address_line1,
             city, postcode, country, payment_terms_days, created_on)
         VALUES (gen_random_uuid(), $1::text::uuid, 'X-1', 'Sneaky', 'x@example.test', '0', '1 St',
             'York', 'Y1', 'GB', 30, '2025-01-01')",
        &[&OTHER],
    );
    assert!(
        error_of(insert_other).contains("row-level security"),
        "cannot insert a row for another company"
    );
    let pivot = app.execute(
        "UPDATE sales.customers SET company_id = $1::text::uuid WHERE id = $2::text::uuid",
        &[&OTHER, &DEMO_CUSTOMER],
    );
    let message = error_of(pivot);
    assert!(
        message.contains("cannot change") || message.contains("row-level security"),
        "cannot move a row to another company: {message}"
    );
    app.batch_execute("RESET app.company_id").expect("reset");
    assert_eq!(count(&mut app, "SELECT count(*) FROM core.users"), 0);
}

#[test]
fn company_id_cannot_change_even_for_a_superuser() {
    let db = TestDb::with_fixture_loaded();
    db.add_other_tenant(OTHER, 2);
    let mut client = db.client();
    let moved = client.execute(
        "UPDATE sales.customers SET company_id = $1::text::uuid WHERE id = $2::text::uuid",
        &[&OTHER, &DEMO_CUSTOMER],
    );
    assert_eq!(
        error_of(moved),
        "the company_id of a row of sales.customers cannot change"
    );
    let renumbered = client.execute(
        "UPDATE core.companies SET id = gen_random_uuid() WHERE id = $1::text::uuid",
        &[&OTHER],
    );
    assert!(error_of(renumbered).contains("the id of a row of core.companies cannot change"));
    // Writing the same value, as the reset's merge does, is allowed.
    let same = client
        .execute(
            "UPDATE sales.customers SET company_id = company_id WHERE id = $1::text::uuid",
            &[&DEMO_CUSTOMER],
        )
        .expect("same company");
    assert_eq!(same, 1);
}

#[test]
fn a_live_tenant_squatting_demo_ids_does_not_block_a_reset() {
    let db = TestDb::with_fixture_loaded();
    db.add_other_tenant(OTHER, 2);
    let before = db.tenant_checksum(FIXTURE_COMPANY, false);
    // A tester deletes a demo row, and the live tenant then inserts a row
    // with that (predictable) id: with global keys, every later reset failed
    // on it. The live tenant also reuses an id the demo still holds.
    let mut client = db.client();
    let allocation: uuid::Uuid = client
        .query_one(
            "SELECT id FROM sales.payment_allocations WHERE company_id = $1::text::uuid LIMIT 1",
            &[&FIXTURE_COMPANY],
        )
        .expect("a demo allocation")
        .get(0);
    client
        .batch_execute(&format!(
            "DELETE FROM sales.payment_allocations WHERE id = '{allocation}';
             INSERT INTO sales.payment_allocations (id, company_id, payment_id, invoice_id, amount)
             VALUES ('{allocation}', '{OTHER}', md5('{OTHER}/receipt/1')::uuid,
                     md5('{OTHER}/invoice/1')::uuid, 1);
             INSERT INTO sales.customers (id, company_id, number, name, email, phone, address_line1,
                 city, postcode, country, payment_terms_days, created_on)
             VALUES ('{DEMO_CUSTOMER}', '{OTHER}', 'SQUAT-1', 'Squatter', 's@example.test', '0',
                 '1 St', 'York', 'Y1', 'GB', 30, '2025-01-01');"
        ))
        .expect("squat");
    let other_before = db.tenant_checksum(OTHER, true);
    let out = db.reset(&[]);
    assert_success(&out, "reset with squatted ids");
    assert_eq!(db.tenant_checksum(FIXTURE_COMPANY, false), before);
    assert_eq!(
        db.tenant_checksum(OTHER, true),
        other_before,
        "the live tenant's rows are untouched"
    );
}

#[test]
fn source_ids_must_name_a_document_of_the_same_company() {
    let db = TestDb::with_fixture_loaded();
    db.add_other_tenant(OTHER, 2);
    let mut client = db.client();
    let insert = |client: &mut postgres::Client, kind: &str, source: String| {
        client.execute(
            &format!(
                "INSERT INTO ledger.journal_entries (id, company_id, number, entry_date, description,
                     reference, source_type, source_id)
                 VALUES (gen_random_uuid(), '{FIXTURE_COMPANY}', 'JE-X' || random(), '2025-06-30',
                     'x', 'x', '{kind}', '{source}')"
            ),
            &[],
        )
    };
    let other_invoice: uuid::Uuid = client
        .query_one(
            "SELECT id FROM sales.invoices WHERE company_id = $1::text::uuid LIMIT 1",
            &[&OTHER],
        )
        .expect("other invoice")
        .get(0);
    for (kind, source) in [
        ("invoice", "f0000000-0000-4000-8000-000000000001".to_owned()),
        ("invoice", other_invoice.to_string()),
        ("bill", DEMO_INVOICE.to_owned()),
        ("opening_balance", OTHER.to_owned()),
    ] {
        let message = error_of(insert(&mut client, kind, source.clone()));
        assert!(
            message.contains("foreign key") || message.contains("opening_balance_source"),
            "{kind} {source}: {message}"
        );
    }
    assert_eq!(
        insert(&mut client, "invoice", DEMO_INVOICE.to_owned()).ok(),
        Some(1)
    );
    // Event kinds without a table of their own keep an opaque id.
    assert_eq!(
        insert(
            &mut client,
            "bank_fee",
            "f0000000-0000-4000-8000-000000000002".to_owned()
        )
        .ok(),
        Some(1)
    );
    let orphan = client.execute(
        "DELETE FROM sales.invoices WHERE id = $1::text::uuid",
        &[&DEMO_INVOICE],
    );
    assert!(error_of(orphan).contains("foreign key"));
    let moved = client.execute(
        "UPDATE inventory.stock_movements SET source_type = 'bill' WHERE company_id = $1::text::uuid
             AND source_type = 'invoice'",
        &[&FIXTURE_COMPANY],
    );
    if let Err(e) = moved {
        assert!(e.to_string().contains("foreign key"), "{e}");
    }
}

#[test]
fn reset_refuses_a_persona_email_held_by_another_company() {
    let db = TestDb::with_fixture_loaded();
    db.add_other_tenant(OTHER, 2);
    // An evaluator renames the persona's email, and a live user takes it.
    db.client()
        .batch_execute(&format!(
            "UPDATE core.users SET email = 'ada-renamed@tiny-travel.test'
                 WHERE email = 'ada@tiny-travel.test';
             UPDATE core.users SET email = 'ada@tiny-travel.test'
                 WHERE company_id = '{OTHER}' AND email LIKE 'user1@%';"
        ))
        .expect("clash");
    let before = db.tenant_checksum(FIXTURE_COMPANY, true);
    let audits = db.count("SELECT count(*) FROM demoforge.audit_log");
    let out = db.reset(&[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(stderr.contains("ada@tiny-travel.test"), "{stderr}");
    assert!(stderr.contains("another company"), "{stderr}");
    assert!(stderr.contains(OTHER), "{stderr}");
    assert_eq!(
        db.tenant_checksum(FIXTURE_COMPANY, true),
        before,
        "nothing written"
    );
    assert_eq!(db.count("SELECT count(*) FROM demoforge.audit_log"), audits);
}

#[test]
fn a_first_load_refuses_a_persona_email_held_by_another_company() {
    let db = TestDb::new();
    db.apply_schema();
    db.add_other_tenant(OTHER, 2);
    db.client()
        .batch_execute(&format!(
            "UPDATE core.users SET email = 'ben@tiny-travel.test'
                 WHERE company_id = '{OTHER}' AND email LIKE 'user2@%';"
        ))
        .expect("clash");
    let dump = support::fixture_dump();
    let out = support::demoforge(&[
        "load",
        dump.to_str().expect("utf-8"),
        "--database-url",
        &db.url,
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(stderr.contains("ben@tiny-travel.test"), "{stderr}");
    assert_eq!(
        db.count(&format!(
            "SELECT count(*) FROM core.companies WHERE id = '{FIXTURE_COMPANY}'"
        )),
        0
    );
}

/// The previous schema version, as shipped before tenant-scoped keys.
const SCHEMA_V1: &str = include_str!("fixtures/schema-v1.sql");

#[test]
fn schema_apply_upgrades_the_previous_version_in_place() {
    let db = TestDb::new();
    db.client().batch_execute(SCHEMA_V1).expect("v1 schema");
    db.client()
        .batch_execute(demoforge::db::BOOKKEEPING_SQL)
        .expect("bookkeeping");
    let dump = support::fixture_dump();
    let out = support::demoforge(&[
        "load",
        dump.to_str().expect("utf-8"),
        "--database-url",
        &db.url,
    ]);
    assert_success(&out, "load on the v1 schema");
    let before = db.tenant_checksum(FIXTURE_COMPANY, true);

    db.apply_schema();
    db.apply_schema();
    let global_keys = db.count(
        "SELECT count(*) FROM pg_constraint k JOIN pg_attribute a
             ON a.attrelid = k.conrelid AND a.attnum = ANY(k.conkey)
         WHERE k.contype = 'p' AND a.attname = 'id' AND array_length(k.conkey, 1) = 1
           AND k.conrelid::regclass::text <> 'core.companies'
           AND k.connamespace::regnamespace::text NOT IN ('demoforge', 'pg_catalog')",
    );
    assert_eq!(global_keys, 0, "every tenant key includes company_id");
    assert_eq!(
        db.tenant_checksum(FIXTURE_COMPANY, true).len(),
        before.len()
    );
    let out = db.reset(&[]);
    assert_success(&out, "reset after the upgrade");
}

#[test]
fn every_tenant_table_forces_its_policy_and_keeps_its_company() {
    let db = TestDb::new();
    db.apply_schema();
    db.apply_schema();
    let mut client = db.client();
    let tables = demoforge::db::tenant_tables(&mut client).expect("catalog");
    assert!(tables.len() > 20);
    for t in tables {
        let row = client
            .query_one(
                "SELECT c.relrowsecurity, c.relforcerowsecurity,
                        (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid),
                        (SELECT count(*) FROM pg_trigger g WHERE g.tgrelid = c.oid
                            AND g.tgname = 'keep_company')
                 FROM pg_class c WHERE c.oid = $1::text::regclass",
                &[&t.name],
            )
            .expect("pg_class");
        let (enabled, forced, policies, triggers): (bool, bool, i64, i64) =
            (row.get(0), row.get(1), row.get(2), row.get(3));
        assert!(
            enabled && forced,
            "{}: row-level security not forced",
            t.name
        );
        assert_eq!(policies, 1, "{}: one tenant policy", t.name);
        assert_eq!(triggers, 1, "{}: keep_company trigger", t.name);
    }
}
