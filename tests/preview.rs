//! `demoforge preview`: its numbers agree with SQL over the loaded dump (at
//! as_of and, through time travel, at +6 months), its table output is stable,
//! and its HTML renders in headless Chromium with its charts.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use support::{TestDb, assert_success, demoforge};

const SPEC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/demo-travel-co.yaml");
const DUMP: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/generated/demo-travel-co/base-demo.sql"
);

fn load(dump: &Path) -> TestDb {
    let db = TestDb::new();
    db.apply_schema();
    let out = Command::new("psql")
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", &db.url, "-f"])
        .arg(dump)
        .output()
        .expect("run psql");
    assert!(
        out.status.success(),
        "psql failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    db
}

/// `"-1234.56"` as minor units.
fn cents(text: &str) -> i64 {
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, text),
    };
    let (whole, frac) = digits.split_once('.').expect("two decimals");
    assert_eq!(frac.len(), 2, "{text}");
    sign * (whole.parse::<i64>().unwrap() * 100 + frac.parse::<i64>().unwrap())
}

fn preview_json(extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["preview", SPEC, "--format", "json"];
    args.extend_from_slice(extra);
    let out = demoforge(&args);
    assert_success(&out, "demoforge preview --format json");
    serde_json::from_slice(&out.stdout).expect("preview JSON parses")
}

/// Debit-positive balance per account code, non-zero only.
fn sql_trial_balance(db: &TestDb) -> BTreeMap<String, i64> {
    let mut client = db.client();
    client
        .query(
            "SELECT a.code, (sum(l.debit - l.credit) * 100)::bigint
               FROM ledger.journal_lines l JOIN ledger.accounts a ON a.id = l.account_id
              GROUP BY a.code HAVING sum(l.debit - l.credit) <> 0",
            &[],
        )
        .expect("trial balance query")
        .into_iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

/// current, 1-30, 31-60, 61-90, 90+ as of `as_of`; credit notes negative.
fn sql_aging(db: &TestDb, table: &str, as_of: &str) -> Vec<i64> {
    // Bills have no kind; invoices may be credit notes.
    let amount = if table == "sales.invoices" {
        "CASE kind WHEN 'credit_note' THEN -amount_due ELSE amount_due END"
    } else {
        "amount_due"
    };
    let sql = format!(
        "WITH open AS (
           SELECT (DATE '{as_of}' - due_date) AS overdue,
                  {amount} AS amount
             FROM {table} WHERE amount_due <> 0)
         SELECT (coalesce(sum(amount) FILTER (WHERE overdue <= 0), 0) * 100)::bigint,
                (coalesce(sum(amount) FILTER (WHERE overdue BETWEEN 1 AND 30), 0) * 100)::bigint,
                (coalesce(sum(amount) FILTER (WHERE overdue BETWEEN 31 AND 60), 0) * 100)::bigint,
                (coalesce(sum(amount) FILTER (WHERE overdue BETWEEN 61 AND 90), 0) * 100)::bigint,
                (coalesce(sum(amount) FILTER (WHERE overdue > 90), 0) * 100)::bigint
           FROM open"
    );
    assert!(chrono::NaiveDate::parse_from_str(as_of, "%Y-%m-%d").is_ok());
    let row = db
        .client()
        .query_one(&sql, &[])
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    (0..5).map(|i| row.get::<_, i64>(i)).collect()
}

fn compare(db: &TestDb, preview: &serde_json::Value) {
    let as_of = preview["as_of"].as_str().unwrap();
    let companies = preview["companies"].as_array().unwrap();
    assert_eq!(companies.len(), 1);
    let company = &companies[0];

    let ours: BTreeMap<String, i64> = company["trial_balance"]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            let balance =
                cents(l["debit"].as_str().unwrap()) - cents(l["credit"].as_str().unwrap());
            (l["code"].as_str().unwrap().to_owned(), balance)
        })
        .collect();
    assert!(ours.len() > 10, "a lived-in trial balance: {ours:?}");
    assert_eq!(ours, sql_trial_balance(db), "trial balance at {as_of}");
    assert_eq!(
        company["trial_balance"]["total_debit"],
        company["trial_balance"]["total_credit"]
    );

    for (key, table) in [
        ("receivables", "sales.invoices"),
        ("payables", "purchasing.bills"),
    ] {
        let aging = &company[key];
        let ours: Vec<i64> = ["current", "1-30", "31-60", "61-90", "90+"]
            .iter()
            .map(|b| cents(aging[*b].as_str().unwrap()))
            .collect();
        assert!(ours.iter().any(|&a| a != 0), "{key} has open items");
        assert_eq!(ours, sql_aging(db, table, as_of), "{key} aging at {as_of}");
        assert_eq!(
            cents(aging["total"].as_str().unwrap()),
            ours.iter().sum::<i64>()
        );
    }

    // The balance sheet balances, with the current-year profit in equity.
    let bs = &company["balance_sheet"];
    assert_eq!(bs["total_assets"], bs["total_liabilities_and_equity"]);
}

#[test]
fn preview_matches_sql_over_the_loaded_dump_now_and_six_months_on() {
    let db = load(Path::new(DUMP));
    let now = preview_json(&[]);
    assert_eq!(now["as_of"], "2026-11-15");
    compare(&db, &now);
    drop(db);

    // +6 months: compile the moved scenario through the library and load it.
    let text = std::fs::read_to_string(SPEC).unwrap();
    let scenario = demoforge::validate::compile(SPEC, &text).expect("shipped spec compiles");
    let at = scenario
        .calendar
        .as_of
        .checked_add_months(chrono::Months::new(6))
        .unwrap();
    let moved = scenario.moved_to(at);
    let compiled = demoforge::render::compile(
        &moved,
        &demoforge::render::TemplateSet::builtin(),
        Box::new(demoforge::render::MemoryStore::default()),
    )
    .expect("the moved scenario compiles");
    let bytes = compiled.files[0].to_bytes().expect("dump renders");
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("plus-6m.sql");
    std::fs::write(&dump, bytes).unwrap();
    let db = load(&dump);
    let later = preview_json(&["--at", "+6m"]);
    assert_eq!(later["as_of"], "2027-05-15");
    assert_eq!(later, preview_json(&["--at", "2027-05-15"]));
    compare(&db, &later);
}

#[test]
fn table_preview_of_the_shipped_scenario() {
    let out = demoforge(&["preview", SPEC]);
    assert_success(&out, "demoforge preview");
    insta::assert_snapshot!(String::from_utf8(out.stdout).unwrap());
}

#[test]
fn bad_at_is_a_diagnostic_with_exit_1() {
    for bad in ["soon", "+6 fortnights", "2020-01-01", "-5y"] {
        let out = demoforge(&["preview", SPEC, "--at", bad]);
        assert_eq!(out.status.code(), Some(1), "--at {bad}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("expected a date like")
                || stderr.contains("before the scenario's first day"),
            "--at {bad}: {stderr}"
        );
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn output_file_is_written_and_earlier_dates_rewind() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("preview.json");
    let out = demoforge(&[
        "preview",
        SPEC,
        "--at",
        "-3m",
        "--format",
        "json",
        "--output",
        path.to_str().unwrap(),
    ]);
    assert_success(&out, "demoforge preview --output");
    assert!(out.stdout.is_empty());
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(json["as_of"], "2026-08-15");
    let months = json["companies"][0]["profit_and_loss"].as_array().unwrap();
    assert_eq!(months.first().unwrap()["month"], "2025-06");
    assert_eq!(months.last().unwrap()["month"], "2026-08");
}

fn chromium() -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("chromium"))
            .find(|p| p.is_file())
    });
    found.unwrap_or_else(|| {
        panic!(
            "chromium is not on PATH: run scripts/test, which installs Debian's chromium package"
        )
    })
}

fn headless(chromium: &Path, profile: &Path) -> Command {
    let mut cmd = Command::new(chromium);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,2000",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    cmd
}

#[test]
fn html_preview_renders_in_headless_chromium_with_its_charts() {
    let chromium = chromium();
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("preview.html");
    let out = demoforge(&[
        "preview",
        SPEC,
        "--format",
        "html",
        "--output",
        html.to_str().unwrap(),
    ]);
    assert_success(&out, "demoforge preview --format html");
    let text = std::fs::read_to_string(&html).unwrap();
    // Self-contained: no script and no URL but the SVG namespace.
    assert!(!text.contains("<script"), "no script");
    let without_namespace = text.replace("http://www.w3.org/2000/svg", "");
    assert!(
        !without_namespace.contains("http://") && !without_namespace.contains("https://"),
        "no external resource"
    );
    let url = format!("file://{}", html.display());

    let png = dir.path().join("preview.png");
    let out = headless(&chromium, &dir.path().join("profile-shot"))
        .arg(format!("--screenshot={}", png.display()))
        .arg(&url)
        .output()
        .expect("run chromium");
    assert!(
        out.status.success() && png.is_file(),
        "chromium screenshot failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&png).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    assert!(channels >= 3, "colour screenshot");
    let pixels = &buf[..info.buffer_size()];
    let mut colours = std::collections::BTreeSet::new();
    let mut non_white = 0usize;
    for p in pixels.chunks(channels) {
        colours.insert((p[0], p[1], p[2]));
        if (p[0], p[1], p[2]) != (255, 255, 255) {
            non_white += 1;
        }
    }
    let total = pixels.len() / channels;
    assert_eq!((info.width, info.height), (1280, 2000));
    assert!(
        colours.len() > 200,
        "only {} distinct colours",
        colours.len()
    );
    assert!(
        non_white > total / 4,
        "{non_white} of {total} pixels are not white"
    );
    // The chart colours are on screen: income green, expenses red, cash blue.
    for (name, rgb) in [
        ("income", (0x2e, 0x7d, 0x32)),
        ("expenses", (0xc6, 0x28, 0x28)),
        ("cash", (0x15, 0x65, 0xc0)),
    ] {
        assert!(colours.contains(&rgb), "no {name} colour in the screenshot");
    }

    let out = headless(&chromium, &dir.path().join("profile-dom"))
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .expect("run chromium --dump-dom");
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "--dump-dom failed");
    for id in [
        "chart-pnl-0",
        "chart-cash-0",
        "chart-ar-aging-0",
        "chart-ap-aging-0",
    ] {
        assert!(
            dom.contains(&format!("<svg id=\"{id}\"")),
            "{id} missing from the DOM"
        );
    }
    assert!(dom.matches("class=\"bar-income\"").count() >= 18);
    assert!(dom.matches("class=\"bar-expenses\"").count() >= 18);
    assert!(dom.contains("class=\"cash-line\""));
    assert_eq!(dom.matches("class=\"aging-bar\"").count(), 10);
}

/// A scenario with the shipped company twice, the second renamed.
fn two_company_spec() -> String {
    let text = std::fs::read_to_string(SPEC).unwrap();
    let (head, company) = text.split_once("companies:\n").unwrap();
    let second = company
        .replace("name: Demo Travel Co", "name: Demo Travel Two")
        .replace("demo-travel-co.example", "demo-travel-two.example");
    format!("{head}companies:\n{company}{second}")
}

#[test]
fn every_company_of_a_scenario_is_reported() {
    let text = two_company_spec();
    let scenario = demoforge::validate::compile("two.yaml", &text)
        .unwrap_or_else(|e| panic!("{:?}", miette::Report::new(e)));
    let preview = demoforge::report::preview::Preview::compute(&scenario, None).unwrap();
    let names: Vec<&str> = preview.companies.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Demo Travel Co", "Demo Travel Two"]);
    let html = preview.render(demoforge::report::preview::Format::Html);
    assert!(html.contains("id=\"chart-pnl-1\"") && html.contains("id=\"chart-ap-aging-1\""));
    let table = preview.render(demoforge::report::preview::Format::Table);
    assert!(table.contains("Demo Travel Two (GBP)\n"));
    for c in &preview.companies {
        let bs = &c.balance_sheet;
        assert_eq!(
            bs.total_assets, bs.total_liabilities_and_equity,
            "{}",
            c.name
        );
    }
}
