//! One company: identity fields, personas, and the sections in sibling modules.
//!
//! Input: a [`RawCompany`]. Output: a [`Company`] (with defaults applied) and
//! the spans scenario-level checks need.
//! Invariant: the key is a slug, the email domain is reserved, personas
//! include an owner and an accountant, and no persona is a super-admin.

use miette::SourceSpan;

use super::choice::choose;
use super::{activity, banking, catalog, chart, inventory, parties, payroll, targets, tax};
use crate::model::{Company, Country, Currency, Industry, Persona, Role, defaults, limits};
use crate::spec::raw::{RawCompany, RawPersona};
use crate::spec::text::{self, quoted_list};
use crate::spec::{Kind, Problems, Spanned};

pub const COUNTRIES: [(&str, Country); 6] = [
    ("GB", Country::GB),
    ("US", Country::US),
    ("en_GB", Country::GB),
    ("en-GB", Country::GB),
    ("en_US", Country::US),
    ("en-US", Country::US),
];

pub const INDUSTRIES: [(&str, Industry); 5] = [
    ("travel", Industry::Travel),
    ("retail", Industry::Retail),
    ("software", Industry::Software),
    ("manufacturing", Industry::Manufacturing),
    ("professional_services", Industry::ProfessionalServices),
];

/// Role names people reach for that must not exist: a super-admin could reach
/// other tenants, which a demo evaluator must never do.
pub const SUPER_ADMIN_WORDS: [&str; 6] = [
    "super_admin",
    "superadmin",
    "super-admin",
    "super admin",
    "root",
    "god",
];

/// A validated company and where its key came from.
pub struct Checked {
    pub company: Company,
    /// The explicit `key`, or the `name` the key was derived from.
    pub key_span: SourceSpan,
}

pub fn company(raw: &RawCompany, problems: &mut Problems) -> Option<Checked> {
    let name = raw
        .name
        .as_ref()
        .and_then(|n| non_empty(n, "company name", problems));
    let key = key(raw, problems);
    let country = raw
        .country
        .as_ref()
        .and_then(|c| choose(problems, c, "country", &COUNTRIES))
        .unwrap_or(Country::GB);
    let currency = currency(raw.currency.as_ref(), country, problems);
    let industry = raw
        .industry
        .as_ref()
        .and_then(|i| choose(problems, i, "industry", &INDUSTRIES))
        .unwrap_or(Industry::ProfessionalServices);
    let fiscal_year_start_month = raw
        .fiscal_year_start
        .as_ref()
        .and_then(|f| fiscal_month(f, problems))
        .unwrap_or_else(|| defaults::fiscal_year_start_month(country));
    let email_domain = email_domain(raw.email_domain.as_ref(), key.as_ref(), problems);
    let personas = personas(raw, key.as_ref(), problems);
    let mut accounts = chart::chart(raw.chart_of_accounts.as_ref(), country, problems);
    let tax_rates = tax::tax_rates(raw.tax_rates.as_ref(), country, problems);
    let (customers_default, vendors_default, services, goods) = defaults::population(industry);
    let customers = parties::customers(raw.customers.as_ref(), customers_default, problems);
    let vendors = parties::vendors(raw.vendors.as_ref(), vendors_default, problems);
    let catalog = catalog::catalog(
        raw.products.as_ref(),
        (services, goods),
        &tax_rates,
        problems,
    );
    let activity = activity::activity(raw.activity.as_ref(), industry, problems);
    let banking = banking::banking(
        raw.banking.as_ref(),
        country,
        // An unreadable company currency was reported already; comparing bank
        // accounts with its fallback would only add a confusing second problem.
        raw.currency
            .as_ref()
            .is_none_or(|c| c.value == currency.code)
            .then_some(currency.code.as_str()),
        &mut accounts,
        problems,
    );
    let payroll = payroll::payroll(raw.payroll.as_ref(), country, industry, problems);
    let inventory = inventory::inventory(raw.inventory.as_ref(), problems);
    let tax_filing = tax::filing(raw.tax.as_ref(), country, problems);
    let targets = targets::targets(raw.targets.as_ref(), problems);
    let key = key?;
    Some(Checked {
        key_span: key.span,
        company: Company {
            key: key.value,
            name: name?,
            country,
            currency,
            industry,
            fiscal_year_start_month,
            email_domain: email_domain?,
            personas: personas?,
            accounts,
            tax_rates,
            customers,
            vendors,
            banking,
            payroll,
            inventory,
            tax_filing,
            targets,
            catalog,
            activity,
        },
    })
}

/// A name, kept verbatim: empty or padded names are reported, never trimmed.
pub fn non_empty(value: &Spanned<String>, what: &str, problems: &mut Problems) -> Option<String> {
    if value.value.trim().is_empty() {
        problems.report(
            Kind::InvalidValue,
            value.span,
            format!("the {what} is empty"),
            "empty",
            format!("write a {what}"),
        );
        return None;
    }
    if padded(value, what, problems) {
        return None;
    }
    Some(value.value.clone())
}

/// Reports a name with leading or trailing whitespace (only a quoted YAML
/// string can have it). Silently trimming it would make the dump differ from
/// what the spec says; keeping it would put invisible spaces in the app.
pub fn padded(value: &Spanned<String>, what: &str, problems: &mut Problems) -> bool {
    let text = value.value.as_str();
    if text.trim() == text {
        return false;
    }
    problems.report(
        Kind::InvalidValue,
        value.span,
        format!("the {what} starts or ends with whitespace"),
        "whitespace at an edge",
        format!("remove the whitespace at the start and end of the {what}"),
    );
    true
}

fn key(raw: &RawCompany, problems: &mut Problems) -> Option<Spanned<String>> {
    if let Some(key) = &raw.key {
        if text::is_slug(&key.value) {
            return Some(key.clone());
        }
        problems.report(
            Kind::InvalidValue,
            key.span,
            format!("company key `{}` is not a slug", key.value),
            "not a slug",
            format!(
                "use lowercase letters, digits and `-`, starting with a letter or digit, at most 64 characters, e.g. `{}`",
                fallback_slug(&key.value)
            ),
        );
        return None;
    }
    let name = raw.name.as_ref()?;
    let slug = text::slugify(&name.value);
    if slug.is_empty() {
        if !name.value.trim().is_empty() {
            problems.report(
                Kind::InvalidValue,
                name.span,
                format!("cannot derive a company key from the name `{}`", name.value),
                "no letters or digits to build a key from",
                "add an explicit `key:` such as `key: demo-co`",
            );
        }
        return None;
    }
    Some(Spanned::new(slug, name.span))
}

fn fallback_slug(text: &str) -> String {
    let slug = text::slugify(text);
    if slug.is_empty() {
        "demo-co".to_owned()
    } else {
        slug
    }
}

fn currency(raw: Option<&Spanned<String>>, country: Country, problems: &mut Problems) -> Currency {
    let default = Currency {
        code: defaults::currency(country).to_owned(),
    };
    let Some(raw) = raw else { return default };
    let supported: Vec<(&str, ())> = defaults::SUPPORTED_CURRENCIES
        .iter()
        .map(|c| (*c, ()))
        .collect();
    match choose(problems, raw, "currency", &supported) {
        Some(()) => Currency {
            code: raw.value.clone(),
        },
        None => default,
    }
}

fn fiscal_month(raw: &Spanned<String>, problems: &mut Problems) -> Option<u32> {
    let month = match raw.value.trim().parse::<u64>() {
        Ok(n) => u32::try_from(n).ok().filter(|n| (1..=12).contains(n)),
        Err(_) => text::month_from_name(&raw.value),
    };
    if month.is_none() {
        problems.report(
            Kind::InvalidValue,
            raw.span,
            format!("`{}` is not a month", raw.value),
            "not a month",
            "write a month name such as `april` or `apr`, or a number from 1 to 12",
        );
    }
    month
}

fn email_domain(
    raw: Option<&Spanned<String>>,
    key: Option<&Spanned<String>>,
    problems: &mut Problems,
) -> Option<String> {
    let Some(raw) = raw else {
        return key.map(|k| format!("{}.example", k.value));
    };
    let domain = raw.value.trim();
    let suggestion = key.map_or_else(
        || "demo-co.example".to_owned(),
        |k| format!("{}.example", k.value),
    );
    if !text::is_domain(domain) {
        problems.report(
            Kind::InvalidValue,
            raw.span,
            format!("`{}` is not a domain name", raw.value),
            "not a domain",
            format!("write a domain such as `{suggestion}`"),
        );
        return None;
    }
    if !text::is_reserved_domain(domain) {
        real_domain(problems, raw.span, domain, &format!("use `{suggestion}`"));
        return None;
    }
    Some(domain.to_ascii_lowercase())
}

pub fn real_domain(problems: &mut Problems, span: SourceSpan, domain: &str, help: &str) {
    problems.report(
        Kind::RealEmailDomain,
        span,
        format!("`{domain}` is a real mail domain: demo mail must never reach a real person"),
        "not a reserved domain",
        format!(
            "{help}; the domain must end in {}",
            quoted_list(&[".example", ".invalid", ".test"])
        ),
    );
}

fn personas(
    raw: &RawCompany,
    key: Option<&Spanned<String>>,
    problems: &mut Problems,
) -> Option<Vec<Persona>> {
    let list = raw.personas.as_ref()?;
    if list.items.is_empty() || list.items.len() > limits::MAX_PERSONAS {
        problems.report(
            Kind::OutOfRange,
            list.key,
            format!(
                "{} personas; a company needs 1 to {}",
                list.items.len(),
                limits::MAX_PERSONAS
            ),
            "wrong number of personas",
            format!(
                "list 1 to {} personas, including an owner and an accountant",
                limits::MAX_PERSONAS
            ),
        );
    }
    let company_key = key.map_or("demo-co", |k| k.value.as_str());
    let mut out = Vec::new();
    let mut complete = true;
    for item in &list.items {
        match persona(item, company_key, problems) {
            Some(p) => out.push(p),
            None => complete = false,
        }
    }
    // Only judge the roles when every persona was readable; otherwise the
    // unreadable one may well be the owner.
    if complete {
        let missing: Vec<&str> = [Role::Owner, Role::Accountant]
            .into_iter()
            .filter(|role| !out.iter().any(|p| p.role == *role))
            .map(Role::key)
            .collect();
        if !missing.is_empty() && !out.is_empty() {
            let roles = missing.join("` and `");
            problems.report(
                Kind::MissingRole,
                list.key,
                format!("personas include no `{roles}`"),
                format!("needs `{roles}`"),
                format!(
                    "add a persona with `role: {}`; every demo tenant needs an owner and an accountant",
                    missing.first().copied().unwrap_or("owner")
                ),
            );
        }
    }
    complete.then_some(out)
}

fn persona(raw: &RawPersona, company_key: &str, problems: &mut Problems) -> Option<Persona> {
    let name = raw
        .name
        .as_ref()
        .and_then(|n| non_empty(n, "persona name", problems));
    let email = raw
        .email
        .as_ref()
        .and_then(|e| email(e, company_key, problems));
    let role = raw.role.as_ref().and_then(|r| role(r, problems));
    Some(Persona {
        name: name?,
        email: email?,
        role: role?,
    })
}

fn email(raw: &Spanned<String>, company_key: &str, problems: &mut Problems) -> Option<String> {
    let value = raw.value.trim();
    let Some((local, domain)) = text::split_email(value) else {
        problems.report(
            Kind::InvalidValue,
            raw.span,
            format!("`{}` is not an email address", raw.value),
            "not local@domain",
            format!("write an address such as `olivia@{company_key}.example`"),
        );
        return None;
    };
    if !text::is_reserved_domain(domain) {
        real_domain(
            problems,
            raw.span,
            domain,
            &format!("use `{local}@{company_key}.example`"),
        );
        return None;
    }
    Some(value.to_owned())
}

fn role(raw: &Spanned<String>, problems: &mut Problems) -> Option<Role> {
    let lower = raw.value.trim().to_ascii_lowercase();
    if SUPER_ADMIN_WORDS.contains(&lower.as_str()) {
        problems.report(
            Kind::SuperAdminRole,
            raw.span,
            format!("`{}` is not a role: demoforge has no super-admin role, by design", raw.value),
            "no super-admin role exists",
            "demo evaluators must never reach other tenants; use `owner` for full access to this company",
        );
        return None;
    }
    let roles: Vec<(&str, Role)> = Role::ALL.into_iter().map(|r| (r.key(), r)).collect();
    choose(problems, raw, "role", &roles)
}
