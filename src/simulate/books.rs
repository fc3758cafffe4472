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

#[derive(Debug, Clone)]
pub struct CompanyBooks {
    pub name: String,
    pub accounts: Vec<Account>,
    /// Debit-positive balance of each account, in chart order.
    pub balances: Vec<Money>,
    pub receivables: Aging,
    pub payables: Aging,
}
