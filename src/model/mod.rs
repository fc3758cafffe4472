//! The validated scenario model: the contract between `validate` and `simulate`.
//!
//! Input: nothing (plain data types). Output: the types every later stage reads.
//! Invariants: a `Scenario` that exists has passed validation, so every default has
//! been applied, every reference resolves, every share mix sums to 100% and every
//! size is within the limits in [`limits`]. Money is integer minor units
//! ([`Money`]), rates and shares are integer basis points ([`Bp`]); there is no
//! floating point anywhere in the model, so nothing downstream can depend on libm.

pub mod defaults;
pub mod limits;
pub mod money;
pub mod overlay;
pub mod week;

use chrono::NaiveDate;
pub use money::{Bp, Milli, Money};
pub use overlay::{CashCrunch, Overlay, OverlayEffect, QuarterClose};

/// One compiled scenario spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scenario {
    /// Slug; also the output folder name under `generated/`.
    pub slug: String,
    pub seed: u64,
    /// Hex SHA-256 of the spec's bytes, written into the dump header.
    pub spec_hash: String,
    pub calendar: Calendar,
    pub companies: Vec<Company>,
    pub time_travel: Vec<TravelOffset>,
    /// Overlays layered on at `as_of`, in order; empty for a plain spec.
    pub overlays: Vec<Overlay>,
}

/// The simulated window: whole months ending with the month that holds `as_of`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Calendar {
    pub as_of: NaiveDate,
    pub months: u32,
}

/// A time-travel offset such as `+6 months`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TravelOffset {
    /// The spec's text, trimmed, for diagnostics only: it may hold any
    /// whitespace the parser accepts (a newline, U+2028), so nothing written
    /// to a file derives from it; files use [`TravelOffset::canonical`].
    pub text: String,
    pub amount: u32,
    pub unit: TravelUnit,
}

impl TravelOffset {
    /// `+6 months`, `+1 year`: the amount and the unit's English name, one
    /// space between, whatever spacing the spec used.
    pub fn canonical(&self) -> String {
        let unit = match self.unit {
            TravelUnit::Days => "day",
            TravelUnit::Weeks => "week",
            TravelUnit::Months => "month",
            TravelUnit::Years => "year",
        };
        let plural = if self.amount == 1 { "" } else { "s" };
        format!("+{} {unit}{plural}", self.amount)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TravelUnit {
    Days,
    Weeks,
    Months,
    Years,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Company {
    /// Stable slug that keys the company's random streams and ids.
    pub key: String,
    pub name: String,
    pub country: Country,
    pub currency: Currency,
    pub industry: Industry,
    /// Month (1 to 12) in which the fiscal year starts.
    pub fiscal_year_start_month: u32,
    /// Reserved domain used for generated customer and vendor emails.
    pub email_domain: String,
    pub personas: Vec<Persona>,
    pub accounts: Vec<Account>,
    pub tax_rates: Vec<TaxRate>,
    pub customers: CustomerProfile,
    pub vendors: VendorProfile,
    pub catalog: Catalog,
    pub activity: Activity,
    pub banking: Banking,
    pub payroll: Payroll,
    pub inventory: InventoryPolicy,
    pub tax_filing: TaxFiling,
    pub targets: Targets,
}

/// The company's bank accounts and card. Every account is in the company's
/// currency: demoforge does not simulate foreign exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Banking {
    /// At least one. The first is the operating account that every receipt and
    /// payment goes through; it is the chart's `Bank` account.
    pub accounts: Vec<BankAccount>,
    pub credit_card: Option<CreditCard>,
    /// Charged by the bank on the last business day of each month.
    pub monthly_fee: Money,
    /// Yearly interest on positive balances, credited monthly.
    pub interest_rate: Bp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankAccount {
    pub name: String,
    /// Code of the chart account that holds this bank account's book balance.
    pub account_code: String,
    /// Balance at the start of the window; `None` lets the simulation size it
    /// from the business (about three months of costs).
    pub opening_balance: Option<Money>,
}

/// A company credit card, used for small purchases and settled monthly from
/// the operating account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditCard {
    pub name: String,
    pub limit: Money,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayFrequency {
    Weekly,
    BiWeekly,
    Monthly,
}

/// Payroll. With no employees there are no payroll runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payroll {
    pub frequency: PayFrequency,
    pub employees: u32,
    /// Share of employees on an annual salary; the rest are paid by the hour.
    pub salaried: Bp,
    pub salary_min: Money,
    pub salary_max: Money,
    pub hourly_min: Money,
    pub hourly_max: Money,
    pub hours_per_week: u32,
    pub pension_employee: Bp,
    pub pension_employer: Bp,
}

/// How stock of goods is kept. Costing is always weighted average (see
/// docs/books.md).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InventoryPolicy {
    /// Units of each goods product on hand at the start of the window.
    pub opening_units: u32,
    /// Reorder when stock covers fewer than this many days of expected sales.
    pub reorder_cover_days: u32,
    /// Share of stock lost each month, found at stock counts.
    pub shrinkage: Bp,
    /// A stock count every this many months.
    pub count_every_months: u32,
    /// Unit cost as a share of the selling price.
    pub cost_share: Bp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilingFrequency {
    Monthly,
    Quarterly,
}

/// Periodic tax returns (VAT in GB, sales tax in the US).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxFiling {
    pub frequency: FilingFrequency,
}

/// Figures the books should show; the build reports what it achieved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Targets {
    /// Days sales outstanding.
    pub dso_days: Option<u32>,
    /// Days payables outstanding.
    pub dpo_days: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Country {
    GB,
    US,
}

/// ISO 4217 code. Only currencies with two minor digits are accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Currency {
    pub code: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Industry {
    Travel,
    Retail,
    Software,
    Manufacturing,
    ProfessionalServices,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Persona {
    pub name: String,
    pub email: String,
    pub role: Role,
}

/// Roles are broad on purpose, and none of them is a super-admin: a demo tenant's
/// evaluators must never be able to reach other tenants or platform settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Owner,
    Admin,
    Accountant,
    Bookkeeper,
    Sales,
    Purchasing,
    Viewer,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub code: String,
    pub name: String,
    pub kind: AccountKind,
    /// What the simulation uses the account for; `None` for accounts that are
    /// in the chart only because the spec listed them.
    pub purpose: Option<AccountPurpose>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum AccountKind {
    Asset,
    Liability,
    Equity,
    Income,
    Expense,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum AccountPurpose {
    Bank,
    AccountsReceivable,
    AccountsPayable,
    TaxOutput,
    TaxInput,
    ShareCapital,
    RetainedEarnings,
    ServiceRevenue,
    GoodsRevenue,
    Spend(SpendCategory),
    Inventory,
    FixedAssets,
    CreditCard,
    /// Tax due to the authority once a return is filed.
    TaxPayable,
    /// Income tax and social contributions withheld or owed, until remitted.
    PayrollLiabilities,
    PensionPayable,
    Wages,
    EmployerTaxes,
    EmployerPension,
    BankCharges,
    InterestIncome,
    BadDebts,
    StockAdjustments,
}

/// What a vendor sells to the company; each category books to its own account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SpendCategory {
    CostOfSales,
    Rent,
    Utilities,
    Software,
    Marketing,
    ProfessionalFees,
    OfficeSupplies,
    Travel,
}

impl SpendCategory {
    pub const ALL: [SpendCategory; 8] = [
        SpendCategory::CostOfSales,
        SpendCategory::Rent,
        SpendCategory::Utilities,
        SpendCategory::Software,
        SpendCategory::Marketing,
        SpendCategory::ProfessionalFees,
        SpendCategory::OfficeSupplies,
        SpendCategory::Travel,
    ];
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxRate {
    pub code: String,
    pub name: String,
    pub kind: TaxKind,
    pub rate: Bp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TaxKind {
    Standard,
    Reduced,
    Zero,
    Exempt,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermShare {
    pub days: u32,
    pub share: Bp,
}

/// How a population settles its documents. The three shares sum to 100%.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PayerMix {
    pub prompt: Bp,
    pub late: Bp,
    pub partial: Bp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerProfile {
    pub count: u32,
    /// Mean invoices per customer per month, before growth and seasonality.
    /// Per customer, so that adding a customer never changes another's activity.
    pub invoices_per_month: Milli,
    pub payment_terms: Vec<TermShare>,
    pub payers: PayerMix,
    /// Share of paid invoices that are later partly credited and refunded.
    pub refund_rate: Bp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VendorProfile {
    pub count: u32,
    /// Mean bills per vendor per month, before growth and seasonality.
    pub bills_per_month: Milli,
    pub payment_terms: Vec<TermShare>,
    pub payers: PayerMix,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalog {
    pub services: u32,
    pub goods: u32,
    pub price_min: Money,
    pub price_max: Money,
    /// Code of the tax rate charged on standard-rated products; validation
    /// guarantees it names a rate in the company's `tax_rates`.
    pub standard_tax_code: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activity {
    /// Growth per year, may be negative.
    pub growth_per_year: i32,
    /// Relative weight of each calendar month (January first), in thousandths;
    /// normalised so that the twelve weights average 1000.
    pub seasonality: [u32; 12],
}

impl Company {
    /// The first account with the given purpose. Validation guarantees that
    /// every purpose the simulation needs is present exactly once.
    pub fn account(&self, purpose: AccountPurpose) -> &Account {
        self.accounts
            .iter()
            .find(|a| a.purpose == Some(purpose))
            .expect("validated chart has every purpose")
    }

    pub fn tax_rate(&self, kind: TaxKind) -> Option<&TaxRate> {
        self.tax_rates.iter().find(|t| t.kind == kind)
    }
}

impl AccountKind {
    pub fn key(self) -> &'static str {
        match self {
            AccountKind::Asset => "asset",
            AccountKind::Liability => "liability",
            AccountKind::Equity => "equity",
            AccountKind::Income => "income",
            AccountKind::Expense => "expense",
        }
    }
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::Owner,
        Role::Admin,
        Role::Accountant,
        Role::Bookkeeper,
        Role::Sales,
        Role::Purchasing,
        Role::Viewer,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Accountant => "accountant",
            Role::Bookkeeper => "bookkeeper",
            Role::Sales => "sales",
            Role::Purchasing => "purchasing",
            Role::Viewer => "viewer",
        }
    }

    pub fn from_key(key: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.key() == key)
    }
}

/// Why the books can't be shown as of a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoveError {
    /// The date is before the window's first day.
    BeforeWindow { start: NaiveDate },
    /// The date is further beyond `as_of` than time travel may go.
    TooLate { latest: NaiveDate },
}

impl Scenario {
    /// The scenario as of `date`, within the window start and
    /// [`Calendar::latest`]: what previews and exports at a date simulate.
    pub fn at(&self, date: NaiveDate) -> Result<Scenario, MoveError> {
        let (start, latest) = (self.calendar.start(), self.calendar.latest());
        if date < start {
            Err(MoveError::BeforeWindow { start })
        } else if date > latest {
            Err(MoveError::TooLate { latest })
        } else if date == self.calendar.as_of {
            Ok(self.clone())
        } else {
            Ok(self.moved_to(date))
        }
    }

    /// The same scenario with `as_of` moved to `date` and the window start kept:
    /// what time travel compiles. Months may then exceed the spec's 18.
    pub fn moved_to(&self, date: NaiveDate) -> Scenario {
        let mut moved = self.clone();
        moved.calendar = self.calendar.moved_to(date);
        moved
    }

    /// The same scenario with `overlays` layered on after any it already has.
    /// Each overlay applies once: a name already present is refused.
    pub fn with_overlays(&self, overlays: &[Overlay]) -> Result<Scenario, String> {
        let mut layered = self.clone();
        for overlay in overlays {
            if layered.overlays.iter().any(|o| o.name == overlay.name) {
                return Err(format!(
                    "overlay `{}` is already applied to {}",
                    overlay.name, self.slug
                ));
            }
            if let Some(close) = overlay.quarter_close() {
                for company in &mut layered.companies {
                    let existing = company
                        .accounts
                        .iter()
                        .find(|a| a.code == close.accruals_account);
                    if let Some(a) =
                        existing.filter(|a| a.kind != AccountKind::Liability || a.purpose.is_some())
                    {
                        return Err(format!(
                            "overlay `{}`: account {} ({}) cannot hold accruals; name a free code or a plain liability account",
                            overlay.name, a.code, a.name
                        ));
                    }
                    if existing.is_none() {
                        company.accounts.push(Account {
                            code: close.accruals_account.clone(),
                            name: "Accrued liabilities".into(),
                            kind: AccountKind::Liability,
                            purpose: None,
                        });
                    }
                }
            }
            layered.overlays.push(overlay.clone());
        }
        Ok(layered)
    }
}

impl Calendar {
    /// This calendar with `as_of` moved to `date` (on or after the window
    /// start) and the same start.
    pub fn moved_to(&self, date: NaiveDate) -> Calendar {
        use chrono::Datelike;
        let start = self.start();
        let months =
            (date.year() - start.year()) * 12 + date.month() as i32 - start.month() as i32 + 1;
        Calendar {
            as_of: date,
            months: months.max(1) as u32,
        }
    }

    /// The latest date the books may be moved to (previews, exports, deltas):
    /// `as_of` plus the largest time-travel offset a spec may ask for. Later
    /// dates would simulate without bound.
    pub fn latest(&self) -> NaiveDate {
        self.as_of
            .checked_add_days(chrono::Days::new(limits::MAX_TIME_TRAVEL_DAYS.into()))
            .unwrap_or(self.as_of)
    }

    /// First day of the first simulated month.
    pub fn start(&self) -> NaiveDate {
        use chrono::{Datelike, Months};
        let first_of_as_of_month = self.as_of.with_day(1).expect("day 1 exists");
        first_of_as_of_month
            .checked_sub_months(Months::new(self.months - 1))
            .expect("validated window stays in range")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moving_as_of_keeps_the_window_start() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        let calendar = Calendar {
            as_of: d(2026, 11, 15),
            months: 18,
        };
        assert_eq!(calendar.start(), d(2025, 6, 1));
        let moved = calendar.moved_to(d(2027, 5, 15));
        assert_eq!((moved.start(), moved.months), (d(2025, 6, 1), 24));
        let earlier = calendar.moved_to(d(2026, 1, 31));
        assert_eq!((earlier.start(), earlier.months), (d(2025, 6, 1), 8));
    }
}
