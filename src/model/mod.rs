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
mod money;

use chrono::NaiveDate;
pub use money::{Bp, Milli, Money};

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
}

/// The simulated window: whole months ending with the month that holds `as_of`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Calendar {
    pub as_of: NaiveDate,
    pub months: u32,
}

/// A time-travel offset such as `+6 months`, kept with its original text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TravelOffset {
    pub text: String,
    pub amount: u32,
    pub unit: TravelUnit,
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

impl Scenario {
    /// The same scenario with `as_of` moved to `date` and the window start kept:
    /// what time travel compiles. Months may then exceed the spec's 18.
    pub fn moved_to(&self, date: NaiveDate) -> Scenario {
        let mut moved = self.clone();
        moved.calendar = self.calendar.moved_to(date);
        moved
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
