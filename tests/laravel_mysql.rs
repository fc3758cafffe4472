//! The `laravel-mysql` target's dump on a real MariaDB, through the stock
//! command-line client only (demoforge's own loader is not involved).
//!
//! Input: the shipped scenarios, and an edited copy of demo-travel-co, built
//! with `demoforge build --target laravel-mysql`; the DDL printed by
//! `demoforge schema --target laravel-mysql`; for comparison, the committed
//! reference build (`generated/<scenario>/row-counts.csv`,
//! `trial-balance.csv`) and PostgreSQL laravel dump
//! (`generated/<scenario>/laravel/base-demo.sql`).
//! Output: pass/fail.
//! Invariants checked: the dump loads with `mariadb --batch DB < dump` into
//! the applied DDL; every target table holds what the mapping sends it; the
//! books audit `tests/sql/laravel_books_mysql.sql` (plain SQL that knows
//! nothing of demoforge) finds nothing; the trial balance equals the
//! reference build's to the cent; spec strings with quotes, backslashes,
//! control characters, `\N`, unicode and emoji come back byte for byte; the
//! same dump loaded twice gives identical databases.

mod support;

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use mysql::prelude::Queryable;
use support::mariadb::TestMyDb;
use support::{assert_success, demoforge};

const TARGET: &str = "laravel-mysql";
const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const SCENARIOS: [&str; 2] = ["demo-travel-co", "demo-supply-co"];
const BOOKS_SQL: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/sql/laravel_books_mysql.sql"
);
const TARGET_YAML: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/templates/laravel-mysql/target.yaml"
);

// ---------------------------------------------------------------------------
// Building and loading
// ---------------------------------------------------------------------------

/// The shipped scenarios built once per test binary for laravel-mysql; the
/// folder holds `<scenario>/laravel-mysql/base-demo.sql`. It lives under
/// cargo's target/tmp and is rebuilt on every run.
fn shipped_build() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("laravel_mysql_build");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create the build folder");
        let specs: Vec<String> = SCENARIOS
            .iter()
            .map(|s| format!("{ROOT}/scenarios/{s}.yaml"))
            .collect();
        let mut args = vec!["build"];
        args.extend(specs.iter().map(String::as_str));
        args.extend(["--target", TARGET, "--out", dir.to_str().expect("utf-8")]);
        assert_success(&demoforge(&args), "demoforge build --target laravel-mysql");
        dir
    })
}

/// `<out>/<scenario>/laravel-mysql/base-demo.sql`, which must exist.
fn dump_path(out: &Path, scenario: &str) -> PathBuf {
    let dump = out.join(scenario).join(TARGET).join("base-demo.sql");
    assert!(dump.is_file(), "no dump at {}", dump.display());
    dump
}

/// The target's DDL as `demoforge schema --target laravel-mysql` prints it.
fn ddl() -> &'static [u8] {
    static DDL: OnceLock<Vec<u8>> = OnceLock::new();
    DDL.get_or_init(|| {
        let out = demoforge(&["schema", "--target", TARGET]);
        assert_success(&out, "demoforge schema --target laravel-mysql");
        assert!(
            String::from_utf8_lossy(&out.stdout)
                .contains("CREATE TABLE IF NOT EXISTS journal_lines"),
            "the printed DDL has no journal_lines table"
        );
        out.stdout
    })
}

/// Runs `cmd` with `input` on stdin and returns its output.
fn run_with_stdin(mut cmd: Command, input: &[u8]) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the stock client runs");
    // Written from a thread: the client may fill its stdout pipe before it
    // has read all of stdin.
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().expect("wait for the stock client");
    writer
        .join()
        .expect("stdin writer")
        .expect("write to the stock client");
    out
}

/// A fresh database with the target's DDL applied by the stock client.
fn laravel_mysql_db() -> TestMyDb {
    let db = TestMyDb::new();
    let out = run_with_stdin(db.client_command(), ddl());
    assert_success(&out, "mariadb < (demoforge schema --target laravel-mysql)");
    db
}

/// `mariadb --batch DB < dump`, through the harness's client command.
fn stock_load(cmd: Command, dump: &Path) -> Output {
    let mut cmd = cmd;
    cmd.stdin(std::fs::File::open(dump).expect("open the dump"))
        .output()
        .expect("the stock client runs")
}

/// The harness's client command without `--default-character-set` and in
/// the C locale: the client as a user runs it, which must still read the
/// dump as utf8mb4 because the dump says `SET NAMES utf8mb4`.
fn plain_client(db: &TestMyDb) -> Command {
    let full = db.client_command();
    let mut cmd = Command::new(full.get_program());
    cmd.args(
        full.get_args()
            .filter(|a| !a.to_string_lossy().starts_with("--default-character-set")),
    );
    for (key, value) in full.get_envs() {
        match value {
            Some(v) => cmd.env(key, v),
            None => cmd.env_remove(key),
        };
    }
    cmd.env("LC_ALL", "C").env("LANG", "C");
    cmd
}

// ---------------------------------------------------------------------------
// What the dump and the reference build say
// ---------------------------------------------------------------------------

/// Per demoforge table, the rows the dump's `-- Data for T (N rows)`
/// comments announce.
fn data_for_counts(dump_text: &str) -> BTreeMap<String, i64> {
    let mut counts = BTreeMap::new();
    for line in dump_text.lines() {
        let Some(rest) = line.strip_prefix("-- Data for ") else {
            continue;
        };
        let (table, n) = rest
            .split_once(" (")
            .unwrap_or_else(|| panic!("unexpected comment {line:?}"));
        let n = n
            .trim_end_matches(')')
            .trim_end_matches(" rows")
            .trim_end_matches(" row");
        let n: i64 = n.parse().unwrap_or_else(|_| panic!("no count in {line:?}"));
        assert!(
            counts.insert(table.to_owned(), n).is_none(),
            "{table} twice"
        );
    }
    counts
}

/// The value of the dump's `-- <key>: ` header line.
fn header<'a>(dump_text: &'a str, key: &str) -> &'a str {
    let prefix = format!("-- {key}: ");
    dump_text
        .lines()
        .find_map(|l| l.strip_prefix(prefix.as_str()))
        .unwrap_or_else(|| panic!("no `-- {key}:` header line"))
}

/// `generated/<scenario>/row-counts.csv` of the reference build.
fn reference_row_counts(scenario: &str) -> BTreeMap<String, i64> {
    let path = format!("{ROOT}/generated/{scenario}/row-counts.csv");
    let text = std::fs::read_to_string(&path).expect("read row-counts.csv");
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("table,rows"), "{path}: header changed");
    lines
        .map(|l| {
            let (t, n) = l.split_once(',').expect("table,rows");
            (t.to_owned(), n.parse().expect("a row count"))
        })
        .collect()
}

/// Per demoforge table, the target table its `into:` names, read from
/// target.yaml independently of demoforge's own parser.
fn mapping() -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(TARGET_YAML).expect("read target.yaml");
    let root = marked_yaml::parse_yaml(0, &text).expect("target.yaml is YAML");
    let tables = root
        .as_mapping()
        .and_then(|m| m.get_mapping("tables"))
        .expect("tables:");
    let map: BTreeMap<String, String> = tables
        .iter()
        .map(|(source, node)| {
            let into = node
                .as_mapping()
                .and_then(|m| m.get_scalar("into"))
                .unwrap_or_else(|| panic!("{}: no into:", source.as_str()));
            (source.as_str().to_owned(), into.as_str().to_owned())
        })
        .collect();
    assert!(
        map.len() >= 30,
        "target.yaml maps 30 tables, read {}",
        map.len()
    );
    map
}

// ---------------------------------------------------------------------------
// What the database holds
// ---------------------------------------------------------------------------

/// The base tables of `db`, by name.
fn tables(db: &TestMyDb) -> Vec<String> {
    db.query_strings(&format!(
        "SELECT table_name FROM information_schema.tables \
         WHERE table_schema = '{}' AND table_type = 'BASE TABLE' ORDER BY table_name",
        db.name
    ))
    .into_iter()
    .map(|r| r[0].clone().expect("a table name"))
    .collect()
}

fn count(db: &TestMyDb, sql: &str) -> i64 {
    let rows = db.query_strings(sql);
    rows[0][0]
        .as_deref()
        .expect("a count")
        .parse()
        .unwrap_or_else(|_| panic!("{sql}: not an integer"))
}

/// Exact row counts of every table of `db`.
fn table_counts(db: &TestMyDb) -> BTreeMap<String, i64> {
    tables(db)
        .into_iter()
        .map(|t| {
            let n = count(db, &format!("SELECT COUNT(*) FROM `{t}`"));
            (t, n)
        })
        .collect()
}

/// The findings of `laravel_books_mysql.sql` for one team, tab-separated,
/// one per line: empty when every check holds.
fn books_problems(db: &TestMyDb, team: &str) -> String {
    let sql = std::fs::read(BOOKS_SQL).expect("read laravel_books_mysql.sql");
    let mut input = format!("SET @team_id = {team};\n").into_bytes();
    input.extend_from_slice(&sql);
    let mut cmd = db.client_command();
    cmd.arg("--skip-column-names");
    let out = run_with_stdin(cmd, &input);
    assert_success(&out, "mariadb < laravel_books_mysql.sql");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

// ---------------------------------------------------------------------------
// Money and the reference trial balance
// ---------------------------------------------------------------------------

/// `1234.56`, `-0.50` or `7` as cents; anything else is a failure.
fn cents(text: &str) -> i64 {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    assert!(
        !whole.is_empty()
            && whole.bytes().all(|b| b.is_ascii_digit())
            && fraction.len() <= 2
            && fraction.bytes().all(|b| b.is_ascii_digit()),
        "not an amount: {text:?}"
    );
    let value = whole.parse::<i64>().expect("whole units") * 100
        + format!("{fraction:0<2}").parse::<i64>().expect("cents");
    if negative { -value } else { value }
}

/// The records of an RFC 4180 CSV text (quoted fields, doubled quotes).
fn csv_records(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, _) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, _) => field.push(c),
        }
    }
    assert!(!quoted, "unterminated quote in CSV");
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    records
}

/// The reference build's trial balance of `company`: account code -> debit
/// minus credit in cents, zero balances left out. Checks the Total row.
fn reference_trial_balance(scenario: &str, company: &str) -> BTreeMap<String, i64> {
    let path = format!("{ROOT}/generated/{scenario}/trial-balance.csv");
    let records = csv_records(&std::fs::read_to_string(&path).expect("read trial-balance.csv"));
    assert_eq!(
        records.first().map(|r| r.join(",")).as_deref(),
        Some("company,code,account,debit,credit"),
        "{path}: the header changed; this test reads it by position"
    );
    let mut balances = BTreeMap::new();
    let mut total = None;
    for r in records[1..].iter().filter(|r| r[0] == company) {
        assert_eq!(r.len(), 5, "{path}: unexpected row {r:?}");
        let (debit, credit) = (cents(&r[3]), cents(&r[4]));
        if r[1].is_empty() {
            total = Some((debit, credit));
        } else if debit != credit {
            assert!(balances.insert(r[1].clone(), debit - credit).is_none());
        }
    }
    let (debits, credits) = total.unwrap_or_else(|| panic!("{path}: no Total row for {company}"));
    assert_eq!(debits, credits, "{path}: the total does not balance");
    assert_eq!(debits, balances.values().filter(|b| **b > 0).sum::<i64>());
    assert!(balances.len() >= 10, "{path}: few accounts for {company}");
    balances
}

/// The trial balance of `team` in MySQL: per account code, the sum of its
/// journal lines' signed amounts (cents), zero balances left out.
fn mysql_trial_balance(db: &TestMyDb, team: &str) -> BTreeMap<String, i64> {
    db.query_strings(&format!(
        "SELECT a.code, CAST(SUM(l.amount) AS SIGNED) FROM journal_lines l \
         JOIN accounts a ON a.id = l.account_id \
         WHERE l.team_id = {team} GROUP BY a.code HAVING SUM(l.amount) <> 0"
    ))
    .into_iter()
    .map(|r| {
        let code = r[0].clone().expect("a code");
        let sum = r[1].as_deref().expect("a sum").parse().expect("an integer");
        (code, sum)
    })
    .collect()
}

// ---------------------------------------------------------------------------
// 1. The shipped scenarios: load, counts, books, trial balance
// ---------------------------------------------------------------------------

#[test]
fn the_dump_loads_with_the_stock_client_and_its_books_balance() {
    // The throwaway server starts while demoforge builds.
    let server = std::thread::spawn(|| {
        support::mariadb::server_info();
    });
    let out = shipped_build();
    server.join().expect("the MariaDB server starts");
    let map = mapping();
    for scenario in SCENARIOS {
        let dump = dump_path(out, scenario);
        let text = std::fs::read_to_string(&dump).expect("read the dump");
        assert_eq!(header(&text, "target"), TARGET);

        // The announced counts: the same as the PostgreSQL laravel dump's and
        // the reference build's, and adding up to the header's total.
        let announced = data_for_counts(&text);
        let pg_text =
            std::fs::read_to_string(format!("{ROOT}/generated/{scenario}/laravel/base-demo.sql"))
                .expect("read the committed PostgreSQL laravel dump");
        assert_eq!(
            announced,
            data_for_counts(&pg_text),
            "{scenario}: vs PostgreSQL"
        );
        let reference: BTreeMap<String, i64> = reference_row_counts(scenario)
            .into_iter()
            .filter(|(t, _)| map.contains_key(t))
            .collect();
        assert_eq!(announced, reference, "{scenario}: vs row-counts.csv");
        let total: i64 = header(&text, "rows").parse().expect("-- rows: N");
        assert_eq!(announced.values().sum::<i64>(), total, "{scenario}");

        let db = laravel_mysql_db();
        let loaded = stock_load(db.client_command(), &dump);
        assert_success(&loaded, &format!("mariadb --batch < {scenario} dump"));
        assert!(
            loaded.stdout.is_empty() && loaded.stderr.is_empty(),
            "{scenario}: the load printed something: {loaded:?}"
        );

        // Every target table holds what the mapping sends it, nothing else.
        let mut expected: BTreeMap<String, i64> = tables(&db).into_iter().map(|t| (t, 0)).collect();
        for (source, n) in &announced {
            let into = map
                .get(source)
                .unwrap_or_else(|| panic!("{source} is not mapped"));
            *expected
                .get_mut(into)
                .unwrap_or_else(|| panic!("{into} is not in the DDL")) += n;
        }
        assert_eq!(table_counts(&db), expected, "{scenario}: rows per table");

        let company = header(&text, "company").split(' ').next().unwrap();
        let team_rows = db.query_strings(&format!(
            "SELECT id, name, is_demo FROM teams WHERE demo_key = '{company}'"
        ));
        assert_eq!(team_rows.len(), 1, "{scenario}: the demo team");
        let team = team_rows[0][0].clone().unwrap();
        let team_name = team_rows[0][1].clone().unwrap();
        assert_eq!(team_rows[0][2].as_deref(), Some("1"), "is_demo");

        assert_eq!(
            books_problems(&db, &team),
            "",
            "{scenario}: the books audit"
        );
        assert_eq!(
            mysql_trial_balance(&db, &team),
            reference_trial_balance(scenario, &team_name),
            "{scenario}: the trial balance in MySQL vs the reference build's"
        );

        // The audit does see a broken ledger: one journal line off by a cent.
        db.exec(&format!(
            "UPDATE journal_lines SET amount = amount + 1 \
             WHERE id = (SELECT id FROM (SELECT MIN(id) AS id FROM journal_lines \
                         WHERE team_id = {team}) AS first)"
        ));
        let problems = books_problems(&db, &team);
        assert!(
            problems.starts_with("journal_entry_unbalanced\t"),
            "{scenario}: the audit missed an unbalanced entry: {problems:?}"
        );
    }
}

// ---------------------------------------------------------------------------
// 2. Spec strings, byte for byte
// ---------------------------------------------------------------------------

/// `s` as a YAML double-quoted scalar: backslash, double quote and every
/// control or invisible format character escaped, everything else (UTF-8,
/// emoji) as is.
fn yaml_quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{200b}' | '\u{ffff}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `text` with `from` (which must occur exactly once) replaced by `to`.
fn edit(text: &str, from: &str, to: &str) -> String {
    assert_eq!(
        text.matches(from).count(),
        1,
        "the travel co spec has `{from}` once"
    );
    text.replacen(from, to, 1)
}

/// The strings the edited spec sets, each where the Laravel tables keep it.
struct SpecStrings {
    company: String,
    /// (name, email) per persona, in spec order.
    personas: Vec<(String, String)>,
    account_4000: String,
    account_5000: String,
    banks: [String; 2],
    card: String,
    tax_rate: String,
}

impl SpecStrings {
    fn new() -> SpecStrings {
        let persona = |name: &str, email: &str| (name.to_owned(), email.to_owned());
        SpecStrings {
            // A trailing backslash, a tab, a newline, the two characters \N.
            company: "O'Brien \"Quoted\" Tours\tand\nmore \\N ünïcödé 中文 🧳✈️ back\\slash\\"
                .to_owned(),
            personas: vec![
                // C0 and C1 controls, DEL, an ANSI escape, invisible format
                // characters; the email with a quote, double quotes, backslash.
                persona(
                    "Olivia\u{1}\u{7f}\u{1b}[31m\u{85}\u{2028}\u{feff}\u{200b} O'Owner",
                    "o'brien+\"x\"\\y@demo-travel-co.example",
                ),
                // What a LOAD DATA or COPY reader takes for NULL.
                persona("\\N", "arjun.accountant@demo-travel-co.example"),
                persona("NULL", "beatriz.bookkeeper@demo-travel-co.example"),
                persona(
                    "Sam \"Sales\" \\\\ two backslashes, CR\r\nLF 'single' '' \\'",
                    "sam.sales@demo-travel-co.example",
                ),
                // 255 characters of 4 bytes: the whole varchar(255).
                persona(&"🧳".repeat(255), "victor.viewer@demo-travel-co.example"),
            ],
            account_4000: "Tour & package revenue'); DROP TABLE teams; -- \\".to_owned(),
            account_5000: "Supplier costs\t(hotels, \"transport\")\n\\\\guides\\\\ e\u{301} 𝄞"
                .to_owned(),
            banks: [
                "Current \\N account\\".to_owned(),
                "Reserve 'account' 💷 \\x41 \\u0041 %s %% _".to_owned(),
            ],
            card: "Card `tick` ${HOME} $1 \\0 \\\\N \u{ffff}\u{10ffff}".to_owned(),
            tax_rate: "Tour operators' \"margin\" scheme \\ 🧾".to_owned(),
        }
    }

    /// demo-travel-co.yaml with these strings, and smaller (12 months, fewer
    /// parties, no time travel) so that a debug build takes a second.
    fn spec(&self) -> String {
        let q = |s: &str| yaml_quoted(s);
        let mut text = std::fs::read_to_string(format!("{ROOT}/scenarios/demo-travel-co.yaml"))
            .expect("read the travel co spec");
        let edits: Vec<(&str, String)> = vec![
            (
                "  - name: Demo Travel Co\n",
                format!("  - name: {}\n    key: demo-travel-co\n", q(&self.company)),
            ),
            (
                "name: Olivia Owner\n",
                format!("name: {}\n", q(&self.personas[0].0)),
            ),
            (
                "email: olivia.owner@demo-travel-co.example\n",
                format!("email: {}\n", q(&self.personas[0].1)),
            ),
            (
                "name: Arjun Accountant\n",
                format!("name: {}\n", q(&self.personas[1].0)),
            ),
            (
                "name: Beatriz Bookkeeper\n",
                format!("name: {}\n", q(&self.personas[2].0)),
            ),
            (
                "name: Sam Sales\n",
                format!("name: {}\n", q(&self.personas[3].0)),
            ),
            (
                "name: Victor Viewer\n",
                format!("name: {}\n", q(&self.personas[4].0)),
            ),
            (
                "name: Tour and package revenue\n",
                format!("name: {}\n", q(&self.account_4000)),
            ),
            (
                "name: Supplier costs (hotels, transport, guides)\n",
                format!("name: {}\n", q(&self.account_5000)),
            ),
            (
                "- name: Business current account\n",
                format!("- name: {}\n", q(&self.banks[0])),
            ),
            (
                "- name: Business reserve account\n",
                format!("- name: {}\n", q(&self.banks[1])),
            ),
            ("name: Company card\n", format!("name: {}\n", q(&self.card))),
            (
                "    customers:\n",
                format!(
                    "    tax_rates:\n      - {{code: TOUR, name: {}, kind: reduced, rate: 7.25%}}\n    customers:\n",
                    q(&self.tax_rate)
                ),
            ),
            ("  months: 18\n", "  months: 12\n".to_owned()),
            ("time_travel: [\"+6 months\"]\n", String::new()),
            ("count: 140\n", "count: 30\n".to_owned()),
            ("count: 32\n", "count: 10\n".to_owned()),
            ("employees: 14\n", "employees: 4\n".to_owned()),
        ];
        for (from, to) in &edits {
            text = edit(&text, from, to);
        }
        text
    }
}

/// The bytes of every row of `sql`'s one text column.
fn column_bytes(conn: &mut mysql::Conn, sql: &str) -> Vec<Vec<u8>> {
    conn.query_map(sql, |value: Vec<u8>| value)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// Asserts `actual` holds exactly the bytes of `expected`, in order.
fn assert_bytes(what: &str, actual: Vec<Vec<u8>>, expected: &[&str]) {
    let expected: Vec<Vec<u8>> = expected.iter().map(|s| s.as_bytes().to_vec()).collect();
    assert!(
        actual == expected,
        "{what}: read back\n  {:?}\nwrote\n  {:?}",
        actual
            .iter()
            .map(|b| String::from_utf8_lossy(b))
            .collect::<Vec<_>>(),
        expected
            .iter()
            .map(|b| String::from_utf8_lossy(b))
            .collect::<Vec<_>>(),
    );
}

/// Every row of every table of `db`, in id order, as the server sends them.
fn all_rows(db: &TestMyDb) -> BTreeMap<String, Vec<Vec<mysql::Value>>> {
    let mut conn = db.conn();
    tables(db)
        .into_iter()
        .map(|t| {
            let rows: Vec<mysql::Row> = conn
                .query(format!("SELECT * FROM `{t}` ORDER BY id"))
                .unwrap_or_else(|e| panic!("rows of {t}: {e}"));
            (t, rows.into_iter().map(mysql::Row::unwrap).collect())
        })
        .collect()
}

/// `CHECKSUM TABLE … EXTENDED` of every table of `db`.
fn checksums(db: &TestMyDb) -> BTreeMap<String, Option<String>> {
    tables(db)
        .into_iter()
        .map(|t| {
            let rows = db.query_strings(&format!("CHECKSUM TABLE `{t}` EXTENDED"));
            (t, rows[0][1].clone())
        })
        .collect()
}

#[test]
fn spec_strings_round_trip_byte_for_byte() {
    let strings = SpecStrings::new();
    let dir = tempfile::tempdir().expect("temp dir");
    let spec = dir.path().join("strings.yaml");
    std::fs::write(&spec, strings.spec()).expect("write the spec");
    let spec = spec.to_str().expect("utf-8 path");
    assert_success(&demoforge(&["validate", spec]), "demoforge validate");
    let out = dir.path().join("out");
    assert_success(
        &demoforge(&[
            "build",
            spec,
            "--target",
            TARGET,
            "--out",
            out.to_str().unwrap(),
        ]),
        "demoforge build of the strings spec",
    );
    let dump = dump_path(&out, "demo-travel-co");

    let db = laravel_mysql_db();
    assert_success(&stock_load(db.client_command(), &dump), "mariadb < dump");
    let mut conn = db.conn();
    let company = strings.company.as_str();
    assert_bytes(
        "teams.name",
        column_bytes(&mut conn, "SELECT name FROM teams"),
        &[company],
    );
    let personas = &strings.personas;
    assert_bytes(
        "users.name",
        column_bytes(&mut conn, "SELECT name FROM users ORDER BY id"),
        &personas.iter().map(|p| p.0.as_str()).collect::<Vec<_>>(),
    );
    assert_bytes(
        "users.email",
        column_bytes(&mut conn, "SELECT email FROM users ORDER BY id"),
        &personas.iter().map(|p| p.1.as_str()).collect::<Vec<_>>(),
    );
    // Nothing written as a string came back NULL (`\N`, `NULL`).
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM users WHERE name IS NULL OR email IS NULL"
        ),
        0
    );
    assert_bytes(
        "accounts.name of 4000",
        column_bytes(&mut conn, "SELECT name FROM accounts WHERE code = '4000'"),
        &[&strings.account_4000],
    );
    assert_bytes(
        "accounts.name of 5000",
        column_bytes(&mut conn, "SELECT name FROM accounts WHERE code = '5000'"),
        &[&strings.account_5000],
    );
    assert_bytes(
        "bank_accounts.name",
        column_bytes(&mut conn, "SELECT name FROM bank_accounts ORDER BY id"),
        &[&strings.banks[0], &strings.banks[1]],
    );
    assert_bytes(
        "the credit card account's name",
        column_bytes(
            &mut conn,
            "SELECT name FROM accounts WHERE purpose = 'credit_card'",
        ),
        &[&strings.card],
    );
    assert_bytes(
        "tax_rates.name of TOUR",
        column_bytes(&mut conn, "SELECT name FROM tax_rates WHERE code = 'TOUR'"),
        &[&strings.tax_rate],
    );
    let team = count(&db, "SELECT id FROM teams").to_string();
    assert_eq!(
        books_problems(&db, &team),
        "",
        "the books of the strings spec"
    );

    // The same dump, by a client left at its defaults in the C locale, into
    // a second database: the same rows, byte for byte.
    let again = laravel_mysql_db();
    assert_success(
        &stock_load(plain_client(&again), &dump),
        "plain mariadb < dump",
    );
    let (first, second) = (all_rows(&db), all_rows(&again));
    assert!(
        first["journal_lines"].len() > 1000,
        "a real ledger was loaded"
    );
    for (table, rows) in &first {
        assert!(
            second.get(table) == Some(rows),
            "{table} differs between the two loads"
        );
    }
    assert_eq!(first.len(), second.len());
    let sums = checksums(&db);
    assert!(sums.values().all(Option::is_some), "{sums:?}");
    assert_eq!(sums, checksums(&again), "CHECKSUM TABLE of the two loads");
}

#[test]
fn a_nul_in_a_spec_string_is_refused() {
    // The one character the round trip above leaves out: the validator
    // refuses NUL (docs/scenario-reference.md), before any dump is written.
    let dir = tempfile::tempdir().expect("temp dir");
    let text = std::fs::read_to_string(format!("{ROOT}/scenarios/demo-travel-co.yaml"))
        .expect("read the travel co spec");
    let spec = dir.path().join("nul.yaml");
    std::fs::write(
        &spec,
        edit(&text, "name: Sam Sales\n", "name: \"Sam\\0Sales\"\n"),
    )
    .expect("write the spec");
    let out = demoforge(&["validate", spec.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("NUL"), "{stderr}");
}

// ---------------------------------------------------------------------------
// 3. Regressions: bugs this file found, each fixed.
// ---------------------------------------------------------------------------

/// Regression: the validator takes account codes and tax rate codes that
/// differ only in case (`6000x` and `6000X`, `tour` and `TOUR`) as
/// distinct, and PostgreSQL loads them, but the laravel-mysql tables were
/// utf8mb4_unicode_ci, so `accounts_team_id_code_unique` and
/// `tax_rates_team_id_code_unique` saw duplicates and the stock client
/// stopped with ERROR 1062. The tables now compare in binary (utf8mb4_bin).
#[test]
fn codes_that_differ_only_in_case_are_refused_or_load() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut text = SpecStrings::new().spec();
    text = edit(
        &text,
        "        - code: \"5000\"\n",
        "        - {code: \"6000x\", name: Lower, type: expense}\n        \
         - {code: \"6000X\", name: Upper, type: expense}\n        - code: \"5000\"\n",
    );
    text = edit(
        &text,
        "    customers:\n",
        "      - {code: tour, name: Lower tour, kind: reduced, rate: 5%}\n    customers:\n",
    );
    let spec = dir.path().join("codes.yaml");
    std::fs::write(&spec, text).expect("write the spec");
    let spec = spec.to_str().unwrap();
    if demoforge(&["validate", spec]).status.code() == Some(1) {
        return; // Refused up front: the spec never reaches a database.
    }
    let out = dir.path().join("out");
    assert_success(
        &demoforge(&[
            "build",
            spec,
            "--target",
            TARGET,
            "--out",
            out.to_str().unwrap(),
        ]),
        "demoforge build",
    );
    let db = laravel_mysql_db();
    let dump = dump_path(&out, "demo-travel-co");
    assert_success(&stock_load(db.client_command(), &dump), "mariadb < dump");
    let mut conn = db.conn();
    assert_bytes(
        "account codes",
        column_bytes(
            &mut conn,
            "SELECT code FROM accounts WHERE code LIKE '6000_' ORDER BY BINARY code",
        ),
        &["6000X", "6000x"],
    );
    assert_bytes(
        "tax codes",
        column_bytes(
            &mut conn,
            "SELECT code FROM tax_rates WHERE LOWER(code) = 'tour' ORDER BY BINARY code",
        ),
        &["TOUR", "tour"],
    );
}

/// Regression: the dump ran in autocommit, so a stock-client load that
/// stopped at an error left what it wrote before the error (the MySQL
/// client has no `psql -1`). The dump is now one transaction (START
/// TRANSACTION … COMMIT). Here the app already has a user with a persona's
/// email: the load fails at the `users` INSERT, after the demo team's row
/// was written, and nothing of it stays.
#[test]
fn a_stock_client_load_that_fails_leaves_nothing_behind() {
    let db = laravel_mysql_db();
    db.exec(
        "INSERT INTO teams (id, name, country, currency, industry, fiscal_year_start_month, is_demo) \
           VALUES (1, 'Real Customer Ltd', 'GB', 'GBP', 'retail', 1, 0);
         INSERT INTO users (team_id, name, email) \
           VALUES (1, 'Olivia', 'olivia.owner@demo-travel-co.example')",
    );
    let before = table_counts(&db);
    let dump = dump_path(shipped_build(), "demo-travel-co");
    let out = stock_load(db.client_command(), &dump);
    assert!(
        !out.status.success(),
        "the load must fail on the email: {out:?}"
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("users_email_unique"),
        "{out:?}"
    );
    assert_eq!(table_counts(&db), before, "rows left by the failed load");
}
