//! Fiscal years and monthly reporting periods, and the year-end close.
//!
//! Input: the calendar and the fiscal year start. Output: fiscal year and
//! period rows, and a closing entry at each fiscal year end inside the window.
//! Invariants: periods before `as_of`'s month are closed and locked; after a
//! year-end close every income and expense account is zero and the year's
//! profit sits in retained earnings.

use chrono::{Datelike, Months, NaiveDate};

use super::calendar::{fiscal_year, month_end, month_start};
use super::company::CompanySim;
use super::keys::derived_id;
use super::ledger::{Posting, Source, Violation};
use super::rows::{FiscalYearRow, PeriodRow, Row, RowSink};
use super::setup;
use crate::model::{AccountKind, AccountPurpose};

impl CompanySim<'_> {
    fn fiscal_year_start(&self, year: i32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, self.company.fiscal_year_start_month, 1).expect("valid month")
    }

    /// Emits the fiscal years and monthly periods that the window touches.
    pub(super) fn emit_periods(&self, sink: &mut dyn RowSink, start: NaiveDate, months: u32) {
        let fy_start_month = self.company.fiscal_year_start_month;
        let current = (self.as_of.year(), self.as_of.month());
        let mut year_id = None;
        for offset in 0..months {
            let first = month_start(start, offset);
            let year = fiscal_year(first, fy_start_month);
            if offset == 0 || first.month() == fy_start_month {
                let begins = self.fiscal_year_start(year);
                let ends = begins
                    .checked_add_months(Months::new(12))
                    .and_then(|d| d.pred_opt())
                    .expect("in range");
                let id = derived_id(self.id, "fiscal-year", year as u32);
                sink.row(Row::FiscalYear(&FiscalYearRow {
                    id,
                    company_id: self.id,
                    name: fiscal_year_name(year, fy_start_month),
                    starts_on: begins,
                    ends_on: ends,
                    status: if ends < self.as_of { "closed" } else { "open" },
                }));
                year_id = Some(id);
            }
            let closed = (first.year(), first.month()) < current || self.overlay_locks(first);
            sink.row(Row::Period(&PeriodRow {
                id: derived_id(
                    self.id,
                    "period",
                    (first.year() * 100) as u32 + first.month(),
                ),
                company_id: self.id,
                fiscal_year_id: year_id.expect("set in the first month"),
                name: first.format("%Y-%m").to_string(),
                starts_on: first,
                ends_on: month_end(first),
                status: if closed { "closed" } else { "open" },
                locked: closed,
            }));
        }
    }

    /// At the last month of a fiscal year: moves the year's profit or loss from
    /// every income and expense account to retained earnings.
    pub(super) fn close_year(
        &mut self,
        sink: &mut dyn RowSink,
        first: NaiveDate,
    ) -> Result<(), Violation> {
        let end = month_end(first);
        let next_month = first.checked_add_months(Months::new(1)).expect("in range");
        if end > self.as_of || next_month.month() != self.company.fiscal_year_start_month {
            return Ok(());
        }
        let year = fiscal_year(first, self.company.fiscal_year_start_month);
        let mut postings: Vec<Posting> = self
            .company
            .accounts
            .iter()
            .enumerate()
            .filter(|(_, a)| matches!(a.kind, AccountKind::Income | AccountKind::Expense))
            .map(|(i, _)| (i, -self.ledger.balance(i)))
            .filter(|(_, amount)| !amount.is_zero())
            .collect();
        let profit: crate::model::Money = postings.iter().map(|(_, m)| *m).sum();
        postings.push((
            setup::account_index(self.company, AccountPurpose::RetainedEarnings),
            -profit,
        ));
        let number = format!(
            "CLOSE-{}",
            fiscal_year_name(year, self.company.fiscal_year_start_month)
        );
        let source = Source {
            kind: "year_end_close",
            id: derived_id(self.id, "year-end", year as u32),
            number: &number,
        };
        let description = format!(
            "Year-end close {}: profit to retained earnings",
            fiscal_year_name(year, self.company.fiscal_year_start_month)
        );
        self.ledger.post(sink, end, description, &source, &postings)
    }
}

/// `FY2025` for calendar years, `FY2025/26` for years that straddle two.
fn fiscal_year_name(year: i32, start_month: u32) -> String {
    if start_month == 1 {
        format!("FY{year}")
    } else {
        format!("FY{year}/{:02}", (year + 1) % 100)
    }
}
