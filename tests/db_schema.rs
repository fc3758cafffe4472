//! `demoforge schema --apply` on a real PostgreSQL: idempotent, complete, and
//! every tenant table is scoped by company.

mod support;

use support::TestDb;

/// Base tables in the application schemas, with whether they have `company_id`.
fn tenant_tables(db: &TestDb) -> Vec<(String, bool)> {
    let mut client = db.client();
    client
        .query(
            "SELECT t.table_schema || '.' || t.table_name,
                    EXISTS (SELECT 1 FROM information_schema.columns c
                            WHERE c.table_schema = t.table_schema
                              AND c.table_name = t.table_name
                              AND c.column_name = 'company_id')
             FROM information_schema.tables t
             WHERE t.table_type = 'BASE TABLE'
               AND t.table_schema NOT IN ('pg_catalog', 'information_schema', 'demoforge')
             ORDER BY 1",
            &[],
        )
        .expect("information_schema query")
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

#[test]
fn schema_applies_twice_and_scopes_every_tenant_table() {
    let db = TestDb::new();
    db.apply_schema();
    let first = tenant_tables(&db);
    db.apply_schema();
    let second = tenant_tables(&db);
    assert_eq!(first, second, "a second apply changed the table set");

    // demoforge finds the tenant tables in the catalog: it must find them all.
    let mut client = db.client();
    let mut expected: Vec<String> = demoforge::db::tenant_tables(&mut client)
        .expect("catalog")
        .into_iter()
        .map(|t| t.name)
        .collect();
    let order = expected.clone();
    expected.sort();
    assert_eq!(order.first().map(String::as_str), Some("core.companies"));
    let position = |name: &str| order.iter().position(|n| n == name);
    assert!(position("sales.invoices") < position("sales.invoice_lines"));
    assert!(position("core.users") < position("core.api_tokens"));
    assert!(
        first.len() > 20,
        "the reference schema has its tenant tables: {first:?}"
    );
    let names: Vec<String> = first.iter().map(|(n, _)| n.clone()).collect();
    assert_eq!(names, expected);
    for (name, has_company_id) in &first {
        assert!(
            *has_company_id || name == "core.companies",
            "{name} has no company_id column"
        );
    }
}

#[test]
fn schema_apply_creates_the_bookkeeping_tables() {
    let db = TestDb::new();
    db.apply_schema();
    let mut client = db.client();
    let rows = client
        .query(
            "SELECT table_name::text FROM information_schema.tables
             WHERE table_schema = 'demoforge' ORDER BY 1",
            &[],
        )
        .expect("query");
    let names: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
    assert_eq!(names, ["audit_log", "ids", "loads"]);
}

#[test]
fn schema_apply_without_a_url_fails_with_help() {
    let out = support::demoforge(&["schema", "--apply"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("database-url"), "{stderr}");
}

#[test]
fn schema_apply_to_an_unreachable_server_exits_3() {
    // Port 1 on localhost refuses connections on any sane machine.
    let out = support::demoforge(&[
        "schema",
        "--apply",
        "--database-url",
        "postgresql://postgres:s3cret@127.0.0.1:1/nothing",
    ]);
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot connect"), "{stderr}");
    assert!(!stderr.contains("s3cret"), "password leaked: {stderr}");
}
