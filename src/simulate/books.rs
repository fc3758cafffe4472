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
    /// Book balance of each bank account, by chart code: equal, by the
    /// reconciliation invariant, to the statement plus items in transit.
    pub banks: Vec<(String, Money)>,
}

/// One realism target and what the books achieved, both in thousandths of
/// `unit` (days, or percentage points).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetCheck {
    pub name: &'static str,
    /// `None` when the spec sets no target: the value is reported only.
    pub target: Option<i64>,
    pub achieved: i64,
    pub unit: &'static str,
    /// Largest allowed difference, in the same thousandths.
    pub tolerance: i64,
}

impl TargetCheck {
    /// Days, within ±10% of the target (at least half a day).
    pub fn new(name: &'static str, target: Option<i64>, achieved: i64) -> TargetCheck {
        let tolerance = target.map_or(0, |t| (t.abs() / 10).max(500));
        TargetCheck {
            name,
            target,
            achieved,
            unit: "days",
            tolerance,
        }
    }

    /// A percentage given in basis points, within ±10% of it (at least half a point).
    pub fn percent(name: &'static str, target_bp: i64, achieved: i64) -> TargetCheck {
        let target = target_bp * 10;
        TargetCheck {
            name,
            target: Some(target),
            achieved,
            unit: "%",
            tolerance: (target.abs() / 10).max(500),
        }
    }

    /// Whether the achieved value is within tolerance; `None` without a target.
    pub fn met(&self) -> Option<bool> {
        self.target
            .map(|t| (self.achieved - t).abs() <= self.tolerance)
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
    pub month_ends: Vec<MonthEnd>,
    pub targets: Vec<TargetCheck>,
}
