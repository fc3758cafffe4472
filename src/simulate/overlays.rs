//! Scenario overlays applied by the simulation at `as_of`.
//!
//! Input: the scenario's [`Overlay`]s. Output: the extra rows and postings each
//! overlay implies. Invariants: every overlay effect posts balanced entries
//! through the ledger and keeps the month-end checks (subledgers, tax, bank
//! reconciliation) true; nothing before the overlay's own window changes.
//!
//! - cash-crunch: the largest customers' payments falling in the last
//!   `late_days` move `late_days` later; an unexpected bill, paid by direct
//!   debit on `as_of`, is sized so that the operating account ends overdrawn.
//! - quarter-close: an accrual on `as_of`, the current month's bank
//!   reconciliation finished, the fiscal quarter's periods to `as_of` locked,
//!   and the tax return for the tax period (month or quarter) filed on `as_of`.

use chrono::{Datelike, Months, NaiveDate};

use super::calendar::{add_days, month_end, next_business_day};
use super::company::{BillLine, CompanySim};
use super::keys::derived_id;
use super::ledger::{Posting, Source, Violation};
use super::plans::Plan;
use super::rows::{Row, RowSink, TaxReturnRow};
use super::setup;
use crate::model::{AccountPurpose, Country, FilingFrequency, Money, SpendCategory};

impl CompanySim<'_> {
    /// The customers the cash-crunch overlay makes late: the largest by weight.
    pub(super) fn choose_late_customers(&mut self) {
        let Some(crunch) = self.overlays.iter().find_map(|o| o.cash_crunch()) else {
            return;
        };
        let mut order: Vec<usize> = (0..self.customers.len()).collect();
        order.sort_by_key(|&i| (std::cmp::Reverse(self.customers[i].weight_milli), i));
        order.truncate(crunch.late_customers as usize);
        order.sort_unstable();
        self.late_customers = order;
    }

    /// Pushes a late customer's settlements in the crunch window back.
    pub(super) fn delay_for_crunch(&self, customer: usize, plan: &mut Plan) {
        let Some(crunch) = self.overlays.iter().find_map(|o| o.cash_crunch()) else {
            return;
        };
        if self.late_customers.binary_search(&customer).is_err() {
            return;
        }
        let from = self.as_of - chrono::Days::new(u64::from(crunch.late_days));
        for s in plan.settlements.iter_mut().filter(|s| s.date > from) {
            s.date = next_business_day(add_days(s.date, crunch.late_days));
        }
        if let Some(w) = plan.write_off.as_mut().filter(|w| **w > from) {
            *w = add_days(*w, crunch.late_days);
        }
    }

    /// Whether the quarter-close overlay locks the period starting `first`.
    pub(super) fn overlay_locks(&self, first: NaiveDate) -> bool {
        self.overlays.iter().any(|o| o.quarter_close().is_some())
            && first <= self.as_of
            && first >= self.period_start(self.as_of, 3)
    }

    /// First day of the tax period (month or fiscal quarter) holding `date`.
    fn tax_period_start(&self, date: NaiveDate) -> NaiveDate {
        let months = match self.company.tax_filing.frequency {
            FilingFrequency::Monthly => 1,
            FilingFrequency::Quarterly => 3,
        };
        self.period_start(date, months)
    }

    /// First day of the `months`-long fiscal period holding `date`.
    fn period_start(&self, date: NaiveDate, months: u32) -> NaiveDate {
        let into_year = (date.month() + 12 - self.company.fiscal_year_start_month) % 12;
        date.with_day(1)
            .expect("day 1")
            .checked_sub_months(Months::new(into_year % months))
            .expect("in range")
    }

    /// Runs every overlay's effects on `as_of`, after the day's events.
    pub(super) fn apply_overlays(&mut self, sink: &mut dyn RowSink) -> Result<(), Violation> {
        for index in 0..self.overlays.len() {
            let overlay = self.overlays[index].clone();
            if let Some(crunch) = overlay.cash_crunch() {
                self.unexpected_bill(sink, &overlay.name, crunch)?;
            }
            if let Some(close) = overlay.quarter_close() {
                self.accrue(sink, close)?;
                self.file_early_return(sink)?;
            }
        }
        Ok(())
    }

    fn unexpected_bill(
        &mut self,
        sink: &mut dyn RowSink,
        name: &str,
        crunch: &crate::model::CashCrunch,
    ) -> Result<(), Violation> {
        let bank_paid = |v: &super::parties::Party| v.method != "card";
        let vendor = self
            .vendors
            .iter()
            .position(|v| v.spend == Some(crunch.bill_category) && bank_paid(v))
            .or_else(|| self.vendors.iter().position(bank_paid));
        let Some(vendor) = vendor else {
            return Ok(());
        };
        let monthly: Money = self.vendor_budgets.iter().copied().sum();
        let planned = monthly.times(i64::from(crunch.bill_months));
        let bank = self.ledger.balance(self.accounts.bank);
        // Large enough that the account ends at or below the overdraft.
        let needed = bank - crunch.overdraft;
        let net = Money((planned.0.max(needed.0).max(100) + 99) / 100 * 100);
        let key = self.key.child("overlay").child(name).child("bill");
        let mut rng = key.stream(self.seed);
        let lines = vec![BillLine {
            product: None,
            description: "Unexpected one-off charge".into(),
            quantity: 1,
            unit_price: net,
        }];
        let account =
            setup::account_index(self.company, AccountPurpose::Spend(crunch.bill_category));
        let tax = setup::tax_index(
            self.company,
            super::company::bill_tax_kind(crunch.bill_category, self.company.country),
        );
        self.pay_next_bill_on = Some(self.as_of);
        self.book_bill(
            sink, "BILL", self.as_of, vendor, key, &mut rng, lines, account, tax,
        );
        self.apply_events(sink, self.as_of)
    }

    fn accrue(
        &mut self,
        sink: &mut dyn RowSink,
        close: &crate::model::QuarterClose,
    ) -> Result<(), Violation> {
        let fees = SpendCategory::ProfessionalFees;
        let monthly: Money = self
            .vendors
            .iter()
            .zip(&self.vendor_budgets)
            .filter(|(v, _)| v.spend == Some(fees))
            .map(|(_, b)| *b)
            .sum();
        let amount = Money((monthly.0 * i64::from(close.accrual_months)).max(10_000) / 100 * 100);
        let expense = setup::account_index(self.company, AccountPurpose::Spend(fees));
        let accrued = self
            .company
            .accounts
            .iter()
            .position(|a| a.code == close.accruals_account)
            .expect("Scenario::with_overlays adds the accruals account");
        let postings: Vec<Posting> = vec![(expense, amount), (accrued, -amount)];
        let stamp = (self.as_of.year() * 100) as u32 + self.as_of.month();
        let number = format!("ACCR-{}", self.as_of.format("%Y-%m"));
        let source = Source {
            kind: "accrual",
            id: derived_id(self.id, "accrual", stamp),
            number: &number,
        };
        self.ledger.post(
            sink,
            self.as_of,
            format!("Quarter-end accrual: professional fees to {}", self.as_of),
            &source,
            &postings,
        )
    }

    /// Files the return for the tax period holding `as_of`, on `as_of`.
    fn file_early_return(&mut self, sink: &mut dyn RowSink) -> Result<(), Violation> {
        let start = self.tax_period_start(self.as_of).max(self.start);
        let months = match self.company.tax_filing.frequency {
            FilingFrequency::Monthly => 0,
            FilingFrequency::Quarterly => 2,
        };
        let last_first = self
            .tax_period_start(self.as_of)
            .checked_add_months(Months::new(months))
            .expect("in range");
        let end = month_end(last_first);
        if end == self.as_of {
            // The regular month-end filing covers it.
            return Ok(());
        }
        let (output, input) = (self.tax.output, self.tax.input);
        let net = output - input;
        let due_on = match self.company.country {
            Country::GB => next_business_day(add_days(end, 38)),
            Country::US => next_business_day(add_days(end, 20)),
        };
        let id = derived_id(
            self.id,
            "tax-return",
            (last_first.year() * 100) as u32 + last_first.month(),
        );
        sink.row(Row::TaxReturn(&TaxReturnRow {
            id,
            company_id: self.id,
            period_start: start,
            period_end: end,
            output_tax: output,
            input_tax: input,
            net_due: net,
            due_on,
            filed_on: Some(self.as_of),
            paid_on: None,
            status: "filed",
        }));
        self.tax.output = Money::ZERO;
        self.tax.input = Money::ZERO;
        self.tax.filed_unpaid += net;
        let payable = setup::account_index(self.company, AccountPurpose::TaxPayable);
        let postings: Vec<Posting> = vec![
            (self.accounts.tax_output, output),
            (self.accounts.tax_input, -input),
            (payable, -net),
        ];
        let number = format!("TAX-{}-{:02}", end.year(), end.month());
        let source = Source {
            kind: "tax_return",
            id,
            number: &number,
        };
        self.ledger.post(
            sink,
            self.as_of,
            format!("Tax return for the period to {end}, filed early at quarter close"),
            &source,
            &postings,
        )
    }
}
