//! Reading a word from a fixed vocabulary, with "did you mean" on a miss.
//!
//! Input: a spanned word and the allowed `(word, value)` pairs. Output: the
//! value, or `None` after reporting one problem.
//! Invariant: the help line always lists every allowed word.

use crate::model::{Bp, Money};
use crate::spec::text::{did_you_mean, quoted_list};
use crate::spec::{Kind, Problems, Spanned};

pub fn choose<T: Copy>(
    problems: &mut Problems,
    word: &Spanned<String>,
    field: &str,
    options: &[(&str, T)],
) -> Option<T> {
    if let Some((_, value)) = options.iter().find(|(name, _)| *name == word.value) {
        return Some(*value);
    }
    let names: Vec<&str> = options.iter().map(|(name, _)| *name).collect();
    let label = match did_you_mean(&word.value, &names) {
        Some(close) => format!("did you mean `{close}`?"),
        None => format!("not a known {field}"),
    };
    problems.report(
        Kind::InvalidValue,
        word.span,
        format!("`{}` is not a valid {field}", word.value),
        label,
        format!("use one of {}", quoted_list(&names)),
    );
    None
}

/// Checks `lo <= value <= hi` and reports an out-of-range problem otherwise.
pub fn in_range<T: PartialOrd + std::fmt::Display + Copy>(
    problems: &mut Problems,
    value: &Spanned<T>,
    field: &str,
    lo: T,
    hi: T,
) -> Option<T> {
    if value.value >= lo && value.value <= hi {
        return Some(value.value);
    }
    problems.report(
        Kind::OutOfRange,
        value.span,
        format!("`{field}` is {}, outside {lo}..={hi}", value.value),
        format!("must be {lo} to {hi}"),
        format!("pick a value from {lo} to {hi}"),
    );
    None
}

/// A percentage (in basis points) within `lo..=hi` basis points.
pub fn percent_in(
    problems: &mut Problems,
    value: &Spanned<i64>,
    field: &str,
    lo: i64,
    hi: i64,
) -> Option<i64> {
    if value.value >= lo && value.value <= hi {
        return Some(value.value);
    }
    let (lo, hi, got) = (pct(lo), pct(hi), pct(value.value));
    problems.report(
        Kind::OutOfRange,
        value.span,
        format!("`{field}` is {got}, outside {lo} to {hi}"),
        format!("must be {lo} to {hi}"),
        format!("pick a percentage from {lo} to {hi}"),
    );
    None
}

/// A money amount (minor units) within `lo..=hi` minor units.
pub fn money_in(
    problems: &mut Problems,
    value: &Spanned<i64>,
    field: &str,
    lo: i64,
    hi: i64,
) -> Option<Money> {
    if value.value >= lo && value.value <= hi {
        return Some(Money(value.value));
    }
    let (lo, hi, got) = (Money(lo), Money(hi), Money(value.value));
    problems.report(
        Kind::OutOfRange,
        value.span,
        format!("`{field}` is {got}, outside {lo} to {hi}"),
        format!("must be {lo} to {hi}"),
        format!("pick an amount from {lo} to {hi}"),
    );
    None
}

/// A percentage within `lo..=hi` basis points, as model basis points.
pub fn bp_in(
    problems: &mut Problems,
    value: &Spanned<i64>,
    field: &str,
    lo: i64,
    hi: i64,
) -> Option<Bp> {
    percent_in(problems, value, field, lo, hi)
        .and_then(|bp| u32::try_from(bp).ok())
        .map(Bp)
}

/// A whole number within `lo..=hi`, as `u32`.
pub fn u32_in(
    problems: &mut Problems,
    value: &Spanned<u64>,
    field: &str,
    lo: u32,
    hi: u32,
) -> Option<u32> {
    in_range(problems, value, field, u64::from(lo), u64::from(hi))
        .and_then(|v| u32::try_from(v).ok())
}

/// Basis points as a percentage for messages: `2000` -> `20%`.
pub fn pct(bp: i64) -> String {
    format!("{}%", crate::spec::numbers::format_fixed(bp, 2))
}

#[cfg(test)]
mod tests {
    use miette::SourceSpan;

    use super::*;

    fn at<T>(value: T) -> Spanned<T> {
        Spanned::new(value, SourceSpan::new(0.into(), 1))
    }

    #[test]
    fn money_in_reports_amounts_with_two_decimals() {
        let mut problems = Problems::default();
        assert_eq!(
            money_in(&mut problems, &at(1250), "fee", 0, 100_000),
            Some(Money(1250))
        );
        assert_eq!(money_in(&mut problems, &at(-500), "fee", 0, 100_000), None);
        assert_eq!(problems.len(), 1);
        assert_eq!(
            problems.0[0].message,
            "`fee` is -5.00, outside 0.00 to 1000.00"
        );
    }

    #[test]
    fn bp_and_u32_ranges_are_inclusive() {
        let mut problems = Problems::default();
        assert_eq!(
            bp_in(&mut problems, &at(2500), "pension", 0, 2500),
            Some(Bp(2500))
        );
        assert_eq!(bp_in(&mut problems, &at(-1), "pension", 0, 2500), None);
        assert_eq!(u32_in(&mut problems, &at(80), "hours", 1, 80), Some(80));
        assert_eq!(u32_in(&mut problems, &at(0), "hours", 1, 80), None);
        assert_eq!(problems.len(), 2);
    }
}
