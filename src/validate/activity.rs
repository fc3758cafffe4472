//! Activity: yearly growth and the month-by-month seasonality shape.
//!
//! Input: the raw `activity` mapping and the company's industry. Output: an
//! [`Activity`]. Invariant: growth is -90%..=500%, and the twelve seasonality
//! weights are thousandths summing to exactly 12 000 (averaging 1000).

use super::choice::percent_in;
use crate::model::{Activity, Industry, defaults};
use crate::spec::raw::{RawActivity, RawSeasonality};
use crate::spec::text::{did_you_mean, quoted_list};
use crate::spec::{Kind, Problems, Spanned};

pub const DEFAULT_GROWTH_BP: i32 = 1000;
const MIN_GROWTH_BP: i64 = -9000;
const MAX_GROWTH_BP: i64 = 50_000;

pub fn default_seasonality_name(industry: Industry) -> &'static str {
    match industry {
        Industry::Travel => "travel",
        Industry::Retail => "retail",
        _ => "b2b",
    }
}

pub fn activity(
    raw: Option<&RawActivity>,
    industry: Industry,
    problems: &mut Problems,
) -> Activity {
    let growth_per_year = raw
        .and_then(|r| r.growth.as_ref())
        .and_then(|g| percent_in(problems, g, "growth", MIN_GROWTH_BP, MAX_GROWTH_BP))
        .and_then(|g| i32::try_from(g).ok())
        .unwrap_or(DEFAULT_GROWTH_BP);
    let fallback = defaults::seasonality(default_seasonality_name(industry)).unwrap_or([1000; 12]);
    let seasonality = raw
        .and_then(|r| r.seasonality.as_ref())
        .and_then(|s| seasonality(s, problems))
        .unwrap_or(fallback);
    Activity {
        growth_per_year,
        seasonality,
    }
}

fn seasonality(raw: &Spanned<RawSeasonality>, problems: &mut Problems) -> Option<[u32; 12]> {
    match &raw.value {
        RawSeasonality::Named(name) => {
            let found = defaults::seasonality(name);
            if found.is_none() {
                let label = match did_you_mean(name, &defaults::SEASONALITY_NAMES) {
                    Some(close) => format!("did you mean `{close}`?"),
                    None => "unknown shape".to_owned(),
                };
                problems.report(
                    Kind::InvalidValue,
                    raw.span,
                    format!("`{name}` is not a seasonality shape"),
                    label,
                    format!(
                        "use one of {} or a list of 12 monthly weights",
                        quoted_list(&defaults::SEASONALITY_NAMES)
                    ),
                );
            }
            found
        }
        RawSeasonality::Weights(weights) => {
            if weights.len() != 12 {
                problems.report(
                    Kind::OutOfRange,
                    raw.span,
                    format!("seasonality has {} weights; it needs exactly 12", weights.len()),
                    "needs 12 weights",
                    "give one weight per month, January first, e.g. `[1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2]`",
                );
                return None;
            }
            let mut values = [0u64; 12];
            let mut ok = true;
            for (slot, weight) in values.iter_mut().zip(weights) {
                match u64::try_from(weight.value) {
                    Ok(v) => *slot = v,
                    Err(_) => {
                        ok = false;
                        problems.report(
                            Kind::OutOfRange,
                            weight.span,
                            "seasonality weights cannot be negative",
                            "negative weight",
                            "use 0 for a month with no activity",
                        );
                    }
                }
            }
            if !ok {
                return None;
            }
            let normalised = normalise(&values);
            if normalised.is_none() {
                problems.report(
                    Kind::OutOfRange,
                    raw.span,
                    "all seasonality weights are zero",
                    "all zero",
                    "give at least one month a weight above 0",
                );
            }
            normalised
        }
    }
}

/// Scales weights to thousandths summing to exactly 12 000. Rounding is
/// floored, and the few thousandths left over go one each to the largest
/// weights, earliest month first on ties, so the result is deterministic.
/// `None` when every weight is zero.
pub fn normalise(weights: &[u64; 12]) -> Option<[u32; 12]> {
    let total: u128 = weights.iter().map(|&w| u128::from(w)).sum();
    if total == 0 {
        return None;
    }
    let mut out = [0u32; 12];
    for (slot, &w) in out.iter_mut().zip(weights) {
        *slot = u32::try_from(u128::from(w) * 12_000 / total).ok()?;
    }
    let assigned: u32 = out.iter().sum();
    let remainder = 12_000u32.checked_sub(assigned)?;
    let mut order: Vec<usize> = (0..12).collect();
    order.sort_by(|&a, &b| {
        let (wa, wb) = (weights.get(a), weights.get(b));
        wb.cmp(&wa).then(a.cmp(&b))
    });
    for &month in order.iter().take(usize::try_from(remainder).ok()?) {
        if let Some(slot) = out.get_mut(month) {
            *slot += 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_weights_are_flat() {
        assert_eq!(normalise(&[5; 12]), Some([1000; 12]));
    }

    #[test]
    fn remainder_goes_to_largest_weights_first() {
        // 7 of 12000 / 7 ... : weights 1 x 11 and 2 -> total 13.
        let mut w = [1u64; 12];
        w[11] = 2;
        let n = normalise(&w).unwrap();
        assert_eq!(n.iter().sum::<u32>(), 12_000);
        // 12000/13 = 923.07 -> 923; 24000/13 = 1846.15 -> 1846;
        // assigned = 11*923 + 1846 = 11999, so December gets the extra one.
        assert_eq!(n[11], 1847);
        assert_eq!(n[0], 923);
    }

    #[test]
    fn ties_go_to_the_earliest_month() {
        let n = normalise(&[1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0]).unwrap();
        // 12000/7 = 1714.28 -> 1714 x 7 = 11998; two left for Jan and Feb.
        assert_eq!(n[..7], [1715, 1715, 1714, 1714, 1714, 1714, 1714]);
        assert_eq!(n.iter().sum::<u32>(), 12_000);
    }

    #[test]
    fn zero_and_huge_weights() {
        assert_eq!(normalise(&[0; 12]), None);
        let n = normalise(&[u64::MAX; 12]).unwrap();
        assert_eq!(n, [1000; 12]);
    }
}
