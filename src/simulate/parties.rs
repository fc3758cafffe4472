//! Customers and vendors: names, addresses and behaviour, one stream each.
//!
//! Names and addresses come from `fake` in the company's locale; phone numbers
//! come from ranges reserved for fiction (Ofcom's 01632 960xxx, the US 555-01xx),
//! and emails from reserved `.example` domains, so no real person is reachable.

use chrono::NaiveDate;
use fake::Fake;
use fake::faker::address::en::{BuildingNumber, CityName, StreetName, ZipCode};
use fake::faker::company::en::CompanyName;
use fake::faker::name::en::{FirstName, LastName};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use uuid::Uuid;

use super::draw::{between, chance, weighted};
use super::keys::Key;
use super::rows::PartyRow;
use crate::model::{Bp, Country, Industry, PayerMix, SpendCategory, TermShare};

/// How a party settles what it owes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    Prompt,
    Late,
    Partial,
}

/// Activity weights in thousandths; they average 1000 so the spec's mean holds,
/// while a few large customers dominate as they do in real books.
const ACTIVITY_WEIGHTS: [u32; 10] = [200, 350, 500, 650, 800, 950, 1100, 1300, 1600, 2550];

/// What the simulation needs to know about a customer or vendor.
#[derive(Debug, Clone)]
pub struct Party {
    pub key: Key,
    pub id: Uuid,
    pub index: u32,
    pub name: String,
    pub terms_days: u32,
    pub behaviour: Behaviour,
    pub weight_milli: u32,
    pub method: &'static str,
    pub spend: Option<SpendCategory>,
}

pub struct PartyContext<'a> {
    pub seed: u64,
    pub company_id: Uuid,
    pub country: Country,
    pub industry: Industry,
    pub created_on: NaiveDate,
    pub terms: &'a [TermShare],
    pub payers: PayerMix,
}

pub fn customer(ctx: &PartyContext<'_>, parent: &Key, index: u32) -> (Party, PartyRow) {
    let key = parent.child("customer").child(index);
    let mut rng = key.stream(ctx.seed);
    let business =
        !matches!(ctx.industry, Industry::Retail | Industry::Travel) || chance(&mut rng, Bp(4_500));
    let (name, email) = if business {
        business_name_and_email(&mut rng, ctx.country, "accounts")
    } else {
        person_name_and_email(&mut rng, index)
    };
    let method = ["bank_transfer", "card", "direct_debit"][weighted(&mut rng, &[70, 20, 10])];
    let party = party_from(&mut rng, ctx, key, index, name.clone(), method, None);
    let row = party_row(&mut rng, ctx, &party, "C", email);
    (party, row)
}

pub fn vendor(
    ctx: &PartyContext<'_>,
    parent: &Key,
    index: u32,
    spend: SpendCategory,
    expense_account: Uuid,
) -> (Party, PartyRow) {
    let key = parent.child("vendor").child(index);
    let mut rng = key.stream(ctx.seed);
    let surname: String = LastName().fake_with_rng(&mut rng);
    let name = format!(
        "{surname} {} {}",
        vendor_trade(spend, ctx.industry),
        legal_suffix(ctx.country)
    );
    let email = format!("billing@{}.example", slug(&name));
    let party = party_from(
        &mut rng,
        ctx,
        key,
        index,
        name,
        "bank_transfer",
        Some(spend),
    );
    let mut row = party_row(&mut rng, ctx, &party, "V", email);
    row.spend = Some((spend_key(spend), expense_account));
    (party, row)
}

fn party_from(
    rng: &mut ChaCha8Rng,
    ctx: &PartyContext<'_>,
    key: Key,
    index: u32,
    name: String,
    method: &'static str,
    spend: Option<SpendCategory>,
) -> Party {
    let shares: Vec<u32> = ctx.terms.iter().map(|t| t.share.0).collect();
    let terms_days = ctx.terms[weighted(rng, &shares)].days;
    let behaviour = behaviour_for(index, ctx.payers);
    let weight_milli = ACTIVITY_WEIGHTS[rng.random_range(0..ACTIVITY_WEIGHTS.len())];
    Party {
        id: key.id(),
        key,
        index,
        name,
        terms_days,
        behaviour,
        weight_milli,
        method,
        spend,
    }
}

/// Behaviour by the golden-ratio sequence over the party's index: the shares
/// match the spec closely for any population size, and a party's behaviour
/// never depends on how many others there are.
pub fn behaviour_for(index: u32, mix: PayerMix) -> Behaviour {
    let u = (u64::from(index) * 6_180_339_887 % 10_000_000_000 / 1_000_000) as u32;
    if u < mix.prompt.0 {
        Behaviour::Prompt
    } else if u < mix.prompt.0 + mix.late.0 {
        Behaviour::Late
    } else {
        Behaviour::Partial
    }
}

fn party_row(
    rng: &mut ChaCha8Rng,
    ctx: &PartyContext<'_>,
    party: &Party,
    prefix: &str,
    email: String,
) -> PartyRow {
    let number: String = BuildingNumber().fake_with_rng(rng);
    let street: String = StreetName().fake_with_rng(rng);
    let city: String = CityName().fake_with_rng(rng);
    let (postcode, phone, country) = match ctx.country {
        Country::GB => (
            gb_postcode(rng),
            format!("01632 960{:03}", between(rng, 0, 999)),
            "GB",
        ),
        Country::US => (
            ZipCode().fake_with_rng::<String, _>(rng),
            format!(
                "+1 {}-555-01{:02}",
                between(rng, 201, 989),
                between(rng, 0, 99)
            ),
            "US",
        ),
    };
    PartyRow {
        id: party.id,
        company_id: ctx.company_id,
        number: format!("{prefix}-{:05}", party.index),
        name: party.name.clone(),
        email,
        phone,
        address_line1: format!("{number} {street}"),
        city,
        postcode,
        country,
        payment_terms_days: party.terms_days,
        spend: None,
        created_on: ctx.created_on,
    }
}

fn business_name_and_email(
    rng: &mut ChaCha8Rng,
    country: Country,
    mailbox: &str,
) -> (String, String) {
    let base: String = CompanyName().fake_with_rng(rng);
    let name = format!("{base} {}", legal_suffix(country));
    let email = format!("{mailbox}@{}.example", slug(&base));
    (name, email)
}

fn person_name_and_email(rng: &mut ChaCha8Rng, index: u32) -> (String, String) {
    let first: String = FirstName().fake_with_rng(rng);
    let last: String = LastName().fake_with_rng(rng);
    let email = format!("{}.{}{index}@mail.example", slug(&first), slug(&last));
    (format!("{first} {last}"), email)
}

fn gb_postcode(rng: &mut ChaCha8Rng) -> String {
    const AREAS: [&str; 12] = [
        "AB", "BS", "CF", "EH", "GL", "LS", "M", "NE", "OX", "RG", "SW", "YO",
    ];
    let letter = |rng: &mut ChaCha8Rng| char::from(b'A' + rng.random_range(0..26u8));
    format!(
        "{}{} {}{}{}",
        AREAS[rng.random_range(0..AREAS.len())],
        between(rng, 1, 28),
        between(rng, 1, 9),
        letter(rng),
        letter(rng)
    )
}

fn legal_suffix(country: Country) -> &'static str {
    match country {
        Country::GB => "Ltd",
        Country::US => "LLC",
    }
}

fn vendor_trade(spend: SpendCategory, industry: Industry) -> &'static str {
    use SpendCategory::*;
    match spend {
        CostOfSales => match industry {
            Industry::Travel => "Hotels & Resorts",
            Industry::Retail => "Wholesale",
            Industry::Manufacturing => "Materials",
            Industry::Software => "Cloud Hosting",
            Industry::ProfessionalServices => "Associates",
        },
        Rent => "Property Holdings",
        Utilities => "Energy",
        Software => "Software",
        Marketing => "Media",
        ProfessionalFees => "Accountants",
        OfficeSupplies => "Office Supplies",
        Travel => "Travel Services",
    }
}

pub fn spend_key(spend: SpendCategory) -> &'static str {
    use SpendCategory::*;
    match spend {
        CostOfSales => "cost_of_sales",
        Rent => "rent",
        Utilities => "utilities",
        Software => "software",
        Marketing => "marketing",
        ProfessionalFees => "professional_fees",
        OfficeSupplies => "office_supplies",
        Travel => "travel",
    }
}

/// Lowercase ASCII letters and digits joined by single dashes.
pub fn slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slug_keeps_ascii_alphanumerics() {
        assert_eq!(slug("Stehr, Hermann & Sons"), "stehr-hermann-sons");
        assert_eq!(slug("  --x--  "), "x");
    }

    #[test]
    fn activity_weights_average_one() {
        let sum: u32 = ACTIVITY_WEIGHTS.iter().sum();
        assert_eq!(sum as usize, 1000 * ACTIVITY_WEIGHTS.len());
    }
}
