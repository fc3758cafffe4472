//! Summaries of the simulated books: row counts, trial balance and aging.
//!
//! Input: the books and row counts from a compile. Output: CSV text written
//! beside the dump, so that a CI diff shows what a change did to the books and
//! not only to the rows. Invariant: pure; numbers come from the same simulation
//! the dump is rendered from.

pub mod export;
pub mod preview;

use std::fmt::Write;

use crate::model::{Account, Money};
use crate::simulate::{Aging, CompanyBooks};

/// The golden reports, as (file name, CSV text).
pub fn golden_reports(
    books: &[CompanyBooks],
    row_counts: &[(&str, u64)],
) -> Vec<(&'static str, String)> {
    vec![
        ("row-counts.csv", row_counts_csv(row_counts)),
        ("trial-balance.csv", trial_balance_csv(books)),
        ("aging.csv", aging_csv(books)),
        ("targets.csv", targets_csv(books)),
    ]
}

pub fn row_counts_csv(row_counts: &[(&str, u64)]) -> String {
    let mut out = String::from("table,rows\n");
    for (table, rows) in row_counts {
        let _ = writeln!(out, "{table},{rows}");
    }
    out
}

/// Indices of `accounts` in chart order: by account code, numerically when
/// the codes are numbers (`900` before `1000`), else as text. The model keeps
/// accounts in the order they were added (defaults, overrides, then bank
/// accounts), which is not the order an accountant reads a chart in. The sort
/// is stable, so equal codes (none in a valid chart) keep their order.
pub fn chart_order(accounts: &[Account]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..accounts.len()).collect();
    order.sort_by(|&a, &b| code_key(&accounts[a].code).cmp(&code_key(&accounts[b].code)));
    order
}

/// Numeric codes first, by value; then any other code, as text.
fn code_key(code: &str) -> (bool, u128, &str) {
    match code.parse::<u128>() {
        Ok(n) if code.bytes().all(|b| b.is_ascii_digit()) => (false, n, code),
        _ => (true, 0, code),
    }
}

/// One line per account with a balance, debit or credit, in chart order, and a
/// total line per company whose two columns must be equal.
pub fn trial_balance_csv(books: &[CompanyBooks]) -> String {
    let mut out = String::from("company,code,account,debit,credit\n");
    for company in books {
        let (mut debits, mut credits) = (Money::ZERO, Money::ZERO);
        for i in chart_order(&company.accounts) {
            let (account, balance) = (&company.accounts[i], company.balances[i]);
            if balance.is_zero() {
                continue;
            }
            let (debit, credit) = if balance.0 > 0 {
                (balance, Money::ZERO)
            } else {
                (Money::ZERO, -balance)
            };
            debits += debit;
            credits += credit;
            let _ = writeln!(
                out,
                "{},{},{},{debit},{credit}",
                csv(&company.name),
                csv(&account.code),
                csv(&account.name)
            );
        }
        let _ = writeln!(out, "{},,Total,{debits},{credits}", csv(&company.name));
    }
    out
}

pub fn aging_csv(books: &[CompanyBooks]) -> String {
    let mut out = String::from("company,ledger");
    for label in Aging::LABELS {
        let _ = write!(out, ",{label}");
    }
    out.push_str(",total\n");
    for company in books {
        for (ledger, aging) in [
            ("receivable", &company.receivables),
            ("payable", &company.payables),
        ] {
            let _ = write!(out, "{},{ledger}", csv(&company.name));
            for amount in aging.buckets {
                let _ = write!(out, ",{amount}");
            }
            let _ = writeln!(out, ",{}", aging.total());
        }
    }
    out
}

/// Each realism target next to what the books achieved.
pub fn targets_csv(books: &[CompanyBooks]) -> String {
    let mut out = String::from("company,measure,unit,target,achieved,tolerance,met\n");
    for company in books {
        for check in &company.targets {
            let target = check.target.map_or(String::new(), thousandths);
            let met = match check.met() {
                Some(true) => "yes",
                Some(false) => "NO",
                None => "",
            };
            let _ = writeln!(
                out,
                "{},{},{},{target},{},{},{met}",
                csv(&company.name),
                csv(check.name),
                check.unit,
                thousandths(check.achieved),
                thousandths(check.tolerance)
            );
        }
    }
    out
}

/// A value in thousandths with one decimal: `38500` is `38.5`.
fn thousandths(value: i64) -> String {
    let tenths = crate::model::money::div_round_half_away(i128::from(value), 100);
    let sign = if tenths < 0 { "-" } else { "" };
    format!(
        "{sign}{}.{}",
        tenths.unsigned_abs() / 10,
        tenths.unsigned_abs() % 10
    )
}

/// Quotes a CSV field when it needs it.
fn csv(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_only_when_needed() {
        assert_eq!(csv("plain"), "plain");
        assert_eq!(csv("a,b"), "\"a,b\"");
        assert_eq!(csv("say \"hi\""), "\"say \"\"hi\"\"\"");
    }

    fn account(code: &str) -> Account {
        Account {
            code: code.to_owned(),
            name: code.to_owned(),
            kind: crate::model::AccountKind::Asset,
            purpose: None,
        }
    }

    #[test]
    fn chart_order_sorts_codes_numerically_then_as_text() {
        let accounts: Vec<Account> = ["6600", "1300", "1001", "900", "B2", "1000", "A1"]
            .into_iter()
            .map(account)
            .collect();
        let codes: Vec<&str> = chart_order(&accounts)
            .into_iter()
            .map(|i| accounts[i].code.as_str())
            .collect();
        assert_eq!(codes, ["900", "1000", "1001", "1300", "6600", "A1", "B2"]);
    }
}
