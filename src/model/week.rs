//! ISO weeks for the weekly activity loop (`demoforge tick SPEC --week 2026-W48`).
//!
//! Input: a week written `YYYY-Www` and a base scenario. Output: the two
//! scenarios a tick's delta lies between. Invariant: ticks for consecutive
//! weeks chain (one week's end is the next week's start), and the first tick
//! after a reset starts at the base `as_of`.

use chrono::{Datelike, NaiveDate, Weekday};

use super::Scenario;

/// One ISO week, Monday to Sunday.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IsoWeek {
    pub year: i32,
    pub week: u32,
}

impl IsoWeek {
    /// Parses `2026-W48`; the error says what is wrong and how to write it.
    pub fn parse(text: &str) -> Result<IsoWeek, String> {
        let help = "write the ISO week as YYYY-Www, e.g. `2026-W48`";
        let (year, week) = text
            .split_once("-W")
            .ok_or_else(|| format!("`{text}` is not an ISO week; {help}"))?;
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(year, 4) || !digits(week, 2) {
            return Err(format!("`{text}` is not an ISO week; {help}"));
        }
        let (year, week): (i32, u32) = (
            year.parse().map_err(|_| help.to_owned())?,
            week.parse().map_err(|_| help.to_owned())?,
        );
        if NaiveDate::from_isoywd_opt(year, week, Weekday::Mon).is_none() {
            let last = NaiveDate::from_ymd_opt(year, 12, 28)
                .map(|d| d.iso_week().week())
                .unwrap_or(52);
            return Err(format!(
                "week {week} does not exist in {year}: ISO year {year} has weeks 01 to {last}"
            ));
        }
        Ok(IsoWeek { year, week })
    }

    pub fn monday(self) -> NaiveDate {
        NaiveDate::from_isoywd_opt(self.year, self.week, Weekday::Mon).expect("validated week")
    }

    pub fn sunday(self) -> NaiveDate {
        NaiveDate::from_isoywd_opt(self.year, self.week, Weekday::Sun).expect("validated week")
    }

    pub fn label(self) -> String {
        format!("{}-W{:02}", self.year, self.week)
    }
}

/// The two states a weekly tick moves a tenant between.
#[derive(Debug, Clone)]
pub struct Tick {
    pub week: IsoWeek,
    /// The books through the day before the week (or the base `as_of`).
    pub from: Scenario,
    /// The books through the week's Sunday.
    pub to: Scenario,
}

/// The tick for `week` on top of `base`: from the day before its Monday,
/// clamped to the base `as_of`, to its Sunday. A week that ends on or before
/// the base `as_of` has nothing to add and is refused.
pub fn tick(base: &Scenario, week: IsoWeek) -> Result<Tick, String> {
    let as_of = base.calendar.as_of;
    if week.sunday() <= as_of {
        return Err(format!(
            "week {} ends on {}, on or before the scenario's as_of {as_of}; a tick adds a week after it",
            week.label(),
            week.sunday()
        ));
    }
    let start = week.monday().pred_opt().expect("in range").max(as_of);
    Ok(Tick {
        week,
        from: base.moved_to(start),
        to: base.moved_to(week.sunday()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_iso_weeks_and_explains_bad_ones() {
        let w = IsoWeek::parse("2026-W48").unwrap();
        assert_eq!(w.monday(), NaiveDate::from_ymd_opt(2026, 11, 23).unwrap());
        assert_eq!(w.sunday(), NaiveDate::from_ymd_opt(2026, 11, 29).unwrap());
        assert_eq!(w.label(), "2026-W48");
        assert!(IsoWeek::parse("2026-W53").is_ok(), "2026 has 53 ISO weeks");
        assert!(
            IsoWeek::parse("2027-W53")
                .unwrap_err()
                .contains("weeks 01 to 52")
        );
        for bad in ["2026W48", "2026-W4", "26-W48", "2026-w48", "2026-W00"] {
            assert!(IsoWeek::parse(bad).is_err(), "{bad}");
        }
    }
}
