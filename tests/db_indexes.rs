//! Tenant-scoped deletes use indexes, so a reset does not scan other tenants.

mod support;

use support::{FIXTURE_COMPANY, TestDb};

fn delete_plan(client: &mut postgres::Client, table: &str, column: &str) -> String {
    let company: uuid::Uuid = FIXTURE_COMPANY.parse().unwrap();
    let ids = vec![company];
    client
        .query(
            &format!("EXPLAIN DELETE FROM {table} WHERE {column} = ANY($1)"),
            &[&ids],
        )
        .unwrap()
        .iter()
        .map(|r| r.get::<_, String>(0))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_tenant_delete_can_use_an_index_and_large_tables_do() {
    let db = TestDb::with_fixture_loaded();
    for i in 0..3 {
        db.add_other_tenant(&format!("0c000000-0000-4000-8000-00000000000{i}"), 3000);
    }
    let mut client = db.client();
    client.batch_execute("ANALYZE").unwrap();

    // With the planner's defaults, the big tables use their company index.
    for table in [
        "sales.invoices",
        "sales.invoice_lines",
        "ledger.journal_entries",
        "ledger.journal_lines",
    ] {
        let plan = delete_plan(&mut client, table, "company_id");
        assert!(!plan.contains("Seq Scan"), "{table}:\n{plan}");
        assert!(plan.contains("Index"), "{table}:\n{plan}");
    }

    // Small tables may be scanned because that is cheaper, but every table must
    // have an index the delete can use.
    client.batch_execute("SET enable_seqscan = off").unwrap();
    let tables = demoforge::db::tenant_tables(&mut client).expect("catalog");
    assert!(tables.len() > 20, "{tables:?}");
    for table in tables {
        let plan = delete_plan(&mut client, &table.name, table.company_column);
        assert!(!plan.contains("Seq Scan"), "{}:\n{plan}", table.name);
    }
}
