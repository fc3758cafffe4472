//! The product catalogue: how many services and goods, their price band, and
//! the tax rate they are charged.
//!
//! Input: the raw `products` mapping and the final tax table. Output: a
//! [`Catalog`]. Invariant: `1 <= services + goods <= MAX_PRODUCTS`,
//! `0 < price_min <= price_max <= 1 000 000.00`, and `standard_tax_code`
//! names a rate in the table.

use super::choice::in_range;
use crate::model::{Catalog, Money, TaxKind, TaxRate, limits};
use crate::spec::raw::RawProducts;
use crate::spec::text::quoted_list;
use crate::spec::{Kind, Problems};

pub const DEFAULT_PRICE_MIN: Money = Money(2_000);
pub const DEFAULT_PRICE_MAX: Money = Money(200_000);
/// 1 000 000.00 in minor units.
pub const MAX_PRICE: i64 = 100_000_000;

pub fn catalog(
    raw: Option<&RawProducts>,
    default_counts: (u32, u32),
    rates: &[TaxRate],
    problems: &mut Problems,
) -> Catalog {
    let max = u64::from(limits::MAX_PRODUCTS);
    let mut count = |value: Option<&crate::spec::Spanned<u64>>, field, default: u32| {
        value
            .and_then(|v| in_range(problems, v, field, 0, max))
            .and_then(|v| u32::try_from(v).ok())
            .unwrap_or(default)
    };
    let services = count(
        raw.and_then(|r| r.services.as_ref()),
        "services",
        default_counts.0,
    );
    let goods = count(
        raw.and_then(|r| r.goods.as_ref()),
        "goods",
        default_counts.1,
    );
    let total = u64::from(services) + u64::from(goods);
    if total == 0 || total > max {
        let at = raw.and_then(|r| r.services.as_ref().or(r.goods.as_ref()).map(|s| s.span));
        if let Some(at) = at.or(raw.map(|r| r.key)) {
            problems.report(
                Kind::OutOfRange,
                at,
                format!("{total} products in total (services + goods), outside 1 to {max}"),
                "services + goods out of range",
                format!("keep `services` + `goods` between 1 and {max}"),
            );
        }
    }
    let (price_min, price_max) = prices(raw, problems);
    Catalog {
        services,
        goods,
        price_min,
        price_max,
        standard_tax_code: tax_code(raw, rates, problems),
    }
}

fn prices(raw: Option<&RawProducts>, problems: &mut Problems) -> (Money, Money) {
    let Some(price) = raw.and_then(|r| r.price.as_ref()) else {
        return (DEFAULT_PRICE_MIN, DEFAULT_PRICE_MAX);
    };
    let shown = |m: i64| Money(m).to_string();
    let mut read = |value: Option<&crate::spec::Spanned<i64>>, field, default: Money| {
        let Some(value) = value else {
            return Some(default);
        };
        if value.value > 0 && value.value <= MAX_PRICE {
            return Some(Money(value.value));
        }
        problems.report(
            Kind::OutOfRange,
            value.span,
            format!(
                "price `{field}` is {}, outside 0.01 to {}",
                shown(value.value),
                shown(MAX_PRICE)
            ),
            "must be above 0 and at most 1000000.00",
            "use a price above 0 and at most 1000000.00, e.g. `25.00`",
        );
        None
    };
    let min = read(price.min.as_ref(), "min", DEFAULT_PRICE_MIN);
    let max = read(price.max.as_ref(), "max", DEFAULT_PRICE_MAX);
    let (Some(min), Some(max)) = (min, max) else {
        return (DEFAULT_PRICE_MIN, DEFAULT_PRICE_MAX);
    };
    if min > max {
        let at = price
            .min
            .as_ref()
            .or(price.max.as_ref())
            .map_or(price.key, |v| v.span);
        problems.report(
            Kind::OutOfRange,
            at,
            format!("price `min` {min} is above `max` {max}"),
            "min above max",
            "make `min` at most `max` (the defaults are 20.00 and 2000.00)",
        );
        return (DEFAULT_PRICE_MIN, DEFAULT_PRICE_MAX);
    }
    (min, max)
}

fn tax_code(raw: Option<&RawProducts>, rates: &[TaxRate], problems: &mut Problems) -> String {
    let first_standard = rates
        .iter()
        .find(|r| r.kind == TaxKind::Standard)
        .map(|r| r.code.clone())
        .unwrap_or_default();
    let Some(code) = raw.and_then(|r| r.tax_rate.as_ref()) else {
        return first_standard;
    };
    if rates.iter().any(|r| r.code == code.value) {
        return code.value.clone();
    }
    let known: Vec<&str> = rates.iter().map(|r| r.code.as_str()).collect();
    problems.report(
        Kind::DanglingReference,
        code.span,
        format!(
            "products refer to tax rate `{}`, which does not exist",
            code.value
        ),
        "unknown tax code",
        format!(
            "use one of the company's tax codes: {}",
            quoted_list(&known)
        ),
    );
    first_standard
}
