//! `--at`: a date (`2027-05-15`) or an offset from the scenario's as_of
//! (`+6m`, `+6 months`, `+2w`, `+10d`, `+1y`, `-3m`).

use chrono::{Days, Months, NaiveDate};

/// What `--at` asked for, before the scenario's as_of is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AtSpec {
    Date(NaiveDate),
    /// Signed amount of a unit.
    Offset(i64, Unit),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Days,
    Weeks,
    Months,
    Years,
}

const HELP: &str =
    "expected a date like 2027-05-15 or an offset like +6m, +6 months, +2w, +10d, +1y or -3m";

/// Parses `--at`; the error says what is accepted.
pub fn parse_at(text: &str) -> Result<AtSpec, String> {
    let trimmed = text.trim();
    let (sign, rest) = match trimmed.as_bytes().first() {
        Some(b'+') => (1, &trimmed[1..]),
        Some(b'-') => (-1, &trimmed[1..]),
        _ => {
            return NaiveDate::parse_from_str(trimmed, "%Y-%m-%d")
                .map(AtSpec::Date)
                .map_err(|_| format!("cannot read --at {text:?}: {HELP}"));
        }
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let unit_text = rest[digits..].trim_start();
    let amount: i64 = rest[..digits]
        .parse()
        .ok()
        .filter(|n| *n <= 100_000)
        .ok_or_else(|| format!("cannot read --at {text:?}: {HELP}"))?;
    let unit = match unit_text {
        "d" | "day" | "days" => Unit::Days,
        "w" | "week" | "weeks" => Unit::Weeks,
        "m" | "month" | "months" => Unit::Months,
        "y" | "year" | "years" => Unit::Years,
        _ => return Err(format!("cannot read --at {text:?}: {HELP}")),
    };
    Ok(AtSpec::Offset(sign * amount, unit))
}

impl AtSpec {
    /// The date this names, given the scenario's as_of; `None` when out of
    /// the calendar's range. Month offsets keep the day, clamped to the
    /// month's end (2026-08-31 + 6m is 2027-02-28).
    pub fn resolve(self, as_of: NaiveDate) -> Option<NaiveDate> {
        let (amount, unit) = match self {
            AtSpec::Date(date) => return Some(date),
            AtSpec::Offset(amount, unit) => (amount, unit),
        };
        let magnitude = amount.unsigned_abs();
        match unit {
            Unit::Days | Unit::Weeks => {
                let days = Days::new(if unit == Unit::Weeks {
                    magnitude * 7
                } else {
                    magnitude
                });
                if amount < 0 {
                    as_of.checked_sub_days(days)
                } else {
                    as_of.checked_add_days(days)
                }
            }
            Unit::Months | Unit::Years => {
                let months = if unit == Unit::Years {
                    magnitude * 12
                } else {
                    magnitude
                };
                let months = Months::new(u32::try_from(months).ok()?);
                if amount < 0 {
                    as_of.checked_sub_months(months)
                } else {
                    as_of.checked_add_months(months)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn offsets_and_dates_parse() {
        assert_eq!(parse_at("+6m"), Ok(AtSpec::Offset(6, Unit::Months)));
        assert_eq!(parse_at("+6 months"), Ok(AtSpec::Offset(6, Unit::Months)));
        assert_eq!(parse_at("+1 month"), Ok(AtSpec::Offset(1, Unit::Months)));
        assert_eq!(parse_at("+2w"), Ok(AtSpec::Offset(2, Unit::Weeks)));
        assert_eq!(parse_at("+10d"), Ok(AtSpec::Offset(10, Unit::Days)));
        assert_eq!(parse_at("+1y"), Ok(AtSpec::Offset(1, Unit::Years)));
        assert_eq!(parse_at("-3m"), Ok(AtSpec::Offset(-3, Unit::Months)));
        assert_eq!(parse_at("2027-05-15"), Ok(AtSpec::Date(d(2027, 5, 15))));
    }

    #[test]
    fn bad_input_is_refused_with_help() {
        for bad in [
            "",
            "+",
            "6m",
            "+m",
            "+6",
            "+6 fortnights",
            "2027-02-30",
            "soon",
            "+1.5m",
            "+ 6m",
            "+99999999999999999999d",
        ] {
            let err = parse_at(bad).unwrap_err();
            assert!(err.contains("expected a date like"), "{bad}: {err}");
        }
    }

    #[test]
    fn offsets_resolve_from_as_of() {
        let as_of = d(2026, 11, 15);
        let at = |t: &str| parse_at(t).unwrap().resolve(as_of).unwrap();
        assert_eq!(at("+6m"), d(2027, 5, 15));
        assert_eq!(at("-3m"), d(2026, 8, 15));
        assert_eq!(at("+2w"), d(2026, 11, 29));
        assert_eq!(at("+10d"), d(2026, 11, 25));
        assert_eq!(at("+1y"), d(2027, 11, 15));
        assert_eq!(
            parse_at("+6m").unwrap().resolve(d(2026, 8, 31)),
            Some(d(2027, 2, 28))
        );
    }
}
