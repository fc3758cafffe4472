//! The chart of accounts: the country's default chart plus the spec's overrides.
//!
//! Input: the raw `chart_of_accounts` mapping. Output: the final chart.
//! Invariant: each purpose the simulation needs sits on exactly one account
//! (assigning a purpose moves it), and each purpose's account has the kind
//! that purpose needs (a bank account is an asset, rent an expense).

use std::collections::HashMap;

use super::choice::choose;
use crate::model::{Account, AccountKind, AccountPurpose, Country, SpendCategory, defaults};
use crate::spec::raw::{RawAccount, RawChart};
use crate::spec::{Kind, Problems, Spanned};

pub const KINDS: [(&str, AccountKind); 5] = [
    ("asset", AccountKind::Asset),
    ("liability", AccountKind::Liability),
    ("equity", AccountKind::Equity),
    ("income", AccountKind::Income),
    ("expense", AccountKind::Expense),
];

pub const PURPOSES: [(&str, AccountPurpose); 30] = [
    ("bank", AccountPurpose::Bank),
    ("accounts_receivable", AccountPurpose::AccountsReceivable),
    ("accounts_payable", AccountPurpose::AccountsPayable),
    ("tax_output", AccountPurpose::TaxOutput),
    ("tax_input", AccountPurpose::TaxInput),
    ("share_capital", AccountPurpose::ShareCapital),
    ("retained_earnings", AccountPurpose::RetainedEarnings),
    ("service_revenue", AccountPurpose::ServiceRevenue),
    ("goods_revenue", AccountPurpose::GoodsRevenue),
    (
        "cost_of_sales",
        AccountPurpose::Spend(SpendCategory::CostOfSales),
    ),
    ("rent", AccountPurpose::Spend(SpendCategory::Rent)),
    ("utilities", AccountPurpose::Spend(SpendCategory::Utilities)),
    ("software", AccountPurpose::Spend(SpendCategory::Software)),
    ("marketing", AccountPurpose::Spend(SpendCategory::Marketing)),
    (
        "professional_fees",
        AccountPurpose::Spend(SpendCategory::ProfessionalFees),
    ),
    (
        "office_supplies",
        AccountPurpose::Spend(SpendCategory::OfficeSupplies),
    ),
    ("travel", AccountPurpose::Spend(SpendCategory::Travel)),
    ("inventory", AccountPurpose::Inventory),
    ("fixed_assets", AccountPurpose::FixedAssets),
    ("credit_card", AccountPurpose::CreditCard),
    ("tax_payable", AccountPurpose::TaxPayable),
    ("payroll_liabilities", AccountPurpose::PayrollLiabilities),
    ("pension_payable", AccountPurpose::PensionPayable),
    ("wages", AccountPurpose::Wages),
    ("employer_taxes", AccountPurpose::EmployerTaxes),
    ("employer_pension", AccountPurpose::EmployerPension),
    ("bank_charges", AccountPurpose::BankCharges),
    ("interest_income", AccountPurpose::InterestIncome),
    ("bad_debts", AccountPurpose::BadDebts),
    ("stock_adjustments", AccountPurpose::StockAdjustments),
];

/// The kind of account a purpose must sit on.
pub fn natural_kind(purpose: AccountPurpose) -> AccountKind {
    use AccountPurpose as P;
    match purpose {
        P::Bank | P::AccountsReceivable | P::TaxInput | P::Inventory | P::FixedAssets => {
            AccountKind::Asset
        }
        P::AccountsPayable
        | P::TaxOutput
        | P::CreditCard
        | P::TaxPayable
        | P::PayrollLiabilities
        | P::PensionPayable => AccountKind::Liability,
        P::ShareCapital | P::RetainedEarnings => AccountKind::Equity,
        P::ServiceRevenue | P::GoodsRevenue | P::InterestIncome => AccountKind::Income,
        P::Spend(_)
        | P::Wages
        | P::EmployerTaxes
        | P::EmployerPension
        | P::BankCharges
        | P::BadDebts
        | P::StockAdjustments => AccountKind::Expense,
    }
}

pub fn kind_name(kind: AccountKind) -> &'static str {
    KINDS
        .iter()
        .find(|(_, k)| *k == kind)
        .map_or("?", |(name, _)| name)
}

/// `^[0-9A-Za-z.-]{1,20}$`
pub fn is_account_code(code: &str) -> bool {
    (1..=20).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
}

pub fn chart(raw: Option<&RawChart>, country: Country, problems: &mut Problems) -> Vec<Account> {
    let mut accounts = defaults::chart_of_accounts(country);
    let Some(raw) = raw else { return accounts };
    if let Some(preset) = &raw.preset {
        choose(problems, preset, "chart preset", &[("default", ())]);
    }
    let Some(entries) = &raw.accounts else {
        return accounts;
    };
    let mut seen_codes: HashMap<&str, ()> = HashMap::new();
    let mut purpose_owner: Vec<(AccountPurpose, &Spanned<String>)> = Vec::new();
    let mut touched: Vec<(String, &RawAccount)> = Vec::new();
    for entry in &entries.items {
        let Some(code) = &entry.code else { continue };
        if !is_account_code(&code.value) {
            problems.report(
                Kind::InvalidValue,
                code.span,
                format!("`{}` is not a valid account code", code.value),
                "invalid code",
                "use 1 to 20 letters, digits, `.` or `-`, e.g. `4010`",
            );
            continue;
        }
        if seen_codes.insert(&code.value, ()).is_some() {
            problems.report(
                Kind::DuplicateName,
                code.span,
                format!("account code `{}` is listed twice", code.value),
                "duplicate code",
                "merge the two entries into one",
            );
            continue;
        }
        let kind = entry
            .kind
            .as_ref()
            .and_then(|k| choose(problems, k, "account type", &KINDS));
        let purpose = entry
            .purpose
            .as_ref()
            .and_then(|p| choose(problems, p, "account purpose", &PURPOSES).map(|v| (v, p)));
        if let Some(name) = &entry.name {
            if name.value.trim().is_empty() {
                problems.report(
                    Kind::InvalidValue,
                    name.span,
                    "account name is empty",
                    "empty name",
                    "give the account a name, e.g. `Tour revenue`",
                );
            } else {
                super::company::padded(name, "account name", problems);
            }
        }
        let index = match accounts.iter().position(|a| a.code == code.value) {
            Some(index) => index,
            None => {
                let Some(new) = new_account(entry, code, kind, problems) else {
                    continue;
                };
                accounts.push(new);
                accounts.len() - 1
            }
        };
        if let Some((purpose, word)) = purpose {
            let earlier = purpose_owner
                .iter()
                .find(|(p, _)| *p == purpose)
                .map(|(_, w)| *w);
            purpose_owner.push((purpose, word));
            if let Some(first) = earlier {
                problems.report(
                    Kind::DuplicateName,
                    word.span,
                    format!("purpose `{}` is given to two accounts", word.value),
                    "second account with this purpose",
                    format!(
                        "each purpose belongs to one account; remove `purpose: {}` from one of the two entries",
                        first.value
                    ),
                );
            }
            for account in accounts.iter_mut() {
                if account.purpose == Some(purpose) {
                    account.purpose = None;
                }
            }
        }
        if let Some(account) = accounts.get_mut(index) {
            if let Some(name) = &entry.name {
                account.name = name.value.trim().to_owned();
            }
            if let Some(kind) = kind {
                account.kind = kind;
            }
            if let Some((purpose, _)) = purpose {
                account.purpose = Some(purpose);
            }
        }
        touched.push((code.value.clone(), entry));
    }
    for (code, entry) in touched {
        check_kind(&accounts, &code, entry, problems);
    }
    accounts
}

fn new_account(
    entry: &RawAccount,
    code: &Spanned<String>,
    kind: Option<AccountKind>,
    problems: &mut Problems,
) -> Option<Account> {
    let mut missing = Vec::new();
    if entry.name.is_none() {
        missing.push("name");
    }
    if entry.kind.is_none() {
        missing.push("type");
    }
    if !missing.is_empty() {
        let fields = missing.join("` and `");
        problems.report(
            Kind::MissingField,
            code.span,
            format!("new account `{}` needs `{fields}`", code.value),
            "not a default account",
            format!(
                "add `{fields}` (only overrides of default accounts may leave them out), or use an existing code"
            ),
        );
        return None;
    }
    Some(Account {
        code: code.value.clone(),
        name: entry.name.as_ref()?.value.trim().to_owned(),
        kind: kind?,
        purpose: None,
    })
}

fn check_kind(accounts: &[Account], code: &str, entry: &RawAccount, problems: &mut Problems) {
    let Some(account) = accounts.iter().find(|a| a.code == code) else {
        return;
    };
    let Some(purpose) = account.purpose else {
        return;
    };
    let needed = natural_kind(purpose);
    if account.kind == needed {
        return;
    }
    let span = entry
        .purpose
        .as_ref()
        .or(entry.kind.as_ref())
        .map_or(entry.at, |s| s.span);
    let purpose_name = PURPOSES
        .iter()
        .find(|(_, p)| *p == purpose)
        .map_or("?", |(name, _)| name);
    problems.report(
        Kind::InvalidValue,
        span,
        format!(
            "account `{code}` is of type `{}` but its purpose `{purpose_name}` needs type `{}`",
            kind_name(account.kind),
            kind_name(needed)
        ),
        "purpose and type disagree",
        format!(
            "set `type: {}`, or choose a purpose that suits the type `{}`",
            kind_name(needed),
            kind_name(account.kind)
        ),
    );
}
