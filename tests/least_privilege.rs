//! The runbook's least-privilege role, taken from the runbook itself so the
//! document cannot drift: `load`, `reset` and a travel delta all succeed as
//! that role, with exactly those grants, after the owner applied the schema.

mod support;

use std::path::Path;

use support::{TestDb, assert_success};

const MARKER: &str = "<!-- least-privilege-role:";

/// The ```sql block that follows the marker in docs/runbooks/demo-tenant.md.
fn runbook_snippet() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/runbooks/demo-tenant.md");
    let doc = std::fs::read_to_string(path).expect("the runbook");
    let after = &doc[doc
        .find(MARKER)
        .expect("the runbook marks the role snippet")..];
    let start = after
        .find("```sql\n")
        .expect("a sql block after the marker")
        + 7;
    let end = after[start..].find("```").expect("the block ends");
    after[start..start + end].to_owned()
}

fn url_as(db: &TestDb, role: &str) -> String {
    let (scheme, rest) = db.url.split_once("://").expect("a URL test database");
    let (_, host) = rest.split_once('@').expect("a user in the test URL");
    format!("{scheme}://{role}@{host}")
}

#[test]
fn load_reset_and_a_delta_run_as_the_runbooks_role() {
    let db = TestDb::new();
    db.apply_schema();
    let snippet = runbook_snippet();
    assert!(
        snippet.contains("CREATE ROLE demoforge_loader"),
        "{snippet}"
    );
    // Roles are cluster-wide: a unique name per test database; the database
    // name is the one placeholder the runbook asks the operator to replace.
    let role = format!("loader_{}", db.name);
    let sql = snippet
        .replace("demoforge_loader", &role)
        .replace("ON DATABASE app ", &format!("ON DATABASE \"{}\" ", db.name));
    db.client()
        .batch_execute(&sql)
        .expect("the runbook snippet runs");
    let url = url_as(&db, &role);

    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let base = root.join("generated/demo-travel-co/base-demo.sql");
    let delta = root.join("generated/demo-travel-co/travel/+6-months.sql");
    let base = base.to_str().expect("utf-8 path");
    let delta = delta.to_str().expect("utf-8 path");

    let out = support::demoforge(&["load", base, "--database-url", &url, "--operator", "lp"]);
    assert_success(&out, "load as the least-privilege role");
    let out = support::demoforge(&["reset", base, "--database-url", &url, "--operator", "lp"]);
    assert_success(&out, "reset as the least-privilege role");
    let out = support::demoforge(&["load", delta, "--database-url", &url, "--operator", "lp"]);
    assert_success(&out, "delta as the least-privilege role");

    let audited = db.count("SELECT count(*) FROM demoforge.audit_log WHERE operator = 'lp'");
    assert_eq!(audited, 3, "load, reset and delta each wrote an audit row");
    // The role can do nothing else: no DDL.
    let denied = support::connect(&url).batch_execute("CREATE TABLE core.sneaky (x int)");
    assert!(denied.is_err(), "the role must not create tables");
}
