//! Each table's qualified name, column list and row encoder.
//!
//! Column lists match `templates/postgres/schema.sql.j2`; the dump template
//! receives them and may rename targets, but values are always encoded here,
//! through [`super::copy_text`].

use chrono::{Datelike, NaiveDate};
use uuid::Uuid;

use super::copy_text::{NULL, NulByte, push_text};
use crate::model::Money;
use crate::simulate::{Row, Table};

pub fn qualified_name(table: Table) -> &'static str {
    use Table::*;
    match table {
        Companies => "core.companies",
        Users => "core.users",
        Roles => "core.roles",
        RolePermissions => "core.role_permissions",
        Memberships => "core.memberships",
        Accounts => "ledger.accounts",
        TaxRates => "ledger.tax_rates",
        Products => "catalog.products",
        Customers => "sales.customers",
        Vendors => "purchasing.vendors",
        Invoices => "sales.invoices",
        InvoiceLines => "sales.invoice_lines",
        CustomerPayments => "sales.customer_payments",
        PaymentAllocations => "sales.payment_allocations",
        Bills => "purchasing.bills",
        BillLines => "purchasing.bill_lines",
        VendorPayments => "purchasing.vendor_payments",
        VendorPaymentAllocations => "purchasing.vendor_payment_allocations",
        JournalEntries => "ledger.journal_entries",
        JournalLines => "ledger.journal_lines",
        FiscalYears => "ledger.fiscal_years",
        Periods => "ledger.periods",
        BankAccounts => "banking.bank_accounts",
        Employees => "payroll.employees",
        PayrollRuns => "payroll.runs",
        Payslips => "payroll.payslips",
        TaxReturns => "ledger.tax_returns",
        Reconciliations => "banking.reconciliations",
        StatementLines => "banking.statement_lines",
        StockMovements => "inventory.stock_movements",
    }
}

const PARTY: &[&str] = &[
    "id",
    "company_id",
    "number",
    "name",
    "email",
    "phone",
    "address_line1",
    "city",
    "postcode",
    "country",
    "payment_terms_days",
    "created_on",
];

pub fn columns(table: Table) -> &'static [&'static str] {
    use Table::*;
    match table {
        Companies => &[
            "id",
            "name",
            "country",
            "currency",
            "industry",
            "fiscal_year_start_month",
            "is_demo",
            "created_on",
        ],
        Users => &[
            "id",
            "company_id",
            "name",
            "email",
            "password_hash",
            "created_on",
        ],
        Roles => &["id", "company_id", "key", "name"],
        RolePermissions => &["company_id", "role_id", "permission"],
        Memberships => &["id", "company_id", "user_id", "role_id"],
        Accounts => &["id", "company_id", "code", "name", "kind", "purpose"],
        TaxRates => &["id", "company_id", "code", "name", "kind", "rate_percent"],
        Products => &[
            "id",
            "company_id",
            "sku",
            "name",
            "kind",
            "unit_price",
            "tax_rate_id",
            "income_account_id",
        ],
        Customers => PARTY,
        Vendors => &[
            "id",
            "company_id",
            "number",
            "name",
            "email",
            "phone",
            "address_line1",
            "city",
            "postcode",
            "country",
            "payment_terms_days",
            "spend_category",
            "expense_account_id",
            "created_on",
        ],
        Invoices => &[
            "id",
            "company_id",
            "customer_id",
            "kind",
            "number",
            "issue_date",
            "due_date",
            "currency",
            "subtotal",
            "tax_total",
            "total",
            "amount_due",
            "status",
            "credited_invoice_id",
        ],
        InvoiceLines => &[
            "id",
            "company_id",
            "invoice_id",
            "line_no",
            "product_id",
            "description",
            "quantity",
            "unit_price",
            "net_amount",
            "tax_rate_id",
            "tax_amount",
            "account_id",
        ],
        CustomerPayments => &[
            "id",
            "company_id",
            "customer_id",
            "kind",
            "payment_date",
            "amount",
            "method",
            "reference",
        ],
        PaymentAllocations => &["id", "company_id", "payment_id", "invoice_id", "amount"],
        Bills => &[
            "id",
            "company_id",
            "vendor_id",
            "number",
            "vendor_reference",
            "issue_date",
            "due_date",
            "currency",
            "subtotal",
            "tax_total",
            "total",
            "amount_due",
            "status",
        ],
        BillLines => &[
            "id",
            "company_id",
            "bill_id",
            "line_no",
            "description",
            "quantity",
            "unit_price",
            "net_amount",
            "tax_rate_id",
            "tax_amount",
            "account_id",
        ],
        VendorPayments => &[
            "id",
            "company_id",
            "vendor_id",
            "payment_date",
            "amount",
            "method",
            "reference",
        ],
        VendorPaymentAllocations => &["id", "company_id", "payment_id", "bill_id", "amount"],
        JournalEntries => &[
            "id",
            "company_id",
            "number",
            "entry_date",
            "description",
            "reference",
            "source_type",
            "source_id",
        ],
        JournalLines => &[
            "id",
            "company_id",
            "entry_id",
            "line_no",
            "account_id",
            "debit",
            "credit",
        ],
        FiscalYears => &["id", "company_id", "name", "starts_on", "ends_on", "status"],
        Periods => &[
            "id",
            "company_id",
            "fiscal_year_id",
            "name",
            "starts_on",
            "ends_on",
            "status",
            "locked",
        ],
        BankAccounts => &[
            "id",
            "company_id",
            "name",
            "currency",
            "account_id",
            "opening_balance",
        ],
        Employees => &[
            "id",
            "company_id",
            "number",
            "name",
            "email",
            "pay_type",
            "annual_salary",
            "hourly_rate",
            "hours_per_week",
            "started_on",
        ],
        PayrollRuns => &[
            "id",
            "company_id",
            "number",
            "period_start",
            "period_end",
            "pay_date",
            "employees",
            "gross",
            "income_tax",
            "employee_contributions",
            "employer_contributions",
            "pension_employee",
            "pension_employer",
            "net",
            "status",
        ],
        Payslips => &[
            "id",
            "company_id",
            "run_id",
            "employee_id",
            "gross",
            "income_tax",
            "employee_contributions",
            "employer_contributions",
            "pension_employee",
            "pension_employer",
            "net",
        ],
        TaxReturns => &[
            "id",
            "company_id",
            "period_start",
            "period_end",
            "output_tax",
            "input_tax",
            "net_due",
            "due_on",
            "filed_on",
            "paid_on",
            "status",
        ],
        Reconciliations => &[
            "id",
            "company_id",
            "bank_account_id",
            "statement_date",
            "opening_balance",
            "closing_balance",
            "deposits_in_transit",
            "outstanding_payments",
            "book_balance",
            "status",
        ],
        StatementLines => &[
            "id",
            "company_id",
            "bank_account_id",
            "booked_on",
            "cleared_on",
            "amount",
            "kind",
            "description",
            "reference",
            "journal_entry_id",
            "reconciliation_id",
        ],
        StockMovements => &[
            "id",
            "company_id",
            "product_id",
            "moved_on",
            "kind",
            "quantity",
            "unit_cost",
            "total_cost",
            "source_type",
            "source_id",
        ],
    }
}

/// Writes one row's fields, tab separated, newline terminated.
struct Fields<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
    error: Option<NulByte>,
}

impl Fields<'_> {
    fn sep(&mut self) {
        if !self.first {
            self.out.push(b'\t');
        }
        self.first = false;
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
        first: true,
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
