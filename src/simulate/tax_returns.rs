//! Periodic tax returns: output tax minus input tax, filed and paid.
//!
//! Input: the tax posted by documents. Output: tax return rows, and the
//! filing and payment entries as dated events. Invariant: at every month end
//! the tax the documents charged and reclaimed, less what returns have settled,
//! equals the tax accounts in the ledger (output, input and amount due).
//!
//! Rounding: tax is computed per document line, half away from zero, and
//! returns add up the lines; nothing is rounded again.

use chrono::{Datelike, Months, NaiveDate};

use super::calendar::{add_days, month_end, next_business_day, previous_business_day};
use super::company::{CompanySim, Effect, Event, PlannedPosting};
use super::keys::derived_id;
use super::ledger::Violation;
use super::rows::{Row, RowSink, TaxReturnRow};
use super::setup;
use crate::model::{AccountPurpose, Country, FilingFrequency, Money};

/// Tax charged on sales and reclaimed on purchases that no return has settled yet.
#[derive(Debug, Default, Clone, Copy)]
pub struct TaxPosition {
    pub output: Money,
    pub input: Money,
    /// Net of returns filed but not yet paid.
    pub filed_unpaid: Money,
}

impl CompanySim<'_> {
    /// Whether `month_first`'s month ends a tax period (periods follow the fiscal year).
    fn ends_tax_period(&self, month_first: NaiveDate) -> bool {
        let months = match self.company.tax_filing.frequency {
            FilingFrequency::Monthly => 1,
            FilingFrequency::Quarterly => 3,
        };
        let from_year_start =
            (month_first.month() + 12 - self.company.fiscal_year_start_month) % 12;
        (from_year_start + 1) % months == 0
    }

    /// At a period's last month end: the return for the period, filed and paid
    /// by its due date.
    pub(super) fn file_tax_return(&mut self, sink: &mut dyn RowSink, first: NaiveDate) {
        let end = month_end(first);
        if end > self.as_of || !self.ends_tax_period(first) {
            return;
        }
        let months = match self.company.tax_filing.frequency {
            FilingFrequency::Monthly => 0,
            FilingFrequency::Quarterly => 2,
        };
        // The first return covers only the part of its period inside the window.
        let period_start = first
            .checked_sub_months(Months::new(months))
            .expect("dates stay in range")
            .max(self.start);
        let (output, input) = (self.tax.output, self.tax.input);
        let net = output - input;
        let due_on = match self.company.country {
            Country::GB => next_business_day(
                add_days(end, 1)
                    .checked_add_months(Months::new(1))
                    .expect("in range")
                    + chrono::Days::new(6),
            ),
            Country::US => next_business_day(
                end.checked_add_days(chrono::Days::new(20))
                    .expect("in range"),
            ),
        };
        let filed_on = previous_business_day(
            add_days(due_on, 0) - chrono::Days::new(u64::from(first.month() % 4)),
        );
        let paid_on = due_on;
        let id = derived_id(
            self.id,
            "tax-return",
            (first.year() * 100) as u32 + first.month(),
        );
        let status = match (filed_on <= self.as_of, paid_on <= self.as_of) {
            (true, true) => "paid",
            (true, false) => "filed",
            _ => "open",
        };
        sink.row(Row::TaxReturn(&TaxReturnRow {
            id,
            company_id: self.id,
            period_start,
            period_end: end,
            output_tax: output,
            input_tax: input,
            net_due: net,
            due_on,
            filed_on: (filed_on <= self.as_of).then_some(filed_on),
            paid_on: (paid_on <= self.as_of).then_some(paid_on),
            status,
        }));
        self.tax.output = Money::ZERO;
        self.tax.input = Money::ZERO;
        self.tax.filed_unpaid += net;
        let label = format!("{}-{:02}", end.year(), end.month());
        let purpose = |p| setup::account_index(self.company, p);
        let payable = purpose(AccountPurpose::TaxPayable);
        let filing = vec![
            (self.accounts.tax_output, output),
            (self.accounts.tax_input, -input),
            (payable, -net),
        ];
        let operating = self.accounts.bank;
        let payment = vec![(payable, net), (operating, -net)];
        let return_name = if self.company.country == Country::GB {
            "VAT return"
        } else {
            "Sales tax return"
        };
        self.schedule(
            filed_on,
            1,
            Event::Posting(Box::new(PlannedPosting {
                effect: Effect::None,
                kind: "tax_return",
                id,
                number: format!("TAX-{label}"),
                description: format!("{return_name} for the period to {end}"),
                postings: filing,
            })),
        );
        self.schedule(
            paid_on,
            3,
            Event::Posting(Box::new(PlannedPosting {
                effect: Effect::TaxPaid(net),
                kind: "tax_payment",
                id: derived_id(id, "payment", 0),
                number: format!("TAX-{label}"),
                description: format!("{return_name} for the period to {end} paid"),
                postings: payment,
            })),
        );
    }

    /// The tax payment clears the amount due.
    pub(super) fn tax_paid(&mut self, net: Money) {
        self.tax.filed_unpaid -= net;
    }

    pub(super) fn check_tax(&self, date: NaiveDate) -> Result<(), Violation> {
        let ledger_due = -(self.ledger.balance(self.accounts.tax_output)
            + self.ledger.balance(self.accounts.tax_input)
            + self.ledger.balance(setup::account_index(
                self.company,
                AccountPurpose::TaxPayable,
            )));
        let documents_due = self.tax.output - self.tax.input + self.tax.filed_unpaid;
        if ledger_due != documents_due {
            return Err(Violation {
                rule: "tax payable ties to its control accounts",
                document: "tax accounts".into(),
                date,
                detail: format!(
                    "documents and returns leave {documents_due} due, the ledger {ledger_due}"
                ),
            });
        }
        Ok(())
    }
}
