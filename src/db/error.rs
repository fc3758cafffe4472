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
    #[error("cannot connect to PostgreSQL at {target}: {message}")]
    #[diagnostic(help(
        "check --database-url (or DATABASE_URL) and that the server accepts connections"
    ))]
    Connect { target: String, message: String },

    #[error("refused the connection string before connecting: {message}")]
    #[diagnostic(help(
        "write it as psql accepts it: postgresql://user@host:port/db?key=value or host=… port=… dbname=… user=…; see \"Connection strings\" in docs/load-and-reset.md"
    ))]
    ConnectionString { message: String },

    #[error("lost the connection to PostgreSQL while {phase}: {message}")]
    #[diagnostic(help(
        "nothing was committed, so the tenant is exactly as it was; run the command again once the server is reachable"
    ))]
    ConnectionLost { phase: String, message: String },

    #[error("PostgreSQL failed while {phase}: {message}")]
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
            DbError::Dump(_) | DbError::ConnectionString { .. } => 1,
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
        let help = match e.code() {
            Some(c) if *c == SqlState::UNDEFINED_TABLE || *c == SqlState::INVALID_SCHEMA_NAME => {
                "the reference schema or the demoforge bookkeeping tables are missing; run `demoforge schema --apply` first"
            }
            Some(c) if *c == SqlState::UNIQUE_VIOLATION => {
                "a row in the dump collides with a row of another company (for example a user's email); nothing was committed"
            }
            Some(c) if c.code().starts_with("23") => {
                "the dump does not fit the schema's constraints; rebuild it with the same demoforge version as the schema"
            }
            _ => "nothing was committed; the tenant is as it was",
        };
        DbError::Query {
            phase: phase.to_owned(),
            message,
            help: help.to_owned(),
            code: e.code().map(|c| c.code().to_owned()),
        }
    }

    /// An integrity constraint violation (SQLSTATE class 23).
    pub fn is_constraint_violation(&self) -> bool {
        matches!(self, DbError::Query { code: Some(code), .. } if code.starts_with("23"))
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
