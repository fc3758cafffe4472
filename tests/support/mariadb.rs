//! Test harness: a fresh, empty database on a real MariaDB for each test.
//!
//! Input: `DEMOFORGE_TEST_MYSQL_URL` (an existing server, e.g.
//! `mysql://root:pw@127.0.0.1:3307/`) or, when unset or empty, `mariadbd` and
//! `mariadb-install-db` on PATH or in `/usr/sbin`, and the stock client
//! (`mariadb`, else `mysql`) on PATH for [`TestMyDb::client_command`].
//! Output: [`TestMyDb`] values, each naming a `utf8mb4_bin` database no other
//! test uses, with a `mysql://` URL the `mysql` crate accepts.
//! Invariants: one throwaway server per test process at most, started on first
//! use, listening only on 127.0.0.1; it is killed and its folder removed after
//! the process exits, even when the process is killed, by a watchdog shell
//! that outlives it. Test databases are dropped on drop.

#![allow(dead_code)] // Each test binary uses a different part of the harness.

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use mysql::prelude::Queryable;

/// One empty database for one test.
pub struct TestMyDb {
    /// A `mysql://` URL naming this database, for `mysql::Opts::from_url`.
    pub url: String,
    pub name: String,
}

impl TestMyDb {
    pub fn new() -> TestMyDb {
        let server = server_info();
        let name = super::unique_name();
        connect(&server.admin_url)
            .query_drop(format!(
                "CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
            ))
            .unwrap_or_else(|e| panic!("cannot create test database {name}: {e}"));
        TestMyDb {
            url: server.url_for(&name),
            name,
        }
    }

    pub fn conn(&self) -> mysql::Conn {
        connect(&self.url)
    }

    /// The stock command-line client over TCP, in batch mode, on this
    /// database; a test adds stdin (a dump) or `-e SQL`.
    pub fn client_command(&self) -> Command {
        let server = server_info();
        let mut cmd = Command::new(client_binary());
        // --no-defaults must come first; utf8mb4 so a dump's non-ASCII text
        // is not read in the client's locale-derived default (latin1 under C).
        cmd.arg("--no-defaults")
            .arg("--protocol=TCP")
            .arg(format!("--host={}", server.host))
            .arg(format!("--port={}", server.port))
            .arg(format!("--user={}", server.user))
            .arg("--default-character-set=utf8mb4")
            .arg("--batch");
        // MYSQL_PWD keeps the password out of the argument list; an inherited
        // one must not leak into a password-less login.
        match &server.password {
            Some(pw) => cmd.env("MYSQL_PWD", pw),
            None => cmd.env_remove("MYSQL_PWD"),
        };
        cmd.arg(&self.name);
        cmd
    }

    /// Every row of `sql`'s first result set, each value as text (NULL as None).
    pub fn query_strings(&self, sql: &str) -> Vec<Vec<Option<String>>> {
        let rows: Vec<mysql::Row> = self
            .conn()
            .query(sql)
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        rows.into_iter()
            .map(|row| row.unwrap().into_iter().map(value_text).collect())
            .collect()
    }

    /// Runs one or more `;`-separated statements, discarding any results.
    pub fn exec(&self, sql: &str) {
        self.conn()
            .query_drop(sql)
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
}

impl Drop for TestMyDb {
    fn drop(&mut self) {
        // Best effort: an external server may not let us drop, and a leftover
        // database on the throwaway server disappears with its folder anyway.
        if let Ok(mut admin) = mysql::Conn::new(opts(&server_info().admin_url)) {
            let _ = admin.query_drop(format!("DROP DATABASE IF EXISTS `{}`", self.name));
        }
    }
}

/// Where test databases are created: an external server or the throwaway one.
pub struct Server {
    pub host: String,
    pub port: u16,
    pub user: String,
    pub password: Option<String>,
    /// A URL with rights to create and drop databases.
    pub admin_url: String,
    /// `mysql://authority` and `?query` of the URL, around the database name.
    prefix: String,
    query: String,
}

impl Server {
    /// The server's URL with its path replaced by database `db`.
    pub fn url_for(&self, db: &str) -> String {
        format!("{}/{db}{}", self.prefix, self.query)
    }
}

/// The server this test process uses, starting the throwaway one if needed.
pub fn server_info() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| match std::env::var("DEMOFORGE_TEST_MYSQL_URL") {
        Ok(url) if !url.trim().is_empty() => external_server(url.trim()),
        _ => local_server(),
    })
}

fn external_server(url: &str) -> Server {
    let parsed = mysql::Opts::from_url(url)
        .unwrap_or_else(|e| panic!("DEMOFORGE_TEST_MYSQL_URL is not a mysql:// URL ({e})"));
    let rest = url.strip_prefix("mysql://").unwrap_or(url);
    let (before_query, query) = match rest.find('?') {
        Some(i) => (&rest[..i], rest[i..].to_owned()),
        None => (rest, String::new()),
    };
    let authority = before_query.split('/').next().unwrap_or_default();
    Server {
        host: parsed.get_ip_or_hostname().into_owned(),
        port: parsed.get_tcp_port(),
        user: parsed.get_user().unwrap_or("root").to_owned(),
        password: parsed.get_pass().map(str::to_owned),
        admin_url: url.to_owned(),
        prefix: format!("mysql://{authority}"),
        query,
    }
}

fn opts(url: &str) -> mysql::Opts {
    let opts = mysql::Opts::from_url(url).unwrap_or_else(|e| panic!("bad MySQL URL {url}: {e}"));
    mysql::OptsBuilder::from_opts(opts)
        .tcp_connect_timeout(Some(Duration::from_secs(5)))
        .into()
}

pub fn connect(url: &str) -> mysql::Conn {
    mysql::Conn::new(opts(url))
        .unwrap_or_else(|e| panic!("cannot connect to test MariaDB {url}: {e}"))
}

/// The text protocol sends every value as bytes; the other arms are for
/// statements that went through the binary protocol.
fn value_text(value: mysql::Value) -> Option<String> {
    match value {
        mysql::Value::NULL => None,
        mysql::Value::Bytes(b) => Some(String::from_utf8_lossy(&b).into_owned()),
        mysql::Value::Int(i) => Some(i.to_string()),
        mysql::Value::UInt(u) => Some(u.to_string()),
        mysql::Value::Float(f) => Some(f.to_string()),
        mysql::Value::Double(d) => Some(d.to_string()),
        other => Some(other.as_sql(true).trim_matches('\'').to_owned()),
    }
}

/// The throwaway server: install a data folder, register the watchdog, start
/// `mariadbd` on a free port and wait until it accepts a login.
fn local_server() -> Server {
    let install_db = find_binary("mariadb-install-db");
    let mariadbd = find_binary("mariadbd");
    let dir = make_server_dir();
    // Before anything else, so even a process killed during install cleans up.
    spawn_watchdog(&dir);
    install_data_dir(&install_db, &dir.join("data"));
    let port = start_on_free_port(&mariadbd, &dir);
    let prefix = format!("mysql://root@127.0.0.1:{port}");
    Server {
        host: "127.0.0.1".to_owned(),
        port,
        user: "root".to_owned(),
        password: None,
        admin_url: format!("{prefix}/"),
        prefix,
        query: String::new(),
    }
}

fn install_data_dir(install_db: &Path, data: &Path) {
    let mut cmd = Command::new(install_db);
    cmd.arg("--no-defaults")
        .arg(format!("--datadir={}", data.display()))
        .args(["--auth-root-authentication-method=normal", "--skip-test-db"]);
    // mariadbd refuses to run as root; --user also chowns the data folder.
    if super::is_root() {
        cmd.arg("--user=mysql");
    }
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", install_db.display()));
    super::assert_success(&out, "mariadb-install-db");
}

/// Another process may take the same free port between our probe and the
/// server's bind, so a start that fails on the bind is retried on a new port.
fn start_on_free_port(mariadbd: &Path, dir: &Path) -> u16 {
    let log = dir.join("error.log");
    let spawned = dir.join("spawned.pid");
    for _ in 0..8 {
        let log_start = std::fs::metadata(&log).map(|m| m.len()).unwrap_or(0);
        let port = super::free_port();
        let mut child = spawn_server(mariadbd, dir, port);
        // The watchdog kills this pid too, covering the time before
        // mariadbd writes its own pid file.
        std::fs::write(&spawned, child.id().to_string()).expect("can write spawned.pid");
        match wait_ready(&mut child, port) {
            Ready::Yes => return port,
            Ready::Exited => {
                let _ = std::fs::remove_file(&spawned);
                let new_log = read_log(&log, log_start);
                if !new_log.contains("Address already in use") {
                    panic!("the throwaway MariaDB server exited at start; error log:\n{new_log}");
                }
            }
            Ready::TimedOut => {
                let _ = child.kill();
                let _ = child.wait();
                let _ = std::fs::remove_file(&spawned);
                panic!(
                    "the throwaway MariaDB server did not accept a login within 60 s; \
                     error log tail:\n{}",
                    tail(&read_log(&log, log_start), 40)
                );
            }
        }
    }
    panic!(
        "the throwaway MariaDB server found no free port in 8 tries; error log tail:\n{}",
        tail(&read_log(&log, 0), 40)
    );
}

fn spawn_server(mariadbd: &Path, dir: &Path, port: u16) -> Child {
    let mut cmd = Command::new(mariadbd);
    cmd.arg("--no-defaults")
        .arg(format!("--datadir={}", dir.join("data").display()))
        .arg(format!("--socket={}", dir.join("mysqld.sock").display()))
        .arg(format!("--port={port}"))
        .arg("--bind-address=127.0.0.1")
        .arg(format!("--pid-file={}", dir.join("mysqld.pid").display()))
        .arg(format!("--log-error={}", dir.join("error.log").display()))
        .args([
            "--innodb-buffer-pool-size=256M",
            "--innodb-flush-log-at-trx-commit=2",
            "--skip-log-bin",
            "--local-infile=1",
        ]);
    if super::is_root() {
        cmd.arg("--user=mysql");
    }
    // Its own process group: a Ctrl-C meant for `cargo test` must not stop
    // the server before the watchdog does.
    cmd.process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", mariadbd.display()))
}

enum Ready {
    Yes,
    Exited,
    TimedOut,
}

fn wait_ready(child: &mut Child, port: u16) -> Ready {
    let url = format!("mysql://root@127.0.0.1:{port}/");
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return Ready::Exited;
        }
        if mysql::Conn::new(opts(&url)).is_ok() {
            return Ready::Yes;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ready::TimedOut
}

/// The error log from byte `from` on: this attempt's lines only.
fn read_log(log: &Path, from: u64) -> String {
    let bytes = std::fs::read(log).unwrap_or_default();
    let from = usize::try_from(from).unwrap_or(0).min(bytes.len());
    String::from_utf8_lossy(&bytes[from..]).into_owned()
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// Waits for this test process to vanish, then kills the server and removes
/// its folder. Test binaries don't run static destructors, so this is the only
/// cleanup that also covers a killed or aborted test process.
fn spawn_watchdog(dir: &Path) {
    // The pid files name the server; the scan of command lines also finds the
    // bootstrap server of a mariadb-install-db cut short by a killed test.
    // Only processes that are a mariadbd are killed: a pid file left by a
    // crashed server may name an unrelated process by now.
    let script = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 0.5; done
         pids=$(cat '{dir}/mysqld.pid' '{dir}/spawned.pid' 2>/dev/null)
         for f in /proc/[0-9]*/cmdline; do
           if tr '\\0' ' ' <\"$f\" 2>/dev/null | grep -qF -- '--datadir={dir}/data '; then
             p=${{f#/proc/}}; pids=\"$pids ${{p%/cmdline}}\"
           fi
         done
         ours=''
         for p in $(echo $pids | tr ' ' '\\n' | sort -u); do
           [ \"$(cat /proc/$p/comm 2>/dev/null)\" = mariadbd ] && ours=\"$ours $p\"
         done
         for p in $ours; do kill $p 2>/dev/null; done
         for p in $ours; do
           n=0
           while kill -0 $p 2>/dev/null && [ $n -lt 300 ]; do sleep 0.1; n=$((n+1)); done
           kill -9 $p 2>/dev/null
         done
         rm -rf '{dir}'",
        pid = std::process::id(),
        dir = dir.display(),
    );
    // Never waited for on purpose: the watchdog must outlive this process.
    #[allow(clippy::zombie_processes)]
    Command::new("sh")
        .args(["-c", &script])
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("can spawn the MariaDB watchdog");
}

fn make_server_dir() -> PathBuf {
    // Short path under /tmp: the unix socket path must fit in 107 bytes, and
    // the `mysql` user must be able to reach it when we run as root.
    let dir = PathBuf::from("/tmp").join(format!("demoforge-my-{}", super::unique_name()));
    std::fs::create_dir_all(&dir).expect("can create the MariaDB folder under /tmp");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755))
        .expect("can set the MariaDB folder's mode");
    if super::is_root() {
        let status = Command::new("chown")
            .args(["mysql:", &dir.display().to_string()])
            .status()
            .expect("chown runs");
        assert!(status.success(), "cannot chown {} to mysql", dir.display());
    }
    dir
}

/// A server binary: PATH first, then the sbin/bin folders Debian uses, which
/// a non-root PATH often lacks.
fn find_binary(name: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/usr/bin"].map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "{name} not found on PATH or in /usr/sbin; run scripts/test, which \
                 installs mariadb-server, or set DEMOFORGE_TEST_MYSQL_URL"
            )
        })
}

/// `mariadb` if on PATH, else `mysql` (older or Oracle clients).
fn client_binary() -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    ["mariadb", "mysql"]
        .iter()
        .find_map(|name| {
            std::env::split_paths(&path)
                .map(|dir| dir.join(name))
                .find(|p| p.is_file())
        })
        .unwrap_or_else(|| {
            panic!(
                "neither mariadb nor mysql is on PATH; run scripts/test, which \
                 installs mariadb-client"
            )
        })
}
