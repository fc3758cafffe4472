//! Opening a connection from a `--database-url`, and saying where it went.
//!
//! Input: a libpq URL or key=value string (parsed with libpq's meaning by
//! [`conninfo`]) and the `PG*` environment defaults. Output: a blocking
//! `postgres::Client` and the [`Server`] it reached, announced on stderr as
//! `connected to PostgreSQL 15.19 at /tmp/x:6000, database app, user demoforge`
//! before the caller writes anything. Invariants: hosts are tried one at a
//! time in libpq's order, so the announced host is the one actually reached
//! and a failure names every host tried; messages never contain the password,
//! so they are safe for cron logs.

mod conninfo;

use std::time::Duration;

use conninfo::{Endpoint, Host, Params};

use super::error::DbError;

/// The server a connection reached, as the server itself reports it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Server {
    /// `PostgreSQL`, `MariaDB` or `MySQL`.
    pub product: &'static str,
    /// `host:port` or `/socket/folder:port`.
    pub address: String,
    pub version: String,
    pub database: String,
    pub user: String,
}

impl std::fmt::Display for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} at {}, database {}, user {}",
            self.product, self.version, self.address, self.database, self.user
        )
    }
}

/// Connects without TLS (the tool runs next to the database or through a
/// tunnel) and prints `connected to …` on stderr.
pub fn connect(url: &str) -> Result<(postgres::Client, Server), DbError> {
    let params = conninfo::parse(url, &|var| std::env::var(var).ok())
        .map_err(|message| DbError::ConnectionString { message })?;
    let mut failures = Vec::new();
    for endpoint in &params.endpoints {
        match config_for(&params, endpoint).connect(postgres::NoTls) {
            Ok(mut client) => {
                let server = identify(&mut client, endpoint)?;
                eprintln!("connected to {server}");
                return Ok((client, server));
            }
            Err(e) => failures.push(format!("{endpoint}: {}", driver_message(&e))),
        }
    }
    Err(DbError::Connect {
        target: describe_endpoints(&params),
        message: failures.join("; "),
    })
}

fn config_for(params: &Params, endpoint: &Endpoint) -> postgres::Config {
    let mut config = postgres::Config::new();
    match &endpoint.host {
        Host::Tcp(name) => config.host(name),
        Host::Socket(dir) => config.host_path(dir),
    };
    config
        .port(endpoint.port)
        .dbname(&params.dbname)
        .user(&params.user)
        .connect_timeout(params.connect_timeout.unwrap_or(Duration::from_secs(10)))
        .application_name(params.application_name.as_deref().unwrap_or("demoforge"));
    if let Some(password) = &params.password {
        config.password(password);
    }
    if let Some(options) = &params.options {
        config.options(options);
    }
    if let Some(keepalives) = params.keepalives {
        config.keepalives(keepalives);
    }
    if params.read_write {
        config.target_session_attrs(postgres::config::TargetSessionAttrs::ReadWrite);
    }
    config
}

/// The server's own view of the session: version, database and user.
fn identify(client: &mut postgres::Client, endpoint: &Endpoint) -> Result<Server, DbError> {
    let row = client
        .query_one(
            "SELECT current_setting('server_version'), current_database()::text, current_user::text",
            &[],
        )
        .map_err(|e| DbError::from_pg("asking the server for its version", e))?;
    Ok(Server {
        product: "PostgreSQL",
        address: endpoint.to_string(),
        version: row.get(0),
        database: row.get(1),
        user: row.get(2),
    })
}

/// Every host that will be tried, and the database and user; never the password.
fn describe_endpoints(params: &Params) -> String {
    let hosts: Vec<String> = params.endpoints.iter().map(ToString::to_string).collect();
    format!(
        "{} (database {}, user {})",
        hosts.join(", "),
        params.dbname,
        params.user
    )
}

fn driver_message(e: &postgres::Error) -> String {
    match std::error::Error::source(e) {
        Some(source) => format!("{e}: {source}"),
        None => e.to_string(),
    }
}

/// The effective OS user's login name from the password database, as libpq
/// and `whoami` find it; `None` when the uid has no entry.
pub fn os_user_name() -> Option<String> {
    let mut buf = vec![0 as libc::c_char; 4096];
    // SAFETY: zeroed passwd is a valid out-parameter; getpwuid_r writes only
    // into `pwd` and `buf` (whose length we pass) and sets `result`.
    let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut result: *mut libc::passwd = std::ptr::null_mut();
    let rc = unsafe {
        libc::getpwuid_r(
            libc::geteuid(),
            &mut pwd,
            buf.as_mut_ptr(),
            buf.len(),
            &mut result,
        )
    };
    if rc != 0 || result.is_null() || pwd.pw_name.is_null() {
        return None;
    }
    // SAFETY: on success pw_name points to a NUL-terminated string in `buf`.
    let name = unsafe { std::ffi::CStr::from_ptr(pwd.pw_name) };
    name.to_str()
        .ok()
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_os_user_name_matches_the_password_database() {
        let uid = unsafe { libc::geteuid() }.to_string();
        let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
        let expected = passwd
            .lines()
            .map(|l| l.split(':').collect::<Vec<_>>())
            .find(|f| f.get(2) == Some(&uid.as_str()))
            .map(|f| f[0].to_owned());
        assert!(expected.is_some(), "uid {uid} has no /etc/passwd entry");
        assert_eq!(super::os_user_name(), expected);
    }
}
