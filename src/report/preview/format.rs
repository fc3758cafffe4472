//! Number formatting shared by the table and HTML renderings.

/// Minor units with thousands separators and two decimals: `-1,234.56`.
pub fn money(minor: i64) -> String {
    let abs = minor.unsigned_abs();
    let whole = (abs / 100).to_string();
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if minor < 0 { "-" } else { "" };
    format!("{sign}{grouped}.{:02}", abs % 100)
}

/// Whole units, rounded half away from zero, with a `k` or `M` suffix for
/// chart axes: `1234567` minor units is `12.3k`.
pub fn compact(minor: i64) -> String {
    let whole = crate::model::money::div_round_half_away(i128::from(minor), 100);
    let abs = whole.unsigned_abs();
    let sign = if whole < 0 { "-" } else { "" };
    let (scaled, suffix) = if abs >= 1_000_000 {
        (abs / 100_000, "M")
    } else if abs >= 1_000 {
        (abs / 100, "k")
    } else {
        return format!("{sign}{abs}");
    };
    if scaled % 10 == 0 {
        format!("{sign}{}{suffix}", scaled / 10)
    } else {
        format!("{sign}{}.{}{suffix}", scaled / 10, scaled % 10)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_groups_thousands() {
        assert_eq!(money(0), "0.00");
        assert_eq!(money(-5), "-0.05");
        assert_eq!(money(99_999), "999.99");
        assert_eq!(money(100_000), "1,000.00");
        assert_eq!(money(-123_456_789), "-1,234,567.89");
        assert_eq!(money(12_345_678_901), "123,456,789.01");
    }

    #[test]
    fn compact_scales_for_axes() {
        assert_eq!(compact(0), "0");
        assert_eq!(compact(99_949), "999");
        assert_eq!(compact(123_456), "1.2k");
        assert_eq!(compact(1_000_000), "10k");
        assert_eq!(compact(-1_234_567_800), "-12.3M");
    }
}
