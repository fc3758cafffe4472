//! Connection strings with libpq's meaning.
//!
//! Input: a `postgres://` / `postgresql://` URL or a libpq `key=value`
//! string, and an environment lookup (`PGHOST`, `PGPORT`, `PGUSER`,
//! `PGDATABASE`, `PGPASSWORD`, `PGCONNECT_TIMEOUT`). Output: [`Params`]: the
//! ordered list of servers to try, database, user and the few options
//! demoforge supports. Invariants: a string means what `psql` would make of
//! it, or it is refused before connecting: query parameters override the
//! URL's authority (as libpq stores them last), several hosts exist only when
//! written as libpq writes them (`h1:p1,h2:p2` in the authority, comma lists
//! in `host=` / `port=`), values are percent-decoded, a host starting with
//! `/` is a Unix-socket folder, and keywords demoforge cannot honour (TLS,
//! `hostaddr`, `service`, `passfile`, unknown ones) are refused rather than
//! ignored. Pure: no I/O except the socket-folder default ([`default_socket_dir`]).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

/// Where one server is reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Host {
    Tcp(String),
    /// The folder holding `.s.PGSQL.<port>`.
    Socket(PathBuf),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub host: Host,
    pub port: u16,
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.host {
            Host::Tcp(name) if name.contains(':') => write!(f, "[{name}]:{}", self.port),
            Host::Tcp(name) => write!(f, "{name}:{}", self.port),
            Host::Socket(dir) => write!(f, "{}:{}", dir.display(), self.port),
        }
    }
}

/// Everything needed to open a connection, after defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params {
    /// Tried in this order, like libpq.
    pub endpoints: Vec<Endpoint>,
    pub dbname: String,
    pub user: String,
    pub password: Option<String>,
    pub connect_timeout: Option<Duration>,
    pub application_name: Option<String>,
    pub options: Option<String>,
    pub keepalives: Option<bool>,
    pub read_write: bool,
}

/// Keywords demoforge honours. Anything else libpq knows is refused by name.
const SUPPORTED: &[&str] = &[
    "host",
    "port",
    "dbname",
    "user",
    "password",
    "connect_timeout",
    "application_name",
    "options",
    "sslmode",
    "keepalives",
    "target_session_attrs",
];

const DEFAULT_PORT: u16 = 5432;

/// Parses and applies libpq's defaults; `env` looks up environment variables.
pub fn parse(text: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Params, String> {
    let raw = if is_url(text) {
        parse_url(text)?
    } else {
        parse_key_values(text)?
    };
    resolve(raw, env)
}

/// libpq checks the prefix at the very first byte: with leading whitespace
/// the text is read as key=value pairs, and fails there, as psql does.
fn is_url(text: &str) -> bool {
    text.starts_with("postgresql://") || text.starts_with("postgres://")
}

/// Later values replace earlier ones, as in libpq's option array.
type Raw = BTreeMap<String, String>;

fn parse_url(text: &str) -> Result<Raw, String> {
    let text = text.trim();
    let rest = text
        .strip_prefix("postgresql://")
        .or_else(|| text.strip_prefix("postgres://"))
        .ok_or("not a postgresql:// URL")?;
    let (before_query, query) = match rest.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (rest, None),
    };
    let (authority, path) = match before_query.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (before_query, None),
    };
    let mut raw = Raw::new();
    // libpq takes the first `@`: a literal one in a password must be %40.
    let hosts = match authority.split_once('@') {
        Some((userinfo, hosts)) => {
            store_userinfo(&mut raw, userinfo)?;
            hosts
        }
        None => authority,
    };
    store_authority_hosts(&mut raw, hosts)?;
    if let Some(db) = path.filter(|p| !p.is_empty()) {
        raw.insert("dbname".to_owned(), decode(db)?);
    }
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').ok_or_else(|| {
            format!("the URL query parameter `{pair}` has no `=`; write it as key=value")
        })?;
        let key = decode(key)?;
        let value = decode(value)?;
        // libpq's URL-only alias.
        if key == "ssl" && value == "true" {
            raw.insert("sslmode".to_owned(), "require".to_owned());
        } else {
            raw.insert(key, value);
        }
    }
    Ok(raw)
}

fn store_userinfo(raw: &mut Raw, userinfo: &str) -> Result<(), String> {
    let (user, password) = match userinfo.split_once(':') {
        Some((u, p)) => (u, Some(p)),
        None => (userinfo, None),
    };
    if !user.is_empty() {
        raw.insert("user".to_owned(), decode(user)?);
    }
    if let Some(p) = password {
        raw.insert("password".to_owned(), decode(p)?);
    }
    Ok(())
}

/// `h1:p1,[::1]:p2,h3` becomes host=`h1,::1,h3` and port=`p1,p2,` as libpq
/// stores it; an empty authority stores nothing (defaults apply).
fn store_authority_hosts(raw: &mut Raw, hosts: &str) -> Result<(), String> {
    if hosts.is_empty() {
        return Ok(());
    }
    let mut names = Vec::new();
    let mut ports = Vec::new();
    for entry in hosts.split(',') {
        let (name, port) = split_host_port(entry)?;
        names.push(decode(name)?);
        ports.push(decode(port)?);
    }
    raw.insert("host".to_owned(), names.join(","));
    if ports.iter().any(|p| !p.is_empty()) {
        raw.insert("port".to_owned(), ports.join(","));
    }
    Ok(())
}

fn split_host_port(entry: &str) -> Result<(&str, &str), String> {
    if let Some(inner) = entry.strip_prefix('[') {
        let (name, after) = inner
            .split_once(']')
            .ok_or_else(|| format!("the IPv6 host `{entry}` has no closing `]`"))?;
        let port = match after {
            "" => "",
            _ => after
                .strip_prefix(':')
                .ok_or_else(|| format!("unexpected `{after}` after the IPv6 host `[{name}]`"))?,
        };
        return Ok((name, port));
    }
    Ok(entry.split_once(':').unwrap_or((entry, "")))
}

/// libpq's percent-decoding: `%XX` only, NUL refused; the result must be UTF-8.
fn decode(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| format!("invalid percent-encoding in `{text}`"))?;
            if hex == 0 {
                return Err(format!("`{text}` encodes a NUL byte (%00)"));
            }
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| format!("`{text}` does not decode to UTF-8"))
}

/// libpq's `key = value` syntax: values may be single-quoted; a backslash
/// escapes the next character.
fn parse_key_values(text: &str) -> Result<Raw, String> {
    let mut raw = Raw::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.peek().is_none() {
            return Ok(raw);
        }
        let mut key = String::new();
        while let Some(c) = chars.next_if(|c| *c != '=' && !c.is_whitespace()) {
            key.push(c);
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.next() != Some('=') {
            return Err(format!(
                "`{key}` has no `=`: write key=value pairs (host=… dbname=…) or a postgresql:// URL"
            ));
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let value = read_value(&mut chars)?;
        raw.insert(key, value);
    }
}

fn read_value(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Result<String, String> {
    let mut value = String::new();
    if chars.next_if_eq(&'\'').is_some() {
        loop {
            match chars.next() {
                Some('\\') => value.extend(chars.next()),
                Some('\'') => return Ok(value),
                Some(c) => value.push(c),
                None => return Err("a quoted value has no closing `'`".to_owned()),
            }
        }
    }
    while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
        if c == '\\' {
            value.extend(chars.next());
        } else {
            value.push(c);
        }
    }
    Ok(value)
}

/// Refuses what cannot be honoured, then applies environment and built-in
/// defaults for what is missing or empty (libpq treats empty as unset).
fn resolve(mut raw: Raw, env: &dyn Fn(&str) -> Option<String>) -> Result<Params, String> {
    raw.retain(|_, v| !v.is_empty());
    for key in raw.keys() {
        if !SUPPORTED.contains(&key.as_str()) {
            return Err(unsupported(key));
        }
    }
    for var in ["PGHOSTADDR", "PGSERVICE", "PGSERVICEFILE", "PGSSLMODE"] {
        if env(var).is_some_and(|v| !v.is_empty()) {
            return Err(format!(
                "{var} is set, and psql would use it, but demoforge does not support it; unset it or put the equivalent into --database-url"
            ));
        }
    }
    let lookup = |key: &str, var: &str| {
        raw.get(key)
            .cloned()
            .or_else(|| env(var).filter(|v| !v.is_empty()))
    };
    let user = lookup("user", "PGUSER")
        .or_else(super::os_user_name)
        .ok_or("no user given and the operating-system user name is unknown; add user=NAME")?;
    Ok(Params {
        endpoints: endpoints(lookup("host", "PGHOST"), lookup("port", "PGPORT"))?,
        dbname: lookup("dbname", "PGDATABASE").unwrap_or_else(|| user.clone()),
        user,
        password: lookup("password", "PGPASSWORD"),
        connect_timeout: lookup("connect_timeout", "PGCONNECT_TIMEOUT")
            .map(|t| parse_timeout(&t))
            .transpose()?,
        application_name: raw.get("application_name").cloned(),
        options: raw.get("options").cloned(),
        keepalives: raw.get("keepalives").map(|k| k != "0"),
        read_write: session_attrs(raw.get("target_session_attrs"))?,
    })
    .and_then(|p| check_sslmode(raw.get("sslmode")).map(|()| p))
}

fn unsupported(key: &str) -> String {
    match key {
        "hostaddr" => {
            "hostaddr= is not supported by demoforge; put the address into host=".to_owned()
        }
        "sslmode" | "sslcert" | "sslkey" | "sslrootcert" | "sslcrl" | "sslpassword"
        | "requiressl" | "gssencmode" | "sslnegotiation" => format!(
            "{key}= is not supported: demoforge connects without TLS (run it next to the database or through a tunnel)"
        ),
        _ => format!(
            "the connection keyword `{key}` is not supported by demoforge (supported: {})",
            SUPPORTED.join(", ")
        ),
    }
}

/// Without TLS support, only the modes that allow a plain connection.
fn check_sslmode(mode: Option<&String>) -> Result<(), String> {
    match mode.map(String::as_str) {
        None | Some("disable" | "allow" | "prefer") => Ok(()),
        Some(other) => Err(format!(
            "sslmode={other} needs TLS, which demoforge does not support; use sslmode=disable through a tunnel, or run demoforge next to the database"
        )),
    }
}

fn session_attrs(value: Option<&String>) -> Result<bool, String> {
    match value.map(String::as_str) {
        None | Some("any") => Ok(false),
        Some("read-write") => Ok(true),
        Some(other) => Err(format!(
            "target_session_attrs={other} is not supported; use any or read-write"
        )),
    }
}

fn parse_timeout(text: &str) -> Result<Duration, String> {
    let secs: i64 = text
        .trim()
        .parse()
        .map_err(|_| format!("connect_timeout={text} is not a whole number of seconds"))?;
    // libpq: zero or negative waits forever; a minimum of 2 s otherwise.
    Ok(match secs {
        s if s <= 0 => Duration::from_secs(u64::MAX / 4),
        s => Duration::from_secs(s.max(2).unsigned_abs()),
    })
}

/// libpq: one port applies to every host; otherwise the counts must match.
fn endpoints(hosts: Option<String>, ports: Option<String>) -> Result<Vec<Endpoint>, String> {
    let hosts: Vec<String> = match &hosts {
        Some(h) => h.split(',').map(str::to_owned).collect(),
        None => vec![String::new()],
    };
    let ports: Vec<Option<u16>> = match &ports {
        Some(p) => p.split(',').map(parse_port).collect::<Result<_, _>>()?,
        None => vec![None],
    };
    if ports.len() != 1 && ports.len() != hosts.len() {
        return Err(format!(
            "{} ports for {} hosts: give one port for all hosts or one per host, as libpq requires",
            ports.len(),
            hosts.len()
        ));
    }
    Ok(hosts
        .iter()
        .enumerate()
        .map(|(i, name)| Endpoint {
            host: host_kind(name),
            port: ports[if ports.len() == 1 { 0 } else { i }].unwrap_or(DEFAULT_PORT),
        })
        .collect())
}

fn parse_port(text: &str) -> Result<Option<u16>, String> {
    if text.is_empty() {
        return Ok(None);
    }
    match text.parse::<u16>() {
        Ok(p) if p > 0 => Ok(Some(p)),
        _ => Err(format!(
            "invalid port `{text}`: use a number from 1 to 65535"
        )),
    }
}

fn host_kind(name: &str) -> Host {
    if name.is_empty() {
        Host::Socket(default_socket_dir())
    } else if name.starts_with('/') {
        Host::Socket(PathBuf::from(name))
    } else {
        Host::Tcp(name.to_owned())
    }
}

/// Debian's and Ubuntu's libpq look in /var/run/postgresql; upstream's in /tmp.
pub fn default_socket_dir() -> PathBuf {
    let debian = PathBuf::from("/var/run/postgresql");
    if debian.is_dir() {
        debian
    } else {
        PathBuf::from("/tmp")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn tcp(name: &str, port: u16) -> Endpoint {
        Endpoint {
            host: Host::Tcp(name.to_owned()),
            port,
        }
    }

    fn sock(dir: &str, port: u16) -> Endpoint {
        Endpoint {
            host: Host::Socket(PathBuf::from(dir)),
            port,
        }
    }

    fn ok(text: &str) -> Params {
        parse(text, &no_env).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn url_and_key_value_forms_mean_what_libpq_means() {
        let cases: Vec<(&str, Vec<Endpoint>, &str, &str)> = vec![
            (
                "postgresql://postgres@localhost/postgres?host=/tmp/sock&port=6000",
                vec![sock("/tmp/sock", 6000)],
                "postgres",
                "postgres",
            ),
            (
                "postgres://u:p@db.example:6543/app",
                vec![tcp("db.example", 6543)],
                "app",
                "u",
            ),
            (
                "postgresql://u@%2Ftmp%2Fpg:6001/app",
                vec![sock("/tmp/pg", 6001)],
                "app",
                "u",
            ),
            (
                "postgresql://u@a:1,b:2,c/app",
                vec![tcp("a", 1), tcp("b", 2), tcp("c", 5432)],
                "app",
                "u",
            ),
            (
                "postgresql://u@[::1]:7000/app",
                vec![tcp("::1", 7000)],
                "app",
                "u",
            ),
            (
                "postgresql://u@a,b/app?port=7001",
                vec![tcp("a", 7001), tcp("b", 7001)],
                "app",
                "u",
            ),
            (
                "postgresql://u@a/app?host=x,y&port=1,2&dbname=other&user=v",
                vec![tcp("x", 1), tcp("y", 2)],
                "other",
                "v",
            ),
            (
                "postgresql://us%40er@h/d%20b",
                vec![tcp("h", 5432)],
                "d b",
                "us@er",
            ),
            (
                "host=/tmp/s port=6002 dbname=app user=u",
                vec![sock("/tmp/s", 6002)],
                "app",
                "u",
            ),
            (
                "host = 'my host' dbname='a \\'b' user=u",
                vec![tcp("my host", 5432)],
                "a 'b",
                "u",
            ),
            (
                "host=a,b port=1,2 user=u dbname=app",
                vec![tcp("a", 1), tcp("b", 2)],
                "app",
                "u",
            ),
            // A later keyword replaces an earlier one, as in libpq.
            (
                "host=a dbname=one user=u dbname=two",
                vec![tcp("a", 5432)],
                "two",
                "u",
            ),
            // No database: the user name, as libpq.
            ("postgresql://u@h", vec![tcp("h", 5432)], "u", "u"),
        ];
        for (text, endpoints, db, user) in cases {
            let p = ok(text);
            assert_eq!(p.endpoints, endpoints, "{text}");
            assert_eq!(p.dbname, db, "{text}");
            assert_eq!(p.user, user, "{text}");
        }
    }

    #[test]
    fn passwords_are_decoded_and_query_wins() {
        assert_eq!(
            ok("postgresql://u:p%3Aw@h/d").password.as_deref(),
            Some("p:w")
        );
        assert_eq!(
            ok("postgresql://u:a@h/d?password=b").password.as_deref(),
            Some("b")
        );
    }

    #[test]
    fn missing_parts_come_from_the_environment_like_libpq() {
        let env = |k: &str| match k {
            "PGHOST" => Some("/run/pg".to_owned()),
            "PGPORT" => Some("6500".to_owned()),
            "PGUSER" => Some("envuser".to_owned()),
            "PGDATABASE" => Some("envdb".to_owned()),
            "PGPASSWORD" => Some("secret".to_owned()),
            _ => None,
        };
        let p = parse("postgresql:///", &env).unwrap();
        assert_eq!(p.endpoints, vec![sock("/run/pg", 6500)]);
        assert_eq!((p.dbname.as_str(), p.user.as_str()), ("envdb", "envuser"));
        assert_eq!(p.password.as_deref(), Some("secret"));
        // What the string says wins over the environment.
        let p = parse("postgresql://u@h:1/d", &env).unwrap();
        assert_eq!(p.endpoints, vec![tcp("h", 1)]);
        assert_eq!((p.dbname.as_str(), p.user.as_str()), ("d", "u"));
    }

    #[test]
    fn no_host_means_the_default_socket_folder() {
        let p = ok("postgresql://u@/app");
        assert_eq!(
            p.endpoints,
            vec![sock(&default_socket_dir().to_string_lossy(), 5432)]
        );
        let p = ok("dbname=app user=u port=6003");
        assert_eq!(
            p.endpoints,
            vec![sock(&default_socket_dir().to_string_lossy(), 6003)]
        );
    }

    #[test]
    fn what_cannot_be_honoured_is_refused_before_connecting() {
        let refused = [
            ("postgresql://u@a,b/d?port=1,2,3", "3 ports for 2 hosts"),
            ("postgresql://u@h/d?sslmode=require", "needs TLS"),
            ("postgresql://u@h/d?ssl=true", "needs TLS"),
            ("postgresql://u@h/d?hostaddr=1.2.3.4", "hostaddr"),
            ("postgresql://u@h/d?service=x", "`service` is not supported"),
            ("postgresql://u@h/d?bogus=1", "`bogus` is not supported"),
            ("postgresql://u@h/d?port", "has no `=`"),
            ("postgresql://u@h:99999/d", "invalid port"),
            ("postgresql://u@h/d%zz", "percent-encoding"),
            ("postgresql://u@h/d%00", "NUL"),
            ("host=a dbname", "has no `=`"),
            ("host='a", "no closing"),
            ("postgresql://u@[::1/d", "closing `]`"),
        ];
        for (text, needle) in refused {
            let e = parse(text, &no_env).expect_err(text);
            assert!(e.contains(needle), "{text}: {e}");
        }
        let env = |k: &str| (k == "PGHOSTADDR").then(|| "10.0.0.1".to_owned());
        assert!(
            parse("host=a user=u", &env)
                .unwrap_err()
                .contains("PGHOSTADDR")
        );
    }

    /// libpq recognises a URL only at the very start; with a leading space
    /// it parses key=value pairs, and psql fails on the first one.
    #[test]
    fn a_url_after_leading_whitespace_is_refused_like_libpq() {
        for (text, needle) in [
            (" postgresql://u@h/d", "has no `=`"),
            ("\tpostgres://u@h/d", "has no `=`"),
            (" postgresql://u@h/d?port=1", "is not supported"),
        ] {
            let e = parse(text, &no_env).expect_err(text);
            assert!(e.contains(needle), "{text:?}: {e}");
        }
    }

    #[test]
    fn endpoints_display_like_the_connected_banner() {
        assert_eq!(sock("/tmp/x", 6000).to_string(), "/tmp/x:6000");
        assert_eq!(tcp("::1", 5).to_string(), "[::1]:5");
        assert_eq!(tcp("db", 5).to_string(), "db:5");
    }
}
