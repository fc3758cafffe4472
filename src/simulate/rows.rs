//! Rows of the reference schema, as the simulation emits them.
//!
//! One struct per table, fields in the table's column order as declared in
//! [`crate::catalog`] (which also defines [`Table`]). The simulation
//! hands each row to a [`RowSink`] as soon as it exists, so nothing has to hold
//! the whole ledger in memory.

use chrono::NaiveDate;
use uuid::Uuid;

use crate::model::Money;

pub use crate::catalog::Table;

/// Receives rows in a stable order.
pub trait RowSink {
    fn row(&mut self, row: Row<'_>);
}

#[derive(Debug, Clone, Copy)]
pub enum Row<'a> {
    Company(&'a CompanyRow),
    User(&'a UserRow),
    Role(&'a RoleRow),
    RolePermission(&'a RolePermissionRow),
    Membership(&'a MembershipRow),
    Account(&'a AccountRow),
    TaxRate(&'a TaxRateRow),
    Product(&'a ProductRow),
    Customer(&'a PartyRow),
    Vendor(&'a PartyRow),
    Invoice(&'a DocumentRow),
    InvoiceLine(&'a LineRow),
    CustomerPayment(&'a PaymentRow),
    PaymentAllocation(&'a AllocationRow),
    Bill(&'a DocumentRow),
    BillLine(&'a LineRow),
    VendorPayment(&'a PaymentRow),
    VendorPaymentAllocation(&'a AllocationRow),
    JournalEntry(&'a JournalEntryRow),
    JournalLine(&'a JournalLineRow),
    FiscalYear(&'a FiscalYearRow),
    Period(&'a PeriodRow),
    BankAccount(&'a BankAccountRow),
    Employee(&'a EmployeeRow),
    PayrollRun(&'a PayrollRunRow),
    Payslip(&'a PayslipRow),
    TaxReturn(&'a TaxReturnRow),
    Reconciliation(&'a ReconciliationRow),
    StatementLine(&'a StatementLineRow),
    StockMovement(&'a StockMovementRow),
}

impl Row<'_> {
    pub fn table(&self) -> Table {
        match self {
            Row::Company(_) => Table::Companies,
            Row::User(_) => Table::Users,
            Row::Role(_) => Table::Roles,
            Row::RolePermission(_) => Table::RolePermissions,
            Row::Membership(_) => Table::Memberships,
            Row::Account(_) => Table::Accounts,
            Row::TaxRate(_) => Table::TaxRates,
            Row::Product(_) => Table::Products,
            Row::Customer(_) => Table::Customers,
            Row::Vendor(_) => Table::Vendors,
            Row::Invoice(_) => Table::Invoices,
            Row::InvoiceLine(_) => Table::InvoiceLines,
            Row::CustomerPayment(_) => Table::CustomerPayments,
            Row::PaymentAllocation(_) => Table::PaymentAllocations,
            Row::Bill(_) => Table::Bills,
            Row::BillLine(_) => Table::BillLines,
            Row::VendorPayment(_) => Table::VendorPayments,
            Row::VendorPaymentAllocation(_) => Table::VendorPaymentAllocations,
            Row::JournalEntry(_) => Table::JournalEntries,
            Row::JournalLine(_) => Table::JournalLines,
            Row::FiscalYear(_) => Table::FiscalYears,
            Row::Period(_) => Table::Periods,
            Row::BankAccount(_) => Table::BankAccounts,
            Row::Employee(_) => Table::Employees,
            Row::PayrollRun(_) => Table::PayrollRuns,
            Row::Payslip(_) => Table::Payslips,
            Row::TaxReturn(_) => Table::TaxReturns,
            Row::Reconciliation(_) => Table::Reconciliations,
            Row::StatementLine(_) => Table::StatementLines,
            Row::StockMovement(_) => Table::StockMovements,
        }
    }
}

#[derive(Debug, Clone)]
pub struct CompanyRow {
    pub id: Uuid,
    pub name: String,
    pub country: &'static str,
    pub currency: String,
    pub industry: &'static str,
    pub fiscal_year_start_month: u32,
    pub created_on: NaiveDate,
}

#[derive(Debug, Clone)]
pub struct UserRow {
    pub id: Uuid,
    pub company_id: Uuid,
    pub name: String,
    pub email: String,
    pub created_on: NaiveDate,
}

#[derive(Debug, Clone)]
pub struct RoleRow {
    pub id: Uuid,
    pub company_id: Uuid,
    pub key: &'static str,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct RolePermissionRow {
    pub company_id: Uuid,
    pub role_id: Uuid,
    pub permission: &'static str,
}

#[derive(Debug, Clone)]
pub struct MembershipRow {
    pub id: Uuid,
    pub company_id: Uuid,
    pub user_id: Uuid,
    pub role_id: Uuid,
}

#[derive(Debug, Clone)]
pub struct AccountRow {
    pub id: Uuid,
    pub company_id: Uuid,
    pub code: String,
    pub name: String,
    pub kind: &'static str,
    pub purpose: Option<&'static str>,
}

#[derive(Debug, Clone)]
pub struct TaxRateRow {
    pub id: Uuid,
    pub company_id: Uuid,
    pub code: String,
    pub name: String,
    pub kind: &'static str,
    /// Basis points; rendered as a percentage with four decimals.
    pub rate_bp: u32,
}

#[derive(Debug, Clone)]
pub struct ProductRow {
    pub id: Uuid,
    pub company_id: Uuid,
    pub sku: String,
    pub name: String,
    pub kind: &'static str,
    pub unit_price: Money,
    pub tax_rate_id: Uuid,
    pub income_account_id: Uuid,
}

/// A customer or a vendor; vendors also carry a spend category and account.
#[derive(Debug, Clone)]
pub struct PartyRow {
    pub id: Uuid,
    pub company_id: Uuid,
    pub number: String,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub address_line1: String,
    pub city: String,
    pub postcode: String,
    pub country: &'static str,
    pub payment_terms_days: u32,
    pub spend: Option<(&'static str, Uuid)>,
    pub created_on: NaiveDate,
}

/// An AR invoice or credit note, or an AP bill, with its state as of `as_of`.
#[derive(Debug, Clone)]
pub struct DocumentRow {
    pub id: Uuid,
    pub company_id: Uuid,
    pub party_id: Uuid,
    pub kind: &'static str,
    pub number: String,
    /// Vendor's own reference for bills; unused for invoices.
    pub reference: String,
    pub issue_date: NaiveDate,
    pub due_date: NaiveDate,
    pub currency: String,
    pub subtotal: Money,
    pub tax_total: Money,
    pub total: Money,
    pub amount_due: Money,
    pub status: &'static str,
    pub credited_id: Option<Uuid>,
}

#[derive(Debug, Clone)]
pub struct LineRow {
    pub id: Uuid,
    pub company_id: Uuid,
    pub document_id: Uuid,
    pub line_no: u32,
    pub product_id: Option<Uuid>,
    pub description: String,
    pub quantity: u32,
    pub unit_price: Money,
    pub net_amount: Money,
    pub tax_rate_id: Uuid,
    pub tax_amount: Money,
    pub account_id: Uuid,
}

#[derive(Debug, Clone)]
pub struct PaymentRow {
    pub id: Uuid,
    pub company_id: Uuid,
    pub party_id: Uuid,
    /// `receipt` or `refund` for customers; vendor payments leave it unused.
    pub kind: &'static str,
    pub date: NaiveDate,
    pub amount: Money,
    pub method: &'static str,
    pub reference: String,
}

#[derive(Debug, Clone)]
pub struct AllocationRow {
    pub id: Uuid,
    pub company_id: Uuid,
    pub payment_id: Uuid,
    pub document_id: Uuid,
    pub amount: Money,
}

#[derive(Debug, Clone)]
pub struct JournalEntryRow {
    pub id: Uuid,
    pub company_id: Uuid,
    pub number: String,
    pub date: NaiveDate,
    pub description: String,
    /// Number of the source document, e.g. `INV-2026-00012`.
    pub reference: String,
    pub source_type: &'static str,
    pub source_id: Uuid,
}

#[derive(Debug, Clone)]
pub struct JournalLineRow {
    pub id: Uuid,
    pub company_id: Uuid,
    pub entry_id: Uuid,
    pub line_no: u32,
    pub account_id: Uuid,
    pub debit: Money,
    pub credit: Money,
}

#[derive(Debug, Clone)]
pub struct FiscalYearRow {
    pub id: Uuid,
    pub company_id: Uuid,
    pub name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub status: &'static str,
}

#[derive(Debug, Clone)]
pub struct PeriodRow {
    pub id: Uuid,
    pub company_id: Uuid,
    pub fiscal_year_id: Uuid,
    pub name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub status: &'static str,
    pub locked: bool,
}

#[derive(Debug, Clone)]
pub struct BankAccountRow {
    pub id: Uuid,
    pub company_id: Uuid,
    pub name: String,
    pub currency: String,
    pub account_id: Uuid,
    pub opening_balance: Money,
}

#[derive(Debug, Clone)]
pub struct EmployeeRow {
    pub id: Uuid,
    pub company_id: Uuid,
    pub number: String,
    pub name: String,
    pub email: String,
    pub pay_type: &'static str,
    pub annual_salary: Option<Money>,
    pub hourly_rate: Option<Money>,
    pub hours_per_week: u32,
    pub started_on: NaiveDate,
}

/// Amounts of one payroll run, or of one payslip within it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PayAmounts {
    pub gross: Money,
    pub income_tax: Money,
    pub employee_contributions: Money,
    pub employer_contributions: Money,
    pub pension_employee: Money,
    pub pension_employer: Money,
    pub net: Money,
}

#[derive(Debug, Clone)]
pub struct PayrollRunRow {
    pub id: Uuid,
    pub company_id: Uuid,
    pub number: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub pay_date: NaiveDate,
    pub employees: u32,
    pub amounts: PayAmounts,
    pub status: &'static str,
}

#[derive(Debug, Clone)]
pub struct PayslipRow {
    pub id: Uuid,
    pub company_id: Uuid,
    pub run_id: Uuid,
    pub employee_id: Uuid,
    pub amounts: PayAmounts,
}

#[derive(Debug, Clone)]
pub struct TaxReturnRow {
    pub id: Uuid,
    pub company_id: Uuid,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub output_tax: Money,
    pub input_tax: Money,
    pub net_due: Money,
    pub due_on: NaiveDate,
    pub filed_on: Option<NaiveDate>,
    pub paid_on: Option<NaiveDate>,
    pub status: &'static str,
}

#[derive(Debug, Clone)]
pub struct ReconciliationRow {
    pub id: Uuid,
    pub company_id: Uuid,
    pub bank_account_id: Uuid,
    pub statement_date: NaiveDate,
    pub opening_balance: Money,
    pub closing_balance: Money,
    pub deposits_in_transit: Money,
    pub outstanding_payments: Money,
    pub book_balance: Money,
    pub status: &'static str,
}

#[derive(Debug, Clone)]
pub struct StatementLineRow {
    pub id: Uuid,
    pub company_id: Uuid,
    pub bank_account_id: Uuid,
    pub booked_on: NaiveDate,
    pub cleared_on: NaiveDate,
    pub amount: Money,
    pub kind: &'static str,
    pub description: String,
    pub reference: String,
    pub journal_entry_id: Uuid,
    pub reconciliation_id: Option<Uuid>,
}

#[derive(Debug, Clone)]
pub struct StockMovementRow {
    pub id: Uuid,
    pub company_id: Uuid,
    pub product_id: Uuid,
    pub moved_on: NaiveDate,
    pub kind: &'static str,
    pub quantity: i64,
    pub unit_cost: Money,
    pub total_cost: Money,
    pub source_type: &'static str,
    pub source_id: Option<Uuid>,
}
