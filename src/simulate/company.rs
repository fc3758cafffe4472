//! One company's books, month by month.
//!
//! Each month, every customer and vendor draws its new documents from its own
//! stream; documents are numbered in date order and their settlements are
//! scheduled as future events. Events up to the month's end (and never past
//! `as_of`) are applied in date order, and the month-end invariants are checked.
//! Memory holds only open documents and pending events, never past months.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use uuid::Uuid;

use super::books::{Aging, CompanyBooks, MonthEnd};
use super::calendar::{
    add_days, days_between, days_in_month, fiscal_year, month_end, month_start, next_business_day,
    previous_business_day,
};
use super::catalog::{CatalogContext, Product};
use super::draw::{between, weighted};
use super::keys::{Key, derived_id};
use super::ledger::{Ledger, Posting, Source, Violation};
use super::parties::{Party, PartyContext};
use super::plans::{Payer, Plan, Settlement, settlements};
use super::rows::{AllocationRow, DocumentRow, LineRow, PaymentRow, Row, RowSink};
use super::{catalog, parties, setup};
use crate::model::{
    AccountPurpose, Bp, Company, Country, Industry, Money, Scenario, SpendCategory, TaxKind,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Receivable,
    Payable,
}

/// A document that still matters: money is open on it or events are pending.
struct OpenDoc {
    side: Side,
    key: Key,
    id: Uuid,
    number: String,
    party: usize,
    /// Signed effect on the control account: negative for credit notes.
    open: Money,
    paid: Money,
    due: NaiveDate,
    pending: u32,
}

pub(super) enum Event {
    /// A dated journal entry that is not about a document (a card settlement,
    /// a tax payment, a payroll remittance).
    Posting(Box<PlannedPosting>),
    Post {
        doc: u64,
        postings: Vec<Posting>,
        description: String,
    },
    Settle {
        doc: u64,
        n: u32,
        amount: Money,
    },
    Credit {
        invoice: u64,
        plan: CreditPlan,
    },
    Refund {
        credit: u64,
    },
    /// The rest of a customer's debt is written off as bad.
    WriteOff {
        doc: u64,
    },
}

impl Event {
    /// The open document the event concerns, if any.
    fn document(&self) -> Option<u64> {
        match self {
            Event::Post { doc, .. } | Event::Settle { doc, .. } => Some(*doc),
            Event::Credit { invoice, .. } => Some(*invoice),
            Event::Refund { credit } => Some(*credit),
            Event::WriteOff { doc } => Some(*doc),
            Event::Posting(_) => None,
        }
    }
}

/// What a planned posting settles besides the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Effect {
    None,
    TaxPaid(Money),
    PayrollRemitted(Money),
}

/// A document just issued, before it is tracked.
struct Issued {
    side: Side,
    key: Key,
    id: Uuid,
    number: String,
    party: usize,
    date: NaiveDate,
    due: NaiveDate,
}

/// One line of a bill, before tax.
pub(super) struct BillLine {
    pub product: Option<Uuid>,
    pub description: String,
    pub quantity: u32,
    pub unit_price: Money,
}

pub(super) struct PlannedPosting {
    pub effect: Effect,
    pub kind: &'static str,
    pub id: Uuid,
    pub number: String,
    pub description: String,
    pub postings: Vec<Posting>,
}

pub(super) struct CreditPlan {
    net: Money,
    tax: usize,
    account: usize,
    product: Uuid,
    description: String,
    refund_date: NaiveDate,
}

/// Accounts by purpose, as chart positions.
pub(super) struct Accounts {
    pub(super) bank: usize,
    pub(super) receivable: usize,
    pub(super) payable: usize,
    pub(super) tax_output: usize,
    pub(super) tax_input: usize,
    pub(super) capital: usize,
}

pub struct CompanySim<'a> {
    pub(super) seed: u64,
    pub(super) as_of: NaiveDate,
    pub(super) company: &'a Company,
    pub(super) key: Key,
    pub(super) id: Uuid,
    pub(super) accounts: Accounts,
    pub(super) account_ids: Vec<Uuid>,
    pub(super) tax_ids: Vec<Uuid>,
    pub(super) ledger: Ledger,
    pub(super) products: Vec<Product>,
    pub(super) product_weights: Vec<u32>,
    pub(super) customers: Vec<Party>,
    pub(super) vendors: Vec<Party>,
    /// Monthly spend per vendor (before seasonality), by vendor position.
    pub(super) vendor_budgets: Vec<Money>,
    docs: BTreeMap<u64, OpenDoc>,
    pub(super) events: BTreeMap<(NaiveDate, u8, u64), Event>,
    pub(super) next_seq: u64,
    pub(super) numbering: BTreeMap<&'static str, (i32, u32)>,
    pub(super) month_ends: Vec<MonthEnd>,
    /// The last month end whose books were checked; nothing may be dated on
    /// or before it any more.
    pub(super) closed_through: Option<NaiveDate>,
    pub(super) bank: super::banking::BankBook,
    pub(super) card: Option<usize>,
    pub(super) tax: super::tax_returns::TaxPosition,
    pub(super) payroll: super::payroll::PayrollState,
    pub(super) stock: super::inventory::Stock,
    pub(super) pacing: super::targets::Pacing,
    /// First day of the simulated window.
    pub(super) start: NaiveDate,
    /// Overlays layered on at `as_of` (see `overlays.rs`).
    pub(super) overlays: Vec<crate::model::Overlay>,
    /// Customers the cash-crunch overlay makes late, sorted.
    pub(super) late_customers: Vec<usize>,
    /// Pays the next booked bill in full on this date (an overlay's direct debit).
    pub(super) pay_next_bill_on: Option<NaiveDate>,
}

impl<'a> CompanySim<'a> {
    pub fn new(scenario: &Scenario, company: &'a Company, sink: &mut dyn RowSink) -> Self {
        let key = Key::root(&scenario.slug).child(&company.key);
        let id = key.id();
        let start = scenario.calendar.start();
        setup::emit_company(sink, company, id, start);
        setup::emit_people(sink, company, &key, id, start);
        let account_ids = setup::account_ids(company, &key);
        setup::emit_accounts(sink, company, &account_ids, id);
        let tax_ids = setup::tax_ids(company, &key);
        setup::emit_tax_rates(sink, company, &tax_ids, id);
        let purpose = |p| setup::account_index(company, p);
        let accounts = Accounts {
            bank: purpose(AccountPurpose::Bank),
            receivable: purpose(AccountPurpose::AccountsReceivable),
            payable: purpose(AccountPurpose::AccountsPayable),
            tax_output: purpose(AccountPurpose::TaxOutput),
            tax_input: purpose(AccountPurpose::TaxInput),
            capital: purpose(AccountPurpose::ShareCapital),
        };
        let ledger = Ledger::new(id, account_ids.clone(), company.fiscal_year_start_month);
        let mut sim = CompanySim {
            seed: scenario.seed,
            as_of: scenario.calendar.as_of,
            company,
            key,
            id,
            accounts,
            account_ids,
            tax_ids,
            ledger,
            products: Vec::new(),
            product_weights: Vec::new(),
            customers: Vec::new(),
            vendors: Vec::new(),
            vendor_budgets: Vec::new(),
            docs: BTreeMap::new(),
            events: BTreeMap::new(),
            next_seq: 0,
            numbering: BTreeMap::new(),
            month_ends: Vec::new(),
            closed_through: None,
            bank: super::banking::BankBook::new(scenario.seed, id, scenario.calendar.as_of),
            card: None,
            tax: Default::default(),
            payroll: Default::default(),
            stock: Default::default(),
            pacing: Default::default(),
            start,
            overlays: scenario.overlays.clone(),
            late_customers: Vec::new(),
            pay_next_bill_on: None,
        };
        sim.bank.close_current = scenario
            .overlays
            .iter()
            .any(|o| o.quarter_close().is_some());
        sim.create_products(sink);
        sim.create_parties(sink, start);
        sim.pacing = super::targets::Pacing::new(sim.seed, company, &sim.customers, &sim.vendors);
        sim.choose_late_customers();
        sim.hire(sink, start);
        sim.open_stock(sink, start);
        sim.emit_periods(sink, start, scenario.calendar.months);
        sim
    }

    fn create_products(&mut self, sink: &mut dyn RowSink) {
        let company = self.company;
        let tax_for = |kind| setup::tax_index(company, kind);
        let ctx = CatalogContext {
            seed: self.seed,
            company_id: self.id,
            industry: company.industry,
            catalog: &company.catalog,
            tax_for: &tax_for,
            tax_ids: &self.tax_ids,
            service_account: setup::account_index(company, AccountPurpose::ServiceRevenue),
            goods_account: setup::account_index(company, AccountPurpose::GoodsRevenue),
            account_ids: &self.account_ids,
        };
        for (product, row) in catalog::products(&ctx, &self.key) {
            sink.row(Row::Product(&row));
            self.product_weights.push(product.weight);
            self.products.push(product);
        }
    }

    fn create_parties(&mut self, sink: &mut dyn RowSink, created_on: NaiveDate) {
        let c = self.company;
        let mut ctx = PartyContext {
            seed: self.seed,
            company_id: self.id,
            country: c.country,
            industry: c.industry,
            created_on,
            terms: &c.customers.payment_terms,
            payers: c.customers.payers,
        };
        for index in 1..=c.customers.count {
            let (party, row) = parties::customer(&ctx, &self.key, index);
            sink.row(Row::Customer(&row));
            self.customers.push(party);
        }
        ctx.terms = &c.vendors.payment_terms;
        ctx.payers = c.vendors.payers;
        for index in 1..=c.vendors.count {
            let spend = spend_for_vendor(index);
            let account = setup::account_index(c, AccountPurpose::Spend(spend));
            let (party, row) =
                parties::vendor(&ctx, &self.key, index, spend, self.account_ids[account]);
            sink.row(Row::Vendor(&row));
            self.vendors.push(party);
        }
        if c.banking.credit_card.is_some() {
            self.card = Some(setup::account_index(c, AccountPurpose::CreditCard));
            for vendor in &mut self.vendors {
                if matches!(
                    vendor.spend,
                    Some(
                        SpendCategory::OfficeSupplies
                            | SpendCategory::Travel
                            | SpendCategory::Software
                    )
                ) {
                    vendor.method = "card";
                }
            }
        }
        self.vendor_budgets = self.vendor_budgets();
    }

    /// Expected net revenue per month, from the catalog and the customer profile.
    pub(super) fn expected_monthly_revenue(&self) -> Money {
        self.expected_revenue_from(|_| true)
    }

    /// Expected net revenue per month from the products `which` selects.
    fn expected_revenue_from(&self, which: impl Fn(&Product) -> bool) -> Money {
        let total_weight: i64 = self.product_weights.iter().map(|&w| i64::from(w)).sum();
        let weighted_line: i64 = self
            .products
            .iter()
            .filter(|p| which(p))
            .map(|p| p.unit_price.0 * i64::from(p.weight) * if p.goods { 45 } else { 13 } / 10)
            .sum();
        let line = weighted_line / total_weight.max(1);
        let c = &self.company.customers;
        Money(line * 175 / 100 * i64::from(c.count) * i64::from(c.invoices_per_month.0) / 1000)
    }

    /// Splits each spend category's share of revenue over its vendors. Goods
    /// are costed from stock, so cost-of-sales suppliers follow service revenue.
    fn vendor_budgets(&self) -> Vec<Money> {
        let revenue = self.expected_monthly_revenue();
        let services = self.expected_revenue_from(|p| !p.goods);
        let count = |cat| self.vendors.iter().filter(|v| v.spend == Some(cat)).count() as i64;
        self.vendors
            .iter()
            .map(|v| {
                let cat = v.spend.expect("vendors have a spend category");
                let share = spend_share(cat, self.company.industry);
                let base = if cat == SpendCategory::CostOfSales {
                    services
                } else {
                    revenue
                };
                Money(base.apply(share).0 / count(cat).max(1))
            })
            .collect()
    }

    pub fn open(&mut self, sink: &mut dyn RowSink, start: NaiveDate) -> Result<(), Violation> {
        self.open_books(sink, start, self.stock.opening_value)
    }

    pub fn simulate_month(
        &mut self,
        sink: &mut dyn RowSink,
        start: NaiveDate,
        offset: u32,
    ) -> Result<(), Violation> {
        let first = month_start(start, offset);
        self.pacing.observe_month(offset);
        self.schedule_treasury(first);
        self.run_payroll(sink, first, self.start)?;
        self.issue_invoices(sink, first, offset);
        self.issue_bills(sink, first, offset);
        let cutoff = month_end(first).min(self.as_of);
        self.apply_events(sink, cutoff)?;
        self.receive_stock(sink, cutoff);
        self.apply_events(sink, cutoff)?;
        if cutoff == self.as_of && !self.overlays.is_empty() {
            self.apply_overlays(sink)?;
        }
        self.count_stock(sink, first, cutoff)?;
        self.file_tax_return(sink, first);
        self.schedule_remittance(first);
        self.close_year(sink, first)?;
        self.schedule_card_settlement(first);
        let banks = self.reconcile_banks(sink, cutoff)?;
        let month_end = self.check_month_end(cutoff, banks)?;
        self.check_tax(cutoff)?;
        self.check_payroll(cutoff)?;
        self.check_stock(cutoff)?;
        self.month_ends.push(month_end);
        self.closed_through = Some(cutoff);
        Ok(())
    }

    fn demand_milli(&self, base: u32, weight: u32, first: NaiveDate, offset: u32) -> u64 {
        let season = u64::from(self.company.activity.seasonality[first.month0() as usize]);
        let growth = self.pacing.growth_ppm(offset);
        u64::from(base) * u64::from(weight) / 1000 * season / 1000 * growth / 1_000_000
    }

    /// Months from the window start to `date`'s month.
    fn offset_of(&self, date: NaiveDate) -> usize {
        ((date.year() - self.start.year()) * 12 + date.month() as i32 - self.start.month() as i32)
            .max(0) as usize
    }

    fn issue_invoices(&mut self, sink: &mut dyn RowSink, first: NaiveDate, offset: u32) {
        let mut new = Vec::new();
        let month = first.format("%Y%m").to_string();
        for i in 0..self.customers.len() {
            let customer = &self.customers[i];
            let key = customer.key.child("invoice").child(&month);
            let mean = self.demand_milli(
                self.company.customers.invoices_per_month.0,
                customer.weight_milli,
                first,
                offset,
            );
            for k in 1..=self.pacing.invoices_for(i, mean) {
                let doc_key = key.child(k);
                let mut doc_rng = doc_key.stream(self.seed);
                let date = day_in_month(&mut doc_rng, first);
                if date <= self.as_of {
                    new.push((date, i, doc_key, doc_rng));
                }
            }
        }
        new.sort_by(|a, b| (a.0, a.1, &a.2).cmp(&(b.0, b.1, &b.2)));
        self.pacing.invoices[offset as usize] += new.len() as u64;
        for (date, customer, key, mut rng) in new {
            self.issue_invoice(sink, date, customer, key, &mut rng);
        }
    }

    fn issue_invoice(
        &mut self,
        sink: &mut dyn RowSink,
        date: NaiveDate,
        customer: usize,
        key: Key,
        rng: &mut rand_chacha::ChaCha8Rng,
    ) {
        let id = key.id();
        let n_lines = 1 + weighted(rng, &[50, 30, 15, 5]) as u32;
        let mut postings: Vec<Posting> = Vec::new();
        let mut chosen = Vec::with_capacity(n_lines as usize);
        for _ in 0..n_lines {
            let index = weighted(rng, &self.product_weights);
            let wanted = if self.products[index].goods {
                between(rng, 1, 8)
            } else {
                1 + weighted(rng, &[70, 20, 10]) as u32
            };
            let (sold, cost_of_sales) = self.issue_stock(sink, date, index, wanted, id);
            postings.extend(cost_of_sales);
            match (sold, self.substitute_service(rng)) {
                (0, Some(service)) => chosen.push((service, 1)),
                (0, None) => {}
                (sold, _) => chosen.push((index, sold)),
            }
        }
        if chosen.is_empty() {
            // Everything asked for was out of stock and nothing else is sold.
            return;
        }
        let number = self.next_number("INV", date);
        let party = &self.customers[customer];
        let due = add_days(date, party.terms_days);
        let (mut subtotal, mut tax_total) = (Money::ZERO, Money::ZERO);
        let mut first_line = None;
        for (n, &(index, quantity)) in chosen.iter().enumerate() {
            let line_no = n as u32 + 1;
            let product = &self.products[index];
            let net = product.unit_price.times(i64::from(quantity));
            let tax = net.apply(self.company.tax_rates[product.tax].rate);
            subtotal += net;
            tax_total += tax;
            postings.push((product.income_account, -net));
            sink.row(Row::InvoiceLine(&LineRow {
                id: derived_id(id, "line", line_no),
                company_id: self.id,
                document_id: id,
                line_no,
                product_id: Some(product.id),
                description: product.name.clone(),
                quantity,
                unit_price: product.unit_price,
                net_amount: net,
                tax_rate_id: self.tax_ids[product.tax],
                tax_amount: tax,
                account_id: self.account_ids[product.income_account],
            }));
            first_line.get_or_insert((
                net,
                product.tax,
                product.income_account,
                product.id,
                product.name.clone(),
            ));
        }
        let total = subtotal + tax_total;
        self.tax.output += tax_total;
        postings.push((self.accounts.tax_output, -tax_total));
        postings.push((self.accounts.receivable, total));
        let mut plan = settlements(
            rng,
            Payer::Customer,
            party.behaviour,
            date,
            due,
            total,
            self.pacing.customer_scale,
        );
        self.delay_for_crunch(customer, &mut plan);
        let offset = self.offset_of(date);
        self.pacing.invoiced[offset] += total;
        let credit = self.plan_credit(rng, customer, &plan.settlements, total, first_line);
        let written_off = plan.write_off.filter(|&d| d <= self.as_of).is_some();
        let paid = paid_by(&plan.settlements, self.as_of);
        let party = &self.customers[customer];
        let description = format!("Invoice {number} to {}", party.name);
        sink.row(Row::Invoice(&DocumentRow {
            id,
            company_id: self.id,
            party_id: party.id,
            kind: "invoice",
            number: number.clone(),
            reference: String::new(),
            issue_date: date,
            due_date: due,
            currency: self.company.currency.code.clone(),
            subtotal,
            tax_total,
            total,
            amount_due: if written_off {
                Money::ZERO
            } else {
                total - paid
            },
            status: if written_off {
                "written_off"
            } else {
                settled_status(total, paid, "sent")
            },
            credited_id: None,
        }));
        let issued = Issued {
            side: Side::Receivable,
            key,
            id,
            number,
            party: customer,
            date,
            due,
        };
        let doc = self.track(issued, postings, description, &plan);
        if let Some((credit_date, plan)) = credit {
            self.schedule(credit_date, 1, Event::Credit { invoice: doc, plan });
        }
    }

    /// A service to sell instead of goods that are out of stock, if the
    /// catalog has any. The draw is made either way, so stock levels never
    /// shift the random streams of later lines.
    fn substitute_service(&self, rng: &mut rand_chacha::ChaCha8Rng) -> Option<usize> {
        let weights: Vec<u32> = self
            .products
            .iter()
            .zip(&self.product_weights)
            .map(|(p, &w)| if p.goods { 0 } else { w })
            .collect();
        let pick = weighted(rng, &weights);
        weights.iter().any(|&w| w > 0).then_some(pick)
    }

    /// A partial credit and refund of a fully paid invoice, at the refund rate.
    fn plan_credit(
        &mut self,
        rng: &mut rand_chacha::ChaCha8Rng,
        customer: usize,
        plan: &[Settlement],
        total: Money,
        line: Option<(Money, usize, usize, Uuid, String)>,
    ) -> Option<(NaiveDate, CreditPlan)> {
        let (net, tax, account, product, name) = line?;
        let paid: Money = plan.iter().map(|s| s.amount).sum();
        let last = plan.last()?;
        if paid != total
            || !self
                .pacing
                .refund_due(customer, self.company.customers.refund_rate)
        {
            return None;
        }
        let share = i64::from(between(rng, 20, 100));
        let credit_net = Money((net.0 * share / 100 / 100 * 100).max(100).min(net.0));
        let credit_date = next_business_day(add_days(last.date, between(rng, 3, 30)));
        let refund_date = next_business_day(add_days(credit_date, between(rng, 2, 10)));
        let plan = CreditPlan {
            net: credit_net,
            tax,
            account,
            product,
            description: format!("Credit: {name}"),
            refund_date,
        };
        Some((credit_date, plan))
    }

    fn issue_bills(&mut self, sink: &mut dyn RowSink, first: NaiveDate, offset: u32) {
        let mut new = Vec::new();
        let month = first.format("%Y%m").to_string();
        for i in 0..self.vendors.len() {
            let vendor = &self.vendors[i];
            let key = vendor.key.child("bill").child(&month);
            let spend = vendor.spend.expect("vendors have a spend category");
            let count = if is_fixed_monthly(spend) {
                1
            } else {
                let mean = self.demand_milli(
                    self.company.vendors.bills_per_month.0,
                    vendor.weight_milli,
                    first,
                    offset,
                );
                self.pacing.bills_for(i, mean)
            };
            let vendor = &self.vendors[i];
            for k in 1..=count {
                let doc_key = key.child(k);
                let mut doc_rng = doc_key.stream(self.seed);
                let date = if is_fixed_monthly(spend) {
                    business_day_in_month(first.with_day(1 + vendor.index % 27).expect("day <= 28"))
                } else {
                    day_in_month(&mut doc_rng, first)
                };
                if date <= self.as_of {
                    new.push((date, i, doc_key, doc_rng));
                }
            }
        }
        new.sort_by(|a, b| (a.0, a.1, &a.2).cmp(&(b.0, b.1, &b.2)));
        for (date, vendor, key, mut rng) in new {
            self.issue_bill(sink, date, vendor, key, &mut rng, first, offset);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn issue_bill(
        &mut self,
        sink: &mut dyn RowSink,
        date: NaiveDate,
        vendor: usize,
        key: Key,
        rng: &mut rand_chacha::ChaCha8Rng,
        first: NaiveDate,
        offset: u32,
    ) {
        let spend = self.vendors[vendor]
            .spend
            .expect("vendors have a spend category");
        let amount = self.bill_amount(rng, vendor, spend, first, offset);
        let n_lines = if amount.0 >= 50_000 {
            1 + weighted(rng, &[60, 30, 10]) as u32
        } else {
            1
        };
        let mut remaining = amount;
        let lines = (1..=n_lines)
            .map(|line_no| {
                let net = if line_no == n_lines {
                    remaining
                } else {
                    Money(remaining.0 * i64::from(between(rng, 30, 60)) / 100 / 100 * 100)
                };
                remaining -= net;
                BillLine {
                    product: None,
                    description: bill_line_description(spend, line_no, date),
                    quantity: 1,
                    unit_price: net,
                }
            })
            .collect();
        let account = setup::account_index(self.company, AccountPurpose::Spend(spend));
        let tax = setup::tax_index(self.company, bill_tax_kind(spend, self.company.country));
        self.book_bill(sink, "BILL", date, vendor, key, rng, lines, account, tax);
    }

    /// Emits a bill and its lines, and schedules its posting and payments.
    /// `series` is the numbering prefix: bills issued at the start of a month
    /// and stock bills booked on delivery are numbered apart, so that a later
    /// `as_of` (time travel) cannot renumber a bill already in the books.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn book_bill(
        &mut self,
        sink: &mut dyn RowSink,
        series: &'static str,
        date: NaiveDate,
        vendor: usize,
        key: Key,
        rng: &mut rand_chacha::ChaCha8Rng,
        lines: Vec<BillLine>,
        account: usize,
        tax: usize,
    ) -> Uuid {
        let number = self.next_number(series, date);
        let party = &self.vendors[vendor];
        let id = key.id();
        let due = add_days(date, party.terms_days);
        let rate = self.company.tax_rates[tax].rate;
        let (mut subtotal, mut tax_total) = (Money::ZERO, Money::ZERO);
        for (n, line) in lines.into_iter().enumerate() {
            let line_no = n as u32 + 1;
            let net = line.unit_price.times(i64::from(line.quantity));
            let line_tax = net.apply(rate);
            subtotal += net;
            tax_total += line_tax;
            sink.row(Row::BillLine(&LineRow {
                id: derived_id(id, "line", line_no),
                company_id: self.id,
                document_id: id,
                line_no,
                product_id: line.product,
                description: line.description,
                quantity: line.quantity,
                unit_price: line.unit_price,
                net_amount: net,
                tax_rate_id: self.tax_ids[tax],
                tax_amount: line_tax,
                account_id: self.account_ids[account],
            }));
        }
        let total = subtotal + tax_total;
        self.tax.input += tax_total;
        let postings = vec![
            (account, subtotal),
            (self.accounts.tax_input, tax_total),
            (self.accounts.payable, -total),
        ];
        let plan = match self.pay_next_bill_on.take() {
            Some(paid_on) => Plan {
                settlements: vec![super::plans::Settlement {
                    date: paid_on,
                    amount: total,
                }],
                write_off: None,
            },
            None => settlements(
                rng,
                Payer::Company,
                party.behaviour,
                date,
                due,
                total,
                self.pacing.vendor_scale,
            ),
        };
        let paid = paid_by(&plan.settlements, self.as_of);
        let offset = self.offset_of(date);
        self.pacing.billed[offset] += total;
        let description = format!("Bill {number} from {}", party.name);
        sink.row(Row::Bill(&DocumentRow {
            id,
            company_id: self.id,
            party_id: party.id,
            kind: "bill",
            number: number.clone(),
            reference: vendor_reference(rng, &party.name),
            issue_date: date,
            due_date: due,
            currency: self.company.currency.code.clone(),
            subtotal,
            tax_total,
            total,
            amount_due: total - paid,
            status: settled_status(total, paid, "open"),
            credited_id: None,
        }));
        let issued = Issued {
            side: Side::Payable,
            key,
            id,
            number,
            party: vendor,
            date,
            due,
        };
        self.track(issued, postings, description, &plan);
        id
    }

    /// Net amount of one bill: fixed costs stay flat, the rest follow the season.
    fn bill_amount(
        &self,
        rng: &mut rand_chacha::ChaCha8Rng,
        vendor: usize,
        spend: SpendCategory,
        first: NaiveDate,
        offset: u32,
    ) -> Money {
        let budget = self.vendor_budgets[vendor];
        let raw = match spend {
            SpendCategory::Rent | SpendCategory::Software => budget,
            SpendCategory::Utilities => {
                let winter = matches!(first.month(), 11 | 12 | 1 | 2);
                Money(
                    budget.0 * i64::from(between(rng, 85, 115) + if winter { 25 } else { 0 }) / 100,
                )
            }
            _ => {
                let per_bill = i128::from(self.company.vendors.bills_per_month.0.max(100));
                let growth = i128::from(self.pacing.growth_ppm(offset));
                let jitter = i128::from(between(rng, 60, 140));
                // i128: at the size limits this product exceeds i64.
                let amount =
                    i128::from(budget.0) * 1000 / per_bill * jitter / 100 * growth / 1_000_000;
                Money(amount.min(i128::from(i64::MAX / 4)) as i64)
            }
        };
        Money((raw.0 / 100).max(5) * 100)
    }

    fn open_doc(
        &mut self,
        side: Side,
        key: Key,
        id: Uuid,
        number: String,
        party: usize,
        due: NaiveDate,
    ) -> u64 {
        let doc = self.next_seq;
        self.next_seq += 1;
        let open = OpenDoc {
            side,
            key,
            id,
            number,
            party,
            open: Money::ZERO,
            paid: Money::ZERO,
            due,
            pending: 0,
        };
        self.docs.insert(doc, open);
        doc
    }

    /// Starts tracking an issued document: its posting on the issue date and
    /// its planned settlements.
    fn track(
        &mut self,
        issued: Issued,
        postings: Vec<Posting>,
        description: String,
        plan: &Plan,
    ) -> u64 {
        let Issued {
            side,
            key,
            id,
            number,
            party,
            date,
            due,
        } = issued;
        let doc = self.open_doc(side, key, id, number, party, due);
        self.schedule(
            date,
            0,
            Event::Post {
                doc,
                postings,
                description,
            },
        );
        self.schedule_settlements(doc, plan);
        doc
    }

    fn schedule_settlements(&mut self, doc: u64, plan: &Plan) {
        for (n, s) in plan.settlements.iter().enumerate() {
            self.schedule(
                s.date,
                2,
                Event::Settle {
                    doc,
                    n: n as u32 + 1,
                    amount: s.amount,
                },
            );
        }
        if let Some(date) = plan.write_off {
            self.schedule(date, 3, Event::WriteOff { doc });
        }
    }

    /// Queues an event; events run in (date, priority, creation) order.
    pub(super) fn schedule(&mut self, date: NaiveDate, priority: u8, event: Event) {
        if let Some(doc) = event.document().and_then(|d| self.docs.get_mut(&d)) {
            doc.pending += 1;
        }
        self.events.insert((date, priority, self.next_seq), event);
        self.next_seq += 1;
    }

    fn next_number(&mut self, prefix: &'static str, date: NaiveDate) -> String {
        let year = fiscal_year(date, self.company.fiscal_year_start_month);
        let entry = self.numbering.entry(prefix).or_insert((year, 0));
        if entry.0 != year {
            *entry = (year, 0);
        }
        entry.1 += 1;
        format!("{prefix}-{year}-{:05}", entry.1)
    }

    pub(super) fn apply_events(
        &mut self,
        sink: &mut dyn RowSink,
        cutoff: NaiveDate,
    ) -> Result<(), Violation> {
        while let Some(entry) = self.events.first_entry() {
            if entry.key().0 > cutoff {
                break;
            }
            let ((date, _, _), event) = entry.remove_entry();
            self.refuse_closed_month(date, &event)?;
            self.apply(sink, date, event)?;
        }
        Ok(())
    }

    fn apply(
        &mut self,
        sink: &mut dyn RowSink,
        date: NaiveDate,
        event: Event,
    ) -> Result<(), Violation> {
        match event {
            Event::Post {
                doc,
                postings,
                description,
            } => self.post_document(sink, date, doc, &postings, description),
            Event::Settle { doc, n, amount } => self.settle(sink, date, doc, n, amount),
            Event::Credit { invoice, plan } => self.credit(sink, date, invoice, plan),
            Event::Refund { credit } => self.refund(sink, date, credit),
            Event::Posting(planned) => self.post_planned(sink, date, *planned),
            Event::WriteOff { doc } => self.write_off(sink, date, doc),
        }
    }

    fn post_planned(
        &mut self,
        sink: &mut dyn RowSink,
        date: NaiveDate,
        planned: PlannedPosting,
    ) -> Result<(), Violation> {
        let source = Source {
            kind: planned.kind,
            id: planned.id,
            number: &planned.number,
        };
        self.ledger
            .post(sink, date, planned.description, &source, &planned.postings)?;
        match planned.effect {
            Effect::None => {}
            Effect::TaxPaid(net) => self.tax_paid(net),
            Effect::PayrollRemitted(amount) => self.payroll_remitted(amount),
        }
        Ok(())
    }

    fn post_document(
        &mut self,
        sink: &mut dyn RowSink,
        date: NaiveDate,
        doc: u64,
        postings: &[Posting],
        description: String,
    ) -> Result<(), Violation> {
        let (control, side) = {
            let d = &self.docs[&doc];
            (
                if d.side == Side::Receivable {
                    self.accounts.receivable
                } else {
                    self.accounts.payable
                },
                d.side,
            )
        };
        let effect: Money = postings
            .iter()
            .filter(|(a, _)| *a == control)
            .map(|(_, m)| *m)
            .sum();
        let d = &self.docs[&doc];
        let source = Source {
            kind: document_kind(side, effect),
            id: d.id,
            number: &d.number,
        };
        self.ledger
            .post(sink, date, description, &source, postings)?;
        let d = self.docs.get_mut(&doc).expect("open document");
        d.open += if side == Side::Receivable {
            effect
        } else {
            -effect
        };
        self.done_with_event(doc);
        Ok(())
    }

    fn settle(
        &mut self,
        sink: &mut dyn RowSink,
        date: NaiveDate,
        doc: u64,
        n: u32,
        amount: Money,
    ) -> Result<(), Violation> {
        let d = &self.docs[&doc];
        if amount > d.open {
            return Err(Violation {
                rule: "no payment exceeds the open amount",
                document: d.number.clone(),
                date,
                detail: format!("payment of {amount} against {} open", d.open),
            });
        }
        let payment_id = derived_id(d.id, "payment", n);
        let (parties, control, kind) = match d.side {
            Side::Receivable => (&self.customers, self.accounts.receivable, "receipt"),
            Side::Payable => (&self.vendors, self.accounts.payable, "payment"),
        };
        let party = &parties[d.party];
        let payment = PaymentRow {
            id: payment_id,
            company_id: self.id,
            party_id: party.id,
            kind: if d.side == Side::Receivable {
                "receipt"
            } else {
                "payment"
            },
            date,
            amount,
            method: party.method,
            reference: d.number.clone(),
        };
        let allocation = AllocationRow {
            id: derived_id(payment.id, "allocation", 0),
            company_id: self.id,
            payment_id: payment.id,
            document_id: d.id,
            amount,
        };
        let (row, alloc, description, postings) = match d.side {
            Side::Receivable => (
                Row::CustomerPayment(&payment),
                Row::PaymentAllocation(&allocation),
                format!("Receipt from {} for {}", party.name, d.number),
                [(self.accounts.bank, amount), (control, -amount)],
            ),
            Side::Payable => (
                Row::VendorPayment(&payment),
                Row::VendorPaymentAllocation(&allocation),
                format!("Payment to {} for {}", party.name, d.number),
                [(control, amount), (self.paying_account(party), -amount)],
            ),
        };
        sink.row(row);
        sink.row(alloc);
        let source = Source {
            kind,
            id: payment.id,
            number: &d.number,
        };
        self.ledger
            .post(sink, date, description, &source, &postings)?;
        let d = self.docs.get_mut(&doc).expect("open document");
        d.open -= amount;
        d.paid += amount;
        self.done_with_event(doc);
        Ok(())
    }

    /// Moves what is still open on a customer document to bad debts.
    fn write_off(
        &mut self,
        sink: &mut dyn RowSink,
        date: NaiveDate,
        doc: u64,
    ) -> Result<(), Violation> {
        let d = &self.docs[&doc];
        let amount = d.open;
        let number = d.number.clone();
        let id = derived_id(d.id, "write-off", 0);
        let name = self.customers[d.party].name.clone();
        let postings = [
            (
                setup::account_index(self.company, AccountPurpose::BadDebts),
                amount,
            ),
            (self.accounts.receivable, -amount),
        ];
        let source = Source {
            kind: "write_off",
            id,
            number: &number,
        };
        self.ledger.post(
            sink,
            date,
            format!("Bad debt written off: {name}, {number}"),
            &source,
            &postings,
        )?;
        self.docs.get_mut(&doc).expect("open document").open = Money::ZERO;
        self.done_with_event(doc);
        Ok(())
    }

    /// Card vendors are paid on the company card; everyone else from the bank.
    fn paying_account(&self, party: &Party) -> usize {
        match self.card {
            Some(card) if party.method == "card" => card,
            _ => self.accounts.bank,
        }
    }

    fn credit(
        &mut self,
        sink: &mut dyn RowSink,
        date: NaiveDate,
        invoice: u64,
        plan: CreditPlan,
    ) -> Result<(), Violation> {
        let inv = &self.docs[&invoice];
        let key = inv.key.child("credit");
        let id = derived_id(inv.id, "credit", 0);
        let number = self.next_number("CN", date);
        let inv = &self.docs[&invoice];
        let party = &self.customers[inv.party];
        let tax = plan.net.apply(self.company.tax_rates[plan.tax].rate);
        self.tax.output -= tax;
        let total = plan.net + tax;
        if total > inv.paid {
            return Err(Violation {
                rule: "refunds never exceed what was paid",
                document: number,
                date,
                detail: format!(
                    "credit of {total} against {} paid on {}",
                    inv.paid, inv.number
                ),
            });
        }
        let refunded = if plan.refund_date <= self.as_of {
            total
        } else {
            Money::ZERO
        };
        sink.row(Row::Invoice(&DocumentRow {
            id,
            company_id: self.id,
            party_id: party.id,
            kind: "credit_note",
            number: number.clone(),
            reference: String::new(),
            issue_date: date,
            due_date: plan.refund_date,
            currency: self.company.currency.code.clone(),
            subtotal: plan.net,
            tax_total: tax,
            total,
            amount_due: total - refunded,
            status: if refunded == total {
                "refunded"
            } else {
                "sent"
            },
            credited_id: Some(inv.id),
        }));
        sink.row(Row::InvoiceLine(&LineRow {
            id: derived_id(id, "line", 1),
            company_id: self.id,
            document_id: id,
            line_no: 1,
            product_id: Some(plan.product),
            description: plan.description,
            quantity: 1,
            unit_price: plan.net,
            net_amount: plan.net,
            tax_rate_id: self.tax_ids[plan.tax],
            tax_amount: tax,
            account_id: self.account_ids[plan.account],
        }));
        let description = format!("Credit note {number} to {} for {}", party.name, inv.number);
        let postings = [
            (plan.account, plan.net),
            (self.accounts.tax_output, tax),
            (self.accounts.receivable, -total),
        ];
        let source = Source {
            kind: "credit_note",
            id,
            number: &number,
        };
        self.ledger
            .post(sink, date, description, &source, &postings)?;
        let customer = inv.party;
        self.done_with_event(invoice);
        let credit = self.open_doc(
            Side::Receivable,
            key,
            id,
            number,
            customer,
            plan.refund_date,
        );
        self.docs.get_mut(&credit).expect("just opened").open = -total;
        self.schedule(plan.refund_date, 3, Event::Refund { credit });
        Ok(())
    }

    fn refund(
        &mut self,
        sink: &mut dyn RowSink,
        date: NaiveDate,
        credit: u64,
    ) -> Result<(), Violation> {
        let cn = &self.docs[&credit];
        let amount = -cn.open;
        let party = &self.customers[cn.party];
        let payment = PaymentRow {
            id: derived_id(cn.id, "refund", 0),
            company_id: self.id,
            party_id: party.id,
            kind: "refund",
            date,
            amount,
            method: "bank_transfer",
            reference: format!("Refund {}", cn.number),
        };
        sink.row(Row::CustomerPayment(&payment));
        sink.row(Row::PaymentAllocation(&AllocationRow {
            id: derived_id(payment.id, "allocation", 0),
            company_id: self.id,
            payment_id: payment.id,
            document_id: cn.id,
            amount,
        }));
        let description = format!("Refund to {} for {}", party.name, cn.number);
        let postings = [
            (self.accounts.receivable, amount),
            (self.accounts.bank, -amount),
        ];
        let source = Source {
            kind: "refund",
            id: payment.id,
            number: &cn.number,
        };
        self.ledger
            .post(sink, date, description, &source, &postings)?;
        self.docs.get_mut(&credit).expect("open credit note").open = Money::ZERO;
        self.done_with_event(credit);
        Ok(())
    }

    fn refuse_closed_month(&self, date: NaiveDate, event: &Event) -> Result<(), Violation> {
        let Some(closed) = self.closed_through.filter(|&c| date <= c) else {
            return Ok(());
        };
        let number = match event {
            Event::Posting(planned) => Some(planned.number.clone()),
            _ => event
                .document()
                .and_then(|d| self.docs.get(&d))
                .map(|d| d.number.clone()),
        };
        Err(Violation {
            rule: "nothing is booked into a month already closed",
            document: number.unwrap_or_else(|| "an event".into()),
            date,
            detail: format!("dated on or before {closed}, whose books were already checked"),
        })
    }

    /// Forgets a document once nothing is open on it and nothing is pending.
    fn done_with_event(&mut self, doc: u64) {
        let d = self.docs.get_mut(&doc).expect("open document");
        d.pending -= 1;
        if d.pending == 0 && d.open.is_zero() {
            self.docs.remove(&doc);
        }
    }

    /// Subledgers, recomputed from the open documents, must equal their
    /// control accounts; and the trial balance must be zero.
    fn check_month_end(
        &self,
        date: NaiveDate,
        banks: Vec<(String, Money)>,
    ) -> Result<MonthEnd, Violation> {
        let receivable = self.subledger(Side::Receivable);
        let payable = self.subledger(Side::Payable);
        let ties = [
            (
                "AR",
                receivable,
                self.ledger.balance(self.accounts.receivable),
            ),
            ("AP", payable, -self.ledger.balance(self.accounts.payable)),
        ];
        for (name, subledger, control) in ties {
            if subledger != control {
                return Err(Violation {
                    rule: "subledgers tie to their control accounts",
                    document: format!("{name} control account"),
                    date,
                    detail: format!("subledger {subledger} but control account {control}"),
                });
            }
        }
        let trial: Money = self.ledger.balances().iter().copied().sum();
        if !trial.is_zero() {
            return Err(Violation {
                rule: "the trial balance is zero",
                document: "trial balance".into(),
                date,
                detail: format!("off by {trial}"),
            });
        }
        Ok(MonthEnd {
            date,
            receivable,
            payable,
            banks,
        })
    }

    fn subledger(&self, side: Side) -> Money {
        self.docs
            .values()
            .filter(|d| d.side == side)
            .map(|d| d.open)
            .sum()
    }

    pub fn finish(self) -> CompanyBooks {
        let mut receivables = Aging::default();
        let mut payables = Aging::default();
        for d in self.docs.values().filter(|d| !d.open.is_zero()) {
            let overdue = days_between(d.due, self.as_of);
            match d.side {
                Side::Receivable => receivables.add(overdue, d.open),
                Side::Payable => payables.add(overdue, d.open),
            }
        }
        let targets = super::targets::achieved(
            self.company,
            &self.customers,
            &self.pacing,
            &self.month_ends,
            self.start.month0(),
        );
        CompanyBooks {
            targets,
            name: self.company.name.clone(),
            accounts: self.company.accounts.clone(),
            balances: self.ledger.balances().to_vec(),
            receivables,
            payables,
            month_ends: self.month_ends,
        }
    }
}

fn document_kind(side: Side, control_effect: Money) -> &'static str {
    match side {
        Side::Receivable if control_effect.0 < 0 => "credit_note",
        Side::Receivable => "invoice",
        Side::Payable => "bill",
    }
}

fn paid_by(plan: &[Settlement], as_of: NaiveDate) -> Money {
    plan.iter()
        .filter(|s| s.date <= as_of)
        .map(|s| s.amount)
        .sum()
}

fn settled_status(total: Money, paid: Money, unpaid: &'static str) -> &'static str {
    if paid == total {
        "paid"
    } else if paid.is_zero() {
        unpaid
    } else {
        "partially_paid"
    }
}

/// A weekday in the month; weekend draws move back to Friday (or on to Monday
/// at the start of the month) so that documents stay in their month.
fn day_in_month(rng: &mut rand_chacha::ChaCha8Rng, first: NaiveDate) -> NaiveDate {
    let day = between(rng, 1, days_in_month(first));
    business_day_in_month(first.with_day(day).expect("day within month"))
}

/// A weekend day moves back to Friday, or on to Monday when Friday is in the
/// previous month. Documents must stay in the month being simulated: one
/// dated earlier would be posted after that month's books were checked.
fn business_day_in_month(date: NaiveDate) -> NaiveDate {
    let back = previous_business_day(date);
    if back.month() == date.month() {
        back
    } else {
        next_business_day(date)
    }
}

/// The first vendors cover the running costs every business has; the rest
/// supply what the company sells.
fn spend_for_vendor(index: u32) -> SpendCategory {
    use SpendCategory::*;
    match index {
        1 => CostOfSales,
        2 => Rent,
        3 => Software,
        4 => Utilities,
        5 => Marketing,
        6 => ProfessionalFees,
        7 => OfficeSupplies,
        8 => Travel,
        n if n % 7 == 0 => Software,
        n if n % 5 == 0 => Marketing,
        _ => CostOfSales,
    }
}

fn is_fixed_monthly(spend: SpendCategory) -> bool {
    matches!(
        spend,
        SpendCategory::Rent | SpendCategory::Software | SpendCategory::Utilities
    )
}

/// Share of revenue spent per category; the remainder is the margin.
fn spend_share(spend: SpendCategory, industry: Industry) -> Bp {
    use SpendCategory::*;
    Bp(match spend {
        CostOfSales => match industry {
            Industry::Travel => 6_200,
            Industry::Retail => 5_200,
            Industry::Manufacturing => 4_500,
            Industry::Software => 1_500,
            Industry::ProfessionalServices => 1_000,
        },
        Rent => 600,
        Utilities => 150,
        Software => 300,
        Marketing => 500,
        ProfessionalFees => 250,
        OfficeSupplies => 100,
        Travel => 200,
    })
}

/// Input tax treatment of purchases: GB recovers VAT except on exempt rent and
/// zero-rated transport; US sales tax on purchases is a cost, so none is recoverable.
pub(super) fn bill_tax_kind(spend: SpendCategory, country: Country) -> TaxKind {
    match (country, spend) {
        (Country::US, _) => TaxKind::Exempt,
        (Country::GB, SpendCategory::Rent) => TaxKind::Exempt,
        (Country::GB, SpendCategory::Travel) => TaxKind::Zero,
        (Country::GB, _) => TaxKind::Standard,
    }
}

fn bill_line_description(spend: SpendCategory, line_no: u32, date: NaiveDate) -> String {
    use SpendCategory::*;
    let month = date.format("%B %Y");
    let items: &[&str] = match spend {
        CostOfSales => &["Supplier services", "Allocation", "Ground handling"],
        Rent => &["Office rent"],
        Utilities => &["Electricity and water"],
        Software => &["Software subscription"],
        Marketing => &["Online advertising", "Print campaign", "Trade show stand"],
        ProfessionalFees => &["Bookkeeping and advice", "Legal review"],
        OfficeSupplies => &["Stationery", "Printer consumables"],
        Travel => &["Staff travel", "Client visit travel"],
    };
    format!("{} – {month}", items[(line_no as usize - 1) % items.len()])
}

/// The vendor's own invoice number: two letters of its name and five digits.
fn vendor_reference(rng: &mut rand_chacha::ChaCha8Rng, name: &str) -> String {
    let initials: String = name
        .chars()
        .filter(char::is_ascii_alphabetic)
        .take(2)
        .collect();
    format!(
        "{}-{:05}",
        initials.to_ascii_uppercase(),
        between(rng, 10_000, 99_999)
    )
}
