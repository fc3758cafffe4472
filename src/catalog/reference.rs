//! The declarations: demoforge's reference schema, one entry per table.
//!
//! Input: none. Output: [`TABLES`] (indexed by [`Table`], in dump order) and
//! [`API_TOKENS`]. Invariant: this is the only place a table's columns,
//! types, keys and parents are written in Rust; `schema.sql.j2` is checked
//! against it on a real database (`tests/catalog.rs`).
//!
//! To add a column: add it here at its dump position, add the field to the
//! row struct (`simulate::rows`) and to `render::tables::encode` in the same
//! position, and add it to `schema.sql.j2` (with an idempotent `ALTER TABLE …
//! ADD COLUMN IF NOT EXISTS` for existing databases).

use super::Fill::{Credential, Dump, Generated};
use super::Type::{Boolean, Char, Date, Integer, Money, Numeric, SmallInt, Text, TextArray};
use super::Type::{Timestamptz, Uuid};
use super::{Column, ForeignKey, Table, TableDef, Type};

/// A NOT NULL column the simulation fills.
const fn c(name: &'static str, ty: Type) -> Column {
    Column {
        name,
        ty,
        nullable: false,
        fill: Dump,
    }
}

/// A nullable column the simulation fills.
const fn n(name: &'static str, ty: Type) -> Column {
    Column {
        name,
        ty,
        nullable: true,
        fill: Dump,
    }
}

/// A nullable stored generated column (a polymorphic `source_id` narrowed to
/// one parent table).
const fn generated(name: &'static str) -> Column {
    Column {
        name,
        ty: Uuid,
        nullable: true,
        fill: Generated,
    }
}

/// `(company_id, column)` references `parent (company_id, id)`.
const fn fk(column: &'static str, parent: &'static str) -> ForeignKey {
    ForeignKey {
        column,
        parent,
        scoped: true,
    }
}

/// `company_id` references `core.companies (id)`.
const COMPANY: ForeignKey = ForeignKey {
    column: "company_id",
    parent: "core.companies",
    scoped: false,
};

/// The key of every tenant table that has an `id`: ids are unique within a
/// company only, so a live tenant cannot squat a demo id.
const TENANT_KEY: &[&str] = &["company_id", "id"];

const ID: Column = c("id", Uuid);
const COMPANY_ID: Column = c("company_id", Uuid);

/// A tenant table keyed by `(company_id, id)`.
const fn tenant(
    qualified: &'static str,
    columns: &'static [Column],
    parents: &'static [ForeignKey],
) -> TableDef {
    TableDef {
        qualified,
        columns,
        primary_key: TENANT_KEY,
        tenant_column: "company_id",
        parents,
        dumped: true,
    }
}

/// The declarations of the dumped tables, indexed by [`Table`].
pub static TABLES: [TableDef; Table::ALL.len()] = [
    // Table::Companies
    TableDef {
        qualified: "core.companies",
        columns: &[
            ID,
            c("name", Text),
            c("country", Char(2)),
            c("currency", Char(3)),
            c("industry", Text),
            c("fiscal_year_start_month", SmallInt),
            c("is_demo", Boolean),
            c("created_on", Date),
        ],
        primary_key: &["id"],
        tenant_column: "id",
        parents: &[],
        dumped: true,
    },
    // Table::Users
    tenant(
        "core.users",
        &[
            ID,
            COMPANY_ID,
            c("name", Text),
            c("email", Text),
            Column {
                name: "password_hash",
                ty: Text,
                nullable: true,
                fill: Credential,
            },
            c("created_on", Date),
        ],
        &[COMPANY],
    ),
    // Table::Roles
    tenant(
        "core.roles",
        &[ID, COMPANY_ID, c("key", Text), c("name", Text)],
        &[COMPANY],
    ),
    // Table::RolePermissions: no id, keyed by the whole row.
    TableDef {
        qualified: "core.role_permissions",
        columns: &[COMPANY_ID, c("role_id", Uuid), c("permission", Text)],
        primary_key: &["company_id", "role_id", "permission"],
        tenant_column: "company_id",
        parents: &[fk("role_id", "core.roles")],
        dumped: true,
    },
    // Table::Memberships
    tenant(
        "core.memberships",
        &[ID, COMPANY_ID, c("user_id", Uuid), c("role_id", Uuid)],
        &[fk("user_id", "core.users"), fk("role_id", "core.roles")],
    ),
    // Table::Accounts
    tenant(
        "ledger.accounts",
        &[
            ID,
            COMPANY_ID,
            c("code", Text),
            c("name", Text),
            c("kind", Text),
            n("purpose", Text),
        ],
        &[COMPANY],
    ),
    // Table::TaxRates
    tenant(
        "ledger.tax_rates",
        &[
            ID,
            COMPANY_ID,
            c("code", Text),
            c("name", Text),
            c("kind", Text),
            c("rate_percent", Numeric(7, 4)),
        ],
        &[COMPANY],
    ),
    // Table::FiscalYears
    tenant(
        "ledger.fiscal_years",
        &[
            ID,
            COMPANY_ID,
            c("name", Text),
            c("starts_on", Date),
            c("ends_on", Date),
            c("status", Text),
        ],
        &[COMPANY],
    ),
    // Table::Periods
    tenant(
        "ledger.periods",
        &[
            ID,
            COMPANY_ID,
            c("fiscal_year_id", Uuid),
            c("name", Text),
            c("starts_on", Date),
            c("ends_on", Date),
            c("status", Text),
            c("locked", Boolean),
        ],
        &[fk("fiscal_year_id", "ledger.fiscal_years")],
    ),
    // Table::BankAccounts
    tenant(
        "banking.bank_accounts",
        &[
            ID,
            COMPANY_ID,
            c("name", Text),
            c("currency", Char(3)),
            c("account_id", Uuid),
            c("opening_balance", Money),
        ],
        &[fk("account_id", "ledger.accounts")],
    ),
    // Table::Products
    tenant(
        "catalog.products",
        &[
            ID,
            COMPANY_ID,
            c("sku", Text),
            c("name", Text),
            c("kind", Text),
            c("unit_price", Money),
            c("tax_rate_id", Uuid),
            c("income_account_id", Uuid),
        ],
        &[
            COMPANY,
            fk("tax_rate_id", "ledger.tax_rates"),
            fk("income_account_id", "ledger.accounts"),
        ],
    ),
    // Table::Customers
    tenant(
        "sales.customers",
        &[
            ID,
            COMPANY_ID,
            c("number", Text),
            c("name", Text),
            c("email", Text),
            c("phone", Text),
            c("address_line1", Text),
            c("city", Text),
            c("postcode", Text),
            c("country", Char(2)),
            c("payment_terms_days", Integer),
            c("created_on", Date),
        ],
        &[COMPANY],
    ),
    // Table::Vendors
    tenant(
        "purchasing.vendors",
        &[
            ID,
            COMPANY_ID,
            c("number", Text),
            c("name", Text),
            c("email", Text),
            c("phone", Text),
            c("address_line1", Text),
            c("city", Text),
            c("postcode", Text),
            c("country", Char(2)),
            c("payment_terms_days", Integer),
            c("spend_category", Text),
            c("expense_account_id", Uuid),
            c("created_on", Date),
        ],
        &[COMPANY, fk("expense_account_id", "ledger.accounts")],
    ),
    // Table::Employees
    tenant(
        "payroll.employees",
        &[
            ID,
            COMPANY_ID,
            c("number", Text),
            c("name", Text),
            c("email", Text),
            c("pay_type", Text),
            n("annual_salary", Money),
            n("hourly_rate", Money),
            c("hours_per_week", Integer),
            c("started_on", Date),
        ],
        &[COMPANY],
    ),
    // Table::Invoices (credit notes too, `kind`)
    tenant(
        "sales.invoices",
        &[
            ID,
            COMPANY_ID,
            c("customer_id", Uuid),
            c("kind", Text),
            c("number", Text),
            c("issue_date", Date),
            c("due_date", Date),
            c("currency", Char(3)),
            c("subtotal", Money),
            c("tax_total", Money),
            c("total", Money),
            c("amount_due", Money),
            c("status", Text),
            n("credited_invoice_id", Uuid),
        ],
        &[
            fk("customer_id", "sales.customers"),
            fk("credited_invoice_id", "sales.invoices"),
        ],
    ),
    // Table::InvoiceLines
    tenant(
        "sales.invoice_lines",
        &[
            ID,
            COMPANY_ID,
            c("invoice_id", Uuid),
            c("line_no", Integer),
            c("product_id", Uuid),
            c("description", Text),
            c("quantity", Integer),
            c("unit_price", Money),
            c("net_amount", Money),
            c("tax_rate_id", Uuid),
            c("tax_amount", Money),
            c("account_id", Uuid),
        ],
        &[
            fk("invoice_id", "sales.invoices"),
            fk("product_id", "catalog.products"),
            fk("tax_rate_id", "ledger.tax_rates"),
            fk("account_id", "ledger.accounts"),
        ],
    ),
    // Table::CustomerPayments (refunds too, `kind`)
    tenant(
        "sales.customer_payments",
        &[
            ID,
            COMPANY_ID,
            c("customer_id", Uuid),
            c("kind", Text),
            c("payment_date", Date),
            c("amount", Money),
            c("method", Text),
            c("reference", Text),
        ],
        &[fk("customer_id", "sales.customers")],
    ),
    // Table::PaymentAllocations
    tenant(
        "sales.payment_allocations",
        &[
            ID,
            COMPANY_ID,
            c("payment_id", Uuid),
            c("invoice_id", Uuid),
            c("amount", Money),
        ],
        &[
            fk("payment_id", "sales.customer_payments"),
            fk("invoice_id", "sales.invoices"),
        ],
    ),
    // Table::Bills
    tenant(
        "purchasing.bills",
        &[
            ID,
            COMPANY_ID,
            c("vendor_id", Uuid),
            c("number", Text),
            c("vendor_reference", Text),
            c("issue_date", Date),
            c("due_date", Date),
            c("currency", Char(3)),
            c("subtotal", Money),
            c("tax_total", Money),
            c("total", Money),
            c("amount_due", Money),
            c("status", Text),
        ],
        &[fk("vendor_id", "purchasing.vendors")],
    ),
    // Table::BillLines
    tenant(
        "purchasing.bill_lines",
        &[
            ID,
            COMPANY_ID,
            c("bill_id", Uuid),
            c("line_no", Integer),
            c("description", Text),
            c("quantity", Integer),
            c("unit_price", Money),
            c("net_amount", Money),
            c("tax_rate_id", Uuid),
            c("tax_amount", Money),
            c("account_id", Uuid),
        ],
        &[
            fk("bill_id", "purchasing.bills"),
            fk("tax_rate_id", "ledger.tax_rates"),
            fk("account_id", "ledger.accounts"),
        ],
    ),
    // Table::VendorPayments
    tenant(
        "purchasing.vendor_payments",
        &[
            ID,
            COMPANY_ID,
            c("vendor_id", Uuid),
            c("payment_date", Date),
            c("amount", Money),
            c("method", Text),
            c("reference", Text),
        ],
        &[fk("vendor_id", "purchasing.vendors")],
    ),
    // Table::VendorPaymentAllocations
    tenant(
        "purchasing.vendor_payment_allocations",
        &[
            ID,
            COMPANY_ID,
            c("payment_id", Uuid),
            c("bill_id", Uuid),
            c("amount", Money),
        ],
        &[
            fk("payment_id", "purchasing.vendor_payments"),
            fk("bill_id", "purchasing.bills"),
        ],
    ),
    // Table::PayrollRuns
    tenant(
        "payroll.runs",
        &[
            ID,
            COMPANY_ID,
            c("number", Text),
            c("period_start", Date),
            c("period_end", Date),
            c("pay_date", Date),
            c("employees", Integer),
            c("gross", Money),
            c("income_tax", Money),
            c("employee_contributions", Money),
            c("employer_contributions", Money),
            c("pension_employee", Money),
            c("pension_employer", Money),
            c("net", Money),
            c("status", Text),
        ],
        &[COMPANY],
    ),
    // Table::Payslips
    tenant(
        "payroll.payslips",
        &[
            ID,
            COMPANY_ID,
            c("run_id", Uuid),
            c("employee_id", Uuid),
            c("gross", Money),
            c("income_tax", Money),
            c("employee_contributions", Money),
            c("employer_contributions", Money),
            c("pension_employee", Money),
            c("pension_employer", Money),
            c("net", Money),
        ],
        &[
            fk("run_id", "payroll.runs"),
            fk("employee_id", "payroll.employees"),
        ],
    ),
    // Table::TaxReturns
    tenant(
        "ledger.tax_returns",
        &[
            ID,
            COMPANY_ID,
            c("period_start", Date),
            c("period_end", Date),
            c("output_tax", Money),
            c("input_tax", Money),
            c("net_due", Money),
            c("due_on", Date),
            n("filed_on", Date),
            n("paid_on", Date),
            c("status", Text),
        ],
        &[COMPANY],
    ),
    // Table::JournalEntries: `source_id` is polymorphic (`source_type`); the
    // generated columns narrow it to one parent each, for integrity.
    tenant(
        "ledger.journal_entries",
        &[
            ID,
            COMPANY_ID,
            c("number", Text),
            c("entry_date", Date),
            c("description", Text),
            c("reference", Text),
            c("source_type", Text),
            c("source_id", Uuid),
            generated("source_invoice_id"),
            generated("source_customer_payment_id"),
            generated("source_bill_id"),
            generated("source_vendor_payment_id"),
            generated("source_payroll_run_id"),
            generated("source_tax_return_id"),
        ],
        &[
            COMPANY,
            fk("source_invoice_id", "sales.invoices"),
            fk("source_customer_payment_id", "sales.customer_payments"),
            fk("source_bill_id", "purchasing.bills"),
            fk("source_vendor_payment_id", "purchasing.vendor_payments"),
            fk("source_payroll_run_id", "payroll.runs"),
            fk("source_tax_return_id", "ledger.tax_returns"),
        ],
    ),
    // Table::JournalLines
    tenant(
        "ledger.journal_lines",
        &[
            ID,
            COMPANY_ID,
            c("entry_id", Uuid),
            c("line_no", Integer),
            c("account_id", Uuid),
            c("debit", Money),
            c("credit", Money),
        ],
        &[
            fk("entry_id", "ledger.journal_entries"),
            fk("account_id", "ledger.accounts"),
        ],
    ),
    // Table::Reconciliations
    tenant(
        "banking.reconciliations",
        &[
            ID,
            COMPANY_ID,
            c("bank_account_id", Uuid),
            c("statement_date", Date),
            c("opening_balance", Money),
            c("closing_balance", Money),
            c("deposits_in_transit", Money),
            c("outstanding_payments", Money),
            c("book_balance", Money),
            c("status", Text),
        ],
        &[fk("bank_account_id", "banking.bank_accounts")],
    ),
    // Table::StatementLines
    tenant(
        "banking.statement_lines",
        &[
            ID,
            COMPANY_ID,
            c("bank_account_id", Uuid),
            c("booked_on", Date),
            c("cleared_on", Date),
            c("amount", Money),
            c("kind", Text),
            c("description", Text),
            c("reference", Text),
            c("journal_entry_id", Uuid),
            n("reconciliation_id", Uuid),
        ],
        &[
            fk("bank_account_id", "banking.bank_accounts"),
            fk("journal_entry_id", "ledger.journal_entries"),
            fk("reconciliation_id", "banking.reconciliations"),
        ],
    ),
    // Table::StockMovements: polymorphic `source_id` as in journal entries.
    tenant(
        "inventory.stock_movements",
        &[
            ID,
            COMPANY_ID,
            c("product_id", Uuid),
            c("moved_on", Date),
            c("kind", Text),
            c("quantity", Integer),
            c("unit_cost", Money),
            c("total_cost", Money),
            c("source_type", Text),
            n("source_id", Uuid),
            generated("source_invoice_id"),
            generated("source_bill_id"),
        ],
        &[
            fk("product_id", "catalog.products"),
            fk("source_invoice_id", "sales.invoices"),
            fk("source_bill_id", "purchasing.bills"),
        ],
    ),
];

/// API tokens: never in a dump. The loader issues them and stores only the
/// sha256 (`token_hash`).
pub static API_TOKENS: TableDef = TableDef {
    qualified: "core.api_tokens",
    columns: &[
        ID,
        COMPANY_ID,
        c("user_id", Uuid),
        c("name", Text),
        Column {
            name: "token_hash",
            ty: Char(64),
            nullable: false,
            fill: Credential,
        },
        c("abilities", TextArray),
        c("created_at", Timestamptz),
        n("last_used_at", Timestamptz),
    ],
    primary_key: TENANT_KEY,
    tenant_column: "company_id",
    parents: &[fk("user_id", "core.users")],
    dumped: false,
};
