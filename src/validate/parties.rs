//! Customer and vendor populations: counts, document rates, terms and payers.
//!
//! Input: the raw `customers` / `vendors` mappings. Output: the profiles.
//! Invariant: counts and rates are within [`limits`], payment-term shares and
//! payer shares each sum to exactly 100%, and no two terms share a day count.

use miette::SourceSpan;

use super::choice::{in_range, pct, percent_in};
use crate::model::{Bp, CustomerProfile, Milli, PayerMix, TermShare, VendorProfile, limits};
use crate::spec::raw::{List, RawParties, RawPayers, RawTerm};
use crate::spec::{Kind, Problems, Spanned};

pub const DEFAULT_PER_MONTH: Milli = Milli(1000);
pub const DEFAULT_CUSTOMER_PAYERS: PayerMix = PayerMix {
    prompt: Bp(6500),
    late: Bp(2500),
    partial: Bp(1000),
};
pub const DEFAULT_VENDOR_PAYERS: PayerMix = PayerMix {
    prompt: Bp(8000),
    late: Bp(1500),
    partial: Bp(500),
};
pub const DEFAULT_REFUND_RATE: Bp = Bp(200);

pub fn customers(
    raw: Option<&RawParties>,
    default_count: u32,
    problems: &mut Problems,
) -> CustomerProfile {
    let count = count(raw, default_count, limits::MAX_CUSTOMERS, problems);
    CustomerProfile {
        count,
        invoices_per_month: per_month(raw, "invoices_per_month", problems),
        payment_terms: terms(raw.and_then(|r| r.payment_terms.as_ref()), problems),
        payers: payers(
            raw.and_then(|r| r.payers.as_ref()),
            DEFAULT_CUSTOMER_PAYERS,
            problems,
        ),
        refund_rate: raw
            .and_then(|r| r.refund_rate.as_ref())
            .and_then(|r| percent_in(problems, r, "refund_rate", 0, 5000))
            .and_then(|bp| u32::try_from(bp).ok())
            .map_or(DEFAULT_REFUND_RATE, Bp),
    }
}

pub fn vendors(
    raw: Option<&RawParties>,
    default_count: u32,
    problems: &mut Problems,
) -> VendorProfile {
    VendorProfile {
        count: count(raw, default_count, limits::MAX_VENDORS, problems),
        bills_per_month: per_month(raw, "bills_per_month", problems),
        payment_terms: terms(raw.and_then(|r| r.payment_terms.as_ref()), problems),
        payers: payers(
            raw.and_then(|r| r.payers.as_ref()),
            DEFAULT_VENDOR_PAYERS,
            problems,
        ),
    }
}

fn count(raw: Option<&RawParties>, default: u32, max: u32, problems: &mut Problems) -> u32 {
    raw.and_then(|r| r.count.as_ref())
        .and_then(|c| in_range(problems, c, "count", 1, u64::from(max)))
        .and_then(|c| u32::try_from(c).ok())
        .unwrap_or(default)
}

fn per_month(raw: Option<&RawParties>, field: &str, problems: &mut Problems) -> Milli {
    let Some(value) = raw.and_then(|r| r.per_month.as_ref()) else {
        return DEFAULT_PER_MONTH;
    };
    let max = i64::from(limits::MAX_DOCUMENTS_PER_PARTY_MONTH);
    if (0..=max).contains(&value.value) {
        return u32::try_from(value.value).map_or(DEFAULT_PER_MONTH, Milli);
    }
    let shown = |v| crate::spec::numbers::format_fixed(v, 3);
    problems.report(
        Kind::OutOfRange,
        value.span,
        format!(
            "`{field}` is {}, outside 0 to {}",
            shown(value.value),
            shown(max)
        ),
        format!("must be 0 to {}", shown(max)),
        format!(
            "use a mean per party per month from 0 to {}, e.g. `0.8`",
            shown(max)
        ),
    );
    DEFAULT_PER_MONTH
}

fn terms(raw: Option<&List<RawTerm>>, problems: &mut Problems) -> Vec<TermShare> {
    let default = vec![TermShare {
        days: 30,
        share: Bp::HUNDRED_PERCENT,
    }];
    let Some(raw) = raw else { return default };
    if raw.items.is_empty() {
        problems.report(
            Kind::OutOfRange,
            raw.key,
            "`payment_terms` is empty",
            "no terms",
            "list at least one term, e.g. `[{days: 30, share: 100%}]`, or remove the key",
        );
        return default;
    }
    let mut out: Vec<TermShare> = Vec::new();
    let mut complete = true;
    for term in &raw.items {
        let days = term.days.as_ref().and_then(|d| {
            in_range(
                problems,
                d,
                "days",
                0,
                u64::from(limits::MAX_PAYMENT_TERMS_DAYS),
            )
        });
        let share = term
            .share
            .as_ref()
            .and_then(|s| percent_in(problems, s, "share", 1, 10_000));
        let (Some(days), Some(share)) = (days, share) else {
            complete = false;
            continue;
        };
        let (Ok(days), Ok(share)) = (u32::try_from(days), u32::try_from(share)) else {
            complete = false;
            continue;
        };
        if out.iter().any(|t| t.days == days) {
            let span = term.days.as_ref().map_or(term.at, |d| d.span);
            problems.report(
                Kind::DuplicateName,
                span,
                format!("payment term of {days} days is listed twice"),
                "duplicate days",
                "merge the two terms and add their shares",
            );
            complete = false;
            continue;
        }
        out.push(TermShare {
            days,
            share: Bp(share),
        });
    }
    // A sum over a partly unreadable list would only repeat the first problem.
    if complete {
        let sum: u32 = out.iter().map(|t| t.share.0).sum();
        check_sum(sum, raw.key, "payment term shares", problems);
    }
    if out.is_empty() { default } else { out }
}

fn payers(raw: Option<&RawPayers>, default: PayerMix, problems: &mut Problems) -> PayerMix {
    let Some(raw) = raw else { return default };
    let mut share = |value: &Option<Spanned<i64>>, field| {
        value
            .as_ref()
            .and_then(|v| percent_in(problems, v, field, 0, 10_000))
            .and_then(|v| u32::try_from(v).ok())
    };
    let prompt = share(&raw.prompt, "prompt");
    let late = share(&raw.late, "late");
    let partial = share(&raw.partial, "partial");
    let (Some(prompt), Some(late), Some(partial)) = (prompt, late, partial) else {
        return default;
    };
    if !check_sum(prompt + late + partial, raw.key, "payer shares", problems) {
        return default;
    }
    PayerMix {
        prompt: Bp(prompt),
        late: Bp(late),
        partial: Bp(partial),
    }
}

fn check_sum(sum: u32, at: SourceSpan, what: &str, problems: &mut Problems) -> bool {
    if sum == 10_000 {
        return true;
    }
    let shown = pct(i64::from(sum));
    let gap = pct(10_000 - i64::from(sum));
    problems.report(
        Kind::SharesNot100,
        at,
        format!("{what} add up to {shown}, not 100%"),
        format!("sums to {shown}"),
        format!("adjust the shares so they total exactly 100% (now {shown}, off by {gap})"),
    );
    false
}
