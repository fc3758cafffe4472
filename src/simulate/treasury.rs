//! Opening balances, and the company's treasury month by month: bank fees,
//! interest, sweeps to savings and card settlements, then the bank
//! reconciliation.
//!
//! Fees, interest and sweeps are scheduled at the start of each month from
//! the balances known then, so that they post in date order with everything else.

use chrono::{Datelike, NaiveDate};

use super::banking::Opening;
use super::calendar::{add_days, month_end, next_business_day, previous_business_day};
use super::company::{CompanySim, Effect, Event, PlannedPosting};
use super::keys::derived_id;
use super::ledger::{Posting, Source, Violation};
use super::rows::RowSink;
use super::setup;
use crate::model::{AccountPurpose, Bp, Money};

impl CompanySim<'_> {
    fn purpose(&self, purpose: AccountPurpose) -> usize {
        setup::account_index(self.company, purpose)
    }

    /// Opens the bank accounts and posts the balances brought forward: cash,
    /// office equipment and stock, funded by share capital and retained earnings.
    pub(super) fn open_books(
        &mut self,
        sink: &mut dyn RowSink,
        start: NaiveDate,
        stock: Money,
    ) -> Result<(), Violation> {
        let revenue = self.expected_monthly_revenue();
        let operating = Money((revenue.0 * 3 / 100_000).max(10) * 100_000);
        let openings: Vec<Opening> = self
            .company
            .banking
            .accounts
            .iter()
            .enumerate()
            .map(|(i, account)| {
                let gl = self
                    .company
                    .accounts
                    .iter()
                    .position(|a| a.code == account.account_code)
                    .expect("validated bank account code");
                let default = if i == 0 {
                    operating
                } else {
                    Money(operating.0 / 200_000 * 100_000)
                };
                Opening {
                    gl,
                    gl_id: self.account_ids[gl],
                    name: account.name.clone(),
                    balance: account.opening_balance.unwrap_or(default),
                }
            })
            .collect();
        let mut postings: Vec<Posting> = openings.iter().map(|o| (o.gl, o.balance)).collect();
        for o in &openings {
            self.ledger.watch_bank_account(o.gl);
        }
        let currency = self.company.currency.code.clone();
        self.bank.open(sink, &self.key, &currency, openings);
        let equipment = Money((revenue.0 / 100_000).max(5) * 100_000);
        postings.push((self.purpose(AccountPurpose::FixedAssets), equipment));
        postings.push((self.purpose(AccountPurpose::Inventory), stock));
        let assets: Money = postings.iter().map(|(_, m)| *m).sum();
        let capital = Money((assets.0 / 10 / 100_000).max(1) * 100_000);
        postings.push((self.accounts.capital, -capital));
        postings.push((
            self.purpose(AccountPurpose::RetainedEarnings),
            capital - assets,
        ));
        let source = Source {
            kind: "opening_balance",
            id: self.id,
            number: "OPENING",
        };
        self.ledger.post(
            sink,
            start,
            "Opening balances brought forward".into(),
            &source,
            &postings,
        )
    }

    /// The bank's fee, interest on each account, and a sweep of surplus cash to
    /// savings, all on the month's last business day.
    pub(super) fn schedule_treasury(&mut self, first: NaiveDate) {
        let day = previous_business_day(month_end(first));
        let label = first.format("%Y-%m").to_string();
        let month = (first.year() * 100) as u32 + first.month();
        let banks = self.bank.gl_accounts();
        let operating = banks[0];
        let fee = self.company.banking.monthly_fee;
        if !fee.is_zero() {
            let postings = vec![
                (self.purpose(AccountPurpose::BankCharges), fee),
                (operating, -fee),
            ];
            self.plan(
                day,
                "bank_fee",
                derived_id(self.id, "bank-fee", month),
                format!("FEE-{label}"),
                format!("Bank account fee {label}"),
                postings,
            );
        }
        let rate = self.company.banking.interest_rate;
        for (i, &bank) in banks.iter().enumerate() {
            let balance = self.ledger.balance(bank);
            let interest = Money(balance.apply(rate).0 / 12);
            if interest.0 > 0 {
                let postings = vec![
                    (bank, interest),
                    (self.purpose(AccountPurpose::InterestIncome), -interest),
                ];
                let id = derived_id(self.id, "interest", month * 10 + i as u32);
                self.plan(
                    day,
                    "interest",
                    id,
                    format!("INT-{label}-{}", i + 1),
                    format!("Interest {label}"),
                    postings,
                );
            }
        }
        if let Some(&savings) = banks.get(1) {
            let cushion = Money(self.expected_monthly_revenue().0 * 2);
            let surplus = self.ledger.balance(operating) - cushion;
            let sweep = Money(surplus.apply(Bp(2_500)).0 / 100_000 * 100_000);
            if sweep.0 > 0 {
                let postings = vec![(savings, sweep), (operating, -sweep)];
                self.plan(
                    day,
                    "transfer",
                    derived_id(self.id, "sweep", month),
                    format!("TRF-{label}"),
                    format!("Transfer surplus cash to savings {label}"),
                    postings,
                );
            }
        }
    }

    /// Settles the month's card spending from the operating account twelve days
    /// after the card statement.
    pub(super) fn schedule_card_settlement(&mut self, first: NaiveDate) {
        let Some(card) = self.card else { return };
        let owed = -self.ledger.balance(card);
        if owed.0 <= 0 {
            return;
        }
        let label = first.format("%Y-%m").to_string();
        let month = (first.year() * 100) as u32 + first.month();
        let day = next_business_day(add_days(month_end(first), 12));
        let operating = self.bank.gl_accounts()[0];
        let postings = vec![(card, owed), (operating, -owed)];
        self.plan(
            day,
            "card_settlement",
            derived_id(self.id, "card", month),
            format!("CARD-{label}"),
            format!("Card statement {label} settled"),
            postings,
        );
    }

    fn plan(
        &mut self,
        date: NaiveDate,
        kind: &'static str,
        id: uuid::Uuid,
        number: String,
        description: String,
        postings: Vec<Posting>,
    ) {
        let planned = PlannedPosting {
            effect: Effect::None,
            kind,
            id,
            number,
            description,
            postings,
        };
        self.schedule(date, 2, Event::Posting(Box::new(planned)));
    }

    /// Statement lines for the month's bank movements, then the reconciliation.
    /// Returns each account's book balance by chart code.
    pub(super) fn reconcile_banks(
        &mut self,
        sink: &mut dyn RowSink,
        cutoff: NaiveDate,
    ) -> Result<Vec<(String, Money)>, Violation> {
        let movements = self.ledger.take_bank_movements();
        self.bank.record(sink, movements);
        let books = self.bank.reconcile(sink, &self.ledger, cutoff)?;
        let codes = self
            .company
            .banking
            .accounts
            .iter()
            .map(|a| a.account_code.clone());
        Ok(codes.zip(books).collect())
    }
}
