//! Test harness: a fresh, empty database on a real PostgreSQL for each test.
//!
//! Input: `DEMOFORGE_TEST_DATABASE_URL` (an existing server) or, when unset, the
//! PostgreSQL binaries on PATH or under `/usr/lib/postgresql/*/bin`.
//! Output: [`TestDb`] values, each naming a database no other test uses.
//! Invariants: one throwaway cluster per test process at most; it is stopped and
//! its folder removed after the process exits, even when the process is killed,
//! by a watchdog shell that outlives it. Test databases are dropped on drop.
//! The MariaDB counterpart, for loads over `mysql://`, is [`mariadb`].

#![allow(dead_code)] // Each test binary uses a different part of the harness.

pub mod mariadb;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// One empty database for one test.
pub struct TestDb {
    /// A connection URL that the demoforge binary and `postgres::Client` accept.
    pub url: String,
    pub name: String,
}

impl TestDb {
    pub fn new() -> TestDb {
        let server = server();
        let name = unique_name();
        let mut admin = connect(&server.admin_url);
        admin
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .unwrap_or_else(|e| panic!("cannot create test database {name}: {e}"));
        TestDb {
            url: server.url_for(&name),
            name,
        }
    }

    pub fn client(&self) -> postgres::Client {
        connect(&self.url)
    }

    /// Applies the reference schema and bookkeeping through the real binary.
    pub fn apply_schema(&self) {
        let out = demoforge(&["schema", "--apply", "--database-url", &self.url]);
        assert_success(&out, "demoforge schema --apply");
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        // Best effort: an external server may not let us drop, and a leftover
        // database on a throwaway cluster disappears with the cluster anyway.
        if let Ok(mut admin) = postgres::Client::connect(&server().admin_url, postgres::NoTls) {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// Runs the demoforge binary built for this test run, with no stdin.
pub fn demoforge(args: &[&str]) -> Output {
    demoforge_cmd(args)
        .output()
        .expect("the demoforge binary runs")
}

/// A command for the demoforge binary, for tests that need to control the child.
pub fn demoforge_cmd(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_demoforge"));
    cmd.args(args)
        .stdin(Stdio::null())
        .env_remove("DATABASE_URL")
        .env_remove("DEMOFORGE_CREDENTIAL_SECRET")
        .env_remove("DEMOFORGE_OPERATOR")
        .env_remove("DEMOFORGE_TEST_PAUSE_AT")
        // Laravel's cost 10 costs ~50 ms a hash; tests that check the cost unset this.
        .env("DEMOFORGE_BCRYPT_COST", "4")
        .env("NO_COLOR", "1");
    cmd
}

/// The small demo dump under tests/fixtures, and its company.
pub const FIXTURE_COMPANY: &str = "d0000000-0000-4000-8000-000000000001";

pub fn fixture_dump() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny-demo.sql")
}

impl TestDb {
    /// Schema plus the fixture tenant, loaded through `demoforge load`.
    pub fn with_fixture_loaded() -> TestDb {
        let db = TestDb::new();
        db.apply_schema();
        let out = demoforge(&[
            "load",
            fixture_dump().to_str().expect("utf-8 path"),
            "--database-url",
            &db.url,
        ]);
        assert_success(&out, "demoforge load of the fixture");
        db
    }

    /// `demoforge reset <fixture> --operator test` plus extra arguments.
    pub fn reset(&self, extra: &[&str]) -> Output {
        self.reset_command(extra)
            .output()
            .expect("the demoforge binary runs")
    }

    /// The command [`TestDb::reset`] runs, for tests that pause or kill it
    /// (`DEMOFORGE_TEST_PAUSE_AT`) or read its output as it goes.
    pub fn reset_command(&self, extra: &[&str]) -> Command {
        let dump = fixture_dump();
        let mut args = vec![
            "reset",
            dump.to_str().expect("utf-8 path"),
            "--database-url",
            &self.url,
            "--operator",
            "test",
        ];
        args.extend_from_slice(extra);
        demoforge_cmd(&args)
    }

    /// Adds a non-demo tenant with about 5 * n rows in every tenant table.
    pub fn add_other_tenant(&self, company: &str, n: u32) {
        let sql = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/other-tenant.sql"),
        )
        .expect("other-tenant fixture")
        .replace("{{company}}", company)
        .replace("{{n}}", &n.to_string());
        self.client()
            .batch_execute(&sql)
            .unwrap_or_else(|e| panic!("cannot create tenant {company}: {e}"));
    }

    /// One md5 per tenant table over the company's rows, in a stable order.
    /// Without credentials, `password_hash` and `core.api_tokens` are left
    /// out, since every load issues new ones.
    pub fn tenant_checksum(&self, company: &str, with_credentials: bool) -> Vec<(String, String)> {
        let mut client = self.client();
        let company: uuid::Uuid = company.parse().expect("uuid");
        demoforge::db::tenant_tables(&mut client)
            .expect("tenant tables from the catalog")
            .into_iter()
            .filter(|t| with_credentials || t.name != "core.api_tokens")
            .map(|t| {
                let row = if with_credentials { "t::text" } else { "(to_jsonb(t) - 'password_hash')::text" };
                let sql = format!(
                    "SELECT count(*)::text || ':' || coalesce(md5(string_agg(x, E'\\n' ORDER BY x)), '') \
                     FROM (SELECT {row} AS x FROM {} t WHERE {} = $1) s",
                    t.name, t.company_column
                );
                let sum: String = client
                    .query_one(&sql, &[&company])
                    .unwrap_or_else(|e| panic!("checksum of {}: {e}", t.name))
                    .get(0);
                (t.name.clone(), sum)
            })
            .collect()
    }

    pub fn count(&self, sql: &str) -> i64 {
        self.client()
            .query_one(sql, &[])
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
            .get(0)
    }
}

/// The one JSON line that `--json` prints on stdout.
pub fn json_line(out: &Output) -> serde_json::Value {
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout.lines().count(),
        1,
        "expected one JSON line, got:\n{stdout}"
    );
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
}

pub fn assert_success(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what} failed with {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

pub fn connect(url: &str) -> postgres::Client {
    postgres::Client::connect(url, postgres::NoTls)
        .unwrap_or_else(|e| panic!("cannot connect to test PostgreSQL {url}: {e}"))
}

/// Where test databases are created: an external server or the local cluster.
struct Server {
    admin_url: String,
    /// Builds a URL for a database on this server.
    base: UrlBase,
}

enum UrlBase {
    /// `postgresql://…/` with the path replaced by the database name.
    Url { prefix: String, query: String },
    /// libpq key=value form: a trailing `dbname=` overrides the earlier one.
    KeyValue(String),
}

impl Server {
    fn url_for(&self, db: &str) -> String {
        match &self.base {
            UrlBase::Url { prefix, query } => format!("{prefix}/{db}{query}"),
            UrlBase::KeyValue(kv) => format!("{kv} dbname={db}"),
        }
    }
}

fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| match std::env::var("DEMOFORGE_TEST_DATABASE_URL") {
        Ok(url) if !url.trim().is_empty() => external_server(url.trim()),
        _ => local_cluster(),
    })
}

fn external_server(url: &str) -> Server {
    let base = if let Some(rest) = url
        .strip_prefix("postgresql://")
        .or_else(|| url.strip_prefix("postgres://"))
    {
        let scheme = &url[..url.len() - rest.len()];
        let (before_query, query) = match rest.find('?') {
            Some(i) => (&rest[..i], rest[i..].to_owned()),
            None => (rest, String::new()),
        };
        let authority = before_query.split('/').next().unwrap_or_default();
        UrlBase::Url {
            prefix: format!("{scheme}{authority}"),
            query,
        }
    } else {
        UrlBase::KeyValue(url.to_owned())
    };
    Server {
        admin_url: url.to_owned(),
        base,
    }
}

fn unique_name() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "demoforge_test_{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// A throwaway cluster of its own, for tests that need two servers. Stopped
/// and removed by the same watchdog as the shared cluster.
pub struct Cluster {
    /// The folder holding the server's Unix socket.
    pub socket_dir: PathBuf,
    pub port: u16,
}

impl Cluster {
    pub fn start() -> Cluster {
        let (dir, port) = start_cluster();
        Cluster {
            socket_dir: dir,
            port,
        }
    }

    /// A TCP URL for the `postgres` superuser and database `db`.
    pub fn url(&self, db: &str) -> String {
        format!("postgresql://postgres@127.0.0.1:{}/{db}", self.port)
    }

    pub fn create_database(&self, db: &str) {
        connect(&self.url("postgres"))
            .batch_execute(&format!("CREATE DATABASE \"{db}\""))
            .unwrap_or_else(|e| panic!("cannot create {db}: {e}"));
    }
}

/// The throwaway cluster: initdb, start on a free port, register the watchdog.
fn local_cluster() -> Server {
    let (_, port) = start_cluster();
    let base = format!("postgresql://postgres@127.0.0.1:{port}");
    Server {
        admin_url: format!("{base}/postgres"),
        base: UrlBase::Url {
            prefix: base,
            query: String::new(),
        },
    }
}

/// Returns the cluster's folder (also its socket folder) and port.
fn start_cluster() -> (PathBuf, u16) {
    let bin = pg_bin_dir();
    let dir = make_cluster_dir();
    let data = dir.join("data");
    run_as_pg(
        Command::new(bin.join("initdb"))
            .arg("-D")
            .arg(&data)
            .args(["-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"])
            .arg("--locale=C"),
        "initdb",
    );
    spawn_watchdog(&bin, &dir);
    let port = start_on_free_port(&bin, &dir, &data);
    (dir, port)
}

/// Another test binary may take the same free port between our probe and the
/// server's bind, so a failed start is retried on a new port.
fn start_on_free_port(bin: &Path, dir: &Path, data: &Path) -> u16 {
    let mut last_log = String::new();
    for _ in 0..8 {
        let port = free_port();
        let opts = format!(
            "-c port={port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={} \
             -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
             -c shared_buffers=32MB -c max_connections=60",
            dir.display()
        );
        let logfile = dir.join("server.log");
        let status = pg_command(
            Command::new(bin.join("pg_ctl"))
                .arg("-D")
                .arg(data)
                .arg("-l")
                .arg(&logfile)
                .args(["-w", "-t", "60", "-o", &opts, "start"]),
        )
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("pg_ctl runs");
        if status.success() && wait_ready(port) {
            return port;
        }
        last_log = std::fs::read_to_string(&logfile).unwrap_or_default();
        let _ = pg_command(Command::new(bin.join("pg_ctl")).arg("-D").arg(data).args([
            "-m",
            "immediate",
            "stop",
        ]))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    }
    panic!("the throwaway PostgreSQL cluster did not start; server log:\n{last_log}");
}

fn wait_ready(port: u16) -> bool {
    let url = format!("postgresql://postgres@127.0.0.1:{port}/postgres");
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if postgres::Client::connect(&url, postgres::NoTls).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("can bind an ephemeral port on 127.0.0.1")
}

/// Waits for this test process to vanish, then stops the cluster and removes
/// its folder. Test binaries don't run static destructors, so this is the only
/// cleanup that also covers a killed or aborted test process.
fn spawn_watchdog(bin: &Path, dir: &Path) {
    let pg_ctl = bin.join("pg_ctl");
    let stop = format!(
        "{} '{}' -D '{}' -m immediate stop",
        pg_prefix(),
        pg_ctl.display(),
        dir.join("data").display()
    );
    let script = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 0.5; done; {stop} >/dev/null 2>&1; rm -rf '{dir}'",
        pid = std::process::id(),
        dir = dir.display()
    );
    // Never waited for on purpose: the watchdog must outlive this process.
    #[allow(clippy::zombie_processes)]
    Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("can spawn the cluster watchdog");
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// PostgreSQL refuses to run as root, so root runs it as `postgres`.
fn pg_prefix() -> &'static str {
    static PREFIX: OnceLock<&'static str> = OnceLock::new();
    PREFIX.get_or_init(|| {
        if is_root() {
            "runuser -u postgres --"
        } else {
            ""
        }
    })
}

fn pg_command(cmd: &mut Command) -> Command {
    if pg_prefix().is_empty() {
        let mut own = Command::new(cmd.get_program());
        own.args(cmd.get_args());
        return own;
    }
    let mut wrapped = Command::new("runuser");
    wrapped
        .args(["-u", "postgres", "--"])
        .arg(cmd.get_program())
        .args(cmd.get_args());
    wrapped
}

fn run_as_pg(cmd: &mut Command, what: &str) {
    let out = pg_command(cmd)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    assert_success(&out, what);
}

fn make_cluster_dir() -> PathBuf {
    // Short path: the unix socket path must fit in 107 bytes.
    let dir = PathBuf::from("/tmp").join(format!("demoforge-pg-{}", unique_name()));
    std::fs::create_dir_all(&dir).expect("can create the cluster folder under /tmp");
    if is_root() {
        let status = Command::new("chown")
            .args(["postgres:", &dir.display().to_string()])
            .status()
            .expect("chown runs");
        assert!(
            status.success(),
            "cannot chown {} to postgres",
            dir.display()
        );
    }
    dir
}

/// `initdb`'s folder: PATH first, else the highest `/usr/lib/postgresql/N/bin`.
fn pg_bin_dir() -> PathBuf {
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            let initdb = dir.join("initdb");
            if initdb.is_file() {
                // Debian symlinks /usr/local/bin/initdb; follow it so pg_ctl is beside it.
                let real = std::fs::canonicalize(&initdb).unwrap_or(initdb);
                if let Some(parent) = real.parent() {
                    if parent.join("pg_ctl").is_file() {
                        return parent.to_path_buf();
                    }
                }
            }
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin).unwrap_or_else(|| {
        panic!(
            "no PostgreSQL server binaries found (initdb on PATH or under \
             /usr/lib/postgresql/*/bin); run scripts/test, which installs them, \
             or set DEMOFORGE_TEST_DATABASE_URL"
        )
    })
}
