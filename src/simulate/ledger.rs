//! The general ledger: posts balanced journal entries and keeps account balances.
//!
//! Input: postings from the document simulations. Output: journal rows to the
//! sink, and balances for the month-end checks. Invariant: an entry that does
//! not balance is never emitted; it is returned as a [`Violation`].

use chrono::NaiveDate;
use uuid::Uuid;

use super::calendar::fiscal_year;
use super::keys::derived_id;
use super::rows::{JournalEntryRow, JournalLineRow, Row, RowSink};
use crate::model::Money;

/// A broken accounting invariant, naming the document and date involved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{rule} broken by {document} on {date}: {detail}")]
pub struct Violation {
    pub rule: &'static str,
    pub document: String,
    pub date: NaiveDate,
    pub detail: String,
}

/// One side of an entry: an account (by chart position) and a signed amount,
/// positive for a debit and negative for a credit.
pub type Posting = (usize, Money);

/// What an entry is about, for the journal row and for error messages.
pub struct Source<'a> {
    pub kind: &'static str,
    pub id: Uuid,
    pub number: &'a str,
}

/// Money that moved on a bank account, for the bank's own statement.
#[derive(Debug, Clone)]
pub struct BankMovement {
    pub account: usize,
    pub date: NaiveDate,
    pub amount: Money,
    pub entry_id: Uuid,
    pub kind: &'static str,
    pub description: String,
    pub reference: String,
}

pub struct Ledger {
    /// Chart positions of bank accounts; postings to them become movements.
    bank_accounts: Vec<usize>,
    movements: Vec<BankMovement>,
    company_id: Uuid,
    account_ids: Vec<Uuid>,
    balances: Vec<Money>,
    fiscal_start_month: u32,
    entry_year: i32,
    entry_seq: u32,
}

impl Ledger {
    pub fn new(company_id: Uuid, account_ids: Vec<Uuid>, fiscal_start_month: u32) -> Ledger {
        let balances = vec![Money::ZERO; account_ids.len()];
        Ledger {
            bank_accounts: Vec::new(),
            movements: Vec::new(),
            company_id,
            account_ids,
            balances,
            fiscal_start_month,
            entry_year: i32::MIN,
            entry_seq: 0,
        }
    }

    /// Reports postings to `account` as bank movements from now on.
    pub fn watch_bank_account(&mut self, account: usize) {
        self.bank_accounts.push(account);
    }

    /// Bank movements posted since the last call, in posting order.
    pub fn take_bank_movements(&mut self) -> Vec<BankMovement> {
        std::mem::take(&mut self.movements)
    }

    pub fn balance(&self, account: usize) -> Money {
        self.balances[account]
    }

    pub fn balances(&self) -> &[Money] {
        &self.balances
    }

    /// Posts one entry; lines with a zero amount are dropped.
    pub fn post(
        &mut self,
        sink: &mut dyn RowSink,
        date: NaiveDate,
        description: String,
        source: &Source<'_>,
        postings: &[Posting],
    ) -> Result<(), Violation> {
        let total: Money = postings.iter().map(|(_, amount)| *amount).sum();
        if !total.is_zero() {
            return Err(Violation {
                rule: "every journal entry balances",
                document: source.number.to_owned(),
                date,
                detail: format!("debits exceed credits by {total}"),
            });
        }
        let entry_id = derived_id(source.id, "je", 0);
        let entry = JournalEntryRow {
            id: entry_id,
            company_id: self.company_id,
            number: self.next_number(date),
            date,
            description,
            reference: source.number.to_owned(),
            source_type: source.kind,
            source_id: source.id,
        };
        sink.row(Row::JournalEntry(&entry));
        let mut line_no = 0;
        for &(account, amount) in postings.iter().filter(|(_, a)| !a.is_zero()) {
            line_no += 1;
            self.balances[account] += amount;
            if self.bank_accounts.contains(&account) {
                self.movements.push(BankMovement {
                    account,
                    date,
                    amount,
                    entry_id,
                    kind: source.kind,
                    description: entry.description.clone(),
                    reference: source.number.to_owned(),
                });
            }
            let (debit, credit) = if amount.0 > 0 {
                (amount, Money::ZERO)
            } else {
                (Money::ZERO, -amount)
            };
            sink.row(Row::JournalLine(&JournalLineRow {
                id: derived_id(entry_id, "line", line_no),
                company_id: self.company_id,
                entry_id: entry.id,
                line_no,
                account_id: self.account_ids[account],
                debit,
                credit,
            }));
        }
        Ok(())
    }

    /// Entry numbers restart at 1 in each fiscal year, without gaps.
    fn next_number(&mut self, date: NaiveDate) -> String {
        let year = fiscal_year(date, self.fiscal_start_month);
        if year != self.entry_year {
            self.entry_year = year;
            self.entry_seq = 0;
        }
        self.entry_seq += 1;
        format!("JE-{year}-{:06}", self.entry_seq)
    }
}
