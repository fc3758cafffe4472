//! Each table's row encoder, and its name and column list from the catalog.
//!
//! Input: a simulated [`Row`]. Output: one line of COPY text, fields in the
//! order [`crate::catalog`] declares the table's dump columns. Invariants:
//! values are always encoded here, through [`super::copy_text`] (the dump
//! template may rename targets but never sees values); a row has exactly as
//! many fields as its table has dump columns (counted on every row, asserted
//! in debug builds, and tested over every table of a compiled scenario).
//! Hot path: no allocation per row and no dynamic dispatch.

use chrono::{Datelike, NaiveDate};
use uuid::Uuid;

use super::copy_text::{NULL, NulByte, push_text};
use crate::model::Money;
use crate::simulate::{Row, Table};

/// The table's `schema.table` name, from the catalog.
pub fn qualified_name(table: Table) -> &'static str {
    table.def().qualified
}

/// The dump's column list for the table, in `COPY` order, from the catalog.
pub fn columns(table: Table) -> Vec<&'static str> {
    table.def().dump_columns().map(|c| c.name).collect()
}

/// Writes one row's fields, tab separated, newline terminated.
struct Fields<'a> {
    out: &'a mut Vec<u8>,
    /// Fields written so far: checked against the catalog's width.
    count: usize,
    error: Option<NulByte>,
}

impl Fields<'_> {
    fn sep(&mut self) {
        if self.count > 0 {
            self.out.push(b'\t');
        }
        self.count += 1;
    }

    fn text(&mut self, value: &str) -> &mut Self {
        self.sep();
        if let Err(e) = push_text(self.out, value) {
            self.error.get_or_insert(e);
        }
        self
    }

    fn uuid(&mut self, id: Uuid) -> &mut Self {
        self.sep();
        let mut buf = [0u8; uuid::fmt::Hyphenated::LENGTH];
        self.out
            .extend_from_slice(id.hyphenated().encode_lower(&mut buf).as_bytes());
        self
    }

    fn opt_uuid(&mut self, id: Option<Uuid>) -> &mut Self {
        match id {
            Some(id) => self.uuid(id),
            None => self.null(),
        }
    }

    fn null(&mut self) -> &mut Self {
        self.sep();
        self.out.extend_from_slice(NULL);
        self
    }

    fn int(&mut self, value: i64) -> &mut Self {
        self.sep();
        push_int(self.out, value);
        self
    }

    fn money(&mut self, value: Money) -> &mut Self {
        self.sep();
        push_money(self.out, value);
        self
    }

    fn date(&mut self, d: NaiveDate) -> &mut Self {
        self.sep();
        push_date(self.out, d);
        self
    }

    fn opt_money(&mut self, value: Option<Money>) -> &mut Self {
        match value {
            Some(m) => self.money(m),
            None => self.null(),
        }
    }

    fn opt_date(&mut self, value: Option<NaiveDate>) -> &mut Self {
        match value {
            Some(d) => self.date(d),
            None => self.null(),
        }
    }

    fn pay(&mut self, a: &crate::simulate::rows::PayAmounts) -> &mut Self {
        self.money(a.gross)
            .money(a.income_tax)
            .money(a.employee_contributions);
        self.money(a.employer_contributions)
            .money(a.pension_employee)
            .money(a.pension_employer)
            .money(a.net)
    }

    fn end(&mut self) -> Result<(), NulByte> {
        self.out.push(b'\n');
        self.error.take().map_or(Ok(()), Err)
    }
}

/// Appends one row in COPY text format.
pub fn encode(row: Row<'_>, out: &mut Vec<u8>) -> Result<(), NulByte> {
    let mut f = Fields {
        out,
        count: 0,
        error: None,
    };
    match row {
        Row::Company(r) => {
            f.uuid(r.id)
                .text(&r.name)
                .text(r.country)
                .text(&r.currency)
                .text(r.industry);
            f.int(r.fiscal_year_start_month.into())
                .text("t")
                .date(r.created_on)
        }
        Row::User(r) => f
            .uuid(r.id)
            .uuid(r.company_id)
            .text(&r.name)
            .text(&r.email)
            .null()
            .date(r.created_on),
        Row::Role(r) => f.uuid(r.id).uuid(r.company_id).text(r.key).text(&r.name),
        Row::RolePermission(r) => f.uuid(r.company_id).uuid(r.role_id).text(r.permission),
        Row::Membership(r) => f
            .uuid(r.id)
            .uuid(r.company_id)
            .uuid(r.user_id)
            .uuid(r.role_id),
        Row::Account(r) => {
            f.uuid(r.id)
                .uuid(r.company_id)
                .text(&r.code)
                .text(&r.name)
                .text(r.kind);
            match r.purpose {
                Some(p) => f.text(p),
                None => f.null(),
            }
        }
        Row::TaxRate(r) => {
            f.uuid(r.id)
                .uuid(r.company_id)
                .text(&r.code)
                .text(&r.name)
                .text(r.kind);
            f.text(&format!("{}.{:02}00", r.rate_bp / 100, r.rate_bp % 100))
        }
        Row::Product(r) => {
            f.uuid(r.id)
                .uuid(r.company_id)
                .text(&r.sku)
                .text(&r.name)
                .text(r.kind);
            f.money(r.unit_price)
                .uuid(r.tax_rate_id)
                .uuid(r.income_account_id)
        }
        Row::Customer(r) | Row::Vendor(r) => {
            f.uuid(r.id)
                .uuid(r.company_id)
                .text(&r.number)
                .text(&r.name)
                .text(&r.email)
                .text(&r.phone);
            f.text(&r.address_line1)
                .text(&r.city)
                .text(&r.postcode)
                .text(r.country);
            f.int(r.payment_terms_days.into());
            if let Some((category, account)) = r.spend {
                f.text(category).uuid(account);
            }
            f.date(r.created_on)
        }
        Row::Invoice(r) => {
            f.uuid(r.id)
                .uuid(r.company_id)
                .uuid(r.party_id)
                .text(r.kind)
                .text(&r.number);
            f.date(r.issue_date).date(r.due_date).text(&r.currency);
            f.money(r.subtotal)
                .money(r.tax_total)
                .money(r.total)
                .money(r.amount_due);
            f.text(r.status).opt_uuid(r.credited_id)
        }
        Row::Bill(r) => {
            f.uuid(r.id)
                .uuid(r.company_id)
                .uuid(r.party_id)
                .text(&r.number)
                .text(&r.reference);
            f.date(r.issue_date).date(r.due_date).text(&r.currency);
            f.money(r.subtotal)
                .money(r.tax_total)
                .money(r.total)
                .money(r.amount_due)
                .text(r.status)
        }
        Row::InvoiceLine(r) => {
            f.uuid(r.id)
                .uuid(r.company_id)
                .uuid(r.document_id)
                .int(r.line_no.into());
            f.opt_uuid(r.product_id)
                .text(&r.description)
                .int(r.quantity.into());
            f.money(r.unit_price)
                .money(r.net_amount)
                .uuid(r.tax_rate_id)
                .money(r.tax_amount)
                .uuid(r.account_id)
        }
        Row::BillLine(r) => {
            f.uuid(r.id)
                .uuid(r.company_id)
                .uuid(r.document_id)
                .int(r.line_no.into());
            f.text(&r.description).int(r.quantity.into());
            f.money(r.unit_price)
                .money(r.net_amount)
                .uuid(r.tax_rate_id)
                .money(r.tax_amount)
                .uuid(r.account_id)
        }
        Row::CustomerPayment(r) => {
            f.uuid(r.id)
                .uuid(r.company_id)
                .uuid(r.party_id)
                .text(r.kind)
                .date(r.date);
            f.money(r.amount).text(r.method).text(&r.reference)
        }
        Row::VendorPayment(r) => {
            f.uuid(r.id)
                .uuid(r.company_id)
                .uuid(r.party_id)
                .date(r.date);
            f.money(r.amount).text(r.method).text(&r.reference)
        }
        Row::PaymentAllocation(r) | Row::VendorPaymentAllocation(r) => f
            .uuid(r.id)
            .uuid(r.company_id)
            .uuid(r.payment_id)
            .uuid(r.document_id)
            .money(r.amount),
        Row::JournalEntry(r) => {
            f.uuid(r.id).uuid(r.company_id).text(&r.number).date(r.date);
            f.text(&r.description)
                .text(&r.reference)
                .text(r.source_type)
                .uuid(r.source_id)
        }
        Row::JournalLine(r) => {
            f.uuid(r.id)
                .uuid(r.company_id)
                .uuid(r.entry_id)
                .int(r.line_no.into());
            f.uuid(r.account_id).money(r.debit).money(r.credit)
        }
        Row::FiscalYear(r) => f
            .uuid(r.id)
            .uuid(r.company_id)
            .text(&r.name)
            .date(r.starts_on)
            .date(r.ends_on)
            .text(r.status),
        Row::Period(r) => {
            f.uuid(r.id)
                .uuid(r.company_id)
                .uuid(r.fiscal_year_id)
                .text(&r.name);
            f.date(r.starts_on)
                .date(r.ends_on)
                .text(r.status)
                .text(if r.locked { "t" } else { "f" })
        }
        Row::BankAccount(r) => f
            .uuid(r.id)
            .uuid(r.company_id)
            .text(&r.name)
            .text(&r.currency)
            .uuid(r.account_id)
            .money(r.opening_balance),
        Row::Employee(r) => {
            f.uuid(r.id)
                .uuid(r.company_id)
                .text(&r.number)
                .text(&r.name)
                .text(&r.email)
                .text(r.pay_type);
            f.opt_money(r.annual_salary)
                .opt_money(r.hourly_rate)
                .int(r.hours_per_week.into())
                .date(r.started_on)
        }
        Row::PayrollRun(r) => {
            f.uuid(r.id)
                .uuid(r.company_id)
                .text(&r.number)
                .date(r.period_start)
                .date(r.period_end);
            f.date(r.pay_date)
                .int(r.employees.into())
                .pay(&r.amounts)
                .text(r.status)
        }
        Row::Payslip(r) => f
            .uuid(r.id)
            .uuid(r.company_id)
            .uuid(r.run_id)
            .uuid(r.employee_id)
            .pay(&r.amounts),
        Row::TaxReturn(r) => {
            f.uuid(r.id)
                .uuid(r.company_id)
                .date(r.period_start)
                .date(r.period_end);
            f.money(r.output_tax)
                .money(r.input_tax)
                .money(r.net_due)
                .date(r.due_on);
            f.opt_date(r.filed_on).opt_date(r.paid_on).text(r.status)
        }
        Row::Reconciliation(r) => {
            f.uuid(r.id)
                .uuid(r.company_id)
                .uuid(r.bank_account_id)
                .date(r.statement_date);
            f.money(r.opening_balance)
                .money(r.closing_balance)
                .money(r.deposits_in_transit);
            f.money(r.outstanding_payments)
                .money(r.book_balance)
                .text(r.status)
        }
        Row::StatementLine(r) => {
            f.uuid(r.id)
                .uuid(r.company_id)
                .uuid(r.bank_account_id)
                .date(r.booked_on)
                .date(r.cleared_on);
            f.money(r.amount)
                .text(r.kind)
                .text(&r.description)
                .text(&r.reference);
            f.uuid(r.journal_entry_id).opt_uuid(r.reconciliation_id)
        }
        Row::StockMovement(r) => {
            f.uuid(r.id)
                .uuid(r.company_id)
                .uuid(r.product_id)
                .date(r.moved_on)
                .text(r.kind);
            f.int(r.quantity)
                .money(r.unit_cost)
                .money(r.total_cost)
                .text(r.source_type)
                .opt_uuid(r.source_id)
        }
    };
    debug_assert_eq!(
        f.count,
        row.table().def().dump_width(),
        "{} row has a field count other than its dump columns",
        row.table().def().qualified
    );
    f.end()
}

// Hand-written formatting: `write!` through `core::fmt` was a fifth of the
// encoder's time. Each function matches the `Display` output it replaces.

fn push_digits(out: &mut Vec<u8>, mut value: u64, min_width: usize) {
    let mut buf = [b'0'; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    i = i.min(buf.len() - min_width);
    out.extend_from_slice(&buf[i..]);
}

pub fn push_int(out: &mut Vec<u8>, value: i64) {
    if value < 0 {
        out.push(b'-');
    }
    push_digits(out, value.unsigned_abs(), 1);
}

pub fn push_money(out: &mut Vec<u8>, value: Money) {
    if value.0 < 0 {
        out.push(b'-');
    }
    let abs = value.0.unsigned_abs();
    push_digits(out, abs / 100, 1);
    out.push(b'.');
    push_digits(out, abs % 100, 2);
}

pub fn push_date(out: &mut Vec<u8>, d: NaiveDate) {
    push_digits(out, d.year().unsigned_abs().into(), 4);
    out.push(b'-');
    push_digits(out, d.month().into(), 2);
    out.push(b'-');
    push_digits(out, d.day().into(), 2);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(f: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut out = Vec::new();
        f(&mut out);
        String::from_utf8(out).unwrap()
    }

    /// Every COPY line of every table of a compiled scenario has as many
    /// fields as the catalog declares dump columns, and every table appears.
    #[test]
    fn every_row_of_every_table_has_one_field_per_catalog_column() {
        let spec = include_str!("../../tests/specs/good/full.yaml");
        let scenario = crate::validate::compile("full.yaml", spec).expect("full.yaml is valid");
        let templates = crate::render::TemplateSet::builtin();
        let store = Box::new(crate::render::MemoryStore::default());
        let compiled = crate::render::compile(&scenario, &templates, store).expect("compiles");
        let dump = compiled.files[0].to_bytes().expect("renders");
        let mut seen = Vec::new();
        let mut current: Option<(Table, usize)> = None;
        for line in dump.split(|b| *b == b'\n') {
            let text = String::from_utf8_lossy(line);
            if let Some((table, rows)) = current.as_mut() {
                if line == b"\\." {
                    assert!(*rows > 0, "{table:?} has an empty block");
                    current = None;
                    continue;
                }
                let fields = line.split(|b| *b == b'\t').count();
                assert_eq!(fields, table.def().dump_width(), "{table:?}: {text}");
                *rows += 1;
            } else if let Some(rest) = text.strip_prefix("COPY ") {
                let (name, cols) = rest.split_once(" (").expect("a COPY line");
                let cols = cols.strip_suffix(") FROM stdin;").expect("a COPY line");
                let table = *Table::ALL
                    .iter()
                    .find(|t| qualified_name(**t) == name)
                    .unwrap_or_else(|| panic!("{name} is not in the catalog"));
                assert_eq!(cols.split(", ").collect::<Vec<_>>(), columns(table));
                seen.push(table);
                current = Some((table, 0));
            }
        }
        assert_eq!(seen, Table::ALL, "every table, in dump order");
    }

    #[test]
    fn fast_formatting_matches_display() {
        for v in [
            0,
            1,
            -1,
            9,
            10,
            99,
            100,
            12_345,
            -12_345,
            i64::MAX,
            i64::MIN,
        ] {
            assert_eq!(text(|o| push_int(o, v)), v.to_string());
            assert_eq!(text(|o| push_money(o, Money(v))), Money(v).to_string());
        }
        let d = NaiveDate::from_ymd_opt(2026, 3, 7).unwrap();
        assert_eq!(text(|o| push_date(o, d)), d.format("%Y-%m-%d").to_string());
    }
}
