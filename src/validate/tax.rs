//! Tax rates: the country's default table plus the spec's overrides.
//!
//! Input: the raw `tax_rates` list. Output: the final table.
//! Invariant: codes are unique, rates are 0% to below 100%, zero and exempt
//! rates are 0%, and the table holds a `standard` rate.

use std::collections::HashSet;

use super::choice::{choose, pct};
use crate::model::{Bp, Country, FilingFrequency, TaxFiling, TaxKind, TaxRate, defaults};
use crate::spec::raw::{List, RawTaxFiling, RawTaxRate};
use crate::spec::{Kind, Problems, Spanned};

pub const KINDS: [(&str, TaxKind); 4] = [
    ("standard", TaxKind::Standard),
    ("reduced", TaxKind::Reduced),
    ("zero", TaxKind::Zero),
    ("exempt", TaxKind::Exempt),
];

pub const FILING_FREQUENCIES: [(&str, FilingFrequency); 2] = [
    ("quarterly", FilingFrequency::Quarterly),
    ("monthly", FilingFrequency::Monthly),
];

/// How often tax returns are filed: the `tax` mapping, or the country default.
pub fn filing(raw: Option<&RawTaxFiling>, country: Country, problems: &mut Problems) -> TaxFiling {
    let mut filing = defaults::tax_filing(country);
    if let Some(frequency) = raw
        .and_then(|r| r.returns.as_ref())
        .and_then(|r| choose(problems, r, "tax return frequency", &FILING_FREQUENCIES))
    {
        filing.frequency = frequency;
    }
    filing
}

/// `^[A-Za-z0-9_-]{1,16}$`
fn is_tax_code(code: &str) -> bool {
    (1..=16).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

pub fn tax_rates(
    raw: Option<&List<RawTaxRate>>,
    country: Country,
    problems: &mut Problems,
) -> Vec<TaxRate> {
    let mut rates = defaults::tax_rates(country);
    let Some(raw) = raw else { return rates };
    let mut seen: HashSet<&str> = HashSet::new();
    for entry in &raw.items {
        let Some(code) = &entry.code else { continue };
        if !is_tax_code(&code.value) {
            problems.report(
                Kind::InvalidValue,
                code.span,
                format!("`{}` is not a valid tax code", code.value),
                "invalid code",
                "use 1 to 16 letters, digits, `_` or `-`, e.g. `STD`",
            );
            continue;
        }
        if !seen.insert(&code.value) {
            problems.report(
                Kind::DuplicateName,
                code.span,
                format!("tax code `{}` is listed twice", code.value),
                "duplicate code",
                "merge the two entries into one",
            );
            continue;
        }
        let kind = entry
            .kind
            .as_ref()
            .and_then(|k| choose(problems, k, "tax kind", &KINDS));
        let rate = entry.rate.as_ref().and_then(|r| rate_in_range(r, problems));
        if let Some(name) = &entry.name {
            if name.value.trim().is_empty() {
                problems.report(
                    Kind::InvalidValue,
                    name.span,
                    "tax rate name is empty",
                    "empty name",
                    "give the rate a name, e.g. `Standard rate VAT`",
                );
            } else {
                super::company::padded(name, "tax rate name", problems);
            }
        }
        let existing = rates.iter().position(|r| r.code == code.value);
        let merged = match existing.and_then(|i| rates.get(i).cloned()) {
            Some(mut old) => {
                if let Some(name) = &entry.name {
                    old.name = name.value.trim().to_owned();
                }
                old.kind = kind.unwrap_or(old.kind);
                old.rate = rate.unwrap_or(old.rate);
                old
            }
            None => {
                let Some(new) = new_rate(entry, code, kind, rate, problems) else {
                    continue;
                };
                new
            }
        };
        if matches!(merged.kind, TaxKind::Zero | TaxKind::Exempt) && merged.rate != Bp(0) {
            let span = match (&entry.rate, &entry.kind) {
                (Some(rate), _) => rate.span,
                (None, Some(kind)) => kind.span,
                (None, None) => code.span,
            };
            problems.report(
                Kind::OutOfRange,
                span,
                format!(
                    "tax rate `{}` is a zero or exempt rate but charges {}",
                    code.value,
                    pct(i64::from(merged.rate.0))
                ),
                "must be 0%",
                "set `rate: 0%`, or use kind `standard` or `reduced`",
            );
        }
        match existing {
            Some(i) => {
                if let Some(slot) = rates.get_mut(i) {
                    *slot = merged;
                }
            }
            None => rates.push(merged),
        }
    }
    if !rates.iter().any(|r| r.kind == TaxKind::Standard) {
        problems.report(
            Kind::MissingField,
            raw.key,
            "the tax table has no `standard` rate",
            "no standard rate",
            "keep a rate with `kind: standard`; products are charged it by default",
        );
    }
    rates
}

fn rate_in_range(rate: &Spanned<i64>, problems: &mut Problems) -> Option<Bp> {
    if (0..10_000).contains(&rate.value) {
        return u32::try_from(rate.value).ok().map(Bp);
    }
    problems.report(
        Kind::OutOfRange,
        rate.span,
        format!("tax rate {} is outside 0% to below 100%", pct(rate.value)),
        "must be 0% to below 100%",
        "use a rate such as `20%`",
    );
    None
}

fn new_rate(
    entry: &RawTaxRate,
    code: &Spanned<String>,
    kind: Option<TaxKind>,
    rate: Option<Bp>,
    problems: &mut Problems,
) -> Option<TaxRate> {
    let zero_like = matches!(kind, Some(TaxKind::Zero | TaxKind::Exempt));
    let mut missing = Vec::new();
    if entry.name.is_none() {
        missing.push("name");
    }
    if entry.kind.is_none() {
        missing.push("kind");
    }
    if entry.rate.is_none() && !zero_like {
        missing.push("rate");
    }
    if !missing.is_empty() {
        let fields = missing.join("` and `");
        problems.report(
            Kind::MissingField,
            code.span,
            format!("new tax rate `{}` needs `{fields}`", code.value),
            "not a default tax code",
            format!("add `{fields}`, or use an existing code to override it"),
        );
        return None;
    }
    Some(TaxRate {
        code: code.value.clone(),
        name: entry.name.as_ref()?.value.trim().to_owned(),
        kind: kind?,
        rate: if zero_like && entry.rate.is_none() {
            Bp(0)
        } else {
            rate?
        },
    })
}
