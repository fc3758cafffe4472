//! Payroll: pay frequency, headcount, salary and hourly bands, hours and
//! pension rates.
//!
//! Input: the raw `payroll` mapping. Output: a [`Payroll`], starting from
//! [`defaults::payroll`] for the country and industry.
//! Invariant: employees within `limits::MAX_EMPLOYEES`, `0 < min <= max` for
//! both pay bands, hours 1 to 80, pension rates 0% to 25%.

use miette::SourceSpan;

use super::choice::{bp_in, choose, money_in, u32_in};
use crate::model::{Country, Industry, Money, PayFrequency, Payroll, defaults, limits};
use crate::spec::raw::{RawMoneyRange, RawPayroll};
use crate::spec::{Kind, Problems};

/// `fortnightly` is accepted as another word for `biweekly`.
pub const FREQUENCIES: [(&str, PayFrequency); 4] = [
    ("monthly", PayFrequency::Monthly),
    ("biweekly", PayFrequency::BiWeekly),
    ("weekly", PayFrequency::Weekly),
    ("fortnightly", PayFrequency::BiWeekly),
];
/// 10 000 000.00 a year, in minor units.
pub const MAX_SALARY: i64 = 1_000_000_000;
/// 10 000.00 an hour, in minor units.
pub const MAX_HOURLY_RATE: i64 = 1_000_000;
pub const MAX_HOURS_PER_WEEK: u32 = 80;
/// 25%.
pub const MAX_PENSION: i64 = 2_500;

pub fn payroll(
    raw: Option<&RawPayroll>,
    country: Country,
    industry: Industry,
    problems: &mut Problems,
) -> Payroll {
    let mut payroll = defaults::payroll(country, industry);
    let Some(raw) = raw else { return payroll };
    if let Some(frequency) = raw
        .frequency
        .as_ref()
        .and_then(|f| choose(problems, f, "pay frequency", &FREQUENCIES))
    {
        payroll.frequency = frequency;
    }
    if let Some(employees) = raw
        .employees
        .as_ref()
        .and_then(|n| u32_in(problems, n, "employees", 0, limits::MAX_EMPLOYEES))
    {
        payroll.employees = employees;
    }
    if let Some(salaried) = raw
        .salaried
        .as_ref()
        .and_then(|s| bp_in(problems, s, "salaried", 0, 10_000))
    {
        payroll.salaried = salaried;
    }
    (payroll.salary_min, payroll.salary_max) = band(
        raw.salary.as_ref(),
        "salary",
        (payroll.salary_min, payroll.salary_max),
        MAX_SALARY,
        problems,
    );
    (payroll.hourly_min, payroll.hourly_max) = band(
        raw.hourly_rate.as_ref(),
        "hourly_rate",
        (payroll.hourly_min, payroll.hourly_max),
        MAX_HOURLY_RATE,
        problems,
    );
    if let Some(hours) = raw
        .hours_per_week
        .as_ref()
        .and_then(|h| u32_in(problems, h, "hours_per_week", 1, MAX_HOURS_PER_WEEK))
    {
        payroll.hours_per_week = hours;
    }
    if let Some(pension) = &raw.pension {
        let mut rate = |value: Option<&crate::spec::Spanned<i64>>, field| {
            value.and_then(|v| bp_in(problems, v, field, 0, MAX_PENSION))
        };
        if let Some(employee) = rate(pension.employee.as_ref(), "pension.employee") {
            payroll.pension_employee = employee;
        }
        if let Some(employer) = rate(pension.employer.as_ref(), "pension.employer") {
            payroll.pension_employer = employer;
        }
    }
    payroll
}

/// A `{min, max}` money band: each key optional (the default fills in),
/// each above 0 and at most `max`, and `min <= max`. On any problem the
/// default band is kept.
fn band(
    raw: Option<&RawMoneyRange>,
    field: &str,
    default: (Money, Money),
    max: i64,
    problems: &mut Problems,
) -> (Money, Money) {
    let Some(raw) = raw else { return default };
    let mut read = |value: Option<&crate::spec::Spanned<i64>>, key: &str, fallback| match value {
        Some(v) => money_in(problems, v, &format!("{field}.{key}"), 1, max),
        None => Some(fallback),
    };
    let low = read(raw.min.as_ref(), "min", default.0);
    let high = read(raw.max.as_ref(), "max", default.1);
    let (Some(low), Some(high)) = (low, high) else {
        return default;
    };
    if low > high {
        let at: SourceSpan = raw
            .min
            .as_ref()
            .or(raw.max.as_ref())
            .map_or(raw.key, |v| v.span);
        problems.report(
            Kind::OutOfRange,
            at,
            format!("`{field}` min {low} is above max {high}"),
            "min above max",
            format!(
                "make `min` at most `max` (the defaults are {} and {})",
                default.0, default.1
            ),
        );
        return default;
    }
    (low, high)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Spanned;

    fn range(min: Option<i64>, max: Option<i64>) -> RawMoneyRange {
        let at = |v| Spanned::new(v, SourceSpan::new(0.into(), 1));
        RawMoneyRange {
            key: SourceSpan::new(0.into(), 1),
            min: min.map(at),
            max: max.map(at),
        }
    }

    #[test]
    fn band_fills_missing_keys_and_checks_order() {
        let default = (Money(100), Money(200));
        let mut problems = Problems::default();
        let band = |raw, problems: &mut Problems| band(Some(&raw), "pay", default, 1_000, problems);
        assert_eq!(
            band(range(Some(150), None), &mut problems),
            (Money(150), Money(200))
        );
        assert_eq!(
            band(range(None, Some(1_000)), &mut problems),
            (Money(100), Money(1_000))
        );
        assert!(problems.is_empty());
        assert_eq!(band(range(Some(300), None), &mut problems), default);
        assert_eq!(band(range(Some(0), Some(50)), &mut problems), default);
        assert_eq!(band(range(None, Some(1_001)), &mut problems), default);
        assert_eq!(problems.len(), 3);
        assert_eq!(problems.0[0].message, "`pay` min 3.00 is above max 2.00");
    }
}
