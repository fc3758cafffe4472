//! Time-travel offsets: `+6 months` to a [`TravelOffset`].
//!
//! Input: the offsets' text. Output: parsed offsets.
//! Invariant: every offset is positive, at most
//! [`limits::MAX_TIME_TRAVEL_DAYS`] days ahead (months counted as 31 days and
//! years as 366, so the bound holds whatever the calendar), and no two offsets
//! are the same amount of the same unit.

use crate::model::{TravelOffset, TravelUnit, limits};
use crate::spec::raw::List;
use crate::spec::{Kind, Problems, Spanned};

const UNITS: [(&str, TravelUnit); 8] = [
    ("day", TravelUnit::Days),
    ("days", TravelUnit::Days),
    ("week", TravelUnit::Weeks),
    ("weeks", TravelUnit::Weeks),
    ("month", TravelUnit::Months),
    ("months", TravelUnit::Months),
    ("year", TravelUnit::Years),
    ("years", TravelUnit::Years),
];

/// Parses `+N unit`; the error is a help line.
pub fn parse_offset(text: &str) -> Result<(u32, TravelUnit), &'static str> {
    const SHAPE: &str =
        "write it as `+N days`, `+N weeks`, `+N months` or `+N years`, e.g. `+6 months`";
    let rest = text.trim().strip_prefix('+').ok_or(SHAPE)?;
    let digits_end = rest.find(|c: char| !c.is_ascii_digit()).ok_or(SHAPE)?;
    let (digits, unit) = rest.split_at(digits_end);
    if digits.is_empty() || !unit.starts_with(char::is_whitespace) {
        return Err(SHAPE);
    }
    let amount: u32 = digits
        .parse()
        .map_err(|_| "the amount is too large; offsets reach at most about three years")?;
    let unit = UNITS
        .iter()
        .find(|(word, _)| *word == unit.trim())
        .map(|(_, unit)| *unit)
        .ok_or(SHAPE)?;
    if amount == 0 {
        return Err("an offset must move forward by at least 1");
    }
    Ok((amount, unit))
}

/// Upper bound on the days an offset moves, used only for the size limit.
pub fn approximate_days(amount: u32, unit: TravelUnit) -> Option<u32> {
    let per_unit = match unit {
        TravelUnit::Days => 1,
        TravelUnit::Weeks => 7,
        TravelUnit::Months => 31,
        TravelUnit::Years => 366,
    };
    amount.checked_mul(per_unit)
}

pub fn offsets(raw: Option<&List<Spanned<String>>>, problems: &mut Problems) -> Vec<TravelOffset> {
    let Some(raw) = raw else { return Vec::new() };
    if raw.items.len() > limits::MAX_TIME_TRAVEL_OFFSETS {
        problems.report(
            Kind::AbsurdSize,
            raw.key,
            format!(
                "{} time-travel offsets; at most {} are allowed",
                raw.items.len(),
                limits::MAX_TIME_TRAVEL_OFFSETS
            ),
            "too many offsets",
            format!("keep at most {} offsets", limits::MAX_TIME_TRAVEL_OFFSETS),
        );
    }
    let mut out: Vec<TravelOffset> = Vec::new();
    for item in &raw.items {
        let (amount, unit) = match parse_offset(&item.value) {
            Ok(parsed) => parsed,
            Err(help) => {
                problems.report(
                    Kind::InvalidValue,
                    item.span,
                    format!("`{}` is not a time-travel offset", item.value),
                    "not `+N unit`",
                    help,
                );
                continue;
            }
        };
        let max = limits::MAX_TIME_TRAVEL_DAYS;
        if approximate_days(amount, unit).is_none_or(|days| days > max) {
            problems.report(
                Kind::OutOfRange,
                item.span,
                format!("`{}` reaches too far beyond `as_of`", item.value),
                format!("more than {max} days"),
                format!("keep offsets within {max} days (months count as 31 days, years as 366)"),
            );
            continue;
        }
        if out.iter().any(|o| o.amount == amount && o.unit == unit) {
            problems.report(
                Kind::DuplicateName,
                item.span,
                format!("time-travel offset `{}` is listed twice", item.value),
                "duplicate offset",
                "remove the repeated offset",
            );
            continue;
        }
        out.push(TravelOffset {
            text: item.value.trim().to_owned(),
            amount,
            unit,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_parse() {
        assert_eq!(parse_offset("+6 months"), Ok((6, TravelUnit::Months)));
        assert_eq!(parse_offset("+1 day"), Ok((1, TravelUnit::Days)));
        assert_eq!(parse_offset(" +2  weeks "), Ok((2, TravelUnit::Weeks)));
        assert_eq!(parse_offset("+3 years"), Ok((3, TravelUnit::Years)));
        assert!(parse_offset("6 months").is_err());
        assert!(parse_offset("+0 days").is_err());
        assert!(parse_offset("+6months").is_err());
        assert!(parse_offset("+6 fortnights").is_err());
        assert!(parse_offset("+").is_err());
        assert!(parse_offset("+99999999999 days").is_err());
        assert!(parse_offset("-1 day").is_err());
    }

    #[test]
    fn approximate_days_bounds() {
        assert_eq!(approximate_days(3, TravelUnit::Years), Some(1098));
        assert_eq!(approximate_days(u32::MAX, TravelUnit::Weeks), None);
    }
}
