//! The books of the `laravel` target, audited by tools that know nothing of
//! demoforge's code.
//!
//! A demo team is reset into the Laravel schema; its journal is read back with
//! plain SQL over the Laravel tables only (`teams`, `accounts`,
//! `journal_entries`, `journal_lines`) and written as an hledger journal.
//! `hledger check -s` must accept it (every entry balances, every account and
//! commodity declared) and hledger's per-account balances must equal the
//! reference build's `generated/demo-travel-co/trial-balance.csv` to the cent.
//! The line count must equal the reference dump's `ledger.journal_lines` rows.
//! hledger must be on PATH (`scripts/test` installs it); a missing tool fails
//! the test.

mod support;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use support::{TestDb, assert_success, demoforge};

const SPEC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/demo-travel-co.yaml");
const TRIAL_BALANCE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/generated/demo-travel-co/trial-balance.csv"
);
const REFERENCE_DUMP: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/generated/demo-travel-co/base-demo.sql"
);
/// How many differing accounts a failure message lists.
const SHOWN: usize = 10;

// ---------------------------------------------------------------------------
// Money as exact minor units
// ---------------------------------------------------------------------------

/// Cents as `-1234.56`, by integer arithmetic only.
fn units(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// `1234.56`, `-0.50` or `7` as cents; anything else (more than two
/// decimals, a thousands separator, an exponent) is a failure.
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
    let fraction = format!("{fraction:0<2}");
    let value = whole
        .parse::<i64>()
        .ok()
        .and_then(|w| w.checked_mul(100))
        .and_then(|w| w.checked_add(fraction.parse::<i64>().unwrap()))
        .unwrap_or_else(|| panic!("amount out of range: {text:?}"));
    if negative { -value } else { value }
}

// ---------------------------------------------------------------------------
// The reference build's files
// ---------------------------------------------------------------------------

/// The records of an RFC 4180 CSV text (quoted fields, doubled quotes).
fn csv_records(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' => quoted = true,
            ',' => record.push(std::mem::take(&mut field)),
            '\r' => {}
            '\n' => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            _ => field.push(c),
        }
    }
    assert!(!quoted, "unterminated quote in CSV");
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    records
}

/// The trial balance of `company`: account code -> debit minus credit, in
/// cents. Checks the header and that the company's total line balances.
fn trial_balance(company: &str) -> BTreeMap<String, i64> {
    let text = std::fs::read_to_string(TRIAL_BALANCE).expect("read trial-balance.csv");
    let records = csv_records(&text);
    assert_eq!(
        records.first().map(|r| r.join(",")).as_deref(),
        Some("company,code,account,debit,credit"),
        "the header of {TRIAL_BALANCE} changed: this test reads it by position"
    );
    let mut balances = BTreeMap::new();
    let mut total = None;
    for record in &records[1..] {
        assert_eq!(
            record.len(),
            5,
            "{TRIAL_BALANCE}: unexpected row {record:?}"
        );
        if record[0] != company {
            continue;
        }
        let (debit, credit) = (cents(&record[3]), cents(&record[4]));
        if record[1].is_empty() {
            assert_eq!(record[2], "Total", "{TRIAL_BALANCE}: a row without a code");
            total = Some((debit, credit));
            continue;
        }
        let previous = balances.insert(record[1].clone(), debit - credit);
        assert!(
            previous.is_none(),
            "{TRIAL_BALANCE}: code {} twice",
            record[1]
        );
    }
    let (debits, credits) = total.unwrap_or_else(|| panic!("no Total row for {company}"));
    assert_eq!(
        debits, credits,
        "{TRIAL_BALANCE}: the total does not balance"
    );
    assert_eq!(
        debits,
        balances.values().filter(|b| **b > 0).sum::<i64>(),
        "{TRIAL_BALANCE}: the debit total is not the sum of its rows"
    );
    assert!(
        balances.len() >= 10,
        "{TRIAL_BALANCE}: only {} accounts for {company}",
        balances.len()
    );
    balances
}

/// The rows of the `COPY ledger.journal_lines` block of the reference dump.
fn reference_journal_lines() -> usize {
    let text = std::fs::read_to_string(REFERENCE_DUMP).expect("read base-demo.sql");
    let mut lines = text.lines();
    lines
        .find(|l| l.starts_with("COPY ledger.journal_lines "))
        .expect("a COPY ledger.journal_lines block in the reference dump");
    for (rows, line) in lines.enumerate() {
        if line == "\\." {
            return rows;
        }
    }
    panic!("the COPY ledger.journal_lines block of {REFERENCE_DUMP} is not terminated");
}

/// `calendar.as_of` of the scenario, as `YYYY-MM-DD`.
fn as_of() -> String {
    let text = std::fs::read_to_string(SPEC).expect("read the scenario");
    let root = marked_yaml::parse_yaml(0, &text).expect("the scenario is YAML");
    root.as_mapping()
        .and_then(|m| m.get_mapping("calendar"))
        .and_then(|c| c.get_scalar("as_of"))
        .expect("calendar.as_of in the scenario")
        .as_str()
        .to_owned()
}

// ---------------------------------------------------------------------------
// The hledger journal
// ---------------------------------------------------------------------------

/// An hledger account name for an account code: `a` and the code, any byte
/// other than an ASCII letter or digit written `_XX` (so two codes never
/// share a name, and no `:`, space or `;` reaches hledger).
fn account_name(code: &str) -> String {
    let mut name = String::from("a");
    for b in code.bytes() {
        if b.is_ascii_alphanumeric() {
            name.push(char::from(b));
        } else {
            let _ = write!(name, "_{b:02X}");
        }
    }
    name
}

/// One line of text with no `;` (hledger's comment start): control
/// characters and runs of whitespace become one space.
fn one_line(text: &str) -> String {
    text.split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .replace(';', ",")
}

/// An hledger journal of `team`'s books, read from the Laravel tables.
struct Journal {
    text: String,
    /// Postings written, one per journal line.
    postings: usize,
    /// hledger account name -> account code, for every declared account.
    codes: BTreeMap<String, String>,
}

/// Every journal entry of `team` with its lines, in date and number order.
fn journal_of(client: &mut postgres::Client, team: i64, currency: &str) -> Journal {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "; The books of team {team}, read from the laravel tables."
    );
    let _ = writeln!(out, "commodity 1000.00 {currency}\n");
    let accounts = client
        .query(
            "SELECT code FROM accounts WHERE team_id = $1 ORDER BY code",
            &[&team],
        )
        .expect("the team's accounts");
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    for row in &accounts {
        let code: String = row.get(0);
        let name = account_name(&code);
        let _ = writeln!(out, "account {name}");
        names.insert(name, code);
    }
    assert_eq!(names.len(), accounts.len(), "two account codes, one name");

    let rows = client
        .query(
            "SELECT e.id, e.entry_date::text, e.number, e.description,
                    l.id, l.team_id, l.amount, a.code, a.team_id
             FROM journal_entries e
             LEFT JOIN journal_lines l ON l.journal_entry_id = e.id
             LEFT JOIN accounts a ON a.id = l.account_id
             WHERE e.team_id = $1
             ORDER BY e.entry_date, e.number, l.id",
            &[&team],
        )
        .expect("the team's journal");
    let mut current = None;
    let mut postings = 0;
    for row in &rows {
        let entry: i64 = row.get(0);
        let number: String = row.get(2);
        if current != Some(entry) {
            current = Some(entry);
            let date: String = row.get(1);
            let description: String = row.get(3);
            let code = one_line(&number).replace(['(', ')'], "");
            let _ = writeln!(out, "\n{date} ({code}) {}", one_line(&description));
        }
        let Some(line) = row.get::<_, Option<i64>>(4) else {
            continue; // An entry without lines: hledger sees it empty.
        };
        let line_team: i64 = row.get(5);
        let account_team: i64 = row.get(8);
        assert!(
            line_team == team && account_team == team,
            "journal line {line} of entry {number} belongs to team {line_team}, \
             its account to team {account_team}, the entry to team {team}"
        );
        let amount: i64 = row.get(6);
        let code: String = row.get(7);
        let _ = writeln!(
            out,
            "    {}  {} {currency}",
            account_name(&code),
            units(amount)
        );
        postings += 1;
    }
    Journal {
        text: out,
        postings,
        codes: names,
    }
}

/// hledger from PATH, with the output (stdout then stderr) and success.
fn hledger(args: &[&str]) -> (bool, String) {
    let out = Command::new("hledger")
        .args(args)
        .env("LANG", "C.UTF-8")
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run hledger ({e}): run scripts/test, which installs it")
        });
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// hledger's balance per account name, in cents of `currency`, zero
/// balances included.
fn hledger_balances(journal: &Path, currency: &str) -> BTreeMap<String, i64> {
    let file = journal.to_str().expect("utf-8 path");
    let (ok, output) = hledger(&["-f", file, "bal", "--flat", "-E", "-N", "-O", "csv"]);
    assert!(ok, "hledger bal failed:\n{output}");
    let records = csv_records(&output);
    assert_eq!(
        records.first().map(|r| r.join(",")).as_deref(),
        Some("account,balance"),
        "unexpected hledger bal output:\n{output}"
    );
    records[1..]
        .iter()
        .map(|record| {
            assert_eq!(record.len(), 2, "unexpected hledger bal row {record:?}");
            let balance = match record[1].split(' ').collect::<Vec<_>>().as_slice() {
                ["0"] => 0,
                [number, c] if *c == currency => cents(number),
                _ => panic!(
                    "unexpected hledger balance {:?} of {}",
                    record[1], record[0]
                ),
            };
            (record[0].clone(), balance)
        })
        .collect()
}

/// The accounts whose balances differ (`-` for none), first ones first.
fn differences(hledger: &BTreeMap<String, i64>, reference: &BTreeMap<String, i64>) -> Vec<String> {
    let mut codes: Vec<&String> = hledger.keys().chain(reference.keys()).collect();
    codes.sort();
    codes.dedup();
    codes
        .into_iter()
        .filter_map(|code| {
            let (ours, theirs) = (hledger.get(code), reference.get(code));
            if ours.copied().unwrap_or(0) == theirs.copied().unwrap_or(0) {
                return None;
            }
            let show = |b: Option<&i64>| b.map_or_else(|| "-".to_owned(), |b| units(*b));
            Some(format!(
                "{code}: laravel/hledger {} vs trial-balance.csv {}",
                show(ours),
                show(theirs)
            ))
        })
        .collect()
}

#[test]
fn laravel_books_pass_hledger_and_match_the_trial_balance() {
    let db = TestDb::new();
    let out = demoforge(&[
        "schema",
        "--target",
        "laravel",
        "--apply",
        "--database-url",
        &db.url,
    ]);
    assert_success(&out, "demoforge schema --target laravel --apply");
    let out = demoforge(&[
        "reset",
        SPEC,
        "--target",
        "laravel",
        "--operator",
        "ledger-test",
        "--database-url",
        &db.url,
    ]);
    assert_success(&out, "demoforge reset --target laravel");

    let mut client = db.client();
    let teams = client
        .query("SELECT id, name, currency FROM teams WHERE is_demo", &[])
        .expect("the demo team");
    assert_eq!(teams.len(), 1, "one demo team after the reset");
    let (team, company, currency): (i64, String, String) =
        (teams[0].get(0), teams[0].get(1), teams[0].get(2));
    assert!(
        currency.len() == 3 && currency.bytes().all(|b| b.is_ascii_uppercase()),
        "teams.currency {currency:?} is not a currency code"
    );

    // The scenario's as_of closes the books the trial balance shows; no entry
    // may lie after it, or the comparison below would be of different dates.
    let (last, sum, lines): (Option<String>, Option<i64>, i64) = {
        let row = client
            .query_one(
                "SELECT (SELECT max(entry_date)::text FROM journal_entries WHERE team_id = $1),
                        (SELECT sum(amount)::bigint FROM journal_lines WHERE team_id = $1),
                        (SELECT count(*) FROM journal_lines WHERE team_id = $1)",
                &[&team],
            )
            .expect("journal totals");
        (row.get(0), row.get(1), row.get(2))
    };
    let as_of = as_of();
    let last = last.expect("the demo team has journal entries");
    assert!(last <= as_of, "an entry dated {last}, after as_of {as_of}");
    assert_eq!(sum, Some(0), "the team's journal lines do not sum to zero");
    let reference_lines = reference_journal_lines();
    assert_eq!(
        usize::try_from(lines).unwrap(),
        reference_lines,
        "journal_lines of the laravel team vs rows of ledger.journal_lines in {REFERENCE_DUMP}"
    );

    let journal = journal_of(&mut client, team, &currency);
    assert_eq!(
        journal.postings, reference_lines,
        "postings written vs the reference dump's journal lines"
    );
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("laravel-books.journal");
    std::fs::write(&path, &journal.text).expect("write the journal");

    let (ok, output) = hledger(&["-f", path.to_str().unwrap(), "check", "-s"]);
    assert!(
        ok,
        "hledger check -s refused the laravel books ({}):\n{output}",
        path.display()
    );

    // Back from hledger names to account codes; every name is a declared one.
    let balances: BTreeMap<String, i64> = hledger_balances(&path, &currency)
        .into_iter()
        .map(|(name, balance)| {
            let code = journal
                .codes
                .get(&name)
                .unwrap_or_else(|| panic!("hledger reports undeclared account {name}"));
            (code.clone(), balance)
        })
        .collect();
    let reference = trial_balance(&company);
    let diff = differences(&balances, &reference);
    assert!(
        diff.is_empty(),
        "{} of {} accounts differ between the laravel books (via hledger) and {TRIAL_BALANCE}; \
         the first ones:\n{}",
        diff.len(),
        balances.len().max(reference.len()),
        diff.iter()
            .take(SHOWN)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    // Not vacuous: every account of the trial balance was seen by hledger
    // with a non-zero balance.
    assert!(
        reference
            .keys()
            .all(|c| balances.get(c).is_some_and(|b| *b != 0))
    );
}
