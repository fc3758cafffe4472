//! Calendar arithmetic: months of the window, business days, fiscal years.
//!
//! Pure functions over `chrono::NaiveDate`; nothing reads the clock or the
//! time zone.

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};

/// First day of the month `offset` months after `start`'s month.
pub fn month_start(start: NaiveDate, offset: u32) -> NaiveDate {
    start
        .with_day(1)
        .and_then(|d| d.checked_add_months(Months::new(offset)))
        .expect("validated calendar stays in range")
}

pub fn month_end(first: NaiveDate) -> NaiveDate {
    first
        .checked_add_months(Months::new(1))
        .and_then(|d| d.pred_opt())
        .expect("validated calendar stays in range")
}

pub fn days_in_month(first: NaiveDate) -> u32 {
    month_end(first).day()
}

pub fn add_days(date: NaiveDate, days: u32) -> NaiveDate {
    date.checked_add_days(Days::new(days.into()))
        .expect("dates stay within chrono's range")
}

fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Banks do not clear at weekends: the next Monday for a Saturday or Sunday.
pub fn next_business_day(mut date: NaiveDate) -> NaiveDate {
    while is_weekend(date) {
        date = add_days(date, 1);
    }
    date
}

/// The previous Friday for a weekend day; used where a date must stay in its month.
pub fn previous_business_day(mut date: NaiveDate) -> NaiveDate {
    while is_weekend(date) {
        date = date.pred_opt().expect("dates stay within chrono's range");
    }
    date
}

/// Label of the fiscal year that holds `date`: the calendar year it starts in.
pub fn fiscal_year(date: NaiveDate, start_month: u32) -> i32 {
    if date.month() >= start_month {
        date.year()
    } else {
        date.year() - 1
    }
}

/// Whole days from `from` to `to` (negative if `to` is earlier).
pub fn days_between(from: NaiveDate, to: NaiveDate) -> i64 {
    (to - from).num_days()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn weekends_roll_to_monday_or_back_to_friday() {
        assert_eq!(next_business_day(d(2026, 11, 21)), d(2026, 11, 23));
        assert_eq!(previous_business_day(d(2026, 11, 22)), d(2026, 11, 20));
        assert_eq!(next_business_day(d(2026, 11, 24)), d(2026, 11, 24));
    }

    #[test]
    fn month_ends_handle_february_and_leap_years() {
        assert_eq!(month_end(d(2028, 2, 1)), d(2028, 2, 29));
        assert_eq!(month_end(d(2026, 2, 1)), d(2026, 2, 28));
        assert_eq!(month_start(d(2025, 6, 1), 7), d(2026, 1, 1));
    }

    #[test]
    fn fiscal_year_is_labelled_by_its_start_year() {
        assert_eq!(fiscal_year(d(2026, 3, 31), 4), 2025);
        assert_eq!(fiscal_year(d(2026, 4, 1), 4), 2026);
        assert_eq!(fiscal_year(d(2026, 1, 1), 1), 2026);
    }
}
