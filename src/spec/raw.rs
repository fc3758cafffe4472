//! Raw spec types: what the YAML says, typed but not yet validated.
//!
//! Input: built by the decoder. Output: read by `validate`.
//! Invariant: `None` means the field was absent or could not be read; in the
//! second case a problem has already been reported, so validation must not
//! report it again. Every value validation may point at keeps its span.

use chrono::NaiveDate;
use miette::SourceSpan;

/// A value and where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spanned<T> {
    pub value: T,
    pub span: SourceSpan,
}

impl<T> Spanned<T> {
    pub fn new(value: T, span: SourceSpan) -> Self {
        Spanned { value, span }
    }
}

/// A list with the span of its key, for problems about the list as a whole.
#[derive(Debug, Clone)]
pub struct List<T> {
    pub key: SourceSpan,
    pub items: Vec<T>,
}

#[derive(Debug, Clone)]
pub struct RawScenario {
    /// Where to point problems that concern the whole file.
    pub top: SourceSpan,
    pub version: Option<Spanned<u64>>,
    pub scenario: Option<Spanned<String>>,
    pub seed: Option<Spanned<u64>>,
    pub calendar: Option<RawCalendar>,
    pub time_travel: Option<List<Spanned<String>>>,
    pub companies: Option<List<RawCompany>>,
}

#[derive(Debug, Clone)]
pub struct RawCalendar {
    pub key: SourceSpan,
    pub as_of: Option<Spanned<NaiveDate>>,
    pub months: Option<Spanned<u64>>,
}

#[derive(Debug, Clone)]
pub struct RawCompany {
    /// The list item's first line.
    pub at: SourceSpan,
    pub name: Option<Spanned<String>>,
    pub key: Option<Spanned<String>>,
    pub country: Option<Spanned<String>>,
    pub currency: Option<Spanned<String>>,
    pub industry: Option<Spanned<String>>,
    pub fiscal_year_start: Option<Spanned<String>>,
    pub email_domain: Option<Spanned<String>>,
    pub personas: Option<List<RawPersona>>,
    pub chart_of_accounts: Option<RawChart>,
    pub tax_rates: Option<List<RawTaxRate>>,
    pub customers: Option<RawParties>,
    pub vendors: Option<RawParties>,
    pub products: Option<RawProducts>,
    pub activity: Option<RawActivity>,
    pub banking: Option<RawBanking>,
    pub payroll: Option<RawPayroll>,
    pub inventory: Option<RawInventory>,
    /// The `tax` mapping: periodic tax returns.
    pub tax: Option<RawTaxFiling>,
    pub targets: Option<RawTargets>,
}

#[derive(Debug, Clone)]
pub struct RawPersona {
    pub at: SourceSpan,
    pub name: Option<Spanned<String>>,
    pub email: Option<Spanned<String>>,
    pub role: Option<Spanned<String>>,
}

#[derive(Debug, Clone)]
pub struct RawChart {
    pub key: SourceSpan,
    pub preset: Option<Spanned<String>>,
    pub accounts: Option<List<RawAccount>>,
}

#[derive(Debug, Clone)]
pub struct RawAccount {
    pub at: SourceSpan,
    pub code: Option<Spanned<String>>,
    pub name: Option<Spanned<String>>,
    pub kind: Option<Spanned<String>>,
    pub purpose: Option<Spanned<String>>,
}

#[derive(Debug, Clone)]
pub struct RawTaxRate {
    pub at: SourceSpan,
    pub code: Option<Spanned<String>>,
    pub name: Option<Spanned<String>>,
    pub kind: Option<Spanned<String>>,
    /// Basis points, signed so that range checks can name negative values.
    pub rate: Option<Spanned<i64>>,
}

/// Customers or vendors: the two populations share their shape.
#[derive(Debug, Clone)]
pub struct RawParties {
    pub key: SourceSpan,
    pub count: Option<Spanned<u64>>,
    /// Thousandths: `invoices_per_month` or `bills_per_month`.
    pub per_month: Option<Spanned<i64>>,
    pub payment_terms: Option<List<RawTerm>>,
    pub payers: Option<RawPayers>,
    /// Customers only; basis points.
    pub refund_rate: Option<Spanned<i64>>,
}

#[derive(Debug, Clone)]
pub struct RawTerm {
    pub at: SourceSpan,
    pub days: Option<Spanned<u64>>,
    pub share: Option<Spanned<i64>>,
}

#[derive(Debug, Clone)]
pub struct RawPayers {
    pub key: SourceSpan,
    pub prompt: Option<Spanned<i64>>,
    pub late: Option<Spanned<i64>>,
    pub partial: Option<Spanned<i64>>,
}

#[derive(Debug, Clone)]
pub struct RawProducts {
    pub key: SourceSpan,
    pub services: Option<Spanned<u64>>,
    pub goods: Option<Spanned<u64>>,
    pub price: Option<RawPrice>,
    pub tax_rate: Option<Spanned<String>>,
}

#[derive(Debug, Clone)]
pub struct RawPrice {
    pub key: SourceSpan,
    /// Minor units.
    pub min: Option<Spanned<i64>>,
    pub max: Option<Spanned<i64>>,
}

/// A `{min, max}` pair of money amounts, in minor units.
pub type RawMoneyRange = RawPrice;

#[derive(Debug, Clone)]
pub struct RawBanking {
    pub key: SourceSpan,
    pub accounts: Option<List<RawBankAccount>>,
    pub credit_card: Option<RawCreditCard>,
    /// Minor units, signed so that range checks can name negative values.
    pub monthly_fee: Option<Spanned<i64>>,
    /// Basis points per year.
    pub interest_rate: Option<Spanned<i64>>,
}

#[derive(Debug, Clone)]
pub struct RawBankAccount {
    pub at: SourceSpan,
    pub name: Option<Spanned<String>>,
    pub currency: Option<Spanned<String>>,
    /// Minor units.
    pub opening_balance: Option<Spanned<i64>>,
    pub code: Option<Spanned<String>>,
}

#[derive(Debug, Clone)]
pub struct RawCreditCard {
    pub key: SourceSpan,
    pub name: Option<Spanned<String>>,
    /// Minor units.
    pub limit: Option<Spanned<i64>>,
}

#[derive(Debug, Clone)]
pub struct RawPayroll {
    pub key: SourceSpan,
    pub frequency: Option<Spanned<String>>,
    pub employees: Option<Spanned<u64>>,
    /// Basis points.
    pub salaried: Option<Spanned<i64>>,
    /// Annual salary band.
    pub salary: Option<RawMoneyRange>,
    pub hourly_rate: Option<RawMoneyRange>,
    pub hours_per_week: Option<Spanned<u64>>,
    pub pension: Option<RawPension>,
}

#[derive(Debug, Clone)]
pub struct RawPension {
    pub key: SourceSpan,
    /// Basis points.
    pub employee: Option<Spanned<i64>>,
    pub employer: Option<Spanned<i64>>,
}

#[derive(Debug, Clone)]
pub struct RawInventory {
    pub key: SourceSpan,
    pub costing: Option<Spanned<String>>,
    /// Signed so that a negative count is reported as out of range.
    pub opening_units: Option<Spanned<i64>>,
    pub reorder_cover_days: Option<Spanned<u64>>,
    /// Basis points per month.
    pub shrinkage: Option<Spanned<i64>>,
    pub count_every_months: Option<Spanned<u64>>,
    /// Basis points.
    pub cost_share: Option<Spanned<i64>>,
}

#[derive(Debug, Clone)]
pub struct RawTaxFiling {
    pub key: SourceSpan,
    pub returns: Option<Spanned<String>>,
}

#[derive(Debug, Clone)]
pub struct RawTargets {
    pub key: SourceSpan,
    pub dso_days: Option<Spanned<u64>>,
    pub dpo_days: Option<Spanned<u64>>,
}

#[derive(Debug, Clone)]
pub struct RawActivity {
    pub key: SourceSpan,
    /// Basis points per year.
    pub growth: Option<Spanned<i64>>,
    pub seasonality: Option<Spanned<RawSeasonality>>,
}

#[derive(Debug, Clone)]
pub enum RawSeasonality {
    Named(String),
    /// Twelve weights in millionths, each with its own span.
    Weights(Vec<Spanned<i64>>),
}
