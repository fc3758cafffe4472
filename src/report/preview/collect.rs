//! The rows a preview needs, gathered while the simulation runs.
//!
//! Balances and aging come from the simulation's own [`CompanyBooks`]; the
//! collector adds what only the rows know: each account's movement per
//! calendar month (year-end closes left out) and which GL accounts are bank
//! accounts.

use std::collections::BTreeMap;

use chrono::{Datelike, Months, NaiveDate};
use uuid::Uuid;

use super::{
    AgingReport, Amount, BalanceLine, BalanceSheet, Cash, CashLine, CashPoint, CompanyPreview,
    MonthPl, PreviewError, TrialBalance, TrialLine, kind_key,
};
use crate::model::{AccountKind, AccountPurpose};
use crate::simulate::{CompanyBooks, Row, RowSink};

pub struct Collector {
    start: NaiveDate,
    months: usize,
    companies: Vec<RawCompany>,
    company_index: BTreeMap<Uuid, usize>,
    /// account id → (company index, chart index)
    account_index: BTreeMap<Uuid, (usize, usize)>,
    /// entry id → (company index, month index), `None` for a year-end close.
    entries: BTreeMap<Uuid, Option<(usize, usize)>>,
    /// Rows that could not be placed; reported instead of guessed.
    orphans: usize,
}

struct RawCompany {
    name: String,
    currency: String,
    accounts: usize,
    /// GL chart indexes named by bank account rows.
    bank_accounts: Vec<usize>,
    /// Debit-positive movement per account per month: `[account][month]`.
    movements: Vec<Vec<i64>>,
}

impl Collector {
    pub fn new(start: NaiveDate, months: u32) -> Collector {
        Collector {
            start,
            months: months as usize,
            companies: Vec::new(),
            company_index: BTreeMap::new(),
            account_index: BTreeMap::new(),
            entries: BTreeMap::new(),
            orphans: 0,
        }
    }

    fn month_of(&self, date: NaiveDate) -> Option<usize> {
        let index = (date.year() - self.start.year()) * 12 + date.month() as i32
            - self.start.month() as i32;
        usize::try_from(index).ok().filter(|&i| i < self.months)
    }

    /// Last day of month `index` of the window, or `as_of` for the last.
    fn month_end(&self, index: usize, as_of: NaiveDate) -> NaiveDate {
        if index + 1 >= self.months {
            return as_of;
        }
        let next = self
            .start
            .checked_add_months(Months::new(index as u32 + 1))
            .expect("window stays in range");
        next.pred_opt().expect("a day before exists")
    }

    pub fn finish(
        self,
        books: Vec<CompanyBooks>,
        as_of: NaiveDate,
    ) -> Result<Vec<CompanyPreview>, PreviewError> {
        let inconsistent = |what: String| PreviewError::Inconsistent { what };
        if self.orphans > 0 {
            return Err(inconsistent(format!(
                "{} rows that name an unknown company, account or entry",
                self.orphans
            )));
        }
        if books.len() != self.companies.len() {
            return Err(inconsistent(format!(
                "{} companies simulated but {} emitted",
                books.len(),
                self.companies.len()
            )));
        }
        let mut out = Vec::with_capacity(books.len());
        for (raw, books) in self.companies.iter().zip(books) {
            if raw.name != books.name
                || raw.accounts != books.accounts.len()
                || books.accounts.len() != books.balances.len()
            {
                return Err(inconsistent(format!(
                    "company {}: rows and books disagree",
                    raw.name
                )));
            }
            out.push(self.company(raw, &books, as_of));
        }
        Ok(out)
    }

    fn company(&self, raw: &RawCompany, books: &CompanyBooks, as_of: NaiveDate) -> CompanyPreview {
        let accounts = &books.accounts;
        let balances = &books.balances;

        let order = crate::report::chart_order(accounts);
        let mut lines = Vec::new();
        let (mut total_debit, mut total_credit) = (Amount(0), Amount(0));
        for (account, balance) in order.iter().map(|&i| (&accounts[i], &balances[i])) {
            if balance.is_zero() {
                continue;
            }
            let (debit, credit) = if balance.0 > 0 {
                (Amount(balance.0), Amount(0))
            } else {
                (Amount(0), Amount(-balance.0))
            };
            total_debit += debit;
            total_credit += credit;
            lines.push(TrialLine {
                code: account.code.clone(),
                name: account.name.clone(),
                kind: kind_key(account.kind),
                debit,
                credit,
            });
        }

        let mut profit_and_loss = Vec::with_capacity(self.months);
        for month in 0..self.months {
            let (mut income, mut expenses) = (0, 0);
            for (account, movements) in accounts.iter().zip(&raw.movements) {
                match account.kind {
                    AccountKind::Income => income -= movements[month],
                    AccountKind::Expense => expenses += movements[month],
                    _ => {}
                }
            }
            let first = self
                .start
                .checked_add_months(Months::new(month as u32))
                .expect("window stays in range");
            profit_and_loss.push(MonthPl {
                month: first.format("%Y-%m").to_string(),
                income: Amount(income),
                expenses: Amount(expenses),
                profit: Amount(income - expenses),
            });
        }

        let section = |kind: AccountKind, sign: i64| {
            let lines: Vec<BalanceLine> = order
                .iter()
                .map(|&i| (&accounts[i], &balances[i]))
                .filter(|(a, b)| a.kind == kind && !b.is_zero())
                .map(|(a, b)| BalanceLine {
                    code: a.code.clone(),
                    name: a.name.clone(),
                    amount: Amount(sign * b.0),
                })
                .collect();
            let total = Amount(lines.iter().map(|l| l.amount.0).sum());
            (lines, total)
        };
        let (assets, total_assets) = section(AccountKind::Asset, 1);
        let (liabilities, total_liabilities) = section(AccountKind::Liability, -1);
        let (equity, equity_accounts) = section(AccountKind::Equity, -1);
        let current_year_profit = Amount(
            -accounts
                .iter()
                .zip(balances)
                .filter(|(a, _)| matches!(a.kind, AccountKind::Income | AccountKind::Expense))
                .map(|(_, b)| b.0)
                .sum::<i64>(),
        );
        let total_equity = Amount(equity_accounts.0 + current_year_profit.0);
        let balance_sheet = BalanceSheet {
            assets,
            total_assets,
            liabilities,
            total_liabilities,
            equity,
            current_year_profit,
            total_equity,
            total_liabilities_and_equity: Amount(total_liabilities.0 + total_equity.0),
        };

        let mut banks: Vec<usize> = accounts
            .iter()
            .enumerate()
            .filter(|(_, a)| a.purpose == Some(AccountPurpose::Bank))
            .map(|(i, _)| i)
            .chain(raw.bank_accounts.iter().copied())
            .collect();
        banks.sort_unstable();
        banks.dedup();
        let mut cash_lines = Vec::new();
        for &i in &banks {
            cash_lines.push(CashLine {
                code: accounts[i].code.clone(),
                name: accounts[i].name.clone(),
                kind: "bank",
                balance: balances[i].into(),
            });
        }
        for (a, b) in accounts.iter().zip(balances) {
            if a.purpose == Some(AccountPurpose::CreditCard) {
                cash_lines.push(CashLine {
                    code: a.code.clone(),
                    name: a.name.clone(),
                    kind: "credit_card",
                    balance: (*b).into(),
                });
            }
        }
        let net = Amount(cash_lines.iter().map(|l| l.balance.0).sum());
        // Walk back from today's balance, so the series ends exactly on it.
        let mut balance: i64 = banks.iter().map(|&i| balances[i].0).sum();
        let mut month_ends = Vec::with_capacity(self.months);
        for month in (0..self.months).rev() {
            month_ends.push(CashPoint {
                date: self.month_end(month, as_of),
                balance: Amount(balance),
            });
            balance -= banks.iter().map(|&i| raw.movements[i][month]).sum::<i64>();
        }
        month_ends.reverse();

        CompanyPreview {
            name: raw.name.clone(),
            currency: raw.currency.clone(),
            trial_balance: TrialBalance {
                lines,
                total_debit,
                total_credit,
            },
            profit_and_loss,
            balance_sheet,
            cash: Cash {
                accounts: cash_lines,
                net,
                month_ends,
            },
            receivables: AgingReport::from_aging(&books.receivables),
            payables: AgingReport::from_aging(&books.payables),
        }
    }
}

impl RowSink for Collector {
    fn row(&mut self, row: Row<'_>) {
        match row {
            Row::Company(c) => {
                self.company_index.insert(c.id, self.companies.len());
                self.companies.push(RawCompany {
                    name: c.name.clone(),
                    currency: c.currency.clone(),
                    accounts: 0,
                    bank_accounts: Vec::new(),
                    movements: Vec::new(),
                });
            }
            Row::Account(a) => {
                let Some(&ci) = self.company_index.get(&a.company_id) else {
                    self.orphans += 1;
                    return;
                };
                let months = self.months;
                let company = &mut self.companies[ci];
                self.account_index.insert(a.id, (ci, company.accounts));
                company.accounts += 1;
                company.movements.push(vec![0; months]);
            }
            Row::BankAccount(b) => match self.account_index.get(&b.account_id) {
                Some(&(ci, ai)) => self.companies[ci].bank_accounts.push(ai),
                None => self.orphans += 1,
            },
            Row::JournalEntry(e) => {
                let Some(&ci) = self.company_index.get(&e.company_id) else {
                    self.orphans += 1;
                    return;
                };
                let place = if e.source_type == "year_end_close" {
                    None
                } else if let Some(month) = self.month_of(e.date) {
                    Some((ci, month))
                } else {
                    self.orphans += 1;
                    return;
                };
                self.entries.insert(e.id, place);
            }
            Row::JournalLine(l) => {
                let (Some(&place), Some(&(ca, ai))) = (
                    self.entries.get(&l.entry_id),
                    self.account_index.get(&l.account_id),
                ) else {
                    self.orphans += 1;
                    return;
                };
                let Some((ci, month)) = place else { return };
                if ci != ca {
                    self.orphans += 1;
                    return;
                }
                self.companies[ci].movements[ai][month] += l.debit.0 - l.credit.0;
            }
            _ => {}
        }
    }
}
