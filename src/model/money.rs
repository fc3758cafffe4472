//! Fixed-point numbers for money, rates and averages.
//!
//! Everything is an integer so that results are identical on every platform; the
//! only rounding rule is round-half-away-from-zero, applied in [`Money::apply`].

use std::fmt;
use std::ops::{Add, AddAssign, Neg, Sub, SubAssign};

/// An amount in minor units (pence, cents). Every supported currency has two
/// minor digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(pub i64);

/// Basis points: 10 000 is 100%.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Bp(pub u32);

/// Thousandths, for averages such as "0.8 invoices per customer per month".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Milli(pub u32);

impl Bp {
    pub const HUNDRED_PERCENT: Bp = Bp(10_000);
}

impl Money {
    pub const ZERO: Money = Money(0);

    /// `self * rate`, rounded half away from zero to the minor unit.
    pub fn apply(self, rate: Bp) -> Money {
        Money(div_round_half_away(self.0 as i128 * rate.0 as i128, 10_000))
    }

    pub fn times(self, quantity: i64) -> Money {
        Money(self.0 * quantity)
    }

    pub fn is_zero(self) -> bool {
        self.0 == 0
    }
}

/// Integer division that rounds half away from zero.
pub fn div_round_half_away(numerator: i128, denominator: i128) -> i64 {
    let half = denominator / 2;
    let rounded = if numerator >= 0 {
        (numerator + half) / denominator
    } else {
        (numerator - half) / denominator
    };
    rounded as i64
}

impl fmt::Display for Money {
    /// Plain decimal with two places, as PostgreSQL `numeric` and hledger accept.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

impl fmt::Display for Bp {
    /// Percentage with up to two decimals, trailing zeros dropped: `20`, `7.25`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let whole = self.0 / 100;
        let frac = self.0 % 100;
        match frac {
            0 => write!(f, "{whole}"),
            f2 if f2 % 10 == 0 => write!(f, "{whole}.{}", f2 / 10),
            f2 => write!(f, "{whole}.{f2:02}"),
        }
    }
}

impl Add for Money {
    type Output = Money;
    fn add(self, rhs: Money) -> Money {
        Money(self.0 + rhs.0)
    }
}

impl Sub for Money {
    type Output = Money;
    fn sub(self, rhs: Money) -> Money {
        Money(self.0 - rhs.0)
    }
}

impl Neg for Money {
    type Output = Money;
    fn neg(self) -> Money {
        Money(-self.0)
    }
}

impl AddAssign for Money {
    fn add_assign(&mut self, rhs: Money) {
        self.0 += rhs.0;
    }
}

impl SubAssign for Money {
    fn sub_assign(&mut self, rhs: Money) {
        self.0 -= rhs.0;
    }
}

impl std::iter::Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, Add::add)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_displays_two_places_with_sign() {
        assert_eq!(Money(123_456).to_string(), "1234.56");
        assert_eq!(Money(-5).to_string(), "-0.05");
        assert_eq!(Money(0).to_string(), "0.00");
    }

    #[test]
    fn apply_rounds_half_away_from_zero() {
        // 0.125 -> 0.13, and -0.125 -> -0.13
        assert_eq!(Money(125).apply(Bp(1000)), Money(13));
        assert_eq!(Money(-125).apply(Bp(1000)), Money(-13));
        assert_eq!(Money(999).apply(Bp(2000)), Money(200));
    }

    #[test]
    fn bp_displays_as_percentage() {
        assert_eq!(Bp(2000).to_string(), "20");
        assert_eq!(Bp(725).to_string(), "7.25");
        assert_eq!(Bp(550).to_string(), "5.5");
    }
}
