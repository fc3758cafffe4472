//! `demoforge preview`: a demo tenant's books as of any date, without a database.
//!
//! Input: a validated [`Scenario`] and a date on or after the window start.
//! Output: a [`Preview`] per scenario (trial balance, P&L by month, balance
//! sheet, cash position and AR/AP aging for every company) and its table, JSON
//! and HTML renderings. Invariants: pure and deterministic (no clock, ordered
//! collections); money stays in integer minor units, in JSON as decimal strings.

mod collect;
pub mod format;
mod html;
mod json;
pub mod offset;
mod table;

use chrono::NaiveDate;
use serde::Serialize;

use crate::model::MoveError;
use crate::model::{AccountKind, Money, Scenario};
use crate::simulate::{self, Aging, Violation};

pub use offset::{AtSpec, parse_at};

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum PreviewError {
    #[error("the simulation broke an accounting invariant")]
    Unsound(#[from] Violation),
    #[error("cannot preview {what}")]
    #[diagnostic(help("this is a bug in demoforge's preview; please report it with the spec"))]
    Inconsistent { what: String },
    #[error("--at {date} is before the scenario's first day {start}")]
    #[diagnostic(help("pass a date on or after {start}"))]
    BeforeWindow { date: NaiveDate, start: NaiveDate },
    #[error("--at {date} is too far beyond the scenario's as_of")]
    #[diagnostic(help("pass a date on or before {latest} (as_of plus three years)"))]
    TooLate { date: NaiveDate, latest: NaiveDate },
}

/// An amount in minor units; serialised as a decimal string (`"1234.56"`) so
/// that JSON readers never see a float.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Amount(pub i64);

impl Serialize for Amount {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&Money(self.0))
    }
}

impl From<Money> for Amount {
    fn from(m: Money) -> Amount {
        Amount(m.0)
    }
}

impl std::ops::AddAssign for Amount {
    fn add_assign(&mut self, rhs: Amount) {
        self.0 += rhs.0;
    }
}

/// Dates as `YYYY-MM-DD`, without chrono's serde feature.
fn date<S: serde::Serializer>(d: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&d.format("%Y-%m-%d"))
}

/// The whole report: one section set per company.
#[derive(Debug, Clone, Serialize)]
pub struct Preview {
    pub scenario: String,
    #[serde(serialize_with = "date")]
    pub as_of: NaiveDate,
    #[serde(serialize_with = "date")]
    pub window_start: NaiveDate,
    pub companies: Vec<CompanyPreview>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CompanyPreview {
    pub name: String,
    pub currency: String,
    pub trial_balance: TrialBalance,
    pub profit_and_loss: Vec<MonthPl>,
    pub balance_sheet: BalanceSheet,
    pub cash: Cash,
    pub receivables: AgingReport,
    pub payables: AgingReport,
}

#[derive(Debug, Clone, Serialize)]
pub struct TrialBalance {
    pub lines: Vec<TrialLine>,
    pub total_debit: Amount,
    pub total_credit: Amount,
}

#[derive(Debug, Clone, Serialize)]
pub struct TrialLine {
    pub code: String,
    pub name: String,
    pub kind: &'static str,
    pub debit: Amount,
    pub credit: Amount,
}

/// Income and expenses posted in one calendar month, year-end closes excluded.
#[derive(Debug, Clone, Serialize)]
pub struct MonthPl {
    /// `YYYY-MM`.
    pub month: String,
    pub income: Amount,
    pub expenses: Amount,
    pub profit: Amount,
}

/// Natural signs: assets debit-positive, liabilities and equity credit-positive.
#[derive(Debug, Clone, Serialize)]
pub struct BalanceSheet {
    pub assets: Vec<BalanceLine>,
    pub total_assets: Amount,
    pub liabilities: Vec<BalanceLine>,
    pub total_liabilities: Amount,
    pub equity: Vec<BalanceLine>,
    /// Income less expenses since the last year-end close.
    pub current_year_profit: Amount,
    pub total_equity: Amount,
    pub total_liabilities_and_equity: Amount,
}

#[derive(Debug, Clone, Serialize)]
pub struct BalanceLine {
    pub code: String,
    pub name: String,
    pub amount: Amount,
}

#[derive(Debug, Clone, Serialize)]
pub struct Cash {
    pub accounts: Vec<CashLine>,
    /// Bank balances plus the (usually negative) credit card balance.
    pub net: Amount,
    /// Book cash in bank accounts at each month end of the window (the last
    /// at the preview date), for the cash chart.
    pub month_ends: Vec<CashPoint>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CashLine {
    pub code: String,
    pub name: String,
    /// `bank` or `credit_card`.
    pub kind: &'static str,
    /// Debit-positive: a card balance owed is negative.
    pub balance: Amount,
}

#[derive(Debug, Clone, Serialize)]
pub struct CashPoint {
    #[serde(serialize_with = "date")]
    pub date: NaiveDate,
    pub balance: Amount,
}

#[derive(Debug, Clone, Serialize)]
pub struct AgingReport {
    pub current: Amount,
    #[serde(rename = "1-30")]
    pub days_1_30: Amount,
    #[serde(rename = "31-60")]
    pub days_31_60: Amount,
    #[serde(rename = "61-90")]
    pub days_61_90: Amount,
    #[serde(rename = "90+")]
    pub over_90: Amount,
    pub total: Amount,
}

impl AgingReport {
    fn from_aging(aging: &Aging) -> AgingReport {
        let b = aging.buckets;
        AgingReport {
            current: b[0].into(),
            days_1_30: b[1].into(),
            days_31_60: b[2].into(),
            days_61_90: b[3].into(),
            over_90: b[4].into(),
            total: aging.total().into(),
        }
    }

    /// (label, amount) in bucket order.
    pub fn buckets(&self) -> [(&'static str, Amount); 5] {
        [
            ("current", self.current),
            ("1-30", self.days_1_30),
            ("31-60", self.days_31_60),
            ("61-90", self.days_61_90),
            ("90+", self.over_90),
        ]
    }
}

/// The output format of a preview.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Html,
}

impl Preview {
    /// Simulates `scenario` up to `at` (its own as_of when `None`) and
    /// gathers the report.
    pub fn compute(scenario: &Scenario, at: Option<NaiveDate>) -> Result<Preview, PreviewError> {
        let start = scenario.calendar.start();
        let moved;
        let scenario = match at {
            Some(date) => {
                moved = scenario.at(date).map_err(|e| match e {
                    MoveError::BeforeWindow { start } => PreviewError::BeforeWindow { date, start },
                    MoveError::TooLate { latest } => PreviewError::TooLate { date, latest },
                })?;
                &moved
            }
            None => scenario,
        };
        let as_of = scenario.calendar.as_of;
        let mut collector = collect::Collector::new(start, scenario.calendar.months);
        let books = simulate::run(scenario, &mut collector)?;
        let companies = collector.finish(books, as_of)?;
        Ok(Preview {
            scenario: scenario.slug.clone(),
            as_of,
            window_start: start,
            companies,
        })
    }

    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Table => table::render(self),
            Format::Json => json::render(self),
            Format::Html => html::render(self),
        }
    }
}

pub(crate) fn kind_key(kind: AccountKind) -> &'static str {
    kind.key()
}
