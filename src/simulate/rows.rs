//! Rows of the reference schema, as the simulation emits them.
//!
//! One struct per table, fields in the table's column order. The simulation
//! hands each row to a [`RowSink`] as soon as it exists, so nothing has to hold
//! the whole ledger in memory.

use chrono::NaiveDate;
use uuid::Uuid;

use crate::model::Money;

/// Every table the dump fills, in foreign-key order: the dump's block order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Table {
    Companies,
    Users,
    Roles,
    RolePermissions,
    Memberships,
    Accounts,
    TaxRates,
    Products,
    Customers,
    Vendors,
    Invoices,
    InvoiceLines,
    CustomerPayments,
    PaymentAllocations,
    Bills,
    BillLines,
    VendorPayments,
    VendorPaymentAllocations,
    JournalEntries,
    JournalLines,
}

impl Table {
    pub const ALL: [Table; 20] = [
        Table::Companies,
        Table::Users,
        Table::Roles,
        Table::RolePermissions,
        Table::Memberships,
        Table::Accounts,
        Table::TaxRates,
        Table::Products,
        Table::Customers,
        Table::Vendors,
        Table::Invoices,
        Table::InvoiceLines,
        Table::CustomerPayments,
        Table::PaymentAllocations,
        Table::Bills,
        Table::BillLines,
        Table::VendorPayments,
        Table::VendorPaymentAllocations,
        Table::JournalEntries,
        Table::JournalLines,
    ];

    pub fn index(self) -> usize {
        self as usize
    }
}

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
