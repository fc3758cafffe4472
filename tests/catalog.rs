//! The reference DDL (`schema.sql.j2`) agrees with the table catalog
//! (`src/catalog`) on a real PostgreSQL: the same tables in the catalog's
//! schemas, the same columns with the same types, nullability and generated
//! columns, the same primary and foreign keys, and on every table the
//! row-level-security policy and the `keep_company` trigger on its tenant
//! column. A second test breaks the applied schema in one way per kind and
//! checks that each break is reported, so the comparison cannot pass vacuously.

mod support;

use std::collections::BTreeSet;

use demoforge::catalog::{self, Fill, TableDef};
use postgres::Client;
use support::TestDb;

/// The schemas the catalog's tables live in.
fn schemas() -> Vec<String> {
    let set: BTreeSet<&str> = catalog::all().map(TableDef::schema).collect();
    set.into_iter().map(str::to_owned).collect()
}

fn strings(
    client: &mut Client,
    sql: &str,
    params: &[&(dyn postgres::types::ToSql + Sync)],
) -> Vec<String> {
    client
        .query(sql, params)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .iter()
        .map(|r| r.get(0))
        .collect()
}

const TABLES_SQL: &str = "SELECT n.nspname || '.' || c.relname FROM pg_class c \
     JOIN pg_namespace n ON n.oid = c.relnamespace \
     WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname = ANY($1) \
     ORDER BY 1";

/// name, type, NOT NULL, generated (`s` or empty).
const COLUMNS_SQL: &str = "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod), \
     a.attnotnull, a.attgenerated::text FROM pg_attribute a \
     WHERE a.attrelid = $1::text::regclass AND a.attnum > 0 AND NOT a.attisdropped";

/// A constraint's columns in key order, `contype` `p` or `f`, and for a
/// foreign key its parent and the parent's columns.
const KEYS_SQL: &str = "SELECT k.contype::text, \
     (SELECT string_agg(a.attname, ', ' ORDER BY u.ord) FROM unnest(k.conkey) WITH ORDINALITY u(num, ord) \
      JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.num), \
     COALESCE(k.confrelid::regclass::text, ''), \
     COALESCE((SELECT string_agg(a.attname, ', ' ORDER BY u.ord) FROM unnest(k.confkey) WITH ORDINALITY u(num, ord) \
      JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.num), '') \
     FROM pg_constraint k WHERE k.conrelid = $1::text::regclass AND k.contype IN ('p', 'f')";

/// Whether RLS is enabled and forced, and the policy's two expressions.
const RLS_SQL: &str = "SELECT c.relrowsecurity, c.relforcerowsecurity, \
     COALESCE((SELECT pg_get_expr(p.polqual, p.polrelid) || ' / ' || pg_get_expr(p.polwithcheck, p.polrelid) \
               FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = 'tenant_isolation'), '') \
     FROM pg_class c WHERE c.oid = $1::text::regclass";

const TRIGGER_SQL: &str = "SELECT pg_get_triggerdef(t.oid) FROM pg_trigger t \
     WHERE t.tgrelid = $1::text::regclass AND t.tgname = 'keep_company' AND NOT t.tgisinternal";

/// Every way the database and the catalog disagree, one line each.
fn disagreements(client: &mut Client) -> Vec<String> {
    let mut found = Vec::new();
    let in_db: BTreeSet<String> = strings(client, TABLES_SQL, &[&schemas()])
        .into_iter()
        .collect();
    let declared: BTreeSet<String> = catalog::all().map(|t| t.qualified.to_owned()).collect();
    for extra in in_db.difference(&declared) {
        found.push(format!("{extra}: in the DDL, not in the catalog"));
    }
    for table in catalog::all() {
        if !in_db.contains(table.qualified) {
            found.push(format!(
                "{}: in the catalog, not in the DDL",
                table.qualified
            ));
            continue;
        }
        found.extend(column_disagreements(client, table));
        found.extend(key_disagreements(client, table));
        found.extend(isolation_disagreements(client, table));
    }
    found
}

fn column_disagreements(client: &mut Client, table: &TableDef) -> Vec<String> {
    let t = table.qualified;
    let mut found = Vec::new();
    let rows = client.query(COLUMNS_SQL, &[&t]).expect("columns");
    let mut in_db = BTreeSet::new();
    for row in rows {
        let (name, ty, not_null, generated): (String, String, bool, String) =
            (row.get(0), row.get(1), row.get(2), row.get(3));
        let Some(column) = table.column(&name) else {
            found.push(format!("{t}.{name}: in the DDL, not in the catalog"));
            continue;
        };
        if column.ty.sql() != ty {
            found.push(format!(
                "{t}.{name}: the DDL says {ty}, the catalog {}",
                column.ty.sql()
            ));
        }
        if column.nullable == not_null {
            found.push(format!(
                "{t}.{name}: nullability differs (DDL NOT NULL: {not_null})"
            ));
        }
        if (column.fill == Fill::Generated) != (generated == "s") {
            found.push(format!("{t}.{name}: generated in one and not the other"));
        }
        in_db.insert(name);
    }
    for column in table.columns.iter().filter(|c| !in_db.contains(c.name)) {
        found.push(format!(
            "{t}.{}: in the catalog, not in the DDL",
            column.name
        ));
    }
    found
}

fn key_disagreements(client: &mut Client, table: &TableDef) -> Vec<String> {
    let t = table.qualified;
    let mut primary = Vec::new();
    let mut in_db = BTreeSet::new();
    for row in client.query(KEYS_SQL, &[&t]).expect("keys") {
        let (kind, columns, parent, parent_columns): (String, String, String, String) =
            (row.get(0), row.get(1), row.get(2), row.get(3));
        if kind == "p" {
            primary.push(columns);
        } else {
            in_db.insert(format!("({columns}) -> {parent} ({parent_columns})"));
        }
    }
    let mut found = Vec::new();
    let key = table.primary_key.join(", ");
    if primary != [key.clone()] {
        found.push(format!(
            "{t}: primary key is {primary:?} in the DDL, ({key}) in the catalog"
        ));
    }
    let declared: BTreeSet<String> = table
        .parents
        .iter()
        .map(|fk| {
            format!(
                "({}) -> {} ({})",
                fk.columns(table).join(", "),
                fk.parent,
                fk.parent_columns().join(", ")
            )
        })
        .collect();
    for fk in in_db.difference(&declared) {
        found.push(format!(
            "{t}: foreign key {fk} in the DDL, not in the catalog"
        ));
    }
    for fk in declared.difference(&in_db) {
        found.push(format!(
            "{t}: foreign key {fk} in the catalog, not in the DDL"
        ));
    }
    found
}

fn isolation_disagreements(client: &mut Client, table: &TableDef) -> Vec<String> {
    let t = table.qualified;
    let column = table.tenant_column;
    let mut found = Vec::new();
    let row = client.query_one(RLS_SQL, &[&t]).expect("rls");
    let (enabled, forced, policy): (bool, bool, String) = (row.get(0), row.get(1), row.get(2));
    if !enabled || !forced {
        found.push(format!(
            "{t}: row-level security enabled {enabled}, forced {forced}"
        ));
    }
    let scoped = format!("({column} = core.current_company_id())");
    if policy != format!("{scoped} / {scoped}") {
        found.push(format!(
            "{t}: policy tenant_isolation is `{policy}`, not on {column}"
        ));
    }
    let triggers = strings(client, TRIGGER_SQL, &[&t]);
    let on_column = format!("BEFORE UPDATE OF {column} ON {t} FOR EACH ROW");
    if !triggers.iter().any(|d| d.contains(&on_column)) {
        found.push(format!(
            "{t}: no keep_company trigger on {column} ({triggers:?})"
        ));
    }
    found
}

#[test]
fn reference_ddl_agrees_with_the_catalog() {
    let db = TestDb::new();
    db.apply_schema();
    let found = disagreements(&mut db.client());
    assert!(
        found.is_empty(),
        "the DDL and the catalog disagree:\n{}",
        found.join("\n")
    );
    // Applying twice (the upgrade path) changes nothing the catalog declares.
    db.apply_schema();
    assert_eq!(disagreements(&mut db.client()), Vec::<String>::new());
}

#[test]
fn every_kind_of_disagreement_is_reported() {
    let db = TestDb::new();
    db.apply_schema();
    let mut client = db.client();
    let fk: String = client
        .query_one(
            "SELECT conname::text FROM pg_constraint WHERE conrelid = 'sales.invoice_lines'::regclass \
             AND contype = 'f' AND confrelid = 'catalog.products'::regclass",
            &[],
        )
        .expect("the product foreign key")
        .get(0);
    let breaks = [
        (
            "ALTER TABLE catalog.products ALTER COLUMN unit_price TYPE numeric(12, 2)",
            "catalog.products.unit_price: the DDL says numeric(12,2)",
        ),
        (
            "ALTER TABLE ledger.accounts ALTER COLUMN purpose SET NOT NULL",
            "ledger.accounts.purpose: nullability",
        ),
        (
            "ALTER TABLE purchasing.bills ADD COLUMN notes text",
            "purchasing.bills.notes: in the DDL, not in the catalog",
        ),
        (
            "ALTER TABLE payroll.employees DROP COLUMN hourly_rate",
            "payroll.employees.hourly_rate: in the catalog, not in the DDL",
        ),
        (
            &format!("ALTER TABLE sales.invoice_lines DROP CONSTRAINT {fk}"),
            "sales.invoice_lines: foreign key (company_id, product_id) -> catalog.products (company_id, id) in the catalog",
        ),
        (
            "DROP POLICY tenant_isolation ON payroll.payslips",
            "payroll.payslips: policy tenant_isolation",
        ),
        (
            "ALTER TABLE banking.reconciliations NO FORCE ROW LEVEL SECURITY",
            "banking.reconciliations: row-level security",
        ),
        (
            "DROP TRIGGER keep_company ON banking.statement_lines",
            "banking.statement_lines: no keep_company trigger",
        ),
        (
            "CREATE TABLE sales.quotes (id uuid PRIMARY KEY)",
            "sales.quotes: in the DDL, not in the catalog",
        ),
    ];
    for (sql, _) in &breaks {
        client
            .batch_execute(sql)
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    let found = disagreements(&mut client);
    for (sql, expected) in &breaks {
        assert!(
            found.iter().any(|f| f.starts_with(expected)),
            "`{sql}` was not reported as `{expected}`; found:\n{}",
            found.join("\n")
        );
    }
    assert_eq!(
        found.len(),
        breaks.len(),
        "one report per break:\n{}",
        found.join("\n")
    );
}
