//! Defaults that let a 15-line spec describe a full company.
//!
//! Input: a country, industry or preset name. Output: model values.
//! Invariant: every default chart holds exactly one account for each purpose the
//! simulation needs ([`REQUIRED_PURPOSES`]), and every default tax table has a
//! standard rate.

use super::{
    Account, AccountKind, AccountPurpose, BankAccount, Banking, Bp, Country, FilingFrequency,
    Industry, InventoryPolicy, Money, PayFrequency, Payroll, SpendCategory, Targets, TaxFiling,
    TaxKind, TaxRate,
};

/// Purposes that every chart must cover, whether defaulted or overridden.
pub const REQUIRED_PURPOSES: [AccountPurpose; 30] = [
    AccountPurpose::Bank,
    AccountPurpose::AccountsReceivable,
    AccountPurpose::AccountsPayable,
    AccountPurpose::TaxOutput,
    AccountPurpose::TaxInput,
    AccountPurpose::ShareCapital,
    AccountPurpose::RetainedEarnings,
    AccountPurpose::ServiceRevenue,
    AccountPurpose::GoodsRevenue,
    AccountPurpose::Spend(SpendCategory::CostOfSales),
    AccountPurpose::Spend(SpendCategory::Rent),
    AccountPurpose::Spend(SpendCategory::Utilities),
    AccountPurpose::Spend(SpendCategory::Software),
    AccountPurpose::Spend(SpendCategory::Marketing),
    AccountPurpose::Spend(SpendCategory::ProfessionalFees),
    AccountPurpose::Spend(SpendCategory::OfficeSupplies),
    AccountPurpose::Spend(SpendCategory::Travel),
    AccountPurpose::Inventory,
    AccountPurpose::FixedAssets,
    AccountPurpose::CreditCard,
    AccountPurpose::TaxPayable,
    AccountPurpose::PayrollLiabilities,
    AccountPurpose::PensionPayable,
    AccountPurpose::Wages,
    AccountPurpose::EmployerTaxes,
    AccountPurpose::EmployerPension,
    AccountPurpose::BankCharges,
    AccountPurpose::InterestIncome,
    AccountPurpose::BadDebts,
    AccountPurpose::StockAdjustments,
];

/// Currencies the simulation can hold: all have two minor digits.
pub const SUPPORTED_CURRENCIES: [&str; 8] =
    ["GBP", "USD", "EUR", "CAD", "AUD", "NZD", "CHF", "SGD"];

pub fn currency(country: Country) -> &'static str {
    match country {
        Country::GB => "GBP",
        Country::US => "USD",
    }
}

/// GB companies mostly run April to March (the tax year); US ones the calendar year.
pub fn fiscal_year_start_month(country: Country) -> u32 {
    match country {
        Country::GB => 4,
        Country::US => 1,
    }
}

pub fn chart_of_accounts(country: Country) -> Vec<Account> {
    use AccountKind::*;
    use AccountPurpose as P;
    use SpendCategory as S;
    let gb = country == Country::GB;
    let (tax_out, tax_in, capital) = if gb {
        ("VAT output", "VAT input", "Share capital")
    } else {
        (
            "Sales tax collected",
            "Sales tax receivable",
            "Common stock",
        )
    };
    let tax_due = if gb {
        "VAT due to HMRC"
    } else {
        "Sales tax due"
    };
    let payroll_due = if gb {
        "PAYE and NI payable"
    } else {
        "Payroll taxes payable"
    };
    let pension_due = if gb {
        "Pension contributions payable"
    } else {
        "401(k) contributions payable"
    };
    let employer_taxes = if gb {
        "Employer's National Insurance"
    } else {
        "Employer payroll taxes"
    };
    let rows: [(&str, &str, AccountKind, AccountPurpose); 30] = [
        ("1000", "Business current account", Asset, P::Bank),
        ("1100", "Accounts receivable", Asset, P::AccountsReceivable),
        ("1200", tax_in, Asset, P::TaxInput),
        ("2000", "Accounts payable", Liability, P::AccountsPayable),
        ("2100", tax_out, Liability, P::TaxOutput),
        ("3000", capital, Equity, P::ShareCapital),
        ("3100", "Retained earnings", Equity, P::RetainedEarnings),
        ("4000", "Service revenue", Income, P::ServiceRevenue),
        ("4100", "Product sales", Income, P::GoodsRevenue),
        ("5000", "Cost of sales", Expense, P::Spend(S::CostOfSales)),
        ("6000", "Rent", Expense, P::Spend(S::Rent)),
        ("6100", "Utilities", Expense, P::Spend(S::Utilities)),
        (
            "6200",
            "Software subscriptions",
            Expense,
            P::Spend(S::Software),
        ),
        ("6300", "Marketing", Expense, P::Spend(S::Marketing)),
        (
            "6400",
            "Professional fees",
            Expense,
            P::Spend(S::ProfessionalFees),
        ),
        (
            "6500",
            "Office supplies",
            Expense,
            P::Spend(S::OfficeSupplies),
        ),
        (
            "6600",
            "Travel and subsistence",
            Expense,
            P::Spend(S::Travel),
        ),
        ("1300", "Inventory", Asset, P::Inventory),
        ("1500", "Office equipment", Asset, P::FixedAssets),
        ("2050", "Company credit card", Liability, P::CreditCard),
        ("2150", tax_due, Liability, P::TaxPayable),
        ("2200", payroll_due, Liability, P::PayrollLiabilities),
        ("2210", pension_due, Liability, P::PensionPayable),
        ("4900", "Interest income", Income, P::InterestIncome),
        ("5100", "Stock adjustments", Expense, P::StockAdjustments),
        ("7000", "Wages and salaries", Expense, P::Wages),
        ("7010", employer_taxes, Expense, P::EmployerTaxes),
        (
            "7020",
            "Employer pension contributions",
            Expense,
            P::EmployerPension,
        ),
        ("7100", "Bank charges", Expense, P::BankCharges),
        ("7200", "Bad debts", Expense, P::BadDebts),
    ];
    rows.into_iter()
        .map(|(code, name, kind, purpose)| Account {
            code: code.to_owned(),
            name: name.to_owned(),
            kind,
            purpose: Some(purpose),
        })
        .collect()
}

pub fn tax_rates(country: Country) -> Vec<TaxRate> {
    let rate = |code: &str, name: &str, kind, bp| TaxRate {
        code: code.to_owned(),
        name: name.to_owned(),
        kind,
        rate: Bp(bp),
    };
    match country {
        Country::GB => vec![
            rate("STD", "Standard rate VAT", TaxKind::Standard, 2000),
            rate("RED", "Reduced rate VAT", TaxKind::Reduced, 500),
            rate("ZERO", "Zero rate VAT", TaxKind::Zero, 0),
            rate("EXEMPT", "Exempt", TaxKind::Exempt, 0),
        ],
        Country::US => vec![
            rate("STD", "State and local sales tax", TaxKind::Standard, 825),
            rate("EXEMPT", "Exempt", TaxKind::Exempt, 0),
        ],
    }
}

/// Named seasonality shapes, January first, in thousandths averaging 1000.
pub fn seasonality(name: &str) -> Option<[u32; 12]> {
    match name {
        "flat" => Some([1000; 12]),
        // Bookings peak in January (summer holidays booked after Christmas) and
        // again before the summer; December is quiet.
        "travel" => Some([
            1450, 1250, 1100, 1000, 1050, 1150, 1000, 850, 900, 850, 750, 650,
        ]),
        "retail" => Some([
            800, 750, 900, 950, 1000, 950, 950, 1000, 950, 1050, 1250, 1450,
        ]),
        "b2b" => Some([
            950, 1050, 1100, 1050, 1050, 1000, 900, 800, 1050, 1100, 1100, 850,
        ]),
        _ => None,
    }
}

pub const SEASONALITY_NAMES: [&str; 4] = ["flat", "travel", "retail", "b2b"];

/// Default payroll size by industry: (employees, salaried share in basis points).
pub fn employees(industry: Industry) -> (u32, u32) {
    match industry {
        Industry::Travel => (14, 7_000),
        Industry::Retail => (22, 3_000),
        Industry::Software => (18, 9_500),
        Industry::Manufacturing => (35, 4_000),
        Industry::ProfessionalServices => (12, 9_000),
    }
}

/// One operating account, named after the chart's bank account, and no card.
pub fn banking(country: Country, chart: &[Account]) -> Banking {
    let operating = chart
        .iter()
        .find(|a| a.purpose == Some(AccountPurpose::Bank))
        .expect("charts hold a bank account");
    Banking {
        accounts: vec![BankAccount {
            name: operating.name.clone(),
            account_code: operating.code.clone(),
            opening_balance: None,
        }],
        credit_card: None,
        monthly_fee: Money(monthly_bank_fee(country)),
        interest_rate: Bp(50),
    }
}

/// Simplified, plausible payroll: GB monthly with auto-enrolment pension
/// (5% employee, 3% employer); US bi-weekly with a 401(k) (4% and 3% match).
pub fn payroll(country: Country, industry: Industry) -> Payroll {
    let (employees, salaried) = employees(industry);
    let (frequency, pension_employee, pension_employer) = match country {
        Country::GB => (PayFrequency::Monthly, 500, 300),
        Country::US => (PayFrequency::BiWeekly, 400, 300),
    };
    Payroll {
        frequency,
        employees,
        salaried: Bp(salaried),
        salary_min: Money(2_600_000),
        salary_max: Money(7_500_000),
        hourly_min: Money(1_250),
        hourly_max: Money(2_200),
        hours_per_week: 37,
        pension_employee: Bp(pension_employee),
        pension_employer: Bp(pension_employer),
    }
}

pub fn inventory() -> InventoryPolicy {
    InventoryPolicy {
        opening_units: 40,
        reorder_cover_days: 45,
        shrinkage: Bp(30),
        count_every_months: 3,
        cost_share: Bp(5_500),
    }
}

/// GB VAT returns are quarterly; US sales tax returns are often monthly.
pub fn tax_filing(country: Country) -> TaxFiling {
    TaxFiling {
        frequency: match country {
            Country::GB => FilingFrequency::Quarterly,
            Country::US => FilingFrequency::Monthly,
        },
    }
}

pub fn targets() -> Targets {
    Targets {
        dso_days: None,
        dpo_days: None,
    }
}

/// Bank charges per month, in minor units.
pub fn monthly_bank_fee(country: Country) -> i64 {
    match country {
        Country::GB => 1_250,
        Country::US => 1_500,
    }
}

/// Default population sizes by industry: (customers, vendors, services, goods).
pub fn population(industry: Industry) -> (u32, u32, u32, u32) {
    match industry {
        Industry::Travel => (120, 30, 14, 2),
        Industry::Retail => (300, 40, 4, 40),
        Industry::Software => (80, 20, 10, 0),
        Industry::Manufacturing => (60, 45, 3, 30),
        Industry::ProfessionalServices => (50, 20, 10, 0),
    }
}

/// Which permissions each role grants. Deliberately no role can manage other
/// tenants, billing of the platform or impersonation.
pub fn permissions(role: super::Role) -> &'static [&'static str] {
    use super::Role::*;
    const ALL_BOOKS: &[&str] = &[
        "company.manage",
        "users.manage",
        "sales.read",
        "sales.write",
        "purchases.read",
        "purchases.write",
        "ledger.read",
        "ledger.write",
        "reports.read",
        "settings.manage",
    ];
    match role {
        Owner => ALL_BOOKS,
        Admin => &[
            "users.manage",
            "sales.read",
            "sales.write",
            "purchases.read",
            "purchases.write",
            "ledger.read",
            "reports.read",
            "settings.manage",
        ],
        Accountant => &[
            "sales.read",
            "sales.write",
            "purchases.read",
            "purchases.write",
            "ledger.read",
            "ledger.write",
            "reports.read",
        ],
        Bookkeeper => &[
            "sales.read",
            "sales.write",
            "purchases.read",
            "purchases.write",
            "ledger.read",
            "reports.read",
        ],
        Sales => &["sales.read", "sales.write", "reports.read"],
        Purchasing => &["purchases.read", "purchases.write", "reports.read"],
        Viewer => &[
            "sales.read",
            "purchases.read",
            "ledger.read",
            "reports.read",
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_chart_covers_each_required_purpose_once() {
        for country in [Country::GB, Country::US] {
            let chart = chart_of_accounts(country);
            for purpose in REQUIRED_PURPOSES {
                let n = chart.iter().filter(|a| a.purpose == Some(purpose)).count();
                assert_eq!(n, 1, "{country:?} {purpose:?}");
            }
        }
    }

    #[test]
    fn seasonality_presets_average_one() {
        for name in SEASONALITY_NAMES {
            let sum: u32 = seasonality(name).unwrap().iter().sum();
            assert_eq!(sum, 12_000, "{name}");
        }
    }
}
