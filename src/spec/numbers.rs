//! Exact fixed-point parsing of decimals, percentages and money from scalar text.
//!
//! Input: the scalar's source text. Output: integers scaled by a power of ten.
//! Invariant: never goes through floating point, never overflows (checked
//! arithmetic), and rejects rather than rounds extra decimal places, so
//! `0.1` is exactly 100 thousandths on every platform.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberError {
    /// Not a plain decimal such as `12`, `-3.5` or `0.25`.
    NotANumber,
    /// More decimal places than the field allows.
    TooManyDecimals { allowed: u32 },
    /// Too large to represent.
    Overflow,
}

/// Parses `[+-]digits[.digits]` into an integer scaled by `10^places`.
pub fn parse_fixed(text: &str, places: u32) -> Result<i64, NumberError> {
    let text = text.trim();
    let (negative, unsigned) = match text.as_bytes().first() {
        Some(b'-') => (true, text.get(1..).unwrap_or("")),
        Some(b'+') => (false, text.get(1..).unwrap_or("")),
        _ => (false, text),
    };
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((whole, fraction)) => (whole, fraction),
        None => (unsigned, ""),
    };
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && fraction.is_empty()) || !all_digits(whole) || !all_digits(fraction) {
        return Err(NumberError::NotANumber);
    }
    if unsigned.ends_with('.') {
        return Err(NumberError::NotANumber);
    }
    let fraction_len = u32::try_from(fraction.len()).map_err(|_| NumberError::Overflow)?;
    if fraction_len > places {
        return Err(NumberError::TooManyDecimals { allowed: places });
    }
    let scale = 10i64.checked_pow(places).ok_or(NumberError::Overflow)?;
    let whole_value = digits_value(whole)?;
    let fraction_value = digits_value(fraction)?
        .checked_mul(
            10i64
                .checked_pow(places - fraction_len)
                .ok_or(NumberError::Overflow)?,
        )
        .ok_or(NumberError::Overflow)?;
    let magnitude = whole_value
        .checked_mul(scale)
        .and_then(|v| v.checked_add(fraction_value))
        .ok_or(NumberError::Overflow)?;
    Ok(if negative { -magnitude } else { magnitude })
}

fn digits_value(digits: &str) -> Result<i64, NumberError> {
    digits.bytes().try_fold(0i64, |acc, b| {
        acc.checked_mul(10)
            .and_then(|v| v.checked_add(i64::from(b - b'0')))
            .ok_or(NumberError::Overflow)
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PercentError {
    /// A plain number where a percentage belongs: `20` instead of `20%`.
    MissingSign,
    NotAPercentage,
    TooManyDecimals,
    Overflow,
}

/// Parses `20%`, `7.25%` or `-10%` into basis points (signed, unchecked range).
pub fn parse_percent(text: &str) -> Result<i64, PercentError> {
    let text = text.trim();
    let Some(number) = text.strip_suffix('%') else {
        return Err(match parse_fixed(text, 18) {
            Ok(_) | Err(NumberError::Overflow) => PercentError::MissingSign,
            Err(_) if parse_fixed(text, 9).is_ok() => PercentError::MissingSign,
            Err(_) => PercentError::NotAPercentage,
        });
    };
    parse_fixed(number.trim_end(), 2).map_err(|e| match e {
        NumberError::NotANumber => PercentError::NotAPercentage,
        NumberError::TooManyDecimals { .. } => PercentError::TooManyDecimals,
        NumberError::Overflow => PercentError::Overflow,
    })
}

/// Parses a whole number; only digits, so `1e3`, `0x10` and `-1` are refused.
pub fn parse_unsigned(text: &str) -> Result<u64, NumberError> {
    let text = text.trim();
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(NumberError::NotANumber);
    }
    text.bytes().try_fold(0u64, |acc, b| {
        acc.checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(b - b'0')))
            .ok_or(NumberError::Overflow)
    })
}

/// Formats a scaled integer back as a decimal, for messages.
pub fn format_fixed(value: i64, places: u32) -> String {
    let scale = 10u64.pow(places.min(18));
    let sign = if value < 0 { "-" } else { "" };
    let abs = value.unsigned_abs();
    if places == 0 {
        return format!("{sign}{abs}");
    }
    let fraction = format!("{:0width$}", abs % scale, width = places as usize);
    let fraction = fraction.trim_end_matches('0');
    if fraction.is_empty() {
        format!("{sign}{}", abs / scale)
    } else {
        format!("{sign}{}.{fraction}", abs / scale)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_parses_exactly() {
        assert_eq!(parse_fixed("0.8", 3), Ok(800));
        assert_eq!(parse_fixed("1", 3), Ok(1000));
        assert_eq!(parse_fixed("2400.00", 2), Ok(240_000));
        assert_eq!(parse_fixed("-3.5", 2), Ok(-350));
        assert_eq!(parse_fixed("+.5", 1), Ok(5));
        assert_eq!(parse_fixed("0.1", 3), Ok(100));
    }

    #[test]
    fn fixed_refuses_what_it_cannot_represent_exactly() {
        assert_eq!(
            parse_fixed("0.0001", 3),
            Err(NumberError::TooManyDecimals { allowed: 3 })
        );
        assert_eq!(parse_fixed("1e3", 3), Err(NumberError::NotANumber));
        assert_eq!(parse_fixed("", 3), Err(NumberError::NotANumber));
        assert_eq!(parse_fixed(".", 3), Err(NumberError::NotANumber));
        assert_eq!(parse_fixed("1.", 3), Err(NumberError::NotANumber));
        assert_eq!(parse_fixed("1_000", 3), Err(NumberError::NotANumber));
        assert_eq!(parse_fixed("--1", 3), Err(NumberError::NotANumber));
        assert_eq!(
            parse_fixed("99999999999999999999", 2),
            Err(NumberError::Overflow)
        );
        assert_eq!(parse_fixed("1", 40), Err(NumberError::Overflow));
    }

    #[test]
    fn percentages_are_basis_points() {
        assert_eq!(parse_percent("20%"), Ok(2000));
        assert_eq!(parse_percent("7.25%"), Ok(725));
        assert_eq!(parse_percent("-10%"), Ok(-1000));
        assert_eq!(parse_percent("0%"), Ok(0));
        assert_eq!(parse_percent("150%"), Ok(15_000));
        assert_eq!(parse_percent("20"), Err(PercentError::MissingSign));
        assert_eq!(parse_percent("0.2"), Err(PercentError::MissingSign));
        assert_eq!(parse_percent("lots"), Err(PercentError::NotAPercentage));
        assert_eq!(parse_percent("%"), Err(PercentError::NotAPercentage));
        assert_eq!(parse_percent("1.234%"), Err(PercentError::TooManyDecimals));
    }

    #[test]
    fn unsigned_is_digits_only() {
        assert_eq!(parse_unsigned("18"), Ok(18));
        assert_eq!(parse_unsigned("-1"), Err(NumberError::NotANumber));
        assert_eq!(parse_unsigned("lots"), Err(NumberError::NotANumber));
        assert_eq!(
            parse_unsigned("18446744073709551616"),
            Err(NumberError::Overflow)
        );
        assert_eq!(parse_unsigned("18446744073709551615"), Ok(u64::MAX));
    }

    #[test]
    fn format_round_trips() {
        assert_eq!(format_fixed(800, 3), "0.8");
        assert_eq!(format_fixed(-1000, 2), "-10");
        assert_eq!(format_fixed(725, 2), "7.25");
        assert_eq!(format_fixed(i64::MIN, 2), "-92233720368547758.08");
    }
}
