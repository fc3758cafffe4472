//! The MariaDB test harness itself (tests/support/mariadb.rs).
//!
//! Input: the throwaway server, or `DEMOFORGE_TEST_MYSQL_URL`.
//! Output: pass/fail. Invariants checked: each `TestMyDb` is its own
//! `utf8mb4_bin` database and is gone after drop, InnoDB transactions roll
//! back, and the stock client loads a SQL file into the test's database.

mod support;

use std::io::Write;

use mysql::prelude::Queryable;
use support::mariadb::TestMyDb;

fn some(s: &str) -> Option<String> {
    Some(s.to_owned())
}

fn tables(db: &TestMyDb) -> Vec<Vec<Option<String>>> {
    db.query_strings(&format!(
        "SELECT table_name FROM information_schema.tables \
         WHERE table_schema = '{}' ORDER BY table_name",
        db.name
    ))
}

#[test]
fn each_test_database_is_its_own() {
    let a = TestMyDb::new();
    let b = TestMyDb::new();
    assert_ne!(a.name, b.name);
    assert_ne!(a.url, b.url);

    // Two statements in one call: exec allows multi-statement SQL.
    a.exec("CREATE TABLE only_in_a (id INT PRIMARY KEY); INSERT INTO only_in_a VALUES (1), (2)");
    assert_eq!(
        a.query_strings("SELECT count(*) FROM only_in_a"),
        vec![vec![some("2")]]
    );
    assert_eq!(tables(&a), vec![vec![some("only_in_a")]]);
    assert!(tables(&b).is_empty(), "b sees a's table: {:?}", tables(&b));

    // Each URL connects to its own database.
    assert_eq!(
        b.query_strings("SELECT DATABASE()"),
        vec![vec![Some(b.name.clone())]]
    );
    let err = b
        .conn()
        .query_drop("SELECT * FROM only_in_a")
        .expect_err("only_in_a is not in b");
    match err {
        mysql::Error::MySqlError(e) => assert_eq!(e.code, 1146, "{e}"), // ER_NO_SUCH_TABLE
        other => panic!("expected a server error, got {other}"),
    }
}

#[test]
fn databases_are_utf8mb4_bin_and_dropped_on_drop() {
    let keeper = TestMyDb::new();
    let gone = TestMyDb::new();
    let schema = |name: &str| {
        keeper.query_strings(&format!(
            "SELECT default_character_set_name, default_collation_name \
             FROM information_schema.schemata WHERE schema_name = '{name}'"
        ))
    };
    assert_eq!(
        schema(&gone.name),
        vec![vec![some("utf8mb4"), some("utf8mb4_bin")]]
    );
    let name = gone.name.clone();
    drop(gone);
    assert!(schema(&name).is_empty(), "{name} survived its drop");
}

#[test]
fn innodb_transactions_roll_back() {
    let db = TestMyDb::new();
    db.exec("CREATE TABLE t (id INT PRIMARY KEY, note VARCHAR(20)) ENGINE=InnoDB");
    assert_eq!(
        db.query_strings(&format!(
            "SELECT engine FROM information_schema.tables \
             WHERE table_schema = '{}' AND table_name = 't'",
            db.name
        )),
        vec![vec![some("InnoDB")]]
    );

    let mut conn = db.conn();
    let mut tx = conn
        .start_transaction(mysql::TxOpts::default())
        .expect("a transaction starts");
    tx.exec_drop("INSERT INTO t VALUES (?, ?)", (1, "rolled back"))
        .expect("insert");
    let inside: Option<i64> = tx.query_first("SELECT count(*) FROM t").expect("count");
    assert_eq!(inside, Some(1), "the transaction sees its own insert");
    tx.rollback().expect("rollback");

    let after: Option<i64> = conn.query_first("SELECT count(*) FROM t").expect("count");
    assert_eq!(after, Some(0));
    assert_eq!(
        db.query_strings("SELECT count(*) FROM t"),
        vec![vec![some("0")]]
    );
}

#[test]
fn stock_client_loads_a_sql_file() {
    let db = TestMyDb::new();
    let path = std::env::temp_dir().join(format!("{}.sql", db.name));
    let mut file = std::fs::File::create(&path).expect("can write the SQL file");
    // Non-ASCII text checks that the client sends utf8mb4, not latin1.
    file.write_all(
        "CREATE TABLE people (id INT PRIMARY KEY, name VARCHAR(40) NOT NULL);\n\
         INSERT INTO people VALUES (1, 'Ada'), (2, 'Zoë'), (3, 'Łukasz');\n\
         INSERT INTO people VALUES (4, 'Grace');\n"
            .as_bytes(),
    )
    .expect("can write the SQL file");
    drop(file);

    let out = db
        .client_command()
        .stdin(std::fs::File::open(&path).expect("the SQL file opens"))
        .output()
        .expect("the stock client runs");
    let _ = std::fs::remove_file(&path);
    support::assert_success(&out, "mariadb < file.sql");

    let mut conn = db.conn();
    let count: Option<i64> = conn
        .query_first("SELECT count(*) FROM people")
        .expect("count");
    assert_eq!(count, Some(4));
    let name: Option<String> = conn
        .query_first("SELECT name FROM people WHERE id = 2")
        .expect("select");
    assert_eq!(name.as_deref(), Some("Zoë"));
    assert_eq!(
        db.query_strings("SELECT name FROM people WHERE id IN (3, 4) ORDER BY id"),
        vec![vec![some("Łukasz")], vec![some("Grace")]]
    );
}
