//! Bank accounts as the bank sees them: statement lines with clearing lags,
//! and a reconciliation at every month end.
//!
//! Input: bank movements from the ledger (every posting to a bank account).
//! Output: bank account, statement line and reconciliation rows.
//! Invariant: at every month end, the statement's closing balance plus the
//! items booked but not yet cleared equals the book balance; a reconciliation
//! that does not tie stops the build. Months before `as_of`'s month are fully
//! reconciled; the current month is in progress, with the last few days'
//! lines still unmatched.

use chrono::{Datelike, NaiveDate};
use uuid::Uuid;

use super::calendar::{add_days, next_business_day};
use super::draw::between;
use super::keys::{Key, derived_id};
use super::ledger::{BankMovement, Ledger, Violation};
use super::rows::{BankAccountRow, ReconciliationRow, Row, RowSink, StatementLineRow};
use crate::model::Money;

/// Lines cleared this many days before `as_of` or later are not matched yet.
const UNMATCHED_DAYS: u32 = 3;

struct Account {
    gl: usize,
    id: Uuid,
    name: String,
    /// Statement balance at the last reconciliation.
    statement_balance: Money,
    /// Booked movements that had not cleared at the last reconciliation.
    uncleared: Vec<(NaiveDate, Money)>,
}

pub struct BankBook {
    seed: u64,
    company_id: Uuid,
    as_of: NaiveDate,
    accounts: Vec<Account>,
    /// Finish the `as_of` month's reconciliation (the quarter-close overlay):
    /// every line on the statement matched, the reconciliation `reconciled`.
    pub close_current: bool,
}

/// A bank account to open: its chart position, name and opening balance.
pub struct Opening {
    pub gl: usize,
    pub gl_id: Uuid,
    pub name: String,
    pub balance: Money,
}

impl BankBook {
    pub fn new(seed: u64, company_id: Uuid, as_of: NaiveDate) -> BankBook {
        BankBook {
            seed,
            company_id,
            as_of,
            accounts: Vec::new(),
            close_current: false,
        }
    }

    /// Opens the accounts, emitting their rows; the first is the operating account.
    pub fn open(
        &mut self,
        sink: &mut dyn RowSink,
        key: &Key,
        currency: &str,
        openings: Vec<Opening>,
    ) {
        for (i, o) in openings.into_iter().enumerate() {
            let id = key.child("bank-account").child(i + 1).id();
            sink.row(Row::BankAccount(&BankAccountRow {
                id,
                company_id: self.company_id,
                name: o.name.clone(),
                currency: currency.to_owned(),
                account_id: o.gl_id,
                opening_balance: o.balance,
            }));
            self.accounts.push(Account {
                gl: o.gl,
                id,
                name: o.name,
                statement_balance: o.balance,
                uncleared: Vec::new(),
            });
        }
    }

    pub fn gl_accounts(&self) -> Vec<usize> {
        self.accounts.iter().map(|a| a.gl).collect()
    }

    /// Gives each movement its clearing date and, once the bank has it by
    /// `as_of`, a statement line.
    pub fn record(&mut self, sink: &mut dyn RowSink, movements: Vec<BankMovement>) {
        for m in movements {
            let Some(index) = self.accounts.iter().position(|a| a.gl == m.account) else {
                continue;
            };
            if m.kind == "opening_balance" {
                // Brought forward: already on the bank's books before the window.
                continue;
            }
            let cleared = self.clearing_date(&m);
            let account = &mut self.accounts[index];
            account.uncleared.push((cleared, m.amount));
            if cleared > self.as_of {
                continue;
            }
            let month = |d: NaiveDate| (d.year(), d.month());
            let matched = self.close_current
                || month(cleared) < month(self.as_of)
                || add_days(cleared, UNMATCHED_DAYS) <= self.as_of;
            let reconciliation = matched.then(|| reconciliation_id(account.id, cleared));
            sink.row(Row::StatementLine(&StatementLineRow {
                id: derived_id(m.entry_id, "statement-line", index as u32),
                company_id: self.company_id,
                bank_account_id: account.id,
                booked_on: m.date,
                cleared_on: cleared,
                amount: m.amount,
                kind: m.kind,
                description: m.description,
                reference: m.reference,
                journal_entry_id: m.entry_id,
                reconciliation_id: reconciliation,
            }));
        }
    }

    /// Banks clear transfers the same or the next business day, card and
    /// direct-debit receipts a little later; their own fees and interest at once.
    fn clearing_date(&self, m: &BankMovement) -> NaiveDate {
        let mut rng = Key::root("clearing").child(m.entry_id).stream(self.seed);
        let lag = match m.kind {
            "receipt" => between(&mut rng, 0, 3),
            "payment" | "refund" => between(&mut rng, 1, 2),
            "payroll_remittance" | "tax_payment" => between(&mut rng, 0, 1),
            _ => 0,
        };
        next_business_day(add_days(m.date, lag))
    }

    /// Reconciles every account at `cutoff` and returns the book balances.
    pub fn reconcile(
        &mut self,
        sink: &mut dyn RowSink,
        ledger: &Ledger,
        cutoff: NaiveDate,
    ) -> Result<Vec<Money>, Violation> {
        let in_progress = cutoff >= self.as_of && !self.close_current;
        let mut books = Vec::with_capacity(self.accounts.len());
        for account in &mut self.accounts {
            let opening = account.statement_balance;
            let cleared: Money = account
                .uncleared
                .iter()
                .filter(|(d, _)| *d <= cutoff)
                .map(|(_, a)| *a)
                .sum();
            account.uncleared.retain(|(d, _)| *d > cutoff);
            let closing = opening + cleared;
            let receipts: Money = account
                .uncleared
                .iter()
                .map(|(_, a)| *a)
                .filter(|a| a.0 > 0)
                .sum();
            let payments: Money = account
                .uncleared
                .iter()
                .map(|(_, a)| *a)
                .filter(|a| a.0 < 0)
                .sum();
            let book = ledger.balance(account.gl);
            if closing + receipts + payments != book {
                return Err(Violation {
                    rule: "bank book balances equal reconciled statement balances",
                    document: account.name.clone(),
                    date: cutoff,
                    detail: format!(
                        "statement {closing} with {receipts} in transit and {payments} outstanding, but book {book}"
                    ),
                });
            }
            sink.row(Row::Reconciliation(&ReconciliationRow {
                id: reconciliation_id(account.id, cutoff),
                company_id: self.company_id,
                bank_account_id: account.id,
                statement_date: cutoff,
                opening_balance: opening,
                closing_balance: closing,
                deposits_in_transit: receipts,
                outstanding_payments: -payments,
                book_balance: book,
                status: if in_progress {
                    "in_progress"
                } else {
                    "reconciled"
                },
            }));
            account.statement_balance = closing;
            books.push(book);
        }
        Ok(books)
    }
}

fn reconciliation_id(account: Uuid, date: NaiveDate) -> Uuid {
    derived_id(
        account,
        "reconciliation",
        (date.year() * 100) as u32 + date.month(),
    )
}
