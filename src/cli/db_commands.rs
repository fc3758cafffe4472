//! The database commands: `schema --apply`, `load` and `reset`.
//!
//! Input: parsed arguments and the environment (`DATABASE_URL`,
//! `DEMOFORGE_CREDENTIAL_SECRET`). Output: an exit code, a human summary or a
//! one-line JSON summary on stdout, diagnostics on stderr. Invariant: no
//! credential plaintext is ever printed.

use std::path::Path;
use std::process::ExitCode;

use clap::Args;

use super::exit;
use crate::db::DbError;

/// Where `schema` applies its DDL instead of printing it.
#[derive(Debug, Args)]
pub struct SchemaTarget {
    /// Apply the schema and demoforge's bookkeeping tables to the database.
    #[arg(long, requires = "database_url")]
    pub apply: bool,
    /// PostgreSQL connection URL (or DATABASE_URL).
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
}

pub fn schema_apply(templates: Option<&Path>, target: &SchemaTarget) -> ExitCode {
    let Some(url) = target.database_url.as_deref() else {
        return usage("--apply needs --database-url or DATABASE_URL");
    };
    let ddl = match crate::output::load_templates(templates)
        .and_then(|set| crate::render::schema_sql(&set).map_err(miette::Report::new))
    {
        Ok(ddl) => ddl,
        Err(report) => {
            eprintln!("{report:?}");
            return ExitCode::from(exit::INVALID_INPUT);
        }
    };
    match crate::db::apply_schema(url, &ddl) {
        Ok(()) => {
            say!("schema applied");
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

fn usage(message: &str) -> ExitCode {
    let report = miette::miette!(
        help = "pass --database-url postgresql://user@host/db or set DATABASE_URL",
        "{message}"
    );
    eprintln!("{report:?}");
    ExitCode::from(exit::INVALID_INPUT)
}

fn fail(e: DbError) -> ExitCode {
    let code = e.exit_code();
    eprintln!("{:?}", miette::Report::new(e));
    ExitCode::from(code)
}
