//! The static part of a company: the company row, people and access, the chart,
//! tax rates. Everything here is emitted before the first month is simulated.

use chrono::NaiveDate;
use uuid::Uuid;

use super::keys::Key;
use super::rows::{
    AccountRow, CompanyRow, MembershipRow, RolePermissionRow, RoleRow, Row, RowSink, TaxRateRow,
    UserRow,
};
use crate::model::{
    AccountKind, AccountPurpose, Company, Country, Industry, Role, TaxKind, defaults,
};

pub fn emit_company(sink: &mut dyn RowSink, company: &Company, id: Uuid, created_on: NaiveDate) {
    sink.row(Row::Company(&CompanyRow {
        id,
        name: company.name.clone(),
        country: match company.country {
            Country::GB => "GB",
            Country::US => "US",
        },
        currency: company.currency.code.clone(),
        industry: industry_key(company.industry),
        fiscal_year_start_month: company.fiscal_year_start_month,
        created_on,
    }));
}

/// Every role exists in every tenant, so an admin can reassign people in the demo.
pub fn emit_people(
    sink: &mut dyn RowSink,
    company: &Company,
    key: &Key,
    id: Uuid,
    created_on: NaiveDate,
) {
    for role in Role::ALL {
        let role_id = role_key(key, role).id();
        let mut name = role.key().to_owned();
        name[..1].make_ascii_uppercase();
        sink.row(Row::Role(&RoleRow {
            id: role_id,
            company_id: id,
            key: role.key(),
            name,
        }));
        for &permission in defaults::permissions(role) {
            sink.row(Row::RolePermission(&RolePermissionRow {
                company_id: id,
                role_id,
                permission,
            }));
        }
    }
    for persona in &company.personas {
        let user_key = key
            .child("user")
            .child(persona.email.to_lowercase().replace('/', "%2F"));
        let user_id = user_key.id();
        sink.row(Row::User(&UserRow {
            id: user_id,
            company_id: id,
            name: persona.name.clone(),
            email: persona.email.clone(),
            created_on,
        }));
        sink.row(Row::Membership(&MembershipRow {
            id: user_key.child("membership").id(),
            company_id: id,
            user_id,
            role_id: role_key(key, persona.role).id(),
        }));
    }
}

fn role_key(company: &Key, role: Role) -> Key {
    company.child("role").child(role.key())
}

pub fn account_ids(company: &Company, key: &Key) -> Vec<Uuid> {
    company
        .accounts
        .iter()
        .map(|a| key.child("account").child(&a.code).id())
        .collect()
}

pub fn emit_accounts(sink: &mut dyn RowSink, company: &Company, ids: &[Uuid], company_id: Uuid) {
    for (account, &id) in company.accounts.iter().zip(ids) {
        sink.row(Row::Account(&AccountRow {
            id,
            company_id,
            code: account.code.clone(),
            name: account.name.clone(),
            kind: account_kind_key(account.kind),
            purpose: account.purpose.map(purpose_key),
        }));
    }
}

pub fn tax_ids(company: &Company, key: &Key) -> Vec<Uuid> {
    company
        .tax_rates
        .iter()
        .map(|t| key.child("tax").child(&t.code).id())
        .collect()
}

pub fn emit_tax_rates(sink: &mut dyn RowSink, company: &Company, ids: &[Uuid], company_id: Uuid) {
    for (rate, &id) in company.tax_rates.iter().zip(ids) {
        sink.row(Row::TaxRate(&TaxRateRow {
            id,
            company_id,
            code: rate.code.clone(),
            name: rate.name.clone(),
            kind: tax_kind_key(rate.kind),
            rate_bp: rate.rate.0,
        }));
    }
}

/// The tax rate to use for a kind; a table without that kind falls back to
/// exempt, then zero, then standard (validation guarantees a standard rate).
pub fn tax_index(company: &Company, kind: TaxKind) -> usize {
    let chosen_standard = || {
        company
            .tax_rates
            .iter()
            .position(|t| t.code == company.catalog.standard_tax_code)
    };
    if kind == TaxKind::Standard
        && let Some(index) = chosen_standard()
    {
        return index;
    }
    [kind, TaxKind::Exempt, TaxKind::Zero, TaxKind::Standard]
        .into_iter()
        .find_map(|k| company.tax_rates.iter().position(|t| t.kind == k))
        .unwrap_or(0)
}

pub fn account_index(company: &Company, purpose: AccountPurpose) -> usize {
    company
        .accounts
        .iter()
        .position(|a| a.purpose == Some(purpose))
        .expect("validated chart has every purpose")
}

pub fn industry_key(industry: Industry) -> &'static str {
    match industry {
        Industry::Travel => "travel",
        Industry::Retail => "retail",
        Industry::Software => "software",
        Industry::Manufacturing => "manufacturing",
        Industry::ProfessionalServices => "professional_services",
    }
}

pub fn account_kind_key(kind: AccountKind) -> &'static str {
    kind.key()
}

pub fn tax_kind_key(kind: TaxKind) -> &'static str {
    match kind {
        TaxKind::Standard => "standard",
        TaxKind::Reduced => "reduced",
        TaxKind::Zero => "zero",
        TaxKind::Exempt => "exempt",
    }
}

pub fn purpose_key(purpose: AccountPurpose) -> &'static str {
    match purpose {
        AccountPurpose::Bank => "bank",
        AccountPurpose::AccountsReceivable => "accounts_receivable",
        AccountPurpose::AccountsPayable => "accounts_payable",
        AccountPurpose::TaxOutput => "tax_output",
        AccountPurpose::TaxInput => "tax_input",
        AccountPurpose::ShareCapital => "share_capital",
        AccountPurpose::RetainedEarnings => "retained_earnings",
        AccountPurpose::ServiceRevenue => "service_revenue",
        AccountPurpose::GoodsRevenue => "goods_revenue",
        AccountPurpose::Spend(s) => super::parties::spend_key(s),
        AccountPurpose::Inventory => "inventory",
        AccountPurpose::FixedAssets => "fixed_assets",
        AccountPurpose::CreditCard => "credit_card",
        AccountPurpose::TaxPayable => "tax_payable",
        AccountPurpose::PayrollLiabilities => "payroll_liabilities",
        AccountPurpose::PensionPayable => "pension_payable",
        AccountPurpose::Wages => "wages",
        AccountPurpose::EmployerTaxes => "employer_taxes",
        AccountPurpose::EmployerPension => "employer_pension",
        AccountPurpose::BankCharges => "bank_charges",
        AccountPurpose::InterestIncome => "interest_income",
        AccountPurpose::BadDebts => "bad_debts",
        AccountPurpose::StockAdjustments => "stock_adjustments",
    }
}
