//! Opening a connection from a `--database-url`.
//!
//! Input: a libpq URL or key=value string. Output: a blocking
//! `postgres::Client`. Invariant: error messages name the server without the
//! password, so they are safe for cron logs.

use std::str::FromStr;
use std::time::Duration;

use super::error::DbError;

/// Connects without TLS: the tool runs next to the database or through a
/// tunnel; TLS support can be added here without touching callers.
pub fn connect(url: &str) -> Result<postgres::Client, DbError> {
    let mut config = postgres::Config::from_str(url).map_err(|e| DbError::Connect {
        target: "the given URL".to_owned(),
        message: format!("the URL does not parse: {e}"),
    })?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(10));
    }
    config.application_name("demoforge");
    config
        .connect(postgres::NoTls)
        .map_err(|e| DbError::Connect {
            target: describe_target(&config),
            message: match std::error::Error::source(&e) {
                Some(source) => format!("{e}: {source}"),
                None => e.to_string(),
            },
        })
}

/// `host:port/dbname` for messages; never the password.
pub fn describe_target(config: &postgres::Config) -> String {
    let host = config
        .get_hosts()
        .first()
        .map(|h| match h {
            postgres::config::Host::Tcp(name) => name.clone(),
            postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .unwrap_or_else(|| "localhost".to_owned());
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let db = config.get_dbname().unwrap_or("(default database)");
    format!("{host}:{port}/{db}")
}
