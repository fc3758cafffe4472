//! Deltas (time travel, weekly ticks, overlays) on the `laravel-mysql`
//! target, on a real MariaDB: the MySQL counterpart of
//! tests/laravel_deltas.rs.
//!
//! Input: the shipped `demo-travel-co` spec and overlays, built once per test
//! process with the real binary (base dump, travel deltas, two consecutive
//! tick deltas, cash-crunch then quarter-close overlay deltas), and the
//! throwaway MariaDB of tests/support/mariadb.rs.
//! Expected figures come from the simulation itself, never from the database:
//! `preview --format json` (the trial balance a `build` writes to
//! trial-balance.csv, at any date) and, for overlaid books, which `preview`
//! cannot show, `export --format hledger --overlay` summed per account code;
//! the two are checked against each other wherever both exist.
//! Invariants checked: after each delta the demo team's trial balance per
//! account code (journal_lines.amount in cents) equals the reference to the
//! cent, with as many journal entries and lines; a travel delta applied twice
//! is refused (exit 4) and changes nothing; rows a delta does not name keep
//! their ids and bytes; a live team (is_demo = 0) of a few thousand rows, half
//! inserted before the demo load and half after it, is byte-identical after
//! everything and no demo id names one of its rows; an edited delta is
//! refused before connecting.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};
use std::sync::OnceLock;

use sha2::{Digest, Sha256};
use support::mariadb::TestMyDb;
use support::{assert_success, demoforge, demoforge_cmd};

const SPEC: &str = "scenarios/demo-travel-co.yaml";
const TARGET: &str = "laravel-mysql";
const SCENARIO: &str = "demo-travel-co";
const WEEKS: [&str; 2] = ["2026-W47", "2026-W48"];

/// Books as the simulation reports them, or as the database holds them.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Books {
    /// Account code → debit minus credit in cents; zero balances left out.
    balances: BTreeMap<String, i64>,
    entries: usize,
    lines: usize,
}

/// A delta file and the books the demo tenant must have after it.
struct Step {
    name: String,
    file: PathBuf,
    expected: Books,
}

/// Everything the tests load, made once per test process.
struct Made {
    _dir: tempfile::TempDir,
    base: PathBuf,
    base_books: Books,
    travel: Vec<Step>,
    ticks: Vec<Step>,
    overlays: Vec<Step>,
}

fn made() -> &'static Made {
    static MADE: OnceLock<Made> = OnceLock::new();
    MADE.get_or_init(make)
}

/// Runs the commands concurrently (the machine has 2 cores; each is a
/// single-threaded compile of the spec) and asserts each succeeded.
fn run_all(commands: Vec<(String, Vec<String>)>) {
    let children: Vec<(String, Child)> = commands
        .into_iter()
        .map(|(what, args)| {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let child = demoforge_cmd(&args)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("the demoforge binary runs");
            (what, child)
        })
        .collect();
    for (what, child) in children {
        let out = child.wait_with_output().expect("wait for demoforge");
        assert_success(&out, &what);
    }
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| (*s).to_owned()).collect()
}

fn make() -> Made {
    let dir = tempfile::tempdir().expect("temp dir");
    let p = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();
    let gen_dir = p("gen");
    let mut commands = vec![(
        "build".to_owned(),
        strings(&["build", SPEC, "--target", TARGET, "--out", &gen_dir]),
    )];
    for week in WEEKS {
        let out = p(&format!("tick-{week}.sql"));
        commands.push((
            format!("tick {week}"),
            strings(&[
                "tick", SPEC, "--week", week, "--target", TARGET, "--output", &out,
            ]),
        ));
    }
    let (crunch, close) = (p("cash-crunch.sql"), p("quarter-close.sql"));
    commands.push((
        "overlay cash-crunch".to_owned(),
        strings(&[
            "overlay",
            SPEC,
            "cash-crunch",
            "--target",
            TARGET,
            "--output",
            &crunch,
        ]),
    ));
    commands.push((
        "overlay quarter-close --after cash-crunch".to_owned(),
        strings(&[
            "overlay",
            SPEC,
            "quarter-close",
            "--after",
            "cash-crunch",
            "--target",
            TARGET,
            "--output",
            &close,
        ]),
    ));
    run_all(commands);

    // The travel deltas the build wrote: the spec's own `time_travel` offsets.
    let built = dir.path().join("gen").join(SCENARIO).join(TARGET);
    let mut travel_files: Vec<PathBuf> = std::fs::read_dir(built.join("travel"))
        .expect("the build wrote travel deltas")
        .map(|e| e.expect("dir entry").path())
        .collect();
    travel_files.sort();
    assert!(!travel_files.is_empty(), "no travel delta in {built:?}");
    let tick_files: Vec<PathBuf> = WEEKS
        .iter()
        .map(|w| dir.path().join(format!("tick-{w}.sql")))
        .collect();

    // The reference's books: at each delta's `as-of` date, and overlaid.
    let mut reports = vec![("base".to_owned(), None, Vec::new())];
    for file in travel_files.iter().chain(&tick_files) {
        reports.push((file_name(file), Some(header(file, "as-of")), Vec::new()));
    }
    reports.push(("cash-crunch".to_owned(), None, vec!["cash-crunch"]));
    reports.push((
        "quarter-close".to_owned(),
        None,
        vec!["cash-crunch", "quarter-close"],
    ));
    let mut commands = Vec::new();
    for (name, at, overlays) in &reports {
        let journal = p(&format!("{name}.journal"));
        let mut export = strings(&["export", SPEC, "--format", "hledger", "--output", &journal]);
        let mut preview = strings(&["preview", SPEC, "--format", "json", "--output"]);
        preview.push(p(&format!("{name}.json")));
        if let Some(at) = at {
            export.extend(strings(&["--at", at]));
            preview.extend(strings(&["--at", at]));
        }
        for overlay in overlays {
            export.extend(strings(&["--overlay", overlay]));
        }
        commands.push((format!("export {name}"), export));
        if overlays.is_empty() {
            commands.push((format!("preview {name}"), preview));
        }
    }
    run_all(commands);
    let expected = |name: &str, overlaid: bool| {
        let books = journal_books(&dir.path().join(format!("{name}.journal")));
        if !overlaid {
            let trial = preview_balances(&dir.path().join(format!("{name}.json")));
            assert_eq!(
                books.balances, trial,
                "{name}: the hledger export and the preview's trial balance disagree"
            );
        }
        books
    };
    let step = |file: &Path, overlaid: bool| Step {
        name: file_name(file),
        file: file.to_owned(),
        expected: expected(&file_name(file), overlaid),
    };
    Made {
        base: built.join("base-demo.sql"),
        base_books: expected("base", false),
        travel: travel_files.iter().map(|f| step(f, false)).collect(),
        ticks: tick_files.iter().map(|f| step(f, false)).collect(),
        overlays: [&crunch, &close]
            .iter()
            .map(|f| step(Path::new(f), true))
            .collect(),
        _dir: dir,
    }
}

fn file_name(path: &Path) -> String {
    path.file_stem().unwrap().to_str().unwrap().to_owned()
}

/// The value of a delta's `-- KEY: value` header line.
fn header(path: &Path, key: &str) -> String {
    let text = std::fs::read_to_string(path).expect("read the delta");
    let prefix = format!("-- {key}: ");
    text.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("{path:?} has no `{prefix}` line"))
        .to_owned()
}

/// `12.30` or `-0.05` as cents.
fn cents(text: &str) -> i64 {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, "0"));
    assert!(fraction.len() <= 2, "more than cents: {text}");
    let value = whole.parse::<i64>().expect("whole units") * 100
        + format!("{fraction:0<2}").parse::<i64>().expect("cents");
    if negative { -value } else { value }
}

/// The trial balance of `preview --format json` of a one-company scenario.
fn preview_balances(path: &Path) -> BTreeMap<String, i64> {
    let text = std::fs::read_to_string(path).expect("read the preview");
    let json: serde_json::Value = serde_json::from_str(&text).expect("preview JSON");
    let companies = json["companies"].as_array().expect("companies");
    assert_eq!(companies.len(), 1, "one company");
    let mut balances = BTreeMap::new();
    for line in companies[0]["trial_balance"]["lines"]
        .as_array()
        .expect("lines")
    {
        let field = |k: &str| line[k].as_str().expect(k).to_owned();
        let net = cents(&field("debit")) - cents(&field("credit"));
        if net != 0 {
            balances.insert(field("code"), net);
        }
    }
    balances
}

/// Sums an `export --format hledger` journal per account code: a journal
/// entry is a transaction whose header line is `DATE (NUMBER) …`, a posting
/// an indented `Type:Company:CODE-Name  AMOUNT COMMODITY` line under it.
fn journal_books(path: &Path) -> Books {
    let text = std::fs::read_to_string(path).expect("read the journal");
    let mut books = Books {
        balances: BTreeMap::new(),
        entries: 0,
        lines: 0,
    };
    // Inside a journal entry's transaction: its header carries the entry's
    // number as the code, `DATE (JE-…)`; the month-end balance assertions
    // the export adds have none and post nothing.
    let mut in_entry = false;
    for line in text.lines() {
        if line.starts_with(|c: char| c.is_ascii_digit()) {
            in_entry = line
                .split_once(' ')
                .is_some_and(|(_, r)| r.starts_with('('));
            books.entries += usize::from(in_entry);
            continue;
        }
        let Some(posting) = line.strip_prefix("    ").filter(|_| in_entry) else {
            continue;
        };
        let posting = posting.trim_start();
        if posting.is_empty() || posting.starts_with(';') {
            continue;
        }
        let mut words = posting.split_whitespace();
        let (account, amount) = (words.next().unwrap(), words.next().expect(posting));
        let code = account
            .rsplit(':')
            .next()
            .and_then(|leaf| leaf.split('-').next())
            .expect(posting);
        assert!(code.chars().all(|c| c.is_ascii_digit()), "{posting}");
        *books.balances.entry(code.to_owned()).or_default() += cents(amount);
        books.lines += 1;
    }
    books.balances.retain(|_, v| *v != 0);
    books
}

// ---------------------------------------------------------------------------
// The database side
// ---------------------------------------------------------------------------

fn run(args: &[&str]) -> Output {
    demoforge(args)
}

fn load(db: &TestMyDb, file: &Path) -> Output {
    run(&[
        "load",
        file.to_str().unwrap(),
        "--target",
        TARGET,
        "--operator",
        "mysql-deltas-test",
        "--database-url",
        &db.url,
    ])
}

fn reset(db: &TestMyDb, dump: &Path) {
    let out = run(&[
        "reset",
        dump.to_str().unwrap(),
        "--target",
        TARGET,
        "--operator",
        "mysql-deltas-test",
        "--database-url",
        &db.url,
    ]);
    assert_success(&out, "reset to the base dump");
}

fn scalar(db: &TestMyDb, sql: &str) -> String {
    let rows = db.query_strings(sql);
    assert_eq!(rows.len(), 1, "{sql}: one row");
    rows[0][0].clone().unwrap_or_default()
}

fn demo_team(db: &TestMyDb) -> String {
    scalar(db, "SELECT id FROM teams WHERE is_demo = 1")
}

fn live_team(db: &TestMyDb) -> String {
    scalar(
        db,
        "SELECT id FROM teams WHERE name = 'Live Ltd' AND is_demo = 0",
    )
}

/// The demo team's books as the database holds them.
fn db_books(db: &TestMyDb) -> Books {
    let team = demo_team(db);
    let mut balances = BTreeMap::new();
    for row in db.query_strings(&format!(
        "SELECT a.code, CAST(SUM(l.amount) AS CHAR) FROM journal_lines l \
         JOIN accounts a ON a.id = l.account_id WHERE l.team_id = {team} GROUP BY a.code"
    )) {
        let net: i64 = row[1].as_deref().unwrap().parse().unwrap();
        if net != 0 {
            balances.insert(row[0].clone().unwrap(), net);
        }
    }
    let count = |sql: String| scalar(db, &sql).parse::<usize>().unwrap();
    Books {
        balances,
        entries: count(format!(
            "SELECT count(*) FROM journal_entries WHERE team_id = {team}"
        )),
        lines: count(format!(
            "SELECT count(*) FROM journal_lines WHERE team_id = {team}"
        )),
    }
}

/// The demo team's books equal `expected`, its lines point at its own
/// accounts and entries, and every entry balances.
fn assert_books(db: &TestMyDb, expected: &Books, after: &str) {
    let team = demo_team(db);
    let got = db_books(db);
    assert!(
        expected.balances.len() > 20,
        "{after}: the reference has books"
    );
    assert_eq!(
        got.balances, expected.balances,
        "{after}: balances per account code"
    );
    assert_eq!(got.entries, expected.entries, "{after}: journal entries");
    assert_eq!(got.lines, expected.lines, "{after}: journal lines");
    let stray = scalar(
        db,
        &format!(
            "SELECT count(*) FROM journal_lines l \
             LEFT JOIN accounts a ON a.id = l.account_id AND a.team_id = l.team_id \
             LEFT JOIN journal_entries e ON e.id = l.journal_entry_id AND e.team_id = l.team_id \
             WHERE l.team_id = {team} AND (a.id IS NULL OR e.id IS NULL)"
        ),
    );
    assert_eq!(stray, "0", "{after}: lines pointing outside the demo team");
    let unbalanced = scalar(
        db,
        &format!(
            "SELECT count(*) FROM (SELECT journal_entry_id FROM journal_lines \
             WHERE team_id = {team} GROUP BY journal_entry_id HAVING SUM(amount) <> 0) u"
        ),
    );
    assert_eq!(unbalanced, "0", "{after}: unbalanced journal entries");
}

/// Every tenant table with the condition that selects one team's rows in
/// it: `teams` by id, the Sanctum tokens by their user, the rest by team_id.
fn team_tables(db: &TestMyDb, team: &str) -> Vec<(String, String)> {
    let mut tables = vec![
        ("teams".to_owned(), format!("id = {team}")),
        (
            "personal_access_tokens".to_owned(),
            format!("tokenable_id IN (SELECT id FROM users WHERE team_id = {team})"),
        ),
    ];
    for row in db.query_strings(&format!(
        "SELECT table_name FROM information_schema.columns WHERE table_schema = '{}' \
         AND column_name = 'team_id' ORDER BY table_name",
        db.name
    )) {
        tables.push((row[0].clone().unwrap(), format!("team_id = {team}")));
    }
    tables
}

type Rows = BTreeMap<String, BTreeMap<u64, Vec<Option<String>>>>;

/// One team's rows, by table and id, every column as text.
fn team_rows(db: &TestMyDb, team: &str) -> Rows {
    team_tables(db, team)
        .into_iter()
        .map(|(table, condition)| {
            let rows = db
                .query_strings(&format!("SELECT * FROM `{table}` WHERE {condition}"))
                .into_iter()
                .map(|row| {
                    let id = row[0].as_deref().unwrap().parse::<u64>().unwrap();
                    (id, row)
                })
                .collect();
            (table, rows)
        })
        .collect()
}

/// Per table: row count and SHA-256 over the rows in id order.
fn checksums(rows: &Rows) -> BTreeMap<String, (usize, String)> {
    rows.iter()
        .map(|(table, rows)| {
            let mut hash = Sha256::new();
            for row in rows.values() {
                for value in row {
                    match value {
                        Some(v) => {
                            hash.update(b"v");
                            hash.update((v.len() as u64).to_le_bytes());
                            hash.update(v.as_bytes());
                        }
                        None => hash.update(b"n"),
                    }
                }
                hash.update(b"\n");
            }
            let hex: String = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
            (table.clone(), (rows.len(), hex))
        })
        .collect()
}

/// `CHECKSUM TABLE` of every table of the database, demoforge's own
/// included: equal before and after a statement that must write nothing.
fn database_checksum(db: &TestMyDb) -> Vec<Vec<Option<String>>> {
    let tables: Vec<String> = db
        .query_strings(&format!(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = '{}' \
             AND table_type = 'BASE TABLE' ORDER BY table_name",
            db.name
        ))
        .into_iter()
        .map(|r| format!("`{}`", r[0].clone().unwrap()))
        .collect();
    assert!(tables.len() > 25, "{tables:?}");
    db.query_strings(&format!("CHECKSUM TABLE {}", tables.join(", ")))
}

/// demoforge's uuid → id map of the tenant: (source table, uuid) → id.
fn id_map(db: &TestMyDb) -> BTreeMap<(String, String), u64> {
    db.query_strings("SELECT source, uuid, id FROM demoforge_ids")
        .into_iter()
        .map(|r| {
            let text = |i: usize| r[i].clone().unwrap();
            ((text(0), text(1)), text(2).parse().unwrap())
        })
        .collect()
}

/// Which target table each demoforge table goes into, read from the
/// target's own target.yaml (`  schema.table:` then `    into: name`).
fn into_tables() -> BTreeMap<String, String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/laravel-mysql/target.yaml");
    let text = std::fs::read_to_string(path).expect("read target.yaml");
    let mut map = BTreeMap::new();
    let mut source = None;
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("  ").and_then(|l| l.strip_suffix(':'))
            && !name.starts_with(' ')
            && name.contains('.')
        {
            source = Some(name.to_owned());
        } else if let Some(into) = line.strip_prefix("    into: ")
            && let Some(source) = source.take()
        {
            map.insert(source, into.trim().to_owned());
        }
    }
    assert!(map.len() > 20, "target.yaml maps its tables: {map:?}");
    map
}

/// The (demoforge table, uuid) of every row a delta writes or removes: the
/// first value of each row of its `delta_upsert__…`/`delta_remove__…`
/// staging INSERTs, whose first column is `id`.
fn delta_rows(path: &Path) -> BTreeSet<(String, String)> {
    let text = std::fs::read_to_string(path).expect("read the delta");
    let mut rows = BTreeSet::new();
    let mut section: Option<String> = None;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("INSERT INTO `delta_") {
            let (temp, columns) = rest.split_once('`').unwrap();
            let (_, table) = temp.split_once("__").unwrap();
            section = columns
                .starts_with(" (`id`,")
                .then(|| table.replacen("__", ".", 1));
            continue;
        }
        if let Some(table) = &section {
            let uuid = line.strip_prefix("('").and_then(|r| r.get(..36)).unwrap();
            rows.insert((table.clone(), uuid.to_owned()));
            if line.ends_with(';') {
                section = None;
            }
        }
    }
    rows
}

/// How many journal entries the delta rewrites with a number that another
/// entry of the demo team holds now: the renumbering that InnoDB's per-row
/// unique checks make hard. Reads the `(id, company_id, number, …)` rows of
/// the delta's `ledger.journal_entries` upsert section.
fn renumbered_entries(db: &TestMyDb, path: &Path) -> usize {
    let text = std::fs::read_to_string(path).expect("read the delta");
    let head = "INSERT INTO `delta_upsert__ledger__journal_entries` (`id`, `company_id`, `number`,";
    let Some(start) = text.find(head) else {
        return 0;
    };
    let demo = demo_team(db);
    let holders: BTreeMap<String, u64> = db
        .query_strings(&format!(
            "SELECT number, id FROM journal_entries WHERE team_id = {demo}"
        ))
        .into_iter()
        .map(|r| {
            (
                r[0].clone().unwrap(),
                r[1].as_deref().unwrap().parse().unwrap(),
            )
        })
        .collect();
    let ids = id_map(db);
    let mut count = 0;
    for row in text[start..].lines().skip(1) {
        let fields: Vec<&str> = row.trim_start_matches("('").splitn(4, "', '").collect();
        let key = ("ledger.journal_entries".to_owned(), fields[0].to_owned());
        if let Some(holder) = holders.get(fields[2])
            && ids.get(&key) != Some(holder)
        {
            count += 1;
        }
        if row.ends_with(';') {
            break;
        }
    }
    count
}

// ---------------------------------------------------------------------------
// The live team
// ---------------------------------------------------------------------------

/// Inserts part `part` (0 or 1) of the live team's rows: 600 contacts, 600
/// documents with a line each, 200 journal entries of 3 lines, and in part
/// 0 the team itself, its users, accounts and tax rates. ~3,500 rows in all.
fn insert_live(db: &TestMyDb, part: u32) {
    if part == 0 {
        db.exec(
            "INSERT INTO teams (name, country, currency, industry, fiscal_year_start_month, is_demo, created_at) \
             VALUES ('Live Ltd', 'GB', 'GBP', 'retail', 4, 0, '2025-01-02 03:04:05')",
        );
    }
    let team = live_team(db);
    let values =
        |n: u32, row: &dyn Fn(u32) -> String| (0..n).map(row).collect::<Vec<_>>().join(", ");
    if part == 0 {
        db.exec(&format!(
            "INSERT INTO users (team_id, name, email, password) VALUES {}",
            values(5, &|i| format!(
                "({team}, 'Live user {i}', 'user{i}@live.example', '$2y$10$live.hash.{i}')"
            ))
        ));
        db.exec(&format!(
            "INSERT INTO personal_access_tokens (tokenable_type, tokenable_id, name, token, abilities) \
             SELECT 'App\\\\Models\\\\User', id, 'live', SHA2(CONCAT('live-token-', id), 256), '[\"*\"]' \
             FROM users WHERE team_id = {team}"
        ));
        db.exec(&format!(
            "INSERT INTO accounts (team_id, code, name, type) VALUES {}",
            values(10, &|i| format!(
                "({team}, '{}', 'Live account {i}', '{}')",
                1000 + i * 100,
                ["asset", "liability", "equity", "income", "expense"][i as usize % 5]
            ))
        ));
        db.exec(&format!(
            "INSERT INTO tax_rates (team_id, code, name, type, rate) VALUES \
             ({team}, 'S', 'Standard', 'output', 20.0000), ({team}, 'Z', 'Zero', 'output', 0.0000)"
        ));
    }
    let first = |table: &str| {
        scalar(
            db,
            &format!("SELECT MIN(id) FROM {table} WHERE team_id = {team}"),
        )
    };
    let (account, tax) = (first("accounts"), first("tax_rates"));
    let base = part * 600;
    db.exec(&format!(
        "INSERT INTO contacts (team_id, type, number, name, email, phone, address_line1, city, postcode, country, payment_terms_days) VALUES {}",
        values(600, &|i| {
            let n = base + i;
            format!(
                "({team}, 'customer', 'L-{n:05}', 'Live ''customer'' {n} — ünï', 'c{n}@live.example', '0', 'x', 'y', 'z', 'GB', 30)"
            )
        })
    ));
    db.exec(&format!(
        "INSERT INTO documents (team_id, type, contact_id, number, issue_date, due_date, currency, subtotal, tax_total, total, amount_due, status) \
         SELECT team_id, 'invoice', id, CONCAT('LINV-', number), '2026-01-05', '2026-02-04', 'GBP', 10000, 2000, 12000, 12000, 1 \
         FROM contacts WHERE team_id = {team} AND number >= 'L-{base:05}' AND number < 'L-{:05}'",
        base + 600
    ));
    db.exec(&format!(
        "INSERT INTO document_lines (team_id, document_id, line_no, description, quantity, unit_price, net_amount, tax_rate_id, tax_amount, account_id) \
         SELECT team_id, id, 1, 'Live line', 1, 10000, 10000, {tax}, 2000, {account} FROM documents \
         WHERE team_id = {team} AND number >= 'LINV-L-{base:05}' AND number < 'LINV-L-{:05}'",
        base + 600
    ));
    db.exec(&format!(
        "INSERT INTO journal_entries (team_id, number, entry_date, description, reference, kind) VALUES {}",
        values(200, &|i| {
            let n = base + i;
            format!("({team}, 'LJE-{n:05}', '2026-03-01', 'Live entry {n}', 'R{n}', 'manual')")
        })
    ));
    for (line_no, amount) in [(1, 500), (2, -300), (3, -200)] {
        db.exec(&format!(
            "INSERT INTO journal_lines (team_id, journal_entry_id, line_no, account_id, amount) \
             SELECT team_id, id, {line_no}, {account}, {amount} FROM journal_entries \
             WHERE team_id = {team} AND number >= 'LJE-{base:05}' AND number < 'LJE-{:05}'",
            base + 200
        ));
    }
}

/// No id of the demo tenant's map names a row of another team, and every
/// mapped id names a row of the demo team.
fn assert_map_is_the_demo_teams(db: &TestMyDb, after: &str) {
    let demo = demo_team(db);
    for (source, into) in into_tables() {
        let (id_check, team_check) = if into == "teams" {
            ("x.id", format!("x.id <> {demo}"))
        } else {
            ("x.id", format!("x.team_id <> {demo}"))
        };
        let wrong = scalar(
            db,
            &format!(
                "SELECT count(*) FROM demoforge_ids m LEFT JOIN `{into}` x ON {id_check} = m.id \
                 WHERE m.source = '{source}' AND (x.id IS NULL OR {team_check})"
            ),
        );
        assert_eq!(
            wrong, "0",
            "{after}: ids of {source} in the map that are not rows of the demo team in {into}"
        );
    }
}

// ---------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------

#[test]
fn mysql_deltas_give_the_reference_books_and_leave_a_live_team_alone() {
    let made = made();
    let db = TestMyDb::new();
    let out = run(&[
        "schema",
        "--target",
        TARGET,
        "--apply",
        "--database-url",
        &db.url,
    ]);
    assert_success(&out, "schema --target laravel-mysql --apply");
    // Half the live team before the demo load and half after, so that live
    // ids sit both below and above the demo tenant's.
    insert_live(&db, 0);
    assert_success(&load(&db, &made.base), "load the base");
    insert_live(&db, 1);
    let live = live_team(&db);
    let live_before = checksums(&team_rows(&db, &live));
    let live_rows: usize = live_before.values().map(|(n, _)| n).sum();
    assert!(
        live_rows > 3000,
        "a live team of a few thousand rows: {live_rows}"
    );
    assert_books(&db, &made.base_books, "the base");

    // 1. Time travel from the base, with each of the spec's offsets.
    for (i, step) in made.travel.iter().enumerate() {
        if i > 0 {
            reset(&db, &made.base);
        }
        travel(&db, step);
    }

    // 2. Consecutive weekly ticks from the base.
    reset(&db, &made.base);
    assert_books(&db, &made.base_books, "the reset before the ticks");
    for step in &made.ticks {
        assert_success(&load(&db, &step.file), &format!("load tick {}", step.name));
        assert_books(&db, &step.expected, &step.name);
        assert_map_is_the_demo_teams(&db, &step.name);
    }

    // 3. Overlays from the base: cash-crunch renumbers journal entries
    // (asserted below), which MySQL's per-row unique checks make the hard
    // case; quarter-close on top of it.
    //
    // Regression (found by this test): the cash-crunch delta failed on
    // MariaDB with `Duplicate entry '<team>-JE-2026-002603' for key
    // 'journal_entries_team_id_number_unique'` (1062): its upserts ran before
    // its removals, so entry ed8dfcf0… renumbered to JE-2026-002603 met entry
    // 9bf9a41a…, removed further down and still holding that number;
    // PostgreSQL's deferred unique constraints hide this, InnoDB checks each
    // row at once. MySQL deltas now write their removals first. A failed
    // overlay is still recorded, the database must then be exactly as it
    // was, and the test fails at its end, after the live team's checks.
    reset(&db, &made.base);
    let mut overlay_failures = Vec::new();
    let mut renumbered = 0;
    for step in &made.overlays {
        renumbered += renumbered_entries(&db, &step.file);
        let whole = database_checksum(&db);
        let out = load(&db, &step.file);
        if out.status.success() {
            assert_books(&db, &step.expected, &step.name);
            assert_map_is_the_demo_teams(&db, &step.name);
            continue;
        }
        assert_eq!(
            database_checksum(&db),
            whole,
            "{}: a failed delta changed the database",
            step.name
        );
        overlay_failures.push(format!(
            "load overlay {} exited with {:?}:\n{}",
            step.name,
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }

    assert!(
        renumbered > 0,
        "no shipped overlay renumbers journal entries"
    );

    // 4. The live team, after all of the above.
    assert_eq!(
        checksums(&team_rows(&db, &live)),
        live_before,
        "the live team is byte-identical"
    );
    // The application can still insert with AUTO_INCREMENT into tables
    // where the loads and deltas chose ids of their own.
    for table in ["contacts", "documents", "journal_entries"] {
        let insert = match table {
            "contacts" => format!(
                "INSERT INTO contacts (team_id, type, number, name, email, phone, address_line1, city, postcode, country, payment_terms_days) \
                 VALUES ({live}, 'vendor', 'APP-1', 'App', 'a@live.example', '0', 'x', 'y', 'z', 'GB', 30)"
            ),
            "documents" => format!(
                "INSERT INTO documents (team_id, type, contact_id, number, issue_date, due_date, currency, subtotal, tax_total, total, amount_due, status) \
                 SELECT {live}, 'bill', MIN(id), 'APP-1', '2026-01-01', '2026-01-31', 'GBP', 1, 0, 1, 1, 1 FROM contacts WHERE team_id = {live}"
            ),
            _ => format!(
                "INSERT INTO journal_entries (team_id, number, entry_date, description, reference, kind) \
                 VALUES ({live}, 'APP-1', '2026-01-01', 'app', 'app', 'manual')"
            ),
        };
        db.exec(&insert);
    }

    // 3, continued: every overlay applied.
    assert!(
        overlay_failures.is_empty(),
        "overlays on MariaDB:\n{}",
        overlay_failures.join("\n")
    );
}

/// Applies a travel delta to the base: the books of the reference at the
/// travelled date, ids kept, refused the second time with nothing changed.
fn travel(db: &TestMyDb, step: &Step) {
    let demo = demo_team(db);
    let before = team_rows(db, &demo);
    let map_before = id_map(db);
    assert_success(&load(db, &step.file), &format!("travel {}", step.name));
    assert_books(db, &step.expected, &step.name);
    assert_map_is_the_demo_teams(db, &step.name);

    // Rows the delta does not name keep their ids and bytes; a row it names
    // keeps its id too (it is rewritten in place, not re-allocated).
    let named = delta_rows(&step.file);
    assert!(named.len() > 100, "{}: the delta names rows", step.name);
    let map_after = id_map(db);
    let into = into_tables();
    let mut touched: BTreeMap<&str, BTreeSet<u64>> = BTreeMap::new();
    for (source, uuid) in &named {
        let key = (source.clone(), uuid.clone());
        for id in [map_before.get(&key), map_after.get(&key)]
            .into_iter()
            .flatten()
        {
            touched
                .entry(into[source].as_str())
                .or_default()
                .insert(*id);
        }
    }
    for (key, id) in &map_before {
        if let Some(after) = map_after.get(key) {
            assert_eq!(after, id, "{}: {key:?} changed its id", step.name);
        } else {
            assert!(named.contains(key), "{}: {key:?} vanished", step.name);
        }
    }
    let after = team_rows(db, &demo);
    let mut kept = 0usize;
    for (table, rows) in &before {
        let touched = touched.get(table.as_str());
        for (id, row) in rows {
            if touched.is_some_and(|t| t.contains(id)) {
                continue;
            }
            assert_eq!(
                after[table].get(id),
                Some(row),
                "{}: {table} row {id}, not in the delta, changed",
                step.name
            );
            kept += 1;
        }
    }
    assert!(kept > 10_000, "{}: {kept} rows kept", step.name);

    // Twice: refused with exit 4, and nothing changes.
    let whole = database_checksum(db);
    let again = load(db, &step.file);
    assert_eq!(again.status.code(), Some(4), "{again:?}");
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("already applied"),
        "{again:?}"
    );
    assert_eq!(
        database_checksum(db),
        whole,
        "{}: the refused delta changed the database",
        step.name
    );
    assert_books(db, &step.expected, &format!("{} refused", step.name));
}

#[test]
fn an_edited_mysql_delta_is_refused_before_connecting() {
    let made = made();
    let step = &made.ticks[0];
    let text = std::fs::read_to_string(&step.file).expect("read the tick");
    let company = header(&step.file, "company");
    let company = company.split(' ').next().unwrap();
    let dir = tempfile::tempdir().expect("temp dir");
    // Another demo company: the shipped demo-supply-co's.
    let other = header(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("generated/demo-supply-co/laravel-mysql/travel/+3-months.sql"),
        "company",
    );
    let other = other.split(' ').next().unwrap();
    assert_ne!(other, company);

    // A row (the first staged row naming the company) moved to the other.
    let row = text
        .lines()
        .find(|l| l.starts_with("('") && l.contains(&format!("'{company}'")))
        .expect("a staged row");
    let moved = row.replacen(&format!("'{company}'"), &format!("'{other}'"), 1);
    let other_company = text.replacen(row, &moved, 1);
    // One extra statement, at the end and after the SET lines.
    let extra_end = format!("{text}DELETE FROM journal_lines;\n");
    let extra_middle = text.replacen(
        "SET time_zone = '+00:00';\n",
        "SET time_zone = '+00:00';\nUPDATE teams SET is_demo = 0;\n",
        1,
    );
    assert_ne!(extra_middle, text, "the tick has its SET lines");

    // An empty database: had the load connected, it would have created
    // demoforge's bookkeeping tables in it before any check of the tenant.
    let db = TestMyDb::new();
    let not_named = "belongs to a company the dump's header does not name";
    for (name, edited, reason) in [
        ("other-company", other_company, not_named),
        (
            "extra-at-end",
            extra_end,
            "unexpected statement: DELETE FROM",
        ),
        (
            "extra-after-set",
            extra_middle,
            "unexpected statement: UPDATE teams",
        ),
    ] {
        let file = dir.path().join(format!("{name}.sql"));
        std::fs::write(&file, edited).expect("write the edited delta");
        let out = load(&db, &file);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(4), "{name}: {out:?}");
        assert!(stderr.contains(reason), "{name}: {stderr}");
        assert!(!stderr.contains("connected to"), "{name}: {stderr}");
        let tables = db.query_strings(&format!(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = '{}'",
            db.name
        ));
        assert!(tables.is_empty(), "{name}: the load wrote {tables:?}");
    }
}
