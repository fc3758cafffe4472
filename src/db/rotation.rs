//! Rotation periods for credentials derived from a secret.
//!
//! Input: a rotation kind and today's date (UTC). Output: the period label fed
//! into the derivation. Invariant: every day of one period gives the same
//! label, so nightly resets keep credentials stable until the period ends.

use chrono::{Datelike, NaiveDate};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Rotation {
    Daily,
    Weekly,
    Monthly,
    Quarterly,
}

impl Rotation {
    pub fn label(self, day: NaiveDate) -> String {
        match self {
            Rotation::Daily => format!("{:04}-{:02}-{:02}", day.year(), day.month(), day.day()),
            Rotation::Weekly => {
                let week = day.iso_week();
                format!("{:04}-W{:02}", week.year(), week.week())
            }
            Rotation::Monthly => format!("{:04}-{:02}", day.year(), day.month()),
            Rotation::Quarterly => format!("{:04}-Q{}", day.year(), (day.month() - 1) / 3 + 1),
        }
    }
}

/// Today in UTC, from the system clock.
pub fn today() -> NaiveDate {
    chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now()).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn labels_are_stable_within_a_period() {
        assert_eq!(Rotation::Monthly.label(day(2026, 11, 1)), "2026-11");
        assert_eq!(Rotation::Monthly.label(day(2026, 11, 30)), "2026-11");
        assert_eq!(Rotation::Monthly.label(day(2026, 12, 1)), "2026-12");
        assert_eq!(Rotation::Weekly.label(day(2026, 11, 23)), "2026-W48");
        assert_eq!(Rotation::Weekly.label(day(2026, 11, 29)), "2026-W48");
        assert_eq!(Rotation::Weekly.label(day(2027, 1, 1)), "2026-W53");
        assert_eq!(Rotation::Quarterly.label(day(2026, 12, 31)), "2026-Q4");
        assert_eq!(Rotation::Daily.label(day(2026, 2, 3)), "2026-02-03");
    }
}
