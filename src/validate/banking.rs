//! Banking: the bank accounts, the company card, the monthly bank fee and the
//! interest rate.
//!
//! Input: the raw `banking` mapping, the company's country and currency
//! (`None` when the spec's own currency was invalid), and
//! the final chart, to which it adds one account per extra bank account.
//! Output: a [`Banking`].
//! Invariant: 1 to `MAX_BANK_ACCOUNTS` accounts, all in the company currency
//! (no foreign exchange); the first is the chart's `bank`-purpose account;
//! every later one sits on its own chart asset account without a purpose;
//! bank account names and codes are unique.

use std::collections::HashSet;

use super::chart::{PURPOSES, is_account_code, kind_name};
use super::choice::{bp_in, money_in};
use super::company::non_empty;
use crate::model::{
    Account, AccountKind, AccountPurpose, BankAccount, Banking, Bp, Country, CreditCard, Money,
    defaults, limits,
};
use crate::spec::raw::{List, RawBankAccount, RawBanking, RawCreditCard};
use crate::spec::{Kind, Problems, Spanned};

/// 1 000 000 000.00 in minor units.
pub const MAX_OPENING_BALANCE: i64 = 100_000_000_000;
/// 1 000 000.00 in minor units.
pub const MAX_CARD_LIMIT: i64 = 100_000_000;
/// 1 000.00 in minor units.
pub const MAX_MONTHLY_FEE: i64 = 100_000;
/// 20% a year.
pub const MAX_INTEREST_RATE: i64 = 2_000;
pub const DEFAULT_INTEREST_RATE: Bp = Bp(50);
pub const DEFAULT_CARD_NAME: &str = "Company credit card";
/// Later bank accounts without a `code` take the first free code from here.
pub const FIRST_EXTRA_CODE: u32 = 1001;

pub fn banking(
    raw: Option<&RawBanking>,
    country: Country,
    currency: Option<&str>,
    chart: &mut Vec<Account>,
    problems: &mut Problems,
) -> Banking {
    let operating = chart
        .iter()
        .find(|a| a.purpose == Some(AccountPurpose::Bank))
        .map_or_else(
            // Unreachable: every chart keeps its `bank` purpose.
            || ("1000".to_owned(), "Business current account".to_owned()),
            |a| (a.code.clone(), a.name.clone()),
        );
    let default_accounts = vec![BankAccount {
        name: operating.1.clone(),
        account_code: operating.0.clone(),
        opening_balance: None,
    }];
    let accounts = match raw.and_then(|r| r.accounts.as_ref()) {
        Some(list) => bank_accounts(list, currency, &operating.0, chart, problems),
        None => default_accounts,
    };
    let credit_card = raw
        .and_then(|r| r.credit_card.as_ref())
        .and_then(|c| credit_card(c, chart, problems));
    let monthly_fee = raw
        .and_then(|r| r.monthly_fee.as_ref())
        .and_then(|f| money_in(problems, f, "monthly_fee", 0, MAX_MONTHLY_FEE))
        .unwrap_or(Money(defaults::monthly_bank_fee(country)));
    let interest_rate = raw
        .and_then(|r| r.interest_rate.as_ref())
        .and_then(|r| bp_in(problems, r, "interest_rate", 0, MAX_INTEREST_RATE))
        .unwrap_or(DEFAULT_INTEREST_RATE);
    Banking {
        accounts,
        credit_card,
        monthly_fee,
        interest_rate,
    }
}

fn bank_accounts(
    list: &List<RawBankAccount>,
    currency: Option<&str>,
    operating_code: &str,
    chart: &mut Vec<Account>,
    problems: &mut Problems,
) -> Vec<BankAccount> {
    let count = list.items.len();
    if count == 0 || count > limits::MAX_BANK_ACCOUNTS {
        problems.report(
            Kind::OutOfRange,
            list.key,
            format!(
                "{count} bank accounts; a company has 1 to {}",
                limits::MAX_BANK_ACCOUNTS
            ),
            "wrong number of bank accounts",
            format!(
                "list 1 to {} bank accounts (the first is the operating account), or remove `accounts` to get one",
                limits::MAX_BANK_ACCOUNTS
            ),
        );
    }
    // Codes a defaulted account must not take: the chart's, and every code
    // written for a bank account (even one written further down the list).
    let mut taken: HashSet<String> = chart.iter().map(|a| a.code.clone()).collect();
    taken.extend(
        list.items
            .iter()
            .filter_map(|a| a.code.as_ref())
            .map(|c| c.value.clone()),
    );
    let mut names: HashSet<String> = HashSet::new();
    let mut codes: HashSet<String> = HashSet::new();
    let mut out = Vec::new();
    for (index, item) in list.items.iter().enumerate() {
        let name = item
            .name
            .as_ref()
            .and_then(|n| non_empty(n, "bank account name", problems).map(|v| (v, n.span)));
        if let Some((name, span)) = &name {
            if !names.insert(name.to_lowercase()) {
                problems.report(
                    Kind::DuplicateName,
                    *span,
                    format!("bank account name `{name}` is used twice"),
                    "duplicate bank account name",
                    "give each bank account its own name",
                );
            }
        }
        if let (Some(given), Some(currency)) = (&item.currency, currency) {
            same_currency(given, currency, problems);
        }
        let opening_balance = item
            .opening_balance
            .as_ref()
            .and_then(|b| money_in(problems, b, "opening_balance", 0, MAX_OPENING_BALANCE));
        let code = if index == 0 {
            operating_account_code(item.code.as_ref(), operating_code, problems)
        } else {
            let name = name.as_ref().map(|(n, _)| n.as_str());
            extra_account_code(
                item.code.as_ref(),
                name,
                &codes,
                &mut taken,
                chart,
                problems,
            )
        };
        if let Some(code) = &code {
            codes.insert(code.clone());
        }
        if let (Some((name, _)), Some(code)) = (name, code) {
            out.push(BankAccount {
                name,
                account_code: code,
                opening_balance,
            });
        }
    }
    out
}

fn same_currency(given: &Spanned<String>, currency: &str, problems: &mut Problems) {
    if given.value.trim() == currency {
        return;
    }
    problems.report(
        Kind::InvalidValue,
        given.span,
        format!(
            "a bank account in {} cannot be held by a {currency} company: demoforge books in one currency and does not simulate foreign exchange",
            given.value.trim()
        ),
        format!("not {currency}"),
        format!("remove `currency` or set it to {currency}"),
    );
}

/// The first bank account is the operating account: the chart's `bank`.
fn operating_account_code(
    code: Option<&Spanned<String>>,
    operating_code: &str,
    problems: &mut Problems,
) -> Option<String> {
    let Some(code) = code else {
        return Some(operating_code.to_owned());
    };
    if code.value == operating_code {
        return Some(code.value.clone());
    }
    problems.report(
        Kind::InvalidValue,
        code.span,
        format!(
            "the first bank account is the operating account and must use the chart's bank account `{operating_code}`, not `{}`",
            code.value
        ),
        "not the chart's bank account",
        format!(
            "remove `code` or set it to \"{operating_code}\"; to book the operating account elsewhere, give that chart account `purpose: bank`"
        ),
    );
    None
}

/// A later bank account's chart code: the one written (linked to an existing
/// asset account without a purpose, or added to the chart), or the next free
/// code from [`FIRST_EXTRA_CODE`], added to the chart.
fn extra_account_code(
    code: Option<&Spanned<String>>,
    name: Option<&str>,
    used: &HashSet<String>,
    taken: &mut HashSet<String>,
    chart: &mut Vec<Account>,
    problems: &mut Problems,
) -> Option<String> {
    let add = |chart: &mut Vec<Account>, code: &str| {
        chart.push(Account {
            code: code.to_owned(),
            name: name.unwrap_or(code).to_owned(),
            kind: AccountKind::Asset,
            purpose: None,
        });
    };
    let Some(code) = code else {
        let code = next_free_code(taken, FIRST_EXTRA_CODE);
        taken.insert(code.clone());
        add(chart, &code);
        return Some(code);
    };
    if !is_account_code(&code.value) {
        problems.report(
            Kind::InvalidValue,
            code.span,
            format!("`{}` is not a valid account code", code.value),
            "invalid code",
            "use 1 to 20 letters, digits, `.` or `-`, e.g. `1010`, or remove `code`",
        );
        return None;
    }
    if used.contains(&code.value) {
        problems.report(
            Kind::DuplicateName,
            code.span,
            format!("bank account code `{}` is used twice", code.value),
            "duplicate bank account code",
            format!(
                "give each bank account its own chart account, or remove `code` to use the next free code from {FIRST_EXTRA_CODE}"
            ),
        );
        return None;
    }
    match chart.iter().find(|a| a.code == code.value) {
        None => add(chart, &code.value),
        Some(existing) if existing.kind == AccountKind::Asset && existing.purpose.is_none() => {}
        Some(existing) => {
            let what = match existing.purpose {
                Some(purpose) => format!(
                    "an `{}` account with purpose `{}`",
                    kind_name(existing.kind),
                    purpose_name(purpose)
                ),
                None => format!("an `{}` account", kind_name(existing.kind)),
            };
            problems.report(
                Kind::InvalidValue,
                code.span,
                format!(
                    "chart account `{}` ({}) is {what}; a bank account needs an asset account without a purpose",
                    code.value, existing.name
                ),
                "already used in the chart",
                format!(
                    "remove `code` to use the next free code from {FIRST_EXTRA_CODE}, or pick a code that is not in the chart"
                ),
            );
            return None;
        }
    }
    Some(code.value.clone())
}

fn purpose_name(purpose: AccountPurpose) -> &'static str {
    PURPOSES
        .iter()
        .find(|(_, p)| *p == purpose)
        .map_or("?", |(name, _)| name)
}

/// The first decimal code from `start` up that is not in `taken`.
pub fn next_free_code(taken: &HashSet<String>, start: u32) -> String {
    (start..=u32::MAX)
        .map(|n| n.to_string())
        .find(|code| !taken.contains(code))
        // Unreachable: `taken` is far smaller than the range.
        .unwrap_or_default()
}

/// The card books to the chart's `credit_card` account, so the card's name is
/// that account's name: a `name:` on the card renames the account (over any
/// name from `chart_of_accounts`), and without one the card takes the
/// account's name. Either way the name shows up in the dump's chart, the
/// exports and the preview's cash position.
fn credit_card(
    raw: &RawCreditCard,
    chart: &mut [Account],
    problems: &mut Problems,
) -> Option<CreditCard> {
    let account = chart
        .iter_mut()
        .find(|a| a.purpose == Some(AccountPurpose::CreditCard));
    let name = match (&raw.name, account) {
        (Some(name), account) => {
            let name = non_empty(name, "credit card name", problems);
            if let (Some(name), Some(account)) = (&name, account) {
                account.name.clone_from(name);
            }
            name
        }
        (None, Some(account)) => Some(account.name.clone()),
        // Unreachable: every chart keeps its `credit_card` purpose.
        (None, None) => Some(DEFAULT_CARD_NAME.to_owned()),
    };
    let limit = raw
        .limit
        .as_ref()
        .and_then(|l| money_in(problems, l, "limit", 1, MAX_CARD_LIMIT));
    Some(CreditCard {
        name: name?,
        limit: limit?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_free_code_skips_taken_codes() {
        let taken: HashSet<String> = ["1000", "1001", "1003"]
            .into_iter()
            .map(str::to_owned)
            .collect();
        assert_eq!(next_free_code(&taken, 1001), "1002");
        assert_eq!(next_free_code(&taken, 1003), "1004");
        assert_eq!(next_free_code(&HashSet::new(), 1001), "1001");
    }
}
