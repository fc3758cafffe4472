//! `demoforge export`, checked by two independent accounting tools.
//!
//! For every `scenarios/*.yaml`, the hledger and beancount exports must pass
//! `hledger check -s` and `bean-check`, and both tools' per-account balances
//! must equal demoforge's own trial balance to the cent. The month-end balance
//! assertions come from the simulation's subledgers, so the tools cross-check
//! the journal against them. hledger and bean-check/bean-query must be
//! installed (`scripts/test` does it); a missing tool fails the test.

mod cli;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{Datelike, Days, Months, NaiveDate};
use cli::{CRATE_ROOT, Demoforge};
use demoforge::model::Money;
use demoforge::report::export::Ledger;

/// Month-end assertions a scenario is known to break, as (scenario slug,
/// beancount balance directive date, account). Empty: the one bug found this
/// way (a weekend-dated bill slipping into a checked month) is fixed, and the
/// simulation now refuses any event dated in a closed month. Should a new
/// failure ever be accepted, it must be listed here and explained.
const KNOWN_SNAPSHOT_BUGS: &[(&str, &str, &str)] = &[];

const SHIPPED: &str = "scenarios/demo-travel-co.yaml";

#[test]
fn every_scenario_exports_journals_that_both_tools_accept_and_balance() {
    let specs = scenario_specs();
    assert!(!specs.is_empty(), "no scenarios/*.yaml found");
    for spec in &specs {
        let ledger = ledger(spec, None);
        let dir = tempfile::tempdir().unwrap();
        let journal = export(spec, "hledger", None, dir.path());
        let beancount = export(spec, "beancount", None, dir.path());
        let known: BTreeSet<(String, String)> = KNOWN_SNAPSHOT_BUGS
            .iter()
            .filter(|(slug, _, _)| *slug == ledger.slug)
            .map(|(_, date, account)| (date.to_string(), account.to_string()))
            .collect();

        // Syntax, balanced entries, declared accounts and commodities.
        hledger(&["-f", path_str(&journal), "check", "-s", "-I"]).expect_ok();
        let checked = hledger(&["-f", path_str(&journal), "check", "-s"]);
        if known.is_empty() {
            checked.expect_ok();
        } else {
            assert!(
                !checked.ok && checked.output.contains("balance assertion"),
                "{}: hledger no longer fails the known assertions; \
                 remove them from KNOWN_SNAPSHOT_BUGS:\n{}",
                ledger.slug,
                checked.output
            );
        }
        let bean = bean_check(&beancount);
        assert_eq!(
            failed_balances(&bean),
            known,
            "{}: bean-check's failed balances differ from the known ones:\n{}",
            ledger.slug,
            bean.output
        );
        assert!(
            bean.ok == known.is_empty(),
            "{}: bean-check:\n{}",
            ledger.slug,
            bean.output
        );

        let expected = expected_balances(&ledger);
        assert_same_balances("hledger", &hledger_balances(&journal), &expected);
        assert_same_balances("bean-query", &bean_query_balances(&beancount), &expected);
    }
}

#[test]
fn an_earlier_date_exports_fewer_transactions_whose_assertions_hold() {
    let full = ledger(Path::new(SHIPPED), None);
    let at = early_date(&full);
    let early = ledger(Path::new(SHIPPED), Some(at));
    let dir = tempfile::tempdir().unwrap();
    let journal = export(Path::new(SHIPPED), "hledger", Some(at), dir.path());
    let beancount = export(Path::new(SHIPPED), "beancount", Some(at), dir.path());
    let full_journal = export(Path::new(SHIPPED), "hledger", None, dir.path());

    let headers = transaction_headers(&journal);
    let full_headers = transaction_headers(&full_journal);
    assert!(!headers.is_empty());
    assert!(
        headers.len() < full_headers.len(),
        "--at {at}: {} transactions, full export {}",
        headers.len(),
        full_headers.len()
    );
    assert_eq!(headers.len(), early.transaction_count());
    for header in &headers {
        let date = NaiveDate::parse_from_str(&header[..10], "%Y-%m-%d").unwrap();
        assert!(date <= at, "{header} is after --at {at}");
        assert!(
            full_headers.contains(header),
            "{header} is not in the full export: months must not depend on later months"
        );
    }
    let assertions = fs::read_to_string(&journal).unwrap().matches(" = ").count();
    assert!(assertions > 0, "the early export asserts nothing");
    assert!(
        fs::read_to_string(&journal)
            .unwrap()
            .contains(&format!("{at} Month-end balances")),
        "the partial last month is asserted at {at}"
    );

    hledger(&["-f", path_str(&journal), "check", "-s"]).expect_ok();
    bean_check(&beancount).expect_ok();
    let expected = expected_balances(&early);
    assert_same_balances("hledger", &hledger_balances(&journal), &expected);
    assert_same_balances("bean-query", &bean_query_balances(&beancount), &expected);
}

#[test]
fn moving_money_between_two_postings_breaks_an_assertion_in_both_tools() {
    let full = ledger(Path::new(SHIPPED), None);
    let at = early_date(&full);
    let dir = tempfile::tempdir().unwrap();
    let journal = export(Path::new(SHIPPED), "hledger", Some(at), dir.path());
    let beancount = export(Path::new(SHIPPED), "beancount", Some(at), dir.path());
    hledger(&["-f", path_str(&journal), "check", "-s"]).expect_ok();
    bean_check(&beancount).expect_ok();

    // Add 1.00 to the bank posting of the first receipt and take it from the
    // other posting: the entry still balances, only the assertions can tell.
    tamper(&journal, "source:receipt");
    tamper(&beancount, "  source: \"receipt\"");
    let checked = hledger(&["-f", path_str(&journal), "check", "-s"]);
    assert!(
        !checked.ok && checked.output.contains("balance assertion"),
        "hledger accepted a tampered journal:\n{}",
        checked.output
    );
    hledger(&["-f", path_str(&journal), "check", "-s", "-I"]).expect_ok();
    let bean = bean_check(&beancount);
    assert!(
        !bean.ok && bean.output.contains("Balance failed"),
        "bean-check accepted a tampered journal:\n{}",
        bean.output
    );
}

#[test]
fn export_to_stdout_equals_the_output_file_and_is_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    for format in ["hledger", "beancount"] {
        let file = export(Path::new(SHIPPED), format, None, dir.path());
        let run = Demoforge::new(["export", SHIPPED, "--format", format])
            .env("TZ", "Pacific/Kiritimati")
            .env("LC_ALL", "tr_TR.UTF-8")
            .run();
        run.success();
        assert!(
            run.stdout == fs::read_to_string(&file).unwrap(),
            "{format}: stdout differs from --output"
        );
    }
}

#[test]
fn export_before_the_window_is_refused() {
    let run = Demoforge::new([
        "export",
        SHIPPED,
        "--format",
        "hledger",
        "--at",
        "1999-12-31",
    ])
    .run();
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("before the scenario's first day"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty());
}

// ---- helpers ----

fn scenario_specs() -> Vec<PathBuf> {
    let mut specs: Vec<PathBuf> = fs::read_dir(Path::new(CRATE_ROOT).join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    specs.sort();
    specs
}

/// The ledger through the library: demoforge's own trial balance.
fn ledger(spec: &Path, at: Option<NaiveDate>) -> Ledger {
    let path = Path::new(CRATE_ROOT).join(spec);
    let text = fs::read_to_string(&path).unwrap();
    let scenario = demoforge::validate::compile(&spec.display().to_string(), &text)
        .unwrap_or_else(|e| panic!("{}: {e:?}", spec.display()));
    Ledger::collect(&scenario, at).unwrap()
}

/// Mid-month, two months into the window: a partial last month.
fn early_date(ledger: &Ledger) -> NaiveDate {
    let at = ledger.start + Months::new(2) + Days::new(14);
    assert!(at < ledger.as_of);
    assert_ne!(at.day(), 1);
    at
}

fn export(spec: &Path, format: &str, at: Option<NaiveDate>, dir: &Path) -> PathBuf {
    let stem = spec.file_stem().unwrap().to_string_lossy();
    let suffix = at.map(|d| format!("-{d}")).unwrap_or_default();
    let ext = if format == "hledger" {
        "journal"
    } else {
        "beancount"
    };
    let file = dir.join(format!("{stem}{suffix}.{ext}"));
    let spec = spec.to_string_lossy().into_owned();
    let file_arg = file.to_string_lossy().into_owned();
    let at = at.map(|d| d.to_string());
    let mut args = vec!["export", &spec, "--format", format, "--output", &file_arg];
    if let Some(at) = &at {
        args.extend(["--at", at.as_str()]);
    }
    let run = run_demoforge(&args);
    assert!(run.0, "demoforge {args:?} failed:\n{}", run.1);
    file
}

fn run_demoforge(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_demoforge"))
        .args(args)
        .current_dir(CRATE_ROOT)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn path_str(path: &Path) -> &str {
    path.to_str().unwrap()
}

struct Outcome {
    ok: bool,
    /// stdout then stderr.
    output: String,
}

impl Outcome {
    fn expect_ok(&self) {
        assert!(self.ok, "{}", self.output);
    }
}

/// A tool from PATH, or from `.tools/venv/bin` where `scripts/test` puts
/// beancount; a missing tool is a failure, never a skip.
fn tool(name: &str) -> PathBuf {
    let venv = Path::new(CRATE_ROOT).join(".tools/venv/bin");
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([venv])
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "`{name}` is not on PATH: run scripts/test, which installs hledger and beancount"
            )
        })
}

fn run_tool(name: &str, args: &[&str]) -> Outcome {
    let out = Command::new(tool(name))
        .args(args)
        .env("LANG", "C.UTF-8")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {name}: {e}; run scripts/test"));
    Outcome {
        ok: out.status.success(),
        output: format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

fn hledger(args: &[&str]) -> Outcome {
    run_tool("hledger", args)
}

fn bean_check(file: &Path) -> Outcome {
    run_tool("bean-check", &[path_str(file)])
}

/// (directive date, account) of every `Balance failed` error of bean-check,
/// which prints the failing directive after the message.
fn failed_balances(outcome: &Outcome) -> BTreeSet<(String, String)> {
    let mut failed = BTreeSet::new();
    let mut lines = outcome.output.lines();
    while let Some(line) = lines.next() {
        if line.contains("Balance failed for '") {
            let directive = lines
                .by_ref()
                .map(str::trim)
                .find(|l| !l.is_empty())
                .unwrap_or_default();
            let fields: Vec<&str> = directive.split_whitespace().collect();
            assert!(
                fields.len() >= 3 && fields[1] == "balance",
                "unexpected bean-check output: {line}\n{directive}"
            );
            failed.insert((fields[0].to_owned(), fields[2].to_owned()));
        } else if line.contains(".beancount:") {
            panic!("bean-check reported an error that is not a balance: {line}");
        }
    }
    failed
}

/// Debit-positive balance per account, as demoforge's simulation has it.
fn expected_balances(ledger: &Ledger) -> BTreeMap<String, (Money, String)> {
    let expected: BTreeMap<String, (Money, String)> = ledger
        .trial_balance()
        .into_iter()
        .map(|(account, balance, currency)| (account, (balance, currency)))
        .collect();
    let total: i64 = expected.values().map(|(m, _)| m.0).sum();
    assert_eq!(total, 0, "demoforge's own trial balance does not balance");
    expected
}

fn hledger_balances(journal: &Path) -> BTreeMap<String, (Money, String)> {
    let out = hledger(&[
        "-f",
        path_str(journal),
        "bal",
        "-I",
        "--flat",
        "-N",
        "-O",
        "csv",
    ]);
    out.expect_ok();
    let mut lines = out.output.lines();
    assert_eq!(
        lines.next(),
        Some("\"account\",\"balance\""),
        "{}",
        out.output
    );
    lines
        .map(|line| {
            let fields: Vec<&str> = line.split("\",\"").collect();
            assert_eq!(fields.len(), 2, "unexpected hledger line {line}");
            let account = fields[0].trim_start_matches('"').to_owned();
            (account, amount(fields[1].trim_end_matches('"')))
        })
        .collect()
}

fn bean_query_balances(beancount: &Path) -> BTreeMap<String, (Money, String)> {
    let out = run_tool(
        "bean-query",
        &[
            "-q",
            "-f",
            "csv",
            path_str(beancount),
            "SELECT account, sum(position) AS total GROUP BY account ORDER BY account",
        ],
    );
    out.expect_ok();
    let mut lines = out.output.lines();
    assert_eq!(lines.next(), Some("account,total"), "{}", out.output);
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let (account, total) = line
                .split_once(',')
                .unwrap_or_else(|| panic!("unexpected bean-query line {line}"));
            (account.to_owned(), amount(total))
        })
        .collect()
}

/// `-1234.56 GBP` (or `0`, or empty) as minor units and currency; more than
/// one commodity in an account is a failure.
fn amount(text: &str) -> (Money, String) {
    let text = text.trim();
    let fields: Vec<&str> = text.split_whitespace().collect();
    match fields.as_slice() {
        [] => (Money::ZERO, String::new()),
        ["0"] => (Money::ZERO, String::new()),
        [number, currency] => (money(number), (*currency).to_owned()),
        _ => panic!("unexpected amount {text:?}"),
    }
}

fn money(number: &str) -> Money {
    let (negative, digits) = match number.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, number),
    };
    let (units, cents) = digits.split_once('.').unwrap_or((digits, "00"));
    assert!(
        cents.len() == 2 && !units.contains(','),
        "unexpected number {number:?}"
    );
    let minor = units.parse::<i64>().unwrap() * 100 + cents.parse::<i64>().unwrap();
    Money(if negative { -minor } else { minor })
}

/// Every account of the chart must match, a missing one counting as zero,
/// and the tool must know no account demoforge does not.
fn assert_same_balances(
    tool: &str,
    actual: &BTreeMap<String, (Money, String)>,
    expected: &BTreeMap<String, (Money, String)>,
) {
    for account in actual.keys() {
        assert!(
            expected.contains_key(account),
            "{tool} reports {account}, which demoforge does not have"
        );
    }
    for (account, (balance, currency)) in expected {
        let (got, got_currency) = actual
            .get(account)
            .cloned()
            .unwrap_or((Money::ZERO, String::new()));
        assert_eq!(
            got, *balance,
            "{tool}: {account} is {got}, demoforge says {balance}"
        );
        if !got.is_zero() {
            assert_eq!(&got_currency, currency, "{tool}: currency of {account}");
        }
    }
}

/// hledger transaction headers with a journal number, e.g.
/// `2025-06-02 (JE-2025-000002) Invoice ...`.
fn transaction_headers(journal: &Path) -> Vec<String> {
    fs::read_to_string(journal)
        .unwrap()
        .lines()
        .filter(|l| l.len() > 12 && l.as_bytes()[0].is_ascii_digit() && l[10..].starts_with(" (JE"))
        .map(str::to_owned)
        .collect()
}

/// Moves 1.00 from the second posting to the first in the first transaction
/// whose header or metadata line contains `marker` (postings follow it).
fn tamper(file: &Path, marker: &str) {
    let text = fs::read_to_string(file).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let at = lines
        .iter()
        .position(|l| l.contains(marker))
        .unwrap_or_else(|| panic!("no {marker:?} in {}", file.display()));
    for (offset, delta) in [(1, 100), (2, -100)] {
        let line = &lines[at + offset];
        let indent = &line[..line.len() - line.trim_start().len()];
        let fields: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(fields.len(), 3, "not a posting: {line}");
        let changed = Money(money(fields[1]).0 + delta);
        lines[at + offset] = format!("{indent}{}  {changed} {}", fields[0], fields[2]);
    }
    fs::write(file, lines.join("\n") + "\n").unwrap();
}

#[test]
fn a_time_travel_date_exports_a_journal_that_hledger_accepts() {
    // The shipped spec's `time_travel: ["+6 months"]` from as_of 2026-11-15.
    let at = NaiveDate::from_ymd_opt(2027, 5, 15).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let journal = export(Path::new(SHIPPED), "hledger", Some(at), dir.path());
    hledger(&["-f", path_str(&journal), "check", "-s"]).expect_ok();
    let full = export(Path::new(SHIPPED), "hledger", None, dir.path());
    assert!(fs::metadata(&journal).unwrap().len() > fs::metadata(&full).unwrap().len());
}
