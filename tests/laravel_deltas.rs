//! Deltas (time travel, weekly ticks, overlays) on the `laravel` target, on
//! a real PostgreSQL: each moves the laravel tenant to exactly the books the
//! same delta gives the reference tenant (every account's balance, row
//! counts), the laravel books pass the SQL audit, a live team is untouched,
//! and a delta is refused where it does not apply.

mod support;

use std::path::Path;
use std::process::Output;

use support::{TestDb, assert_success, demoforge};

const SPEC: &str = "scenarios/demo-travel-co.yaml";

/// The two tenants a delta is applied to: the reference and the laravel one.
struct Pair {
    reference: TestDb,
    laravel: TestDb,
}

fn run(args: &[&str]) -> Output {
    demoforge(args)
}

fn reset(db: &TestDb, target: &str) {
    let out = run(&[
        "reset",
        SPEC,
        "--target",
        target,
        "--operator",
        "deltas-test",
        "--database-url",
        &db.url,
    ]);
    assert_success(&out, &format!("reset --target {target}"));
}

fn load(db: &TestDb, file: &Path, target: &str) -> Output {
    run(&[
        "load",
        file.to_str().unwrap(),
        "--target",
        target,
        "--operator",
        "deltas-test",
        "--database-url",
        &db.url,
    ])
}

impl Pair {
    fn new() -> Pair {
        let reference = TestDb::new();
        reference.apply_schema();
        let laravel = TestDb::new();
        let out = run(&[
            "schema",
            "--target",
            "laravel",
            "--apply",
            "--database-url",
            &laravel.url,
        ]);
        assert_success(&out, "schema --target laravel --apply");
        reset(&reference, "reference");
        reset(&laravel, "laravel");
        Pair { reference, laravel }
    }

    /// Builds one delta per target with `args` (a `tick` or `overlay`
    /// command without `--target`/`--output`) and loads each into its tenant.
    fn apply(&self, dir: &Path, name: &str, args: &[&str]) {
        for (target, db) in [("reference", &self.reference), ("laravel", &self.laravel)] {
            let file = dir.join(format!("{name}-{target}.sql"));
            let mut full: Vec<&str> = args.to_vec();
            full.extend(["--target", target, "--output", file.to_str().unwrap()]);
            assert_success(&run(&full), &format!("{name} --target {target}"));
            assert_success(
                &load(db, &file, target),
                &format!("load {name} --target {target}"),
            );
        }
        self.assert_same_books(name);
    }

    /// Every account's balance and the journal's size agree, and the laravel
    /// books pass the SQL audit.
    fn assert_same_books(&self, after: &str) {
        let reference = query_lines(
            &self.reference,
            "SELECT a.code || ' ' || sum(l.debit - l.credit)::text FROM ledger.journal_lines l \
             JOIN ledger.accounts a ON a.company_id = l.company_id AND a.id = l.account_id \
             GROUP BY a.code ORDER BY a.code",
        );
        let laravel = query_lines(
            &self.laravel,
            "SELECT a.code || ' ' || (sum(l.amount) / 100.0)::numeric(18,2)::text \
             FROM journal_lines l JOIN accounts a ON a.id = l.account_id \
             JOIN teams t ON t.id = l.team_id AND t.is_demo GROUP BY a.code ORDER BY a.code",
        );
        assert!(reference.len() > 20, "{after}: the reference has books");
        assert_eq!(laravel, reference, "{after}: balances per account");
        let counts = |db: &TestDb, sql: &str| query_lines(db, sql);
        assert_eq!(
            counts(
                &self.laravel,
                "SELECT count(*)::text FROM journal_lines l JOIN teams t ON t.id = l.team_id AND t.is_demo"
            ),
            counts(
                &self.reference,
                "SELECT count(*)::text FROM ledger.journal_lines"
            ),
            "{after}: journal lines"
        );
        assert_eq!(
            counts(
                &self.laravel,
                "SELECT count(*)::text FROM documents d JOIN teams t ON t.id = d.team_id AND t.is_demo"
            ),
            counts(
                &self.reference,
                "SELECT ((SELECT count(*) FROM sales.invoices) + (SELECT count(*) FROM purchasing.bills))::text"
            ),
            "{after}: documents"
        );
        let team = query_lines(&self.laravel, "SELECT id::text FROM teams WHERE is_demo");
        let audit = std::process::Command::new("psql")
            .args(["-X", "-At", "-v", "ON_ERROR_STOP=1", "-v"])
            .arg(format!("team={}", team[0]))
            .arg("-f")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sql/laravel_books.sql"))
            .arg(&self.laravel.url)
            .output()
            .expect("psql runs");
        assert!(audit.status.success(), "{after}: {audit:?}");
        assert_eq!(
            String::from_utf8_lossy(&audit.stdout).trim(),
            "",
            "{after}: laravel_books.sql finds problems"
        );
    }
}

fn query_lines(db: &TestDb, sql: &str) -> Vec<String> {
    db.client()
        .query(sql, &[])
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .iter()
        .map(|r| r.get::<_, String>(0))
        .collect()
}

/// md5 of every table's rows of the live team, by table.
fn live_team(db: &TestDb) -> Vec<String> {
    query_lines(
        db,
        "SELECT 'teams ' || coalesce(md5(string_agg(t::text, '|' ORDER BY id)), 'none') FROM teams t WHERE NOT is_demo \
         UNION ALL SELECT 'contacts ' || coalesce(md5(string_agg(c::text, '|' ORDER BY id)), 'none') FROM contacts c \
           WHERE team_id IN (SELECT id FROM teams WHERE NOT is_demo) \
         UNION ALL SELECT 'documents ' || coalesce(md5(string_agg(d::text, '|' ORDER BY id)), 'none') FROM documents d \
           WHERE team_id IN (SELECT id FROM teams WHERE NOT is_demo)",
    )
}

#[test]
fn laravel_deltas_give_the_books_of_the_reference_and_leave_a_live_team_alone() {
    let dir = tempfile::tempdir().expect("temp dir");
    let pair = Pair::new();
    // A live team beside the demo one, with rows from the same sequences.
    pair.laravel
        .client()
        .batch_execute(
            "INSERT INTO teams (name, country, currency, industry, fiscal_year_start_month, is_demo) \
               VALUES ('Live Ltd', 'GB', 'GBP', 'retail', 1, false);
             INSERT INTO contacts (team_id, type, number, name, email, phone, address_line1, city, postcode, country, payment_terms_days)
               SELECT t.id, 'customer', 'L-' || g, 'Live ' || g, 'l' || g || '@live.example', '0', 'x', 'y', 'z', 'GB', 30
               FROM teams t, generate_series(1, 200) g WHERE NOT t.is_demo;",
        )
        .expect("a live team");
    let live_before = live_team(&pair.laravel);
    pair.assert_same_books("the base");

    // Two weekly ticks, then the overlays, in order.
    pair.apply(
        dir.path(),
        "tick-w47",
        &["tick", SPEC, "--week", "2026-W47"],
    );
    pair.apply(
        dir.path(),
        "tick-w48",
        &["tick", SPEC, "--week", "2026-W48"],
    );

    // Time travel, from the base, with the builds' travel deltas.
    reset(&pair.reference, "reference");
    reset(&pair.laravel, "laravel");
    for target in ["reference", "laravel"] {
        let out = run(&[
            "build",
            SPEC,
            "--target",
            target,
            "--out",
            dir.path().join("gen").to_str().unwrap(),
        ]);
        assert_success(&out, "build");
    }
    let built = dir.path().join("gen/demo-travel-co");
    assert_success(
        &load(
            &pair.reference,
            &built.join("travel/+6-months.sql"),
            "reference",
        ),
        "travel ref",
    );
    assert_success(
        &load(
            &pair.laravel,
            &built.join("laravel/travel/+6-months.sql"),
            "laravel",
        ),
        "travel laravel",
    );
    pair.assert_same_books("+6 months");

    // Overlays from the base: cash crunch renumbers documents and entries
    // (deferred unique constraints), quarter close after it.
    reset(&pair.reference, "reference");
    reset(&pair.laravel, "laravel");
    pair.apply(dir.path(), "cash-crunch", &["overlay", SPEC, "cash-crunch"]);
    pair.apply(
        dir.path(),
        "quarter-close",
        &["overlay", SPEC, "quarter-close", "--after", "cash-crunch"],
    );

    assert_eq!(
        live_team(&pair.laravel),
        live_before,
        "the live team is untouched"
    );
    // The map holds exactly the demo tenant's rows that have an id.
    let mapped = query_lines(&pair.laravel, "SELECT count(*)::text FROM demoforge.ids");
    let expected = query_lines(
        &pair.reference,
        "SELECT ((SELECT count(*) FROM core.companies) + (SELECT count(*) FROM ledger.journal_lines) \
          + (SELECT count(*) FROM ledger.journal_entries))::text",
    );
    assert!(
        mapped[0].parse::<i64>().unwrap() > expected[0].parse::<i64>().unwrap(),
        "demoforge.ids covers the tenant: {mapped:?} vs at least {expected:?}"
    );
}

#[test]
fn a_laravel_delta_is_refused_twice_and_on_a_tenant_without_its_map() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = run(&[
        "build",
        SPEC,
        "--target",
        "laravel",
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert_success(&out, "build");
    let delta = dir
        .path()
        .join("demo-travel-co/laravel/travel/+6-months.sql");
    let db = TestDb::new();
    let out = run(&[
        "schema",
        "--target",
        "laravel",
        "--apply",
        "--database-url",
        &db.url,
    ]);
    assert_success(&out, "schema");
    reset(&db, "laravel");
    // Regression: a delta's `-- as-of:` line must be the date it results in.
    let text = std::fs::read_to_string(&delta).expect("read the delta");
    assert!(text.contains("\n-- as-of: 2027-05-15\n"));
    let forged = dir.path().join("forged-as-of.sql");
    std::fs::write(
        &forged,
        text.replace("\n-- as-of: 2027-05-15\n", "\n-- as-of: 2030-01-01\n"),
    )
    .expect("write");
    let refused = load(&db, &forged, "laravel");
    assert!(!refused.status.success(), "{refused:?}");
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("results-in"),
        "{refused:?}"
    );
    assert_success(&load(&db, &delta, "laravel"), "first travel");
    let again = load(&db, &delta, "laravel");
    assert_eq!(again.status.code(), Some(4), "{again:?}");
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("already applied"),
        "{again:?}"
    );

    // A tenant loaded by psql has no recorded state and no id map.
    let fresh = TestDb::new();
    let out = run(&[
        "schema",
        "--target",
        "laravel",
        "--apply",
        "--database-url",
        &fresh.url,
    ]);
    assert_success(&out, "schema");
    let psql = std::process::Command::new("psql")
        .args(["-X", "-q", "-1", "-v", "ON_ERROR_STOP=1", "-f"])
        .arg(dir.path().join("demo-travel-co/laravel/base-demo.sql"))
        .arg(&fresh.url)
        .output()
        .expect("psql runs");
    assert!(psql.status.success(), "{psql:?}");
    let refused = load(&fresh, &delta, "laravel");
    assert_eq!(refused.status.code(), Some(4), "{refused:?}");
    let rows: i64 = fresh
        .client()
        .query_one("SELECT count(*) FROM journal_lines", &[])
        .unwrap()
        .get(0);
    let before: i64 = {
        let text = std::fs::read_to_string(dir.path().join("demo-travel-co/laravel/base-demo.sql"))
            .unwrap();
        let start = text.find("COPY pg_temp.df_ledger_journal_lines ").unwrap();
        let body = &text[start..];
        let body = &body[body.find('\n').unwrap() + 1..];
        body[..body.find("\\.\n").unwrap()].lines().count() as i64
    };
    assert_eq!(rows, before, "the refused delta wrote nothing");
}
