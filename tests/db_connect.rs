//! `--database-url` means what libpq means, and every write names its server.
//!
//! Two throwaway clusters: a URL whose authority names cluster A and whose
//! query names cluster B's socket and port must write to B (as `psql` would)
//! and leave A untouched; stderr must say which server was reached.

mod support;

use support::{Cluster, FIXTURE_COMPANY, assert_success, demoforge, fixture_dump};

fn has_demo_company(url: &str) -> bool {
    let mut client = support::connect(url);
    let schema: Option<String> = client
        .query_one("SELECT to_regclass('core.companies')::text", &[])
        .unwrap()
        .get(0);
    schema.is_some()
        && client
            .query_one(
                &format!("SELECT count(*) FROM core.companies WHERE id = '{FIXTURE_COMPANY}'"),
                &[],
            )
            .unwrap()
            .get::<_, i64>(0)
            == 1
}

#[test]
fn query_parameters_override_the_authority_and_the_banner_names_the_server() {
    let a = Cluster::start();
    let b = Cluster::start();
    a.create_database("app");
    b.create_database("app");
    let url = format!(
        "postgresql://postgres@127.0.0.1:{}/app?host={}&port={}",
        a.port,
        b.socket_dir.display(),
        b.port
    );
    let expected = format!(
        "at {}:{}, database app, user postgres",
        b.socket_dir.display(),
        b.port
    );

    let out = demoforge(&["schema", "--apply", "--database-url", &url]);
    assert_success(&out, "schema --apply");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("connected to PostgreSQL "), "{stderr}");
    assert!(stderr.contains(&expected), "{stderr}");

    let dump = fixture_dump();
    let out = demoforge(&[
        "load",
        dump.to_str().unwrap(),
        "--database-url",
        &url,
        "--json",
    ]);
    assert_success(&out, "load");
    let line = support::json_line(&out);
    assert_eq!(
        line["server"]["address"],
        format!("{}:{}", b.socket_dir.display(), b.port)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains(&expected));

    let out = demoforge(&[
        "reset",
        dump.to_str().unwrap(),
        "--database-url",
        &url,
        "--operator",
        "test",
        "--dry-run",
    ]);
    assert_success(&out, "reset --dry-run");
    assert!(String::from_utf8_lossy(&out.stderr).contains(&expected));

    assert!(has_demo_company(&b.url("app")), "the write must land in B");
    assert!(!has_demo_company(&a.url("app")), "A must be untouched");
    let tables: i64 = support::connect(&a.url("app"))
        .query_one(
            "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(tables, 0, "schema --apply must not have touched A");
}

#[test]
fn a_failed_connection_names_every_host_tried() {
    let a = Cluster::start();
    // Two closed sockets: nothing listens on these ports in the cluster folder.
    let url = format!(
        "host={dir},{dir} port=1,2 dbname=app user=postgres connect_timeout=2",
        dir = a.socket_dir.display()
    );
    let dump = fixture_dump();
    let out = demoforge(&[
        "load",
        dump.to_str().unwrap(),
        "--database-url",
        &url,
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    let error = support::json_line(&out)["error"]
        .as_str()
        .unwrap()
        .to_owned();
    for port in [1, 2] {
        let endpoint = format!("{}:{port}", a.socket_dir.display());
        // Once in the list of hosts tried, once with its own failure.
        assert_eq!(error.matches(&endpoint).count(), 2, "{endpoint}: {error}");
    }
}

#[test]
fn an_ambiguous_string_is_refused_before_connecting() {
    let dump = fixture_dump();
    let out = demoforge(&[
        "load",
        dump.to_str().unwrap(),
        "--database-url",
        "postgresql://u@a,b/app?port=1,2,3",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let error = support::json_line(&out)["error"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(error.contains("before connecting"), "{error}");
    assert!(error.contains("3 ports for 2 hosts"), "{error}");
}
