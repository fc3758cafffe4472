//! Products and services: names by industry, prices, tax treatment.
//!
//! Names are generic trade descriptions written here, never brands.

use uuid::Uuid;

use super::draw::{between, nice_price, skewed_amount};
use super::keys::Key;
use super::rows::ProductRow;
use crate::model::{Catalog, Industry, Money, TaxKind};

#[derive(Debug, Clone)]
pub struct Product {
    pub id: Uuid,
    pub name: String,
    pub goods: bool,
    pub unit_price: Money,
    /// Index into the company's tax rates.
    pub tax: usize,
    /// Index into the company's chart.
    pub income_account: usize,
    /// Relative popularity.
    pub weight: u32,
}

/// (name, tax kind) pools per industry: services first, then goods.
/// Product names with their usual tax treatment.
type NamePool = &'static [(&'static str, TaxKind)];

fn names(industry: Industry) -> (NamePool, NamePool) {
    use TaxKind::*;
    match industry {
        Industry::Travel => (
            &[
                ("City break package", Standard),
                ("Beach holiday package", Standard),
                ("Guided walking tour", Standard),
                ("Airport transfer", Zero),
                ("Scheduled flight booking", Zero),
                ("Rail pass booking", Zero),
                ("Travel insurance", Exempt),
                ("Visa handling service", Standard),
                ("Cruise booking", Standard),
                ("Ski week package", Standard),
                ("Corporate travel management fee", Standard),
                ("Group tour", Standard),
                ("Hotel booking service", Standard),
                ("Car hire booking", Standard),
                ("Adventure trek", Standard),
                ("Event travel coordination", Standard),
            ],
            &[
                ("Travel adapter", Standard),
                ("Luggage tag set", Standard),
                ("Guidebook", Zero),
                ("Travel pillow", Standard),
            ],
        ),
        Industry::Retail => (
            &[
                ("Gift wrapping", Standard),
                ("Home delivery", Standard),
                ("Extended warranty", Exempt),
            ],
            &[
                ("Ceramic mug", Standard),
                ("Linen tea towel", Standard),
                ("Scented candle", Standard),
                ("Notebook", Zero),
                ("Children's book", Zero),
                ("Wool scarf", Standard),
                ("Desk lamp", Standard),
                ("Picture frame", Standard),
                ("Cotton tote bag", Standard),
                ("Plant pot", Standard),
            ],
        ),
        Industry::Software => (
            &[
                ("Team plan subscription", Standard),
                ("Enterprise plan subscription", Standard),
                ("Onboarding package", Standard),
                ("Premium support", Standard),
                ("Custom integration work", Standard),
                ("Training day", Standard),
            ],
            &[("Hardware security key", Standard)],
        ),
        Industry::Manufacturing => (
            &[
                ("Installation service", Standard),
                ("Maintenance visit", Standard),
            ],
            &[
                ("Steel bracket", Standard),
                ("Aluminium housing", Standard),
                ("Control panel", Standard),
                ("Hydraulic fitting", Standard),
                ("Gear assembly", Standard),
                ("Sensor module", Standard),
            ],
        ),
        Industry::ProfessionalServices => (
            &[
                ("Consulting day", Standard),
                ("Strategy workshop", Standard),
                ("Audit support", Standard),
                ("Monthly retainer", Standard),
                ("Project management", Standard),
                ("Research report", Standard),
            ],
            &[("Printed report pack", Zero)],
        ),
    }
}

pub struct CatalogContext<'a> {
    pub seed: u64,
    pub company_id: Uuid,
    pub industry: Industry,
    pub catalog: &'a Catalog,
    /// Index of the tax rate to use for each tax kind.
    pub tax_for: &'a dyn Fn(TaxKind) -> usize,
    pub tax_ids: &'a [Uuid],
    pub service_account: usize,
    pub goods_account: usize,
    pub account_ids: &'a [Uuid],
}

pub fn products(ctx: &CatalogContext<'_>, parent: &Key) -> Vec<(Product, ProductRow)> {
    let (services, goods) = names(ctx.industry);
    let plan = (0..ctx.catalog.services)
        .map(|i| (false, i, services))
        .chain((0..ctx.catalog.goods).map(|i| (true, i, goods)));
    plan.enumerate()
        .map(|(n, (is_goods, i, pool))| product(ctx, parent, n as u32 + 1, is_goods, i, pool))
        .collect()
}

fn product(
    ctx: &CatalogContext<'_>,
    parent: &Key,
    number: u32,
    goods: bool,
    i: u32,
    pool: &[(&str, TaxKind)],
) -> (Product, ProductRow) {
    let key = parent.child("product").child(number);
    let mut rng = key.stream(ctx.seed);
    let (base, kind) = pool[i as usize % pool.len()];
    let edition = i as usize / pool.len();
    let name = match edition {
        0 => base.to_owned(),
        n => format!(
            "{base} ({})",
            ["premium", "family", "business", "express"][(n - 1) % 4]
        ),
    };
    let (lo, hi) = if goods {
        (
            ctx.catalog.price_min,
            Money((ctx.catalog.price_max.0 / 10).max(ctx.catalog.price_min.0)),
        )
    } else {
        (ctx.catalog.price_min, ctx.catalog.price_max)
    };
    let raw_price = skewed_amount(&mut rng, lo, hi);
    let unit_price = nice_price(&mut rng, raw_price);
    let tax = (ctx.tax_for)(kind);
    let income_account = if goods {
        ctx.goods_account
    } else {
        ctx.service_account
    };
    let product = Product {
        id: key.id(),
        name: name.clone(),
        goods,
        unit_price,
        tax,
        income_account,
        weight: between(&mut rng, 1, 10),
    };
    let row = ProductRow {
        id: product.id,
        company_id: ctx.company_id,
        sku: format!("{}-{number:04}", if goods { "GD" } else { "SV" }),
        name,
        kind: if goods { "goods" } else { "service" },
        unit_price,
        tax_rate_id: ctx.tax_ids[tax],
        income_account_id: ctx.account_ids[income_account],
    };
    (product, row)
}
