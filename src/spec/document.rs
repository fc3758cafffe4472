//! The spec v1 schema: which keys each mapping has, and how each value reads.
//!
//! Input: the root [`Node`] of a parsed spec. Output: a [`RawScenario`].
//! Invariant: the key lists here are the YAML contract (documented in
//! `docs/scenario-reference.md`); every key not listed is reported as unknown.

use marked_yaml::types::Node;
use miette::SourceSpan;

use super::decode::{Decoder, Entry, Map};
use super::raw::*;

pub const TOP_KEYS: &[&str] = &[
    "version",
    "scenario",
    "seed",
    "calendar",
    "time_travel",
    "companies",
];
pub const CALENDAR_KEYS: &[&str] = &["as_of", "months"];
pub const COMPANY_KEYS: &[&str] = &[
    "name",
    "key",
    "country",
    "currency",
    "industry",
    "fiscal_year_start",
    "email_domain",
    "personas",
    "chart_of_accounts",
    "tax_rates",
    "customers",
    "vendors",
    "products",
    "activity",
    "banking",
    "payroll",
    "inventory",
    "tax",
    "targets",
];
pub const PERSONA_KEYS: &[&str] = &["name", "email", "role"];
pub const CHART_KEYS: &[&str] = &["preset", "accounts"];
pub const ACCOUNT_KEYS: &[&str] = &["code", "name", "type", "purpose"];
pub const TAX_RATE_KEYS: &[&str] = &["code", "name", "kind", "rate"];
pub const CUSTOMER_KEYS: &[&str] = &[
    "count",
    "invoices_per_month",
    "payment_terms",
    "payers",
    "refund_rate",
];
pub const VENDOR_KEYS: &[&str] = &["count", "bills_per_month", "payment_terms", "payers"];
pub const TERM_KEYS: &[&str] = &["days", "share"];
pub const PAYER_KEYS: &[&str] = &["prompt", "late", "partial"];
pub const PRODUCT_KEYS: &[&str] = &["services", "goods", "price", "tax_rate"];
pub const PRICE_KEYS: &[&str] = &["min", "max"];
pub const ACTIVITY_KEYS: &[&str] = &["growth", "seasonality"];
pub const BANKING_KEYS: &[&str] = &["accounts", "credit_card", "monthly_fee", "interest_rate"];
pub const BANK_ACCOUNT_KEYS: &[&str] = &["name", "currency", "opening_balance", "code"];
pub const CREDIT_CARD_KEYS: &[&str] = &["name", "limit"];
pub const PAYROLL_KEYS: &[&str] = &[
    "frequency",
    "employees",
    "salaried",
    "salary",
    "hourly_rate",
    "hours_per_week",
    "pension",
];
pub const RANGE_KEYS: &[&str] = &["min", "max"];
pub const PENSION_KEYS: &[&str] = &["employee", "employer"];
pub const INVENTORY_KEYS: &[&str] = &[
    "costing",
    "opening_units",
    "reorder_cover_days",
    "shrinkage",
    "count_every_months",
    "cost_share",
];
pub const TAX_FILING_KEYS: &[&str] = &["returns"];
pub const TARGET_KEYS: &[&str] = &["dso_days", "dpo_days"];

/// Decimal places accepted for per-month averages (thousandths).
const PER_MONTH_PLACES: u32 = 3;
/// Decimal places accepted for seasonality weights (millionths).
pub const WEIGHT_PLACES: u32 = 6;

pub fn scenario(d: &mut Decoder<'_, '_>, root: &Node) -> Option<RawScenario> {
    // Problems about the file as a whole point at its first line.
    let top = SourceSpan::new(0.into(), 0);
    let map = d.map(root, top, "the spec", TOP_KEYS)?;
    Some(RawScenario {
        top,
        version: d.required(&map, "version", "1").and_then(|e| d.unsigned(e)),
        scenario: d
            .required(&map, "scenario", "demo-travel-co")
            .and_then(|e| d.string(e)),
        seed: d.field(&map, "seed").and_then(|e| d.unsigned(e)),
        calendar: d
            .required(&map, "calendar", "{as_of: 2026-11-15}")
            .and_then(|e| calendar(d, e)),
        time_travel: d
            .field(&map, "time_travel")
            .and_then(|e| list(d, e, "time_travel", |d, item| d.string(item))),
        companies: d
            .required(&map, "companies", "[...]")
            .and_then(|e| list(d, e, "companies", company)),
    })
}

/// Reads each item of a list with `read`; an unreadable item is skipped.
fn list<T>(
    d: &mut Decoder<'_, '_>,
    entry: Entry<'_>,
    path: &str,
    mut read: impl FnMut(&mut Decoder<'_, '_>, Entry<'_>) -> Option<T>,
) -> Option<List<T>> {
    let nodes = d.list(entry, path)?;
    let items = nodes
        .iter()
        .filter_map(|node| {
            let item = Entry {
                key: d.source.node(node),
                name: entry.name,
                node,
            };
            read(d, item)
        })
        .collect();
    Some(List {
        key: entry.key,
        items,
    })
}

fn mapping<'n>(d: &mut Decoder<'_, '_>, entry: Entry<'n>, known: &[&str]) -> Option<Map<'n>> {
    d.map(entry.node, entry.key, entry.name, known)
}

fn calendar(d: &mut Decoder<'_, '_>, entry: Entry<'_>) -> Option<RawCalendar> {
    let map = mapping(d, entry, CALENDAR_KEYS)?;
    Some(RawCalendar {
        key: entry.key,
        as_of: d
            .required(&map, "as_of", "2026-11-15")
            .and_then(|e| d.date(e)),
        months: d.field(&map, "months").and_then(|e| d.unsigned(e)),
    })
}

fn company(d: &mut Decoder<'_, '_>, item: Entry<'_>) -> Option<RawCompany> {
    let map = d.map(item.node, item.key, "a company", COMPANY_KEYS)?;
    let string = |d: &mut Decoder<'_, '_>, key| d.field(&map, key).and_then(|e| d.string(e));
    Some(RawCompany {
        at: item.key,
        name: d
            .required(&map, "name", "Demo Travel Co")
            .and_then(|e| d.string(e)),
        key: string(d, "key"),
        country: string(d, "country"),
        currency: string(d, "currency"),
        industry: string(d, "industry"),
        fiscal_year_start: string(d, "fiscal_year_start"),
        email_domain: string(d, "email_domain"),
        personas: d
            .required(&map, "personas", "[{name: ..., email: ..., role: owner}]")
            .and_then(|e| list(d, e, "personas", persona)),
        chart_of_accounts: d.field(&map, "chart_of_accounts").and_then(|e| chart(d, e)),
        tax_rates: d
            .field(&map, "tax_rates")
            .and_then(|e| list(d, e, "tax_rates", tax_rate)),
        customers: d.field(&map, "customers").and_then(|e| parties(d, e, true)),
        vendors: d.field(&map, "vendors").and_then(|e| parties(d, e, false)),
        products: d.field(&map, "products").and_then(|e| products(d, e)),
        activity: d.field(&map, "activity").and_then(|e| activity(d, e)),
        banking: d.field(&map, "banking").and_then(|e| banking(d, e)),
        payroll: d.field(&map, "payroll").and_then(|e| payroll(d, e)),
        inventory: d.field(&map, "inventory").and_then(|e| inventory(d, e)),
        tax: d.field(&map, "tax").and_then(|e| tax_filing(d, e)),
        targets: d.field(&map, "targets").and_then(|e| targets(d, e)),
    })
}

fn persona(d: &mut Decoder<'_, '_>, item: Entry<'_>) -> Option<RawPersona> {
    let map = d.map(item.node, item.key, "a persona", PERSONA_KEYS)?;
    Some(RawPersona {
        at: item.key,
        name: d
            .required(&map, "name", "Olivia Owner")
            .and_then(|e| d.string(e)),
        email: d
            .required(&map, "email", "olivia@demo-travel-co.example")
            .and_then(|e| d.string(e)),
        role: d.required(&map, "role", "owner").and_then(|e| d.string(e)),
    })
}

fn chart(d: &mut Decoder<'_, '_>, entry: Entry<'_>) -> Option<RawChart> {
    let map = mapping(d, entry, CHART_KEYS)?;
    Some(RawChart {
        key: entry.key,
        preset: d.field(&map, "preset").and_then(|e| d.string(e)),
        accounts: d
            .field(&map, "accounts")
            .and_then(|e| list(d, e, "accounts", account)),
    })
}

fn account(d: &mut Decoder<'_, '_>, item: Entry<'_>) -> Option<RawAccount> {
    let map = d.map(item.node, item.key, "an account", ACCOUNT_KEYS)?;
    let string = |d: &mut Decoder<'_, '_>, key| d.field(&map, key).and_then(|e| d.string(e));
    Some(RawAccount {
        at: item.key,
        code: d
            .required(&map, "code", "\"4000\"")
            .and_then(|e| d.string(e)),
        name: string(d, "name"),
        kind: string(d, "type"),
        purpose: string(d, "purpose"),
    })
}

fn tax_rate(d: &mut Decoder<'_, '_>, item: Entry<'_>) -> Option<RawTaxRate> {
    let map = d.map(item.node, item.key, "a tax rate", TAX_RATE_KEYS)?;
    let string = |d: &mut Decoder<'_, '_>, key| d.field(&map, key).and_then(|e| d.string(e));
    Some(RawTaxRate {
        at: item.key,
        code: d.required(&map, "code", "STD").and_then(|e| d.string(e)),
        name: string(d, "name"),
        kind: string(d, "kind"),
        rate: d.field(&map, "rate").and_then(|e| d.percent(e, "20%")),
    })
}

fn parties(d: &mut Decoder<'_, '_>, entry: Entry<'_>, customers: bool) -> Option<RawParties> {
    let (known, per_month) = if customers {
        (CUSTOMER_KEYS, "invoices_per_month")
    } else {
        (VENDOR_KEYS, "bills_per_month")
    };
    let map = mapping(d, entry, known)?;
    Some(RawParties {
        key: entry.key,
        count: d.field(&map, "count").and_then(|e| d.unsigned(e)),
        per_month: d
            .field(&map, per_month)
            .and_then(|e| d.decimal(e, PER_MONTH_PLACES, "0.8")),
        payment_terms: d
            .field(&map, "payment_terms")
            .and_then(|e| list(d, e, "payment_terms", term)),
        payers: d.field(&map, "payers").and_then(|e| payers(d, e)),
        refund_rate: d
            .field(&map, "refund_rate")
            .and_then(|e| d.percent(e, "2%")),
    })
}

fn term(d: &mut Decoder<'_, '_>, item: Entry<'_>) -> Option<RawTerm> {
    let map = d.map(item.node, item.key, "a payment term", TERM_KEYS)?;
    Some(RawTerm {
        at: item.key,
        days: d.required(&map, "days", "30").and_then(|e| d.unsigned(e)),
        share: d
            .required(&map, "share", "100%")
            .and_then(|e| d.percent(e, "70%")),
    })
}

fn payers(d: &mut Decoder<'_, '_>, entry: Entry<'_>) -> Option<RawPayers> {
    let map = mapping(d, entry, PAYER_KEYS)?;
    let mut share = |key, example| {
        d.required(&map, key, example)
            .and_then(|e| d.percent(e, example))
    };
    Some(RawPayers {
        key: entry.key,
        prompt: share("prompt", "65%"),
        late: share("late", "25%"),
        partial: share("partial", "10%"),
    })
}

fn products(d: &mut Decoder<'_, '_>, entry: Entry<'_>) -> Option<RawProducts> {
    let map = mapping(d, entry, PRODUCT_KEYS)?;
    Some(RawProducts {
        key: entry.key,
        services: d.field(&map, "services").and_then(|e| d.unsigned(e)),
        goods: d.field(&map, "goods").and_then(|e| d.unsigned(e)),
        price: d.field(&map, "price").and_then(|e| price(d, e)),
        tax_rate: d.field(&map, "tax_rate").and_then(|e| d.string(e)),
    })
}

fn price(d: &mut Decoder<'_, '_>, entry: Entry<'_>) -> Option<RawPrice> {
    let map = mapping(d, entry, PRICE_KEYS)?;
    Some(RawPrice {
        key: entry.key,
        min: d.field(&map, "min").and_then(|e| d.decimal(e, 2, "25.00")),
        max: d
            .field(&map, "max")
            .and_then(|e| d.decimal(e, 2, "2400.00")),
    })
}

fn activity(d: &mut Decoder<'_, '_>, entry: Entry<'_>) -> Option<RawActivity> {
    let map = mapping(d, entry, ACTIVITY_KEYS)?;
    Some(RawActivity {
        key: entry.key,
        growth: d.field(&map, "growth").and_then(|e| d.percent(e, "10%")),
        seasonality: d.field(&map, "seasonality").and_then(|e| seasonality(d, e)),
    })
}

fn seasonality(d: &mut Decoder<'_, '_>, entry: Entry<'_>) -> Option<Spanned<RawSeasonality>> {
    if entry.node.as_sequence().is_some() {
        let weights = list(d, entry, "seasonality", |d, item| {
            d.decimal(item, WEIGHT_PLACES, "1.25")
        })?;
        let span = entry.key;
        return Some(Spanned::new(RawSeasonality::Weights(weights.items), span));
    }
    let name = d.scalar(entry, "a seasonality name or a list of 12 weights")?;
    Some(Spanned::new(
        RawSeasonality::Named(name.value.to_owned()),
        name.span,
    ))
}

/// Money: a decimal with at most 2 decimals, in minor units.
fn money(d: &mut Decoder<'_, '_>, entry: Entry<'_>, example: &str) -> Option<Spanned<i64>> {
    d.decimal(entry, 2, example)
}

fn banking(d: &mut Decoder<'_, '_>, entry: Entry<'_>) -> Option<RawBanking> {
    let map = mapping(d, entry, BANKING_KEYS)?;
    Some(RawBanking {
        key: entry.key,
        accounts: d
            .field(&map, "accounts")
            .and_then(|e| list(d, e, "accounts", bank_account)),
        credit_card: d.field(&map, "credit_card").and_then(|e| credit_card(d, e)),
        monthly_fee: d
            .field(&map, "monthly_fee")
            .and_then(|e| money(d, e, "12.50")),
        interest_rate: d
            .field(&map, "interest_rate")
            .and_then(|e| d.percent(e, "0.5%")),
    })
}

fn bank_account(d: &mut Decoder<'_, '_>, item: Entry<'_>) -> Option<RawBankAccount> {
    let map = d.map(item.node, item.key, "a bank account", BANK_ACCOUNT_KEYS)?;
    let string = |d: &mut Decoder<'_, '_>, key| d.field(&map, key).and_then(|e| d.string(e));
    Some(RawBankAccount {
        at: item.key,
        name: d
            .required(&map, "name", "Business current account")
            .and_then(|e| d.string(e)),
        currency: string(d, "currency"),
        opening_balance: d
            .field(&map, "opening_balance")
            .and_then(|e| money(d, e, "250000.00")),
        code: string(d, "code"),
    })
}

fn credit_card(d: &mut Decoder<'_, '_>, entry: Entry<'_>) -> Option<RawCreditCard> {
    let map = mapping(d, entry, CREDIT_CARD_KEYS)?;
    Some(RawCreditCard {
        key: entry.key,
        name: d.field(&map, "name").and_then(|e| d.string(e)),
        limit: d
            .required(&map, "limit", "15000.00")
            .and_then(|e| money(d, e, "15000.00")),
    })
}

fn payroll(d: &mut Decoder<'_, '_>, entry: Entry<'_>) -> Option<RawPayroll> {
    let map = mapping(d, entry, PAYROLL_KEYS)?;
    Some(RawPayroll {
        key: entry.key,
        frequency: d.field(&map, "frequency").and_then(|e| d.string(e)),
        employees: d.field(&map, "employees").and_then(|e| d.unsigned(e)),
        salaried: d.field(&map, "salaried").and_then(|e| d.percent(e, "70%")),
        salary: d
            .field(&map, "salary")
            .and_then(|e| money_range(d, e, ("26000.00", "75000.00"))),
        hourly_rate: d
            .field(&map, "hourly_rate")
            .and_then(|e| money_range(d, e, ("12.50", "22.00"))),
        hours_per_week: d.field(&map, "hours_per_week").and_then(|e| d.unsigned(e)),
        pension: d.field(&map, "pension").and_then(|e| pension(d, e)),
    })
}

fn money_range(
    d: &mut Decoder<'_, '_>,
    entry: Entry<'_>,
    (min_example, max_example): (&str, &str),
) -> Option<RawMoneyRange> {
    let map = mapping(d, entry, RANGE_KEYS)?;
    Some(RawMoneyRange {
        key: entry.key,
        min: d.field(&map, "min").and_then(|e| money(d, e, min_example)),
        max: d.field(&map, "max").and_then(|e| money(d, e, max_example)),
    })
}

fn pension(d: &mut Decoder<'_, '_>, entry: Entry<'_>) -> Option<RawPension> {
    let map = mapping(d, entry, PENSION_KEYS)?;
    Some(RawPension {
        key: entry.key,
        employee: d.field(&map, "employee").and_then(|e| d.percent(e, "5%")),
        employer: d.field(&map, "employer").and_then(|e| d.percent(e, "3%")),
    })
}

fn inventory(d: &mut Decoder<'_, '_>, entry: Entry<'_>) -> Option<RawInventory> {
    let map = mapping(d, entry, INVENTORY_KEYS)?;
    Some(RawInventory {
        key: entry.key,
        costing: d.field(&map, "costing").and_then(|e| d.string(e)),
        opening_units: d.field(&map, "opening_units").and_then(|e| d.integer(e)),
        reorder_cover_days: d
            .field(&map, "reorder_cover_days")
            .and_then(|e| d.unsigned(e)),
        shrinkage: d
            .field(&map, "shrinkage")
            .and_then(|e| d.percent(e, "0.3%")),
        count_every_months: d
            .field(&map, "count_every_months")
            .and_then(|e| d.unsigned(e)),
        cost_share: d
            .field(&map, "cost_share")
            .and_then(|e| d.percent(e, "55%")),
    })
}

fn tax_filing(d: &mut Decoder<'_, '_>, entry: Entry<'_>) -> Option<RawTaxFiling> {
    let map = mapping(d, entry, TAX_FILING_KEYS)?;
    Some(RawTaxFiling {
        key: entry.key,
        returns: d.field(&map, "returns").and_then(|e| d.string(e)),
    })
}

fn targets(d: &mut Decoder<'_, '_>, entry: Entry<'_>) -> Option<RawTargets> {
    let map = mapping(d, entry, TARGET_KEYS)?;
    Some(RawTargets {
        key: entry.key,
        dso_days: d.field(&map, "dso_days").and_then(|e| d.unsigned(e)),
        dpo_days: d.field(&map, "dpo_days").and_then(|e| d.unsigned(e)),
    })
}
