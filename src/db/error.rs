//! Errors of the load and reset stage, each with help text and an exit code.
//!
//! Input: failures from PostgreSQL, the file system and the dump checks.
//! Output: [`DbError`], a miette diagnostic. Invariant: every message that can
//! reach a log is free of credentials; connection URLs are shown without their
//! password.

use std::path::PathBuf;

use super::dump::DumpError;

/// Exit code for a refusal made for safety before anything was written.
pub const EXIT_REFUSED: u8 = 4;

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum DbError {
    #[error("cannot connect to the database at {target}: {message}")]
    #[diagnostic(help(
        "check --database-url (or DATABASE_URL) and that the server accepts connections"
    ))]
    Connect { target: String, message: String },

    #[error("refused the connection string before connecting: {message}")]
    #[diagnostic(help(
        "write it as psql accepts it: postgresql://user@host:port/db?key=value or host=… port=… dbname=… user=…; for a MySQL target, mysql://user:password@host:port/db; see \"Connection strings\" in docs/load-and-reset.md"
    ))]
    ConnectionString { message: String },

    #[error("lost the connection to the database while {phase}: {message}")]
    #[diagnostic(help(
        "nothing was committed, so the tenant is exactly as it was; run the command again once the server is reachable"
    ))]
    ConnectionLost { phase: String, message: String },

    #[error("the database failed while {phase}: {message}")]
    #[diagnostic(help("{help}"))]
    Query {
        phase: String,
        message: String,
        help: String,
        /// SQLSTATE, when the server sent one.
        code: Option<String>,
    },

    #[error("refused: {message}")]
    #[diagnostic(help("{help}"))]
    Refused { message: String, help: String },

    #[error(transparent)]
    #[diagnostic(transparent)]
    Dump(#[from] DumpError),

    #[error("cannot write {path}: {message}")]
    #[diagnostic(help("check that the folder exists and is writable by this user"))]
    Write { path: PathBuf, message: String },

    #[error(transparent)]
    #[diagnostic(transparent)]
    Mapping(Box<crate::target::MappingErrors>),

    #[error("cannot generate credentials: {message}")]
    #[diagnostic(help("the operating system's random source or bcrypt failed; try again"))]
    Credentials { message: String },
}

impl DbError {
    /// The process exit code, as documented in docs/load-and-reset.md.
    pub fn exit_code(&self) -> u8 {
        match self {
            DbError::Refused { .. } => EXIT_REFUSED,
            DbError::Dump(e) if e.is_refusal() => EXIT_REFUSED,
            DbError::Dump(_) | DbError::ConnectionString { .. } | DbError::Mapping(_) => 1,
            _ => 3,
        }
    }

    /// Classifies a driver error: a dropped or terminated connection gets its
    /// own message, because "nothing changed" is what the operator needs to know.
    pub fn from_pg(phase: &str, e: postgres::Error) -> DbError {
        use postgres::error::SqlState;
        let lost = e.is_closed()
            || e.code().is_some_and(|c| {
                c.code().starts_with("08")
                    || *c == SqlState::ADMIN_SHUTDOWN
                    || *c == SqlState::CRASH_SHUTDOWN
                    || *c == SqlState::CANNOT_CONNECT_NOW
            })
            || std::error::Error::source(&e).is_some_and(|s| s.is::<std::io::Error>());
        let message = describe(&e);
        if lost {
            return DbError::ConnectionLost {
                phase: phase.to_owned(),
                message,
            };
        }
        let help = help_for(&e, phase);
        DbError::Query {
            phase: phase.to_owned(),
            message,
            help: help.to_owned(),
            code: e.code().map(|c| c.code().to_owned()),
        }
    }

    /// A deadlock (40P01) or serialization failure (40001): PostgreSQL rolled
    /// the transaction back, and running it again can succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, DbError::Query { code: Some(code), .. } if code == "40P01" || code == "40001")
    }

    /// The error once every attempt was aborted, with help naming the cause.
    pub fn gave_up_after(self, attempts: u32) -> DbError {
        match self {
            DbError::Query {
                phase,
                message,
                code,
                ..
            } => DbError::Query {
                help: format!(
                    "the application held locks on the demo tenant's rows: its transactions kept locking them in another order than the reset (which locks parents first), and PostgreSQL aborted the reset each time; demoforge ran the whole transaction {attempts} times. {NOTHING_COMMITTED}; look for long application transactions on the demo tenant (pg_stat_activity, pg_locks) and run the reset again"
                ),
                phase,
                message,
                code,
            },
            other => other,
        }
    }

    /// An integrity constraint violation (SQLSTATE class 23).
    pub fn is_constraint_violation(&self) -> bool {
        matches!(self, DbError::Query { code: Some(code), .. } if code.starts_with("23"))
    }
}

/// What most likely caused a failed statement, and what to do about it.
fn help_for(e: &postgres::Error, phase: &str) -> String {
    use postgres::error::SqlState;
    let Some(code) = e.code() else {
        return NOTHING_COMMITTED.to_owned();
    };
    let db = e.as_db_error();
    let constraint = db.and_then(|d| d.constraint()).unwrap_or("(unnamed)");
    let table = db
        .map(|d| match (d.schema(), d.table()) {
            (Some(schema), Some(table)) => format!("{schema}.{table}"),
            (_, Some(table)) => table.to_owned(),
            _ => "a tenant table".to_owned(),
        })
        .unwrap_or_else(|| "a tenant table".to_owned());
    if *code == SqlState::UNDEFINED_TABLE || *code == SqlState::INVALID_SCHEMA_NAME {
        "the reference schema or the demoforge bookkeeping tables are missing; run `demoforge schema --apply` first".to_owned()
    } else if *code == SqlState::INSUFFICIENT_PRIVILEGE {
        format!(
            "the database role lacks {}; grant it as in docs/runbooks/demo-tenant.md, section \"Least-privilege role\". {NOTHING_COMMITTED}",
            missing_privilege(db.map_or("", |d| d.message()), phase)
        )
    } else if *code == SqlState::FOREIGN_KEY_VIOLATION {
        format!(
            "constraint {constraint} on {table}: a row still points at one the reset replaces, most likely one the application wrote to the demo tenant during the reset, or a table without company_id that references tenant rows. {NOTHING_COMMITTED}; run the reset again"
        )
    } else if *code == SqlState::UNIQUE_VIOLATION {
        format!(
            "constraint {constraint} on {table}: another tenant (a live company) already holds a value the snapshot needs, for example a persona's email or a demo id. {NOTHING_COMMITTED}; find the row with the value in the message"
        )
    } else if *code == SqlState::T_R_DEADLOCK_DETECTED
        || *code == SqlState::T_R_SERIALIZATION_FAILURE
    {
        format!(
            "another transaction (most likely the application's, on the demo tenant's rows) locked rows in an order that conflicts with this one. {NOTHING_COMMITTED}; run the command again"
        )
    } else if code.code().starts_with("23") {
        format!(
            "constraint {constraint} on {table} rejected a row: the target's schema differs from the reference schema the dump was built for (check `demoforge schema --apply` and the application's own constraints). {NOTHING_COMMITTED}"
        )
    } else {
        NOTHING_COMMITTED.to_owned()
    }
}

const NOTHING_COMMITTED: &str = "nothing was committed; the tenant is as it was";

/// `permission denied for schema core` becomes `USAGE on schema core`; for a
/// table, the privilege the failed step needed.
fn missing_privilege(message: &str, phase: &str) -> String {
    let object = message
        .strip_prefix("permission denied for ")
        .unwrap_or("")
        .to_owned();
    match object.split_once(' ') {
        Some(("schema" | "sequence", _)) => format!("USAGE on {object}"),
        Some(("table" | "relation", name)) => {
            let privilege = if phase.contains("delet") {
                "DELETE"
            } else if phase.contains("changed") || phase.contains("credential") {
                "UPDATE"
            } else if phase.contains("lock") {
                "UPDATE (row locks)"
            } else if phase.contains("cop") || phase.contains("restor") || phase.contains("audit") {
                "INSERT"
            } else {
                "SELECT"
            };
            format!("{privilege} on table {name}")
        }
        Some(_) => format!("a privilege ({message})"),
        None => "a privilege".to_owned(),
    }
}

/// The server's message and detail when there is one, else the driver's text.
fn describe(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => match db.detail() {
            Some(detail) => format!("{} ({detail})", db.message()),
            None => db.message().to_owned(),
        },
        None => match std::error::Error::source(e) {
            Some(source) => format!("{e}: {source}"),
            None => e.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::missing_privilege;

    #[test]
    fn a_permission_failure_names_the_missing_privilege() {
        let cases = [
            (
                "permission denied for schema core",
                "x",
                "USAGE on schema core",
            ),
            (
                "permission denied for sequence audit_log_id_seq",
                "writing the audit row",
                "USAGE on sequence audit_log_id_seq",
            ),
            (
                "permission denied for table users",
                "deleting the tenant's rows from core.users",
                "DELETE on table users",
            ),
            (
                "permission denied for table invoices",
                "restoring changed rows of sales.invoices",
                "UPDATE on table invoices",
            ),
            (
                "permission denied for table loads",
                "reading the tenant's state",
                "SELECT on table loads",
            ),
        ];
        for (message, phase, expected) in cases {
            assert_eq!(missing_privilege(message, phase), expected, "{message}");
        }
    }
}
