//! What the simulation knows at `as_of`: balances and aged open items.

use crate::model::{Account, Money};

/// Open amounts by age: current, 1–30, 31–60, 61–90 and over 90 days overdue.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Aging {
    pub buckets: [Money; 5],
}

impl Aging {
    pub const LABELS: [&'static str; 5] = ["current", "1-30", "31-60", "61-90", "90+"];

    pub fn add(&mut self, days_overdue: i64, amount: Money) {
        let bucket = match days_overdue {
            i64::MIN..=0 => 0,
            1..=30 => 1,
            31..=60 => 2,
            61..=90 => 3,
            _ => 4,
        };
        self.buckets[bucket] += amount;
    }

    pub fn total(&self) -> Money {
        self.buckets.iter().copied().sum()
    }
}

/// Balances the simulation observed at a month end (or at `as_of` for the
/// last, partial month), from its own subledgers rather than the journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthEnd {
    pub date: chrono::NaiveDate,
    /// Open customer documents, credit notes negative.
    pub receivable: Money,
    /// Open vendor bills.
    pub payable: Money,
    /// Bank account balance per the bank's own record of cleared money.
    pub bank: Money,
}

#[derive(Debug, Clone)]
pub struct CompanyBooks {
    pub name: String,
    pub accounts: Vec<Account>,
    /// Debit-positive balance of each account, in chart order.
    pub balances: Vec<Money>,
    pub receivables: Aging,
    pub payables: Aging,
    pub month_ends: Vec<MonthEnd>,
}
