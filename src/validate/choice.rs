//! Reading a word from a fixed vocabulary, with "did you mean" on a miss.
//!
//! Input: a spanned word and the allowed `(word, value)` pairs. Output: the
//! value, or `None` after reporting one problem.
//! Invariant: the help line always lists every allowed word.

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

/// Basis points as a percentage for messages: `2000` -> `20%`.
pub fn pct(bp: i64) -> String {
    format!("{}%", crate::spec::numbers::format_fixed(bp, 2))
}
