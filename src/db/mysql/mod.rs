//! MySQL and MariaDB: connecting from a `mysql://` URL, demoforge's
//! bookkeeping tables there, `schema --apply`, and the target's tables as
//! the database describes them.
//!
//! Input: a `--database-url` of the form
//! `mysql://user:password@host:port/database` (also `mariadb://`; `?socket=`
//! for a Unix socket), and a target whose mapping says `dialect: mysql`.
//! Output: a `mysql::Conn` with the session set up for demoforge, announced
//! on stderr as `connected to MariaDB 10.11.19 at 127.0.0.1:3306, database
//! app, user demoforge@%` before anything is written; the bookkeeping
//! tables; the target tables' columns for [`crate::target::ddl`].
//!
//! Invariants: messages never contain the password. Every session demoforge
//! writes with runs in READ COMMITTED (record locks only: the rows it
//! writes, never another tenant's, nor the gaps beside them) with the
//! dump's own `sql_mode`. MySQL commits DDL implicitly, so `schema --apply` is
//! idempotent (`IF NOT EXISTS`) and serialised by a named lock rather than
//! one transaction: a mapping that does not fit the tables is reported after
//! they are created, and nothing else is written.

mod delta;
mod replace;

pub use delta::apply_delta_mysql;
pub use replace::replace_mapped_mysql;

use mysql::prelude::Queryable;

use super::connect::Server;
use super::error::DbError;
use crate::render::mysql_text::mysql_ident;
use crate::target::Mapping;

/// Whether a `--database-url` names a MySQL or MariaDB server.
pub fn is_mysql_url(url: &str) -> bool {
    let lower = url.trim_start().to_ascii_lowercase();
    lower.starts_with("mysql://") || lower.starts_with("mariadb://")
}

/// demoforge's own tables in the application's database (MySQL has no
/// schemas inside a database): the same as PostgreSQL's `demoforge.*`.
pub const BOOKKEEPING_MYSQL: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS demoforge_loads (
    company_id char(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
    scenario text NOT NULL,
    dump_sha256 char(64) NOT NULL,
    rows_loaded bigint NOT NULL,
    credential_mode text NOT NULL,
    loaded_at timestamp(6) NULL DEFAULT NULL,
    demoforge_version text NOT NULL,
    state text NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
    "CREATE TABLE IF NOT EXISTS demoforge_audit_log (
    id bigint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
    at timestamp(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    action varchar(16) NOT NULL,
    operator text NOT NULL,
    scenario text NOT NULL,
    company_ids text NOT NULL,
    dump_sha256 char(64) NOT NULL,
    rows_deleted bigint NOT NULL,
    rows_loaded bigint NOT NULL,
    strategy varchar(16) NOT NULL,
    credentials_issued int NOT NULL,
    credential_mode text NOT NULL,
    duration_ms bigint NOT NULL,
    tester_changes text NOT NULL,
    demoforge_version text NOT NULL,
    KEY demoforge_audit_log_at (at),
    CONSTRAINT demoforge_audit_log_action CHECK (action IN ('load', 'reset'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
    "CREATE TABLE IF NOT EXISTS demoforge_ids (
    company_id char(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    source varchar(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    uuid char(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    id bigint unsigned NOT NULL,
    PRIMARY KEY (company_id, uuid)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
];

/// Connects and prints `connected to …` on stderr.
pub fn connect(url: &str) -> Result<(mysql::Conn, Server), DbError> {
    let trimmed = url.trim();
    let normalised = match trimmed.get(..10) {
        Some(scheme) if scheme.eq_ignore_ascii_case("mariadb://") => {
            format!("mysql://{}", &trimmed[10..])
        }
        _ => trimmed.to_owned(),
    };
    let opts = mysql::Opts::from_url(&normalised).map_err(|e| DbError::ConnectionString {
        message: format!("not a MySQL URL (mysql://user:password@host:port/database): {e}"),
    })?;
    let target = describe_opts(&opts);
    if opts.get_db_name().is_none_or(str::is_empty) {
        return Err(DbError::ConnectionString {
            message: format!("{target}: the URL names no database (mysql://…/DATABASE)"),
        });
    }
    let opts = mysql::OptsBuilder::from_opts(opts)
        .prefer_socket(false)
        .tcp_connect_timeout(Some(std::time::Duration::from_secs(10)));
    let mut conn = mysql::Conn::new(opts).map_err(|e| DbError::Connect {
        target: target.clone(),
        message: e.to_string(),
    })?;
    let server = identify(&mut conn, &target)?;
    if server.product == "MySQL" {
        // MySQL 8 caches information_schema's AUTO_INCREMENT for a day by
        // default; the id allocation must read the live counter. (MariaDB
        // has no cache, and no such variable.)
        conn.query_drop("SET SESSION information_schema_stats_expiry = 0")
            .map_err(|e| from_mysql("setting up the session", e))?;
    }
    eprintln!("connected to {server}");
    Ok((conn, server))
}

/// `host:port (database d, user u)` or the socket; never the password.
fn describe_opts(opts: &mysql::Opts) -> String {
    let address = match opts.get_socket() {
        Some(socket) => socket.to_owned(),
        None => format!("{}:{}", opts.get_ip_or_hostname(), opts.get_tcp_port()),
    };
    format!(
        "{address} (database {}, user {})",
        opts.get_db_name().unwrap_or("(none)"),
        opts.get_user().unwrap_or("(none)")
    )
}

fn identify(conn: &mut mysql::Conn, target: &str) -> Result<Server, DbError> {
    let row: Option<(String, Option<String>, String)> = conn
        .query_first("SELECT VERSION(), DATABASE(), CURRENT_USER()")
        .map_err(|e| from_mysql("asking the server for its version", e))?;
    let (version, database, user) = row.unwrap_or_default();
    let product = if version.contains("MariaDB") {
        "MariaDB"
    } else {
        "MySQL"
    };
    Ok(Server {
        product,
        address: target.split(" (").next().unwrap_or(target).to_owned(),
        version: version.split('-').next().unwrap_or(&version).to_owned(),
        database: database.unwrap_or_default(),
        user,
    })
}

/// A MySQL error as a [`DbError`]: a lost connection says that nothing was
/// committed; a deadlock (1213) is transient, like PostgreSQL's 40P01.
pub fn from_mysql(phase: &str, e: mysql::Error) -> DbError {
    match e {
        mysql::Error::MySqlError(e) => {
            let help = match e.code {
                1213 | 1205 => {
                    "another transaction (most likely the application's, on the demo tenant's rows) held locks this one needed. Nothing was committed: the tenant is exactly as it was; run the command again"
                }
                1146 => {
                    "the target's tables or demoforge's bookkeeping tables are missing; run `demoforge schema --target … --apply` first. Nothing was committed"
                }
                1062 | 1451 | 1452 => {
                    "a row of another tenant, or one the application wrote during the run, conflicts with the snapshot. Nothing was committed: the tenant is exactly as it was"
                }
                1142 | 1044 | 1045 => {
                    "the database user lacks a privilege demoforge needs (SELECT, INSERT, UPDATE, DELETE, CREATE TEMPORARY TABLES, and CREATE for schema --apply). Nothing was committed"
                }
                _ => "Nothing was committed: the tenant is exactly as it was",
            };
            DbError::Query {
                phase: phase.to_owned(),
                message: format!("{} (error {}, SQLSTATE {})", e.message, e.code, e.state),
                help: help.to_owned(),
                code: Some(match e.code {
                    1213 => "40P01".to_owned(),
                    code => format!("mysql:{code}"),
                }),
            }
        }
        other if other.is_connectivity_error() => DbError::ConnectionLost {
            phase: phase.to_owned(),
            message: other.to_string(),
        },
        other => DbError::Query {
            phase: phase.to_owned(),
            message: other.to_string(),
            help: "Nothing was committed: the tenant is exactly as it was".to_owned(),
            code: None,
        },
    }
}

/// The session settings of every demoforge write: READ COMMITTED, so that
/// InnoDB locks only the rows a statement writes or finds by its key, never
/// the gaps beside them (under REPEATABLE READ the deletes' next-key locks
/// held the neighbouring tenant's inserts until the commit); the dump's
/// `sql_mode` and character set.
fn prepare_session(conn: &mut mysql::Conn, mapping: &Mapping) -> Result<(), DbError> {
    conn.query_drop("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
        .map_err(|e| from_mysql("setting up the session", e))?;
    for line in super::mapped::set_lines(mapping) {
        conn.query_drop(*line)
            .map_err(|e| from_mysql("setting up the session", e))?;
    }
    Ok(())
}

/// Creates the bookkeeping tables when missing (DDL commits implicitly in
/// MySQL, so this runs before any transaction).
fn ensure_bookkeeping(conn: &mut mysql::Conn) -> Result<(), DbError> {
    // Only when one is missing: a least-privilege user without CREATE can
    // load once `schema --apply` has made them.
    let present: Option<i64> = conn
        .query_first(
            "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() \
             AND TABLE_NAME IN ('demoforge_loads', 'demoforge_audit_log', 'demoforge_ids')",
        )
        .map_err(|e| from_mysql("looking for demoforge's bookkeeping tables", e))?;
    if present == Some(BOOKKEEPING_MYSQL.len() as i64) {
        return Ok(());
    }
    for ddl in BOOKKEEPING_MYSQL {
        conn.query_drop(*ddl)
            .map_err(|e| from_mysql("creating demoforge's bookkeeping tables", e))?;
    }
    Ok(())
}

/// The named locks of a run on `companies`, in one order (two runs never
/// wait for each other's second lock), scoped to the session's database:
/// `demoforge:` + 16 hex digits of sha256(database) + `:` + the company (63
/// characters, under MySQL's limit of 64), so that two databases on one
/// server holding the same scenario do not wait for each other.
fn lock_companies(conn: &mut mysql::Conn, companies: &[uuid::Uuid]) -> Result<(), DbError> {
    use sha2::Digest;
    let database: Option<Option<String>> = conn
        .query_first("SELECT DATABASE()")
        .map_err(|e| from_mysql("taking the tenant's lock", e))?;
    let digest = sha2::Sha256::digest(database.flatten().unwrap_or_default().as_bytes());
    let scope: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    let mut sorted = companies.to_vec();
    sorted.sort();
    for company in sorted {
        get_lock(conn, &format!("demoforge:{scope}:{company}"))?;
    }
    Ok(())
}

/// A named lock, held by the session until released or disconnected (a
/// killed run releases it with its connection).
fn get_lock(conn: &mut mysql::Conn, name: &str) -> Result<(), DbError> {
    let got: Option<Option<i64>> = conn
        .exec_first("SELECT GET_LOCK(?, 60)", (name,))
        .map_err(|e| from_mysql("taking the tenant's lock", e))?;
    match got.flatten() {
        Some(1) => Ok(()),
        _ => Err(DbError::Refused {
            message: format!("another run held the lock `{name}` for 60 s"),
            help: "another load, reset or schema --apply is running on this tenant; run again when it has finished. Nothing was written".to_owned(),
        }),
    }
}

/// `schema --apply` on MySQL: the target's DDL and the bookkeeping tables,
/// under a named lock, then the mapping checked against the tables.
pub fn apply_schema_mysql(url: &str, ddl: &str, mapping: &Mapping) -> Result<(), DbError> {
    let (mut conn, _server) = connect(url)?;
    prepare_session(&mut conn, mapping)?;
    get_lock(&mut conn, "demoforge:schema")?;
    for statement in split_ddl(ddl) {
        conn.query_drop(statement)
            .map_err(|e| from_mysql("applying the target's schema", e))?;
    }
    ensure_bookkeeping(&mut conn)?;
    check_mapping(&mut conn, mapping)
}

/// The statements of a DDL file: `;` at the end of a line ends one, and
/// `--` comment lines are dropped. The target's DDL is ours or the team's
/// own trusted file, not a spec string.
fn split_ddl(ddl: &str) -> Vec<String> {
    let mut statements = Vec::new();
    let mut current = String::new();
    for line in ddl.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with("--") {
            continue;
        }
        current.push_str(line);
        current.push('\n');
        if trimmed.ends_with(';') {
            statements.push(std::mem::take(&mut current));
        }
    }
    if !current.trim().is_empty() {
        statements.push(current);
    }
    statements
}

/// Refuses a mapping that does not fit the database's tables, with the
/// problems at the mapping's lines ([`crate::target::ddl`]).
pub(super) fn check_mapping(conn: &mut mysql::Conn, mapping: &Mapping) -> Result<(), DbError> {
    let mut tables = crate::target::ddl::Tables::new();
    for name in crate::target::ddl::wanted_tables(mapping) {
        let schema = name.schema.clone();
        let rows: Vec<(String, String, String, Option<String>, String)> = conn
            .exec(
                "SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA \
                 FROM information_schema.COLUMNS \
                 WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ? \
                 ORDER BY ORDINAL_POSITION",
                (schema, name.name.clone()),
            )
            .map_err(|e| from_mysql("reading the target's tables", e))?;
        if rows.is_empty() {
            continue;
        }
        let columns = rows
            .into_iter()
            .map(|(column, ty, nullable, default, extra)| {
                let extra = extra.to_ascii_lowercase();
                let auto = extra.contains("auto_increment");
                crate::target::ddl::DbColumn {
                    name: column,
                    ty,
                    not_null: nullable == "NO",
                    has_default: default.is_some() || auto || extra.contains("generated"),
                    has_sequence: auto,
                }
            })
            .collect();
        tables.insert(name, columns);
    }
    let problems = crate::target::ddl::check(mapping, &tables);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(DbError::Mapping(Box::new(mapping.errors(problems))))
    }
}

/// `` `name` `` for a statement demoforge writes itself.
fn ident(name: &str) -> Result<String, DbError> {
    mysql_ident(name).map_err(|e| DbError::Refused {
        message: e.to_string(),
        help: "names in a mapping cannot hold NUL; nothing was written".to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mysql_urls_are_recognised_by_scheme() {
        assert!(is_mysql_url("mysql://root@127.0.0.1/app"));
        assert!(is_mysql_url("MariaDB://root@127.0.0.1/app"));
        assert!(!is_mysql_url("postgresql://postgres@127.0.0.1/app"));
        assert!(!is_mysql_url("host=/tmp dbname=mysql"));
    }

    #[test]
    fn ddl_splits_at_line_ends_and_drops_comments() {
        let ddl = "-- a comment; with a semicolon\nCREATE TABLE a (\n  x int -- why\n);\n\nCREATE TABLE b (y int);\n";
        let statements = split_ddl(ddl);
        assert_eq!(statements.len(), 2, "{statements:?}");
        assert!(statements[0].starts_with("CREATE TABLE a ("));
        assert_eq!(statements[1], "CREATE TABLE b (y int);\n");
    }

    #[test]
    fn a_url_without_a_database_is_refused_before_connecting() {
        let err = connect("mysql://root@127.0.0.1:1/").unwrap_err();
        assert!(matches!(err, DbError::ConnectionString { .. }), "{err:?}");
    }
}
